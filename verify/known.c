/*
 * known.c - loading and matching the known-divergence list (known.h): each entry checked as it is
 * loaded (its versions, evidence and conditions), and matched by system, version, call, field,
 * values and conditions.
 */
#include <string.h>

#include "known.h"

static void entry_free(gpointer data)
{
    VsKnownEntry *e = data;
    g_free(e->id);
    g_free(e->backend);
    g_free(e->versions[0]);
    g_free(e->versions[1]);
    g_free(e->call);
    g_free(e->field);
    g_free(e->model);
    g_free(e->other);
    g_free(e->reason);
    g_free(e->evidence);
    g_free(e->protect);
    g_free(e->state);
    g_free(e->status);
    g_free(e->region);
    g_free(e->mapping);
    g_free(e->type);
    g_free(e);
}

void vs_known_clear(VsKnownList *list)
{
    if (list->entries)
        g_ptr_array_free(list->entries, TRUE);
    list->entries = NULL;
}

/* One value: a number (C syntax), or constant names joined with |; "has:" before it matches any
 * value with those bits set. */
static uint64_t pattern_value(const char *pattern);

/* A value relative to the other system's: "<other" (the model's is below it), ">model" (the real
 * system's is above the model's); side names the one it may name. */
static gboolean relation_ok(const char *pattern, const char *side)
{
    return (pattern[0] == '<' || pattern[0] == '>') && strcmp(pattern + 1, side) == 0;
}

static gboolean value_ok(const char *pattern)
{
    if (pattern[0] == '!')
        pattern++; /* an exclusion: "!has:MEM_RESET" */
    if (g_str_has_prefix(pattern, "has:") && pattern_value(pattern + 4) == 0)
        return FALSE; /* has:0 would match anything: that is "*" */
    if (g_str_has_prefix(pattern, "has:"))
        pattern += 4;
    g_auto(GStrv) parts = g_strsplit(pattern, "|", -1);
    for (char **p = parts; *p; p++) {
        g_strstrip(*p);
        uint64_t value;
        char *end;
        g_ascii_strtoull(*p, &end, 0);
        if (!(**p && *end == '\0') && !vs_constant_lookup(*p, &value))
            return FALSE;
    }
    return TRUE;
}

/* A value pattern: *, or values separated by commas: any of them matches, and none of those
 * marked ! (exclusions, which alone match everything else). */
static gboolean value_pattern_ok(const char *pattern)
{
    if (strcmp(pattern, "*") == 0)
        return TRUE;
    g_auto(GStrv) choices = g_strsplit(pattern, ",", -1);
    for (char **choice = choices; *choice; choice++)
        if (!value_ok(g_strstrip(*choice)))
            return FALSE;
    return TRUE;
}

/* A pattern for one side's value of a difference: *, or choices separated by commas, each a
 * value or a relation to the other side's value (counterpart: "other" in the model's pattern,
 * "model" in the real system's). */
static gboolean difference_pattern_ok(const char *pattern, const char *counterpart)
{
    if (strcmp(pattern, "*") == 0)
        return TRUE;
    g_auto(GStrv) choices = g_strsplit(pattern, ",", -1);
    for (char **choice = choices; *choice; choice++)
        if (**choice == '!' ||
            (!relation_ok(g_strstrip(*choice), counterpart) && !value_ok(*choice)))
            return FALSE; /* the values that differ are named, never excluded */
    return TRUE;
}

static uint64_t pattern_value(const char *pattern)
{
    uint64_t total = 0;
    g_auto(GStrv) parts = g_strsplit(pattern, "|", -1);
    for (char **p = parts; *p; p++) {
        g_strstrip(*p);
        uint64_t value;
        char *end;
        uint64_t number = g_ascii_strtoull(*p, &end, 0);
        total |= (**p && *end == '\0') ? number : vs_constant_lookup(*p, &value) ? value : 0;
    }
    return total;
}

