/*
 * test_mprotect.c - mprotect for the Linux personality (mprotect.c): the VMA splits and merges
 * back, a hole stops the change (which is not atomic), the errors in the kernel's order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

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
    assert_int_equal(vs_memory_write(f->thread, p + 5 * PAGE, 1),
                     STATUS_SUCCESS); /* one anon_vma */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_mprotect_splits_and_merges_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
