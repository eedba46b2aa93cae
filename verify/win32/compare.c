/*
 * compare.c - address relations between two systems, and the field-by-field comparison of outcomes.
 */
#include <string.h>

#include "compare.h"

#define GRANULE VS_GRANULARITY

static uint64_t round_up(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }

/* ---- Relations -------------------------------------------------------------------------------- */

/* Pairs are kept disjoint, by model start, in a balanced tree: lookups are O(log n) however long
 * a fuzz run grows. A new pair cuts whatever older pairs it overlaps (the newest allocation at an
 * address is the one that counts); what is left of them keeps its translation. */
static gint compare_starts(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void)unused;
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

GHashTable *vs_relations_pid_table_new(void)
{
    return g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

void vs_relations_init(VsRelations *relations)
{
    relations->pairs = g_tree_new_full(compare_starts, NULL, NULL, g_free);
    relations->handles = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    relations->pids = vs_relations_pid_table_new();
    relations->own_pids = TRUE;
}

void vs_relations_share_pids(VsRelations *relations, GHashTable *pids)
{
    if (relations->own_pids)
        g_hash_table_destroy(relations->pids);
    relations->pids = pids;
    relations->own_pids = FALSE;
}

void vs_relations_clear(VsRelations *relations)
{
    if (relations->pairs)
        g_tree_destroy(relations->pairs);
    if (relations->handles)
        g_hash_table_destroy(relations->handles);
    if (relations->pids && relations->own_pids)
        g_hash_table_destroy(relations->pids);
    *relations = (VsRelations){0};
}

/* A value pair in one of the tables (handles, process ids). */
static void relate(GHashTable *table, uint64_t model, uint64_t other)
{
    g_hash_table_insert(table, g_memdup2(&model, sizeof model), g_memdup2(&other, sizeof other));
}

static uint64_t related(GHashTable *table, uint64_t model)
{
    const uint64_t *other = g_hash_table_lookup(table, &model);
    return other ? *other : model;
}

static void insert_pair(VsRelations *relations, VsPair pair)
{
    VsPair *stored = g_memdup2(&pair, sizeof pair);
    g_tree_insert(relations->pairs, &stored->model, stored);
}

/* The pair with the greatest start at or below model, or NULL. */
static VsPair *pair_at_or_below(const VsRelations *relations, uint64_t model)
{
    GTreeNode *node = g_tree_upper_bound(relations->pairs, &model);
    node = node ? g_tree_node_previous(node) : g_tree_node_last(relations->pairs);
    return node ? g_tree_node_value(node) : NULL;
}

void vs_relations_add(VsRelations *relations, uint64_t model, uint64_t other, uint64_t size)
{
    uint64_t end = model + size;
    for (;;) {
        VsPair *old = pair_at_or_below(relations, end - 1);
        if (!old || old->model + old->size <= model)
            break;
        VsPair cut = *old;
        g_tree_remove(relations->pairs, &cut.model);
        if (cut.model < model)
            insert_pair(relations, (VsPair){cut.model, cut.other, model - cut.model});
        if (cut.model + cut.size > end)
            insert_pair(relations, (VsPair){end, cut.other + (end - cut.model),
                                            cut.model + cut.size - end});
        if (cut.model < model)
            break; /* nothing lower can reach into the new range */
    }
    insert_pair(relations, (VsPair){model, other, size});
}

/* The pair holding the address; failing that, the one it ends (an address one past an
 * allocation, as a range's end is). An allocation that starts where another ends holds it. */
const VsPair *vs_relations_pair(const VsRelations *relations, uint64_t model)
{
    const VsPair *pair = pair_at_or_below(relations, model);
    if (pair && model - pair->model <= pair->size)
        return pair;
    return NULL;
}

uint64_t vs_relations_to_other(const VsRelations *relations, uint64_t model)
{
    const VsPair *pair = vs_relations_pair(relations, model);
    return pair ? pair->other + (model - pair->model) : model;
}

typedef struct ToModel {
    uint64_t other, model;
    gboolean found;
} ToModel;

static gboolean find_other(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    const VsPair *pair = value;
    ToModel *t = data;
    if (t->other >= pair->other && t->other - pair->other < pair->size) {
        t->model = pair->model + (t->other - pair->other);
        t->found = TRUE;
    }
    return t->found;
}

/* Rare (an allocation only the other system made): a walk will do. */
uint64_t vs_relations_to_model(const VsRelations *relations, uint64_t other)
{
    ToModel t = {other, other, FALSE};
    g_tree_foreach(relations->pairs, find_other, &t);
    return t.model;
}

void vs_relations_translate(const VsRelations *relations, const VsOp *op, VsOp *other)
{
    *other = *op;
    int arg = vs_op_address_arg(op->kind);
    if (arg >= 0)
        other->arg[arg] = vs_relations_to_other(relations, op->arg[arg]);
    uint32_t handles = vs_op_spec(op->kind)->handle_args;
    for (int i = 0; i < VS_OP_MAX_ARGS; i++)
        if (handles & (1u << i))
            other->arg[i] = related(relations->handles, op->arg[i]);
    if (op->kind == VS_OP_OPEN_PROCESS)
        other->arg[2] = related(relations->pids, op->arg[2]);
    /* An address window given inside a known allocation moves with it; others stay absolute. */
    VsMemAddressRequirements *r = &other->requirements;
    if (r->LowestStartingAddress && vs_relations_pair(relations, r->LowestStartingAddress))
        r->LowestStartingAddress = vs_relations_to_other(relations, r->LowestStartingAddress);
    if (r->HighestEndingAddress && vs_relations_pair(relations, r->HighestEndingAddress))
        r->HighestEndingAddress = vs_relations_to_other(relations, r->HighestEndingAddress);
}

/* ---- Formatting ------------------------------------------------------------------------------- */

void vs_divergence_free(VsDivergence *divergence)
{
    g_free(divergence->field);
    g_free(divergence->model);
    g_free(divergence->other);
    g_free(divergence);
}

static gboolean field_is(const char *field, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(field, *names) == 0)
            return TRUE;
    return FALSE;
}

