#!/bin/bash
# test_agent_win32.sh VADSIM AGENT WINE - the Win32 agent (vadsim-agent.exe, or its x86 build
# vadsim-agent-x86.exe) on its own, under the Wine WINE names (a version: 8, 10), started by
# `vadsim agent` as verify and fuzz start it: the
# twin of test_agent_posix.sh. Its greeting (with the Wine version); calls made and answered with
# the last error and status; memory accesses whose faults (an access violation, a guard page) are
# answers, not crashes; a call that raises inside the system is recovered; requests it cannot take
# - unknown, with the wrong number of arguments, malformed, too long, and under Wine the ones Wine
# would fail on - refused with a reason, and the agent goes on; quit ends it. Skipped (77) where
# that Wine or the agent is missing.
set -eu
vadsim=$1
agent=$2
wine_version=$3
[ -f "$agent" ] || { echo "SKIP: $agent is not built (it needs mingw-w64's gcc)"; exit 77; }
skip=$("$vadsim" agent --wine="$wine_version" --agent="$agent" </dev/null 2>&1) || [ $? != 77 ] ||
    { echo "$skip"; exit 77; }
coproc AGENT { exec "$vadsim" agent --wine="$wine_version" --agent="$agent" 2>/dev/null; }
ask() {
    echo "$1" >&"${AGENT[1]}"
    read -r -t 180 reply <&"${AGENT[0]}" || { echo "FAIL: no answer to '${1:0:40}'"; exit 1; }
    echo "$reply"
}
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect REQUEST PATTERN
    local got
    got=$(ask "$1")
    case "$got" in
    $2) ;;
    *) fail "'${1:0:60}' answered '$got', expected $2" ;;
    esac
}
hex() { printf '%x' "$1"; }
ret() { local _ r _e; read -r _ r _e <<<"$1"; echo "$r"; } # RET of an answer

# ---- hello: protocol 4, then GetSystemInfo's page size, granularity and addresses, the Wine
# version (major, minor, micro) and the Windows version the system reports.
read -r _ version _ _ _ page granularity _ highest wine minor _ <<<"$(ask hello)"
[ "$version" = 4 ] || fail "protocol version $version"
[ "$page" = 1000 ] && [ "$granularity" = 10000 ] || fail "page $page, granularity $granularity"
# The x86 agent: 2 GB of user space (it is not large-address aware), a 28-byte
# MEMORY_BASIC_INFORMATION, and DEP off at start (its EXE does not opt in).
x86=$(( 0x$highest < 0x100000000 ))
mbi_size=$( ((x86)) && echo 1c || echo 30)
[ "$highest" = "$( ((x86)) && echo 7ffeffff || echo 7ffffffeffff)" ] ||
    fail "the highest user address is $highest"
[ "$((0x$wine)).$((0x$minor))" = "$wine_version.0" ] || [ "$((0x$wine))" = "$wine_version" ] ||
    fail "the agent runs under Wine $((0x$wine)).$((0x$minor)), not $wine_version"

# ---- Calls: MEM_COMMIT|MEM_RESERVE (3000), PAGE_READWRITE (4).
a=$(ret "$(ask "VirtualAlloc 0 10000 3000 4")")
A=$((0x$a))
(( A != 0 && A % 0x10000 == 0 )) || fail "VirtualAlloc answered $a"
# A memory access answers the exception's ExceptionInformation[0] last (0 read, 1 write, 8 execute).
expect "write $a 5a" "= 0 * * 0 0"
expect "read $a" "= 5a * * 0 0"
# VirtualQuery: its size, then BaseAddress AllocationBase AllocationProtect RegionSize State
# (MEM_COMMIT) Protect Type (MEM_PRIVATE).
expect "VirtualQuery $a" "= $mbi_size * * 0 $a $a 4 10000 1000 4 20000"
# The old protection comes back through the by-reference argument (1 0: a pointer, going in 0).
expect "VirtualProtect $a 1000 104 1 0" "= 1 * * 0 4"               # PAGE_READWRITE|PAGE_GUARD
expect "read $a" "= 0 * * 80000001 0"                               # STATUS_GUARD_PAGE_VIOLATION
expect "read $a" "= 5a * * 0 0"                                     # the guard went with it
b=$(ret "$(ask "VirtualAlloc 0 10000 2000 1")")                     # MEM_RESERVE, PAGE_NOACCESS
expect "read $b" "= 0 * * c0000005 0"                               # an access violation
expect "write $b 1" "= c0000005 * * c0000005 1"                     # the exception, twice
# execute: one fetch. Read-write memory does not execute (DEP); made PAGE_EXECUTE_READ (20), the
# fetch goes through, its one instruction (5a: pop %rdx) runs, and the trap flag brings it back.
# The x86 agent first runs it with DEP off, then turns DEP on (ProcessExecuteFlags (22):
# MEM_EXECUTE_OPTION_DISABLE).
if ((x86)); then
    expect "execute $a" "= 0 * * 0 0"
    expect "NtSetInformationProcess ffffffffffffffff 22 1 1 4" "= 0 * * 0 1"
