/*
 * test_fork.c - fork for the Linux personality (fork.c): private pages shared copy-on-write, shared
 * ones shared, and memory never written left out of the child's page table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

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
 * empty there (vma_needs_copy), so its pages are the parent's alone, and the child faults
 * afresh. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_fork_copy_on_write),
        LINUX(test_fork_skips_memory_never_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
