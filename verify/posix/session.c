/*
 * session.c - the POSIX session: the agent and the processes standing for the model's, mirroring
 * the model's Linux calls to them and judging the differences (posix.h).
 */
#include <stdio.h>
#include <string.h>

#include "posix.h"
#include "taint.h"

static VsPosixSession *posix(VsSession *session) { return (VsPosixSession *)session; }
static const VsPosixSession *posix_const(const VsSession *session)
{
    return (const VsPosixSession *)session;
}

/* ---- Sessions and sides ---------------------------------------------------------------------- */

static void side_free(gpointer data)
{
    VsPosixSide *side = data;
    g_free(side->prefix);
    g_hash_table_unref(side->fds);
    g_ptr_array_free(side->apart, TRUE);
    g_array_free(side->taints, TRUE);
    g_free(side);
}

/* A side for model process pid, its requests prefixed by prefix (given away), its descriptors a
 * copy of fds_from's (a forked child's) or none. */
static VsPosixSide *side_new(uint32_t pid, char *prefix, GHashTable *fds_from)
{
    VsPosixSide *side = g_new0(VsPosixSide, 1);
    side->model_pid = pid;
    side->prefix = prefix;
    side->fds = fds_from ? vs_values_copy(fds_from) : vs_values_new();
    side->apart = g_ptr_array_new_with_free_func(g_free);
    side->taints = vs_taints_new();
    return side;
}

/* The agent's arena stands for the model's from its mmap_base up (VS_LINUX_MMAP_BASE). */
VsSession *vs_posix_session_start(const VsAgentCommand *command, const VsKnownList *known,
                                  VsSession *sibling, GError **error)
{
    VsPosixSession *s = g_new0(VsPosixSession, 1);
    VsAgent *agent = vs_posix_start(command, &s->real_base, &s->machine, error);
    (void)sibling; /* one session stands for every process */
    if (!agent) {
        g_free(s);
        return NULL;
    }
    vs_session_init(&s->base, &vs_backend_posix, agent, known, "linux", s->machine.kernel);
    s->model_base = VS_LINUX_MMAP_BASE;
    s->sides = g_ptr_array_new_with_free_func(side_free);
    return &s->base;
}

void vs_posix_session_free(VsSession *session)
{
    VsPosixSession *s = posix(session);
    vs_session_clear(&s->base);
    g_ptr_array_free(s->sides, TRUE);
    g_free(s);
}

/* The transparent huge pages config asks for, as far as the agent gives them: none when it asks
 * for none (the agent keeps its processes without, machine_settle), else the machine's mode under
 * thp_advised - madvise where the machine's is always or madvise (a scenario's thp=always is then
 * held only as madvise: verify.c says so), never where it is never. */
static VsThpMode posix_thp(VsPosixSession *s, VsThpMode asked)
{
    if (asked != VS_THP_NEVER && !s->thp_advised && s->machine.thp == VS_THP_MADVISE) {
        g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(guint64));
        s->thp_advised = vs_agent_request_numbers(s->base.agent, "thp_advised\n", v, NULL) &&
                         v->len >= 1 && g_array_index(v, guint64, 0) == 0;
    }
    return s->thp_advised ? VS_THP_MADVISE : VS_THP_NEVER;
}

void vs_posix_configure(VsSession *session, VsSystemConfig *config)
{
    VsPosixSession *s = posix(session);
    const VsPosixMachine *m = &s->machine;
    config->readahead_bytes = m->readahead_bytes;
    config->files_unaligned = m->file_align == VS_PAGE_SIZE;
    config->file_max_bytes = m->file_max_bytes;
    config->execute_only_pkey = m->execute_only;
    config->thp = posix_thp(s, config->thp);
    config->thp_no_zero_page = m->thp_no_zero_page;
}

char *vs_posix_system_options(const VsSession *session)
{
    const VsPosixMachine *m = &posix_const(session)->machine;
    uint64_t kb = m->readahead_bytes >> 10;
    bool megabytes = kb % 1024 == 0;
    return g_strdup_printf(
        "readahead=%" G_GUINT64_FORMAT "%s filealign=%s filemax=0x%" G_GINT64_MODIFIER
        "x execonly=%s thp=%s thpzero=%s",
        megabytes ? kb >> 10 : kb, megabytes ? "M" : "K",
        m->file_align == VS_PAGE_SIZE ? "4K" : "2M", m->file_max_bytes,
        m->execute_only ? "pkey" : "none", posix_const(session)->thp_advised ? "madvise" : "never",
        m->thp_no_zero_page ? "off" : "on");
}

/* The side standing for the model process pid: the first process that calls is the agent; the
 * others are children forks made. NULL for a process the scenario made otherwise. */
