/*
 * known.h - the reviewed list of known divergences between the model and a real system.
 *
 * The list is a key file (verify/known-divergences.ini), one group per divergence. Each entry is
 * a claim: that the real system named, in the versions named, answers the call otherwise than the
 * model (and Windows) do, under the narrowest conditions that explain it, with the evidence for
 * it. Keys:
 *
 *     [wine-free-unallocated]
 *     backend = wine            # wine, windows, or win32 for both; linux for the POSIX agent
 *     wine = 8.0                # the versions it holds for, a key per system the backend covers
 *                               # (wine, windows, linux): a version ("8.0" holds for 8.0.x), a
 *                               # range ("8.0-9.0", both included; "10.0-": that and later), or
 *                               # several separated by commas; "*" only for verdict unsupported
 *                               # (the model's limitation, whatever the system)
 *     call = NtFreeVirtualMemory # the call's name, or names separated by commas
 *     field = status            # the compared field (see divergence.h), or several
 *     model = STATUS_MEMORY_NOT_ALLOCATED # the model's value: a number or constant names joined
 *                               # by |, a comma-separated list of such (any matches); "has:X"
 *                               # matches any value with the bits of X set. Never "*": an entry
 *                               # says what the model answers
 *     other = STATUS_INVALID_PARAMETER # the real system's value, likewise, or *
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
 *                               # (Linux: mmap's, mremap's or msync's flags, madvise's advice;
 *                               # a call without one has type 0). In every condition a value
 *                               # marked ! excludes: "!has:MEM_RESERVE_PLACEHOLDER" matches the
 *                               # types without that flag
 *     region = MEM_MAPPED       # optional: only when the call's address was in memory of this
 *                               # Type (MEM_PRIVATE, MEM_MAPPED, MEM_IMAGE) before the call,
 *                               # in the model
 *     status = STATUS_COMMITMENT_LIMIT # optional: only when the model's call answered this
 *                               # NTSTATUS (why the model failed it): an NT call's return value,
 *                               # a Win32 call's last status
 *     result = failed           # optional: only when the model's call failed (or succeeded), as
 *                               # its return value says
 *     stack = yes               # optional (win32): only when the call's address lay, in the model
 *                               # before the call, in a thread's user stack (or, no, outside
 *                               # every one)
 *     heap = yes                # optional (win32): likewise, in a heap's segment or big block
 *                               # (a heap call's address is its heap's handle)
 *     mapping = file            # optional (linux): only when the call's address lay, in the
 *                               # model before the call, in memory of this kind: anonymous,
 *                               # shared-anonymous, memfd, shm, file or none (commas: any)
 *     verdict = known           # known: explained; unsupported: the backend cannot do this;
 *                               # fatal: the real system dies on the call (the agent crashes or
 *                               # hangs), so it is withheld, not sent (no field, model, other)
 *     reason = ...              # what differs and why, in words
 *     evidence = ...            # what shows it: for the Windows side a Wine conformance test
 *                               # (file, function, what it asserts), a Microsoft documentation
 *                               # page, or a measurement on real Windows; for a behaviour of the
 *                               # real system alone (Wine's), a reproducer under tests/
 *
 * A divergence that no entry matches is unexplained and fails verification; an entry without
 * evidence, with model = *, or naming no versions is refused when the list is loaded.
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
    VS_VERDICT_FATAL, /* the real system dies on the call: it is withheld */
} VsVerdict;

/* The real system a call was compared with: its name in the list ("wine", "windows", "linux")
 * and its version ("10.0", "10.0.19045", "6.18.44"). */
typedef struct VsKnownSystem {
    const char *name;
    const char *version;
} VsKnownSystem;

typedef struct VsKnownRange {
    gboolean set;
    uint64_t low, high; /* both included */
} VsKnownRange;

typedef struct VsKnownEntry {
    char *id;
    char *backend;
    char *versions[2]; /* the version patterns of the systems the backend covers (wine and
                        * windows for win32; else one) */
    char *call;
    char *field;
    char *model;
    char *other;
    VsVerdict verdict;
    char *reason;
    char *evidence;
    VsKnownRange address; /* conditions on the call's arguments, each optional */
    VsKnownRange size;
    char *protect; /* a value pattern, or NULL */
    char *state;   /* a value pattern for the model's MEMORY_BASIC_INFORMATION State */
    char *type;    /* a value pattern for the call's MEM_* type argument */
    char *status;  /* a value pattern for the model's last NTSTATUS after the call */
    char *region;  /* a value pattern for the Type of the memory at the call's address */
    char *mapping; /* names of VsMapping kinds (vs_mapping_name), separated by commas */
    int result;    /* 1: only when the model's call failed; -1: only when it succeeded; 0: both */
    int stack;     /* 1: only when the call's address lay in a thread's stack; -1: only when not */
    int heap;      /* 1: only when it lay in a heap's segment or big block; -1: only when not */
} VsKnownEntry;

typedef struct VsKnownList {
    GPtrArray *entries; /* VsKnownEntry */
} VsKnownList;

/* Loads the list; FALSE with *error naming the file, group and key on a malformed entry. */
gboolean vs_known_load(VsKnownList *list, const char *path, GError **error);
void vs_known_clear(VsKnownList *list);

/* The entry that explains divergence d of op (whose outcome in the model was model, which may be
 * NULL) on the real system, or NULL. */
const VsKnownEntry *vs_known_match(const VsKnownList *list, const VsKnownSystem *system,
                                   const VsOp *op, const VsOutcome *model, const VsDivergence *d);
/* The fatal entry that withholds op (as the model ran it, with outcome model) from the real
 * system, or NULL. */
const VsKnownEntry *vs_known_fatal(const VsKnownList *list, const VsKnownSystem *system,
                                   const VsOp *op, const VsOutcome *model);
/* Whether version lies in pattern (the syntax of an entry's wine, windows or linux key). */
gboolean vs_known_version_matches(const char *pattern, const char *version);

#endif /* VS_VERIFY_KNOWN_H */
