/*
 * test_image.c - image sections (image.c and the image branches of section.c, mapview.c, fault.c,
 * protectvm.c, queryvm.c): the header checks and their statuses, the layout and protections of a
 * view, mapping at the preferred base or elsewhere with STATUS_IMAGE_NOT_AT_BASE, code shared
 * between processes and data copied on write, the commit a view charges. The images are built by
 * the same builder the scenarios and the agents use (verify/pe_build.c). Invariants after every
 * step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h" /* the checker's tests corrupt the core's structures */
#include "pe_build.h"
#include "testutil.h"

#define BASE 0x10000000ull

/* An image as the scenarios declare one: headers, .text RX (3 pages), .rdata R (1 page), .data
 * RW (2 pages, 512 bytes initialised), .bss RW (1 page, none). */
static VsPeSpec app_spec(bool pe32_plus)
{
    VsPeSpec spec = {.pe32_plus = pe32_plus,
                     .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL,
                     .image_base = BASE,
                     .dll_characteristics = IMAGE_DLLCHARACTERISTICS_NX_COMPAT};
    char error[128];
    assert_true(vs_pe_parse_sections(".text 0x3000 0x3000 rxc; .rdata 0x1000 0x1000 ri;"
                                     ".data 0x2000 0x200 rwi; .bss 0x1000 0 rwu",
                                     &spec, error, sizeof error));
    return spec;
}

/* Declares the image's file and opens it for reading. */
static VsHandle declare(Fixture *f, const char *name, const VsPeSpec *spec)
{
    size_t size = vs_pe_file_size(spec);
    assert_true(size > 0);
    unsigned char *bytes = malloc(size);
    assert_non_null(bytes);
    assert_true(vs_pe_write(spec, bytes));
    assert_int_equal(vs_file_create(f->system, name, size, bytes, size, 0), STATUS_SUCCESS);
    free(bytes);
    VsHandle h = VsCreateFile(f->thread, name, GENERIC_READ | GENERIC_EXECUTE, FILE_SHARE_READ,
                              OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL);
    assert_true(h != VS_INVALID_HANDLE_VALUE);
    return h;
}

