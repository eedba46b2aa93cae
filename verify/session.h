/*
 * session.h - what both backends' sessions share: the agent standing for a model process, the
 * known list, and the judging of each call's differences against it.
 *
 * A backend's session structure starts with a VsSession (win32/session.c's, posix/session.c's),
 * the way Windows' MMVAD starts with an MMVAD_SHORT: the verify and fuzz loops hold every session
 * as a VsSession and hand it back to its backend's table (backend.h).
 *
 * For each call the backend compares the two outcomes into divergences (divergence.h) and judges
 * them here, one by one: explained by an entry of the known list (reported with its reason the
 * first time the report meets it, by its id after that); else following from an earlier known
 * divergence whose consequences the call may show - the backend says which, from what it keeps
 * (taint.h's ranges, POSIX's maps left apart); else unexplained, a finding. The call is counted
 * once, by the worst of its differences.
 */
#ifndef VS_VERIFY_SESSION_H
#define VS_VERIFY_SESSION_H

#include "agent.h"
#include "divergence.h"
#include "known.h"

typedef enum VsJudgementKind {
    VS_JUDGED_MATCH,       /* the same answers */
    VS_JUDGED_KNOWN,       /* differences the list explains, or that follow from one it does */
    VS_JUDGED_UNSUPPORTED, /* the backend cannot do this call (refused, or listed unsupported) */
    VS_JUDGED_UNEXPLAINED, /* a difference nobody has explained: a finding */
} VsJudgementKind;

typedef struct VsJudgement {
    VsJudgementKind kind;
    gboolean refused;    /* the agent did not run the call, so nothing was compared */
    char field[32];      /* the first unexplained difference's field, when kind is UNEXPLAINED */
    const char *because; /* KNOWN or UNSUPPORTED: the known entry's id (or why refused), or NULL */
} VsJudgement;

/* The cause named for what follows from a call the agent refused. */
#define VS_REFUSED "refused by the agent"

typedef struct VsBackend VsBackend;

typedef struct VsSession {
    const VsBackend *backend;
    VsAgent *agent;
    const VsKnownList *known;
    const char *system;    /* the known list's name for the real system: "wine", "windows" or
                            * "linux" */
    char version[24];      /* its version, as its agent reported it: "10.0", "6.18.44" */
    char label[40];        /* how reports name it: "wine 10.0" */
    char option[40];       /* what picks it again on a command line, with a space after it:
                            * "--wine=10.0 ", or "" (set by the backend) */
    GHashTable *explained; /* ids of known entries whose reason the report has given */
} VsSession;

/* system and version as the agent's greeting gave them (version "" if it gave none). */
void vs_session_init(VsSession *session, const VsBackend *backend, VsAgent *agent,
                     const VsKnownList *known, const char *system, const char *version);
/* Stops the agent and frees what vs_session_init made. */
void vs_session_clear(VsSession *session);
/* Frees a session of any backend (through its table). NULL is allowed. */
void vs_session_free(VsSession *session);

/* One call's judgement while it is being made: its differences may be judged in more than one
 * batch (the POSIX backend judges the call's answer, then the maps after it). */
typedef struct VsJudging {
    gboolean unexplained, unsupported;
    gboolean error_differs;   /* a difference in the result or the last error */
    const char *known_id;     /* the last entry that explained a difference, or why refused */
    GString *follows;         /* the differences that follow from an earlier known one */
    const char *follows_from; /* which one */
} VsJudging;

void vs_judging_init(VsJudging *verdict);
void vs_judging_clear(VsJudging *verdict);

/* Judges each divergence of op (whose outcome in the model was model): explained by the known
 * list; else following from cause (an earlier known divergence the call may show the consequences
 * of; NULL: none) or, for a region's extent (BaseAddress, RegionSize), from extent; else
 * unexplained, and the first unexplained field goes to judgement. Each is reported on report,
 * indented, but those that follow, which vs_judging_finish sums up in a line. */
void vs_session_judge(VsSession *session, const VsOp *op, const VsOutcome *model,
                      GPtrArray *divergences, const char *cause, const char *extent,
                      VsJudging *verdict, VsJudgement *judgement, GString *report);
/* Whether the known list withholds op (as the model ran it) from the real system, which dies on it
 * (a fatal entry): then the call is judged unsupported because of that entry, which report
 * names, and must not be sent. */
gboolean vs_session_withholds(VsSession *session, const VsOp *op, const VsOutcome *model,
                              VsJudging *verdict, VsJudgement *judgement, GString *report);
/* The call was not compared: the agent refused it, or could not be sent it. Reports why; the
 * call is unsupported, because of because (VS_REFUSED, say). */
void vs_judging_unsupported(VsJudging *verdict, VsJudgement *judgement, const char *because,
                            const char *why, GString *report);
/* Reports what followed from an earlier known divergence, and sets the judgement's kind and
 * cause from the verdict. */
void vs_judging_finish(const VsJudging *verdict, VsJudgement *judgement, GString *report);

#endif /* VS_VERIFY_SESSION_H */
