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

/* How many calls of each kind the generator makes in CALLS, for a model machine with keys or
 * without (a run as fuzz.c starts one, without running the calls: only key 0 is allocated). */
static void count_generated(bool keys, guint counts[VS_OP_COUNT], guint *bad)
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
                     .live = g_array_new(FALSE, FALSE, sizeof(VsFuzzLive))};
    assert_int_equal(vs_linux_exec_stack(run.thread), 0);
    run.generator = g->start(&run);
    VsRng rng = {11};
    memset(counts, 0, sizeof(guint) * VS_OP_COUNT);
    *bad = 0;
    for (guint id = g->prefix_calls; id < g->prefix_calls + CALLS; id++) {
        VsFuzzCall c = g->generate(&run, &rng, id);
        counts[c.op.kind]++;
        /* Key 0 is the agent's own memory's: never freed, never given rights. */
        *bad += (c.op.kind == VS_OP_PKEY_FREE && c.op.arg[0] == 0) ||
                (c.op.kind == VS_OP_PKEY_SET && c.op.arg[0] == 0 && c.op.arg[1] != 0);
    }
    g->finish(run.generator);
    g_array_free(run.values, TRUE);
    g_array_free(run.live, TRUE);
    vs_system_destroy(system);
}

/* With keys, every protection-key call is made, none on key 0 that the agent would refuse. */
static void test_keys_generated(void **state)
{
    (void)state;
    guint counts[VS_OP_COUNT], bad;
    count_generated(true, counts, &bad);
    const VsOpKind kinds[] = {VS_OP_PKEY_ALLOC, VS_OP_PKEY_FREE, VS_OP_PKEY_MPROTECT,
                              VS_OP_PKEY_SET, VS_OP_PKEY_GET};
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
        assert_true(counts[kinds[i]] > 5);
    assert_int_equal(bad, 0);
}

/* Without keys, none: a seed's calls are those it had before keys were fuzzed. */
static void test_no_keys_no_calls(void **state)
{
    (void)state;
    guint counts[VS_OP_COUNT], bad;
    count_generated(false, counts, &bad);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_generated),
        cmocka_unit_test(test_no_keys_no_calls),
        cmocka_unit_test(test_keys_run_in_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
