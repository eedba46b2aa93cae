/*
 * vmmap.c - a process's address space as VMMap reads it (vmmap.h).
 *
 * VMMap walks VirtualQuery from 0 to the top of user space and gives each region a type: Image for
 * MEM_IMAGE, Mapped File for a view of a file, Shareable for a view of a page-file-backed section,
 * Private Data for MEM_PRIVATE memory (unless a heap or a thread's stack holds it: Heap, Stack),
 * Unusable for the free rest of the 64 KB granule an allocation ends in (no allocation can start
 * there), Free for the rest; and a Page Table row for the process's page tables. For each region
 * it counts Committed (MEM_COMMIT bytes), Private (committed private memory, and in a view the
 * pages copy-on-write made private) and Working Set (resident pages, from the working-set list).
 * In a Linux system the types come from the VMA: [stack], [heap], shared anonymous memory, a
 * file (an executable one: Image), private anonymous memory; Linux has no allocation granularity,
 * so nothing is Unusable.
 */
#include <stdio.h>
#include <string.h>

#include "runner_int.h"
#include "vmmap.h"

typedef struct Labeller {
    VsRangeLabeller fn;
    void *context;
} Labeller;

void vs_runner_add_labeller(VsRunner *runner, VsRangeLabeller labeller, void *context)
{
    if (!runner->labellers)
        runner->labellers = g_array_new(FALSE, FALSE, sizeof(Labeller));
    Labeller l = {labeller, context};
    g_array_append_val(runner->labellers, l);
}

const char *vs_vmmap_type_name(VsVmmapType type, bool linux_words)
{
    static const char *const windows[VS_VMMAP_TYPE_COUNT] = {
        "Image", "Mapped File",  "Shareable",  "Heap",     "Managed Heap",
        "Stack", "Private Data", "Page Table", "Unusable", "Free"};
    static const char *const linux_names[VS_VMMAP_TYPE_COUNT] = {
        "executable file", "file",    "shared anonymous",  "[heap]",
        "managed heap",    "[stack]", "private anonymous", "page tables",
        "unusable",        "unmapped"};
    if (type >= VS_VMMAP_TYPE_COUNT)
        return "?";
    return linux_words ? linux_names[type] : windows[type];
}

void vs_vmmap_percent(uint64_t part, uint64_t whole, char *buf, size_t len)
{
    double percent = whole ? 100.0 * (double)part / (double)whole : 0;
    int decimals = 1;
    for (double p = percent; p > 0 && p < 1 && decimals < 14; p *= 10)
        decimals++;
    snprintf(buf, len, "%.*f%%", percent > 0 && percent < 1 ? decimals : 2, percent);
}

void vs_vmmap_size_short(uint64_t bytes, char *buf, size_t len)
{
    static const char *const units[] = {"bytes", "KB", "MB", "GB", "TB", "PB"};
    double value = (double)bytes;
    int unit = 0;
    while (value >= 1024 && unit < 5)
        value /= 1024, unit++;
    if (value == (double)(uint64_t)value)
        snprintf(buf, len, "%.0f %s", value, units[unit]);
    else
        snprintf(buf, len, "%.1f %s", value, units[unit]);
}

void vs_vmmap_kilobytes(uint64_t bytes, char *buf, size_t len)
{
    char digits[32];
    uint64_t k = (bytes + 1023) / 1024;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)k), o = 0;
    for (int i = 0; i < n && o + 3 < (int)len; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    snprintf(buf + o, len - (size_t)o, " K");
}

