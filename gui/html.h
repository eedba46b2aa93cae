/*
 * html.h - a lesson as one web page: every step's picture (SVG), its narration and its summary
 * tables, stepped with the arrow keys or buttons. Self-contained: no network, no other file, so a
 * teacher can put it on a course site and a student open it in any browser.
 */
#ifndef VS_GUI_HTML_H
#define VS_GUI_HTML_H

#include "app.h"

/* The page of app's lesson, its pictures width x height: the app is stepped through every step
 * (and left after the last). NULL with *error set when a step fails to run. */
GString *vv_html_page(VvApp *app, int width, int height, GError **error);
/* Writes that page to path. */
bool vv_write_html(VvApp *app, const char *path, int width, int height, GError **error);

#endif /* VS_GUI_HTML_H */
