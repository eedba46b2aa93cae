/*
 * test_scenario_run.c - the scenario runner (scenario/eval.c, runner.c, narrate.c, show.c): values,
 * calls with in/out arguments, expectations and their explanations, stepping back, and every
 * runtime error with its exact message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h" /* to break an invariant behind the model's back, once */
#include "runner.h"

typedef struct Run {
    VsScript *script;
    VsRunner *runner;
    GString *out;
    GError *error;
    gboolean ok;
} Run;

static Run *run_text(const char *text, VsRunVerbosity verbosity)
{
    Run *r = g_new0(Run, 1);
    r->script = vs_script_parse("t.vsim", text, strlen(text), &r->error);
    assert_non_null(r->script);
    r->out = g_string_new(NULL);
    r->runner = vs_runner_new(r->script, r->out, verbosity);
    r->ok = vs_runner_run_all(r->runner, &r->error);
    return r;
}

/* Every run leaves the model consistent, whatever the scenario did. */
static void run_free(Run *r)
{
    assert_true(vs_runner_check(r->runner));
    vs_runner_free(r->runner);
    vs_script_free(r->script);
    g_string_free(r->out, TRUE);
    g_clear_error(&r->error);
    g_free(r);
}

/* The run stops with exactly this runtime error. */
static void assert_runtime_error(const char *text, const char *message)
{
    Run *r = run_text(text, VS_RUN_QUIET);
    assert_false(r->ok);
    assert_int_equal(r->error->code, VS_SCENARIO_ERROR_RUNTIME);
    assert_string_equal(r->error->message, message);
    run_free(r);
}

static void test_expressions_and_constants(void **state)
{
    (void)state;
    Run *r = run_text("a = 10 - 3 - 2\n"
                      "expect a == 5\n"
                      "expect (1 << 4) + 0x10 * 2 == 48 && 7 / 2 == 3 && 7 % 2 == 1\n"
                      "expect ~0 == 0xFFFFFFFFFFFFFFFF && -1 == INVALID_HANDLE_VALUE\n"
                      "expect !FALSE && TRUE && NULL == 0\n"
                      "expect MEM_COMMIT == 0x1000 && PAGE_EXECUTE_READWRITE == 0x40\n"
                      "expect STATUS_NO_MEMORY == 0xC0000017 && ERROR_INVALID_ADDRESS == 487\n"
                      "expect 0 && 1 / 0\n" /* short-circuit: never evaluated */
                      "expect 1 || 1 / 0\n",
                      VS_RUN_QUIET);
    assert_true(r->ok);
    assert_int_equal(vs_runner_expectations(r->runner), 8);
    assert_int_equal(vs_runner_failures(r->runner), 1); /* "0 && ..." is false */
    run_free(r);
}

static void test_nt_calls_write_back_references(void **state)
{
    (void)state;
    Run *r = run_text("a = 0x12345678\n"
                      "s = 0x10\n"
                      "st = NtAllocateVirtualMemory(GetCurrentProcess(), &a, 0, &s, MEM_RESERVE, "
                      "PAGE_READWRITE)\n"
                      "expect st == STATUS_SUCCESS && a == 0x12340000 && s == 0x6000\n"
                      "c = VirtualAlloc(a, 4K, MEM_COMMIT, PAGE_READWRITE)\n"
                      "ok = VirtualProtect(c, 4K, PAGE_READONLY, &old)\n"
                      "expect ok && old == PAGE_READWRITE\n"
                      "st = NtProtectVirtualMemory(NtCurrentProcess(), &a, &s, PAGE_READWRITE, "
                      "&old)\n"
                      "expect st == STATUS_NOT_COMMITTED\n"
                      "b = c\n"
                      "z = 0x1000\n"
                      "st = NtProtectVirtualMemory(NtCurrentProcess(), &b, &z, PAGE_READWRITE, "
                      "&old)\n"
                      "expect st == 0 && old == PAGE_READONLY && b == c && z == 0x1000\n"
                      "ok = VirtualProtect(c, 4K, PAGE_READONLY, NULL)\n"
                      "expect !ok && GetLastError() == ERROR_NOACCESS\n"
                      "expect VirtualQuery(c).Protect == PAGE_READWRITE\n",
                      VS_RUN_QUIET);
    if (!r->ok)
        fprintf(stderr, "%s\n%s\n", r->error->message, r->out->str);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 0);
    assert_int_equal(vs_runner_expectations(r->runner), 6);
    run_free(r);
}

