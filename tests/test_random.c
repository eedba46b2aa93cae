/*
 * test_random.c - 100,000 random Win32 calls checked against a deliberately simple reference model.
 *
 * What it proves: over long random sequences that fragment the x86 address space, the model answers
 * every VirtualAlloc, VirtualFree, VirtualProtect and VirtualQuery exactly as a second, independent
 * implementation of the same rules does, and its structures (VAD tree, page tables, commit charge,
 * page frames) pass vs_check after every call.
 *
 * The reference is a flat array with one entry per 4 KB page of user space (512K pages): the page's
 * allocation (first and last page), its state (free, reserved, committed), its protection and the
 * allocation's protection. Each rule is applied to that array by brute force, with no tree and no
 * page tables: reservations round the base down to 64 KB and the end up to a page; a NULL base
 * takes the first fit on 64 KB boundaries bottom-up (top-down with MEM_TOP_DOWN); commits lie
 * inside one allocation and recommits take the new protection; VirtualFree's size-0 and
 * MEM_RELEASE rules; VirtualProtect needs every page committed and returns the first page's old
 * protection; a VirtualQuery region is the longest run of equal state and protection inside one
 * allocation. The error for each misuse is the one the model documents (allocvm.c, freevm.c,
 * protectvm.c, queryvm.c, win32.c), written here as the Win32 error a program would see.
 *
 * Each call goes to both. The return value and the thread's last error must agree (a call that
 * succeeds must leave the last error as it was), and so must VirtualProtect's old protection and
 * every field of VirtualQuery's MEMORY_BASIC_INFORMATION. Every 1000 calls a VirtualQuery walk of
 * the whole user space, the commit charge and the VAD count are compared as well.
 *
 * Reproducing a failure: the first mismatch prints the seed, the call number, the call and both
 * answers. VS_RANDOM_SEED=<seed> (decimal or 0x-hex) replays the same calls, VS_RANDOM_CALLS=<n>
 * stops after call n (default 100000), and VS_RANDOM_TRACE=1 prints each call as it is made:
 *   VS_RANDOM_SEED=<seed> VS_RANDOM_CALLS=<call> VS_RANDOM_TRACE=1 build/tests/test-random
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

/* ---- The x86 layout, written out here rather than read from the model ----------------------- */

#define PAGE 4096ull
#define GRANULE_PAGES 16ull         /* 64 KB */
#define LOWEST_PAGE 0x10ull         /* 0x00010000: the first 64 KB is never allocatable */
#define HIGHEST_VAD_PAGE 0x7FFDFull /* 0x7FFDFFFF: the last allocatable page */
#define HIGHEST_USER 0x7FFEFFFFull  /* the last byte of user space */
#define USER_PAGES 0x7FFF0ull       /* pages 0 .. 0x7FFEF */
#define KUSER_PAGE 0x7FFE0ull       /* KUSER_SHARED_DATA: one read-only page */
#define MBI_SIZE 28u                /* sizeof(MEMORY_BASIC_INFORMATION) in a 32-bit process */

#define DEFAULT_SEED 20261123ull
#define DEFAULT_CALLS 100000L
#define LIVE_CAP 2000   /* live allocations; at the cap a reservation turns into a release */
#define WALK_EVERY 1000 /* calls between whole-address-space comparisons */

/* ---- The reference model --------------------------------------------------------------------- */

enum { FREE, RESERVED, COMMITTED };

typedef struct RefPage {
    uint32_t first, last; /* the allocation's first and last page; 0, 0 when free */
    uint8_t state;
    uint16_t protect;       /* PAGE_* of a committed page; 0 otherwise */
    uint16_t alloc_protect; /* PAGE_* the allocation was reserved with */
} RefPage;

typedef struct Ref {
    RefPage *pages;  /* USER_PAGES entries */
    uint32_t *bases; /* first page of every live allocation but KUSER_SHARED_DATA, unordered */
    size_t live;
} Ref;

static uint64_t granule_down(uint64_t page) { return page & ~(GRANULE_PAGES - 1); }
static uint64_t granule_up(uint64_t page) { return granule_down(page + GRANULE_PAGES - 1); }

/*
 * A protection Windows accepts at all: exactly one base protection, at most one of PAGE_GUARD,
 * PAGE_NOCACHE and PAGE_WRITECOMBINE, no modifier on PAGE_NOACCESS, no other bits.
 */
