/*
 * resolve.c - the checker that runs before anything does: every name, call, field and show form of
 * a parsed scenario resolved, in file order, as a compiler's semantic pass resolves a program.
 *
 * A scenario has no control flow, so file order is run order: a variable has a value from its
 * first assignment on (an '=', or a call given '&name' to write), and its shape - a number, a
 * string, the structure a call filled - is the one its latest assignment gave. So an unknown name,
 * call or field, a call the system lacks, a wrong count or kind of argument, a show form the
 * system has not and a misplaced or out-of-range 'system' line are all found here, every one of
 * them, each with a did-you-mean where a known name is close; what only the run can know (a
 * division by zero, a handle that names no section) stays the runner's. A warning names what runs
 * but is probably not what was meant: a comparison as the operand of a bitwise operator, which C
 * (and so the language) binds first (GCC's -Wparentheses).
 */
#include <string.h>

#include "op.h"
#include "pe_build.h"
#include "script.h"

typedef struct Shape {
    VsShapeKind kind;
    VsRecordKind record; /* VS_SHAPE_RECORD: which */
} Shape;

static const Shape unknown = {VS_SHAPE_UNKNOWN, VS_RECORD_NONE};
static const Shape number = {VS_SHAPE_INT, VS_RECORD_NONE};

typedef struct Resolver {
    const VsSource *source;
    VsDiagnostics *diags;
    GHashTable *shapes;   /* variable -> VS_SHAPE: the variables with a value here */
    GHashTable *assigned; /* variable -> its first assignment's line, anywhere in the file */
    const char *system;   /* the system's name, for messages */
    gboolean is_linux;    /* the system is Linux's */
    gboolean prompt;      /* a 'show' typed at the prompt: no calls */
} Resolver;

static void G_GNUC_PRINTF(3, 4) report(Resolver *r, VsSourcePos pos, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);
    vs_diag_report(r->diags, VS_DIAG_ERROR, r->source, pos, "%s", message);
}

static Shape shape_of(gpointer packed)
{
    guint bits = GPOINTER_TO_UINT(packed);
    return (Shape){(VsShapeKind)(bits & 0xFF), (VsRecordKind)(bits >> 8)};
}

static void set_shape(Resolver *r, const char *name, Shape shape)
{
    g_hash_table_insert(r->shapes, (gpointer)name, VS_SHAPE(shape.kind, shape.record));
}

/* ---- Names ----------------------------------------------------------------------------------- */

/* "; did you mean 'X'?" with the nearest variable of the file, constant or builtin. */
static char *did_you_mean_name(const Resolver *r, const char *name)
{
    const char **candidates = g_new(const char *, VS_SCENARIO_CONSTANTS_MAX + 3);
    size_t count = vs_scenario_constant_names(candidates, VS_SCENARIO_CONSTANTS_MAX);
    candidates[count++] = "exception";
    candidates[count++] = "exception_access";
    if (r->is_linux)
        candidates[count++] = "errno";
    GPtrArray *all = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, r->assigned);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(all, key);
    g_hash_table_iter_init(&it, r->shapes);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(all, key);
    for (size_t i = 0; i < count; i++)
        g_ptr_array_add(all, (gpointer)candidates[i]);
    char *hint = vs_diag_did_you_mean(name, (const char *const *)all->pdata, all->len);
    g_ptr_array_free(all, TRUE);
    g_free(candidates);
    return hint;
}

/* A name: a variable with a value here, else a constant, else a builtin (exception; errno in a
 * Linux system). A variable the file assigns only later has no value yet. */
