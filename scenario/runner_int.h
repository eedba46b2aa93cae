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
    VS_VALUE_PARAMETERS, /* a list of extended parameters (MemAddressRequirements(...), ...):
                          * i entries, entry k in fields[4k..4k+3] as type, then its value, or
                          * lowest, highest and alignment */
    VS_VALUE_WAITING,    /* a call that left its thread waiting: no value yet (blocked.c) */
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

/* A call that left its thread waiting (blocked.c), until it returns. */
typedef struct VsBlockedCall {
    VsThread *thread;
    uint64_t handle;    /* the thread's handle, as 'as' named it (0: the first thread) */
    VsOp op;            /* the call, as the model made it */
    VsOutcome outcome;  /* what it gave when it started */
    const VsExpr *expr; /* the call in the script: its '&name' arguments */
    char *variable;     /* the variable its value is assigned to, or NULL */
    unsigned line;      /* where it was made */
    char *thread_name;  /* the 'as' name, or NULL for the process's first thread */
} VsBlockedCall;

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
    GArray *recorded;          /* VsRecorded, while an expect is evaluated; else NULL */
    VsStatus exception;        /* what the last read/write raised (STATUS_SUCCESS if nothing);
                                * in a Linux system, the signal (SIGSEGV, SIGBUS; 0 if nothing) */
    uint32_t exception_access; /* its kind: EXCEPTION_READ_FAULT, _WRITE_FAULT, _EXECUTE_FAULT */
    VsCallObserver observer;   /* told of every call (the verification harness); may be NULL */
    void *observer_context;
    VsSystemAdjuster adjust; /* may change the system's configuration (the harness); or NULL */
    void *adjust_context;
    GArray *step_events;     /* VsEvent: what the model did since the last run_step began */
    GArray *line_starts;     /* size_t offset of each source line, made on first use */
    VsOp last_op;            /* the last call made, as the model ran it (explain.c reads it) */
    GArray *labellers;       /* vmmap.c's: who names heaps' and stacks' ranges (NULL: none) */
    VsThread *acting;        /* the thread an 'as NAME:' statement's calls are made by, while it
                              * runs; NULL: the current process's first thread */
    uint64_t acting_handle;  /* its handle, as the statement named it */
    const char *acting_name; /* the name 'as' gave it, while the statement runs */
    const VsExpr *statement_call; /* the call that is the whole value of the running statement
                                   * (a call, or an assignment's value); NULL if none */
    GArray *blocked;              /* VsBlockedCall: calls their threads still wait in; or NULL */
    gboolean invariants;          /* vs_check after every statement (vs_runner_set_invariants) */
};

/* blocked.c: calls that leave their thread waiting (a pipe's synchronous ReadFile) */
gboolean vs_blocked_start(VsRunner *runner, const VsExpr *expr, const VsOp *op,
                          const VsOutcome *outcome, GError **error);
void vs_blocked_assign(VsRunner *runner, const char *variable); /* the last one started */
gboolean vs_blocked_finish(VsRunner *runner, GError **error);   /* those completed return */
const VsBlockedCall *vs_blocked_of(const VsRunner *runner, const VsThread *thread);
const VsBlockedCall *vs_blocked_writing(const VsRunner *runner, const char *name);
void vs_blocked_clear(VsRunner *runner);
void vs_runner_set_variable(VsRunner *runner, const char *name, uint64_t value);

/* Keeps the event log's events with the step's (for the visualiser), before the log is cleared. */
void vs_runner_keep_events(VsRunner *runner);

