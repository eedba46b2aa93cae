/*
 * awe.c - Address Windowing Extensions: physical pages a process owns, mapped by the process
 * itself into windows of its address space.
 *
 * Models WRK mm/physical.c: NtAllocateUserPhysicalPages, NtFreeUserPhysicalPages,
 * NtMapUserPhysicalPages, NtMapUserPhysicalPagesScatter and MiProtectAweRegion, and the VadAwe
 * VAD that VirtualAlloc(MEM_RESERVE|MEM_PHYSICAL) makes (allocvm.c). A process holding
 * SeLockMemoryPrivilege takes frames for itself: zeroed, active, locked, in no working set, never
 * trimmed or paged, each marked VS_PFN_AWE with the process (AweInfo's VadPhysicalPagesBitMap is
 * the set of such frames; process->awe_pages is VadPhysicalPages). Each frame charges one page of
 * system commit (MiAllocatePagesForMdl charges it for the pages before taking them), none of the
 * process's CommitCharge. Their numbers go into an array in the caller's memory, pointer-sized
 * entries, as the call writes them on Windows.
 *
 * The process then maps them itself: MapUserPhysicalPages writes valid PTEs into a MEM_PHYSICAL
 * reservation directly, with no fault and no working-set entry, one frame at one address at a
 * time (the frame's PteAddress: pfn->vpn here, VS_PFN_NONE while unmapped). More frames than the
 * window holds can be owned: remapping the window over other frames is how a program reaches more
 * memory than its address space has room for, and the bytes stay in the frames meanwhile.
 *
 * Invariants (check.c): every owned frame is active, marked with its process, counted in
 * awe_pages and in the system's commit; a valid PTE in an AWE VAD maps an owned frame of that
 * process whose pfn->vpn names it, and no other PTE is ever in an AWE VAD.
 */
#include <stdlib.h>

#include "internal.h"

/* The most frames one call takes or maps (WRK caps it by what fits an MDL; the model by this). */
#define AWE_MAX_PAGES (1ull << 32)

/* ---- The caller's arrays: pointer-sized entries in its own memory --------------------------- */

/* Reads entry `index` of the array at `array` in thread's process. STATUS_ACCESS_VIOLATION when
 * a byte of it cannot be read (Windows' probe and capture raise it). Other calls that take an
 * array of pointer-sized values from the caller read it with this too (prefetch.c). */
VsStatus vs_read_user_word(VsThread *thread, uint64_t array, uint64_t index, uint64_t *value)
{
    uint32_t size = thread->process->system->layout->pte_size;
    return vs_user_read(thread, array + index * size, size, value);
}

static VsStatus write_entry(VsThread *thread, uint64_t array, uint64_t index, uint64_t value)
{
    uint32_t size = thread->process->system->layout->pte_size;
    return vs_user_write(thread, array + index * size, size, value);
}

/* Whether the caller can write count entries at array (ProbeForWrite, then the stores WRK makes
 * under its exception handler): each page touched for writing. */
static bool array_writable(VsThread *thread, uint64_t array, uint64_t count)
{
    uint64_t bytes = count * thread->process->system->layout->pte_size;
    if (array + bytes < array)
        return false;
    for (uint64_t vpn = vs_vpn(array); vpn <= vs_vpn(array + bytes - 1); vpn++) {
        uint8_t byte;
        uint64_t address = vpn == vs_vpn(array) ? array : vs_vpn_address(vpn);
        if (!NT_SUCCESS(vs_memory_read(thread, address, &byte)) ||
            !NT_SUCCESS(vs_memory_write(thread, address, byte)))
            return false;
    }
    return true;
}

/* ---- Frames the process owns ----------------------------------------------------------------- */

/* Whether frame is one of process's AWE frames (MI_CHECK_BIT on its VadPhysicalPagesBitMap). */
bool vs_awe_owns(const VsProcess *process, uint64_t frame)
{
    const VsPfnDatabase *db = &process->system->pfn;
    return frame < db->never_used && (db->frames[frame].flags & VS_PFN_AWE) &&
           db->frames[frame].pid == process->pid && db->frames[frame].location == VS_PAGE_ACTIVE;
}

static void emit_awe(VsProcess *process, VsEventKind kind, uint64_t vpn_start, uint64_t vpn_end,
                     uint64_t frame, uint64_t pages, uint64_t asked)
{
    VsEvent event = {.kind = kind,
                     .pid = process->pid,
                     .vpn_start = vpn_start,
                     .vpn_end = vpn_end,
                     .frame = frame,
                     .pages = pages,
                     .size = asked};
    vs_emit(process->system, &event);
}

