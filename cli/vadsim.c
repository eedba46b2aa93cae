/*
 * vadsim.c - the vadsim command: run, check and step through scenario files.
 *
 *   vadsim run FILE...      run each scenario, explaining every step
 *   vadsim check PATH...    run quietly; one line per file and an "N passed, N failed" summary
 *   vadsim step FILE        step interactively: Enter next, b back, a number jumps, show ..., q
 *   vadsim verify PATH...   the model beside a real system (verify.c)
 *   vadsim fuzz             random sequences in both, shrunk to a .vsim on divergence (fuzz.c)
 *   vadsim agent            a backend's agent on this terminal, to ask the real system by hand
 *
 * Exit status: 0 when every expectation holds, 1 when one fails or a scenario stops on a runtime
 * error, 2 on a usage or parse error. Option parsing is GLib's; all model work goes through the
 * scenario runner, which reads the model only through vadsim.h.
 */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid, strsignal */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "runner.h"

static const char *const summary_text =
    "Commands:\n"
    "  run FILE...     run scenarios, explaining every step\n"
    "  check PATH...   run scenarios (files or directories of .vsim files) quietly\n"
    "  step FILE       step through a scenario: Enter next, b back, N jump, show ..., q quit\n"
    "  verify PATH...  run scenarios in the model and in a real system side by side (Win32, or\n"
    "                  with --backend=posix this kernel); report divergences\n"
    "  fuzz            random call sequences in the model and a real system; shrink what\n"
    "                  diverges\n"
    "  agent           a real system's agent on this terminal (Win32 under the newest Wine, or\n"
    "                  --wine=N): type requests, read answers\n";

/* ---- Running one file ------------------------------------------------------------------------ */

/* What `vadsim run` was asked for beyond the narration. */
typedef struct RunOptions {
    VsRunVerbosity verbosity;
    gboolean print;       /* write the runner's output to stdout */
    char **show_forms;    /* --show: views printed after every step (vad, address, commit) */
    const char *dot_path; /* --dot: the final VAD tree as Graphviz */
} RunOptions;

typedef struct FileResult {
    int exit_code;
    char *first_problem; /* the first failure or error, for check's one-line report */
} FileResult;

/* Runs step by step so --show views can follow each step; output goes out as it is made. */
static gboolean run_steps(VsRunner *runner, GString *out, const RunOptions *o, GError **error)
{
    gboolean finished = FALSE;
    while (!finished) {
        if (!vs_runner_run_step(runner, &finished, error))
            return FALSE;
        for (char **form = o->show_forms; form && *form; form++) {
            if (o->verbosity == VS_RUN_EXPLAIN)
                g_string_append_printf(out, "   [--show %s]\n", *form);
            if (!vs_runner_show(runner, *form, 0, error))
                return FALSE;
        }
        if (o->print) {
            fputs(out->str, stdout);
            g_string_truncate(out, 0);
        }
    }
    return TRUE;
}

static gboolean write_dot(VsRunner *runner, const char *path, GError **error)
{
    GString *dot = g_string_new(NULL);
    vs_runner_write_dot(runner, dot);
    gboolean ok = g_file_set_contents(path, dot->str, (gssize)dot->len, error);
    g_string_free(dot, TRUE);
    return ok;
}

static FileResult run_file(const char *path, const RunOptions *o)
{
    FileResult result = {EXIT_PASS, NULL};
    GError *error = NULL;
    VsScript *script = vs_script_load(path, &error);
    if (!script) {
        result.exit_code = EXIT_USAGE;
        result.first_problem = g_strdup(error->message);
        g_error_free(error);
        return result;
    }
    GString *out = g_string_new(NULL);
    VsRunner *runner = vs_runner_new(script, out, o->verbosity);
    gboolean ok = run_steps(runner, out, o, &error) &&
                  (!o->dot_path || write_dot(runner, o->dot_path, &error));
    if (o->print)
        fputs(out->str, stdout);
    if (!ok) {
        result.exit_code = EXIT_FAIL;
        result.first_problem = g_strdup(error->message);
        g_error_free(error);
    } else if (vs_runner_failures(runner) > 0) {
        result.exit_code = EXIT_FAIL;
        result.first_problem = g_strdup(vs_runner_first_failure(runner));
    }
    if (o->print && ok && o->verbosity == VS_RUN_EXPLAIN)
        printf("\n%s: %zu expectation%s, %zu failed\n", path, vs_runner_expectations(runner),
               vs_runner_expectations(runner) == 1 ? "" : "s", vs_runner_failures(runner));
    vs_runner_free(runner);
    g_string_free(out, TRUE);
    vs_script_free(script);
    return result;
}

