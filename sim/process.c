/*
 * process.c - processes, their threads and their handle tables.
 *
 * A process (EPROCESS) owns an address space: a VAD tree, a top-level page table and the commit
 * charge of its private memory. Every process starts with one VAD: the read-only
 * KUSER_SHARED_DATA page at 0x7FFE0000, in a one-page VAD that can be neither freed nor changed
 * (WRK mm/procsup.c: MiAllocateVad(MM_SHARED_USER_DATA_VA, PAGE_SIZE, FALSE) with CommitCharge
 * MM_MAX_COMMIT; Wine answers VirtualQuery the same way). The other 60 KB of its granule are free
 * but never usable: a reservation there would round down onto the VAD. A thread (ETHREAD and
 * its TEB) is the caller of every API and keeps the last error. The handle table holds process
 * handles for the *Ex calls; the sections issue adds section objects to it.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool append_pointer(void ***array, size_t *count, void *item)
{
    void **grown = realloc(*array, (*count + 1) * sizeof *grown);
    if (!grown)
        return false;
    grown[(*count)++] = item;
    *array = grown;
    return true;
}

VsThread *vs_thread_create(VsProcess *process)
{
    VsThread *thread = calloc(1, VS_OBJECT_SIZE(process->system->personality, thread, VsThread));
    if (!thread)
        return NULL;
    thread->process = process;
    thread->tid = process->system->next_id;
    if (!append_pointer((void ***)&process->threads, &process->thread_count, thread)) {
        free(thread);
        return NULL;
    }
    process->system->next_id += 4;
    return thread;
}

/* Inserts the KUSER_SHARED_DATA VAD every process has. */
static bool insert_shared_user_data(VsProcess *process)
{
    VsVad *vad = vs_pool_alloc(&process->system->vad_pool);
    if (!vad)
        return false;
    uint64_t start = vs_vpn(process->system->layout->shared_user_data);
    vad->starting_vpn = start;
    vad->ending_vpn = start;
    vad->kind = VS_VAD_SHARED_USER_DATA;
    vad->protection = MM_READONLY;
    vad->private_memory = 1;
    vad->no_change = 1;
    vs_vad_insert(&process->vad_root, vad);
    /* The page is mapped read-only from the start. */
    if (!NT_SUCCESS(vs_pt_prepare(process, start, start)))
        return false;
    vs_pt_write(process, start, vs_pte_make_software(MM_READONLY));
    return true;
}

/* Frees a process that never made it into the system's list. */
static void discard_process(VsProcess *process)
{
    for (size_t t = 0; t < process->thread_count; t++)
        free(process->threads[t]);
    free(process->threads);
    vs_ws_fini(&process->ws);
    vs_sparse_fini(&process->offered);
    vs_write_watch_fini(process);
    vs_heaps_fini(process);
    free(process);
}

VsProcess *vs_process_create(VsSystem *system, const char *name)
{
    VsProcess *process = calloc(1, VS_OBJECT_SIZE(system->personality, process, VsProcess));
    if (!process)
        return NULL;
    process->system = system;
    process->pid = system->next_id;
    system->next_id += 4;
    strncpy(process->name, name ? name : "", sizeof process->name - 1);
    vs_process_set_stack_defaults(process, 0x100000, VS_PAGE_SIZE); /* MSVC's /STACK */
    vs_execute_options_init(process, false);
    vs_sparse_init(&process->offered, 0);
    vs_ws_init(&process->ws);
    const VsLayout *layout = system->layout;
    vs_vad_table_init(&process->vad_root, vs_vpn(layout->lowest_user_address),
                      vs_vpn(layout->highest_vad_address));
    process->vad_root.granule_pages = layout->allocation_granularity / VS_PAGE_SIZE;
    /* Host out of memory below: what was built is given back; the VAD pool keeps its chunks. */
    if (!NT_SUCCESS(vs_pt_create_top(process)) ||
        (layout->shared_user_data && !insert_shared_user_data(process)) ||
        !vs_thread_create(process) ||
        !append_pointer((void ***)&system->processes, &system->process_count, process)) {
        discard_process(process);
        return NULL;
    }
    return process;
}

VsThread *vs_process_main_thread(VsProcess *process) { return process->threads[0]; }

/* The process with this id (a PFN entry names its owner by id), or NULL. */
VsProcess *vs_process_by_id(const VsSystem *system, uint32_t pid)
{
    for (size_t i = 0; i < system->process_count; i++)
        if (system->processes[i]->pid == pid)
            return system->processes[i];
    return NULL;
}
VsProcess *vs_thread_process(const VsThread *thread) { return thread->process; }
uint32_t vs_process_id(const VsProcess *process) { return process->pid; }
const char *vs_process_name(const VsProcess *process) { return process->name; }

