/*
 * verify.c - a scenario in the model and in a backend's agents side by side, compared call by call
 * (verify.h).
 */
#include <string.h>

#include "runner.h"
#include "verify.h"

typedef struct Verify {
    const VsVerifyOptions *options;
    const VsBackend *backend;
    const VsAgentCommand *agent; /* the options' agent, or its x86 build for an x86 scenario */
    const VsScript *script;
    VsRunner *runner;
    GHashTable *sessions; /* process name -> VsSession*, for a backend with an agent per process */
    GHashTable *children; /* names of the processes made from an image whose sessions are
                           * children of the host (start_child) */
    VsSession *host;      /* the session whose agent makes those (the scenario's first) */
    gboolean host_owned;  /* the host is no longer any process's (it stood for one that was then
                           * made from an image) and is freed with the run */
    GHashTable *agent_images; /* names of files declared as the agent's own .exe (host_file) */
    VsSession *session;       /* the backend's one session otherwise, started before the run */
    GString *report;
    VsVerifyCounts counts;
    const char *system; /* "wine", "windows" or "linux", once an agent has greeted */
    gboolean died;      /* an agent died at a call, which the report names */
    gboolean other_cpu; /* the agent's CPU is not the one the system line names (execonly=) */
    gboolean other_thp; /* the agent's huge pages are not those the system line names (thp=,
                         * thpzero=) */
} Verify;

/* ---- Sessions -------------------------------------------------------------------------------- */

static VsSession *start(Verify *v, VsSession *sibling, GError **error)
{
    const VsVerifyOptions *o = v->options;
    VsSession *session = v->backend->start(v->agent, o->known, sibling, error);
    if (session)
        v->system = session->system;
    return session;
}

/* The file the scenario process called name was last made from (process NAME image="FILE"), when
 * the model made it so and the real process must be a child made from it: any image but the
 * agent's own .exe in the first process, which is the agent itself. NULL otherwise. */
static const char *child_image(const Verify *v, const char *name, VsProcess *process)
{
    VsProcessImageInfo info;
    if (!v->backend->start_child || !process || !vs_process_image_info(process, &info) || !info.peb)
        return NULL;
    const char *image = NULL;
    for (size_t i = 0; i < v->script->count; i++) {
        const VsStmt *stmt = &v->script->stmts[i];
        if (stmt->kind == VS_STMT_PROCESS && vs_stmt_option_word(stmt, "image") &&
            strcmp(stmt->text, name) == 0)
            image = vs_stmt_option_word(stmt, "image");
    }
    if (image && strcmp(name, "main") == 0 && g_hash_table_contains(v->agent_images, image))
        return NULL;
    return image;
}

/* The session of a process made from image: a child of the host, which the scenario's first
 * session is (it holds the files declared so far). old is the session that stood for the process
 * before it was made from the image, if any: it stays as the host when it is the first. */
static VsSession *start_child(Verify *v, const char *name, const char *image, VsProcess *process,
                              VsSession *old, GError **error)
{
    if (old) {
        gpointer key;
        g_hash_table_steal_extended(v->sessions, name, &key, NULL);
        g_free(key);
        if (!v->host)
            v->host = old;
        if (v->host == old)
            v->host_owned = TRUE;
        else
            vs_session_free(old);
    }
    if (!v->host) {
        if (!(v->host = start(v, NULL, error)))
            return NULL;
        v->host_owned = TRUE;
    }
    VsSession *child = v->backend->start_child(v->host, image, process, v->options->known, error);
    if (!child)
        return NULL;
    g_hash_table_insert(v->sessions, g_strdup(name), child);
    g_hash_table_add(v->children, g_strdup(name));
    return child;
}

/* The session standing for the model process called name, its agent started on first use (or,
 * for a process made from an image, its real process made by the host's agent). */
static VsSession *session_named(Verify *v, const char *name, VsProcess *process, GError **error)
{
    VsSession *session = g_hash_table_lookup(v->sessions, name);
    const char *image = child_image(v, name, process);
    if (image && !g_hash_table_contains(v->children, name))
        return start_child(v, name, image, process, session, error);
    if (session)
        return session;
    GHashTableIter it;
    gpointer sibling = v->host;
    g_hash_table_iter_init(&it, v->sessions);
    if (!sibling)
        g_hash_table_iter_next(&it, NULL, &sibling);
    if (!(session = start(v, sibling, error)))
        return NULL;
    if (!v->host)
        v->host = session;
    g_hash_table_insert(v->sessions, g_strdup(name), session);
    return session;
}