static Shape resolve_name(Resolver *r, const VsExpr *e)
{
    gpointer packed, line;
    uint64_t value;
    if (g_hash_table_lookup_extended(r->shapes, e->name, NULL, &packed))
        return shape_of(packed);
    if (vs_scenario_constant(e->name, &value) || strcmp(e->name, "exception") == 0 ||
        strcmp(e->name, "exception_access") == 0)
        return number;
    if (strcmp(e->name, "errno") == 0) {
        if (!r->is_linux)
            report(r, e->pos,
                   "errno is Linux's; this scenario's system is %s: GetLastError() reads the last "
                   "error",
                   r->system);
        return number;
    }
    if (g_hash_table_lookup_extended(r->assigned, e->name, NULL, &line)) {
        report(r, e->pos, "'%s' has no value yet: it is first assigned on line %u", e->name,
               GPOINTER_TO_UINT(line));
        return unknown;
    }
    g_autofree char *hint = did_you_mean_name(r, e->name);
    report(r, e->pos, "'%s' is not a variable or a known constant%s", e->name, hint);
    return unknown;
}

/* ---- Operators ------------------------------------------------------------------------------- */

static Shape resolve_expr(Resolver *r, const VsExpr *e);

/* An operand that must be a number: not a string, not a list of extended parameters. */
static void need_number(Resolver *r, const VsExpr *e, Shape shape)
{
    if (shape.kind == VS_SHAPE_STRING)
        report(r, e->pos, "a string is not a number here");
    else if (shape.kind == VS_SHAPE_PARAMETERS)
        report(r, e->pos,
               "extended parameters are not a number: they go to VirtualAlloc2, MapViewOfFile3 "
               "and the NT calls' Ex forms");
}

/* The value of an expression made of numbers, constants and operators alone, if it is one. */
static gboolean constant_value(const Resolver *r, const VsExpr *e, uint64_t *value)
{
    uint64_t a, b;
    switch (e->kind) {
    case VS_EXPR_INT: *value = e->value; return TRUE;
    case VS_EXPR_NAME:
        return !g_hash_table_contains(r->shapes, e->name) && vs_scenario_constant(e->name, value);
    case VS_EXPR_UNARY:
        if (!constant_value(r, e->left, &a))
            return FALSE;
        *value = e->op == VS_TOK_BANG ? !a : e->op == VS_TOK_TILDE ? ~a : 0 - a;
        return TRUE;
    case VS_EXPR_BINARY:
        if (!constant_value(r, e->left, &a) || !constant_value(r, e->right, &b))
            return FALSE;
        switch (e->op) {
        case VS_TOK_PIPE: *value = a | b; return TRUE;
        case VS_TOK_AMP: *value = a & b; return TRUE;
        case VS_TOK_CARET: *value = a ^ b; return TRUE;
        case VS_TOK_PLUS: *value = a + b; return TRUE;
        case VS_TOK_MINUS: *value = a - b; return TRUE;
        case VS_TOK_STAR: *value = a * b; return TRUE;
        case VS_TOK_SHL: *value = b >= 64 ? 0 : a << b; return TRUE;
        default: return FALSE;
        }
    default: return FALSE;
    }
}

static gboolean is_comparison(VsTokenKind op)
{
    return op == VS_TOK_EQ || op == VS_TOK_NE || op == VS_TOK_LT || op == VS_TOK_LE ||
           op == VS_TOK_GT || op == VS_TOK_GE;
}

/* An operand's source text, in the parentheses it was written in. */
static void append_text(GString *out, const VsExpr *e)
{
    g_string_append_printf(out, e->parenthesized ? "(%.*s)" : "%.*s", (int)e->text_length, e->text);
}

/* What `cmp OP other` always is when other is a constant that decides it, or "". */
static const char *always(const Resolver *r, VsTokenKind op, const VsExpr *other)
{
    uint64_t v;
    if (!constant_value(r, other, &v))
        return "";
    if (op == VS_TOK_PIPE && v != 0)
        return ", which is never 0: always true";
    if (op == VS_TOK_AMP && !(v & 1))
        return ", which is always 0: always false";
    return "";
}

/* How `c OP other` (c a comparison on the left) reads, and what was probably meant:
 * (x == A) | B, and x == (A | B). */
