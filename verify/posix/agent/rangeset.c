/*
 * rangeset.c - sets of address ranges (rangeset.h). A set holds few ranges (the scenario's
 * mappings outside the arena, the arena's pieces), so a scan is the right search.
 */
#include "rangeset.h"

/* Adds [start, end), merging what it touches; 0 if the set is full. */
int set_add(RangeSet *s, uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < s->count;) {
        Range r = s->range[i];
        if (r.end >= start && r.start <= end) {
            start = MIN(start, r.start), end = MAX(end, r.end);
            s->range[i] = s->range[--s->count];
        } else {
            i++;
        }
    }
    if (s->count == MAX_RANGES)
        return 0;
    s->range[s->count++] = (Range){start, end};
    return 1;
}

/* Removes [start, end), splitting the ranges it cuts in two; 0 if the set is full (then some
 * ranges it cuts are left whole). */
int set_remove(RangeSet *s, uint64_t start, uint64_t end)
{
    size_t count = s->count;
    int ok = 1;
    for (size_t i = 0; i < count && ok; i++) {
        Range r = s->range[i];
        if (r.end <= start || r.start >= end)
            continue;
        if (end < r.end && !(ok = s->count < MAX_RANGES))
            break;
        if (end < r.end)
            s->range[s->count++] = (Range){end, r.end}; /* the part above the cut */
        s->range[i] = (Range){r.start, MAX(r.start, start)};
    }
    for (size_t i = 0; i < s->count;) {
        if (s->range[i].end <= s->range[i].start)
            s->range[i] = s->range[--s->count]; /* emptied: drop it */
        else
            i++;
    }
    return ok;
}

/* Whether the union of the set covers [start, end). */
int set_covers(const RangeSet *s, uint64_t start, uint64_t end)
{
    while (start < end) {
        size_t i = 0;
        while (i < s->count && !(s->range[i].start <= start && start < s->range[i].end))
            i++;
        if (i == s->count)
            return 0;
        start = s->range[i].end;
    }
    return 1;
}
