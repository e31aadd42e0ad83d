#!/usr/bin/env python3
"""What observe mode costs a TCP send/poll/recv ping-pong, against capping.

    bench/observe.py [--build DIR] [--cg-iters 2000,6000]

Contenders: bare; libwaitcap.so capping (the embedded default profile's
caps); the same caps in observe mode (WAITCAP_MODE=observe); with
--base-lib, another libwaitcap.so capping (the one before observe mode and
phases: what their hooks cost when no session records).  Counters on
in a temp WAITCAP_STATS_DIR, tracing off (WAITCAP_TRACE=0), as in
bench/stats.py.  Measure: callgrind user-space instructions and
clock_gettime calls per round trip, from two runs of different lengths
(start-up cancels out), with bench/run's functions.  The caps never fire
in a ping-pong, so observe mode should cost what capping costs.

Prints a Markdown table.  Nothing here asserts a speed."""
import argparse
import importlib.machinery
import importlib.util
import os
import shutil
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load_bench_run():
    loader = importlib.machinery.SourceFileLoader("bench_run", os.path.join(HERE, "run"))
    spec = importlib.util.spec_from_loader("bench_run", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


br = load_bench_run()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--cg-iters", default="2000,6000", help="the two callgrind lengths")
    ap.add_argument("--base-lib", help="another libwaitcap.so (e.g. the commit before observe "
                    "mode), capping, for the cost of the phase hooks")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    pingpong = os.path.join(build, "bench", "pingpong")
    lib = os.path.join(build, "src", "preload", "libwaitcap.so")
    stats_dir = tempfile.mkdtemp(prefix="waitcap-bench-observe-")
    os.chmod(stats_dir, 0o700)
    try:
        base = br.clean_env()
        base["WAITCAP_TRACE"] = "0"
        contenders = {
            "bare": {k: v for k, v in base.items() if k != "WAITCAP_TRACE"},
            "capping": dict(base, LD_PRELOAD=lib, WAITCAP_STATS_DIR=stats_dir),
            "observe": dict(base, LD_PRELOAD=lib, WAITCAP_STATS_DIR=stats_dir,
                            WAITCAP_MODE="observe"),
        }
        if args.base_lib:
            contenders["base lib capping"] = dict(base, LD_PRELOAD=os.path.abspath(args.base_lib),
                                                  WAITCAP_STATS_DIR=stats_dir)
        me = br.User(False)
        small, large = (int(x) for x in args.cg_iters.split(","))
        rows = {}
        for name, env in contenders.items():
            counts = []
            for n in (small, large):
                out = os.path.join(stats_dir, f"cg-{name}-{n}.out")
                status, o, e = br.run(["valgrind", "--tool=callgrind",
                                       f"--callgrind-out-file={out}", pingpong, "tcp", str(n)],
                                      env, me)
                br.bench_value(status, o, e, f"callgrind {name}")
                counts.append(br.callgrind_counts(out))
            (t1, f1, k1), (t2, f2, k2) = counts
            d = large - small
            lib_ins = sum(f2.get(f, 0) - f1.get(f, 0) for f in set(f1) | set(f2)
                          if f.startswith("libwaitcap.so: ")) / d
            rows[name] = ((t2 - t1) / d, lib_ins, (k2 - k1) / d)
        print(f"pingpong tcp (send, poll, recv on a capped socket); callgrind {small} and {large} "
              "round trips, per round trip:\n")
        print("| contender | instructions | in libwaitcap.so | clock_gettime | vs bare | vs capping |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, (ins, lib_ins, clocks) in rows.items():
            print(f"| {name} | {ins:.0f} | {lib_ins:.0f} | {clocks:.1f} | "
                  f"{ins / rows['bare'][0]:.3f} | {ins / rows['capping'][0]:.3f} |")
    finally:
        shutil.rmtree(stats_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