static int worst(int a, int b) { return a > b ? a : b; }

/* The views --show accepts: those that need no address. */
static gboolean check_show_forms(char **forms)
{
    static const char *const allowed[] = {"vad", "address", "summary", "commit"};
    for (char **form = forms; form && *form; form++) {
        if (!vs_diag_is_one_of(*form, allowed, G_N_ELEMENTS(allowed))) {
            fprintf(stderr, "vadsim run: --show takes vad, address, summary or commit, not '%s'\n",
                    *form);
            return FALSE;
        }
    }
    return TRUE;
}

static int command_run(int argc, char **argv, RunOptions *o)
{
    if (argc < 1) {
        fprintf(stderr, "vadsim run: no scenario file given\n");
        return EXIT_USAGE;
    }
    if (!check_show_forms(o->show_forms))
        return EXIT_USAGE;
    if (o->dot_path && argc > 1) {
        fprintf(stderr, "vadsim run: --dot writes one file: give one scenario with it\n");
        return EXIT_USAGE;
    }
    int status = EXIT_PASS;
    for (int i = 0; i < argc; i++) {
        FileResult r = run_file(argv[i], o);
        if (r.exit_code != EXIT_PASS && r.first_problem)
            fprintf(stderr, "%s\n", r.first_problem);
        status = worst(status, r.exit_code);
        g_free(r.first_problem);
    }
    return status;
}

/* ---- check ----------------------------------------------------------------------------------- */

static FileResult run_quietly(const char *path)
{
    RunOptions quiet = {.verbosity = VS_RUN_QUIET};
    return run_file(path, &quiet);
}

/* Reads what a child writes to fd until it closes its end. */
static char *read_all(int fd)
{
    GString *text = g_string_new(NULL);
    char buffer[4096];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n > 0)
            g_string_append_len(text, buffer, n);
        else if (n == 0 || errno != EINTR)
            break;
    }
    return g_string_free(text, FALSE);
}

/* The child's side: runs the file and hands its first problem to the parent through fd. Exits
 * through exit() so that, in a sanitizer build, the leak checker still looks at the run. */
static void check_in_child(const char *path, int fd)
{
    FileResult r = run_quietly(path);
    for (size_t done = 0, length = r.first_problem ? strlen(r.first_problem) : 0; done < length;) {
        ssize_t n = write(fd, r.first_problem + done, length - done);
        if (n < 0 && errno != EINTR)
            break;
        done += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    g_free(r.first_problem);
    exit(r.exit_code);
}

/* Checks one file in a child process of its own, so that a file that crashes vadsim (a bug in
 * the model or the runner) is reported by name, with the signal, and the files after it still
 * run. Where no child can be made, the file runs here. */
static FileResult check_file(const char *path)
{
    int fds[2];
    fflush(stdout); /* or the child's exit would write the parent's buffered lines again */
    if (pipe(fds) != 0)
        return run_quietly(path);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        check_in_child(path, fds[1]);
    }
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return run_quietly(path);
    }
    close(fds[1]);
    FileResult result = {EXIT_FAIL, read_all(fds[0])};
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    gboolean said = result.first_problem[0] != '\0';
    if (WIFSIGNALED(status)) {
        g_free(result.first_problem);
        result.first_problem = g_strdup_printf("vadsim crashed running it: signal %d (%s)",
                                               WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (WEXITSTATUS(status) != EXIT_PASS && !said) {
        /* every failure has its words: a child that ends without them was stopped (a sanitizer
         * exits with 1 after writing its report to stderr) */
        g_free(result.first_problem);
        result.first_problem = g_strdup_printf("vadsim crashed running it: exit status %d with "
                                               "no report of its own",
                                               WEXITSTATUS(status));
    } else {
        result.exit_code = WEXITSTATUS(status);
        if (!said)
            g_clear_pointer(&result.first_problem, g_free);
    }
    return result;
}

static int command_check(int argc, char **argv, RunOptions *o)
{
    (void)o;
    if (argc < 1) {
        fprintf(stderr, "vadsim check: no file or directory given\n");
        return EXIT_USAGE;
    }
    int status = EXIT_PASS;
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < argc; i++)
        vs_cli_collect("check", argv[i], files, &status);
    size_t passed = 0, failed = 0;
    for (guint i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        FileResult r = check_file(path);
        if (r.exit_code == EXIT_PASS) {
            printf("PASS %s\n", path);
            passed++;
        } else {
            /* One line: the first line of the first problem. */
            char *newline = r.first_problem ? strchr(r.first_problem, '\n') : NULL;
            if (newline)
                *newline = '\0';
            printf("FAIL %s: %s\n", path, r.first_problem ? r.first_problem : "failed");
            failed++;
        }
        status = worst(status, r.exit_code);
        g_free(r.first_problem);
    }
    printf("%zu passed, %zu failed\n", passed, failed);
    g_ptr_array_free(files, TRUE);
    return status;
}

