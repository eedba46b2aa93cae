/*
 * vadsim-agent-posix - carries out POSIX memory calls for the verification harness, on the real
 * kernel, and answers what happened. The POSIX counterpart of the Win32 agent, speaking the same
 * line protocol:
 *
 *   request   NAME HEX...                 one line; a pointer the caller may pass as &var is
 *                                         "1 VALUE" (or "0 0" for NULL); a name is 's' + hex bytes
 *   answer    = RET ERRNO 0 SIGNAL EXTRA...   RET and errno after the call, the signal a memory
 *                                         access raised (SIGSEGV 11, SIGBUS 7; 0 if none)
 *   refusal   ! WHY                       a call the agent will not make
 *
 * Safety. The agent is a real process running arbitrary scenarios, so it must never unmap, remap
 * or protect its own code, stack or heap. At start it reserves an ARENA (PROT_NONE, MAP_NORESERVE)
 * and keeps the set of ranges that belong to the scenario: the arena, and whatever the kernel
 * placed for the scenario outside it (an mmap without MAP_FIXED, an mremap that moved). Every call
 * that names an address - a fixed mmap, munmap, mprotect, madvise, mremap, msync, mincore, a read
 * or a write - must lie wholly inside those ranges, or it is refused, not made. The harness's test
 * proves a call aiming at the agent's own memory comes back refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "protocol.h"

#define AGENT_PROTOCOL_VERSION 1
#define ARENA_SIZE (1ull << 30) /* 1 GB of address space, nothing committed */
#define MAX_ARGS 16
#define MAX_LINE 1024
#define MAX_OWNED 4096

/* ---- The ranges the scenario owns --------------------------------------------------------------- */

typedef struct Range {
    uint64_t start, end; /* [start, end) */
} Range;

static Range owned[MAX_OWNED];
static size_t owned_count;
static uint64_t arena_start, arena_end;
static uint64_t page_size;

/* Whether [start, start + length) lies inside one owned range (ranges never touch: see own). */
static int inside_owned(uint64_t start, uint64_t length)
{
    uint64_t end = start + (length ? length : 1);
    if (end < start)
        return 0;
    for (size_t i = 0; i < owned_count; i++)
        if (start >= owned[i].start && end <= owned[i].end)
            return 1;
    return 0;
}

static int is_arena(const Range *r) { return r->start == arena_start && r->end == arena_end; }

/* Adds [start, end) to the owned set, merging with ranges it touches or overlaps (never with the
 * arena, which stays itself: what the kernel put next to it is forgotten on its own). */
static int own(uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < owned_count;) {
        if (!is_arena(&owned[i]) && owned[i].end >= start && owned[i].start <= end) {
            start = start < owned[i].start ? start : owned[i].start;
            end = end > owned[i].end ? end : owned[i].end;
            owned[i] = owned[--owned_count];
        } else {
            i++;
        }
    }
    if (owned_count == MAX_OWNED)
        return 0;
    owned[owned_count++] = (Range){start, end};
    return 1;
}

/* Forgets [start, end) outside the arena once the kernel has unmapped it (the arena stays). */
static void disown(uint64_t start, uint64_t end)
{
    size_t count = owned_count;
    for (size_t i = 0; i < count; i++) {
        Range r = owned[i];
        if (is_arena(&r) || r.end <= start || r.start >= end)
            continue;
        owned[i] = (Range){r.start, start > r.start ? start : r.start};
        if (end < r.end && owned_count < MAX_OWNED)
            owned[owned_count++] = (Range){end, r.end};
    }
    for (size_t i = 0; i < owned_count;) {
        if (owned[i].end <= owned[i].start)
            owned[i] = owned[--owned_count]; /* emptied: drop it */
        else
            i++;
    }
}

/* ---- Memory probes ---------------------------------------------------------------------------- */

static sigjmp_buf probe_jump;
static volatile sig_atomic_t probing, probe_signal;

