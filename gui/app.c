/*
 * app.c - stepping, selection and headless rendering for the visualiser.
 *
 * Stepping forward runs the next step with the runner explaining it (its words become the
 * narration panel); stepping back replays from the start to just before the step and runs it, so
 * what is shown after "back" is exactly what was shown the first time (the model is
 * deterministic). The scene is rebuilt from the model after every move.
 */
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "app.h"

static bool start(VvApp *app, VsScript *script, GError **error)
{
    app->script = script;
    app->out = g_string_new(NULL);
    app->runner = vs_runner_new(script, app->out, VS_RUN_EXPLAIN);
    app->view = (VvView){.zoom = 1.0,
                         .selected_region = -1,
                         .scale = 1.0,
                         .mouse_x = -1,
                         .mouse_y = -1,
                         .axis = vv_axis_cache_new()};
    app->intro = vv_scene_intro(script->source.text);
    return vv_app_goto(app, 0, error);
}

void vv_app_keep_freed_memory(void)
{
#ifdef __GLIBC__
    /* Blocks up to 256 MB from the heap, not mapped and unmapped each time; the heap's top given
     * back only past 512 MB free. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

bool vv_app_open(VvApp *app, const char *path, GError **error)
{
    memset(app, 0, sizeof *app);
    VsScript *script = vs_script_load(path, error);
    return script && start(app, script, error);
}

bool vv_app_open_text(VvApp *app, const char *name, const char *text, GError **error)
{
    memset(app, 0, sizeof *app);
    VsScript *script = vs_script_parse(name, text, strlen(text), error);
    return script && start(app, script, error);
}

void vv_app_close(VvApp *app)
{
    vv_scene_free(app->scene);
    if (app->view.pages)
        g_array_free(app->view.pages, TRUE);
    g_free(app->view.pte_text);
    g_free(app->view.message);
    vv_axis_cache_free(app->view.axis);
    g_free(app->intro);
    vs_runner_free(app->runner);
    if (app->out)
        g_string_free(app->out, TRUE);
    vs_script_free(app->script);
    memset(app, 0, sizeof *app);
}

/* The region to show first: the first one the step touched in the current process, else the
 * first allocation that is not KUSER_SHARED_DATA. */
static int default_region(const VvProcessScene *process)
{
    int first = -1;
    for (guint i = 0; i < process->regions->len; i++) {
        const VvRegion *r = &g_array_index(process->regions, VvRegion, i);
        if (r->touched)
            return (int)i;
        if (first < 0 && r->state != MEM_FREE && r->kind != VV_SYSTEM)
            first = (int)i;
    }
    return first;
}

/* A new scene after a move: the process shown is the one the step acted on. */
static void rebuild(VvApp *app, const char *narration)
{
    vv_axis_cache_clear(app->view.axis);
    vv_scene_free(app->scene);
    app->scene = vv_scene_build(app->runner, narration, app->intro);
    app->view.narration_scroll = 0;
    vv_app_select_region(app, -1);
}

bool vv_app_goto(VvApp *app, size_t step, GError **error)
{
    step = MIN(step, app->script->steps);
    g_string_truncate(app->out, 0);
    bool ok;
    if (step == app->step + 1 && step > 0 && app->scene) {
        gboolean finished;
        ok = vs_runner_run_step(app->runner, &finished, error);
    } else {
        ok = vs_runner_goto_step(app->runner, step, error);
        if (ok && step > 0) {
            gboolean finished;
            ok = vs_runner_run_step(app->runner, &finished, error);
        }
    }
    if (!ok)
        return false;
    app->step = step;
    rebuild(app, app->out->str);
    return true;
}

void vv_app_set_process(VvApp *app, uint32_t index)
{
    guint n = app->scene->processes->len;
    if (!n)
        return;
    app->scene->current = index % n;
    vv_app_select_region(app, -1);
}

/* The selected page's walk, one line a level, in !pte's words. */
static char *pte_text(VvApp *app, uint64_t address)
{
    VsSystem *system = vs_runner_system(app->runner);
    if (!system || app->scene->current >= vs_system_process_count(system))
        return g_strdup("");
    VsProcess *process = vs_system_process(system, app->scene->current);
    VsPteWalk walk;
    vs_pte_walk(process, address, &walk);
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "VA 0x%llx\n", (unsigned long long)address);
    for (uint32_t level = 0; level < walk.levels; level++) {
        const VsPteLevel *l = &walk.level[level];
        const char *name = vs_words_level_in(app->scene->linux_words, process, level);
        if (!l->present) {
            g_string_append_printf(out, "%s  (no table)\n", name);
            continue;
        }
        g_string_append_printf(out, "%s  index %3X  contains %016llX", name, l->index,
                               (unsigned long long)l->entry);
        if (level + 1 == walk.levels && vs_pte_state(l->entry) == VS_PTE_STATE_VALID)
            g_string_append_printf(out, "  pfn %llx",
                                   (unsigned long long)vs_pte_frame_number(l->entry));
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

void vv_app_select_region(VvApp *app, int region)
{
    VvView *v = &app->view;
    if (v->pages)
        g_array_free(v->pages, TRUE);
    v->pages = NULL;
    g_clear_pointer(&v->pte_text, g_free);
    if (!app->scene->processes->len)
        return;
    const VvProcessScene *process = g_ptr_array_index(app->scene->processes, app->scene->current);
    if (region < 0 || (guint)region >= process->regions->len)
        region = default_region(process);
    v->selected_region = region;
    if (region < 0)
        return;
    const VvRegion *r = &g_array_index(process->regions, VvRegion, region);
    if (r->state != MEM_FREE)
        v->pages = vv_scene_pages(app->runner, app->scene->current, r->start, r->end, 1024);
    vv_app_select_page(app, r->start);
}

void vv_app_select_page(VvApp *app, uint64_t address)
{
    app->view.selected_page = address & ~(VS_PAGE_SIZE - 1);
    g_free(app->view.pte_text);
    app->view.pte_text = pte_text(app, app->view.selected_page);
}
