/*
 * show_stack.c - `show stack T`: a thread's user stack as its TEB and VirtualQuery see it.
 *
 * The TEB's fields (StackBase, StackLimit, DeallocationStack, GuaranteedStackBytes), then the
 * reservation region by region from DeallocationStack up (the reserved part, the guard page, the
 * committed part, with their resident pages), then what the next touch of the guard will do: grow
 * the stack one page, or, within a page and the guarantee of the base, raise
 * STATUS_STACK_OVERFLOW (stack.c has the rule).
 */
#include "runner_int.h"

/* The thread a handle of the current process names, or NULL with *error saying why. */
static VsThread *stack_thread(VsRunner *runner, uint64_t handle, VsThreadInfo *info, GError **error)
{
    VsThread *thread = vs_handle_thread(vs_runner_thread(runner), handle);
    if (!thread) {
        g_set_error(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_RUNTIME,
                    "0x%" G_GINT64_MODIFIER "X is not a thread handle in process %s (CreateThread "
                    "returns one)",
                    handle, vs_runner_process_label(runner, vs_runner_process(runner)));
        return NULL;
    }
    vs_thread_info(thread, info);
    return thread;
}

/* The page below which a guard touch overflows: a page and the guarantee above the base. */
static uint64_t overflow_below(const VsRunner *runner, const VsThreadInfo *t)
{
    uint64_t floor =
        vs_system_layout(runner->system)->arch == VS_ARCH_X64 ? 2 * VS_PAGE_SIZE : VS_PAGE_SIZE;
    uint64_t guarantee = t->guaranteed_stack_bytes > floor ? t->guaranteed_stack_bytes : floor;
    return t->deallocation_stack + VS_PAGE_SIZE + guarantee;
}

/* A region of the stack: VirtualQuery's record of the page at address, as the thread's process. */
static gboolean stack_region(VsThread *thread, uint64_t address, VsMemoryBasicInformation *m)
{
    VsProcess *process = vs_thread_process(thread);
    return NT_SUCCESS(VsNtQueryVirtualMemory(vs_process_main_thread(process), VS_CURRENT_PROCESS,
                                             address, MemoryBasicInformation, m, sizeof *m, NULL));
}

static const char *region_word(const VsMemoryBasicInformation *m)
{
    if (m->State != MEM_COMMIT)
        return "reserved";
    return m->Protect & PAGE_GUARD ? "guard" : "committed";
}

static void append_regions(VsRunner *runner, VsThread *thread, const VsThreadInfo *t)
{
    VsMemoryBasicInformation m;
    int width = 2 * g_snprintf(NULL, 0, "0x%" G_GINT64_MODIFIER "X", t->stack_base) + 1;
    for (uint64_t at = t->deallocation_stack;
         at < t->stack_base && stack_region(thread, at, &m) && m.RegionSize; at += m.RegionSize) {
        char protect[96], range[64];
        g_snprintf(range, sizeof range, "0x%" G_GINT64_MODIFIER "X-0x%" G_GINT64_MODIFIER "X",
                   m.BaseAddress, m.BaseAddress + m.RegionSize - 1);
        g_string_append_printf(runner->out, "      %-*s  %-9s %6" G_GUINT64_FORMAT " KB", width,
                               range, region_word(&m), m.RegionSize / 1024);
        if (m.State == MEM_COMMIT)
            g_string_append_printf(runner->out, "  %s",
                                   vs_protect_string(m.Protect, protect, sizeof protect));
        g_string_append_c(runner->out, '\n');
    }
}

gboolean vs_show_stack(VsRunner *runner, uint64_t handle, GError **error)
{
    VsThreadInfo t;
    VsThread *thread = stack_thread(runner, handle, &t, error);
    if (!thread)
        return FALSE;
    GString *out = runner->out;
    if (!t.has_stack) {
        g_string_append_printf(out, "      Thread %u  %s\n", t.tid,
                               t.terminated ? "has ended: its stack and TEB were released"
                                            : "has no user stack");
        return TRUE;
    }
    g_string_append_printf(out,
                           "      Thread %u  TEB 0x%" G_GINT64_MODIFIER "X (%" G_GUINT64_FORMAT
                           " KB)  stack reservation %" G_GUINT64_FORMAT " KB\n",
                           t.tid, t.teb, t.teb_size / 1024,
                           (t.stack_base - t.deallocation_stack) / 1024);
    g_string_append_printf(
        out,
        "      StackBase 0x%" G_GINT64_MODIFIER "X  StackLimit 0x%" G_GINT64_MODIFIER
        "X  DeallocationStack 0x%" G_GINT64_MODIFIER "X  GuaranteedStackBytes %" G_GUINT64_FORMAT
        "\n",
        t.stack_base, t.stack_limit, t.deallocation_stack, t.guaranteed_stack_bytes);
    append_regions(runner, thread, &t);
    uint64_t below = overflow_below(runner, &t);
    if (!t.guard)
        g_string_append(out, "      no guard page: the stack cannot grow any more\n");
    else if (t.guard >= below)
        g_string_append_printf(out,
                               "      a touch of the guard commits 0x%" G_GINT64_MODIFIER
                               "X as the next; a guard below 0x%" G_GINT64_MODIFIER
                               "X overflows (a page and the guarantee above the base)\n",
                               (uint64_t)(t.guard - VS_PAGE_SIZE), below);
    else
        g_string_append(out, "      a touch of the guard raises STATUS_STACK_OVERFLOW: below it "
                             "are only the last page and the guarantee\n");
    return TRUE;
}

gboolean vs_json_show_stack(VsRunner *runner, uint64_t handle, GError **error)
{
    VsThreadInfo t;
    VsThread *thread = stack_thread(runner, handle, &t, error);
    if (!thread)
        return FALSE;
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_number(&w, "thread", t.tid);
    vs_json_flag(&w, "terminated", t.terminated);
    vs_json_number(&w, "teb", t.teb);
    vs_json_number(&w, "stack_base", t.stack_base);
    vs_json_number(&w, "stack_limit", t.stack_limit);
    vs_json_number(&w, "deallocation_stack", t.deallocation_stack);
    vs_json_number(&w, "guaranteed_stack_bytes", t.guaranteed_stack_bytes);
    vs_json_number(&w, "guard", t.guard);
    vs_json_array_begin(&w, "regions");
    VsMemoryBasicInformation m;
    for (uint64_t at = t.deallocation_stack;
         t.has_stack && at < t.stack_base && stack_region(thread, at, &m) && m.RegionSize;
         at += m.RegionSize) {
        char protect[96];
        vs_json_object_begin(&w, NULL);
        vs_json_number(&w, "start", m.BaseAddress);
        vs_json_number(&w, "size", m.RegionSize);
        vs_json_text(&w, "kind", region_word(&m));
        vs_json_text(&w, "protection", vs_protect_string(m.Protect, protect, sizeof protect));
        vs_json_object_end(&w);
    }
    vs_json_array_end(&w);
    vs_json_object_end(&w);
    return TRUE;
}
