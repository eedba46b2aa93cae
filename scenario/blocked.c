/*
 * blocked.c - calls that leave their thread waiting while the scenario goes on.
 *
 * A synchronous ReadFile of a pipe with nothing queued, or a synchronous ConnectNamedPipe with no
 * client yet, waits in the kernel until another thread's call (a WriteFile, a client's CreateFile,
 * a close) completes it. The model keeps such a thread waiting (vs_thread_blocked) and the
 * scenario's other calls go on; the waiting call has no value yet. At the end of the statement
 * whose call completed it, it returns: its value is assigned (`ok = ReadFile(...)`), its
 * by-reference arguments written, the return narrated on a line of its own, and the harness told,
 * which then collects the real thread's answer. A waiting thread makes no calls.
 */
#include <string.h>

#include "runner_int.h"

static VsBlockedCall *entry(const VsRunner *runner, guint i)
{
    return &g_array_index(runner->blocked, VsBlockedCall, i);
}

const VsBlockedCall *vs_blocked_of(const VsRunner *runner, const VsThread *thread)
{
    for (guint i = 0; runner->blocked && i < runner->blocked->len; i++)
        if (entry(runner, i)->thread == thread)
            return entry(runner, i);
    return NULL;
}

/* The waiting call that will write a variable of this name (its value, or a '&name'), or NULL. */
const VsBlockedCall *vs_blocked_writing(const VsRunner *runner, const char *name)
{
    for (guint i = 0; runner->blocked && i < runner->blocked->len; i++) {
        const VsBlockedCall *b = entry(runner, i);
        if (g_strcmp0(b->variable, name) == 0)
            return b;
        for (size_t a = 0; a < b->expr->arg_count; a++)
            if ((b->op.by_ref & (1u << a)) && strcmp(b->expr->args[a]->name, name) == 0)
                return b;
    }
    return NULL;
}

/* A call left its thread waiting: it must be the whole of its statement (a call, or the value
 * assigned), so that nothing else on the line needs its value. */
gboolean vs_blocked_start(VsRunner *runner, const VsExpr *expr, const VsOp *op,
                          const VsOutcome *outcome, GError **error)
{
    if (expr != runner->statement_call) {
        vs_runtime_error(runner, error, expr->pos,
                         "%s leaves its thread waiting here, so it has no value yet: write it as "
                         "a statement of its own, or assign it (ok = %s(...)), and test what it "
                         "returns once a later call has completed it",
                         expr->name, expr->name);
        return FALSE;
    }
    if (!runner->blocked)
        runner->blocked = g_array_new(FALSE, TRUE, sizeof(VsBlockedCall));
    VsBlockedCall b = {
        vs_runner_thread(runner), runner->acting_handle,        *op, *outcome, expr, NULL,
        expr->pos.line,           g_strdup(runner->acting_name)};
    g_array_append_val(runner->blocked, b);
    return TRUE;
}

void vs_blocked_assign(VsRunner *runner, const char *variable)
{
    VsBlockedCall *b = entry(runner, runner->blocked->len - 1);
    b->variable = g_strdup(variable);
}

static void blocked_free(VsBlockedCall *b)
{
    g_free(b->variable);
    g_free(b->thread_name);
}

void vs_blocked_clear(VsRunner *runner)
{
    for (guint i = 0; runner->blocked && i < runner->blocked->len; i++)
        blocked_free(entry(runner, i));
    if (runner->blocked)
        g_array_set_size(runner->blocked, 0);
}

/* The return, narrated: "- the ReadFile t made on line 12 returns = 1 ...". */
static void narrate_return(VsRunner *runner, const VsBlockedCall *b, const VsValue *value)
{
    if (runner->verbosity != VS_RUN_EXPLAIN)
        return;
    g_string_append_printf(
        runner->out, "      - the %s %s made on line %u returns: = ", vs_op_spec(b->op.kind)->name,
        b->thread_name ? b->thread_name : "the process's first thread", b->line);
    vs_narrate_result(runner, b->op.kind, value);
    g_string_append_c(runner->out, '\n');
}

/* One waiting call returns: its outcome from the model, its variables, its narration, the
 * harness told (the op as a FINISH). */
static gboolean finish(VsRunner *runner, VsBlockedCall *b, GError **error)
{
    VsOutcome outcome = b->outcome;
    vs_op_finish(b->thread, &b->op, &outcome);
    for (size_t a = 0; a < b->expr->arg_count; a++)
        if (outcome.out_written & (1u << a))
            vs_runner_set_variable(runner, b->expr->args[a]->name, outcome.out[a]);
    if (b->variable)
        vs_runner_set_variable(runner, b->variable, outcome.ret);
    VsValue value = {.kind = VS_VALUE_INT, .i = outcome.ret};
    narrate_return(runner, b, &value);
    VsOp op = b->op;
    op.phase = VS_OP_PHASE_FINISH;
    if (runner->observer)
        return runner->observer(runner->observer_context, &op, &outcome, b->expr, "", error);
    return TRUE;
}

/* The waiting calls the statement just run completed return now, in the order they were made. */
gboolean vs_blocked_finish(VsRunner *runner, GError **error)
{
    for (guint i = 0; runner->blocked && i < runner->blocked->len;) {
        VsBlockedCall *b = entry(runner, i);
        if (vs_thread_blocked(b->thread)) {
            i++;
            continue;
        }
        VsBlockedCall done = *b;
        g_array_remove_index(runner->blocked, i);
        gboolean ok = finish(runner, &done, error);
        blocked_free(&done);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}
