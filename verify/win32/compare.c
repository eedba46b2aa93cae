/*
 * compare.c - comparing what the model and Win32 answered to the same call, field by field.
 *
 * Addresses go through the relations (relations.h): when both systems choose an address (a NULL
 * base) the two allocations are paired, and the new pair is checked for what both must agree on,
 * the allocation granularity. Everything else is compared exactly: return values, last errors and
 * statuses of failed calls, out-parameters, MEMORY_BASIC_INFORMATION fields (but the size of a
 * free region, which depends on the neighbours each system happens to have), bytes read and
 * exceptions raised.
 */
#include <string.h>

#include "win32.h"

#define GRANULE VS_GRANULARITY

static uint64_t round_up(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }

/* An address both systems report: translated through the pairs, or a new pair when both chose it
 * themselves (chosen is TRUE), in which case only the granularity must agree. */
static void compare_address(VsRelations *relations, GPtrArray *divergences, const char *field,
                            uint64_t model, uint64_t other, gboolean chosen, uint64_t size)
{
    if ((model == 0) != (other == 0)) {
        vs_diverge(divergences, field, model, other);
        return;
    }
    if (model == 0)
        return;
    if (chosen) {
        if (model % GRANULE != other % GRANULE)
            vs_diverge_text(divergences, "alignment", "64 KB aligned", "not 64 KB aligned");
        vs_relations_add(relations, model, other, round_up(size ? size : 1, GRANULE));
        return;
    }
    uint64_t expected = vs_relations_to_other(relations, model);
    if (expected != other)
        vs_diverge(divergences, field, expected, other);
}

/* write, execute and a stack touch return the exception: compared as the return value */
static gboolean returns_exception(VsOpKind kind)
{
    return kind == VS_OP_WRITE || kind == VS_OP_EXECUTE || kind == VS_OP_STACK_TOUCH;
}

/*
 * A heap block. Wine's heap is its own, so blocks are compared at the level of the regions they
 * lie in, not by their offsets: a block too big for a segment is an allocation of its own in both
 * systems, at the same offset from its base (its header: 0x40 on x64, kernel32 test_block_layout);
 * a block the model puts in a segment it had lies in that segment's counterpart; a segment the
 * call added is paired with the allocation the other system's block lies in, beside the older
 * segment's pair when that allocation is already its counterpart (the other heap grew the segment
 * in place: vs_relations_add_beside). The block is then
 * paired with the other's as a value, so later heap calls on it name the same block; addresses in
 * it translate through its segment, so queries of a segment's pages compare the same pages.
 */
static void compare_block(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                          const VsOutcome *other, GPtrArray *divergences)
{
    if (!model->ret != !other->ret)
        vs_diverge(divergences, "return", model->ret, other->ret);
    if (!model->ret || !other->ret || !model->block_base || !other->block_base)
        return;
    uint64_t m_offset = model->ret - model->block_base, o_offset = other->ret - other->block_base;
    if (model->block_own && m_offset != o_offset)
        vs_diverge(divergences, "block offset", m_offset, o_offset);
    /* a segment the model added, where the other heap grew one it had: it stands for both */
    gboolean grown =
        model->block_new && !model->block_own &&
        vs_relations_add_beside(relations, model->block_base, other->block_base,
                                round_up(model->made_size ? model->made_size : 1, GRANULE));
    if (!grown && (model->block_own || model->block_new))
        compare_address(relations, divergences, "AllocationBase", model->block_base,
                        other->block_base, TRUE, model->made_size);
    else if (!grown)
        compare_address(relations, divergences, "AllocationBase", model->block_base,
                        other->block_base, FALSE, 0);
    vs_values_relate(relations->blocks, model->ret, other->ret);
}

/*
 * A HeapWalk entry, region by region as blocks are (above): its kind (wFlags); a busy block's
 * size and which block it is (through the blocks both heaps returned); a REGION's and an
 * uncommitted range's place through the pairs, and their sizes. A free block's size and every
 * cbOverhead are the heap's own layout, not compared. The entry's lpData is then paired with the
 * other's, so the next call's cursor names the other's entry.
 */
