/*
 * runner_int.h - what the runner's files share: the runner's state, values, and the helpers that
 * evaluation (eval.c), narration (narrate.c) and state printing (show.c) call on each other.
 */
#ifndef VS_SCENARIO_RUNNER_INT_H
#define VS_SCENARIO_RUNNER_INT_H

#include "runner.h"

/* A scenario value: an integer, or the MEMORY_BASIC_INFORMATION VirtualQuery returns (whose
 * integer value is VirtualQuery's return, 0 on failure). */
typedef enum VsValueKind {
    VS_VALUE_INT,
    VS_VALUE_MBI,
    VS_VALUE_RECORD, /* a structure a call filled: its fields by name; i is the call's BOOL */
    VS_VALUE_STRING,
    VS_VALUE_REQUIREMENTS, /* MemAddressRequirements(lowest, highest, alignment): fields[0..2] */
} VsValueKind;

typedef struct VsValue {
    VsValueKind kind;
    uint64_t i;
    VsMemoryBasicInformation mbi;
    VsRecordKind record;
    uint64_t fields[VS_RECORD_MAX_FIELDS];
    const char *s; /* VS_VALUE_STRING: borrowed from the script */
} VsValue;

typedef struct VsNamedProcess {
    char *name;
    VsProcess *process;
} VsNamedProcess;

/* A value recorded while an expectation is evaluated, to explain its failure. */
typedef struct VsRecorded {
    const VsExpr *expr;
    VsValue value;
} VsRecorded;

struct VsRunner {
    const VsScript *script;
    GString *out;
    VsRunVerbosity verbosity;
    VsSystem *system;
    VsEventLog log;
    GArray *processes;     /* VsNamedProcess, in creation order */
    size_t current_index;  /* the process calls act on */
    GHashTable *variables; /* name -> VsValue* */
    size_t pc;             /* next statement */
    size_t step;           /* steps begun */
    size_t failures, expectations;
    char *first_failure;
    GArray *recorded;        /* VsRecorded, while an expect is evaluated; else NULL */
    VsStatus exception;      /* what the last read/write raised (STATUS_SUCCESS if nothing);
                              * in a Linux system, the signal (SIGSEGV, SIGBUS; 0 if nothing) */
    VsCallObserver observer; /* told of every call (the verification harness); may be NULL */
    void *observer_context;
    VsSystemAdjuster adjust; /* may change the system's configuration (the harness); or NULL */
    void *adjust_context;
    GArray *step_events; /* VsEvent: what the model did since the last run_step began */
    GArray *line_starts; /* size_t offset of each source line, made on first use */
};

/* Keeps the event log's events with the step's (for the visualiser), before the log is cleared. */
void vs_runner_keep_events(VsRunner *runner);

/* eval.c */
gboolean vs_eval(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error);
gboolean vs_runner_ensure_process(VsRunner *runner, GError **error);
void vs_value_format(const VsValue *value, GString *out);
void vs_runtime_error(VsRunner *runner, GError **error, VsSourcePos pos, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

/* json.c: --json output, one object per line */
void vs_json_string(GString *out, const char *text, gssize length);
void vs_json_event(VsRunner *runner, const VsEvent *event);
void vs_json_step(VsRunner *runner, const char *title);
void vs_json_statement_open(VsRunner *runner, const char *kind, const VsStmt *stmt);

/* narrate.c */
void vs_narrate_events(VsRunner *runner);
/* A call's result, after "= ": its value and what it means. A Windows call's failure names its last
 * error and the status behind it, an NT call's status is named; a Linux call (or a memory access
 * in a Linux system) is told in C's terms: "-1: munmap failed: EINVAL (22): Invalid argument". */
void vs_narrate_result(VsRunner *runner, VsOpKind kind, const VsValue *v);

/* show.c: 'show' forms written to the runner's output */
void vs_show_query(VsRunner *runner, uint64_t address);
void vs_show_address(VsRunner *runner);
void vs_show_summary(VsRunner *runner);
void vs_show_vad(VsRunner *runner);
void vs_show_pte(VsRunner *runner, uint64_t address);
void vs_show_commit(VsRunner *runner);
#define VS_SHOW_NO_ARGUMENT UINT64_MAX /* a 'show' given no address or frame */
gboolean vs_show_pfn(VsRunner *runner, uint64_t frame, GError **error);
void vs_show_ws(VsRunner *runner);
gboolean vs_show_section(VsRunner *runner, uint64_t handle, GError **error);
void vs_show_maps(VsRunner *runner);
void vs_show_smaps(VsRunner *runner);
void vs_show_pagemap(VsRunner *runner, uint64_t address);

VsProcess *vs_runner_process(const VsRunner *runner);
const char *vs_runner_adopt_child(VsRunner *runner, uint64_t pid);

#endif /* VS_SCENARIO_RUNNER_INT_H */
