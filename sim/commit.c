/*
 * commit.c - which pages are committed, with what protection, and the commit charge they hold.
 *
 * The PTE is the only record of a page's commit state; a zero PTE means "ask the VAD" (models
 * MiCheckVirtualAddress and MiIsPteDecommittedPage, WRK mm/pagfault.c, mm/freevm.c):
 *   - a demand-zero PTE (protection only) is committed with that protection;
 *   - a decommitted PTE (protection MM_DECOMMIT) is not committed;
 *   - a zero PTE is committed with the VAD's protection if the VAD is MemCommit (reserved and
 *     committed in one call, so no PTE was ever written), and reserved otherwise.
 * A committed page may also be valid (in a frame, in the working set), transition (its frame on
 * the standby or modified list) or in the page file (a slot holds it); each keeps its protection
 * (fault.c, workingset.c).
 * Commit charge is kept per VAD (MMVAD CommitCharge) and per process (EPROCESS CommitCharge), in
 * pages; the KUSER_SHARED_DATA VAD charges nothing (WRK gives it MM_MAX_COMMIT).
 *
 * Readers walk leaf tables directly and skip absent ones in one step; writers re-read each PTE
 * through vs_pt_read because a write of zero may free the table under them.
 */
#include <stdlib.h>

#include "internal.h"

/* The state of a page of a view whose PTE is zero or in the prototype format: committed when its
 * prototype PTE is (SEC_RESERVE pages are not, until a view commits them); the protection is the
 * process PTE's own, or the view's for a zero PTE (MiCheckVirtualAddress with a prototype PTE). */
static VsPageState view_page_state(const VsVad *vad, uint64_t vpn, uint64_t pte)
{
    const VsSection *section = vs_mapped_vad(vad)->section;
    if (vs_prototype_read(section, vs_view_prototype_index(vad, vpn)) == 0)
        return (VsPageState){.committed = false};
    return (VsPageState){.committed = true,
                         .mm_protection =
                             pte ? vs_pte_mm_protection(pte) : vs_view_page_mm(vad, vpn)};
}

/* The protection a view's untouched page has (its process PTE zero): the view's, or in an image
 * the prototype PTE's, as MiCheckVirtualAddress takes it for an image VAD. */
uint32_t vs_view_page_mm(const VsVad *vad, uint64_t vpn)
{
    const VsSection *section = vs_mapped_vad(vad)->section;
    return section->image ? vs_section_page_mm(section, vs_view_prototype_index(vad, vpn))
                          : vad->protection;
}

VsPageState vs_page_state(const VsProcess *process, const VsVad *vad, uint64_t vpn, uint64_t pte)
{
    if (vs_vad_is_view(vad) && (pte == 0 || vs_pte_is_proto(pte)))
        return view_page_state(vad, vpn, pte);
    if (pte == 0)
        return (VsPageState){.committed = vad->mem_commit, .mm_protection = vad->protection};
    if (pte == VS_PTE_DECOMMITTED)
        return (VsPageState){.committed = false};
    if (vs_pte_is_valid(pte))
        return (VsPageState){.committed = true,
                             .mm_protection = (uint32_t)vs_valid_protection(process, vpn, pte)};
    return (VsPageState){.committed = true, .mm_protection = vs_pte_mm_protection(pte)};
}

static bool same_state(VsPageState a, VsPageState b)
{
    return a.committed == b.committed && (!a.committed || a.mm_protection == b.mm_protection);
}

/* ---- Reading runs of pages ------------------------------------------------------------------- */

/* A read-only cursor over [vpn, last]: absent tables come back as one run of zero PTEs. */
typedef struct PteScan {
    const VsProcess *process;
    uint64_t vpn, last;
    bool done;
} PteScan;

typedef struct PteRun {
    uint64_t start, end; /* inclusive */
    uint64_t pte;        /* the PTE of every page in the run */
} PteRun;