char *vs_compare_format(const char *field, uint64_t value)
{
    static const char *const protections[] = {"Protect", "AllocationProtect", "OldProtect", NULL};
    static const char *const statuses[] = {"status", "exception", "RtlGetLastNtStatus", NULL};
    char buf[160];
    if (field_is(field, protections))
        return g_strdup(vs_protect_string((uint32_t)value, buf, sizeof buf));
    if (strcmp(field, "State") == 0 || strcmp(field, "Type") == 0) {
        /* each by its own names: MEM_IMAGE's value is also MEM_RESET_UNDO's */
        const char *name = field[0] == 'S' ? vs_mem_state_name((uint32_t)value)
                                           : vs_mem_type_name((uint32_t)value);
        if (name || value == 0)
            return g_strdup(name ? name : "0");
        return g_strdup_printf("0x%" G_GINT64_MODIFIER "X", value);
    }
    if (field_is(field, statuses)) {
        const char *name = vs_status_name((VsStatus)value);
        return g_strdup_printf("0x%08" G_GINT64_MODIFIER "X%s%s", value, name ? " " : "",
                               name ? name : "");
    }
    if (strcmp(field, "errno") == 0) {
        const char *name = vs_errno_name((uint32_t)value);
        return g_strdup_printf("%" G_GUINT64_FORMAT "%s%s", value, name ? " " : "",
                               name ? name : "");
    }
    if (strcmp(field, "signal") == 0)
        return g_strdup(value == VS_SIGSEGV ? "SIGSEGV" : value == VS_SIGBUS ? "SIGBUS"
                        : value == 0        ? "none" : "?");
    if (strcmp(field, "GetLastError") == 0) {
        const char *name = vs_win32_error_name((uint32_t)value);
        return g_strdup_printf("%" G_GUINT64_FORMAT "%s%s", value, name ? " " : "",
                               name ? name : "");
    }
    if (value < 10)
        return g_strdup_printf("%" G_GUINT64_FORMAT, value);
    return g_strdup_printf("0x%" G_GINT64_MODIFIER "x", value);
}

static void diverge(GPtrArray *divergences, const char *field, uint64_t model, uint64_t other)
{
    VsDivergence *d = g_new0(VsDivergence, 1);
    d->field = g_strdup(field);
    d->model = vs_compare_format(field, model);
    d->other = vs_compare_format(field, other);
    d->model_value = model;
    d->other_value = other;
    g_ptr_array_add(divergences, d);
}

static void diverge_text(GPtrArray *divergences, const char *field, const char *model,
                         const char *other)
{
    VsDivergence *d = g_new0(VsDivergence, 1);
    d->field = g_strdup(field);
    d->model = g_strdup(model);
    d->other = g_strdup(other);
    g_ptr_array_add(divergences, d);
}

void vs_diverge(GPtrArray *divergences, const char *field, uint64_t model, uint64_t other)
{
    diverge(divergences, field, model, other);
}

