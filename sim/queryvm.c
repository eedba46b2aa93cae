/*
 * queryvm.c - NtQueryVirtualMemory (MemoryBasicInformation): what VirtualQuery reports.
 *
 * Models WRK mm/queryvm.c. A region is recomputed at every query, never stored: starting at the
 * page holding the address, the longest run of pages with the same state and protection inside one
 * VAD (one allocation). Outside any VAD the region is free: it runs to the next VAD or the top of
 * user space, has no allocation base and reports PAGE_NOACCESS. Reserved pages report Protect 0.
 */
#include "internal.h"

static void describe_free(VsProcess *process, uint64_t vpn, VsMemoryBasicInformation *mbi)
{
    const VsVad *next = vs_vad_find_above(&process->vad_root, vpn);
    uint64_t end = next ? vs_vpn_address(next->starting_vpn)
                        : process->system->layout->highest_user_address + 1;
    *mbi = (VsMemoryBasicInformation){
        .BaseAddress = vs_vpn_address(vpn),
        .RegionSize = end - vs_vpn_address(vpn),
        .State = MEM_FREE,
        .Protect = PAGE_NOACCESS,
    };
}

static void describe_allocated(VsProcess *process, const VsVad *vad, uint64_t vpn,
                               VsMemoryBasicInformation *mbi)
{
    VsPageState state;
    uint64_t end_vpn = vs_page_run_end(process, vad, vpn, &state);
    *mbi = (VsMemoryBasicInformation){
        .BaseAddress = vs_vpn_address(vpn),
        .AllocationBase = vs_vpn_address(vad->starting_vpn),
        .AllocationProtect = vs_mm_to_win32(vad->protection),
        .RegionSize = vs_vpn_address(end_vpn - vpn + 1),
        .State = state.committed ? MEM_COMMIT : MEM_RESERVE,
        .Protect = state.committed ? vs_mm_to_win32(state.mm_protection) : 0,
        .Type = !vs_vad_is_view(vad)                 ? MEM_PRIVATE
                : vs_mapped_vad(vad)->section->image ? MEM_IMAGE
                                                     : MEM_MAPPED,
    };
}

/*
 * Fills *information for the region holding base_address. Statuses: STATUS_INVALID_INFO_CLASS,
 * STATUS_INFO_LENGTH_MISMATCH (buffer smaller than the architecture's MEMORY_BASIC_INFORMATION),
 * STATUS_ACCESS_VIOLATION, STATUS_INVALID_PARAMETER (address above user space),
 * STATUS_INVALID_HANDLE.
 */
VsStatus VsNtQueryVirtualMemory(VsThread *caller, VsHandle process_handle, uint64_t base_address,
                                VsMemoryInformationClass information_class,
                                VsMemoryBasicInformation *information, uint64_t information_length,
                                uint64_t *return_length)
{
    const VsLayout *layout = caller->process->system->layout;
    if (information_class != MemoryBasicInformation)
        return STATUS_INVALID_INFO_CLASS;
    if (information_length < layout->mbi_size)
        return STATUS_INFO_LENGTH_MISMATCH;
    if (!information)
        return STATUS_ACCESS_VIOLATION;
    if (base_address > layout->highest_user_address)
        return STATUS_INVALID_PARAMETER;
    VsProcess *process;
    VsStatus status = vs_reference_process(caller, process_handle, VS_ACCESS_QUERY, &process);
    if (!NT_SUCCESS(status))
        return status;

    uint64_t vpn = vs_vpn(base_address);
    const VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
    if (vad)
        describe_allocated(process, vad, vpn, information);
    else
        describe_free(process, vpn, information);
    if (return_length)
        *return_length = layout->mbi_size;
    return STATUS_SUCCESS;
}