static VsPosixSide *side_of(VsPosixSession *s, uint32_t pid)
{
    for (guint i = 0; i < s->sides->len; i++) {
        VsPosixSide *side = g_ptr_array_index(s->sides, i);
        if (side->model_pid == pid)
            return side;
    }
    if (s->sides->len)
        return NULL;
    VsPosixSide *side = side_new(pid, g_strdup(""), NULL);
    g_ptr_array_add(s->sides, side);
    return side;
}

/* Whether the call changes mappings, so the maps are compared after it. */
static gboolean changes_maps(VsOpKind kind)
{
    return kind == VS_OP_MMAP || kind == VS_OP_MUNMAP || kind == VS_OP_MPROTECT ||
           kind == VS_OP_MADVISE || kind == VS_OP_MREMAP || kind == VS_OP_FORK ||
           kind == VS_OP_FTRUNCATE || kind == VS_OP_BRK || kind == VS_OP_SBRK ||
           kind == VS_OP_PKEY_MPROTECT;
}

/* ---- What stays apart ------------------------------------------------------------------------ */

/* The earlier known divergence a difference in this call's own answer may follow from: one that
 * left the maps apart where the call's address lies. */
static const char *call_cause(const VsPosixSide *side, const VsOp *op)
{
    int arg = vs_op_address_arg(op->kind);
    uint64_t address = arg >= 0 ? op->arg[arg] : 0;
    return arg >= 0 ? vs_taints_over(side->taints, address, address + 1) : NULL;
}

/* What is apart now stays apart, for the reason later comparisons name: the ranges of the lines
 * one side has and the other lacks ("model START-END ...", "linux START-END ..."). */
static void keep_apart(VsPosixSide *side, const char *reason)
{
    if (side->apart->len && !side->apart_id)
        side->apart_id = reason;
    g_array_set_size(side->taints, 0);
    for (guint i = 0; side->apart_id && i < side->apart->len; i++) {
        const char *line = g_ptr_array_index(side->apart, i);
        uint64_t start, end;
        if (sscanf(strchr(line, ' ') + 1, "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x", &start,
                   &end) == 2)
            vs_taints_add(side->taints, start, end, side->apart_id);
    }
}

/* ---- Mirroring ------------------------------------------------------------------------------- */

static VsProcess *model_process(VsSystem *system, uint64_t pid)
{
    for (size_t i = 0; i < vs_system_process_count(system); i++)
        if (vs_process_id(vs_system_process(system, i)) == pid)
            return vs_system_process(system, i);
    return NULL;
}

/* After a call that may change mappings: the maps of the caller's process (and after fork, the
 * child's, and which pages the two share), judged with the call's own verdict as their cause. */
static gboolean after_call(VsPosixSession *s, VsPosixSide *side, VsThread *thread, const VsOp *op,
                           const VsOutcome *model, VsPosixSide *child, VsJudging *v,
                           VsJudgement *judgement, GString *report, GError **error)
{
    VsProcess *process = vs_thread_process(thread);
    const char *cause = judgement->refused ? VS_REFUSED : v->known_id;
    g_autoptr(GPtrArray) found = vs_divergences_new();
    g_autoptr(GString) follows = g_string_new(NULL);
    if (!vs_posix_compare_maps(s, side, process, found, follows, report, error))
        return FALSE;
    VsProcess *model_child = child ? model_process(vs_process_system(process), model->ret) : NULL;
    if (model_child &&
        (!vs_posix_compare_maps(s, child, model_child, found, follows, report, error) ||
         !vs_posix_compare_sharing(s, side, child, process, model_child, found, error)))
        return FALSE;
    if (follows->len) {
        v->follows_from = side->apart_id;
        g_string_append_printf(v->follows, "%s%s", v->follows->len ? ", " : "", follows->str);
    }
    gboolean unexplained_before = v->unexplained;
    vs_session_judge(&s->base, op, model, found, cause, NULL, v, judgement, report);
    const char *reason = cause ? cause : v->known_id;
    if (!reason && v->unexplained && !unexplained_before)
        reason = "an unexplained divergence above";
    keep_apart(side, reason);
    if (child)
        keep_apart(child, reason);
    return TRUE;
}

