/*
 * draw.c - the panels: header, address maps (one strip per process, shared frames linked), legend,
 * VAD tree, page grid with !pte, physical memory, narration, and the help overlay.
 *
 * Colors follow VMMap's type palette (palette.c); the state is drawn on top of the type: committed
 * memory is filled, reserved memory is hatched inside an outline, a placeholder is striped, a guard
 * page has a red tick. What the step touched is framed in the highlight color.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"

#define FONT_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" /* fonts-dejavu-core */

/* ---- Primitives ---------------------------------------------------------------------------- */

static void set_color(SDL_Renderer *r, VvColor c) { SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a); }

static void fill(SDL_Renderer *r, VvRect rect, VvColor c)
{
    set_color(r, c);
    SDL_RenderFillRect(r, &(SDL_Rect){rect.x, rect.y, rect.w, rect.h});
}

static void outline(SDL_Renderer *r, VvRect rect, VvColor c)
{
    set_color(r, c);
    SDL_RenderDrawRect(r, &(SDL_Rect){rect.x, rect.y, rect.w, rect.h});
}

/* Diagonal lines every step pixels inside rect (hatching for reserved, stripes for
 * placeholders). */
static void hatch(SDL_Renderer *r, VvRect rect, VvColor c, int step)
{
    set_color(r, c);
    SDL_RenderSetClipRect(r, &(SDL_Rect){rect.x, rect.y, rect.w, rect.h});
    for (int d = -rect.h; d < rect.w; d += step)
        SDL_RenderDrawLine(r, rect.x + d, rect.y + rect.h, rect.x + d + rect.h, rect.y);
    SDL_RenderSetClipRect(r, NULL);
}

/* Text at (x, y), clipped to max_w pixels (0: no limit). Returns the width drawn. */
static int text(VvPainter *p, TTF_Font *font, int x, int y, VvColor c, const char *s, int max_w)
{
    if (!s || !*s || !font)
        return 0;
    SDL_Surface *surface = TTF_RenderUTF8_Blended(font, s, (SDL_Color){c.r, c.g, c.b, c.a});
    if (!surface)
        return 0;
    SDL_Texture *texture = SDL_CreateTextureFromSurface(p->renderer, surface);
    int w = max_w > 0 ? MIN(surface->w, max_w) : surface->w;
    if (texture) {
        SDL_RenderCopy(p->renderer, texture, &(SDL_Rect){0, 0, w, surface->h},
                       &(SDL_Rect){x, y, w, surface->h});
        SDL_DestroyTexture(texture);
    }
    SDL_FreeSurface(surface);
    return w;
}

static void panel(VvPainter *p, VvRect rect, const char *title)
{
    fill(p->renderer, rect, vv_panel_background);
    outline(p->renderer, rect, (VvColor){210, 210, 205, 255});
    text(p, p->small, rect.x + 6, rect.y + 4, vv_faint, title, rect.w - 12);
}

bool vv_painter_open_fonts(VvPainter *painter, char *error, size_t error_len)
{
    const char *path = getenv("VADSIM_FONT");
    if (!path || !*path)
        path = FONT_PATH;
    painter->font = TTF_OpenFont(path, 13);
    painter->small = TTF_OpenFont(path, 11);
    if (!painter->font || !painter->small) {
        snprintf(error, error_len,
                 "cannot open the font %s (%s): install fonts-dejavu-core or "
                 "set VADSIM_FONT to a .ttf file",
                 path, TTF_GetError());
        vv_painter_close_fonts(painter);
        return false;
    }
    return true;
}

void vv_painter_close_fonts(VvPainter *painter)
{
    if (painter->font)
        TTF_CloseFont(painter->font);
    if (painter->small)
        TTF_CloseFont(painter->small);
    painter->font = painter->small = NULL;
}

/* ---- Header and maps ----------------------------------------------------------------------- */

