/*
 * benchutil.h - what the benchmarks share: the clock, the host heap, the sizes they speak in, the
 * systems they make, and stopping at the first call that fails (a benchmark of failing calls
 * measures nothing).
 *
 * Messages name the program (bench-section: ...). Host memory is the growth of the host heap in
 * use (glibc mallinfo2) across what is measured: the model has no public count of every host byte
 * it holds, and the heap's is what a user of the model pays.
 */
#ifndef VS_BENCH_BENCHUTIL_H
#define VS_BENCH_BENCHUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vadsim.h"

#define PAGE 4096ull
#define KB 1024ull
#define MB (1024ull * KB)
#define GB (1024ull * MB)
#define TB (1024ull * GB)
#define RUNS 3 /* each figure is the best of this many batches (the host is shared) */

/* For a benchmark whose one option is --quick (a smoke run): whether it was given. Anything else
 * prints the usage and exits with 2. */
bool bench_quick(int argc, char **argv);

/* The monotonic clock, in ns. */
double bench_now_ns(void);
/* Host heap bytes in use (glibc's mallinfo2): what the model holds, whatever the heap reuses. */
size_t bench_heap_in_use(void);

/* Stops the benchmark with "what failed", with thread's last error when there is one. */
_Noreturn void bench_fail(VsThread *thread, const char *what);

/* bench_fail unless ok; inline, as the timed loops call it. */
static inline void bench_require(bool ok, VsThread *thread, const char *what)
{
    if (!ok)
        bench_fail(thread, what);
}
/* The invariant checker, once per part, outside the timed regions; stops the benchmark when an
 * invariant is broken. */
void bench_check(const VsSystem *system, const char *part);

/* A system of arch with ram and pagefile bytes (0: the defaults), and a process in it. */
VsSystem *bench_system(VsArch arch, uint64_t ram, uint64_t pagefile);
VsSystem *bench_linux_system(uint64_t ram, uint64_t pagefile);
VsThread *bench_process(VsSystem *system, const char *name);

/* Events of kind in log, which is then cleared. */
uint64_t bench_count_events(VsEventLog *log, VsEventKind kind);

#endif /* VS_BENCH_BENCHUTIL_H */