static void compare_walk(VsRelations *relations, const uint64_t *m, const uint64_t *o,
                         GPtrArray *divergences)
{
    enum { DATA, SIZE, OVERHEAD, REGION_INDEX, FLAGS, COMMITTED, UNCOMMITTED };
    const VsRecordSpec *spec = vs_record_spec(VS_RECORD_HEAP_ENTRY);
    if (m[FLAGS] != o[FLAGS]) {
        vs_diverge(divergences, spec->fields[FLAGS], m[FLAGS], o[FLAGS]);
    } else if (m[FLAGS] & VS_HEAP_ENTRY_BUSY) {
        uint64_t expected = g_hash_table_contains(relations->blocks, &m[DATA])
                                ? vs_values_other(relations->blocks, m[DATA])
                                : vs_relations_to_other(relations, m[DATA]);
        if (expected != o[DATA])
            vs_diverge(divergences, spec->fields[DATA], expected, o[DATA]);
        if (m[SIZE] != o[SIZE])
            vs_diverge(divergences, spec->fields[SIZE], m[SIZE], o[SIZE]);
    } else if (m[FLAGS] & VS_HEAP_ENTRY_REGION) {
        compare_address(relations, divergences, spec->fields[DATA], m[DATA], o[DATA], FALSE, 0);
        for (int i = COMMITTED; i <= UNCOMMITTED; i++)
            if (m[i] != o[i])
                vs_diverge(divergences, spec->fields[i], m[i], o[i]);
    } else if (m[FLAGS] & VS_HEAP_ENTRY_UNCOMMITTED_RANGE) {
        /* named apart from a block's: where a heap's commit ends is its own (known entries) */
        uint64_t expected = vs_relations_to_other(relations, m[DATA]);
        if (expected != o[DATA])
            vs_diverge(divergences, "lpData (uncommitted range)", expected, o[DATA]);
        if (m[SIZE] != o[SIZE])
            vs_diverge(divergences, "cbData (uncommitted range)", m[SIZE], o[SIZE]);
    }
    vs_values_relate(relations->blocks, m[DATA], o[DATA]);
}

/* GetProcessHeaps' handles, through the pairs (each heap was paired as it was made); one that was
 * not (the process heap, before GetProcessHeap named it) is paired now, its first granule. */
static void compare_heaps(VsRelations *relations, const VsOutcome *model, const VsOutcome *other,
                          GPtrArray *divergences)
{
    const VsRecordSpec *spec = vs_record_spec(VS_RECORD_PROCESS_HEAPS);
    for (uint32_t i = 0; i < spec->count; i++)
        compare_address(relations, divergences, spec->fields[i], model->fields[i], other->fields[i],
                        !vs_relations_pair(relations, model->fields[i]), VS_GRANULARITY);
}

static gboolean is_heap_block_call(VsOpKind kind)
{
    return kind == VS_OP_HEAP_ALLOC || kind == VS_OP_HEAP_REALLOC;
}

static gboolean failed(const VsOpSpec *spec, const VsOutcome *outcome)
{
    switch (spec->returns) {
    case VS_RETURN_FILE_HANDLE:
    case VS_RETURN_MMAP:
    case VS_RETURN_INT:
        return outcome->ret == VS_INVALID_HANDLE_VALUE; /* (HANDLE)-1, MAP_FAILED, -1 */
    case VS_RETURN_HANDLE:
    case VS_RETURN_POINTER:
    case VS_RETURN_BOOL:
    case VS_RETURN_SIZE: return outcome->ret == 0;
    case VS_RETURN_VALUE: /* GetWriteWatch, ResetWriteWatch: (UINT)-1 */
        return spec->failure != 0 && outcome->ret == spec->failure;
    default: return FALSE;
    }
}

gboolean vs_win32_succeeded(const VsOp *op, const VsOutcome *outcome)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    return spec->returns == VS_RETURN_STATUS ? NT_SUCCESS((VsStatus)outcome->ret)
                                             : !failed(spec, outcome);
}

