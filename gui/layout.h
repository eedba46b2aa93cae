/*
 * layout.h - where things go on screen: the segmented address scale, the VAD tree, the panels.
 *
 * Pure arithmetic over a scene, so tests can ask where a region was drawn and check its pixels.
 */
#ifndef VS_GUI_LAYOUT_H
#define VS_GUI_LAYOUT_H

#include "scene.h"

typedef struct VvRect {
    int x, y, w, h;
} VvRect;

/* One region of a process's map: its place on the segmented scale. A long free stretch is
 * compressed to a break of fixed width; every other region is at least VV_MIN_REGION_PX wide. */
typedef struct VvSpan {
    double x, w;     /* in map pixels, before the pan */
    bool compressed; /* a break: a long free stretch drawn short */
} VvSpan;

#define VV_BREAK_PX 22.0
#define VV_MIN_REGION_PX 4.0

typedef struct VvMapLayout {
    GArray *spans; /* VvSpan per region of the process */
    double width;  /* the whole map's width in pixels (the window's times the zoom) */
} VvMapLayout;

/* The scale for regions across width pixels at zoom (1: the map fits). */
VvMapLayout vv_map_layout(const GArray *regions, double width, double zoom);
void vv_map_layout_free(VvMapLayout *layout);
/* The x of an address on the scale (inside its region's span, proportionally). */
double vv_map_x(const VvMapLayout *layout, const GArray *regions, uint64_t address);
/* The region drawn at x (map pixels), or -1. */
int vv_map_region_at(const VvMapLayout *layout, double x);

/* The screen's panels for a window of width x height with n processes. */
typedef struct VvPanels {
    VvRect header, maps, legend, tree, pages, physical, narration;
    int strip_height; /* one process's map */
} VvPanels;

VvPanels vv_panels(int width, int height, uint32_t processes);
/* The rectangle a process's strip occupies inside the maps panel. */
VvRect vv_strip_rect(const VvPanels *panels, uint32_t index);
/* A VAD tree node's box inside the tree panel. */
VvRect vv_tree_node_rect(const VvRect *panel, const VvProcessScene *process, guint index);

#endif /* VS_GUI_LAYOUT_H */
