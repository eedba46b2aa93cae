/*
 * test_linux.c - the Linux personality: mmap and friends, VMA split and merge, errno order,
 * shared memory, copy-on-write after fork. Every expectation is what Linux 6.18 did on this
 * machine (docs/research/linux-mm.md); the invariant checker runs after every call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linux/linux.h" /* one test corrupts a VMA's flags to see the checker notice */
#include "testutil.h"

#define PAGE 4096ull
#define BASE VS_LINUX_MMAP_BASE
#define ANON (VS_MAP_PRIVATE | VS_MAP_ANONYMOUS)
#define RW (VS_PROT_READ | VS_PROT_WRITE)

static int setup(void **state) { return fixture_setup_linux(state); }

/* The process's VMAs as maps would list them: count, and the i-th one's info. */
static size_t vmas(Fixture *f, VsVmaInfo *out, size_t capacity)
{
    size_t n = 0;
    VsVmaInfo info;
    for (uint64_t at = 0; vs_vma_find(f->process, at, &info); at = info.end, n++)
        if (n < capacity)
            out[n] = info;
    return n;
}

static uint64_t map(Fixture *f, uint64_t address, uint64_t length, uint32_t prot, uint32_t flags)
{
    uint64_t p = vs_mmap(f->thread, address, length, prot, flags, -1, 0);
    CHECK_INVARIANTS(f);
    return p;
}

#define ASSERT_FAILS(f, call, error)                                                               \
    do {                                                                                           \
        vs_set_errno((f)->thread, 0xDEAD);                                                         \
        assert_int_equal((int64_t)(call), -1);                                                     \
        assert_int_equal(vs_errno((f)->thread), (error));                                          \
        CHECK_INVARIANTS(f);                                                                       \
    } while (0)

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
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, 0, RW, ANON, -1, 1), VS_EINVAL);  /* offset first */
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, 0, RW, VS_MAP_PRIVATE, 99, 0), VS_EBADF); /* fd */
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, 0, RW, ANON, -1, 0), VS_EINVAL);  /* length 0 */
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, UINT64_MAX, RW, ANON, -1, 0), VS_ENOMEM);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0x12345, PAGE, RW, ANON | VS_MAP_FIXED, -1, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, PAGE, RW, VS_MAP_ANONYMOUS, -1, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, PAGE, RW, VS_MAP_SHARED_VALIDATE | VS_MAP_ANONYMOUS, -1,
                            0),
                 VS_EINVAL);
    uint64_t p = map(f, 0, 4 * PAGE, RW, ANON);
    ASSERT_FAILS(f, vs_mmap(f->thread, p + PAGE, PAGE, RW, ANON | VS_MAP_FIXED_NOREPLACE, -1, 0),
                 VS_EEXIST);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0x1000, PAGE, RW, ANON | VS_MAP_FIXED, -1, 0), VS_EPERM);
    ASSERT_FAILS(f, vs_mmap(f->thread, 0, GB(4), RW, ANON, -1, 0), VS_ENOMEM); /* > RAM + swap */
    assert_int_not_equal(map(f, 0, GB(4), RW, ANON | VS_MAP_NORESERVE), VS_MAP_FAILED);
    assert_int_not_equal(map(f, 0, GB(4), VS_PROT_READ, ANON), VS_MAP_FAILED);
}

