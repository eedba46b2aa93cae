/*
 * heap.c - HeapCreate, GetProcessHeap, HeapAlloc, HeapReAlloc, HeapFree, HeapSize, HeapValidate,
 * HeapDestroy: kernelbase's wrappers of ntdll's heap (sim/heap.c).
 *
 * HeapCreate's sizes (Wine's kernel32 heap.c tests, asserted for Windows): a growable heap
 * (maximum 0) reserves the initial size plus 64 KB (0 -> 0x10000, 0x80000 -> 0x90000,
 * test_heap_size); a fixed one reserves the maximum rounded up to 0x400 * sizeof(void *)
 * (test_heap_sizes); the first commit is the initial size rounded up to pages (MS docs HeapCreate)
 * and at least 0x400 * sizeof(void *), what HeapWalk shows of HeapCreate(0, 0, 0) on Windows.
 *
 * Errors (heap.c L238-312, L450-486): a failed allocation leaves ERROR_NOT_ENOUGH_MEMORY although
 * MS docs say HeapAlloc does not set it; HeapFree(NULL) succeeds; HeapReAlloc of NULL fails and
 * sets nothing; HeapSize of no block returns ~0 and HeapValidate FALSE, neither setting an error.
 * With HEAP_GENERATE_EXCEPTIONS (the call's or the heap's) a failed HeapAlloc or HeapReAlloc
 * raises STATUS_NO_MEMORY instead (MS docs HeapAlloc). A handle that names no heap of the process
 * is ERROR_INVALID_HANDLE here (Windows would fault on it: the model refuses instead).
 */
#include <stdlib.h>

#include "kernelbase.h"

static uint64_t round_to(uint64_t value, uint64_t align)
{
    uint64_t rounded = (value + align - 1) / align * align;
    return rounded < value ? UINT64_MAX / align * align : rounded;
}

uint64_t VsHeapCreate(VsThread *thread, uint32_t flags, uint64_t initial, uint64_t maximum)
{
    uint64_t unit = 0x400 * (thread->process->system->layout->arch == VS_ARCH_X64 ? 8 : 4);
    uint64_t committed = vs_max(round_to(initial, VS_PAGE_SIZE), unit);
    uint64_t pages = round_to(initial, VS_PAGE_SIZE), reserve = pages; /* too large: fails */
    if (maximum)
        reserve = round_to(vs_max(maximum, initial), unit);
    else if (pages <= UINT64_MAX - 2 * VS_GRANULARITY)
        reserve = round_to(pages + VS_GRANULARITY, VS_GRANULARITY);
    uint64_t handle = 0;
    VsStatus status =
        vs_heap_create(thread, flags, reserve, vs_min(committed, reserve), maximum == 0, &handle);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return handle;
}

uint64_t VsGetProcessHeap(VsThread *thread) { return vs_process_heap(thread); }

/* The heap a handle names; ERROR_INVALID_HANDLE when none. */
static VsHeap *heap_of(VsThread *thread, uint64_t handle)
{
    VsHeap *heap = vs_heap_lookup(thread, handle);
    if (!heap)
        vs_set_last_nt_error(thread, STATUS_INVALID_HANDLE);
    return heap;
}

/* A failed allocation: the exception when one is asked for, else the last error. */
static uint64_t alloc_failed(VsThread *thread, const VsHeap *heap, uint32_t flags, VsStatus status,
                             VsStatus *exception)
{
    if ((flags | vs_heap_flags(heap)) & HEAP_GENERATE_EXCEPTIONS) {
        if (exception)
            *exception = STATUS_NO_MEMORY;
        return 0;
    }
    vs_set_last_nt_error(thread, status);
    return 0;
}

/* Writes zeros over [address, address + size) as the heap's memset does: the pages are touched. */
static void zero_bytes(VsThread *thread, uint64_t address, uint64_t size)
{
    for (uint64_t i = 0; i < size; i++)
        vs_memory_write(thread, address + i, 0);
}

uint64_t VsHeapAlloc(VsThread *thread, uint64_t handle, uint32_t flags, uint64_t size,
                     VsStatus *exception)
{
    if (exception)
        *exception = STATUS_SUCCESS;
    VsHeap *heap = heap_of(thread, handle);
    if (!heap)
        return 0;
    uint64_t block = 0;
    VsStatus status = vs_heap_alloc(thread, heap, size, &block);
    if (!NT_SUCCESS(status))
        return alloc_failed(thread, heap, flags, status, exception);
    if ((flags & HEAP_ZERO_MEMORY) && size < vs_heap_va_threshold(thread->process))
        zero_bytes(thread, block, size); /* a big block's pages are fresh, zero already */
    return block;
}

