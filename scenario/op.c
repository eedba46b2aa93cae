/*
 * op.c - the calls a scenario can make, and their execution in the model.
 *
 * The table is the one list of calls: the language's evaluator looks calls up here, the runner
 * explains results by their return kind, and the verification harness sends the same operations to
 * a real system, translating the arguments marked as addresses.
 */
#include <assert.h>
#include <string.h>

#include "op.h"

#define BIT(i) (1u << (i))

static const VsOpSpec specs[VS_OP_COUNT] = {
    [VS_OP_VIRTUAL_ALLOC] = {"VirtualAlloc", 4, .address_args = BIT(0),
                             .returns = VS_RETURN_POINTER},
    [VS_OP_VIRTUAL_ALLOC_EX] = {"VirtualAllocEx", 5, .address_args = BIT(1), .handle_args = BIT(0),
                                .process_args = BIT(0), .returns = VS_RETURN_POINTER},
    [VS_OP_VIRTUAL_FREE] = {"VirtualFree", 3, .address_args = BIT(0), .returns = VS_RETURN_BOOL},
    [VS_OP_VIRTUAL_FREE_EX] = {"VirtualFreeEx", 4, .address_args = BIT(1), .handle_args = BIT(0),
                               .process_args = BIT(0), .returns = VS_RETURN_BOOL},
    [VS_OP_VIRTUAL_PROTECT] = {"VirtualProtect", 4, .ref_args = BIT(3), .address_args = BIT(0),
                               .returns = VS_RETURN_BOOL},
    [VS_OP_VIRTUAL_PROTECT_EX] = {"VirtualProtectEx", 5, .ref_args = BIT(4), .address_args = BIT(1),
                                  .handle_args = BIT(0), .process_args = BIT(0),
                                  .returns = VS_RETURN_BOOL},
    [VS_OP_VIRTUAL_QUERY] = {"VirtualQuery", 1, .address_args = BIT(0), .returns = VS_RETURN_SIZE},
    [VS_OP_VIRTUAL_QUERY_EX] = {"VirtualQueryEx", 2, .address_args = BIT(1), .handle_args = BIT(0),
                                .process_args = BIT(0), .returns = VS_RETURN_SIZE},
    [VS_OP_GET_LAST_ERROR] = {"GetLastError", 0, .returns = VS_RETURN_VALUE},
    [VS_OP_SET_LAST_ERROR] = {"SetLastError", 1, .returns = VS_RETURN_NONE},
    [VS_OP_RTL_GET_LAST_NT_STATUS] = {"RtlGetLastNtStatus", 0, .returns = VS_RETURN_VALUE},
    [VS_OP_GET_CURRENT_PROCESS] = {"GetCurrentProcess", 0, .returns = VS_RETURN_VALUE},
    [VS_OP_NT_CURRENT_PROCESS] = {"NtCurrentProcess", 0, .returns = VS_RETURN_VALUE},
    [VS_OP_CLOSE_HANDLE] = {"CloseHandle", 1, .handle_args = BIT(0), .returns = VS_RETURN_BOOL},
    [VS_OP_NT_CLOSE] = {"NtClose", 1, .handle_args = BIT(0), .returns = VS_RETURN_STATUS},
    [VS_OP_NT_ALLOCATE] = {"NtAllocateVirtualMemory", 6, .ref_args = BIT(1) | BIT(3),
                           .in_refs = BIT(1) | BIT(3), .address_args = BIT(1),
                           .handle_args = BIT(0), .process_args = BIT(0),
                           .returns = VS_RETURN_STATUS},
    [VS_OP_NT_FREE] = {"NtFreeVirtualMemory", 4, .ref_args = BIT(1) | BIT(2),
                       .in_refs = BIT(1) | BIT(2), .address_args = BIT(1), .handle_args = BIT(0),
                       .process_args = BIT(0), .returns = VS_RETURN_STATUS},
    [VS_OP_NT_PROTECT] = {"NtProtectVirtualMemory", 5, .ref_args = BIT(1) | BIT(2) | BIT(4),
                          .in_refs = BIT(1) | BIT(2), .address_args = BIT(1), .handle_args = BIT(0),
                          .process_args = BIT(0), .returns = VS_RETURN_STATUS},
    [VS_OP_READ] = {"read", 1, .address_args = BIT(0), .returns = VS_RETURN_VALUE},
    [VS_OP_SET_PROCESS_WORKING_SET_SIZE] = {"SetProcessWorkingSetSize", 3, .handle_args = BIT(0),
                                            .process_args = BIT(0), .returns = VS_RETURN_BOOL},
    [VS_OP_GET_PROCESS_WORKING_SET_SIZE] = {"GetProcessWorkingSetSize", 3,
                                            .ref_args = BIT(1) | BIT(2), .handle_args = BIT(0),
                                            .process_args = BIT(0), .returns = VS_RETURN_BOOL},
    [VS_OP_EMPTY_WORKING_SET] = {"EmptyWorkingSet", 1, .handle_args = BIT(0),
                                 .process_args = BIT(0), .returns = VS_RETURN_BOOL},
    [VS_OP_GET_PROCESS_MEMORY_INFO] = {"GetProcessMemoryInfo", 1, .handle_args = BIT(0),
                                       .process_args = BIT(0), .returns = VS_RETURN_BOOL},
    [VS_OP_QUERY_WORKING_SET_EX] = {"QueryWorkingSetEx", 2, .address_args = BIT(1),
                                    .handle_args = BIT(0), .process_args = BIT(0),
                                    .returns = VS_RETURN_BOOL},
    [VS_OP_GLOBAL_MEMORY_STATUS_EX] = {"GlobalMemoryStatusEx", 0, .returns = VS_RETURN_BOOL},
    [VS_OP_VIRTUAL_LOCK] = {"VirtualLock", 2, .address_args = BIT(0), .returns = VS_RETURN_BOOL},
    [VS_OP_VIRTUAL_UNLOCK] = {"VirtualUnlock", 2, .address_args = BIT(0),
                              .returns = VS_RETURN_BOOL},
    [VS_OP_GET_WRITE_WATCH] = {"GetWriteWatch", 3, .address_args = BIT(1),
                               .returns = VS_RETURN_VALUE},
    [VS_OP_RESET_WRITE_WATCH] = {"ResetWriteWatch", 2, .address_args = BIT(0),
                                 .returns = VS_RETURN_VALUE},
    [VS_OP_OPEN_PROCESS] = {"OpenProcess", 3, .returns = VS_RETURN_HANDLE},
    [VS_OP_GET_CURRENT_PROCESS_ID] = {"GetCurrentProcessId", 0, .returns = VS_RETURN_PROCESS_ID},
    [VS_OP_WRITE] = {"write", 2, .address_args = BIT(0), .returns = VS_RETURN_VALUE},
    [VS_OP_CREATE_FILE_MAPPING] = {"CreateFileMapping", 6, .handle_args = BIT(0),
                                   .returns = VS_RETURN_HANDLE, .string_args = BIT(5)},
    [VS_OP_OPEN_FILE_MAPPING] = {"OpenFileMapping", 3, .returns = VS_RETURN_HANDLE,
                                 .string_args = BIT(2)},
    [VS_OP_MAP_VIEW_OF_FILE] = {"MapViewOfFile", 5, .handle_args = BIT(0),
                                .returns = VS_RETURN_POINTER},
    [VS_OP_MAP_VIEW_OF_FILE_EX] = {"MapViewOfFileEx", 6, .address_args = BIT(5),
                                   .handle_args = BIT(0), .returns = VS_RETURN_POINTER},
    [VS_OP_UNMAP_VIEW_OF_FILE] = {"UnmapViewOfFile", 1, .address_args = BIT(0),
                                  .returns = VS_RETURN_BOOL},
    [VS_OP_UNMAP_VIEW_OF_FILE_EX] = {"UnmapViewOfFileEx", 2, .address_args = BIT(0),
                                     .returns = VS_RETURN_BOOL},
    [VS_OP_UNMAP_VIEW_OF_FILE_2] = {"UnmapViewOfFile2", 3, .address_args = BIT(1),
                                    .handle_args = BIT(0), .process_args = BIT(0),
                                    .returns = VS_RETURN_BOOL},
    [VS_OP_VIRTUAL_ALLOC_2] = {"VirtualAlloc2", 7, .address_args = BIT(1), .handle_args = BIT(0),
                               .process_args = BIT(0), .returns = VS_RETURN_POINTER,
                               .extended_args = BIT(5)},
    [VS_OP_MAP_VIEW_OF_FILE_3] = {"MapViewOfFile3", 9, .address_args = BIT(2),
                                  .handle_args = BIT(0) | BIT(1), .process_args = BIT(1),
                                  .returns = VS_RETURN_POINTER, .extended_args = BIT(7)},
    /* file(name, size, fill, text): declares a file (the model has no disk); not a Windows call. */
    [VS_OP_DECLARE_FILE] = {"file", 4, .returns = VS_RETURN_BOOL, .string_args = BIT(0) | BIT(3)},
    [VS_OP_CREATE_FILE] = {"CreateFile", 7, .handle_args = BIT(6), .returns = VS_RETURN_FILE_HANDLE,
                           .string_args = BIT(0)},
    [VS_OP_GET_FILE_SIZE] = {"GetFileSize", 2, .handle_args = BIT(0), .returns = VS_RETURN_VALUE},
    [VS_OP_FLUSH_VIEW_OF_FILE] = {"FlushViewOfFile", 2, .address_args = BIT(0),
                                  .returns = VS_RETURN_BOOL},
    /* read_file(h, offset): the byte ReadFile would give at offset, or -1 (and the last error). */
    [VS_OP_READ_FILE] = {"read_file", 2, .handle_args = BIT(0), .returns = VS_RETURN_VALUE},
    /* NtMapViewOfSection(section, process, &base, zero_bits, commit, &offset, &size, inherit,
     * type, protect) */
    [VS_OP_NT_MAP_VIEW] = {"NtMapViewOfSection", 10, .ref_args = BIT(2) | BIT(5) | BIT(6),
                           .in_refs = BIT(2) | BIT(5) | BIT(6), .address_args = BIT(2),
                           .handle_args = BIT(0) | BIT(1), .process_args = BIT(1),
                           .returns = VS_RETURN_STATUS},
    [VS_OP_NT_UNMAP_VIEW] = {"NtUnmapViewOfSection", 2, .address_args = BIT(1),
                             .handle_args = BIT(0), .process_args = BIT(0),
                             .returns = VS_RETURN_STATUS},
    [VS_OP_NT_UNMAP_VIEW_EX] = {"NtUnmapViewOfSectionEx", 3, .address_args = BIT(1),
                                .handle_args = BIT(0), .process_args = BIT(0),
                                .returns = VS_RETURN_STATUS},
    /* Linux: C's names and argument order; descriptors are marked as handles. */
    [VS_OP_MMAP] = {"mmap", 6, .address_args = BIT(0), .handle_args = BIT(4),
                    .returns = VS_RETURN_MMAP},
    [VS_OP_MUNMAP] = {"munmap", 2, .address_args = BIT(0), .returns = VS_RETURN_INT},
    [VS_OP_MPROTECT] = {"mprotect", 3, .address_args = BIT(0), .returns = VS_RETURN_INT},
    [VS_OP_MADVISE] = {"madvise", 3, .address_args = BIT(0), .returns = VS_RETURN_INT},
    [VS_OP_MREMAP] = {"mremap", 5, .address_args = BIT(0) | BIT(4), .returns = VS_RETURN_MMAP},
    [VS_OP_MSYNC] = {"msync", 3, .address_args = BIT(0), .returns = VS_RETURN_INT},
    [VS_OP_MINCORE] = {"mincore", 2, .address_args = BIT(0), .returns = VS_RETURN_INT},
    [VS_OP_MEMFD_CREATE] = {"memfd_create", 2, .returns = VS_RETURN_INT, .string_args = BIT(0)},
    [VS_OP_SHM_OPEN] = {"shm_open", 3, .returns = VS_RETURN_INT, .string_args = BIT(0)},
    [VS_OP_SHM_UNLINK] = {"shm_unlink", 1, .returns = VS_RETURN_INT, .string_args = BIT(0)},
    [VS_OP_OPEN] = {"open", 2, .returns = VS_RETURN_INT, .string_args = BIT(0)},
    [VS_OP_FTRUNCATE] = {"ftruncate", 2, .handle_args = BIT(0), .returns = VS_RETURN_INT},
    [VS_OP_CLOSE] = {"close", 1, .handle_args = BIT(0), .returns = VS_RETURN_INT},
    [VS_OP_FORK] = {"fork", 0, .returns = VS_RETURN_PROCESS_ID},
    [VS_OP_GETPID] = {"getpid", 0, .returns = VS_RETURN_PROCESS_ID},
};

