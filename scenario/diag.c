/*
 * diag.c - error messages that point at the source: the clang/gcc format, so editors can jump to
 * them, with the offending line quoted and a caret under the column.
 */
#include "diag.h"

#include <stdint.h>
#include <string.h>

G_DEFINE_QUARK(vs - scenario - error - quark, vs_scenario_error)

/* The start of 1-based line number line in text, and its length without the newline. */
static const char *line_start(const VsSource *source, unsigned line, size_t *length)
{
    const char *p = source->text, *end = source->text + source->length;
    for (unsigned n = 1; n < line && p < end; p++)
        if (*p == '\n')
            n++;
    const char *stop = memchr(p, '\n', (size_t)(end - p));
    *length = (size_t)((stop ? stop : end) - p);
    return p;
}

void vs_diag_error(GError **error, VsScenarioErrorCode code, const VsSource *source,
                   VsSourcePos pos, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);

    GString *text = g_string_new(NULL);
    g_string_append_printf(text, "%s:%u:%u: error: %s", source->name, pos.line, pos.col, message);
    if (source->text && pos.line > 0) {
        size_t length;
        const char *line = line_start(source, pos.line, &length);
        g_string_append_c(text, '\n');
        g_string_append_len(text, line, (gssize)length);
        g_string_append_c(text, '\n');
        /* Tabs stay tabs so the caret lines up under them in a terminal. */
        for (unsigned i = 1; i < pos.col && i <= length; i++)
            g_string_append_c(text, line[i - 1] == '\t' ? '\t' : ' ');
        g_string_append_c(text, '^');
    }
    g_set_error_literal(error, VS_SCENARIO_ERROR, code, text->str);
    g_string_free(text, TRUE);
}

/* Levenshtein distance, case-insensitive (names are often mistyped in case). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    g_autofree size_t *row = g_new(size_t, lb + 1);
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
            size_t best = MIN(row[j] + 1, row[j - 1] + 1);
            row[j] = MIN(best, diagonal + cost);
            diagonal = above;
        }
    }
    return row[lb];
}

const char *vs_diag_nearest(const char *name, const char *const *candidates, size_t count)
{
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(name, candidates[i]);
        if (d < best_distance) {
            best_distance = d;
            best = candidates[i];
        }
    }
    /* Suggest only what is plausibly a typo: a third of the name, at least 2 edits, may differ. */
    size_t allowed = MAX(2, strlen(name) / 3);
    return best_distance <= allowed ? best : NULL;
}

char *vs_diag_did_you_mean(const char *name, const char *const *candidates, size_t count)
{
    const char *near = vs_diag_nearest(name, candidates, count);
    return near ? g_strdup_printf("; did you mean '%s'?", near) : g_strdup("");
}

gboolean vs_diag_is_one_of(const char *name, const char *const *candidates, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, candidates[i]) == 0)
            return TRUE;
    return FALSE;
}
