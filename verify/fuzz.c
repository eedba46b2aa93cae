/*
 * fuzz.c - the fuzzer's driver, for either backend: running a sequence of calls in the model and
 * the backend's agent, shrinking what diverges and writing it down (fuzz.h).
 *
 * The backend's generator (generator.h) makes the calls and says what they did; this file runs
 * them, names and resolves what they return, checks the model's invariants, mirrors each call
 * to the backend's session and counts the judgements, and replays, shrinks and writes the
 * sequence that came to a finding.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "shrink.h"

#define PROGRESS_SECONDS 2.0
#define SHRINK_KEEP_TAIL 8 /* calls before the finding the first shrinking guess keeps */

/* A run of a sequence: what the generator sees, then what the driver keeps. */
typedef struct Run {
    VsFuzzRun run;
    const VsFuzzOptions *o;
    const VsGenerator *g;
    char *system_options; /* the agent's machine as 'system' options; NULL without them */
    GArray *ran;          /* VsRanAs per sequence position */
    guint64 calls, matched, known, unsupported;
    gboolean found;
    char *finding;
    VsOpKind found_kind;
    guint found_at; /* the sequence position of the call where it was found */
    char found_field[32];
    GString *lines;    /* the judged differences of the last call */
    GHashTable *tally; /* known entry id (or why refused) -> calls it explained */
} Run;

/* ---- Names ----------------------------------------------------------------------------------- */

uint64_t vs_fuzz_value(const VsFuzzRun *run, gint id)
{
    if (id == VS_FUZZ_ARENA)
        return run->arena;
    return id >= 0 && (guint)id < run->values->len ? g_array_index(run->values, uint64_t, id) : 0;
}

void vs_fuzz_set_value(VsFuzzRun *run, guint id, uint64_t value)
{
    if (id >= run->values->len)
        g_array_set_size(run->values, id + 1);
    g_array_index(run->values, uint64_t, id) = value;
}

int vs_fuzz_handle_arg(VsOpKind kind)
{
    uint32_t bits = vs_op_spec(kind)->handle_args;
    return bits ? __builtin_ctz(bits) : -1;
}

/* The second address argument (mremap's new_address), or -1. */
static int second_address_arg(VsOpKind kind)
{
    uint32_t bits = vs_op_spec(kind)->address_args;
    int last = bits ? 31 - __builtin_clz(bits) : -1;
    return last != vs_op_address_arg(kind) ? last : -1;
}

/* Puts the value named by id into argument arg of op, added to the offset there (or in place of
 * it, for a handle); FALSE if there is none (it was dropped, or the call that would have made it
 * failed). */
static gboolean resolve_name(const Run *r, gint id, VsOp *op, int arg, gboolean handle)
{
    if (id == VS_FUZZ_ABSOLUTE)
        return TRUE;
    assert(arg >= 0); /* a generator names only arguments the call has */
    uint64_t value = vs_fuzz_value(&r->run, id);
    op->arg[arg] = handle ? value : op->arg[arg] + value;
    return value != 0;
}

/* The call with its names resolved against this run; FALSE if something it names is gone, or
 * the agent would not take it. */
static gboolean resolve(const Run *r, const VsFuzzCall *c, VsOp *op)
{
    *op = c->op;
    if (!resolve_name(r, c->base, op, vs_op_address_arg(op->kind), FALSE) ||
        !resolve_name(r, c->base2, op, second_address_arg(op->kind), FALSE) ||
        !resolve_name(r, c->handle_of, op, vs_fuzz_handle_arg(op->kind), TRUE))
        return FALSE;
    return !r->g->takes || r->g->takes(&r->run, op);
}

/* ---- Running --------------------------------------------------------------------------------- */

/* Starts a run: the agent first (where the model takes its machine as a setting, the model's
 * system is made like it), then the model's system and process. */
