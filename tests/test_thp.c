/*
 * test_thp.c - transparent huge pages for the Linux personality (thp.c, largepage.c's private
 * large pages): which store faults map a huge page as the machine's mode and the VMA's advice
 * say, smaps' AnonHugePages, the PMD leaf in the page walk, the fallback to 4 KB pages when no
 * run of frames is free, the splits that munmap, mprotect, MADV_DONTNEED and fork make, a whole
 * one re-protected by mprotect, the huge zero page a load maps (or, use_zero_page 0, a huge
 * page of its own), and MADV_COLLAPSE.
 *
 * Expectations are what Linux 6.18 did on this machine with enabled=madvise (and, for mode always,
 * what the mode's definition says); the invariant checker runs after every call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

#define HUGE (2ull << 20)

static int setup_mode(void **state, VsThpMode mode, uint64_t ram)
{
    return fixture_setup_config(state, &(VsSystemConfig){.arch = VS_ARCH_X64,
                                                         .personality = vs_linux_personality(),
                                                         .ram_bytes = ram,
                                                         .thp = mode});
}
static int setup_always(void **state) { return setup_mode(state, VS_THP_ALWAYS, 0); }
static int setup_never(void **state) { return setup_mode(state, VS_THP_NEVER, 0); }
static int setup_small(void **state) { return setup_mode(state, VS_THP_MADVISE, 2ull << 20); }
static int setup_no_zero_page(void **state)
{
    return fixture_setup_config(state, &(VsSystemConfig){.arch = VS_ARCH_X64,
                                                         .personality = vs_linux_personality(),
                                                         .thp = VS_THP_MADVISE,
                                                         .thp_no_zero_page = true});
}

static uint64_t huge_kb(Fixture *f, uint64_t address)
{
    VsSmaps s;
    assert_true(vs_vma_smaps(f->process, address, &s));
    return s.anon_huge_pages;
}

static uint64_t rss_kb(Fixture *f, uint64_t address)
{
    VsSmaps s;
    assert_true(vs_vma_smaps(f->process, address, &s));
    return s.rss;
}

/* 4 MB of private anonymous memory (placed on a 2 MB boundary), advised as asked. */
static uint64_t advised(Fixture *f, uint32_t advice)
{
    uint64_t p = map(f, 0, 2 * HUGE, RW, ANON);
    assert_int_equal(p % HUGE, 0);
    if (advice != UINT32_MAX)
        assert_int_equal(vs_madvise(f->thread, p, 2 * HUGE, advice), 0);
    CHECK_INVARIANTS(f);
    return p;
}

static void store(Fixture *f, uint64_t address, uint8_t value)
{
    assert_int_equal(vs_memory_write(f->thread, address, value), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
}

static uint8_t load(Fixture *f, uint64_t address)
{
    uint8_t value = 0xEE;
    assert_int_equal(vs_memory_read(f->thread, address, &value), STATUS_SUCCESS);
    return value;
}

/* One store in an advised range maps the whole 2 MB as one PMD leaf: AnonHugePages and Rss 2048,
 * every page of it resident and zero; the other 2 MB stays untouched. */
static void test_store_maps_huge_page(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p + 7 * PAGE, 0x42);
    assert_int_equal(huge_kb(f, p), 2048);
    assert_int_equal(rss_kb(f, p), 2048);
    VsPteWalk walk;
    vs_pte_walk(f->process, p + 300 * PAGE, &walk);
    assert_true(walk.large);
    assert_int_equal(walk.frame % 512, 300);
    assert_int_equal(load(f, p + 7 * PAGE), 0x42);
    assert_int_equal(load(f, p + 511 * PAGE), 0);
    uint8_t vec[1024];
    assert_int_equal(vs_mincore(f->thread, p, 2 * HUGE, vec, sizeof vec), 0);
    assert_int_equal(vec[0] + vec[511] + vec[512], 2);
    store(f, p + HUGE, 1); /* the second one */
    assert_int_equal(huge_kb(f, p), 4096);
}

