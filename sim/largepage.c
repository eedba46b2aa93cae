/*
 * largepage.c - large pages: private memory each 2 MB of which (4 MB on the two-level x86) is one
 * PDE mapping a run of physically contiguous frames.
 *
 * Models WRK mm/physical.c MiAllocateLargePages, MiAllocateLargeZeroPages and MiFreeLargePages, and
 * what MiFindLargePageMemory does to find the frames. The zeroed, free and standby lists cannot
 * give a large page: they hand out frames one at a time in whatever order they were freed, and a
 * large PDE needs 512 frames in a row whose first frame number is a multiple of 512 (the PDE holds
 * only the high bits of a 2 MB-aligned physical address). So Windows walks the PFN database by
 * frame number, one aligned candidate run after another, and takes a run only if every frame in
 * it is free, zeroed or standby (a standby page is repurposed: its owner refaults from the page
 * file); an active frame (a page in a working set, a page table, a locked page, another large
 * page) or a modified one spoils the run, and the search goes on at the next aligned run past it.
 * If no run is whole, WRK empties every working set (MmEmptyAllWorkingSets) and writes every
 * modified page (MiFlushAllPages), which turns all unlocked pages into standby ones, and searches
 * again; only then does the allocation fail with STATUS_INSUFFICIENT_RESOURCES, although many
 * frames may be free: physical memory is fragmented. Microsoft's "Large-Page Support" warns of
 * exactly this ("large-page memory regions may be difficult to obtain after the system has been
 * running for a long time").
 *
 * Large-page frames are zeroed, active, owned by the process (VS_PFN_LARGE_PAGE: pid and page),
 * in no working set, never trimmed, aged or paged; the PDE is valid, accessed and dirty from the
 * start (MI_MAKE_PDE_MAP_LARGE_PAGE), so no fault ever happens there. They go back to the free list
 * only when the whole allocation is released.
 *
 * Invariants (check.c): every PDE of a large-page VAD maps a large page whose frames are active,
 * marked as large-page frames of that process and page, and counted in process->large_pages; no
 * other VAD has a large PDE.
 */
#include <stdlib.h>

#include "internal.h"

/* The frames of one large page, and where it is mapped. */
typedef struct LargeRun {
    uint64_t first_frame, frames;
} LargeRun;

/* The first frame of an aligned run of run_frames claimable frames, searching from frame `from`;
 * VS_PFN_NONE when there is none. A frame that cannot be taken moves the search to the next
 * aligned run after it (models MiFindLargePageMemory's walk of the physical memory runs). */
static uint64_t find_run(const VsPfnDatabase *db, uint64_t run_frames)
{
    for (uint64_t start = 0; start + run_frames <= db->count;) {
        uint64_t bad = VS_PFN_NONE;
        for (uint64_t f = start; f < start + run_frames && f < db->never_used; f++)
            if (!vs_pfn_claimable(db, f)) {
                bad = f;
                break;
            }
        if (bad == VS_PFN_NONE)
            return start;
        start = (bad / run_frames + 1) * run_frames;
    }
    return VS_PFN_NONE;
}

/* Why no run was found, for the narration: the longest row of claimable frames anywhere (aligned
 * or not) and how many frames are claimable in all. */
static void describe_fragmentation(const VsPfnDatabase *db, VsEvent *event)
{
    uint64_t best_start = 0, best = 0, row = 0, total = 0;
    for (uint64_t f = 0; f < db->count; f++) {
        if (!vs_pfn_claimable(db, f)) {
            row = 0;
            continue;
        }
        total++;
        if (++row > best) {
            best = row;
            best_start = f + 1 - row;
        }
    }
    event->frame = best_start;
    event->size = best;
    event->address = total;
}

/* MmEmptyAllWorkingSets then MiFlushAllPages: every unlocked page of every process leaves its
 * working set, and the modified ones are written, so that standby frames are all that stands
 * between a run and the allocation (WRK MiAllocateLargeZeroPages, its second attempt). */
