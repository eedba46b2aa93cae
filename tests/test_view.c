/*
 * test_view.c - the visualiser's headless renders: pixels checked at places the layout computes.
 *
 * A committed region is filled with its type's color inside its span; a reserved one has the
 * reserved outline at its edge; a VAD the step touched is framed in the highlight color; stepping
 * back shows exactly what stepping forward showed; the page grid's cells are where clicks find
 * them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "draw.h"
#include "view_lesson.h"

#define W 1280
#define H 800

static Uint32 pixel_at(SDL_Surface *s, int x, int y)
{
    return ((Uint32 *)s->pixels)[y * (s->pitch / 4) + x];
}

static void assert_color(SDL_Surface *s, int x, int y, VvColor c)
{
    Uint8 r, g, b;
    SDL_GetRGB(pixel_at(s, x, y), s->format, &r, &g, &b);
    if (r != c.r || g != c.g || b != c.b)
        fail_msg("pixel (%d, %d) is #%02x%02x%02x, expected #%02x%02x%02x", x, y, r, g, b, c.r, c.g,
                 c.b);
}

static int setup(void **state)
{
    if (TTF_Init() != 0)
        return -1;
    VvApp *app = calloc(1, sizeof *app);
    GError *error = NULL;
    if (!vv_app_open_text(app, "view-test", view_lesson, &error)) {
        fprintf(stderr, "%s\n", error->message);
        return -1;
    }
    *state = app;
    return 0;
}

static int teardown(void **state)
{
    vv_app_close(*state);
    free(*state);
    TTF_Quit();
    return 0;
}

/* The index of the first region of the current process with this kind and state. */
static int find_region(const VvApp *app, uint32_t process, VvKind kind, uint32_t mem_state)
{
    const VvProcessScene *p = g_ptr_array_index(app->scene->processes, process);
    for (guint i = 0; i < p->regions->len; i++) {
        const VvRegion *r = &g_array_index(p->regions, VvRegion, i);
        if (r->kind == kind && r->state == mem_state)
            return (int)i;
    }
    return -1;
}

/* Where region i of process is on screen. */
static VvRect region_box(const VvApp *app, uint32_t process, int i)
{
    const VvProcessScene *p = g_ptr_array_index(app->scene->processes, process);
    VvPanels panels = vv_view_panels(app->scene, &app->view, W, H);
    VvStyle style = vv_view_style(&app->view, W, H);
    VvRect strip = vv_strip_rect(&panels, process);
    VvAxis own = {0};
    const VvAxis *axis = vv_view_axis(app->scene, &app->view, &panels, &style, &own);
    VvSpan span = vv_axis_span(axis, &g_array_index(p->regions, VvRegion, i));
    int left = strip.x + (int)span.x, right = strip.x + (int)(span.x + span.w);
    vv_axis_free(&own);
    return (VvRect){left, strip.y, MAX(right - left, 1), strip.h};
}

static SDL_Surface *render(VvApp *app)
{
    char error[256];
    SDL_Surface *s = vv_app_render(app, W, H, error, sizeof error);
    if (!s)
        fail_msg("%s", error);
    return s;
}

/* After step 1, the reservation is outlined; after step 2, the committed allocation is filled. */
static void test_reserved_and_committed(void **state)
{
    VvApp *app = *state;
    GError *error = NULL;
    assert_true(vv_app_goto(app, 1, &error));
    int reserved = find_region(app, 0, VV_PRIVATE, MEM_RESERVE);
    assert_true(reserved >= 0);
    SDL_Surface *s = render(app);
    VvRect box = region_box(app, 0, reserved);
    /* The step touched it: the highlight frames it just outside; inside, the outline. */
    assert_color(s, box.x + box.w / 2, box.y, vv_reserved_outline);
    assert_color(s, box.x + box.w / 2, box.y - 1, vv_highlight);
    assert_color(s, box.x + box.w / 2, box.y + box.h, vv_highlight);
    SDL_FreeSurface(s);

    assert_true(vv_app_goto(app, 2, &error));
    int committed = find_region(app, 0, VV_PRIVATE, MEM_COMMIT);
    assert_true(committed >= 0);
    s = render(app);
    box = region_box(app, 0, committed);
    assert_true(box.w >= 8);
    /* Inside the span, away from page lines and its label: the private data color. */
    assert_color(s, box.x + 2, box.y + 3, vv_kind_color(VV_PRIVATE));
    SDL_FreeSurface(s);
}

/* The VAD the step inserted is framed in the highlight color in the tree. */
static void test_touched_vad_highlighted(void **state)
{
    VvApp *app = *state;
    GError *error = NULL;
    assert_true(vv_app_goto(app, 2, &error));
    const VvProcessScene *p = g_ptr_array_index(app->scene->processes, 0);
    int touched = -1, untouched = -1;
    for (guint i = 0; i < p->vads->len; i++) {
        if (g_array_index(p->vads, VvVadNode, i).touched)
            touched = (int)i;
        else if (g_array_index(p->vads, VvVadNode, i).kind != VV_SYSTEM)
            untouched = (int)i;
    }
    assert_true(touched >= 0 && untouched >= 0);
    VvPanels panels = vv_view_panels(app->scene, &app->view, W, H);
    VvStyle style = vv_view_style(&app->view, W, H);
    SDL_Surface *s = render(app);
    VvRect box = vv_tree_node_rect(&style, &panels.tree, p, (guint)touched);
    assert_color(s, box.x + box.w / 2, box.y, vv_highlight);
    box = vv_tree_node_rect(&style, &panels.tree, p, (guint)untouched);
    assert_color(s, box.x + box.w / 2, box.y, vv_reserved_outline);
    SDL_FreeSurface(s);
}

