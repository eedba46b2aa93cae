/*
 * test_allocvm.c - NtAllocateVirtualMemory and VirtualAlloc(Ex): reserving, committing, placing,
 * and the exact status and Win32 error of every misuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

/* The seed's example (Raymond Chen): reserve 120000 bytes, commit 7 KB at p + 6 KB. */
static void test_seed_example_120000_bytes(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, 120000, MEM_RESERVE, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    assert_int_equal(p % VS_GRANULARITY, 0);
    ASSERT_REGION(f, p, p, 122880, MEM_RESERVE, 0, p); /* 120000 rounded up to 30 pages */

    uint64_t q = VsVirtualAlloc(f->thread, p + KB(6), KB(7), MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(q, p + KB(4)); /* the base rounds down to its page */
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, p, p, 0x1000, MEM_RESERVE, 0, p);
    ASSERT_REGION(f, p + 0x1000, p + 0x1000, 0x3000, MEM_COMMIT, PAGE_READWRITE, p);
    ASSERT_REGION(f, p + 0x4000, p + 0x4000, 0x1A000, MEM_RESERVE, 0, p);
    assert_int_equal(commit_charge(f), 3);
}

/* A reservation's base rounds down to 64 KB and its end up to a page; NT reports both. */
static void test_reserve_rounds_base_and_size(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0x12345678, size = 0x10;
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
    assert_int_equal(base, 0x12340000);
    assert_int_equal(size, 0x6000); /* up to the page holding 0x12345687 */
    ASSERT_REGION(f, 0x12345000, 0x12345000, 0x1000, MEM_RESERVE, 0, 0x12340000);
    ASSERT_REGION(f, 0x12340000, 0x12340000, 0x6000, MEM_RESERVE, 0, 0x12340000);
    assert_int_equal(query(f, 0x12340000).AllocationProtect, PAGE_READWRITE);
    assert_int_equal(query(f, 0x12340000).Type, MEM_PRIVATE);
    /* The next allocation starts at the next 64 KB boundary, not right after the last page. */
    assert_int_equal(VsVirtualAlloc(f->thread, 0x12346000, 0x1000, MEM_RESERVE, PAGE_READWRITE), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);
    assert_int_equal(VsVirtualAlloc(f->thread, 0x12350000, 0x1000, MEM_RESERVE, PAGE_READWRITE),
                     0x12350000);
    CHECK_INVARIANTS(f);
}

/* With no base the lowest free 64 KB boundary is used; MEM_TOP_DOWN takes the highest. */
static void test_placement_bottom_up_and_top_down(void **state)
{
    Fixture *f = *state;
    const VsLayout *layout = vs_system_layout(f->system);
    assert_int_equal(VsVirtualAlloc(f->thread, 0, 1, MEM_RESERVE, PAGE_READWRITE), 0x10000);
    assert_int_equal(VsVirtualAlloc(f->thread, 0, KB(65), MEM_RESERVE, PAGE_READWRITE), 0x20000);
    assert_int_equal(VsVirtualAlloc(f->thread, 0, 1, MEM_RESERVE, PAGE_READWRITE), 0x40000);
    uint64_t top = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);
    assert_int_equal(top, layout->highest_vad_address + 1 - KB(64));
    uint64_t below =
        VsVirtualAlloc(f->thread, 0, KB(8), MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);
    assert_int_equal(below, top - KB(64));
    CHECK_INVARIANTS(f);
}

/* MEM_COMMIT|MEM_RESERVE commits the whole reservation at once and charges every page. */
static void test_reserve_and_commit_together(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(20), MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    ASSERT_REGION(f, p, p, KB(20), MEM_COMMIT, PAGE_READONLY, p);
    assert_int_equal(commit_charge(f), 5);
    /* The rest of the 64 KB granule is free and belongs to nobody: the free region runs on to
     * the next allocation, KUSER_SHARED_DATA. */
    ASSERT_REGION(f, p + KB(20), p + KB(20), 0x7FFE0000 - (p + KB(20)), MEM_FREE, PAGE_NOACCESS, 0);
    CHECK_INVARIANTS(f);
}

/* A MEM_COMMIT with NULL base reserves and commits, as MEM_RESERVE|MEM_COMMIT does. */
static void test_commit_with_null_base_reserves(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(8), MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(p, 0x10000);
    ASSERT_REGION(f, p, p, KB(8), MEM_COMMIT, PAGE_READWRITE, p);
    assert_int_equal(commit_charge(f), 2);
    CHECK_INVARIANTS(f);
}

