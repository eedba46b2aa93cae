/*
 * test_paint.c - the visualiser's pictures without SDL: every lesson painted on a canvas that
 * records where its text went, at the sizes a classroom projects (no text past its panel's edge or
 * over other text, none smaller than the style's small font), the title card, text fitting
 * (wrapping, eliding), the shared address scale, the scene's VAD tree, the summary tables against
 * `show summary`, the SVG and the lesson page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "html.h"
#include "paint.h"
#include "svg.h"
#include "table.h"
#include "view_lesson.h"

/* ---- A canvas that records text -----------------------------------------------------------------
 */

typedef struct Drawn {
    VvRect box;  /* the text's line box */
    VvRect clip; /* the clip it was drawn in */
    char *text;
    int px;
} Drawn;

typedef struct Recorder {
    VvCanvas base;
    bool clipped;
    VvRect clip;
    GArray *texts; /* Drawn */
} Recorder;

static void rec_fill(VvCanvas *c, VvRect r, VvColor color) {}
static void rec_line(VvCanvas *c, double x0, double y0, double x1, double y1, double w, VvColor k)
{
}
static void rec_hatch(VvCanvas *c, VvRect r, int step, VvColor color) {}

static void rec_clip(VvCanvas *c, const VvRect *r)
{
    Recorder *rec = (Recorder *)c;
    rec->clipped = r != NULL;
    if (r)
        rec->clip = *r;
}

static int rec_width(VvCanvas *c, VvFont font, const char *text)
{
    return (int)(vv_text_width_estimate(c->style.font_px[font], text) + 0.999);
}

static void rec_text(VvCanvas *c, VvFont font, int x, int y, VvColor color, const char *text)
{
    Recorder *rec = (Recorder *)c;
    if (!rec->clipped)
        fail_msg("text \"%s\" drawn with no panel's clip", text);
    Drawn d = {{x, y, rec_width(c, font, text), c->style.line[font]},
               rec->clip,
               g_strdup(text),
               c->style.font_px[font]};
    g_array_append_val(rec->texts, d);
}

static const VvCanvasOps recorder_ops = {rec_fill,  rec_line, rec_hatch, rec_clip,
                                         rec_width, rec_text, NULL};

static void free_drawn(gpointer data) { g_free(((Drawn *)data)->text); }

static Recorder *recorder_new(const VvView *view, int width, int height)
{
    Recorder *r = g_new0(Recorder, 1);
    r->base = (VvCanvas){&recorder_ops, vv_view_style(view, width, height)};
    r->texts = g_array_new(FALSE, FALSE, sizeof(Drawn));
    g_array_set_clear_func(r->texts, free_drawn);
    return r;
}

static void recorder_free(Recorder *r)
{
    g_array_free(r->texts, TRUE);
    g_free(r);
}

static bool within(VvRect inner, VvRect outer)
{
    return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w &&
           inner.y + inner.h <= outer.y + outer.h;
}

