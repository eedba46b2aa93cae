/*
 * test_section.c - sections, views, prototype PTEs and copy-on-write (section.c, mapview.c, the
 * prototype branch of fault.c): creation rules and commit, names, the view rules, bytes shared
 * through prototype PTEs across processes, shared pages through trimming, the modified writer and
 * repurposing, copy-on-write, lifetime (views outlive handles). Invariants after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

static int setup_small(void **state)
{
    return fixture_setup_config(
        state,
        &(VsSystemConfig){.arch = VS_ARCH_X64, .ram_bytes = KB(128), .pagefile_bytes = KB(512)});
}

static VsMemoryCounters memory(Fixture *f)
{
    VsMemoryCounters c;
    vs_memory_counters(f->system, &c);
    return c;
}

static uint8_t read_in(Fixture *f, VsThread *thread, uint64_t address)
{
    uint8_t value = 0xEE;
    assert_int_equal(vs_memory_read(thread, address, &value), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    return value;
}

static void write_in(Fixture *f, VsThread *thread, uint64_t address, uint8_t value)
{
    assert_int_equal(vs_memory_write(thread, address, value), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
}

static VsMemoryBasicInformation mbi_of(VsThread *thread, uint64_t address)
{
    VsMemoryBasicInformation mbi;
    assert_int_equal(VsVirtualQuery(thread, address, &mbi, sizeof mbi), sizeof mbi);
    return mbi;
}

static VsHandle create(Fixture *f, uint32_t protect, uint64_t size, const char *name)
{
    VsHandle h = VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, protect,
                                     (uint32_t)(size >> 32), (uint32_t)size, name);
    assert_true(h != 0);
    CHECK_INVARIANTS(f);
    return h;
}

/* SEC_COMMIT charges the system for the whole size at creation, SEC_RESERVE nothing; closing the
 * last handle gives it back. The rules of NtCreateSection and of kernelbase. */
static void test_create_rules_and_commit(void **state)
{
    Fixture *f = *state;
    uint64_t before = memory(f).commit_total;
    VsHandle h = create(f, PAGE_READWRITE, KB(64) + 1, NULL); /* 17 pages */
    assert_int_equal(VsGetLastError(f->thread), ERROR_SUCCESS);
    assert_int_equal(memory(f).commit_total, before + 17);
    VsHandle r = create(f, PAGE_READWRITE | SEC_RESERVE, MB(1), NULL);
    assert_int_equal(memory(f).commit_total, before + 17);
    assert_true(VsCloseHandle(f->thread, h));
    assert_true(VsCloseHandle(f->thread, r));
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).commit_total, before);
    /* Size 0 without a file; a protection no section can have; both SEC_ kinds. */
    assert_int_equal(
        VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    assert_int_equal(
        VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_NOACCESS, 0, 4096, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    uint64_t size = 4096;
    VsHandle out;
    assert_int_equal(VsNtCreateSection(f->thread, &out, SECTION_ALL_ACCESS, NULL, 0, &size,
                                       PAGE_READWRITE, SEC_COMMIT | SEC_RESERVE, VS_NULL_HANDLE),
                     STATUS_INVALID_PARAMETER_6);
    assert_int_equal(VsNtCreateSection(f->thread, &out, SECTION_ALL_ACCESS, NULL, 0, &size,
                                       PAGE_READWRITE | PAGE_GUARD, SEC_COMMIT, VS_NULL_HANDLE),
                     STATUS_INVALID_PAGE_PROTECTION);
    /* An image section needs an executable file; large pages need SEC_COMMIT. */
    assert_int_equal(VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE,
                                         PAGE_READONLY | SEC_IMAGE, 0, 4096, NULL),
                     0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_BAD_EXE_FORMAT);
    assert_int_equal(VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE,
                                         PAGE_READWRITE | SEC_RESERVE | SEC_LARGE_PAGES, 0, 4096,
                                         NULL),
                     0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    /* A pagefile-backed section is whole pages long: 0x3452 bytes make 0x4000. */
    size = 0x3452;
    assert_int_equal(VsNtCreateSection(f->thread, &out, SECTION_ALL_ACCESS, NULL, 0, &size,
                                       PAGE_READONLY, SEC_COMMIT, VS_NULL_HANDLE),
                     STATUS_SUCCESS);
    VsSectionInfo info;
    vs_section_info(vs_handle_section(f->thread, out), &info);
    assert_int_equal(info.size, 0x4000);
    assert_true(VsCloseHandle(f->thread, out));
    /* More than the commit limit allows. */
    size = (memory(f).commit_limit + 1) * 4096;
    assert_int_equal(VsNtCreateSection(f->thread, &out, SECTION_ALL_ACCESS, NULL, 0, &size,
                                       PAGE_READWRITE, SEC_COMMIT, VS_NULL_HANDLE),
                     STATUS_COMMITMENT_LIMIT);
    CHECK_INVARIANTS(f);
}

/* A name opens the existing section (ERROR_ALREADY_EXISTS on success, the size asked for ignored);
 * NtCreateSection without OBJ_OPENIF collides; OpenFileMapping of a missing name fails; the name
 * goes with the section. */
