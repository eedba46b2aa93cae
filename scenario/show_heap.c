/*
 * show_heap.c - `show heap H`: a heap as VirtualQuery and HeapWalk see it.
 *
 * A line for the heap (growable or fixed, its segments, committed and reserved bytes, big
 * blocks), a line per segment (its reservation, committed and uncommitted bytes) and per big
 * block (its allocation and the block in it), then the walk: HeapWalk's entries in its order
 * (heap.c's vs_heap_walk), a REGION per segment, busy and free blocks, uncommitted ranges, and the
 * big blocks last with region index 64.
 */
#include "runner_int.h"

/* The heap a handle of the current process names, or NULL with *error saying why. */
static VsHeap *heap_arg(VsRunner *runner, uint64_t handle, GError **error)
{
    VsHeap *heap = vs_heap_lookup(vs_runner_thread(runner), handle);
    if (!heap)
        g_set_error(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_RUNTIME,
                    "0x%" G_GINT64_MODIFIER "X is not a heap of process %s (HeapCreate and "
                    "GetProcessHeap return one)",
                    handle, vs_runner_process_label(runner, vs_runner_process(runner)));
    return heap;
}

/* The walk's entries, allocated (g_free). */
static VsHeapWalkEntry *walk_heap(VsRunner *runner, const VsHeap *heap, size_t *count)
{
    *count = vs_heap_walk(vs_runner_thread(runner), heap, NULL, 0);
    VsHeapWalkEntry *entries = g_new(VsHeapWalkEntry, *count ? *count : 1);
    vs_heap_walk(vs_runner_thread(runner), heap, entries, *count);
    return entries;
}

static void append_heap_line(VsRunner *runner, const VsHeap *heap, const VsHeapWalkEntry *e,
                             size_t n)
{
    uint64_t committed = 0, reserved = 0, segments = 0, big = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].flags & VS_HEAP_ENTRY_REGION) {
            segments++;
            committed += e[i].committed;
            reserved += e[i].committed + e[i].uncommitted;
        } else if (e[i].region == 64) {
            big++;
            committed += e[i].committed;
            reserved += e[i].committed;
        }
    }
    g_string_append_printf(runner->out,
                           "      Heap 0x%" G_GINT64_MODIFIER "X  %s%s  segments %" G_GUINT64_FORMAT
                           "  committed %" G_GUINT64_FORMAT " KB  reserved %" G_GUINT64_FORMAT
                           " KB  big blocks %" G_GUINT64_FORMAT "\n",
                           vs_heap_handle(heap), vs_heap_growable(heap) ? "growable" : "fixed",
                           vs_heap_handle(heap) == vs_process_heap_handle(vs_runner_process(runner))
                               ? " (the process heap)"
                               : "",
                           segments, committed / 1024, reserved / 1024, big);
}

static void append_allocations(VsRunner *runner, const VsHeapWalkEntry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (e[i].flags & VS_HEAP_ENTRY_REGION)
            g_string_append_printf(
                runner->out,
                "      segment %u  0x%" G_GINT64_MODIFIER "X-0x%" G_GINT64_MODIFIER
                "X  committed %" G_GUINT64_FORMAT " KB  uncommitted %" G_GUINT64_FORMAT " KB\n",
                e[i].region, e[i].data, e[i].data + e[i].committed + e[i].uncommitted - 1,
                e[i].committed / 1024, e[i].uncommitted / 1024);
        else if (e[i].region == 64)
            g_string_append_printf(runner->out,
                                   "      big block  0x%" G_GINT64_MODIFIER
                                   "X-0x%" G_GINT64_MODIFIER "X  committed %" G_GUINT64_FORMAT
                                   " KB  block 0x%" G_GINT64_MODIFIER "X of %" G_GUINT64_FORMAT
                                   " bytes\n",
                                   e[i].first, e[i].first + e[i].committed - 1,
                                   e[i].committed / 1024, e[i].data, e[i].size);
    }
}

static const char *entry_word(const VsHeapWalkEntry *e)
{
    if (e->flags & VS_HEAP_ENTRY_REGION)
        return "REGION";
    if (e->flags & VS_HEAP_ENTRY_UNCOMMITTED_RANGE)
        return "UNCOMMITTED";
    return e->flags & VS_HEAP_ENTRY_BUSY ? "BUSY" : "FREE";
}

/* The walk, one entry a line; runs of busy blocks of one size are one line with a count. */
static void append_walk(VsRunner *runner, const VsHeapWalkEntry *e, size_t n)
{
    g_string_append(runner->out, "      HeapWalk (lpData, cbData, cbOverhead, iRegionIndex):\n");
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while ((e[i].flags & VS_HEAP_ENTRY_BUSY) && i + run < n && e[i + run].flags == e[i].flags &&
               e[i + run].size == e[i].size && e[i + run].region == e[i].region &&
               e[i].region != 64)
            run++;
        g_string_append_printf(runner->out,
                               "        %-11s 0x%" G_GINT64_MODIFIER "X  %" G_GUINT64_FORMAT
                               "  %" G_GUINT64_FORMAT "  %u",
                               entry_word(&e[i]), e[i].data, e[i].size, e[i].overhead, e[i].region);
        if (run > 1)
            g_string_append_printf(runner->out,
                                   "  (and %zu more like it, to 0x%" G_GINT64_MODIFIER "X)",
                                   run - 1, e[i + run - 1].data);
        g_string_append_c(runner->out, '\n');
        i += run;
    }
}

gboolean vs_show_heap(VsRunner *runner, uint64_t handle, GError **error)
{
    const VsHeap *heap = heap_arg(runner, handle, error);
    if (!heap)
        return FALSE;
    size_t n;
    VsHeapWalkEntry *entries = walk_heap(runner, heap, &n);
    append_heap_line(runner, heap, entries, n);
    append_allocations(runner, entries, n);
    append_walk(runner, entries, n);
    g_free(entries);
    return TRUE;
}

gboolean vs_json_show_heap(VsRunner *runner, uint64_t handle, GError **error)
{
    const VsHeap *heap = heap_arg(runner, handle, error);
    if (!heap)
        return FALSE;
    size_t n;
    VsHeapWalkEntry *e = walk_heap(runner, heap, &n);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_number(&w, "heap", vs_heap_handle(heap));
    vs_json_flag(&w, "growable", vs_heap_growable(heap));
    vs_json_flag(&w, "process_heap",
                 vs_heap_handle(heap) == vs_process_heap_handle(vs_runner_process(runner)));
    vs_json_array_begin(&w, "walk");
    for (size_t i = 0; i < n; i++) {
        vs_json_object_begin(&w, NULL);
        vs_json_text(&w, "kind", entry_word(&e[i]));
        vs_json_number(&w, "data", e[i].data);
        vs_json_number(&w, "size", e[i].size);
        vs_json_number(&w, "overhead", e[i].overhead);
        vs_json_number(&w, "region", e[i].region);
        if (e[i].flags & VS_HEAP_ENTRY_REGION) {
            vs_json_number(&w, "committed", e[i].committed);
            vs_json_number(&w, "uncommitted", e[i].uncommitted);
        }
        vs_json_object_end(&w);
    }
    vs_json_array_end(&w);
    vs_json_object_end(&w);
    g_free(e);
    return TRUE;
}
