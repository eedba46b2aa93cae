/*
 * heap.c - the NT heap at page granularity: segments reserved and committed as blocks need them,
 * free space decommitted, big blocks in their own allocations (ntdll's RtlCreateHeap,
 * RtlAllocateHeap, RtlFreeHeap, RtlReAllocateHeap, RtlSizeHeap, RtlValidateHeap, RtlDestroyHeap,
 * RtlWalkHeap; the Win32 Heap* calls wrap them in win32/heap.c).
 *
 * What follows Windows (Wine's kernel32 heap.c tests, asserted for Windows; MS docs HeapCreate,
 * HeapAlloc): the heap's handle is its first segment's base, 64 KB aligned; a block's stride is
 * ALIGN(max(n, 2 * sizeof(void *)) + 8, 2 * sizeof(void *)) (the entry header costs 8 bytes: on x64
 * its 16 bytes overlap the previous block's last 8), blocks 2 * sizeof(void *) aligned; a growable
 * heap's further segments reserve 1 MB, then twice the previous, capped at 0xFD0000
 * (test_heap_size); blocks from the virtual-alloc threshold on (0xFF000 on x64, 0x7F000 on x86,
 * test_block_layout) are their own VirtualAlloc'd allocation, the data 8 * sizeof(void *) past its
 * base; a fixed heap never makes one and refuses such a block; HeapWalk lists them after every
 * region with region index 64.
 *
 * What follows ReactOS (sdk/lib/rtl/heap.c), which no Wine test pins: a segment commits the
 * page-rounded need at the start of its first uncommitted range large enough
 * (RtlpFindAndCommitPages); a free block, once coalesced, gives its whole pages back
 * (RtlpDeCommitFreeBlock, from RtlFreeHeap) when it is at least DeCommitFreeBlockThreshold
 * (1 page) or the heap's free space has reached DeCommitTotalFreeThreshold (64 KB) (the PEB's
 * defaults, MmCreatePeb).
 *
 * Simplified: no low-fragmentation heap, no segment heap, no debug or tail checking; the headers
 * have fixed sizes (0x100 * sizeof(void *) at the heap's base, 0x40 * sizeof(void *) at a later
 * segment's) and are not written into the pages, so a block's pages are touched only by the
 * program. The heap's bookkeeping lives outside the address space, as the model's VADs do.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HEAP_MAX_SEGMENTS 64           /* HEAP_MAXIMUM_SEGMENTS; big blocks are region 64 */
#define DECOMMIT_TOTAL_FREE 0x10000ull /* PEB HeapDeCommitTotalFreeThreshold */
#define SEGMENT_FIRST_RESERVE 0x100000ull
#define SEGMENT_MAX_RESERVE 0xFD0000ull

typedef enum EntryKind { ENTRY_BUSY, ENTRY_FREE, ENTRY_UNCOMMITTED } EntryKind;

/* One run of a segment after its header: a block (busy or free) in committed pages, or an
 * uncommitted range (HEAP_UNCOMMMTTED_RANGE). The runs tile [first, base + reserve). */
typedef struct HeapEntry {
    uint64_t address;
    uint64_t size;      /* the stride, header included */
    uint64_t requested; /* what HeapSize returns, for a busy block */
    EntryKind kind;
} HeapEntry;

typedef struct HeapSegment { /* HEAP_SEGMENT */
    uint64_t base, reserve, header;
    HeapEntry *entries;
    size_t count;
} HeapSegment;

typedef struct BigBlock { /* HEAP_VIRTUAL_ALLOC_ENTRY */
    uint64_t base, size, requested;
} BigBlock;

struct VsHeap { /* HEAP */
    uint64_t base;
    uint32_t flags;
    bool growable;
    uint64_t next_reserve; /* SegmentReserve: the next segment's size */
    HeapSegment *segments;
    size_t segment_count;
    BigBlock *big;
    size_t big_count;
};

static uint64_t pointer_size(const VsProcess *process)
{
    return process->system->layout->arch == VS_ARCH_X64 ? 8 : 4;
}

static uint64_t align_up(uint64_t value, uint64_t align)
{
    return (value + align - 1) / align * align;
}

