/*
 * testutil.h - what every model test shares: a fresh system per test and the invariant check.
 *
 * Include after <setjmp.h>, <stdarg.h>, <stddef.h> and <cmocka.h>. A test's state is a Fixture made
 * by fixture_setup_x64 (or _x86, _x86_3gb) and freed by fixture_teardown, which runs the invariant
 * checker one last time. CHECK_INVARIANTS(f) may be called after any operation.
 */
#ifndef VS_TESTUTIL_H
#define VS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "vadsim.h"

#define KB(n) ((uint64_t)(n)*1024)
#define MB(n) (KB(n) * 1024)
#define GB(n) (MB(n) * 1024)

typedef struct Fixture {
    VsSystem *system;
    VsProcess *process;
    VsThread *thread;
    VsEventLog log;
} Fixture;

static inline void check_invariants_at(Fixture *f, const char *file, int line)
{
    char why[512];
    if (!vs_check(f->system, why, sizeof why)) {
        fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, why);
        fail();
    }
}
#define CHECK_INVARIANTS(f) check_invariants_at((f), __FILE__, __LINE__)

static inline int fixture_setup_config(void **state, const VsSystemConfig *config)
{
    Fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->system = vs_system_create(config);
    f->process = f->system ? vs_process_create(f->system, "test") : NULL;
    if (!f->process)
        return -1;
    f->thread = vs_process_main_thread(f->process);
    vs_system_attach_log(f->system, &f->log);
    *state = f;
    return 0;
}

static inline int fixture_setup_arch(void **state, VsArch arch)
{
    return fixture_setup_config(state, &(VsSystemConfig){.arch = arch});
}

static inline int fixture_setup_x64(void **state) { return fixture_setup_arch(state, VS_ARCH_X64); }
/* The x64 machine with the Linux personality (a scenario's system linux-x64). */
static inline int fixture_setup_linux(void **state)
{
    return fixture_setup_config(
        state, &(VsSystemConfig){.arch = VS_ARCH_X64, .personality = vs_linux_personality()});
}
static inline int fixture_setup_x86(void **state) { return fixture_setup_arch(state, VS_ARCH_X86); }
static inline int fixture_setup_x86_3gb(void **state)
{
    return fixture_setup_arch(state, VS_ARCH_X86_3GB);
}

static inline int fixture_teardown(void **state)
{
    Fixture *f = *state;
    char why[512];
    int rc = vs_check(f->system, why, sizeof why) ? 0 : -1;
    if (rc)
        fprintf(stderr, "teardown: invariant broken: %s\n", why);
    vs_event_log_free(&f->log);
    vs_system_destroy(f->system);
    free(f);
    return rc;
}

/* xorshift64*: a small, seedable generator for the randomized tests (reproducible from its
 * seed). */
typedef struct TestRng {
    uint64_t state; /* never 0 */
} TestRng;

static inline uint64_t rng_next(TestRng *rng)
{
    rng->state ^= rng->state >> 12;
    rng->state ^= rng->state << 25;
    rng->state ^= rng->state >> 27;
    return rng->state * 0x2545F4914F6CDD1Dull;
}

/* A value in [0, n); 0 when n is 0. */
static inline uint64_t rng_below(TestRng *rng, uint64_t n) { return n ? rng_next(rng) % n : 0; }

/* Queries addr in the fixture's process and returns the record (fails the test if the call
 * does). */
static inline VsMemoryBasicInformation query(Fixture *f, uint64_t addr)
{
    VsMemoryBasicInformation mbi;
    assert_int_equal(VsVirtualQuery(f->thread, addr, &mbi, sizeof mbi),
                     vs_system_layout(f->system)->mbi_size);
    return mbi;
}

/* Asserts that the region at addr has this base, size, state, protection and allocation base. */
#define ASSERT_REGION(f, addr, base, size, state, protect, alloc_base)                             \
    do {                                                                                           \
        VsMemoryBasicInformation mbi_ = query((f), (addr));                                        \
        assert_int_equal(mbi_.BaseAddress, (base));                                                \
        assert_int_equal(mbi_.RegionSize, (size));                                                 \
        assert_int_equal(mbi_.State, (state));                                                     \
        assert_int_equal(mbi_.Protect, (protect));                                                 \
        assert_int_equal(mbi_.AllocationBase, (alloc_base));                                       \
    } while (0)

/*
 * Asserts that a Win32 call fails (returns 0/FALSE) and leaves error as the thread's last error.
 * The last error is seeded with a marker first, so a call that fails without setting it is caught.
 */
#define ASSERT_WIN32_FAILS(f, call, error)                                                         \
    do {                                                                                           \
        VsSetLastError((f)->thread, 0xDEADu);                                                      \
        assert_false(call);                                                                        \
        assert_int_equal(VsGetLastError((f)->thread), (error));                                    \
    } while (0)

/* Asserts that a Win32 call succeeds and does not touch the last error (Windows leaves it). */
#define ASSERT_WIN32_OK(f, call)                                                                   \
    do {                                                                                           \
        VsSetLastError((f)->thread, 0xBEEFu);                                                      \
        assert_true(call);                                                                         \
        assert_int_equal(VsGetLastError((f)->thread), 0xBEEFu);                                    \
    } while (0)

/* The NT calls on the fixture's own process, with base and size passed in and out. */
static inline VsStatus nt_alloc(Fixture *f, uint64_t *base, uint64_t *size, uint32_t type,
                                uint32_t protect)
{
    return VsNtAllocateVirtualMemory(f->thread, VS_CURRENT_PROCESS, base, 0, size, type, protect);
}

static inline VsStatus nt_free(Fixture *f, uint64_t *base, uint64_t *size, uint32_t type)
{
    return VsNtFreeVirtualMemory(f->thread, VS_CURRENT_PROCESS, base, size, type);
}

static inline VsStatus nt_protect(Fixture *f, uint64_t *base, uint64_t *size, uint32_t protect,
                                  uint32_t *old)
{
    return VsNtProtectVirtualMemory(f->thread, VS_CURRENT_PROCESS, base, size, protect, old);
}

static inline uint64_t commit_charge(Fixture *f)
{
    VsProcessCounters counters;
    vs_process_counters(f->process, &counters);
    return counters.commit_charge;
}

#endif /* VS_TESTUTIL_H */
