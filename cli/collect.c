/*
 * collect.c - the scenario files a command was given: files as they are, directories as the
 * .vsim files in them and in their folders below, in name order (cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Folders nested deeper than this are not descended into: a link that loops back up would
 * otherwise be followed for ever. */
#define MAX_DEPTH 16

static int compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's entries, as paths, in name order; NULL (after saying why) if it cannot be read. */
static GPtrArray *entries(const char *command, const char *path)
{
    GError *error = NULL;
    GDir *dir = g_dir_open(path, 0, &error);
    if (!dir) {
        fprintf(stderr, "vadsim %s: %s\n", command, error->message);
        g_error_free(error);
        return NULL;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (const char *name; (name = g_dir_read_name(dir));)
        g_ptr_array_add(names, g_build_filename(path, name, NULL));
    g_dir_close(dir);
    g_ptr_array_sort(names, compare_paths);
    return names;
}

/* The .vsim files of a directory, then of its folders, each folder where its name sorts. */
static void collect_dir(const char *command, const char *path, unsigned depth, GPtrArray *files,
                        int *status)
{
    GPtrArray *names = depth < MAX_DEPTH ? entries(command, path) : NULL;
    if (!names) {
        if (depth >= MAX_DEPTH)
            fprintf(stderr, "vadsim %s: %s: folders nested more than %d deep\n", command, path,
                    MAX_DEPTH);
        *status = EXIT_USAGE;
        return;
    }
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        if (g_file_test(name, G_FILE_TEST_IS_DIR))
            collect_dir(command, name, depth + 1, files, status);
        else if (g_str_has_suffix(name, ".vsim"))
            g_ptr_array_add(files, g_strdup(name));
    }
    g_ptr_array_free(names, TRUE);
}

void vs_cli_collect(const char *command, const char *path, GPtrArray *files, int *status)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR))
        collect_dir(command, path, 0, files, status);
    else
        g_ptr_array_add(files, g_strdup(path));
}
