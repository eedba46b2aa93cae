/*
 * main.c - vadsim-view: the visualiser's window, and its headless renders.
 *
 *   vadsim-view FILE.vsim                         a window that steps with the scenario
 *   vadsim-view FILE --step N --png OUT [--size WxH]   renders the state after step N and exits
 *   vadsim-view FILE --step N --svg OUT           the maps and the VAD tree as SVG
 *   vadsim-view FILE --keys "Right Right Left"    (tests) feeds keys to the window, printing the
 *                                                 state after each
 *
 * Reads the model only through its public API and the runner's event stream (scene.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

#include "app.h"
#include "svg.h"

#define EXIT_USAGE 2

typedef struct Options {
    gint step;
    char *png, *svg, *size, *keys;
    int width, height;
} Options;

static bool parse_size(const char *text, int *width, int *height)
{
    char tail;
    return sscanf(text, "%dx%d%c", width, height, &tail) == 2 && *width >= 320 && *height >= 240 &&
           *width <= 8192 && *height <= 8192;
}

static bool parse_options(int *argc, char ***argv, Options *o)
{
    GOptionEntry entries[] = {
        {"step", 0, 0, G_OPTION_ARG_INT, &o->step, "Show the state after step N", "N"},
        {"png", 0, 0, G_OPTION_ARG_FILENAME, &o->png, "Render to a PNG and exit (no display)",
         "OUT"},
        {"svg", 0, 0, G_OPTION_ARG_FILENAME, &o->svg, "Write the maps and the tree as SVG and exit",
         "OUT"},
        {"size", 0, 0, G_OPTION_ARG_STRING, &o->size, "Picture or window size (default 1600x1000)",
         "WxH"},
        {"keys", 0, 0, G_OPTION_ARG_STRING, &o->keys,
         "Feed these key names to the window, printing the state after each (tests)", "KEYS"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *context = g_option_context_new("FILE.vsim - draw a scenario's memory");
    g_option_context_add_main_entries(context, entries, NULL);
    GError *error = NULL;
    bool ok = g_option_context_parse(context, argc, argv, &error);
    if (!ok) {
        fprintf(stderr, "vadsim-view: %s\n", error->message);
        g_error_free(error);
    }
    g_option_context_free(context);
    o->width = 1600, o->height = 1000;
    if (ok && o->size && !parse_size(o->size, &o->width, &o->height)) {
        fprintf(stderr,
                "vadsim-view: --size takes WIDTHxHEIGHT, from 320x240 to 8192x8192, not "
                "'%s'\n",
                o->size);
        ok = false;
    }
    if (ok && o->step < 0) {
        fprintf(stderr, "vadsim-view: --step takes a step number, 0 for before the first\n");
        ok = false;
    }
    if (ok && *argc != 2) {
        fprintf(stderr, "vadsim-view: give one scenario file (vadsim-view --help)\n");
        ok = false;
    }
    return ok;
}

/* ---- The window ----------------------------------------------------------------------------- */

typedef struct Window {
    SDL_Window *window;
    VvPainter painter;
    int width, height;
    bool dragging;
    int drag_x;
} Window;

static void print_state(const VvApp *app)
{
    const VvProcessScene *p = app->scene->processes->len
                                  ? g_ptr_array_index(app->scene->processes, app->scene->current)
                                  : NULL;
    printf("state: step %zu of %zu, process %s, region %d, zoom %.2f, help %s\n", app->step,
           app->script->steps, p ? p->name : "-", app->view.selected_region, app->view.zoom,
           app->view.help ? "on" : "off");
    fflush(stdout);
}

static void move_to(VvApp *app, size_t step)
{
    GError *error = NULL;
    if (!vv_app_goto(app, step, &error)) {
        fprintf(stderr, "vadsim-view: %s\n", error->message);
        g_error_free(error);
    }
}

static void save_screenshot(Window *w, const VvApp *app)
{
    SDL_Surface *shot =
        SDL_CreateRGBSurfaceWithFormat(0, w->width, w->height, 32, SDL_PIXELFORMAT_ARGB8888);
    char path[64];
    snprintf(path, sizeof path, "vadsim-step-%zu.png", app->step);
    if (shot &&
        SDL_RenderReadPixels(w->painter.renderer, NULL, SDL_PIXELFORMAT_ARGB8888, shot->pixels,
                             shot->pitch) == 0 &&
        IMG_SavePNG(shot, path) == 0)
        printf("saved %s\n", path);
    else
        fprintf(stderr, "vadsim-view: cannot save %s: %s\n", path, SDL_GetError());
    if (shot)
        SDL_FreeSurface(shot);
}

