/*
 * bench_image.c - what images cost in the model: image sections, their views, processes made from
 * an EXE, and the loader.
 *
 * Method. Every figure is the mean of a batch, timed with the monotonic clock, and the best of
 * three such batches (the host is shared). The images are built by verify/pe_build.c, as the
 * scenarios' pe() builds them: a headers page, then sections of code, read-only data and data.
 *   section      CreateFileMapping(SEC_IMAGE) of a fresh file (its headers read and checked, the
 *                subsections laid out, a prototype PTE written per page), then CloseHandle, which
 *                deletes it; for images of 16 pages, 1 MB and 16 MB
 *   shared       the same while a view keeps the file's image section: the headers are checked
 *                again and the section found
 *   map          NtMapViewOfSection of the image at its base + NtUnmapViewOfSection, untouched
 *   touch        the first read of each page of a mapped 16 MB image (hard faults from the file),
 *                and a second process's (the frames are shared: soft faults through the prototype
 *                PTEs), per page
 *   process      vs_process_create_image: the EXE and ntdll mapped, the PEB made (the synthetic
 *                ntdll of 2 MB; the processes stay, as the model never deletes one)
 *   load         LoadLibrary + FreeLibrary of a 64 KB DLL at its base, and LoadLibrary of a DLL
 *                of 256 pages with a fixup on each, away from its base (relocated: each page
 *                made writable, its pointer rewritten through a copy-on-write fault, put back),
 *                per relocated page
 * Host memory: the growth of the host heap in use (glibc mallinfo2) per image section of each
 * size (the VsImage, the prototype PTEs), and per process made from an image.
 *
 * No targets were set for images; the benchmark prints figures and fails only when a call it makes
 * does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"
#include "pe_build.h"

typedef struct Scale {
    uint64_t creations; /* section creations timed per size */
    uint64_t pairs;     /* map/unmap and load/free pairs */
    uint64_t processes; /* processes made */
    uint64_t relocations;
} Scale;

static const Scale full_scale = {
    .creations = 2000, .pairs = 20000, .processes = 1000, .relocations = 200};
static const Scale quick_scale = {.creations = 50, .pairs = 500, .processes = 20, .relocations = 5};

/* Declares name, an image of about pages pages: code, read-only data, data (and fixups). */
static void declare(VsSystem *system, const char *name, uint64_t pages, uint64_t base, bool fixups)
{
    VsPeSpec spec = {.pe32_plus = true,
                     /* IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_LARGE_ADDRESS_AWARE | DLL */
                     .characteristics = 0x2022,
                     .image_base = base};
    char text[160], error[160];
    uint64_t code = pages / 2 * PAGE, rdata = pages / 4 * PAGE, data = (pages / 4 - 1) * PAGE;
    snprintf(text, sizeof text,
             ".text 0x%" PRIx64 " 0x%" PRIx64 " rxc%s; .rdata 0x%" PRIx64 " 0x%" PRIx64
             " ri; .data 0x%" PRIx64 " 0x1000 rwi",
             code, code, fixups ? "f" : "", rdata, rdata, data);
    if (!vs_pe_parse_sections(text, &spec, error, sizeof error))
        bench_fail(NULL, error);
    size_t size = vs_pe_file_size(&spec);
    unsigned char *bytes = malloc(size);
    if (!bytes || !vs_pe_write(&spec, bytes))
        bench_fail(NULL, "malloc");
    if (!NT_SUCCESS(vs_file_create(system, name, size, bytes, size, 0)))
        bench_fail(NULL, "vs_file_create");
    free(bytes);
}

static VsHandle open_file(VsThread *thread, const char *name)
{
    VsHandle f = VsCreateFile(thread, name, GENERIC_READ | GENERIC_EXECUTE, FILE_SHARE_READ,
                              OPEN_EXISTING, 0);
    bench_require(f != VS_INVALID_HANDLE_VALUE, thread, "CreateFile");
    return f;
}