static void comparison_on_left(const VsExpr *c, const char *op, const VsExpr *other, GString *reads,
                               GString *meant)
{
    g_string_append_printf(reads, "(%.*s) %s ", (int)c->text_length, c->text, op);
    append_text(reads, other);
    append_text(meant, c->left);
    g_string_append_printf(meant, " %s (", vs_token_kind_text(c->op));
    append_text(meant, c->right);
    g_string_append_printf(meant, " %s ", op);
    append_text(meant, other);
    g_string_append_c(meant, ')');
}

/* The same for `other OP c`: B | (A == x), and (B | A) == x. */
static void comparison_on_right(const VsExpr *c, const char *op, const VsExpr *other,
                                GString *reads, GString *meant)
{
    append_text(reads, other);
    g_string_append_printf(reads, " %s (%.*s)", op, (int)c->text_length, c->text);
    g_string_append_c(meant, '(');
    append_text(meant, other);
    g_string_append_printf(meant, " %s ", op);
    append_text(meant, c->left);
    g_string_append_printf(meant, ") %s ", vs_token_kind_text(c->op));
    append_text(meant, c->right);
}

/* The warning for a comparison that is an operand of | & or ^ unparenthesized: as in C, the
 * comparison binds first, so `x == A | B` is (x == A) | B, not x == (A | B). */
static void warn_parentheses(Resolver *r, const VsExpr *e)
{
    if (e->op != VS_TOK_PIPE && e->op != VS_TOK_AMP && e->op != VS_TOK_CARET)
        return;
    const VsExpr *sides[2] = {e->left, e->right};
    for (int i = 0; i < 2; i++) {
        const VsExpr *c = sides[i], *other = sides[1 - i];
        if (c->kind != VS_EXPR_BINARY || !is_comparison(c->op) || c->parenthesized)
            continue;
        const char *op = vs_token_kind_text(e->op);
        GString *reads = g_string_new(NULL), *meant = g_string_new(NULL);
        (i == 0 ? comparison_on_left : comparison_on_right)(c, op, other, reads, meant);
        vs_diag_report(r->diags, VS_DIAG_WARNING, r->source, c->pos,
                       "'%s' binds tighter than '%s' (as in C), so this is %s%s; to compare "
                       "with the combined value write %s, or put the comparison in parentheses "
                       "to keep it",
                       vs_token_kind_text(c->op), op, reads->str, always(r, e->op, other),
                       meant->str);
        g_string_free(reads, TRUE);
        g_string_free(meant, TRUE);
    }
}

/* ---- Fields and calls ------------------------------------------------------------------------ */

/* left.Field: a field of the structure the left side is. */
static Shape resolve_field(Resolver *r, const VsExpr *e)
{
    Shape left = resolve_expr(r, e->left);
    const VsRecordSpec *spec = left.kind == VS_SHAPE_MBI      ? vs_mbi_spec()
                               : left.kind == VS_SHAPE_RECORD ? vs_record_spec(left.record)
                                                              : NULL;
    if (spec) {
        if (!vs_diag_is_one_of(e->name, spec->fields, spec->count)) {
            g_autofree char *hint = vs_diag_did_you_mean(e->name, spec->fields, spec->count);
            report(r, e->pos, "%s has no field '%s'%s", spec->type, e->name, hint);
        }
        return number;
    }
    if (left.kind == VS_SHAPE_UNKNOWN)
        return unknown;
    report(r, e->pos,
           "'%.*s' is %s: only a structure a call filled has fields (VirtualQuery, "
           "GetProcessMemoryInfo, QueryWorkingSetEx, GlobalMemoryStatusEx, GetWriteWatch, "
           "mincore)",
           (int)e->left->text_length, e->left->text,
           left.kind == VS_SHAPE_STRING ? "a string"
           : left.kind == VS_SHAPE_INT  ? "a number"
                                        : "a list of extended parameters");
    return unknown;
}

