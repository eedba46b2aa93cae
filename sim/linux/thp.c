/*
 * thp.c - transparent huge pages in anonymous private memory (mm/huge_memory.c
 * __thp_vma_allowable_orders, do_huge_pmd_anonymous_page, __split_huge_pmd).
 *
 * A fault on a page of an eligible VMA, in a 2 MB-aligned range wholly inside it whose page table
 * does not exist yet (pmd_none), gets one huge page for the whole range: 512 zeroed frames in a
 * row from a 2 MB boundary, mapped by one PMD leaf, which is the NT core's large PDE (largepage.c
 * finds the run as it does for Windows' large pages, but empties no working set: a fault that
 * finds no run falls back to a 4 KB page, as a kernel does whose defrag setting lets it stall no
 * longer). A store maps a huge page of the process's own, which smaps counts in AnonHugePages; a
 * load maps the huge zero page (transparent_hugepage/use_zero_page, 1 by default: without it a
 * load too gets a huge page of its own): read-only zeros that mincore shows resident, all 512
 * pages, and smaps counts nowhere. The model gives it frames of its own, a large PDE left clean;
 * the first store anywhere in it replaces it with a huge page of the process's own (6.12+:
 * do_huge_zero_wp_pmd), even after MADV_NOHUGEPAGE. Either fault gives the VMA its anon_vma
 * (vmf_anon_prepare comes first), a load too, unlike a 4 KB load of the zero page.
 *
 * Eligible: the machine's mode (system->config.thp: enabled=always, or madvise and the VMA given
 * MADV_HUGEPAGE, VM_HUGEPAGE; never: none), not VM_NOHUGEPAGE (MADV_NOHUGEPAGE, MAP_STACK), private
 * anonymous memory, forked or not, with a vm_pgoff that keeps the range aligned to the VMA's start
 * (thp_vma_suitable_order). In a forked VMA (a view of its fork section: clone.c) the range must
 * hold nothing the process finds: no page of its own, none of the fork section's.
 *
 * Across fork (copy_huge_pmd) a huge page is shared whole: it becomes a run of the fork section's
 * pages (largeshared.c) that the parent's PMD and the child's map, write-protected; smaps counts
 * it in both (AnonHugePages, Pss half). A store splits the writer's PMD alone and copies the one
 * page it writes; a store by the only process still mapping it takes it whole
 * (do_huge_pmd_wp_page). The huge zero page is shared the same way, a run of zeros with clean
 * PMDs (Linux's is one for the whole system), until a store gives the writer a huge page of its
 * own. mremap moves a shared PMD whole (its PTEs moved, then one PMD again:
 * vs_large_page_reform); MADV_FREE, COLD and PAGEOUT leave a shared one alone
 * (madvise_free_huge_pmd, madvise_cold_or_pageout_pte_range skip a huge page that may be mapped
 * shared).
 *
 * A huge page stays whole until something needs its 4 KB pieces: a VMA boundary inside it (a
 * split VMA: munmap, mprotect or madvise of part of it), MADV_DONTNEED, MADV_FREE, MADV_COLD or
 * MADV_PAGEOUT of part of it: then it is split, its frames staying, as 512 PTEs in a page table,
 * each page an ordinary one in the working set (the huge zero page's as 512 zero pages, each
 * resident and never written). FREE, COLD and PAGEOUT split the huge page itself (split_folio),
 * and its pages holding only zeros become the zero page (remap_page, 6.12+); they leave the huge
 * zero page whole, whatever part they name. MADV_FREE of all of a written one frees it lazily,
 * whole (LazyFree 2048; a store writes it again, MADV_PAGEOUT drops it whole). Deleting a huge
 * page whole frees it whole (commit.c); mprotect of all of it re-protects its PMD
 * (change_huge_pmd).
 *
 * Where the model parts from the kernel (docs/model.md says the same): mremap moves PTEs only, so
 * it splits them all and maps those the kernel keeps whole with one PMD again (vs_thp_remake, the
 * same frames); khugepaged never collapses ranges, and reclaim never splits one; the huge zero page
 * costs the model 512 frames per process that faulted it (its forks share them), where the
 * kernel has one.
 */
#include <stdlib.h>

#include "linux.h"

/* Pages in one huge page (HPAGE_PMD_NR): a large PDE's. */
static uint64_t huge_pages(const VsProcess *process)
{
    return vs_large_page_pages(process->system->layout);
}

