/*
 * mapping.c - file mappings: CreateFileMapping, OpenFileMapping, MapViewOfFile(Ex, 3),
 * UnmapViewOfFile(Ex, 2) and FlushViewOfFile.
 *
 * Models kernelbase's wrappers over the section calls (NtCreateSection, NtOpenSection,
 * NtMapViewOfSection(Ex), NtUnmapViewOfSection(Ex), NtFlushVirtualMemory): the FILE_MAP_* accesses
 * and PAGE_* protections turned into what the NT calls take, and the status into the last error.
 * CreateFileMapping sets the last error whether it fails or not (ERROR_ALREADY_EXISTS when a
 * section of that name was opened instead).
 */
#include "kernelbase.h"

/* The rights CreateFileMapping asks for its handle follow the protection (kernelbase), so a handle
 * to a read-only section cannot map it for writing. 0 for a protection a section cannot have. */
static uint32_t mapping_access(uint32_t protect)
{
    const uint32_t base =
        0x000F0000u | SECTION_QUERY | SECTION_MAP_READ; /* STANDARD_RIGHTS_REQUIRED */
    switch (protect) {
    case PAGE_READONLY:
    case PAGE_WRITECOPY: return base;
    case PAGE_READWRITE: return base | SECTION_MAP_WRITE;
    case PAGE_EXECUTE_READ:
    case PAGE_EXECUTE_WRITECOPY: return base | SECTION_MAP_EXECUTE;
    case PAGE_EXECUTE_READWRITE: return base | SECTION_MAP_WRITE | SECTION_MAP_EXECUTE;
    default: return 0;
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
                               SEC_WRITECOMBINE | SEC_LARGE_PAGES;
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
    if (!name)     /* refused before any NT call (kernelbase get_open_object_attributes) */
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

/*
 * The view protection a FILE_MAP_* access asks for (kernelbase MapViewOfFileEx). Copy-on-write only
 * when the access is exactly FILE_MAP_COPY, FILE_MAP_EXECUTE aside: FILE_MAP_READ|FILE_MAP_COPY is
 * a read-only view, and SECTION_MAP_EXECUTE (8) with FILE_MAP_COPY a no-access one (Wine's kernel32
 * test_mapping, its view table L4002-4036 and file_access_to_prot).
 */
static uint32_t view_protection(uint32_t access)
{
    bool execute = (access & FILE_MAP_EXECUTE) != 0;
    access &= ~(uint32_t)FILE_MAP_EXECUTE;
    if (access == FILE_MAP_COPY)
        return execute ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
    if (access & FILE_MAP_WRITE)
        return execute ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
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
    VsStatus status = VsNtMapViewOfSectionEx(
        thread, mapping, process ? process : VS_CURRENT_PROCESS, &base, &offset, &size,
        allocation_type, page_protection, parameters, parameter_count);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return base;
}

bool VsUnmapViewOfFile2(VsThread *thread, VsHandle process, uint64_t base_address, uint32_t flags)
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