static void empty_all_working_sets(VsSystem *system)
{
    for (size_t i = 0; i < system->process_count; i++) {
        VsProcess *process = system->processes[i];
        vs_ws_trim(process, process->ws.count, 0);
    }
    vs_write_modified_pages(system, system->pfn.lists[VS_PAGE_MODIFIED].count);
}

/* Takes the frames [first, first + frames) for page vpn onward of process, zeroed and marked. */
static void claim_run(VsProcess *process, uint64_t vpn, LargeRun run, uint32_t mm)
{
    VsSystem *system = process->system;
    for (uint64_t i = 0; i < run.frames; i++) {
        uint64_t frame = run.first_frame + i;
        vs_pfn_claim(system, frame);
        VsPfn *pfn = &system->pfn.frames[frame];
        pfn->pid = process->pid;
        pfn->vpn = vpn + i;
        pfn->original_pte = vs_pte_make_software(mm);
        pfn->flags = VS_PFN_LARGE_PAGE;
        pfn->share_count = 1; /* the PDE */
    }
    process->large_pages += run.frames;
}

/* Gives the run back to the free list (MiFreeLargePages: the frames are not zeroed here). */
static void release_run(VsProcess *process, LargeRun run)
{
    for (uint64_t i = 0; i < run.frames; i++)
        vs_pfn_release(process->system, run.first_frame + i);
    process->large_pages -= run.frames;
}

static void emit_run(VsProcess *process, VsEventKind kind, uint64_t vpn, LargeRun run)
{
    VsEvent event = {.kind = kind,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn + run.frames - 1,
                     .frame = run.first_frame,
                     .pages = run.frames,
                     .list = kind == VS_EV_LARGE_PAGE_FREED ? VS_PAGE_FREE : VS_PAGE_ACTIVE};
    vs_emit(process->system, &event);
}

/* Unmaps and frees the large pages of [vad->starting_vpn, end_vpn) that are mapped. */
static void free_range(VsProcess *process, const VsVad *vad, uint64_t end_vpn)
{
    uint64_t run_frames = vs_large_page_pages(process->system->layout);
    for (uint64_t vpn = vad->starting_vpn; vpn < end_vpn; vpn += run_frames) {
        LargeRun run = {vs_pte_frame(vs_pt_large_pde(process, vpn)), run_frames};
        emit_run(process, VS_EV_LARGE_PAGE_FREED, vpn, run); /* told before the tables it frees */
        vs_pt_unmap_large(process, vpn);
        release_run(process, run);
    }
}

/* A run for one large page, the working sets emptied first if none is whole yet (once per call:
 * *emptied); VS_PFN_NONE, with *why completed and emitted, when there is none even then. */
static uint64_t find_large_run(VsSystem *system, bool *emptied, VsEvent *why)
{
    uint64_t run_frames = vs_large_page_pages(system->layout);
    uint64_t first = find_run(&system->pfn, run_frames);
    if (first == VS_PFN_NONE && !*emptied) {
        empty_all_working_sets(system);
        *emptied = true;
        first = find_run(&system->pfn, run_frames);
    }
    if (first == VS_PFN_NONE) {
        why->kind = VS_EV_LARGE_PAGES_UNAVAILABLE;
        why->pages = run_frames;
        describe_fragmentation(&system->pfn, why);
        vs_emit(system, why);
    }
    return first;
}

/* Maps the found run at vpn with one large PDE of protection mm, the frames claimed for the
 * process and the event of kind told; on failure (no frame for a table above the PDE) the run goes
 * back free and the status is returned. */
static VsStatus map_run(VsProcess *process, uint64_t vpn, LargeRun run, uint32_t mm,
                        VsEventKind kind)
{
    claim_run(process, vpn, run, mm);
    uint64_t pde = vs_pte_make_valid(run.first_frame, mm) | VS_PTE_ACCESSED | VS_PTE_DIRTY;
    VsStatus status = vs_pt_map_large(process, vpn, pde);
    if (!NT_SUCCESS(status)) {
        release_run(process, run);
        return status;
    }
    emit_run(process, kind, vpn, run);
    return STATUS_SUCCESS;
}

