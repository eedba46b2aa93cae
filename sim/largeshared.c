/*
 * largeshared.c - large pages shared through a section: a personality's private large page that
 * becomes a run of a pagefile-backed section's pages, which several processes map (Linux: a
 * transparent huge page that fork leaves mapped by parent and child, copy_huge_pmd).
 *
 * A run is span section pages in a row, [index, index + span), held in the span frames of one
 * large page, [first, first + span), first aligned: each prototype PTE valid, naming its frame;
 * each frame marked a section page (VS_PFN_PROTOTYPE: pid the section, vpn the index) of a large
 * page (VS_PFN_LARGE_PAGE). A written one's frames are modified (written memory whose only copy
 * they are), or lazily freed; a run of zeros never written (the model's huge zero page, which
 * Linux has once for the whole system and fork leaves mapped in both) is neither, and its PDEs
 * stay clean. A process maps the run whole with one large PDE, write-protected (copy-on-write),
 * or page by page once it has split that PDE (Linux's __split_huge_pmd of one process's PMD):
 * then its PTEs map the frames as any view's PTEs map section pages, each in its working set. A
 * frame's share count is the large PDEs and the PTEs mapping it.
 *
 * A run lasts while anything maps it. A page nothing maps stays active in it (Linux's huge page
 * stays whole while partly mapped), so a store that finds the process mapping the run alone can
 * take it whole (vs_large_page_take), and a PDE moved whole can map it again
 * (vs_large_page_reform). When nothing maps any page of it any more, the run ends: its pages
 * become ordinary section pages, which go to the modified list (written) or standby (zeros).
 *
 * A page of a run may leave the section while large PDEs still map it: another version of that
 * page takes its index (a fork shares a copy another process made of it; Linux's anon_vma keeps
 * both versions, a section one). It is then detached (vs_large_page_detach): still the run's
 * frame, still recording the section and index, mapped by the run's PDEs alone (its share count
 * is theirs). A process that splits its PDE gets such a page as its own, or a copy of it where
 * other PDEs still map it; when no PDE maps the run any more its detached pages go, and the run
 * ends (a PDE-less run with a hole in it could never be one large page again). And when one of
 * its pages leaves the section for good with no PDE mapping it (its last sharer takes it as its
 * own page, or the section lets it go), the personality ends the run first
 * (vs_large_page_dissolve).
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

/* Whether frame, a page of a run, has left its section's index (detached): the prototype PTE
 * there names another page, or none. */
bool vs_large_page_detached(const VsSystem *system, uint64_t frame)
{
    const VsPfn *pfn = &system->pfn.frames[frame];
    const VsSection *section = vs_section_by_id(system, pfn->pid);
    return vs_prototype_read(section, pfn->vpn) != vs_pte_make_valid(frame, section->protection);
}

/* The run's page at the section's index leaves the index to the run's PDEs, which alone map it
 * now (the caller gave every PTE that mapped it a copy of its own): the index is empty. */
void vs_large_page_detach(VsSection *section, uint64_t index)
{
    vs_prototype_write(section, index, vs_prototype_initial(section));
}

/* Ends the run whose first frame is first, which no PDE maps: its detached pages go (nothing maps
 * them), and the others become ordinary section pages, those nothing maps leaving the active
 * pages for the modified list (written) or standby (zeros), their prototype PTEs in transition.
 * A frame no longer in the run (the process that split the last PDE has it as its own) is
 * passed by. */
static void end_run(VsSystem *system, uint64_t first)
{
    for (uint64_t f = first; f < first + span_of(system); f++) {
        VsPfn *pfn = &system->pfn.frames[f];
        if (!vs_large_page_in_run(system, f))
            continue;
        if (vs_large_page_detached(system, f)) {
            vs_pfn_release(system, f);
            continue;
        }
        pfn->flags &= (uint8_t)~VS_PFN_LARGE_PAGE;
        if (pfn->share_count == 0)
            vs_prototype_frame_idle(system, f);
    }
}

/* Ends the run from first when it can no longer be one large page: nothing maps any page of it,
 * a detached page lost its last PDE, or a page left it. */
static void settle(VsSystem *system, uint64_t first)
{
    bool mapped = false, broken = false;
    for (uint64_t f = first; f < first + span_of(system) && !broken; f++) {
        if (!vs_large_page_in_run(system, f))
            broken = true;
        else if (system->pfn.frames[f].share_count)
            mapped = true;
        else
            broken = vs_large_page_detached(system, f);
    }
    if (broken || !mapped)
        end_run(system, first);
}

/* A page of a run lost its last mapping, a PTE (vs_prototype_unmap_frame): the run ends if
 * nothing maps it any more. */
void vs_large_page_unmapped(VsSystem *system, uint64_t frame)
{
    settle(system, frame - frame % span_of(system));
}

/* Whether a large PDE maps vpn and names a section's run rather than the process's own frames. */
bool vs_large_page_is_shared(const VsProcess *process, uint64_t vpn)
{
    uint64_t pde = vs_pt_large_pde(process, vpn);
    return pde && (process->system->pfn.frames[vs_pte_frame(pde)].flags & VS_PFN_PROTOTYPE);
}

