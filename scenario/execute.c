/*
 * execute.c - each call of the scenario language, run in the model.
 *
 * One small function per call (a few share one), named in the call's row of calls.def, takes the
 * evaluated arguments and fills the outcome: the return value as the scenario sees it, the
 * by-reference arguments coming out, the record a call fills. vs_op_execute dispatches through the
 * table calls.def makes, and around every call notes what the call's address held before it and
 * the thread's last error and status after it.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "op.h"
#include "pe_build.h"
#include "section_image_fields.h"

typedef void VsExecutor(VsThread *thread, const VsOp *op, VsOutcome *outcome);

static bool is_linux(VsThread *thread)
{
    return vs_is_linux(vs_process_system(vs_thread_process(thread)));
}

/* ---- Arguments and results ------------------------------------------------------------------- */

/* A by-reference argument: the variable's storage, or NULL when the caller passed a value. */
static uint64_t *ref(const VsOp *op, VsOutcome *outcome, int i)
{
    outcome->out[i] = op->arg[i];
    return op->by_ref & (1u << i) ? &outcome->out[i] : NULL;
}

/* NT calls write their by-reference arguments back only when they succeed. */
static void nt_written(const VsOp *op, VsOutcome *outcome)
{
    if (NT_SUCCESS((VsStatus)outcome->ret))
        outcome->out_written = op->by_ref;
}

/* An old protection no call writes: an out-parameter still holding it was not written. */
#define OLD_PROTECT_UNWRITTEN UINT32_MAX

/* The old protection a protect call left in old, as argument i's outcome: written when the call
 * wrote it, failed or not (a failure after the range was looked at writes PAGE_NOACCESS), else
 * the variable's own value. */
static void old_protect_out(const VsOp *op, VsOutcome *outcome, int i, uint32_t old)
{
    bool written = old != OLD_PROTECT_UNWRITTEN && (op->by_ref & (1u << i));
    outcome->out[i] = written ? old : op->arg[i];
    if (written)
        outcome->out_written |= 1u << i;
}

/* An object name argument: its text, or NULL where the scenario passed NULL. */
static const char *name_arg(const VsOp *op, int i) { return op->arg[i] ? op->text : NULL; }

/* The list of extended parameters argument i gives, in list (VS_OP_MAX_PARAMETERS long): an
 * address requirement points at its structure in op, any other carries its value; NULL where the
 * scenario passed NULL. */
static const VsMemExtendedParameter *extended_parameters(const VsOp *op, int i,
                                                         VsMemExtendedParameter *list)
{
    for (uint32_t k = 0; k < op->parameter_count; k++) {
        const VsOpParameter *p = &op->parameters[k];
        list[k] = (VsMemExtendedParameter){.Type = p->type & 0xFF};
        if (p->type == MemExtendedParameterAddressRequirements)
            list[k].Pointer = &p->requirements;
        else
            list[k].ULong64 = p->value;
    }
    return op->arg[i] ? list : NULL;
}

/* An int result as the scenario sees it: -1 is all ones, as (uint64_t)-1. */
static uint64_t c_int(int64_t value) { return (uint64_t)value; }

/* ---- Windows: virtual memory ----------------------------------------------------------------- */

static void execute_virtual_alloc(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsVirtualAlloc(thread, a[0], a[1], (uint32_t)a[2], (uint32_t)a[3]);
}

static void execute_virtual_alloc_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsVirtualAllocEx(thread, a[0], a[1], a[2], (uint32_t)a[3], (uint32_t)a[4]);
}

static void execute_virtual_alloc_2(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    VsMemExtendedParameter list[VS_OP_MAX_PARAMETERS];
    outcome->ret = VsVirtualAlloc2(thread, a[0], a[1], a[2], (uint32_t)a[3], (uint32_t)a[4],
                                   extended_parameters(op, 5, list), (uint32_t)a[6]);
}

static void execute_virtual_free(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsVirtualFree(thread, a[0], a[1], (uint32_t)a[2]);
}

static void execute_virtual_free_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsVirtualFreeEx(thread, a[0], a[1], a[2], (uint32_t)a[3]);
}

/* VirtualProtect(Ex): the arguments after the process handle start at first (0 or 1); the old
 * protection is written back when the call wrote it. */
static void protect(VsThread *thread, const VsOp *op, VsOutcome *outcome, int first)
{
    VsHandle process = first ? op->arg[0] : VS_CURRENT_PROCESS;
    int old_arg = first + 3;
    uint32_t old = OLD_PROTECT_UNWRITTEN;
    outcome->ret = VsVirtualProtectEx(thread, process, op->arg[first], op->arg[first + 1],
                                      (uint32_t)op->arg[first + 2],
                                      op->by_ref & (1u << old_arg) ? &old : NULL);
    old_protect_out(op, outcome, old_arg, old);
}

static void execute_virtual_protect(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    protect(thread, op, outcome, 0);
}

static void execute_virtual_protect_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    protect(thread, op, outcome, 1);
}

/* VirtualQuery(Ex): the record is the call's value. */
static void query(VsThread *thread, const VsOp *op, VsOutcome *outcome, bool ex)
{
    outcome->has_mbi = true;
    outcome->ret = VsVirtualQueryEx(thread, ex ? op->arg[0] : VS_CURRENT_PROCESS, op->arg[ex],
                                    &outcome->mbi, sizeof outcome->mbi);
}

static void execute_virtual_query(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    query(thread, op, outcome, false);
}

static void execute_virtual_query_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    query(thread, op, outcome, true);
}

static void execute_virtual_lock(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsVirtualLock(thread, op->arg[0], op->arg[1]);
}

static void execute_virtual_unlock(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsVirtualUnlock(thread, op->arg[0], op->arg[1]);
}

/* The most addresses the caller's array of GetWriteWatch and NtGetWriteWatch holds in the model,
 * whatever the count says: more than any scenario can have written. */
#define WRITE_WATCH_ROOM (1u << 20)

/*
 * GetWriteWatch and NtGetWriteWatch, their arguments from first (0 or 1: after the process): the
 * flags, base, size, the caller's array (NULL, or any other value for an array of count entries),
 * &count and &granularity, written back on success. The array is the call's own, as long as the
 * count says but no longer than the pages of the range (more could never be reported); its first
 * entries, with the count and the granularity, are the record. nt: the NT call (the process is
 * argument 0), else kernelbase's. The call's return value is the outcome's.
 */
static void get_write_watch(VsThread *thread, const VsOp *op, VsOutcome *outcome, bool nt)
{
    int first = nt ? 1 : 0;
    const uint64_t *a = op->arg + first;
    uint64_t *count = ref(op, outcome, first + 4);
    uint64_t *granularity_out = ref(op, outcome, first + 5);
    uint64_t room = count ? MIN(MIN(*count, a[2] / 4096 + 2), WRITE_WATCH_ROOM) : 0;
    uint64_t *addresses = a[3] ? g_new0(uint64_t, room + 1) : NULL;
    uint32_t granularity = 0;
    uint32_t *g = granularity_out ? &granularity : NULL;
    uint64_t *capacity = count ? &room : NULL;
    bool ok;
    if (nt) {
        outcome->ret = (uint32_t)VsNtGetWriteWatch(thread, op->arg[0], (uint32_t)a[0], a[1], a[2],
                                                   addresses, capacity, g);
        ok = NT_SUCCESS((VsStatus)outcome->ret);
    } else {
        outcome->ret = VsGetWriteWatch(thread, (uint32_t)a[0], a[1], a[2], addresses, capacity, g);
        ok = outcome->ret == 0;
    }
    if (ok) {
        *count = room;
        *granularity_out = granularity;
        outcome->out_written = op->by_ref & (3u << (first + 4));
        outcome->record = VS_RECORD_WRITE_WATCH;
        outcome->fields[0] = room;
        outcome->fields[1] = granularity;
        for (uint64_t i = 0; i < room && i < VS_WRITE_WATCH_CAPACITY; i++)
            outcome->fields[2 + i] = addresses[i];
    }
    g_free(addresses);
}

