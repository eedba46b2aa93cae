/*
 * test_awe.c - Address Windowing Extensions (awe.c): frames a process owns, MEM_PHYSICAL windows,
 * mapping and unmapping frames there, and what Windows refuses on the way. The invariant checker
 * runs after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

static const uint32_t WINDOW = MEM_RESERVE | MEM_PHYSICAL;

static int setup_privileged(void **state)
{
    int rc = fixture_setup_x64(state);
    if (rc == 0)
        vs_process_set_lock_memory_privilege(((Fixture *)*state)->process, true);
    return rc;
}

/* A 4 MB machine, so that memory runs short. */
static int setup_small(void **state)
{
    int rc =
        fixture_setup_config(state, &(VsSystemConfig){.arch = VS_ARCH_X64, .ram_bytes = MB(4)});
    if (rc == 0)
        vs_process_set_lock_memory_privilege(((Fixture *)*state)->process, true);
    return rc;
}

static uint64_t system_commit(Fixture *f)
{
    VsMemoryCounters c;
    vs_memory_counters(f->system, &c);
    return c.commit_total;
}

/* Entry i of a pointer array in the process's memory. */
static uint64_t entry(Fixture *f, uint64_t array, uint64_t i)
{
    uint64_t value = 0;
    for (int b = 0; b < 8; b++) {
        uint8_t byte = 0;
        assert_int_equal(vs_memory_read(f->thread, array + i * 8 + b, &byte), STATUS_SUCCESS);
        value |= (uint64_t)byte << (8 * b);
    }
    return value;
}

static void set_entry(Fixture *f, uint64_t array, uint64_t i, uint64_t value)
{
    for (int b = 0; b < 8; b++)
        assert_int_equal(vs_memory_write(f->thread, array + i * 8 + b, (uint8_t)(value >> (8 * b))),
                         STATUS_SUCCESS);
}

