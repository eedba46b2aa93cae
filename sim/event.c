/*
 * event.c - events, and waiting for an object.
 *
 * Models the KEVENT (ke/eventobj.c: KeSetEvent, KeClearEvent) behind NtCreateEvent, and
 * NtWaitForSingleObject (ke/waitsup.c, KeWaitForSingleObject) for the objects the model has: an
 * event is signaled until reset (a notification event) or until one wait is satisfied (a
 * synchronization event, auto-reset); a thread once it has ended; a file object when its last
 * I/O completed (FILE_OBJECT Event). A process never ends in the model. Sections are no
 * dispatcher objects: waiting for one is STATUS_OBJECT_TYPE_MISMATCH.
 *
 * The model has one thread of control: a wait nothing but a later call could satisfy cannot be
 * waited out. A finite timeout runs out (STATUS_TIMEOUT); an infinite one is reported as the
 * thread's would_wait, and the call returns without waiting.
 */
#include <stdlib.h>

#include "internal.h"

void vs_event_set(VsEventObject *event) { event->signaled = true; }
void vs_event_clear(VsEventObject *event) { event->signaled = false; }

void vs_event_dereference(VsEventObject *event)
{
    if (event->references == 0)
        abort(); /* a bug: a reference dropped twice */
    if (--event->references == 0)
        free(event);
}

VsStatus vs_reference_event(VsThread *caller, VsHandle handle, uint32_t access, VsEventObject **out)
{
    void *object;
    VsStatus status = vs_reference_object(caller, handle, VS_OBJECT_EVENT, access, &object);
    if (NT_SUCCESS(status))
        *out = object;
    return status;
}

/* NtCreateEvent (unnamed, full access): a notification event when manual_reset, else a
 * synchronization one, signaled if initial_state. */
VsStatus VsNtCreateEvent(VsThread *caller, VsHandle *event_handle, bool manual_reset,
                         bool initial_state)
{
    VsEventObject *event = calloc(1, sizeof *event);
    if (!event)
        return STATUS_INSUFFICIENT_RESOURCES;
    *event = (VsEventObject){manual_reset, initial_state, 1};
    VsStatus status =
        vs_handle_insert(caller, VS_OBJECT_EVENT, event, EVENT_ALL_ACCESS, event_handle);
    if (!NT_SUCCESS(status))
        free(event);
    return status;
}

/* NtSetEvent and NtResetEvent, through a handle with EVENT_MODIFY_STATE. */
VsStatus VsNtSetEvent(VsThread *caller, VsHandle handle, bool signaled)
{
    VsEventObject *event;
    VsStatus status = vs_reference_event(caller, handle, EVENT_MODIFY_STATE, &event);
    if (NT_SUCCESS(status))
        event->signaled = signaled;
    return status;
}

/* Whether the object a handle entry names is signaled; STATUS_OBJECT_TYPE_MISMATCH for one that
 * is no dispatcher object. A satisfied wait resets a synchronization event. */
static VsStatus test_signaled(VsHandleEntry *entry, bool *signaled)
{
    switch (entry->type) {
    case VS_OBJECT_EVENT: {
        VsEventObject *event = entry->object;
        *signaled = event->signaled;
        if (event->signaled && !event->manual_reset)
            event->signaled = false;
        return STATUS_SUCCESS;
    }
    case VS_OBJECT_THREAD:
        *signaled = ((VsThread *)entry->object)->terminated;
        return STATUS_SUCCESS;
    case VS_OBJECT_PROCESS: *signaled = false; return STATUS_SUCCESS;
    case VS_OBJECT_FILE:
        *signaled = ((VsFileObject *)entry->object)->signaled;
        return STATUS_SUCCESS;
    default: return STATUS_OBJECT_TYPE_MISMATCH;
    }
}

/* NtWaitForSingleObject, the handle needing SYNCHRONIZE: STATUS_WAIT_0 (STATUS_SUCCESS) when the
 * object is signaled, else STATUS_TIMEOUT once timeout_ms (VS_INFINITE: none) runs out; an
 * infinite wait on an unsignaled object sets the caller's would_wait and returns STATUS_TIMEOUT
 * (see the head comment). */
VsStatus VsNtWaitForSingleObject(VsThread *caller, VsHandle handle, uint32_t timeout_ms)
{
    VsHandleEntry entry;
    if (!vs_handle_lookup(caller, handle, &entry))
        return STATUS_INVALID_HANDLE;
    if (entry.type != VS_OBJECT_PROCESS && entry.type != VS_OBJECT_THREAD &&
        entry.type != VS_OBJECT_EVENT && entry.type != VS_OBJECT_FILE)
        return STATUS_OBJECT_TYPE_MISMATCH;
    void *object;
    VsStatus status = vs_reference_object(caller, handle, entry.type, SYNCHRONIZE, &object);
    if (!NT_SUCCESS(status))
        return status;
    bool signaled = false;
    status = test_signaled(&entry, &signaled);
    if (!NT_SUCCESS(status) || signaled)
        return status;
    if (timeout_ms == VS_INFINITE)
        caller->would_wait = true;
    return STATUS_TIMEOUT;
}

bool vs_thread_take_would_wait(VsThread *thread)
{
    bool would = thread->would_wait;
    thread->would_wait = false;
    return would;
}
