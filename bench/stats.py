#!/usr/bin/env python3
"""What the live counters cost a TCP send/poll/recv ping-pong.

    bench/stats.py [--build DIR] [--base-lib PATH] [--rounds N] [--iters N] [--small]

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
import re
import shutil
import signal
import statistics
import subprocess
import sys

from benchlib import Pingpong, add_common_args, br, cg_lengths


def start_redis(env, tmp):
    """A redis-server on a free loopback port, up (or RunError); stop it
    with stop_redis."""
    port = br.free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--daemonize", "no",
                               "--dir", tmp],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not br.wait_port(port, 5):
        stop_redis(server)
        raise br.RunError("redis-server: not listening after 5 s")
    return server, port


def stop_redis(server):
    """By pid: SIGTERM, then SIGKILL after 10 s."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def redis_rps(env, requests, tmp):
    """Requests/s of redis-benchmark (PING, SET, GET; 10 clients) against a
    redis-server, both run with env."""
    server, port = start_redis(env, tmp)
    try:
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
        stop_redis(server)


def redis_callgrind(env, lengths, tmp):
    """libwaitcap.so instructions per request in redis-benchmark (GET, 10
    clients) under callgrind, from two lengths; the server runs bare.
    redis-benchmark's own work varies with timing (its latency histogram),
    so only the library's share is compared."""
    server, port = start_redis(br.clean_env(), tmp)

    def check(status, out, err):
        if status != 0:
            raise br.RunError(f"callgrind redis-benchmark: exit {status}")

    try:
        return br.callgrind_per_iteration(
            lambda n: (["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-q",
                        "-t", "get", "-n", str(n), "-c", "10"], env),
            br.User(False), lambda n: f"{tmp}/cg-redis-{n}.out", lengths, check)["library"]
    finally:
        stop_redis(server)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(ap)
    ap.add_argument("--rounds", type=int, default=7, help="timed pairs per contender")
    ap.add_argument("--iters", type=int, default=20000, help="round trips per timed run")
    ap.add_argument("--stats-parent", default="/dev/shm",
                    help="where the counters' files go (default /dev/shm, a tmpfs)")
    ap.add_argument("--redis-rounds", type=int, default=5, help="0: no redis section")
    ap.add_argument("--redis-requests", type=int, default=50000, help="per test per run")
    args = ap.parse_args()
    if args.small:
        args.rounds, args.iters = 1, 2000
        args.redis_rounds, args.redis_requests = min(args.redis_rounds, 1), 2000
    # On a tmpfs, as /run and $XDG_RUNTIME_DIR are on a host: a
    # disk-backed file adds writeback and page_mkwrite faults (docs/stats.md).
    pp = Pingpong(args, "waitcap-bench-stats-", args.stats_parent)
    stats_dir = pp.dir
    contenders = {
        "bare": pp.bare,
        "counters off": pp.preloaded(WAITCAP_STATS="0"),
        "counters on": pp.preloaded(WAITCAP_STATS_DIR=stats_dir),
    }
    if pp.base_lib:
        contenders["base lib"] = pp.preloaded(pp.base_lib, WAITCAP_STATS_DIR=stats_dir)
    pingpong, me = pp.program, pp.user

    small, large = cg_lengths(args)
    cg = {name: pp.callgrind(name, env, (small, large)) for name, env in contenders.items()}

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
        cg_requests = (500, 1500) if args.small else (5000, 15000)
        redis_lib = {n: redis_callgrind(contenders[n], cg_requests, stats_dir) for n in names}

    pp.close()

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
