/*
 * app.h - the visualiser's state: a scenario, its runner at some step, the scene, the selection.
 *
 * Shared by the window, the headless renderer, the tests and the benchmark.
 */
#ifndef VS_GUI_APP_H
#define VS_GUI_APP_H

#include "draw.h"

typedef struct VvApp {
    VsScript *script;
    VsRunner *runner;
    GString *out; /* what the runner says */
    size_t step;  /* the state shown is after this step (0: before the first) */
    VvScene *scene;
    VvView view;
} VvApp;

/* Loads and parses the scenario; false with the parser's message (file, line, column) in error. */
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
/* Renders the current scene on a new width x height surface with the software renderer (the
 * caller frees it); NULL with a message in error. */
SDL_Surface *vv_app_render(VvApp *app, int width, int height, char *error, size_t error_len);
/* Renders the current scene into a width x height PNG with the software renderer. */
bool vv_app_save_png(VvApp *app, int width, int height, const char *path, char *error,
                     size_t error_len);

#endif /* VS_GUI_APP_H */
