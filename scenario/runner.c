/*
 * runner.c - statements, steps and expectations: runs a scenario against a fresh model system.
 *
 * Statements run in order; 'step' lines divide them into the units a teacher steps through. The
 * system is created by the 'system' line, or as x64 by the first statement that needs it. A failed
 * 'expect' is reported with its line, its text and the values of its parts, counted, and the run
 * goes on; a runtime error (an unknown name, a call the model lacks) stops the run.
 */
#include <string.h>

#include "pe_build.h"
#include "runner_int.h"

static void destroy_system(VsRunner *runner)
{
    vs_blocked_clear(runner);
    for (guint i = 0; i < runner->processes->len; i++)
        g_free(g_array_index(runner->processes, VsNamedProcess, i).name);
    g_array_set_size(runner->processes, 0);
    if (runner->system)
        vs_system_destroy(runner->system);
    runner->system = NULL;
    vs_event_log_free(&runner->log);
}

static gboolean create_system(VsRunner *runner, const VsSystemConfig *config, GError **error)
{
    VsSystemConfig adjusted = *config;
    if (runner->adjust)
        runner->adjust(runner->adjust_context, &adjusted);
    runner->system = vs_system_create(&adjusted);
    if (!runner->system) {
        g_set_error_literal(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_RUNTIME,
                            "out of host memory creating the system");
        return FALSE;
    }
    vs_system_attach_log(runner->system, &runner->log);
    return TRUE;
}

VsRunner *vs_runner_new(const VsScript *script, GString *out, VsRunVerbosity verbosity)
{
    VsRunner *runner = g_new0(VsRunner, 1);
    runner->script = script;
    runner->out = out;
    runner->verbosity = verbosity;
    runner->processes = g_array_new(FALSE, TRUE, sizeof(VsNamedProcess));
    runner->step_events = g_array_new(FALSE, FALSE, sizeof(VsEvent));
    runner->variables = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return runner;
}

void vs_runner_free(VsRunner *runner)
{
    if (!runner)
        return;
    destroy_system(runner);
    g_array_free(runner->processes, TRUE);
    g_array_free(runner->step_events, TRUE);
    if (runner->line_starts)
        g_array_free(runner->line_starts, TRUE);
    if (runner->labellers)
        g_array_free(runner->labellers, TRUE);
    g_hash_table_destroy(runner->variables);
    if (runner->blocked)
        g_array_free(runner->blocked, TRUE);
    g_free(runner->first_failure);
    g_free(runner);
}

size_t vs_runner_step(const VsRunner *runner) { return runner->step; }

size_t vs_runner_step_count(const VsRunner *runner) { return runner->script->steps; }

VsSystem *vs_runner_system(const VsRunner *runner) { return runner->system; }

void vs_runner_keep_events(VsRunner *runner)
{
    g_array_append_vals(runner->step_events, runner->log.events, runner->log.count);
}

const VsEvent *vs_runner_step_events(const VsRunner *runner, size_t *count)
{
    *count = runner->step_events->len;
    return (const VsEvent *)(const void *)runner->step_events->data;
}

/* The text of the first statement of a kind, or of the number-th step (1-based). */
static const char *statement_text(const VsRunner *runner, VsStmtKind kind, size_t number)
{
    size_t seen = 0;
    for (size_t i = 0; i < runner->script->count; i++) {
        const VsStmt *stmt = &runner->script->stmts[i];
        if (stmt->kind == kind && ++seen == number)
            return stmt->text;
    }
    return NULL;
}

const char *vs_runner_title(const VsRunner *runner)
{
    return statement_text(runner, VS_STMT_TITLE, 1);
}

const char *vs_runner_step_title(const VsRunner *runner, size_t step)
{
    return step ? statement_text(runner, VS_STMT_STEP, step) : NULL;
}

void vs_runner_set_observer(VsRunner *runner, VsCallObserver observer, void *context)
{
    runner->observer = observer;
    runner->observer_context = context;
}

void vs_runner_set_system_adjuster(VsRunner *runner, VsSystemAdjuster adjust, void *context)
{
    runner->adjust = adjust;
    runner->adjust_context = context;
}

const char *vs_runner_process_name(const VsRunner *runner)
{
    if (runner->processes->len == 0)
        return "main";
    return g_array_index(runner->processes, VsNamedProcess, runner->current_index).name;
}

