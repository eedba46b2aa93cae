/*
 * pagetable.c - each process's sparse page-table hierarchy: 4 levels of 512 entries on x64
 * (PXE -> PPE -> PDE -> PTE), 2 levels of 1024 on x86 (PDE -> PTE).
 *
 * Models how Windows materialises tables on demand and frees them when empty: a table is created
 * the first time an entry under it must be non-zero (MiMakePdeExistAndMakeValid, WRK mm/mmfault.c
 * and mm/allocvm.c), each table counts its non-zero entries (UsedPageTableEntries, WRK mm/mi.h),
 * and a table whose count falls to zero is freed and its parent entry cleared. The top-level table
 * exists for the life of the process (it is the DirectoryTableBase).
 *
 * An upper-level entry is a valid hardware PTE whose frame number names the next table in the
 * system's table store. Every entry is kept in 64 bits, so one PTE format serves x64 and x86 (x86
 * hardware PTEs are 4 bytes; the model reports that size but stores the wider form).
 *
 * A PDE may instead map a large page itself (its PS bit, VS_PDE_LARGE_PAGE): the walk stops there,
 * as the processor's does, and the page's 4 KB pieces are the large page's frames in order. No leaf
 * table exists under it; vs_pt_read answers for each page what a leaf PTE would hold (valid,
 * accessed and dirty, frame + offset), so readers of PTEs need not know (largepage.c).
 *
 * Invariants (check.c): used_entries equals the number of non-zero entries; only the top table may
 * be empty; every valid upper-level entry names a live table one level down, or is a PDE that maps
 * a large page.
 */
#include <stdlib.h>

#include "internal.h"

#define SPARE_TABLES_KEPT 64

static uint32_t levels(const VsProcess *process) { return process->system->layout->paging_levels; }
static uint32_t level_bits(const VsProcess *process) { return process->system->layout->level_bits; }

/* Bit position of level's index within a VPN: the leaf level indexes the lowest bits. */
static uint32_t level_shift(const VsProcess *process, uint32_t level)
{
    return level_bits(process) * (levels(process) - 1 - level);
}

static uint32_t level_index(const VsProcess *process, uint32_t level, uint64_t vpn)
{
    uint64_t mask = (1ull << level_bits(process)) - 1;
    return (uint32_t)((vpn >> level_shift(process, level)) & mask);
}

/* Pages covered by one entry at level (one page at the leaf level). */
static uint64_t entry_span(const VsProcess *process, uint32_t level)
{
    return 1ull << level_shift(process, level);
}

static VsPageTable *table_at(const VsSystem *system, uint64_t frame)
{
    return system->tables.tables[frame];
}

const VsPageTable *vs_pt_table(const VsSystem *system, uint64_t frame)
{
    return frame < system->tables.capacity ? table_at(system, frame) : NULL;
}

/* ---- The table store ------------------------------------------------------------------------ */

void vs_table_store_init(VsTableStore *store, uint32_t entries_per_table)
{
    *store = (VsTableStore){.entries_per_table = entries_per_table};
}

void vs_table_store_fini(VsTableStore *store)
{
    for (uint64_t i = 0; i < store->capacity; i++)
        free(store->tables[i]);
    for (uint64_t i = 0; i < store->spare_count; i++)
        free(store->spare[i]);
    free(store->tables);
    free(store->spare);
    *store = (VsTableStore){0};
}

/* Makes tables[frame] addressable (frames come from the PFN database, mostly in order). */
static bool store_reserve(VsTableStore *store, uint64_t frame)
{
    if (frame < store->capacity)
        return true;
    uint64_t capacity = store->capacity ? store->capacity : 64;
    while (capacity <= frame)
        capacity *= 2;
    VsPageTable **tables = realloc(store->tables, capacity * sizeof *tables);
    if (!tables)
        return false;
    for (uint64_t i = store->capacity; i < capacity; i++)
        tables[i] = NULL;
    store->tables = tables;
    store->capacity = capacity;
    return true;
}

/* A zeroed table from the spare list or the host. */
static VsPageTable *table_memory(VsTableStore *store)
{
    if (store->spare_count)
        return store->spare[--store->spare_count];
    return calloc(1, sizeof(VsPageTable) + store->entries_per_table * sizeof(uint64_t));
}

