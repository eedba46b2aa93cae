/*
 * backend.c - the POSIX backend's table (backend.h): the kernel this runs on, through the POSIX
 * agent this build made, for linux-x64 scenarios.
 */
#include <string.h>

#include "posix.h"

#ifndef VS_POSIX_AGENT
#define VS_POSIX_AGENT "vadsim-agent-posix"
#endif

/* Why the agent's machine cannot be compared with the model (request.c's hello), or NULL: the
 * agent is started once to say. Any other trouble starting it is left to the run, which reports
 * it as an error. */
static char *machine_unknown(const VsAgentCommand *command)
{
    GError *error = NULL;
    VsSession *session = vs_posix_session_start(command, NULL, NULL, &error);
    vs_session_free(session);
    char *why = error && error->code == VS_AGENT_ERROR_MACHINE ? g_strdup(error->message) : NULL;
    g_clear_error(&error);
    return why;
}

static char *unavailable(const VsAgentCommand *command)
{
    if (!g_file_test(command->path, G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup_printf("the POSIX agent %s is not built (it is built on Linux only)",
                               command->path);
    char *missing = vs_agent_launcher_missing(command);
    return missing ? missing : machine_unknown(command);
}

static const char *cannot_verify(const char *system)
{
    if (strcmp(system, "linux-x64") != 0)
        return "the POSIX backend verifies Linux scenarios (system linux-x64); this one models "
               "Windows";
    return NULL;
}

const VsBackend vs_backend_posix = {
    .name = "posix",
    .agent = VS_POSIX_AGENT,
    .agent_env = "VADSIM_AGENT_POSIX",
    .launcher = "none",
    .unavailable = unavailable,
    .cannot_verify = cannot_verify,
    .agent_per_process = FALSE,
    .start = vs_posix_session_start,
    .free = vs_posix_session_free,
    .mirror = vs_posix_mirror,
    .configure = vs_posix_configure,
    .system_options = vs_posix_system_options,
    .generator = &vs_posix_generator,
};
