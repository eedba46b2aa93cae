/*
 * stack.c - a thread's user-mode stack: laid out, grown through its guard page, ended.
 *
 * A stack is one private reservation. Its top pages are committed read-write and the page below
 * them is committed PAGE_READWRITE | PAGE_GUARD; the rest stays reserved (RtlCreateUserStack,
 * ReactOS sdk/lib/rtl/thread.c RtlpCreateUserStack: the guard is placed only if the reservation
 * has room for it below the commit; Wine's ntdll test_RtlCreateUserStack checks the same three
 * runs with VirtualQuery). The TEB says where it is: StackBase is the top, StackLimit the lowest
 * committed page above the guard, DeallocationStack the reservation's base.
 *
 * Sizes (RtlCreateUserStack): 0 means the image's SizeOfStackReserve or SizeOfStackCommit; the
 * commit rounds up to commit_align and to pages, the reserve up to reserve_align, then to 64 KB,
 * and is never below 1 MB nor below the commit (Wine's ntdll tests assert the reserves this gives,
 * e.g. 0x20000 asked -> 0x100000, 0x110000 -> 0x110000, 0x110000 aligned to 0x40000 -> 0x140000).
 *
 * Growth (MiCheckForUserStackOverflow, WRK mm/acceschk.c, ReactOS ntoskrnl/mm/ARM3/pagfault.c): a
 * thread touching a guard page inside its own stack gets no exception. The kernel decides what
 * "its own stack" is from the faulting thread's TEB alone: any guard page between DeallocationStack
 * and StackBase, wherever StackLimit stands and whoever set the guard, is one. The fault has
 * cleared the guard (MiAccessCheck); the kernel commits the page below as the new guard, sets
 * StackLimit to the touched page (WRK writes it, it does not take the lower of the two: a
 * StackLimit the program moved below is moved back up, ntdll test_stack_growth_thread L1194-1210)
 * and the access is retried. A guard page anywhere else, or in another thread's stack, raises
 * STATUS_GUARD_PAGE_VIOLATION as usual. Since the TEB is the thread's to write, a program that
 * points DeallocationStack, StackBase and StackLimit at a reservation of its own runs on it with
 * the same growth (kernel32 test_stack_commit).
 *
 * Setting a guard: a thread that makes pages of its own stack above StackLimit guard pages (a
 * commit or a protection with PAGE_GUARD) finds StackLimit moved up to just above them at once,
 * no fault needed: the stack is shorter, and grows back through the new guard (ntdll
 * test_stack_growth_thread L1129-1135, L1159-1165, L1215-1222; todo_wine in Wine, which leaves
 * StackLimit where it was; WRK of 2003 has no such step, so this is later Windows'). A guard set
 * at or below StackLimit, or by another thread, leaves StackLimit alone; taking the guard off
 * again does not move it back (L1248-1264).
 *
 * The end: the bottom page of the reservation is never
 * committed (MS docs "Thread Stack Size"), and the guarantee (SetThreadStackGuarantee, at least 2
 * pages on x64 and 1 on x86) is kept for the overflow handler: when the touched guard page lies
 * less than a page plus the guarantee above the base, what remains above the bottom page is
 * committed without a guard, StackLimit goes down to it and the access raises
 * STATUS_STACK_OVERFLOW. (Sources differ by a page on which touch raises it: this is Wine's
 * grow_thread_stack rule; docs/model.md says so.)
 */
#include "internal.h"

#define STACK_MINIMUM_RESERVE 0x100000ull /* RtlCreateUserStack's floor, Wine's tests */

static uint64_t round_up(uint64_t value, uint64_t align)
{
    uint64_t rounded = (value + align - 1) / align * align;
    return rounded < value ? value : rounded; /* no wrap: too large stays too large */
}

/* The guarantee's floor (Wine's kernel32 test_SetThreadStackGuarantee: 200 bytes asked -> 8192 on
 * 64-bit, 4096 on 32-bit). */
static uint64_t minimum_guarantee(const VsProcess *process)
{
    return process->system->layout->arch == VS_ARCH_X64 ? 2 * VS_PAGE_SIZE : VS_PAGE_SIZE;
}

void vs_process_set_stack_defaults(VsProcess *process, uint64_t reserve, uint64_t commit)
{
    process->stack_reserve = reserve;
    process->stack_commit = commit;
}

