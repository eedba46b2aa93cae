/*
 * file.c - files: CreateFile and GetFileSize.
 *
 * Models kernelbase's CreateFileW over NtCreateFile (the dispositions translated, the last error
 * set on success too), GetFileSize over NtQueryInformationFile, ReadFile and WriteFile over
 * NtReadFile and NtWriteFile, with or without an OVERLAPPED, and GetOverlappedResult.
 *
 * An OVERLAPPED lives in the caller's memory: Internal (the IO_STATUS_BLOCK's Status), InternalHigh
 * (its Information), Offset, OffsetHigh, hEvent, each a pointer wide but the offsets (4 bytes).
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
    (void)share_mode;
    if (!name || !name[0]) {
        thread->last_error = ERROR_PATH_NOT_FOUND;
        thread->last_status = STATUS_OBJECT_PATH_NOT_FOUND;
        return VS_INVALID_HANDLE_VALUE;
    }
    uint32_t disposition = nt_disposition(creation_disposition);
    VsHandle handle = VS_INVALID_HANDLE_VALUE;
    uint64_t information = 0;
    VsStatus status =
        disposition == UINT32_MAX
            ? STATUS_INVALID_PARAMETER
            : VsNtCreateFile(thread, &handle, desired_access, name, disposition,
                             (attributes & FILE_FLAG_OVERLAPPED) ? 0 : FILE_SYNCHRONOUS_IO_NONALERT,
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

/* The return of a synchronous ReadFile or ConnectNamedPipe that waited (kernelbase after its wait:
 * the IO_STATUS_BLOCK's status; the end of a file a success): TRUE, or FALSE with the last error;
 * *information the count. False, and nothing set, while the thread still waits. */
bool VsBlockedCallReturn(VsThread *thread, bool *ret, uint64_t *information)
{
    VsStatus status;
    uint64_t count;
    if (!vs_thread_take_return(thread, &status, &count))
        return false;
    if (information)
        *information = count;
    *ret = status == STATUS_SUCCESS || status == STATUS_END_OF_FILE;
    if (!*ret)
        vs_set_last_nt_error(thread, status);
    return true;
}

/* OVERLAPPED's fields, by offset in a process of the given pointer size. */
static uint64_t offset_field(uint32_t pointer) { return 2 * (uint64_t)pointer; }
static uint64_t event_field(uint32_t pointer) { return 2 * (uint64_t)pointer + 8; }

/* What kernelbase reads of an OVERLAPPED before an I/O call: its byte offset and event, storing
 * STATUS_PENDING into Internal (and 0 into InternalHigh when also_information). The caller's own
 * loads and stores: one that faults fails the call with STATUS_ACCESS_VIOLATION. */
VsStatus vs_overlapped_start(VsThread *thread, uint64_t overlapped, bool also_information,
                             uint64_t *offset, VsHandle *event)
{
    uint32_t pointer = vs_pointer_size(thread->process);
    /* Offset and OffsetHigh, two DWORDs side by side: one little-endian 64-bit load. */
    VsStatus status = vs_user_read(thread, overlapped + offset_field(pointer), 8, offset);
    if (NT_SUCCESS(status))
        status = vs_user_pointer_read(thread, overlapped + event_field(pointer), event);
    if (NT_SUCCESS(status))
        status = vs_user_pointer_write(thread, overlapped, STATUS_PENDING);
    if (NT_SUCCESS(status) && also_information)
        status = vs_user_pointer_write(thread, overlapped + pointer, 0);
    return status;
}

/* kernelbase's ending of ReadFile and WriteFile: a pending request FALSE with ERROR_IO_PENDING;
 * the end of the file a success of 0 bytes without an OVERLAPPED, ERROR_HANDLE_EOF with one; any
 * other failure FALSE with its error. *count is set only when the request did not pend. */
static bool end_transfer(VsThread *thread, VsStatus status, uint64_t information, uint64_t *count,
                         uint64_t overlapped)
{
    if (status == STATUS_PENDING && !overlapped)
        return false; /* the thread waits in the call: VsBlockedCallReturn says how it ends */
    if (count && (!overlapped || status == STATUS_SUCCESS))
        *count = information;
    if (status == STATUS_END_OF_FILE && !overlapped)
        return true;
    if (status != STATUS_SUCCESS) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    return true;
}

/* ReadFile: *read (when not NULL) 0 until the read succeeds, then the bytes read (0 at the end of
 * a file: a success without an OVERLAPPED). With an OVERLAPPED (an address in the caller's
 * memory, 0 for none) the read starts at its offset, and one left pending is FALSE with
 * ERROR_IO_PENDING. The last error is left alone on success. */