/* Whether the process's PDEs map any huge page: its own, or one a fork shares. */
static bool has_huge(const VsProcess *process)
{
    return process->large_pages || process->shared_large_pages;
}

/* Private anonymous memory: a VMA of its own pages, or one a fork left shared (a view of its fork
 * section: clone.c). */
static bool anonymous_private(const VsVad *vad)
{
    return vs_vma_is_anonymous(vad) && !(vs_vma(vad)->vm_flags & VS_VM_SHARED);
}

/* Whether the machine's mode and the VMA's flags let it have huge pages
 * (__thp_vma_allowable_orders and vma_thp_disabled for an anonymous VMA). */
static bool thp_allowed(const VsProcess *process, const VsVad *vad)
{
    VsVmFlags flags = vs_vma(vad)->vm_flags;
    VsThpMode mode = process->system->config.thp;
    if (mode == VS_THP_NEVER || (flags & VS_VM_NOHUGEPAGE) || !anonymous_private(vad))
        return false;
    return mode == VS_THP_ALWAYS || (flags & VS_VM_HUGEPAGE);
}

/* The checker's hook: a VMA of private anonymous memory may hold huge pages (whatever its flags
 * say now: MADV_NOHUGEPAGE leaves those it has), forked or not. */
bool vs_linux_private_large_page(const VsVad *vad) { return anonymous_private(vad); }

/* The protection a huge page of the process's own takes in vad: the VMA's, a forked VMA's
 * copy-on-write made plain (the page is the process's alone, as a 4 KB page it copied is). */
static uint32_t own_protection(const VsVad *vad) { return vs_mm_written(vad->protection); }

/* Whether the 2 MB range from base holds nothing (Linux's pmd_none): no page table, or, in a
 * forked VMA, one whose PTEs are only demand-zero PTEs of the process's own (pages it dropped:
 * zap.c) and zero PTEs where the fork section holds nothing; and no fork section page found
 * there. */
static bool range_empty(const VsProcess *process, const VsVad *vad, uint64_t base)
{
    uint64_t span = huge_pages(process);
    const uint64_t *leaf = vs_pt_leaf(process, base);
    if (vs_pt_large_pde(process, base) || (leaf && !vs_vad_is_view(vad)))
        return false;
    if (!vs_vad_is_view(vad))
        return true;
    const VsSection *section = vs_mapped_vad(vad)->section;
    uint64_t index = vs_view_prototype_index(vad, base);
    for (uint64_t i = 0; i < span; i++) {
        uint64_t pte = leaf ? leaf[vs_pt_leaf_index(process, base + i)] : 0;
        if (pte) {
            if (vs_pte_is_resident(pte) || vs_pte_is_pagefile(pte) || vs_pte_is_proto(pte) ||
                pte == VS_PTE_DECOMMITTED)
                return false; /* a page, or a way to the section's */
        } else if (index + i < section->pages &&
                   vs_prototype_read(section, index + i) != vs_prototype_initial(section)) {
            return false; /* the zero PTE finds the section's page */
        }
    }
    return true;
}

/* Clears the range from base for a huge page of the process's own: its PTEs (demand-zero ones in
 * a forked VMA, which the huge page needs no longer to hide anything: it is its own) and its
 * page table. */
static void clear_range(VsProcess *process, VsVad *vad, uint64_t base)
{
    uint64_t last = base + huge_pages(process) - 1;
    if (!vs_vad_is_view(vad)) {
        vs_vma_zap(process, vad, base, last);
        return;
    }
    vs_delete_pages(process, vad, base, last);
    vs_pt_release_empty(process, base, last);
}

/*
 * A fault on page vpn of vad (a store, or a load), which no PTE maps: maps the huge page holding
 * it - for a load, where the machine uses it, the huge zero page - when the VMA is eligible and
 * the 2 MB range around it lies wholly inside it with no page table yet; either gives the VMA its
 * anon_vma first. Nothing happens otherwise, or when no run of frames is free (the fault then
 * maps a 4 KB page).
 */
