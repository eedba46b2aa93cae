/*
 * win32.h - the Win32 backend's own parts: real Win32 through vadsim-agent.exe
 * (verify/win32/agent), under Wine here or natively on Windows, for scenarios of system x64.
 *
 * An agent stands for each scenario process: a session per process (session.c), started at that
 * process's first call. For each call the model has made, the session sends the same call with
 * its addresses, handles and process ids translated (request.c, relations.h), compares the
 * outcomes field by field (compare.c) and judges every difference (session.h). A known
 * divergence leaves the two states apart: later differences in the range it touched and the
 * model's allocation there (or in the last error it set) are reported as following from it, not
 * as new findings (taint.h), until the fuzzer's walks of its arena (generate.c) see the range
 * alike again.
 */
#ifndef VS_WIN32_H
#define VS_WIN32_H

#include "backend.h"
#include "relations.h"

/* ---- request.c: the agent's protocol -------------------------------------------------------- */

/* What the agent's system says of itself (GetSystemInfo), whether it is Wine, and its version:
 * Wine's ("10.0", from wine_get_version), or on Windows the Windows build ("10.0.19045"). */
typedef struct VsWin32Info {
    uint32_t page_size;
    uint32_t granularity;
    uint64_t min_address;
    uint64_t max_address;
    gboolean wine;
    char version[24];
} VsWin32Info;

/* Starts the agent and reads its greeting into info; an agent of another protocol is
 * VS_AGENT_ERROR_START. */
VsAgent *vs_win32_start(const VsAgentCommand *command, VsWin32Info *info, GError **error);
/* Runs op in the agent's process; outcome as vs_op_execute fills it. */
gboolean vs_win32_call(VsAgent *agent, const VsOp *op, VsOutcome *outcome, GError **error);
/* The same for op made in the agent's child whose handle is child (0: the agent's own process):
 * through the handle (request.c); a call that cannot reach the child is VS_AGENT_ERROR_REFUSED. */
gboolean vs_win32_call_in(VsAgent *agent, uint64_t child, const VsOp *op, VsOutcome *outcome,
                          GError **error);

/* A process the agent made from a scenario's image, suspended: its handle in the agent, its id,
 * its EXE's base and its PEB. */
typedef struct VsWin32Child {
    uint64_t handle, pid, image_base, peb;
} VsWin32Child;
/* Asks the agent to make a process from the scenario's file image (process_image). */
gboolean vs_win32_create_child(VsAgent *agent, const char *image, VsWin32Child *child,
                               GError **error);
/* VirtualQuery from 'from' until a region reaches 'to': the records, in order, into regions
 * (VsMemoryBasicInformation). */
gboolean vs_win32_walk(VsAgent *agent, uint64_t from, uint64_t to, GArray *regions, GError **error);

/* ---- compare.c ---------------------------------------------------------------------------- */

/* Whether the call succeeded, as its return value says (an NTSTATUS, a BOOL, a pointer...). */
gboolean vs_win32_succeeded(const VsOp *op, const VsOutcome *outcome);

/* The handle op made, as outcome says (its return value, or the handle it wrote back), or FALSE
 * when it made none (it failed, or makes no handle). */
gboolean vs_win32_made_handle(const VsOp *op, const VsOutcome *outcome, uint64_t *handle);
/* A handle op made in one system and not in the other (it failed there, or was not run there:
 * other NULL). The model's value of it is paired with where calls that take it must go in the
 * other system: nowhere (VS_RELATIONS_NO_HANDLE) for a handle the model made; for one the other
 * made, the other's handle, when the model left a variable holding an older value (an
 * out-parameter). TRUE with that value and whether the model holds the object; FALSE, pairing
 * nothing, when both systems made a handle or neither did, or when the scenario cannot name the
 * other's (the model returned NULL). */
gboolean vs_win32_pair_lone_handle(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                                   const VsOutcome *other, uint64_t *handle, gboolean *in_model);

/* Compares the two outcomes of op (the model's version of it), pairing new allocations as it
 * goes, and appends a VsDivergence for each difference. Returns how many it found. */
guint vs_compare_outcomes(VsRelations *relations, const VsOp *op, const VsOutcome *model,
                          const VsOutcome *other, GPtrArray *divergences);

