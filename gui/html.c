/*
 * html.c - a lesson as one web page (html.h).
 *
 * One <section> a step, the first the title card: the step's picture as inline SVG (without the
 * narration panel: the page gives the narration as text beside it, where it wraps to the
 * browser's width and can be searched and copied), the narration, and the summary tables. A few
 * lines of script show one section at a time: arrow keys, Space, Home, End, the buttons and the
 * step list; the address (#step-3) says which, so a link can point at a step. Printed, the page
 * shows every step. The Content-Security-Policy forbids any request, so the page works offline
 * and leaks nothing.
 */
#include <string.h>

#include "html.h"
#include "svg.h"
#include "table.h"

static const char page_style[] =
    "body{margin:0;font-family:'DejaVu Sans',Verdana,sans-serif;background:#fcfcfa;color:#1e1e1e}"
    "header{position:sticky;top:0;z-index:1;background:#fff;border-bottom:1px solid #ccc;"
    "padding:.5em 1em;display:flex;flex-wrap:wrap;gap:.5em 1.5em;align-items:center}"
    "header h1{font-size:1.2em;margin:0;flex:1 1 20em}"
    "nav{display:flex;gap:.5em;align-items:center}"
    "button,select{font:inherit;padding:.25em .8em}"
    "#where{min-width:9em;text-align:center;font-weight:bold;color:#283c8c}"
    "section{padding:1em;max-width:110em;margin:0 auto}"
    "section[hidden]{display:none}"
    "section h2{margin:0 0 .5em;font-size:1.15em;color:#283c8c}"
    ".picture svg{width:100%;height:auto;display:block;border:1px solid #ddd;background:#fff}"
    ".text{display:grid;grid-template-columns:minmax(0,3fr) minmax(16em,2fr);gap:0 1.5em}"
    ".text>*{grid-column:1}.text>.tables{grid-column:2;grid-row:1/span 3}"
    ".text h3{font-size:1em;margin:1em 0 .3em}"
    ".narration{white-space:pre-wrap;font-family:'DejaVu Sans Mono',monospace;font-size:.85em;"
    "line-height:1.35;background:#f4f4f0;border:1px solid #ddd;padding:.6em;margin:0}"
    "table{border-collapse:collapse;font-size:.9em;margin-bottom:.8em}"
    "caption{text-align:left;font-weight:bold;padding:.2em 0}"
    "th,td{border:1px solid #ccc;padding:.15em .5em}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}"
    "footer{padding:1em;color:#777;font-size:.85em}"
    "@media (max-width:60em){.text{display:block}}"
    "@media print{header nav,footer{display:none}section[hidden]{display:block}"
    "section{break-after:page}}";

/* Steps the page: one section shown at a time. */
static const char page_script[] =
    "(function(){\n"
    "var steps=document.querySelectorAll('section.step'),current=0;\n"
    "var where=document.getElementById('where'),prev=document.getElementById('prev'),\n"
    "    next=document.getElementById('next'),jump=document.getElementById('jump');\n"
    "function show(i){\n"
    "  i=Math.max(0,Math.min(steps.length-1,i));\n"
    "  steps[current].hidden=true;steps[i].hidden=false;current=i;\n"
    "  where.textContent=i?'Step '+i+' of '+(steps.length-1):'Title';\n"
    "  prev.disabled=i===0;next.disabled=i===steps.length-1;jump.value=String(i);\n"
    "  if(location.hash!=='#step-'+i)history.replaceState(null,'','#step-'+i);\n"
    "  window.scrollTo(0,0);\n"
    "}\n"
    "document.addEventListener('keydown',function(e){\n"
    "  if(e.altKey||e.ctrlKey||e.metaKey||e.target===jump)return;\n"
    "  switch(e.key){\n"
    "  case 'ArrowRight':case ' ':case 'PageDown':show(current+1);break;\n"
    "  case 'ArrowLeft':case 'Backspace':case 'PageUp':show(current-1);break;\n"
    "  case 'Home':show(0);break;\n"
    "  case 'End':show(steps.length-1);break;\n"
    "  default:return;}\n"
    "  e.preventDefault();\n"
    "});\n"
    "prev.addEventListener('click',function(){show(current-1);});\n"
    "next.addEventListener('click',function(){show(current+1);});\n"
    "jump.addEventListener('change',function(){show(Number(jump.value));});\n"
    "window.addEventListener('hashchange',function(){\n"
    "  var m=/^#step-(\\d+)$/.exec(location.hash);if(m)show(Number(m[1]));});\n"
    "var m=/^#step-(\\d+)$/.exec(location.hash);show(m?Number(m[1]):0);\n"
    "})();\n";

static void escaped(GString *out, const char *text)
{
    g_autofree char *e = g_markup_escape_text(text ? text : "", -1);
    g_string_append(out, e);
}

