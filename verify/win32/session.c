/*
 * session.c - mirroring calls to an agent and judging the differences.
 */
#include <string.h>

#include "win32.h"

/* An address range (model addresses) whose state differs between the two systems because of a
 * known divergence: later differences there are its consequences, not new findings. */
typedef struct Taint {
    uint64_t start, end;
    const char *id; /* the known entry's id (owned by the list) */
} Taint;

struct VsSession {
    VsAgent *agent;
    const VsKnownList *known;
    const char *backend;
    VsRelations relations;
    GArray *taints;          /* Taint */
    const char *error_taint;  /* the last error differs because of this known entry, or NULL */
    const char *status_taint; /* the last NTSTATUS differs because of this known entry, or NULL */
    GHashTable *explained;   /* ids of known entries whose reason has been given */
    VsSession *space;        /* the session whose address space the call being mirrored acts
                              * on (another process's, through a handle); set by each mirror */
};

VsSession *vs_session_start(const VsAgentCommand *command, const VsKnownList *known,
                            GError **error)
{
    VsAgent *agent = vs_agent_start(command, error);
    if (!agent)
        return NULL;
    VsSession *s = g_new0(VsSession, 1);
    s->agent = agent;
    s->known = known;
    s->backend = vs_agent_info(agent)->wine ? "wine" : "windows";
    vs_relations_init(&s->relations);
    s->taints = g_array_new(FALSE, FALSE, sizeof(Taint));
    s->explained = g_hash_table_new(g_str_hash, g_str_equal);
    return s;
}

void vs_session_free(VsSession *s)
{
    if (!s)
        return;
    vs_agent_stop(s->agent);
    vs_relations_clear(&s->relations);
    g_array_free(s->taints, TRUE);
    g_hash_table_destroy(s->explained);
    g_free(s);
}

const char *vs_session_backend(const VsSession *s) { return s->backend; }
VsAgent *vs_session_agent(VsSession *s) { return s->agent; }
VsRelations *vs_session_relations(VsSession *s) { return &s->relations; }

/* ---- Consequences of known divergences -------------------------------------------------------- */

/* Larger than any range a call that succeeds in one system and fails in the other can cover. */
#define TAINT_MAX_SIZE ((uint64_t)1 << 36)

static uint64_t granule_down(uint64_t a) { return a & ~(uint64_t)(VS_GRANULARITY - 1); }
static uint64_t granule_up(uint64_t a) { return granule_down(a + VS_GRANULARITY - 1); }

/* The model's VAD holding address in the process the call acts on, as [*start, *end); FALSE if
 * the address is free there. */
static gboolean model_vad(VsThread *thread, const VsOp *op, uint64_t address, uint64_t *start,
                          uint64_t *end)
{
    VsProcess *process = thread ? vs_op_process(thread, op) : NULL;
    const VsVad *vad = process ? vs_vad_lookup(process, address) : NULL;
    if (!vad)
        return FALSE;
    VsVadInfo info;
    vs_vad_info(vad, &info);
    *start = info.starting_vpn * VS_PAGE_SIZE;
    *end = (info.ending_vpn + 1) * VS_PAGE_SIZE;
    return TRUE;
}

static void widen(Taint *t, uint64_t start, uint64_t end)
{
    t->start = MIN(t->start, start);
    t->end = MAX(t->end, end);
}

/* Where a known divergence of op leaves the two systems apart: the granules the call's range
 * touches, and the model's VAD there before the call and after it. */
static Taint taint_range(VsThread *thread, const VsOp *op, const VsOutcome *model, const char *id)
{
    uint64_t address = op->arg[vs_op_address_arg(op->kind)];
    int size_arg = vs_op_size_arg(op->kind);
    uint64_t size = size_arg >= 0 ? op->arg[size_arg] : 0;
    if (size > TAINT_MAX_SIZE)
        size = 0; /* a size meant to overflow: no system made anything of it, its granule will do */
    uint64_t last = address + (size ? size - 1 : 0);
    if (last < address)
        last = UINT64_MAX; /* address + size wraps */
    Taint t = {granule_down(address),
               last >= UINT64_MAX - VS_GRANULARITY ? UINT64_MAX : granule_up(last + 1), id};
    if (model && model->vad_end)
        widen(&t, model->vad_start, model->vad_end);
    uint64_t start, end;
    if (model_vad(thread, op, address, &start, &end))
        widen(&t, start, end);
    return t;
}

