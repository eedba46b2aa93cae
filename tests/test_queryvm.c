/*
 * test_queryvm.c - NtQueryVirtualMemory and VirtualQuery(Ex): regions are maximal runs of one state
 * and protection within one allocation, recomputed at every query; free and reserved regions
 * report what Windows reports; and the exact status and Win32 error of every misuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

/* A new process: free from 0 up to KUSER_SHARED_DATA, its one read-only page, then free again. */
static void test_empty_address_space_x64(void **state)
{
    Fixture *f = *state;
    const VsLayout *layout = vs_system_layout(f->system);
    ASSERT_REGION(f, 0, 0, 0x7FFE0000, MEM_FREE, PAGE_NOACCESS, 0);
    VsMemoryBasicInformation mbi = query(f, 0x1234);
    assert_int_equal(mbi.BaseAddress, 0x1000);
    assert_int_equal(mbi.AllocationProtect, 0);
    assert_int_equal(mbi.Type, 0);
    ASSERT_REGION(f, 0x7FFE0000, 0x7FFE0000, KB(4), MEM_COMMIT, PAGE_READONLY, 0x7FFE0000);
    mbi = query(f, 0x7FFE0000);
    assert_int_equal(mbi.AllocationProtect, PAGE_READONLY);
    assert_int_equal(mbi.Type, MEM_PRIVATE);
    /* Its VAD is that one page (WRK, and Wine agrees): above it, free to the top of user space,
     * the unusable rest of its granule and the last 64 KB below the top included. */
    ASSERT_REGION(f, 0x7FFE1000, 0x7FFE1000, layout->highest_user_address + 1 - 0x7FFE1000,
                  MEM_FREE, PAGE_NOACCESS, 0);
    ASSERT_REGION(f, layout->highest_user_address, layout->highest_user_address & ~0xFFFull, KB(4),
                  MEM_FREE, PAGE_NOACCESS, 0);
}

/* On x86 KUSER_SHARED_DATA is in the top 64 KB of user space; above it is kernel space. */
static void test_empty_address_space_x86(void **state)
{
    Fixture *f = *state;
    ASSERT_REGION(f, 0x7FFEFFFF, 0x7FFEF000, KB(4), MEM_FREE, PAGE_NOACCESS, 0);
    ASSERT_REGION(f, 0x7FFE1000, 0x7FFE1000, KB(60), MEM_FREE, PAGE_NOACCESS, 0);
    VsMemoryBasicInformation mbi;
    ASSERT_WIN32_FAILS(f, VsVirtualQuery(f->thread, 0x7FFF0000, &mbi, sizeof mbi),
                       ERROR_INVALID_PARAMETER);
    /* The x86 MEMORY_BASIC_INFORMATION is 28 bytes: a 28-byte buffer is enough. */
    assert_int_equal(VsVirtualQuery(f->thread, 0x10000, &mbi, 28), 28);
}

