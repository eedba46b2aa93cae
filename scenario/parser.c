/*
 * parser.c - scenario statements and C expressions, by recursive descent.
 *
 * Expressions follow C's precedence (|| && | ^ & equality relational shift additive
 * multiplicative, then unary ! ~ - &, then calls and .field). '&' before a name passes it as an
 * in/out argument (NtAllocateVirtualMemory(..., &a, ...)); before anything else it is an error.
 * Every node keeps its source position and text, so runtime messages can quote it.
 *
 * A mistake ends its statement, not the file: the parser reports it, skips to the end of the line
 * and goes on, so every line's mistakes are reported together. Then resolve.c checks what parsed:
 * names, calls, fields, show forms and the system's family, all before anything runs.
 */
#include <string.h>

#include "script.h"

typedef struct Parser {
    const VsSource *source;
    const VsToken *tokens;
    size_t at;
    VsDiagnostics *diags;
    gboolean failed; /* the statement being parsed has an error (reported) */
    unsigned depth;  /* nesting of the expression being parsed */
} Parser;

/* Nesting deeper than this is refused, so hostile input cannot exhaust the host stack. */
#define MAX_NESTING 200

static const VsToken *peek(const Parser *ps) { return &ps->tokens[ps->at]; }
static const VsToken *peek_next(const Parser *ps)
{
    return peek(ps)->kind == VS_TOK_END ? peek(ps) : &ps->tokens[ps->at + 1];
}
static const VsToken *take(Parser *ps)
{
    const VsToken *t = peek(ps);
    if (t->kind != VS_TOK_END)
        ps->at++;
    return t;
}

/* Reports an error of the statement being parsed (printf-style); only its first is reported. */
static void G_GNUC_PRINTF(3, 4) fail_at(Parser *ps, VsSourcePos pos, const char *format, ...)
{
    if (ps->failed)
        return;
    ps->failed = TRUE;
    va_list args;
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);
    vs_diag_report(ps->diags, VS_DIAG_ERROR, ps->source, pos, "%s", message);
}

/* "WHAT, found 'TOKEN'": what was expected where the token stands. */
static void error_at(Parser *ps, const VsToken *t, const char *what)
{
    if (t->kind == VS_TOK_NEWLINE || t->kind == VS_TOK_END)
        fail_at(ps, t->pos, "%s, found %s", what, vs_token_kind_text(t->kind));
    else
        fail_at(ps, t->pos, "%s, found '%.*s'", what, (int)t->length, t->start);
}

static gboolean expect_token(Parser *ps, VsTokenKind kind, const char *what)
{
    if (peek(ps)->kind == kind) {
        take(ps);
        return TRUE;
    }
    error_at(ps, peek(ps), what);
    return FALSE;
}

/* ---- Expressions ---------------------------------------------------------------------------- */

static VsExpr *new_expr(VsExprKind kind, const VsToken *at)
{
    VsExpr *e = g_new0(VsExpr, 1);
    e->kind = kind;
    e->pos = at->pos;
    e->text = at->start;
    return e;
}

/* Extends e's source text to the end of the last token taken. */
static VsExpr *finish(Parser *ps, VsExpr *e)
{
    const VsToken *last = &ps->tokens[ps->at ? ps->at - 1 : 0];
    if (last->start + last->length > e->text)
        e->text_length = (size_t)(last->start + last->length - e->text);
    return e;
}

static void free_expr(VsExpr *e)
{
    if (!e)
        return;
    free_expr(e->left);
    free_expr(e->right);
    for (size_t i = 0; i < e->arg_count; i++)
        free_expr(e->args[i]);
    g_free(e->args);
    g_free(e->name);
    g_free(e);
}

static VsExpr *parse_expr(Parser *ps);

static VsExpr *parse_call_args(Parser *ps, VsExpr *call)
{
    GPtrArray *args = g_ptr_array_new();
    take(ps); /* ( */
    if (peek(ps)->kind != VS_TOK_RPAREN) {
        do {
            VsExpr *arg = parse_expr(ps);
            if (!arg)
                break;
            g_ptr_array_add(args, arg);
        } while (peek(ps)->kind == VS_TOK_COMMA && take(ps));
    }
    call->arg_count = args->len;
    call->args = (VsExpr **)g_ptr_array_free(args, FALSE);
    if (ps->failed || !expect_token(ps, VS_TOK_RPAREN, "expected ',' or ')' in the call")) {
        free_expr(call);
        return NULL;
    }
    return finish(ps, call);
}

