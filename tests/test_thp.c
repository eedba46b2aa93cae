/*
 * test_thp.c - transparent huge pages for the Linux personality (thp.c, largepage.c's private
 * large pages): which store faults map a huge page as the machine's mode and the VMA's advice
 * say, smaps' AnonHugePages, the PMD leaf in the page walk, the fallback to 4 KB pages when no
 * run of frames is free, the splits that munmap, mprotect and MADV_DONTNEED make, a whole
 * one re-protected by mprotect, the huge zero page a load maps (or, use_zero_page 0, a huge
 * page of its own), MADV_COLLAPSE, and a huge page across fork: shared whole by both PMDs, split
 * by a store for the writer alone or reused whole, moved whole by mremap.
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

/* A huge page mprotect made PROT_NONE whole, then split (a later mprotect or munmap of part of
 * it): its pages stay, none of them mapped by a valid PTE (they are inaccessible), and made
 * readable again they hold what was stored; the huge zero page's hold zeros. */
static void test_protnone_whole_then_split(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p + 3 * PAGE, 7);
    assert_int_equal(load(f, p + HUGE), 0); /* the huge zero page in the second 2 MB */
    assert_int_equal(vs_mprotect(f->thread, p, 2 * HUGE, VS_PROT_NONE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_mprotect(f->thread, p + 100 * PAGE, 8 * PAGE, VS_PROT_READ), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_munmap(f->thread, p + HUGE + 10 * PAGE, PAGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, p), 0);
    assert_int_equal(vs_mprotect(f->thread, p, HUGE + 10 * PAGE, VS_PROT_READ), 0);
    assert_int_equal(vs_mprotect(f->thread, p + HUGE + 11 * PAGE, HUGE - 11 * PAGE, VS_PROT_READ),
                     0);
    CHECK_INVARIANTS(f);
    assert_int_equal(load(f, p + 3 * PAGE), 7);
    assert_int_equal(load(f, p + HUGE + 11 * PAGE), 0);
}

/* MADV_FREE that cuts a written huge page mprotect made PROT_NONE splits it (split_folio): its
 * pages stay in transition, those holding only zeros clean now, and made readable again they hold
 * what was stored. */
static void test_protnone_split_for_advice(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p + 0x56000, 7);
    assert_int_equal(vs_mprotect(f->thread, p, HUGE, VS_PROT_NONE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_madvise(f->thread, p + 0xB7000, 0x222000, VS_MADV_FREE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_mprotect(f->thread, p, HUGE, VS_PROT_READ), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(load(f, p + 0x56000), 7);
    assert_int_equal(load(f, p + 0x57000), 0);
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

/* ---- Across fork (copy_huge_pmd, do_huge_pmd_wp_page): measured on 6.18 ------------------- */

static VsSmaps smaps_of(VsProcess *process, uint64_t address)
{
    VsSmaps s;
    assert_true(vs_vma_smaps(process, address, &s));
    return s;
}

/* A store or a load in another process, the invariants after it. */
static void store_in(Fixture *f, VsProcess *process, uint64_t address, uint8_t value)
{
    assert_int_equal(vs_memory_write(vs_process_main_thread(process), address, value),
                     STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
}

static uint8_t load_in(VsProcess *process, uint64_t address)
{
    uint8_t value = 0xEE;
    assert_int_equal(vs_memory_read(vs_process_main_thread(process), address, &value),
                     STATUS_SUCCESS);
    return value;
}

static VsProcess *fork_of(Fixture *f, VsProcess *parent)
{
    VsProcess *child = NULL;
    assert_true(vs_fork(vs_process_main_thread(parent), &child) > 0);
    CHECK_INVARIANTS(f);
    return child;
}

static uint64_t frame_of(VsProcess *process, uint64_t address)
{
    return vs_pagemap_entry(process, address) & VS_PAGEMAP_PFN_MASK;
}

/* A written huge page at p (its first byte 1), which a fork has shared with *child. */
static uint64_t forked_huge_page(Fixture *f, VsProcess **child)
{
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p, 1);
    *child = fork_of(f, f->process);
    return p;
}

/* A written huge page stays whole in both processes after fork: one huge page, two PMDs, each
 * AnonHugePages 2048 and Pss half; both read what the parent wrote; pagemap shows the same
 * frames, mapped by more than one. */
static void test_fork_shares_huge_page(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p + 5, 7);
    VsProcess *child = fork_of(f, f->process);
    for (int i = 0; i < 2; i++) {
        VsSmaps s = smaps_of(i ? child : f->process, p);
        assert_int_equal(s.anon_huge_pages, 2048);
        assert_int_equal(s.rss, 2048);
        assert_int_equal(s.pss, 1024);
    }
    assert_int_equal(load_in(child, p + 5), 7);
    assert_int_equal(frame_of(child, p + 100 * PAGE), frame_of(f->process, p + 100 * PAGE));
    assert_false(vs_pagemap_entry(child, p) & VS_PAGEMAP_EXCLUSIVE);
}

/* A store splits the writer's PMD alone and copies the one page it writes; the other process
 * keeps its PMD, and the bytes it had, until it stores too. */
static void test_store_splits_own_pmd(void **state)
{
    Fixture *f = *state;
    VsProcess *child;
    uint64_t p = forked_huge_page(f, &child);
    store_in(f, child, p + 3 * PAGE, 9);
    assert_int_equal(smaps_of(child, p).anon_huge_pages, 0);
    assert_int_equal(smaps_of(child, p).rss, 2048);
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 2048);
    assert_int_equal(load(f, p + 3 * PAGE), 0);
    assert_int_equal(load_in(child, p + 3 * PAGE), 9);
    assert_int_equal(frame_of(child, p + 4 * PAGE), frame_of(f->process, p + 4 * PAGE));
    store(f, p + 4 * PAGE, 4);
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 0);
    assert_int_equal(load_in(child, p + 4 * PAGE), 0);
    assert_int_equal(load(f, p + 4 * PAGE), 4);
    assert_int_equal(load(f, p), 1);
}

