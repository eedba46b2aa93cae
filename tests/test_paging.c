/*
 * test_paging.c - the life of pages beyond their first touch (workingset.c, pfn.c, pagefile.c,
 * modwrite.c, balance.c, fault.c): trimming to the standby and modified lists, soft faults, the
 * modified page writer, repurposing and hard faults, the page-file copy a clean page keeps, aging
 * and the balance-set tick, the zero page thread, bad frames, and what decommit and re-protection
 * do to pages in each state. Every test checks the invariants after each step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

/* A machine of 16 frames (6 go to page tables) and a 64-page page file: pressure comes early. */
static int setup_small(void **state)
{
    return fixture_setup_config(
        state,
        &(VsSystemConfig){.arch = VS_ARCH_X64, .ram_bytes = KB(64), .pagefile_bytes = KB(256)});
}

static uint64_t leaf(Fixture *f, uint64_t address)
{
    VsPteWalk walk;
    vs_pte_walk(f->process, address, &walk);
    return walk.level[walk.levels - 1].present ? walk.level[walk.levels - 1].entry : 0;
}

static VsFrameInfo frame_of(Fixture *f, uint64_t address)
{
    VsFrameInfo info;
    assert_true(vs_page_frame_info(f->system, vs_pte_frame_number(leaf(f, address)), &info));
    return info;
}

static VsMemoryCounters memory(Fixture *f)
{
    VsMemoryCounters c;
    vs_memory_counters(f->system, &c);
    return c;
}

static VsWorkingSetInfo ws(Fixture *f)
{
    VsWorkingSetInfo info;
    vs_process_working_set(f->process, &info);
    return info;
}

static uint8_t read_ok(Fixture *f, uint64_t address)
{
    uint8_t value = 0xEE;
    assert_int_equal(vs_memory_read(f->thread, address, &value), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    return value;
}

static void write_ok(Fixture *f, uint64_t address, uint8_t value)
{
    assert_int_equal(vs_memory_write(f->thread, address, value), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
}

/* How many events of a kind the log holds; the log is cleared. */
static size_t events(Fixture *f, VsEventKind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < f->log.count; i++)
        n += f->log.events[i].kind == kind;
    vs_event_log_clear(&f->log);
    return n;
}

static uint64_t commit(Fixture *f, uint64_t pages)
{
    uint64_t p =
        VsVirtualAlloc(f->thread, 0, pages * KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_true(p != 0);
    return p;
}

/* A page only read is clean: trimmed, its frame goes to standby; the next read is a soft fault
 * into the same frame. Accessed is set by the touch, Dirty is not. */
static void test_clean_page_trims_to_standby(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 1);
    assert_int_equal(read_ok(f, p), 0);
    assert_true(vs_pte_accessed(leaf(f, p)));
    assert_false(vs_pte_dirty(leaf(f, p)));
    uint64_t frame = vs_pte_frame_number(leaf(f, p));
    assert_int_equal(ws(f).size, 1);
    vs_event_log_clear(&f->log);
    assert_int_equal(vs_empty_working_set(f->process), 1);
    CHECK_INVARIANTS(f);
    assert_int_equal(events(f, VS_EV_PAGE_TRIMMED), 1);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_TRANSITION);
    assert_int_equal(frame_of(f, p).location, VS_PAGE_STANDBY);
    assert_int_equal(ws(f).size, 0);
    assert_int_equal(ws(f).peak, 1);
    assert_int_equal(read_ok(f, p), 0);
    assert_int_equal(events(f, VS_EV_SOFT_FAULT), 1);
    assert_int_equal(vs_pte_frame_number(leaf(f, p)), frame);
    assert_int_equal(ws(f).page_faults, 2); /* the demand-zero fault and the soft one */
}

/* A written page is dirty: it goes to the modified list, the writer gives it a page-file slot
 * and moves it to standby, and a soft fault still finds its data in the frame. */
static void test_dirty_page_goes_modified_then_written(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 1);
    write_ok(f, p + 9, 99);
    assert_true(vs_pte_dirty(leaf(f, p)));
    vs_empty_working_set(f->process);
    CHECK_INVARIANTS(f);
    VsFrameInfo info = frame_of(f, p);
    assert_int_equal(info.location, VS_PAGE_MODIFIED);
    assert_true(info.modified);
    assert_int_equal(info.pagefile_slot, 0);
    assert_int_equal(vs_write_modified_pages(f->system, 100), 1);
    CHECK_INVARIANTS(f);
    info = frame_of(f, p);
    assert_int_equal(info.location, VS_PAGE_STANDBY);
    assert_false(info.modified);
    assert_true(info.pagefile_slot != 0);
    assert_int_equal(memory(f).pagefile_used, 1);
    assert_int_equal(read_ok(f, p + 9), 99);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_VALID);
}

/* Fills the small machine with dirty pages of a second allocation until page p's frame has been
 * repurposed: its PTE then names its page-file slot. */
static void push_out(Fixture *f, uint64_t p)
{
    uint64_t other = commit(f, 40);
    for (uint64_t i = 0; i < 40 && vs_pte_state(leaf(f, p)) != VS_PTE_STATE_PAGEFILE; i++)
        write_ok(f, other + i * KB(4), (uint8_t)i);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_PAGEFILE);
}

/* Memory runs short: faults reclaim (trim, write, repurpose) and a page pushed out comes back by
 * a hard fault with its data; the frame keeps the slot as a clean copy. */
static void test_repurposed_page_hard_faults_back(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 1);
    write_ok(f, p + 100, 42);
    push_out(f, p);
    uint64_t slot = vs_pte_pagefile_slot_of(leaf(f, p));
    assert_true(slot != 0);
    assert_int_equal(vs_pte_protection(leaf(f, p)), PAGE_READWRITE);
    vs_event_log_clear(&f->log);
    assert_int_equal(read_ok(f, p + 100), 42);
    assert_int_equal(events(f, VS_EV_HARD_FAULT), 1);
    VsFrameInfo info = frame_of(f, p);
    assert_int_equal(info.pagefile_slot, slot);
    assert_false(info.modified);
}

/* A clean copy needs no second write: trimmed after a read, the page goes straight to standby
 * with its slot. Written again, the copy is stale: the slot is freed when the trim finds Dirty. */
static void test_page_file_copy_kept_until_written(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 1);
    write_ok(f, p, 5);
    push_out(f, p);
    assert_int_equal(read_ok(f, p), 5);
    uint64_t slot = frame_of(f, p).pagefile_slot;
    uint64_t used = memory(f).pagefile_used;
    vs_empty_working_set(f->process);
    CHECK_INVARIANTS(f);
    assert_int_equal(frame_of(f, p).location, VS_PAGE_STANDBY);
    assert_int_equal(frame_of(f, p).pagefile_slot, slot);
    assert_int_equal(read_ok(f, p), 5);
    write_ok(f, p, 6);
    vs_empty_working_set(f->process);
    CHECK_INVARIANTS(f);
    assert_int_equal(frame_of(f, p).location, VS_PAGE_MODIFIED);
    assert_int_equal(frame_of(f, p).pagefile_slot, 0);
    assert_int_equal(memory(f).pagefile_used, used - 1);
    assert_int_equal(read_ok(f, p), 6);
}