void vs_thp_fault(VsProcess *process, VsVad *vad, uint64_t vpn, bool write)
{
    uint64_t span = huge_pages(process), base = vpn & ~(span - 1);
    if (!vad || !thp_allowed(process, vad) || base < vad->starting_vpn ||
        base + span - 1 > vad->ending_vpn ||
        (vad->starting_vpn - vs_vma(vad)->vm_pgoff) % span != 0 || !range_empty(process, vad, base))
        return;
    vs_vma_anon_prepare(process, vad);
    bool zero = !write && !process->system->config.thp_no_zero_page;
    if (vs_pt_leaf(process, base))
        clear_range(process, vad, base);
    vs_large_page_map_private(process, base, own_protection(vad), zero);
}

/* Whether the huge page whose first page is base was written (not the huge zero page): its PDE
 * dirty, or its frames lazily freed (MADV_FREE of all of it leaves it clean). */
static bool written(const VsProcess *process, uint64_t base)
{
    uint64_t pde = vs_pt_large_pde(process, base);
    return (pde & VS_PTE_DIRTY) ||
           (pde && (process->system->pfn.frames[vs_pte_frame(pde)].flags & VS_PFN_LAZY_FREE));
}

/* A store to page vpn of vad, which the VMA allows (do_huge_pmd_wp_page): where the huge zero
 * page maps it, a huge page of the process's own takes its place (do_huge_zero_wp_pmd; one a fork
 * left in both processes stays the other's); a lazily freed one is written again; where a written
 * huge page a fork shares maps it, the process takes it whole if no other maps it any more, else
 * its own PMD is split and the store's fault copies its one page (clone.c).
 * STATUS_INSUFFICIENT_RESOURCES when no frame is left for the page table of that split. */
VsStatus vs_thp_store(VsProcess *process, VsVad *vad, uint64_t vpn)
{
    uint64_t base = vpn & ~(huge_pages(process) - 1);
    uint64_t pde = has_huge(process) ? vs_pt_large_pde(process, base) : 0;
    if (pde && vs_large_page_is_shared(process, base)) {
        if (written(process, base))
            return vs_clone_huge_store(process, vad, base);
        vs_large_page_unmap_shared(process, base); /* without a free run, the store's fault */
        vs_large_page_map_private(process, base, own_protection(vad), false); /* copies a page */
        return STATUS_SUCCESS;
    }
    if (pde && !(pde & VS_PTE_DIRTY))
        vs_large_page_dirty(process, base);
    return STATUS_SUCCESS;
}

/* Whether it was written and is the process's own (not one a fork shares). */
static bool own_written(const VsProcess *process, uint64_t base)
{
    return written(process, base) && !vs_large_page_is_shared(process, base);
}

/* Whether MADV_COLLAPSE may make huge pages of vad at all (thp_vma_allowable_order for a forced
 * collapse): private anonymous memory, forked or not (pages a fork shares are copied into the
 * caller's huge page: MADV_COLLAPSE ignores max_ptes_shared), not VM_NOHUGEPAGE, THP not disabled
 * for the process (the model's thp=never: the POSIX agent's PR_SET_THP_DISABLE), whatever the mode
 * says otherwise, and room in the VMA for one aligned 2 MB range. */
static bool collapse_allowed(const VsProcess *process, const VsVad *vad)
{
    uint64_t span = huge_pages(process), first = (vad->starting_vpn + span - 1) & ~(span - 1);
    return process->system->config.thp != VS_THP_NEVER &&
           !(vs_vma(vad)->vm_flags & VS_VM_NOHUGEPAGE) && anonymous_private(vad) &&
           (vad->starting_vpn - vs_vma(vad)->vm_pgoff) % span == 0 &&
           first + span - 1 <= vad->ending_vpn;
}

/* Whether the range from base has a page table in Linux's terms: the model's, or, in a forked VMA,
 * pages of the fork section it finds there (fork copied the parent's PTEs for those). */
static bool range_has_table(const VsProcess *process, const VsVad *vad, uint64_t base)
{
    if (vs_pt_leaf(process, base))
        return true;
    if (!vs_vad_is_view(vad))
        return false;
    const VsSection *section = vs_mapped_vad(vad)->section;
    uint64_t index = vs_view_prototype_index(vad, base), span = huge_pages(process);
    uint64_t last = vs_min(index + span, section->pages) - 1;
    return index < section->pages && vs_prototype_next(section, index, last) <= last;
}

/* Collapses the 2 MB range from base (collapse_huge_page): a run claimed, the range's pages copied
 * into it, the pages and their table dropped, one PMD mapping the run. 0, or ENOMEM when no run is
 * whole. */
