/*
 * bench_section.c - what sections, views and placeholders cost in the model.
 *
 * Method. Every figure is the mean of a batch, timed with the monotonic clock, and the best of
 * three such batches (the host is shared). The invariant checker runs on each system the parts
 * make, once, at its end, outside the timed regions.
 *   map + unmap  MapViewOfFile(FILE_MAP_WRITE) then UnmapViewOfFile of a 64 KB, 1 MB and 64 MB
 *                view of a pagefile-backed SEC_COMMIT section of that size, untouched, with 100,
 *                10k and 100k other views (of a 64 KB section) already in the process
 *   faults       through prototype PTEs, per fault of the kind counted from the event stream:
 *                the first touch of each page of a view (demand zero: reads, then writes), a
 *                second process touching the same pages (the prototype is valid already: its
 *                frame's share count grows), a touch after both processes' working sets were
 *                emptied (soft: the frame comes back from standby or modified), and stores to a
 *                FILE_MAP_COPY view (copy-on-write: pages a load had mapped read-only, those never
 *                written, whose copy is a zeroed frame, then those written before, whose 4 KB
 *                are copied; and pages whose first touch is the store)
 *   unmap        UnmapViewOfFile of a view of N resident pages, per page: while another process
 *                keeps the pages valid (only share counts fall), and as the last view (the frames
 *                go to the standby or modified list)
 *   placeholders one 1 GB placeholder (NtAllocateVirtualMemoryEx MEM_RESERVE_PLACEHOLDER) split
 *                into pieces one at a time from its front (VirtualFree MEM_RELEASE|
 *                MEM_PRESERVE_PLACEHOLDER), each replaced by a view (MapViewOfFile3
 *                MEM_REPLACE_PLACEHOLDER), unmapped keeping its placeholder (UnmapViewOfFile2
 *                MEM_PRESERVE_PLACEHOLDER), then all coalesced in one call, split again (untimed)
 *                and coalesced back one neighbour at a time (MEM_COALESCE_PLACEHOLDERS); pieces of
 *                4 KB, of 64 KB and of 4..64 KB in turn, at 1k and 16k pieces, so that a cost per
 *                op growing with the number of pieces shows as a ratio well above log n (16 for
 *                a cost linear in the pieces, quadratic in all)
 * Host memory: the model has no public count of the host bytes it holds (its pools' chunk_bytes
 * are internal), so, as bench_vm.c and bench_paging.c do, it is the growth of the host heap in use
 * (glibc mallinfo2) while views, sections and placeholder pieces are made.
 *
 * No targets were set for sections; the benchmark prints figures and fails only when a call it
 * makes does.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"

/* The sizes of one run: the full benchmark, or the smoke run of --quick. */
typedef struct Scale {
    uint64_t pairs;          /* map/unmap pairs timed per view size and population */
    size_t populations[3];   /* views already mapped when the pairs are timed */
    uint64_t fault_pages;    /* pages of the section the fault part touches */
    uint64_t unmap_pages[4]; /* view sizes, in pages, of the unmap part */
    uint64_t unmap_work;     /* pages unmapped per view size (the repetitions follow) */
    uint64_t pieces[2];      /* placeholder pieces: the smaller and the larger count */
    uint64_t sections;       /* sections made to measure host bytes per section */
} Scale;

static const Scale full_scale = {
    .pairs = 20000,
    .populations = {100, 10000, 100000},
    .fault_pages = 65536,
    .unmap_pages = {16, 256, 4096, 65536},
    .unmap_work = 262144,
    .pieces = {1024, 16384},
    .sections = 10000,
};

static const Scale quick_scale = {
    .pairs = 1000,
    .populations = {100, 1000, 10000},
    .fault_pages = 4096,
    .unmap_pages = {16, 256, 1024, 4096},
    .unmap_work = 16384,
    .pieces = {256, 1024},
    .sections = 1000,
};

/* ---- Helpers --------------------------------------------------------------------------------- */

/* A pagefile-backed SEC_COMMIT section of bytes, named or not, in thread's process. */
static VsHandle new_section(VsThread *thread, uint64_t bytes, const char *name)
{
    VsHandle h = VsCreateFileMapping(thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE | SEC_COMMIT,
                                     (uint32_t)(bytes >> 32), (uint32_t)bytes, name);
    bench_require(h != 0, thread, "CreateFileMapping");
    return h;
}