/* A clean page that only ever held zeros has no copy: repurposed, its PTE is demand zero again. */
static void test_zero_page_repurposed_becomes_demand_zero(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 1);
    assert_int_equal(read_ok(f, p), 0);
    vs_empty_working_set(f->process);
    CHECK_INVARIANTS(f);
    uint64_t other = commit(f, 40);
    for (uint64_t i = 0; i < 40 && vs_pte_state(leaf(f, p)) == VS_PTE_STATE_TRANSITION; i++)
        write_ok(f, other + i * KB(4), 1);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_DEMAND_ZERO);
    assert_int_equal(read_ok(f, p), 0);
}

/* Decommitting pages in every state gives back their frames and slots. */
static void test_decommit_frees_frames_and_slots(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 3);
    write_ok(f, p, 1);
    push_out(f, p); /* page 0: in the page file */
    write_ok(f, p + KB(4), 2);
    write_ok(f, p + KB(8), 3);
    vs_empty_working_set(f->process); /* pages 1 and 2: modified */
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_PAGEFILE);
    /* Pages 1 and 2 are transition: modified, or written out by a fault's reclaim already. */
    uint64_t slots = 1, modified = 0, standby = 0;
    for (int i = 1; i < 3; i++) {
        assert_int_equal(vs_pte_state(leaf(f, p + i * KB(4))), VS_PTE_STATE_TRANSITION);
        VsFrameInfo info = frame_of(f, p + i * KB(4));
        slots += info.pagefile_slot != 0;
        modified += info.location == VS_PAGE_MODIFIED;
        standby += info.location == VS_PAGE_STANDBY;
    }
    VsMemoryCounters before = memory(f);
    assert_true(VsVirtualFree(f->thread, p, KB(12), MEM_DECOMMIT));
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).pagefile_used, before.pagefile_used - slots);
    assert_int_equal(memory(f).modified_pages, before.modified_pages - modified);
    assert_int_equal(memory(f).standby_pages, before.standby_pages - standby);
    assert_int_equal(memory(f).free_pages, before.free_pages + modified + standby);
    assert_true(VsVirtualAlloc(f->thread, p, KB(12), MEM_COMMIT, PAGE_READWRITE));
    assert_int_equal(read_ok(f, p), 0);
    assert_int_equal(read_ok(f, p + KB(4)), 0);
}

/* Re-protecting a page in the page file keeps its copy under the new protection; a transition
 * page stays transition; a guard on a paged-out page is consumed before the hard fault. */
static void test_protect_keeps_page_file_copy(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 1);
    write_ok(f, p, 7);
    push_out(f, p);
    uint64_t slot = vs_pte_pagefile_slot_of(leaf(f, p));
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, p, 1, PAGE_READONLY | PAGE_GUARD, &old));
    CHECK_INVARIANTS(f);
    assert_int_equal(old, PAGE_READWRITE);
    assert_int_equal(vs_pte_pagefile_slot_of(leaf(f, p)), slot);
    uint8_t v;
    assert_int_equal(vs_memory_read(f->thread, p, &v), STATUS_GUARD_PAGE_VIOLATION);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_pte_pagefile_slot_of(leaf(f, p)), slot); /* still out: the guard only */
    assert_int_equal(read_ok(f, p), 7);
    assert_int_equal(vs_memory_write(f->thread, p, 8), STATUS_ACCESS_VIOLATION);
}

/* Aging: a page untouched for a pass gets older; touched, it is young again. Lowering the maximum
 * trims at once, oldest pages first; a working set that grows past its (soft) maximum is trimmed
 * back by the next tick. */
static void test_tick_ages_and_trims_to_maximum(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 24);
    for (int i = 0; i < 24; i++)
        write_ok(f, p + i * KB(4), 1);
    vs_balance_set_tick(f->system); /* clears Accessed: every age stays 0 */
    CHECK_INVARIANTS(f);
    assert_false(vs_pte_accessed(leaf(f, p)));
    vs_balance_set_tick(f->system); /* untouched since: age 1 */
    assert_int_equal(read_ok(f, p + KB(8)), 1);
    vs_balance_set_tick(f->system); /* page 2 young again; the others age 2 */
    CHECK_INVARIANTS(f);
    VsWorkingSetEntry e;
    for (uint64_t i = 0; vs_process_working_set_entry(f->process, i, &e); i++)
        assert_int_equal(e.age, e.vpn == (p + KB(8)) >> 12 ? 0 : 2);
    vs_event_log_clear(&f->log);
    assert_int_equal(vs_working_set_set_limits(f->process, 20, 20), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(ws(f).size, 20);
    assert_int_equal(events(f, VS_EV_PAGE_TRIMMED), 4);
    assert_int_equal(vs_pte_state(leaf(f, p + KB(8))),
                     VS_PTE_STATE_VALID); /* the young one stays */
    for (int i = 0; i < 24; i++)
        assert_int_equal(read_ok(f, p + i * KB(4)), 1); /* soft faults: past the maximum */
    assert_int_equal(ws(f).size, 24);
    vs_balance_set_tick(f->system);
    CHECK_INVARIANTS(f);
    assert_int_equal(ws(f).size, 20);
    assert_int_equal(ws(f).maximum, 20);
    /* Below the smallest minimum (20 pages) the limits are raised; minimum above maximum fails. */
    assert_int_equal(vs_working_set_set_limits(f->process, 5, 30), STATUS_SUCCESS);
    assert_int_equal(ws(f).minimum, 20);
    assert_int_equal(vs_working_set_set_limits(f->process, 40, 30), STATUS_BAD_WORKING_SET_LIMIT);
}

/* The zero page thread moves free frames to the zeroed list; a bad frame is never used again. */
static void test_zero_page_thread_and_bad_frames(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 2);
    write_ok(f, p, 1);
    write_ok(f, p + KB(4), 1);
    assert_true(VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
    uint64_t free_pages = memory(f).free_pages;
    assert_true(free_pages >= 2);
    assert_int_equal(vs_zero_free_pages(f->system, 1000), free_pages);
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).free_pages, 0);
    VsMemoryCounters before = memory(f);
    assert_true(vs_page_frame_mark_bad(f->system, before.total_pages - 1));
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).bad_pages, 1);
    assert_int_equal(memory(f).available_pages, before.available_pages - 1);
    VsFrameInfo info;
    assert_true(vs_page_frame_info(f->system, before.total_pages - 1, &info));
    assert_int_equal(info.location, VS_PAGE_BAD);
    assert_false(vs_page_frame_mark_bad(f->system, before.total_pages)); /* no such frame */
    uint64_t q = commit(f, 1);
    write_ok(f, q, 3);
    assert_false(vs_page_frame_mark_bad(f->system, vs_pte_frame_number(leaf(f, q)))); /* in use */
}

