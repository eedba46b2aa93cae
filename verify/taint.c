/*
 * taint.c - ranges left apart by known divergences (taint.h).
 */
#include "taint.h"

GArray *vs_taints_new(void) { return g_array_new(FALSE, FALSE, sizeof(VsTaint)); }

void vs_taints_add(GArray *taints, uint64_t start, uint64_t end, const char *id)
{
    VsTaint t = {start, end, id};
    for (guint i = taints->len; i-- > 0;) {
        const VsTaint *old = &g_array_index(taints, VsTaint, i);
        if (old->start <= t.end && t.start <= old->end && g_strcmp0(old->id, t.id) == 0) {
            t.start = MIN(t.start, old->start);
            t.end = MAX(t.end, old->end);
            g_array_remove_index_fast(taints, i);
        }
    }
    g_array_append_val(taints, t);
}

void vs_taints_add_granules(GArray *taints, uint64_t start, uint64_t end, uint64_t granule,
                            const char *id)
{
    g_assert(granule && !(granule & (granule - 1)));
    uint64_t mask = granule - 1;
    vs_taints_add(taints, start & ~mask,
                  end > UINT64_MAX - mask ? UINT64_MAX : (end + mask) & ~mask, id);
}

gboolean vs_taints_add_pages_inward(GArray *taints, uint64_t address, uint64_t size, uint64_t page,
                                    const char *id)
{
    g_assert(page && !(page & (page - 1)));
    uint64_t mask = page - 1;
    if (address > UINT64_MAX - mask || size > UINT64_MAX - address)
        return FALSE; /* a range that wraps: no system resets it */
    uint64_t start = (address + mask) & ~mask, end = (address + size) & ~mask;
    if (start >= end)
        return FALSE;
    vs_taints_add(taints, start, end, id);
    return TRUE;
}

void vs_taints_remove(GArray *taints, uint64_t start, uint64_t end)
{
    for (guint i = taints->len; i-- > 0;) {
        VsTaint t = g_array_index(taints, VsTaint, i);
        if (end <= t.start || t.end <= start)
            continue;
        g_array_remove_index_fast(taints, i);
        VsTaint before = {t.start, start, t.id}, after = {end, t.end, t.id};
        if (t.start < start)
            g_array_append_val(taints, before);
        if (end < t.end)
            g_array_append_val(taints, after);
    }
}

const char *vs_taints_over(const GArray *taints, uint64_t start, uint64_t end)
{
    const char *over = NULL;
    for (guint i = taints->len; i-- > 0;) {
        const VsTaint *t = &g_array_index(taints, VsTaint, i);
        if (t->start <= start && start < t->end)
            return t->id;
        if (!over && start < t->end && t->start < end)
            over = t->id;
    }
    return over;
}

void vs_taints_lift(GArray *taints, VsAgreeFn agree, void *context)
{
    for (guint i = taints->len; i-- > 0;) {
        const VsTaint *t = &g_array_index(taints, VsTaint, i);
        if (agree(context, t->start, t->end))
            g_array_remove_index_fast(taints, i);
    }
}

/* ---- Handles one system made alone ---------------------------------------------------------- */

typedef struct VsHandleTaint {
    const char *id;
    gboolean in_model; /* the model holds the object; else the other system does */
} VsHandleTaint;

GHashTable *vs_handle_taints_new(void)
{
    return g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

void vs_handle_taints_add(GHashTable *taints, uint64_t handle, gboolean in_model, const char *id)
{
    VsHandleTaint t = {id, in_model};
    g_hash_table_insert(taints, g_memdup2(&handle, sizeof handle), g_memdup2(&t, sizeof t));
}

void vs_handle_taints_remove(GHashTable *taints, uint64_t handle)
{
    g_hash_table_remove(taints, &handle);
}

void vs_handle_taints_closed(GHashTable *taints, uint64_t handle, gboolean model_closed,
                             gboolean other_closed)
{
    const VsHandleTaint *t = g_hash_table_lookup(taints, &handle);
    if (t && (t->in_model ? model_closed : other_closed))
        g_hash_table_remove(taints, &handle);
}

const char *vs_handle_taints_over(GHashTable *taints, const VsOp *op)
{
    const VsHandleTaint *t = op->thread ? g_hash_table_lookup(taints, &op->thread) : NULL;
    uint32_t handles = vs_op_spec(op->kind)->handle_args;
    for (int i = 0; !t && i < VS_OP_MAX_ARGS; i++)
        if (handles & (1u << i))
            t = g_hash_table_lookup(taints, &op->arg[i]);
    return t ? t->id : NULL;
}
