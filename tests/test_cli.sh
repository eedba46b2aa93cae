#!/bin/sh
# test_cli.sh VADSIM SOURCE_ROOT - the vadsim command's options, exit codes and error messages.
set -u
vadsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # absolute: one check runs in the root
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# expect_run NAME STATUS PATTERN CMD... : runs CMD, checks its exit status and that its combined
# output contains PATTERN (a fixed string).
expect_run() {
    name=$1 status=$2 pattern=$3
    shift 3
    "$@" > "$work/out" 2>&1
    got=$?
    if [ "$got" -ne "$status" ] || ! grep -qF -- "$pattern" "$work/out"; then
        echo "FAIL $name: exit $got (wanted $status), output:"
        sed 's/^/    /' "$work/out"
        echo "    (wanted to see: $pattern)"
        failures=$((failures + 1))
    else
        echo "ok   $name"
    fi
}

lesson="$root/scenarios/01-reserve-then-commit.vsim"
printf 'p = VirtualAlloc(NULL, 4K, MEM_RESERVE, PAGE_READWRITE)\nexpect p == 0\n' > "$work/fails.vsim"
printf 'x = (1 +\n' > "$work/broken.vsim"
mkdir "$work/dir" && cp "$lesson" "$work/dir/a.vsim" && cp "$work/fails.vsim" "$work/dir/b.vsim"

expect_run "no command" 2 "Usage:" "$vadsim"
expect_run "unknown command" 2 "vadsim: unknown command 'frob' (run, check, step, verify, fuzz or agent; see --help)" "$vadsim" frob
expect_run "verify without wine is skipped" 77 "is not installed, so the agent cannot run here" \
    "$vadsim" verify --launcher=no-such-wine "$root/scenarios"
expect_run "verify without files" 2 "vadsim verify: no file or directory given" "$vadsim" verify
expect_run "fuzz bad backend" 2 "--backend takes win32, posix or model, not 'beos'" \
    "$vadsim" fuzz --backend=beos
expect_run "fuzz bad calls" 2 "--calls 1 or more" "$vadsim" fuzz --calls 0
expect_run "verify with a Wine not here is skipped" 77 "no Wine 9.99 here" \
    "$vadsim" verify --wine=9.99 "$root/scenarios"
expect_run "agent with a Wine not here is skipped" 77 "no Wine 9.99 here" \
    "$vadsim" agent --wine=9.99
expect_run "--wine and --launcher" 2 "give it or --launcher, not both" \
    "$vadsim" verify --wine=8 --launcher=wine "$root/scenarios"
expect_run "--wine for posix" 2 "use it with --backend=win32" \
    "$vadsim" fuzz --backend=posix --wine=8
printf '[entry]\ncall = read\n' > "$work/known.ini"
expect_run "verify bad known list" 2 "known.ini: [entry] needs 'backend'" \
    "$vadsim" verify --known="$work/known.ini" "$root/scenarios"
printf '[entry]\nbackend = wine\nwine = 8.0\ncall = read\nfield = return\nmodel = 0\nother = 1\nreason = a reason long enough\n' \
    > "$work/known.ini"
expect_run "a known entry without evidence" 2 "known.ini: [entry] needs 'evidence ='" \
    "$vadsim" verify --known="$work/known.ini" "$root/scenarios"
# The list is found where an installed command looks for its data: beside it in ../share/vadsim.
mkdir -p "$work/installed/bin" "$work/installed/share/vadsim"
cp "$vadsim" "$work/installed/bin/vadsim"
expect_run "an installed command without its list" 2 "no known-divergence list beside this build" \
    "$work/installed/bin/vadsim" fuzz --backend=model --calls 10
cp "$root/verify/known-divergences.ini" "$work/installed/share/vadsim/"
expect_run "an installed command finds its list" 0 "no unexplained divergence" \
    "$work/installed/bin/vadsim" fuzz --backend=model --calls 10