static VsExpr *parse_primary(Parser *ps)
{
    const VsToken *t = peek(ps);
    VsExpr *e;
    switch (t->kind) {
    case VS_TOK_INT:
        e = new_expr(VS_EXPR_INT, take(ps));
        e->value = t->value;
        return finish(ps, e);
    case VS_TOK_STRING:
        e = new_expr(VS_EXPR_STRING, take(ps));
        e->name = g_strdup(t->string);
        return finish(ps, e);
    case VS_TOK_NAME:
        e = new_expr(VS_EXPR_NAME, take(ps));
        e->name = g_strndup(t->start, t->length);
        if (peek(ps)->kind == VS_TOK_LPAREN) {
            e->kind = VS_EXPR_CALL;
            return parse_call_args(ps, e);
        }
        return finish(ps, e);
    case VS_TOK_LPAREN: {
        take(ps);
        e = parse_expr(ps);
        if (e && !expect_token(ps, VS_TOK_RPAREN, "expected ')'")) {
            free_expr(e);
            return NULL;
        }
        if (e)
            e->parenthesized = TRUE;
        return e;
    }
    default: error_at(ps, t, "expected a value (a number, a name or a call)"); return NULL;
    }
}

static VsExpr *parse_postfix(Parser *ps)
{
    VsExpr *e = parse_primary(ps);
    while (e && peek(ps)->kind == VS_TOK_DOT) {
        const VsToken *dot = take(ps);
        if (peek(ps)->kind != VS_TOK_NAME) {
            error_at(ps, peek(ps), "expected a field name after '.'");
            free_expr(e);
            return NULL;
        }
        const VsToken *field = take(ps);
        VsExpr *f = new_expr(VS_EXPR_FIELD, dot);
        f->text = e->text;
        f->left = e;
        f->name = g_strndup(field->start, field->length);
        e = finish(ps, f);
    }
    return e;
}

static VsExpr *parse_unary(Parser *ps)
{
    const VsToken *t = peek(ps);
    if (t->kind == VS_TOK_AMP) {
        take(ps);
        if (peek(ps)->kind != VS_TOK_NAME || peek_next(ps)->kind == VS_TOK_LPAREN) {
            error_at(ps, peek(ps), "'&' passes a variable by reference and needs a variable name");
            return NULL;
        }
        VsExpr *e = new_expr(VS_EXPR_ADDRESS_OF, t);
        const VsToken *name = take(ps);
        e->name = g_strndup(name->start, name->length);
        return finish(ps, e);
    }
    if (t->kind == VS_TOK_BANG || t->kind == VS_TOK_TILDE || t->kind == VS_TOK_MINUS) {
        take(ps);
        if (++ps->depth > MAX_NESTING) {
            error_at(ps, peek(ps), "expression nested too deeply");
            return NULL;
        }
        VsExpr *operand = parse_unary(ps);
        ps->depth--;
        if (!operand)
            return NULL;
        VsExpr *e = new_expr(VS_EXPR_UNARY, t);
        e->op = t->kind;
        e->left = operand;
        return finish(ps, e);
    }
    return parse_postfix(ps);
}

/* Binding power of a binary operator (C's order); 0 if the token is not one. */
static int precedence(VsTokenKind kind)
{
    switch (kind) {
    case VS_TOK_OR: return 1;
    case VS_TOK_AND: return 2;
    case VS_TOK_PIPE: return 3;
    case VS_TOK_CARET: return 4;
    case VS_TOK_AMP: return 5;
    case VS_TOK_EQ:
    case VS_TOK_NE: return 6;
    case VS_TOK_LT:
    case VS_TOK_LE:
    case VS_TOK_GT:
    case VS_TOK_GE: return 7;
    case VS_TOK_SHL:
    case VS_TOK_SHR: return 8;
    case VS_TOK_PLUS:
    case VS_TOK_MINUS: return 9;
    case VS_TOK_STAR:
    case VS_TOK_SLASH:
    case VS_TOK_PERCENT: return 10;
    default: return 0;
    }
}