/* Locked pages stay in the working set through trims, ticks and EmptyWorkingSet; locking faults
 * pages in, refuses uncommitted and guard pages and more than the minimum less 8 allows; unlocking
 * a page that is not locked fails and trims it; decommit drops a lock. */
static void test_lock_and_unlock(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 64);
    assert_true(VsVirtualLock(f->thread, p + 1, KB(8))); /* pages 0-2: the range rounds out */
    CHECK_INVARIANTS(f);
    assert_int_equal(ws(f).size, 3);
    VsWorkingSetExBlock b;
    assert_true(VsQueryWorkingSetEx(f->thread, VsGetCurrentProcess(), p + KB(8), &b));
    assert_int_equal(b.Valid, 1);
    assert_int_equal(b.Locked, 1);
    assert_int_equal(vs_empty_working_set(f->process), 0);
    assert_int_equal(vs_working_set_set_limits(f->process, 20, 20), STATUS_SUCCESS);
    vs_balance_set_tick(f->system);
    CHECK_INVARIANTS(f);
    assert_int_equal(ws(f).size, 3);
    /* Not committed, and guarded: the touch that locking makes fails. */
    uint64_t r = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    assert_false(VsVirtualLock(f->thread, r, 1));
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOACCESS);
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, p + KB(16), 1, PAGE_READWRITE | PAGE_GUARD, &old));
    assert_false(VsVirtualLock(f->thread, p + KB(16), 1));
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_GUARD_PAGE_VIOLATION);
    assert_true(VsVirtualLock(f->thread, p + KB(16), 1)); /* the guard is gone */
    CHECK_INVARIANTS(f);
    /* The minimum is 20 pages: 4 locked, 8 fluid, so 9 more is one too many. */
    assert_false(VsVirtualLock(f->thread, p + KB(32), KB(36)));
    assert_int_equal(VsGetLastError(f->thread), ERROR_WORKING_SET_QUOTA);
    assert_true(VsVirtualLock(f->thread, p + KB(32), KB(32)));
    CHECK_INVARIANTS(f);
    /* Unlocking a page that is not locked. */
    assert_int_equal(read_ok(f, p + KB(100)), 0);
    assert_false(VsVirtualUnlock(f->thread, p + KB(100), 1));
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOT_LOCKED);
    assert_int_equal(vs_pte_state(leaf(f, p + KB(100))), VS_PTE_STATE_TRANSITION);
    CHECK_INVARIANTS(f);
    assert_true(VsVirtualUnlock(f->thread, p, KB(12)));
    /* Pages 0-2 alone: the lock refused on quota touched nothing (WRK weighs the quota before
     * its probes), and the smaller lock after it did not reach page 16. */
    assert_int_equal(vs_empty_working_set(f->process), 3);
    CHECK_INVARIANTS(f);
    /* Decommitting locked pages drops their locks. */
    assert_true(VsVirtualFree(f->thread, p + KB(32), KB(32), MEM_DECOMMIT));
    CHECK_INVARIANTS(f);
    assert_true(VsVirtualLock(f->thread, p, KB(32))); /* room again */
    /* Only MAP_PROCESS locks without a privilege; a bad size is refused. */
    uint64_t base = p, size = KB(4);
    assert_int_equal(VsNtLockVirtualMemory(f->thread, VsGetCurrentProcess(), &base, &size, 2),
                     STATUS_PRIVILEGE_NOT_HELD);
    assert_int_equal(VsNtLockVirtualMemory(f->thread, VsGetCurrentProcess(), &base, &size, 4),
                     STATUS_INVALID_PARAMETER);
    size = 0;
    assert_int_equal(VsNtLockVirtualMemory(f->thread, VsGetCurrentProcess(), &base, &size, 1),
                     STATUS_INVALID_PARAMETER);
    CHECK_INVARIANTS(f);
}

/* How many of the pages from p QueryWorkingSetEx reports locked. */
static uint64_t locked_pages(Fixture *f, uint64_t p, uint64_t pages)
{
    uint64_t locked = 0;
    for (uint64_t i = 0; i < pages; i++) {
        VsWorkingSetExBlock b;
        assert_true(VsQueryWorkingSetEx(f->thread, VsGetCurrentProcess(), p + i * KB(4), &b));
        locked += b.Locked;
    }
    return locked;
}

/* NtLockVirtualMemory's own face (WRK lockvm.c): the map type before anything (neither flag is
 * refused too), the pointers, plain STATUS_INVALID_PARAMETER for the range, MAP_SYSTEM's privilege
 * after the handle; a page no VAD holds refuses the lock before any page is touched; a lock of
 * pages locked already is STATUS_WAS_LOCKED, a success; the range comes back page-rounded. */
