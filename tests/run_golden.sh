#!/bin/sh
# run_golden.sh VADSIM SOURCE_ROOT LESSON - compares `vadsim run LESSON` with tests/golden/LESSON.out.
#
# The lesson path is given relative to the source root, as the output quotes it. Set
# VS_UPDATE_GOLDEN=1 to rewrite the expected output after a deliberate change, then review the diff.
set -eu
vadsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # absolute: we change directory below
root=$2
lesson=$3
golden="$root/tests/golden/$(basename "$lesson" .vsim).out"
cd "$root"
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
status=0
"$vadsim" run "$lesson" > "$actual" 2>&1 || status=$?
if [ "${VS_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$actual" "$golden"
    echo "updated $golden"
    exit 0
fi
if [ "$status" -ne 0 ]; then
    cat "$actual"
    echo "vadsim run $lesson exited with $status"
    exit 1
fi
if ! diff -u "$golden" "$actual"; then
    echo "output of vadsim run $lesson differs from $golden (VS_UPDATE_GOLDEN=1 to accept)"
    exit 1
fi
echo "$lesson: output matches $golden"