/* Once the other process has unmapped it, a store reuses the huge page whole: nothing is copied
 * (the same frames), and it is the writer's own again (Pss all of it). */
static void test_store_alone_reuses_whole(void **state)
{
    Fixture *f = *state;
    VsProcess *child;
    uint64_t p = forked_huge_page(f, &child);
    uint64_t frame = frame_of(f->process, p);
    assert_int_equal(vs_munmap(vs_process_main_thread(child), p, 2 * HUGE), 0);
    CHECK_INVARIANTS(f);
    store(f, p + PAGE, 2);
    VsSmaps s = smaps_of(f->process, p);
    assert_int_equal(s.anon_huge_pages, 2048);
    assert_int_equal(s.pss, 2048);
    assert_int_equal(frame_of(f->process, p), frame);
    assert_true(vs_pagemap_entry(f->process, p) & VS_PAGEMAP_EXCLUSIVE);
    assert_int_equal(load(f, p), 1);
}

/* The huge zero page is mapped in both after fork (all 512 pages resident, counted nowhere, the
 * same frames); a store in either gets a huge page of its own. */
static void test_huge_zero_page_across_fork(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    assert_int_equal(load(f, p), 0);
    VsProcess *child = fork_of(f, f->process);
    uint8_t vec[512], all[512];
    memset(all, 1, sizeof all);
    assert_int_equal(vs_mincore(vs_process_main_thread(child), p, HUGE, vec, 512), 0);
    assert_memory_equal(vec, all, sizeof all);
    assert_int_equal(frame_of(child, p + 9 * PAGE), frame_of(f->process, p + 9 * PAGE));
    store_in(f, child, p + PAGE, 3);
    assert_int_equal(smaps_of(child, p).anon_huge_pages, 2048);
    assert_int_equal(smaps_of(f->process, p).rss, 0);
    assert_int_equal(resident(f, p, 512), 512);
    assert_int_equal(load(f, p + PAGE), 0);
}

/* A forked VMA still gets huge pages where a 2 MB range holds nothing: one never touched, or one
 * whose shared huge page the process dropped whole (MADV_DONTNEED). */