/* Runs split at every change of state or protection, and never cross allocations. */
static void test_regions_are_runs_within_one_allocation(void **state)
{
    Fixture *f = *state;
    uint64_t a = VsVirtualAlloc(f->thread, 0x10000000, KB(64), MEM_RESERVE, PAGE_READWRITE);
    uint64_t b = VsVirtualAlloc(f->thread, 0x10010000, KB(64), MEM_RESERVE, PAGE_READWRITE);
    /* Two adjacent reservations with equal state: still two regions. */
    ASSERT_REGION(f, a, a, KB(64), MEM_RESERVE, 0, a);
    ASSERT_REGION(f, b, b, KB(64), MEM_RESERVE, 0, b);
    VsVirtualAlloc(f->thread, a + KB(60), KB(4), MEM_COMMIT, PAGE_READWRITE);
    VsVirtualAlloc(f->thread, b, KB(4), MEM_COMMIT, PAGE_READWRITE);
    ASSERT_REGION(f, a + KB(60), a + KB(60), KB(4), MEM_COMMIT, PAGE_READWRITE, a);
    ASSERT_REGION(f, b, b, KB(4), MEM_COMMIT, PAGE_READWRITE, b);
    /* Equal protection set by separate calls is one run. */
    VsVirtualAlloc(f->thread, b + KB(4), KB(4), MEM_COMMIT, PAGE_READWRITE);
    ASSERT_REGION(f, b, b, KB(8), MEM_COMMIT, PAGE_READWRITE, b);
    /* A different protection splits it; the query from the middle starts at the asked page. */
    VsVirtualAlloc(f->thread, b + KB(8), KB(4), MEM_COMMIT, PAGE_READONLY);
    ASSERT_REGION(f, b + KB(5), b + KB(4), KB(4), MEM_COMMIT, PAGE_READWRITE, b);
    ASSERT_REGION(f, b + KB(8), b + KB(8), KB(4), MEM_COMMIT, PAGE_READONLY, b);
    ASSERT_REGION(f, b + KB(12), b + KB(12), KB(52), MEM_RESERVE, 0, b);
    /* A guard page is its own run. */
    VsVirtualAlloc(f->thread, b + KB(12), KB(4), MEM_COMMIT, PAGE_READONLY | PAGE_GUARD);
    ASSERT_REGION(f, b + KB(12), b + KB(12), KB(4), MEM_COMMIT, PAGE_READONLY | PAGE_GUARD, b);
    CHECK_INVARIANTS(f);
}

/* Walking from 0 to the top by BaseAddress + RegionSize visits every region once, gap-free. */
static void test_walk_covers_user_space(void **state)
{
    Fixture *f = *state;
    const VsLayout *layout = vs_system_layout(f->system);
    uint64_t p = VsVirtualAlloc(f->thread, 0, MB(1), MEM_RESERVE, PAGE_READWRITE);
    VsVirtualAlloc(f->thread, p + KB(100), KB(300), MEM_COMMIT, PAGE_EXECUTE_READ);
    VsVirtualAlloc(f->thread, 0, KB(12), MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, PAGE_READONLY);
    uint64_t address = 0, regions = 0, committed = 0;
    while (address <= layout->highest_user_address) {
        VsMemoryBasicInformation mbi = query(f, address);
        assert_int_equal(mbi.BaseAddress, address);
        assert_true(mbi.RegionSize > 0 && mbi.RegionSize % VS_PAGE_SIZE == 0);
        if (mbi.State == MEM_COMMIT)
            committed += mbi.RegionSize;
        address += mbi.RegionSize;
        regions++;
    }
    assert_int_equal(address, layout->highest_user_address + 1);
    /* free, reserved, committed, reserved, free, committed (top-down), free, KUSER, free */
    assert_int_equal(regions, 9);
    assert_int_equal(committed, KB(300) + KB(12) + KB(4));
    assert_int_equal(commit_charge(f) * VS_PAGE_SIZE, KB(300) + KB(12));
}

/* The errors: address past user space, short buffer, NULL buffer, unknown class, bad handle. */
static void test_query_errors(void **state)
{
    Fixture *f = *state;
    const VsLayout *layout = vs_system_layout(f->system);
    VsMemoryBasicInformation mbi;
    ASSERT_WIN32_FAILS(
        f, VsVirtualQuery(f->thread, layout->highest_user_address + 1, &mbi, sizeof mbi),
        ERROR_INVALID_PARAMETER);
    ASSERT_WIN32_FAILS(f, VsVirtualQuery(f->thread, ~0ull, &mbi, sizeof mbi),
                       ERROR_INVALID_PARAMETER);
    ASSERT_WIN32_FAILS(f, VsVirtualQuery(f->thread, 0x10000, &mbi, layout->mbi_size - 1),
                       ERROR_BAD_LENGTH);
    ASSERT_WIN32_FAILS(f, VsVirtualQuery(f->thread, 0x10000, NULL, sizeof mbi), ERROR_NOACCESS);
    ASSERT_WIN32_FAILS(f, VsVirtualQueryEx(f->thread, 0x88, 0x10000, &mbi, sizeof mbi),
                       ERROR_INVALID_HANDLE);
    uint64_t returned = 99;
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0x10000,
                                            (VsMemoryInformationClass)7, &mbi, sizeof mbi,
                                            &returned),
                     STATUS_INVALID_INFO_CLASS);
    assert_int_equal(returned, 99);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0x10000,
                                            MemoryBasicInformation, &mbi, 8, &returned),
                     STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0x10000,
                                            MemoryBasicInformation, &mbi, sizeof mbi, &returned),
                     STATUS_SUCCESS);
    assert_int_equal(returned, 48);
    /* The return-length pointer is optional. */
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0x10000,
                                            MemoryBasicInformation, &mbi, sizeof mbi, NULL),
                     STATUS_SUCCESS);
}

