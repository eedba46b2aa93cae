/*
 * main.c - vadsim-view: the visualiser's window, and its headless renders.
 *
 *   vadsim-view FILE.vsim                              a window that steps with the scenario
 *   vadsim-view FILE --step N --png OUT [--size WxH]   renders the state after step N and exits
 *   vadsim-view FILE --step N --svg OUT                the same picture as SVG
 *   vadsim-view FILE --html OUT                        the whole lesson as one web page
 *   vadsim-view FILE --keys "Right Right Left"         (tests) feeds keys to the window, printing
 *                                                      the state after each
 *
 * The window fits the display's usable area (SDL_GetDisplayUsableBounds) and everything in it
 * scales with its size (style.h), times the factor --scale and Ctrl +/- choose. Reads the model
 * only through its public API and the runner's event stream (scene.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

#include "draw.h"
#include "html.h"
#include "svg.h"

#define EXIT_USAGE 2
#define DEFAULT_WIDTH 1600
#define DEFAULT_HEIGHT 1000
#define SCALE_STEP 1.15

typedef struct Options {
    gint step;
    char *png, *svg, *html, *size, *keys;
    double scale;
    int width, height;
    bool sized;      /* --size was given */
    gboolean tables; /* --tables: the summary tables in the narration's place, as V shows them */
} Options;

static bool parse_size(const char *text, int *width, int *height)
{
    char tail;
    return sscanf(text, "%dx%d%c", width, height, &tail) == 2 && *width >= 320 && *height >= 240 &&
           *width <= 8192 && *height <= 8192;
}

/* Checks what parsing cannot: the size's form, the scale's range, the step, one file. */
static bool check_options(int argc, Options *o)
{
    o->width = DEFAULT_WIDTH, o->height = DEFAULT_HEIGHT;
    o->sized = o->size != NULL;
    if (o->size && !parse_size(o->size, &o->width, &o->height)) {
        fprintf(stderr,
                "vadsim-view: --size takes WIDTHxHEIGHT, from 320x240 to 8192x8192, not '%s'\n",
                o->size);
        return false;
    }
    if (o->scale == 0)
        o->scale = 1.0;
    if (!(o->scale >= VV_SCALE_MIN && o->scale <= VV_SCALE_MAX)) {
        fprintf(stderr, "vadsim-view: --scale takes a factor from %.1f to %.1f, not %g\n",
                VV_SCALE_MIN, VV_SCALE_MAX, o->scale);
        return false;
    }
    if (o->step < 0) {
        fprintf(stderr, "vadsim-view: --step takes a step number, 0 for before the first\n");
        return false;
    }
    if (argc != 2) {
        fprintf(stderr, "vadsim-view: give one scenario file (vadsim-view --help)\n");
        return false;
    }
    return true;
}