static void execute_get_write_watch(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    get_write_watch(thread, op, outcome, false);
}

static void execute_nt_get_write_watch(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    get_write_watch(thread, op, outcome, true);
}

static void execute_nt_lock_virtual_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = (uint32_t)VsNtLockVirtualMemory(thread, op->arg[0], ref(op, outcome, 1),
                                                   ref(op, outcome, 2), (uint32_t)op->arg[3]);
    nt_written(op, outcome);
}

static void execute_nt_unlock_virtual_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = (uint32_t)VsNtUnlockVirtualMemory(thread, op->arg[0], ref(op, outcome, 1),
                                                     ref(op, outcome, 2), (uint32_t)op->arg[3]);
    nt_written(op, outcome);
}

static void execute_nt_reset_write_watch(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = (uint32_t)VsNtResetWriteWatch(thread, op->arg[0], op->arg[1], op->arg[2]);
}

static void execute_reset_write_watch(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsResetWriteWatch(thread, op->arg[0], op->arg[1]);
}

/* ---- Windows: the thread's last error, processes and handles --------------------------------- */

static void execute_get_last_error(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsGetLastError(thread);
}

static void execute_set_last_error(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsSetLastError(thread, (uint32_t)op->arg[0]);
}

static void execute_rtl_get_last_nt_status(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = (uint32_t)VsRtlGetLastNtStatus(thread);
}

/* GetCurrentProcess and NtCurrentProcess: the pseudo-handle. */
static void execute_get_current_process(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsGetCurrentProcess();
}

static void execute_get_current_process_id(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsGetCurrentProcessId(thread);
}

static void execute_open_process(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsOpenProcess(thread, (uint32_t)a[0], a[1] != 0, (uint32_t)a[2]);
}

static void execute_close_handle(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsCloseHandle(thread, op->arg[0]);
}

static void execute_nt_close(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = (uint32_t)VsNtClose(thread, op->arg[0]);
}

/* ---- Windows: ntdll's virtual memory calls --------------------------------------------------- */

static void execute_nt_allocate(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret =
        (uint32_t)VsNtAllocateVirtualMemory(thread, a[0], ref(op, outcome, 1), a[2],
                                            ref(op, outcome, 3), (uint32_t)a[4], (uint32_t)a[5]);
    nt_written(op, outcome);
}

static void execute_nt_free(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = (uint32_t)VsNtFreeVirtualMemory(thread, a[0], ref(op, outcome, 1),
                                                   ref(op, outcome, 2), (uint32_t)a[3]);
    nt_written(op, outcome);
}

static void execute_nt_protect(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    uint32_t old = OLD_PROTECT_UNWRITTEN;
    outcome->ret =
        (uint32_t)VsNtProtectVirtualMemory(thread, a[0], ref(op, outcome, 1), ref(op, outcome, 2),
                                           (uint32_t)a[3], op->by_ref & (1u << 4) ? &old : NULL);
    nt_written(op, outcome);
    old_protect_out(op, outcome, 4, old);
}

/* The entries of a MemoryWorkingSetExInformation buffer a scenario has: its first names the call's
 * address, the others NULL (a zeroed buffer, as psapi's test passes); a buffer past 64 KB is one
 * the scenario does not have (NULL: the call's probe fails, STATUS_ACCESS_VIOLATION). */
#define WORKING_SET_EX_MAX_ENTRIES 4096

static VsMemoryWorkingSetExInformation *working_set_entries(VsThread *thread, const VsOp *op)
{
    const VsLayout *layout = vs_system_layout(vs_process_system(vs_thread_process(thread)));
    uint64_t entry = layout->mbi_size == 48 ? 16 : 8; /* two pointers */
    uint64_t count = op->arg[3] / entry;
    if (count == 0 || count > WORKING_SET_EX_MAX_ENTRIES)
        return count ? NULL : g_new0(VsMemoryWorkingSetExInformation, 1);
    VsMemoryWorkingSetExInformation *entries = g_new0(VsMemoryWorkingSetExInformation, count);
    entries[0].VirtualAddress = op->arg[1];
    return entries;
}

/* The record of a successful NtQueryVirtualMemory of a class other than MemoryBasicInformation. */
static void query_record(const VsOp *op, const void *info, VsOutcome *outcome)
{
    outcome->record = vs_op_record_of(op);
    if (outcome->record == VS_RECORD_MEMORY_REGION) {
        const VsMemoryRegionInformation *r = info;
        uint64_t values[] = {r->AllocationBase, r->AllocationProtect, r->RegionType,
                             r->RegionSize,     r->CommitSize,        r->PartitionId,
                             r->NodePreference};
        memcpy(outcome->fields, values, sizeof values);
    } else if (outcome->record == VS_RECORD_MEMORY_IMAGE) {
        const VsMemoryImageInformation *image = info;
        uint64_t values[] = {image->ImageBase, image->SizeOfImage, image->ImageFlags};
        memcpy(outcome->fields, values, sizeof values);
    } else if (outcome->record == VS_RECORD_WORKING_SET_EX) {
        const VsWorkingSetExBlock *b =
            &((const VsMemoryWorkingSetExInformation *)info)->VirtualAttributes;
        uint64_t values[] = {b->Valid, b->ShareCount, b->Win32Protection, b->Shared,
                             b->Node,  b->Locked,     b->LargePage,       b->Bad};
        memcpy(outcome->fields, values, sizeof values);
    } else if (outcome->record == VS_RECORD_SECTION_NAME ||
               outcome->record == VS_RECORD_SECTION_NAME_AT) {
        const VsMemorySectionName *name = info;
        uint64_t values[] = {name->Length, name->MaximumLength};
        memcpy(outcome->fields, values, sizeof values);
    }
}

/* What NtQueryVirtualMemory answers, whichever its form. */
typedef union QueryAnswer {
    VsMemoryBasicInformation basic;
    VsMemoryRegionInformation region;
    VsMemoryImageInformation image;
    VsMemorySectionName name;
    VsMemoryWorkingSetExInformation entry;
} QueryAnswer;

/* Either form's outcome once the call returned: the return length as the call wrote it (the
 * file-name class returns the length it needs with a buffer too short for the name or for its
 * string, a warning and then an error), and on success the class's structure, at info, as the
 * call's value. */
static void query_memory_outcome(const VsOp *op, const void *info, VsOutcome *outcome)
{
    nt_written(op, outcome);
    if (op->arg[2] == MemoryMappedFilenameInformation &&
        (outcome->ret == STATUS_BUFFER_OVERFLOW || outcome->ret == STATUS_INFO_LENGTH_MISMATCH))
        outcome->out_written = op->by_ref;
    if (!NT_SUCCESS((VsStatus)outcome->ret))
        return;
    if (op->arg[2] == MemoryBasicInformation) {
        outcome->has_mbi = true;
        outcome->mbi = *(const VsMemoryBasicInformation *)info;
        return;
    }
    query_record(op, info, outcome);
}

/* NtQueryVirtualMemory: the class's structure becomes the call's value when it succeeds. For
 * MemoryWorkingSetExInformation the address is the first entry's (the call's own base address is
 * NULL, which the class ignores) and the record that entry's block. */
static void execute_nt_query_virtual_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    QueryAnswer info;
    bool working_set = a[2] == MemoryWorkingSetExInformation;
    g_autofree VsMemoryWorkingSetExInformation *entries =
        working_set ? working_set_entries(thread, op) : NULL;
    outcome->ret = (uint32_t)VsNtQueryVirtualMemory(
        thread, a[0], working_set ? 0 : a[1], (uint32_t)a[2], working_set ? (void *)entries : &info,
        a[3], ref(op, outcome, 4));
    query_memory_outcome(op, working_set ? (const void *)entries : &info, outcome);
}

/* The record of MemoryMappedFilenameInformation answered at `buffer` in the process: the
 * UNICODE_STRING as the call stored it (Buffer just past it), and the character at
 * Buffer[Length / 2], loaded as the caller would (the NUL after the name). */
