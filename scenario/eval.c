/*
 * eval.c - evaluating scenario expressions: integers, names, C operators, and calls into the model
 * with the real Win32 and NT names and argument order (and, in a Linux system, C's mmap and kin).
 *
 * Names resolve to a variable first, then to a constant the model knows (MEM_, PAGE_, STATUS_,
 * ERROR_; for Linux PROT_, MAP_, MADV_, E...), then to NULL, TRUE, FALSE and INVALID_HANDLE_VALUE,
 * and the builtins exception and errno. '&name' passes a variable in and out, as C passes a
 * pointer: NtAllocateVirtualMemory(h, &a, 0, &s, ...) reads a and s and writes the rounded base and
 * size back. A call the model does not support is an error that names the nearest one it does; a
 * Windows call in a Linux system (or the reverse) is an error that says so.
 */
#include <string.h>

#include "runner_int.h"

void vs_runtime_error(VsRunner *runner, GError **error, VsSourcePos pos, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);
    vs_diag_error(error, VS_SCENARIO_ERROR_RUNTIME, &runner->script->source, pos, "%s", message);
}

static void format_number(uint64_t value, GString *out)
{
    if (value < 10)
        g_string_append_printf(out, "%" G_GUINT64_FORMAT, value);
    else
        g_string_append_printf(out, "0x%" G_GINT64_MODIFIER "x", value);
}

/* A list of extended parameters: each MEM_EXTENDED_PARAMETER by its type's name, with its value
 * or MEM_ADDRESS_REQUIREMENTS. */
static void format_parameters(const VsValue *value, GString *out)
{
    static const char *const types[] = {"Invalid",         "AddressRequirements", "NumaNode",
                                        "PartitionHandle", "UserPhysicalHandle",  "AttributeFlags",
                                        "ImageMachine"};
    for (uint64_t k = 0; k < value->i; k++) {
        const uint64_t *f = value->fields + 4 * k;
        g_string_append(out, k ? ", " : "");
        if (f[0] < G_N_ELEMENTS(types))
            g_string_append_printf(out, "MemExtendedParameter%s ", types[f[0]]);
        else
            g_string_append_printf(out, "MemExtendedParameter type %" G_GUINT64_FORMAT " ", f[0]);
        if (f[0] == MemExtendedParameterAddressRequirements)
            g_string_append_printf(
                out,
                "{LowestStartingAddress 0x%" G_GINT64_MODIFIER "x, HighestEndingAddress "
                "0x%" G_GINT64_MODIFIER "x, Alignment 0x%" G_GINT64_MODIFIER "x}",
                f[1], f[2], f[3]);
        else
            g_string_append_printf(out, "0x%" G_GINT64_MODIFIER "x", f[1]);
    }
}

void vs_value_format(const VsValue *value, GString *out)
{
    if (value->kind == VS_VALUE_STRING) {
        g_string_append_printf(out, "\"%s\"", value->s);
        return;
    }
    if (value->kind == VS_VALUE_PARAMETERS) {
        format_parameters(value, out);
        return;
    }
    format_number(value->i, out);
    if (value->kind != VS_VALUE_RECORD)
        return;
    const VsRecordSpec *spec = vs_record_spec(value->record);
    g_string_append_printf(out, ", %s {", spec->type);
    for (uint32_t i = 0; i < spec->count; i++) {
        g_string_append_printf(out, "%s%s ", i ? ", " : "", spec->fields[i]);
        format_number(value->fields[i], out);
    }
    g_string_append(out, "}");
}

static VsValue int_value(uint64_t i) { return (VsValue){.kind = VS_VALUE_INT, .i = i}; }

/* ---- Processes ------------------------------------------------------------------------------- */

VsProcess *vs_runner_process(const VsRunner *runner)
{
    return g_array_index(runner->processes, VsNamedProcess, runner->current_index).process;
}

VsThread *vs_runner_thread(const VsRunner *runner)
{
    return runner->acting ? runner->acting : vs_process_main_thread(vs_runner_process(runner));
}

/* A new process of the scenario's system: a Linux one starts as execve leaves a program, with
 * the main thread's [stack] (NULL when out of host memory). */