/* Adds a range to the taints, merged with those it overlaps or touches (the first one's entry
 * names the merged range): the list stays as short as the distinct ranges are few. */
static void add_taint(VsSession *side, Taint t)
{
    for (guint i = side->taints->len; i-- > 0;) {
        const Taint *old = &g_array_index(side->taints, Taint, i);
        if (old->start <= t.end && t.start <= old->end) {
            t.start = MIN(t.start, old->start);
            t.end = MAX(t.end, old->end);
            t.id = old->id;
            g_array_remove_index_fast(side->taints, i);
        }
    }
    g_array_append_val(side->taints, t);
}

/* The allocation an allocating call made in one system and not in the other (its base in model
 * addresses, through the pairs, and its size), or FALSE. other is NULL when the agent refused. */
static gboolean lone_allocation(const VsSession *side, const VsOp *op, const VsOutcome *model,
                                const VsOutcome *other, uint64_t *base, uint64_t *size)
{
    gboolean nt = op->kind == VS_OP_NT_ALLOCATE;
    if (op->kind != VS_OP_VIRTUAL_ALLOC && op->kind != VS_OP_VIRTUAL_ALLOC_EX && !nt)
        return FALSE;
    /* No other outcome: the agent refused the call, so nothing was made there. */
    gboolean in_other = other && (nt ? NT_SUCCESS((VsStatus)other->ret) : other->ret != 0);
    gboolean in_model = nt ? NT_SUCCESS((VsStatus)model->ret) : model->ret != 0;
    if (in_other == in_model)
        return FALSE;
    const VsOutcome *made = in_model ? model : other;
    uint64_t address = nt ? made->out[1] : made->ret;
    *base = in_model ? address : vs_relations_to_model(&side->relations, address);
    *size = nt ? made->out[3] : op->arg[vs_op_size_arg(op->kind)];
    return *size > 0 && *size <= TAINT_MAX_SIZE;
}

static void taint(VsSession *side, VsThread *thread, const VsOp *op, const VsOutcome *model,
                  const VsOutcome *other, const char *id, gboolean error_differs)
{
    VsSession *space = side->space ? side->space : side;
    if (vs_op_address_arg(op->kind) >= 0)
        add_taint(space, taint_range(thread, op, model, id));
    uint64_t base, size;
    if (lone_allocation(space, op, model, other, &base, &size))
        add_taint(space, (Taint){granule_down(base), granule_up(base + size), id});
    if (error_differs)
        side->error_taint = side->status_taint = id;
}

void vs_session_lift_taints(VsSession *side, VsAgreeFn agree, void *context)
{
    for (guint i = side->taints->len; i-- > 0;) {
        const Taint *t = &g_array_index(side->taints, Taint, i);
        if (agree(context, t->start, t->end))
            g_array_remove_index_fast(side->taints, i);
    }
}

/* The taint overlapping [start, end), or NULL. */
static const Taint *taint_over(const VsSession *side, uint64_t start, uint64_t end)
{
    for (guint t = 0; t < side->taints->len; t++) {
        const Taint *taint = &g_array_index(side->taints, Taint, t);
        if (start < taint->end && taint->start < end)
            return taint;
    }
    return NULL;
}

/* The known entry whose consequences op may show, or NULL: one whose range the call's range
 * overlaps (a reservation next to memory only one system has can fail in that one alone). */
static const char *tainted_by(const VsSession *side, const VsOp *op)
{
    if (op->kind == VS_OP_GET_LAST_ERROR)
        return side->error_taint;
    if (op->kind == VS_OP_RTL_GET_LAST_NT_STATUS)
        return side->status_taint;
    int arg = vs_op_address_arg(op->kind);
    if (arg < 0)
        return NULL;
    side = side->space ? side->space : side; /* ranges are the acted-on process's */
    int size_arg = vs_op_size_arg(op->kind);
    uint64_t start = op->arg[arg], size = size_arg >= 0 ? op->arg[size_arg] : 0;
    if (size == 0 || size > TAINT_MAX_SIZE)
        size = 1; /* as in taint_range: a size meant to overflow counts for its first page */
    const Taint *taint = taint_over(side, start, start + size < start ? UINT64_MAX : start + size);
    return taint ? taint->id : NULL;
}

gboolean vs_session_tainted(const VsSession *side, uint64_t model_address)
{
    return taint_over(side, model_address, model_address + 1) != NULL;
}

/* Once both systems hold the same last error (or status) again, an earlier difference is over.
 * SetLastError sets the error alone: the status stays as it was, in Windows as in the model. */
