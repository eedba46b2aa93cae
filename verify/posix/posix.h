/*
 * posix.h - the POSIX backend's own parts: the model's Linux personality beside the kernel this
 * runs on, through the POSIX agent (verify/posix/agent), for scenarios of system linux-x64.
 *
 * One session stands for a whole scenario (session.c): the agent is its main process, and every
 * child the model's fork() made is the agent's child made by the same fork (requests to it go
 * "@N "). For each call the model has made, the session sends the same call to the process
 * standing for the caller's (request.c), with addresses translated (real = model - M + A: M the
 * model's mmap_base, A the agent's arena start; the agent arranged its address space so the kernel
 * places mmap(NULL) top-down from A as the model does from M) and descriptors through a value
 * table per process (relations.h), then compares (compare.c): the result (addresses translated
 * back), errno when both failed, the signal and byte of a read or write, mincore's vector; after
 * every call that can change mappings, the process's maps (each VMA's range, r/w/x, shared or
 * private, offset and name); after fork, page by page of every private anonymous VMA, whether
 * parent and child map the same frame. Each difference is judged against the known list
 * (backend "linux", session.h).
 *
 * A known divergence that leaves the two address spaces apart (or a call the agent refused) would
 * make every later maps comparison differ: the difference itself - the maps lines one side has and
 * the other lacks - is remembered, and a later comparison showing the same difference follows from
 * it; calls whose address lies in one of those lines follow from it too (taint.h).
 */
#ifndef VS_POSIX_H
#define VS_POSIX_H

#include "backend.h"
#include "relations.h"

/* The real process standing for a model process. */
typedef struct VsPosixSide {
    uint32_t model_pid;
    uint64_t real_pid;    /* the real process's pid; 0 until asked (the agent's) */
    char *prefix;         /* "" for the agent itself, "@N " for its child N, "@N @M " below */
    GHashTable *fds;      /* model descriptor -> real descriptor: a value table */
    GPtrArray *apart;     /* char *: maps lines one side has and the other lacks ("model ..." or
                           * "linux ..."), after a known divergence or a refusal; empty when the
                           * maps agree */
    const char *apart_id; /* the known entry (or why refused) that left them apart */
    GArray *taints;       /* VsTaint: the ranges of the apart lines, once apart_id names them */
} VsPosixSide;

/* What the agent measured of its machine, where the model takes it as a setting. */
typedef struct VsPosixMachine {
    uint64_t readahead_bytes; /* its file system's read-ahead window */
    uint64_t arena_bytes;     /* its arena's length, from real_base (and the model's mmap_base) */
    uint64_t file_align;      /* where big file mappings are placed: 4 KB or 2 MB */
    uint64_t file_max_bytes;  /* its file system's largest file (s_maxbytes) */
    bool execute_only;        /* its CPU: PROT_EXEC alone is execute-only (protection keys) */
    VsThpMode thp;            /* its scenario processes' transparent huge pages once the harness
                               * asks for them where advised (thp_advised): madvise or never */
    bool thp_no_zero_page;    /* a load there maps a huge page of its own (use_zero_page 0) */
    char kernel[24];          /* its kernel's release: "6.18.44" */
    uint64_t start_brk;       /* its start_brk, randomised: the model's VS_LINUX_START_BRK (0 if
                               * the agent refuses brk) */
    uint64_t stack_end;       /* its [stack]'s end, randomised: the model's VS_LINUX_STACK_TOP */
} VsPosixMachine;

typedef struct VsPosixSession {
    VsSession base;
    uint64_t model_base, real_base; /* M and A */
    VsPosixMachine machine;
    bool thp_advised; /* the agent gives huge pages where advised (thp_advised), not none */
    GPtrArray *sides; /* VsPosixSide, the agent's first */
} VsPosixSession;

/* ---- request.c: the agent's protocol -------------------------------------------------------- */

/* Starts the agent and reads its hello: its arena's start into *real_base, its machine into
 * machine. An agent of another protocol is VS_AGENT_ERROR_START; a machine whose behaviour the
 * model does not know (an old kernel, a setting it assumes otherwise) VS_AGENT_ERROR_MACHINE,
 * saying which. */
VsAgent *vs_posix_start(const VsAgentCommand *command, uint64_t *real_base, VsPosixMachine *machine,
                        GError **error);
uint64_t vs_posix_to_real(const VsPosixSession *session, uint64_t model);
uint64_t vs_posix_to_model(const VsPosixSession *session, uint64_t real);
/* The request line for op in side's process; FALSE (with why) for a call the agent cannot take
 * as the model made it. */
gboolean vs_posix_format_request(const VsPosixSession *session, const VsPosixSide *side,
                                 const VsOp *op, GString *text, const char **why);
/* The real system's answer to one request line, as an outcome: ret, errno, signal, and mincore's
 * vector (or fork's child index in out[0]). */
gboolean vs_posix_call(VsPosixSession *session, const char *text, VsOutcome *real, GError **error);
/* The maps of side's process (vs_posix_maps_line, in model addresses) into lines. */
gboolean vs_posix_walk(VsPosixSession *session, const VsPosixSide *side, GPtrArray *lines,
                       GError **error);
/* The raw pagemap entries of pages [address, address + pages * 4K) (a model address) in side's
 * process; at most 512 pages. */
gboolean vs_posix_pagemap(VsPosixSession *session, const VsPosixSide *side, uint64_t address,
                          uint64_t pages, uint64_t *entries, GError **error);

/* ---- compare.c ---------------------------------------------------------------------------- */

/* One maps line as both sides are compared: the range in model addresses, permissions, offset
 * and name (dev and inode differ between any two systems). */
char *vs_posix_maps_line(uint64_t start, uint64_t end, gboolean r, gboolean w, gboolean x,
                         gboolean shared, uint64_t offset, const char *name);
/* Compares one call's answers (op as the model ran it in side's process), relating descriptors
 * as they are returned; appends a VsDivergence for each difference. */
void vs_posix_compare_call(VsPosixSession *session, VsPosixSide *side, const VsOp *op,
                           const VsOutcome *model, const VsOutcome *real, GPtrArray *found);
/* Compares the maps of side's process with the model process's. A difference is a "maps"
 * divergence, unless it is the one an earlier known divergence left: then it is noted in follows
 * as following from it. The full listings go to report when they differ. */
gboolean vs_posix_compare_maps(VsPosixSession *session, VsPosixSide *side, const VsProcess *process,
                               GPtrArray *found, GString *follows, GString *report, GError **error);
/* Page by page of every private anonymous VMA of the parent: whether parent and child map the
 * same frame, in the model and in the real system. */
gboolean vs_posix_compare_sharing(VsPosixSession *session, const VsPosixSide *parent,
                                  const VsPosixSide *child, const VsProcess *model_parent,
                                  const VsProcess *model_child, GPtrArray *found, GError **error);

/* ---- session.c ---------------------------------------------------------------------------- */

/* The backend table's entries (backend.h). */
VsSession *vs_posix_session_start(const VsAgentCommand *command, const VsKnownList *known,
                                  VsSession *sibling, GError **error);
void vs_posix_session_free(VsSession *session);
gboolean vs_posix_mirror(VsSession *caller, VsSession *target, VsThread *thread, const VsOp *op,
                         const VsOutcome *model, VsJudgement *judgement, GString *report,
                         GError **error);
void vs_posix_configure(VsSession *session, VsSystemConfig *config);
char *vs_posix_system_options(const VsSession *session);

/* ---- generate.c --------------------------------------------------------------------------- */

extern const VsGenerator vs_posix_generator;

#endif /* VS_POSIX_H */
