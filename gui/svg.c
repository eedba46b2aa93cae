/*
 * svg.c - the address maps and the VAD tree as SVG, for slides that must scale.
 *
 * The same layout as the window (layout.c) and the same colors (palette.c), written as shapes and
 * text rather than pixels; no SDL.
 */
#include <stdio.h>

#include "palette.h"
#include "svg.h"

static void color(GString *out, const char *attribute, VvColor c)
{
    g_string_append_printf(out, " %s=\"#%02x%02x%02x\"", attribute, c.r, c.g, c.b);
}

static void escaped(GString *out, const char *text)
{
    g_autofree char *e = g_markup_escape_text(text ? text : "", -1);
    g_string_append(out, e);
}

static void strip(GString *out, const VvScene *s, uint32_t index, const VvPanels *panels,
                  double zoom)
{
    const VvProcessScene *process = g_ptr_array_index(s->processes, index);
    VvRect r = vv_strip_rect(panels, index);
    VvMapLayout layout = vv_map_layout(process->regions, r.w, zoom);
    g_string_append_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\">", r.x, r.y - 4);
    escaped(out, process->name);
    g_string_append_printf(out, " (pid %u)</text>\n", process->pid);
    for (guint i = 0; i < process->regions->len; i++) {
        const VvRegion *region = &g_array_index(process->regions, VvRegion, i);
        const VvSpan *span = &g_array_index(layout.spans, VvSpan, i);
        g_string_append_printf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"",
                               r.x + span->x, r.y, span->w, r.h);
        VvColor fill = vv_kind_color(span->compressed ? VV_FREE : region->kind);
        color(out, "fill", fill);
        if (region->state == MEM_RESERVE || region->kind == VV_PLACEHOLDER) {
            g_string_append(out, " fill-opacity=\"0.4\"");
            color(out, "stroke", vv_reserved_outline);
            g_string_append(out, " stroke-dasharray=\"3,2\"");
        }
        if (region->touched)
            color(out, "stroke", vv_highlight);
        g_string_append(out, "><title>");
        g_autofree char *tip =
            g_strdup_printf("0x%llx-0x%llx %s", (unsigned long long)region->start,
                            (unsigned long long)region->end - 1, vv_kind_name(region->kind));
        escaped(out, tip);
        g_string_append(out, "</title></rect>\n");
        if (span->compressed)
            g_string_append_printf(out,
                                   "<path d=\"M%.1f %d l4 6 l-8 6 l8 6 l-8 6 l4 6\" "
                                   "stroke=\"#888\" fill=\"none\"/>\n",
                                   r.x + span->x + span->w / 2, r.y);
    }
    vv_map_layout_free(&layout);
}

static void tree(GString *out, const VvScene *s, const VvPanels *panels)
{
    if (!s->processes->len)
        return;
    const VvProcessScene *process = g_ptr_array_index(s->processes, s->current);
    VvRect r = panels->tree;
    for (guint i = 0; i < process->vads->len; i++) {
        const VvVadNode *n = &g_array_index(process->vads, VvVadNode, i);
        if (n->parent < 0)
            continue;
        VvRect a = vv_tree_node_rect(&r, process, i);
        VvRect b = vv_tree_node_rect(&r, process, (guint)n->parent);
        g_string_append_printf(out,
                               "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                               "stroke=\"#888\"/>\n",
                               a.x + a.w / 2, a.y, b.x + b.w / 2, b.y + b.h);
    }
    for (guint i = 0; i < process->vads->len; i++) {
        const VvVadNode *n = &g_array_index(process->vads, VvVadNode, i);
        VvRect box = vv_tree_node_rect(&r, process, i);
        g_string_append_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"", box.x,
                               box.y, box.w, box.h);
        color(out, "fill", vv_kind_color(n->kind));
        color(out, "stroke", n->touched ? vv_highlight : vv_reserved_outline);
        g_string_append_printf(out, " stroke-width=\"%d\"/>\n", n->touched ? 2 : 1);
        if (box.w >= 60)
            g_string_append_printf(out,
                                   "<text x=\"%d\" y=\"%d\" font-size=\"9\">%llx-%llx %+d"
                                   "</text>\n",
                                   box.x + 2, box.y + 11, (unsigned long long)n->start_vpn,
                                   (unsigned long long)n->end_vpn, n->balance);
    }
}

bool vv_write_svg(const VvScene *s, double zoom, int width, int height, const char *path,
                  char *error, size_t error_len)
{
    VvPanels panels = vv_panels(width, height, s->processes->len);
    GString *out = g_string_new(NULL);
    g_string_append_printf(out,
                           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                           "height=\"%d\" font-family=\"DejaVu Sans, sans-serif\">\n"
                           "<rect width=\"100%%\" height=\"100%%\" fill=\"#fcfcfa\"/>\n",
                           width, height);
    g_string_append_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"14\">", panels.header.x,
                           panels.header.y + 14);
    escaped(out, s->title);
    g_string_append(out, "</text>\n");
    if (s->step) {
        g_string_append_printf(out,
                               "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#283c8c\">"
                               "Step %zu of %zu: ",
                               panels.header.x, panels.header.y + 34, s->step, s->steps);
        escaped(out, s->step_title);
        g_string_append(out, "</text>\n");
    }
    for (guint i = 0; i < s->processes->len; i++)
        strip(out, s, i, &panels, zoom);
    tree(out, s, &panels);
    g_string_append(out, "</svg>\n");
    GError *gerror = NULL;
    bool ok = g_file_set_contents(path, out->str, (gssize)out->len, &gerror);
    if (!ok) {
        snprintf(error, error_len, "cannot write %s: %s", path, gerror->message);
        g_error_free(gerror);
    }
    g_string_free(out, TRUE);
    return ok;
}