void vs_process_counters(const VsProcess *process, VsProcessCounters *out)
{
    *out = (VsProcessCounters){
        .commit_charge = process->commit_charge,
        .page_table_pages = process->page_table_pages,
        .vad_count = process->vad_root.count,
    };
}

void vs_process_set_lock_memory_privilege(VsProcess *process, bool held)
{
    process->lock_memory_privilege = held;
}

bool vs_process_lock_memory_privilege(const VsProcess *process)
{
    return process->lock_memory_privilege;
}

const VsVad *vs_vad_first(const VsProcess *process) { return vs_vad_min(process->vad_root.root); }
const VsVad *vs_vad_root(const VsProcess *process) { return process->vad_root.root; }

const VsVad *vs_vad_lookup(VsProcess *process, uint64_t address)
{
    return vs_vad_locate(&process->vad_root, vs_vpn(address));
}

/* ---- Handles --------------------------------------------------------------------------------- */

static VsHandle handle_value(size_t index) { return (VsHandle)(index + 1) * 4; }

/* Adds an object to the caller's handle table (models ObInsertObject / ExCreateHandle): the
 * lowest free slot, the table growing by one when full. */
VsStatus vs_handle_insert(VsThread *caller, VsObjectType type, void *object, uint32_t access,
                          VsHandle *handle)
{
    VsProcess *owner = caller->process;
    size_t slot = 0;
    while (slot < owner->handle_count && owner->handles[slot].object)
        slot++;
    if (slot == owner->handle_count) {
        VsHandleEntry *grown = realloc(owner->handles, (slot + 1) * sizeof *grown);
        if (!grown)
            return STATUS_INSUFFICIENT_RESOURCES;
        owner->handles = grown;
        owner->handle_count++;
    }
    owner->handles[slot] = (VsHandleEntry){object, type, access};
    *handle = handle_value(slot);
    return STATUS_SUCCESS;
}

VsStatus vs_process_open(VsThread *caller, VsProcess *target, uint32_t access, VsHandle *handle)
{
    if (access & PROCESS_QUERY_INFORMATION)
        access |= PROCESS_QUERY_LIMITED_INFORMATION;
    return vs_handle_insert(caller, VS_OBJECT_PROCESS, target, access, handle);
}

/* The handle's slot in the caller's table, or NULL (models ExMapHandleToPointer). */
static VsHandleEntry *handle_entry(VsThread *caller, VsHandle handle)
{
    VsProcess *owner = caller->process;
    if (handle == 0 || handle % 4 != 0 || handle / 4 > owner->handle_count)
        return NULL;
    VsHandleEntry *entry = &owner->handles[handle / 4 - 1];
    return entry->object ? entry : NULL;
}

/* Resolves a handle to an object of a type with the rights a call needs (models
 * ObReferenceObjectByHandle): no such handle, or one to another type of object, is
 * STATUS_OBJECT_TYPE_MISMATCH or STATUS_INVALID_HANDLE; one that lacks the rights is
 * STATUS_ACCESS_DENIED. */
VsStatus vs_reference_object(VsThread *caller, VsHandle handle, VsObjectType type, uint32_t access,
                             void **out)
{
    if (handle == VS_CURRENT_PROCESS) {
        if (type != VS_OBJECT_PROCESS)
            return STATUS_OBJECT_TYPE_MISMATCH;
        *out = caller->process;
        return STATUS_SUCCESS;
    }
    VsHandleEntry *entry = handle_entry(caller, handle);
    if (!entry)
        return STATUS_INVALID_HANDLE;
    if (entry->type != type)
        return STATUS_OBJECT_TYPE_MISMATCH;
    if ((entry->access & access) != access)
        return STATUS_ACCESS_DENIED;
    *out = entry->object;
    return STATUS_SUCCESS;
}

/* A process handle with the rights a call needs; the pseudo-handle has every right. A handle to
 * something else is STATUS_INVALID_HANDLE, as the memory calls report it. */
VsStatus vs_reference_process(VsThread *caller, VsHandle handle, uint32_t access, VsProcess **out)
{
    void *object;
    VsStatus status = vs_reference_object(caller, handle, VS_OBJECT_PROCESS, access, &object);
    if (status == STATUS_OBJECT_TYPE_MISMATCH)
        return STATUS_INVALID_HANDLE;
    if (NT_SUCCESS(status))
        *out = object;
    return status;
}