/* Committing again is not an error: pages take the new protection and are charged once. */
static void test_recommit_applies_new_protection(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(8), MEM_COMMIT, PAGE_READWRITE), p);
    assert_int_equal(VsVirtualAlloc(f->thread, p + KB(4), KB(8), MEM_COMMIT, PAGE_READONLY),
                     p + KB(4));
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, p, p, KB(4), MEM_COMMIT, PAGE_READWRITE, p);
    ASSERT_REGION(f, p + KB(4), p + KB(4), KB(8), MEM_COMMIT, PAGE_READONLY, p);
    assert_int_equal(commit_charge(f), 3);
    /* The NT layer reports the page-rounded range it committed. */
    uint64_t base = p + 0x1801, size = 0x1000;
    assert_int_equal(nt_alloc(f, &base, &size, MEM_COMMIT, PAGE_EXECUTE_READ), STATUS_SUCCESS);
    assert_int_equal(base, p + 0x1000);
    assert_int_equal(size, 0x2000);
}

/* Commit needs one reservation covering the whole range. */
static void test_commit_outside_a_reservation(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0x10000000, KB(64), MEM_RESERVE, PAGE_READWRITE);
    assert_int_equal(VsVirtualAlloc(f->thread, 0x10010000, KB(64), MEM_RESERVE, PAGE_READWRITE),
                     0x10010000);
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0x20000000, 1, MEM_COMMIT, PAGE_READWRITE),
                       ERROR_INVALID_ADDRESS);
    /* Runs past the end of the first reservation into the second. */
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, p + KB(60), KB(8), MEM_COMMIT, PAGE_READWRITE),
                       ERROR_INVALID_ADDRESS);
    uint64_t base = p + KB(60), size = KB(8);
    assert_int_equal(nt_alloc(f, &base, &size, MEM_COMMIT, PAGE_READWRITE),
                     STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(commit_charge(f), 0);
    CHECK_INVARIANTS(f);
}

/* Reserving over an existing allocation fails; so does any base inside KUSER_SHARED_DATA. */
static void test_reserve_conflicts(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0x10000000, MB(1), MEM_RESERVE, PAGE_READWRITE);
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, p + MB(1) - 1, 1, MEM_RESERVE, PAGE_READWRITE),
                       ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_FAILS(f,
                       VsVirtualAlloc(f->thread, p - KB(64), KB(68), MEM_RESERVE, PAGE_READWRITE),
                       ERROR_INVALID_ADDRESS);
    uint64_t base = 0x7FFE0000, size = 0x1000;
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, PAGE_READWRITE),
                     STATUS_CONFLICTING_ADDRESSES);
    /* Committing in KUSER_SHARED_DATA is refused too: it cannot be changed. */
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0x7FFE0000, 1, MEM_COMMIT, PAGE_READWRITE),
                       ERROR_INVALID_ADDRESS);
    CHECK_INVARIANTS(f);
}

/* The first 64 KB is never allocatable; the top 64 KB below the user limit neither. */
static void test_reserve_outside_user_range(void **state)
{
    Fixture *f = *state;
    const VsLayout *layout = vs_system_layout(f->system);
    uint64_t base = 0x8000, size = 0x1000;
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER);
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0x1000, 1, MEM_RESERVE, PAGE_READWRITE),
                       ERROR_INVALID_PARAMETER);
    /* 0xFFFF rounds down to 0: still the first 64 KB. */
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0xFFFF, 2, MEM_RESERVE, PAGE_READWRITE),
                       ERROR_INVALID_PARAMETER);
    base = layout->highest_vad_address + 1;
    size = 0x1000;
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER_2);
    ASSERT_WIN32_FAILS(
        f,
        VsVirtualAlloc(f->thread, layout->highest_vad_address + 1, 1, MEM_RESERVE, PAGE_READWRITE),
        ERROR_INVALID_PARAMETER);
    /* A range that starts inside user space but runs past its top: the size is wrong. */
    base = layout->highest_vad_address + 1 - KB(64);
    size = KB(128);
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER_4);
    /* The last allocatable 64 KB can be had. */
    assert_int_equal(VsVirtualAlloc(f->thread, layout->highest_vad_address + 1 - KB(64), KB(64),
                                    MEM_RESERVE, PAGE_READWRITE),
                     layout->highest_vad_address + 1 - KB(64));
    CHECK_INVARIANTS(f);
}