static void test_nt_lock_arguments(void **state)
{
    Fixture *f = *state;
    VsHandle self = VsGetCurrentProcess();
    uint64_t p = commit(f, 4), base = p + 0x10, size = 0x1000;
    assert_int_equal(VsNtLockVirtualMemory(f->thread, self, &base, &size, 0),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(VsNtLockVirtualMemory(f->thread, self, NULL, &size, 1),
                     STATUS_ACCESS_VIOLATION);
    assert_int_equal(VsNtLockVirtualMemory(f->thread, self, &base, NULL, 8),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(VsNtLockVirtualMemory(f->thread, 0, &base, &size, 2), STATUS_INVALID_HANDLE);
    assert_int_equal(VsNtLockVirtualMemory(f->thread, self, &base, &size, 3),
                     STATUS_PRIVILEGE_NOT_HELD);
    /* Pages 0-3 and the free page after them: nothing touched. */
    uint64_t b2 = p, s2 = KB(20);
    assert_int_equal(VsNtLockVirtualMemory(f->thread, self, &b2, &s2, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(ws(f).size, 0);
    assert_int_equal(VsNtLockVirtualMemory(f->thread, self, &base, &size, 1), STATUS_SUCCESS);
    assert_int_equal(base, p);
    assert_int_equal(size, KB(8)); /* 0x10 + 0x1000 bytes reach into the second page */
    b2 = p + KB(4);
    s2 = KB(8);
    assert_int_equal(VsNtLockVirtualMemory(f->thread, self, &b2, &s2, 1), STATUS_WAS_LOCKED);
    assert_int_equal(locked_pages(f, p, 4), 3);
    /* Unlocking past the allocation: not locked, nothing unlocked, the range not written. */
    b2 = p;
    s2 = KB(24);
    assert_int_equal(VsNtUnlockVirtualMemory(f->thread, self, &b2, &s2, 1), STATUS_NOT_LOCKED);
    assert_int_equal(s2, KB(24));
    s2 = KB(12) - 1;
    assert_int_equal(VsNtUnlockVirtualMemory(f->thread, self, &b2, &s2, 1), STATUS_SUCCESS);
    assert_int_equal(s2, KB(12));
    assert_int_equal(locked_pages(f, p, 4), 0);
    CHECK_INVARIANTS(f);
}

/* Write watch: the pages written since the last reset, through trims (the Dirty bit is captured),
 * resets (all, or the pages listed), a list that runs out of room, partial release, and the rules.
 */
static void test_write_watch(void **state)
{
    Fixture *f = *state;
    uint64_t addresses[4], count;
    uint32_t granularity;
    uint64_t p =
        VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE);
    assert_true(p != 0);
    assert_true(VsVirtualAlloc(f->thread, p, KB(64), MEM_COMMIT, PAGE_READWRITE));
    for (int i = 0; i < 6; i++)
        write_ok(f, p + (uint64_t)i * KB(8), 1); /* pages 0, 2, 4, 6, 8, 10 */
    count = 4;
    assert_int_equal(VsGetWriteWatch(f->thread, 0, p, KB(64), addresses, &count, &granularity), 0);
    assert_int_equal(count, 4); /* room for four: the first four */
    assert_int_equal(granularity, KB(4));
    assert_int_equal(addresses[3], p + KB(24));
    vs_empty_working_set(f->process); /* the Dirty bits go to the bitmap */
    CHECK_INVARIANTS(f);
    count = 4;
    assert_int_equal(VsGetWriteWatch(f->thread, WRITE_WATCH_FLAG_RESET, p, KB(64), addresses,
                                     &count, &granularity),
                     0);
    assert_int_equal(count, 4);
    count = 4; /* only the pages listed were reset */
    assert_int_equal(VsGetWriteWatch(f->thread, 0, p, KB(64), addresses, &count, &granularity), 0);
    assert_int_equal(count, 2);
    assert_int_equal(addresses[0], p + KB(32));
    assert_int_equal(VsResetWriteWatch(f->thread, p, KB(64)), 0);
    count = 4;
    assert_int_equal(VsGetWriteWatch(f->thread, 0, p, KB(64), addresses, &count, &granularity), 0);
    assert_int_equal(count, 0);
    /* A reset keeps paging right: the Dirty bit it takes becomes the frame's Modified flag. */
    write_ok(f, p, 9);
    assert_int_equal(VsResetWriteWatch(f->thread, p, KB(4)), 0);
    assert_false(vs_pte_dirty(leaf(f, p)));
    vs_empty_working_set(f->process);
    assert_int_equal(frame_of(f, p).location, VS_PAGE_MODIFIED);
    assert_int_equal(read_ok(f, p), 9);
    /* Rules: a plain allocation, a range past the reservation, bad flags, no MEM_RESERVE. */
    uint64_t q = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    count = 4;
    assert_int_equal(VsGetWriteWatch(f->thread, 0, q, KB(4), addresses, &count, &granularity),
                     UINT32_MAX);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PARAMETER);
    assert_int_equal(VsResetWriteWatch(f->thread, p, KB(68)), UINT32_MAX);
    assert_int_equal(VsGetWriteWatch(f->thread, 2, p, KB(4), addresses, &count, &granularity),
                     UINT32_MAX);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PARAMETER_2);
    assert_int_equal(
        VsVirtualAlloc(f->thread, 0, KB(64), MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PARAMETER_5);
    /* The NT layer may release part of it: the rest keeps watching; the last part frees it all. */
    uint64_t base = p, size = KB(32);
    assert_int_equal(
        VsNtFreeVirtualMemory(f->thread, VsGetCurrentProcess(), &base, &size, MEM_RELEASE),
        STATUS_SUCCESS);
    write_ok(f, p + KB(40), 1);
    count = 4;
    assert_int_equal(
        VsGetWriteWatch(f->thread, 0, p + KB(32), KB(32), addresses, &count, &granularity), 0);
    assert_int_equal(count, 1);
    /* A plain allocation where the released half was: the bitmap was cut, it is not reused. */
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(32), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
                     p);
    CHECK_INVARIANTS(f);
    count = 4;
    assert_int_equal(VsGetWriteWatch(f->thread, 0, p, KB(4), addresses, &count, &granularity),
                     UINT32_MAX);
    assert_true(VsVirtualFree(f->thread, p + KB(32), 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
}

/* NtGetWriteWatch's pointer and count checks, in WRK's order and before the range is looked at
 * (kernel32 test_write_watch L2107-2137): a count of 0 is INVALID_PARAMETER_5 even with no array,
 * a missing count, array or granularity a fault; nothing is written back on failure. */
static void test_write_watch_arguments(void **state)
{
    Fixture *f = *state;
    uint64_t addresses[4], count = 0;
    uint32_t granularity = 7;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                                PAGE_READWRITE);
    VsHandle self = VsGetCurrentProcess();
    assert_int_equal(
        VsNtGetWriteWatch(f->thread, self, 0, p, KB(64), addresses, &count, &granularity),
        STATUS_INVALID_PARAMETER_5);
    assert_int_equal(VsNtGetWriteWatch(f->thread, self, 0, p, KB(64), NULL, &count, &granularity),
                     STATUS_INVALID_PARAMETER_5);
    assert_int_equal(
        VsNtGetWriteWatch(f->thread, self, 0, p, KB(64), addresses, NULL, &granularity),
        STATUS_ACCESS_VIOLATION);
    count = 4;
    assert_int_equal(VsNtGetWriteWatch(f->thread, self, 0, p, KB(64), NULL, &count, &granularity),
                     STATUS_ACCESS_VIOLATION);
    assert_int_equal(VsNtGetWriteWatch(f->thread, self, 0, p, KB(64), addresses, &count, NULL),
                     STATUS_ACCESS_VIOLATION);
    /* The flags first, then the range against user space, before any pointer. */
    assert_int_equal(VsNtGetWriteWatch(f->thread, self, 2, p, KB(64), NULL, NULL, NULL),
                     STATUS_INVALID_PARAMETER_2);
    assert_int_equal(
        VsNtGetWriteWatch(f->thread, self, 0, UINT64_MAX - KB(4), KB(4), NULL, NULL, NULL),
        STATUS_INVALID_PARAMETER_2);
    assert_int_equal(VsNtGetWriteWatch(f->thread, self, 0, p, UINT64_MAX / 2, NULL, NULL, NULL),
                     STATUS_INVALID_PARAMETER_3);
    assert_int_equal(count, 4);
    assert_int_equal(granularity, 7);
    CHECK_INVARIANTS(f);
}

/* How many pages of [p, p + size) GetWriteWatch reports, without resetting them. */
static uint64_t written_pages(Fixture *f, uint64_t p, uint64_t size)
{
    uint64_t addresses[16], count = 16;
    uint32_t granularity;
    assert_int_equal(VsGetWriteWatch(f->thread, 0, p, size, addresses, &count, &granularity), 0);
    return count;
}

/* VirtualProtect captures the Dirty bits of write-watched pages into the bitmap, which a decommit
 * leaves alone: a page written before it stays reported through a decommit, one written after it
 * does not (Wine's kernel32 test_write_watch, L2281-2357). A successful VirtualLock of a writable
 * page counts as a write (test_guard_page, L2717-2734); a failed one does not. */
static void test_write_watch_protect_and_lock(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                                PAGE_READWRITE);
    uint32_t old;
    write_ok(f, p + KB(12), 3);
    assert_true(VsVirtualProtect(f->thread, p, KB(24), PAGE_READWRITE, &old));
    assert_false(vs_pte_dirty(leaf(f, p + KB(12)))); /* captured: Modified and the bitmap */
    assert_true(frame_of(f, p + KB(12)).modified);
    write_ok(f, p + KB(20), 3);
    assert_int_equal(written_pages(f, p, KB(64)), 2);
    assert_true(VsVirtualFree(f->thread, p, KB(64), MEM_DECOMMIT));
    CHECK_INVARIANTS(f);
    assert_int_equal(written_pages(f, p, KB(64)), 1); /* page 3, captured before the decommit */
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(64), MEM_COMMIT, PAGE_READWRITE), p);
    assert_int_equal(written_pages(f, p, KB(64)), 1);
    /* Without a VirtualProtect between, a decommit forgets the store. */
    assert_int_equal(VsResetWriteWatch(f->thread, p, KB(64)), 0);
    write_ok(f, p + KB(8), 1);
    assert_true(VsVirtualFree(f->thread, p + KB(8), KB(4), MEM_DECOMMIT));
    assert_int_equal(written_pages(f, p, KB(64)), 0);
    /* A lock of a guard page fails (the guard consumed) and marks nothing; the next one marks the
     * page; a read-only page locked is not written. */
    assert_true(VsVirtualProtect(f->thread, p, KB(4), PAGE_READWRITE | PAGE_GUARD, &old));
    assert_false(VsVirtualLock(f->thread, p, KB(4)));
    assert_int_equal(VsGetLastError(f->thread), 0x80000001u);
    assert_int_equal(written_pages(f, p, KB(64)), 0);
    assert_true(VsVirtualLock(f->thread, p, KB(4)));
    assert_int_equal(written_pages(f, p, KB(64)), 1);
    assert_true(VsVirtualProtect(f->thread, p + KB(4), KB(4), PAGE_READONLY, &old));
    assert_true(VsVirtualLock(f->thread, p + KB(4), KB(4)));
    assert_int_equal(written_pages(f, p, KB(64)), 1);
    CHECK_INVARIANTS(f);
}