/* Queries are recomputed, never cached: a change shows at once. */
static void test_query_sees_changes_immediately(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    ASSERT_REGION(f, p, p, KB(64), MEM_RESERVE, 0, p);
    VsVirtualAlloc(f->thread, p + KB(32), KB(4), MEM_COMMIT, PAGE_READWRITE);
    ASSERT_REGION(f, p, p, KB(32), MEM_RESERVE, 0, p);
    VsVirtualFree(f->thread, p + KB(32), KB(4), MEM_DECOMMIT);
    ASSERT_REGION(f, p, p, KB(64), MEM_RESERVE, 0, p);
    VsVirtualFree(f->thread, p, 0, MEM_RELEASE);
    assert_int_equal(query(f, p).State, MEM_FREE);
    CHECK_INVARIANTS(f);
}

/* MemoryRegionInformation describes the whole allocation and its commit; the least buffer runs
 * through RegionSize, and a short one leaves CommitSize unwritten; a free address is
 * STATUS_INVALID_ADDRESS with nothing written. MemoryImageInformation is zero outside images. */
static void test_region_and_image_classes(void **state)
{
    Fixture *f = *state;
    uint64_t base = 0, size = KB(64), length = 7;
    assert_int_equal(nt_alloc(f, &base, &size, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
    size = KB(8);
    assert_int_equal(nt_alloc(f, &base, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, base + KB(4), KB(4), PAGE_NOACCESS, &old));
    VsMemoryRegionInformation r;
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, base + KB(4),
                                            MemoryRegionInformation, &r, 16, &length),
                     STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(length, 7);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, base + KB(4),
                                            MemoryRegionInformation, &r, 48, &length),
                     STATUS_SUCCESS);
    assert_int_equal(length, 48);
    assert_int_equal(r.AllocationBase, base);
    assert_int_equal(r.RegionSize, KB(64));
    assert_int_equal(r.CommitSize, KB(8));
    assert_int_equal(r.AllocationProtect, PAGE_READWRITE);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, base,
                                            MemoryRegionInformation, &r, 24, &length),
                     STATUS_SUCCESS);
    assert_int_equal(length, 24);
    assert_int_equal(r.CommitSize, 0);
    VsMemoryImageInformation image = {1, 2, 3};
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, base,
                                            MemoryImageInformation, &image, 23, &length),
                     STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, base,
                                            MemoryImageInformation, &image, 24, &length),
                     STATUS_SUCCESS);
    assert_true(image.ImageBase == 0 && image.SizeOfImage == 0 && image.ImageFlags == 0);
    length = 7;
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, base + KB(64),
                                            MemoryImageInformation, &image, 24, &length),
                     STATUS_INVALID_ADDRESS);
    assert_int_equal(
        VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, base, 1, &image, 512, &length),
        STATUS_INVALID_INFO_CLASS);
    assert_int_equal(length, 7);
    CHECK_INVARIANTS(f);
}