/* A failed expectation names its line and the values of its parts, and the run goes on. */
static void test_failed_expectation_explains_itself(void **state)
{
    (void)state;
    Run *r = run_text("p = VirtualAlloc(NULL, 4K, MEM_RESERVE, PAGE_READWRITE)\n"
                      "expect VirtualQuery(p).RegionSize == 8K\n"
                      "q = VirtualAlloc(p, 4K, MEM_RESERVE, PAGE_READWRITE)\n"
                      "expect q == p + 64K\n"
                      "expect TRUE\n",
                      VS_RUN_QUIET);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 2);
    assert_int_equal(vs_runner_expectations(r->runner), 3);
    assert_string_equal(vs_runner_first_failure(r->runner),
                        "t.vsim:2: expectation failed: VirtualQuery(p).RegionSize == 8K\n"
                        "      p = 0x10000\n"
                        "      VirtualQuery(p).RegionSize = 0x1000");
    assert_non_null(strstr(r->out->str, "t.vsim:4: expectation failed: q == p + 64K\n"
                                        "      q = 0\n"
                                        "      p = 0x10000\n"
                                        "      p + 64K = 0x20000\n"));
    run_free(r);
}

/* What only the run can know stops it with an error at its line: the checker saw the rest. */
/* With invariants on (vadsim check), the model's checker runs after every statement: a broken
 * invariant stops the run at the statement after it, naming the invariant and the line. */
static void test_invariants_after_every_statement(void **state)
{
    (void)state;
    const char *text = "step \"one\"\n"
                       "p = VirtualAlloc(NULL, 64K, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)\n"
                       "step \"two\"\n"
                       "write(p, 1)\n";
    GError *error = NULL;
    VsScript *script = vs_script_parse("t.vsim", text, strlen(text), &error);
    assert_non_null(script);
    GString *out = g_string_new(NULL);
    VsRunner *runner = vs_runner_new(script, out, VS_RUN_QUIET);
    vs_runner_set_invariants(runner, TRUE);
    gboolean finished = FALSE;
    assert_true(vs_runner_run_step(runner, &finished, &error)); /* step one */
    VsProcess *process = vs_thread_process(vs_runner_thread(runner));
    process->commit_charge += 1; /* behind the model's back */
    assert_false(vs_runner_run_step(runner, &finished, &error));
    assert_non_null(strstr(error->message, "t.vsim:4"));
    assert_non_null(strstr(error->message, "the model broke an invariant here"));
    process->commit_charge -= 1;
    g_clear_error(&error);
    vs_runner_free(runner);
    vs_script_free(script);
    g_string_free(out, TRUE);
}

static void test_runtime_errors(void **state)
{
    (void)state;
    assert_runtime_error("x = 1 / (2 - 2)\n",
                         "t.vsim:1:7: error: division by zero\nx = 1 / (2 - 2)\n      ^");
    assert_runtime_error("v = 256\nwrite(0x10000, v)\n",
                         "t.vsim:2:16: error: write stores one byte: the value must be 0 to 255, "
                         "not 256\nwrite(0x10000, v)\n               ^");
    assert_runtime_error("ok = GetProcessWorkingSetSize(0x1234, &lo, &hi)\nx = lo\n",
                         "t.vsim:2:5: error: 'lo' has no value: the call given '&lo' before this "
                         "line did not write it (it failed first)\nx = lo\n    ^");
}

