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

/* What a legend entry's sample shows. */
typedef enum VvSample {
    VV_SAMPLE_KIND,     /* a committed region of a kind (free ones as free) */
    VV_SAMPLE_RESERVED, /* reserved: hatched inside an outline */
    VV_SAMPLE_TOUCHED,  /* framed: the step touched it */
    VV_SAMPLE_GUARD,    /* a red tick */
    VV_SAMPLE_COPY,     /* a copy-on-write copy's bar */
    VV_SAMPLE_SECTION,  /* views of one section joined under the strip */
    VV_SAMPLE_LINK,     /* a frame two processes map */
    VV_SAMPLE_BREAK,    /* a long free stretch drawn short */
} VvSample;

typedef struct VvLegendEntry {
    const char *label;
    VvSample sample;
    VvKind kind; /* for VV_SAMPLE_KIND */
} VvLegendEntry;

/* The maps' legend, in order. */
const VvLegendEntry *vv_map_legend(bool linux_words, size_t *count);
/* The page grid's key: a state's name ("demand zero", "valid", ...). */
const char *vv_page_state_name(VvPageState state);
/* The frame grid's key: the kinds of frame, each with its color's sample frame and name. */
typedef struct VvFrameKey {
    const char *label;
    VvFrame sample;
} VvFrameKey;
const VvFrameKey *vv_frame_key(size_t *count);

extern const VvColor vv_reserved_outline; /* the outline of a reserved region */
extern const VvColor vv_highlight;        /* what the step touched */
extern const VvColor vv_ink;              /* text and frames */
extern const VvColor vv_faint;            /* secondary text and lines */
extern const VvColor vv_paper;            /* the background */
extern const VvColor vv_panel_background;
extern const VvColor vv_panel_border;
extern const VvColor vv_step_ink;  /* the step's line and narration headings */
extern const VvColor vv_guard_red; /* a guard page's tick */
extern const VvColor vv_link;      /* shared frames and views of one section */
extern const VvColor vv_tip_paper; /* a tip's background */

#endif /* VS_GUI_PALETTE_H */
