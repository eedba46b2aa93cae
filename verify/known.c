/*
 * known.c - loading and matching the known-divergence list.
 */
#include <string.h>

#include "known.h"

static void entry_free(gpointer data)
{
    VsKnownEntry *e = data;
    g_free(e->id);
    g_free(e->backend);
    g_free(e->call);
    g_free(e->field);
    g_free(e->model);
    g_free(e->other);
    g_free(e->reason);
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
static gboolean value_ok(const char *pattern)
{
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

/* A value pattern: *, or values separated by commas (any of them matches). */
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

static gboolean load_entry(GKeyFile *file, const char *path, const char *group, VsKnownEntry *e,
                           GError **error)
{
    e->id = g_strdup(group);
    if (!(e->backend = required(file, path, group, "backend", error)) ||
        !(e->call = required(file, path, group, "call", error)) ||
        !(e->field = required(file, path, group, "field", error)) ||
        !(e->model = required(file, path, group, "model", error)) ||
        !(e->other = required(file, path, group, "other", error)) ||
        !(e->reason = required(file, path, group, "reason", error)))
        return FALSE;
    static const char *const backends[] = {"wine", "windows", "win32", "linux", NULL};
    if (!g_strv_contains(backends, e->backend))
        return bad(error, path, group, "backend must be wine, windows, win32 or linux");
    g_auto(GStrv) calls = g_strsplit(e->call, ",", -1);
    for (char **call = calls; strcmp(e->call, "*") != 0 && *call; call++) {
        VsOpKind kind;
        if (!vs_op_lookup(g_strstrip(*call), &kind))
            return bad(error, path, group, "names a call the language does not have");
    }
    if (!value_pattern_ok(e->model) || !value_pattern_ok(e->other))
        return bad(error, path, group,
                   "model and other must be *, or numbers or constant names (joined by |), "
                   "separated by commas");
    g_autofree char *verdict = g_key_file_get_string(file, group, "verdict", NULL);
    if (!verdict || strcmp(g_strstrip(verdict), "known") == 0)
        e->verdict = VS_VERDICT_KNOWN;
    else if (strcmp(verdict, "unsupported") == 0)
        e->verdict = VS_VERDICT_UNSUPPORTED;
    else
        return bad(error, path, group, "verdict must be known or unsupported");
    if (strlen(e->reason) < 10)
        return bad(error, path, group, "needs a reason that says why");
    g_autofree char *address = g_key_file_get_string(file, group, "address", NULL);
    if (address && !parse_range(address, &e->address))
        return bad(error, path, group, "address must be LOW-HIGH, such as 0x0-0xFFFF");
    g_autofree char *size = g_key_file_get_string(file, group, "size", NULL);
    if (size && !parse_range(size, &e->size))
        return bad(error, path, group, "size must be a number or LOW-HIGH, such as 0 or 1-0xFFF");
    e->state = g_key_file_get_string(file, group, "state", NULL);
    if (e->state && !value_pattern_ok(g_strstrip(e->state)))
        return bad(error, path, group,
                   "state must be MEM_COMMIT, MEM_RESERVE or MEM_FREE, or several separated by "
                   "commas");
    e->region = g_key_file_get_string(file, group, "region", NULL);
    if (e->region && !value_pattern_ok(g_strstrip(e->region)))
        return bad(error, path, group, "region must be MEM_PRIVATE or MEM_MAPPED");
    e->status = g_key_file_get_string(file, group, "status", NULL);
    if (e->status && !value_pattern_ok(g_strstrip(e->status)))
        return bad(error, path, group,
                   "status must be STATUS_ names or numbers, separated by commas");
    e->type = g_key_file_get_string(file, group, "type", NULL);
    if (e->type && !value_pattern_ok(g_strstrip(e->type)))
        return bad(error, path, group,
                   "type must be *, or MEM_ flags (joined by |, or has:X) "
                   "separated by commas");
    e->mapping = g_key_file_get_string(file, group, "mapping", NULL);
    if (e->mapping && !mapping_pattern_ok(g_strstrip(e->mapping)))
        return bad(error, path, group,
                   "mapping must be anonymous, shared-anonymous, memfd, shm, "
                   "file or none, or several separated by commas");
    e->protect = g_key_file_get_string(file, group, "protect", NULL);
    if (e->protect && !value_pattern_ok(g_strstrip(e->protect)))
        return bad(error, path, group,
                   "protect must be *, or protections (joined by |, or has:X) separated by commas");
    return TRUE;
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
    for (char **choice = choices; *choice; choice++) {
        const char *c = g_strstrip(*choice);
        if (g_str_has_prefix(c, "has:")) {
            uint64_t bits = pattern_value(c + 4);
            if ((value & bits) == bits)
                return TRUE;
        } else if (pattern_value(c) == value) {
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
    if (e->status && !(model && value_matches(e->status, model->last_status, NULL)))
        return FALSE;
    int protect = vs_op_protect_arg(op->kind), type = vs_op_type_arg(op->kind);
    if (e->type && !(type >= 0 && value_matches(e->type, op->arg[type], NULL)))
        return FALSE;
    return argument_in(&e->address, op, vs_op_address_arg(op->kind)) &&
           argument_in(&e->size, op, vs_op_size_arg(op->kind)) &&
           (!e->protect || (protect >= 0 && value_matches(e->protect, op->arg[protect], NULL)));
}

const VsKnownEntry *vs_known_match(const VsKnownList *list, const char *backend, const VsOp *op,
                                   const VsOutcome *model, const VsDivergence *d)
{
    const char *call = vs_op_spec(op->kind)->name;
    for (guint i = 0; list->entries && i < list->entries->len; i++) {
        const VsKnownEntry *e = g_ptr_array_index(list->entries, i);
        gboolean win32 = strcmp(backend, "wine") == 0 || strcmp(backend, "windows") == 0;
        if (strcmp(e->backend, backend) != 0 && !(win32 && strcmp(e->backend, "win32") == 0))
            continue;
        if (!name_matches(e->call, call) || !name_matches(e->field, d->field) ||
            !conditions_match(e, op, model))
            continue;
        if (value_matches(e->model, d->model_value, d->model) &&
            value_matches(e->other, d->other_value, d->other))
            return e;
    }
    return NULL;
}
