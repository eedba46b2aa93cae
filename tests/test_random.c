/*
 * test_random.c - 100,000 random Win32 calls against a deliberately simple reference model.
 *
 * The reference is a flat array with one entry per page of x86 user space (512K pages), saying which
 * allocation the page belongs to (its first and last page), whether it is free, reserved or
 * committed, and its protection. Every rule is written again here by brute force over that array,
 * with no tree and no page tables, straight from the Win32 contract: reservations round their base
 * down to 64 KB and their end up to a page, first fit bottom-up or top-down on 64 KB boundaries,
 * commits inside one allocation, VirtualFree's size-0 and MEM_RELEASE rules, VirtualProtect's
 * committed-pages rule and old protection, and VirtualQuery's maximal runs within one allocation.
 *
 * Each call goes to both; the return value, the last error on failure and every
 * MEMORY_BASIC_INFORMATION field must agree, and the model's invariant checker runs after every call.
 * Memory accesses (one byte at a page's start) are in the mix too: the exception each raises (access
 * violation, guard page) and the byte read must agree, so demand-zero faults, guard pages consumed,
 * and data kept across re-protection and lost on decommit are all checked.
 * Every 1000 calls a VirtualQuery walk of the whole user space and the commit charge are compared.
 *
 * Reproduce a failure with the seed it prints: VS_RANDOM_SEED=<seed> build/tests/test-random.
 * VS_RANDOM_CALLS overrides the number of calls.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

/* ---- x86 layout as the reference knows it ---------------------------------------------------- */

#define PAGE 4096ull
#define LOWEST_PAGE 0x10ull           /* 0x10000 */
#define HIGHEST_VAD_PAGE 0x7FFDFull   /* 0x7FFDFFFF */
#define HIGHEST_USER 0x7FFEFFFFull
#define USER_PAGES 0x7FFF0ull         /* pages 0 .. 0x7FFEF */
#define KUSER_PAGE 0x7FFE0ull

enum { FREE, RESERVED, COMMITTED };

typedef struct RefPage {
    uint32_t first, last; /* the allocation's pages, inclusive (0, 0 when free) */
    uint8_t state;
    uint16_t protect;       /* when committed */
    uint16_t alloc_protect; /* the allocation's protection */
    uint8_t data;           /* the byte at offset 0 of a committed page (0 until written) */
} RefPage;

typedef struct Ref {
    RefPage *pages;
    uint32_t *bases; /* first page of each live allocation, KUSER_SHARED_DATA excluded */
    size_t live;
    uint32_t last_error;
} Ref;

/* ---- Reference rules -------------------------------------------------------------------------- */

/* A protection Windows accepts at all: one base protection, at most one modifier, none on
 * PAGE_NOACCESS. Copy-on-write is structurally valid; private memory refuses it separately. */
static bool ref_protect_valid(uint32_t protect)
{
    uint32_t base = protect & 0xFF, modifiers = protect & 0x700;
    if (protect & ~0x7FFu)
        return false;
    if (base == 0 || (base & (base - 1)))
        return false;
    if (modifiers & (modifiers - 1))
        return false;
    return !(base == PAGE_NOACCESS && modifiers);
}

static bool ref_copy_on_write(uint32_t protect)
{
    return (protect & 0xFF) == PAGE_WRITECOPY || (protect & 0xFF) == PAGE_EXECUTE_WRITECOPY;
}

static bool ref_fail(Ref *ref, uint32_t error)
{
    ref->last_error = error;
    return false;
}

static bool ref_range_free(const Ref *ref, uint64_t first, uint64_t last)
{
    for (uint64_t p = first; p <= last; p++)
        if (ref->pages[p].state != FREE)
            return false;
    return true;
}