expect_run "run without files" 2 "vadsim run: no scenario file given" "$vadsim" run
expect_run "run --help" 0 "--dot=FILE" "$vadsim" run --help
expect_run "unknown option" 2 "vadsim run: Unknown option --frob" "$vadsim" run --frob "$lesson"
expect_run "bad --show" 2 "vadsim run: --show takes vad, address, summary, regions, fragmentation, commit, pfn, ws, maps, smaps, not 'pte'" "$vadsim" run --show=vad,pte "$lesson"
expect_run "--dot with two files" 2 "vadsim run: --dot writes one file: give one scenario with it" "$vadsim" run --dot="$work/t.dot" "$lesson" "$lesson"
expect_run "missing file" 2 "missing.vsim: error: Failed to open file" "$vadsim" run "$work/missing.vsim"
expect_run "parse error" 2 "broken.vsim:1:9: error: expected a value (a number, a name or a call), found end of line" "$vadsim" run "$work/broken.vsim"
expect_run "failed expectation" 1 "fails.vsim:2: expectation failed: p == 0" "$vadsim" run "$work/fails.vsim"
expect_run "check a directory" 1 "1 passed, 1 failed" "$vadsim" check "$work/dir"
expect_run "check names the failure" 1 "FAIL $work/dir/b.vsim: $work/dir/b.vsim:2: expectation failed: p == 0" "$vadsim" check "$work/dir"
expect_run "check passes" 0 "1 passed, 0 failed" "$vadsim" check "$lesson"
expect_run "--show after steps" 0 "[--show commit]" "$vadsim" run --show=commit "$lesson"
expect_run "--dot writes a digraph per step" 0 "10 expectations, 0 failed" "$vadsim" run --dot="$work/t.dot" "$lesson"
if [ "$(grep -c '^digraph step_[0-4] {' "$work/t.dot")" -ne 5 ] || ! grep -q 'fillcolor=lightgray' "$work/t.dot" ||
    ! grep -qF 'label="Step 4 of 4: ' "$work/t.dot"; then
    echo "FAIL --dot: $work/t.dot is not the VAD tree before step 1 and after each of the 4 steps"
    failures=$((failures + 1))
fi
expect_run "--version" 0 "vadsim 0." "$vadsim" --version

# Every mistake in a file is reported before anything runs: the ten of ten-mistakes.vsim, each with
# its place and a did-you-mean, and the warning for a comparison ORed with a flag.
mistakes=tests/mistakes/ten-mistakes.vsim
(cd "$root" && "$vadsim" run "$mistakes" > "$work/mistakes" 2>&1)
got=$?
if [ "$got" -ne 2 ] || ! diff -u "$root/tests/mistakes/ten-mistakes.err" "$work/mistakes"; then
    echo "FAIL ten mistakes: exit $got (wanted 2), output differs from tests/mistakes/ten-mistakes.err"
    failures=$((failures + 1))
else
    echo "ok   ten mistakes reported before the run"
fi
expect_run "check names the first mistake and counts the rest" 2 "ram must be whole pages from 64K to 4G (and 9 more errors)" \
    "$vadsim" check "$root/$mistakes"

# check descends into folders; its warnings go to stderr before the file's line.
mkdir -p "$work/tree/a/b" && cp "$lesson" "$work/tree/a/b/deep.vsim" && cp "$lesson" "$work/tree/top.vsim"
printf 'p = 1\nexpect p == 1 | 2\n' > "$work/tree/a/warns.vsim"
expect_run "check descends into folders" 0 "3 passed, 0 failed" "$vadsim" check "$work/tree"
expect_run "check prints warnings" 0 "warns.vsim:2:10: warning: '==' binds tighter than '|'" "$vadsim" check "$work/tree"

# Piped into one stream, an error comes where it happened: after the first file's output, before
# the second's.
printf 'title "stops"\na = 1\nb = a / (a - 1)\n' > "$work/stops.vsim"
"$vadsim" run "$work/stops.vsim" "$lesson" > "$work/order" 2>&1
first=$(grep -n '   2| a = 1' "$work/order" | cut -d: -f1)
error=$(grep -n 'stops.vsim:3:7: error: division by zero' "$work/order" | cut -d: -f1)
second=$(grep -n '^# Reserve, then commit' "$work/order" | cut -d: -f1)
if [ -n "$first" ] && [ -n "$error" ] && [ -n "$second" ] && [ "$first" -lt "$error" ] &&
    [ "$error" -lt "$second" ]; then
    echo "ok   an error keeps its place when piped"
else
    echo "FAIL order when piped: output line $first, error line $error, next file line $second"
    failures=$((failures + 1))
fi