uint64_t vs_heap_va_threshold(const VsProcess *process)
{
    return 0x20000 * pointer_size(process) - 0x1000;
}

/* The stride of a block of n bytes; 0 when n is so large the sum wraps. */
static uint64_t block_stride(const VsProcess *process, uint64_t n)
{
    uint64_t unit = 2 * pointer_size(process);
    if (n > UINT64_MAX - 2 * unit)
        return 0;
    return align_up(vs_max(n, unit) + 8, unit);
}

static VsStatus commit(VsThread *thread, uint64_t address, uint64_t size)
{
    return VsNtAllocateVirtualMemory(thread, VS_CURRENT_PROCESS, &address, 0, &size, MEM_COMMIT,
                                     PAGE_READWRITE);
}

static void release(VsThread *thread, uint64_t base)
{
    uint64_t size = 0;
    VsNtFreeVirtualMemory(thread, VS_CURRENT_PROCESS, &base, &size, MEM_RELEASE);
}

/* ---- Runs of a segment ------------------------------------------------------------------------
 */

static bool insert_entry(HeapSegment *segment, size_t index, HeapEntry entry)
{
    HeapEntry *grown = realloc(segment->entries, (segment->count + 1) * sizeof *grown);
    if (!grown)
        return false;
    segment->entries = grown;
    memmove(grown + index + 1, grown + index, (segment->count - index) * sizeof *grown);
    grown[index] = entry;
    segment->count++;
    return true;
}

static void remove_entry(HeapSegment *segment, size_t index)
{
    memmove(segment->entries + index, segment->entries + index + 1,
            (segment->count - index - 1) * sizeof *segment->entries);
    segment->count--;
}

/* Merges the run at index with same-kind neighbours (free with free, uncommitted with
 * uncommitted); returns the merged run's index. */
static size_t coalesce(HeapSegment *segment, size_t index)
{
    HeapEntry *e = segment->entries;
    if (index + 1 < segment->count && e[index + 1].kind == e[index].kind) {
        e[index].size += e[index + 1].size;
        remove_entry(segment, index + 1);
    }
    if (index > 0 && e[index - 1].kind == e[index].kind) {
        e[index - 1].size += e[index].size;
        remove_entry(segment, index);
        index--;
    }
    return index;
}

/* Splits a free run so that its first stride bytes become a busy block of requested bytes; a
 * remainder too small to be a block of its own stays in the busy one. */
static bool carve(const VsProcess *process, HeapSegment *segment, size_t index, uint64_t stride,
                  uint64_t requested)
{
    HeapEntry *entry = &segment->entries[index];
    uint64_t rest = entry->size - stride;
    entry->kind = ENTRY_BUSY;
    entry->requested = requested;
    if (rest < 2 * block_stride(process, 0))
        return true;
    entry->size = stride;
    HeapEntry tail = {.address = entry->address + stride, .size = rest, .kind = ENTRY_FREE};
    if (insert_entry(segment, index + 1, tail))
        return true;
    entry->size += rest; /* out of host memory: the block keeps the remainder */
    return true;
}

/*
 * Commits the page-rounded part of the uncommitted run at index that a block of stride bytes
 * needs, counting the free run just before it (RtlpFindAndCommitPages). Returns the index of the
 * free run that now holds the block, or SIZE_MAX.
 */
static size_t commit_for(VsThread *thread, HeapSegment *segment, size_t index, uint64_t stride)
{
    HeapEntry *e = segment->entries;
    uint64_t before = index > 0 && e[index - 1].kind == ENTRY_FREE ? e[index - 1].size : 0;
    uint64_t need = align_up(stride - before, VS_PAGE_SIZE);
    if (need > e[index].size || !NT_SUCCESS(commit(thread, e[index].address, need)))
        return SIZE_MAX;
    HeapEntry fresh = {.address = e[index].address, .size = need, .kind = ENTRY_FREE};
    e[index].address += need;
    e[index].size -= need;
    if (e[index].size == 0)
        e[index] = fresh;
    else if (!insert_entry(segment, index, fresh))
        return SIZE_MAX;
    return coalesce(segment, index);
}

