/*
 * largeshared.c - large pages shared through a section: a personality's private large page that
 * becomes a run of a pagefile-backed section's pages, which several processes map (Linux: a
 * transparent huge page that fork leaves mapped by parent and child, copy_huge_pmd).
 *
 * A run is span section pages in a row, [index, index + span), held in the span frames of one
 * large page, [first, first + span), first aligned: each prototype PTE valid, naming its frame;
 * each frame marked a section page (VS_PFN_PROTOTYPE: pid the section, vpn the index) of a large
 * page (VS_PFN_LARGE_PAGE), and modified (written memory whose only copy it is). A process maps
 * the run whole with one large PDE, write-protected (copy-on-write), or page by page once it has
 * split that PDE (Linux's __split_huge_pmd of one process's PMD): then its PTEs map the frames as
 * any view's PTEs map section pages, each in its working set. A frame's share count is the large
 * PDEs and the PTEs mapping it. A page nothing maps stays active in its run (Linux's huge page
 * stays whole while partly mapped), so a store that finds the process mapping the run alone can
 * take it whole (vs_large_page_take), and a PDE moved whole can map it again
 * (vs_large_page_reform).
 *
 * A run lasts until one of its pages leaves the section (its last sharer takes it as its own page,
 * or the section lets it go): the personality then dissolves it (vs_large_page_dissolve) into
 * ordinary section pages, those nothing maps going to the modified list. No large PDE maps a run
 * then: a PDE maps every page of it, so a process with one finds every page there.
 *
 * The NT core's other large pages are the process's own (largepage.c: a large-page VAD's, or a
 * personality's in private memory) or a SEC_LARGE_PAGES section's, whole for the section's life;
 * process->large_pages counts the first kind, process->shared_large_pages the pages of runs its
 * PDEs map.
 */
#include <stdlib.h>

#include "internal.h"

static uint64_t span_of(const VsSystem *system) { return vs_large_page_pages(system->layout); }

static void emit(VsProcess *process, VsEventKind kind, uint64_t vpn, uint64_t first)
{
    VsSystem *system = process->system;
    const VsPfn *head = &system->pfn.frames[first];
    uint64_t span = span_of(system);
    VsEvent event = {.kind = kind,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn + span - 1,
                     .frame = first,
                     .pages = span,
                     .list = VS_PAGE_ACTIVE};
    if (kind == VS_EV_LARGE_PAGE_SHARED) {
        event.section = head->pid;
        event.old_start = head->vpn;
        event.old_end = head->vpn + span - 1;
    }
    vs_emit(system, &event);
}

/* Whether frame is a page of a section's large page (a run, or a SEC_LARGE_PAGES section's). */
bool vs_large_page_in_run(const VsSystem *system, uint64_t frame)
{
    uint8_t both = VS_PFN_PROTOTYPE | VS_PFN_LARGE_PAGE;
    return (system->pfn.frames[frame].flags & both) == both;
}

/* Whether a large PDE maps vpn and names a section's run rather than the process's own frames. */
bool vs_large_page_is_shared(const VsProcess *process, uint64_t vpn)
{
    uint64_t pde = vs_pt_large_pde(process, vpn);
    return pde && (process->system->pfn.frames[vs_pte_frame(pde)].flags & VS_PFN_PROTOTYPE);
}

/*
 * The process's private large page at vpn becomes the section's run at index (its prototype PTEs
 * prepared and empty: the caller emptied them), its frames staying where they are; its PDE maps
 * it on, write-protected with protection mm (Linux: copy_huge_pmd write-protects the parent's
 * PMD as it copies it to the child).
 */
void vs_large_page_share(VsProcess *process, uint64_t vpn, VsSection *section, uint64_t index,
                         uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), first = vs_pte_frame(vs_pt_large_pde(process, vpn));
    for (uint64_t i = 0; i < span; i++) {
        VsPfn *pfn = &system->pfn.frames[first + i];
        pfn->flags = VS_PFN_PROTOTYPE | VS_PFN_LARGE_PAGE | VS_PFN_MODIFIED;
        pfn->pid = section->id;
        pfn->vpn = index + i;
        pfn->original_pte = vs_pte_make_software(section->protection);
        vs_prototype_write(section, index + i, vs_pte_make_valid(first + i, section->protection));
    }
    vs_pt_replace_large(process, vpn,
                        vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED | VS_PTE_DIRTY);
    process->large_pages -= span;
    process->shared_large_pages += span;
    emit(process, VS_EV_LARGE_PAGE_SHARED, vpn, first);
}

/* The process maps the section's run at index whole at vpn, write-protected with protection mm
 * (the child's copy of the parent's PMD). STATUS_INSUFFICIENT_RESOURCES when no frame is left
 * for a table above the PDE. */
VsStatus vs_large_page_map_shared(VsProcess *process, uint64_t vpn, const VsSection *section,
                                  uint64_t index, uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), first = vs_pte_frame(vs_prototype_read(section, index));
    uint64_t pde = vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED | VS_PTE_DIRTY;
    VsStatus status = vs_pt_map_large(process, vpn, pde);
    if (!NT_SUCCESS(status))
        return status;
    for (uint64_t i = 0; i < span; i++)
        system->pfn.frames[first + i].share_count++;
    process->shared_large_pages += span;
    emit(process, VS_EV_LARGE_PAGE_SHARED, vpn, first);
    return STATUS_SUCCESS;
}

/* The process's PDE mapping a run at vpn goes (an unmap, a zap, the process's end): each frame
 * has one mapping less and stays in its run. */
