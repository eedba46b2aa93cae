/*
 * eval.c - evaluating scenario expressions: integers, names, C operators, and calls into the model
 * with the real Win32 and NT names and argument order.
 *
 * Names resolve to a variable first, then to a Windows constant the model knows (MEM_, PAGE_,
 * STATUS_, ERROR_), then to NULL, TRUE, FALSE and INVALID_HANDLE_VALUE. '&name' passes a variable
 * in and out, as C passes a pointer: NtAllocateVirtualMemory(h, &a, 0, &s, ...) reads a and s and
 * writes the rounded base and size back. A call the model does not support is an error that names
 * the nearest one it does.
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

void vs_value_format(const VsValue *value, GString *out)
{
    if (value->kind == VS_VALUE_STRING)
        g_string_append_printf(out, "\"%s\"", value->s);
    else if (value->i < 10)
        g_string_append_printf(out, "%" G_GUINT64_FORMAT, value->i);
    else
        g_string_append_printf(out, "0x%" G_GINT64_MODIFIER "x", value->i);
}

static VsValue int_value(uint64_t i) { return (VsValue){.kind = VS_VALUE_INT, .i = i}; }

/* ---- Processes -------------------------------------------------------------------------------- */

VsProcess *vs_runner_process(const VsRunner *runner)
{
    return g_array_index(runner->processes, VsNamedProcess, runner->current_index).process;
}

VsThread *vs_runner_thread(const VsRunner *runner)
{
    return vs_process_main_thread(vs_runner_process(runner));
}

/* The first process exists implicitly: it is made on first use, called "main". */
gboolean vs_runner_ensure_process(VsRunner *runner, GError **error)
{
    if (runner->processes->len > 0)
        return TRUE;
    VsProcess *process = vs_process_create(runner->system, "main");
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

/* ---- Names ------------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    uint64_t value;
} extra_constants[] = {
    {"NULL", 0}, {"TRUE", 1}, {"FALSE", 0}, {"INVALID_HANDLE_VALUE", UINT64_MAX},
    {"MemoryBasicInformation", 0},
};

static const char *const field_names[] = {"BaseAddress", "AllocationBase", "AllocationProtect",
                                          "RegionSize",  "State",          "Protect",
                                          "Type"};

/* "; did you mean ..." with the nearest variable or constant (constants from the model's tables). */
static char *did_you_mean_name(VsRunner *runner, const char *name)
{
    GPtrArray *candidates = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, runner->variables);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(candidates, key);
    for (size_t i = 0; i < G_N_ELEMENTS(extra_constants); i++)
        g_ptr_array_add(candidates, (gpointer)extra_constants[i].name);
    static const char *const common[] = {
#define NAME(n, v) #n,
        VS_MEM_FLAG_MAP(NAME) VS_PAGE_FLAG_MAP(NAME) VS_WIN32_ERROR_MAP(NAME)
#undef NAME
#define STATUS(n, v, w, t) #n,
        VS_STATUS_MAP(STATUS)
#undef STATUS
    };
    for (size_t i = 0; i < G_N_ELEMENTS(common); i++)
        g_ptr_array_add(candidates, (gpointer)common[i]);
    char *hint = vs_diag_did_you_mean(name, (const char *const *)candidates->pdata,
                                      candidates->len);
    g_ptr_array_free(candidates, TRUE);
    return hint;
}

static gboolean eval_name(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    VsValue *variable = g_hash_table_lookup(runner->variables, expr->name);
    if (variable) {
        *out = *variable;
        return TRUE;
    }
    uint64_t value;
    if (vs_constant_lookup(expr->name, &value)) {
        *out = int_value(value);
        return TRUE;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(extra_constants); i++)
        if (strcmp(expr->name, extra_constants[i].name) == 0) {
            *out = int_value(extra_constants[i].value);
            return TRUE;
        }
    if (strcmp(expr->name, "exception") == 0) {
        *out = int_value(runner->exception);
        return TRUE;
    }
    g_autofree char *hint = did_you_mean_name(runner, expr->name);
    vs_runtime_error(runner, error, expr->pos, "'%s' is not a variable or a known constant%s",
                     expr->name, hint);
    return FALSE;
}

/* ---- Operators -------------------------------------------------------------------------------- */

