/*
 * test_readwrt.c - copies between processes (readwrt.c): NtReadVirtualMemory and
 * NtWriteVirtualMemory's checks and counts, chunks of 14 pages, guard pages in the caller and in
 * another process, copy-on-write targets; DuplicateHandle's rights. Invariants after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

/* A second process with size bytes committed read-write at *base, and a handle to it. */
static VsHandle other_process(Fixture *f, uint32_t access, uint64_t size, uint64_t *base,
                              VsProcess **process)
{
    *process = vs_process_create(f->system, "other");
    assert_non_null(*process);
    VsThread *thread = vs_process_main_thread(*process);
    *base = VsVirtualAlloc(thread, 0, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    assert_int_not_equal(*base, 0);
    VsHandle handle = VsOpenProcess(f->thread, access, false, vs_process_id(*process));
    assert_int_not_equal(handle, 0);
    return handle;
}

static uint8_t byte_at(VsThread *thread, uint64_t address)
{
    uint8_t value = 0xEE;
    assert_int_equal(vs_memory_read(thread, address, &value), STATUS_SUCCESS);
    return value;
}

/* Range, size and handle checks in WRK's order; the count is written from the handle on. */
static void test_checks(void **state)
{
    Fixture *f = *state;
    VsProcess *other;
    uint64_t remote, count = 7;
    VsHandle h = other_process(f, PROCESS_VM_WRITE, KB(4), &remote, &other);
    uint64_t local = VsVirtualAlloc(f->thread, 0, KB(4), MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(VsNtReadVirtualMemory(f->thread, h, UINT64_MAX - 1, local, 16, &count),
                     STATUS_ACCESS_VIOLATION);
    assert_int_equal(count, 7);
    /* Nothing to copy: no handle is looked at. */
    assert_int_equal(VsNtReadVirtualMemory(f->thread, 0, remote, local, 0, &count), STATUS_SUCCESS);
    assert_int_equal(count, 0);
    count = 7;
    assert_int_equal(VsNtReadVirtualMemory(f->thread, h, remote, local, 16, &count),
                     STATUS_ACCESS_DENIED);
    assert_int_equal(count, 0);
    assert_int_equal(VsNtReadVirtualMemory(f->thread, 0, remote, local, 16, NULL),
                     STATUS_INVALID_HANDLE);
    assert_int_equal(VsNtWriteVirtualMemory(f->thread, h, remote, local, 16, &count),
                     STATUS_SUCCESS);
    assert_int_equal(count, 16);
    CHECK_INVARIANTS(f);
}

/* A source page that cannot be read fails its chunk of 14 pages: the chunks before are copied. A
 * destination page of the target that takes no writes stops the copy at its first byte. */
static void test_chunks_and_counts(void **state)
{
    Fixture *f = *state;
    VsProcess *other;
    uint64_t remote, count = 0;
    VsHandle h = other_process(f, PROCESS_ALL_ACCESS, KB(80), &remote, &other);
    VsThread *there = vs_process_main_thread(other);
    assert_int_equal(vs_memory_write(there, remote + KB(60), 0x5A), STATUS_SUCCESS);
    uint32_t old;
    assert_true(VsVirtualProtect(there, remote + KB(64), KB(4), PAGE_NOACCESS, &old));
    uint64_t local = VsVirtualAlloc(f->thread, 0, KB(80), MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(VsNtReadVirtualMemory(f->thread, h, remote, local, KB(80), &count),
                     STATUS_PARTIAL_COPY);
    assert_int_equal(count, 14 * KB(4));
    assert_int_equal(VsNtReadVirtualMemory(f->thread, h, remote + KB(4), local, KB(60), &count),
                     STATUS_SUCCESS);
    assert_int_equal(byte_at(f->thread, local + KB(56)), 0x5A);
    /* Writing stops at the no-access page, byte-exact. */
    assert_int_equal(VsNtWriteVirtualMemory(f->thread, h, remote + KB(64) - 10, local, 100, &count),
                     STATUS_PARTIAL_COPY);
    assert_int_equal(count, 10);
    /* The caller's buffer is checked whole before anything is read. */
    assert_true(VsVirtualProtect(f->thread, local + KB(8), KB(4), PAGE_READONLY, &old));
    assert_int_equal(VsNtReadVirtualMemory(f->thread, h, remote, local, KB(16), &count),
                     STATUS_ACCESS_VIOLATION);
    assert_int_equal(count, 0);
    CHECK_INVARIANTS(f);
}

/* Another process's guard page is an access violation and keeps its guard; the caller's own loses
 * it. WriteProcessMemory makes execute-read pages writable around the write and restores them. */
static void test_guard_pages_and_patching(void **state)
{
    Fixture *f = *state;
    VsProcess *other;
    uint64_t remote, count = 0;
    VsHandle h = other_process(f, PROCESS_ALL_ACCESS, KB(8), &remote, &other);
    VsThread *there = vs_process_main_thread(other);
    uint32_t old;
    assert_true(VsVirtualProtect(there, remote, KB(4), PAGE_READWRITE | PAGE_GUARD, &old));
    uint64_t local = VsVirtualAlloc(f->thread, 0, KB(8), MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(VsNtReadVirtualMemory(f->thread, h, remote, local, 16, &count),
                     STATUS_PARTIAL_COPY);
    VsMemoryBasicInformation m;
    assert_int_not_equal(VsVirtualQueryEx(f->thread, h, remote, &m, sizeof m), 0);
    assert_int_equal(m.Protect, PAGE_READWRITE | PAGE_GUARD);
    assert_true(
        VsVirtualProtect(f->thread, local + KB(4), KB(4), PAGE_READWRITE | PAGE_GUARD, &old));
    assert_int_equal(
        VsNtReadVirtualMemory(f->thread, VS_CURRENT_PROCESS, local + KB(4), local, 16, &count),
        STATUS_PARTIAL_COPY);
    assert_int_equal(query(f, local + KB(4)).Protect, PAGE_READWRITE);
    /* The code-patching path. */
    assert_true(VsVirtualProtect(there, remote + KB(4), KB(4), PAGE_EXECUTE_READ, &old));
    assert_int_equal(vs_memory_write(f->thread, local, 0x77), STATUS_SUCCESS);
    assert_true(VsWriteProcessMemory(f->thread, h, remote + KB(4), local, 1, &count));
    assert_int_equal(byte_at(there, remote + KB(4)), 0x77);
    assert_int_not_equal(VsVirtualQueryEx(f->thread, h, remote + KB(4), &m, sizeof m), 0);
    assert_int_equal(m.Protect, PAGE_EXECUTE_READ);
    CHECK_INVARIANTS(f);
}

/* DuplicateHandle: the access asked, or the source's; the pseudo-handle as a real handle; a
 * section handle counted. */
static void test_duplicate_handle(void **state)
{
    Fixture *f = *state;
    VsHandle self = 0, section = 0, reduced = 0;
    assert_true(VsDuplicateHandle(f->thread, VS_CURRENT_PROCESS, VS_CURRENT_PROCESS,
                                  VS_CURRENT_PROCESS, &self, 0, false, DUPLICATE_SAME_ACCESS));
    uint32_t access = 0;
    assert_true(vs_handle_access(f->thread, self, &access));
    assert_int_equal(access, PROCESS_ALL_ACCESS);
    section =
        VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, KB(4), NULL);
    assert_true(VsDuplicateHandle(f->thread, VS_CURRENT_PROCESS, section, VS_CURRENT_PROCESS,
                                  &reduced, FILE_MAP_READ, false, DUPLICATE_CLOSE_SOURCE));
    assert_false(VsCloseHandle(f->thread, section));
    assert_int_equal(VsMapViewOfFile(f->thread, reduced, FILE_MAP_WRITE, 0, 0, 0), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    assert_int_not_equal(VsMapViewOfFile(f->thread, reduced, FILE_MAP_READ, 0, 0, 0), 0);
    VsHandle none = 0;
    assert_false(VsDuplicateHandle(f->thread, VS_CURRENT_PROCESS, 0x1234, VS_CURRENT_PROCESS, &none,
                                   0, false, 0));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_HANDLE);
    CHECK_INVARIANTS(f);
}

#define X64(test) cmocka_unit_test_setup_teardown(test, fixture_setup_x64, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        X64(test_checks),
        X64(test_chunks_and_counts),
        X64(test_guard_pages_and_patching),
        X64(test_duplicate_handle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
