/*
 * paint.c - the picture as a whole (paint.h): the title card before the first step; after it the
 * header, the panels (paint_maps.c, paint_tree.c, paint_memory.c) and the narration; then the
 * help, a message and the tip under the pointer. Also the helpers every panel uses to fit its
 * text: nothing is drawn past its panel's edge, what is shortened keeps its full text as a tip.
 */
#include <string.h>

#include "paint_int.h"

/* ---- Helpers -------------------------------------------------------------------------------- */

const VvProcessScene *paint_current(const Paint *p)
{
    const VvScene *s = p->scene;
    return s->processes->len
               ? g_ptr_array_index(s->processes, MIN(s->current, s->processes->len - 1))
               : NULL;
}

void paint_fill(Paint *p, VvRect r, VvColor color)
{
    if (r.w > 0 && r.h > 0)
        p->canvas->ops->fill(p->canvas, r, color);
}

void paint_outline(Paint *p, VvRect r, VvColor color, int thickness)
{
    int t = MAX(MIN(thickness, MIN(r.w, r.h) / 2), 1);
    paint_fill(p, (VvRect){r.x, r.y, r.w, t}, color);
    paint_fill(p, (VvRect){r.x, r.y + r.h - t, r.w, t}, color);
    paint_fill(p, (VvRect){r.x, r.y + t, t, r.h - 2 * t}, color);
    paint_fill(p, (VvRect){r.x + r.w - t, r.y + t, t, r.h - 2 * t}, color);
}

void paint_clip(Paint *p, const VvRect *r) { p->canvas->ops->clip(p->canvas, r); }

bool paint_wants_tip(const Paint *p, VvRect r)
{
    return p->canvas->ops->tip || inside(r, p->view->mouse_x, p->view->mouse_y);
}

void paint_tip(Paint *p, VvRect r, const char *text)
{
    if (p->canvas->ops->tip)
        p->canvas->ops->tip(p->canvas, r, text);
    if (inside(r, p->view->mouse_x, p->view->mouse_y)) {
        VvTip tip = {r, g_strdup(text)};
        g_array_append_val(p->tips, tip);
    }
}

int paint_text_width(Paint *p, VvFont font, const char *text)
{
    return p->canvas->ops->text_width(p->canvas, font, text);
}

int paint_text(Paint *p, VvFont font, int x, int y, int width, VvColor color, const char *text)
{
    if (!text || !*text || width <= 0)
        return 0;
    g_autofree char *shown = vv_elide(p->canvas, font, text, width);
    p->canvas->ops->text(p->canvas, font, x, y, color, shown);
    int w = paint_text_width(p, font, shown);
    if (strcmp(shown, text) != 0)
        paint_tip(p, (VvRect){x, y, MAX(w, 1), line_h(p, font)}, text);
    return w;
}

void paint_panel(Paint *p, VvRect r, const char *title)
{
    paint_clip(p, &r);
    paint_fill(p, r, vv_panel_background);
    paint_outline(p, r, vv_panel_border, 1);
    paint_text(p, VV_FONT_SMALL, r.x + p->style->pad, r.y + px(p, 2), r.w - 2 * p->style->pad,
               vv_faint, title);
}

KeyCursor paint_key_start(VvRect area) { return (KeyCursor){area, area.x, area.y}; }

VvRect paint_key_entry(Paint *p, KeyCursor *key, const char *label)
{
    int sample = px(p, 16), gap = px(p, 5), after = px(p, 14);
    int w = sample + gap + paint_text_width(p, VV_FONT_SMALL, label);
    if (key->x > key->area.x && key->x + w > key->area.x + key->area.w)
        key->x = key->area.x, key->y += line_h(p, VV_FONT_SMALL);
    int row_h = line_h(p, VV_FONT_SMALL);
    VvRect box = {key->x, key->y + (row_h - px(p, 12)) / 2, sample, px(p, 12)};
    int room = key->area.x + key->area.w - (key->x + sample + gap);
    paint_text(p, VV_FONT_SMALL, key->x + sample + gap, key->y, room, vv_ink, label);
    key->x += w + after;
    return box;
}

