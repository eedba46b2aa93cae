/*
 * test_freevm.c - NtFreeVirtualMemory and VirtualFree(Ex): decommit and release, whole and
 * partial, and the exact status and Win32 error of every misuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

static uint64_t vad_count(Fixture *f)
{
    VsProcessCounters counters;
    vs_process_counters(f->process, &counters);
    return counters.vad_count;
}

/* A 64 KB reservation with pages 2..5 committed read-write. */
static uint64_t reserve_with_commit(Fixture *f)
{
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    assert_int_equal(VsVirtualAlloc(f->thread, p + KB(8), KB(16), MEM_COMMIT, PAGE_READWRITE),
                     p + KB(8));
    return p;
}

/* MEM_RELEASE with size 0 at the base frees the whole allocation and its commit. */
static void test_release_whole_allocation(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_with_commit(f);
    assert_int_equal(commit_charge(f), 4);
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
    assert_int_equal(commit_charge(f), 0);
    assert_int_equal(vad_count(f), 1);
    assert_int_equal(query(f, p).State, MEM_FREE);
    /* The range can be reserved again. */
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(64), MEM_RESERVE, PAGE_READONLY), p);
}

/* VirtualFree refuses MEM_RELEASE with a size before asking the kernel. */
static void test_win32_release_needs_size_zero(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_with_commit(f);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p, KB(64), MEM_RELEASE),
                       ERROR_INVALID_PARAMETER);
    /* Even where nothing is allocated: the size is checked first. */
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, 0x50000000, 1, MEM_RELEASE),
                       ERROR_INVALID_PARAMETER);
    assert_int_equal(query(f, p).State, MEM_RESERVE);
    CHECK_INVARIANTS(f);
}

/* Size 0 means "the whole allocation", so the address must be its base. */
static void test_size_zero_needs_allocation_base(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_with_commit(f);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p + KB(4), 0, MEM_RELEASE),
                       ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p + KB(8), 0, MEM_DECOMMIT),
                       ERROR_INVALID_ADDRESS);
    uint64_t base = p + KB(8), size = 0;
    assert_int_equal(nt_free(f, &base, &size, MEM_DECOMMIT), STATUS_FREE_VM_NOT_AT_BASE);
    base = p + 1; /* a byte past the base is still in the base page */
    assert_int_equal(nt_free(f, &base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
    assert_int_equal(base, p);
    assert_int_equal(size, 0); /* Windows 10 after 1709: the size stays 0 */
    assert_int_equal(commit_charge(f), 0);
    ASSERT_REGION(f, p, p, KB(64), MEM_RESERVE, 0, p);
    CHECK_INVARIANTS(f);
}

/* Size 0 in and out: a decommit of the whole allocation writes back 0 (Windows 10 after 1709,
 * Wine's test_NtAllocateVirtualMemory), a release the size it freed; both the base page. */
static void test_size_zero_written_back(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_with_commit(f);
    uint64_t base = p + KB(4) - 2, size = 0;
    assert_int_equal(nt_free(f, &base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
    assert_int_equal(base, p);
    assert_int_equal(size, 0);
    assert_int_equal(commit_charge(f), 0);
    base = p + KB(4) - 1;
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_SUCCESS);
    assert_int_equal(base, p);
    assert_int_equal(size, KB(64));
    assert_int_equal(query(f, p).State, MEM_FREE);
    CHECK_INVARIANTS(f);
}

/* Decommit covers every page the range touches and returns their charge. */
static void test_decommit_rounds_out_to_pages(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_with_commit(f);          /* pages 2..5 committed */
    uint64_t base = p + KB(12) + 1, size = KB(4); /* touches pages 3 and 4 */
    assert_int_equal(nt_free(f, &base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
    assert_int_equal(base, p + KB(12));
    assert_int_equal(size, KB(8));
    CHECK_INVARIANTS(f);
    assert_int_equal(commit_charge(f), 2);
    ASSERT_REGION(f, p + KB(8), p + KB(8), KB(4), MEM_COMMIT, PAGE_READWRITE, p);
    ASSERT_REGION(f, p + KB(12), p + KB(12), KB(8), MEM_RESERVE, 0, p);
    ASSERT_REGION(f, p + KB(20), p + KB(20), KB(4), MEM_COMMIT, PAGE_READWRITE, p);
}

/* Decommitting pages that were never committed is not an error and changes nothing. */
static void test_decommit_uncommitted_pages_succeeds(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_with_commit(f);
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, p + KB(32), KB(16), MEM_DECOMMIT));
    assert_int_equal(commit_charge(f), 4);
    CHECK_INVARIANTS(f);
}

/* A decommit of a MemCommit allocation (reserved and committed at once) decommits its pages. */
static void test_decommit_memcommit_allocation(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, p + KB(4), KB(4), MEM_DECOMMIT));
    assert_int_equal(commit_charge(f), 15);
    ASSERT_REGION(f, p, p, KB(4), MEM_COMMIT, PAGE_READWRITE, p);
    ASSERT_REGION(f, p + KB(4), p + KB(4), KB(4), MEM_RESERVE, 0, p);
    ASSERT_REGION(f, p + KB(8), p + KB(8), KB(56), MEM_COMMIT, PAGE_READWRITE, p);
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, p, 0, MEM_DECOMMIT));
    assert_int_equal(commit_charge(f), 0);
    ASSERT_REGION(f, p, p, KB(64), MEM_RESERVE, 0, p);
    CHECK_INVARIANTS(f);
}