static gboolean run_start(Run *r, const VsFuzzOptions *o, GError **error)
{
    const VsBackend *backend = o->backend;
    memset(r, 0, sizeof *r);
    r->o = o;
    r->g = backend->generator;
    /* No transparent huge pages beside an agent: the agent runs without them (khugepaged and
     * fragmentation are no kernel's to make deterministic), so only the model alone has them, when
     * asked (model_thp). */
    if (o->model_thp && (o->agent || !r->g->personality)) {
        g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "transparent huge pages are fuzzed in the model alone, with the Linux "
                            "calls (--backend=posix --agent=none)");
        return FALSE;
    }
    VsSystemConfig config = {.arch = r->g->arch,
                             .ram_bytes = o->ram_bytes,
                             .thp = o->model_thp ? VS_THP_MADVISE : VS_THP_NEVER,
                             .execute_only_pkey = o->model_pkeys,
                             .personality = r->g->personality ? r->g->personality() : NULL};
    if (o->agent) {
        if (!(r->run.session = backend->start(o->agent, o->known, NULL, error)))
            return FALSE;
        if (backend->configure)
            backend->configure(r->run.session, &config);
        if (backend->system_options)
            r->system_options = backend->system_options(r->run.session);
    }
    r->run.system = vs_system_create(&config);
    VsProcess *process = r->run.system ? vs_process_create(r->run.system, r->g->process) : NULL;
    if (!process) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "out of host memory");
        return FALSE;
    }
    r->run.thread = vs_process_main_thread(process);
    if (vs_is_linux(r->run.system) && vs_linux_exec_stack(r->run.thread) != 0) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "out of host memory");
        return FALSE;
    }
    r->run.caller = VS_FUZZ_ABSOLUTE;
    r->run.thp = o->model_thp;
    r->run.values = g_array_new(FALSE, TRUE, sizeof(uint64_t));
    r->run.live = g_array_new(FALSE, FALSE, sizeof(VsFuzzLive));
    r->ran = g_array_new(FALSE, TRUE, sizeof(guint8));
    r->lines = g_string_new(NULL);
    r->tally = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    r->run.generator = r->g->start(&r->run);
    return TRUE;
}

static void run_finish(Run *r)
{
    if (r->run.generator)
        r->g->finish(r->run.generator);
    vs_session_free(r->run.session);
    g_free(r->system_options);
    if (r->run.system)
        vs_system_destroy(r->run.system);
    if (r->run.values) {
        g_array_free(r->run.values, TRUE);
        g_array_free(r->run.live, TRUE);
        g_array_unref(r->ran);
        g_string_free(r->lines, TRUE);
        g_hash_table_unref(r->tally);
    }
    g_free(r->finding);
    memset(r, 0, sizeof *r);
}

static void found(Run *r, guint position, VsOpKind kind, const char *field, char *finding)
{
    r->found = TRUE;
    r->found_kind = kind;
    r->found_at = position;
    g_strlcpy(r->found_field, field, sizeof r->found_field);
    r->finding = finding;
}

static void count(Run *r, const VsJudgement *judgement)
{
    if (judgement->because) {
        gpointer n = g_hash_table_lookup(r->tally, judgement->because);
        g_hash_table_insert(r->tally, g_strdup(judgement->because),
                            GUINT_TO_POINTER(GPOINTER_TO_UINT(n) + 1));
    }
    switch (judgement->kind) {
    case VS_JUDGED_MATCH: r->matched++; break;
    case VS_JUDGED_KNOWN: r->known++; break;
    case VS_JUDGED_UNSUPPORTED: r->unsupported++; break;
    case VS_JUDGED_UNEXPLAINED: break;
    }
}

/* The real system died (the agent crashed or hung) at the call at position, or in what the driver
 * asked after it (when): the call is the run's finding. Other errors are errors. */
static gboolean died(Run *r, const VsOp *op, guint position, const char *when, GError *lost,
                     GError **error)
{
    if (!g_error_matches(lost, VS_AGENT_ERROR, VS_AGENT_ERROR_LOST)) {
        g_propagate_error(error, lost);
        return FALSE;
    }
    g_auto(GStrv) lines = g_strsplit(lost->message, "\n", -1);
    g_autofree char *message = g_strjoinv(" / ", lines);
    found(r, position, op->kind, "agent",
          g_strdup_printf("%s kills the agent%s:\n    DIES: %s: %s", vs_op_spec(op->kind)->name,
                          when, r->run.session->label, message));
    g_error_free(lost);
    return TRUE;
}

/* Mirrors a call the model made to the agent; an unexplained difference is the run's finding. */
static gboolean mirror(Run *r, VsThread *thread, const VsOp *op, const VsOutcome *outcome,
                       guint position, GError **error)
{
    VsJudgement judgement;
    GError *lost = NULL;
    g_string_truncate(r->lines, 0);
    if (!r->o->backend->mirror(r->run.session, NULL, thread, op, outcome, &judgement, r->lines,
                               &lost))
        return died(r, op, position, "", lost, error);
    count(r, &judgement);
    if (judgement.kind == VS_JUDGED_UNEXPLAINED) {
        g_autofree char *where = r->g->aimed_at ? r->g->aimed_at(&r->run, op) : NULL;
        found(r, position, op->kind, judgement.field,
              g_strdup_printf("%s diverges:\n%s%s", vs_op_spec(op->kind)->name, r->lines->str,
                              where ? where : ""));
    }
    return TRUE;
}

