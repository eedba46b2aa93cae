/*
 * svg.h - writes a scene's maps and VAD tree as SVG.
 */
#ifndef VS_GUI_SVG_H
#define VS_GUI_SVG_H

#include "layout.h"

/* Writes the SVG of a width x height view at zoom to path; false with a message in error. */
bool vv_write_svg(const VvScene *scene, double zoom, int width, int height, const char *path,
                  char *error, size_t error_len);

#endif /* VS_GUI_SVG_H */
