/*
 * prefetch.c - bringing pages into memory ahead of their use: NtSetInformationVirtualMemory with
 * VmPrefetchInformation (PrefetchVirtualMemory, its kernelbase wrapper, is win32/memory.c).
 *
 * Models NtSetInformationVirtualMemory(process, VmPrefetchInformation, count, entries, &flags,
 * sizeof flags) as Wine's ntdll test_prefetch states its checks, in their order: a class other
 * than VmPrefetchInformation is STATUS_INVALID_PARAMETER_2 (the model has no other class), no
 * information buffer STATUS_INVALID_PARAMETER_5, a length other than a ULONG's
 * STATUS_INVALID_PARAMETER_6, no entries STATUS_INVALID_PARAMETER_3, an entry array that cannot be
 * read STATUS_ACCESS_VIOLATION, an entry of no bytes STATUS_INVALID_PARAMETER_4. The flags must be
 * 0 (Microsoft's page: "Reserved. Must be 0"); what a non-zero value returns is not documented,
 * and the model answers STATUS_INVALID_PARAMETER_5, the buffer that holds them. The handle needs
 * PROCESS_VM_OPERATION (the model's choice: the access the other calls that act on another
 * process's pages take).
 *
 * What it does is a hint. Microsoft's page: the call brings into memory, with large reads, pages
 * "no longer resident in memory (i.e. they have been paged out to disk)"; MmPrefetchPages (the
 * kernel routine under it) reads "those that are not already valid or in transition". So the model
 * reads each committed, accessible page of a range that is only in the page file into a frame and
 * leaves it on the standby list, its PTE in transition: in memory, a soft fault away, and not in
 * the working set (the page joins it when it is touched). Nothing else changes: a page valid or in
 * transition already, one never touched (there is nothing to read for it: it is demand zero), a
 * no-access or guard page, and addresses no allocation holds are passed over - a range may cover
 * any part of the address space, NULL included (test_PrefetchVirtualMemory L4501-4505). Commit
 * does not change. A view's pages are read at their first touch as before: the model prefetches
 * private pages only (its choice; a mapped file's pages would come from the file the same way).
 * When no frame can be had the rest of the range is left as it is and the call still succeeds.
 */
#include "internal.h"

#define VM_PREFETCH_INFORMATION 0 /* VmPrefetchInformation, the class's number */

/* Entry `index` of the caller's WIN32_MEMORY_RANGE_ENTRY array: two pointer-sized fields. */
static VsStatus read_range_entry(VsThread *caller, uint64_t entries, uint64_t index,
                                 uint64_t *address, uint64_t *size)
{
    VsStatus status = vs_read_user_word(caller, entries, 2 * index, address);
    if (NT_SUCCESS(status))
        status = vs_read_user_word(caller, entries, 2 * index + 1, size);
    return status;
}

/* Reads page vpn of private memory from its page-file slot into a frame on the standby list (the
 * frame keeps the slot: it is a clean copy). False when no frame is to be had. */
static bool prefetch_page(VsProcess *process, uint64_t vpn, uint64_t pte, uint32_t mm)
{
    VsSystem *system = process->system;
    uint64_t slot = vs_pte_pagefile_slot(pte), from;
    uint64_t frame = vs_pfn_take(system, false, &from);
    if (frame == VS_PFN_NONE)
        return false;
    if (vs_pt_read(process, vpn) != pte) { /* the page changed while a frame was found */
        vs_pfn_release(system, frame);
        return true;
    }
    VsPfn *pfn = &system->pfn.frames[frame];
    pfn->original_pte = pte;
    pfn->pid = process->pid;
    pfn->vpn = vpn;
    if (!vs_pagefile_read(&system->pagefile, slot, &system->pfn, frame)) {
        pfn->original_pte = vs_pte_make_software(mm);
        vs_pfn_release(system, frame);
        return false;
    }
    pfn->share_count = 0;
    pfn->reference_count = 0;
    system->pfn.active_count--;
    vs_pfn_insert(&system->pfn, frame, VS_PAGE_STANDBY);
    vs_pt_write(process, vpn, vs_pte_make_transition(frame, mm));
    VsEvent event = {.kind = VS_EV_PAGE_PREFETCHED,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn,
                     .frame = frame,
                     .slot = slot,
                     .list = (VsPageLocation)from,
                     .pages = process->ws.count};
    vs_emit(system, &event);
    return true;
}