/* Size 0, and allocation types other than reserve/commit/top-down, are invalid parameters. */
static void test_bad_size_and_type(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0, size = 0;
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER_4);
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0, 0, MEM_RESERVE, PAGE_READWRITE),
                       ERROR_INVALID_PARAMETER);
    static const uint32_t bad_types[] = {0,
                                         MEM_TOP_DOWN,
                                         MEM_DECOMMIT,
                                         MEM_RELEASE,
                                         MEM_RESERVE | MEM_DECOMMIT,
                                         MEM_COMMIT | MEM_RELEASE,
                                         MEM_FREE,
                                         MEM_RESERVE | 0x1};
    for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
        base = 0;
        size = KB(4);
        assert_int_equal(nt_alloc(f, &base, &size, bad_types[i], PAGE_READWRITE),
                         STATUS_INVALID_PARAMETER_5);
        ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0, KB(4), bad_types[i], PAGE_READWRITE),
                           ERROR_INVALID_PARAMETER);
    }
    /* The NT layer reads base and size through the caller's pointers. */
    size = KB(4);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, NULL, 0, &size,
                                               MEM_RESERVE, PAGE_READWRITE),
                     STATUS_ACCESS_VIOLATION);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 0, NULL,
                                               MEM_RESERVE, PAGE_READWRITE),
                     STATUS_ACCESS_VIOLATION);
    VsProcessCounters counters;
    vs_process_counters(f->process, &counters);
    assert_int_equal(counters.vad_count, 1); /* only KUSER_SHARED_DATA: nothing was made */
}

/* Which protections are valid: one base protection, modifiers only on an accessible one. */
static void test_protection_validity(void **state)
{
    Fixture *f = *state;
    static const uint32_t good[] = {
        PAGE_NOACCESS,
        PAGE_READONLY,
        PAGE_READWRITE,
        PAGE_EXECUTE,
        PAGE_EXECUTE_READ,
        PAGE_EXECUTE_READWRITE,
        PAGE_READWRITE | PAGE_GUARD,
        PAGE_READONLY | PAGE_NOCACHE,
        PAGE_EXECUTE_READWRITE | PAGE_WRITECOMBINE,
    };
    static const uint32_t bad[] = {
        0,
        PAGE_READONLY | PAGE_READWRITE,
        PAGE_NOACCESS | PAGE_GUARD,
        PAGE_NOACCESS | PAGE_NOCACHE,
        PAGE_NOACCESS | PAGE_WRITECOMBINE,
        PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE,
        PAGE_GUARD,
        0x800,
        PAGE_READWRITE | PAGE_GUARD | PAGE_WRITECOMBINE,
        /* guard and nocache share MM code bits 3-4: together they would read as write-combine */
        PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE,
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t p = VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE | MEM_COMMIT, good[i]);
        assert_int_not_equal(p, 0);
        assert_int_equal(query(f, p).Protect, good[i]);
        assert_int_equal(query(f, p).AllocationProtect, good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t base = 0, size = KB(4);
        assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, bad[i]),
                         STATUS_INVALID_PAGE_PROTECTION);
        ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE, bad[i]),
                           ERROR_INVALID_PARAMETER);
    }
    CHECK_INVARIANTS(f);
}

/* Copy-on-write needs a section to copy from: private memory refuses PAGE_WRITECOPY. */
static void test_writecopy_refused_for_private_memory(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    static const uint32_t cow[] = {PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY};
    for (size_t i = 0; i < 2; i++) {
        uint64_t base = 0, size = KB(4);
        assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, cow[i]),
                         STATUS_INVALID_PAGE_PROTECTION);
        ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE | MEM_COMMIT, cow[i]),
                           ERROR_INVALID_PARAMETER);
        ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, p, KB(4), MEM_COMMIT, cow[i]),
                           ERROR_INVALID_PARAMETER);
    }
    CHECK_INVARIANTS(f);
}

/* The order of the checks decides the status when several arguments are wrong at once. */
static void test_check_order(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0, size = 0;
    /* Bad type and bad protection and size 0: the type is reported. */
    assert_int_equal(nt_alloc(f, &base, &size, 0, 0), STATUS_INVALID_PARAMETER_5);
    /* Bad protection and size 0: the protection. */
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, 0), STATUS_INVALID_PAGE_PROTECTION);
    /* Zero bits before everything. */
    assert_int_equal(
        VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 22, &size, 0, 0),
        STATUS_INVALID_PARAMETER_3);
    /* Arguments before the handle. */
    assert_int_equal(
        VsNtAllocateVirtualMemory(f->thread, 0x1234, &base, 0, &size, MEM_RESERVE, PAGE_READWRITE),
        STATUS_INVALID_PARAMETER_4);
}

