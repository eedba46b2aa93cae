/*
 * test_scenario_parse.c - the scenario lexer and parser (scenario/lexer.c, parser.c, diag.c):
 * tokens, precedence, every statement form, and every parse error with its exact message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "script.h"

static VsScript *parse_ok(const char *text)
{
    GError *error = NULL;
    VsScript *script = vs_script_parse("t.vsim", text, strlen(text), &error);
    if (!script)
        fprintf(stderr, "%s\n", error->message);
    assert_non_null(script);
    return script;
}

/* Parses text that must fail and checks the whole message (location, words, quoted line, caret). */
static void assert_parse_error(const char *text, const char *message)
{
    GError *error = NULL;
    VsScript *script = vs_script_parse("t.vsim", text, strlen(text), &error);
    assert_null(script);
    assert_non_null(error);
    assert_int_equal(error->code, VS_SCENARIO_ERROR_PARSE);
    assert_string_equal(error->message, message);
    g_error_free(error);
}

static void test_integers(void **state)
{
    (void)state;
    VsScript *s =
        parse_ok("a = 120000\nb = 0x7FFE0000\nc = 64K\nd = 2M\ne = 1G\nf = 1T\ng = 0x10k\n");
    uint64_t expected[] = {120000, 0x7FFE0000, 65536, 2u << 20, 1u << 30, 1ull << 40, 0x4000};
    assert_int_equal(s->count, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(s->stmts[i].kind, VS_STMT_ASSIGN);
        assert_int_equal(s->stmts[i].expr->kind, VS_EXPR_INT);
        assert_int_equal(s->stmts[i].expr->value, expected[i]);
    }
    vs_script_free(s);
    uint64_t v;
    assert_true(vs_parse_integer("256M", 4, &v));
    assert_int_equal(v, 256u << 20);
    assert_false(vs_parse_integer("256MB", 5, &v));
    assert_false(vs_parse_integer("", 0, &v));
}

static void test_integer_errors(void **state)
{
    (void)state;
    assert_parse_error("x = 18446744073709551616\n",
                       "t.vsim:1:5: error: integer does not fit in 64 bits\n"
                       "x = 18446744073709551616\n"
                       "    ^");
    assert_parse_error("x = 0x\n", "t.vsim:1:5: error: '0x' needs hex digits\nx = 0x\n    ^");
    assert_parse_error("x = 64KB\n",
                       "t.vsim:1:8: error: unexpected 'B' after a number (sizes take K, M, G or "
                       "T)\nx = 64KB\n       ^");
    assert_parse_error("x = 0x10000000000000000\n",
                       "t.vsim:1:5: error: integer does not fit in 64 bits\n"
                       "x = 0x10000000000000000\n    ^");
    assert_parse_error("x = 16777216T\n",
                       "t.vsim:1:5: error: integer does not fit in 64 bits\nx = 16777216T\n    ^");
}

static void test_precedence_is_c(void **state)
{
    (void)state;
    VsScript *s = parse_ok("p = 64K\nq = 0\nexpect 1 + 2 * 3 == 7 && p % 64K == 0 || !q\n");
    VsExpr *e = s->stmts[2].expr;
    assert_int_equal(e->op, VS_TOK_OR);
    assert_int_equal(e->left->op, VS_TOK_AND);
    VsExpr *sum = e->left->left->left; /* (1 + 2*3) == 7 */
    assert_int_equal(sum->op, VS_TOK_PLUS);
    assert_int_equal(sum->right->op, VS_TOK_STAR);
    assert_int_equal(e->right->kind, VS_EXPR_UNARY);
    assert_int_equal(e->right->op, VS_TOK_BANG);
    /* Each node keeps its source text for messages. */
    assert_int_equal(e->left->right->text_length, strlen("p % 64K == 0"));
    assert_memory_equal(e->left->right->text, "p % 64K == 0", strlen("p % 64K == 0"));
    vs_script_free(s);
    /* Left to right within one level: 10 - 3 - 2 is (10 - 3) - 2. */
    s = parse_ok("x = 10 - 3 - 2\n");
    assert_int_equal(s->stmts[0].expr->left->op, VS_TOK_MINUS);
    assert_int_equal(s->stmts[0].expr->right->value, 2);
    vs_script_free(s);
}