static bool parse_options(int *argc, char ***argv, Options *o)
{
    GOptionEntry entries[] = {
        {"step", 0, 0, G_OPTION_ARG_INT, &o->step, "Show the state after step N", "N"},
        {"png", 0, 0, G_OPTION_ARG_FILENAME, &o->png, "Render to a PNG and exit (no display)",
         "OUT"},
        {"svg", 0, 0, G_OPTION_ARG_FILENAME, &o->svg, "Write the picture as SVG and exit", "OUT"},
        {"html", 0, 0, G_OPTION_ARG_FILENAME, &o->html,
         "Write the whole lesson as one self-contained web page and exit", "OUT"},
        {"size", 0, 0, G_OPTION_ARG_STRING, &o->size,
         "Picture size (default 1600x1000), or the window's (default: fitted to the screen)",
         "WxH"},
        {"scale", 0, 0, G_OPTION_ARG_DOUBLE, &o->scale,
         "Text and lines this many times larger than the size gives (0.5 to 4; Ctrl +/-)", "F"},
        {"tables", 0, 0, G_OPTION_ARG_NONE, &o->tables,
         "Show the summary tables (VMMap's by type, by state, the regions) in the narration's "
         "place, as V does",
         NULL},
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
    return ok && check_options(*argc, o);
}

/* ---- The window ----------------------------------------------------------------------------- */

typedef struct Window {
    SDL_Window *window;
    SDL_Renderer *renderer;
    VvCanvas *canvas;
    int width, height;
    bool dragging;
    int drag_x;
    VvPaintInfo painted; /* what the last frame drew */
    const char *scenario_path;
} Window;

static void print_state(const VvApp *app)
{
    const VvProcessScene *p = app->scene->processes->len
                                  ? g_ptr_array_index(app->scene->processes, app->scene->current)
                                  : NULL;
    printf("state: step %zu of %zu, process %s, region %d, zoom %.2f, scale %.2f, help %s\n",
           app->step, app->script->steps, p ? p->name : "-", app->view.selected_region,
           app->view.zoom, app->view.scale, app->view.help ? "on" : "off");
    fflush(stdout);
}

static void set_message(VvApp *app, char *message)
{
    g_free(app->view.message);
    app->view.message = message;
}

static void move_to(VvApp *app, size_t step)
{
    GError *error = NULL;
    if (!vv_app_goto(app, step, &error)) {
        fprintf(stderr, "vadsim-view: %s\n", error->message);
        set_message(app, g_strdup(error->message));
        g_error_free(error);
    }
}

/* A path in the working directory no earlier save took: vadsim-LESSON-step-N[-K].png. */
static char *screenshot_path(const Window *w, const VvApp *app)
{
    g_autofree char *base = g_path_get_basename(w->scenario_path);
    char *dot = strrchr(base, '.');
    if (dot)
        *dot = '\0';
    g_autofree char *cwd = g_get_current_dir();
    for (int k = 1;; k++) {
        g_autofree char *name =
            k == 1 ? g_strdup_printf("vadsim-%s-step-%zu.png", base, app->step)
                   : g_strdup_printf("vadsim-%s-step-%zu-%d.png", base, app->step, k);
        char *path = g_build_filename(cwd, name, NULL);
        if (!g_file_test(path, G_FILE_TEST_EXISTS) || k == 1000)
            return path;
        g_free(path);
    }
}

/* Saves what the window shows, and says where: on stdout and in the window. */
static void save_screenshot(Window *w, VvApp *app)
{
    SDL_Surface *shot =
        SDL_CreateRGBSurfaceWithFormat(0, w->width, w->height, 32, SDL_PIXELFORMAT_ARGB8888);
    char *path = screenshot_path(w, app);
    if (shot &&
        SDL_RenderReadPixels(w->renderer, NULL, SDL_PIXELFORMAT_ARGB8888, shot->pixels,
                             shot->pitch) == 0 &&
        IMG_SavePNG(shot, path) == 0) {
        printf("saved %s\n", path);
        set_message(app, g_strdup_printf("Saved %s", path));
    } else {
        fprintf(stderr, "vadsim-view: cannot save %s: %s\n", path, SDL_GetError());
        set_message(app, g_strdup_printf("Cannot save %s: %s", path, SDL_GetError()));
    }
    fflush(stdout);
    g_free(path);
    if (shot)
        SDL_FreeSurface(shot);
}

static VvPanels window_panels(const Window *w, const VvApp *app)
{
    return vv_view_panels(app->scene, &app->view, w->width, w->height);
}

/* Zooms the maps by factor around x (window pixels). */
static void zoom(VvApp *app, const Window *w, double factor, int x)
{
    VvPanels panels = window_panels(w, app);
    double at = x - panels.maps.x + app->view.pan;
    double old = app->view.zoom;
    app->view.zoom = CLAMP(old * factor, 1.0, 1e9);
    app->view.pan = MAX(at * app->view.zoom / old - (x - panels.maps.x), 0.0);
    if (app->view.zoom == 1.0)
        app->view.pan = 0;
}

static void scroll_narration(VvApp *app, const Window *w, int lines)
{
    int most = MAX(w->painted.narration_lines - w->painted.narration_shown, 0);
    app->view.narration_scroll = CLAMP(app->view.narration_scroll + lines, 0, most);
}

/* Ctrl with + / - / 0: the text and lines larger, smaller, or as the window's size gives. */
static bool on_scale_key(VvApp *app, SDL_Keycode key)
{
    double *scale = &app->view.scale;
    if (key == SDLK_PLUS || key == SDLK_EQUALS || key == SDLK_KP_PLUS)
        *scale = MIN(*scale * SCALE_STEP, VV_SCALE_MAX);
    else if (key == SDLK_MINUS || key == SDLK_KP_MINUS)
        *scale = MAX(*scale / SCALE_STEP, VV_SCALE_MIN);
    else if (key == SDLK_0 || key == SDLK_KP_0)
        *scale = 1.0;
    else
        return false;
    return true;
}

static bool on_key(VvApp *app, Window *w, SDL_Keycode key, SDL_Keymod mod)
{
    set_message(app, NULL);
    if ((mod & KMOD_CTRL) && on_scale_key(app, key))
        return true;
    int page = MAX(w->painted.narration_shown - 2, 1);
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
    case SDLK_PAGEDOWN: scroll_narration(app, w, page); break;
    case SDLK_PAGEUP: scroll_narration(app, w, -page); break;
    case SDLK_s: save_screenshot(w, app); break;
    case SDLK_v: app->view.tables = !app->view.tables; break;
    case SDLK_h:
    case SDLK_QUESTION: app->view.help = !app->view.help; break;
    case SDLK_q:
    case SDLK_ESCAPE: return false;
    default: break;
    }
    return true;
}