static bool scan_next(PteScan *scan, PteRun *run)
{
    if (scan->done)
        return false;
    uint64_t vpn = scan->vpn;
    uint64_t present = vs_pt_next_present(scan->process, vpn, scan->last);
    if (present > vpn) {
        *run = (PteRun){.start = vpn, .end = present - 1, .pte = 0};
    } else {
        /* Within one leaf table, gather equal PTEs into one run. */
        const uint64_t *leaf = vs_pt_leaf(scan->process, vpn);
        uint64_t stop = vs_min(scan->last, vs_pt_leaf_last_vpn(scan->process, vpn));
        uint64_t pte = leaf[vs_pt_leaf_index(scan->process, vpn)];
        uint64_t end = vpn;
        while (end < stop && leaf[vs_pt_leaf_index(scan->process, end + 1)] == pte)
            end++;
        *run = (PteRun){.start = vpn, .end = end, .pte = pte};
    }
    scan->done = run->end >= scan->last;
    scan->vpn = run->end + 1;
    return true;
}

/* ---- Walking the pages of a VAD that may differ from untouched ones ------------------------ */

/* Finds the next page at or after vpn whose leaf table exists, and the last page of that table;
 * in ordinary memory a personality's large page counts as such a table (a large-page VAD's
 * pages are all one state, and its readers know it). */
static void scan_tables(VsViewScan *scan, uint64_t vpn)
{
    scan->table_vpn = vs_pt_next_present(scan->process, vpn, scan->last);
    if ((scan->process->large_pages || scan->process->shared_large_pages) &&
        !scan->vad->large_pages)
        scan->table_vpn = vs_min(scan->table_vpn, vs_pt_next_large(scan->process, vpn, scan->last));
    scan->table_end = vs_pt_leaf_last_vpn(scan->process, scan->table_vpn);
}

/* Finds the next page at or after vpn whose prototype PTE is not the initial one (none for a VAD
 * without a section). */
static void scan_prototypes(VsViewScan *scan, uint64_t vpn)
{
    const VsVad *vad = scan->vad;
    const VsSection *section = vs_vad_is_view(vad) ? vs_mapped_vad(vad)->section : NULL;
    if (!section) {
        scan->proto_vpn = scan->last + 1;
        return;
    }
    uint64_t last = vs_view_prototype_index(vad, scan->last);
    uint64_t first = vs_mapped_vad(vad)->first_prototype;
    uint64_t index = vs_prototype_next(section, vs_view_prototype_index(vad, vpn), last);
    scan->proto_vpn = index > last ? scan->last + 1 : vad->starting_vpn + (index - first);
}

/*
 * A cursor over [vpn, last] of a VAD: a page can differ from an untouched one only where its leaf
 * page table exists or (in a view) its prototype PTE is not the section's initial one, so a walk
 * reads those pages one by one and crosses the rest as one run. Each structure is asked once per
 * run of present pages, whatever the length walked.
 */
VsViewScan vs_view_scan(const VsProcess *process, const VsVad *vad, uint64_t vpn, uint64_t last)
{
    VsViewScan scan = {.process = process, .vad = vad, .last = last};
    scan_tables(&scan, vpn);
    scan_prototypes(&scan, vpn);
    return scan;
}

/* The first page in [vpn, last] that may differ from an untouched page; last + 1 if none. The
 * cursor only moves forward, over structures the walk does not change behind it. */
uint64_t vs_view_scan_next(VsViewScan *scan, uint64_t vpn)
{
    if (scan->table_vpn < vpn) {
        if (vpn <= scan->table_end)
            scan->table_vpn = vpn; /* still inside the same leaf table */
        else
            scan_tables(scan, vpn);
    }
    if (scan->proto_vpn < vpn)
        scan_prototypes(scan, vpn);
    return vs_min(scan->table_vpn, scan->proto_vpn);
}

/* vs_page_run_end for a view: equal process PTEs may hide different prototype PTEs, so the pages
 * that may differ are read one by one, and the untouched runs between them crossed at once. */