/* Names of kinds of memory (vs_mapping_name), separated by commas. */
static gboolean mapping_pattern_ok(const char *pattern)
{
    g_auto(GStrv) names = g_strsplit(pattern, ",", -1);
    for (char **name = names; *name; name++) {
        VsMapping mapping;
        if (!vs_mapping_lookup(g_strstrip(*name), &mapping))
            return FALSE;
    }
    return TRUE;
}

static char *required(GKeyFile *file, const char *path, const char *group, const char *key,
                      GError **error)
{
    GError *inner = NULL;
    char *value = g_key_file_get_string(file, group, key, &inner);
    if (!value) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND, "%s: [%s] needs '%s'",
                    path, group, key);
        g_error_free(inner);
        return NULL;
    }
    return g_strstrip(value);
}

static gboolean bad(GError **error, const char *path, const char *group, const char *what)
{
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: [%s] %s", path, group,
                what);
    return FALSE;
}

/* "N" or "LOW-HIGH" (both ends included), numbers in C syntax. */
static gboolean parse_range(char *text, VsKnownRange *range)
{
    char *end;
    g_strstrip(text);
    range->set = TRUE;
    range->low = g_ascii_strtoull(text, &end, 0);
    if (end == text)
        return FALSE;
    if (*end == '\0') {
        range->high = range->low;
        return TRUE;
    }
    if (*end != '-')
        return FALSE;
    const char *high = end + 1;
    range->high = g_ascii_strtoull(high, &end, 0);
    return end != high && *end == '\0' && range->high >= range->low;
}

/* ---- Versions -------------------------------------------------------------------------------- */

/* Reads a version ("10.0", "6.18.44") into up to four numbers, the rest 0; FALSE if it is not
 * digits separated by dots. *length gets how many numbers it had. */
static gboolean parse_version(const char *text, guint64 parts[4], guint *length)
{
    memset(parts, 0, 4 * sizeof *parts);
    *length = 0;
    g_autofree char *copy = g_strstrip(g_strdup(text));
    const char *p = copy;
    while (*p && *length < 4) {
        char *end;
        if (!g_ascii_isdigit(*p))
            return FALSE;
        parts[(*length)++] = g_ascii_strtoull(p, &end, 10);
        p = *end == '.' && end[1] ? end + 1 : end;
        if (*end && *end != '.')
            return FALSE;
    }
    return *p == '\0' && *length > 0;
}

/* Compares version v with bound b over b's length only, so that 8.0 covers 8.0.2: <0, 0, >0. */
static int compare_version(const guint64 v[4], const guint64 b[4], guint b_length)
{
    for (guint i = 0; i < b_length; i++)
        if (v[i] != b[i])
            return v[i] < b[i] ? -1 : 1;
    return 0;
}

/* One item of a version pattern: "V", "LOW-HIGH" or "LOW-"; whether version lies in it (and
 * whether the item is well formed, in *ok). */
static gboolean version_item_matches(const char *item, const guint64 v[4], gboolean *ok)
{
    g_auto(GStrv) ends = g_strsplit(item, "-", 2);
    guint64 low[4], high[4];
    guint low_length, high_length = 0;
    gboolean range = ends[1] != NULL, open = range && *g_strstrip(ends[1]) == '\0';
    *ok = parse_version(ends[0], low, &low_length) &&
          (!range || open || parse_version(ends[1], high, &high_length));
    if (!*ok)
        return FALSE;
    if (!range)
        return compare_version(v, low, low_length) == 0;
    return compare_version(v, low, low_length) >= 0 &&
           (open || compare_version(v, high, high_length) <= 0);
}

/* Checks a version pattern, and with version (not NULL) whether it lies in it; *ok FALSE for a
 * malformed pattern. */
static gboolean versions_match(const char *pattern, const char *version, gboolean *ok)
{
    *ok = TRUE;
    if (strcmp(pattern, "*") == 0)
        return TRUE;
    guint64 v[4] = {0};
    guint length;
    gboolean known = version && parse_version(version, v, &length), found = FALSE;
    g_auto(GStrv) items = g_strsplit(pattern, ",", -1);
    for (char **item = items; *item && *ok; item++)
        found |= version_item_matches(*item, v, ok) && known;
    return *ok && found;
}

