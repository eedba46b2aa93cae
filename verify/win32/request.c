/*
 * request.c - the Win32 agent's requests and answers (verify/win32/agent/vadsim-agent.c; the
 * protocol is in docs/verification.md): its greeting, a call as a request line, and the answer's
 * numbers as an outcome.
 */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <string.h>
#include <unistd.h>

#include "win32.h"

#define AGENT_PROTOCOL_VERSION 2

enum { HELLO_WINE = 8, HELLO_WINDOWS = 11, HELLO_WORDS = 14 };

/* The greeting: the protocol version, then GetSystemInfo's figures, the Wine version (0 0 0: not
 * Wine) and the Windows version the system reports. */
static gboolean greet(const VsAgentCommand *command, GArray *values, VsWin32Info *info,
                      GError **error)
{
    guint64 *a = (guint64 *)values->data;
    if (values->len < HELLO_WORDS || a[0] != AGENT_PROTOCOL_VERSION) {
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_START,
                    "starting %s: the agent speaks protocol %" G_GUINT64_FORMAT ", not %d: "
                    "rebuild it",
                    command->path, a[0], AGENT_PROTOCOL_VERSION);
        return FALSE;
    }
    *info = (VsWin32Info){(uint32_t)a[4], (uint32_t)a[5], a[6], a[7], a[HELLO_WINE] != 0, ""};
    const guint64 *v = a + (info->wine ? HELLO_WINE : HELLO_WINDOWS);
    /* Wine's "10.0" (a third number only when it has one); Windows' "10.0.19045". */
    if (info->wine && v[2] == 0)
        g_snprintf(info->version, sizeof info->version, "%u.%u", (unsigned)v[0], (unsigned)v[1]);
    else
        g_snprintf(info->version, sizeof info->version, "%u.%u.%u", (unsigned)v[0], (unsigned)v[1],
                   (unsigned)v[2]);
    return TRUE;
}

VsAgent *vs_win32_start(const VsAgentCommand *command, VsWin32Info *info, GError **error)
{
    g_autoptr(GArray) hello = g_array_new(FALSE, FALSE, sizeof(guint64));
    VsAgent *agent = vs_agent_start(command, hello, error);
    if (agent && !greet(command, hello, info, error)) {
        vs_agent_stop(agent);
        return NULL;
    }
    return agent;
}

/* The request line for op: its name, then each argument; a by-reference one as "1 value", a NULL
 * pointer as "0 0". */
static void format_request(const VsOp *op, GString *text)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    g_string_append(text, spec->name);
    for (int i = 0; i < spec->arity; i++) {
        if (spec->ref_args & (1u << i))
            g_string_append_printf(text, " %d", (op->by_ref >> i) & 1);
        if ((spec->contents_args & (1u << i)) && op->arg[i]) {
            vs_agent_append_text(text, 't', op->contents); /* a file's text, with no prefix */
            continue;
        }
        if ((spec->string_args & (1u << i)) && op->arg[i]) {
            /* A name, as hex bytes; every name gets the harness's prefix, so runs that share a
             * Windows session (two builds' tests under one wineserver) never meet. A namespace
             * ("Local\\Foo") stays in front: the prefix goes before the last part. */
            const char *slash = strrchr(op->text, '\\');
            int namespace = slash ? (int)(slash + 1 - op->text) : 0;
            g_autofree char *name = g_strdup_printf("%.*svadsim%d_%s", namespace, op->text,
                                                    (int)getpid(), op->text + namespace);
            vs_agent_append_text(text, 's', name);
            continue;
        }
        if ((spec->extended_args & (1u << i)) && op->arg[i]) {
            const VsMemAddressRequirements *r = &op->requirements;
            g_string_append_printf(
                text, " r%" G_GINT64_MODIFIER "x:%" G_GINT64_MODIFIER "x:%" G_GINT64_MODIFIER "x",
                r->LowestStartingAddress, r->HighestEndingAddress, r->Alignment);
            continue;
        }
        g_string_append_printf(text, " %" G_GINT64_MODIFIER "x", op->arg[i]);
    }
    g_string_append_c(text, '\n');
}