VsProcess *vs_runner_new_process(VsRunner *runner, const char *name)
{
    VsProcess *process = vs_process_create(runner->system, name);
    if (process && vs_is_linux(runner->system) &&
        vs_linux_exec_stack(vs_process_main_thread(process)) != 0)
        return NULL; /* the process stays in the system, which frees it */
    return process;
}

/* The first process exists implicitly: it is made on first use, called "main". */
gboolean vs_runner_ensure_process(VsRunner *runner, GError **error)
{
    if (runner->processes->len > 0)
        return TRUE;
    VsProcess *process = vs_runner_new_process(runner, "main");
    if (!process) {
        g_set_error_literal(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_RUNTIME,
                            "out of host memory creating a process");
        return FALSE;
    }
    VsNamedProcess named = {g_strdup("main"), process};
    g_array_append_val(runner->processes, named);
    runner->current_index = 0;
    return TRUE;
}

/* ---- Names ----------------------------------------------------------------------------------- */

static gboolean linux_system(const VsRunner *runner) { return vs_is_linux(runner->system); }

/* errno: the current thread's, as the last Linux call left it (a success leaves it alone). */
static gboolean eval_errno(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    if (!linux_system(runner)) {
        vs_runtime_error(runner, error, expr->pos,
                         "errno is Linux's; this scenario's system is %s: GetLastError() "
                         "reads the last error",
                         vs_system_layout(runner->system)->name);
        return FALSE;
    }
    if (!vs_runner_ensure_process(runner, error))
        return FALSE;
    *out = int_value((uint64_t)vs_errno(vs_runner_thread(runner)));
    return TRUE;
}

static gboolean eval_name(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    VsValue *variable = g_hash_table_lookup(runner->variables, expr->name);
    if (variable) {
        *out = *variable;
        return TRUE;
    }
    uint64_t value;
    if (vs_scenario_constant(expr->name, &value)) {
        *out = int_value(value);
        return TRUE;
    }
    if (strcmp(expr->name, "exception") == 0) {
        *out = int_value(runner->exception);
        return TRUE;
    }
    if (strcmp(expr->name, "exception_access") == 0) {
        *out = int_value(runner->exception_access);
        return TRUE;
    }
    if (strcmp(expr->name, "errno") == 0)
        return eval_errno(runner, expr, out, error);
    const VsBlockedCall *waiting = vs_blocked_writing(runner, expr->name);
    if (waiting) {
        vs_runtime_error(runner, error, expr->pos,
                         "'%s' has no value yet: the %s made on line %u, which writes it, still "
                         "waits (a later call must complete it)",
                         expr->name, vs_op_spec(waiting->op.kind)->name, waiting->line);
        return FALSE;
    }
    /* The checker saw the name assigned before this line: by a call given '&name' that did not
     * write it. */
    vs_runtime_error(runner, error, expr->pos,
                     "'%s' has no value: the call given '&%s' before this line did not write it "
                     "(it failed first)",
                     expr->name, expr->name);
    return FALSE;
}

/* ---- Operators ------------------------------------------------------------------------------- */

static gboolean need_int(VsRunner *runner, const VsExpr *expr, const VsValue *v, GError **error)
{
    if (v->kind != VS_VALUE_STRING && v->kind != VS_VALUE_PARAMETERS)
        return TRUE;
    vs_runtime_error(runner, error, expr->pos,
                     v->kind == VS_VALUE_STRING ? "a string is not a number here"
                                                : "extended parameters are not a number: they "
                                                  "go to VirtualAlloc2, MapViewOfFile3 and the "
                                                  "NT calls' Ex forms");
    return FALSE;
}

static gboolean eval_unary(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    VsValue v;
    if (!vs_eval(runner, expr->left, &v, error) || !need_int(runner, expr->left, &v, error))
        return FALSE;
    uint64_t i = expr->op == VS_TOK_BANG ? !v.i : expr->op == VS_TOK_TILDE ? ~v.i : 0 - v.i;
    *out = int_value(i);
    return TRUE;
}

