/*
 * wine.c - finding the Wines this machine has, and how to start a program under each (wine.h).
 */
#include <string.h>

#include "wine.h"

#define ROOTS_DIR "/var/lib/vadsim" /* scripts/bootstrap.sh's, unless $VADSIM_ROOTS says */

G_DEFINE_QUARK(vs - wine - error - quark, vs_wine_error)

/* Wine's answers depend on what the host has mapped where: VirtualUnlock of memory Wine holds as
 * free succeeds where the host maps that range (Wine keeps its reserved areas mapped) and fails
 * with ERROR_ACCESS_DENIED where munlock finds nothing mapped, and Wine places memory around the
 * host's own mappings. The host's randomization gives each start a new stack, heap and library
 * layout, so the same calls could get different answers in two runs; without it (setarch -R, a
 * personality that exec keeps) every run of the agent has the same layout, and a reproducer
 * reproduces. */
#define RANDOMIZE_OFF "setarch", "-R"

/* Runs a program under a root's Wine: a private mount namespace, so the mounts go with it, and
 * /proc (Wine reads it); then the chroot, with the root's own home (where Wine's prefix is) and
 * /tmp. $1 is the root, $2 the program. The program is run from a copy in the root named by its
 * contents, never from a mount: runs share the root's wineserver, which finds a program by its
 * path in the namespace of the run that started it, so one path per build (a mount at one fixed
 * place held another checkout's agent there) ran that other build's agent. Copies unused for a
 * day go. As RANDOMIZE_OFF, without the host's randomization. */
static const char ROOT_SCRIPT[] =
    "set -e; root=$1; program=$(realpath -- \"$2\"); mount -t proc proc \"$root/proc\"; "
    "dir=var/tmp/vadsim-programs; mkdir -p \"$root/$dir\"; "
    "name=$(sha256sum < \"$program\" | cut -c1-16)-${program##*/}; "
    "[ -f \"$root/$dir/$name\" ] || { cp \"$program\" \"$root/$dir/$name.$$\" && "
    "mv \"$root/$dir/$name.$$\" \"$root/$dir/$name\"; }; touch \"$root/$dir/$name\"; "
    "find \"$root/$dir\" -type f -mtime +1 -delete; "
    "exec setarch -R chroot \"$root\" env HOME=/root XDG_RUNTIME_DIR=/tmp wine \"/$dir/$name\"";

/* `wine --version` in a root, likewise (without the program). */
static const char ROOT_VERSION_SCRIPT[] =
    "set -e; mount -t proc proc \"$1/proc\"; exec chroot \"$1\" wine --version";

void vs_wine_free(VsWine *wine)
{
    if (!wine)
        return;
    g_free(wine->version);
    g_free(wine->root);
    g_free(wine->program);
    g_strfreev(wine->launcher);
    g_free(wine);
}

/* "10.0" from "wine-10.0 (Debian 10.0~repack-6)\n", or NULL. */
static char *parse_version(const char *output)
{
    if (!g_str_has_prefix(output, "wine-"))
        return NULL;
    const char *start = output + 5;
    size_t length = strspn(start, "0123456789.");
    return length && g_ascii_isdigit(*start) ? g_strndup(start, length) : NULL;
}

/* Asks a Wine its version; NULL if it does not answer. */
static char *ask_version(const VsWine *wine)
{
    const char *host[] = {wine->program, "--version", NULL};
    const char *chrooted[] = {"unshare",  "--mount", "--propagation",     "private",
                              "sh",       "-c",      ROOT_VERSION_SCRIPT, "sh",
                              wine->root, NULL};
    g_autofree char *out = NULL;
    gint status;
    if (!g_spawn_sync(NULL, (char **)(wine->root ? chrooted : host), NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                      &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL))
        return NULL;
    return parse_version(out);
}

/* A Wine: the host's program (root NULL) or a root's; its version asked, NULL if it gives none
 * (*broken then TRUE). */
static VsWine *wine_new(const char *program, const char *root, gboolean *broken)
{
    VsWine *wine = g_new0(VsWine, 1);
    wine->program = g_strdup(program);
    wine->root = g_strdup(root);
    if (root) {
        const char *words[] = {"unshare", "--mount",   "--propagation", "private", "sh",
                               "-c",      ROOT_SCRIPT, "vadsim-wine",   root,      NULL};
        wine->launcher = g_strdupv((char **)words);
    } else {
        const char *words[] = {RANDOMIZE_OFF, program, NULL};
        wine->launcher = g_strdupv((char **)words);
    }
    wine->version = ask_version(wine);
    *broken = wine->version == NULL;
    if (*broken) {
        vs_wine_free(wine);
        return NULL;
    }
    return wine;
}

