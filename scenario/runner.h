/*
 * runner.h - runs a parsed scenario against the model, a step at a time, and explains it.
 *
 * The runner owns a VsSystem built from the scenario's 'system' line, the processes it names, the
 * variables it assigns, and an event log. It writes everything it has to say (each statement, the
 * call's result, one sentence per event, 'show' output, failed expectations) to a GString the
 * caller supplies; the caller decides where text goes. The model is deterministic, so stepping back
 * is a replay: vs_runner_goto_step rebuilds the system and runs silently to the step asked for.
 */
#ifndef VS_SCENARIO_RUNNER_H
#define VS_SCENARIO_RUNNER_H

#include "op.h"
#include "script.h"
#include "vadsim.h"
#include "vmmap.h"

typedef struct VsRunner VsRunner;

typedef enum VsRunVerbosity {
    VS_RUN_QUIET,   /* only failed expectations and errors */
    VS_RUN_EXPLAIN, /* every statement, result and event, in plain words */
    VS_RUN_JSON,    /* the same as one JSON object per line (steps, statements, events, expects) */
} VsRunVerbosity;

VsRunner *vs_runner_new(const VsScript *script, GString *out, VsRunVerbosity verbosity);
void vs_runner_free(VsRunner *runner);

/* Runs from where it stands to the next 'step' line (or the end). FALSE with *error set on a
 * runtime error; *finished says the end of the file was reached. */
gboolean vs_runner_run_step(VsRunner *runner, gboolean *finished, GError **error);
/* Runs to the end. FALSE with *error set on a runtime error (expectation failures are not errors:
 * they are counted, and the run goes on). */
gboolean vs_runner_run_all(VsRunner *runner, GError **error);
/* Rebuilds the system and runs silently up to the start of step number step (1-based; 0 = the
 * beginning). */
gboolean vs_runner_goto_step(VsRunner *runner, size_t step, GError **error);

size_t vs_runner_step(const VsRunner *runner);               /* steps begun so far */
size_t vs_runner_failures(const VsRunner *runner);           /* failed expectations */
size_t vs_runner_expectations(const VsRunner *runner);       /* expectations checked */
const char *vs_runner_first_failure(const VsRunner *runner); /* NULL if none */

/* Called after every call a scenario makes, with the operation as the model ran it, its outcome,
 * the call's expression and the runner's narration of what the call did (empty unless the runner
 * explains). The verification harness mirrors each call to a real system here. Returning FALSE
 * (with *error set) stops the run as a runtime error would. */
typedef gboolean (*VsCallObserver)(void *context, const VsOp *op, const VsOutcome *outcome,
                                   const VsExpr *call, const char *narration, GError **error);
void vs_runner_set_observer(VsRunner *runner, VsCallObserver observer, void *context);
/* Called with the machine's configuration just before the system is made, after the scenario's
 * 'system' options are applied: the POSIX harness gives the model the real file system's
 * read-ahead window and placement here, which the scenario cannot know. */
typedef void (*VsSystemAdjuster)(void *context, VsSystemConfig *config);
void vs_runner_set_system_adjuster(VsRunner *runner, VsSystemAdjuster adjust, void *context);
/* With check on, the model's invariant checker (vs_check) runs after every statement that uses
 * the system, and a broken invariant stops the run as a runtime error naming it and the line
 * (vadsim check does this, so that every scenario the suite checks is a model test too). */
void vs_runner_set_invariants(VsRunner *runner, gboolean check);
/* The process calls act on now ("main" until a 'process' line switches). */
const char *vs_runner_process_name(const VsRunner *runner);
/* The main thread of that process (there is one once a call has run): for reading the model. */
VsThread *vs_runner_thread(const VsRunner *runner);
/* The scenario's name for a model process ("main", a 'process' line's, or "child", "child2"...
 * for the children fork() made, in order), or NULL for one it does not know. */
const char *vs_runner_name_of(const VsRunner *runner, const VsProcess *process);

/* For readers of the model (the visualiser): the system the scenario built (NULL before its first
 * statement that needs one), the scenario's title and its steps' titles (NULL where there is none),
 * the number of steps, and the events the model emitted since vs_runner_run_step last began. */
VsSystem *vs_runner_system(const VsRunner *runner);
const char *vs_runner_title(const VsRunner *runner);
const char *vs_runner_step_title(const VsRunner *runner, size_t step);
size_t vs_runner_step_count(const VsRunner *runner);
const VsEvent *vs_runner_step_events(const VsRunner *runner, size_t *count);

/* The words of a system for readers that keep only whether it is Linux (the visualiser's scene):
 * a protection as PAGE_* or PROT_*, a page-table level as PXE..PTE or PGD..PTE. */
const char *vs_words_protection_in(bool linux_words, uint32_t protect, char *buf, size_t len);
const char *vs_words_level_in(bool linux_words, const VsProcess *process, uint32_t level);
/* Runs the model's invariant checker on the runner's system (TRUE when there is none yet). */
gboolean vs_runner_check(const VsRunner *runner);

/* Appends the current process's VAD tree (a Linux system's VMAs) as it stands now, as a Graphviz
 * digraph named step_N after the steps begun and labelled with the step's title, nodes colored by
 * kind. Called after each step, the graphs make one file that `dot -Tsvg -O` turns into a
 * picture per step. */
void vs_runner_write_dot(VsRunner *runner, GString *out);

/* Prints a show form (shows.def: query ADDR, vad, address, summary, pte ADDR, commit,
 * pfn [FRAME], ws, section HANDLE, stack HANDLE, maps, smaps, pagemap ADDR) for the current
 * process, in the system's words; in a JSON run as a "show" record whose data are the view's
 * fields. argument is the form's (an address, a frame, or a section or thread handle in the
 * current process), or
 * VS_SHOW_NO_ARGUMENT. FALSE with *error set for a form the system lacks or an argument that
 * names nothing. */
gboolean vs_runner_show(VsRunner *runner, const char *what, uint64_t argument, GError **error);
#define VS_SHOW_NO_ARGUMENT UINT64_MAX /* a 'show' given no address or frame */
/* A 'show' typed at the prompt (one line of text): checked as the file's would be against the
 * variables the run has now (no calls: they would change the model outside the scenario), then
 * shown. FALSE with *error set (every mistake, as the checker reports them). */
gboolean vs_runner_show_line(VsRunner *runner, const char *line, GError **error);

/* --json records that come from outside a run: the header that opens each file's records
 * ({"type":"scenario","file":...,"title":...,"system":...,"steps":N,"vadsim":VERSION}; title,
 * system and steps null when the file did not parse), its checker's errors and warnings
 * ({"type":"error"|"warning","file","line","col","message","text"}), and an error that stopped
 * its run ({"type":"error","file","stage":"run","text"}). */
void vs_json_header(GString *out, const char *file, const VsScript *script, const char *version);
void vs_json_diagnostics(GString *out, const char *file, const VsDiagnostics *diags);
void vs_json_run_error(GString *out, const char *file, const char *text);

#endif /* VS_SCENARIO_RUNNER_H */
