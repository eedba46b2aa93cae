/*
 * wine.h - the Wines this machine has, to run the Win32 agent under.
 *
 * Two kinds: the host's own `wine` (Debian 12's is 8.0), and Wines in Debian roots under
 * /var/lib/vadsim (or $VADSIM_ROOTS), which scripts/bootstrap.sh makes (Debian 13's Wine 10.0,
 * the first with placeholders). A root's Wine runs chrooted, in a private mount namespace of its
 * own (unshare), where /proc is mounted in the root and the agent's folder bound at /mnt: those
 * mounts vanish with the agent, and the root is never changed (but Wine's prefix inside it). That
 * needs root, as bootstrap does.
 *
 * The version of each is Wine's own answer to `wine --version`, asked when the command starts
 * (a few milliseconds each): `vadsim verify` and `vadsim fuzz` use the newest Wine present unless
 * --wine names one, by version (8, 10.0) or by path (a root's folder, or a wine program).
 */
#ifndef VS_WIN32_WINE_H
#define VS_WIN32_WINE_H

#include <glib.h>

typedef struct VsWine {
    char *version;   /* "10.0", from "wine-10.0 (Debian 10.0~repack-6)" */
    char *root;      /* the root's folder, or NULL for a wine program run as it is */
    char *program;   /* the wine program: "wine" (searched in PATH), or a path */
    char **launcher; /* the words that start a program under it (the program's path follows) */
} VsWine;

/* The Wines present and working here, newest first (free with g_ptr_array_unref). */
GPtrArray *vs_wines_present(void);
/* The Wine want names: a version ("8", "10.0": the newest whose version starts so), or a path
 * (a root's folder, or a wine program); NULL with *error saying what is here when there is none
 * (VS_WINE_ERROR_ABSENT) or it does not answer (VS_WINE_ERROR_BROKEN). Free it. */
VsWine *vs_wine_find(const char *want, GError **error);
/* The newest Wine present, or NULL (none). Free it. */
VsWine *vs_wine_newest(void);
void vs_wine_free(VsWine *wine);
/* Wines (vs_wines_present's), for messages: "10.0 (/var/lib/vadsim/debian-trixie), 8.0 (wine)"
 * or "none" (free it). */
char *vs_wines_describe(const GPtrArray *wines);

#define VS_WINE_ERROR (vs_wine_error_quark())
GQuark vs_wine_error_quark(void);
typedef enum VsWineError {
    VS_WINE_ERROR_ABSENT, /* no such Wine here */
    VS_WINE_ERROR_BROKEN, /* it is there but does not say its version (not root, say) */
} VsWineError;

#endif /* VS_WIN32_WINE_H */
