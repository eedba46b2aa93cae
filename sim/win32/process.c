/*
 * process.c - the calling process and others: GetCurrentProcess, GetCurrentProcessId, OpenProcess,
 * CloseHandle, DuplicateHandle, and GetSystemInfo.
 *
 * Models kernelbase's wrappers over the process and handle services (NtOpenProcess, NtClose) and
 * over the system's fixed facts (GetSystemInfo reads the layout; it cannot fail).
 */
#include "kernelbase.h"

VsHandle VsGetCurrentProcess(void) { return VS_CURRENT_PROCESS; }

uint32_t VsGetCurrentProcessId(const VsThread *thread) { return thread->process->pid; }

VsHandle VsOpenProcess(VsThread *thread, uint32_t access, bool inherit, uint32_t pid)
{
    (void)inherit; /* no child processes to inherit it */
    VsProcess *target = vs_process_by_id(thread->process->system, pid);
    VsHandle handle = 0;
    VsStatus status =
        target ? vs_process_open(thread, target, access, &handle) : STATUS_INVALID_CID;
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return handle;
}

bool VsCloseHandle(VsThread *thread, VsHandle handle)
{
    VsStatus status = VsNtClose(thread, handle);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    return true;
}

bool VsDuplicateHandle(VsThread *thread, VsHandle source_process, VsHandle source_handle,
                       VsHandle target_process, VsHandle *target_handle, uint32_t access,
                       bool inherit, uint32_t options)
{
    const uint32_t obj_inherit = 0x2;
    VsStatus status =
        VsNtDuplicateObject(thread, source_process, source_handle, target_process, target_handle,
                            access, inherit ? obj_inherit : 0, options);
    if (!NT_SUCCESS(status))
        vs_set_last_nt_error(thread, status);
    return NT_SUCCESS(status);
}

/* GetSystemInfo reads the architecture's fixed layout; it cannot fail. */
/* GetLargePageMinimum (kernelbase, from KUSER_SHARED_DATA.LargePageMinimum): the size one PDE
 * maps, 2 MB on x64 (512 PTEs of 4 KB) and 4 MB on the model's two-level x86 (1024). */
uint64_t VsGetLargePageMinimum(const VsThread *thread)
{
    return VS_PAGE_SIZE << thread->process->system->layout->level_bits;
}

void VsGetSystemInfo(VsThread *thread, VsSystemInfo *info)
{
    const VsSystem *system = thread->process->system;
    const VsLayout *layout = system->layout;
    bool x64 = layout->arch == VS_ARCH_X64;
    *info = (VsSystemInfo){
        .wProcessorArchitecture = x64 ? 9 : 0,
        .dwPageSize = (uint32_t)VS_PAGE_SIZE,
        .lpMinimumApplicationAddress = layout->lowest_user_address,
        .lpMaximumApplicationAddress = layout->highest_user_address,
        .dwActiveProcessorMask =
            system->processors >= 64 ? ~0ull : (1ull << system->processors) - 1,
        .dwNumberOfProcessors = system->processors,
        .dwProcessorType = x64 ? 8664 : 586,
        .dwAllocationGranularity = (uint32_t)VS_GRANULARITY,
        .wProcessorLevel = 6,
        .wProcessorRevision = 0,
    };
}