/* The run stops with a runtime error whose message holds these words. */
static void assert_error_says(const char *text, const char *words)
{
    Run *r = run_text(text, VS_RUN_QUIET);
    assert_false(r->ok);
    assert_non_null(strstr(r->error->message, words));
    run_free(r);
}

/* A synchronous ConnectNamedPipe or ReadFile of a pipe leaves its thread waiting: the call has no
 * value until a later call completes it, at the end of whose statement it returns; the waiting
 * thread makes no calls meanwhile; such a call stands alone or is assigned; a wait nothing can
 * end is an error. */
static void test_waiting_calls(void **state)
{
    (void)state;
    const char *pipe =
        "r = CreateNamedPipe(\"\\\\\\\\.\\\\pipe\\\\p\", PIPE_ACCESS_INBOUND, 0, 1, 64, "
        "64, 0, NULL)\nt = CreateThread(NULL, 0, NULL, NULL, 0, NULL)\n";
    g_autofree char *completed = g_strconcat(
        pipe,
        "as t: ok = ConnectNamedPipe(r, NULL)\n"
        "w = CreateFile(\"\\\\\\\\.\\\\pipe\\\\p\", GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, "
        "NULL)\nexpect ok == 1\n",
        NULL);
    Run *r = run_text(completed, VS_RUN_EXPLAIN);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 0);
    assert_non_null(strstr(r->out->str, "the ConnectNamedPipe t made on line 3 returns: = 1"));
    run_free(r);
    g_autofree char *early =
        g_strconcat(pipe, "as t: ok = ConnectNamedPipe(r, NULL)\nx = ok\n", NULL);
    assert_error_says(early, "'ok' has no value yet: the ConnectNamedPipe made on line 3");
    g_autofree char *busy =
        g_strconcat(pipe, "as t: ConnectNamedPipe(r, NULL)\nas t: GetLastError()\n", NULL);
    assert_error_says(busy, "t waits in the ConnectNamedPipe it made on line 3");
    g_autofree char *ended =
        g_strconcat(pipe, "as t: ConnectNamedPipe(r, NULL)\nthread_exit(t, 0)\n", NULL);
    assert_error_says(ended, "t waits in the ConnectNamedPipe it made on line 3");
    g_autofree char *inside = g_strconcat(pipe, "as t: expect ConnectNamedPipe(r, NULL)\n", NULL);
    assert_error_says(inside, "ConnectNamedPipe leaves its thread waiting here");
    assert_error_says(
        "e = CreateEvent(NULL, TRUE, FALSE, NULL)\nWaitForSingleObject(e, INFINITE)\n",
        "WaitForSingleObject would wait for ever");
}

/* A failed call is told with the rule it broke, read from the state, and a STATUS_INVALID_
 * PARAMETER_N names the parameter of the call as written, not of the NT call under it. */
