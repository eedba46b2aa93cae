/*
 * cli.h - what the vadsim command's files share.
 */
#ifndef VS_CLI_H
#define VS_CLI_H

#include <glib.h>

#include "agent.h"
#include "known.h"
#include "verify.h"

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_SKIPPED = 77 };

/* Adds path, or the .vsim files of a directory in name order, to files; a directory that cannot
 * be read is reported (as command's) and sets *status to EXIT_USAGE. */
void vs_cli_collect(const char *command, const char *path, GPtrArray *files, int *status);

/* The options verify and fuzz share (verify.c): which backend, where the agent is, how to start
 * it, and the known-divergence list. */
typedef struct VsCliBackendOptions {
    char *backend;
    char *agent;
    char *launcher;
    char *known;
    const VsBackend *kind; /* set by vs_cli_prepare: the backend's table */
    gboolean model_only; /* set by vs_cli_prepare: fuzz --backend=model */
} VsCliBackendOptions;

/* Parses a command's own options and the backend ones; FALSE (after saying why) on a usage
 * error. argv[0] is the command's name. */
gboolean vs_cli_parse_options(const char *usage, GOptionEntry *own, VsCliBackendOptions *o,
                              int *argc, char ***argv);
/* Turns the options into an agent command and a loaded known list; FALSE after saying why. */
gboolean vs_cli_prepare(const char *command, VsCliBackendOptions *o, VsAgentCommand *agent,
                        VsKnownList *known);
void vs_cli_agent_command_free(VsAgentCommand *agent);
void vs_cli_backend_options_free(VsCliBackendOptions *o);

/* vadsim verify and vadsim fuzz: argv[0] is the command's name; they parse their own options. */
int vs_cli_verify(int argc, char **argv);
int vs_cli_fuzz(int argc, char **argv);

#endif /* VS_CLI_H */