gboolean vs_runner_check(const VsRunner *runner)
{
    return !runner->system || vs_check(runner->system, NULL, 0);
}
size_t vs_runner_failures(const VsRunner *runner) { return runner->failures; }
size_t vs_runner_expectations(const VsRunner *runner) { return runner->expectations; }
const char *vs_runner_first_failure(const VsRunner *runner) { return runner->first_failure; }

/* ---- Statements ------------------------------------------------------------------------------ */

/* The statement's source line, as written. */
/* The offset of each line's start in the source, made once: long scenarios (the fuzzer's, the
 * visualiser's benchmark) would otherwise rescan the text for every statement. */
static const char *line_start(VsRunner *runner, unsigned line)
{
    const VsSource *source = &runner->script->source;
    if (!runner->line_starts) {
        runner->line_starts = g_array_new(FALSE, FALSE, sizeof(size_t));
        size_t zero = 0;
        g_array_append_val(runner->line_starts, zero);
        for (size_t i = 0; i < source->length; i++)
            if (source->text[i] == '\n') {
                size_t next = i + 1;
                g_array_append_val(runner->line_starts, next);
            }
    }
    guint index = MIN(line ? line - 1 : 0, runner->line_starts->len - 1);
    return source->text + g_array_index(runner->line_starts, size_t, index);
}

static void append_source_line(VsRunner *runner, const VsStmt *stmt)
{
    const VsSource *source = &runner->script->source;
    const char *p = line_start(runner, stmt->pos.line), *end = source->text + source->length;
    const char *stop = memchr(p, '\n', (size_t)(end - p));
    size_t length = (size_t)((stop ? stop : end) - p);
    while (length && (p[length - 1] == '\r' || p[length - 1] == ' '))
        length--;
    g_string_append_printf(runner->out, "%4u| %.*s\n", stmt->pos.line, (int)length, p);
}

/* The 'system' line: the machine the checker decided from it (resolve.c), which comes before
 * anything that uses it. */
static gboolean run_system(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    (void)stmt;
    g_assert(!runner->system);
    return create_system(runner, &runner->script->config, error);
}

/*
 * The ntdll.dll a process made from an image maps when the scenario declares none: a synthetic
 * image (pe_build.c) sized like the real one of the seed's era and its x64 successor, at a fixed
 * base (the model's choice: Windows XP put its system DLLs near 0x7C900000 on x86, and Windows 8
 * and later put an x64 ntdll at a random base in 0x7FF8'0000'0000-0x7FFF'FFFF'0000). Its bytes
 * are the builder's, not code.
 */
static gboolean declare_ntdll(VsRunner *runner)
{
    bool x64 = vs_system_layout(runner->system)->arch == VS_ARCH_X64;
    VsPeSpec spec = {.pe32_plus = x64,
                     .characteristics =
                         IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL |
                         (x64 ? IMAGE_FILE_LARGE_ADDRESS_AWARE : IMAGE_FILE_32BIT_MACHINE),
                     .image_base = x64 ? 0x7FFB00000000ull : 0x7C900000ull,
                     .dll_characteristics = IMAGE_DLLCHARACTERISTICS_NX_COMPAT};
    const char *sections =
        x64 ? ".text 0x117000 0x117000 rxc; .rdata 0x4C000 0x4C000 ri; .data 0xB000 0x1000 rwi; "
              ".pdata 0xE000 0xE000 ri; .rsrc 0x70000 0x70000 ri"
            : ".text 0x7C000 0x7C000 rxc; .data 0x5000 0x1000 rwi; .rsrc 0x38000 0x38000 ri";
    char why[160];
    if (!vs_pe_parse_sections(sections, &spec, why, sizeof why))
        return FALSE;
    size_t size = vs_pe_file_size(&spec);
    g_autofree unsigned char *bytes = g_malloc(size);
    if (!vs_pe_write(&spec, bytes))
        return FALSE;
    VsStatus status = vs_file_create(runner->system, "ntdll.dll", size, bytes, size, 0);
    return NT_SUCCESS(status) || status == STATUS_OBJECT_NAME_COLLISION;
}

/* process NAME image="FILE": the process laid out from the image (new, or the first process while
 * it has nothing mapped), with ntdll.dll as declared or the synthetic one. */
