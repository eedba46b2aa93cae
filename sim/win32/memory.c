/*
 * memory.c - the Win32 memory calls: VirtualAlloc(Ex, 2), VirtualFree(Ex), VirtualProtect(Ex),
 * VirtualQuery(Ex), VirtualLock, VirtualUnlock, GetWriteWatch and ResetWriteWatch,
 * ReadProcessMemory and WriteProcessMemory.
 *
 * Models dlls/kernelbase/memory.c as Windows behaves (Wine reproduces it): each wrapper calls the
 * NT routine for the current or a given process and, on failure, stores the status's Win32 error as
 * the calling thread's last error (BaseSetLastNTError) and returns NULL, FALSE or 0. On success the
 * last error is left alone, as Windows does. The only rule checked here rather than in the kernel
 * is VirtualFree's: MEM_RELEASE needs size 0.
 */
#include "kernelbase.h"

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

/* VirtualAlloc2 (kernelbase): a NULL process means the current one; the rest is the NT call's. */
uint64_t VsVirtualAlloc2(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                         uint32_t allocation_type, uint32_t protect,
                         const VsMemExtendedParameter *parameters, uint32_t parameter_count)
{
    uint64_t base = address, region = size;
    VsStatus status =
        VsNtAllocateVirtualMemoryEx(thread, process ? process : VS_CURRENT_PROCESS, &base, &region,
                                    allocation_type, protect, parameters, parameter_count);
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

/* VirtualLock: the pages are made resident and locked in the working set. A guard page met on
 * the way fails the call (its status is a success code, but no lock was taken). */
bool VsVirtualLock(VsThread *thread, uint64_t address, uint64_t size)
{
    uint64_t base = address, region = size;
    VsStatus status =
        VsNtLockVirtualMemory(thread, VS_CURRENT_PROCESS, &base, &region, MAP_PROCESS);
    if (NT_SUCCESS(status) && status != STATUS_GUARD_PAGE_VIOLATION)
        return true;
    vs_set_last_nt_error(thread, status);
    return false;
}

bool VsVirtualUnlock(VsThread *thread, uint64_t address, uint64_t size)
{
    uint64_t base = address, region = size;
    VsStatus status =
        VsNtUnlockVirtualMemory(thread, VS_CURRENT_PROCESS, &base, &region, MAP_PROCESS);
    if (NT_SUCCESS(status))
        return true;
    vs_set_last_nt_error(thread, status);
    return false;
}

/* GetWriteWatch: 0 on success, (UINT)-1 with the last error set on failure. */
uint32_t VsGetWriteWatch(VsThread *thread, uint32_t flags, uint64_t base, uint64_t size,
                         uint64_t *addresses, uint64_t *count, uint32_t *granularity)
{
    VsStatus status = VsNtGetWriteWatch(thread, VS_CURRENT_PROCESS, flags, base, size, addresses,
                                        count, granularity);
    if (NT_SUCCESS(status))
        return 0;
    vs_set_last_nt_error(thread, status);
    return UINT32_MAX;
}

uint32_t VsResetWriteWatch(VsThread *thread, uint64_t base, uint64_t size)
{
    VsStatus status = VsNtResetWriteWatch(thread, VS_CURRENT_PROCESS, base, size);
    if (NT_SUCCESS(status))
        return 0;
    vs_set_last_nt_error(thread, status);
    return UINT32_MAX;
}

bool VsReadProcessMemory(VsThread *thread, VsHandle process, uint64_t address, uint64_t buffer,
                         uint64_t size, uint64_t *read)
{
    VsStatus status = VsNtReadVirtualMemory(thread, process, address, buffer, size, read);
    if (!NT_SUCCESS(status))
        vs_set_last_nt_error(thread, status);
    return NT_SUCCESS(status);
}

/* The code-patching path of WriteProcessMemory: the pages of the range inside the first region
 * (m) are made writable (PAGE_EXECUTE_READWRITE for private memory, PAGE_EXECUTE_WRITECOPY for a
 * view), written, and given their old protection back. */
static VsStatus write_executable(VsThread *thread, VsHandle process, uint64_t address,
                                 uint64_t buffer, uint64_t size, uint64_t *written,
                                 const VsMemoryBasicInformation *m)
{
    uint64_t base = address & ~(VS_PAGE_SIZE - 1);
    uint64_t region =
        ((address & (VS_PAGE_SIZE - 1)) + size + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    uint64_t region_end = m->BaseAddress + m->RegionSize;
    if (region > region_end - base)
        region = region_end - base;
    uint32_t writable = m->Type == MEM_PRIVATE ? PAGE_EXECUTE_READWRITE : PAGE_EXECUTE_WRITECOPY;
    uint32_t old = 0, ignored = 0;
    VsStatus status = VsNtProtectVirtualMemory(thread, process, &base, &region, writable, &old);
    if (!NT_SUCCESS(status))
        return status;
    status = VsNtWriteVirtualMemory(thread, process, address, buffer, size, written);
    VsNtProtectVirtualMemory(thread, process, &base, &region, old, &ignored);
    return status;
}

/* WriteProcessMemory (kernelbase): what the first region's protection allows decides the way. */
bool VsWriteProcessMemory(VsThread *thread, VsHandle process, uint64_t address, uint64_t buffer,
                          uint64_t size, uint64_t *written)
{
    VsMemoryBasicInformation m;
    if (!VsVirtualQueryEx(thread, process, address, &m, sizeof m))
        return false;
    VsStatus status;
    switch (m.Protect & ~(uint32_t)(PAGE_GUARD | PAGE_NOCACHE)) {
    case PAGE_READWRITE:
    case PAGE_WRITECOPY:
    case PAGE_EXECUTE_READWRITE:
    case PAGE_EXECUTE_WRITECOPY:
        status = VsNtWriteVirtualMemory(thread, process, address, buffer, size, written);
        break;
    case PAGE_EXECUTE:
    case PAGE_EXECUTE_READ:
        status = write_executable(thread, process, address, buffer, size, written, &m);
        break;
    default: status = STATUS_ACCESS_VIOLATION; break; /* not writable: the count is untouched */
    }
    if (!NT_SUCCESS(status))
        vs_set_last_nt_error(thread, status);
    return NT_SUCCESS(status);
}

/* The Offer family answers with the error itself (offer.c has the model). */
uint32_t VsOfferVirtualMemory(VsThread *thread, uint64_t address, uint64_t size, uint32_t priority)
{
    return vs_status_to_win32(vs_offer_virtual_memory(thread, address, size, priority));
}

uint32_t VsReclaimVirtualMemory(VsThread *thread, uint64_t address, uint64_t size)
{
    bool discarded;
    VsStatus status = vs_reclaim_virtual_memory(thread, address, size, &discarded);
    return !NT_SUCCESS(status) ? vs_status_to_win32(status)
           : discarded         ? ERROR_BUSY
                               : ERROR_SUCCESS;
}

uint32_t VsDiscardVirtualMemory(VsThread *thread, uint64_t address, uint64_t size)
{
    return vs_status_to_win32(vs_discard_virtual_memory(thread, address, size));
}

/* PrefetchVirtualMemory: kernelbase passes its flags as the NT call's information. */
bool VsPrefetchVirtualMemory(VsThread *thread, VsHandle process, uint64_t count, uint64_t entries,
                             uint32_t flags)
{
    VsStatus status =
        VsNtSetInformationVirtualMemory(thread, process, 0, count, entries, &flags, sizeof flags);
    if (!NT_SUCCESS(status))
        vs_set_last_nt_error(thread, status);
    return NT_SUCCESS(status);
}

/* ---- Address Windowing Extensions ------------------------------------------------------------ */

/* What the four kernelbase calls share: the NT call's status as a BOOL and the last error. */
static bool awe_result(VsThread *thread, VsStatus status)
{
    if (NT_SUCCESS(status))
        return true;
    vs_set_last_nt_error(thread, status);
    return false;
}

bool VsAllocateUserPhysicalPages(VsThread *thread, VsHandle process, uint64_t *count,
                                 uint64_t frames)
{
    return awe_result(thread, VsNtAllocateUserPhysicalPages(thread, process, count, frames));
}

bool VsFreeUserPhysicalPages(VsThread *thread, VsHandle process, uint64_t *count, uint64_t frames)
{
    return awe_result(thread, VsNtFreeUserPhysicalPages(thread, process, count, frames));
}

bool VsMapUserPhysicalPages(VsThread *thread, uint64_t address, uint64_t count, uint64_t frames)
{
    return awe_result(thread, VsNtMapUserPhysicalPages(thread, address, count, frames));
}

bool VsMapUserPhysicalPagesScatter(VsThread *thread, uint64_t addresses, uint64_t count,
                                   uint64_t frames)
{
    return awe_result(thread, VsNtMapUserPhysicalPagesScatter(thread, addresses, count, frames));
}