/* MEM_RESET (MiResetVirtualMemory): the range rounds inward; contents stay until a frame is reused;
 * a dirty page becomes clean (trimmed, it goes to standby and, repurposed, reads zeros); a page on
 * the modified list moves to standby; a page in the page file loses its copy; the rules. */
static void test_mem_reset(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 4);
    write_ok(f, p + KB(8), 3); /* page 2: pushed out to the page file */
    push_out(f, p + KB(8));
    write_ok(f, p, 1);
    write_ok(f, p + KB(4), 2);
    vs_empty_working_set(f->process); /* page 1: on the modified list */
    write_ok(f, p, 1);                /* page 0: valid and dirty again */
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_pte_state(leaf(f, p + KB(8))), VS_PTE_STATE_PAGEFILE);
    assert_int_equal(frame_of(f, p + KB(4)).location, VS_PAGE_MODIFIED);
    assert_true(vs_pte_dirty(leaf(f, p)));
    uint64_t used = memory(f).pagefile_used;
    uint64_t base = p + 1, size = KB(12) - 1; /* rounds inward to pages 1 and 2 */
    assert_int_equal(VsNtAllocateVirtualMemory(f->thread, VsGetCurrentProcess(), &base, 0, &size,
                                               MEM_RESET, PAGE_NOACCESS),
                     STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(base, p + KB(4));
    assert_int_equal(size, KB(8));
    assert_int_equal(vs_pte_state(leaf(f, p + KB(8))), VS_PTE_STATE_DEMAND_ZERO); /* copy gone */
    assert_true(memory(f).pagefile_used < used);
    assert_int_equal(frame_of(f, p + KB(4)).location, VS_PAGE_STANDBY); /* clean now */
    /* The whole range: page 0 becomes clean but keeps its data while its frame is there. */
    assert_true(VsVirtualAlloc(f->thread, p, KB(16), MEM_RESET, PAGE_NOACCESS));
    CHECK_INVARIANTS(f);
    assert_false(vs_pte_dirty(leaf(f, p)));
    assert_int_equal(read_ok(f, p), 1);
    assert_int_equal(read_ok(f, p + KB(8)), 0); /* its copy was dropped: demand zero */
    vs_empty_working_set(f->process);
    assert_int_equal(frame_of(f, p).location, VS_PAGE_STANDBY); /* clean: nothing to write */
    uint64_t other = commit(f, 30);
    for (uint64_t i = 0; i < 30 && vs_pte_state(leaf(f, p)) == VS_PTE_STATE_TRANSITION; i++)
        write_ok(f, other + i * KB(4), 1);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_DEMAND_ZERO);
    assert_int_equal(read_ok(f, p), 0); /* repurposed: the data is gone */
    /* Rules: alone; a valid protection (write-copy passes, it is one); inward rounding to
     * nothing; one allocation; committed-ness is not required. */
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(4), MEM_RESET | MEM_COMMIT, PAGE_READWRITE),
                     0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PARAMETER_5);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(4), MEM_RESET, 0x1234), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PAGE_PROTECTION);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(4), MEM_RESET, PAGE_WRITECOPY), p);
    assert_int_equal(VsVirtualAlloc(f->thread, p + 1, KB(4), MEM_RESET, PAGE_NOACCESS), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(128), MEM_RESET, PAGE_NOACCESS), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_CONFLICTING_ADDRESSES);
    uint64_t r = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    assert_int_equal(VsVirtualAlloc(f->thread, r, KB(8), MEM_RESET, PAGE_NOACCESS), r);
    CHECK_INVARIANTS(f);
}

/* MEM_RESET_UNDO: it succeeds when every page of the range still has its contents, and makes them
 * dirty again (a valid page gets Dirty, a standby page goes back to the modified list, so a trim
 * and the need for frames no longer lose it); it fails when a page was repurposed since, and still
 * rescues the rest. It goes alone; its range rounds inward and lies in one allocation, as
 * MEM_RESET's. */
