/*
 * axis.h - one address scale shared by every process's map, so two processes' strips line up.
 *
 * A process's user space is 128 TB on x64, its allocations a few megabytes: a linear scale would
 * show nothing. The scale is segmented, as VMMap's and RAMMap's users are used to: the addresses
 * where any process's regions begin cut user space into segments; a segment free in every process
 * and longer than everything allocated together is drawn as a short break (a zigzag, not to
 * scale), and every other segment gets a width proportional to its size, but never less than a
 * few pixels, so a one-page allocation stays visible next to a gigabyte one. Zooming multiplies
 * the width, down to single pages. Pure arithmetic over a scene.
 */
#ifndef VS_GUI_AXIS_H
#define VS_GUI_AXIS_H

#include "scene.h"

typedef struct VvAxis {
    GArray *bounds;     /* uint64_t: each segment's first address, then the end of the last */
    GArray *xs;         /* double: each bound's x in map pixels (before the pan) */
    GArray *compressed; /* gboolean per segment: drawn as a break */
    double width;       /* the whole map's width (the last bound's x) */
} VvAxis;

/* Where a region lies on the axis. */
typedef struct VvSpan {
    double x, w;
    bool compressed; /* a break: a long free stretch drawn short */
} VvSpan;

/* The scale for every process of scene across width pixels at zoom (1: the map fits), a segment
 * at least min_px wide and a break break_px. */
VvAxis vv_axis(const VvScene *scene, double width, double zoom, double min_px, double break_px);
void vv_axis_free(VvAxis *axis);
/* The segment holding address (its index into bounds), or the last one past the end. */
guint vv_axis_segment(const VvAxis *axis, uint64_t address);
/* The x of an address: inside its segment, proportionally. */
double vv_axis_x(const VvAxis *axis, uint64_t address);
/* The address at x (map pixels), clamped to the axis; in a break, proportionally too. */
uint64_t vv_axis_address(const VvAxis *axis, double x);
/* A region's place: from its start's x to its end's. */
VvSpan vv_axis_span(const VvAxis *axis, const VvRegion *region);
/* The last axis made, kept while the scene and the arguments stay the same: a window redraws
 * many frames of one step, and a 100 000-VAD scene's axis costs milliseconds. */
typedef struct VvAxisCache VvAxisCache;
VvAxisCache *vv_axis_cache_new(void);
void vv_axis_cache_free(VvAxisCache *cache);
/* Forgets the axis: the scene changed. */
void vv_axis_cache_clear(VvAxisCache *cache);
/* vv_axis's axis for these arguments, made or kept by cache (which owns it: valid until the next
 * call or clear). */
const VvAxis *vv_axis_cached(VvAxisCache *cache, const VvScene *scene, double width, double zoom,
                             double min_px, double break_px);

/* Walks a process's regions in address order: each region's span without a search (a frame of
 * 200 000 regions must not spend its time in binary searches). */
typedef struct VvAxisWalk {
    const VvAxis *axis;
    guint segment; /* the segment the last region began in */
} VvAxisWalk;
VvAxisWalk vv_axis_walk(const VvAxis *axis);
VvSpan vv_axis_walk_span(VvAxisWalk *walk, const VvRegion *region);
/* The index of the region of regions (address order) holding address, or -1. */
int vv_region_at(const GArray *regions, uint64_t address);

#endif /* VS_GUI_AXIS_H */