static VsProcess *process_from_image(VsRunner *runner, const VsStmt *stmt, VsProcess *existing,
                                     GError **error)
{
    const char *image = vs_stmt_option_word(stmt, "image");
    VsProcess *process = existing;
    vs_event_log_clear(&runner->log);
    VsStatus status = !declare_ntdll(runner) ? STATUS_INSUFFICIENT_RESOURCES
                      : existing             ? vs_process_init_image(existing, image, "ntdll.dll")
                                 : vs_process_create_image(runner->system, stmt->text, image,
                                                           "ntdll.dll", &process);
    if (!NT_SUCCESS(status)) {
        vs_runtime_error(runner, error, stmt->pos,
                         status == STATUS_INVALID_PARAMETER
                             ? "process %s has memory already: image= lays out a new process"
                             : "process %s from image \"%s\": %s (%s)",
                         stmt->text, image, vs_status_name(status), vs_status_explain(status));
        return NULL;
    }
    vs_runner_keep_events(runner);
    if (runner->verbosity != VS_RUN_QUIET)
        vs_narrate_events(runner);
    if (runner->verbosity == VS_RUN_EXPLAIN && status != STATUS_SUCCESS)
        g_string_append_printf(runner->out, "      %s: %s\n", vs_status_name(status),
                               vs_status_explain(status));
    return process;
}

/* process NAME privilege=SeLockMemoryPrivilege: the token holds it, enabled, from now on. */
static void grant_privilege(VsRunner *runner, const VsStmt *stmt, VsProcess *process)
{
    if (!vs_stmt_option_word(stmt, "privilege"))
        return;
    vs_process_set_lock_memory_privilege(process, true);
    if (runner->verbosity == VS_RUN_EXPLAIN)
        g_string_append_printf(runner->out,
                               "      process %s holds SeLockMemoryPrivilege (\"Lock pages in "
                               "memory\"), enabled\n",
                               stmt->text);
}

static gboolean run_process(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    gboolean image = vs_stmt_option_word(stmt, "image") != NULL;
    for (guint i = 0; i < runner->processes->len; i++)
        if (strcmp(g_array_index(runner->processes, VsNamedProcess, i).name, stmt->text) == 0) {
            VsProcess *existing = g_array_index(runner->processes, VsNamedProcess, i).process;
            runner->current_index = i;
            if (image && !process_from_image(runner, stmt, existing, error))
                return FALSE;
            grant_privilege(runner, stmt, existing);
            return TRUE;
        }
    VsProcess *process = image ? process_from_image(runner, stmt, NULL, error)
                               : vs_runner_new_process(runner, stmt->text);
    if (!process && image)
        return FALSE;
    if (!process) {
        g_set_error_literal(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_RUNTIME,
                            "out of host memory creating a process");
        return FALSE;
    }
    VsNamedProcess named = {g_strdup(stmt->text), process};
    g_array_append_val(runner->processes, named);
    runner->current_index = runner->processes->len - 1;
    if (runner->verbosity == VS_RUN_EXPLAIN)
        g_string_append_printf(runner->out, "      process %s created (pid %u)\n", stmt->text,
                               vs_process_id(process));
    grant_privilege(runner, stmt, process);
    return TRUE;
}

/* The scenario's name for a process, or NULL if it has none. */
const char *vs_runner_name_of(const VsRunner *runner, const VsProcess *process)
{
    for (guint i = 0; i < runner->processes->len; i++)
        if (g_array_index(runner->processes, VsNamedProcess, i).process == process)
            return g_array_index(runner->processes, VsNamedProcess, i).name;
    return NULL;
}

static gboolean name_taken(const VsRunner *runner, const char *name)
{
    for (guint i = 0; i < runner->processes->len; i++)
        if (strcmp(g_array_index(runner->processes, VsNamedProcess, i).name, name) == 0)
            return TRUE;
    return FALSE;
}

/* After fork(): the child (the process with that pid) joins the scenario's processes as "child",
 * the next one as "child2", then "child3", ..., so `process child` switches to it. The current
 * process stays the parent, as fork returns in the parent. Returns the name given, or NULL. */
