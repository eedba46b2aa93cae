/*
 * readfile.c - NtReadFile and NtWriteFile: the kernel moving bytes between a file or a pipe and a
 * process's memory; FSCTL_PIPE_LISTEN, the other request a pipe's server makes.
 *
 * Models WRK io/iomgr/read.c (NtReadFile) for a read of a data file, the cache manager's copy
 * (CcCopyRead) standing for the file system, or of an end of a named pipe (pipe.c). The steps
 * come in its order:
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
 *   3. The event, when one is given, is referenced for EVENT_MODIFY_STATE (STATUS_INVALID_HANDLE,
 *      STATUS_OBJECT_TYPE_MISMATCH) and cleared; so is the file object's own event.
 *   4. A data file: the bytes at the byte offset given (an OVERLAPPED's Offset), else at the file
 *      object's CurrentByteOffset, as the page cache holds them (a view's resident page is the
 *      file's), are copied in and the offset moves past them; at or past the end of the file it is
 *      STATUS_END_OF_FILE with nothing read. A read of 0 bytes succeeds before the probe.
 *      A pipe: NPFS reads what is queued, or keeps the IRP (STATUS_PENDING) until a write comes.
 *   5. A request that did not fail at once (success, a warning such as STATUS_BUFFER_OVERFLOW)
 *      completes: its IO_STATUS_BLOCK - for a Win32 caller with an OVERLAPPED, the OVERLAPPED in
 *      its memory - gets the status and the count, and the event is set (irp.c). One that failed
 *      at once writes neither (IopSynchronousServiceTail's error path). A pending one does both
 *      when it completes.
 *
 * A request on a file object opened for synchronous I/O that NPFS keeps pending makes its caller
 * wait in the call (blocked_on, irp.c): the thread makes no more calls until a later call - a
 * write, a client's open, a close - completes it.
 */
#include "internal.h"

/* The event argument of an I/O call: NULL for none, else referenced for EVENT_MODIFY_STATE and
 * cleared, as NtReadFile does before the request goes to the driver. */
static VsStatus take_event(VsThread *caller, VsHandle handle, VsEventObject **event)
{
    *event = NULL;
    if (!handle)
        return STATUS_SUCCESS;
    VsStatus status = vs_reference_event(caller, handle, EVENT_MODIFY_STATE, event);
    if (NT_SUCCESS(status))
        vs_event_clear(*event);
    return status;
}

/* A request only a pipe takes: the handle with access, the event taken; a data file's file system
 * does not know it (STATUS_INVALID_DEVICE_REQUEST). The file object's event is cleared. */
static VsStatus pipe_request(VsThread *caller, VsHandle file, uint32_t access,
                             VsHandle event_handle, VsFileObject **object, VsEventObject **event)
{
    VsStatus status = vs_reference_file(caller, file, access, object);
    *event = NULL;
    if (NT_SUCCESS(status))
        status = take_event(caller, event_handle, event);
    if (NT_SUCCESS(status) && !(*object)->pipe)
        status = STATUS_INVALID_DEVICE_REQUEST;
    if (NT_SUCCESS(status))
        (*object)->signaled = false;
    return status;
}

/* The end of a request that did not pend: the IO_STATUS_BLOCK and the events, unless it failed. */
static VsStatus finish(VsThread *caller, VsFileObject *object, VsEventObject *event, uint64_t iosb,
                       VsStatus status, uint64_t information)
{
    if (status == STATUS_PENDING || NT_ERROR(status))
        return status;
    if (iosb)
        (void)vs_iosb_write(caller, iosb, status, information);
    if (event)
        vs_event_set(event);
    object->signaled = true;
    return status;
}

/* A data file's bytes from offset into the buffer. */
static VsStatus read_data_file(VsThread *caller, VsFileObject *object, uint64_t offset,
                               uint64_t buffer, uint64_t length, uint64_t *information)
{
    const VsFile *data = object->file;
    if (length == 0)
        return STATUS_SUCCESS;
    if (offset >= data->size)
        return STATUS_END_OF_FILE;
    uint64_t count = vs_min(length, data->size - offset);
    VsStatus status = STATUS_SUCCESS;
    for (uint64_t i = 0; i < count; i++) {
        uint8_t byte = vs_file_cached_byte(caller->process->system, data, offset + i);
        status = vs_memory_write(caller, buffer + i, byte);
        if (!NT_SUCCESS(status)) {
            count = i;
            break;
        }
    }
    object->offset = offset + count;
    *information = count;
    return status;
}

