/*
 * test_heap.c - the NT heap at page granularity (heap.c, win32/heap.c): HeapCreate's reservation
 * and first commit, commit as blocks are allocated, further segments, big blocks in their own
 * allocations, the fixed heap's refusals, de-commit of free space, HeapReAlloc, HeapSize,
 * HeapValidate, HEAP_ZERO_MEMORY, HEAP_GENERATE_EXCEPTIONS, HeapDestroy, the process heap. The
 * numbers are the ones Wine's kernel32 heap tests assert for Windows where they exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

static VsMemoryBasicInformation mbi(Fixture *f, uint64_t address)
{
    VsMemoryBasicInformation m;
    assert_true(VsVirtualQuery(f->thread, address, &m, sizeof m) != 0);
    return m;
}

/* Committed bytes of the allocation at base (the sum of its COMMIT regions). */
static uint64_t committed_in(Fixture *f, uint64_t base)
{
    uint64_t total = 0, address = base;
    for (;;) {
        VsMemoryBasicInformation m = mbi(f, address);
        if (m.AllocationBase != base || m.State == MEM_FREE)
            return total;
        if (m.State == MEM_COMMIT)
            total += m.RegionSize;
        address += m.RegionSize;
    }
}

static uint64_t reserved_size(Fixture *f, uint64_t base)
{
    uint64_t address = base;
    for (;;) {
        VsMemoryBasicInformation m = mbi(f, address);
        if (m.AllocationBase != base || m.State == MEM_FREE)
            return address - base;
        address += m.RegionSize;
    }
}

static size_t walk(Fixture *f, uint64_t handle, VsHeapWalkEntry *out, size_t max)
{
    VsHeap *heap = vs_heap_lookup(f->thread, handle);
    assert_non_null(heap);
    return vs_heap_walk(f->thread, heap, out, max);
}

/* HeapCreate(0, 0, 0): 64 KB reserved at a 64 KB boundary, 0x2000 committed (heap.c L569-600);
 * HeapWalk: the region, one free block, one uncommitted range. */
static void test_create(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0);
    assert_true(h != 0);
    assert_int_equal(h % VS_GRANULARITY, 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(reserved_size(f, h), 0x10000);
    assert_int_equal(committed_in(f, h), 0x2000);
    VsMemoryBasicInformation m = mbi(f, h);
    assert_int_equal(m.Type, MEM_PRIVATE);
    assert_int_equal(m.Protect, PAGE_READWRITE);
    VsHeapWalkEntry e[8];
    assert_int_equal(walk(f, h, e, 8), 3);
    assert_int_equal(e[0].flags, VS_HEAP_ENTRY_REGION);
    assert_int_equal(e[0].data, h);
    assert_true(e[0].size <= 0x1000);
    assert_int_equal(e[0].committed, 0x2000);
    assert_int_equal(e[0].uncommitted, 0xE000);
    assert_int_equal(e[1].flags, 0);
    assert_int_equal(e[1].overhead, 16);
    assert_int_equal(e[2].flags, VS_HEAP_ENTRY_UNCOMMITTED_RANGE);
    assert_int_equal(e[2].data, h + 0x2000);
    assert_int_equal(e[2].size, 0xE000 - 0x1000); /* the segment's last page is not walked */
    assert_int_equal(e[0].last, e[2].data + e[2].size);
    /* growable: initial + 64 KB (test_heap_size) */
    uint64_t g = VsHeapCreate(f->thread, 0, 0x80000, 0);
    assert_int_equal(reserved_size(f, g), 0x90000);
    assert_int_equal(committed_in(f, g), 0x80000);
    /* fixed: the maximum rounded up to 0x2000 on x64 (test_heap_sizes) */
    uint64_t fixed = VsHeapCreate(f->thread, 0, 0x100, 0x100);
    assert_int_equal(reserved_size(f, fixed), 0x2000);
    fixed = VsHeapCreate(f->thread, 0, 0x2100, 0x2100);
    assert_int_equal(reserved_size(f, fixed), 0x4000);
    assert_int_equal(vs_process_heap_count(f->process), 4);
    CHECK_INVARIANTS(f);
}