const char *vs_runner_adopt_child(VsRunner *runner, uint64_t pid)
{
    VsProcess *child = NULL;
    for (size_t i = 0; i < vs_system_process_count(runner->system); i++)
        if (vs_process_id(vs_system_process(runner->system, i)) == pid)
            child = vs_system_process(runner->system, i);
    if (!child || vs_runner_name_of(runner, child))
        return NULL;
    char *name = g_strdup("child");
    for (unsigned n = 2; name_taken(runner, name); n++) {
        g_free(name);
        name = g_strdup_printf("child%u", n);
    }
    VsNamedProcess named = {name, child};
    g_array_append_val(runner->processes, named);
    return name;
}

/* Writes each recorded part of a failed expectation once: names, fields, calls, and operands. */
static void explain_failure(VsRunner *runner, GString *text)
{
    for (guint i = 0; i < runner->recorded->len; i++) {
        const VsRecorded *r = &g_array_index(runner->recorded, VsRecorded, i);
        VsExprKind kind = r->expr->kind;
        /* The parts worth a value: names, fields, calls with an integer result, arithmetic.
         * Literals say their value already; comparisons and logic are what failed. */
        gboolean arithmetic =
            kind == VS_EXPR_BINARY &&
            (r->expr->op == VS_TOK_PLUS || r->expr->op == VS_TOK_MINUS ||
             r->expr->op == VS_TOK_STAR || r->expr->op == VS_TOK_SLASH ||
             r->expr->op == VS_TOK_PERCENT || r->expr->op == VS_TOK_AMP ||
             r->expr->op == VS_TOK_PIPE || r->expr->op == VS_TOK_SHL || r->expr->op == VS_TOK_SHR);
        gboolean leaf = kind == VS_EXPR_NAME || kind == VS_EXPR_FIELD ||
                        (kind == VS_EXPR_CALL && r->value.kind == VS_VALUE_INT);
        if (!arithmetic && !leaf)
            continue;
        g_string_append_printf(text, "\n      %.*s = ", (int)r->expr->text_length, r->expr->text);
        vs_value_format(&r->value, text);
        if (kind == VS_EXPR_CALL && r->value.kind == VS_VALUE_INT && vs_is_linux(runner->system) &&
            r->value.i == UINT64_MAX) {
            uint32_t e = (uint32_t)vs_errno(vs_runner_thread(runner));
            g_string_append_printf(text, " (errno = %u %s)", e,
                                   vs_errno_name(e) ? vs_errno_name(e) : "");
        } else if (kind == VS_EXPR_CALL && r->value.kind == VS_VALUE_INT && r->value.i == 0) {
            g_string_append_printf(text, " (GetLastError() = %u)",
                                   VsGetLastError(vs_runner_thread(runner)));
        }
    }
}

static gboolean run_expect(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    runner->recorded = g_array_new(FALSE, FALSE, sizeof(VsRecorded));
    VsValue v;
    gboolean ok = vs_eval(runner, stmt->expr, &v, error);
    runner->expectations += ok;
    if (ok && !v.i) {
        GString *text = g_string_new(NULL);
        g_string_append_printf(text, "%s:%u: expectation failed: %.*s", runner->script->source.name,
                               stmt->pos.line, (int)stmt->expr->text_length, stmt->expr->text);
        explain_failure(runner, text);
        if (runner->verbosity == VS_RUN_JSON) {
            vs_json_statement_open(runner, "expect", stmt);
            g_string_append(runner->out, ",\"ok\":false,\"message\":");
            vs_json_string(runner->out, text->str, -1);
            g_string_append(runner->out, "}\n");
        } else {
            g_string_append_printf(runner->out, "%s\n", text->str);
        }
        runner->failures++;
        if (!runner->first_failure)
            runner->first_failure = g_string_free(text, FALSE);
        else
            g_string_free(text, TRUE);
    } else if (ok && runner->verbosity == VS_RUN_EXPLAIN) {
        g_string_append(runner->out, "      holds\n");
    } else if (ok && runner->verbosity == VS_RUN_JSON) {
        vs_json_statement_open(runner, "expect", stmt);
        g_string_append(runner->out, ",\"ok\":true}\n");
    }
    g_array_free(runner->recorded, TRUE);
    runner->recorded = NULL;
    return ok;
}

/* What prints each show form, in shows.def's order: its text view and its JSON data. */
static const struct {
    VsShowFn *text, *json;
} show_printers[] = {
#define SHOW(form_name, argument_kind, form_family, printer, json) {printer, json},
#include "shows.def"
#undef SHOW
};

