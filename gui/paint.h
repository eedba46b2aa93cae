/*
 * paint.h - the visualiser's picture: every panel, drawn on a canvas (canvas.h).
 *
 * One picture for every output: the window, PNGs, SVG and the lesson page all call vv_paint. At
 * step 0 the picture is the lesson's title card; after it, the header, the maps, the legend, the
 * VAD tree, the pages, physical memory and the narration; on top, the help, a message and the tip
 * of what is under the pointer. No SDL here.
 */
#ifndef VS_GUI_PAINT_H
#define VS_GUI_PAINT_H

#include "axis.h"
#include "canvas.h"
#include "view.h"

/* A grid of cells as drawn: cell i at origin + (i % columns, i / columns) * pitch. */
typedef struct VvGrid {
    int x, y;
    int cell, pitch, columns;
    guint count; /* cells drawn */
} VvGrid;

/* What a picture came to, for the window: the narration's length in lines and how many show,
 * and where the page grid's cells are (for clicks). */
typedef struct VvPaintInfo {
    int narration_lines, narration_shown;
    VvGrid pages;
} VvPaintInfo;

/* The cell of grid at (x, y), or -1. */
int vv_grid_cell_at(const VvGrid *grid, int x, int y);

/* The style of a width x height picture, at the scale its size and the view's factor give. */
VvStyle vv_view_style(const VvView *view, int width, int height);
/* The panels of that picture. */
VvPanels vv_view_panels(const VvScene *scene, const VvView *view, int width, int height);
/* The address axis the maps of that picture use: the view's cached one (valid until the next call
 * or new scene), or, for a view without a cache, a new one in *own (free it with vv_axis_free). */
const VvAxis *vv_view_axis(const VvScene *scene, const VvView *view, const VvPanels *panels,
                           const VvStyle *style, VvAxis *own);
/* Draws the picture on canvas, whose style must be vv_view_style's for the same size.
 * narration: whether the panel under the pages may show the narration (it shows the summary
 * tables when it may not, or when the view asks for them): the lesson page gives the narration
 * as text beside the picture. */
VvPaintInfo vv_paint(VvCanvas *canvas, const VvScene *scene, const VvView *view, int width,
                     int height, bool narration);

/* For printed pages, where nothing scrolls: the height of a panel width wide that holds all of
 * the scene's narration, and that panel drawn in r. */
int vv_narration_height(VvCanvas *canvas, const VvScene *scene, int width);
void vv_paint_narration(VvCanvas *canvas, const VvScene *scene, VvRect r);

#endif /* VS_GUI_PAINT_H */