static uint64_t buffer(Fixture *f, uint64_t size)
{
    uint64_t p = VsVirtualAlloc(f->thread, 0, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    return p;
}

static uint64_t allocate(Fixture *f, uint64_t array, uint64_t want)
{
    uint64_t n = want;
    assert_true(VsAllocateUserPhysicalPages(f->thread, VS_CURRENT_PROCESS, &n, array));
    CHECK_INVARIANTS(f);
    return n;
}

static uint8_t peek(Fixture *f, uint64_t address)
{
    uint8_t value = 0xEE;
    assert_int_equal(vs_memory_read(f->thread, address, &value), STATUS_SUCCESS);
    return value;
}

/* Without SeLockMemoryPrivilege: ERROR_PRIVILEGE_NOT_HELD, no frame taken, the count untouched. */
static void test_allocate_needs_the_privilege(void **state)
{
    Fixture *f = *state;
    uint64_t pfns = buffer(f, KB(4)), n = 8, commit = system_commit(f);
    assert_false(VsAllocateUserPhysicalPages(f->thread, VS_CURRENT_PROCESS, &n, pfns));
    assert_int_equal(VsGetLastError(f->thread), ERROR_PRIVILEGE_NOT_HELD);
    assert_int_equal(n, 8);
    assert_int_equal(system_commit(f), commit);
    CHECK_INVARIANTS(f);
    /* A count of 0 succeeds before anything is looked at. */
    n = 0;
    assert_true(VsAllocateUserPhysicalPages(f->thread, VS_CURRENT_PROCESS, &n, pfns));
    /* Mapping with no AWE frames at all: STATUS_INVALID_PARAMETER_1. */
    uint64_t window = VsVirtualAlloc(f->thread, 0, KB(64), WINDOW, PAGE_READWRITE);
    assert_int_not_equal(window, 0);
    assert_int_equal(VsNtMapUserPhysicalPages(f->thread, window, 1, pfns),
                     STATUS_INVALID_PARAMETER_1);
}

/* The frames are the process's: their numbers in the array, zeroed, active, mapped nowhere, one
 * page of system commit each and none of the process's own; the window is a reservation until a
 * frame is mapped, then committed read-write, outside the working set. */
static void test_frames_owned_then_mapped_into_a_window(void **state)
{
    Fixture *f = *state;
    uint64_t pfns = buffer(f, KB(4));
    uint64_t commit = system_commit(f), own = commit_charge(f);
    assert_int_equal(allocate(f, pfns, 32), 32);
    assert_int_equal(system_commit(f), commit + 32);
    assert_int_equal(commit_charge(f), own);
    for (uint64_t i = 0; i < 32; i++) {
        VsFrameInfo info;
        assert_true(vs_page_frame_info(f->system, entry(f, pfns, i), &info));
        assert_true(info.awe);
        assert_int_equal(info.location, VS_PAGE_ACTIVE);
        assert_int_equal(info.vpn, UINT64_MAX);
    }
    uint64_t window = VsVirtualAlloc(f->thread, 0, KB(64), WINDOW, PAGE_READWRITE);
    assert_int_not_equal(window, 0);
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, window, window, KB(64), MEM_RESERVE, 0, window);
    assert_int_equal(query(f, window).Type, MEM_PRIVATE);
    VsWorkingSetInfo before, after;
    vs_process_working_set(f->process, &before);
    assert_true(VsMapUserPhysicalPages(f->thread, window + KB(8), 4, pfns));
    CHECK_INVARIANTS(f);
    vs_process_working_set(f->process, &after);
    assert_int_equal(after.size, before.size);
    ASSERT_REGION(f, window, window, KB(8), MEM_RESERVE, 0, window);
    ASSERT_REGION(f, window + KB(8), window + KB(8), KB(16), MEM_COMMIT, PAGE_READWRITE, window);
    assert_int_equal(commit_charge(f), own);
    VsPteWalk walk;
    vs_pte_walk(f->process, window + KB(13), &walk);
    assert_int_equal(walk.frame, entry(f, pfns, 1));
    assert_int_equal(vs_memory_write(f->thread, window + KB(13), 7), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    /* An unmapped page of the window is reserved memory: touching it is an access violation. */
    uint8_t value;
    assert_int_equal(vs_memory_read(f->thread, window, &value), STATUS_ACCESS_VIOLATION);
}

/* A window over more memory than it holds: write through it, map other frames there (they read
 * zeros), map the first ones back, and the bytes are still in them. */
static void test_remapping_keeps_the_bytes_in_the_frames(void **state)
{
    Fixture *f = *state;
    uint64_t pfns = buffer(f, KB(4));
    assert_int_equal(allocate(f, pfns, 64), 64);
    uint64_t window = VsVirtualAlloc(f->thread, 0, KB(64), WINDOW, PAGE_READWRITE);
    for (uint64_t part = 0; part < 4; part++) {
        assert_true(VsMapUserPhysicalPages(f->thread, window, 16, pfns + part * 16 * 8));
        CHECK_INVARIANTS(f);
        assert_int_equal(peek(f, window + KB(20)), 0);
        assert_int_equal(vs_memory_write(f->thread, window + KB(20), (uint8_t)(10 + part)),
                         STATUS_SUCCESS);
    }
    for (uint64_t part = 0; part < 4; part++) {
        assert_true(VsMapUserPhysicalPages(f->thread, window, 16, pfns + part * 16 * 8));
        assert_int_equal(peek(f, window + KB(20)), 10 + part);
    }
    /* A NULL array unmaps; the frames stay the process's. */
    assert_true(VsMapUserPhysicalPages(f->thread, window, 16, 0));
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, window, window, KB(64), MEM_RESERVE, 0, window);
    VsFrameInfo info;
    assert_true(vs_page_frame_info(f->system, entry(f, pfns, 53), &info));
    assert_true(info.awe);
}

/* Windows' check order: the range outside one AWE reservation (_1), a frame not the process's
 * (CONFLICTING_ADDRESSES), a frame mapped anywhere, even there (_3); a failure maps nothing. */
static void test_map_refusals_in_order(void **state)
{
    Fixture *f = *state;
    uint64_t pfns = buffer(f, KB(4));
    assert_int_equal(allocate(f, pfns, 8), 8);
    uint64_t window = VsVirtualAlloc(f->thread, 0, KB(64), WINDOW, PAGE_READWRITE);
    uint64_t plain = buffer(f, KB(64));
    assert_int_equal(VsNtMapUserPhysicalPages(f->thread, plain, 1, pfns),
                     STATUS_INVALID_PARAMETER_1);
    assert_int_equal(VsNtMapUserPhysicalPages(f->thread, window + KB(60), 2, pfns),
                     STATUS_INVALID_PARAMETER_1);
    assert_false(VsMapUserPhysicalPages(f->thread, window + KB(60), 2, pfns));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    /* Entry 2 names a frame the process does not own: nothing of entries 0-1 is mapped. */
    uint64_t mine = entry(f, pfns, 2);
    set_entry(f, pfns, 2, 1); /* frame 1 holds a page table */
    assert_int_equal(VsNtMapUserPhysicalPages(f->thread, window, 3, pfns),
                     STATUS_CONFLICTING_ADDRESSES);
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, window, window, KB(64), MEM_RESERVE, 0, window);
    set_entry(f, pfns, 2, mine);
    assert_true(VsMapUserPhysicalPages(f->thread, window, 3, pfns));
    /* Frame 0 of the array is mapped at window already: mapping it again, even at the same page,
     * is STATUS_INVALID_PARAMETER_3, and so is one frame twice in one array. */
    assert_int_equal(VsNtMapUserPhysicalPages(f->thread, window, 1, pfns),
                     STATUS_INVALID_PARAMETER_3);
    assert_int_equal(VsNtMapUserPhysicalPages(f->thread, window + KB(16), 1, pfns + 8),
                     STATUS_INVALID_PARAMETER_3);
    set_entry(f, pfns, 4, entry(f, pfns, 3));
    assert_int_equal(VsNtMapUserPhysicalPages(f->thread, window + KB(16), 2, pfns + 24),
                     STATUS_INVALID_PARAMETER_3);
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, window + KB(12), window + KB(12), KB(52), MEM_RESERVE, 0, window);
    /* An entry of 0 unmaps its page alone. */
    set_entry(f, pfns, 5, 0);
    assert_true(VsMapUserPhysicalPages(f->thread, window + KB(4), 1, pfns + 40));
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, window + KB(4), window + KB(4), KB(4), MEM_RESERVE, 0, window);
}