/* The numbers after the first four, by call, into the outcome. */
static void read_outs(const VsOp *op, const guint64 *extra, guint count, VsOutcome *outcome)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    if (op->kind == VS_OP_VIRTUAL_QUERY || op->kind == VS_OP_VIRTUAL_QUERY_EX) {
        if (count >= 7) {
            outcome->has_mbi = TRUE;
            outcome->mbi = (VsMemoryBasicInformation){
                extra[0],           extra[1],           (uint32_t)extra[2], extra[3],
                (uint32_t)extra[4], (uint32_t)extra[5], (uint32_t)extra[6]};
        }
        return;
    }
    if (op->kind == VS_OP_HEAP_ALLOC || op->kind == VS_OP_HEAP_REALLOC) {
        if (count >= 1) /* the AllocationBase of the block's memory */
            outcome->block_base = extra[0];
        return;
    }
    if (spec->memory_access) { /* the exception's ExceptionInformation[0] */
        if (count >= 1)
            outcome->exception_access = (uint32_t)extra[0];
        return;
    }
    /* Out-parameters come in argument order, one per by-reference-capable argument, as the call
     * left them, whether it succeeded or failed (a call that raised answers none); then the
     * structure the call fills, when it succeeded. */
    guint next = 0;
    for (int i = 0; i < spec->arity && next < count; i++)
        if (spec->ref_args & (1u << i)) {
            outcome->out[i] = extra[next++];
            outcome->out_written |= op->by_ref & (1u << i);
        }
    VsRecordKind record = vs_op_record_of(op);
    if (op->kind == VS_OP_GET_PROCESS_HEAPS && count > VS_PROCESS_HEAPS_CAPACITY)
        outcome->own_heaps = (uint32_t)extra[VS_PROCESS_HEAPS_CAPACITY];
    gboolean ok = spec->returns == VS_RETURN_STATUS ? NT_SUCCESS((VsStatus)outcome->ret)
                                                    : !vs_op_failed(op->kind, outcome->ret);
    if (ok && op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY && op->arg[2] == MemoryBasicInformation &&
        count - next >= 7) {
        const guint64 *m = extra + next;
        outcome->has_mbi = TRUE;
        outcome->mbi = (VsMemoryBasicInformation){
            m[0], m[1], (uint32_t)m[2], m[3], (uint32_t)m[4], (uint32_t)m[5], (uint32_t)m[6]};
        return;
    }
    if (record != VS_RECORD_NONE && ok && count - next >= vs_record_spec(record)->count) {
        outcome->record = record;
        memcpy(outcome->fields, extra + next, vs_record_spec(record)->count * sizeof *extra);
    }
}

gboolean vs_win32_call(VsAgent *agent, const VsOp *op, VsOutcome *outcome, GError **error)
{
    g_autoptr(GString) text = g_string_new(NULL);
    format_request(op, text);
    g_autoptr(GArray) extra = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (!vs_agent_call(agent, text->str, outcome, extra, error))
        return FALSE;
    read_outs(op, (const guint64 *)extra->data, extra->len, outcome);
    return TRUE;
}

gboolean vs_win32_walk(VsAgent *agent, uint64_t from, uint64_t to, GArray *regions, GError **error)
{
    g_autofree char *text =
        g_strdup_printf("walk %" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x\n", from, to);
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (!vs_agent_request_numbers(agent, text, v, error))
        return FALSE;
    const guint64 *a = (const guint64 *)v->data + 4;
    g_array_set_size(regions, 0);
    for (guint i = 0; i + 7 <= v->len - 4; i += 7) {
        VsMemoryBasicInformation m = {a[i],
                                      a[i + 1],
                                      (uint32_t)a[i + 2],
                                      a[i + 3],
                                      (uint32_t)a[i + 4],
                                      (uint32_t)a[i + 5],
                                      (uint32_t)a[i + 6]};
        g_array_append_val(regions, m);
    }
    return TRUE;
}