/* Precedence climbing: every operator binds left to right. */
static VsExpr *parse_binary(Parser *ps, int min_precedence)
{
    VsExpr *left = parse_unary(ps);
    while (left) {
        const VsToken *op = peek(ps);
        int p = precedence(op->kind);
        if (p == 0 || p < min_precedence)
            break;
        take(ps);
        VsExpr *right = parse_binary(ps, p + 1);
        if (!right) {
            free_expr(left);
            return NULL;
        }
        VsExpr *e = new_expr(VS_EXPR_BINARY, op);
        e->text = left->text;
        e->op = op->kind;
        e->left = left;
        e->right = right;
        left = finish(ps, e);
    }
    return left;
}

static VsExpr *parse_expr(Parser *ps)
{
    if (++ps->depth > MAX_NESTING) {
        error_at(ps, peek(ps), "expression nested too deeply");
        ps->depth--;
        return NULL;
    }
    VsExpr *e = parse_binary(ps, 1);
    ps->depth--;
    return e;
}

/* ---- Statements ------------------------------------------------------------------------------ */

static gboolean end_of_statement(Parser *ps)
{
    return expect_token(ps, VS_TOK_NEWLINE, "expected the end of the line");
}

static char *take_string(Parser *ps, const char *keyword)
{
    if (peek(ps)->kind != VS_TOK_STRING) {
        g_autofree char *what = g_strdup_printf("'%s' needs a \"quoted text\"", keyword);
        error_at(ps, peek(ps), what);
        return NULL;
    }
    return g_strdup(take(ps)->string);
}

static const char *const architectures[] = {"x64", "x86", "x86-3gb", "linux-x64"};
static const char *const system_options[] = {"processors", "ram",     "pagefile", "readahead",
                                             "filealign",  "filemax", "execonly", "thp",
                                             "thpzero",    "wow64"};
/* The options whose value is a word, not a number, each with the words it takes and what they
 * mean: execonly is the CPU's protection keys, thp the transparent-huge-page mode, thpzero whether
 * a load there maps the huge zero page. */
static const char *const execonly_words[] = {"pkey", "none"};
static const char *const thp_words[] = {"always", "madvise", "never"};
static const char *const thpzero_words[] = {"on", "off"};
typedef struct WordOption {
    const char *name;
    const char *const *words;
    size_t count;
    const char *takes; /* the words, explained, for the error */
} WordOption;
static const WordOption word_options[] = {
    {"execonly", execonly_words, G_N_ELEMENTS(execonly_words),
     "pkey (a CPU with protection keys: memory mapped PROT_EXEC alone is execute-only) or none "
     "(PROT_EXEC alone reads as PROT_READ|PROT_EXEC)"},
    {"thp", thp_words, G_N_ELEMENTS(thp_words),
     "always, madvise or never (the machine's transparent_hugepage/enabled)"},
    {"thpzero", thpzero_words, G_N_ELEMENTS(thpzero_words),
     "on or off (the machine's transparent_hugepage/use_zero_page: 1 or 0)"},
};
#define SYSTEM_OPTIONS                                                                             \
    "processors=N, ram=SIZE, pagefile=SIZE; for x86 wow64=0 or 1; for linux-x64 readahead=SIZE, "  \
    "filealign=2M or 4K, filemax=SIZE, execonly=pkey or none, thp=always, madvise or never, "      \
    "thpzero=on or off"

/* The word option called name, or NULL for an option whose value is a number. */
static const WordOption *word_option(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(word_options); i++)
        if (strcmp(name, word_options[i].name) == 0)
            return &word_options[i];
    return NULL;
}

/* The value of a word option (NAME=WORD) into option->word; FALSE, with the words it takes, when
 * the word is not one of them. */
static gboolean take_option_word(Parser *ps, const VsToken *token, const WordOption *known,
                                 const char *value, size_t length, VsSystemOption *option)
{
    option->word = g_strndup(value, length);
    if (vs_diag_is_one_of(option->word, known->words, known->count))
        return TRUE;
    g_autofree char *hint = vs_diag_did_you_mean(option->word, known->words, known->count);
    fail_at(ps, token->pos, "system option '%s' takes %s, not '%s'%s", option->name, known->takes,
            option->word, hint);
    return FALSE;
}