/* eval.c */
gboolean vs_eval(VsRunner *runner, const VsExpr *expr, VsValue *out, GError **error);
VsProcess *vs_runner_new_process(VsRunner *runner, const char *name);
gboolean vs_runner_ensure_process(VsRunner *runner, GError **error);
void vs_value_format(const VsValue *value, GString *out);
void vs_runtime_error(VsRunner *runner, GError **error, VsSourcePos pos, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

/* json.c: --json output, one object per line */
void vs_json_string(GString *out, const char *text, gssize length);
void vs_json_event(VsRunner *runner, const VsEvent *event, const char *sentence);
void vs_json_step(VsRunner *runner, const char *title);
void vs_json_statement_open(VsRunner *runner, const char *kind, const VsStmt *stmt);

/* A writer of nested JSON that puts the commas in: key is NULL inside an array. */
typedef struct VsJsonWriter {
    GString *out;
    uint32_t depth;
    uint64_t has_items; /* bit d: the object or array open at depth d has a value already */
} VsJsonWriter;
void vs_json_object_begin(VsJsonWriter *w, const char *key);
void vs_json_object_end(VsJsonWriter *w);
void vs_json_array_begin(VsJsonWriter *w, const char *key);
void vs_json_array_end(VsJsonWriter *w);
void vs_json_number(VsJsonWriter *w, const char *key, uint64_t value);
void vs_json_text(VsJsonWriter *w, const char *key, const char *text); /* NULL: null */
void vs_json_flag(VsJsonWriter *w, const char *key, gboolean value);

/* narrate.c */
void vs_narrate_events(VsRunner *runner);
/* A call's result, after "= ": its value and what it means. A Windows call's failure names its last
 * error and the status behind it, an NT call's status is named; a Linux call (or a memory access
 * in a Linux system) is told in C's terms: "-1: munmap failed: EINVAL (22): Invalid argument". */
void vs_narrate_result(VsRunner *runner, VsOpKind kind, const VsValue *v);

/* The show forms (shows.def): each writes its view to the runner's output, or as JSON data, for
 * the current process; argument is the form's (an address, a frame, a section handle) or
 * VS_SHOW_NO_ARGUMENT. FALSE with *error set (no line: the caller adds it) for an argument that
 * names nothing. */
typedef gboolean VsShowFn(VsRunner *runner, uint64_t argument, GError **error);
#define SHOW(form_name, argument_kind, form_family, printer, json) VsShowFn printer, json;
#include "shows.def"
#undef SHOW
/* explain.c: why a failed call failed. vs_explain_parameter appends which parameter of the call
 * as written a STATUS_INVALID_PARAMETER_N is about (FALSE for any other status, or a call whose
 * row names no parameters); vs_explain_failure appends "\n      rule: ..." when the state shows
 * the rule the call broke (why: its NTSTATUS, or its errno in a Linux system). */
gboolean vs_explain_parameter(const VsOp *op, VsStatus status, GString *out);
void vs_explain_failure(VsRunner *runner, const VsOp *op, uint32_t why, GString *out);

/* show.c's forms send a Linux system to these (show_linux.c), which say it in Linux's words. */
/* show_vmmap.c: VMMap's summary by type, as text (show summary's first table) and as data. */
void vs_show_vmmap_types(VsRunner *runner, const VsVmmap *map);
void vs_json_vmmap_types(VsJsonWriter *w, const VsVmmap *map);
VsShowFn vs_show_vma_at, vs_show_vma_tree, vs_show_linux_address, vs_show_linux_commit;
/* Drops the spaces a row's empty last columns leave, so output lines never end in blanks. */
void vs_show_trim_line_end(GString *out);
/* VirtualQuery in the current process, through the NT call, so that a view never sets the
 * thread's last error (VirtualQuery of an address past user space would). */
VsStatus vs_show_virtual_query(VsRunner *runner, uint64_t address, VsMemoryBasicInformation *m);
/* What a region holds where the model knows it (show address's last column): an image's module
 * and PE section, "PEB"; "" otherwise. */
const char *vs_show_usage(VsRunner *runner, const VsMemoryBasicInformation *m, char *buf,
                          size_t len);
/* The frame's PFN entry, or FALSE with *error naming the frames the machine has. */
gboolean vs_show_frame(VsRunner *runner, uint64_t frame, VsFrameInfo *info, GError **error);
/* The section a handle of the current process names, or NULL with *error saying what it is. */
const VsSection *vs_show_section_of(VsRunner *runner, uint64_t handle, GError **error);

/* What show summary counts (text and JSON alike): ranges and bytes per state (Windows: MEM_FREE,
 * MEM_RESERVE, MEM_COMMIT; Linux: unmapped, mapped) out of the user space's bytes, and the
 * committed (Linux: mapped) bytes per protection (PAGE_*; Linux: PROT_* bits), in protection
 * order, with what of them is resident (Linux only). Free by_protection with g_array_free. */
typedef struct VsProtectionBytes {
    uint32_t protection;
    uint64_t bytes, resident;
} VsProtectionBytes;
typedef struct VsSpaceSummary {
    const char *state[3];
    size_t states;
    uint64_t ranges[3], bytes[3], space;
    GArray *by_protection; /* VsProtectionBytes */
} VsSpaceSummary;
void vs_summarize_space(VsRunner *runner, VsSpaceSummary *summary);
void vs_summarize_mappings(VsRunner *runner, VsSpaceSummary *summary); /* Linux's */
void vs_summary_add(VsSpaceSummary *summary, uint32_t protection, uint64_t bytes,
                    uint64_t resident);

/* words.c: the words of the scenario's system for what the model keeps in Windows' numbers. */
gboolean vs_words_linux(const VsRunner *runner);
/* PAGE_READWRITE, or in a Linux system PROT_READ|PROT_WRITE; written into buf, returned. */
const char *vs_words_protection(const VsRunner *runner, uint32_t protect, char *buf, size_t len);
/* A page-table level's name: PXE, PPE, PDE, PTE (x64), PDE, PTE (x86), or PGD, PUD, PMD, PTE. */
const char *vs_words_level(const VsRunner *runner, const VsProcess *process, uint32_t level);
const char *vs_words_working_set(const VsRunner *runner); /* "working set", "resident set" */
const char *vs_words_vad(const VsRunner *runner);         /* "VAD", "VMA" */
/* A VMA's mapping as mmap's flags (MAP_PRIVATE|MAP_ANONYMOUS, MAP_SHARED, ...), and its
 * protection as PROT_* (written into buf). */
const char *vs_words_mapping(const VsVmaInfo *vma);
const char *vs_words_vma_protection(const VsVmaInfo *vma, char *buf, size_t len);
/* PROT_* bits as their names: "PROT_READ|PROT_WRITE", "PROT_NONE". */
const char *vs_words_prot_bits(uint32_t prot, char *buf, size_t len);
/* A process as the scenario names it ("child" for the first fork), else as the model does. */
const char *vs_runner_process_label(const VsRunner *runner, const VsProcess *process);

VsProcess *vs_runner_process(const VsRunner *runner);
const char *vs_runner_adopt_child(VsRunner *runner, uint64_t pid);

#endif /* VS_SCENARIO_RUNNER_INT_H */