static bool overlap(VvRect a, VvRect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Checks the text a recorder got: inside its clip and the picture, over no other text, at least
 * the small font's size. */
static void check_texts(const Recorder *r, int width, int height, const char *where)
{
    VvRect picture = {0, 0, width, height};
    for (guint i = 0; i < r->texts->len; i++) {
        const Drawn *d = &g_array_index(r->texts, Drawn, i);
        if (!within(d->box, d->clip) || !within(d->box, picture))
            fail_msg("%s, %dx%d: \"%s\" at (%d, %d) %dx%d leaves its panel (%d, %d) %dx%d", where,
                     width, height, d->text, d->box.x, d->box.y, d->box.w, d->box.h, d->clip.x,
                     d->clip.y, d->clip.w, d->clip.h);
        if (d->px < r->base.style.font_px[VV_FONT_SMALL])
            fail_msg("%s: \"%s\" drawn at %d px", where, d->text, d->px);
        for (guint k = 0; k < i; k++) {
            const Drawn *e = &g_array_index(r->texts, Drawn, k);
            /* Text is drawn over text only on purpose: a label on a paper ground (the lane's). */
            if (overlap(d->box, e->box) && d->box.w > 0 && e->box.w > 0)
                fail_msg("%s, %dx%d: \"%s\" is drawn over \"%s\"", where, width, height, d->text,
                         e->text);
        }
    }
}

/* Paints the app's picture on a recorder and checks its text. Returns the recorder (free it). */
static Recorder *paint_checked(VvApp *app, int width, int height, bool narration, const char *where)
{
    Recorder *r = recorder_new(&app->view, width, height);
    vv_paint(&r->base, app->scene, &app->view, width, height, narration);
    check_texts(r, width, height, where);
    return r;
}

/* A printed page puts the whole narration under the picture: every line in its panel. */
static void check_printed_narration(VvApp *app, const char *where)
{
    Recorder *r = recorder_new(&app->view, 1600, 1000);
    int h = vv_narration_height(&r->base, app->scene, 1584);
    vv_paint_narration(&r->base, app->scene, (VvRect){8, 8, 1584, h});
    check_texts(r, 1600, h + 16, where);
    /* Its title, then at least a line drawn for each of the narration's that has words. */
    int worded = 0;
    char **lines = g_strsplit(app->scene->narration, "\n", -1);
    for (char **line = lines; *line; line++)
        worded += (*line)[strspn(*line, " ")] != '\0';
    g_strfreev(lines);
    assert_true((int)r->texts->len >= 1 + worded);
    recorder_free(r);
}

static bool drew(const Recorder *r, const char *text)
{
    for (guint i = 0; i < r->texts->len; i++)
        if (strstr(g_array_index(r->texts, Drawn, i).text, text))
            return true;
    return false;
}

/* ---- Every lesson, every step, at the sizes of a classroom
 * --------------------------------------- */

static void check_lesson(const char *path)
{
    static const int sizes[][2] = {{1280, 720}, {1920, 1080}, {1024, 768}};
    VvApp app;
    GError *error = NULL;
    if (!vv_app_open(&app, path, &error))
        fail_msg("%s", error->message);
    for (size_t step = 0; step <= app.script->steps; step++) {
        if (!vv_app_goto(&app, step, &error))
            fail_msg("%s", error->message);
        g_autofree char *where = g_strdup_printf("%s step %zu", path, step);
        for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++)
            recorder_free(paint_checked(&app, sizes[s][0], sizes[s][1], true, where));
        /* Enlarged as far as Ctrl + goes: the panels shrink, and still hold their text. */
        app.view.scale = VV_SCALE_MAX;
        for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++)
            recorder_free(paint_checked(&app, sizes[s][0], sizes[s][1], true, where));
        app.view.scale = 1.0;
        /* As the lesson page draws it: the summary tables in the narration's place. */
        recorder_free(paint_checked(&app, 1280, 720, false, where));
        if (step > 0)
            check_printed_narration(&app, where);
    }
    vv_app_close(&app);
}

static void test_every_lesson_fits_its_panels(void **state)
{
    GDir *dir = g_dir_open(VS_SOURCE_ROOT "/scenarios", 0, NULL);
    assert_non_null(dir);
    int lessons = 0;
    for (const char *name; (name = g_dir_read_name(dir));) {
        if (!g_str_has_suffix(name, ".vsim"))
            continue;
        g_autofree char *path = g_build_filename(VS_SOURCE_ROOT "/scenarios", name, NULL);
        check_lesson(path);
        lessons++;
    }
    g_dir_close(dir);
    assert_true(lessons >= 20);
}

static VvApp *open_text(const char *text)
{
    VvApp *app = g_new0(VvApp, 1);
    GError *error = NULL;
    if (!vv_app_open_text(app, "paint-test", text, &error))
        fail_msg("%s", error->message);
    return app;
}

static void close_app(VvApp *app)
{
    vv_app_close(app);
    g_free(app);
}

/* A Linux lesson is drawn in Linux's words: its types, VMAs, resident set, PGD to PTE, swap;
 * none of Windows' (the picture with the tables, so the narration's own words are not read). */
static void test_linux_lesson_in_linux_words(void **state)
{
    VvApp app;
    GError *error = NULL;
    assert_true(
        vv_app_open(&app, VS_SOURCE_ROOT "/scenarios/24-linux-fork-copy-on-write.vsim", &error));
    assert_true(vv_app_goto(&app, 3, &error));
    Recorder *r = paint_checked(&app, 1920, 1080, false, "lesson 24");
    static const char *const linux_words[] = {
        "private anonymous", "shared anonymous", "VMA tree", "resident set", "PGD",
        "unmapped",          "[stack], 132 KB",  "swap"};
    for (size_t i = 0; i < G_N_ELEMENTS(linux_words); i++)
        if (!drew(r, linux_words[i]))
            fail_msg("no '%s' in the picture of a Linux lesson", linux_words[i]);
    static const char *const windows_words[] = {
        "Private Data", "Shareable", "VAD",  "working set", "PXE",      "PAGE_",
        "MEM_",         "section",   "Free", "Unusable",    "page file"};
    for (size_t i = 0; i < G_N_ELEMENTS(windows_words); i++)
        if (drew(r, windows_words[i]))
            fail_msg("'%s' in the picture of a Linux lesson", windows_words[i]);
    recorder_free(r);
    vv_app_close(&app);
}

