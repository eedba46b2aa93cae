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

/* MADV_FREE lets written pages go lazily; MADV_PAGEOUT then drops those still clean. A page
 * written again after MADV_FREE stays; a page only read (Linux's zero page) is no lazily freed
 * page; a trimmed lazily freed page goes to standby, not to the modified list. */
static void test_free_then_pageout(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 4 * PAGE, RW, ANON);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal(vs_memory_write(f->thread, p + i * PAGE, (uint8_t)(i + 1)), 0);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, p + 3 * PAGE, &byte), 0);
    assert_int_equal(vs_madvise(f->thread, p, 4 * PAGE, VS_MADV_FREE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 5), 0);
    assert_int_equal(vs_madvise(f->thread, p, 4 * PAGE, VS_MADV_PAGEOUT), 0);
    CHECK_INVARIANTS(f);
    uint8_t vec[4];
    assert_int_equal(vs_mincore(f->thread, p, 4 * PAGE, vec, 4), 0);
    assert_memory_equal(vec, ((uint8_t[]){0, 1, 0, 1}), 4);
    assert_int_equal(vs_memory_read(f->thread, p, &byte), 0);
    assert_int_equal(byte, 0);
    assert_int_equal(vs_memory_read(f->thread, p + PAGE, &byte), 0);
    assert_int_equal(byte, 5);
    /* Trimmed after MADV_FREE: clean, so on the standby list, and dropped by MADV_PAGEOUT. */
    assert_int_equal(vs_madvise(f->thread, p + PAGE, PAGE, VS_MADV_FREE), 0);
    vs_trim_page(f->process, vs_vpn(p + PAGE));
    uint64_t pte = vs_pt_read(f->process, vs_vpn(p + PAGE));
    assert_true(vs_pte_is_transition(pte));
    assert_int_equal(f->system->pfn.frames[vs_pte_frame(pte)].location, VS_PAGE_STANDBY);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_madvise(f->thread, p + PAGE, PAGE, VS_MADV_PAGEOUT), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_read(f->thread, p + PAGE, &byte), 0);
    assert_int_equal(byte, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_munmap_and_madvise),
        LINUX(test_free_then_pageout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