int paint_key_height(const Paint *p, const KeyCursor *key)
{
    return key->y - key->area.y + line_h(p, VV_FONT_SMALL);
}

/* ---- The header and the title card ------------------------------------------------------------
 */

static void paint_header(Paint *p)
{
    VvRect r = p->panels.header;
    const VvScene *s = p->scene;
    paint_clip(p, &r);
    const char *hint = "Space: next   Backspace: back   H: help";
    int hint_w = paint_text_width(p, VV_FONT_SMALL, hint);
    const char *title = s->title ? s->title : "(untitled scenario)";
    int title_w = paint_text_width(p, VV_FONT_HEADING, title);
    bool room = title_w + hint_w + px(p, 30) <= r.w;
    paint_text(p, VV_FONT_HEADING, r.x, r.y, room ? r.w - hint_w - px(p, 30) : r.w, vv_ink, title);
    if (room)
        paint_text(p, VV_FONT_SMALL, r.x + r.w - hint_w, r.y, hint_w, vv_faint, hint);
    g_autofree char *step = g_strdup_printf("Step %zu of %zu: %s", s->step, s->steps,
                                            s->step_title ? s->step_title : "");
    paint_text(p, VV_FONT_TEXT, r.x, r.y + line_h(p, VV_FONT_HEADING), r.w, vv_step_ink, step);
    paint_clip(p, NULL);
}

/* Wrapped text from *y down, at most to the area's bottom (drawn only when draw is set); returns
 * false when it did not all fit. */
static bool paint_paragraph(Paint *p, VvFont font, VvRect area, int *y, VvColor color,
                            const char *text, bool draw)
{
    char **lines = vv_wrap(p->canvas, font, text, area.w);
    bool all = true;
    for (char **line = lines; *line; line++) {
        if (*y + line_h(p, font) > area.y + area.h) {
            all = false;
            break;
        }
        if (draw)
            paint_text(p, font, area.x, *y, area.w, color, *line);
        *y += line_h(p, font);
    }
    g_strfreev(lines);
    return all;
}

/* The title card's text below its title: the opening comment and the steps, in font; false when
 * it does not all fit. */
static bool paint_card_text(Paint *p, VvFont font, VvRect area, int y, bool draw)
{
    const VvScene *s = p->scene;
    char **paragraphs = g_strsplit(s->intro ? s->intro : "", "\n", -1);
    bool fits = true;
    for (char **para = paragraphs; *para && fits; para++) {
        fits = paint_paragraph(p, font, area, &y, vv_ink, *para, draw);
        y += px(p, 8);
    }
    g_strfreev(paragraphs);
    g_autofree char *count = g_strdup_printf("%zu step%s:", s->steps, s->steps == 1 ? "" : "s");
    if (fits)
        fits = paint_paragraph(p, font, area, &y, vv_step_ink, count, draw);
    VvRect list = {area.x + px(p, 12), area.y, area.w - px(p, 12), area.h};
    for (size_t i = 0; i < s->steps && fits; i++) {
        g_autofree char *line = g_strdup_printf("%2zu. %s", i + 1, s->step_titles[i]);
        fits = paint_paragraph(p, font, list, &y, vv_ink, line, draw);
    }
    return fits;
}

/* Step 0: the lesson's title, its opening comment, its steps (as large as they fit), and how to
 * begin. */