gboolean vs_win32_made_handle(const VsOp *op, const VsOutcome *outcome, uint64_t *handle)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    if (!vs_win32_succeeded(op, outcome))
        return FALSE;
    if (spec->returns == VS_RETURN_HANDLE || spec->returns == VS_RETURN_FILE_HANDLE) {
        *handle = outcome->ret;
        return TRUE;
    }
    uint32_t outs = spec->handle_outs & op->by_ref & outcome->out_written;
    for (int i = 0; i < spec->arity; i++)
        if (outs & (1u << i)) {
            *handle = outcome->out[i];
            return *handle != 0;
        }
    return FALSE;
}

/* A value a handle table could have handed out: not NULL, not a pseudo-handle. */
static gboolean handle_like(uint64_t value)
{
    return value != 0 && value % 4 == 0 && value < VS_RELATIONS_NO_HANDLE;
}

gboolean vs_win32_pair_lone_handle(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                                   const VsOutcome *other, uint64_t *handle, gboolean *in_model)
{
    uint64_t made_model = 0, made_other = 0;
    *in_model = vs_win32_made_handle(op, model, &made_model);
    gboolean in_other = other && vs_win32_made_handle(op, other, &made_other);
    if (*in_model == in_other)
        return FALSE;
    if (*in_model) {
        *handle = made_model;
        vs_values_relate(relations->handles, made_model, VS_RELATIONS_NO_HANDLE);
        return TRUE;
    }
    /* The other's handle went into a variable the model left as it was: that value names it. */
    uint32_t outs = vs_op_spec(op->kind)->handle_outs & op->by_ref;
    for (int i = 0; i < VS_OP_MAX_ARGS; i++)
        if ((outs & (1u << i)) && handle_like(model->out[i])) {
            *handle = model->out[i];
            vs_values_relate(relations->handles, *handle, made_other);
            return TRUE;
        }
    return FALSE;
}

static void compare_return(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                           const VsOutcome *other, GPtrArray *divergences)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    switch (spec->returns) {
    case VS_RETURN_POINTER: {
        /* An allocation or view lands where each system chooses unless the call names a base;
         * a view is paired by the size the model gave it, a heap by its first reservation. */
        int base = vs_op_address_arg(op->kind), size_arg = vs_op_size_arg(op->kind);
        if (is_heap_block_call(op->kind)) {
            compare_block(relations, op, model, other, divergences);
            break;
        }
        if (op->kind == VS_OP_HEAP_CREATE || op->kind == VS_OP_GET_PROCESS_HEAP) {
            compare_address(relations, divergences, "return", model->ret, other->ret, TRUE,
                            model->made_size);
            break;
        }
        if (!vs_op_maps_view(op->kind) && size_arg < 0) {
            /* a lookup (GetModuleHandle): an address some earlier call made, or the same */
            compare_address(relations, divergences, "return", model->ret, other->ret, FALSE, 0);
            break;
        }
        gboolean chosen = base < 0 || op->arg[base] == 0;
        uint64_t size = vs_op_maps_view(op->kind) ? model->made_size : op->arg[size_arg];
        compare_address(relations, divergences, "return", model->ret, other->ret, chosen, size);
        break;
    }
    case VS_RETURN_BOOL:
        if (!model->ret != !other->ret)
            vs_diverge(divergences, "return", model->ret, other->ret);
        break;
    case VS_RETURN_STATUS:
        if (model->ret != other->ret)
            vs_diverge(divergences, "status", model->ret, other->ret);
        break;
    case VS_RETURN_VALUE:
        if (op->kind == VS_OP_GET_PROCESS_HEAPS) { /* the real process's own heaps aside */
            if (model->ret != other->ret - other->own_heaps)
                vs_diverge(divergences, "return", model->ret, other->ret - other->own_heaps);
            break;
        }
        /* fall through */
    case VS_RETURN_SIZE:
    case VS_RETURN_MMAP: /* Linux calls are compared by the POSIX backend (posix/compare.c) */
    case VS_RETURN_INT:
        if (model->ret != other->ret)
            vs_diverge(divergences,
                       op->kind == VS_OP_GET_LAST_ERROR           ? "GetLastError"
                       : op->kind == VS_OP_RTL_GET_LAST_NT_STATUS ? "RtlGetLastNtStatus"
                       : returns_exception(op->kind)              ? "exception"
                                                                  : "return",
                       model->ret, other->ret);
        break;
    case VS_RETURN_NONE: break;
    case VS_RETURN_FILE_HANDLE:
        if ((model->ret == VS_INVALID_HANDLE_VALUE) != (other->ret == VS_INVALID_HANDLE_VALUE))
            vs_diverge(divergences, "return", model->ret, other->ret);
        else if (model->ret != VS_INVALID_HANDLE_VALUE)
            vs_values_relate(relations->handles, model->ret, other->ret);
        break;
    case VS_RETURN_HANDLE:
        /* Each system picks its own handle values: open in both is the same answer. */
        if (!model->ret != !other->ret)
            vs_diverge(divergences, "return", model->ret, other->ret);
        else if (model->ret)
            vs_values_relate(relations->handles, model->ret, other->ret);
        break;
    case VS_RETURN_PROCESS_ID: vs_values_relate(relations->pids, model->ret, other->ret); break;
    }
}