/* A call the model does not have: named with the nearest it does. */
static void unknown_call(Resolver *r, const VsExpr *e)
{
    static const char *const builtins[] = {"MemAddressRequirements", "MemAttributeFlags",
                                           "MemNumaNode", "MemExtendedParameter",
                                           "MemExtendedParameters"};
    const char *names[VS_OP_COUNT + G_N_ELEMENTS(builtins)];
    for (int i = 0; i < VS_OP_COUNT; i++)
        names[i] = vs_op_spec((VsOpKind)i)->name;
    for (size_t i = 0; i < G_N_ELEMENTS(builtins); i++)
        names[VS_OP_COUNT + i] = builtins[i];
    g_autofree char *hint = vs_diag_did_you_mean(e->name, names, G_N_ELEMENTS(names));
    report(r, e->pos, "'%s' is not a call this model supports%s", e->name, hint);
}

/* pe()'s sections text, read as the builder reads it. */
static void check_pe_sections(Resolver *r, const VsExpr *arg)
{
    VsPeSpec spec = {0};
    char error[160];
    if (!vs_pe_parse_sections(arg->name, &spec, error, sizeof error))
        report(r, arg->pos, "pe's sections: %s", error);
    else if (!vs_pe_file_size(&spec))
        report(r, arg->pos, "pe's sections: the image would be larger than %u MB",
               VS_PE_MAX_BYTES >> 20);
}

/* An argument given a value: the kind the call takes there (a number, a name, a file's text, a
 * list of extended parameters, a byte), where the value says it already. */
static void check_value_arg(Resolver *r, const VsOpSpec *spec, const VsExpr *arg, size_t i,
                            Shape shape)
{
    uint32_t bit = 1u << i;
    uint64_t v;
    gboolean constant = constant_value(r, arg, &v);
    if (shape.kind == VS_SHAPE_STRING && (spec->string_args & bit)) {
        size_t limit = (spec->contents_args & bit) ? VS_OP_CONTENTS_MAX : VS_OP_TEXT_MAX;
        if (arg->kind == VS_EXPR_STRING && strlen(arg->name) >= limit)
            report(r, arg->pos,
                   (spec->contents_args & bit)
                       ? "a file's text is at most %zu characters here; give the rest as its "
                         "size and fill"
                       : "a name is at most %zu characters here",
                   limit - 1);
        else if (arg->kind == VS_EXPR_STRING && spec == vs_op_spec(VS_OP_DECLARE_PE) && i == 4)
            check_pe_sections(r, arg);
        else if (arg->kind == VS_EXPR_STRING && spec == vs_op_spec(VS_OP_DECLARE_HOST_FILE) &&
                 i == 1 && strcmp(arg->name, "@agent") != 0)
            report(r, arg->pos,
                   "host_file's source is \"@agent\" (the Win32 agent's .exe), the one host "
                   "file a scenario may read");
    } else if (shape.kind == VS_SHAPE_PARAMETERS && (spec->extended_args & bit)) {
        return;
    } else if (shape.kind == VS_SHAPE_STRING || shape.kind == VS_SHAPE_PARAMETERS) {
        need_number(r, arg, shape);
    } else if ((spec->extended_args & bit) && constant && v != 0) {
        report(r, arg->pos,
               "argument %zu of %s is a list of extended parameters "
               "(MemAddressRequirements(lowest, highest, alignment), ...) or NULL",
               i + 1, spec->name);
    } else if ((spec->string_args & bit) && constant && v != 0) {
        report(r, arg->pos, "argument %zu of %s is a name: a \"string\" or NULL", i + 1,
               spec->name);
    } else if ((spec->byte_args & bit) && constant && v > 0xFF) {
        report(r, arg->pos,
               "%s stores one byte: the value must be 0 to 255, not %" G_GUINT64_FORMAT, spec->name,
               v);
    }
}

/* '&name' as argument i: the call must take a pointer there, and one it reads needs a value. */
static void check_ref_arg(Resolver *r, const VsOpSpec *spec, const VsExpr *arg, size_t i)
{
    uint32_t bit = 1u << i;
    if (!(spec->ref_args & bit)) {
        report(r, arg->pos, "argument %zu of %s is passed by value, not by '&'", i + 1, spec->name);
        return;
    }
    if ((spec->in_refs & bit) && !g_hash_table_contains(r->shapes, arg->name))
        report(r, arg->pos, "'%s' is passed in and out but has no value yet; assign it first",
               arg->name);
}

