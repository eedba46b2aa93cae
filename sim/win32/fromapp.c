/*
 * fromapp.c - the FromApp calls: VirtualAllocFromApp, VirtualAlloc2FromApp, VirtualProtectFromApp,
 * MapViewOfFileFromApp and MapViewOfFile3FromApp (kernelbase, Windows 10).
 *
 * They are the calls a Store app makes: an app without the codeGeneration capability may not
 * create executable memory. A desktop process is no app, and for it only the two allocation calls
 * keep a rule of their own: each of the four executable protections (PAGE_EXECUTE,
 * PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY) is refused with
 * ERROR_INVALID_PARAMETER before anything else is looked at, and nothing is allocated (Microsoft's
 * VirtualAllocFromApp page: "The following constants generate an error"; Wine's
 * kernelbase/tests/process.c test_VirtualAllocFromApp and test_VirtualAlloc2FromApp). The refusal
 * is kernelbase's own: the last error is set and no NT call is made, so RtlGetLastNtStatus keeps
 * what it held. The protection is compared whole, as Wine does (an executable protection with a
 * modifier such as PAGE_GUARD goes on to the NT call; no test shows what Windows does then).
 *
 * VirtualProtectFromApp is VirtualProtect for a desktop process (test_VirtualProtectFromApp makes
 * a page PAGE_EXECUTE_READWRITE with it: "Works on desktop, but not on UWP"); MapViewOfFileFromApp
 * is MapViewOfFile with a 64-bit offset, and MapViewOfFile3FromApp is MapViewOfFile3 (Microsoft:
 * executable views need the capability, which binds apps only).
 */
#include "kernelbase.h"

/* The protections the FromApp allocations refuse: exactly one of the four executable ones. */
static bool app_may_not_allocate(uint32_t protect)
{
    return protect == PAGE_EXECUTE || protect == PAGE_EXECUTE_READ ||
           protect == PAGE_EXECUTE_READWRITE || protect == PAGE_EXECUTE_WRITECOPY;
}

uint64_t VsVirtualAllocFromApp(VsThread *thread, uint64_t address, uint64_t size,
                               uint32_t allocation_type, uint32_t protection)
{
    if (app_may_not_allocate(protection)) {
        VsSetLastError(thread, ERROR_INVALID_PARAMETER);
        return 0;
    }
    return VsVirtualAlloc(thread, address, size, allocation_type, protection);
}

uint64_t VsVirtualAlloc2FromApp(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                                uint32_t allocation_type, uint32_t page_protection,
                                const VsMemExtendedParameter *parameters, uint32_t parameter_count)
{
    if (app_may_not_allocate(page_protection)) {
        VsSetLastError(thread, ERROR_INVALID_PARAMETER);
        return 0;
    }
    return VsVirtualAlloc2(thread, process, address, size, allocation_type, page_protection,
                           parameters, parameter_count);
}

bool VsVirtualProtectFromApp(VsThread *thread, uint64_t address, uint64_t size,
                             uint32_t new_protection, uint32_t *old_protection)
{
    return VsVirtualProtect(thread, address, size, new_protection, old_protection);
}

uint64_t VsMapViewOfFileFromApp(VsThread *thread, VsHandle mapping, uint32_t desired_access,
                                uint64_t file_offset, uint64_t bytes)
{
    return VsMapViewOfFile(thread, mapping, desired_access, (uint32_t)(file_offset >> 32),
                           (uint32_t)file_offset, bytes);
}

uint64_t VsMapViewOfFile3FromApp(VsThread *thread, VsHandle mapping, VsHandle process,
                                 uint64_t base_address, uint64_t offset, uint64_t view_size,
                                 uint32_t allocation_type, uint32_t page_protection,
                                 const VsMemExtendedParameter *parameters, uint32_t parameter_count)
{
    return VsMapViewOfFile3(thread, mapping, process, base_address, offset, view_size,
                            allocation_type, page_protection, parameters, parameter_count);
}