static void ref_make_allocation(Ref *ref, uint64_t first, uint64_t last, bool commit,
                                uint32_t protect)
{
    for (uint64_t p = first; p <= last; p++)
        ref->pages[p] = (RefPage){.first = (uint32_t)first, .last = (uint32_t)last,
                                  .state = commit ? COMMITTED : RESERVED,
                                  .protect = (uint16_t)(commit ? protect : 0),
                                  .alloc_protect = (uint16_t)protect};
    ref->bases[ref->live++] = (uint32_t)first;
}

/* First fit on 64 KB boundaries, jumping over each allocation met; false when nothing fits. */
static bool ref_find_bottom_up(const Ref *ref, uint64_t pages, uint64_t *first)
{
    for (uint64_t start = LOWEST_PAGE; start + pages - 1 <= HIGHEST_VAD_PAGE;) {
        uint64_t p = start;
        while (p < start + pages && ref->pages[p].state == FREE)
            p++;
        if (p == start + pages) {
            *first = start;
            return true;
        }
        start = ((uint64_t)ref->pages[p].last + 16) & ~15ull; /* the granule after it */
    }
    return false;
}

static bool ref_find_top_down(const Ref *ref, uint64_t pages, uint64_t *first)
{
    if (pages > HIGHEST_VAD_PAGE + 1 - LOWEST_PAGE)
        return false;
    for (uint64_t start = (HIGHEST_VAD_PAGE + 1 - pages) & ~15ull; start >= LOWEST_PAGE;) {
        uint64_t p = start + pages;
        while (p > start && ref->pages[p - 1].state == FREE)
            p--;
        if (p == start) {
            *first = start;
            return true;
        }
        uint64_t below = ref->pages[p - 1].first; /* highest start below that allocation */
        if (below < pages)
            return false;
        start = (below - pages) & ~15ull;
    }
    return false;
}

static uint64_t ref_virtual_alloc(Ref *ref, uint64_t address, uint64_t size, uint32_t type,
                                  uint32_t protect)
{
    if ((type & ~(MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN)) || !(type & (MEM_COMMIT | MEM_RESERVE)))
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    if (!ref_protect_valid(protect) || ref_copy_on_write(protect))
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    if (address > HIGHEST_VAD_PAGE * PAGE + PAGE - 1)
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    if (size == 0 || size > HIGHEST_VAD_PAGE * PAGE + PAGE - address)
        return ref_fail(ref, ERROR_INVALID_PARAMETER);

    if (address == 0 || (type & MEM_RESERVE)) {
        uint64_t first, last;
        if (address == 0) {
            uint64_t pages = (size + PAGE - 1) / PAGE;
            bool found = (type & MEM_TOP_DOWN) ? ref_find_top_down(ref, pages, &first)
                                               : ref_find_bottom_up(ref, pages, &first);
            if (!found)
                return ref_fail(ref, ERROR_NOT_ENOUGH_MEMORY);
            last = first + pages - 1;
        } else {
            first = (address & ~0xFFFFull) / PAGE;
            last = (address + size - 1) / PAGE;
            if (first < LOWEST_PAGE)
                return ref_fail(ref, ERROR_INVALID_PARAMETER);
            if (!ref_range_free(ref, first, last))
                return ref_fail(ref, ERROR_INVALID_ADDRESS);
        }
        ref_make_allocation(ref, first, last, (type & MEM_COMMIT) != 0, protect);
        return first * PAGE;
    }
    /* Commit: every touched page inside one allocation, not KUSER_SHARED_DATA. */
    uint64_t first = address / PAGE, last = (address + size - 1) / PAGE;
    const RefPage *at = &ref->pages[first];
    if (at->state == FREE || last > at->last || at->first == KUSER_PAGE)
        return ref_fail(ref, ERROR_INVALID_ADDRESS);
    for (uint64_t p = first; p <= last; p++) {
        if (ref->pages[p].state != COMMITTED)
            ref->pages[p].data = 0; /* a newly committed page reads as zeros */
        ref->pages[p].state = COMMITTED;
        ref->pages[p].protect = (uint16_t)protect;
    }
    return first * PAGE;
}

