#!/usr/bin/env bash
# sanitized-lib.sh KIND: build libwaitcap.so with -Db_sanitize=KIND
# (address or thread) in $WAITCAP_BUILD/sanitize-KIND, then print the
# LD_PRELOAD value that runs a program under it: the sanitizer runtime
# first, then the library.
set -euo pipefail
kind=$1
dir=$WAITCAP_BUILD/sanitize-$kind
if [[ ! -f $dir/build.ninja ]]; then
	meson setup "$dir" "$WAITCAP_SRC" -Db_sanitize="$kind" -Db_lundef=false -Dtests=false \
		>"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
fi
ninja -C "$dir" src/preload/libwaitcap.so >>"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
case $kind in
address) runtime=$(cc -print-file-name=libasan.so) ;;
thread) runtime=$(cc -print-file-name=libtsan.so) ;;
*) echo "sanitized-lib.sh: unknown kind '$kind'" >&2; exit 2 ;;
esac
echo "$(readlink -f "$runtime") $dir/src/preload/libwaitcap.so"
