/*
 * test_prototype.c - what is stored sparsely, and that it costs what is present (sparse.c,
 * prototype.c, file.c's pages, pagefile.c's slots, wrtwatch.c's bitmaps): the sparse array and
 * its runs on their own, then sections, files, the page file and write-watch reservations of
 * terabytes whose host bytes (vs_system_host_bytes) stay those of the few pages touched. No test
 * times anything: the bounds are bytes. Invariants after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "internal.h"
#include "testutil.h"

#define TB(n) (GB(n) * 1024)
#define PAGE KB(4)
#define LIMIT ((1ull << VS_SPARSE_INDEX_BITS) - 1)

/* ---- The sparse array ------------------------------------------------------------------------ */

/* Entries read as the initial value until set; only those that differ are stored, and a set back
 * to the initial value frees what held them. */
static void test_sparse_stores_only_what_differs(void **state)
{
    (void)state;
    VsSparse a;
    vs_sparse_init(&a, 7);
    assert_int_equal(vs_sparse_get(&a, 0), 7);
    assert_int_equal(vs_sparse_get(&a, LIMIT), 7);
    assert_int_equal(vs_sparse_next(&a, 0, LIMIT), LIMIT + 1);
    assert_true(vs_sparse_set(&a, 5, 7)); /* the initial value: nothing stored */
    assert_int_equal(a.nodes, 0);
    assert_true(vs_sparse_set(&a, 3, 1));
    assert_true(vs_sparse_set(&a, 1ull << 30, 2));
    assert_true(vs_sparse_set(&a, LIMIT, 3));
    assert_true(vs_sparse_valid(&a));
    assert_int_equal(vs_sparse_get(&a, 3), 1);
    assert_int_equal(vs_sparse_get(&a, 1ull << 30), 2);
    assert_int_equal(vs_sparse_get(&a, LIMIT), 3);
    assert_int_equal(vs_sparse_get(&a, 4), 7);
    /* Three entries far apart: a path of nodes each, never a node per 64 entries spanned. */
    assert_true(a.nodes <= 3 * 6);
    assert_int_equal(vs_sparse_next(&a, 0, LIMIT), 3);
    assert_int_equal(vs_sparse_next(&a, 4, LIMIT), 1ull << 30);
    assert_int_equal(vs_sparse_next(&a, (1ull << 30) + 1, LIMIT - 1), LIMIT);
    assert_int_equal(vs_sparse_prev(&a, LIMIT - 1, 0), 1ull << 30);
    assert_int_equal(vs_sparse_prev(&a, 2, 0), UINT64_MAX);
    assert_int_equal(vs_sparse_prev(&a, 1ull << 29, 4), UINT64_MAX);
    assert_true(vs_sparse_set(&a, 3, 7));
    assert_true(vs_sparse_set(&a, LIMIT, 7));
    assert_true(vs_sparse_valid(&a));
    assert_true(vs_sparse_set(&a, 1ull << 30, 7));
    assert_int_equal(a.nodes, 0); /* every entry back to the initial value: nothing held */
    assert_int_equal(vs_sparse_bytes(&a), 0);
    vs_sparse_fini(&a);
}

/* Prepared leaves make sets unable to fail; those no set used are freed again. */
static void test_sparse_prepare_and_release(void **state)
{
    (void)state;
    VsSparse a;
    vs_sparse_init(&a, 0);
    assert_true(vs_sparse_prepare(&a, 100, 1000));
    uint64_t prepared = a.nodes;
    assert_true(prepared >= (1000 / 64 - 100 / 64 + 1));
    assert_true(vs_sparse_set(&a, 500, 9));
    assert_int_equal(a.nodes, prepared);
    vs_sparse_release_empty(&a, 0, LIMIT);
    assert_true(vs_sparse_valid(&a));
    assert_int_equal(vs_sparse_get(&a, 500), 9);
    assert_int_equal(vs_sparse_next(&a, 0, LIMIT), 500);
    assert_true(a.nodes < prepared);
    vs_sparse_fini(&a);
    assert_int_equal(a.nodes, 0);
}