static void ref_forget_base(Ref *ref, uint32_t first)
{
    for (size_t i = 0; i < ref->live; i++)
        if (ref->bases[i] == first) {
            ref->bases[i] = ref->bases[--ref->live];
            return;
        }
}

static bool ref_virtual_free(Ref *ref, uint64_t address, uint64_t size, uint32_t type)
{
    if (type == MEM_RELEASE && size != 0)
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    if (type != MEM_RELEASE && type != MEM_DECOMMIT)
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    if (address > HIGHEST_USER || size > HIGHEST_USER - address + 1)
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    uint64_t first = address / PAGE, last;
    const RefPage at = ref->pages[first];
    if (at.state == FREE)
        return ref_fail(ref, ERROR_INVALID_ADDRESS);
    if (at.first == KUSER_PAGE)
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    if (size == 0) {
        if (first != at.first)
            return ref_fail(ref, ERROR_INVALID_ADDRESS);
        last = at.last;
    } else {
        last = (address + size - 1) / PAGE;
        if (last > at.last)
            return ref_fail(ref, ERROR_INVALID_PARAMETER);
    }
    if (type == MEM_RELEASE)
        ref_forget_base(ref, at.first);
    for (uint64_t p = first; p <= last; p++) {
        if (type == MEM_RELEASE)
            ref->pages[p] = (RefPage){0};
        else
            ref->pages[p].state = RESERVED, ref->pages[p].protect = 0;
    }
    return true;
}

static bool ref_virtual_protect(Ref *ref, uint64_t address, uint64_t size, uint32_t protect,
                                uint32_t *old)
{
    if (!ref_protect_valid(protect))
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    if (address > HIGHEST_USER || size == 0 || size > HIGHEST_USER - address + 1)
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    uint64_t first = address / PAGE, last = (address + size - 1) / PAGE;
    const RefPage *at = &ref->pages[first];
    if (at->state == FREE || last > at->last)
        return ref_fail(ref, ERROR_INVALID_ADDRESS);
    if (at->first == KUSER_PAGE || ref_copy_on_write(protect))
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    for (uint64_t p = first; p <= last; p++)
        if (ref->pages[p].state != COMMITTED)
            return ref_fail(ref, ERROR_INVALID_ADDRESS);
    *old = at->protect;
    for (uint64_t p = first; p <= last; p++)
        ref->pages[p].protect = (uint16_t)protect;
    return true;
}

static bool ref_virtual_query(Ref *ref, uint64_t address, VsMemoryBasicInformation *mbi)
{
    if (address > HIGHEST_USER)
        return ref_fail(ref, ERROR_INVALID_PARAMETER);
    uint64_t first = address / PAGE, p = first;
    const RefPage at = ref->pages[first];
    if (at.state == FREE) {
        while (p < USER_PAGES && ref->pages[p].state == FREE)
            p++;
        *mbi = (VsMemoryBasicInformation){.BaseAddress = first * PAGE,
                                          .RegionSize = (p - first) * PAGE,
                                          .State = MEM_FREE, .Protect = PAGE_NOACCESS};
        return true;
    }
    while (p <= at.last && ref->pages[p].state == at.state && ref->pages[p].protect == at.protect)
        p++;
    *mbi = (VsMemoryBasicInformation){
        .BaseAddress = first * PAGE, .AllocationBase = (uint64_t)at.first * PAGE,
        .AllocationProtect = at.alloc_protect, .RegionSize = (p - first) * PAGE,
        .State = at.state == COMMITTED ? MEM_COMMIT : MEM_RESERVE,
        .Protect = at.state == COMMITTED ? at.protect : 0, .Type = MEM_PRIVATE};
    return true;
}