/* Fills frame with the bytes the process's page at vpn of vad holds, as a load would read them
 * but without faulting anything in: its own page's, resident or in the page file, or, in a forked
 * VMA, the fork section's page it finds; zeros where it has none. */
static void fill_with_page(VsProcess *process, const VsVad *vad, uint64_t vpn, uint64_t frame)
{
    VsSystem *system = process->system;
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_vad_is_view(vad) && (pte == 0 || vs_pte_is_proto(pte)))
        pte = vs_vma_prototype(vad, vpn); /* what it finds there: the section's page */
    bool ok = true;
    if (vs_pte_is_resident(pte))
        ok = vs_pfn_fill(&system->pfn, frame, system->pfn.frames[vs_pte_frame(pte)].data,
                         VS_PAGE_SIZE);
    else if (vs_pte_is_pagefile(pte) && vs_pte_pagefile_slot(pte))
        ok = vs_pagefile_read(&system->pagefile, vs_pte_pagefile_slot(pte), &system->pfn, frame);
    if (!ok)
        abort(); /* the host is out of memory: no state to go back to */
}

static int collapse_one(VsProcess *process, VsVad *vad, uint64_t base)
{
    uint64_t span = huge_pages(process);
    uint64_t first = vs_large_page_claim(process, base, own_protection(vad));
    if (first == VS_PFN_NONE)
        return VS_ENOMEM;
    for (uint64_t i = 0; i < span; i++)
        fill_with_page(process, vad, base + i, first + i);
    clear_range(process, vad, base);
    vs_large_page_map_claimed(process, base, first, own_protection(vad));
    return 0;
}

/*
 * MADV_COLLAPSE on [start_vpn, end_vpn] of vad (madvise_collapse, 6.1+): the 2 MB-aligned ranges
 * wholly inside it become huge pages now, one after the other, whatever the mode and the VMA's
 * MADV_HUGEPAGE say, their pages' bytes kept (pages the zero page maps, or none, included). A
 * range a huge page maps already (the huge zero page too) is done. The first that cannot be
 * collapsed stops the call, those before it collapsed: the VMA has no anon_vma yet or the range
 * no page table (EINVAL), or no run of frames is whole (ENOMEM). A VMA that may not have huge
 * pages (collapse_allowed) is EINVAL, and so is a range that crosses no 2 MB boundary and starts on
 * none (madvise_collapse compares the ranges it collapsed with its rounded-down end less its
 * rounded-up start, which is then below zero). Measured on 6.18
 * (tests/verify-posix/thp-collapse.vsim).
 */
int vs_thp_collapse(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t span = huge_pages(process);
    uint64_t first = (start_vpn + span - 1) & ~(span - 1), end = (end_vpn + 1) & ~(span - 1);
    if (!collapse_allowed(process, vad) || end < first)
        return VS_EINVAL; /* end < first: the kernel's count of ranges to do is below 0 */
    for (uint64_t base = first; base < end; base += span) {
        if (vs_pt_large_pde(process, base))
            continue;
        if (!vs_vma(vad)->anon_vma || !range_has_table(process, vad, base))
            return VS_EINVAL;
        int error = collapse_one(process, vad, base);
        if (error)
            return error;
    }
    return 0;
}

/* Splits the huge page holding page vpn, if vpn is inside one and not its first page (a boundary
 * falls there). 0, or ENOMEM when no frame is left for its page table. */
int vs_thp_split_at(VsProcess *process, uint64_t vpn)
{
    uint64_t span = huge_pages(process), base = vpn & ~(span - 1);
    if (vpn == base || !vs_pt_large_pde(process, base))
        return 0;
    return NT_SUCCESS(vs_large_page_split(process, base)) ? 0 : VS_ENOMEM;
}

/* What vs_thp_split_held notes of a huge page besides its first page (shifted past these bits). */
#define HELD_WRITTEN 1u /* not the huge zero page */
#define HELD_SHARED 2u  /* a fork shares it: its PMD maps the fork section's run */
#define HELD_SHIFT 2

/*
 * Splits every huge page with a page in [start_vpn, end_vpn], as vs_thp_split, noting in *held
 * those wholly inside the range (first page, whether written, whether shared) for vs_thp_remake.
 * mremap moves PTEs only, where the kernel moves a whole PMD that lands 2 MB-aligned as it is
 * (move_huge_pmd) and keeps those a shrink or growth in place does not cut. 0, or ENOMEM (the host
 * or the PFN database out of memory: nothing split then).
 */
