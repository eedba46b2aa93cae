/*
 * show_vmmap.c - VMMap's three views of a process as text and as data: its summary by type (the
 * first part of `show summary`), its detail list (`show regions`) and its fragmentation view (`show
 * fragmentation`), read from vmmap.c's walk. Sizes are in K as VMMap prints them; in a Linux
 * system the types are named in Linux's words and the columns are what Linux counts (a mapping's
 * size and resident bytes), since it has no commit per region to show.
 */
#include "runner_int.h"

/* The columns the two systems show of a row of the summary by type. */
static void append_type_row(GString *out, const VsVmmap *map, const char *name,
                            const VsVmmapTotals *t, gboolean address_space)
{
    char size[32], committed[32], private_bytes[32], ws[32], largest[32], share[32];
    vs_vmmap_kilobytes(t->size, size, sizeof size);
    vs_vmmap_kilobytes(t->committed, committed, sizeof committed);
    vs_vmmap_kilobytes(t->private_bytes, private_bytes, sizeof private_bytes);
    vs_vmmap_kilobytes(t->working_set, ws, sizeof ws);
    vs_vmmap_kilobytes(t->largest, largest, sizeof largest);
    if (address_space)
        vs_vmmap_percent(t->size, map->space, share, sizeof share);
    else
        g_strlcpy(share, "-", sizeof share); /* page tables: not user address space */
    if (map->linux_words)
        g_string_append_printf(out, "      %-18s %19s %13s %7" G_GUINT64_FORMAT " %19s %12s\n",
                               name, size, ws, t->blocks, largest, share);
    else
        g_string_append_printf(out,
                               "      %-13s %19s %13s %13s %13s %7" G_GUINT64_FORMAT " %19s %12s\n",
                               name, size, committed, private_bytes, ws, t->blocks, largest, share);
}

/* VMMap's summary by type, with its Total (everything but Free) first. */
void vs_show_vmmap_types(VsRunner *runner, const VsVmmap *map)
{
    GString *out = runner->out;
    if (map->linux_words)
        g_string_append_printf(out, "      %-18s %19s %13s %7s %19s %12s\n", "Type", "Size",
                               "Resident", "Ranges", "Largest", "% of total");
    else
        g_string_append_printf(out, "      %-13s %19s %13s %13s %13s %7s %19s %12s\n", "Type",
                               "Size", "Committed", "Private", "Working Set", "Blocks", "Largest",
                               "% of total");
    append_type_row(out, map, "Total", &map->all, TRUE);
    for (int type = 0; type < VS_VMMAP_TYPE_COUNT; type++) {
        if (map->linux_words && (type == VS_VMMAP_MANAGED_HEAP || type == VS_VMMAP_UNUSABLE))
            continue; /* Linux has no managed heaps and no allocation granularity */
        append_type_row(out, map, vs_vmmap_type_name(type, map->linux_words), &map->total[type],
                        type != VS_VMMAP_PAGE_TABLE);
    }
}

/* A region's protection: as VirtualQuery (or a VMA) says for committed memory, "reserved" for
 * reserved memory, nothing for free. */
static const char *region_protection(VsRunner *runner, const VsVmmapRegion *r, char *buf,
                                     size_t len)
{
    if (r->state == MEM_FREE)
        return "";
    if (r->state == MEM_RESERVE)
        return "(reserved)";
    return vs_words_protection(runner, r->protect, buf, len);
}

/* VMMap's detail list: every region in address order with its type, sizes, protection and
 * details (the file or section a view maps, the heap or stack, KUSER_SHARED_DATA). */
