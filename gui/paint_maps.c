/*
 * paint_maps.c - the address maps: a strip per process on one shared scale (axis.h), the views of
 * one section joined in the lane under a strip, frames two processes map joined between strips,
 * the ruler of addresses under them, and the legend.
 *
 * Colors follow VMMap's type palette (palette.c); the state is drawn on the type: committed memory
 * is filled, reserved memory is hatched inside an outline, a placeholder is striped, a guard page
 * has a red tick, the written pages of a copy-on-write view a magenta bar. What the step touched
 * is framed in the highlight color. A strip draws at most one region a pixel column, so a frame
 * costs the window's width, not the number of regions.
 */
#include <math.h>
#include <stdio.h>

#include <string.h>

#include "paint_int.h"

static VvColor pale(VvColor c)
{
    return (VvColor){(uint8_t)(255 - (255 - c.r) / 3), (uint8_t)(255 - (255 - c.g) / 3),
                     (uint8_t)(255 - (255 - c.b) / 3), 255};
}

/* Hatching; a box narrower than the lines' spacing would show a few dots of it, so it stays
 * plain (and a frame of 100 000 one-pixel regions draws no lines for them). */
static void hatch(Paint *p, VvRect r, int step, VvColor color)
{
    if (r.w >= step && r.h > 0)
        p->canvas->ops->hatch(p->canvas, r, MAX(step, 2), color);
}

void paint_region(Paint *p, const VvRegion *region, VvRect box)
{
    VvColor color = vv_kind_color(region->kind);
    if (region->kind == VV_PLACEHOLDER) {
        paint_fill(p, box, (VvColor){250, 250, 252, 255});
        hatch(p, box, px(p, 4), (VvColor){120, 120, 150, 255});
        paint_outline(p, box, (VvColor){80, 80, 120, 255}, 1);
    } else if (region->state == MEM_RESERVE) {
        paint_fill(p, box, pale(color));
        hatch(p, box, px(p, 6), color);
        paint_outline(p, box, vv_reserved_outline, 1);
    } else {
        paint_fill(p, box, color);
    }
    if (region->guard)
        paint_fill(p, (VvRect){box.x, box.y, MAX(box.w, 2), px(p, 4)}, vv_guard_red);
    if (region->copied)
        paint_fill(p, (VvRect){box.x, box.y + box.h - px(p, 6), MAX(box.w, 2), px(p, 6)},
                   vv_page_color(VV_PAGE_COPY));
}

/* ---- Words for a region ------------------------------------------------------------------------
 */

static const char *state_word(uint32_t state)
{
    return state == MEM_COMMIT ? "committed" : state == MEM_RESERVE ? "reserved" : "free";
}

/* What a region's label inside its strip says; in a Linux system its type and the maps line's
 * name, as /proc/PID/maps names a mapping. */
static char *region_label(const Paint *p, const VvRegion *r)
{
    char size[32];
    bool linux_words = p->scene->linux_words;
    vs_vmmap_size_short(r->end - r->start, size, sizeof size);
    if (r->kind == VV_FREE || r->kind == VV_UNUSABLE)
        return g_strdup_printf("%s %s", vv_kind_name(r->kind, linux_words), size);
    if (r->kind == VV_IMAGE && r->details[0] && !linux_words)
        return g_strdup_printf("%s, %s", r->details, size);
    if (linux_words) { /* the name once where it is the type: [heap], [stack] */
        const char *kind = vv_kind_name(r->kind, true), *name = r->details;
        if (strcmp(name, kind) == 0)
            name = "";
        return g_strdup_printf("%s%s%s, %s", kind, *name ? " " : "", name, size);
    }
    if (r->section && r->kind != VV_SYSTEM)
        return g_strdup_printf("section %u view, %s, %s", r->section, state_word(r->state), size);
    return g_strdup_printf("%s, %s, %s", vv_kind_name(r->kind, false), state_word(r->state), size);
}

