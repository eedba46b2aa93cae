/*
 * svg.h - the visualiser's picture as SVG: slides that scale, pages that print, and the pictures
 * of the lesson page (html.h). The same picture as the window's (paint.h), drawn on a canvas that
 * writes shapes and text; shortened text keeps its full text as a tooltip (<title>).
 */
#ifndef VS_GUI_SVG_H
#define VS_GUI_SVG_H

#include "paint.h"

/* Where a picture's narration goes. */
typedef enum VvSvgNarration {
    VV_SVG_NARRATION_PANEL, /* in its panel, as the window shows it (what fits) */
    VV_SVG_NARRATION_BELOW, /* all of it, under the picture (the summary tables in its panel) */
    VV_SVG_NARRATION_NONE,  /* elsewhere (the lesson page gives it as text) */
} VvSvgNarration;

/* The picture of scene and view at width x height as an <svg> element (taller when the narration
 * goes below it). ids: what the ids of its clip paths and patterns start with (unique per
 * picture when several share a page). sized: whether the element has its width and height
 * (false: it takes its container's width, keeping its proportions). */
GString *vv_svg_picture(const VvScene *scene, const VvView *view, int width, int height,
                        VvSvgNarration narration, const char *ids, bool sized);
/* Writes the picture, its narration below it, as an SVG file; false with a message in error. */
bool vv_write_svg(const VvScene *scene, const VvView *view, int width, int height, const char *path,
                  char *error, size_t error_len);

#endif /* VS_GUI_SVG_H */
