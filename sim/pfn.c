/*
 * pfn.c - physical memory: the PFN database and its page lists.
 *
 * Models MMPFN (WRK mm/mi.h) and the lists of mm/pfnlist.c. Every page frame of the machine has an
 * entry saying where it is: on the zeroed, free, standby, modified or bad list, or active (mapped
 * by a valid PTE, or holding a page table). An active frame records the page that maps it, its
 * share and reference counts, and the PTE to give that page back when the frame is taken away
 * (OriginalPte: the protection, and the page-file slot of a copy if there is one).
 *
 * Where a fault's frame comes from (MiRemoveAnyPage, MiRemoveZeroPage): the zeroed list, else the
 * free list (zeroed on the spot), else the oldest standby page, repurposed: its page's PTE gets the
 * OriginalPte back, so the next touch there is a hard fault (or a demand-zero one for a page never
 * written out). When nothing is left, pages are reclaimed first (balance.c: the modified page
 * writer, then trimming).
 *
 * A frame's bytes are host memory allocated the first time the frame is written, so a machine with
 * gigabytes of "RAM" costs only what scenarios touch. Frames never handed out are implicitly zeroed
 * (never_used), so creating a system does not have to link every frame into a list.
 *
 * Invariants (check.c): each list is well linked and holds what its count says; every frame is on
 * exactly one list or active; an active frame's share count equals the valid PTEs naming it.
 *
 * Reading it back (for !pfn): a frame's entry, and the process PTEs that name the frame, which the
 * entry alone cannot give for a section page (it names the prototype PTE; the share count says
 * how many process PTEs there are, not where).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool vs_pfn_init(VsPfnDatabase *db, uint64_t pages)
{
    *db = (VsPfnDatabase){.count = pages};
    for (int i = 0; i < VS_PAGE_LIST_COUNT; i++)
        db->lists[i] = (VsPfnList){VS_PFN_LINK_NONE, VS_PFN_LINK_NONE, 0};
    if (pages >= VS_PFN_LINK_NONE)
        return false;
    db->frames = calloc(pages, sizeof *db->frames);
    return db->frames != NULL;
}

void vs_pfn_fini(VsPfnDatabase *db)
{
    for (uint64_t f = 0; f < db->never_used; f++)
        free(db->frames[f].data);
    free(db->frames);
    *db = (VsPfnDatabase){0};
}

/* ---- Lists (MiInsertPageInList, MiUnlinkPageFromList) ---------------------------------------- */

static uint64_t link_value(uint32_t link) { return link == VS_PFN_LINK_NONE ? VS_PFN_NONE : link; }

/* Puts a frame at the tail of a list: lists are FIFO, so the standby list's head is its oldest. */
void vs_pfn_insert(VsPfnDatabase *db, uint64_t frame, VsPageLocation location)
{
    VsPfnList *list = &db->lists[location];
    VsPfn *pfn = &db->frames[frame];
    pfn->location = (uint8_t)location;
    pfn->flink = VS_PFN_LINK_NONE;
    pfn->blink = list->tail;
    if (list->tail == VS_PFN_LINK_NONE)
        list->head = (uint32_t)frame;
    else
        db->frames[list->tail].flink = (uint32_t)frame;
    list->tail = (uint32_t)frame;
    list->count++;
}

/* Takes a frame out of whatever list holds it. */
void vs_pfn_unlink(VsPfnDatabase *db, uint64_t frame)
{
    VsPfn *pfn = &db->frames[frame];
    VsPfnList *list = &db->lists[pfn->location];
    if (pfn->blink == VS_PFN_LINK_NONE)
        list->head = pfn->flink;
    else
        db->frames[pfn->blink].flink = pfn->flink;
    if (pfn->flink == VS_PFN_LINK_NONE)
        list->tail = pfn->blink;
    else
        db->frames[pfn->flink].blink = pfn->blink;
    pfn->flink = pfn->blink = VS_PFN_LINK_NONE;
    list->count--;
}

uint64_t vs_pfn_first(const VsPfnDatabase *db, VsPageLocation location)
{
    return link_value(db->lists[location].head);
}