gboolean vs_known_version_matches(const char *pattern, const char *version)
{
    gboolean ok;
    return versions_match(pattern, version, &ok);
}

/* ---- Loading --------------------------------------------------------------------------------- */

/* The systems a backend covers, each with the key naming its versions. */
static guint backend_systems(const char *backend, const char *systems[2])
{
    if (strcmp(backend, "win32") == 0) {
        systems[0] = "wine", systems[1] = "windows";
        return 2;
    }
    systems[0] = backend;
    return 1;
}

/* The versions key of each system the backend covers: present, and well formed. */
static gboolean load_versions(GKeyFile *file, const char *path, const char *group, VsKnownEntry *e,
                              GError **error)
{
    const char *systems[2];
    guint count = backend_systems(e->backend, systems);
    for (guint i = 0; i < count; i++) {
        g_autofree char *need =
            g_strdup_printf("needs '%s =', the %s versions it holds for (such as 8.0, or 8.0-9.0)",
                            systems[i], systems[i]);
        gboolean ok;
        e->versions[i] = g_key_file_get_string(file, group, systems[i], NULL);
        if (!e->versions[i])
            return bad(error, path, group, need);
        versions_match(g_strstrip(e->versions[i]), NULL, &ok);
        if (!ok)
            return bad(error, path, group, need);
        if (strcmp(e->versions[i], "*") == 0 && e->verdict != VS_VERDICT_UNSUPPORTED)
            return bad(error, path, group,
                       "names every version ('*'): only a limitation of the model (verdict "
                       "unsupported) holds whatever the system's version");
    }
    return TRUE;
}

