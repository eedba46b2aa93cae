/*
 * relations.c - address pairs and value tables between the model and a real system.
 */
#include "relations.h"

/* ---- Value tables ---------------------------------------------------------------------------- */

GHashTable *vs_values_new(void)
{
    return g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

void vs_values_relate(GHashTable *values, uint64_t model, uint64_t other)
{
    g_hash_table_insert(values, g_memdup2(&model, sizeof model), g_memdup2(&other, sizeof other));
}

uint64_t vs_values_other(GHashTable *values, uint64_t model)
{
    const uint64_t *other = g_hash_table_lookup(values, &model);
    return other ? *other : model;
}

void vs_values_forget(GHashTable *values, uint64_t model) { g_hash_table_remove(values, &model); }

GHashTable *vs_values_copy(GHashTable *values)
{
    GHashTable *copy = vs_values_new();
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, values);
    while (g_hash_table_iter_next(&it, &key, &value))
        vs_values_relate(copy, *(const uint64_t *)key, *(const uint64_t *)value);
    return copy;
}

/* ---- Address pairs --------------------------------------------------------------------------- */

/* Pairs are kept disjoint, by model start, in a balanced tree: lookups are O(log n) however long
 * a fuzz run grows. A new pair cuts whatever older pairs it overlaps (the newest allocation at an
 * address is the one that counts); what is left of them keeps its translation. It cuts them on
 * the other system's side too: there a part an older pair led to is sent nowhere (orphan_other). */
static gint compare_starts(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void)unused;
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void vs_relations_init(VsRelations *relations)
{
    relations->pairs = g_tree_new_full(compare_starts, NULL, NULL, g_free);
    relations->handles = vs_values_new();
    relations->pids = vs_values_new();
    relations->blocks = vs_values_new();
}

void vs_relations_share_pids(VsRelations *relations, GHashTable *pids)
{
    g_hash_table_ref(pids);
    g_hash_table_unref(relations->pids);
    relations->pids = pids;
}

