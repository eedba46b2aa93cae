/*
 * bench_view.c - what a step costs the visualiser with many VADs. Targets: rebuilding the scene
 * after a step under 50 ms, a frame under 16 ms (60 frames a second) with the software renderer,
 * the first frame after a step included.
 *
 * Builds a scenario of N reservations (100 000 by default; --vads N), runs it, then times, a few
 * times over (--steps K): rebuilding the scene from the model, as each step does, and drawing the
 * first frame of that new scene (its address scale made afresh); then --frames more frames of the
 * same scene, as the window draws while the pointer moves. Prints medians and the worst; asserts
 * nothing about time (the machine's load average is printed beside them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draw.h"

#define WIDTH 1600
#define HEIGHT 1000

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static gint by_value(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Prints a line of figures: the median and the worst of times. */
static void report(const char *what, GArray *times, const char *target)
{
    g_array_sort(times, by_value);
    double median = g_array_index(times, double, times->len / 2);
    double worst = g_array_index(times, double, times->len - 1);
    printf("  %-44s median %7.2f ms, worst %7.2f ms  (%u; target: under %s)\n", what, median, worst,
           times->len, target);
}

typedef struct Options {
    long vads;
    int steps, frames;
} Options;

static bool parse(int argc, char **argv, Options *o)
{
    *o = (Options){100000, 5, 30};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vads") == 0 && i + 1 < argc)
            o->vads = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc)
            o->steps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
            o->frames = atoi(argv[++i]);
        else if (strcmp(argv[i], "--quick") == 0)
            o->vads = 2000, o->steps = 2, o->frames = 3;
        else
            return false;
    }
    return o->vads >= 1 && o->vads <= 1000000 && o->steps >= 1 && o->steps <= 1000 &&
           o->frames >= 1 && o->frames <= 100000;
}

static GString *scenario(long vads)
{
    GString *text = g_string_new("title \"many VADs\"\nsystem x64\nstep \"reserve\"\n");
    for (long i = 0; i < vads; i++)
        g_string_append(text, i % 4 ? "VirtualAlloc(NULL, 4K, MEM_RESERVE, PAGE_READWRITE)\n"
                                    : "VirtualAlloc(NULL, 8K, MEM_RESERVE | MEM_COMMIT, "
                                      "PAGE_READWRITE)\n");
    return text;
}

static double draw(VvCanvas *canvas, SDL_Renderer *renderer, const VvApp *app)
{
    double start = now_ms();
    vv_paint(canvas, app->scene, &app->view, WIDTH, HEIGHT, true);
    SDL_RenderPresent(renderer);
    return now_ms() - start;
}

/* Rebuilds the scene steps times, drawing the first frame of each, then frames more frames. */
static void measure(VvApp *app, VvCanvas *canvas, SDL_Renderer *renderer, const Options *o)
{
    GArray *builds = g_array_new(FALSE, FALSE, sizeof(double));
    GArray *firsts = g_array_new(FALSE, FALSE, sizeof(double));
    GArray *frames = g_array_new(FALSE, FALSE, sizeof(double));
    g_autofree char *narration = g_strdup(app->out->str);
    for (int s = 0; s < o->steps; s++) {
        double start = now_ms();
        vv_axis_cache_clear(app->view.axis);
        vv_scene_free(app->scene);
        app->scene = vv_scene_build(app->runner, narration, app->intro);
        double built = now_ms() - start;
        g_array_append_val(builds, built);
        double first = draw(canvas, renderer, app);
        g_array_append_val(firsts, first);
    }
    for (int f = 0; f < o->frames; f++) {
        double took = draw(canvas, renderer, app);
        g_array_append_val(frames, took);
    }
    report("rebuilding the scene after a step", builds, "50 ms");
    report("the first frame after a step", firsts, "16 ms");
    report("a frame of the same step", frames, "16 ms");
    g_array_free(builds, TRUE);
    g_array_free(firsts, TRUE);
    g_array_free(frames, TRUE);
}

int main(int argc, char **argv)
{
    Options o;
    if (!parse(argc, argv, &o)) {
        fprintf(stderr,
                "usage: bench-view [--vads 1-1000000] [--steps K] [--frames N] [--quick]\n");
        return 2;
    }
    if (TTF_Init() != 0)
        return 1;
    GString *text = scenario(o.vads);
    VvApp app;
    GError *error = NULL;
    double t0 = now_ms();
    if (!vv_app_open_text(&app, "bench", text->str, &error) || !vv_app_goto(&app, 1, &error)) {
        fprintf(stderr, "bench-view: %s\n", error->message);
        return 1;
    }
    double ran = now_ms() - t0;
    SDL_Surface *surface =
        SDL_CreateRGBSurfaceWithFormat(0, WIDTH, HEIGHT, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *renderer = surface ? SDL_CreateSoftwareRenderer(surface) : NULL;
    char message[256];
    VvCanvas *canvas = renderer ? vv_sdl_canvas_new(renderer, message, sizeof message) : NULL;
    VvStyle style = vv_view_style(&app.view, WIDTH, HEIGHT);
    if (!canvas || !vv_sdl_canvas_set_style(canvas, &style, message, sizeof message)) {
        fprintf(stderr, "bench-view: %s\n", renderer ? message : SDL_GetError());
        return 1;
    }
    const VvProcessScene *p = g_ptr_array_index(app.scene->processes, 0);
    g_autofree char *load = NULL;
    g_file_get_contents("/proc/loadavg", &load, NULL, NULL);
    printf("bench-view: %u VADs, %u regions, %dx%d, software renderer; load average %.4s\n",
           p->vads->len, p->regions->len, WIDTH, HEIGHT, load ? load : "?");
    printf("  running the scenario and its first scene   %9.1f ms\n", ran);
    measure(&app, canvas, renderer, &o);
    vv_sdl_canvas_free(canvas);
    SDL_DestroyRenderer(renderer);
    SDL_FreeSurface(surface);
    vv_app_close(&app);
    TTF_Quit();
    g_string_free(text, TRUE);
    return 0;
}