static void test_names(void **state)
{
    Fixture *f = *state;
    VsHandle a = create(f, PAGE_READWRITE, KB(64), "shared");
    VsHandle b = create(f, PAGE_READONLY, KB(4), "shared");
    assert_int_equal(VsGetLastError(f->thread), ERROR_ALREADY_EXISTS);
    assert_ptr_equal(vs_handle_section(f->thread, a), vs_handle_section(f->thread, b));
    VsSectionInfo info;
    vs_section_info(vs_handle_section(f->thread, b), &info);
    assert_int_equal(info.size, KB(64));
    assert_int_equal(info.handles, 2);
    uint64_t size = 4096;
    VsHandle out;
    assert_int_equal(VsNtCreateSection(f->thread, &out, SECTION_ALL_ACCESS, "shared", 0, &size,
                                       PAGE_READWRITE, SEC_COMMIT, VS_NULL_HANDLE),
                     STATUS_OBJECT_NAME_COLLISION);
    assert_int_equal(VsOpenFileMapping(f->thread, FILE_MAP_READ, false, "missing"), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_FILE_NOT_FOUND);
    /* Names are case-sensitive; OpenFileMapping needs a name (kernelbase refuses NULL). */
    assert_int_equal(VsOpenFileMapping(f->thread, FILE_MAP_READ, false, "SHARED"), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_FILE_NOT_FOUND);
    assert_int_equal(VsOpenFileMapping(f->thread, FILE_MAP_READ, false, NULL), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_PARAMETER);
    /* A view keeps the section, not its name: with the last handle the name goes, and creating
     * it again makes a new section (last error 0) while the old view still shows the old bytes. */
    uint64_t view = VsMapViewOfFile(f->thread, a, FILE_MAP_WRITE, 0, 0, 0);
    write_in(f, f->thread, view, 0x5A);
    assert_true(VsCloseHandle(f->thread, a));
    assert_true(VsCloseHandle(f->thread, b));
    CHECK_INVARIANTS(f);
    assert_int_equal(VsOpenFileMapping(f->thread, FILE_MAP_READ, false, "shared"), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_FILE_NOT_FOUND);
    VsHandle c = create(f, PAGE_READWRITE, KB(64), "shared");
    assert_int_equal(VsGetLastError(f->thread), ERROR_SUCCESS);
    uint64_t fresh = VsMapViewOfFile(f->thread, c, FILE_MAP_READ, 0, 0, 0);
    assert_int_equal(read_in(f, f->thread, fresh), 0);
    assert_int_equal(read_in(f, f->thread, view), 0x5A);
    assert_true(VsUnmapViewOfFile(f->thread, view));
    assert_true(VsUnmapViewOfFile(f->thread, fresh));
    assert_true(VsCloseHandle(f->thread, c));
    CHECK_INVARIANTS(f);
}

/* The view rules: 64 KB offsets, a view inside the section, size 0 to its end, a writable view of
 * a read-only section refused (by the handle's rights through kernelbase, by the section's
 * protection at the NT layer), MEM_MAPPED in VirtualQuery, unmapping by any address in the view. */
static void test_view_rules(void **state)
{
    Fixture *f = *state;
    VsHandle h = create(f, PAGE_READWRITE, KB(128) + 100, NULL);
    assert_int_equal(VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 4096, 0), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_MAPPED_ALIGNMENT);
    assert_int_equal(VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, KB(256)), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED); /* STATUS_INVALID_VIEW_SIZE */
    uint64_t v = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, KB(64), 0);
    assert_true(v != 0 && v % KB(64) == 0);
    CHECK_INVARIANTS(f);
    VsMemoryBasicInformation mbi = mbi_of(f->thread, v);
    assert_int_equal(mbi.Type, MEM_MAPPED);
    assert_int_equal(mbi.State, MEM_COMMIT);
    assert_int_equal(mbi.Protect, PAGE_READWRITE);
    assert_int_equal(mbi.RegionSize, KB(68)); /* 64 KB + 100 bytes, in pages */
    assert_false(VsVirtualFree(f->thread, v, 0, MEM_RELEASE));
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_UNABLE_TO_DELETE_SECTION);
    assert_true(VsUnmapViewOfFile(f->thread, v + KB(8)));
    CHECK_INVARIANTS(f);
    assert_int_equal(mbi_of(f->thread, v).State, MEM_FREE);
    assert_false(VsUnmapViewOfFile(f->thread, v));
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_ADDRESS);

    VsHandle ro = create(f, PAGE_READONLY, KB(64), NULL);
    assert_int_equal(VsMapViewOfFile(f->thread, ro, FILE_MAP_WRITE, 0, 0, 0), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    uint64_t size = KB(64), base = 0, offset = 0;
    VsHandle all;
    assert_int_equal(VsNtCreateSection(f->thread, &all, SECTION_ALL_ACCESS, NULL, 0, &size,
                                       PAGE_READONLY, SEC_COMMIT, VS_NULL_HANDLE),
                     STATUS_SUCCESS);
    size = 0;
    assert_int_equal(VsNtMapViewOfSection(f->thread, all, VS_CURRENT_PROCESS, &base, 0, 0, &offset,
                                          &size, 1, 0, PAGE_READWRITE),
                     STATUS_SECTION_PROTECTION);
    assert_int_equal(VsNtMapViewOfSection(f->thread, all, VS_CURRENT_PROCESS, &base, 0, 0, &offset,
                                          &size, 3, 0, PAGE_READONLY),
                     STATUS_INVALID_PARAMETER);
    /* MEM_RESERVE is for views of files that may run past the file's end, never for the page
     * file; the offset rounds nothing: a view of a page past the section's end is refused. */
    assert_int_equal(VsNtMapViewOfSection(f->thread, all, VS_CURRENT_PROCESS, &base, 0, 0, &offset,
                                          &size, 1, MEM_RESERVE, PAGE_READONLY),
                     STATUS_INVALID_PARAMETER_9);
    offset = KB(64);
    assert_int_equal(VsNtMapViewOfSection(f->thread, all, VS_CURRENT_PROCESS, &base, 0, 0, &offset,
                                          &size, 1, 0, PAGE_READONLY),
                     STATUS_INVALID_VIEW_SIZE);
    /* VirtualProtect is limited by the view, not only the section: a read view of a writable
     * section takes PAGE_READONLY or PAGE_WRITECOPY, not PAGE_READWRITE. */
    uint64_t read_view = VsMapViewOfFile(f->thread, h, FILE_MAP_READ, 0, 0, 0);
    uint32_t old;
    assert_false(VsVirtualProtect(f->thread, read_view, 4096, PAGE_READWRITE, &old));
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_SECTION_PROTECTION);
    assert_true(VsVirtualProtect(f->thread, read_view, 4096, PAGE_WRITECOPY, &old));
    assert_int_equal(old, PAGE_READONLY);
    CHECK_INVARIANTS(f);
    uint64_t ro_view = VsMapViewOfFile(f->thread, ro, FILE_MAP_READ, 0, 0, 0);
    assert_true(ro_view != 0);
    assert_int_equal(vs_memory_write(f->thread, ro_view, 1), STATUS_ACCESS_VIOLATION);
    CHECK_INVARIANTS(f);
}

