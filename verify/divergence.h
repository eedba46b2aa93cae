/*
 * divergence.h - one difference between what the model and a real system answered, as both
 * backends report it and the known list matches it.
 *
 * Everything is compared exactly, field by field: return values, last errors (errno) and statuses
 * of failed calls, out-parameters, MEMORY_BASIC_INFORMATION fields, bytes read, exceptions and
 * signals raised, mincore's vector, maps lines. A difference is named by its field and carries
 * both values, formatted for people.
 */
#ifndef VS_VERIFY_DIVERGENCE_H
#define VS_VERIFY_DIVERGENCE_H

#include <glib.h>
#include <stdint.h>

/* One difference: what was compared and the two answers, formatted for people. */
typedef struct VsDivergence {
    char *field; /* "return", "GetLastError", "RegionSize", "exception", "errno", "maps"... */
    char *model;
    char *other;
    uint64_t model_value, other_value;
} VsDivergence;

void vs_divergence_free(VsDivergence *divergence);
/* A new array of divergences, freeing them with itself. */
GPtrArray *vs_divergences_new(void);
/* Appends a difference in field: two values (formatted by vs_divergence_format), or two texts (a
 * difference of words, such as a maps line, whose values are 0). */
void vs_diverge(GPtrArray *divergences, const char *field, uint64_t model, uint64_t other);
void vs_diverge_text(GPtrArray *divergences, const char *field, const char *model,
                     const char *other);

/* Whether field is a region's extent (BaseAddress, RegionSize), which follows from the attributes
 * of the pages around it as much as from the region's own. */
gboolean vs_divergence_is_extent(const char *field);

/* A value as people read it for this field: names for errors, statuses, protections, states. */
char *vs_divergence_format(const char *field, uint64_t value);

#endif /* VS_VERIFY_DIVERGENCE_H */
