/*
 * test_placeholder.c - placeholders (placeholder.c and the placeholder paths of allocvm.c, freevm.c
 * and mapview.c) and MEM_ADDRESS_REQUIREMENTS (extparams.c). Every rule and status here is one
 * Wine's conformance tests measured on Windows (ntdll/tests/virtual.c, kernelbase/tests/process.c)
 * unless a comment says otherwise. Invariants after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

#define PH_RESERVE (MEM_RESERVE | MEM_RESERVE_PLACEHOLDER)
#define PH_REPLACE (MEM_RESERVE | MEM_REPLACE_PLACEHOLDER)
#define PH_SPLIT (MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER)
#define PH_MERGE (MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS)

static VsStatus alloc_ex(Fixture *f, uint64_t *base, uint64_t *size, uint32_t type,
                         uint32_t protect)
{
    VsStatus status = VsNtAllocateVirtualMemoryEx(f->thread, VS_CURRENT_PROCESS, base, size, type,
                                                  protect, NULL, 0);
    CHECK_INVARIANTS(f);
    return status;
}

static VsStatus free_at(Fixture *f, uint64_t base, uint64_t size, uint32_t type)
{
    VsStatus status = nt_free(f, &base, &size, type);
    CHECK_INVARIANTS(f);
    return status;
}

/* A new placeholder of size bytes; its base. */
static uint64_t placeholder(Fixture *f, uint64_t size)
{
    uint64_t base = 0;
    assert_int_equal(alloc_ex(f, &base, &size, PH_RESERVE, PAGE_NOACCESS), STATUS_SUCCESS);
    return base;
}

static void assert_placeholder(Fixture *f, uint64_t base, uint64_t size)
{
    ASSERT_REGION(f, base, base, size, MEM_RESERVE, 0, base);
    VsMemoryBasicInformation mbi = query(f, base);
    assert_int_equal(mbi.AllocationProtect, PAGE_NOACCESS);
    assert_int_equal(mbi.Type, MEM_PRIVATE);
}

static VsHandle pagefile_section(Fixture *f, uint64_t size)
{
    VsHandle h = VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE, 0,
                                     (uint32_t)size, NULL);
    assert_true(h != 0);
    return h;
}

/* Reserving: only through the Ex call, only PAGE_NOACCESS, never committed; a placeholder is a
 * reservation nothing else may take, commit or protect. */