/* NtMapViewOfSection(Ex) at a given base: v mapped, size in pages, type and zero bits as given. */
static VsStatus map_at(Fixture *f, VsHandle h, uint64_t *base, uint64_t offset, uint64_t zero_bits,
                       uint32_t type)
{
    uint64_t size = 0;
    VsStatus status = VsNtMapViewOfSection(f->thread, h, VS_CURRENT_PROCESS, base, zero_bits, 0,
                                           &offset, &size, 1, type, PAGE_READWRITE);
    CHECK_INVARIANTS(f);
    return status;
}

/* A base given with zero bits it does not satisfy is the fourth parameter's fault, before its
 * alignment is looked at; one that satisfies them must still be 64 KB aligned. AT_ROUND_TO_PAGE is
 * refused on 64-bit: _9 by the legacy call, STATUS_INVALID_PARAMETER by the Ex call (Wine's
 * test_NtMapViewOfSection and test_NtMapViewOfSectionEx). */
static void test_view_base_rules_x64(void **state)
{
    Fixture *f = *state;
    VsHandle h = create(f, PAGE_READWRITE, KB(64), NULL);
    uint64_t base = 0x20001000;
    assert_int_equal(map_at(f, h, &base, 0, 3, 0), STATUS_INVALID_PARAMETER_4);
    assert_int_equal(map_at(f, h, &base, 0, 2, 0), STATUS_MAPPED_ALIGNMENT);
    base = 0x20000000;
    assert_int_equal(map_at(f, h, &base, 0, 3, 0), STATUS_INVALID_PARAMETER_4);
    assert_int_equal(map_at(f, h, &base, 0, 2, 0), STATUS_SUCCESS);
    base = 0x20011000;
    assert_int_equal(map_at(f, h, &base, 0, 0, AT_ROUND_TO_PAGE), STATUS_INVALID_PARAMETER_9);
    uint64_t offset = 0, size = 0;
    assert_int_equal(VsNtMapViewOfSectionEx(f->thread, h, VS_CURRENT_PROCESS, &base, &offset, &size,
                                            AT_ROUND_TO_PAGE, PAGE_READWRITE, NULL, 0),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(mbi_of(f->thread, 0x20000000).Type, MEM_MAPPED);
}

/* On native 32-bit Windows AT_ROUND_TO_PAGE maps a view at the page holding the base, anywhere in
 * its granule, and page-aligned offsets do; a base in a view conflicts. Without the flag the 64 KB
 * rules stand (Wine's test_NtMapViewOfSection). */
static void test_round_to_page_x86(void **state)
{
    Fixture *f = *state;
    VsHandle h = create(f, PAGE_READWRITE, KB(64), NULL);
    uint64_t v = 0x20000000, base = v;
    assert_int_equal(map_at(f, h, &base, 0, 0, 0), STATUS_SUCCESS);
    base = v + 42; /* the view's first page: taken */
    assert_int_equal(map_at(f, h, &base, 0, 0, AT_ROUND_TO_PAGE), STATUS_CONFLICTING_ADDRESSES);
    base = v + KB(64) + 1;
    assert_int_equal(map_at(f, h, &base, KB(4), 0, 0), STATUS_MAPPED_ALIGNMENT);
    assert_int_equal(map_at(f, h, &base, KB(4), 0, AT_ROUND_TO_PAGE), STATUS_SUCCESS);
    assert_int_equal(base, v + KB(64)); /* rounded down to its page */
    VsMemoryBasicInformation mbi = query(f, base);
    assert_int_equal(mbi.AllocationBase, base);
    assert_int_equal(mbi.RegionSize, KB(60)); /* the section from its second page */
    base = v + KB(120);                       /* the second view's last page */
    assert_int_equal(map_at(f, h, &base, 1, 0, AT_ROUND_TO_PAGE), STATUS_MAPPED_ALIGNMENT);
    assert_int_equal(map_at(f, h, &base, 0, 0, AT_ROUND_TO_PAGE), STATUS_CONFLICTING_ADDRESSES);
    base = v + KB(124); /* just past it */
    assert_int_equal(map_at(f, h, &base, 0, 0, AT_ROUND_TO_PAGE), STATUS_SUCCESS);
    assert_int_equal(query(f, v + KB(124)).AllocationBase, v + KB(124));
}

/* Two processes map one section: the bytes one writes, the other reads, through one frame whose
 * share count is the two valid PTEs. Trimmed from one process the frame stays active; from both
 * it goes to the modified list, is written out, repurposed, and read back by a hard fault through
 * the prototype PTE. */
static void test_shared_pages_across_processes(void **state)
{
    Fixture *f = *state;
    VsProcess *other = vs_process_create(f->system, "other");
    VsThread *t2 = vs_process_main_thread(other);
    VsHandle h = create(f, PAGE_READWRITE, KB(64), "data");
    uint64_t a = VsMapViewOfFile(f->thread, h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    VsHandle h2 = VsOpenFileMapping(t2, FILE_MAP_READ, false, "data");
    assert_true(h2 != 0);
    uint64_t b = VsMapViewOfFile(t2, h2, FILE_MAP_READ, 0, 0, 0);
    assert_true(a && b);
    write_in(f, f->thread, a + 5, 0x5A);
    assert_int_equal(read_in(f, t2, b + 5), 0x5A);
    VsWorkingSetExBlock block;
    assert_true(VsQueryWorkingSetEx(t2, VS_CURRENT_PROCESS, b, &block));
    assert_int_equal(block.Shared, 1);
    assert_int_equal(block.ShareCount, 2);
    assert_int_equal(block.Win32Protection, PAGE_READONLY);
    vs_empty_working_set(f->process);
    CHECK_INVARIANTS(f);
    assert_true(VsQueryWorkingSetEx(t2, VS_CURRENT_PROCESS, b, &block));
    assert_int_equal(block.Valid, 1); /* still mapped by the other process */
    assert_int_equal(block.ShareCount, 1);
    vs_empty_working_set(other);
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).modified_pages, 1); /* written through a, never saved */
    vs_write_modified_pages(f->system, 8);
    CHECK_INVARIANTS(f);
    /* Push the clean frame out: private pages of the first process take every frame. */
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(256), MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    for (uint64_t i = 0; i < 64; i++)
        write_in(f, f->thread, p + i * KB(4), 1);
    vs_event_log_clear(&f->log);
    assert_int_equal(read_in(f, t2, b + 5), 0x5A);
    bool hard = false;
    for (size_t i = 0; i < f->log.count; i++)
        hard |= f->log.events[i].kind == VS_EV_HARD_FAULT && f->log.events[i].section != 0;
    assert_true(hard);
    assert_true(VsCloseHandle(f->thread, h));
    assert_true(VsCloseHandle(t2, h2));
    CHECK_INVARIANTS(f); /* the views keep the section */
    assert_int_equal(read_in(f, f->thread, a + 5), 0x5A);
    assert_true(VsUnmapViewOfFile(f->thread, a));
    uint64_t commit = memory(f).commit_total;
    assert_true(VsUnmapViewOfFile(t2, b));
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).commit_total, commit - 16); /* the section is gone with its view */
}

