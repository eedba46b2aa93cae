/*
 * test_scenario_resolve.c - the checker that runs before a scenario does (scenario/resolve.c):
 * every unknown name, call, field and show form, every call the system lacks, every misplaced or
 * out-of-range 'system' line and every wrong argument is reported, all of them in one go, before
 * anything runs; the warning for a comparison mixed with a bitwise operator; and what a 'show'
 * typed at the prompt may name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "script.h"

/* Checks text that must not run, and compares the whole report (every error, in order). */
static void assert_check_error(const char *text, const char *message)
{
    GError *error = NULL;
    VsScript *script = vs_script_parse("t.vsim", text, strlen(text), &error);
    assert_null(script);
    assert_non_null(error);
    assert_int_equal(error->code, VS_SCENARIO_ERROR_PARSE);
    if (strcmp(error->message, message) != 0)
        fprintf(stderr, "got:\n%s\n", error->message);
    assert_string_equal(error->message, message);
    g_error_free(error);
}

/* Each mistake alone: its message, its place and the caret under it. */
static void test_each_mistake_is_named(void **state)
{
    (void)state;
    assert_check_error("x = VirtualAloc(NULL, 1, MEM_RESERVE, PAGE_READWRITE)\n",
                       "t.vsim:1:5: error: 'VirtualAloc' is not a call this model supports; "
                       "did you mean 'VirtualAlloc'?\n"
                       "x = VirtualAloc(NULL, 1, MEM_RESERVE, PAGE_READWRITE)\n    ^");
    assert_check_error("x = VirtualAlloc(NULL, 1, MEM_RESERVE)\n",
                       "t.vsim:1:5: error: VirtualAlloc takes 4 arguments, not 3\n"
                       "x = VirtualAlloc(NULL, 1, MEM_RESERVE)\n    ^");
    /* A name with two forms (NtQuerySection's short one and the one with its buffer) says both. */
    assert_check_error("x = NtQuerySection(0, 0, 24)\n",
                       "t.vsim:1:5: error: NtQuerySection takes 4 or 5 arguments, not 3\n"
                       "x = NtQuerySection(0, 0, 24)\n    ^");
    assert_check_error("x = NtQueryVirtualMemory(0, 0, 0)\n",
                       "t.vsim:1:5: error: NtQueryVirtualMemory takes 5 or 6 arguments, not 3\n"
                       "x = NtQueryVirtualMemory(0, 0, 0)\n    ^");
    assert_check_error("x = MEM_RESERV\n",
                       "t.vsim:1:5: error: 'MEM_RESERV' is not a variable or a known "
                       "constant; did you mean 'MEM_RESERVE'?\nx = MEM_RESERV\n    ^");
    assert_check_error("p = 1\nx = VirtualFree(&p, 0, MEM_RELEASE)\n",
                       "t.vsim:2:17: error: argument 1 of VirtualFree is passed by value, not "
                       "by '&'\nx = VirtualFree(&p, 0, MEM_RELEASE)\n                ^");
    assert_check_error("s = 4K\nst = NtAllocateVirtualMemory(GetCurrentProcess(), &a, 0, &s, "
                       "MEM_RESERVE, PAGE_READWRITE)\n",
                       "t.vsim:2:51: error: 'a' is passed in and out but has no value yet; "
                       "assign it first\nst = NtAllocateVirtualMemory(GetCurrentProcess(), &a, "
                       "0, &s, MEM_RESERVE, PAGE_READWRITE)\n"
                       "                                                  ^");
    assert_check_error("ok = pe(\"a.dll\", 2, 0x10000000, 0, \".text 0x1000 rx\")\n",
                       "t.vsim:1:36: error: pe's sections: a section is \"NAME VIRTUAL_SIZE "
                       "RAW_SIZE FLAGS [RVA OFFSET]\" (4 or 6 words, not 3)\n"
                       "ok = pe(\"a.dll\", 2, 0x10000000, 0, \".text 0x1000 rx\")\n"
                       "                                   ^");
    assert_check_error("ok = pe(\"a.dll\", 2, 0x10000000, 0, \".text 0x1000 0x1000 rq\")\n",
                       "t.vsim:1:36: error: pe's sections: section .text: flags are a number "
                       "or letters of rwxsciuf\n"
                       "ok = pe(\"a.dll\", 2, 0x10000000, 0, \".text 0x1000 0x1000 rq\")\n"
                       "                                   ^");
    assert_check_error("p = 5\nx = p.RegionSize\n",
                       "t.vsim:2:6: error: 'p' is a number: only a structure a call filled has "
                       "fields (VirtualQuery, GetProcessMemoryInfo, QueryWorkingSetEx, "
                       "GlobalMemoryStatusEx, GetWriteWatch, mincore)\n"
                       "x = p.RegionSize\n     ^");
    assert_check_error(
        "c = GetProcessMemoryInfo(GetCurrentProcess())\nx = c.WorkingSetSiz\n",
        "t.vsim:2:6: error: PROCESS_MEMORY_COUNTERS_EX has no field 'WorkingSetSiz'; "
        "did you mean 'WorkingSetSize'?\nx = c.WorkingSetSiz\n     ^");
    assert_check_error("x = VirtualQuery(0).RegionSise\n",
                       "t.vsim:1:20: error: MEMORY_BASIC_INFORMATION has no field "
                       "'RegionSise'; did you mean 'RegionSize'?\n"
                       "x = VirtualQuery(0).RegionSise\n                   ^");
    assert_check_error("l = MemExtendedParameters(MemAttributeFlags(0), 5)\n",
                       "t.vsim:1:49: error: MemExtendedParameters joins lists of extended "
                       "parameters (MemAddressRequirements(...), MemAttributeFlags(...), ...), and "
                       "this is not one\nl = MemExtendedParameters(MemAttributeFlags(0), 5)\n"
                       "                                                ^");
    assert_check_error("l = MemExtendedParameter(1, 0)\n",
                       "t.vsim:1:26: error: an address requirement points to its structure: "
                       "write MemAddressRequirements(lowest, highest, alignment)\n"
                       "l = MemExtendedParameter(1, 0)\n                         ^");
    assert_check_error("x = \"text\" + 1\n",
                       "t.vsim:1:5: error: a string is not a number here\nx = \"text\" + 1\n"
                       "    ^");
    assert_check_error("write(0x10000, 256)\n",
                       "t.vsim:1:16: error: write stores one byte: the value must be 0 to 255, "
                       "not 256\nwrite(0x10000, 256)\n               ^");
    assert_check_error("tick 0\n",
                       "t.vsim:1:6: error: tick takes a number of passes from 1 to 1000\n"
                       "tick 0\n     ^");
    assert_check_error("x = &y\n", "t.vsim:1:5: error: '&y' passes a variable to a call; it is "
                                   "not a value by itself\nx = &y\n    ^");
}

