/*
 * test_vma.c - VMAs (vma.c): when pieces of a mapping merge back, which neighbour a middle VMA
 * joins, and when a VMA gets its anon_vma.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

static void test_separately_touched_pieces_stay_apart(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 8 * PAGE, RW, ANON);
    assert_int_equal(vs_madvise(f->thread, p, PAGE, VS_MADV_RANDOM), 0);
    assert_int_equal(vs_memory_write(f->thread, p, 1), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(f->thread, p + 4 * PAGE, 1), STATUS_SUCCESS);
    assert_int_equal(vs_madvise(f->thread, p, PAGE, VS_MADV_NORMAL), 0);
    CHECK_INVARIANTS(f);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 2); /* two anon_vmas: research 3.3, measured */
}

/* A middle VMA whose neighbours both could take it, but whose anon_vmas differ, joins the one
 * below (vma_merge_existing_range prefers prev). */
static void test_merge_prefers_the_lower_neighbour(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 8 * PAGE, RW, ANON);
    assert_int_equal(vs_mprotect(f->thread, p + 3 * PAGE, PAGE, VS_PROT_EXEC), 0);
    assert_int_equal(vs_memory_write(f->thread, p + 4 * PAGE, 1), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 1), STATUS_SUCCESS);
    assert_int_equal(vs_mprotect(f->thread, p, 8 * PAGE, RW), 0);
    CHECK_INVARIANTS(f);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 2);
    assert_int_equal(v[0].end, p + 4 * PAGE);
}

/* A store that faults SIGBUS on a private file page past the end still gives the VMA its anon_vma
 * (do_cow_fault prepares it first), so it no longer merges with a neighbour that has another. */
static void test_sigbus_store_prepares_anon_vma(void **state)
{
    Fixture *f = *state;
    int fd = regular_file(f, "short.bin", 4);
    uint64_t p = vs_mmap(f->thread, 0, 3 * PAGE, RW, VS_MAP_PRIVATE, fd, 8 * PAGE);
    assert_int_equal(vs_madvise(f->thread, p + PAGE, PAGE, VS_MADV_SEQUENTIAL), 0);
    assert_int_equal(vs_signal_of(vs_memory_write(f->thread, p + 2 * PAGE, 1)), VS_SIGBUS);
    assert_int_equal(vs_signal_of(vs_memory_write(f->thread, p + PAGE, 1)), VS_SIGBUS);
    assert_int_equal(vs_madvise(f->thread, p, 3 * PAGE, VS_MADV_RANDOM), 0);
    CHECK_INVARIANTS(f);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 2); /* [0, 2) took the first anon_vma, page 2 kept its own */
    assert_int_equal(v[0].end, p + 2 * PAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_separately_touched_pieces_stay_apart),
        LINUX(test_merge_prefers_the_lower_neighbour),
        LINUX(test_sigbus_store_prepares_anon_vma),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
