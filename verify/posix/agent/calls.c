/*
 * calls.c - the POSIX agent's memory calls: one function per request, and the table that names
 * them (vadsim-agent-posix.h). Every call that names an address must lie wholly in the
 * scenario's memory, or it is refused, not made; around it, the arena pieces in its ranges are
 * exposed and refilled after (arena.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "arena.h"
#include "maps.h"
#include "pagecache.h"
#include "vadsim-agent-posix.h"

#define MAX_PAGEMAP 512

/* hello: the protocol version, the page size, the arena, one address of the agent's own code
 * (its tests aim at it to prove it is refused), the file system's facts, then the machine's:
 * execute-only memory, the kernel's release, the placement of anonymous memory and of shmem,
 * vm.overcommit_memory, vm.max_map_count, the swap, and the rlimits still in force; last
 * start_brk, where the scenario's break starts (0: brk is refused); the end of the main thread's
 * stack (0: it is not the scenario's) and stack_guard_gap as measured; whether RLIMIT_DATA is
 * ignored (1) or enforced; the transparent-huge-page mode thp_advised would give, and whether a
 * load there maps the huge zero page (machine.c). */
static void do_hello(const AgentRequest *r)
{
    (void)r;
    answer_start(AGENT_PROTOCOL_VERSION, 0);
    answer_more(page_size);
    Range arena = arena_range();
    answer_more(arena.start);
    answer_more(arena.end - arena.start);
    answer_more((uint64_t)(uintptr_t)&do_hello & ~(page_size - 1));
    answer_more(file_system.readahead_pages);
    answer_more(file_system.file_align);
    answer_more(file_system.max_bytes);
    const uint64_t facts[] = {machine.execute_only, machine.kernel,     machine.anon_align,
                              machine.shmem_align,  machine.overcommit, machine.max_map_count,
                              machine.swap_bytes,   machine.limited,    scenario_start_brk,
                              scenario_stack_end,   stack_guard_gap,    ignore_rlimit_data,
                              machine.thp,          machine.thp_zero};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
        answer_more(facts[i]);
    answer_end();
}

/* thp_advised: from now on the agent and the children it forks get transparent huge pages where
 * MADV_HUGEPAGE asks and nowhere else (PR_SET_THP_DISABLE with PR_THP_DISABLE_EXCEPT_ADVISED),
 * instead of none (machine_settle): the scenario's advised memory as the model maps it, the
 * agent's own at 4 KiB pages. */
static void do_thp_advised(const AgentRequest *r)
{
    (void)r;
    answer_call(prctl(PR_SET_THP_DISABLE, 1, 2 /* PR_THP_DISABLE_EXCEPT_ADVISED */, 0, 0));
}

/* The calls whose first two arguments are an address and a length in the scenario's memory. */
static int check_range(const AgentRequest *r, const char *name)
{
    if (inside_owned(r->v[0], r->v[1]))
        return 1;
    refuse("an address outside the scenario's memory (the agent's own is never touched): ", name);
    return 0;
}

/* Exposes the arena in e for a call: 0 (refused, arena refilled) if the kernel would not. */
static int expose_for(const Exposure *e, const char *name)
{
    if (arena_expose(e))
        return 1;
    arena_refill(e);
    refuse("the agent could not clear its arena for the call: ", name);
    return 0;
}

/* A MAP_HUGETLB mapping's length: whole 2 MiB huge pages (x86's default size, the only one the
 * agent lets a scenario map: huge_pages_to_give). */
static uint64_t huge_up(uint64_t length)
{
    const uint64_t huge = 2ull << 20;
    return length > UINT64_MAX - (huge - 1) ? 0 : (length + huge - 1) & ~(huge - 1);
}

/* Shared anonymous memory is a shmem file of its own, pinned like the scenario's other files
 * (pagecache.c) through the mapping, which merges with nothing: /proc/self/map_files names it by
 * exactly the range just mapped. (Opening map_files takes CAP_SYS_ADMIN; without it, unpinned.) */
static void pin_shared_anonymous(uint64_t start, uint64_t length)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/map_files/%" PRIx64 "-%" PRIx64, start, start + length);
    pin_file(path, PIN_FIXED_SIZE, AGENT_FD_BASE);
}

