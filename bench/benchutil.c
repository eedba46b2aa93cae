/*
 * benchutil.c - the benchmarks' shared helpers (benchutil.h).
 */
#define _GNU_SOURCE /* mallinfo2, program_invocation_short_name */

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"

bool bench_quick(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    if (argc > 1 && !quick) {
        fprintf(stderr, "usage: %s [--quick]\n", program_invocation_short_name);
        exit(2);
    }
    return quick;
}

double bench_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

size_t bench_heap_in_use(void)
{
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

void bench_fail(VsThread *thread, const char *what)
{
    if (thread)
        fprintf(stderr, "%s: %s failed (last error %u)\n", program_invocation_short_name, what,
                VsGetLastError(thread));
    else
        fprintf(stderr, "%s: %s failed\n", program_invocation_short_name, what);
    exit(1);
}

void bench_check(const VsSystem *system, const char *part)
{
    char why[256];
    if (vs_check(system, why, sizeof why))
        return;
    fprintf(stderr, "%s: invariants broken after %s: %s\n", program_invocation_short_name, part,
            why);
    exit(1);
}

VsSystem *bench_system(VsArch arch, uint64_t ram, uint64_t pagefile)
{
    VsSystem *system = vs_system_create(
        &(VsSystemConfig){.arch = arch, .ram_bytes = ram, .pagefile_bytes = pagefile});
    bench_require(system != NULL, NULL, "creating the system");
    return system;
}

/* A Linux system: the x64 machine with the Linux personality. */
VsSystem *bench_linux_system(uint64_t ram, uint64_t pagefile)
{
    VsSystem *system = vs_system_create(&(VsSystemConfig){.arch = VS_ARCH_X64,
                                                          .personality = vs_linux_personality(),
                                                          .ram_bytes = ram,
                                                          .pagefile_bytes = pagefile});
    bench_require(system != NULL, NULL, "creating the system");
    return system;
}

VsThread *bench_process(VsSystem *system, const char *name)
{
    VsProcess *process = vs_process_create(system, name);
    bench_require(process != NULL, NULL, "creating a process");
    return vs_process_main_thread(process);
}

uint64_t bench_count_events(VsEventLog *log, VsEventKind kind)
{
    uint64_t n = 0;
    for (size_t i = 0; i < log->count; i++)
        n += log->events[i].kind == kind;
    vs_event_log_clear(log);
    return n;
}