/* The bytes of a block that moved go with it (RtlReAllocateHeap's copy). */
static void copy_bytes(VsThread *thread, uint64_t to, uint64_t from, uint64_t size)
{
    for (uint64_t i = 0; i < size; i++) {
        uint8_t value = 0;
        if (NT_SUCCESS(vs_memory_read(thread, from + i, &value)))
            vs_memory_write(thread, to + i, value);
    }
}

uint64_t VsHeapReAlloc(VsThread *thread, uint64_t handle, uint32_t flags, uint64_t block,
                       uint64_t size, VsStatus *exception)
{
    if (exception)
        *exception = STATUS_SUCCESS;
    VsHeap *heap = heap_of(thread, handle);
    if (!heap || !block)
        return 0;
    uint64_t old_size = vs_heap_size(thread, heap, block), moved = 0;
    if (old_size == UINT64_MAX) {
        vs_set_last_nt_error(thread, STATUS_INVALID_PARAMETER);
        return 0;
    }
    uint64_t out = 0;
    VsStatus status = vs_heap_realloc(thread, heap, block, size, flags & HEAP_REALLOC_IN_PLACE_ONLY,
                                      &out, &moved);
    if (!NT_SUCCESS(status))
        return alloc_failed(thread, heap, flags, status, exception);
    if (out != block)
        copy_bytes(thread, out, block, vs_min(old_size, size));
    if ((flags & HEAP_ZERO_MEMORY) && size > old_size)
        zero_bytes(thread, out + old_size, size - old_size);
    return out;
}

bool VsHeapFree(VsThread *thread, uint64_t handle, uint32_t flags, uint64_t block)
{
    (void)flags;
    VsHeap *heap = heap_of(thread, handle);
    if (!heap)
        return false;
    if (!block)
        return true;
    VsStatus status = vs_heap_free(thread, heap, block);
    if (!NT_SUCCESS(status))
        vs_set_last_nt_error(thread, status);
    return NT_SUCCESS(status);
}

uint64_t VsHeapSize(VsThread *thread, uint64_t handle, uint32_t flags, uint64_t block)
{
    (void)flags;
    VsHeap *heap = vs_heap_lookup(thread, handle);
    return heap ? vs_heap_size(thread, heap, block) : UINT64_MAX;
}

bool VsHeapValidate(VsThread *thread, uint64_t handle, uint32_t flags, uint64_t block)
{
    (void)flags;
    VsHeap *heap = vs_heap_lookup(thread, handle);
    return heap && vs_heap_validate(thread, heap, block);
}

bool VsHeapWalk(VsThread *thread, uint64_t handle, uint64_t *cursor, VsHeapWalkEntry *entry)
{
    VsHeap *heap = heap_of(thread, handle);
    if (!heap)
        return false;
    size_t count = vs_heap_walk(thread, heap, NULL, 0), next = 0;
    VsHeapWalkEntry *entries = calloc(count ? count : 1, sizeof *entries);
    if (!entries) {
        vs_set_last_nt_error(thread, STATUS_NO_MEMORY);
        return false;
    }
    vs_heap_walk(thread, heap, entries, count);
    if (*cursor) {
        while (next < count && entries[next].data != *cursor)
            next++;
        next++; /* past the entry the cursor names; past the end if none does */
    }
    VsStatus status = STATUS_SUCCESS;
    if (*cursor && next > count)
        status = STATUS_INVALID_PARAMETER;
    else if (next >= count)
        status = STATUS_NO_MORE_ENTRIES;
    else
        *entry = entries[next], *cursor = entries[next].data;
    free(entries);
    if (!NT_SUCCESS(status))
        vs_set_last_nt_error(thread, status);
    return NT_SUCCESS(status);
}

uint32_t VsGetProcessHeaps(VsThread *thread, uint32_t count, uint64_t *heaps)
{
    uint64_t process_heap = vs_process_heap(thread);
    size_t total = vs_process_heap_count(thread->process);
    if (total > count)
        return (uint32_t)total;
    size_t n = 0;
    if (process_heap)
        heaps[n++] = process_heap;
    for (size_t i = 0; i < total; i++) {
        uint64_t handle = vs_heap_handle(vs_process_heap_at(thread->process, i));
        if (handle != process_heap)
            heaps[n++] = handle;
    }
    return (uint32_t)total;
}

bool VsHeapDestroy(VsThread *thread, uint64_t handle)
{
    VsHeap *heap = heap_of(thread, handle);
    if (!heap)
        return false;
    VsStatus status = vs_heap_destroy(thread, heap);
    if (!NT_SUCCESS(status))
        vs_set_last_nt_error(thread, status);
    return NT_SUCCESS(status);
}
