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

/* "name:line:col: WHAT: message", then the line and a caret under the column. */
static void format_diagnostic(GString *text, const VsSource *source, VsSourcePos pos,
                              const char *what, const char *message)
{
    g_string_append_printf(text, "%s:%u:%u: %s: %s", source->name, pos.line, pos.col, what,
                           message);
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
}

void vs_diag_error(GError **error, VsScenarioErrorCode code, const VsSource *source,
                   VsSourcePos pos, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);

    GString *text = g_string_new(NULL);
    format_diagnostic(text, source, pos, "error", message);
    g_set_error_literal(error, VS_SCENARIO_ERROR, code, text->str);
    g_string_free(text, TRUE);
}

/* ---- A file's diagnostics, all of them ------------------------------------------------------- */

void vs_diagnostics_init(VsDiagnostics *diags)
{
    *diags = (VsDiagnostics){.items = g_array_new(FALSE, TRUE, sizeof(VsDiagnostic))};
}

void vs_diagnostics_clear(VsDiagnostics *diags)
{
    if (!diags->items)
        return;
    for (guint i = 0; i < diags->items->len; i++) {
        VsDiagnostic *d = &g_array_index(diags->items, VsDiagnostic, i);
        g_free(d->message);
        g_free(d->text);
    }
    g_array_free(diags->items, TRUE);
    *diags = (VsDiagnostics){0};
}

gboolean vs_diagnostics_full(const VsDiagnostics *diags)
{
    return diags->errors >= VS_DIAG_MAX_ERRORS;
}

void vs_diag_report(VsDiagnostics *diags, VsDiagSeverity severity, const VsSource *source,
                    VsSourcePos pos, const char *format, ...)
{
    gboolean error = severity == VS_DIAG_ERROR;
    if ((error && vs_diagnostics_full(diags)) ||
        (!error && diags->warnings >= VS_DIAG_MAX_ERRORS)) {
        diags->errors += error;
        diags->warnings += !error;
        return;
    }
    va_list args;
    va_start(args, format);
    VsDiagnostic d = {severity, pos, g_strdup_vprintf(format, args), NULL};
    va_end(args);
    GString *text = g_string_new(NULL);
    format_diagnostic(text, source, pos, error ? "error" : "warning", d.message);
    d.text = g_string_free(text, FALSE);
    g_array_append_val(diags->items, d);
    diags->errors += error;
    diags->warnings += !error;
}

static int compare_positions(gconstpointer a, gconstpointer b)
{
    const VsDiagnostic *x = a, *y = b;
    if (x->pos.line != y->pos.line)
        return x->pos.line < y->pos.line ? -1 : 1;
    return x->pos.col < y->pos.col ? -1 : x->pos.col > y->pos.col;
}

void vs_diagnostics_sort(VsDiagnostics *diags)
{
    /* g_array_sort is not stable; the diagnostics are few, so an insertion sort is. */
    GArray *items = diags->items;
    for (guint i = 1; i < items->len; i++) {
        VsDiagnostic d = g_array_index(items, VsDiagnostic, i);
        guint j = i;
        for (; j > 0 && compare_positions(&g_array_index(items, VsDiagnostic, j - 1), &d) > 0; j--)
            g_array_index(items, VsDiagnostic, j) = g_array_index(items, VsDiagnostic, j - 1);
        g_array_index(items, VsDiagnostic, j) = d;
    }
}

char *vs_diagnostics_text(const VsDiagnostics *diags, gboolean errors_only, const char *name)
{
    GString *text = g_string_new(NULL);
    for (guint i = 0; diags->items && i < diags->items->len; i++) {
        const VsDiagnostic *d = &g_array_index(diags->items, VsDiagnostic, i);
        if (errors_only && d->severity != VS_DIAG_ERROR)
            continue;
        if (text->len)
            g_string_append_c(text, '\n');
        g_string_append(text, d->text);
    }
    size_t warnings = errors_only ? 0 : diags->warnings;
    if (diags->errors + warnings > 1) {
        g_string_append_printf(text, "\n%s: ", name);
        if (diags->errors)
            g_string_append_printf(text, "%zu error%s%s", diags->errors,
                                   diags->errors == 1 ? "" : "s", warnings ? ", " : "");
        if (warnings)
            g_string_append_printf(text, "%zu warning%s", warnings, warnings == 1 ? "" : "s");
        if (diags->errors > VS_DIAG_MAX_ERRORS)
            g_string_append_printf(text, " (the first %d errors shown)", VS_DIAG_MAX_ERRORS);
    }
    if (!text->len) {
        g_string_free(text, TRUE);
        return NULL;
    }
    return g_string_free(text, FALSE);
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
    /* Suggest only what is plausibly a typo: a third of the name, at least 2 edits, may differ,
     * but never the whole of it ('s' is no suggestion for 'p'). */
    size_t length = strlen(name), allowed = MAX(2, length / 3);
    if (allowed >= length)
        allowed = length ? length - 1 : 0;
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
