/*
 * irp.c - an I/O request a driver left pending, and its completion.
 *
 * Models the part of the I/O manager a pending read shows: the IRP that waits in a driver's queue
 * (IoMarkIrpPending; NPFS keeps reads in its data queue) holds the requester's thread, its buffer,
 * the address of its IO_STATUS_BLOCK and its event. Completing it (IoCompleteRequest, then
 * IopCompleteRequest, which runs as a kernel APC in the requesting thread so that it can write
 * that thread's memory) stores Status and Information in the IO_STATUS_BLOCK - for an OVERLAPPED
 * its Internal and InternalHigh - and sets the event and the file object's own event. The driver
 * has put the data in the buffer before that.
 *
 * A store into the requester's memory that fails (the OVERLAPPED's page decommitted meanwhile) is
 * lost, as IopCompleteRequest's own exception handler drops it.
 *
 * A synchronous request (a file object opened without FILE_FLAG_OVERLAPPED) has its caller wait in
 * the call until the IRP completes: the thread is blocked_on it, and the completion is its call's
 * return (the status and count kept in the thread, as the IO_STATUS_BLOCK on kernelbase's stack
 * holds them).
 */
#include <stdlib.h>

#include "internal.h"

bool vs_thread_blocked(const VsThread *thread) { return thread->blocked_on != NULL; }

bool vs_thread_take_return(VsThread *thread, VsStatus *status, uint64_t *information)
{
    if (!thread->returned)
        return false;
    thread->returned = false;
    *status = thread->return_status;
    *information = thread->return_information;
    return true;
}

uint32_t vs_pointer_size(const VsProcess *process) { return vs_process_is_32bit(process) ? 4 : 8; }

VsStatus vs_user_pointer_read(VsThread *thread, uint64_t at, uint64_t *value)
{
    return vs_user_read(thread, at, vs_pointer_size(thread->process), value);
}

VsStatus vs_user_pointer_write(VsThread *thread, uint64_t at, uint64_t value)
{
    return vs_user_write(thread, at, vs_pointer_size(thread->process), value);
}

/* IO_STATUS_BLOCK { union { NTSTATUS Status; PVOID Pointer; }; ULONG_PTR Information; }: the
 * I/O manager stores Status (4 bytes: the union's pointer half keeps what kernelbase put there,
 * STATUS_PENDING's zeros) and Information, a pointer wide. */
VsStatus vs_iosb_write(VsThread *thread, uint64_t iosb, VsStatus status, uint64_t information)
{
    if (!NT_SUCCESS(vs_user_write(thread, iosb, 4, (uint32_t)status)))
        return STATUS_ACCESS_VIOLATION;
    return vs_user_pointer_write(thread, iosb + vs_pointer_size(thread->process), information);
}

/* An IRP for a request of thread's on file: NULL when the host is out of memory. It holds a
 * reference to the event. */
VsIrp *vs_irp_new(VsThread *thread, VsFileObject *file, uint64_t buffer, uint64_t length,
                  uint64_t iosb, VsEventObject *event)
{
    VsIrp *irp = calloc(1, sizeof *irp);
    if (!irp)
        return NULL;
    *irp = (VsIrp){NULL, thread, file, buffer, length, iosb, event, false};
    if (event)
        event->references++;
    return irp;
}

void vs_irp_free(VsIrp *irp)
{
    if (irp->synchronous && irp->thread->blocked_on == irp)
        irp->thread->blocked_on = NULL; /* the system is going: no call returns */
    if (irp->event)
        vs_event_dereference(irp->event);
    free(irp);
}

/* The io-pending and io-completed events of an IRP. */
void vs_irp_emit(const VsIrp *irp, VsEventKind kind, VsStatus status, uint64_t information)
{
    VsProcess *process = irp->thread->process;
    uint64_t last = irp->length ? irp->buffer + irp->length - 1 : irp->buffer;
    vs_emit(process->system,
            &(VsEvent){.kind = kind,
                       .pid = process->pid,
                       .vpn_start = vs_vpn(irp->buffer),
                       .vpn_end = vs_vpn(last),
                       .address = irp->buffer,
                       .size = kind == VS_EV_IO_PENDING ? irp->length : information,
                       .frame = irp->iosb,
                       .protection = status});
}

void vs_irp_complete(VsIrp *irp, VsStatus status, uint64_t information)
{
    vs_irp_emit(irp, VS_EV_IO_COMPLETED, status, information);
    if (irp->synchronous) { /* the waiting thread's call returns with them */
        irp->thread->blocked_on = NULL;
        irp->thread->returned = true;
        irp->thread->return_status = status;
        irp->thread->return_information = information;
    }
    if (irp->iosb)
        (void)vs_iosb_write(irp->thread, irp->iosb, status, information);
    if (irp->event)
        vs_event_set(irp->event);
    irp->file->signaled = true;
    vs_irp_free(irp);
}
