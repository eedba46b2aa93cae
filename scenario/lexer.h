/*
 * lexer.h - splits a scenario file into tokens: integers (decimal or 0x hex, with an optional
 * K/M/G/T multiplier), names, "strings", C operators, and line ends. '#' starts a comment. The rest
 * of a line starting with 'system' is read as plain words, because architecture names (x86-3gb) and
 * options (ram=256M) are not expressions.
 */
#ifndef VS_SCENARIO_LEXER_H
#define VS_SCENARIO_LEXER_H

#include <stdint.h>

#include "diag.h"

typedef enum VsTokenKind {
    VS_TOK_END,     /* end of the text */
    VS_TOK_NEWLINE, /* a statement ends */
    VS_TOK_INT,
    VS_TOK_NAME,
    VS_TOK_STRING,
    VS_TOK_WORD,  /* a whitespace-separated word of a 'system' line, e.g. x86-3gb or ram=256M */
    VS_TOK_ERROR, /* where the lexer found something it cannot read (reported); the line is skipped
                   */
    /* operators and punctuation */
    VS_TOK_LPAREN,
    VS_TOK_RPAREN,
    VS_TOK_COMMA,
    VS_TOK_DOT,
    VS_TOK_COLON, /* 'as t:' */
    VS_TOK_ASSIGN,
    VS_TOK_EQ,
    VS_TOK_NE,
    VS_TOK_LT,
    VS_TOK_LE,
    VS_TOK_GT,
    VS_TOK_GE,
    VS_TOK_SHL,
    VS_TOK_SHR,
    VS_TOK_PLUS,
    VS_TOK_MINUS,
    VS_TOK_STAR,
    VS_TOK_SLASH,
    VS_TOK_PERCENT,
    VS_TOK_AMP,
    VS_TOK_PIPE,
    VS_TOK_CARET,
    VS_TOK_TILDE,
    VS_TOK_BANG,
    VS_TOK_AND,
    VS_TOK_OR,
} VsTokenKind;

typedef struct VsToken {
    VsTokenKind kind;
    VsSourcePos pos;
    const char *start; /* the token's text in the source */
    size_t length;
    uint64_t value; /* VS_TOK_INT */
    char *string;   /* VS_TOK_STRING: the unescaped text (owned by the token list) */
} VsToken;

typedef struct VsTokenList {
    VsToken *tokens;
    size_t count;
} VsTokenList;

/* Parses an integer as the lexer does (decimal or 0x hex, optional K/M/G/T); FALSE if it is not one
 * or does not fit in 64 bits. */
gboolean vs_parse_integer(const char *text, size_t length, uint64_t *value);

/* Tokenises the whole source. A bad character, number or string is reported in diags
 * (file:line:col and a caret) and becomes a VS_TOK_ERROR token, the rest of its line skipped, so
 * every line's mistakes are found; FALSE when there was any. */
gboolean vs_lex(const VsSource *source, VsTokenList *out, VsDiagnostics *diags);
void vs_token_list_free(VsTokenList *list);

/* "end of file", "newline", "integer", "name", "string", or the operator itself ("==", ...). */
const char *vs_token_kind_text(VsTokenKind kind);

#endif /* VS_SCENARIO_LEXER_H */