/* The session for the process the runner is in, and in *target the session of the process the
 * call acts on through its process handle, when that is another scenario process (NULL: the
 * caller's own, or a handle that names none). */
static VsSession *sessions_for(Verify *v, const VsOp *op, VsSession **target, GError **error)
{
    *target = NULL;
    if (!v->backend->agent_per_process)
        return v->session;
    VsThread *thread = vs_runner_thread(v->runner);
    VsSession *caller =
        session_named(v, vs_runner_process_name(v->runner), vs_thread_process(thread), error);
    VsProcess *process = caller ? vs_op_process(thread, op) : NULL;
    if (!process || process == vs_thread_process(thread))
        return caller;
    GError *lost = NULL;
    VsSession *acted_on = session_named(v, vs_process_name(process), process, &lost);
    if (lost) {
        g_propagate_error(error, lost);
        return NULL;
    }
    *target = acted_on == caller ? NULL : acted_on;
    return caller;
}

/* The model's system is made like the agent's machine, where the model takes that as a setting
 * (the POSIX agent's file system and CPU). */
static void adjust_system(void *context, VsSystemConfig *config)
{
    Verify *v = context;
    VsThpMode asked = config->thp;
    bool asked_no_zero = config->thp_no_zero_page;
    v->backend->configure(v->session, config);
    /* thp=always on a madvise machine, or one of never; or thpzero= not the machine's */
    v->other_thp = config->thp != asked || config->thp_no_zero_page != asked_no_zero;
    for (size_t i = 0; i < v->script->count; i++) {
        const VsStmt *stmt = &v->script->stmts[i];
        for (size_t k = 0; stmt->kind == VS_STMT_SYSTEM && k < stmt->option_count; k++)
            if (strcmp(stmt->options[k].name, "execonly") == 0)
                v->other_cpu =
                    (strcmp(stmt->options[k].word, "pkey") == 0) != config->execute_only_pkey;
    }
}

/* ---- Reporting ------------------------------------------------------------------------------- */

/* The title of step number n (1-based), for reports. */
static const char *step_title(const VsScript *script, size_t n)
{
    size_t seen = 0;
    for (size_t i = 0; i < script->count; i++)
        if (script->stmts[i].kind == VS_STMT_STEP && ++seen == n)
            return script->stmts[i].text;
    return "(before the first step)";
}

static void report_call(Verify *v, const VsExpr *call)
{
    size_t step = vs_runner_step(v->runner);
    g_string_append_printf(v->report, "  step %zu \"%s\", line %u: %.*s\n", step,
                           step_title(v->script, step), call->pos.line, (int)call->text_length,
                           call->text);
}

/* The model's own account of the call, indented under the divergence. */
static void report_narration(Verify *v, const char *narration)
{
    g_auto(GStrv) lines = g_strsplit(narration, "\n", -1);
    for (char **line = lines; *line; line++)
        if (**line)
            g_string_append_printf(v->report, "      the model: %s\n", g_strstrip(*line));
}

/* The real system died at call (the agent crashed, hung or stopped making sense): the call is a
 * finding, reported like a divergence. */
static void report_death(Verify *v, const VsExpr *call, const VsSession *session,
                         const GError *error)
{
    if (!g_error_matches(error, VS_AGENT_ERROR, VS_AGENT_ERROR_LOST))
        return;
    report_call(v, call);
    g_string_append_printf(v->report, "    DIES: %s: %s\n", session->label, error->message);
    v->counts.unexplained++;
    v->died = TRUE;
}

