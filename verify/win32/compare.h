/*
 * compare.h - comparing what the model and a real system answered to the same operation.
 *
 * Two address spaces never place allocations alike, so addresses are compared as relations. When
 * both systems choose an address (a NULL base), the two allocations are paired: from then on an
 * address in one is translated to the other as the same offset from its allocation. Addresses no
 * pair covers (fixed bases a scenario names) are compared as they are. A new pair is checked for
 * what both must agree on: the allocation granularity.
 *
 * Everything else is compared exactly: return values, last errors and statuses of failed calls,
 * out-parameters, MEMORY_BASIC_INFORMATION fields (but the size of a free region, which depends on
 * the neighbours each system happens to have), bytes read and exceptions raised.
 */
#ifndef VS_HARNESS_COMPARE_H
#define VS_HARNESS_COMPARE_H

#include <glib.h>

#include "op.h"

/* Allocations paired between the model (left) and the other system (right); handles the two
 * systems returned for the same open; process ids (shared by every session of a verification:
 * one process's id is opened from another). */
typedef struct VsRelations {
    GTree *pairs;        /* VsPair by model start, disjoint (see compare.c) */
    GHashTable *handles; /* model handle -> other handle (guint64 keys, boxed) */
    GHashTable *pids;    /* model process id -> other's; may be shared, not owned when shared */
    gboolean own_pids;
} VsRelations;

typedef struct VsPair {
    uint64_t model, other, size;
} VsPair;

void vs_relations_init(VsRelations *relations);
void vs_relations_clear(VsRelations *relations);
/* Pairs an allocation: [model, model + size) corresponds to [other, other + size). */
void vs_relations_add(VsRelations *relations, uint64_t model, uint64_t other, uint64_t size);
/* The pair whose model range holds the address, else the one that ends at it, or NULL. */
const VsPair *vs_relations_pair(const VsRelations *relations, uint64_t model);
/* The model address's counterpart: the same offset in the newest pair whose range holds it (its
 * end included, so "p + size" translates too), else the address itself. */
uint64_t vs_relations_to_other(const VsRelations *relations, uint64_t model);
/* The other way: the model address at the same offset in the newest pair holding other. */
uint64_t vs_relations_to_model(const VsRelations *relations, uint64_t other);
/* Makes relations use pids, a table shared with other sessions (it must outlive them). */
void vs_relations_share_pids(VsRelations *relations, GHashTable *pids);
GHashTable *vs_relations_pid_table_new(void);
/* Translates op's address, handle and process-id arguments for the other system. */
void vs_relations_translate(const VsRelations *relations, const VsOp *op, VsOp *other);

/* One difference: what was compared and the two answers, formatted for people. */
typedef struct VsDivergence {
    char *field;      /* "return", "GetLastError", "RegionSize", "exception", ... */
    char *model;
    char *other;
    uint64_t model_value, other_value;
} VsDivergence;

void vs_divergence_free(VsDivergence *divergence);
/* Appends a difference in field: two values (formatted by vs_compare_format), or two texts (a
 * difference of words, such as a maps line, whose values are 0). */
void vs_diverge(GPtrArray *divergences, const char *field, uint64_t model, uint64_t other);
void vs_diverge_text(GPtrArray *divergences, const char *field, const char *model,
                     const char *other);

/* Compares the two outcomes of op (the model's version of it), pairing new allocations as it
 * goes, and appends a VsDivergence for each difference. Returns how many it found. */
guint vs_compare_outcomes(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                          const VsOutcome *other, GPtrArray *divergences);

/* A value as people read it for this field: names for errors, statuses, protections, states. */
char *vs_compare_format(const char *field, uint64_t value);

#endif /* VS_HARNESS_COMPARE_H */
