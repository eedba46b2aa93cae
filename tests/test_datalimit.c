/*
 * test_datalimit.c - RLIMIT_DATA (datalimit.c): private writable memory counted in whole pages
 * against the limit by mmap, mprotect, mremap and brk; what is not data; MAP_FIXED counting off
 * what it replaces; a limit of 0; brk's check of the break in bytes, shrinking too; fork's copy.
 * Each expectation is what Linux 6.18 did (tests/verify-posix/data-limit.vsim checks them against
 * the kernel).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

#define B0 VS_LINUX_START_BRK

static void limit(Fixture *f, uint64_t bytes)
{
    assert_int_equal(vs_setrlimit(f->thread, VS_RLIMIT_DATA, bytes), 0);
    assert_int_equal(vs_rlimit_data(f->process), bytes);
}

/* 16 pages fit under 64 KB; a 17th is ENOMEM, MAP_NORESERVE or not; read-only, shared and
 * MAP_GROWSDOWN memory are not data. */
static void test_mmap_counts_data_pages(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_rlimit_data(f->process), VS_RLIM_INFINITY);
    limit(f, 64 * 1024);
    assert_int_not_equal(map(f, 0, 16 * PAGE, RW, ANON), VS_MAP_FAILED);
    ASSERT_FAILS(f, map(f, 0, PAGE, RW, ANON), VS_ENOMEM);
    ASSERT_FAILS(f, map(f, 0, PAGE, RW, ANON | VS_MAP_NORESERVE), VS_ENOMEM);
    assert_int_not_equal(map(f, 0, PAGE, VS_PROT_READ, ANON), VS_MAP_FAILED);
    assert_int_not_equal(map(f, 0, PAGE, RW, VS_MAP_SHARED | VS_MAP_ANONYMOUS), VS_MAP_FAILED);
    assert_int_not_equal(map(f, 0, PAGE, RW, ANON | VS_MAP_GROWSDOWN), VS_MAP_FAILED);
}

/* mprotect to writable is ENOMEM past the limit; making data read-only makes room. A MAP_FIXED
 * mapping counts off the pages it replaces, read-only ones too, so it may end past the limit;
 * mremap may not grow data past it. */
static void test_mprotect_fixed_and_mremap(void **state)
{
    Fixture *f = *state;
    limit(f, 64 * 1024);
    uint64_t a = map(f, 0, 16 * PAGE, RW, ANON), r = map(f, 0, 4 * PAGE, VS_PROT_READ, ANON);
    ASSERT_FAILS(f, vs_mprotect(f->thread, r, PAGE, RW), VS_ENOMEM);
    assert_int_equal(vs_mprotect(f->thread, a, PAGE, VS_PROT_READ), 0);
    assert_int_equal(vs_mprotect(f->thread, r, PAGE, RW), 0);
    assert_int_equal(map(f, r + PAGE, 3 * PAGE, RW, ANON | VS_MAP_FIXED), r + PAGE);
    ASSERT_FAILS(f, vs_mremap(f->thread, a + PAGE, 15 * PAGE, 16 * PAGE, VS_MREMAP_MAYMOVE, 0),
                 VS_ENOMEM);
    uint64_t m = map(f, 0, PAGE, VS_PROT_READ, ANON);
    assert_int_not_equal(vs_mremap(f->thread, m, PAGE, 2 * PAGE, VS_MREMAP_MAYMOVE, 0),
                         VS_MAP_FAILED);
}

/* A soft limit of 0 refuses no mapping (the Valgrind workaround); 4 KB refuses a second page. */
static void test_limit_zero_lets_everything_through(void **state)
{
    Fixture *f = *state;
    limit(f, 0);
    assert_int_not_equal(map(f, 0, 64 * PAGE, RW, ANON), VS_MAP_FAILED);
    limit(f, PAGE);
    ASSERT_FAILS(f, map(f, 0, PAGE, RW, ANON), VS_ENOMEM);
}

/* brk: the heap's pages count with the rest; the break itself, in bytes, is checked first, for a
 * shrink too; fork copies the limit. */
static void test_brk(void **state)
{
    Fixture *f = *state;
    limit(f, 64 * 1024 + 100);
    assert_int_equal(vs_brk(f->thread, B0 + 2 * PAGE), B0 + 2 * PAGE);
    assert_int_equal(vs_brk(f->thread, B0 + 16 * PAGE + 50), B0 + 2 * PAGE);
    assert_int_equal(vs_brk(f->thread, B0 + 16 * PAGE), B0 + 16 * PAGE);
    limit(f, VS_RLIM_INFINITY);
    assert_int_equal(vs_brk(f->thread, B0 + 25 * PAGE), B0 + 25 * PAGE);
    limit(f, 64 * 1024);
    assert_int_equal(vs_brk(f->thread, B0 + 20 * PAGE), B0 + 25 * PAGE);
    assert_int_equal(vs_brk(f->thread, B0 + 16 * PAGE + 1), B0 + 25 * PAGE);
    assert_int_equal(vs_brk(f->thread, B0 + 16 * PAGE), B0 + 16 * PAGE);
    CHECK_INVARIANTS(f);
    VsProcess *child = NULL;
    assert_true(vs_fork(f->thread, &child) > 0);
    assert_int_equal(vs_rlimit_data(child), 64 * 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_mmap_counts_data_pages),
        LINUX(test_mprotect_fixed_and_mremap),
        LINUX(test_limit_zero_lets_everything_through),
        LINUX(test_brk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