/* A one-byte access at a page's offset 0: the rules of MmAccessFault and MiAccessCheck. */
static uint32_t ref_access(Ref *ref, uint64_t address, bool write, uint8_t *value)
{
    if (address > HIGHEST_USER)
        return STATUS_ACCESS_VIOLATION;
    RefPage *page = &ref->pages[address / PAGE];
    if (page->state != COMMITTED)
        return STATUS_ACCESS_VIOLATION;
    uint32_t base = page->protect & 0xFF;
    if (page->protect & PAGE_GUARD) {
        page->protect &= (uint16_t)~PAGE_GUARD;
        return STATUS_GUARD_PAGE_VIOLATION;
    }
    bool writable = base == PAGE_READWRITE || base == PAGE_EXECUTE_READWRITE;
    if (base == PAGE_NOACCESS || (write && (!writable || page->first == KUSER_PAGE)))
        return STATUS_ACCESS_VIOLATION;
    if (write)
        page->data = *value;
    else
        *value = page->data;
    return STATUS_SUCCESS;
}

static uint64_t ref_commit_charge(const Ref *ref)
{
    uint64_t pages = 0;
    for (uint64_t p = 0; p < USER_PAGES; p++)
        pages += ref->pages[p].state == COMMITTED && ref->pages[p].first != KUSER_PAGE;
    return pages;
}

/* ---- Random calls ----------------------------------------------------------------------------- */

static uint64_t seed;
static TestRng rng;

static const uint32_t protections[] = {
    PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE, PAGE_EXECUTE_READ,
    PAGE_EXECUTE_READWRITE, PAGE_READWRITE | PAGE_GUARD, PAGE_READONLY | PAGE_NOCACHE,
    PAGE_EXECUTE_READ | PAGE_WRITECOMBINE, PAGE_READWRITE, PAGE_READWRITE, PAGE_READONLY,
    /* refused: */
    PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY, 0, PAGE_READONLY | PAGE_READWRITE,
    PAGE_NOACCESS | PAGE_GUARD, PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE, 0x800,
};

static uint32_t random_protect(void)
{
    size_t valid = 12, all = sizeof protections / sizeof protections[0];
    return protections[rng_below(&rng, 16) ? rng_below(&rng, valid) : rng_below(&rng, all)];
}

/* Sizes from a byte to a few MB, mostly a few pages. */
static uint64_t random_size(void)
{
    switch (rng_below(&rng, 8)) {
    case 0:
        return 0;
    case 1:
        return 1 + rng_below(&rng, MB(4));
    case 2:
        return KB(64) * (1 + rng_below(&rng, 4));
    default:
        return 1 + rng_below(&rng, KB(48));
    }
}

/* Addresses: mostly in or next to live allocations, sometimes anywhere, sometimes at the edges. */
static uint64_t random_address(const Ref *ref)
{
    uint64_t choice = rng_below(&rng, 20);
    if (choice < 12 && ref->live) {
        uint64_t base = (uint64_t)ref->bases[rng_below(&rng, ref->live)] * PAGE;
        return choice < 5 ? base : base + rng_below(&rng, KB(96)) - (rng_below(&rng, 4) == 0 ? KB(8) : 0);
    }
    switch (choice) {
    case 12:
        return 0;
    case 13:
        return 0x7FFE0000 + rng_below(&rng, KB(64));
    case 14:
        return HIGHEST_USER + 1 - rng_below(&rng, KB(256));
    case 15:
        return rng_below(&rng, 0x100000000ull);
    default:
        return 0x10000 + rng_below(&rng, MB(64));
    }
}

/* ---- Comparing ---------------------------------------------------------------------------------- */

typedef struct Run {
    Fixture *f;
    Ref ref;
    long call;
    char what[160];
} Run;

static void mismatch(Run *run, const char *field, uint64_t model, uint64_t reference)
{
    fprintf(stderr,
            "seed %" PRIu64 ", call %ld: %s\n  %s: model 0x%" PRIx64 ", reference 0x%" PRIx64
            "\n  reproduce: VS_RANDOM_SEED=%" PRIu64 " test-random\n",
            seed, run->call, run->what, field, model, reference, seed);
    fail();
}