int vs_thp_split_held(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, VsThpHeld *held)
{
    uint64_t span = huge_pages(process);
    *held = (VsThpHeld){0};
    if (!has_huge(process))
        return 0;
    uint64_t count = vs_thp_mapped_pages(process, start_vpn, end_vpn, false) / span + 2;
    if (!(held->bases = malloc(count * sizeof *held->bases)))
        return VS_ENOMEM;
    for (uint64_t vpn = vs_pt_next_large(process, start_vpn, end_vpn); vpn <= end_vpn;
         vpn = vs_pt_next_large(process, (vpn | (span - 1)) + 1, end_vpn)) {
        uint64_t base = vpn & ~(span - 1);
        if (base >= start_vpn && base + span - 1 <= end_vpn && held->count < count)
            held->bases[held->count++] = base << HELD_SHIFT |
                                         (written(process, base) ? HELD_WRITTEN : 0) |
                                         (vs_large_page_is_shared(process, base) ? HELD_SHARED : 0);
    }
    int error = vs_thp_split(process, start_vpn, end_vpn);
    if (error) {
        free(held->bases);
        *held = (VsThpHeld){0};
    }
    return error;
}

/*
 * Makes the huge pages *held noted whole again where the range's first page now is at new_vpn and
 * its first pages pages are still mapped there: each that lands 2 MB-aligned and wholly inside
 * them is one huge page again, its frames mapped by one PMD again - one a fork shares, or its own
 * written one (collapsed into a new run where its pages were not all moved as they were) - or the
 * huge zero page. Frees *held.
 */
void vs_thp_remake(VsProcess *process, VsThpHeld *held, uint64_t old_vpn, uint64_t new_vpn,
                   uint64_t pages)
{
    uint64_t span = huge_pages(process);
    for (size_t i = 0; i < held->count; i++) {
        uint64_t offset = (held->bases[i] >> HELD_SHIFT) - old_vpn, base = new_vpn + offset;
        VsVad *vad = vs_vad_locate(&process->vad_root, base);
        if (base % span || offset + span > pages || !vad || base + span - 1 > vad->ending_vpn)
            continue;
        if (held->bases[i] & HELD_SHARED) {
            vs_large_page_reform(process, base, vad->protection, held->bases[i] & HELD_WRITTEN);
        } else if (held->bases[i] & HELD_WRITTEN) {
            if (!vs_large_page_reform_private(process, base, own_protection(vad)))
                collapse_one(process, vad, base); /* its pages moved apart: a new run */
        } else {
            clear_range(process, vad, base);
            vs_large_page_map_private(process, base, own_protection(vad), true);
        }
    }
    free(held->bases);
    *held = (VsThpHeld){0};
}

/* Splits the huge pages [start_vpn, end_vpn] cuts (those only partly inside it). 0 or ENOMEM. */
int vs_thp_split_edges(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    int error = vs_thp_split_at(process, start_vpn);
    return error ? error : vs_thp_split_at(process, end_vpn + 1);
}

/* Splits every huge page with a page in [start_vpn, end_vpn]. 0 or ENOMEM. */
int vs_thp_split(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t span = huge_pages(process);
    if (!has_huge(process))
        return 0;
    for (uint64_t vpn = vs_pt_next_large(process, start_vpn & ~(span - 1), end_vpn); vpn <= end_vpn;
         vpn = vs_pt_next_large(process, (vpn | (span - 1)) + 1, end_vpn))
        if (!NT_SUCCESS(vs_large_page_split(process, vpn & ~(span - 1))))
            return VS_ENOMEM;
    return 0;
}

/* Whether the frame holds only zeros. */
static bool zero_filled(const VsPfn *pfn)
{
    for (size_t i = 0; pfn->data && i < VS_PAGE_SIZE; i++)
        if (pfn->data[i])
            return false;
    return true;
}

/* Splits the huge page of the process's own from base for advice that works page by page on part
 * of it: Linux splits the huge page itself there (split_folio, not only its PMD), and maps the
 * shared zero page where a page holds only zeros (remap_page, RMP_USE_SHARED_ZEROPAGE, 6.12+):
 * such a page is the zero page from then on, never written, counted nowhere. 0 or ENOMEM. */
