/*
 * agent.c - vadsim agent: a backend's agent on this terminal, started as verify and fuzz start it.
 *
 *   vadsim agent [--backend=win32|posix] [--wine=VERSION] [--agent=EXE] [--launcher=CMD]
 *
 * The agent reads requests on standard input and answers on standard output, in the line
 * protocol of docs/verification.md: type `hello`, then calls, then `quit`. It is how one asks a
 * real system a question by hand, and how the agents' own tests reach each Wine
 * (tests/test_agent_win32.sh). Exit status: the agent's, or 77 when it cannot run here (reported
 * as SKIP, with the reason), 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L /* execvp */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

/* Replaces this process with the agent under its launcher; returns only when that fails. */
static int run_agent(const VsAgentCommand *agent)
{
    GStrvBuilder *builder = g_strv_builder_new();
    if (agent->launcher)
        g_strv_builder_addv(builder, (const char **)agent->launcher);
    g_strv_builder_add(builder, agent->path);
    g_auto(GStrv) argv = g_strv_builder_end(builder);
    g_strv_builder_unref(builder);
    if (!g_getenv("WINEDEBUG"))
        g_setenv("WINEDEBUG", "-all", TRUE); /* as verify and fuzz run it */
    fflush(stdout);
    execvp(argv[0], argv);
    fprintf(stderr, "vadsim agent: cannot start %s: %s\n", argv[0], g_strerror(errno));
    return EXIT_FAIL;
}

int vs_cli_agent(int argc, char **argv)
{
    VsCliBackendOptions o = {0};
    GOptionEntry own[] = {G_OPTION_ENTRY_NULL};
    VsAgentCommand agent = {0};
    VsKnownList known = {0};
    char *unavailable = NULL;
    int status = EXIT_USAGE;
    if (!vs_cli_parse_options("- a backend's agent on this terminal: type its requests", own, &o,
                              &argc, &argv) ||
        !vs_cli_prepare("agent", &o, &agent, &known))
        goto out;
    if (argc > 1 || o.model_only) {
        fprintf(stderr, "vadsim agent: %s\n",
                argc > 1 ? "takes no arguments" : "the model alone has no agent");
        goto out;
    }
    unavailable = vs_cli_unavailable(&o, &agent);
    if (unavailable) {
        printf("SKIP agent of %s: %s\n", o.kind->name, unavailable);
        status = EXIT_SKIPPED;
        goto out;
    }
    status = run_agent(&agent);
out:
    g_free(unavailable);
    vs_cli_agent_command_free(&agent);
    vs_known_clear(&known);
    vs_cli_backend_options_free(&o);
    return status;
}