#define SAME(run, field, model, reference)                                                         \
    do {                                                                                           \
        uint64_t m_ = (model), r_ = (reference);                                                   \
        if (m_ != r_)                                                                              \
            mismatch((run), (field), m_, r_);                                                      \
    } while (0)

static void same_result(Run *run, uint64_t model, uint64_t reference)
{
    SAME(run, "result", model, reference);
    if (!reference)
        SAME(run, "last error", VsGetLastError(run->f->thread), run->ref.last_error);
}

static void same_mbi(Run *run, const VsMemoryBasicInformation *m, const VsMemoryBasicInformation *r)
{
    SAME(run, "BaseAddress", m->BaseAddress, r->BaseAddress);
    SAME(run, "AllocationBase", m->AllocationBase, r->AllocationBase);
    SAME(run, "AllocationProtect", m->AllocationProtect, r->AllocationProtect);
    SAME(run, "RegionSize", m->RegionSize, r->RegionSize);
    SAME(run, "State", m->State, r->State);
    SAME(run, "Protect", m->Protect, r->Protect);
    SAME(run, "Type", m->Type, r->Type);
}

static void do_alloc(Run *run)
{
    uint64_t address = rng_below(&rng, 3) ? 0 : random_address(&run->ref), size = random_size();
    static const uint32_t types[] = {MEM_RESERVE, MEM_RESERVE, MEM_RESERVE | MEM_COMMIT,
                                     MEM_RESERVE | MEM_TOP_DOWN, MEM_COMMIT,
                                     MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN, MEM_DECOMMIT, 0};
    uint32_t type = types[rng_below(&rng, rng_below(&rng, 10) ? 6 : 8)];
    if (type == MEM_COMMIT && address == 0)
        address = random_address(&run->ref);
    uint32_t protect = random_protect();
    snprintf(run->what, sizeof run->what, "VirtualAlloc(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%x, 0x%x)",
             address, size, type, protect);
    uint64_t model = VsVirtualAlloc(run->f->thread, address, size, type, protect);
    same_result(run, model, ref_virtual_alloc(&run->ref, address, size, type, protect));
}

static void do_free(Run *run)
{
    uint64_t address = random_address(&run->ref);
    uint64_t size = rng_below(&rng, 2) ? 0 : random_size();
    static const uint32_t types[] = {MEM_RELEASE, MEM_RELEASE, MEM_DECOMMIT, MEM_DECOMMIT,
                                     MEM_RELEASE | MEM_DECOMMIT, 0};
    uint32_t type = types[rng_below(&rng, rng_below(&rng, 10) ? 4 : 6)];
    snprintf(run->what, sizeof run->what, "VirtualFree(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%x)",
             address, size, type);
    bool model = VsVirtualFree(run->f->thread, address, size, type);
    same_result(run, model, ref_virtual_free(&run->ref, address, size, type));
}

static void do_protect(Run *run)
{
    uint64_t address = random_address(&run->ref), size = rng_below(&rng, 10) ? 1 + rng_below(&rng, KB(40)) : 0;
    uint32_t protect = random_protect(), model_old = 0xAAAA, ref_old = 0xAAAA;
    snprintf(run->what, sizeof run->what, "VirtualProtect(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%x)",
             address, size, protect);
    bool model = VsVirtualProtect(run->f->thread, address, size, protect, &model_old);
    bool ref = ref_virtual_protect(&run->ref, address, size, protect, &ref_old);
    same_result(run, model, ref);
    if (ref)
        SAME(run, "old protection", model_old, ref_old);
}

static void do_query(Run *run, uint64_t address)
{
    VsMemoryBasicInformation m = {0}, r = {0};
    snprintf(run->what, sizeof run->what, "VirtualQuery(0x%" PRIx64 ")", address);
    uint64_t model = VsVirtualQuery(run->f->thread, address, &m, sizeof m);
    bool ref = ref_virtual_query(&run->ref, address, &r);
    same_result(run, model != 0, ref);
    if (ref)
        same_mbi(run, &m, &r);
}

