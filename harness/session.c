/*
 * session.c - mirroring calls to an agent and judging the differences.
 */
#include <string.h>

#include "session.h"

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

/* The allocation an address belongs to, as far as the pairs know it; else its 64 KB granule. */
static Taint taint_range(const VsSession *side, uint64_t address, const char *id)
{
    const VsPair *pair = vs_relations_pair(&side->relations, address);
    if (pair)
        return (Taint){pair->model, pair->model + pair->size, id};
    uint64_t start = address & ~(VS_GRANULARITY - 1);
    return (Taint){start, start + VS_GRANULARITY, id};
}

static void taint(VsSession *side, const VsOp *op, const char *id, gboolean error_differs)
{
    int arg = vs_op_address_arg(op->kind);
    if (arg >= 0) {
        Taint t = taint_range(side, op->arg[arg], id);
        g_array_append_val(side->taints, t);
    }
    if (error_differs)
        side->error_taint = side->status_taint = id;
}

static const Taint *taint_at(const VsSession *side, uint64_t model_address)
{
    for (guint t = 0; t < side->taints->len; t++) {
        const Taint *taint = &g_array_index(side->taints, Taint, t);
        if (model_address >= taint->start && model_address < taint->end)
            return taint;
    }
    return NULL;
}

/* The known entry whose consequences op may show, or NULL. */
static const char *tainted_by(const VsSession *side, const VsOp *op)
{
    if (op->kind == VS_OP_GET_LAST_ERROR)
        return side->error_taint;
    if (op->kind == VS_OP_RTL_GET_LAST_NT_STATUS)
        return side->status_taint;
    int arg = vs_op_address_arg(op->kind);
    const Taint *taint = arg >= 0 ? taint_at(side, op->arg[arg]) : NULL;
    return taint ? taint->id : NULL;
}

gboolean vs_session_tainted(const VsSession *side, uint64_t model_address)
{
    return taint_at(side, model_address) != NULL;
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

/* Sorts one call's divergences: explained by the list, consequences of an earlier known one, or
 * unexplained; reports them and counts the call once, by its worst. */
static void classify(VsSession *side, const VsOp *op, GPtrArray *divergences,
                     VsJudgement *judgement, GString *report)
{
    const char *cause = tainted_by(side, op);
    gboolean unexplained = FALSE, unsupported = FALSE, error_differs = FALSE;
    const char *known_id = NULL;
    g_autoptr(GString) follows = g_string_new(NULL);
    for (guint i = 0; i < divergences->len; i++) {
        const VsDivergence *d = g_ptr_array_index(divergences, i);
        const VsKnownEntry *entry = vs_known_match(side->known, side->backend, op, d);
        error_differs |= strcmp(d->field, "GetLastError") == 0 ||
                         strcmp(d->field, "RtlGetLastNtStatus") == 0 ||
                         strcmp(d->field, "return") == 0 || strcmp(d->field, "status") == 0;
        if (!entry && cause) {
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
        g_string_append_printf(report, "    follows from [%s]: %s\n", cause, follows->str);
        known_id = known_id ? known_id : cause;
    }
    if (known_id)
        taint(side, op, known_id, error_differs);
    judgement->kind = unexplained   ? VS_JUDGED_UNEXPLAINED
                      : unsupported ? VS_JUDGED_UNSUPPORTED
                                    : VS_JUDGED_KNOWN;
}

gboolean vs_session_mirror(VsSession *side, const VsOp *op, const VsOutcome *model,
                           VsJudgement *judgement, GString *report, GError **error)
{
    memset(judgement, 0, sizeof *judgement);
    VsOp translated;
    vs_relations_translate(&side->relations, op, &translated);
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
        /* The model ran the call and the agent did not: the two differ from here on. */
        taint(side, op, "refused by the agent", TRUE);
        g_error_free(agent_error);
        return TRUE;
    }
    g_autoptr(GPtrArray) divergences =
        g_ptr_array_new_with_free_func((GDestroyNotify)vs_divergence_free);
    guint found = vs_compare_outcomes(&side->relations, op, model, &other, divergences);
    settle_error(side, model, &other);
    if (found)
        classify(side, op, divergences, judgement, report);
    return TRUE;
}
