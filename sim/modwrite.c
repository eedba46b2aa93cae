/*
 * modwrite.c - the modified page writer: dirty pages go to the page file and become clean.
 *
 * Models MiModifiedPageWriter (WRK mm/modwrite.c) for private and pagefile-backed section pages
 * (a mapped file's pages go back to the file: MiMappedPageWriter): a frame on the modified list
 * is written to a free page-file slot, its OriginalPte becomes a page-file PTE naming the slot, it
 * loses its Modified bit and moves to the standby list. Its page's PTE stays a transition PTE: the
 * frame still holds the page, and a touch is a soft fault. Only if the frame is repurposed does
 * the page's PTE become the page-file PTE, and the next touch a hard fault.
 *
 * Windows writes in clusters of contiguous slots and runs when the modified list passes a
 * threshold or memory is low (the balance set's tick decides that here: balance.c).
 */
#include "internal.h"

/* The file a frame's page belongs to (a page of a file's section), or NULL. */
static VsFile *mapped_file_of(const VsSystem *system, const VsPfn *pfn)
{
    if (!(pfn->flags & VS_PFN_PROTOTYPE))
        return NULL;
    const VsSection *section = vs_section_by_id(system, pfn->pid);
    return section && !section->image ? section->file : NULL; /* an image's go to the page file */
}

uint64_t vs_write_modified_pages(VsSystem *system, uint64_t max)
{
    VsPfnDatabase *db = &system->pfn;
    uint64_t written = 0;
    while (written < max && db->lists[VS_PAGE_MODIFIED].count) {
        uint64_t frame = vs_pfn_first(db, VS_PAGE_MODIFIED);
        VsPfn *pfn = &db->frames[frame];
        VsFile *file = mapped_file_of(system, pfn);
        uint64_t slot = 0;
        if (file) {
            /* The mapped page writer: back to the file; OriginalPte stays "in the file". */
            if (!vs_file_write_page(file, pfn->vpn, pfn->data))
                break; /* no host memory for the file's page: it stays modified */
        } else if ((slot = vs_pagefile_write(&system->pagefile, pfn->data)) != 0) {
            pfn->original_pte = vs_pte_make_pagefile(slot, vs_pte_mm_protection(pfn->original_pte));
        } else {
            break; /* the page file is full: the pages stay modified */
        }
        pfn->flags &= (uint8_t)~VS_PFN_MODIFIED;
        vs_pfn_unlink(db, frame);
        vs_pfn_insert(db, frame, VS_PAGE_STANDBY);
        VsEvent event = {.kind = VS_EV_PAGE_WRITTEN,
                         .pid = pfn->pid,
                         .vpn_start = pfn->vpn,
                         .vpn_end = pfn->vpn,
                         .frame = frame,
                         .slot = slot,
                         .list = VS_PAGE_STANDBY,
                         .section = file ? pfn->pid : 0,
                         .mapped_file = file != NULL};
        vs_emit(system, &event);
        written++;
    }
    return written;
}