/* {"type":"show",<the statement's line and source>,"form":...,"process":...,"data":<the form's>}:
 * the data go into a buffer first, so a form that fails leaves no half record. */
static gboolean show_json(VsRunner *runner, size_t index, const VsStmt *stmt, uint64_t argument,
                          GError **error)
{
    GString *saved = runner->out, *data = g_string_new(NULL);
    runner->out = data;
    gboolean ok = show_printers[index].json(runner, argument, error);
    runner->out = saved;
    if (ok) {
        if (stmt)
            vs_json_statement_open(runner, "show", stmt);
        else
            g_string_append_printf(runner->out, "{\"type\":\"show\",\"step\":%zu", runner->step);
        g_string_append_printf(runner->out,
                               ",\"form\":\"%s\",\"process\":", vs_show_form_at(index)->name);
        vs_json_string(runner->out, vs_runner_process_label(runner, vs_runner_process(runner)), -1);
        g_string_append_printf(runner->out, ",\"data\":%s}\n", data->str);
    }
    g_string_free(data, TRUE);
    return ok;
}

/* A show form for the current process, as text or (a JSON run) as data; stmt is the 'show'
 * statement, or NULL for a view the command asked for after each step. */
static gboolean show_form(VsRunner *runner, const char *what, uint64_t argument, const VsStmt *stmt,
                          GError **error)
{
    const VsShowForm *form = vs_show_form(what);
    if (!form) {
        g_set_error(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_RUNTIME, "cannot show '%s'", what);
        return FALSE;
    }
    if (!vs_runner_ensure_process(runner, error))
        return FALSE;
    char *why = NULL;
    if (!vs_show_form_in_system(form, vs_system_layout(runner->system)->name,
                                vs_is_linux(runner->system), &why)) {
        g_set_error_literal(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_RUNTIME, why);
        g_free(why);
        return FALSE;
    }
    size_t index = (size_t)(form - vs_show_form_at(0));
    if (runner->verbosity == VS_RUN_JSON)
        return show_json(runner, index, stmt, argument, error);
    return show_printers[index].text(runner, argument, error);
}

gboolean vs_runner_show(VsRunner *runner, const char *what, uint64_t argument, GError **error)
{
    if (!runner->system && !create_system(runner, &runner->script->config, error))
        return FALSE;
    return show_form(runner, what, argument, NULL, error);
}

/* A 'show' form's own error (no such frame, not a section handle) knows nothing of the script: it
 * is given the statement's line and a caret under the argument, as every runtime error has. */
static gboolean run_show(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    uint64_t argument = VS_SHOW_NO_ARGUMENT;
    if (stmt->expr) {
        VsValue v;
        if (!vs_eval(runner, stmt->expr, &v, error))
            return FALSE;
        argument = v.i;
    }
    GError *failure = NULL;
    if (show_form(runner, stmt->text, argument, stmt, &failure))
        return TRUE;
    vs_runtime_error(runner, error, stmt->expr ? stmt->expr->pos : stmt->pos, "%s",
                     failure->message);
    g_error_free(failure);
    return FALSE;
}

/* What the checker knows of each variable the run has now: its shape, for a 'show' at the
 * prompt. */
static GHashTable *variable_shapes(const VsRunner *runner)
{
    GHashTable *shapes = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTableIter it;
    gpointer name, value;
    g_hash_table_iter_init(&it, runner->variables);
    while (g_hash_table_iter_next(&it, &name, &value)) {
        const VsValue *v = value;
        VsShapeKind kind = v->kind == VS_VALUE_MBI          ? VS_SHAPE_MBI
                           : v->kind == VS_VALUE_RECORD     ? VS_SHAPE_RECORD
                           : v->kind == VS_VALUE_STRING     ? VS_SHAPE_STRING
                           : v->kind == VS_VALUE_PARAMETERS ? VS_SHAPE_PARAMETERS
                                                            : VS_SHAPE_INT;
        g_hash_table_insert(shapes, name, VS_SHAPE(kind, v->record));
    }
    return shapes;
}

