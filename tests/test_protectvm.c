/*
 * test_protectvm.c - NtProtectVirtualMemory and VirtualProtect(Ex): committed pages only, the
 * first page's old protection, and the exact status and Win32 error of every misuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

/* 64 KB reserved; pages 0-3 committed read-write, pages 4-5 read-only, the rest reserved. */
static uint64_t mixed_allocation(Fixture *f)
{
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(16), MEM_COMMIT, PAGE_READWRITE), p);
    assert_int_equal(VsVirtualAlloc(f->thread, p + KB(16), KB(8), MEM_COMMIT, PAGE_READONLY),
                     p + KB(16));
    return p;
}

/* The range rounds out to pages; the old protection is the first page's. */
static void test_protect_returns_first_page_protection(void **state)
{
    Fixture *f = *state;
    uint64_t p = mixed_allocation(f);
    uint32_t old = 0;
    ASSERT_WIN32_OK(f, VsVirtualProtect(f->thread, p + KB(12) + 5, KB(8), PAGE_EXECUTE_READ, &old));
    assert_int_equal(old, PAGE_READWRITE); /* page 3; pages 4 and 5 were read-only */
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, p, p, KB(12), MEM_COMMIT, PAGE_READWRITE, p);
    ASSERT_REGION(f, p + KB(12), p + KB(12), KB(12), MEM_COMMIT, PAGE_EXECUTE_READ, p);
    ASSERT_REGION(f, p + KB(24), p + KB(24), KB(40), MEM_RESERVE, 0, p);
    /* The NT layer reports the rounded range. */
    uint64_t base = p + KB(16) + 1, size = 1;
    assert_int_equal(nt_protect(f, &base, &size, PAGE_READONLY, &old), STATUS_SUCCESS);
    assert_int_equal(base, p + KB(16));
    assert_int_equal(size, KB(4));
    assert_int_equal(old, PAGE_EXECUTE_READ);
    assert_int_equal(commit_charge(f), 6); /* protecting never changes the charge */
}

/* A call that fails once the range is looked at writes PAGE_NOACCESS as the old protection (Wine's
 * test_NtProtectVirtualMemory, for Windows after 7); one refused for its arguments or its handle
 * writes nothing. VirtualProtect passes the caller's pointer through. */
static void test_failed_protect_writes_noaccess(void **state)
{
    Fixture *f = *state;
    uint64_t p = mixed_allocation(f);
    uint32_t old = PAGE_EXECUTE;
    uint64_t base = p + KB(24), size = KB(4); /* reserved: STATUS_NOT_COMMITTED */
    assert_int_equal(nt_protect(f, &base, &size, PAGE_READONLY, &old), STATUS_NOT_COMMITTED);
    assert_int_equal(old, PAGE_NOACCESS);
    old = PAGE_EXECUTE;
    base = 0; /* nothing there: STATUS_CONFLICTING_ADDRESSES */
    assert_int_equal(nt_protect(f, &base, &size, PAGE_READONLY, &old),
                     STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(old, PAGE_NOACCESS);
    old = PAGE_EXECUTE;
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, p, KB(128), PAGE_READONLY, &old),
                       ERROR_INVALID_ADDRESS);
    assert_int_equal(old, PAGE_NOACCESS);
    /* Refused before the range: nothing written. */
    old = PAGE_EXECUTE;
    base = p;
    assert_int_equal(nt_protect(f, &base, &size, 0, &old), STATUS_INVALID_PAGE_PROTECTION);
    size = 0;
    assert_int_equal(nt_protect(f, &base, &size, PAGE_READONLY, &old), STATUS_INVALID_PARAMETER_3);
    assert_int_equal(old, PAGE_EXECUTE);
    ASSERT_REGION(f, p, p, KB(16), MEM_COMMIT, PAGE_READWRITE, p);
    CHECK_INVARIANTS(f);
}

/* Protecting back to the allocation protection of a MemCommit VAD leaves consistent state. */
static void test_protect_memcommit_allocation(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    uint32_t old;
    ASSERT_WIN32_OK(f, VsVirtualProtect(f->thread, p + KB(8), KB(4), PAGE_NOACCESS, &old));
    assert_int_equal(old, PAGE_READWRITE);
    ASSERT_REGION(f, p + KB(8), p + KB(8), KB(4), MEM_COMMIT, PAGE_NOACCESS, p);
    ASSERT_WIN32_OK(f, VsVirtualProtect(f->thread, p + KB(8), KB(4), PAGE_READWRITE, &old));
    assert_int_equal(old, PAGE_NOACCESS);
    ASSERT_REGION(f, p, p, KB(64), MEM_COMMIT, PAGE_READWRITE, p);
    assert_int_equal(query(f, p).AllocationProtect, PAGE_READWRITE);
    CHECK_INVARIANTS(f);
}

/* Any uncommitted page in the range fails the whole call and changes nothing. */
static void test_protect_needs_every_page_committed(void **state)
{
    Fixture *f = *state;
    uint64_t p = mixed_allocation(f);
    uint32_t old = 0x77;
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, p + KB(20), KB(8), PAGE_NOACCESS, &old),
                       ERROR_INVALID_ADDRESS);
    assert_int_equal(old, PAGE_NOACCESS); /* what a failed call writes */
    uint64_t base = p + KB(20), size = KB(8);
    assert_int_equal(nt_protect(f, &base, &size, PAGE_NOACCESS, &old), STATUS_NOT_COMMITTED);
    ASSERT_REGION(f, p + KB(16), p + KB(16), KB(8), MEM_COMMIT, PAGE_READONLY, p);
    CHECK_INVARIANTS(f);
}