/* Version order, number by number: newest first. */
static gint newest_first(gconstpointer a, gconstpointer b)
{
    const VsWine *x = *(VsWine *const *)a, *y = *(VsWine *const *)b;
    g_auto(GStrv) xs = g_strsplit(x->version, ".", -1);
    g_auto(GStrv) ys = g_strsplit(y->version, ".", -1);
    for (guint i = 0; xs[i] || ys[i]; i++) {
        guint64 u = xs[i] ? g_ascii_strtoull(xs[i], NULL, 10) : 0;
        guint64 v = ys[i] ? g_ascii_strtoull(ys[i], NULL, 10) : 0;
        if (u != v)
            return u > v ? -1 : 1;
        if (!xs[i] || !ys[i])
            break;
    }
    return 0;
}

static const char *roots_dir(void)
{
    const char *dir = g_getenv("VADSIM_ROOTS");
    return dir && *dir ? dir : ROOTS_DIR;
}

/* Adds the roots' Wines under dir: each folder there (bootstrap renames a root into place only
 * once it is whole, from NAME.partial). */
static void add_roots(GPtrArray *wines, const char *dir)
{
    GDir *roots = g_dir_open(dir, 0, NULL);
    const char *name;
    while (roots && (name = g_dir_read_name(roots))) {
        g_autofree char *root = g_build_filename(dir, name, NULL);
        gboolean broken;
        if (g_str_has_suffix(name, ".partial") || !g_file_test(root, G_FILE_TEST_IS_DIR))
            continue;
        VsWine *wine = wine_new("wine", root, &broken);
        if (wine)
            g_ptr_array_add(wines, wine);
    }
    if (roots)
        g_dir_close(roots);
}

GPtrArray *vs_wines_present(void)
{
    GPtrArray *wines = g_ptr_array_new_with_free_func((GDestroyNotify)vs_wine_free);
    g_autofree char *host = g_find_program_in_path("wine");
    gboolean broken;
    VsWine *wine = host ? wine_new("wine", NULL, &broken) : NULL;
    if (wine)
        g_ptr_array_add(wines, wine);
    add_roots(wines, roots_dir());
    g_ptr_array_sort(wines, newest_first);
    return wines;
}

char *vs_wines_describe(const GPtrArray *wines)
{
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < wines->len; i++) {
        const VsWine *wine = g_ptr_array_index(wines, i);
        g_string_append_printf(text, "%s%s (%s)", i ? ", " : "", wine->version,
                               wine->root ? wine->root : wine->program);
    }
    if (!wines->len)
        g_string_append(text, "none");
    return g_string_free(text, FALSE);
}

/* Takes element i out of wines, which keeps the rest. */
static VsWine *take(GPtrArray *wines, guint i) { return g_ptr_array_steal_index(wines, i); }

VsWine *vs_wine_newest(void)
{
    g_autoptr(GPtrArray) wines = vs_wines_present();
    return wines->len ? take(wines, 0) : NULL;
}

/* Whether version is want or starts with want and a dot ("10" names 10.0, not 1.0). */
static gboolean version_named(const char *version, const char *want)
{
    size_t n = strlen(want);
    return strncmp(version, want, n) == 0 && (version[n] == '\0' || version[n] == '.');
}

/* The Wine at path: a root's folder or a wine program. */
static VsWine *wine_at(const char *path, GError **error)
{
    gboolean root = g_file_test(path, G_FILE_TEST_IS_DIR), broken = FALSE;
    VsWine *wine = g_file_test(path, G_FILE_TEST_EXISTS)
                       ? wine_new(root ? "wine" : path, root ? path : NULL, &broken)
                       : NULL;
    if (!wine)
        g_set_error(error, VS_WINE_ERROR, broken ? VS_WINE_ERROR_BROKEN : VS_WINE_ERROR_ABSENT,
                    broken ? "the Wine %s does not say its version (a root's runs chrooted, "
                             "which needs root)"
                           : "there is no Wine at %s",
                    path);
    return wine;
}

VsWine *vs_wine_find(const char *want, GError **error)
{
    if (strchr(want, '/'))
        return wine_at(want, error);
    g_autoptr(GPtrArray) wines = vs_wines_present();
    for (guint i = 0; i < wines->len; i++)
        if (version_named(((VsWine *)g_ptr_array_index(wines, i))->version, want))
            return take(wines, i);
    g_autofree char *here = vs_wines_describe(wines);
    g_set_error(error, VS_WINE_ERROR, VS_WINE_ERROR_ABSENT,
                "no Wine %s here (the Wines here: %s; scripts/bootstrap.sh makes Wine 10's root)",
                want, here);
    return NULL;
}