void vs_diverge_text(GPtrArray *divergences, const char *field, const char *model,
                     const char *other)
{
    diverge_text(divergences, field, model, other);
}

/* ---- Comparing -------------------------------------------------------------------------------- */

/* An address both systems report: translated through the pairs, or a new pair when both chose it
 * themselves (chosen is TRUE), in which case only the granularity must agree. */
static void compare_address(VsRelations *relations, GPtrArray *divergences, const char *field,
                            uint64_t model, uint64_t other, gboolean chosen, uint64_t size)
{
    if ((model == 0) != (other == 0)) {
        diverge(divergences, field, model, other);
        return;
    }
    if (model == 0)
        return;
    if (chosen) {
        if (model % GRANULE != other % GRANULE)
            diverge_text(divergences, "alignment", "64 KB aligned", "not 64 KB aligned");
        vs_relations_add(relations, model, other, round_up(size ? size : 1, GRANULE));
        return;
    }
    uint64_t expected = vs_relations_to_other(relations, model);
    if (expected != other)
        diverge(divergences, field, expected, other);
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
    case VS_RETURN_SIZE:
        return outcome->ret == 0;
    default:
        return FALSE;
    }
}

static void compare_return(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                           const VsOutcome *other, GPtrArray *divergences)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    switch (spec->returns) {
    case VS_RETURN_POINTER: {
        /* An allocation or view lands where each system chooses unless the call names a base;
         * a view is paired by the size the model gave it. */
        int base = vs_op_address_arg(op->kind);
        gboolean chosen = base < 0 || op->arg[base] == 0;
        uint64_t size = vs_op_maps_view(op->kind) ? model->made_size
                                                  : op->arg[vs_op_size_arg(op->kind)];
        compare_address(relations, divergences, "return", model->ret, other->ret, chosen, size);
        break;
    }
    case VS_RETURN_BOOL:
        if (!model->ret != !other->ret)
            diverge(divergences, "return", model->ret, other->ret);
        break;
    case VS_RETURN_STATUS:
        if (model->ret != other->ret)
            diverge(divergences, "status", model->ret, other->ret);
        break;
    case VS_RETURN_SIZE:
    case VS_RETURN_VALUE:
    case VS_RETURN_MMAP: /* Linux calls are compared by the POSIX session (posix.c) */
    case VS_RETURN_INT:
        if (model->ret != other->ret)
            diverge(divergences, op->kind == VS_OP_GET_LAST_ERROR         ? "GetLastError"
                                 : op->kind == VS_OP_RTL_GET_LAST_NT_STATUS ? "RtlGetLastNtStatus"
                                 : op->kind == VS_OP_WRITE                  ? "exception"
                                                                            : "return",
                    model->ret, other->ret);
        break;
    case VS_RETURN_NONE:
        break;
    case VS_RETURN_FILE_HANDLE:
        if ((model->ret == VS_INVALID_HANDLE_VALUE) != (other->ret == VS_INVALID_HANDLE_VALUE))
            diverge(divergences, "return", model->ret, other->ret);
        else if (model->ret != VS_INVALID_HANDLE_VALUE)
            relate(relations->handles, model->ret, other->ret);
        break;
    case VS_RETURN_HANDLE:
        /* Each system picks its own handle values: open in both is the same answer. */
        if (!model->ret != !other->ret)
            diverge(divergences, "return", model->ret, other->ret);
        else if (model->ret)
            relate(relations->handles, model->ret, other->ret);
        break;
    case VS_RETURN_PROCESS_ID:
        relate(relations->pids, model->ret, other->ret);
        break;
    }
}

/* The names of by-reference arguments, as the out-parameters are called in reports. */
static const char *out_name(const VsOp *op, int i)
{
    if (op->kind == VS_OP_VIRTUAL_PROTECT || op->kind == VS_OP_VIRTUAL_PROTECT_EX ||
        (op->kind == VS_OP_NT_PROTECT && i == 4))
        return "OldProtect";
    if (op->kind == VS_OP_GET_PROCESS_WORKING_SET_SIZE)
        return i == 1 ? "MinimumWorkingSetSize" : "MaximumWorkingSetSize";
    if (op->kind == VS_OP_NT_MAP_VIEW)
        return i == 2 ? "BaseAddress" : i == 5 ? "SectionOffset" : "ViewSize";
    return i == 1 ? "BaseAddress" : "RegionSize";
}