/* One NAME=VALUE word of a 'system' line: a known name, and a number or (word_options) a word. */
static gboolean take_system_option(Parser *ps, const VsToken *word, VsSystemOption *option)
{
    const char *eq = memchr(word->start, '=', word->length);
    if (eq)
        option->name = g_strndup(word->start, (size_t)(eq - word->start));
    size_t value_length = eq ? word->length - (size_t)(eq + 1 - word->start) : 0;
    if (eq && vs_diag_is_one_of(option->name, system_options, G_N_ELEMENTS(system_options))) {
        const WordOption *known = word_option(option->name);
        if (known)
            return take_option_word(ps, word, known, eq + 1, value_length, option);
        if (vs_parse_integer(eq + 1, value_length, &option->value))
            return TRUE;
    }
    fail_at(ps, word->pos, "system option '%.*s' is not one this model knows (" SYSTEM_OPTIONS ")",
            (int)word->length, word->start);
    return FALSE;
}

static gboolean parse_system(Parser *ps, VsStmt *stmt)
{
    const VsToken *arch = peek(ps);
    if (arch->kind != VS_TOK_WORD) {
        error_at(ps, arch, "'system' needs an architecture: x64, x86, x86-3gb or linux-x64");
        return FALSE;
    }
    take(ps);
    stmt->text = g_strndup(arch->start, arch->length);
    if (!vs_diag_is_one_of(stmt->text, architectures, G_N_ELEMENTS(architectures))) {
        g_autofree char *hint =
            vs_diag_did_you_mean(stmt->text, architectures, G_N_ELEMENTS(architectures));
        fail_at(ps, arch->pos, "unknown architecture '%s'%s (x64, x86, x86-3gb or linux-x64)",
                stmt->text, hint);
        return FALSE;
    }
    GArray *options = g_array_new(FALSE, TRUE, sizeof(VsSystemOption));
    while (peek(ps)->kind == VS_TOK_WORD) {
        VsSystemOption option = {0};
        g_array_append_val(options, option); /* appended first, so a failed one is freed too */
        if (!take_system_option(ps, take(ps),
                                &g_array_index(options, VsSystemOption, options->len - 1)))
            break;
    }
    stmt->option_count = options->len;
    stmt->options = (VsSystemOption *)(void *)g_array_free(options, FALSE);
    return !ps->failed;
}

/* "cannot show 'X'; did you mean 'Y'? (FORMS)": the nearest form and the list of them all. */
static void unknown_show_form(Parser *ps, const VsToken *what, const char *name)
{
    const char *names[64];
    size_t count = MIN(vs_show_form_count(), G_N_ELEMENTS(names));
    for (size_t i = 0; i < count; i++)
        names[i] = vs_show_form_at(i)->name;
    g_autofree char *hint = vs_diag_did_you_mean(name, names, count);
    GString *all = g_string_new(NULL);
    vs_show_forms_append(all);
    fail_at(ps, what->pos, "cannot show '%s'%s (%s)", name, hint, all->str);
    g_string_free(all, TRUE);
}

static gboolean parse_show(Parser *ps, VsStmt *stmt)
{
    const VsToken *what = peek(ps);
    if (what->kind != VS_TOK_NAME) {
        GString *all = g_string_new("'show' needs what to show: ");
        vs_show_forms_append(all);
        error_at(ps, what, all->str);
        g_string_free(all, TRUE);
        return FALSE;
    }
    take(ps);
    stmt->text = g_strndup(what->start, what->length);
    const VsShowForm *form = vs_show_form(stmt->text);
    if (!form) {
        unknown_show_form(ps, what, stmt->text);
        return FALSE;
    }
    gboolean given = peek(ps)->kind != VS_TOK_NEWLINE && peek(ps)->kind != VS_TOK_END;
    if (!given && (form->argument == VS_SHOW_ARG_ADDRESS || form->argument == VS_SHOW_ARG_HANDLE))
        error_at(ps, peek(ps),
                 form->argument != VS_SHOW_ARG_HANDLE ? "this 'show' needs an address"
                 : strcmp(form->name, "stack") == 0   ? "this 'show' needs a thread handle"
                                                      : "this 'show' needs a section handle");
    else if (given && form->argument != VS_SHOW_ARG_NONE)
        stmt->expr = parse_expr(ps);
    return !ps->failed;
}