/* A variable has a value from its first assignment on: '=' or a call given '&name' to write. A
 * name used before is reported with the line that assigns it. */
static void test_variables_have_values_from_their_assignment_on(void **state)
{
    (void)state;
    const char text[] = "ok = VirtualProtect(0x10000, 4K, PAGE_READONLY, &old)\n"
                        "expect old == PAGE_NOACCESS\n"
                        "x = 1\nx = x + 1\n";
    GError *error = NULL;
    VsScript *script = vs_script_parse("t.vsim", text, strlen(text), &error);
    assert_non_null(script);
    vs_script_free(script);
    assert_check_error("expect r == 0\nr = 1\n",
                       "t.vsim:1:8: error: 'r' has no value yet: it is first assigned on line 2\n"
                       "expect r == 0\n       ^");
    /* A short name is suggested only a name it is close to: 'p' is not a typo of 's'. */
    assert_check_error("s = 1\nx = p\n",
                       "t.vsim:2:5: error: 'p' is not a variable or a known constant\nx = p\n"
                       "    ^");
    assert_check_error("buffer = 1\nx = bufer\n",
                       "t.vsim:2:5: error: 'bufer' is not a variable or a known constant; did "
                       "you mean 'buffer'?\nx = bufer\n    ^");
}

/* The system is decided by its line, which comes first: a call or a view of the other system,
 * errno in Windows, an option out of range, a second or late 'system' line are mistakes. */
