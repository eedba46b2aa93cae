/*
 * test_brk.c - the program break (brk.c): brk's byte-exact break over a page-rounded [heap] VMA,
 * its refusals (which return the old break), shrinking through split pieces, sbrk on top of it,
 * and fork's copy. Each expectation is what Linux 6.18 did (docs/research/linux-mm.md; LTP brk01,
 * brk02), with the break relative to start_brk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

#define B0 VS_LINUX_START_BRK

static uint64_t do_brk(Fixture *f, uint64_t address)
{
    uint64_t b = vs_brk(f->thread, address);
    CHECK_INVARIANTS(f);
    return b;
}

/* The VMA at address, which must be one. */
static VsVmaInfo vma_at(Fixture *f, uint64_t address)
{
    VsVmaInfo v;
    assert_true(vs_vma_find(f->process, address, &v));
    assert_true(v.start <= address);
    return v;
}

/* A new process's break is start_brk, with no VMA: brk(0) asks. A byte past it makes a [heap] of
 * one page; a page and a byte, two; back to a byte, one; back to start_brk, none. */
static void test_break_is_exact_vma_is_rounded(void **state)
{
    Fixture *f = *state;
    VsVmaInfo v[4];
    assert_int_equal(do_brk(f, 0), B0);
    assert_int_equal(vmas(f, v, 4), 0);
    assert_int_equal(do_brk(f, B0 + 1), B0 + 1);
    assert_int_equal(vmas(f, v, 4), 1);
    assert_int_equal(v[0].start, B0);
    assert_int_equal(v[0].end, B0 + PAGE);
    assert_true(v[0].read && v[0].write && !v[0].exec && !v[0].may_share);
    assert_string_equal(v[0].name, "[heap]");
    assert_int_equal(do_brk(f, B0 + PAGE + 1), B0 + PAGE + 1);
    assert_int_equal(vmas(f, v, 4), 1);
    assert_int_equal(v[0].end, B0 + 2 * PAGE);
    assert_int_equal(do_brk(f, B0 + 5), B0 + 5);
    assert_int_equal(vma_at(f, B0).end, B0 + PAGE);
    assert_int_equal(do_brk(f, 0), B0 + 5);
    assert_int_equal(do_brk(f, B0), B0);
    assert_int_equal(vmas(f, v, 4), 0);
}