static bool protect_valid(uint32_t protect)
{
    uint32_t base = protect & 0xFF, modifier = protect & ~0xFFu;
    if (base == 0 || (base & (base - 1)) != 0)
        return false;
    if (modifier != 0 && modifier != PAGE_GUARD && modifier != PAGE_NOCACHE &&
        modifier != PAGE_WRITECOMBINE)
        return false;
    return !(base == PAGE_NOACCESS && modifier != 0);
}

/* Copy-on-write is a valid protection, but not for private memory. */
static bool copy_on_write(uint32_t protect)
{
    uint32_t base = protect & 0xFF;
    return base == PAGE_WRITECOPY || base == PAGE_EXECUTE_WRITECOPY;
}

static bool all_free(const Ref *ref, uint64_t first, uint64_t last)
{
    for (uint64_t p = first; p <= last; p++)
        if (ref->pages[p].state != FREE)
            return false;
    return true;
}

static void add_allocation(Ref *ref, uint64_t first, uint64_t last, bool commit, uint32_t protect)
{
    for (uint64_t p = first; p <= last; p++)
        ref->pages[p] = (RefPage){.first = (uint32_t)first,
                                  .last = (uint32_t)last,
                                  .state = commit ? COMMITTED : RESERVED,
                                  .protect = (uint16_t)(commit ? protect : 0),
                                  .alloc_protect = (uint16_t)protect};
    ref->bases[ref->live++] = (uint32_t)first;
}

static void remove_allocation(Ref *ref, uint64_t first)
{
    uint64_t last = ref->pages[first].last;
    for (uint64_t p = first; p <= last; p++)
        ref->pages[p] = (RefPage){0};
    for (size_t i = 0; i < ref->live; i++)
        if (ref->bases[i] == first) {
            ref->bases[i] = ref->bases[--ref->live];
            return;
        }
}

/*
 * The lowest 64 KB-aligned start of pages free, allocatable pages. A candidate that meets an
 * allocation jumps to the first granule after it: every start up to the page met would include
 * that page, and every start inside the allocation is taken.
 */
static bool find_bottom_up(const Ref *ref, uint64_t pages, uint64_t *first)
{
    for (uint64_t start = LOWEST_PAGE; start + pages - 1 <= HIGHEST_VAD_PAGE;) {
        uint64_t p = start;
        while (p < start + pages && ref->pages[p].state == FREE)
            p++;
        if (p == start + pages) {
            *first = start;
            return true;
        }
        start = granule_up((uint64_t)ref->pages[p].last + 1);
    }
    return false;
}

/* The highest such start: scan each candidate from its top, and on meeting an allocation retry
 * with the highest candidate that ends below it. */
static bool find_top_down(const Ref *ref, uint64_t pages, uint64_t *first)
{
    if (pages > HIGHEST_VAD_PAGE + 1 - LOWEST_PAGE)
        return false;
    uint64_t start = granule_down(HIGHEST_VAD_PAGE + 1 - pages);
    for (;;) {
        uint64_t p = start + pages;
        while (p > start && ref->pages[p - 1].state == FREE)
            p--;
        if (p == start) {
            *first = start;
            return true;
        }
        uint64_t below = ref->pages[p - 1].first;
        if (below < LOWEST_PAGE + pages)
            return false;
        start = granule_down(below - pages);
    }
}

/* Reserves (and with MEM_COMMIT commits) a new allocation. */
static uint32_t ref_reserve(Ref *ref, uint64_t address, uint64_t size, uint32_t type,
                            uint32_t protect, uint64_t *result)
{
    uint64_t first, last;
    if (address == 0) {
        uint64_t pages = (size + PAGE - 1) / PAGE;
        bool found = (type & MEM_TOP_DOWN) ? find_top_down(ref, pages, &first)
                                           : find_bottom_up(ref, pages, &first);
        if (!found)
            return ERROR_NOT_ENOUGH_MEMORY; /* STATUS_NO_MEMORY */
        last = first + pages - 1;
    } else {
        first = granule_down(address / PAGE);
        last = (address + size - 1) / PAGE;
        if (first < LOWEST_PAGE)
            return ERROR_INVALID_PARAMETER; /* the first 64 KB, refused as Wine does */
        if (!all_free(ref, first, last))
            return ERROR_INVALID_ADDRESS; /* STATUS_CONFLICTING_ADDRESSES */
    }
    add_allocation(ref, first, last, (type & MEM_COMMIT) != 0, protect);
    *result = first * PAGE;
    return ERROR_SUCCESS;
}

