/*
 * collect.c - the scenario files a command was given: files as they are, directories as the
 * .vsim files in them (cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void vs_cli_collect(const char *command, const char *path, GPtrArray *files, int *status)
{
    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_ptr_array_add(files, g_strdup(path));
        return;
    }
    GError *error = NULL;
    GDir *dir = g_dir_open(path, 0, &error);
    if (!dir) {
        fprintf(stderr, "vadsim %s: %s\n", command, error->message);
        g_error_free(error);
        *status = EXIT_USAGE;
        return;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (const char *name; (name = g_dir_read_name(dir));)
        if (g_str_has_suffix(name, ".vsim"))
            g_ptr_array_add(names, g_build_filename(path, name, NULL));
    g_dir_close(dir);
    g_ptr_array_sort(names, compare_paths);
    for (guint i = 0; i < names->len; i++)
        g_ptr_array_add(files, g_strdup(g_ptr_array_index(names, i)));
    g_ptr_array_free(names, TRUE);
}