/* The arguments, in order; then the variables passed by '&' have values (numbers). */
static void resolve_args(Resolver *r, const VsOpSpec *spec, const VsExpr *e)
{
    for (size_t i = 0; i < e->arg_count; i++) {
        const VsExpr *arg = e->args[i];
        if (arg->kind == VS_EXPR_ADDRESS_OF) {
            if (spec && i < spec->arity)
                check_ref_arg(r, spec, arg, i);
            continue;
        }
        Shape shape = resolve_expr(r, arg);
        if (spec && i < spec->arity)
            check_value_arg(r, spec, arg, i, shape);
        else
            need_number(r, arg, shape);
    }
    for (size_t i = 0; i < e->arg_count; i++)
        if (e->args[i]->kind == VS_EXPR_ADDRESS_OF)
            set_shape(r, e->args[i]->name, number);
}

/* A list of extended parameters (MemAddressRequirements(lowest, highest, alignment), ...): a
 * value only the calls with such a list take. MemExtendedParameters joins lists; the others take
 * numbers. */
static Shape resolve_parameters(Resolver *r, const VsExpr *e, const VsParameterBuiltin *b)
{
    gboolean join = b->type == VS_PARAMETER_JOIN;
    if (join ? e->arg_count < 2 || e->arg_count > VS_OP_MAX_PARAMETERS : e->arg_count != b->arity)
        report(r, e->pos, "%s takes %s%s, not %zu argument%s", b->name, join ? "" : "its ",
               b->about, e->arg_count, e->arg_count == 1 ? "" : "s");
    for (size_t i = 0; i < e->arg_count; i++) {
        Shape shape = resolve_expr(r, e->args[i]);
        if (join && shape.kind != VS_SHAPE_PARAMETERS && shape.kind != VS_SHAPE_UNKNOWN)
            report(r, e->args[i]->pos,
                   "%s joins lists of extended parameters (MemAddressRequirements(...), "
                   "MemAttributeFlags(...), ...), and this is not one",
                   b->name);
        else if (!join)
            need_number(r, e->args[i], shape);
    }
    uint64_t type;
    if (b->type == VS_PARAMETER_RAW && e->arg_count == 2 && constant_value(r, e->args[0], &type) &&
        type == MemExtendedParameterAddressRequirements)
        report(r, e->args[0]->pos,
               "an address requirement points to its structure: write "
               "MemAddressRequirements(lowest, highest, alignment)");
    return (Shape){VS_SHAPE_PARAMETERS, VS_RECORD_NONE};
}

static Shape resolve_call(Resolver *r, const VsExpr *e)
{
    if (r->prompt) {
        report(r, e->pos,
               "calls are not made at the prompt: %s would change the model outside the "
               "scenario (a variable the scenario assigned, a constant or arithmetic will do)",
               e->name);
        return unknown;
    }
    const VsParameterBuiltin *builtin = vs_parameter_builtin(e->name);
    if (builtin)
        return resolve_parameters(r, e, builtin);
    VsOpKind kind;
    if (!vs_op_lookup_call(e->name, e->arg_count, &kind)) {
        unknown_call(r, e);
        resolve_args(r, NULL, e);
        return unknown;
    }
    const VsOpSpec *spec = vs_op_spec(kind);
    VsOpFamily family = vs_op_family(kind);
    if (family != VS_FAMILY_BOTH && (family == VS_FAMILY_LINUX) != r->is_linux)
        report(r, e->pos, "%s is a %s call; this scenario's system is %s", e->name,
               family == VS_FAMILY_LINUX ? "Linux" : "Windows", r->system);
    char words[32];
    if (e->arg_count != spec->arity)
        report(r, e->pos, "%s takes %s, not %zu", spec->name,
               vs_op_arity_words(kind, words, sizeof words), e->arg_count);
    resolve_args(r, spec, e);
    if (vs_op_returns_mbi(kind))
        return (Shape){VS_SHAPE_MBI, VS_RECORD_NONE};
    if (spec->record == VS_RECORD_BY_CLASS)
        return unknown; /* the structure depends on the class: its fields are checked as it runs */
    if (spec->record != VS_RECORD_NONE)
        return (Shape){VS_SHAPE_RECORD, spec->record};
    return number;
}