guint vs_vmmap_find(const VsVmmap *map, uint64_t address)
{
    guint lo = 0, hi = map->regions->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const VsVmmapRegion *r = &g_array_index(map->regions, VsVmmapRegion, mid);
        if (r->base + r->size <= address)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- Types ---------------------------------------------------------------------------------- */

/* A Linux VMA's type: its name says stack and heap, VM_MAYSHARE without a file shared memory,
 * a file mapped executable a program's or library's image. */
static VsVmmapType linux_type(const VsVmaInfo *vma)
{
    if (vma->grows_down || strcmp(vma->name, "[stack]") == 0)
        return VS_VMMAP_STACK;
    if (strcmp(vma->name, "[heap]") == 0)
        return VS_VMMAP_HEAP;
    bool file = vma->inode && vma->name[0] == '/' && !g_str_has_prefix(vma->name, "/dev/zero") &&
                !g_str_has_prefix(vma->name, "/memfd:") &&
                !g_str_has_prefix(vma->name, "/dev/shm/");
    if (file)
        return vma->exec ? VS_VMMAP_IMAGE : VS_VMMAP_MAPPED_FILE;
    return vma->may_share ? VS_VMMAP_SHAREABLE : VS_VMMAP_PRIVATE_DATA;
}

/* An image region's details, as VMMap's Details column names an image: the module the loader
 * knows it as (else its file) and the PE section of its first page, "app.exe .text". */
static void image_details(VsVmmap *map, VsProcess *process, const VsVadInfo *vad,
                          const VsSection *section, VsVmmapRegion *r)
{
    const char *module = vs_process_module_name(process, r->base);
    const char *file = vs_section_file_name(section);
    VsSubsectionInfo sub;
    uint64_t page = vad->first_prototype + (r->base >> VS_PAGE_SHIFT) - vad->starting_vpn;
    char text[96];
    snprintf(text, sizeof text, "%s %s",
             module ? module
             : file ? file
                    : "",
             vs_section_subsection_at(section, page, &sub) ? sub.name : "");
    r->details = g_string_chunk_insert_const(map->strings, g_strstrip(text));
}

/* A Windows region's type and details from VirtualQuery's Type and the VAD holding it. */
static VsVmmapType windows_type(VsVmmap *map, const VsSystem *system, VsProcess *process,
                                const VsVadInfo *vad, VsVmmapRegion *r)
{
    if (r->vad_kind == VS_VAD_SHARED_USER_DATA)
        r->details = g_string_chunk_insert_const(map->strings, "KUSER_SHARED_DATA");
    else if (r->vad_kind == VS_VAD_PLACEHOLDER)
        r->details = g_string_chunk_insert_const(map->strings, "Placeholder");
    if (r->mem_type == MEM_PRIVATE || !r->section)
        return VS_VMMAP_PRIVATE_DATA;
    const VsSection *section = vs_section_lookup(system, r->section);
    const char *file = section ? vs_section_file_name(section) : NULL;
    VsSectionInfo info = {0};
    if (section)
        vs_section_info(section, &info);
    char text[96];
    if (file)
        g_strlcpy(text, file, sizeof text);
    else if (info.name && info.name[0])
        snprintf(text, sizeof text, "Section %s", info.name);
    else
        snprintf(text, sizeof text, "Pagefile section %u", r->section);
    r->details = g_string_chunk_insert_const(map->strings, text);
    if (r->mem_type == MEM_IMAGE) {
        if (section && vad)
            image_details(map, process, vad, section, r);
        return VS_VMMAP_IMAGE;
    }
    return file ? VS_VMMAP_MAPPED_FILE : VS_VMMAP_SHAREABLE;
}

/* ---- The walk ------------------------------------------------------------------------------- */

static void append(VsVmmap *map, const VsMemoryBasicInformation *m, VsVmmapType type)
{
    VsVmmapRegion r = {.base = m->BaseAddress,
                       .size = m->RegionSize,
                       .allocation_base = m->AllocationBase,
                       .state = m->State,
                       .protect = m->Protect,
                       .mem_type = m->Type,
                       .allocation_protect = m->AllocationProtect,
                       .type = type,
                       .details = ""};
    g_array_append_val(map->regions, r);
}

/* A free region: on Windows its head up to the next 64 KB boundary is Unusable, the rest Free. */
static void append_free(VsVmmap *map, VsMemoryBasicInformation m)
{
    uint64_t boundary = (m.BaseAddress + VS_GRANULARITY - 1) & ~(uint64_t)(VS_GRANULARITY - 1);
    if (!map->linux_words && boundary > m.BaseAddress) {
        VsMemoryBasicInformation head = m;
        head.RegionSize = MIN(boundary, m.BaseAddress + m.RegionSize) - m.BaseAddress;
        append(map, &head, VS_VMMAP_UNUSABLE);
        m.BaseAddress += head.RegionSize;
        m.RegionSize -= head.RegionSize;
    }
    if (m.RegionSize)
        append(map, &m, VS_VMMAP_FREE);
}

/* The walk's place among the VADs, which are in address order as the regions are: one pass over
 * both, each VAD read once. */
typedef struct VadCursor {
    const VsVad *vad;
    VsVadInfo info;
} VadCursor;

/* The VAD holding vpn, or NULL; moves the cursor up to it. */
static const VsVadInfo *vad_at(VadCursor *c, uint64_t vpn)
{
    while (c->vad && c->info.ending_vpn < vpn) {
        c->vad = vs_vad_next(c->vad);
        if (c->vad)
            vs_vad_info(c->vad, &c->info);
    }
    return c->vad && c->info.starting_vpn <= vpn ? &c->info : NULL;
}

/* A region in use, with its VAD's kind and section and the type they give. */
static void append_used(VsVmmap *map, const VsSystem *system, VsProcess *process, VadCursor *c,
                        const VsMemoryBasicInformation *m)
{
    const VsVadInfo *info = vad_at(c, m->BaseAddress >> VS_PAGE_SHIFT);
    append(map, m, VS_VMMAP_PRIVATE_DATA);
    VsVmmapRegion *r = &g_array_index(map->regions, VsVmmapRegion, map->regions->len - 1);
    if (info) {
        r->vad_kind = info->kind;
        r->section = info->section;
    }
    VsVmaInfo vma;
    if (map->linux_words && vs_vma_find(process, m->BaseAddress, &vma) &&
        vma.start <= m->BaseAddress) {
        r->type = linux_type(&vma);
        r->details = g_string_chunk_insert_const(map->strings, vma.name);
    } else if (!map->linux_words) {
        r->type = windows_type(map, system, process, info, r);
    }
}

static void walk(VsVmmap *map, const VsSystem *system, VsProcess *process, uint64_t top)
{
    VsThread *thread = vs_process_main_thread(process);
    VadCursor cursor = {.vad = vs_vad_first(process)};
    if (cursor.vad)
        vs_vad_info(cursor.vad, &cursor.info);
    uint64_t address = 0;
    while (address <= top) {
        VsMemoryBasicInformation m;
        if (!NT_SUCCESS(VsNtQueryVirtualMemory(thread, VS_CURRENT_PROCESS, address,
                                               MemoryBasicInformation, &m, sizeof m, NULL)) ||
            m.RegionSize == 0)
            break;
        if (m.State == MEM_FREE)
            append_free(map, m);
        else
            append_used(map, system, process, &cursor, &m);
        address = m.BaseAddress + m.RegionSize;
        if (address == 0)
            break; /* wrapped: the walk reached the top */
    }
}

/* ---- Labels: heaps and stacks --------------------------------------------------------------- */

static gint label_order(gconstpointer a, gconstpointer b)
{
    const VsRangeLabel *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* VMMap's Stack: each thread's stack reservation, from DeallocationStack to StackBase, as VMMap
 * finds it through the threads' TEBs. */
static void label_stacks(VsProcess *process, GArray *labels)
{
    for (size_t i = 0; i < vs_process_thread_count(process); i++) {
        const VsThread *thread = vs_process_thread(process, i);
        VsThreadInfo t;
        vs_thread_info(thread, &t);
        if (!t.has_stack)
            continue;
        VsRangeLabel label = {
            .start = t.deallocation_stack, .end = t.stack_base, .type = VS_VMMAP_STACK};
        snprintf(label.details, sizeof label.details, "Thread %u stack", vs_thread_id(thread));
        g_array_append_val(labels, label);
    }
}

/* VMMap's Heap: each heap's segments and big blocks, "Heap N" in the order of GetProcessHeaps,
 * the process heap marked as VMMap marks it. */
static void label_heaps(VsProcess *process, GArray *labels)
{
    for (size_t i = 0; i < vs_process_heap_count(process); i++) {
        const VsHeap *heap = vs_process_heap_at(process, i);
        size_t n = vs_heap_ranges(heap, NULL, 0);
        VsHeapRange *ranges = g_new(VsHeapRange, n);
        vs_heap_ranges(heap, ranges, n);
        bool is_default = vs_heap_handle(heap) == vs_process_heap_handle(process);
        for (size_t r = 0; r < n; r++) {
            VsRangeLabel label = {.start = ranges[r].base,
                                  .end = ranges[r].base + ranges[r].size,
                                  .type = VS_VMMAP_HEAP};
            snprintf(label.details, sizeof label.details, "Heap %zu%s%s", i + 1,
                     is_default ? " (default)" : "", ranges[r].big ? ", a block of its own" : "");
            g_array_append_val(labels, label);
        }
        g_free(ranges);
    }
}

/* Private data under a label takes the label's type and details; a region a label's edge crosses
 * is cut there, so each byte is counted under one type. */
static void apply_labels(VsVmmap *map, GArray *labels)
{
    g_array_sort(labels, label_order);
    GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(VsVmmapRegion), map->regions->len);
    guint l = 0;
    for (guint i = 0; i < map->regions->len; i++) {
        VsVmmapRegion r = g_array_index(map->regions, VsVmmapRegion, i);
        while (r.size) {
            while (l < labels->len && g_array_index(labels, VsRangeLabel, l).end <= r.base)
                l++;
            const VsRangeLabel *label =
                l < labels->len ? &g_array_index(labels, VsRangeLabel, l) : NULL;
            VsVmmapRegion piece = r;
            if (r.type != VS_VMMAP_PRIVATE_DATA || !label || label->start >= r.base + r.size) {
                g_array_append_val(out, piece);
                break;
            }
            if (label->start > r.base) {
                piece.size = label->start - r.base; /* the part before the label */
            } else {
                piece.size = MIN(label->end, r.base + r.size) - r.base;
                piece.type = label->type;
                piece.details = g_string_chunk_insert_const(map->strings, label->details);
            }
            g_array_append_val(out, piece);
            r.base += piece.size;
            r.size -= piece.size;
        }
    }
    g_array_free(map->regions, TRUE);
    map->regions = out;
}

/* ---- Counts --------------------------------------------------------------------------------- */

/* The pages of a committed view that copy-on-write made the process's own: a valid or transition
 * PTE naming a frame no section owns, or a page-file PTE (a private copy written out). */
static uint64_t private_view_bytes(const VsSystem *system, const VsProcess *process,
                                   const VsVmmapRegion *r)
{
    uint64_t pages = 0;
    for (uint64_t a = r->base; a < r->base + r->size; a += VS_PAGE_SIZE) {
        VsPteWalk walk;
        vs_pte_walk(process, a, &walk);
        const VsPteLevel *leaf = &walk.level[walk.levels - 1];
        if (!leaf->present)
            continue;
        VsPteState state = vs_pte_state(leaf->entry);
        VsFrameInfo frame;
        if (state == VS_PTE_STATE_VALID || state == VS_PTE_STATE_TRANSITION)
            pages += vs_page_frame_info(system, vs_pte_frame_number(leaf->entry), &frame) &&
                     !frame.section;
        else
            pages += state == VS_PTE_STATE_PAGEFILE;
    }
    return pages * VS_PAGE_SIZE;
}

static void count_bytes(VsVmmap *map, const VsSystem *system, const VsProcess *process)
{
    for (guint i = 0; i < map->regions->len; i++) {
        VsVmmapRegion *r = &g_array_index(map->regions, VsVmmapRegion, i);
        if (r->state != MEM_COMMIT)
            continue;
        r->committed = r->size;
        if (r->mem_type != MEM_PRIVATE)
            r->private_bytes = private_view_bytes(system, process, r);
        else if (r->vad_kind != VS_VAD_SHARED_USER_DATA) /* charges no commit: shared */
            r->private_bytes = r->size;
    }
    VsWorkingSetEntry e;
    for (uint64_t i = 0; vs_process_working_set_entry(process, i, &e); i++) {
        guint at = vs_vmmap_find(map, e.vpn << VS_PAGE_SHIFT);
        if (at < map->regions->len)
            g_array_index(map->regions, VsVmmapRegion, at).working_set += VS_PAGE_SIZE;
    }
}

/* Adds a block (an allocation, or a free region) of one type to its row. */
static void add_block(VsVmmapTotals *t, uint64_t size)
{
    t->blocks++;
    t->largest = MAX(t->largest, size);
}

static void total(VsVmmap *map, const VsProcess *process)
{
    uint64_t block = 0;
    for (guint i = 0; i < map->regions->len; i++) {
        const VsVmmapRegion *r = &g_array_index(map->regions, VsVmmapRegion, i);
        VsVmmapTotals *t = &map->total[r->type];
        t->size += r->size, t->committed += r->committed;
        t->private_bytes += r->private_bytes, t->working_set += r->working_set;
        const VsVmmapRegion *next =
            i + 1 < map->regions->len ? &g_array_index(map->regions, VsVmmapRegion, i + 1) : NULL;
        bool free = r->state == MEM_FREE;
        block += r->size;
        if (free || !next || next->type != r->type || next->allocation_base != r->allocation_base ||
            next->state == MEM_FREE) {
            add_block(t, block);
            block = 0;
        }
        if (!free) {
            map->used_start = map->used_end ? map->used_start : r->base;
            map->used_end = r->base + r->size;
        }
    }
    VsProcessCounters counters;
    vs_process_counters(process, &counters);
    VsVmmapTotals *tables = &map->total[VS_VMMAP_PAGE_TABLE];
    tables->size = tables->committed = tables->private_bytes = tables->working_set =
        counters.page_table_pages * VS_PAGE_SIZE;
    for (int type = 0; type < VS_VMMAP_TYPE_COUNT; type++) {
        const VsVmmapTotals *t = &map->total[type];
        if (type == VS_VMMAP_FREE)
            continue;
        map->all.size += t->size, map->all.committed += t->committed;
        map->all.private_bytes += t->private_bytes, map->all.working_set += t->working_set;
        map->all.blocks += t->blocks;
        map->all.largest = MAX(map->all.largest, t->largest);
    }
}

VsVmmap *vs_vmmap_read(const VsRunner *runner, VsProcess *process)
{
    VsVmmap *map = g_new0(VsVmmap, 1);
    VsSystem *system = runner->system;
    VsVadTreeShape shape;
    vs_vad_tree_shape(process, &shape);
    /* A region per VAD and a free one (or two) after each, about. */
    map->regions =
        g_array_sized_new(FALSE, FALSE, sizeof(VsVmmapRegion), (guint)(2 * shape.count + 4));
    map->strings = g_string_chunk_new(256);
    map->linux_words = vs_words_linux(runner);
    uint64_t top = vs_system_layout(system)->highest_user_address;
    map->space = top + 1;
    walk(map, system, process, top);
    GArray *labels = g_array_new(FALSE, TRUE, sizeof(VsRangeLabel));
    if (!map->linux_words) {
        label_stacks(process, labels);
        label_heaps(process, labels);
    }
    for (guint i = 0; runner->labellers && i < runner->labellers->len; i++) {
        const Labeller *l = &g_array_index(runner->labellers, Labeller, i);
        l->fn(l->context, process, labels);
    }
    if (labels->len)
        apply_labels(map, labels);
    g_array_free(labels, TRUE);
    count_bytes(map, system, process);
    total(map, process);
    return map;
}

void vs_vmmap_free(VsVmmap *map)
{
    if (!map)
        return;
    g_array_free(map->regions, TRUE);
    g_string_chunk_free(map->strings);
    g_free(map);
}

/* ---- Fragmentation -------------------------------------------------------------------------- */

char vs_vmmap_type_letter(VsVmmapType type)
{
    static const char letters[VS_VMMAP_TYPE_COUNT] = "IFSHMTPpU.";
    return type < VS_VMMAP_TYPE_COUNT ? letters[type] : '?';
}

/* The type a cell shows: the type in use with the most bytes in it, else Unusable, else Free. */
static uint8_t cell_type(const uint64_t *bytes)
{
    int best = -1;
    for (int t = 0; t < VS_VMMAP_TYPE_COUNT; t++)
        if (t != VS_VMMAP_FREE && t != VS_VMMAP_UNUSABLE && bytes[t] &&
            (best < 0 || bytes[t] > bytes[best]))
            best = t;
    if (best >= 0)
        return (uint8_t)best;
    return bytes[VS_VMMAP_UNUSABLE] ? VS_VMMAP_UNUSABLE : VS_VMMAP_FREE;
}

void vs_vmmap_grid(const VsVmmap *map, guint max_cells, VsVmmapGrid *out)
{
    *out = (VsVmmapGrid){0};
    if (!map->used_end || !max_cells)
        return;
    uint64_t granule = VS_GRANULARITY;
    uint64_t start = map->used_start & ~(granule - 1);
    uint64_t end = (map->used_end + granule - 1) & ~(granule - 1);
    uint64_t cell = (end - start + max_cells - 1) / max_cells;
    cell = MAX(granule, (cell + granule - 1) & ~(granule - 1));
    out->start = start;
    out->cell_bytes = cell;
    out->cells = (guint)((end - start + cell - 1) / cell);
    out->type = g_new0(uint8_t, out->cells);
    guint i = vs_vmmap_find(map, start);
    for (guint c = 0; c < out->cells; c++) {
        uint64_t a = start + c * cell, b = a + cell, bytes[VS_VMMAP_TYPE_COUNT] = {0};
        while (i < map->regions->len &&
               g_array_index(map->regions, VsVmmapRegion, i).base +
                       g_array_index(map->regions, VsVmmapRegion, i).size <=
                   a)
            i++;
        for (guint j = i; j < map->regions->len; j++) {
            const VsVmmapRegion *r = &g_array_index(map->regions, VsVmmapRegion, j);
            if (r->base >= b)
                break;
            bytes[r->type] += MIN(r->base + r->size, b) - MAX(r->base, a);
        }
        out->type[c] = cell_type(bytes);
    }
}