/* A new initial value: what was not stored reads as it; stored entries equal to it are dropped. */
static void test_sparse_new_initial_value(void **state)
{
    (void)state;
    VsSparse a;
    vs_sparse_init(&a, 1);
    assert_true(vs_sparse_set(&a, 10, 2));
    assert_true(vs_sparse_set(&a, 20, 3));
    vs_sparse_set_initial(&a, 2);
    assert_true(vs_sparse_valid(&a));
    assert_int_equal(vs_sparse_get(&a, 0), 2);
    assert_int_equal(vs_sparse_get(&a, 10), 2);
    assert_int_equal(vs_sparse_get(&a, 20), 3);
    assert_int_equal(vs_sparse_next(&a, 0, LIMIT), 20);
    vs_sparse_fini(&a);
}

/* Runs: ranges put in and taken out merge and split, and counting costs a step per run. */
static void test_runs(void **state)
{
    (void)state;
    VsRuns r;
    vs_runs_init(&r);
    assert_true(vs_runs_set(&r, 0, (1ull << 32) - 1, true)); /* 16 TB of pages: one entry */
    assert_true(vs_runs_contains(&r, 12345));
    assert_false(vs_runs_contains(&r, 1ull << 32));
    assert_true(vs_runs_set(&r, 100, 199, false)); /* a hole: two runs */
    assert_false(vs_runs_contains(&r, 150));
    assert_true(vs_runs_contains(&r, 99));
    assert_true(vs_runs_contains(&r, 200));
    assert_int_equal(vs_runs_count(&r, 0, 299), 200);
    assert_true(vs_runs_set(&r, 150, 150, true)); /* one page back */
    assert_int_equal(vs_runs_count(&r, 100, 199), 1);
    assert_true(vs_runs_set(&r, 100, 199, true)); /* the hole closed: one run again */
    assert_int_equal(vs_runs_count(&r, 0, UINT64_MAX), 1ull << 32);
    assert_true(vs_runs_set(&r, 1000, UINT64_MAX, false)); /* truncated */
    assert_int_equal(vs_runs_count(&r, 0, UINT64_MAX), 1000);
    assert_true(vs_sparse_valid(&r.starts));
    assert_true(r.starts.nodes <= 6);
    vs_runs_fini(&r);
}

/* ---- A terabyte of section ------------------------------------------------------------------- */

static VsHostBytes host_bytes(Fixture *f)
{
    VsHostBytes bytes;
    vs_system_host_bytes(f->system, &bytes);
    return bytes;
}

static VsMemoryBasicInformation region(Fixture *f, uint64_t address)
{
    VsMemoryBasicInformation m;
    assert_int_equal(VsVirtualQuery(f->thread, address, &m, sizeof m), sizeof m);
    return m;
}

/*
 * A 1 TB SEC_RESERVE section and a view of all of it cost the section object and nothing per page
 * (2 GB of prototype PTEs before they were sparse); pages committed far apart cost a few KB each,
 * and VirtualQuery finds the regions between them.
 */
