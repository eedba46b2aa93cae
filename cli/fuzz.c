/*
 * fuzz.c - vadsim fuzz: random call sequences in the model and a real system, side by side.
 *
 *   vadsim fuzz [--seed N] [--calls M] [--out DIR] [--ram SIZE] [--backend=win32|posix|model]
 *               [--agent=none [--thp=madvise]]
 *
 * --backend=posix fuzzes the Linux personality against the kernel this runs on (each backend's
 * calls come from its generator: verify/win32/generate.c, verify/posix/generate.c).
 * Prints a progress line on standard error every few seconds and, at the end, the calls made, the
 * calls per second and how they were judged. On an unexplained divergence (or, with the model
 * alone, a broken invariant) it shrinks the sequence and writes a .vsim reproducer into DIR.
 * --thp=madvise gives the model alone (--backend=posix --agent=none) transparent huge pages, and
 * adds calls that stress them (verify/posix/generate.c); with an agent it is refused, as no
 * kernel's huge pages can be made to follow the calls deterministically.
 * Exit status as for verify: 0 nothing unexplained, 1 a finding or an error, 2 usage, 77 skipped.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lexer.h"
#include "fuzz.h"

static void progress(void *context, const char *line)
{
    (void)context;
    fprintf(stderr, "fuzz: %s\n", line);
}

static gint by_count(gconstpointer a, gconstpointer b, gpointer tally)
{
    guint ca = GPOINTER_TO_UINT(g_hash_table_lookup(tally, *(char *const *)a));
    guint cb = GPOINTER_TO_UINT(g_hash_table_lookup(tally, *(char *const *)b));
    return ca != cb ? (ca < cb ? 1 : -1) : strcmp(*(char *const *)a, *(char *const *)b);
}

/* Which known divergences explained how many calls, the most frequent first. */
static void print_tally(GHashTable *tally)
{
    guint n = 0;
    g_autofree gpointer *ids = g_hash_table_get_keys_as_array(tally, &n);
    g_qsort_with_data(ids, (gint)n, sizeof *ids, by_count, tally);
    for (guint i = 0; i < n; i++)
        printf("    %7u  %s\n", GPOINTER_TO_UINT(g_hash_table_lookup(tally, ids[i])),
               (const char *)ids[i]);
}

static void print_report(guint64 seed, const VsFuzzReport *r)
{
    double rate = r->seconds > 0 ? (double)r->calls / r->seconds : 0;
    printf("fuzz seed %" G_GUINT64_FORMAT ", backend %s: %" G_GUINT64_FORMAT
           " calls in %.2f s (%.0f calls/s)\n",
           seed, r->label, r->calls, r->seconds, rate);
    if (strcmp(r->backend, "model") == 0)
        printf("  the model alone, its invariant checker after every call\n");
    else if (strcmp(r->backend, "linux") == 0)
        printf("  %" G_GUINT64_FORMAT " matched, %" G_GUINT64_FORMAT
               " with known divergences, %" G_GUINT64_FORMAT " not supported, %d unexplained; "
               "maps compared after every call that can change them\n",
               r->matched, r->known, r->unsupported, r->found ? 1 : 0);
    else
        printf("  %" G_GUINT64_FORMAT " matched, %" G_GUINT64_FORMAT
               " with known divergences, %" G_GUINT64_FORMAT " not supported; %" G_GUINT64_FORMAT
               " VirtualQuery probes added where arena walks differed\n",
               r->matched, r->known, r->unsupported, r->probes);
    if (r->tally && g_hash_table_size(r->tally)) {
        printf("  calls explained by each entry of the known list (or the agent's refusal):\n");
        print_tally(r->tally);
    }
    if (!r->found) {
        printf("no unexplained divergence\n");
        return;
    }
    printf("UNEXPLAINED: %s\n", r->finding);
    printf("shrunk from %" G_GUINT64_FORMAT " calls to %" G_GUINT64_FORMAT " in %" G_GUINT64_FORMAT
           " runs; reproducer: %s\n",
           r->shrunk_from, r->shrunk_to, r->shrink_runs, r->reproducer);
    if (r->varies)
        printf("(a last run of the shrunk calls missed it: the real system varies here)\n");
}

/* Checks fuzz's own values, saying what is wrong with one on stderr: the seed and the count, the
 * RAM (whole pages, 64K to 4G: *ram_bytes), and the THP mode (*model_thp), which only the model
 * alone with the Linux calls takes. */
