#!/bin/bash
# test_agent_posix.sh AGENT - the POSIX agent on the real kernel: calls inside its arena are made
# (a fixed mapping, a store and a load, SIGSEGV on a PROT_NONE page, mprotect, the maps walk,
# munmap), and every call aiming at the agent's own memory, or anywhere it did not map for the
# scenario, is refused and not made: the agent lives on and answers the next request.
set -eu
agent=$1
coproc AGENT { "$agent"; }
ask() { echo "$1" >&"${AGENT[1]}"; read -r reply <&"${AGENT[0]}"; echo "$reply"; }
expect() { # expect REQUEST PATTERN
    local got
    got=$(ask "$1")
    case "$got" in
    $2) ;;
    *) echo "FAIL: '$1' answered '$got', expected $2"; exit 1 ;;
    esac
}
read -r _ version _ _ _ page arena size own <<<"$(ask hello)"
[ "$version" = 1 ] || { echo "FAIL: protocol version $version"; exit 1; }
hex() { printf '%x' "$1"; }
base=$(hex $((0x$arena + 0x10000)))
# MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED = 0x32, PROT_READ|PROT_WRITE = 3, fd -1
expect "mmap $base 2000 3 32 ffffffffffffffff 0" "= $base 0 0 0"
expect "write $base 5a" "= 0 0 0 0"
expect "read $base" "= 5a 0 0 0"
expect "read $(hex $((0x$arena)))" "= 0 0 0 b"            # PROT_NONE: SIGSEGV (11)
expect "mprotect $base 1000 1" "= 0 0 0 0"
expect "write $base 1" "= b 0 0 b"                       # read-only now: SIGSEGV
expect "walk $arena $(hex $((0x$arena + 0x40000000)))" "= 0 0 0 0 *"
expect "munmap $base 2000" "= 0 0 0 0"
# Aiming at the agent itself, or outside the scenario's memory: refused, not made.
expect "munmap $own 1000" "! *"
expect "mprotect $own 1000 0" "! *"
expect "mmap $own 1000 3 32 ffffffffffffffff 0" "! *"
expect "read $own" "! *"
expect "write 1000 1" "! *"
expect "madvise $own 1000 4" "! *"
expect "mremap $base 1000 2000 3 $own" "! *"
expect "hello" "= 1 *"                                   # still alive
expect "frobnicate 1" "! *"
echo quit >&"${AGENT[1]}"
wait
echo "posix agent: calls in the arena made, 7 calls aiming elsewhere refused"