static void test_terabyte_reserve_view_costs_what_is_committed(void **state)
{
    Fixture *f = *state;
    VsHostBytes before = host_bytes(f);
    VsHandle h = VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE,
                                     PAGE_READWRITE | SEC_RESERVE, 0x100, 0, NULL);
    assert_int_not_equal(h, 0);
    uint64_t v = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    assert_int_not_equal(v, 0);
    CHECK_INVARIANTS(f);
    assert_true(host_bytes(f).sections - before.sections < KB(1));
    assert_int_equal(region(f, v).RegionSize, TB(1));
    assert_int_equal(region(f, v).State, MEM_RESERVE);

    const uint64_t at[3] = {0, GB(512), TB(1) - KB(64)};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(VsVirtualAlloc(f->thread, v + at[i], PAGE, MEM_COMMIT, PAGE_READWRITE),
                         v + at[i]);
        assert_int_equal(vs_memory_write(f->thread, v + at[i], (uint8_t)(i + 1)), STATUS_SUCCESS);
        CHECK_INVARIANTS(f);
    }
    assert_true(host_bytes(f).sections - before.sections < KB(32));
    VsMemoryBasicInformation m = region(f, v);
    assert_int_equal(m.RegionSize, PAGE);
    assert_int_equal(m.State, MEM_COMMIT);
    m = region(f, v + PAGE);
    assert_int_equal(m.RegionSize, GB(512) - PAGE);
    assert_int_equal(m.State, MEM_RESERVE);
    assert_int_equal(region(f, v + GB(512) + PAGE).RegionSize, GB(512) - KB(64) - PAGE);
    assert_int_equal(region(f, v + TB(1) - KB(64)).RegionSize, PAGE);
    assert_int_equal(region(f, v + TB(1) - KB(60)).State, MEM_RESERVE);

    const VsSection *section = vs_handle_section(f->thread, h);
    assert_int_equal(vs_section_prototype_run_end(section, 1), vs_vpn(GB(512)) - 1);
    assert_int_equal(vs_section_prototype_run_end(section, vs_vpn(GB(512)) + 1),
                     vs_vpn(TB(1) - KB(64)) - 1);
    assert_true(VsUnmapViewOfFile(f->thread, v));
    assert_true(VsCloseHandle(f->thread, h));
    CHECK_INVARIANTS(f);
    assert_true(host_bytes(f).sections - before.sections <= sizeof(void *)); /* its table slot */
}

/* A file of 64 GB with a few pages written costs a few pages; views of it a window at a time read
 * the fill, the text and what was written; cutting and growing it costs the pages written. */