/* One large page for the page vpn starts: a run found, claimed and mapped.
 * STATUS_INSUFFICIENT_RESOURCES when no run is whole, or no frame is left for a page table above
 * the PDE. */
static VsStatus map_one(VsProcess *process, uint64_t vpn, uint32_t mm, bool *emptied)
{
    VsSystem *system = process->system;
    uint64_t run_frames = vs_large_page_pages(system->layout);
    VsEvent why = {.pid = process->pid, .vpn_start = vpn, .vpn_end = vpn + run_frames - 1};
    uint64_t first = find_large_run(system, emptied, &why);
    if (first == VS_PFN_NONE)
        return STATUS_INSUFFICIENT_RESOURCES;
    return map_run(process, vpn, (LargeRun){first, run_frames}, mm, VS_EV_LARGE_PAGE_MAPPED);
}

/*
 * Fills the large-page VAD vad with large pages, one PDE per 2 MB (models MiAllocateLargePages).
 * The VAD is 2 MB-aligned and a multiple of 2 MB long. Each large page's run is looked for on its
 * own, as MiAllocateLargeZeroPages does once it halves its request down to one PDE's worth. On
 * failure every large page mapped so far is freed again and the status is
 * STATUS_INSUFFICIENT_RESOURCES (ERROR_NO_SYSTEM_RESOURCES).
 */
VsStatus vs_large_pages_allocate(VsProcess *process, VsVad *vad)
{
    uint64_t run_frames = vs_large_page_pages(process->system->layout);
    uint32_t mm = vad->protection;
    bool emptied = false;
    for (uint64_t vpn = vad->starting_vpn; vpn <= vad->ending_vpn; vpn += run_frames) {
        VsStatus status = map_one(process, vpn, mm, &emptied);
        if (!NT_SUCCESS(status)) {
            free_range(process, vad, vpn);
            return status;
        }
    }
    return STATUS_SUCCESS;
}

/* Unmaps every large page of vad and gives its frames back to the free list (the release of a
 * large-page VAD, freevm.c). */
void vs_large_pages_free(VsProcess *process, VsVad *vad)
{
    free_range(process, vad, vad->ending_vpn + 1);
}

/* ---- SEC_LARGE_PAGES sections and their views ------------------------------------------------ */

/* Gives the section's first `pages` pages' frames back (a failed creation, or its deletion). */
static void release_section_frames(VsSystem *system, VsSection *section, uint64_t pages)
{
    for (uint64_t index = 0; index < pages; index++) {
        uint64_t frame = vs_pte_frame(vs_prototype_read(section, index));
        vs_prototype_write(section, index, vs_prototype_initial(section));
        vs_pfn_release(system, frame);
    }
}

/* One large page's frames for the section's pages from index on: each a section page (its
 * prototype PTE valid, naming it), shared by no view yet. */
static void claim_section_run(VsSystem *system, VsSection *section, uint64_t index, uint64_t first)
{
    uint64_t run_frames = vs_large_page_pages(system->layout);
    for (uint64_t i = 0; i < run_frames; i++) {
        vs_pfn_claim(system, first + i);
        VsPfn *pfn = &system->pfn.frames[first + i];
        pfn->pid = section->id;
        pfn->vpn = index + i;
        pfn->original_pte = vs_pte_make_software(section->protection);
        pfn->flags = VS_PFN_PROTOTYPE | VS_PFN_LARGE_PAGE;
        vs_prototype_write(section, index + i, vs_pte_make_valid(first + i, section->protection));
    }
    VsEvent event = {.kind = VS_EV_LARGE_PAGE_MAPPED,
                     .section = section->id,
                     .vpn_start = index,
                     .vpn_end = index + run_frames - 1,
                     .frame = first,
                     .pages = run_frames};
    vs_emit(system, &event);
}

/*
 * A SEC_LARGE_PAGES section's pages, all resident at creation in runs of contiguous, aligned
 * frames (WRK MiCreatePagingFileMap: MiAllocateLargeZeroPages, then the prototype PTEs made valid
 * over the runs). They stay for the section's life, in no working set. The section is whole large
 * pages. STATUS_INSUFFICIENT_RESOURCES (nothing kept) when a run cannot be had.
 */
