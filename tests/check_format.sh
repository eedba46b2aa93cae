#!/bin/sh
# check_format.sh ROOT - fails if any C source or header differs from what clang-format makes of
# it under the committed .clang-format (a dry run: nothing is rewritten). Names each file and line.
#
# The files are those git tracks (every .c and .h), or, outside a git checkout, every .c and .h
# below ROOT but the build folders. Without clang-format (Debian's package of that name, which
# scripts/bootstrap.sh installs) the check is skipped (exit 77).
set -eu
root=$1
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not found: skipped"; exit 77; }
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    files=$(git ls-files '*.c' '*.h')
else
    files=$(find . -name 'build*' -prune -o \( -name '*.c' -o -name '*.h' \) -print)
fi
# shellcheck disable=SC2086 # the list is meant to split into words
clang-format --dry-run --Werror $files
echo "$(echo "$files" | wc -w) files formatted as .clang-format says"
