/*
 * workingset.c - per-process working sets: the pages a process has resident, their ages, trimming.
 *
 * Models MMSUPPORT and the working-set list MMWSL/MMWSLE (WRK mm/mi.h, mm/wslist.c,
 * mm/wsmanage.c). Every resolved fault adds the page (MiAllocateWsle); the frame's PFN entry
 * points back at its entry (u1.WsIndex), so removing a page is O(1): the last entry moves into its
 * slot. Aging (MiAgeWorkingSet) clears each valid PTE's Accessed bit and counts, per page, the
 * passes it went untouched, up to 3. Trimming (MiTrimWorkingSet) takes the oldest pages first:
 * each leaves the working set (MiRemovePageFromWorkingSet, MiDecrementShareCount), its PTE becomes
 * a transition PTE still naming the frame, and the frame goes to the modified list if the page was
 * written since it last had a clean copy, else to the standby list. A later touch is a soft fault
 * while the frame is still there.
 *
 * Page-table pages are not in the working set here (Windows keeps them there too); they are never
 * trimmed.
 *
 * Invariants (check.c): every entry names a valid PTE whose frame's WsIndex is that entry, and
 * every valid PTE has an entry.
 */
#include <stdlib.h>

#include "internal.h"

#define DEFAULT_MINIMUM_PAGES 50  /* MmMinimumWorkingSetSize default: 200 KB */
#define DEFAULT_MAXIMUM_PAGES 345 /* MmMaximumWorkingSetSize default: 1380 KB */

void vs_ws_init(VsWorkingSet *ws)
{
    *ws = (VsWorkingSet){.minimum = DEFAULT_MINIMUM_PAGES, .maximum = DEFAULT_MAXIMUM_PAGES};
}

void vs_ws_fini(VsWorkingSet *ws)
{
    free(ws->entries);
    free(ws->shared.keys);
    free(ws->shared.indexes);
    *ws = (VsWorkingSet){0};
}

/* ---- The hash of shared pages' entries (MMWSL HashTable) ------------------------------------- */

static uint64_t hash_bucket(const VsWsHash *hash, uint64_t vpn)
{
    return (vpn * 0x9E3779B97F4A7C15ull >> 17) & (hash->buckets - 1);
}

/* The bucket holding vpn, or the free bucket where it would go. */
static uint64_t hash_find(const VsWsHash *hash, uint64_t vpn)
{
    uint64_t b = hash_bucket(hash, vpn);
    while (hash->keys[b] != 0 && hash->keys[b] != vpn + 1)
        b = (b + 1) & (hash->buckets - 1);
    return b;
}

static bool hash_grow(VsWsHash *hash)
{
    VsWsHash grown = {.buckets = hash->buckets ? hash->buckets * 2 : 64, .used = hash->used};
    grown.keys = calloc(grown.buckets, sizeof *grown.keys);
    grown.indexes = calloc(grown.buckets, sizeof *grown.indexes);
    if (!grown.keys || !grown.indexes) {
        free(grown.keys);
        free(grown.indexes);
        return false;
    }
    for (uint64_t b = 0; b < hash->buckets; b++) {
        if (!hash->keys[b])
            continue;
        uint64_t to = hash_find(&grown, hash->keys[b] - 1);
        grown.keys[to] = hash->keys[b];
        grown.indexes[to] = hash->indexes[b];
    }
    free(hash->keys);
    free(hash->indexes);
    *hash = grown;
    return true;
}

static void hash_set(VsWsHash *hash, uint64_t vpn, uint64_t index)
{
    uint64_t b = hash_find(hash, vpn);
    hash->used += hash->keys[b] == 0;
    hash->keys[b] = vpn + 1;
    hash->indexes[b] = (uint32_t)index;
}

/* Removes vpn, re-placing the entries after it in its cluster (linear-probing deletion). */
static void hash_delete(VsWsHash *hash, uint64_t vpn)
{
    uint64_t mask = hash->buckets - 1, hole = hash_find(hash, vpn);
    hash->keys[hole] = 0;
    hash->used--;
    for (uint64_t b = (hole + 1) & mask; hash->keys[b] != 0; b = (b + 1) & mask) {
        uint64_t key = hash->keys[b];
        uint32_t index = hash->indexes[b];
        hash->keys[b] = 0;
        uint64_t to = hash_find(hash, key - 1);
        hash->keys[to] = key;
        hash->indexes[to] = index;
    }
}

static bool is_shared(const VsProcess *process, uint64_t frame)
{
    return (process->system->pfn.frames[frame].flags & VS_PFN_PROTOTYPE) != 0;
}

/* The index of the working-set entry of page vpn, resident in frame. */
static uint64_t entry_index(const VsProcess *process, uint64_t vpn, uint64_t frame)
{
    if (!is_shared(process, frame))
        return process->system->pfn.frames[frame].flink;
    const VsWsHash *hash = &process->ws.shared;
    return hash->indexes[hash_find(hash, vpn)];
}

