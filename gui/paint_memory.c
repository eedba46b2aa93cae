/*
 * paint_memory.c - the selected region's pages (a cell each, colored by its PTE's state, with a
 * key) and the selected page's four-level walk as !pte prints it; physical memory: the list
 * counts as the frame grid's key, the frames the scenario uses (a cell each, numbered when there
 * is room), and the current process's working set against its limits.
 */
#include <stdio.h>

#include "paint_int.h"

int vv_grid_cell_at(const VvGrid *grid, int x, int y)
{
    if (grid->pitch <= 0 || x < grid->x || y < grid->y)
        return -1;
    int col = (x - grid->x) / grid->pitch, row = (y - grid->y) / grid->pitch;
    if (col >= grid->columns || (x - grid->x) % grid->pitch >= grid->cell ||
        (y - grid->y) % grid->pitch >= grid->cell)
        return -1;
    long index = (long)row * grid->columns + col;
    return index < (long)grid->count ? (int)index : -1;
}

/* The largest square cells (at most max_cell) that fit count of them into area. */
static VvGrid fit_grid(const Paint *p, VvRect area, guint count, int max_cell)
{
    VvGrid g = {area.x, area.y, 0, 0, 1, count};
    for (int cell = max_cell; cell >= 2; cell--) {
        int gap = cell >= px(p, 10) ? MAX(px(p, 2), 2) : 1;
        int columns = MAX((area.w + gap) / (cell + gap), 1);
        guint rows = (count + (guint)columns - 1) / (guint)columns;
        g = (VvGrid){area.x, area.y, cell, cell + gap, columns, count};
        if ((long)rows * (cell + gap) - gap <= area.h)
            return g;
    }
    g.count = MIN(count, (guint)(g.columns * MAX(area.h / MAX(g.pitch, 1), 0)));
    return g;
}

static VvRect grid_cell(const VvGrid *g, guint i)
{
    return (VvRect){g->x + (int)(i % (guint)g->columns) * g->pitch,
                    g->y + (int)(i / (guint)g->columns) * g->pitch, g->cell, g->cell};
}

/* Ink that reads on color: dark on light colors, white on dark ones. */
static VvColor ink_on(VvColor color)
{
    int luma = (299 * color.r + 587 * color.g + 114 * color.b) / 1000;
    return luma > 140 ? vv_ink : (VvColor){255, 255, 255, 255};
}

/* ---- Pages -------------------------------------------------------------------------------------
 */

static const VvRegion *selected_region(const Paint *p)
{
    const VvProcessScene *process = paint_current(p);
    int i = p->view->selected_region;
    return process && i >= 0 && (guint)i < process->regions->len
               ? &g_array_index(process->regions, VvRegion, i)
               : NULL;
}

/* The key of the states the grid shows, in their order. */
static int paint_page_key(Paint *p, VvRect body)
{
    bool present[VV_PAGE_STATE_COUNT] = {false};
    for (guint i = 0; p->view->pages && i < p->view->pages->len; i++)
        present[g_array_index(p->view->pages, VvPage, i).state] = true;
    KeyCursor key = paint_key_start(body);
    bool any = false;
    for (int s = 0; s < VV_PAGE_STATE_COUNT; s++) {
        if (!present[s])
            continue;
        paint_fill(p, paint_key_entry(p, &key, vv_page_state_name((VvPageState)s)),
                   vv_page_color((VvPageState)s));
        any = true;
    }
    return any ? paint_key_height(p, &key) : 0;
}

static void paint_page_cells(Paint *p, const VvGrid *g)
{
    for (guint i = 0; i < g->count; i++) {
        const VvPage *page = &g_array_index(p->view->pages, VvPage, i);
        VvRect box = grid_cell(g, i);
        paint_fill(p, box, vv_page_color(page->state));
        if (page->address == p->view->selected_page)
            paint_outline(p, (VvRect){box.x - 2, box.y - 2, box.w + 4, box.h + 4}, vv_ink, 2);
        if (paint_wants_tip(p, box)) {
            g_autofree char *tip =
                page->frame ? g_strdup_printf("page 0x%llX: %s, frame 0x%llX (click: its !pte)",
                                              (unsigned long long)page->address,
                                              vv_page_state_name(page->state),
                                              (unsigned long long)page->frame)
                            : g_strdup_printf("page 0x%llX: %s (click: its !pte)",
                                              (unsigned long long)page->address,
                                              vv_page_state_name(page->state));
            paint_tip(p, box, tip);
        }
    }
}

/* The selected page's walk, as !pte prints it: a line a level, at the bottom of body (as many of
 * its last lines as fit, the leaf's PTE being the one that matters). Returns the height taken. */
