/*
 * svg.c - the SVG canvas (svg.h): each drawing call becomes an element.
 *
 * Text widths come from DejaVu Sans's advance widths (style.c), the font the document asks for
 * first; a browser without it takes a narrower sans-serif, so text still fits. Clipping opens a
 * group with a clip path; hatching fills with a pattern, one per color and spacing.
 */
#include <math.h>
#include <stdio.h>

#include "svg.h"

#define ASCENT_EM 0.928 /* DejaVu Sans's ascent: from a line's top to its baseline */
#define LINE_EM 1.164

typedef struct SvgCanvas {
    VvCanvas base; /* first: a VvCanvas * is a SvgCanvas * */
    GString *out;
    const char *ids;
    unsigned clips;
    bool group_open;
    GHashTable *patterns; /* "rrggbb step" -> its id number */
} SvgCanvas;

static SvgCanvas *svg(VvCanvas *canvas) { return (SvgCanvas *)canvas; }

static void color_attr(GString *out, const char *name, VvColor c)
{
    g_string_append_printf(out, " %s=\"#%02x%02x%02x\"", name, c.r, c.g, c.b);
    if (c.a != 255)
        g_string_append_printf(out, " %s-opacity=\"%.2f\"", name, c.a / 255.0);
}

static void escaped(GString *out, const char *text)
{
    g_autofree char *e = g_markup_escape_text(text ? text : "", -1);
    g_string_append(out, e);
}

static void svg_fill(VvCanvas *canvas, VvRect r, VvColor color)
{
    GString *out = svg(canvas)->out;
    g_string_append_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"", r.x, r.y, r.w,
                           r.h);
    color_attr(out, "fill", color);
    g_string_append(out, "/>\n");
}

static void svg_line(VvCanvas *canvas, double x0, double y0, double x1, double y1, double width,
                     VvColor color)
{
    GString *out = svg(canvas)->out;
    g_string_append_printf(out,
                           "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke-width=\"%.1f\"",
                           x0, y0, x1, y1, MAX(width, 1.0));
    color_attr(out, "stroke", color);
    g_string_append(out, "/>\n");
}

static void svg_hatch(VvCanvas *canvas, VvRect r, int step, VvColor color)
{
    SvgCanvas *c = svg(canvas);
    char key[32];
    snprintf(key, sizeof key, "%02x%02x%02x %d", color.r, color.g, color.b, step);
    gpointer id = g_hash_table_lookup(c->patterns, key);
    if (!id) {
        id = GUINT_TO_POINTER(g_hash_table_size(c->patterns) + 1);
        g_hash_table_insert(c->patterns, g_strdup(key), id);
        /* Lines rising to the right, step pixels apart along a row, as the window draws them. */
        double gap = step / sqrt(2.0);
        g_string_append_printf(c->out,
                               "<defs><pattern id=\"%sh%u\" width=\"%.2f\" height=\"10\" "
                               "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                               "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"10\"",
                               c->ids, GPOINTER_TO_UINT(id), gap);
        color_attr(c->out, "stroke", color);
        g_string_append(c->out, "/></pattern></defs>\n");
    }
    g_string_append_printf(c->out,
                           "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                           "fill=\"url(#%sh%u)\"/>\n",
                           r.x, r.y, r.w, r.h, c->ids, GPOINTER_TO_UINT(id));
}

static void svg_clip(VvCanvas *canvas, const VvRect *r)
{
    SvgCanvas *c = svg(canvas);
    if (c->group_open)
        g_string_append(c->out, "</g>\n");
    c->group_open = r != NULL;
    if (!r)
        return;
    c->clips++;
    g_string_append_printf(c->out,
                           "<clipPath id=\"%sc%u\"><rect x=\"%d\" y=\"%d\" width=\"%d\" "
                           "height=\"%d\"/></clipPath>\n<g clip-path=\"url(#%sc%u)\">\n",
                           c->ids, c->clips, r->x, r->y, MAX(r->w, 0), MAX(r->h, 0), c->ids,
                           c->clips);
}