static void name_at_record(VsThread *thread, uint64_t buffer, VsOutcome *outcome)
{
    const VsLayout *layout = vs_system_layout(vs_process_system(vs_thread_process(thread)));
    uint64_t pointer = layout->mbi_size == 48 ? 8 : 4, string = buffer + 2 * pointer;
    uint8_t low = 0, high = 0;
    uint64_t length = outcome->fields[0];
    vs_memory_read(thread, string + length, &low);
    vs_memory_read(thread, string + length + 1, &high);
    outcome->record = VS_RECORD_SECTION_NAME_AT;
    outcome->fields[2] = string;
    outcome->fields[3] = (uint64_t)high << 8 | low;
}

/* NtQueryVirtualMemory(process, address, class, buffer, length, &return_length): the buffer is
 * in the process, probed and then written (for MemoryWorkingSetExInformation read first: its
 * entries' addresses); the record is what the call wrote, the working-set class's its first
 * entry's block. */
static void execute_nt_query_virtual_memory_into(VsThread *thread, const VsOp *op,
                                                 VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    QueryAnswer info;
    VsQueryBuffer buffer = {.in_process = true, .address = a[3], .answer = &info};
    outcome->ret = (uint32_t)VsNtQueryVirtualMemoryInto(thread, a[0], a[1], (uint32_t)a[2], &buffer,
                                                        a[4], ref(op, outcome, 5));
    query_memory_outcome(op, &info, outcome);
    if (NT_SUCCESS((VsStatus)outcome->ret) && a[2] == MemoryMappedFilenameInformation)
        name_at_record(thread, a[3], outcome);
}

/* ---- Both: memory accesses ------------------------------------------------------------------- */

/* What an access raised: an NTSTATUS, or in a Linux system the signal it delivers. */
static uint32_t exception_of(VsThread *thread, VsStatus status)
{
    return is_linux(thread) ? vs_signal_of(status) : (uint32_t)status;
}

/* read(address): the byte, or 0 when the load raised an exception. */
static void execute_read(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    uint8_t value = 0;
    outcome->exception = exception_of(thread, vs_memory_read(thread, op->arg[0], &value));
    outcome->ret = outcome->exception ? 0 : value;
}

/* Whether address lies outside both canonical halves of an x64 address space (0x800000000000 to
 * 0xFFFF7FFFFFFFFFFF with 48-bit addresses): no page is looked up there, the CPU raising a
 * general-protection fault, which Windows reports as a read of 0xFFFFFFFFFFFFFFFF whatever the
 * access (ntdll exception.c: each #GP its x64 table provokes reads {0, 0xffffffffffffffff}), and
 * which Linux delivers as SIGSEGV with no page-fault error code (a read, too). */
static bool non_canonical(VsThread *thread, uint64_t address)
{
    const VsLayout *layout = vs_system_layout(vs_process_system(vs_thread_process(thread)));
    return layout->arch == VS_ARCH_X64 && address >= 0x800000000000ull &&
           address < 0xFFFF800000000000ull;
}

/* write(address, byte): what the store raised. */
static void execute_write(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsStatus status = vs_memory_write(thread, op->arg[0], (uint8_t)op->arg[1]);
    outcome->exception = exception_of(thread, status);
    outcome->exception_access =
        !outcome->exception || non_canonical(thread, op->arg[0]) ? VS_READ_ACCESS : VS_WRITE_ACCESS;
    outcome->ret = outcome->exception;
}

/* execute(address): what the fetch raised; an exception's access is the execute kind (a guard
 * page's too: ExceptionInformation[0] is 8 for every exception a fetch raises). */
static void execute_execute(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsStatus status = vs_memory_execute(thread, op->arg[0]);
    bool as_read = status == STATUS_ACCESS_VIOLATION &&
                   !vs_process_dep_enabled(vs_thread_process(thread)); /* DEP off */
    outcome->exception = exception_of(thread, status);
    outcome->exception_access = !outcome->exception || as_read || non_canonical(thread, op->arg[0])
                                    ? VS_READ_ACCESS
                                    : VS_EXECUTE_ACCESS;
    outcome->ret = outcome->exception;
}

/* ---- Windows: threads and their stacks ------------------------------------------------------- */

static void execute_create_thread(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsCreateThread(thread, op->arg[1], (uint32_t)op->arg[4], NULL);
}

static void execute_create_remote_thread(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsCreateRemoteThread(thread, a[0], a[2], (uint32_t)a[5], NULL);
}

static void execute_rtl_create_user_thread(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = (uint32_t)VsRtlCreateUserThread(thread, a[0], a[2] != 0, a[3], a[4], a[5],
                                                   ref(op, outcome, 8));
    nt_written(op, outcome);
}

/* The thread a handle argument names, or NULL with the last error a kernelbase call taking a
 * thread handle sets for a bad one. */
static VsThread *thread_arg(VsThread *thread, const VsOp *op, int i)
{
    VsThread *named = vs_handle_thread(thread, op->arg[i]);
    if (!named)
        VsSetLastError(thread, ERROR_INVALID_HANDLE);
    return named;
}

static void execute_thread_teb(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsThread *named = thread_arg(thread, op, 0);
    VsThreadInfo info;
    if (!named)
        return;
    vs_thread_info(named, &info);
    outcome->ret = !info.terminated;
    outcome->record = VS_RECORD_TEB;
    outcome->fields[0] = info.stack_base;
    outcome->fields[1] = info.stack_limit;
    outcome->fields[2] = info.deallocation_stack;
    outcome->fields[3] = info.guaranteed_stack_bytes;
}

/* stack_touch(thread, bytes): what the probes raised, as for write. */
static void execute_stack_touch(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsThread *named = thread_arg(thread, op, 0);
    outcome->exception =
        named ? (uint32_t)vs_stack_touch(named, op->arg[1]) : (uint32_t)STATUS_INVALID_HANDLE;
    outcome->ret = outcome->exception;
}

static void execute_thread_stack_guarantee(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsThread *named = thread_arg(thread, op, 0);
    uint64_t *size = ref(op, outcome, 1);
    if (!named || !size)
        return;
    uint32_t value = (uint32_t)*size;
    outcome->ret = VsSetThreadStackGuarantee(named, &value);
    *size = value;
    outcome->out_written |= 1u << 1;
    if (!outcome->ret)
        VsSetLastError(thread, VsGetLastError(named));
}

/* thread_exit(t, code): the stack it releases is the allocation the call changed (vad_start,
 * vad_end), as an address argument's is for a release. */
static void execute_thread_exit(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsThread *named = thread_arg(thread, op, 0);
    VsThreadInfo info;
    if (named) {
        vs_thread_info(named, &info);
        if (info.has_stack && !info.terminated) {
            outcome->vad_start = info.deallocation_stack;
            outcome->vad_end = info.stack_base;
            outcome->region_type = MEM_PRIVATE;
        }
    }
    outcome->ret = named && NT_SUCCESS(vs_thread_exit(named, (uint32_t)op->arg[1]));
}

static void execute_rtl_create_user_stack(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    VsInitialTeb stack;
    outcome->ret = (uint32_t)VsRtlCreateUserStack(thread, a[0], a[1], a[2], a[3], a[4], &stack);
    if (!NT_SUCCESS((VsStatus)outcome->ret))
        return;
    outcome->record = VS_RECORD_INITIAL_TEB;
    outcome->fields[0] = stack.OldStackBase;
    outcome->fields[1] = stack.OldStackLimit;
    outcome->fields[2] = stack.StackBase;
    outcome->fields[3] = stack.StackLimit;
    outcome->fields[4] = stack.DeallocationStack;
}

static void execute_thread_set_stack(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsThread *named = thread_arg(thread, op, 0);
    outcome->ret =
        named && NT_SUCCESS(vs_thread_set_stack(named, op->arg[1], op->arg[2], op->arg[3]));
}

static void execute_is_bad_read_ptr(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsIsBadReadPtr(thread, op->arg[0], op->arg[1]);
}

static void execute_is_bad_write_ptr(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsIsBadWritePtr(thread, op->arg[0], op->arg[1]);
}

static void execute_is_bad_code_ptr(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsIsBadCodePtr(thread, op->arg[0]);
}