/* A click on a map strip: that process, and the region under the pointer. */
static bool click_strip(VvApp *app, const Window *w, const VvPanels *panels, int x, int y)
{
    VvScene *s = app->scene;
    for (guint i = 0; i < s->processes->len; i++) {
        VvRect strip = vv_strip_rect(panels, i);
        if (y < strip.y || y >= strip.y + strip.h)
            continue;
        VvStyle style = vv_view_style(&app->view, w->width, w->height);
        VvAxis own = {0};
        const VvAxis *axis = vv_view_axis(s, &app->view, panels, &style, &own);
        const VvProcessScene *process = g_ptr_array_index(s->processes, i);
        int region =
            vv_region_at(process->regions, vv_axis_address(axis, x - strip.x + app->view.pan));
        vv_axis_free(&own);
        s->current = i;
        vv_app_select_region(app, region);
        return true;
    }
    return false;
}

/* A click on a node of the VAD tree: the region its first page is in. */
static bool click_tree(VvApp *app, const Window *w, const VvPanels *panels, int x, int y)
{
    const VvProcessScene *process =
        app->scene->processes->len ? g_ptr_array_index(app->scene->processes, app->scene->current)
                                   : NULL;
    if (!process)
        return false;
    VvStyle style = vv_view_style(&app->view, w->width, w->height);
    VvTreeGeometry geometry = vv_tree_geometry(&style, &panels->tree, process);
    for (guint i = 0; i < process->vads->len; i++) {
        VvRect box = vv_tree_node_box(&geometry, &g_array_index(process->vads, VvVadNode, i));
        if (x < box.x || x >= box.x + box.w || y < box.y || y >= box.y + box.h)
            continue;
        uint64_t start = g_array_index(process->vads, VvVadNode, i).start_vpn << VS_PAGE_SHIFT;
        vv_app_select_region(app, vv_region_at(process->regions, start));
        return true;
    }
    return false;
}

/* A click: a region on a map strip, a VAD in the tree, a page in the grid. */
static void on_click(VvApp *app, const Window *w, int x, int y)
{
    if (app->scene->step == 0)
        return;
    VvPanels panels = window_panels(w, app);
    if (click_strip(app, w, &panels, x, y) || click_tree(app, w, &panels, x, y))
        return;
    int cell = vv_grid_cell_at(&w->painted.pages, x, y);
    if (cell >= 0 && app->view.pages && (guint)cell < app->view.pages->len)
        vv_app_select_page(app, g_array_index(app->view.pages, VvPage, cell).address);
}

static void on_wheel(VvApp *app, const Window *w, int dy)
{
    int x, y;
    SDL_GetMouseState(&x, &y);
    VvPanels panels = window_panels(w, app);
    VvRect n = panels.narration;
    if (x >= n.x && x < n.x + n.w && y >= n.y && y < n.y + n.h)
        scroll_narration(app, w, dy > 0 ? -3 : 3);
    else
        zoom(app, w, dy > 0 ? 1.25 : 0.8, x);
}

