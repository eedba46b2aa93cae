/*
 * thread.c - CreateThread, CreateRemoteThread, SetThreadStackGuarantee,
 * GetCurrentThreadStackLimits.
 *
 * Models kernelbase's CreateRemoteThreadEx, which settles the stack's sizes (the rules of
 * kernel32's BaseCreateStack, ReactOS dll/win32/kernel32/client/utils.c; MS docs "Thread Stack
 * Size") and has NtCreateThreadEx make the thread: dwStackSize is the commit, the reserve the
 * image's, and a commit at least as large as that reserve takes a reserve of the commit rounded up
 * to 1 MB; with STACK_SIZE_PARAM_IS_A_RESERVATION it is the reserve, and the commit the image's.
 */
#include "kernelbase.h"

#define MEGABYTE 0x100000ull

VsHandle VsCreateRemoteThread(VsThread *thread, VsHandle process, uint64_t stack_size,
                              uint32_t flags, uint32_t *tid)
{
    uint64_t commit = 0, reserve = 0;
    VsProcess *target = vs_handle_process(thread, process);
    if (flags & STACK_SIZE_PARAM_IS_A_RESERVATION) {
        reserve = stack_size;
    } else {
        commit = stack_size;
        if (target && commit >= target->stack_reserve)
            reserve = (commit + MEGABYTE - 1) / MEGABYTE * MEGABYTE;
    }
    VsHandle handle = 0;
    VsStatus status =
        VsNtCreateThreadEx(thread, &handle, process, flags & CREATE_SUSPENDED, 0, commit, reserve);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    if (tid)
        *tid = vs_handle_thread(thread, handle)->tid;
    return handle;
}

VsHandle VsCreateThread(VsThread *thread, uint64_t stack_size, uint32_t flags, uint32_t *tid)
{
    return VsCreateRemoteThread(thread, VS_CURRENT_PROCESS, stack_size, flags, tid);
}

/*
 * SetThreadStackGuarantee (Wine's kernel32 test_SetThreadStackGuarantee, every check asserted):
 * *size comes back holding the guarantee before the call, failed or not; 0 asks only; a value is
 * rounded up to pages and to the floor (2 pages on x64, 1 on x86); a smaller one than the current
 * guarantee changes nothing; one as large as the stack's reservation fails with
 * ERROR_INVALID_PARAMETER. Stored in TEB.GuaranteedStackBytes, where the stack's end reads it.
 */
bool VsSetThreadStackGuarantee(VsThread *thread, uint32_t *size)
{
    uint64_t asked = *size, current = thread->guaranteed_stack_bytes;
    *size = (uint32_t)current;
    if (!thread->stack_base || asked >= thread->stack_base - thread->deallocation_stack) {
        vs_set_last_nt_error(thread, STATUS_INVALID_PARAMETER);
        return false;
    }
    uint64_t floor =
        thread->process->system->layout->arch == VS_ARCH_X64 ? 2 * VS_PAGE_SIZE : VS_PAGE_SIZE;
    uint64_t wanted = vs_max((asked + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1), floor);
    if (asked && wanted > current)
        thread->guaranteed_stack_bytes = wanted;
    return true;
}

void VsGetCurrentThreadStackLimits(VsThread *thread, uint64_t *low, uint64_t *high)
{
    *low = thread->deallocation_stack;
    *high = thread->stack_base;
}
