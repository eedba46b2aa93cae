#!/bin/sh
# check_no_globals.sh LIBRARY - fails if the model library defines writable global data.
#
# The model keeps all state in objects passed by pointer, so its object files may hold code and
# read-only data only. A data object (objdump flag O) in .data or .bss, or in a per-symbol section
# of theirs, is writable state; .data.rel.ro holds constant tables of pointers, read-only once
# relocated, and is allowed. Sanitizer bookkeeping (__asan*, __odr_asan*; clang's source-location
# records for UBSan, __unnamed_N, and its fuzzing coverage data, __sancov*) is not the model's.
set -eu
lib=$1
found=$(objdump -t "$lib" |
        awk '$0 ~ / O / && $0 ~ /[[:space:]]\.(data|bss)/ && $0 !~ /\.data\.rel\.ro/ &&
             $NF !~ /^(__asan|__odr_asan|__ubsan|__sancov|__unnamed_[0-9]+$|\.L)/' || true)
if [ -n "$found" ]; then
    echo "the model defines writable globals:" >&2
    echo "$found" >&2
    exit 1
fi
echo "no writable globals in $lib"