/* mmap ADDR LEN PROT FLAGS FD OFFSET: a fixed mapping must lie in owned memory and sees the
 * arena there as free; so does a hint wholly on arena pieces (the model honours it). What the
 * kernel places becomes the scenario's. Another's descriptor answers EBADF, as never opened.
 * MAP_HUGETLB is refused on a machine whose huge page pool is not empty (the model's is). */
static void do_mmap(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    locks_prepare();
    datalimit_prepare();
    int fixed = (v[3] & MAP_FIXED) || (v[3] & MAP_FIXED_NOREPLACE);
    if (fixed && !inside_owned(v[0], v[1])) {
        refuse("a fixed mapping outside the scenario's memory: ", "mmap");
        return;
    }
    if ((v[3] & MAP_HUGETLB) && machine.huge_pages) {
        refuse("MAP_HUGETLB on a machine with huge pages to give (the model has none): ", "mmap");
        return;
    }
    if (!(v[3] & MAP_ANONYMOUS) && agent_fd((int)v[4])) {
        answer_result(-1, v[5] & (page_size - 1) ? EINVAL : EBADF); /* sys_mmap's order */
        return;
    }
    Exposure e = {0};
    uint64_t hint = page_down(v[0]), end = hint + page_up(v[1]);
    if (fixed)
        expose_add(&e, v[0], v[1]);
    else if (v[0] && end > hint && arena_covers(hint, end))
        expose_add(&e, hint, end - hint); /* exactly what the kernel tries for the hint */
    if (!expose_for(&e, "mmap"))
        return;
    errno = 0;
    void *p = mmap(P(v[0]), v[1], (int)v[2], (int)v[3], (int)v[4], (off_t)v[5]);
    int error = errno;
    arena_refill(&e);
    uint64_t address = p == MAP_FAILED ? UINT64_MAX : (uint64_t)(uintptr_t)p;
    uint64_t length = (v[3] & MAP_HUGETLB) ? huge_up(v[1]) : page_up(v[1]); /* what was mapped */
    if (p != MAP_FAILED && !set_add(&owned, address, address + length)) {
        munmap(p, v[1]);
        refuse("too many separate mappings to keep track of: ", "mmap");
        return;
    }
    if (p != MAP_FAILED && (v[3] & MAP_ANONYMOUS) && (v[3] & MAP_TYPE) != MAP_PRIVATE)
        pin_shared_anonymous(address, page_up(v[1]));
    answer_start(address, p == MAP_FAILED ? error : 0);
    answer_end();
}

static unsigned char mincore_vector[4096];

static long call_munmap(const AgentRequest *r) { return munmap(P(r->v[0]), r->v[1]); }

static long call_mprotect(const AgentRequest *r)
{
    return mprotect(P(r->v[0]), r->v[1], (int)r->v[2]);
}

static long call_madvise(const AgentRequest *r)
{
    return madvise(P(r->v[0]), r->v[1], (int)r->v[2]);
}

static long call_msync(const AgentRequest *r) { return msync(P(r->v[0]), r->v[1], (int)r->v[2]); }

static long call_mincore(const AgentRequest *r)
{
    return mincore(P(r->v[0]), r->v[1], mincore_vector);
}

/* Makes a call on an owned range ADDR LEN with the arena there exposed (so arena pieces are
 * holes: ENOMEM from mprotect, madvise, msync and mincore), then refills. 0 if refused. */
static int range_call(const AgentRequest *r, const char *name, RangeCall call, long *result,
                      int *error)
{
    Exposure e = {0};
    if (!check_range(r, name))
        return 0;
    expose_add(&e, r->v[0], r->v[1]);
    if (!expose_for(&e, name))
        return 0;
    errno = 0;
    *result = call(r);
    *error = errno;
    arena_refill(&e);
    return 1;
}

void do_range_call(const AgentRequest *r, const char *name, RangeCall call)
{
    long result;
    int error;
    if (range_call(r, name, call, &result, &error))
        answer_result(result, error);
}

/* madvise ADDR LEN ADVICE. With swap on, MADV_PAGEOUT writes anonymous and shmem pages out, which
 * the model (no reclaim of its own to a swap it has not got) never does: refused there. */
static void do_madvise(const AgentRequest *r)
{
    if (r->v[2] == MADV_PAGEOUT && machine.swap_bytes) {
        refuse("MADV_PAGEOUT on a machine with swap (the kernel would write pages out): ",
               "madvise");
        return;
    }
    do_range_call(r, "madvise", call_madvise);
}