static void on_fault(int sig, siginfo_t *info, void *context)
{
    (void)info, (void)context;
    if (!probing) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    probe_signal = sig;
    siglongjmp(probe_jump, 1);
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

/* ---- Answers ---------------------------------------------------------------------------------- */

static void answer_start(uint64_t ret, int error)
{
    printf("= %" PRIx64 " %x 0 %x", ret, (unsigned)error, (unsigned)probe_signal);
}

static void answer_more(uint64_t value) { printf(" %" PRIx64, value); }

static void answer_end(void)
{
    putchar('\n');
    fflush(stdout);
}

static void refuse(const char *why, const char *what)
{
    printf("! %s%s\n", why, what);
    fflush(stdout);
}

/* ---- Requests --------------------------------------------------------------------------------- */

typedef struct Request {
    char name[64];
    uint64_t v[MAX_ARGS];
    int count;
    char text[128];
} Request;

static int parse(char *line, Request *r)
{
    memset(r, 0, sizeof *r);
    char *save = NULL, *word = strtok_r(line, " \t\r\n", &save);
    if (!word || strlen(word) >= sizeof r->name)
        return 0;
    strcpy(r->name, word);
    while ((word = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
        if (r->count == MAX_ARGS)
            return 0;
        if (word[0] == 's') {
            if (!agent_unhex(word + 1, r->text, sizeof r->text))
                return 0;
            r->v[r->count++] = 1;
            continue;
        }
        char *end;
        r->v[r->count++] = strtoull(word, &end, 16);
        if (*end)
            return 0;
    }
    return 1;
}

#define P(x) ((void *)(uintptr_t)(x))

/* hello: the protocol version, the page size, the arena, and one address of the agent's own
 * code (its tests aim at it to prove it is refused). */
static void do_hello(void)
{
    answer_start(AGENT_PROTOCOL_VERSION, 0);
    answer_more(page_size);
    answer_more(arena_start);
    answer_more(arena_end - arena_start);
    answer_more((uint64_t)(uintptr_t)&do_hello & ~(page_size - 1));
    answer_end();
}

/* mmap ADDR LEN PROT FLAGS FD OFFSET: a fixed mapping must lie in owned memory; a hint may be
 * anywhere (the kernel never replaces anything for a hint), and what the kernel places becomes
 * the scenario's. */
static void do_mmap(const Request *r)
{
    const uint64_t *v = r->v;
    int fixed = (v[3] & MAP_FIXED) || (v[3] & MAP_FIXED_NOREPLACE);
    if (fixed && !inside_owned(v[0], v[1])) {
        refuse("a fixed mapping outside the scenario's memory: ", "mmap");
        return;
    }
    errno = 0;
    void *p = mmap(P(v[0]), v[1], (int)v[2], (int)v[3], (int)v[4], (off_t)v[5]);
    int error = errno;
    uint64_t address = p == MAP_FAILED ? UINT64_MAX : (uint64_t)(uintptr_t)p;
    if (p != MAP_FAILED && !inside_owned(address, v[1]) &&
        !own(address, address + ((v[1] + page_size - 1) & ~(page_size - 1)))) {
        munmap(p, v[1]);
        refuse("too many separate mappings to keep track of: ", "mmap");
        return;
    }
    answer_start(address, p == MAP_FAILED ? error : 0);
    answer_end();
}

/* The calls whose first two arguments are an address and a length in the scenario's memory. */
static int check_range(const Request *r, const char *name)
{
    if (inside_owned(r->v[0], r->v[1]))
        return 1;
    refuse("an address outside the scenario's memory (the agent's own is never touched): ", name);
    return 0;
}

static void answer_call(long result)
{
    int error = result == -1 ? errno : 0;
    answer_start((uint64_t)result, error);
    answer_end();
}

static void do_munmap(const Request *r)
{
    if (!check_range(r, "munmap"))
        return;
    errno = 0;
    long result = munmap(P(r->v[0]), r->v[1]);
    if (result == 0)
        disown(r->v[0], r->v[0] + ((r->v[1] + page_size - 1) & ~(page_size - 1)));
    answer_call(result);
}

static void do_mremap(const Request *r)
{
    /* mremap OLD OLD_SIZE NEW_SIZE FLAGS NEW: the old range and a fixed new one must be owned. */
    const uint64_t *v = r->v;
    if (!check_range(r, "mremap"))
        return;
    if ((v[3] & MREMAP_FIXED) && !inside_owned(v[4], v[2])) {
        refuse("a fixed new address outside the scenario's memory: ", "mremap");
        return;
    }
    errno = 0;
    void *p = mremap(P(v[0]), v[1], v[2], (int)v[3], P(v[4]));
    int error = errno;
    uint64_t address = p == MAP_FAILED ? UINT64_MAX : (uint64_t)(uintptr_t)p;
    if (p != MAP_FAILED && !inside_owned(address, v[2]))
        own(address, address + ((v[2] + page_size - 1) & ~(page_size - 1)));
    answer_start(address, p == MAP_FAILED ? error : 0);
    answer_end();
}

static void do_mincore(const Request *r)
{
    /* mincore ADDR LEN: answers the result, then one number per page (the vector's bytes). */
    if (!check_range(r, "mincore"))
        return;
    uint64_t pages = (r->v[1] + page_size - 1) / page_size;
    if (pages > 4096) {
        refuse("mincore of more than 4096 pages: ", "mincore");
        return;
    }
    unsigned char vec[4096];
    errno = 0;
    long result = mincore(P(r->v[0]), r->v[1], vec);
    answer_start((uint64_t)result, result == -1 ? errno : 0);
    for (uint64_t i = 0; result == 0 && i < pages; i++)
        answer_more(vec[i] & 1);
    answer_end();
}

static void do_access(const Request *r, int write)
{
    if (!inside_owned(r->v[0], 1)) {
        refuse("an address outside the scenario's memory: ", write ? "write" : "read");
        return;
    }
    volatile uint8_t *p = P(r->v[0]);
    uint8_t value = 0;
    probe_signal = 0;
    if (sigsetjmp(probe_jump, 1) == 0) {
        probing = 1;
        if (write)
            *p = (uint8_t)r->v[1];
        else
            value = *p;
    }
    probing = 0;
    answer_start(write ? probe_signal : value, 0);
    answer_end();
    probe_signal = 0;
}

/* walk FROM TO: the /proc/self/maps lines that overlap the scenario's memory in [FROM, TO). */
static void do_walk(uint64_t from, uint64_t to)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    answer_start(0, maps ? 0 : errno);
    while (maps && fgets(line, sizeof line, maps)) {
        uint64_t start, end, offset;
        char perms[8];
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64, &start, &end, perms, &offset) != 4)
            continue;
        if (end <= from || start >= to || !inside_owned(start > from ? start : from, 1))
            continue;
        /* start, end, r, w, x, shared, offset */
        answer_more(start), answer_more(end);
        answer_more(perms[0] == 'r'), answer_more(perms[1] == 'w'), answer_more(perms[2] == 'x');
        answer_more(perms[3] == 's'), answer_more(offset);
    }
    if (maps)
        fclose(maps);
    answer_end();
}

