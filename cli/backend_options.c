/*
 * backend_options.c - the options vadsim verify and vadsim fuzz share: which backend, where its
 * agent is, how to start it, and the known-divergence list (cli.h).
 *
 * With --backend=win32 (the default) the Win32 agent starts under the newest Wine here, or the
 * one --wine names (verify/win32/wine.h); --launcher=none runs the .exe directly, as WSL can on
 * Windows, and any other command, such as "ssh host", runs it elsewhere. With --backend=posix the
 * POSIX agent this build made (or $VADSIM_AGENT_POSIX, or --agent) starts directly, and Linux
 * scenarios are compared with the kernel the command runs on. The defaults are each backend's
 * table's (verify/backend.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef VS_DATADIR
#define VS_DATADIR "/usr/local/share/vadsim"
#endif
#define KNOWN_LIST "known-divergences.ini"

#define BACKEND_ENTRIES 7

static void backend_entries(VsCliBackendOptions *o, GOptionEntry entries[BACKEND_ENTRIES])
{
    GOptionEntry list[BACKEND_ENTRIES] = {
        {"backend", 0, 0, G_OPTION_ARG_STRING, &o->backend,
         "The real system to compare with: win32 (the default) or posix (this kernel, for Linux "
         "scenarios); fuzz also takes model (alone)",
         "NAME"},
        {"agent", 0, 0, G_OPTION_ARG_FILENAME, &o->agent,
         "The agent (default: $VADSIM_AGENT, or for posix $VADSIM_AGENT_POSIX; else the one this "
         "build made); fuzz also takes none (the model alone, with the backend's calls)",
         "EXE"},
        {"agent-x86", 0, 0, G_OPTION_ARG_FILENAME, &o->agent_x86,
         "The x86 agent, for scenarios of x86 processes (default: $VADSIM_AGENT_X86; else the one "
         "this build made)",
         "EXE"},
        {"wine", 0, 0, G_OPTION_ARG_STRING, &o->wine,
         "The Wine to run the Win32 agent under: a version (8, 10) or a path (a root's folder, "
         "a wine program); default: the newest here",
         "VERSION"},
        {"launcher", 0, 0, G_OPTION_ARG_STRING, &o->launcher,
         "How to run the agent instead: none (directly: the default for posix, and on Windows "
         "through WSL), or a command such as 'ssh host'",
         "CMD"},
        {"known", 0, 0, G_OPTION_ARG_FILENAME, &o->known,
         "The reviewed known-divergence list (default: the one beside this build, or the "
         "installed one)",
         "FILE"},
        G_OPTION_ENTRY_NULL,
    };
    memcpy(entries, list, sizeof list);
}

void vs_cli_backend_options_free(VsCliBackendOptions *o)
{
    g_free(o->backend);
    g_free(o->agent);
    g_free(o->agent_x86);
    g_free(o->launcher);
    g_free(o->wine);
    g_free(o->known);
    g_free(o->unavailable);
}

/* Which backend o names (a table), and for fuzz whether the model runs alone (o->model_only):
 * --backend=model (with the Win32 backend's calls) or --agent=none (with the backend's calls).
 * FALSE after saying why for a name there is no backend of. */
static gboolean choose_backend(const char *command, VsCliBackendOptions *o)
{
    gboolean fuzz = strcmp(command, "fuzz") == 0;
    gboolean model = o->backend && strcmp(o->backend, "model") == 0;
    gboolean no_agent = o->agent && strcmp(o->agent, "none") == 0;
    if (no_agent && !fuzz) {
        fprintf(stderr, "vadsim %s: --agent=none runs the model alone, which only fuzz does\n",
                command);
        return FALSE;
    }
    o->model_only = fuzz && (model || no_agent);
    o->kind =
        fuzz && model ? &vs_backend_win32 : vs_backend_named(o->backend ? o->backend : "win32");
    if (!o->kind) {
        g_autofree char *names = vs_backend_names(fuzz ? "model" : NULL);
        fprintf(stderr, "vadsim %s: --backend takes %s, not '%s'\n", command, names, o->backend);
        return FALSE;
    }
    return TRUE;
}

/* Where the command looks for the reviewed list when --known names none: beside its build (the
 * copy verify/meson.build puts there), then in the data dir it is installed with (beside the
 * installed command, or where it was configured to go). NULL if in none. */
