/*
 * diag.h - diagnostics for scenario files: "file:line:col: error: message", the source line, and a
 * caret under the column, as compilers print them. Bad input is a GError in the VS_SCENARIO_ERROR
 * domain, never a crash.
 */
#ifndef VS_SCENARIO_DIAG_H
#define VS_SCENARIO_DIAG_H

#include <glib.h>

#define VS_SCENARIO_ERROR (vs_scenario_error_quark())
GQuark vs_scenario_error_quark(void);

typedef enum VsScenarioErrorCode {
    VS_SCENARIO_ERROR_PARSE,   /* the text is not a scenario */
    VS_SCENARIO_ERROR_RUNTIME, /* a well-formed statement that cannot run (an undefined name) */
    VS_SCENARIO_ERROR_IO,      /* the file cannot be read */
} VsScenarioErrorCode;

/* A place in a source text: 1-based line and column (columns count bytes). */
typedef struct VsSourcePos {
    unsigned line, col;
} VsSourcePos;

/* The text being parsed, kept so errors can quote the offending line. */
typedef struct VsSource {
    const char *name; /* file name as given */
    const char *text; /* whole file, NUL-terminated */
    size_t length;
} VsSource;

/* Sets *error to "name:line:col: error: <message>\n<line>\n<caret>" (printf-style message). */
void vs_diag_error(GError **error, VsScenarioErrorCode code, const VsSource *source,
                   VsSourcePos pos, const char *format, ...) G_GNUC_PRINTF(5, 6);

/* The candidate closest to name by edit distance, or NULL if none is close enough to suggest. */
const char *vs_diag_nearest(const char *name, const char *const *candidates, size_t count);

/* "; did you mean 'NEAREST'?" for an error message, or "" when nothing is close (free with
 * g_free). */
char *vs_diag_did_you_mean(const char *name, const char *const *candidates, size_t count);

/* Whether name is one of the candidates. */
gboolean vs_diag_is_one_of(const char *name, const char *const *candidates, size_t count);

#endif /* VS_SCENARIO_DIAG_H */
