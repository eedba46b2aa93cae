/*
 * divergence.c - differences between two answers, and their values as people read them.
 */
#include <string.h>

#include "divergence.h"
#include "op.h"

void vs_divergence_free(VsDivergence *divergence)
{
    g_free(divergence->field);
    g_free(divergence->model);
    g_free(divergence->other);
    g_free(divergence);
}

gboolean vs_divergence_is_extent(const char *field)
{
    return strcmp(field, "BaseAddress") == 0 || strcmp(field, "RegionSize") == 0;
}

GPtrArray *vs_divergences_new(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)vs_divergence_free);
}

static gboolean field_is(const char *field, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(field, *names) == 0)
            return TRUE;
    return FALSE;
}

char *vs_divergence_format(const char *field, uint64_t value)
{
    static const char *const protections[] = {"Protect", "AllocationProtect", "OldProtect", NULL};
    static const char *const statuses[] = {"status", "exception", "RtlGetLastNtStatus", NULL};
    char buf[160];
    if (field_is(field, protections))
        return g_strdup(vs_protect_string((uint32_t)value, buf, sizeof buf));
    if (strcmp(field, "State") == 0 || strcmp(field, "Type") == 0) {
        /* each by its own names: MEM_IMAGE's value is also MEM_RESET_UNDO's */
        const char *name = field[0] == 'S' ? vs_mem_state_name((uint32_t)value)
                                           : vs_mem_type_name((uint32_t)value);
        if (name || value == 0)
            return g_strdup(name ? name : "0");
        return g_strdup_printf("0x%" G_GINT64_MODIFIER "X", value);
    }
    if (field_is(field, statuses)) {
        const char *name = vs_status_name((VsStatus)value);
        return g_strdup_printf("0x%08" G_GINT64_MODIFIER "X%s%s", value, name ? " " : "",
                               name ? name : "");
    }
    if (strcmp(field, "errno") == 0) {
        const char *name = vs_errno_name((uint32_t)value);
        return g_strdup_printf("%" G_GUINT64_FORMAT "%s%s", value, name ? " " : "",
                               name ? name : "");
    }
    if (strcmp(field, "signal") == 0)
        return g_strdup(value == VS_SIGSEGV  ? "SIGSEGV"
                        : value == VS_SIGBUS ? "SIGBUS"
                        : value == VS_SIGILL ? "SIGILL"
                        : value == 0         ? "none"
                                             : "?");
    if (strcmp(field, "GetLastError") == 0) {
        const char *name = vs_win32_error_name((uint32_t)value);
        return g_strdup_printf("%" G_GUINT64_FORMAT "%s%s", value, name ? " " : "",
                               name ? name : "");
    }
    if (value < 10)
        return g_strdup_printf("%" G_GUINT64_FORMAT, value);
    return g_strdup_printf("0x%" G_GINT64_MODIFIER "x", value);
}

void vs_diverge(GPtrArray *divergences, const char *field, uint64_t model, uint64_t other)
{
    VsDivergence *d = g_new0(VsDivergence, 1);
    d->field = g_strdup(field);
    d->model = vs_divergence_format(field, model);
    d->other = vs_divergence_format(field, other);
    d->model_value = model;
    d->other_value = other;
    g_ptr_array_add(divergences, d);
}

void vs_diverge_text(GPtrArray *divergences, const char *field, const char *model,
                     const char *other)
{
    VsDivergence *d = g_new0(VsDivergence, 1);
    d->field = g_strdup(field);
    d->model = g_strdup(model);
    d->other = g_strdup(other);
    g_ptr_array_add(divergences, d);
}
