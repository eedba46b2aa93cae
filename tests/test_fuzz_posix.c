/*
 * test_fuzz_posix.c - the POSIX fuzz generator's protection-key calls (verify/posix/generate.c),
 * which it makes only on a CPU with keys: no machine here need have them (the agent's hello says
 * whether it does), so the model stands for one (execonly=pkey) and the calls are checked as
 * generated, then made in the model with its invariant checker after each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "fuzz.h"
#include "posix.h"

#define CALLS 6000

/* FNV-1a over what a generated call is: its kind, arguments and names. */
static guint64 fingerprint(guint64 hash, const VsFuzzCall *c)
{
    const int64_t words[] = {c->op.kind, c->base, c->base2, c->handle_of, c->process};
    const unsigned char *parts[] = {(const unsigned char *)words, (const unsigned char *)c->op.arg};
    const size_t sizes[] = {sizeof words, sizeof c->op.arg};
    for (size_t p = 0; p < 2; p++)
        for (size_t i = 0; i < sizes[p]; i++)
            hash = (hash ^ parts[p][i]) * 0x100000001b3ull;
    return hash;
}

/* How many calls of each kind the generator makes in CALLS, for a model machine with keys or
 * without (a run as fuzz.c starts one, without running the calls: only key 0 is allocated). */
static guint64 count_generated(bool keys, bool thp, guint counts[VS_OP_COUNT], guint *bad)
{
    const VsGenerator *g = &vs_posix_generator;
    VsSystem *system = vs_system_create(&(VsSystemConfig){.arch = VS_ARCH_X64,
                                                          .personality = vs_linux_personality(),
                                                          .execute_only_pkey = keys,
                                                          .thp = VS_THP_NEVER});
    assert_non_null(system);
    VsProcess *process = vs_process_create(system, "main");
    assert_non_null(process);
    VsFuzzRun run = {.system = system,
                     .thread = vs_process_main_thread(process),
                     .caller = VS_FUZZ_ABSOLUTE,
                     .values = g_array_new(FALSE, TRUE, sizeof(uint64_t)),
                     .live = g_array_new(FALSE, FALSE, sizeof(VsFuzzLive)),
                     .thp = thp};
    assert_int_equal(vs_linux_exec_stack(run.thread), 0);
    run.generator = g->start(&run);
    VsRng rng = {11};
    memset(counts, 0, sizeof(guint) * VS_OP_COUNT);
    *bad = 0;
    guint64 print = 0xcbf29ce484222325ull;
    for (guint id = g->prefix_calls; id < g->prefix_calls + CALLS; id++) {
        VsFuzzCall c = g->generate(&run, &rng, id);
        counts[c.op.kind]++;
        print = fingerprint(print, &c);
        /* Key 0 is the agent's own memory's: never freed, never given rights. */
        *bad += (c.op.kind == VS_OP_PKEY_FREE && c.op.arg[0] == 0) ||
                (c.op.kind == VS_OP_PKEY_SET && c.op.arg[0] == 0 && c.op.arg[1] != 0);
    }
    g->finish(run.generator);
    g_array_free(run.values, TRUE);
    g_array_free(run.live, TRUE);
    vs_system_destroy(system);
    return print;
}

/* With keys, every protection-key call is made, none on key 0 that the agent would refuse. */
static void test_keys_generated(void **state)
{
    (void)state;
    guint counts[VS_OP_COUNT], bad;
    /* The calls as they were before huge pages were fuzzed (the sequence's fingerprint). */
    assert_int_equal(count_generated(true, false, counts, &bad), 0x705771aabf80e6a2ull);
    const VsOpKind kinds[] = {VS_OP_PKEY_ALLOC, VS_OP_PKEY_FREE, VS_OP_PKEY_MPROTECT,
                              VS_OP_PKEY_SET, VS_OP_PKEY_GET};
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
        assert_true(counts[kinds[i]] > 5);
    assert_int_equal(bad, 0);
}

/* Without keys, none: a seed's calls are those it had before keys were fuzzed (and, without huge
 * pages, before those were). */
static void test_no_keys_no_calls(void **state)
{
    (void)state;
    guint counts[VS_OP_COUNT], bad;
    assert_int_equal(count_generated(false, false, counts, &bad), 0x8f382afc6599c858ull);
    assert_int_equal(counts[VS_OP_PKEY_ALLOC] + counts[VS_OP_PKEY_FREE] +
                         counts[VS_OP_PKEY_MPROTECT] + counts[VS_OP_PKEY_SET] +
                         counts[VS_OP_PKEY_GET],
                     0);
}

/* The calls made in the model alone, on a CPU with keys: no broken invariant in two seeds. */
static void test_keys_run_in_the_model(void **state)
{
    (void)state;
    for (guint64 seed = 3; seed <= 4; seed++) {
        VsFuzzOptions o = {
            .backend = &vs_backend_posix, .seed = seed, .calls = 4000, .model_pkeys = true};
        VsFuzzReport report;
        GError *error = NULL;
        assert_true(vs_fuzz_run(&o, &report, &error));
        if (report.found)
            fail_msg("seed %" G_GUINT64_FORMAT ": %s", seed, report.finding);
        assert_int_equal(report.calls, 4000);
        vs_fuzz_report_clear(&report);
    }
}

/* With huge pages (the model alone, --thp=madvise), calls that stress them: 2 MB mappings given
 * MADV_HUGEPAGE, MADV_COLLAPSE, more forks; and those calls run in the model with no broken
 * invariant. */
static void test_huge_pages_generated(void **state)
{
    (void)state;
    guint counts[VS_OP_COUNT], bad, before[VS_OP_COUNT];
    count_generated(false, false, before, &bad);
    assert_int_not_equal(count_generated(false, true, counts, &bad), 0x8f382afc6599c858ull);
    assert_true(counts[VS_OP_FORK] > before[VS_OP_FORK]);
    assert_true(counts[VS_OP_MADVISE] > before[VS_OP_MADVISE]);
    assert_true(counts[VS_OP_MREMAP] > before[VS_OP_MREMAP]);
    for (guint64 seed = 1; seed <= 2; seed++) {
        VsFuzzOptions o = {
            .backend = &vs_backend_posix, .seed = seed, .calls = 3000, .model_thp = true};
        VsFuzzReport report;
        GError *error = NULL;
        assert_true(vs_fuzz_run(&o, &report, &error));
        if (report.found)
            fail_msg("seed %" G_GUINT64_FORMAT ": %s", seed, report.finding);
        assert_int_equal(report.calls, 3000);
        vs_fuzz_report_clear(&report);
    }
}

/* Huge pages are the model's alone: with an agent, or the Win32 calls, the run is refused. */
static void test_huge_pages_model_alone(void **state)
{
    (void)state;
    VsAgentCommand agent = {0};
    const VsFuzzOptions refused[] = {
        {.backend = &vs_backend_posix, .seed = 1, .calls = 10, .model_thp = true, .agent = &agent},
        {.backend = &vs_backend_win32, .seed = 1, .calls = 10, .model_thp = true},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        VsFuzzReport report;
        GError *error = NULL;
        assert_false(vs_fuzz_run(&refused[i], &report, &error));
        assert_non_null(strstr(error->message, "model alone"));
        g_error_free(error);
        vs_fuzz_report_clear(&report);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_generated),         cmocka_unit_test(test_no_keys_no_calls),
        cmocka_unit_test(test_keys_run_in_the_model),  cmocka_unit_test(test_huge_pages_generated),
        cmocka_unit_test(test_huge_pages_model_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
