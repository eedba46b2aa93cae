/*
 * paint_tree.c - the current process's VAD tree as it is: each node with its range (VPNs), kind
 * and AVL balance, the nodes the step inserted, split, trimmed or replaced framed, and the ones it
 * deleted named under the tree (they are gone from it).
 *
 * A tree with more nodes than pixels draws one node per few pixels a level (framed if any it
 * stands for was touched), so a frame costs the panel's size, not the tree's.
 */
#include <limits.h>

#include "paint_int.h"

/* The nodes drawn: at most one per few pixels a level. lit says, for each, whether it or one of
 * the nodes it stands for was touched. */
static GArray *visible_nodes(const VvTreeGeometry *g, const VvProcessScene *process, GArray *lit)
{
    guint levels = MAX(process->tree_depth, 1u);
    int *last_x = g_new(int, levels);
    gint *last_shown = g_new(gint, levels);
    for (guint l = 0; l < levels; l++)
        last_x[l] = INT_MIN, last_shown[l] = -1;
    GArray *shown = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < process->vads->len; i++) {
        const VvVadNode *n = &g_array_index(process->vads, VvVadNode, i);
        VvRect box = vv_tree_node_box(g, n);
        guint level = MIN(n->depth, levels - 1);
        if (box.x < last_x[level] + 3) {
            if (n->touched)
                g_array_index(lit, gboolean, last_shown[level]) = TRUE;
            continue;
        }
        last_x[level] = box.x;
        last_shown[level] = (gint)shown->len;
        gboolean touched = n->touched;
        g_array_append_val(shown, i);
        g_array_append_val(lit, touched);
    }
    g_free(last_x);
    g_free(last_shown);
    return shown;
}

/* A node's lines, as many as its box holds: its range, its kind, its balance (two lines: the kind
 * and the balance share the second). The tip says all of it. */
static void paint_node_text(Paint *p, const VvVadNode *n, VvRect box)
{
    char range[64], balance[32];
    g_snprintf(range, sizeof range, "%llx-%llx", (unsigned long long)n->start_vpn,
               (unsigned long long)n->end_vpn);
    g_snprintf(balance, sizeof balance, n->balance ? "balance %+d" : "balance %d", n->balance);
    int lines = vv_tree_node_lines(p->style, box), pad = px(p, 3);
    int w = box.w - 2 * pad, y = box.y + px(p, 1), h = line_h(p, VV_FONT_SMALL);
    if (lines >= 1 && w > px(p, 20))
        paint_text(p, VV_FONT_SMALL, box.x + pad, y, w, vv_ink, range);
    if (lines >= 3 && w > px(p, 20)) {
        paint_text(p, VV_FONT_SMALL, box.x + pad, y + h, w, vv_ink,
                   vv_kind_name(n->kind, p->scene->linux_words));
        paint_text(p, VV_FONT_SMALL, box.x + pad, y + 2 * h, w, vv_ink, balance);
    } else if (lines == 2 && w > px(p, 20)) {
        g_autofree char *both =
            g_strdup_printf("%s, %s", vv_kind_name(n->kind, p->scene->linux_words), balance);
        paint_text(p, VV_FONT_SMALL, box.x + pad, y + h, w, vv_ink, both);
    }
    if (!paint_wants_tip(p, box))
        return;
    GString *tip = g_string_new(NULL);
    g_string_append_printf(tip, "%s %s (VPNs; addresses 0x%llX-0x%llX): %s",
                           p->scene->linux_words ? "VMA" : "VAD", range,
                           (unsigned long long)n->start_vpn << VS_PAGE_SHIFT,
                           ((unsigned long long)(n->end_vpn + 1) << VS_PAGE_SHIFT) - 1,
                           vv_kind_name(n->kind, p->scene->linux_words));
    if (n->section && !p->scene->linux_words)
        g_string_append_printf(tip, ", a view of section %u", n->section);
    g_string_append_printf(tip,
                           "; depth %u; AVL balance %+d (the right subtree's height minus the "
                           "left's)%s",
                           n->depth, n->balance, n->touched ? "; changed by this step" : "");
    paint_tip(p, box, tip->str);
    g_string_free(tip, TRUE);
}

static void paint_edges(Paint *p, const VvTreeGeometry *g, const VvProcessScene *process,
                        const GArray *shown)
{
    for (guint k = 0; k < shown->len; k++) {
        guint i = g_array_index(shown, guint, k);
        const VvVadNode *n = &g_array_index(process->vads, VvVadNode, i);
        if (n->parent < 0)
            continue;
        VvRect a = vv_tree_node_box(g, n);
        VvRect b = vv_tree_node_box(g, &g_array_index(process->vads, VvVadNode, n->parent));
        p->canvas->ops->line(p->canvas, a.x + a.w / 2.0, a.y, b.x + b.w / 2.0, b.y + b.h, 1,
                             vv_faint);
    }
}

/* Deleted nodes are gone from the tree: the line under it says which. */
static void paint_removed(Paint *p, const VvProcessScene *process, VvRect body)
{
    GString *removed = g_string_new(NULL);
    for (guint i = 0; i + 1 < process->removed->len && removed->len < 400; i += 2)
        g_string_append_printf(
            removed, "%s%llx-%llx", i ? ", " : "removed by this step: ",
            (unsigned long long)g_array_index(process->removed, uint64_t, i),
            (unsigned long long)g_array_index(process->removed, uint64_t, i + 1));
    paint_text(p, VV_FONT_SMALL, body.x, body.y + body.h - line_h(p, VV_FONT_SMALL), body.w,
               vv_highlight, removed->str);
    g_string_free(removed, TRUE);
}

void paint_tree(Paint *p)
{
    const VvProcessScene *process = paint_current(p);
    g_autofree char *title = g_strdup_printf(
        "%s of %s: %u node%s, depth %u",
        p->scene->linux_words ? "VMA tree (the model's AVL; Linux keeps a maple tree)"
                              : "VAD tree (AVL)",
        process ? process->name : "-", process ? process->vads->len : 0,
        process && process->vads->len == 1 ? "" : "s", process ? process->tree_depth : 0);
    paint_panel(p, p->panels.tree, title);
    if (!process) {
        paint_clip(p, NULL);
        return;
    }
    GArray *lit = g_array_new(FALSE, TRUE, sizeof(gboolean));
    VvTreeGeometry g = vv_tree_geometry(p->style, &p->panels.tree, process);
    GArray *shown = visible_nodes(&g, process, lit);
    /* Nodes a few pixels wide are marks of a dense tree: no edges (a grey smear), no frames. */
    bool marks = g.w < px(p, 8);
    if (!marks)
        paint_edges(p, &g, process, shown);
    for (guint k = 0; k < shown->len; k++) {
        guint i = g_array_index(shown, guint, k);
        const VvVadNode *n = &g_array_index(process->vads, VvVadNode, i);
        VvRect box = vv_tree_node_box(&g, n);
        bool touched = g_array_index(lit, gboolean, k);
        paint_fill(p, box, touched && marks ? vv_highlight : vv_kind_color(n->kind));
        if (!marks)
            paint_outline(p, box, touched ? vv_highlight : vv_reserved_outline,
                          touched ? px(p, 2) : 1);
        paint_node_text(p, n, box);
    }
    g_array_free(shown, TRUE);
    g_array_free(lit, TRUE);
    paint_removed(p, process, vv_panel_body(p->style, p->panels.tree));
    paint_clip(p, NULL);
}