/* Runs one call in the model, checks the model's invariants, and mirrors it to the agent. */
static gboolean run_call(Run *r, const VsFuzzCall *c, guint position, GError **error)
{
    VsOp op;
    if (position >= r->ran->len)
        g_array_set_size(r->ran, position + 1);
    r->run.caller = c->process;
    VsThread *thread =
        c->process == VS_FUZZ_ABSOLUTE || !r->g->thread ? r->run.thread : r->g->thread(&r->run, c);
    if (!thread || !resolve(r, c, &op))
        return TRUE;
    VsOutcome outcome;
    vs_op_execute(thread, &op, &outcome);
    g_array_index(r->ran, guint8, position) =
        r->g->inert(&op, &outcome) ? VS_RAN_INERT : VS_RAN_ACTIVE;
    r->calls++;
    r->g->track(&r->run, c, &op, &outcome);
    char problem[256];
    if (!vs_check(r->run.system, problem, sizeof problem)) {
        found(r, position, op.kind, "invariant",
              g_strdup_printf("the model's invariant checker failed after %s: %s",
                              vs_op_spec(op.kind)->name, problem));
        return TRUE;
    }
    return !r->run.session || mirror(r, thread, &op, &outcome, position, error);
}

/* Compares the systems' state after call (at sequence position), where the backend does
 * (generator.h): TRUE with a call to add in *probe where they differ. The agent dying there is
 * the call's finding. */
static gboolean compare_state(Run *r, const VsFuzzCall *call, guint position, VsFuzzCall *probe,
                              GError **error)
{
    if (r->found || !r->run.session || !r->g->compare_state || call->probe)
        return FALSE;
    GError *lost = NULL;
    gboolean differ = r->g->compare_state(&r->run, call, position + 1, probe, &lost);
    if (lost)
        died(r, &call->op, position, " (in the state compared after it)", lost, error);
    return differ;
}

/* ---- Exploring ------------------------------------------------------------------------------- */

/* A progress line ("N/M calls, S s, R calls/s") every couple of seconds of timer, if o asks. */
static void progress(const VsFuzzOptions *o, guint64 calls, GTimer *timer, double *last)
{
    double now = g_timer_elapsed(timer, NULL);
    if (!o->progress || now - *last < PROGRESS_SECONDS)
        return;
    *last = now;
    g_autofree char *line =
        g_strdup_printf("%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " calls, %.0f s, %.0f calls/s",
                        calls, o->calls, now, now > 0 ? (double)calls / now : 0.0);
    o->progress(o->progress_context, line);
}

/* Runs the prefix, then generates and runs calls until the budget is spent or something
 * unexplained turns up. */
static gboolean explore(Run *r, GArray *sequence, GError **error)
{
    VsRng rng = {r->o->seed};
    GTimer *timer = g_timer_new();
    double last = 0;
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < sequence->len && !r->found; i++)
        ok = run_call(r, &g_array_index(sequence, VsFuzzCall, i), i, error);
    if (ok && !r->found && r->g->ready)
        ok = r->g->ready(&r->run, error);
    while (ok && !r->found && r->calls < r->o->calls) {
        VsFuzzCall c = r->g->generate(&r->run, &rng, sequence->len), probe;
        g_array_append_val(sequence, c);
        ok = run_call(r, &c, sequence->len - 1, error);
        if (ok && compare_state(r, &c, sequence->len - 1, &probe, error)) {
            g_array_append_val(sequence, probe);
            ok = run_call(r, &probe, sequence->len - 1, error);
        }
        ok = ok && !(error && *error);
        progress(r->o, r->calls, timer, &last);
    }
    g_timer_destroy(timer);
    return ok;
}

/* ---- Replaying and shrinking ----------------------------------------------------------------- */

/* Runs a sequence from scratch: TRUE when it comes to the same finding (the call and the field),
 * and then the sequence is cut after the call where it did. keep (if not NULL) gets the run. */