/* Block strides, alignment and HeapSize (test_block_layout, L330-343). */
static void test_blocks(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0);
    uint64_t a = VsHeapAlloc(f->thread, h, 0, 1, NULL);
    uint64_t b = VsHeapAlloc(f->thread, h, 0, 100, NULL);
    uint64_t c = VsHeapAlloc(f->thread, h, 0, 0, NULL);
    assert_int_equal(b - a, 32);
    assert_int_equal(c - b, 112);
    assert_int_equal(a % 16, 0);
    assert_int_equal(VsHeapSize(f->thread, h, 0, a), 1);
    assert_int_equal(VsHeapSize(f->thread, h, 0, b), 100);
    assert_int_equal(VsHeapSize(f->thread, h, 0, c), 0);
    assert_int_equal(VsHeapSize(f->thread, h, 0, a + 8), UINT64_MAX);
    assert_true(VsHeapValidate(f->thread, h, 0, 0));
    assert_true(VsHeapValidate(f->thread, h, 0, b));
    assert_false(VsHeapValidate(f->thread, h, 0, b + 16));
    assert_true(VsHeapFree(f->thread, h, 0, b));
    assert_false(VsHeapValidate(f->thread, h, 0, b));
    assert_true(VsHeapFree(f->thread, h, 0, 0));
    assert_false(VsHeapFree(f->thread, h, 0, b));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    CHECK_INVARIANTS(f);
}

/* Many small blocks commit the segment page by page; past its 64 KB the heap reserves 1 MB,
 * 2 MB, 4 MB ... (test_heap_size with 0x60000 blocks). */
static void test_growth(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0);
    uint64_t first = VsHeapAlloc(f->thread, h, 0, 40, NULL);
    for (int i = 1; i < 1000; i++)
        assert_true(VsHeapAlloc(f->thread, h, 0, 40, NULL) != 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(first, h + 0x800 + 16);
    /* 1000 blocks of 48 bytes after the 0x800 header end at 0xC380: 0xD000 committed */
    assert_int_equal(committed_in(f, h), 0xD000);
    /* the segments as the 0x60000 blocks open them, in order */
    uint64_t sizes[4], last = 0;
    size_t found = 0;
    for (int i = 0; i < 32 && found < 4; i++) {
        uint64_t p = VsHeapAlloc(f->thread, h, 0, 0x60000, NULL);
        assert_true(p != 0);
        uint64_t base = mbi(f, p).AllocationBase;
        if (base != last)
            sizes[found++] = reserved_size(f, base);
        last = base;
    }
    assert_int_equal(found, 4);
    assert_int_equal(sizes[0], MB(1));
    assert_int_equal(sizes[1], MB(2));
    assert_int_equal(sizes[2], MB(4));
    assert_int_equal(sizes[3], MB(8));
    CHECK_INVARIANTS(f);
}

/* A block from the virtual-alloc threshold on is an allocation of its own (test_block_layout):
 * data 0x40 past its base, HeapWalk region 64; HeapFree releases it. */
static void test_big_block(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0);
    uint64_t below = VsHeapAlloc(f->thread, h, 0, 0xFD000 - 0x1000, NULL);
    assert_int_equal(mbi(f, below).AllocationBase != below - 0x40, true);
    uint64_t p = VsHeapAlloc(f->thread, h, 0, 0x100000, NULL);
    VsMemoryBasicInformation m = mbi(f, p);
    assert_int_equal(p - m.AllocationBase, 0x40);
    assert_int_equal(m.AllocationBase % VS_GRANULARITY, 0);
    assert_int_equal(committed_in(f, m.AllocationBase), 0x101000);
    VsHeapWalkEntry e[16];
    size_t n = walk(f, h, e, 16);
    assert_int_equal(e[n - 1].flags, VS_HEAP_ENTRY_BUSY);
    assert_int_equal(e[n - 1].region, 64);
    assert_int_equal(e[n - 1].data, p);
    assert_int_equal(e[n - 1].size, 0x100000);
    assert_true(VsHeapFree(f->thread, h, 0, p));
    assert_int_equal(mbi(f, m.AllocationBase).State, MEM_FREE);
    assert_int_equal(VsHeapAlloc(f->thread, h, 0, UINT64_MAX, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOT_ENOUGH_MEMORY);
    CHECK_INVARIANTS(f);
}

/* A fixed heap of 0x40000 holds 0x40000 - 0xC00 and refuses 0x40000 - 0x600 (L433-459); it never
 * makes a big block (L471-486). */