/* Commits pages of one existing allocation; committed ones take the new protection. The address
 * checks already keep the range below KUSER_SHARED_DATA. */
static uint32_t ref_commit(Ref *ref, uint64_t address, uint64_t size, uint32_t protect,
                           uint64_t *result)
{
    uint64_t first = address / PAGE, last = (address + size - 1) / PAGE;
    const RefPage *at = &ref->pages[first];
    if (at->state == FREE || last > at->last)
        return ERROR_INVALID_ADDRESS; /* STATUS_CONFLICTING_ADDRESSES */
    for (uint64_t p = first; p <= last; p++) {
        ref->pages[p].state = COMMITTED;
        ref->pages[p].protect = (uint16_t)protect;
    }
    *result = first * PAGE;
    return ERROR_SUCCESS;
}

/* VirtualAlloc: ERROR_SUCCESS with the base in *result, or the Win32 error. */
static uint32_t ref_alloc(Ref *ref, uint64_t address, uint64_t size, uint32_t type,
                          uint32_t protect, uint64_t *result)
{
    uint64_t top = HIGHEST_VAD_PAGE * PAGE + PAGE - 1;
    if ((type & ~(MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN)) || !(type & (MEM_COMMIT | MEM_RESERVE)))
        return ERROR_INVALID_PARAMETER;
    if (!protect_valid(protect) || copy_on_write(protect))
        return ERROR_INVALID_PARAMETER; /* STATUS_INVALID_PAGE_PROTECTION */
    if (address > top || size == 0 || size > top - address + 1)
        return ERROR_INVALID_PARAMETER;
    /* A NULL base always reserves, even for MEM_COMMIT alone. */
    if (address == 0 || (type & MEM_RESERVE))
        return ref_reserve(ref, address, size, type, protect, result);
    return ref_commit(ref, address, size, protect, result);
}

/* VirtualFree: ERROR_SUCCESS or the Win32 error. */
static uint32_t ref_free(Ref *ref, uint64_t address, uint64_t size, uint32_t type)
{
    if (type == MEM_RELEASE && size != 0)
        return ERROR_INVALID_PARAMETER; /* kernelbase's own check, before the kernel */
    if (type != MEM_RELEASE && type != MEM_DECOMMIT)
        return ERROR_INVALID_PARAMETER;
    if (address > HIGHEST_USER || size > HIGHEST_USER - address + 1)
        return ERROR_INVALID_PARAMETER;
    uint64_t first = address / PAGE, last;
    const RefPage at = ref->pages[first];
    if (at.state == FREE)
        return ERROR_INVALID_ADDRESS; /* STATUS_MEMORY_NOT_ALLOCATED */
    if (at.first == KUSER_PAGE)
        return ERROR_INVALID_PARAMETER; /* secured: STATUS_INVALID_PAGE_PROTECTION */
    if (size == 0) {
        if (first != at.first)
            return ERROR_INVALID_ADDRESS; /* STATUS_FREE_VM_NOT_AT_BASE */
        last = at.last;
    } else {
        last = (address + size - 1) / PAGE;
        if (last > at.last)
            return ERROR_INVALID_PARAMETER; /* STATUS_UNABLE_TO_FREE_VM */
    }
    if (type == MEM_RELEASE) {
        remove_allocation(ref, first); /* size 0 at the base: the whole allocation */
        return ERROR_SUCCESS;
    }
    for (uint64_t p = first; p <= last; p++) {
        ref->pages[p].state = RESERVED;
        ref->pages[p].protect = 0;
    }
    return ERROR_SUCCESS;
}

/* VirtualProtect: ERROR_SUCCESS with the first page's old protection in *old, or the error; a
 * failure past the argument checks leaves PAGE_NOACCESS in *old. */
