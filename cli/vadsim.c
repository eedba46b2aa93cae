/*
 * vadsim.c - the vadsim command: run, check and step through scenario files; verify and fuzz.
 *
 *   vadsim run FILE...      run each scenario, explaining every step (run.c)
 *   vadsim check PATH...    run quietly; one line per file and an "N passed, N failed" summary
 *   vadsim step FILE        step interactively: Enter next, b back, a number jumps, show ..., q
 *   vadsim verify PATH...   the model beside a real system (verify.c)
 *   vadsim fuzz             random sequences in both, shrunk to a .vsim on divergence (fuzz.c)
 *   vadsim agent            a backend's agent on this terminal, to ask the real system by hand
 *   vadsim --version        the version
 *
 * Exit status: 0 when every expectation holds, 1 when one fails or a scenario stops on a runtime
 * error, 2 on a usage error or a file with mistakes (every one of them is reported before
 * anything runs). Option parsing is GLib's; all model work goes through the scenario runner,
 * which reads the model only through vadsim.h.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const summary_text =
    "Commands:\n"
    "  run FILE...     run scenarios, explaining every step\n"
    "  check PATH...   run scenarios (files, or directories and the folders in them) quietly\n"
    "  step FILE       step through a scenario: Enter next, b back, N jump, show ..., q quit\n"
    "  verify PATH...  run scenarios in the model and in a real system side by side (Win32, or\n"
    "                  with --backend=posix this kernel); report divergences\n"
    "  fuzz            random call sequences in the model and a real system; shrink what\n"
    "                  diverges\n"
    "  agent           a real system's agent on this terminal (Win32 under the newest Wine, or\n"
    "                  --wine=N): type requests, read answers\n";

/* The views --show takes: those that need no argument. */
static gboolean check_show_forms(char **forms)
{
    for (char **name = forms; name && *name; name++) {
        const VsShowForm *form = vs_show_form(*name);
        if (!form || (form->argument != VS_SHOW_ARG_NONE && form->argument != VS_SHOW_ARG_FRAME)) {
            GString *allowed = g_string_new(NULL);
            for (size_t i = 0; i < vs_show_form_count(); i++) {
                const VsShowForm *f = vs_show_form_at(i);
                if (f->argument == VS_SHOW_ARG_NONE || f->argument == VS_SHOW_ARG_FRAME)
                    g_string_append_printf(allowed, "%s%s", allowed->len ? ", " : "", f->name);
            }
            vs_cli_error("vadsim run: --show takes %s, not '%s'", allowed->str, *name);
            g_string_free(allowed, TRUE);
            return FALSE;
        }
    }
    return TRUE;
}

static int command_run(int argc, char **argv, VsCliRunOptions *o)
{
    if (argc < 1) {
        vs_cli_error("vadsim run: no scenario file given");
        return EXIT_USAGE;
    }
    if (!check_show_forms(o->show_forms))
        return EXIT_USAGE;
    if (o->dot_path && argc > 1) {
        vs_cli_error("vadsim run: --dot writes one file: give one scenario with it");
        return EXIT_USAGE;
    }
    int status = EXIT_PASS;
    for (int i = 0; i < argc; i++) {
        FileResult r = vs_cli_run_file(argv[i], o);
        status = MAX(status, r.exit_code);
        g_free(r.headline);
    }
    return status;
}

static int command_check(int argc, char **argv, VsCliRunOptions *o)
{
    (void)o;
    return vs_cli_check(argc, argv);
}

static int command_step(int argc, char **argv, VsCliRunOptions *o)
{
    (void)o;
    return vs_cli_step(argc, argv);
}

/* Splits --show=vad,address into its forms. */
static gboolean parse_show(const char *name, const char *value, gpointer data, GError **error)
{
    VsCliRunOptions *o = data;
    (void)name;
    (void)error;
    g_strfreev(o->show_forms);
    o->show_forms = g_strsplit(value, ",", -1);
    return TRUE;
}

