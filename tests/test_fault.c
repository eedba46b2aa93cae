/*
 * test_fault.c - memory accesses and page faults (fault.c, pfn.c, and their effect on commit.c):
 * demand-zero, access violations, guard pages, resident pages re-protected (valid <-> transition),
 * frames returned by decommit and release, and running out of frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

/* The machine's frame counts, with active_pages counting only pages that are not page tables. */
static VsMemoryCounters memory(Fixture *f)
{
    VsMemoryCounters c;
    vs_memory_counters(f->system, &c);
    for (size_t i = 0; i < vs_system_process_count(f->system); i++) {
        VsProcessCounters p;
        vs_process_counters(vs_system_process(f->system, i), &p);
        c.active_pages -= p.page_table_pages;
    }
    return c;
}

static uint64_t leaf(Fixture *f, uint64_t address)
{
    VsPteWalk walk;
    vs_pte_walk(f->process, address, &walk);
    return walk.level[walk.levels - 1].present ? walk.level[walk.levels - 1].entry : 0;
}

static uint8_t read_ok(Fixture *f, uint64_t address)
{
    uint8_t value = 0xEE;
    assert_int_equal(vs_memory_read(f->thread, address, &value), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    return value;
}

static void test_demand_zero_then_data(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(8), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(memory(f).active_pages, 0); /* committed is not resident */
    assert_int_equal(read_ok(f, p + 5), 0);
    assert_int_equal(memory(f).active_pages, 1);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_VALID);
    VsFrameInfo frame;
    assert_true(vs_page_frame_info(f->system, vs_pte_frame_number(leaf(f, p)), &frame));
    assert_int_equal(frame.location, VS_PAGE_ACTIVE);
    assert_int_equal(frame.vpn, p >> 12);
    assert_int_equal(frame.pid, vs_process_id(f->process));
    assert_int_equal(frame.protection, PAGE_READWRITE);
    assert_int_equal(vs_memory_write(f->thread, p + 5, 42), STATUS_SUCCESS);
    assert_int_equal(read_ok(f, p + 5), 42);
    assert_int_equal(read_ok(f, p + 6), 0);
    /* A first write faults in the second page too. */
    assert_int_equal(vs_memory_write(f->thread, p + KB(4), 7), STATUS_SUCCESS);
    assert_int_equal(memory(f).active_pages, 2);
    /* VirtualQuery still reports one committed read-write region. */
    ASSERT_REGION(f, p, p, KB(8), MEM_COMMIT, PAGE_READWRITE, p);
    assert_int_equal(commit_charge(f), 2);
    CHECK_INVARIANTS(f);
}

static void test_access_violations(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    uint8_t v;
    assert_int_equal(vs_memory_read(f->thread, p, &v), STATUS_ACCESS_VIOLATION); /* reserved */
    assert_int_equal(vs_memory_read(f->thread, 0x50000000, &v), STATUS_ACCESS_VIOLATION); /* free */
    assert_int_equal(vs_memory_read(f->thread, 0, &v), STATUS_ACCESS_VIOLATION);          /* NULL */
    assert_int_equal(vs_memory_read(f->thread, ~0ull, &v), STATUS_ACCESS_VIOLATION); /* kernel */
    VsVirtualAlloc(f->thread, p, KB(4), MEM_COMMIT, PAGE_READONLY);
    assert_int_equal(vs_memory_write(f->thread, p, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(read_ok(f, p), 0); /* reading a read-only page is fine */
    assert_int_equal(vs_memory_write(f->thread, p, 1), STATUS_ACCESS_VIOLATION); /* valid, RO */
    VsVirtualAlloc(f->thread, p + KB(4), KB(4), MEM_COMMIT, PAGE_NOACCESS);
    assert_int_equal(vs_memory_read(f->thread, p + KB(4), &v), STATUS_ACCESS_VIOLATION);
    /* KUSER_SHARED_DATA can be read, never written. */
    assert_int_equal(read_ok(f, 0x7FFE0000), 0);
    assert_int_equal(vs_memory_write(f->thread, 0x7FFE0000, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(vs_memory_read(f->thread, 0x7FFE1000, &v), STATUS_ACCESS_VIOLATION);
    assert_int_equal(memory(f).active_pages, 2);
    CHECK_INVARIANTS(f);
}

/* The first touch of a guard page raises STATUS_GUARD_PAGE_VIOLATION and removes the guard. */
static void test_guard_page_is_one_shot(void **state)
{
    Fixture *f = *state;
    uint64_t p =
        VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    uint8_t v;
    assert_int_equal(vs_memory_write(f->thread, p, 9), STATUS_GUARD_PAGE_VIOLATION);
    CHECK_INVARIANTS(f);
    ASSERT_REGION(f, p, p, KB(4), MEM_COMMIT, PAGE_READWRITE, p);
    assert_int_equal(memory(f).active_pages, 0); /* the faulting access did not complete */
    assert_int_equal(vs_memory_write(f->thread, p, 9), STATUS_SUCCESS);
    assert_int_equal(vs_memory_read(f->thread, p, &v), STATUS_SUCCESS);
    assert_int_equal(v, 9);
    /* Guarding a resident page makes its PTE transition: the data stays, the touch faults. */
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, p, 1, PAGE_READONLY | PAGE_GUARD, &old));
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_TRANSITION);
    assert_int_equal(vs_memory_read(f->thread, p, &v), STATUS_GUARD_PAGE_VIOLATION);
    assert_int_equal(read_ok(f, p), 9); /* soft fault: the same frame */
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_VALID);
    assert_int_equal(vs_memory_write(f->thread, p, 1), STATUS_ACCESS_VIOLATION); /* read-only */
    CHECK_INVARIANTS(f);
}