void vs_large_page_unmap_shared(VsProcess *process, uint64_t vpn)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), first = vs_pte_frame(vs_pt_unmap_large(process, vpn));
    for (uint64_t i = 0; i < span; i++)
        vs_prototype_unmap_frame(system, first + i);
    process->shared_large_pages -= span;
}

/*
 * Splits the process's PDE mapping a run at vpn into a page table of PTEs, one per page of the
 * run, each in its working set with its VMA's protection (Linux's __split_huge_pmd for one
 * process: the others keep their PMDs). A protection that allows no access leaves PTEs that lead
 * to the prototype PTEs instead (the frames' mapping counts fall: no valid PTE maps them).
 * STATUS_INSUFFICIENT_RESOURCES, the PDE kept, when no frame is left for the page table.
 */
VsStatus vs_large_page_split_shared(VsProcess *process, uint64_t vpn)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), pde = vs_pt_large_pde(process, vpn), first = vs_pte_frame(pde);
    uint32_t mm = vs_vad_find_conflict(&process->vad_root, vpn, vpn)->protection;
    vs_pt_unmap_large(process, vpn);
    if (!NT_SUCCESS(vs_pt_prepare(process, vpn, vpn + span - 1))) {
        if (!NT_SUCCESS(vs_pt_map_large(process, vpn, pde & ~(uint64_t)VS_PDE_LARGE_PAGE)))
            abort(); /* the tables it had were just freed: the frames for them are free */
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    VsEvent event = {.kind = VS_EV_LARGE_PAGE_SPLIT,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn + span - 1,
                     .frame = first,
                     .pages = span};
    vs_emit(system, &event);
    for (uint64_t i = 0; i < span; i++) {
        if (!vs_mm_accessible(mm)) {
            vs_pt_write(process, vpn + i, vs_pte_make_proto(mm));
            vs_prototype_unmap_frame(system, first + i);
            continue;
        }
        if (!vs_ws_insert(process, vpn + i, first + i, mm))
            abort(); /* the host is out of memory: no state to go back to */
        vs_pt_write(process, vpn + i, vs_pte_make_valid(first + i, mm) | VS_PTE_ACCESSED);
    }
    process->shared_large_pages -= span;
    return STATUS_SUCCESS;
}

/*
 * The run the process's PDE maps at vpn, which no other process maps or finds any more, becomes
 * the process's own large page, whole: its frames the process's, the section's entries demand
 * zero again, the PDE writable with protection mm (Linux: do_huge_pmd_wp_page reuses a huge page
 * mapped by this PMD alone instead of splitting it).
 */
void vs_large_page_take(VsProcess *process, uint64_t vpn, uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), first = vs_pte_frame(vs_pt_large_pde(process, vpn));
    VsSection *section = vs_section_by_id(system, system->pfn.frames[first].pid);
    for (uint64_t i = 0; i < span; i++) {
        VsPfn *pfn = &system->pfn.frames[first + i];
        vs_prototype_write(section, pfn->vpn, vs_prototype_initial(section));
        pfn->flags = VS_PFN_LARGE_PAGE;
        pfn->pid = process->pid;
        pfn->vpn = vpn + i;
        pfn->original_pte = vs_pte_make_software(mm);
    }
    vs_pt_replace_large(process, vpn,
                        vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED | VS_PTE_DIRTY);
    process->shared_large_pages -= span;
    process->large_pages += span;
    emit(process, VS_EV_LARGE_PAGE_REUSED, vpn, first);
}

/*
 * Where the span pages from vpn (aligned) are valid PTEs mapping one run's frames in order - a
 * split PDE's PTEs moved whole (mremap) - one PDE with protection mm maps the run instead (Linux's
 * move_huge_pmd moves the PMD itself). False, nothing changed, where they are not.
 */
bool vs_large_page_reform(VsProcess *process, uint64_t vpn, uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), pte = vs_pt_read(process, vpn), first = vs_pte_frame(pte);
    if (!vs_pte_is_valid(pte) || first % span || !vs_large_page_in_run(system, first) ||
        vs_pt_large_pde(process, vpn))
        return false;
    for (uint64_t i = 1; i < span; i++) {
        pte = vs_pt_read(process, vpn + i);
        if (!vs_pte_is_valid(pte) || vs_pte_frame(pte) != first + i)
            return false;
    }
    for (uint64_t i = 0; i < span; i++) { /* each PTE's mapping becomes the PDE's */
        vs_ws_remove(process, vpn + i, first + i);
        vs_pt_write(process, vpn + i, 0);
    }
    vs_pt_release_empty(process, vpn, vpn + span - 1);
    if (!NT_SUCCESS(vs_pt_map_large(process, vpn,
                                    vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED | VS_PTE_DIRTY)))
        abort(); /* the page table just freed leaves a frame for every table above the PDE */
    process->shared_large_pages += span;
    return true;
}

/*
 * The run holding the section's page at index ends, no large PDE mapping it: its pages become
 * ordinary section pages where they are, written; those nothing maps leave the active pages for
 * the modified list, their prototype PTEs in transition (as vs_prototype_unmap_frame leaves them).
 */
void vs_large_page_dissolve(VsSystem *system, VsSection *section, uint64_t index)
{
    uint64_t span = span_of(system), frame = vs_pte_frame(vs_prototype_read(section, index));
    uint64_t first = frame - frame % span;
    for (uint64_t f = first; f < first + span; f++) {
        VsPfn *pfn = &system->pfn.frames[f];
        pfn->flags = (uint8_t)((pfn->flags & ~VS_PFN_LARGE_PAGE) | VS_PFN_MODIFIED);
        if (pfn->share_count == 0)
            vs_prototype_frame_idle(system, f);
    }
}