static VsHandle image(VsThread *thread, VsHandle file)
{
    VsHandle s = VsCreateFileMapping(thread, file, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    bench_require(s != 0, thread, "CreateFileMapping(SEC_IMAGE)");
    return s;
}

/* ns per CreateFileMapping(SEC_IMAGE) + CloseHandle, best of RUNS. */
static double time_sections(VsThread *thread, VsHandle file, uint64_t count)
{
    double best = 0;
    for (int r = 0; r < RUNS; r++) {
        double start = bench_now_ns();
        for (uint64_t i = 0; i < count; i++)
            bench_require(VsCloseHandle(thread, image(thread, file)), thread, "CloseHandle");
        double ns = (bench_now_ns() - start) / (double)count;
        best = r == 0 || ns < best ? ns : best;
    }
    return best;
}

/* ns per NtMapViewOfSection + NtUnmapViewOfSection of the whole image, best of RUNS. */
static double time_map(VsThread *thread, VsHandle section, uint64_t pairs)
{
    double best = 0;
    for (int r = 0; r < RUNS; r++) {
        double start = bench_now_ns();
        for (uint64_t i = 0; i < pairs; i++) {
            uint64_t base = 0, size = 0, offset = 0;
            VsStatus status = VsNtMapViewOfSection(thread, section, VS_CURRENT_PROCESS, &base, 0, 0,
                                                   &offset, &size, 1, 0, PAGE_READONLY);
            bench_require(NT_SUCCESS(status), thread, "NtMapViewOfSection");
            bench_require(NT_SUCCESS(VsNtUnmapViewOfSection(thread, VS_CURRENT_PROCESS, base)),
                          thread, "NtUnmapViewOfSection");
        }
        double ns = (bench_now_ns() - start) / (double)pairs;
        best = r == 0 || ns < best ? ns : best;
    }
    return best;
}

/* ns per page read for the first time in thread's process, over the view of pages at base. */
static double time_touch(VsThread *thread, uint64_t base, uint64_t pages)
{
    double start = bench_now_ns();
    for (uint64_t i = 0; i < pages; i++) {
        uint8_t byte;
        bench_require(NT_SUCCESS(vs_memory_read(thread, base + i * PAGE, &byte)), thread, "read");
    }
    return (bench_now_ns() - start) / (double)pages;
}

static const uint64_t image_pages[3] = {16, 256, 4096};
static const uint64_t image_bases[3] = {0x10000000, 0x20000000, 0x30000000};

/* Sections, views and touches of the three image sizes. */
static void bench_sections(const Scale *s)
{
    VsSystem *system = bench_system(VS_ARCH_X64, 256 * MB, 256 * MB);
    VsThread *thread = bench_process(system, "images");
    VsThread *other = bench_process(system, "other");
    printf("%-10s %12s %12s %14s %12s %12s %12s\n", "Image", "section ns", "shared ns",
           "heap bytes", "map ns", "hard/page", "soft/page");
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "image%d.dll", i);
        declare(system, name, image_pages[i], image_bases[i], false);
        VsHandle file = open_file(thread, name);
        double fresh = time_sections(thread, file, s->creations);
        size_t before = bench_heap_in_use();
        VsHandle kept = image(thread, file);
        double heap = (double)(bench_heap_in_use() - before);
        double shared = time_sections(thread, file, s->creations);
        double map = time_map(thread, kept, s->pairs);
        uint64_t base = 0, size = 0, offset = 0;
        VsStatus status = VsNtMapViewOfSection(thread, kept, VS_CURRENT_PROCESS, &base, 0, 0,
                                               &offset, &size, 1, 0, PAGE_READONLY);
        bench_require(NT_SUCCESS(status), thread, "NtMapViewOfSection");
        uint64_t pages = size / PAGE;
        double hard = time_touch(thread, base, pages);
        VsHandle theirs = image(other, open_file(other, name));
        uint64_t base2 = 0, size2 = 0;
        offset = 0;
        status = VsNtMapViewOfSection(other, theirs, VS_CURRENT_PROCESS, &base2, 0, 0, &offset,
                                      &size2, 1, 0, PAGE_READONLY);
        bench_require(NT_SUCCESS(status), other, "NtMapViewOfSection (other)");
        double soft = time_touch(other, base2, pages);
        printf("%-10s %12.0f %12.0f %14.0f %12.0f %12.0f %12.0f\n", name, fresh, shared, heap, map,
               hard, soft);
    }
    bench_check(system, "sections");
    vs_system_destroy(system);
}

/* Processes made from an EXE, and the loader's calls. */
static void bench_processes(const Scale *s)
{
    /* each process charges its images' write-copy pages: a page file room for a thousand */
    VsSystem *system = bench_system(VS_ARCH_X64, 256 * MB, 4 * GB);
    VsThread *thread = bench_process(system, "loader");
    declare(system, "app.exe", 32, 0x140000000ull, false);
    declare(system, "ntdll.dll", 512, 0x7FFB00000000ull, false);
    declare(system, "lib.dll", 16, 0x10000000, false);
    declare(system, "reloc.dll", 256, 0x20000000, true);
    size_t before = bench_heap_in_use();
    double start = bench_now_ns();
    for (uint64_t i = 0; i < s->processes; i++) {
        VsProcess *p;
        VsStatus status = vs_process_create_image(system, "app", "app.exe", "ntdll.dll", &p);
        bench_require(NT_SUCCESS(status), thread, "vs_process_create_image");
    }
    double process_ns = (bench_now_ns() - start) / (double)s->processes;
    double process_heap = (double)(bench_heap_in_use() - before) / (double)s->processes;
    double best = 0;
    for (int r = 0; r < RUNS; r++) {
        start = bench_now_ns();
        for (uint64_t i = 0; i < s->pairs; i++) {
            uint64_t m = VsLoadLibrary(thread, "lib.dll");
            bench_require(m != 0 && VsFreeLibrary(thread, m), thread, "LoadLibrary/FreeLibrary");
        }
        double ns = (bench_now_ns() - start) / (double)s->pairs;
        best = r == 0 || ns < best ? ns : best;
    }
    bench_require(VsVirtualAlloc(thread, 0x20000000, 64 * KB, MEM_RESERVE, PAGE_READWRITE) != 0,
                  thread, "VirtualAlloc");
    start = bench_now_ns();
    for (uint64_t i = 0; i < s->relocations; i++) {
        uint64_t m = VsLoadLibrary(thread, "reloc.dll");
        bench_require(m != 0 && VsFreeLibrary(thread, m), thread, "LoadLibrary (relocated)");
    }
    double relocated = (bench_now_ns() - start) / (double)s->relocations / 128; /* .text pages */
    bench_check(system, "processes");
    printf("\nProcess from an EXE (32 pages) and ntdll (2 MB): %.0f ns, %.0f heap bytes each\n",
           process_ns, process_heap);
    printf("LoadLibrary + FreeLibrary of a 64 KB DLL at its base: %.0f ns\n", best);
    printf("LoadLibrary + FreeLibrary away from the base, per relocated page: %.0f ns\n",
           relocated);
    vs_system_destroy(system);
}

int main(int argc, char **argv)
{
    const Scale *s = bench_quick(argc, argv) ? &quick_scale : &full_scale;
    bench_sections(s);
    bench_processes(s);
    return 0;
}