/* Re-protecting resident pages keeps their frames and data: no-access makes them transition (the
 * page leaves the working set, its frame goes to the modified list), and a transition page stays
 * transition under its new protection (MiSetProtectionOnTransitionPte) until a soft fault. */
static void test_protect_resident_page(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(vs_memory_write(f->thread, p, 77), STATUS_SUCCESS);
    uint64_t frame = vs_pte_frame_number(leaf(f, p));
    uint32_t old;
    uint8_t v;
    assert_true(VsVirtualProtect(f->thread, p, 1, PAGE_NOACCESS, &old));
    assert_int_equal(old, PAGE_READWRITE);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_TRANSITION);
    assert_int_equal(vs_pte_protection(leaf(f, p)), PAGE_NOACCESS);
    ASSERT_REGION(f, p, p, KB(4), MEM_COMMIT, PAGE_NOACCESS, p);
    assert_int_equal(vs_memory_read(f->thread, p, &v), STATUS_ACCESS_VIOLATION);
    CHECK_INVARIANTS(f);
    VsFrameInfo info;
    assert_true(vs_page_frame_info(f->system, frame, &info));
    assert_int_equal(info.location, VS_PAGE_MODIFIED); /* written to: dirty */
    assert_true(VsVirtualProtect(f->thread, p, 1, PAGE_READONLY, &old));
    assert_int_equal(old, PAGE_NOACCESS);
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_TRANSITION);
    assert_int_equal(vs_pte_protection(leaf(f, p)), PAGE_READONLY);
    assert_int_equal(read_ok(f, p), 77); /* a soft fault: the same frame, valid again */
    assert_int_equal(vs_pte_state(leaf(f, p)), VS_PTE_STATE_VALID);
    assert_int_equal(vs_pte_frame_number(leaf(f, p)), frame);
    /* Recommitting a resident page with a new protection is a re-protection too. */
    assert_true(VsVirtualAlloc(f->thread, p, 1, MEM_COMMIT, PAGE_READWRITE));
    assert_int_equal(vs_memory_write(f->thread, p, 78), STATUS_SUCCESS);
    assert_int_equal(read_ok(f, p), 78);
    assert_int_equal(commit_charge(f), 1);
    CHECK_INVARIANTS(f);
}