uint64_t vs_pfn_next(const VsPfnDatabase *db, uint64_t frame)
{
    return link_value(db->frames[frame].flink);
}

/* ---- Contents ------------------------------------------------------------------------------ */

void vs_pfn_zero(VsPfnDatabase *db, uint64_t frame)
{
    if (db->frames[frame].data)
        memset(db->frames[frame].data, 0, VS_PAGE_SIZE);
}

uint8_t vs_pfn_read(const VsPfnDatabase *db, uint64_t frame, uint32_t offset)
{
    const unsigned char *data = db->frames[frame].data;
    return data ? data[offset] : 0;
}

/* Fills a frame with length bytes from bytes and zeros after them (all zeros for NULL): an in-page
 * read or a copy-on-write copy. False if the host has no memory for the frame's bytes. */
bool vs_pfn_fill(VsPfnDatabase *db, uint64_t frame, const unsigned char *bytes, size_t length)
{
    VsPfn *pfn = &db->frames[frame];
    if (!bytes || !length) {
        vs_pfn_zero(db, frame);
        return true;
    }
    if (!pfn->data && !(pfn->data = malloc(VS_PAGE_SIZE)))
        return false;
    memcpy(pfn->data, bytes, length);
    memset(pfn->data + length, 0, VS_PAGE_SIZE - length);
    return true;
}

/* Stores a byte, giving the frame host memory on its first write. False if the host has none. */
bool vs_pfn_write(VsPfnDatabase *db, uint64_t frame, uint32_t offset, uint8_t value)
{
    VsPfn *pfn = &db->frames[frame];
    if (!pfn->data && !(pfn->data = calloc(1, VS_PAGE_SIZE)))
        return false;
    pfn->data[offset] = value;
    return true;
}

/* ---- Taking and giving back frames ----------------------------------------------------------- */

/*
 * Takes the oldest standby frame from its page (MiRestoreTransitionPte): the page's transition PTE
 * becomes its OriginalPte again, a page-file PTE if a copy was written, else demand zero.
 */
static void repurpose(VsSystem *system, uint64_t frame)
{
    VsPfn *pfn = &system->pfn.frames[frame];
    vs_pfn_unlink(&system->pfn, frame);
    bool prototype = (pfn->flags & VS_PFN_PROTOTYPE) != 0;
    if (prototype) {
        /* A section page: its prototype PTE gets the OriginalPte, for every view at once. */
        vs_prototype_write(vs_section_by_id(system, pfn->pid), pfn->vpn, pfn->original_pte);
    } else {
        VsProcess *owner = vs_process_by_id(system, pfn->pid);
        if (owner)
            vs_pt_write(owner, pfn->vpn, pfn->original_pte);
    }
    const VsSection *section = prototype ? vs_section_by_id(system, pfn->pid) : NULL;
    VsEvent event = {.kind = VS_EV_PAGE_REPURPOSED,
                     .pid = prototype ? 0 : pfn->pid,
                     .mapped_file = section && section->file,
                     .section = prototype ? pfn->pid : 0,
                     .vpn_start = pfn->vpn,
                     .vpn_end = pfn->vpn,
                     .frame = frame,
                     .list = VS_PAGE_STANDBY,
                     .slot = vs_pte_pagefile_slot(pfn->original_pte)};
    vs_emit(system, &event);
}

/*
 * A frame for a fault, now active (models MiRemoveAnyPage / MiRemoveZeroPage). zeroed asks for
 * zeros (a demand-zero fault; a hard fault overwrites the page and does not care). *from says which
 * list gave it. VS_PFN_NONE when nothing can be had.
 */
