/*
 * test_largepage.c - large pages (largepage.c): MEM_LARGE_PAGES with SeLockMemoryPrivilege, one
 * PDE per 2 MB over a physically contiguous, aligned run of frames; what Windows refuses to do
 * with them; and the failure when physical memory is fragmented.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

static const uint32_t LARGE = MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES;

/* An 8 MB machine: four large-page runs of frames, so fragmenting them takes a few pages. */
static int setup_8mb(void **state)
{
    int rc =
        fixture_setup_config(state, &(VsSystemConfig){.arch = VS_ARCH_X64, .ram_bytes = MB(8)});
    if (rc == 0) {
        Fixture *f = *state;
        vs_process_set_lock_memory_privilege(f->process, true);
    }
    return rc;
}

static int setup_privileged(void **state)
{
    int rc = fixture_setup_x64(state);
    if (rc == 0) {
        Fixture *f = *state;
        vs_process_set_lock_memory_privilege(f->process, true);
    }
    return rc;
}

static VsMemoryCounters memory(Fixture *f)
{
    VsMemoryCounters c;
    vs_memory_counters(f->system, &c);
    return c;
}

/* 4 MB of large pages: a 2 MB-aligned region, committed whole, two PDEs each mapping 512 frames
 * that start on a 2 MB boundary, nothing in the working set, readable and writable at once. */
