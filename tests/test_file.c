/*
 * test_file.c - files and file-backed sections (file.c, the file branches of section.c, fault.c,
 * modwrite.c and mapview.c): CreateFile's dispositions, the section's size and access rules, pages
 * read from the file on first touch, written back by the mapped page writer and FlushViewOfFile,
 * one data section per file shared by every mapping, reads coherent with views. Invariants after
 * every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

static int setup_small(void **state)
{
    return fixture_setup_config(
        state,
        &(VsSystemConfig){.arch = VS_ARCH_X64, .ram_bytes = KB(128), .pagefile_bytes = KB(256)});
}

static uint8_t read_at(Fixture *f, VsThread *thread, uint64_t address)
{
    uint8_t value = 0xEE;
    assert_int_equal(vs_memory_read(thread, address, &value), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    return value;
}

static uint8_t file_byte(Fixture *f, VsHandle file, uint64_t offset)
{
    uint8_t value = 0xEE;
    assert_int_equal(vs_file_read_byte(f->thread, file, offset, &value), STATUS_SUCCESS);
    return value;
}

static VsHandle open_file(Fixture *f, const char *name, uint32_t access)
{
    VsHandle h = VsCreateFile(f->thread, name, access, FILE_SHARE_READ, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL);
    assert_true(h != VS_INVALID_HANDLE_VALUE);
    return h;
}

/* CreateFile: the dispositions and their last errors. */
static void test_create_file(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_file_create(f->system, "a.txt", 5, "hello", 5, 0), STATUS_SUCCESS);
    assert_int_equal(vs_file_create(f->system, "a.txt", 5, "hello", 5, 0),
                     STATUS_OBJECT_NAME_COLLISION);
    assert_int_equal(VsCreateFile(f->thread, "missing", GENERIC_READ, 0, OPEN_EXISTING, 0),
                     VS_INVALID_HANDLE_VALUE);
    assert_int_equal(VsGetLastError(f->thread), ERROR_FILE_NOT_FOUND);
    assert_int_equal(VsCreateFile(f->thread, "a.txt", GENERIC_READ, 0, CREATE_NEW, 0),
                     VS_INVALID_HANDLE_VALUE);
    assert_int_equal(VsGetLastError(f->thread), ERROR_FILE_EXISTS);
    VsHandle h = VsCreateFile(f->thread, "a.txt", GENERIC_READ, 0, OPEN_ALWAYS, 0);
    assert_true(h != VS_INVALID_HANDLE_VALUE);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ALREADY_EXISTS);
    assert_int_equal(VsGetFileSize(f->thread, h, NULL), 5);
    assert_int_equal(file_byte(f, h, 1), 'e');
    uint8_t value;
    assert_int_equal(vs_file_read_byte(f->thread, h, 5, &value), STATUS_END_OF_FILE);
    VsHandle n = VsCreateFile(f->thread, "new.bin", GENERIC_READ | GENERIC_WRITE, 0, CREATE_NEW, 0);
    assert_true(n != VS_INVALID_HANDLE_VALUE);
    assert_int_equal(VsGetLastError(f->thread), ERROR_SUCCESS);
    assert_int_equal(VsGetFileSize(f->thread, n, NULL), 0);
    /* An empty file cannot be mapped without a size; with one, a writable section extends it. */
    assert_int_equal(VsCreateFileMapping(f->thread, n, PAGE_READWRITE, 0, 0, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_FILE_INVALID);
    VsHandle m = VsCreateFileMapping(f->thread, n, PAGE_READWRITE, 0, 10000, NULL);
    assert_true(m != 0);
    assert_int_equal(VsGetFileSize(f->thread, n, NULL), 10000);
    CHECK_INVARIANTS(f);
}

