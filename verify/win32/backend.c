/*
 * backend.c - the Win32 backend's table (backend.h): real Win32 through vadsim-agent.exe, under
 * Wine (the newest here unless --wine names one: wine.h) or natively on Windows, for x64
 * scenarios, and through its x86 build (vadsim-agent-x86.exe) for x86 ones.
 */
#include <string.h>

#include "win32.h"
#include "wine.h"

#ifndef VS_WIN32_AGENT
#define VS_WIN32_AGENT "vadsim-agent.exe"
#endif
#ifndef VS_WIN32_AGENT_X86
#define VS_WIN32_AGENT_X86 "vadsim-agent-x86.exe"
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

/* The agent is an x64 process, and its x86 build a 32-bit one: under Wine (and on 64-bit
 * Windows) a WoW64 process, with 2 GB of user space as a program that is not large-address aware
 * has; the harness pairs its addresses with the model's native x86 ones (docs/verification.md). */
static const char *cannot_verify(const char *system)
{
    if (strcmp(system, "linux-x64") == 0)
        return "a Linux scenario (system linux-x64): verify it with --backend=posix";
    if (strcmp(system, "x86-3gb") == 0)
        return "an x86-3gb scenario models a large-address-aware process with 3 GB of user space; "
               "the x86 agent is not large-address aware, and where it runs as a WoW64 process "
               "such a program would get 4 GB (docs/verification.md)";
    if (strcmp(system, "x64") != 0 && strcmp(system, "x86") != 0)
        return "the Win32 agent is an x64 or x86 process; this scenario models another "
               "architecture";
    return NULL;
}

const VsBackend vs_backend_win32 = {
    .name = "win32",
    .agent = VS_WIN32_AGENT,
    .agent_env = "VADSIM_AGENT",
    .agent_x86 = VS_WIN32_AGENT_X86,
    .agent_x86_env = "VADSIM_AGENT_X86",
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