static void do_munmap(const AgentRequest *r)
{
    long result;
    int error;
    if (!range_call(r, "munmap", call_munmap, &result, &error))
        return;
    /* What the scenario unmapped stays its own: the agent maps nothing after start-up, so only
     * the scenario can be given that address space again, and a later call that spans the hole
     * (mprotect over it: ENOMEM) must reach the kernel as it would in the scenario's program. */
    answer_result(result, error);
}

/* mincore ADDR LEN: answers the result, then one number per page (the vector's bytes). */
static void do_mincore(const AgentRequest *r)
{
    uint64_t pages = (r->v[1] + page_size - 1) / page_size;
    long result;
    int error;
    if (pages > sizeof mincore_vector) {
        refuse("mincore of more than 4096 pages: ", "mincore");
        return;
    }
    if (!range_call(r, "mincore", call_mincore, &result, &error))
        return;
    answer_start((uint64_t)result, result == -1 ? error : 0);
    for (uint64_t i = 0; result == 0 && i < pages; i++)
        answer_more(mincore_vector[i] & 1);
    answer_end();
}

/* mremap OLD OLD_SIZE NEW_SIZE FLAGS NEW: the old range and a fixed new one must be owned. The
 * arena is exposed over the old range, the range it may grow into in place, and a fixed target.
 * A move that searches cannot land in those holes: they are bounded by the old mapping and are
 * smaller than the new size. */
static void do_mremap(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    locks_prepare();
    datalimit_prepare();
    Exposure e = {0};
    if (!check_range(r, "mremap"))
        return;
    if ((v[3] & MREMAP_FIXED) && !inside_owned(v[4], v[2])) {
        refuse("a fixed new address outside the scenario's memory: ", "mremap");
        return;
    }
    expose_add(&e, v[0], v[1]);
    expose_add(&e, v[0], v[2]);
    if (v[3] & MREMAP_FIXED)
        expose_add(&e, v[4], v[2]);
    if (!expose_for(&e, "mremap"))
        return;
    errno = 0;
    void *p = mremap(P(v[0]), v[1], v[2], (int)v[3], P(v[4]));
    int error = errno;
    arena_refill(&e);
    uint64_t address = p == MAP_FAILED ? UINT64_MAX : (uint64_t)(uintptr_t)p;
    if (p != MAP_FAILED)
        set_add(&owned, address, address + page_up(v[2]));
    if (p != MAP_FAILED && (v[3] & MAP_ANONYMOUS) && (v[3] & MAP_TYPE) != MAP_PRIVATE)
        pin_shared_anonymous(address, page_up(v[1]));
    answer_start(address, p == MAP_FAILED ? error : 0);
    answer_end();
}

/* A mapping's name as the model writes it: a file of the agent's directory by its base name,
 * an shm object without the agent's prefix; the rest ("", "/dev/zero (deleted)",
 * "/memfd:NAME (deleted)") as the kernel shows it. */
static const char *model_name(const char *name, char *out, size_t room)
{
    static const char shm_dir[] = "/dev/shm/";
    size_t dir = strlen(file_dir), shm = strlen(shm_dir), prefix = strlen(shm_prefix);
    if (strncmp(name, file_dir, dir) == 0 && name[dir] == '/')
        return name + dir + 1;
    if (strncmp(name, shm_dir, shm) == 0 && strncmp(name + shm, shm_prefix, prefix) == 0) {
        snprintf(out, room, "%s%s", shm_dir, name + shm + prefix);
        return out;
    }
    return name;
}

/* walk FROM TO: the scenario's maps lines overlapping [FROM, TO) (not arena pieces, nothing
 * outside owned memory), each as start, end, r, w, x, shared, offset, name. A line is the
 * scenario's when its first or last page there is owned: a MAP_GROWSDOWN VMA grows down over
 * addresses no scenario mapping covered, and once munmap has cut it from below, only its top
 * may be owned. */
