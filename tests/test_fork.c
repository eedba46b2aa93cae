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

static uint64_t frame_of(VsProcess *process, uint64_t address)
{
    uint64_t entry = vs_pagemap_entry(process, address);
    assert_true(entry & VS_PAGEMAP_PRESENT);
    return entry & VS_PAGEMAP_PFN_MASK;
}

static uint8_t byte_at(VsProcess *process, uint64_t address)
{
    uint8_t byte;
    assert_int_equal(vs_memory_read(vs_process_main_thread(process), address, &byte), 0);
    return byte;
}

static VsProcess *fork_of(Fixture *f, VsProcess *parent)
{
    VsProcess *child;
    assert_true(vs_fork(vs_process_main_thread(parent), &child) > 0);
    CHECK_INVARIANTS(f);
    return child;
}

/* A page the parent wrote since an earlier fork is shared with the next child; a page shared by
 * a child and its own child stays theirs (each keeps its frame) when the parent writes and forks
 * again; a partner's untouched page stays present after the other breaks COW. */
static void test_repeated_forks_share(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 2 * PAGE, RW, ANON);
    assert_int_equal(vs_memory_write(f->thread, p, 1), 0);
    VsProcess *c1 = fork_of(f, f->process), *g = fork_of(f, c1);
    assert_int_equal(frame_of(c1, p), frame_of(g, p)); /* shared by three */
    uint64_t old = frame_of(c1, p);
    assert_int_equal(vs_memory_write(f->thread, p, 2), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(frame_of(c1, p), old); /* still mapped after the parent broke COW */
    VsProcess *c2 = fork_of(f, f->process);
    assert_int_equal(frame_of(f->process, p), frame_of(c2, p));
    assert_int_equal(byte_at(c2, p), 2);
    assert_int_equal(byte_at(c1, p), 1);
    assert_int_equal(byte_at(g, p), 1);
    assert_int_equal(vs_memory_write(vs_process_main_thread(c1), p, 3), 0);
    CHECK_INVARIANTS(f);
    VsProcess *g2 = fork_of(f, c1);
    assert_int_equal(frame_of(c1, p), frame_of(g2, p));
    assert_int_equal(byte_at(g2, p), 3);
    assert_int_equal(byte_at(f->process, p), 2);
    assert_int_equal(byte_at(c2, p), 2);
    assert_int_equal(byte_at(g, p), 1);
    assert_int_equal(vs_madvise(f->thread, p, PAGE, VS_MADV_DONTNEED), 0);
    VsProcess *c3 = fork_of(f, f->process); /* the parent's dropped page: nothing to find */
    assert_int_equal(byte_at(c3, p), 0);
    CHECK_INVARIANTS(f);
}

/* After fork the parent's VMA merges with a new neighbour without an anon_vma, and pieces split
 * before the fork (each with a fork section of its own) merge again; the child's do not merge
 * with new neighbours. A forked stack grows below its fork section's first page. */
static void test_forked_vmas_merge_and_grow(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 3 * PAGE, RW, ANON);
    assert_int_equal(vs_munmap(f->thread, p, PAGE), 0);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 1), 0);
    assert_int_equal(vs_mprotect(f->thread, p + 2 * PAGE, PAGE, VS_PROT_READ), 0);
    VsProcess *child = fork_of(f, f->process);
    assert_int_equal(vs_mprotect(f->thread, p + 2 * PAGE, PAGE, RW), 0);
    assert_int_equal(map(f, p, PAGE, RW, ANON | VS_MAP_FIXED), p);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 1);
    assert_int_equal(v[0].start, p);
    assert_int_equal(byte_at(f->process, p + PAGE), 1);
    VsThread *c = vs_process_main_thread(child);
    assert_int_equal(vs_mmap(c, p, PAGE, RW, ANON | VS_MAP_FIXED, -1, 0), p);
    CHECK_INVARIANTS(f);
    size_t n = 0;
    for (uint64_t at = 0; vs_vma_find(child, at, &v[0]); at = v[0].end)
        n++;
    assert_int_equal(n, 3); /* the child's pieces merge with no new neighbour */
    uint64_t s =
        vs_mmap(f->thread, p - 3 * PAGE, PAGE, RW, ANON | VS_MAP_FIXED | VS_MAP_GROWSDOWN, -1, 0);
    assert_int_equal(vs_memory_write(f->thread, s, 7), 0);
    fork_of(f, f->process);
    assert_int_equal(vs_memory_write(f->thread, s - 2 * PAGE, 8), 0); /* below its first index */
    CHECK_INVARIANTS(f);
    assert_int_equal(byte_at(f->process, s), 7);
}

/* clone with glibc's thread flags makes a thread of the same process, sharing its memory; the
 * kernel's EINVAL combinations are EINVAL; a clone that is not a thread is not the model's. */
