/*
 * lexer.c - scenario tokens. A hand-written scanner: one pass, every token remembers its line and
 * column for diagnostics, and nothing is accepted silently (an unknown character, an integer that
 * overflows 64 bits or an unterminated string is an error naming its place).
 */
#include "lexer.h"

#include <string.h>

typedef struct Lexer {
    const VsSource *source;
    const char *p, *end;
    VsSourcePos pos;
    GArray *tokens;
    gboolean word_mode;   /* inside a 'system' line */
    VsDiagnostics *diags; /* where errors go; NULL to read a number quietly */
} Lexer;

/* Reports an error at pos (when the lexer has somewhere to report it). */
static void G_GNUC_PRINTF(3, 4) lex_error(Lexer *lx, VsSourcePos pos, const char *format, ...)
{
    if (!lx->diags)
        return;
    va_list args;
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);
    vs_diag_report(lx->diags, VS_DIAG_ERROR, lx->source, pos, "%s", message);
}

static const struct {
    const char *text;
    VsTokenKind kind;
} operators[] = {
    /* two-character operators first, so "<=" is not read as "<" then "=" */
    {"==", VS_TOK_EQ},    {"!=", VS_TOK_NE},    {"<=", VS_TOK_LE},   {">=", VS_TOK_GE},
    {"<<", VS_TOK_SHL},   {">>", VS_TOK_SHR},   {"&&", VS_TOK_AND},  {"||", VS_TOK_OR},
    {"(", VS_TOK_LPAREN}, {")", VS_TOK_RPAREN}, {",", VS_TOK_COMMA}, {".", VS_TOK_DOT},
    {"=", VS_TOK_ASSIGN}, {"<", VS_TOK_LT},     {">", VS_TOK_GT},    {"+", VS_TOK_PLUS},
    {"-", VS_TOK_MINUS},  {"*", VS_TOK_STAR},   {"/", VS_TOK_SLASH}, {"%", VS_TOK_PERCENT},
    {"&", VS_TOK_AMP},    {"|", VS_TOK_PIPE},   {"^", VS_TOK_CARET}, {"~", VS_TOK_TILDE},
    {"!", VS_TOK_BANG},   {":", VS_TOK_COLON},
};

const char *vs_token_kind_text(VsTokenKind kind)
{
    switch (kind) {
    case VS_TOK_END: return "end of file";
    case VS_TOK_NEWLINE: return "end of line";
    case VS_TOK_INT: return "integer";
    case VS_TOK_NAME: return "name";
    case VS_TOK_STRING: return "string";
    case VS_TOK_WORD: return "word";
    case VS_TOK_ERROR: return "something unreadable";
    default:
        for (size_t i = 0; i < G_N_ELEMENTS(operators); i++)
            if (operators[i].kind == kind)
                return operators[i].text;
        return "?";
    }
}

static void advance(Lexer *lx, size_t n)
{
    for (size_t i = 0; i < n && lx->p < lx->end; i++, lx->p++) {
        if (*lx->p == '\n') {
            lx->pos.line++;
            lx->pos.col = 1;
        } else {
            lx->pos.col++;
        }
    }
}

static VsToken *push(Lexer *lx, VsTokenKind kind, VsSourcePos pos, const char *start)
{
    VsToken token = {.kind = kind, .pos = pos, .start = start, .length = (size_t)(lx->p - start)};
    g_array_append_val(lx->tokens, token);
    return &g_array_index(lx->tokens, VsToken, lx->tokens->len - 1);
}

/* Multiplier of a size suffix: K, M, G, T (binary, as Windows sizes are), or 1. */
static uint64_t suffix_multiplier(char c)
{
    switch (c) {
    case 'K':
    case 'k': return 1ull << 10;
    case 'M':
    case 'm': return 1ull << 20;
    case 'G':
    case 'g': return 1ull << 30;
    case 'T':
    case 't': return 1ull << 40;
    default: return 1;
    }
}