/* Copy-on-write: mapping FILE_MAP_COPY charges a page of commit per page; the first store gives
 * this process a private copy (PAGE_READWRITE now, the region split), the other view keeps the
 * original; unmapping returns the charge and frees the copy. */
static void test_copy_on_write(void **state)
{
    Fixture *f = *state;
    VsHandle h = create(f, PAGE_READWRITE, KB(64), NULL);
    uint64_t shared = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    write_in(f, f->thread, shared + KB(4), 7);
    VsProcessCounters before;
    vs_process_counters(f->process, &before);
    uint64_t copy = VsMapViewOfFile(f->thread, h, FILE_MAP_COPY, 0, 0, 0);
    assert_true(copy != 0);
    CHECK_INVARIANTS(f);
    VsProcessCounters after;
    vs_process_counters(f->process, &after);
    assert_int_equal(after.commit_charge, before.commit_charge + 16);
    assert_int_equal(mbi_of(f->thread, copy).Protect, PAGE_WRITECOPY);
    assert_int_equal(read_in(f, f->thread, copy + KB(4)), 7); /* the shared page, read-only */
    write_in(f, f->thread, copy + KB(4), 9);                  /* the copy */
    assert_int_equal(read_in(f, f->thread, copy + KB(4)), 9);
    assert_int_equal(read_in(f, f->thread, shared + KB(4)), 7);
    VsMemoryBasicInformation mbi = mbi_of(f->thread, copy + KB(4));
    assert_int_equal(mbi.Protect, PAGE_READWRITE);
    assert_int_equal(mbi.Type, MEM_MAPPED);
    assert_int_equal(mbi.RegionSize, KB(4));
    assert_int_equal(mbi_of(f->thread, copy).Protect, PAGE_WRITECOPY);
    /* A copy pages like private memory: trimmed, written, read back. */
    vs_empty_working_set(f->process);
    vs_write_modified_pages(f->system, 16);
    CHECK_INVARIANTS(f);
    assert_int_equal(read_in(f, f->thread, copy + KB(4)), 9);
    /* A copy re-protected to PAGE_WRITECOPY is still private: the next store copies nothing and
     * the page is read-write again (the fuzzer found the model copying a copy). */
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, copy + KB(4), KB(4), PAGE_WRITECOPY, &old));
    assert_int_equal(old, PAGE_READWRITE);
    /* It reads as written already (Wine's kernel32 test_mapping L4320-4324). */
    assert_int_equal(mbi_of(f->thread, copy + KB(4)).Protect, PAGE_READWRITE);
    write_in(f, f->thread, copy + KB(4), 10);
    assert_int_equal(read_in(f, f->thread, copy + KB(4)), 10);
    assert_int_equal(read_in(f, f->thread, shared + KB(4)), 7);
    assert_int_equal(mbi_of(f->thread, copy + KB(4)).Protect, PAGE_READWRITE);
    assert_true(VsUnmapViewOfFile(f->thread, copy));
    CHECK_INVARIANTS(f);
    vs_process_counters(f->process, &after);
    assert_int_equal(after.commit_charge, before.commit_charge);
    assert_int_equal(read_in(f, f->thread, shared + KB(4)), 7);
}

/* SEC_RESERVE: a view reserves; VirtualAlloc(MEM_COMMIT) in one view commits the section's pages
 * for every view, charging the system once; VirtualProtect may not ask for more than the
 * section. */
