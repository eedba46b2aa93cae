/*
 * paint_int.h - what the panel painters share: the picture being drawn and the helpers that fit
 * text into panels (elided with its full text as a tip, or wrapped), draw keys and outlines.
 */
#ifndef VS_GUI_PAINT_INT_H
#define VS_GUI_PAINT_INT_H

#include "paint.h"

typedef struct VvTip {
    VvRect rect;
    char *text;
} VvTip;

typedef struct Paint {
    VvCanvas *canvas;
    const VvStyle *style;
    const VvScene *scene;
    const VvView *view;
    VvPanels panels;
    const VvAxis *axis;
    VvAxis own_axis; /* when the view keeps none */
    int width, height;
    GArray *tips; /* VvTip under the pointer: the last one drawn is shown */
    VvPaintInfo info;
} Paint;

/* A design length in pixels at the picture's scale. */
static inline int px(const Paint *p, double design) { return vv_px(p->style, design); }
static inline int line_h(const Paint *p, VvFont font) { return p->style->line[font]; }
static inline bool inside(VvRect r, int x, int y)
{
    return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}
/* "1 page", "16 pages". */
static inline const char *pages_word(uint64_t n) { return n == 1 ? "page" : "pages"; }
/* The process whose tree and pages are shown, or NULL. */
const VvProcessScene *paint_current(const Paint *p);

void paint_fill(Paint *p, VvRect r, VvColor color);
/* A frame thickness pixels wide inside r. */
void paint_outline(Paint *p, VvRect r, VvColor color, int thickness);
void paint_clip(Paint *p, const VvRect *r);
/* Whether a tip for r is worth its text: the canvas keeps tips, or the pointer is in r. */
bool paint_wants_tip(const Paint *p, VvRect r);
void paint_tip(Paint *p, VvRect r, const char *text);
/* One line of text at (x, y) in at most width pixels: elided if longer, its full text the tip.
 * Returns the width drawn. */
int paint_text(Paint *p, VvFont font, int x, int y, int width, VvColor color, const char *text);
int paint_text_width(Paint *p, VvFont font, const char *text);
/* A panel: its background, border and title; what follows is clipped to it. */
void paint_panel(Paint *p, VvRect r, const char *title);

/* A key or legend: entries of a sample and a label, in rows inside area. */
typedef struct KeyCursor {
    VvRect area;
    int x, y;
} KeyCursor;
KeyCursor paint_key_start(VvRect area);
/* Places the next entry (a new row when this one is full) and draws its label; returns the
 * sample's box for the caller to draw. */
VvRect paint_key_entry(Paint *p, KeyCursor *key, const char *label);
/* The height the key took, once its last entry is placed. */
int paint_key_height(const Paint *p, const KeyCursor *key);

/* The panels (paint_maps.c, paint_tree.c, paint_memory.c). */
void paint_maps(Paint *p);
void paint_legend(Paint *p);
void paint_tree(Paint *p);
void paint_pages(Paint *p);
void paint_physical(Paint *p);
void paint_tables(Paint *p, VvRect r);
/* A region as the maps draw it (its kind's color, its state's pattern), in box. */
void paint_region(Paint *p, const VvRegion *region, VvRect box);

#endif /* VS_GUI_PAINT_INT_H */