static void draw_header(VvPainter *p, const VvScene *s, VvRect r)
{
    char line[512];
    snprintf(line, sizeof line, "%s", s->title ? s->title : "(untitled scenario)");
    text(p, p->font, r.x, r.y, vv_ink, line, r.w);
    if (s->step)
        snprintf(line, sizeof line, "Step %zu of %zu: %s", s->step, s->steps,
                 s->step_title ? s->step_title : "");
    else
        snprintf(line, sizeof line, "Before step 1 of %zu  (Space: next step, H: help)", s->steps);
    text(p, p->font, r.x, r.y + 20, (VvColor){40, 60, 140, 255}, line, r.w);
}

/* One region on its strip: the type's color, the state's pattern, the marks. */
static void draw_region(VvPainter *p, const VvRegion *region, VvRect box, bool selected)
{
    SDL_Renderer *r = p->renderer;
    VvColor color = vv_kind_color(region->kind);
    if (region->kind == VV_PLACEHOLDER) {
        fill(r, box, (VvColor){250, 250, 252, 255});
        hatch(r, box, (VvColor){120, 120, 150, 255}, 4);
        outline(r, box, (VvColor){80, 80, 120, 255});
    } else if (region->state == MEM_COMMIT) {
        fill(r, box, color);
    } else if (region->state == MEM_RESERVE) {
        fill(r, box,
             (VvColor){(uint8_t)(255 - (255 - color.r) / 3), (uint8_t)(255 - (255 - color.g) / 3),
                       (uint8_t)(255 - (255 - color.b) / 3), 255});
        hatch(r, box, color, 6);
        outline(r, box, vv_reserved_outline);
    } else {
        fill(r, box, color);
    }
    if (region->guard)
        fill(r, (VvRect){box.x, box.y, MAX(box.w, 2), 4}, (VvColor){220, 40, 40, 255});
    if (region->copied)
        fill(r, (VvRect){box.x, box.y + box.h - 6, MAX(box.w, 2), 6}, vv_page_color(VV_PAGE_COPY));
    if (region->touched)
        outline(r, (VvRect){box.x - 1, box.y - 1, box.w + 2, box.h + 2}, vv_highlight);
    if (selected)
        outline(r, (VvRect){box.x - 2, box.y - 2, box.w + 4, box.h + 4}, vv_ink);
}

/* A break: a long free stretch drawn short, with a zigzag so nobody reads it as to scale. */
static void draw_break(VvPainter *p, VvRect box)
{
    fill(p->renderer, box, vv_kind_color(VV_FREE));
    set_color(p->renderer, vv_faint);
    int mid = box.x + box.w / 2;
    for (int y = box.y; y < box.y + box.h; y += 6) {
        SDL_RenderDrawLine(p->renderer, mid - 3, y, mid + 3, y + 3);
        SDL_RenderDrawLine(p->renderer, mid + 3, y + 3, mid - 3, y + 6);
    }
}

static void draw_strip(VvPainter *p, const VvScene *s, const VvView *v, uint32_t index,
                       const VvMapLayout *layout, VvRect strip)
{
    const VvProcessScene *process = g_ptr_array_index(s->processes, index);
    char label[128];
    snprintf(label, sizeof label, "%s (pid %u)%s   working set %llu pages, commit %llu pages",
             process->name, process->pid, index == s->current ? "  [current]" : "",
             (unsigned long long)process->ws_size, (unsigned long long)process->commit_charge);
    text(p, p->small, strip.x, strip.y - 15, index == s->current ? vv_ink : vv_faint, label,
         strip.w);
    outline(p->renderer, strip, (VvColor){200, 200, 195, 255}); /* under the regions' marks */
    SDL_RenderSetClipRect(p->renderer, &(SDL_Rect){strip.x, strip.y - 3, strip.w, strip.h + 6});
    for (guint i = 0; i < process->regions->len; i++) {
        const VvSpan *span = &g_array_index(layout->spans, VvSpan, i);
        double x0 = strip.x + span->x - v->pan;
        if (x0 > strip.x + strip.w || x0 + span->w < strip.x)
            continue;
        VvRect box = {(int)x0, strip.y, MAX((int)(x0 + span->w) - (int)x0, 1), strip.h};
        const VvRegion *region = &g_array_index(process->regions, VvRegion, i);
        if (span->compressed)
            draw_break(p, box);
        else
            draw_region(p, region, box, index == s->current && (int)i == v->selected_region);
        /* Page boundaries once pages are wide enough to see. */
        double page_px = span->w * VS_PAGE_SIZE / (double)(region->end - region->start);
        if (!span->compressed && page_px >= 6) {
            set_color(p->renderer, (VvColor){255, 255, 255, 160});
            for (double x = x0 + page_px; x < x0 + span->w - 1; x += page_px)
                SDL_RenderDrawLine(p->renderer, (int)x, strip.y + 2, (int)x, strip.y + strip.h - 3);
        }
    }
    SDL_RenderSetClipRect(p->renderer, NULL);
}