static int svg_text_width(VvCanvas *canvas, VvFont font, const char *text)
{
    return (int)ceil(vv_text_width_estimate(canvas->style.font_px[font], text));
}

static void svg_text(VvCanvas *canvas, VvFont font, int x, int y, VvColor color, const char *text)
{
    GString *out = svg(canvas)->out;
    double size = canvas->style.font_px[font];
    double baseline = y + (canvas->style.line[font] - size * LINE_EM) / 2 + size * ASCENT_EM;
    g_string_append_printf(out, "<text x=\"%d\" y=\"%.1f\" font-size=\"%.0f\"", x, baseline, size);
    color_attr(out, "fill", color);
    g_string_append(out, " xml:space=\"preserve\">");
    escaped(out, text);
    g_string_append(out, "</text>\n");
}

static void svg_tip(VvCanvas *canvas, VvRect r, const char *text)
{
    GString *out = svg(canvas)->out;
    g_string_append_printf(out,
                           "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" "
                           "fill-opacity=\"0\"><title>",
                           r.x, r.y, r.w, r.h);
    escaped(out, text);
    g_string_append(out, "</title></rect>\n");
}

static const VvCanvasOps svg_ops = {
    .fill = svg_fill,
    .line = svg_line,
    .hatch = svg_hatch,
    .clip = svg_clip,
    .text_width = svg_text_width,
    .text = svg_text,
    .tip = svg_tip,
};

GString *vv_svg_picture(const VvScene *scene, const VvView *view, int width, int height,
                        VvSvgNarration narration, const char *ids, bool sized)
{
    SvgCanvas c = {.base = {&svg_ops, vv_view_style(view, width, height)},
                   .out = g_string_new(NULL),
                   .ids = ids ? ids : "",
                   .patterns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
    /* Printed, the narration goes under the picture, all of it: the page grows to hold it. */
    bool below = narration == VV_SVG_NARRATION_BELOW && scene->step > 0;
    int m = c.base.style.margin;
    int below_h = below ? vv_narration_height(&c.base, scene, width - 2 * m) + m : 0;
    g_string_append(c.out, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    if (sized)
        g_string_append_printf(c.out, " width=\"%d\" height=\"%d\"", width, height + below_h);
    g_string_append_printf(c.out,
                           " viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Bitstream Vera "
                           "Sans, Verdana, sans-serif\">\n",
                           width, height + below_h);
    VvView still = *view;
    still.mouse_x = still.mouse_y = -1; /* a document has no pointer: its tips are <title>s */
    vv_paint(&c.base, scene, &still, width, height, narration == VV_SVG_NARRATION_PANEL);
    if (below) {
        g_string_append_printf(c.out, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"", height,
                               width, below_h);
        g_string_append_printf(c.out, " fill=\"#%02x%02x%02x\"/>\n", vv_paper.r, vv_paper.g,
                               vv_paper.b);
        vv_paint_narration(&c.base, scene, (VvRect){m, height, width - 2 * m, below_h - m});
    }
    if (c.group_open)
        g_string_append(c.out, "</g>\n");
    g_string_append(c.out, "</svg>\n");
    g_hash_table_destroy(c.patterns);
    return c.out;
}

bool vv_write_svg(const VvScene *scene, const VvView *view, int width, int height, const char *path,
                  char *error, size_t error_len)
{
    GString *out = vv_svg_picture(scene, view, width, height, VV_SVG_NARRATION_BELOW, "", true);
    g_string_prepend(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    GError *gerror = NULL;
    bool ok = g_file_set_contents(path, out->str, (gssize)out->len, &gerror);
    if (!ok) {
        snprintf(error, error_len, "cannot write %s: %s", path, gerror->message);
        g_error_free(gerror);
    }
    g_string_free(out, TRUE);
    return ok;
}