const VsOpSpec *vs_op_spec(VsOpKind kind) { return &specs[kind]; }

VsOpFamily vs_op_family(VsOpKind kind)
{
    if (kind == VS_OP_READ || kind == VS_OP_WRITE || kind == VS_OP_DECLARE_FILE)
        return VS_FAMILY_BOTH;
    return kind >= VS_OP_MMAP ? VS_FAMILY_LINUX : VS_FAMILY_WINDOWS;
}

static const char *const memory_counters_fields[] = {
    "PageFaultCount", "PeakWorkingSetSize", "WorkingSetSize", "QuotaPeakPagedPoolUsage",
    "QuotaPagedPoolUsage", "QuotaPeakNonPagedPoolUsage", "QuotaNonPagedPoolUsage",
    "PagefileUsage", "PeakPagefileUsage", "PrivateUsage",
};
static const char *const working_set_ex_fields[] = {
    "Valid", "ShareCount", "Win32Protection", "Shared", "Node", "Locked", "LargePage", "Bad",
};
static const char *const write_watch_fields[] = {
    "Count",     "Granularity", "Address0",  "Address1",  "Address2",  "Address3",
    "Address4",  "Address5",    "Address6",  "Address7",  "Address8",  "Address9",
    "Address10", "Address11",   "Address12", "Address13", "Address14", "Address15",
};
static const char *const mincore_fields[] = {"Resident", "Pages"};
static const char *const memory_status_fields[] = {
    "dwMemoryLoad",     "ullTotalPhys",    "ullAvailPhys",    "ullTotalPageFile",
    "ullAvailPageFile", "ullTotalVirtual", "ullAvailVirtual", "ullAvailExtendedVirtual",
};