/* Lines between the pages of two processes that map one frame (a shared section page). */
static void draw_links(VvPainter *p, const VvScene *s, const VvView *v, const VvPanels *panels,
                       VvMapLayout *layouts)
{
    set_color(p->renderer, (VvColor){40, 150, 150, 200});
    SDL_RenderSetClipRect(
        p->renderer, &(SDL_Rect){panels->maps.x, panels->maps.y, panels->maps.w, panels->maps.h});
    for (guint i = 0; i < s->links->len; i++) {
        const VvShareLink *l = &g_array_index(s->links, VvShareLink, i);
        if (l->process_a == l->process_b)
            continue;
        const VvProcessScene *a = g_ptr_array_index(s->processes, l->process_a);
        const VvProcessScene *b = g_ptr_array_index(s->processes, l->process_b);
        VvRect ra = vv_strip_rect(panels, l->process_a), rb = vv_strip_rect(panels, l->process_b);
        double xa = ra.x + vv_map_x(&layouts[l->process_a], a->regions, l->address_a) - v->pan;
        double xb = rb.x + vv_map_x(&layouts[l->process_b], b->regions, l->address_b) - v->pan;
        bool a_above = ra.y < rb.y;
        SDL_RenderDrawLine(p->renderer, (int)xa, a_above ? ra.y + ra.h : ra.y, (int)xb,
                           a_above ? rb.y : rb.y + rb.h);
    }
    SDL_RenderSetClipRect(p->renderer, NULL);
}

/* One legend entry: a sample, then its name; wraps to the next row when the row is full. */
typedef struct LegendCursor {
    VvPainter *p;
    VvRect r;
    int x, y;
} LegendCursor;

static VvRect legend_slot(LegendCursor *c, const char *name)
{
    int w = 0;
    TTF_SizeUTF8(c->p->small, name, &w, NULL);
    if (c->x + 18 + w > c->r.x + c->r.w && c->x > c->r.x)
        c->x = c->r.x, c->y += 16;
    VvRect sample = {c->x, c->y + 3, 14, 12};
    text(c->p, c->p->small, c->x + 18, c->y + 2, vv_ink, name, 0);
    c->x += 18 + w + 10;
    return sample;
}

static void draw_legend(VvPainter *p, VvRect r)
{
    static const VvKind kinds[] = {VV_PRIVATE, VV_SHAREABLE, VV_MAPPED_FILE, VV_IMAGE,
                                   VV_STACK,   VV_FREE,      VV_UNUSABLE,    VV_PLACEHOLDER};
    LegendCursor c = {p, r, r.x, r.y};
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        VvRegion sample = {.kind = kinds[i], .state = MEM_COMMIT};
        if (kinds[i] == VV_FREE || kinds[i] == VV_UNUSABLE)
            sample.state = MEM_FREE;
        draw_region(p, &sample, legend_slot(&c, vv_kind_name(kinds[i])), false);
    }
    VvRegion reserved = {.kind = VV_PRIVATE, .state = MEM_RESERVE};
    draw_region(p, &reserved, legend_slot(&c, "reserved"), false);
    outline(p->renderer, legend_slot(&c, "touched by this step"), vv_highlight);
    VvRect guard = legend_slot(&c, "guard");
    fill(p->renderer, (VvRect){guard.x, guard.y, 14, 4}, (VvColor){220, 40, 40, 255});
    VvRect copy = legend_slot(&c, "copy-on-write copy");
    fill(p->renderer, (VvRect){copy.x, copy.y + 6, 14, 6}, vv_page_color(VV_PAGE_COPY));
    VvRect link = legend_slot(&c, "a frame both processes map");
    set_color(p->renderer, (VvColor){40, 150, 150, 255});
    SDL_RenderDrawLine(p->renderer, link.x, link.y + 12, link.x + 14, link.y);
}