static void test_mem_reset_undo(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 4);
    write_ok(f, p, 1);
    write_ok(f, p + KB(4), 2);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(8), MEM_RESET, PAGE_NOACCESS), p);
    CHECK_INVARIANTS(f);
    assert_false(vs_pte_dirty(leaf(f, p)));
    vs_empty_working_set(f->process); /* both clean: standby */
    write_ok(f, p, 1);                /* page 0: soft fault back, valid and clean */
    assert_int_equal(frame_of(f, p + KB(4)).location, VS_PAGE_STANDBY);
    vs_event_log_clear(&f->log);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(8), MEM_RESET_UNDO, PAGE_NOACCESS), p);
    CHECK_INVARIANTS(f);
    assert_int_equal(events(f, VS_EV_RESET_UNDONE), 1);
    assert_true(vs_pte_dirty(leaf(f, p)) || frame_of(f, p).location == VS_PAGE_MODIFIED);
    assert_int_equal(frame_of(f, p + KB(4)).location, VS_PAGE_MODIFIED); /* wanted again */
    /* Under pressure now the pages are written out, never let go: the data survives. */
    uint64_t other = commit(f, 30);
    for (uint64_t i = 0; i < 30; i++)
        write_ok(f, other + i * KB(4), 1);
    assert_int_equal(read_ok(f, p), 1);
    assert_int_equal(read_ok(f, p + KB(4)), 2);
    /* Too late: reset, trimmed, repurposed, then the undo fails; the other page is rescued. */
    write_ok(f, p + KB(8), 3);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(8), MEM_RESET, PAGE_NOACCESS), p);
    vs_empty_working_set(f->process);
    for (uint64_t i = 0; i < 30 && vs_pte_state(leaf(f, p)) == VS_PTE_STATE_TRANSITION; i++)
        write_ok(f, other + i * KB(4), 2);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_DEMAND_ZERO);
    write_ok(f, p + KB(8), 3); /* a page of the range that still has its contents */
    assert_int_equal(VsVirtualAlloc(f->thread, p + KB(4), KB(8), MEM_RESET, PAGE_NOACCESS),
                     p + KB(4));
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(12), MEM_RESET_UNDO, PAGE_NOACCESS), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_UNSUCCESSFUL);
    assert_int_equal(VsGetLastError(f->thread), ERROR_GEN_FAILURE);
    CHECK_INVARIANTS(f);
    assert_true(vs_pte_dirty(leaf(f, p + KB(8))) ||
                frame_of(f, p + KB(8)).location == VS_PAGE_MODIFIED); /* rescued all the same */
    assert_int_equal(read_ok(f, p), 0);
    /* Rules: alone; a protection must be given but is not used; rounds inward; one allocation;
     * a reserved page holds nothing to bring back. */
    assert_int_equal(
        VsVirtualAlloc(f->thread, p, KB(4), MEM_RESET_UNDO | MEM_COMMIT, PAGE_READWRITE), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PARAMETER_5);
    assert_int_equal(
        VsVirtualAlloc(f->thread, p, KB(4), MEM_RESET_UNDO | MEM_RESET, PAGE_READWRITE), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PARAMETER_5);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(4), MEM_RESET_UNDO, 0x1234), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PAGE_PROTECTION);
    assert_int_equal(VsVirtualAlloc(f->thread, p + 1, KB(4), MEM_RESET_UNDO, PAGE_NOACCESS), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(128), MEM_RESET_UNDO, PAGE_NOACCESS), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_CONFLICTING_ADDRESSES);
    uint64_t r = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    assert_int_equal(VsVirtualAlloc(f->thread, r, KB(8), MEM_RESET_UNDO, PAGE_NOACCESS), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_UNSUCCESSFUL);
    CHECK_INVARIANTS(f);
}

/* The commit limit: RAM plus the page file. A commit that would pass it fails with
 * STATUS_COMMITMENT_LIMIT and changes nothing, whether it reserves too or not; recommitting
 * committed pages costs nothing; decommit and release give commit back. */
