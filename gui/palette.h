/*
 * palette.h - the visualiser's colors: VMMap's type palette for regions, the page and frame states,
 * and the few named colors of the chrome. No SDL here: the window (draw.c) and the SVG exporter
 * (svg.c) both paint with it.
 */
#ifndef VS_GUI_PALETTE_H
#define VS_GUI_PALETTE_H

#include <stdint.h>

#include "scene.h"

/* An RGBA color, 0-255 each (SDL_Color's layout, without SDL). */
typedef struct VvColor {
    uint8_t r, g, b, a;
} VvColor;

VvColor vv_kind_color(VvKind kind);
VvColor vv_page_color(VvPageState state);
VvColor vv_frame_color(const VvFrame *frame);

extern const VvColor vv_reserved_outline; /* the outline of a reserved region */
extern const VvColor vv_highlight;        /* what the step touched */
extern const VvColor vv_ink;              /* text and frames */
extern const VvColor vv_faint;            /* secondary text and lines */
extern const VvColor vv_paper;            /* the background */
extern const VvColor vv_panel_background;

#endif /* VS_GUI_PALETTE_H */