static void test_forked_vma_gets_huge_pages(void **state)
{
    Fixture *f = *state;
    VsProcess *child;
    uint64_t p = forked_huge_page(f, &child);
    store_in(f, child, p + HUGE, 2);
    assert_int_equal(smaps_of(child, p).anon_huge_pages, 4096);
    assert_int_equal(vs_madvise(vs_process_main_thread(child), p, HUGE, VS_MADV_DONTNEED), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(smaps_of(child, p).anon_huge_pages, 2048);
    store_in(f, child, p + 9 * PAGE, 5);
    assert_int_equal(smaps_of(child, p).anon_huge_pages, 4096);
    assert_int_equal(load_in(child, p), 0);
    assert_int_equal(load(f, p), 1);
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 2048);
}

/* munmap of part of it splits that process's PMD alone. */
static void test_partial_munmap_splits_own(void **state)
{
    Fixture *f = *state;
    VsProcess *child;
    uint64_t p = forked_huge_page(f, &child);
    assert_int_equal(vs_munmap(vs_process_main_thread(child), p + HUGE / 2, HUGE / 2), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(smaps_of(child, p).rss, 1024);
    assert_int_equal(smaps_of(child, p).anon_huge_pages, 0);
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 2048);
    store(f, p, 6); /* the child still maps half of it: the parent's PMD splits */
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 0);
    assert_int_equal(load_in(child, p), 1);
}

/* mprotect of all of it keeps each PMD, write-protected while shared; FREE, COLD and PAGEOUT
 * leave a huge page another process maps alone, whole or cut. */
static void test_protect_and_advice_keep_shared(void **state)
{
    Fixture *f = *state;
    VsProcess *child;
    uint64_t p = forked_huge_page(f, &child);
    assert_int_equal(vs_mprotect(f->thread, p, HUGE, VS_PROT_READ), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_mprotect(f->thread, p, HUGE, RW), 0);
    CHECK_INVARIANTS(f);
    uint32_t advice[] = {VS_MADV_FREE, VS_MADV_COLD, VS_MADV_PAGEOUT};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(vs_madvise(f->thread, p, HUGE, advice[i]), 0);
        assert_int_equal(vs_madvise(f->thread, p + PAGE, PAGE, advice[i]), 0);
        CHECK_INVARIANTS(f);
    }
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 2048);
    store(f, p + PAGE, 2);
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 0);
    assert_int_equal(smaps_of(child, p).anon_huge_pages, 2048);
    assert_int_equal(load_in(child, p + PAGE), 0);
}

/* A shared huge page the child made PROT_NONE whole, then split by a one-page munmap: the child's
 * pages lead to the fork section (no valid PTE maps them), the parent's PMD stays whole; made
 * readable again, the child reads what the parent wrote, and the parent's store copies. */