bool VsReadFile(VsThread *thread, VsHandle file, uint64_t buffer, uint32_t length, uint64_t *read,
                uint64_t overlapped)
{
    if (read)
        *read = 0;
    uint64_t information = 0, offset = 0;
    VsHandle event = 0;
    VsStatus status = overlapped ? vs_overlapped_start(thread, overlapped, false, &offset, &event)
                                 : STATUS_SUCCESS;
    if (NT_SUCCESS(status))
        status = VsNtReadFile(thread, file, event, overlapped, buffer, length,
                              overlapped ? &offset : NULL, &information);
    return end_transfer(thread, status, information, read, overlapped);
}

/* WriteFile, to a pipe: *written as ReadFile's *read. */
bool VsWriteFile(VsThread *thread, VsHandle file, uint64_t buffer, uint32_t length,
                 uint64_t *written, uint64_t overlapped)
{
    if (written)
        *written = 0;
    uint64_t information = 0, offset = 0;
    VsHandle event = 0;
    VsStatus status = overlapped ? vs_overlapped_start(thread, overlapped, false, &offset, &event)
                                 : STATUS_SUCCESS;
    if (NT_SUCCESS(status))
        status = VsNtWriteFile(thread, file, event, overlapped, buffer, length, &information);
    return end_transfer(thread, status, information, written, overlapped);
}

/* An OVERLAPPED's Internal (its 4-byte Status: kernelbase reads a LONG), InternalHigh and hEvent.
 */
static bool read_overlapped(VsThread *thread, uint64_t overlapped, VsStatus *status,
                            uint64_t *information, VsHandle *event)
{
    uint32_t pointer = vs_pointer_size(thread->process);
    uint64_t internal = 0;
    bool ok = NT_SUCCESS(vs_user_pointer_read(thread, overlapped, &internal)) &&
              NT_SUCCESS(vs_user_pointer_read(thread, overlapped + pointer, information)) &&
              NT_SUCCESS(vs_user_pointer_read(thread, overlapped + event_field(pointer), event));
    *status = (VsStatus)internal;
    return ok;
}

/*
 * GetOverlappedResult (kernelbase): Internal still STATUS_PENDING is ERROR_IO_INCOMPLETE without
 * wait, else a wait for hEvent (the file when there is none), which only a later call could end in
 * the model (the thread's would_wait; FALSE). Then *transferred is InternalHigh and the last
 * error Internal's (ERROR_SUCCESS too); TRUE for STATUS_SUCCESS, or STATUS_PENDING still there
 * after the wait, FALSE for anything else.
 */
bool VsGetOverlappedResult(VsThread *thread, VsHandle file, uint64_t overlapped,
                           uint64_t *transferred, bool wait)
{
    VsStatus status;
    uint64_t information;
    VsHandle event;
    if (!read_overlapped(thread, overlapped, &status, &information, &event)) {
        vs_set_last_nt_error(thread, STATUS_ACCESS_VIOLATION);
        return false;
    }
    if (status == STATUS_PENDING && !wait) {
        thread->last_error = ERROR_IO_INCOMPLETE;
        return false;
    }
    if (status == STATUS_PENDING) {
        uint32_t waited = VsWaitForSingleObject(thread, event ? event : file, VS_INFINITE);
        if (waited != WAIT_OBJECT_0) {
            if (waited != WAIT_FAILED)
                thread->last_error = waited;
            return false;
        }
        (void)read_overlapped(thread, overlapped, &status, &information, &event);
    }
    if (transferred)
        *transferred = information;
    vs_set_last_nt_error(thread, status);
    return status == STATUS_SUCCESS || status == STATUS_PENDING;
}

/* overlapped(address, event), the language's: what a program does to ready an OVERLAPPED, zeroing
 * it and storing the event's handle in hEvent; the exception a store raised, or 0. */
uint32_t vs_overlapped_init(VsThread *thread, uint64_t address, VsHandle event)
{
    uint32_t pointer = vs_pointer_size(thread->process);
    for (uint64_t i = 0; i < event_field(pointer); i++)
        if (!NT_SUCCESS(vs_memory_write(thread, address + i, 0)))
            return STATUS_ACCESS_VIOLATION;
    return NT_SUCCESS(vs_user_pointer_write(thread, address + event_field(pointer), event))
               ? 0
               : STATUS_ACCESS_VIOLATION;
}