/* Step 0 is the title card: the title, the opening comment, the steps, how to begin. */
static void test_title_card(void **state)
{
    VvApp *app = open_text(view_lesson);
    assert_string_equal(app->intro, "A lesson for the tests: two processes, one section.\n"
                                    "Its second paragraph.");
    Recorder *r = paint_checked(app, 1280, 720, true, "title card");
    assert_true(drew(r, "view test"));
    assert_true(drew(r, "Its second paragraph."));
    assert_true(drew(r, "3. two processes share a section"));
    assert_true(drew(r, "Press Space to begin"));
    recorder_free(r);
    close_app(app);
}

/* A view's scale factor makes text larger; the picture's size does too; past the room the panels
 * need, the factor stops counting. */
static void test_scale(void **state)
{
    VvView view = {.scale = 1.0};
    VvStyle small = vv_view_style(&view, 1280, 720), large = vv_view_style(&view, 1920, 1080);
    assert_true(large.font_px[VV_FONT_SMALL] > small.font_px[VV_FONT_SMALL]);
    assert_int_equal(small.font_px[VV_FONT_SMALL], 14);
    assert_int_equal(large.font_px[VV_FONT_SMALL], 21);
    view.scale = 1.25;
    assert_int_equal(vv_view_style(&view, 1280, 720).font_px[VV_FONT_SMALL], 18);
    view.scale = VV_SCALE_MAX;
    VvStyle most = vv_view_style(&view, 1280, 720);
    assert_true(most.scale <= 720.0 / VV_SMALLEST_HEIGHT + 1e-9);
    assert_true(most.scale > small.scale);
}

/* ---- Text fitted to a width
 * ---------------------------------------------------------------------- */

/* text without its spaces and newlines: what wrapping must keep. */
static char *ink(const char *text)
{
    GString *out = g_string_new(NULL);
    for (const char *p = text; *p; p++)
        if (*p != ' ' && *p != '\n')
            g_string_append_c(out, *p);
    return g_string_free(out, FALSE);
}

static void test_wrap_and_elide(void **state)
{
    VvView view = {.scale = 1.0};
    Recorder *r = recorder_new(&view, 1280, 720);
    const char *text = "  28| expect read(w) == 0x41\n"
                       "      - fault (read) at 0x10000 resolved through section 1's prototype "
                       "PTE: the page is already in frame 0x6, mapped by another view\n"
                       "0000000000000000000000000000000000000000000000000000000000000000";
    char **lines = vv_wrap(&r->base, VV_FONT_SMALL, text, 300);
    GString *joined = g_string_new(NULL);
    for (char **line = lines; *line; line++) {
        assert_true(rec_width(&r->base, VV_FONT_SMALL, *line) <= 300);
        g_string_append_printf(joined, "%s\n", *line);
    }
    assert_true(g_strv_length(lines) >= 5);
    /* A list item's continuation lines start under its text, past the "- ". */
    assert_true(g_str_has_prefix(lines[1], "      - fault"));
    size_t indent = strspn(lines[2], " ");
    assert_true(indent >= 7 && indent <= 9);
    g_autofree char *before = ink(text), *after = ink(joined->str);
    assert_string_equal(before, after);
    g_string_free(joined, TRUE);
    g_strfreev(lines);
    g_autofree char *cut = vv_elide(&r->base, VV_FONT_SMALL, "KUSER_SHARED_DATA", 80);
    assert_true(g_str_has_suffix(cut, "\xE2\x80\xA6"));
    assert_true(rec_width(&r->base, VV_FONT_SMALL, cut) <= 80);
    g_autofree char *whole = vv_elide(&r->base, VV_FONT_SMALL, "KUSER_SHARED_DATA", 400);
    assert_string_equal(whole, "KUSER_SHARED_DATA");
    recorder_free(r);
}

/* ---- The scene ----------------------------------------------------------------------------------
 */