static void test_calls_fields_and_references(void **state)
{
    (void)state;
    VsScript *s = parse_ok(
        "a = 0\ns = 4K\n"
        "st = NtAllocateVirtualMemory(GetCurrentProcess(), &a, 0, &s, MEM_RESERVE, PAGE_NOACCESS)\n"
        "expect VirtualQuery(a + 4K).RegionSize == 122880\n"
        "VirtualFree(a, 0, MEM_RELEASE)\n");
    VsExpr *call = s->stmts[2].expr;
    assert_int_equal(call->kind, VS_EXPR_CALL);
    assert_string_equal(call->name, "NtAllocateVirtualMemory");
    assert_int_equal(call->arg_count, 6);
    assert_int_equal(call->args[0]->kind, VS_EXPR_CALL);
    assert_int_equal(call->args[0]->arg_count, 0);
    assert_int_equal(call->args[1]->kind, VS_EXPR_ADDRESS_OF);
    assert_string_equal(call->args[1]->name, "a");
    VsExpr *field = s->stmts[3].expr->left;
    assert_int_equal(field->kind, VS_EXPR_FIELD);
    assert_string_equal(field->name, "RegionSize");
    assert_int_equal(field->left->kind, VS_EXPR_CALL);
    assert_int_equal(s->stmts[4].kind, VS_STMT_EXPR);
    vs_script_free(s);
}

static void test_statements(void **state)
{
    (void)state;
    VsScript *s = parse_ok("# a lesson\n"
                           "title \"Reserve, then commit\"\n"
                           "system x86-3gb processors=2   # options follow\n"
                           "process A\n"
                           "step \"Reserve\"\n"
                           "note \"say \\\"hi\\\"\\n\"\n"
                           "show vad\n"
                           "show query 0x10000 + 0x1000\n"
                           "step \"Two\"\n"
                           "step = 3\n");
    assert_int_equal(s->count, 9);
    assert_int_equal(s->steps, 2);
    assert_int_equal(s->stmts[0].kind, VS_STMT_TITLE);
    assert_string_equal(s->stmts[0].text, "Reserve, then commit");
    assert_int_equal(s->stmts[1].kind, VS_STMT_SYSTEM);
    assert_string_equal(s->stmts[1].text, "x86-3gb");
    assert_int_equal(s->stmts[1].option_count, 1);
    assert_string_equal(s->stmts[1].options[0].name, "processors");
    assert_int_equal(s->stmts[1].options[0].value, 2);
    assert_string_equal(s->stmts[2].text, "A");
    assert_int_equal(s->stmts[3].pos.line, 5);
    assert_string_equal(s->stmts[4].text, "say \"hi\"\n");
    assert_string_equal(s->stmts[5].text, "vad");
    assert_null(s->stmts[5].expr);
    assert_string_equal(s->stmts[6].text, "query");
    assert_int_equal(s->stmts[6].expr->op, VS_TOK_PLUS);
    /* A keyword followed by '=' is a variable. */
    assert_int_equal(s->stmts[8].kind, VS_STMT_ASSIGN);
    assert_string_equal(s->stmts[8].text, "step");
    vs_script_free(s);
    /* No newline at the end of the file is fine; CRLF line ends are too. */
    s = parse_ok("a = 1\r\nb = 2");
    assert_int_equal(s->count, 2);
    vs_script_free(s);
}

/* 'as NAME:' before an expect, an assignment or a call: the thread that makes its calls. */
static void test_as_thread(void **state)
{
    (void)state;
    VsScript *s = parse_ok("t = 1\nas t: p = VirtualAlloc(NULL, 4K, MEM_COMMIT, PAGE_READWRITE)\n"
                           "as t: expect p != NULL\nas = 2\n");
    assert_int_equal(s->count, 4);
    assert_int_equal(s->stmts[1].kind, VS_STMT_ASSIGN);
    assert_string_equal(s->stmts[1].thread->name, "t");
    assert_int_equal(s->stmts[2].kind, VS_STMT_EXPECT);
    assert_string_equal(s->stmts[2].thread->name, "t");
    assert_null(s->stmts[3].thread); /* 'as' followed by '=' is a variable */
    vs_script_free(s);
    assert_parse_error("t = 1\nas t show vad\n",
                       "t.vsim:2:6: error: expected ':' after 'as NAME', found 'show'\n"
                       "as t show vad\n     ^");
    assert_parse_error("as 5: x = 1\n", "t.vsim:1:4: error: 'as' takes the name of a variable "
                                        "holding a thread's handle, found '5'\n"
                                        "as 5: x = 1\n   ^");
    assert_parse_error("t = 1\nas t: show vad\n",
                       "t.vsim:2:7: error: a thread makes calls: 'as NAME:' takes an expect, an "
                       "assignment or a call, found 'show'\nas t: show vad\n      ^");
}

