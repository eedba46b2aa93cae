/*
 * compare.c - comparing what the model and the kernel answered to the same call, the maps after
 * it, and after fork which pages parent and child share (posix.h).
 */
#include <stdio.h>
#include <string.h>

#include "posix.h"

#define PAGEMAP_CHUNK 512       /* pages per pagemap request (the agent's limit) */
#define SHARING_MAX_PAGES 16384 /* pages of a fork's private VMAs whose sharing is compared */

/* ---- One call -------------------------------------------------------------------------------- */

static gboolean returns_fd(VsOpKind kind)
{
    return kind == VS_OP_MEMFD_CREATE || kind == VS_OP_SHM_OPEN || kind == VS_OP_OPEN;
}

/* mincore's vectors, page by page: the first page they differ on. */
static void compare_vector(const VsOutcome *model, const VsOutcome *real, GPtrArray *found)
{
    uint32_t pages = MIN(model->vector_length, real->vector_length);
    if (model->vector_length != real->vector_length)
        vs_diverge(found, "mincore pages", model->vector_length, real->vector_length);
    for (uint32_t i = 0; i < pages; i++) {
        uint8_t m = model->vector[i] & 1, r = real->vector[i] & 1;
        if (m == r)
            continue;
        g_autofree char *mt = g_strdup_printf("page %u %s", i, m ? "resident" : "not resident");
        g_autofree char *rt = g_strdup_printf("page %u %s", i, r ? "resident" : "not resident");
        vs_diverge_text(found, "mincore", mt, rt);
        VsDivergence *d = g_ptr_array_index(found, found->len - 1);
        d->model_value = m, d->other_value = r;
        return;
    }
}

/* smaps' counters, field by field: each that differs, named as smaps names it. Pss and Locked (a
 * Pss) only for private anonymous memory: the agent's pins map every cached page of the
 * scenario's files and shmem too (its pagecache.c), which shares those pages' Pss. */
static void compare_smaps(const VsOutcome *model, const VsOutcome *real, GPtrArray *found)
{
    const VsRecordSpec *spec = vs_record_spec(VS_RECORD_SMAPS);
    for (uint32_t i = 0; i < spec->count; i++)
        if (model->fields[i] != real->fields[i] &&
            (model->mapping == VS_MAPPING_ANONYMOUS ||
             (strcmp(spec->fields[i], "Pss") != 0 && strcmp(spec->fields[i], "Locked") != 0))) {
            g_autofree char *what = g_strdup_printf("smaps %s", spec->fields[i]);
            vs_diverge(found, what, model->fields[i], real->fields[i]);
        }
}

/* The result: addresses back in model terms, descriptors related, pids related by fork. */
static void compare_return(VsPosixSession *s, VsPosixSide *side, const VsOp *op,
                           const VsOutcome *model, const VsOutcome *real, GPtrArray *found)
{
    gboolean model_failed = vs_op_failed(op->kind, model->ret);
    gboolean real_failed = vs_op_failed(op->kind, real->ret);
    VsOpReturn returns = vs_op_spec(op->kind)->returns;
    if (op->kind == VS_OP_GETPID)
        return; /* each system numbers its own processes */
    if (model_failed != real_failed) {
        uint64_t r = returns == VS_RETURN_MMAP ? vs_posix_to_model(s, real->ret) : real->ret;
        vs_diverge(found, "return", model->ret, r);
    } else if (model_failed) {
        if (model->last_error != real->last_error)
            vs_diverge(found, "errno", model->last_error, real->last_error);
    } else if (returns == VS_RETURN_MMAP) {
        if (vs_posix_to_model(s, real->ret) != model->ret)
            vs_diverge(found, "return", model->ret, vs_posix_to_model(s, real->ret));
    } else if (returns_fd(op->kind)) {
        vs_values_relate(side->fds, model->ret, real->ret);
    } else if (op->kind == VS_OP_DECLARE_FILE || op->kind == VS_OP_FORK) {
        /* file(): TRUE in both; fork: the pids differ, the child is related in mirror */
    } else if (model->ret != real->ret) {
        vs_diverge(found, "return", model->ret, real->ret);
    }
    if (op->kind == VS_OP_CLOSE && !model_failed)
        vs_values_forget(side->fds, op->arg[0]);
}