gboolean vs_show_regions(VsRunner *runner, uint64_t argument, GError **error)
{
    VsVmmap *map = vs_vmmap_read(runner, vs_runner_process(runner));
    GString *out = runner->out;
    gboolean linux_words = map->linux_words;
    if (linux_words)
        g_string_append_printf(out, "      %-16s %-17s %19s %13s  %-24s %s\n", "Address", "Type",
                               "Size", "Resident", "Protection", "Details");
    else
        g_string_append_printf(out, "      %-16s %-13s %19s %13s %13s %13s  %-24s %s\n", "Address",
                               "Type", "Size", "Committed", "Private", "Working Set", "Protection",
                               "Details");
    for (guint i = 0; i < map->regions->len; i++) {
        const VsVmmapRegion *r = &g_array_index(map->regions, VsVmmapRegion, i);
        char size[32], committed[32], private_bytes[32], ws[32], protect[96];
        vs_vmmap_kilobytes(r->size, size, sizeof size);
        vs_vmmap_kilobytes(r->committed, committed, sizeof committed);
        vs_vmmap_kilobytes(r->private_bytes, private_bytes, sizeof private_bytes);
        vs_vmmap_kilobytes(r->working_set, ws, sizeof ws);
        const char *type = vs_vmmap_type_name(r->type, linux_words);
        const char *protection = region_protection(runner, r, protect, sizeof protect);
        if (linux_words)
            g_string_append_printf(out,
                                   "      %016" G_GINT64_MODIFIER "X %-17s %19s %13s  %-24s %s",
                                   r->base, type, size, ws, protection, r->details);
        else
            g_string_append_printf(
                out, "      %016" G_GINT64_MODIFIER "X %-13s %19s %13s %13s %13s  %-24s %s",
                r->base, type, size, committed, private_bytes, ws, protection, r->details);
        vs_show_trim_line_end(out);
        g_string_append_c(out, '\n');
    }
    vs_vmmap_free(map);
    return TRUE;
}

/* The largest free block and how much is free, with the grid's key. */
static void append_free_space(GString *out, const VsVmmap *map)
{
    const VsVmmapTotals *free_row = &map->total[VS_VMMAP_FREE];
    const VsVmmapTotals *unusable = &map->total[VS_VMMAP_UNUSABLE];
    char size[32], largest[32], lost[32];
    vs_vmmap_kilobytes(free_row->size, size, sizeof size);
    vs_vmmap_kilobytes(free_row->largest, largest, sizeof largest);
    vs_vmmap_kilobytes(unusable->size, lost, sizeof lost);
    g_string_append_printf(out, "      %s: %" G_GUINT64_FORMAT " blocks, %s; the largest %s\n",
                           vs_vmmap_type_name(VS_VMMAP_FREE, map->linux_words), free_row->blocks,
                           size, largest);
    if (!map->linux_words)
        g_string_append_printf(out,
                               "      Unusable: %" G_GUINT64_FORMAT
                               " blocks, %s (the free rest of 64 KB granules that allocations "
                               "end in)\n",
                               unusable->blocks, lost);
    g_string_append(out, "      Key:");
    for (int type = 0; type < VS_VMMAP_TYPE_COUNT; type++)
        if (type != VS_VMMAP_PAGE_TABLE && type != VS_VMMAP_MANAGED_HEAP &&
            !(map->linux_words && type == VS_VMMAP_UNUSABLE))
            g_string_append_printf(out, " %c %s%s", vs_vmmap_type_letter(type),
                                   vs_vmmap_type_name(type, map->linux_words),
                                   type == VS_VMMAP_FREE ? "\n" : ",");
}

/* The grid's 64 cells from first are all free. */
static gboolean all_free(const VsVmmapGrid *grid, guint first)
{
    for (guint i = first; i < first + 64; i++)
        if (grid->type[i] != VS_VMMAP_FREE)
            return FALSE;
    return TRUE;
}

/* VMMap's fragmentation view in text: the part in use, 64 cells a line, each the letter of the
 * type that has most of it (vs_vmmap_grid); lines all free are told as one. */
gboolean vs_show_fragmentation(VsRunner *runner, uint64_t argument, GError **error)
{
    VsVmmap *map = vs_vmmap_read(runner, vs_runner_process(runner));
    GString *out = runner->out;
    VsVmmapGrid grid;
    vs_vmmap_grid(map, 64 * 16, &grid);
    append_free_space(out, map);
    if (grid.cells) {
        char cell[32];
        vs_vmmap_kilobytes(grid.cell_bytes, cell, sizeof cell);
        g_string_append_printf(out,
                               "      0x%" G_GINT64_MODIFIER "X-0x%" G_GINT64_MODIFIER
                               "X, one character per %s:\n",
                               grid.start, grid.start + grid.cells * grid.cell_bytes, cell);
    }
    for (guint c = 0; c < grid.cells; c += 64) {
        guint free_lines = 0;
        while (c + (free_lines + 1) * 64 <= grid.cells && all_free(&grid, c + free_lines * 64))
            free_lines++;
        if (free_lines > 1) { /* a stretch of free lines is told in one */
            g_string_append_printf(out, "      %16" G_GINT64_MODIFIER "X (%u lines free)\n",
                                   grid.start + c * grid.cell_bytes, free_lines);
            c += (free_lines - 1) * 64;
            continue;
        }
        g_string_append_printf(out, "      %16" G_GINT64_MODIFIER "X ",
                               grid.start + c * grid.cell_bytes);
        for (guint i = c; i < MIN(grid.cells, c + 64); i++)
            g_string_append_c(out, vs_vmmap_type_letter(grid.type[i]));
        g_string_append_c(out, '\n');
    }
    g_free(grid.type);
    vs_vmmap_free(map);
    return TRUE;
}