static gboolean lex_number(Lexer *lx)
{
    const char *start = lx->p;
    VsSourcePos pos = lx->pos;
    unsigned base = 10;
    if (lx->p + 1 < lx->end && lx->p[0] == '0' && (lx->p[1] == 'x' || lx->p[1] == 'X')) {
        base = 16;
        advance(lx, 2);
    }
    uint64_t value = 0;
    size_t digits = 0;
    for (; lx->p < lx->end && g_ascii_isxdigit(*lx->p); advance(lx, 1), digits++) {
        unsigned digit = (unsigned)g_ascii_xdigit_value(*lx->p);
        if (digit >= base)
            break;
        if (value > (UINT64_MAX - digit) / base) {
            lex_error(lx, pos, "integer does not fit in 64 bits");
            return FALSE;
        }
        value = value * base + digit;
    }
    if (digits == 0) {
        lex_error(lx, pos, "'0x' needs hex digits");
        return FALSE;
    }
    uint64_t multiplier = lx->p < lx->end ? suffix_multiplier(*lx->p) : 1;
    if (multiplier > 1) {
        if (value > UINT64_MAX / multiplier) {
            lex_error(lx, pos, "integer does not fit in 64 bits");
            return FALSE;
        }
        value *= multiplier;
        advance(lx, 1);
    }
    if (lx->p < lx->end && (g_ascii_isalnum(*lx->p) || *lx->p == '_')) {
        lex_error(lx, lx->pos, "unexpected '%c' after a number (sizes take K, M, G or T)", *lx->p);
        return FALSE;
    }
    push(lx, VS_TOK_INT, pos, start)->value = value;
    return TRUE;
}

static gboolean lex_string(Lexer *lx)
{
    const char *start = lx->p;
    VsSourcePos pos = lx->pos;
    GString *text = g_string_new(NULL);
    advance(lx, 1);
    while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n') {
        char c = *lx->p;
        if (c == '\\' && lx->p + 1 < lx->end) {
            char e = lx->p[1];
            if (e != '"' && e != '\\' && e != 'n' && e != 't') {
                lex_error(lx, lx->pos, "unknown escape '\\%c' (use \\\", \\\\, \\n or \\t)", e);
                g_string_free(text, TRUE);
                return FALSE;
            }
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
            advance(lx, 1);
        }
        g_string_append_c(text, c);
        advance(lx, 1);
    }
    if (lx->p >= lx->end || *lx->p != '"') {
        lex_error(lx, pos, "string is not closed on its line");
        g_string_free(text, TRUE);
        return FALSE;
    }
    advance(lx, 1);
    push(lx, VS_TOK_STRING, pos, start)->string = g_string_free(text, FALSE);
    return TRUE;
}

static gboolean lex_operator(Lexer *lx)
{
    for (size_t i = 0; i < G_N_ELEMENTS(operators); i++) {
        size_t n = strlen(operators[i].text);
        if ((size_t)(lx->end - lx->p) >= n && memcmp(lx->p, operators[i].text, n) == 0) {
            const char *start = lx->p;
            VsSourcePos pos = lx->pos;
            advance(lx, n);
            push(lx, operators[i].kind, pos, start);
            return TRUE;
        }
    }
    unsigned char c = (unsigned char)*lx->p;
    if (c >= 0x20 && c < 0x7F)
        lex_error(lx, lx->pos, "unexpected character '%c'", c);
    else
        lex_error(lx, lx->pos,
                  "unexpected byte 0x%02X (scenario files are ASCII outside strings and "
                  "comments)",
                  c);
    return FALSE;
}