void vs_posix_compare_call(VsPosixSession *s, VsPosixSide *side, const VsOp *op,
                           const VsOutcome *model, const VsOutcome *real, GPtrArray *found)
{
    if (vs_op_spec(op->kind)->memory_access) {
        if (model->exception != real->exception)
            vs_diverge(found, "signal", model->exception, real->exception);
        else if (model->exception && model->exception_access != real->exception_access)
            vs_diverge(found, "fault kind (0 read, 1 write, 8 fetch)", model->exception_access,
                       real->exception_access);
        else if (op->kind == VS_OP_READ && model->ret != real->ret)
            vs_diverge(found, "return", model->ret, real->ret);
        /* pkey_set and pkey_get that raised nothing answer as calls */
        if ((op->kind != VS_OP_PKEY_SET && op->kind != VS_OP_PKEY_GET) || model->exception ||
            real->exception)
            return;
    }
    compare_return(s, side, op, model, real, found);
    if (op->kind == VS_OP_MINCORE && model->ret == 0 && real->ret == 0)
        compare_vector(model, real, found);
    if (op->kind == VS_OP_SMAPS && model->ret == 0 && real->ret == 0)
        compare_smaps(model, real, found);
}

/* ---- Maps ------------------------------------------------------------------------------------ */

char *vs_posix_maps_line(uint64_t start, uint64_t end, gboolean r, gboolean w, gboolean x,
                         gboolean shared, uint64_t offset, const char *name)
{
    return g_strdup_printf("%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER
                           "x %c%c%c%c %08" G_GINT64_MODIFIER "x%s%s",
                           start, end, r ? 'r' : '-', w ? 'w' : '-', x ? 'x' : '-',
                           shared ? 's' : 'p', offset, *name ? " " : "", name);
}

static void model_maps(const VsProcess *process, GPtrArray *lines)
{
    VsVmaInfo v;
    for (uint64_t at = 0; vs_vma_find(process, at, &v) && v.end > at; at = v.end)
        g_ptr_array_add(lines, vs_posix_maps_line(v.start, v.end, v.read, v.write, v.exec,
                                                  v.may_share, v.offset, v.name));
}

static gboolean has_line(GPtrArray *lines, const char *line)
{
    for (guint i = 0; i < lines->len; i++)
        if (strcmp(g_ptr_array_index(lines, i), line) == 0)
            return TRUE;
    return FALSE;
}

/* The lines as a set, for lookups in constant time: a long run leaves hundreds of VMAs, and the
 * maps are compared after most calls. */
static GHashTable *line_set(GPtrArray *lines)
{
    GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < lines->len; i++)
        g_hash_table_add(set, g_ptr_array_index(lines, i));
    return set;
}

/* Adds the lines of from that other lacks to apart, marked with their side. */
static void lines_missing(GPtrArray *from, GHashTable *other, const char *side, GPtrArray *apart)
{
    for (guint i = 0; i < from->len; i++)
        if (!g_hash_table_contains(other, g_ptr_array_index(from, i)))
            g_ptr_array_add(apart,
                            g_strdup_printf("%s %s", side, (char *)g_ptr_array_index(from, i)));
}

/* The lines one side has and the other lacks, each marked with its side ("model ..." or
 * "linux ..."), into apart; TRUE if there are any. */
static gboolean maps_apart(GPtrArray *model, GPtrArray *real, GPtrArray *apart)
{
    g_autoptr(GHashTable) model_set = line_set(model);
    g_autoptr(GHashTable) real_set = line_set(real);
    lines_missing(model, real_set, "model", apart);
    lines_missing(real, model_set, "linux", apart);
    return apart->len > 0;
}

static gboolean same_lines(GPtrArray *a, GPtrArray *b)
{
    if (a->len != b->len)
        return FALSE;
    for (guint i = 0; i < a->len; i++)
        if (!has_line(b, g_ptr_array_index(a, i)))
            return FALSE;
    return TRUE;
}