static void paint_title_card(Paint *p)
{
    const VvScene *s = p->scene;
    int m = px(p, 40), w = MIN(p->width - 2 * m, px(p, 1100));
    VvRect card = {(p->width - w) / 2, px(p, 30), w, p->height - px(p, 60)};
    paint_clip(p, &card);
    int begin_h = line_h(p, VV_FONT_HEADING) + px(p, 10);
    VvRect area = {card.x, card.y, card.w, card.h - begin_h};
    int y = area.y;
    paint_paragraph(p, VV_FONT_TITLE, area, &y, vv_ink, s->title ? s->title : "(untitled)", true);
    y += px(p, 10);
    paint_fill(p, (VvRect){area.x, y, area.w, px(p, 2)}, vv_step_ink);
    y += px(p, 14);
    VvFont font =
        paint_card_text(p, VV_FONT_HEADING, area, y, false) ? VV_FONT_HEADING : VV_FONT_TEXT;
    paint_card_text(p, font, area, y, true);
    VvRect begin = {card.x, card.y + card.h - begin_h + px(p, 10), card.w, begin_h};
    paint_text(p, VV_FONT_HEADING, begin.x, begin.y, begin.w, vv_step_ink,
               "Press Space to begin  \xC2\xB7  H for help  \xC2\xB7  Ctrl +/- to enlarge");
    paint_clip(p, NULL);
}

/* ---- The narration ----------------------------------------------------------------------------
 */

/* A mark in place of the first or last line: more narration above or below. */
static char *scroll_mark(bool above, int lines)
{
    return g_strdup_printf(above ? "\xE2\x96\xB2 %d line%s above (PgUp)"
                                 : "\xE2\x96\xBC %d more line%s (PgDn)",
                           lines, lines == 1 ? "" : "s");
}

/*
 * The narration from the line the view scrolled to, each line wrapped to the panel. Only the lines
 * shown are wrapped: a step of 100 000 calls narrates as many lines, and a frame must not measure
 * them all. Scrolling counts the narration's own lines.
 */
static void paint_narration(Paint *p)
{
    VvRect r = p->panels.narration;
    if (r.h <= 0)
        return;
    paint_panel(p, r, "What happened");
    VvRect body = vv_panel_body(p->style, r);
    const char *text = p->scene->narration;
    int total = p->scene->narration_lines, h = line_h(p, VV_FONT_SMALL);
    int fit = body.h / h, first = CLAMP(p->view->narration_scroll, 0, MAX(total - 1, 0));
    if (fit < 2) {
        paint_clip(p, NULL);
        return; /* no room for a line and the mark under it */
    }
    const char *line = text;
    for (int i = 0; i < first; i++)
        line = strchr(line, '\n') + 1;
    int row = 0, shown = 0;
    if (first > 0 && fit > 2) {
        g_autofree char *mark = scroll_mark(true, first);
        paint_text(p, VV_FONT_SMALL, body.x, body.y, body.w, vv_step_ink, mark);
        row++;
    }
    while (*line && row < fit) {
        const char *end = strchr(line, '\n');
        g_autofree char *source = g_strndup(line, end ? (size_t)(end - line) : strlen(line));
        char **wrapped = vv_wrap(p->canvas, VV_FONT_SMALL, source, body.w);
        int n = (int)g_strv_length(wrapped);
        int room = fit - row - (first + shown + 1 < total ? 1 : 0); /* a row for the mark */
        if (n > room && shown > 0) {
            g_strfreev(wrapped);
            break; /* it would not fit whole: it starts the next page */
        }
        for (int i = 0; i < MIN(n, MAX(room, 1)); i++, row++)
            paint_text(p, VV_FONT_SMALL, body.x, body.y + row * h, body.w,
                       g_str_has_prefix(wrapped[i], "==") ? vv_step_ink : vv_ink, wrapped[i]);
        g_strfreev(wrapped);
        shown++;
        line = end ? end + 1 : line + strlen(line);
    }
    if (first + shown < total) {
        g_autofree char *mark = scroll_mark(false, total - first - shown);
        paint_text(p, VV_FONT_SMALL, body.x, body.y + MIN(row, fit - 1) * h, body.w, vv_step_ink,
                   mark);
    }
    p->info.narration_lines = total, p->info.narration_shown = shown;
    paint_clip(p, NULL);
}

/* Every line of the narration, wrapped to width: drawn from body's top when draw is set. Returns
 * the number of lines. */