static void test_large_pages_are_pdes_over_aligned_frame_runs(void **state)
{
    Fixture *f = *state;
    uint64_t active = memory(f).active_pages;
    uint64_t p = VsVirtualAlloc(f->thread, 0, MB(4), LARGE, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    assert_int_equal(p % MB(2), 0);
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, p, p, MB(4), MEM_COMMIT, PAGE_READWRITE, p);
    assert_int_equal(query(f, p).Type, MEM_PRIVATE);
    assert_int_equal(commit_charge(f), 1024);
    for (uint64_t half = 0; half < 2; half++) {
        VsPteWalk walk;
        vs_pte_walk(f->process, p + half * MB(2) + KB(8), &walk);
        assert_true(walk.large);
        assert_false(walk.level[3].present); /* the walk stops at the PDE */
        uint64_t first = vs_pte_frame_number(walk.level[2].entry);
        assert_int_equal(first % 512, 0);
        assert_int_equal(walk.frame, first + 2);
        assert_int_equal(walk.protection, PAGE_READWRITE);
        assert_true(vs_pte_no_execute(walk.level[2].entry));
        VsFrameInfo info;
        assert_true(vs_page_frame_info(f->system, first + 511, &info));
        assert_true(info.large_page);
        assert_int_equal(info.location, VS_PAGE_ACTIVE);
        assert_int_equal(info.vpn, (p + half * MB(2)) / 4096 + 511);
    }
    assert_int_equal(memory(f).active_pages - active, 1024 + 1); /* and one new PDE page */
    assert_int_equal(vs_memory_write(f->thread, p + MB(3) + 5, 42), STATUS_SUCCESS);
    uint8_t value = 0;
    assert_int_equal(vs_memory_read(f->thread, p + MB(3) + 5, &value), STATUS_SUCCESS);
    assert_int_equal(value, 42);
    VsWorkingSetInfo ws;
    vs_process_working_set(f->process, &ws);
    assert_int_equal(ws.size, 0); /* no fault, no working-set entry */
    VsWorkingSetExBlock block;
    assert_true(VsQueryWorkingSetEx(f->thread, VsGetCurrentProcess(), p + MB(3), &block));
    assert_int_equal(block.Valid, 1);
    assert_int_equal(block.LargePage, 1);
    assert_int_equal(block.Locked, 1);
    assert_int_equal(block.Win32Protection, PAGE_READWRITE);
    /* Trimming and the balance set manager never touch them. */
    vs_balance_set_tick(f->system);
    assert_int_equal(vs_memory_read(f->thread, p + MB(3) + 5, &value), STATUS_SUCCESS);
    assert_int_equal(value, 42);
    assert_true(VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    assert_int_equal(memory(f).active_pages, active);
    assert_int_equal(commit_charge(f), 0);
    CHECK_INVARIANTS(f);
}

/* The size must be a multiple of 2 MB (_4); a base rounds down to 2 MB; a read-only large page
 * refuses stores; write-copy is refused as for any private memory. */
static void test_large_page_size_base_and_protection(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0, size = MB(2) + KB(4);
    assert_int_equal(nt_alloc(f, &base, &size, LARGE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_4);
    base = 0x40301234, size = MB(2);
    assert_int_equal(nt_alloc(f, &base, &size, LARGE, PAGE_READONLY), STATUS_SUCCESS);
    assert_int_equal(base, 0x40200000);
    assert_int_equal(size, MB(2));
    assert_int_equal(vs_memory_write(f->thread, base, 1), STATUS_ACCESS_VIOLATION);
    uint8_t value = 1;
    assert_int_equal(vs_memory_read(f->thread, base + 7, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0); /* zeroed */
    base = 0, size = MB(2);
    assert_int_equal(nt_alloc(f, &base, &size, LARGE, PAGE_WRITECOPY),
                     STATUS_INVALID_PAGE_PROTECTION);
    CHECK_INVARIANTS(f);
}

/* What Windows will not do with large pages (WRK's VadLargePages checks): decommit, release a part,
 * commit or reset into them, lock them, or give them another protection; the same protection is
 * a success. A commit at a base with MEM_LARGE_PAGES into an ordinary reservation ignores the flag.
 */
static void test_large_pages_go_whole_or_not_at_all(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, MB(4), LARGE, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p, KB(4), MEM_DECOMMIT), ERROR_INVALID_ADDRESS);
    uint64_t base = p + MB(2), size = MB(2);
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
    base = p, size = MB(2);
    assert_int_equal(nt_free(f, &base, &size, MEM_DECOMMIT), STATUS_MEMORY_NOT_ALLOCATED);
    base = p, size = KB(4);
    assert_int_equal(nt_alloc(f, &base, &size, MEM_COMMIT, PAGE_READWRITE),
                     STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESET, PAGE_READWRITE),
                     STATUS_CONFLICTING_ADDRESSES);
    ASSERT_WIN32_FAILS(f, VsVirtualLock(f->thread, p, KB(4)), ERROR_INVALID_PARAMETER);
    uint32_t old = 0;
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, p, KB(4), PAGE_READONLY, &old),
                       ERROR_INVALID_ADDRESS);
    assert_true(VsVirtualProtect(f->thread, p, KB(4), PAGE_READWRITE, &old));
    assert_int_equal(old, PAGE_READWRITE);
    assert_true(VsVirtualUnlock(f->thread, p, KB(4))); /* skipped, with success (WRK) */
    uint64_t r = VsVirtualAlloc(f->thread, 0, MB(2), MEM_RESERVE, PAGE_READWRITE);
    base = r, size = KB(4);
    assert_int_equal(nt_alloc(f, &base, &size, MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE),
                     STATUS_SUCCESS);
    VsPteWalk walk;
    assert_int_equal(vs_memory_write(f->thread, r, 1), STATUS_SUCCESS);
    vs_pte_walk(f->process, r, &walk);
    assert_false(walk.large);
    CHECK_INVARIANTS(f);
    assert_true(VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
}

/* A process without the privilege is refused before anything, with it succeeds; the check is
 * the caller's token, not the target's. */