/* Decommit and release give frames back; a recommitted page reads zeros again. */
static void test_decommit_and_release_free_frames(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(16), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    for (int i = 0; i < 4; i++)
        assert_int_equal(vs_memory_write(f->thread, p + KB(4) * i, (uint8_t)(i + 1)),
                         STATUS_SUCCESS);
    assert_int_equal(memory(f).active_pages, 4);
    assert_true(VsVirtualFree(f->thread, p, KB(4), MEM_DECOMMIT));
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).active_pages, 3);
    assert_int_equal(memory(f).free_pages, 1);
    uint8_t v;
    assert_int_equal(vs_memory_read(f->thread, p, &v), STATUS_ACCESS_VIOLATION); /* decommitted */
    assert_true(VsVirtualAlloc(f->thread, p, KB(4), MEM_COMMIT, PAGE_READWRITE));
    assert_int_equal(read_ok(f, p), 0);
    /* Zeroed frames (here, never used ones) go before free ones, which would need zeroing. */
    assert_int_equal(memory(f).free_pages, 1);
    assert_true(VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).active_pages, 0);
    /* The decommitted frame, the four released, and the two page tables the release emptied. */
    assert_int_equal(memory(f).free_pages, 7);
    /* Events: a release reports each frame it gives back. */
    size_t released = 0;
    for (size_t i = 0; i < f->log.count; i++)
        released += f->log.events[i].kind == VS_EV_FRAME_RELEASED;
    assert_int_equal(released, 5);
}

/* Page tables are frames too, so they come out of the same RAM. With every frame in use and a
 * page file of one slot, a fault reclaims what it can (a trim, one page written out, its frame
 * repurposed) and then fails cleanly; test_paging.c follows pages through all of this. */
static void test_out_of_frames(void **state)
{
    (void)state;
    VsSystem *system = vs_system_create(
        &(VsSystemConfig){.arch = VS_ARCH_X86, .ram_bytes = KB(64), .pagefile_bytes = KB(4)});
    VsProcess *process = vs_process_create(system, "small");
    VsThread *thread = vs_process_main_thread(process);
    VsMemoryCounters c;
    vs_memory_counters(system, &c);
    assert_int_equal(c.total_pages, 16);
    assert_int_equal(c.active_pages, 2); /* the page directory and KUSER_SHARED_DATA's table */
    uint64_t p = VsVirtualAlloc(thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    /* One more table for p's range leaves 13 frames for pages. */
    for (int i = 0; i < 13; i++)
        assert_int_equal(vs_memory_write(thread, p + KB(4) * i, 1), STATUS_SUCCESS);
    char why[256];
    assert_true(vs_check(system, why, sizeof why));
    vs_memory_counters(system, &c);
    assert_int_equal(c.active_pages, 16);
    assert_int_equal(c.free_pages + c.zeroed_pages + c.standby_pages, 0);
    /* The 14th page: one dirty page goes to the page file and its frame is reused, zeroed. */
    assert_int_equal(vs_memory_write(thread, p + KB(52), 1), STATUS_SUCCESS);
    vs_memory_counters(system, &c);
    assert_int_equal(c.pagefile_used, 1);
    assert_true(vs_check(system, why, sizeof why));
    /* The 15th: nothing more can be written out, and the modified pages cannot be reused. */
    assert_int_equal(vs_memory_write(thread, p + KB(56), 1), STATUS_INSUFFICIENT_RESOURCES);
    assert_true(vs_check(system, why, sizeof why));
    /* A frame given back is reused, and zeroed first: no data leaks between pages. */
    assert_true(VsVirtualFree(thread, p + KB(4), KB(4), MEM_DECOMMIT));
    assert_int_equal(vs_memory_write(thread, p + KB(56) + 3, 5), STATUS_SUCCESS);
    uint8_t v = 0xEE;
    assert_int_equal(vs_memory_read(thread, p + KB(56), &v), STATUS_SUCCESS);
    assert_int_equal(v, 0);
    assert_true(vs_check(system, why, sizeof why));
    vs_system_destroy(system);
}

/* Frames belong to their process: two processes' pages never share one. */
static void test_frames_are_per_page(void **state)
{
    Fixture *f = *state;
    VsProcess *other = vs_process_create(f->system, "other");
    VsThread *t2 = vs_process_main_thread(other);
    uint64_t a = VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    uint64_t b = VsVirtualAlloc(t2, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(a, b); /* the same address in two address spaces */
    assert_int_equal(vs_memory_write(f->thread, a, 1), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(t2, b, 2), STATUS_SUCCESS);
    assert_int_equal(read_ok(f, a), 1);
    uint8_t v;
    assert_int_equal(vs_memory_read(t2, b, &v), STATUS_SUCCESS);
    assert_int_equal(v, 2);
    CHECK_INVARIANTS(f);
}

/* DEP: only the four execute protections execute. A fetch from a page not resident faults it
 * in as a read, then meets the PTE's NX bit; a resident page re-protected gets or loses NX. */
static void test_execute_needs_an_execute_protection(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(16), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_ACCESS_VIOLATION);
    assert_true(vs_pte_no_execute(leaf(f, p))); /* faulted in, then refused */
    CHECK_INVARIANTS(f);
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, p, KB(4), PAGE_EXECUTE_READ, &old));
    assert_false(vs_pte_no_execute(leaf(f, p)));
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_SUCCESS);
    assert_true(VsVirtualProtect(f->thread, p, KB(4), PAGE_READONLY, &old));
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_ACCESS_VIOLATION);
    assert_int_equal(read_ok(f, p), 0); /* readable all the same */
    /* PAGE_EXECUTE: executes (and on x64 reads); PAGE_NOACCESS: neither. */
    assert_true(VsVirtualProtect(f->thread, p + KB(4), KB(4), PAGE_EXECUTE, &old));
    assert_int_equal(vs_memory_execute(f->thread, p + KB(4)), STATUS_SUCCESS);
    assert_true(VsVirtualProtect(f->thread, p + KB(8), KB(4), PAGE_NOACCESS, &old));
    assert_int_equal(vs_memory_execute(f->thread, p + KB(8)), STATUS_ACCESS_VIOLATION);
    assert_int_equal(leaf(f, p + KB(8)) & 1, 0); /* nothing was made resident */
    /* Free memory and the kernel's half fault as any access does. */
    assert_int_equal(vs_memory_execute(f->thread, 0), STATUS_ACCESS_VIOLATION);
    assert_int_equal(vs_memory_execute(f->thread, ~0ull), STATUS_ACCESS_VIOLATION);
    CHECK_INVARIANTS(f);
}