/*
 * The process's private large page at vpn becomes the section's run at index (its prototype PTEs
 * prepared and empty: the caller emptied them), its frames staying where they are, written,
 * lazily freed or zeros as they were; its PDE maps it on, write-protected with protection mm
 * (Linux: copy_huge_pmd write-protects the parent's PMD as it copies it to the child).
 */
void vs_large_page_share(VsProcess *process, uint64_t vpn, VsSection *section, uint64_t index,
                         uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), pde = vs_pt_large_pde(process, vpn), first = vs_pte_frame(pde);
    for (uint64_t i = 0; i < span; i++) {
        VsPfn *pfn = &system->pfn.frames[first + i];
        pfn->flags =
            (uint8_t)(VS_PFN_PROTOTYPE | VS_PFN_LARGE_PAGE | (pfn->flags & VS_PFN_LAZY_FREE) |
                      (pde & VS_PTE_DIRTY ? VS_PFN_MODIFIED : 0));
        pfn->pid = section->id;
        pfn->vpn = index + i;
        pfn->original_pte = vs_pte_make_software(section->protection);
        vs_prototype_write(section, index + i, vs_pte_make_valid(first + i, section->protection));
    }
    vs_pt_replace_large(process, vpn,
                        vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED | (pde & VS_PTE_DIRTY));
    process->large_pages -= span;
    process->shared_large_pages += span;
    emit(process, VS_EV_LARGE_PAGE_SHARED, vpn, first);
}

/* The process maps the run another process's PDE pde maps, whole at vpn, write-protected with
 * protection mm, clean where that one is (the child's copy of the parent's PMD).
 * STATUS_INSUFFICIENT_RESOURCES when no frame is left for a table above the PDE. */
VsStatus vs_large_page_map_shared(VsProcess *process, uint64_t vpn, uint64_t pde, uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), first = vs_pte_frame(pde);
    uint64_t mine = vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED | (pde & VS_PTE_DIRTY);
    VsStatus status = vs_pt_map_large(process, vpn, mine);
    if (!NT_SUCCESS(status))
        return status;
    for (uint64_t i = 0; i < span; i++)
        system->pfn.frames[first + i].share_count++;
    process->shared_large_pages += span;
    emit(process, VS_EV_LARGE_PAGE_SHARED, vpn, first);
    return STATUS_SUCCESS;
}

/* The process's PDE mapping a run at vpn goes (an unmap, a zap, the process's end): each frame
 * has one mapping less; the run ends if that was the last of them, or of its detached pages'. */
void vs_large_page_unmap_shared(VsProcess *process, uint64_t vpn)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), first = vs_pte_frame(vs_pt_unmap_large(process, vpn));
    for (uint64_t i = 0; i < span; i++)
        system->pfn.frames[first + i].share_count--;
    process->shared_large_pages -= span;
    settle(system, first);
}

/* Frame becomes the process's own page at vpn, with protection mm, written or lazily freed as
 * from was (a detached page its PDE alone mapped, from itself, or a copy of one): valid in its
 * working set where mm allows access, else on a list with its PTE in transition, as a trimmed
 * page of its own is. */
static void own_page(VsProcess *process, uint64_t vpn, uint64_t frame, uint8_t from_flags,
                     uint32_t mm)
{
    VsSystem *system = process->system;
    VsPfn *pfn = &system->pfn.frames[frame];
    pfn->flags = from_flags & (VS_PFN_MODIFIED | VS_PFN_LAZY_FREE);
    pfn->pid = process->pid;
    pfn->vpn = vpn;
    pfn->original_pte = vs_pte_make_software(mm);
    pfn->share_count = 1;
    pfn->reference_count = 1;
    if (vs_mm_accessible(mm)) {
        if (!vs_ws_insert(process, vpn, frame, mm))
            abort(); /* the host is out of memory: no state to go back to */
        vs_pt_write(process, vpn, vs_pte_make_valid(frame, mm) | VS_PTE_ACCESSED);
        return;
    }
    pfn->share_count = 0;
    pfn->reference_count = 0;
    system->pfn.active_count--;
    vs_pfn_insert(&system->pfn, frame,
                  pfn->flags & VS_PFN_MODIFIED ? VS_PAGE_MODIFIED : VS_PAGE_STANDBY);
    vs_pt_write(process, vpn, vs_pte_make_transition(frame, mm));
}

/* One page of a split PDE that is still its section's: a valid PTE in the working set, or, where
 * mm allows no access, a PTE leading to the prototype PTE (one mapping less for the frame: the
 * caller settles the run). */
static void map_piece(VsProcess *process, uint64_t vpn, uint64_t frame, uint32_t mm)
{
    if (!vs_mm_accessible(mm)) {
        vs_pt_write(process, vpn, vs_pte_make_proto(mm));
        process->system->pfn.frames[frame].share_count--;
        return;
    }
    if (!vs_ws_insert(process, vpn, frame, mm))
        abort(); /* the host is out of memory: no state to go back to */
    vs_pt_write(process, vpn, vs_pte_make_valid(frame, mm) | VS_PTE_ACCESSED);
}

