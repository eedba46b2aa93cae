/*
 * sync.c - events and waits: CreateEvent and WaitForSingleObject.
 *
 * Models kernelbase's CreateEventW over NtCreateEvent and WaitForSingleObject over
 * NtWaitForSingleObject.
 */
#include "kernelbase.h"

/* CreateEvent, unnamed and without security attributes: the handle, or NULL and the last error.
 * The last error is ERROR_SUCCESS on success (an unnamed event never exists already). */
VsHandle VsCreateEvent(VsThread *thread, bool manual_reset, bool initial_state)
{
    VsHandle handle = 0;
    VsStatus status = VsNtCreateEvent(thread, &handle, manual_reset, initial_state);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    thread->last_error = ERROR_SUCCESS;
    return handle;
}

/* WaitForSingleObject: WAIT_OBJECT_0, WAIT_TIMEOUT, or WAIT_FAILED with the last error (a bad
 * handle ERROR_INVALID_HANDLE, a section's too). An infinite wait that only a later call could
 * end is the thread's would_wait (event.c). */
uint32_t VsWaitForSingleObject(VsThread *thread, VsHandle handle, uint32_t milliseconds)
{
    VsStatus status = VsNtWaitForSingleObject(thread, handle, milliseconds);
    if (status == STATUS_TIMEOUT)
        return WAIT_TIMEOUT;
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return WAIT_FAILED;
    }
    return WAIT_OBJECT_0;
}