static uint32_t ref_protect(Ref *ref, uint64_t address, uint64_t size, uint32_t protect,
                            uint32_t *old)
{
    if (!protect_valid(protect))
        return ERROR_INVALID_PARAMETER;
    if (address > HIGHEST_USER || size == 0 || size > HIGHEST_USER - address + 1)
        return ERROR_INVALID_PARAMETER;
    *old = PAGE_NOACCESS;
    uint64_t first = address / PAGE, last = (address + size - 1) / PAGE;
    const RefPage *at = &ref->pages[first];
    if (at->state == FREE || last > at->last)
        return ERROR_INVALID_ADDRESS; /* STATUS_CONFLICTING_ADDRESSES */
    if (at->first == KUSER_PAGE || copy_on_write(protect))
        return ERROR_INVALID_PARAMETER; /* STATUS_INVALID_PAGE_PROTECTION */
    for (uint64_t p = first; p <= last; p++)
        if (ref->pages[p].state != COMMITTED)
            return ERROR_INVALID_ADDRESS; /* STATUS_NOT_COMMITTED */
    *old = at->protect;
    for (uint64_t p = first; p <= last; p++)
        ref->pages[p].protect = (uint16_t)protect;
    return ERROR_SUCCESS;
}

/* VirtualQuery: ERROR_SUCCESS with the region in *mbi, or the error. */
static uint32_t ref_query(const Ref *ref, uint64_t address, uint64_t length,
                          VsMemoryBasicInformation *mbi)
{
    if (length < MBI_SIZE)
        return ERROR_BAD_LENGTH; /* STATUS_INFO_LENGTH_MISMATCH */
    if (address > HIGHEST_USER)
        return ERROR_INVALID_PARAMETER;
    uint64_t first = address / PAGE, p = first;
    const RefPage at = ref->pages[first];
    if (at.state == FREE) {
        while (p < USER_PAGES && ref->pages[p].state == FREE)
            p++;
        *mbi = (VsMemoryBasicInformation){.BaseAddress = first * PAGE,
                                          .RegionSize = (p - first) * PAGE,
                                          .State = MEM_FREE,
                                          .Protect = PAGE_NOACCESS};
        return ERROR_SUCCESS;
    }
    while (p <= at.last && ref->pages[p].state == at.state && ref->pages[p].protect == at.protect)
        p++;
    *mbi = (VsMemoryBasicInformation){.BaseAddress = first * PAGE,
                                      .AllocationBase = (uint64_t)at.first * PAGE,
                                      .AllocationProtect = at.alloc_protect,
                                      .RegionSize = (p - first) * PAGE,
                                      .State = at.state == COMMITTED ? MEM_COMMIT : MEM_RESERVE,
                                      .Protect = at.protect,
                                      .Type = MEM_PRIVATE};
    return ERROR_SUCCESS;
}

/* Committed private pages; KUSER_SHARED_DATA charges no commit. */
static uint64_t ref_commit_charge(const Ref *ref)
{
    uint64_t pages = 0;
    for (uint64_t p = 0; p < USER_PAGES; p++)
        pages += ref->pages[p].state == COMMITTED && ref->pages[p].first != KUSER_PAGE;
    return pages;
}

/* ---- One run: the model, the reference, the generator ---------------------------------------- */

typedef enum CallKind { CALL_ALLOC, CALL_FREE, CALL_PROTECT, CALL_QUERY, CALL_KINDS } CallKind;

static const char *const call_names[CALL_KINDS] = {"VirtualAlloc", "VirtualFree", "VirtualProtect",
                                                   "VirtualQuery"};

typedef struct Run {
    Fixture *f;
    Ref ref;
    TestRng rng;
    uint64_t seed;
    long call;      /* the call being made, from 1; 0 before the first */
    bool trace;     /* VS_RANDOM_TRACE: print each call */
    bool walking;   /* in a whole-space comparison: not traced or counted */
    char what[160]; /* the current call, for messages */
    CallKind kind;
    uint64_t made[CALL_KINDS], succeeded[CALL_KINDS];
} Run;

/* What one side answered. Success leaves error at the marker the caller set before the call. */
typedef struct Answer {
    uint64_t value;               /* the return value: base address, BOOL, or bytes written */
    uint32_t error;               /* the thread's last error afterwards */
    uint32_t old;                 /* VirtualProtect's old protection (0 unless the call wrote it) */
    VsMemoryBasicInformation mbi; /* VirtualQuery's record (zero unless it succeeded) */
} Answer;

static uint64_t pick(Run *run, uint64_t n) { return rng_below(&run->rng, n); }
static bool one_in(Run *run, uint64_t n) { return pick(run, n) == 0; }