/* Appends NAME=word to the statement's options. */
static void add_option(VsStmt *stmt, const char *name, const char *word)
{
    stmt->options = g_renew(VsSystemOption, stmt->options, stmt->option_count + 1);
    stmt->options[stmt->option_count++] =
        (VsSystemOption){.name = g_strdup(name), .word = g_strdup(word)};
}

/* The word of a statement's option NAME (a process line's image or privilege), or NULL. */
const char *vs_stmt_option_word(const VsStmt *stmt, const char *name)
{
    for (size_t i = 0; i < stmt->option_count; i++)
        if (strcmp(stmt->options[i].name, name) == 0)
            return stmt->options[i].word;
    return NULL;
}

/* process NAME [image="FILE"] [privilege=SeLockMemoryPrivilege], in either order, each once: the
 * options the statement keeps, as a system line's (the file's name; the privilege's). */
static void parse_process_options(Parser *ps, VsStmt *stmt)
{
    while (peek(ps)->kind == VS_TOK_NAME) {
        const VsToken *key = peek(ps);
        g_autofree char *name = g_strndup(key->start, key->length);
        gboolean image = strcmp(name, "image") == 0, privilege = strcmp(name, "privilege") == 0;
        if ((!image && !privilege) || peek_next(ps)->kind != VS_TOK_ASSIGN) {
            error_at(ps, key,
                     "after 'process NAME' only image=\"FILE\" and "
                     "privilege=SeLockMemoryPrivilege may follow");
            return;
        }
        if (vs_stmt_option_word(stmt, name)) {
            error_at(ps, key, image ? "image= is given twice" : "privilege= is given twice");
            return;
        }
        take(ps);
        take(ps);
        const VsToken *value = peek(ps);
        if (image && value->kind != VS_TOK_STRING) {
            error_at(ps, value, "image= takes a file's name as a \"string\"");
            return;
        }
        if (privilege && (value->kind != VS_TOK_NAME || value->length != 21 ||
                          memcmp(value->start, "SeLockMemoryPrivilege", 21) != 0)) {
            error_at(ps, value,
                     "privilege= takes SeLockMemoryPrivilege, the only privilege the "
                     "model knows (\"Lock pages in memory\")");
            return;
        }
        take(ps);
        add_option(stmt, name, image ? value->string : "SeLockMemoryPrivilege");
    }
}

static gboolean parse_plain_statement(Parser *ps, VsStmt *stmt);

/* One statement from the current token to its newline: 'as NAME:' and a statement its thread
 * makes (an expect, an assignment or a call), or a statement made as the process's thread. */
static gboolean parse_statement(Parser *ps, VsStmt *stmt)
{
    const VsToken *t = peek(ps);
    if (t->kind != VS_TOK_NAME || t->length != 2 || memcmp(t->start, "as", 2) != 0 ||
        peek_next(ps)->kind == VS_TOK_ASSIGN)
        return parse_plain_statement(ps, stmt);
    take(ps);
    const VsToken *name = peek(ps);
    if (name->kind != VS_TOK_NAME) {
        error_at(ps, name, "'as' takes the name of a variable holding a thread's handle");
        return FALSE;
    }
    take(ps);
    if (peek(ps)->kind != VS_TOK_COLON) {
        error_at(ps, peek(ps), "expected ':' after 'as NAME'");
        return FALSE;
    }
    ps->at--; /* back to the name */
    stmt->thread = new_expr(VS_EXPR_NAME, take(ps));
    stmt->thread->name = g_strndup(name->start, name->length);
    finish(ps, stmt->thread);
    take(ps); /* : */
    const VsToken *rest = peek(ps);
    if (!parse_plain_statement(ps, stmt))
        return FALSE;
    if (stmt->kind != VS_STMT_EXPECT && stmt->kind != VS_STMT_ASSIGN &&
        stmt->kind != VS_STMT_EXPR) {
        error_at(ps, rest,
                 "a thread makes calls: 'as NAME:' takes an expect, an assignment or a "
                 "call");
        return FALSE;
    }
    return TRUE;
}