/* A range running past the allocation's end cannot be freed. */
static void test_range_past_allocation_end(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_with_commit(f);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p + KB(60), KB(8), MEM_DECOMMIT),
                       ERROR_INVALID_PARAMETER);
    uint64_t base = p + KB(60), size = KB(8);
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
    assert_int_equal(commit_charge(f), 4);
    CHECK_INVARIANTS(f);
}

/* Nothing allocated at the address: STATUS_MEMORY_NOT_ALLOCATED, ERROR_INVALID_ADDRESS. */
static void test_free_unallocated(void **state)
{
    Fixture *f = *state;
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, 0x50000000, 0, MEM_RELEASE),
                       ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, 0x50000000, KB(4), MEM_DECOMMIT),
                       ERROR_INVALID_ADDRESS);
    uint64_t base = 0x50000000, size = 0;
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
    /* Released memory is unallocated too: a double free fails. */
    uint64_t p = reserve_with_commit(f);
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p, 0, MEM_RELEASE), ERROR_INVALID_ADDRESS);
    CHECK_INVARIANTS(f);
}

/* The free type must be exactly one of MEM_DECOMMIT and MEM_RELEASE. */
static void test_bad_free_type(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_with_commit(f);
    static const uint32_t bad[] = {0,           MEM_DECOMMIT | MEM_RELEASE, MEM_COMMIT,
                                   MEM_RESERVE, MEM_RELEASE | MEM_TOP_DOWN, 0x1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t base = p, size = 0;
        assert_int_equal(nt_free(f, &base, &size, bad[i]), STATUS_INVALID_PARAMETER_4);
        ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p, 0, bad[i]), ERROR_INVALID_PARAMETER);
    }
    uint64_t size = 0;
    assert_int_equal(VsNtFreeVirtualMemory(f->thread, VS_CURRENT_PROCESS, NULL, &size, MEM_RELEASE),
                     STATUS_ACCESS_VIOLATION);
    assert_int_equal(VsNtFreeVirtualMemory(f->thread, VS_CURRENT_PROCESS, &p, NULL, MEM_RELEASE),
                     STATUS_ACCESS_VIOLATION);
    uint64_t base = vs_system_layout(f->system)->highest_user_address + 1;
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_INVALID_PARAMETER_2);
    base = p;
    size = vs_system_layout(f->system)->highest_user_address;
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_INVALID_PARAMETER_3);
    assert_int_equal(commit_charge(f), 4);
    CHECK_INVARIANTS(f);
}

