/*
 * paint_table.c - the scene's tables (table.h) in a panel: the summary `show summary` prints, by
 * state and by protection, and whatever tables join them. The window shows them in the
 * narration's place when asked (V); a picture without the narration (the lesson page's) shows
 * them there always. After the summary by type comes VMMap's fragmentation view: the part of the
 * address space in use as rows of cells, each the color of the type with most bytes in it.
 */
#include "paint_int.h"
#include "table.h"

/* The widths of a table's columns: each its widest cell, shrunk together when they do not fit. */
static int *column_widths(Paint *p, const VvTable *t, int room)
{
    int *w = g_new0(int, t->columns), gap = px(p, 14), total = 0;
    for (guint c = 0; c < t->columns; c++) {
        w[c] = paint_text_width(p, VV_FONT_SMALL, t->headers[c]);
        for (guint r = 0; r < t->rows->len; r++)
            w[c] = MAX(w[c], paint_text_width(p, VV_FONT_SMALL,
                                              ((char **)g_ptr_array_index(t->rows, r))[c]));
        total += w[c] + (c ? gap : 0);
    }
    for (guint c = 0; total > room && c < t->columns; c++)
        w[c] = MAX(w[c] * room / total - gap, 1);
    return w;
}

/* One row of cells from (x, y): numbers right-aligned, every cell elided to its column. */
static void paint_row(Paint *p, const VvTable *t, const int *w, int x, int y, char **cells,
                      VvColor ink)
{
    for (guint c = 0; c < t->columns; c++) {
        int cw = paint_text_width(p, VV_FONT_SMALL, cells[c]);
        int left = t->numeric[c] ? x + MAX(w[c] - cw, 0) : x;
        paint_text(p, VV_FONT_SMALL, left, y, w[c] + (t->numeric[c] ? 0 : 1), ink, cells[c]);
        x += w[c] + px(p, 14);
    }
}

/* A table from *y down: its title, its header, its rows, as many as fit. */
static void paint_one_table(Paint *p, const VvTable *t, VvRect body, int *y)
{
    int h = line_h(p, VV_FONT_SMALL);
    if (*y + 3 * h > body.y + body.h)
        return;
    paint_text(p, VV_FONT_SMALL, body.x, *y, body.w, vv_step_ink, t->title);
    *y += h;
    int *w = column_widths(p, t, body.w);
    paint_row(p, t, w, body.x, *y, t->headers, vv_faint);
    *y += h;
    paint_fill(p, (VvRect){body.x, *y - 1, body.w, 1}, vv_panel_border);
    for (guint r = 0; r < t->rows->len && *y + h <= body.y + body.h; r++, *y += h)
        paint_row(p, t, w, body.x, *y, g_ptr_array_index(t->rows, r), vv_ink);
    g_free(w);
    *y += h / 2;
}

/* The color of a VMMap type: the map's color for it. */
static VvColor type_color(VsVmmapType type)
{
    static const VvKind kinds[VS_VMMAP_TYPE_COUNT] = {
        [VS_VMMAP_IMAGE] = VV_IMAGE,          [VS_VMMAP_MAPPED_FILE] = VV_MAPPED_FILE,
        [VS_VMMAP_SHAREABLE] = VV_SHAREABLE,  [VS_VMMAP_HEAP] = VV_HEAP,
        [VS_VMMAP_MANAGED_HEAP] = VV_HEAP,    [VS_VMMAP_STACK] = VV_STACK,
        [VS_VMMAP_PRIVATE_DATA] = VV_PRIVATE, [VS_VMMAP_PAGE_TABLE] = VV_SYSTEM,
        [VS_VMMAP_UNUSABLE] = VV_UNUSABLE,    [VS_VMMAP_FREE] = VV_FREE,
    };
    return vv_kind_color(kinds[type]);
}

/* VMMap's fragmentation view from *y down: a title naming a cell's size, then up to four rows of
 * cells across the panel (vs_vmmap_grid), each cell's tip its range and type. */
static void paint_fragmentation(Paint *p, const VvProcessScene *process, VvRect body, int *y)
{
    int h = line_h(p, VV_FONT_SMALL), cell = px(p, 9), gap = MAX(px(p, 1), 1);
    int columns = MAX(body.w / (cell + gap), 1);
    if (*y + h + cell > body.y + body.h)
        return;
    int rows = MIN(4, (body.y + body.h - *y - h) / (cell + gap));
    VsVmmapGrid grid;
    vs_vmmap_grid(process->vmmap, (guint)(columns * rows), &grid);
    if (!grid.cells) {
        g_free(grid.type);
        return;
    }
    char size[32];
    vs_vmmap_size_short(grid.cell_bytes, size, sizeof size);
    g_autofree char *title = g_strdup_printf(
        "Fragmentation (VMMap): 0x%llX-0x%llX, a cell per %s", (unsigned long long)grid.start,
        (unsigned long long)(grid.start + grid.cells * grid.cell_bytes), size);
    paint_text(p, VV_FONT_SMALL, body.x, *y, body.w, vv_step_ink, title);
    *y += h;
    bool linux_words = p->scene->linux_words;
    for (guint c = 0; c < grid.cells; c++) {
        VvRect box = {body.x + (int)(c % (guint)columns) * (cell + gap),
                      *y + (int)(c / (guint)columns) * (cell + gap), cell, cell};
        paint_fill(p, box, type_color(grid.type[c]));
        if (paint_wants_tip(p, box)) {
            uint64_t start = grid.start + c * grid.cell_bytes;
            g_autofree char *tip =
                g_strdup_printf("0x%llX-0x%llX: mostly %s", (unsigned long long)start,
                                (unsigned long long)(start + grid.cell_bytes - 1),
                                vs_vmmap_type_name(grid.type[c], linux_words));
            paint_tip(p, box, tip);
        }
    }
    *y += (int)((grid.cells + (guint)columns - 1) / (guint)columns) * (cell + gap) + h / 2;
    g_free(grid.type);
}

void paint_tables(Paint *p, VvRect r)
{
    if (r.h <= 0)
        return;
    paint_panel(p, r, "Summary (show summary)");
    VvRect body = vv_panel_body(p->style, r);
    GPtrArray *tables = vv_scene_tables(p->scene);
    int y = body.y;
    for (guint i = 0; i < tables->len; i++) {
        paint_one_table(p, g_ptr_array_index(tables, i), body, &y);
        if (i == 0 && p->scene->processes->len)
            paint_fragmentation(p, paint_current(p), body, &y);
    }
    g_ptr_array_free(tables, TRUE);
    paint_clip(p, NULL);
}