static void test_reserve_rules(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0, size = KB(128);
    /* The old call refuses the flag as an invalid parameter, not an invalid type (_5). */
    assert_int_equal(nt_alloc(f, &base, &size, PH_RESERVE, PAGE_NOACCESS),
                     STATUS_INVALID_PARAMETER);
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, 0, KB(64), PH_RESERVE, PAGE_NOACCESS),
                       ERROR_INVALID_PARAMETER);
    assert_int_equal(alloc_ex(f, &base, &size, PH_RESERVE, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(alloc_ex(f, &base, &size, MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(alloc_ex(f, &base, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(
        alloc_ex(f, &base, &size, MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE),
        STATUS_INVALID_PARAMETER);
    uint64_t p = placeholder(f, KB(128));
    assert_placeholder(f, p, KB(128));
    uint64_t before = commit_charge(f);
    /* On top of it: another placeholder, a reservation, a commit, a smaller replacement. */
    base = p, size = KB(64);
    assert_int_equal(alloc_ex(f, &base, &size, PH_RESERVE, PAGE_NOACCESS),
                     STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(alloc_ex(f, &base, &size, MEM_RESERVE, PAGE_READWRITE),
                     STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(alloc_ex(f, &base, &size, MEM_COMMIT, PAGE_READWRITE),
                     STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(alloc_ex(f, &base, &size, PH_REPLACE, PAGE_READWRITE),
                     STATUS_CONFLICTING_ADDRESSES);
    ASSERT_WIN32_FAILS(f, VsVirtualAlloc(f->thread, p, 4096, MEM_COMMIT, PAGE_READWRITE),
                       ERROR_INVALID_ADDRESS);
    uint32_t old;
    ASSERT_WIN32_FAILS(f, VsVirtualProtect(f->thread, p, 4096, PAGE_READONLY, &old),
                       ERROR_INVALID_ADDRESS);
    assert_int_equal(vs_memory_write(f->thread, p, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(commit_charge(f), before);
    /* VirtualAlloc2 with a NULL process means the current one. */
    uint64_t q =
        VsVirtualAlloc2(f->thread, VS_NULL_HANDLE, 0, KB(64), PH_RESERVE, PAGE_NOACCESS, NULL, 0);
    assert_true(q != 0);
    assert_placeholder(f, q, KB(64));
    /* Plain MEM_RELEASE frees a placeholder like any reservation. */
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, q, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
    assert_int_equal(query(f, q).State, MEM_FREE);
}

/* Splitting: part of a free placeholder, any page boundary; the middle makes three. */
static void test_split(void **state)
{
    Fixture *f = *state;
    uint64_t p = placeholder(f, KB(64));
    assert_int_equal(free_at(f, p, 0, PH_SPLIT), STATUS_INVALID_PARAMETER_3);
    assert_int_equal(free_at(f, p, KB(64), PH_SPLIT), STATUS_CONFLICTING_ADDRESSES);
    uint64_t base = p + KB(32), size = KB(16);
    assert_int_equal(nt_free(f, &base, &size, PH_SPLIT), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(base, p + KB(32));
    assert_int_equal(size, KB(16));
    assert_placeholder(f, p, KB(32));
    assert_placeholder(f, p + KB(32), KB(16));
    assert_placeholder(f, p + KB(48), KB(16));
    /* 4 KB pieces are fine. */
    assert_int_equal(free_at(f, p, KB(4), PH_SPLIT), STATUS_SUCCESS);
    assert_placeholder(f, p, KB(4));
    assert_placeholder(f, p + KB(4), KB(28));
    /* An ordinary reservation was never a placeholder. */
    uint64_t r = VsVirtualAlloc(f->thread, 0, MB(1), MEM_RESERVE, PAGE_READWRITE);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, r, KB(512), PH_SPLIT), ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p, 0, PH_SPLIT), ERROR_INVALID_PARAMETER);
    /* The placeholder flags go with MEM_RELEASE only. */
    assert_int_equal(free_at(f, p, KB(4), MEM_DECOMMIT | MEM_PRESERVE_PLACEHOLDER),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(free_at(f, p, KB(4), MEM_COALESCE_PLACEHOLDERS), STATUS_INVALID_PARAMETER_4);
    assert_int_equal(free_at(f, p, KB(4), PH_SPLIT | MEM_COALESCE_PLACEHOLDERS),
                     STATUS_INVALID_PARAMETER);
}

/* Coalescing: exactly the extent of two or more adjacent free placeholders, from the first's
 * base. */
static void test_coalesce(void **state)
{
    Fixture *f = *state;
    uint64_t p = placeholder(f, KB(64));
    assert_int_equal(free_at(f, p + KB(16), KB(16), PH_SPLIT), STATUS_SUCCESS);      /* 3 pieces */
    assert_int_equal(free_at(f, p, KB(16), PH_MERGE), STATUS_CONFLICTING_ADDRESSES); /* one */
    assert_int_equal(free_at(f, p, KB(64) + KB(4), PH_MERGE), STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(free_at(f, p, KB(60), PH_MERGE), STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(free_at(f, p + KB(4), KB(60), PH_MERGE), STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(free_at(f, p, 0, PH_MERGE), STATUS_INVALID_PARAMETER_3);
    assert_int_equal(free_at(f, p, KB(64), MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
    /* Two of the three, then all. */
    assert_int_equal(free_at(f, p, KB(32), PH_MERGE), STATUS_SUCCESS);
    assert_placeholder(f, p, KB(32));
    uint64_t base = p, size = KB(64);
    assert_int_equal(nt_free(f, &base, &size, PH_MERGE), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(size, KB(64));
    assert_placeholder(f, p, KB(64));
    /* A replaced piece in the range is not a free placeholder. */
    assert_int_equal(free_at(f, p + KB(32), KB(32), PH_SPLIT), STATUS_SUCCESS);
    base = p + KB(32), size = KB(32);
    assert_int_equal(alloc_ex(f, &base, &size, PH_REPLACE, PAGE_READWRITE), STATUS_SUCCESS);
    assert_int_equal(free_at(f, p, KB(64), PH_MERGE), STATUS_CONFLICTING_ADDRESSES);
}

/* Replacing with private memory, and back: the contents go with it. */
static void test_replace_private(void **state)
{
    Fixture *f = *state;
    uint64_t p = placeholder(f, KB(64));
    assert_int_equal(free_at(f, p, KB(16), PH_SPLIT), STATUS_SUCCESS);
    uint64_t base = p + KB(16), size = KB(48);
    uint64_t charge = commit_charge(f);
    assert_int_equal(alloc_ex(f, &base, &size, PH_REPLACE | MEM_COMMIT, PAGE_READWRITE),
                     STATUS_SUCCESS);
    assert_int_equal(base, p + KB(16)); /* a page-aligned base: no 64 KB rounding */
    assert_int_equal(commit_charge(f), charge + 12);
    VsMemoryBasicInformation mbi = query(f, base);
    assert_int_equal(mbi.AllocationBase, p + KB(16));
    assert_int_equal(mbi.AllocationProtect, PAGE_READWRITE);
    assert_int_equal(mbi.State, MEM_COMMIT);
    assert_int_equal(mbi.Type, MEM_PRIVATE);
    assert_int_equal(vs_memory_write(f->thread, base + 100, 0x77), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    /* Replacing again: it is not a free placeholder now. */
    assert_int_equal(alloc_ex(f, &base, &size, PH_REPLACE, PAGE_READWRITE),
                     STATUS_INVALID_PARAMETER);
    /* Back to a placeholder: commit returned, contents gone; re-replaced it reads zeros. */
    assert_int_equal(free_at(f, base, KB(48), PH_SPLIT), STATUS_SUCCESS);
    assert_int_equal(commit_charge(f), charge);
    assert_placeholder(f, base, KB(48));
    assert_int_equal(alloc_ex(f, &base, &size, PH_REPLACE | MEM_COMMIT, PAGE_READONLY),
                     STATUS_SUCCESS);
    uint8_t value = 0xEE;
    assert_int_equal(vs_memory_read(f->thread, base + 100, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0);
    assert_int_equal(query(f, base).AllocationProtect, PAGE_READONLY);
    /* Part of a replacement can go back (the NT call frees part of any allocation; Wine agrees,
     * no test measures Windows): the rest stays private memory. */
    assert_int_equal(free_at(f, base + KB(16), KB(16), PH_SPLIT), STATUS_SUCCESS);
    assert_placeholder(f, base + KB(16), KB(16));
    assert_int_equal(query(f, base).State, MEM_COMMIT);
    assert_int_equal(query(f, base + KB(32)).State, MEM_COMMIT);
    /* Write watch on a replacement (refused by Windows 10 1809 only). */
    uint64_t w = placeholder(f, KB(64));
    base = w, size = KB(64);
    assert_int_equal(alloc_ex(f, &base, &size, PH_REPLACE | MEM_WRITE_WATCH, PAGE_READONLY),
                     STATUS_SUCCESS);
    assert_true(VsVirtualAlloc(f->thread, w, KB(8), MEM_COMMIT, PAGE_READWRITE) != 0);
    assert_int_equal(vs_memory_write(f->thread, w + KB(4), 1), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
}

/* Replacing with a view (MapViewOfFile3) and unmapping back to a placeholder (UnmapViewOfFile2). */
static void test_replace_with_view(void **state)
{
    Fixture *f = *state;
    VsHandle h = pagefile_section(f, KB(64));
    uint64_t p = placeholder(f, KB(128));
    assert_int_equal(free_at(f, p, KB(64), PH_SPLIT), STATUS_SUCCESS);
    /* Page alignment only; size exactly the placeholder's. */
    assert_int_equal(VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, p + 1, 0, KB(64),
                                      MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0),
                     0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_MAPPED_ALIGNMENT);
    assert_int_equal(VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, p, 4095, KB(4),
                                      MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0),
                     0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_MAPPED_ALIGNMENT);
    assert_int_equal(VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, p, 0, KB(32),
                                      MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0),
                     0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);
    /* Without the flag a placeholder is just taken space. */
    assert_int_equal(
        VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, p, 0, KB(64), 0, PAGE_READWRITE, NULL, 0),
        0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);
    CHECK_INVARIANTS(f);
    uint64_t v = VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, p, 0, KB(64),
                                  MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0);
    assert_int_equal(v, p);
    CHECK_INVARIANTS(f);
    VsMemoryBasicInformation mbi = query(f, v);
    assert_int_equal(mbi.Type, MEM_MAPPED);
    assert_int_equal(mbi.State, MEM_COMMIT);
    assert_int_equal(mbi.AllocationProtect, PAGE_READWRITE);
    assert_int_equal(mbi.RegionSize, KB(64));
    assert_placeholder(f, p + KB(64), KB(64));
    /* VirtualFree cannot preserve a view; a view not from a placeholder cannot be preserved. */
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, v, KB(64), PH_SPLIT), ERROR_INVALID_PARAMETER);
    uint64_t plain = VsMapViewOfFile(f->thread, h, FILE_MAP_READ, 0, 0, 0);
    ASSERT_WIN32_FAILS(
        f, VsUnmapViewOfFile2(f->thread, VS_CURRENT_PROCESS, plain, MEM_PRESERVE_PLACEHOLDER),
        ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_OK(f, VsUnmapViewOfFile2(f->thread, VS_CURRENT_PROCESS, plain, 0));
    ASSERT_WIN32_FAILS(f,
                       VsUnmapViewOfFile2(f->thread, VS_NULL_HANDLE, v, MEM_PRESERVE_PLACEHOLDER),
                       ERROR_INVALID_HANDLE);
    ASSERT_WIN32_FAILS(f,
                       VsUnmapViewOfFile2(f->thread, VS_CURRENT_PROCESS, v,
                                          MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER),
                       ERROR_INVALID_PARAMETER);
    /* The section's handle may go first: the view holds it. */
    assert_true(VsCloseHandle(f->thread, h));
    ASSERT_WIN32_OK(f,
                    VsUnmapViewOfFile2(f->thread, VS_CURRENT_PROCESS, v,
                                       MEM_UNMAP_WITH_TRANSIENT_BOOST | MEM_PRESERVE_PLACEHOLDER));
    CHECK_INVARIANTS(f);
    assert_placeholder(f, p, KB(64));
    ASSERT_WIN32_FAILS(
        f, VsUnmapViewOfFile2(f->thread, VS_CURRENT_PROCESS, p, MEM_PRESERVE_PLACEHOLDER),
        ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_FAILS(f, VsUnmapViewOfFile(f->thread, p), ERROR_INVALID_ADDRESS);
    ASSERT_WIN32_FAILS(f, VsVirtualFree(f->thread, p, KB(64), PH_SPLIT), ERROR_INVALID_ADDRESS);
    /* Two placeholders again: coalesce and release. */
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, p, KB(128), PH_MERGE));
    ASSERT_WIN32_OK(f, VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
    assert_int_equal(query(f, p).State, MEM_FREE);
}

/* Raymond Chen's ring buffer: one section mapped twice, back to back, into a split placeholder, so
 * a byte written at offset x reads back at x + N. */
static void test_ring_buffer(void **state)
{
    Fixture *f = *state;
    const uint64_t n = KB(64);
    VsHandle h = pagefile_section(f, n);
    uint64_t p = placeholder(f, 2 * n);
    assert_int_equal(free_at(f, p, n, PH_SPLIT), STATUS_SUCCESS);
    uint64_t first = VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, p, 0, n,
                                      MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0);
    uint64_t second = VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, p + n, 0, n,
                                       MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0);
    assert_int_equal(first, p);
    assert_int_equal(second, p + n);
    CHECK_INVARIANTS(f);
    for (uint64_t x = 0; x < n; x += 4093) {
        assert_int_equal(vs_memory_write(f->thread, p + x, (uint8_t)(x * 7)), STATUS_SUCCESS);
        uint8_t value = 0;
        assert_int_equal(vs_memory_read(f->thread, p + x + n, &value), STATUS_SUCCESS);
        assert_int_equal(value, (uint8_t)(x * 7));
    }
    CHECK_INVARIANTS(f);
    /* A record straddling the end reads straight on into the start. */
    assert_int_equal(vs_memory_write(f->thread, p + n + n - 1, 0xAB), STATUS_SUCCESS);
    uint8_t value = 0;
    assert_int_equal(vs_memory_read(f->thread, p + n - 1, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0xAB);
    assert_true(VsUnmapViewOfFileEx(f->thread, first, MEM_PRESERVE_PLACEHOLDER));
    assert_true(VsUnmapViewOfFileEx(f->thread, second, MEM_PRESERVE_PLACEHOLDER));
    assert_true(VsCloseHandle(f->thread, h));
    CHECK_INVARIANTS(f);
    assert_true(VsVirtualFree(f->thread, p, 2 * n, PH_MERGE));
    assert_true(VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
}

static VsMemExtendedParameter requirement(const VsMemAddressRequirements *r)
{
    VsMemExtendedParameter p = {.Type = MemExtendedParameterAddressRequirements};
    p.Pointer = r;
    return p;
}

static VsStatus alloc_within(Fixture *f, uint64_t *base, uint64_t size, uint32_t type,
                             const VsMemAddressRequirements *r)
{
    VsMemExtendedParameter p = requirement(r);
    VsStatus status = VsNtAllocateVirtualMemoryEx(f->thread, VS_CURRENT_PROCESS, base, &size, type,
                                                  PAGE_READWRITE, &p, 1);
    CHECK_INVARIANTS(f);
    return status;
}

/* MEM_ADDRESS_REQUIREMENTS: the shape rules, then placement inside the window on the alignment. */
/* The list of extended parameters (extparams.c): attribute flags of 0 are accepted, EC code and
 * the other flags are not; type 0, a type past the last and one type twice are refused before
 * anything is made (ntdll test_NtAllocateVirtualMemoryEx L657-737, _address_requirements
 * L758-791). */
static void test_extended_parameter_list(void **state)
{
    Fixture *f = *state;
    VsHandle self = VsGetCurrentProcess();
    VsMemExtendedParameter flags[2] = {{.Type = MemExtendedParameterAttributeFlags},
                                       {.Type = MemExtendedParameterAttributeFlags}};
    uint64_t base = 0, size = KB(64);
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, self, &base, &size, MEM_RESERVE,
                                                 PAGE_READWRITE, flags, 1),
                     STATUS_SUCCESS);
    assert_true(base != 0);
    uint64_t other = 0;
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, self, &other, &size, MEM_RESERVE,
                                                 PAGE_READWRITE, flags, 2),
                     STATUS_INVALID_PARAMETER);
    flags[0].ULong64 = 0x40; /* MEM_EXTENDED_PARAMETER_EC_CODE */
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, self, &other, &size, MEM_RESERVE,
                                                 PAGE_READWRITE, flags, 1),
                     STATUS_INVALID_PARAMETER);
    flags[0].ULong64 = 0x2; /* MEM_EXTENDED_PARAMETER_NONPAGED: memory the model has not */
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, self, &other, &size, MEM_RESERVE,
                                                 PAGE_READWRITE, flags, 1),
                     STATUS_NOT_SUPPORTED);
    VsMemExtendedParameter bad[] = {{.Type = MemExtendedParameterInvalidType},
                                    {.Type = MemExtendedParameterMax}};
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, self, &other, &size, MEM_RESERVE,
                                                     PAGE_READWRITE, &bad[i], 1),
                         STATUS_INVALID_PARAMETER);
    assert_int_equal(other, 0);
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, 0, &other, &size, MEM_RESERVE,
                                                 PAGE_READWRITE, NULL, 0),
                     STATUS_INVALID_HANDLE);
    CHECK_INVARIANTS(f);
}