/* The prompt's line as one checked 'show' statement, or NULL with *error naming its mistakes. */
static VsScript *prompt_statement(VsRunner *runner, const char *line, GError **error)
{
    VsDiagnostics diags;
    vs_diagnostics_init(&diags);
    VsScript *one = vs_script_parse_unchecked("(prompt)", line, strlen(line), &diags);
    if (one && (one->count != 1 || one->stmts[0].kind != VS_STMT_SHOW)) {
        vs_diag_report(&diags, VS_DIAG_ERROR, &one->source, one->stmts[0].pos,
                       "the prompt takes one 'show' (show FORM [EXPR])");
    } else if (one) {
        GHashTable *shapes = variable_shapes(runner);
        vs_resolve_prompt(&one->source, &one->stmts[0], runner->script, shapes, &diags);
        g_hash_table_destroy(shapes);
    }
    if (diags.errors) {
        g_autofree char *text = vs_diagnostics_text(&diags, TRUE, "(prompt)");
        g_set_error_literal(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_PARSE, text);
        g_clear_pointer(&one, vs_script_free);
    }
    vs_diagnostics_clear(&diags);
    return one;
}

/* A number typed in decimal where an address goes: said to be decimal, as in a file (WinDbg would
 * read 10000 as hex). */
static void note_decimal(VsRunner *runner, const VsExpr *e)
{
    if (e && e->kind == VS_EXPR_INT && e->value >= 10 &&
        !g_ascii_isalpha(e->text[e->text_length - 1]) &&
        !(e->text_length > 1 && (e->text[1] == 'x' || e->text[1] == 'X')))
        g_string_append_printf(
            runner->out,
            "      (%.*s is decimal, as in a scenario file: 0x%" G_GINT64_MODIFIER
            "X; write 0x%.*s for hex)\n",
            (int)e->text_length, e->text, e->value, (int)e->text_length, e->text);
}

gboolean vs_runner_show_line(VsRunner *runner, const char *line, GError **error)
{
    VsScript *one = prompt_statement(runner, line, error);
    if (!one)
        return FALSE;
    if (!runner->system && !create_system(runner, &runner->script->config, error)) {
        vs_script_free(one);
        return FALSE;
    }
    /* The line is the script while it runs, so an error quotes it. */
    const VsScript *saved = runner->script;
    runner->script = one;
    gboolean ok = run_show(runner, &one->stmts[0], error);
    runner->script = saved;
    if (ok)
        note_decimal(runner, one->stmts[0].expr);
    vs_script_free(one);
    return ok;
}

/* The call a statement's expression makes, or FALSE when it is no call of the language (a value,
 * an expression, MemAddressRequirements). */
static gboolean statement_call(const VsStmt *stmt, VsOpKind *kind)
{
    return stmt->expr->kind == VS_EXPR_CALL &&
           vs_op_lookup_call(stmt->expr->name, stmt->expr->arg_count, kind);
}

/* The value of a statement in words, after "= ": the value, and for a call what it means. */
static void append_value_words(VsRunner *runner, const VsStmt *stmt, const VsValue *v)
{
    VsOpKind kind;
    if (statement_call(stmt, &kind))
        vs_narrate_result(runner, kind, v);
    else
        vs_value_format(v, runner->out);
}

/* {"type":"assign"|"call",...,"value":N,"last_error":N,"last_status":N,"text":"<in words>"} */
static void report_value_json(VsRunner *runner, const VsStmt *stmt, const VsValue *v)
{
    VsThread *thread = vs_runner_thread(runner);
    uint32_t last_error = vs_is_linux(runner->system) ? (uint32_t)vs_errno(thread)
                                                      : VsGetLastError(thread); /* errno on Linux */
    GString *words = g_string_new(NULL), *saved = runner->out;
    runner->out = words;
    append_value_words(runner, stmt, v);
    runner->out = saved;
    vs_json_statement_open(runner, stmt->kind == VS_STMT_ASSIGN ? "assign" : "call", stmt);
    if (stmt->kind == VS_STMT_ASSIGN) {
        g_string_append(runner->out, ",\"variable\":");
        vs_json_string(runner->out, stmt->text, -1);
    }
    g_string_append_printf(
        runner->out,
        ",\"value\":%" G_GUINT64_FORMAT ",\"last_error\":%u,\"last_status\":%u,\"text\":", v->i,
        last_error, VsRtlGetLastNtStatus(thread));
    vs_json_string(runner->out, words->str, (gssize)words->len);
    g_string_append(runner->out, "}\n");
    g_string_free(words, TRUE);
}