static uint64_t view_run_end(const VsProcess *process, const VsVad *vad, uint64_t vpn,
                             VsPageState *state)
{
    *state = vs_page_state(process, vad, vpn, vs_pt_read(process, vpn));
    VsViewScan scan = vs_view_scan(process, vad, vpn, vad->ending_vpn);
    uint64_t end = vpn;
    while (end < vad->ending_vpn) {
        uint64_t next = end + 1, differs = vs_view_scan_next(&scan, next);
        uint64_t pte = differs > next ? 0 : vs_pt_read(process, next);
        if (!same_state(vs_page_state(process, vad, next, pte), *state))
            break;
        end = differs > next ? differs - 1 : next; /* an untouched run is one state */
    }
    return end;
}

/*
 * The last page of the run that starts at vpn and has one state (committed or not, and the same
 * protection), stopping at the VAD's end. The run's state goes to *state. VirtualQuery's regions
 * are these runs.
 */
uint64_t vs_page_run_end(const VsProcess *process, const VsVad *vad, uint64_t vpn,
                         VsPageState *state)
{
    if (vs_vad_is_view(vad))
        return view_run_end(process, vad, vpn, state);
    PteScan scan = {.process = process, .vpn = vpn, .last = vad->ending_vpn};
    PteRun run;
    scan_next(&scan, &run);
    *state = vs_page_state(process, vad, run.start, run.pte);
    uint64_t end = run.end;
    while (scan_next(&scan, &run) &&
           same_state(vs_page_state(process, vad, run.start, run.pte), *state))
        end = run.end;
    return end;
}

/* Pages in [start_vpn, end_vpn] of vad that are committed (models MiCalculatePageCommitment). */
uint64_t vs_commit_count(const VsProcess *process, const VsVad *vad, uint64_t start_vpn,
                         uint64_t end_vpn)
{
    uint64_t committed = 0;
    if (vs_vad_is_view(vad)) {
        VsViewScan scan = vs_view_scan(process, vad, start_vpn, end_vpn);
        for (uint64_t vpn = start_vpn; vpn <= end_vpn;) {
            uint64_t differs = vs_view_scan_next(&scan, vpn);
            uint64_t end = differs > vpn ? differs - 1 : vpn; /* an untouched run, or one page */
            uint64_t pte = differs > vpn ? 0 : vs_pt_read(process, vpn);
            if (vs_page_state(process, vad, vpn, pte).committed)
                committed += end - vpn + 1;
            vpn = end + 1;
        }
        return committed;
    }
    PteScan scan = {.process = process, .vpn = start_vpn, .last = end_vpn};
    PteRun run;
    while (scan_next(&scan, &run))
        if (vs_page_state(process, vad, run.start, run.pte).committed)
            committed += run.end - run.start + 1;
    return committed;
}

/* ---- Changing pages ------------------------------------------------------------------------ */

/* Adds pages (negative to return them) to the VAD's and the process's commit charge. */
void vs_charge_commit(VsProcess *process, VsVad *vad, int64_t pages)
{
    vad->commit_charge += (uint64_t)pages;
    process->commit_charge += (uint64_t)pages;
    process->peak_commit_charge = vs_max(process->peak_commit_charge, process->commit_charge);
    VsSystem *system = process->system;
    system->commit_total += (uint64_t)pages;
    system->commit_peak = vs_max(system->commit_peak, system->commit_total);
}

/* A zero PTE in a MemCommit VAD already says "committed with the VAD's protection"; in a view,
 * "the section's page with the view's protection". */
static bool zero_pte_means(const VsVad *vad, uint64_t pte)
{
    if (vs_vad_is_view(vad)) /* an image's pages differ from each other: always written */
        return !vs_mapped_vad(vad)->section->image && pte == vs_pte_make_proto(vad->protection);
    return vad->mem_commit && pte == vs_pte_make_software(vad->protection);
}

/* A valid PTE mapping a section page leaves this process: its Dirty bit goes to the frame, which
 * stays the section's (MiDeletePte on a prototype page decrements the share count). */
