/*
 * backend.c - the Win32 backend's table (backend.h): real Win32 through vadsim-agent.exe, under
 * Wine (the newest here unless --wine names one: wine.h) or natively on Windows, for x64
 * scenarios.
 */
#include <string.h>

#include "win32.h"
#include "wine.h"

#ifndef VS_WIN32_AGENT
#define VS_WIN32_AGENT "vadsim-agent.exe"
#endif

static char *unavailable(const VsAgentCommand *command)
{
    if (!g_file_test(command->path, G_FILE_TEST_EXISTS))
        return g_strdup_printf("the agent %s is not built (it needs x86_64-w64-mingw32-gcc)",
                               command->path);
    return vs_agent_launcher_missing(command);
}

/* The Wine want names (a version or a path), or the newest here. */
static gboolean choose_wine(const char *want, VsAgentCommand *command, char **why)
{
    GError *error = NULL;
    VsWine *wine = want ? vs_wine_find(want, &error) : vs_wine_newest();
    if (!wine) {
        *why = error ? g_strdup(error->message)
                     : g_strdup("no Wine is installed here (scripts/bootstrap.sh installs "
                                "Debian's, and Wine 10 in a root of its own)");
        g_clear_error(&error);
        return FALSE;
    }
    command->launcher = g_strdupv(wine->launcher);
    vs_wine_free(wine);
    return TRUE;
}

/* The agent is an x64 process. */
static const char *cannot_verify(const char *system)
{
    if (strcmp(system, "linux-x64") == 0)
        return "a Linux scenario (system linux-x64): verify it with --backend=posix";
    if (g_str_has_prefix(system, "x86"))
        return "an x86 scenario models native 32-bit Windows (one 32-bit ntdll, the PEB at "
               "0x7FFDF000, 2 or 3 GB of user space); where the agent runs, a 32-bit process is "
               "a WoW64 process of an x64 system, with a 64-bit ntdll, PEB and TEB beside its "
               "own (docs/verification.md)";
    if (strcmp(system, "x64") != 0)
        return "the Win32 agent is an x64 process; this scenario models another architecture";
    return NULL;
}

const VsBackend vs_backend_win32 = {
    .name = "win32",
    .agent = VS_WIN32_AGENT,
    .agent_env = "VADSIM_AGENT",
    .launcher = NULL,
    .choose_launcher = choose_wine,
    .unavailable = unavailable,
    .cannot_verify = cannot_verify,
    .agent_per_process = TRUE,
    .start = vs_win32_session_start,
    .free = vs_win32_session_free,
    .start_child = vs_win32_child_start,
    .mirror = vs_win32_mirror,
    .generator = &vs_win32_generator,
};