static uint64_t map(VsThread *thread, VsHandle section, uint32_t access, uint64_t bytes)
{
    uint64_t p = VsMapViewOfFile(thread, section, access, 0, 0, bytes);
    bench_require(p != 0, thread, "MapViewOfFile");
    return p;
}

/* ---- Map and unmap, as the process fills with views ------------------------------------------ */

static const uint64_t view_sizes[3] = {64 * KB, 1 * MB, 64 * MB};

/* ns per MapViewOfFile + UnmapViewOfFile pair of an untouched view of bytes, best of RUNS. */
static double time_map_unmap(VsThread *thread, VsHandle section, uint64_t bytes, uint64_t pairs)
{
    double best = 0;
    for (int r = 0; r < RUNS; r++) {
        double start = bench_now_ns();
        for (uint64_t i = 0; i < pairs; i++) {
            uint64_t p = map(thread, section, FILE_MAP_WRITE, bytes);
            bench_require(VsUnmapViewOfFile(thread, p), thread, "UnmapViewOfFile");
        }
        double ns = (bench_now_ns() - start) / (double)pairs;
        best = r == 0 || ns < best ? ns : best;
    }
    return best;
}

/* Fills the process with views up to each population in turn and times the pairs there; returns
 * the host bytes per view the last fill cost. */
static double bench_map_unmap(const Scale *s)
{
    VsSystem *system = bench_system(VS_ARCH_X64, 256 * MB, 256 * MB);
    VsThread *thread = bench_process(system, "views");
    VsHandle background = new_section(thread, 64 * KB, NULL);
    VsHandle sections[3];
    for (int v = 0; v < 3; v++)
        sections[v] = new_section(thread, view_sizes[v], NULL);
    time_map_unmap(thread, sections[0], 64 * KB, s->pairs / 10 + 1); /* warm up, untimed */

    double ns[3][3], bytes_per_view = 0;
    size_t present = 0;
    for (int p = 0; p < 3; p++) {
        size_t before = bench_heap_in_use();
        for (; present < s->populations[p]; present++)
            map(thread, background, FILE_MAP_READ, 64 * KB);
        bytes_per_view = (double)(bench_heap_in_use() - before) /
                         (double)(s->populations[p] - (p ? s->populations[p - 1] : 0));
        for (int v = 0; v < 3; v++)
            ns[v][p] = time_map_unmap(thread, sections[v], view_sizes[v], s->pairs);
    }
    bench_check(system, "map and unmap");

    printf("Map + unmap of an untouched view, mean ns per pair over %" PRIu64
           " pairs, best of %d\n\n",
           s->pairs, RUNS);
    printf("  %-22s", "view (SEC_COMMIT)");
    for (int p = 0; p < 3; p++)
        printf(" %7zu views", s->populations[p]);
    printf("   last/first\n");
    for (int v = 0; v < 3; v++) {
        printf("  %-22s", v == 0 ? "64 KB" : v == 1 ? "1 MB" : "64 MB");
        for (int p = 0; p < 3; p++)
            printf(" %13.1f", ns[v][p]);
        printf("   %10.2f\n", ns[v][2] / ns[v][0]);
    }
    vs_system_destroy(system);
    return bytes_per_view;
}

/* ---- Faults through prototype PTEs ----------------------------------------------------------- */

/* Touches every page of [p, p + pages * PAGE), clearing the log every 1024 pages; returns the ns
 * per event of the kind counted, and their number in *faults. */
static double touch(VsThread *thread, VsEventLog *log, uint64_t p, uint64_t pages, bool write,
                    VsEventKind kind, uint64_t *faults)
{
    *faults = 0;
    vs_event_log_clear(log);
    double start = bench_now_ns();
    for (uint64_t i = 0; i < pages; i++) {
        uint8_t v;
        VsStatus status = write ? vs_memory_write(thread, p + i * PAGE, (uint8_t)(i | 1))
                                : vs_memory_read(thread, p + i * PAGE, &v);
        bench_require(status == STATUS_SUCCESS, thread, write ? "a store" : "a load");
        if ((i & 1023) == 1023)
            *faults += bench_count_events(log, kind);
    }
    double elapsed = bench_now_ns() - start;
    *faults += bench_count_events(log, kind);
    return *faults ? elapsed / (double)*faults : 0;
}

/* The kinds of fault timed, in the order they happen. */
enum { F_ZERO_LOAD, F_ZERO_STORE, F_SHARED, F_SOFT, F_COW_ZERO, F_COW_COPY, F_COW_FIRST, F_KINDS };

