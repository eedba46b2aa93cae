/*
 * test_madvise.c - madvise for the Linux personality (madvise.c), beside munmap and mincore: advice
 * that drops pages, and the errors in the kernel's order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_munmap_and_madvise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