/* A last error no call sets, different for each call, so a stale one cannot pass for it. */
static uint32_t marker(const Run *run) { return 0xA5000000u | (uint32_t)(run->call & 0xFFFFFF); }

/* ---- Reporting ------------------------------------------------------------------------------- */

static void print_answer(const Run *run, const char *who, const Answer *a)
{
    fprintf(stderr, "  %-9s returned 0x%" PRIx64 ", last error %" PRIu32, who, a->value, a->error);
    if (run->kind == CALL_PROTECT)
        fprintf(stderr, ", old protection 0x%" PRIx32, a->old);
    fprintf(stderr, "\n");
    if (run->kind == CALL_QUERY)
        fprintf(stderr,
                "            Base 0x%" PRIx64 " AllocationBase 0x%" PRIx64
                " AllocationProtect 0x%" PRIx32 " RegionSize 0x%" PRIx64 " State 0x%" PRIx32
                " Protect 0x%" PRIx32 " Type 0x%" PRIx32 "\n",
                a->mbi.BaseAddress, a->mbi.AllocationBase, a->mbi.AllocationProtect,
                a->mbi.RegionSize, a->mbi.State, a->mbi.Protect, a->mbi.Type);
}

static void print_context(const Run *run, const char *problem)
{
    fprintf(stderr,
            "random Win32 test: %s\n  seed %" PRIu64 ", call %ld: %s\n"
            "  reproduce: VS_RANDOM_SEED=%" PRIu64 " VS_RANDOM_CALLS=%ld VS_RANDOM_TRACE=1 "
            "test-random\n",
            problem, run->seed, run->call, run->what, run->seed, run->call);
}

static bool same_answer(const Answer *m, const Answer *r)
{
    return m->value == r->value && m->error == r->error && m->old == r->old &&
           m->mbi.BaseAddress == r->mbi.BaseAddress &&
           m->mbi.AllocationBase == r->mbi.AllocationBase &&
           m->mbi.AllocationProtect == r->mbi.AllocationProtect &&
           m->mbi.RegionSize == r->mbi.RegionSize && m->mbi.State == r->mbi.State &&
           m->mbi.Protect == r->mbi.Protect && m->mbi.Type == r->mbi.Type;
}

/* Fails the test, saying what both sides answered, unless they agree. */
static void compare(Run *run, const Answer *model, const Answer *ref)
{
    if (same_answer(model, ref))
        return;
    print_context(run, "the model and the reference disagree");
    print_answer(run, "model:", model);
    print_answer(run, "reference:", ref);
    fail();
}

static void compare_count(Run *run, const char *what, uint64_t model, uint64_t ref)
{
    if (model == ref)
        return;
    print_context(run, what);
    fprintf(stderr, "  model %" PRIu64 ", reference %" PRIu64 "\n", model, ref);
    fail();
}

/* CHECK_INVARIANTS, with the seed and the call that broke them in the message. */
static void check_invariants(Run *run)
{
    char why[512];
    if (vs_check(run->f->system, why, sizeof why))
        return;
    print_context(run, "invariant broken after the call");
    fprintf(stderr, "  %s\n", why);
    fail();
}

/* ---- Making a call on both sides ------------------------------------------------------------- */

static void begin(Run *run, CallKind kind)
{
    run->kind = kind;
    run->made[kind] += !run->walking;
    if (run->trace && !run->walking)
        fprintf(stderr, "%ld: %s\n", run->call, run->what);
    VsSetLastError(run->f->thread, marker(run));
}

/* Fills the reference's answer from its error (ERROR_SUCCESS: value) and compares. */
static void finish(Run *run, const Answer *model, Answer *ref, uint32_t ref_error, uint64_t value)
{
    ref->value = ref_error == ERROR_SUCCESS ? value : 0;
    ref->error = ref_error == ERROR_SUCCESS ? marker(run) : ref_error;
    run->succeeded[run->kind] += ref_error == ERROR_SUCCESS && !run->walking;
    compare(run, model, ref);
}

static void call_alloc(Run *run, uint64_t address, uint64_t size, uint32_t type, uint32_t protect)
{
    snprintf(run->what, sizeof run->what,
             "VirtualAlloc(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx32 ", 0x%" PRIx32 ")", address,
             size, type, protect);
    begin(run, CALL_ALLOC);
    Answer model = {0}, ref = {0};
    model.value = VsVirtualAlloc(run->f->thread, address, size, type, protect);
    model.error = VsGetLastError(run->f->thread);
    uint64_t base = 0;
    uint32_t error = ref_alloc(&run->ref, address, size, type, protect, &base);
    finish(run, &model, &ref, error, base);
}