static gboolean check_values(gint64 seed, gint64 calls, const char *ram, const char *thp,
                             const VsCliBackendOptions *o, uint64_t *ram_bytes, gboolean *model_thp)
{
    if (seed < 0 || calls <= 0) {
        fprintf(stderr, "vadsim fuzz: --seed must be 0 or more and --calls 1 or more\n");
        return FALSE;
    }
    if (ram && (!vs_parse_integer(ram, strlen(ram), ram_bytes) || *ram_bytes < (64u << 10) ||
                *ram_bytes > (4ull << 30) || *ram_bytes % 4096)) {
        fprintf(stderr, "vadsim fuzz: --ram wants whole pages from 64K to 4G, not '%s'\n", ram);
        return FALSE;
    }
    if (thp && strcmp(thp, "madvise") != 0 && strcmp(thp, "never") != 0) {
        fprintf(stderr, "vadsim fuzz: --thp takes madvise or never, not '%s'\n", thp);
        return FALSE;
    }
    *model_thp = thp && strcmp(thp, "madvise") == 0;
    if (*model_thp && (!o->model_only || o->kind != &vs_backend_posix)) {
        fprintf(stderr, "vadsim fuzz: --thp=madvise fuzzes huge pages in the model alone "
                        "(--backend=posix --agent=none): a kernel's cannot be made to follow the "
                        "calls deterministically (khugepaged, fragmentation)\n");
        return FALSE;
    }
    return TRUE;
}

int vs_cli_fuzz(int argc, char **argv)
{
    VsCliBackendOptions o = {0};
    gint64 seed = 1, calls = 10000;
    char *out_dir = NULL, *ram = NULL, *thp = NULL;
    uint64_t ram_bytes = 0;
    GOptionEntry own[] = {
        {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "The seed: the same seed, the same calls", "N"},
        {"calls", 0, 0, G_OPTION_ARG_INT64, &calls, "How many calls to make (default 10000)", "M"},
        {"out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir,
         "Where to write a reproducer .vsim (default: the current directory)", "DIR"},
        {"ram", 0, 0, G_OPTION_ARG_STRING, &ram,
         "The model's RAM, as a scenario's system line takes it (64K to 4G): a small machine "
         "pages hard",
         "SIZE"},
        {"thp", 0, 0, G_OPTION_ARG_STRING, &thp,
         "Transparent huge pages: madvise (the model alone, with the Linux calls: --backend=posix "
         "--agent=none; the huge zero page on) maps them where MADV_HUGEPAGE asks, and calls "
         "that stress them across fork are added; never (the default) has none",
         "MODE"},
        G_OPTION_ENTRY_NULL,
    };
    int status = EXIT_USAGE;
    VsAgentCommand agent = {0};
    VsKnownList known = {0};
    if (!vs_cli_parse_options("- random call sequences in the model and a real system", own, &o,
                              &argc, &argv) ||
        !vs_cli_prepare("fuzz", &o, &agent, &known))
        goto out;
    if (argc > 1) {
        fprintf(stderr, "vadsim fuzz: unexpected argument '%s'\n", argv[1]);
        goto out;
    }
    gboolean alone = o.model_only, model_thp = FALSE;
    if (!check_values(seed, calls, ram, thp, &o, &ram_bytes, &model_thp))
        goto out;
    char *unavailable = alone ? NULL : vs_cli_unavailable(&o, &agent);
    if (unavailable) {
        printf("SKIP fuzz against %s: %s\n", o.kind->name, unavailable);
        g_free(unavailable);
        status = EXIT_SKIPPED;
        goto out;
    }
    VsFuzzOptions options = {.backend = o.kind,
                             .seed = (guint64)seed,
                             .calls = (guint64)calls,
                             .agent = alone ? NULL : &agent,
                             .known = &known,
                             .reproducer_dir = out_dir,
                             .ram_bytes = ram_bytes,
                             .model_thp = model_thp,
                             .progress = progress};
    VsFuzzReport report;
    GError *error = NULL;
    if (!vs_fuzz_run(&options, &report, &error)) {
        fprintf(stderr, "vadsim fuzz: %s\n", error->message);
        g_error_free(error);
        status = EXIT_FAIL;
    } else {
        print_report((guint64)seed, &report);
        status = report.found ? EXIT_FAIL : EXIT_PASS;
    }
    vs_fuzz_report_clear(&report);
out:
    g_free(out_dir);
    g_free(ram);
    g_free(thp);
    vs_cli_agent_command_free(&agent);
    vs_known_clear(&known);
    vs_cli_backend_options_free(&o);
    return status;
}