static void test_address_requirements(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0;
    const uint64_t top = vs_system_layout(f->system)->highest_user_address;
    const VsMemAddressRequirements bad[] = {
        {.Alignment = 0x8000},
        {.Alignment = 0x30000},
        {.LowestStartingAddress = 0x20001000},
        {.HighestEndingAddress = 0x20001000},
        {.HighestEndingAddress = 0x20000ffe},
        {.HighestEndingAddress = top + 0x1000},
        {.LowestStartingAddress = 0x40000000, .HighestEndingAddress = 0x2fffffff},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(alloc_within(f, &base, KB(64), MEM_RESERVE, &bad[i]),
                         STATUS_INVALID_PARAMETER);
    /* Zeros ask for nothing; the top of user space is a valid Highest. */
    assert_int_equal(alloc_within(f, &base, KB(64), MEM_RESERVE, &(VsMemAddressRequirements){0}),
                     STATUS_SUCCESS);
    base = 0;
    assert_int_equal(alloc_within(f, &base, KB(64), MEM_RESERVE,
                                  &(VsMemAddressRequirements){.HighestEndingAddress = top}),
                     STATUS_SUCCESS);
    /* A caller's base with requirements; a window nothing fits in. */
    uint64_t fixed = base + MB(1);
    assert_int_equal(alloc_within(f, &fixed, KB(64), MEM_RESERVE,
                                  &(VsMemAddressRequirements){.Alignment = KB(64)}),
                     STATUS_INVALID_PARAMETER);
    base = 0;
    assert_int_equal(alloc_within(f, &base, KB(256), MEM_RESERVE,
                                  &(VsMemAddressRequirements){.HighestEndingAddress = 0x2000ffff,
                                                              .Alignment = 0x20000000}),
                     STATUS_NO_MEMORY);
    /* Placed inside [lowest, highest] on the alignment, bottom-up and top-down. */
    const VsMemAddressRequirements window = {.LowestStartingAddress = 0x30010000,
                                             .HighestEndingAddress = 0x3fffffff,
                                             .Alignment = MB(1)};
    for (int i = 0; i < 4; i++) {
        base = 0;
        uint32_t type = MEM_RESERVE | (i % 2 ? MEM_TOP_DOWN : 0);
        assert_int_equal(alloc_within(f, &base, KB(192), type, &window), STATUS_SUCCESS);
        assert_true(base >= 0x30010000 && base + KB(192) - 1 <= 0x3fffffff);
        assert_int_equal(base % MB(1), 0);
        if (i == 0)
            assert_int_equal(base, 0x30100000);
        if (i == 1)
            assert_int_equal(base, 0x3ff00000);
    }
    /* Placeholders take requirements too; views take no alignment. */
    base = 0;
    assert_int_equal(alloc_within(f, &base, MB(2), PH_RESERVE, &window), STATUS_INVALID_PARAMETER);
    VsMemExtendedParameter p = requirement(&window);
    uint64_t size = MB(2);
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, VS_CURRENT_PROCESS, &base, &size,
                                                 PH_RESERVE, PAGE_NOACCESS, &p, 1),
                     STATUS_SUCCESS);
    assert_int_equal(base % MB(1), 0);
    CHECK_INVARIANTS(f);
    VsHandle h = pagefile_section(f, KB(64));
    assert_int_equal(
        VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, 0, 0, 0, 0, PAGE_READONLY, &p, 1), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    const VsMemAddressRequirements low_high = {.LowestStartingAddress = 0x50000000,
                                               .HighestEndingAddress = 0x5fffffff};
    p = requirement(&low_high);
    uint64_t v = VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, 0, 0, 0, 0, PAGE_READONLY, &p, 1);
    assert_true(v >= 0x50000000 && v < 0x60000000);
    CHECK_INVARIANTS(f);
    /* The parameter list itself: NULL with a count, a type twice, type 0, an unknown type. */
    size = KB(64), base = 0;
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, VS_CURRENT_PROCESS, &base, &size,
                                                 MEM_RESERVE, PAGE_READWRITE, NULL, 1),
                     STATUS_INVALID_PARAMETER);
    VsMemExtendedParameter two[2] = {requirement(&window), requirement(&window)};
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, VS_CURRENT_PROCESS, &base, &size,
                                                 MEM_RESERVE, PAGE_READWRITE, two, 2),
                     STATUS_INVALID_PARAMETER);
    two[0].Type = MemExtendedParameterInvalidType;
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, VS_CURRENT_PROCESS, &base, &size,
                                                 MEM_RESERVE, PAGE_READWRITE, two, 1),
                     STATUS_INVALID_PARAMETER);
    two[0].Type = MemExtendedParameterMax;
    assert_int_equal(VsNtAllocateVirtualMemoryEx(f->thread, VS_CURRENT_PROCESS, &base, &size,
                                                 MEM_RESERVE, PAGE_READWRITE, two, 1),
                     STATUS_INVALID_PARAMETER);
    CHECK_INVARIANTS(f);
}