static void test_failed_calls_name_the_rule(void **state)
{
    (void)state;
    Run *r = run_text("p = VirtualAlloc(NULL, -1, MEM_RESERVE, PAGE_READWRITE)\n"
                      "h = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 192K, "
                      "NULL)\n"
                      "ph = VirtualAlloc2(NULL, NULL, 192K, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, "
                      "PAGE_NOACCESS, NULL, 0)\n"
                      "v = MapViewOfFile3(h, NULL, ph, 0, 64K, MEM_REPLACE_PLACEHOLDER, "
                      "PAGE_READWRITE, NULL, 0)\n"
                      "ok = VirtualFree(ph, 64K, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER)\n"
                      "v = MapViewOfFile3(h, NULL, ph, 0, 64K, MEM_REPLACE_PLACEHOLDER, "
                      "PAGE_READWRITE, NULL, 0)\n"
                      "expect v == ph\n",
                      VS_RUN_EXPLAIN);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 0);
    assert_non_null(strstr(r->out->str, "(from STATUS_INVALID_PARAMETER_4: VirtualAlloc's second "
                                        "parameter, size (0xFFFFFFFFFFFFFFFF), is not valid "
                                        "(NtAllocateVirtualMemory, which it calls, reports its "
                                        "fourth))\n"));
    assert_non_null(strstr(r->out->str, "      rule: a placeholder is replaced whole, and the one "
                                        "at the address is 0x10000-0x3FFFF (48 pages) while the "
                                        "call asks for 0x10000-0x1FFFF (16 pages). Instead: split "
                                        "it first: VirtualFree(0x10000, 0x10000, MEM_RELEASE | "
                                        "MEM_PRESERVE_PLACEHOLDER) makes that range a placeholder "
                                        "of its own.\n"));
    run_free(r);
    r = run_text("system linux-x64\n"
                 "p = mmap(NULL, 16K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)\n"
                 "x = munmap(p + 1, 4K)\n"
                 "q = mmap(p, 4K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, "
                 "-1, 0)\n",
                 VS_RUN_EXPLAIN);
    assert_true(r->ok);
    assert_non_null(strstr(r->out->str, "rule: munmap's address is a multiple of the page size "
                                        "(4 KB), and 0x7EFFFFFFC001 is not."));
    assert_non_null(strstr(r->out->str, "rule: MAP_FIXED_NOREPLACE never replaces a mapping, and "
                                        "the VMA 0x7EFFFFFFC000-0x7EFFFFFFFFFF (4 pages) is in the "
                                        "way."));
    run_free(r);
    /* NtQueryVirtualMemory with its buffer in the process: the probe's refusal is told in the
     * call's own order (after the class and the length), and a pointer's alignment. */
    r = run_text(
        "b = VirtualAlloc(NULL, 64K, MEM_COMMIT, PAGE_READWRITE)\n"
        "x = NtQueryVirtualMemory(NtCurrentProcess(), b, MemoryBasicInformation, NULL, 48, "
        "NULL)\n"
        "y = NtQueryVirtualMemory(NtCurrentProcess(), b, MemoryBasicInformation, b + 4, 48, "
        "NULL)\n"
        "expect x == STATUS_ACCESS_VIOLATION && y == STATUS_DATATYPE_MISALIGNMENT\n",
        VS_RUN_EXPLAIN);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 0);
    assert_non_null(strstr(r->out->str, "rule: NtQueryVirtualMemory probes its buffer for writing "
                                        "before it checks the address or the process handle "
                                        "(after the class and the length): all 0x30 bytes from "
                                        "0x0"));
    assert_non_null(strstr(r->out->str, "the buffer must start on a pointer's boundary (a "
                                        "ULONG_PTR's), and this one does not."));
    run_free(r);
}

/* The Linux calls: C's results, errno, the signal a bad access raises, mincore's record, and the
 * children fork() makes, named child, child2, ... */
