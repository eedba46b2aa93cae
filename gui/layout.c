/*
 * layout.c - the panels of a picture, and the VAD tree's nodes (layout.h).
 *
 * From the top: the header (title, step), the maps (a strip per process, each with its label
 * above and a lane below, then the ruler of the shared address scale), the legend; under them two
 * columns: the VAD tree over physical memory on the left, the pages over the narration on the
 * right. Every length is a design length times the style's scale.
 */
#include "layout.h"
#include "palette.h"

/* How many rows the maps' legend takes at width: its entries packed greedily, their widths
 * estimated (with room to spare, as canvases measure a little differently). */
static int legend_rows(const VvStyle *style, int width, bool linux_words)
{
    size_t count;
    const VvLegendEntry *entries = vv_map_legend(linux_words, &count);
    int rows = 1, x = 0;
    for (size_t i = 0; i < count; i++) {
        int w =
            vv_px(style, 16 + 6 + 14) +
            (int)(vv_text_width_estimate(style->font_px[VV_FONT_SMALL], entries[i].label) * 1.06);
        if (x > 0 && x + w > width)
            rows++, x = 0;
        x += w;
    }
    return rows;
}

/* The tree's height for a tree of depth levels: a node of three lines a level. */
static int tree_need(const VvStyle *style, uint32_t depth)
{
    int node = 3 * style->line[VV_FONT_SMALL] + vv_px(style, 4) + vv_px(style, 14);
    return 3 * style->line[VV_FONT_SMALL] + (int)MAX(depth, 1u) * node;
}

/* The page panel's height for pages cells across width: its title, a key of two rows, the cells
 * at their largest, the walk's five lines. */
static int pages_need(const VvStyle *style, int width, guint pages)
{
    int pitch = vv_px(style, 32), columns = MAX(width / pitch, 1);
    int rows = (int)((pages + (guint)columns - 1) / (guint)columns);
    return 8 * style->line[VV_FONT_SMALL] + rows * pitch + vv_px(style, 20);
}

static int clamp_share(int need, int whole, int low_percent, int high_percent)
{
    return CLAMP(need, whole * low_percent / 100, whole * high_percent / 100);
}

VvPanels vv_panels(const VvStyle *style, int width, int height, const VvScene *scene, guint pages)
{
    VvPanels p;
    int m = style->margin, inner = width - 2 * m;
    uint32_t n = MAX(scene->processes->len, 1u);
    p.label_height = style->line[VV_FONT_SMALL];
    p.strip_height = vv_px(style, n > 2 ? 30 : 40);
    p.lane_height = vv_px(style, 12);
    p.strip_pitch = p.label_height + p.strip_height + p.lane_height;
    p.header = (VvRect){m, m, inner, style->line[VV_FONT_HEADING] + style->line[VV_FONT_TEXT]};
    int ruler_h = style->line[VV_FONT_SMALL] + vv_px(style, 4);
    p.maps = (VvRect){m, p.header.y + p.header.h + m, inner, (int)n * p.strip_pitch + ruler_h};
    p.ruler = (VvRect){m, p.maps.y + (int)n * p.strip_pitch, inner, ruler_h};
    p.legend = (VvRect){m, p.maps.y + p.maps.h + vv_px(style, 2), inner,
                        legend_rows(style, inner, scene->linux_words) * style->line[VV_FONT_SMALL]};
    int top = p.legend.y + p.legend.h + m;
    int rest = MAX(height - top - m, 4 * style->line[VV_FONT_SMALL]);
    int left = (width - 3 * m) * 55 / 100, right = width - 3 * m - left;
    const VvProcessScene *current =
        scene->processes->len ? g_ptr_array_index(scene->processes, scene->current) : NULL;
    int tree_h = clamp_share(tree_need(style, current ? current->tree_depth : 1), rest, 30, 62);
    int pages_h = clamp_share(pages_need(style, right, pages), rest, 30, 55);
    p.tree = (VvRect){m, top, left, tree_h};
    p.physical = (VvRect){m, top + tree_h + m, left, rest - tree_h - m};
    p.pages = (VvRect){2 * m + left, top, right, pages_h};
    p.narration = (VvRect){2 * m + left, top + pages_h + m, right, rest - pages_h - m};
    return p;
}

VvRect vv_strip_rect(const VvPanels *panels, uint32_t index)
{
    return (VvRect){panels->maps.x,
                    panels->maps.y + (int)index * panels->strip_pitch + panels->label_height,
                    panels->maps.w, panels->strip_height};
}

VvRect vv_panel_body(const VvStyle *style, VvRect panel)
{
    int title = style->line[VV_FONT_SMALL] + style->pad / 2;
    return (VvRect){panel.x + style->pad, panel.y + title, MAX(panel.w - 2 * style->pad, 1),
                    MAX(panel.h - title - style->pad / 2, 1)};
}

/*
 * Nodes in order from left to right, one slot each (a node's box may be two wide); a level's
 * height fits the tree's depth into the panel, up to three lines of text a node (range, kind,
 * balance). Under the nodes one line stays free for the VADs the step removed.
 */
VvTreeGeometry vv_tree_geometry(const VvStyle *style, const VvRect *panel,
                                const VvProcessScene *process)
{
    VvRect body = vv_panel_body(style, *panel);
    body.h -= style->line[VV_FONT_SMALL];
    double slot = (double)body.w / MAX(process->vads->len, 1u);
    int levels = (int)MAX(process->tree_depth, 1u);
    int gap = vv_px(style, 14), node_h = 3 * style->line[VV_FONT_SMALL] + vv_px(style, 4);
    int level_h = MAX(MIN(body.h / levels, node_h + gap), vv_px(style, 6));
    /* Two nodes of one level have their lowest common ancestor between them in order, so a
     * node may take two slots without touching its neighbours on its level. */
    int w = (int)MIN(MAX(2 * slot - vv_px(style, 10), 3.0), vv_px(style, 190));
    int h = MAX(MIN(level_h - gap, node_h), MAX(level_h * 2 / 3, 3));
    return (VvTreeGeometry){body.x, body.y, body.x + body.w, slot, level_h, w, h};
}

VvRect vv_tree_node_box(const VvTreeGeometry *g, const VvVadNode *n)
{
    int cx = g->x + (int)(g->slot * (n->order + 0.5));
    /* Near the panel's sides a box narrows about its centre rather than leave the panel. */
    int w = MAX(MIN(g->w, 2 * MIN(cx - g->x, g->right - cx)), 1);
    return (VvRect){cx - w / 2, g->y + (int)n->depth * g->level_h, w, g->h};
}

VvRect vv_tree_node_rect(const VvStyle *style, const VvRect *panel, const VvProcessScene *process,
                         guint index)
{
    VvTreeGeometry g = vv_tree_geometry(style, panel, process);
    return vv_tree_node_box(&g, &g_array_index(process->vads, VvVadNode, index));
}

int vv_tree_node_lines(const VvStyle *style, VvRect box)
{
    return MAX(box.h - vv_px(style, 2), 0) / style->line[VV_FONT_SMALL];
}