static const char *const fault_names[F_KINDS][2] = {
    {"demand zero", "first touch, loads"},
    {"demand zero", "first touch, stores: a frame also gets 4 KB of host"},
    {"prototype valid", "second process, loads: share count 1 -> 2"},
    {"soft (trimmed)", "both working sets emptied, loads"},
    {"copy-on-write", "stores to loaded pages never written: the copy is zeroed"},
    {"copy-on-write", "stores to loaded pages written before: 4 KB copied"},
    {"copy-on-write", "first touch a store: prototype fault + copy"},
};

typedef struct FaultFigures {
    double ns[F_KINDS];
    uint64_t faults[F_KINDS];
} FaultFigures;

/* Touches [p, p + pages * PAGE) and records the figures of fault kind f. */
static void touch_kind(VsThread *thread, VsEventLog *log, uint64_t p, uint64_t pages, bool write,
                       VsEventKind kind, int f, FaultFigures *out)
{
    out->ns[f] = touch(thread, log, p, pages, write, kind, &out->faults[f]);
}

/* One run of every kind of fault over a section of pages, in a fresh system. */
static void run_faults(uint64_t pages, FaultFigures *out)
{
    /* Frames for the section's pages and two sets of private copies; commit for the section and
     * the copy-on-write views. */
    VsSystem *system = bench_system(VS_ARCH_X64, pages * PAGE * 4, pages * PAGE * 4);
    VsEventLog log = {0};
    vs_system_attach_log(system, &log);
    VsThread *a = bench_process(system, "first");
    VsThread *b = bench_process(system, "second");
    VsHandle section = new_section(a, pages * PAGE, "bench-faults");
    VsHandle opened = VsOpenFileMapping(b, FILE_MAP_ALL_ACCESS, false, "bench-faults");
    bench_require(opened != 0, b, "OpenFileMapping");
    uint64_t va = map(a, section, FILE_MAP_WRITE, 0), vb = map(b, opened, FILE_MAP_WRITE, 0);
    uint64_t half = pages / 2, rest = pages - half, faults;

    touch_kind(a, &log, va, half, false, VS_EV_DEMAND_ZERO_FAULT, F_ZERO_LOAD, out);
    touch_kind(a, &log, va + half * PAGE, rest, true, VS_EV_DEMAND_ZERO_FAULT, F_ZERO_STORE, out);
    touch_kind(b, &log, vb, pages, false, VS_EV_SOFT_FAULT, F_SHARED, out);
    bench_require(VsEmptyWorkingSet(a, VsGetCurrentProcess()), a, "EmptyWorkingSet");
    bench_require(VsEmptyWorkingSet(b, VsGetCurrentProcess()), b, "EmptyWorkingSet");
    touch_kind(a, &log, va, pages, false, VS_EV_SOFT_FAULT, F_SOFT, out);

    uint64_t vc = map(a, section, FILE_MAP_COPY, 0);
    touch(a, &log, vc, pages, false, VS_EV_SOFT_FAULT, &faults); /* mapped read-only, untimed */
    touch_kind(a, &log, vc, half, true, VS_EV_COPY_ON_WRITE, F_COW_ZERO, out);
    touch_kind(a, &log, vc + half * PAGE, rest, true, VS_EV_COPY_ON_WRITE, F_COW_COPY, out);
    uint64_t vd = map(b, opened, FILE_MAP_COPY, 0);
    touch_kind(b, &log, vd, pages, true, VS_EV_COPY_ON_WRITE, F_COW_FIRST, out);
    bench_check(system, "the faults");
    vs_system_attach_log(system, NULL);
    vs_event_log_free(&log);
    vs_system_destroy(system);
}

static void bench_faults(uint64_t pages, int runs)
{
    FaultFigures best, run;
    for (int r = 0; r < runs; r++) {
        run_faults(pages, &run);
        for (int f = 0; f < F_KINDS; f++)
            if (r == 0 || run.ns[f] < best.ns[f]) {
                best.ns[f] = run.ns[f];
                best.faults[f] = run.faults[f];
            }
    }
    printf("\nFaults through prototype PTEs, mean per fault over %" PRIu64 " pages, best of %d\n\n",
           pages, runs);
    for (int f = 0; f < F_KINDS; f++)
        printf("  %-16s %10.1f ns per fault  (%" PRIu64 " faults; %s)\n", fault_names[f][0],
               best.ns[f], best.faults[f], fault_names[f][1]);
}

/* ---- Unmapping resident pages ---------------------------------------------------------------- */

/* ns per page of unmapping a view of pages resident pages of section, over reps views (each is
 * mapped and its pages loaded, untimed, first). */