VsProcess *vs_handle_process(VsThread *thread, VsHandle handle)
{
    if (handle == VS_CURRENT_PROCESS)
        return thread->process;
    VsHandleEntry *entry = handle_entry(thread, handle);
    return entry && entry->type == VS_OBJECT_PROCESS ? entry->object : NULL;
}

bool vs_handle_access(VsThread *thread, VsHandle handle, uint32_t *access)
{
    if (handle == VS_CURRENT_PROCESS) {
        *access = PROCESS_ALL_ACCESS;
        return true;
    }
    VsHandleEntry *entry = handle_entry(thread, handle);
    if (entry)
        *access = entry->access;
    return entry != NULL;
}

/* What a handle of process's table names: its entry, or for the pseudo-handle the process itself
 * with every right. False if it names nothing. */
static bool resolve_entry(VsProcess *process, VsHandle handle, VsHandleEntry *out)
{
    if (handle == VS_CURRENT_PROCESS) {
        *out = (VsHandleEntry){process, VS_OBJECT_PROCESS, PROCESS_ALL_ACCESS};
        return true;
    }
    VsHandleEntry *entry = handle_entry(vs_process_main_thread(process), handle);
    if (entry)
        *out = *entry;
    return entry != NULL;
}

bool vs_handle_lookup(VsThread *caller, VsHandle handle, VsHandleEntry *out)
{
    return resolve_entry(caller->process, handle, out);
}

/* Models ObDuplicateObject: the source process and handle, then the target process, each process
 * handle with PROCESS_DUP_HANDLE; the new handle counts as one more handle of a section or a file
 * object. The model keeps no security descriptors, so any access asked is granted. */
VsStatus VsNtDuplicateObject(VsThread *caller, VsHandle source_process, VsHandle source_handle,
                             VsHandle target_process, VsHandle *target_handle,
                             uint32_t desired_access, uint32_t attributes, uint32_t options)
{
    (void)attributes; /* OBJ_INHERIT: the model has no child processes to inherit it */
    VsProcess *source, *target = NULL;
    VsStatus status = vs_reference_process(caller, source_process, PROCESS_DUP_HANDLE, &source);
    if (!NT_SUCCESS(status))
        return status;
    VsHandleEntry entry;
    if (!resolve_entry(source, source_handle, &entry))
        return STATUS_INVALID_HANDLE;
    if (target_process)
        status = vs_reference_process(caller, target_process, PROCESS_DUP_HANDLE, &target);
    if (NT_SUCCESS(status) && target && !target_handle)
        status = STATUS_ACCESS_VIOLATION;
    uint32_t access = options & DUPLICATE_SAME_ACCESS ? entry.access : desired_access;
    if (entry.type == VS_OBJECT_PROCESS && (access & PROCESS_QUERY_INFORMATION))
        access |= PROCESS_QUERY_LIMITED_INFORMATION; /* as vs_process_open grants it */
    if (NT_SUCCESS(status) && target)
        status = vs_handle_insert(vs_process_main_thread(target), entry.type, entry.object, access,
                                  target_handle);
    if (NT_SUCCESS(status) && target && entry.type == VS_OBJECT_SECTION)
        vs_section_object_reference(entry.object);
    if (NT_SUCCESS(status) && target && entry.type == VS_OBJECT_FILE)
        ((VsFileObject *)entry.object)->handles++; /* the duplicate shares the file object */
    if (NT_SUCCESS(status) && target && entry.type == VS_OBJECT_EVENT)
        ((VsEventObject *)entry.object)->references++;
    if (options & DUPLICATE_CLOSE_SOURCE)
        VsNtClose(vs_process_main_thread(source), source_handle);
    return status;
}

/* Closing the current-process pseudo-handle does nothing and succeeds, as documented. */
VsStatus VsNtClose(VsThread *caller, VsHandle handle)
{
    if (handle == VS_CURRENT_PROCESS)
        return STATUS_SUCCESS;
    VsHandleEntry *entry = handle_entry(caller, handle);
    if (!entry)
        return STATUS_INVALID_HANDLE;
    if (entry->type == VS_OBJECT_FILE && vs_file_object_close_waits(entry->object)) {
        caller->would_wait = true; /* nothing closed: see vs_file_object_close_waits */
        return STATUS_SUCCESS;
    }
    void *object = entry->object;
    VsObjectType type = entry->type;
    *entry = (VsHandleEntry){0};
    if (type == VS_OBJECT_SECTION)
        vs_section_object_close(caller->process->system, object);
    if (type == VS_OBJECT_FILE)
        vs_file_object_close_handle(caller->process->system, object);
    if (type == VS_OBJECT_EVENT)
        vs_event_dereference(object);
    return STATUS_SUCCESS;
}

VsSystem *vs_process_system(const VsProcess *process) { return process->system; }
