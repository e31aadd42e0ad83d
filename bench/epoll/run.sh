#!/bin/sh
# epoll overhead benchmark (not a test): an epoll echo client with 100
# connections (bench/epoll/echo_client.c) against a local echo server
# (echo_server.c, run bare), bare and under libwaitcap.so with the default
# profile (every connection capped: a response deadline armed by each send,
# settled by each answer, 100 registrations in the epoll set).
#
# Runs are interleaved A B / B A over several rounds; the ratio reported is
# the median of the pairwise ratios (preloaded / bare), with an A/A control
# (bare / bare) that shows the machine's noise during the run.
#
#   bench/epoll/run.sh [--small]      --small: a few seconds, numbers mean little
#
# WAITCAP_BUILD=DIR selects the build (default: build next to bench/);
# WAITCAP_LIB the library (default: DIR/src/preload/libwaitcap.so).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${WAITCAP_BUILD:-$here/../../build}
lib=${WAITCAP_LIB:-$build/src/preload/libwaitcap.so}
client=$build/bench/epoll/epoll_echo_client
server=$build/bench/epoll/epoll_echo_server
conns=100 trips=40000 rounds=15
[ "${1:-}" = "--small" ] && { trips=5000; rounds=3; }
for f in "$client" "$server" "$lib"; do
	[ -e "$f" ] || { echo "run.sh: $f not built (WAITCAP_BUILD=$build; run ninja -C it)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/waitcap-bench-epoll.XXXXXX)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# Client and server on different CPUs when there are two: less scheduling
# noise between runs.
pin_server= pin_client=
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	pin_server="taskset -c 1" pin_client="taskset -c 0"
fi
env -u LD_PRELOAD $pin_server "$server" 0 >"$work/port" &
server_pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[ -s "$work/port" ] && break
	sleep 0.1
done
port=$(cat "$work/port")
[ -n "$port" ] || { echo "run.sh: echo server did not start" >&2; exit 1; }

# Each run prints "WALL CPU BEST" (ns per round trip; BEST: fastest block).
bare() { env -u LD_PRELOAD $pin_client "$client" "$port" "$conns" "$trips" | awk '{print $2, $4, $6}'; }
preloaded() { env LD_PRELOAD="$lib" $pin_client "$client" "$port" "$conns" "$trips" | awk '{print $2, $4, $6}'; }

bare >/dev/null # warm-up
preloaded >/dev/null
r=1
while [ "$r" -le "$rounds" ]; do
	# A B A' / B A A' / A A' B ...: every position taken by each kind.
	case $((r % 3)) in
	1) a=$(bare); b=$(preloaded); c=$(bare) ;;
	2) b=$(preloaded); a=$(bare); c=$(bare) ;;
	0) a=$(bare); c=$(bare); b=$(preloaded) ;;
	esac
	echo "$a $b $c" >>"$work/rounds"
	r=$((r + 1))
done

python3 - "$work/rounds" "$conns" "$trips" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
conns, trips = sys.argv[2], sys.argv[3]

def summary(col):
    """bare, preloaded and control medians, pairwise ratios, for one measure."""
    bare = [r[col] for r in rows]; pre = [r[3 + col] for r in rows]; ctl = [r[6 + col] for r in rows]
    ratios = [p / b for b, p in zip(bare, pre)]
    control = [c / b for b, c in zip(bare, ctl)]
    q = statistics.quantiles(ratios, n=4) if len(ratios) >= 2 else [ratios[0]] * 3
    return (f"{statistics.median(bare):.0f} | {statistics.median(pre):.0f} | "
            f"**{statistics.median(ratios):.3f}** | {q[0]:.3f}–{q[2]:.3f} | "
            f"{statistics.median(control):.3f}")

print("| epoll echo client | measure | rounds | bare ns/trip | preloaded ns/trip "
      "| preloaded/bare (median of pairs) | middle half | A/A control |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for col, name in ((0, "wall"), (1, "CPU (client thread)"), (2, "wall, fastest block")):
    print(f"| {conns} connections, {trips} trips | {name} | {len(rows)} | {summary(col)} |")
PY