/* The page vpn of an AWE window stops mapping its frame: the PTE is zeroed (the reservation's
 * empty PTE), the frame stays the process's, mapped nowhere. */
static void unmap_page(VsProcess *process, uint64_t vpn)
{
    uint64_t pte = vs_pt_read(process, vpn);
    if (!vs_pte_is_valid(pte))
        return;
    process->system->pfn.frames[vs_pte_frame(pte)].vpn = VS_PFN_NONE;
    vs_pt_write(process, vpn, 0);
}

/* Unmaps every page of [first, last] that maps a frame; how many did. */
static uint64_t unmap_range(VsProcess *process, uint64_t first, uint64_t last)
{
    uint64_t unmapped = 0;
    for (uint64_t vpn = first; vpn <= last; vpn++)
        if (vs_pte_is_valid(vs_pt_read(process, vpn))) {
            unmap_page(process, vpn);
            unmapped++;
        }
    return unmapped;
}

/* A whole AWE VAD is released (freevm.c, MiRemoveUserPhysicalPagesVad): its frames are unmapped
 * and stay the process's, to be freed by FreeUserPhysicalPages. */
void vs_awe_release_vad(VsProcess *process, const VsVad *vad)
{
    uint64_t unmapped = unmap_range(process, vad->starting_vpn, vad->ending_vpn);
    if (unmapped)
        emit_awe(process, VS_EV_AWE_UNMAPPED, vad->starting_vpn, vad->ending_vpn, VS_PFN_NONE,
                 unmapped, 0);
}

/* Takes up to want frames for process, writing each one's number into the caller's array (which
 * was found writable); how many it got (none when memory or commit is short). */
static uint64_t take_frames(VsThread *caller, VsProcess *process, uint64_t want, uint64_t array,
                            uint64_t *first_frame)
{
    VsSystem *system = process->system;
    uint64_t pages = vs_min(want, vs_pfn_available(&system->pfn));
    /* MiAllocatePagesForMdl charges the commit for the request before it takes a frame; the
     * model asks for what memory can give, and gets nothing when the commit limit says no. */
    if (!pages || !vs_commit_available(system, pages))
        return 0;
    uint64_t got = 0;
    for (; got < pages; got++) {
        uint64_t from;
        uint64_t frame = vs_pfn_take(system, true, &from);
        if (frame == VS_PFN_NONE)
            break;
        VsPfn *pfn = &system->pfn.frames[frame];
        pfn->pid = process->pid;
        pfn->vpn = VS_PFN_NONE;
        pfn->original_pte = vs_pte_make_software(MM_READWRITE);
        pfn->flags = VS_PFN_AWE;
        pfn->share_count = 1; /* WRK keeps an AWE frame's ShareCount 1, mapped or not */
        pfn->reference_count = 1;
        if (got == 0)
            *first_frame = frame;
        process->awe_pages++;
        system->commit_total++;
        write_entry(caller, array, got, frame);
    }
    system->commit_peak = vs_max(system->commit_peak, system->commit_total);
    return got;
}

/*
 * The in/out page count both NtAllocateUserPhysicalPages and NtFreeUserPhysicalPages check before
 * anything else (WRK): it must be readable, 0 pages is success with nothing done, and more than
 * 2^32 is STATUS_INVALID_PARAMETER_2. True when the call ends here, with its status in *status.
 */
static bool page_count_settles(const uint64_t *count, VsStatus *status)
{
    if (!count)
        *status = STATUS_ACCESS_VIOLATION;
    else if (*count == 0)
        *status = STATUS_SUCCESS;
    else if (*count > AWE_MAX_PAGES)
        *status = STATUS_INVALID_PARAMETER_2;
    else
        return false;
    return true;
}

/*
 * NtAllocateUserPhysicalPages(process, &count, array): up to *count frames for the process (its
 * handle needs PROCESS_VM_OPERATION), their numbers written to the caller's array. Order (WRK):
 * a count of 0 succeeds at once; the array must be writable for count entries
 * (STATUS_ACCESS_VIOLATION); the handle; SeLockMemoryPrivilege in the caller's token
 * (STATUS_PRIVILEGE_NOT_HELD); then frames, fewer when memory is short. None at all is
 * STATUS_INSUFFICIENT_RESOURCES, and *count is written back only on success.
 */