static int narration_rows(Paint *p, VvRect body, bool draw)
{
    int rows = 0, h = line_h(p, VV_FONT_SMALL);
    char **lines = g_strsplit(p->scene->narration, "\n", -1);
    for (char **line = lines; *line; line++) {
        if (!line[1] && !**line)
            break; /* the text's last newline ends a line; it starts none */
        char **wrapped = vv_wrap(p->canvas, VV_FONT_SMALL, *line, body.w);
        for (char **w = wrapped; *w; w++, rows++)
            if (draw)
                paint_text(p, VV_FONT_SMALL, body.x, body.y + rows * h, body.w, vv_ink, *w);
        g_strfreev(wrapped);
    }
    g_strfreev(lines);
    return rows;
}

static const VvView still_view = {.zoom = 1.0, .scale = 1.0, .mouse_x = -1, .mouse_y = -1};

int vv_narration_height(VvCanvas *canvas, const VvScene *scene, int width)
{
    Paint p = {.canvas = canvas, .style = &canvas->style, .scene = scene, .view = &still_view};
    VvRect body = vv_panel_body(p.style, (VvRect){0, 0, width, 1000});
    int chrome = 1000 - body.h;
    return chrome + narration_rows(&p, body, false) * line_h(&p, VV_FONT_SMALL);
}

void vv_paint_narration(VvCanvas *canvas, const VvScene *scene, VvRect r)
{
    Paint p = {.canvas = canvas,
               .style = &canvas->style,
               .scene = scene,
               .view = &still_view,
               .tips = g_array_new(FALSE, FALSE, sizeof(VvTip))};
    paint_panel(&p, r, "What happened");
    narration_rows(&p, vv_panel_body(p.style, r), true);
    paint_clip(&p, NULL);
    g_array_free(p.tips, TRUE);
}

/* ---- On top: help, message, tip ---------------------------------------------------------------
 */

static void paint_box(Paint *p, VvRect box, VvColor paper)
{
    paint_fill(p, box, paper);
    paint_outline(p, box, vv_ink, 1);
}

static void paint_help(Paint *p)
{
    static const char *const lines[] = {
        "Space, Right: next step       Left, Backspace: previous step (an exact replay)",
        "Home / End: the title card / after the last step       Tab: next process",
        "Click: a region (its pages), a VAD, a page (its !pte walk)       hover: full text",
        "Wheel, + / -: zoom the maps       drag, Up / Down: pan       F: fit",
        "Ctrl + / Ctrl - / Ctrl 0: larger / smaller / automatic text size",
        "PgUp / PgDn: scroll the narration       V: the summary tables in its place",
        "S: save a PNG (prints its path)",
        "H or ?: this help       Q or Esc: quit",
    };
    int w = 0, n = (int)G_N_ELEMENTS(lines), pad = px(p, 14);
    for (int i = 0; i < n; i++)
        w = MAX(w, paint_text_width(p, VV_FONT_TEXT, lines[i]));
    w = MIN(w + 2 * pad, p->width - 2 * p->style->margin);
    int h = MIN(n * line_h(p, VV_FONT_TEXT) + 2 * pad, p->height - 2 * p->style->margin);
    VvRect box = {(p->width - w) / 2, (p->height - h) / 2, w, h};
    paint_clip(p, &box);
    paint_box(p, box, (VvColor){255, 255, 255, 255});
    for (int i = 0; i < n; i++)
        paint_text(p, VV_FONT_TEXT, box.x + pad, box.y + pad + i * line_h(p, VV_FONT_TEXT),
                   box.w - 2 * pad, vv_ink, lines[i]);
    paint_clip(p, NULL);
}

static void paint_message(Paint *p)
{
    int h = line_h(p, VV_FONT_TEXT) + px(p, 8);
    VvRect bar = {0, p->height - h, p->width, h};
    paint_clip(p, &bar);
    paint_box(p, bar, vv_tip_paper);
    paint_text(p, VV_FONT_TEXT, px(p, 10), bar.y + px(p, 4), p->width - px(p, 20), vv_ink,
               p->view->message);
    paint_clip(p, NULL);
}

