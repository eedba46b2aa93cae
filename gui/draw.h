/*
 * draw.h - paints a scene with an SDL renderer (a window's, or a software one on a surface for
 * PNGs).
 */
#ifndef VS_GUI_DRAW_H
#define VS_GUI_DRAW_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "layout.h"
#include "palette.h"

/* What the person looking has chosen: zoom and pan of the maps, the selection, the help overlay. */
typedef struct VvView {
    double zoom;         /* 1: the map fits the window */
    double pan;          /* map pixels scrolled off to the left */
    int selected_region; /* in the current process's regions; -1: none */
    uint64_t selected_page;
    bool help;
    GArray *pages;  /* VvPage of the selected region (the page grid) */
    char *pte_text; /* !pte of the selected page, lines */
} VvView;

typedef struct VvPainter {
    SDL_Renderer *renderer;
    TTF_Font *font;  /* 13 px */
    TTF_Font *small; /* 11 px */
} VvPainter;

/* Opens the fonts (DejaVu Sans, or $VADSIM_FONT); NULL with a message in error if it cannot. */
bool vv_painter_open_fonts(VvPainter *painter, char *error, size_t error_len);
void vv_painter_close_fonts(VvPainter *painter);
void vv_draw(VvPainter *painter, const VvScene *scene, const VvView *view, int width, int height);

#endif /* VS_GUI_DRAW_H */