/* A guard page met by a fetch: the guard first (and it goes), then DEP. Copy-on-write: a fetch
 * from PAGE_EXECUTE_WRITECOPY runs from the shared page and copies nothing. */
static void test_execute_guard_page_and_copy_on_write(void **state)
{
    Fixture *f = *state;
    uint64_t p =
        VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_GUARD_PAGE_VIOLATION);
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_ACCESS_VIOLATION);
    VsHandle h = VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_EXECUTE_READWRITE, 0,
                                     KB(64), NULL);
    uint64_t v = VsMapViewOfFile(f->thread, h, FILE_MAP_COPY | FILE_MAP_EXECUTE, 0, 0, KB(4));
    assert_int_not_equal(v, 0);
    assert_int_equal(vs_memory_execute(f->thread, v), STATUS_SUCCESS);
    VsMemoryBasicInformation mbi;
    assert_int_not_equal(VsVirtualQuery(f->thread, v, &mbi, sizeof mbi), 0);
    assert_int_equal(mbi.Protect, PAGE_EXECUTE_WRITECOPY); /* not copied: still write-copy */
    CHECK_INVARIANTS(f);
}

/* Writes bytes at p, one store each. */
static void write_code(Fixture *f, uint64_t p, const uint8_t *bytes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        assert_int_equal(vs_memory_write(f->thread, p + i, bytes[i]), STATUS_SUCCESS);
}

static uint32_t options(Fixture *f)
{
    uint32_t value = 0xdeadbeef, length = 0;
    assert_int_equal(VsNtQueryInformationProcess(f->thread, VS_CURRENT_PROCESS, ProcessExecuteFlags,
                                                 &value, 4, &length),
                     STATUS_SUCCESS);
    assert_int_equal(length, 4);
    return value;
}

static VsStatus set_options(Fixture *f, uint32_t value)
{
    return VsNtSetInformationProcess(f->thread, VS_CURRENT_PROCESS, ProcessExecuteFlags, &value, 4);
}

/* A 32-bit process's DEP switch: off to start with (no /NXCOMPAT EXE), a fetch from read-write
 * memory then runs; on, it faults; the checks of the set in WRK's order; thunk emulation, once
 * off, stays off; a permanent setting refuses every change. */