/* RtlFreeUserStack returns nothing: what it released, VirtualQuery shows. */
static void execute_rtl_free_user_stack(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    (void)VsRtlFreeUserStack(thread, op->arg[0]);
}

/* ---- Windows: heaps -------------------------------------------------------------------------- */

/* A heap's first reservation, as made_size: what the harness pairs with the real heap's. */
static void heap_made(VsThread *thread, VsOutcome *outcome)
{
    const VsHeap *heap = outcome->ret ? vs_heap_lookup(thread, outcome->ret) : NULL;
    VsHeapRange first;
    if (heap && vs_heap_ranges(heap, &first, 1) > 0)
        outcome->made_size = first.size;
}

static void execute_heap_create(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsHeapCreate(thread, (uint32_t)op->arg[0], op->arg[1], op->arg[2]);
    heap_made(thread, outcome);
}

static void execute_get_process_heap(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    (void)op;
    outcome->ret = VsGetProcessHeap(thread);
    heap_made(thread, outcome);
}

/* The heap's segments before a block call: their count (segments come before big blocks). */
static size_t heap_segments(VsThread *thread, uint64_t heap_handle)
{
    const VsHeap *heap = vs_heap_lookup(thread, heap_handle);
    size_t count = heap ? vs_heap_ranges(heap, NULL, 0) : 0;
    g_autofree VsHeapRange *ranges = g_new(VsHeapRange, count);
    size_t segments = 0;
    if (heap)
        vs_heap_ranges(heap, ranges, count);
    while (segments < count && !ranges[segments].big)
        segments++;
    return segments;
}

/* Where a block returned lies: the allocation holding it, whether that is the block's own and
 * whether it is a segment the call added (the heap had segments_before). */
static void block_placed(VsThread *thread, uint64_t heap_handle, size_t segments_before,
                         VsOutcome *outcome)
{
    const VsVad *vad = outcome->ret ? vs_vad_lookup(vs_thread_process(thread), outcome->ret) : NULL;
    const VsHeap *heap = vad ? vs_heap_lookup(thread, heap_handle) : NULL;
    if (!heap)
        return;
    VsVadInfo info;
    vs_vad_info(vad, &info);
    outcome->block_base = info.starting_vpn * VS_PAGE_SIZE;
    size_t count = vs_heap_ranges(heap, NULL, 0);
    g_autofree VsHeapRange *ranges = g_new(VsHeapRange, count);
    vs_heap_ranges(heap, ranges, count);
    for (size_t i = 0; i < count; i++)
        if (ranges[i].base == outcome->block_base) {
            outcome->made_size = ranges[i].size;
            outcome->block_own = ranges[i].big;
            outcome->block_new = !ranges[i].big && i >= segments_before;
        }
}

static void execute_heap_alloc(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsStatus raised = STATUS_SUCCESS;
    size_t segments = heap_segments(thread, op->arg[0]);
    outcome->ret = VsHeapAlloc(thread, op->arg[0], (uint32_t)op->arg[1], op->arg[2], &raised);
    outcome->exception = (uint32_t)raised;
    block_placed(thread, op->arg[0], segments, outcome);
}

static void execute_heap_realloc(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    VsStatus raised = STATUS_SUCCESS;
    size_t segments = heap_segments(thread, a[0]);
    outcome->ret = VsHeapReAlloc(thread, a[0], (uint32_t)a[1], a[2], a[3], &raised);
    outcome->exception = (uint32_t)raised;
    block_placed(thread, a[0], segments, outcome);
}

static void execute_heap_free(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsHeapFree(thread, op->arg[0], (uint32_t)op->arg[1], op->arg[2]);
}

static void execute_heap_size(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsHeapSize(thread, op->arg[0], (uint32_t)op->arg[1], op->arg[2]);
}

static void execute_heap_validate(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsHeapValidate(thread, op->arg[0], (uint32_t)op->arg[1], op->arg[2]);
}

static void execute_heap_destroy(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsHeapDestroy(thread, op->arg[0]);
}

/* HeapWalk(heap, &cursor): the entry as a record, in PROCESS_HEAP_ENTRY's order; the cursor, when
 * passed, comes back as its lpData. */
static void execute_heap_walk(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsHeapWalkEntry e = {0};
    uint64_t cursor = op->arg[1];
    outcome->ret = VsHeapWalk(thread, op->arg[0], &cursor, &e);
    if (!outcome->ret)
        return;
    outcome->out[1] = cursor;
    outcome->out_written = op->by_ref & (1u << 1);
    if (!(e.flags & VS_HEAP_ENTRY_REGION)) /* the union is a Region's only for a REGION */
        e.committed = e.uncommitted = e.first = e.last = 0;
    const uint64_t fields[] = {e.data,      e.size,        e.overhead, e.region, e.flags,
                               e.committed, e.uncommitted, e.first,    e.last};
    outcome->record = VS_RECORD_HEAP_ENTRY;
    memcpy(outcome->fields, fields, sizeof fields);
}

/* GetProcessHeaps(count): the handles, when they fit, as a record of the first 16 (0 past them). */
static void execute_get_process_heaps(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    uint32_t count = (uint32_t)MIN(op->arg[0], 4096);
    uint64_t *heaps = g_new0(uint64_t, count ? count : 1);
    outcome->ret = VsGetProcessHeaps(thread, count, heaps);
    outcome->record = VS_RECORD_PROCESS_HEAPS;
    for (uint32_t i = 0; i < VS_PROCESS_HEAPS_CAPACITY && i < count && outcome->ret <= count; i++)
        outcome->fields[i] = i < outcome->ret ? heaps[i] : 0;
    g_free(heaps);
}

/* ---- Windows: working sets and psapi: a BOOL, and the structure filled as a record ----------- */

static void execute_set_process_working_set_size(VsThread *thread, const VsOp *op,
                                                 VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsSetProcessWorkingSetSize(thread, a[0], a[1], a[2]);
}

static void execute_get_process_working_set_size(VsThread *thread, const VsOp *op,
                                                 VsOutcome *outcome)
{
    outcome->ret =
        VsGetProcessWorkingSetSize(thread, op->arg[0], &outcome->out[1], &outcome->out[2]);
    if (outcome->ret)
        outcome->out_written = op->by_ref & ((1u << 1) | (1u << 2));
}

static void execute_empty_working_set(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsEmptyWorkingSet(thread, op->arg[0]);
}

static void execute_get_process_memory_info(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsProcessMemoryCounters c;
    outcome->ret = VsGetProcessMemoryInfo(thread, op->arg[0], &c);
    if (!outcome->ret)
        return;
    outcome->record = VS_RECORD_MEMORY_COUNTERS;
    uint64_t values[] = {c.PageFaultCount,         c.PeakWorkingSetSize,
                         c.WorkingSetSize,         c.QuotaPeakPagedPoolUsage,
                         c.QuotaPagedPoolUsage,    c.QuotaPeakNonPagedPoolUsage,
                         c.QuotaNonPagedPoolUsage, c.PagefileUsage,
                         c.PeakPagefileUsage,      c.PrivateUsage};
    memcpy(outcome->fields, values, sizeof values);
}

static void execute_query_working_set_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsWorkingSetExBlock b;
    outcome->ret = VsQueryWorkingSetEx(thread, op->arg[0], op->arg[1], &b);
    if (!outcome->ret)
        return;
    outcome->record = VS_RECORD_WORKING_SET_EX;
    uint64_t values[] = {b.Valid, b.ShareCount, b.Win32Protection, b.Shared,
                         b.Node,  b.Locked,     b.LargePage,       b.Bad};
    memcpy(outcome->fields, values, sizeof values);
}

static void execute_global_memory_status_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsMemoryStatusEx m;
    VsGlobalMemoryStatusEx(thread, &m);
    outcome->ret = 1;
    outcome->record = VS_RECORD_MEMORY_STATUS;
    uint64_t values[] = {m.dwMemoryLoad,     m.ullTotalPhys,           m.ullAvailPhys,
                         m.ullTotalPageFile, m.ullAvailPageFile,       m.ullTotalVirtual,
                         m.ullAvailVirtual,  m.ullAvailExtendedVirtual};
    memcpy(outcome->fields, values, sizeof values);
}