/* MEM_RESET_UNDO over a view page that was written out and read back (valid through another
 * view): its page-file copy still holds it, so nothing is made dirty and no slot is left behind
 * when it is written again (the fuzzer once found the stale slot leaking). */
static void test_reset_undo_written_view_page(void **state)
{
    Fixture *f = *state;
    VsHandle h = create(f, PAGE_READWRITE, KB(64), NULL);
    uint64_t v = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    write_in(f, f->thread, v, 0x33);
    vs_empty_working_set(f->process);
    vs_write_modified_pages(f->system, 16);
    CHECK_INVARIANTS(f);
    assert_int_equal(read_in(f, f->thread, v), 0x33);
    /* Through a second view, whose PTE still points at the prototype PTE (valid for the first). */
    uint64_t w = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    assert_true(VsVirtualAlloc(f->thread, w, KB(4), MEM_RESET_UNDO, PAGE_READWRITE) != 0);
    CHECK_INVARIANTS(f);
    vs_empty_working_set(f->process);
    vs_write_modified_pages(f->system, 16);
    CHECK_INVARIANTS(f);
    assert_int_equal(read_in(f, f->thread, v), 0x33);
}

static void test_sec_reserve_commit(void **state)
{
    Fixture *f = *state;
    VsHandle h = create(f, PAGE_READWRITE | SEC_RESERVE, KB(128), NULL);
    uint64_t a = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    uint64_t b = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    assert_int_equal(mbi_of(f->thread, a).State, MEM_RESERVE);
    assert_int_equal(vs_memory_read(f->thread, a, &(uint8_t){0}), STATUS_ACCESS_VIOLATION);
    uint64_t before = memory(f).commit_total;
    assert_int_equal(VsVirtualAlloc(f->thread, a + KB(4), 100, MEM_COMMIT, PAGE_READWRITE),
                     a + KB(4));
    CHECK_INVARIANTS(f);
    assert_int_equal(memory(f).commit_total, before + 1);
    assert_int_equal(mbi_of(f->thread, b + KB(4)).State, MEM_COMMIT);
    assert_int_equal(mbi_of(f->thread, b + KB(4)).RegionSize, KB(4));
    write_in(f, f->thread, b + KB(4), 3);
    assert_int_equal(read_in(f, f->thread, a + KB(4)), 3);
    assert_int_equal(VsVirtualAlloc(f->thread, b, KB(8), MEM_COMMIT, PAGE_READWRITE), b);
    assert_int_equal(memory(f).commit_total, before + 2); /* one page was committed already */
    uint32_t old;
    assert_false(VsVirtualProtect(f->thread, a, KB(4), PAGE_EXECUTE_READWRITE, &old));
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_SECTION_PROTECTION);
    assert_true(VsVirtualProtect(f->thread, a, KB(4), PAGE_READONLY, &old));
    assert_int_equal(old, PAGE_READWRITE);
    assert_int_equal(vs_memory_write(f->thread, a, 1), STATUS_ACCESS_VIOLATION);
    write_in(f, f->thread, b, 1); /* the other view keeps its own protection */
    CHECK_INVARIANTS(f);
}

/* What a view's pages may be given, as Wine's kernel32 test_mapping asserts: MEM_COMMIT in a view
 * of the page file sets the protection asked, if the view allows it (write-copy on a readable view,
 * no access on any), and commits for every view; a file's view refuses every commit; no access is
 * a protection even a no-access view takes; FILE_MAP_READ|FILE_MAP_COPY is a read-only view. */
