/*
 * shrink.h - shrinking a call sequence that ends in a finding, and the shrinker's first guess.
 *
 * The fuzzer (fuzz.c) shrinks in three stages: first one try of a guess (the sequence without the
 * calls that changed nothing), then tries of the last calls alone (8, 16, 32, ... of them, with
 * the calls that made what they name: most findings come of the calls just before them), then
 * delta debugging: drop chunks of the calls
 * between a fixed prefix and the last call, halving the chunks when none can go, while the shorter
 * sequence still comes to the same finding. Each try is a fresh run (the caller's reproduce
 * function), so the sequence's element type is the caller's.
 */
#ifndef VS_VERIFY_SHRINK_H
#define VS_VERIFY_SHRINK_H

#include <glib.h>
#include <stdint.h>

#include "fuzz.h"

/* Runs candidate afresh: TRUE when it comes to the same finding (and then candidate may be cut
 * after the call where it did). */
typedef gboolean (*VsReproduceFn)(void *context, GArray *candidate, GError **error);
/* The sequence cut to its first prefix calls, its last count calls and what those need (the
 * calls that made what they name), as a new array. */
typedef GArray *(*VsTailFn)(GArray *sequence, guint prefix, guint count);

typedef struct VsShrink {
    guint prefix; /* the first calls, never dropped */
    VsReproduceFn reproduce;
    void *context;
    VsFuzzProgress progress; /* may be NULL */
    void *progress_context;
    guint64 shrunk_from; /* for progress lines: the length shrinking started from */
    guint64 *runs;       /* counts the tries */
    VsTailFn tail;       /* the tails the second stage tries */
} VsShrink;

/* What a call at a sequence position did in a run (one guint8 per position in the run's array):
 * the shrinker's first guess drops the inert ones. */
typedef enum VsRanAs {
    VS_RAN_SKIPPED = 0, /* what it names was not there: not made */
    VS_RAN_ACTIVE,      /* made, and may have changed memory */
    VS_RAN_INERT,       /* made, and failed or only looked */
} VsRanAs;

/* The first guess: sequence without the calls ran marks other than active, but for the first
 * prefix calls and the last keep_tail (the state the finding reads may come from the calls just
 * before it). The elements are the caller's, of sequence's element size. */
GArray *vs_shrink_guess(GArray *sequence, GArray *ran, guint prefix, guint keep_tail);

#define VS_SHRINK_MAX_RUNS 400
#define VS_SHRINK_MAX_SECONDS 300.0

/* Shrinks sequence (given away; the shortest sequence found is returned): first guess (given
 * away too; NULL for none), then chunks. Stops after VS_SHRINK_MAX_RUNS tries or
 * VS_SHRINK_MAX_SECONDS, or at an error (*error set; the shortest so far is returned). */
GArray *vs_shrink(const VsShrink *shrink, GArray *sequence, GArray *guess, GError **error);

#endif /* VS_VERIFY_SHRINK_H */