uint64_t vs_pfn_take(VsSystem *system, bool zeroed, uint64_t *from)
{
    VsPfnDatabase *db = &system->pfn;
    uint64_t frame;
    if (db->lists[VS_PAGE_ZEROED].count) {
        frame = vs_pfn_first(db, VS_PAGE_ZEROED);
        vs_pfn_unlink(db, frame);
        *from = VS_PAGE_ZEROED;
    } else if (db->never_used < db->count) {
        frame = db->never_used++;
        *from = VS_PAGE_ZEROED;
    } else {
        if (!db->lists[VS_PAGE_FREE].count && !db->lists[VS_PAGE_STANDBY].count &&
            !vs_reclaim_pages(system))
            return VS_PFN_NONE;
        if (db->lists[VS_PAGE_ZEROED].count) {
            frame = vs_pfn_first(db, VS_PAGE_ZEROED);
            vs_pfn_unlink(db, frame);
            *from = VS_PAGE_ZEROED;
        } else if (db->lists[VS_PAGE_FREE].count) {
            frame = vs_pfn_first(db, VS_PAGE_FREE);
            vs_pfn_unlink(db, frame);
            *from = VS_PAGE_FREE;
        } else if (db->lists[VS_PAGE_STANDBY].count) {
            frame = vs_pfn_first(db, VS_PAGE_STANDBY);
            repurpose(system, frame);
            *from = VS_PAGE_STANDBY;
        } else {
            return VS_PFN_NONE;
        }
        if (zeroed)
            vs_pfn_zero(db, frame); /* zeroed inline, as when the zeroed list is empty */
    }
    VsPfn *pfn = &db->frames[frame];
    unsigned char *data = pfn->data;
    *pfn = (VsPfn){.data = data,
                   .location = VS_PAGE_ACTIVE,
                   .flink = VS_PFN_LINK_NONE,
                   .blink = VS_PFN_LINK_NONE,
                   .reference_count = 1};
    db->active_count++;
    return frame;
}

/* Whether a large-page run may take frame: never handed out, or on the zeroed, free or standby
 * list (MiFindLargePageMemory's test; active, modified and bad frames stay where they are). */
bool vs_pfn_claimable(const VsPfnDatabase *db, uint64_t frame)
{
    if (frame >= db->never_used)
        return true;
    uint8_t location = db->frames[frame].location;
    return location == VS_PAGE_ZEROED || location == VS_PAGE_FREE || location == VS_PAGE_STANDBY;
}

/*
 * Takes this frame, which vs_pfn_claimable allowed, and makes it active and zeroed (models the
 * part of MiFindLargePageMemory that unlinks each frame of a run found: a standby page is
 * repurposed from its owner, a free one zeroed). Frames never handed out below it join the
 * zeroed list, so never_used stays the start of the frames no one has had.
 */
void vs_pfn_claim(VsSystem *system, uint64_t frame)
{
    VsPfnDatabase *db = &system->pfn;
    while (db->never_used <= frame) {
        uint64_t next = db->never_used++;
        db->frames[next] = (VsPfn){0};
        vs_pfn_insert(db, next, VS_PAGE_ZEROED);
    }
    VsPfn *pfn = &db->frames[frame];
    if (pfn->location == VS_PAGE_STANDBY)
        repurpose(system, frame);
    else
        vs_pfn_unlink(db, frame);
    vs_pfn_zero(db, frame);
    unsigned char *data = pfn->data;
    *pfn = (VsPfn){.data = data,
                   .location = VS_PAGE_ACTIVE,
                   .flink = VS_PFN_LINK_NONE,
                   .blink = VS_PFN_LINK_NONE,
                   .reference_count = 1};
    db->active_count++;
}

/*
 * Gives a frame back for good: its page is gone (decommit, release) or it held a page table. An
 * active frame stops being active; a standby or modified one leaves its list. Its page-file copy,
 * if any, is freed. It goes to the free list; its bytes stay until it is reused (models
 * MiInsertPageInFreeList).
 */
void vs_pfn_release(VsSystem *system, uint64_t frame)
{
    VsPfnDatabase *db = &system->pfn;
    VsPfn *pfn = &db->frames[frame];
    if (pfn->location == VS_PAGE_ACTIVE)
        db->active_count--;
    else
        vs_pfn_unlink(db, frame);
    uint64_t slot = (pfn->flags & VS_PFN_PAGE_TABLE) ? 0 : vs_pte_pagefile_slot(pfn->original_pte);
    if (slot)
        vs_pagefile_free(&system->pagefile, slot);
    unsigned char *data = pfn->data;
    *pfn = (VsPfn){.data = data};
    vs_pfn_insert(db, frame, VS_PAGE_FREE);
}

/* ---- The zero page thread and bad pages ------------------------------------------------------ */