static void settle_error(VsSession *side, const VsOutcome *model, const VsOutcome *other)
{
    if (model->last_error == other->last_error)
        side->error_taint = NULL;
    if (model->last_status == other->last_status)
        side->status_taint = NULL;
}

/* ---- Reporting -------------------------------------------------------------------------------- */

/* The first mention of a known entry in a report gives its reason; later ones its id. */
static void report_entry(VsSession *side, GString *report, const VsKnownEntry *entry)
{
    if (g_hash_table_contains(side->explained, entry->id)) {
        g_string_append_printf(report, "      [%s], as above\n", entry->id);
        return;
    }
    g_hash_table_add(side->explained, entry->id);
    g_string_append_printf(report, "      [%s] %s\n", entry->id, entry->reason);
}

/* ---- Region extents --------------------------------------------------------------------------- */

static gboolean is_extent(const char *field)
{
    return strcmp(field, "BaseAddress") == 0 || strcmp(field, "RegionSize") == 0;
}

/* The known entry explaining a difference in the VirtualQuery record at model address, if the two
 * systems' records there differ in a way the list knows; else NULL. */
static const char *known_difference_at(VsSession *side, VsThread *thread, uint64_t address,
                                       GError **error)
{
    VsSystemInfo info;
    VsGetSystemInfo(thread, &info);
    if (address > info.lpMaximumApplicationAddress)
        return NULL; /* the query would fail, and set the last error in both */
    VsOp query = {.kind = VS_OP_VIRTUAL_QUERY, .arg = {address}};
    VsOutcome model, other;
    vs_op_execute(thread, &query, &model);
    VsOp translated;
    vs_relations_translate(&side->relations, &query, &translated);
    if (!vs_agent_call(side->agent, &translated, &other, error))
        return NULL;
    g_autoptr(GPtrArray) divergences =
        g_ptr_array_new_with_free_func((GDestroyNotify)vs_divergence_free);
    vs_compare_outcomes(&side->relations, &query, &model, &other, divergences);
    for (guint i = 0; i < divergences->len; i++) {
        const VsKnownEntry *entry = vs_known_match(side->known, side->backend, &query, &model,
                                                   g_ptr_array_index(divergences, i));
        if (entry)
            return entry->id;
    }
    return NULL;
}

/* A region is the run of pages alike in state, protection and type, so where the two systems
 * differ (knownly) about one page, they differ about the extent of its neighbours too. When a
 * VirtualQuery's extents differ, asks both about the page where the shorter region stops (or
 * just before the later start): a known difference there explains the extents. */
static const char *extent_cause(VsSession *side, VsThread *thread, const VsOutcome *model,
                                const VsOutcome *other, GError **error)
{
    if (!thread || !model->has_mbi || !other->has_mbi)
        return NULL;
    const VsMemoryBasicInformation *m = &model->mbi, *o = &other->mbi;
    uint64_t m_end = m->BaseAddress + m->RegionSize;
    uint64_t o_end = m_end + (o->BaseAddress + o->RegionSize) -
                     vs_relations_to_other(&side->relations, m_end);
    uint64_t o_base = m->BaseAddress + o->BaseAddress -
                      vs_relations_to_other(&side->relations, m->BaseAddress);
    const char *cause = NULL;
    if (m_end != o_end)
        cause = known_difference_at(side, thread, MIN(m_end, o_end), error);
    if (!cause && m->BaseAddress != o_base && !(error && *error))
        cause = known_difference_at(side, thread, MAX(m->BaseAddress, o_base) - VS_PAGE_SIZE,
                                    error);
    return cause;
}

/* ---- Judging ---------------------------------------------------------------------------------- */

/* Sorts one call's divergences: explained by the list, consequences of an earlier known one, or
 * unexplained; reports them and counts the call once, by its worst. */