/* Sends the call and compares its answer; after a fork both made, a side for the child. */
static gboolean mirror_call(VsPosixSession *s, VsPosixSide *side, const char *text, const VsOp *op,
                            const VsOutcome *model, VsPosixSide **child, VsJudging *v,
                            VsJudgement *judgement, GString *report, GError **error)
{
    VsOutcome real;
    GError *agent_error = NULL;
    if (!vs_posix_call(s, text, &real, &agent_error)) {
        if (!g_error_matches(agent_error, VS_AGENT_ERROR, VS_AGENT_ERROR_REFUSED)) {
            g_propagate_error(error, agent_error);
            return FALSE;
        }
        g_autofree char *why = g_strdup_printf("the agent refused: %s", agent_error->message);
        vs_judging_unsupported(v, judgement, VS_REFUSED, why, report);
        g_error_free(agent_error);
        return TRUE;
    }
    g_autoptr(GPtrArray) found = vs_divergences_new();
    vs_posix_compare_call(s, side, op, model, &real, found);
    vs_session_judge(&s->base, op, model, found, call_cause(side, op), NULL, v, judgement, report);
    if (op->kind == VS_OP_FORK && !vs_op_failed(op->kind, model->ret) &&
        !vs_op_failed(op->kind, real.ret)) {
        char *prefix = g_strdup_printf("%s@%u ", side->prefix, (unsigned)real.out[0]);
        *child = side_new((uint32_t)model->ret, prefix, side->fds);
        (*child)->real_pid = real.ret;
        g_ptr_array_add(s->sides, *child);
    }
    return TRUE;
}

/* process_vm_readv and process_vm_writev name another process by pid: the real process standing
 * for it, whose pid the request carries instead. Its range must be memory the scenario gave it
 * (a VMA of the model's process, whose maps are compared equal, or the arena, where the kernel has
 * arena pieces or what the scenario mapped): never the agent's own. NULL, or why not sent. */
static const char *process_vm_target(VsPosixSession *s, VsThread *thread, VsOp *op)
{
    VsPosixSide *target = NULL;
    for (guint i = 0; i < s->sides->len && !target; i++) {
        VsPosixSide *side = g_ptr_array_index(s->sides, i);
        if (op->arg[0] == side->model_pid)
            target = side;
    }
    VsProcess *process = model_process(vs_process_system(vs_thread_process(thread)), op->arg[0]);
    if (!target || !process)
        return "a pid no process of the agent's stands for";
    if (!target->real_pid) {
        g_autofree char *text = g_strdup_printf("%sgetpid\n", target->prefix);
        g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(guint64));
        if (!vs_agent_request_numbers(s->base.agent, text, v, NULL) || v->len < 1)
            return "the agent did not say its pid";
        target->real_pid = g_array_index(v, guint64, 0);
    }
    uint64_t arena_end = s->model_base + s->machine.arena_bytes, end = op->arg[2] + op->arg[3];
    VsVmaInfo vma;
    for (uint64_t at = op->arg[2] & ~(uint64_t)(VS_PAGE_SIZE - 1); op->arg[3] && at < end;) {
        if (at >= s->model_base && at < arena_end) {
            at = MIN(end, arena_end);
            continue;
        }
        if (!vs_vma_find(process, at, &vma) || vma.start > at || end < op->arg[2])
            return "a remote range outside the memory the scenario gave that process";
        at = vma.end;
    }
    op->arg[0] = target->real_pid;
    return NULL;
}

gboolean vs_posix_mirror(VsSession *session, VsSession *target, VsThread *thread, const VsOp *op,
                         const VsOutcome *model, VsJudgement *judgement, GString *report,
                         GError **error)
{
    VsPosixSession *s = posix(session);
    (void)target; /* a call acts on the caller's own memory */
    memset(judgement, 0, sizeof *judgement);
    VsPosixSide *side = side_of(s, vs_process_id(vs_thread_process(thread))), *child = NULL;
    g_autoptr(GString) text = g_string_new(NULL);
    const char *why = "a process the scenario made with 'process', not by fork: the agent has "
                      "no counterpart of it";
    VsJudging v;
    vs_judging_init(&v);
    gboolean ok = TRUE;
    VsOp sent = *op;
    if (side && (op->kind == VS_OP_PROCESS_VM_READV || op->kind == VS_OP_PROCESS_VM_WRITEV) &&
        op->arg[3] && !op->arg[4] && (why = process_vm_target(s, thread, &sent)) != NULL)
        side = NULL;
    if (!side || !vs_posix_format_request(s, side, &sent, text, &why))
        vs_judging_unsupported(&v, judgement, "not sent to the agent", why, report);
    else if (vs_session_withholds(&s->base, op, model, &v, judgement, report))
        v.error_differs = TRUE; /* the kernel would not have lived through it */
    else
        ok = mirror_call(s, side, text->str, op, model, &child, &v, judgement, report, error) &&
             (!changes_maps(op->kind) ||
              after_call(s, side, thread, op, model, child, &v, judgement, report, error));
    vs_judging_finish(&v, judgement, report);
    vs_judging_clear(&v);
    return ok;
}