/* A read-only view of q.dat, a file of two pages declared for the test: its address. */
static uint64_t map_file_view(Fixture *f)
{
    assert_int_equal(vs_file_create(f->system, "q.dat", 0x2000, "data", 4, 0), STATUS_SUCCESS);
    VsHandle file = VsCreateFile(f->thread, "q.dat", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING,
                                 FILE_ATTRIBUTE_NORMAL);
    VsHandle m = VsCreateFileMapping(f->thread, file, PAGE_READONLY, 0, 0, NULL);
    uint64_t v = VsMapViewOfFile(f->thread, m, FILE_MAP_READ, 0, 0, 0);
    assert_true(v != 0);
    return v;
}

/* MemoryWorkingSetExInformation answers every entry of the buffer on its own and returns the
 * buffer's length (psapi test_QueryWorkingSetEx L1243-1260, L1298-1311); a view's page out of the
 * working set is the invalid form with Shared (L1265-1271). */
static void test_working_set_class(void **state)
{
    Fixture *f = *state;
    uint64_t a = VsVirtualAlloc(f->thread, 0, KB(8), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(vs_memory_write(f->thread, a + KB(4), 1), STATUS_SUCCESS);
    VsMemoryWorkingSetExInformation entries[3] = {{.VirtualAddress = a},
                                                  {.VirtualAddress = a + KB(4)}};
    uint64_t length = 7;
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0,
                                            MemoryWorkingSetExInformation, entries, 15, &length),
                     STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(length, 7);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0,
                                            MemoryWorkingSetExInformation, entries, 40, &length),
                     STATUS_SUCCESS);
    assert_int_equal(length, 40);
    assert_int_equal(entries[0].VirtualAttributes.Valid, 0);
    assert_int_equal(entries[1].VirtualAttributes.Valid, 1);
    assert_int_equal(entries[1].VirtualAttributes.Win32Protection, PAGE_READWRITE);
    assert_int_equal(entries[1].VirtualAttributes.Shared, 0);

    uint64_t v = map_file_view(f);
    entries[0].VirtualAddress = v;
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0,
                                            MemoryWorkingSetExInformation, entries, 16, NULL),
                     STATUS_SUCCESS);
    assert_true(entries[0].VirtualAttributes.Valid == 0 &&
                entries[0].VirtualAttributes.Shared == 1);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, v, &byte), STATUS_SUCCESS);
    VsWorkingSetExBlock block;
    assert_true(VsQueryWorkingSetEx(f->thread, VS_CURRENT_PROCESS, v, &block));
    assert_true(block.Valid == 1 && block.Shared == 1 && block.ShareCount == 1);
    CHECK_INVARIANTS(f);
}

/* MemoryMappedFilenameInformation: a file view's NT name; private memory and nothing are
 * STATUS_INVALID_ADDRESS whatever the length, a page-file view STATUS_FILE_INVALID; a buffer short
 * of the string or of the name returns the length needed (info.c test_queryvirtualmemory
 * L3162-3236). */
static void test_mapped_filename_class(void **state)
{
    Fixture *f = *state;
    uint64_t v = map_file_view(f);
    VsMemorySectionName name = {0xcccc, 0xcccc, ""};
    uint64_t length = 7, needed = 16 + 2 * (strlen("\\Device\\HarddiskVolume1\\q.dat") + 1);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, v + 100,
                                            MemoryMappedFilenameInformation, &name, 15, &length),
                     STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(length, needed);
    length = 7;
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, v,
                                            MemoryMappedFilenameInformation, &name, 32, &length),
                     STATUS_BUFFER_OVERFLOW);
    assert_true(length == needed && name.Length == 0xcccc);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, v,
                                            MemoryMappedFilenameInformation, &name, 1024, &length),
                     STATUS_SUCCESS);
    assert_string_equal(name.Name, "\\Device\\HarddiskVolume1\\q.dat");
    assert_true(name.MaximumLength == name.Length + 2 && length == 16u + name.MaximumLength);

    uint64_t a = VsVirtualAlloc(f->thread, 0, KB(8), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    length = 7;
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, a,
                                            MemoryMappedFilenameInformation, &name, 1, &length),
                     STATUS_INVALID_ADDRESS);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0x1234,
                                            MemoryMappedFilenameInformation, &name, 1024, &length),
                     STATUS_INVALID_ADDRESS);
    assert_int_equal(length, 7);
    VsHandle s =
        VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 4096, NULL);
    uint64_t p = VsMapViewOfFile(f->thread, s, FILE_MAP_READ, 0, 0, 0);
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, p,
                                            MemoryMappedFilenameInformation, &name, 1024, &length),
                     STATUS_FILE_INVALID);
    assert_int_equal(length, 7);
    CHECK_INVARIANTS(f);
}

