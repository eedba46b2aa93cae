/*
 * summary.c - the tables of a scene (table.h).
 *
 * The summary by state is !address -summary's, as `show summary` prints it, counted from the
 * scene's VirtualQuery walk: regions, bytes and the share of user space for free, reserved and
 * committed memory, then committed bytes by protection. (The walk splits a free region into its
 * unusable head and the rest; counted here as the one region VirtualQuery returned.) VMMap's
 * summary by type and its detail list belong beside it, read from the same regions.
 */
#include <stdio.h>

#include "table.h"

VvTable *vv_table_new(const char *title, guint columns, const char *const *headers,
                      const gboolean *numeric)
{
    VvTable *t = g_new0(VvTable, 1);
    t->title = g_strdup(title);
    t->columns = columns;
    t->headers = g_new0(char *, columns + 1);
    t->numeric = g_new0(gboolean, columns);
    for (guint c = 0; c < columns; c++) {
        t->headers[c] = g_strdup(headers[c]);
        t->numeric[c] = numeric[c];
    }
    t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    return t;
}

void vv_table_add_row(VvTable *t, const char *const *cells)
{
    char **row = g_new0(char *, t->columns + 1);
    for (guint c = 0; c < t->columns; c++)
        row[c] = g_strdup(cells[c] ? cells[c] : "");
    g_ptr_array_add(t->rows, row);
}

void vv_table_free(VvTable *t)
{
    if (!t)
        return;
    g_free(t->title);
    g_strfreev(t->headers);
    g_free(t->numeric);
    g_ptr_array_free(t->rows, TRUE);
    g_free(t);
}

/* A share of user space that says something at every size: two significant digits however small
 * ("0.000096%" of 128 TB, not "0.00%"). */
static void percent_text(uint64_t part, uint64_t whole, char *buf, size_t len)
{
    double percent = whole ? 100.0 * (double)part / (double)whole : 0;
    int decimals = 1;
    for (double p = percent; p > 0 && p < 1 && decimals < 14; p *= 10)
        decimals++;
    snprintf(buf, len, "%.*f%%", percent > 0 && percent < 1 ? decimals : 2, percent);
}

static VvTable *by_state(const VvScene *scene, const VvProcessScene *process)
{
    static const char *const headers[] = {"State", "Regions", "Bytes", "% of user space"};
    static const gboolean numeric[] = {FALSE, TRUE, TRUE, TRUE};
    static const uint32_t states[] = {MEM_FREE, MEM_RESERVE, MEM_COMMIT};
    g_autofree char *title = g_strdup_printf("Address space of %s by state", process->name);
    VvTable *t = vv_table_new(title, 4, headers, numeric);
    uint64_t regions[3] = {0}, bytes[3] = {0};
    for (guint i = 0; i < process->regions->len; i++) {
        const VvRegion *r = &g_array_index(process->regions, VvRegion, i);
        int s = r->state == MEM_FREE ? 0 : r->state == MEM_RESERVE ? 1 : 2;
        bool continued =
            s == 0 && i > 0 && g_array_index(process->regions, VvRegion, i - 1).state == MEM_FREE;
        regions[s] += !continued;
        bytes[s] += r->end - r->start;
    }
    for (int s = 0; s < 3; s++) {
        char count[32], size[32], share[32];
        snprintf(count, sizeof count, "%llu", (unsigned long long)regions[s]);
        snprintf(size, sizeof size, "0x%llX", (unsigned long long)bytes[s]);
        percent_text(bytes[s], scene->highest_address + 1, share, sizeof share);
        vv_table_add_row(t,
                         (const char *const[]){vs_mem_state_name(states[s]), count, size, share});
    }
    return t;
}

static VvTable *committed_by_protection(const VvProcessScene *process)
{
    static const char *const headers[] = {"Protection", "Committed bytes"};
    static const gboolean numeric[] = {FALSE, TRUE};
    VvTable *t = vv_table_new("Committed memory by protection", 2, headers, numeric);
    GHashTable *bytes = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    for (guint i = 0; i < process->regions->len; i++) {
        const VvRegion *r = &g_array_index(process->regions, VvRegion, i);
        if (r->state != MEM_COMMIT)
            continue;
        uint64_t *total = g_hash_table_lookup(bytes, GUINT_TO_POINTER(r->protect));
        if (!total)
            g_hash_table_insert(bytes, GUINT_TO_POINTER(r->protect), total = g_new0(uint64_t, 1));
        *total += r->end - r->start;
    }
    /* In protection order, as show summary prints them, so the table is stable. */
    for (uint32_t protect = 1; protect < 0x800; protect++) {
        uint64_t *total = g_hash_table_lookup(bytes, GUINT_TO_POINTER(protect));
        if (!total)
            continue;
        char name[96], size[32];
        vs_protect_string(protect, name, sizeof name);
        snprintf(size, sizeof size, "0x%llX", (unsigned long long)*total);
        vv_table_add_row(t, (const char *const[]){name, size});
    }
    g_hash_table_destroy(bytes);
    return t;
}

GPtrArray *vv_scene_tables(const VvScene *scene)
{
    GPtrArray *tables = g_ptr_array_new_with_free_func((GDestroyNotify)vv_table_free);
    if (!scene->processes->len)
        return tables;
    const VvProcessScene *process = g_ptr_array_index(scene->processes, scene->current);
    g_ptr_array_add(tables, by_state(scene, process));
    g_ptr_array_add(tables, committed_by_protection(process));
    return tables;
}