/* A block of stride bytes from one segment: the first free run large enough, else fresh pages. */
static uint64_t segment_alloc(VsThread *thread, HeapSegment *segment, uint64_t stride,
                              uint64_t requested)
{
    const VsProcess *process = thread->process;
    for (size_t i = 0; i < segment->count; i++) {
        HeapEntry *entry = &segment->entries[i];
        size_t found = SIZE_MAX;
        if (entry->kind == ENTRY_FREE && entry->size >= stride)
            found = i;
        else if (entry->kind == ENTRY_UNCOMMITTED)
            found = commit_for(thread, segment, i, stride);
        if (found == SIZE_MAX)
            continue;
        carve(process, segment, found, stride, requested);
        return segment->entries[found].address + 2 * pointer_size(process);
    }
    return 0;
}

/* Lays out a segment at base: its header committed with the first commit, then one free run
 * over the rest of the commit and one uncommitted run over the remainder. */
static bool init_segment(HeapSegment *segment, uint64_t base, uint64_t reserve, uint64_t committed,
                         uint64_t header)
{
    *segment = (HeapSegment){.base = base, .reserve = reserve, .header = header};
    HeapEntry free_run = {.address = base + header, .size = committed - header, .kind = ENTRY_FREE};
    HeapEntry rest = {
        .address = base + committed, .size = reserve - committed, .kind = ENTRY_UNCOMMITTED};
    if (free_run.size && !insert_entry(segment, 0, free_run))
        return false;
    if (rest.size && !insert_entry(segment, segment->count, rest))
        return false;
    return true;
}

/* Reserves reserve bytes and commits the first committed; the segment describes them. */
static VsStatus make_segment(VsThread *thread, uint64_t reserve, uint64_t committed,
                             uint64_t header, HeapSegment *segment)
{
    uint64_t base = 0, size = reserve;
    VsStatus status = VsNtAllocateVirtualMemory(thread, VS_CURRENT_PROCESS, &base, 0, &size,
                                                MEM_RESERVE, PAGE_READWRITE);
    if (!NT_SUCCESS(status))
        return status;
    status = commit(thread, base, committed);
    if (NT_SUCCESS(status) && !init_segment(segment, base, size, committed, header))
        status = STATUS_NO_MEMORY;
    if (!NT_SUCCESS(status)) {
        free(segment->entries);
        release(thread, base);
    }
    return status;
}

/* ---- The heap ----------------------------------------------------------------------------------
 */

static VsHeap *find_heap(const VsProcess *process, uint64_t handle)
{
    for (size_t i = 0; i < process->heap_count; i++)
        if (process->heaps[i]->base == handle && handle)
            return process->heaps[i];
    return NULL;
}

VsHeap *vs_heap_lookup(const VsThread *thread, uint64_t handle)
{
    return find_heap(thread->process, handle);
}

VsStatus vs_heap_create(VsThread *thread, uint32_t flags, uint64_t reserve, uint64_t committed,
                        bool growable, uint64_t *handle)
{
    VsProcess *process = thread->process;
    VsHeap *heap = calloc(1, sizeof *heap);
    VsHeap **list = realloc(process->heaps, (process->heap_count + 1) * sizeof *list);
    HeapSegment *segment = calloc(1, sizeof *segment);
    if (list)
        process->heaps = list;
    if (!heap || !list || !segment) {
        free(heap);
        free(segment);
        return STATUS_NO_MEMORY;
    }
    uint64_t header = 0x100 * pointer_size(process);
    VsStatus status = make_segment(thread, reserve, vs_min(committed, reserve), header, segment);
    if (!NT_SUCCESS(status)) {
        free(heap);
        free(segment);
        return status;
    }
    *heap = (VsHeap){.base = segment->base,
                     .flags = flags,
                     .growable = growable,
                     .next_reserve = SEGMENT_FIRST_RESERVE,
                     .segments = segment,
                     .segment_count = 1};
    process->heaps[process->heap_count++] = heap;
    *handle = heap->base;
    return STATUS_SUCCESS;
}