/* The sizes RtlCreateUserStack settles on; STATUS_INVALID_PARAMETER for an alignment of 0. */
static VsStatus stack_sizes(const VsProcess *process, uint64_t *commit, uint64_t *reserve,
                            uint64_t commit_align, uint64_t reserve_align)
{
    if (commit_align == 0 || reserve_align == 0)
        return STATUS_INVALID_PARAMETER;
    uint64_t c = *commit ? *commit : process->stack_commit;
    uint64_t r = *reserve ? *reserve : process->stack_reserve;
    c = round_up(round_up(c, commit_align), VS_PAGE_SIZE);
    r = round_up(round_up(r, reserve_align), VS_GRANULARITY);
    r = round_up(vs_max(vs_max(r, c), STACK_MINIMUM_RESERVE), VS_GRANULARITY);
    *commit = vs_min(c, r);
    *reserve = r;
    return STATUS_SUCCESS;
}

/*
 * Whether a reserve fits under the addresses ZeroBits leaves (the kernel's stack reservation,
 * NtSetInformationProcess(ProcessThreadStackAllocation), which RtlCreateUserStack and thread
 * creation use): a reserve larger than all of them is STATUS_INVALID_PARAMETER, one exactly as
 * large (it could only start at 0) STATUS_CONFLICTING_ADDRESSES, as a count or as a 64-bit mask
 * alike (Wine's ntdll test_RtlCreateUserStack L1387-1433 asserts both for a 1 MB reserve with zero
 * bits 12 and 13 and above; its NtAllocateVirtualMemory test accepts the same two statuses for a
 * page under 20 and 21 zero bits from older Windows 10). A ZeroBits value no allocation takes is
 * STATUS_INVALID_PARAMETER_3.
 */
static VsStatus check_zero_bits(const VsProcess *process, uint64_t reserve, uint64_t zero_bits)
{
    uint64_t limit;
    VsStatus status = vs_zero_bits_limit(process->system->layout, zero_bits, &limit);
    if (!NT_SUCCESS(status) || zero_bits == 0 || reserve < limit + 1)
        return status;
    return reserve == limit + 1 ? STATUS_CONFLICTING_ADDRESSES : STATUS_INVALID_PARAMETER;
}

/* Commits [address, address + size) of the stack in process with a protection. */
static VsStatus commit_stack_pages(VsThread *caller, VsHandle process, uint64_t address,
                                   uint64_t size, uint32_t protect)
{
    return VsNtAllocateVirtualMemory(caller, process, &address, 0, &size, MEM_COMMIT, protect);
}

/* Reserves the stack and commits its top and its guard (RtlpCreateUserStack). */
static VsStatus lay_out_stack(VsThread *caller, VsHandle process, uint64_t commit, uint64_t reserve,
                              uint64_t zero_bits, VsInitialTeb *stack)
{
    uint64_t base = 0, size = reserve;
    VsStatus status = VsNtAllocateVirtualMemory(caller, process, &base, zero_bits, &size,
                                                MEM_RESERVE, PAGE_READWRITE);
    if (!NT_SUCCESS(status))
        return status;
    uint64_t top = base + size, limit = top - commit;
    status = commit_stack_pages(caller, process, limit, commit, PAGE_READWRITE);
    if (NT_SUCCESS(status) && limit - base >= VS_PAGE_SIZE)
        status = commit_stack_pages(caller, process, limit - VS_PAGE_SIZE, VS_PAGE_SIZE,
                                    PAGE_READWRITE | PAGE_GUARD);
    if (!NT_SUCCESS(status)) {
        uint64_t whole = 0;
        VsNtFreeVirtualMemory(caller, process, &base, &whole, MEM_RELEASE);
        return status;
    }
    *stack = (VsInitialTeb){.StackBase = top, .StackLimit = limit, .DeallocationStack = base};
    return STATUS_SUCCESS;
}

/* A stack in the process the handle names (the kernel's RtlpCreateUserStack, which
 * NtCreateThreadEx uses, and ntdll's RtlCreateUserStack for the caller's own). */
VsStatus vs_stack_create(VsThread *caller, VsHandle process, uint64_t commit, uint64_t reserve,
                         uint64_t zero_bits, uint64_t commit_align, uint64_t reserve_align,
                         VsInitialTeb *stack)
{
    VsProcess *target = vs_handle_process(caller, process);
    if (!target)
        return STATUS_INVALID_HANDLE;
    VsStatus status = stack_sizes(target, &commit, &reserve, commit_align, reserve_align);
    if (NT_SUCCESS(status))
        status = check_zero_bits(target, reserve, zero_bits);
    if (!NT_SUCCESS(status))
        return status;
    return lay_out_stack(caller, process, commit, reserve, zero_bits, stack);
}

