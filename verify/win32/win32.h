/*
 * session.h - one process's worth of side-by-side comparison: an agent standing for a model
 * process, the address pairs between them, and the judging of each call's differences.
 *
 * vadsim verify keeps a session per scenario process; vadsim fuzz keeps one. For each call the
 * model has made, vs_session_mirror sends the same call (addresses translated) to the agent,
 * compares the outcomes and judges every difference against the known-divergence list. A known
 * divergence leaves the two states apart: later differences in the range it touched and the
 * model's allocation there (or in the last error it set) are reported as following from it, not
 * as new findings, until the fuzzer's walks see the range alike again.
 */
#ifndef VS_HARNESS_SESSION_H
#define VS_HARNESS_SESSION_H

#include "agent.h"
#include "compare.h"
#include "known.h"

typedef enum VsJudgementKind {
    VS_JUDGED_MATCH,       /* the same answers */
    VS_JUDGED_KNOWN,       /* differences the list explains, or that follow from one it does */
    VS_JUDGED_UNSUPPORTED, /* the backend cannot do this call (refused, or listed unsupported) */
    VS_JUDGED_UNEXPLAINED, /* a difference nobody has explained: a finding */
} VsJudgementKind;

typedef struct VsJudgement {
    VsJudgementKind kind;
    gboolean refused; /* the agent would not run the call, so nothing was compared */
    char field[32]; /* the first unexplained difference's field, when kind is UNEXPLAINED */
    const char *because; /* KNOWN or UNSUPPORTED: the known entry's id (or why refused), or NULL */
} VsJudgement;

typedef struct VsSession VsSession;

VsSession *vs_session_start(const VsAgentCommand *command, const VsKnownList *known,
                            GError **error);
void vs_session_free(VsSession *session);
/* "wine" or "windows": what the agent found itself running on. */
const char *vs_session_backend(const VsSession *session);
VsAgent *vs_session_agent(VsSession *session);
VsRelations *vs_session_relations(VsSession *session);

/* Whether the state at this model address differs because of a known divergence. */
gboolean vs_session_tainted(const VsSession *session, uint64_t model_address);

/* Mirrors op (as thread ran it in the model, with outcome model) to the agent and judges the
 * difference. target is the session of the process the call acts on through a handle (NULL: the
 * caller's own): its addresses are paired and tainted there, handles and process ids here. The model's state after the call (through thread, which may be NULL) says which
 * allocation a known divergence leaves apart. Lines describing any difference are appended to
 * report (indented, without the call). FALSE with *error set when the agent is lost. */
gboolean vs_session_mirror(VsSession *session, VsSession *target, VsThread *thread,
                           const VsOp *op, const VsOutcome *model, VsJudgement *judgement,
                           GString *report, GError **error);

/* Whether the two systems agree again over the model range [start, end). */
typedef gboolean (*VsAgreeFn)(void *context, uint64_t start, uint64_t end);
/* Forgets the consequences of known divergences over ranges where agree says the systems are
 * alike again (the fuzzer asks its VirtualQuery walks), so later differences there count. */
void vs_session_lift_taints(VsSession *session, VsAgreeFn agree, void *context);

#endif /* VS_HARNESS_SESSION_H */