/* VsCallObserver: mirrors each call the model made to the agent standing for its process. */
static gboolean observe(void *context, const VsOp *op, const VsOutcome *model, const VsExpr *call,
                        const char *narration, GError **error)
{
    Verify *v = context;
    g_autoptr(GString) lines = g_string_new(NULL);
    VsJudgement judgement;
    if (op->kind == VS_OP_DECLARE_HOST_FILE && strcmp(op->contents, "@agent") == 0)
        g_hash_table_add(v->agent_images, g_strdup(op->text));
    VsSession *target, *caller = sessions_for(v, op, &target, error);
    if (!caller)
        return FALSE;
    if (!v->backend->mirror(caller, target, vs_runner_thread(v->runner), op, model, &judgement,
                            lines, error)) {
        report_death(v, call, caller, *error);
        return FALSE;
    }
    if (op->phase == VS_OP_PHASE_START && judgement.kind == VS_JUDGED_MATCH)
        return TRUE; /* started: compared when it returns (VS_OP_PHASE_FINISH) */
    v->counts.calls += !judgement.refused;
    if (judgement.kind == VS_JUDGED_MATCH && !v->options->verbose) {
        v->counts.matched++;
        return TRUE;
    }
    report_call(v, call);
    g_string_append(v->report, judgement.kind == VS_JUDGED_MATCH ? "    matches\n" : lines->str);
    switch (judgement.kind) {
    case VS_JUDGED_MATCH: v->counts.matched++; break;
    case VS_JUDGED_KNOWN: v->counts.known++; break;
    case VS_JUDGED_UNSUPPORTED: v->counts.unsupported++; break;
    case VS_JUDGED_UNEXPLAINED:
        v->counts.unexplained++;
        report_narration(v, narration);
        break;
    }
    return TRUE;
}

/* The scenario's 'system' line, or NULL without one (an x64 scenario). */
static const VsStmt *system_line(const VsScript *script)
{
    const VsStmt *line = NULL;
    for (size_t i = 0; i < script->count; i++)
        if (script->stmts[i].kind == VS_STMT_SYSTEM)
            line = &script->stmts[i];
    return line;
}

/* Whether an x86 scenario says its facts hold in a WoW64 process too (system x86 wow64=1). */
static gboolean holds_in_wow64(const VsStmt *line)
{
    for (size_t i = 0; i < line->option_count; i++)
        if (strcmp(line->options[i].name, "wow64") == 0)
            return line->options[i].value == 1;
    return FALSE;
}

/* Why the backend cannot verify the scenario at all (free it), or NULL; *x86 is set to the
 * options' agent with the backend's x86 agent in its place for an x86 scenario, which then
 * starts that. The x86 agent is a WoW64 process, and an x86 scenario models native 32-bit
 * Windows: only one that says its facts hold in a WoW64 process as well (wow64=1) is run in it. */
static char *unsupported_system(const VsScript *script, const VsVerifyOptions *options,
                                VsAgentCommand *x86)
{
    const VsStmt *line = system_line(script);
    const char *system = line ? line->text : "x64";
    const char *why = options->backend->cannot_verify(system);
    if (why || strcmp(system, "x86") != 0)
        return g_strdup(why);
    const char *path = options->agent.path_x86;
    if (!holds_in_wow64(line))
        return g_strdup("an x86 scenario models native 32-bit Windows (one 32-bit ntdll, the PEB "
                        "at 0x7FFDF000); the x86 agent is a WoW64 process, laid out otherwise and "
                        "answering some calls otherwise, and the scenario does not say its facts "
                        "hold there too (system x86 wow64=1; docs/verification.md)");
    if (!path)
        return g_strdup_printf("an x86 scenario, and the %s backend has no x86 agent",
                               options->backend->name);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return g_strdup_printf("an x86 scenario, and the x86 agent %s is not built (it needs "
                               "i686-w64-mingw32-gcc: scripts/bootstrap.sh installs it)",
                               path);
    *x86 = options->agent;
    x86->path = (char *)path;
    return NULL;
}

static void add_counts(VsVerifyCounts *total, const VsVerifyCounts *c)
{
    total->calls += c->calls;
    total->matched += c->matched;
    total->known += c->known;
    total->unsupported += c->unsupported;
    total->unexplained += c->unexplained;
}