static void test_clone_makes_a_thread(void **state)
{
    Fixture *f = *state;
    const uint64_t thread_flags = VS_CLONE_VM | VS_CLONE_FS | VS_CLONE_FILES | VS_CLONE_SIGHAND |
                                  VS_CLONE_THREAD | VS_CLONE_SYSVSEM | VS_CLONE_SETTLS |
                                  VS_CLONE_PARENT_SETTID | VS_CLONE_CHILD_CLEARTID;
    uint64_t stack = map(f, 0, MB(8) + PAGE, VS_PROT_NONE, ANON | VS_MAP_STACK);
    assert_int_equal(vs_mprotect(f->thread, stack + PAGE, MB(8), RW), 0);
    VsThread *thread = NULL;
    int64_t tid = vs_clone(f->thread, thread_flags, stack + MB(8) + PAGE, &thread);
    assert_non_null(thread);
    assert_int_equal(tid, vs_thread_id(thread));
    assert_int_not_equal(tid, vs_thread_id(f->thread));
    assert_ptr_equal(vs_thread_process(thread), f->process);
    assert_int_equal(vs_process_thread_count(f->process), 2);
    assert_int_equal(vs_memory_write(thread, stack + MB(8), 7), STATUS_SUCCESS);
    uint8_t byte = 0;
    assert_int_equal(vs_memory_read(f->thread, stack + MB(8), &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 7);
    ASSERT_FAILS(f, vs_clone(f->thread, VS_CLONE_THREAD, stack, &thread), VS_EINVAL);
    ASSERT_FAILS(f, vs_clone(f->thread, VS_CLONE_SIGHAND | VS_CLONE_THREAD, stack, &thread),
                 VS_EINVAL);
    ASSERT_FAILS(f, vs_clone(f->thread, VS_CLONE_VM, stack, &thread), VS_ENOSYS);
    assert_null(thread);
    assert_int_equal(vs_process_thread_count(f->process), 2);
}

/* A fork that fails partway (here the fork section's commit: the parent's private memory is past
 * what RAM and the page file hold, as Linux's heuristic overcommit lets a mapping be) leaves
 * nothing of its child behind: the commit it had charged comes back, and the system is whole. */
static int setup_small(void **state)
{
    return fixture_setup_config(state, &(VsSystemConfig){.arch = VS_ARCH_X64,
                                                         .personality = vs_linux_personality(),
                                                         .ram_bytes = 4ull << 20});
}

/* A page read back from the page file by a store (its slot kept until the Dirty bit is
 * captured), then shared by a fork: the fork section's page keeps no slot the capture freed. The
 * calls are a fuzzer's (a 1.5 MB machine, so that mlock pages the rest out). */
static int setup_tiny(void **state)
{
    return fixture_setup_config(state, &(VsSystemConfig){.arch = VS_ARCH_X64,
                                                         .personality = vs_linux_personality(),
                                                         .ram_bytes = 1536ull << 10});
}

static void test_fork_after_store_to_paged_out_page(void **state)
{
    Fixture *f = *state;
    uint64_t arena = VS_LINUX_MMAP_BASE;
    map(f, arena + 0x2000000, 0x600000, VS_PROT_READ, ANON | VS_MAP_FIXED);
    assert_int_equal(vs_mprotect(f->thread, arena + 0x2200000, 0x211000, RW), 0);
    assert_int_equal(vs_mlock(f->thread, arena + 0x21CD000, 0x400000), 0);
    assert_int_equal(vs_mremap(f->thread, arena + 0x2400000, 0x220000, 0x220000,
                               VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, arena),
                     arena);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_write(f->thread, arena + 0xB000, 0x44), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    vs_fork(f->thread, NULL); /* here ENOMEM, after the first VMA's section is made */
    CHECK_INVARIANTS(f);
}

static void test_failed_fork_leaves_no_child(void **state)
{
    Fixture *f = *state;
    VsMemoryCounters before, after;
    uint64_t p = map(f, 0, 8ull << 20, RW, ANON);
    uint64_t below = p - 512 * PAGE; /* apart from p: copied before p fails, and charged */
    assert_int_equal(vs_mmap(f->thread, below, 256 * PAGE, RW, ANON | VS_MAP_FIXED, -1, 0), below);
    assert_int_equal(vs_memory_write(f->thread, p, 1), STATUS_SUCCESS);
    vs_memory_counters(f->system, &before);
    VsProcess *child = NULL;
    assert_int_equal(vs_fork(f->thread, &child), -1);
    assert_int_equal(vs_errno(f->thread), VS_ENOMEM);
    assert_null(child);
    CHECK_INVARIANTS(f);
    vs_memory_counters(f->system, &after);
    assert_int_equal(after.commit_total, before.commit_total);
    uint8_t byte = 0;
    assert_int_equal(vs_memory_read(f->thread, p, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_fork_copy_on_write),
        LINUX(test_fork_skips_memory_never_written),
        LINUX(test_repeated_forks_share),
        LINUX(test_forked_vmas_merge_and_grow),
        LINUX(test_clone_makes_a_thread),
        cmocka_unit_test_setup_teardown(test_fork_after_store_to_paged_out_page, setup_tiny,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_failed_fork_leaves_no_child, setup_small,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
