/*
 * test_mmap.c - mmap for the Linux personality (mmap.c): where a mapping goes (top-down from
 * mmap_base, 2 MB-aligned where the kernel aligns it, a file's by its offset), the errors in the
 * kernel's order, and merging with neighbours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

static void test_mmap_goes_down_and_merges(void **state)
{
    Fixture *f = *state;
    uint64_t a = map(f, 0, 4 * PAGE, RW, ANON);
    assert_int_equal(a, BASE - 4 * PAGE);
    uint64_t b = map(f, 0, 2 * PAGE, RW, ANON);
    assert_int_equal(b, a - 2 * PAGE);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 1); /* adjacent anonymous mappings are one VMA */
    assert_int_equal(v[0].start, b);
    assert_int_equal(v[0].end, BASE);
    uint64_t c = map(f, 0, 2 * PAGE, VS_PROT_READ, ANON);
    assert_int_equal(c, b - 2 * PAGE);
    assert_int_equal(vmas(f, v, 4), 2); /* other flags: its own VMA */
    uint64_t d = map(f, 0, 2 * PAGE, RW, VS_MAP_SHARED | VS_MAP_ANONYMOUS);
    uint64_t e = map(f, 0, 2 * PAGE, RW, VS_MAP_SHARED | VS_MAP_ANONYMOUS);
    assert_int_equal(e, d - 2 * PAGE);
    assert_int_equal(vmas(f, v, 4), 4); /* shared anonymous mappings never merge */
    assert_string_equal(v[0].name, "/dev/zero (deleted)");
    assert_true(v[0].may_share);
}

static void test_thp_alignment(void **state)
{
    Fixture *f = *state;
    map(f, 0, PAGE, RW, ANON);
    uint64_t p = map(f, 0, MB(2), RW, ANON);
    assert_int_equal(p % MB(2), 0);
    assert_int_equal(p, BASE - MB(4)); /* the highest 2 MB boundary with room, a hole above */
    assert_int_equal(map(f, 0, PAGE, RW, ANON), BASE - 2 * PAGE); /* the hole is used first */
}

static void test_mmap_errors_in_order(void **state)
{
    Fixture *f = *state;
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, 0, RW, ANON, -1, 1), VS_EINVAL); /* offset first */
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, 0, RW, VS_MAP_PRIVATE, 99, 0), VS_EBADF); /* fd */
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, 0, RW, ANON, -1, 0), VS_EINVAL);          /* length 0 */
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, UINT64_MAX, RW, ANON, -1, 0), VS_ENOMEM);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0x12345, PAGE, RW, ANON | VS_MAP_FIXED, -1, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, PAGE, RW, VS_MAP_ANONYMOUS, -1, 0), VS_EINVAL);
    ASSERT_FAILS(f,
                 vs_mmap(f->thread, 0, PAGE, RW, VS_MAP_SHARED_VALIDATE | VS_MAP_ANONYMOUS, -1, 0),
                 VS_EINVAL);
    uint64_t p = map(f, 0, 4 * PAGE, RW, ANON);
    ASSERT_FAILS(f, vs_mmap(f->thread, p + PAGE, PAGE, RW, ANON | VS_MAP_FIXED_NOREPLACE, -1, 0),
                 VS_EEXIST);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0x1000, PAGE, RW, ANON | VS_MAP_FIXED, -1, 0), VS_EPERM);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, GB(4), RW, ANON, -1, 0), VS_ENOMEM); /* > RAM + swap */
    assert_int_not_equal(map(f, 0, GB(4), RW, ANON | VS_MAP_NORESERVE), VS_MAP_FAILED);
    assert_int_not_equal(map(f, 0, GB(4), VS_PROT_READ, ANON), VS_MAP_FAILED);
}

/* A file mapping is placed 2 MB-aligned (address = offset modulo 2 MB) only when 2 MB of it lies
 * past the first 2 MB boundary of its offset; anonymous memory with a hint never is (6.18). */
static void test_file_placement_follows_offset(void **state)
{
    Fixture *f = *state;
    int fd = regular_file(f, "big.bin", 2048);
    map(f, 0, PAGE, RW, ANON); /* the top of the free space is no longer 2 MB-aligned */
    uint64_t p = vs_mmap(f->thread, 0, MB(2), VS_PROT_READ, VS_MAP_PRIVATE, fd, PAGE);
    assert_int_equal(p, BASE - PAGE - MB(2)); /* 2 MB from offset 4 KB: not aligned */
    uint64_t q = vs_mmap(f->thread, 0, MB(4), VS_PROT_READ, VS_MAP_PRIVATE, fd, PAGE);
    CHECK_INVARIANTS(f);
    assert_int_equal(q % MB(2), PAGE);
    /* Anonymous memory whose hint is taken: top-down with no alignment, not as mmap(NULL). */
    uint64_t below = vs_mmap(f->thread, q, MB(2), RW, ANON, -1, 0);
    assert_int_equal(below, q - MB(2));
    assert_int_equal(vs_munmap(f->thread, below, MB(2)), 0);
    uint64_t hint = q - MB(2); /* free for 2 MB, not for 2 MB and the padding */
    uint64_t r = vs_mmap(f->thread, hint, MB(2), RW, ANON, -1, 0);
    assert_int_equal(r, hint); /* anonymous memory with a hint takes it */
    assert_int_equal(vs_munmap(f->thread, r, MB(2)), 0);
    uint64_t s = vs_mmap(f->thread, hint, MB(2), VS_PROT_READ, VS_MAP_PRIVATE, fd, 0);
    CHECK_INVARIANTS(f);
    assert_true(s != hint && s % MB(2) == 0); /* a file's hint needs room for the padding too */
}

