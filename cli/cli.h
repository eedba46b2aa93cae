/*
 * cli.h - what the vadsim command's files share. Each file uses only those below it:
 *
 *   vadsim.c             main: the commands and their options
 *   check.c, step.c      vadsim check, vadsim step
 *   run.c                one scenario run (vadsim run, and each file vadsim check runs)
 *   verify.c, fuzz.c     vadsim verify, vadsim fuzz
 *   agent.c              vadsim agent: a backend's agent on this terminal
 *   backend_options.c    the options verify and fuzz share
 *   collect.c            the scenario files a command was given
 */
#ifndef VS_CLI_H
#define VS_CLI_H

#include <glib.h>

#include "agent.h"
#include "known.h"
#include "runner.h"
#include "verify.h"

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_SKIPPED = 77 };

#ifndef VS_VERSION
#define VS_VERSION "unknown"
#endif

/* Writes a line to stderr after flushing stdout, so that the two piped into one stream keep the
 * order they were written in (printf-style, without the newline). */
void vs_cli_error(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* run.c: what vadsim run (or check, quietly) does with a file beyond running it. */
typedef struct VsCliRunOptions {
    VsRunVerbosity verbosity;
    gboolean print;       /* write the run and every diagnostic (stdout, stderr) */
    gboolean warnings;    /* without print: still write the checker's warnings (check) */
    char **show_forms;    /* --show: views printed after every step */
    const char *dot_path; /* --dot: the VAD tree after every step, a digraph each */
    gboolean invariants;  /* the model's invariant checker after every statement (check) */
} VsCliRunOptions;

typedef struct FileResult {
    int exit_code;  /* EXIT_PASS, EXIT_FAIL (an expectation or a runtime error), EXIT_USAGE */
    char *headline; /* the first failure or error on one line (check's report), or NULL */
} FileResult;

/* Checks and runs one file as the options say. */
FileResult vs_cli_run_file(const char *path, const VsCliRunOptions *o);
/* vadsim check PATH... (check.c) and vadsim step FILE (step.c). */
int vs_cli_check(int argc, char **argv);
int vs_cli_step(int argc, char **argv);

/* collect.c: adds path, or the .vsim files of a directory and of the folders below it in name
 * order, to files; a directory that cannot be read is reported (as command's) and sets *status
 * to EXIT_USAGE. */
void vs_cli_collect(const char *command, const char *path, GPtrArray *files, int *status);

/* backend_options.c: the options verify and fuzz share: which backend, where the agent is, how
 * to start it, and the known-divergence list. */
typedef struct VsCliBackendOptions {
    char *backend;
    char *agent;
    char *agent_x86;
    char *launcher;
    char *wine;
    char *known;
    const VsBackend *kind; /* set by vs_cli_prepare: the backend's table */
    gboolean model_only;   /* set by vs_cli_prepare: fuzz --backend=model */
    char *unavailable;     /* set by vs_cli_prepare: why the backend has nothing to start its
                            * agent with here (the Wine asked for is not here), or NULL */
} VsCliBackendOptions;

/* Parses a command's own options and the backend ones; FALSE (after saying why) on a usage
 * error. argv[0] is the command's name. */
gboolean vs_cli_parse_options(const char *usage, GOptionEntry *own, VsCliBackendOptions *o,
                              int *argc, char ***argv);
/* Turns the options into an agent command and a loaded known list; FALSE after saying why. */
gboolean vs_cli_prepare(const char *command, VsCliBackendOptions *o, VsAgentCommand *agent,
                        VsKnownList *known);
void vs_cli_agent_command_free(VsAgentCommand *agent);
/* Why the prepared agent cannot run here (no Wine, the agent not built, ...), or NULL. Free it. */
char *vs_cli_unavailable(const VsCliBackendOptions *o, const VsAgentCommand *agent);
void vs_cli_backend_options_free(VsCliBackendOptions *o);

/* vadsim verify (verify.c) and vadsim fuzz (fuzz.c): argv[0] is the command's name; they parse
 * their own options. */
int vs_cli_verify(int argc, char **argv);
int vs_cli_fuzz(int argc, char **argv);
/* vadsim agent (agent.c), likewise. */
int vs_cli_agent(int argc, char **argv);

#endif /* VS_CLI_H */