static void test_mprotect_splits_and_merges_back(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 8 * PAGE, RW, ANON);
    assert_int_equal(vs_memory_write(f->thread, p, 1), STATUS_SUCCESS);
    assert_int_equal(vs_mprotect(f->thread, p + 3 * PAGE, PAGE, VS_PROT_READ), 0);
    CHECK_INVARIANTS(f);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 3);
    assert_false(v[1].write);
    uint8_t byte;
    assert_int_equal(vs_memory_write(f->thread, p + 3 * PAGE, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(vs_signal_of(STATUS_ACCESS_VIOLATION), VS_SIGSEGV);
    assert_int_equal(vs_memory_read(f->thread, p + 3 * PAGE, &byte), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(f->thread, p + 5 * PAGE, 1), STATUS_SUCCESS); /* one anon_vma */
    assert_int_equal(vs_mprotect(f->thread, p + 3 * PAGE, PAGE, RW), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vmas(f, v, 4), 1);
    /* Not atomic: the part before a hole keeps its change, the call says ENOMEM. */
    assert_int_equal(vs_munmap(f->thread, p + 4 * PAGE, PAGE), 0);
    ASSERT_FAILS(f, vs_mprotect(f->thread, p, 8 * PAGE, VS_PROT_READ), VS_ENOMEM);
    assert_int_equal(vmas(f, v, 4), 2);
    assert_false(v[0].write);
    assert_true(v[1].write);
    ASSERT_FAILS(f, vs_mprotect(f->thread, p + 1, PAGE, VS_PROT_READ), VS_EINVAL);
    ASSERT_FAILS(f, vs_mprotect(f->thread, p, PAGE, 0x10), VS_EINVAL);
    assert_int_equal(vs_mprotect(f->thread, 0x10000, 0, 0x10), 0); /* length 0: nothing checked */
}

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

static void test_munmap_and_madvise(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 8 * PAGE, RW, ANON);
    assert_int_equal(vs_munmap(f->thread, p + 2 * PAGE, PAGE), 0);
    CHECK_INVARIANTS(f);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 2);
    assert_int_equal(vs_munmap(f->thread, 0x10000, PAGE), 0); /* nothing there: fine */
    ASSERT_FAILS(f, vs_munmap(f->thread, p, 0), VS_EINVAL);
    assert_int_equal(vs_memory_write(f->thread, p, 7), STATUS_SUCCESS);
    uint8_t vec[8];
    assert_int_equal(vs_mincore(f->thread, p, 2 * PAGE, vec, 8), 0);
    assert_int_equal(vec[0], 1);
    assert_int_equal(vec[1], 0);
    ASSERT_FAILS(f, vs_mincore(f->thread, p, 4 * PAGE, vec, 8), VS_ENOMEM); /* the hole */
    assert_int_equal(vs_madvise(f->thread, p, PAGE, VS_MADV_DONTNEED), 0);
    CHECK_INVARIANTS(f);
    uint8_t byte = 1;
    assert_int_equal(vs_memory_read(f->thread, p, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0);
    ASSERT_FAILS(f, vs_madvise(f->thread, p, 8 * PAGE, VS_MADV_DONTNEED), VS_ENOMEM);
    ASSERT_FAILS(f, vs_madvise(f->thread, 0x10000, 0, 999), VS_EINVAL);
}

static void test_memfd_ring_buffer(void **state)
{
    Fixture *f = *state;
    int fd = vs_memfd_create(f->thread, "ring", 0);
    assert_int_equal(fd, 3);
    assert_int_equal(vs_ftruncate(f->thread, fd, 4 * PAGE), 0);
    uint64_t r = map(f, 0, 8 * PAGE, VS_PROT_NONE, ANON);
    uint64_t lo = vs_mmap(f->thread, r, 4 * PAGE, RW, VS_MAP_SHARED | VS_MAP_FIXED, fd, 0);
    uint64_t hi = vs_mmap(f->thread, r + 4 * PAGE, 4 * PAGE, RW, VS_MAP_SHARED | VS_MAP_FIXED, fd,
                          0);
    CHECK_INVARIANTS(f);
    assert_int_equal(lo, r);
    assert_int_equal(hi, r + 4 * PAGE);
    assert_int_equal(vs_memory_write(f->thread, r + 4 * PAGE - 1, 'x'), STATUS_SUCCESS);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, r + 8 * PAGE - 1, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'x');
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 2); /* offsets 0 and 0 do not follow on: two VMAs */
    assert_string_equal(v[0].name, "/memfd:ring (deleted)");
    char line[200];
    vs_vma_maps_line(&v[0], line, sizeof line);
    assert_non_null(strstr(line, "rw-s 00000000 00:01 "));
    assert_int_equal(vs_close(f->thread, fd), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_read(f->thread, r + 3 * PAGE + 4095, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'x'); /* the mappings keep the file */
}

static void test_sigbus_past_end_of_file(void **state)
{
    Fixture *f = *state;
    int fd = vs_memfd_create(f->thread, "short", 0);
    assert_int_equal(vs_ftruncate(f->thread, fd, 100), 0);
    uint64_t p = vs_mmap(f->thread, 0, 4 * PAGE, RW, VS_MAP_SHARED, fd, 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_write(f->thread, p + 200, 1), STATUS_SUCCESS); /* the last page */
    VsStatus past = vs_memory_write(f->thread, p + PAGE, 1);
    assert_int_equal(vs_signal_of(past), VS_SIGBUS);
    assert_int_equal(vs_ftruncate(f->thread, fd, 2 * PAGE), 0);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 1), STATUS_SUCCESS);
    assert_int_equal(vs_ftruncate(f->thread, fd, 10), 0);
    CHECK_INVARIANTS(f);
    uint8_t byte = 1;
    assert_int_equal(vs_memory_read(f->thread, p + 200, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0); /* the rest of the last page was zeroed */
    assert_int_equal(vs_signal_of(vs_memory_read(f->thread, p + PAGE, &byte)), VS_SIGBUS);
}

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