static int dispatch(const Request *r)
{
    const char *n = r->name;
    const uint64_t *v = r->v;
#define IS(name, args) (strcmp(n, name) == 0 && r->count == (args))
    if (IS("hello", 0))
        do_hello();
    else if (IS("mmap", 6))
        do_mmap(r);
    else if (IS("munmap", 2))
        do_munmap(r);
    else if (IS("mprotect", 3)) {
        if (check_range(r, "mprotect"))
            answer_call(mprotect(P(v[0]), v[1], (int)v[2]));
    } else if (IS("madvise", 3)) {
        if (check_range(r, "madvise"))
            answer_call(madvise(P(v[0]), v[1], (int)v[2]));
    } else if (IS("msync", 3)) {
        if (check_range(r, "msync"))
            answer_call(msync(P(v[0]), v[1], (int)v[2]));
    } else if (IS("mremap", 5))
        do_mremap(r);
    else if (IS("mincore", 2))
        do_mincore(r);
    else if (IS("read", 1))
        do_access(r, 0);
    else if (IS("write", 2))
        do_access(r, 1);
    else if (IS("walk", 2))
        do_walk(v[0], v[1]);
    else if (IS("memfd_create", 2))
        answer_call(memfd_create(v[0] ? r->text : "", (unsigned)v[1]));
    else if (IS("ftruncate", 2))
        answer_call(v[0] > 2 ? ftruncate((int)v[0], (off_t)v[1]) : (errno = EBADF, -1));
    else if (IS("close", 1))
        answer_call(v[0] > 2 ? close((int)v[0]) : (errno = EBADF, -1));
    else if (IS("quit", 0))
        return 0;
    else
        refuse("not a call this agent knows (with that many arguments): ", n);
#undef IS
    return 1;
}

int main(void)
{
    page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    void *arena = mmap(NULL, ARENA_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
    if (arena == MAP_FAILED) {
        fprintf(stderr, "vadsim-agent-posix: cannot reserve its arena: %s\n", strerror(errno));
        return 2;
    }
    arena_start = (uint64_t)(uintptr_t)arena;
    arena_end = arena_start + ARENA_SIZE;
    own(arena_start, arena_end);
    install_handlers();
    char line[MAX_LINE];
    int got;
    while ((got = agent_read_line(line, sizeof line)) != 0) {
        Request r;
        if (got < 0) {
            refuse("request line too long", "");
            continue;
        }
        if (!parse(line, &r)) {
            refuse("malformed request: a call name, then hexadecimal arguments", "");
            continue;
        }
        if (!dispatch(&r))
            break;
    }
    return 0;
}
