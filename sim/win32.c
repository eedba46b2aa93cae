/*
 * win32.c - the Win32 layer: kernelbase's thin wrappers over the NT calls.
 *
 * Models dlls/kernelbase/memory.c as Windows behaves (Wine reproduces it): each wrapper calls the NT
 * routine for the current or a given process and, on failure, stores the status's Win32 error as the
 * calling thread's last error (BaseSetLastNTError) and returns NULL, FALSE or 0. On success the last
 * error is left alone, as Windows does. The only rule checked here rather than in the kernel is
 * VirtualFree's: MEM_RELEASE needs size 0.
 */
#include "internal.h"

VsHandle VsGetCurrentProcess(void) { return VS_CURRENT_PROCESS; }

uint32_t VsGetLastError(const VsThread *thread) { return thread->last_error; }

void VsSetLastError(VsThread *thread, uint32_t error) { thread->last_error = error; }

/* BaseSetLastNTError: the status's Win32 error becomes the thread's last error, and the status
 * itself is kept as TEB LastStatusValue (what RtlGetLastNtStatus reads). */
void vs_set_last_nt_error(VsThread *thread, VsStatus status)
{
    thread->last_error = vs_status_to_win32(status);
    thread->last_status = status;
}

VsStatus VsRtlGetLastNtStatus(const VsThread *thread) { return thread->last_status; }

uint64_t VsVirtualAllocEx(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                          uint32_t allocation_type, uint32_t protect)
{
    uint64_t base = address, region = size;
    VsStatus status =
        VsNtAllocateVirtualMemory(thread, process, &base, 0, &region, allocation_type, protect);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return base;
}

uint64_t VsVirtualAlloc(VsThread *thread, uint64_t address, uint64_t size, uint32_t allocation_type,
                        uint32_t protect)
{
    return VsVirtualAllocEx(thread, VS_CURRENT_PROCESS, address, size, allocation_type, protect);
}

bool VsVirtualFreeEx(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                     uint32_t free_type)
{
    if (free_type == MEM_RELEASE && size != 0) {
        vs_set_last_nt_error(thread, STATUS_INVALID_PARAMETER); /* kernelbase's own check */
        return false;
    }
    uint64_t base = address, region = size;
    VsStatus status = VsNtFreeVirtualMemory(thread, process, &base, &region, free_type);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    return true;
}

bool VsVirtualFree(VsThread *thread, uint64_t address, uint64_t size, uint32_t free_type)
{
    return VsVirtualFreeEx(thread, VS_CURRENT_PROCESS, address, size, free_type);
}

bool VsVirtualProtectEx(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                        uint32_t new_protect, uint32_t *old_protect)
{
    uint64_t base = address, region = size;
    VsStatus status =
        VsNtProtectVirtualMemory(thread, process, &base, &region, new_protect, old_protect);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    return true;
}

bool VsVirtualProtect(VsThread *thread, uint64_t address, uint64_t size, uint32_t new_protect,
                      uint32_t *old_protect)
{
    return VsVirtualProtectEx(thread, VS_CURRENT_PROCESS, address, size, new_protect, old_protect);
}

uint64_t VsVirtualQueryEx(VsThread *thread, VsHandle process, uint64_t address,
                          VsMemoryBasicInformation *buffer, uint64_t length)
{
    uint64_t returned = 0;
    VsStatus status = VsNtQueryVirtualMemory(thread, process, address, MemoryBasicInformation,
                                             buffer, length, &returned);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return returned;
}

uint64_t VsVirtualQuery(VsThread *thread, uint64_t address, VsMemoryBasicInformation *buffer,
                        uint64_t length)
{
    return VsVirtualQueryEx(thread, VS_CURRENT_PROCESS, address, buffer, length);
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

/* GetSystemInfo reads the architecture's fixed layout; it cannot fail. */
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
