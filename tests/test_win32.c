/*
 * test_win32.c - the Win32 layer itself (win32.c, process.c): GetSystemInfo per architecture, the
 * last error kept per thread, handles, and RtlNtStatusToDosError's mapping of every status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

static void test_system_info_x64(void **state)
{
    Fixture *f = *state;
    VsSystemInfo info;
    VsGetSystemInfo(f->thread, &info);
    assert_int_equal(info.wProcessorArchitecture, 9); /* PROCESSOR_ARCHITECTURE_AMD64 */
    assert_int_equal(info.dwPageSize, 4096);
    assert_int_equal(info.dwAllocationGranularity, 65536);
    assert_int_equal(info.lpMinimumApplicationAddress, 0x10000);
    assert_int_equal(info.lpMaximumApplicationAddress, 0x7FFFFFFEFFFFull);
    assert_int_equal(info.dwNumberOfProcessors, 4);
    assert_int_equal(info.dwActiveProcessorMask, 0xF);
    assert_int_equal(info.dwProcessorType, 8664);
}

static void test_system_info_x86(void **state)
{
    Fixture *f = *state;
    VsSystemInfo info;
    VsGetSystemInfo(f->thread, &info);
    assert_int_equal(info.wProcessorArchitecture, 0); /* PROCESSOR_ARCHITECTURE_INTEL */
    assert_int_equal(info.lpMaximumApplicationAddress, 0x7FFEFFFF);
    assert_int_equal(info.dwProcessorType, 586);
}

static void test_system_info_x86_3gb(void **state)
{
    Fixture *f = *state;
    VsSystemInfo info;
    VsGetSystemInfo(f->thread, &info);
    assert_int_equal(info.lpMaximumApplicationAddress, 0xBFFEFFFF);
    assert_string_equal(vs_system_layout(f->system)->name, "x86-3gb");
}

/* The processor count comes from the configuration. */
static void test_system_info_processors(void **state)
{
    (void)state;
    VsSystem *system = vs_system_create(&(VsSystemConfig){.arch = VS_ARCH_X64, .processors = 64});
    VsProcess *process = vs_process_create(system, "p");
    VsSystemInfo info;
    VsGetSystemInfo(vs_process_main_thread(process), &info);
    assert_int_equal(info.dwNumberOfProcessors, 64);
    assert_int_equal(info.dwActiveProcessorMask, ~0ull);
    vs_system_destroy(system);
}

/* Each thread has its own last error (TEB LastErrorValue). */
static void test_last_error_is_per_thread(void **state)
{
    Fixture *f = *state;
    VsThread *second = vs_thread_create(f->process);
    assert_non_null(second);
    assert_ptr_equal(vs_thread_process(second), f->process);
    VsSetLastError(f->thread, 0);
    VsSetLastError(second, 0);
    assert_false(VsVirtualFree(second, 0x50000000, 0, MEM_RELEASE));
    assert_int_equal(VsGetLastError(second), ERROR_INVALID_ADDRESS);
    assert_int_equal(VsRtlGetLastNtStatus(second), STATUS_MEMORY_NOT_ALLOCATED);
    assert_int_equal(VsGetLastError(f->thread), 0);
    /* kernelbase's own check of VirtualFree records STATUS_INVALID_PARAMETER. */
    assert_false(VsVirtualFree(f->thread, 0x50000000, 1, MEM_RELEASE));
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PARAMETER);
    /* Memory is the process's: both threads see the same allocation. */
    uint64_t p = VsVirtualAlloc(second, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ASSERT_REGION(f, p, p, KB(4), MEM_COMMIT, PAGE_READWRITE, p);
}

