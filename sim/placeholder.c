/*
 * placeholder.c - placeholders: address space held for something that will replace it.
 *
 * Windows 10 1803 added them so that a range can be reserved now and filled later by a view or by
 * private memory without ever being free in between (Raymond Chen, "Using virtual memory
 * placeholders..."). A placeholder is a reservation that cannot be committed, only split,
 * coalesced, replaced whole, or released. Modern Windows marks a free placeholder VAD with a
 * CommitCharge sentinel (MiCoalescePlaceholderAllocations tests it); the model gives it its own VAD
 * kind, VS_VAD_PLACEHOLDER, and keeps a flag on every VAD that is a placeholder or replaced one, as
 * Wine's VPROT_PLACEHOLDER does: only such a range may be turned back into a placeholder.
 *
 * The life cycle and the routines behind each step (DECOMP names; WRK predates placeholders):
 *   reserve   NtAllocateVirtualMemoryEx(MEM_RESERVE|MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS)
 *   split     NtFreeVirtualMemory(MEM_RELEASE|MEM_PRESERVE_PLACEHOLDER) on part of a free one
 *             (MiDeletePartialVad -> MiPerformVadSplitting)
 *   coalesce  NtFreeVirtualMemory(MEM_RELEASE|MEM_COALESCE_PLACEHOLDERS) over the exact extent of
 *             two or more adjacent free placeholders (MiCoalescePlaceholderAllocations)
 *   replace   NtAllocateVirtualMemoryEx(MEM_RESERVE|MEM_REPLACE_PLACEHOLDER) or
 *             NtMapViewOfSectionEx(MEM_REPLACE_PLACEHOLDER), base and size exactly the
 * placeholder's restore   NtFreeVirtualMemory(MEM_RELEASE|MEM_PRESERVE_PLACEHOLDER) on replaced
 * private memory, NtUnmapViewOfSectionEx(MEM_PRESERVE_PLACEHOLDER) on a replacing view (MiDeleteVad
 * -> MiReInsertPlaceholderVad) The statuses are those Wine's tests measured on Windows
 * (ntdll/tests/virtual.c, kernelbase/tests/process.c): a range that is not exactly right is
 * STATUS_CONFLICTING_ADDRESSES.
 */
#include "internal.h"

/*
 * The free placeholder [start_vpn, end_vpn] is to be replaced: no VAD at the base is
 * STATUS_INVALID_PARAMETER, a range that is not exactly the VAD's STATUS_CONFLICTING_ADDRESSES, a
 * VAD that is not a free placeholder STATUS_INVALID_PARAMETER (the order of Wine's map_view).
 */
VsStatus vs_placeholder_find(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, VsVad **out)
{
    VsVad *vad = vs_vad_locate(&process->vad_root, start_vpn);
    if (!vad)
        return STATUS_INVALID_PARAMETER;
    if (vad->starting_vpn != start_vpn || vad->ending_vpn != end_vpn)
        return STATUS_CONFLICTING_ADDRESSES;
    if (vad->kind != VS_VAD_PLACEHOLDER)
        return STATUS_INVALID_PARAMETER;
    *out = vad;
    return STATUS_SUCCESS;
}

/* Turns vad into a free placeholder over its range: no PTEs, no commit, PAGE_NOACCESS. */
static void make_placeholder(VsVad *vad)
{
    vad->kind = VS_VAD_PLACEHOLDER;
    vad->placeholder = 1;
    vad->private_memory = 1;
    vad->protection = vs_mm_from_win32(PAGE_NOACCESS);
    vad->mem_commit = 0;
    vad->write_watch = 0;
    vad->commit_charge = 0;
}

/*
 * Replaces a whole free placeholder with private memory (the MEM_REPLACE_PLACEHOLDER path of
 * NtAllocateVirtualMemoryEx): base and size round to pages, not 64 KB, and must name the
 * placeholder exactly. The VAD keeps its place in the tree and becomes an ordinary reservation with
 * the new protection, committed whole with MEM_COMMIT, write-watched with MEM_WRITE_WATCH.
 */
VsStatus vs_placeholder_replace_private(VsProcess *process, uint64_t *base_address,
                                        uint64_t *region_size, uint32_t type, uint32_t mm)
{
    uint64_t start_vpn = vs_vpn(*base_address);
    uint64_t end_vpn = vs_vpn(*base_address + *region_size - 1);
    VsVad *vad;
    VsStatus status = vs_placeholder_find(process, start_vpn, end_vpn, &vad);
    if (!NT_SUCCESS(status))
        return status;
    uint64_t pages = end_vpn - start_vpn + 1;
    if ((type & MEM_COMMIT) && !vs_commit_available(process->system, pages))
        return STATUS_COMMITMENT_LIMIT;
    if ((type & MEM_WRITE_WATCH) && !vs_write_watch_create(process, start_vpn, pages))
        return STATUS_INSUFFICIENT_RESOURCES;
    vs_emit_rounded(process, *base_address, *region_size, start_vpn, end_vpn);
    vad->kind = VS_VAD_PRIVATE;
    vad->protection = mm;
    vad->mem_commit = (type & MEM_COMMIT) != 0;
    vad->write_watch = (type & MEM_WRITE_WATCH) != 0;
    VsEvent event = {.kind = VS_EV_PLACEHOLDER_REPLACED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .protection = vs_mm_to_win32(mm)};
    vs_emit(process->system, &event);
    if (vad->mem_commit) {
        vs_charge_commit(process, vad, (int64_t)pages);
        VsEvent committed = {.kind = VS_EV_COMMITTED,
                             .pid = process->pid,
                             .vpn_start = start_vpn,
                             .vpn_end = end_vpn,
                             .pages = pages,
                             .protection = event.protection};
        vs_emit(process->system, &committed);
    }
    *base_address = vs_vpn_address(start_vpn);
    *region_size = vs_vpn_address(pages);
    return STATUS_SUCCESS;
}