static gboolean need_int(VsRunner *runner, const VsExpr *expr, const VsValue *v, GError **error)
{
    if (v->kind != VS_VALUE_STRING)
        return TRUE;
    vs_runtime_error(runner, error, expr->pos, "a string is not a number here");
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
    default:
        vs_runtime_error(runner, error, expr->pos, "unknown operator");
        return FALSE;
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

static gboolean eval_field(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    VsValue v;
    if (!vs_eval(runner, expr->left, &v, error))
        return FALSE;
    if (v.kind != VS_VALUE_MBI) {
        vs_runtime_error(runner, error, expr->pos,
                         "only a MEMORY_BASIC_INFORMATION (from VirtualQuery) has fields");
        return FALSE;
    }
    const VsMemoryBasicInformation *m = &v.mbi;
    const uint64_t values[] = {m->BaseAddress, m->AllocationBase, m->AllocationProtect,
                               m->RegionSize,  m->State,          m->Protect,
                               m->Type};
    for (size_t i = 0; i < G_N_ELEMENTS(field_names); i++)
        if (strcmp(expr->name, field_names[i]) == 0) {
            *out = int_value(values[i]);
            return TRUE;
        }
    g_autofree char *hint = vs_diag_did_you_mean(expr->name, field_names,
                                                 G_N_ELEMENTS(field_names));
    vs_runtime_error(runner, error, expr->pos, "MEMORY_BASIC_INFORMATION has no field '%s'%s",
                     expr->name, hint);
    return FALSE;
}

/* ---- Calls ------------------------------------------------------------------------------------ */

/* Arguments of one call, evaluated: integers, and for &var the variable's name. */
typedef struct Args {
    VsRunner *runner;
    const VsExpr *call;
    uint64_t v[8];
    const char *ref[8]; /* &name arguments; NULL for values */
} Args;

typedef gboolean (*CallFn)(Args *a, VsValue *out, GError **error);

static void set_variable(VsRunner *runner, const char *name, VsValue value)
{
    VsValue *stored = g_new(VsValue, 1);
    *stored = value;
    g_hash_table_replace(runner->variables, g_strdup(name), stored);
}

/* Reads a by-reference argument's variable (0 if it is unset, as an uninitialised C local would
 * be an error there; scenarios set it first). */
static gboolean read_ref(Args *a, size_t i, uint64_t *value, GError **error)
{
    VsValue *v = g_hash_table_lookup(a->runner->variables, a->ref[i]);
    if (!v) {
        vs_runtime_error(a->runner, error, a->call->args[i]->pos,
                         "'%s' is passed in and out but has no value yet; assign it first",
                         a->ref[i]);
        return FALSE;
    }
    *value = v->i;
    return TRUE;
}

static VsThread *thread_of(Args *a) { return vs_runner_thread(a->runner); }

static gboolean call_virtual_alloc(Args *a, VsValue *out, GError **error)
{
    *out = int_value(VsVirtualAlloc(thread_of(a), a->v[0], a->v[1], (uint32_t)a->v[2],
                                    (uint32_t)a->v[3]));
    return TRUE;
}

static gboolean call_virtual_alloc_ex(Args *a, VsValue *out, GError **error)
{
    *out = int_value(VsVirtualAllocEx(thread_of(a), a->v[0], a->v[1], a->v[2], (uint32_t)a->v[3],
                                      (uint32_t)a->v[4]));
    return TRUE;
}

static gboolean call_virtual_free(Args *a, VsValue *out, GError **error)
{
    *out = int_value(VsVirtualFree(thread_of(a), a->v[0], a->v[1], (uint32_t)a->v[2]));
    return TRUE;
}

static gboolean call_virtual_free_ex(Args *a, VsValue *out, GError **error)
{
    *out = int_value(VsVirtualFreeEx(thread_of(a), a->v[0], a->v[1], a->v[2], (uint32_t)a->v[3]));
    return TRUE;
}

/* VirtualProtect's last argument: &var receives the old protection; NULL is a bad pointer. */
static gboolean protect_common(Args *a, VsHandle process, size_t first, VsValue *out)
{
    uint32_t old = 0;
    size_t old_arg = first + 3;
    bool ok = VsVirtualProtectEx(thread_of(a), process, a->v[first], a->v[first + 1],
                                 (uint32_t)a->v[first + 2], a->ref[old_arg] ? &old : NULL);
    if (ok && a->ref[old_arg])
        set_variable(a->runner, a->ref[old_arg], int_value(old));
    *out = int_value(ok);
    return TRUE;
}

static gboolean call_virtual_protect(Args *a, VsValue *out, GError **error)
{
    return protect_common(a, VS_CURRENT_PROCESS, 0, out);
}

static gboolean call_virtual_protect_ex(Args *a, VsValue *out, GError **error)
{
    return protect_common(a, a->v[0], 1, out);
}

static gboolean call_virtual_query(Args *a, VsValue *out, GError **error)
{
    VsValue v = {.kind = VS_VALUE_MBI};
    v.i = VsVirtualQuery(thread_of(a), a->v[0], &v.mbi, sizeof v.mbi);
    *out = v;
    return TRUE;
}

static gboolean call_virtual_query_ex(Args *a, VsValue *out, GError **error)
{
    VsValue v = {.kind = VS_VALUE_MBI};
    v.i = VsVirtualQueryEx(thread_of(a), a->v[0], a->v[1], &v.mbi, sizeof v.mbi);
    *out = v;
    return TRUE;
}

static gboolean call_get_last_error(Args *a, VsValue *out, GError **error)
{
    *out = int_value(VsGetLastError(thread_of(a)));
    return TRUE;
}

static gboolean call_set_last_error(Args *a, VsValue *out, GError **error)
{
    VsSetLastError(thread_of(a), (uint32_t)a->v[0]);
    *out = int_value(0);
    return TRUE;
}

static gboolean call_rtl_get_last_nt_status(Args *a, VsValue *out, GError **error)
{
    *out = int_value(VsRtlGetLastNtStatus(thread_of(a)));
    return TRUE;
}

static gboolean call_get_current_process(Args *a, VsValue *out, GError **error)
{
    *out = int_value(VsGetCurrentProcess());
    return TRUE;
}

static gboolean call_close_handle(Args *a, VsValue *out, GError **error)
{
    *out = int_value(VsCloseHandle(thread_of(a), a->v[0]));
    return TRUE;
}

static gboolean call_nt_close(Args *a, VsValue *out, GError **error)
{
    *out = int_value(VsNtClose(thread_of(a), a->v[0]));
    return TRUE;
}

/* NT calls take base and size by reference; a value instead of &var is a bad pointer (NULL). */
static gboolean nt_refs(Args *a, size_t base_arg, size_t size_arg, uint64_t *base, uint64_t *size,
                        GError **error)
{
    return (!a->ref[base_arg] || read_ref(a, base_arg, base, error)) &&
           (!a->ref[size_arg] || read_ref(a, size_arg, size, error));
}

static void nt_write_back(Args *a, size_t base_arg, size_t size_arg, uint64_t base, uint64_t size)
{
    if (a->ref[base_arg])
        set_variable(a->runner, a->ref[base_arg], int_value(base));
    if (a->ref[size_arg])
        set_variable(a->runner, a->ref[size_arg], int_value(size));
}

static gboolean call_nt_allocate(Args *a, VsValue *out, GError **error)
{
    uint64_t base = 0, size = 0;
    if (!nt_refs(a, 1, 3, &base, &size, error))
        return FALSE;
    VsStatus status = VsNtAllocateVirtualMemory(thread_of(a), a->v[0], a->ref[1] ? &base : NULL,
                                                a->v[2], a->ref[3] ? &size : NULL,
                                                (uint32_t)a->v[4], (uint32_t)a->v[5]);
    if (NT_SUCCESS(status))
        nt_write_back(a, 1, 3, base, size);
    *out = int_value(status);
    return TRUE;
}

static gboolean call_nt_free(Args *a, VsValue *out, GError **error)
{
    uint64_t base = 0, size = 0;
    if (!nt_refs(a, 1, 2, &base, &size, error))
        return FALSE;
    VsStatus status = VsNtFreeVirtualMemory(thread_of(a), a->v[0], a->ref[1] ? &base : NULL,
                                            a->ref[2] ? &size : NULL, (uint32_t)a->v[3]);
    if (NT_SUCCESS(status))
        nt_write_back(a, 1, 2, base, size);
    *out = int_value(status);
    return TRUE;
}

static gboolean call_nt_protect(Args *a, VsValue *out, GError **error)
{
    uint64_t base = 0, size = 0;
    uint32_t old = 0;
    if (!nt_refs(a, 1, 2, &base, &size, error))
        return FALSE;
    VsStatus status = VsNtProtectVirtualMemory(thread_of(a), a->v[0], a->ref[1] ? &base : NULL,
                                               a->ref[2] ? &size : NULL, (uint32_t)a->v[3],
                                               a->ref[4] ? &old : NULL);
    if (NT_SUCCESS(status)) {
        nt_write_back(a, 1, 2, base, size);
        if (a->ref[4])
            set_variable(a->runner, a->ref[4], int_value(old));
    }
    *out = int_value(status);
    return TRUE;
}

/* read(addr) and write(addr, value): one byte, through the model's fault path. A raised exception
 * is kept in 'exception' (as a __try/__except block would catch it); a read that raises yields 0. */
static gboolean call_read(Args *a, VsValue *out, GError **error)
{
    uint8_t value = 0;
    a->runner->exception = vs_memory_read(thread_of(a), a->v[0], &value);
    *out = int_value(NT_SUCCESS(a->runner->exception) ? value : 0);
    return TRUE;
}

static gboolean call_write(Args *a, VsValue *out, GError **error)
{
    if (a->v[1] > 0xFF) {
        vs_runtime_error(a->runner, error, a->call->args[1]->pos,
                         "write stores one byte: the value must be 0 to 255, not %" G_GUINT64_FORMAT,
                         a->v[1]);
        return FALSE;
    }
    a->runner->exception = vs_memory_write(thread_of(a), a->v[0], (uint8_t)a->v[1]);
    *out = int_value(a->runner->exception);
    return TRUE;
}

/* The calls a scenario may make: name, argument count, and which arguments may be &var. */
typedef struct CallSpec {
    const char *name;
    size_t arity;
    uint32_t ref_args; /* bit i: argument i may (and for out-only ones, should) be &var */
    CallFn fn;
} CallSpec;

static const CallSpec calls[] = {
    {"VirtualAlloc", 4, 0, call_virtual_alloc},
    {"VirtualAllocEx", 5, 0, call_virtual_alloc_ex},
    {"VirtualFree", 3, 0, call_virtual_free},
    {"VirtualFreeEx", 4, 0, call_virtual_free_ex},
    {"VirtualProtect", 4, 1u << 3, call_virtual_protect},
    {"VirtualProtectEx", 5, 1u << 4, call_virtual_protect_ex},
    {"VirtualQuery", 1, 0, call_virtual_query},
    {"VirtualQueryEx", 2, 0, call_virtual_query_ex},
    {"GetLastError", 0, 0, call_get_last_error},
    {"SetLastError", 1, 0, call_set_last_error},
    {"RtlGetLastNtStatus", 0, 0, call_rtl_get_last_nt_status},
    {"GetCurrentProcess", 0, 0, call_get_current_process},
    {"NtCurrentProcess", 0, 0, call_get_current_process},
    {"CloseHandle", 1, 0, call_close_handle},
    {"NtClose", 1, 0, call_nt_close},
    {"NtAllocateVirtualMemory", 6, (1u << 1) | (1u << 3), call_nt_allocate},
    {"NtFreeVirtualMemory", 4, (1u << 1) | (1u << 2), call_nt_free},
    {"NtProtectVirtualMemory", 5, (1u << 1) | (1u << 2) | (1u << 4), call_nt_protect},
    {"read", 1, 0, call_read},
    {"write", 2, 0, call_write},
};

static const CallSpec *find_call(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(calls); i++)
        if (strcmp(calls[i].name, name) == 0)
            return &calls[i];
    return NULL;
}