/* ---- The buffer in the process (VsNtQueryVirtualMemoryInto) ---------------------------------- */

/* The little-endian value of `size` bytes at address in the caller's process. */
static uint64_t load(Fixture *f, uint64_t address, uint32_t size)
{
    uint64_t value = 0;
    for (uint32_t i = 0; i < size; i++) {
        uint8_t byte;
        assert_int_equal(vs_memory_read(f->thread, address + i, &byte), STATUS_SUCCESS);
        value |= (uint64_t)byte << (8 * i);
    }
    return value;
}

static void store(Fixture *f, uint64_t address, uint64_t value, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++)
        assert_int_equal(vs_memory_write(f->thread, address + i, (uint8_t)(value >> (8 * i))),
                         STATUS_SUCCESS);
}

static VsStatus query_into(Fixture *f, VsHandle process, uint64_t address, uint32_t class,
                           uint64_t buffer, uint64_t length, uint64_t *return_length)
{
    VsQueryBuffer in = {.in_process = true, .address = buffer};
    return VsNtQueryVirtualMemoryInto(f->thread, process, address, class, &in, length,
                                      return_length);
}

/* WRK's order with the buffer in the process: the class and the length first, then the probe of
 * the whole length on a pointer's boundary, then the address and the handle. A NULL buffer is
 * STATUS_ACCESS_VIOLATION (info.c test_queryvirtualmemory L3192-3194), a length of 0 probes
 * nothing; a failure writes neither the buffer nor the return length. */