static gboolean reproduces(const VsFuzzOptions *o, GArray *sequence, VsOpKind kind,
                           const char *field, Run *keep, GError **error)
{
    Run r;
    if (!run_start(&r, o, error)) {
        run_finish(&r);
        return FALSE;
    }
    for (guint i = 0; i < sequence->len && !r.found; i++) {
        const VsFuzzCall *c = &g_array_index(sequence, VsFuzzCall, i);
        /* Compare state where the exploring run did: that lifts taints, and so decides what
         * counts. */
        if (!run_call(&r, c, i, error) ||
            (!compare_state(&r, c, i, NULL, error) && error && *error)) {
            run_finish(&r);
            return FALSE;
        }
    }
    gboolean same = r.found && r.found_kind == kind && strcmp(r.found_field, field) == 0;
    if (same)
        g_array_set_size(sequence, r.found_at + 1); /* what came after it never ran */
    if (keep) {
        run_finish(keep);
        *keep = r;
    } else {
        run_finish(&r);
    }
    return same;
}

typedef struct Finding {
    const VsFuzzOptions *o;
    VsOpKind kind;
    char field[32];
    guint position; /* where the exploring run came to it */
} Finding;

static gboolean reproduces_finding(void *context, GArray *candidate, GError **error)
{
    const Finding *f = context;
    return reproduces(f->o, candidate, f->kind, f->field, NULL, error);
}

/* The first prefix calls, the last count, and the calls that made what those name (their base,
 * second base and handle), transitively (shrink.h's VsTailFn). */
static GArray *tail_with_makers(GArray *sequence, guint prefix, guint count)
{
    g_autoptr(GHashTable) position = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_autofree gboolean *keep = g_new0(gboolean, sequence->len);
    for (guint i = 0; i < sequence->len; i++) {
        const VsFuzzCall *c = &g_array_index(sequence, VsFuzzCall, i);
        g_hash_table_insert(position, GUINT_TO_POINTER(c->id), GUINT_TO_POINTER(i + 1));
        keep[i] = i < prefix || i + count >= sequence->len;
    }
    for (guint i = sequence->len; i-- > prefix;) {
        const VsFuzzCall *c = &g_array_index(sequence, VsFuzzCall, i);
        const gint names[] = {c->base, c->base2, c->handle_of};
        for (guint n = 0; keep[i] && n < G_N_ELEMENTS(names); n++) {
            guint made = names[n] >= 0 ? GPOINTER_TO_UINT(g_hash_table_lookup(
                                             position, GUINT_TO_POINTER((guint)names[n])))
                                       : 0;
            if (made && made - 1 < i)
                keep[made - 1] = TRUE;
        }
    }
    GArray *shorter = g_array_new(FALSE, FALSE, sizeof(VsFuzzCall));
    for (guint i = 0; i < sequence->len; i++)
        if (keep[i])
            g_array_append_val(shorter, g_array_index(sequence, VsFuzzCall, i));
    return shorter;
}

/* Shrinks the calls between the prefix and the diverging last one (shrink.h): first everything
 * the exploring run found inert in one try, then delta debugging. A finding a fresh run does not
 * come to again (the real system's answers vary) cannot be shrunk: that is said before the
 * shrinking starts, rather than after hours of runs that all miss it. */
static gboolean shrink(const Finding *finding, GArray **sequence, GArray *ran, VsFuzzReport *report,
                       GError **error)
{
    const VsFuzzOptions *o = finding->o;
    guint prefix = o->backend->generator->prefix_calls;
    if (o->progress) {
        g_autofree char *line = g_strdup_printf("call %u diverges (checking that a fresh run "
                                                "finds it again): %s",
                                                (*sequence)->len, report->finding);
        o->progress(o->progress_context, line);
    }
    Run fresh = {0};
    gboolean again = reproduces(o, *sequence, finding->kind, finding->field, &fresh, error);
    if (!again && !(error && *error))
        report->fresh = fresh.found
                            ? g_strdup_printf("at call %u: %s", fresh.found_at + 1, fresh.finding)
                            : g_strdup("nothing");
    run_finish(&fresh);
    if (!again)
        return FALSE;
    VsShrink s = {prefix,
                  reproduces_finding,
                  (void *)finding,
                  o->progress,
                  o->progress_context,
                  report->shrunk_from,
                  &report->shrink_runs,
                  tail_with_makers};
    *sequence =
        vs_shrink(&s, *sequence, vs_shrink_guess(*sequence, ran, prefix, SHRINK_KEEP_TAIL), error);
    return !(error && *error);
}