typedef struct Command {
    const char *name;
    const char *usage;
    int (*fn)(int, char **, VsCliRunOptions *);
    gboolean takes_run_options;
} Command;

static const Command commands[] = {
    {"run", "FILE... - run scenarios, explaining every step", command_run, TRUE},
    {"check", "PATH... - run scenarios quietly; a line per file", command_check, FALSE},
    {"step", "FILE - step through a scenario interactively", command_step, FALSE},
};

/* Runs a command with its own options (and --help): run has the run options. */
static int run_command(const Command *command, int argc, char **argv)
{
    VsCliRunOptions options = {.verbosity = VS_RUN_EXPLAIN, .print = TRUE};
    gboolean json = FALSE;
    char *dot_path = NULL;
    GOptionEntry run_entries[] = {
        {"show", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)(void *)parse_show,
         "After every step also print these views (vad, address, summary, commit, pfn, ws; "
         "maps and smaps for Linux)",
         "FORM,..."},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         "Print one JSON object per line: a header, then every step, statement, event, view and "
         "expectation",
         NULL},
        {"dot", 0, 0, G_OPTION_ARG_FILENAME, &dot_path,
         "Write the VAD tree after every step to FILE, a Graphviz digraph per step", "FILE"},
        G_OPTION_ENTRY_NULL,
    };
    g_autofree char *prgname = g_strdup_printf("vadsim %s", command->name);
    g_set_prgname(prgname);
    GOptionContext *context = g_option_context_new(command->usage);
    if (command->takes_run_options) {
        GOptionGroup *group =
            g_option_group_new("run", "Run options", "Run options", &options, NULL);
        g_option_group_add_entries(group, run_entries);
        g_option_context_set_main_group(context, group);
    }
    GError *error = NULL;
    int status = EXIT_USAGE;
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        vs_cli_error("vadsim %s: %s", command->name, error->message);
        g_error_free(error);
    } else {
        if (json)
            options.verbosity = VS_RUN_JSON;
        options.dot_path = dot_path;
        status = command->fn(argc - 1, argv + 1, &options);
    }
    g_option_context_free(context);
    g_strfreev(options.show_forms);
    g_free(dot_path);
    return status;
}

int main(int argc, char **argv)
{
    gboolean version = FALSE;
    GOptionEntry entries[] = {
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
        G_OPTION_ENTRY_NULL,
    };
    /* verify, fuzz and agent have options of their own. */
    if (argc >= 2 && strcmp(argv[1], "agent") == 0)
        return vs_cli_agent(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return vs_cli_verify(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "fuzz") == 0)
        return vs_cli_fuzz(argc - 1, argv + 1);
    GOptionContext *context =
        g_option_context_new("COMMAND [ARGS...] - the vadsim scenario runner");
    g_option_context_set_summary(context, summary_text);
    g_option_context_add_main_entries(context, entries, NULL);
    g_option_context_set_strict_posix(context, TRUE); /* options after COMMAND belong to it */
    GError *error = NULL;
    int status = EXIT_USAGE;
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        vs_cli_error("vadsim: %s", error->message);
        g_error_free(error);
    } else if (version) {
        printf("vadsim %s\n", VS_VERSION);
        status = EXIT_PASS;
    } else if (argc < 2) {
        g_autofree char *text = g_option_context_get_help(context, TRUE, NULL);
        vs_cli_error("%s", text);
    } else {
        size_t i = 0;
        while (i < G_N_ELEMENTS(commands) && strcmp(commands[i].name, argv[1]) != 0)
            i++;
        if (i == G_N_ELEMENTS(commands))
            vs_cli_error("vadsim: unknown command '%s' (run, check, step, verify, fuzz or agent; "
                         "see --help)",
                         argv[1]);
        else
            status = run_command(&commands[i], argc - 1, argv + 1);
    }
    g_option_context_free(context);
    return status;
}