static void test_the_system_line_decides_what_a_file_may_say(void **state)
{
    (void)state;
    assert_check_error("p = mmap(NULL, 4K, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n",
                       "t.vsim:1:5: error: mmap is a Linux call; this scenario's system is x64\n"
                       "p = mmap(NULL, 4K, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
                       "    ^");
    assert_check_error("system x86\nfork()\n",
                       "t.vsim:2:1: error: fork is a Linux call; this scenario's system is x86\n"
                       "fork()\n^");
    assert_check_error("system linux-x64\np = VirtualAlloc(NULL, 4K, MEM_COMMIT, "
                       "PAGE_READWRITE)\n",
                       "t.vsim:2:5: error: VirtualAlloc is a Windows call; this scenario's system "
                       "is linux-x64\np = VirtualAlloc(NULL, 4K, MEM_COMMIT, PAGE_READWRITE)\n"
                       "    ^");
    assert_check_error("x = errno\n",
                       "t.vsim:1:5: error: errno is Linux's; this scenario's system is x64: "
                       "GetLastError() reads the last error\nx = errno\n    ^");
    assert_check_error("show maps\n",
                       "t.vsim:1:1: error: show maps is Linux's (/proc/PID/maps); this "
                       "scenario's system is x64 (show vad and show pte show its VADs and "
                       "PTEs)\nshow maps\n^");
    assert_check_error("p = VirtualAlloc(NULL, 1, MEM_RESERVE, PAGE_READWRITE)\nsystem x86\n",
                       "t.vsim:2:1: error: 'system' must come before anything that uses the "
                       "system\nsystem x86\n^");
    assert_check_error("system x64 ram=4K\n", "t.vsim:1:1: error: ram must be whole pages from "
                                              "64K to 4G\nsystem x64 ram=4K\n^");
    assert_check_error("system x64 processors=0\n",
                       "t.vsim:1:1: error: processors must be from 1 to 64\n"
                       "system x64 processors=0\n^");
    assert_check_error("system x64 readahead=8M\n",
                       "t.vsim:1:1: error: readahead is a Linux option: it needs system "
                       "linux-x64\nsystem x64 readahead=8M\n^");
    assert_check_error("system x64 execonly=pkey\n",
                       "t.vsim:1:1: error: execonly is a Linux option: it needs system "
                       "linux-x64\nsystem x64 execonly=pkey\n^");
    assert_check_error("system linux-x64 readahead=6000\n",
                       "t.vsim:1:1: error: readahead must be whole pages from 4K to 1G\n"
                       "system linux-x64 readahead=6000\n^");
    assert_check_error("system linux-x64 filealign=64K\n",
                       "t.vsim:1:1: error: filealign must be 2M (the file system aligns big "
                       "mappings, as ext4) or 4K (it does not, as tmpfs)\n"
                       "system linux-x64 filealign=64K\n^");
    assert_check_error("system linux-x64 filemax=0x8000000000000000\n",
                       "t.vsim:1:1: error: filemax must be from 4K to 2^63 - 1 bytes\n"
                       "system linux-x64 filemax=0x8000000000000000\n^");
    assert_check_error("system x64 filemax=16T\n",
                       "t.vsim:1:1: error: filemax is a Linux option: it needs system "
                       "linux-x64\nsystem x64 filemax=16T\n^");
    /* A Linux file whose system line comes late: that one mistake, not every Linux call. */
    assert_check_error("title \"t\"\nx = 1\nsystem linux-x64\np = mmap(NULL, 4K, PROT_READ, "
                       "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n",
                       "t.vsim:3:1: error: 'system' must come before anything that uses the "
                       "system\nsystem linux-x64\n^");
}

/* A file with ten different mistakes reports all ten (and the warning), in order, and runs
 * nothing: the syntax errors of the lexer and the parser and the checker's alike. */
static void test_a_file_with_ten_mistakes_reports_all_ten(void **state)
{
    (void)state;
    const char text[] = "system x64 ram=4K\n"
                        "p = VirtualAloc(NULL, 64K, MEM_RESERVE, PAGE_READWRITE)\n"
                        "q = VirtualAlloc(NULL, 64K, MEM_RESERV, PAGE_READWRITE)\n"
                        "expect VirtualQuery(q).RegionSise == 64K\n"
                        "show vads\n"
                        "expect r == 0\n"
                        "r = 1\n"
                        "ok = VirtualFree(q, 0)\n"
                        "m = mmap(NULL, 4K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)\n"
                        "note \"a\\q\"\n"
                        "x = (1 +\n"
                        "expect VirtualQuery(q).Protect == PAGE_READWRITE | PAGE_GUARD\n";
    VsDiagnostics diags;
    vs_diagnostics_init(&diags);
    assert_null(vs_script_check("t.vsim", text, strlen(text), &diags));
    assert_int_equal(diags.errors, 10);
    assert_int_equal(diags.warnings, 1);
    static const unsigned lines[] = {1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12};
    assert_int_equal(diags.items->len, G_N_ELEMENTS(lines));
    for (guint i = 0; i < diags.items->len; i++)
        assert_int_equal(g_array_index(diags.items, VsDiagnostic, i).pos.line, lines[i]);
    g_autofree char *all = vs_diagnostics_text(&diags, FALSE, "t.vsim");
    assert_non_null(strstr(all, "\nt.vsim: 10 errors, 1 warning"));
    assert_non_null(strstr(all, "t.vsim:12:32: warning: "));
    vs_diagnostics_clear(&diags);
}