static VsVerifyOutcome finish(Verify *v, const char *path, GString *out, const char *problem)
{
    VsVerifyOutcome outcome =
        problem || v->counts.unexplained ? VS_VERIFY_FAILED : VS_VERIFY_PASSED;
    g_string_append_printf(out, "%s %s: %u call%s compared, %u matched",
                           outcome == VS_VERIFY_PASSED ? "PASS" : "FAIL", path, v->counts.calls,
                           v->counts.calls == 1 ? "" : "s", v->counts.matched);
    if (v->counts.known)
        g_string_append_printf(out, ", %u with known divergences", v->counts.known);
    if (v->counts.unsupported)
        g_string_append_printf(out, ", %u not supported by %s", v->counts.unsupported,
                               v->system ? v->system : "the backend");
    if (v->counts.unexplained)
        g_string_append_printf(out, ", %u UNEXPLAINED", v->counts.unexplained);
    g_string_append_c(out, '\n');
    g_string_append(out, v->report->str);
    if (problem)
        g_string_append_printf(out, "  %s\n", problem);
    return outcome;
}

/* ---- A scenario ------------------------------------------------------------------------------ */

/* Runs the scenario with the observer; what stopped it, or NULL. */
static char *run(Verify *v)
{
    GError *error = NULL;
    if (!v->backend->agent_per_process) {
        if (!(v->session = start(v, NULL, &error)))
            goto failed;
        if (v->backend->configure)
            vs_runner_set_system_adjuster(v->runner, adjust_system, v);
    }
    if (!vs_runner_run_all(v->runner, &error))
        goto failed;
    /* Expectations are the named CPU's (execonly=) and huge-page mode's (thp=): on another only
     * the comparison counts, and `vadsim check` holds them to the machine they name. */
    if (vs_runner_failures(v->runner) && !v->other_cpu && !v->other_thp)
        return g_strdup_printf("the model fails its own expectation: %s",
                               vs_runner_first_failure(v->runner));
    if (v->other_cpu)
        g_string_append(v->report, "  expectations not held: they are for the CPU the system "
                                   "line names (execonly=), not the agent's\n");
    if (v->other_thp)
        g_string_append(v->report, "  expectations not held: they are for the transparent "
                                   "huge pages the system line names (thp=, default madvise; "
                                   "thpzero=, default on), "
                                   "not the agent's\n");
    return NULL;
failed:;
    /* A death was reported at its call (report_death). */
    char *problem =
        v->died ? g_strdup("stopped at the call where the agent died") : g_strdup(error->message);
    g_error_free(error);
    return problem;
}

VsVerifyOutcome vs_verify_file(const char *path, const VsVerifyOptions *options, GString *out,
                               VsVerifyCounts *counts)
{
    GError *error = NULL;
    VsScript *script = vs_script_load(path, &error);
    if (!script) {
        g_string_append_printf(out, "FAIL %s: %s\n", path, error->message);
        g_error_free(error);
        return VS_VERIFY_FAILED;
    }
    VsAgentCommand x86 = {0};
    g_autofree char *skip = unsupported_system(script, options, &x86);
    if (skip) {
        g_string_append_printf(out, "SKIP %s: %s\n", path, skip);
        vs_script_free(script);
        return VS_VERIFY_SKIPPED;
    }
    Verify v = {.options = options,
                .backend = options->backend,
                .agent = x86.path ? &x86 : &options->agent,
                .script = script};
    v.sessions =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)vs_session_free);
    v.children = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    v.agent_images = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    v.report = g_string_new(NULL);
    GString *narration = g_string_new(NULL);
    v.runner = vs_runner_new(script, narration, VS_RUN_EXPLAIN);
    vs_runner_set_observer(v.runner, observe, &v);
    g_autofree char *problem = run(&v);
    VsVerifyOutcome outcome = finish(&v, path, out, problem);
    add_counts(counts, &v.counts);
    vs_runner_free(v.runner);
    vs_session_free(v.session);
    g_hash_table_destroy(v.sessions); /* children first: they borrow the host's agent */
    if (v.host_owned)
        vs_session_free(v.host);
    g_hash_table_destroy(v.children);
    g_hash_table_destroy(v.agent_images);
    g_string_free(v.report, TRUE);
    g_string_free(narration, TRUE);
    vs_script_free(script);
    return outcome;
}