/* A file may be mapped up to MAX_LFS_FILESIZE (2^63 - 1: file_mmap_ok), else EOVERFLOW. The last
 * whole page below it maps, placed where address and offset agree modulo 2 MB: the kernel's
 * round-up of the offset to 2 MB wraps negative as a loff_t, and the length test passes. */
static void test_offsets_at_the_limits(void **state)
{
    Fixture *f = *state;
    int fd = regular_file(f, "data.bin", 2);
    const uint64_t last = 0x7FFFFFFFFFFFE000ull;
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, PAGE, VS_PROT_READ, VS_MAP_PRIVATE, fd, 1ull << 63),
                 VS_EOVERFLOW);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, 2 * PAGE, VS_PROT_READ, VS_MAP_PRIVATE, fd, last),
                 VS_EOVERFLOW); /* its end is past the limit */
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, PAGE, VS_PROT_READ, VS_MAP_PRIVATE, fd, last + PAGE),
                 VS_EOVERFLOW);
    map(f, 0, PAGE, RW, ANON); /* the top of the free space is no longer 2 MB-aligned */
    uint64_t p = vs_mmap(f->thread, 0, PAGE, VS_PROT_READ, VS_MAP_PRIVATE, fd, last);
    CHECK_INVARIANTS(f);
    assert_int_equal(p % MB(2), last % MB(2));
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, p, &byte), STATUS_IN_PAGE_ERROR); /* SIGBUS */
    int mf = vs_memfd_create(f->thread, "big", 0);
    assert_int_equal(vs_ftruncate(f->thread, mf, 2 * PAGE), 0);
    uint64_t q = vs_mmap(f->thread, 0, PAGE, RW, VS_MAP_SHARED, mf, last);
    CHECK_INVARIANTS(f);
    assert_int_not_equal(q, VS_MAP_FAILED); /* shmem's page cache stays two pages long */
    assert_int_equal(vs_memory_write(f->thread, q, 1), STATUS_IN_PAGE_ERROR);
    assert_int_equal(vs_munmap(f->thread, q, PAGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_not_equal(map(f, 0, PAGE, VS_PROT_READ, ANON), VS_MAP_FAILED);
    assert_int_not_equal(vs_mmap(f->thread, 0, PAGE, VS_PROT_READ, ANON, -1, 0xFFFFFFFFFFFFF000ull),
                         VS_MAP_FAILED); /* anonymous memory: any aligned offset */
}

/* MAP_HUGETLB with no huge pages: ENOMEM without MAP_NORESERVE; with it a 2 MB-aligned mapping,
 * its length rounded up to 2 MB, SIGBUS when touched, split only on 2 MB boundaries. */
static void test_hugetlb_without_a_pool(void **state)
{
    Fixture *f = *state;
    const uint32_t huge = ANON | VS_MAP_HUGETLB;
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, MB(2), RW, huge, -1, 0), VS_ENOMEM);
    int fd = regular_file(f, "f.bin", 1);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, PAGE, RW, VS_MAP_PRIVATE | VS_MAP_HUGETLB, fd, 0),
                 VS_EINVAL); /* not a hugetlbfs file */
    ASSERT_FAILS(f,
                 vs_mmap(f->thread, BASE - MB(4) + PAGE, PAGE, RW,
                         huge | VS_MAP_NORESERVE | VS_MAP_FIXED, -1, 0),
                 VS_EINVAL);
    map(f, 0, PAGE, RW, ANON);
    uint64_t n = map(f, 0, PAGE, RW, huge | VS_MAP_NORESERVE);
    assert_int_equal(n, BASE - MB(2) - MB(2)); /* the highest 2 MB boundary with room */
    VsVmaInfo v[3];
    assert_int_equal(vmas(f, v, 3), 2);
    assert_int_equal(v[0].end - v[0].start, MB(2));
    assert_string_equal(v[0].name, "/anon_hugepage (deleted)");
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, n, &byte), STATUS_IN_PAGE_ERROR); /* SIGBUS */
    ASSERT_FAILS(f, vs_munmap(f->thread, n, PAGE), VS_EINVAL);
    ASSERT_FAILS(f, vs_madvise(f->thread, n, MB(2), VS_MADV_PAGEOUT), VS_EINVAL);
    assert_int_equal(vs_munmap(f->thread, n, MB(2)), 0);
    CHECK_INVARIANTS(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_mmap_goes_down_and_merges), LINUX(test_thp_alignment),
        LINUX(test_mmap_errors_in_order),      LINUX(test_file_placement_follows_offset),
        LINUX(test_offsets_at_the_limits),     LINUX(test_hugetlb_without_a_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