/* ZeroBits: the allocation's address must have that many high bits clear (of 32), or on 64-bit
 * systems a value of 32 or more is a mask the whole address must fit. */
static void test_zero_bits(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0, size = KB(64);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 1, &size,
                                               MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE),
                     STATUS_SUCCESS);
    assert_int_equal(base, 0x7FFF0000); /* the last 64 KB below 2 GB, above KUSER_SHARED_DATA */
    base = 0;
    size = KB(64);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 12, &size,
                                               MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE),
                     STATUS_SUCCESS);
    assert_int_equal(base, 0xF0000); /* the highest 64 KB below 1 MB */
    base = 0;
    size = KB(64);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 0xFFFFFFFFull,
                                               &size, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE),
                     STATUS_SUCCESS);
    assert_true(base + size - 1 <= 0xFFFFFFFFull);
    /* ZeroBits steers only the search: a fixed base above its limit is still granted, and a
     * fixed base that conflicts is a conflict (Wine's test_VirtualAlloc asserts this of
     * Windows). */
    base = 0x200000;
    size = KB(64);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 12, &size,
                                               MEM_RESERVE, PAGE_READWRITE),
                     STATUS_SUCCESS);
    assert_int_equal(base, 0x200000);
    base = 0x201000;
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 12, &size,
                                               MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
                     STATUS_CONFLICTING_ADDRESSES);
    /* A search with no room below the limit finds nothing. */
    for (int i = 0; i < 16; i++) {
        base = 0;
        size = KB(64);
        VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 12, &size, MEM_RESERVE,
                                  PAGE_READWRITE);
    }
    base = 0;
    size = KB(64);
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, 12, &size,
                                               MEM_RESERVE, PAGE_READWRITE),
                     STATUS_NO_MEMORY);
    for (uint64_t bits = 22; bits < 32; bits++) {
        base = 0;
        size = KB(64);
        assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, &base, bits,
                                                   &size, MEM_RESERVE, PAGE_READWRITE),
                         STATUS_INVALID_PARAMETER_3);
    }
    CHECK_INVARIANTS(f);
}

/* When no free range is big enough: STATUS_NO_MEMORY, ERROR_NOT_ENOUGH_MEMORY. */
static void test_address_space_exhausted_x86(void **state)
{
    Fixture *f = *state;
    assert_int_not_equal(VsVirtualAlloc(f->thread, 0, MB(1500), MEM_RESERVE, PAGE_READWRITE), 0);
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0, MB(600), MEM_RESERVE, PAGE_READWRITE),
                       ERROR_NOT_ENOUGH_MEMORY);
    ASSERT_WIN32_FAILS(
        f, VsVirtualAlloc(f->thread, 0, MB(600), MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE),
        ERROR_NOT_ENOUGH_MEMORY);
    /* Larger than the whole user space: the size itself is wrong. */
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0, GB(3), MEM_RESERVE, PAGE_READWRITE),
                       ERROR_INVALID_PARAMETER);
    CHECK_INVARIANTS(f);
}

/* x86 user space ends at 0x7FFEFFFF; with /3GB at 0xBFFEFFFF and KUSER stays at 0x7FFE0000. */
static void test_x86_layouts(void **state)
{
    Fixture *f = *state;
    const VsLayout *layout = vs_system_layout(f->system);
    uint64_t top = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);
    assert_int_equal(top, layout->highest_vad_address + 1 - KB(64));
    assert_int_equal(layout->mbi_size, 28);
    if (layout->arch == VS_ARCH_X86_3GB) {
        assert_int_equal(top, 0xBFFD0000);
        /* Both sides of KUSER_SHARED_DATA are usable. */
        assert_int_equal(VsVirtualAlloc(f->thread, 0x7FFF0000, KB(64), MEM_RESERVE, PAGE_READWRITE),
                         0x7FFF0000);
        ASSERT_REGION(f, 0x7FFE0000, 0x7FFE0000, KB(4), MEM_COMMIT, PAGE_READONLY, 0x7FFE0000);
    } else {
        assert_int_equal(top, 0x7FFD0000);
        ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0x7FFF0000, 1, MEM_RESERVE, PAGE_READWRITE),
                           ERROR_INVALID_PARAMETER);
    }
    CHECK_INVARIANTS(f);
}