static gboolean unknown_call(VsRunner *runner, const VsExpr *expr, GError **error)
{
    const char *names[G_N_ELEMENTS(calls)];
    for (size_t i = 0; i < G_N_ELEMENTS(calls); i++)
        names[i] = calls[i].name;
    g_autofree char *hint = vs_diag_did_you_mean(expr->name, names, G_N_ELEMENTS(calls));
    vs_runtime_error(runner, error, expr->pos, "'%s' is not a call this model supports%s",
                     expr->name, hint);
    return FALSE;
}

static gboolean eval_args(VsRunner *runner, const CallSpec *spec, const VsExpr *expr, Args *a,
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
            a->ref[i] = arg->name;
            continue;
        }
        VsValue v;
        if (!vs_eval(runner, arg, &v, error) || !need_int(runner, arg, &v, error))
            return FALSE;
        a->v[i] = v.i;
    }
    return TRUE;
}

static gboolean eval_call(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error)
{
    const CallSpec *spec = find_call(expr->name);
    if (!spec)
        return unknown_call(runner, expr, error);
    if (expr->arg_count != spec->arity) {
        vs_runtime_error(runner, error, expr->pos, "%s takes %zu argument%s, not %zu", spec->name,
                         spec->arity, spec->arity == 1 ? "" : "s", expr->arg_count);
        return FALSE;
    }
    Args a = {.runner = runner, .call = expr};
    if (!eval_args(runner, spec, expr, &a, error) || !vs_runner_ensure_process(runner, error))
        return FALSE;
    vs_event_log_clear(&runner->log);
    if (!spec->fn(&a, out, error))
        return FALSE;
    if (runner->verbosity != VS_RUN_QUIET)
        vs_narrate_events(runner);
    return TRUE;
}

/* ---- Dispatch --------------------------------------------------------------------------------- */

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
    case VS_EXPR_NAME:
        ok = eval_name(runner, expr, out, error);
        break;
    case VS_EXPR_UNARY:
        ok = eval_unary(runner, expr, out, error);
        break;
    case VS_EXPR_BINARY:
        ok = eval_binary(runner, expr, out, error);
        break;
    case VS_EXPR_FIELD:
        ok = eval_field(runner, expr, out, error);
        break;
    case VS_EXPR_CALL:
        ok = eval_call(runner, expr, out, error);
        break;
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
