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

/* VirtualAlloc2 (kernelbase): a NULL process means the current one; the rest is the NT call's. */
uint64_t VsVirtualAlloc2(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                         uint32_t allocation_type, uint32_t protect,
                         const VsMemExtendedParameter *parameters, uint32_t parameter_count)
{
    uint64_t base = address, region = size;
    VsStatus status = VsNtAllocateVirtualMemoryEx(
        thread, process ? process : VS_CURRENT_PROCESS, &base, &region, allocation_type, protect,
        parameters, parameter_count);
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

/* ---- Sections and views (kernelbase CreateFileMappingW, MapViewOfFileEx, ...) ---------------- */

/* The rights CreateFileMapping asks for its handle follow the protection (kernelbase), so a handle
 * to a read-only section cannot map it for writing. 0 for a protection a section cannot have. */
static uint32_t mapping_access(uint32_t protect)
{
    const uint32_t base = 0x000F0000u | SECTION_QUERY | SECTION_MAP_READ; /* STANDARD_RIGHTS_REQUIRED */
    switch (protect) {
    case PAGE_READONLY:
    case PAGE_WRITECOPY:
        return base;
    case PAGE_READWRITE:
        return base | SECTION_MAP_WRITE;
    case PAGE_EXECUTE_READ:
    case PAGE_EXECUTE_WRITECOPY:
        return base | SECTION_MAP_EXECUTE;
    case PAGE_EXECUTE_READWRITE:
        return base | SECTION_MAP_WRITE | SECTION_MAP_EXECUTE;
    default:
        return 0;
    }
}

/* Sets the last error from a status whether it failed or not, as kernelbase does after
 * NtCreateSection: 0 on success, ERROR_ALREADY_EXISTS when an existing section was opened. */
static VsHandle mapping_result(VsThread *thread, VsStatus status, VsHandle handle)
{
    vs_set_last_nt_error(thread, status);
    if (status == STATUS_OBJECT_NAME_EXISTS)
        thread->last_error = ERROR_ALREADY_EXISTS;
    return NT_SUCCESS(status) ? handle : 0;
}

VsHandle VsCreateFileMapping(VsThread *thread, VsHandle file, uint32_t protect,
                             uint32_t maximum_size_high, uint32_t maximum_size_low,
                             const char *name)
{
    const uint32_t sec_flags = SEC_FILE | SEC_IMAGE | SEC_RESERVE | SEC_COMMIT | SEC_NOCACHE |
                               SEC_LARGE_PAGES;
    uint32_t attributes = protect & sec_flags;
    protect &= ~sec_flags;
    if (!attributes)
        attributes = SEC_COMMIT;
    uint32_t access = mapping_access(protect);
    if (!access)
        return mapping_result(thread, STATUS_INVALID_PARAMETER, 0);
    uint64_t size = (uint64_t)maximum_size_high << 32 | maximum_size_low;
    if (file == VS_INVALID_HANDLE_VALUE) {
        file = VS_NULL_HANDLE;
        if (size == 0)
            return mapping_result(thread, STATUS_INVALID_PARAMETER, 0);
    }
    VsHandle handle = 0;
    VsStatus status = VsNtCreateSection(thread, &handle, access, name, OBJ_OPENIF, &size, protect,
                                        attributes, file);
    return mapping_result(thread, status, handle);
}

VsHandle VsOpenFileMapping(VsThread *thread, uint32_t desired_access, bool inherit,
                           const char *name)
{
    (void)inherit; /* no child processes to inherit it */
    if (!name) /* refused before any NT call (kernelbase get_open_object_attributes) */
        return mapping_result(thread, STATUS_INVALID_PARAMETER, 0);
    if (desired_access == FILE_MAP_COPY)
        desired_access = SECTION_MAP_READ; /* a copy-on-write view only reads the section */
    VsHandle handle = 0;
    VsStatus status = VsNtOpenSection(thread, &handle, desired_access, name);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return handle; /* the last error is left alone on success */
}

/* The view protection a FILE_MAP_* access asks for (kernelbase MapViewOfFileEx). */
static uint32_t view_protection(uint32_t access)
{
    bool execute = (access & FILE_MAP_EXECUTE) != 0;
    if (access & FILE_MAP_WRITE)
        return execute ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
    if (access & FILE_MAP_COPY)
        return execute ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
    if (access & FILE_MAP_READ)
        return execute ? PAGE_EXECUTE_READ : PAGE_READONLY;
    return PAGE_NOACCESS;
}

uint64_t VsMapViewOfFileEx(VsThread *thread, VsHandle mapping, uint32_t desired_access,
                           uint32_t offset_high, uint32_t offset_low, uint64_t bytes,
                           uint64_t base_address)
{
    uint64_t base = base_address, size = bytes;
    uint64_t offset = (uint64_t)offset_high << 32 | offset_low;
    VsStatus status = VsNtMapViewOfSection(thread, mapping, VS_CURRENT_PROCESS, &base, 0, 0,
                                           &offset, &size, 1, 0, view_protection(desired_access));
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return base;
}

uint64_t VsMapViewOfFile(VsThread *thread, VsHandle mapping, uint32_t desired_access,
                         uint32_t offset_high, uint32_t offset_low, uint64_t bytes)
{
    return VsMapViewOfFileEx(thread, mapping, desired_access, offset_high, offset_low, bytes, 0);
}

/* MapViewOfFile3 (kernelbase): a NULL process means the current one, and the page protection goes
 * to NtMapViewOfSectionEx as it is (no FILE_MAP_* translation). */
uint64_t VsMapViewOfFile3(VsThread *thread, VsHandle mapping, VsHandle process,
                          uint64_t base_address, uint64_t offset, uint64_t view_size,
                          uint32_t allocation_type, uint32_t page_protection,
                          const VsMemExtendedParameter *parameters, uint32_t parameter_count)
{
    uint64_t base = base_address, size = view_size;
    VsStatus status = VsNtMapViewOfSectionEx(thread, mapping,
                                             process ? process : VS_CURRENT_PROCESS, &base,
                                             &offset, &size, allocation_type, page_protection,
                                             parameters, parameter_count);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return base;
}

bool VsUnmapViewOfFile2(VsThread *thread, VsHandle process, uint64_t base_address,
                        uint32_t flags)
{
    VsStatus status = VsNtUnmapViewOfSectionEx(thread, process, base_address, flags);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    return true;
}

bool VsUnmapViewOfFileEx(VsThread *thread, uint64_t base_address, uint32_t flags)
{
    return VsUnmapViewOfFile2(thread, VS_CURRENT_PROCESS, base_address, flags);
}

bool VsUnmapViewOfFile(VsThread *thread, uint64_t base_address)
{
    return VsUnmapViewOfFile2(thread, VS_CURRENT_PROCESS, base_address, 0);
}

bool VsFlushViewOfFile(VsThread *thread, uint64_t base_address, uint64_t size)
{
    uint64_t base = base_address, region = size;
    VsStatus status = VsNtFlushVirtualMemory(thread, VS_CURRENT_PROCESS, &base, &region);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    return true;
}

/* ---- Files (kernelbase CreateFileW -> NtCreateFile) ------------------------------------------ */

/* The NtCreateFile disposition of each CreateFile one (kernelbase). */
static uint32_t nt_disposition(uint32_t creation_disposition)
{
    switch (creation_disposition) {
    case CREATE_NEW: return FILE_CREATE;
    case CREATE_ALWAYS: return FILE_OVERWRITE_IF;
    case OPEN_EXISTING: return FILE_OPEN;
    case OPEN_ALWAYS: return FILE_OPEN_IF;
    case TRUNCATE_EXISTING: return FILE_OVERWRITE;
    default: return UINT32_MAX;
    }
}

/*
 * CreateFile (no security attributes or template). kernelbase turns an empty name into
 * ERROR_PATH_NOT_FOUND before the call and a name collision into ERROR_FILE_EXISTS after it, and
 * on success sets the last error: ERROR_ALREADY_EXISTS when OPEN_ALWAYS opened or CREATE_ALWAYS
 * overwrote a file that was there, else 0.
 */
VsHandle VsCreateFile(VsThread *thread, const char *name, uint32_t desired_access,
                      uint32_t share_mode, uint32_t creation_disposition, uint32_t attributes)
{
    (void)share_mode, (void)attributes;
    if (!name || !name[0]) {
        thread->last_error = ERROR_PATH_NOT_FOUND;
        thread->last_status = STATUS_OBJECT_PATH_NOT_FOUND;
        return VS_INVALID_HANDLE_VALUE;
    }
    uint32_t disposition = nt_disposition(creation_disposition);
    VsHandle handle = VS_INVALID_HANDLE_VALUE;
    uint64_t information = 0;
    VsStatus status = disposition == UINT32_MAX
                          ? STATUS_INVALID_PARAMETER
                          : VsNtCreateFile(thread, &handle, desired_access, name, disposition,
                                           &information);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        if (status == STATUS_OBJECT_NAME_COLLISION)
            thread->last_error = ERROR_FILE_EXISTS;
        return VS_INVALID_HANDLE_VALUE;
    }
    bool existed = (creation_disposition == OPEN_ALWAYS && information == FILE_OPENED) ||
                   (creation_disposition == CREATE_ALWAYS && information == FILE_OVERWRITTEN);
    thread->last_error = existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS;
    return handle;
}

/* GetFileSize: the low 32 bits, the high ones through size_high; INVALID_FILE_SIZE on failure. */
uint32_t VsGetFileSize(VsThread *thread, VsHandle file, uint32_t *size_high)
{
    uint64_t size = 0;
    VsStatus status = vs_file_query_size(thread, file, &size);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0xFFFFFFFFu;
    }
    if (size_high)
        *size_high = (uint32_t)(size >> 32);
    thread->last_error = ERROR_SUCCESS;
    return (uint32_t)size;
}