static void test_privilege_is_the_callers(void **state)
{
    Fixture *f = *state;
    VsProcess *other = vs_process_create(f->system, "other");
    VsThread *thread = vs_process_main_thread(other);
    assert_false(vs_process_lock_memory_privilege(other));
    assert_int_equal(VsVirtualAlloc(thread, 0, MB(2), LARGE, PAGE_READWRITE), 0);
    assert_int_equal(VsGetLastError(thread), ERROR_PRIVILEGE_NOT_HELD);
    VsHandle h = VsOpenProcess(f->thread, PROCESS_ALL_ACCESS, false, vs_process_id(other));
    assert_int_not_equal(h, 0);
    uint64_t p = VsVirtualAllocEx(f->thread, h, 0, MB(2), LARGE, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    VsPteWalk walk;
    vs_pte_walk(other, p, &walk);
    assert_true(walk.large);
    CHECK_INVARIANTS(f);
}

/* Fragmentation: on an 8 MB machine (four 2 MB runs) a locked page in each run but the first, and
 * page tables in the first three (made as the pages were touched), spoil every run, so 2 MB of
 * large pages cannot be had though some 7 MB are free. Unlocking the page of the last run is
 * enough: Windows empties the working sets, the page is written to the page file and goes to
 * standby, and its frame is repurposed into the run. */
static void test_fragmented_memory_refuses_large_pages_until_a_run_frees(void **state)
{
    Fixture *f = *state;
    uint64_t locked[3], filler[3];
    assert_true(VsSetProcessWorkingSetSize(f->thread, VsGetCurrentProcess(), KB(400), MB(6)));
    for (int i = 0; i < 3; i++) {
        filler[i] = VsVirtualAlloc(f->thread, 0, 600 * KB(4), MEM_COMMIT, PAGE_READWRITE);
        for (uint64_t a = filler[i]; a < filler[i] + 600 * KB(4); a += KB(4))
            assert_int_equal(vs_memory_write(f->thread, a, 1), STATUS_SUCCESS);
        locked[i] = VsVirtualAlloc(f->thread, 0, KB(4), MEM_COMMIT, PAGE_READWRITE);
        assert_int_equal(vs_memory_write(f->thread, locked[i], 0x5A), STATUS_SUCCESS);
        assert_true(VsVirtualLock(f->thread, locked[i], KB(4)));
    }
    for (int i = 0; i < 3; i++) {
        VsPteWalk walk;
        vs_pte_walk(f->process, locked[i], &walk);
        assert_int_equal(walk.frame / 512, (uint64_t)i + 1); /* one in each run but the first */
        assert_true(VsVirtualFree(f->thread, filler[i], 0, MEM_RELEASE));
    }
    CHECK_INVARIANTS(f);
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0, MB(2), LARGE, PAGE_READWRITE),
                       ERROR_NO_SYSTEM_RESOURCES);
    assert_true(memory(f).available_pages > 1700);
    CHECK_INVARIANTS(f);
    assert_true(VsVirtualUnlock(f->thread, locked[2], KB(4)));
    uint64_t p = VsVirtualAlloc(f->thread, 0, MB(2), LARGE, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    VsPteWalk walk;
    vs_pte_walk(f->process, p, &walk);
    assert_int_equal(vs_pte_frame_number(walk.level[2].entry), 1536);
    uint8_t value = 0; /* the unlocked page was paged out and comes back from the page file */
    assert_int_equal(vs_memory_read(f->thread, locked[2], &value), STATUS_SUCCESS);
    assert_int_equal(value, 0x5A);
    CHECK_INVARIANTS(f);
}

/* A large allocation of several large pages that cannot all be had takes none: the ones found are
 * given back, the VAD goes, nothing stays charged. */
static void test_partial_failure_gives_everything_back(void **state)
{
    Fixture *f = *state;
    VsMemoryCounters before = memory(f);
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0, MB(8), LARGE, PAGE_READWRITE),
                       ERROR_NO_SYSTEM_RESOURCES);
    assert_int_equal(memory(f).active_pages, before.active_pages);
    assert_int_equal(commit_charge(f), 0);
    CHECK_INVARIANTS(f);
    uint64_t p = VsVirtualAlloc(f->thread, 0, MB(6), LARGE, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    CHECK_INVARIANTS(f);
}