static gboolean arithmetic(VsRunner *runner, const VsExpr *expr, uint64_t a, uint64_t b,
                           uint64_t *r, GError **error)
{
    switch (expr->op) {
    case VS_TOK_PLUS: *r = a + b; break;
    case VS_TOK_MINUS: *r = a - b; break;
    case VS_TOK_STAR: *r = a * b; break;
    case VS_TOK_SLASH:
    case VS_TOK_PERCENT:
        if (b == 0) {
            vs_runtime_error(runner, error, expr->pos, "division by zero");
            return FALSE;
        }
        *r = expr->op == VS_TOK_SLASH ? a / b : a % b;
        break;
    case VS_TOK_SHL: *r = b >= 64 ? 0 : a << b; break;
    case VS_TOK_SHR: *r = b >= 64 ? 0 : a >> b; break;
    case VS_TOK_AMP: *r = a & b; break;
    case VS_TOK_PIPE: *r = a | b; break;
    case VS_TOK_CARET: *r = a ^ b; break;
    case VS_TOK_EQ: *r = a == b; break;
    case VS_TOK_NE: *r = a != b; break;
    case VS_TOK_LT: *r = a < b; break;
    case VS_TOK_LE: *r = a <= b; break;
    case VS_TOK_GT: *r = a > b; break;
    case VS_TOK_GE: *r = a >= b; break;
    default: vs_runtime_error(runner, error, expr->pos, "unknown operator"); return FALSE;
    }
    return TRUE;
}

static gboolean eval_binary(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    VsValue a, b;
    if (!vs_eval(runner, expr->left, &a, error) || !need_int(runner, expr->left, &a, error))
        return FALSE;
    /* && and || do not evaluate their right side when the left decides, as in C. */
    if ((expr->op == VS_TOK_AND && !a.i) || (expr->op == VS_TOK_OR && a.i)) {
        *out = int_value(expr->op == VS_TOK_OR);
        return TRUE;
    }
    if (!vs_eval(runner, expr->right, &b, error) || !need_int(runner, expr->right, &b, error))
        return FALSE;
    if (expr->op == VS_TOK_AND || expr->op == VS_TOK_OR) {
        *out = int_value(b.i != 0);
        return TRUE;
    }
    uint64_t r;
    if (!arithmetic(runner, expr, a.i, b.i, &r, error))
        return FALSE;
    *out = int_value(r);
    return TRUE;
}

/* A field of a record: Windows' name, or a hint at the nearest one. */
static gboolean record_field(VsRunner *runner, const VsExpr *expr, const VsValue *v, VsValue *out,
                             GError **error)
{
    const VsRecordSpec *spec = vs_record_spec(v->record);
    for (uint32_t i = 0; i < spec->count; i++)
        if (strcmp(expr->name, spec->fields[i]) == 0) {
            *out = int_value(v->fields[i]);
            return TRUE;
        }
    g_autofree char *hint = vs_diag_did_you_mean(expr->name, spec->fields, spec->count);
    vs_runtime_error(runner, error, expr->pos, "%s has no field '%s'%s", spec->type, expr->name,
                     hint);
    return FALSE;
}

static gboolean eval_field(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    VsValue v;
    if (!vs_eval(runner, expr->left, &v, error))
        return FALSE;
    if (v.kind == VS_VALUE_RECORD)
        return record_field(runner, expr, &v, out, error);
    if (v.kind != VS_VALUE_MBI) {
        vs_runtime_error(runner, error, expr->pos,
                         "this is a number: only a structure a call filled has fields "
                         "(VirtualQuery, GetProcessMemoryInfo, QueryWorkingSetEx, "
                         "GlobalMemoryStatusEx), and only when the call succeeded");
        return FALSE;
    }
    const VsMemoryBasicInformation *m = &v.mbi;
    const uint64_t values[] = {m->BaseAddress, m->AllocationBase, m->AllocationProtect,
                               m->RegionSize,  m->State,          m->Protect,
                               m->Type};
    const VsRecordSpec *spec = vs_mbi_spec();
    for (size_t i = 0; i < spec->count; i++)
        if (strcmp(expr->name, spec->fields[i]) == 0) {
            *out = int_value(values[i]);
            return TRUE;
        }
    g_autofree char *hint = vs_diag_did_you_mean(expr->name, spec->fields, spec->count);
    vs_runtime_error(runner, error, expr->pos, "MEMORY_BASIC_INFORMATION has no field '%s'%s",
                     expr->name, hint);
    return FALSE;
}

/* ---- Calls ----------------------------------------------------------------------------------- */

static void set_variable(VsRunner *runner, const char *name, VsValue value)
{
    VsValue *stored = g_new(VsValue, 1);
    *stored = value;
    g_hash_table_replace(runner->variables, g_strdup(name), stored);
}

