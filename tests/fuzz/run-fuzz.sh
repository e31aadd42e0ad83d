#!/bin/sh
# Fuzz the profile loader for a bounded time; fail on any crash, leak or
# timeout.  Usage: run-fuzz.sh [TARGET]
#
# Without TARGET it builds tests/fuzz/fuzz_profile itself, with clang and
# -Dfuzz=true, in its own build directory ($WAITCAP_FUZZ_BUILD, default
# $WAITCAP_BUILD/fuzz-clang, or build-fuzz next to the sources), so it works
# from a fresh clone and from any gcc build's test suite.
# WAITCAP_FUZZ_SECONDS (default 30) bounds the run.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=${WAITCAP_SRC:-$(cd "$here/../.." && pwd)}
seconds=${WAITCAP_FUZZ_SECONDS:-30}

if [ $# -ge 1 ]; then
	target=$1
	out=$(dirname "$target")
else
	build=${WAITCAP_FUZZ_BUILD:-}
	if [ -z "$build" ]; then
		if [ -n "${WAITCAP_BUILD:-}" ]; then build=$WAITCAP_BUILD/fuzz-clang; else build=$src/build-fuzz; fi
	fi
	if [ ! -f "$build/build.ninja" ]; then
		wipe=
		[ -d "$build/meson-private" ] && wipe=--wipe # a half-configured earlier try
		echo "run-fuzz: configuring $build (clang, -Dfuzz=true)"
		if ! CC=clang meson setup $wipe "$build" "$src" -Dfuzz=true >"$build.setup.log" 2>&1; then
			cat "$build.setup.log" >&2
			echo "run-fuzz: meson setup failed" >&2
			exit 1
		fi
	fi
	ninja -C "$build" tests/fuzz/fuzz_profile
	target=$build/tests/fuzz/fuzz_profile
	out=$build
fi

# New inputs go to a scratch corpus; the seeds in the source tree stay as
# they are.  Crashing inputs are kept for reproduction.
work=$(mktemp -d "${TMPDIR:-/tmp}/waitcap-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
artifacts=$out/fuzz-artifacts
mkdir -p "$artifacts"

echo "run-fuzz: $target for ${seconds}s"
status=0
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
	-detect_leaks=1 -dict="$here/profile.dict" -artifact_prefix="$artifacts/" \
	-print_final_stats=1 "$work" "$here/corpus" || status=$?
if [ "$status" -ne 0 ]; then
	echo "run-fuzz: FAILED (exit $status); reproduce with: $target $artifacts/<crash-file>" >&2
	ls -l "$artifacts" >&2
	exit 1
fi
echo "run-fuzz: no crash, leak or timeout in ${seconds}s"