/* ---- session.c ---------------------------------------------------------------------------- */

typedef struct VsWin32Session VsWin32Session;

struct VsWin32Session {
    VsSession base;
    VsWin32Info info;
    VsRelations relations;
    GArray *taints;             /* VsTaint: model ranges a known divergence left apart */
    const char *error_taint;    /* the last error differs because of this known entry, or NULL */
    const char *status_taint;   /* the last NTSTATUS differs because of this one, or NULL */
    GHashTable *section_taints; /* model section id -> the known entry its contents differ by */
    const char *file_taint;     /* the file's contents differ because of this one, or NULL */
    GArray *reset_taints;       /* VsTaint: pages whose contents MEM_RESET let go (reset.c) */
    GHashTable *handle_taints;  /* model handle -> the entry its object, made in one system
                                 * alone, follows from (taint.h) */
    VsWin32Session *space;      /* the session whose address space the call being mirrored acts
                                 * on (another process's, through a handle); set by each mirror */
    VsWin32Child child;         /* a process made from an image: the real one another session's
                                 * agent made (child.c); handle 0 otherwise */
    uint64_t system_dll_start, system_dll_end; /* the model's ntdll, once paired (child.c) */
};

/* The backend table's start, free and mirror (backend.h). */
VsSession *vs_win32_session_start(const VsAgentCommand *command, const VsKnownList *known,
                                  VsSession *sibling, GError **error);
void vs_win32_session_free(VsSession *session);
gboolean vs_win32_mirror(VsSession *caller, VsSession *target, VsThread *thread, const VsOp *op,
                         const VsOutcome *model, VsJudgement *judgement, GString *report,
                         GError **error);

/* ---- reset.c: the contents MEM_RESET lets go -------------------------------------------------
 */

/* The taint id of reset pages' contents. */
extern const char vs_win32_reset_id[];
/* After op was mirrored: a MEM_RESET both systems carried out taints the contents of its whole
 * pages (rounded inward); a decommit, release or unmap the model made ends those taints where its
 * memory is no longer committed; a store both made ends a page's taint when the two pages hold
 * the same bytes again (asked of the agent: FALSE with *error when it is lost). */
gboolean vs_win32_reset_follow(VsWin32Session *side, VsWin32Session *space, VsThread *thread,
                               const VsOp *op, const VsOutcome *model, const VsOutcome *other,
                               GError **error);
/* A reset of a range that is not page-aligned leaves its partly covered pages alone on Windows;
 * where the model holds such a page and nothing taints it, its bytes are compared with the other
 * system's right after the reset, and a difference becomes the reset's own (PartialPage: the two
 * digests). FALSE with *error when the agent is lost. */
gboolean vs_win32_reset_edges(VsWin32Session *side, VsThread *thread, const VsOp *op,
                              const VsOutcome *model, const VsOutcome *other,
                              GPtrArray *divergences, GError **error);
/* vs_win32_reset_id when op reads a byte of a page whose reset contents are tainted, else NULL:
 * nothing but a read follows from a reset. */
const char *vs_win32_reset_tainted_by(const VsWin32Session *side, const VsOp *op);

/* ---- child.c: processes made from an image ----------------------------------------------------
 */

/* The backend table's start_child (backend.h). */
VsSession *vs_win32_child_start(VsSession *host, const char *image, VsProcess *process,
                                const VsKnownList *known, GError **error);
/* After a call made in a process made from an image: GetModuleHandle("ntdll.dll") pairs the
 * model's synthetic ntdll with the real one (both systems place it where they choose). */
void vs_win32_child_pair_module(VsWin32Session *s, VsThread *thread, const VsOp *op,
                                const VsOutcome *model, const VsOutcome *other);
/* Whether the differences of op are in the extents of a region of the model's synthetic ntdll,
 * whose section sizes are the model's own: they are dropped (what the scenario names there is
 * the protection, the type and the allocation). */
gboolean vs_win32_child_synthetic_extent(const VsWin32Session *s, const VsOp *op,
                                         const VsOutcome *model, const char *field);

/* ---- generate.c --------------------------------------------------------------------------- */

extern const VsGenerator vs_win32_generator;

#endif /* VS_WIN32_H */
