#!/usr/bin/env python3
"""What the live counters cost a TCP send/poll/recv ping-pong.

    bench/stats.py [--build DIR] [--base-lib PATH] [--rounds N] [--iters N]

Contenders: bare; libwaitcap.so with counters off (WAITCAP_STATS=0); with
counters on (the default; files in a temp WAITCAP_STATS_DIR); and, with
--base-lib, another libwaitcap.so (e.g. one built from the commit before
the counters) run the same way.  Two measures:

- callgrind: user-space instructions and clock_gettime calls per round
  trip, from two runs of different lengths (start-up cancels out), the way
  bench/run's profile section counts them (its functions are reused);
- time: each contender paired with a counters-off run of the same size,
  order alternating; the median of the pairwise wall and CPU ratios;
- a real service: redis-server preloaded, driven by redis-benchmark (itself
  preloaded: its connections are the capped ones), requests/s of each
  contender against bare, rounds side by side, order alternating; the
  median of the pairwise ratios (--redis-rounds 0 skips it); and the
  library's instructions per request in redis-benchmark under callgrind
  (this one moves with how many events each epoll_wait returns, which
  depends on timing: compare it across runs with care).

On a shared machine the time ratios move by several per cent from run to
run (the bare/counters-off pair shows it); the callgrind counts of the
ping-pong are the stable measure.

Prints a Markdown table.  Nothing here asserts a speed."""
import argparse
import importlib.machinery
import importlib.util
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import time
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load_bench_run():
    loader = importlib.machinery.SourceFileLoader("bench_run", os.path.join(HERE, "run"))
    spec = importlib.util.spec_from_loader("bench_run", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


br = load_bench_run()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_rps(env, requests, tmp):
    """Requests/s of redis-benchmark (PING, SET, GET; 10 clients) against a
    redis-server, both run with env; the server is stopped by pid."""
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--daemonize", "no",
                               "--dir", tmp],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):  # up within 5 s
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        status, out, err = br.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port),
                                   "-n", str(requests), "-c", "10", "-t", "ping,set,get",
                                   "--csv"], env, br.User(False))
        if status != 0:
            raise br.RunError(f"redis-benchmark: exit {status}: {br.last_line(err)}")
        rps = [float(m.group(1)) for m in re.finditer(r'^"[^"]+","([\d.]+)"', out, re.M)]
        if len(rps) != 4:  # PING_INLINE, PING_MBULK, SET, GET
            raise br.RunError(f"redis-benchmark: unexpected output: {out[:200]}")
        return sum(rps) / len(rps)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def redis_callgrind(env, lengths, tmp):
    """libwaitcap.so instructions per request in redis-benchmark (GET, 10
    clients) under callgrind, from two lengths; the server runs bare.
    redis-benchmark's own work varies with timing (its latency histogram),
    so only the library's share is compared."""
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--dir", tmp],
                              env=br.clean_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        lib = []
        for n in lengths:
            out = os.path.join(tmp, f"cg-redis-{n}.out")
            status, o, e = br.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                   "redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-q",
                                   "-t", "get", "-n", str(n), "-c", "10"], env, br.User(False))
            if status != 0:
                raise br.RunError(f"callgrind redis-benchmark: exit {status}")
            _, funcs, _ = br.callgrind_counts(out)
            lib.append(sum(v for f, v in funcs.items() if f.startswith("libwaitcap.so: ")))
        return (lib[1] - lib[0]) / (lengths[1] - lengths[0])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--base-lib", help="another libwaitcap.so to compare (e.g. before counters)")
    ap.add_argument("--rounds", type=int, default=7, help="timed pairs per contender")
    ap.add_argument("--iters", type=int, default=20000, help="round trips per timed run")
    ap.add_argument("--cg-iters", default="2000,6000", help="the two callgrind lengths")
    ap.add_argument("--stats-parent", default="/dev/shm",
                    help="where the counters' files go (default /dev/shm, a tmpfs)")
    ap.add_argument("--redis-rounds", type=int, default=5, help="0: no redis section")
    ap.add_argument("--redis-requests", type=int, default=50000, help="per test per run")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    pingpong = os.path.join(build, "bench", "pingpong")
    lib = os.path.join(build, "src", "preload", "libwaitcap.so")
    # On a tmpfs, as /run and $XDG_RUNTIME_DIR are on a host: a
    # disk-backed file adds writeback and page_mkwrite faults (docs/stats.md).
    stats_dir = tempfile.mkdtemp(prefix="waitcap-bench-stats-", dir=args.stats_parent)
    os.chmod(stats_dir, 0o700)
    base = br.clean_env()
    base["WAITCAP_TRACE"] = "0"
    contenders = {
        "bare": {k: v for k, v in base.items() if k != "WAITCAP_TRACE"},
        "counters off": dict(base, LD_PRELOAD=lib, WAITCAP_STATS="0"),
        "counters on": dict(base, LD_PRELOAD=lib, WAITCAP_STATS_DIR=stats_dir),
    }
    if args.base_lib:
        contenders["base lib"] = dict(base, LD_PRELOAD=os.path.abspath(args.base_lib),
                                      WAITCAP_STATS_DIR=stats_dir)
    me = br.User(False)

    small, large = (int(x) for x in args.cg_iters.split(","))
    cg = {}
    for name, env in contenders.items():
        counts = []
        for n in (small, large):
            out = os.path.join(stats_dir, f"cg-{name.replace(' ', '_')}-{n}.out")
            status, o, e = br.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                   pingpong, "tcp", str(n)], env, me)
            br.bench_value(status, o, e, f"callgrind {name}")
            counts.append(br.callgrind_counts(out))
        (t1, f1, k1), (t2, f2, k2) = counts
        d = large - small
        lib_ins = sum(f2.get(f, 0) - f1.get(f, 0) for f in set(f1) | set(f2)
                      if f.startswith("libwaitcap.so: ")) / d
        cg[name] = ((t2 - t1) / d, lib_ins, (k2 - k1) / d)

    times = {}
    for name, env in contenders.items():
        if name == "counters off":
            continue
        wall, cpu = [], []
        for r in range(args.rounds):
            order = [name, "counters off"] if r % 2 == 0 else ["counters off", name]
            got = {}
            for who in order:
                status, o, e = br.run([pingpong, "tcp", str(args.iters)], contenders[who], me)
                got[who] = br.bench_value(status, o, e, who)
            wall.append(got[name][0] / got["counters off"][0])
            cpu.append(got[name][1] / got["counters off"][1])
        times[name] = (statistics.median(wall), statistics.median(cpu))

    redis = {}
    if args.redis_rounds and not (shutil.which("redis-server") and shutil.which("redis-benchmark")):
        print("redis section skipped: redis-server/redis-benchmark missing (tools/setup installs "
              "them)", file=sys.stderr)
    elif args.redis_rounds:
        names = [n for n in contenders if n != "bare"]
        ratios = {n: [] for n in names}
        bare_rps = []
        for r in range(args.redis_rounds):
            order = ["bare"] + names if r % 2 == 0 else names + ["bare"]
            got = {who: redis_rps(contenders[who], args.redis_requests, stats_dir)
                   for who in order}
            bare_rps.append(got["bare"])
            for n in names:
                ratios[n].append(got[n] / got["bare"])
        redis = {n: statistics.median(v) for n, v in ratios.items()}
        redis["bare"] = 1.0
        redis_bare = statistics.median(bare_rps)
        redis_lib = {n: redis_callgrind(contenders[n], (5000, 15000), stats_dir) for n in names}

    for f in os.listdir(stats_dir):
        os.unlink(os.path.join(stats_dir, f))
    os.rmdir(stats_dir)

    print(f"pingpong tcp (send, poll, recv on a capped socket); callgrind {small} and {large} "
          f"round trips; time: {args.rounds} pairs of {args.iters} round trips against "
          "counters off\n")
    print("| contender | instructions/round trip | in libwaitcap.so | clock_gettime/round trip "
          "| wall ratio vs counters off | CPU ratio vs counters off |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in contenders:
        ins, lib_ins, clocks = cg[name]
        w, c = times.get(name, (1.0, 1.0))
        print(f"| {name} | {ins:.0f} | {lib_ins:.0f} | {clocks:.3f} | {w:.3f} | {c:.3f} |")
    if redis:
        print(f"\nredis-server and redis-benchmark (PING, SET, GET, 10 clients, "
              f"{args.redis_requests} requests each), both run as the contender, "
              f"{args.redis_rounds} rounds side by side; bare: {redis_bare:.0f} requests/s "
              "(median)\n")
        print("| contender | requests/s ratio vs bare (median) | libwaitcap.so instructions "
              "per request in redis-benchmark (callgrind) |")
        print("| --- | ---: | ---: |")
        for name in contenders:
            lib_ins = f"{redis_lib[name]:.1f}" if name in redis_lib else "-"
            print(f"| {name} | {redis[name]:.3f} | {lib_ins} |")


if __name__ == "__main__":
    sys.exit(main())