/* ---- As data ------------------------------------------------------------------------------- */

static void totals_fields(VsJsonWriter *w, const VsVmmapTotals *t)
{
    vs_json_number(w, "size", t->size);
    vs_json_number(w, "committed", t->committed);
    vs_json_number(w, "private", t->private_bytes);
    vs_json_number(w, "working_set", t->working_set);
    vs_json_number(w, "blocks", t->blocks);
    vs_json_number(w, "largest", t->largest);
}

/* The summary by type as an array of rows (bytes, not K), Total first. */
void vs_json_vmmap_types(VsJsonWriter *w, const VsVmmap *map)
{
    vs_json_array_begin(w, "by_type");
    vs_json_object_begin(w, NULL);
    vs_json_text(w, "type", "Total");
    totals_fields(w, &map->all);
    vs_json_object_end(w);
    for (int type = 0; type < VS_VMMAP_TYPE_COUNT; type++) {
        vs_json_object_begin(w, NULL);
        vs_json_text(w, "type", vs_vmmap_type_name(type, map->linux_words));
        totals_fields(w, &map->total[type]);
        vs_json_object_end(w);
    }
    vs_json_array_end(w);
}

gboolean vs_json_show_regions(VsRunner *runner, uint64_t argument, GError **error)
{
    VsVmmap *map = vs_vmmap_read(runner, vs_runner_process(runner));
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_array_begin(&w, "regions");
    for (guint i = 0; i < map->regions->len; i++) {
        const VsVmmapRegion *r = &g_array_index(map->regions, VsVmmapRegion, i);
        char protect[96];
        vs_json_object_begin(&w, NULL);
        vs_json_number(&w, "address", r->base);
        vs_json_text(&w, "type", vs_vmmap_type_name(r->type, map->linux_words));
        vs_json_number(&w, "size", r->size);
        vs_json_number(&w, "committed", r->committed);
        vs_json_number(&w, "private", r->private_bytes);
        vs_json_number(&w, "working_set", r->working_set);
        vs_json_text(&w, "protection",
                     r->state == MEM_COMMIT
                         ? vs_words_protection(runner, r->protect, protect, sizeof protect)
                         : NULL);
        vs_json_flag(&w, "reserved", r->state == MEM_RESERVE);
        vs_json_text(&w, "details", r->details);
        vs_json_object_end(&w);
    }
    vs_json_array_end(&w);
    vs_json_object_end(&w);
    vs_vmmap_free(map);
    return TRUE;
}

gboolean vs_json_show_fragmentation(VsRunner *runner, uint64_t argument, GError **error)
{
    VsVmmap *map = vs_vmmap_read(runner, vs_runner_process(runner));
    VsVmmapGrid grid;
    vs_vmmap_grid(map, 64 * 16, &grid);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_number(&w, "free_blocks", map->total[VS_VMMAP_FREE].blocks);
    vs_json_number(&w, "free_bytes", map->total[VS_VMMAP_FREE].size);
    vs_json_number(&w, "largest_free", map->total[VS_VMMAP_FREE].largest);
    vs_json_number(&w, "unusable_bytes", map->total[VS_VMMAP_UNUSABLE].size);
    vs_json_number(&w, "start", grid.start);
    vs_json_number(&w, "cell_bytes", grid.cell_bytes);
    char *letters = g_new0(char, grid.cells + 1);
    for (guint c = 0; c < grid.cells; c++)
        letters[c] = vs_vmmap_type_letter(grid.type[c]);
    vs_json_text(&w, "cells", letters); /* a letter per cell, as the text view's */
    g_free(letters);
    vs_json_object_begin(&w, "key");
    for (int type = 0; type < VS_VMMAP_TYPE_COUNT; type++) {
        char letter[2] = {vs_vmmap_type_letter(type), 0};
        vs_json_text(&w, letter, vs_vmmap_type_name(type, map->linux_words));
    }
    vs_json_object_end(&w);
    vs_json_object_end(&w);
    g_free(grid.type);
    vs_vmmap_free(map);
    return TRUE;
}