# Each personality in its own words: a Linux lesson's views name VMAs and PROT_ flags, never
# MEM_FREE or PAGE_NOACCESS; --show=maps is Linux's, refused for a Windows lesson by name.
linux="$root/scenarios/24-linux-fork-copy-on-write.vsim"
"$vadsim" run --show=vad,address,summary,commit,maps "$linux" > "$work/linux" 2>&1
if grep -q 'MEM_FREE\|PAGE_NOACCESS\|PAGE_READWRITE\|Total VADs' "$work/linux" ||
    ! grep -q 'Total VMAs' "$work/linux" || ! grep -q '(unmapped)' "$work/linux" ||
    ! grep -q 'PROT_READ|PROT_WRITE' "$work/linux" || ! grep -q 'rw-p 00000000' "$work/linux"; then
    echo "FAIL a Linux lesson's views are not in Linux's words:"
    grep 'MEM_FREE\|PAGE_\|VAD' "$work/linux" | head -5 | sed 's/^/    /'
    failures=$((failures + 1))
else
    echo "ok   a Linux lesson's views in Linux's words"
fi
expect_run "--show=maps for Windows" 2 "--show=maps: show maps is Linux's (/proc/PID/maps); this scenario's system is x64" \
    "$vadsim" run --show=maps "$lesson"
printf 'system linux-x64\np = mmap(NULL, 4K, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\nwrite(p, 1)\nfork()\nprocess child\nx = read(p)\nshow ws\n' > "$work/fork.vsim"
expect_run "a forked child is called child" 0 "resident set of child: 1 page" "$vadsim" run "$work/fork.vsim"

# POSIX agents that greet as the harness does not expect: one of an older protocol is named with
# both versions; one on a machine the model does not know makes the run a skip, with the reason.
fake_agent() { # fake_agent FILE HELLO-ANSWER
    printf '#!/bin/sh\nwhile read -r line; do\n  case "$line" in\n    hello) echo "%s" ;;\n    quit) exit 0 ;;\n    *) echo "! no" ;;\n  esac\ndone\n' "$2" > "$1"
    chmod +x "$1"
}
fake_agent "$work/old-agent" "= 2 0 0 0 1000 7f0000000000 40000000 1000 20 200000"
expect_run "posix agent of another protocol" 1 "speaks protocol 2 and this harness 7: rebuild the agent and vadsim together" \
    "$vadsim" verify --backend=posix --agent="$work/old-agent" "$root/scenarios/22-linux-reserve-then-commit.vsim"
fake_agent "$work/odd-machine" "= 7 0 0 0 1000 7f0000000000 40000000 1000 20 200000 fffffffff000 0 600120000 200000 1000 2 fffa 0 0 0 7ffffffff000 100000 0 2 1"
expect_run "posix agent on a machine the model does not know" 77 "vm.overcommit_memory is 2; the model knows the heuristic mode 0 only" \
    "$vadsim" verify --backend=posix --agent="$work/odd-machine" "$root/scenarios/22-linux-reserve-then-commit.vsim"
fake_agent "$work/old-kernel" "= 7 0 0 0 1000 7f0000000000 40000000 1000 20 200000 fffffffff000 1 6000c0076 200000 1000 0 fffa 0 0 0 7ffffffff000 100000 0 2 1"
expect_run "posix agent on an old kernel" 77 "its kernel is Linux 6.12; the model's rules are those of 6.17 and later" \
    "$vadsim" fuzz --backend=posix --agent="$work/old-kernel" --calls 10
fake_agent "$work/wide-gap" "= 7 0 0 0 1000 7f0000000000 40000000 1000 20 200000 fffffffff000 0 600120000 200000 1000 0 fffa 0 0 0 7ffffffff000 200000 0 2 1"
expect_run "posix agent booted with another stack_guard_gap" 77 "its stack_guard_gap is 2048 KB (0: more than 32 MB); the model's is 1 MB, the default" \
    "$vadsim" verify --backend=posix --agent="$work/wide-gap" "$root/scenarios/22-linux-reserve-then-commit.vsim"