void vs_runner_set_variable(VsRunner *runner, const char *name, uint64_t value)
{
    set_variable(runner, name, int_value(value));
}

static gboolean unknown_call(VsRunner *runner, const VsExpr *expr, GError **error)
{
    const char *names[VS_OP_COUNT];
    for (int i = 0; i < VS_OP_COUNT; i++)
        names[i] = vs_op_spec((VsOpKind)i)->name;
    g_autofree char *hint = vs_diag_did_you_mean(expr->name, names, VS_OP_COUNT);
    vs_runtime_error(runner, error, expr->pos, "'%s' is not a call this model supports%s",
                     expr->name, hint);
    return FALSE;
}

/* A by-reference argument going in: its variable's value. An in/out one must have a value (an
 * uninitialised C local would be a bug there too); an out-only one may be new. */
static gboolean eval_ref(VsRunner *runner, const VsOpSpec *spec, const VsExpr *arg, size_t i,
                         uint64_t *value, GError **error)
{
    VsValue *v = g_hash_table_lookup(runner->variables, arg->name);
    if (v) {
        *value = v->i;
        return TRUE;
    }
    if (!(spec->in_refs & (1u << i))) {
        *value = 0;
        return TRUE;
    }
    vs_runtime_error(runner, error, arg->pos,
                     "'%s' is passed in and out but has no value yet; assign it first", arg->name);
    return FALSE;
}

/* Evaluates the arguments into op: values, and for &var the variable going in. A pointer argument
 * given as a value is passed as that pointer (NULL, or a bad one) and nothing is written back. */
static gboolean eval_args(VsRunner *runner, const VsOpSpec *spec, const VsExpr *expr, VsOp *op,
                          GError **error)
{
    for (size_t i = 0; i < expr->arg_count; i++) {
        const VsExpr *arg = expr->args[i];
        if (arg->kind == VS_EXPR_ADDRESS_OF) {
            if (!(spec->ref_args & (1u << i))) {
                vs_runtime_error(runner, error, arg->pos,
                                 "argument %zu of %s is passed by value, not by '&'", i + 1,
                                 spec->name);
                return FALSE;
            }
            op->by_ref |= 1u << i;
            if (!eval_ref(runner, spec, arg, i, &op->arg[i], error))
                return FALSE;
            continue;
        }
        VsValue v;
        if (!vs_eval(runner, arg, &v, error))
            return FALSE;
        if ((spec->contents_args & (1u << i)) && v.kind == VS_VALUE_STRING) {
            if (strlen(v.s) >= sizeof op->contents) {
                vs_runtime_error(runner, error, arg->pos,
                                 "a file's text is at most %zu characters here; give the rest "
                                 "as its size and fill",
                                 sizeof op->contents - 1);
                return FALSE;
            }
            g_strlcpy(op->contents, v.s, sizeof op->contents);
            op->arg[i] = 1;
            continue;
        }
        if ((spec->string_args & (1u << i)) && v.kind == VS_VALUE_STRING) {
            if (strlen(v.s) >= sizeof op->text) {
                vs_runtime_error(runner, error, arg->pos,
                                 "argument %zu of %s: a name of at most %zu characters", i + 1,
                                 spec->name, sizeof op->text - 1);
                return FALSE;
            }
            g_strlcpy(op->text, v.s, sizeof op->text);
            op->arg[i] = 1; /* a name is given */
            continue;
        }
        if ((spec->extended_args & (1u << i)) && v.kind == VS_VALUE_PARAMETERS) {
            op->parameter_count = (uint32_t)v.i;
            for (uint32_t k = 0; k < op->parameter_count; k++) {
                const uint64_t *f = v.fields + 4 * k;
                op->parameters[k] = (VsOpParameter){(uint32_t)f[0], f[1], {f[1], f[2], f[3]}};
            }
            op->arg[i] = 1; /* a list is given */
            continue;
        }
        if (!need_int(runner, arg, &v, error))
            return FALSE;
        if ((spec->extended_args & (1u << i)) && v.i != 0) {
            vs_runtime_error(runner, error, arg->pos,
                             "argument %zu of %s is a list of extended parameters "
                             "(MemAddressRequirements(lowest, highest, alignment), ...) or NULL",
                             i + 1, spec->name);
            return FALSE;
        }
        if ((spec->string_args & (1u << i)) && v.i != 0) {
            vs_runtime_error(runner, error, arg->pos,
                             "argument %zu of %s is a name: a \"string\" or NULL", i + 1,
                             spec->name);
            return FALSE;
        }
        op->arg[i] = v.i;
    }
    return TRUE;
}