static VsHandle image_section(Fixture *f, VsHandle file)
{
    VsHandle s = VsCreateFileMapping(f->thread, file, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    assert_true(s != 0);
    CHECK_INVARIANTS(f);
    return s;
}

/* NtMapViewOfSection of the whole image in the thread's process: its status, the base in *base. */
static VsStatus map_image(Fixture *f, VsThread *thread, VsHandle section, uint64_t *base)
{
    uint64_t size = 0, offset = 0;
    *base = 0;
    VsStatus status = VsNtMapViewOfSection(thread, section, VS_CURRENT_PROCESS, base, 0, 0, &offset,
                                           &size, 1, 0, PAGE_READONLY);
    CHECK_INVARIANTS(f);
    return status;
}

static void expect_region(Fixture *f, VsThread *thread, uint64_t address, uint64_t size,
                          uint32_t state, uint32_t protect, uint64_t allocation_base)
{
    VsMemoryBasicInformation mbi;
    assert_int_equal(VsVirtualQuery(thread, address, &mbi, sizeof mbi),
                     vs_system_layout(f->system)->mbi_size);
    assert_int_equal(mbi.BaseAddress, address);
    assert_int_equal(mbi.RegionSize, size);
    assert_int_equal(mbi.State, state);
    assert_int_equal(mbi.Protect, protect);
    assert_int_equal(mbi.AllocationBase, allocation_base);
    assert_int_equal(mbi.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
    assert_int_equal(mbi.Type, MEM_IMAGE);
}

/* The view at the image's base: one region per run of equal protection, MEM_IMAGE, allocation
 * protection execute-write-copy; the headers and sections read as the file says; the section's
 * size is SizeOfImage and it says SEC_IMAGE|SEC_FILE. */
static void test_layout(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    VsHandle s = image_section(f, declare(f, "app.dll", &spec));
    VsSectionInfo info;
    vs_section_info(vs_handle_section(f->thread, s), &info);
    assert_int_equal(info.attributes, SEC_IMAGE | SEC_FILE);
    assert_int_equal(info.size, 0x8000);
    uint64_t base;
    assert_int_equal(map_image(f, f->thread, s, &base), STATUS_SUCCESS);
    assert_int_equal(base, BASE);
    expect_region(f, f->thread, BASE, 0x1000, MEM_COMMIT, PAGE_READONLY, BASE);
    expect_region(f, f->thread, BASE + 0x1000, 0x3000, MEM_COMMIT, PAGE_EXECUTE_READ, BASE);
    expect_region(f, f->thread, BASE + 0x4000, 0x1000, MEM_COMMIT, PAGE_READONLY, BASE);
    expect_region(f, f->thread, BASE + 0x5000, 0x3000, MEM_COMMIT, PAGE_WRITECOPY, BASE);
    assert_int_equal(query(f, BASE + 0x8000).State, MEM_FREE);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, BASE, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'M');
    assert_int_equal(vs_memory_read(f->thread, BASE + 0x1000, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 't');
    assert_int_equal(vs_memory_read(f->thread, BASE + 0x51FF, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'd');
    assert_int_equal(vs_memory_read(f->thread, BASE + 0x5200, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0); /* the rest of .data's page: zeros in the file */
    assert_int_equal(vs_memory_read(f->thread, BASE + 0x7000, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0); /* .bss: demand zero */
    CHECK_INVARIANTS(f);
    /* MEM_COMMIT inside an image view: its pages are committed already (ERROR_ACCESS_DENIED). */
    assert_int_equal(VsVirtualAlloc(f->thread, BASE + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE),
                     0);
    assert_int_equal(VsGetLastError(f->thread), ERROR_ACCESS_DENIED);
    assert_true(VsUnmapViewOfFile(f->thread, BASE));
    CHECK_INVARIANTS(f);
}

/* A second view goes elsewhere and says STATUS_IMAGE_NOT_AT_BASE, a success; so does a view whose
 * base is taken by other memory. Each view charges the image's write-copy pages (3). */
static void test_not_at_base(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    VsHandle s = image_section(f, declare(f, "app.dll", &spec));
    VsProcessCounters before, after;
    vs_process_counters(f->process, &before);
    uint64_t first, second;
    assert_int_equal(map_image(f, f->thread, s, &first), STATUS_SUCCESS);
    assert_int_equal(map_image(f, f->thread, s, &second), STATUS_IMAGE_NOT_AT_BASE);
    assert_int_equal(first, BASE);
    assert_true(second != BASE && second % VS_GRANULARITY == 0);
    expect_region(f, f->thread, second + 0x1000, 0x3000, MEM_COMMIT, PAGE_EXECUTE_READ, second);
    vs_process_counters(f->process, &after);
    assert_int_equal(after.commit_charge - before.commit_charge, 2 * 3); /* pages */
    /* MapViewOfFile takes an image too: FILE_MAP_READ, FILE_MAP_COPY and 0 work; FILE_MAP_WRITE
     * asks more than a PAGE_READONLY section allows. */
    assert_true(VsMapViewOfFile(f->thread, s, FILE_MAP_COPY, 0, 0, 0) != 0);
    assert_int_equal(VsMapViewOfFile(f->thread, s, FILE_MAP_WRITE, 0, 0, 0), 0);
    assert_true(VsUnmapViewOfFile(f->thread, first));
    /* The base is taken by a reservation now: elsewhere again. */
    assert_int_equal(VsVirtualAlloc(f->thread, BASE, 0x10000, MEM_RESERVE, PAGE_READWRITE), BASE);
    uint64_t third;
    assert_int_equal(map_image(f, f->thread, s, &third), STATUS_IMAGE_NOT_AT_BASE);
    assert_true(third != BASE);
    CHECK_INVARIANTS(f);
}

/* The Ex call's image machine: 0 or the image's own (AMD64) maps it; another is
 * STATUS_NOT_SUPPORTED and maps nothing; given twice, STATUS_INVALID_PARAMETER. A view of data has
 * no machine to check. */
static void test_image_machine(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    VsHandle s = image_section(f, declare(f, "app.dll", &spec));
    VsMemExtendedParameter p[2] = {{.Type = MemExtendedParameterImageMachine, .ULong = 0},
                                   {.Type = MemExtendedParameterImageMachine, .ULong = 0}};
    uint64_t base = 0, offset = 0, size = 0;
    assert_int_equal(VsNtMapViewOfSectionEx(f->thread, s, VS_CURRENT_PROCESS, &base, &offset, &size,
                                            0, PAGE_READONLY, p, 1),
                     STATUS_SUCCESS);
    assert_int_equal(base, BASE);
    p[0].ULong = 0x8664; /* IMAGE_FILE_MACHINE_AMD64 */
    base = 0, size = 0;
    assert_int_equal(VsNtMapViewOfSectionEx(f->thread, s, VS_CURRENT_PROCESS, &base, &offset, &size,
                                            0, PAGE_READONLY, p, 1),
                     STATUS_IMAGE_NOT_AT_BASE);
    assert_int_equal(VsNtMapViewOfSectionEx(f->thread, s, VS_CURRENT_PROCESS, &base, &offset, &size,
                                            0, PAGE_READONLY, p, 2),
                     STATUS_INVALID_PARAMETER);
    p[0].ULong = 0x14C; /* IMAGE_FILE_MACHINE_I386 */
    uint64_t other = 0;
    size = 0;
    assert_int_equal(VsNtMapViewOfSectionEx(f->thread, s, VS_CURRENT_PROCESS, &other, &offset,
                                            &size, 0, PAGE_READONLY, p, 1),
                     STATUS_NOT_SUPPORTED);
    assert_int_equal(other, 0);
    VsHandle data =
        VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0x1000, NULL);
    size = 0;
    assert_int_equal(VsNtMapViewOfSectionEx(f->thread, data, VS_CURRENT_PROCESS, &other, &offset,
                                            &size, 0, PAGE_READWRITE, p, 1),
                     STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
}

/* Two processes map one image: its code page is one frame for both, a store to its data makes a
 * private copy in the storing process only, which then reads PAGE_READWRITE there. */
static void test_shared_code_private_data(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    VsHandle s = image_section(f, declare(f, "app.dll", &spec));
    VsProcess *other = vs_process_create(f->system, "other");
    VsThread *t2 = vs_process_main_thread(other);
    VsHandle s2 = VsCreateFileMapping(t2,
                                      VsCreateFile(t2, "app.dll", GENERIC_READ, FILE_SHARE_READ,
                                                   OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL),
                                      PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    assert_true(s2 != 0);
    assert_ptr_equal(vs_handle_section(f->thread, s), vs_handle_section(t2, s2));
    uint64_t a, b;
    assert_int_equal(map_image(f, f->thread, s, &a), STATUS_SUCCESS);
    assert_int_equal(map_image(f, t2, s2, &b), STATUS_SUCCESS);
    assert_int_equal(a, b); /* each process has its own address space: both at the base */
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, BASE + 0x1000, &byte), STATUS_SUCCESS);
    assert_int_equal(vs_memory_read(t2, BASE + 0x1000, &byte), STATUS_SUCCESS);
    VsPteWalk w1, w2;
    vs_pte_walk(f->process, BASE + 0x1000, &w1);
    vs_pte_walk(other, BASE + 0x1000, &w2);
    uint64_t code1 = vs_pte_frame_number(w1.level[w1.levels - 1].entry);
    assert_int_equal(code1, vs_pte_frame_number(w2.level[w2.levels - 1].entry));
    VsFrameInfo frame;
    assert_true(vs_page_frame_info(f->system, code1, &frame));
    assert_int_equal(frame.share_count, 2);
    /* A store to the code page is refused; one to .data copies it. */
    assert_int_equal(vs_memory_write(f->thread, BASE + 0x1000, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(vs_memory_read(t2, BASE + 0x5000, &byte), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(f->thread, BASE + 0x5000, 'X'), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_read(t2, BASE + 0x5000, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'd');
    assert_int_equal(vs_memory_read(f->thread, BASE + 0x5000, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'X');
    expect_region(f, f->thread, BASE + 0x5000, 0x1000, MEM_COMMIT, PAGE_READWRITE, BASE);
    expect_region(f, f->thread, BASE + 0x6000, 0x2000, MEM_COMMIT, PAGE_WRITECOPY, BASE);
    expect_region(f, t2, BASE + 0x5000, 0x3000, MEM_COMMIT, PAGE_WRITECOPY, BASE);
    CHECK_INVARIANTS(f);
}

/* VirtualProtect on an image page: a writable protection becomes write-copy (the loader's way to
 * relocate), charged once; a written page re-protected write-copy reads read-write. */
static void test_protect(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    VsHandle s = image_section(f, declare(f, "app.dll", &spec));
    uint64_t base;
    assert_int_equal(map_image(f, f->thread, s, &base), STATUS_SUCCESS);
    VsProcessCounters before, after;
    vs_process_counters(f->process, &before);
    uint32_t old;
    assert_true(VsVirtualProtect(f->thread, base + 0x1000, 0x1000, PAGE_READWRITE, &old));
    assert_int_equal(old, PAGE_EXECUTE_READ);
    expect_region(f, f->thread, base + 0x1000, 0x1000, MEM_COMMIT, PAGE_WRITECOPY, base);
    vs_process_counters(f->process, &after);
    assert_int_equal(after.commit_charge - before.commit_charge, 1);
    assert_int_equal(vs_memory_write(f->thread, base + 0x1000, 0x90), STATUS_SUCCESS);
    expect_region(f, f->thread, base + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE, base);
    assert_true(VsVirtualProtect(f->thread, base + 0x1000, 0x1000, PAGE_EXECUTE_READ, &old));
    assert_int_equal(old, PAGE_READWRITE);
    /* a region is a run of equal state and protection, copied or not */
    expect_region(f, f->thread, base + 0x1000, 0x3000, MEM_COMMIT, PAGE_EXECUTE_READ, base);
    assert_true(VsVirtualProtect(f->thread, base + 0x5000, 0x1000, PAGE_EXECUTE_READWRITE, &old));
    assert_int_equal(old, PAGE_WRITECOPY);
    expect_region(f, f->thread, base + 0x5000, 0x1000, MEM_COMMIT, PAGE_EXECUTE_WRITECOPY, base);
    CHECK_INVARIANTS(f);
}

/* Bytes as a file, then the status CreateFileMapping(SEC_IMAGE) leaves. */
static VsStatus image_status(Fixture *f, const char *name, const unsigned char *bytes, size_t size)
{
    assert_int_equal(vs_file_create(f->system, name, size, bytes, size, 0), STATUS_SUCCESS);
    VsHandle h = VsCreateFile(f->thread, name, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL);
    VsHandle s = VsCreateFileMapping(f->thread, h, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    CHECK_INVARIANTS(f);
    if (s)
        return STATUS_SUCCESS;
    assert_int_equal(VsGetLastError(f->thread), ERROR_BAD_EXE_FORMAT);
    return VsRtlGetLastNtStatus(f->thread);
}

/* The files that are not images, each with Windows' status (Wine's loader test_Loader). */
static void test_not_images(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    size_t size = vs_pe_file_size(&spec);
    static unsigned char pe[0x10000], bad[0x10000]; /* the builder's file: 0x6200 bytes */
    assert_true(size > 0x100 && size <= sizeof pe);
    assert_true(vs_pe_write(&spec, pe));
    assert_int_equal(image_status(f, "ok", pe, size), STATUS_SUCCESS);
    memcpy(bad, "MZ", 2);
    assert_int_equal(image_status(f, "short", bad, 2), STATUS_INVALID_IMAGE_NOT_MZ);
    memcpy(bad, pe, size);
    bad[0] = 'X';
    assert_int_equal(image_status(f, "nomz", bad, size), STATUS_INVALID_IMAGE_NOT_MZ);
    memcpy(bad, pe, size);
    bad[0x3C + 3] = 0x40; /* e_lfanew far past the end */
    assert_int_equal(image_status(f, "lfanew", bad, size), STATUS_INVALID_IMAGE_PROTECT);
    memcpy(bad, pe, size);
    bad[0x41] = 'X'; /* "PX\0\0" */
    assert_int_equal(image_status(f, "sig", bad, size), STATUS_INVALID_IMAGE_PROTECT);
    memcpy(bad, pe, size);
    memcpy(bad + 0x40, "NE", 2);
    bad[0x40 + 0x36] = 2;
    assert_int_equal(image_status(f, "win16", bad, size), STATUS_INVALID_IMAGE_WIN_16);
    memcpy(bad, pe, size);
    bad[0x58] = 0x0C; /* Magic 0x20C */
    assert_int_equal(image_status(f, "magic", bad, size), STATUS_INVALID_IMAGE_FORMAT);
    memcpy(bad, pe, size);
    bad[0x44] = 0x4C; /* Machine 0x864C */
    assert_int_equal(image_status(f, "machine", bad, size), STATUS_INVALID_IMAGE_FORMAT);
    memcpy(bad, pe, size);
    bad[0x58 + 24 + 1] = 0x01; /* ImageBase 0x10000100: not on 64 KB */
    assert_int_equal(image_status(f, "base", bad, size), STATUS_INVALID_IMAGE_FORMAT);
    memcpy(bad, pe, size);
    bad[0x58 + 56 + 1] = 0x10; /* SizeOfImage 0x1000: the sections do not fit */
    assert_int_equal(image_status(f, "small", bad, size), STATUS_INVALID_IMAGE_FORMAT);
    assert_int_equal(image_status(f, "empty", pe, 0), STATUS_INVALID_FILE_FOR_SECTION);
    /* A maximum size above SizeOfImage is too big; SEC_NOCACHE is taken and dropped. */
    VsHandle h = VsCreateFile(f->thread, "ok", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
    assert_int_equal(VsCreateFileMapping(f->thread, h, PAGE_READONLY | SEC_IMAGE, 0, 0x9000, NULL),
                     0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_SECTION_TOO_BIG);
    VsHandle s =
        VsCreateFileMapping(f->thread, h, PAGE_READONLY | SEC_IMAGE | SEC_NOCACHE, 0, 0, NULL);
    assert_true(s != 0);
    VsSectionInfo info;
    vs_section_info(vs_handle_section(f->thread, s), &info);
    assert_int_equal(info.attributes, SEC_IMAGE | SEC_FILE);
}

/* A 32-bit system maps PE32 images and refuses PE32+ ones. */
static void test_x86(void **state)
{
    Fixture *f = *state;
    VsPeSpec plus = app_spec(true), pe32 = app_spec(false);
    VsHandle s = VsCreateFileMapping(f->thread, declare(f, "a64.dll", &plus),
                                     PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    assert_int_equal(s, 0);
    assert_int_equal(VsRtlGetLastNtStatus(f->thread), STATUS_INVALID_IMAGE_WIN_64);
    uint64_t base;
    assert_int_equal(map_image(f, f->thread, image_section(f, declare(f, "a32.dll", &pe32)), &base),
                     STATUS_SUCCESS);
    assert_int_equal(base, BASE);
    expect_region(f, f->thread, BASE + 0x1000, 0x3000, MEM_COMMIT, PAGE_EXECUTE_READ, BASE);
}

/* Closing every handle and view deletes the image section; the file can be mapped again. */
static void test_lifetime(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    VsHandle file = declare(f, "app.dll", &spec);
    VsHandle s = image_section(f, file);
    uint64_t base;
    assert_int_equal(map_image(f, f->thread, s, &base), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(f->thread, base + 0x5000, 1), STATUS_SUCCESS);
    assert_true(VsCloseHandle(f->thread, s));
    CHECK_INVARIANTS(f);
    assert_true(VsUnmapViewOfFile(f->thread, base));
    CHECK_INVARIANTS(f);
    s = image_section(f, file);
    assert_int_equal(map_image(f, f->thread, s, &base), STATUS_SUCCESS);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, base + 0x5000, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'd'); /* the store was this process's copy, never the file's */
}

/* NtQuerySection's SectionBasicInformation Size of a section handle. */
static uint64_t section_size(Fixture *f, VsHandle section)
{
    VsSectionBasicInformation info;
    assert_int_equal(
        VsNtQuerySection(f->thread, section, SectionBasicInformation, &info, sizeof info, NULL),
        STATUS_SUCCESS);
    assert_int_equal(info.Attributes, SEC_IMAGE | SEC_FILE);
    return info.Size;
}

/* A section made with a maximum size below the image's is a section object of that size over the
 * file's one image control area (ntdll test_query_image_information L3177-3202, kernel32 loader.c
 * query_image_section L517-523): NtQuerySection reads the size given, unrounded; a whole view maps
 * that much of the image from its first page, a partial map, and nothing larger fits; a section of
 * the whole file beside it shares the control area and maps it all. */
static void test_partial_section(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    VsHandle file = declare(f, "app.dll", &spec);
    VsHandle small =
        VsCreateFileMapping(f->thread, file, PAGE_READONLY | SEC_IMAGE, 0, 0x2001, NULL);
    assert_true(small != 0);
    VsHandle whole = image_section(f, file);
    assert_ptr_equal(vs_handle_section(f->thread, small), vs_handle_section(f->thread, whole));
    assert_int_equal(section_size(f, small), 0x2001);
    assert_int_equal(section_size(f, whole), 0x8000);
    VsSectionObjectInfo objects[3];
    assert_int_equal(vs_section_objects(f->thread, small, objects, 3), 2);
    assert_int_equal(objects[0].size, 0x8000); /* newest first */
    assert_false(objects[0].this_handle);
    assert_int_equal(objects[1].size, 0x2001);
    assert_true(objects[1].this_handle);
    assert_int_equal(vs_section_objects(f->thread, VS_CURRENT_PROCESS, objects, 3), 0);
    uint64_t base;
    assert_int_equal(map_image(f, f->thread, small, &base), STATUS_SUCCESS);
    assert_int_equal(base, BASE);
    expect_region(f, f->thread, BASE, 0x1000, MEM_COMMIT, PAGE_READONLY, BASE);
    expect_region(f, f->thread, BASE + 0x1000, 0x2000, MEM_COMMIT, PAGE_EXECUTE_READ, BASE);
    assert_int_equal(query(f, BASE + 0x3000).State, MEM_FREE);
    VsMemoryImageInformation image;
    assert_int_equal(VsNtQueryVirtualMemory(f->thread, VS_CURRENT_PROCESS, BASE + 0x1234,
                                            MemoryImageInformation, &image, sizeof image, NULL),
                     STATUS_SUCCESS);
    assert_true(image.ImageBase == BASE && image.SizeOfImage == 0x8000 && (image.ImageFlags & 1));
    uint64_t other = 0, offset = 0, size = 0x4000;
    assert_int_equal(VsNtMapViewOfSection(f->thread, small, VS_CURRENT_PROCESS, &other, 0, 0,
                                          &offset, &size, 1, 0, PAGE_READONLY),
                     STATUS_INVALID_VIEW_SIZE);
    assert_true(VsCloseHandle(f->thread, small));
    CHECK_INVARIANTS(f);
    assert_int_equal(map_image(f, f->thread, whole, &other), STATUS_IMAGE_NOT_AT_BASE);
    expect_region(f, f->thread, other + 0x5000, 0x3000, MEM_COMMIT, PAGE_WRITECOPY, other);
    CHECK_INVARIANTS(f);
}

/* Declares an EXE (not large-address-aware unless asked) and a small ntdll, both for this system.
 */
static void declare_process_files(Fixture *f, bool plus, uint16_t extra)
{
    VsPeSpec exe = {.pe32_plus = plus,
                    .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | extra,
                    .image_base = 0x400000};
    VsPeSpec ntdll = {.pe32_plus = plus,
                      .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL,
                      .image_base = 0x7C900000};
    char error[128];
    assert_true(vs_pe_parse_sections(".text 0x2000 0x2000 rxc; .data 0x1000 0x200 rwi", &exe, error,
                                     sizeof error));
    assert_true(vs_pe_parse_sections(".text 0x10000 0x10000 rxc; .data 0x2000 0x200 rwi", &ntdll,
                                     error, sizeof error));
    declare(f, "app.exe", &exe);
    declare(f, "ntdll.dll", &ntdll);
}

/* A process made from an EXE on x86: the EXE at its base, ntdll, the PEB at 0x7FFDF000 below
 * KUSER_SHARED_DATA; the loader finds both; a bad EXE makes no process. */
static void test_process_x86(void **state)
{
    Fixture *f = *state;
    declare_process_files(f, false, 0);
    VsProcess *p;
    assert_int_equal(vs_process_create_image(f->system, "app", "app.exe", "ntdll.dll", &p),
                     STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    VsProcessImageInfo info;
    assert_true(vs_process_image_info(p, &info));
    assert_int_equal(info.peb, 0x7FFDF000);
    assert_int_equal(info.image_base, 0x400000);
    assert_int_equal(info.stack_reserve, 0x100000);
    VsThread *t = vs_process_main_thread(p);
    assert_int_equal(VsGetModuleHandle(t, NULL), 0x400000);
    assert_int_equal(VsGetModuleHandle(t, "NTDLL"), 0x7C900000);
    assert_int_equal(VsGetModuleHandle(t, "kernel32.dll"), 0);
    assert_int_equal(VsGetLastError(t), ERROR_MOD_NOT_FOUND);
    VsMemoryBasicInformation mbi;
    assert_int_equal(VsVirtualQuery(t, 0x7FFDF000, &mbi, sizeof mbi), 28);
    assert_int_equal(mbi.Type, MEM_PRIVATE);
    assert_int_equal(mbi.Protect, PAGE_READWRITE);
    assert_false(VsVirtualFree(t, 0x7FFDF000, 0, MEM_RELEASE)); /* the kernel's: no change */
    VsModuleInfo modules[4];
    assert_int_equal(vs_process_modules(p, modules, 4), 2);
    assert_string_equal(modules[1].name, "ntdll.dll");
    assert_true(modules[0].pinned);
    assert_int_equal(vs_file_create(f->system, "bad.exe", 4, "MZxx", 4, 0), STATUS_SUCCESS);
    assert_int_equal(vs_process_create_image(f->system, "bad", "bad.exe", "ntdll.dll", &p),
                     STATUS_INVALID_IMAGE_NOT_MZ);
    assert_null(p);
    assert_int_equal(vs_system_process_count(f->system), 2); /* none was made */
}

/* /3GB: an EXE that is not large-address-aware gets 2-3 GB reserved and its PEB in the last page
 * under 2 GB (the search down from the top passes the reservation), its TEB below it; an aware one
 * has the PEB at 0xBFFDF000. */
static void test_process_x86_3gb(void **state)
{
    Fixture *f = *state;
    declare_process_files(f, false, 0);
    VsProcess *p;
    assert_int_equal(vs_process_create_image(f->system, "old", "app.exe", "ntdll.dll", &p),
                     STATUS_SUCCESS);
    VsProcessImageInfo info;
    assert_true(vs_process_image_info(p, &info));
    assert_int_equal(info.peb, 0x7FFFF000);
    VsMemoryBasicInformation mbi;
    VsThread *t = vs_process_main_thread(p);
    assert_int_equal(VsVirtualQuery(t, 0x7FFFE000, &mbi, sizeof mbi), 28); /* the first TEB */
    assert_int_equal(mbi.AllocationBase, 0x7FFFE000);
    assert_int_equal(mbi.State, MEM_COMMIT);
    assert_int_equal(VsVirtualQuery(t, 0x80000000, &mbi, sizeof mbi), 28);
    assert_int_equal(mbi.State, MEM_RESERVE);
    assert_int_equal(mbi.RegionSize, 0xBFFE0000 - 0x80000000);
    assert_int_equal(VsVirtualAlloc(t, 0x90000000, 0x1000, MEM_RESERVE, PAGE_READWRITE), 0);
    CHECK_INVARIANTS(f);
    VsPeSpec aware = {.characteristics =
                          IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_LARGE_ADDRESS_AWARE,
                      .image_base = 0x400000};
    char error[128];
    assert_true(vs_pe_parse_sections(".text 0x1000 0x1000 rx", &aware, error, sizeof error));
    declare(f, "big.exe", &aware);
    assert_int_equal(vs_process_create_image(f->system, "big", "big.exe", "ntdll.dll", &p),
                     STATUS_SUCCESS);
    assert_true(vs_process_image_info(p, &info));
    assert_int_equal(info.peb, 0xBFFDF000);
    CHECK_INVARIANTS(f);
}

/* x64: the PEB under the highest VAD address; LoadLibrary counts loads, FreeLibrary unmaps with
 * the last; an image whose base is taken and that has no relocations cannot be loaded. */
static void test_process_x64_loader(void **state)
{
    Fixture *f = *state;
    declare_process_files(f, true, IMAGE_FILE_LARGE_ADDRESS_AWARE);
    VsProcess *p;
    assert_int_equal(vs_process_create_image(f->system, "app", "app.exe", "ntdll.dll", &p),
                     STATUS_SUCCESS);
    VsProcessImageInfo info;
    assert_true(vs_process_image_info(p, &info));
    assert_int_equal(info.peb, 0x7FFFFFFDF000ull);
    VsThread *t = vs_process_main_thread(p);
    VsPeSpec spec = app_spec(true);
    declare(f, "app.dll", &spec);
    assert_int_equal(VsLoadLibrary(t, "app.dll"), BASE);
    assert_int_equal(VsLoadLibraryEx(t, "APP.DLL", DONT_RESOLVE_DLL_REFERENCES), BASE);
    assert_true(VsFreeLibrary(t, BASE));
    CHECK_INVARIANTS(f);
    assert_int_equal(VsGetModuleHandle(t, "app"), BASE);
    assert_true(VsFreeLibrary(t, BASE));
    assert_int_equal(VsGetModuleHandle(t, "app"), 0);
    assert_int_equal(query(f, BASE).State, MEM_FREE);
    assert_false(VsFreeLibrary(t, BASE));
    assert_int_equal(VsGetLastError(t), ERROR_MOD_NOT_FOUND);
    assert_true(VsFreeLibrary(t, 0x400000)); /* the EXE is pinned: nothing happens */
    assert_int_equal(VsGetModuleHandle(t, NULL), 0x400000);
    assert_int_equal(VsVirtualAlloc(t, BASE, 0x1000, MEM_RESERVE, PAGE_READWRITE), BASE);
    assert_int_equal(VsLoadLibrary(t, "app.dll"), 0);
    assert_int_equal(VsGetLastError(t), ERROR_INVALID_ADDRESS);
    assert_int_equal(VsLoadLibrary(t, "missing.dll"), 0);
    assert_int_equal(VsGetLastError(t), ERROR_MOD_NOT_FOUND);
    CHECK_INVARIANTS(f);
}

/* LoadLibrary of a relocatable DLL whose base is taken: mapped elsewhere, each pointer its
 * relocations name moved by the distance, exactly those pages made private; a view mapped without
 * the loader keeps the file's pointers. */
static void test_relocation(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = {.pe32_plus = true,
                     .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL,
                     .image_base = BASE};
    char error[128];
    assert_true(vs_pe_parse_sections(".text 0x2000 0x2000 rxcf; .data 0x1000 0x200 rwi", &spec,
                                     error, sizeof error));
    VsHandle file = declare(f, "reloc.dll", &spec);
    assert_int_equal(VsVirtualAlloc(f->thread, BASE, 0x10000, MEM_RESERVE, PAGE_READWRITE), BASE);
    uint64_t m = VsLoadLibrary(f->thread, "reloc.dll");
    assert_true(m != 0 && m != BASE);
    CHECK_INVARIANTS(f);
    for (uint64_t page = 0x1000; page <= 0x2000; page += 0x1000) {
        uint64_t value = 0;
        for (unsigned i = 0; i < 8; i++) {
            uint8_t byte;
            assert_int_equal(vs_memory_read(f->thread, m + page + i, &byte), STATUS_SUCCESS);
            value |= (uint64_t)byte << (8 * i);
        }
        assert_int_equal(value, m + page); /* was BASE + page in the file */
        VsPteWalk w;
        vs_pte_walk(f->process, m + page, &w);
        VsFrameInfo frame;
        assert_true(vs_page_frame_info(f->system, vs_pte_frame_number(w.level[w.levels - 1].entry),
                                       &frame));
        assert_int_equal(frame.section, 0); /* the process's own copy, no section's page */
    }
    assert_int_equal(query(f, m + 0x1000).Protect, PAGE_EXECUTE_READ); /* put back */
    uint64_t view = 0, size = 0, offset = 0;
    VsHandle s = image_section(f, file);
    assert_int_equal(VsNtMapViewOfSection(f->thread, s, VS_CURRENT_PROCESS, &view, 0, 0, &offset,
                                          &size, 1, 0, PAGE_READONLY),
                     STATUS_IMAGE_NOT_AT_BASE);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, view + 0x1003, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0x10); /* 0x10001000 as the file has it: no loader, no relocation */
    CHECK_INVARIANTS(f);
}

/* ---- The invariant checker's image rules ------------------------------------------------------
 */

/* vs_check fails, and its message names the invariant. */
static void assert_trips(Fixture *f, const char *invariant)
{
    char why[512];
    assert_false(vs_check(f->system, why, sizeof why));
    if (!strstr(why, invariant)) {
        print_error("vs_check reported \"%s\", not \"%s\"\n", why, invariant);
        fail();
    }
}

/* An image view charges its write-copy pages; the file names its image section; a prototype PTE
 * and a frame carry their subsection's protection; a section object fits its control area, which
 * counts its handles. */
static void test_checker_rules(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    VsHandle s = image_section(f, declare(f, "app.dll", &spec));
    uint64_t base;
    assert_int_equal(map_image(f, f->thread, s, &base), STATUS_SUCCESS);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, base + 0x1000, &byte), STATUS_SUCCESS);
    VsVad *vad = (VsVad *)vs_vad_lookup(f->process, base);
    VsSection *section = vs_mapped_vad(vad)->section;
    uint32_t protection = vad->protection;
    vad->protection = MM_READONLY;
    assert_trips(f, "image view does not charge its image's write-copy pages");
    vad->protection = protection;
    section->file->image_section = NULL;
    assert_trips(f, "image section not the file's image section");
    section->file->image_section = section;
    uint64_t pte = vs_prototype_read(section, 4);
    assert_true(vs_prototype_write(section, 4, vs_pte_make_subsection(MM_READWRITE)));
    assert_trips(f, "prototype PTE of the wrong backing");
    assert_true(vs_prototype_write(section, 4, pte));
    VsPfn *pfn = &f->system->pfn.frames[vs_pte_frame(vs_prototype_read(section, 1))];
    uint64_t original = pfn->original_pte;
    pfn->original_pte = vs_pte_make_subsection(MM_READONLY);
    assert_trips(f, "an image page's frame has another protection than its subsection");
    pfn->original_pte = original;
    VsSectionObject *object = f->system->section_objects;
    object->size_of_section = 0x9000;
    assert_trips(f, "section object without a handle, or larger than its control area");
    object->size_of_section = 0x8000;
    section->handles--;
    assert_trips(f, "section object's control area gone or not counting its handles");
    section->handles++;
    CHECK_INVARIANTS(f);
}

/* A DLL whose import directory names another: LoadLibrary loads that one too and writes its
 * export's address into the IAT, whose page becomes private; the last FreeLibrary unloads both, a
 * load of the imported DLL of its own keeps it. The sections text's mistakes are refused. */
static void test_imports(void **state)
{
    Fixture *f = *state;
    char error[128];
    VsPeSpec a = {.pe32_plus = true,
                  .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL,
                  .image_base = BASE};
    VsPeSpec b = a;
    b.image_base = BASE + 0x1000000;
    assert_true(vs_pe_parse_sections(".text 0x1000 0x200 rxc; exports", &a, error, sizeof error));
    assert_true(
        vs_pe_parse_sections(".text 0x1000 0x200 rxc; imports a.dll", &b, error, sizeof error));
    assert_true(a.exports && !a.import_count && b.import_count == 1 && !b.exports);
    VsHandle files[2] = {declare(f, "a.dll", &a), declare(f, "b.dll", &b)};
    uint64_t module = VsLoadLibrary(f->thread, "b.dll");
    CHECK_INVARIANTS(f);
    assert_int_equal(module, b.image_base);
    assert_int_equal(VsGetModuleHandle(f->thread, "a.dll"), BASE);
    uint64_t iat = module + 0x2000 + 20 * 2 + 16, value = 0; /* .idata: two descriptors, lookup */
    for (int i = 0; i < 8; i++) {
        uint8_t byte;
        assert_int_equal(vs_memory_read(f->thread, iat + i, &byte), STATUS_SUCCESS);
        value |= (uint64_t)byte << (8 * i);
    }
    assert_int_equal(value, BASE + 0x1000); /* ordinal 1: a.dll's .text */
    assert_true(VsFreeLibrary(f->thread, module));
    CHECK_INVARIANTS(f);
    assert_int_equal(VsGetModuleHandle(f->thread, "a.dll"), 0);
    uint64_t own = VsLoadLibrary(f->thread, "a.dll");
    assert_int_equal(VsLoadLibrary(f->thread, "b.dll"), module);
    assert_true(VsFreeLibrary(f->thread, module));
    assert_int_equal(VsGetModuleHandle(f->thread, "a.dll"), own);
    assert_true(VsFreeLibrary(f->thread, own));
    CHECK_INVARIANTS(f);
    VsCloseHandle(f->thread, files[0]);
    VsCloseHandle(f->thread, files[1]);
    assert_false(vs_pe_parse_sections(".text 0x1000 0x200 rxc; imports", &b, error, sizeof error));
    assert_false(vs_pe_parse_sections(".text 0x1000 0x200 rxc; imports a b c d e f g h i", &b,
                                      error, sizeof error));
}

/* SectionImageInformation of h, checking the call's statuses around it: a buffer one byte short is
 * STATUS_INFO_LENGTH_MISMATCH, one byte long is fine, and the return length is the structure's. */
static VsSectionImageInformation query_image(Fixture *f, VsHandle h, uint64_t size)
{
    VsSectionImageInformation info;
    uint64_t length = 0xdeadbeef;
    assert_int_equal(VsSectionInformationSize(f->thread, SectionImageInformation), size);
    assert_int_equal(
        VsNtQuerySection(f->thread, h, SectionImageInformation, &info, size - 1, &length),
        STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(length, 0xdeadbeef);
    assert_int_equal(
        VsNtQuerySection(f->thread, h, SectionImageInformation, &info, size + 1, &length),
        STATUS_SUCCESS);
    assert_int_equal(length, size);
    return info;
}

/* Every field of SECTION_IMAGE_INFORMATION from the headers the declaration set (kernel32 loader.c
 * query_image_section L353-486): the entry point at the preferred base, the stack sizes, subsystem
 * and OS versions, characteristics, machine, checksum and the file's size; code because of the
 * entry point, dynamically relocated for DYNAMIC_BASE with code. The file's data section has no
 * image information. */
static void test_image_information(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = {.pe32_plus = true,
                     .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL,
                     .image_base = 0x123450000,
                     .dll_characteristics = IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE};
    char error[128];
    assert_true(vs_pe_parse_sections(".rodata 0x1000 0x10 ri; entry 0x1234; stack 0x200000 0x3000;"
                                     "subsystem 2 5 2; os 10 1; checksum 0xABCD",
                                     &spec, error, sizeof error));
    VsHandle file = declare(f, "info.dll", &spec);
    VsSectionImageInformation info = query_image(f, image_section(f, file), 64);
    assert_int_equal(info.TransferAddress, 0x123451234);
    assert_int_equal(info.ZeroBits, 0);
    assert_int_equal(info.MaximumStackSize, 0x200000);
    assert_int_equal(info.CommittedStackSize, 0x3000);
    assert_int_equal(info.SubSystemType, 2);
    assert_int_equal(info.SubSystemMajorVersion, 5);
    assert_int_equal(info.SubSystemMinorVersion, 2);
    assert_int_equal(info.MajorOperatingSystemVersion, 10);
    assert_int_equal(info.MinorOperatingSystemVersion, 1);
    assert_int_equal(info.ImageCharacteristics, IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL);
    assert_int_equal(info.DllCharacteristics, IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE);
    assert_int_equal(info.Machine, 0x8664);
    assert_int_equal(info.ImageContainsCode, 1);
    assert_int_equal(info.ImageFlags, VS_IMAGE_FLAGS_DYNAMICALLY_RELOCATED);
    assert_int_equal(info.LoaderFlags, 0);
    assert_int_equal(info.ImageFileSize, vs_pe_file_size(&spec));
    assert_int_equal(info.CheckSum, 0xABCD);
    VsHandle data = VsCreateFileMapping(f->thread, file, PAGE_READONLY, 0, 0, NULL);
    assert_true(data != 0);
    assert_int_equal(VsNtQuerySection(f->thread, data, SectionImageInformation, &info, 64, NULL),
                     STATUS_SECTION_NOT_IMAGE);
}

/* ImageContainsCode and ImageFlags without an entry point (loader.c query_image_section L431-486,
 * test_import_resolution L2405-2423): data alone is no code and not relocated; an executable
 * section is code; relocations with DYNAMIC_BASE are relocated without code, not without
 * DYNAMIC_BASE; a flat image (SectionAlignment below a page) is code and mapped flat. */
static void test_image_code_and_flags(void **state)
{
    Fixture *f = *state;
    static const struct {
        const char *sections;
        uint16_t dll_characteristics;
        bool flat;
        uint8_t code, flags;
    } cases[] = {
        {".rodata 0x1000 0x10 ri", 0x0040, false, 0, 0},
        {".rodata 0x1000 0x10 rx", 0, false, 1, 0},
        {".data 0x1000 0x200 rwif", 0x0040, false, 0, VS_IMAGE_FLAGS_DYNAMICALLY_RELOCATED},
        {".data 0x1000 0x200 rwif", 0x0100, false, 0, 0},
        {".rodata 0x1000 0x10 ri", 0x0040, true, 1, VS_IMAGE_FLAGS_MAPPED_FLAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        VsPeSpec spec = {.pe32_plus = true,
                         .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL,
                         .image_base = 0x10000000,
                         .dll_characteristics = cases[i].dll_characteristics};
        char error[128], name[16];
        assert_true(vs_pe_parse_sections(cases[i].sections, &spec, error, sizeof error));
        size_t size = vs_pe_file_size(&spec);
        unsigned char *bytes = malloc(size);
        assert_non_null(bytes);
        assert_true(vs_pe_write(&spec, bytes));
        if (cases[i].flat) /* SectionAlignment and FileAlignment 0x200 */
            memcpy(bytes + 0x40 + 24 + 32, (unsigned char[]){0, 2, 0, 0, 0, 2, 0, 0}, 8);
        snprintf(name, sizeof name, "case%zu.dll", i);
        assert_int_equal(vs_file_create(f->system, name, size, bytes, size, 0), STATUS_SUCCESS);
        free(bytes);
        VsHandle file = VsCreateFile(f->thread, name, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING,
                                     FILE_ATTRIBUTE_NORMAL);
        VsSectionImageInformation info = query_image(f, image_section(f, file), 64);
        assert_int_equal(info.ImageContainsCode, cases[i].code);
        assert_int_equal(info.ImageFlags, cases[i].flags);
        assert_int_equal(info.TransferAddress, 0x10000000);
    }
}

/* On x86 the structures are 48 and 16 bytes, and a PE32 image's fields read as a PE32+ one's. */
static void test_image_information_x86(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(false);
    char error[128];
    assert_true(vs_pe_parse_sections(".text 0x1000 0x200 rxc; entry 0x1010; stack 0x40000 0x2000",
                                     &spec, error, sizeof error));
    VsHandle section = image_section(f, declare(f, "app.dll", &spec));
    VsSectionImageInformation info = query_image(f, section, 48);
    assert_int_equal(info.TransferAddress, BASE + 0x1010);
    assert_int_equal(info.Machine, 0x14C);
    assert_int_equal(info.MaximumStackSize, 0x40000);
    assert_int_equal(info.CommittedStackSize, 0x2000);
    VsSectionBasicInformation basic;
    uint64_t length = 0;
    assert_int_equal(
        VsNtQuerySection(f->thread, section, SectionBasicInformation, &basic, 15, NULL),
        STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(
        VsNtQuerySection(f->thread, section, SectionBasicInformation, &basic, 16, &length),
        STATUS_SUCCESS);
    assert_int_equal(length, 16);
}

/* A little-endian 32-bit field of a built image. */
static uint32_t read32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The header parts' mistakes: numbers missing, too many, not numbers, too large for the field,
 * a field set twice. The builder's values stand when none is given; align, headers and image
 * write their fields and leave the layout (the section's RVA and raw data) as it was. */
static void test_header_parts(void **state)
{
    (void)state;
    VsPeSpec spec = {.pe32_plus = true, .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE};
    char error[128];
    static const char *const wrong[] = {
        ".text 0x1000 0x200 rxc; entry",
        ".text 0x1000 0x200 rxc; stack 0x1000",
        ".text 0x1000 0x200 rxc; subsystem 1 2 3 4",
        ".text 0x1000 0x200 rxc; machine 0x10000",
        ".text 0x1000 0x200 rxc; entry 1; entry 2",
        ".text 0x1000 0x200 rxc; checksum x",
        ".text 0x1000 0x200 rxc; os 1 2x",
        ".text 0x1000 0x200 rxc; align 0x1000",
        ".text 0x1000 0x200 rxc; image 0x100000000",
        ".text 0x1000 0x200 rxc; headers 1 2",
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        assert_false(vs_pe_parse_sections(wrong[i], &spec, error, sizeof error));
        assert_non_null(strstr(error, "numbers"));
    }
    assert_true(vs_pe_parse_sections(".text 0x1000 0x200 rxc; machine 0x14c; code 0", &spec, error,
                                     sizeof error));
    unsigned char bytes[0x2000];
    assert_true(vs_pe_file_size(&spec) <= sizeof bytes);
    assert_true(vs_pe_write(&spec, bytes));
    assert_int_equal(bytes[0x44] | bytes[0x45] << 8, 0x14C);          /* Machine */
    assert_int_equal(bytes[0x58 + 4], 0);                             /* SizeOfCode */
    assert_int_equal(bytes[0x58 + 68], 3);                            /* the console subsystem */
    assert_int_equal(bytes[0x58 + 74] | bytes[0x58 + 75] << 8, 0x10); /* 1 MB stack reserve */
    uint32_t rva = read32(bytes + 0x58 + 0xF0 + 12), raw = read32(bytes + 0x58 + 0xF0 + 20);
    assert_true(vs_pe_parse_sections(
        ".text 0x1000 0x200 rxc; align 0x200 0x1000; headers 0x170; image 0x1170", &spec, error,
        sizeof error));
    assert_true(vs_pe_file_size(&spec) <= sizeof bytes);
    assert_true(vs_pe_write(&spec, bytes));
    assert_int_equal(read32(bytes + 0x58 + 32), 0x200);  /* SectionAlignment */
    assert_int_equal(read32(bytes + 0x58 + 36), 0x1000); /* FileAlignment */
    assert_int_equal(read32(bytes + 0x58 + 56), 0x1170); /* SizeOfImage */
    assert_int_equal(read32(bytes + 0x58 + 60), 0x170);  /* SizeOfHeaders */
    assert_int_equal(read32(bytes + 0x58 + 0xF0 + 12), rva);
    assert_int_equal(read32(bytes + 0x58 + 0xF0 + 20), raw);
    spec.pe32_plus = true;
    assert_true(vs_pe_parse_sections(".text 0x1000 0x200 rxc; pe32", &spec, error, sizeof error));
    assert_false(spec.pe32_plus);
    assert_false(
        vs_pe_parse_sections(".text 0x1000 0x200 rxc; pe32 1", &spec, error, sizeof error));
}

/* The layout parts: a short DOS header (e_lfanew written last, over the NT headers), a declared
 * SizeOfOptionalHeader (the optional header still whole, the section table where it says, none
 * at 0), a placed section (its raw data the headers' bytes when it lies in them), a data
 * directory as given, a file cut or padded; and their mistakes. */
static void test_layout_parts(void **state)
{
    (void)state;
    VsPeSpec spec = {.pe32_plus = true, .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE};
    char error[160];
    static unsigned char bytes[0x3000];
    assert_true(vs_pe_parse_sections(".rodata 100 10 ri 0x1000 0x10; dos 16; optional 0x148; "
                                     "align 0x1000 0x200; headers 0x200; file 0x1A8",
                                     &spec, error, sizeof error));
    assert_int_equal(vs_pe_file_size(&spec), 0x1A8);
    assert_true(vs_pe_write(&spec, bytes));
    assert_int_equal(read32(bytes + 0x3C), 0x10); /* e_lfanew, on BaseOfCode */
    assert_memory_equal(bytes + 0x10, "PE\0\0", 4);
    assert_int_equal(bytes[0x14 + 16] | bytes[0x14 + 17] << 8, 0x148); /* SizeOfOptionalHeader */
    assert_int_equal(read32(bytes + 0x28 + 32), 0x1000);               /* SectionAlignment */
    assert_memory_equal(bytes + 0x170, ".rodata", 7);                  /* the section table */
    assert_int_equal(read32(bytes + 0x170 + 8), 100);                  /* VirtualSize */
    assert_int_equal(read32(bytes + 0x170 + 12), 0x1000);              /* VirtualAddress */
    assert_int_equal(read32(bytes + 0x170 + 16), 10);                  /* SizeOfRawData */
    assert_int_equal(read32(bytes + 0x170 + 20), 0x10);                /* PointerToRawData */
    assert_memory_equal(bytes + 0x10, "PE", 2); /* its raw data is the headers' bytes */
    assert_true(vs_pe_parse_sections("dos 4; optional 8; align 4 4; image 0x2000; headers 0x40",
                                     &spec, error, sizeof error));
    assert_int_equal(vs_pe_file_size(&spec), 0x200); /* the headers, rounded to FileAlignment */
    assert_true(vs_pe_write(&spec, bytes));
    assert_int_equal(read32(bytes + 0x3C), 4);               /* e_lfanew, on SectionAlignment */
    assert_int_equal(bytes[0x1C] | bytes[0x1D] << 8, 0x20B); /* the optional header, whole */
    assert_int_equal(read32(bytes + 0x1C + 56), 0x2000);     /* SizeOfImage */
    assert_int_equal(bytes[0x1C + 68], 3);                   /* Subsystem, past the 8 bytes */
    assert_true(vs_pe_parse_sections(".rodata 5 10 ri 0 0; optional 0; file 268", &spec, error,
                                     sizeof error));
    assert_int_equal(vs_pe_file_size(&spec), 268);
    memset(bytes, 0xAA, sizeof bytes);
    assert_true(vs_pe_write(&spec, bytes));
    assert_memory_equal(bytes + 0x58, ".rodata", 7); /* no optional header: the table follows */
    assert_int_equal(bytes[0x80], 0);                /* no raw data written: zeros to 268 */
    assert_int_equal(bytes[267], 0);
    assert_int_equal(bytes[268], 0xAA);
    assert_true(vs_pe_parse_sections(".rodata 0x1000 0x10 ri; directory 14 1 1", &spec, error,
                                     sizeof error));
    assert_true(vs_pe_write(&spec, bytes));
    assert_int_equal(read32(bytes + 0x58 + 112 + 14 * 8), 1);
    assert_int_equal(read32(bytes + 0x58 + 112 + 14 * 8 + 4), 1);
    static const char *const wrong[] = {
        "dos 1",
        "dos 65",
        "optional 0x10000",
        "file 0",
        "directory 16 1 1",
        "directory 1 2",
        ".rodata 5 10 ri 0x170",
        ".rodata 5 10 ri 0x170 x",
        ".text 5 10 rxf 0x1000 0x400",
        "optional 0; entry 1",
        "optional 0; .text 0x1000 0x200 rxcf",
        "exports",
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
        assert_false(vs_pe_parse_sections(wrong[i], &spec, error, sizeof error));
}

/* Declares the file of a pe() sections text (PE32+, a DLL at 0x123450000 with DYNAMIC_BASE) and
 * makes its image section: the status. */
static VsStatus built_status(Fixture *f, const char *name, const char *text)
{
    VsPeSpec spec = {.pe32_plus = true,
                     .characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL,
                     .image_base = 0x123450000ull,
                     .dll_characteristics = IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE};
    char error[160];
    static unsigned char bytes[0x3000];
    assert_true(vs_pe_parse_sections(text, &spec, error, sizeof error));
    size_t size = vs_pe_file_size(&spec);
    assert_true(size > 0 && size <= sizeof bytes);
    assert_true(vs_pe_write(&spec, bytes));
    return image_status(f, name, bytes, size);
}

/* The headers' rules test_Loader's hand-made files show (td[] L736-876, as WRK orders them): the
 * NT headers wholly in the file and on 4 bytes; SizeOfOptionalHeader only placing the table (a
 * multiple of 8 on x64); SizeOfHeaders not 0 and, rounded to SectionAlignment, inside the image,
 * for flat images too; an image of some pages. */
static void test_header_rules(void **state)
{
    Fixture *f = *state;
    static const struct {
        const char *name, *text;
        VsStatus status;
    } cases[] = {
        /* 0x40 + 0x108 past 268 bytes */
        {"td0", ".rodata 5 10 ri 0 0; optional 0; file 268", STATUS_INVALID_IMAGE_PROTECT},
        /* 4 + 0x108 is 268 */
        {"td17", "dos 4; optional 8; align 4 4; image 0x2000; headers 0x40; file 268",
         STATUS_SUCCESS},
        {"short", "dos 4; optional 8; align 4 4; image 0x2000; headers 0x40; file 267",
         STATUS_INVALID_IMAGE_PROTECT},
        /* e_lfanew 6 */
        {"odd", "dos 6; optional 8; align 4 4; image 0x2000; headers 0x40; file 268",
         STATUS_INVALID_IMAGE_PROTECT},
        /* SizeOfOptionalHeader not a multiple of 8 */
        {"opt", "dos 4; optional 12; align 4 4; image 0x2000; headers 0x40; file 268",
         STATUS_INVALID_IMAGE_FORMAT},
        /* SizeOfHeaders 0 */
        {"td16", "dos 4; optional 0xF0; align 4 4; image 0x40; headers 0; file 268",
         STATUS_INVALID_IMAGE_FORMAT},
        /* 0x200 of headers in 0xD0 of image */
        {"td8", "optional 0x40; align 0x200 0x200; image 0xd0; headers 0xc0; file 328",
         STATUS_INVALID_IMAGE_FORMAT},
        {"td13", "optional 0x40; align 0x200 0x200; image 0; headers 0; file 328",
         STATUS_INVALID_IMAGE_FORMAT},
        {"td4",
         ".rodata 5 10 ri 0x170 0x170; align 0x200 0x200; image 0x370; headers 0x170; file 0x180",
         STATUS_SUCCESS},
        {"td14",
         ".rodata 100 10 ri 0x1000 0x10; dos 16; optional 0x148; align 0x1000 0x200; image "
         "0x1170; headers 0x200; file 0x1A8",
         STATUS_SUCCESS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(built_status(f, cases[i].name, cases[i].text), cases[i].status);
}

/* A PE32 image in a 64-bit process (kernel32 loader.c test_Loader L1380-1437): mapped, and its
 * SECTION_IMAGE_INFORMATION is x64's 64 bytes holding the PE32 headers' values. */
static void test_image_information_pe32_on_x64(void **state)
{
    Fixture *f = *state;
    VsPeSpec spec = app_spec(true);
    char error[128];
    assert_true(vs_pe_parse_sections(".text 0x1000 0x10 rc; pe32; stack 0x321000 0x123000; code 0",
                                     &spec, error, sizeof error));
    VsSectionImageInformation info =
        query_image(f, image_section(f, declare(f, "pe32.dll", &spec)), 64);
    assert_int_equal(info.Machine, 0x14C);
    assert_int_equal(info.MaximumStackSize, 0x321000);
    assert_int_equal(info.CommittedStackSize, 0x123000);
    assert_int_equal(info.ImageContainsCode, 0);
    assert_int_equal(info.TransferAddress, BASE);
}

/* A .NET image (loader.c query_image_section L425, L443-485): LoaderFlags 1, never dynamically
 * relocated; IL only from runtime 2.5 with ILONLY; in PE32 native-ready unless 32BITREQUIRED and
 * prefer-32-bit for 32BITPREFERRED; in PE32+ neither. */
static void test_image_information_com(void **state)
{
    Fixture *f = *state;
    static const struct {
        const char *sections;
        uint8_t flags;
    } cases[] = {
        {".text 0x1000 0x10 rxc; com 1 2 4", 0},
        {".text 0x1000 0x10 rxc; com 1 2 5", VS_IMAGE_FLAGS_COMPLUS_IL_ONLY},
        {".text 0x1000 0x10 rxc; com 0x20003 3 0", VS_IMAGE_FLAGS_COMPLUS_IL_ONLY},
        {".text 0x1000 0x10 rxc; pe32; com 1 2 5",
         VS_IMAGE_FLAGS_COMPLUS_IL_ONLY | VS_IMAGE_FLAGS_COMPLUS_NATIVE_READY},
        {".text 0x1000 0x10 rxc; pe32; com 3 2 5", VS_IMAGE_FLAGS_COMPLUS_IL_ONLY},
        {".text 0x1000 0x10 rxc; pe32; com 0x20001 2 5", VS_IMAGE_FLAGS_COMPLUS_IL_ONLY |
                                                             VS_IMAGE_FLAGS_COMPLUS_NATIVE_READY |
                                                             VS_IMAGE_FLAGS_COMPLUS_PREFER_32BIT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        VsPeSpec spec = app_spec(true);
        spec.dll_characteristics = IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE;
        char error[128], name[16];
        assert_true(vs_pe_parse_sections(cases[i].sections, &spec, error, sizeof error));
        snprintf(name, sizeof name, "net%zu.dll", i);
        VsSectionImageInformation info =
            query_image(f, image_section(f, declare(f, name, &spec)), 64);
        assert_int_equal(info.LoaderFlags, 1);
        assert_int_equal(info.ImageFlags, cases[i].flags);
        assert_int_equal(info.ImageContainsCode, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_not_at_base, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_image_machine, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_shared_code_private_data, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_protect, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_not_images, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_x86, fixture_setup_x86, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lifetime, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_partial_section, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_process_x86, fixture_setup_x86, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_process_x86_3gb, fixture_setup_x86_3gb,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_process_x64_loader, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_relocation, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_checker_rules, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_imports, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_image_information, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_image_code_and_flags, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_image_information_x86, fixture_setup_x86,
                                        fixture_teardown),
        cmocka_unit_test(test_header_parts),
        cmocka_unit_test(test_layout_parts),
        cmocka_unit_test_setup_teardown(test_header_rules, fixture_setup_x64, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_image_information_pe32_on_x64, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_image_information_com, fixture_setup_x64,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