/* Every process's strip is on one scale: an address has one x, whatever the process. */
static void test_one_axis_for_all_processes(void **state)
{
    VvApp *app = open_text(view_lesson);
    GError *error = NULL;
    assert_true(vv_app_goto(app, 3, &error));
    VvScene *s = app->scene;
    assert_int_equal(s->processes->len, 2);
    VvAxis axis = vv_axis(s, 1200, 1.0, 4, 22);
    for (guint p = 0; p < 2; p++) {
        const VvProcessScene *process = g_ptr_array_index(s->processes, p);
        double x = 0;
        for (guint i = 0; i < process->regions->len; i++) {
            const VvRegion *r = &g_array_index(process->regions, VvRegion, i);
            VvSpan span = vv_axis_span(&axis, r);
            assert_true(span.x > x - 0.001 && span.x < x + 0.001); /* no gap, no overlap */
            assert_true(span.w >= 4 - 0.001);
            x = span.x + span.w;
            assert_int_equal(vv_region_at(process->regions, r->start), (int)i);
        }
        assert_true(x <= 1200 + 0.5);
    }
    /* The shared view: where it is in one process is where the other's region at that address is.
     */
    const VvShareLink *link = &g_array_index(s->links, VvShareLink, 0);
    double xa = vv_axis_x(&axis, link->address_a);
    assert_true(vv_axis_address(&axis, xa) <= link->address_a);
    vv_axis_free(&axis);
    close_app(app);
}

/* The scene's tree is the model's: each node's parent has it as a child, ranges in order. */
static void test_tree_parents(void **state)
{
    GString *text = g_string_new("title \"tree\"\nsystem x64\nstep \"many\"\n");
    for (int i = 0; i < 300; i++)
        g_string_append_printf(text, "a%d = VirtualAlloc(NULL, %dK, MEM_RESERVE, PAGE_READWRITE)\n",
                               i, 64 * (1 + i % 3));
    for (int i = 0; i < 300; i += 3)
        g_string_append_printf(text, "ok%d = VirtualFree(a%d, 0, MEM_RELEASE)\n", i, i);
    VvApp *app = open_text(text->str);
    GError *error = NULL;
    assert_true(vv_app_goto(app, 1, &error));
    const VvProcessScene *p = g_ptr_array_index(app->scene->processes, 0);
    VsProcess *process = vs_system_process(vs_runner_system(app->runner), 0);
    guint i = 0, roots = 0;
    for (const VsVad *vad = vs_vad_first(process); vad; vad = vs_vad_next(vad), i++) {
        const VvVadNode *n = &g_array_index(p->vads, VvVadNode, i);
        const VsVad *parent = NULL;
        for (const VsVad *v = vs_vad_root(process); v && v != vad;) {
            parent = v;
            VsVadInfo info;
            vs_vad_info(v, &info);
            v = n->start_vpn < info.starting_vpn ? vs_vad_left(v) : vs_vad_right(v);
        }
        if (!parent) {
            assert_int_equal(n->parent, -1);
            roots++;
            continue;
        }
        VsVadInfo info;
        vs_vad_info(parent, &info);
        assert_true(n->parent >= 0);
        assert_int_equal(g_array_index(p->vads, VvVadNode, n->parent).start_vpn, info.starting_vpn);
    }
    assert_int_equal(roots, 1);
    assert_int_equal(i, p->vads->len);
    g_string_free(text, TRUE);
    close_app(app);
}