# --json: every line is one JSON object with a type; a header first names the file, events carry
# their sentence, and --show's views (kept with --json) are data, not text.
"$vadsim" run --json --show=vad,summary "$lesson" > "$work/json" 2>&1
if python3 -c '
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
head = lines[0]
assert head["type"] == "scenario" and head["file"].endswith("01-reserve-then-commit.vsim"), head
assert head["title"] == "Reserve, then commit" and head["system"] == "x64" and head["steps"] == 4, head
kinds = {obj["type"] for obj in lines}
need = {"scenario", "step", "note", "assign", "event", "expect", "show", "result"}
assert need <= kinds, "missing types: %s" % (need - kinds)
assert all(obj["text"] for obj in lines if obj["type"] == "event"), "an event without its sentence"
views = [obj for obj in lines if obj["type"] == "show"]
assert all(isinstance(obj["data"], dict) for obj in views), "a view that is not data"
vads = [obj for obj in views if obj["form"] == "vad" and "step" in obj]
assert len(vads) == 5 and vads[2]["data"]["vads"][0]["protection"] == "PAGE_READWRITE", vads[2]
# At the end only KUSER_SHARED_DATA is left: committed, but shared, not private.
summary = [obj for obj in views if obj["form"] == "summary"][-1]["data"]["by_type"]
assert [row["type"] for row in summary][:2] == ["Total", "Image"], summary
private = [row for row in summary if row["type"] == "Private Data"][0]
assert (private["size"], private["committed"], private["private"]) == (4096, 4096, 0), private
' "$work/json"; then
    echo "ok   --json: a header, events with their sentence, views as data"
else
    echo "FAIL --json output"
    failures=$((failures + 1))
fi
"$vadsim" run --json "$work/broken.vsim" > "$work/json" 2>&1
if python3 -c '
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
assert lines[0]["type"] == "scenario" and lines[0]["title"] is None, lines[0]
assert lines[1]["type"] == "error" and lines[1]["line"] == 1 and lines[1]["col"] == 9, lines[1]
assert lines[-1] == {"type": "result", "expectations": 0, "failed": 0, "exit": 2}, lines[-1]
' "$work/json"; then
    echo "ok   --json: a file with mistakes is a header and its errors"
else
    echo "FAIL --json of a file with mistakes"
    failures=$((failures + 1))
fi

# step: Enter, back, jump, show with the file's expressions, help, quit.
printf '\n\nb\n3\nshow commit\nshow pte p + 4K\nshow query 65536\nshow vads\n?\nq\n' | "$vadsim" step "$lesson" > "$work/step" 2>&1
for pattern in "== Step 1 of 4" "== Step 2 of 4" "== Step 3 of 4" "commit charge 3 pages" "Enter: next step" \
    "VA 0x11000" "(65536 is decimal, as in a scenario file: 0x10000; write 0x65536 for hex)" \
    "(prompt):1:6: error: cannot show 'vads'; did you mean 'vad'?"; do
    if ! grep -qF "$pattern" "$work/step"; then
        echo "FAIL step: no '$pattern' in the session"
        failures=$((failures + 1))
    fi
done

# check runs each file in a child process of its own: one that dies of a signal is reported by
# name and the files after it still run. The child checking a.vsim (a FIFO nobody writes, so it
# waits) is killed with SIGSEGV, as a crash would end it (a sanitizer build may catch the signal
# and exit instead).
mkdir "$work/crash" && mkfifo "$work/crash/a.vsim" && cp "$lesson" "$work/crash/b.vsim"
"$vadsim" check "$work/crash" > "$work/out" 2>&1 &
checker=$!
child=""
tries=0
while [ -z "$child" ] && [ "$tries" -lt 100 ]; do
    sleep 0.1
    tries=$((tries + 1))
    child=$(grep -l "^PPid:[[:space:]]*$checker\$" /proc/[0-9]*/status 2>/dev/null | head -n 1 |
        cut -d/ -f3)
done
if [ -n "$child" ]; then
    kill -SEGV "$child"
else
    : > "$work/crash/a.vsim" # no child seen: let the check go on, and fail below
fi
wait "$checker"
got=$?
crashed="FAIL $work/crash/a.vsim: vadsim crashed running it: "
if [ "$got" -eq 1 ] && grep -qF "$crashed" "$work/out" &&
    grep -qF "PASS $work/crash/b.vsim" "$work/out" && grep -qF "1 passed, 1 failed" "$work/out"; then
    echo "ok   check reports a crashed file and goes on"
else
    echo "FAIL check with a crashing file: exit $got, output:"
    sed 's/^/    /' "$work/out"
    failures=$((failures + 1))
fi

[ "$failures" -eq 0 ] && echo "all CLI checks passed" || echo "$failures CLI checks failed"
[ "$failures" -eq 0 ]