/* ---- step ------------------------------------------------------------------------------------ */

static void print_and_clear(GString *out)
{
    fputs(out->str, stdout);
    g_string_truncate(out, 0);
    fflush(stdout);
}

/* Handles one command line typed at the step prompt. FALSE to quit. */
static gboolean step_command(VsRunner *runner, const VsScript *script, GString *out,
                             const char *line, gboolean *finished)
{
    GError *error = NULL;
    gboolean ok = TRUE;
    if (strcmp(line, "q") == 0)
        return FALSE;
    if (line[0] == '\0') {
        if (*finished)
            printf("(the scenario has ended: b goes back, q quits)\n");
        else
            ok = vs_runner_run_step(runner, finished, &error);
    } else if (strcmp(line, "b") == 0 || g_ascii_isdigit(line[0])) {
        size_t current = vs_runner_step(runner);
        size_t target = line[0] == 'b' ? (current > 1 ? current - 1 : 0)
                                       : (size_t)g_ascii_strtoull(line, NULL, 10);
        if (target > script->steps) {
            printf("(there are %zu steps)\n", script->steps);
        } else {
            ok = vs_runner_goto_step(runner, target, &error) &&
                 (target == 0 || vs_runner_run_step(runner, finished, &error));
            if (target == 0)
                printf("(back at the start, before step 1)\n");
            *finished = FALSE;
        }
    } else if (g_str_has_prefix(line, "show ")) {
        g_autofree char *text = g_strdup_printf("%s\n", line);
        VsScript *one = vs_script_parse("(prompt)", text, strlen(text), &error);
        if (one && one->count == 1 && one->stmts[0].kind == VS_STMT_SHOW) {
            /* Addresses typed at the prompt are plain numbers. */
            uint64_t address = one->stmts[0].expr ? one->stmts[0].expr->value : 0;
            ok = vs_runner_show(runner, one->stmts[0].text, address, &error);
        }
        vs_script_free(one);
    } else {
        printf("Enter: next step   b: back   N: go to step N   show vad|address|summary|commit|"
               "ws|pfn [N]|query ADDR|pte ADDR|section H   q: quit\n");
    }
    print_and_clear(out);
    if (!ok) {
        fprintf(stderr, "%s\n", error->message);
        g_error_free(error);
    }
    return TRUE;
}

static int command_step(int argc, char **argv, RunOptions *o)
{
    (void)o;
    if (argc != 1) {
        fprintf(stderr, "vadsim step: give exactly one scenario file\n");
        return EXIT_USAGE;
    }
    GError *error = NULL;
    VsScript *script = vs_script_load(argv[0], &error);
    if (!script) {
        fprintf(stderr, "%s\n", error->message);
        g_error_free(error);
        return EXIT_USAGE;
    }
    GString *out = g_string_new(NULL);
    VsRunner *runner = vs_runner_new(script, out, VS_RUN_EXPLAIN);
    gboolean finished = FALSE;
    printf("%s: %zu steps. Enter runs the next step; ? for help.\n", argv[0], script->steps);
    /* What comes before the first step (title, system, set-up) runs at once. */
    if (!vs_runner_goto_step(runner, 0, &error)) {
        fprintf(stderr, "%s\n", error->message);
        g_clear_error(&error);
    }
    char line[512];
    while (TRUE) {
        printf("[step %zu/%zu] ", vs_runner_step(runner), script->steps);
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin))
            break;
        line[strcspn(line, "\r\n")] = '\0';
        if (!step_command(runner, script, out, g_strstrip(line), &finished))
            break;
    }
    int status = vs_runner_failures(runner) ? EXIT_FAIL : EXIT_PASS;
    vs_runner_free(runner);
    g_string_free(out, TRUE);
    vs_script_free(script);
    return status;
}

