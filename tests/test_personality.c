/*
 * test_personality.c - the Linux personality as a whole (personality.c): its calls stay out of a
 * Windows process, and random calls of every kind keep the invariants, with and without
 * protection keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

static void test_windows_calls_stay_out(void **state)
{
    (void)state;
    VsSystem *system = vs_system_create(&(VsSystemConfig){.arch = VS_ARCH_X64});
    VsThread *thread = vs_process_main_thread(vs_process_create(system, "w"));
    assert_int_equal(vs_mmap(thread, 0, PAGE, RW, ANON, -1, 0), VS_MAP_FAILED);
    assert_int_equal(vs_errno(thread), VS_ENOSYS);
    assert_true(vs_check(system, NULL, 0));
    vs_system_destroy(system);
}

static void random_calls_keep_invariants(Fixture *f);

static void test_random_calls_keep_invariants(void **state)
{
    random_calls_keep_invariants(*state);
}

/* The same calls on a CPU with protection keys: PROT_EXEC alone among them gives the key. */
static void test_random_calls_keep_invariants_with_pkeys(void **state)
{
    random_calls_keep_invariants(*state);
}

static void random_calls_keep_invariants(Fixture *f)
{
    TestRng rng = {.state = 0x9E3779B97F4A7C15ull};
    uint64_t top = BASE - 64 * PAGE;
    for (int i = 0; i < 4000; i++) {
        uint64_t at = top + rng_below(&rng, 64) * PAGE, len = (1 + rng_below(&rng, 8)) * PAGE;
        uint32_t prot = (uint32_t)rng_below(&rng, 8);
        uint8_t vec[16], byte;
        switch (rng_below(&rng, 9)) {
        case 0: vs_mmap(f->thread, at, len, prot, ANON | VS_MAP_FIXED, -1, 0); break;
        case 1: vs_munmap(f->thread, at, len); break;
        case 2: vs_mprotect(f->thread, at, len, prot); break;
        case 3: vs_madvise(f->thread, at, len, (uint32_t)rng_below(&rng, 12)); break;
        case 4: vs_memory_write(f->thread, at, (uint8_t)i); break;
        case 5: vs_memory_read(f->thread, at, &byte); break;
        case 6:
            vs_mremap(f->thread, at, len, (1 + rng_below(&rng, 8)) * PAGE,
                      (uint32_t)rng_below(&rng, 2), 0);
            break;
        case 7: vs_mincore(f->thread, at, len, vec, 16); break;
        default:
            vs_mmap(f->thread, at, len, prot, VS_MAP_SHARED | VS_MAP_ANONYMOUS | VS_MAP_FIXED, -1,
                    0);
        }
        CHECK_INVARIANTS(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_calls_stay_out),
        LINUX(test_random_calls_keep_invariants),
        LINUX_PKEYS(test_random_calls_keep_invariants_with_pkeys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