uint64_t vs_zero_free_pages(VsSystem *system, uint64_t max)
{
    VsPfnDatabase *db = &system->pfn;
    uint64_t done = 0;
    for (; done < max && db->lists[VS_PAGE_FREE].count; done++) {
        uint64_t frame = vs_pfn_first(db, VS_PAGE_FREE);
        vs_pfn_unlink(db, frame);
        vs_pfn_zero(db, frame);
        vs_pfn_insert(db, frame, VS_PAGE_ZEROED);
    }
    if (done) {
        VsEvent event = {.kind = VS_EV_PAGES_ZEROED, .pages = done, .list = VS_PAGE_ZEROED};
        vs_emit(system, &event);
    }
    return done;
}

bool vs_page_frame_mark_bad(VsSystem *system, uint64_t frame)
{
    VsPfnDatabase *db = &system->pfn;
    if (frame >= db->count)
        return false;
    if (frame >= db->never_used) {
        /* Hand out the never-used frames below it to the zeroed list, so every frame below
         * never_used is on a list or active. */
        while (db->never_used < frame)
            vs_pfn_insert(db, db->never_used++, VS_PAGE_ZEROED);
        db->never_used++;
    } else if (db->frames[frame].location == VS_PAGE_ZEROED ||
               db->frames[frame].location == VS_PAGE_FREE) {
        vs_pfn_unlink(db, frame);
    } else {
        return false;
    }
    vs_pfn_insert(db, frame, VS_PAGE_BAD);
    return true;
}

/* ---- Reading --------------------------------------------------------------------------------- */

void vs_memory_counters(const VsSystem *system, VsMemoryCounters *out)
{
    const VsPfnDatabase *db = &system->pfn;
    *out = (VsMemoryCounters){
        .total_pages = db->count,
        .zeroed_pages = db->lists[VS_PAGE_ZEROED].count + (db->count - db->never_used),
        .free_pages = db->lists[VS_PAGE_FREE].count,
        .standby_pages = db->lists[VS_PAGE_STANDBY].count,
        .modified_pages = db->lists[VS_PAGE_MODIFIED].count,
        .bad_pages = db->lists[VS_PAGE_BAD].count,
        .active_pages = db->active_count,
        .available_pages = vs_pfn_available(db),
        .pagefile_pages = system->pagefile.slots ? system->pagefile.slots - 1 : 0,
        .pagefile_used = system->pagefile.used,
        .pagefile_peak = system->pagefile.peak,
        .commit_total = system->commit_total,
        .commit_limit = system->commit_limit,
        .commit_peak = system->commit_peak,
        .ticks = system->ticks,
    };
}

bool vs_page_frame_info(const VsSystem *system, uint64_t frame, VsFrameInfo *out)
{
    const VsPfnDatabase *db = &system->pfn;
    if (frame >= db->count)
        return false;
    if (frame >= db->never_used) {
        *out = (VsFrameInfo){.location = VS_PAGE_ZEROED};
        return true;
    }
    const VsPfn *pfn = &db->frames[frame];
    bool table = (pfn->flags & VS_PFN_PAGE_TABLE) != 0;
    bool prototype = (pfn->flags & VS_PFN_PROTOTYPE) != 0;
    *out = (VsFrameInfo){
        .location = (VsPageLocation)pfn->location,
        .pid = prototype ? 0 : pfn->pid,
        .section = prototype ? pfn->pid : 0,
        .vpn = pfn->vpn,
        .protection = table ? 0 : vs_mm_to_win32(vs_pte_mm_protection(pfn->original_pte)),
        .pagefile_slot = table ? 0 : vs_pte_pagefile_slot(pfn->original_pte),
        .share_count = pfn->share_count,
        .reference_count = pfn->reference_count,
        .modified = (pfn->flags & VS_PFN_MODIFIED) != 0,
        .page_table = table,
        .large_page = (pfn->flags & VS_PFN_LARGE_PAGE) != 0,
        .awe = (pfn->flags & VS_PFN_AWE) != 0,
    };
    return true;
}