static Shape resolve_expr(Resolver *r, const VsExpr *e)
{
    Shape a, b;
    switch (e->kind) {
    case VS_EXPR_INT: return number;
    case VS_EXPR_STRING: return (Shape){VS_SHAPE_STRING, VS_RECORD_NONE};
    case VS_EXPR_NAME: return resolve_name(r, e);
    case VS_EXPR_UNARY: need_number(r, e->left, resolve_expr(r, e->left)); return number;
    case VS_EXPR_BINARY:
        a = resolve_expr(r, e->left);
        need_number(r, e->left, a);
        b = resolve_expr(r, e->right);
        need_number(r, e->right, b);
        warn_parentheses(r, e);
        return number;
    case VS_EXPR_FIELD: return resolve_field(r, e);
    case VS_EXPR_CALL: return resolve_call(r, e);
    case VS_EXPR_ADDRESS_OF:
    default:
        report(r, e->pos, "'&%s' passes a variable to a call; it is not a value by itself",
               e->name);
        return unknown;
    }
}

/* ---- The system ------------------------------------------------------------------------------ */

/* One NAME=VALUE of a 'system' line into config; what is wrong with it, or NULL. */
static const char *apply_system_option(const VsSystemOption *option, VsSystemConfig *config)
{
    const char *name = option->name;
    uint64_t value = option->value;
    gboolean linux_only = strcmp(name, "readahead") == 0 || strcmp(name, "filealign") == 0 ||
                          strcmp(name, "filemax") == 0 || strcmp(name, "execonly") == 0 ||
                          strcmp(name, "thp") == 0 || strcmp(name, "thpzero") == 0;
    if (linux_only && config->personality != vs_linux_personality())
        return "is a Linux option: it needs system linux-x64";
    if (strcmp(name, "thpzero") == 0) {
        /* Whether a load in a huge-page range maps the huge zero page (the parser took only on
         * or off). */
        config->thp_no_zero_page = strcmp(option->word, "off") == 0;
    } else if (strcmp(name, "thp") == 0) {
        /* The transparent-huge-page mode (the parser took only these three words). */
        config->thp = strcmp(option->word, "always") == 0  ? VS_THP_ALWAYS
                      : strcmp(option->word, "never") == 0 ? VS_THP_NEVER
                                                           : VS_THP_MADVISE;
    } else if (strcmp(name, "execonly") == 0) {
        /* pkey: the CPU has protection keys, and PROT_EXEC alone is execute-only (the parser
         * took only pkey or none). */
        config->execute_only_pkey = strcmp(option->word, "pkey") == 0;
    } else if (strcmp(name, "wow64") == 0) {
        /* A statement about the real systems, not the model: the scenario's facts hold in a
         * WoW64 process too, so vadsim verify may run it in the x86 agent (verify/verify.c). */
        if (config->arch != VS_ARCH_X86)
            return "is an x86 option: it needs system x86";
        if (value > 1)
            return "must be 0 or 1";
    } else if (strcmp(name, "processors") == 0) {
        config->processors = (uint32_t)value;
        if (value == 0 || value > 64)
            return "must be from 1 to 64";
    } else if (strcmp(name, "pagefile") == 0) {
        /* The page file: whole pages, up to 64 GB. Its bitmap is a bit per slot and its slots'
         * bytes cost only the pages written, but with RAM it is the commit limit, and what can
         * be committed can be written PTE by PTE. */
        config->pagefile_bytes = value;
        if (value == 0 || value > (64ull << 30) || value % VS_PAGE_SIZE)
            return "must be whole pages from 4K to 64G";
    } else if (strcmp(name, "readahead") == 0) {
        /* A file's read-ahead window (read_ahead_kb): 4K reads only the page that faults. */
        config->readahead_bytes = value;
        if (value == 0 || value > (1ull << 30) || value % VS_PAGE_SIZE)
            return "must be whole pages from 4K to 1G";
    } else if (strcmp(name, "filemax") == 0) {
        /* The largest file (s_maxbytes): ext4's 16 TiB - 4 KiB, xfs's 2^63 - 1. */
        config->file_max_bytes = value;
        if (value < VS_PAGE_SIZE || value > INT64_MAX)
            return "must be from 4K to 2^63 - 1 bytes";
    } else if (strcmp(name, "filealign") == 0) {
        /* 2M: big file mappings are placed 2 MB-aligned (ext4, xfs); 4K: never (tmpfs). */
        config->files_unaligned = value == VS_PAGE_SIZE;
        if (value != (2u << 20) && value != VS_PAGE_SIZE)
            return "must be 2M (the file system aligns big mappings, as ext4) or 4K (it does "
                   "not, as tmpfs)";
    } else {
        /* RAM: whole pages, from 64 KB (room for the page tables) to 4 GB, which bounds the page
         * tables, and so the time, a scenario can make the model walk. */
        config->ram_bytes = value;
        if (value < (64u << 10) || value > (4ull << 30) || value % VS_PAGE_SIZE)
            return "must be whole pages from 64K to 4G";
    }
    return NULL;
}