static void unmap_shared(VsProcess *process, uint64_t vpn, uint64_t pte)
{
    uint64_t frame = vs_pte_frame(pte);
    if (pte & VS_PTE_DIRTY)
        vs_capture_dirty(process, frame);
    vs_ws_remove(process, vpn, frame);
    vs_prototype_unmap_frame(process->system, frame);
}

static bool maps_shared(const VsProcess *process, uint64_t pte)
{
    return vs_pte_is_valid(pte) &&
           (process->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE);
}

/* Gives a resident page's frame back to the free list for good, out of the working set or off
 * the standby or modified list (its PTE is rewritten by the caller). */
static void release_frame(VsProcess *process, uint64_t vpn, uint64_t pte)
{
    uint64_t frame = vs_pte_frame(pte);
    if (maps_shared(process, pte)) {
        unmap_shared(process, vpn, pte);
        return;
    }
    if (vs_pte_is_valid(pte))
        vs_ws_remove(process, vpn, frame);
    vs_pfn_release(process->system, frame);
    VsEvent event = {.kind = VS_EV_FRAME_RELEASED,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn,
                     .frame = frame,
                     .list = VS_PAGE_FREE};
    vs_emit(process->system, &event);
}

static bool deletes(uint64_t target) { return target == 0 || target == VS_PTE_DECOMMITTED; }

/*
 * The PTE a page gets when its software PTE becomes target, as MiProtectVirtualMemory and
 * MiDecommitPages treat each state:
 *   - a decommitted or zero target frees the page's frame or page-file copy;
 *   - a page in the page file keeps its copy under the new protection;
 *   - a valid page keeps its frame (and its Accessed and Dirty bits) when the new protection may
 *     be touched; for no-access or guard, which must fault, it leaves the working set and its PTE
 *     becomes transition, the frame going to the standby or modified list;
 *   - a transition page stays transition under the new protection;
 *   - in a view, a private demand-zero page (Linux: a page a fork left shared, dropped in this
 *     process, zap.c) stays private: the prototype form would find the section's page again.
 */
static uint64_t next_pte(VsProcess *process, uint64_t vpn, uint64_t old, uint64_t target)
{
    uint32_t mm = vs_pte_mm_protection(target);
    /* A page of the process's own (private memory refuses copy-on-write, so in a view: a copy
     * made by a store) has nothing left to copy: write-copy reads as its written form (Wine's
     * kernel32 test_mapping L4300-4326, todo_wine: re-protected PAGE_WRITECOPY, a written page of
     * a file view reads PAGE_READWRITE). */
    if (vs_pte_is_pagefile(old) || (vs_pte_is_resident(old) && !maps_shared(process, old)))
        mm = vs_mm_written(mm);
    if (vs_pte_is_pagefile(old)) {
        if (deletes(target)) {
            vs_pagefile_free(&process->system->pagefile, vs_pte_pagefile_slot(old));
            return target;
        }
        return vs_pte_make_pagefile(vs_pte_pagefile_slot(old), mm);
    }
    if (!vs_pte_is_resident(old))
        return vs_pte_is_proto(target) && old != 0 && !vs_pte_is_proto(old)
                   ? vs_pte_make_software(mm)
                   : target;
    if (deletes(target)) {
        release_frame(process, vpn, old);
        return target;
    }
    uint64_t frame = vs_pte_frame(old);
    if (maps_shared(process, old)) {
        /* A section page: the new protection is this process's own (its WSLE keeps it). */
        vs_ws_entry(process, vpn, frame)->protection = mm;
        if (vs_mm_accessible(mm))
            return vs_pte_make_valid(frame, mm) | (old & (VS_PTE_ACCESSED | VS_PTE_DIRTY));
        vs_trim_page(process, vpn);
        return vs_pt_read(process, vpn);
    }
    VsPfn *pfn = &process->system->pfn.frames[frame];
    pfn->original_pte = vs_pte_make_pagefile(vs_pte_pagefile_slot(pfn->original_pte), mm);
    if (!vs_pte_is_valid(old))
        return vs_pte_make_transition(frame, mm);
    if (vs_mm_accessible(mm))
        return vs_pte_make_valid(frame, mm) | (old & (VS_PTE_ACCESSED | VS_PTE_DIRTY));
    vs_trim_page(process, vpn);
    return vs_pt_read(process, vpn);
}