bool vs_page_frame_byte(const VsSystem *system, uint64_t frame, uint32_t offset, uint8_t *out)
{
    const VsPfnDatabase *db = &system->pfn;
    if (frame >= db->count || offset >= VS_PAGE_SIZE)
        return false;
    *out = frame >= db->never_used ? 0 : vs_pfn_read(db, frame, offset);
    return true;
}

/* ---- Which PTEs map a frame ------------------------------------------------------------------ */

/* Appends a mapping to the caller's array while it has room; counts it either way. */
static void add_mapping(VsFrameMapping *out, size_t capacity, size_t *count, VsFrameMapping mapping)
{
    if (*count < capacity)
        out[*count] = mapping;
    (*count)++;
}

/*
 * The valid process PTEs of a section page's frame. Its PFN names only the prototype PTE (pid: the
 * section, vpn: the page's index), not the process PTEs, which is why Windows needs the share
 * count: each view covering the page is asked whether its PTE for the page is valid and names this
 * frame (a copy-on-write view may have its own copy instead). The protection is each process's,
 * kept in its working-set entry.
 */
static size_t prototype_mappings(const VsSystem *system, uint64_t frame, VsFrameMapping *out,
                                 size_t capacity)
{
    const VsPfn *pfn = &system->pfn.frames[frame];
    const VsSection *section = vs_section_by_id(system, pfn->pid);
    size_t count = 0, p = 0;
    for (const VsVad *vad = section ? vs_section_next_view(system, section, &p, NULL) : NULL; vad;
         vad = vs_section_next_view(system, section, &p, vad)) {
        const VsProcess *process = system->processes[p];
        uint64_t first = vs_mapped_vad(vad)->first_prototype;
        uint64_t pages = vad->ending_vpn - vad->starting_vpn + 1;
        if (pfn->vpn < first || pfn->vpn - first >= pages)
            continue;
        uint64_t vpn = vad->starting_vpn + (pfn->vpn - first);
        uint64_t pte = vs_pt_read(process, vpn);
        if (!vs_pte_is_valid(pte) || vs_pte_frame(pte) != frame)
            continue;
        uint32_t mm = (uint32_t)vs_valid_protection(process, vpn, pte);
        add_mapping(out, capacity, &count,
                    (VsFrameMapping){.process = process,
                                     .address = vs_vpn_address(vpn),
                                     .protection = vs_mm_to_win32(mm),
                                     .valid = true});
    }
    return count;
}

/* A private page's frame: the one PTE its PFN names (PteAddress), valid while the frame is active,
 * a transition PTE while it is on the standby or modified list. */
static size_t private_mapping(const VsSystem *system, uint64_t frame, VsFrameMapping *out,
                              size_t capacity)
{
    const VsPfn *pfn = &system->pfn.frames[frame];
    const VsProcess *owner = vs_process_by_id(system, pfn->pid);
    uint64_t pte = owner ? vs_pt_read(owner, pfn->vpn) : 0;
    if (!vs_pte_is_resident(pte) || vs_pte_frame(pte) != frame)
        return 0;
    size_t count = 0;
    add_mapping(
        out, capacity, &count,
        (VsFrameMapping){.process = owner,
                         .address = vs_vpn_address(pfn->vpn),
                         .protection = vs_mm_to_win32(vs_pte_mm_protection(pfn->original_pte)),
                         .valid = vs_pte_is_valid(pte)});
    return count;
}

size_t vs_page_frame_mappings(const VsSystem *system, uint64_t frame, VsFrameMapping *out,
                              size_t capacity)
{
    const VsPfnDatabase *db = &system->pfn;
    if (frame >= db->never_used)
        return 0; /* never handed out (or past the end): zeroed, no page */
    const VsPfn *pfn = &db->frames[frame];
    VsPageLocation location = (VsPageLocation)pfn->location;
    if ((pfn->flags & VS_PFN_PAGE_TABLE) || location == VS_PAGE_ZEROED ||
        location == VS_PAGE_FREE || location == VS_PAGE_BAD)
        return 0;
    if (pfn->flags & VS_PFN_PROTOTYPE)
        return location == VS_PAGE_ACTIVE ? prototype_mappings(system, frame, out, capacity) : 0;
    return private_mapping(system, frame, out, capacity);
}
