/*
 * forms.c - the show forms of the scenario language (shows.def): their names, what each takes,
 * and which systems have them, for the parser, the checker and the command line. What prints
 * each is the runner's (show.c).
 */
#include <string.h>

#include "script.h"

static const VsShowForm forms[] = {
#define SHOW(form_name, argument_kind, form_family, printer, json)                                 \
    {.name = form_name, .argument = VS_SHOW_ARG_##argument_kind, .family = VS_FAMILY_##form_family},
#include "shows.def"
#undef SHOW
};

size_t vs_show_form_count(void) { return G_N_ELEMENTS(forms); }

const VsShowForm *vs_show_form_at(size_t index)
{
    return index < G_N_ELEMENTS(forms) ? &forms[index] : NULL;
}

const VsShowForm *vs_show_form(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++)
        if (strcmp(forms[i].name, name) == 0)
            return &forms[i];
    return NULL;
}

void vs_show_forms_append(GString *out)
{
    static const char *const arguments[] = {
        [VS_SHOW_ARG_NONE] = "",
        [VS_SHOW_ARG_ADDRESS] = " ADDR",
        [VS_SHOW_ARG_FRAME] = " [FRAME]",
        [VS_SHOW_ARG_HANDLE] = " HANDLE",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++)
        g_string_append_printf(out, "%s%s%s", i ? ", " : "", forms[i].name,
                               arguments[forms[i].argument]);
}

gboolean vs_show_form_in_system(const VsShowForm *form, const char *system, gboolean is_linux,
                                char **why)
{
    if (form->family == VS_FAMILY_BOTH || (form->family == VS_FAMILY_LINUX) == is_linux)
        return TRUE;
    if (form->family == VS_FAMILY_LINUX)
        *why = g_strdup_printf("show %s is Linux's (/proc/PID/%s); this scenario's system is %s "
                               "(show vad and show pte show its VADs and PTEs)",
                               form->name, form->name, system);
    else
        *why = g_strdup_printf("show %s is Windows'; this scenario's system is %s (show maps and "
                               "show smaps show its mappings)",
                               form->name, system);
    return FALSE;
}
