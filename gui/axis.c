/*
 * axis.c - the shared segmented address scale (axis.h).
 *
 * Building it is linear in the regions (a merge of the processes' region starts, which are
 * sorted already), so a frame of a 100 000-VAD process costs a few milliseconds.
 */
#include "axis.h"

#define BOUND(a, i) g_array_index((a)->bounds, uint64_t, i)
#define X(a, i) g_array_index((a)->xs, double, i)

static const VvRegion *region(const VvProcessScene *p, guint i)
{
    return &g_array_index(p->regions, VvRegion, i);
}

/* Every process's region starts, merged without repeats, then the end of user space. */
static GArray *merge_bounds(const VvScene *scene)
{
    guint n = scene->processes->len, total = 0;
    for (guint p = 0; p < n; p++)
        total += ((VvProcessScene *)g_ptr_array_index(scene->processes, p))->regions->len;
    GArray *bounds = g_array_sized_new(FALSE, FALSE, sizeof(uint64_t), total + 1);
    guint *next = g_new0(guint, MAX(n, 1u));
    uint64_t end = 0;
    for (;;) {
        uint64_t lowest = UINT64_MAX;
        for (guint p = 0; p < n; p++) {
            const VvProcessScene *process = g_ptr_array_index(scene->processes, p);
            if (next[p] < process->regions->len)
                lowest = MIN(lowest, region(process, next[p])->start);
        }
        if (lowest == UINT64_MAX)
            break;
        g_array_append_val(bounds, lowest);
        for (guint p = 0; p < n; p++) {
            const VvProcessScene *process = g_ptr_array_index(scene->processes, p);
            if (next[p] < process->regions->len && region(process, next[p])->start == lowest) {
                end = MAX(end, region(process, next[p])->end);
                next[p]++;
            }
        }
    }
    g_free(next);
    if (bounds->len)
        g_array_append_val(bounds, end);
    return bounds;
}