/* The names of by-reference arguments, as the out-parameters are called in reports. */
static const char *out_name(const VsOp *op, int i)
{
    if (op->kind == VS_OP_VIRTUAL_PROTECT || op->kind == VS_OP_VIRTUAL_PROTECT_EX ||
        op->kind == VS_OP_VIRTUAL_PROTECT_FROM_APP || (op->kind == VS_OP_NT_PROTECT && i == 4))
        return "OldProtect";
    if (op->kind == VS_OP_GET_PROCESS_WORKING_SET_SIZE)
        return i == 1 ? "MinimumWorkingSetSize" : "MaximumWorkingSetSize";
    if (op->kind == VS_OP_NT_MAP_VIEW)
        return i == 2 ? "BaseAddress" : i == 5 ? "SectionOffset" : "ViewSize";
    if (op->kind == VS_OP_NT_MAP_VIEW_EX)
        return i == 2 ? "BaseAddress" : i == 3 ? "SectionOffset" : "ViewSize";
    if (op->kind == VS_OP_NT_ALLOCATE_EX)
        return i == 1 ? "BaseAddress" : "RegionSize";
    if (op->kind == VS_OP_NT_QUERY_SECTION || op->kind == VS_OP_NT_QUERY_SECTION_INTO ||
        op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY || op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO)
        return "ReturnLength";
    if (op->kind == VS_OP_NT_CREATE_SECTION || op->kind == VS_OP_NT_OPEN_SECTION)
        return i == 0 ? "SectionHandle" : "MaximumSize";
    if (op->kind == VS_OP_READ_PROCESS_MEMORY || op->kind == VS_OP_NT_READ_VIRTUAL_MEMORY ||
        op->kind == VS_OP_READ_FILE_INTO)
        return "NumberOfBytesRead";
    if (op->kind == VS_OP_WRITE_PROCESS_MEMORY || op->kind == VS_OP_NT_WRITE_VIRTUAL_MEMORY)
        return "NumberOfBytesWritten";
    if (op->kind == VS_OP_DUPLICATE_HANDLE)
        return "TargetHandle";
    if (op->kind == VS_OP_NT_QUERY_INFORMATION_PROCESS ||
        op->kind == VS_OP_NT_SET_INFORMATION_PROCESS)
        return i == 2 ? "ProcessInformation" : "ReturnLength";
    if (op->kind == VS_OP_GET_PROCESS_DEP_POLICY)
        return i == 1 ? "Flags" : "Permanent";
    if (op->kind == VS_OP_GET_WRITE_WATCH || op->kind == VS_OP_NT_GET_WRITE_WATCH)
        return i == vs_op_spec(op->kind)->arity - 2 ? "EntriesInUserAddressArray" : "Granularity";
    if (op->kind == VS_OP_ALLOCATE_USER_PHYSICAL_PAGES ||
        op->kind == VS_OP_FREE_USER_PHYSICAL_PAGES)
        return "NumberOfPages";
    return i == 1 ? "BaseAddress" : "RegionSize"; /* NtAllocate/Free/Lock/UnlockVirtualMemory */
}