/* Zooms the maps by factor around x (window pixels). */
static void zoom(VvApp *app, const Window *w, double factor, int x)
{
    VvPanels panels = vv_panels(w->width, w->height, app->scene->processes->len);
    double at = x - panels.maps.x + app->view.pan;
    double old = app->view.zoom;
    app->view.zoom = CLAMP(old * factor, 1.0, 1e9);
    app->view.pan = MAX(at * app->view.zoom / old - (x - panels.maps.x), 0.0);
    if (app->view.zoom == 1.0)
        app->view.pan = 0;
}

static bool on_key(VvApp *app, Window *w, SDL_Keycode key)
{
    switch (key) {
    case SDLK_SPACE:
    case SDLK_RIGHT: move_to(app, app->step + 1); break;
    case SDLK_LEFT:
    case SDLK_BACKSPACE: move_to(app, app->step ? app->step - 1 : 0); break;
    case SDLK_HOME: move_to(app, 0); break;
    case SDLK_END: move_to(app, app->script->steps); break;
    case SDLK_TAB: vv_app_set_process(app, app->scene->current + 1); break;
    case SDLK_f: app->view.zoom = 1.0, app->view.pan = 0; break;
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS: zoom(app, w, 2.0, w->width / 2); break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS: zoom(app, w, 0.5, w->width / 2); break;
    case SDLK_UP: app->view.pan = MAX(app->view.pan - w->width / 4.0, 0.0); break;
    case SDLK_DOWN: app->view.pan += w->width / 4.0; break;
    case SDLK_s: save_screenshot(w, app); break;
    case SDLK_h:
    case SDLK_QUESTION: app->view.help = !app->view.help; break;
    case SDLK_q:
    case SDLK_ESCAPE: return false;
    default: break;
    }
    return true;
}

/* A click: a region on a map strip, a VAD in the tree, a page in the grid. */
static void on_click(VvApp *app, const Window *w, int x, int y)
{
    VvScene *s = app->scene;
    VvPanels panels = vv_panels(w->width, w->height, s->processes->len);
    for (guint i = 0; i < s->processes->len; i++) {
        VvRect strip = vv_strip_rect(&panels, i);
        if (y < strip.y || y >= strip.y + strip.h)
            continue;
        const VvProcessScene *process = g_ptr_array_index(s->processes, i);
        VvMapLayout layout = vv_map_layout(process->regions, panels.maps.w, app->view.zoom);
        int region = vv_map_region_at(&layout, x - strip.x + app->view.pan);
        vv_map_layout_free(&layout);
        s->current = i;
        vv_app_select_region(app, region);
        return;
    }
    const VvProcessScene *process =
        s->processes->len ? g_ptr_array_index(s->processes, s->current) : NULL;
    if (process && x >= panels.tree.x && x < panels.tree.x + panels.tree.w && y >= panels.tree.y &&
        y < panels.tree.y + panels.tree.h) {
        for (guint i = 0; i < process->vads->len; i++) {
            VvRect box = vv_tree_node_rect(&panels.tree, process, i);
            if (x < box.x || x >= box.x + box.w || y < box.y || y >= box.y + box.h)
                continue;
            uint64_t start = g_array_index(process->vads, VvVadNode, i).start_vpn << 12;
            for (guint r = 0; r < process->regions->len; r++)
                if (g_array_index(process->regions, VvRegion, r).start <= start &&
                    start < g_array_index(process->regions, VvRegion, r).end)
                    vv_app_select_region(app, (int)r);
            return;
        }
    }
    if (app->view.pages && x >= panels.pages.x && y >= panels.pages.y + 22) {
        int cell = app->view.pages->len > 256 ? 8 : 14;
        int per_row = MAX((panels.pages.w - 16) / (cell + 2), 1);
        int col = (x - panels.pages.x - 8) / (cell + 2),
            row = (y - panels.pages.y - 22) / (cell + 2);
        guint index = (guint)(row * per_row + col);
        if (col >= 0 && col < per_row && index < app->view.pages->len)
            vv_app_select_page(app, g_array_index(app->view.pages, VvPage, index).address);
    }
}

static bool on_event(VvApp *app, Window *w, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: return false;
    case SDL_KEYDOWN: return on_key(app, w, e->key.keysym.sym);
    case SDL_TEXTINPUT:
        if (strcmp(e->text.text, "?") == 0)
            app->view.help = !app->view.help;
        break;
    case SDL_MOUSEWHEEL: {
        int x;
        SDL_GetMouseState(&x, NULL);
        zoom(app, w, e->wheel.y > 0 ? 1.25 : 0.8, x);
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
        w->dragging = true, w->drag_x = e->button.x;
        on_click(app, w, e->button.x, e->button.y);
        break;
    case SDL_MOUSEBUTTONUP: w->dragging = false; break;
    case SDL_MOUSEMOTION:
        if (w->dragging) {
            app->view.pan = MAX(app->view.pan - (e->motion.x - w->drag_x), 0.0);
            w->drag_x = e->motion.x;
        }
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            w->width = e->window.data1, w->height = e->window.data2;
        break;
    default: break;
    }
    return true;
}