/* The machine a 'system' line asks for: linux-x64 is the x64 machine with the Linux
 * personality. */
static void decide_system(Resolver *r, VsScript *script, const VsStmt *stmt)
{
    gboolean linux_x64 = strcmp(stmt->text, "linux-x64") == 0;
    script->system = stmt->text;
    script->config = (VsSystemConfig){.arch = strcmp(stmt->text, "x86") == 0       ? VS_ARCH_X86
                                              : strcmp(stmt->text, "x86-3gb") == 0 ? VS_ARCH_X86_3GB
                                                                                   : VS_ARCH_X64,
                                      .personality = linux_x64 ? vs_linux_personality() : NULL};
    for (size_t i = 0; i < stmt->option_count; i++) {
        const char *problem = apply_system_option(&stmt->options[i], &script->config);
        if (problem)
            report(r, stmt->pos, "%s %s", stmt->options[i].name, problem);
    }
}

/* Whether a statement needs the system (all but title, step and note: text for the reader). */
static gboolean uses_system(const VsStmt *stmt)
{
    return stmt->kind != VS_STMT_TITLE && stmt->kind != VS_STMT_STEP && stmt->kind != VS_STMT_NOTE;
}

/* The first 'system' line decides the machine, wherever it is (so a misplaced one is reported
 * once, not as every call the other system lacks); it must come before anything that uses the
 * system, and there is one. Without one the machine is x64. */
static void resolve_system(Resolver *r, VsScript *script)
{
    script->system = "x64";
    script->config = (VsSystemConfig){.arch = VS_ARCH_X64};
    gboolean decided = FALSE, used = FALSE;
    for (size_t i = 0; i < script->count; i++) {
        const VsStmt *stmt = &script->stmts[i];
        if (stmt->kind == VS_STMT_SYSTEM) {
            if (used)
                report(r, stmt->pos, "'system' must come before anything that uses the system");
            if (!decided)
                decide_system(r, script, stmt);
            decided = TRUE;
        }
        used = used || uses_system(stmt);
    }
    r->system = script->system;
    r->is_linux = script->config.personality != NULL;
}

/* ---- Statements ------------------------------------------------------------------------------ */

/* A show form the system has not (Linux's /proc files in Windows, a control area in Linux). */
static void check_show_form(Resolver *r, const VsStmt *stmt)
{
    g_autofree char *why = NULL;
    if (!vs_show_form_in_system(vs_show_form(stmt->text), r->system, r->is_linux, &why))
        report(r, stmt->pos, "%s", why);
}

