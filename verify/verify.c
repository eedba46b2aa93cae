/*
 * verify.c - a scenario in the model and in agents side by side, compared call by call.
 */
#include <string.h>

#include "posix.h"
#include "runner.h"
#include "win32.h"
#include "verify.h"

typedef struct Verify {
    const VsVerifyOptions *options;
    const VsScript *script;
    VsRunner *runner;
    GHashTable *sides; /* process name -> VsSession* */
    GHashTable *pids;  /* process ids of every session's process: opened across processes */
    VsPosixSession *posix; /* the POSIX backend's one session, started on first use */
    GString *report;
    VsVerifyCounts counts;
    const char *backend; /* "wine", "windows" or "linux", once an agent has greeted */
} Verify;

/* The session standing for the model process called name, its agent started on first use. */
static VsSession *session_named(Verify *v, const char *name, GError **error)
{
    VsSession *side = g_hash_table_lookup(v->sides, name);
    if (side)
        return side;
    side = vs_session_start(&v->options->agent, v->options->known, error);
    if (!side)
        return NULL;
    vs_relations_share_pids(vs_session_relations(side), v->pids);
    g_hash_table_insert(v->sides, g_strdup(name), side);
    v->backend = vs_session_backend(side);
    return side;
}

/* The session for the process the runner is in. */
static VsSession *side_for(Verify *v, GError **error)
{
    return session_named(v, vs_runner_process_name(v->runner), error);
}

/* The session of the process a call acts on through its process handle, when that is another
 * scenario process (NULL: the caller's own, or a handle that names none). */
static VsSession *target_for(Verify *v, const VsOp *op, VsSession *side, GError **error)
{
    VsThread *thread = vs_runner_thread(v->runner);
    VsProcess *target = vs_op_process(thread, op);
    if (!target || target == vs_thread_process(thread))
        return NULL;
    VsSession *session = session_named(v, vs_process_name(target), error);
    return session == side ? NULL : session;
}

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

/* Mirrors a call to the Win32 agent standing for the caller's process. */
static gboolean mirror_win32(Verify *v, const VsOp *op, const VsOutcome *model,
                             VsJudgement *judgement, GString *lines, GError **error)
{
    VsSession *side = side_for(v, error);
    if (!side)
        return FALSE;
    GError *lost = NULL;
    VsSession *target = target_for(v, op, side, &lost);
    if (lost) {
        g_propagate_error(error, lost);
        return FALSE;
    }
    return vs_session_mirror(side, target, vs_runner_thread(v->runner), op, model, judgement,
                             lines, error);
}

/* The POSIX backend's session, started before the scenario runs: the model's system is made with
 * the agent's machine (its file system's read-ahead window and placement of big file mappings,
 * its CPU's execute-only memory). */
static gboolean start_posix(Verify *v, GError **error)
{
    uint64_t base = vs_layout_of(VS_ARCH_LINUX_X64)->mmap_base;
    if (!(v->posix = vs_posix_start(&v->options->agent, v->options->known, base, error)))
        return FALSE;
    v->backend = "linux";
    return TRUE;
}

static void adjust_system(void *context, VsSystemConfig *config)
{
    Verify *v = context;
    if (config->arch == VS_ARCH_LINUX_X64)
        vs_posix_machine(v->posix, config);
}

/* Mirrors a call to the POSIX agent (or its child standing for the caller's process). */
static gboolean mirror_posix(Verify *v, const VsOp *op, const VsOutcome *model,
                             VsJudgement *judgement, GString *lines, GError **error)
{
    return vs_posix_mirror(v->posix, vs_runner_thread(v->runner), op, model, judgement, lines,
                           error);
}

