/*
 * backend.c - the backends there are (backend.h).
 */
#include <string.h>

#include "backend.h"

static const VsBackend *const backends[] = {&vs_backend_win32, &vs_backend_posix};

const VsBackend *vs_backend_named(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(backends); i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}

char *vs_backend_names(const char *more)
{
    GString *names = g_string_new(NULL);
    guint count = G_N_ELEMENTS(backends) + (more != NULL);
    for (guint i = 0; i < count; i++)
        g_string_append_printf(names, "%s%s",
                               i == 0           ? ""
                               : i + 1 == count ? " or "
                                                : ", ",
                               i < G_N_ELEMENTS(backends) ? backends[i]->name : more);
    return g_string_free(names, FALSE);
}