/* tick's passes: a number from 1 to 1000 (checked here when it is a constant). */
static void check_tick(Resolver *r, const VsExpr *e)
{
    uint64_t passes;
    need_number(r, e, resolve_expr(r, e));
    if (constant_value(r, e, &passes) && (passes == 0 || passes > 1000))
        report(r, e->pos, "tick takes a number of passes from 1 to 1000");
}

static void resolve_statement(Resolver *r, const VsStmt *stmt)
{
    if (stmt->thread && r->is_linux)
        report(r, stmt->pos,
               "'as THREAD:' names a Windows thread; a Linux scenario's calls are "
               "its process's");
    else if (stmt->thread)
        need_number(r, stmt->thread, resolve_expr(r, stmt->thread));
    switch (stmt->kind) {
    case VS_STMT_ASSIGN:
        set_shape(r, stmt->text, stmt->expr ? resolve_expr(r, stmt->expr) : unknown);
        break;
    case VS_STMT_EXPECT:
    case VS_STMT_EXPR: resolve_expr(r, stmt->expr); break;
    case VS_STMT_SHOW:
        check_show_form(r, stmt);
        if (stmt->expr)
            need_number(r, stmt->expr, resolve_expr(r, stmt->expr));
        break;
    case VS_STMT_TICK:
        if (stmt->expr)
            check_tick(r, stmt->expr);
        break;
    case VS_STMT_PROCESS:
        if (r->is_linux && vs_stmt_option_word(stmt, "privilege"))
            report(r, stmt->pos,
                   "privilege= is a Windows token's; a Linux process has "
                   "capabilities and rlimits instead");
        break;
    default: break;
    }
}

/* Where each variable is first assigned: by '=', or by a call given '&name' to write. */
static void note_assignments(GHashTable *assigned, const VsExpr *e)
{
    if (!e)
        return;
    if (e->kind == VS_EXPR_ADDRESS_OF && !g_hash_table_contains(assigned, e->name))
        g_hash_table_insert(assigned, e->name, GUINT_TO_POINTER(e->pos.line));
    note_assignments(assigned, e->left);
    note_assignments(assigned, e->right);
    for (size_t i = 0; i < e->arg_count; i++)
        note_assignments(assigned, e->args[i]);
}

void vs_resolve_script(VsScript *script, VsDiagnostics *diags)
{
    Resolver r = {.source = &script->source,
                  .diags = diags,
                  .shapes = g_hash_table_new(g_str_hash, g_str_equal),
                  .assigned = g_hash_table_new(g_str_hash, g_str_equal)};
    resolve_system(&r, script);
    for (size_t i = 0; i < script->count; i++) {
        const VsStmt *stmt = &script->stmts[i];
        if (stmt->kind == VS_STMT_ASSIGN && !g_hash_table_contains(r.assigned, stmt->text))
            g_hash_table_insert(r.assigned, stmt->text, GUINT_TO_POINTER(stmt->pos.line));
        note_assignments(r.assigned, stmt->expr);
    }
    for (size_t i = 0; i < script->count && !vs_diagnostics_full(diags); i++)
        resolve_statement(&r, &script->stmts[i]);
    g_hash_table_destroy(r.shapes);
    g_hash_table_destroy(r.assigned);
}

gboolean vs_resolve_prompt(const VsSource *source, const VsStmt *stmt, const VsScript *script,
                           GHashTable *shapes, VsDiagnostics *diags)
{
    size_t errors = diags->errors;
    Resolver r = {.source = source,
                  .diags = diags,
                  .shapes = shapes,
                  .assigned = g_hash_table_new(g_str_hash, g_str_equal),
                  .system = script->system,
                  .is_linux = script->config.personality != NULL,
                  .prompt = TRUE};
    resolve_statement(&r, stmt);
    g_hash_table_destroy(r.assigned);
    return diags->errors == errors;
}
