/*
 * step.c - vadsim step FILE: a scenario stepped interactively (cli.h). Enter runs the next step,
 * b goes back one (the model is deterministic, so going back replays from the start without
 * printing), a number jumps to that step, `show FORM [EXPR]` prints state with the expressions a
 * scenario file takes (the run's variables, constants, arithmetic), q quits.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "Enter: next step   b: back   N: go to step N   q: quit\n"
    "show FORM [EXPR]: a view now, EXPR as in the file (show pte p + 4K); forms: ";

static void print_help(void)
{
    GString *text = g_string_new(help);
    vs_show_forms_append(text);
    printf("%s\n", text->str);
    g_string_free(text, TRUE);
}

/* b, or a step number: replays silently to the start of that step, then runs it. */
static gboolean go_to(VsRunner *runner, const VsScript *script, const char *line,
                      gboolean *finished, GError **error)
{
    size_t current = vs_runner_step(runner);
    size_t target =
        line[0] == 'b' ? (current > 1 ? current - 1 : 0) : (size_t)g_ascii_strtoull(line, NULL, 10);
    if (target > script->steps) {
        printf("(there are %zu steps)\n", script->steps);
        return TRUE;
    }
    gboolean ok = vs_runner_goto_step(runner, target, error) &&
                  (target == 0 || vs_runner_run_step(runner, finished, error));
    if (target == 0)
        printf("(back at the start, before step 1)\n");
    *finished = FALSE;
    return ok;
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
        ok = go_to(runner, script, line, finished, &error);
    } else if (g_str_has_prefix(line, "show ")) {
        ok = vs_runner_show_line(runner, line, &error);
    } else {
        print_help();
    }
    fputs(out->str, stdout);
    g_string_truncate(out, 0);
    fflush(stdout);
    if (!ok) {
        vs_cli_error("%s", error->message);
        g_error_free(error);
    }
    return TRUE;
}

int vs_cli_step(int argc, char **argv)
{
    if (argc != 1) {
        vs_cli_error("vadsim step: give exactly one scenario file");
        return EXIT_USAGE;
    }
    GError *error = NULL;
    VsScript *script = vs_script_load(argv[0], &error);
    if (!script) {
        vs_cli_error("%s", error->message);
        g_error_free(error);
        return EXIT_USAGE;
    }
    g_autofree char *warnings = vs_diagnostics_text(&script->warnings, FALSE, argv[0]);
    if (warnings)
        vs_cli_error("%s", warnings);
    GString *out = g_string_new(NULL);
    VsRunner *runner = vs_runner_new(script, out, VS_RUN_EXPLAIN);
    gboolean finished = FALSE;
    printf("%s: %zu steps. Enter runs the next step; ? for help.\n", argv[0], script->steps);
    /* What comes before the first step (title, system, set-up) runs at once. */
    if (!vs_runner_goto_step(runner, 0, &error)) {
        vs_cli_error("%s", error->message);
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