/* The value of a statement, after its line: "= 0x10000", and for a call what it means. */
static void report_value(VsRunner *runner, const VsStmt *stmt, const VsValue *v)
{
    if (runner->verbosity == VS_RUN_JSON) {
        report_value_json(runner, stmt, v);
        return;
    }
    if (runner->verbosity != VS_RUN_EXPLAIN)
        return;
    g_string_append(runner->out, "      = ");
    append_value_words(runner, stmt, v);
    g_string_append_c(runner->out, '\n');
}

static gboolean run_value_statement(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    VsValue v;
    runner->statement_call = stmt->expr->kind == VS_EXPR_CALL ? stmt->expr : NULL;
    gboolean ok = vs_eval(runner, stmt->expr, &v, error);
    runner->statement_call = NULL;
    if (!ok)
        return FALSE;
    if (v.kind == VS_VALUE_WAITING) {
        if (stmt->kind == VS_STMT_ASSIGN)
            vs_blocked_assign(runner, stmt->text);
        if (runner->verbosity == VS_RUN_EXPLAIN)
            g_string_append(runner->out, "      = (no value yet: the thread waits in the call "
                                         "until a later call completes it)\n");
        return TRUE;
    }
    if (stmt->kind == VS_STMT_ASSIGN) {
        VsValue *stored = g_new(VsValue, 1);
        *stored = v;
        g_hash_table_replace(runner->variables, g_strdup(stmt->text), stored);
    }
    report_value(runner, stmt, &v);
    return TRUE;
}

/* tick [N]: N passes of the balance set manager, each narrated as calls are. */
static gboolean run_tick(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    uint64_t passes = 1;
    if (stmt->expr) {
        VsValue v;
        if (!vs_eval(runner, stmt->expr, &v, error))
            return FALSE;
        if (v.kind != VS_VALUE_INT || v.i == 0 || v.i > 1000) {
            vs_runtime_error(runner, error, stmt->expr->pos,
                             "tick takes a number of passes from 1 to 1000");
            return FALSE;
        }
        passes = v.i;
    }
    if (!vs_runner_ensure_process(runner, error))
        return FALSE;
    for (uint64_t i = 0; i < passes; i++) {
        vs_event_log_clear(&runner->log);
        vs_balance_set_tick(runner->system);
        vs_runner_keep_events(runner);
        if (runner->verbosity == VS_RUN_EXPLAIN && passes > 1)
            g_string_append_printf(runner->out, "      pass %" G_GUINT64_FORMAT ":\n", i + 1);
        if (runner->verbosity != VS_RUN_QUIET)
            vs_narrate_events(runner);
    }
    vs_event_log_clear(&runner->log);
    return TRUE;
}

/* 'as NAME:': the thread whose handle NAME holds (in the current process's table) makes the
 * statement's calls; one that has ended, or belongs to another process, makes none. */
static gboolean act_as(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    VsValue v;
    if (!vs_eval(runner, stmt->thread, &v, error) || !vs_runner_ensure_process(runner, error))
        return FALSE;
    VsProcess *process = vs_runner_process(runner);
    VsThread *thread = vs_handle_thread(vs_process_main_thread(process), v.i);
    VsThreadInfo info;
    if (thread)
        vs_thread_info(thread, &info);
    if (!thread || vs_thread_process(thread) != process || info.terminated) {
        vs_runtime_error(runner, error, stmt->thread->pos,
                         !thread ? "as %s: 0x%" G_GINT64_MODIFIER "X is no thread's handle in "
                                   "this process"
                         : info.terminated ? "as %s: the thread (0x%" G_GINT64_MODIFIER
                                             "X) has ended and makes no more calls"
                                           : "as %s: the thread (0x%" G_GINT64_MODIFIER
                                             "X) runs in another process: its calls are that "
                                             "process's",
                         stmt->thread->name, v.i);
        return FALSE;
    }
    runner->acting = thread;
    runner->acting_handle = v.i;
    runner->acting_name = stmt->thread->name;
    return TRUE;
}

/* The statements that use the system, made by the process's thread or the one 'as' names. */
static gboolean run_system_statement(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    switch (stmt->kind) {
    case VS_STMT_PROCESS: return run_process(runner, stmt, error);
    case VS_STMT_EXPECT: return run_expect(runner, stmt, error);
    case VS_STMT_SHOW: return run_show(runner, stmt, error);
    case VS_STMT_TICK: return run_tick(runner, stmt, error);
    default: return run_value_statement(runner, stmt, error);
    }
}

