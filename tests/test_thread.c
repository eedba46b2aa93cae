/*
 * test_thread.c - threads, their TEBs and their user stacks (thread.c, stack.c, win32/thread.c):
 * the sizes CreateThread and RtlCreateUserStack settle on, the stack's three runs, growth through
 * the guard page, the guarantee, the overflow at the end, and the release at exit. The numbers are
 * the ones Wine's tests assert for Windows (ntdll virtual.c test_RtlCreateUserStack, kernel32
 * thread.c test_SetThreadStackGuarantee).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

static VsThreadInfo info_of(Fixture *f, VsHandle handle)
{
    VsThreadInfo info;
    VsThread *thread = vs_handle_thread(f->thread, handle);
    assert_non_null(thread);
    vs_thread_info(thread, &info);
    return info;
}

static VsThread *new_thread(Fixture *f, uint64_t size, uint32_t flags, VsThreadInfo *info)
{
    VsHandle handle = VsCreateThread(f->thread, size, flags, NULL);
    assert_true(handle != 0);
    CHECK_INVARIANTS(f);
    *info = info_of(f, handle);
    return vs_handle_thread(f->thread, handle);
}

static VsMemoryBasicInformation mbi(Fixture *f, uint64_t address)
{
    VsMemoryBasicInformation m;
    assert_true(VsVirtualQuery(f->thread, address, &m, sizeof m) != 0);
    return m;
}

/* The default stack: 1 MB reserved, its top page committed, a guard page below it. */
static void test_default_layout(void **state)
{
    Fixture *f = *state;
    VsThreadInfo t;
    new_thread(f, 0, 0, &t);
    uint64_t base = t.deallocation_stack;
    assert_int_equal(base % VS_GRANULARITY, 0);
    assert_int_equal(t.stack_base, base + MB(1));
    assert_int_equal(t.stack_limit, t.stack_base - KB(4));
    assert_int_equal(t.guard, t.stack_limit - KB(4));
    assert_int_equal(t.guaranteed_stack_bytes, 0);
    VsMemoryBasicInformation m = mbi(f, base);
    assert_int_equal(m.State, MEM_RESERVE);
    assert_int_equal(m.RegionSize, MB(1) - KB(8));
    assert_int_equal(m.AllocationProtect, PAGE_READWRITE);
    m = mbi(f, t.guard);
    assert_int_equal(m.State, MEM_COMMIT);
    assert_int_equal(m.Protect, PAGE_READWRITE | PAGE_GUARD);
    assert_int_equal(m.AllocationBase, base);
    m = mbi(f, t.stack_limit);
    assert_int_equal(m.Protect, PAGE_READWRITE);
    assert_int_equal(m.RegionSize, KB(4));
    /* The TEB: two committed pages of their own, at the top of the address space. */
    assert_int_equal(t.teb_size, KB(8));
    m = mbi(f, t.teb);
    assert_int_equal(m.AllocationBase, t.teb);
    assert_int_equal(m.RegionSize, KB(8));
    assert_int_equal(m.State, MEM_COMMIT);
    VsProcessCounters c;
    vs_process_counters(f->process, &c);
    assert_int_equal(c.commit_charge, 4); /* stack page, guard page, TEB */
}

/* dwStackSize as commit (0x3f00 -> 0x4000 committed, the image's 1 MB reserved); as reserve
 * (0x3ff000 -> 0x400000, Wine's virtual.c L1367-1377); a commit past the reserve takes a reserve
 * rounded up to 1 MB (BaseCreateStack). */
