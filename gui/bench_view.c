/*
 * bench_view.c - the visualiser's frame time with many VADs (target: under 16 ms a frame with the
 * software renderer, 60 frames a second).
 *
 * Builds a scenario of N reservations (100 000 by default; --vads N), runs it, and times: building
 * the scene from the model (once per step in the window), and drawing a 1600x1000 frame (every
 * frame). Prints figures; asserts nothing about time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    long vads = 100000;
    int frames = 30;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vads") == 0 && i + 1 < argc)
            vads = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--quick") == 0)
            vads = 2000, frames = 3;
        else {
            fprintf(stderr, "usage: bench-view [--vads N] [--quick]\n");
            return 2;
        }
    }
    if (vads < 1 || vads > 1000000) {
        fprintf(stderr, "bench-view: --vads takes 1 to 1000000\n");
        return 2;
    }
    GString *text = g_string_new("title \"many VADs\"\nsystem x64\nstep \"reserve\"\n");
    for (long i = 0; i < vads; i++)
        g_string_append(text, i % 4 ? "VirtualAlloc(NULL, 4K, MEM_RESERVE, PAGE_READWRITE)\n"
                                    : "VirtualAlloc(NULL, 8K, MEM_RESERVE | MEM_COMMIT, "
                                      "PAGE_READWRITE)\n");
    if (TTF_Init() != 0)
        return 1;
    VvApp app;
    GError *error = NULL;
    double t0 = now_ms();
    if (!vv_app_open_text(&app, "bench", text->str, &error) || !vv_app_goto(&app, 1, &error)) {
        fprintf(stderr, "bench-view: %s\n", error->message);
        return 1;
    }
    double t1 = now_ms();
    vv_scene_free(vv_scene_build(app.runner, ""));
    double t2 = now_ms();
    SDL_Surface *surface =
        SDL_CreateRGBSurfaceWithFormat(0, 1600, 1000, 32, SDL_PIXELFORMAT_ARGB8888);
    VvPainter painter = {.renderer = SDL_CreateSoftwareRenderer(surface)};
    char message[256];
    if (!painter.renderer || !vv_painter_open_fonts(&painter, message, sizeof message)) {
        fprintf(stderr, "bench-view: %s\n", painter.renderer ? message : SDL_GetError());
        return 1;
    }
    double worst = 0, total = 0;
    for (int f = 0; f < frames; f++) {
        double a = now_ms();
        vv_draw(&painter, app.scene, &app.view, 1600, 1000);
        SDL_RenderPresent(painter.renderer);
        double took = now_ms() - a;
        total += took;
        worst = took > worst ? took : worst;
    }
    const VvProcessScene *p = g_ptr_array_index(app.scene->processes, 0);
    printf("bench-view: %u VADs, %u regions, 1600x1000, software renderer\n", p->vads->len,
           p->regions->len);
    printf("  running the scenario and the first scene   %9.1f ms\n", t1 - t0);
    printf("  building a scene (each step)                %9.1f ms\n", t2 - t1);
    printf("  drawing a frame, mean of %d                 %9.2f ms  (%.0f frames a second)\n",
           frames, total / frames, 1000.0 * frames / total);
    printf("  drawing a frame, worst                      %9.2f ms  (target: under 16 ms)\n",
           worst);
    vv_painter_close_fonts(&painter);
    SDL_DestroyRenderer(painter.renderer);
    SDL_FreeSurface(surface);
    vv_app_close(&app);
    TTF_Quit();
    g_string_free(text, TRUE);
    return 0;
}