/* A region's tip: everything VirtualQuery says of it; in a Linux system what the VMA says. */
static char *region_details(const Paint *p, const VvRegion *r)
{
    char size[32], protect[96] = "", alloc[96] = "";
    bool linux_words = p->scene->linux_words;
    vs_vmmap_size_short(r->end - r->start, size, sizeof size);
    if (r->state != MEM_FREE) {
        vs_words_protection_in(linux_words, r->protect, protect, sizeof protect);
        vs_words_protection_in(linux_words, r->alloc_protect, alloc, sizeof alloc);
    }
    GString *text = g_string_new(NULL);
    g_string_append_printf(text, "0x%llX-0x%llX (%s): %s", (unsigned long long)r->start,
                           (unsigned long long)r->end - 1, size,
                           vv_kind_name(r->kind, linux_words));
    const char *name = r->details;
    if (linux_words) {
        if (r->state != MEM_FREE)
            g_string_append_printf(text, ", %s%s%s; mapped at 0x%llX", protect, *name ? ", " : "",
                                   name, (unsigned long long)r->alloc_base);
    } else {
        g_string_append_printf(text, ", %s", vs_mem_state_name(r->state));
        if (r->state != MEM_FREE)
            g_string_append_printf(text, ", %s; allocated at 0x%llX as %s, %s", protect,
                                   (unsigned long long)r->alloc_base, alloc,
                                   vs_mem_type_name(r->type));
        if (*name)
            g_string_append_printf(text, "; %s", name);
    }
    if (r->copied)
        g_string_append(text, "; written pages are private copies");
    return g_string_free(text, FALSE);
}

/* ---- A strip ------------------------------------------------------------------------------------
 */

/* The zigzag of a break (a long free stretch drawn short) at x over a strip. */
static void paint_break(Paint *p, VvRect strip, double x, double w)
{
    VvRect box = {(int)x, strip.y, MAX((int)(x + w) - (int)x, 1), strip.h};
    paint_fill(p, box, vv_kind_color(VV_FREE));
    double mid = x + w / 2, step = px(p, 6), half = px(p, 3);
    for (double y = strip.y; y < strip.y + strip.h; y += step) {
        p->canvas->ops->line(p->canvas, mid - half, y, mid + half, y + step / 2, 1, vv_faint);
        p->canvas->ops->line(p->canvas, mid + half, y + step / 2, mid - half, y + step, 1,
                             vv_faint);
    }
}

/* Page boundaries inside a region once a page is wide enough to see. */
static void paint_page_lines(Paint *p, const VvRegion *r, VvRect strip, double x0, double w)
{
    double page_px = w * VS_PAGE_SIZE / (double)(r->end - r->start);
    if (page_px < px(p, 6))
        return;
    double left = MAX(x0 + page_px, (double)strip.x), right = MIN(x0 + w - 1, strip.x + strip.w);
    double first = x0 + page_px * ceil((left - x0) / page_px);
    for (double x = first; x < right; x += page_px)
        p->canvas->ops->line(p->canvas, x, strip.y + 2, x, strip.y + strip.h - 3, 1,
                             (VvColor){255, 255, 255, 170});
}

/* The label inside a region wide enough for some of it, on a pale ground so hatching stays
 * readable behind it. */
static void paint_region_label(Paint *p, const VvRegion *r, VvRect box)
{
    int pad = px(p, 4);
    if (box.w < px(p, 48) || box.h < line_h(p, VV_FONT_SMALL))
        return;
    g_autofree char *label = region_label(p, r);
    g_autofree char *shown = vv_elide(p->canvas, VV_FONT_SMALL, label, box.w - 2 * pad);
    int w = paint_text_width(p, VV_FONT_SMALL, shown);
    if (w <= 0)
        return;
    int y = box.y + (box.h - line_h(p, VV_FONT_SMALL)) / 2;
    VvRect ground = {box.x + pad - 2, y, w + 4, line_h(p, VV_FONT_SMALL)};
    if (r->state == MEM_RESERVE || r->kind == VV_PLACEHOLDER)
        paint_fill(p, ground, (VvColor){255, 255, 255, 215});
    paint_text(p, VV_FONT_SMALL, box.x + pad, y, box.w - 2 * pad, vv_ink, label);
}

static bool is_selected(const Paint *p, uint32_t process, guint region)
{
    return process == p->scene->current && (int)region == p->view->selected_region;
}

