/*
 * script.h - a parsed scenario: its statements and their expressions.
 *
 * A scenario file is parsed and checked whole before anything runs (parser.c, resolve.c), so a
 * typo on line 40 is reported before line 1 changes the model, with every other mistake the file
 * holds. Statements:
 *   title "..."                 the lesson's title
 *   system ARCH [name=value...] architecture (x64, x86, x86-3gb, linux-x64) and options
 *   process NAME                create (if new) and switch to a process
 *   step "..."                  starts a step: the unit of stepping
 *   note "..."                  text shown with the step
 *   expect EXPR                 an assertion; its failure names the values of its parts
 *   show WHAT [EXPR]            print state: query ADDR, vad, address, pte ADDR, commit
 *   NAME = EXPR                 assignment
 *   EXPR                        a call made for its effect, e.g. VirtualFree(p, 0, MEM_RELEASE)
 *   as NAME: STATEMENT          an expect, assignment or call whose calls the thread whose handle
 *                               NAME holds makes
 */
#ifndef VS_SCENARIO_SCRIPT_H
#define VS_SCENARIO_SCRIPT_H

#include <stdint.h>

#include "lexer.h"
#include "op.h"

typedef enum VsExprKind {
    VS_EXPR_INT,        /* value */
    VS_EXPR_NAME,       /* name: a variable or a constant */
    VS_EXPR_STRING,     /* name holds the text */
    VS_EXPR_UNARY,      /* op left */
    VS_EXPR_BINARY,     /* left op right */
    VS_EXPR_CALL,       /* name(args...) */
    VS_EXPR_FIELD,      /* left.name */
    VS_EXPR_ADDRESS_OF, /* &name: an in/out argument */
} VsExprKind;

typedef struct VsExpr VsExpr;
struct VsExpr {
    VsExprKind kind;
    VsSourcePos pos;
    uint64_t value;
    char *name;
    VsTokenKind op;
    VsExpr *left, *right;
    VsExpr **args;
    size_t arg_count;
    const char *text; /* the expression's source text, for messages */
    size_t text_length;
    gboolean parenthesized; /* written in parentheses (the checker's warnings read it) */
};

typedef enum VsStmtKind {
    VS_STMT_TITLE,
    VS_STMT_SYSTEM,
    VS_STMT_PROCESS,
    VS_STMT_STEP,
    VS_STMT_NOTE,
    VS_STMT_EXPECT,
    VS_STMT_SHOW,
    VS_STMT_ASSIGN,
    VS_STMT_EXPR,
    VS_STMT_TICK, /* tick [N]: N passes of the balance set manager (default 1) */
} VsStmtKind;

/* NAME=VALUE on a 'system' line: a number (value), or for an option that takes words, the word
 * (word; NULL for a number). */
typedef struct VsSystemOption {
    char *name;
    uint64_t value;
    char *word;
} VsSystemOption;

typedef struct VsStmt {
    VsStmtKind kind;
    VsSourcePos pos;
    char *text;     /* title/step/note text, process name, system arch, show what, assigned name */
    VsExpr *expr;   /* expect, show argument, assignment value, expression statement */
    VsExpr *thread; /* 'as NAME:': the name holding the handle of the thread that makes the
                     * statement's calls; NULL for the process's own first thread */
    VsSystemOption *options;
    size_t option_count;
} VsStmt;

const char *vs_stmt_option_word(const VsStmt *stmt, const char *name);

typedef struct VsScript {
    VsSource source; /* owns name and text */
    VsStmt *stmts;
    size_t count;
    size_t steps;           /* number of step statements */
    const char *system;     /* the machine's name as the 'system' line gives it ("x64" if none) */
    VsSystemConfig config;  /* the machine the 'system' line asks for (resolve.c) */
    VsDiagnostics warnings; /* what the checker warns of: the file runs, perhaps not as meant */
} VsScript;

/* A show form (shows.def): its name, what follows it, and which systems have it. */
typedef enum VsShowArgument {
    VS_SHOW_ARG_NONE,
    VS_SHOW_ARG_ADDRESS, /* an address, required */
    VS_SHOW_ARG_FRAME,   /* a frame number, or nothing for them all */
    VS_SHOW_ARG_HANDLE,  /* a handle, required */
} VsShowArgument;

typedef struct VsShowForm {
    const char *name;
    VsShowArgument argument;
    VsOpFamily family;
} VsShowForm;

/* The show form called name, or NULL; the forms in shows.def's order; and their list as help
 * text ("query ADDR, vad, ..., pagemap ADDR") appended to out. */
const VsShowForm *vs_show_form(const char *name);
size_t vs_show_form_count(void);
const VsShowForm *vs_show_form_at(size_t index);
void vs_show_forms_append(GString *out);
/* Whether a system (Linux's or Windows') has a form; if not, *why says so (to free), naming
 * the system's own views. */
gboolean vs_show_form_in_system(const VsShowForm *form, const char *system, gboolean is_linux,
                                char **why);

/* Parses and checks text (copied) as the scenario called name: every mistake in it goes to diags
 * (with the warnings), in source order. NULL when there was an error. */
VsScript *vs_script_check(const char *name, const char *text, size_t length, VsDiagnostics *diags);
/* Parses text without checking its names (a line typed at the prompt, which vs_resolve_prompt
 * checks against the run). */
VsScript *vs_script_parse_unchecked(const char *name, const char *text, size_t length,
                                    VsDiagnostics *diags);
/* vs_script_check with the errors as one GError (each diagnostic in turn); warnings stay in the
 * script. */
VsScript *vs_script_parse(const char *name, const char *text, size_t length, GError **error);
/* Reads and checks a file: NULL with *error set when it cannot be read (VS_SCENARIO_ERROR_IO), or
 * with its mistakes in diags (and *error a VS_SCENARIO_ERROR_PARSE naming them all). */
VsScript *vs_script_load_checked(const char *path, VsDiagnostics *diags, GError **error);
/* Reads and parses a file. */
VsScript *vs_script_load(const char *path, GError **error);
void vs_script_free(VsScript *script);

/* resolve.c: checks what parsed, in file order: every name a variable assigned before it or a
 * constant, every call one the system has with its arguments, every field one of its structure,
 * every show form one the system has, the 'system' line first and its options in range; warns of
 * a comparison mixed with a bitwise operator. Sets the script's system and config. */
void vs_resolve_script(VsScript *script, VsDiagnostics *diags);

/* What the checker knows of a value (a variable's at the prompt): unknown, a number, a string,
 * address requirements, a MEMORY_BASIC_INFORMATION, or a record a call filled. */
typedef enum VsShapeKind {
    VS_SHAPE_UNKNOWN,
    VS_SHAPE_INT,
    VS_SHAPE_STRING,
    VS_SHAPE_PARAMETERS,
    VS_SHAPE_MBI,
    VS_SHAPE_RECORD,
} VsShapeKind;
/* A shape as a hash table value: kind in the low byte, the record kind above it. */
#define VS_SHAPE(kind, record) GUINT_TO_POINTER((guint)(kind) | (guint)(record) << 8)

/* Checks a 'show' typed at the prompt of script's run: names are the variables in shapes
 * (name -> VS_SHAPE) or constants; calls are refused, since the model would change outside the
 * scenario. FALSE with the mistakes in diags. */
gboolean vs_resolve_prompt(const VsSource *source, const VsStmt *stmt, const VsScript *script,
                           GHashTable *shapes, VsDiagnostics *diags);

#endif /* VS_SCENARIO_SCRIPT_H */