/* The NT layer may release pages inside one VAD: the head and tail trim it. */
static void test_nt_release_trims_head_and_tail(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_with_commit(f); /* pages 2..5 committed */
    uint64_t base = p, size = KB(12);    /* pages 0..2 */
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_SUCCESS);
    assert_int_equal(base, p);
    assert_int_equal(size, KB(12));
    CHECK_INVARIANTS(f);
    assert_int_equal(commit_charge(f), 3);
    ASSERT_REGION(f, p, p, KB(12), MEM_FREE, PAGE_NOACCESS, 0);
    /* The allocation now starts at page 3: that is its base from here on. */
    ASSERT_REGION(f, p + KB(12), p + KB(12), KB(12), MEM_COMMIT, PAGE_READWRITE, p + KB(12));

    base = p + KB(40);
    size = KB(24); /* pages 10..15: the tail */
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, p + KB(24), p + KB(24), KB(16), MEM_RESERVE, 0, p + KB(12));
    assert_int_equal(query(f, p + KB(40)).State, MEM_FREE);
    assert_int_equal(vad_count(f), 2);
}

/* Releasing the middle splits the VAD in two; each half keeps the charge of its own pages. */
static void test_nt_release_middle_splits(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    uint64_t base = p + KB(16), size = KB(8);
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(vad_count(f), 3);
    assert_int_equal(commit_charge(f), 14);
    ASSERT_REGION(f, p, p, KB(16), MEM_COMMIT, PAGE_READWRITE, p);
    ASSERT_REGION(f, p + KB(16), p + KB(16), KB(8), MEM_FREE, PAGE_NOACCESS, 0);
    ASSERT_REGION(f, p + KB(24), p + KB(24), KB(40), MEM_COMMIT, PAGE_READWRITE, p + KB(24));
    const VsVad *upper = vs_vad_lookup(f->process, p + KB(24));
    VsVadInfo info;
    vs_vad_info(upper, &info);
    assert_int_equal(info.commit_charge, 10);
    assert_true(info.mem_commit);
    /* The Win32 layer frees each half by its own base. */
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, p + KB(24), 0, MEM_RELEASE));
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    assert_int_equal(commit_charge(f), 0);
    CHECK_INVARIANTS(f);
}

/* KUSER_SHARED_DATA cannot be freed or decommitted, by either layer. */
static void test_shared_user_data_cannot_be_freed(void **state)
{
    Fixture *f = *state;
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, 0x7FFE0000, 0, MEM_RELEASE),
                       ERROR_INVALID_PARAMETER);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, 0x7FFE0000, KB(4), MEM_DECOMMIT),
                       ERROR_INVALID_PARAMETER);
    uint64_t base = 0x7FFE0000, size = 0;
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_INVALID_PAGE_PROTECTION);
    ASSERT_REGION(f, 0x7FFE0000, 0x7FFE0000, KB(4), MEM_COMMIT, PAGE_READONLY, 0x7FFE0000);
    CHECK_INVARIANTS(f);
}

/* VirtualFreeEx frees in the process the handle names. */
static void test_free_in_another_process(void **state)
{
    Fixture *f = *state;
    VsProcess *other = vs_process_create(f->system, "other");
    VsHandle handle;
    assert_int_equal(vs_process_open(f->thread, other, PROCESS_ALL_ACCESS, &handle),
                     STATUS_SUCCESS);
    uint64_t p = VsVirtualAllocEx(f->thread, handle, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p, 0, MEM_RELEASE), ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_OK(f, VsVirtualFreeEx(f->thread, handle, p, 0, MEM_RELEASE));
    ASSERT_WIN32_FAILS(f, VsVirtualFreeEx(f->thread, 0x4444, p, 0, MEM_RELEASE),
                       ERROR_INVALID_HANDLE);
    CHECK_INVARIANTS(f);
}

int main(void)
{
#define X64(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x64, fixture_teardown)
#define X86(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x86, fixture_teardown)
    const struct CMUnitTest tests[] = {
        X64(test_release_whole_allocation),
        X64(test_win32_release_needs_size_zero),
        X64(test_size_zero_needs_allocation_base),
        X64(test_size_zero_written_back),
        X64(test_decommit_rounds_out_to_pages),
        X64(test_decommit_uncommitted_pages_succeeds),
        X64(test_decommit_memcommit_allocation),
        X64(test_range_past_allocation_end),
        X64(test_free_unallocated),
        X64(test_bad_free_type),
        X86(test_bad_free_type),
        X64(test_nt_release_trims_head_and_tail),
        X64(test_nt_release_middle_splits),
        X64(test_shared_user_data_cannot_be_freed),
        X86(test_shared_user_data_cannot_be_freed),
        X64(test_free_in_another_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
