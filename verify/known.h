/*
 * known.h - the reviewed list of known divergences between the model and a real system.
 *
 * The list is a key file (verify/known-divergences.ini), one group per divergence:
 *
 *     [wine-kuser-one-page]
 *     backend = wine            # wine, windows, or win32 for both; linux for the POSIX agent
 *     call = VirtualQuery       # the call's name, names separated by commas, or *
 *     field = RegionSize        # the compared field (see divergence.h), likewise
 *     model = 0x10000           # the model's value: a number or constant names joined by |, a
 *                               # comma-separated list of such (any matches), or *;
 *                               # "has:X" matches any value with the bits of X set
 *     other = *                 # the real system's value, likewise
 *     address = 0x0-0xFFFF      # optional: only when the call's address argument (in the model's
 *                               # address space) is in this range, both ends included
 *     size = 0                  # optional: only when the call's size argument is this number, or
 *                               # in this LOW-HIGH range
 *     protect = has:PAGE_GUARD  # optional: only when the call's protection argument matches (the
 *                               # syntax of model and other)
 *     state = MEM_RESERVE       # optional: only when the model's VirtualQuery record has this
 *                               # state (for other calls: the state of the address's page
 *                               # before it)
 *     type = has:MEM_RESET      # optional: only when the call's allocation or free type matches
 *                               # (Linux: mmap's, mremap's or msync's flags, madvise's advice)
 *     region = MEM_MAPPED       # optional: only when the call's address was in memory of this
 *                               # Type (MEM_PRIVATE, MEM_MAPPED) before the call, in the model
 *     status = STATUS_COMMITMENT_LIMIT # optional: only when the model's call left this NTSTATUS
 *                               # as the thread's last status (why the model failed it)
 *     mapping = file            # optional (linux): only when the call's address lay, in the
 *                               # model before the call, in memory of this kind: anonymous,
 *                               # shared-anonymous, memfd, shm, file or none (commas: any)
 *     verdict = known           # known: explained; unsupported: the backend cannot do this
 *     reason = ...              # why, with the source that says so
 *
 * A divergence that no entry matches is unexplained and fails verification.
 */
#ifndef VS_VERIFY_KNOWN_H
#define VS_VERIFY_KNOWN_H

#include <glib.h>

#include "divergence.h"
#include "op.h"

typedef enum VsVerdict {
    VS_VERDICT_UNEXPLAINED,
    VS_VERDICT_KNOWN,
    VS_VERDICT_UNSUPPORTED,
} VsVerdict;

typedef struct VsKnownRange {
    gboolean set;
    uint64_t low, high; /* both included */
} VsKnownRange;

typedef struct VsKnownEntry {
    char *id;
    char *backend;
    char *call;
    char *field;
    char *model;
    char *other;
    VsVerdict verdict;
    char *reason;
    VsKnownRange address; /* conditions on the call's arguments, each optional */
    VsKnownRange size;
    char *protect; /* a value pattern, or NULL */
    char *state;   /* a value pattern for the model's MEMORY_BASIC_INFORMATION State */
    char *type;    /* a value pattern for the call's MEM_* type argument */
    char *status;  /* a value pattern for the model's last NTSTATUS after the call */
    char *region;  /* a value pattern for the Type of the memory at the call's address */
    char *mapping; /* names of VsMapping kinds (vs_mapping_name), separated by commas */
} VsKnownEntry;

typedef struct VsKnownList {
    GPtrArray *entries; /* VsKnownEntry */
} VsKnownList;

/* Loads the list; FALSE with *error naming the file, group and key on a malformed entry. */
gboolean vs_known_load(VsKnownList *list, const char *path, GError **error);
void vs_known_clear(VsKnownList *list);

/* The entry that explains divergence d of op (whose outcome in the model was model, which may be
 * NULL) on backend ("wine", "windows" or "linux"), or NULL. */
const VsKnownEntry *vs_known_match(const VsKnownList *list, const char *backend, const VsOp *op,
                                   const VsOutcome *model, const VsDivergence *d);

#endif /* VS_VERIFY_KNOWN_H */
