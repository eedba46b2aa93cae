/*
 * zap.c - dropping a VMA's pages (mm/memory.c zap_page_range_single, unmap_mapping_range's
 * zap_details): for MADV_DONTNEED, truncation, a punched hole and a moved range.
 *
 * The next touch of a zapped page finds the file's page again, or a fresh zero page for anonymous
 * memory; in anonymous memory a fork left shared, the pages the section still holds are hidden
 * behind demand-zero PTEs so that a zero PTE does not find them again.
 */
#include "linux.h"

/* In a private anonymous VMA a fork left shared, the pages of [start_vpn, end_vpn] whose section
 * page holds something (resident or in the page file) get a demand-zero PTE: a zero PTE would find
 * that page again. The others stay zero and cost nothing (vs_linux_view_page_private: touching them
 * makes a fresh private page): one step per section page that holds something. */
static void hide_shared_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    const VsSection *section = vs_mapped_vad(vad)->section;
    uint64_t last = vs_view_prototype_index(vad, end_vpn);
    for (uint64_t index = vs_prototype_next(section, vs_view_prototype_index(vad, start_vpn), last);
         index <= last; index = vs_prototype_next(section, index + 1, last)) {
        uint64_t vpn = vad->starting_vpn + (index - vs_mapped_vad(vad)->first_prototype);
        if (NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
            vs_pt_write(process, vpn, vs_pte_make_software(vad->protection));
    }
}

/*
 * Drops the pages of [start_vpn, end_vpn] of one VMA (zap_page_range_single, for MADV_DONTNEED,
 * truncation and a moved range): the next touch finds the file's page again, or a fresh zero page
 * for anonymous memory (hide_shared_pages sees to it after a fork).
 */
void vs_vma_zap(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t resident = vs_vma_resident_pages(process, vad, start_vpn, end_vpn, NULL);
    vs_delete_pages(process, vad, start_vpn, end_vpn);
    if (vad->kind == VS_VAD_MAPPED && vs_vma_is_anonymous(vad))
        hide_shared_pages(process, vad, start_vpn, end_vpn);
    vs_pt_release_empty(process, start_vpn, end_vpn);
    VsEvent event = {.kind = VS_EV_PAGES_DISCARDED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .pages = resident};
    vs_emit(process->system, &event);
}

/* Whether a file VMA's PTE holds a private copy of its page (in Linux's terms an anonymous page a
 * copy-on-write store made), not the file's own page: valid on a frame no prototype PTE maps, or
 * that frame trimmed to a list (the file's pages go back to a prototype-pointing PTE), or paged
 * out. */
static bool holds_private_copy(const VsProcess *process, uint64_t pte)
{
    if (vs_pte_is_valid(pte))
        return !(process->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE);
    return vs_pte_is_transition(pte) || vs_pte_is_pagefile(pte);
}

/* Zaps the file's pages of [start_vpn, end_vpn] in a file VMA and leaves its private copies
 * (zap_page_range_single with even_cows false, as unmap_mapping_range does for a punched hole). */
void vs_vma_zap_file_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t vpn = start_vpn;
    while (vpn <= end_vpn) {
        while (vpn <= end_vpn && holds_private_copy(process, vs_pt_read(process, vpn)))
            vpn++;
        uint64_t run = vpn;
        while (vpn <= end_vpn && !holds_private_copy(process, vs_pt_read(process, vpn))) {
            uint64_t present = vs_pt_next_present(process, vpn, end_vpn);
            vpn = present > vpn ? present : vpn + 1; /* no page table: no private copy */
        }
        if (run < vpn)
            vs_vma_zap(process, vad, run, vpn - 1);
    }
}
