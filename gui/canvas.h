/*
 * canvas.h - what the visualiser's pictures are drawn on: filled rectangles, lines, text a line at
 * a time, clipping, and tips (the full text of something shortened, shown on hover).
 *
 * Three canvases implement it: an SDL renderer (draw.c: the window and PNGs), an SVG document
 * (svg.c: slides, print and the lesson page) and, in the tests, a recorder that checks where text
 * went. The panels (paint.c and its siblings) draw only through it, so every output shows the
 * same picture. No SDL here.
 */
#ifndef VS_GUI_CANVAS_H
#define VS_GUI_CANVAS_H

#include "layout.h"
#include "palette.h"
#include "style.h"

typedef struct VvCanvas VvCanvas;

typedef struct VvCanvasOps {
    void (*fill)(VvCanvas *canvas, VvRect rect, VvColor color);
    /* A line width pixels wide (at least 1). */
    void (*line)(VvCanvas *canvas, double x0, double y0, double x1, double y1, double width,
                 VvColor color);
    /* Diagonal lines every step pixels inside rect: reserved memory's hatching. */
    void (*hatch)(VvCanvas *canvas, VvRect rect, int step, VvColor color);
    /* What is drawn next is clipped to rect (NULL: to the picture). */
    void (*clip)(VvCanvas *canvas, const VvRect *rect);
    /* The width text takes in font, in pixels. */
    int (*text_width)(VvCanvas *canvas, VvFont font, const char *text);
    /* One line of text, its line box's top-left corner at (x, y). */
    void (*text)(VvCanvas *canvas, VvFont font, int x, int y, VvColor color, const char *text);
    /* The full text of what rect shows shortened, or details of what it shows (NULL: the canvas
     * has no use for them; the window shows them by itself on hover). */
    void (*tip)(VvCanvas *canvas, VvRect rect, const char *text);
} VvCanvasOps;

struct VvCanvas {
    const VvCanvasOps *ops;
    VvStyle style; /* the sizes this picture is drawn at */
};

/* ---- Text fitted to a width (text.c) ------------------------------------------------------- */

/* text cut to fit width pixels, ending in an ellipsis, or a copy of it if it fits (free with
 * g_free). */
char *vv_elide(VvCanvas *canvas, VvFont font, const char *text, int width);
/* text broken into lines of at most width pixels: at spaces, inside a word only when the word
 * alone is wider; an explicit newline starts a line. A line that wraps continues under its first
 * word (its indentation, and a leading "- " or "N| "), so narration keeps its shape. Returns a
 * NULL-terminated array (free with g_strfreev). */
char **vv_wrap(VvCanvas *canvas, VvFont font, const char *text, int width);

#endif /* VS_GUI_CANVAS_H */