static void call_free(Run *run, uint64_t address, uint64_t size, uint32_t type)
{
    snprintf(run->what, sizeof run->what,
             "VirtualFree(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx32 ")", address, size, type);
    begin(run, CALL_FREE);
    Answer model = {0}, ref = {0};
    model.value = VsVirtualFree(run->f->thread, address, size, type);
    model.error = VsGetLastError(run->f->thread);
    finish(run, &model, &ref, ref_free(&run->ref, address, size, type), 1);
}

static void call_protect(Run *run, uint64_t address, uint64_t size, uint32_t protect)
{
    snprintf(run->what, sizeof run->what,
             "VirtualProtect(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx32 ")", address, size, protect);
    begin(run, CALL_PROTECT);
    Answer model = {0}, ref = {0};
    model.value = VsVirtualProtect(run->f->thread, address, size, protect, &model.old);
    model.error = VsGetLastError(run->f->thread);
    finish(run, &model, &ref, ref_protect(&run->ref, address, size, protect, &ref.old), 1);
}

/* Queries both sides; returns the reference's region (zero-sized if the query fails). */
static uint64_t call_query(Run *run, uint64_t address, uint64_t length)
{
    snprintf(run->what, sizeof run->what, "VirtualQuery(0x%" PRIx64 ", length %" PRIu64 ")",
             address, length);
    begin(run, CALL_QUERY);
    Answer model = {0}, ref = {0};
    model.value = VsVirtualQuery(run->f->thread, address, &model.mbi, length);
    model.error = VsGetLastError(run->f->thread);
    finish(run, &model, &ref, ref_query(&run->ref, address, length, &ref.mbi), MBI_SIZE);
    return ref.mbi.RegionSize;
}

/* ---- Random arguments ------------------------------------------------------------------------ */

/* Mostly valid protections, with modifiers now and then; one call in 16 gets a refused one. */
static uint32_t random_protect(Run *run)
{
    static const uint32_t bases[] = {PAGE_NOACCESS, PAGE_READONLY,     PAGE_READWRITE,
                                     PAGE_EXECUTE,  PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE};
    static const uint32_t modifiers[] = {PAGE_GUARD, PAGE_NOCACHE, PAGE_WRITECOMBINE};
    static const uint32_t refused[] = {
        PAGE_WRITECOPY,
        PAGE_EXECUTE_WRITECOPY,
        0,
        PAGE_READONLY | PAGE_READWRITE,
        PAGE_READWRITE | PAGE_EXECUTE,
        PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE,
        PAGE_GUARD,
        PAGE_READONLY | 0x800,
        PAGE_READWRITE | 0x10000,
    };
    if (one_in(run, 16))
        return refused[pick(run, sizeof refused / sizeof refused[0])];
    uint32_t protect = bases[pick(run, sizeof bases / sizeof bases[0])];
    if (one_in(run, 6))
        protect |= modifiers[pick(run, sizeof modifiers / sizeof modifiers[0])];
    return protect; /* PAGE_NOACCESS with a modifier is refused too */
}

/* Sizes from a byte to a few MB, mostly a few pages; rarely 0 or far too big. */
static uint64_t random_size(Run *run)
{
    uint64_t roll = pick(run, 256);
    if (roll < 8)
        return 0;
    if (roll < 9)
        return MB(256) + pick(run, GB(2));
    if (roll < 40)
        return 1 + pick(run, MB(4));
    if (roll < 90) {
        uint64_t granules = 1 + pick(run, 4); /* one draw per statement: a fixed order */
        return KB(64) * granules - (one_in(run, 2) ? 0 : pick(run, PAGE));
    }
    return 1 + pick(run, KB(48));
}

/*
 * An address in, at the edges of, or next to a live allocation. (Each statement draws at most one
 * random number: C leaves the order of two draws in one expression open, and replays need one.)
 */
