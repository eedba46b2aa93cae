/*
 * rangeset.h - sets of address ranges, in fixed storage: the agent keeps what is the scenario's
 * memory and which parts of its arena are mapped, and may allocate nothing to do it.
 */
#ifndef VADSIM_AGENT_POSIX_RANGESET_H
#define VADSIM_AGENT_POSIX_RANGESET_H

#include <stddef.h>
#include <stdint.h>

#define MAX_RANGES 4096
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

typedef struct Range {
    uint64_t start, end; /* [start, end) */
} Range;

/* Disjoint ranges in no order; ranges that touch are merged when added. */
typedef struct RangeSet {
    Range range[MAX_RANGES];
    size_t count;
} RangeSet;

/* Adds [start, end), merging what it touches; 0 if the set is full. */
int set_add(RangeSet *s, uint64_t start, uint64_t end);
/* Removes [start, end), splitting the ranges it cuts in two; 0 if the set is full (then some
 * ranges it cuts are left whole). */
int set_remove(RangeSet *s, uint64_t start, uint64_t end);
/* Whether the union of the set covers [start, end). */
int set_covers(const RangeSet *s, uint64_t start, uint64_t end);

#endif