/* A further segment for a growable heap, large enough for a block of stride bytes. */
static HeapSegment *grow_heap(VsThread *thread, VsHeap *heap, uint64_t stride)
{
    if (!heap->growable || heap->segment_count >= HEAP_MAX_SEGMENTS)
        return NULL;
    uint64_t header = 0x40 * pointer_size(thread->process);
    uint64_t reserve = vs_max(heap->next_reserve, align_up(header + stride, VS_GRANULARITY));
    uint64_t committed = align_up(header + stride, VS_PAGE_SIZE);
    HeapSegment *grown = realloc(heap->segments, (heap->segment_count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    heap->segments = grown;
    HeapSegment *segment = &grown[heap->segment_count];
    if (!NT_SUCCESS(make_segment(thread, reserve, committed, header, segment)))
        return NULL;
    heap->segment_count++;
    heap->next_reserve = vs_min(heap->next_reserve * 2, SEGMENT_MAX_RESERVE);
    return segment;
}

/* A block in its own allocation: the data 8 * sizeof(void *) past the base, the pages fresh. */
static VsStatus big_alloc(VsThread *thread, VsHeap *heap, uint64_t n, uint64_t *out)
{
    uint64_t offset = 8 * pointer_size(thread->process);
    if (n > UINT64_MAX - offset - VS_PAGE_SIZE)
        return STATUS_NO_MEMORY;
    BigBlock *grown = realloc(heap->big, (heap->big_count + 1) * sizeof *grown);
    if (!grown)
        return STATUS_NO_MEMORY;
    heap->big = grown;
    uint64_t base = 0, size = align_up(n + offset, VS_PAGE_SIZE);
    VsStatus status = VsNtAllocateVirtualMemory(thread, VS_CURRENT_PROCESS, &base, 0, &size,
                                                MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!NT_SUCCESS(status))
        return STATUS_NO_MEMORY;
    heap->big[heap->big_count++] = (BigBlock){.base = base, .size = size, .requested = n};
    *out = base + offset;
    return STATUS_SUCCESS;
}

VsStatus vs_heap_alloc(VsThread *thread, VsHeap *heap, uint64_t n, uint64_t *out)
{
    if (n >= vs_heap_va_threshold(thread->process))
        return heap->growable ? big_alloc(thread, heap, n, out) : STATUS_NO_MEMORY;
    uint64_t stride = block_stride(thread->process, n);
    for (size_t s = 0; s < heap->segment_count; s++)
        if ((*out = segment_alloc(thread, &heap->segments[s], stride, n)) != 0)
            return STATUS_SUCCESS;
    HeapSegment *segment = grow_heap(thread, heap, stride);
    if (segment && (*out = segment_alloc(thread, segment, stride, n)) != 0)
        return STATUS_SUCCESS;
    return STATUS_NO_MEMORY;
}

/* ---- Finding, freeing and resizing blocks -----------------------------------------------------
 */

/* Where the block at pointer p is: a segment run (*segment, *index) or a big block (*big). */
static bool find_block(const VsProcess *process, const VsHeap *heap, uint64_t p, size_t *segment,
                       size_t *index, size_t *big)
{
    *big = SIZE_MAX;
    for (size_t b = 0; b < heap->big_count; b++)
        if (heap->big[b].base + 8 * pointer_size(process) == p) {
            *big = b;
            return true;
        }
    uint64_t entry = p - 2 * pointer_size(process);
    for (size_t s = 0; s < heap->segment_count; s++) {
        const HeapSegment *seg = &heap->segments[s];
        if (p < seg->base || p >= seg->base + seg->reserve)
            continue;
        for (size_t i = 0; i < seg->count; i++)
            if (seg->entries[i].address == entry && seg->entries[i].kind == ENTRY_BUSY) {
                *segment = s;
                *index = i;
                return true;
            }
    }
    return false;
}

bool vs_heap_validate(const VsThread *thread, const VsHeap *heap, uint64_t p)
{
    size_t s, i, b;
    return p == 0 || find_block(thread->process, heap, p, &s, &i, &b);
}

uint64_t vs_heap_size(const VsThread *thread, const VsHeap *heap, uint64_t p)
{
    size_t s, i, b;
    if (!find_block(thread->process, heap, p, &s, &i, &b))
        return UINT64_MAX;
    return b != SIZE_MAX ? heap->big[b].requested : heap->segments[s].entries[i].requested;
}

static uint64_t heap_free_bytes(const VsHeap *heap)
{
    uint64_t total = 0;
    for (size_t s = 0; s < heap->segment_count; s++)
        for (size_t i = 0; i < heap->segments[s].count; i++)
            if (heap->segments[s].entries[i].kind == ENTRY_FREE)
                total += heap->segments[s].entries[i].size;
    return total;
}

/*
 * Gives back the whole pages of the free run at index (RtlpDeCommitFreeBlock): the part before
 * the first whole page stays a free block if it can hold one, else the decommit starts a page
 * later; the pages become an uncommitted run, merged with its uncommitted neighbours.
 */
static void decommit_free_run(VsThread *thread, HeapSegment *segment, size_t index)
{
    HeapEntry *e = &segment->entries[index];
    uint64_t minimum = 2 * block_stride(thread->process, 0);
    uint64_t start = align_up(e->address, VS_PAGE_SIZE),
             end = (e->address + e->size) & ~(VS_PAGE_SIZE - 1);
    if (start != e->address && start - e->address < minimum)
        start += VS_PAGE_SIZE;
    uint64_t tail = e->address + e->size - end;
    if (tail && tail < minimum)
        end -= VS_PAGE_SIZE;
    if (end <= start)
        return;
    uint64_t address = start, size = end - start;
    if (!NT_SUCCESS(
            VsNtFreeVirtualMemory(thread, VS_CURRENT_PROCESS, &address, &size, MEM_DECOMMIT)))
        return;
    HeapEntry head = {.address = e->address, .size = start - e->address, .kind = ENTRY_FREE};
    HeapEntry rest = {.address = end, .size = tail, .kind = ENTRY_FREE};
    *e = (HeapEntry){.address = start, .size = end - start, .kind = ENTRY_UNCOMMITTED};
    if (rest.size)
        insert_entry(segment, index + 1, rest);
    if (head.size && insert_entry(segment, index, head))
        index++;
    coalesce(segment, index);
}

static void free_run(VsThread *thread, VsHeap *heap, HeapSegment *segment, size_t index)
{
    segment->entries[index].kind = ENTRY_FREE;
    segment->entries[index].requested = 0;
    index = coalesce(segment, index);
    if (segment->entries[index].size >= VS_PAGE_SIZE ||
        heap_free_bytes(heap) >= DECOMMIT_TOTAL_FREE)
        decommit_free_run(thread, segment, index);
}

VsStatus vs_heap_free(VsThread *thread, VsHeap *heap, uint64_t p)
{
    size_t s, i, b;
    if (!find_block(thread->process, heap, p, &s, &i, &b))
        return STATUS_INVALID_PARAMETER;
    if (b != SIZE_MAX) {
        release(thread, heap->big[b].base);
        heap->big[b] = heap->big[--heap->big_count];
        return STATUS_SUCCESS;
    }
    free_run(thread, heap, &heap->segments[s], i);
    return STATUS_SUCCESS;
}

/* Resizes a segment block where it is: shrinking leaves the tail free, growing takes from a
 * free run that follows. false when it cannot stay. */
static bool resize_in_place(VsThread *thread, VsHeap *heap, HeapSegment *segment, size_t index,
                            uint64_t n)
{
    uint64_t stride = block_stride(thread->process, n);
    HeapEntry *e = &segment->entries[index];
    if (!stride || n >= vs_heap_va_threshold(thread->process))
        return false;
    if (stride > e->size) {
        HeapEntry *next = index + 1 < segment->count ? e + 1 : NULL;
        if (!next || next->kind != ENTRY_FREE || e->size + next->size < stride)
            return false;
        e->size += next->size;
        remove_entry(segment, index + 1);
        e = &segment->entries[index];
    }
    uint64_t rest = e->size - stride;
    e->requested = n;
    if (rest >= 2 * block_stride(thread->process, 0)) {
        e->size = stride;
        HeapEntry tail = {.address = e->address + stride, .size = rest, .kind = ENTRY_FREE};
        if (insert_entry(segment, index + 1, tail))
            free_run(thread, heap, segment, index + 1);
        else
            e->size += rest;
    }
    return true;
}

/*
 * RtlReAllocateHeap: the block keeps its place when it can (shrinking, or a free run after it;
 * a big block within its committed pages), else moves unless in_place_only. The new pointer in
 * *out. STATUS_NO_MEMORY when it can be neither; STATUS_INVALID_PARAMETER for a pointer that is
 * no block of the heap.
 */
VsStatus vs_heap_realloc(VsThread *thread, VsHeap *heap, uint64_t p, uint64_t n, bool in_place_only,
                         uint64_t *out, uint64_t *old_size)
{
    size_t s, i, b;
    if (!find_block(thread->process, heap, p, &s, &i, &b))
        return STATUS_INVALID_PARAMETER;
    *old_size = vs_heap_size(thread, heap, p);
    *out = p;
    if (b != SIZE_MAX) {
        uint64_t room = heap->big[b].size - 8 * pointer_size(thread->process);
        if (n <= room && n >= vs_heap_va_threshold(thread->process)) {
            heap->big[b].requested = n;
            return STATUS_SUCCESS;
        }
    } else if (resize_in_place(thread, heap, &heap->segments[s], i, n)) {
        return STATUS_SUCCESS;
    }
    if (in_place_only)
        return STATUS_NO_MEMORY;
    VsStatus status = vs_heap_alloc(thread, heap, n, out);
    if (!NT_SUCCESS(status))
        return status;
    return vs_heap_free(thread, heap, p);
}

/* Releases every segment and big block and frees the heap's bookkeeping. */
static void destroy(VsThread *thread, VsHeap *heap)
{
    for (size_t b = 0; b < heap->big_count; b++)
        if (thread)
            release(thread, heap->big[b].base);
    for (size_t s = heap->segment_count; s-- > 0;) {
        if (thread)
            release(thread, heap->segments[s].base);
        free(heap->segments[s].entries);
    }
    free(heap->segments);
    free(heap->big);
    free(heap);
}

VsStatus vs_heap_destroy(VsThread *thread, VsHeap *heap)
{
    VsProcess *process = thread->process;
    if (heap->base == process->process_heap)
        return STATUS_INVALID_PARAMETER;
    for (size_t i = 0; i < process->heap_count; i++)
        if (process->heaps[i] == heap) {
            memmove(process->heaps + i, process->heaps + i + 1,
                    (process->heap_count - i - 1) * sizeof *process->heaps);
            process->heap_count--;
            break;
        }
    destroy(thread, heap);
    return STATUS_SUCCESS;
}

void vs_heaps_fini(VsProcess *process)
{
    for (size_t i = 0; i < process->heap_count; i++)
        destroy(NULL, process->heaps[i]);
    free(process->heaps);
    process->heaps = NULL;
    process->heap_count = 0;
}

/* The process heap (RtlCreateHeap from LdrpInitializeProcess with the image's SizeOfHeapReserve
 * and SizeOfHeapCommit: the linker's defaults, 1 MB and 4 KB), made the first time it is asked
 * for; 0 when it cannot be. */
uint64_t vs_process_heap(VsThread *thread)
{
    VsProcess *process = thread->process;
    if (!process->process_heap) {
        uint64_t handle;
        if (NT_SUCCESS(vs_heap_create(thread, 0, 0x100000, VS_PAGE_SIZE, true, &handle)))
            process->process_heap = handle;
    }
    return process->process_heap;
}

/* ---- Walking -----------------------------------------------------------------------------------
 */

/* The walk's entries in HeapWalk's order: per segment a REGION, its runs (busy and free blocks,
 * uncommitted ranges), then the big blocks with region index 64. A segment's last page is not
 * walked: an uncommitted range that ends the segment is a page shorter than it is, and the
 * REGION's last block ends there (kernel32 test_HeapCreate's walk of a new heap: the range's
 * cbData is its dwUnCommittedSize - 0x1000, lpLastBlock the range's end; Windows 7 walked it). */
/* The bytes at a segment's end the walk does not show: its last page, when it is uncommitted. */
static uint64_t walked_tail(const HeapSegment *seg)
{
    const HeapEntry *last = seg->count ? &seg->entries[seg->count - 1] : NULL;
    return last && last->kind == ENTRY_UNCOMMITTED && last->size >= VS_PAGE_SIZE ? VS_PAGE_SIZE : 0;
}

size_t vs_heap_walk(const VsThread *thread, const VsHeap *heap, VsHeapWalkEntry *out, size_t max)
{
    size_t n = 0;
    uint64_t unit = 2 * pointer_size(thread->process);
    for (size_t s = 0; s < heap->segment_count; s++) {
        const HeapSegment *seg = &heap->segments[s];
        uint64_t uncommitted = 0;
        for (size_t i = 0; i < seg->count; i++)
            if (seg->entries[i].kind == ENTRY_UNCOMMITTED)
                uncommitted += seg->entries[i].size;
        if (n < max)
            out[n] = (VsHeapWalkEntry){.data = seg->base,
                                       .size = seg->header,
                                       .flags = VS_HEAP_ENTRY_REGION,
                                       .region = (uint32_t)s,
                                       .committed = seg->reserve - uncommitted,
                                       .uncommitted = uncommitted,
                                       .first = seg->base + seg->header,
                                       .last = seg->base + seg->reserve - walked_tail(seg)};
        n++;
        for (size_t i = 0; i < seg->count; i++, n++) {
            const HeapEntry *e = &seg->entries[i];
            if (n >= max)
                continue;
            VsHeapWalkEntry entry = {.region = (uint32_t)s};
            if (e->kind == ENTRY_BUSY)
                entry = (VsHeapWalkEntry){.data = e->address + unit,
                                          .size = e->requested,
                                          .overhead = e->size - e->requested,
                                          .flags = VS_HEAP_ENTRY_BUSY,
                                          .region = (uint32_t)s};
            else if (e->kind == ENTRY_FREE)
                entry = (VsHeapWalkEntry){.data = e->address + unit,
                                          .size = e->size - unit,
                                          .overhead = unit,
                                          .region = (uint32_t)s};
            else
                entry = (VsHeapWalkEntry){.data = e->address,
                                          .size = e->size -
                                                  (i + 1 == seg->count ? walked_tail(seg) : 0),
                                          .flags = VS_HEAP_ENTRY_UNCOMMITTED_RANGE,
                                          .region = (uint32_t)s};
            out[n] = entry;
        }
    }
    for (size_t b = 0; b < heap->big_count; b++, n++)
        if (n < max)
            out[n] =
                (VsHeapWalkEntry){.data = heap->big[b].base + 8 * pointer_size(thread->process),
                                  .size = heap->big[b].requested,
                                  .flags = VS_HEAP_ENTRY_BUSY,
                                  .region = HEAP_MAX_SEGMENTS,
                                  .committed = heap->big[b].size,
                                  .first = heap->big[b].base};
    return n;
}

/* The heap's address ranges: its segments' reservations and its big blocks' allocations. */
size_t vs_heap_ranges(const VsHeap *heap, VsHeapRange *out, size_t max)
{
    size_t n = 0;
    for (size_t s = 0; s < heap->segment_count; s++, n++)
        if (n < max)
            out[n] = (VsHeapRange){heap->segments[s].base, heap->segments[s].reserve, false};
    for (size_t b = 0; b < heap->big_count; b++, n++)
        if (n < max)
            out[n] = (VsHeapRange){heap->big[b].base, heap->big[b].size, true};
    return n;
}

uint64_t vs_process_heap_handle(const VsProcess *process) { return process->process_heap; }

size_t vs_process_heap_count(const VsProcess *process) { return process->heap_count; }

VsHeap *vs_process_heap_at(const VsProcess *process, size_t index)
{
    return index < process->heap_count ? process->heaps[index] : NULL;
}

uint64_t vs_heap_handle(const VsHeap *heap) { return heap->base; }

bool vs_heap_growable(const VsHeap *heap) { return heap->growable; }

uint32_t vs_heap_flags(const VsHeap *heap) { return heap->flags; }