/* Pushes the next scripted key (for --keys); false when there are none left. */
static bool push_key(char **keys, size_t *next)
{
    if (!keys[*next])
        return false;
    SDL_Event e = {.type = SDL_KEYDOWN};
    e.key.keysym.sym = SDL_GetKeyFromName(keys[(*next)++]);
    SDL_PushEvent(&e);
    return true;
}

static int run_window(VvApp *app, const Options *o)
{
    Window w = {.width = o->width, .height = o->height};
    /* Without a display SDL may fall back to a driver that shows nothing (offscreen, dummy,
     * KMS on a console): a window nobody can see or close would hang the run. Refuse instead,
     * unless SDL_VIDEODRIVER asks for one on purpose. */
    const char *wanted = getenv("SDL_VIDEODRIVER");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "vadsim-view: no display (%s): use --png or --svg, or run under Xvfb\n",
                SDL_GetError());
        return EXIT_FAILURE;
    }
    const char *driver = SDL_GetCurrentVideoDriver();
    if (!(wanted && *wanted) && driver && strcmp(driver, "x11") != 0 &&
        strcmp(driver, "wayland") != 0 && strcmp(driver, "windows") != 0 &&
        strcmp(driver, "cocoa") != 0) {
        fprintf(stderr,
                "vadsim-view: no display to open a window on (SDL found only the '%s' "
                "driver): use --png or --svg, or run under Xvfb\n",
                driver);
        SDL_Quit();
        return EXIT_FAILURE;
    }
    w.window = SDL_CreateWindow("vadsim-view", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                w.width, w.height, SDL_WINDOW_RESIZABLE);
    w.painter.renderer = w.window ? SDL_CreateRenderer(w.window, -1, SDL_RENDERER_SOFTWARE) : NULL;
    char error[512];
    if (!w.painter.renderer || !vv_painter_open_fonts(&w.painter, error, sizeof error)) {
        fprintf(stderr, "vadsim-view: %s\n", w.painter.renderer ? error : SDL_GetError());
        return EXIT_FAILURE;
    }
    char **keys = o->keys ? g_strsplit_set(o->keys, " ,", -1) : NULL;
    size_t next = 0;
    bool running = true;
    if (keys)
        push_key(keys, &next);
    while (running) {
        vv_draw(&w.painter, app->scene, &app->view, w.width, w.height);
        SDL_RenderPresent(w.painter.renderer);
        SDL_Event e;
        if (!SDL_WaitEvent(&e))
            break;
        do {
            bool scripted = keys && e.type == SDL_KEYDOWN;
            running = on_event(app, &w, &e);
            if (scripted) {
                print_state(app);
                if (running && !push_key(keys, &next))
                    running = false;
            }
        } while (running && SDL_PollEvent(&e));
    }
    g_strfreev(keys);
    vv_painter_close_fonts(&w.painter);
    SDL_DestroyRenderer(w.painter.renderer);
    SDL_DestroyWindow(w.window);
    SDL_Quit();
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    Options o = {0};
    if (!parse_options(&argc, &argv, &o))
        return EXIT_USAGE;
    if (TTF_Init() != 0) {
        fprintf(stderr, "vadsim-view: SDL_ttf: %s\n", TTF_GetError());
        return EXIT_FAILURE;
    }
    VvApp app;
    GError *error = NULL;
    int status = EXIT_SUCCESS;
    if (!vv_app_open(&app, argv[1], &error) || !vv_app_goto(&app, (size_t)o.step, &error)) {
        fprintf(stderr, "%s\n", error->message);
        g_error_free(error);
        vv_app_close(&app);
        TTF_Quit();
        return EXIT_FAILURE;
    }
    if ((size_t)o.step > app.script->steps)
        fprintf(stderr, "vadsim-view: the scenario has %zu steps; showing the last\n",
                app.script->steps);
    char message[512];
    if (o.png && !vv_app_save_png(&app, o.width, o.height, o.png, message, sizeof message)) {
        fprintf(stderr, "vadsim-view: %s\n", message);
        status = EXIT_FAILURE;
    }
    if (o.svg && !vv_write_svg(app.scene, app.view.zoom, o.width, o.height, o.svg, message,
                               sizeof message)) {
        fprintf(stderr, "vadsim-view: %s\n", message);
        status = EXIT_FAILURE;
    }
    if (!o.png && !o.svg)
        status = run_window(&app, &o);
    vv_app_close(&app);
    TTF_Quit();
    g_free(o.png), g_free(o.svg), g_free(o.size), g_free(o.keys);
    return status;
}