/* Whether the hash holds page vpn, and at which working-set index (for the invariant checker). */
bool vs_ws_find_shared(const VsProcess *process, uint64_t vpn, uint64_t *index)
{
    const VsWsHash *hash = &process->ws.shared;
    if (!hash->buckets)
        return false;
    uint64_t b = hash_find(hash, vpn);
    *index = hash->indexes[b];
    return hash->keys[b] == vpn + 1;
}

VsWsle *vs_ws_entry(const VsProcess *process, uint64_t vpn, uint64_t frame)
{
    return &process->ws.entries[entry_index(process, vpn, frame)];
}

/* Records where the entry of page vpn (in frame) now is. */
static void set_entry_index(VsProcess *process, uint64_t vpn, uint64_t frame, uint64_t index)
{
    if (is_shared(process, frame))
        hash_set(&process->ws.shared, vpn, index);
    else
        process->system->pfn.frames[frame].flink = (uint32_t)index;
}

/* The protection of a valid page: a private frame's OriginalPte has it; a shared frame serves
 * several processes, each with its own, kept in its working-set entry (MMWSLE Protection). */
uint64_t vs_valid_protection(const VsProcess *process, uint64_t vpn, uint64_t pte)
{
    uint64_t frame = vs_pte_frame(pte);
    /* A large page has no working-set entry: its protection is its VAD's, one for all of it. A
     * page of a large page shared through a section, mapped by a PTE of its own since its view
     * split its PDE, has one (largeshared.c). */
    uint8_t flags = process->system->pfn.frames[frame].flags;
    if ((flags & VS_PFN_LARGE_PAGE) &&
        (!(flags & VS_PFN_PROTOTYPE) || vs_pt_large_pde(process, vpn)))
        return vs_vad_find_conflict(&process->vad_root, vpn, vpn)->protection;
    if (is_shared(process, frame))
        return vs_ws_entry(process, vpn, frame)->protection;
    return vs_pte_mm_protection(process->system->pfn.frames[frame].original_pte);
}

/* Adds a page that has just become valid in frame, with its protection. False if the host has no
 * memory for the entry (the caller undoes the fault). */
bool vs_ws_insert(VsProcess *process, uint64_t vpn, uint64_t frame, uint32_t mm_protection)
{
    VsWorkingSet *ws = &process->ws;
    if (ws->count == ws->capacity) {
        uint64_t capacity = ws->capacity ? ws->capacity * 2 : 64;
        VsWsle *grown = realloc(ws->entries, capacity * sizeof *grown);
        if (!grown)
            return false;
        ws->entries = grown;
        ws->capacity = capacity;
    }
    if (is_shared(process, frame) && (ws->shared.used + 1) * 2 > ws->shared.buckets &&
        !hash_grow(&ws->shared))
        return false;
    ws->entries[ws->count] = (VsWsle){.vpn = vpn, .protection = mm_protection};
    set_entry_index(process, vpn, frame, ws->count);
    ws->count++;
    if (ws->count > ws->peak)
        ws->peak = ws->count;
    return true;
}

/* Takes page vpn, resident in frame, out of the working set: the last entry moves into its slot. */
void vs_ws_remove(VsProcess *process, uint64_t vpn, uint64_t frame)
{
    VsWorkingSet *ws = &process->ws;
    uint64_t index = entry_index(process, vpn, frame);
    ws->locked -= ws->entries[index].locked; /* a page decommitted or released loses its lock */
    uint64_t last = --ws->count;
    if (index != last) {
        ws->entries[index] = ws->entries[last];
        uint64_t moved_vpn = ws->entries[index].vpn;
        set_entry_index(process, moved_vpn, vs_pte_frame(vs_pt_read(process, moved_vpn)), index);
    }
    if (is_shared(process, frame))
        hash_delete(&ws->shared, vpn);
    else
        process->system->pfn.frames[frame].flink = VS_PFN_LINK_NONE;
    if (ws->next_slot >= ws->count)
        ws->next_slot = 0;
}

/* MiCaptureDirtyBitToPfn: a page's Dirty bit becomes its frame's Modified flag, and a page-file
 * copy the store made stale is freed. */
void vs_capture_dirty(VsProcess *process, uint64_t frame)
{
    VsPfn *pfn = &process->system->pfn.frames[frame];
    pfn->flags |= VS_PFN_MODIFIED;
    uint64_t slot = vs_pte_pagefile_slot(pfn->original_pte);
    if (slot) {
        vs_pagefile_free(&process->system->pagefile, slot);
        pfn->original_pte = vs_pte_make_software(vs_pte_mm_protection(pfn->original_pte));
    }
}

/*
 * Takes a valid page out of the working set (models MiRemovePageFromWorkingSet with
 * MiDecrementShareCount): the Dirty bit is captured into the frame (MiCaptureDirtyBitToPfn, which
 * also frees a page-file copy a store has made stale), the PTE becomes a transition PTE, and the
 * frame goes to the modified list if dirty, else to the standby list.
 */
