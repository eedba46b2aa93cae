/*
 * pfn.c - physical memory: the PFN database and its zeroed and free page lists.
 *
 * Models MMPFN (WRK mm/mi.h) and the page lists of mm/pfnlist.c: every page frame of the machine has
 * an entry saying where it is (zeroed list, free list, or active in some process) and, when active,
 * which page maps it and the protection it had before it became valid (OriginalPte). A demand-zero
 * fault takes a frame from the zeroed list, else from the free list and zeroes it
 * (MiRemoveZeroPage); decommit and release put frames back on the free list (MiInsertPageInFreeList).
 * The paging issue adds the standby and modified lists, working sets and the page file.
 *
 * A frame's bytes are host memory allocated the first time the frame is written, so a machine with
 * gigabytes of "RAM" costs only what scenarios touch. Frames never handed out are implicitly zeroed
 * (never_used), so creating a system does not have to link every frame into a list.
 *
 * Page-table pages are frames too (pagetable.c takes them here), so they count against RAM.
 *
 * Invariants (check.c): zeroed + free + active = frames handed out; each active frame is either a
 * page table of the process it records or named by exactly one valid or transition PTE, of the
 * process and page it records.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool vs_pfn_init(VsPfnDatabase *db, uint64_t pages)
{
    *db = (VsPfnDatabase){.count = pages, .zeroed_head = VS_PFN_NONE, .free_head = VS_PFN_NONE};
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

static uint64_t pop(VsPfnDatabase *db, uint64_t *head, uint64_t *count)
{
    uint64_t frame = *head;
    *head = db->frames[frame].next;
    (*count)--;
    return frame;
}

/* A frame of zeros for a demand-zero fault (models MiRemoveZeroPage), now active. */
uint64_t vs_pfn_take_zeroed(VsPfnDatabase *db)
{
    uint64_t frame;
    if (db->zeroed_head != VS_PFN_NONE) {
        frame = pop(db, &db->zeroed_head, &db->zeroed_count);
    } else if (db->never_used < db->count) {
        frame = db->never_used++;
    } else if (db->free_head != VS_PFN_NONE) {
        frame = pop(db, &db->free_head, &db->free_count);
        if (db->frames[frame].data) /* zeroed inline, as when the zeroed list is empty */
            memset(db->frames[frame].data, 0, VS_PAGE_SIZE);
    } else {
        return VS_PFN_NONE;
    }
    db->frames[frame].location = VS_PAGE_ACTIVE;
    db->frames[frame].next = VS_PFN_NONE;
    db->active_count++;
    return frame;
}

/* Puts an active frame on the free list; its bytes stay until it is reused (models
 * MiInsertPageInFreeList). */
void vs_pfn_release(VsPfnDatabase *db, uint64_t frame)
{
    VsPfn *pfn = &db->frames[frame];
    pfn->location = VS_PAGE_FREE;
    pfn->page_table = 0;
    pfn->original_pte = 0;
    pfn->pid = 0;
    pfn->vpn = 0;
    pfn->next = db->free_head;
    db->free_head = frame;
    db->free_count++;
    db->active_count--;
}

uint8_t vs_pfn_read(const VsPfnDatabase *db, uint64_t frame, uint32_t offset)
{
    const unsigned char *data = db->frames[frame].data;
    return data ? data[offset] : 0;
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

void vs_memory_counters(const VsSystem *system, VsMemoryCounters *out)
{
    const VsPfnDatabase *db = &system->pfn;
    *out = (VsMemoryCounters){
        .total_pages = db->count,
        .zeroed_pages = db->zeroed_count + (db->count - db->never_used),
        .free_pages = db->free_count,
        .active_pages = db->active_count,
    };
}

bool vs_page_frame_info(const VsSystem *system, uint64_t frame, VsFrameInfo *out)
{
    const VsPfnDatabase *db = &system->pfn;
    if (frame >= db->count)
        return false;
    const VsPfn *pfn = &db->frames[frame];
    bool used = frame < db->never_used;
    *out = (VsFrameInfo){
        .location = used ? (VsPageLocation)pfn->location : VS_PAGE_ZEROED,
        .pid = pfn->pid,
        .vpn = pfn->vpn,
        .protection = vs_mm_to_win32(vs_pte_mm_protection(pfn->original_pte)),
        .page_table = pfn->page_table,
    };
    return true;
}