static void test_view_page_protections(void **state)
{
    Fixture *f = *state;
    uint32_t old;
    VsHandle h = create(f, PAGE_READWRITE | SEC_COMMIT, KB(64), NULL);
    uint64_t v = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    uint64_t w = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    assert_int_equal(VsVirtualAlloc(f->thread, v, KB(8), MEM_COMMIT, PAGE_READONLY), v);
    CHECK_INVARIANTS(f);
    assert_int_equal(mbi_of(f->thread, v).Protect, PAGE_READONLY);
    assert_int_equal(mbi_of(f->thread, v).RegionSize, KB(8));
    assert_int_equal(mbi_of(f->thread, w).Protect, PAGE_READWRITE); /* the other view's own */
    VsProcessCounters before, after;
    vs_process_counters(f->process, &before);
    assert_int_equal(VsVirtualAlloc(f->thread, v, KB(4), MEM_COMMIT, PAGE_WRITECOPY), v);
    vs_process_counters(f->process, &after);
    assert_int_equal(after.commit_charge, before.commit_charge + 1); /* the copy it may make */
    assert_int_equal(mbi_of(f->thread, v).Protect, PAGE_WRITECOPY);
    assert_int_equal(VsVirtualAlloc(f->thread, v, KB(4), MEM_COMMIT, PAGE_EXECUTE_READ), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_SECTION_PROTECTION);
    uint64_t r = VsMapViewOfFile(f->thread, h, FILE_MAP_READ | FILE_MAP_COPY, 0, 0, 0);
    assert_int_equal(mbi_of(f->thread, r).Protect, PAGE_READONLY);
    assert_int_equal(VsVirtualAlloc(f->thread, r, KB(4), MEM_COMMIT, PAGE_READWRITE), 0);
    assert_int_equal(VsVirtualAlloc(f->thread, r, KB(4), MEM_COMMIT, PAGE_WRITECOPY), r);
    uint64_t n = VsMapViewOfFile(f->thread, h, 0, 0, 0, 0);
    assert_int_equal(mbi_of(f->thread, n).Protect, PAGE_NOACCESS);
    assert_true(VsVirtualProtect(f->thread, n, KB(4), PAGE_NOACCESS, &old));
    assert_false(VsVirtualProtect(f->thread, n, KB(4), PAGE_READONLY, &old));
    assert_int_equal(VsVirtualAlloc(f->thread, n, KB(4), MEM_COMMIT, PAGE_NOACCESS), n);
    /* Private memory still refuses write-copy, once the commit has found it. */
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    assert_int_equal(VsVirtualAlloc(f->thread, p, KB(4), MEM_COMMIT, PAGE_WRITECOPY), 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_PAGE_PROTECTION);
    /* A file's view: every commit is refused, the file having committed its pages. */
    assert_int_equal(vs_file_create(f->system, "view.bin", KB(8), NULL, 0, 0), STATUS_SUCCESS);
    VsHandle file =
        VsCreateFile(f->thread, "view.bin", GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, 0);
    VsHandle fm = VsCreateFileMapping(f->thread, file, PAGE_READWRITE, 0, 0, NULL);
    uint64_t fv = VsMapViewOfFile(f->thread, fm, FILE_MAP_WRITE, 0, 0, 0);
    assert_int_equal(VsVirtualAlloc(f->thread, fv, KB(4), MEM_COMMIT, PAGE_READWRITE), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    assert_int_equal(VsVirtualAlloc(f->thread, fv, KB(4), MEM_COMMIT, PAGE_EXECUTE_READWRITE), 0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    CHECK_INVARIANTS(f);
}

/* A SEC_NOCACHE section's views are PAGE_NOCACHE (Wine's kernel32 test_MapViewOfFile L989-1027),
 * whatever protection their pages are given; SEC_WRITECOMBINE is a section of its own. */
static void test_view_caching(void **state)
{
    Fixture *f = *state;
    VsHandle h = create(f, PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE, KB(64), NULL);
    uint64_t v = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    assert_int_equal(mbi_of(f->thread, v).Protect, PAGE_READWRITE | PAGE_NOCACHE);
    assert_int_equal(mbi_of(f->thread, v).AllocationProtect, PAGE_READWRITE | PAGE_NOCACHE);
    assert_int_equal(VsVirtualAlloc(f->thread, v, KB(4), MEM_COMMIT, PAGE_READONLY), v);
    assert_int_equal(mbi_of(f->thread, v).Protect, PAGE_READONLY | PAGE_NOCACHE);
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, v, KB(4), PAGE_NOACCESS, &old));
    assert_int_equal(mbi_of(f->thread, v).Protect, PAGE_NOACCESS);
    uint64_t n = VsMapViewOfFile(f->thread, h, 0, 0, 0, 0);
    assert_int_equal(mbi_of(f->thread, n).Protect, PAGE_NOACCESS); /* no access carries none */
    VsHandle c = create(f, PAGE_READWRITE | SEC_RESERVE | SEC_WRITECOMBINE, KB(64), NULL);
    uint64_t cv = VsMapViewOfFile(f->thread, c, FILE_MAP_READ, 0, 0, 0);
    assert_int_equal(mbi_of(f->thread, cv).AllocationProtect, PAGE_READONLY | PAGE_WRITECOMBINE);
    assert_int_equal(VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE,
                                         PAGE_READWRITE | SEC_WRITECOMBINE, 0, KB(64), NULL),
                     0);
    assert_int_equal(VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE,
                                         PAGE_READWRITE | SEC_COMMIT | SEC_FILE, 0, KB(64), NULL),
                     0);
    CHECK_INVARIANTS(f);
}

/* Random maps, unmaps, touches, trims and ticks across two processes and three sections (one
 * copy-on-write view among them), with the invariant checker after each step and a byte model of
 * each section's contents. */
static void test_random_views(void **state)
{
    Fixture *f = *state;
    VsThread *threads[2] = {f->thread, vs_process_main_thread(vs_process_create(f->system, "b"))};
    enum { SECTIONS = 3, PAGES = 16, VIEWS = 4, STEPS = 6000 };
    VsHandle handles[2][SECTIONS];
    uint8_t bytes[SECTIONS][PAGES] = {{0}};
    for (int s = 0; s < SECTIONS - 1; s++) {
        char name[8] = {'s', (char)('0' + s), 0};
        handles[0][s] = create(f, PAGE_READWRITE, PAGES * KB(4), name);
        handles[1][s] = VsOpenFileMapping(threads[1], FILE_MAP_ALL_ACCESS, false, name);
    }
    /* The last section maps a file: each process makes its own mapping of it, and the two share
     * the file's one data section. */
    VsHandle files[2];
    assert_int_equal(vs_file_create(f->system, "random.bin", PAGES * KB(4), NULL, 0, 0),
                     STATUS_SUCCESS);
    for (int p = 0; p < 2; p++) {
        files[p] = VsCreateFile(threads[p], "random.bin", GENERIC_READ | GENERIC_WRITE, 0,
                                OPEN_EXISTING, 0);
        handles[p][SECTIONS - 1] =
            VsCreateFileMapping(threads[p], files[p], PAGE_READWRITE, 0, 0, NULL);
        assert_true(handles[p][SECTIONS - 1] != 0);
    }
    uint64_t views[2][VIEWS] = {{0}};
    int view_section[2][VIEWS];
    TestRng rng = {0xC0FFEE};
    for (int step = 0; step < STEPS; step++) {
        int p = (int)(rng_next(&rng) % 2), v = (int)(rng_next(&rng) % VIEWS);
        VsThread *t = threads[p];
        uint64_t page = rng_next(&rng) % PAGES;
        switch (rng_next(&rng) % 8) {
        case 0:
            if (views[p][v]) {
                assert_true(VsUnmapViewOfFile(t, views[p][v]));
                views[p][v] = 0;
            } else {
                int s = (int)(rng_next(&rng) % SECTIONS);
                views[p][v] = VsMapViewOfFile(t, handles[p][s], FILE_MAP_WRITE, 0, 0, 0);
                assert_true(views[p][v] != 0);
                view_section[p][v] = s;
            }
            break;
        case 1:
        case 2:
            if (views[p][v]) {
                uint8_t value = (uint8_t)rng_next(&rng);
                write_in(f, t, views[p][v] + page * KB(4), value);
                bytes[view_section[p][v]][page] = value;
            }
            break;
        case 3:
        case 4:
            if (views[p][v])
                assert_int_equal(read_in(f, t, views[p][v] + page * KB(4)),
                                 bytes[view_section[p][v]][page]);
            break;
        case 5:
            if (rng_next(&rng) % 2) {
                vs_empty_working_set(vs_thread_process(t));
            } else {
                /* The file says what the views wrote (reads are coherent), flushed or not. */
                uint8_t value = 0xEE;
                if (views[p][v])
                    assert_true(VsFlushViewOfFile(t, views[p][v], 0));
                assert_int_equal(vs_file_read_byte(t, files[p], page * KB(4), &value),
                                 STATUS_SUCCESS);
                assert_int_equal(value, bytes[SECTIONS - 1][page]);
            }
            break;
        case 6: vs_balance_set_tick(f->system); break;
        default: vs_write_modified_pages(f->system, rng_next(&rng) % 4); break;
        }
        CHECK_INVARIANTS(f);
    }
}

