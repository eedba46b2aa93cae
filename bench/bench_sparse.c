/*
 * bench_sparse.c - what the largest size arguments cost the model: every cost should follow the
 * pages present, not the pages spanned (issue 20).
 *
 * Method. Every figure is the mean ns of one operation over a batch, the best of three batches
 * (the host is shared), each batch in a fresh system; the invariant checker runs once per part,
 * outside the timed regions. Host memory is given twice: the model's own count of what it holds
 * (vs_system_host_bytes) and the growth of the host heap in use (glibc mallinfo2), as the other
 * benchmarks measure it.
 *   1 TB view    a pagefile-backed SEC_RESERVE section of 1 TB: CreateFileMapping, MapViewOfFile of
 *                all of it, VirtualQuery of the one reserved region, VirtualAlloc(MEM_COMMIT) and a
 *                store in three pages far apart, a VirtualQuery walk of the view's regions,
 *                UnmapViewOfFile, CloseHandle. Target: queried in well under a second and a few MB.
 *   64 GB file   a file of 64 GB of 'x' declared, then mapped 256 MB at a time from an x86 process,
 *                a page written and flushed in each window, the window unmapped; the file keeps the
 *                pages written and nothing else.
 *   others       what the audit of every other size argument measured, each at its largest: a
 *                128 TB reservation queried and released, a 100 TB MEM_WRITE_WATCH reservation read
 *                with GetWriteWatch, VirtualProtect of a 16 TB view (more page tables than RAM:
 *                refused at once), VirtualLock of 128 TB (refused at once), fork of a process with
 *                a 60 GB mapping, a system with a 64 GB page file.
 *   Linux        mmap of 1 TB with MAP_NORESERVE, a store in three pages far apart, mincore of the
 *                1 GB around one of them, mprotect, madvise(MADV_DONTNEED), mremap to 2 TB and
 *                munmap: in the model, and the same calls on this machine's kernel in the same run,
 *                with the ratio. There is no Windows kernel here: the Windows parts have no ratio.
 *
 * No figure is asserted: the benchmark prints them and the targets, and fails only when a call it
 * makes does.
 */
#define _GNU_SOURCE /* MAP_NORESERVE, mremap */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "benchutil.h"

/* The sizes of one run: the full benchmark, or the smoke run of --quick. */
typedef struct Scale {
    int runs;             /* batches per figure */
    uint64_t reps;        /* operations per batch where one is cheap */
    uint64_t windows;     /* 256 MB windows mapped over the 64 GB file */
    uint64_t mincore_len; /* bytes of the Linux mapping mincore looks at */
} Scale;

static const Scale full_scale = {.runs = RUNS, .reps = 200, .windows = 256, .mincore_len = GB};
static const Scale quick_scale = {.runs = 1, .reps = 5, .windows = 16, .mincore_len = 64 * MB};

/* ---- Helpers --------------------------------------------------------------------------------- */

static uint64_t model_bytes(const VsSystem *system)
{
    VsHostBytes bytes;
    vs_system_host_bytes(system, &bytes);
    return bytes.total;
}

/* A figure: the best mean ns of an operation, and host bytes when it was measured. */
typedef struct Figure {
    const char *name;
    double ns;
    double model_kb, heap_kb; /* host memory the model holds after it, and the heap's growth */
} Figure;

static void keep_best(Figure *best, double ns, int run)
{
    if (run == 0 || ns < best->ns)
        best->ns = ns;
}

static void print_figures(const Figure *f, size_t n)
{
    printf("  %-48s %12s %12s %12s\n", "operation", "ns", "model KB", "heap KB");
    for (size_t i = 0; i < n; i++)
        printf("  %-48s %12.0f %12.1f %12.1f\n", f[i].name, f[i].ns, f[i].model_kb, f[i].heap_kb);
}

/* ---- A 1 TB SEC_RESERVE view --------------------------------------------------------------- */

enum { V_CREATE, V_MAP, V_QUERY, V_COMMIT, V_WALK, V_UNMAP, V_CLOSE, V_OPS };

