/*
 * arena.h - the agent's arena: address space that acts, for the scenario, as free memory right
 * above the kernel's placement point (the agent's header comment says why; arena.c how).
 */
#ifndef VADSIM_AGENT_POSIX_ARENA_H
#define VADSIM_AGENT_POSIX_ARENA_H

#include <stdint.h>

#include "maps.h"
#include "rangeset.h"

/* The arena ranges a call names: at most three (mremap's old, grown and target ranges), clipped
 * to the arena, page-rounded, merged where they overlap. */
typedef struct Exposure {
    Range range[3];
    int count;
} Exposure;

/* Maps the arena, its memfd's descriptor at high_fd or above. 0 on failure (errno set). */
int arena_create(uint64_t page_size, int high_fd);
/* Fills every gap above the arena, so the kernel's next mmap(NULL) searches below it. */
void arena_fill_above(void);
/* Whether mmap(NULL, page) now lands right below the arena. */
int arena_placement_checked(void);
/* Where the arena is. */
Range arena_range(void);

/* Whether [start, end) is all arena pieces: the scenario sees free memory there. */
int arena_covers(uint64_t start, uint64_t end);
/* Whether a maps line is a piece of the arena (not the scenario's). */
int arena_is_piece(const MapsLine *l);

void expose_add(Exposure *e, uint64_t start, uint64_t length);
/* Unmaps the arena pieces inside the exposure, so the call about to be made sees free memory
 * there. 0 if the kernel refused (the caller refills and refuses the call). */
int arena_expose(const Exposure *e);
/* Maps the arena again over every part of the exposure the call left unmapped. */
void arena_refill(const Exposure *e);
/* In a child just forked: maps the arena again over what the fork left out of it (the parent's
 * mappings marked MADV_DONTFORK), which would otherwise be holes a later mmap(NULL) finds. */
void arena_refill_after_fork(void);

#endif