/* A byte argument (write's value) is 0 to 255. */
static gboolean check_bytes(VsRunner *runner, const VsExpr *expr, const VsOp *op, GError **error)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    for (uint32_t i = 0; i < spec->arity; i++) {
        if (!(spec->byte_args & (1u << i)) || op->arg[i] <= 0xFF)
            continue;
        vs_runtime_error(runner, error, expr->args[i]->pos,
                         "%s stores one byte: the value must be 0 to 255, not %" G_GUINT64_FORMAT,
                         spec->name, op->arg[i]);
        return FALSE;
    }
    return TRUE;
}

/* A count beyond the list would have the real call read past it (NULL with a count is fine: the
 * call refuses it). */
static gboolean check_parameter_count(VsRunner *runner, const VsExpr *expr, const VsOp *op,
                                      GError **error)
{
    uint32_t bits = vs_op_spec(op->kind)->extended_args;
    if (!bits)
        return TRUE;
    int list = __builtin_ctz(bits);
    if (!op->arg[list] || op->arg[list + 1] <= op->parameter_count)
        return TRUE;
    vs_runtime_error(runner, error, expr->args[list + 1]->pos,
                     "%s is given %u extended parameter%s, so its count is at most that, not "
                     "%" G_GUINT64_FORMAT,
                     vs_op_spec(op->kind)->name, op->parameter_count,
                     op->parameter_count == 1 ? "" : "s", op->arg[list + 1]);
    return FALSE;
}

/* A list of extended parameters, as the builtin b makes it: one parameter of b's type from its
 * arguments, or (MemExtendedParameters) the lists given, joined. */
static gboolean eval_parameters(VsRunner *runner, const VsExpr *expr, const VsParameterBuiltin *b,
                                VsValue *out, GError **error)
{
    gboolean join = b->type == VS_PARAMETER_JOIN;
    if (join ? expr->arg_count < 2 || expr->arg_count > VS_OP_MAX_PARAMETERS
             : expr->arg_count != b->arity) {
        vs_runtime_error(runner, error, expr->pos, "%s takes %s%s, not %zu argument%s", b->name,
                         join ? "" : "its ", b->about, expr->arg_count,
                         expr->arg_count == 1 ? "" : "s");
        return FALSE;
    }
    *out = (VsValue){.kind = VS_VALUE_PARAMETERS};
    uint64_t *entry = out->fields;
    if (!join) {
        out->i = 1;
        entry[0] = b->type;
    }
    for (size_t i = 0; i < expr->arg_count; i++) {
        VsValue v;
        if (!vs_eval(runner, expr->args[i], &v, error))
            return FALSE;
        if (join && v.kind != VS_VALUE_PARAMETERS) {
            vs_runtime_error(runner, error, expr->args[i]->pos,
                             "%s joins lists of extended parameters (MemAddressRequirements(...), "
                             "MemAttributeFlags(...), ...), and this is not one",
                             b->name);
            return FALSE;
        }
        if (join && out->i + v.i > VS_OP_MAX_PARAMETERS) {
            vs_runtime_error(runner, error, expr->pos,
                             "a list holds at most %d extended parameters", VS_OP_MAX_PARAMETERS);
            return FALSE;
        }
        if (join) {
            memcpy(out->fields + 4 * out->i, v.fields, 4 * v.i * sizeof v.fields[0]);
            out->i += v.i;
        } else if (!need_int(runner, expr->args[i], &v, error)) {
            return FALSE;
        } else {
            /* MemExtendedParameter's type is its first argument; the rest fill the entry. */
            entry[b->type == VS_PARAMETER_RAW ? i : i + 1] = v.i;
        }
    }
    if (b->type == VS_PARAMETER_RAW && entry[0] == MemExtendedParameterAddressRequirements) {
        vs_runtime_error(runner, error, expr->args[0]->pos,
                         "an address requirement points to its structure: write "
                         "MemAddressRequirements(lowest, highest, alignment)");
        return FALSE;
    }
    return TRUE;
}

