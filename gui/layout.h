/*
 * layout.h - where the panels go in a picture, and the VAD tree's nodes in their panel.
 *
 * Pure arithmetic over a style (style.h) and a scene, so tests can ask where something was drawn
 * and check its pixels, and every canvas puts things in the same places. The address scale of the
 * maps is axis.h's.
 */
#ifndef VS_GUI_LAYOUT_H
#define VS_GUI_LAYOUT_H

#include "scene.h"
#include "style.h"

typedef struct VvRect {
    int x, y, w, h;
} VvRect;

/* Before zooming: a segment of the address scale is at least this wide, a break this wide. */
#define VV_MIN_REGION_PX 4.0
#define VV_BREAK_PX 22.0

/* The picture's panels. */
typedef struct VvPanels {
    VvRect header;    /* the lesson's title and the step */
    VvRect maps;      /* one strip per process, and the ruler under them */
    VvRect ruler;     /* the address labels of the shared scale */
    VvRect legend;    /* the maps' colors */
    VvRect tree;      /* the current process's VAD tree */
    VvRect pages;     /* the selected region's pages and the selected page's walk */
    VvRect physical;  /* the frames and their lists, the working set */
    VvRect narration; /* what the step did, in words, or the summary tables in its place */
    int label_height; /* the line above a strip naming its process */
    int strip_height;
    int lane_height; /* under a strip: where views of one section are joined */
    int strip_pitch; /* from one process's label to the next's */
} VvPanels;

/* The panels of a width x height picture of scene, pages the number of pages the page grid
 * shows. The tree and the page grid get the height they need, within bounds; physical memory and
 * the narration the rest. */
VvPanels vv_panels(const VvStyle *style, int width, int height, const VvScene *scene, guint pages);
/* The strip of process index inside the maps panel. */
VvRect vv_strip_rect(const VvPanels *panels, uint32_t index);
/* The inside of a panel: below its title line, inside its padding. */
VvRect vv_panel_body(const VvStyle *style, VvRect panel);
/* Where the VAD tree's nodes go: computed once a frame, then a node's box is a few additions. */
typedef struct VvTreeGeometry {
    int x, y;    /* the first slot's left edge, the first level's top */
    int right;   /* the last slot's right edge */
    double slot; /* the width each node in order takes */
    int level_h; /* from one level to the next */
    int w, h;    /* a node's box */
} VvTreeGeometry;

VvTreeGeometry vv_tree_geometry(const VvStyle *style, const VvRect *panel,
                                const VvProcessScene *process);
VvRect vv_tree_node_box(const VvTreeGeometry *geometry, const VvVadNode *node);
/* A VAD tree node's box inside the tree panel (the two calls above at once). */
VvRect vv_tree_node_rect(const VvStyle *style, const VvRect *panel, const VvProcessScene *process,
                         guint index);
/* How many lines of small text a node box of that height holds. */
int vv_tree_node_lines(const VvStyle *style, VvRect box);

#endif /* VS_GUI_LAYOUT_H */