static gboolean parse_plain_statement(Parser *ps, VsStmt *stmt)
{
    const VsToken *t = peek(ps);
    stmt->pos = t->pos;
    gboolean keyword = t->kind == VS_TOK_NAME && peek_next(ps)->kind != VS_TOK_ASSIGN;
#define IS(word) (keyword && t->length == strlen(word) && memcmp(t->start, word, t->length) == 0)
    if (IS("title") || IS("step") || IS("note")) {
        stmt->kind = IS("title") ? VS_STMT_TITLE : IS("step") ? VS_STMT_STEP : VS_STMT_NOTE;
        g_autofree char *keyword_text = g_strndup(t->start, t->length);
        take(ps);
        stmt->text = take_string(ps, keyword_text);
    } else if (IS("system")) {
        stmt->kind = VS_STMT_SYSTEM;
        take(ps);
        parse_system(ps, stmt);
    } else if (IS("process")) {
        stmt->kind = VS_STMT_PROCESS;
        take(ps);
        if (peek(ps)->kind != VS_TOK_NAME)
            error_at(ps, peek(ps), "'process' needs a name");
        else {
            const VsToken *name = take(ps);
            stmt->text = g_strndup(name->start, name->length);
            parse_process_options(ps, stmt);
        }
    } else if (IS("expect")) {
        stmt->kind = VS_STMT_EXPECT;
        take(ps);
        stmt->expr = parse_expr(ps);
    } else if (IS("show")) {
        stmt->kind = VS_STMT_SHOW;
        take(ps);
        parse_show(ps, stmt);
    } else if (IS("tick")) {
        stmt->kind = VS_STMT_TICK;
        take(ps);
        if (peek(ps)->kind != VS_TOK_NEWLINE && peek(ps)->kind != VS_TOK_END)
            stmt->expr = parse_expr(ps);
    } else if (t->kind == VS_TOK_NAME && peek_next(ps)->kind == VS_TOK_ASSIGN) {
        stmt->kind = VS_STMT_ASSIGN;
        stmt->text = g_strndup(t->start, t->length);
        take(ps);
        take(ps);
        stmt->expr = parse_expr(ps);
    } else {
        stmt->kind = VS_STMT_EXPR;
        stmt->expr = parse_expr(ps);
    }
#undef IS
    return !ps->failed && end_of_statement(ps);
}

static void free_stmt(VsStmt *stmt)
{
    g_free(stmt->text);
    free_expr(stmt->expr);
    free_expr(stmt->thread);
    for (size_t i = 0; i < stmt->option_count; i++) {
        g_free(stmt->options[i].name);
        g_free(stmt->options[i].word);
    }
    g_free(stmt->options);
}

void vs_script_free(VsScript *script)
{
    if (!script)
        return;
    for (size_t i = 0; i < script->count; i++)
        free_stmt(&script->stmts[i]);
    g_free(script->stmts);
    vs_diagnostics_clear(&script->warnings);
    g_free((char *)script->source.name);
    g_free((char *)script->source.text);
    g_free(script);
}

/* Whether the lexer found something unreadable on the line starting at the current token. */
static gboolean line_unreadable(const Parser *ps)
{
    for (size_t i = ps->at;
         ps->tokens[i].kind != VS_TOK_NEWLINE && ps->tokens[i].kind != VS_TOK_END; i++)
        if (ps->tokens[i].kind == VS_TOK_ERROR)
            return TRUE;
    return FALSE;
}

/* After a mistake: past the end of the statement's line. */
static void skip_to_next_line(Parser *ps)
{
    while (peek(ps)->kind != VS_TOK_NEWLINE && peek(ps)->kind != VS_TOK_END)
        take(ps);
    take(ps);
}

/* A statement that did not parse is dropped, but one that assigns a name says so (its value
 * unknown, a NULL expression), so the checker does not report each later use of the name too. */
static void keep_broken_assignment(const Parser *ps, size_t start, GArray *stmts)
{
    const VsToken *t = &ps->tokens[start];
    if (t->kind != VS_TOK_NAME || t[1].kind != VS_TOK_ASSIGN)
        return;
    VsStmt stmt = {.kind = VS_STMT_ASSIGN, .pos = t->pos, .text = g_strndup(t->start, t->length)};
    g_array_append_val(stmts, stmt);
}

