/*
 * readfile.c - NtReadFile: the kernel writing a file's bytes into a process's memory.
 *
 * Models WRK io/iomgr/read.c (NtReadFile) for a synchronous read of a data file, the cache
 * manager's copy (CcCopyRead) standing for the file system. The steps come in its order:
 *
 *   1. The handle is referenced for FILE_READ_DATA: a bad handle is STATUS_INVALID_HANDLE, a handle
 *      of another kind STATUS_OBJECT_TYPE_MISMATCH, one without the right STATUS_ACCESS_DENIED;
 *      nothing of the buffer is touched yet (kernel32 test_write_watch L2036-2043: ReadFile of
 *      handle 0xdead leaves a write-watched buffer unwritten).
 *   2. The buffer is probed for writing (ProbeForWrite, ex/probe.c): a range that wraps or ends
 *      above the highest user address is STATUS_ACCESS_VIOLATION; otherwise the first byte of the
 *      buffer and of each later page of it is read and written back, so every page of the buffer
 *      is written - and a write-watch region records all of them - whatever the read then
 *      brings (test_write_watch L2015-2031: a 64 KB buffer takes 0x2003 bytes, then 0 at the
 *      end of the file, and both times GetWriteWatch reports its 16 pages). A page the probe
 *      cannot write fails the call with the exception's status (an access violation; a guard
 *      page's STATUS_GUARD_PAGE_VIOLATION, the guard gone), nothing read.
 *   3. The bytes at the file object's CurrentByteOffset, as the page cache holds them (a view's
 *      resident page is the file's), are copied in and the offset moves past them; at or past the
 *      end of the file it is STATUS_END_OF_FILE with nothing read. A read of 0 bytes succeeds.
 */
#include "internal.h"

/* ProbeForWrite: the first byte, then the first byte of every later page, read and written
 * back by the caller's thread. */
static VsStatus probe_for_write(VsThread *caller, uint64_t buffer, uint64_t length)
{
    uint64_t last = buffer + length - 1;
    if (last < buffer || last > caller->process->system->layout->highest_user_address)
        return STATUS_ACCESS_VIOLATION;
    for (uint64_t at = buffer; at <= last; at = (at & ~(VS_PAGE_SIZE - 1)) + VS_PAGE_SIZE) {
        uint8_t byte = 0;
        VsStatus status = vs_memory_read(caller, at, &byte);
        if (NT_SUCCESS(status))
            status = vs_memory_write(caller, at, byte);
        if (!NT_SUCCESS(status))
            return status;
    }
    return STATUS_SUCCESS;
}

/*
 * NtReadFile, synchronous, at the file object's current offset: up to length bytes into buffer in
 * the caller's memory; *information (IO_STATUS_BLOCK.Information) the bytes read. The statuses
 * are those above. A store that fails midway stops the copy with its status (nothing runs between
 * the probe and the copy here, so only the host running out of memory can make one fail).
 */
VsStatus VsNtReadFile(VsThread *caller, VsHandle file, uint64_t buffer, uint64_t length,
                      uint64_t *information)
{
    *information = 0;
    VsFileObject *object;
    VsStatus status = vs_reference_file(caller, file, FILE_READ_DATA, &object);
    if (!NT_SUCCESS(status))
        return status;
    if (length == 0)
        return STATUS_SUCCESS;
    status = probe_for_write(caller, buffer, length);
    if (!NT_SUCCESS(status))
        return status;
    const VsFile *data = object->file;
    if (object->offset >= data->size)
        return STATUS_END_OF_FILE;
    uint64_t count = vs_min(length, data->size - object->offset);
    for (uint64_t i = 0; i < count; i++) {
        uint8_t byte = vs_file_cached_byte(caller->process->system, data, object->offset + i);
        status = vs_memory_write(caller, buffer + i, byte);
        if (!NT_SUCCESS(status)) {
            count = i;
            break;
        }
    }
    object->offset += count;
    *information = count;
    return status;
}