static void test_dep_switch_32bit(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(options(f), MEM_EXECUTE_OPTION_ENABLE);
    assert_false(vs_process_dep_enabled(f->process));
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_SUCCESS);
    assert_false(vs_pte_no_execute(leaf(f, p))); /* the fetch went through, NX cleared */
    CHECK_INVARIANTS(f);
    uint32_t value = MEM_EXECUTE_OPTION_DISABLE;
    assert_int_equal(
        VsNtSetInformationProcess(f->thread, VS_CURRENT_PROCESS, ProcessExecuteFlags, &value, 3),
        STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(
        VsNtSetInformationProcess(f->thread, (VsHandle)4, ProcessExecuteFlags, &value, 4),
        STATUS_INVALID_PARAMETER);
    assert_int_equal(set_options(f, 0x40), STATUS_INVALID_PARAMETER);
    assert_int_equal(VsNtSetInformationProcess(f->thread, VS_CURRENT_PROCESS, 7, &value, 4),
                     STATUS_INVALID_INFO_CLASS);
    assert_int_equal(
        set_options(f, MEM_EXECUTE_OPTION_DISABLE | MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION),
        STATUS_SUCCESS);
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_ACCESS_VIOLATION);
    assert_int_equal(set_options(f, MEM_EXECUTE_OPTION_DISABLE), STATUS_SUCCESS);
    assert_int_equal(options(f),
                     MEM_EXECUTE_OPTION_DISABLE | MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION);
    uint32_t flags, permanent;
    assert_true(VsGetProcessDEPPolicy(f->thread, VS_CURRENT_PROCESS, &flags, &permanent));
    assert_int_equal(flags, PROCESS_DEP_ENABLE | PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION);
    assert_int_equal(permanent, 0);
    assert_false(VsGetProcessDEPPolicy(f->thread, VS_CURRENT_PROCESS, NULL, &permanent));
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOACCESS);
    assert_false(VsSetProcessDEPPolicy(f->thread, PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    assert_true(VsSetProcessDEPPolicy(f->thread, 0));
    assert_false(vs_process_dep_enabled(f->process));
    assert_true(VsSetProcessDEPPolicy(f->thread, PROCESS_DEP_ENABLE));
    assert_true(vs_process_dep_enabled(f->process));
    assert_false(VsSetProcessDEPPolicy(f->thread, 0));
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    assert_int_equal(set_options(f, MEM_EXECUTE_OPTION_ENABLE), STATUS_ACCESS_DENIED);
    CHECK_INVARIANTS(f);
}

/* DEP off, the PTEs of a 32-bit process are still made with NX where the protection does not
 * execute (MmProtectToPteMask is the system's, not the process's); the first fetch from such a
 * page faults, goes on (execute-allowed) and clears NX in that PTE (WRK MmAccessFault), so the
 * next fetch runs without a fault. The page's other PTEs keep NX; a new protection remakes the
 * PTE with it; DEP switched back on puts NX back in the PTEs that ran, and a fetch faults. */
static void test_dep_off_clears_nx(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(8), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(vs_memory_write(f->thread, p, 0xC3), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(f->thread, p + KB(4), 0xC3), STATUS_SUCCESS);
    assert_true(vs_pte_no_execute(leaf(f, p)));
    vs_event_log_clear(&f->log);
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_SUCCESS);
    assert_int_equal(f->log.count, 1);
    assert_int_equal(f->log.events[0].kind, VS_EV_EXECUTE_ALLOWED);
    assert_false(vs_pte_no_execute(leaf(f, p)));
    assert_true(vs_pte_no_execute(leaf(f, p + KB(4))));
    CHECK_INVARIANTS(f);
    vs_event_log_clear(&f->log);
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_SUCCESS);
    assert_int_equal(f->log.count, 0); /* no fault: the PTE executes */
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, p, 1, PAGE_READONLY, &old));
    assert_true(vs_pte_no_execute(leaf(f, p)));
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_SUCCESS);
    assert_false(vs_pte_no_execute(leaf(f, p)));
    assert_int_equal(set_options(f, MEM_EXECUTE_OPTION_DISABLE), STATUS_SUCCESS);
    assert_true(vs_pte_no_execute(leaf(f, p)));
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_ACCESS_VIOLATION);
    CHECK_INVARIANTS(f);
}

/* A 64-bit process: DEP on for good, the query fixed, sets refused, the policy calls unsupported;
 * managing writes to executable memory is not supported, whatever the arguments (ARM64 only). */