#define RECORD(type, fields) {type, fields, sizeof fields / sizeof fields[0]}
static const VsRecordSpec records[] = {
    [VS_RECORD_NONE] = {"", NULL, 0},
    [VS_RECORD_MEMORY_COUNTERS] = RECORD("PROCESS_MEMORY_COUNTERS_EX", memory_counters_fields),
    [VS_RECORD_WORKING_SET_EX] = RECORD("PSAPI_WORKING_SET_EX_BLOCK", working_set_ex_fields),
    [VS_RECORD_MEMORY_STATUS] = RECORD("MEMORYSTATUSEX", memory_status_fields),
    [VS_RECORD_WRITE_WATCH] = RECORD("write watch", write_watch_fields),
    [VS_RECORD_MINCORE] = RECORD("mincore vector", mincore_fields),
};

const VsRecordSpec *vs_record_spec(VsRecordKind kind) { return &records[kind]; }

VsRecordKind vs_op_record(VsOpKind kind)
{
    switch (kind) {
    case VS_OP_GET_PROCESS_MEMORY_INFO: return VS_RECORD_MEMORY_COUNTERS;
    case VS_OP_QUERY_WORKING_SET_EX: return VS_RECORD_WORKING_SET_EX;
    case VS_OP_GLOBAL_MEMORY_STATUS_EX: return VS_RECORD_MEMORY_STATUS;
    case VS_OP_GET_WRITE_WATCH: return VS_RECORD_WRITE_WATCH;
    case VS_OP_MINCORE: return VS_RECORD_MINCORE;
    default: return VS_RECORD_NONE;
    }
}

