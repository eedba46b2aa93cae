#!/bin/sh
# build.sh [BUILDDIR [MESON OPTIONS...]] - configures (or reconfigures) and compiles vadsim.
#
# BUILDDIR defaults to "build". Options such as -Db_sanitize=address,undefined go to meson setup.
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