/* The summary by type and by state count what `show summary` counts. */
static void test_summary_matches_show_summary(void **state)
{
    VvApp *app = open_text(view_lesson);
    GError *error = NULL;
    assert_true(vv_app_goto(app, 2, &error));
    g_string_truncate(app->out, 0);
    assert_true(vs_runner_show(app->runner, "summary", 0, &error));
    GPtrArray *tables = vv_scene_tables(app->scene);
    assert_true(tables->len >= 4);
    /* By type: each row's Size and Committed as show summary's line for the type says them (in
     * K there, in the largest unit here). */
    const VvTable *by_type = g_ptr_array_index(tables, 0);
    for (guint r = 0; r < by_type->rows->len; r++) {
        char **row = g_ptr_array_index(by_type->rows, r);
        g_autofree char *start = g_strdup_printf("\n      %-13s ", row[0]);
        const char *line = strstr(app->out->str, start);
        assert_non_null(line);
        line += strlen(start);
        for (int column = 1; column <= 2; column++) {
            uint64_t k = 0;
            while (*line == ' ')
                line++;
            for (; *line != ' '; line++)
                if (*line != ',')
                    k = k * 10 + (uint64_t)(*line - '0');
            line += 2; /* " K" */
            char expected[32];
            vs_vmmap_size_short(k * 1024, expected, sizeof expected);
            assert_string_equal(row[column], expected);
        }
    }
    const VvTable *by_state = g_ptr_array_index(tables, 1);
    assert_int_equal(by_state->rows->len, 3);
    for (guint r = 0; r < 3; r++) {
        char **row = g_ptr_array_index(by_state->rows, r);
        /* show summary's line: "MEM_FREE  <regions>  <bytes hex> ..." */
        g_autofree char *expected = g_strdup_printf("%s", row[0]);
        const char *line = strstr(app->out->str, expected);
        assert_non_null(line);
        unsigned long long regions, bytes;
        assert_int_equal(sscanf(line + strlen(row[0]), "%llu %llX", &regions, &bytes), 2);
        assert_int_equal(regions, strtoull(row[1], NULL, 10));
        assert_int_equal(bytes, strtoull(row[2], NULL, 16));
    }
    g_ptr_array_free(tables, TRUE);
    close_app(app);
}

/* ---- SVG and the lesson page --------------------------------------------------------------------
 */

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p++)
        n++;
    return n;
}

/* The SVG is the window's picture: legend, narration and tree, at readable sizes. */
static void test_svg_has_the_whole_picture(void **state)
{
    VvApp *app = open_text(view_lesson);
    GError *error = NULL;
    assert_true(vv_app_goto(app, 3, &error));
    GString *svg =
        vv_svg_picture(app->scene, &app->view, 1600, 1000, VV_SVG_NARRATION_BELOW, "", true);
    assert_non_null(strstr(svg->str, "Step 3 of 3: two processes share a section"));
    assert_non_null(strstr(svg->str, "Private Data"));
    assert_non_null(strstr(svg->str, "What happened"));
    /* All of the narration, under the picture: its last words too, and the page grew for it. */
    assert_non_null(strstr(svg->str, "x = read(w)"));
    assert_null(strstr(svg->str, "height=\"1000\" viewBox"));
    assert_non_null(strstr(svg->str, "VAD tree"));
    assert_non_null(strstr(svg->str, "views of section"));
    int smallest = 1000;
    for (const char *p = svg->str; (p = strstr(p, "font-size=\"")); p++)
        smallest = MIN(smallest, atoi(p + strlen("font-size=\"")));
    assert_true(smallest >= 18); /* at 1600x1000 the small font is 19 px */
    assert_int_equal(count(svg->str, "<g "), count(svg->str, "</g>"));
    g_string_free(svg, TRUE);
    char message[256];
    assert_false(vv_write_svg(app->scene, &app->view, 1600, 1000, "/nonexistent/x.svg", message,
                              sizeof message));
    assert_non_null(strstr(message, "/nonexistent/x.svg"));
    close_app(app);
}

/* The page: a section per step and the title card, tables, its script, nothing from elsewhere. */
static void test_html_page(void **state)
{
    VvApp *app = open_text(view_lesson);
    GError *error = NULL;
    GString *page = vv_html_page(app, 1280, 720, &error);
    assert_non_null(page);
    assert_int_equal(count(page->str, "<section class=\"step\""), 4);
    assert_int_equal(count(page->str, "<svg "), 4);
    assert_int_equal(count(page->str, "<table>"), 3 * 4); /* type, state, protection, regions */
    assert_non_null(strstr(page->str, "Content-Security-Policy"));
    assert_non_null(strstr(page->str, "ArrowRight"));
    assert_null(strstr(page->str, "src="));
    assert_null(strstr(page->str, "href=\"http"));
    /* Ids are unique across the pictures: each one's start with its step. */
    assert_non_null(strstr(page->str, "id=\"s2-c1\""));
    assert_int_equal(count(page->str, "id=\"s2-c1\""), 1);
    g_string_free(page, TRUE);
    close_app(app);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_title_card),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_wrap_and_elide),
        cmocka_unit_test(test_one_axis_for_all_processes),
        cmocka_unit_test(test_tree_parents),
        cmocka_unit_test(test_summary_matches_show_summary),
        cmocka_unit_test(test_linux_lesson_in_linux_words),
        cmocka_unit_test(test_svg_has_the_whole_picture),
        cmocka_unit_test(test_html_page),
        cmocka_unit_test(test_every_lesson_fits_its_panels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