/* Without MADV_HUGEPAGE (mode madvise) or with MADV_NOHUGEPAGE: 4 KB pages; a load, the huge zero
 * page, which AnonHugePages does not count. A VMA shorter than the aligned 2 MB around the fault
 * gets none either. */
static void test_not_eligible(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, UINT32_MAX);
    store(f, p, 1);
    assert_int_equal(huge_kb(f, p), 0);
    assert_int_equal(rss_kb(f, p), 4);
    uint64_t q = advised(f, VS_MADV_NOHUGEPAGE);
    store(f, q, 1);
    assert_int_equal(huge_kb(f, q), 0);
    uint64_t r = advised(f, VS_MADV_HUGEPAGE);
    assert_int_equal(load(f, r), 0); /* the huge zero page: nothing written, nothing counted */
    assert_int_equal(huge_kb(f, r), 0);
    uint64_t s = map(f, 0, HUGE - PAGE, RW, ANON);
    assert_int_equal(vs_madvise(f->thread, s, HUGE - PAGE, VS_MADV_HUGEPAGE), 0);
    store(f, s, 1);
    assert_int_equal(huge_kb(f, s), 0);
}

/* MADV_NOHUGEPAGE after the fault leaves the huge page it has (measured: 2048 still). */
static void test_nohugepage_keeps_existing(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p, 1);
    assert_int_equal(vs_madvise(f->thread, p, 2 * HUGE, VS_MADV_NOHUGEPAGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, p), 2048);
}

/* Mode always: no advice needed; MADV_NOHUGEPAGE still says no. Mode never: advice or not. */
static void test_mode_always(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, UINT32_MAX);
    store(f, p, 1);
    assert_int_equal(huge_kb(f, p), 2048);
    uint64_t q = advised(f, VS_MADV_NOHUGEPAGE);
    store(f, q, 1);
    assert_int_equal(huge_kb(f, q), 0);
}

static void test_mode_never(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p, 1);
    assert_int_equal(huge_kb(f, p), 0);
    assert_int_equal(rss_kb(f, p), 4);
}

/* munmap of one page inside a huge page splits it: the other 511 pages stay, with their bytes, as
 * 4 KB pages (measured: AnonHugePages 0, Rss 2044). Unmapping the rest frees every frame. */
static void test_munmap_splits(void **state)
{
    Fixture *f = *state;
    uint64_t free_before = vs_pfn_available(&f->system->pfn);
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p + 9 * PAGE, 9);
    assert_int_equal(vs_munmap(f->thread, p + 100 * PAGE, PAGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, p), 0);
    assert_int_equal(rss_kb(f, p), 100 * 4);
    assert_int_equal(rss_kb(f, p + 101 * PAGE), 411 * 4);
    assert_int_equal(load(f, p + 9 * PAGE), 9);
    assert_int_equal(vs_munmap(f->thread, p, 2 * HUGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_pfn_available(&f->system->pfn), free_before);
}

/* munmap of a whole huge page frees it whole, with no split. */
static void test_munmap_whole(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p + HUGE, 1);
    assert_int_equal(vs_munmap(f->thread, p + HUGE, HUGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(rss_kb(f, p), 0);
}

/* mprotect of one page splits (the VMA splits there): that page refuses a store, the others keep
 * theirs. */
static void test_mprotect_splits(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p, 3);
    assert_int_equal(vs_mprotect(f->thread, p + PAGE, PAGE, VS_PROT_READ), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, p), 0);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 1), STATUS_ACCESS_VIOLATION);
    store(f, p + 2 * PAGE, 2);
    assert_int_equal(load(f, p), 3);
}

/* mprotect of a whole huge page keeps it (measured: AnonHugePages 2048), read-only now: a store
 * is refused, a load is not; made writable again it takes stores. */
