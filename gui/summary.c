/*
 * summary.c - the tables of a scene (table.h).
 *
 * First VMMap's summary by type (the rows in use, Total first), as `show summary` prints it,
 * from the scene's VMMap walk (scenario/vmmap.c); then !address -summary's by state: regions,
 * bytes and the share of user space for free, reserved and committed memory (the walk splits a
 * free region into its unusable head and the rest; counted here as the one region VirtualQuery
 * returned), and committed bytes by protection; last VMMap's detail list of the regions in use, as
 * `show regions` prints it. A Linux system's are in its words: its types, unmapped and mapped,
 * PROT_*.
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

/* The rows of VMMap's summary by type that hold anything, Total first. */
static VvTable *by_type(const VvScene *scene, const VvProcessScene *process)
{
    static const char *const headers[] = {"Type",    "Size",        "Committed",
                                          "Private", "Working Set", "Blocks"};
    static const char *const linux_headers[] = {"Type", "Size", "Resident", "Ranges"};
    static const gboolean numeric[] = {FALSE, TRUE, TRUE, TRUE, TRUE, TRUE};
    const VsVmmap *map = process->vmmap;
    bool linux_words = scene->linux_words;
    g_autofree char *title = g_strdup_printf("%s of %s by type (VMMap)",
                                             linux_words ? "Mappings" : "Memory", process->name);
    VvTable *t =
        vv_table_new(title, linux_words ? 4 : 6, linux_words ? linux_headers : headers, numeric);
    for (int type = -1; type < VS_VMMAP_TYPE_COUNT; type++) {
        const VsVmmapTotals *row = type < 0 ? &map->all : &map->total[type];
        if (type >= 0 && !row->size)
            continue;
        char size[32], committed[32], private_bytes[32], ws[32], blocks[32];
        vs_vmmap_size_short(row->size, size, sizeof size);
        vs_vmmap_size_short(row->committed, committed, sizeof committed);
        vs_vmmap_size_short(row->private_bytes, private_bytes, sizeof private_bytes);
        vs_vmmap_size_short(row->working_set, ws, sizeof ws);
        snprintf(blocks, sizeof blocks, "%llu", (unsigned long long)row->blocks);
        const char *name = type < 0 ? "Total" : vs_vmmap_type_name(type, linux_words);
        if (linux_words)
            vv_table_add_row(t, (const char *const[]){name, size, ws, blocks});
        else
            vv_table_add_row(
                t, (const char *const[]){name, size, committed, private_bytes, ws, blocks});
    }
    return t;
}

/* VMMap's detail list: the regions in use (free and unusable ones are the fragmentation view's),
 * at most max of them. */
static VvTable *detail_list(const VvScene *scene, const VvProcessScene *process, guint max)
{
    static const char *const headers[] = {"Address",   "Type",       "Size",
                                          "Committed", "Protection", "Details"};
    static const char *const linux_headers[] = {"Address",  "Type",       "Size",
                                                "Resident", "Protection", "Details"};
    static const gboolean numeric[] = {FALSE, FALSE, TRUE, TRUE, FALSE, FALSE};
    bool linux_words = scene->linux_words;
    VvTable *t = vv_table_new("Regions in use (VMMap's detail list)", 6,
                              linux_words ? linux_headers : headers, numeric);
    const GArray *regions = process->vmmap->regions;
    guint shown = 0, more = 0;
    for (guint i = 0; i < regions->len; i++) {
        const VsVmmapRegion *r = &g_array_index(regions, VsVmmapRegion, i);
        if (r->state == MEM_FREE)
            continue;
        if (shown == max) {
            more++;
            continue;
        }
        char address[32], size[32], second[32], protect[96];
        snprintf(address, sizeof address, "0x%llX", (unsigned long long)r->base);
        vs_vmmap_size_short(r->size, size, sizeof size);
        vs_vmmap_size_short(linux_words ? r->working_set : r->committed, second, sizeof second);
        if (r->state == MEM_RESERVE)
            g_strlcpy(protect, "(reserved)", sizeof protect);
        else
            vs_words_protection_in(linux_words, r->protect, protect, sizeof protect);
        vv_table_add_row(t, (const char *const[]){address, vs_vmmap_type_name(r->type, linux_words),
                                                  size, second, protect, r->details});
        shown++;
    }
    if (more) {
        char rest[64];
        snprintf(rest, sizeof rest, "%u more", more);
        vv_table_add_row(t, (const char *const[]){rest, "", "", "", "", ""});
    }
    return t;
}

static VvTable *by_state(const VvScene *scene, const VvProcessScene *process)
{
    static const char *const headers[] = {"State", "Regions", "Bytes", "% of user space"};
    static const char *const linux_headers[] = {"State", "Ranges", "Bytes", "% of user space"};
    static const gboolean numeric[] = {FALSE, TRUE, TRUE, TRUE};
    static const uint32_t states[] = {MEM_FREE, MEM_RESERVE, MEM_COMMIT};
    /* Linux: unmapped and mapped (a mapping is all there; PROT_NONE is mapped too). */
    static const char *const linux_states[] = {"unmapped", "mapped"};
    bool linux_words = scene->linux_words;
    g_autofree char *title = g_strdup_printf("Address space of %s by state", process->name);
    VvTable *t = vv_table_new(title, 4, linux_words ? linux_headers : headers, numeric);
    uint64_t regions[3] = {0}, bytes[3] = {0};
    for (guint i = 0; i < process->regions->len; i++) {
        const VvRegion *r = &g_array_index(process->regions, VvRegion, i);
        int s = r->state == MEM_FREE ? 0 : r->state == MEM_RESERVE || linux_words ? 1 : 2;
        bool continued =
            s == 0 && i > 0 && g_array_index(process->regions, VvRegion, i - 1).state == MEM_FREE;
        regions[s] += !continued;
        bytes[s] += r->end - r->start;
    }
    for (int s = 0; s < (linux_words ? 2 : 3); s++) {
        char count[32], size[32], share[32];
        snprintf(count, sizeof count, "%llu", (unsigned long long)regions[s]);
        snprintf(size, sizeof size, "0x%llX", (unsigned long long)bytes[s]);
        vs_vmmap_percent(bytes[s], scene->highest_address + 1, share, sizeof share);
        const char *name = linux_words ? linux_states[s] : vs_mem_state_name(states[s]);
        vv_table_add_row(t, (const char *const[]){name, count, size, share});
    }
    return t;
}

static VvTable *committed_by_protection(const VvScene *scene, const VvProcessScene *process)
{
    static const char *const headers[] = {"Protection", "Committed bytes"};
    static const char *const linux_headers[] = {"Protection", "Mapped bytes"};
    static const gboolean numeric[] = {FALSE, TRUE};
    bool linux_words = scene->linux_words;
    VvTable *t =
        vv_table_new(linux_words ? "Mapped memory by protection" : "Committed memory by protection",
                     2, linux_words ? linux_headers : headers, numeric);
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
        vs_words_protection_in(linux_words, protect, name, sizeof name);
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
    g_ptr_array_add(tables, by_type(scene, process));
    g_ptr_array_add(tables, by_state(scene, process));
    g_ptr_array_add(tables, committed_by_protection(scene, process));
    g_ptr_array_add(tables, detail_list(scene, process, 256));
    return tables;
}
