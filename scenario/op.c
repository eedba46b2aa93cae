/*
 * op.c - what is known of each call a scenario can make: its row of calls.def as a VsOpSpec, and
 * the questions asked of it.
 *
 * The language's evaluator looks calls up here, the runner explains results by their return kind,
 * and the verification harness sends the same operations to a real system, translating the
 * arguments marked as addresses. Running a call in the model is execute.c's.
 */
#include <stdio.h>
#include <string.h>

#include "op.h"
#include "section_image_fields.h"

/* The bit for argument i in a VsOpSpec's masks, as calls.def writes it. */
#define ARG(i) (1u << (i))

static const VsOpSpec specs[VS_OP_COUNT] = {
#define CALL(id, call_name, call_family, executor, ...)                                            \
    [VS_OP_##id] = {.name = call_name, .family = VS_FAMILY_##call_family, __VA_ARGS__},
#include "calls.def"
#undef CALL
};

const VsOpSpec *vs_op_spec(VsOpKind kind) { return &specs[kind]; }

VsOpFamily vs_op_family(VsOpKind kind) { return specs[kind].family; }

static const char *const memory_counters_fields[] = {
    "PageFaultCount",         "PeakWorkingSetSize",
    "WorkingSetSize",         "QuotaPeakPagedPoolUsage",
    "QuotaPagedPoolUsage",    "QuotaPeakNonPagedPoolUsage",
    "QuotaNonPagedPoolUsage", "PagefileUsage",
    "PeakPagefileUsage",      "PrivateUsage",
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
static const char *const smaps_fields[] = {
    "Size", "Rss", "Pss", "Anonymous", "LazyFree", "AnonHugePages", "Locked", "lo", "lf", "sl"};
static const char *const section_basic_fields[] = {"BaseAddress", "Attributes", "Size"};
static const char *const memory_region_fields[] = {
    "AllocationBase", "AllocationProtect", "RegionType",     "RegionSize",
    "CommitSize",     "PartitionId",       "NodePreference",
};
static const char *const memory_image_fields[] = {"ImageBase", "SizeOfImage", "ImageFlags"};
static const char *const initial_teb_fields[] = {"OldStackBase", "OldStackLimit", "StackBase",
                                                 "StackLimit", "DeallocationStack"};
static const char *const heap_entry_fields[] = {
    "lpData",      "cbData",          "cbOverhead",        "iRegionIndex",
    "wFlags",      "dwCommittedSize", "dwUnCommittedSize", "lpFirstBlock",
    "lpLastBlock",
};
static const char *const process_heaps_fields[] = {
    "Heap0", "Heap1", "Heap2",  "Heap3",  "Heap4",  "Heap5",  "Heap6",  "Heap7",
    "Heap8", "Heap9", "Heap10", "Heap11", "Heap12", "Heap13", "Heap14", "Heap15",
};
static const char *const teb_fields[] = {"StackBase", "StackLimit", "DeallocationStack",
                                         "GuaranteedStackBytes"};
static const char *const section_name_fields[] = {"Length", "MaximumLength"};
static const char *const section_name_at_fields[] = {"Length", "MaximumLength", "Buffer",
                                                     "Terminator"};
#define SECTION_IMAGE_NAME(field) #field,
static const char *const section_image_fields[] = {VS_SECTION_IMAGE_FIELDS(SECTION_IMAGE_NAME)};
#undef SECTION_IMAGE_NAME
static const char *const memory_status_fields[] = {
    "dwMemoryLoad",     "ullTotalPhys",    "ullAvailPhys",    "ullTotalPageFile",
    "ullAvailPageFile", "ullTotalVirtual", "ullAvailVirtual", "ullAvailExtendedVirtual",
};

#define RECORD(type, fields)                                                                       \
    {                                                                                              \
        type, fields, sizeof fields / sizeof fields[0]                                             \
    }
static const VsRecordSpec records[] = {
    [VS_RECORD_NONE] = {"", NULL, 0},
    [VS_RECORD_MEMORY_COUNTERS] = RECORD("PROCESS_MEMORY_COUNTERS_EX", memory_counters_fields),
    [VS_RECORD_WORKING_SET_EX] = RECORD("PSAPI_WORKING_SET_EX_BLOCK", working_set_ex_fields),
    [VS_RECORD_MEMORY_STATUS] = RECORD("MEMORYSTATUSEX", memory_status_fields),
    [VS_RECORD_WRITE_WATCH] = RECORD("write watch", write_watch_fields),
    [VS_RECORD_MINCORE] = RECORD("mincore vector", mincore_fields),
    [VS_RECORD_SMAPS] = RECORD("smaps", smaps_fields),
    [VS_RECORD_SECTION_BASIC] = RECORD("SECTION_BASIC_INFORMATION", section_basic_fields),
    [VS_RECORD_MEMORY_REGION] = RECORD("MEMORY_REGION_INFORMATION", memory_region_fields),
    [VS_RECORD_MEMORY_IMAGE] = RECORD("MEMORY_IMAGE_INFORMATION", memory_image_fields),
    [VS_RECORD_BY_CLASS] = {"an information class's structure", NULL, 0},
    [VS_RECORD_TEB] = RECORD("TEB", teb_fields),
    [VS_RECORD_INITIAL_TEB] = RECORD("INITIAL_TEB", initial_teb_fields),
    [VS_RECORD_HEAP_ENTRY] = RECORD("PROCESS_HEAP_ENTRY", heap_entry_fields),
    [VS_RECORD_PROCESS_HEAPS] = RECORD("process heaps", process_heaps_fields),
    [VS_RECORD_SECTION_NAME] = RECORD("MEMORY_SECTION_NAME", section_name_fields),
    [VS_RECORD_SECTION_IMAGE] = RECORD("SECTION_IMAGE_INFORMATION", section_image_fields),
    [VS_RECORD_SECTION_NAME_AT] = RECORD("MEMORY_SECTION_NAME", section_name_at_fields),
};

const VsRecordSpec *vs_record_spec(VsRecordKind kind) { return &records[kind]; }

static const char *const mbi_fields[] = {
    "BaseAddress", "AllocationBase", "AllocationProtect", "RegionSize", "State", "Protect", "Type",
};
static const VsRecordSpec mbi = RECORD("MEMORY_BASIC_INFORMATION", mbi_fields);

const VsRecordSpec *vs_mbi_spec(void) { return &mbi; }

bool vs_op_returns_mbi(VsOpKind kind)
{
    return kind == VS_OP_VIRTUAL_QUERY || kind == VS_OP_VIRTUAL_QUERY_EX;
}

VsRecordKind vs_op_record(VsOpKind kind) { return specs[kind].record; }

VsRecordKind vs_op_record_of(const VsOp *op)
{
    if (specs[op->kind].record != VS_RECORD_BY_CLASS)
        return specs[op->kind].record;
    if (op->kind == VS_OP_NT_QUERY_SECTION || op->kind == VS_OP_NT_QUERY_SECTION_INTO)
        return op->arg[1] == SectionImageInformation ? VS_RECORD_SECTION_IMAGE
                                                     : VS_RECORD_SECTION_BASIC;
    switch (op->arg[2]) {
    case MemoryRegionInformation: return VS_RECORD_MEMORY_REGION;
    case MemoryImageInformation: return VS_RECORD_MEMORY_IMAGE;
    case MemoryWorkingSetExInformation: return VS_RECORD_WORKING_SET_EX; /* the first entry's */
    case MemoryMappedFilenameInformation:
        return op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO ? VS_RECORD_SECTION_NAME_AT
                                                              : VS_RECORD_SECTION_NAME;
    default: return VS_RECORD_NONE;
    }
}

/* The index of the argument a one-bit mask names, or -1 for none. */
static int arg_index(uint32_t bits) { return bits ? __builtin_ctz(bits) : -1; }

VsProcess *vs_op_process(VsThread *thread, const VsOp *op)
{
    const VsOpSpec *spec = &specs[op->kind];
    if (!spec->process_args)
        return vs_thread_process(thread);
    VsHandle handle = op->arg[arg_index(spec->process_args)];
    if (!handle && spec->null_process_is_current)
        return vs_thread_process(thread);
    return vs_handle_process(thread, handle);
}

int vs_op_address_arg(VsOpKind kind) { return arg_index(specs[kind].address_args); }

int vs_op_size_arg(VsOpKind kind) { return arg_index(specs[kind].size_arg); }

int vs_op_type_arg(VsOpKind kind) { return arg_index(specs[kind].type_arg); }

int vs_op_protect_arg(VsOpKind kind) { return arg_index(specs[kind].protect_arg); }

bool vs_op_maps_view(VsOpKind kind) { return specs[kind].maps_view; }

bool vs_op_raises(VsOpKind kind) { return specs[kind].memory_access || specs[kind].raises; }

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
    switch (specs[kind].returns) {
    case VS_RETURN_FILE_HANDLE: return ret == VS_INVALID_HANDLE_VALUE;
    case VS_RETURN_MMAP:
    case VS_RETURN_INT: return ret == UINT64_MAX;
    case VS_RETURN_POINTER:
    case VS_RETURN_BOOL:
    case VS_RETURN_SIZE:
    case VS_RETURN_HANDLE: return ret == 0;
    default: return specs[kind].failure && ret == specs[kind].failure;
    }
}

/* The names the language adds to the model's constants: C's and Windows' spellings of a few
 * values, and the information classes NtQueryVirtualMemory and NtQuerySection take. */
static const struct {
    const char *name;
    uint64_t value;
} language_constants[] = {
    {"NULL", 0},
    {"TRUE", 1},
    {"FALSE", 0},
    {"INVALID_HANDLE_VALUE", UINT64_MAX},
    {"MemoryBasicInformation", 0},
    {"EXCEPTION_READ_FAULT", VS_READ_ACCESS},
    {"EXCEPTION_WRITE_FAULT", VS_WRITE_ACCESS},
    {"EXCEPTION_EXECUTE_FAULT", VS_EXECUTE_ACCESS},
    {"MemoryBasicInformation", MemoryBasicInformation},
    {"MemoryRegionInformation", MemoryRegionInformation},
    {"MemoryImageInformation", MemoryImageInformation},
    {"MemoryWorkingSetExInformation", MemoryWorkingSetExInformation},
    {"MemoryMappedFilenameInformation", MemoryMappedFilenameInformation},
    {"SectionBasicInformation", SectionBasicInformation},
    {"SectionImageInformation", SectionImageInformation},
    {"ProcessExecuteFlags", ProcessExecuteFlags},
    {"ProcessManageWritesToExecutableMemory", ProcessManageWritesToExecutableMemory},
    {"VmPrefetchInformation", VmPrefetchInformation},
    {"VmOfferPriorityVeryLow", 1}, /* OFFER_PRIORITY */
    {"VmOfferPriorityLow", 2},
    {"VmOfferPriorityBelowNormal", 3},
    {"VmOfferPriorityNormal", 4},
    {"PROCESS_HEAP_REGION", VS_HEAP_ENTRY_REGION}, /* HeapWalk's wFlags */
    {"PROCESS_HEAP_UNCOMMITTED_RANGE", VS_HEAP_ENTRY_UNCOMMITTED_RANGE},
    {"PROCESS_HEAP_ENTRY_BUSY", VS_HEAP_ENTRY_BUSY},
};

bool vs_scenario_constant(const char *name, uint64_t *value)
{
    if (vs_constant_lookup(name, value))
        return true;
    for (size_t i = 0; i < sizeof language_constants / sizeof language_constants[0]; i++)
        if (strcmp(name, language_constants[i].name) == 0) {
            *value = language_constants[i].value;
            return true;
        }
    return false;
}

size_t vs_scenario_constant_names(const char **names, size_t capacity)
{
    static const char *const model[] = {
#define NAME(n, v) #n,
        VS_MEM_FLAG_MAP(NAME) VS_MEM_TYPE_MAP(NAME) VS_SECTION_FLAG_MAP(NAME) VS_FILE_FLAG_MAP(NAME)
            VS_IMAGE_FLAG_MAP(NAME) VS_PAGE_FLAG_MAP(NAME) VS_PROCESS_ACCESS_MAP(NAME)
                VS_PLACEHOLDER_FLAG_MAP(NAME) VS_THREAD_FLAG_MAP(NAME) VS_HEAP_FLAG_MAP(NAME)
                    VS_LOCK_FLAG_MAP(NAME) VS_EXECUTE_FLAG_MAP(NAME) VS_WIN32_ERROR_MAP(NAME)
                        VS_LINUX_FLAG_MAP(NAME) VS_ERRNO_MAP(NAME)
#undef NAME
#define STATUS(n, v, w, t) #n,
                            VS_STATUS_MAP(STATUS)
#undef STATUS
    };
    size_t count = 0;
    for (size_t i = 0; i < sizeof model / sizeof model[0] && count < capacity; i++)
        names[count++] = model[i];
    for (size_t i = 0;
         i < sizeof language_constants / sizeof language_constants[0] && count < capacity; i++)
        names[count++] = language_constants[i].name;
    if (count < capacity)
        names[count++] = "MAP_FAILED";
    return count;
}

const VsParameterBuiltin *vs_parameter_builtin(const char *name)
{
    static const VsParameterBuiltin builtins[] = {
        {"MemAddressRequirements", MemExtendedParameterAddressRequirements, 3,
         "lowest starting address, highest ending address, alignment"},
        {"MemAttributeFlags", MemExtendedParameterAttributeFlags, 1, "flags"},
        {"MemNumaNode", MemExtendedParameterNumaNode, 1, "node"},
        {"MemExtendedParameter", VS_PARAMETER_RAW, 2, "type, value"},
        {"MemExtendedParameters", VS_PARAMETER_JOIN, 2, "2 to 4 lists of extended parameters"},
    };
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
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

bool vs_op_lookup_call(const char *name, size_t arg_count, VsOpKind *kind)
{
    if (!vs_op_lookup(name, kind))
        return false;
    for (int i = *kind; i < VS_OP_COUNT; i++)
        if (specs[i].arity == arg_count && strcmp(specs[i].name, name) == 0) {
            *kind = (VsOpKind)i;
            break;
        }
    return true;
}

const char *vs_op_arity_words(VsOpKind kind, char *buffer, size_t size)
{
    uint8_t arity = specs[kind].arity;
    for (int i = 0; i < VS_OP_COUNT; i++)
        if (i != (int)kind && strcmp(specs[i].name, specs[kind].name) == 0) {
            uint8_t other = specs[i].arity;
            snprintf(buffer, size, "%u or %u arguments", arity < other ? arity : other,
                     arity < other ? other : arity);
            return buffer;
        }
    snprintf(buffer, size, "%u argument%s", arity, arity == 1 ? "" : "s");
    return buffer;
}

static const char *const mapping_names[] = {
    [VS_MAPPING_NONE] = "none",
    [VS_MAPPING_ANONYMOUS] = "anonymous",
    [VS_MAPPING_SHARED_ANONYMOUS] = "shared-anonymous",
    [VS_MAPPING_MEMFD] = "memfd",
    [VS_MAPPING_SHM] = "shm",
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