static void test_mprotect_whole_keeps(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p, 4);
    assert_int_equal(vs_mprotect(f->thread, p, HUGE, VS_PROT_READ), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, p), 2048);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(load(f, p), 4);
    assert_int_equal(vs_mprotect(f->thread, p, HUGE, RW), 0);
    CHECK_INVARIANTS(f);
    store(f, p + PAGE, 5);
    assert_int_equal(huge_kb(f, p), 2048);
}

/* MADV_DONTNEED of one page splits and drops it (measured: Rss 2044); of the rest, drops all. */
static void test_dontneed_splits(void **state)
{
    Fixture *f = *state;
    uint64_t q = advised(f, VS_MADV_HUGEPAGE);
    store(f, q, 5);
    assert_int_equal(vs_madvise(f->thread, q + PAGE, PAGE, VS_MADV_DONTNEED), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, q), 0);
    assert_int_equal(rss_kb(f, q), 2044);
    assert_int_equal(load(f, q), 5);
    assert_int_equal(vs_madvise(f->thread, q, HUGE, VS_MADV_DONTNEED), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(rss_kb(f, q), 0);
}

/* A fork shares the parent's pages 4 KB at a time here: its huge pages are split first, and both
 * processes read the bytes. */
static void test_fork_splits(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p + 5, 7);
    VsProcess *child = NULL;
    assert_true(vs_fork(f->thread, &child) > 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, p), 0);
    uint8_t value = 0;
    assert_int_equal(vs_memory_read(vs_process_main_thread(child), p + 5, &value), 0);
    assert_int_equal(value, 7);
}

/* 2 MB of RAM holds no free aligned run once page tables take frames: the fault maps 4 KB. */
static void test_no_run_falls_back(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p, 1);
    assert_int_equal(huge_kb(f, p), 0);
    assert_int_equal(rss_kb(f, p), 4);
}

/* A load in an advised, untouched range maps the huge zero page: one clean PMD, all 512 pages
 * resident, counted nowhere, in pagemap no page of the process's own; the VMA gets its anon_vma.
 * The first store, after MADV_NOHUGEPAGE too, makes it a huge page of the process's own. */
