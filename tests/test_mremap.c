/*
 * test_mremap.c - mremap for the Linux personality (mremap.c): growing in place or moving, a
 * second mapping of shared pages, a move of several VMAs with their gaps, and a locked VMA's
 * growth (populated, within RLIMIT_MEMLOCK).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

static void test_mremap(void **state)
{
    Fixture *f = *state;
    uint64_t above = map(f, 0, PAGE, VS_PROT_READ, ANON);
    uint64_t p = map(f, 0, 2 * PAGE, RW, ANON);
    assert_int_equal(p, above - 2 * PAGE);
    assert_int_equal(vs_memory_write(f->thread, p, 9), STATUS_SUCCESS);
    /* Growing in place: the VMA above is in the way. */
    ASSERT_FAILS(f, vs_mremap(f->thread, p, 2 * PAGE, 4 * PAGE, 0, 0), VS_ENOMEM);
    uint64_t q = vs_mremap(f->thread, p, 2 * PAGE, 4 * PAGE, VS_MREMAP_MAYMOVE, 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(q, p - 4 * PAGE);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, q, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 9);
    assert_int_equal(vs_mremap(f->thread, q, 4 * PAGE, PAGE, 0, 0), q);
    CHECK_INVARIANTS(f);
    ASSERT_FAILS(f, vs_mremap(f->thread, q + 1, PAGE, PAGE, 0, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_mremap(f->thread, q, 2 * PAGE, 3 * PAGE, 0, 0), VS_EFAULT);
    /* A shrink unmaps the tail wherever it runs, as munmap does: no EFAULT (measured on 6.18). */
    assert_int_equal(vs_mremap(f->thread, q, 2 * PAGE, PAGE, 0, 0), q);
    /* ...but not past TASK_SIZE: an old size reaching past user space is EINVAL, nothing unmapped
     * (do_vmi_munmap's check; measured on 6.18). */
    ASSERT_FAILS(f, vs_mremap(f->thread, q, ~(uint64_t)0xF000, PAGE, 0, 0), VS_EINVAL);
    assert_int_equal(vs_memory_read(f->thread, q, &byte), STATUS_SUCCESS);
    assert_int_equal(vs_memory_read(f->thread, above, &byte), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    ASSERT_FAILS(f, vs_mremap(f->thread, q, PAGE, PAGE, VS_MREMAP_FIXED, q + PAGE), VS_EINVAL);
    uint64_t t = vs_mremap(f->thread, q, PAGE, PAGE, VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, BASE);
    CHECK_INVARIANTS(f);
    assert_int_equal(t, BASE);
    assert_int_equal(vs_memory_read(f->thread, BASE, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 9);
    /* Above mmap_base the model's space is free (a real process has its libraries there; the
     * POSIX agent keeps an arena that acts as free space). */
    assert_int_equal(vs_mremap(f->thread, BASE, PAGE, 3 * PAGE, 0, 0), BASE); /* in place */
    CHECK_INVARIANTS(f);
}

/* mremap of 0 pages (a second mapping of shared pages) with MREMAP_FIXED clears the target first;
 * a target over the page named takes the page away: EFAULT, the target left unmapped (6.18). */
static void test_mremap_second_mapping_over_its_page(void **state)
{
    Fixture *f = *state;
    uint32_t flags = VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED;
    uint64_t a = map(f, 0, 6 * PAGE, VS_PROT_WRITE, VS_MAP_SHARED | VS_MAP_ANONYMOUS);
    ASSERT_FAILS(f, vs_mremap(f->thread, a + PAGE, 0, 4 * PAGE, flags, a + PAGE), VS_EFAULT);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 2);
    assert_int_equal(v[0].end, a + PAGE);
    assert_int_equal(v[1].start, a + 5 * PAGE);
    /* The page survives when the target only splits its VMA: a second mapping, offsets from 0. */
    assert_int_equal(vs_mremap(f->thread, a, 0, 2 * PAGE, flags, a + 2 * PAGE), a + 2 * PAGE);
    CHECK_INVARIANTS(f);
    assert_int_equal(vmas(f, v, 4), 3);
    assert_int_equal(v[1].start, a + 2 * PAGE);
}

/* A same-size MREMAP_FIXED move takes every VMA of the range and keeps the gaps (6.17+); the
 * range may end in a gap but not begin in one. */
static void test_mremap_moves_several_vmas(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 5 * PAGE, RW, ANON);
    assert_int_equal(vs_munmap(f->thread, p + 2 * PAGE, PAGE), 0);
    assert_int_equal(vs_mprotect(f->thread, p + 3 * PAGE, PAGE, VS_PROT_READ), 0);
    assert_int_equal(vs_memory_write(f->thread, p, 0x11), STATUS_SUCCESS);
    uint64_t target = p - 64 * PAGE;
    ASSERT_FAILS(f,
                 vs_mremap(f->thread, p + 2 * PAGE, 2 * PAGE, 2 * PAGE,
                           VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, target),
                 VS_EFAULT);
    assert_int_equal(
        vs_mremap(f->thread, p, 6 * PAGE, 6 * PAGE, VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, target),
        target);
    CHECK_INVARIANTS(f);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 3);
    assert_int_equal(v[0].start, target);
    assert_int_equal(v[0].end, target + 2 * PAGE);
    assert_int_equal(v[1].start, target + 3 * PAGE); /* the gap kept */
    assert_int_equal(v[2].end, target + 5 * PAGE);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, target, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0x11);
}