static void test_fixed(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0x40000, 0x40000);
    uint64_t p = VsHeapAlloc(f->thread, h, 0, 0x40000 - 0xC00, NULL);
    assert_true(p != 0);
    assert_true(VsHeapFree(f->thread, h, 0, p));
    assert_int_equal(VsHeapAlloc(f->thread, h, 0, 0x40000 - 0x600, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOT_ENOUGH_MEMORY);
    uint64_t big = VsHeapCreate(f->thread, 0, 0x200000, 0x200000);
    assert_int_equal(VsHeapAlloc(f->thread, big, 0, 0x100000, NULL), 0);
    VsStatus exception = 0;
    assert_int_equal(VsHeapAlloc(f->thread, big, HEAP_GENERATE_EXCEPTIONS, 0x100000, &exception),
                     0);
    assert_int_equal(exception, STATUS_NO_MEMORY);
    uint64_t raising = VsHeapCreate(f->thread, HEAP_GENERATE_EXCEPTIONS, 0x2000, 0x2000);
    assert_int_equal(VsHeapAlloc(f->thread, raising, 0, 0x3000, &exception), 0);
    assert_int_equal(exception, STATUS_NO_MEMORY);
    assert_int_equal(VsHeapAlloc(f->thread, raising, 0, 0x10, &exception) != 0, true);
    assert_int_equal(exception, STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
}

/* Freeing many blocks gives the whole pages of the merged free block back: a hole of RESERVE
 * pages between committed ones. */
static void test_decommit(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0x200000);
    uint64_t blocks[2000];
    for (int i = 0; i < 2000; i++)
        blocks[i] = VsHeapAlloc(f->thread, h, 0, 0x70, NULL);
    uint64_t before = committed_in(f, h);
    assert_int_equal(before, 0x3F000);
    for (int i = 100; i < 1900; i++)
        assert_true(VsHeapFree(f->thread, h, 0, blocks[i]));
    CHECK_INVARIANTS(f);
    uint64_t after = committed_in(f, h);
    assert_true(after < before);
    VsMemoryBasicInformation m = mbi(f, blocks[1000]);
    assert_int_equal(m.State, MEM_RESERVE);
    assert_int_equal(mbi(f, blocks[1999]).State, MEM_COMMIT);
    /* the free space is allocated again: the pages come back */
    for (int i = 100; i < 1900; i++)
        assert_true(VsHeapAlloc(f->thread, h, 0, 0x70, NULL) != 0);
    assert_int_equal(committed_in(f, h), before);
    CHECK_INVARIANTS(f);
}

/* HeapReAlloc: in place when it shrinks or the next block is free, moved otherwise, the bytes
 * going with it; HEAP_REALLOC_IN_PLACE_ONLY refuses to move; HEAP_ZERO_MEMORY zeroes the new
 * part. */
static void test_reallocate(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0);
    uint64_t a = VsHeapAlloc(f->thread, h, 0, 100, NULL);
    uint64_t b = VsHeapAlloc(f->thread, h, 0, 100, NULL);
    assert_int_equal(vs_memory_write(f->thread, a, 0x5A), STATUS_SUCCESS);
    assert_int_equal(VsHeapReAlloc(f->thread, h, 0, a, 10, NULL), a);
    assert_int_equal(VsHeapSize(f->thread, h, 0, a), 10);
    assert_int_equal(VsHeapReAlloc(f->thread, h, HEAP_REALLOC_IN_PLACE_ONLY, a, 100, NULL), a);
    assert_int_equal(VsHeapReAlloc(f->thread, h, HEAP_REALLOC_IN_PLACE_ONLY, a, 500, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOT_ENOUGH_MEMORY);
    uint64_t moved = VsHeapReAlloc(f->thread, h, HEAP_ZERO_MEMORY, a, 500, NULL);
    assert_true(moved != a && moved != 0);
    uint8_t value = 0;
    assert_int_equal(vs_memory_read(f->thread, moved, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0x5A);
    assert_int_equal(vs_memory_read(f->thread, moved + 499, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0);
    assert_false(VsHeapValidate(f->thread, h, 0, a));
    assert_true(VsHeapValidate(f->thread, h, 0, b));
    VsSetLastError(f->thread, 0);
    assert_int_equal(VsHeapReAlloc(f->thread, h, 0, 0, 1, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), 0);
    /* a freed neighbour lets the block grow where it is */
    assert_true(VsHeapFree(f->thread, h, 0, moved));
    assert_int_equal(VsHeapReAlloc(f->thread, h, 0, b, 300, NULL), b);
    CHECK_INVARIANTS(f);
}

/* HEAP_ZERO_MEMORY zeroes memory a freed block left behind. */
static void test_zero_memory(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0);
    uint64_t a = VsHeapAlloc(f->thread, h, 0, 64, NULL);
    assert_int_equal(vs_memory_write(f->thread, a + 7, 0xEE), STATUS_SUCCESS);
    assert_true(VsHeapFree(f->thread, h, 0, a));
    uint64_t b = VsHeapAlloc(f->thread, h, HEAP_ZERO_MEMORY, 64, NULL);
    assert_int_equal(b, a);
    uint8_t value = 1;
    assert_int_equal(vs_memory_read(f->thread, b + 7, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0);
    CHECK_INVARIANTS(f);
}

/* HeapDestroy releases every segment and big block; the process heap stays. */
static void test_destroy(void **state)
{
    Fixture *f = *state;
    uint64_t process_heap = VsGetProcessHeap(f->thread);
    assert_true(process_heap != 0);
    assert_int_equal(VsGetProcessHeap(f->thread), process_heap);
    assert_int_equal(reserved_size(f, process_heap), MB(1));
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0);
    uint64_t big = VsHeapAlloc(f->thread, h, 0, 0x200000, NULL);
    uint64_t far = 0;
    for (int i = 0; i < 3; i++)
        far = VsHeapAlloc(f->thread, h, 0, 0x8000, NULL);
    uint64_t segment = mbi(f, far).AllocationBase;
    assert_true(segment != h);
    assert_int_equal(vs_process_heap_count(f->process), 2);
    assert_true(VsHeapDestroy(f->thread, h));
    assert_int_equal(mbi(f, h).State, MEM_FREE);
    assert_int_equal(mbi(f, big).State, MEM_FREE);
    assert_int_equal(mbi(f, segment).State, MEM_FREE);
    assert_int_equal(vs_process_heap_count(f->process), 1);
    assert_false(VsHeapDestroy(f->thread, h));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_HANDLE);
    assert_false(VsHeapDestroy(f->thread, process_heap));
    assert_int_equal(VsHeapAlloc(f->thread, h, 0, 1, NULL), 0);
    CHECK_INVARIANTS(f);
}

