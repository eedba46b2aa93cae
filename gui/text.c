/*
 * text.c - text fitted to a width: cut with an ellipsis, or wrapped into lines (canvas.h).
 *
 * Widths come from the canvas, so what fits is what that canvas draws. Wrapping measures each
 * word once and adds the widths (a space's kerning is nothing in DejaVu Sans), so narration of a
 * thousand words costs a thousand measurements, not a million.
 */
#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "canvas.h"

#define ELLIPSIS "\xE2\x80\xA6"

static int width_of(VvCanvas *canvas, VvFont font, const char *text)
{
    return canvas->ops->text_width(canvas, font, text);
}

/* The length in bytes of the first chars UTF-8 characters of text. */
static size_t utf8_prefix(const char *text, long chars)
{
    const char *end = g_utf8_offset_to_pointer(text, chars);
    return (size_t)(end - text);
}

char *vv_elide(VvCanvas *canvas, VvFont font, const char *text, int width)
{
    if (!text)
        return g_strdup("");
    if (width_of(canvas, font, text) <= width)
        return g_strdup(text);
    /* The longest prefix that fits with the ellipsis: a binary search over characters. */
    long lo = 0, hi = g_utf8_strlen(text, -1);
    while (lo < hi) {
        long mid = (lo + hi + 1) / 2;
        g_autofree char *candidate =
            g_strdup_printf("%.*s" ELLIPSIS, (int)utf8_prefix(text, mid), text);
        if (width_of(canvas, font, candidate) <= width)
            lo = mid;
        else
            hi = mid - 1;
    }
    if (lo == 0)
        return width_of(canvas, font, ELLIPSIS) <= width ? g_strdup(ELLIPSIS) : g_strdup("");
    return g_strdup_printf("%.*s" ELLIPSIS, (int)utf8_prefix(text, lo), text);
}

/* How far a wrapped line's continuations are indented: under the first word after the line's
 * indentation, a list's "- ", and a listing's "N| ". Returns the prefix's length in bytes. */
static size_t hanging_prefix(const char *line)
{
    size_t n = strspn(line, " ");
    size_t digits = strspn(line + n, "0123456789");
    if (digits && line[n + digits] == '|')
        n += digits + 1 + strspn(line + n + digits + 1, " ");
    else if (line[n] == '-' && line[n + 1] == ' ')
        n += 2;
    return n;
}

typedef struct Wrapper {
    VvCanvas *canvas;
    VvFont font;
    int width;
    GPtrArray *lines;
    GString *line; /* the line being filled */
    int line_w;    /* its width so far */
    bool bare;     /* it holds only its indentation so far */
    char *indent;  /* what a continuation line starts with */
    int indent_w;
} Wrapper;

static void finish_line(Wrapper *w)
{
    g_ptr_array_add(w->lines, g_strdup(w->line->str));
    g_string_assign(w->line, w->indent);
    w->line_w = w->indent_w;
    w->bare = true;
}

/* A word wider than a whole line: as many characters on each line as fit (one at least). */
static void break_word(Wrapper *w, const char *word)
{
    for (const char *p = word; *p;) {
        long chars = g_utf8_strlen(p, -1), fit = 1;
        while (fit < chars) {
            g_autofree char *piece = g_strndup(p, utf8_prefix(p, fit + 1));
            if (w->line_w + width_of(w->canvas, w->font, piece) > w->width)
                break;
            fit++;
        }
        size_t bytes = utf8_prefix(p, fit);
        g_string_append_len(w->line, p, (gssize)bytes);
        p += bytes;
        w->bare = false;
        if (*p)
            finish_line(w);
        else
            w->line_w = width_of(w->canvas, w->font, w->line->str);
    }
}

/* One word and the spaces before it; on a fresh line the spaces go (the indentation stands). */
static void add_word(Wrapper *w, const char *spaces, const char *word)
{
    int word_w = width_of(w->canvas, w->font, word);
    int space_w = w->bare ? 0 : width_of(w->canvas, w->font, spaces);
    if (!w->bare && w->line_w + space_w + word_w > w->width) {
        finish_line(w);
        space_w = 0;
    }
    if (w->line_w + word_w > w->width) {
        break_word(w, word);
        return;
    }
    if (!w->bare)
        g_string_append(w->line, spaces);
    g_string_append(w->line, word);
    w->line_w += space_w + word_w;
    w->bare = false;
}

/* One line of the text (no newline in it). */
static void wrap_line(Wrapper *w, const char *line)
{
    size_t prefix = hanging_prefix(line);
    g_autofree char *head = g_strndup(line, prefix);
    int head_w = width_of(w->canvas, w->font, head);
    /* Continuations are indented with spaces as wide as the prefix, unless that leaves no room
     * (a space's width measured ten at a time, as widths come in whole pixels). */
    int ten = MAX(width_of(w->canvas, w->font, "          "), 1);
    int spaces = head_w < w->width / 2 ? (head_w * 10 + ten / 2) / ten : 0;
    g_free(w->indent);
    w->indent = g_strnfill((gsize)spaces, ' ');
    w->indent_w = width_of(w->canvas, w->font, w->indent);
    g_string_assign(w->line, head);
    w->line_w = head_w;
    w->bare = true;
    for (const char *p = line + prefix; *p;) {
        size_t gap = strspn(p, " ");
        size_t length = strcspn(p + gap, " ");
        if (!length)
            break;
        g_autofree char *before = g_strndup(p, gap);
        g_autofree char *word = g_strndup(p + gap, length);
        add_word(w, before, word);
        p += gap + length;
    }
    g_ptr_array_add(w->lines, g_strdup(w->line->str));
}

char **vv_wrap(VvCanvas *canvas, VvFont font, const char *text, int width)
{
    Wrapper w = {canvas,       font, MAX(width, 1), g_ptr_array_new(), g_string_new(NULL), 0, true,
                 g_strdup(""), 0};
    char **lines = g_strsplit(text ? text : "", "\n", -1);
    for (char **line = lines; *line; line++)
        wrap_line(&w, *line);
    g_strfreev(lines);
    /* The text's last newline ends a line; it does not start an empty one. */
    if (w.lines->len > 1 && text && g_str_has_suffix(text, "\n"))
        g_free(g_ptr_array_steal_index(w.lines, w.lines->len - 1));
    g_ptr_array_add(w.lines, NULL);
    g_string_free(w.line, TRUE);
    g_free(w.indent);
    return (char **)g_ptr_array_free(w.lines, FALSE);
}