/* A "maps" divergence names the first line that differs, each side's or "(none)". */
gboolean vs_posix_compare_maps(VsPosixSession *s, VsPosixSide *side, const VsProcess *process,
                               GPtrArray *found, GString *follows, GString *report, GError **error)
{
    g_autoptr(GPtrArray) model = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) real = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) apart = g_ptr_array_new_with_free_func(g_free);
    model_maps(process, model);
    if (!vs_posix_walk(s, side, real, error))
        return FALSE;
    if (!maps_apart(model, real, apart)) {
        g_ptr_array_set_size(side->apart, 0);
        side->apart_id = NULL;
        return TRUE;
    }
    if (side->apart_id && same_lines(apart, side->apart)) {
        g_string_append_printf(follows, "%smaps of %s", follows->len ? ", " : "",
                               *side->prefix ? side->prefix : "the main process");
        return TRUE;
    }
    const char *m = NULL, *r = NULL;
    for (guint i = 0; i < MAX(model->len, real->len) && !m && !r; i++) {
        const char *a = i < model->len ? g_ptr_array_index(model, i) : "(none)";
        const char *b = i < real->len ? g_ptr_array_index(real, i) : "(none)";
        if (strcmp(a, b) != 0)
            m = a, r = b;
    }
    vs_diverge_text(found, "maps", m, r);
    g_string_append_printf(report, "      maps of %s, model:\n",
                           *side->prefix ? side->prefix : "the main process");
    for (guint i = 0; i < model->len; i++)
        g_string_append_printf(report, "        %s\n", (char *)g_ptr_array_index(model, i));
    g_string_append(report, "      linux:\n");
    for (guint i = 0; i < real->len; i++)
        g_string_append_printf(report, "        %s\n", (char *)g_ptr_array_index(real, i));
    g_ptr_array_set_size(side->apart, 0);
    for (guint i = 0; i < apart->len; i++)
        g_ptr_array_add(side->apart, g_strdup(g_ptr_array_index(apart, i)));
    return TRUE;
}

/* ---- Fork: shared or copied ------------------------------------------------------------------ */

/* What a page of a private anonymous VMA is to a parent and its child just after fork. */
static const char *sharing(uint64_t parent, uint64_t child)
{
    gboolean p = (parent & VS_PAGEMAP_PRESENT) != 0, c = (child & VS_PAGEMAP_PRESENT) != 0;
    uint64_t pfn_p = parent & VS_PAGEMAP_PFN_MASK, pfn_c = child & VS_PAGEMAP_PFN_MASK;
    if (!p || !c)
        return p ? "in the parent only" : c ? "in the child only" : "in neither";
    if (!pfn_p || !pfn_c)
        return NULL; /* pagemap hides frame numbers without CAP_SYS_ADMIN: cannot tell */
    return pfn_p == pfn_c ? "shared (one frame)" : "copied (two frames)";
}

/* At most SHARING_MAX_PAGES pages. */
gboolean vs_posix_compare_sharing(VsPosixSession *s, const VsPosixSide *parent,
                                  const VsPosixSide *child, const VsProcess *model_parent,
                                  const VsProcess *model_child, GPtrArray *found, GError **error)
{
    uint64_t budget = SHARING_MAX_PAGES, p[PAGEMAP_CHUNK], c[PAGEMAP_CHUNK];
    VsVmaInfo v;
    for (uint64_t at = 0; budget && vs_vma_find(model_parent, at, &v) && v.end > at; at = v.end) {
        if (v.may_share || v.name[0])
            continue;
        for (uint64_t page = v.start; page < v.end && budget;) {
            uint64_t pages = MIN(MIN((v.end - page) / VS_PAGE_SIZE, PAGEMAP_CHUNK), budget);
            if (!vs_posix_pagemap(s, parent, page, pages, p, error) ||
                !vs_posix_pagemap(s, child, page, pages, c, error))
                return FALSE;
            for (uint64_t i = 0; i < pages; i++) {
                uint64_t address = page + i * VS_PAGE_SIZE;
                const char *m = sharing(vs_pagemap_entry(model_parent, address),
                                        vs_pagemap_entry(model_child, address));
                const char *r = sharing(p[i], c[i]);
                if (!r || strcmp(m, r) == 0)
                    continue;
                g_autofree char *mt = g_strdup_printf("0x%" G_GINT64_MODIFIER "x %s", address, m);
                g_autofree char *rt = g_strdup_printf("0x%" G_GINT64_MODIFIER "x %s", address, r);
                vs_diverge_text(found, "fork sharing", mt, rt);
                return TRUE;
            }
            page += pages * VS_PAGE_SIZE;
            budget -= pages;
        }
    }
    return TRUE;
}