static void test_linux_calls(void **state)
{
    (void)state;
    Run *r =
        run_text("system linux-x64\n"
                 "p = mmap(NULL, 16K, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
                 "expect p != MAP_FAILED && p % 4K == 0\n"
                 "write(p, 7)\n"
                 "expect exception == 0 && read(p) == 7\n"
                 "expect mprotect(p + 4K, 4K, PROT_READ) == 0\n"
                 "write(p + 4K, 1)\n"
                 "expect exception == SIGSEGV\n"
                 "x = munmap(p + 1, 4K)\n"
                 "expect x == -1 && errno == EINVAL\n"
                 "v = mincore(p, 16K)\n"
                 "expect v == 0 && v.Resident == 1 && v.Pages == 1\n"
                 "q = mmap(NULL, 4K, PROT_READ, MAP_SHARED, 42, 0)\n"
                 "expect q == MAP_FAILED && errno == EBADF\n"
                 "fd = memfd_create(\"buf\", MFD_CLOEXEC)\n"
                 "expect fd == 3 && ftruncate(fd, 8K) == 0 && close(fd) == 0\n"
                 "pid = fork()\n"
                 "expect pid != -1 && pid != getpid()\n"
                 "process child\n"
                 "expect getpid() == pid && read(p) == 7\n"
                 "fork()\n"
                 "process child2\n"
                 "expect read(p) == 7\n"
                 "show maps\n"
                 "show pagemap p\n",
                 VS_RUN_EXPLAIN);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 0);
    assert_non_null(strstr(r->out->str, "= -1: munmap failed: EINVAL (22): Invalid argument"));
    assert_non_null(strstr(r->out->str, "= 0xb: raised SIGSEGV (11)"));
    assert_non_null(strstr(r->out->str, "the child is process 'child'"));
    assert_non_null(strstr(r->out->str, "the child is process 'child2'"));
    assert_non_null(strstr(r->out->str, "a new VMA maps"));
    assert_non_null(strstr(r->out->str, "7effffffc000-7effffffd000 rw-p 00000000 00:00 0\n"));
    assert_non_null(strstr(r->out->str, "present, pfn"));
    run_free(r);
}

/* read/write go through the fault path; 'exception' holds what the last access raised. */
static void test_memory_access(void **state)
{
    (void)state;
    Run *r = run_text("expect exception == STATUS_SUCCESS\n"
                      "p = VirtualAlloc(NULL, 64K, MEM_RESERVE, PAGE_READWRITE)\n"
                      "write(p + 0x10, 42)\n"
                      "expect exception == STATUS_ACCESS_VIOLATION\n"
                      "c = VirtualAlloc(p, 4K, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD)\n"
                      "x = read(p + 0x10)\n"
                      "expect exception == STATUS_GUARD_PAGE_VIOLATION && x == 0\n"
                      "write(p + 0x10, 42)\n"
                      "expect exception == STATUS_SUCCESS && read(p + 0x10) == 42\n",
                      VS_RUN_EXPLAIN);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 0);
    assert_non_null(strstr(r->out->str, "raised STATUS_ACCESS_VIOLATION"));
    assert_non_null(strstr(r->out->str, "demand-zero fault ("));
    run_free(r);
}

/* A small machine runs out of frames: the access raises STATUS_INSUFFICIENT_RESOURCES. */
static void test_ram_option(void **state)
{
    (void)state;
    /* 16 frames: the page directory, KUSER_SHARED_DATA's table and p's table leave 13; a
     * one-page page file takes one dirty page, so the 15th page finds no frame. */
    GString *text = g_string_new("system x86 ram=64K pagefile=4K processors=2\n"
                                 "p = VirtualAlloc(NULL, 64K, MEM_RESERVE | MEM_COMMIT, "
                                 "PAGE_READWRITE)\n");
    for (int i = 0; i < 13; i++)
        g_string_append_printf(text, "write(p + %dK, 1)\nexpect exception == STATUS_SUCCESS\n",
                               4 * i);
    g_string_append(text, "write(p + 52K, 1)\nexpect exception == STATUS_SUCCESS\n"
                          "write(p + 56K, 1)\nexpect exception == STATUS_INSUFFICIENT_RESOURCES\n");
    Run *r = run_text(text->str, VS_RUN_QUIET);
    g_string_free(text, TRUE);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 0);
    run_free(r);
}

/* The architecture line and several processes. */
static void test_system_and_processes(void **state)
{
    (void)state;
    Run *r = run_text("title \"t\"\n"
                      "system x86\n"
                      "p = VirtualAlloc(NULL, 1, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE)\n"
                      "expect p == 0x7FFD0000\n"
                      "process B\n"
                      "q = VirtualAlloc(NULL, 1, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE)\n"
                      "expect q == 0x7FFD0000\n"
                      "process main\n"
                      "expect VirtualQuery(p).State == MEM_RESERVE\n",
                      VS_RUN_QUIET);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 0);
    run_free(r);
}

