#!/bin/sh
# test.sh - builds vadsim twice (plain, and with AddressSanitizer + UndefinedBehaviorSanitizer) and
# runs every test in both, the quick ones first (test setup 'quick'), then the long ones (setup
# 'long': randomized and fuzz runs, benchmark smoke runs); then builds it a third time with clang
# and libFuzzer (the same sanitizers) and runs a short, fixed-seed fuzzing of the parser and of
# whole scenario runs (suite 'fuzz'). Exits non-zero if any build or test fails; the last line sums
# up.
set -eu
cd "$(dirname "$0")/.."

# Sanitizer findings must fail the test, not scroll past.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"

# Wine makes its prefix (~/.wine, and the Debian 13 root's own) on first use, which can take a
# minute: do it once for each Wine, up front, rather than inside the first test that starts the
# agent. `vadsim agent` starts the agent as the tests do (and says SKIP where that Wine is not).
warm_wine() {
    agent=build-win32/verify/win32/agent/vadsim-agent.exe
    [ -f "$agent" ] && [ -x "build-$1/cli/vadsim" ] || return 0
    for version in 8 10; do
        echo quit | "build-$1/cli/vadsim" agent --wine=$version --agent="$agent" >/dev/null 2>&1 ||
            true
    done
}

failed_builds=""
# run NAME SUITE [MESON OPTIONS...]: builds build-NAME and runs its tests: the quick setup, then the
# long one (SUITE: only that suite's tests, once).
run() {
    name=$1
    suite=$2
    shift 2
    echo "=== $name build ==="
    rm -f "build-$name"/meson-logs/testlog*.json
    if ! scripts/build.sh "build-$name" "$@"; then
        failed_builds="$failed_builds $name"
        return
    fi
    warm_wine "$name"
    if [ -n "$suite" ]; then
        meson test -C "build-$name" --suite "$suite" --print-errorlogs --num-processes 2 ||
            failed_builds="$failed_builds $name"
        return
    fi
    for setup in quick long; do
        echo "=== $name build, $setup tests ==="
        meson test -C "build-$name" --setup "$setup" --print-errorlogs --num-processes 2 ||
            failed_builds="$failed_builds $name($setup)"
    done
}

run plain "" --buildtype=debugoptimized
run sanitize "" --buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false
# clang, warnings as errors as in every build: all of vadsim, so clang's warnings are caught too;
# of its tests only the fuzzing, as the other two builds ran the rest. (CC counts when build-fuzz
# is first set up.)
CC=clang
export CC
run fuzz fuzz --buildtype=debugoptimized -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false

# meson writes a machine-readable log per run (testlog-SETUP.json with a setup); count them all.
passed=0
failed=0
skipped=0
for log in build-plain/meson-logs/testlog*.json build-sanitize/meson-logs/testlog*.json \
    build-fuzz/meson-logs/testlog*.json; do
    [ -f "$log" ] || continue
    passed=$((passed + $(grep -c '"result": "OK"' "$log" || true)))
    failed=$((failed + $(grep -c '"result": "\(FAIL\|TIMEOUT\|ERROR\|UNEXPECTEDPASS\)"' "$log" || true)))
    skipped=$((skipped + $(grep -c '"result": "SKIP"' "$log" || true)))
done

if [ -n "$failed_builds" ]; then
    echo "test.sh: FAILED in:$failed_builds ($passed passed, $failed failed)"
    exit 1
fi
echo "test.sh: all tests passed ($passed passed, $failed failed, $skipped skipped;" \
    "plain, ASan+UBSan and clang fuzzing builds)"