/* NtQuerySection checks the class, then the length, then the handle's SECTION_QUERY right, then
 * (for image information) the section's kind; a failure writes nothing, not even the return
 * length. A success reads SEC_COMMIT or SEC_RESERVE and the size in whole pages. */
static void test_query_section(void **state)
{
    Fixture *f = *state;
    uint64_t size = 0x3452, length = 7;
    VsHandle h;
    assert_int_equal(VsNtCreateSection(f->thread, &h, SECTION_QUERY | SECTION_MAP_READ, NULL, 0,
                                       &size, PAGE_READONLY, SEC_RESERVE, VS_NULL_HANDLE),
                     STATUS_SUCCESS);
    VsSectionBasicInformation info = {.BaseAddress = 1, .Attributes = 2, .Size = 3};
    /* An unknown class beats a short buffer; a short buffer beats a bad handle. */
    assert_int_equal(VsNtQuerySection(f->thread, h, 2, &info, 0, &length),
                     STATUS_INVALID_INFO_CLASS);
    assert_int_equal(VsNtQuerySection(f->thread, 0, SectionBasicInformation, &info, 23, &length),
                     STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(VsNtQuerySection(f->thread, 0, SectionBasicInformation, &info, 24, &length),
                     STATUS_INVALID_HANDLE);
    assert_int_equal(VsNtQuerySection(f->thread, VS_CURRENT_PROCESS, SectionBasicInformation, &info,
                                      24, &length),
                     STATUS_OBJECT_TYPE_MISMATCH);
    assert_int_equal(VsNtQuerySection(f->thread, h, SectionImageInformation, &info, 64, &length),
                     STATUS_SECTION_NOT_IMAGE);
    assert_int_equal(length, 7);
    assert_int_equal(info.Size, 3);
    assert_int_equal(VsNtQuerySection(f->thread, h, SectionBasicInformation, &info, 4096, &length),
                     STATUS_SUCCESS);
    assert_int_equal(length, 24);
    assert_int_equal(info.BaseAddress, 0);
    assert_int_equal(info.Attributes, SEC_RESERVE);
    assert_int_equal(info.Size, 0x4000);
    assert_true(VsCloseHandle(f->thread, h));
    /* A handle opened without SECTION_QUERY maps but cannot be queried. */
    h = VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 4096, "q");
    VsHandle read_only = VsOpenFileMapping(f->thread, FILE_MAP_READ, false, "q");
    assert_int_equal(
        VsNtQuerySection(f->thread, read_only, SectionBasicInformation, &info, 24, NULL),
        STATUS_ACCESS_DENIED);
    assert_int_equal(VsNtQuerySection(f->thread, h, SectionBasicInformation, &info, 24, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(info.Attributes, SEC_COMMIT);
    CHECK_INVARIANTS(f);
}

/* A page-file section of 0x3452 bytes with SECTION_QUERY, and a 128 KB reservation whose first
 * 64 KB are committed read-write: *buffers its base. */
static VsHandle query_fixture(Fixture *f, uint64_t *buffers)
{
    uint64_t size = 0x3452;
    VsHandle h;
    assert_int_equal(VsNtCreateSection(f->thread, &h, SECTION_QUERY | SECTION_MAP_READ, NULL, 0,
                                       &size, PAGE_READONLY, SEC_COMMIT, VS_NULL_HANDLE),
                     STATUS_SUCCESS);
    *buffers = VsVirtualAlloc(f->thread, 0, KB(128), MEM_RESERVE, PAGE_READWRITE);
    assert_int_equal(VsVirtualAlloc(f->thread, *buffers, KB(64), MEM_COMMIT, PAGE_READWRITE),
                     *buffers);
    return h;
}

/* NtQuerySection with its buffer in the process probes the whole length for writing before it
 * checks anything else (WRK): a length running from committed into reserved pages is
 * STATUS_ACCESS_VIOLATION whatever the class, the handle or the section (kernel32
 * test_MapViewOfFile L1313-1317); a buffer off a ULONG boundary STATUS_DATATYPE_MISALIGNMENT;
 * a range past user space STATUS_ACCESS_VIOLATION; a length of 0 probes nothing. A failure
 * writes nothing, not even the return length. */
static void test_query_section_buffer_probed_first(void **state)
{
    Fixture *f = *state;
    uint64_t b, length = 7, past = 64 + (1ull << 36);
    VsHandle h = query_fixture(f, &b);
    VsSectionImageInformation answer;
    VsQueryBuffer end = {.in_process = true, .address = b + KB(64) - 64, .answer = &answer};
    assert_int_equal(
        VsNtQuerySectionInto(f->thread, h, SectionImageInformation, &end, past, &length),
        STATUS_ACCESS_VIOLATION);
    assert_int_equal(VsNtQuerySectionInto(f->thread, h, 7, &end, past, &length),
                     STATUS_ACCESS_VIOLATION);
    assert_int_equal(
        VsNtQuerySectionInto(f->thread, 0, SectionBasicInformation, &end, past, &length),
        STATUS_ACCESS_VIOLATION);
    /* Within the committed pages the probe passes and the section's own answers come. */
    assert_int_equal(VsNtQuerySectionInto(f->thread, h, SectionImageInformation, &end, 64, &length),
                     STATUS_SECTION_NOT_IMAGE);
    VsQueryBuffer odd = {.in_process = true, .address = b + 2};
    assert_int_equal(VsNtQuerySectionInto(f->thread, 0, 7, &odd, 24, &length),
                     STATUS_DATATYPE_MISALIGNMENT);
    assert_int_equal(VsNtQuerySectionInto(f->thread, h, 7, &odd, 0, &length),
                     STATUS_INVALID_INFO_CLASS);
    VsQueryBuffer top = {.in_process = true, .address = 0x7FFFFFFF0000};
    assert_int_equal(VsNtQuerySectionInto(f->thread, h, SectionBasicInformation, &top, 24, &length),
                     STATUS_ACCESS_VIOLATION);
    VsQueryBuffer null = {.in_process = true, .address = 0};
    assert_int_equal(
        VsNtQuerySectionInto(f->thread, h, SectionBasicInformation, &null, 24, &length),
        STATUS_ACCESS_VIOLATION);
    assert_int_equal(length, 7);
    CHECK_INVARIANTS(f);
}

/* A successful query writes the structure's bytes into the buffer, x64's layout (Size at offset
 * 16), and no further, however long the length; the probe has touched every page of the length
 * (each made resident); a guard page among them fails the call with
 * STATUS_GUARD_PAGE_VIOLATION and is an ordinary page afterwards. */
static void test_query_section_buffer_written(void **state)
{
    Fixture *f = *state;
    uint64_t b, length = 0;
    VsHandle h = query_fixture(f, &b);
    write_in(f, f->thread, b + 24, 0x77);
    VsSectionBasicInformation answer = {0};
    VsQueryBuffer buffer = {.in_process = true, .address = b, .answer = &answer};
    assert_int_equal(
        VsNtQuerySectionInto(f->thread, h, SectionBasicInformation, &buffer, KB(12), &length),
        STATUS_SUCCESS);
    assert_int_equal(length, 24);
    assert_int_equal(answer.Size, 0x4000);
    assert_int_equal(read_in(f, f->thread, b + 11), 0x08); /* SEC_COMMIT's top byte */
    assert_int_equal(read_in(f, f->thread, b + 17), 0x40);
    assert_int_equal(read_in(f, f->thread, b + 24), 0x77);
    VsMemoryWorkingSetExInformation entry = {.VirtualAddress = b + KB(8)};
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, 0,
                                            MemoryWorkingSetExInformation, &entry, 16, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(entry.VirtualAttributes.Valid, 1);
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, b + KB(16), KB(4), PAGE_READWRITE | PAGE_GUARD, &old));
    buffer.address = b + KB(12);
    assert_int_equal(
        VsNtQuerySectionInto(f->thread, h, SectionBasicInformation, &buffer, KB(8), &length),
        STATUS_GUARD_PAGE_VIOLATION);
    assert_int_equal(
        VsNtQuerySectionInto(f->thread, h, SectionBasicInformation, &buffer, KB(8), &length),
        STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
}

/* On x86 SECTION_BASIC_INFORMATION is 16 bytes: a 4-byte BaseAddress and Attributes, then the
 * LARGE_INTEGER Size at offset 8. */
static void test_query_section_buffer_x86_layout(void **state)
{
    Fixture *f = *state;
    uint64_t b, length = 0;
    VsHandle h = query_fixture(f, &b);
    VsQueryBuffer buffer = {.in_process = true, .address = b};
    assert_int_equal(
        VsNtQuerySectionInto(f->thread, h, SectionBasicInformation, &buffer, 16, &length),
        STATUS_SUCCESS);
    assert_int_equal(length, 16);
    assert_int_equal(read_in(f, f->thread, b + 7), 0x08);
    assert_int_equal(read_in(f, f->thread, b + 9), 0x40);
    CHECK_INVARIANTS(f);
}

#define SMALL(test) cmocka_unit_test_setup_teardown(test, setup_small, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        SMALL(test_create_rules_and_commit),
        SMALL(test_names),
        SMALL(test_query_section),
        SMALL(test_query_section_buffer_probed_first),
        SMALL(test_query_section_buffer_written),
        cmocka_unit_test_setup_teardown(test_query_section_buffer_x86_layout, fixture_setup_x86,
                                        fixture_teardown),
        SMALL(test_view_rules),
        cmocka_unit_test_setup_teardown(test_view_base_rules_x64, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_round_to_page_x86, fixture_setup_x86,
                                        fixture_teardown),
        SMALL(test_shared_pages_across_processes),
        SMALL(test_copy_on_write),
        SMALL(test_sec_reserve_commit),
        SMALL(test_view_page_protections),
        SMALL(test_view_caching),
        SMALL(test_reset_undo_written_view_page),
        SMALL(test_random_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