static void do_walk(const AgentRequest *r)
{
    uint64_t from = r->v[0], to = r->v[1];
    MapsReader m;
    MapsLine l;
    char name[PATH_MAX + 16];
    int ok = maps_open(&m);
    answer_start(0, ok ? 0 : errno);
    while (ok && maps_next(&m, &l)) {
        if (arena_is_piece(&l) || l.end <= from || l.start >= to ||
            (!(inside_owned(MAX(l.start, from), 1) || inside_owned(MIN(l.end, to) - 1, 1)) &&
             !stack_is_scenarios(&l)))
            continue;
        answer_more(l.start), answer_more(l.end);
        answer_more(l.perms[0] == 'r'), answer_more(l.perms[1] == 'w');
        answer_more(l.perms[2] == 'x'), answer_more(l.perms[3] == 's');
        answer_more(l.offset);
        answer_string(model_name(l.name, name, sizeof name));
    }
    if (ok)
        maps_close(&m);
    answer_end();
}

/* pagemap ADDR PAGES: the raw /proc/self/pagemap entry of each page (research 8). */
static void do_pagemap(const AgentRequest *r)
{
    static uint64_t entries[MAX_PAGEMAP];
    uint64_t address = r->v[0], pages = r->v[1];
    if (pages == 0 || pages > MAX_PAGEMAP || address % page_size) {
        refuse("pagemap takes a page boundary and 1 to 512 pages: ", "pagemap");
        return;
    }
    if (!inside_owned(address, pages * page_size)) {
        refuse("an address outside the scenario's memory: ", "pagemap");
        return;
    }
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd < 0 ? -1 : pread(fd, entries, pages * 8, (off_t)(address / page_size * 8));
    int error = got < 0 ? errno : EIO;
    if (fd >= 0)
        close(fd);
    answer_start(0, got == (ssize_t)(pages * 8) ? 0 : error);
    for (uint64_t i = 0; got == (ssize_t)(pages * 8) && i < pages; i++)
        answer_more(entries[i]);
    answer_end();
}

/* ---- The rest, and the table ---------------------------------------------------------------- */

/* The calls whose only check is on the descriptor: the agent's own answer EBADF, as a descriptor
 * never opened. */
static void do_ftruncate(const AgentRequest *r)
{
    answer_call(agent_fd((int)r->v[0]) ? (errno = EBADF, -1)
                                       : ftruncate((int)r->v[0], (off_t)r->v[1]));
}

static void do_close(const AgentRequest *r)
{
    answer_call(agent_fd((int)r->v[0]) ? (errno = EBADF, -1) : close((int)r->v[0]));
}

static void do_mprotect(const AgentRequest *r)
{
    datalimit_prepare();
    do_range_call(r, "mprotect", call_mprotect);
}
static void do_msync(const AgentRequest *r) { do_range_call(r, "msync", call_msync); }

/* clone FLAGS STACK: refused. A real thread would run on the scenario's memory, which a later call
 * may unmap or protect under it, and would write its first frame there, which the model's does
 * not. */
static void do_clone(const AgentRequest *r)
{
    (void)r;
    refuse("a thread on the scenario's memory (it would write there, and could lose its stack): ",
           "clone");
}

static void do_getpid(const AgentRequest *r)
{
    (void)r;
    answer_result(getpid(), 0);
}

/* Every request the agent serves: its name (the call's C name), its argument count, and the
 * function that makes the call and answers. */
const AgentCall agent_calls[] = {
    {"hello", 0, do_hello},
    {"thp_advised", 0, do_thp_advised},
    {"walk", 2, do_walk},
    {"clone", 2, do_clone},
    {"pagemap", 2, do_pagemap},
    {"mmap", 6, do_mmap},
    {"munmap", 2, do_munmap},
    {"mprotect", 3, do_mprotect},
    {"madvise", 3, do_madvise},
    {"msync", 3, do_msync},
    {"mremap", 5, do_mremap},
    {"mincore", 2, do_mincore},
    {"read", 1, do_read},
    {"write", 2, do_write},
    {"execute", 1, do_execute},
    {"memfd_create", 2, do_memfd_create},
    {"ftruncate", 2, do_ftruncate},
    {"close", 1, do_close},
    {"file", 4, do_file},
    {"open", 3, do_open},
    {"shm_open", 3, do_shm_open},
    {"shm_unlink", 1, do_shm_unlink},
    {"fork", 0, do_fork},
    {"getpid", 0, do_getpid},
    {"brk", 1, do_brk},
    {"sbrk", 1, do_sbrk},
};

const size_t agent_call_count = AGENT_COUNT(agent_calls);