static gboolean lex_one(Lexer *lx)
{
    char c = *lx->p;
    if (c == ' ' || c == '\t' || c == '\r') {
        advance(lx, 1);
    } else if (c == '#') {
        while (lx->p < lx->end && *lx->p != '\n')
            advance(lx, 1);
    } else if (c == '\n') {
        const char *start = lx->p;
        VsSourcePos pos = lx->pos;
        advance(lx, 1);
        push(lx, VS_TOK_NEWLINE, pos, start);
        lx->word_mode = FALSE;
    } else if (lx->word_mode && (unsigned char)c <= ' ') {
        advance(lx, 1); /* any control character separates words: a word is never empty */
    } else if (lx->word_mode) {
        const char *start = lx->p;
        VsSourcePos pos = lx->pos;
        while (lx->p < lx->end && (unsigned char)*lx->p > ' ' && *lx->p != '#')
            advance(lx, 1);
        push(lx, VS_TOK_WORD, pos, start);
    } else if (g_ascii_isdigit(c)) {
        return lex_number(lx);
    } else if (g_ascii_isalpha(c) || c == '_') {
        const char *start = lx->p;
        VsSourcePos pos = lx->pos;
        while (lx->p < lx->end && (g_ascii_isalnum(*lx->p) || *lx->p == '_'))
            advance(lx, 1);
        VsToken *name = push(lx, VS_TOK_NAME, pos, start);
        gboolean first_on_line =
            lx->tokens->len == 1 ||
            g_array_index(lx->tokens, VsToken, lx->tokens->len - 2).kind == VS_TOK_NEWLINE;
        if (first_on_line && name->length == 6 && memcmp(start, "system", 6) == 0)
            lx->word_mode = TRUE;
    } else if (c == '"') {
        return lex_string(lx);
    } else {
        return lex_operator(lx);
    }
    return TRUE;
}

gboolean vs_parse_integer(const char *text, size_t length, uint64_t *value)
{
    VsSource source = {.name = "", .text = text, .length = length};
    Lexer lx = {.source = &source,
                .p = text,
                .end = text + length,
                .pos = {1, 1},
                .tokens = g_array_new(FALSE, TRUE, sizeof(VsToken))};
    gboolean ok = length > 0 && g_ascii_isdigit(*text) && lex_number(&lx) && lx.p == lx.end;
    if (ok)
        *value = g_array_index(lx.tokens, VsToken, 0).value;
    g_array_free(lx.tokens, TRUE);
    return ok;
}

void vs_token_list_free(VsTokenList *list)
{
    for (size_t i = 0; i < list->count; i++)
        g_free(list->tokens[i].string);
    g_free(list->tokens);
    *list = (VsTokenList){0};
}

/* After an error: an error token where it was, and the rest of the line skipped (its newline
 * stays), so the parser skips the statement and the next line is read afresh. */
static void skip_line(Lexer *lx, VsSourcePos pos, const char *start)
{
    VsToken token = {.kind = VS_TOK_ERROR, .pos = pos, .start = start, .length = 0};
    g_array_append_val(lx->tokens, token);
    while (lx->p < lx->end && *lx->p != '\n')
        advance(lx, 1);
}

gboolean vs_lex(const VsSource *source, VsTokenList *out, VsDiagnostics *diags)
{
    Lexer lx = {.source = source,
                .p = source->text,
                .end = source->text + source->length,
                .pos = {1, 1},
                .tokens = g_array_new(FALSE, TRUE, sizeof(VsToken)),
                .diags = diags};
    size_t errors = diags->errors;
    while (lx.p < lx.end && !vs_diagnostics_full(diags)) {
        if (memchr(lx.p, '\0', 1)) {
            /* Not a text file: one error says so, and nothing after it is read. */
            lex_error(&lx, lx.pos, "NUL byte in the file (is it a text file?)");
            skip_line(&lx, lx.pos, lx.p);
            lx.p = lx.end;
            break;
        }
        VsSourcePos pos = lx.pos;
        const char *start = lx.p;
        if (!lex_one(&lx))
            skip_line(&lx, pos, start);
    }
    /* Every statement ends with a newline, even the last one of a file without one. */
    push(&lx, VS_TOK_NEWLINE, lx.pos, lx.p);
    push(&lx, VS_TOK_END, lx.pos, lx.p);
    out->count = lx.tokens->len;
    out->tokens = (VsToken *)(void *)g_array_free(lx.tokens, FALSE);
    return diags->errors == errors;
}