VsStatus VsRtlCreateUserStack(VsThread *caller, uint64_t commit, uint64_t reserve,
                              uint64_t zero_bits, uint64_t commit_align, uint64_t reserve_align,
                              VsInitialTeb *stack)
{
    return vs_stack_create(caller, VS_CURRENT_PROCESS, commit, reserve, zero_bits, commit_align,
                           reserve_align, stack);
}

VsStatus VsRtlFreeUserStack(VsThread *caller, uint64_t deallocation_stack)
{
    uint64_t size = 0;
    return VsNtFreeVirtualMemory(caller, VS_CURRENT_PROCESS, &deallocation_stack, &size,
                                 MEM_RELEASE);
}

static void emit_stack(VsThread *thread, VsEventKind kind, uint64_t touched)
{
    VsEvent event = {.kind = kind,
                     .pid = thread->process->pid,
                     .vpn_start = vs_vpn(thread->stack_limit),
                     .vpn_end = vs_vpn(thread->stack_base - 1),
                     .address = touched,
                     .frame = thread->tid};
    vs_emit(thread->process->system, &event);
}

/*
 * A guard page at address was touched by thread (models MiCheckForUserStackOverflow). Returns
 * STATUS_GUARD_PAGE_VIOLATION when the page is not in the thread's own stack (the exception
 * stands), STATUS_SUCCESS when the stack grew (the access is to be retried), or
 * STATUS_STACK_OVERFLOW.
 */
VsStatus vs_stack_guard_fault(VsThread *thread, uint64_t address)
{
    if (!thread->stack_base || address < thread->deallocation_stack ||
        address >= thread->stack_base)
        return STATUS_GUARD_PAGE_VIOLATION;
    uint64_t page = vs_page_down(address), base = thread->deallocation_stack;
    uint64_t guarantee = round_up(
        vs_max(thread->guaranteed_stack_bytes, minimum_guarantee(thread->process)), VS_PAGE_SIZE);
    if (page >= base + VS_PAGE_SIZE + guarantee) {
        VsStatus status = commit_stack_pages(thread, VS_CURRENT_PROCESS, page - VS_PAGE_SIZE,
                                             VS_PAGE_SIZE, PAGE_READWRITE | PAGE_GUARD);
        if (!NT_SUCCESS(status))
            return STATUS_STACK_OVERFLOW; /* no commit to be had: the stack cannot grow */
        thread->stack_limit = page;
        emit_stack(thread, VS_EV_STACK_GROWN, address);
        return STATUS_SUCCESS;
    }
    uint64_t floor = page > base ? base + VS_PAGE_SIZE : base;
    if (page > floor) /* what is left for the handler; without commit, it has what it has */
        (void)commit_stack_pages(thread, VS_CURRENT_PROCESS, floor, page - floor, PAGE_READWRITE);
    thread->stack_limit = floor;
    emit_stack(thread, VS_EV_STACK_OVERFLOW, address);
    return STATUS_STACK_OVERFLOW;
}

void vs_stack_guard_set(VsThread *thread, uint64_t start, uint64_t end)
{
    if (!thread->stack_base || start < thread->deallocation_stack || end > thread->stack_base ||
        end <= thread->stack_limit)
        return;
    thread->stack_limit = end;
    emit_stack(thread, VS_EV_STACK_SHRUNK, start);
}

VsStatus vs_stack_touch(VsThread *thread, uint64_t bytes)
{
    if (thread->terminated)
        return STATUS_THREAD_IS_TERMINATING;
    if (!thread->stack_base)
        return STATUS_INVALID_PARAMETER;
    if (bytes == 0)
        return STATUS_SUCCESS;
    uint64_t deepest = bytes >= thread->stack_base ? 0 : thread->stack_base - bytes;
    if (deepest >= thread->stack_limit)
        return vs_memory_write(thread, deepest, 0);
    /* __chkstk: page by page downwards, each probe seeing the stack as the last one left it */
    for (uint64_t page = vs_page_down(thread->stack_limit - 1);; page -= VS_PAGE_SIZE) {
        VsStatus status = vs_memory_write(thread, vs_max(page, deepest), 0);
        if (!NT_SUCCESS(status))
            return status;
        if (page <= deepest || page < VS_PAGE_SIZE)
            return STATUS_SUCCESS;
    }
}