/* Draws the regions of a strip: one a pixel column (the step's touched ones always). */
static void paint_regions(Paint *p, uint32_t index, VvRect strip)
{
    const VvProcessScene *process = g_ptr_array_index(p->scene->processes, index);
    double pan = p->view->pan;
    int drawn_to = INT32_MIN; /* the pixel column the last region drawn ends before */
    VvAxisWalk walk = vv_axis_walk(p->axis);
    for (guint i = 0; i < process->regions->len; i++) {
        const VvRegion *r = &g_array_index(process->regions, VvRegion, i);
        VvSpan span = vv_axis_walk_span(&walk, r);
        double x0 = strip.x + span.x - pan, x1 = x0 + span.w;
        if (x1 < strip.x || x0 > strip.x + strip.w)
            continue;
        int left = (int)floor(x0), right = MAX((int)floor(x1), left + 1);
        if (right <= drawn_to && !r->touched && !is_selected(p, index, i))
            continue;
        VvRect box = {left, strip.y, right - left, strip.h};
        paint_region(p, r, box);
        paint_page_lines(p, r, strip, x0, span.w);
        int t = px(p, 2); /* the highlight, just outside the region */
        if (r->touched)
            paint_outline(p, (VvRect){box.x - t, box.y - t, box.w + 2 * t, box.h + 2 * t},
                          vv_highlight, t);
        if (is_selected(p, index, i))
            paint_outline(p, (VvRect){box.x - 2 * t, box.y - 2 * t, box.w + 4 * t, box.h + 4 * t},
                          vv_ink, t);
        paint_region_label(p, r, box);
        drawn_to = MAX(drawn_to, right);
        if (paint_wants_tip(p, box)) {
            g_autofree char *details = region_details(p, r);
            paint_tip(p, box, details);
        }
    }
}

/* The breaks: free in every process, so the same on every strip. */
static void paint_breaks(Paint *p, VvRect strip)
{
    for (guint s = 0; s + 1 < p->axis->bounds->len; s++) {
        if (!g_array_index(p->axis->compressed, gboolean, s))
            continue;
        double x = strip.x + g_array_index(p->axis->xs, double, s) - p->view->pan;
        double w =
            g_array_index(p->axis->xs, double, s + 1) - g_array_index(p->axis->xs, double, s);
        if (x + w >= strip.x && x <= strip.x + strip.w)
            paint_break(p, strip, x, w);
    }
}

/* Views of one section in one process, joined in the lane under the strip: a bracket from each
 * view's middle, named after the section. */
static void paint_section_lanes(Paint *p, uint32_t index, VvRect strip)
{
    const VvProcessScene *process = g_ptr_array_index(p->scene->processes, index);
    if (process->views < 2)
        return;
    GHashTable *first_x = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    int lane_y = strip.y + strip.h + p->panels.lane_height / 2, weight = px(p, 2);
    for (guint i = 0; i < process->regions->len; i++) {
        const VvRegion *r = &g_array_index(process->regions, VvRegion, i);
        if (!r->section || r->kind == VV_SYSTEM || r->state == MEM_FREE ||
            (i > 0 && g_array_index(process->regions, VvRegion, i - 1).alloc_base == r->alloc_base))
            continue; /* one mark a view, at its first region */
        VvSpan span = vv_axis_span(p->axis, r);
        double x = strip.x + span.x + MIN(span.w / 2, (double)px(p, 30)) - p->view->pan;
        double *seen = g_hash_table_lookup(first_x, GUINT_TO_POINTER(r->section));
        if (!seen) {
            seen = g_new(double, 2);
            seen[0] = seen[1] = x;
            g_hash_table_insert(first_x, GUINT_TO_POINTER(r->section), seen);
            continue;
        }
        /* A second (third...) view: the bracket from the last one to this one. */
        VvColor c = vv_link;
        p->canvas->ops->line(p->canvas, seen[1], strip.y + strip.h, seen[1], lane_y, weight, c);
        p->canvas->ops->line(p->canvas, x, strip.y + strip.h, x, lane_y, weight, c);
        p->canvas->ops->line(p->canvas, seen[1], lane_y, x, lane_y, weight, c);
        g_autofree char *name =
            p->scene->linux_words
                ? g_strdup_printf("mappings of %s", *r->details ? r->details : "one file")
                : g_strdup_printf("views of section %u", r->section);
        VvRect lane = {(int)seen[1], strip.y + strip.h, MAX((int)(x - seen[1]), 1),
                       p->panels.lane_height};
        if (paint_wants_tip(p, lane)) {
            g_autofree char *tip = g_strdup_printf(
                "%s: two ranges of addresses, one memory (a write through one is read through the "
                "other)",
                name);
            paint_tip(p, lane, tip);
        }
        int w = paint_text_width(p, VV_FONT_SMALL, name);
        if (x - seen[1] > w + px(p, 8)) {
            int tx = (int)((seen[1] + x - w) / 2), ty = lane_y - line_h(p, VV_FONT_SMALL) / 2;
            paint_fill(p, (VvRect){tx - 3, ty, w + 6, line_h(p, VV_FONT_SMALL)}, vv_paper);
            paint_text(p, VV_FONT_SMALL, tx, ty, w + 1, vv_link, name);
        }
        seen[1] = x;
    }
    g_hash_table_destroy(first_x);
}

