#!/bin/sh
# Analyzer throughput benchmark (not a test): generate traces of 0.5 M and
# 5 M events with the project's provider (gen_trace, under a real session
# daemon: record.sh), then time `waitcap analyze` on both (events/s, peak
# RSS: it must stay flat when events grow 10x) and, on the large one,
# `babeltrace2 | awk` doing the minimal same aggregation (total per call
# site) as the baseline.
#
#   bench/analyze/run.sh [--small]     --small: 50 k and 500 k events
#
# BUILD=DIR selects the build directory (default: build next to bench/).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../../build}
gen=$build/tests/analyze/gen_trace
waitcap=$build/tools/waitcap
small=500000 large=5000000
[ "${1:-}" = "--small" ] && { small=50000; large=500000; }
for f in "$gen" "$waitcap"; do
	[ -x "$f" ] || { echo "run.sh: $f not built (BUILD=$build; run ninja -C it)" >&2; exit 2; }
done
work=$(mktemp -d /tmp/waitcap-bench-analyze.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 777 "$work"

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }
mb() { echo "scale=1; $1 / 1024" | bc -l; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for n in $small $large; do
	t0=$(now)
	"$here/record.sh" "$work/t$n" "$gen" bulk "$n" 16
	t1=$(now)
	printf 'generated %9d events in %6.2f s (%s on disk)\n' "$n" "$(elapsed "$t0" "$t1")" \
		"$(du -sh "$work/t$n" | cut -f1)"
done

echo
echo "wall time is what a user waits; CPU time (user + system, all threads and"
echo "processes) does not depend on what else runs on the machine."
printf '%-30s %9s %8s %11s %8s %13s %9s\n' "" events "wall s" "events/s" "CPU s" "events/CPU-s" "peak RSS"
row() { # name events wall cpu rss_kb
	printf '%-30s %9d %8.2f %11.0f %8.2f %13.0f %6s MB\n' "$1" "$2" "$3" \
		"$(echo "$2 / $3" | bc -l)" "$4" "$(echo "$2 / $4" | bc -l)" "$(mb "$5")"
}
for n in $small $large; do
	# Twice: the first run warms the page cache, the second is reported.
	"$waitcap" analyze "$work/t$n" -f json -o /dev/null
	/usr/bin/time -f '%e %M %U %S' -o "$work/time" "$waitcap" analyze "$work/t$n" -f json -o "$work/r$n.json"
	read -r wall rss user sys <"$work/time"
	row "waitcap analyze" "$n" "$wall" "$(echo "$user + $sys" | bc -l)" "$rss"
	eval "rss_$n=$rss wall_$n=$wall cpu_$n=$(echo "$user + $sys" | bc -l)"
done

# The baseline: babeltrace2's text output, blocked time summed per ip.
/usr/bin/time -f '%e %M %U %S' -o "$work/time" sh -c "babeltrace2 '$work/t$large' | awk '
	/waitcap:wait:/ {
		match(\$0, /ip = [0-9]+/); ip = substr(\$0, RSTART + 5, RLENGTH - 5)
		match(\$0, /dur_ns = -?[0-9]+/); d = substr(\$0, RSTART + 9, RLENGTH - 9)
		n[ip]++; total[ip] += d
	}
	END { for (k in n) print k, n[k], total[k] }' >'$work/awk.out'"
read -r bwall brss buser bsys <"$work/time"
bcpu=$(echo "$buser + $bsys" | bc -l)
row "babeltrace2 | awk (baseline)" "$large" "$bwall" "$bcpu" "$brss"
echo
eval "wl=\$wall_$large cl=\$cpu_$large rs=\$rss_$small rl=\$rss_$large"
printf 'faster than the baseline: %.1fx in wall time, %.1fx in CPU time\n' \
	"$(echo "$bwall / $wl" | bc -l)" "$(echo "$bcpu / $cl" | bc -l)"
printf 'peak RSS, %d vs %d events: %s MB vs %s MB (%.2fx for 10x the events)\n' \
	"$small" "$large" "$(mb "$rs")" "$(mb "$rl")" "$(echo "$rl / $rs" | bc -l)"
echo "cpus: $(nproc); load average before/after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
