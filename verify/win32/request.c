/*
 * request.c - the Win32 agent's requests and answers (verify/win32/agent/vadsim-agent.c; the
 * protocol is in docs/verification.md): its greeting, a call as a request line, and the answer's
 * numbers as an outcome.
 */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <string.h>
#include <unistd.h>

#include "win32.h"

#define AGENT_PROTOCOL_VERSION 4

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

/* A name, as hex bytes; every name gets the harness's prefix, so runs that share a Windows session
 * (two builds' tests under one wineserver) never meet. A namespace ("Local\\Foo") stays in front:
 * the prefix goes before the last part. */
static void append_name(GString *text, const char *given)
{
    const char *slash = strrchr(given, '\\');
    int namespace = slash ? (int)(slash + 1 - given) : 0;
    g_autofree char *name =
        g_strdup_printf("%.*svadsim%d_%s", namespace, given, (int)getpid(), given + namespace);
    vs_agent_append_text(text, 's', name);
}

/* pe()'s sections text with the harness's prefix on each DLL an "imports" part names, as the
 * files of those DLLs get it (append_name). */
static char *prefix_imports(const char *contents)
{
    GString *out = g_string_new(NULL);
    g_auto(GStrv) parts = g_strsplit(contents, ";", -1);
    for (int i = 0; parts[i]; i++) {
        g_auto(GStrv) words = g_strsplit_set(g_strstrip(parts[i]), " \t", -1);
        g_string_append(out, i ? "; " : "");
        if (g_strcmp0(words[0], "imports") != 0) {
            g_string_append(out, parts[i]);
            continue;
        }
        g_string_append(out, "imports");
        for (int w = 1; words[w]; w++)
            if (words[w][0])
                g_string_append_printf(out, " vadsim%d_%s", (int)getpid(), words[w]);
    }
    return g_string_free(out, FALSE);
}

/* A list of extended parameters: one address window as 'r' and its three numbers, any other
 * list as 'x' and each parameter's type and value (or window), joined by ','. */
static void format_parameters(const VsOp *op, GString *text)
{
    const VsOpParameter *p = op->parameters;
    if (op->parameter_count == 1 && p->type == MemExtendedParameterAddressRequirements) {
        g_string_append_printf(
            text, " r%" G_GINT64_MODIFIER "x:%" G_GINT64_MODIFIER "x:%" G_GINT64_MODIFIER "x",
            p->requirements.LowestStartingAddress, p->requirements.HighestEndingAddress,
            p->requirements.Alignment);
        return;
    }
    g_string_append(text, " x");
    for (uint32_t k = 0; k < op->parameter_count; k++, p++) {
        const VsMemAddressRequirements *r = &p->requirements;
        gboolean window = p->type == MemExtendedParameterAddressRequirements;
        g_string_append_printf(
            text, "%s%x:%" G_GINT64_MODIFIER "x:%" G_GINT64_MODIFIER "x:%" G_GINT64_MODIFIER "x",
            k ? "," : "", p->type, window ? r->LowestStartingAddress : p->value,
            window ? r->HighestEndingAddress : 0, window ? r->Alignment : 0);
    }
}

/* The request line for op: its name, then each argument; a by-reference one as "1 value", a NULL
 * pointer as "0 0". A call made as a thread of the scenario's starts "as HANDLE"; one that leaves
 * the thread waiting "start HANDLE", and its return is asked for as "finish HANDLE". */
static void format_request(const VsOp *op, GString *text)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    if (op->phase == VS_OP_PHASE_FINISH) { /* the answer of the call the thread started */
        g_string_append_printf(text, "finish %" G_GINT64_MODIFIER "x\n", op->thread);
        return;
    }
    if (op->phase == VS_OP_PHASE_START) /* a call that may wait, while the requests go on */
        g_string_append_printf(text, "start %" G_GINT64_MODIFIER "x ", op->thread);
    else if (op->thread)
        g_string_append_printf(text, "as %" G_GINT64_MODIFIER "x ", op->thread);
    g_string_append(text, spec->name);
    for (int i = 0; i < spec->arity; i++) {
        if (spec->ref_args & (1u << i))
            g_string_append_printf(text, " %d", (op->by_ref >> i) & 1);
        if ((spec->contents_args & (1u << i)) && op->arg[i] && op->kind == VS_OP_DECLARE_PE) {
            g_autofree char *sections = prefix_imports(op->contents);
            vs_agent_append_text(text, 't', sections); /* the DLLs named as their files are */
            continue;
        }
        if ((spec->contents_args & (1u << i)) && op->arg[i]) {
            vs_agent_append_text(text, 't', op->contents); /* a file's text, with no prefix */
            continue;
        }
        if ((spec->string_args & (1u << i)) && op->arg[i]) {
            append_name(text, op->text);
            continue;
        }
        if ((spec->extended_args & (1u << i)) && op->arg[i]) {
            format_parameters(op, text);
            continue;
        }
        g_string_append_printf(text, " %" G_GINT64_MODIFIER "x", op->arg[i]);
    }
    g_string_append_c(text, '\n');
}