/* A comparison that is an operand of | & or ^ is bound first, as in C: a warning says what it
 * reads as and how to write either meaning; parentheses silence it. */
static void test_comparison_in_a_bitwise_operation_is_warned_of(void **state)
{
    (void)state;
    const char text[] = "p = VirtualAlloc(NULL, 4K, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE)\n"
                        "expect VirtualQuery(p).Protect == PAGE_READWRITE | PAGE_GUARD\n"
                        "expect (VirtualQuery(p).Protect == PAGE_READWRITE) | PAGE_GUARD\n"
                        "expect VirtualQuery(p).Protect == (PAGE_READWRITE | PAGE_GUARD)\n"
                        "expect PAGE_GUARD & p != 0\n";
    VsDiagnostics diags;
    vs_diagnostics_init(&diags);
    VsScript *script = vs_script_check("t.vsim", text, strlen(text), &diags);
    assert_non_null(script);
    assert_int_equal(script->warnings.warnings, 2);
    g_autofree char *warnings = vs_diagnostics_text(&script->warnings, FALSE, "t.vsim");
    assert_string_equal(
        warnings,
        "t.vsim:2:32: warning: '==' binds tighter than '|' (as in C), so this is "
        "(VirtualQuery(p).Protect == PAGE_READWRITE) | PAGE_GUARD, which is never 0: always "
        "true; to compare with the combined value write VirtualQuery(p).Protect == "
        "(PAGE_READWRITE | PAGE_GUARD), or put the comparison in parentheses to keep it\n"
        "expect VirtualQuery(p).Protect == PAGE_READWRITE | PAGE_GUARD\n"
        "                               ^\n"
        "t.vsim:5:23: warning: '!=' binds tighter than '&' (as in C), so this is PAGE_GUARD & "
        "(p != 0), which is always 0: always false; to compare with the combined value write "
        "(PAGE_GUARD & p) != 0, or put the comparison in parentheses to keep it\n"
        "expect PAGE_GUARD & p != 0\n"
        "                      ^\n"
        "t.vsim: 2 warnings");
    vs_script_free(script);
    vs_diagnostics_clear(&diags);
}

/* At the prompt, a 'show' names the run's variables (by their shapes) and constants; calls are
 * refused, since they would change the model outside the scenario. */
static void test_prompt_show_takes_the_files_expressions(void **state)
{
    (void)state;
    const char file[] = "p = VirtualAlloc(NULL, 4K, MEM_RESERVE, PAGE_READWRITE)\n";
    GError *error = NULL;
    VsScript *script = vs_script_parse("t.vsim", file, strlen(file), &error);
    assert_non_null(script);
    GHashTable *shapes = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_insert(shapes, "p", VS_SHAPE(VS_SHAPE_INT, 0));
    static const struct {
        const char *line;
        gboolean ok;
        const char *message;
    } cases[] = {
        {"show pte p + 4K\n", TRUE, NULL},
        {"show query p | PAGE_GUARD\n", TRUE, NULL},
        {"show pte q\n", FALSE, "(prompt):1:10: error: 'q' is not a variable or a known constant"},
        {"show query VirtualQuery(p).BaseAddress\n", FALSE,
         "(prompt):1:12: error: calls are not made at the prompt: VirtualQuery would change the "
         "model outside the scenario"},
        {"show maps\n", FALSE, "(prompt):1:1: error: show maps is Linux's"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VsDiagnostics diags;
        vs_diagnostics_init(&diags);
        VsScript *one =
            vs_script_parse_unchecked("(prompt)", cases[i].line, strlen(cases[i].line), &diags);
        assert_non_null(one);
        gboolean ok = vs_resolve_prompt(&one->source, &one->stmts[0], script, shapes, &diags);
        assert_int_equal(ok, cases[i].ok);
        if (cases[i].message) {
            g_autofree char *text = vs_diagnostics_text(&diags, TRUE, "(prompt)");
            assert_true(g_str_has_prefix(text, cases[i].message));
        }
        vs_diagnostics_clear(&diags);
        vs_script_free(one);
    }
    g_hash_table_destroy(shapes);
    vs_script_free(script);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_mistake_is_named),
        cmocka_unit_test(test_variables_have_values_from_their_assignment_on),
        cmocka_unit_test(test_the_system_line_decides_what_a_file_may_say),
        cmocka_unit_test(test_a_file_with_ten_mistakes_reports_all_ten),
        cmocka_unit_test(test_comparison_in_a_bitwise_operation_is_warned_of),
        cmocka_unit_test(test_prompt_show_takes_the_files_expressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
