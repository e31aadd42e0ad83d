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

for n in $small $large; do
	t0=$(now)
	"$here/record.sh" "$work/t$n" "$gen" bulk "$n" 16
	t1=$(now)
	printf 'generated %9d events in %6.2f s (%s on disk)\n' "$n" "$(elapsed "$t0" "$t1")" \
		"$(du -sh "$work/t$n" | cut -f1)"
done

echo
printf '%-34s %10s %9s %12s %10s\n' "" events "wall s" "events/s" "peak RSS"
for n in $small $large; do
	# Twice: the first run warms the page cache, the second is reported.
	"$waitcap" analyze "$work/t$n" -f json -o /dev/null
	/usr/bin/time -f '%e %M' -o "$work/time" "$waitcap" analyze "$work/t$n" -f json -o "$work/r$n.json"
	read -r wall rss <"$work/time"
	printf '%-34s %10d %9.2f %12.0f %8s MB\n' "waitcap analyze" "$n" "$wall" \
		"$(echo "$n / $wall" | bc -l)" "$(mb "$rss")"
	eval "rss_$n=$rss"
done

# The baseline: babeltrace2's text output, blocked time summed per ip.
/usr/bin/time -f '%e %M' -o "$work/time" sh -c "babeltrace2 '$work/t$large' | awk '
	/waitcap:wait:/ {
		match(\$0, /ip = [0-9]+/); ip = substr(\$0, RSTART + 5, RLENGTH - 5)
		match(\$0, /dur_ns = -?[0-9]+/); d = substr(\$0, RSTART + 9, RLENGTH - 9)
		n[ip]++; total[ip] += d
	}
	END { for (k in n) print k, n[k], total[k] }' >'$work/awk.out'"
read -r bwall brss <"$work/time"
printf '%-34s %10d %9.2f %12.0f %8s MB\n' "babeltrace2 | awk (baseline)" "$large" "$bwall" \
	"$(echo "$large / $bwall" | bc -l)" "$(mb "$brss")"
read -r wall rss <<EOF2
$(/usr/bin/time -f '%e %M' "$waitcap" analyze "$work/t$large" -f json -o /dev/null 2>&1 >/dev/null)
EOF2
echo
printf 'speed-up over the baseline:   %.1fx\n' "$(echo "$bwall / $wall" | bc -l)"
eval "rs=\$rss_$small; rl=\$rss_$large"
printf 'peak RSS, %d vs %d events: %s MB vs %s MB (%.2fx for 10x the events)\n' \
	"$small" "$large" "$(mb "$rs")" "$(mb "$rl")" "$(echo "$rl / $rs" | bc -l)"
echo "call sites in the report: $(grep -c '"function"' "$work/r$large.json") (frames included)"
echo "cpus: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