static double time_unmap_once(VsThread *thread, VsHandle section, uint64_t pages, uint64_t reps)
{
    double total = 0;
    for (uint64_t r = 0; r < reps; r++) {
        uint64_t p = map(thread, section, FILE_MAP_WRITE, pages * PAGE);
        for (uint64_t i = 0; i < pages; i++) {
            uint8_t v;
            bench_require(vs_memory_read(thread, p + i * PAGE, &v) == STATUS_SUCCESS, thread,
                          "a load");
        }
        double start = bench_now_ns();
        bench_require(VsUnmapViewOfFile(thread, p), thread, "UnmapViewOfFile");
        total += bench_now_ns() - start;
    }
    return total / (double)(reps * pages);
}

/* The same, best of RUNS; reps makes each run unmap about work pages. */
static double time_unmap(VsThread *thread, VsHandle section, uint64_t pages, uint64_t work)
{
    uint64_t reps = work / pages ? work / pages : 1;
    double best = 0;
    for (int r = 0; r < RUNS; r++) {
        double ns = time_unmap_once(thread, section, pages, reps);
        best = r == 0 || ns < best ? ns : best;
    }
    return best;
}

static void bench_unmap(const Scale *s)
{
    uint64_t most = s->unmap_pages[3];
    VsSystem *system = bench_system(VS_ARCH_X64, most * PAGE * 4, most * PAGE * 4);
    VsThread *a = bench_process(system, "unmapper");
    VsThread *b = bench_process(system, "keeper");
    VsHandle section = new_section(a, most * PAGE, "bench-unmap");
    VsHandle opened = VsOpenFileMapping(b, FILE_MAP_ALL_ACCESS, false, "bench-unmap");
    bench_require(opened != 0, b, "OpenFileMapping");
    uint64_t kept = map(b, opened, FILE_MAP_WRITE, 0);
    for (uint64_t i = 0; i < most; i++)
        bench_require(vs_memory_write(b, kept + i * PAGE, 1) == STATUS_SUCCESS, b, "a store");

    double shared[4], last[4];
    for (int n = 0; n < 4; n++)
        shared[n] = time_unmap(a, section, s->unmap_pages[n], s->unmap_work);
    bench_require(VsUnmapViewOfFile(b, kept), b, "UnmapViewOfFile");
    for (int n = 0; n < 4; n++)
        last[n] = time_unmap(a, section, s->unmap_pages[n], s->unmap_work);
    bench_check(system, "unmapping");

    printf("\nUnmap of a view of N resident pages, mean ns per page, best of %d\n\n", RUNS);
    printf("  %-10s %18s %18s\n", "N pages", "pages still shared", "last view");
    for (int n = 0; n < 4; n++)
        printf("  %-10" PRIu64 " %18.1f %18.1f\n", s->unmap_pages[n], shared[n], last[n]);
    printf("  (shared: another process keeps every page valid, so only share counts fall; last:\n"
           "   the frames go to the standby or modified list)\n");
    vs_system_destroy(system);
}

/* ---- Placeholders ---------------------------------------------------------------------------- */

enum { PH_SPLIT, PH_REPLACE, PH_UNMAP, PH_COALESCE_ALL, PH_COALESCE, PH_OPS };

static const char *const ph_names[PH_OPS] = {
    "split",
    "replace with a view",
    "unmap, keep placeholder",
    "coalesce all (per piece)",
    "coalesce one at a time",
};

/* Piece sizes: 4 KB, 64 KB, or 4 KB .. 64 KB in turn. */
enum { PIECES_4K, PIECES_64K, PIECES_MIXED, PIECE_KINDS };

static const char *const piece_names[PIECE_KINDS] = {"4 KB", "64 KB", "4..64 KB"};

static uint64_t piece_size(int kind, uint64_t i)
{
    return kind == PIECES_4K ? 4 * KB : kind == PIECES_64K ? 64 * KB : (i % 16 + 1) * 4 * KB;
}

typedef struct Pieces {
    uint64_t base;
    uint64_t count;   /* pieces split off (the rest of the 1 GB, if any, is one more) */
    uint64_t *offset; /* offset[i]: piece i's start; offset[count]: the end of the last */
} Pieces;

static const uint32_t placeholder_free = MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER;