/* The two-level x86 maps 4 MB with one PDE. */
static void test_x86_large_pages_are_4mb(void **state)
{
    Fixture *f = *state;
    vs_process_set_lock_memory_privilege(f->process, true);
    assert_int_equal(VsGetLargePageMinimum(f->thread), MB(4));
    uint64_t p = VsVirtualAlloc(f->thread, 0, MB(4), LARGE, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    assert_int_equal(p % MB(4), 0);
    VsPteWalk walk;
    vs_pte_walk(f->process, p + MB(3), &walk);
    assert_true(walk.large);
    assert_int_equal(vs_pte_frame_number(walk.level[0].entry) % 1024, 0);
    CHECK_INVARIANTS(f);
    assert_true(VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
}

/* SEC_COMMIT|SEC_LARGE_PAGES: the privilege, then whole large pages; every frame resident from
 * the start in aligned runs; views mapped by large PDEs over the same frames, so two views share
 * them (Shared, ShareCount 2); a view that is not whole large pages is refused; the frames go when
 * the last view and handle do. */
static void test_large_page_sections(void **state)
{
    Fixture *f = *state;
    const uint32_t large = PAGE_READWRITE | SEC_COMMIT | SEC_LARGE_PAGES;
    VsThread *other = vs_process_main_thread(vs_process_create(f->system, "other"));
    uint64_t active = memory(f).active_pages;
    assert_int_equal(VsCreateFileMapping(other, VS_INVALID_HANDLE_VALUE, large, 0, MB(2), NULL), 0);
    assert_int_equal(VsGetLastError(other), ERROR_PRIVILEGE_NOT_HELD);
    ASSERT_WIN32_FAILS(
        f, VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, large, 0, MB(2) + KB(4), NULL),
        ERROR_INVALID_PARAMETER);
    VsHandle h = VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, large, 0, MB(4), NULL);
    assert_int_not_equal(h, 0);
    assert_int_equal(memory(f).active_pages - active, 1024); /* resident before any view */
    CHECK_INVARIANTS(f);
    uint64_t a = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    uint64_t b = VsMapViewOfFile(f->thread, h, FILE_MAP_READ, 0, MB(2), MB(2));
    assert_int_not_equal(a, 0);
    assert_int_not_equal(b, 0);
    assert_int_equal(a % MB(2), 0);
    assert_int_equal(b % MB(2), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_write(f->thread, a + MB(2) + 9, 0x42), STATUS_SUCCESS);
    uint8_t value = 0;
    assert_int_equal(vs_memory_read(f->thread, b + 9, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0x42);
    assert_int_equal(vs_memory_write(f->thread, b, 1), STATUS_ACCESS_VIOLATION); /* read-only */
    VsPteWalk walk;
    vs_pte_walk(f->process, b, &walk);
    assert_true(walk.large);
    VsWorkingSetExBlock block;
    assert_true(VsQueryWorkingSetEx(f->thread, VsGetCurrentProcess(), b + KB(4), &block));
    assert_int_equal(block.LargePage, 1);
    assert_int_equal(block.Shared, 1);
    assert_int_equal(block.ShareCount, 2);
    assert_int_equal(block.Win32Protection, PAGE_READONLY);
    assert_int_equal(query(f, a).Type, MEM_MAPPED);
    assert_int_equal(query(f, a).RegionSize, MB(4));
    ASSERT_WIN32_FAILS(f, VsMapViewOfFile(f->thread, h, FILE_MAP_READ, 0, 0, KB(64)),
                       ERROR_INVALID_PARAMETER);
    ASSERT_WIN32_FAILS(f, VsMapViewOfFile(f->thread, h, FILE_MAP_COPY, 0, 0, 0),
                       ERROR_INVALID_PARAMETER);
    assert_true(VsUnmapViewOfFile(f->thread, a));
    CHECK_INVARIANTS(f);
    assert_true(VsCloseHandle(f->thread, h));
    assert_int_equal(vs_memory_read(f->thread, b + 9, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0x42); /* the view holds the section */
    assert_true(VsUnmapViewOfFile(f->thread, b));
    assert_int_equal(memory(f).active_pages, active); /* frames and tables all given back */
    CHECK_INVARIANTS(f);
}

/* A SEC_LARGE_PAGES section on fragmented memory fails as a large allocation does. */
static void test_large_page_section_needs_runs(void **state)
{
    Fixture *f = *state;
    const uint32_t large = PAGE_READWRITE | SEC_COMMIT | SEC_LARGE_PAGES;
    ASSERT_WIN32_FAILS(
        f, VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, large, 0, MB(8), NULL),
        ERROR_NO_SYSTEM_RESOURCES);
    assert_int_equal(memory(f).commit_total, 0);
    CHECK_INVARIANTS(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_large_pages_are_pdes_over_aligned_frame_runs,
                                        setup_privileged, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_large_page_size_base_and_protection, setup_privileged,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_large_pages_go_whole_or_not_at_all, setup_privileged,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_privilege_is_the_callers, setup_privileged,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(
            test_fragmented_memory_refuses_large_pages_until_a_run_frees, setup_8mb,
            fixture_teardown),
        cmocka_unit_test_setup_teardown(test_partial_failure_gives_everything_back, setup_8mb,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_x86_large_pages_are_4mb, fixture_setup_x86,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_large_page_sections, setup_privileged,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_large_page_section_needs_runs, setup_8mb,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