/* Stepping back replays: step 2 after going back prints what it printed the first time. */
static void test_goto_step_replays_exactly(void **state)
{
    (void)state;
    const char *text = "step \"one\"\np = VirtualAlloc(NULL, 64K, MEM_RESERVE, PAGE_READWRITE)\n"
                       "step \"two\"\nq = VirtualAlloc(p, 4K, MEM_COMMIT, PAGE_READWRITE)\n"
                       "show commit\n"
                       "step \"three\"\nok = VirtualFree(p, 0, MEM_RELEASE)\n";
    GError *error = NULL;
    VsScript *script = vs_script_parse("t.vsim", text, strlen(text), &error);
    GString *out = g_string_new(NULL);
    VsRunner *runner = vs_runner_new(script, out, VS_RUN_EXPLAIN);
    gboolean finished;
    assert_true(vs_runner_run_step(runner, &finished, &error)); /* step one */
    g_string_truncate(out, 0);
    assert_true(vs_runner_run_step(runner, &finished, &error));
    g_autofree char *first = g_strdup(out->str);
    assert_int_equal(vs_runner_step(runner), 2);
    assert_true(vs_runner_run_step(runner, &finished, &error));
    assert_true(finished);
    /* Back to step 2 and run it again. */
    assert_true(vs_runner_goto_step(runner, 2, &error));
    assert_int_equal(vs_runner_step(runner), 1);
    g_string_truncate(out, 0);
    assert_true(vs_runner_run_step(runner, &finished, &error));
    assert_string_equal(out->str, first);
    assert_non_null(strstr(first, "commit charge 1 pages"));
    vs_runner_free(runner);
    g_string_free(out, TRUE);
    vs_script_free(script);
}

/* Two processes map one section: a writer's read-write view and a reader's read-only one. */
static const char two_views[] =
    "system x64 ram=1M pagefile=1M\n"
    "process writer\n"
    "h = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 64K, \"Shared\")\n"
    "v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0)\n"
    "write(v, 0x42)\n"
    "process reader\n"
    "r = OpenFileMapping(FILE_MAP_READ, FALSE, \"Shared\")\n"
    "w = MapViewOfFile(r, FILE_MAP_READ, 0, 0, 0)\n"
    "expect read(w) == 0x42\n";

/* The frame `show section` says holds the section's first page. */
static uint64_t first_page_frame(const char *out)
{
    const char *line = strstr(out, "page 0:");
    assert_non_null(line);
    const char *pfn = strstr(line, "pfn ");
    assert_non_null(pfn);
    return g_ascii_strtoull(pfn + 4, NULL, 16);
}

/* `show section` prints the section, its prototype PTEs (runs of identical ones on one line) and
 * every view of it in every process. */
static void test_show_section_lists_prototypes_and_every_view(void **state)
{
    (void)state;
    g_autofree char *text = g_strconcat(two_views, "show section r\n", NULL);
    Run *r = run_text(text, VS_RUN_EXPLAIN);
    if (!r->ok)
        fprintf(stderr, "%s\n", r->error->message);
    assert_true(r->ok);
    assert_int_equal(vs_runner_failures(r->runner), 0);
    const char *out = strstr(r->out->str, "show section r\n");
    assert_non_null(out);
    assert_non_null(strstr(out, "Section 1 \"Shared\"  pagefile-backed  size 0x10000 (16 pages)  "
                                "PAGE_READWRITE  SEC_COMMIT\n"));
    assert_non_null(strstr(out, "committed 16 pages of system commit  handles 2  views 2\n"));
    assert_non_null(strstr(out, "valid in 2 views  PAGE_READWRITE\n"));
    assert_non_null(strstr(out, "pages 1-f: contains 0000000000000080  DemandZero  Protect: "
                                "PAGE_READWRITE\n"));
    assert_non_null(strstr(out, "Mapped by:\n"));
    assert_non_null(strstr(out, "      writer (pid 4)  0x10000-0x1FFFF  section pages 0-f  "
                                "PAGE_READWRITE\n"));
    assert_non_null(strstr(out, "      reader (pid "));
    assert_non_null(strstr(out, "  0x10000-0x1FFFF  section pages 0-f  PAGE_READONLY\n"));
    run_free(r);
}