guint vv_axis_segment(const VvAxis *axis, uint64_t address)
{
    guint lo = 0, hi = axis->bounds->len ? axis->bounds->len - 1 : 0; /* segments */
    while (lo + 1 < hi) {
        guint mid = (lo + hi) / 2;
        if (BOUND(axis, mid) <= address)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Which segments some process has something in (anything but free address space). */
static GArray *busy_segments(const VvScene *scene, const VvAxis *axis)
{
    guint segments = axis->bounds->len - 1;
    GArray *busy = g_array_sized_new(FALSE, TRUE, sizeof(gboolean), segments);
    g_array_set_size(busy, segments);
    for (guint p = 0; p < scene->processes->len; p++) {
        const VvProcessScene *process = g_ptr_array_index(scene->processes, p);
        guint s = 0;
        for (guint i = 0; i < process->regions->len; i++) {
            const VvRegion *r = region(process, i);
            while (s + 1 < segments && BOUND(axis, s + 1) <= r->start)
                s++;
            for (guint k = s; r->kind != VV_FREE && k < segments && BOUND(axis, k) < r->end; k++)
                g_array_index(busy, gboolean, k) = TRUE;
        }
    }
    return busy;
}

/* The pixels per byte that share room among the segments (sizes, in bytes; 0 for a break), each
 * at least min_px: fix the segments the minimum catches, share the rest, again until no more are
 * caught (a few rounds). */
static double share_scale(const double *sizes, guint segments, double room, double min_px)
{
    double total = 0;
    for (guint i = 0; i < segments; i++)
        total += sizes[i];
    double scale = total > 0 ? room / total : 0, fixed_before = -1;
    for (int round = 0; round < 8; round++) {
        double fixed = 0, scaled = 0;
        for (guint i = 0; i < segments; i++) {
            if (sizes[i] == 0)
                continue;
            if (sizes[i] * scale < min_px)
                fixed += min_px;
            else
                scaled += sizes[i];
        }
        scale = scaled > 0 ? MAX(room - fixed, 0.0) / scaled : 0;
        if (fixed == fixed_before)
            break;
        fixed_before = fixed;
    }
    return scale;
}

VvAxis vv_axis(const VvScene *scene, double width, double zoom, double min_px, double break_px)
{
    VvAxis axis = {merge_bounds(scene), g_array_new(FALSE, FALSE, sizeof(double)),
                   g_array_new(FALSE, TRUE, sizeof(gboolean)), 0};
    if (axis.bounds->len < 2) {
        double zero = 0;
        g_array_append_val(axis.xs, zero);
        return axis;
    }
    guint segments = axis.bounds->len - 1;
    GArray *busy = busy_segments(scene, &axis);
    uint64_t allocated = 0;
    for (guint i = 0; i < segments; i++)
        if (g_array_index(busy, gboolean, i))
            allocated += BOUND(&axis, i + 1) - BOUND(&axis, i);
    uint64_t threshold = MAX(allocated, 16 * VS_GRANULARITY);
    g_array_set_size(axis.compressed, segments);
    double breaks = 0, *sizes = g_new(double, segments);
    for (guint i = 0; i < segments; i++) {
        uint64_t size = BOUND(&axis, i + 1) - BOUND(&axis, i);
        gboolean c = !g_array_index(busy, gboolean, i) && size > threshold;
        g_array_index(axis.compressed, gboolean, i) = c;
        breaks += c ? break_px : 0;
        sizes[i] = c ? 0 : (double)size;
    }
    g_array_free(busy, TRUE);
    double scale = share_scale(sizes, segments, MAX(width * zoom - breaks, 1.0), min_px);
    g_array_set_size(axis.xs, segments + 1);
    double x = 0;
    for (guint i = 0; i < segments; i++) {
        X(&axis, i) = x;
        x += sizes[i] == 0 ? break_px : MAX(sizes[i] * scale, min_px);
    }
    g_free(sizes);
    X(&axis, segments) = x;
    axis.width = x;
    return axis;
}

void vv_axis_free(VvAxis *axis)
{
    if (!axis)
        return;
    if (axis->bounds)
        g_array_free(axis->bounds, TRUE);
    if (axis->xs)
        g_array_free(axis->xs, TRUE);
    if (axis->compressed)
        g_array_free(axis->compressed, TRUE);
    axis->bounds = axis->xs = axis->compressed = NULL;
}

double vv_axis_x(const VvAxis *axis, uint64_t address)
{
    if (axis->bounds->len < 2 || address >= BOUND(axis, axis->bounds->len - 1))
        return axis->width;
    guint s = vv_axis_segment(axis, address);
    double size = (double)(BOUND(axis, s + 1) - BOUND(axis, s));
    return X(axis, s) + (X(axis, s + 1) - X(axis, s)) * (double)(address - BOUND(axis, s)) / size;
}

uint64_t vv_axis_address(const VvAxis *axis, double x)
{
    guint n = axis->bounds->len;
    if (n < 2 || x <= 0)
        return n ? BOUND(axis, 0) : 0;
    if (x >= axis->width)
        return BOUND(axis, n - 1) - 1;
    guint lo = 0, hi = n - 1; /* the segment whose [x, next x) holds x */
    while (lo + 1 < hi) {
        guint mid = (lo + hi) / 2;
        if (X(axis, mid) <= x)
            lo = mid;
        else
            hi = mid;
    }
    double w = X(axis, lo + 1) - X(axis, lo);
    double size = (double)(BOUND(axis, lo + 1) - BOUND(axis, lo));
    uint64_t offset = w > 0 ? (uint64_t)(size * (x - X(axis, lo)) / w) : 0;
    return BOUND(axis, lo) + MIN(offset, (uint64_t)size - 1);
}

VvSpan vv_axis_span(const VvAxis *axis, const VvRegion *r)
{
    if (axis->bounds->len < 2)
        return (VvSpan){0, 0, false};
    guint s = vv_axis_segment(axis, r->start);
    double x = X(axis, s);
    double end = vv_axis_x(axis, r->end);
    bool compressed = g_array_index(axis->compressed, gboolean, s);
    return (VvSpan){x, end - x, compressed};
}

struct VvAxisCache {
    VvAxis axis;
    bool made;
    const VvScene *scene;
    double width, zoom, min_px, break_px;
};

VvAxisCache *vv_axis_cache_new(void) { return g_new0(VvAxisCache, 1); }

void vv_axis_cache_clear(VvAxisCache *cache)
{
    if (cache->made)
        vv_axis_free(&cache->axis);
    cache->made = false;
}

void vv_axis_cache_free(VvAxisCache *cache)
{
    if (!cache)
        return;
    vv_axis_cache_clear(cache);
    g_free(cache);
}

const VvAxis *vv_axis_cached(VvAxisCache *cache, const VvScene *scene, double width, double zoom,
                             double min_px, double break_px)
{
    if (cache->made && cache->scene == scene && cache->width == width && cache->zoom == zoom &&
        cache->min_px == min_px && cache->break_px == break_px)
        return &cache->axis;
    vv_axis_cache_clear(cache);
    cache->axis = vv_axis(scene, width, zoom, min_px, break_px);
    cache->made = true;
    cache->scene = scene, cache->width = width, cache->zoom = zoom;
    cache->min_px = min_px, cache->break_px = break_px;
    return &cache->axis;
}

VvAxisWalk vv_axis_walk(const VvAxis *axis) { return (VvAxisWalk){axis, 0}; }

VvSpan vv_axis_walk_span(VvAxisWalk *walk, const VvRegion *r)
{
    const VvAxis *a = walk->axis;
    guint last = a->bounds->len ? a->bounds->len - 1 : 0, s = walk->segment, e;
    if (last == 0)
        return (VvSpan){0, 0, false};
    if (s > last || BOUND(a, s) > r->start)
        s = vv_axis_segment(a, r->start); /* out of order: search */
    while (s + 1 < last && BOUND(a, s + 1) <= r->start)
        s++;
    for (e = s + 1; e < last && BOUND(a, e) < r->end; e++)
        ;
    walk->segment = s;
    /* A region ends where a segment does, unless the end of user space cuts it. */
    double end = BOUND(a, e) == r->end ? X(a, e) : vv_axis_x(a, r->end);
    return (VvSpan){X(a, s), end - X(a, s), g_array_index(a->compressed, gboolean, s)};
}

int vv_region_at(const GArray *regions, uint64_t address)
{
    guint lo = 0, hi = regions->len;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        const VvRegion *r = &g_array_index(regions, VvRegion, mid);
        if (address < r->start)
            hi = mid;
        else if (address >= r->end)
            lo = mid + 1;
        else
            return (int)mid;
    }
    return -1;
}
