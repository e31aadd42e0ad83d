#!/bin/sh
# record.sh OUTDIR CMD [ARG...]: run CMD under its own LTTng session daemon
# (temporary LTTNG_HOME, started and stopped here by pid) into OUTDIR, with
# channels big enough and in blocking mode, so that a generator emitting
# millions of events loses none.  As root, the daemon and CMD run as nobody:
# a root session daemon would ignore LTTNG_HOME and use /var/run/lttng.
set -eu
out=$1; shift
home=$(mktemp -d /tmp/waitcap-bench-lttng.XXXXXX)
chmod 755 "$home"
as_user=""
if [ "$(id -u)" = 0 ]; then
	chown nobody:nogroup "$home"
	mkdir -p "$(dirname "$out")"
	as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
run() { env HOME="$home" LTTNG_HOME="$home" $as_user "$@"; }
# Not through run(): a backgrounded shell function is a subshell, and $!
# would be its pid, not the daemon's (env and setpriv exec, keeping it).
env HOME="$home" LTTNG_HOME="$home" $as_user lttng-sessiond --no-kernel >"$home/sessiond.log" 2>&1 &
sessiond=$!
cleanup() {
	kill "$sessiond" 2>/dev/null || true
	i=0; while kill -0 "$sessiond" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	rm -rf "$home"
}
trap cleanup EXIT
i=0
until run lttng list >/dev/null 2>&1; do
	i=$((i+1)); [ $i -lt 100 ] || { echo "record.sh: lttng-sessiond did not start" >&2; exit 1; }
	sleep 0.1
done
run lttng create bench --output="$out" >/dev/null
run lttng enable-channel -u big --subbuf-size=8M --num-subbuf=8 --blocking-timeout=inf >/dev/null
run lttng enable-event -u -c big 'waitcap:*,lttng_ust_statedump:*,lttng_ust_lib:*' >/dev/null
run lttng add-context -u -c big -t vpid -t vtid -t procname -t ip >/dev/null
run lttng start >/dev/null
run env LTTNG_UST_ALLOW_BLOCKING=1 "$@"
run lttng stop >/dev/null
run lttng destroy >/dev/null
