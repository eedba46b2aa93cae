/*
 * test_events.c - the event stream (events.c and every caller of vs_emit): each call reports what
 * it changed, in order, and a failed call reports nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

/* Asserts the log holds exactly these kinds, in order, then clears it. */
static void expect_kinds(Fixture *f, const VsEventKind *kinds, size_t count)
{
    for (size_t i = 0; i < f->log.count && i < count; i++)
        if (f->log.events[i].kind != kinds[i])
            fprintf(stderr, "event %zu: %s, expected %s\n", i,
                    vs_event_kind_name(f->log.events[i].kind), vs_event_kind_name(kinds[i]));
    assert_int_equal(f->log.count, count);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(f->log.events[i].kind, kinds[i]);
        assert_int_equal(f->log.events[i].pid, vs_process_id(f->process));
    }
}
#define EXPECT_KINDS(f, ...)                                                                       \
    do {                                                                                           \
        const VsEventKind kinds_[] = {__VA_ARGS__};                                                \
        expect_kinds((f), kinds_, sizeof kinds_ / sizeof kinds_[0]);                               \
    } while (0)

static const VsEvent *event(Fixture *f, size_t i) { return &f->log.events[i]; }

static void test_reserve_events(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0x12345678, 0x10, MEM_RESERVE, PAGE_READWRITE);
    EXPECT_KINDS(f, VS_EV_RANGE_ROUNDED, VS_EV_VAD_INSERTED);
    assert_int_equal(event(f, 0)->address, 0x12345678);
    assert_int_equal(event(f, 0)->size, 0x10);
    assert_int_equal(event(f, 0)->vpn_start, 0x12340);
    assert_int_equal(event(f, 0)->vpn_end, 0x12345);
    assert_int_equal(event(f, 1)->vpn_start, p >> 12);
    assert_int_equal(event(f, 1)->vpn_end, 0x12345);
}

static void test_reserve_commit_events(void **state)
{
    Fixture *f = *state;
    VsVirtualAlloc(f->thread, 0, KB(8), MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    EXPECT_KINDS(f, VS_EV_RANGE_ROUNDED, VS_EV_VAD_INSERTED, VS_EV_COMMITTED);
    assert_int_equal(event(f, 2)->pages, 2);
    assert_int_equal(event(f, 2)->protection, PAGE_READONLY);
}

/* A commit reports the tables it created before the pages it committed. */
static void test_commit_events(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    vs_event_log_clear(&f->log);
    VsVirtualAlloc(f->thread, p + KB(6), KB(7), MEM_COMMIT, PAGE_READWRITE);
    EXPECT_KINDS(f, VS_EV_RANGE_ROUNDED, VS_EV_TABLE_CREATED, VS_EV_TABLE_CREATED, VS_EV_COMMITTED);
    assert_int_equal(event(f, 1)->level, 2);
    assert_int_equal(event(f, 2)->level, 3);
    assert_int_equal(event(f, 3)->vpn_start, (p >> 12) + 1);
    assert_int_equal(event(f, 3)->vpn_end, (p >> 12) + 3);
    assert_int_equal(event(f, 3)->pages, 3);
    /* Recommitting charges only the new pages. */
    vs_event_log_clear(&f->log);
    VsVirtualAlloc(f->thread, p, KB(16), MEM_COMMIT, PAGE_READONLY);
    EXPECT_KINDS(f, VS_EV_RANGE_ROUNDED, VS_EV_COMMITTED);
    assert_int_equal(event(f, 1)->pages, 1);
}

static void test_protect_decommit_release_events(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    vs_event_log_clear(&f->log);
    uint32_t old;
    VsVirtualProtect(f->thread, p, KB(4), PAGE_NOACCESS, &old);
    EXPECT_KINDS(f, VS_EV_TABLE_CREATED, VS_EV_TABLE_CREATED, VS_EV_PROTECTED);
    assert_int_equal(event(f, 2)->protection, PAGE_NOACCESS);
    assert_int_equal(event(f, 2)->old_protection, PAGE_READWRITE);
    vs_event_log_clear(&f->log);
    VsVirtualFree(f->thread, p + KB(4), KB(8), MEM_DECOMMIT);
    EXPECT_KINDS(f, VS_EV_DECOMMITTED);
    assert_int_equal(event(f, 0)->pages, 2);
    vs_event_log_clear(&f->log);
    VsVirtualFree(f->thread, p, 0, MEM_RELEASE);
    EXPECT_KINDS(f, VS_EV_TABLE_FREED, VS_EV_TABLE_FREED, VS_EV_VAD_REMOVED);
}

static void test_split_and_trim_events(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    uint64_t vpn = p >> 12;
    vs_event_log_clear(&f->log);
    uint64_t base = p + KB(16), size = KB(8);
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_SUCCESS);
    EXPECT_KINDS(f, VS_EV_VAD_SPLIT);
    assert_int_equal(event(f, 0)->vpn_start, vpn + 4);
    assert_int_equal(event(f, 0)->vpn_end, vpn + 5);
    assert_int_equal(event(f, 0)->old_start, vpn);
    assert_int_equal(event(f, 0)->old_end, vpn + 15);
    vs_event_log_clear(&f->log);
    base = p;
    size = KB(4);
    assert_int_equal(nt_free(f, &base, &size, MEM_RELEASE), STATUS_SUCCESS);
    EXPECT_KINDS(f, VS_EV_VAD_TRIMMED);
    assert_int_equal(event(f, 0)->old_start, vpn);
    assert_int_equal(event(f, 0)->old_end, vpn + 3);
    assert_int_equal(event(f, 0)->vpn_start, vpn);
    assert_int_equal(event(f, 0)->vpn_end, vpn);
}