static void write_table(GString *out, const VvTable *t)
{
    g_string_append(out, "<table><caption>");
    escaped(out, t->title);
    g_string_append(out, "</caption>\n<tr>");
    for (guint c = 0; c < t->columns; c++) {
        g_string_append(out, "<th>");
        escaped(out, t->headers[c]);
        g_string_append(out, "</th>");
    }
    g_string_append(out, "</tr>\n");
    for (guint r = 0; r < t->rows->len; r++) {
        char **row = g_ptr_array_index(t->rows, r);
        g_string_append(out, "<tr>");
        for (guint c = 0; c < t->columns; c++) {
            g_string_append(out, t->numeric[c] ? "<td class=\"n\">" : "<td>");
            escaped(out, row[c]);
            g_string_append(out, "</td>");
        }
        g_string_append(out, "</tr>\n");
    }
    g_string_append(out, "</table>\n");
}

/* The title card's text: the lesson's opening comment and its steps. */
static void write_intro(GString *out, const VvScene *s)
{
    char **paragraphs = g_strsplit(s->intro, "\n", -1);
    for (char **para = paragraphs; *para; para++) {
        g_string_append(out, "<p>");
        escaped(out, *para);
        g_string_append(out, "</p>\n");
    }
    g_strfreev(paragraphs);
    g_string_append(out, "<ol>\n");
    for (size_t i = 0; i < s->steps; i++) {
        g_string_append_printf(out, "<li><a href=\"#step-%zu\">", i + 1);
        escaped(out, s->step_titles[i]);
        g_string_append(out, "</a></li>\n");
    }
    g_string_append(out, "</ol>\n");
}

static void write_step(GString *out, const VvApp *app, int width, int height)
{
    const VvScene *s = app->scene;
    /* Not id="step-N": the address's #step-N is the script's to follow, not the browser's to
     * scroll to. */
    g_string_append_printf(out, "<section class=\"step\" id=\"lesson-step-%zu\"%s>\n<h2>", s->step,
                           s->step ? " hidden" : "");
    if (s->step) {
        g_string_append_printf(out, "Step %zu of %zu: ", s->step, s->steps);
        escaped(out, s->step_title);
    } else {
        escaped(out, s->title);
    }
    g_string_append(out, "</h2>\n<div class=\"picture\">\n");
    g_autofree char *ids = g_strdup_printf("s%zu-", s->step);
    GString *svg = vv_svg_picture(s, &app->view, width, height, VV_SVG_NARRATION_NONE, ids, false);
    g_string_append_len(out, svg->str, (gssize)svg->len);
    g_string_free(svg, TRUE);
    g_string_append(out, "</div>\n<div class=\"text\">\n");
    if (s->step == 0) {
        write_intro(out, s);
    } else {
        g_string_append(out, "<h3>What happened</h3>\n<pre class=\"narration\">");
        escaped(out, s->narration);
        g_string_append(out, "</pre>\n");
        GPtrArray *tables = vv_scene_tables(s);
        g_string_append(out, "<div class=\"tables\">\n<h3>Summary (show summary)</h3>\n");
        for (guint i = 0; i < tables->len; i++)
            write_table(out, g_ptr_array_index(tables, i));
        g_string_append(out, "</div>\n");
        g_ptr_array_free(tables, TRUE);
    }
    g_string_append(out, "</div>\n</section>\n");
}

static void write_head(GString *out, const VvScene *s)
{
    g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                         "'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, "
                         "initial-scale=1\">\n<title>");
    escaped(out, s->title);
    g_string_append_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header><h1>",
                           page_style);
    escaped(out, s->title);
    g_string_append(out, "</h1>\n<nav><button id=\"prev\" type=\"button\">&#9664; Back</button>"
                         "<span id=\"where\">Title</span>"
                         "<button id=\"next\" type=\"button\">Next &#9654;</button>"
                         "<select id=\"jump\" aria-label=\"Go to a step\">"
                         "<option value=\"0\">Title</option>");
    for (size_t i = 0; i < s->steps; i++) {
        g_string_append_printf(out, "<option value=\"%zu\">%zu. ", i + 1, i + 1);
        escaped(out, s->step_titles[i]);
        g_string_append(out, "</option>");
    }
    g_string_append(out, "</select></nav></header>\n<main>\n");
}

GString *vv_html_page(VvApp *app, int width, int height, GError **error)
{
    GString *out = g_string_new(NULL);
    for (size_t step = 0; step <= app->script->steps; step++) {
        if (!vv_app_goto(app, step, error)) {
            g_string_free(out, TRUE);
            return NULL;
        }
        if (step == 0)
            write_head(out, app->scene);
        write_step(out, app, width, height);
    }
    g_string_append(out, "</main>\n<footer>Made by vadsim-view from ");
    g_autofree char *file = g_path_get_basename(app->script->source.name);
    escaped(out, file); /* not the path: the page may go where the path means nothing */
    g_string_append_printf(out,
                           ". Keys: Right, Space or PageDown: next step; Left or PageUp: "
                           "back; Home, End.</footer>\n<script>\n%s</script>\n</body>\n"
                           "</html>\n",
                           page_script);
    return out;
}

bool vv_write_html(VvApp *app, const char *path, int width, int height, GError **error)
{
    GString *page = vv_html_page(app, width, height, error);
    if (!page)
        return false;
    bool ok = g_file_set_contents(path, page->str, (gssize)page->len, error);
    g_string_free(page, TRUE);
    return ok;
}