static void test_huge_file_costs_written_pages(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_file_create(f->system, "big", GB(64), "MZ", 2, 'x'), STATUS_SUCCESS);
    assert_true(host_bytes(f).files < KB(16));
    VsHandle file =
        VsCreateFile(f->thread, "big", GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, 0);
    VsHandle h = VsCreateFileMapping(f->thread, file, PAGE_READWRITE, 0, 0, NULL);
    assert_int_not_equal(h, 0);
    for (uint64_t offset = 0; offset < GB(64); offset += GB(16)) {
        uint64_t v =
            VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, (uint32_t)(offset >> 32), 0, MB(1));
        assert_int_not_equal(v, 0);
        uint8_t byte;
        assert_int_equal(vs_memory_read(f->thread, v + 2, &byte), STATUS_SUCCESS);
        assert_int_equal(byte, 'x');
        assert_int_equal(vs_memory_write(f->thread, v + 3, 'w'), STATUS_SUCCESS);
        assert_true(VsFlushViewOfFile(f->thread, v, 0));
        assert_true(VsUnmapViewOfFile(f->thread, v));
        CHECK_INVARIANTS(f);
    }
    uint8_t byte;
    assert_int_equal(vs_file_read_byte(f->thread, file, 0, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'M');
    assert_int_equal(vs_file_read_byte(f->thread, file, GB(48) + 3, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'w');
    assert_int_equal(vs_file_read_byte(f->thread, file, GB(64) - 1, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'x');
    assert_true(host_bytes(f).files < 4 * PAGE + KB(32)); /* four pages written */
    assert_true(VsCloseHandle(f->thread, h));
    assert_true(VsCloseHandle(f->thread, file));
    CHECK_INVARIANTS(f);
}

/* A 64 GB page file costs its bitmap and the pages written to it, not a pointer per slot. */
static void test_page_file_costs_pages_written(void **state)
{
    (void)state;
    VsSystem *system = vs_system_create(
        &(VsSystemConfig){.arch = VS_ARCH_X64, .ram_bytes = MB(1), .pagefile_bytes = GB(64)});
    VsThread *thread = vs_process_main_thread(vs_process_create(system, "paging"));
    VsHostBytes bytes;
    vs_system_host_bytes(system, &bytes);
    assert_true(bytes.pagefile <= GB(64) / PAGE / 8 + KB(4)); /* a bit per slot */
    uint64_t bitmap = bytes.pagefile;
    uint64_t p = VsVirtualAlloc(thread, 0, MB(2), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    for (uint64_t i = 0; i < MB(2) / PAGE; i++) /* twice RAM: half goes to the page file */
        assert_int_equal(vs_memory_write(thread, p + i * PAGE, 1), STATUS_SUCCESS);
    assert_true(vs_check(system, NULL, 0));
    vs_system_host_bytes(system, &bytes);
    VsMemoryCounters counters;
    vs_memory_counters(system, &counters);
    assert_true(counters.pagefile_used > 0);
    assert_true(bytes.pagefile - bitmap <= counters.pagefile_used * (PAGE + 64) + KB(8));
    vs_system_destroy(system);
}

/* A write-watch reservation of 100 TB costs a word only where a page was written. */
static void test_terabyte_write_watch(void **state)
{
    Fixture *f = *state;
    uint64_t p =
        VsVirtualAlloc(f->thread, 0, TB(100), MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    assert_int_equal(VsVirtualAlloc(f->thread, p + TB(50), KB(64), MEM_COMMIT, PAGE_READWRITE),
                     p + TB(50));
    assert_int_equal(vs_memory_write(f->thread, p + TB(50) + KB(8), 1), STATUS_SUCCESS);
    assert_int_equal(vs_empty_working_set(f->process), 1); /* the Dirty bit goes to the bitmap */
    CHECK_INVARIANTS(f);
    assert_true(host_bytes(f).processes < KB(64));
    uint64_t addresses[4], count = 4;
    uint32_t granularity;
    assert_int_equal(VsGetWriteWatch(f->thread, WRITE_WATCH_FLAG_RESET, p, TB(100), addresses,
                                     &count, &granularity),
                     0);
    assert_int_equal(count, 1);
    assert_int_equal(addresses[0], p + TB(50) + KB(8));
    count = 4;
    assert_int_equal(VsGetWriteWatch(f->thread, 0, p, TB(100), addresses, &count, &granularity), 0);
    assert_int_equal(count, 0);
    assert_true(VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
}

/* A Linux mapping of 100 TB: touched far apart, re-protected, advised, moved, forked and
 * unmapped, for the cost of the pages touched. */
static void test_linux_terabytes(void **state)
{
    Fixture *f = *state;
    const uint32_t rw = VS_PROT_READ | VS_PROT_WRITE;
    uint64_t p = (uint64_t)vs_mmap(f->thread, 0, TB(100), rw,
                                   VS_MAP_PRIVATE | VS_MAP_ANONYMOUS | VS_MAP_NORESERVE, -1, 0);
    assert_int_not_equal(p, VS_MAP_FAILED);
    for (uint64_t at = 0; at < TB(100); at += TB(25))
        assert_int_equal(vs_memory_write(f->thread, p + at, 1), STATUS_SUCCESS);
    assert_int_equal(vs_mprotect(f->thread, p, TB(100), VS_PROT_READ), 0);
    assert_int_equal(vs_mprotect(f->thread, p, TB(100), rw), 0);
    assert_int_equal(vs_madvise(f->thread, p + TB(25), TB(75), VS_MADV_DONTNEED), 0);
    CHECK_INVARIANTS(f);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, p, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 1);
    assert_int_equal(vs_memory_read(f->thread, p + TB(50), &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0);
    assert_true(host_bytes(f).page_tables < MB(1));
    assert_int_equal(vs_munmap(f->thread, p, TB(100)), 0);
    CHECK_INVARIANTS(f);
}

static int setup_linux(void **state) { return fixture_setup_linux(state); }

#define X64(test) cmocka_unit_test_setup_teardown(test, fixture_setup_x64, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sparse_stores_only_what_differs),
        cmocka_unit_test(test_sparse_prepare_and_release),
        cmocka_unit_test(test_sparse_new_initial_value),
        cmocka_unit_test(test_runs),
        X64(test_terabyte_reserve_view_costs_what_is_committed),
        X64(test_huge_file_costs_written_pages),
        cmocka_unit_test(test_page_file_costs_pages_written),
        X64(test_terabyte_write_watch),
        cmocka_unit_test_setup_teardown(test_linux_terabytes, setup_linux, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