/* Scatter: each page its own address, in any AWE window, a 0 frame unmapping; the same checks. */
static void test_scatter(void **state)
{
    Fixture *f = *state;
    uint64_t pfns = buffer(f, KB(4)), addresses = buffer(f, KB(4));
    assert_int_equal(allocate(f, pfns, 4), 4);
    uint64_t a = VsVirtualAlloc(f->thread, 0, KB(64), WINDOW, PAGE_READWRITE);
    uint64_t b = VsVirtualAlloc(f->thread, 0, KB(64), WINDOW | MEM_TOP_DOWN, PAGE_READWRITE);
    assert_true(b > a);
    set_entry(f, addresses, 0, b + KB(12));
    set_entry(f, addresses, 1, a);
    assert_true(VsMapUserPhysicalPagesScatter(f->thread, addresses, 2, pfns));
    CHECK_INVARIANTS(f);
    VsPteWalk walk;
    vs_pte_walk(f->process, b + KB(12), &walk);
    assert_int_equal(walk.frame, entry(f, pfns, 0));
    vs_pte_walk(f->process, a, &walk);
    assert_int_equal(walk.frame, entry(f, pfns, 1));
    uint64_t plain = buffer(f, KB(4));
    set_entry(f, addresses, 2, plain);
    assert_int_equal(VsNtMapUserPhysicalPagesScatter(f->thread, addresses, 3, pfns),
                     STATUS_INVALID_PARAMETER_1);
    /* NULL frames: every address unmapped. */
    assert_true(VsMapUserPhysicalPagesScatter(f->thread, addresses, 2, 0));
    CHECK_INVARIANTS(f);
    assert_int_equal(query(f, a).State, MEM_RESERVE);
    assert_int_equal(query(f, b + KB(12)).State, MEM_RESERVE);
}

/* MEM_PHYSICAL goes with MEM_RESERVE (and MEM_TOP_DOWN) only, and PAGE_READWRITE only. */
static void test_mem_physical_refusals(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0, size = KB(64);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 0, &size,
                                               MEM_COMMIT | MEM_PHYSICAL, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER_5);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 0, &size,
                                               WINDOW | MEM_COMMIT, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER_5);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 0, &size,
                                               WINDOW | MEM_WRITE_WATCH, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER_5);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 0, &size,
                                               WINDOW, PAGE_READONLY),
                     STATUS_INVALID_PARAMETER_6);
    assert_int_equal(VsVirtualAlloc(f->thread, 0, KB(64), WINDOW, PAGE_EXECUTE_READWRITE), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    CHECK_INVARIANTS(f);
}

/* What the window refuses: a commit, a decommit, a partial release, MEM_RESET, a lock, protections
 * but NOACCESS, READONLY and READWRITE. Those three go into the mapped PTEs; a whole release
 * unmaps the frames, which stay the process's. */