/* A 1 GB placeholder at a system-chosen base. */
static uint64_t reserve_placeholder(VsThread *thread)
{
    uint64_t base = 0, size = GB;
    VsStatus status =
        VsNtAllocateVirtualMemoryEx(thread, VS_CURRENT_PROCESS, &base, &size,
                                    MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, NULL, 0);
    bench_require(status == STATUS_SUCCESS, thread, "reserving a placeholder");
    return base;
}

/* Splits the pieces off the placeholder's front, one at a time; a last piece that is all that is
 * left needs no split. Returns the ns per split. */
static double split_pieces(VsThread *thread, const Pieces *p)
{
    uint64_t splits = 0;
    double start = bench_now_ns();
    for (uint64_t i = 0; i < p->count; i++) {
        if (p->offset[i + 1] == GB)
            break;
        bench_require(VsVirtualFree(thread, p->base + p->offset[i], p->offset[i + 1] - p->offset[i],
                                    placeholder_free),
                      thread, "splitting a placeholder");
        splits++;
    }
    return (bench_now_ns() - start) / (double)splits;
}

/* Coalesces the placeholder at the base with each next one in turn (the last may be the rest of
 * the 1 GB). Returns the ns per coalesce. */
static double coalesce_pieces(VsThread *thread, const Pieces *p)
{
    uint64_t ops = 0;
    double start = bench_now_ns();
    for (uint64_t i = 1; i <= p->count; i++) {
        uint64_t end = i < p->count ? p->offset[i + 1] : GB;
        if (i == p->count && p->offset[i] == GB)
            break;
        bench_require(VsVirtualFree(thread, p->base, end, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS),
                      thread, "coalescing placeholders");
        ops++;
    }
    return (bench_now_ns() - start) / (double)ops;
}

/* Replaces each piece with a view, then unmaps each keeping its placeholder. */
static void replace_and_unmap(VsThread *thread, VsHandle section, const Pieces *p, double *ns)
{
    double start = bench_now_ns();
    for (uint64_t i = 0; i < p->count; i++) {
        uint64_t at = p->base + p->offset[i];
        bench_require(VsMapViewOfFile3(thread, section, VS_CURRENT_PROCESS, at, 0,
                                       p->offset[i + 1] - p->offset[i], MEM_REPLACE_PLACEHOLDER,
                                       PAGE_READWRITE, NULL, 0) == at,
                      thread, "MapViewOfFile3(MEM_REPLACE_PLACEHOLDER)");
    }
    double mid = bench_now_ns();
    for (uint64_t i = 0; i < p->count; i++)
        bench_require(VsUnmapViewOfFile2(thread, VS_CURRENT_PROCESS, p->base + p->offset[i],
                                         MEM_PRESERVE_PLACEHOLDER),
                      thread, "UnmapViewOfFile2(MEM_PRESERVE_PLACEHOLDER)");
    ns[PH_REPLACE] = (mid - start) / (double)p->count;
    ns[PH_UNMAP] = (bench_now_ns() - mid) / (double)p->count;
}

/* One life cycle of count pieces of the kind in a fresh system: ns per op into ns[PH_OPS];
 * returns the host bytes per piece the splits cost. */
static double placeholder_cycle(int kind, uint64_t count, double *ns)
{
    VsSystem *system = bench_system(VS_ARCH_X64, 0, 0);
    VsThread *thread = bench_process(system, "placeholders");
    VsHandle section = new_section(thread, 64 * KB, NULL);
    Pieces p = {.base = reserve_placeholder(thread), .count = count};
    p.offset = malloc((count + 1) * sizeof *p.offset);
    bench_require(p.offset != NULL, NULL, "malloc");
    p.offset[0] = 0;
    for (uint64_t i = 0; i < count; i++)
        p.offset[i + 1] = p.offset[i] + piece_size(kind, i);

    size_t before = bench_heap_in_use();
    ns[PH_SPLIT] = split_pieces(thread, &p);
    double bytes = (double)(bench_heap_in_use() - before) / (double)count;
    replace_and_unmap(thread, section, &p, ns);
    double start = bench_now_ns();
    bench_require(VsVirtualFree(thread, p.base, GB, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS),
                  thread, "coalescing every placeholder at once");
    ns[PH_COALESCE_ALL] = (bench_now_ns() - start) / (double)count;
    split_pieces(thread, &p);
    ns[PH_COALESCE] = coalesce_pieces(thread, &p);
    bench_require(VsVirtualFree(thread, p.base, 0, MEM_RELEASE), thread,
                  "releasing the placeholder");
    bench_check(system, "the placeholders");
    free(p.offset);
    vs_system_destroy(system);
    return bytes;
}