static uint64_t address_near_allocation(Run *run)
{
    const Ref *ref = &run->ref;
    uint64_t first = ref->bases[pick(run, ref->live)];
    uint64_t base = first * PAGE, end = ((uint64_t)ref->pages[first].last + 1) * PAGE;
    uint64_t choice = pick(run, 6), offset = pick(run, PAGE);
    switch (choice) {
    case 0: return base;
    case 1:
    case 2: return base + pick(run, end - base + KB(16)); /* inside, or just past the end */
    case 3: return end - PAGE + offset; /* the last page: ranges run into what follows */
    case 4: return base - PAGE * (1 + pick(run, 4)) + offset; /* just below: ranges run into it */
    default:
        return granule_up(end / PAGE) * PAGE + (one_in(run, 2) ? offset : 0); /* next granule */
    }
}

/* Addresses for every call: mostly about live allocations, sometimes the edges of user space. */
static uint64_t random_address(Run *run)
{
    uint64_t roll = pick(run, 32);
    if (roll < 20 && run->ref.live)
        return address_near_allocation(run);
    switch (roll) {
    case 20: return 0;
    case 21: return pick(run, 0x20000); /* the first 64 KB, and just above */
    case 22:
    case 23: return 0x7FFE0000 + pick(run, KB(64));                  /* KUSER_SHARED_DATA */
    case 24: return HIGHEST_USER + 1 - KB(256) + pick(run, KB(320)); /* the top, and past it */
    case 25: return pick(run, 0x100000000ull);
    default: return 0x10000 + pick(run, MB(64)); /* the low, fragmented part */
    }
}

/* ---- The call mix ---------------------------------------------------------------------------- */

/* MEM_RELEASE, size 0, at the base of a live allocation: what keeps reservations in balance. */
static void release_one(Run *run)
{
    uint64_t first = run->ref.bases[pick(run, run->ref.live)];
    call_free(run, first * PAGE, 0, MEM_RELEASE);
}

static void random_alloc(Run *run)
{
    static const uint32_t types[] = {
        MEM_RESERVE,
        MEM_RESERVE,
        MEM_RESERVE | MEM_COMMIT,
        MEM_RESERVE | MEM_TOP_DOWN,
        MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
        MEM_COMMIT,
        MEM_COMMIT,
        MEM_COMMIT,
        MEM_COMMIT | MEM_TOP_DOWN,
    };
    static const uint32_t refused[] = {
        0, MEM_DECOMMIT, MEM_RELEASE, MEM_TOP_DOWN, MEM_FREE, MEM_RESERVE | MEM_RELEASE};
    uint32_t type = one_in(run, 32) ? refused[pick(run, sizeof refused / sizeof refused[0])]
                                    : types[pick(run, sizeof types / sizeof types[0])];
    /* Reservations mostly let the system choose; commits mostly name an allocation. */
    bool reserves = (type & MEM_RESERVE) != 0;
    bool fixed = reserves ? one_in(run, 3) : !one_in(run, 16);
    uint64_t address = fixed ? random_address(run) : 0;
    if ((address == 0 || reserves) && run->ref.live >= LIVE_CAP) {
        release_one(run);
        return;
    }
    uint64_t size = random_size(run);
    call_alloc(run, address, size, type, random_protect(run));
}

static void random_free(Run *run)
{
    /* The fuller the address space, the likelier a clean release. */
    if (run->ref.live && pick(run, LIVE_CAP) < run->ref.live) {
        release_one(run);
        return;
    }
    static const uint32_t types[] = {MEM_RELEASE, MEM_DECOMMIT, MEM_DECOMMIT};
    static const uint32_t refused[] = {0, MEM_RELEASE | MEM_DECOMMIT, MEM_FREE, MEM_COMMIT};
    uint32_t type = one_in(run, 16) ? refused[pick(run, sizeof refused / sizeof refused[0])]
                                    : types[pick(run, sizeof types / sizeof types[0])];
    uint64_t size = one_in(run, 2) ? 0 : random_size(run);
    call_free(run, random_address(run), size, type);
}

static void random_protect_call(Run *run)
{
    uint64_t size = one_in(run, 16) ? 0 : one_in(run, 4) ? random_size(run) : 1 + pick(run, KB(40));
    uint64_t address = random_address(run);
    call_protect(run, address, size, random_protect(run));
}

static void random_query(Run *run)
{
    uint64_t address = one_in(run, 4) ? pick(run, HIGHEST_USER + 1) : random_address(run);
    uint64_t length = one_in(run, 64) ? pick(run, MBI_SIZE) : sizeof(VsMemoryBasicInformation);
    call_query(run, address, length);
}