/* ---- Windows: another process's memory ------------------------------------------------------ */

/* The copies write their count back whether they succeeded or not (WriteProcessMemory leaves it
 * alone when it refuses before copying: the variable then keeps its value). */
static void execute_read_process_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsReadProcessMemory(thread, a[0], a[1], a[2], a[3], ref(op, outcome, 4));
    outcome->out_written = op->by_ref;
}

static void execute_write_process_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsWriteProcessMemory(thread, a[0], a[1], a[2], a[3], ref(op, outcome, 4));
    outcome->out_written = op->by_ref;
}

static void execute_nt_read_virtual_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret =
        (uint32_t)VsNtReadVirtualMemory(thread, a[0], a[1], a[2], a[3], ref(op, outcome, 4));
    outcome->out_written = op->by_ref;
}

static void execute_nt_write_virtual_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret =
        (uint32_t)VsNtWriteVirtualMemory(thread, a[0], a[1], a[2], a[3], ref(op, outcome, 4));
    outcome->out_written = op->by_ref;
}

static void execute_duplicate_handle(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsDuplicateHandle(thread, a[0], a[1], a[2], ref(op, outcome, 3), (uint32_t)a[4],
                                     a[5] != 0, (uint32_t)a[6]);
    if (outcome->ret)
        outcome->out_written = op->by_ref;
}

/* ---- Windows: sections, views and files ------------------------------------------------------ */

/* CreateFileMapping: the security attributes (argument 1) are not modelled. */
static void execute_create_file_mapping(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsCreateFileMapping(thread, a[0], (uint32_t)a[2], (uint32_t)a[3], (uint32_t)a[4],
                                       name_arg(op, 5));
}

static void execute_open_file_mapping(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsOpenFileMapping(thread, (uint32_t)a[0], a[1] != 0, name_arg(op, 2));
}

static void execute_map_view_of_file(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret =
        VsMapViewOfFile(thread, a[0], (uint32_t)a[1], (uint32_t)a[2], (uint32_t)a[3], a[4]);
}

static void execute_map_view_of_file_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret =
        VsMapViewOfFileEx(thread, a[0], (uint32_t)a[1], (uint32_t)a[2], (uint32_t)a[3], a[4], a[5]);
}

static void execute_map_view_of_file_3(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    VsMemExtendedParameter list[VS_OP_MAX_PARAMETERS];
    outcome->ret =
        VsMapViewOfFile3(thread, a[0], a[1], a[2], a[3], a[4], (uint32_t)a[5], (uint32_t)a[6],
                         extended_parameters(op, 7, list), (uint32_t)a[8]);
}

static void execute_get_large_page_minimum(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    (void)op;
    outcome->ret = VsGetLargePageMinimum(thread);
}

/* ---- Windows: prefetching -------------------------------------------------------------------- */

/* The information is the caller's variable, passed by reference (or NULL); the call reads it. */
static void execute_nt_set_information_virtual_memory(VsThread *thread, const VsOp *op,
                                                      VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    const uint64_t *information = ref(op, outcome, 4);
    uint32_t flags = information ? (uint32_t)*information : 0;
    outcome->ret = (uint32_t)VsNtSetInformationVirtualMemory(
        thread, a[0], (uint32_t)a[1], a[2], a[3], information ? &flags : NULL, (uint32_t)a[5]);
}

static void execute_prefetch_virtual_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsPrefetchVirtualMemory(thread, a[0], a[1], a[2], (uint32_t)a[3]);
}

/* ---- Windows: offered and discarded memory --------------------------------------------------- */

static void execute_offer_virtual_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsOfferVirtualMemory(thread, op->arg[0], op->arg[1], (uint32_t)op->arg[2]);
}

static void execute_reclaim_virtual_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsReclaimVirtualMemory(thread, op->arg[0], op->arg[1]);
}

static void execute_discard_virtual_memory(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsDiscardVirtualMemory(thread, op->arg[0], op->arg[1]);
}

/* ---- Windows: a process's execute options (DEP) ---------------------------------------------- */

/* The information and return length are the caller's variables (or NULL); written on success. */
static void execute_nt_query_information_process(VsThread *thread, const VsOp *op,
                                                 VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    uint64_t *information = ref(op, outcome, 2), *return_length = ref(op, outcome, 4);
    uint32_t value = information ? (uint32_t)*information : 0;
    uint32_t length = return_length ? (uint32_t)*return_length : 0;
    outcome->ret = (uint32_t)VsNtQueryInformationProcess(
        thread, a[0], (uint32_t)a[1], information ? &value : NULL, (uint32_t)a[3],
        return_length ? &length : NULL);
    if (information)
        *information = value;
    if (return_length)
        *return_length = length;
    nt_written(op, outcome);
}

static void execute_nt_set_information_process(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *information = ref(op, outcome, 2);
    uint32_t value = information ? (uint32_t)*information : 0;
    outcome->ret =
        (uint32_t)VsNtSetInformationProcess(thread, op->arg[0], (uint32_t)op->arg[1],
                                            information ? &value : NULL, (uint32_t)op->arg[3]);
}

/* GetProcessDEPPolicy writes its two variables on success. */
static void execute_get_process_dep_policy(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    uint64_t *flags = ref(op, outcome, 1), *permanent = ref(op, outcome, 2);
    uint32_t f = 0, p = 0;
    outcome->ret =
        VsGetProcessDEPPolicy(thread, op->arg[0], flags ? &f : NULL, permanent ? &p : NULL);
    if (outcome->ret) {
        *flags = f;
        *permanent = p;
        outcome->out_written = op->by_ref & 6u;
    }
}

static void execute_set_process_dep_policy(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsSetProcessDEPPolicy(thread, (uint32_t)op->arg[0]);
}

/* ---- Windows: Address Windowing Extensions -------------------------------------------------- */

/* AllocateUserPhysicalPages writes the count back only on success; FreeUserPhysicalPages always,
 * once it has looked at the frames (the count freed). */
static void execute_allocate_user_physical_pages(VsThread *thread, const VsOp *op,
                                                 VsOutcome *outcome)
{
    uint64_t *count = ref(op, outcome, 1);
    outcome->ret = VsAllocateUserPhysicalPages(thread, op->arg[0], count, op->arg[2]);
    if (outcome->ret && count)
        outcome->out_written = op->by_ref & (1u << 1);
}

static void execute_free_user_physical_pages(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    uint64_t *count = ref(op, outcome, 1);
    uint64_t asked = count ? *count : 0;
    outcome->ret = VsFreeUserPhysicalPages(thread, op->arg[0], count, op->arg[2]);
    if (count && (outcome->ret || *count != asked))
        outcome->out_written = op->by_ref & (1u << 1);
}

static void execute_map_user_physical_pages(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsMapUserPhysicalPages(thread, op->arg[0], op->arg[1], op->arg[2]);
}

static void execute_map_user_physical_pages_scatter(VsThread *thread, const VsOp *op,
                                                    VsOutcome *outcome)
{
    outcome->ret = VsMapUserPhysicalPagesScatter(thread, op->arg[0], op->arg[1], op->arg[2]);
}

/* ---- Windows: the FromApp calls ----------------------------------------------------------------
 */

static void execute_virtual_alloc_from_app(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsVirtualAllocFromApp(thread, a[0], a[1], (uint32_t)a[2], (uint32_t)a[3]);
}

static void execute_virtual_alloc_2_from_app(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    VsMemExtendedParameter list[VS_OP_MAX_PARAMETERS];
    outcome->ret = VsVirtualAlloc2FromApp(thread, a[0], a[1], a[2], (uint32_t)a[3], (uint32_t)a[4],
                                          extended_parameters(op, 5, list), (uint32_t)a[6]);
}