static bool on_event(VvApp *app, Window *w, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: return false;
    case SDL_KEYDOWN: return on_key(app, w, e->key.keysym.sym, (SDL_Keymod)e->key.keysym.mod);
    case SDL_TEXTINPUT:
        if (strcmp(e->text.text, "?") == 0)
            app->view.help = !app->view.help;
        break;
    case SDL_MOUSEWHEEL: on_wheel(app, w, e->wheel.y); break;
    case SDL_MOUSEBUTTONDOWN:
        w->dragging = true, w->drag_x = e->button.x;
        on_click(app, w, e->button.x, e->button.y);
        break;
    case SDL_MOUSEBUTTONUP: w->dragging = false; break;
    case SDL_MOUSEMOTION:
        app->view.mouse_x = e->motion.x, app->view.mouse_y = e->motion.y;
        if (w->dragging) {
            app->view.pan = MAX(app->view.pan - (e->motion.x - w->drag_x), 0.0);
            w->drag_x = e->motion.x;
        }
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            w->width = e->window.data1, w->height = e->window.data2;
        else if (e->window.event == SDL_WINDOWEVENT_LEAVE)
            app->view.mouse_x = app->view.mouse_y = -1;
        break;
    default: break;
    }
    return true;
}

/* Pushes the next scripted key (for --keys: a key name, "Ctrl+" before it for Control); false
 * when there are none left. */
static bool push_key(char **keys, size_t *next)
{
    while (keys[*next] && !*keys[*next])
        (*next)++;
    if (!keys[*next])
        return false;
    const char *name = keys[(*next)++];
    SDL_Event e = {.type = SDL_KEYDOWN};
    if (g_str_has_prefix(name, "Ctrl+"))
        e.key.keysym.mod = KMOD_LCTRL, name += strlen("Ctrl+");
    e.key.keysym.sym = SDL_GetKeyFromName(name);
    SDL_PushEvent(&e);
    return true;
}

/* Draws a frame: the picture at the window's size and the view's scale. */
static void draw_frame(Window *w, VvApp *app)
{
    char error[256];
    VvStyle style = vv_view_style(&app->view, w->width, w->height);
    if (!vv_sdl_canvas_set_style(w->canvas, &style, error, sizeof error)) {
        fprintf(stderr, "vadsim-view: %s\n", error);
        return;
    }
    w->painted = vv_paint(w->canvas, app->scene, &app->view, w->width, w->height, true);
    SDL_RenderPresent(w->renderer);
}

/* Without a display SDL may fall back to a driver that shows nothing (offscreen, dummy, KMS on a
 * console): a window nobody can see or close would hang the run. Refuse instead, unless
 * SDL_VIDEODRIVER asks for one on purpose. */
static bool open_video(void)
{
    const char *wanted = getenv("SDL_VIDEODRIVER");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr,
                "vadsim-view: no display (%s): use --png, --svg or --html, or run under "
                "Xvfb\n",
                SDL_GetError());
        return false;
    }
    const char *driver = SDL_GetCurrentVideoDriver();
    if (!(wanted && *wanted) && driver && strcmp(driver, "x11") != 0 &&
        strcmp(driver, "wayland") != 0 && strcmp(driver, "windows") != 0 &&
        strcmp(driver, "cocoa") != 0) {
        fprintf(stderr,
                "vadsim-view: no display to open a window on (SDL found only the '%s' driver): "
                "use --png, --svg or --html, or run under Xvfb\n",
                driver);
        SDL_Quit();
        return false;
    }
    return true;
}

/*
 * Fits the window into the display's usable area (less its panels and the window's own frame):
 * the size asked for, or 90% of the area, at most 1600x1000, never larger than the area, and
 * centred in it, so the title bar is on screen.
 */
static void fit_window(Window *w, const Options *o)
{
    int display = MAX(SDL_GetWindowDisplayIndex(w->window), 0);
    SDL_Rect usable;
    if (SDL_GetDisplayUsableBounds(display, &usable) != 0)
        SDL_GetDisplayBounds(display, &usable);
    int top = 0, left = 0, bottom = 0, right = 0;
    SDL_GetWindowBordersSize(w->window, &top, &left, &bottom, &right);
    int room_w = MAX(usable.w - left - right, 320), room_h = MAX(usable.h - top - bottom, 240);
    int width = o->sized ? o->width : MIN(room_w * 9 / 10, DEFAULT_WIDTH);
    int height = o->sized ? o->height : MIN(room_h * 9 / 10, DEFAULT_HEIGHT);
    w->width = MIN(width, room_w), w->height = MIN(height, room_h);
    SDL_SetWindowSize(w->window, w->width, w->height);
    SDL_SetWindowPosition(w->window, usable.x + left + (room_w - w->width) / 2,
                          usable.y + top + (room_h - w->height) / 2);
}