/* The tip under the pointer: the last one recorded there, wrapped, kept inside the picture. */
static void paint_hover(Paint *p)
{
    const VvTip *tip = &g_array_index(p->tips, VvTip, p->tips->len - 1);
    int pad = px(p, 6), max_w = MIN(px(p, 460), p->width - 2 * pad);
    char **lines = vv_wrap(p->canvas, VV_FONT_SMALL, tip->text, max_w - 2 * pad);
    int w = 0, n = (int)g_strv_length(lines);
    for (int i = 0; i < n; i++)
        w = MAX(w, paint_text_width(p, VV_FONT_SMALL, lines[i]));
    VvRect box = {p->view->mouse_x + px(p, 14), p->view->mouse_y + px(p, 18), w + 2 * pad,
                  n * line_h(p, VV_FONT_SMALL) + 2 * pad};
    box.h = MIN(box.h, p->height);
    box.x = CLAMP(box.x, 0, MAX(p->width - box.w, 0));
    if (box.y + box.h > p->height)
        box.y = MAX(p->view->mouse_y - px(p, 8) - box.h, 0);
    paint_clip(p, &box);
    paint_box(p, box, vv_tip_paper);
    for (int i = 0; i < n; i++)
        paint_text(p, VV_FONT_SMALL, box.x + pad, box.y + pad + i * line_h(p, VV_FONT_SMALL),
                   box.w - 2 * pad, vv_ink, lines[i]);
    g_strfreev(lines);
    paint_clip(p, NULL);
}

/* ---- The picture ------------------------------------------------------------------------------
 */

VvStyle vv_view_style(const VvView *view, int width, int height)
{
    return vv_style(vv_auto_scale(width, height, view->scale > 0 ? view->scale : 1.0));
}

VvPanels vv_view_panels(const VvScene *scene, const VvView *view, int width, int height)
{
    VvStyle style = vv_view_style(view, width, height);
    return vv_panels(&style, width, height, scene, view->pages ? view->pages->len : 0);
}

const VvAxis *vv_view_axis(const VvScene *scene, const VvView *view, const VvPanels *panels,
                           const VvStyle *style, VvAxis *own)
{
    double min_px = VV_MIN_REGION_PX * style->scale, break_px = VV_BREAK_PX * style->scale;
    if (view->axis)
        return vv_axis_cached(view->axis, scene, panels->maps.w, view->zoom, min_px, break_px);
    *own = vv_axis(scene, panels->maps.w, view->zoom, min_px, break_px);
    return own;
}

static void free_tip(gpointer data) { g_free(((VvTip *)data)->text); }

VvPaintInfo vv_paint(VvCanvas *canvas, const VvScene *scene, const VvView *view, int width,
                     int height, bool narration)
{
    Paint p = {.canvas = canvas,
               .style = &canvas->style,
               .scene = scene,
               .view = view,
               .width = width,
               .height = height,
               .tips = g_array_new(FALSE, FALSE, sizeof(VvTip))};
    g_array_set_clear_func(p.tips, free_tip);
    paint_clip(&p, NULL);
    paint_fill(&p, (VvRect){0, 0, width, height}, vv_paper);
    if (scene->step == 0) {
        paint_title_card(&p);
    } else {
        p.panels = vv_panels(p.style, width, height, scene, view->pages ? view->pages->len : 0);
        p.axis = vv_view_axis(scene, view, &p.panels, p.style, &p.own_axis);
        paint_header(&p);
        paint_maps(&p);
        paint_legend(&p);
        paint_tree(&p);
        paint_pages(&p);
        paint_physical(&p);
        if (narration && !view->tables)
            paint_narration(&p);
        else
            paint_tables(&p, p.panels.narration);
        vv_axis_free(&p.own_axis);
    }
    if (view->help)
        paint_help(&p);
    if (view->message)
        paint_message(&p);
    if (p.tips->len && !view->help)
        paint_hover(&p);
    g_array_free(p.tips, TRUE);
    return p.info;
}
