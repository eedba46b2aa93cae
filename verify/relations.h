/*
 * relations.h - what pairs the model's world with a real system's: addresses, handles, process ids.
 *
 * Two address spaces never place allocations alike, so addresses are compared as relations. When
 * both systems choose an address (a NULL base), the two allocations are paired: from then on an
 * address in one is translated to the other as the same offset from its allocation. Addresses no
 * pair covers (fixed bases a scenario names) stay as they are.
 *
 * Values each system numbers its own way - handles, descriptors, process ids - are paired one by
 * one in a value table, filled from the calls that return them and consulted for the calls that
 * pass them back. Both backends use value tables: the Win32 one for handles and process ids, the
 * POSIX one for each process's descriptors.
 */
#ifndef VS_VERIFY_RELATIONS_H
#define VS_VERIFY_RELATIONS_H

#include <glib.h>
#include <stdbool.h>

#include "op.h"

/* A value table: model value -> the other system's (a GHashTable of boxed guint64, refcounted
 * with g_hash_table_ref/unref). */
GHashTable *vs_values_new(void);
/* A new table holding the same pairs (a forked process's descriptors). */
GHashTable *vs_values_copy(GHashTable *values);
void vs_values_relate(GHashTable *values, uint64_t model, uint64_t other);
/* The other system's value paired with model, or model itself when none is. */
uint64_t vs_values_other(GHashTable *values, uint64_t model);
void vs_values_forget(GHashTable *values, uint64_t model);

/* Allocations paired between the model (left) and the other system (right); handles the two
 * systems returned for the same open; process ids (shared by every session of a verification:
 * one process's id is opened from another). */
typedef struct VsRelations {
    GTree *pairs;        /* VsPair by model start, disjoint (see relations.c) */
    GHashTable *handles; /* a value table */
    GHashTable *pids;    /* a value table, perhaps shared with other sessions (a reference) */
    GHashTable *blocks;  /* heap blocks: a value table (each heap lays its blocks out its own
                          * way, so a block is paired by value, not through its segment) */
} VsRelations;

typedef struct VsPair {
    uint64_t model, other, size;
    bool released; /* the model has released this memory since (vs_relations_released) */
} VsPair;

/* Where a pair leads when the model's memory has no counterpart (memory only the model placed,
 * or whose counterpart the other system gave to another allocation): past the end of any x64
 * user space (below 2^47), where every call fails and none reaches memory. */
#define VS_RELATIONS_NOWHERE ((uint64_t)1 << 47)
/* Where a handle goes when its object is the model's alone (a thread only the model could make):
 * a value no handle table hands out, so every call taking it fails in the other system instead of
 * reaching an object of its own that has the model's number. The largest multiple of 4 below the
 * kernel-handle bit: past the 2^24 handles a Windows process may hold and Wine's
 * MAX_HANDLE_ENTRIES (0xffffff, whose handles run to 0x4000000), outside Wine's global handles
 * (server/handle.c: HANDLE_OBFUSCATOR 0x544a4def, within 0x4000000 of it), and no pseudo-handle. */
#define VS_RELATIONS_NO_HANDLE ((uint64_t)0x7FFFFFFC)

void vs_relations_init(VsRelations *relations);
void vs_relations_clear(VsRelations *relations);
/* Pairs an allocation: [model, model + size) corresponds to [other, other + size). Older pairs
 * it overlaps are cut, in the model's range and, unless released, in the other's (there the part
 * they led to goes to VS_RELATIONS_NOWHERE + its model address). */
void vs_relations_add(VsRelations *relations, uint64_t model, uint64_t other, uint64_t size);
/* Pairs [model, model + size) with other's memory where the other system's [other, ...) is
 * already the counterpart of an older allocation the model still holds (one region there standing
 * for two of the model's: a heap segment the other system grew in place where the model reserved
 * another), leaving the older pair whole. FALSE, pairing nothing, when no such pair leads to other.
 */
gboolean vs_relations_add_beside(VsRelations *relations, uint64_t model, uint64_t other,
                                 uint64_t size);
/* The model released [start, end) (it may make fixed-base allocations there again, as the fuzzer's
 * arena does): the pairs there keep their translation even when the other system gives their
 * counterpart to another allocation. */
void vs_relations_released(VsRelations *relations, uint64_t start, uint64_t end);
/* The pair whose model range holds the address, else the one that ends at it, or NULL. */
const VsPair *vs_relations_pair(const VsRelations *relations, uint64_t model);
/* Where the run of model memory from model that has no counterpart ends: the end of the pair
 * holding model when it leads past user space (VS_RELATIONS_NOWHERE), else model itself. */
uint64_t vs_relations_nowhere_until(const VsRelations *relations, uint64_t model);
/* The model address's counterpart: the same offset in the newest pair whose range holds it (its
 * end included, so "p + size" translates too), else the address itself. */
uint64_t vs_relations_to_other(const VsRelations *relations, uint64_t model);
/* The other way: the model address at the same offset in the pair holding other whose memory the
 * model still holds, else in a released one (the other system may have placed several
 * allocations there, each paired with memory the model has since released), else other itself. */
uint64_t vs_relations_to_model(const VsRelations *relations, uint64_t other);
/* Makes relations use pids, a value table shared with other sessions (a reference is taken). */
void vs_relations_share_pids(VsRelations *relations, GHashTable *pids);
/* Translates op's address, handle and process-id arguments for the other system. */
void vs_relations_translate(const VsRelations *relations, const VsOp *op, VsOp *other);

#endif /* VS_VERIFY_RELATIONS_H */
