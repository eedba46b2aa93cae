/*
 * view.h - what the person looking has chosen: zoom and pan of the maps, the selection, the
 * scale, the narration's scroll, where the pointer is. Pure data; the window changes it, the
 * panels read it.
 */
#ifndef VS_GUI_VIEW_H
#define VS_GUI_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "axis.h"

typedef struct VvView {
    double zoom;         /* 1: the map fits the picture */
    double pan;          /* map pixels scrolled off to the left */
    int selected_region; /* in the current process's regions; -1: none */
    uint64_t selected_page;
    bool help;
    bool tables;          /* the summary tables in the narration's place */
    GArray *pages;        /* VvPage of the selected region (the page grid) */
    char *pte_text;       /* !pte of the selected page, lines */
    double scale;         /* the person's factor on the scale the picture's size gives (1) */
    int narration_scroll; /* lines of the narration scrolled off its top */
    int mouse_x, mouse_y; /* the pointer, for its tip (-1: not over the picture) */
    char *message;        /* a line shown at the bottom ("saved ..."), or NULL */
    VvAxisCache *axis;    /* the maps' last scale (cleared with each new scene), or NULL */
} VvView;

#endif /* VS_GUI_VIEW_H */