/*
 * Writes the software PTE target to every page of [start_vpn, end_vpn] (resident pages keep their
 * frames, next_pte), leaving alone pages that already say the same, zero PTEs included, and
 * creating the page tables the writes need.
 */
static VsStatus write_range(VsProcess *process, const VsVad *vad, uint64_t start_vpn,
                            uint64_t end_vpn, uint64_t target)
{
    bool zero_is_same = zero_pte_means(vad, target);
    if (!zero_is_same) {
        VsStatus status = vs_pt_prepare(process, start_vpn, end_vpn);
        if (!NT_SUCCESS(status))
            return status;
    }
    /* Where zero says the same, absent leaf tables are skipped whole. */
    uint64_t vpn = zero_is_same ? vs_pt_next_present(process, start_vpn, end_vpn) : start_vpn;
    while (vpn <= end_vpn) {
        uint64_t stop = zero_is_same ? vs_min(end_vpn, vs_pt_leaf_last_vpn(process, vpn)) : end_vpn;
        for (; vpn <= stop; vpn++) {
            uint64_t old = vs_pt_read(process, vpn);
            if (old == target || (old == 0 && zero_is_same))
                continue;
            vs_pt_write(process, vpn, next_pte(process, vpn, old, target));
        }
        if (vpn == 0 || vpn > end_vpn)
            break;
        vpn = vs_pt_next_present(process, vpn, end_vpn);
    }
    return STATUS_SUCCESS;
}

/*
 * Commits [start_vpn, end_vpn] of vad with an MM protection: uncommitted pages become demand-zero
 * and are charged, committed ones take the new protection (models the MEM_COMMIT path of
 * NtAllocateVirtualMemory, WRK mm/allocvm.c). Returns STATUS_COMMITMENT_LIMIT if the pages newly
 * committed would take the system past its commit limit, STATUS_INSUFFICIENT_RESOURCES if the host
 * cannot hold the page tables, having changed nothing.
 */
VsStatus vs_commit_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                         uint32_t mm_protection)
{
    uint64_t pages = end_vpn - start_vpn + 1;
    uint64_t newly = pages - vs_commit_count(process, vad, start_vpn, end_vpn);
    if (!vs_commit_available(process->system, newly))
        return STATUS_COMMITMENT_LIMIT; /* MiChargeCommitment failed: nothing changes */
    VsStatus status =
        write_range(process, vad, start_vpn, end_vpn, vs_pte_make_software(mm_protection));
    if (!NT_SUCCESS(status))
        return status;
    vs_charge_commit(process, vad, (int64_t)newly);

    VsEvent event = {.kind = VS_EV_COMMITTED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .pages = newly,
                     .protection = vs_mm_to_win32(mm_protection)};
    vs_emit(process->system, &event);
    return STATUS_SUCCESS;
}

/*
 * Decommits [start_vpn, end_vpn] (models MiDecommitPages, WRK mm/freevm.c). In a MemCommit VAD a
 * zero PTE would still read as committed, so every page gets the decommitted PTE; elsewhere the PTE
 * simply returns to zero, which lets an emptied page table be freed.
 */
VsStatus vs_decommit_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t released = vs_commit_count(process, vad, start_vpn, end_vpn);
    if (vad->mem_commit) {
        VsStatus status = write_range(process, vad, start_vpn, end_vpn, VS_PTE_DECOMMITTED);
        if (!NT_SUCCESS(status))
            return status;
    } else {
        vs_delete_pages(process, vad, start_vpn, end_vpn);
    }
    vs_charge_commit(process, vad, -(int64_t)released);
    vs_offer_forget(process, start_vpn, end_vpn);
    VsEvent event = {.kind = VS_EV_DECOMMITTED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .pages = released};
    vs_emit(process->system, &event);
    return STATUS_SUCCESS;
}

