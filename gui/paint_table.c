/*
 * paint_table.c - the scene's tables (table.h) in a panel: the summary `show summary` prints, by
 * state and by protection, and whatever tables join them. The window shows them in the
 * narration's place when asked (V); a picture without the narration (the lesson page's) shows
 * them there always.
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

void paint_tables(Paint *p, VvRect r)
{
    if (r.h <= 0)
        return;
    paint_panel(p, r, "Summary (show summary)");
    VvRect body = vv_panel_body(p->style, r);
    GPtrArray *tables = vv_scene_tables(p->scene);
    int y = body.y;
    for (guint i = 0; i < tables->len; i++)
        paint_one_table(p, g_ptr_array_index(tables, i), body, &y);
    g_ptr_array_free(tables, TRUE);
    paint_clip(p, NULL);
}