static int split_folio(VsProcess *process, uint64_t base)
{
    if (!NT_SUCCESS(vs_large_page_split(process, base)))
        return VS_ENOMEM;
    VsPfn *frames = process->system->pfn.frames;
    for (uint64_t vpn = base; vpn < base + huge_pages(process); vpn++) {
        uint64_t pte = vs_pt_read(process, vpn);
        VsPfn *pfn = &frames[vs_pte_frame(pte)];
        if (!zero_filled(pfn))
            continue;
        pfn->flags &= (uint8_t)~VS_PFN_MODIFIED;
        if (vs_pte_is_valid(pte)) {
            vs_pt_write(process, vpn, pte & ~(uint64_t)VS_PTE_DIRTY);
        } else if (pfn->location == VS_PAGE_MODIFIED) { /* PROT_NONE: the split left it there */
            vs_pfn_unlink(&process->system->pfn, vs_pte_frame(pte));
            vs_pfn_insert(&process->system->pfn, vs_pte_frame(pte), VS_PAGE_STANDBY);
        }
    }
    return 0;
}

/* The splits MADV_FREE, COLD and PAGEOUT need: of the written huge pages of the process's own that
 * [start_vpn, end_vpn] cuts (split_folio); never of the huge zero page, nor of one a fork shares
 * (madvise_free_huge_pmd and madvise_cold_or_pageout_pte_range leave a huge page that may be
 * mapped shared alone). 0 or ENOMEM. */
int vs_thp_split_for_advice(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t span = huge_pages(process), edges[2] = {start_vpn, end_vpn + 1};
    for (int i = 0; i < 2 && has_huge(process); i++) {
        uint64_t base = edges[i] & ~(span - 1);
        if (edges[i] != base && own_written(process, base) && split_folio(process, base))
            return VS_ENOMEM;
    }
    return 0;
}

/* MADV_FREE of [start_vpn, end_vpn]: each written huge page of the process's own wholly inside it
 * is freed lazily, whole (madvise_free_huge_pmd; one the range cuts was split first). */
void vs_thp_free_lazily(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t span = huge_pages(process);
    if (!has_huge(process))
        return;
    for (uint64_t vpn = vs_pt_next_large(process, start_vpn, end_vpn); vpn <= end_vpn;
         vpn = vs_pt_next_large(process, vpn + span, end_vpn))
        if (own_written(process, vpn) && vs_pt_large_pde(process, vpn) & VS_PTE_DIRTY)
            vs_large_page_free_lazily(process, vpn);
}

/* Whether the huge page holding vpn is the process's own, lazily freed and not written since:
 * reclaim (MADV_PAGEOUT) drops it whole. */
bool vs_thp_lazily_freed(const VsProcess *process, uint64_t vpn)
{
    uint64_t base = vpn & ~(huge_pages(process) - 1);
    return own_written(process, base) && !(vs_pt_large_pde(process, base) & VS_PTE_DIRTY);
}

/* The huge pages of [start_vpn, end_vpn] of vad, all wholly inside it (the VMA was split at its
 * ends), take the VMA's protection as they are (change_huge_pmd: no split); one a fork shares
 * stays write-protected (the VMA's copy-on-write protection). */
void vs_thp_protect(VsProcess *process, const VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t span = huge_pages(process);
    if (!has_huge(process))
        return;
    for (uint64_t vpn = vs_pt_next_large(process, start_vpn, end_vpn); vpn <= end_vpn;
         vpn = vs_pt_next_large(process, vpn + span, end_vpn))
        vs_large_page_protect(process, vpn,
                              vs_large_page_is_shared(process, vpn) ? vad->protection
                                                                    : own_protection(vad));
}

/* Pages of [start_vpn, end_vpn] that huge pages map: all of them, or (written_only) those of
 * written huge pages, the process's own or shared by a fork, not the huge zero page (smaps'
 * AnonHugePages, in pages). */
uint64_t vs_thp_mapped_pages(const VsProcess *process, uint64_t start_vpn, uint64_t end_vpn,
                             bool written_only)
{
    uint64_t span = huge_pages(process), pages = 0;
    if (!has_huge(process))
        return 0;
    for (uint64_t vpn = vs_pt_next_large(process, start_vpn, end_vpn); vpn <= end_vpn;
         vpn = vs_pt_next_large(process, (vpn | (span - 1)) + 1, end_vpn))
        if (!written_only || written(process, vpn & ~(span - 1)))
            pages += vs_min(end_vpn, vpn | (span - 1)) - vpn + 1;
    return pages;
}
