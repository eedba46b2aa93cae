/*
 * thread.c - threads with a TEB and a user stack: created, looked at, ended.
 *
 * Models NtCreateThreadEx (the kernel creates the stack since Vista: RtlpCreateUserStack in
 * stack.c) and MmCreateTeb: the TEB is its own private allocation, committed read-write,
 * sizeof(TEB) rounded to pages (2 pages on x64, 1 on x86), found top-down below
 * MM_HIGHEST_VAD_ADDRESS on any page boundary (WRK mm/procsup.c MiCreatePebOrTeb:
 * MiFindEmptyAddressRangeDown with PAGE_SIZE alignment; the 64 KB granularity binds user calls, not
 * the kernel), which is why XP's TEBs sat at 0x7FFDE000 and below. Thread exit (PspExitThread)
 * releases the stack reservation at DeallocationStack and the TEB (MS docs "TerminateThread": the
 * system frees the thread's initial stack; only XP and Server 2003 did not).
 *
 * A thread of the model runs no code of its own: it is the caller of the calls made as it
 * (vs_stack_touch, vs_thread_exit, SetThreadStackGuarantee, and any call a scenario makes as the
 * thread). Its object lives on after it ends, as long as the process does, so a handle to it still
 * names it. The TEB's stack fields are the thread's to write (vs_thread_set_stack), and the
 * kernel believes them: growth, and the release at exit, follow what they say.
 */
#include <stdlib.h>

#include "internal.h"

static uint64_t teb_pages(const VsProcess *process)
{
    return process->system->layout->arch == VS_ARCH_X64 ? 2 : 1;
}

/* The TEB's VAD (MiCreatePebOrTeb): private, committed read-write, charged. */
static VsStatus create_teb(VsProcess *process, uint64_t *teb)
{
    uint64_t pages = teb_pages(process), start;
    VsVadTable *table = &process->vad_root;
    if (!vs_vad_find_free_window(table, pages, true, table->lowest_vpn, table->highest_vpn, 1,
                                 &start))
        return STATUS_NO_MEMORY;
    if (!vs_commit_available(process->system, pages))
        return STATUS_COMMITMENT_LIMIT;
    VsVad *vad = vs_pool_alloc(&process->system->vad_pool);
    if (!vad)
        return STATUS_INSUFFICIENT_RESOURCES;
    vad->starting_vpn = start;
    vad->ending_vpn = start + pages - 1;
    vad->kind = VS_VAD_PRIVATE;
    vad->protection = MM_READWRITE;
    vad->private_memory = 1;
    vad->mem_commit = 1;
    vs_vad_insert(table, vad);
    vs_emit_range(process, VS_EV_VAD_INSERTED, start, start + pages - 1);
    vs_charge_commit(process, vad, (int64_t)pages);
    VsEvent event = {.kind = VS_EV_COMMITTED,
                     .pid = process->pid,
                     .vpn_start = start,
                     .vpn_end = start + pages - 1,
                     .pages = pages,
                     .protection = PAGE_READWRITE};
    vs_emit(process->system, &event);
    *teb = vs_vpn_address(start);
    return STATUS_SUCCESS;
}

/* Releases a whole allocation of the thread's process, as the thread itself. */
static void release(VsThread *thread, uint64_t base)
{
    uint64_t size = 0;
    (void)VsNtFreeVirtualMemory(thread, VS_CURRENT_PROCESS, &base, &size, MEM_RELEASE);
}

/* Gives thread (of the process the handle names, through caller) a stack and a TEB. */
static VsStatus give_stack(VsThread *caller, VsHandle process, VsThread *thread, uint64_t commit,
                           uint64_t reserve, uint64_t zero_bits)
{
    VsInitialTeb stack;
    VsStatus status = vs_stack_create(caller, process, commit, reserve, zero_bits, VS_PAGE_SIZE,
                                      VS_GRANULARITY, &stack);
    if (!NT_SUCCESS(status))
        return status;
    uint64_t teb;
    status = create_teb(thread->process, &teb);
    if (!NT_SUCCESS(status)) {
        release(thread, stack.DeallocationStack);
        return status;
    }
    thread->teb = teb;
    thread->stack_base = stack.StackBase;
    thread->stack_limit = stack.StackLimit;
    thread->deallocation_stack = stack.DeallocationStack;
    VsEvent event = {.kind = VS_EV_THREAD_CREATED,
                     .pid = thread->process->pid,
                     .vpn_start = vs_vpn(stack.DeallocationStack),
                     .vpn_end = vs_vpn(stack.StackBase - 1),
                     .address = teb,
                     .size = teb_pages(thread->process) * VS_PAGE_SIZE,
                     .frame = thread->tid};
    vs_emit(thread->process->system, &event);
    return STATUS_SUCCESS;
}

VsStatus vs_thread_create_stack(VsThread *thread, uint64_t commit, uint64_t reserve)
{
    if (thread->stack_base || thread->terminated)
        return STATUS_INVALID_PARAMETER;
    return give_stack(thread, VS_CURRENT_PROCESS, thread, commit, reserve, 0);
}

/* Takes back a thread vs_thread_create added last, which never ran. */
static void discard_thread(VsProcess *process, VsThread *thread)
{
    process->thread_count--;
    free(thread);
}

