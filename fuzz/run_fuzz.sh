#!/bin/sh
# run_fuzz.sh TARGET RUNS DIR... - a short, reproducible libFuzzer run for the test suite.
#
# Runs TARGET on every input in the DIRs (the committed corpus, the regression inputs, the lessons),
# then on mutations of them until RUNS inputs have run or two minutes have passed, whichever comes
# first, from a fixed seed (so a run repeats exactly where the machine is fast enough to finish its
# RUNS; a slower or busier one stops at the time limit, on the same sequence, never over the test's
# timeout).
# Any crash, leak, timeout (10 s for one input), memory blow-up (2 GB) or failed invariant check
# fails it; libFuzzer names the input and keeps a copy beside TARGET (crash-*, leak-*, timeout-*,
# oom-*). New inputs go to a scratch directory, never into the committed ones.
set -eu
target=$1
runs=$2
shift 2
keep=$(cd "$(dirname "$target")" && pwd)/
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$target" -seed=1 -runs="$runs" -max_total_time=120 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$keep" "$scratch" "$@"
