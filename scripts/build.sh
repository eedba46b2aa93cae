#!/bin/sh
# build.sh [BUILDDIR [MESON OPTIONS...]] - configures (or reconfigures) and compiles vadsim.
#
# BUILDDIR defaults to "build". Options such as -Db_sanitize=address,undefined go to meson setup.
# When mingw-w64 is installed it also cross-builds the Win32 agent into build-win32 (the place
# vadsim verify and vadsim fuzz look for it).
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
if [ -d "$dir/meson-private" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
else
    meson setup "$dir" "$@" >/dev/null
fi
meson compile -C "$dir"

if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
    [ -d build-win32/meson-private ] ||
        meson setup build-win32 --cross-file cross/x86_64-w64-mingw32.txt >/dev/null
    meson compile -C build-win32 >/dev/null
else
    echo "build.sh: x86_64-w64-mingw32-gcc not found: the Win32 agent is not built" >&2
fi