VsProcess *vs_op_process(VsThread *thread, const VsOp *op)
{
    uint32_t bits = specs[op->kind].process_args;
    if (!bits)
        return vs_thread_process(thread);
    VsHandle handle = op->arg[__builtin_ctz(bits)];
    /* kernelbase takes a NULL process as the current one in these two (win32.c) */
    if (!handle && (op->kind == VS_OP_VIRTUAL_ALLOC_2 || op->kind == VS_OP_MAP_VIEW_OF_FILE_3))
        return vs_thread_process(thread);
    return vs_handle_process(thread, handle);
}

int vs_op_address_arg(VsOpKind kind)
{
    uint32_t bits = specs[kind].address_args;
    return bits ? __builtin_ctz(bits) : -1;
}

int vs_op_size_arg(VsOpKind kind)
{
    switch (kind) {
    case VS_OP_NT_ALLOCATE: return 3; /* after ZeroBits */
    case VS_OP_VIRTUAL_QUERY:
    case VS_OP_VIRTUAL_QUERY_EX:
    case VS_OP_READ:
    case VS_OP_WRITE:
    case VS_OP_QUERY_WORKING_SET_EX: return -1;
    case VS_OP_GET_WRITE_WATCH: return 2;
    case VS_OP_MAP_VIEW_OF_FILE_3: return 4; /* after the offset */
    case VS_OP_NT_MAP_VIEW: return 6;         /* ViewSize */
    case VS_OP_NT_UNMAP_VIEW:
    case VS_OP_NT_UNMAP_VIEW_EX: return -1;
    default: return vs_op_address_arg(kind) >= 0 ? vs_op_address_arg(kind) + 1 : -1;
    }
}

int vs_op_type_arg(VsOpKind kind)
{
    switch (kind) {
    case VS_OP_VIRTUAL_ALLOC:
    case VS_OP_VIRTUAL_FREE: return 2;
    case VS_OP_VIRTUAL_ALLOC_EX:
    case VS_OP_VIRTUAL_ALLOC_2:
    case VS_OP_VIRTUAL_FREE_EX:
    case VS_OP_NT_FREE: return 3;
    case VS_OP_NT_ALLOCATE: return 4;
    case VS_OP_MAP_VIEW_OF_FILE_3: return 5;
    case VS_OP_MMAP:
    case VS_OP_MREMAP: return 3; /* the flags */
    case VS_OP_MADVISE:          /* the advice */
    case VS_OP_MSYNC: return 2;
    default: return -1;
    }
}

int vs_op_protect_arg(VsOpKind kind)
{
    switch (kind) {
    case VS_OP_VIRTUAL_ALLOC: return 3;
    case VS_OP_VIRTUAL_ALLOC_EX: return 4;
    case VS_OP_VIRTUAL_PROTECT: return 2;
    case VS_OP_VIRTUAL_PROTECT_EX: return 3;
    case VS_OP_NT_ALLOCATE: return 5;
    case VS_OP_NT_PROTECT: return 3;
    case VS_OP_NT_MAP_VIEW: return 9;
    case VS_OP_MMAP: return 2;
    case VS_OP_MPROTECT: return 2;
    default: return -1;
    }
}

const char *vs_errno_name(uint32_t value)
{
    switch (value) {
#define ERRNO_CASE(name, number)                                                                   \
    case number: return #name;
        VS_ERRNO_MAP(ERRNO_CASE)
#undef ERRNO_CASE
    default: return NULL;
    }
}

bool vs_op_failed(VsOpKind kind, uint64_t ret)
{
    if (kind == VS_OP_GET_WRITE_WATCH || kind == VS_OP_RESET_WRITE_WATCH)
        return ret == UINT32_MAX;
    if (kind == VS_OP_READ_FILE)
        return ret == UINT64_MAX;
    switch (specs[kind].returns) {
    case VS_RETURN_FILE_HANDLE: return ret == VS_INVALID_HANDLE_VALUE;
    case VS_RETURN_MMAP:
    case VS_RETURN_INT: return ret == UINT64_MAX;
    case VS_RETURN_PROCESS_ID: return kind == VS_OP_FORK && ret == UINT64_MAX;
    case VS_RETURN_POINTER:
    case VS_RETURN_BOOL:
    case VS_RETURN_SIZE:
    case VS_RETURN_HANDLE: return ret == 0;
    default: return false;
    }
}

bool vs_op_lookup(const char *name, VsOpKind *kind)
{
    for (int i = 0; i < VS_OP_COUNT; i++)
        if (strcmp(specs[i].name, name) == 0) {
            *kind = (VsOpKind)i;
            return true;
        }
    return false;
}

/* ---- Execution in the model ------------------------------------------------------------------- */

