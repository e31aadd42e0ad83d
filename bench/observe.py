#!/usr/bin/env python3
"""What observe mode costs a TCP send/poll/recv ping-pong, against capping.

    bench/observe.py [--build DIR] [--base-lib PATH] [--cg-iters 2000,6000] [--small]

Contenders: bare; libwaitcap.so capping (the embedded default profile's
caps); the same caps in observe mode (WAITCAP_MODE=observe); with
--base-lib, another libwaitcap.so capping (the one before observe mode and
phases: what their hooks cost when no session records).  Counters on
in a temp WAITCAP_STATS_DIR, tracing off (WAITCAP_TRACE=0), as in
bench/stats.py.  Measure: callgrind user-space instructions and
clock_gettime calls per round trip, from two runs of different lengths
(start-up cancels out), with bench/run's functions (bench/benchlib.py).
The caps never fire in a ping-pong, so observe mode should cost what
capping costs.

Prints a Markdown table.  Nothing here asserts a speed."""
import argparse

from benchlib import Pingpong, add_common_args, cg_lengths


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(ap)
    args = ap.parse_args()
    pp = Pingpong(args, "waitcap-bench-observe-")
    try:
        contenders = {
            "bare": pp.bare,
            "capping": pp.preloaded(WAITCAP_STATS_DIR=pp.dir),
            "observe": pp.preloaded(WAITCAP_STATS_DIR=pp.dir, WAITCAP_MODE="observe"),
        }
        if pp.base_lib:
            contenders["base lib capping"] = pp.preloaded(pp.base_lib, WAITCAP_STATS_DIR=pp.dir)
        small, large = cg_lengths(args)
        rows = {name: pp.callgrind(name, env, (small, large)) for name, env in contenders.items()}
        print(f"pingpong tcp (send, poll, recv on a capped socket); callgrind {small} and {large} "
              "round trips, per round trip:\n")
        print("| contender | instructions | in libwaitcap.so | clock_gettime | vs bare | vs capping |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, (ins, lib_ins, clocks) in rows.items():
            print(f"| {name} | {ins:.0f} | {lib_ins:.0f} | {clocks:.1f} | "
                  f"{ins / rows['bare'][0]:.3f} | {ins / rows['capping'][0]:.3f} |")
    finally:
        pp.close()


if __name__ == "__main__":
    main()