/* Handle values are multiples of 4 and are reused after a close; the pseudo-handle is -1. */
/* OpenProcess by id; each call checks the rights its documentation names. */
static void test_process_rights(void **state)
{
    Fixture *f = *state;
    VsProcess *other = vs_process_create(f->system, "other");
    uint32_t pid = VsGetCurrentProcessId(vs_process_main_thread(other));
    assert_int_equal(pid, vs_process_id(other));
    assert_int_equal(VsOpenProcess(f->thread, PROCESS_ALL_ACCESS, false, 0xFFF0), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_CID);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    VsHandle none = VsOpenProcess(f->thread, 0, false, pid);
    VsHandle query = VsOpenProcess(f->thread, PROCESS_QUERY_INFORMATION, false, pid);
    VsHandle limited = VsOpenProcess(f->thread, PROCESS_QUERY_LIMITED_INFORMATION, false, pid);
    VsHandle ops = VsOpenProcess(f->thread, PROCESS_VM_OPERATION, false, pid);
    VsHandle quota = VsOpenProcess(f->thread, PROCESS_SET_QUOTA, false, pid);
    assert_true(none && query && limited && ops && quota);
    assert_int_equal(VsVirtualAllocEx(f->thread, none, 0, 1, MEM_RESERVE, PAGE_READWRITE), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    assert_int_equal(VsVirtualAllocEx(f->thread, query, 0, 1, MEM_RESERVE, PAGE_READWRITE), 0);
    uint64_t p =
        VsVirtualAllocEx(f->thread, ops, 0, KB(4), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_true(p != 0);
    VsMemoryBasicInformation m;
    assert_int_equal(VsVirtualQueryEx(f->thread, ops, p, &m, sizeof m), 0); /* no query right */
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    assert_true(VsVirtualQueryEx(f->thread, query, p, &m, sizeof m) != 0);
    assert_int_equal(m.State, MEM_COMMIT);
    uint32_t old;
    assert_false(VsVirtualProtectEx(f->thread, query, p, 1, PAGE_READONLY, &old));
    assert_true(VsVirtualProtectEx(f->thread, ops, p, 1, PAGE_READONLY, &old));
    assert_false(VsVirtualFreeEx(f->thread, limited, p, 0, MEM_RELEASE));
    /* Working-set calls: SET_QUOTA to set, a query right to read (the limited one will do), and
     * VM_READ too for the counters. */
    uint64_t lo, hi;
    assert_false(VsGetProcessWorkingSetSize(f->thread, quota, &lo, &hi));
    assert_true(VsGetProcessWorkingSetSize(f->thread, limited, &lo, &hi));
    assert_false(VsSetProcessWorkingSetSize(f->thread, limited, KB(200), KB(400)));
    assert_true(VsSetProcessWorkingSetSize(f->thread, quota, KB(200), KB(400)));
    assert_false(VsEmptyWorkingSet(f->thread, quota)); /* and a query right */
    VsProcessMemoryCounters c;
    assert_false(VsGetProcessMemoryInfo(f->thread, query, &c));
    VsHandle reader =
        VsOpenProcess(f->thread, PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, false, pid);
    assert_true(VsGetProcessMemoryInfo(f->thread, reader, &c));
    assert_int_equal(c.PrivateUsage, KB(4));
    VsWorkingSetExBlock b;
    assert_false(VsQueryWorkingSetEx(f->thread, ops, p, &b));
    assert_true(VsQueryWorkingSetEx(f->thread, limited, p, &b));
    CHECK_INVARIANTS(f);
}

static void test_handles(void **state)
{
    Fixture *f = *state;
    assert_int_equal(VsGetCurrentProcess(), (VsHandle)-1);
    VsProcess *other = vs_process_create(f->system, "other");
    VsHandle a, b, c;
    assert_int_equal(vs_process_open(f->thread, other, PROCESS_ALL_ACCESS, &a), STATUS_SUCCESS);
    assert_int_equal(vs_process_open(f->thread, f->process, PROCESS_ALL_ACCESS, &b),
                     STATUS_SUCCESS);
    assert_int_equal(a, 4);
    assert_int_equal(b, 8);
    /* A handle to one's own process works like the pseudo-handle. */
    assert_int_equal(VsVirtualAllocEx(f->thread, b, 0, 1, MEM_RESERVE, PAGE_READWRITE), 0x10000);
    ASSERT_WIN32_OK(f, VsCloseHandle(f->thread, a));
    assert_int_equal(vs_process_open(f->thread, other, PROCESS_ALL_ACCESS, &c), STATUS_SUCCESS);
    assert_int_equal(c, 4);
    ASSERT_WIN32_FAILS(f, VsCloseHandle(f->thread, 0), ERROR_INVALID_HANDLE);
    ASSERT_WIN32_FAILS(f, VsCloseHandle(f->thread, 6), ERROR_INVALID_HANDLE);
    assert_int_equal(VsNtClose(f->thread, 400), STATUS_INVALID_HANDLE);
    /* Handles are per process: the other process's table is empty. */
    assert_int_equal(VsNtClose(vs_process_main_thread(other), c), STATUS_INVALID_HANDLE);
    assert_int_equal(vs_system_process_count(f->system), 2);
    assert_ptr_equal(vs_system_process(f->system, 1), other);
    assert_string_equal(vs_process_name(other), "other");
    assert_int_not_equal(vs_process_id(other), vs_process_id(f->process));
}

/* RtlNtStatusToDosError for each status the model returns (Wine ntdll/error.c, winerror.h). */
static void test_status_to_win32_mapping(void **state)
{
    (void)state;
    static const struct {
        VsStatus status;
        uint32_t win32;
    } rows[] = {
        {STATUS_SUCCESS, 0},
        {STATUS_INVALID_INFO_CLASS, 87},
        {STATUS_INFO_LENGTH_MISMATCH, 24},
        {STATUS_ACCESS_VIOLATION, 998},
        {STATUS_INVALID_HANDLE, 6},
        {STATUS_INVALID_PARAMETER, 87},
        {STATUS_NO_MEMORY, 8},
        {STATUS_CONFLICTING_ADDRESSES, 487},
        {STATUS_UNABLE_TO_FREE_VM, 87},
        {STATUS_UNABLE_TO_DELETE_SECTION, 87},
        {STATUS_NOT_COMMITTED, 487},
        {STATUS_INVALID_PAGE_PROTECTION, 87},
        {STATUS_INSUFFICIENT_RESOURCES, 1450},
        {STATUS_FREE_VM_NOT_AT_BASE, 487},
        {STATUS_MEMORY_NOT_ALLOCATED, 487},
        {STATUS_INVALID_PARAMETER_1, 87},
        {STATUS_INVALID_PARAMETER_2, 87},
        {STATUS_INVALID_PARAMETER_3, 87},
        {STATUS_INVALID_PARAMETER_4, 87},
        {STATUS_INVALID_PARAMETER_5, 87},
        {STATUS_INVALID_PARAMETER_6, 87},
        {STATUS_COMMITMENT_LIMIT, 1455},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(vs_status_to_win32(rows[i].status), rows[i].win32);
    /* The real NTSTATUS values. */
    assert_int_equal(STATUS_CONFLICTING_ADDRESSES, 0xC0000018u);
    assert_int_equal(STATUS_FREE_VM_NOT_AT_BASE, 0xC000009Fu);
    assert_int_equal(STATUS_MEMORY_NOT_ALLOCATED, 0xC00000A0u);
    assert_int_equal(STATUS_NOT_COMMITTED, 0xC000002Du);
    assert_int_equal(STATUS_INVALID_PAGE_PROTECTION, 0xC0000045u);
    assert_true(NT_SUCCESS(STATUS_SUCCESS));
    assert_false(NT_SUCCESS(STATUS_NO_MEMORY));
    /* A status RtlNtStatusToDosError does not know maps to ERROR_MR_MID_NOT_FOUND. */
    assert_int_equal(vs_status_to_win32(0xC0FFEE00u), 317);
    /* STATUS_GUARD_PAGE_VIOLATION is passed through as its own value and named as itself (Wine's
     * kernel32 test_guard_page: VirtualLock of a guard page leaves that value as the last error).
     */
    assert_int_equal(vs_status_to_win32(STATUS_GUARD_PAGE_VIOLATION), 0x80000001u);
    assert_string_equal(vs_win32_error_name(0x80000001u), "STATUS_GUARD_PAGE_VIOLATION");
}

/* VirtualAllocFromApp and VirtualAlloc2FromApp refuse the four executable protections themselves:
 * ERROR_INVALID_PARAMETER, nothing reserved, and the last status left as it was (no NT call). */
static void test_from_app_refuses_executable_allocations(void **state)
{
    Fixture *f = *state;
    static const uint32_t refused[] = {PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
                                       PAGE_EXECUTE_WRITECOPY};
    VsProcessCounters before, after;
    vs_process_counters(f->process, &before);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        VsSetLastError(f->thread, 0xdeadbeef);
        assert_int_equal(VsVirtualAllocFromApp(f->thread, 0, 0x1000, MEM_RESERVE, refused[i]), 0);
        assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
        assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_SUCCESS);
        assert_int_equal(
            VsVirtualAlloc2FromApp(f->thread, 0, 0, 0x1000, MEM_COMMIT, refused[i], NULL, 0), 0);
        assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    }
    vs_process_counters(f->process, &after);
    assert_int_equal(after.vad_count, before.vad_count);
    assert_int_equal(after.commit_charge, before.commit_charge);
    VsSetLastError(f->thread, 0xdeadbeef);
    uint64_t p =
        VsVirtualAllocFromApp(f->thread, 0, 0x1000, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    assert_int_equal(VsGetLastError(f->thread), 0xdeadbeef);
    uint32_t old = 0;
    assert_true(VsVirtualProtectFromApp(f->thread, p, 0x1000, PAGE_EXECUTE_READWRITE, &old));
    assert_int_equal(old, PAGE_READWRITE);
    CHECK_INVARIANTS(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_system_info_x64, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_system_info_x86, fixture_setup_x86, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_system_info_x86_3gb, fixture_setup_x86_3gb,
                                        fixture_teardown),
        cmocka_unit_test(test_system_info_processors),
        cmocka_unit_test_setup_teardown(test_last_error_is_per_thread, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_handles, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_process_rights, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test(test_status_to_win32_mapping),
        cmocka_unit_test_setup_teardown(test_from_app_refuses_executable_allocations,
                                        fixture_setup_x64, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