/* A by-reference argument: the variable's storage, or NULL when the caller passed a value. */
static uint64_t *ref(const VsOp *op, VsOutcome *outcome, int i)
{
    outcome->out[i] = op->arg[i];
    return op->by_ref & BIT(i) ? &outcome->out[i] : NULL;
}

/* NT calls write their by-reference arguments back only when they succeed. */
static void nt_written(const VsOp *op, VsOutcome *outcome)
{
    if (NT_SUCCESS((VsStatus)outcome->ret))
        outcome->out_written = op->by_ref;
}

static void execute_protect(VsThread *thread, const VsOp *op, VsOutcome *outcome, int first)
{
    VsHandle process = first ? op->arg[0] : VS_CURRENT_PROCESS;
    int old_arg = first + 3;
    uint32_t old = 0;
    bool ok = VsVirtualProtectEx(thread, process, op->arg[first], op->arg[first + 1],
                                 (uint32_t)op->arg[first + 2],
                                 op->by_ref & BIT(old_arg) ? &old : NULL);
    outcome->ret = ok;
    outcome->out[old_arg] = old;
    if (ok)
        outcome->out_written = op->by_ref & BIT(old_arg);
}

static void execute_nt(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    switch (op->kind) {
    case VS_OP_NT_ALLOCATE:
        outcome->ret = (uint32_t)VsNtAllocateVirtualMemory(thread, a[0], ref(op, outcome, 1), a[2],
                                                           ref(op, outcome, 3), (uint32_t)a[4],
                                                           (uint32_t)a[5]);
        break;
    case VS_OP_NT_FREE:
        outcome->ret = (uint32_t)VsNtFreeVirtualMemory(thread, a[0], ref(op, outcome, 1),
                                                       ref(op, outcome, 2), (uint32_t)a[3]);
        break;
    default: { /* VS_OP_NT_PROTECT */
        uint32_t old = 0;
        outcome->ret = (uint32_t)VsNtProtectVirtualMemory(
            thread, a[0], ref(op, outcome, 1), ref(op, outcome, 2), (uint32_t)a[3],
            op->by_ref & BIT(4) ? &old : NULL);
        outcome->out[4] = old;
        break;
    }
    }
    nt_written(op, outcome);
}

static void execute_query(VsThread *thread, const VsOp *op, VsOutcome *outcome, bool ex)
{
    outcome->has_mbi = true;
    outcome->ret = VsVirtualQueryEx(thread, ex ? op->arg[0] : VS_CURRENT_PROCESS, op->arg[ex],
                                    &outcome->mbi, sizeof outcome->mbi);
}

static bool is_linux(VsThread *thread)
{
    return vs_is_linux(vs_process_system(vs_thread_process(thread)));
}

/* A load or store; what it raised is an NTSTATUS, or in a Linux system the signal it delivers. */
static void execute_access(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    VsStatus status;
    uint8_t value = 0;
    if (op->kind == VS_OP_READ)
        status = vs_memory_read(thread, op->arg[0], &value);
    else
        status = vs_memory_write(thread, op->arg[0], (uint8_t)op->arg[1]);
    outcome->exception = is_linux(thread) ? vs_signal_of(status) : (uint32_t)status;
    if (op->kind == VS_OP_READ)
        outcome->ret = outcome->exception ? 0 : value;
    else
        outcome->ret = outcome->exception;
}

/* Working-set calls: their BOOL, out-parameters, and the structure they fill as a record. */
static void execute_working_set(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    uint64_t *f = outcome->fields;
    switch (op->kind) {
    case VS_OP_SET_PROCESS_WORKING_SET_SIZE:
        outcome->ret = VsSetProcessWorkingSetSize(thread, a[0], a[1], a[2]);
        break;
    case VS_OP_GET_PROCESS_WORKING_SET_SIZE:
        outcome->ret = VsGetProcessWorkingSetSize(thread, a[0], &outcome->out[1], &outcome->out[2]);
        if (outcome->ret)
            outcome->out_written = op->by_ref & (BIT(1) | BIT(2));
        break;
    case VS_OP_EMPTY_WORKING_SET:
        outcome->ret = VsEmptyWorkingSet(thread, a[0]);
        break;
    case VS_OP_GET_PROCESS_MEMORY_INFO: {
        VsProcessMemoryCounters c;
        outcome->ret = VsGetProcessMemoryInfo(thread, a[0], &c);
        if (outcome->ret) {
            outcome->record = VS_RECORD_MEMORY_COUNTERS;
            uint64_t values[] = {c.PageFaultCount, c.PeakWorkingSetSize, c.WorkingSetSize,
                                 c.QuotaPeakPagedPoolUsage, c.QuotaPagedPoolUsage,
                                 c.QuotaPeakNonPagedPoolUsage, c.QuotaNonPagedPoolUsage,
                                 c.PagefileUsage, c.PeakPagefileUsage, c.PrivateUsage};
            memcpy(f, values, sizeof values);
        }
        break;
    }
    case VS_OP_QUERY_WORKING_SET_EX: {
        VsWorkingSetExBlock b;
        outcome->ret = VsQueryWorkingSetEx(thread, a[0], a[1], &b);
        if (outcome->ret) {
            outcome->record = VS_RECORD_WORKING_SET_EX;
            uint64_t values[] = {b.Valid, b.ShareCount, b.Win32Protection, b.Shared,
                                 b.Node,  b.Locked,     b.LargePage,       b.Bad};
            memcpy(f, values, sizeof values);
        }
        break;
    }
    default: { /* VS_OP_GLOBAL_MEMORY_STATUS_EX */
        VsMemoryStatusEx m;
        VsGlobalMemoryStatusEx(thread, &m);
        outcome->ret = 1;
        outcome->record = VS_RECORD_MEMORY_STATUS;
        uint64_t values[] = {m.dwMemoryLoad,     m.ullTotalPhys,    m.ullAvailPhys,
                             m.ullTotalPageFile, m.ullAvailPageFile, m.ullTotalVirtual,
                             m.ullAvailVirtual,  m.ullAvailExtendedVirtual};
        memcpy(f, values, sizeof values);
        break;
    }
    }
}

