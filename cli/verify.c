/*
 * verify.c - vadsim verify: scenarios in the model and in a real system side by side, call by
 * call.
 *
 *   vadsim verify PATH... [--backend=win32|posix] [-v]
 *
 * Each scenario's report lists the calls that diverged (all of them with -v) and how each
 * difference was judged; the last lines count the calls and the files.
 * Exit status: 0 when everything matched or diverged only as the known list explains, 1 on an
 * unexplained divergence or an error, 2 on a usage error, 77 when the backend is not available
 * here (reported as skipped, with the reason, never as passed).
 */
#include <stdio.h>

#include "cli.h"
#include "verify.h"

/* Verifies every file; the exit status. */
static int verify_files(GPtrArray *files, const VsVerifyOptions *options,
                        const VsCliBackendOptions *o)
{
    g_autofree char *unavailable = vs_cli_unavailable(o, &options->agent);
    if (unavailable) {
        printf("SKIP all %u scenario%s: %s\n0 passed, 0 failed, %u skipped\n", files->len,
               files->len == 1 ? "" : "s", unavailable, files->len);
        return EXIT_SKIPPED;
    }
    VsVerifyCounts counts = {0};
    guint passed = 0, failed = 0, skipped = 0;
    for (guint i = 0; i < files->len; i++) {
        GString *report = g_string_new(NULL);
        VsVerifyOutcome outcome =
            vs_verify_file(g_ptr_array_index(files, i), options, report, &counts);
        fputs(report->str, stdout);
        fflush(stdout);
        g_string_free(report, TRUE);
        passed += outcome == VS_VERIFY_PASSED;
        failed += outcome == VS_VERIFY_FAILED;
        skipped += outcome == VS_VERIFY_SKIPPED;
    }
    printf("%u calls compared: %u matched, %u with known divergences, %u not supported, "
           "%u unexplained\n",
           counts.calls, counts.matched, counts.known, counts.unsupported, counts.unexplained);
    printf("%u passed, %u failed", passed, failed);
    if (skipped)
        printf(", %u skipped", skipped);
    putchar('\n');
    return failed ? EXIT_FAIL : passed ? EXIT_PASS : EXIT_SKIPPED;
}

int vs_cli_verify(int argc, char **argv)
{
    VsCliBackendOptions o = {0};
    gboolean verbose = FALSE;
    GOptionEntry own[] = {
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "List matching calls too", NULL},
        G_OPTION_ENTRY_NULL,
    };
    int status = EXIT_USAGE;
    VsAgentCommand agent = {0};
    VsKnownList known = {0};
    if (vs_cli_parse_options("PATH... - run scenarios in the model and in a real system side by "
                             "side",
                             own, &o, &argc, &argv) &&
        vs_cli_prepare("verify", &o, &agent, &known)) {
        if (argc < 2) {
            fprintf(stderr, "vadsim verify: no file or directory given\n");
        } else {
            GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
            status = EXIT_PASS;
            for (int i = 1; i < argc; i++)
                vs_cli_collect("verify", argv[i], files, &status);
            VsVerifyOptions options = {o.kind, agent, &known, verbose};
            if (status == EXIT_PASS)
                status = verify_files(files, &options, &o);
            g_ptr_array_free(files, TRUE);
        }
    }
    vs_cli_agent_command_free(&agent);
    vs_known_clear(&known);
    vs_cli_backend_options_free(&o);
    return status;
}