static void test_load_maps_huge_zero_page(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    assert_int_equal(load(f, p + 5 * PAGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(resident(f, p, 1024), 512);
    assert_int_equal(rss_kb(f, p), 0);
    assert_int_equal(huge_kb(f, p), 0);
    VsPteWalk walk;
    vs_pte_walk(f->process, p + 300 * PAGE, &walk);
    assert_true(walk.large);
    uint64_t entry = vs_pagemap_entry(f->process, p);
    assert_true(entry & VS_PAGEMAP_PRESENT);
    assert_true(entry & VS_PAGEMAP_FILE_SHARED);
    assert_false(entry & VS_PAGEMAP_EXCLUSIVE);
    VsVmaInfo v;
    assert_true(vs_vma_find(f->process, p, &v));
    assert_int_not_equal(v.anon_vma, 0);
    assert_int_equal(vs_madvise(f->thread, p, 2 * HUGE, VS_MADV_NOHUGEPAGE), 0);
    store(f, p + 100 * PAGE, 3);
    assert_int_equal(huge_kb(f, p), 2048);
    assert_int_equal(rss_kb(f, p), 2048);
    assert_int_equal(load(f, p + 100 * PAGE), 3);
    assert_int_equal(load(f, p + 5 * PAGE), 0);
}

/* A split leaves 512 zero pages of 4 KB, resident and counted nowhere; a store then gets one page.
 * MADV_FREE, COLD and PAGEOUT leave the huge zero page whole, cut or not; DONTNEED of part of it
 * splits it. */
static void test_huge_zero_page_splits(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    assert_int_equal(load(f, p), 0);
    assert_int_equal(vs_madvise(f->thread, p, 4 * PAGE, VS_MADV_FREE), 0);
    assert_int_equal(vs_madvise(f->thread, p + PAGE, PAGE, VS_MADV_COLD), 0);
    assert_int_equal(vs_madvise(f->thread, p, HUGE, VS_MADV_PAGEOUT), 0);
    CHECK_INVARIANTS(f);
    VsPteWalk walk;
    vs_pte_walk(f->process, p, &walk);
    assert_true(walk.large);
    assert_int_equal(vs_munmap(f->thread, p + 52 * PAGE, HUGE - 52 * PAGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(resident(f, p, 52), 52);
    assert_int_equal(rss_kb(f, p), 0);
    store(f, p + 9 * PAGE, 1);
    assert_int_equal(rss_kb(f, p), 4);
    assert_int_equal(huge_kb(f, p), 0);
    uint64_t q = advised(f, VS_MADV_HUGEPAGE);
    assert_int_equal(load(f, q), 0);
    assert_int_equal(vs_madvise(f->thread, q, 16 * PAGE, VS_MADV_DONTNEED), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(resident(f, q, 512), 496);
}

/* With use_zero_page 0 a load too maps a huge page of the process's own. */
static void test_no_zero_page(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    assert_int_equal(load(f, p), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, p), 2048);
    assert_int_equal(rss_kb(f, p), 2048);
}

/* MADV_COLLAPSE makes each aligned 2 MB range one huge page, advised or not, its bytes kept; a
 * range with no page table stops it (EINVAL), as does a VMA with no anon_vma yet or given
 * MADV_NOHUGEPAGE; THP disabled (thp=never) refuses it. */
static void test_collapse(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, UINT32_MAX);
    store(f, p + 9 * PAGE, 0x5A);
    assert_int_equal(vs_madvise(f->thread, p, HUGE, VS_MADV_COLLAPSE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, p), 2048);
    assert_int_equal(load(f, p + 9 * PAGE), 0x5A);
    assert_int_equal(load(f, p + 10 * PAGE), 0);
    ASSERT_FAILS(f, vs_madvise(f->thread, p, 2 * HUGE, VS_MADV_COLLAPSE), VS_EINVAL);
    assert_int_equal(huge_kb(f, p), 2048); /* the first was done; the second has no table */
    map(f, 0, PAGE, VS_PROT_READ, ANON);   /* keeps the next mapping from merging with p's */
    uint64_t q = advised(f, UINT32_MAX);
    assert_int_equal(load(f, q), 0); /* the zero page: no anon_vma */
    ASSERT_FAILS(f, vs_madvise(f->thread, q, HUGE, VS_MADV_COLLAPSE), VS_EINVAL);
    uint64_t r = advised(f, VS_MADV_NOHUGEPAGE);
    store(f, r, 1);
    ASSERT_FAILS(f, vs_madvise(f->thread, r, HUGE, VS_MADV_COLLAPSE), VS_EINVAL);
}

static void test_collapse_never(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, UINT32_MAX);
    store(f, p, 1);
    ASSERT_FAILS(f, vs_madvise(f->thread, p, HUGE, VS_MADV_COLLAPSE), VS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_store_maps_huge_page),
        LINUX(test_not_eligible),
        LINUX(test_nohugepage_keeps_existing),
        cmocka_unit_test_setup_teardown(test_mode_always, setup_always, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_mode_never, setup_never, fixture_teardown),
        LINUX(test_munmap_splits),
        LINUX(test_munmap_whole),
        LINUX(test_mprotect_splits),
        LINUX(test_dontneed_splits),
        LINUX(test_mprotect_whole_keeps),
        LINUX(test_fork_splits),
        cmocka_unit_test_setup_teardown(test_no_run_falls_back, setup_small, fixture_teardown),
        LINUX(test_load_maps_huge_zero_page),
        LINUX(test_huge_zero_page_splits),
        cmocka_unit_test_setup_teardown(test_no_zero_page, setup_no_zero_page, fixture_teardown),
        LINUX(test_collapse),
        cmocka_unit_test_setup_teardown(test_collapse_never, setup_never, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