static void compare_outs(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                         const VsOutcome *other, GPtrArray *divergences)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    uint32_t both = model->out_written & other->out_written;
    for (int i = 0; i < spec->arity; i++) {
        if (!(both & (1u << i)))
            continue;
        if (spec->address_args & (1u << i)) {
            /* NtAllocateVirtualMemory with a NULL base chooses the address: a new pair. */
            gboolean chosen = (op->kind == VS_OP_NT_ALLOCATE || op->kind == VS_OP_NT_MAP_VIEW) &&
                              op->arg[i] == 0;
            uint64_t size = op->kind == VS_OP_NT_ALLOCATE  ? model->out[3]
                            : op->kind == VS_OP_NT_MAP_VIEW ? model->out[6]
                                                            : 0;
            compare_address(relations, divergences, out_name(op, i), model->out[i],
                            other->out[i], chosen, size);
        } else if (model->out[i] != other->out[i]) {
            diverge(divergences, out_name(op, i), model->out[i], other->out[i]);
        }
    }
}

static void compare_mbi(VsRelations *relations, const VsMemoryBasicInformation *m,
                        const VsMemoryBasicInformation *o, GPtrArray *divergences)
{
    compare_address(relations, divergences, "BaseAddress", m->BaseAddress, o->BaseAddress, FALSE,
                    0);
    compare_address(relations, divergences, "AllocationBase", m->AllocationBase,
                    o->AllocationBase, FALSE, 0);
    if (m->AllocationProtect != o->AllocationProtect)
        diverge(divergences, "AllocationProtect", m->AllocationProtect, o->AllocationProtect);
    /* A free region runs to the next allocation, wherever each system has one. */
    if (m->RegionSize != o->RegionSize && !(m->State == MEM_FREE && o->State == MEM_FREE))
        diverge(divergences, "RegionSize", m->RegionSize, o->RegionSize);
    if (m->State != o->State)
        diverge(divergences, "State", m->State, o->State);
    if (m->Protect != o->Protect)
        diverge(divergences, "Protect", m->Protect, o->Protect);
    if (m->Type != o->Type)
        diverge(divergences, "Type", m->Type, o->Type);
}

/* A structure's fields, where both systems describe the same thing: QueryWorkingSetEx's block (but
 * its NUMA node), GetWriteWatch's answer (addresses through the pairs). Process counters and the machine's memory status describe a different process
 * and machine in each system, so only the call's result is compared for them. */
static void compare_record(VsRelations *relations, const VsOutcome *model,
                           const VsOutcome *other, GPtrArray *divergences)
{
    if (other->record != model->record)
        return;
    if (model->record == VS_RECORD_WRITE_WATCH) {
        /* The count and granularity as they are; each address written, through the pairs. */
        const VsRecordSpec *spec = vs_record_spec(model->record);
        for (uint32_t i = 0; i < 2; i++)
            if (model->fields[i] != other->fields[i])
                diverge(divergences, spec->fields[i], model->fields[i], other->fields[i]);
        for (uint64_t i = 0; i < model->fields[0] && i < VS_WRITE_WATCH_CAPACITY; i++)
            compare_address(relations, divergences, spec->fields[2 + i], model->fields[2 + i],
                            other->fields[2 + i], FALSE, 0);
        return;
    }
    if (model->record != VS_RECORD_WORKING_SET_EX)
        return;
    const VsRecordSpec *spec = vs_record_spec(model->record);
    for (uint32_t i = 0; i < spec->count; i++)
        if (strcmp(spec->fields[i], "Node") != 0 && model->fields[i] != other->fields[i])
            diverge(divergences, spec->fields[i], model->fields[i], other->fields[i]);
}

guint vs_compare_outcomes(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                          const VsOutcome *other, GPtrArray *divergences)
{
    guint before = divergences->len;
    const VsOpSpec *spec = vs_op_spec(op->kind);
    compare_return(relations, op, model, other, divergences);
    /* A failed Win32 call's last error (and the status it came from) is its answer too; after a
     * success the last error is whatever came before, compared when a scenario asks for it. */
    if (failed(spec, model) && failed(spec, other)) {
        if (model->last_error != other->last_error)
            diverge(divergences, "GetLastError", model->last_error, other->last_error);
        else if (model->last_status != other->last_status)
            diverge(divergences, "RtlGetLastNtStatus", model->last_status, other->last_status);
    }
    if (op->kind != VS_OP_WRITE && model->exception != other->exception)
        diverge(divergences, "exception", model->exception, other->exception);
    compare_outs(relations, op, model, other, divergences);
    if (model->has_mbi && other->has_mbi && model->ret && other->ret)
        compare_mbi(relations, &model->mbi, &other->mbi, divergences);
    compare_record(relations, model, other, divergences);
    return divergences->len - before;
}