static void test_commit_limit(void **state)
{
    Fixture *f = *state;
    VsMemoryCounters m = memory(f);
    assert_int_equal(m.commit_limit, 16 + 64); /* 16 frames and 64 page-file slots */
    uint64_t p = commit(f, 60);
    VsMemoryStatusEx status;
    VsGlobalMemoryStatusEx(f->thread, &status);
    assert_int_equal(status.ullTotalPageFile, 80 * KB(4));
    assert_int_equal(status.ullAvailPageFile, 20 * KB(4));
    assert_int_equal(VsVirtualAlloc(f->thread, 0, KB(84), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
                     0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_COMMITMENT_LIMIT);
    uint64_t r = VsVirtualAlloc(f->thread, 0, KB(84), MEM_RESERVE, PAGE_READWRITE);
    assert_true(r != 0); /* reserving costs no commit */
    assert_int_equal(VsVirtualAlloc(f->thread, r, KB(84), MEM_COMMIT, PAGE_READWRITE), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_COMMITMENT_LIMIT);
    assert_int_equal(vs_pte_state(leaf(f, r)), VS_PTE_STATE_ZERO); /* nothing changed */
    assert_true(VsVirtualAlloc(f->thread, r, KB(80), MEM_COMMIT, PAGE_READWRITE)); /* exactly */
    assert_int_equal(memory(f).commit_total, 80);
    assert_true(VsVirtualAlloc(f->thread, p, KB(4), MEM_COMMIT, PAGE_READONLY)); /* no new charge */
    assert_int_equal(VsVirtualAlloc(f->thread, r + KB(80), 1, MEM_COMMIT, PAGE_READWRITE), 0);
    assert_true(VsVirtualFree(f->thread, p, KB(8), MEM_DECOMMIT));
    assert_true(VsVirtualAlloc(f->thread, r + KB(80), 1, MEM_COMMIT, PAGE_READWRITE));
    assert_true(VsVirtualFree(f->thread, r, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).commit_total, 58);
    assert_int_equal(memory(f).commit_peak, 80);
}

/* With memory exhausted and the page file full, a fault that needs a frame fails cleanly and
 * loses nothing. The commit limit keeps commit within RAM and page file, but the model does not
 * charge page tables to commit (Windows does), so their frames can still run it short. */
static void test_out_of_memory_and_page_file(void **state)
{
    Fixture *f = *state;
    vs_system_destroy(f->system);
    f->system = vs_system_create(
        &(VsSystemConfig){.arch = VS_ARCH_X64, .ram_bytes = KB(64), .pagefile_bytes = KB(4)});
    f->process = vs_process_create(f->system, "small");
    f->thread = vs_process_main_thread(f->process);
    vs_system_attach_log(f->system, &f->log);
    /* 17 pages: the whole commit limit (16 frames of RAM and one page-file slot). Page tables
     * take frames the limit does not count, so touching them all still runs out. */
    uint64_t p = commit(f, 17);
    VsStatus status = STATUS_SUCCESS;
    uint64_t i = 0;
    for (; i < 17 && status == STATUS_SUCCESS; i++) {
        status = vs_memory_write(f->thread, p + i * KB(4), (uint8_t)i);
        CHECK_INVARIANTS(f);
    }
    assert_int_equal(status, STATUS_INSUFFICIENT_RESOURCES);
    uint64_t failed = i - 1;
    assert_int_equal(vs_pte_state(leaf(f, p + failed * KB(4))), VS_PTE_STATE_ZERO);
    /* Every frame is dirty and the page file full. Decommitting the first half makes room; the
     * rest still holds what was written. */
    assert_true(VsVirtualFree(f->thread, p, failed / 2 * KB(4), MEM_DECOMMIT));
    CHECK_INVARIANTS(f);
    for (uint64_t j = failed / 2; j < failed; j++)
        assert_int_equal(read_ok(f, p + j * KB(4)), (uint8_t)j);
}

/* Random touches, trims, ticks, writes, re-protections, locks, resets and decommits on a machine
 * too small for what is touched: every read returns the last byte written there (zero after a
 * decommit; after a MEM_RESET, that byte or zero), and the invariants hold after every step. */
static void test_random_paging_keeps_data(void **state)
{
    Fixture *f = *state;
    vs_system_destroy(f->system);
    f->system = vs_system_create(
        &(VsSystemConfig){.arch = VS_ARCH_X64, .ram_bytes = KB(96), .pagefile_bytes = MB(1)});
    f->process = vs_process_create(f->system, "random");
    f->thread = vs_process_main_thread(f->process);
    enum { ALLOCATIONS = 3, PAGES = 24, STEPS = 30000 };
    uint64_t base[ALLOCATIONS];
    uint8_t shadow[ALLOCATIONS][PAGES] = {{0}};
    bool reset[ALLOCATIONS][PAGES] = {{false}};   /* MEM_RESET since the last write: maybe zeros */
    bool touched[ALLOCATIONS][PAGES] = {{false}}; /* read or locked since that MEM_RESET */
    for (int a = 0; a < ALLOCATIONS; a++)
        base[a] = commit(f, PAGES);
    TestRng rng = {0x5EED5EED};
    for (int step = 0; step < STEPS; step++) {
        int a = (int)(rng_next(&rng) % ALLOCATIONS), page = (int)(rng_next(&rng) % PAGES);
        uint64_t address = base[a] + (uint64_t)page * KB(4);
        uint32_t old;
        switch (rng_next(&rng) % 10) {
        case 0:
        case 1:
        case 2: {
            uint8_t value = (uint8_t)rng_next(&rng);
            assert_int_equal(vs_memory_write(f->thread, address, value), STATUS_SUCCESS);
            shadow[a][page] = value;
            reset[a][page] = false;
            break;
        }
        case 3:
        case 4:
        case 5: {
            uint8_t value = 0xEE;
            assert_int_equal(vs_memory_read(f->thread, address, &value), STATUS_SUCCESS);
            if (reset[a][page] && value == 0)
                shadow[a][page] = 0; /* its frame was reused: the contents were let go */
            touched[a][page] = reset[a][page];
            assert_int_equal(value, shadow[a][page]);
            break;
        }
        case 6: vs_balance_set_tick(f->system); break;
        case 7:
            switch (rng_next(&rng) % 4) {
            case 0: vs_empty_working_set(f->process); break;
            case 1: vs_write_modified_pages(f->system, rng_next(&rng) % 8); break;
            case 2:
                VsVirtualLock(f->thread, address, KB(4));
                touched[a][page] = reset[a][page];
                break;                                                  /* may hit the quota */
            default: VsVirtualUnlock(f->thread, address, KB(4)); break; /* may not be locked */
            }
            break;
        case 8: {
            uint64_t size = (page + 1 < PAGES ? KB(8) : KB(4)) - 1; /* the page and the next */
            assert_true(VsVirtualProtect(f->thread, address, size, PAGE_NOACCESS, &old));
            CHECK_INVARIANTS(f);
            assert_true(VsVirtualProtect(f->thread, address, size, PAGE_READWRITE, &old));
            assert_int_equal(old, PAGE_NOACCESS);
            break;
        }
        case 9:
            if (reset[a][page] && rng_next(&rng) % 3 == 0) {
                /* The undo succeeds exactly when the contents are still there. */
                bool kept = VsVirtualAlloc(f->thread, address, KB(4), MEM_RESET_UNDO,
                                           PAGE_NOACCESS) == address;
                CHECK_INVARIANTS(f);
                uint8_t value = 0xEE;
                assert_int_equal(vs_memory_read(f->thread, address, &value), STATUS_SUCCESS);
                /* A page touched since its frame was taken reads zeros and is valid again:
                 * nothing in its PTE tells that from a kept page, so its undo may succeed. */
                if (kept && touched[a][page])
                    assert_true(value == shadow[a][page] || value == 0);
                else
                    assert_int_equal(value, kept ? shadow[a][page] : 0);
                shadow[a][page] = value;
                reset[a][page] = false;
                break;
            }
            if (rng_next(&rng) % 2) {
                assert_int_equal(
                    VsVirtualAlloc(f->thread, address, KB(4), MEM_RESET, PAGE_NOACCESS), address);
                reset[a][page] = true;
                touched[a][page] = false;
                break;
            }
            assert_true(VsVirtualFree(f->thread, address, KB(4), MEM_DECOMMIT));
            CHECK_INVARIANTS(f);
            assert_true(VsVirtualAlloc(f->thread, address, KB(4), MEM_COMMIT, PAGE_READWRITE));
            shadow[a][page] = 0;
            reset[a][page] = false;
            break;
        }
        CHECK_INVARIANTS(f);
    }
    VsWorkingSetInfo info = ws(f);
    assert_true(info.page_faults > 0);
}

/* Writes a WIN32_MEMORY_RANGE_ENTRY (address, size: 8 bytes each) as entry i of the array. */
static void write_range_entry(Fixture *f, uint64_t array, uint64_t i, uint64_t address,
                              uint64_t size)
{
    for (int b = 0; b < 8; b++) {
        write_ok(f, array + 16 * i + b, (uint8_t)(address >> (8 * b)));
        write_ok(f, array + 16 * i + 8 + b, (uint8_t)(size >> (8 * b)));
    }
}

/* PrefetchVirtualMemory reads a page that is only in the page file into a frame on the standby
 * list, its PTE in transition, the working set and commit untouched; the next read is a soft
 * fault. A page never touched and one still resident are left as they are. Its refusals come in
 * test_prefetch's order. */
static void test_prefetch(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 2);
    write_ok(f, p + 7, 77);
    push_out(f, p);
    uint64_t entries = commit(f, 1);
    write_range_entry(f, entries, 0, p, KB(8));
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_PAGEFILE);
    uint64_t slot = vs_pte_pagefile_slot_of(leaf(f, p));
    uint64_t size = ws(f).size, committed = memory(f).commit_total;
    vs_event_log_clear(&f->log);
    assert_true(VsPrefetchVirtualMemory(f->thread, VS_CURRENT_PROCESS, 1, entries, 0));
    CHECK_INVARIANTS(f);
    assert_int_equal(events(f, VS_EV_PAGE_PREFETCHED), 1);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_TRANSITION);
    assert_int_equal(leaf(f, p + KB(4)), 0); /* never touched: nothing to read */
    assert_int_equal(frame_of(f, p).location, VS_PAGE_STANDBY);
    assert_int_equal(frame_of(f, p).pagefile_slot, slot);
    assert_true(ws(f).size <= size); /* not added (taking a frame may have trimmed others) */
    assert_int_equal(memory(f).commit_total, committed);
    assert_int_equal(read_ok(f, p + 7), 77);
    assert_int_equal(events(f, VS_EV_SOFT_FAULT), 1);
    assert_true(VsPrefetchVirtualMemory(f->thread, VS_CURRENT_PROCESS, 1, entries, 0));
    assert_int_equal(events(f, VS_EV_PAGE_PREFETCHED), 0);
    assert_false(VsPrefetchVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0, entries, 0));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    assert_false(VsPrefetchVirtualMemory(f->thread, VS_CURRENT_PROCESS, 1, entries, 1));
    assert_false(VsPrefetchVirtualMemory(f->thread, VS_CURRENT_PROCESS, 1, 0, 0));
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOACCESS);
    uint32_t flags = 0;
    assert_int_equal(
        VsNtSetInformationVirtualMemory(f->thread, VS_CURRENT_PROCESS, 1, 1, entries, &flags, 4),
        STATUS_INVALID_PARAMETER_2);
    write_range_entry(f, entries, 0, p, 0);
    assert_int_equal(
        VsNtSetInformationVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0, 1, entries, &flags, 4),
        STATUS_INVALID_PARAMETER_4);
    write_range_entry(f, entries, 0, 0, UINT64_MAX);
    assert_int_equal(
        VsNtSetInformationVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0, 1, entries, &flags, 4),
        STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
}