static void classify(VsSession *side, VsThread *thread, const VsOp *op, const VsOutcome *model,
                     const VsOutcome *other, const char *extent, GPtrArray *divergences, VsJudgement *judgement,
                     GString *report)
{
    const char *tainted = tainted_by(side, op);
    gboolean unexplained = FALSE, unsupported = FALSE, error_differs = FALSE;
    const char *known_id = NULL;
    g_autoptr(GString) follows = g_string_new(NULL);
    const char *follows_from = NULL;
    for (guint i = 0; i < divergences->len; i++) {
        const VsDivergence *d = g_ptr_array_index(divergences, i);
        const VsKnownEntry *entry = vs_known_match(side->known, side->backend, op, model, d);
        error_differs |= strcmp(d->field, "GetLastError") == 0 ||
                         strcmp(d->field, "RtlGetLastNtStatus") == 0 ||
                         strcmp(d->field, "return") == 0 || strcmp(d->field, "status") == 0;
        const char *cause = tainted ? tainted : is_extent(d->field) ? extent : NULL;
        if (!entry && cause) {
            follows_from = cause;
            g_string_append_printf(follows, "%s%s (model %s, %s %s)", follows->len ? ", " : "",
                                   d->field, d->model, side->backend, d->other);
            continue;
        }
        const char *label = !entry                                   ? "DIVERGES"
                            : entry->verdict == VS_VERDICT_UNSUPPORTED ? "unsupported"
                                                                     : "known";
        g_string_append_printf(report, "    %s %s: model %s, %s %s\n", label, d->field,
                               d->model, side->backend, d->other);
        if (entry)
            report_entry(side, report, entry);
        if (!entry && !unexplained)
            g_strlcpy(judgement->field, d->field, sizeof judgement->field);
        unexplained |= !entry;
        unsupported |= entry && entry->verdict == VS_VERDICT_UNSUPPORTED;
        if (entry)
            known_id = entry->id;
    }
    if (follows->len) {
        g_string_append_printf(report, "    follows from [%s]: %s\n", follows_from, follows->str);
        known_id = known_id ? known_id : follows_from;
    }
    if (known_id)
        taint(side, thread, op, model, other, known_id, error_differs);
    judgement->because = known_id;
    judgement->kind = unexplained   ? VS_JUDGED_UNEXPLAINED
                      : unsupported ? VS_JUDGED_UNSUPPORTED
                                    : VS_JUDGED_KNOWN;
}

gboolean vs_session_mirror(VsSession *side, VsSession *target, VsThread *thread, const VsOp *op,
                           const VsOutcome *model, VsJudgement *judgement, GString *report,
                           GError **error)
{
    /* Addresses belong to the process the call acts on; handles and process ids to the caller. */
    VsSession *space = target ? target : side;
    VsRelations view = space->relations;
    view.handles = side->relations.handles;
    view.pids = side->relations.pids;
    view.own_pids = FALSE;
    side->space = space;
    memset(judgement, 0, sizeof *judgement);
    VsOp translated;
    vs_relations_translate(&view, op, &translated);
    VsOutcome other;
    GError *agent_error = NULL;
    if (!vs_agent_call(side->agent, &translated, &other, &agent_error)) {
        if (!g_error_matches(agent_error, VS_AGENT_ERROR, VS_AGENT_ERROR_REFUSED)) {
            g_propagate_error(error, agent_error);
            return FALSE;
        }
        g_string_append_printf(report, "    unsupported: the agent refused: %s\n",
                               agent_error->message);
        judgement->kind = VS_JUDGED_UNSUPPORTED;
        judgement->refused = TRUE;
        judgement->because = "refused by the agent";
        /* The model ran the call and the agent did not: the two differ from here on. */
        taint(side, thread, op, model, NULL, "refused by the agent", TRUE);
        g_error_free(agent_error);
        return TRUE;
    }
    g_autoptr(GPtrArray) divergences =
        g_ptr_array_new_with_free_func((GDestroyNotify)vs_divergence_free);
    guint found = vs_compare_outcomes(&view, op, model, &other, divergences);
    settle_error(side, model, &other);
    if (!found)
        return TRUE;
    /* Extents that differ follow from a known difference in the same record's attributes, or
     * failing that in the neighbour's (extent_cause). */
    gboolean unexplained_extent = FALSE;
    const char *extent = NULL;
    for (guint i = 0; i < divergences->len; i++) {
        const VsDivergence *d = g_ptr_array_index(divergences, i);
        const VsKnownEntry *entry = vs_known_match(side->known, side->backend, op, model, d);
        unexplained_extent |= is_extent(d->field) && !entry;
        if (!is_extent(d->field) && entry)
            extent = entry->id;
    }
    /* The neighbour query runs in the caller's own process: only for calls acting on it. */
    if (unexplained_extent && !extent && space == side && !tainted_by(side, op)) {
        GError *lost = NULL;
        extent = extent_cause(side, thread, model, &other, &lost);
        if (lost) {
            g_propagate_error(error, lost);
            return FALSE;
        }
    }
    classify(side, thread, op, model, &other, extent, divergences, judgement, report);
    return TRUE;
}