/* The call's value in the scenario: its return value; VirtualQuery's record with it. */
static VsValue call_value(const VsOutcome *outcome)
{
    VsValue v = int_value(outcome->ret);
    if (outcome->has_mbi) {
        v.kind = VS_VALUE_MBI;
        v.mbi = outcome->mbi;
    } else if (outcome->record != VS_RECORD_NONE) {
        v.kind = VS_VALUE_RECORD;
        v.record = outcome->record;
        memcpy(v.fields, outcome->fields, sizeof v.fields);
    }
    return v;
}

static void write_back(VsRunner *runner, const VsExpr *expr, const VsOutcome *outcome)
{
    for (size_t i = 0; i < expr->arg_count; i++)
        if (outcome->out_written & (1u << i))
            set_variable(runner, expr->args[i]->name, int_value(outcome->out[i]));
}

/* A Linux call in a Windows system, or a Windows call in a Linux one, is the scenario's mistake. */
static gboolean check_family(VsRunner *runner, const VsExpr *expr, VsOpKind kind, GError **error)
{
    VsOpFamily family = vs_op_family(kind);
    gboolean linux_call = family == VS_FAMILY_LINUX;
    if (family == VS_FAMILY_BOTH || linux_call == linux_system(runner))
        return TRUE;
    vs_runtime_error(runner, error, expr->pos, "%s is a %s call; this scenario's system is %s",
                     expr->name, linux_call ? "Linux" : "Windows",
                     vs_system_layout(runner->system)->name);
    return FALSE;
}

/* WriteFile writes pipes only (a data file changes through its views in the model); read_file
 * reads a data file at an offset, which a pipe has not. */
static gboolean check_file_kind(VsRunner *runner, const VsExpr *expr, const VsOp *op,
                                GError **error)
{
    bool pipe;
    if ((op->kind != VS_OP_WRITE_FILE && op->kind != VS_OP_READ_FILE) ||
        !vs_handle_file_kind(vs_runner_thread(runner), op->arg[0], &pipe))
        return TRUE; /* not a file handle: the call's own failure */
    if (op->kind == VS_OP_WRITE_FILE && !pipe) {
        vs_runtime_error(runner, error, expr->args[0]->pos,
                         "WriteFile writes to a pipe in this model; a data file is written "
                         "through a view of it (MapViewOfFile)");
        return FALSE;
    }
    if (op->kind == VS_OP_READ_FILE && pipe) {
        vs_runtime_error(runner, error, expr->args[0]->pos,
                         "read_file reads a data file at an offset, and a pipe has none: read it "
                         "with ReadFile");
        return FALSE;
    }
    return TRUE;
}

/* A thread waiting in a call makes no calls, and none runs on it (its exit, a touch of its stack,
 * its stack guarantee). */
static gboolean check_not_waiting(VsRunner *runner, const VsExpr *expr, const VsOp *op,
                                  GError **error)
{
    VsThread *caller = vs_runner_thread(runner);
    VsThread *target = NULL;
    if (op->kind == VS_OP_THREAD_EXIT || op->kind == VS_OP_STACK_TOUCH ||
        op->kind == VS_OP_THREAD_STACK_GUARANTEE)
        target = vs_handle_thread(caller, op->arg[0]);
    const VsBlockedCall *b = vs_blocked_of(runner, caller);
    if (!b && target)
        b = vs_blocked_of(runner, target);
    if (!b)
        return TRUE;
    vs_runtime_error(runner, error, expr->pos,
                     "%s waits in the %s it made on line %u: it makes no calls, and none runs on "
                     "it, until a later call completes that one",
                     b->thread_name ? b->thread_name : "the process's first thread",
                     vs_op_spec(b->op.kind)->name, b->line);
    return FALSE;
}

/* A call that left its thread waiting: kept until it returns (blocked.c); the harness is told it
 * started. Its value is none yet, and its '&name' arguments are written when it returns. */