static int paint_pte_walk(Paint *p, VvRect body)
{
    char **lines = g_strsplit(p->view->pte_text ? p->view->pte_text : "", "\n", -1);
    int n = 0, h = line_h(p, VV_FONT_SMALL);
    for (char **line = lines; *line; line++)
        n += **line != '\0';
    int shown = MIN(n, body.h / h), skip = n - shown, y = body.y + body.h - shown * h;
    for (char **line = lines; *line; line++) {
        if (!**line || skip-- > 0)
            continue;
        paint_text(p, VV_FONT_SMALL, body.x, y, body.w, vv_ink, *line);
        y += h;
    }
    g_strfreev(lines);
    return shown * h;
}

void paint_pages(Paint *p)
{
    const VvRegion *region = selected_region(p);
    g_autofree char *title =
        region
            ? g_strdup_printf("Pages of 0x%llX-0x%llX (%s, %s)", (unsigned long long)region->start,
                              (unsigned long long)region->end - 1,
                              vv_kind_name(region->kind, p->scene->linux_words),
                              p->scene->linux_words ? "mapped" : vs_mem_state_name(region->state))
            : g_strdup("Pages: click a region of a map");
    paint_panel(p, p->panels.pages, title);
    VvRect body = vv_panel_body(p->style, p->panels.pages);
    int key_h = paint_page_key(p, body) + px(p, 6);
    p->info.pages = (VvGrid){0};
    if (p->view->pages && p->view->pages->len) {
        VvRect below = {body.x, body.y + key_h, body.w, MAX(body.h - key_h, 0)};
        int walk_h = paint_pte_walk(p, below) + px(p, 6);
        VvRect area = {body.x + 2, body.y + key_h + 2, body.w - 4, body.h - key_h - walk_h - 4};
        p->info.pages = fit_grid(p, area, p->view->pages->len, px(p, 30));
        paint_page_cells(p, &p->info.pages);
    }
    paint_clip(p, NULL);
}

/* ---- Physical memory ---------------------------------------------------------------------------
 */

/* How many frames of each kind the key shows: the lists' counts, shared and page-table frames. */
static uint64_t key_count(const VvScene *s, const VvFrameKey *key, uint64_t shared, uint64_t tables)
{
    const VsMemoryCounters *m = &s->memory;
    if (key->sample.table)
        return tables;
    if (key->sample.shared)
        return shared;
    switch (key->sample.location) {
    case VS_PAGE_ZEROED: return m->zeroed_pages;
    case VS_PAGE_FREE: return m->free_pages;
    case VS_PAGE_STANDBY: return m->standby_pages;
    case VS_PAGE_MODIFIED: return m->modified_pages;
    case VS_PAGE_BAD: return m->bad_pages;
    default: return m->active_pages - MIN(m->active_pages, shared + tables);
    }
}

static int paint_frame_key(Paint *p, VvRect body)
{
    uint64_t shared = 0, tables = 0;
    for (guint i = 0; i < p->scene->frames->len; i++) {
        const VvFrame *f = &g_array_index(p->scene->frames, VvFrame, i);
        tables += f->table;
        shared += !f->table && f->shared && f->location == VS_PAGE_ACTIVE;
    }
    size_t count;
    const VvFrameKey *key = vv_frame_key(&count);
    KeyCursor cursor = paint_key_start(body);
    for (size_t i = 0; i < count; i++) {
        uint64_t n = key_count(p->scene, &key[i], shared, tables);
        if (key[i].sample.location == VS_PAGE_BAD && !n)
            continue;
        /* Linux has no sections: a frame more than one mapping can share is a shared page. */
        const char *name = p->scene->linux_words && key[i].sample.shared && !key[i].sample.table
                               ? "active, shared"
                               : key[i].label;
        g_autofree char *label = g_strdup_printf("%s %llu", name, (unsigned long long)n);
        VvRect box = paint_key_entry(p, &cursor, label);
        paint_fill(p, box, vv_frame_color(&key[i].sample));
        paint_outline(p, box, vv_panel_border, 1);
    }
    const VsMemoryCounters *m = &p->scene->memory;
    g_autofree char *file = g_strdup_printf(
        "%s %llu/%llu pages used", p->scene->linux_words ? "swap" : "page file",
        (unsigned long long)m->pagefile_used, (unsigned long long)m->pagefile_pages);
    paint_fill(p, paint_key_entry(p, &cursor, file), vv_page_color(VV_PAGE_PAGEFILE));
    return paint_key_height(p, &cursor);
}

/* How many frames the grid shows: every frame of a small machine; of a large one, those the
 * scenario used and a margin (the rest sit on the zeroed list, never touched). */
static guint frames_shown(const VvScene *s)
{
    guint total = s->frames->len;
    if (total <= 64)
        return total;
    uint64_t used = s->frames_used + s->frames_used / 4 + 16;
    return (guint)MIN((uint64_t)total, MAX(used, 64));
}

/* Whether frame numbers fit in the cells: as the narration writes them (0x1D), else without
 * their 0x (1D); measured on the widest number the grid holds. */