/* An IRP NPFS kept (STATUS_PENDING): a synchronous caller now waits in its call. */
static void kept(VsThread *caller, VsIrp *irp)
{
    irp->synchronous = irp->file->synchronous;
    if (irp->synchronous)
        caller->blocked_on = irp;
    vs_irp_emit(irp, VS_EV_IO_PENDING, STATUS_PENDING, 0);
}

/* A pipe's read: the IRP NPFS keeps, or completes here. */
static VsStatus read_pipe(VsThread *caller, VsFileObject *object, VsEventObject *event,
                          uint64_t iosb, uint64_t buffer, uint64_t length, uint64_t *information)
{
    VsIrp *irp = vs_irp_new(caller, object, buffer, length, iosb, event);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    VsStatus status = vs_pipe_read(object, irp, information);
    if (status == STATUS_PENDING)
        kept(caller, irp);
    else
        vs_irp_free(irp);
    return status;
}

/*
 * NtReadFile: up to length bytes into buffer in the caller's memory, from byte_offset (NULL: the
 * file object's current offset); the statuses and steps are those above. *information is the
 * count for a request that did not pend (a synchronous caller's IO_STATUS_BLOCK, which the model
 * does not place in memory); io_status_block, when not 0, is an IO_STATUS_BLOCK in the caller's
 * memory that the completion writes.
 */
VsStatus VsNtReadFile(VsThread *caller, VsHandle file, VsHandle event_handle,
                      uint64_t io_status_block, uint64_t buffer, uint64_t length,
                      const uint64_t *byte_offset, uint64_t *information)
{
    *information = 0;
    VsFileObject *object;
    VsStatus status = vs_reference_file(caller, file, FILE_READ_DATA, &object);
    if (!NT_SUCCESS(status))
        return status;
    status = vs_probe_for_write(caller, buffer, length, 1); /* a byte buffer: any alignment */
    VsEventObject *event = NULL;
    if (NT_SUCCESS(status))
        status = take_event(caller, event_handle, &event);
    if (!NT_SUCCESS(status))
        return status;
    object->signaled = false;
    if (object->pipe)
        status = read_pipe(caller, object, event, io_status_block, buffer, length, information);
    else
        status = read_data_file(caller, object, byte_offset ? *byte_offset : object->offset, buffer,
                                length, information);
    return finish(caller, object, event, io_status_block, status, *information);
}

/*
 * NtWriteFile to an end of a pipe (NPFS's write, pipe.c): the handle needs FILE_WRITE_DATA; the
 * event as for a read. Writing a data file is not modelled (files change through their views):
 * STATUS_INVALID_DEVICE_REQUEST, which the scenario language refuses before.
 */
VsStatus VsNtWriteFile(VsThread *caller, VsHandle file, VsHandle event_handle,
                       uint64_t io_status_block, uint64_t buffer, uint64_t length,
                       uint64_t *information)
{
    *information = 0;
    VsFileObject *object;
    VsEventObject *event;
    VsStatus status = pipe_request(caller, file, FILE_WRITE_DATA, event_handle, &object, &event);
    if (!NT_SUCCESS(status))
        return status;
    status = vs_pipe_write(caller, object, buffer, length, information);
    return finish(caller, object, event, io_status_block, status, *information);
}

/*
 * NtFsControlFile(FSCTL_PIPE_LISTEN), ConnectNamedPipe's request: the handle any right, the event
 * as for a read; a data file's file system does not know the request
 * (STATUS_INVALID_DEVICE_REQUEST); NPFS's statuses are in pipe.c. A listen left pending completes
 * when a client opens the pipe.
 */
VsStatus VsNtListenPipe(VsThread *caller, VsHandle file, VsHandle event_handle,
                        uint64_t io_status_block)
{
    VsFileObject *object;
    VsEventObject *event;
    VsStatus status = pipe_request(caller, file, 0, event_handle, &object, &event);
    if (!NT_SUCCESS(status))
        return status;
    VsIrp *irp = vs_irp_new(caller, object, 0, 0, io_status_block, event);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = vs_pipe_listen(object, irp);
    if (status == STATUS_PENDING)
        kept(caller, irp);
    else
        vs_irp_free(irp);
    return finish(caller, object, event, io_status_block, status, 0);
}