/* ---- VAD tree ------------------------------------------------------------------------------- */

static void draw_tree(VvPainter *p, const VvScene *s, VvRect r)
{
    const VvProcessScene *process =
        s->processes->len ? g_ptr_array_index(s->processes, s->current) : NULL;
    char title[128];
    snprintf(title, sizeof title, "VAD tree (AVL) of %s: %u node%s, depth %u",
             process ? process->name : "-", process ? process->vads->len : 0,
             process && process->vads->len == 1 ? "" : "s", process ? process->tree_depth : 0);
    panel(p, r, title);
    if (!process)
        return;
    SDL_RenderSetClipRect(p->renderer, &(SDL_Rect){r.x, r.y, r.w, r.h});
    /* A big tree has more nodes than pixels: each level draws one node (and its edge) per few
     * pixels, highlighted if any node it stands for was touched, so a frame costs the window's
     * size, not the tree's. */
    guint levels = MAX(process->tree_depth, 1u);
    int *last_x = g_new(int, levels);
    gint *last_shown = g_new(gint, levels);
    for (guint l = 0; l < levels; l++)
        last_x[l] = INT_MIN, last_shown[l] = -1;
    GArray *shown = g_array_new(FALSE, FALSE, sizeof(guint));
    GArray *lit = g_array_new(FALSE, TRUE, sizeof(gboolean));
    for (guint i = 0; i < process->vads->len; i++) {
        const VvVadNode *n = &g_array_index(process->vads, VvVadNode, i);
        VvRect box = vv_tree_node_rect(&r, process, i);
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
    set_color(p->renderer, vv_faint);
    for (guint k = 0; k < shown->len; k++) {
        guint i = g_array_index(shown, guint, k);
        const VvVadNode *n = &g_array_index(process->vads, VvVadNode, i);
        if (n->parent < 0)
            continue;
        VvRect a = vv_tree_node_rect(&r, process, i);
        VvRect b = vv_tree_node_rect(&r, process, (guint)n->parent);
        SDL_RenderDrawLine(p->renderer, a.x + a.w / 2, a.y, b.x + b.w / 2, b.y + b.h);
    }
    for (guint k = 0; k < shown->len; k++) {
        guint i = g_array_index(shown, guint, k);
        const VvVadNode *n = &g_array_index(process->vads, VvVadNode, i);
        VvRect box = vv_tree_node_rect(&r, process, i);
        bool touched = g_array_index(lit, gboolean, k);
        fill(p->renderer, box, vv_kind_color(n->kind));
        outline(p->renderer, box, touched ? vv_highlight : vv_reserved_outline);
        if (touched)
            outline(p->renderer, (VvRect){box.x - 1, box.y - 1, box.w + 2, box.h + 2},
                    vv_highlight);
        if (box.w >= 60 && box.h >= 24) {
            char line[64];
            snprintf(line, sizeof line, "%llx-%llx", (unsigned long long)n->start_vpn,
                     (unsigned long long)n->end_vpn);
            text(p, p->small, box.x + 3, box.y + 1, vv_ink, line, box.w - 4);
            snprintf(line, sizeof line, "%s %+d", vv_kind_name(n->kind), n->balance);
            text(p, p->small, box.x + 3, box.y + 14, vv_ink, line, box.w - 4);
        }
    }
    g_array_free(shown, TRUE);
    g_array_free(lit, TRUE);
    /* Deleted nodes are gone from the tree: say which. */
    GString *removed = g_string_new(NULL);
    for (guint i = 0; i + 1 < process->removed->len && removed->len < 200; i += 2)
        g_string_append_printf(
            removed, "%s%llx-%llx", i ? ", " : "removed by this step: ",
            (unsigned long long)g_array_index(process->removed, uint64_t, i),
            (unsigned long long)g_array_index(process->removed, uint64_t, i + 1));
    text(p, p->small, r.x + 6, r.y + r.h - 16, vv_highlight, removed->str, r.w - 12);
    g_string_free(removed, TRUE);
    SDL_RenderSetClipRect(p->renderer, NULL);
}

/* ---- Pages, physical memory, narration ------------------------------------------------------- */

static void draw_pages(VvPainter *p, const VvScene *s, const VvView *v, VvRect r)
{
    const VvProcessScene *process =
        s->processes->len ? g_ptr_array_index(s->processes, s->current) : NULL;
    const VvRegion *region =
        process && v->selected_region >= 0 && (guint)v->selected_region < process->regions->len
            ? &g_array_index(process->regions, VvRegion, v->selected_region)
            : NULL;
    char title[160];
    if (region)
        snprintf(title, sizeof title, "Pages of 0x%llx-0x%llx (%s, %s)",
                 (unsigned long long)region->start, (unsigned long long)region->end - 1,
                 vv_kind_name(region->kind),
                 region->state == MEM_COMMIT    ? "committed"
                 : region->state == MEM_RESERVE ? "reserved"
                                                : "free");
    else
        snprintf(title, sizeof title, "Pages (click a region)");
    panel(p, r, title);
    if (!v->pages || !v->pages->len)
        return;
    int cell = v->pages->len > 256 ? 8 : 14, per_row = MAX((r.w - 16) / (cell + 2), 1);
    for (guint i = 0; i < v->pages->len; i++) {
        const VvPage *page = &g_array_index(v->pages, VvPage, i);
        VvRect box = {r.x + 8 + (int)(i % per_row) * (cell + 2),
                      r.y + 22 + (int)(i / per_row) * (cell + 2), cell, cell};
        if (box.y + cell > r.y + r.h - 80)
            break;
        fill(p->renderer, box, vv_page_color(page->state));
        if (page->address == v->selected_page)
            outline(p->renderer, (VvRect){box.x - 1, box.y - 1, box.w + 2, box.h + 2}, vv_ink);
    }
    /* The selected page's walk, as !pte prints it. */
    int y = r.y + r.h - 76;
    for (const char *line = v->pte_text; line && *line && y < r.y + r.h - 12;) {
        const char *end = strchr(line, '\n');
        char buf[256];
        size_t n = end ? (size_t)(end - line) : strlen(line);
        snprintf(buf, sizeof buf, "%.*s", (int)MIN(n, sizeof buf - 1), line);
        text(p, p->small, r.x + 8, y, vv_ink, buf, r.w - 16);
        y += 13;
        line = end ? end + 1 : line + n;
    }
}

static void draw_physical(VvPainter *p, const VvScene *s, VvRect r)
{
    const VsMemoryCounters *m = &s->memory;
    char title[256];
    snprintf(title, sizeof title,
             "Physical memory: %llu frames  zeroed %llu  free %llu  standby "
             "%llu  modified %llu  active %llu   page file %llu/%llu",
             (unsigned long long)m->total_pages, (unsigned long long)m->zeroed_pages,
             (unsigned long long)m->free_pages, (unsigned long long)m->standby_pages,
             (unsigned long long)m->modified_pages, (unsigned long long)m->active_pages,
             (unsigned long long)m->pagefile_used, (unsigned long long)m->pagefile_pages);
    panel(p, r, title);
    guint frames = s->frames->len;
    if (!frames)
        return;
    /* As many frames as fit: one cell each, a cell of several frames past that. */
    int area_h = r.h - 50, area_w = r.w - 16;
    int cell = 10;
    while (cell > 2 && (guint)((area_w / cell) * (area_h / cell)) < frames)
        cell--;
    guint per_row = (guint)MAX(area_w / cell, 1), per_cell = 1;
    /* Past 8192 cells one cell stands for several frames (the first's color): a frame costs the
     * panel's size, not the machine's. */
    while ((frames + per_cell - 1) / per_cell > MIN(per_row * (guint)MAX(area_h / cell, 1), 8192u))
        per_cell *= 2;
    for (guint i = 0; i * per_cell < frames; i++) {
        const VvFrame *frame = &g_array_index(s->frames, VvFrame, i * per_cell);
        VvRect box = {r.x + 8 + (int)(i % per_row) * cell, r.y + 20 + (int)(i / per_row) * cell,
                      cell - (cell > 3), cell - (cell > 3)};
        fill(p->renderer, box, vv_frame_color(frame));
    }
    /* The current process's working set against its limits. */
    const VvProcessScene *process =
        s->processes->len ? g_ptr_array_index(s->processes, s->current) : NULL;
    if (!process || !process->ws_max)
        return;
    VvRect bar = {r.x + 8, r.y + r.h - 22, r.w - 16, 12};
    fill(p->renderer, bar, (VvColor){255, 255, 255, 255});
    double scale = (double)bar.w / (double)MAX(process->ws_max, process->ws_size);
    fill(p->renderer, (VvRect){bar.x, bar.y, (int)(process->ws_size * scale), bar.h},
         (VvColor){70, 170, 80, 255});
    fill(p->renderer, (VvRect){bar.x + (int)(process->ws_min * scale), bar.y - 2, 2, bar.h + 4},
         vv_ink);
    outline(p->renderer, bar, vv_faint);
    char line[160];
    snprintf(line, sizeof line, "working set %llu pages (minimum %llu, maximum %llu)",
             (unsigned long long)process->ws_size, (unsigned long long)process->ws_min,
             (unsigned long long)process->ws_max);
    text(p, p->small, bar.x, bar.y - 14, vv_ink, line, bar.w);
}

static void draw_narration(VvPainter *p, const VvScene *s, VvRect r)
{
    panel(p, r, "What happened");
    int y = r.y + 20;
    const char *line = s->narration;
    while (line && *line && y < r.y + r.h - 14) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s", (int)MIN(n, sizeof buf - 1), line);
        if (n)
            text(p, p->small, r.x + 8, y, buf[0] == '=' ? (VvColor){40, 60, 140, 255} : vv_ink, buf,
                 r.w - 16);
        y += n ? 13 : 5;
        line = end ? end + 1 : line + n;
    }
}