/* Frames for the copies a split of the run from first needs: one per detached page another PDE
 * maps too. *count says how many; NULL with *count > 0 when they cannot all be had (none kept). */
static uint64_t *take_copies(VsSystem *system, uint64_t first, size_t *count)
{
    *count = 0;
    for (uint64_t f = first; f < first + span_of(system); f++)
        *count += vs_large_page_detached(system, f) && system->pfn.frames[f].share_count > 1;
    uint64_t *copies = *count ? malloc(*count * sizeof *copies) : NULL;
    for (size_t n = 0; copies && n < *count; n++) {
        uint64_t from;
        copies[n] = vs_pfn_take(system, false, &from);
        if (copies[n] == VS_PFN_NONE) {
            while (n)
                vs_pfn_release(system, copies[--n]);
            free(copies);
            return NULL;
        }
    }
    return copies;
}

/*
 * Splits the process's PDE mapping a run at vpn into a page table of PTEs, one per page of the
 * run, each in its working set with its VMA's protection (Linux's __split_huge_pmd for one
 * process: the others keep their PMDs). A detached page becomes the process's own - a copy of it
 * where other PDEs still map it - and when it was the last PDE, the run ends. A protection that
 * allows no access leaves PTEs that lead to the prototype PTEs instead. STATUS_INSUFFICIENT_-
 * RESOURCES, the PDE kept, when no frame is left for the page table or a copy.
 */
VsStatus vs_large_page_split_shared(VsProcess *process, uint64_t vpn)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), first = vs_pte_frame(vs_pt_large_pde(process, vpn));
    uint32_t mm = vs_vad_find_conflict(&process->vad_root, vpn, vpn)->protection;
    size_t copies = 0, used = 0;
    uint64_t *copy = take_copies(system, first, &copies);
    if ((copies && !copy) || !vs_pt_demote_large(process, vpn)) {
        for (size_t n = 0; copy && n < copies; n++)
            vs_pfn_release(system, copy[n]);
        free(copy);
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
        VsPfn *pfn = &system->pfn.frames[first + i];
        if (!vs_large_page_detached(system, first + i)) {
            map_piece(process, vpn + i, first + i, mm);
        } else if (pfn->share_count == 1) { /* this PDE was the last */
            own_page(process, vpn + i, first + i, pfn->flags, mm);
        } else {
            pfn->share_count--;
            if (!vs_pfn_fill(&system->pfn, copy[used], pfn->data, VS_PAGE_SIZE))
                abort(); /* the host is out of memory: no state to go back to */
            own_page(process, vpn + i, copy[used++], pfn->flags, mm);
        }
    }
    free(copy);
    process->shared_large_pages -= span;
    settle(system, first);
    return STATUS_SUCCESS;
}

/*
 * The run the process's PDE maps at vpn, which no other process maps or finds any more, becomes
 * the process's own large page, whole: its frames the process's, the section's entries demand
 * zero again (those of detached pages hold other pages: they stay), the PDE writable with
 * protection mm (Linux: do_huge_pmd_wp_page reuses a huge page mapped by this PMD alone instead
 * of splitting it).
 */
void vs_large_page_take(VsProcess *process, uint64_t vpn, uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), first = vs_pte_frame(vs_pt_large_pde(process, vpn));
    VsSection *section = vs_section_by_id(system, system->pfn.frames[first].pid);
    for (uint64_t i = 0; i < span; i++) {
        VsPfn *pfn = &system->pfn.frames[first + i];
        if (!vs_large_page_detached(system, first + i))
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
bool vs_large_page_reform(VsProcess *process, uint64_t vpn, uint32_t mm, bool written)
{
    VsSystem *system = process->system;
    uint64_t span = span_of(system), pte = vs_pt_read(process, vpn), first = vs_pte_frame(pte);
    if (!vs_pte_is_valid(pte) || first % span || !vs_large_page_in_run(system, first) ||
        vs_pt_large_pde(process, vpn))
        return false;
    for (uint64_t i = 1; i < span; i++) {
        pte = vs_pt_read(process, vpn + i);
        if (!vs_pte_is_valid(pte) || vs_pte_frame(pte) != first + i ||
            !vs_large_page_in_run(system, first + i))
            return false; /* a page taken out of the run: it stays 4 KB pages */
    }
    vs_large_page_remap(process, vpn, first, mm, written);
    process->shared_large_pages += span;
    return true;
}

/* The run holding the section's page at index ends, no large PDE mapping it, before that page
 * leaves the section for good (end_run). */
void vs_large_page_dissolve(VsSystem *system, VsSection *section, uint64_t index)
{
    uint64_t span = span_of(system), frame = vs_pte_frame(vs_prototype_read(section, index));
    end_run(system, frame - frame % span);
}
