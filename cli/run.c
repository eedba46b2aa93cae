/*
 * run.c - one scenario file run as vadsim run and vadsim check run it (cli.h): checked whole
 * first, every mistake and warning reported in the compiler's format (or as JSON records), then
 * run step by step with the views --show asks for after each step and, with --dot, its VAD tree
 * as a digraph per step.
 *
 * stdout carries the run and stderr what went wrong; each error is written after stdout is
 * flushed, so the two piped into one stream keep the order they were made in. With --json
 * everything, errors too, is a JSON record on stdout: a header naming the file, then the run.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runner.h"

void vs_cli_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fflush(stdout);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    fflush(stderr);
    va_end(args);
}

/* Writes what the runner said so far, and empties it. */
static void flush_out(GString *out)
{
    fputs(out->str, stdout);
    g_string_truncate(out, 0);
}

/* The first line of text, with how many errors there were when more than one, for check. */
static char *headline(const char *text, size_t errors)
{
    const char *newline = strchr(text, '\n');
    int length = newline ? (int)(newline - text) : (int)strlen(text);
    if (errors > 1)
        return g_strdup_printf("%.*s (and %zu more error%s)", length, text, errors - 1,
                               errors == 2 ? "" : "s");
    return g_strdup_printf("%.*s", length, text);
}

/* What the checker found: the header and its records in JSON, all of it on stderr when the run
 * is printed, only the warnings when it is not (check). */
static void report_check(const char *path, const VsScript *script, const VsDiagnostics *diags,
                         const GError *error, const VsCliRunOptions *o)
{
    if (o->verbosity == VS_RUN_JSON) {
        GString *json = g_string_new(NULL);
        vs_json_header(json, path, script, VS_VERSION);
        vs_json_diagnostics(json, path, diags);
        if (!script && !diags->errors)
            vs_json_run_error(json, path, error->message); /* the file could not be read */
        flush_out(json);
        g_string_free(json, TRUE);
        return;
    }
    g_autofree char *text = vs_diagnostics_text(diags, FALSE, path);
    if (!script && !diags->errors && o->print)
        vs_cli_error("%s", error->message);
    else if (text && (o->print || (o->warnings && script)))
        vs_cli_error("%s", text);
}

/* The --show forms a file's system has; FALSE after saying which it lacks. */
static gboolean show_forms_fit(const char *path, const VsScript *script, const VsCliRunOptions *o)
{
    for (char **name = o->show_forms; name && *name; name++) {
        g_autofree char *why = NULL;
        if (!vs_show_form_in_system(vs_show_form(*name), script->system,
                                    script->config.personality != NULL, &why)) {
            vs_cli_error("%s: error: --show=%s: %s", path, *name, why);
            return FALSE;
        }
    }
    return TRUE;
}

/* Runs step by step, so that the --show views and the --dot graph follow each step, and writes
 * what each step said as soon as it is said. */
static gboolean run_steps(VsRunner *runner, GString *out, GString *dot, const VsCliRunOptions *o,
                          GError **error)
{
    gboolean finished = FALSE;
    while (!finished) {
        if (!vs_runner_run_step(runner, &finished, error))
            return FALSE;
        for (char **form = o->show_forms; form && *form; form++) {
            if (o->verbosity == VS_RUN_EXPLAIN)
                g_string_append_printf(out, "   [--show %s]\n", *form);
            if (!vs_runner_show(runner, *form, VS_SHOW_NO_ARGUMENT, error))
                return FALSE;
        }
        if (dot && vs_runner_system(runner))
            vs_runner_write_dot(runner, dot);
        if (o->print)
            flush_out(out);
    }
    return TRUE;
}

/* After the run: its count of expectations, or a JSON record of it. */
static void report_result(const char *path, size_t expectations, size_t failed, int exit_code,
                          const VsCliRunOptions *o)
{
    if (o->verbosity == VS_RUN_JSON)
        printf("{\"type\":\"result\",\"expectations\":%zu,\"failed\":%zu,\"exit\":%d}\n",
               expectations, failed, exit_code);
    else if (o->verbosity == VS_RUN_EXPLAIN && exit_code != EXIT_USAGE)
        printf("\n%s: %zu expectation%s, %zu failed\n", path, expectations,
               expectations == 1 ? "" : "s", failed);
}

/* Runs a checked script: its output as it is made, then what stopped it or failed first. */
static FileResult run_script(const char *path, const VsScript *script, const VsCliRunOptions *o)
{
    FileResult result = {EXIT_PASS, NULL};
    GError *error = NULL;
    GString *out = g_string_new(NULL), *dot = o->dot_path ? g_string_new(NULL) : NULL;
    VsRunner *runner = vs_runner_new(script, out, o->verbosity);
    vs_runner_set_invariants(runner, o->invariants);
    gboolean ok = run_steps(runner, out, dot, o, &error);
    if (o->print)
        flush_out(out);
    if (ok && dot)
        ok = g_file_set_contents(o->dot_path, dot->str, (gssize)dot->len, &error);
    if (!ok) {
        result.exit_code = EXIT_FAIL;
        result.headline = headline(error->message, 0);
        if (o->verbosity == VS_RUN_JSON) {
            vs_json_run_error(out, path, error->message);
            flush_out(out);
        } else if (o->print) {
            vs_cli_error("%s", error->message);
        }
        g_error_free(error);
    } else if (vs_runner_failures(runner) > 0) {
        result.exit_code = EXIT_FAIL;
        result.headline = headline(vs_runner_first_failure(runner), 0);
    }
    if (o->print && (ok || o->verbosity == VS_RUN_JSON))
        report_result(path, vs_runner_expectations(runner), vs_runner_failures(runner),
                      result.exit_code, o);
    vs_runner_free(runner);
    g_string_free(out, TRUE);
    if (dot)
        g_string_free(dot, TRUE);
    return result;
}

FileResult vs_cli_run_file(const char *path, const VsCliRunOptions *o)
{
    FileResult result = {EXIT_USAGE, NULL};
    VsDiagnostics diags;
    vs_diagnostics_init(&diags);
    GError *error = NULL;
    VsScript *script = vs_script_load_checked(path, &diags, &error);
    report_check(path, script, &diags, error, o);
    if (!script) {
        result.headline = headline(error->message, diags.errors);
        if (o->print)
            report_result(path, 0, 0, EXIT_USAGE, o);
    } else if (!show_forms_fit(path, script, o))
        result.headline = g_strdup_printf("--show names a view %s does not have", script->system);
    else
        result = run_script(path, script, o);
    g_clear_error(&error);
    vs_diagnostics_clear(&diags);
    vs_script_free(script);
    return result;
}