/* Says where the window is (for tests), once the display server has placed it. */
static void print_window(const Window *w)
{
    int x, y, display = MAX(SDL_GetWindowDisplayIndex(w->window), 0);
    SDL_Rect usable;
    for (int tries = 0; tries < 20; tries++) { /* a second at most */
        SDL_PumpEvents();
        SDL_GetWindowPosition(w->window, &x, &y);
        if (x >= 0 && y >= 0)
            break;
        SDL_Delay(50);
    }
    SDL_GetDisplayUsableBounds(display, &usable);
    printf("window: %dx%d at %d,%d on a usable area of %dx%d at %d,%d\n", w->width, w->height, x, y,
           usable.w, usable.h, usable.x, usable.y);
    fflush(stdout);
}

static bool open_window(Window *w, const VvApp *app, const Options *o)
{
    g_autofree char *title =
        g_strdup_printf("vadsim-view: %s", app->scene->title ? app->scene->title : "");
    w->window = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 640, 480,
                                 SDL_WINDOW_RESIZABLE | SDL_WINDOW_HIDDEN);
    if (!w->window) {
        fprintf(stderr, "vadsim-view: %s\n", SDL_GetError());
        return false;
    }
    fit_window(w, o);
    w->renderer = SDL_CreateRenderer(w->window, -1, SDL_RENDERER_SOFTWARE);
    SDL_ShowWindow(w->window);
    /* Once shown: the display server's news of the first placement is in, and the frame's size
     * (the window manager's) may be known only now. */
    for (int i = 0; i < 4; i++) {
        SDL_PumpEvents();
        SDL_Delay(10);
    }
    fit_window(w, o);
    char error[512];
    w->canvas = w->renderer ? vv_sdl_canvas_new(w->renderer, error, sizeof error) : NULL;
    if (!w->canvas) {
        fprintf(stderr, "vadsim-view: %s\n", w->renderer ? error : SDL_GetError());
        return false;
    }
    SDL_GetWindowSize(w->window, &w->width, &w->height);
    return true;
}

static void close_window(Window *w)
{
    vv_sdl_canvas_free(w->canvas);
    if (w->renderer)
        SDL_DestroyRenderer(w->renderer);
    if (w->window)
        SDL_DestroyWindow(w->window);
    SDL_Quit();
}

static int run_window(VvApp *app, const Options *o, const char *path)
{
    Window w = {.scenario_path = path};
    if (!open_video())
        return EXIT_FAILURE;
    if (!open_window(&w, app, o)) {
        close_window(&w);
        return EXIT_FAILURE;
    }
    char **keys = o->keys ? g_strsplit_set(o->keys, " ,", -1) : NULL;
    size_t next = 0;
    bool running = true;
    if (keys) {
        print_window(&w);
        running = push_key(keys, &next);
    }
    while (running) {
        draw_frame(&w, app);
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
    close_window(&w);
    return EXIT_SUCCESS;
}

/* The headless outputs asked for; false if one failed (each says why). */
static bool write_outputs(VvApp *app, const Options *o)
{
    char message[512];
    bool ok = true;
    if (o->png && !vv_app_save_png(app, o->width, o->height, o->png, message, sizeof message)) {
        fprintf(stderr, "vadsim-view: %s\n", message);
        ok = false;
    }
    if (o->svg && !vv_write_svg(app->scene, &app->view, o->width, o->height, o->svg, message,
                                sizeof message)) {
        fprintf(stderr, "vadsim-view: %s\n", message);
        ok = false;
    }
    GError *error = NULL;
    if (o->html && !vv_write_html(app, o->html, o->width, o->height, &error)) {
        fprintf(stderr, "vadsim-view: %s\n", error->message);
        g_error_free(error);
        ok = false;
    }
    return ok;
}

int main(int argc, char **argv)
{
    Options o = {0};
    if (!parse_options(&argc, &argv, &o))
        return EXIT_USAGE;
    vv_app_keep_freed_memory();
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
    app.view.scale = o.scale;
    app.view.tables = o.tables;
    if (o.png || o.svg || o.html)
        status = write_outputs(&app, &o) ? EXIT_SUCCESS : EXIT_FAILURE;
    else
        status = run_window(&app, &o, argv[1]);
    vv_app_close(&app);
    TTF_Quit();
    g_free(o.png), g_free(o.svg), g_free(o.html), g_free(o.size), g_free(o.keys);
    return status;
}