static const char *const mapping_names[] = {
    [VS_MAPPING_NONE] = "none",     [VS_MAPPING_ANONYMOUS] = "anonymous",
    [VS_MAPPING_SHARED_ANONYMOUS] = "shared-anonymous",
    [VS_MAPPING_MEMFD] = "memfd",   [VS_MAPPING_SHM] = "shm",
    [VS_MAPPING_FILE] = "file",
};

const char *vs_mapping_name(VsMapping mapping) { return mapping_names[mapping]; }

bool vs_mapping_lookup(const char *name, VsMapping *mapping)
{
    for (size_t i = 0; i < sizeof mapping_names / sizeof mapping_names[0]; i++)
        if (strcmp(mapping_names[i], name) == 0) {
            *mapping = (VsMapping)i;
            return true;
        }
    return false;
}

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

/* The one extended parameter a scenario can pass: its address requirements. */
static VsMemExtendedParameter extended_parameter(const VsOp *op)
{
    VsMemExtendedParameter parameter = {.Type = MemExtendedParameterAddressRequirements};
    parameter.Pointer = &op->requirements;
    return parameter;
}

bool vs_op_maps_view(VsOpKind kind)
{
    return kind == VS_OP_MAP_VIEW_OF_FILE || kind == VS_OP_MAP_VIEW_OF_FILE_EX ||
           kind == VS_OP_MAP_VIEW_OF_FILE_3;
}

/* file(name, size, fill, text): size 0 means the text's length; the text comes first, fill after. */
static uint64_t declare_file(VsThread *thread, const VsOp *op)
{
    uint64_t length = op->arg[3] ? strlen(op->contents) : 0;
    uint64_t size = op->arg[1] ? op->arg[1] : length;
    VsStatus status = vs_file_create(vs_process_system(vs_thread_process(thread)),
                                     op->arg[0] ? op->text : NULL, size, op->contents,
                                     length < size ? length : size, (uint8_t)op->arg[2]);
    /* A Linux thread gets the errno open(O_CREAT|O_EXCL) would give: EEXIST, or EINVAL. */
    if (!NT_SUCCESS(status) && is_linux(thread))
        VsSetLastError(thread, status == STATUS_OBJECT_NAME_COLLISION ? VS_EEXIST : VS_EINVAL);
    else if (!NT_SUCCESS(status))
        VsSetLastError(thread, vs_status_to_win32(status));
    return NT_SUCCESS(status);
}

/* An int result as the scenario sees it: -1 is all ones, as (uint64_t)-1. */
static uint64_t c_int(int64_t value) { return (uint64_t)value; }

