/*
 * bench_view.c - what a step costs the visualiser with many VADs. Targets: rebuilding the scene
 * after a step under 50 ms, a frame under 16 ms (60 frames a second) with the software renderer,
 * the first frame after a step included.
 *
 * Builds a scenario of N reservations (100 000 by default; --vads N), runs it, then times, a few
 * times over (--steps K): rebuilding the scene from the model, as each step does, and drawing the
 * first frame of that new scene (its address scale made afresh); then --frames more frames of the
 * same scene, as the window draws while the pointer moves. Prints the median and the worst of the
 * time that passed and of the processor time the thread used: on a machine shared with other work
 * the first includes the waits for the processor, the second does not (the load average is
 * printed too). Asserts nothing about time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draw.h"

#define WIDTH 1600
#define HEIGHT 1000

/* A moment: the time that passed, and the processor time this thread used. */
typedef struct Moment {
    double wall, cpu; /* ms */
} Moment;

static double clock_ms(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static Moment now(void)
{
    return (Moment){clock_ms(CLOCK_MONOTONIC), clock_ms(CLOCK_THREAD_CPUTIME_ID)};
}

/* Times in pairs: what passed, and what the thread used. */
typedef struct Times {
    GArray *wall, *cpu;
} Times;

static Times times_new(void)
{
    return (Times){g_array_new(FALSE, FALSE, sizeof(double)),
                   g_array_new(FALSE, FALSE, sizeof(double))};
}

static void took(Times *t, const Moment *start)
{
    Moment end = now();
    double wall = end.wall - start->wall, cpu = end.cpu - start->cpu;
    g_array_append_val(t->wall, wall);
    g_array_append_val(t->cpu, cpu);
}

static gint by_value(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Prints a line of figures, the median and the worst of times, and frees them. */
static void report(const char *what, Times *t, const char *target)
{
    g_array_sort(t->wall, by_value);
    g_array_sort(t->cpu, by_value);
    guint n = t->wall->len;
    printf("  %-34s median %6.2f ms (cpu %6.2f), worst %6.2f ms (cpu %6.2f); %u, target %s\n", what,
           g_array_index(t->wall, double, n / 2), g_array_index(t->cpu, double, n / 2),
           g_array_index(t->wall, double, n - 1), g_array_index(t->cpu, double, n - 1), n, target);
    g_array_free(t->wall, TRUE);
    g_array_free(t->cpu, TRUE);
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

static void draw(VvCanvas *canvas, SDL_Renderer *renderer, const VvApp *app, Times *t)
{
    Moment start = now();
    vv_paint(canvas, app->scene, &app->view, WIDTH, HEIGHT, true);
    SDL_RenderPresent(renderer);
    took(t, &start);
}

/* Rebuilds the scene steps times, drawing the first frame of each, then frames more frames. */
static void measure(VvApp *app, VvCanvas *canvas, SDL_Renderer *renderer, const Options *o)
{
    Times builds = times_new(), firsts = times_new(), frames = times_new();
    g_autofree char *narration = g_strdup(app->out->str);
    for (int s = 0; s < o->steps; s++) {
        Moment start = now();
        vv_axis_cache_clear(app->view.axis);
        vv_scene_free(app->scene);
        app->scene = vv_scene_build(app->runner, narration, app->intro);
        took(&builds, &start);
        draw(canvas, renderer, app, &firsts);
    }
    for (int f = 0; f < o->frames; f++)
        draw(canvas, renderer, app, &frames);
    report("rebuilding the scene after a step", &builds, "under 50 ms");
    report("the first frame after a step", &firsts, "under 16 ms");
    report("a frame of the same step", &frames, "under 16 ms");
}

int main(int argc, char **argv)
{
    Options o;
    if (!parse(argc, argv, &o)) {
        fprintf(stderr,
                "usage: bench-view [--vads 1-1000000] [--steps K] [--frames N] [--quick]\n");
        return 2;
    }
    vv_app_keep_freed_memory();
    if (TTF_Init() != 0)
        return 1;
    GString *text = scenario(o.vads);
    VvApp app;
    GError *error = NULL;
    Moment t0 = now();
    if (!vv_app_open_text(&app, "bench", text->str, &error) || !vv_app_goto(&app, 1, &error)) {
        fprintf(stderr, "bench-view: %s\n", error->message);
        return 1;
    }
    double ran = now().wall - t0.wall;
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