static char *find_known_list(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = exe ? g_path_get_dirname(exe) : NULL;
    char *places[] = {
        dir ? g_build_filename(dir, "..", "verify", KNOWN_LIST, NULL) : NULL,
        dir ? g_build_filename(dir, "..", "share", "vadsim", KNOWN_LIST, NULL) : NULL,
        g_build_filename(VS_DATADIR, KNOWN_LIST, NULL),
    };
    char *found = NULL;
    for (guint i = 0; i < G_N_ELEMENTS(places); i++) {
        if (!found && places[i] && g_file_test(places[i], G_FILE_TEST_IS_REGULAR))
            found = g_steal_pointer(&places[i]);
        g_free(places[i]);
    }
    return found;
}

/* The agent's launcher: --launcher's words, or the backend's choice (a Wine, the one --wine
 * names); FALSE after saying why on a usage error. Nothing to launch with here is not one: it
 * goes to o->unavailable. */
static gboolean choose_launcher(const char *command, VsCliBackendOptions *o, VsAgentCommand *agent)
{
    agent->launcher = NULL;
    if (o->wine && (o->launcher || !o->kind->choose_launcher)) {
        fprintf(stderr, "vadsim %s: --wine chooses the Win32 agent's launcher: %s\n", command,
                o->launcher ? "give it or --launcher, not both" : "use it with --backend=win32");
        return FALSE;
    }
    const char *launcher = o->launcher ? o->launcher : o->kind->launcher;
    if (!launcher) {
        if (!o->model_only)
            o->kind->choose_launcher(o->wine, agent, &o->unavailable);
        return TRUE;
    }
    GError *error = NULL;
    if (*launcher && strcmp(launcher, "none") != 0 &&
        !g_shell_parse_argv(launcher, NULL, &agent->launcher, &error)) {
        fprintf(stderr, "vadsim %s: --launcher: %s\n", command, error->message);
        g_error_free(error);
        return FALSE;
    }
    return TRUE;
}

gboolean vs_cli_prepare(const char *command, VsCliBackendOptions *o, VsAgentCommand *agent,
                        VsKnownList *known)
{
    if (!choose_backend(command, o))
        return FALSE;
    const char *env = g_getenv(o->kind->agent_env);
    agent->path = g_strdup(o->agent ? o->agent : env && *env ? env : o->kind->agent);
    const char *env_x86 = o->kind->agent_x86_env ? g_getenv(o->kind->agent_x86_env) : NULL;
    agent->path_x86 = g_strdup(o->agent_x86          ? o->agent_x86
                               : env_x86 && *env_x86 ? env_x86
                                                     : o->kind->agent_x86);
    if (!choose_launcher(command, o, agent))
        return FALSE;
    g_autofree char *list = o->known ? g_strdup(o->known) : find_known_list();
    if (!list) {
        fprintf(stderr,
                "vadsim %s: no known-divergence list beside this build (../verify/" KNOWN_LIST
                ") or in %s; name one with --known\n",
                command, VS_DATADIR);
        return FALSE;
    }
    GError *error = NULL;
    if (!vs_known_load(known, list, &error)) {
        fprintf(stderr, "vadsim %s: %s\n", command, error->message);
        g_error_free(error);
        return FALSE;
    }
    return TRUE;
}

char *vs_cli_unavailable(const VsCliBackendOptions *o, const VsAgentCommand *agent)
{
    return o->unavailable ? g_strdup(o->unavailable) : o->kind->unavailable(agent);
}

void vs_cli_agent_command_free(VsAgentCommand *agent)
{
    g_strfreev(agent->launcher);
    g_free(agent->path);
    g_free(agent->path_x86);
}

gboolean vs_cli_parse_options(const char *usage, GOptionEntry *own, VsCliBackendOptions *o,
                              int *argc, char ***argv)
{
    g_autofree char *prgname = g_strdup_printf("vadsim %s", (*argv)[0]);
    g_set_prgname(prgname);
    GOptionContext *context = g_option_context_new(usage);
    g_option_context_add_main_entries(context, own, NULL);
    GOptionGroup *group =
        g_option_group_new("backend", "Backend options", "Backend options", NULL, NULL);
    GOptionEntry entries[BACKEND_ENTRIES];
    backend_entries(o, entries);
    g_option_group_add_entries(group, entries);
    g_option_context_add_group(context, group);
    GError *error = NULL;
    gboolean ok = g_option_context_parse(context, argc, argv, &error);
    if (!ok) {
        fprintf(stderr, "%s: %s\n", prgname, error->message);
        g_error_free(error);
    }
    g_option_context_free(context);
    return ok;
}
