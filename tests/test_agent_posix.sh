#!/bin/bash
# test_agent_posix.sh AGENT - the POSIX agent on the real kernel.
# Placement: the arena A is free address space right above the kernel's placement point (the
# first mmap(NULL) lands at A - page, the next below it, 2 MiB ones 2 MiB-aligned; fixed mappings,
# in-place growth and holes in the arena behave as on free memory, and a hole never attracts a
# later mmap(NULL)). Then calls inside the arena (a store and a load, SIGSEGV on a PROT_NONE page,
# mprotect, the maps walk with names, munmap), fork with copy-on-write and shared pages, pagemap,
# files and shm objects (gone after quit), the pins that hold their pages, and every call aiming at the agent's own memory or
# descriptors, or anywhere it did not map for the scenario, refused and not made. First the
# machine's facts in hello, each checked against what the machine itself says.
set -eu
agent=$1
coproc AGENT { exec "$agent"; }
ask() { echo "$1" >&"${AGENT[1]}"; read -r reply <&"${AGENT[0]}"; echo "$reply"; }
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect REQUEST PATTERN
    local got
    got=$(ask "$1")
    case "$got" in
    $2) ;;
    *) fail "'$1' answered '$got', expected $2" ;;
    esac
}
hex() { printf '%x' "$1"; }
sx() { printf 's%s' "$(printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n')"; } # a string argument
tx() { sx "$1" | sed 's/^s/t/'; }                                           # a file's text
ret() { local _ r _e; read -r _ r _e <<<"$1"; echo "$r"; } # RET of an answer
none=ffffffffffffffff # -1 as the agent answers it (and the fd argument -1)

read -r _ version _ _ _ page arena size own readahead align filemax execonly kernel anonalign \
    shmemalign overcommit maxmap swap limited startbrk stackend guardgap ignoredata thp thpzero \
    <<<"$(ask hello)"
[ "$version" = 7 ] || fail "protocol version $version"
# The machine's facts (machine.c), each as the machine itself says it: execute-only memory exactly
# when the CPU has protection keys the kernel uses (pku and ospke), the kernel's release, the
# sysctls, the swap; anonymous memory 2 MiB long placed 2 MiB-aligned, shmem either way.
keys=0
grep -qw ospke /proc/cpuinfo && grep -qw pku /proc/cpuinfo && keys=1
[ "$execonly" = "$keys" ] || fail "execute-only memory $execonly on a CPU whose pkeys say $keys"
IFS=.- read -r major minor patch _ <<<"$(uname -r)"
patch=${patch%%[!0-9]*} # 6.18.15+deb13-cloud-amd64: 15; 6.18-rc1: none, 0
[ "$kernel" = "$(printf '%x%04x%04x' "$major" "$minor" "${patch:-0}")" ] || fail "kernel $kernel"
[ "$anonalign" = 200000 ] || fail "anonymous alignment $anonalign"
[ "$shmemalign" = 200000 ] || [ "$shmemalign" = 1000 ] || fail "shmem alignment $shmemalign"
[ $((0x$overcommit)) = "$(cat /proc/sys/vm/overcommit_memory)" ] || fail "overcommit $overcommit"
[ $((0x$maxmap)) = "$(cat /proc/sys/vm/max_map_count)" ] || fail "max_map_count $maxmap"
[ $((0x$swap)) = $(($(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo) * 1024)) ] ||
    fail "swap $swap"
(( 0x$limited <= 7 )) || fail "limits $limited"
# Made the same: no transparent huge pages, and (as root) no address-space or data limits and
# none on locked memory (lifted, or moot under CAP_IPC_LOCK).
! grep -qE '^THP_enabled:[[:space:]]+1' "/proc/$AGENT_PID/status" || fail "THP is not disabled"
if [ "$(id -u)" = 0 ]; then
    [ "$limited" = 0 ] || fail "limits $limited left as root"
    grep -qE '^Max address space +unlimited' "/proc/$AGENT_PID/limits" || fail "RLIMIT_AS left"
    grep -qE '^Max data size +unlimited' "/proc/$AGENT_PID/limits" || fail "RLIMIT_DATA left"