static void execute_virtual_protect_from_app(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    uint32_t old = OLD_PROTECT_UNWRITTEN;
    outcome->ret = VsVirtualProtectFromApp(thread, op->arg[0], op->arg[1], (uint32_t)op->arg[2],
                                           op->by_ref & (1u << 3) ? &old : NULL);
    old_protect_out(op, outcome, 3, old);
}

static void execute_map_view_of_file_from_app(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsMapViewOfFileFromApp(thread, a[0], (uint32_t)a[1], a[2], a[3]);
}

static void execute_map_view_of_file_3_from_app(VsThread *thread, const VsOp *op,
                                                VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    VsMemExtendedParameter list[VS_OP_MAX_PARAMETERS];
    outcome->ret =
        VsMapViewOfFile3FromApp(thread, a[0], a[1], a[2], a[3], a[4], (uint32_t)a[5],
                                (uint32_t)a[6], extended_parameters(op, 7, list), (uint32_t)a[8]);
}

static void execute_unmap_view_of_file(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsUnmapViewOfFile(thread, op->arg[0]);
}

static void execute_unmap_view_of_file_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsUnmapViewOfFileEx(thread, op->arg[0], (uint32_t)op->arg[1]);
}

static void execute_unmap_view_of_file_2(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsUnmapViewOfFile2(thread, a[0], a[1], (uint32_t)a[2]);
}

static void execute_flush_view_of_file(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsFlushViewOfFile(thread, op->arg[0], op->arg[1]);
}

static void execute_nt_map_view(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = (uint32_t)VsNtMapViewOfSection(thread, a[0], a[1], ref(op, outcome, 2), a[3],
                                                  a[4], ref(op, outcome, 5), ref(op, outcome, 6),
                                                  (uint32_t)a[7], (uint32_t)a[8], (uint32_t)a[9]);
    nt_written(op, outcome);
}

static void execute_nt_allocate_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    VsMemExtendedParameter list[VS_OP_MAX_PARAMETERS];
    outcome->ret = (uint32_t)VsNtAllocateVirtualMemoryEx(
        thread, a[0], ref(op, outcome, 1), ref(op, outcome, 2), (uint32_t)a[3], (uint32_t)a[4],
        extended_parameters(op, 5, list), (uint32_t)a[6]);
    nt_written(op, outcome);
}

static void execute_nt_map_view_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    VsMemExtendedParameter list[VS_OP_MAX_PARAMETERS];
    outcome->ret = (uint32_t)VsNtMapViewOfSectionEx(
        thread, a[0], a[1], ref(op, outcome, 2), ref(op, outcome, 3), ref(op, outcome, 4),
        (uint32_t)a[5], (uint32_t)a[6], extended_parameters(op, 7, list), (uint32_t)a[8]);
    nt_written(op, outcome);
}

static void execute_nt_unmap_view(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = (uint32_t)VsNtUnmapViewOfSection(thread, op->arg[0], op->arg[1]);
}

static void execute_nt_are_mapped_files_the_same(VsThread *thread, const VsOp *op,
                                                 VsOutcome *outcome)
{
    outcome->ret = (uint32_t)VsNtAreMappedFilesTheSame(thread, op->arg[0], op->arg[1]);
}

static void execute_nt_unmap_view_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = (uint32_t)VsNtUnmapViewOfSectionEx(thread, a[0], a[1], (uint32_t)a[2]);
}

/* NtCreateSection: the object attributes carry the name alone. */
static void execute_nt_create_section(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret =
        (uint32_t)VsNtCreateSection(thread, ref(op, outcome, 0), (uint32_t)a[1], name_arg(op, 2), 0,
                                    ref(op, outcome, 3), (uint32_t)a[4], (uint32_t)a[5], a[6]);
    nt_written(op, outcome);
}

static void execute_nt_open_section(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = (uint32_t)VsNtOpenSection(thread, ref(op, outcome, 0), (uint32_t)op->arg[1],
                                             name_arg(op, 2));
    nt_written(op, outcome);
}

/* What NtQuerySection answers, whichever its buffer. */
typedef union SectionAnswer {
    VsSectionBasicInformation basic;
    VsSectionImageInformation image;
} SectionAnswer;

/* NtQuerySection's record: what the call wrote, when it succeeded, in the fields' order. */
static void section_record(const VsOp *op, const SectionAnswer *info, VsOutcome *outcome)
{
    if (!NT_SUCCESS((VsStatus)outcome->ret))
        return;
    outcome->record = vs_op_record_of(op);
    if (outcome->record == VS_RECORD_SECTION_BASIC) {
        uint64_t values[] = {info->basic.BaseAddress, info->basic.Attributes, info->basic.Size};
        memcpy(outcome->fields, values, sizeof values);
        return;
    }
    const VsSectionImageInformation *i = &info->image;
#define SECTION_IMAGE_VALUE(field) i->field,
    uint64_t values[] = {VS_SECTION_IMAGE_FIELDS(SECTION_IMAGE_VALUE)};
#undef SECTION_IMAGE_VALUE
    memcpy(outcome->fields, values, sizeof values);
}

/* NtQuerySection(section, class, length, &return_length): the buffer is the call's own. */
static void execute_nt_query_section(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    SectionAnswer info;
    outcome->ret =
        (uint32_t)VsNtQuerySection(thread, a[0], (uint32_t)a[1], &info, a[2], ref(op, outcome, 3));
    nt_written(op, outcome);
    section_record(op, &info, outcome);
}

/* NtQuerySection(section, class, buffer, length, &return_length): the buffer is in the
 * process's memory, probed and then written; the record is the answer written there. */
static void execute_nt_query_section_into(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    SectionAnswer info;
    VsQueryBuffer buffer = {.in_process = true, .address = a[2], .answer = &info};
    outcome->ret = (uint32_t)VsNtQuerySectionInto(thread, a[0], (uint32_t)a[1], &buffer, a[3],
                                                  ref(op, outcome, 4));
    nt_written(op, outcome);
    section_record(op, &info, outcome);
}

/* file(name, size, fill, text): size 0 means the text's length; the text comes first, fill after.
 * A Linux thread gets the errno open(O_CREAT|O_EXCL) would give: EEXIST, or EINVAL. */
static void execute_declare_file(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    uint64_t length = op->arg[3] ? strlen(op->contents) : 0;
    uint64_t size = op->arg[1] ? op->arg[1] : length;
    VsStatus status =
        vs_file_create(vs_process_system(vs_thread_process(thread)), name_arg(op, 0), size,
                       op->contents, length < size ? length : size, (uint8_t)op->arg[2]);
    if (!NT_SUCCESS(status) && is_linux(thread))
        VsSetLastError(thread, status == STATUS_OBJECT_NAME_COLLISION ? VS_EEXIST : VS_EINVAL);
    else if (!NT_SUCCESS(status))
        VsSetLastError(thread, vs_status_to_win32(status));
    outcome->ret = NT_SUCCESS(status);
}

/* A file of the model named by the call's first argument, holding bytes: pe() and host_file()
 * declare what they built or read. A failure (a name taken) sets the status's Win32 error. */
static void declare_bytes(VsThread *thread, const VsOp *op, const void *bytes, uint64_t size,
                          VsOutcome *outcome)
{
    VsStatus status = vs_file_create(vs_process_system(vs_thread_process(thread)), name_arg(op, 0),
                                     size, bytes, size, 0);
    if (!NT_SUCCESS(status))
        VsSetLastError(thread, vs_status_to_win32(status));
    outcome->ret = NT_SUCCESS(status);
}

/* pe(name, characteristics, image_base, dll_characteristics, sections): the image's bytes as the
 * builder lays them out, PE32+ on a 64-bit system, as a file. A sections text the builder refuses
 * (the checker reports a literal one before the run) is ERROR_INVALID_PARAMETER. */
