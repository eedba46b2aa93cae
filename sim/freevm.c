/*
 * freevm.c - NtFreeVirtualMemory: decommit pages, or release address space.
 *
 * Models WRK mm/freevm.c NtFreeVirtualMemory. The range rounds out to pages and must lie inside one
 * VAD: no VAD at the base is STATUS_MEMORY_NOT_ALLOCATED, a range running past the VAD is
 * STATUS_UNABLE_TO_FREE_VM, a mapped view is STATUS_UNABLE_TO_DELETE_SECTION. Size 0 means "the
 * whole VAD" and must name its first page (STATUS_FREE_VM_NOT_AT_BASE).
 *
 * Unlike the Win32 layer, the NT layer may release part of a VAD: the head or tail is trimmed, and
 * a hole in the middle splits the VAD in two, the upper part getting a recount of its commit charge
 * (MiDeletePartialVad -> MiPerformVadSplitting; WRK: MiCalculatePageCommitment).
 */
#include "internal.h"

/* Releases [start_vpn, end_vpn] of vad: clears PTEs, returns the charge, reshapes the tree. */
static VsStatus release(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    VsVadTable *table = &process->vad_root;
    uint64_t old_start = vad->starting_vpn, old_end = vad->ending_vpn;
    bool splits = start_vpn > old_start && end_vpn < old_end;
    VsVad *upper = NULL;
    if (splits && !(upper = vs_pool_alloc(&process->system->vad_pool)))
        return STATUS_INSUFFICIENT_RESOURCES;
    /* The write-watch bitmap is cut as the VAD will be (before anything changes: it may fail). */
    if (vad->write_watch && !vs_write_watch_released(process, start_vpn, end_vpn)) {
        if (upper)
            vs_pool_free(&process->system->vad_pool, upper);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    if (vad->physical)
        vs_awe_release_vad(process, vad); /* MiRemoveUserPhysicalPagesVad: the frames stay owned */
    vs_charge_commit(process, vad, -(int64_t)vs_commit_count(process, vad, start_vpn, end_vpn));
    if (vad->large_pages)
        vs_large_pages_free(process, vad); /* MiFreeLargePages: the whole VAD goes */
    vs_delete_pages(process, vad, start_vpn, end_vpn);
    VsEvent event = {.pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .old_start = old_start,
                     .old_end = old_end};

    if (start_vpn == old_start && end_vpn == old_end) {
        vs_vad_remove(table, vad);
        vs_pool_free(&process->system->vad_pool, vad);
        event.kind = VS_EV_VAD_REMOVED;
    } else if (splits) {
        *upper = *vad;
        upper->starting_vpn = end_vpn + 1;
        upper->commit_charge = vs_commit_count(process, vad, end_vpn + 1, old_end);
        vad->commit_charge -= upper->commit_charge;
        vs_vad_set_range(table, vad, old_start, start_vpn - 1);
        vs_vad_insert(table, upper);
        event.kind = VS_EV_VAD_SPLIT;
    } else if (start_vpn == old_start) {
        vs_vad_set_range(table, vad, end_vpn + 1, old_end);
        event.kind = VS_EV_VAD_TRIMMED;
    } else {
        vs_vad_set_range(table, vad, old_start, start_vpn - 1);
        event.kind = VS_EV_VAD_TRIMMED;
    }
    vs_emit(process->system, &event);
    return STATUS_SUCCESS;
}

/*
 * MEM_RELEASE|MEM_PRESERVE_PLACEHOLDER: part of a free placeholder is split off as a placeholder
 * of its own (all of it: STATUS_CONFLICTING_ADDRESSES, there is nothing to split); a range of
 * private memory that replaced a placeholder is released and a placeholder put back over it. Any
 * other VAD was never a placeholder: STATUS_CONFLICTING_ADDRESSES.
 */
static VsStatus release_preserving(VsProcess *process, VsVad *vad, uint64_t start_vpn,
                                   uint64_t end_vpn)
{
    if (!vad->placeholder)
        return STATUS_CONFLICTING_ADDRESSES;
    if (vad->kind == VS_VAD_PLACEHOLDER) {
        if (start_vpn == vad->starting_vpn && end_vpn == vad->ending_vpn)
            return STATUS_CONFLICTING_ADDRESSES;
        return vs_placeholder_split(process, vad, start_vpn, end_vpn);
    }
    VsVad *placeholder = vs_placeholder_alloc(process);
    if (!placeholder)
        return STATUS_INSUFFICIENT_RESOURCES;
    VsStatus status = release(process, vad, start_vpn, end_vpn);
    if (!NT_SUCCESS(status)) {
        vs_pool_free(&process->system->vad_pool, placeholder);
        return status;
    }
    vs_placeholder_restore(process, placeholder, start_vpn, end_vpn);
    return STATUS_SUCCESS;
}

/* Checks the free type and the caller's range before the process is known, in WRK's order. The
 * placeholder flags go with MEM_RELEASE only: MEM_COALESCE_PLACEHOLDERS without it is _4
 * (measured), MEM_PRESERVE_PLACEHOLDER with anything else STATUS_INVALID_PARAMETER (as Wine
 * answers). */
static VsStatus check_arguments(const VsLayout *layout, const uint64_t *base_address,
                                const uint64_t *region_size, uint32_t free_type)
{
    const uint32_t placeholder = MEM_PRESERVE_PLACEHOLDER | MEM_COALESCE_PLACEHOLDERS;
    uint32_t kind = free_type & (MEM_DECOMMIT | MEM_RELEASE);
    if ((free_type & ~(MEM_DECOMMIT | MEM_RELEASE | placeholder)) || kind == 0 ||
        kind == (MEM_DECOMMIT | MEM_RELEASE))
        return STATUS_INVALID_PARAMETER_4;
    if ((free_type & MEM_COALESCE_PLACEHOLDERS) && kind != MEM_RELEASE)
        return STATUS_INVALID_PARAMETER_4;
    if ((free_type & placeholder) == placeholder ||
        ((free_type & MEM_PRESERVE_PLACEHOLDER) && kind != MEM_RELEASE))
        return STATUS_INVALID_PARAMETER;
    if (!base_address || !region_size)
        return STATUS_ACCESS_VIOLATION;
    if (*base_address > layout->highest_user_address)
        return STATUS_INVALID_PARAMETER_2;
    if (layout->highest_user_address - *base_address + 1 < *region_size)
        return STATUS_INVALID_PARAMETER_3;
    return STATUS_SUCCESS;
}

/* Finds the VAD and the pages the call covers (a coalesce may run past the first VAD). */
static VsStatus resolve_range(VsProcess *process, uint64_t base, uint64_t size, bool coalesce,
                              VsVad **vad_out, uint64_t *start_vpn, uint64_t *end_vpn)
{
    *start_vpn = vs_vpn(base);
    VsVad *vad = vs_vad_locate(&process->vad_root, *start_vpn);
    if (!vad)
        return STATUS_MEMORY_NOT_ALLOCATED;
    if (!vad->private_memory)
        return STATUS_UNABLE_TO_DELETE_SECTION;
    if (vad->no_change)
        return STATUS_INVALID_PAGE_PROTECTION; /* MiCheckSecuredVad: a secured range */
    if (size == 0) {
        if (*start_vpn != vad->starting_vpn)
            return STATUS_FREE_VM_NOT_AT_BASE;
        *end_vpn = vad->ending_vpn;
    } else {
        *end_vpn = vs_vpn(base + size - 1);
        if (*end_vpn > vad->ending_vpn && !coalesce)
            return STATUS_UNABLE_TO_FREE_VM;
    }
    *vad_out = vad;
    return STATUS_SUCCESS;
}

/* Large pages and AWE windows go whole or not at all (WRK NtFreeVirtualMemory, VadLargePages and
 * VadAwe): a decommit is STATUS_MEMORY_NOT_ALLOCATED ("they cannot be merely decommitted"; an AWE
 * window's frames go back only through FreeUserPhysicalPages), a release of less than the whole
 * VAD STATUS_FREE_VM_NOT_AT_BASE (splitting or chopping one is not allowed). */
static VsStatus check_large_pages(const VsVad *vad, uint32_t free_type, uint64_t start_vpn,
                                  uint64_t end_vpn)
{
    if (!vad->large_pages && !vad->physical)
        return STATUS_SUCCESS;
    if (free_type & MEM_DECOMMIT)
        return STATUS_MEMORY_NOT_ALLOCATED;
    if (start_vpn != vad->starting_vpn || end_vpn != vad->ending_vpn)
        return STATUS_FREE_VM_NOT_AT_BASE;
    return STATUS_SUCCESS;
}

/*
 * Decommits (MEM_DECOMMIT) or releases (MEM_RELEASE) a range of one private VAD, or splits,
 * coalesces or restores placeholders (MEM_RELEASE with MEM_PRESERVE_PLACEHOLDER or
 * MEM_COALESCE_PLACEHOLDERS; see placeholder.c). On success *base_address is the first page
 * affected and *region_size their size (a decommit of size 0 leaves it 0). Statuses:
 * STATUS_INVALID_PARAMETER_2/3/4, STATUS_ACCESS_VIOLATION, STATUS_INVALID_HANDLE,
 * STATUS_MEMORY_NOT_ALLOCATED, STATUS_UNABLE_TO_DELETE_SECTION, STATUS_FREE_VM_NOT_AT_BASE,
 * STATUS_UNABLE_TO_FREE_VM, STATUS_INVALID_PAGE_PROTECTION, STATUS_INSUFFICIENT_RESOURCES; for
 * large pages, STATUS_MEMORY_NOT_ALLOCATED (decommit) and STATUS_FREE_VM_NOT_AT_BASE (a part).
 */
VsStatus VsNtFreeVirtualMemory(VsThread *caller, VsHandle process_handle, uint64_t *base_address,
                               uint64_t *region_size, uint32_t free_type)
{
    VsStatus status =
        check_arguments(caller->process->system->layout, base_address, region_size, free_type);
    if (!NT_SUCCESS(status))
        return status;
    VsProcess *process;
    status = vs_reference_process(caller, process_handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;

    VsVad *vad;
    uint64_t start_vpn, end_vpn;
    bool coalesce = (free_type & MEM_COALESCE_PLACEHOLDERS) != 0;
    status =
        resolve_range(process, *base_address, *region_size, coalesce, &vad, &start_vpn, &end_vpn);
    if (!NT_SUCCESS(status))
        return status;
    if ((free_type & (MEM_PRESERVE_PLACEHOLDER | MEM_COALESCE_PLACEHOLDERS)) && *region_size == 0)
        return STATUS_INVALID_PARAMETER_3; /* a placeholder's range is always spelled out */
    if (!coalesce && !(free_type & MEM_PRESERVE_PLACEHOLDER))
        status = check_large_pages(vad, free_type, start_vpn, end_vpn);
    if (!NT_SUCCESS(status))
        return status;
    if (coalesce)
        status = vs_placeholders_coalesce(process, start_vpn, end_vpn);
    else if (free_type & MEM_PRESERVE_PLACEHOLDER)
        status = release_preserving(process, vad, start_vpn, end_vpn);
    else if (free_type & MEM_RELEASE)
        status = release(process, vad, start_vpn, end_vpn);
    else if (vad->kind != VS_VAD_PLACEHOLDER)
        status = vs_decommit_pages(process, vad, start_vpn, end_vpn);
    /* else: a placeholder has nothing committed to decommit (Wine succeeds and changes nothing;
     * no test measures Windows). */
    if (!NT_SUCCESS(status))
        return status;
    *base_address = vs_vpn_address(start_vpn);
    /* A decommit of size 0 (the whole allocation) leaves the size 0: Windows after 10 1709, as
     * Wine's test_NtAllocateVirtualMemory asserts (its broken() admits the allocation's size,
     * which WRK wrote and Windows wrote up to 1709). A release writes the size it freed. */
    if (*region_size != 0 || !(free_type & MEM_DECOMMIT))
        *region_size = vs_vpn_address(end_vpn - start_vpn + 1);
    return STATUS_SUCCESS;
}