void vs_relations_clear(VsRelations *relations)
{
    if (relations->pairs)
        g_tree_destroy(relations->pairs);
    if (relations->handles)
        g_hash_table_unref(relations->handles);
    if (relations->pids)
        g_hash_table_unref(relations->pids);
    if (relations->blocks)
        g_hash_table_unref(relations->blocks);
    *relations = (VsRelations){0};
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

/* The part of pair from model address start, size bytes long. */
static VsPair part_of(const VsPair *pair, uint64_t start, uint64_t size)
{
    return (VsPair){start, pair->other + (start - pair->model), size, pair->released};
}

/* Stores pair, cutting the older pairs it overlaps in the model. */
static void add_pair(VsRelations *relations, VsPair pair)
{
    uint64_t end = pair.model + pair.size;
    for (;;) {
        VsPair *old = pair_at_or_below(relations, end - 1);
        if (!old || old->model + old->size <= pair.model)
            break;
        VsPair cut = *old;
        g_tree_remove(relations->pairs, &cut.model);
        if (cut.model < pair.model)
            insert_pair(relations, part_of(&cut, cut.model, pair.model - cut.model));
        if (cut.model + cut.size > end)
            insert_pair(relations, part_of(&cut, end, cut.model + cut.size - end));
        if (cut.model < pair.model)
            break; /* nothing lower can reach into the new range */
    }
    insert_pair(relations, pair);
}

typedef struct Orphans {
    uint64_t other, end; /* the other system's range a new pair takes */
    GArray *cut;         /* VsPair: the older pairs' parts that led there, in model terms */
} Orphans;

static gboolean find_orphans(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    const VsPair *pair = value;
    Orphans *o = data;
    uint64_t lo = MAX(pair->other, o->other), hi = MIN(pair->other + pair->size, o->end);
    if (lo < hi && !pair->released) {
        VsPair part = part_of(pair, pair->model + (lo - pair->other), hi - lo);
        g_array_append_val(o->cut, part);
    }
    return FALSE;
}

/* The other system gave [other, other + size) to a new allocation: older pairs whose memory the
 * model still holds and that led there lose that part, which is sent past the other system's user
 * space (VS_RELATIONS_NOWHERE) instead, so a call at the model's older memory (released in the
 * other system alone) never reaches the newer allocation. Pairs of memory the model released
 * keep their translation: fixed bases there mean the same place in both systems (the fuzzer's
 * arena). A walk: pairs are kept by model start. */
static void orphan_other(VsRelations *relations, uint64_t other, uint64_t size)
{
    Orphans o = {other, other + size, g_array_new(FALSE, FALSE, sizeof(VsPair))};
    g_tree_foreach(relations->pairs, find_orphans, &o);
    for (guint i = 0; i < o.cut->len; i++) {
        const VsPair *part = &g_array_index(o.cut, VsPair, i);
        add_pair(relations,
                 (VsPair){part->model, VS_RELATIONS_NOWHERE + part->model, part->size, FALSE});
    }
    g_array_free(o.cut, TRUE);
}

void vs_relations_add(VsRelations *relations, uint64_t model, uint64_t other, uint64_t size)
{
    if (other < VS_RELATIONS_NOWHERE)
        orphan_other(relations, other, size);
    add_pair(relations, (VsPair){model, other, size, FALSE});
}

void vs_relations_released(VsRelations *relations, uint64_t start, uint64_t end)
{
    g_autoptr(GArray) parts = g_array_new(FALSE, FALSE, sizeof(VsPair));
    const VsPair *first = pair_at_or_below(relations, start);
    GTreeNode *node = first ? g_tree_lookup_node(relations->pairs, &first->model)
                            : g_tree_node_first(relations->pairs);
    for (; node; node = g_tree_node_next(node)) {
        const VsPair *pair = g_tree_node_value(node);
        if (pair->model >= end)
            break;
        uint64_t lo = MAX(pair->model, start), hi = MIN(pair->model + pair->size, end);
        if (lo < hi && !pair->released) {
            VsPair part = part_of(pair, lo, hi - lo);
            part.released = TRUE;
            g_array_append_val(parts, part);
        }
    }
    for (guint i = 0; i < parts->len; i++)
        add_pair(relations, g_array_index(parts, VsPair, i));
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

uint64_t vs_relations_nowhere_until(const VsRelations *relations, uint64_t model)
{
    const VsPair *pair = pair_at_or_below(relations, model);
    if (!pair || model - pair->model >= pair->size || pair->other < VS_RELATIONS_NOWHERE)
        return model;
    return pair->model + pair->size;
}

typedef struct ToModel {
    uint64_t other, model;
    gboolean found, held; /* a pair leads there; one of memory the model still holds */
} ToModel;

/* Stops at the pair of memory the model holds that leads to t->other; notes a released one on
 * the way. */
static gboolean find_other(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    const VsPair *pair = value;
    ToModel *t = data;
    if (t->other < pair->other || t->other - pair->other >= pair->size ||
        (t->found && pair->released))
        return FALSE;
    t->model = pair->model + (t->other - pair->other);
    t->found = TRUE;
    t->held = !pair->released;
    return t->held;
}

/* Rare (an allocation only the other system made): a walk will do. Released pairs keep their
 * translation (orphan_other), so several may lead to one address the other system has placed
 * allocations at again and again; the pair of memory the model still holds there (at most one)
 * is its counterpart, and a released one only when none is. */
uint64_t vs_relations_to_model(const VsRelations *relations, uint64_t other)
{
    ToModel t = {other, other, FALSE, FALSE};
    g_tree_foreach(relations->pairs, find_other, &t);
    return t.model;
}

gboolean vs_relations_add_beside(VsRelations *relations, uint64_t model, uint64_t other,
                                 uint64_t size)
{
    ToModel t = {other, other, FALSE, FALSE};
    g_tree_foreach(relations->pairs, find_other, &t);
    const VsPair *older = t.found ? vs_relations_pair(relations, t.model) : NULL;
    if (!older || older->released || older->other >= VS_RELATIONS_NOWHERE)
        return FALSE;
    add_pair(relations, (VsPair){model, other, size, FALSE});
    return TRUE;
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
            other->arg[i] = vs_values_other(relations->handles, op->arg[i]);
    if (op->kind == VS_OP_OPEN_PROCESS)
        other->arg[2] = vs_values_other(relations->pids, op->arg[2]);
    if (op->thread)
        other->thread = vs_values_other(relations->handles, op->thread);
    /* An end (a stack's StackBase) goes with the byte before it, in the same allocation. */
    uint32_t ends = vs_op_spec(op->kind)->end_args;
    for (int i = 0; i < VS_OP_MAX_ARGS; i++)
        if ((ends & (1u << i)) && op->arg[i])
            other->arg[i] = vs_relations_to_other(relations, op->arg[i] - 1) + 1;
    /* An address window given inside a known allocation (both ends in the one pair: a
     * placeholder the system placed, say) moves with it; any other is absolute, both its ends,
     * as a window a scenario names in the address space. */
    for (uint32_t k = 0; k < other->parameter_count; k++) {
        VsMemAddressRequirements *r = &other->parameters[k].requirements;
        if (other->parameters[k].type != MemExtendedParameterAddressRequirements)
            continue;
        const VsPair *low = r->LowestStartingAddress
                                ? vs_relations_pair(relations, r->LowestStartingAddress)
                                : NULL;
        if (low && r->HighestEndingAddress &&
            vs_relations_pair(relations, r->HighestEndingAddress) == low) {
            r->LowestStartingAddress = vs_relations_to_other(relations, r->LowestStartingAddress);
            r->HighestEndingAddress = vs_relations_to_other(relations, r->HighestEndingAddress);
        }
    }
}
