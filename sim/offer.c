/*
 * offer.c - memory a process offers to the system, reclaims, or discards: OfferVirtualMemory,
 * ReclaimVirtualMemory and DiscardVirtualMemory (Windows 8.1 Update), beside MEM_RESET.
 *
 * Models the three calls as Microsoft's pages state their contract; the kernel routines under them
 * are not documented, and no Wine test asserts them (Wine 8.0 and 10.0 export neither Offer nor
 * Reclaim; Wine 10.0's DiscardVirtualMemory is NtAllocateVirtualMemory(MEM_RESET)). What each
 * guarantees of the contents, from strongest: committed memory keeps them; MEM_RESET lets them go
 * only when a frame is wanted, readable meanwhile, and MEM_RESET_UNDO may ask them back
 * (allocvm.c); an offer lets them go likewise but makes the pages inaccessible until Reclaim says
 * whether they survived; a discard drops them at once.
 *
 * OfferVirtualMemory(address, size, priority): the pages "will be marked as inaccessible, removed
 * from the process working set, and will not be written to the paging file"; locked pages are
 * unlocked. The model makes the pages clean as MEM_RESET does (a dirty page will not be written; a
 * copy in the page file is freed, so a page found only there is discarded at once), then gives them
 * PAGE_NOACCESS, which takes the resident ones out of the working set (and drops their locks) onto
 * the standby list, where the frame is repurposed when memory is short: the contents are then
 * gone. Each page's protection, whether it held contents, and the priority are recorded. The
 * priority is recorded and shown only: the model's standby list has one priority, so offered
 * frames are repurposed oldest first among the others ("typically discards lower priority memory
 * before discarding higher priority memory", the page says). VirtualQuery reports an offered page
 * PAGE_NOACCESS, and a touch raises STATUS_ACCESS_VIOLATION (the model's reading of
 * "inaccessible": the page states no status).
 *
 * ReclaimVirtualMemory(address, size): each offered page gets its protection back; ERROR_SUCCESS
 * when every page that held contents still has them (in its frame), ERROR_BUSY when some were
 * discarded - the call succeeded, but "the contents of the memory region is undefined" (here:
 * zeros). Pages of the range that are not offered (never, reclaimed already, or re-protected since)
 * are left alone.
 *
 * DiscardVirtualMemory(address, size): the contents go at once, the pages stay committed with
 * their protection: frames to the free list, page-file copies freed, every page demand zero (a
 * later touch reads zeros, "undefined" in the page). It "will fail if the memory protection is not
 * PAGE_READWRITE", and "if DiscardVirtualMemory fails, the contents of the region is not altered".
 *
 * The checks (the model's order, the pages' words where they say any): the address page-aligned
 * and the size a multiple of the page size, not 0, inside user space (ERROR_INVALID_PARAMETER);
 * Offer's priority VMOfferPriorityVeryLow (1) to VMOfferPriorityNormal (4)
 * (ERROR_INVALID_PARAMETER); the range committed private memory of one allocation, not large pages
 * nor an AWE window (ERROR_INVALID_ADDRESS, as VirtualAlloc's MEM_RESET answers a range it cannot
 * reset); Discard's PAGE_READWRITE on every page (ERROR_INVALID_PARAMETER: the page names no
 * error).
 */
#include "internal.h"

#define OFFERED 1u
#define HELD 0x100u      /* the page held contents (resident, or in the page file) when offered */
#define PRIORITY_SHIFT 9 /* then the priority, 1-4 */
#define MM_SHIFT 1       /* bits 1-7: the page's MM protection before the offer */

/* The range as pages of one committed private allocation, or the status that refuses it. */
static VsStatus offer_range(VsProcess *process, uint64_t address, uint64_t size, VsVad **vad,
                            uint64_t *first, uint64_t *last)
{
    const VsLayout *layout = process->system->layout;
    if ((address | size) & (VS_PAGE_SIZE - 1) || size == 0 ||
        address > layout->highest_user_address || layout->highest_user_address - address < size - 1)
        return STATUS_INVALID_PARAMETER;
    *first = vs_vpn(address);
    *last = vs_vpn(address + size - 1);
    *vad = vs_vad_find_conflict(&process->vad_root, *first, *last);
    if (!*vad || *first < (*vad)->starting_vpn || *last > (*vad)->ending_vpn ||
        vs_vad_is_view(*vad) || (*vad)->large_pages || (*vad)->physical || (*vad)->no_change ||
        vs_commit_count(process, *vad, *first, *last) != *last - *first + 1)
        return STATUS_CONFLICTING_ADDRESSES;
    return STATUS_SUCCESS;
}

