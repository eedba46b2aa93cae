/*
 * file.c - files: CreateFile and GetFileSize.
 *
 * Models kernelbase's CreateFileW over NtCreateFile (the dispositions translated, the last error
 * set on success too), GetFileSize over NtQueryInformationFile and ReadFile over NtReadFile.
 */
#include "kernelbase.h"

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
    VsStatus status = disposition == UINT32_MAX ? STATUS_INVALID_PARAMETER
                                                : VsNtCreateFile(thread, &handle, desired_access,
                                                                 name, disposition, &information);
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

/* ReadFile, synchronous: *read is 0 until the read succeeds; STATUS_END_OF_FILE is a success of
 * 0 bytes (kernelbase), any other failure FALSE with its error. The last error is left alone on
 * success. */
bool VsReadFile(VsThread *thread, VsHandle file, uint64_t buffer, uint32_t length, uint64_t *read)
{
    if (read)
        *read = 0;
    uint64_t information = 0;
    VsStatus status = VsNtReadFile(thread, file, buffer, length, &information);
    if (status == STATUS_END_OF_FILE)
        status = STATUS_SUCCESS;
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    if (read)
        *read = information;
    return true;
}