/* `show pfn` of a section page's frame names the section page and every process PTE mapping it,
 * each with its own protection; once no view holds it valid, none. */
static void test_show_pfn_lists_every_pte_mapping_a_shared_frame(void **state)
{
    (void)state;
    g_autofree char *text = g_strconcat(two_views, "show section r\n", NULL);
    Run *r = run_text(text, VS_RUN_EXPLAIN);
    assert_true(r->ok);
    uint64_t frame = first_page_frame(strstr(r->out->str, "show section r\n"));
    g_string_truncate(r->out, 0);
    assert_true(vs_runner_show(r->runner, "pfn", frame, &r->error));
    assert_non_null(strstr(r->out->str, "active  page 0 of section 1 \"Shared\" (its prototype "
                                        "PTE)\n      share count 2  reference count 1"));
    assert_non_null(strstr(r->out->str, "      mapped by writer (pid 4) at 0x10000  "
                                        "PAGE_READWRITE\n"));
    assert_non_null(strstr(r->out->str, ") at 0x10000  PAGE_READONLY\n"));
    assert_non_null(strstr(r->out->str, "      mapped by reader (pid "));
    run_free(r);

    /* Both working sets emptied: the frame is on the modified list, named by no process PTE. */
    g_autofree char *trimmed =
        g_strconcat(two_views, "ok = EmptyWorkingSet(GetCurrentProcess())\n", "process writer\n",
                    "ok = EmptyWorkingSet(GetCurrentProcess())\n", NULL);
    r = run_text(trimmed, VS_RUN_QUIET);
    assert_true(r->ok);
    assert_true(vs_runner_show(r->runner, "pfn", frame, &r->error));
    assert_non_null(strstr(r->out->str, "modified  page 0 of section 1"));
    assert_non_null(strstr(r->out->str, "mapped by no process PTE: the prototype PTE is a "
                                        "transition PTE"));
    assert_null(strstr(r->out->str, "mapped by writer"));
    run_free(r);
}

/* `show section` of a handle that names no section stops the run with an error at its line. */
static void test_show_section_of_other_handles_is_an_error(void **state)
{
    (void)state;
    assert_runtime_error("p = VirtualAlloc(NULL, 4K, MEM_COMMIT, PAGE_READWRITE)\n"
                         "show section p\n",
                         "t.vsim:2:14: error: 0x10000 is not a section handle in process main "
                         "(CreateFileMapping and OpenFileMapping return one)\n"
                         "show section p\n             ^");
    assert_runtime_error("show section GetCurrentProcess()\n",
                         "t.vsim:1:14: error: 0xFFFFFFFFFFFFFFFF is not a section handle in "
                         "process main (it names a process)\n"
                         "show section GetCurrentProcess()\n             ^");
    assert_runtime_error("h = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, "
                         "4K, NULL)\nok = CloseHandle(h)\nshow section h\n",
                         "t.vsim:3:14: error: 0x4 is not a section handle in process main "
                         "(CreateFileMapping and OpenFileMapping return one)\n"
                         "show section h\n             ^");
    assert_runtime_error("show pfn 0x100000\n",
                         "t.vsim:1:10: error: there is no frame 0x100000: this machine has 65536 "
                         "(0 to 0xFFFF)\nshow pfn 0x100000\n         ^");
    GError *error = NULL;
    assert_null(vs_script_parse("t.vsim", "show section\n", 13, &error));
    assert_string_equal(error->message, "t.vsim:1:13: error: this 'show' needs a section handle, "
                                        "found end of line\nshow section\n            ^");
    g_error_free(error);
}

