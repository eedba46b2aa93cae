/*
 * script.h - a parsed scenario: its statements and their expressions.
 *
 * A scenario file is parsed whole before anything runs (parser.c), so a typo on line 40 is reported
 * before line 1 changes the model. Statements:
 *   title "..."                 the lesson's title
 *   system ARCH [name=value...] architecture (x64, x86, x86-3gb, linux-x64) and options
 *   process NAME                create (if new) and switch to a process
 *   step "..."                  starts a step: the unit of stepping
 *   note "..."                  text shown with the step
 *   expect EXPR                 an assertion; its failure names the values of its parts
 *   show WHAT [EXPR]            print state: query ADDR, vad, address, pte ADDR, commit
 *   NAME = EXPR                 assignment
 *   EXPR                        a call made for its effect, e.g. VirtualFree(p, 0, MEM_RELEASE)
 */
#ifndef VS_SCENARIO_SCRIPT_H
#define VS_SCENARIO_SCRIPT_H

#include <stdint.h>

#include "lexer.h"

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
    char *text;   /* title/step/note text, process name, system arch, show what, assigned name */
    VsExpr *expr; /* expect, show argument, assignment value, expression statement */
    VsSystemOption *options;
    size_t option_count;
} VsStmt;

typedef struct VsScript {
    VsSource source; /* owns name and text */
    VsStmt *stmts;
    size_t count;
    size_t steps; /* number of step statements */
} VsScript;

/* Parses text (copied) as the scenario called name. NULL with *error set on the first error. */
VsScript *vs_script_parse(const char *name, const char *text, size_t length, GError **error);
/* Reads and parses a file. */
VsScript *vs_script_load(const char *path, GError **error);
void vs_script_free(VsScript *script);

#endif /* VS_SCENARIO_SCRIPT_H */
