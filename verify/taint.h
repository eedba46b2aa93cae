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
 * or unmapped in both.
 */
#ifndef VS_VERIFY_TAINT_H
#define VS_VERIFY_TAINT_H

#include <glib.h>
#include <stdint.h>

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

#endif /* VS_VERIFY_TAINT_H */
