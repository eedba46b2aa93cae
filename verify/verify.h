/*
 * verify.h - running a scenario in the model and in a real system side by side (vadsim verify).
 *
 * The scenario runs in the model as always; every call it makes is also sent, with its addresses
 * translated, to an agent process standing for the scenario's process, and the two outcomes are
 * compared (compare.h). Each difference is looked up in the known-divergence list (known.h): known
 * and unsupported ones are reported as such, any other fails the scenario.
 */
#ifndef VS_HARNESS_VERIFY_H
#define VS_HARNESS_VERIFY_H

#include <glib.h>

#include "agent.h"
#include "known.h"

/* The real system compared with: Win32 through vadsim-agent.exe (Wine or Windows), or the
 * kernel the harness runs on through vadsim-agent-posix (Linux scenarios only). */
typedef enum VsBackend {
    VS_BACKEND_WIN32,
    VS_BACKEND_POSIX,
} VsBackend;

typedef struct VsVerifyOptions {
    VsAgentCommand agent;
    const VsKnownList *known;
    gboolean verbose; /* list matched calls too, not only divergences */
    VsBackend backend;
} VsVerifyOptions;

typedef enum VsVerifyOutcome {
    VS_VERIFY_PASSED,  /* every call matched, or diverged only as the list explains */
    VS_VERIFY_FAILED,  /* an unexplained divergence, a model expectation failed, or an error */
    VS_VERIFY_SKIPPED, /* the backend cannot run this scenario at all (the report says why) */
} VsVerifyOutcome;

typedef struct VsVerifyCounts {
    guint calls, matched, known, unsupported, unexplained;
} VsVerifyCounts;

/* Verifies the scenario at path; appends its report to out and adds its counts to counts. */
VsVerifyOutcome vs_verify_file(const char *path, const VsVerifyOptions *options, GString *out,
                               VsVerifyCounts *counts);

/* Why the backend cannot run here (no launcher, no agent), or NULL when it can. */
char *vs_verify_unavailable(const VsAgentCommand *command, VsBackend backend);

#endif /* VS_HARNESS_VERIFY_H */
