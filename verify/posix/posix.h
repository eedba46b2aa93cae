/*
 * posix.h - the POSIX backend: the model's Linux personality beside the real kernel, through the
 * POSIX agent (agent-posix/vadsim-agent-posix.c), call by call.
 *
 * One session stands for a whole scenario: the agent is its main process, and every child the
 * model's fork() made is the agent's child made by the same fork (requests to it go "@N "). For
 * each call the model has made, vs_posix_mirror sends the same call to the process standing for
 * the caller's, with addresses translated (real = model - M + A: M the model's mmap_base, A the
 * agent's arena start; the agent arranged its address space so the kernel places mmap(NULL) top-
 * down from A as the model does from M) and descriptors through a per-process table, then compares:
 * the result (addresses translated back), errno when both failed, the signal and byte of a read or
 * write, mincore's vector; after every call that can change mappings, the process's maps (each
 * VMA's range, r/w/x, shared or private, offset and name); after fork, page by page of every
 * private anonymous VMA, whether parent and child map the same frame. Each difference is judged
 * against the known list (backend "linux"), as session.c judges Win32's.
 */
#ifndef VS_HARNESS_POSIX_H
#define VS_HARNESS_POSIX_H

#include "win32.h"

typedef struct VsPosixSession VsPosixSession;

/* Starts the agent and reads its arena and its machine; mmap_base is the model's (vs_layout_of's).
 * A machine whose behaviour the model does not know (an old kernel, a setting it assumes
 * otherwise: posix.c unknown_machine) is VS_AGENT_ERROR_MACHINE, saying which. */
VsPosixSession *vs_posix_start(const VsAgentCommand *command, const VsKnownList *known,
                               uint64_t mmap_base, GError **error);
/* Stops the agent (its children with it). NULL is allowed. */
void vs_posix_free(VsPosixSession *session);
VsAgent *vs_posix_agent(VsPosixSession *session);
/* The agent's arena: model addresses [M, M + size) are real [A, A + size). */
uint64_t vs_posix_arena_size(const VsPosixSession *session);
/* The machine the agent runs on, as it measured it: sets config's read-ahead window and file
 * placement to those of the file system its files live on, and execute-only memory to its CPU's,
 * so the model predicts this kernel. */
void vs_posix_machine(const VsPosixSession *session, VsSystemConfig *config);
/* The same as 'system' options for a scenario: "readahead=8M filealign=2M execonly=none" (free
 * it). */
char *vs_posix_system_options(const VsPosixSession *session);
uint64_t vs_posix_to_real(const VsPosixSession *session, uint64_t model);
uint64_t vs_posix_to_model(const VsPosixSession *session, uint64_t real);

/* Mirrors op (as thread ran it in the model, with outcome model) to the process standing for
 * thread's and judges the differences; lines describing them go to report (indented, without the
 * call). FALSE with *error set when the agent is lost. */
gboolean vs_posix_mirror(VsPosixSession *session, VsThread *thread, const VsOp *op,
                         const VsOutcome *model, VsJudgement *judgement, GString *report,
                         GError **error);

/* Whether the calls changes mappings, so the maps are compared after it. */
gboolean vs_posix_changes_maps(VsOpKind kind);

#endif /* VS_HARNESS_POSIX_H */