static void test_window_refusals_and_protection(void **state)
{
    Fixture *f = *state;
    uint64_t pfns = buffer(f, KB(4));
    assert_int_equal(allocate(f, pfns, 16), 16);
    uint64_t window = VsVirtualAlloc(f->thread, 0, KB(64), WINDOW, PAGE_READWRITE);
    assert_true(VsMapUserPhysicalPages(f->thread, window, 16, pfns));
    assert_int_equal(VsVirtualAlloc(f->thread, window, KB(4), MEM_COMMIT, PAGE_READWRITE), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);
    assert_false(VsVirtualFree(f->thread, window, KB(4), MEM_DECOMMIT));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);
    assert_false(VsVirtualFree(f->thread, window + KB(4), 0, MEM_RELEASE));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);
    assert_int_equal(VsVirtualAlloc(f->thread, window, KB(4), MEM_RESET, PAGE_READWRITE), 0);
    assert_false(VsVirtualLock(f->thread, window, KB(4)));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    uint32_t old = 0;
    assert_false(VsVirtualProtect(f->thread, window, KB(4), PAGE_EXECUTE_READ, &old));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);
    assert_true(VsVirtualProtect(f->thread, window, KB(8), PAGE_READONLY, &old));
    assert_int_equal(old, PAGE_READWRITE);
    CHECK_INVARIANTS(f);
    assert_int_equal(query(f, window).Protect, PAGE_READONLY);
    assert_int_equal(vs_memory_write(f->thread, window, 1), STATUS_ACCESS_VIOLATION);
    assert_true(VsVirtualProtect(f->thread, window, KB(4), PAGE_NOACCESS, &old));
    assert_int_equal(old, PAGE_READONLY);
    CHECK_INVARIANTS(f);
    uint8_t value;
    assert_int_equal(vs_memory_read(f->thread, window, &value), STATUS_ACCESS_VIOLATION);
    assert_int_equal(query(f, window).Protect, PAGE_NOACCESS);
    assert_int_equal(query(f, window).State, MEM_COMMIT);
    assert_int_equal(peek(f, window + KB(4)), 0); /* read-only still reads */
    assert_true(VsVirtualFree(f->thread, window, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
    VsFrameInfo info;
    assert_true(vs_page_frame_info(f->system, entry(f, pfns, 0), &info));
    assert_true(info.awe);
    assert_int_equal(info.vpn, UINT64_MAX);
}

/* FreeUserPhysicalPages unmaps a mapped frame first, and stops at the first frame the process
 * does not own, the count saying how many went; a process with no AWE frames ever: _1. */
static void test_free_frames(void **state)
{
    Fixture *f = *state;
    uint64_t pfns = buffer(f, KB(4)), n = 4;
    assert_int_equal(VsNtFreeUserPhysicalPages(f->thread, VS_CURRENT_PROCESS, &n, pfns),
                     STATUS_INVALID_PARAMETER_1);
    assert_int_equal(allocate(f, pfns, 8), 8);
    uint64_t commit = system_commit(f);
    uint64_t window = VsVirtualAlloc(f->thread, 0, KB(64), WINDOW, PAGE_READWRITE);
    assert_true(VsMapUserPhysicalPages(f->thread, window, 8, pfns));
    set_entry(f, pfns, 3, 1);
    n = 8;
    assert_false(VsFreeUserPhysicalPages(f->thread, VS_CURRENT_PROCESS, &n, pfns));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);
    assert_int_equal(n, 3);
    assert_int_equal(system_commit(f), commit - 3);
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, window, window, KB(12), MEM_RESERVE, 0, window);
    ASSERT_REGION(f, window + KB(12), window + KB(12), KB(20), MEM_COMMIT, PAGE_READWRITE, window);
}

/* Memory short: fewer frames than asked, and the count says so; none at all is
 * ERROR_NO_SYSTEM_RESOURCES with the count left as it was. */
static void test_fewer_frames_when_memory_is_short(void **state)
{
    Fixture *f = *state;
    uint64_t pfns = buffer(f, KB(16)), n = 2000;
    assert_true(VsAllocateUserPhysicalPages(f->thread, VS_CURRENT_PROCESS, &n, pfns));
    CHECK_INVARIANTS(f);
    assert_true(n < 1024 && n > 900);
    uint64_t more = 8;
    assert_false(VsAllocateUserPhysicalPages(f->thread, VS_CURRENT_PROCESS, &more, pfns + 8 * n));
    assert_int_equal(VsGetLastError(f->thread), ERROR_NO_SYSTEM_RESOURCES);
    assert_int_equal(more, 8);
    assert_true(VsFreeUserPhysicalPages(f->thread, VS_CURRENT_PROCESS, &n, pfns));
    CHECK_INVARIANTS(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_allocate_needs_the_privilege, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_frames_owned_then_mapped_into_a_window,
                                        setup_privileged, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_remapping_keeps_the_bytes_in_the_frames,
                                        setup_privileged, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_map_refusals_in_order, setup_privileged,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_scatter, setup_privileged, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_mem_physical_refusals, setup_privileged,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_window_refusals_and_protection, setup_privileged,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_free_frames, setup_privileged, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_fewer_frames_when_memory_is_short, setup_small,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