/* Sizes no heap can have fail, and leave nothing behind. */
static void test_too_large(void **state)
{
    Fixture *f = *state;
    assert_int_equal(VsHeapCreate(f->thread, 0, UINT64_MAX, 0), 0);
    assert_int_equal(VsHeapCreate(f->thread, 0, UINT64_MAX - 0x8000, 0), 0);
    assert_int_equal(VsHeapCreate(f->thread, 0, 0, UINT64_MAX), 0);
    assert_int_equal(vs_process_heap_count(f->process), 0);
    CHECK_INVARIANTS(f);
}

/* Many allocations, frees and resizes in a random order: every live block keeps its size and
 * validates, no two overlap, and HeapDestroy leaves the address space as it was. */
static void test_random_operations(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0);
    uint64_t live[64] = {0}, size[64] = {0}, seed = 12345;
    for (int i = 0; i < 4000; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        unsigned slot = (unsigned)(seed >> 33) % 64, kind = (unsigned)(seed >> 40) % 3;
        uint64_t n = (seed >> 20) % ((seed >> 50) % 4 == 0 ? 0x120000 : 0x900);
        if (!live[slot]) {
            live[slot] = VsHeapAlloc(f->thread, h, 0, n, NULL);
            size[slot] = n;
            assert_true(live[slot] != 0);
        } else if (kind == 0) {
            assert_true(VsHeapFree(f->thread, h, 0, live[slot]));
            live[slot] = 0;
        } else {
            live[slot] = VsHeapReAlloc(f->thread, h, 0, live[slot], n, NULL);
            size[slot] = n;
            assert_true(live[slot] != 0);
        }
        for (int s = 0; s < 64; s++) {
            if (!live[s])
                continue;
            assert_int_equal(VsHeapSize(f->thread, h, 0, live[s]), size[s]);
            for (int t = s + 1; t < 64; t++)
                assert_true(!live[t] || live[t] >= live[s] + size[s] ||
                            live[s] >= live[t] + size[t]);
        }
        if (i % 500 == 0)
            CHECK_INVARIANTS(f);
    }
    assert_true(VsHeapDestroy(f->thread, h));
    assert_int_equal(mbi(f, 0x10000).State, MEM_FREE);
    CHECK_INVARIANTS(f);
}

/* On x86: strides of 16 bytes, 0x1000 first commit, the threshold at 0x7F000. */
static void test_x86(void **state)
{
    Fixture *f = *state;
    uint64_t h = VsHeapCreate(f->thread, 0, 0, 0);
    assert_int_equal(committed_in(f, h), 0x1000);
    uint64_t a = VsHeapAlloc(f->thread, h, 0, 1, NULL);
    uint64_t b = VsHeapAlloc(f->thread, h, 0, 1, NULL);
    assert_int_equal(b - a, 16);
    assert_int_equal(a % 8, 0);
    uint64_t p = VsHeapAlloc(f->thread, h, 0, 0x7F000, NULL);
    assert_int_equal(p - mbi(f, p).AllocationBase, 0x20);
    uint64_t q = VsHeapAlloc(f->thread, h, 0, 0x7D000, NULL);
    assert_true(mbi(f, q).AllocationBase != q - 0x20);
    CHECK_INVARIANTS(f);
}

int main(void)
{
#define X64(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x64, fixture_teardown)
#define X86(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x86, fixture_teardown)
    const struct CMUnitTest tests[] = {
        X64(test_create),
        X64(test_blocks),
        X64(test_growth),
        X64(test_big_block),
        X64(test_fixed),
        X64(test_decommit),
        X64(test_reallocate),
        X64(test_zero_memory),
        X64(test_destroy),
        X64(test_too_large),
        X64(test_random_operations),
        X86(test_x86),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