static void paint_strip_label(Paint *p, uint32_t index, VvRect strip)
{
    const VvProcessScene *process = g_ptr_array_index(p->scene->processes, index);
    bool current = index == p->scene->current;
    bool linux_words = p->scene->linux_words;
    g_autofree char *label = g_strdup_printf(
        "%s (pid %u)%s   %s %llu %s   %s %llu %s", process->name, process->pid,
        current ? "  [tree and pages below]" : "", linux_words ? "resident set" : "working set",
        (unsigned long long)process->ws_size, pages_word(process->ws_size),
        linux_words ? "charged (VM_ACCOUNT)" : "commit", (unsigned long long)process->commit_charge,
        pages_word(process->commit_charge));
    /* On paper: the lines joining shared frames pass behind it. */
    int y = strip.y - p->panels.label_height;
    int w = MIN(paint_text_width(p, VV_FONT_SMALL, label), strip.w);
    paint_fill(p, (VvRect){strip.x, y, w + px(p, 4), p->panels.label_height - px(p, 4)}, vv_paper);
    paint_text(p, VV_FONT_SMALL, strip.x, y, strip.w, current ? vv_ink : vv_faint, label);
}

/* ---- Between strips, and under them -----------------------------------------------------------
 */

/* Lines between the pages of two processes that map one frame (a shared section page). */
static void paint_links(Paint *p)
{
    VvColor c = {vv_link.r, vv_link.g, vv_link.b, 190};
    for (guint i = 0; i < p->scene->links->len; i++) {
        const VvShareLink *l = &g_array_index(p->scene->links, VvShareLink, i);
        if (l->process_a == l->process_b)
            continue;
        VvRect ra = vv_strip_rect(&p->panels, l->process_a);
        VvRect rb = vv_strip_rect(&p->panels, l->process_b);
        double xa = ra.x + vv_axis_x(p->axis, l->address_a) - p->view->pan;
        double xb = rb.x + vv_axis_x(p->axis, l->address_b) - p->view->pan;
        bool a_above = ra.y < rb.y;
        p->canvas->ops->line(p->canvas, xa, a_above ? ra.y + ra.h : ra.y, xb,
                             a_above ? rb.y : rb.y + rb.h, px(p, 3), c);
    }
}

/* The first bound of the axis at x (map pixels) or right of it: a binary search, so a ruler over
 * 200 000 segments looks at the few it labels. */
