/*
 * app.h - the visualiser's state: a scenario, its runner at some step, the scene, the selection.
 *
 * Shared by the window, the headless renderers (PNG, SVG, the lesson page), the tests and the
 * benchmark. No SDL here: draw.h renders an app's picture with SDL.
 */
#ifndef VS_GUI_APP_H
#define VS_GUI_APP_H

#include "scene.h"
#include "view.h"

typedef struct VvApp {
    VsScript *script;
    VsRunner *runner;
    GString *out; /* what the runner says */
    size_t step;  /* the state shown is after this step (0: before the first) */
    VvScene *scene;
    VvView view;
    char *intro; /* the lesson's opening comment (vv_scene_intro) */
} VvApp;

/* Loads and parses the scenario; false with the parser's message (file, line, column) in error. */
/* Asks the C library to keep memory a program frees for its next allocations instead of giving it
 * back to the system: a step rebuilds a scene of tens of megabytes at 100,000 VADs, and fresh pages
 * from the system cost a fault each. Called once by the programs that show scenes (the window,
 * bench-view); a no-op but with glibc. */
void vv_app_keep_freed_memory(void);
bool vv_app_open(VvApp *app, const char *path, GError **error);
/* From parsed text (tests and benchmarks). */
bool vv_app_open_text(VvApp *app, const char *name, const char *text, GError **error);
void vv_app_close(VvApp *app);
/* Shows the state after step (clamped to the scenario's steps): forward by running, back by an
 * exact replay from the start. */
bool vv_app_goto(VvApp *app, size_t step, GError **error);
/* Makes process index current (wraps), and selects a region of it (-1: pick the step's). */
void vv_app_set_process(VvApp *app, uint32_t index);
void vv_app_select_region(VvApp *app, int region);
void vv_app_select_page(VvApp *app, uint64_t address);
#endif /* VS_GUI_APP_H */