/* VirtualAllocEx acts on the process a handle names; a closed or made-up handle fails. */
static void test_alloc_in_another_process(void **state)
{
    Fixture *f = *state;
    VsProcess *other = vs_process_create(f->system, "other");
    assert_non_null(other);
    VsHandle handle;
    assert_int_equal(vs_process_open(f->thread, other, PROCESS_ALL_ACCESS, &handle),
                     STATUS_SUCCESS);
    uint64_t p =
        VsVirtualAllocEx(f->thread, handle, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(p, 0x10000);
    VsProcessCounters counters;
    vs_process_counters(other, &counters);
    assert_int_equal(counters.commit_charge, 16);
    assert_int_equal(commit_charge(f), 0);
    ASSERT_REGION(f, p, p, 0x7FFE0000 - p, MEM_FREE, PAGE_NOACCESS, 0);
    ASSERT_WIN32_FAILS(f,
                       VsVirtualAllocEx(f->thread, handle + 4, 0, 1, MEM_RESERVE, PAGE_READWRITE),
                       ERROR_INVALID_HANDLE);
    ASSERT_WIN32_OK(f, VsCloseHandle(f->thread, handle));
    ASSERT_WIN32_FAILS(f, VsVirtualAllocEx(f->thread, handle, 0, 1, MEM_RESERVE, PAGE_READWRITE),
                       ERROR_INVALID_HANDLE);
    ASSERT_WIN32_FAILS(f, VsCloseHandle(f->thread, handle), ERROR_INVALID_HANDLE);
    /* The pseudo-handle names the caller's own process. */
    assert_int_equal(
        VsVirtualAllocEx(f->thread, VsGetCurrentProcess(), 0, 1, MEM_RESERVE, PAGE_READWRITE),
        0x10000);
    CHECK_INVARIANTS(f);
}

/* MEM_LARGE_PAGES: the type's rules (committed at once, no write watch), the protection and the
 * arguments, the handle, and only then SeLockMemoryPrivilege, which no process of the model holds;
 * nothing is reserved. GetLargePageMinimum is what a PDE maps. */
static void test_large_pages_need_the_lock_memory_privilege(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0, size = MB(2);
    const uint32_t large = MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES;
    assert_int_equal(VsGetLargePageMinimum(f->thread), MB(2));
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE | MEM_LARGE_PAGES, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER_5);
    assert_int_equal(nt_alloc(f, &base, &size, large | MEM_WRITE_WATCH, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER_5);
    assert_int_equal(nt_alloc(f, &base, &size, large, 0), STATUS_INVALID_PAGE_PROTECTION);
    assert_int_equal(
        VsNtAllocateVirtualMemory(f->thread, 0x1234, &base, 0, &size, large, PAGE_READWRITE),
        STATUS_INVALID_HANDLE);
    VsProcessCounters before, after;
    vs_process_counters(f->process, &before);
    assert_int_equal(nt_alloc(f, &base, &size, large, PAGE_READWRITE), STATUS_PRIVILEGE_NOT_HELD);
    assert_int_equal(VsVirtualAlloc(f->thread, 0, KB(4), large, PAGE_READWRITE), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_PRIVILEGE_NOT_HELD);
    vs_process_counters(f->process, &after);
    assert_int_equal(after.vad_count, before.vad_count);
    assert_int_equal(base, 0);
}

/* Success leaves the last error alone, as Windows does. */
static void test_success_keeps_last_error(void **state)
{
    Fixture *f = *state;
    ASSERT_WIN32_OK(f, VsVirtualAlloc(f->thread, 0, 1, MEM_RESERVE, PAGE_READWRITE));
}

int main(void)
{
#define X64(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x64, fixture_teardown)
#define X86(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x86, fixture_teardown)
    const struct CMUnitTest tests[] = {
        X64(test_seed_example_120000_bytes),
        X86(test_seed_example_120000_bytes),
        X64(test_reserve_rounds_base_and_size),
        X64(test_placement_bottom_up_and_top_down),
        X86(test_placement_bottom_up_and_top_down),
        X64(test_reserve_and_commit_together),
        X64(test_commit_with_null_base_reserves),
        X64(test_recommit_applies_new_protection),
        X64(test_commit_outside_a_reservation),
        X64(test_reserve_conflicts),
        X64(test_reserve_outside_user_range),
        X86(test_reserve_outside_user_range),
        X64(test_bad_size_and_type),
        X64(test_protection_validity),
        X64(test_writecopy_refused_for_private_memory),
        X64(test_check_order),
        X64(test_zero_bits),
        X86(test_address_space_exhausted_x86),
        X86(test_x86_layouts),
        cmocka_unit_test_setup_teardown(test_x86_layouts, fixture_setup_x86_3gb, fixture_teardown),
        X64(test_alloc_in_another_process),
        X64(test_success_keeps_last_error),
        X64(test_large_pages_need_the_lock_memory_privilege),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
