/*
 * taint.h - where the two systems' states are apart because of a known divergence.
 *
 * A difference the known list explains usually leaves the two states apart (Wine refused a
 * partial release the model made; the kernel placed a mapping the model did not), so later
 * differences there are its consequences, not new findings. A taint is a range of model
 * addresses and the known entry (or refusal) that left it apart. Taints of one entry that overlap
 * or touch merge, so the list stays as short as the distinct ranges are few; taints of different
 * entries stay apart, so a later difference is blamed on the entry whose ground it lies in; a
 * taint is lifted once the
 * backend sees the two systems alike over its range again, and ends where its memory is released
 * or unmapped in both. A handle only one system made is tainted the same way, by value (below).
 */
#ifndef VS_VERIFY_TAINT_H
#define VS_VERIFY_TAINT_H

#include <glib.h>
#include <stdint.h>

#include "op.h"

typedef struct VsTaint {
    uint64_t start, end; /* model addresses, [start, end) */
    const char *id;      /* the known entry's id (owned by the list), or why refused */
} VsTaint;

/* A new, empty list of taints (a GArray of VsTaint). */
GArray *vs_taints_new(void);
/* Adds [start, end), merged with the taints of the same id it overlaps or touches. */
void vs_taints_add(GArray *taints, uint64_t start, uint64_t end, const char *id);
/* Adds [start, end) widened to whole granules (granule a power of two: Windows' 64 KB allocation
 * granularity). Ground one system holds and the other does not is whole granules: an allocation
 * owns its last granule to the end whatever its size, no other allocation starts there, and the
 * harness translates the granule's tail through the allocation's pair, so calls aimed at the tail
 * (an address one past the allocation's last page) meet the same difference. */
void vs_taints_add_granules(GArray *taints, uint64_t start, uint64_t end, uint64_t granule,
                            const char *id);
/* Adds the whole pages of [address, address + size) (page a power of two), rounded inward as
 * Windows rounds a MEM_RESET (WRK's NtAllocateVirtualMemory: the start up, the end down, so no
 * partly covered page loses its data), and says whether any page was covered. The harness keeps
 * such taints apart from the others: they stand for contents alone (reset.c). */
gboolean vs_taints_add_pages_inward(GArray *taints, uint64_t address, uint64_t size, uint64_t page,
                                    const char *id);
/* Cuts [start, end) out of every taint: the memory there is gone (released, unmapped), and what is
 * made there later owes nothing to what was. */
void vs_taints_remove(GArray *taints, uint64_t start, uint64_t end);
/* The id of a taint overlapping [start, end), or NULL: the newest of those that hold start (the
 * call's own address), else any. */
const char *vs_taints_over(const GArray *taints, uint64_t start, uint64_t end);

/* Whether the two systems agree again over the model range [start, end). */
typedef gboolean (*VsAgreeFn)(void *context, uint64_t start, uint64_t end);
/* Lifts the taints over whose ranges agree says the systems are alike again. */
void vs_taints_lift(GArray *taints, VsAgreeFn agree, void *context);

/* ---- Handles one system made alone -----------------------------------------------------------
 * A call that makes a handle in one system and fails in the other (Wine 8.0 finds no room for a
 * thread's stack under its zero bits; the agent refuses the call) leaves an object in one system
 * only. The harness sends a call that takes such a handle where it leads (relations.h: nowhere,
 * VS_RELATIONS_NO_HANDLE, for the model's; the other's handle, for a variable the model left
 * holding an older value), and its differences follow from the entry that explained the making.
 * The taint is the model's value of the handle; it ends when the handle is closed in the system
 * that holds the object, or when the value names a handle both systems made. */

/* A new, empty table of handle taints: model handle -> VsHandleTaint. */
GHashTable *vs_handle_taints_new(void);
/* handle (the model's value) names an object only one system has: the model's (in_model), or the
 * other's; its calls' differences follow from id. */
void vs_handle_taints_add(GHashTable *taints, uint64_t handle, gboolean in_model, const char *id);
/* The value names an object both systems have now, or nothing: its taint ends. */
void vs_handle_taints_remove(GHashTable *taints, uint64_t handle);
/* A close of handle succeeded in the model (model_closed) and in the other system (other_closed):
 * its taint ends when the system holding the object closed it. */
void vs_handle_taints_closed(GHashTable *taints, uint64_t handle, gboolean model_closed,
                             gboolean other_closed);
/* The id of a taint on a handle op takes (its handle arguments, the thread it is made as), or
 * NULL. */
const char *vs_handle_taints_over(GHashTable *taints, const VsOp *op);

#endif /* VS_VERIFY_TAINT_H */