fi
# The file system's facts, measured: a read-ahead window of at least the page that faults, and
# big file mappings either 2 MiB-aligned (ext4, xfs) or not (tmpfs, overlayfs).
(( 0x$readahead >= 1 )) || fail "read-ahead window $readahead"
[ "$align" = 200000 ] || [ "$align" = 1000 ] || fail "file alignment $align"
(( 0x$filemax >= 0x1000 )) || fail "largest file $filemax" # (checked on a file below)
A=$((0x$arena))
(( A % 0x200000 == 0 )) || fail "arena $arena is not 2 MiB-aligned"
at() { hex $((A + $1)); } # an address in the arena
# Whether process $1's real maps cover the arena with no hole (a hole would attract mmap(NULL)).
arena_whole() {
    local cursor=$A range s e
    while read -r range _; do
        s=$((0x${range%-*})) e=$((0x${range#*-}))
        (( e <= A || s >= A + 0x40000000 )) && continue
        (( s > cursor )) && return 1
        (( e > cursor )) && cursor=$e
    done <"/proc/$1/maps"
    (( cursor >= A + 0x40000000 ))
}

# ---- Placement: the arena is free space right above the kernel's placement point.
# PROT_READ|PROT_WRITE = 3; MAP_PRIVATE|MAP_ANONYMOUS = 0x22; with MAP_FIXED 0x32, with
# MAP_FIXED_NOREPLACE 0x100022; MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED = 0x31.
expect "mmap 0 1000 3 22 $none 0" "= $(hex $((A - 0x1000))) 0 0 0"
expect "mmap 0 1000 3 22 $none 0" "= $(hex $((A - 0x2000))) 0 0 0"
big=$((0x$(ret "$(ask "mmap 0 200000 3 22 $none 0")")))
(( big % 0x200000 == 0 && big < A )) || fail "a 2 MiB mmap(NULL) at $(hex $big)"
expect "mmap $(at 0x200000) 1000 3 100022 $none 0" "= $(at 0x200000) 0 0 0"
expect "mmap $(at 0x200000) 1000 3 100022 $none 0" "= $none 11 0 0"   # EEXIST on it now
expect "munmap $(at 0x200000) 1000" "= 0 0 0 0"
low=$((0x$(ret "$(ask "mmap 0 1000 3 22 $none 0")")))
(( low < A )) || fail "mmap(NULL) landed in the arena's hole at $(hex $low)"
expect "mmap $(at 0x300000) 1000 3 22 $none 0" "= $(at 0x300000) 0 0 0"  # a hint on free arena
expect "munmap $(at 0x300000) 1000" "= 0 0 0 0"
expect "mprotect $(at 0x400000) 1000 1" "= $none c 0 0"             # ENOMEM, as over a hole
expect "madvise $(at 0x400000) 1000 4" "= $none c 0 0"
expect "msync $(at 0x400000) 1000 4" "= $none c 0 0"
expect "mincore $(at 0x400000) 1000" "= $none c 0 0"
expect "mmap $arena 1000 3 32 $none 0" "= $arena 0 0 0"
expect "mremap $arena 1000 3000 0 0" "= $arena 0 0 0"               # grows in place
# It merged with the scenario's mapping right below A (at A - 0x3000 by now), as on free memory.
expect "walk $arena $(at 0x10000)" "= 0 0 0 0 $(hex $((A - 0x3000))) $(at 0x3000) 1 1 0 0 0 s"
expect "munmap $arena 3000" "= 0 0 0 0"
expect "walk $arena $(at 0x10000)" "= 0 0 0 0"                      # arena pieces are not shown
# Across the arena's start: below it the scenario's, above it the arena (a hole).
expect "mremap $(hex $((A - 0x2000))) 2000 4000 0 0" "= $(hex $((A - 0x2000))) 0 0 0"
expect "munmap $(hex $((A - 0x2000))) 4000" "= 0 0 0 0"
arena_whole "$AGENT_PID" || fail "a hole in the arena: $(grep -i -e memfd: /proc/$AGENT_PID/maps)"

# ---- Calls in the arena.
base=$(at 0x10000)
expect "mmap $base 2000 3 32 $none 0" "= $base 0 0 0"
expect "write $base 5a" "= 0 0 0 0 0"
expect "read $base" "= 5a 0 0 0 0"
expect "read $(at 0x8000)" "= 0 0 0 b 0"                              # arena: SIGSEGV (11)
expect "mprotect $base 1000 1" "= 0 0 0 0"
expect "write $base 1" "= b 0 0 b 1"                                  # read-only now: SIGSEGV
# PROT_EXEC alone (4) reads only without protection keys; PROT_READ|PROT_EXEC (5) always.
expect "mprotect $base 1000 4" "= 0 0 0 0"
if [ "$execonly" = 1 ]; then expect "read $base" "= 0 0 0 b 0"; else expect "read $base" "= 5a 0 0 0 0"; fi
expect "mprotect $base 1000 5" "= 0 0 0 0"
expect "read $base" "= 5a 0 0 0 0"
expect "mprotect $base 1000 1" "= 0 0 0 0"
# execute: one fetch (a call with the trap flag set), answering the signal and the fault's kind
# (8: an instruction fetch). PROT_READ does not execute; PROT_READ|PROT_EXEC does, and the byte
# there (5a: pop %rdx) runs alone.
expect "execute $base" "= b 0 0 b 8"
expect "mprotect $base 1000 5" "= 0 0 0 0"
expect "execute $base" "= 0 0 0 0 0"
expect "mprotect $base 1000 1" "= 0 0 0 0"
# MADV_PAGEOUT (15) is made where there is no swap to write pages to, refused where there is.
if [ "$swap" = 0 ]; then expect "madvise $base 1000 15" "= 0 0 0 0"; else expect "madvise $base 1000 15" "! *"; fi
expect "walk $arena $(at 0x40000000)" "= 0 0 0 0 $base $(at 0x11000) 1 0 0 0 0 s $(at 0x11000) *"
expect "munmap $base 2000" "= 0 0 0 0"
# A memfd is the scenario's first descriptor, 3, and its mapping is named as the kernel names it.
expect "memfd_create $(sx x) 0" "= 3 0 0 0"
expect "ftruncate 3 1000" "= 0 0 0 0"
expect "mmap $(at 0x20000) 1000 3 11 3 0" "= $(at 0x20000) 0 0 0"   # MAP_SHARED|MAP_FIXED
expect "walk $(at 0x20000) $(at 0x21000)" \
    "= 0 0 0 0 $(at 0x20000) $(at 0x21000) 1 1 0 1 0 $(sx '/memfd:x (deleted)')"

# ---- fork: private pages copy on write, shared pages stay shared.
expect "mmap $(at 0x30000) 1000 3 32 $none 0" "= $(at 0x30000) 0 0 0"
expect "mmap $(at 0x31000) 1000 3 31 $none 0" "= $(at 0x31000) 0 0 0"
expect "write $(at 0x30000) 50" "= 0 0 0 0 0"
expect "write $(at 0x31000) 50" "= 0 0 0 0 0"
forked=$(ask fork)
case "$forked" in "= "*" 0 0 0 1") ;; *) fail "fork answered '$forked'" ;; esac
child=$((0x$(ret "$forked")))
expect "@1 getpid" "= $(hex $child) 0 0 0"
expect "@1 write $(at 0x30000) 43" "= 0 0 0 0 0"
expect "@1 read $(at 0x30000)" "= 43 0 0 0 0"
expect "read $(at 0x30000)" "= 50 0 0 0 0"                            # the parent keeps its byte
expect "@1 write $(at 0x31000) 54" "= 0 0 0 0 0"
expect "read $(at 0x31000)" "= 54 0 0 0 0"                            # seen by both
private="$(at 0x30000) $(at 0x31000) 1 1 0 0 0 s"
shared="$(at 0x31000) $(at 0x32000) 1 1 0 1 0 $(sx '/dev/zero (deleted)')"
expect "@1 walk $(at 0x30000) $(at 0x32000)" "= 0 0 0 0 $private $shared"
expect "@1 mprotect $(at 0x400000) 1000 1" "= $none c 0 0"          # the child's arena too
expect "@1 fork" "= * 0 0 0 1"                                      # a grandchild
expect "@1 @1 read $(at 0x30000)" "= 43 0 0 0 0"
expect "@0 read $(at 0x30000)" "= 50 0 0 0 0"
expect "@3 hello" "! *"                                             # no such child
expect "@1 quit" "! *"                                              # it ended: named
expect "@1 hello" "! *"
expect "fork" "= * 0 0 0 2"
expect "@2 read $(at 0x30000)" "= 50 0 0 0 0"

# ---- pagemap: one raw entry per page; written pages are present (bit 63).
reply=$(ask "pagemap $(at 0x30000) 2")
read -r -a fields <<<"$reply"
[ "${fields[*]:0:5}" = "= 0 0 0 0" ] && [ ${#fields[@]} = 7 ] || fail "pagemap answered '$reply'"
(( 0x${fields[5]} < 0 )) || fail "pagemap: written page not present: ${fields[5]}"
expect "pagemap $(at 0x30000) 201" "! *"                            # more than 512 pages
expect "pagemap $own 1" "! *"

# ---- Files in the agent's directory: descriptors from 4 (3 is the memfd), their bytes mapped.
expect "file $(sx f) 2000 41 $(tx hello)" "= 1 0 0 0"
expect "file $(sx f) 2000 41 $(tx hello)" "= 0 11 0 0"              # EEXIST
expect "open $(sx f) 2 0" "= 4 0 0 0"                               # O_RDWR
# The largest file hello gave: a hole may end there, and one byte past it is EFBIG.
path=$(readlink "/proc/$AGENT_PID/fd/4")
fallocate -p -o $((0x$filemax - 1)) -l 1 "$path" || fail "a hole at the largest file, $filemax"
! fallocate -p -o $((0x$filemax)) -l 1 "$path" 2>/dev/null || fail "a hole past $filemax"
expect "open $(sx g) 0 0" "= $none 2 0 0"                           # ENOENT
expect "mmap $(at 0x40000) 2000 1 12 4 0" "= $(at 0x40000) 0 0 0"   # MAP_PRIVATE|MAP_FIXED
expect "read $(at 0x40000)" "= 68 0 0 0 0"                            # 'h'
expect "read $(at 0x41fff)" "= 41 0 0 0 0"                            # the fill
expect "walk $(at 0x40000) $(at 0x42000)" "= 0 0 0 0 $(at 0x40000) $(at 0x42000) 1 0 0 0 0 $(sx f)"
# The file's page cache is pinned (pagecache.c): the agent's own read-only shared mapping of it,
# holding both cached pages mapped and locked, outside the scenario's memory (the walk above).
# pin_of NAME RSS: the pin (a r--s mapping at offset 0) of the file maps names NAME holds RSS kB.
pin_of() {
    local pin
    pin=$(awk -v name="$1" '/^[0-9a-f]+-[0-9a-f]+ / { p = 0 }
        / r--s 00000000 / && substr($0, length($0) - length(name) + 1) == name { p = 1 }
        p' "/proc/$AGENT_PID/smaps")
    [ -n "$pin" ] || fail "no pin of $1 in the agent's maps"
    grep -qE "^Rss: +$2 kB" <<<"$pin" || fail "the pin of $1 holds $(grep ^Rss <<<"$pin"), not $2 kB"
    grep -qE '^VmFlags:.* rr' <<<"$pin" || fail "the pin of $1 is not MADV_RANDOM"
}
pin_of /f 8
# Shared memory too, whose clean pages are reclaimed like a file's: the memfd (pinned through its
# descriptor), shared anonymous memory (through map_files, the page written before the fork). A
# page the scenario no longer maps is still held.
expect "read $(at 0x20000)" "= 0 0 0 0 0"
expect "madvise $(at 0x20000) 1000 4" "= 0 0 0 0"                  # MADV_DONTNEED
pin_of '/memfd:x (deleted)' 4
pin_of '/dev/zero (deleted)' 4

# ---- shm objects: under the agent's prefix, shown without it, gone after quit.
pid=$((0x$(ret "$(ask getpid)")))
expect "shm_open $(sx /x) 42 180" "= 5 0 0 0"                       # O_RDWR|O_CREAT, 0600
[ -e "/dev/shm/vadsim-$pid-x" ] || fail "no /dev/shm/vadsim-$pid-x"
expect "ftruncate 5 1000" "= 0 0 0 0"
expect "mmap $(at 0x50000) 1000 3 11 5 0" "= $(at 0x50000) 0 0 0"
expect "write $(at 0x50000) 7" "= 0 0 0 0 0"
expect "@2 shm_open $(sx x) 2 0" "= 4 0 0 0"                        # the child sees it (it has 3)
expect "@2 mmap $(at 0x60000) 1000 3 11 4 0" "= $(at 0x60000) 0 0 0"
expect "@2 read $(at 0x60000)" "= 7 0 0 0 0"
expect "walk $(at 0x50000) $(at 0x51000)" \
    "= 0 0 0 0 $(at 0x50000) $(at 0x51000) 1 1 0 1 0 $(sx /dev/shm/x)"
pin_of "/dev/shm/vadsim-$pid-x" 4
expect "shm_open $(sx y) c2 180" "= 6 0 0 0"                        # O_RDWR|O_CREAT|O_EXCL
expect "shm_open $(sx /a/b) 42 180" "= $none 16 0 0"                # EINVAL, as glibc says
expect "shm_open $(sx /) 42 180" "= $none 16 0 0"
expect "shm_unlink $(sx /a/b)" "= $none 2 0 0"                      # ENOENT, as glibc says
expect "shm_unlink $(sx /z)" "= $none 2 0 0"

# Pins of files the scenario can no longer reach are let go (swept once 32 pins have piled up);
# the others stay: the memfd still open, the named file and shm object.
for _ in $(seq 40); do
    expect "memfd_create $(sx m) 0" "= 7 0 0 0"
    expect "close 7" "= 0 0 0 0"
done
dropped=$(grep -c ' r--s .*/memfd:m (deleted)$' "/proc/$AGENT_PID/maps" || true)
(( dropped < 32 )) || fail "$dropped pins of closed memfds kept"
pin_of '/memfd:x (deleted)' 4
pin_of /f 8
pin_of "/dev/shm/vadsim-$pid-x" 4
# Pins take the room their file needs, so hundreds of small shared mappings are all held.
for i in $(seq 0 299); do
    a=$(at $((0x1000000 + i * 0x2000)))
    expect "mmap $a 1000 3 31 $none 0" "= $a 0 0 0"                 # MAP_SHARED|ANONYMOUS|FIXED
done
held=$(grep -c ' r--s .*/dev/zero (deleted)$' "/proc/$AGENT_PID/maps" || true)
(( held >= 300 )) || fail "only $held shared anonymous mappings pinned, of 300 and more"

# ---- Aiming at the agent itself, or outside the scenario's memory: refused, not made.
expect "munmap $own 1000" "! *"
expect "mprotect $own 1000 0" "! *"
expect "mmap $own 1000 3 32 $none 0" "! *"
expect "read $own" "! *"
expect "write 1000 1" "! *"
expect "madvise $own 1000 4" "! *"
expect "mremap $base 1000 2000 3 $own" "! *"
expect "open $(sx ../etc/passwd) 0 0" "! *"
expect "open $(sx ..) 0 0" "! *"
# The agent's descriptors are as if never opened.
expect "close 384" "= $none 9 0 0"                                  # 900: the arena's memfd
expect "ftruncate 384 0" "= $none 9 0 0"
expect "close 1" "= $none 9 0 0"
expect "mmap 0 1000 3 2 384 0" "= $none 9 0 0"
# The break is the scenario's, from start_brk (hello's last word): malloc keeps off it, so brk(0)
# answers start_brk; it grows and shrinks over a [heap] the walk names, and never past the 1 GiB
# the agent keeps above start_brk (refused, not made).
[ "$startbrk" != 0 ] || fail "the agent's break is not the scenario's"
expect "brk 0" "= $startbrk 0 0 0"
grown=$(hex $((0x$startbrk + 0x2001)))
expect "brk $grown" "= $grown 0 0 0"
expect "walk $startbrk $(hex $((0x$startbrk + 0x3000)))" "= 0 0 0 0 $startbrk $(hex $((0x$startbrk + 0x3000))) 1 1 0 0 0 $(sx '[heap]')"
expect "brk $(hex $((0x$startbrk + (1 << 30) + 1)))" "! *"
expect "sbrk $(hex $(((1 << 30) + 1)))" "! *"
expect "sbrk $(hex $((2**64 - 0x2001)))" "= $grown 0 0 0"
expect "brk 0" "= $startbrk 0 0 0"
# The main thread's stack is the scenario's below what execve made of it: the [stack] the walk
# reports is the model's 132 KB, ending where hello says; a store one page below grows it by a
# page; its own pages are never the scenario's to write or unmap. stack_guard_gap as the boot
# line sets it (in pages), else 1 MiB.
[ "$stackend" != 0 ] || fail "the agent's stack is not the scenario's"
gap=$(sed -n 's/.*stack_guard_gap=\([0-9]*\).*/\1/p' /proc/cmdline)
[ $((0x$guardgap)) = $((${gap:-256} * 4096)) ] || fail "stack_guard_gap $guardgap"
# RLIMIT_DATA enforced unless the kernel was booted to ignore it (a warning only).
ignore=$(cat /sys/module/kernel/parameters/ignore_rlimit_data 2>/dev/null || echo N)
[ "$ignoredata" = "$([ "$ignore" = Y ] && echo 1 || echo 0)" ] || fail "ignore_rlimit_data $ignoredata"
# Transparent huge pages as the scenario's processes would have them where advised: 2 (madvise)
# where the machine's 2 MiB mode is always or madvise, 3 where it is never (no smaller size on,
# on this kernel); thp_advised then lets a store in an advised, aligned 2 MiB range map it whole.
thpdir=/sys/kernel/mm/transparent_hugepage
mode=$(sed 's/.*\[\(.*\)\].*/\1/' "$thpdir/enabled" 2>/dev/null || echo none)
pmd=$(sed 's/.*\[\(.*\)\].*/\1/' "$thpdir/hugepages-2048kB/enabled" 2>/dev/null || echo inherit)
[ "$pmd" = inherit ] || mode=$pmd
case "$mode" in
always | madvise) [ "$thp" = 2 ] || [ "$thp" = 0 ] || fail "thp $thp for mode $mode" ;;
never) [ "$thp" = 3 ] || [ "$thp" = 0 ] || fail "thp $thp for mode never" ;;
*) [ "$thp" = 0 ] || fail "thp $thp without transparent huge pages" ;;
esac
# Whether a load there maps the huge zero page: 1 where use_zero_page is 1, 2 where it is 0.
case "$(cat "$thpdir/use_zero_page" 2>/dev/null)" in
1) [ "$thpzero" = 1 ] || fail "thpzero $thpzero where use_zero_page is 1" ;;
0) [ "$thpzero" = 2 ] || fail "thpzero $thpzero where use_zero_page is 0" ;;
*) [ "$thpzero" = 0 ] || fail "thpzero $thpzero without use_zero_page" ;;
esac
stacktop=$(hex $((0x$stackend - 0x21000)))
expect "walk $(hex $((0x$stackend - 0x100000))) $stackend" "= 0 0 0 0 $stacktop $stackend 1 1 0 0 0 $(sx '[stack]')"
below=$(hex $((0x$stackend - 0x22000)))
expect "write $below 1" "= 0 0 0 0 0"
expect "walk $(hex $((0x$stackend - 0x100000))) $stackend" "= 0 0 0 0 $below $stackend 1 1 0 0 0 $(sx '[stack]')"
expect "write $(hex $((0x$stackend - 0x1000))) 1" "! *"
expect "munmap $stacktop 1000" "! *"
# thp_advised: a store in an advised 2 MiB-aligned range maps all of it (AnonHugePages 2048 kB);
# unmapping one page of it splits it. Where the mode is never, the advice maps nothing more.
if [ "$thp" = 2 ]; then
    expect "thp_advised" "= 0 0 0 0"
    h=$(at 0x8000000)
    expect "mmap $h 400000 3 32 $none 0" "= $h 0 0 0"                # MAP_PRIVATE|ANONYMOUS|FIXED
    expect "madvise $h 400000 e" "= 0 0 0 0"                          # MADV_HUGEPAGE
    expect "write $h 1" "= 0 0 0 0 0"
    expect "smaps $h" "= 0 0 0 0 1000 800 800 800 0 800 0 0 0 0"
    expect "munmap $(hex $((0x$h + 0x1000))) 1000" "= 0 0 0 0"
    expect "smaps $h" "= 0 0 0 0 4 4 4 4 0 0 0 0 0 0"
fi
expect "hello" "= 7 *"                                              # still alive
expect "frobnicate 1" "! *"
expect "@x hello" "! *"

second=$((0x$(ret "$(ask "@2 getpid")")))
arena_whole "$AGENT_PID" && arena_whole "$second" || fail "a hole in an arena at the end"
echo quit >&"${AGENT[1]}"
wait
! kill -0 "$second" 2>/dev/null || fail "child $second outlived quit"
ls /dev/shm/vadsim-"$pid"-* >/dev/null 2>&1 && fail "shm objects left: /dev/shm/vadsim-$pid-*"
ls -d /tmp/vadsim-agent-"$pid"-* >/dev/null 2>&1 && fail "directory left: /tmp/vadsim-agent-$pid-*"
echo "posix agent: placement, arena holes, fork, pagemap, files and shm as on free memory;" \
    "calls aiming elsewhere refused"