static const char *const view_names[V_OPS] = {
    "CreateFileMapping 1 TB SEC_RESERVE",        "MapViewOfFile, all 1 TB",
    "VirtualQuery: one 1 TB reserved region",    "commit + store, per page (3 pages far apart)",
    "VirtualQuery walk of the view (6 regions)", "UnmapViewOfFile",
    "CloseHandle (the section is deleted)",
};

/* Times one op of a batch-free sequence: the function runs once; returns its ns. */
#define TIMED(ns, stmt)                                                                            \
    do {                                                                                           \
        double start_ = bench_now_ns();                                                            \
        stmt;                                                                                      \
        (ns) = bench_now_ns() - start_;                                                            \
    } while (0)

static void view_once(Figure *f, int run)
{
    VsSystem *system = bench_system(VS_ARCH_X64, 0, 0);
    VsThread *t = bench_process(system, "bench");
    size_t heap_before = bench_heap_in_use();
    double ns[V_OPS];
    uint64_t bytes_before = model_bytes(system);
    VsHandle h;
    uint64_t v = 0, size = 0;
    TIMED(ns[V_CREATE], h = VsCreateFileMapping(t, VS_INVALID_HANDLE_VALUE,
                                                PAGE_READWRITE | SEC_RESERVE, 0x100, 0, NULL));
    bench_require(h != 0, t, "CreateFileMapping");
    TIMED(ns[V_MAP], v = VsMapViewOfFile(t, h, FILE_MAP_WRITE, 0, 0, 0));
    bench_require(v != 0, t, "MapViewOfFile");
    VsMemoryBasicInformation m;
    TIMED(ns[V_QUERY], size = VsVirtualQuery(t, v, &m, sizeof m) ? m.RegionSize : 0);
    bench_require(size == TB, t, "VirtualQuery of the view");
    f[V_MAP].model_kb = (double)(model_bytes(system) - bytes_before) / KB;
    f[V_MAP].heap_kb = (double)(bench_heap_in_use() - heap_before) / KB;
    const uint64_t at[3] = {0, TB / 2, TB - 64 * KB};
    double start = bench_now_ns();
    for (int i = 0; i < 3; i++) {
        bench_require(VsVirtualAlloc(t, v + at[i], PAGE, MEM_COMMIT, PAGE_READWRITE) == v + at[i],
                      t, "VirtualAlloc(MEM_COMMIT)");
        bench_require(vs_memory_write(t, v + at[i], 1) == STATUS_SUCCESS, t, "a store");
    }
    ns[V_COMMIT] = (bench_now_ns() - start) / 3;
    f[V_COMMIT].model_kb = (double)(model_bytes(system) - bytes_before) / KB;
    f[V_COMMIT].heap_kb = (double)(bench_heap_in_use() - heap_before) / KB;
    int regions = 0;
    start = bench_now_ns();
    for (uint64_t a = v; a < v + TB && VsVirtualQuery(t, a, &m, sizeof m); a += m.RegionSize)
        regions++;
    ns[V_WALK] = bench_now_ns() - start;
    bench_require(regions == 6, t, "the walk of the view's regions"); /* 3 committed, 3 reserved */
    bench_check(system, "the 1 TB view");
    TIMED(ns[V_UNMAP], bench_require(VsUnmapViewOfFile(t, v), t, "UnmapViewOfFile"));
    TIMED(ns[V_CLOSE], bench_require(VsCloseHandle(t, h), t, "CloseHandle"));
    bench_check(system, "closing the 1 TB section");
    vs_system_destroy(system);
    for (int op = 0; op < V_OPS; op++)
        keep_best(&f[op], ns[op], run);
}