/* The Ex twin of a call made in the caller's own address space, whose first argument is the
 * process (VS_OP_COUNT where there is none). */
static VsOpKind ex_twin(VsOpKind kind)
{
    switch (kind) {
    case VS_OP_VIRTUAL_ALLOC: return VS_OP_VIRTUAL_ALLOC_EX;
    case VS_OP_VIRTUAL_FREE: return VS_OP_VIRTUAL_FREE_EX;
    case VS_OP_VIRTUAL_PROTECT: return VS_OP_VIRTUAL_PROTECT_EX;
    case VS_OP_VIRTUAL_QUERY: return VS_OP_VIRTUAL_QUERY_EX;
    default: return VS_OP_COUNT;
    }
}

/* The request for op made in a process the agent created from an image (children.c), through
 * the child's handle: the Ex twin of a call that has one; a load or store as child_read or
 * child_write (ReadProcessMemory, WriteProcessMemory); GetModuleHandle as child_module (the
 * child's mapped images). Calls on objects (files, sections, handles, the last error) and calls
 * naming a process by handle go as they are (the handles translated already: the pseudo-handle
 * is the child's). FALSE for a call that acts on the caller's own memory with no way to reach
 * the child's: the child is suspended before its first instruction and runs nothing. */
static gboolean format_child_request(const VsOp *op, uint64_t child, GString *text)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    VsOpKind twin = ex_twin(op->kind);
    if (op->thread)
        return FALSE; /* the child's threads are suspended too */
    if (twin != VS_OP_COUNT) {
        VsOp ex = {.kind = twin, .by_ref = op->by_ref << 1, .arg = {child}};
        memcpy(ex.arg + 1, op->arg, (VS_OP_MAX_ARGS - 1) * sizeof *op->arg);
        format_request(&ex, text);
        return TRUE;
    }
    const char *as = op->kind == VS_OP_READ                ? "child_read"
                     : op->kind == VS_OP_WRITE             ? "child_write"
                     : op->kind == VS_OP_GET_MODULE_HANDLE ? "child_module"
                                                           : NULL;
    if (as) {
        g_autoptr(GString) own = g_string_new(NULL);
        format_request(op, own);
        g_string_append_printf(text, "%s %" G_GINT64_MODIFIER "x%s", as, child,
                               own->str + strlen(spec->name));
        return TRUE;
    }
    /* NtQueryVirtualMemory's buffer is the caller's memory, which here is the child's: the host's
     * agent cannot pass it. */
    if (op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO)
        return FALSE;
    if (spec->process_args || (vs_op_address_arg(op->kind) < 0 && !spec->maps_view &&
                               !spec->memory_access && !spec->buffer_args)) {
        format_request(op, text);
        return TRUE;
    }
    return FALSE;
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
    if (ok &&
        (op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY ||
         op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO) &&
        op->arg[2] == MemoryBasicInformation && count - next >= 7) {
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
    return vs_win32_call_in(agent, 0, op, outcome, error);
}

gboolean vs_win32_call_in(VsAgent *agent, uint64_t child, const VsOp *op, VsOutcome *outcome,
                          GError **error)
{
    g_autoptr(GString) text = g_string_new(NULL);
    if (!child)
        format_request(op, text);
    else if (!format_child_request(op, child, text)) {
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_REFUSED,
                    "%s acts on the caller's own memory, and the real process made from the "
                    "image is suspended before its first instruction: only calls through its "
                    "handle reach it",
                    vs_op_spec(op->kind)->name);
        return FALSE;
    }
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

gboolean vs_win32_create_child(VsAgent *agent, const char *image, VsWin32Child *child,
                               GError **error)
{
    g_autoptr(GString) text = g_string_new("process_image");
    append_name(text, image);
    g_string_append_c(text, '\n');
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (!vs_agent_request_numbers(agent, text->str, v, error))
        return FALSE;
    const guint64 *a = (const guint64 *)v->data;
    if (v->len < 7 || a[0] == 0) {
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_START,
                    "the real system made no process from \"%s\" (CreateProcess with "
                    "CREATE_SUSPENDED: error %" G_GUINT64_FORMAT ")",
                    image, v->len > 1 ? a[1] : 0);
        return FALSE;
    }
    *child = (VsWin32Child){a[0], a[4], a[5], a[6]};
    return TRUE;
}
