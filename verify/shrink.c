/*
 * shrink.c - delta debugging of a call sequence (shrink.h).
 */
#include "shrink.h"

#define PROGRESS_SECONDS 2.0

/* The sequence without count elements from from. */
static GArray *without(GArray *sequence, guint from, guint count)
{
    guint size = g_array_get_element_size(sequence);
    GArray *shorter = g_array_sized_new(FALSE, FALSE, size, sequence->len);
    g_array_append_vals(shorter, sequence->data, from);
    g_array_append_vals(shorter, sequence->data + (gsize)(from + count) * size,
                        sequence->len - from - count);
    return shorter;
}

static void progress(const VsShrink *s, guint length, GTimer *timer, double *last)
{
    double now = g_timer_elapsed(timer, NULL);
    if (!s->progress || now - *last < PROGRESS_SECONDS)
        return;
    *last = now;
    g_autofree char *line = g_strdup_printf(
        "shrinking %" G_GUINT64_FORMAT " calls: %u left after %" G_GUINT64_FORMAT " runs, %.0f s",
        s->shrunk_from, length, *s->runs, now);
    s->progress(s->progress_context, line);
}

/* Tries one shorter sequence: TRUE (and *sequence replaced) when it still ends in the finding. */
static gboolean try_shorter(const VsShrink *s, GArray **sequence, GArray *candidate, GError **error)
{
    (*s->runs)++;
    if (s->reproduce(s->context, candidate, error)) {
        g_array_free(*sequence, TRUE);
        *sequence = candidate;
        return TRUE;
    }
    g_array_free(candidate, TRUE);
    return FALSE;
}

/* Tries the prefix with the last 8, 16, 32, ... calls alone: a finding usually comes of the calls
 * just before it, and each such try is short, where delta debugging's first tries replay half
 * of a long sequence. Keeps the first that still comes to the finding. */
static void try_tails(const VsShrink *s, GArray **sequence, GError **error)
{
    for (guint count = 8; !(error && *error) && *s->runs < VS_SHRINK_MAX_RUNS / 4 &&
                          s->prefix + count < (*sequence)->len;
         count *= 2)
        if (try_shorter(s, sequence, s->tail(*sequence, s->prefix, count), error))
            return;
}

GArray *vs_shrink(const VsShrink *s, GArray *sequence, GArray *guess, GError **error)
{
    GTimer *timer = g_timer_new();
    double last = 0;
    if (guess && guess->len < sequence->len)
        try_shorter(s, &sequence, guess, error);
    else if (guess)
        g_array_free(guess, TRUE);
    try_tails(s, &sequence, error);
    guint chunks = 2;
    while (!(error && *error) && *s->runs < VS_SHRINK_MAX_RUNS &&
           g_timer_elapsed(timer, NULL) < VS_SHRINK_MAX_SECONDS) {
        if (sequence->len <= s->prefix + 1)
            break;
        guint middle = sequence->len - s->prefix - 1; /* not the prefix, not the last */
        chunks = MIN(chunks, middle);
        guint chunk = (middle + chunks - 1) / chunks;
        gboolean reduced = FALSE;
        for (guint from = s->prefix; from < sequence->len - 1 && !reduced; from += chunk) {
            guint count = MIN(chunk, sequence->len - 1 - from);
            GError *inner = NULL;
            reduced = try_shorter(s, &sequence, without(sequence, from, count), &inner);
            progress(s, sequence->len, timer, &last);
            if (inner) {
                g_propagate_error(error, inner);
                g_timer_destroy(timer);
                return sequence;
            }
        }
        if (reduced)
            chunks = MAX(chunks - 1, 2);
        else if (chunks >= middle)
            break;
        else
            chunks = MIN(chunks * 2, middle);
    }
    g_timer_destroy(timer);
    return sequence;
}

GArray *vs_shrink_guess(GArray *sequence, GArray *ran, guint prefix, guint keep_tail)
{
    guint size = g_array_get_element_size(sequence);
    GArray *shorter = g_array_sized_new(FALSE, FALSE, size, sequence->len);
    for (guint i = 0; i < sequence->len; i++) {
        gboolean droppable = i >= prefix && i + keep_tail < sequence->len && i < ran->len &&
                             g_array_index(ran, guint8, i) != VS_RAN_ACTIVE;
        if (!droppable)
            g_array_append_vals(shorter, sequence->data + (gsize)i * size, 1);
    }
    return shorter;
}