static void draw_help(VvPainter *p, int width, int height)
{
    static const char *const lines[] = {
        "Space or Right: next step          Left or Backspace: previous step (exact replay)",
        "Home / End: first / last step      Tab: next process",
        "Click: select a region (its pages appear right); click a page for its !pte walk",
        "Wheel or + / -: zoom the maps      drag or arrows Up/Down: pan      F: fit",
        "S: save a PNG                      H or ?: this help      Q or Esc: quit",
    };
    VvRect box = {width / 2 - 300, height / 2 - 70, 600, 140};
    fill(p->renderer, box, (VvColor){255, 255, 255, 245});
    outline(p->renderer, box, vv_ink);
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
        text(p, p->small, box.x + 14, box.y + 14 + (int)i * 22, vv_ink, lines[i], box.w - 28);
}

void vv_draw(VvPainter *p, const VvScene *s, const VvView *v, int width, int height)
{
    set_color(p->renderer, vv_paper);
    SDL_RenderClear(p->renderer);
    VvPanels panels = vv_panels(width, height, s->processes->len);
    draw_header(p, s, panels.header);
    VvMapLayout *layouts = g_new0(VvMapLayout, MAX(s->processes->len, 1u));
    for (guint i = 0; i < s->processes->len; i++) {
        const VvProcessScene *process = g_ptr_array_index(s->processes, i);
        layouts[i] = vv_map_layout(process->regions, panels.maps.w, v->zoom);
        draw_strip(p, s, v, i, &layouts[i], vv_strip_rect(&panels, i));
    }
    draw_links(p, s, v, &panels, layouts);
    for (guint i = 0; i < s->processes->len; i++)
        vv_map_layout_free(&layouts[i]);
    g_free(layouts);
    draw_legend(p, panels.legend);
    draw_tree(p, s, panels.tree);
    draw_pages(p, s, v, panels.pages);
    draw_physical(p, s, panels.physical);
    draw_narration(p, s, panels.narration);
    if (v->help)
        draw_help(p, width, height);
}
