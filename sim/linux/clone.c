/*
 * clone.c - the pages forks leave shared: fork sections (Windows' clone prototype PTEs, the
 * MMCLONE_BLOCKs of MiCloneProcessAddressSpace; Linux's anon_vma and its chain).
 *
 * At fork every private page of a private anonymous VMA is shared copy-on-write by parent and
 * child (copy_present_pte): the first store, in either, copies the page for the writer alone.
 * The model keeps such pages in a section of the VMA's own, a fork section, which both processes'
 * VMAs map copy-on-write; a page a process holds alone inside it (a copy a store made, a page
 * faulted in since) is a private frame, as in any view. A fork section indexes its pages by the
 * VMA's vm_pgoff less a constant of its own, so every VMA mapping it - parent and children,
 * pieces split since, pieces moved by mremap - finds page vm_pgoff + n at the same index.
 *
 * Forks repeat: a page the parent copied since an earlier fork is shared again with the new
 * child, and so is a page a child copied with its own child. The page then goes into the fork
 * section at its index, and whatever was there is taken from every other process that still
 * finds it there: the first of them keeps that page as its own (a page two processes shared and
 * one of them left is the other's alone: do_wp_page reuses it), and any others get a copy of it.
 * Linux keeps all of those sharing too (an anon_vma chain holds any number of versions of a page,
 * a fork section one): only pagemap's frame numbers between those processes, which nothing
 * compares after their own fork, can tell. A process whose page is not the section's at all - a
 * page it dropped (MADV_DONTNEED), one never touched - gets a demand-zero PTE first, so it does
 * not find the page that comes in (zap.c hides pages the same way).
 *
 * A VMA that grows (a stack below, a merge with a neighbour without a fork section) may need
 * indexes the section does not have: the section then grows, or its pages move to a larger one
 * that every VMA mapping it maps from then on (clone_move).
 */
#include <stdlib.h>

#include "linux.h"

/* The VMAs mapping a section, in every process (vs_section_next_view), gathered once. */
typedef struct CloneView {
    VsProcess *process;
    VsVad *vad;
} CloneView;

typedef struct CloneViews {
    CloneView *view;
    size_t count;
} CloneViews;

static bool views_of(VsSystem *system, const VsSection *section, CloneViews *out)
{
    size_t p = 0, n = 0;
    for (const VsVad *v = vs_section_next_view(system, section, &p, NULL); v;
         v = vs_section_next_view(system, section, &p, v))
        n++;
    out->view = calloc(n ? n : 1, sizeof *out->view);
    out->count = 0;
    if (!out->view)
        return false;
    p = 0;
    for (const VsVad *v = vs_section_next_view(system, section, &p, NULL); v;
         v = vs_section_next_view(system, section, &p, v))
        out->view[out->count++] = (CloneView){system->processes[p], (VsVad *)v};
    return true;
}

/* The page of view vad at section index, or UINT64_MAX where the view does not cover it. */
static uint64_t view_vpn(const VsVad *vad, uint64_t index)
{
    uint64_t first = vs_mapped_vad(vad)->first_prototype;
    if (index < first || index - first >= vs_vma_pages(vad))
        return UINT64_MAX;
    return vad->starting_vpn + (index - first);
}

static bool initial(const VsSection *section, uint64_t index)
{
    return vs_prototype_read(section, index) == vs_prototype_initial(section);
}

/* Whether the page finds the section's page at its index: a PTE that leads there (zero, or in
 * the prototype format) or maps it. A page the process holds itself (private, in a list or in the
 * page file, or demand zero of its own) does not. */
static bool finds_section_page(const VsProcess *process, uint64_t vpn)
{
    uint64_t pte = vs_pt_read(process, vpn);
    if (pte == 0 || vs_pte_is_proto(pte))
        return true;
    return vs_pte_is_valid(pte) &&
           (process->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE);
}

/* The protection a page of the view has when its PTE does not say it: the VMA's. */
static uint32_t page_protection(const VsProcess *process, const VsVad *vad, uint64_t vpn)
{
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_pte_is_valid(pte))
        return (uint32_t)vs_valid_protection(process, vpn, pte);
    return pte ? vs_pte_mm_protection(pte) : vad->protection;
}