VsStatus vs_large_pages_section(VsSystem *system, VsSection *section)
{
    uint64_t run_frames = vs_large_page_pages(system->layout);
    if (!vs_prototype_prepare(section, 0, section->pages - 1))
        return STATUS_INSUFFICIENT_RESOURCES;
    bool emptied = false;
    for (uint64_t index = 0; index < section->pages; index += run_frames) {
        VsEvent why = {
            .section = section->id, .vpn_start = index, .vpn_end = index + run_frames - 1};
        uint64_t first = find_large_run(system, &emptied, &why);
        if (first == VS_PFN_NONE) {
            release_section_frames(system, section, index);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        claim_section_run(system, section, index, first);
    }
    section->large_pages = true;
    return STATUS_SUCCESS;
}

/* The section's frames go back to the free list as it is deleted (no view, no handle left). */
void vs_large_pages_section_free(VsSystem *system, VsSection *section)
{
    release_section_frames(system, section, section->pages);
}

/* Whether a view of a SEC_LARGE_PAGES section can be mapped with large PDEs: an offset, size and
 * base (0: to be found) on large-page boundaries, and a protection a PDE gives (not no-access,
 * guard or copy-on-write: WRK's TryLargePages). */
bool vs_large_view_possible(const VsLayout *layout, uint64_t base, uint64_t offset, uint64_t size,
                            uint32_t mm)
{
    uint64_t large = vs_vpn_address(vs_large_page_pages(layout));
    return offset % large == 0 && size % large == 0 && base % large == 0 && vs_mm_accessible(mm) &&
           !vs_mm_is_copy_on_write(mm);
}

/* Unmaps one large page of a view (its PDE), giving its frames one share less. */
static void unshare_run(VsProcess *process, uint64_t vpn)
{
    uint64_t first = vs_pte_frame(vs_pt_unmap_large(process, vpn));
    for (uint64_t i = 0; i < vs_large_page_pages(process->system->layout); i++)
        process->system->pfn.frames[first + i].share_count--;
}

/* Shares the view's large pages: one PDE per large page naming the section's run, each frame's
 * share count one more (WRK MiMapLargePageSection). */
VsStatus vs_large_pages_map_view(VsProcess *process, VsVad *vad)
{
    VsSystem *system = process->system;
    const VsSection *section = vs_mapped_vad(vad)->section;
    uint64_t run_frames = vs_large_page_pages(system->layout);
    for (uint64_t vpn = vad->starting_vpn; vpn <= vad->ending_vpn; vpn += run_frames) {
        uint64_t index = vs_view_prototype_index(vad, vpn);
        uint64_t first = vs_pte_frame(vs_prototype_read(section, index));
        uint64_t pde = vs_pte_make_valid(first, vad->protection) | VS_PTE_ACCESSED | VS_PTE_DIRTY;
        VsStatus status = vs_pt_map_large(process, vpn, pde);
        if (!NT_SUCCESS(status)) {
            for (uint64_t done = vad->starting_vpn; done < vpn; done += run_frames)
                unshare_run(process, done);
            return status;
        }
        for (uint64_t i = 0; i < run_frames; i++)
            system->pfn.frames[first + i].share_count++;
    }
    return STATUS_SUCCESS;
}

/* The view's PDEs cleared and the frames' share counts one less; the frames stay the section's. */
void vs_large_pages_unmap_view(VsProcess *process, VsVad *vad)
{
    uint64_t run_frames = vs_large_page_pages(process->system->layout);
    for (uint64_t vpn = vad->starting_vpn; vpn <= vad->ending_vpn; vpn += run_frames)
        unshare_run(process, vpn);
}

/* ---- A personality's large pages in ordinary private memory ---------------------------------- */

/*
 * One large page for the private page vpn starts (2 MB-aligned), mapped by a PDE with protection
 * mm, for a personality that maps such pages on a fault of its own choosing (Linux's transparent
 * huge pages: do_huge_pmd_anonymous_page). The frames are zeroed, marked and counted as a
 * large-page allocation's are. Unlike MiAllocateLargePages, no working set is emptied to find a
 * run: a fault that finds none falls back to 4 KB pages (the model does not compact memory).
 * A zero page (Linux's huge zero page, which a load maps) has a clean PDE: it reads as zeros and
 * counts as nothing written until a store makes it the process's own (vs_large_page_dirty).
 * STATUS_INSUFFICIENT_RESOURCES, nothing kept, when no run is whole or no frame is left for a
 * table above the PDE.
 */
VsStatus vs_large_page_map_private(VsProcess *process, uint64_t vpn, uint32_t mm, bool zero)
{
    uint64_t run_frames = vs_large_page_pages(process->system->layout);
    uint64_t first = find_run(&process->system->pfn, run_frames);
    if (first == VS_PFN_NONE)
        return STATUS_INSUFFICIENT_RESOURCES;
    VsStatus status = map_run(process, vpn, (LargeRun){first, run_frames}, mm,
                              zero ? VS_EV_HUGE_ZERO_MAPPED : VS_EV_LARGE_PAGE_FAULTED);
    if (NT_SUCCESS(status) && zero)
        vs_pt_replace_large(process, vpn, vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED);
    return status;
}

/* A run for the private large page vpn starts, claimed (zeroed, marked and counted as the
 * process's) but not mapped yet: the caller copies the range's pages into it, deletes them and
 * maps it (vs_large_page_map_claimed). VS_PFN_NONE when no run is whole. */
uint64_t vs_large_page_claim(VsProcess *process, uint64_t vpn, uint32_t mm)
{
    uint64_t run_frames = vs_large_page_pages(process->system->layout);
    uint64_t first = find_run(&process->system->pfn, run_frames);
    if (first != VS_PFN_NONE)
        claim_run(process, vpn, (LargeRun){first, run_frames}, mm);
    return first;
}

/* Maps the run vs_large_page_claim claimed at vpn with one dirty large PDE of protection mm (a
 * collapsed huge page is written memory). The range's page table was just freed with the pages it
 * held, so the tables above the PDE can be had again. */
void vs_large_page_map_claimed(VsProcess *process, uint64_t vpn, uint64_t first, uint32_t mm)
{
    LargeRun run = {first, vs_large_page_pages(process->system->layout)};
    uint64_t pde = vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED | VS_PTE_DIRTY;
    if (!NT_SUCCESS(vs_pt_map_large(process, vpn, pde)))
        abort(); /* the deleted page table's frames are free for the tables above the PDE */
    emit_run(process, VS_EV_LARGE_PAGE_COLLAPSED, vpn, run);
}

/* A store to the clean private large page mapping vpn: its PDE is dirty now. A zero page (Linux:
 * do_huge_zero_wp_pmd puts a huge page of the process's own, zeroed, where the huge zero page was)
 * becomes written memory; a lazily freed one is written memory again, its bytes kept. */
void vs_large_page_dirty(VsProcess *process, uint64_t vpn)
{
    VsSystem *system = process->system;
    uint64_t pde = vs_pt_large_pde(process, vpn), first = vs_pte_frame(pde);
    uint64_t span = vs_large_page_pages(system->layout);
    bool lazy = system->pfn.frames[first].flags & VS_PFN_LAZY_FREE;
    for (uint64_t i = 0; lazy && i < span; i++)
        system->pfn.frames[first + i].flags &= (uint8_t)~VS_PFN_LAZY_FREE;
    vs_pt_replace_large(process, vpn, (pde & ~(uint64_t)VS_PDE_LARGE_PAGE) | VS_PTE_DIRTY);
    if (!lazy)
        emit_run(process, VS_EV_HUGE_ZERO_REPLACED, vpn, (LargeRun){first, span});
}

/* The written private large page mapping vpn is freed lazily, whole (Linux's madvise_free_huge_pmd
 * for a range that covers all of it): its PDE clean, its frames marked, so that reclaim may drop
 * it unless it is written again first (vs_large_page_dirty). */
void vs_large_page_free_lazily(VsProcess *process, uint64_t vpn)
{
    VsSystem *system = process->system;
    uint64_t pde = vs_pt_large_pde(process, vpn), first = vs_pte_frame(pde);
    for (uint64_t i = 0; i < vs_large_page_pages(system->layout); i++)
        system->pfn.frames[first + i].flags |= VS_PFN_LAZY_FREE;
    vs_pt_replace_large(process, vpn, pde & ~(uint64_t)(VS_PDE_LARGE_PAGE | VS_PTE_DIRTY));
}

/*
 * Splits the large page mapping vpn (its first page) into a page table of ordinary pages. A
 * private one
 * (Linux's __split_huge_pmd): each frame stays where it is, now mapped by a valid, accessed PTE
 * with the PDE's protection and in the process's working set. A written large page's PTEs are
 * dirty and its frames modified: each page is memory of its own, never the zero page; a clean
 * one's (Linux's huge zero page) are 512 pages never written, the zero page's 4 KB mappings
 * (__split_huge_zero_page_pmd). A large page mprotect made inaccessible (PROT_NONE) leaves its
 * pages in transition instead, as mprotect leaves 4 KB pages. The PDE is gone, so
 * process->large_pages falls by a run. STATUS_INSUFFICIENT_RESOURCES, the large page left whole,
 * when no frame is left for the page table (Linux deposits one with every huge page, so its split
 * never fails: the model takes it now).
 */
VsStatus vs_large_page_split(VsProcess *process, uint64_t vpn)
{
    if (vs_large_page_is_shared(process, vpn))
        return vs_large_page_split_shared(process, vpn); /* a section's run (largeshared.c) */
    VsSystem *system = process->system;
    uint64_t run_frames = vs_large_page_pages(system->layout);
    uint64_t pde = vs_pt_demote_large(process, vpn);
    if (!pde)
        return STATUS_INSUFFICIENT_RESOURCES;
    uint32_t mm = vs_pte_mm_protection(system->pfn.frames[vs_pte_frame(pde)].original_pte);
    LargeRun run = {vs_pte_frame(pde), run_frames};
    emit_run(process, VS_EV_LARGE_PAGE_SPLIT, vpn, run);
    uint64_t dirty = pde & VS_PTE_DIRTY;
    for (uint64_t i = 0; i < run_frames; i++) {
        VsPfn *pfn = &system->pfn.frames[run.first_frame + i];
        pfn->flags = (uint8_t)((pfn->flags & ~VS_PFN_LARGE_PAGE) | (dirty ? VS_PFN_MODIFIED : 0));
        if (!vs_ws_insert(process, vpn + i, run.first_frame + i, mm))
            abort(); /* the host is out of memory: no state to go back to */
        vs_pt_write(process, vpn + i,
                    vs_pte_make_valid(run.first_frame + i, mm) | VS_PTE_ACCESSED | dirty);
        if (!vs_mm_accessible(mm))
            vs_trim_page(process, vpn + i); /* PROT_NONE: no valid PTE maps its pages */
    }
    process->large_pages -= run_frames;
    return STATUS_SUCCESS;
}

/* Whether the span pages from vpn are valid PTEs mapping, in order, the process's own frames of
 * one aligned run; *written, whether any of them was written since (the others lazily freed). */
static bool own_run_mapped(const VsProcess *process, uint64_t vpn, bool *written)
{
    const VsPfnDatabase *db = &process->system->pfn;
    uint64_t span = vs_large_page_pages(process->system->layout);
    uint64_t first = vs_pte_frame(vs_pt_read(process, vpn));
    *written = false;
    if (first % span || first + span > db->never_used)
        return false;
    for (uint64_t i = 0; i < span; i++) {
        uint64_t pte = vs_pt_read(process, vpn + i);
        const VsPfn *pfn = &db->frames[first + i];
        if (!vs_pte_is_valid(pte) || vs_pte_frame(pte) != first + i || pfn->pid != process->pid ||
            (pfn->flags & ~(VS_PFN_MODIFIED | VS_PFN_LAZY_FREE)) || pfn->share_count != 1)
            return false;
        *written = *written || (pte & VS_PTE_DIRTY) || (pfn->flags & VS_PFN_MODIFIED) ||
                   !(pfn->flags & VS_PFN_LAZY_FREE);
    }
    return true;
}

/*
 * Where the span pages from vpn (aligned) are valid PTEs mapping, in order, the process's own
 * frames of one aligned run - a private large page split, its PTEs moved whole (mremap) - one PDE
 * with protection mm maps them again, the same frames: dirty, or clean and lazily freed if every
 * page was (Linux's move_huge_pmd moves the PMD itself). False, nothing changed, where they are
 * not.
 */
bool vs_large_page_reform_private(VsProcess *process, uint64_t vpn, uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t span = vs_large_page_pages(system->layout),
             first = vs_pte_frame(vs_pt_read(process, vpn));
    bool written;
    if (vs_pt_large_pde(process, vpn) || !own_run_mapped(process, vpn, &written))
        return false;
    for (uint64_t i = 0; i < span; i++) {
        VsPfn *pfn = &system->pfn.frames[first + i];
        vs_pagefile_free(&system->pagefile, vs_pte_pagefile_slot(pfn->original_pte));
        pfn->flags = VS_PFN_LARGE_PAGE | (written ? 0 : VS_PFN_LAZY_FREE);
        pfn->vpn = vpn + i;
        pfn->original_pte = vs_pte_make_software(mm);
    }
    vs_large_page_remap(process, vpn, first, mm, written);
    process->large_pages += span;
    return true;
}

/* The span pages from vpn, valid PTEs mapping the frames from first in order, leave the working
 * set and the page table (whose table goes), and one large PDE with protection mm, dirty if
 * written, maps the frames instead: the PTEs' share of each frame becomes the PDE's. A split
 * undone where its pages were moved whole (mremap), private or a section's run. */
void vs_large_page_remap(VsProcess *process, uint64_t vpn, uint64_t first, uint32_t mm,
                         bool written)
{
    uint64_t span = vs_large_page_pages(process->system->layout);
    for (uint64_t i = 0; i < span; i++) {
        vs_ws_remove(process, vpn + i, first + i);
        vs_pt_write(process, vpn + i, 0);
    }
    vs_pt_release_empty(process, vpn, vpn + span - 1);
    uint64_t pde = vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED | (written ? VS_PTE_DIRTY : 0);
    if (!NT_SUCCESS(vs_pt_map_large(process, vpn, pde)))
        abort(); /* the page table just freed leaves a frame for every table above the PDE */
}

/* Gives the large page mapping vpn the protection mm, whole: its PDE (clean if it was) and, for
 * a private one, its frames' OriginalPte (Linux's change_huge_pmd, for an mprotect that covers all
 * of it); a section's run keeps its frames' protection, the section's. */
void vs_large_page_protect(VsProcess *process, uint64_t vpn, uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t pde = vs_pt_large_pde(process, vpn), first = vs_pte_frame(pde);
    bool shared = system->pfn.frames[first].flags & VS_PFN_PROTOTYPE;
    for (uint64_t i = 0; !shared && i < vs_large_page_pages(system->layout); i++)
        system->pfn.frames[first + i].original_pte = vs_pte_make_software(mm);
    vs_pt_replace_large(process, vpn,
                        vs_pte_make_valid(first, mm) | VS_PTE_ACCESSED | (pde & VS_PTE_DIRTY));
}

/* Unmaps the private large page mapping vpn and frees its frames (a range deleted whole). */
void vs_large_page_free_private(VsProcess *process, uint64_t vpn)
{
    LargeRun run = {vs_pte_frame(vs_pt_large_pde(process, vpn)),
                    vs_large_page_pages(process->system->layout)};
    emit_run(process, VS_EV_LARGE_PAGE_FREED, vpn, run);
    vs_pt_unmap_large(process, vpn);
    release_run(process, run);
}