/* NtQueryVirtualMemory(MemoryMappedFilenameInformation): an answer holding a file's name. */
static gboolean names_a_file(const VsOp *op)
{
    return (op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY ||
            op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO) &&
           op->arg[2] == MemoryMappedFilenameInformation;
}

/* The by-reference arguments as each system left them: a call writes some back when it fails
 * too (NtProtectVirtualMemory's old protection becomes PAGE_NOACCESS), so they are compared
 * whether it succeeded or failed, when both systems did the same and the agent answered them;
 * where one succeeded and the other failed, the return value already differs. */
static void compare_outs(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                         const VsOutcome *other, GPtrArray *divergences)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    uint32_t both = op->by_ref & other->out_written;
    if (vs_win32_succeeded(op, model) != vs_win32_succeeded(op, other) ||
        op->kind == VS_OP_HEAP_WALK) /* HeapWalk's cursor is its entry's lpData (compare_walk) */
        return;
    for (int i = 0; i < spec->arity; i++) {
        if (!(both & (1u << i)))
            continue;
        if (spec->handle_outs & (1u << i)) {
            /* A new handle: each system picks its own value. */
            if (vs_win32_succeeded(op, model))
                vs_values_relate(relations->handles, model->out[i], other->out[i]);
        } else if (spec->address_args & (1u << i)) {
            /* NtAllocateVirtualMemory with a NULL base chooses the address: a new pair. */
            gboolean chosen =
                (op->kind == VS_OP_NT_ALLOCATE || op->kind == VS_OP_NT_MAP_VIEW ||
                 op->kind == VS_OP_NT_ALLOCATE_EX || op->kind == VS_OP_NT_MAP_VIEW_EX) &&
                op->arg[i] == 0;
            uint64_t size = op->kind == VS_OP_NT_ALLOCATE      ? model->out[3]
                            : op->kind == VS_OP_NT_MAP_VIEW    ? model->out[6]
                            : op->kind == VS_OP_NT_ALLOCATE_EX ? model->out[2]
                            : op->kind == VS_OP_NT_MAP_VIEW_EX ? model->out[4]
                                                               : 0;
            compare_address(relations, divergences, out_name(op, i), model->out[i], other->out[i],
                            chosen, size);
        } else if (names_a_file(op)) {
            /* The length of a file's name: each system's file lies in a directory of its own,
             * so only whether the call wrote it (untouched: the variable's value) is compared. */
            if ((model->out[i] == op->arg[i]) != (other->out[i] == op->arg[i]))
                vs_diverge(divergences, out_name(op, i), model->out[i], other->out[i]);
        } else if (model->out[i] != other->out[i]) {
            vs_diverge(divergences, out_name(op, i), model->out[i], other->out[i]);
        }
    }
}

static void compare_mbi(VsRelations *relations, const VsMemoryBasicInformation *m,
                        const VsMemoryBasicInformation *o, GPtrArray *divergences)
{
    compare_address(relations, divergences, "BaseAddress", m->BaseAddress, o->BaseAddress, FALSE,
                    0);
    compare_address(relations, divergences, "AllocationBase", m->AllocationBase, o->AllocationBase,
                    FALSE, 0);
    if (m->AllocationProtect != o->AllocationProtect)
        vs_diverge(divergences, "AllocationProtect", m->AllocationProtect, o->AllocationProtect);
    /* A free region runs to the next allocation, wherever each system has one. */
    if (m->RegionSize != o->RegionSize && !(m->State == MEM_FREE && o->State == MEM_FREE))
        vs_diverge(divergences, "RegionSize", m->RegionSize, o->RegionSize);
    if (m->State != o->State)
        vs_diverge(divergences, "State", m->State, o->State);
    if (m->Protect != o->Protect)
        vs_diverge(divergences, "Protect", m->Protect, o->Protect);
    if (m->Type != o->Type)
        vs_diverge(divergences, "Type", m->Type, o->Type);
}