static void test_buffer_probed_after_length(void **state)
{
    Fixture *f = *state;
    uint64_t b = VsVirtualAlloc(f->thread, 0, KB(128), MEM_RESERVE, PAGE_READWRITE), length = 7;
    assert_int_equal(VsVirtualAlloc(f->thread, b, KB(64), MEM_COMMIT, PAGE_READWRITE), b);
    assert_int_equal(query_into(f, 0, ~0ull, 5, 0, 48, &length), STATUS_INVALID_INFO_CLASS);
    assert_int_equal(query_into(f, 0, ~0ull, MemoryBasicInformation, 0, 47, &length),
                     STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(query_into(f, 0, ~0ull, MemoryBasicInformation, 0, 48, &length),
                     STATUS_ACCESS_VIOLATION);
    assert_int_equal(query_into(f, 0, ~0ull, MemoryBasicInformation, b + 4, 48, &length),
                     STATUS_DATATYPE_MISALIGNMENT);
    assert_int_equal(query_into(f, 0, ~0ull, MemoryBasicInformation, b + KB(64) - 48, 96, &length),
                     STATUS_ACCESS_VIOLATION);
    assert_int_equal(query_into(f, 0, ~0ull, MemoryBasicInformation, b, 48, &length),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(query_into(f, 0, b, MemoryBasicInformation, b, 48, &length),
                     STATUS_INVALID_HANDLE);
    assert_int_equal(
        query_into(f, VS_CURRENT_PROCESS, b, MemoryMappedFilenameInformation, 0, 2048, NULL),
        STATUS_ACCESS_VIOLATION);
    assert_int_equal(
        query_into(f, VS_CURRENT_PROCESS, 0x1234, MemoryMappedFilenameInformation, 0, 0, &length),
        STATUS_INVALID_ADDRESS);
    assert_int_equal(length, 7);
    for (uint64_t at = b; at < b + 64; at++)
        assert_int_equal(load(f, at, 1), 0);
    CHECK_INVARIANTS(f);
}

/* A successful query stores the class's structure as x64 lays it out, and nothing past it:
 * MEMORY_BASIC_INFORMATION's RegionSize at 24 and State at 32, MEMORY_REGION_INFORMATION's
 * RegionSize at 16, an image class of private memory all zero over what was there. */
static void test_buffer_written_as_x64_lays_out(void **state)
{
    Fixture *f = *state;
    uint64_t b = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    uint64_t length = 0;
    store(f, b + 48, 0x77, 1);
    assert_int_equal(
        query_into(f, VS_CURRENT_PROCESS, b + 5, MemoryBasicInformation, b, 0x1000, &length),
        STATUS_SUCCESS);
    assert_int_equal(length, 48);
    assert_true(load(f, b, 8) == b && load(f, b + 8, 8) == b &&
                load(f, b + 16, 4) == PAGE_READWRITE);
    assert_true(load(f, b + 24, 8) == KB(64) && load(f, b + 32, 4) == MEM_COMMIT);
    assert_true(load(f, b + 36, 4) == PAGE_READWRITE && load(f, b + 40, 4) == MEM_PRIVATE);
    assert_int_equal(load(f, b + 48, 1), 0x77);
    assert_int_equal(
        query_into(f, VS_CURRENT_PROCESS, b, MemoryRegionInformation, b + 64, 48, &length),
        STATUS_SUCCESS);
    assert_true(load(f, b + 64, 8) == b && load(f, b + 64 + 16, 8) == KB(64));
    assert_int_equal(load(f, b + 64 + 24, 8), KB(64)); /* CommitSize */
    store(f, b + 128, 0xCCCCCCCCCCCCCCCCull, 8);
    assert_int_equal(
        query_into(f, VS_CURRENT_PROCESS, b, MemoryImageInformation, b + 128, 24, &length),
        STATUS_SUCCESS);
    assert_true(length == 24 && load(f, b + 128, 8) == 0);
    CHECK_INVARIANTS(f);
}

/* MemoryMappedFilenameInformation into the process: the UNICODE_STRING's Buffer points just past
 * it, at the name in UTF-16 with its NUL (test_queryvirtualmemory L3172-3185); a failure leaves
 * the string as it was (L3163-3168, L3197-3202, L3214-3236). */
static void test_buffer_file_name(void **state)
{
    Fixture *f = *state;
    uint64_t v = map_file_view(f);
    uint64_t b = VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    const char *name = "\\Device\\HarddiskVolume1\\q.dat";
    uint64_t length = 7, needed = 16 + 2 * (strlen(name) + 1);
    store(f, b, 0xCCCCCCCC, 4);
    assert_int_equal(
        query_into(f, VS_CURRENT_PROCESS, v, MemoryMappedFilenameInformation, b, 32, &length),
        STATUS_BUFFER_OVERFLOW);
    assert_true(length == needed && load(f, b, 4) == 0xCCCCCCCC);
    assert_int_equal(
        query_into(f, VS_CURRENT_PROCESS, b, MemoryMappedFilenameInformation, b, 2048, &length),
        STATUS_INVALID_ADDRESS);
    assert_int_equal(load(f, b, 4), 0xCCCCCCCC);
    assert_int_equal(query_into(f, VS_CURRENT_PROCESS, v + 1234, MemoryMappedFilenameInformation, b,
                                2048, &length),
                     STATUS_SUCCESS);
    assert_true(length == needed && load(f, b, 2) == 2 * strlen(name));
    assert_true(load(f, b + 2, 2) == 2 * strlen(name) + 2 && load(f, b + 8, 8) == b + 16);
    for (size_t i = 0; i <= strlen(name); i++)
        assert_int_equal(load(f, b + 16 + 2 * i, 2), (uint8_t)name[i]);
    CHECK_INVARIANTS(f);
}

/* MemoryWorkingSetExInformation's buffer is input too: each entry's VirtualAddress is read from
 * the process's memory and its block stored after it, as PSAPI_WORKING_SET_EX_BLOCK's bits (Valid
 * bit 0, Win32Protection from bit 4, Shared bit 15); the buffer's own page is valid, written by
 * the probe. The return length is the buffer's. */
static void test_buffer_working_set_entries(void **state)
{
    Fixture *f = *state;
    uint64_t a = VsVirtualAlloc(f->thread, 0, KB(8), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    uint64_t b = VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    store(f, a + KB(4), 1, 1);
    store(f, b, a, 8);
    store(f, b + 16, a + KB(4), 8);
    store(f, b + 32, b, 8);
    uint64_t length = 0;
    VsMemoryWorkingSetExInformation first;
    VsQueryBuffer in = {.in_process = true, .address = b, .answer = &first};
    assert_int_equal(VsNtQueryVirtualMemoryInto(f->thread, VS_CURRENT_PROCESS, 0,
                                                MemoryWorkingSetExInformation, &in, 56, &length),
                     STATUS_SUCCESS);
    assert_int_equal(length, 56);
    assert_true(first.VirtualAddress == a && first.VirtualAttributes.Valid == 0);
    assert_int_equal(load(f, b + 8, 8), 0);
    assert_int_equal(load(f, b + 24, 8), 1 | PAGE_READWRITE << 4);
    assert_int_equal(load(f, b + 40, 8), 1 | PAGE_READWRITE << 4);
    assert_int_equal(load(f, b + 48, 8), 0); /* the part of an entry at the end is left */
    CHECK_INVARIANTS(f);
}

/* On x86 the structures are narrower: MEMORY_BASIC_INFORMATION 28 bytes (RegionSize at 12),
 * the UNICODE_STRING 8 with its Buffer at 4, and the probe wants a 4-byte boundary. */
static void test_buffer_x86_layout(void **state)
{
    Fixture *f = *state;
    uint64_t b = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    uint64_t length = 0;
    assert_int_equal(
        query_into(f, VS_CURRENT_PROCESS, b, MemoryBasicInformation, b + 4, 28, &length),
        STATUS_SUCCESS);
    assert_true(length == 28 && load(f, b + 4, 4) == b && load(f, b + 4 + 12, 4) == KB(64));
    assert_true(load(f, b + 4 + 16, 4) == MEM_COMMIT && load(f, b + 4 + 24, 4) == MEM_PRIVATE);
    assert_int_equal(
        query_into(f, VS_CURRENT_PROCESS, b, MemoryBasicInformation, b + 2, 28, &length),
        STATUS_DATATYPE_MISALIGNMENT);
    CHECK_INVARIANTS(f);
}

int main(void)
{
#define X64(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x64, fixture_teardown)
    const struct CMUnitTest tests[] = {
        X64(test_empty_address_space_x64),
        cmocka_unit_test_setup_teardown(test_empty_address_space_x86, fixture_setup_x86,
                                        fixture_teardown),
        X64(test_regions_are_runs_within_one_allocation),
        X64(test_walk_covers_user_space),
        cmocka_unit_test_setup_teardown(test_walk_covers_user_space, fixture_setup_x86_3gb,
                                        fixture_teardown),
        X64(test_query_errors),
        X64(test_region_and_image_classes),
        X64(test_query_sees_changes_immediately),
        X64(test_working_set_class),
        X64(test_mapped_filename_class),
        X64(test_buffer_probed_after_length),
        X64(test_buffer_written_as_x64_lays_out),
        X64(test_buffer_file_name),
        X64(test_buffer_working_set_entries),
        cmocka_unit_test_setup_teardown(test_buffer_x86_layout, fixture_setup_x86,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