static double bench_view(const Scale *s)
{
    Figure f[V_OPS] = {{0}};
    for (int op = 0; op < V_OPS; op++)
        f[op].name = view_names[op];
    for (int r = 0; r < s->runs; r++)
        view_once(f, r);
    printf("A 1 TB SEC_RESERVE view (x64 model; no Windows kernel here to time it against), best "
           "of %d\n\n",
           s->runs);
    print_figures(f, V_OPS);
    printf("  (model KB and heap KB: after mapping, a chunk of the long-VAD pool among them, and\n"
           "   after the three commits: their page tables, frames and prototype PTE nodes)\n");
    return f[V_QUERY].ns + f[V_MAP].ns + f[V_CREATE].ns;
}

/* ---- A 64 GB file, a window at a time -------------------------------------------------------- */

static void bench_file(const Scale *s)
{
    Figure f[3] = {{.name = "file(): 64 GB of 'x' declared"},
                   {.name = "map 256 MB window, store, flush, unmap"},
                   {.name = "read_file of a byte (model's own file byte)"}};
    for (int r = 0; r < s->runs; r++) {
        VsSystem *system = bench_system(VS_ARCH_X86, 0, 0);
        VsThread *t = bench_process(system, "bench");
        size_t heap_before = bench_heap_in_use();
        uint64_t bytes_before = model_bytes(system);
        double ns;
        VsStatus status;
        TIMED(ns, status = vs_file_create(system, "big", 64 * GB, "MZ", 2, 'x'));
        bench_require(status == STATUS_SUCCESS, NULL, "declaring the file");
        keep_best(&f[0], ns, r);
        f[0].model_kb = (double)(model_bytes(system) - bytes_before) / KB;
        f[0].heap_kb = (double)(bench_heap_in_use() - heap_before) / KB;
        VsHandle file = VsCreateFile(t, "big", GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, 0);
        VsHandle h = VsCreateFileMapping(t, file, PAGE_READWRITE, 0, 0, NULL);
        bench_require(h != 0, t, "CreateFileMapping of the file");
        double start = bench_now_ns();
        for (uint64_t w = 0; w < s->windows; w++) {
            uint64_t offset = w * (64 * GB / s->windows);
            uint64_t v = VsMapViewOfFile(t, h, FILE_MAP_WRITE, (uint32_t)(offset >> 32),
                                         (uint32_t)offset, 256 * MB);
            bench_require(v != 0, t, "MapViewOfFile of a window");
            bench_require(vs_memory_write(t, v + 100, 'w') == STATUS_SUCCESS, t, "a store");
            bench_require(VsFlushViewOfFile(t, v, 0) && VsUnmapViewOfFile(t, v), t,
                          "flush and unmap");
        }
        keep_best(&f[1], (bench_now_ns() - start) / (double)s->windows, r);
        f[1].model_kb = (double)(model_bytes(system) - bytes_before) / KB;
        f[1].heap_kb = (double)(bench_heap_in_use() - heap_before) / KB;
        uint8_t byte = 0;
        TIMED(ns, status = vs_file_read_byte(t, file, 64 * GB - 1, &byte));
        bench_require(status == STATUS_SUCCESS && byte == 'x', t, "read_file");
        keep_best(&f[2], ns, r);
        bench_check(system, "the 64 GB file");
        vs_system_destroy(system);
    }
    printf("\nA 64 GB file mapped 256 MB at a time from an x86 process, %" PRIu64
           " windows, a page written in each (no Windows kernel here), best of %d\n\n",
           s->windows, s->runs);
    print_figures(f, 3);
    printf("  (model KB and heap KB: after declaring, and after every window: the pages "
           "written)\n");
}

/* ---- Every other size argument at its largest ------------------------------------------------ */

enum { O_RESERVE, O_WATCH, O_PROTECT, O_LOCK, O_FORK, O_PAGEFILE, O_OPS };

static const char *const other_names[O_OPS] = {
    "reserve 128 TB, VirtualQuery, release",
    "GetWriteWatch over a 100 TB reservation",
    "VirtualProtect of a 16 TB file view (refused)",
    "VirtualLock of 128 TB (refused)",
    "fork with a 60 GB mapping, 2 pages touched",
    "system with a 64 GB page file: create, destroy",
};