/* Frees the private large pages of [start_vpn, end_vpn] whole (a personality's: Linux's
 * transparent huge pages), which lie wholly inside it: the personality split any it cuts
 * (vs_large_page_split); a PDE mapping a section's run (largeshared.c) only goes. A large-page
 * VAD's are freed before its pages are deleted. */
static void delete_large_pages(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t span = vs_large_page_pages(process->system->layout);
    for (uint64_t large = vs_pt_next_large(process, start_vpn, end_vpn); large <= end_vpn;
         large = vs_pt_next_large(process, large + span, end_vpn)) {
        if (large % span || large + span - 1 > end_vpn)
            abort(); /* a caller bug: a large page cut */
        if (vs_large_page_is_shared(process, large))
            vs_large_page_unmap_shared(process, large);
        else
            vs_large_page_free_private(process, large);
    }
}

/*
 * Clears every PTE of [start_vpn, end_vpn], freeing page tables as they empty (models
 * MiDeleteVirtualAddresses). The caller settles the commit charge.
 */
void vs_delete_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    (void)vad;
    vs_offer_forget(process, start_vpn, end_vpn);
    if (process->large_pages || process->shared_large_pages)
        delete_large_pages(process, start_vpn, end_vpn);
    uint64_t vpn = vs_pt_next_present(process, start_vpn, end_vpn);
    while (vpn <= end_vpn) {
        uint64_t stop = vs_min(end_vpn, vs_pt_leaf_last_vpn(process, vpn));
        for (; vpn <= stop; vpn++) {
            uint64_t old = vs_pt_read(process, vpn);
            if (old != 0)
                vs_pt_write(process, vpn, next_pte(process, vpn, old, 0));
        }
        if (vpn == 0 || vpn > end_vpn)
            break;
        vpn = vs_pt_next_present(process, vpn, end_vpn);
    }
}

/*
 * Drops the contents of the committed private pages of [start_vpn, end_vpn], which stay committed
 * with their protection (DiscardVirtualMemory, offer.c): a resident page's frame goes to the free
 * list, a page-file copy is freed, and the page is demand zero again.
 */
void vs_discard_pages(VsProcess *process, const VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t vpn = vs_pt_next_present(process, start_vpn, end_vpn);
    while (vpn <= end_vpn) {
        uint64_t stop = vs_min(end_vpn, vs_pt_leaf_last_vpn(process, vpn));
        for (; vpn <= stop; vpn++) {
            uint64_t old = vs_pt_read(process, vpn);
            if (!vs_pte_is_resident(old) && !vs_pte_is_pagefile(old))
                continue;
            uint64_t demand_zero =
                vs_pte_make_software(vs_page_state(process, vad, vpn, old).mm_protection);
            next_pte(process, vpn, old, 0); /* frees the frame or the slot */
            vs_pt_write(process, vpn, zero_pte_means(vad, demand_zero) ? 0 : demand_zero);
        }
        if (vpn == 0 || vpn > end_vpn)
            break;
        vpn = vs_pt_next_present(process, vpn, end_vpn);
    }
}

/*
 * Gives every page of [start_vpn, end_vpn], all committed, a new MM protection (the PTE half of
 * MiProtectVirtualMemory, WRK mm/protect.c). In a write-watch VAD the valid pages' Dirty bits are
 * then captured, as MiProtectVirtualMemory captures them when it rewrites a valid PTE (the pages
 * that had to leave the working set were captured as they left).
 */
VsStatus vs_set_protection(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                           uint32_t mm_protection)
{
    uint64_t target = vs_vad_is_view(vad) ? vs_pte_make_proto(mm_protection)
                                          : vs_pte_make_software(mm_protection);
    VsStatus status = write_range(process, vad, start_vpn, end_vpn, target);
    if (NT_SUCCESS(status) && vad->write_watch)
        vs_write_watch_capture_range(process, start_vpn, end_vpn);
    return status;
}