/* Prefetches the private pages of [first, last] that are only in the page file, VAD by VAD.
 * False when memory ran out. */
static bool prefetch_range(VsProcess *process, uint64_t first, uint64_t last)
{
    const VsVad *vad = vs_vad_locate(&process->vad_root, first);
    if (!vad)
        vad = vs_vad_find_above(&process->vad_root, first);
    for (; vad && vad->starting_vpn <= last; vad = vs_vad_next(vad)) {
        if (vs_vad_is_view(vad) || vad->physical || vad->large_pages)
            continue;
        uint64_t from = vad->starting_vpn > first ? vad->starting_vpn : first;
        uint64_t to = vad->ending_vpn < last ? vad->ending_vpn : last;
        for (uint64_t vpn = from; vpn <= to; vpn++) {
            uint64_t pte = vs_pt_read(process, vpn);
            if (!vs_pte_is_pagefile(pte))
                continue;
            VsPageState state = vs_page_state(process, vad, vpn, pte);
            if (!state.committed || !vs_mm_accessible(state.mm_protection) ||
                (state.mm_protection & MM_NOACCESS) == MM_GUARD_PAGE)
                continue;
            if (!prefetch_page(process, vpn, pte, state.mm_protection))
                return false;
        }
    }
    return true;
}

/* The checks of the arguments, in test_prefetch's order (see the head comment). */
static VsStatus check_arguments(uint32_t info_class, uint64_t count, const uint32_t *info,
                                uint32_t info_length)
{
    if (info_class != VM_PREFETCH_INFORMATION)
        return STATUS_INVALID_PARAMETER_2;
    if (!info)
        return STATUS_INVALID_PARAMETER_5;
    if (info_length != sizeof(uint32_t))
        return STATUS_INVALID_PARAMETER_6;
    if (count == 0)
        return STATUS_INVALID_PARAMETER_3;
    if (*info != 0)
        return STATUS_INVALID_PARAMETER_5;
    return STATUS_SUCCESS;
}

/*
 * NtSetInformationVirtualMemory(process, class, count, entries, info, info_length): prefetches
 * the count ranges of the caller's WIN32_MEMORY_RANGE_ENTRY array at entries (addresses in the
 * target process). All entries are read and checked before any page is touched.
 */
VsStatus VsNtSetInformationVirtualMemory(VsThread *caller, VsHandle handle, uint32_t info_class,
                                         uint64_t count, uint64_t entries, const uint32_t *info,
                                         uint32_t info_length)
{
    VsStatus status = check_arguments(info_class, count, info, info_length);
    if (!NT_SUCCESS(status))
        return status;
    VsProcess *process;
    status = vs_reference_process(caller, handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    if (!entries)
        return STATUS_ACCESS_VIOLATION;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t address, size;
        status = read_range_entry(caller, entries, i, &address, &size);
        if (!NT_SUCCESS(status))
            return status;
        if (size == 0)
            return STATUS_INVALID_PARAMETER_4;
    }
    uint64_t highest = process->system->layout->highest_user_address;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t address, size;
        read_range_entry(caller, entries, i, &address, &size);
        if (address > highest)
            continue;
        uint64_t end = highest - address < size - 1 ? highest : address + size - 1;
        if (!prefetch_range(process, vs_vpn(address), vs_vpn(end)))
            break; /* out of frames: a hint, so the call still succeeds */
    }
    return STATUS_SUCCESS;
}