/* A failed call changes nothing and so reports nothing. */
static void test_failed_calls_emit_nothing(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    vs_event_log_clear(&f->log);
    uint32_t old;
    assert_false(VsVirtualProtect(f->thread, p, KB(4), PAGE_READONLY, &old));
    assert_false(VsVirtualAlloc(f->thread, p, KB(4), MEM_RESERVE, PAGE_READWRITE));
    assert_false(VsVirtualFree(f->thread, p + KB(4), 0, MEM_RELEASE));
    assert_false(VsVirtualAlloc(f->thread, p, KB(4), MEM_COMMIT, PAGE_WRITECOPY));
    assert_int_equal(f->log.count, 0);
}

/* With no log attached the model records nothing and still works. */
static void test_detached_log(void **state)
{
    Fixture *f = *state;
    vs_system_attach_log(f->system, NULL);
    assert_true(VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
    assert_int_equal(f->log.count, 0);
    vs_system_attach_log(f->system, &f->log);
    CHECK_INVARIANTS(f);
}

/* The log grows as needed; clearing keeps its storage. */
static void test_log_growth(void **state)
{
    Fixture *f = *state;
    for (int i = 0; i < 200; i++)
        assert_true(VsVirtualAlloc(f->thread, 0, 1, MEM_RESERVE, PAGE_READWRITE));
    assert_int_equal(f->log.count, 400);
    assert_int_equal(f->log.lost, 0);
    size_t capacity = f->log.capacity;
    vs_event_log_clear(&f->log);
    assert_int_equal(f->log.count, 0);
    assert_int_equal(f->log.capacity, capacity);
}

int main(void)
{
#define X64(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x64, fixture_teardown)
    const struct CMUnitTest tests[] = {
        X64(test_reserve_events),        X64(test_reserve_commit_events),
        X64(test_commit_events),         X64(test_protect_decommit_release_events),
        X64(test_split_and_trim_events), X64(test_failed_calls_emit_nothing),
        X64(test_detached_log),          X64(test_log_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