/* A call through a process handle acts in the process the handle names: the view MapViewOfFile3
 * maps there is measured there, and a later call's outcome notes the VAD there (its extent, Type
 * and State before the call), not whatever the caller has at the same address. */
static void test_op_outcome_follows_the_process_handle(void **state)
{
    (void)state;
    VsSystem *system = vs_system_create(&(VsSystemConfig){.arch = VS_ARCH_X64});
    VsThread *other = vs_process_main_thread(vs_process_create(system, "other"));
    VsThread *main_thread = vs_process_main_thread(vs_process_create(system, "main"));
    VsHandle o =
        VsOpenProcess(main_thread, PROCESS_ALL_ACCESS, false, VsGetCurrentProcessId(other));
    VsHandle h =
        VsCreateFileMapping(main_thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0x30000, NULL);
    assert_true(o && h);
    /* The caller has private memory where the view will land in the other process. */
    uint64_t mine =
        VsVirtualAlloc(main_thread, 0, 0x10000, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    VsOp map = {.kind = VS_OP_MAP_VIEW_OF_FILE_3,
                .arg = {h, o, 0, 0, 0x30000, 0, PAGE_READWRITE, 0, 0}};
    assert_ptr_equal(vs_op_process(main_thread, &map), vs_thread_process(other));
    VsOutcome outcome;
    vs_op_execute(main_thread, &map, &outcome);
    assert_int_equal(outcome.ret, mine);
    assert_int_equal(outcome.made_size, 0x30000);
    VsOp query = {.kind = VS_OP_VIRTUAL_QUERY_EX, .arg = {o, mine + 0x10000}};
    vs_op_execute(main_thread, &query, &outcome);
    assert_int_equal(outcome.vad_start, mine);
    assert_int_equal(outcome.vad_end, mine + 0x30000);
    assert_int_equal(outcome.region_type, MEM_MAPPED);
    assert_int_equal(outcome.region_state, MEM_COMMIT);
    /* VirtualAlloc2 takes a NULL process as the caller's; a handle naming nothing, as nobody's. */
    VsOp alloc2 = {.kind = VS_OP_VIRTUAL_ALLOC_2, .arg = {0, mine, 0x1000, MEM_COMMIT, 4}};
    assert_ptr_equal(vs_op_process(main_thread, &alloc2), vs_thread_process(main_thread));
    VsOp unmap = {.kind = VS_OP_UNMAP_VIEW_OF_FILE_2, .arg = {0x1234, mine, 0}};
    assert_null(vs_op_process(main_thread, &unmap));
    char why[512];
    assert_true(vs_check(system, why, sizeof why));
    vs_system_destroy(system);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expressions_and_constants),
        cmocka_unit_test(test_nt_calls_write_back_references),
        cmocka_unit_test(test_failed_expectation_explains_itself),
        cmocka_unit_test(test_runtime_errors),
        cmocka_unit_test(test_invariants_after_every_statement),
        cmocka_unit_test(test_waiting_calls),
        cmocka_unit_test(test_failed_calls_name_the_rule),
        cmocka_unit_test(test_linux_calls),
        cmocka_unit_test(test_memory_access),
        cmocka_unit_test(test_ram_option),
        cmocka_unit_test(test_system_and_processes),
        cmocka_unit_test(test_goto_step_replays_exactly),
        cmocka_unit_test(test_show_section_lists_prototypes_and_every_view),
        cmocka_unit_test(test_show_pfn_lists_every_pte_mapping_a_shared_frame),
        cmocka_unit_test(test_show_section_of_other_handles_is_an_error),
        cmocka_unit_test(test_op_outcome_follows_the_process_handle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
