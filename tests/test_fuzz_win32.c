/*
 * test_fuzz_win32.c - the Win32 fuzz generator's arena (verify/win32/generate.c): fixed bases
 * land there, so it must lie where the model puts nothing of its own choosing. A top-down arena
 * lay at the top of user space, where the model puts its TEBs (and where Wine 10.0 puts NULL-base
 * memory late in a run), and calls aimed there were explained by ground placed apart instead of
 * compared. The prefix is run in the model, then the most the fuzzer ever has of memory the model
 * places itself: its 48 threads (stacks as large as it asks for, each TEB) and NULL-base
 * allocations of the sizes it picks. A reproducer's first lines reserve the arena where the run
 * did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "fuzz.h"
#include "win32.h"

#define ARENA_SIZE ((uint64_t)4 << 20)

static gboolean in_arena(uint64_t start, uint64_t end, uint64_t arena)
{
    return start < arena + ARENA_SIZE && arena < end;
}

/* Runs the generator's prefix in the model (its only name is the arena, in the release). */
static void run_prefix(const VsGenerator *g, VsFuzzRun *run)
{
    g_autoptr(GArray) prefix = g_array_new(FALSE, FALSE, sizeof(VsFuzzCall));
    g->prefix(prefix);
    assert_int_equal(prefix->len, g->prefix_calls);
    for (guint i = 0; i < prefix->len; i++) {
        const VsFuzzCall *c = &g_array_index(prefix, VsFuzzCall, i);
        VsOp op = c->op;
        if (c->base == VS_FUZZ_ARENA)
            op.arg[vs_op_address_arg(op.kind)] += run->arena;
        VsOutcome outcome;
        vs_op_execute(run->thread, &op, &outcome);
        g->track(run, c, &op, &outcome);
    }
    GError *error = NULL;
    assert_true(g->ready(run, &error));
}

static void test_arena_apart_from_what_the_model_places(void **state)
{
    (void)state;
    const VsGenerator *g = &vs_win32_generator;
    VsSystem *system = vs_system_create(&(VsSystemConfig){.arch = g->arch});
    assert_non_null(system);
    VsProcess *process = vs_process_create(system, g->process);
    assert_non_null(process);
    VsFuzzRun run = {.system = system,
                     .thread = vs_process_main_thread(process),
                     .caller = VS_FUZZ_ABSOLUTE,
                     .values = g_array_new(FALSE, TRUE, sizeof(uint64_t)),
                     .live = g_array_new(FALSE, FALSE, sizeof(VsFuzzLive))};
    run.generator = g->start(&run);
    run_prefix(g, &run);
    uint64_t arena = run.arena;
    VsMemoryBasicInformation m;
    assert_true(VsVirtualQuery(run.thread, arena, &m, sizeof m));
    assert_int_equal(m.State, MEM_FREE); /* reserved and released: room for fixed bases */
    assert_true(m.RegionSize >= ARENA_SIZE);
    /* The fuzzer's threads: 48 made, stacks of a commit or a reserve up to 4 MB. */
    for (int i = 0; i < 48; i++) {
        uint64_t size = (uint64_t)(i % 4 + 1) << 20;
        VsHandle h =
            VsCreateThread(run.thread, size, i % 2 ? STACK_SIZE_PARAM_IS_A_RESERVATION : 0, NULL);
        assert_true(h != 0);
        VsThreadInfo t;
        vs_thread_info(vs_handle_thread(run.thread, h), &t);
        assert_false(in_arena(t.teb, t.teb + t.teb_size, arena));
        assert_false(in_arena(t.deallocation_stack, t.stack_base, arena));
    }
    /* NULL-base allocations, bottom-up, up to 200 KB each: far more than the fuzzer keeps. */
    for (int i = 0; i < 2000; i++) {
        uint64_t size = 1 + (uint64_t)i * 97 % (200 << 10);
        uint64_t p = VsVirtualAlloc(run.thread, 0, size, MEM_RESERVE, PAGE_READWRITE);
        assert_true(p != 0);
        assert_false(in_arena(p, p + size, arena));
    }
    g->finish(run.generator);
    g_array_free(run.values, TRUE);
    g_array_free(run.live, TRUE);
    vs_system_destroy(system);
}

/* A reproducer reserves and releases the arena where the run did, and names it. */
static void test_reproducer_names_the_arena(void **state)
{
    (void)state;
    const VsGenerator *g = &vs_win32_generator;
    g_autoptr(GArray) prefix = g_array_new(FALSE, FALSE, sizeof(VsFuzzCall));
    g_autoptr(GString) out = g_string_new(NULL);
    g->prefix(prefix);
    g->write_call(out, prefix, 0);
    g->write_call(out, prefix, 1);
    assert_string_equal(
        out->str, "arena = VirtualAlloc(0x100000000000, 0x400000, MEM_RESERVE, PAGE_NOACCESS)\n"
                  "VirtualFree(arena, 0, MEM_RELEASE)\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_apart_from_what_the_model_places),
        cmocka_unit_test(test_reproducer_names_the_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