VsStatus VsNtAllocateUserPhysicalPages(VsThread *caller, VsHandle process_handle, uint64_t *count,
                                       uint64_t array)
{
    VsStatus status;
    if (page_count_settles(count, &status))
        return status;
    if (!array_writable(caller, array, *count))
        return STATUS_ACCESS_VIOLATION;
    VsProcess *process;
    status = vs_reference_process(caller, process_handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    if (!caller->process->lock_memory_privilege)
        return STATUS_PRIVILEGE_NOT_HELD;
    process->awe_info = true; /* MiAllocateAweInfo: kept for the process's life */
    uint64_t first = VS_PFN_NONE;
    uint64_t got = take_frames(caller, process, *count, array, &first);
    emit_awe(process, VS_EV_AWE_ALLOCATED, 0, 0, first, got, *count);
    if (!got)
        return STATUS_INSUFFICIENT_RESOURCES;
    *count = got;
    return STATUS_SUCCESS;
}

/* One frame given back: unmapped first if some window maps it (the caller counts those), then to
 * the free list, its commit returned. */
static void free_frame(VsProcess *process, uint64_t frame)
{
    VsSystem *system = process->system;
    uint64_t vpn = system->pfn.frames[frame].vpn;
    if (vpn != VS_PFN_NONE)
        unmap_page(process, vpn);
    vs_pfn_release(system, frame);
    process->awe_pages--;
    system->commit_total--;
}

/*
 * NtFreeUserPhysicalPages(process, &count, array): gives back the frames the array names, in
 * order, stopping at the first the process does not own (STATUS_CONFLICTING_ADDRESSES); a frame
 * still mapped is unmapped first. *count becomes the number freed, on failure too. A process that
 * never allocated any is STATUS_INVALID_PARAMETER_1 (no AweInfo); the array must be readable
 * (STATUS_ACCESS_VIOLATION, nothing freed).
 */
VsStatus VsNtFreeUserPhysicalPages(VsThread *caller, VsHandle process_handle, uint64_t *count,
                                   uint64_t array)
{
    VsStatus status;
    if (page_count_settles(count, &status))
        return status;
    VsProcess *process;
    status = vs_reference_process(caller, process_handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    if (!process->awe_info)
        return STATUS_INVALID_PARAMETER_1;
    uint64_t frame;
    for (uint64_t i = 0; i < *count; i++)
        if (!NT_SUCCESS(vs_read_user_word(caller, array, i, &frame)))
            return STATUS_ACCESS_VIOLATION; /* captured whole before anything is freed */
    uint64_t freed = 0, mapped = 0;
    status = STATUS_SUCCESS;
    for (; freed < *count; freed++) {
        vs_read_user_word(caller, array, freed, &frame);
        if (!vs_awe_owns(process, frame)) {
            status = STATUS_CONFLICTING_ADDRESSES;
            break;
        }
        mapped += process->system->pfn.frames[frame].vpn != VS_PFN_NONE;
        free_frame(process, frame);
    }
    if (freed)
        emit_awe(process, VS_EV_AWE_FREED, 0, 0, mapped, freed, *count);
    *count = freed;
    return status;
}

/* ---- Mapping frames into MEM_PHYSICAL reservations ------------------------------------------- */

/* The AWE VAD holding every page of [first, last], or NULL. */
static VsVad *awe_vad(VsProcess *process, uint64_t first, uint64_t last)
{
    VsVad *vad = vs_vad_find_conflict(&process->vad_root, first, first);
    return vad && vad->physical && vad->starting_vpn <= first && vad->ending_vpn >= last ? vad
                                                                                         : NULL;
}

/* The checks of one frame to be mapped at vpn, in WRK's order: owned by the process
 * (STATUS_CONFLICTING_ADDRESSES), mapped nowhere (STATUS_INVALID_PARAMETER_3: not even at vpn
 * itself, nor twice in one array). On success the frame is claimed for vpn (its PteAddress). */
static VsStatus claim_frame(VsProcess *process, uint64_t frame, uint64_t vpn)
{
    if (!vs_awe_owns(process, frame))
        return STATUS_CONFLICTING_ADDRESSES;
    VsPfn *pfn = &process->system->pfn.frames[frame];
    if (pfn->vpn != VS_PFN_NONE)
        return STATUS_INVALID_PARAMETER_3;
    pfn->vpn = vpn;
    return STATUS_SUCCESS;
}

/* Maps frame (claimed for vpn) at vpn, or unmaps vpn when frame is 0; the frame vpn mapped before
 * goes back to mapped-nowhere. A new PTE is valid read-write and dirty (WRK builds it so). */
static void set_page(VsProcess *process, uint64_t vpn, uint64_t frame)
{
    if (!frame) {
        unmap_page(process, vpn);
        return;
    }
    uint64_t old = vs_pt_read(process, vpn);
    if (vs_pte_is_valid(old))
        process->system->pfn.frames[vs_pte_frame(old)].vpn = VS_PFN_NONE;
    process->system->pfn.frames[frame].original_pte = vs_pte_make_software(MM_READWRITE);
    /* An unmapping earlier in the request may have emptied and freed this table: made again from
     * the frame that freeing gave back, so this cannot fail. */
    if (!NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
        abort(); /* a bug: the frame a freed table gave back is there to take */
    vs_pt_write(process, vpn, vs_awe_pte(frame, MM_READWRITE) | VS_PTE_DIRTY);
}

/* Every page of one request: its address and its frame (0: unmap). */
typedef struct AweRequest {
    uint64_t *vpns, *frames;
    uint64_t count;
} AweRequest;

/* How many pages of [first, last] map a frame now. */
static uint64_t mapped_pages(const VsProcess *process, uint64_t first, uint64_t last)
{
    uint64_t mapped = 0;
    for (uint64_t vpn = first; vpn <= last; vpn++)
        mapped += vs_pte_is_valid(vs_pt_read(process, vpn));
    return mapped;
}

/* Tells what a request is about to do (told before the PTEs change, so each event can say how
 * many pages mapped a frame before): one event per run of pages mapped or unmapped in a row. */
static void emit_request(VsProcess *process, const AweRequest *request)
{
    uint64_t i = 0;
    while (i < request->count) {
        uint64_t j = i + 1;
        bool unmap = request->frames[i] == 0;
        while (j < request->count && request->vpns[j] == request->vpns[j - 1] + 1 &&
               (request->frames[j] == 0) == unmap &&
               (unmap || request->frames[j] == request->frames[j - 1] + 1))
            j++;
        uint64_t first = request->vpns[i], last = request->vpns[j - 1];
        uint64_t before = mapped_pages(process, first, last);
        if (!unmap || before)
            emit_awe(process, unmap ? VS_EV_AWE_UNMAPPED : VS_EV_AWE_MAPPED, first, last,
                     unmap ? VS_PFN_NONE : request->frames[i], unmap ? before : j - i, before);
        i = j;
    }
}

/* Gives back the claims of the first `claimed` pages of a request that failed. */
static void unclaim(VsProcess *process, const AweRequest *request, uint64_t claimed)
{
    for (uint64_t i = 0; i < claimed; i++)
        if (request->frames[i])
            process->system->pfn.frames[request->frames[i]].vpn = VS_PFN_NONE;
}

/* Checks every frame, then (nothing having failed: "no mapping is done, partial or otherwise")
 * maps them all, the page tables made first. */
static VsStatus map_request(VsProcess *process, const AweRequest *request)
{
    for (uint64_t i = 0; i < request->count; i++) {
        VsStatus status = request->frames[i]
                              ? claim_frame(process, request->frames[i], request->vpns[i])
                              : STATUS_SUCCESS;
        if (!NT_SUCCESS(status)) {
            unclaim(process, request, i);
            return status;
        }
    }
    for (uint64_t i = 0; i < request->count; i++) {
        VsStatus status = vs_pt_prepare(process, request->vpns[i], request->vpns[i]);
        if (!NT_SUCCESS(status)) {
            unclaim(process, request, request->count);
            return status;
        }
    }
    emit_request(process, request);
    for (uint64_t i = 0; i < request->count; i++)
        set_page(process, request->vpns[i], request->frames[i]);
    return STATUS_SUCCESS;
}

/* The request's pages and frames, read from the caller's arrays: the frames from `frames` (0: a
 * NULL array, every page unmapped), the addresses from `addresses` (scatter) or consecutive from
 * first_vpn. STATUS_ACCESS_VIOLATION when an array cannot be read; STATUS_INSUFFICIENT_RESOURCES
 * when the host has no room. */
static VsStatus read_request(VsThread *caller, uint64_t addresses, uint64_t first_vpn,
                             uint64_t count, uint64_t frames, AweRequest *request)
{
    request->count = count;
    request->vpns = calloc(count, sizeof(uint64_t));
    request->frames = calloc(count, sizeof(uint64_t));
    if (!request->vpns || !request->frames)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t address = vs_vpn_address(first_vpn + i);
        if ((addresses && !NT_SUCCESS(vs_read_user_word(caller, addresses, i, &address))) ||
            (frames && !NT_SUCCESS(vs_read_user_word(caller, frames, i, &request->frames[i]))))
            return STATUS_ACCESS_VIOLATION;
        request->vpns[i] = vs_vpn(address);
    }
    return STATUS_SUCCESS;
}

/* Whether every page of the request lies in an AWE VAD of the process. */
static bool request_in_windows(VsProcess *process, const AweRequest *request)
{
    for (uint64_t i = 0; i < request->count; i++)
        if (!awe_vad(process, request->vpns[i], request->vpns[i]))
            return false;
    return true;
}

/* Both calls once their arguments are checked, in WRK's order: the arrays read
 * (STATUS_ACCESS_VIOLATION); a process that never allocated AWE frames, or a page outside an AWE
 * reservation (for MapUserPhysicalPages, outside the one holding the first page),
 * STATUS_INVALID_PARAMETER_1; then the frames, checked and mapped. */
static VsStatus map_pages(VsThread *caller, uint64_t addresses, uint64_t first_vpn, uint64_t count,
                          uint64_t frames)
{
    VsProcess *process = caller->process;
    AweRequest request = {0};
    VsStatus status = read_request(caller, addresses, first_vpn, count, frames, &request);
    bool inside = addresses ? request_in_windows(process, &request)
                            : awe_vad(process, first_vpn, first_vpn + count - 1) != NULL;
    if (NT_SUCCESS(status) && (!process->awe_info || !inside))
        status = STATUS_INVALID_PARAMETER_1;
    if (NT_SUCCESS(status))
        status = map_request(process, &request);
    free(request.vpns);
    free(request.frames);
    return status;
}

/*
 * NtMapUserPhysicalPages(address, count, frames): the count pages from address, in one
 * MEM_PHYSICAL reservation of the calling process, map the frames the array names (an entry of 0
 * unmaps its page; a NULL array unmaps them all), replacing what they mapped. Order (WRK): count
 * too large or the range wrapping, STATUS_INVALID_PARAMETER_2; count 0 succeeds; then map_pages.
 * Each frame: not the process's, STATUS_CONFLICTING_ADDRESSES; mapped anywhere already (even
 * here), STATUS_INVALID_PARAMETER_3. Nothing is mapped unless all pass.
 */
VsStatus VsNtMapUserPhysicalPages(VsThread *caller, uint64_t address, uint64_t count,
                                  uint64_t frames)
{
    if (count > AWE_MAX_PAGES || address + count * VS_PAGE_SIZE <= address)
        return count ? STATUS_INVALID_PARAMETER_2 : STATUS_SUCCESS;
    return map_pages(caller, 0, vs_vpn(address), count, frames);
}

/*
 * NtMapUserPhysicalPagesScatter(addresses, count, frames): the same for count pages each at its
 * own address (any AWE reservation of the process), read from the caller's array `addresses`.
 */
VsStatus VsNtMapUserPhysicalPagesScatter(VsThread *caller, uint64_t addresses, uint64_t count,
                                         uint64_t frames)
{
    if (count > AWE_MAX_PAGES)
        return STATUS_INVALID_PARAMETER_2;
    if (count == 0)
        return STATUS_SUCCESS;
    if (!addresses)
        return STATUS_ACCESS_VIOLATION;
    return map_pages(caller, addresses, 0, count, frames);
}

/*
 * VirtualProtect in an AWE reservation (WRK MiProtectAweRegion): only PAGE_NOACCESS,
 * PAGE_READONLY and PAGE_READWRITE (anything else STATUS_CONFLICTING_ADDRESSES); the mapped
 * pages of the range take it in their PTEs (a no-access one stays valid but owned by the kernel,
 * so user accesses fault), the unmapped ones stay empty, and a later mapping is read-write again.
 * *old is the first page's: PAGE_NOACCESS when it maps nothing.
 */
VsStatus vs_awe_protect(VsProcess *process, uint64_t first, uint64_t last, uint32_t mm,
                        uint32_t *old)
{
    if (mm != MM_NOACCESS && mm != MM_READONLY && mm != MM_READWRITE)
        return STATUS_CONFLICTING_ADDRESSES;
    uint64_t pte = vs_pt_read(process, first);
    *old = vs_pte_is_valid(pte) ? vs_valid_protection(process, first, pte) : MM_NOACCESS;
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        pte = vs_pt_read(process, vpn);
        if (!vs_pte_is_valid(pte))
            continue;
        uint64_t frame = vs_pte_frame(pte);
        process->system->pfn.frames[frame].original_pte = vs_pte_make_software(mm);
        vs_pt_write(process, vpn, vs_awe_pte(frame, mm) | (pte & (VS_PTE_ACCESSED | VS_PTE_DIRTY)));
    }
    return STATUS_SUCCESS;
}