/* ---- main ------------------------------------------------------------------------------------ */

/* Splits --show=vad,address into its forms. */
static gboolean parse_show(const char *name, const char *value, gpointer data, GError **error)
{
    RunOptions *o = data;
    (void)name;
    (void)error;
    g_strfreev(o->show_forms);
    o->show_forms = g_strsplit(value, ",", -1);
    return TRUE;
}

static void json_verbosity(RunOptions *o, gboolean json)
{
    if (json)
        o->verbosity = VS_RUN_JSON;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        const char *usage;
        int (*fn)(int, char **, RunOptions *);
        gboolean takes_run_options;
    } commands[] = {
        {"run", "FILE... - run scenarios, explaining every step", command_run, TRUE},
        {"check", "PATH... - run scenarios quietly; a line per file", command_check, FALSE},
        {"step", "FILE - step through a scenario interactively", command_step, FALSE},
    };
    RunOptions options = {.verbosity = VS_RUN_EXPLAIN, .print = TRUE};
    gboolean json = FALSE;
    char *dot_path = NULL;
    GOptionEntry run_entries[] = {
        {"show", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)(void *)parse_show,
         "After every step also print these views: vad, address, summary, commit", "FORM,..."},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         "Print one JSON object per line for every step, statement, event and expectation", NULL},
        {"dot", 0, 0, G_OPTION_ARG_FILENAME, &dot_path,
         "Write the final VAD tree as Graphviz to FILE (colored by VAD kind)", "FILE"},
        G_OPTION_ENTRY_NULL,
    };
    /* verify and fuzz have options of their own. */
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return vs_cli_verify(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "fuzz") == 0)
        return vs_cli_fuzz(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "agent") == 0)
        return vs_cli_agent(argc - 1, argv + 1);
    GOptionContext *context =
        g_option_context_new("COMMAND [ARGS...] - the vadsim scenario runner");
    g_option_context_set_summary(context, summary_text);
    g_option_context_set_strict_posix(context, TRUE); /* options after COMMAND belong to it */
    GError *error = NULL;
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        fprintf(stderr, "vadsim: %s\n", error->message);
        g_error_free(error);
        g_option_context_free(context);
        return EXIT_USAGE;
    }
    int status = EXIT_USAGE;
    if (argc < 2) {
        g_autofree char *help = g_option_context_get_help(context, TRUE, NULL);
        fprintf(stderr, "%s", help);
    } else {
        size_t i = 0;
        while (i < G_N_ELEMENTS(commands) && strcmp(commands[i].name, argv[1]) != 0)
            i++;
        if (i == G_N_ELEMENTS(commands)) {
            fprintf(stderr,
                    "vadsim: unknown command '%s' (run, check, step, verify, fuzz or agent; "
                    "see --help)\n",
                    argv[1]);
        } else {
            /* Each command takes its own --help (and run its own options). */
            g_autofree char *prgname = g_strdup_printf("vadsim %s", commands[i].name);
            g_set_prgname(prgname);
            GOptionContext *sub = g_option_context_new(commands[i].usage);
            if (commands[i].takes_run_options) {
                GOptionGroup *group =
                    g_option_group_new("run", "Run options", "Run options", &options, NULL);
                g_option_group_add_entries(group, run_entries);
                g_option_context_set_main_group(sub, group);
            }
            int sub_argc = argc - 1;
            char **sub_argv = argv + 1;
            if (!g_option_context_parse(sub, &sub_argc, &sub_argv, &error)) {
                fprintf(stderr, "vadsim %s: %s\n", commands[i].name, error->message);
                g_error_free(error);
            } else {
                json_verbosity(&options, json);
                options.dot_path = dot_path;
                status = commands[i].fn(sub_argc - 1, sub_argv + 1, &options);
            }
            g_option_context_free(sub);
        }
    }
    g_strfreev(options.show_forms);
    g_free(dot_path);
    g_option_context_free(context);
    return status;
}
