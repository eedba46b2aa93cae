/*
 * psapi.c - what a process can learn and set about its memory: working-set limits, counters, the
 * state of single pages, and the machine's memory status.
 *
 * Models the kernel services behind the Win32 calls and the calls themselves:
 *   SetProcessWorkingSetSize  -> NtSetInformationProcess(ProcessQuotaLimits) ->
 * MmAdjustWorkingSetSize
 *                                ((SIZE_T)-1 twice: MiEmptyWorkingSet; EmptyWorkingSet is that)
 *   GetProcessWorkingSetSize  -> NtQueryInformationProcess(ProcessQuotaLimits)
 *   GetProcessMemoryInfo      -> NtQueryInformationProcess(ProcessVmCounters):
 * PROCESS_MEMORY_COUNTERS_EX QueryWorkingSetEx         ->
 * NtQueryVirtualMemory(MemoryWorkingSetExInformation) (WRK mm/queryvm.c MiGetWorkingSetInfoList)
 *   GlobalMemoryStatusEx      -> NtQuerySystemInformation (basic and performance information)
 * Each checks its handle's rights as the documentation says: SET_QUOTA to set limits (and a query
 * right to empty), a query right to read, and VM_READ too for GetProcessMemoryInfo.
 * The model's counters are its own pages only: a real process's working set also holds its image,
 * its stacks and heaps, and its page tables, so the numbers are smaller than Windows shows.
 */
#include "kernelbase.h"

#define SIZE_T_MINUS_ONE UINT64_MAX

/* Fails a Win32 call: the status's error becomes the last error. */
static bool fail(VsThread *thread, VsStatus status)
{
    vs_set_last_nt_error(thread, status);
    return false;
}

bool VsSetProcessWorkingSetSize(VsThread *thread, VsHandle handle, uint64_t minimum_bytes,
                                uint64_t maximum_bytes)
{
    VsProcess *process;
    VsStatus status = vs_reference_process(thread, handle, PROCESS_SET_QUOTA, &process);
    if (!NT_SUCCESS(status))
        return fail(thread, status);
    if (minimum_bytes == SIZE_T_MINUS_ONE && maximum_bytes == SIZE_T_MINUS_ONE) {
        vs_empty_working_set(process);
        return true;
    }
    status = vs_working_set_set_limits(process, minimum_bytes >> VS_PAGE_SHIFT,
                                       maximum_bytes >> VS_PAGE_SHIFT);
    return NT_SUCCESS(status) || fail(thread, status);
}

bool VsEmptyWorkingSet(VsThread *thread, VsHandle handle)
{
    VsProcess *process;
    VsStatus status = vs_reference_process(thread, handle, VS_ACCESS_QUERY_ANY, &process);
    if (!NT_SUCCESS(status))
        return fail(thread, status);
    return VsSetProcessWorkingSetSize(thread, handle, SIZE_T_MINUS_ONE, SIZE_T_MINUS_ONE);
}

bool VsGetProcessWorkingSetSize(VsThread *thread, VsHandle handle, uint64_t *minimum_bytes,
                                uint64_t *maximum_bytes)
{
    VsProcess *process;
    VsStatus status = vs_reference_process(thread, handle, VS_ACCESS_QUERY_ANY, &process);
    if (!NT_SUCCESS(status))
        return fail(thread, status);
    *minimum_bytes = process->ws.minimum << VS_PAGE_SHIFT;
    *maximum_bytes = process->ws.maximum << VS_PAGE_SHIFT;
    return true;
}

bool VsGetProcessMemoryInfo(VsThread *thread, VsHandle handle, VsProcessMemoryCounters *counters)
{
    VsProcess *process;
    VsStatus status =
        vs_reference_process(thread, handle, VS_ACCESS_QUERY_ANY | PROCESS_VM_READ, &process);
    if (!NT_SUCCESS(status))
        return fail(thread, status);
    const VsWorkingSet *ws = &process->ws;
    *counters = (VsProcessMemoryCounters){
        .cb = sizeof *counters,
        .PageFaultCount = (uint32_t)ws->page_faults,
        .PeakWorkingSetSize = ws->peak << VS_PAGE_SHIFT,
        .WorkingSetSize = ws->count << VS_PAGE_SHIFT,
        .PagefileUsage = process->commit_charge << VS_PAGE_SHIFT,
        .PeakPagefileUsage = process->peak_commit_charge << VS_PAGE_SHIFT,
        .PrivateUsage = process->commit_charge << VS_PAGE_SHIFT,
    };
    return true;
}

bool VsQueryWorkingSetEx(VsThread *thread, VsHandle handle, uint64_t address,
                         VsWorkingSetExBlock *block)
{
    VsProcess *process;
    VsStatus status = vs_reference_process(thread, handle, VS_ACCESS_QUERY_ANY, &process);
    if (!NT_SUCCESS(status))
        return fail(thread, status);
    *block = vs_working_set_block(process, address);
    return true;
}

/* Bytes of the process's user space no VAD holds. */
static uint64_t free_virtual(const VsProcess *process)
{
    const VsLayout *layout = process->system->layout;
    uint64_t total = layout->highest_user_address + 1 - layout->lowest_user_address;
    for (const VsVad *vad = vs_vad_first(process); vad; vad = vs_vad_next(vad))
        total -= (vad->ending_vpn - vad->starting_vpn + 1) << VS_PAGE_SHIFT;
    return total;
}

void VsGlobalMemoryStatusEx(VsThread *thread, VsMemoryStatusEx *status)
{
    const VsSystem *system = thread->process->system;
    const VsLayout *layout = system->layout;
    const VsPfnDatabase *db = &system->pfn;
    uint64_t limit = system->commit_limit, used = system->commit_total;
    uint64_t available = vs_pfn_available(db);
    *status = (VsMemoryStatusEx){
        .dwLength = sizeof *status,
        .dwMemoryLoad = (uint32_t)((db->count - available) * 100 / db->count),
        .ullTotalPhys = db->count << VS_PAGE_SHIFT,
        .ullAvailPhys = available << VS_PAGE_SHIFT,
        .ullTotalPageFile = limit << VS_PAGE_SHIFT,
        .ullAvailPageFile = (used < limit ? limit - used : 0) << VS_PAGE_SHIFT,
        .ullTotalVirtual = layout->highest_user_address + 1 - layout->lowest_user_address,
        .ullAvailVirtual = free_virtual(thread->process),
    };
}