void vs_trim_page(VsProcess *process, uint64_t vpn)
{
    VsSystem *system = process->system;
    uint64_t pte = vs_pt_read(process, vpn);
    uint64_t frame = vs_pte_frame(pte);
    VsPfn *pfn = &system->pfn.frames[frame];
    const VsWsle *entry = vs_ws_entry(process, vpn, frame);
    uint32_t age = entry->age;
    uint32_t shared_mm = entry->protection;
    if (pte & VS_PTE_DIRTY) {
        vs_capture_dirty(process, frame);
        vs_write_watch_capture(process, vpn);
    }
    vs_ws_remove(process, vpn, frame);
    VsPageLocation list;
    if (pfn->flags & VS_PFN_PROTOTYPE) {
        /* A section page: this process's PTE points at the prototype PTE again; the frame stays
         * active while other processes map it. */
        vs_pt_write(process, vpn, vs_pte_make_proto(shared_mm));
        list = vs_prototype_unmap_frame(system, frame);
    } else {
        uint32_t mm = vs_pte_mm_protection(pfn->original_pte);
        vs_pt_write(process, vpn, vs_pte_make_transition(frame, mm));
        pfn->share_count--;
        pfn->reference_count--;
        system->pfn.active_count--;
        list = (pfn->flags & VS_PFN_MODIFIED) ? VS_PAGE_MODIFIED : VS_PAGE_STANDBY;
        vs_pfn_insert(&system->pfn, frame, list);
    }
    VsEvent event = {.kind = VS_EV_PAGE_TRIMMED,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn,
                     .frame = frame,
                     .list = list,
                     .age = age,
                     .pages = process->ws.count};
    vs_emit(system, &event);
}

/* One aging pass (MiAgeWorkingSet): a page touched since the last pass is young again. */
void vs_ws_age(VsProcess *process)
{
    VsWorkingSet *ws = &process->ws;
    for (uint64_t i = 0; i < ws->count; i++) {
        VsWsle *e = &ws->entries[i];
        uint64_t pte = vs_pt_read(process, e->vpn);
        if (pte & VS_PTE_ACCESSED) {
            vs_pt_write(process, e->vpn, pte & ~VS_PTE_ACCESSED);
            e->age = 0;
        } else if (e->age < 3) {
            e->age++;
        }
    }
    VsEvent event = {.kind = VS_EV_WORKING_SET_AGED, .pid = process->pid, .pages = ws->count};
    vs_emit(process->system, &event);
}

/*
 * Trims up to pages unlocked pages of at least min_age, the oldest first (age 3, then 2, ...), in
 * the order of the list from NextSlot. Returns how many left.
 */
uint64_t vs_ws_trim(VsProcess *process, uint64_t pages, uint32_t min_age)
{
    VsWorkingSet *ws = &process->ws;
    uint64_t trimmed = 0;
    for (int age = 3; age >= (int)min_age && trimmed < pages; age--) {
        uint64_t i = ws->next_slot;
        for (uint64_t remaining = ws->count; remaining > 0 && trimmed < pages; remaining--) {
            if (i >= ws->count)
                i = 0;
            const VsWsle *e = &ws->entries[i];
            if (e->age == (uint64_t)age && !e->locked) {
                vs_trim_page(process, e->vpn); /* the last entry moves into slot i: look again */
                trimmed++;
            } else {
                i++;
            }
        }
        ws->next_slot = i < ws->count ? i : 0;
    }
    return trimmed;
}

/*
 * New limits for the working set, in pages (the heart of MmAdjustWorkingSetSize, WRK
 * mm/wslist.c): a minimum above the maximum is STATUS_BAD_WORKING_SET_LIMIT; a minimum below the
 * smallest the system allows (MmMinimumWorkingSetSize) is raised to it, and the maximum with it;
 * a maximum below the current size trims the oldest pages at once.
 */
VsStatus vs_working_set_set_limits(VsProcess *process, uint64_t minimum, uint64_t maximum)
{
    VsWorkingSet *ws = &process->ws;
    if (minimum > maximum)
        return STATUS_BAD_WORKING_SET_LIMIT;
    ws->minimum = vs_max(minimum, VS_WORKING_SET_MINIMUM_PAGES);
    ws->maximum = vs_max(maximum, ws->minimum);
    if (ws->count > ws->maximum)
        vs_ws_trim(process, ws->count - ws->maximum, 0);
    return STATUS_SUCCESS;
}

uint64_t vs_empty_working_set(VsProcess *process)
{
    return vs_ws_trim(process, process->ws.count, 0);
}

void vs_process_working_set(const VsProcess *process, VsWorkingSetInfo *out)
{
    const VsWorkingSet *ws = &process->ws;
    *out = (VsWorkingSetInfo){.size = ws->count,
                              .peak = ws->peak,
                              .minimum = ws->minimum,
                              .maximum = ws->maximum,
                              .page_faults = ws->page_faults};
}

bool vs_process_working_set_entry(const VsProcess *process, uint64_t index, VsWorkingSetEntry *out)
{
    if (index >= process->ws.count)
        return false;
    const VsWsle *e = &process->ws.entries[index];
    uint64_t frame = vs_pte_frame(vs_pt_read(process, e->vpn));
    *out = (VsWorkingSetEntry){.vpn = e->vpn,
                               .frame = frame,
                               .shared = is_shared(process, frame),
                               .age = (uint32_t)e->age,
                               .locked = e->locked};
    return true;
}
