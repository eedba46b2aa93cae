/*
 * diag.h - diagnostics for scenario files: "file:line:col: error: message", the source line, and a
 * caret under the column, as compilers print them. Bad input is a GError in the VS_SCENARIO_ERROR
 * domain, never a crash. Checking a file collects every diagnostic it finds (VsDiagnostics), so one
 * run reports all of a file's mistakes, as a compiler does, and the warnings beside them.
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

typedef enum VsDiagSeverity {
    VS_DIAG_ERROR,   /* the file cannot run */
    VS_DIAG_WARNING, /* it runs, but probably not as its author meant (as GCC's -Wparentheses) */
} VsDiagSeverity;

/* One diagnostic: where, the words alone, and the whole text as printed (with the line quoted and
 * the caret). */
typedef struct VsDiagnostic {
    VsDiagSeverity severity;
    VsSourcePos pos;
    char *message;
    char *text;
} VsDiagnostic;

/* Every diagnostic of a file, in source order once sorted; at most VS_DIAG_MAX_ERRORS errors are
 * kept (as GCC's -fmax-errors), so hostile input cannot make the list grow without bound. */
typedef struct VsDiagnostics {
    GArray *items; /* VsDiagnostic */
    size_t errors, warnings;
} VsDiagnostics;
#define VS_DIAG_MAX_ERRORS 100

void vs_diagnostics_init(VsDiagnostics *diags);
void vs_diagnostics_clear(VsDiagnostics *diags);
/* Adds a diagnostic (printf-style message); an error past the limit is counted but not kept. */
void vs_diag_report(VsDiagnostics *diags, VsDiagSeverity severity, const VsSource *source,
                    VsSourcePos pos, const char *format, ...) G_GNUC_PRINTF(5, 6);
/* Whether the limit of errors is reached: the checker stops looking. */
gboolean vs_diagnostics_full(const VsDiagnostics *diags);
/* Puts the diagnostics in source order (stable: two at one place keep the order they came in). */
void vs_diagnostics_sort(VsDiagnostics *diags);
/* The diagnostics (only the errors, or all), each as printed, one after another
 * (newline-separated), with "NAME: N errors, M warnings" after more than one; NULL when there are
 * none (free with g_free). */
char *vs_diagnostics_text(const VsDiagnostics *diags, gboolean errors_only, const char *name);

/* The candidate closest to name by edit distance, or NULL if none is close enough to suggest. */
const char *vs_diag_nearest(const char *name, const char *const *candidates, size_t count);

/* "; did you mean 'NEAREST'?" for an error message, or "" when nothing is close (free with
 * g_free). */
char *vs_diag_did_you_mean(const char *name, const char *const *candidates, size_t count);

/* Whether name is one of the candidates. */
gboolean vs_diag_is_one_of(const char *name, const char *const *candidates, size_t count);

#endif /* VS_SCENARIO_DIAG_H */