/* ---- Writing the reproducer ------------------------------------------------------------------ */

char *vs_fuzz_number_text(uint64_t value)
{
    if (value == (uint64_t)-1)
        return g_strdup("-1");
    return value < 10 ? g_strdup_printf("%" G_GUINT64_FORMAT, value)
                      : g_strdup_printf("0x%" G_GINT64_MODIFIER "x", value);
}

char *vs_fuzz_address_text(gint base, uint64_t offset, char *(*name)(GArray *calls, gint id),
                           GArray *calls)
{
    if (base == VS_FUZZ_ABSOLUTE)
        return offset ? vs_fuzz_number_text(offset) : g_strdup("NULL");
    g_autofree char *named = base == VS_FUZZ_ARENA ? g_strdup("arena") : name(calls, base);
    if (!offset)
        return g_steal_pointer(&named);
    g_autofree char *number = vs_fuzz_number_text(offset);
    return g_strdup_printf("%s + %s", named, number);
}

/* The comments that open a reproducer: how it was found, what diverged, how to run it. */
static void write_header(GString *out, const VsFuzzOptions *o, const VsFuzzReport *report,
                         guint calls)
{
    const char *option = o->backend->generator->option;
    g_string_append_printf(out,
                           "# Found by: vadsim fuzz %s%s%s--seed %" G_GUINT64_FORMAT
                           " --calls %" G_GUINT64_FORMAT " (%s)\n"
                           "# Shrunk from %" G_GUINT64_FORMAT " calls to %u.\n",
                           option, report->option,
                           o->model_thp ? "--agent=none --thp=madvise " : "", o->seed, o->calls,
                           report->label, report->shrunk_from, calls);
    /* The finding's first line and its unexplained differences; the reasons of known ones are in
     * the list, and vadsim verify prints them. */
    g_auto(GStrv) lines = g_strsplit(report->finding, "\n", -1);
    for (char **line = lines; *line; line++)
        if (line == lines || strstr(*line, "DIVERGES") || strstr(*line, "DIES"))
            g_string_append_printf(out, "#   %s\n", g_strstrip(*line));
    if (report->varies)
        g_string_append(out, "# It did not come again in the last fresh run of these calls: the "
                             "real system varies here.\n");
    if (!o->agent) /* the model alone: no system to verify against */
        g_string_append(out, "# Reproduce with: the fuzz command above, whose invariant checker "
                             "runs after every call; vadsim run THIS_FILE replays the calls\n");
    else
        g_string_append_printf(out, "# Reproduce with: vadsim verify %s%sTHIS_FILE\n", option,
                               report->option);
}

/* The sequence's calls that ran in the final run (final; every call when it missed the finding,
 * all having run while shrinking), in steps: the prefix's first calls (the generator's intro),
 * those that lead up to the finding, and the call where it was. */
static void write_calls(GString *out, GArray *sequence, const Run *final, gboolean missed)
{
    const VsGenerator *g = final->g;
    g_autoptr(GArray) ran = g_array_new(FALSE, FALSE, sizeof(VsFuzzCall));
    for (guint i = 0; i < sequence->len; i++)
        if (missed ||
            (i < final->ran->len && g_array_index(final->ran, guint8, i) != VS_RAN_SKIPPED))
            g_array_append_val(ran, g_array_index(sequence, VsFuzzCall, i));
    g->write_intro(out, &final->run);
    for (guint i = 0; i < ran->len; i++) {
        if (i == g->intro_calls && ran->len > g->intro_calls + 1)
            g_string_append(out, "\nstep \"The calls that lead up to it\"\n");
        if (i == ran->len - 1)
            g_string_append(out, "\nstep \"The call where the two systems differ\"\n");
        g->write_call(out, ran, i);
    }
}

/* Writes the shrunk sequence as fuzz-seed<seed>-<backend>.vsim in o's reproducer directory; the
 * path goes to report->reproducer. */