static void test_statement_errors(void **state)
{
    (void)state;
    assert_parse_error("title Reserve\n",
                       "t.vsim:1:7: error: 'title' needs a \"quoted text\", found 'Reserve'\n"
                       "title Reserve\n      ^");
    assert_parse_error("note \"open\n",
                       "t.vsim:1:6: error: string is not closed on its line\nnote \"open\n     ^");
    assert_parse_error("note \"a\\q\"\n",
                       "t.vsim:1:8: error: unknown escape '\\q' (use \\\", \\\\, \\n or \\t)\n"
                       "note \"a\\q\"\n       ^");
    assert_parse_error("system x68\n",
                       "t.vsim:1:8: error: unknown architecture 'x68'; did you mean 'x64'? (x64, "
                       "x86, x86-3gb or linux-x64)\nsystem x68\n       ^");
    assert_parse_error("system\n",
                       "t.vsim:1:7: error: 'system' needs an architecture: x64, x86, x86-3gb or "
                       "linux-x64, found end of line\nsystem\n      ^");
    assert_parse_error("system x64 ram=lots\n",
                       "t.vsim:1:12: error: system option 'ram=lots' is not one this model knows "
                       "(processors=N, ram=SIZE, pagefile=SIZE; for x86 wow64=0 or 1; for "
                       "linux-x64 readahead=SIZE, filealign=2M or 4K, filemax=SIZE, "
                       "execonly=pkey or none, thp=always, madvise or never, thpzero=on or "
                       "off)\nsystem x64 ram=lots\n"
                       "           ^");
    assert_parse_error("system linux-x64 thp=madvice\n",
                       "t.vsim:1:18: error: system option 'thp' takes always, madvise or never "
                       "(the machine's transparent_hugepage/enabled), not 'madvice'; did you mean "
                       "'madvise'?\nsystem linux-x64 thp=madvice\n                 ^");
    assert_parse_error("system linux-x64 thpzero=1\n",
                       "t.vsim:1:18: error: system option 'thpzero' takes on or off (the "
                       "machine's transparent_hugepage/use_zero_page: 1 or 0), not '1'\n"
                       "system linux-x64 thpzero=1\n                 ^");
    assert_parse_error("system linux-x64 execonly=pkeys\n",
                       "t.vsim:1:18: error: system option 'execonly' takes pkey (a CPU with "
                       "protection keys: memory mapped PROT_EXEC alone is execute-only) or none "
                       "(PROT_EXEC alone reads as PROT_READ|PROT_EXEC), not 'pkeys'; did you mean "
                       "'pkey'?\nsystem linux-x64 execonly=pkeys\n                 ^");
    assert_parse_error("system linux-x64 execonly=4K\n",
                       "t.vsim:1:18: error: system option 'execonly' takes pkey (a CPU with "
                       "protection keys: memory mapped PROT_EXEC alone is execute-only) or none "
                       "(PROT_EXEC alone reads as PROT_READ|PROT_EXEC), not '4K'\n"
                       "system linux-x64 execonly=4K\n                 ^");
    assert_parse_error("show vads\n",
                       "t.vsim:1:6: error: cannot show 'vads'; did you mean 'vad'? (query ADDR, "
                       "vad, address, summary, regions, fragmentation, pte ADDR, commit, pfn "
                       "[FRAME], ws, section HANDLE, stack HANDLE, heap HANDLE, maps, smaps, "
                       "pagemap ADDR)\nshow vads\n"
                       "     ^");
    assert_parse_error("show query\n",
                       "t.vsim:1:11: error: this 'show' needs an address, found end of line\n"
                       "show query\n          ^");
    assert_parse_error("a = 1 2\n",
                       "t.vsim:1:7: error: expected the end of the line, found '2'\na = 1 2\n"
                       "      ^");
    assert_parse_error("x = f(1, 2\n",
                       "t.vsim:1:11: error: expected ',' or ')' in the call, found end of line\n"
                       "x = f(1, 2\n          ^");
    assert_parse_error("x = &3\n",
                       "t.vsim:1:6: error: '&' passes a variable by reference and needs a "
                       "variable name, found '3'\nx = &3\n     ^");
    assert_parse_error("x = 1 +\n",
                       "t.vsim:1:8: error: expected a value (a number, a name or a call), found "
                       "end of line\nx = 1 +\n       ^");
    assert_parse_error("x = $\n", "t.vsim:1:5: error: unexpected character '$'\nx = $\n    ^");
    assert_parse_error("a = 1\n\tx = \x01\n",
                       "t.vsim:2:6: error: unexpected byte 0x01 (scenario files are ASCII outside "
                       "strings and comments)\n\tx = \x01\n\t    ^");
    assert_parse_error("p = VirtualQuery(p).\n",
                       "t.vsim:1:21: error: expected a field name after '.', found end of line\n"
                       "p = VirtualQuery(p).\n                    ^");
}