static void execute_declare_pe(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsSystem *system = vs_process_system(vs_thread_process(thread));
    VsPeSpec spec = {.pe32_plus = vs_system_layout(system)->arch == VS_ARCH_X64,
                     .characteristics = (uint16_t)op->arg[1],
                     .image_base = op->arg[2],
                     .dll_characteristics = (uint16_t)op->arg[3]};
    char error[160];
    size_t size = 0;
    if (op->arg[4] && vs_pe_parse_sections(op->contents, &spec, error, sizeof error))
        size = vs_pe_file_size(&spec);
    unsigned char *bytes = size ? malloc(size) : NULL;
    if (!bytes || !vs_pe_write(&spec, bytes)) {
        free(bytes);
        VsSetLastError(thread, ERROR_INVALID_PARAMETER);
        outcome->ret = 0;
        return;
    }
    declare_bytes(thread, op, bytes, size, outcome);
    free(bytes);
}

/* host_file(name, source): the host file's bytes as a file of the model's; the runner reads them
 * (the model never touches the host). "@agent" is the Win32 agent's .exe (VS_WIN32_AGENT, the
 * build's). A source that cannot be read, or is larger than 64 MB, is ERROR_FILE_NOT_FOUND. */
static void execute_declare_host_file(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const char *path = op->arg[1] && strcmp(op->contents, "@agent") == 0 ? VS_WIN32_AGENT : NULL;
    gchar *bytes = NULL;
    gsize size = 0;
    outcome->ret = 0;
    if (!path || !g_file_get_contents(path, &bytes, &size, NULL) || size > (64u << 20) || !size) {
        g_free(bytes);
        VsSetLastError(thread, ERROR_FILE_NOT_FOUND);
        return;
    }
    declare_bytes(thread, op, bytes, size, outcome);
    g_free(bytes);
}

static void execute_load_library(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsLoadLibrary(thread, name_arg(op, 0));
}

/* LoadLibraryEx: the file handle (argument 1) is reserved, NULL. */
static void execute_load_library_ex(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = op->arg[1] ? 0 : VsLoadLibraryEx(thread, name_arg(op, 0), (uint32_t)op->arg[2]);
    if (op->arg[1])
        VsSetLastError(thread, ERROR_INVALID_PARAMETER);
}

static void execute_get_module_handle(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsGetModuleHandle(thread, name_arg(op, 0));
}

static void execute_free_library(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsFreeLibrary(thread, op->arg[0]);
}

/* CreateFile: security attributes (argument 3) and template (argument 6) are not modelled. */
static void execute_create_file(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsCreateFile(thread, name_arg(op, 0), (uint32_t)a[1], (uint32_t)a[2],
                                (uint32_t)a[4], (uint32_t)a[5]);
}

/* GetFileSize: the high half's pointer (argument 1) must be NULL here. */
static void execute_get_file_size(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsGetFileSize(thread, op->arg[0], NULL);
}

/* read_file(file, offset): the byte, or -1 with the last error. */
static void execute_read_file(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    uint8_t value = 0;
    VsStatus status = vs_file_read_byte(thread, op->arg[0], op->arg[1], &value);
    if (!NT_SUCCESS(status))
        VsSetLastError(thread, vs_status_to_win32(status));
    outcome->ret = NT_SUCCESS(status) ? value : UINT64_MAX;
}

/* ReadFile(file, buffer, length, &read, overlapped): the count is written whether the read
 * succeeds or not (0 until it does). */
static void execute_read_file_into(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsReadFile(thread, a[0], a[1], (uint32_t)a[2], ref(op, outcome, 3), a[4]);
    outcome->out_written = op->by_ref;
}

/* WriteFile(file, buffer, length, &written, overlapped): as ReadFile. */
static void execute_write_file(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = VsWriteFile(thread, a[0], a[1], (uint32_t)a[2], ref(op, outcome, 3), a[4]);
    outcome->out_written = op->by_ref;
}

/* CreateEvent: security attributes (argument 0) and the name (argument 3) are not modelled. */
static void execute_create_event(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsCreateEvent(thread, op->arg[1] != 0, op->arg[2] != 0);
}

static void execute_wait_for_single_object(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsWaitForSingleObject(thread, op->arg[0], (uint32_t)op->arg[1]);
}

/* overlapped(address, event): the stores' exception, as write's. */
static void execute_overlapped_init(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsStatus status = vs_overlapped_init(thread, op->arg[0], op->arg[1]);
    outcome->exception = exception_of(thread, status);
    outcome->exception_access = outcome->exception ? VS_WRITE_ACCESS : 0;
    outcome->ret = outcome->exception;
}

/* CreateNamedPipe: security attributes (argument 7) are not modelled. */
static void execute_create_named_pipe(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret =
        VsCreateNamedPipe(thread, name_arg(op, 0), (uint32_t)a[1], (uint32_t)a[2], (uint32_t)a[3],
                          (uint32_t)a[4], (uint32_t)a[5], (uint32_t)a[6]);
}

static void execute_connect_named_pipe(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = VsConnectNamedPipe(thread, op->arg[0], op->arg[1]);
}

/* GetOverlappedResult(file, overlapped, &transferred, wait): the count is written when the result
 * is there (the variable keeps its value otherwise, as ReadFile's count does). */
static void execute_get_overlapped_result(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    uint64_t *transferred = ref(op, outcome, 2);
    outcome->ret = VsGetOverlappedResult(thread, a[0], a[1], transferred, a[3] != 0);
    outcome->out_written = op->by_ref;
}

/* ---- Linux: C's arguments, C's results, errno in the thread ---------------------------------- */

static void execute_mmap(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = vs_mmap(thread, a[0], a[1], (uint32_t)a[2], (uint32_t)a[3], (int64_t)a[4], a[5]);
}

static void execute_munmap(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_munmap(thread, op->arg[0], op->arg[1]));
}

static void execute_mprotect(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = c_int(vs_mprotect(thread, a[0], a[1], (uint32_t)a[2]));
}

static void execute_madvise(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = c_int(vs_madvise(thread, a[0], a[1], (uint32_t)a[2]));
}

static void execute_mremap(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = vs_mremap(thread, a[0], a[1], a[2], (uint32_t)a[3], a[4]);
}

static void execute_msync(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = c_int(vs_msync(thread, a[0], a[1], (uint32_t)a[2]));
}

/* mincore(addr, len): the vector, up to VS_MINCORE_CAPACITY pages, and its summary as a record. */
static void execute_mincore(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret =
        c_int(vs_mincore(thread, op->arg[0], op->arg[1], outcome->vector, VS_MINCORE_CAPACITY));
    if (outcome->ret != 0)
        return;
    uint64_t pages = op->arg[1] / VS_PAGE_SIZE + (op->arg[1] % VS_PAGE_SIZE != 0);
    outcome->vector_length = (uint32_t)(pages < VS_MINCORE_CAPACITY ? pages : VS_MINCORE_CAPACITY);
    outcome->record = VS_RECORD_MINCORE;
    for (uint32_t i = 0; i < outcome->vector_length; i++) {
        outcome->fields[0] += outcome->vector[i] & 1;
        if (i < 64)
            outcome->fields[1] |= (uint64_t)(outcome->vector[i] & 1) << i;
    }
}

static void execute_memfd_create(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_memfd_create(thread, name_arg(op, 0), (uint32_t)op->arg[1]));
}

static void execute_shm_open(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = c_int(vs_shm_open(thread, name_arg(op, 0), (uint32_t)a[1], (uint32_t)a[2]));
}

static void execute_shm_unlink(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_shm_unlink(thread, name_arg(op, 0)));
}

static void execute_open(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_open(thread, name_arg(op, 0), (uint32_t)op->arg[1]));
}

static void execute_ftruncate(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_ftruncate(thread, (int64_t)op->arg[0], (int64_t)op->arg[1]));
}

static void execute_close(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_close(thread, (int64_t)op->arg[0]));
}

/* fork(): the child's pid; the runner finds the child by it. */
static void execute_fork(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsProcess *child = NULL;
    outcome->ret = c_int(vs_fork(thread, &child));
}

static void execute_getpid(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = vs_process_id(vs_thread_process(thread));
}

static void execute_mlock(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_mlock(thread, op->arg[0], op->arg[1]));
}

static void execute_mlock2(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_mlock2(thread, op->arg[0], op->arg[1], (uint32_t)op->arg[2]));
}

