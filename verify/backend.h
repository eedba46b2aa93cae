/*
 * backend.h - the backend table: what the verify and fuzz loops ask of a real system.
 *
 * Two backends stand side by side, each in a folder with its agent:
 *
 *     win32/   real Win32 through vadsim-agent.exe, under Wine or on Windows: x64 scenarios
 *              (and x86 ones through its x86 build)
 *     posix/   the kernel this runs on, through vadsim-agent-posix: linux-x64 scenarios
 *
 * The loops - verify.c (a scenario call by call) and fuzz.c (random call sequences, shrunk to a
 * reproducer) - are written once over this table, and so are the parts of a session both share
 * (session.h). A backend fills in one table: how its agent is found and started, how a call is
 * mirrored to it and judged, what of the agent's machine the model takes as its settings, and,
 * for fuzzing, its generator of calls (generator.h).
 */
#ifndef VS_VERIFY_BACKEND_H
#define VS_VERIFY_BACKEND_H

#include "generator.h"
#include "session.h"

struct VsBackend {
    /* ---- Its name and its agent ---- */
    const char *name;          /* "win32", "posix": what --backend takes */
    const char *agent;         /* the agent this build made (a path) */
    const char *agent_env;     /* the environment variable that may name another */
    const char *agent_x86;     /* the same agent as an x86 program, for x86 scenarios; NULL: none */
    const char *agent_x86_env; /* the environment variable that may name another */
    const char *launcher;      /* how the agent is started unless the user says: "none" (directly),
                                * or NULL: choose_launcher chooses */
    /* Chooses how the agent is started (its launcher's words into command->launcher) from want,
     * the user's --wine (NULL: the backend's choice, the newest Wine); FALSE with *why when there
     * is nothing here to start it with. NULL for a backend with a fixed launcher. */
    gboolean (*choose_launcher)(const char *want, VsAgentCommand *command, char **why);
    /* Why the agent cannot run here (not built, no launcher, a machine the model does not know),
     * or NULL. */
    char *(*unavailable)(const VsAgentCommand *command);
    /* Why a scenario for system (its 'system' line's architecture: "x64", "linux-x64", ...)
     * cannot be verified by this backend, or NULL. */
    const char *(*cannot_verify)(const char *system);

    /* ---- Sessions ---- */
    /* TRUE: an agent per scenario process, started at the process's first call (Win32). FALSE:
     * one agent for the whole scenario, started before it runs (its machine makes the model's
     * system), whose forked children stand for the processes fork makes (POSIX). */
    gboolean agent_per_process;
    /* Starts an agent and its session. sibling is another session of the same scenario, or NULL
     * for the first: what spans processes (Win32's process ids) is shared with it. */
    VsSession *(*start)(const VsAgentCommand *command, const VsKnownList *known, VsSession *sibling,
                        GError **error);
    void (*free)(VsSession *session);
    /* Starts the session of process, a scenario process made from the file image (process NAME
     * image="FILE"): host's agent, which holds the scenario's files, makes a real process from
     * the same file, suspended before its first instruction, and the calls made in process reach
     * it through its handle. NULL where the backend cannot (POSIX: the kernel's processes are
     * forked; the entry itself NULL). */
    VsSession *(*start_child)(VsSession *host, const char *image, VsProcess *process,
                              const VsKnownList *known, GError **error);
    /* Mirrors op, as thread ran it in the model with outcome model, to the process standing for
     * thread's process, compares and judges the differences; target (NULL: the caller's own) is
     * the session of the process the call acts on through a handle. Lines describing any
     * difference go to report (indented, without the call). FALSE with *error when the agent is
     * lost. */
    gboolean (*mirror)(VsSession *caller, VsSession *target, VsThread *thread, const VsOp *op,
                       const VsOutcome *model, VsJudgement *judgement, GString *report,
                       GError **error);

    /* ---- The machine ---- */
    /* Makes config what the agent's machine is where the model takes that as a setting (POSIX:
     * its file system's read-ahead and file placement, its CPU's execute-only memory, and the
     * transparent huge pages config asks for as far as the agent can give them); NULL when there
     * is nothing to make. */
    void (*configure)(VsSession *session, VsSystemConfig *config);
    /* The same as a scenario's 'system' options, for a reproducer (free it); NULL: none. */
    char *(*system_options)(const VsSession *session);

    /* ---- Fuzzing ---- */
    const VsGenerator *generator;
};

extern const VsBackend vs_backend_win32;
extern const VsBackend vs_backend_posix;

/* The backend called name ("win32", "posix"), or NULL. */
const VsBackend *vs_backend_named(const char *name);
/* The names of every backend, for messages: "win32 or posix" (free it). */
char *vs_backend_names(const char *more);

#endif /* VS_VERIFY_BACKEND_H */