/* A locked VMA's growth is faulted in, moved or in place (MLOCK_ONFAULT's is not); it must fit
 * RLIMIT_MEMLOCK, else EAGAIN; MREMAP_DONTUNMAP leaves the old range unlocked. */
static void test_mremap_locked_growth(void **state)
{
    Fixture *f = *state;
    uint64_t above = map(f, 0, PAGE, VS_PROT_READ, ANON);
    uint64_t p = map(f, 0, PAGE, RW, ANON);
    assert_int_equal(p, above - PAGE);
    assert_int_equal(vs_mlock(f->thread, p, PAGE), 0);
    uint64_t q = vs_mremap(f->thread, p, PAGE, 4 * PAGE, VS_MREMAP_MAYMOVE, 0);
    CHECK_INVARIANTS(f);
    assert_int_not_equal(q, p);
    assert_int_equal(resident(f, q, 4), 4);
    uint64_t r = map(f, 0, 8 * PAGE, RW, ANON);
    assert_int_equal(vs_munmap(f->thread, r + PAGE, 7 * PAGE), 0);
    assert_int_equal(vs_mlock2(f->thread, r, PAGE, VS_MLOCK_ONFAULT), 0);
    assert_int_equal(vs_mremap(f->thread, r, PAGE, 2 * PAGE, 0, 0), r);
    assert_int_equal(resident(f, r, 2), 0);
    /* Locked: 4 + 2 pages; room for 1 more. */
    assert_int_equal(vs_setrlimit(f->thread, VS_RLIMIT_MEMLOCK, 7 * PAGE), 0);
    ASSERT_FAILS(f, vs_mremap(f->thread, q, 4 * PAGE, 6 * PAGE, VS_MREMAP_MAYMOVE, 0), VS_EAGAIN);
    assert_int_equal(vs_mremap(f->thread, r, 2 * PAGE, 3 * PAGE, 0, 0), r);
    CHECK_INVARIANTS(f);
    uint64_t n =
        vs_mremap(f->thread, q, 4 * PAGE, 4 * PAGE, VS_MREMAP_MAYMOVE | VS_MREMAP_DONTUNMAP, 0);
    CHECK_INVARIANTS(f);
    VsSmaps s;
    assert_true(vs_vma_smaps(f->process, n, &s));
    assert_true(s.vm_locked);
    assert_int_equal(s.rss, 16);
    assert_true(vs_vma_smaps(f->process, q, &s));
    assert_false(s.vm_locked);
    assert_int_equal(resident(f, q, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_mremap),
        LINUX(test_mremap_second_mapping_over_its_page),
        LINUX(test_mremap_moves_several_vmas),
        LINUX(test_mremap_locked_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