/* Hostile input: deep nesting is refused, never a stack overflow; NUL bytes are refused. */
static void test_hostile_input(void **state)
{
    (void)state;
    GString *deep = g_string_new("x = ");
    for (int i = 0; i < 100000; i++)
        g_string_append_c(deep, '(');
    GError *error = NULL;
    assert_null(vs_script_parse("deep.vsim", deep->str, deep->len, &error));
    assert_non_null(strstr(error->message, "expression nested too deeply"));
    g_clear_error(&error);
    g_string_assign(deep, "x = ");
    for (int i = 0; i < 100000; i++)
        g_string_append_c(deep, '-');
    assert_null(vs_script_parse("deep.vsim", deep->str, deep->len, &error));
    assert_non_null(strstr(error->message, "expression nested too deeply"));
    g_clear_error(&error);
    g_string_free(deep, TRUE);
    /* Found by the fuzzer: a vertical tab on a 'system' line made an empty word forever. */
    const char vtab[] = "system x64\v\f processors=2\n";
    VsScript *s = vs_script_parse("vtab.vsim", vtab, strlen(vtab), &error);
    assert_non_null(s);
    assert_int_equal(s->stmts[0].option_count, 1);
    vs_script_free(s);
    assert_null(vs_script_parse("nul.vsim", "a = 1\n\0b", 9, &error));
    assert_non_null(strstr(error->message, "nul.vsim:2:1: error: NUL byte"));
    g_clear_error(&error);
    /* A file that cannot be read. */
    assert_null(vs_script_load("/nonexistent/dir/x.vsim", &error));
    assert_int_equal(error->code, VS_SCENARIO_ERROR_IO);
    assert_non_null(strstr(error->message, "/nonexistent/dir/x.vsim: error: "));
    g_clear_error(&error);
}

/* A system option takes a number or, for execonly, one of its words. */
static void test_system_option_words(void **state)
{
    (void)state;
    GError *error = NULL;
    const char text[] = "system linux-x64 execonly=pkey readahead=8M execonly=none\n";
    VsScript *s = vs_script_parse("w.vsim", text, strlen(text), &error);
    assert_non_null(s);
    assert_int_equal(s->stmts[0].option_count, 3);
    assert_string_equal(s->stmts[0].options[0].name, "execonly");
    assert_string_equal(s->stmts[0].options[0].word, "pkey");
    assert_null(s->stmts[0].options[1].word);
    assert_int_equal(s->stmts[0].options[1].value, 8u << 20);
    assert_string_equal(s->stmts[0].options[2].word, "none");
    vs_script_free(s);
}

static void test_nearest_name(void **state)
{
    (void)state;
    const char *const names[] = {"VirtualAlloc", "VirtualFree", "VirtualQuery"};
    assert_string_equal(vs_diag_nearest("VirtualAloc", names, 3), "VirtualAlloc");
    assert_string_equal(vs_diag_nearest("virtualfree", names, 3), "VirtualFree");
    assert_null(vs_diag_nearest("Sleep", names, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_integer_errors),
        cmocka_unit_test(test_precedence_is_c),
        cmocka_unit_test(test_calls_fields_and_references),
        cmocka_unit_test(test_statements),
        cmocka_unit_test(test_statement_errors),
        cmocka_unit_test(test_as_thread),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_system_option_words),
        cmocka_unit_test(test_nearest_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