/* OfferVirtualMemory: the pages are inaccessible and out of the working set (a locked one
 * unlocked), clean; reclaimed before their frames are wanted they come back intact; after memory
 * ran short, ERROR_BUSY and zeros. Commit never moves. A decommit forgets the offer. */
static void test_offer_and_reclaim(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 2);
    write_ok(f, p, 7);
    write_ok(f, p + KB(4), 8);
    assert_true(VsVirtualLock(f->thread, p, KB(4)));
    uint64_t committed = memory(f).commit_total;
    assert_int_equal(VsOfferVirtualMemory(f->thread, p, KB(8), 2), ERROR_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(ws(f).size, 0);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_TRANSITION);
    assert_int_equal(frame_of(f, p).location, VS_PAGE_STANDBY); /* clean: never written out */
    uint8_t value;
    assert_int_equal(vs_memory_read(f->thread, p, &value), STATUS_ACCESS_VIOLATION);
    assert_int_equal(memory(f).commit_total, committed);
    assert_int_equal(VsReclaimVirtualMemory(f->thread, p, KB(8)), ERROR_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(read_ok(f, p), 7);
    assert_false(VsVirtualUnlock(f->thread, p, KB(4))); /* the offer unlocked it */
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOT_LOCKED);
    assert_int_equal(VsOfferVirtualMemory(f->thread, p, KB(8), 1), ERROR_SUCCESS);
    uint64_t other = commit(f, 40);
    for (uint64_t i = 0; i < 40 && vs_pte_state(leaf(f, p)) == VS_PTE_STATE_TRANSITION; i++)
        write_ok(f, other + i * KB(4), 1);
    assert_int_equal(VsReclaimVirtualMemory(f->thread, p, KB(8)), ERROR_BUSY);
    CHECK_INVARIANTS(f);
    assert_int_equal(read_ok(f, p), 0);
    assert_int_equal(memory(f).commit_total, committed + 40);
    /* Offered, then decommitted and committed again: nothing is offered any more. */
    assert_int_equal(VsOfferVirtualMemory(f->thread, p, KB(4), 4), ERROR_SUCCESS);
    assert_true(VsVirtualFree(f->thread, p, KB(4), MEM_DECOMMIT));
    assert_int_not_equal(VsVirtualAlloc(f->thread, p, KB(4), MEM_COMMIT, PAGE_READONLY), 0);
    assert_int_equal(VsReclaimVirtualMemory(f->thread, p, KB(4)), ERROR_SUCCESS);
    VsMemoryBasicInformation mbi;
    assert_int_not_equal(VsVirtualQuery(f->thread, p, &mbi, sizeof mbi), 0);
    assert_int_equal(mbi.Protect, PAGE_READONLY);
    /* The refusals. */
    assert_int_equal(VsOfferVirtualMemory(f->thread, p + 1, KB(4), 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(VsOfferVirtualMemory(f->thread, p, KB(4), 0), ERROR_INVALID_PARAMETER);
    assert_int_equal(VsOfferVirtualMemory(f->thread, p, 0, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(VsReclaimVirtualMemory(f->thread, p, KB(12)), ERROR_INVALID_ADDRESS);
    CHECK_INVARIANTS(f);
}

/* DiscardVirtualMemory: the contents go at once (frames freed, a page-file copy dropped), the
 * pages stay committed read-write and read zeros; any other protection refuses it, nothing
 * changed. */
static void test_discard(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 2);
    write_ok(f, p, 7);
    write_ok(f, p + KB(4), 8);
    push_out(f, p);
    uint64_t committed = memory(f).commit_total, used = memory(f).pagefile_used;
    assert_int_equal(VsDiscardVirtualMemory(f->thread, p, KB(8)), ERROR_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).commit_total, committed);
    assert_true(memory(f).pagefile_used < used);
    assert_int_equal(read_ok(f, p), 0);
    assert_int_equal(read_ok(f, p + KB(4)), 0);
    write_ok(f, p, 9);
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, p, KB(4), PAGE_READONLY, &old));
    assert_int_equal(VsDiscardVirtualMemory(f->thread, p, KB(8)), ERROR_INVALID_PARAMETER);
    assert_int_equal(read_ok(f, p), 9);
    CHECK_INVARIANTS(f);
}

#define SMALL(test) cmocka_unit_test_setup_teardown(test, setup_small, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        SMALL(test_clean_page_trims_to_standby),
        SMALL(test_dirty_page_goes_modified_then_written),
        SMALL(test_repurposed_page_hard_faults_back),
        SMALL(test_page_file_copy_kept_until_written),
        SMALL(test_zero_page_repurposed_becomes_demand_zero),
        SMALL(test_decommit_frees_frames_and_slots),
        SMALL(test_protect_keeps_page_file_copy),
        cmocka_unit_test_setup_teardown(test_tick_ages_and_trims_to_maximum, fixture_setup_x64,
                                        fixture_teardown),
        SMALL(test_zero_page_thread_and_bad_frames),
        SMALL(test_out_of_memory_and_page_file),
        SMALL(test_random_paging_keeps_data),
        SMALL(test_mem_reset),
        SMALL(test_mem_reset_undo),
        SMALL(test_commit_limit),
        SMALL(test_prefetch),
        SMALL(test_offer_and_reclaim),
        SMALL(test_discard),
        cmocka_unit_test_setup_teardown(test_lock_and_unlock, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_write_watch, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_write_watch_arguments, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nt_lock_arguments, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_write_watch_protect_and_lock, fixture_setup_x64,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