/* mincore(addr, len): the vector, up to VS_MINCORE_CAPACITY pages, and its summary as a record. */
static void execute_mincore(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    outcome->ret = c_int(vs_mincore(thread, op->arg[0], op->arg[1], outcome->vector,
                                    VS_MINCORE_CAPACITY));
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

/* The Linux personality's calls: C's arguments, C's results, errno in the thread. */
static void execute_linux(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    const char *name = a[0] ? op->text : NULL;
    uint64_t *ret = &outcome->ret;
    VsProcess *child = NULL;
    switch (op->kind) {
    case VS_OP_MMAP:
        *ret = vs_mmap(thread, a[0], a[1], (uint32_t)a[2], (uint32_t)a[3], (int64_t)a[4], a[5]);
        break;
    case VS_OP_MUNMAP: *ret = c_int(vs_munmap(thread, a[0], a[1])); break;
    case VS_OP_MPROTECT: *ret = c_int(vs_mprotect(thread, a[0], a[1], (uint32_t)a[2])); break;
    case VS_OP_MADVISE: *ret = c_int(vs_madvise(thread, a[0], a[1], (uint32_t)a[2])); break;
    case VS_OP_MREMAP: *ret = vs_mremap(thread, a[0], a[1], a[2], (uint32_t)a[3], a[4]); break;
    case VS_OP_MSYNC: *ret = c_int(vs_msync(thread, a[0], a[1], (uint32_t)a[2])); break;
    case VS_OP_MINCORE: execute_mincore(thread, op, outcome); break;
    case VS_OP_MEMFD_CREATE: *ret = c_int(vs_memfd_create(thread, name, (uint32_t)a[1])); break;
    case VS_OP_SHM_OPEN:
        *ret = c_int(vs_shm_open(thread, name, (uint32_t)a[1], (uint32_t)a[2]));
        break;
    case VS_OP_SHM_UNLINK: *ret = c_int(vs_shm_unlink(thread, name)); break;
    case VS_OP_OPEN: *ret = c_int(vs_open(thread, name, (uint32_t)a[1])); break;
    case VS_OP_FTRUNCATE: *ret = c_int(vs_ftruncate(thread, (int64_t)a[0], (int64_t)a[1])); break;
    case VS_OP_CLOSE: *ret = c_int(vs_close(thread, (int64_t)a[0])); break;
    case VS_OP_FORK: *ret = c_int(vs_fork(thread, &child)); break; /* the runner finds the child */
    default: *ret = vs_process_id(vs_thread_process(thread)); break; /* VS_OP_GETPID */
    }
}

void vs_op_execute(VsThread *thread, const VsOp *op, VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    memset(outcome, 0, sizeof *outcome);
    note_vad(thread, op, outcome);
    switch (op->kind) {
    case VS_OP_VIRTUAL_ALLOC:
        outcome->ret = VsVirtualAlloc(thread, a[0], a[1], (uint32_t)a[2], (uint32_t)a[3]);
        break;
    case VS_OP_VIRTUAL_ALLOC_EX:
        outcome->ret = VsVirtualAllocEx(thread, a[0], a[1], a[2], (uint32_t)a[3], (uint32_t)a[4]);
        break;
    case VS_OP_VIRTUAL_FREE:
        outcome->ret = VsVirtualFree(thread, a[0], a[1], (uint32_t)a[2]);
        break;
    case VS_OP_VIRTUAL_FREE_EX:
        outcome->ret = VsVirtualFreeEx(thread, a[0], a[1], a[2], (uint32_t)a[3]);
        break;
    case VS_OP_VIRTUAL_PROTECT:
    case VS_OP_VIRTUAL_PROTECT_EX:
        execute_protect(thread, op, outcome, op->kind == VS_OP_VIRTUAL_PROTECT_EX);
        break;
    case VS_OP_VIRTUAL_QUERY:
    case VS_OP_VIRTUAL_QUERY_EX:
        execute_query(thread, op, outcome, op->kind == VS_OP_VIRTUAL_QUERY_EX);
        break;
    case VS_OP_GET_LAST_ERROR:
        outcome->ret = VsGetLastError(thread);
        break;
    case VS_OP_SET_LAST_ERROR:
        VsSetLastError(thread, (uint32_t)a[0]);
        break;
    case VS_OP_RTL_GET_LAST_NT_STATUS:
        outcome->ret = (uint32_t)VsRtlGetLastNtStatus(thread);
        break;
    case VS_OP_GET_CURRENT_PROCESS:
    case VS_OP_NT_CURRENT_PROCESS:
        outcome->ret = VsGetCurrentProcess();
        break;
    case VS_OP_CLOSE_HANDLE:
        outcome->ret = VsCloseHandle(thread, a[0]);
        break;
    case VS_OP_NT_CLOSE:
        outcome->ret = (uint32_t)VsNtClose(thread, a[0]);
        break;
    case VS_OP_NT_ALLOCATE:
    case VS_OP_NT_FREE:
    case VS_OP_NT_PROTECT:
        execute_nt(thread, op, outcome);
        break;
    case VS_OP_READ:
    case VS_OP_WRITE:
        execute_access(thread, op, outcome);
        break;
    case VS_OP_SET_PROCESS_WORKING_SET_SIZE:
    case VS_OP_GET_PROCESS_WORKING_SET_SIZE:
    case VS_OP_EMPTY_WORKING_SET:
    case VS_OP_GET_PROCESS_MEMORY_INFO:
    case VS_OP_QUERY_WORKING_SET_EX:
    case VS_OP_GLOBAL_MEMORY_STATUS_EX:
        execute_working_set(thread, op, outcome);
        break;
    case VS_OP_VIRTUAL_LOCK:
        outcome->ret = VsVirtualLock(thread, a[0], a[1]);
        break;
    case VS_OP_VIRTUAL_UNLOCK:
        outcome->ret = VsVirtualUnlock(thread, a[0], a[1]);
        break;
    case VS_OP_GET_WRITE_WATCH: {
        uint64_t count = VS_WRITE_WATCH_CAPACITY;
        uint32_t granularity = 0;
        outcome->ret = VsGetWriteWatch(thread, (uint32_t)a[0], a[1], a[2], outcome->fields + 2,
                                       &count, &granularity);
        if (outcome->ret == 0) {
            outcome->record = VS_RECORD_WRITE_WATCH;
            outcome->fields[0] = count;
            outcome->fields[1] = granularity;
        }
        break;
    }
    case VS_OP_RESET_WRITE_WATCH:
        outcome->ret = VsResetWriteWatch(thread, a[0], a[1]);
        break;
    case VS_OP_OPEN_PROCESS:
        outcome->ret = VsOpenProcess(thread, (uint32_t)a[0], a[1] != 0, (uint32_t)a[2]);
        break;
    case VS_OP_GET_CURRENT_PROCESS_ID:
        outcome->ret = VsGetCurrentProcessId(thread);
        break;
    case VS_OP_CREATE_FILE_MAPPING: /* the security attributes (a[1]) are not modelled */
        outcome->ret = VsCreateFileMapping(thread, a[0], (uint32_t)a[2], (uint32_t)a[3],
                                           (uint32_t)a[4], a[5] ? op->text : NULL);
        break;
    case VS_OP_OPEN_FILE_MAPPING:
        outcome->ret = VsOpenFileMapping(thread, (uint32_t)a[0], a[1] != 0, a[2] ? op->text : NULL);
        break;
    case VS_OP_MAP_VIEW_OF_FILE:
        outcome->ret = VsMapViewOfFile(thread, a[0], (uint32_t)a[1], (uint32_t)a[2],
                                       (uint32_t)a[3], a[4]);
        break;
    case VS_OP_MAP_VIEW_OF_FILE_EX:
        outcome->ret = VsMapViewOfFileEx(thread, a[0], (uint32_t)a[1], (uint32_t)a[2],
                                         (uint32_t)a[3], a[4], a[5]);
        break;
    case VS_OP_UNMAP_VIEW_OF_FILE:
        outcome->ret = VsUnmapViewOfFile(thread, a[0]);
        break;
    case VS_OP_UNMAP_VIEW_OF_FILE_EX:
        outcome->ret = VsUnmapViewOfFileEx(thread, a[0], (uint32_t)a[1]);
        break;
    case VS_OP_UNMAP_VIEW_OF_FILE_2:
        outcome->ret = VsUnmapViewOfFile2(thread, a[0], a[1], (uint32_t)a[2]);
        break;
    case VS_OP_VIRTUAL_ALLOC_2: {
        VsMemExtendedParameter parameter = extended_parameter(op);
        outcome->ret = VsVirtualAlloc2(thread, a[0], a[1], a[2], (uint32_t)a[3], (uint32_t)a[4],
                                       a[5] ? &parameter : NULL, (uint32_t)a[6]);
        break;
    }
    case VS_OP_MAP_VIEW_OF_FILE_3: {
        VsMemExtendedParameter parameter = extended_parameter(op);
        outcome->ret = VsMapViewOfFile3(thread, a[0], a[1], a[2], a[3], a[4], (uint32_t)a[5],
                                        (uint32_t)a[6], a[7] ? &parameter : NULL,
                                        (uint32_t)a[8]);
        break;
    }
    case VS_OP_DECLARE_FILE:
        outcome->ret = declare_file(thread, op);
        break;
    case VS_OP_NT_MAP_VIEW:
        outcome->ret = (uint32_t)VsNtMapViewOfSection(
            thread, a[0], a[1], ref(op, outcome, 2), a[3], a[4], ref(op, outcome, 5),
            ref(op, outcome, 6), (uint32_t)a[7], (uint32_t)a[8], (uint32_t)a[9]);
        nt_written(op, outcome);
        break;
    case VS_OP_NT_UNMAP_VIEW:
        outcome->ret = (uint32_t)VsNtUnmapViewOfSection(thread, a[0], a[1]);
        break;
    case VS_OP_NT_UNMAP_VIEW_EX:
        outcome->ret = (uint32_t)VsNtUnmapViewOfSectionEx(thread, a[0], a[1], (uint32_t)a[2]);
        break;
    case VS_OP_CREATE_FILE: /* security attributes (a[3]) and template (a[6]) are not modelled */
        outcome->ret = VsCreateFile(thread, a[0] ? op->text : NULL, (uint32_t)a[1],
                                    (uint32_t)a[2], (uint32_t)a[4], (uint32_t)a[5]);
        break;
    case VS_OP_GET_FILE_SIZE: /* the high half's pointer (a[1]) must be NULL here */
        outcome->ret = VsGetFileSize(thread, a[0], NULL);
        break;
    case VS_OP_FLUSH_VIEW_OF_FILE:
        outcome->ret = VsFlushViewOfFile(thread, a[0], a[1]);
        break;
    case VS_OP_READ_FILE: {
        uint8_t value = 0;
        VsStatus status = vs_file_read_byte(thread, a[0], a[1], &value);
        if (!NT_SUCCESS(status))
            VsSetLastError(thread, vs_status_to_win32(status));
        outcome->ret = NT_SUCCESS(status) ? value : UINT64_MAX;
        break;
    }
    case VS_OP_MMAP:
    case VS_OP_MUNMAP:
    case VS_OP_MPROTECT:
    case VS_OP_MADVISE:
    case VS_OP_MREMAP:
    case VS_OP_MSYNC:
    case VS_OP_MINCORE:
    case VS_OP_MEMFD_CREATE:
    case VS_OP_SHM_OPEN:
    case VS_OP_SHM_UNLINK:
    case VS_OP_OPEN:
    case VS_OP_FTRUNCATE:
    case VS_OP_CLOSE:
    case VS_OP_FORK:
    case VS_OP_GETPID:
        execute_linux(thread, op, outcome);
        break;
    case VS_OP_COUNT:
        break;
    }
    if (vs_op_maps_view(op->kind) && outcome->ret) { /* the view is in the process mapped into */
        const VsVad *view = vs_vad_lookup(vs_op_process(thread, op), outcome->ret);
        assert(view);
        VsVadInfo info;
        vs_vad_info(view, &info);
        outcome->made_size = (info.ending_vpn - info.starting_vpn + 1) * VS_PAGE_SIZE;
    }
    outcome->last_error = is_linux(thread) ? (uint32_t)vs_errno(thread) : VsGetLastError(thread);
    outcome->last_status = (uint32_t)VsRtlGetLastNtStatus(thread);
}