static void test_shared_protnone_split(void **state)
{
    Fixture *f = *state;
    VsProcess *child;
    uint64_t p = forked_huge_page(f, &child);
    VsThread *thread = vs_process_main_thread(child);
    assert_int_equal(vs_mprotect(thread, p, HUGE, VS_PROT_NONE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_munmap(thread, p + 16 * PAGE, PAGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 2048);
    assert_int_equal(vs_mprotect(thread, p, 16 * PAGE, VS_PROT_READ), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(load_in(child, p), 1);
    store(f, p + PAGE, 2);
    assert_int_equal(load_in(child, p + PAGE), 0);
}

/* mremap moves a shared huge page's PMD whole to a 2 MB-aligned place: still the same frames,
 * still shared with the other process. */
static void test_mremap_moves_shared_whole(void **state)
{
    Fixture *f = *state;
    VsProcess *child;
    uint64_t p = forked_huge_page(f, &child);
    uint64_t to = map(f, 0, 4 * HUGE, RW, ANON);
    uint64_t target = (to + HUGE - 1) & ~(HUGE - 1);
    VsThread *thread = vs_process_main_thread(child);
    uint64_t moved = vs_mremap(thread, p, HUGE, HUGE, VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, target);
    assert_int_equal(moved, target);
    CHECK_INVARIANTS(f);
    assert_int_equal(smaps_of(child, target).anon_huge_pages, 2048);
    assert_int_equal(frame_of(child, target + 7 * PAGE), frame_of(f->process, p + 7 * PAGE));
    assert_int_equal(load_in(child, target), 1);
    store_in(f, child, target, 8);
    assert_int_equal(load(f, p), 1);
}

/* A fork by a process that split its PMD and copied a page shares that copy with its child: the
 * page's index in the fork section is the copy's now, and the huge page's own version of it stays
 * with the PMD that still maps it (detached), which keeps the huge page whole: Pss 685 = 511 pages
 * shared by three and one alone. */
static void test_detached_page_stays_with_pmd(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p, 4);
    VsProcess *child = fork_of(f, f->process);
    store_in(f, child, p + PAGE, 2);
    VsProcess *grandchild = fork_of(f, child);
    VsSmaps s = smaps_of(f->process, p);
    assert_int_equal(s.anon_huge_pages, 2048);
    assert_int_equal(s.pss, 685);
    assert_int_equal(smaps_of(child, p).pss, 683);
    assert_int_equal(smaps_of(grandchild, p).pss, 683);
    assert_int_equal(load(f, p + PAGE), 0);
    assert_int_equal(load_in(grandchild, p + PAGE), 2);
    assert_int_equal(frame_of(grandchild, p + PAGE), frame_of(child, p + PAGE));
    store(f, p + 2 * PAGE,
          5); /* the others map the rest: the parent's PMD splits, its page its own */
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 0);
    assert_int_equal(load(f, p + PAGE), 0);
    assert_int_equal(load_in(grandchild, p + 2 * PAGE), 0);
    assert_int_equal(vs_munmap(vs_process_main_thread(child), p, 2 * HUGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_munmap(vs_process_main_thread(grandchild), p, 2 * HUGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(smaps_of(f->process, p).pss, 2048);
}

/* MADV_FREE of all of a huge page of the process's own frees it lazily, whole (AnonHugePages and
 * LazyFree 2048); a store makes it written memory again, and a second FREE then PAGEOUT drops it
 * whole. Advice on part of one splits the huge page itself: its pages holding only zeros become
 * the zero page (Rss counts the written ones only), all still resident. */
static void test_free_and_advice_on_own(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p, 1);
    assert_int_equal(vs_madvise(f->thread, p, HUGE, VS_MADV_FREE), 0);
    CHECK_INVARIANTS(f);
    VsSmaps s = smaps_of(f->process, p);
    assert_int_equal(s.anon_huge_pages, 2048);
    assert_int_equal(s.lazy_free, 2048);
    store(f, p + PAGE, 2);
    assert_int_equal(smaps_of(f->process, p).lazy_free, 0);
    assert_int_equal(load(f, p), 1);
    assert_int_equal(vs_madvise(f->thread, p, HUGE, VS_MADV_FREE), 0);
    assert_int_equal(vs_madvise(f->thread, p, HUGE, VS_MADV_PAGEOUT), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(rss_kb(f, p), 0);
    assert_int_equal(load(f, p), 0);
    uint64_t q = p + HUGE;
    store(f, q, 7);
    store(f, q + HUGE / 2, 6);
    assert_int_equal(vs_madvise(f->thread, q, 16 * PAGE, VS_MADV_COLD), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(huge_kb(f, q), 0);
    assert_int_equal(smaps_of(f->process, q).rss, 8);
    assert_int_equal(resident(f, q, 512), 512);
    assert_int_equal(load(f, q + HUGE / 2), 6);
}

/* MADV_COLLAPSE in a forked VMA copies the pages the fork shares (found through the fork
 * section, no PTE of the child's own) into the caller's huge page; the other process keeps them,
 * its alone now. */
static void test_collapse_forked(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_NOHUGEPAGE);
    store(f, p, 1);
    store(f, p + 5 * PAGE, 2);
    VsProcess *child = fork_of(f, f->process);
    VsThread *thread = vs_process_main_thread(child);
    assert_int_equal(vs_madvise(thread, p, 2 * HUGE, VS_MADV_HUGEPAGE), 0);
    assert_int_equal(vs_madvise(thread, p, HUGE, VS_MADV_COLLAPSE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(smaps_of(child, p).anon_huge_pages, 2048);
    assert_int_equal(load_in(child, p + 5 * PAGE), 2);
    assert_int_equal(smaps_of(f->process, p).pss, 8);
    store_in(f, child, p, 3);
    assert_int_equal(load(f, p), 1);
}

/* mremap moves a huge page of the process's own to a 2 MB boundary whole: one PMD over the same
 * frames (move_huge_pmd); a lazily freed one stays so. */
static void test_mremap_keeps_own_frames(void **state)
{
    Fixture *f = *state;
    uint64_t p = advised(f, VS_MADV_HUGEPAGE);
    store(f, p + 3 * PAGE, 3);
    store(f, p + HUGE, 4);
    assert_int_equal(vs_madvise(f->thread, p + HUGE, HUGE, VS_MADV_FREE), 0);
    uint64_t frame = frame_of(f->process, p + 3 * PAGE), lazy = frame_of(f->process, p + HUGE);
    uint64_t to = map(f, 0, 6 * HUGE, VS_PROT_NONE, ANON);
    uint64_t target = (to + HUGE - 1) & ~(HUGE - 1);
    uint64_t moved =
        vs_mremap(f->thread, p, 2 * HUGE, 2 * HUGE, VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, target);
    assert_int_equal(moved, target);
    CHECK_INVARIANTS(f);
    VsSmaps s = smaps_of(f->process, target);
    assert_int_equal(s.anon_huge_pages, 4096);
    assert_int_equal(s.lazy_free, 2048);
    assert_int_equal(frame_of(f->process, target + 3 * PAGE), frame);
    assert_int_equal(frame_of(f->process, target + HUGE), lazy);
    assert_int_equal(load(f, target + 3 * PAGE), 3);
    assert_int_equal(load(f, target + HUGE), 4);
}

/* Forks repeat: a grandchild's PMD maps it too (Pss a third); the first child's store splits its
 * own PMD, the others keep theirs. */
static void test_repeated_forks_share(void **state)
{
    Fixture *f = *state;
    VsProcess *child;
    uint64_t p = forked_huge_page(f, &child);
    VsProcess *grandchild = fork_of(f, child);
    assert_int_equal(smaps_of(grandchild, p).anon_huge_pages, 2048);
    assert_int_equal(smaps_of(f->process, p).pss, 682);
    store_in(f, child, p, 2);
    assert_int_equal(smaps_of(f->process, p).anon_huge_pages, 2048);
    assert_int_equal(smaps_of(grandchild, p).anon_huge_pages, 2048);
    assert_int_equal(load_in(grandchild, p), 1);
    VsProcess *again = fork_of(f, child); /* the child's split pages are shared 4 KB at a time */
    assert_int_equal(load_in(again, p), 2);
    assert_int_equal(load_in(again, p + PAGE), 0);
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
        LINUX(test_protnone_whole_then_split),
        LINUX(test_protnone_split_for_advice),
        LINUX(test_fork_shares_huge_page),
        LINUX(test_store_splits_own_pmd),
        LINUX(test_store_alone_reuses_whole),
        LINUX(test_huge_zero_page_across_fork),
        LINUX(test_forked_vma_gets_huge_pages),
        LINUX(test_partial_munmap_splits_own),
        LINUX(test_protect_and_advice_keep_shared),
        LINUX(test_shared_protnone_split),
        LINUX(test_mremap_moves_shared_whole),
        LINUX(test_repeated_forks_share),
        LINUX(test_detached_page_stays_with_pmd),
        LINUX(test_free_and_advice_on_own),
        LINUX(test_mremap_keeps_own_frames),
        LINUX(test_collapse_forked),
        cmocka_unit_test_setup_teardown(test_no_run_falls_back, setup_small, fixture_teardown),
        LINUX(test_load_maps_huge_zero_page),
        LINUX(test_huge_zero_page_splits),
        cmocka_unit_test_setup_teardown(test_no_zero_page, setup_no_zero_page, fixture_teardown),
        LINUX(test_collapse),
        cmocka_unit_test_setup_teardown(test_collapse_never, setup_never, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
