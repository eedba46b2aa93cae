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
 * address is the one that counts); what is left of them keeps its translation. */
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
            insert_pair(relations,
                        (VsPair){end, cut.other + (end - cut.model), cut.model + cut.size - end});
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
            other->arg[i] = vs_values_other(relations->handles, op->arg[i]);
    if (op->kind == VS_OP_OPEN_PROCESS)
        other->arg[2] = vs_values_other(relations->pids, op->arg[2]);
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
