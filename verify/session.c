/*
 * session.c - the part of a session both backends share: the agent, and judging differences
 * against the known list (session.h).
 */
#include <string.h>

#include "backend.h"

void vs_session_init(VsSession *s, const VsBackend *backend, VsAgent *agent,
                     const VsKnownList *known, const char *system, const char *version)
{
    s->backend = backend;
    s->agent = agent;
    s->known = known;
    s->system = system;
    g_strlcpy(s->version, version, sizeof s->version);
    g_snprintf(s->label, sizeof s->label, "%s%s%s", system, *version ? " " : "", version);
    s->explained = g_hash_table_new(g_str_hash, g_str_equal);
}

void vs_session_clear(VsSession *s)
{
    vs_agent_stop(s->agent);
    g_hash_table_destroy(s->explained);
    memset(s, 0, sizeof *s);
}

void vs_session_free(VsSession *s)
{
    if (s)
        s->backend->free(s);
}

void vs_judging_init(VsJudging *v) { *v = (VsJudging){.follows = g_string_new(NULL)}; }

void vs_judging_clear(VsJudging *v)
{
    g_string_free(v->follows, TRUE);
    v->follows = NULL;
}

/* The first mention of a known entry in a report gives its reason; later ones its id. */
static void report_entry(VsSession *s, GString *report, const VsKnownEntry *entry)
{
    if (g_hash_table_contains(s->explained, entry->id)) {
        g_string_append_printf(report, "      [%s], as above\n", entry->id);
        return;
    }
    g_hash_table_add(s->explained, entry->id);
    g_string_append_printf(report, "      [%s] %s\n        evidence: %s\n", entry->id,
                           entry->reason, entry->evidence);
}

/* A difference in what the call returned or the error it left. */
static gboolean is_error(const char *field)
{
    return strcmp(field, "GetLastError") == 0 || strcmp(field, "RtlGetLastNtStatus") == 0 ||
           strcmp(field, "return") == 0 || strcmp(field, "status") == 0;
}

void vs_session_judge(VsSession *s, const VsOp *op, const VsOutcome *model, GPtrArray *divergences,
                      const char *cause, const char *extent, VsJudging *v, VsJudgement *judgement,
                      GString *report)
{
    for (guint i = 0; i < divergences->len; i++) {
        const VsDivergence *d = g_ptr_array_index(divergences, i);
        const VsKnownSystem system = {s->system, s->version};
        const VsKnownEntry *entry = vs_known_match(s->known, &system, op, model, d);
        const char *from = cause ? cause : vs_divergence_is_extent(d->field) ? extent : NULL;
        v->error_differs |= is_error(d->field);
        if (!entry && from) {
            v->follows_from = from;
            g_string_append_printf(v->follows, "%s%s (model %s, %s %s)",
                                   v->follows->len ? ", " : "", d->field, d->model, s->label,
                                   d->other);
            continue;
        }
        const char *label = !entry                                     ? "DIVERGES"
                            : entry->verdict == VS_VERDICT_UNSUPPORTED ? "unsupported"
                                                                       : "known";
        g_string_append_printf(report, "    %s %s: model %s, %s %s\n", label, d->field, d->model,
                               s->label, d->other);
        if (entry)
            report_entry(s, report, entry);
        if (!entry && !v->unexplained)
            g_strlcpy(judgement->field, d->field, sizeof judgement->field);
        v->unexplained |= !entry;
        v->unsupported |= entry && entry->verdict == VS_VERDICT_UNSUPPORTED;
        if (entry)
            v->known_id = entry->id;
    }
}

gboolean vs_session_withholds(VsSession *s, const VsOp *op, const VsOutcome *model, VsJudging *v,
                              VsJudgement *judgement, GString *report)
{
    const VsKnownSystem system = {s->system, s->version};
    const VsKnownEntry *entry = vs_known_fatal(s->known, &system, op, model);
    if (!entry)
        return FALSE;
    g_string_append_printf(report,
                           "    withheld: %s does not live through this call (or what "
                           "follows it)\n",
                           s->label);
    report_entry(s, report, entry);
    judgement->refused = TRUE;
    v->unsupported = TRUE;
    v->known_id = entry->id;
    return TRUE;
}

void vs_judging_unsupported(VsJudging *v, VsJudgement *judgement, const char *because,
                            const char *why, GString *report)
{
    g_string_append_printf(report, "    unsupported: %s\n", why);
    judgement->refused = TRUE;
    v->unsupported = TRUE;
    v->known_id = because;
}

void vs_judging_finish(const VsJudging *v, VsJudgement *judgement, GString *report)
{
    if (v->follows->len)
        g_string_append_printf(report, "    follows from [%s]: %s\n", v->follows_from,
                               v->follows->str);
    judgement->because = v->known_id ? v->known_id : v->follows_from;
    judgement->kind = v->unexplained       ? VS_JUDGED_UNEXPLAINED
                      : v->unsupported     ? VS_JUDGED_UNSUPPORTED
                      : judgement->because ? VS_JUDGED_KNOWN
                                           : VS_JUDGED_MATCH;
}