void vs_runner_set_invariants(VsRunner *runner, gboolean check) { runner->invariants = check; }

/* Where the runner checks invariants, the model's checker after the statement: a broken one is a
 * runtime error at the statement, naming it. */
static gboolean invariants_hold(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    char why[512];
    if (!runner->invariants || !runner->system || (vs_check(runner->system, why, sizeof why)))
        return TRUE;
    vs_runtime_error(runner, error, stmt->pos, "the model broke an invariant here: %s", why);
    return FALSE;
}

static gboolean run_statement(VsRunner *runner, const VsStmt *stmt, GError **error)
{
    gboolean explain = runner->verbosity == VS_RUN_EXPLAIN;
    if (stmt->kind == VS_STMT_SYSTEM)
        return run_system(runner, stmt, error);
    switch (stmt->kind) {
    case VS_STMT_TITLE:
        if (explain)
            g_string_append_printf(runner->out, "# %s\n", stmt->text);
        return TRUE;
    case VS_STMT_STEP:
        runner->step++;
        if (runner->verbosity == VS_RUN_JSON)
            vs_json_step(runner, stmt->text);
        if (explain)
            g_string_append_printf(runner->out, "\n== Step %zu of %zu: %s ==\n", runner->step,
                                   runner->script->steps, stmt->text);
        return TRUE;
    case VS_STMT_NOTE:
        if (explain)
            g_string_append_printf(runner->out, "   %s\n", stmt->text);
        if (runner->verbosity == VS_RUN_JSON) {
            g_string_append(runner->out, "{\"type\":\"note\",\"text\":");
            vs_json_string(runner->out, stmt->text, -1);
            g_string_append(runner->out, "}\n");
        }
        return TRUE;
    default: break;
    }
    /* Anything else uses the system: without a 'system' line it is an x64 machine. */
    if (!runner->system && !create_system(runner, &runner->script->config, error))
        return FALSE;
    if (explain)
        append_source_line(runner, stmt);
    if (stmt->thread && !act_as(runner, stmt, error))
        return FALSE;
    gboolean ok = run_system_statement(runner, stmt, error);
    runner->acting = NULL;
    runner->acting_handle = 0;
    runner->acting_name = NULL;
    return ok && vs_blocked_finish(runner, error) && invariants_hold(runner, stmt, error);
}

gboolean vs_runner_run_step(VsRunner *runner, gboolean *finished, GError **error)
{
    const VsScript *script = runner->script;
    gboolean first = TRUE;
    g_array_set_size(runner->step_events, 0);
    while (runner->pc < script->count) {
        const VsStmt *stmt = &script->stmts[runner->pc];
        if (stmt->kind == VS_STMT_STEP && !first)
            break;
        first = FALSE;
        runner->pc++;
        if (!run_statement(runner, stmt, error))
            return FALSE;
    }
    *finished = runner->pc >= script->count;
    return TRUE;
}

gboolean vs_runner_run_all(VsRunner *runner, GError **error)
{
    gboolean finished = FALSE;
    while (!finished)
        if (!vs_runner_run_step(runner, &finished, error))
            return FALSE;
    return TRUE;
}

gboolean vs_runner_goto_step(VsRunner *runner, size_t step, GError **error)
{
    destroy_system(runner);
    g_hash_table_remove_all(runner->variables);
    runner->pc = runner->step = runner->failures = runner->expectations = 0;
    runner->exception = STATUS_SUCCESS;
    runner->exception_access = 0;
    g_clear_pointer(&runner->first_failure, g_free);
    GString *saved = runner->out;
    VsRunVerbosity verbosity = runner->verbosity;
    GString *discard = g_string_new(NULL);
    runner->out = discard;
    runner->verbosity = VS_RUN_QUIET;
    gboolean ok = TRUE;
    /* Run whole steps until the next statement to run is the 'step' line of the step asked for. */
    while (ok && runner->pc < runner->script->count) {
        const VsStmt *next = &runner->script->stmts[runner->pc];
        if (next->kind == VS_STMT_STEP && runner->step + 1 >= step)
            break;
        gboolean finished;
        ok = vs_runner_run_step(runner, &finished, error);
    }
    runner->out = saved;
    runner->verbosity = verbosity;
    g_string_free(discard, TRUE);
    return ok;
}