/* Free memory, or a range crossing out of its allocation: STATUS_CONFLICTING_ADDRESSES. */
static void test_protect_outside_one_allocation(void **state)
{
    Fixture *f = *state;
    uint64_t p =
        VsVirtualAlloc(f->thread, 0x10000000, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    VsVirtualAlloc(f->thread, 0x10010000, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    uint32_t old;
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, 0x30000000, 1, PAGE_READONLY, &old),
                       ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, p + KB(60), KB(8), PAGE_READONLY, &old),
                       ERROR_INVALID_ADDRESS);
    uint64_t base = 0x30000000, size = 1;
    assert_int_equal(nt_protect(f, &base, &size, PAGE_READONLY, &old),
                     STATUS_CONFLICTING_ADDRESSES);
    CHECK_INVARIANTS(f);
}

/* Invalid protections, and copy-on-write on private memory, are refused. */
static void test_protect_invalid_protection(void **state)
{
    Fixture *f = *state;
    uint64_t p = mixed_allocation(f);
    uint32_t old;
    static const uint32_t bad[] = {0,
                                   PAGE_WRITECOPY,
                                   PAGE_EXECUTE_WRITECOPY,
                                   PAGE_READONLY | PAGE_READWRITE,
                                   PAGE_NOACCESS | PAGE_GUARD,
                                   PAGE_READWRITE | PAGE_NOCACHE | PAGE_GUARD};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, p, KB(4), bad[i], &old),
                           ERROR_INVALID_PARAMETER);
        uint64_t base = p, size = KB(4);
        assert_int_equal(nt_protect(f, &base, &size, bad[i], &old), STATUS_INVALID_PAGE_PROTECTION);
    }
    /* Modifiers are fine on committed private pages. */
    ASSERT_WIN32_OK(f, VsVirtualProtect(f->thread, p, KB(4), PAGE_READWRITE | PAGE_GUARD, &old));
    ASSERT_REGION(f, p, p, KB(4), MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD, p);
    CHECK_INVARIANTS(f);
}

/* Size 0, NULL pointers, an address past user space. */
static void test_protect_bad_arguments(void **state)
{
    Fixture *f = *state;
    uint64_t p = mixed_allocation(f);
    uint32_t old;
    uint64_t base = p, size = 0;
    assert_int_equal(nt_protect(f, &base, &size, PAGE_READONLY, &old), STATUS_INVALID_PARAMETER_3);
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, p, 0, PAGE_READONLY, &old),
                       ERROR_INVALID_PARAMETER);
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, p, KB(4), PAGE_READONLY, NULL),
                       ERROR_NOACCESS);
    base = vs_system_layout(f->system)->highest_user_address + 1;
    size = 1;
    assert_int_equal(nt_protect(f, &base, &size, PAGE_READONLY, &old), STATUS_INVALID_PARAMETER_2);
    size = 1;
    assert_int_equal(
        VsNtProtectVirtualMemory(f->thread, VS_CURRENT_PROCESS, NULL, &size, PAGE_READONLY, &old),
        STATUS_ACCESS_VIOLATION);
    ASSERT_REGION(f, p, p, KB(16), MEM_COMMIT, PAGE_READWRITE, p);
}

/* KUSER_SHARED_DATA stays read-only. */
static void test_protect_shared_user_data(void **state)
{
    Fixture *f = *state;
    uint32_t old;
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, 0x7FFE0000, 1, PAGE_READWRITE, &old),
                       ERROR_INVALID_PARAMETER);
    uint64_t base = 0x7FFE0000, size = 1;
    assert_int_equal(nt_protect(f, &base, &size, PAGE_READONLY, &old),
                     STATUS_INVALID_PAGE_PROTECTION);
    ASSERT_REGION(f, 0x7FFE0000, 0x7FFE0000, KB(4), MEM_COMMIT, PAGE_READONLY, 0x7FFE0000);
}

/* VirtualProtectEx acts on the process the handle names. */
static void test_protect_in_another_process(void **state)
{
    Fixture *f = *state;
    VsProcess *other = vs_process_create(f->system, "other");
    VsHandle handle;
    assert_int_equal(vs_process_open(f->thread, other, PROCESS_ALL_ACCESS, &handle),
                     STATUS_SUCCESS);
    uint64_t p =
        VsVirtualAllocEx(f->thread, handle, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    uint32_t old;
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, p, KB(4), PAGE_READONLY, &old),
                       ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_OK(f, VsVirtualProtectEx(f->thread, handle, p, KB(4), PAGE_READONLY, &old));
    assert_int_equal(old, PAGE_READWRITE);
    VsMemoryBasicInformation mbi;
    assert_int_equal(VsVirtualQueryEx(f->thread, handle, p, &mbi, sizeof mbi), 48);
    assert_int_equal(mbi.Protect, PAGE_READONLY);
    assert_int_equal(mbi.RegionSize, KB(4));
    CHECK_INVARIANTS(f);
}

int main(void)
{
#define X64(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x64, fixture_teardown)
    const struct CMUnitTest tests[] = {
        X64(test_protect_returns_first_page_protection),
        X64(test_protect_memcommit_allocation),
        X64(test_failed_protect_writes_noaccess),
        X64(test_protect_needs_every_page_committed),
        X64(test_protect_outside_one_allocation),
        X64(test_protect_invalid_protection),
        X64(test_protect_bad_arguments),
        X64(test_protect_shared_user_data),
        cmocka_unit_test_setup_teardown(test_protect_shared_user_data, fixture_setup_x86,
                                        fixture_teardown),
        X64(test_protect_in_another_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