/* The whole address space, region by region, and the commit charge. */
static void compare_everything(Run *run)
{
    for (uint64_t address = 0; address <= HIGHEST_USER;) {
        do_query(run, address);
        VsMemoryBasicInformation r;
        ref_virtual_query(&run->ref, address, &r);
        address += r.RegionSize;
    }
    snprintf(run->what, sizeof run->what, "commit charge after call %ld", run->call);
    SAME(run, "commit charge (pages)", commit_charge(run->f), ref_commit_charge(&run->ref));
}

static void do_access(Run *run)
{
    uint64_t address = random_address(&run->ref) & ~(PAGE - 1); /* offset 0, as the reference */
    bool write = rng_below(&rng, 2);
    uint8_t model_value = (uint8_t)rng_below(&rng, 256), ref_value = model_value;
    snprintf(run->what, sizeof run->what, "%s(0x%" PRIx64 ")", write ? "write" : "read", address);
    uint32_t model = write ? vs_memory_write(run->f->thread, address, model_value)
                           : vs_memory_read(run->f->thread, address, &model_value);
    uint32_t ref = ref_access(&run->ref, address, write, &ref_value);
    SAME(run, "exception", model, ref);
    if (ref == STATUS_SUCCESS && !write)
        SAME(run, "byte read", model_value, ref_value);
}

static void random_call(Run *run)
{
    uint64_t choice = rng_below(&rng, 100);
    bool crowded = run->ref.live > 2000;
    if (choice < (crowded ? 15u : 35u))
        do_alloc(run);
    else if (choice < 55)
        do_free(run);
    else if (choice < 70)
        do_protect(run);
    else if (choice < 85)
        do_access(run);
    else
        do_query(run, random_address(&run->ref));
}

static void test_random_win32_calls(void **state)
{
    Run run = {.f = *state};
    run.ref.pages = calloc(USER_PAGES, sizeof(RefPage));
    run.ref.bases = calloc(USER_PAGES / 16 + 1, sizeof(uint32_t));
    assert_non_null(run.ref.pages);
    assert_non_null(run.ref.bases);
    /* KUSER_SHARED_DATA: its first page committed read-only, the rest reserved. */
    ref_make_allocation(&run.ref, KUSER_PAGE, KUSER_PAGE + 15, false, PAGE_READONLY);
    run.ref.live = 0;
    run.ref.pages[KUSER_PAGE].state = COMMITTED;
    run.ref.pages[KUSER_PAGE].protect = PAGE_READONLY;

    const char *seed_env = getenv("VS_RANDOM_SEED"), *calls_env = getenv("VS_RANDOM_CALLS");
    seed = seed_env ? strtoull(seed_env, NULL, 0) : 20261123;
    rng.state = seed ? seed : 1;
    long calls = calls_env ? strtol(calls_env, NULL, 10) : 100000;
    compare_everything(&run);
    for (run.call = 1; run.call <= calls; run.call++) {
        random_call(&run);
        if (getenv("VS_RANDOM_TRACE"))
            fprintf(stderr, "%ld: %s\n", run.call, run.what);
        CHECK_INVARIANTS(run.f);
        if (run.call % 1000 == 0)
            compare_everything(&run);
    }
    compare_everything(&run);
    VsProcessCounters counters;
    vs_process_counters(run.f->process, &counters);
    fprintf(stderr, "after %ld calls: %" PRIu64 " VADs, %" PRIu64 " page-table pages, %" PRIu64
                    " pages committed\n",
            calls, counters.vad_count, counters.page_table_pages, counters.commit_charge);
    free(run.ref.pages);
    free(run.ref.bases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_win32_calls, fixture_setup_x86,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