/* Whether the page's contents exist: in a frame or in the page file. */
static bool holds_contents(const VsProcess *process, uint64_t vpn)
{
    uint64_t pte = vs_pt_read(process, vpn);
    return vs_pte_is_resident(pte) || vs_pte_is_pagefile(pte);
}

static uint32_t page_mm(VsProcess *process, const VsVad *vad, uint64_t vpn)
{
    return vs_page_state(process, vad, vpn, vs_pt_read(process, vpn)).mm_protection;
}

static void emit_offer(VsProcess *process, VsEventKind kind, uint64_t first, uint64_t last,
                       uint64_t pages, uint32_t priority)
{
    VsEvent event = {.kind = kind,
                     .pid = process->pid,
                     .vpn_start = first,
                     .vpn_end = last,
                     .pages = pages,
                     .frame = priority};
    vs_emit(process->system, &event);
}

VsStatus vs_offer_virtual_memory(VsThread *thread, uint64_t address, uint64_t size,
                                 uint32_t priority)
{
    VsProcess *process = thread->process;
    VsVad *vad;
    uint64_t first, last;
    if (priority < 1 || priority > 4)
        return STATUS_INVALID_PARAMETER;
    VsStatus status = offer_range(process, address, size, &vad, &first, &last);
    if (!NT_SUCCESS(status))
        return status;
    if (!vs_sparse_prepare(&process->offered, first, last))
        return STATUS_INSUFFICIENT_RESOURCES;
    uint64_t held = 0;
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        uint64_t record = vs_sparse_get(&process->offered, vpn);
        uint32_t mm = record ? (uint32_t)(record >> MM_SHIFT) & 0x7F : page_mm(process, vad, vpn);
        bool contents = record ? (record & HELD) != 0 : holds_contents(process, vpn);
        held += contents;
        vs_sparse_set(&process->offered, vpn,
                      OFFERED | mm << MM_SHIFT | (contents ? HELD : 0) |
                          priority << PRIORITY_SHIFT);
    }
    vs_reset_pages(process, vad, first, last);
    status = vs_set_protection(process, vad, first, last, MM_NOACCESS);
    if (!NT_SUCCESS(status))
        return status;
    emit_offer(process, VS_EV_PAGES_OFFERED, first, last, held, priority);
    return STATUS_SUCCESS;
}

VsStatus vs_reclaim_virtual_memory(VsThread *thread, uint64_t address, uint64_t size,
                                   bool *discarded)
{
    VsProcess *process = thread->process;
    VsVad *vad;
    uint64_t first, last, lost = 0;
    *discarded = false;
    VsStatus status = offer_range(process, address, size, &vad, &first, &last);
    if (!NT_SUCCESS(status))
        return status;
    for (uint64_t vpn = vs_sparse_next(&process->offered, first, last); vpn <= last;
         vpn = vs_sparse_next(&process->offered, vpn + 1, last)) {
        uint64_t record = vs_sparse_get(&process->offered, vpn);
        if (page_mm(process, vad, vpn) == MM_NOACCESS) { /* not re-protected since */
            status =
                vs_set_protection(process, vad, vpn, vpn, (uint32_t)(record >> MM_SHIFT) & 0x7F);
            if (!NT_SUCCESS(status))
                return status;
            lost += (record & HELD) && !holds_contents(process, vpn);
        }
        vs_sparse_set(&process->offered, vpn, 0);
        if (vpn == last)
            break;
    }
    vs_sparse_release_empty(&process->offered, first, last);
    emit_offer(process, VS_EV_PAGES_RECLAIMED, first, last, lost, 0);
    *discarded = lost != 0;
    return STATUS_SUCCESS;
}

VsStatus vs_discard_virtual_memory(VsThread *thread, uint64_t address, uint64_t size)
{
    VsProcess *process = thread->process;
    VsVad *vad;
    uint64_t first, last;
    VsStatus status = offer_range(process, address, size, &vad, &first, &last);
    if (!NT_SUCCESS(status))
        return status;
    for (uint64_t vpn = first; vpn <= last; vpn++)
        if (page_mm(process, vad, vpn) != MM_READWRITE)
            return STATUS_INVALID_PARAMETER;
    vs_discard_pages(process, vad, first, last);
    emit_offer(process, VS_EV_MEMORY_DISCARDED, first, last, last - first + 1, 0);
    return STATUS_SUCCESS;
}

/* Decommit and release forget what was offered of [first, last]: a later commit there is new. */
void vs_offer_forget(VsProcess *process, uint64_t first, uint64_t last)
{
    for (uint64_t vpn = vs_sparse_next(&process->offered, first, last); vpn <= last;
         vpn = vs_sparse_next(&process->offered, vpn + 1, last)) {
        vs_sparse_set(&process->offered, vpn, 0);
        if (vpn == last)
            break;
    }
    vs_sparse_release_empty(&process->offered, first, last);
}