/* Gives a page a demand-zero PTE of its own, so that it no longer finds the section's page. */
static bool hide(VsProcess *process, const VsVad *vad, uint64_t vpn)
{
    if (!NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
        return false;
    vs_pt_write(process, vpn, vs_pte_make_software(vad->protection));
    return true;
}

/* ---- Taking a page out of the section ---------------------------------------------------------
 */

/* Before the section's page at index leaves it for good (kept by the one process that finds it,
 * or let go), with no PMD holding it: the huge page's run it was in ends (largeshared.c). */
static void leave_run(VsSystem *system, VsSection *section, uint64_t index)
{
    uint64_t proto = vs_prototype_read(section, index);
    if (vs_pte_is_valid(proto) && vs_large_page_in_run(system, vs_pte_frame(proto)))
        vs_large_page_dissolve(system, section, index);
}

/* The section's page at index becomes the process's own, in the frame (or page-file slot) it is
 * in: its PTE maps it as a private page (valid, transition or paged out), and the section's entry
 * is demand zero again. A valid section page must be mapped by this process alone. */
static bool keep_as_own(VsProcess *process, VsVad *vad, uint64_t vpn, VsSection *section,
                        uint64_t index)
{
    VsSystem *system = process->system;
    uint64_t proto = vs_prototype_read(section, index), pte = vs_pt_read(process, vpn);
    uint32_t mm = page_protection(process, vad, vpn);
    if (!vs_pte_is_valid(pte) && !NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
        return false;
    if (vs_pte_is_resident(proto)) {
        uint64_t frame = vs_pte_frame(proto);
        VsPfn *pfn = &system->pfn.frames[frame];
        uint64_t slot = vs_pte_pagefile_slot(pfn->original_pte);
        VsWsle entry = {0};
        if (vs_pte_is_valid(proto)) {
            entry = *vs_ws_entry(process, vpn, frame);
            vs_ws_remove(process, vpn, frame);
        }
        pfn->flags &= (uint8_t)~VS_PFN_PROTOTYPE;
        pfn->pid = process->pid;
        pfn->vpn = vpn;
        pfn->original_pte = vs_pte_make_pagefile(slot, mm);
        if (vs_pte_is_valid(proto)) {
            vs_ws_insert(process, vpn, frame, mm); /* the slot just freed: cannot fail */
            VsWsle *now = vs_ws_entry(process, vpn, frame);
            now->age = entry.age;
            now->locked = entry.locked;
        } else {
            vs_pt_write(process, vpn, vs_pte_make_transition(frame, mm));
        }
    } else {
        vs_pt_write(process, vpn, vs_pte_make_pagefile(vs_pte_pagefile_slot(proto), mm));
    }
    vs_prototype_write(section, index, vs_prototype_initial(section));
    return true;
}

/* The process gets a copy of the section's page at index in frame (taken for it), a page of its
 * own left on the modified list (its only copy), as if just trimmed: its PTE in transition, so
 * its protection may be any (PROT_NONE too); a mapping it had of the section's page goes. False
 * (nothing changed) when the host has no room for the page table. */
static bool give_copy(VsProcess *process, VsVad *vad, uint64_t vpn, const VsSection *section,
                      uint64_t index, uint64_t frame)
{
    VsSystem *system = process->system;
    uint64_t proto = vs_prototype_read(section, index), pte = vs_pt_read(process, vpn);
    uint32_t mm = page_protection(process, vad, vpn);
    VsPfn *copy = &system->pfn.frames[frame];
    if (!vs_pte_is_valid(pte) && !NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
        return false;
    if (vs_pte_is_resident(proto))
        vs_pfn_fill(&system->pfn, frame, system->pfn.frames[vs_pte_frame(proto)].data,
                    VS_PAGE_SIZE);
    else
        vs_pagefile_read(&system->pagefile, vs_pte_pagefile_slot(proto), &system->pfn, frame);
    if (vs_pte_is_valid(pte)) {
        vs_ws_remove(process, vpn, vs_pte_frame(pte));
        vs_prototype_unmap_frame(system, vs_pte_frame(pte));
    }
    copy->original_pte = vs_pte_make_software(mm);
    copy->pid = process->pid;
    copy->vpn = vpn;
    copy->share_count = 0;
    copy->reference_count = 0;
    copy->flags |= VS_PFN_MODIFIED; /* its only copy */
    system->pfn.active_count--;
    vs_pfn_insert(&system->pfn, frame, VS_PAGE_MODIFIED);
    vs_pt_write(process, vpn, vs_pte_make_transition(frame, mm));
    return true;
}

/* The pages of the views at index that find the section's page there, all but the owner's own
 * (process, vpn): the indexes of their views, one with the page mapped first (when the page is
 * valid, a mapping of it must be the one that keeps it). Pages a huge page's PMD maps are not
 * among them: holders counts those whose PMD maps the section's page there (a run's page, which
 * their PMDs keep whatever comes to the index: largeshared.c). */
typedef struct Finders {
    size_t *finder;
    size_t count;
    size_t holders;
} Finders;

/* Whether the process's page at vpn lies under a PMD of a huge page a fork shares; *holds, whether
 * that PMD maps the section's page at index. */
static bool under_shared_pmd(const VsProcess *process, uint64_t vpn, const VsSection *section,
                             uint64_t index, bool *holds)
{
    uint64_t base = vpn & ~(vs_large_page_pages(process->system->layout) - 1);
    if (!vs_large_page_is_shared(process, base))
        return false;
    uint64_t proto = vs_prototype_read(section, index);
    *holds =
        vs_pte_is_valid(proto) && vs_pte_frame(proto) == vs_pte_frame(vs_pt_read(process, vpn));
    return true;
}

static void find_finders(const CloneViews *views, const VsProcess *owner, uint64_t owner_vpn,
                         uint64_t index, Finders *out)
{
    out->count = out->holders = 0;
    for (size_t k = 0; k < views->count; k++) {
        const CloneView *v = &views->view[k];
        uint64_t vpn = view_vpn(v->vad, index);
        bool holds = false;
        if (vpn == UINT64_MAX || (v->process == owner && vpn == owner_vpn))
            continue;
        if (under_shared_pmd(v->process, vpn, vs_mapped_vad(v->vad)->section, index, &holds)) {
            out->holders += holds;
            continue;
        }
        if (!finds_section_page(v->process, vpn))
            continue;
        out->finder[out->count++] = k;
        if (out->count > 1 && vs_pte_is_valid(vs_pt_read(v->process, vpn))) {
            out->finder[out->count - 1] = out->finder[0];
            out->finder[0] = k;
        }
    }
}

/* Where the section's entry at index is demand zero, the pages of other views that would find
 * what comes in get demand-zero PTEs of their own. */
static bool hide_finders(const CloneViews *views, const VsProcess *owner, uint64_t owner_vpn,
                         uint64_t index, Finders *finders)
{
    find_finders(views, owner, owner_vpn, index, finders);
    for (size_t n = 0; n < finders->count; n++) {
        const CloneView *v = &views->view[finders->finder[n]];
        if (!hide(v->process, v->vad, view_vpn(v->vad, index)))
            return false;
    }
    return true;
}

/*
 * Empties the section's entry at index for the owner's page at owner_vpn, which it shares next:
 * every other page that finds what is there loses it - the first keeps it as its own, the others
 * get copies - and where the entry is demand zero, every other page that would find what comes
 * in gets a demand-zero PTE of its own. A page of a huge page that PMDs map stays theirs,
 * detached from the index (every other page finding it gets a copy: Linux would leave it mapped
 * there too, a difference pagemap and Pss can tell). False (what was done stays consistent) when
 * the host or the frames run out.
 */
static bool make_room(VsProcess *owner, uint64_t owner_vpn, VsSection *section, uint64_t index,
                      const CloneViews *views, Finders *finders)
{
    VsSystem *system = owner->system;
    for (;;) {
        if (initial(section, index))
            return hide_finders(views, owner, owner_vpn, index, finders);
        find_finders(views, owner, owner_vpn, index, finders);
        if (finders->holders && finders->count == 0) { /* the PMDs' alone */
            vs_large_page_detach(section, index);
            continue;
        }
        if (finders->count == 0) { /* nobody's page: let it go */
            leave_run(system, section, index);
            vs_section_discard(system, section, index, index);
            return true;
        }
        if (finders->count == 1 && !finders->holders) {
            const CloneView *k = &views->view[finders->finder[0]];
            leave_run(system, section, index);
            return keep_as_own(k->process, k->vad, view_vpn(k->vad, index), section, index);
        }
        uint64_t from, frame = vs_pfn_take(system, false, &from);
        if (frame == VS_PFN_NONE)
            return false;
        /* Taking a frame may have trimmed or repurposed pages: look again before copying. */
        find_finders(views, owner, owner_vpn, index, finders);
        if (initial(section, index) || finders->count + (finders->holders != 0) < 2) {
            vs_pfn_release(system, frame);
            continue;
        }
        const CloneView *v = &views->view[finders->finder[finders->count - 1]];
        if (!give_copy(v->process, v->vad, view_vpn(v->vad, index), section, index, frame)) {
            vs_pfn_release(system, frame);
            return false;
        }
    }
}

/* ---- Putting a page in ------------------------------------------------------------------------
 */

/* The owner's own page at vpn (private: valid, transition or paged out) becomes the section's at
 * index, whose entry is empty: shared from now on, the owner mapping it copy-on-write. A lazily
 * freed page stays so (smaps' LazyFree counts it in both processes), though MADV_FREE and
 * MADV_PAGEOUT leave a shared page alone. */
static void put_page(VsProcess *owner, VsVad *vad, VsSection *section, uint64_t index, uint64_t vpn)
{
    VsSystem *system = owner->system;
    uint64_t pte = vs_pt_read(owner, vpn);
    VsPfn *pfn = vs_pte_is_resident(pte) ? &system->pfn.frames[vs_pte_frame(pte)] : NULL;
    uint64_t slot = pfn ? vs_pte_pagefile_slot(pfn->original_pte) : vs_pte_pagefile_slot(pte);
    if (vs_pte_is_valid(pte)) {
        uint64_t frame = vs_pte_frame(pte);
        if (pte & VS_PTE_DIRTY) {
            vs_capture_dirty(owner, frame);
            slot = 0; /* a store made the page-file copy stale: the capture freed its slot */
        }
        VsWsle entry = *vs_ws_entry(owner, vpn, frame);
        vs_ws_remove(owner, vpn, frame);
        pfn->flags |= VS_PFN_PROTOTYPE;
        vs_ws_insert(owner, vpn, frame, vad->protection);
        vs_ws_entry(owner, vpn, frame)->age = entry.age;
        vs_ws_entry(owner, vpn, frame)->locked = entry.locked;
        vs_prototype_write(section, index, vs_pte_make_valid(frame, section->protection));
        vs_pt_write(owner, vpn, vs_pte_make_valid(frame, vad->protection) | VS_PTE_ACCESSED);
    } else if (pfn) {
        pfn->flags |= VS_PFN_PROTOTYPE;
        vs_prototype_write(section, index,
                           vs_pte_make_transition(vs_pte_frame(pte), section->protection));
        vs_pt_write(owner, vpn, 0);
    } else {
        vs_prototype_write(section, index, vs_pte_make_pagefile(slot, section->protection));
        vs_pt_write(owner, vpn, 0);
    }
    if (pfn) {
        pfn->pid = section->id;
        pfn->vpn = index;
        pfn->original_pte = vs_pte_make_pagefile(slot, section->protection);
    }
}

/* Whether the owner's PTE holds a page of its own that fork shares: private and resident, in a
 * list, or paged out (a demand-zero PTE of its own holds nothing). */
static bool own_page(const VsProcess *owner, uint64_t pte)
{
    if (vs_pte_is_valid(pte) || vs_pte_is_transition(pte))
        return !(owner->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE);
    return vs_pte_is_pagefile(pte);
}

/* The parent's huge pages of its own in vad go into the section whole, each a run of pages at
 * their indexes (made room for first), which its PMD, write-protected, maps on and the child's will
 * too (copy_huge_pmd); the huge zero page too, a run of zeros both map until a store gives the
 * writer a huge page of its own. False when the host or the frames run out. */
static bool share_huge_pages(VsProcess *parent, VsVad *vad, VsSection *section,
                             const CloneViews *views, Finders *finders)
{
    uint64_t span = vs_large_page_pages(parent->system->layout);
    for (uint64_t vpn = vs_pt_next_large(parent, vad->starting_vpn, vad->ending_vpn);
         vpn <= vad->ending_vpn; vpn = vs_pt_next_large(parent, vpn + span, vad->ending_vpn)) {
        uint64_t index = vs_view_prototype_index(vad, vpn);
        if (vs_large_page_is_shared(parent, vpn))
            continue;
        for (uint64_t i = 0; i < span; i++)
            if (!make_room(parent, vpn + i, section, index + i, views, finders))
                return false;
        if (!vs_prototype_prepare(section, index, index + span - 1))
            return false;
        vs_large_page_share(parent, vpn, section, index, vad->protection);
    }
    return true;
}

/* ---- Fork sections and the VMAs that map them ---------------------------------------------- */

static uint64_t first_of(const VsVad *vad) { return vs_mapped_vad(vad)->first_prototype; }

/* A new fork section of pages pages: committed demand zero, mapped by no VMA yet. */
static VsSection *new_section(VsSystem *system, uint64_t pages)
{
    VsSection *section;
    if (!NT_SUCCESS(vs_section_create(system, NULL, pages * VS_PAGE_SIZE, MM_EXECUTE_READWRITE,
                                      SEC_COMMIT, NULL, &section)))
        return NULL;
    return section;
}

/* Grows the section to hold index (its new pages demand zero, charged as they come). */
static void reach(VsSystem *system, VsSection *section, uint64_t index)
{
    if (index < section->pages)
        return;
    vs_section_charge(system, section, (int64_t)(index + 1 - section->pages));
    section->pages = index + 1;
    section->size = section->pages * VS_PAGE_SIZE;
}

/* Whether every entry of from, moved up by shift, lands on an empty entry of to. */
static bool fits(const VsSection *from, const VsSection *to, uint64_t shift)
{
    uint64_t last = from->pages - 1;
    for (uint64_t j = vs_prototype_next(from, 0, last); j <= last;
         j = vs_prototype_next(from, j + 1, last))
        if (j + shift < to->pages && !initial(to, j + shift))
            return false;
    return true;
}

/* The pages of to's own views at the indexes entries just moved to that no PTE holds get
 * demand-zero PTEs of their own: what arrived there was never theirs. */
static void hide_arrivals(const CloneViews *views, const uint64_t *moved, size_t count)
{
    for (size_t k = 0; k < views->count; k++)
        for (size_t m = 0; m < count; m++) {
            const CloneView *v = &views->view[k];
            uint64_t vpn = view_vpn(v->vad, moved[m]);
            if (vpn != UINT64_MAX && vs_pt_read(v->process, vpn) == 0)
                hide(v->process, v->vad, vpn); /* no room in the host: it finds the page */
        }
}

/* The detached pages of the huge pages the view's PMDs map (largeshared.c: in no entry of from,
 * so not moved with them) record their place in to: shift entries up. */
static void move_detached(const CloneView *view, const VsSection *from, const VsSection *to,
                          uint64_t shift)
{
    VsSystem *system = view->process->system;
    uint64_t span = vs_large_page_pages(system->layout);
    const VsVad *vad = view->vad;
    for (uint64_t vpn = vs_pt_next_large(view->process, vad->starting_vpn, vad->ending_vpn);
         vpn <= vad->ending_vpn;
         vpn = vs_pt_next_large(view->process, vpn + span, vad->ending_vpn)) {
        uint64_t first = vs_pte_frame(vs_pt_large_pde(view->process, vpn));
        for (uint64_t f = first; f < first + span; f++) {
            VsPfn *pfn = &system->pfn.frames[f];
            if (vs_large_page_in_run(system, f) && pfn->pid == from->id) {
                pfn->pid = to->id;
                pfn->vpn += shift;
            }
        }
    }
}

/*
 * Moves every page of section from to section to, shift entries up (fits said they land on empty
 * ones), and every VMA mapping from maps to instead, at the same pages; from goes. False, with
 * nothing moved, when the host has no room for the entries.
 */
static bool clone_move(VsSystem *system, VsSection *from, VsSection *to, uint64_t shift)
{
    uint64_t last = from->pages - 1, count = 0;
    for (uint64_t j = vs_prototype_next(from, 0, last); j <= last;
         j = vs_prototype_next(from, j + 1, last), count++) {
        reach(system, to, j + shift);
        if (!vs_prototype_prepare(to, j + shift, j + shift)) {
            vs_prototype_release_empty(to, 0, to->pages - 1);
            return false;
        }
    }
    CloneViews views = {0}, residents = {0};
    uint64_t *moved = malloc((count ? count : 1) * sizeof *moved);
    if (!moved || !views_of(system, from, &views) || !views_of(system, to, &residents)) {
        free(moved);
        free(views.view);
        vs_prototype_release_empty(to, 0, to->pages - 1);
        return false;
    }
    count = 0;
    for (uint64_t j = vs_prototype_next(from, 0, last); j <= last;
         j = vs_prototype_next(from, j + 1, last)) {
        uint64_t pte = vs_prototype_read(from, j);
        if (vs_pte_is_resident(pte)) {
            system->pfn.frames[vs_pte_frame(pte)].pid = to->id;
            system->pfn.frames[vs_pte_frame(pte)].vpn = j + shift;
        }
        vs_prototype_write(to, j + shift, pte);
        vs_prototype_write(from, j, vs_prototype_initial(from));
        moved[count++] = j + shift;
    }
    hide_arrivals(&residents, moved, count);
    for (size_t k = 0; k < views.count; k++)
        move_detached(&views.view[k], from, to, shift);
    for (size_t k = 0; k < views.count; k++) {
        VsMappedVad *view = vs_mapped_vad(views.view[k].vad);
        view->section = to;
        view->first_prototype += shift;
        reach(system, to, view->first_prototype + vs_vma_pages(views.view[k].vad) - 1);
        to->views++;
        from->views--;
    }
    free(moved);
    free(views.view);
    free(residents.view);
    vs_section_dereference(system, from);
    return true;
}

/* Moves the section's pages up by shift into a new, larger section, which every VMA mapping it
 * maps from then on: room for indexes below its first. NULL when the host has no room. */
static VsSection *rebase(VsSystem *system, VsSection *section, uint64_t shift)
{
    VsSection *larger = new_section(system, section->pages + shift);
    if (!larger)
        return NULL;
    larger->handles = 1; /* held while empty: the move maps it */
    bool moved = clone_move(system, section, larger, shift);
    larger->handles = 0;
    if (!moved) {
        vs_section_dereference(system, larger);
        return NULL;
    }
    return larger;
}

/* A private anonymous VMA without a fork section maps section from index first on: its pages of
 * its own stay its own, and its pages no PTE holds, which were demand zero, stay so (hidden where
 * the section holds something at their index). */
static void adopt(VsProcess *process, VsVad *vad, VsSection *section, uint64_t first)
{
    VsVma *vma = vs_vma(vad);
    vma->mapped.section = section;
    vma->mapped.first_prototype = first;
    section->views++;
    vad->kind = VS_VAD_MAPPED;
    vad->private_memory = 0;
    vad->mem_commit = 0;
    vad->protection = vs_vma_mm_protection(vad);
    uint64_t last = first + vs_vma_pages(vad) - 1;
    for (uint64_t i = vs_prototype_next(section, first, last); i <= last;
         i = vs_prototype_next(section, i + 1, last)) {
        uint64_t vpn = vad->starting_vpn + (i - first);
        if (vs_pt_read(process, vpn) == 0)
            hide(process, vad, vpn); /* no room in the host: it would find the section's page */
    }
}

/* ---- What fork, merges and growth ask ------------------------------------------------------- */

/*
 * Fork (dup_mmap, copy_page_range): the parent's private anonymous VMA is to be shared with a
 * child, which will map the VMA's fork section - made now if it has none. Every page of its own
 * the parent holds goes into the section at its index (make_room empties the entry first); pages
 * it finds there stay there. False when the host or the frames run out (the pages moved so far
 * stay shared: a consistent state).
 */
bool vs_clone_share(VsProcess *parent, VsVad *vad)
{
    VsSystem *system = parent->system;
    VsSection *section = vs_mapped_vad(vad)->section;
    if (!section) {
        if (!(section = new_section(system, vs_vma_pages(vad))))
            return false;
        adopt(parent, vad, section, 0);
    }
    reach(system, section, vs_view_prototype_index(vad, vad->ending_vpn));
    CloneViews views;
    if (!views_of(system, section, &views))
        return false;
    Finders finders = {malloc(views.count * sizeof(size_t)), 0, 0};
    bool ok = finders.finder != NULL;
    for (uint64_t vpn = vs_pt_next_present(parent, vad->starting_vpn, vad->ending_vpn);
         ok && vpn <= vad->ending_vpn; vpn = vs_pt_next_present(parent, vpn + 1, vad->ending_vpn)) {
        uint64_t index = vs_view_prototype_index(vad, vpn);
        if (!own_page(parent, vs_pt_read(parent, vpn)))
            continue;
        ok = make_room(parent, vpn, section, index, &views, &finders) &&
             vs_prototype_prepare(section, index, index);
        if (ok && own_page(parent, vs_pt_read(parent, vpn))) /* not repurposed meanwhile */
            put_page(parent, vad, section, index, vpn);
    }
    ok = ok && share_huge_pages(parent, vad, section, &views, &finders);
    free(finders.finder);
    free(views.view);
    vs_prototype_release_empty(section, 0, section->pages - 1);
    vs_pt_release_empty(parent, vad->starting_vpn, vad->ending_vpn);
    return ok;
}

/* The index a VMA without a fork section would have in section, next to its neighbour n (which
 * maps it), below it or above: where its vm_pgoff lands. */
static uint64_t index_beside(const VsVad *vad, const VsVad *n, bool below)
{
    return below ? first_of(n) - vs_vma_pages(vad) : first_of(n) + vs_vma_pages(n);
}

/*
 * Before two neighbouring private anonymous VMAs, lower and upper, become one (their vm_pgoffs
 * follow on): makes them map one fork section at indexes that follow on too, if either maps one
 * - the other adopts it, or the upper one's moves into the lower one's. False when that cannot
 * be (the host's memory, or two pages for one index): then they stay two.
 */
bool vs_clone_join(VsProcess *process, VsVad *lower, VsVad *upper)
{
    VsSystem *system = process->system;
    VsSection *a = vs_mapped_vad(lower)->section, *b = vs_mapped_vad(upper)->section;
    if (a == b)
        return true;
    if (!a) {
        if (first_of(upper) < vs_vma_pages(lower) &&
            !rebase(system, b, vs_vma_pages(lower) - first_of(upper)))
            return false;
        b = vs_mapped_vad(upper)->section;
        adopt(process, lower, b, index_beside(lower, upper, true));
        return true;
    }
    if (!b) {
        adopt(process, upper, a, index_beside(upper, lower, false));
        reach(system, a, first_of(upper) + vs_vma_pages(upper) - 1);
        return true;
    }
    /* b's pages move up into a by shift; b's lowest index (entry or view) must not go below 0. */
    uint64_t target = index_beside(upper, lower, false), low = first_of(upper);
    CloneViews views;
    if (!views_of(system, b, &views))
        return false;
    for (size_t k = 0; k < views.count; k++)
        low = vs_min(low, first_of(views.view[k].vad));
    free(views.view);
    low = vs_min(low, vs_prototype_next(b, 0, b->pages - 1));
    uint64_t down = first_of(upper) - low; /* how far below upper's first b reaches */
    if (target < down) {
        if (!rebase(system, a, down - target))
            return false;
        a = vs_mapped_vad(lower)->section;
        target = index_beside(upper, lower, false);
    }
    uint64_t shift = target - first_of(upper); /* wraps for a move down: added, it still fits */
    return fits(b, a, shift) && clone_move(system, b, a, shift);
}

/* Before a VMA's start moves down by grow pages (a stack growing): its fork section, if any, is
 * made to reach that far down. False when the host has no room. */
bool vs_clone_reach_down(VsProcess *process, VsVad *vad, uint64_t grow)
{
    VsSection *section = vs_mapped_vad(vad)->section;
    if (!section || vs_vma_file(vad) || first_of(vad) >= grow)
        return true;
    return rebase(process->system, section, grow - first_of(vad)) != NULL;
}

/* After a VMA grew in place over [first_vpn, last_vpn] (mremap upward, a stack downward): the fork
 * section may hold pages at the indexes the new pages take - pages other processes still share,
 * left there when this one unmapped that part - which Linux's new pages never are (a fault there
 * gets a fresh page). The new pages get demand-zero PTEs of their own where the section holds
 * something. False when the host has no room for a page table. */
bool vs_clone_hide_grown(VsProcess *process, VsVad *vad, uint64_t first_vpn, uint64_t last_vpn)
{
    VsSection *section = vs_mapped_vad(vad)->section;
    if (!section || vs_vma_file(vad))
        return true;
    for (uint64_t vpn = first_vpn; vpn <= last_vpn; vpn++) {
        uint64_t index = vs_view_prototype_index(vad, vpn);
        if (index < section->pages && !initial(section, index) && !hide(process, vad, vpn))
            return false;
    }
    return true;
}

/* The section page behind the process's page at vpn becomes its own when no other process finds it
 * there - Linux's page mapped by this process alone (MADV_FREE frees only such): true if the page
 * is now its own. A page a huge page's PMD maps stays as it is (the PMD goes whole or not at
 * all). */
bool vs_clone_take_alone(VsProcess *process, VsVad *vad, uint64_t vpn)
{
    VsSection *section = vs_mapped_vad(vad)->section;
    if (!section || vs_vma_file(vad))
        return false;
    uint64_t index = vs_view_prototype_index(vad, vpn);
    bool holds;
    if (initial(section, index) || !finds_section_page(process, vpn) ||
        under_shared_pmd(process, vpn, section, index, &holds))
        return false;
    CloneViews views;
    if (!views_of(process->system, section, &views))
        return false;
    Finders finders = {malloc(views.count * sizeof(size_t)), 0, 0};
    bool alone = finders.finder != NULL;
    if (alone) {
        find_finders(&views, process, vpn, index, &finders);
        alone = finders.count == 0 && !finders.holders;
        if (alone)
            leave_run(process->system, section, index);
        alone = alone && keep_as_own(process, vad, vpn, section, index);
    }
    free(finders.finder);
    free(views.view);
    return alone;
}

/* ---- Huge pages a fork shares ---------------------------------------------------------------- */

/*
 * A store to the huge page a fork shares that the process's PMD maps at base (do_huge_pmd_wp_page):
 * when no other process maps or finds any of its pages any more, the process takes it whole, its
 * PMD writable again; else its own PMD is split (the others keep theirs) and the store's fault
 * copies the one page it writes (do_wp_page). STATUS_INSUFFICIENT_RESOURCES when no frame is left
 * for the page table.
 */
VsStatus vs_clone_huge_store(VsProcess *process, VsVad *vad, uint64_t base)
{
    uint64_t span = vs_large_page_pages(process->system->layout);
    uint64_t index = vs_view_prototype_index(vad, base);
    CloneViews views;
    bool alone = views_of(process->system, vs_mapped_vad(vad)->section, &views);
    Finders finders = {alone ? malloc(views.count * sizeof(size_t)) : NULL, 0, 0};
    alone = alone && finders.finder;
    uint64_t first = vs_pte_frame(vs_pt_large_pde(process, base));
    for (uint64_t i = 0; alone && i < span; i++) {
        if (vs_large_page_detached(process->system, first + i)) { /* the PMDs' alone */
            alone = process->system->pfn.frames[first + i].share_count == 1;
            continue;
        }
        find_finders(&views, process, base + i, index + i, &finders);
        alone = finders.count == 0 && !finders.holders;
    }
    free(finders.finder);
    free(views.view);
    if (alone) {
        vs_large_page_take(process, base, vs_mm_written(vad->protection));
        return STATUS_SUCCESS;
    }
    return vs_large_page_split(process, base);
}

/* The child's huge pages in its copy of vad (copy_huge_pmd): each the parent's PMD maps (all
 * shared by now: share_huge_pages) the child's PMD maps too, write-protected. False when no frame
 * is left for a table above a PMD. */
bool vs_clone_copy_huge(VsProcess *parent, const VsVad *vad, VsProcess *child, const VsVad *copy)
{
    uint64_t span = vs_large_page_pages(parent->system->layout);
    if (!parent->shared_large_pages)
        return true;
    for (uint64_t vpn = vs_pt_next_large(parent, vad->starting_vpn, vad->ending_vpn);
         vpn <= vad->ending_vpn; vpn = vs_pt_next_large(parent, vpn + span, vad->ending_vpn)) {
        uint64_t pde = vs_pt_large_pde(parent, vpn);
        if (!NT_SUCCESS(vs_large_page_map_shared(child, vpn, pde, copy->protection)))
            return false;
    }
    return true;
}
