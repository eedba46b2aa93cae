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
    gboolean word_mode; /* inside a 'system' line */
} Lexer;

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
    {"!", VS_TOK_BANG},
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

static gboolean lex_number(Lexer *lx, GError **error)
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
            vs_diag_error(error, VS_SCENARIO_ERROR_PARSE, lx->source, pos,
                          "integer does not fit in 64 bits");
            return FALSE;
        }
        value = value * base + digit;
    }
    if (digits == 0) {
        vs_diag_error(error, VS_SCENARIO_ERROR_PARSE, lx->source, pos, "'0x' needs hex digits");
        return FALSE;
    }
    uint64_t multiplier = lx->p < lx->end ? suffix_multiplier(*lx->p) : 1;
    if (multiplier > 1) {
        if (value > UINT64_MAX / multiplier) {
            vs_diag_error(error, VS_SCENARIO_ERROR_PARSE, lx->source, pos,
                          "integer does not fit in 64 bits");
            return FALSE;
        }
        value *= multiplier;
        advance(lx, 1);
    }
    if (lx->p < lx->end && (g_ascii_isalnum(*lx->p) || *lx->p == '_')) {
        vs_diag_error(error, VS_SCENARIO_ERROR_PARSE, lx->source, lx->pos,
                      "unexpected '%c' after a number (sizes take K, M, G or T)", *lx->p);
        return FALSE;
    }
    push(lx, VS_TOK_INT, pos, start)->value = value;
    return TRUE;
}

static gboolean lex_string(Lexer *lx, GError **error)
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
                vs_diag_error(error, VS_SCENARIO_ERROR_PARSE, lx->source, lx->pos,
                              "unknown escape '\\%c' (use \\\", \\\\, \\n or \\t)", e);
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
        vs_diag_error(error, VS_SCENARIO_ERROR_PARSE, lx->source, pos,
                      "string is not closed on its line");
        g_string_free(text, TRUE);
        return FALSE;
    }
    advance(lx, 1);
    push(lx, VS_TOK_STRING, pos, start)->string = g_string_free(text, FALSE);
    return TRUE;
}

static gboolean lex_operator(Lexer *lx, GError **error)
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
        vs_diag_error(error, VS_SCENARIO_ERROR_PARSE, lx->source, lx->pos,
                      "unexpected character '%c'", c);
    else
        vs_diag_error(error, VS_SCENARIO_ERROR_PARSE, lx->source, lx->pos,
                      "unexpected byte 0x%02X (scenario files are ASCII outside strings and "
                      "comments)",
                      c);
    return FALSE;
}

static gboolean lex_one(Lexer *lx, GError **error)
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
        return lex_number(lx, error);
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
        return lex_string(lx, error);
    } else {
        return lex_operator(lx, error);
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
    gboolean ok = length > 0 && g_ascii_isdigit(*text) && lex_number(&lx, NULL) && lx.p == lx.end;
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

gboolean vs_lex(const VsSource *source, VsTokenList *out, GError **error)
{
    Lexer lx = {.source = source,
                .p = source->text,
                .end = source->text + source->length,
                .pos = {1, 1},
                .tokens = g_array_new(FALSE, TRUE, sizeof(VsToken))};
    *out = (VsTokenList){0};
    while (lx.p < lx.end) {
        if (memchr(lx.p, '\0', 1)) {
            vs_diag_error(error, VS_SCENARIO_ERROR_PARSE, source, lx.pos,
                          "NUL byte in the file (is it a text file?)");
            goto fail;
        }
        if (!lex_one(&lx, error))
            goto fail;
    }
    /* Every statement ends with a newline, even the last one of a file without one. */
    push(&lx, VS_TOK_NEWLINE, lx.pos, lx.p);
    push(&lx, VS_TOK_END, lx.pos, lx.p);
    out->count = lx.tokens->len;
    out->tokens = (VsToken *)(void *)g_array_free(lx.tokens, FALSE);
    return TRUE;
fail:
    for (guint i = 0; i < lx.tokens->len; i++)
        g_free(g_array_index(lx.tokens, VsToken, i).string);
    g_array_free(lx.tokens, TRUE);
    return FALSE;
}