static void test_dep_64bit(void **state)
{
    Fixture *f = *state;
    assert_int_equal(options(f), MEM_EXECUTE_OPTION_DISABLE |
                                     MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION |
                                     MEM_EXECUTE_OPTION_PERMANENT);
    assert_int_equal(set_options(f, MEM_EXECUTE_OPTION_ENABLE), STATUS_INVALID_PARAMETER);
    uint32_t mem = 2; /* MANAGE_WRITES_TO_EXECUTABLE_MEMORY's Version */
    assert_int_equal(VsNtSetInformationProcess(f->thread, VS_CURRENT_PROCESS,
                                               ProcessManageWritesToExecutableMemory, &mem, 16),
                     STATUS_NOT_SUPPORTED);
    assert_int_equal(VsNtSetInformationProcess(f->thread, (VsHandle)4,
                                               ProcessManageWritesToExecutableMemory, NULL, 0),
                     STATUS_NOT_SUPPORTED);
    uint32_t flags, permanent;
    assert_false(VsGetProcessDEPPolicy(f->thread, VS_CURRENT_PROCESS, &flags, &permanent));
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOT_SUPPORTED);
    assert_false(VsSetProcessDEPPolicy(f->thread, 0));
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOT_SUPPORTED);
}

/* ATL thunk emulation: the five forms run from read-write memory with DEP on, a plain jmp does
 * not, nor does a thunk cut short by a page that cannot be read, nor any with emulation off. */
static void test_atl_thunks(void **state)
{
    Fixture *f = *state;
    static const uint8_t jmp[] = {0xE9, 1, 2, 3, 4};
    static const uint8_t forms[5][13] = {
        {0xC7, 0x44, 0x24, 0x04, 1, 2, 3, 4, 0xE9, 1, 2, 3, 4},
        {0xB9, 1, 2, 3, 4, 0xE9, 1, 2, 3, 4},
        {0xBA, 1, 2, 3, 4, 0xB9, 1, 2, 3, 4, 0xFF, 0xE1},
        {0xB9, 1, 2, 3, 4, 0xB8, 1, 2, 3, 4, 0xFF, 0xE0},
        {0x59, 0x58, 0x51, 0xFF, 0x60, 0x04},
    };
    static const size_t lengths[5] = {13, 10, 12, 12, 6};
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(8), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(set_options(f, MEM_EXECUTE_OPTION_DISABLE), STATUS_SUCCESS);
    write_code(f, p, jmp, sizeof jmp);
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_ACCESS_VIOLATION);
    for (size_t i = 0; i < 5; i++) {
        write_code(f, p, forms[i], lengths[i]);
        vs_event_log_clear(&f->log);
        assert_int_equal(vs_memory_execute(f->thread, p), STATUS_SUCCESS);
        assert_int_equal(f->log.count, 1);
        assert_int_equal(f->log.events[0].kind, VS_EV_EXECUTE_ALLOWED);
        assert_int_equal(f->log.events[0].frame, i + 1);
    }
    /* Form 2 across into a no-access page: its last bytes cannot be read. */
    uint64_t q = p + KB(4) - 6;
    write_code(f, q, forms[1], 6);
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, p + KB(4), KB(4), PAGE_NOACCESS, &old));
    assert_int_equal(vs_memory_execute(f->thread, q), STATUS_ACCESS_VIOLATION);
    assert_int_equal(
        set_options(f, MEM_EXECUTE_OPTION_DISABLE | MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION),
        STATUS_SUCCESS);
    write_code(f, p, forms[4], lengths[4]);
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_ACCESS_VIOLATION);
    CHECK_INVARIANTS(f);
}

int main(void)
{
#define X64(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x64, fixture_teardown)
    const struct CMUnitTest tests[] = {
        X64(test_demand_zero_then_data),
        X64(test_access_violations),
        X64(test_guard_page_is_one_shot),
        X64(test_protect_resident_page),
        X64(test_decommit_and_release_free_frames),
        cmocka_unit_test(test_out_of_frames),
        X64(test_frames_are_per_page),
        X64(test_execute_needs_an_execute_protection),
        X64(test_execute_guard_page_and_copy_on_write),
        X64(test_dep_64bit),
        cmocka_unit_test_setup_teardown(test_dep_switch_32bit, fixture_setup_x86, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_dep_off_clears_nx, fixture_setup_x86,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_atl_thunks, fixture_setup_x86, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