fi
expect "execute $a" "= c0000005 * * c0000005 8"
expect "VirtualProtect $a 1000 20 1 0" "= 1 * * 0 4"
expect "execute $a" "= 0 * * 0 0"
expect "VirtualProtect $a 1000 4 1 0" "= 1 * * 0 20"
# A failed call: its last error and last status.
expect "VirtualFree $b 1000 8000" "= 0 57 * 0"                      # MEM_RELEASE with a size
expect "GetLastError" "= 57 57 * 0"
expect "SetLastError 5" "= 0 5 *"
# walk: seven numbers per region, from the first address to past the last.
reply=$(ask "walk $a $(hex $((A + 0x20000)))")
read -r -a fields <<<"$reply"
[ "${fields[0]}" = "=" ] && (( (${#fields[@]} - 5) % 7 == 0 && ${#fields[@]} > 5 )) ||
    fail "walk answered '$reply'"
[ "${fields[5]}" = "$a" ] || fail "walk started at ${fields[5]}, not $a"
# A NULL out-pointer: Windows probes it and answers STATUS_ACCESS_VIOLATION; Wine's ntdll writes
# through it and raises, which the agent catches and answers with the exception. Either way an
# answer, and the agent goes on.
expect "NtAllocateVirtualMemory ffffffffffffffff 0 0 0 1 1000 3000 4" "= *"
expect "read $a" "= 5a * * 0 0"
# page_digest: the FNV-1a hash of the 4 KB page holding the address (a page of zeros, then one
# with 5a in its first byte); an unreadable page answers its exception, and the agent goes on.
c=$(ret "$(ask "VirtualAlloc 0 10000 3000 4")")
expect "page_digest $c" "= b93a0c83ce3b6325 * * 0 0"
expect "write $(hex $((0x$c + 0x1000))) 5a" "= 0 * * 0 0"
expect "page_digest $(hex $((0x$c + 0x1abc)))" "= 39926d2521f1e37f * * 0 0"
expect "page_digest $b" "= 0 * * c0000005 0"
# MEM_RESET (80000) is carried out: the page stays committed read-write, whatever its contents
# now hold (Wine drops them at once, Windows when the frame is wanted).
expect "VirtualAlloc $c 2000 80000 1" "= $c * * 0"
expect "VirtualQuery $c" "= $mbi_size * * 0 $c $c 4 10000 1000 4 20000"

# ---- A thread's call that waits: "start" leaves it waiting while the requests go on; "finish"
# answers it once it returned, or after 10 s cancels it (CancelSynchronousIo), so the agent never
# waits for ever: here no client ever comes, and the connect ends ERROR_OPERATION_ABORTED (3e3).
pipe_name=$(printf '\\\\.\\pipe\\vadsim-agent-test-%s' "$$" | od -An -tx1 | tr -d ' \n')
pipe=$(ret "$(ask "CreateNamedPipe s$pipe_name 1 0 1 400 400 0 0")")
waiter=$(ret "$(ask "CreateThread 0 0 0 0 0 0")")
expect "start $waiter ConnectNamedPipe $pipe 0" "= 0 *"
expect "as $waiter GetLastError" "! 'as' names a thread still in a call it started*"
expect "finish $waiter" "= 0 3e3 *"
expect "thread_exit $waiter 0" "= 1 *"
expect "CloseHandle $pipe" "= 1 *"

# ---- Requests the agent does not take: refused with a reason.
expect "Frobnicate 1" "! unknown request or wrong argument count: Frobnicate"
expect "VirtualAlloc 0 1000" "! unknown request or wrong argument count: VirtualAlloc"
expect "VirtualAlloc zz 1000 3000 4" "! malformed request*"
expect "CreateFileMapping ffffffffffffffff 0 4 0 1000 s4" "! malformed request*" # odd hex
expect "$(printf 'VirtualAlloc%01100d' 0)" "! request line too long"
if [ "$wine" != 0 ]; then
    expect "VirtualProtect 7ffe0000 1000 40 1 0" "! Wine would change KUSER_SHARED_DATA*"
fi
expect "hello" "= 4 *"                                              # still alive

echo quit >&"${AGENT[1]}"
wait "$AGENT_PID" || fail "the agent did not end cleanly at quit"
echo "win32 agent: greeting, calls, faults as answers, a raising call recovered, refusals"
