/*
 * personality.c - what the Linux personality keeps per thread: errno, and the signal an access
 * raises.
 */
#include "internal.h"

void vs_set_errno(VsThread *thread, int error)
{
    thread->last_error = (uint32_t)error;
    thread->last_status = STATUS_SUCCESS;
}

int vs_errno(const VsThread *thread) { return (int)thread->last_error; }

uint32_t vs_signal_of(VsStatus status)
{
    if (NT_SUCCESS(status))
        return 0;
    /* A page that cannot be had at all (no frame, a file page past its end) is SIGBUS, as a
     * VM_FAULT_SIGBUS or VM_FAULT_OOM outside the OOM killer's reach would be. */
    if (status == STATUS_IN_PAGE_ERROR || status == STATUS_INSUFFICIENT_RESOURCES)
        return VS_SIGBUS;
    return VS_SIGSEGV;
}