/*
 * A TEB's stack fields: each system chose where its stack went, so DeallocationStack pairs the two
 * reservations (afresh at every look: a stack made after another was freed may lie where that one
 * was in one system and elsewhere in the other) and only its alignment is compared; StackBase is
 * compared as the reserve above it (StackBase - DeallocationStack) and StackLimit as the bytes
 * committed above the guard (StackBase - StackLimit); GuaranteedStackBytes as it is.
 */
static void compare_teb(VsRelations *relations, const uint64_t *m, const uint64_t *o,
                        GPtrArray *divergences)
{
    enum { BASE, LIMIT, DEALLOCATION, GUARANTEE };
    compare_address(relations, divergences, "DeallocationStack", m[DEALLOCATION], o[DEALLOCATION],
                    TRUE, m[BASE] - m[DEALLOCATION]);
    if (m[BASE] - m[DEALLOCATION] != o[BASE] - o[DEALLOCATION])
        vs_diverge(divergences, "StackBase", m[BASE] - m[DEALLOCATION], o[BASE] - o[DEALLOCATION]);
    if (m[BASE] - m[LIMIT] != o[BASE] - o[LIMIT])
        vs_diverge(divergences, "StackLimit", m[BASE] - m[LIMIT], o[BASE] - o[LIMIT]);
    if (m[GUARANTEE] != o[GUARANTEE])
        vs_diverge(divergences, "GuaranteedStackBytes", m[GUARANTEE], o[GUARANTEE]);
}

/* A structure's fields, where both systems describe the same thing: QueryWorkingSetEx's block (but
 * its NUMA node), a section's basic information, GetWriteWatch's answer (addresses through the
 * pairs), a file name's shape. Process counters and the machine's memory status describe a
 * different process and machine in each system, so only the call's result is compared for them. */