/* The heap's memory is ordinary private memory: written, read back, zero when new. */
static void test_heap_memory_is_usable(void **state)
{
    Fixture *f = *state;
    assert_int_equal(do_brk(f, B0 + 2 * PAGE), B0 + 2 * PAGE);
    assert_int_equal(vs_memory_write(f->thread, B0 + PAGE + 3, 0x5a), STATUS_SUCCESS);
    uint8_t byte = 1;
    assert_int_equal(vs_memory_read(f->thread, B0 + PAGE + 3, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0x5a);
    assert_int_equal(do_brk(f, B0 + PAGE), B0 + PAGE);
    assert_int_equal(vs_memory_write(f->thread, B0 + PAGE, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(do_brk(f, B0 + 2 * PAGE), B0 + 2 * PAGE);
    assert_int_equal(vs_memory_read(f->thread, B0 + PAGE + 3, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0); /* the page came back new */
}

/* Below start_brk the call changes nothing and returns the break as it was. */
static void test_below_start_is_refused(void **state)
{
    Fixture *f = *state;
    assert_int_equal(do_brk(f, B0 + 3 * PAGE), B0 + 3 * PAGE);
    assert_int_equal(do_brk(f, B0 - 1), B0 + 3 * PAGE);
    assert_int_equal(do_brk(f, PAGE), B0 + 3 * PAGE);
    assert_int_equal(vma_at(f, B0).end, B0 + 3 * PAGE);
}

/* Growth must leave a free page before the next VMA: with a mapping three pages above the
 * break, two pages grow, two pages and a byte do not (the old break comes back). */
static void test_growth_keeps_a_page_free_below_the_next(void **state)
{
    Fixture *f = *state;
    assert_int_equal(map(f, B0 + 3 * PAGE, PAGE, RW, ANON | VS_MAP_FIXED), B0 + 3 * PAGE);
    assert_int_equal(do_brk(f, B0 + 2 * PAGE + 1), B0);
    assert_int_equal(do_brk(f, B0 + 2 * PAGE), B0 + 2 * PAGE);
    assert_int_equal(do_brk(f, B0 + 2 * PAGE + 1), B0 + 2 * PAGE);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 2);
    assert_string_equal(v[1].name, ""); /* above the break: not the heap */
}

/* A mapping the break would run into, or whose start lies below the break's page, refuses any
 * growth; the guard gap under a MAP_GROWSDOWN VMA counts as taken. */
static void test_growth_refused_into_mappings_and_gaps(void **state)
{
    Fixture *f = *state;
    assert_int_equal(map(f, B0 - PAGE, 2 * PAGE, RW, ANON | VS_MAP_FIXED), B0 - PAGE);
    assert_int_equal(do_brk(f, B0 + 8 * PAGE), B0);
    assert_int_equal(vs_munmap(f->thread, B0 - PAGE, 2 * PAGE), 0);
    uint64_t stack = B0 + MB(1) + 4 * PAGE;
    assert_int_equal(map(f, stack, 4 * PAGE, RW, ANON | VS_MAP_FIXED | VS_MAP_GROWSDOWN), stack);
    assert_int_equal(do_brk(f, B0 + 3 * PAGE + 1), B0); /* the gap begins at B0 + 4 pages */
    assert_int_equal(do_brk(f, B0 + 3 * PAGE), B0 + 3 * PAGE);
    assert_int_equal(do_brk(f, B0 + PAGE), B0 + PAGE); /* shrinking is fine */
}

/* LTP brk02: shrinking unmaps every piece of the heap above the new end, whatever mprotect split
 * it into; all pieces are [heap] while the break covers them. */
static void test_shrink_unmaps_split_pieces(void **state)
{
    Fixture *f = *state;
    assert_int_equal(do_brk(f, B0 + MB(1)), B0 + MB(1));
    assert_int_equal(vs_mprotect(f->thread, B0 + 0x80000, PAGE, VS_PROT_READ), 0);
    CHECK_INVARIANTS(f);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(v[i].name, "[heap]");
    assert_int_equal(do_brk(f, B0 + 0x40000), B0 + 0x40000);
    assert_int_equal(vmas(f, v, 4), 1);
    assert_int_equal(v[0].end, B0 + 0x40000);
    assert_int_equal(do_brk(f, B0 + 0x90000), B0 + 0x90000); /* grows back in one piece */
    assert_int_equal(vmas(f, v, 4), 1);
}

/* A piece above the break after a shrink that the scenario mapped itself is no longer [heap]. */
static void test_heap_label_follows_the_break(void **state)
{
    Fixture *f = *state;
    assert_int_equal(do_brk(f, B0 + PAGE), B0 + PAGE);
    assert_int_equal(map(f, B0 + 4 * PAGE, PAGE, RW, ANON | VS_MAP_FIXED), B0 + 4 * PAGE);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 2);
    assert_string_equal(v[0].name, "[heap]");
    assert_string_equal(v[1].name, "");
}

/* mlockall(MCL_FUTURE) locks what brk adds, which is then resident; past RLIMIT_MEMLOCK brk is
 * refused. */
static void test_brk_under_mlockall_future(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_setrlimit(f->thread, VS_RLIMIT_MEMLOCK, 4 * PAGE), 0);
    assert_int_equal(vs_mlockall(f->thread, VS_MCL_FUTURE), 0);
    assert_int_equal(do_brk(f, B0 + 2 * PAGE), B0 + 2 * PAGE);
    assert_int_equal(vma_at(f, B0).resident_pages, 2);
    assert_int_equal(do_brk(f, B0 + 5 * PAGE), B0 + 2 * PAGE);
}

/* glibc's sbrk: the break before; 0 asks; a refused growth or a wrapping move is -1 with ENOMEM,
 * a refused shrink passes unseen. */
static void test_sbrk(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_sbrk(f->thread, 0), B0);
    assert_int_equal(vs_sbrk(f->thread, 2 * PAGE - 1), B0);
    assert_int_equal(vs_sbrk(f->thread, 0), B0 + 2 * PAGE - 1);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_sbrk(f->thread, -(int64_t)(2 * PAGE - 1)), B0 + 2 * PAGE - 1);
    assert_int_equal(vs_sbrk(f->thread, 0), B0);
    assert_int_equal(vs_sbrk(f->thread, -1), B0); /* refused, but glibc's brk does not see it */
    assert_int_equal(vs_sbrk(f->thread, 0), B0);
    assert_int_equal(map(f, B0 + 2 * PAGE, PAGE, RW, ANON | VS_MAP_FIXED), B0 + 2 * PAGE);
    vs_set_errno(f->thread, 0);
    assert_int_equal(vs_sbrk(f->thread, PAGE + 1), VS_MAP_FAILED); /* the next VMA refuses */
    assert_int_equal(vs_errno(f->thread), VS_ENOMEM);
    vs_set_errno(f->thread, 0);
    assert_int_equal(vs_sbrk(f->thread, INT64_MIN), VS_MAP_FAILED);
    assert_int_equal(vs_errno(f->thread), VS_ENOMEM);
    assert_int_equal(vs_sbrk(f->thread, 0), B0);
    CHECK_INVARIANTS(f);
}

/* LTP brk01: rounds of growing by two pages less a byte, staying, and going back, each break
 * writable up to its last byte. */
static void test_brk01_rounds(void **state)
{
    Fixture *f = *state;
    uint64_t cur = B0, step = 2 * PAGE - 1;
    for (int i = 0; i < 33; i++) {
        uint64_t want = i % 3 == 0 ? cur + step : i % 3 == 1 ? cur : cur - step;
        assert_int_equal(do_brk(f, want), want);
        cur = want;
        if (cur > B0)
            assert_int_equal(vs_memory_write(f->thread, cur - 1, 1), STATUS_SUCCESS);
    }
}

/* fork's child has the parent's break and its [heap]. */
static void test_fork_copies_the_break(void **state)
{
    Fixture *f = *state;
    assert_int_equal(do_brk(f, B0 + 3 * PAGE + 7), B0 + 3 * PAGE + 7);
    VsProcess *child = NULL;
    assert_true(vs_fork(f->thread, &child) > 0);
    assert_int_equal(vs_current_brk(child), B0 + 3 * PAGE + 7);
    VsVmaInfo v;
    assert_true(vs_vma_find(child, B0, &v));
    assert_string_equal(v.name, "[heap]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_break_is_exact_vma_is_rounded),
        LINUX(test_heap_memory_is_usable),
        LINUX(test_below_start_is_refused),
        LINUX(test_growth_keeps_a_page_free_below_the_next),
        LINUX(test_growth_refused_into_mappings_and_gaps),
        LINUX(test_shrink_unmaps_split_pieces),
        LINUX(test_heap_label_follows_the_break),
        LINUX(test_brk_under_mlockall_future),
        LINUX(test_sbrk),
        LINUX(test_brk01_rounds),
        LINUX(test_fork_copies_the_break),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