/* ns per reservation of a 1 GB placeholder (each released again, untimed). */
static double time_reserve(uint64_t reps)
{
    VsSystem *system = bench_system(VS_ARCH_X64, 0, 0);
    VsThread *thread = bench_process(system, "reserve");
    double total = 0;
    for (uint64_t i = 0; i < reps; i++) {
        double start = bench_now_ns();
        uint64_t base = reserve_placeholder(thread);
        total += bench_now_ns() - start;
        bench_require(VsVirtualFree(thread, base, 0, MEM_RELEASE), thread,
                      "releasing a placeholder");
    }
    bench_check(system, "reserving placeholders");
    vs_system_destroy(system);
    return total / (double)reps;
}

/* Runs every kind at both counts and prints the table; returns the host bytes per piece. */
static double bench_placeholders(const Scale *s, double *worst)
{
    double ns[PIECE_KINDS][2][PH_OPS], run[PH_OPS], bytes = 0;
    for (int kind = 0; kind < PIECE_KINDS; kind++)
        for (int c = 0; c < 2; c++)
            for (int r = 0; r < RUNS; r++) {
                bytes = placeholder_cycle(kind, s->pieces[c], run);
                for (int op = 0; op < PH_OPS; op++)
                    if (r == 0 || run[op] < ns[kind][c][op])
                        ns[kind][c][op] = run[op];
            }
    double reserve = time_reserve(1000);

    printf("\nPlaceholders: one 1 GB placeholder split into pieces, mean ns per op, best of %d\n\n",
           RUNS);
    printf("  %-36s %8" PRIu64 " pieces %8" PRIu64 " pieces   ratio\n", "op", s->pieces[0],
           s->pieces[1]);
    printf("  %-36s %15.1f\n", "reserve 1 GB placeholder", reserve);
    *worst = 0;
    for (int op = 0; op < PH_OPS; op++) {
        for (int kind = 0; kind < PIECE_KINDS; kind++) {
            char label[64];
            snprintf(label, sizeof label, "%s, %s", ph_names[op], piece_names[kind]);
            double ratio = ns[kind][1][op] / ns[kind][0][op];
            *worst = ratio > *worst ? ratio : *worst;
            printf("  %-36s %15.1f %15.1f   %5.2f\n", label, ns[kind][0][op], ns[kind][1][op],
                   ratio);
        }
    }
    return bytes;
}

/* ---- Host memory ----------------------------------------------------------------------------- */

/* Host bytes per 64 KB SEC_COMMIT section (its object, prototype PTEs and handle). */
static double section_bytes(uint64_t sections)
{
    VsSystem *system = bench_system(VS_ARCH_X64, sections * 64 * KB, sections * 64 * KB);
    VsThread *thread = bench_process(system, "sections");
    size_t before = bench_heap_in_use();
    for (uint64_t i = 0; i < sections; i++)
        new_section(thread, 64 * KB, NULL);
    double bytes = (double)(bench_heap_in_use() - before) / (double)sections;
    bench_check(system, "making sections");
    vs_system_destroy(system);
    return bytes;
}

/* ---- Command line ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const Scale *s = bench_quick(argc, argv) ? &quick_scale : &full_scale;
    double view = bench_map_unmap(s);
    bench_faults(s->fault_pages, RUNS);
    bench_unmap(s);
    double worst;
    double piece = bench_placeholders(s, &worst);
    double section = section_bytes(s->sections);

    printf("\nHost memory\n");
    printf("  bytes per view (MMVAD)        %8.1f  (the last %zu views mapped, untouched)\n", view,
           s->populations[2] - s->populations[1]);
    printf("  bytes per placeholder piece   %8.1f  (%" PRIu64 " pieces of 4..64 KB split off)\n",
           piece, s->pieces[1]);
    printf("  bytes per 64 KB section       %8.1f  (object, 16 prototype PTEs and its handle)\n",
           section);
    double n = (double)s->pieces[1] / (double)s->pieces[0];
    double log_n = log((double)s->pieces[1]) / log((double)s->pieces[0]);
    /* A per-op cost growing as log n stays near log_n; one growing as n (quadratic in all) near
     * n. The verdict's line is their geometric middle, sqrt(n). */
    printf("\nScaling:\n  worst placeholder op, %" PRIu64 " pieces over %" PRIu64
           ": %.2f  (log n: %.2f; linear per op: %.0f)  %s\n",
           s->pieces[1], s->pieces[0], worst, log_n, n,
           worst < sqrt(n) ? "nothing quadratic" : "GROWS");
    return 0;
}
