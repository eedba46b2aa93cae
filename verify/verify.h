/*
 * verify.h - running a scenario in the model and in a real system side by side (vadsim verify).
 *
 * The scenario runs in the model as always; every call it makes is also mirrored, by the backend
 * (backend.h), to an agent process standing for the scenario's process, and the two outcomes are
 * compared. Each difference is looked up in the known-divergence list (known.h): known and
 * unsupported ones are reported as such, any other fails the scenario.
 */
#ifndef VS_VERIFY_VERIFY_H
#define VS_VERIFY_VERIFY_H

#include <glib.h>

#include "backend.h"

typedef struct VsVerifyOptions {
    const VsBackend *backend;
    VsAgentCommand agent;
    const VsKnownList *known;
    gboolean verbose; /* list matched calls too, not only divergences */
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

#endif /* VS_VERIFY_VERIFY_H */