/* Two processes: two strips, a shared frame linked, a shareable view filled in both. */
static void test_two_processes(void **state)
{
    VvApp *app = *state;
    GError *error = NULL;
    assert_true(vv_app_goto(app, 3, &error));
    assert_int_equal(app->scene->processes->len, 2);
    assert_true(app->scene->links->len >= 1);
    SDL_Surface *s = render(app);
    for (uint32_t p = 0; p < 2; p++) {
        int view = find_region(app, p, VV_SHAREABLE, MEM_COMMIT);
        assert_true(view >= 0);
        VvRect box = region_box(app, p, view);
        assert_color(s, box.x + 2, box.y + 3, vv_kind_color(VV_SHAREABLE));
    }
    SDL_FreeSurface(s);
}

/* Back is an exact replay: the picture after going 3 -> 1 is the picture of going to 1. */
static void test_back_is_exact(void **state)
{
    VvApp *app = *state;
    GError *error = NULL;
    assert_true(vv_app_goto(app, 1, &error));
    SDL_Surface *first = render(app);
    assert_true(vv_app_goto(app, 3, &error));
    assert_true(vv_app_goto(app, 1, &error));
    SDL_Surface *again = render(app);
    assert_memory_equal(first->pixels, again->pixels, (size_t)first->pitch * first->h);
    SDL_FreeSurface(first);
    SDL_FreeSurface(again);
}

/* A larger picture is the same picture, larger: the region's place scales with the size. */
static void test_scales_with_the_picture(void **state)
{
    VvApp *app = *state;
    GError *error = NULL;
    assert_true(vv_app_goto(app, 2, &error));
    int committed = find_region(app, 0, VV_PRIVATE, MEM_COMMIT);
    char message[256];
    SDL_Surface *large = vv_app_render(app, 2 * W, 2 * H, message, sizeof message);
    assert_non_null(large);
    VvRect box = region_box(app, 0, committed);
    assert_color(large, 2 * box.x + 4, 2 * box.y + 6, vv_kind_color(VV_PRIVATE));
    SDL_FreeSurface(large);
}

/* The pointer over a region: its details in a tip beside the pointer; away, no tip. */
static void test_hover_shows_a_tip(void **state)
{
    VvApp *app = *state;
    GError *error = NULL;
    assert_true(vv_app_goto(app, 2, &error));
    VvRect box = region_box(app, 0, find_region(app, 0, VV_PRIVATE, MEM_COMMIT));
    VvStyle style = vv_view_style(&app->view, W, H);
    app->view.mouse_x = box.x + 2, app->view.mouse_y = box.y + box.h / 2;
    SDL_Surface *s = render(app);
    /* The tip's box starts down and right of the pointer, on its own paper. */
    int tx = app->view.mouse_x + vv_px(&style, 14), ty = app->view.mouse_y + vv_px(&style, 18);
    assert_color(s, tx + 2, ty + 2, vv_tip_paper);
    SDL_FreeSurface(s);
    app->view.mouse_x = app->view.mouse_y = -1;
    s = render(app);
    Uint8 r, g, b;
    SDL_GetRGB(pixel_at(s, tx + 2, ty + 2), s->format, &r, &g, &b);
    assert_false(r == vv_tip_paper.r && g == vv_tip_paper.g && b == vv_tip_paper.b);
    SDL_FreeSurface(s);
}

/* Before the first step the window shows the lesson's title card, not empty panels. */
static void test_title_card_is_drawn(void **state)
{
    VvApp *app = *state;
    GError *error = NULL;
    assert_true(vv_app_goto(app, 0, &error));
    SDL_Surface *s = render(app);
    /* Somewhere in its upper part the title's ink; the card's rule under it in the step's color. */
    VvStyle style = vv_view_style(&app->view, W, H);
    int ink = 0, rule = 0;
    for (int y = 0; y < H / 4; y++)
        for (int x = 0; x < W; x++) {
            Uint8 r, g, b;
            SDL_GetRGB(pixel_at(s, x, y), s->format, &r, &g, &b);
            ink += r < 80 && g < 80 && b < 80;
            rule += r == vv_step_ink.r && g == vv_step_ink.g && b == vv_step_ink.b;
        }
    assert_true(ink > 200);
    assert_true(rule >= vv_px(&style, 2) * (W / 2));
    SDL_FreeSurface(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserved_and_committed),
        cmocka_unit_test(test_touched_vad_highlighted),
        cmocka_unit_test(test_two_processes),
        cmocka_unit_test(test_back_is_exact),
        cmocka_unit_test(test_scales_with_the_picture),
        cmocka_unit_test(test_hover_shows_a_tip),
        cmocka_unit_test(test_title_card_is_drawn),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