static gboolean start_waiting(VsRunner *runner, const VsExpr *expr, VsOp *op,
                              const VsOutcome *outcome, VsValue *out, GError **error)
{
    if (!vs_blocked_start(runner, expr, op, outcome, error))
        return FALSE;
    runner->last_op = *op;
    *out = (VsValue){.kind = VS_VALUE_WAITING};
    vs_runner_keep_events(runner);
    size_t narration = runner->out->len;
    if (runner->verbosity != VS_RUN_QUIET)
        vs_narrate_events(runner);
    op->phase = VS_OP_PHASE_START;
    if (runner->observer)
        return runner->observer(runner->observer_context, op, outcome, expr,
                                runner->out->str + narration, error);
    return TRUE;
}

static gboolean eval_call(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    VsOp op = {.thread = runner->acting_handle};
    const VsParameterBuiltin *builtin = vs_parameter_builtin(expr->name);
    if (builtin)
        return eval_parameters(runner, expr, builtin, out, error);
    if (!vs_op_lookup_call(expr->name, expr->arg_count, &op.kind))
        return unknown_call(runner, expr, error);
    if (!check_family(runner, expr, op.kind, error))
        return FALSE;
    const VsOpSpec *spec = vs_op_spec(op.kind);
    if (expr->arg_count != spec->arity) {
        char words[32];
        vs_runtime_error(runner, error, expr->pos, "%s takes %s, not %zu", spec->name,
                         vs_op_arity_words(op.kind, words, sizeof words), expr->arg_count);
        return FALSE;
    }
    if (!eval_args(runner, spec, expr, &op, error) || !check_bytes(runner, expr, &op, error) ||
        !check_parameter_count(runner, expr, &op, error) ||
        !vs_runner_ensure_process(runner, error))
        return FALSE;
    if (!check_file_kind(runner, expr, &op, error) || !check_not_waiting(runner, expr, &op, error))
        return FALSE;
    vs_event_log_clear(&runner->log);
    VsOutcome outcome;
    vs_op_execute(vs_runner_thread(runner), &op, &outcome);
    if (vs_thread_blocked(vs_runner_thread(runner)))
        return start_waiting(runner, expr, &op, &outcome, out, error);
    if (vs_thread_take_would_wait(vs_runner_thread(runner))) {
        vs_runtime_error(runner, error, expr->pos,
                         "%s would wait for ever: only a later call could end the wait (a write "
                         "to the pipe, a client opening it, an event set, another thread's "
                         "synchronous read ending), and this thread makes no more calls until it "
                         "returns",
                         spec->name);
        return FALSE;
    }
    runner->last_op = op;
    if (vs_op_raises(op.kind)) {
        runner->exception = outcome.exception;
        runner->exception_access = outcome.exception_access;
    }
    if (op.kind == VS_OP_FORK && outcome.ret != UINT64_MAX)
        vs_runner_adopt_child(runner, outcome.ret);
    write_back(runner, expr, &outcome);
    *out = call_value(&outcome);
    vs_runner_keep_events(runner);
    size_t narration = runner->out->len;
    if (runner->verbosity != VS_RUN_QUIET)
        vs_narrate_events(runner);
    if (runner->observer)
        return runner->observer(runner->observer_context, &op, &outcome, expr,
                                runner->out->str + narration, error);
    return TRUE;
}

/* ---- Dispatch -------------------------------------------------------------------------------- */

gboolean vs_eval(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    gboolean ok;
    switch (expr->kind) {
    case VS_EXPR_INT:
        *out = int_value(expr->value);
        ok = TRUE;
        break;
    case VS_EXPR_STRING:
        *out = (VsValue){.kind = VS_VALUE_STRING, .s = expr->name};
        ok = TRUE;
        break;
    case VS_EXPR_NAME: ok = eval_name(runner, expr, out, error); break;
    case VS_EXPR_UNARY: ok = eval_unary(runner, expr, out, error); break;
    case VS_EXPR_BINARY: ok = eval_binary(runner, expr, out, error); break;
    case VS_EXPR_FIELD: ok = eval_field(runner, expr, out, error); break;
    case VS_EXPR_CALL: ok = eval_call(runner, expr, out, error); break;
    case VS_EXPR_ADDRESS_OF:
    default:
        vs_runtime_error(runner, error, expr->pos,
                         "'&%s' passes a variable to a call; it is not a value by itself",
                         expr->name);
        ok = FALSE;
        break;
    }
    if (ok && runner->recorded) {
        VsRecorded r = {expr, *out};
        g_array_append_val(runner->recorded, r);
    }
    return ok;
}