static double reserve_query_release(VsThread *t)
{
    VsMemoryBasicInformation m;
    double start = bench_now_ns();
    uint64_t p = VsVirtualAlloc(t, 0, 0x7FF000000000ull, MEM_RESERVE, PAGE_READWRITE);
    bench_require(p && VsVirtualQuery(t, p, &m, sizeof m) && VsVirtualFree(t, p, 0, MEM_RELEASE), t,
                  "a 128 TB reservation");
    return bench_now_ns() - start;
}

static double write_watch(VsThread *t)
{
    uint64_t p = VsVirtualAlloc(t, 0, 100 * TB, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE);
    bench_require(p && VsVirtualAlloc(t, p + 50 * TB, 64 * KB, MEM_COMMIT, PAGE_READWRITE), t,
                  "a 100 TB write-watch reservation");
    bench_require(vs_memory_write(t, p + 50 * TB, 1) == STATUS_SUCCESS, t, "a store");
    uint64_t addresses[4], count = 4;
    uint32_t granularity;
    double start = bench_now_ns();
    uint32_t result = VsGetWriteWatch(t, 0, p, 100 * TB, addresses, &count, &granularity);
    double ns = bench_now_ns() - start;
    bench_require(result == 0 && count == 1 && VsVirtualFree(t, p, 0, MEM_RELEASE), t,
                  "GetWriteWatch");
    return ns;
}

static double protect_file_view(VsSystem *system, VsThread *t)
{
    bench_require(vs_file_create(system, "view", 16 * TB, NULL, 0, 0) == STATUS_SUCCESS, NULL,
                  "file");
    VsHandle file = VsCreateFile(t, "view", GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, 0);
    VsHandle h = VsCreateFileMapping(t, file, PAGE_READWRITE, 0, 0, NULL);
    uint64_t v = VsMapViewOfFile(t, h, FILE_MAP_WRITE, 0, 0, 0);
    bench_require(v != 0, t, "a 16 TB view");
    uint32_t old;
    double start = bench_now_ns();
    bool ok = VsVirtualProtect(t, v, 16 * TB, PAGE_READONLY, &old);
    double ns = bench_now_ns() - start;
    bench_require(!ok && VsUnmapViewOfFile(t, v) && VsCloseHandle(t, h) && VsCloseHandle(t, file),
                  t, "VirtualProtect refused, and the view gone");
    return ns;
}

static double lock_terabytes(VsThread *t)
{
    uint64_t p = VsVirtualAlloc(t, 0, 0x7FF000000000ull, MEM_RESERVE, PAGE_READWRITE);
    bench_require(p != 0, t, "a 128 TB reservation");
    double start = bench_now_ns();
    bool ok = VsVirtualLock(t, p, 0x7FF000000000ull);
    double ns = bench_now_ns() - start;
    bench_require(!ok && VsVirtualFree(t, p, 0, MEM_RELEASE), t, "VirtualLock refused");
    return ns;
}

static double fork_large(void)
{
    VsSystem *system = bench_linux_system(4 * GB, 64 * GB);
    VsThread *t = bench_process(system, "bench");
    uint64_t p = vs_mmap(t, 0, 60 * GB, VS_PROT_READ | VS_PROT_WRITE,
                         VS_MAP_PRIVATE | VS_MAP_ANONYMOUS | VS_MAP_NORESERVE, -1, 0);
    bench_require(p != VS_MAP_FAILED, t, "mmap of 60 GB");
    bench_require(vs_memory_write(t, p, 1) == STATUS_SUCCESS &&
                      vs_memory_write(t, p + 30 * GB, 2) == STATUS_SUCCESS,
                  t, "two stores");
    double start = bench_now_ns();
    int64_t pid = vs_fork(t, NULL);
    double ns = bench_now_ns() - start;
    bench_require(pid > 0, t, "fork");
    bench_check(system, "fork");
    vs_system_destroy(system);
    return ns;
}

static double pagefile_system(void)
{
    double start = bench_now_ns();
    VsSystem *system = bench_system(VS_ARCH_X64, 0, 64 * GB);
    vs_system_destroy(system);
    return bench_now_ns() - start;
}

