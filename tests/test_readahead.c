/*
 * test_readahead.c - what a fault reads into the page cache (readahead.c, pagecache.c):
 * read-around, MADV_RANDOM and MADV_SEQUENTIAL, an executable VMA, the open file's miss count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

/* mincore of a file page no PTE maps asks the page cache: a punched hole is not there until a
 * fault reads it back, with the read-ahead window around it (128 KB unless configured). */
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
        {VS_MADV_NORMAL, 0xE00u}, /* pages 9-11 */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_page_cache_and_read_around),
        LINUX(test_mmap_miss_counts_faults),
        LINUX(test_misses_belong_to_the_open_file),
        LINUX(test_exec_reads_to_the_end_of_its_vma),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
