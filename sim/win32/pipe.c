/*
 * pipe.c - named pipes: CreateNamedPipe and ConnectNamedPipe.
 *
 * Models kernelbase's CreateNamedPipeW over NtCreateNamedPipeFile and ConnectNamedPipe over
 * NtFsControlFile(FSCTL_PIPE_LISTEN) (Wine's kernelbase sync.c does the same): the open mode's
 * direction becomes the server's access (PIPE_ACCESS_INBOUND: it reads), FILE_FLAG_OVERLAPPED
 * leaves out FILE_SYNCHRONOUS_IO_NONALERT, and NPFS judges the rest.
 */
#include <string.h>

#include "kernelbase.h"

/* The checks before NPFS: a NULL name is ERROR_PATH_NOT_FOUND (RtlDosPathNameToNtPathName fails);
 * a name outside \\.\pipe\ reaches a file system that makes no pipes (STATUS_OBJECT_NAME_INVALID,
 * ERROR_INVALID_NAME: kernel32 pipe.c test_CreateNamedPipe); a direction other than inbound,
 * outbound or duplex is ERROR_INVALID_PARAMETER; so are no instances and a byte pipe read by
 * message (NPFS's STATUS_INVALID_PARAMETER). */
static VsStatus check_pipe(const char *name, uint32_t open_mode, uint32_t pipe_mode,
                           uint32_t instances)
{
    if (!name)
        return STATUS_OBJECT_PATH_NOT_FOUND;
    if (!vs_is_pipe_name(name))
        return STATUS_OBJECT_NAME_INVALID;
    if ((open_mode & 3) == 0 || instances == 0)
        return STATUS_INVALID_PARAMETER;
    if (!(pipe_mode & PIPE_TYPE_MESSAGE) && (pipe_mode & PIPE_READMODE_MESSAGE))
        return STATUS_INVALID_PARAMETER;
    if (strlen(name) >= VS_PIPE_NAME_MAX)
        return STATUS_INVALID_PARAMETER; /* the model keeps names of up to 63 characters */
    return STATUS_SUCCESS;
}

/*
 * CreateNamedPipe: the server's end of a new instance, listening; INVALID_HANDLE_VALUE and the
 * last error on failure (ERROR_PIPE_BUSY past the instances allowed, ERROR_ACCESS_DENIED for a
 * direction or type the name's first instance does not have). The last error is ERROR_SUCCESS
 * for a name's first instance, ERROR_ALREADY_EXISTS for later ones. The timeout is WaitNamedPipe's
 * default, which the model has no use for.
 */
VsHandle VsCreateNamedPipe(VsThread *thread, const char *name, uint32_t open_mode,
                           uint32_t pipe_mode, uint32_t instances, uint32_t out_size,
                           uint32_t in_size, uint32_t timeout)
{
    (void)timeout;
    VsHandle handle = VS_INVALID_HANDLE_VALUE;
    VsStatus status = check_pipe(name, open_mode, pipe_mode, instances);
    uint32_t rights = ((open_mode & PIPE_ACCESS_INBOUND) ? FILE_READ_DATA : 0) |
                      ((open_mode & PIPE_ACCESS_OUTBOUND) ? FILE_WRITE_DATA : 0);
    bool existed = NT_SUCCESS(status) && vs_pipe_name_exists(thread->process->system, name);
    if (NT_SUCCESS(status))
        status = VsNtCreateNamedPipeFile(
            thread, &handle, name, rights, !(open_mode & FILE_FLAG_OVERLAPPED),
            (pipe_mode & PIPE_TYPE_MESSAGE) != 0, (pipe_mode & PIPE_READMODE_MESSAGE) != 0,
            instances >= PIPE_UNLIMITED_INSTANCES ? UINT32_MAX : instances, in_size, out_size);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return VS_INVALID_HANDLE_VALUE;
    }
    thread->last_error = existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS;
    return handle;
}

/*
 * ConnectNamedPipe: with an OVERLAPPED (an address in the caller's memory), kernelbase first stores
 * STATUS_PENDING and 0 into its Internal and InternalHigh and passes its hEvent; a listen left
 * pending is FALSE with ERROR_IO_PENDING, and completes when a client opens the pipe. Without one,
 * a listen that pends has the caller wait in the call (vs_thread_blocked; its return later,
 * VsBlockedCallReturn). A client already there
 * is ERROR_PIPE_CONNECTED; the client's end ERROR_INVALID_FUNCTION. Any status but STATUS_SUCCESS
 * fails the call (kernelbase's set_ntstatus in Wine), STATUS_PENDING as ERROR_IO_PENDING.
 */
bool VsConnectNamedPipe(VsThread *thread, VsHandle pipe, uint64_t overlapped)
{
    VsHandle event = 0;
    uint64_t offset;
    VsStatus status = overlapped ? vs_overlapped_start(thread, overlapped, true, &offset, &event)
                                 : STATUS_SUCCESS;
    if (NT_SUCCESS(status))
        status = VsNtListenPipe(thread, pipe, event, overlapped);
    if (status == STATUS_PENDING && !overlapped)
        return false; /* the thread waits in the call: VsBlockedCallReturn says how it ends */
    if (status != STATUS_SUCCESS) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    return true; /* the last error left alone, as on any success of a call that fails by status */
}