/* Random placeholder life cycles in one address range: reserve, split, coalesce, replace with
 * memory or views, restore, release, touch; the checker after every call, and a shadow of what each
 * page should be. */
static void test_random_placeholders(void **state)
{
    Fixture *f = *state;
    TestRng rng = {0x9E3779B97F4A7C15ull};
    VsHandle h = pagefile_section(f, KB(64));
    const uint64_t arena = 0x40000000, pages = 64; /* 256 KB */
    uint64_t succeeded[8] = {0};
    for (int step = 0; step < 4000; step++) {
        uint64_t first = rng_below(&rng, pages), count = 1 + rng_below(&rng, pages - first);
        uint64_t base = arena + first * 4096, size = count * 4096;
        uint64_t op = rng_below(&rng, 8);
        bool ok = false;
        switch (op) {
        case 0:
            base = arena + (first & ~15ull) * 4096;
            ok = NT_SUCCESS(alloc_ex(f, &base, &size, PH_RESERVE, PAGE_NOACCESS));
            break;
        case 1: ok = NT_SUCCESS(free_at(f, base, size, PH_SPLIT)); break;
        case 2: ok = NT_SUCCESS(free_at(f, base, size, PH_MERGE)); break;
        case 3:
            ok = NT_SUCCESS(alloc_ex(f, &base, &size,
                                     PH_REPLACE | (rng_below(&rng, 2) ? MEM_COMMIT : 0),
                                     PAGE_READWRITE));
            break;
        case 4:
            ok = VsMapViewOfFile3(f->thread, h, VS_NULL_HANDLE, base, 0,
                                  size < KB(64) ? size : KB(64), MEM_REPLACE_PLACEHOLDER,
                                  PAGE_READWRITE, NULL, 0) != 0;
            break;
        case 5:
            ok = VsUnmapViewOfFile2(f->thread, VS_CURRENT_PROCESS, base,
                                    rng_below(&rng, 4) ? MEM_PRESERVE_PLACEHOLDER : 0);
            break;
        case 6:
            ok = NT_SUCCESS(free_at(f, base, rng_below(&rng, 2) ? 0 : size, MEM_RELEASE));
            break;
        default: ok = NT_SUCCESS(vs_memory_write(f->thread, base, (uint8_t)step)); break;
        }
        succeeded[op] += ok;
        CHECK_INVARIANTS(f);
    }
    /* Every kind of step happened, or the test proved little. */
    for (int op = 0; op < 8; op++) {
        if (!succeeded[op])
            fprintf(stderr, "operation %d never succeeded\n", op);
        assert_true(succeeded[op] > 0);
    }
}

#define X64(test) cmocka_unit_test_setup_teardown(test, fixture_setup_x64, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        X64(test_reserve_rules),
        X64(test_split),
        X64(test_coalesce),
        X64(test_replace_private),
        X64(test_replace_with_view),
        X64(test_ring_buffer),
        X64(test_address_requirements),
        X64(test_extended_parameter_list),
        X64(test_random_placeholders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