static void random_call(Run *run)
{
    uint64_t roll = pick(run, 100);
    if (roll < 30)
        random_alloc(run);
    else if (roll < 55)
        random_free(run);
    else if (roll < 75)
        random_protect_call(run);
    else
        random_query(run);
}

/* The whole of user space region by region, then the commit charge and the VAD count. */
static void compare_everything(Run *run)
{
    uint64_t address = 0;
    run->walking = true;
    while (address <= HIGHEST_USER)
        address += call_query(run, address, sizeof(VsMemoryBasicInformation));
    run->walking = false;
    snprintf(run->what, sizeof run->what, "whole-space comparison after call %ld", run->call);
    VsProcessCounters counters;
    vs_process_counters(run->f->process, &counters);
    compare_count(run, "commit charge (pages) differs", counters.commit_charge,
                  ref_commit_charge(&run->ref));
    /* The Win32 calls never split an allocation: one VAD each, plus KUSER_SHARED_DATA's. */
    compare_count(run, "VAD count differs", counters.vad_count, run->ref.live + 1);
}

/* ---- The test -------------------------------------------------------------------------------- */

/* splitmix64: spreads a small seed over the whole xorshift state (which must not be 0). */
static uint64_t scramble(uint64_t seed)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return z ? z : 1;
}

static void print_summary(const Run *run)
{
    VsProcessCounters counters;
    vs_process_counters(run->f->process, &counters);
    fprintf(stderr, "seed %" PRIu64 ", %ld calls:", run->seed, run->call);
    for (int k = 0; k < CALL_KINDS; k++)
        fprintf(stderr, " %s %" PRIu64 " (%" PRIu64 " ok)", call_names[k], run->made[k],
                run->succeeded[k]);
    fprintf(stderr,
            "\n  finally %zu allocations, %" PRIu64 " page tables, %" PRIu64 " pages committed\n",
            run->ref.live, counters.page_table_pages, counters.commit_charge);
}

static void test_random_win32_calls(void **state)
{
    Run *run = *state;
    const char *seed_env = getenv("VS_RANDOM_SEED"), *calls_env = getenv("VS_RANDOM_CALLS");
    const char *trace_env = getenv("VS_RANDOM_TRACE");
    run->seed = seed_env ? strtoull(seed_env, NULL, 0) : DEFAULT_SEED;
    run->rng.state = scramble(run->seed);
    run->trace = trace_env && *trace_env && *trace_env != '0';
    long calls = calls_env ? strtol(calls_env, NULL, 0) : DEFAULT_CALLS;

    compare_everything(run);
    for (run->call = 1; run->call <= calls; run->call++) {
        random_call(run);
        check_invariants(run);
        if (run->call % WALK_EVERY == 0)
            compare_everything(run);
    }
    run->call = calls;
    compare_everything(run);
    print_summary(run);
}

/* A fresh x86 process and a reference that knows only KUSER_SHARED_DATA. The page file is larger
 * than the whole 2 GB user space, so the commit limit (which the reference does not model) is
 * never what stops a call. */
static int run_setup(void **state)
{
    Run *run = calloc(1, sizeof *run);
    void *fixture = NULL;
    VsSystemConfig config = {.arch = VS_ARCH_X86, .pagefile_bytes = 4ull << 30};
    if (!run || fixture_setup_config(&fixture, &config) != 0) {
        free(run);
        return -1;
    }
    run->f = fixture;
    run->ref.pages = calloc(USER_PAGES, sizeof(RefPage));
    run->ref.bases = calloc(USER_PAGES / GRANULE_PAGES, sizeof(uint32_t));
    if (!run->ref.pages || !run->ref.bases)
        return -1;
    /* Its first page committed read-only, the rest reserved; it is no allocation of ours. */
    add_allocation(&run->ref, KUSER_PAGE, KUSER_PAGE, false, PAGE_READONLY);
    run->ref.live = 0;
    run->ref.pages[KUSER_PAGE].state = COMMITTED;
    run->ref.pages[KUSER_PAGE].protect = PAGE_READONLY;
    *state = run;
    return 0;
}

static int run_teardown(void **state)
{
    Run *run = *state;
    void *fixture = run->f;
    int rc = fixture_teardown(&fixture);
    free(run->ref.pages);
    free(run->ref.bases);
    free(run);
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_win32_calls, run_setup, run_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