VsStatus VsNtCreateThreadEx(VsThread *caller, VsHandle *thread_handle, VsHandle process,
                            uint32_t flags, uint64_t zero_bits, uint64_t stack_size,
                            uint64_t maximum_stack_size)
{
    (void)flags; /* CREATE_SUSPENDED or not, the model's threads run only what they are made to */
    VsProcess *target;
    VsStatus status = vs_reference_process(caller, process,
                                           PROCESS_CREATE_THREAD | VS_ACCESS_VM_OPERATION, &target);
    if (!NT_SUCCESS(status))
        return status;
    VsThread *thread = vs_thread_create(target);
    if (!thread)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = give_stack(caller, process, thread, stack_size, maximum_stack_size, zero_bits);
    if (NT_SUCCESS(status)) {
        status = vs_handle_insert(caller, VS_OBJECT_THREAD, thread, 0x1FFFFF, thread_handle);
        if (!NT_SUCCESS(status))
            vs_thread_exit(thread, 0);
        return status;
    }
    discard_thread(target, thread);
    return status;
}

VsStatus VsRtlCreateUserThread(VsThread *caller, VsHandle process, bool suspended,
                               uint64_t zero_bits, uint64_t stack_reserve, uint64_t stack_commit,
                               VsHandle *thread_handle)
{
    uint32_t flags = suspended ? 1u : 0u; /* THREAD_CREATE_FLAGS_CREATE_SUSPENDED */
    VsHandle own = 0; /* no &thread: the thread goes on, and ntdll closes the handle it got */
    VsStatus status = VsNtCreateThreadEx(caller, thread_handle ? thread_handle : &own, process,
                                         flags, zero_bits, stack_commit, stack_reserve);
    if (NT_SUCCESS(status) && !thread_handle)
        (void)VsNtClose(caller, own);
    return status;
}

VsStatus vs_thread_exit(VsThread *thread, uint32_t exit_code)
{
    if (thread->terminated)
        return STATUS_THREAD_IS_TERMINATING;
    thread->terminated = true;
    thread->exit_code = exit_code;
    if (thread->deallocation_stack) /* wherever the TEB says the stack is (PspExitThread) */
        release(thread, thread->deallocation_stack);
    if (thread->teb)
        release(thread, thread->teb);
    VsEvent event = {.kind = VS_EV_THREAD_EXITED,
                     .pid = thread->process->pid,
                     .vpn_start = vs_vpn(thread->deallocation_stack),
                     .vpn_end = thread->stack_base ? vs_vpn(thread->stack_base - 1) : 0,
                     .address = thread->teb,
                     .pages = exit_code,
                     .frame = thread->tid};
    vs_emit(thread->process->system, &event);
    thread->teb = thread->stack_base = thread->stack_limit = thread->deallocation_stack = 0;
    return STATUS_SUCCESS;
}

VsStatus vs_thread_set_stack(VsThread *thread, uint64_t deallocation_stack, uint64_t stack_base,
                             uint64_t stack_limit)
{
    if (thread->terminated)
        return STATUS_THREAD_IS_TERMINATING;
    if (!thread->teb)
        return STATUS_INVALID_PARAMETER;
    thread->deallocation_stack = deallocation_stack;
    thread->stack_base = stack_base;
    thread->stack_limit = stack_limit;
    VsEvent event = {.kind = VS_EV_STACK_FIELDS_SET,
                     .pid = thread->process->pid,
                     .vpn_start = vs_vpn(stack_limit),
                     .vpn_end = vs_vpn(stack_base) - 1,
                     .address = deallocation_stack,
                     .frame = thread->tid};
    vs_emit(thread->process->system, &event);
    return STATUS_SUCCESS;
}

VsThread *vs_handle_thread(VsThread *caller, VsHandle handle)
{
    void *object;
    if (!NT_SUCCESS(vs_reference_object(caller, handle, VS_OBJECT_THREAD, 0, &object)))
        return NULL;
    return object;
}

size_t vs_process_thread_count(const VsProcess *process) { return process->thread_count; }
VsThread *vs_process_thread(VsProcess *process, size_t index) { return process->threads[index]; }
uint32_t vs_thread_id(const VsThread *thread) { return thread->tid; }

/* The guard page right below StackLimit, if that page is one. */
static uint64_t guard_page(const VsThread *thread)
{
    uint64_t page = thread->stack_limit - VS_PAGE_SIZE;
    if (!thread->stack_base || page < thread->deallocation_stack)
        return 0;
    VsProcess *process = thread->process;
    const VsVad *vad = vs_vad_locate(&process->vad_root, vs_vpn(page));
    uint64_t pte = vs_pt_read(process, vs_vpn(page));
    VsPageState state = vad ? vs_page_state(process, vad, vs_vpn(page), pte) : (VsPageState){0};
    if (vs_pte_is_valid(pte) || !state.committed)
        return 0;
    return (state.mm_protection & MM_NOACCESS) == MM_GUARD_PAGE ? page : 0;
}

void vs_thread_info(const VsThread *thread, VsThreadInfo *info)
{
    *info = (VsThreadInfo){
        .tid = thread->tid,
        .has_stack = thread->stack_base != 0,
        .terminated = thread->terminated,
        .exit_code = thread->exit_code,
        .teb = thread->teb,
        .teb_size = thread->teb ? teb_pages(thread->process) * VS_PAGE_SIZE : 0,
        .stack_base = thread->stack_base,
        .stack_limit = thread->stack_limit,
        .deallocation_stack = thread->deallocation_stack,
        .guaranteed_stack_bytes = thread->guaranteed_stack_bytes,
        .guard = guard_page(thread),
    };
}