static void compare_record(VsRelations *relations, const VsOutcome *model, const VsOutcome *other,
                           GPtrArray *divergences)
{
    if (other->record != model->record)
        return;
    if (model->record == VS_RECORD_WRITE_WATCH) {
        /* The count and granularity as they are; each address written, through the pairs. */
        const VsRecordSpec *spec = vs_record_spec(model->record);
        for (uint32_t i = 0; i < 2; i++)
            if (model->fields[i] != other->fields[i])
                vs_diverge(divergences, spec->fields[i], model->fields[i], other->fields[i]);
        for (uint64_t i = 0; i < model->fields[0] && i < VS_WRITE_WATCH_CAPACITY; i++)
            compare_address(relations, divergences, spec->fields[2 + i], model->fields[2 + i],
                            other->fields[2 + i], FALSE, 0);
        return;
    }
    if (model->record == VS_RECORD_TEB) {
        compare_teb(relations, model->fields, other->fields, divergences);
        return;
    }
    if (model->record == VS_RECORD_HEAP_ENTRY) {
        compare_walk(relations, model->fields, other->fields, divergences);
        return;
    }
    if (model->record == VS_RECORD_PROCESS_HEAPS) {
        if (model->ret == other->ret - other->own_heaps)
            compare_heaps(relations, model, other, divergences);
        return;
    }
    if (model->record == VS_RECORD_INITIAL_TEB) {
        /* OldStackBase and OldStackLimit as they are, then the fields a TEB has too */
        for (uint32_t i = 0; i < 2; i++)
            if (model->fields[i] != other->fields[i])
                vs_diverge(divergences, vs_record_spec(model->record)->fields[i], model->fields[i],
                           other->fields[i]);
        const uint64_t *m = model->fields + 2, *o = other->fields + 2;
        compare_teb(relations, (uint64_t[]){m[0], m[1], m[2], 0}, (uint64_t[]){o[0], o[1], o[2], 0},
                    divergences);
        return;
    }
    const VsRecordSpec *spec = vs_record_spec(model->record);
    if (model->record == VS_RECORD_MEMORY_REGION || model->record == VS_RECORD_MEMORY_IMAGE) {
        /* The base through the pairs; a region's partition and NUMA node are each machine's. */
        compare_address(relations, divergences, spec->fields[0], model->fields[0], other->fields[0],
                        FALSE, 0);
        uint32_t last = model->record == VS_RECORD_MEMORY_REGION ? 5 : spec->count;
        for (uint32_t i = 1; i < last; i++)
            if (model->fields[i] != other->fields[i])
                vs_diverge(divergences, spec->fields[i], model->fields[i], other->fields[i]);
        return;
    }
    if (model->record == VS_RECORD_SECTION_NAME || model->record == VS_RECORD_SECTION_NAME_AT) {
        /* Each system's own path: the shape (MaximumLength the Length and a NUL) is compared; in
         * the process, where the string points (through the pairs) and the NUL after the name. */
        if (model->fields[1] - model->fields[0] != other->fields[1] - other->fields[0])
            vs_diverge(divergences, "MaximumLength - Length", model->fields[1] - model->fields[0],
                       other->fields[1] - other->fields[0]);
        if (model->record == VS_RECORD_SECTION_NAME_AT) {
            compare_address(relations, divergences, "Buffer", model->fields[2], other->fields[2],
                            FALSE, 0);
            if (model->fields[3] != other->fields[3])
                vs_diverge(divergences, "Terminator", model->fields[3], other->fields[3]);
        }
        return;
    }
    /* SECTION_IMAGE_INFORMATION's TransferAddress too: an image's preferred base is the same
     * number on both systems (the declared headers'), wherever the pairs put its views. */
    if (model->record != VS_RECORD_WORKING_SET_EX && model->record != VS_RECORD_SECTION_BASIC &&
        model->record != VS_RECORD_SECTION_IMAGE)
        return;
    for (uint32_t i = 0; i < spec->count; i++)
        if (strcmp(spec->fields[i], "Node") != 0 && model->fields[i] != other->fields[i])
            vs_diverge(divergences, spec->fields[i], model->fields[i], other->fields[i]);
}

guint vs_compare_outcomes(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                          const VsOutcome *other, GPtrArray *divergences)
{
    guint before = divergences->len;
    const VsOpSpec *spec = vs_op_spec(op->kind);
    compare_return(relations, op, model, other, divergences);
    /* A failed Win32 call's last error (and the status it came from) is its answer too; after a
     * success the last error is whatever came before, compared when a scenario asks for it. A
     * failure kernelbase finds itself (VirtualAllocFromApp's executable protections) makes no NT
     * call and leaves the last status an earlier call's, each system's own: in the model that
     * status is not the one the last error came from, and it is not compared. A call that
     * raised in both (HeapAlloc with HEAP_GENERATE_EXCEPTIONS) returned nothing and set
     * nothing: the exception is its answer. */
    if (failed(spec, model) && failed(spec, other) && !(model->exception && other->exception)) {
        gboolean from_status = vs_status_to_win32(model->last_status) == model->last_error;
        if (model->last_error != other->last_error)
            vs_diverge(divergences, "GetLastError", model->last_error, other->last_error);
        else if (from_status && model->last_status != other->last_status)
            vs_diverge(divergences, "RtlGetLastNtStatus", model->last_status, other->last_status);
    }
    if (!returns_exception(op->kind) && model->exception != other->exception)
        vs_diverge(divergences, "exception", model->exception, other->exception);
    if (model->exception && model->exception == other->exception &&
        model->exception_access != other->exception_access)
        vs_diverge(divergences, "ExceptionInformation[0]", model->exception_access,
                   other->exception_access);
    compare_outs(relations, op, model, other, divergences);
    if (model->has_mbi && other->has_mbi && model->ret && other->ret)
        compare_mbi(relations, &model->mbi, &other->mbi, divergences);
    compare_record(relations, model, other, divergences);
    return divergences->len - before;
}