/*
 * Splits [start_vpn, end_vpn] off the free placeholder vad, which is larger: the range becomes a
 * placeholder of its own and what is left on either side stays one (so a middle split makes
 * three). No page or commit is involved.
 */
VsStatus vs_placeholder_split(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    VsSystem *system = process->system;
    uint64_t old_start = vad->starting_vpn, old_end = vad->ending_vpn;
    bool middle = start_vpn > old_start && end_vpn < old_end;
    VsVad *piece = vs_pool_alloc(&system->vad_pool);
    VsVad *upper = middle ? vs_pool_alloc(&system->vad_pool) : NULL;
    if (!piece || (middle && !upper)) {
        vs_pool_free(&system->vad_pool, piece);
        vs_pool_free(&system->vad_pool, upper);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    VsVadTable *table = &process->vad_root;
    if (start_vpn == old_start)
        vs_vad_set_range(table, vad, end_vpn + 1, old_end);
    else
        vs_vad_set_range(table, vad, old_start, start_vpn - 1);
    if (upper) {
        make_placeholder(upper);
        upper->starting_vpn = end_vpn + 1;
        upper->ending_vpn = old_end;
        vs_vad_insert(table, upper);
    }
    make_placeholder(piece);
    piece->starting_vpn = start_vpn;
    piece->ending_vpn = end_vpn;
    vs_vad_insert(table, piece);
    VsEvent event = {.kind = VS_EV_PLACEHOLDER_SPLIT,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .old_start = old_start,
                     .old_end = old_end};
    vs_emit(system, &event);
    return STATUS_SUCCESS;
}

/*
 * Merges the free placeholders that exactly cover [start_vpn, end_vpn] into the first of them
 * (MiCoalescePlaceholderAllocations): the first must start at start_vpn, each must be a free
 * placeholder adjacent to the one before, the last must end at end_vpn, and there must be at
 * least two. Anything else is STATUS_CONFLICTING_ADDRESSES and changes nothing.
 */
VsStatus vs_placeholders_coalesce(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    VsVadTable *table = &process->vad_root;
    VsVad *first = vs_vad_locate(table, start_vpn);
    if (!first || first->kind != VS_VAD_PLACEHOLDER || first->starting_vpn != start_vpn)
        return STATUS_CONFLICTING_ADDRESSES;
    uint64_t count = 1;
    const VsVad *last = first;
    while (last->ending_vpn < end_vpn) {
        const VsVad *next = vs_vad_next(last);
        if (!next || next->kind != VS_VAD_PLACEHOLDER ||
            next->starting_vpn != (uint64_t)last->ending_vpn + 1)
            return STATUS_CONFLICTING_ADDRESSES;
        last = next;
        count++;
    }
    if (last->ending_vpn != end_vpn || count < 2)
        return STATUS_CONFLICTING_ADDRESSES;
    while (first->ending_vpn < end_vpn) {
        VsVad *next = (VsVad *)vs_vad_next(first);
        uint64_t next_end = next->ending_vpn;
        vs_vad_remove(table, next);
        vs_pool_free(&process->system->vad_pool, next);
        vs_vad_set_range(table, first, start_vpn, next_end);
    }
    VsEvent event = {.kind = VS_EV_PLACEHOLDERS_COALESCED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .pages = count};
    vs_emit(process->system, &event);
    return STATUS_SUCCESS;
}

/* A VAD for a placeholder about to be restored: taken before the range is emptied, so that running
 * out of memory leaves everything as it was. */
VsVad *vs_placeholder_alloc(VsProcess *process)
{
    return vs_pool_alloc(&process->system->vad_pool);
}

/*
 * Puts a free placeholder over [start_vpn, end_vpn], which was just released or unmapped
 * (MiReInsertPlaceholderVad): what was there is gone, its contents with it.
 */
void vs_placeholder_restore(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    *vad = (VsVad){0};
    make_placeholder(vad);
    vad->starting_vpn = start_vpn;
    vad->ending_vpn = end_vpn;
    vs_vad_insert(&process->vad_root, vad);
    vs_emit_range(process, VS_EV_PLACEHOLDER_RESTORED, start_vpn, end_vpn);
}