static gboolean observe(void *context, const VsOp *op, const VsOutcome *model, const VsExpr *call,
                        const char *narration, GError **error)
{
    Verify *v = context;
    g_autoptr(GString) lines = g_string_new(NULL);
    VsJudgement judgement;
    gboolean ok = v->options->backend == VS_BACKEND_POSIX
                      ? mirror_posix(v, op, model, &judgement, lines, error)
                      : mirror_win32(v, op, model, &judgement, lines, error);
    if (!ok)
        return FALSE;
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

/* A scenario for another architecture cannot run in the backend's agent: the Win32 agent is an
 * x64 process, the POSIX agent a Linux one. A scenario without a 'system' line is x64. */
static const char *unsupported_system(const VsScript *script, VsBackend backend)
{
    const char *arch = "x64";
    for (size_t i = 0; i < script->count; i++)
        if (script->stmts[i].kind == VS_STMT_SYSTEM)
            arch = script->stmts[i].text;
    gboolean linux_scenario = strcmp(arch, "linux-x64") == 0;
    if (backend == VS_BACKEND_POSIX && !linux_scenario)
        return "the POSIX backend verifies Linux scenarios (system linux-x64); this one models "
               "Windows";
    if (backend == VS_BACKEND_WIN32 && linux_scenario)
        return "a Linux scenario (system linux-x64): verify it with --backend=posix";
    if (backend == VS_BACKEND_WIN32 && strcmp(arch, "x64") != 0)
        return "the Win32 agent is an x64 process; this scenario models another architecture";
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
    VsVerifyOutcome outcome = problem || v->counts.unexplained ? VS_VERIFY_FAILED
                                                               : VS_VERIFY_PASSED;
    g_string_append_printf(out, "%s %s: %u call%s compared, %u matched",
                           outcome == VS_VERIFY_PASSED ? "PASS" : "FAIL", path, v->counts.calls,
                           v->counts.calls == 1 ? "" : "s", v->counts.matched);
    if (v->counts.known)
        g_string_append_printf(out, ", %u with known divergences", v->counts.known);
    if (v->counts.unsupported)
        g_string_append_printf(out, ", %u not supported by %s", v->counts.unsupported,
                               v->backend ? v->backend : "the backend");
    if (v->counts.unexplained)
        g_string_append_printf(out, ", %u UNEXPLAINED", v->counts.unexplained);
    g_string_append_c(out, '\n');
    g_string_append(out, v->report->str);
    if (problem)
        g_string_append_printf(out, "  %s\n", problem);
    return outcome;
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
    const char *skip = unsupported_system(script, options->backend);
    if (skip) {
        g_string_append_printf(out, "SKIP %s: %s\n", path, skip);
        vs_script_free(script);
        return VS_VERIFY_SKIPPED;
    }
    Verify v = {.options = options, .script = script};
    v.pids = vs_relations_pid_table_new();
    v.sides = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify)vs_session_free);
    v.report = g_string_new(NULL);
    GString *narration = g_string_new(NULL);
    v.runner = vs_runner_new(script, narration, VS_RUN_EXPLAIN);
    vs_runner_set_observer(v.runner, observe, &v);
    g_autofree char *problem = NULL;
    if (options->backend == VS_BACKEND_POSIX) {
        if (start_posix(&v, &error))
            vs_runner_set_system_adjuster(v.runner, adjust_system, &v);
    }
    if (error) {
        problem = g_strdup(error->message);
        g_error_free(error);
    } else if (!vs_runner_run_all(v.runner, &error)) {
        problem = g_strdup(error->message);
        g_error_free(error);
    } else if (vs_runner_failures(v.runner)) {
        problem = g_strdup_printf("the model fails its own expectation: %s",
                                  vs_runner_first_failure(v.runner));
    }
    VsVerifyOutcome outcome = finish(&v, path, out, problem);
    add_counts(counts, &v.counts);
    vs_runner_free(v.runner);
    vs_posix_free(v.posix);
    g_hash_table_destroy(v.sides);
    g_hash_table_destroy(v.pids);
    g_string_free(v.report, TRUE);
    g_string_free(narration, TRUE);
    vs_script_free(script);
    return outcome;
}

/* Why the POSIX agent's machine cannot be compared with the model (posix.c unknown_machine), or
 * NULL: the agent is started once to say. Any other trouble starting it is left to the run, which
 * reports it as an error. */
static char *posix_machine_unknown(const VsAgentCommand *command)
{
    GError *error = NULL;
    VsPosixSession *session =
        vs_posix_start(command, NULL, vs_layout_of(VS_ARCH_LINUX_X64)->mmap_base, &error);
    vs_posix_free(session);
    char *why = error && error->code == VS_AGENT_ERROR_MACHINE ? g_strdup(error->message) : NULL;
    g_clear_error(&error);
    return why;
}

char *vs_verify_unavailable(const VsAgentCommand *command, VsBackend backend)
{
    if (backend == VS_BACKEND_POSIX && !g_file_test(command->path, G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup_printf("the POSIX agent %s is not built (it is built on Linux only)",
                               command->path);
    if (!g_file_test(command->path, G_FILE_TEST_EXISTS))
        return g_strdup_printf("the agent %s is not built (it needs x86_64-w64-mingw32-gcc)",
                               command->path);
    if (command->launcher && command->launcher[0]) {
        g_autofree char *found = g_find_program_in_path(command->launcher[0]);
        if (!found)
            return g_strdup_printf("'%s' is not installed, so the agent cannot run here",
                                   command->launcher[0]);
    }
    return backend == VS_BACKEND_POSIX ? posix_machine_unknown(command) : NULL;
}