static void execute_munlock(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_munlock(thread, op->arg[0], op->arg[1]));
}

static void execute_mlockall(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_mlockall(thread, (uint32_t)op->arg[0]));
}

static void execute_munlockall(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    (void)op;
    outcome->ret = c_int(vs_munlockall(thread));
}

static void execute_setrlimit(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    uint64_t resource = op->arg[0];
    outcome->ret = c_int(
        vs_setrlimit(thread, resource > UINT32_MAX ? UINT32_MAX : (uint32_t)resource, op->arg[1]));
}

static void execute_brk(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = vs_brk(thread, op->arg[0]);
}

static void execute_sbrk(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = vs_sbrk(thread, (int64_t)op->arg[0]);
}

static void execute_clone(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsThread *child = NULL;
    outcome->ret = c_int(vs_clone(thread, op->arg[0], op->arg[1], &child));
}

static void execute_mseal(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_mseal(thread, op->arg[0], op->arg[1], op->arg[2]));
}

static void execute_pkey_alloc(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_pkey_alloc(thread, op->arg[0], op->arg[1]));
}

/* The key is a C int, as every pkey call takes it: the argument's low 32 bits. */
static int32_t c_pkey(uint64_t arg) { return (int32_t)(uint32_t)arg; }

static void execute_pkey_free(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_pkey_free(thread, c_pkey(op->arg[0])));
}

static void execute_pkey_mprotect(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = c_int(vs_pkey_mprotect(thread, a[0], a[1], (uint32_t)a[2], c_pkey(a[3])));
}

/* pkey_set and pkey_get: the result, and SIGILL as the exception on a CPU without keys. */
static void execute_pkey_set(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret =
        c_int(vs_pkey_set(thread, c_pkey(op->arg[0]), (uint32_t)op->arg[1], &outcome->exception));
}

static void execute_pkey_get(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_pkey_get(thread, c_pkey(op->arg[0]), &outcome->exception));
}

static void execute_process_vm_readv(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = c_int(vs_process_vm_readv(thread, (int64_t)a[0], a[1], a[2], a[3], a[4]));
}

static void execute_process_vm_writev(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    outcome->ret = c_int(vs_process_vm_writev(thread, (int64_t)a[0], a[1], a[2], a[3], a[4]));
}

/* smaps(addr): the counters of the VMA holding addr as a record, in vs_record_spec's order. Not a
 * call of the kernel's but a read of /proc/self/smaps: no VMA there is ENOENT, as the POSIX
 * agent answers it. */
static void execute_smaps(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsSmaps smaps;
    outcome->ret = c_int(vs_smaps(thread, op->arg[0], &smaps));
    if (outcome->ret != 0)
        return;
    const uint64_t fields[] = {smaps.size,      smaps.rss,       smaps.pss,
                               smaps.anonymous, smaps.lazy_free, smaps.anon_huge_pages,
                               smaps.locked,    smaps.vm_locked, smaps.lock_on_fault,
                               smaps.sealed};
    outcome->record = VS_RECORD_SMAPS;
    memcpy(outcome->fields, fields, sizeof fields);
}

/* ---- Dispatch -------------------------------------------------------------------------------- */

static VsExecutor *const executors[VS_OP_COUNT] = {
#define CALL(id, call_name, family, executor, ...) [VS_OP_##id] = executor,
#include "calls.def"
#undef CALL
};

/* What the VMA holding address is, by the name /proc/PID/maps gives it. */
static VsMapping mapping_at(const VsProcess *process, uint64_t address)
{
    VsVmaInfo vma;
    if (!vs_vma_find(process, address, &vma) || vma.start > address)
        return VS_MAPPING_NONE;
    if (!vma.name[0])
        return VS_MAPPING_ANONYMOUS;
    if (strncmp(vma.name, "/dev/zero", 9) == 0)
        return VS_MAPPING_SHARED_ANONYMOUS;
    if (strncmp(vma.name, "/memfd:", 7) == 0)
        return VS_MAPPING_MEMFD;
    return strncmp(vma.name, "/dev/shm/", 9) == 0 ? VS_MAPPING_SHM : VS_MAPPING_FILE;
}

/* Whether the address lies in the stack reservation of one of the process's threads. */
static bool in_thread_stack(VsProcess *process, uint64_t address)
{
    for (size_t i = 0; i < vs_process_thread_count(process); i++) {
        VsThreadInfo info;
        vs_thread_info(vs_process_thread(process, i), &info);
        if (info.has_stack && address >= info.deallocation_stack && address < info.stack_base)
            return true;
    }
    return false;
}

/* Whether address lies in a heap's segment or big block (VMMap's Heap). */
static bool in_heap(VsProcess *process, uint64_t address)
{
    for (size_t h = 0; h < vs_process_heap_count(process); h++) {
        const VsHeap *heap = vs_process_heap_at(process, h);
        size_t count = vs_heap_ranges(heap, NULL, 0);
        g_autofree VsHeapRange *ranges = g_new(VsHeapRange, count);
        vs_heap_ranges(heap, ranges, count);
        for (size_t i = 0; i < count; i++)
            if (address >= ranges[i].base && address - ranges[i].base < ranges[i].size)
                return true;
    }
    return false;
}

/* Notes the VAD the call's address falls in, in the process the call acts on, before the call
 * changes it. */
static void note_vad(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    int arg = vs_op_address_arg(op->kind);
    VsProcess *process = arg >= 0 ? vs_op_process(thread, op) : NULL;
    const VsVad *vad = process ? vs_vad_lookup(process, op->arg[arg]) : NULL;
    if (!vad)
        return;
    VsVadInfo info;
    vs_vad_info(vad, &info);
    outcome->vad_start = info.starting_vpn * VS_PAGE_SIZE;
    outcome->vad_end = (info.ending_vpn + 1) * VS_PAGE_SIZE;
    if (is_linux(thread)) { /* no VirtualQuery here: it could touch errno */
        outcome->mapping = mapping_at(process, op->arg[arg]);
        return;
    }
    outcome->in_stack = in_thread_stack(process, op->arg[arg]);
    outcome->in_heap = in_heap(process, op->arg[arg]);
    /* the NT call, as a thread of that process: no last error is touched and no handle's access
     * rights matter */
    VsMemoryBasicInformation m;
    if (NT_SUCCESS(VsNtQueryVirtualMemory(vs_process_main_thread(process), VS_CURRENT_PROCESS,
                                          op->arg[arg], MemoryBasicInformation, &m, sizeof m,
                                          NULL))) {
        outcome->region_type = m.Type;
        outcome->region_state = m.State;
    }
}

/* The size of the view a view-mapping call made, in the process it mapped into. */
static void note_view(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const VsVad *view = vs_vad_lookup(vs_op_process(thread, op), outcome->ret);
    assert(view);
    VsVadInfo info;
    vs_vad_info(view, &info);
    outcome->made_size = (info.ending_vpn - info.starting_vpn + 1) * VS_PAGE_SIZE;
}

void vs_op_finish(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    bool ret = false;
    uint64_t *count = op->kind == VS_OP_READ_FILE_INTO ? ref(op, outcome, 3) : NULL;
    if (!VsBlockedCallReturn(thread, &ret, count))
        abort(); /* a bug: the runner finishes only calls whose thread stopped waiting */
    outcome->ret = ret;
    outcome->out_written = op->kind == VS_OP_READ_FILE_INTO ? op->by_ref : 0;
    outcome->last_error = VsGetLastError(thread);
    outcome->last_status = (uint32_t)VsRtlGetLastNtStatus(thread);
}

void vs_op_execute(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    assert(op->kind < VS_OP_COUNT);
    memset(outcome, 0, sizeof *outcome);
    note_vad(thread, op, outcome);
    executors[op->kind](thread, op, outcome);
    if (vs_op_maps_view(op->kind) && outcome->ret)
        note_view(thread, op, outcome);
    outcome->last_error = is_linux(thread) ? (uint32_t)vs_errno(thread) : VsGetLastError(thread);
    outcome->last_status = (uint32_t)VsRtlGetLastNtStatus(thread);
}