/* A regular file of pages pages, opened read-write: its descriptor. */
static int regular_file(Fixture *f, const char *name, uint64_t pages)
{
    assert_int_equal(vs_file_create(f->system, name, pages * PAGE, NULL, 0, 0x5a), STATUS_SUCCESS);
    int fd = vs_open(f->thread, name, VS_O_RDWR);
    assert_true(fd >= 3);
    return fd;
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

/* mincore of a file page no PTE maps asks the page cache: a punched hole is not there until a
 * fault reads it back, with the read-ahead window around it (128 KB unless configured). */
/* A punched hole unmaps the file's pages from every mapping but leaves the private copies a
 * copy-on-write store made (even_cows false); cutting the file short takes those too. */
static void test_punched_hole_keeps_private_copies(void **state)
{
    Fixture *f = *state;
    int fd = regular_file(f, "cow.bin", 4);
    uint64_t shared = vs_mmap(f->thread, 0, 4 * PAGE, RW, VS_MAP_SHARED, fd, 0);
    uint64_t p = vs_mmap(f->thread, 0, 4 * PAGE, RW, VS_MAP_PRIVATE, fd, 0);
    uint8_t vec[4], byte;
    assert_int_equal(vs_memory_write(f->thread, p, 0x44), STATUS_SUCCESS);
    assert_int_equal(vs_memory_read(f->thread, p + PAGE, &byte), STATUS_SUCCESS);
    assert_int_equal(vs_madvise(f->thread, shared, 4 * PAGE, VS_MADV_REMOVE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_mincore(f->thread, p, 4 * PAGE, vec, 4), 0);
    assert_memory_equal(vec, ((uint8_t[]){1, 0, 0, 0}), 4);
    assert_int_equal(vs_memory_read(f->thread, p, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0x44);
    assert_int_equal(vs_memory_read(f->thread, p + PAGE, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0); /* the file's page 1 is a hole now */
    assert_int_equal(vs_ftruncate(f->thread, fd, 0), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_mincore(f->thread, p, 4 * PAGE, vec, 4), 0);
    assert_memory_equal(vec, ((uint8_t[]){0, 0, 0, 0}), 4);
}

static void test_page_cache_and_read_around(void **state)
{
    Fixture *f = *state;
    int fd = regular_file(f, "cache.bin", 64);
    uint64_t shared = vs_mmap(f->thread, 0, 64 * PAGE, RW, VS_MAP_SHARED, fd, 0);
    uint8_t vec[64];
    assert_int_equal(vs_mincore(f->thread, shared, 64 * PAGE, vec, 64), 0);
    assert_int_equal(vec[0] & vec[63], 1); /* written when it was made: cached */
    assert_int_equal(vs_madvise(f->thread, shared, 64 * PAGE, VS_MADV_REMOVE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_mincore(f->thread, shared, 64 * PAGE, vec, 64), 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(vec[i], 0);
    uint64_t p = vs_mmap(f->thread, 0, 64 * PAGE, VS_PROT_READ, VS_MAP_PRIVATE, fd, 0);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, p + 40 * PAGE, &byte), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_mincore(f->thread, shared, 64 * PAGE, vec, 64), 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(vec[i], i >= 24 && i < 56); /* 32 pages centred on page 40 */
    assert_int_equal(vs_madvise(f->thread, shared, 64 * PAGE, VS_MADV_REMOVE), 0);
    assert_int_equal(vs_madvise(f->thread, p, 64 * PAGE, VS_MADV_RANDOM), 0);
    assert_int_equal(vs_memory_read(f->thread, p + 40 * PAGE, &byte), STATUS_SUCCESS);
    assert_int_equal(vs_mincore(f->thread, p, 64 * PAGE, vec, 64), 0);
    assert_int_equal(vec[39] + vec[40] + vec[41], 1); /* MADV_RANDOM: the page alone */
    assert_int_equal(vs_madvise(f->thread, p + 2 * PAGE, 3 * PAGE, VS_MADV_WILLNEED), 0);
    assert_int_equal(vs_mincore(f->thread, p, 6 * PAGE, vec, 64), 0);
    assert_memory_equal(vec, ((uint8_t[]){0, 0, 1, 1, 1, 0}), 6);
    CHECK_INVARIANTS(f);
}

/* ---- The open file's miss count (readahead.c) ---- */

typedef struct MissProbe {
    Fixture *f;
    int fd;
    uint64_t shared; /* the whole 32-page file, MAP_SHARED */
} MissProbe;

static void punch(const MissProbe *m, uint64_t page)
{
    assert_int_equal(vs_madvise(m->f->thread, m->shared + page * PAGE, PAGE, VS_MADV_REMOVE), 0);
    CHECK_INVARIANTS(m->f);
}

static bool cached(const MissProbe *m, uint64_t page)
{
    uint8_t vec[32];
    assert_int_equal(vs_mincore(m->f->thread, m->shared, 32 * PAGE, vec, 32), 0);
    return vec[page] & 1;
}

/* A write that misses: pages 5 and 20 punched out, page 5 written. Whether it read 20 ahead. */
static bool write_miss(const MissProbe *m)
{
    punch(m, 5);
    punch(m, 20);
    assert_int_equal(vs_memory_write(m->f->thread, m->shared + 5 * PAGE, 1), STATUS_SUCCESS);
    CHECK_INVARIANTS(m->f);
    return cached(m, 20);
}

/* The count as the kernel lets it be seen (the same probe ran on Linux): write misses until one
 * no longer reads ahead; the j-th is the first when the count was 101 - j. */
static int miss_count(const MissProbe *m)
{
    for (int j = 1; j <= 200; j++)
        if (!write_miss(m))
            return 101 - j;
    return -1;
}

static uint64_t map_file(const MissProbe *m, uint32_t prot, uint32_t flags, uint64_t first,
                         uint64_t pages)
{
    uint64_t p = vs_mmap(m->f->thread, 0, pages * PAGE, prot, flags, m->fd, first * PAGE);
    assert_true(p != VS_MAP_FAILED);
    CHECK_INVARIANTS(m->f);
    return p;
}

/* The accesses whose effect on the count was measured; page 9 is the one each touches. */
static void touch(const MissProbe *m, uint64_t address, bool write)
{
    uint8_t byte;
    assert_int_equal(write ? vs_memory_write(m->f->thread, address, 1)
                           : vs_memory_read(m->f->thread, address, &byte),
                     STATUS_SUCCESS);
}

static void untouched(const MissProbe *m) { (void)m; }

static void write_cached(const MissProbe *m)
{
    assert_int_equal(vs_madvise(m->f->thread, m->shared + 9 * PAGE, PAGE, VS_MADV_DONTNEED), 0);
    touch(m, m->shared + 9 * PAGE, true);
}

/* A read of page 9 in the 32-page mapping, no page of it mapped before. */
static void read_in_32(const MissProbe *m)
{
    assert_int_equal(vs_madvise(m->f->thread, m->shared, 32 * PAGE, VS_MADV_DONTNEED), 0);
    touch(m, m->shared + 9 * PAGE, false);
}

static void read_in_one(const MissProbe *m)
{
    touch(m, map_file(m, VS_PROT_READ, VS_MAP_SHARED, 9, 1), false);
}

static void private_write(const MissProbe *m)
{
    touch(m, map_file(m, RW, VS_MAP_PRIVATE, 9, 1), true);
}

static void read_miss_in_one(const MissProbe *m) { punch(m, 9), read_in_one(m); }
static void read_miss_in_32(const MissProbe *m) { punch(m, 9), read_in_32(m); }
static void private_write_miss(const MissProbe *m) { punch(m, 9), private_write(m); }
static void read_then_neighbour(const MissProbe *m)
{
    read_in_32(m), touch(m, m->shared + 10 * PAGE, false);
}
static void read_then_write_neighbour(const MissProbe *m)
{
    read_in_32(m), touch(m, m->shared + 10 * PAGE, true);
}
static void read_in_both_blocks(const MissProbe *m)
{
    read_in_32(m), touch(m, m->shared + 17 * PAGE, false);
}

/* An access to a one-page private view of page 9 under MADV_RANDOM. */
static void random_access(const MissProbe *m, uint32_t prot, bool write)
{
    uint64_t p = map_file(m, prot, VS_MAP_PRIVATE, 9, 1);
    assert_int_equal(vs_madvise(m->f->thread, p, PAGE, VS_MADV_RANDOM), 0);
    touch(m, p, write);
}

static void exec_random_write(const MissProbe *m) { random_access(m, RW | VS_PROT_EXEC, true); }
static void exec_random_read_miss(const MissProbe *m)
{
    punch(m, 9), random_access(m, VS_PROT_READ | VS_PROT_EXEC, false);
}
static void exec_random_write_miss(const MissProbe *m)
{
    punch(m, 9), random_access(m, RW | VS_PROT_EXEC, true);
}
static void random_write_miss(const MissProbe *m) { punch(m, 9), random_access(m, RW, true); }

/* One access after 50 misses, and the count it leaves: each value is what Linux 6.18 on ext4
 * answered to the same sequence with the file mapped 2 MB-aligned, so that the 16-page
 * fault-around blocks are pages 0-15 and 16-31 (the probe is in docs/model.md). */
static void test_mmap_miss_counts_faults(void **state)
{
    static const struct {
        const char *what;
        void (*access)(const MissProbe *m);
        int expected;
    } cases[] = {
        {"nothing", untouched, 50},
        {"write a cached page", write_cached, 49},
        {"read in 32 pages", read_in_32, 34},
        {"read in one page", read_in_one, 49},
        {"read miss, one page", read_miss_in_one, 50},
        {"read miss, 32 pages", read_miss_in_32, 20},
        {"private write", private_write, 49},
        {"private write miss", private_write_miss, 51},
        {"read, read its neighbour", read_then_neighbour, 34},
        {"read, write its neighbour", read_then_write_neighbour, 34},
        {"read in both blocks", read_in_both_blocks, 18},
        {"exec, random: write", exec_random_write, 50},
        {"exec, random: read miss", exec_random_read_miss, 50},
        {"exec, random: write miss", exec_random_write_miss, 51},
        {"random: write miss", random_write_miss, 50},
    };
    Fixture *f = *state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char name[32];
        snprintf(name, sizeof name, "miss%zu.bin", c);
        MissProbe m = {f, regular_file(f, name, 32), 0};
        m.shared = vs_mmap(f->thread, 0x7E0000000000ull + c * MB(2), 32 * PAGE, RW,
                           VS_MAP_SHARED | VS_MAP_FIXED_NOREPLACE, m.fd, 0);
        assert_int_equal(m.shared, 0x7E0000000000ull + c * MB(2));
        for (int i = 0; i < 50; i++)
            write_miss(&m);
        cases[c].access(&m);
        CHECK_INVARIANTS(f);
        int count = miss_count(&m);
        if (count != cases[c].expected)
            fail_msg("%s: mmap_miss %d, Linux %d", cases[c].what, count, cases[c].expected);
    }
}

/* A miss in an executable VMA reads from the page to the end of the VMA, MADV_RANDOM or not
 * (its code is read at random); MADV_SEQUENTIAL still reads the window on (6.18). */
static void test_exec_reads_to_the_end_of_its_vma(void **state)
{
    static const struct {
        uint32_t advice;
        uint32_t cached; /* bit i: page i of 32 */
    } cases[] = {
        {VS_MADV_NORMAL, 0xE00u},  /* pages 9-11 */
        {VS_MADV_RANDOM, 0xE00u},
        {VS_MADV_SEQUENTIAL, 0xFFFFFE00u}, /* pages 9-31 */
    };
    Fixture *f = *state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char name[32];
        snprintf(name, sizeof name, "exec%zu.bin", c);
        int fd = regular_file(f, name, 32);
        uint64_t shared = vs_mmap(f->thread, 0, 32 * PAGE, RW, VS_MAP_SHARED, fd, 0);
        assert_int_equal(vs_madvise(f->thread, shared, 32 * PAGE, VS_MADV_REMOVE), 0);
        uint64_t x = vs_mmap(f->thread, 0, 4 * PAGE, VS_PROT_READ | VS_PROT_EXEC, VS_MAP_PRIVATE,
                             fd, 8 * PAGE);
        assert_int_equal(vs_madvise(f->thread, x, 4 * PAGE, cases[c].advice), 0);
        uint8_t byte, vec[32];
        assert_int_equal(vs_memory_read(f->thread, x + PAGE, &byte), STATUS_SUCCESS);
        CHECK_INVARIANTS(f);
        assert_int_equal(vs_mincore(f->thread, shared, 32 * PAGE, vec, 32), 0);
        uint32_t cached = 0;
        for (int i = 0; i < 32; i++)
            cached |= (uint32_t)(vec[i] & 1) << i;
        assert_int_equal(cached, cases[c].cached);
    }
}

/* Past 100 misses a miss reads its page alone; a file opened again counts afresh, and its
 * mappings never merge with the first open's, contiguous offsets or not (vm_file differs). */
static void test_misses_belong_to_the_open_file(void **state)
{
    Fixture *f = *state;
    MissProbe m = {f, regular_file(f, "open.bin", 32), 0};
    m.shared = map_file(&m, RW, VS_MAP_SHARED, 0, 32);
    for (int i = 0; i < 100; i++)
        assert_true(write_miss(&m));
    assert_false(write_miss(&m)); /* the 101st */
    MissProbe again = {f, vs_open(f->thread, "open.bin", VS_O_RDWR), 0};
    assert_true(again.fd > m.fd);
    again.shared = map_file(&again, RW, VS_MAP_SHARED, 0, 32);
    assert_true(write_miss(&again));
    assert_false(write_miss(&m));
    uint64_t low = vs_mmap(f->thread, 0, 4 * PAGE, VS_PROT_READ, VS_MAP_SHARED, m.fd, 4 * PAGE);
    uint64_t high = vs_mmap(f->thread, low + 4 * PAGE, 4 * PAGE, VS_PROT_READ,
                            VS_MAP_SHARED | VS_MAP_FIXED, again.fd, 8 * PAGE);
    assert_int_equal(high, low + 4 * PAGE);
    CHECK_INVARIANTS(f);
    VsVmaInfo info;
    assert_true(vs_vma_find(f->process, low, &info));
    assert_int_equal(info.end, low + 4 * PAGE); /* two VMAs, not one */
    uint64_t same = vs_mmap(f->thread, high + 4 * PAGE, 4 * PAGE, VS_PROT_READ,
                            VS_MAP_SHARED | VS_MAP_FIXED, again.fd, 12 * PAGE);
    assert_int_equal(same, high + 4 * PAGE);
    CHECK_INVARIANTS(f);
    assert_true(vs_vma_find(f->process, high, &info));
    assert_int_equal(info.end, high + 8 * PAGE); /* the same open: merged */
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
    ASSERT_FAILS(f, vs_mremap(f->thread, p + 2 * PAGE, 2 * PAGE, 2 * PAGE,
                              VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, target), VS_EFAULT);
    assert_int_equal(vs_mremap(f->thread, p, 6 * PAGE, 6 * PAGE,
                               VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, target), target);
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

static void test_fork_copy_on_write(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 2 * PAGE, RW, ANON);
    uint64_t s = map(f, 0, PAGE, RW, VS_MAP_SHARED | VS_MAP_ANONYMOUS);
    assert_int_equal(vs_memory_write(f->thread, p, 'P'), STATUS_SUCCESS);
    VsProcess *child;
    int64_t pid = vs_fork(f->thread, &child);
    CHECK_INVARIANTS(f);
    assert_true(pid > 0);
    VsThread *c = vs_process_main_thread(child);
    uint64_t parent_entry = vs_pagemap_entry(f->process, p);
    uint64_t child_entry = vs_pagemap_entry(child, p);
    assert_true(parent_entry & VS_PAGEMAP_PRESENT);
    assert_int_equal(parent_entry & VS_PAGEMAP_PFN_MASK, child_entry & VS_PAGEMAP_PFN_MASK);
    uint8_t byte;
    assert_int_equal(vs_memory_read(c, p, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'P');
    assert_int_equal(vs_memory_write(c, p, 'C'), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_not_equal(vs_pagemap_entry(child, p) & VS_PAGEMAP_PFN_MASK,
                         vs_pagemap_entry(f->process, p) & VS_PAGEMAP_PFN_MASK);
    assert_int_equal(vs_memory_read(f->thread, p, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'P');
    assert_int_equal(vs_memory_write(c, s, 'T'), STATUS_SUCCESS);
    assert_int_equal(vs_memory_read(f->thread, s, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'T'); /* shared stays shared */
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 'Q'), STATUS_SUCCESS);
    assert_int_equal(vs_memory_read(c, p + PAGE, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0);
    assert_int_equal(vs_munmap(c, p, 2 * PAGE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_read(f->thread, p, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'P');
}

/* Private anonymous memory only ever read has no anon_vma: fork leaves the child's page table
 * empty there (vma_needs_copy), so its pages are the parent's alone, and the child faults afresh. */
static void test_fork_skips_memory_never_written(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, PAGE, RW, ANON);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, p, &byte), STATUS_SUCCESS);
    VsProcess *child;
    assert_true(vs_fork(f->thread, &child) > 0);
    CHECK_INVARIANTS(f);
    assert_true(vs_pagemap_entry(f->process, p) & VS_PAGEMAP_PRESENT);
    assert_false(vs_pagemap_entry(child, p) & VS_PAGEMAP_PRESENT);
    assert_int_equal(vs_memory_read(vs_process_main_thread(child), p, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0);
    CHECK_INVARIANTS(f);
}

/* ---- Execute-only memory: protection keys (execonly=pkey) or none ---------------------------- */

static int setup_pkeys(void **state)
{
    return fixture_setup_config(state, &(VsSystemConfig){.arch = VS_ARCH_X64,
                                                         .personality = vs_linux_personality(),
                                                         .execute_only_pkey = true});
}

/* The VMA holding address: its protection key, and how many VMAs the process has. */
static uint32_t pkey_at(Fixture *f, uint64_t address)
{
    VsVmaInfo v;
    assert_true(vs_vma_find(f->process, address, &v) && v.start <= address);
    return v.pkey;
}

/* A read of address: the byte it read, or -1 for SIGSEGV. */
static int read_byte(VsThread *thread, uint64_t address)
{
    uint8_t byte;
    VsStatus status = vs_memory_read(thread, address, &byte);
    return NT_SUCCESS(status) ? byte : vs_signal_of(status) == VS_SIGSEGV ? -1 : -2;
}

/* How many VMAs lie in [start, end). */
static size_t vmas_in(Fixture *f, uint64_t start, uint64_t end)
{
    size_t n = 0;
    VsVmaInfo info;
    for (uint64_t at = start; vs_vma_find(f->process, at, &info) && info.start < end; at = info.end)
        n++;
    return n;
}

/* Whether the last event the model logged is of kind. */
static bool last_event_is(Fixture *f, VsEventKind kind)
{
    return f->log.count && f->log.events[f->log.count - 1].kind == kind;
}

/* mmap and mprotect with exactly PROT_EXEC give the key on a CPU with keys, and then every load
 * and store faults for the key, pages present or not; any other protection takes it away. */
static void execute_only_given_and_taken(Fixture *f, bool keys)
{
    uint32_t key = keys ? 1 : 0;
    uint64_t x = map(f, 0, 2 * PAGE, VS_PROT_EXEC, ANON);
    assert_int_equal(pkey_at(f, x), key);
    vs_event_log_clear(&f->log);
    assert_int_equal(read_byte(f->thread, x), keys ? -1 : 0);
    assert_true(!keys || last_event_is(f, VS_EV_PKEY_FAULT));
    assert_int_equal(vs_memory_write(f->thread, x, 1), STATUS_ACCESS_VIOLATION);
    CHECK_INVARIANTS(f);
    uint64_t p = map(f, 0, 2 * PAGE, RW, ANON);
    assert_int_equal(vs_memory_write(f->thread, p, 0x41), STATUS_SUCCESS);
    assert_int_equal(vs_mprotect(f->thread, p, 2 * PAGE, VS_PROT_EXEC), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(pkey_at(f, p), key);
    assert_int_equal(read_byte(f->thread, p), keys ? -1 : 0x41); /* present, still refused */
    assert_int_equal(vs_mprotect(f->thread, p, PAGE, VS_PROT_READ | VS_PROT_EXEC), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(pkey_at(f, p), 0);
    assert_int_equal(pkey_at(f, p + PAGE), key);
    assert_int_equal(read_byte(f->thread, p), 0x41);
    assert_int_equal(vs_mprotect(f->thread, p, PAGE, VS_PROT_EXEC), 0);
    assert_int_equal(pkey_at(f, p), key);
    /* PROT_EXEC|PROT_SEM is not exactly PROT_EXEC: VM_EXEC alone, without the key. */
    assert_int_equal(vs_mprotect(f->thread, p, PAGE, VS_PROT_EXEC | VS_PROT_SEM), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(pkey_at(f, p), 0);
    assert_int_equal(read_byte(f->thread, p), 0x41);
}

/* The key is in vm_flags: neighbours that differ in it stay two VMAs; fork, mremap and split
 * keep it; get_user_pages (MAP_POPULATE, MAP_LOCKED) is refused by it. */
static void execute_only_follows_the_vma(Fixture *f, bool keys)
{
    uint64_t a = map(f, BASE + MB(1), PAGE, VS_PROT_EXEC, ANON | VS_MAP_FIXED);
    map(f, a + PAGE, PAGE, VS_PROT_EXEC | VS_PROT_SEM, ANON | VS_MAP_FIXED);
    assert_int_equal(vmas_in(f, a, a + 2 * PAGE), keys ? 2 : 1);
    assert_int_equal(vs_mprotect(f->thread, a + PAGE, PAGE, VS_PROT_EXEC), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vmas_in(f, a, a + 2 * PAGE), 1);
    VsProcess *child;
    assert_true(vs_fork(f->thread, &child) > 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(read_byte(vs_process_main_thread(child), a), keys ? -1 : 0);
    uint64_t moved = vs_mremap(f->thread, a, 2 * PAGE, 4 * PAGE,
                               VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, BASE + MB(2));
    assert_int_equal(moved, BASE + MB(2));
    CHECK_INVARIANTS(f);
    assert_int_equal(pkey_at(f, moved + 3 * PAGE), keys ? 1 : 0);
    assert_int_equal(read_byte(f->thread, moved + 3 * PAGE), keys ? -1 : 0);
    uint8_t vec[4];
    uint64_t populated = map(f, 0, 4 * PAGE, VS_PROT_EXEC, ANON | VS_MAP_POPULATE);
    assert_int_equal(vs_mincore(f->thread, populated, 4 * PAGE, vec, 4), 0);
    assert_int_equal(vec[0] + vec[1] + vec[2] + vec[3], keys ? 0 : 4);
    uint64_t locked = map(f, 0, 4 * PAGE, VS_PROT_EXEC, VS_MAP_SHARED | VS_MAP_ANONYMOUS |
                                                           VS_MAP_LOCKED);
    assert_int_equal(vs_mincore(f->thread, locked, 4 * PAGE, vec, 4), 0);
    assert_int_equal(vec[0] + vec[1] + vec[2] + vec[3], keys ? 0 : 4);
}

static void test_execute_only_with_protection_keys(void **state)
{
    execute_only_given_and_taken(*state, true);
    execute_only_follows_the_vma(*state, true);
}

static void test_prot_exec_reads_without_protection_keys(void **state)
{
    execute_only_given_and_taken(*state, false);
    execute_only_follows_the_vma(*state, false);
}

/* The checker knows where a key can be: a VMA given one it cannot have is reported. */
static void test_checker_finds_a_misplaced_pkey(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, PAGE, VS_PROT_READ | VS_PROT_EXEC, ANON);
    VsVad *vad = vs_vad_locate(&f->process->vad_root, vs_vpn(p));
    vs_vma(vad)->vm_flags |= (VsVmFlags)VS_EXECUTE_ONLY_PKEY << VS_VM_PKEY_SHIFT;
    char why[256];
    assert_false(vs_check(f->system, why, sizeof why));
    assert_non_null(strstr(why, "protection key"));
    vs_vma(vad)->vm_flags &= ~VS_VM_PKEY_MASK;
    assert_true(vs_check(f->system, why, sizeof why));
}

static void test_windows_calls_stay_out(void **state)
{
    (void)state;
    VsSystem *system = vs_system_create(&(VsSystemConfig){.arch = VS_ARCH_X64});
    VsThread *thread = vs_process_main_thread(vs_process_create(system, "w"));
    assert_int_equal(vs_mmap(thread, 0, PAGE, RW, ANON, -1, 0), VS_MAP_FAILED);
    assert_int_equal(vs_errno(thread), VS_ENOSYS);
    assert_true(vs_check(system, NULL, 0));
    vs_system_destroy(system);
}

static void random_calls_keep_invariants(Fixture *f);

static void test_random_calls_keep_invariants(void **state) { random_calls_keep_invariants(*state); }

/* The same calls on a CPU with protection keys: PROT_EXEC alone among them gives the key. */
static void test_random_calls_keep_invariants_with_pkeys(void **state)
{
    random_calls_keep_invariants(*state);
}

static void random_calls_keep_invariants(Fixture *f)
{
    TestRng rng = {.state = 0x9E3779B97F4A7C15ull};
    uint64_t top = BASE - 64 * PAGE;
    for (int i = 0; i < 4000; i++) {
        uint64_t at = top + rng_below(&rng, 64) * PAGE, len = (1 + rng_below(&rng, 8)) * PAGE;
        uint32_t prot = (uint32_t)rng_below(&rng, 8);
        uint8_t vec[16], byte;
        switch (rng_below(&rng, 9)) {
        case 0: vs_mmap(f->thread, at, len, prot, ANON | VS_MAP_FIXED, -1, 0); break;
        case 1: vs_munmap(f->thread, at, len); break;
        case 2: vs_mprotect(f->thread, at, len, prot); break;
        case 3: vs_madvise(f->thread, at, len, (uint32_t)rng_below(&rng, 12)); break;
        case 4: vs_memory_write(f->thread, at, (uint8_t)i); break;
        case 5: vs_memory_read(f->thread, at, &byte); break;
        case 6: vs_mremap(f->thread, at, len, (1 + rng_below(&rng, 8)) * PAGE,
                          (uint32_t)rng_below(&rng, 2), 0);
            break;
        case 7: vs_mincore(f->thread, at, len, vec, 16); break;
        default: vs_mmap(f->thread, at, len, prot, VS_MAP_SHARED | VS_MAP_ANONYMOUS |
                         VS_MAP_FIXED, -1, 0);
        }
        CHECK_INVARIANTS(f);
    }
}

#define LINUX(t) cmocka_unit_test_setup_teardown(t, setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_mmap_goes_down_and_merges),
        LINUX(test_thp_alignment),
        LINUX(test_mmap_errors_in_order),
        LINUX(test_mprotect_splits_and_merges_back),
        LINUX(test_separately_touched_pieces_stay_apart),
        LINUX(test_munmap_and_madvise),
        LINUX(test_memfd_ring_buffer),
        LINUX(test_sigbus_past_end_of_file),
        LINUX(test_punched_hole_keeps_private_copies),
        LINUX(test_mremap),
        LINUX(test_mremap_second_mapping_over_its_page),
        LINUX(test_file_placement_follows_offset),
        LINUX(test_page_cache_and_read_around),
        LINUX(test_mmap_miss_counts_faults),
        LINUX(test_misses_belong_to_the_open_file),
        LINUX(test_exec_reads_to_the_end_of_its_vma),
        LINUX(test_merge_prefers_the_lower_neighbour),
        LINUX(test_sigbus_store_prepares_anon_vma),
        LINUX(test_mremap_moves_several_vmas),
        LINUX(test_fork_copy_on_write),
        LINUX(test_fork_skips_memory_never_written),
        cmocka_unit_test_setup_teardown(test_execute_only_with_protection_keys, setup_pkeys,
                                        fixture_teardown),
        LINUX(test_prot_exec_reads_without_protection_keys),
        cmocka_unit_test_setup_teardown(test_checker_finds_a_misplaced_pkey, setup_pkeys,
                                        fixture_teardown),
        cmocka_unit_test(test_windows_calls_stay_out),
        LINUX(test_random_calls_keep_invariants),
        cmocka_unit_test_setup_teardown(test_random_calls_keep_invariants_with_pkeys, setup_pkeys,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