static guint first_bound_at(const VvAxis *a, double x)
{
    guint lo = 0, hi = a->bounds->len;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (g_array_index(a->xs, double, mid) < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Addresses under the strips: where the scale's segments begin (a region of some process begins
 * or ends there), as many as fit, left to right. */
static void paint_ruler(Paint *p)
{
    VvRect r = p->panels.ruler;
    int tick = px(p, 4), gap = px(p, 10), placed_to = INT32_MIN;
    paint_fill(p, (VvRect){r.x, r.y, r.w, 1}, vv_faint);
    const VvAxis *a = p->axis;
    for (guint s = 0; s < a->bounds->len; s++) {
        double x = r.x + g_array_index(a->xs, double, s) - p->view->pan;
        if (x > r.x + r.w)
            break;
        if (x < MAX(r.x, placed_to)) {
            s = first_bound_at(a, MAX(r.x, placed_to) - r.x + p->view->pan);
            if (s >= a->bounds->len)
                break;
            x = r.x + g_array_index(a->xs, double, s) - p->view->pan;
        }
        char text[32];
        snprintf(text, sizeof text, "0x%llX",
                 (unsigned long long)g_array_index(a->bounds, uint64_t, s));
        int w = paint_text_width(p, VV_FONT_SMALL, text);
        int tx = CLAMP((int)x - w / 2, r.x, r.x + r.w - w);
        if (tx < placed_to)
            continue;
        p->canvas->ops->line(p->canvas, x, r.y, x, r.y + tick, 1, vv_ink);
        paint_text(p, VV_FONT_SMALL, tx, r.y + tick, w + 1, vv_ink, text);
        placed_to = tx + w + gap;
    }
}

void paint_maps(Paint *p)
{
    paint_clip(p, &p->panels.maps);
    for (guint i = 0; i < p->scene->processes->len; i++) {
        VvRect strip = vv_strip_rect(&p->panels, i);
        paint_outline(p, strip, (VvColor){200, 200, 195, 255}, 1);
        VvRect clip = {strip.x, strip.y - px(p, 4), strip.w, strip.h + px(p, 8)};
        paint_clip(p, &clip);
        paint_regions(p, i, strip);
        paint_breaks(p, strip);
        paint_clip(p, &p->panels.maps);
    }
    paint_links(p);
    for (guint i = 0; i < p->scene->processes->len; i++) {
        VvRect strip = vv_strip_rect(&p->panels, i);
        paint_strip_label(p, i, strip);
        paint_section_lanes(p, i, strip);
    }
    paint_ruler(p);
    paint_clip(p, NULL);
}

/* ---- The legend
 * ----------------------------------------------------------------------------------- */

static void paint_sample(Paint *p, const VvLegendEntry *e, VvRect box)
{
    VvRegion sample = {.kind = e->kind, .state = MEM_COMMIT};
    switch (e->sample) {
    case VV_SAMPLE_KIND:
        if (e->kind == VV_FREE || e->kind == VV_UNUSABLE)
            sample.state = MEM_FREE;
        paint_region(p, &sample, box);
        if (e->kind == VV_FREE)
            paint_outline(p, box, vv_panel_border, 1);
        break;
    case VV_SAMPLE_RESERVED:
        sample.state = MEM_RESERVE;
        paint_region(p, &sample, box);
        break;
    case VV_SAMPLE_TOUCHED: paint_outline(p, box, vv_highlight, px(p, 2)); break;
    case VV_SAMPLE_GUARD:
        paint_fill(p, (VvRect){box.x, box.y, box.w, px(p, 4)}, vv_guard_red);
        break;
    case VV_SAMPLE_COPY:
        paint_fill(p, (VvRect){box.x, box.y + box.h - px(p, 6), box.w, px(p, 6)},
                   vv_page_color(VV_PAGE_COPY));
        break;
    case VV_SAMPLE_SECTION: {
        int mid = box.y + box.h / 2, w = px(p, 2);
        p->canvas->ops->line(p->canvas, box.x + 1, box.y, box.x + 1, mid, w, vv_link);
        p->canvas->ops->line(p->canvas, box.x + box.w - 1, box.y, box.x + box.w - 1, mid, w,
                             vv_link);
        p->canvas->ops->line(p->canvas, box.x + 1, mid, box.x + box.w - 1, mid, w, vv_link);
        break;
    }
    case VV_SAMPLE_LINK:
        p->canvas->ops->line(p->canvas, box.x, box.y + box.h, box.x + box.w, box.y, px(p, 3),
                             vv_link);
        break;
    case VV_SAMPLE_BREAK: paint_break(p, box, box.x, box.w); break;
    }
}

void paint_legend(Paint *p)
{
    paint_clip(p, &p->panels.legend);
    size_t count;
    const VvLegendEntry *entries = vv_map_legend(p->scene->linux_words, &count);
    KeyCursor key = paint_key_start(p->panels.legend);
    for (size_t i = 0; i < count; i++)
        paint_sample(p, &entries[i], paint_key_entry(p, &key, entries[i].label));
    paint_clip(p, NULL);
}