/*
 * Allocates a table for level covering first_vpn. A page-table page is a physical page like any
 * other: its frame comes from the PFN database (zeroed), whose entry records it as a page table of
 * this process (MiMakePdeExistAndMakeValid takes it with MiRemoveZeroPage).
 */
static VsStatus table_create(VsProcess *process, uint32_t level, uint64_t first_vpn,
                             uint64_t *frame)
{
    VsSystem *system = process->system;
    VsTableStore *store = &system->tables;
    uint64_t from;
    *frame = vs_pfn_take(system, true, &from);
    if (*frame == VS_PFN_NONE)
        return STATUS_INSUFFICIENT_RESOURCES;
    VsPageTable *table = store_reserve(store, *frame) ? table_memory(store) : NULL;
    if (!table) {
        vs_pfn_release(system, *frame);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    table->level = level;
    table->first_vpn = first_vpn;
    table->used_entries = 0;
    store->tables[*frame] = table;
    VsPfn *pfn = &system->pfn.frames[*frame];
    pfn->pid = process->pid;
    pfn->vpn = first_vpn;
    pfn->flags = VS_PFN_PAGE_TABLE;
    pfn->share_count = 1; /* the upper-level entry that links it */
    process->page_table_pages++;

    uint64_t span = entry_span(process, level) << level_bits(process);
    VsEvent event = {.kind = VS_EV_TABLE_CREATED,
                     .pid = process->pid,
                     .vpn_start = first_vpn,
                     .vpn_end = first_vpn + span - 1,
                     .level = level,
                     .frame = *frame};
    vs_emit(system, &event);
    return STATUS_SUCCESS;
}

/* Returns an empty table's frame and memory to the store. */
static void table_free(VsProcess *process, uint64_t frame)
{
    VsTableStore *store = &process->system->tables;
    VsPageTable *table = table_at(process->system, frame);
    uint64_t span = entry_span(process, table->level) << level_bits(process);
    VsEvent event = {.kind = VS_EV_TABLE_FREED,
                     .pid = process->pid,
                     .vpn_start = table->first_vpn,
                     .vpn_end = table->first_vpn + span - 1,
                     .level = table->level,
                     .frame = frame};
    vs_emit(process->system, &event);

    store->tables[frame] = NULL;
    vs_pfn_release(process->system, frame);
    process->page_table_pages--;
    /* Keep a few zeroed tables (an empty table is all zeros) for the next create. */
    if (!store->spare)
        store->spare = malloc(SPARE_TABLES_KEPT * sizeof *store->spare);
    if (store->spare && store->spare_count < SPARE_TABLES_KEPT)
        store->spare[store->spare_count++] = table;
    else
        free(table);
}

VsStatus vs_pt_create_top(VsProcess *process)
{
    return table_create(process, 0, 0, &process->top_table);
}

/* ---- Walking --------------------------------------------------------------------------------- */

/* The path to vpn's leaf entry: the table at each level, as far as tables exist. */
typedef struct PtPath {
    VsPageTable *table[VS_MAX_LEVELS];
    uint64_t frame[VS_MAX_LEVELS];
    uint32_t index[VS_MAX_LEVELS];
    uint32_t present; /* levels whose table exists */
} PtPath;

static void walk(const VsProcess *process, uint64_t vpn, PtPath *path)
{
    uint64_t frame = process->top_table;
    path->present = 0;
    for (uint32_t level = 0; level < levels(process); level++) {
        VsPageTable *table = table_at(process->system, frame);
        path->table[level] = table;
        path->frame[level] = frame;
        path->index[level] = level_index(process, level, vpn);
        path->present = level + 1;
        uint64_t entry = table->entries[path->index[level]];
        if (level + 1 == levels(process) || !(entry & VS_PTE_VALID) || (entry & VS_PDE_LARGE_PAGE))
            return;
        frame = vs_pte_frame(entry);
    }
}

static VsPageTable *leaf_table(const VsProcess *process, uint64_t vpn)
{
    PtPath path;
    walk(process, vpn, &path);
    return path.present == levels(process) ? path.table[levels(process) - 1] : NULL;
}

/* The large PDE on path's last present level, or 0. */
static uint64_t path_large_pde(const VsProcess *process, const PtPath *path)
{
    uint32_t level = path->present - 1;
    if (path->present != levels(process) - 1)
        return 0;
    uint64_t entry = path->table[level]->entries[path->index[level]];
    return (entry & VS_PTE_VALID) && (entry & VS_PDE_LARGE_PAGE) ? entry : 0;
}

uint64_t vs_pt_large_pde(const VsProcess *process, uint64_t vpn)
{
    PtPath path;
    walk(process, vpn, &path);
    return path_large_pde(process, &path);
}

/* vpn's leaf PTE; under a large PDE, the PTE that would map the same frame (the large page's
 * frame plus vpn's offset in it, with the PDE's bits). */
uint64_t vs_pt_read(const VsProcess *process, uint64_t vpn)
{
    PtPath path;
    walk(process, vpn, &path);
    if (path.present == levels(process))
        return path.table[path.present - 1]
            ->entries[level_index(process, levels(process) - 1, vpn)];
    uint64_t pde = path_large_pde(process, &path);
    if (!pde)
        return 0;
    uint64_t offset = vpn & (entry_span(process, levels(process) - 2) - 1);
    return (pde & ~(VS_PDE_LARGE_PAGE | VS_PTE_FRAME_MASK)) |
           ((vs_pte_frame(pde) + offset) << VS_PTE_FRAME_SHIFT);
}

const uint64_t *vs_pt_leaf(const VsProcess *process, uint64_t vpn)
{
    VsPageTable *leaf = leaf_table(process, vpn);
    return leaf ? leaf->entries : NULL;
}

uint32_t vs_pt_leaf_index(const VsProcess *process, uint64_t vpn)
{
    return level_index(process, levels(process) - 1, vpn);
}

uint64_t vs_pt_leaf_last_vpn(const VsProcess *process, uint64_t vpn)
{
    return vpn | ((1ull << level_bits(process)) - 1);
}

/*
 * The first page at or after vpn, and at most last_vpn, whose leaf table exists; last_vpn + 1 if
 * none. Skips whole absent subtrees, so a scan of a sparse terabyte costs a few steps.
 */
uint64_t vs_pt_next_present(const VsProcess *process, uint64_t vpn, uint64_t last_vpn)
{
    while (vpn <= last_vpn) {
        PtPath path;
        walk(process, vpn, &path);
        if (path.present == levels(process))
            return vpn;
        /* The entry at the deepest present level is empty: skip everything it would cover. */
        uint64_t span = entry_span(process, path.present - 1);
        uint64_t next = (vpn & ~(span - 1)) + span;
        if (next <= vpn)
            break;
        vpn = next;
    }
    return last_vpn + 1;
}

/*
 * The first page at or after vpn, and at most last_vpn, that a large PDE maps (the large page's
 * first page, or vpn inside it); last_vpn + 1 if none. Skips absent subtrees and leaf tables
 * whole, as vs_pt_next_present does.
 */
uint64_t vs_pt_next_large(const VsProcess *process, uint64_t vpn, uint64_t last_vpn)
{
    while (vpn <= last_vpn) {
        PtPath path;
        walk(process, vpn, &path);
        if (path_large_pde(process, &path))
            return vpn;
        uint32_t level = path.present == levels(process) ? path.present - 2 : path.present - 1;
        uint64_t span = entry_span(process, level);
        uint64_t next = (vpn & ~(span - 1)) + span;
        if (next <= vpn)
            break;
        vpn = next;
    }
    return last_vpn + 1;
}

/* ---- Changing entries ------------------------------------------------------------------------ */

static void free_upward(VsProcess *process, PtPath *path, uint32_t level);

/* Creates the missing tables on vpn's path down to level depth - 1 (levels: to the leaf); on
 * failure, frees those it made. Never under a large PDE: nothing commits there. */
static VsStatus materialize(VsProcess *process, uint64_t vpn, uint32_t depth)
{
    PtPath path;
    walk(process, vpn, &path);
    if (path_large_pde(process, &path) && depth == levels(process))
        abort();
    while (path.present < depth) {
        uint32_t level = path.present - 1;
        uint64_t child_span = entry_span(process, level);
        uint64_t frame;
        VsStatus status = table_create(process, level + 1, vpn & ~(child_span - 1), &frame);
        if (!NT_SUCCESS(status)) {
            free_upward(process, &path, level); /* the tables made for it, if they hold nothing */
            return status;
        }
        VsPageTable *parent = path.table[level];
        parent->entries[path.index[level]] = vs_pte_make_table(frame);
        parent->used_entries++;
        walk(process, vpn, &path);
    }
    return STATUS_SUCCESS;
}

/*
 * Makes sure every leaf table covering [start_vpn, end_vpn] exists, so the writes that follow
 * cannot fail halfway. On failure, frees what it created and returns STATUS_INSUFFICIENT_RESOURCES.
 * Every table takes a frame of RAM, so a range needing more leaf tables than the PFN database has
 * frames (the process's own tables aside) fails at once, before a table is made: it could only
 * fail later, after making (and freeing) as many as RAM holds.
 */
VsStatus vs_pt_prepare(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t leaves = (end_vpn >> level_bits(process)) - (start_vpn >> level_bits(process)) + 1;
    if (leaves > process->system->pfn.count + process->page_table_pages)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (uint64_t vpn = start_vpn; vpn <= end_vpn;) {
        VsStatus status = materialize(process, vpn, levels(process));
        if (!NT_SUCCESS(status)) {
            vs_pt_release_empty(process, start_vpn, end_vpn);
            return status;
        }
        uint64_t next = vs_pt_leaf_last_vpn(process, vpn) + 1;
        if (next <= vpn)
            break;
        vpn = next;
    }
    return STATUS_SUCCESS;
}

/* Frees the table at path level and, while they empty, the tables above it (never the top). */
static void free_upward(VsProcess *process, PtPath *path, uint32_t level)
{
    while (level > 0 && path->table[level]->used_entries == 0) {
        VsPageTable *parent = path->table[level - 1];
        table_free(process, path->frame[level]);
        parent->entries[path->index[level - 1]] = 0;
        parent->used_entries--;
        level--;
    }
}

/*
 * Writes vpn's leaf PTE, keeping the used count (models MI_WRITE_INVALID_PTE plus the
 * UsedPageTableEntries bookkeeping). A non-zero value needs its table to exist (vs_pt_prepare); a
 * zero value may empty the table, which is then freed with any parents it empties.
 */
void vs_pt_write(VsProcess *process, uint64_t vpn, uint64_t value)
{
    PtPath path;
    walk(process, vpn, &path);
    uint32_t leaf = levels(process) - 1;
    if (path.present != levels(process)) {
        /* Writing zero where no table exists changes nothing; anything else is a caller bug. */
        if (value != 0)
            abort();
        return;
    }
    VsPageTable *table = path.table[leaf];
    uint64_t *entry = &table->entries[path.index[leaf]];
    uint64_t old = *entry;
    *entry = value;
    if (old == 0 && value != 0)
        table->used_entries++;
    else if (old != 0 && value == 0) {
        table->used_entries--;
        free_upward(process, &path, leaf);
    }
}

/*
 * Makes the PDE of vpn map a large page (models MiAllocateLargePages' PDE fill, with
 * MI_MAKE_PDE_MAP_LARGE_PAGE): the tables above it are made as needed; the PDE was zero. On
 * failure (no frame for a table) nothing is left made.
 */
VsStatus vs_pt_map_large(VsProcess *process, uint64_t vpn, uint64_t pde)
{
    uint32_t level = levels(process) - 2;
    VsStatus status = materialize(process, vpn, level + 1);
    if (!NT_SUCCESS(status))
        return status;
    PtPath path;
    walk(process, vpn, &path);
    uint64_t *entry = &path.table[level]->entries[path.index[level]];
    if (*entry)
        abort(); /* a caller bug: the range was to be free */
    *entry = pde | VS_PDE_LARGE_PAGE;
    path.table[level]->used_entries++;
    return STATUS_SUCCESS;
}

/* Replaces the large PDE mapping vpn with pde (a new protection over the same frames). */
void vs_pt_replace_large(VsProcess *process, uint64_t vpn, uint64_t pde)
{
    PtPath path;
    walk(process, vpn, &path);
    if (!path_large_pde(process, &path))
        abort(); /* a caller bug: no large page there */
    uint32_t level = levels(process) - 2;
    path.table[level]->entries[path.index[level]] = pde | VS_PDE_LARGE_PAGE;
}

/* Clears the large PDE mapping vpn, freeing the tables above it that empty; returns it. */
uint64_t vs_pt_unmap_large(VsProcess *process, uint64_t vpn)
{
    PtPath path;
    walk(process, vpn, &path);
    uint64_t pde = path_large_pde(process, &path);
    if (!pde)
        abort();
    uint32_t level = levels(process) - 2;
    path.table[level]->entries[path.index[level]] = 0;
    path.table[level]->used_entries--;
    free_upward(process, &path, level);
    return pde;
}

/* Replaces the large PDE mapping vpn with a link to a new, empty leaf table for the caller to fill
 * with the large page's pieces (a personality's split of one: Linux's __split_huge_pmd fills the
 * table it deposited with the huge page); the tables above stay. Returns the old PDE, or 0 with
 * nothing changed when no frame is left for the table. */
uint64_t vs_pt_demote_large(VsProcess *process, uint64_t vpn)
{
    uint32_t level = levels(process) - 2;
    uint64_t frame, first_vpn = vpn & ~(entry_span(process, level) - 1);
    if (!vs_pt_large_pde(process, vpn))
        abort(); /* a caller bug: no large page there */
    if (!NT_SUCCESS(table_create(process, level + 1, first_vpn, &frame)))
        return 0;
    PtPath path;
    walk(process, vpn, &path); /* taking the frame may have trimmed pages: walk again */
    uint64_t pde = path_large_pde(process, &path);
    path.table[level]->entries[path.index[level]] = vs_pte_make_table(frame);
    return pde;
}

/* Frees any empty leaf tables (and emptied parents) covering [start_vpn, end_vpn]. */
void vs_pt_release_empty(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    uint32_t leaf = levels(process) - 1;
    for (uint64_t vpn = vs_pt_next_present(process, start_vpn, end_vpn); vpn <= end_vpn;
         vpn = vs_pt_next_present(process, vpn, end_vpn)) {
        PtPath path;
        walk(process, vpn, &path);
        if (path.table[leaf]->used_entries == 0)
            free_upward(process, &path, leaf);
        uint64_t next = vs_pt_leaf_last_vpn(process, vpn) + 1;
        if (next <= vpn)
            break;
        vpn = next;
    }
}

/* ---- Public reading -------------------------------------------------------------------------- */

void vs_pte_walk(const VsProcess *process, uint64_t address, VsPteWalk *out)
{
    PtPath path;
    uint64_t vpn = vs_vpn(address);
    walk(process, vpn, &path);
    *out = (VsPteWalk){.levels = levels(process)};
    for (uint32_t level = 0; level < levels(process); level++) {
        VsPteLevel *l = &out->level[level];
        l->index = level_index(process, level, vpn);
        l->present = level < path.present;
        if (l->present) {
            l->table = path.frame[level];
            l->entry = path.table[level]->entries[l->index];
        }
    }
    const VsPteLevel *leaf = &out->level[out->levels - 1];
    out->large = path_large_pde(process, &path) != 0;
    uint64_t pte = out->large ? vs_pt_read(process, vpn) : leaf->present ? leaf->entry : 0;
    if (vs_pte_is_valid(pte)) {
        out->frame = vs_pte_frame(pte);
        out->protection = vs_mm_to_win32((uint32_t)vs_valid_protection(process, vpn, pte));
    }
}

const char *vs_pte_level_name(const VsProcess *process, uint32_t level)
{
    static const char *const x64[] = {"PXE", "PPE", "PDE", "PTE"};
    static const char *const x86[] = {"PDE", "PTE"};
    if (levels(process) == 4)
        return level < 4 ? x64[level] : "?";
    return level < 2 ? x86[level] : "?";
}
