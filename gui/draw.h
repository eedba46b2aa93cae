/*
 * draw.h - the SDL canvas: paints pictures (paint.h) with an SDL renderer, a window's or a
 * software one on a surface for PNGs.
 */
#ifndef VS_GUI_DRAW_H
#define VS_GUI_DRAW_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "app.h"
#include "paint.h"

/* A canvas drawing with renderer in DejaVu Sans (or $VADSIM_FONT); NULL with a message in error
 * when the font cannot be opened. */
VvCanvas *vv_sdl_canvas_new(SDL_Renderer *renderer, char *error, size_t error_len);
void vv_sdl_canvas_free(VvCanvas *canvas);
/* Sets the canvas's style, opening its fonts at the style's sizes (kept while they stay the
 * same); false with a message in error. */
bool vv_sdl_canvas_set_style(VvCanvas *canvas, const VvStyle *style, char *error, size_t error_len);

/* Renders the app's picture on a new width x height surface with the software renderer (the
 * caller frees it); NULL with a message in error. */
SDL_Surface *vv_app_render(VvApp *app, int width, int height, char *error, size_t error_len);
/* Renders the app's picture into a width x height PNG with the software renderer. */
bool vv_app_save_png(VvApp *app, int width, int height, const char *path, char *error,
                     size_t error_len);

#endif /* VS_GUI_DRAW_H */