static gboolean write_reproducer(const VsFuzzOptions *o, GArray *sequence, const Run *final,
                                 VsOpKind kind, VsFuzzReport *report, GError **error)
{
    GString *out = g_string_new(NULL);
    write_header(out, o, report, sequence->len);
    g_string_append_printf(out, "title \"%s %" G_GUINT64_FORMAT ": %s\"\nsystem %s",
                           final->g->title, o->seed, vs_op_spec(kind)->name, final->g->system);
    if (o->ram_bytes)
        g_string_append_printf(out, " ram=%" G_GUINT64_FORMAT "K", o->ram_bytes >> 10);
    if (final->system_options)
        g_string_append_printf(out, " %s", final->system_options);
    else if (final->g->personality) /* the model alone: its huge-page mode, not the default's */
        g_string_append_printf(out, " thp=%s", o->model_thp ? "madvise" : "never");
    g_string_append(out, "\n\n");
    write_calls(out, sequence, final, report->varies);
    g_autofree char *label = g_strdelimit(g_strdup(report->label), " ", '-');
    g_autofree char *name =
        g_strdup_printf("fuzz-seed%" G_GUINT64_FORMAT "-%s.vsim", o->seed, label);
    report->reproducer = g_build_filename(o->reproducer_dir ? o->reproducer_dir : ".", name, NULL);
    gboolean ok = g_file_set_contents(report->reproducer, out->str, (gssize)out->len, error);
    g_string_free(out, TRUE);
    return ok;
}

/* ---- The run --------------------------------------------------------------------------------- */

/* After a finding in r: checks it, shrinks the sequence, replays the shortest once more (which
 * says which calls ran) and writes the reproducer. r is finished. */
static gboolean settle_finding(Run *r, GArray **sequence, VsFuzzReport *report, GError **error)
{
    const VsFuzzOptions *o = r->o;
    Finding finding = {o, r->found_kind, "", r->found_at};
    g_strlcpy(finding.field, r->found_field, sizeof finding.field);
    report->found = TRUE;
    report->finding = g_strdup(r->finding);
    report->shrunk_from = (*sequence)->len;
    GArray *ran = g_array_ref(r->ran);
    run_finish(r);
    gboolean shrunk = shrink(&finding, sequence, ran, report, error);
    g_array_unref(ran);
    if (shrunk) {
        /* The shortest sequence came to it while shrinking; a last run says which calls ran.
         * Should that run miss it, the real system varies here: the reproducer says so. */
        gboolean again = reproduces(o, *sequence, finding.kind, finding.field, r, error);
        if (error && *error)
            return FALSE;
        report->varies = !again;
        if (again) {
            g_free(report->finding);
            report->finding = g_strdup(r->finding);
        }
        report->shrunk_to = (*sequence)->len;
        return write_reproducer(o, *sequence, r, finding.kind, report, error);
    }
    if (!(error && *error))
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "the finding did not come again in a fresh run of the same calls (the real "
                    "system's answers vary between runs), so no reproducer was written; the same "
                    "seed and --calls find it again. It was, at call %u: %s\nThe fresh run "
                    "found %s",
                    finding.position + 1, report->finding, report->fresh);
    return FALSE;
}

gboolean vs_fuzz_run(const VsFuzzOptions *o, VsFuzzReport *report, GError **error)
{
    memset(report, 0, sizeof *report);
    Run r;
    if (!run_start(&r, o, error)) {
        run_finish(&r);
        return FALSE;
    }
    report->backend = r.run.session ? r.run.session->system : "model";
    g_strlcpy(report->label,
              r.run.session  ? r.run.session->label
              : o->model_thp ? "model thp"
                             : "model",
              sizeof report->label);
    g_strlcpy(report->option, r.run.session ? r.run.session->option : "", sizeof report->option);
    GArray *sequence = g_array_new(FALSE, FALSE, sizeof(VsFuzzCall));
    r.g->prefix(sequence);
    GTimer *timer = g_timer_new();
    gboolean ok = explore(&r, sequence, error);
    report->seconds = g_timer_elapsed(timer, NULL);
    g_timer_destroy(timer);
    report->calls = r.calls;
    report->matched = r.matched;
    report->known = r.known;
    report->unsupported = r.unsupported;
    report->tally = g_hash_table_ref(r.tally);
    for (guint i = 0; i < sequence->len; i++)
        report->probes += g_array_index(sequence, VsFuzzCall, i).probe;
    if (ok && r.found)
        ok = settle_finding(&r, &sequence, report, error);
    run_finish(&r);
    g_array_free(sequence, TRUE);
    return ok;
}

void vs_fuzz_report_clear(VsFuzzReport *report)
{
    g_free(report->finding);
    g_free(report->fresh);
    g_free(report->reproducer);
    if (report->tally)
        g_hash_table_unref(report->tally);
    memset(report, 0, sizeof *report);
}