static bool number_fits(Paint *p, const VvGrid *g, guint shown, const char **prefix)
{
    if (line_h(p, VV_FONT_SMALL) > g->cell)
        return false;
    char widest[24];
    int digits = snprintf(widest, sizeof widest, "%X", MAX(shown, 1u) - 1);
    for (int i = 0; i < digits; i++)
        widest[i] = 'D'; /* among the widest hex digits */
    g_autofree char *with = g_strdup_printf("0x%s", widest);
    int room = g->cell - px(p, 2);
    if (paint_text_width(p, VV_FONT_SMALL, with) <= room)
        return true;
    *prefix = "";
    return paint_text_width(p, VV_FONT_SMALL, widest) <= room;
}

static void paint_frame_cells(Paint *p, VvRect area, guint shown)
{
    /* Past 8192 cells one stands for several frames (the first's color): a frame of the window
     * costs the panel's size, not the machine's. */
    guint per_cell = 1;
    while ((shown + per_cell - 1) / per_cell > 8192)
        per_cell *= 2;
    VvGrid g = fit_grid(p, area, (shown + per_cell - 1) / per_cell, px(p, 44));
    const char *prefix = "0x";
    bool numbered = per_cell == 1 && number_fits(p, &g, shown, &prefix);
    for (guint i = 0; i < g.count; i++) {
        guint f = i * per_cell;
        const VvFrame *frame = &g_array_index(p->scene->frames, VvFrame, f);
        VvRect box = grid_cell(&g, i);
        VvColor color = vv_frame_color(frame);
        paint_fill(p, box, color);
        if (g.cell >= px(p, 8))
            paint_outline(p, box, vv_panel_border, 1);
        char number[24];
        snprintf(number, sizeof number, "%s%X", prefix, f);
        if (numbered)
            paint_text(
                p, VV_FONT_SMALL, box.x + (box.w - paint_text_width(p, VV_FONT_SMALL, number)) / 2,
                box.y + (box.h - line_h(p, VV_FONT_SMALL)) / 2, box.w, ink_on(color), number);
        if (paint_wants_tip(p, box)) {
            g_autofree char *tip = g_strdup_printf(
                "frame 0x%X: %s%s%s", f, vs_page_location_name((VsPageLocation)frame->location),
                frame->table ? ", a page table" : "",
                frame->shared ? (p->scene->linux_words ? ", a shared page" : ", a section's page")
                              : "");
            paint_tip(p, box, tip);
        }
    }
}

/* The current process's working set against its minimum and maximum. */
static void paint_working_set(Paint *p, VvRect body)
{
    const VvProcessScene *process = paint_current(p);
    if (!process || !process->ws_max)
        return;
    int bar_h = px(p, 12);
    VvRect bar = {body.x, body.y + body.h - bar_h, body.w, bar_h};
    g_autofree char *line =
        g_strdup_printf("%s of %s: %llu %s; minimum %llu (the tick), maximum %llu",
                        p->scene->linux_words ? "resident set" : "working set", process->name,
                        (unsigned long long)process->ws_size, pages_word(process->ws_size),
                        (unsigned long long)process->ws_min, (unsigned long long)process->ws_max);
    paint_text(p, VV_FONT_SMALL, bar.x, bar.y - line_h(p, VV_FONT_SMALL), bar.w, vv_ink, line);
    paint_fill(p, bar, (VvColor){255, 255, 255, 255});
    double scale = (double)bar.w / (double)MAX(process->ws_max, process->ws_size);
    paint_fill(p, (VvRect){bar.x, bar.y, (int)((double)process->ws_size * scale), bar.h},
               vv_frame_color(&(VvFrame){.location = VS_PAGE_ACTIVE}));
    paint_fill(p,
               (VvRect){bar.x + (int)((double)process->ws_min * scale), bar.y - px(p, 2), px(p, 2),
                        bar.h + px(p, 4)},
               vv_ink);
    paint_outline(p, bar, vv_faint, 1);
}

void paint_physical(Paint *p)
{
    const VvScene *s = p->scene;
    const VsMemoryCounters *m = &s->memory;
    guint shown = frames_shown(s);
    g_autofree char *part =
        shown < s->frames->len
            ? g_strdup_printf(", 0x0-0x%X shown (the rest never used)", shown - 1)
            : g_strdup("");
    g_autofree char *title =
        g_strdup_printf("Physical memory: %llu frames%s", (unsigned long long)m->total_pages, part);
    paint_panel(p, p->panels.physical, title);
    VvRect body = vv_panel_body(p->style, p->panels.physical);
    int key_h = paint_frame_key(p, body) + px(p, 6);
    int ws_h = line_h(p, VV_FONT_SMALL) + px(p, 12) + px(p, 8);
    VvRect area = {body.x + 1, body.y + key_h + 1, body.w - 2, body.h - key_h - ws_h - 2};
    if (shown && area.h > 2)
        paint_frame_cells(p, area, shown);
    if (body.h >= key_h + ws_h)
        paint_working_set(p, body);
    paint_clip(p, NULL);
}