static void bench_others(const Scale *s)
{
    Figure f[O_OPS] = {{0}};
    for (int op = 0; op < O_OPS; op++)
        f[op].name = other_names[op];
    for (int r = 0; r < s->runs; r++) {
        VsSystem *system = bench_system(VS_ARCH_X64, 0, 0);
        VsThread *t = bench_process(system, "bench");
        size_t heap_before = bench_heap_in_use();
        uint64_t bytes_before = model_bytes(system);
        keep_best(&f[O_RESERVE], reserve_query_release(t), r);
        keep_best(&f[O_WATCH], write_watch(t), r);
        keep_best(&f[O_PROTECT], protect_file_view(system, t), r);
        keep_best(&f[O_LOCK], lock_terabytes(t), r);
        f[O_LOCK].model_kb = (double)(model_bytes(system) - bytes_before) / KB;
        f[O_LOCK].heap_kb = (double)(bench_heap_in_use() - heap_before) / KB;
        bench_check(system, "the other size arguments");
        vs_system_destroy(system);
        keep_best(&f[O_FORK], fork_large(), r);
        keep_best(&f[O_PAGEFILE], pagefile_system(), r);
    }
    VsSystem *system = bench_system(VS_ARCH_X64, 0, 64 * GB);
    f[O_PAGEFILE].model_kb = (double)model_bytes(system) / KB;
    vs_system_destroy(system);
    printf("\nEvery other size argument at its largest (x64 and Linux models), best of %d\n\n",
           s->runs);
    print_figures(f, O_OPS);
    printf("  (model KB and heap KB after the first four, all in one system: what stayed; the\n"
           "   page file's: the whole system, 256 MB of RAM's PFN database included)\n");
}

/* ---- Linux: the model and this machine's kernel ---------------------------------------------- */

enum { L_MMAP, L_TOUCH, L_MINCORE, L_MPROTECT, L_MADVISE, L_MREMAP, L_MUNMAP, L_OPS };

static const char *const linux_names[L_OPS] = {
    "mmap 1 TB MAP_NORESERVE",
    "store, per page (3 pages far apart)",
    "mincore of the 1 GB around a stored page",
    "mprotect 1 TB PROT_READ",
    "madvise 1 TB MADV_DONTNEED",
    "mremap 1 TB -> 2 TB MREMAP_MAYMOVE",
    "munmap 2 TB",
};

static const uint64_t touched[3] = {0, TB / 2, TB - PAGE};

/* One sequence of the calls in the model; ns per op into ns. */
static void linux_model_once(const Scale *s, uint8_t *vec, double *ns)
{
    VsSystem *system = bench_linux_system(0, 0);
    VsThread *t = bench_process(system, "bench");
    uint64_t p = 0, q = 0;
    int rc = 0;
    TIMED(ns[L_MMAP], p = vs_mmap(t, 0, TB, VS_PROT_READ | VS_PROT_WRITE,
                                  VS_MAP_PRIVATE | VS_MAP_ANONYMOUS | VS_MAP_NORESERVE, -1, 0));
    bench_require(p != VS_MAP_FAILED, t, "mmap");
    double start = bench_now_ns();
    for (int i = 0; i < 3; i++)
        bench_require(vs_memory_write(t, p + touched[i], 1) == STATUS_SUCCESS, t, "a store");
    ns[L_TOUCH] = (bench_now_ns() - start) / 3;
    uint64_t around = p + TB / 2 - s->mincore_len / 2;
    TIMED(ns[L_MINCORE], rc = vs_mincore(t, around, s->mincore_len, vec, s->mincore_len / PAGE));
    bench_require(rc == 0 && (vec[s->mincore_len / PAGE / 2] & 1), t, "mincore");
    TIMED(ns[L_MPROTECT], rc = vs_mprotect(t, p, TB, VS_PROT_READ));
    bench_require(rc == 0, t, "mprotect");
    TIMED(ns[L_MADVISE], rc = vs_madvise(t, p, TB, VS_MADV_DONTNEED));
    bench_require(rc == 0, t, "madvise");
    TIMED(ns[L_MREMAP], q = vs_mremap(t, p, TB, 2 * TB, VS_MREMAP_MAYMOVE, 0));
    bench_require(q != VS_MAP_FAILED, t, "mremap");
    TIMED(ns[L_MUNMAP], rc = vs_munmap(t, q, 2 * TB));
    bench_require(rc == 0, t, "munmap");
    bench_check(system, "the Linux calls");
    vs_system_destroy(system);
}