/* Names of calls separated by commas, each one the language has. */
static gboolean calls_ok(const char *names)
{
    g_auto(GStrv) calls = g_strsplit(names, ",", -1);
    for (char **call = calls; *call; call++) {
        VsOpKind kind;
        if (!vs_op_lookup(g_strstrip(*call), &kind))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_verdict(GKeyFile *file, const char *path, const char *group, VsKnownEntry *e,
                             GError **error)
{
    g_autofree char *verdict = g_key_file_get_string(file, group, "verdict", NULL);
    if (verdict)
        g_strstrip(verdict);
    if (!verdict || strcmp(verdict, "known") == 0)
        e->verdict = VS_VERDICT_KNOWN;
    else if (strcmp(verdict, "unsupported") == 0)
        e->verdict = VS_VERDICT_UNSUPPORTED;
    else if (strcmp(verdict, "fatal") == 0)
        e->verdict = VS_VERDICT_FATAL;
    else
        return bad(error, path, group, "verdict must be known, unsupported or fatal");
    return TRUE;
}

/* What differs: the field and both values, which a fatal entry has none of (the call is not
 * made), and every other entry must have, the model's value named. */
static gboolean load_difference(GKeyFile *file, const char *path, const char *group,
                                VsKnownEntry *e, GError **error)
{
    if (e->verdict == VS_VERDICT_FATAL) {
        static const char *const none[] = {"field", "model", "other"};
        for (guint i = 0; i < G_N_ELEMENTS(none); i++)
            if (g_key_file_has_key(file, group, none[i], NULL))
                return bad(error, path, group,
                           "is fatal: the call is withheld, so nothing is compared (no field, "
                           "model or other)");
        return TRUE;
    }
    if (!(e->field = required(file, path, group, "field", error)) ||
        !(e->model = required(file, path, group, "model", error)) ||
        !(e->other = required(file, path, group, "other", error)))
        return FALSE;
    if (strcmp(e->field, "*") == 0 || strcmp(e->model, "*") == 0)
        return bad(error, path, group,
                   "must name the field and the model's value (not *): the narrowest "
                   "conditions that explain it");
    if (!difference_pattern_ok(e->model, "other") || !difference_pattern_ok(e->other, "model"))
        return bad(error, path, group,
                   "model and other must be numbers or constant names (joined by |; has:X for "
                   "the bits of X) or relations (>other in model: the model's is greater), "
                   "separated by commas; other may be *");
    return TRUE;
}

/* The keys every entry has: what system, which calls, why, and the evidence. */
static gboolean load_claim(GKeyFile *file, const char *path, const char *group, VsKnownEntry *e,
                           GError **error)
{
    static const char *const backends[] = {"wine", "windows", "win32", "linux", NULL};
    if (!(e->backend = required(file, path, group, "backend", error)) ||
        !(e->call = required(file, path, group, "call", error)) ||
        !(e->reason = required(file, path, group, "reason", error)))
        return FALSE;
    if (!g_strv_contains(backends, e->backend))
        return bad(error, path, group, "backend must be wine, windows, win32 or linux");
    if (!calls_ok(e->call))
        return bad(error, path, group,
                   "must name its calls, each one the language has (not *), separated by commas");
    if (strlen(e->reason) < 10)
        return bad(error, path, group, "needs a reason that says why");
    e->evidence = g_key_file_get_string(file, group, "evidence", NULL);
    if (!e->evidence || strlen(g_strstrip(e->evidence)) < 20)
        return bad(error, path, group,
                   "needs 'evidence =': a Wine conformance test and what it asserts, a Microsoft "
                   "documentation page, a measurement on real Windows, or a reproducer under "
                   "tests/ for a behaviour of the real system alone");
    return TRUE;
}

/* A pattern condition: absent, or well formed (check), else the error says what it must be. */
static gboolean load_pattern(GKeyFile *file, const char *path, const char *group, const char *key,
                             char **value, gboolean (*check)(const char *), const char *must,
                             GError **error)
{
    *value = g_key_file_get_string(file, group, key, NULL);
    if (*value && !check(g_strstrip(*value)))
        return bad(error, path, group, must);
    return TRUE;
}

/* The optional conditions on the call, its arguments and the memory it touched. */
/* A yes/no condition (stack, heap): 1 for yes, -1 for no, 0 when the entry has none. */
static gboolean load_yes_no(GKeyFile *file, const char *path, const char *group, const char *key,
                            int *out, GError **error)
{
    g_autofree char *value = g_key_file_get_string(file, group, key, NULL);
    if (value && strcmp(g_strstrip(value), "yes") != 0 && strcmp(value, "no") != 0) {
        g_autofree char *why = g_strdup_printf("%s must be yes or no", key);
        return bad(error, path, group, why);
    }
    *out = !value ? 0 : strcmp(value, "yes") == 0 ? 1 : -1;
    return TRUE;
}

static gboolean load_conditions(GKeyFile *file, const char *path, const char *group,
                                VsKnownEntry *e, GError **error)
{
    g_autofree char *result = g_key_file_get_string(file, group, "result", NULL);
    if (result && strcmp(g_strstrip(result), "failed") != 0 && strcmp(result, "succeeded") != 0)
        return bad(error, path, group, "result must be failed or succeeded");
    e->result = !result ? 0 : strcmp(result, "failed") == 0 ? 1 : -1;
    if (!load_yes_no(file, path, group, "stack", &e->stack, error) ||
        !load_yes_no(file, path, group, "heap", &e->heap, error))
        return FALSE;
    g_autofree char *address = g_key_file_get_string(file, group, "address", NULL);
    if (address && !parse_range(address, &e->address))
        return bad(error, path, group, "address must be LOW-HIGH, such as 0x0-0xFFFF");
    g_autofree char *size = g_key_file_get_string(file, group, "size", NULL);
    if (size && !parse_range(size, &e->size))
        return bad(error, path, group, "size must be a number or LOW-HIGH, such as 0 or 1-0xFFF");
    return load_pattern(file, path, group, "state", &e->state, value_pattern_ok,
                        "state must be MEM_COMMIT, MEM_RESERVE or MEM_FREE, or several separated "
                        "by commas",
                        error) &&
           load_pattern(file, path, group, "region", &e->region, value_pattern_ok,
                        "region must be MEM_PRIVATE, MEM_MAPPED or MEM_IMAGE", error) &&
           load_pattern(file, path, group, "status", &e->status, value_pattern_ok,
                        "status must be STATUS_ names or numbers, separated by commas", error) &&
           load_pattern(file, path, group, "type", &e->type, value_pattern_ok,
                        "type must be *, or MEM_ flags (joined by |, or has:X) separated by "
                        "commas",
                        error) &&
           load_pattern(file, path, group, "mapping", &e->mapping, mapping_pattern_ok,
                        "mapping must be anonymous, shared-anonymous, memfd, shm, file or none, "
                        "or several separated by commas",
                        error) &&
           load_pattern(file, path, group, "protect", &e->protect, value_pattern_ok,
                        "protect must be *, or protections (joined by |, or has:X) separated by "
                        "commas",
                        error);
}

static gboolean load_entry(GKeyFile *file, const char *path, const char *group, VsKnownEntry *e,
                           GError **error)
{
    e->id = g_strdup(group);
    return load_claim(file, path, group, e, error) && load_verdict(file, path, group, e, error) &&
           load_versions(file, path, group, e, error) &&
           load_difference(file, path, group, e, error) &&
           load_conditions(file, path, group, e, error);
}

gboolean vs_known_load(VsKnownList *list, const char *path, GError **error)
{
    list->entries = g_ptr_array_new_with_free_func(entry_free);
    g_autoptr(GKeyFile) file = g_key_file_new();
    GError *inner = NULL;
    if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, &inner)) {
        g_set_error(error, inner->domain, inner->code, "%s: %s", path, inner->message);
        g_error_free(inner);
        return FALSE;
    }
    g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);
    for (char **group = groups; *group; group++) {
        VsKnownEntry *e = g_new0(VsKnownEntry, 1);
        g_ptr_array_add(list->entries, e);
        if (!load_entry(file, path, *group, e, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean value_matches(const char *pattern, uint64_t value, const char *text)
{
    if (strcmp(pattern, "*") == 0)
        return TRUE;
    /* Divergences made of words (alignment) carry no value: match their text. */
    if (text && g_ascii_strcasecmp(pattern, text) == 0)
        return TRUE;
    g_auto(GStrv) choices = g_strsplit(pattern, ",", -1);
    gboolean positives = FALSE, matched = FALSE;
    for (char **choice = choices; *choice; choice++) {
        const char *c = g_strstrip(*choice);
        gboolean excluded = c[0] == '!';
        c += excluded;
        gboolean hit = g_str_has_prefix(c, "has:")
                           ? (value & pattern_value(c + 4)) == pattern_value(c + 4)
                           : pattern_value(c) == value;
        if (excluded && hit)
            return FALSE;
        positives |= !excluded;
        matched |= !excluded && hit;
    }
    return matched || !positives;
}

/* Whether one side's value of a difference matches pattern (difference_pattern_ok's): a value, or
 * a relation to counterpart, the other side's value; text is the value as the report writes it
 * (a difference made of words, such as alignment, matches its words). */
static gboolean side_matches(const char *pattern, uint64_t value, uint64_t counterpart,
                             const char *text)
{
    if (strcmp(pattern, "*") == 0 || (text && g_ascii_strcasecmp(pattern, text) == 0))
        return TRUE;
    g_auto(GStrv) choices = g_strsplit(pattern, ",", -1);
    for (char **choice = choices; *choice; choice++) {
        const char *c = g_strstrip(*choice);
        if (c[0] == '<' || c[0] == '>') {
            if (c[0] == '<' ? value < counterpart : value > counterpart)
                return TRUE;
        } else if (value_matches(c, value, NULL)) {
            return TRUE;
        }
    }
    return FALSE;
}

/* A name pattern: *, or names separated by commas. */
static gboolean name_matches(const char *pattern, const char *name)
{
    if (strcmp(pattern, "*") == 0)
        return TRUE;
    g_auto(GStrv) choices = g_strsplit(pattern, ",", -1);
    for (char **choice = choices; *choice; choice++)
        if (strcmp(g_strstrip(*choice), name) == 0)
            return TRUE;
    return FALSE;
}

/* Whether the call's argument arg (-1: it has none) lies in the range, when one is set. */
static gboolean argument_in(const VsKnownRange *range, const VsOp *op, int arg)
{
    if (!range->set)
        return TRUE;
    return arg >= 0 && op->arg[arg] >= range->low && op->arg[arg] <= range->high;
}

/* The NTSTATUS the model's call answered: an NT call's return value, else (a Win32 call) the
 * thread's last status after it. */
static uint64_t failure_status(const VsOp *op, const VsOutcome *model)
{
    return vs_op_spec(op->kind)->returns == VS_RETURN_STATUS ? model->ret : model->last_status;
}

/* Whether the model's call failed, as its return value says. */
static gboolean model_failed(const VsOp *op, const VsOutcome *model)
{
    if (vs_op_spec(op->kind)->returns == VS_RETURN_STATUS)
        return !NT_SUCCESS((VsStatus)model->ret);
    return vs_op_failed(op->kind, model->ret);
}

/* The conditions on the call: its arguments, and the state the model's VirtualQuery record
 * gives. */
static gboolean conditions_match(const VsKnownEntry *e, const VsOp *op, const VsOutcome *model)
{
    if (e->state &&
        !(model &&
          value_matches(e->state, model->has_mbi ? model->mbi.State : model->region_state, NULL)))
        return FALSE;
    if (e->region && !(model && value_matches(e->region, model->region_type, NULL)))
        return FALSE;
    if (e->mapping && !(model && name_matches(e->mapping, vs_mapping_name(model->mapping))))
        return FALSE;
    if (e->status && !(model && value_matches(e->status, failure_status(op, model), NULL)))
        return FALSE;
    if (e->result && !(model && (model_failed(op, model) ? 1 : -1) == e->result))
        return FALSE;
    if (e->stack && !(model && (model->in_stack ? 1 : -1) == e->stack))
        return FALSE;
    if (e->heap && !(model && (model->in_heap ? 1 : -1) == e->heap))
        return FALSE;
    int protect = vs_op_protect_arg(op->kind), type = vs_op_type_arg(op->kind);
    /* A call without a type argument has type 0: only exclusions let it through. */
    if (e->type && !value_matches(e->type, type >= 0 ? op->arg[type] : 0, NULL))
        return FALSE;
    return argument_in(&e->address, op, vs_op_address_arg(op->kind)) &&
           argument_in(&e->size, op, vs_op_size_arg(op->kind)) &&
           (!e->protect || (protect >= 0 && value_matches(e->protect, op->arg[protect], NULL)));
}

/* Whether e is about system, in its version. */
static gboolean holds_for(const VsKnownEntry *e, const VsKnownSystem *system)
{
    const char *systems[2];
    guint count = backend_systems(e->backend, systems);
    for (guint i = 0; i < count; i++)
        if (strcmp(systems[i], system->name) == 0)
            return vs_known_version_matches(e->versions[i], system->version);
    return FALSE;
}

const VsKnownEntry *vs_known_match(const VsKnownList *list, const VsKnownSystem *system,
                                   const VsOp *op, const VsOutcome *model, const VsDivergence *d)
{
    const char *call = vs_op_spec(op->kind)->name;
    for (guint i = 0; list->entries && i < list->entries->len; i++) {
        const VsKnownEntry *e = g_ptr_array_index(list->entries, i);
        if (e->verdict == VS_VERDICT_FATAL || !holds_for(e, system) ||
            !name_matches(e->call, call) || !name_matches(e->field, d->field) ||
            !conditions_match(e, op, model))
            continue;
        if (side_matches(e->model, d->model_value, d->other_value, d->model) &&
            side_matches(e->other, d->other_value, d->model_value, d->other))
            return e;
    }
    return NULL;
}

const VsKnownEntry *vs_known_fatal(const VsKnownList *list, const VsKnownSystem *system,
                                   const VsOp *op, const VsOutcome *model)
{
    const char *call = vs_op_spec(op->kind)->name;
    for (guint i = 0; list->entries && i < list->entries->len; i++) {
        const VsKnownEntry *e = g_ptr_array_index(list->entries, i);
        if (e->verdict == VS_VERDICT_FATAL && holds_for(e, system) && name_matches(e->call, call) &&
            conditions_match(e, op, model))
            return e;
    }
    return NULL;
}
