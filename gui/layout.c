/*
 * layout.c - the segmented address scale and the panels.
 *
 * A process's user space is 128 TB on x64, its allocations a few megabytes: a linear scale would
 * show nothing. As VMMap's and RAMMap's users are used to, the map is segmented: a free stretch
 * longer than everything allocated together is drawn as a short break (a zigzag), and each other
 * region gets a width proportional to its size, but never less than a few pixels, so a one-page
 * allocation stays visible next to a gigabyte one. Zooming multiplies the width, down to pages.
 */
#include "layout.h"

static uint64_t region_size(const VvRegion *r) { return r->end - r->start; }

/* A free stretch long enough to be drawn as a break. */
static bool compressible(const VvRegion *r, uint64_t allocated)
{
    uint64_t threshold = MAX(allocated, 16 * VS_GRANULARITY);
    return (r->kind == VV_FREE || r->kind == VV_UNUSABLE) && region_size(r) > threshold;
}

VvMapLayout vv_map_layout(const GArray *regions, double width, double zoom)
{
    VvMapLayout layout = {g_array_sized_new(FALSE, TRUE, sizeof(VvSpan), regions->len),
                          width * zoom};
    g_array_set_size(layout.spans, regions->len);
    uint64_t allocated = 0;
    for (guint i = 0; i < regions->len; i++) {
        const VvRegion *r = &g_array_index(regions, VvRegion, i);
        if (r->kind != VV_FREE && r->kind != VV_UNUSABLE)
            allocated += region_size(r);
    }
    /* Breaks are fixed; the rest share what is left, each at least the minimum: find the scale by
     * fixing the regions the minimum catches and sharing the remainder, a few rounds. */
    double breaks = 0, scale = 0;
    for (guint i = 0; i < regions->len; i++)
        breaks += compressible(&g_array_index(regions, VvRegion, i), allocated) ? VV_BREAK_PX : 0;
    double room = MAX(layout.width - breaks, 1.0);
    for (int round = 0; round < 6; round++) {
        double fixed = 0, scaled = 0;
        for (guint i = 0; i < regions->len; i++) {
            const VvRegion *r = &g_array_index(regions, VvRegion, i);
            if (compressible(r, allocated))
                continue;
            double w = (double)region_size(r) * scale;
            if (round > 0 && w < VV_MIN_REGION_PX)
                fixed += VV_MIN_REGION_PX;
            else
                scaled += (double)region_size(r);
        }
        scale = scaled > 0 ? MAX(room - fixed, 0.0) / scaled : 0;
    }
    double x = 0;
    for (guint i = 0; i < regions->len; i++) {
        const VvRegion *r = &g_array_index(regions, VvRegion, i);
        VvSpan *s = &g_array_index(layout.spans, VvSpan, i);
        s->compressed = compressible(r, allocated);
        s->w = s->compressed ? VV_BREAK_PX : MAX((double)region_size(r) * scale, VV_MIN_REGION_PX);
        s->x = x;
        x += s->w;
    }
    layout.width = x;
    return layout;
}

void vv_map_layout_free(VvMapLayout *layout)
{
    if (layout->spans)
        g_array_free(layout->spans, TRUE);
    layout->spans = NULL;
}

double vv_map_x(const VvMapLayout *layout, const GArray *regions, uint64_t address)
{
    for (guint i = 0; i < regions->len; i++) {
        const VvRegion *r = &g_array_index(regions, VvRegion, i);
        if (address >= r->start && address < r->end) {
            const VvSpan *s = &g_array_index(layout->spans, VvSpan, i);
            return s->x + s->w * (double)(address - r->start) / (double)(r->end - r->start);
        }
    }
    return layout->width;
}

int vv_map_region_at(const VvMapLayout *layout, double x)
{
    guint lo = 0, hi = layout->spans->len;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        const VvSpan *s = &g_array_index(layout->spans, VvSpan, mid);
        if (x < s->x)
            hi = mid;
        else if (x >= s->x + s->w)
            lo = mid + 1;
        else
            return (int)mid;
    }
    return -1;
}

VvPanels vv_panels(int width, int height, uint32_t processes)
{
    VvPanels p;
    int margin = 8, header = 46;
    p.strip_height = processes > 2 ? 44 : 58;
    int maps_h = (int)MAX(processes, 1u) * (p.strip_height + 18) + 6;
    p.header = (VvRect){margin, margin, width - 2 * margin, header};
    p.maps = (VvRect){margin, header + margin * 2, width - 2 * margin, maps_h};
    /* The legend takes two rows when the window is too narrow for one. */
    p.legend = (VvRect){margin, p.maps.y + maps_h, width - 2 * margin, width < 1500 ? 38 : 22};
    int top = p.legend.y + p.legend.h + margin;
    int rest = MAX(height - top - margin, 100);
    int upper = rest * 55 / 100, lower = rest - upper - margin;
    int left = (width - 3 * margin) * 58 / 100, right = width - 3 * margin - left;
    p.tree = (VvRect){margin, top, left, upper};
    p.pages = (VvRect){2 * margin + left, top, right, upper};
    p.physical = (VvRect){margin, top + upper + margin, left, lower};
    p.narration = (VvRect){2 * margin + left, top + upper + margin, right, lower};
    return p;
}

VvRect vv_strip_rect(const VvPanels *panels, uint32_t index)
{
    return (VvRect){panels->maps.x, panels->maps.y + (int)index * (panels->strip_height + 18) + 16,
                    panels->maps.w, panels->strip_height};
}

VvRect vv_tree_node_rect(const VvRect *panel, const VvProcessScene *process, guint index)
{
    const VvVadNode *n = &g_array_index(process->vads, VvVadNode, index);
    double count = MAX(process->vads->len, 1u);
    double slot = (double)(panel->w - 16) / count;
    int levels = (int)MAX(process->tree_depth, 1u);
    int level_h = MAX(MIN((panel->h - 30) / levels, 56), 6);
    int w = (int)MIN(MAX(slot - 4, 3.0), 120.0);
    int h = MIN(level_h - 10, 30);
    int cx = panel->x + 8 + (int)(slot * (n->order + 0.5));
    return (VvRect){cx - w / 2, panel->y + 24 + (int)n->depth * level_h, w, MAX(h, 3)};
}