static void test_create_thread_sizes(void **state)
{
    Fixture *f = *state;
    VsThreadInfo t;
    new_thread(f, 0x3f00, 0, &t);
    assert_int_equal(t.stack_base - t.stack_limit, 0x4000);
    assert_int_equal(t.stack_base - t.deallocation_stack, MB(1));
    new_thread(f, 0x3ff000, STACK_SIZE_PARAM_IS_A_RESERVATION, &t);
    assert_int_equal(t.stack_base - t.deallocation_stack, 0x400000);
    assert_int_equal(t.stack_base - t.stack_limit, KB(4));
    new_thread(f, MB(1) + 1, 0, &t);
    assert_int_equal(t.stack_base - t.deallocation_stack, MB(2));
    assert_int_equal(t.stack_base - t.stack_limit, MB(1) + KB(4));
}

/* RtlCreateUserStack's reserve (Wine's virtual.c test_RtlCreateUserStack, asserted rows). */
static void test_rtl_create_user_stack(void **state)
{
    Fixture *f = *state;
    static const struct {
        uint64_t commit, reserve, commit_align, reserve_align, expect_reserve;
    } rows[] = {
        {0x20000, 0x20000, 0x1000, 0x10000, 0x100000},   {0, 0x110000, 0x1000, 0x10000, 0x110000},
        {0, 0x110000, 0x1000, 0x40000, 0x140000},        {0, 0, 0x4000, 0x400000, 0x400000},
        {0x180000, 0x100000, 0x1000, 0x10000, 0x180000},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        VsInitialTeb stack;
        assert_int_equal(VsRtlCreateUserStack(f->thread, rows[i].commit, rows[i].reserve, 0,
                                              rows[i].commit_align, rows[i].reserve_align, &stack),
                         STATUS_SUCCESS);
        assert_int_equal(stack.StackBase - stack.DeallocationStack, rows[i].expect_reserve);
        assert_int_equal(stack.OldStackBase, 0);
        VsMemoryBasicInformation m = mbi(f, stack.DeallocationStack);
        assert_int_equal(m.AllocationBase, stack.DeallocationStack);
        assert_int_equal(VsRtlFreeUserStack(f->thread, stack.DeallocationStack), STATUS_SUCCESS);
        assert_int_equal(mbi(f, stack.DeallocationStack).State, MEM_FREE);
        CHECK_INVARIANTS(f);
    }
    VsInitialTeb stack;
    assert_int_equal(VsRtlCreateUserStack(f->thread, 0, 0, 0, 0, 0x10000, &stack),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(VsRtlCreateUserStack(f->thread, 0, 0, 0, 0x1000, 0, &stack),
                     STATUS_INVALID_PARAMETER);
}

/* A guard page goes where there is room for it: none when the commit fills the reserve. */
static void test_guard_only_with_room(void **state)
{
    Fixture *f = *state;
    VsInitialTeb stack;
    assert_int_equal(
        VsRtlCreateUserStack(f->thread, MB(1) - KB(4), MB(1), 0, 0x1000, 0x10000, &stack),
        STATUS_SUCCESS);
    VsMemoryBasicInformation m = mbi(f, stack.DeallocationStack);
    assert_int_equal(m.Protect, PAGE_READWRITE | PAGE_GUARD);
    assert_int_equal(m.RegionSize, KB(4));
    assert_int_equal(VsRtlCreateUserStack(f->thread, MB(1), MB(1), 0, 0x1000, 0x10000, &stack),
                     STATUS_SUCCESS);
    m = mbi(f, stack.DeallocationStack);
    assert_int_equal(m.Protect, PAGE_READWRITE);
    assert_int_equal(m.RegionSize, MB(1));
    CHECK_INVARIANTS(f);
}

/* A touch of the guard by its own thread: no exception, the guard one page lower; by another
 * thread: STATUS_GUARD_PAGE_VIOLATION; below the guard: an access violation. */
static void test_growth(void **state)
{
    Fixture *f = *state;
    VsThreadInfo t;
    VsThread *thread = new_thread(f, 0, 0, &t);
    uint64_t guard = t.guard;
    assert_int_equal(vs_stack_touch(thread, KB(8)), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    vs_thread_info(thread, &t);
    assert_int_equal(t.stack_limit, guard);
    assert_int_equal(t.guard, guard - KB(4));
    assert_int_equal(mbi(f, t.deallocation_stack).RegionSize, MB(1) - KB(12));
    assert_int_equal(vs_memory_write(thread, t.guard - KB(4), 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(vs_memory_write(f->thread, t.guard, 1), STATUS_GUARD_PAGE_VIOLATION);
    vs_thread_info(thread, &t);
    assert_int_equal(t.stack_limit, guard); /* another thread's touch moves nothing */
    assert_int_equal(t.guard, 0);
    CHECK_INVARIANTS(f);
}

/* The end: with the x64 floor of 2 pages the touch of the guard at page 2 raises the overflow,
 * page 1 is committed, page 0 never is. */
static void test_overflow(void **state)
{
    Fixture *f = *state;
    VsThreadInfo t;
    VsThread *thread = new_thread(f, MB(1) - KB(16), 0, &t);
    uint64_t base = t.deallocation_stack;
    assert_int_equal(t.guard, base + KB(12)); /* page 3: it grows once, to page 2 */
    assert_int_equal(vs_stack_touch(thread, MB(1) - KB(12) + 1), STATUS_STACK_OVERFLOW);
    CHECK_INVARIANTS(f);
    vs_thread_info(thread, &t);
    assert_int_equal(t.stack_limit, base + KB(4));
    assert_int_equal(t.guard, 0);
    VsMemoryBasicInformation m = mbi(f, base);
    assert_int_equal(m.State, MEM_RESERVE);
    assert_int_equal(m.RegionSize, KB(4));
    m = mbi(f, base + KB(4));
    assert_int_equal(m.Protect, PAGE_READWRITE);
    assert_int_equal(m.RegionSize, MB(1) - KB(4));
    assert_int_equal(vs_stack_touch(thread, MB(1)), STATUS_ACCESS_VIOLATION);
}

/* Wine's kernel32 test_SetThreadStackGuarantee, on a thread of the model. */
static void test_guarantee(void **state)
{
    Fixture *f = *state;
    VsThreadInfo t;
    VsThread *thread = new_thread(f, 0, 0, &t);
    uint32_t size = 0;
    assert_true(VsSetThreadStackGuarantee(thread, &size));
    assert_int_equal(size, 0);
    size = 200;
    assert_true(VsSetThreadStackGuarantee(thread, &size));
    assert_int_equal(size, 0);
    size = 0;
    assert_true(VsSetThreadStackGuarantee(thread, &size));
    assert_int_equal(size, 8192);
    size = 2000;
    assert_true(VsSetThreadStackGuarantee(thread, &size));
    assert_int_equal(size, 8192);
    size = 10000;
    assert_true(VsSetThreadStackGuarantee(thread, &size));
    assert_int_equal(size, 8192);
    size = 0xdeadbef;
    assert_false(VsSetThreadStackGuarantee(thread, &size));
    assert_int_equal(size, 12288);
    assert_int_equal(VsGetLastError(thread), ERROR_INVALID_PARAMETER);
    /* With 16 KB kept back, the overflow comes four pages earlier than the floor's. */
    size = KB(16);
    assert_true(VsSetThreadStackGuarantee(thread, &size));
    vs_thread_info(thread, &t);
    assert_int_equal(vs_stack_touch(thread, MB(1)), STATUS_STACK_OVERFLOW);
    vs_thread_info(thread, &t);
    assert_int_equal(t.stack_limit, t.deallocation_stack + KB(4));
    CHECK_INVARIANTS(f);
}

/* x86: a one-page TEB below the highest VAD address, a one-page guarantee floor. */
static void test_x86(void **state)
{
    Fixture *f = *state;
    VsThreadInfo t;
    VsThread *thread = new_thread(f, 0, 0, &t);
    assert_int_equal(t.teb, 0x7FFDF000);
    assert_int_equal(t.teb_size, KB(4));
    uint32_t size = 1;
    assert_true(VsSetThreadStackGuarantee(thread, &size));
    vs_thread_info(thread, &t);
    assert_int_equal(t.guaranteed_stack_bytes, KB(4));
}

/* Exit releases the stack and the TEB; the thread's handle still names it. */
static void test_exit(void **state)
{
    Fixture *f = *state;
    VsHandle handle = VsCreateThread(f->thread, 0, 0, NULL);
    VsThreadInfo t = info_of(f, handle);
    VsThread *thread = vs_handle_thread(f->thread, handle);
    assert_int_equal(vs_thread_exit(thread, 7), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(mbi(f, t.deallocation_stack).State, MEM_FREE);
    assert_int_equal(mbi(f, t.teb).State, MEM_FREE);
    VsThreadInfo after = info_of(f, handle);
    assert_true(after.terminated);
    assert_int_equal(after.exit_code, 7);
    assert_false(after.has_stack);
    assert_int_equal(vs_thread_exit(thread, 0), STATUS_THREAD_IS_TERMINATING);
    assert_int_equal(vs_stack_touch(thread, 1), STATUS_THREAD_IS_TERMINATING);
    VsProcessCounters c;
    vs_process_counters(f->process, &c);
    assert_int_equal(c.commit_charge, 0);
    assert_true(VsCloseHandle(f->thread, handle));
}

/* A thread in another process, through a handle with the rights it needs. */
static void test_remote_thread(void **state)
{
    Fixture *f = *state;
    VsProcess *other = vs_process_create(f->system, "other");
    VsHandle weak = VsOpenProcess(f->thread, PROCESS_VM_OPERATION, false, vs_process_id(other));
    assert_int_equal(VsCreateRemoteThread(f->thread, weak, 0, 0, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    VsHandle h = VsOpenProcess(f->thread, PROCESS_ALL_ACCESS, false, vs_process_id(other));
    VsHandle thread = VsCreateRemoteThread(f->thread, h, 0, 0, NULL);
    assert_true(thread != 0);
    VsThreadInfo t = info_of(f, thread);
    VsMemoryBasicInformation m;
    assert_true(VsVirtualQueryEx(f->thread, h, t.stack_limit, &m, sizeof m) != 0);
    assert_int_equal(m.State, MEM_COMMIT);
    assert_int_equal(vs_process_thread_count(other), 2);
    CHECK_INVARIANTS(f);
}

/* The first thread of a process gets its stack from the image's sizes. */
static void test_first_thread(void **state)
{
    Fixture *f = *state;
    vs_process_set_stack_defaults(f->process, MB(2), KB(8));
    assert_int_equal(vs_thread_create_stack(f->thread, 0, 0), STATUS_SUCCESS);
    VsThreadInfo t;
    vs_thread_info(f->thread, &t);
    assert_int_equal(t.stack_base - t.deallocation_stack, MB(2));
    assert_int_equal(t.stack_base - t.stack_limit, KB(8));
    assert_int_equal(vs_thread_create_stack(f->thread, 0, 0), STATUS_INVALID_PARAMETER);
    CHECK_INVARIANTS(f);
}

/* A guard a thread sets in its own stack above StackLimit moves StackLimit up to it at once; one
 * set below StackLimit, or by another thread, moves nothing; the fault on it sets StackLimit to
 * the touched page even when the program had moved StackLimit below it (ntdll
 * test_stack_growth_thread). */
static void test_guard_set_in_stack(void **state)
{
    Fixture *f = *state;
    VsThreadInfo t;
    VsThread *thread = new_thread(f, 0, 0, &t);
    assert_int_equal(vs_stack_touch(thread, KB(36)), STATUS_SUCCESS);
    vs_thread_info(thread, &t);
    uint64_t top = t.stack_base, limit = t.stack_limit;
    uint32_t old = 0;
    assert_int_equal(limit, top - KB(36));
    /* another thread sets a guard above StackLimit: nothing moves */
    assert_true(VsVirtualProtect(f->thread, top - KB(8), KB(4), PAGE_READWRITE | PAGE_GUARD, &old));
    vs_thread_info(thread, &t);
    assert_int_equal(t.stack_limit, limit);
    assert_true(VsVirtualProtect(f->thread, top - KB(8), KB(4), PAGE_READWRITE, &old));
    /* the thread itself, below StackLimit (its guard page): nothing moves */
    assert_true(VsVirtualProtect(thread, limit - KB(4), KB(4), PAGE_READWRITE | PAGE_GUARD, &old));
    vs_thread_info(thread, &t);
    assert_int_equal(t.stack_limit, limit);
    /* the thread itself, above StackLimit: StackLimit goes to just above the guard */
    assert_int_equal(
        VsVirtualAlloc(thread, top - KB(16), KB(4), MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD),
        top - KB(16));
    CHECK_INVARIANTS(f);
    vs_thread_info(thread, &t);
    assert_int_equal(t.stack_limit, top - KB(12));
    /* StackLimit written below it: the fault on the guard sets it back to the touched page */
    assert_int_equal(vs_thread_set_stack(thread, t.deallocation_stack, top, limit), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(thread, top - KB(16), 1), STATUS_SUCCESS);
    vs_thread_info(thread, &t);
    assert_int_equal(t.stack_limit, top - KB(16));
    assert_int_equal(t.guard, top - KB(20));
    CHECK_INVARIANTS(f);
}

/* The TEB's stack fields are the thread's: pointed at a reservation of its own, its guard pages
 * grow that stack (kernel32 test_stack_commit); an ended thread writes nothing. */
static void test_set_stack(void **state)
{
    Fixture *f = *state;
    VsThreadInfo t;
    VsThread *thread = new_thread(f, 0, 0, &t);
    uint64_t stack = VsVirtualAlloc(thread, 0, MB(4), MEM_RESERVE, PAGE_READWRITE);
    assert_true(stack != 0);
    assert_true(VsVirtualAlloc(thread, stack + MB(4) - KB(4), KB(4), MEM_COMMIT,
                               PAGE_READWRITE | PAGE_GUARD) != 0);
    VsThreadInfo saved = t;
    assert_int_equal(vs_thread_set_stack(thread, stack, stack + MB(4), stack + MB(4)),
                     STATUS_SUCCESS);
    assert_int_equal(vs_stack_touch(thread, MB(4) - KB(16)), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    vs_thread_info(thread, &t);
    assert_int_equal(t.stack_limit, stack + KB(16));
    assert_int_equal(t.guard, stack + KB(12));
    assert_int_equal(
        vs_thread_set_stack(thread, saved.deallocation_stack, saved.stack_base, saved.stack_limit),
        STATUS_SUCCESS);
    assert_int_equal(vs_thread_exit(thread, 0), STATUS_SUCCESS);
    assert_int_equal(vs_thread_set_stack(thread, stack, stack + MB(4), stack + MB(4)),
                     STATUS_THREAD_IS_TERMINATING);
    assert_int_equal(mbi(f, saved.deallocation_stack).State, MEM_FREE);
    assert_int_equal(mbi(f, stack).State, MEM_RESERVE); /* not the thread's stack at its end */
    CHECK_INVARIANTS(f);
}

/* IsBadReadPtr and IsBadWritePtr: 0 bytes touch nothing; a guard page of another thread's stack
 * is consumed (TRUE), one of the caller's own grows its stack (FALSE); read-only is bad to write.
 */
static void test_bad_pointers(void **state)
{
    Fixture *f = *state;
    VsThreadInfo t;
    VsThread *thread = new_thread(f, 0, 0, &t);
    assert_false(VsIsBadReadPtr(f->thread, 0, 0));
    assert_true(VsIsBadReadPtr(f->thread, 0, 1));
    assert_true(VsIsBadReadPtr(f->thread, UINT64_MAX - 2, 8)); /* wraps */
    assert_true(VsIsBadWritePtr(f->thread, t.guard, 1));
    vs_thread_info(thread, &t);
    assert_int_equal(t.guard, 0); /* consumed by another thread's probe */
    VsThread *other = new_thread(f, 0, 0, &t);
    assert_false(VsIsBadReadPtr(other, t.guard, 1));
    assert_false(VsIsBadCodePtr(other, t.stack_base - 1));
    vs_thread_info(other, &t);
    assert_int_equal(t.stack_limit, t.guard + KB(4)); /* grew */
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(8), MEM_COMMIT, PAGE_READONLY);
    assert_false(VsIsBadReadPtr(f->thread, p, KB(8)));
    assert_true(VsIsBadWritePtr(f->thread, p + KB(4), 1));
    assert_false(VsIsBadWritePtr(f->thread, p, 0));
    CHECK_INVARIANTS(f);
}

/* RtlCreateUserThread's zero bits (ntdll test_RtlCreateUserStack L1387-1433): a 1 MB stack below
 * the addresses the zero bits (a count, or on x64 a mask above 31) leave; 12 leaves room only from
 * address 0 (STATUS_CONFLICTING_ADDRESSES), 13 and more none (STATUS_INVALID_PARAMETER), and 22-31
 * are no zero-bits value at all (STATUS_INVALID_PARAMETER_3). Each thread made is ended and its
 * stack checked to lie below the limit. The scenario file leaves out zero bits 8-11 under
 * verification (Wine 8.0 cannot make those threads), so they are checked here. */
static void test_rtl_create_user_thread_zero_bits(void **state)
{
    Fixture *f = *state;
    for (uint64_t i = 0; i < 59; i++) {
        uint64_t zero_bits = i < 32 ? i : 0xFFFFFFFFull >> (i - 32);
        uint64_t count = i < 32 ? i : i - 32;
        VsStatus expected = count < 12          ? STATUS_SUCCESS
                            : count == 12       ? STATUS_CONFLICTING_ADDRESSES
                            : i >= 22 && i < 32 ? STATUS_INVALID_PARAMETER_3
                                                : STATUS_INVALID_PARAMETER;
        VsHandle handle = 0;
        VsStatus status = VsRtlCreateUserThread(f->thread, VS_CURRENT_PROCESS, false, zero_bits,
                                                0x100000, 0x2000, &handle);
        CHECK_INVARIANTS(f);
        if (expected == STATUS_INVALID_PARAMETER || expected == STATUS_INVALID_PARAMETER_3)
            assert_true(status == STATUS_INVALID_PARAMETER || status == STATUS_INVALID_PARAMETER_3);
        else
            assert_int_equal(status, expected);
        if (status != STATUS_SUCCESS)
            continue;
        VsThreadInfo t = info_of(f, handle);
        assert_int_equal(t.stack_base - t.deallocation_stack, 0x100000);
        if (count)
            assert_true(t.stack_base <= (1ull << (32 - count)));
        assert_int_equal(vs_thread_exit(vs_handle_thread(f->thread, handle), 0), STATUS_SUCCESS);
        assert_true(VsCloseHandle(f->thread, handle));
        CHECK_INVARIANTS(f);
    }
}

int main(void)
{
#define X64(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x64, fixture_teardown)
#define X86(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x86, fixture_teardown)
    const struct CMUnitTest tests[] = {
        X64(test_default_layout),
        X64(test_create_thread_sizes),
        X64(test_rtl_create_user_stack),
        X64(test_guard_only_with_room),
        X64(test_growth),
        X64(test_overflow),
        X64(test_guarantee),
        X86(test_x86),
        X64(test_exit),
        X64(test_remote_thread),
        X64(test_first_thread),
        X64(test_guard_set_in_stack),
        X64(test_set_stack),
        X64(test_bad_pointers),
        X64(test_rtl_create_user_thread_zero_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