/* Parses every statement, each line on its own: one with a mistake is reported and dropped. */
static void parse_statements(Parser *ps, GArray *stmts, size_t *steps)
{
    while (peek(ps)->kind != VS_TOK_END && !vs_diagnostics_full(ps->diags)) {
        if (peek(ps)->kind == VS_TOK_NEWLINE) {
            take(ps);
            continue;
        }
        size_t start = ps->at;
        if (line_unreadable(ps)) {
            keep_broken_assignment(ps, start, stmts);
            skip_to_next_line(ps);
            continue;
        }
        VsStmt stmt = {0};
        ps->failed = FALSE;
        ps->depth = 0;
        if (parse_statement(ps, &stmt)) {
            g_array_append_val(stmts, stmt);
            *steps += stmt.kind == VS_STMT_STEP;
            continue;
        }
        free_stmt(&stmt);
        keep_broken_assignment(ps, start, stmts);
        skip_to_next_line(ps);
    }
}

/* Lexes and parses text into a script whose statements are those that parsed. */
static VsScript *parse(const char *name, const char *text, size_t length, VsDiagnostics *diags)
{
    VsScript *script = g_new0(VsScript, 1);
    script->source =
        (VsSource){.name = g_strdup(name), .text = g_strndup(text, length), .length = length};
    vs_diagnostics_init(&script->warnings);
    VsTokenList tokens;
    vs_lex(&script->source, &tokens, diags);
    Parser ps = {.source = &script->source, .tokens = tokens.tokens, .diags = diags};
    GArray *stmts = g_array_new(FALSE, TRUE, sizeof(VsStmt));
    parse_statements(&ps, stmts, &script->steps);
    script->count = stmts->len;
    script->stmts = (VsStmt *)(void *)g_array_free(stmts, FALSE);
    vs_token_list_free(&tokens);
    return script;
}

/* The script when diags hold no error (it keeps their warnings), else NULL. */
static VsScript *keep_if_clean(VsScript *script, VsDiagnostics *diags)
{
    vs_diagnostics_sort(diags);
    if (diags->errors) {
        vs_script_free(script);
        return NULL;
    }
    for (guint i = 0; i < diags->items->len; i++) {
        const VsDiagnostic *d = &g_array_index(diags->items, VsDiagnostic, i);
        vs_diag_report(&script->warnings, d->severity, &script->source, d->pos, "%s", d->message);
    }
    return script;
}

VsScript *vs_script_check(const char *name, const char *text, size_t length, VsDiagnostics *diags)
{
    VsScript *script = parse(name, text, length, diags);
    if (!vs_diagnostics_full(diags))
        vs_resolve_script(script, diags);
    return keep_if_clean(script, diags);
}

VsScript *vs_script_parse_unchecked(const char *name, const char *text, size_t length,
                                    VsDiagnostics *diags)
{
    return keep_if_clean(parse(name, text, length, diags), diags);
}

VsScript *vs_script_parse(const char *name, const char *text, size_t length, GError **error)
{
    VsDiagnostics diags;
    vs_diagnostics_init(&diags);
    VsScript *script = vs_script_check(name, text, length, &diags);
    if (!script) {
        g_autofree char *message = vs_diagnostics_text(&diags, TRUE, name);
        g_set_error_literal(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_PARSE, message);
    }
    vs_diagnostics_clear(&diags);
    return script;
}

VsScript *vs_script_load_checked(const char *path, VsDiagnostics *diags, GError **error)
{
    g_autofree char *text = NULL;
    gsize length = 0;
    GError *io = NULL;
    if (!g_file_get_contents(path, &text, &length, &io)) {
        g_set_error(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_IO, "%s: error: %s", path,
                    io->message);
        g_error_free(io);
        return NULL;
    }
    VsScript *script = vs_script_check(path, text, length, diags);
    if (!script) {
        g_autofree char *message = vs_diagnostics_text(diags, TRUE, path);
        g_set_error_literal(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_PARSE, message);
    }
    return script;
}

VsScript *vs_script_load(const char *path, GError **error)
{
    VsDiagnostics diags;
    vs_diagnostics_init(&diags);
    VsScript *script = vs_script_load_checked(path, &diags, error);
    vs_diagnostics_clear(&diags);
    return script;
}