/* The section's rules: the handle's access, read-only sections cannot grow the file, images. */
static void test_section_rules(void **state)
{
    Fixture *f = *state;
    assert_int_equal(
        vs_file_create(f->system, "data", 36, "0123456789abcdefghijklmnopqrstuvwxyz", 36, 0),
        STATUS_SUCCESS);
    VsHandle ro = open_file(f, "data", GENERIC_READ);
    assert_int_equal(VsCreateFileMapping(f->thread, ro, PAGE_READWRITE, 0, 0, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    assert_int_equal(VsCreateFileMapping(f->thread, ro, PAGE_READONLY, 0, 4096, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOT_ENOUGH_MEMORY); /* SECTION_TOO_BIG */
    assert_int_equal(VsCreateFileMapping(f->thread, ro, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_BAD_EXE_FORMAT);
    /* A section handle is not a file handle. */
    VsHandle s = VsCreateFileMapping(f->thread, ro, PAGE_READONLY, 0, 0, NULL);
    assert_true(s != 0);
    assert_int_equal(VsCreateFileMapping(f->thread, s, PAGE_READONLY, 0, 0, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_HANDLE);
    /* The size stays 36 bytes: a view of 0 maps one page; the rest of the page reads zeros. */
    VsSectionInfo info;
    vs_section_info(vs_handle_section(f->thread, s), &info);
    assert_int_equal(info.size, 36);
    uint64_t before = 0;
    VsMemoryCounters c;
    vs_memory_counters(f->system, &c);
    before = c.commit_total;
    uint64_t v = VsMapViewOfFile(f->thread, s, FILE_MAP_READ, 0, 0, 0);
    assert_true(v != 0);
    assert_int_equal(query(f, v).RegionSize, 4096);
    assert_int_equal(query(f, v).Type, MEM_MAPPED);
    assert_int_equal(read_at(f, f->thread, v + 10), 'a');
    assert_int_equal(read_at(f, f->thread, v + 36), 0);
    vs_memory_counters(f->system, &c);
    assert_int_equal(c.commit_total, before); /* the file backs it: no commit */
    /* Committing in a file view: it is all committed already. */
    assert_int_equal(VsVirtualAlloc(f->thread, v, 4096, MEM_COMMIT, PAGE_READONLY), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_ALREADY_COMMITTED);
    CHECK_INVARIANTS(f);
}

/* Writes reach the file: read-coherent at once, in the file's bytes after a flush, after the
 * mapped page writer, or when the section goes; a write past the end of the file stays out. */
static void test_write_back(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_file_create(f->system, "log", 3 * 4096 + 100, NULL, 0, 'x'),
                     STATUS_SUCCESS);
    VsHandle h = open_file(f, "log", GENERIC_READ | GENERIC_WRITE);
    VsHandle s = VsCreateFileMapping(f->thread, h, PAGE_READWRITE, 0, 0, NULL);
    uint64_t v = VsMapViewOfFile(f->thread, s, FILE_MAP_WRITE, 0, 0, 0);
    assert_true(v != 0);
    assert_int_equal(read_at(f, f->thread, v), 'x');
    assert_int_equal(vs_memory_write(f->thread, v, 'A'), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(f->thread, v + 3 * 4096 + 200, 'Z'), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(file_byte(f, h, 0), 'A'); /* a read sees the view's page */
    /* FlushViewOfFile writes it; the byte past the end does not extend the file. */
    assert_true(VsFlushViewOfFile(f->thread, v, 0));
    CHECK_INVARIANTS(f);
    assert_int_equal(VsGetFileSize(f->thread, h, NULL), 3 * 4096 + 100);
    /* Another page: trimmed, written by the mapped page writer, repurposed, read back from the
     * file. */
    assert_int_equal(vs_memory_write(f->thread, v + 4096, 'B'), STATUS_SUCCESS);
    assert_true(VsEmptyWorkingSet(f->thread, VS_CURRENT_PROCESS));
    CHECK_INVARIANTS(f);
    for (int i = 0; i < 4; i++)
        vs_balance_set_tick(f->system); /* the mapped page writer runs */
    CHECK_INVARIANTS(f);
    /* Fill RAM with private pages so the file's frames are repurposed. */
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(192), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_true(p != 0);
    for (uint64_t a = p; a < p + KB(192); a += 4096)
        assert_int_equal(vs_memory_write(f->thread, a, 1), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(read_at(f, f->thread, v + 4096), 'B');
    assert_int_equal(read_at(f, f->thread, v), 'A');
    /* Close everything: the section goes, its dirty pages flushed; a new mapping reads them. */
    assert_int_equal(vs_memory_write(f->thread, v + 2 * 4096, 'C'), STATUS_SUCCESS);
    assert_true(VsUnmapViewOfFile(f->thread, v));
    assert_true(VsCloseHandle(f->thread, s));
    CHECK_INVARIANTS(f);
    assert_int_equal(file_byte(f, h, 2 * 4096), 'C');
    s = VsCreateFileMapping(f->thread, h, PAGE_READONLY, 0, 0, NULL);
    v = VsMapViewOfFile(f->thread, s, FILE_MAP_READ, 0, 0, 0);
    assert_int_equal(read_at(f, f->thread, v + 2 * 4096), 'C');
    assert_int_equal(read_at(f, f->thread, v + 3 * 4096 + 200), 0);
}

/* Two processes, two CreateFileMapping calls, one file: one set of pages. A copy-on-write view's
 * write never reaches the file. */
static void test_shared_file(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_file_create(f->system, "shared", 8192, NULL, 0, '.'), STATUS_SUCCESS);
    VsProcess *other = vs_process_create(f->system, "other");
    VsThread *t2 = vs_process_main_thread(other);
    VsHandle h1 = open_file(f, "shared", GENERIC_READ | GENERIC_WRITE);
    VsHandle h2 = VsCreateFile(t2, "shared", GENERIC_READ, 0, OPEN_EXISTING, 0);
    VsHandle s1 = VsCreateFileMapping(f->thread, h1, PAGE_READWRITE, 0, 0, NULL);
    VsHandle s2 = VsCreateFileMapping(t2, h2, PAGE_READONLY, 0, 0, NULL);
    assert_true(s1 && s2);
    uint64_t v1 = VsMapViewOfFile(f->thread, s1, FILE_MAP_WRITE, 0, 0, 0);
    uint64_t v2 = VsMapViewOfFile(t2, s2, FILE_MAP_READ, 0, 0, 0);
    uint64_t c2 = VsMapViewOfFile(t2, s2, FILE_MAP_COPY, 0, 0, 0);
    assert_true(v1 && v2 && c2);
    assert_int_equal(vs_memory_write(f->thread, v1 + 5, 'W'), STATUS_SUCCESS);
    assert_int_equal(read_at(f, t2, v2 + 5), 'W');
    assert_int_equal(read_at(f, t2, c2 + 5), 'W');
    assert_int_equal(vs_memory_write(t2, c2 + 6, 'P'), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(read_at(f, f->thread, v1 + 6), '.');
    assert_int_equal(file_byte(f, h1, 6), '.');
    assert_true(VsFlushViewOfFile(f->thread, v1, 8192));
    assert_int_equal(file_byte(f, h1, 5), 'W');
    /* FlushViewOfFile outside a view. */
    uint64_t p = VsVirtualAlloc(f->thread, 0, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    assert_false(VsFlushViewOfFile(f->thread, p, 0));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);
    CHECK_INVARIANTS(f);
}

/* Two sections of one file share its control area, but each handle names a section object of its
 * own size (WRK MmCreateSection's SizeOfSection): the larger one extends the control area, and a
 * whole view of the smaller still maps its own size, as MiMapViewOfDataSection reads it. */
static void test_section_objects(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_file_create(f->system, "grow", 4096, NULL, 0, 'g'), STATUS_SUCCESS);
    VsHandle h = open_file(f, "grow", GENERIC_READ | GENERIC_WRITE);
    VsHandle small = VsCreateFileMapping(f->thread, h, PAGE_READWRITE, 0, 0x1000, NULL);
    VsHandle large = VsCreateFileMapping(f->thread, h, PAGE_READWRITE, 0, 0x3000, NULL);
    assert_true(small && large);
    assert_ptr_equal(vs_handle_section(f->thread, small), vs_handle_section(f->thread, large));
    VsSectionBasicInformation info;
    assert_int_equal(
        VsNtQuerySection(f->thread, small, SectionBasicInformation, &info, sizeof info, NULL),
        STATUS_SUCCESS);
    assert_int_equal(info.Size, 0x1000);
    uint64_t v = VsMapViewOfFile(f->thread, small, FILE_MAP_WRITE, 0, 0, 0);
    uint64_t w = VsMapViewOfFile(f->thread, large, FILE_MAP_WRITE, 0, 0, 0);
    assert_true(v && w);
    assert_int_equal(query(f, v).RegionSize, 0x1000);
    assert_int_equal(query(f, w).RegionSize, 0x3000);
    assert_int_equal(VsMapViewOfFile(f->thread, small, FILE_MAP_WRITE, 0, 0, 0x2000), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    assert_int_equal(vs_memory_write(f->thread, v + 1, 'S'), STATUS_SUCCESS);
    assert_int_equal(read_at(f, f->thread, w + 1), 'S'); /* one control area: one page */
    CHECK_INVARIANTS(f);
}

/* ReadFile: the bytes at the file object's offset, which its duplicate shares; the buffer probed
 * for writing, every page of it, before anything is read (test_write_watch L2007-2043). */
static void test_read_file(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_file_create(f->system, "r.txt", 5000, "abc", 3, 'z'), STATUS_SUCCESS);
    VsHandle h = open_file(f, "r.txt", GENERIC_READ);
    uint64_t b = VsVirtualAlloc(f->thread, 0, 0x4000, MEM_COMMIT | MEM_RESERVE | MEM_WRITE_WATCH,
                                PAGE_READWRITE);
    assert_true(b != 0);
    uint64_t read = 7, pages[4], count = 4;
    uint32_t granularity;
    assert_true(VsReadFile(f->thread, h, b, 2, &read, 0));
    assert_int_equal(read, 2);
    assert_int_equal(read_at(f, f->thread, b + 1), 'b');
    /* The duplicate goes on from where the first handle stopped, to the end of the file. */
    VsHandle d = 0;
    assert_true(VsDuplicateHandle(f->thread, VS_CURRENT_PROCESS, h, VS_CURRENT_PROCESS, &d, 0,
                                  false, DUPLICATE_SAME_ACCESS));
    assert_true(VsCloseHandle(f->thread, h));
    assert_int_equal(VsResetWriteWatch(f->thread, b, 0x4000), 0);
    assert_true(VsReadFile(f->thread, d, b, 0x4000, &read, 0));
    assert_int_equal(read, 4998);
    assert_int_equal(read_at(f, f->thread, b), 'c');
    assert_int_equal(read_at(f, f->thread, b + 4997), 'z');
    assert_int_equal(VsGetWriteWatch(f->thread, 0, b, 0x4000, pages, &count, &granularity), 0);
    assert_int_equal(count, 4); /* all four probed, two written */
    /* At the end: a success of nothing. */
    assert_true(VsReadFile(f->thread, d, b, 0x4000, &read, 0));
    assert_int_equal(read, 0);
    /* A read-only page in the buffer: the probe fails before anything is read. */
    assert_int_equal(vs_file_create(f->system, "s.txt", 10, "0123456789", 10, 0), STATUS_SUCCESS);
    VsHandle s = open_file(f, "s.txt", GENERIC_READ);
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, b + 0x1000, 0x1000, PAGE_READONLY, &old));
    read = 7;
    assert_false(VsReadFile(f->thread, s, b + 0xFFF, 2, &read, 0));
    assert_int_equal(VsGetLastError(f->thread), ERROR_NOACCESS);
    assert_int_equal(read, 0);
    assert_int_equal(read_at(f, f->thread, b + 0xFFF), 'z');
    /* A handle without FILE_READ_DATA, and one that is no file. */
    VsHandle w = open_file(f, "s.txt", GENERIC_WRITE);
    assert_false(VsReadFile(f->thread, w, b, 2, &read, 0));
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    assert_false(VsReadFile(f->thread, VS_CURRENT_PROCESS, b, 2, &read, 0));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_HANDLE);
    /* The first read of the other handle starts at its own offset, 0. */
    assert_true(VsReadFile(f->thread, s, b, 4, &read, 0));
    assert_int_equal(read_at(f, f->thread, b + 3), '3');
    CHECK_INVARIANTS(f);
}

#define SMALL(test) cmocka_unit_test_setup_teardown(test, setup_small, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        SMALL(test_create_file), SMALL(test_section_rules),   SMALL(test_write_back),
        SMALL(test_shared_file), SMALL(test_section_objects), SMALL(test_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