#if defined(__linux__)
/* The same sequence on this machine's kernel; false (with the reason printed) if it refuses one. */
static bool linux_kernel_once(const Scale *s, unsigned char *vec, double *ns)
{
    char *p = NULL, *q = NULL;
    int rc = 0;
    TIMED(ns[L_MMAP], p = mmap(NULL, TB, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    if (p == MAP_FAILED) {
        perror("bench-sparse: the kernel's mmap of 1 TB");
        return false;
    }
    double start = bench_now_ns();
    for (int i = 0; i < 3; i++)
        ((volatile char *)p)[touched[i]] = 1;
    ns[L_TOUCH] = (bench_now_ns() - start) / 3;
    char *around = p + TB / 2 - s->mincore_len / 2;
    TIMED(ns[L_MINCORE], rc = mincore(around, s->mincore_len, vec));
    TIMED(ns[L_MPROTECT], rc |= mprotect(p, TB, PROT_READ));
    TIMED(ns[L_MADVISE], rc |= madvise(p, TB, MADV_DONTNEED));
    TIMED(ns[L_MREMAP], q = mremap(p, TB, 2 * TB, MREMAP_MAYMOVE));
    if (q == MAP_FAILED)
        q = p, rc = -1;
    TIMED(ns[L_MUNMAP], rc |= munmap(q, q == p ? TB : 2 * TB));
    if (rc != 0)
        perror("bench-sparse: a kernel call");
    return rc == 0;
}
#endif

static void bench_linux(const Scale *s)
{
    uint8_t *vec = malloc(s->mincore_len / PAGE);
    bench_require(vec != NULL, NULL, "the mincore vector");
    double model[L_OPS], kernel[L_OPS], run[L_OPS];
    bool have_kernel = false;
    for (int r = 0; r < s->runs; r++) {
        linux_model_once(s, vec, run);
        for (int op = 0; op < L_OPS; op++)
            model[op] = r == 0 || run[op] < model[op] ? run[op] : model[op];
#if defined(__linux__)
        if (linux_kernel_once(s, vec, run)) {
            for (int op = 0; op < L_OPS; op++)
                kernel[op] = !have_kernel || run[op] < kernel[op] ? run[op] : kernel[op];
            have_kernel = true;
        }
#endif
    }
    free(vec);
    printf("\nLinux: the model and this machine's kernel in the same run, best of %d\n\n", s->runs);
    printf("  %-48s %12s %12s %12s\n", "operation", "model ns", "kernel ns", "model/kernel");
    for (int op = 0; op < L_OPS; op++) {
        printf("  %-48s %12.0f", linux_names[op], model[op]);
        if (have_kernel)
            printf(" %12.0f %12.2f\n", kernel[op], model[op] / kernel[op]);
        else
            printf(" %12s %12s\n", "-", "-");
    }
    if (!have_kernel)
        printf("  (no kernel figures: the host is not Linux, or it refused a call)\n");
    printf("  (mincore writes a byte per page in both: its cost is the vector's length)\n");
}

/* ---- Command line ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const Scale *s = bench_quick(argc, argv) ? &quick_scale : &full_scale;
    double query = bench_view(s);
    bench_file(s);
    bench_others(s);
    bench_linux(s);
    printf("\nTarget (issue 20): a 1 TB view created, mapped and queried in well under a second "
           "and a few MB:\n  %.1f us: %s\n",
           query / 1000, query < 1e8 ? "met" : "MISSED");
    return 0;
}
