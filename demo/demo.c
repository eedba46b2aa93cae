/*
 * demo.c - replays the reserve-then-commit example of the Windows Internals unit (seed 002):
 *
 *     p = VirtualAlloc(NULL, 120000, MEM_RESERVE, PAGE_READWRITE);   122880 bytes at a 64 KB
 * boundary VirtualAlloc(p + 6K, 7K, MEM_COMMIT, PAGE_READWRITE);          pages 1-3 committed,
 * returns p+4K
 *
 * and prints what the model did and the VirtualQuery walk over the allocation, the way a program on
 * Windows would see it. It drives the model only through vadsim.h, as every driver does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "vadsim.h"

static const char *state_name(uint32_t state)
{
    return state == MEM_COMMIT ? "MEM_COMMIT" : state == MEM_RESERVE ? "MEM_RESERVE" : "MEM_FREE";
}

/* Prints the MEMORY_BASIC_INFORMATION records from p to the end of its allocation. */
static void print_walk(VsThread *thread, uint64_t p)
{
    printf("\nVirtualQuery walk of the allocation at 0x%" PRIx64 ":\n", p);
    printf("  %-14s %-14s %-17s %-10s %-12s %-16s %s\n", "BaseAddress", "AllocationBase",
           "AllocationProtect", "RegionSize", "State", "Protect", "Type");
    VsMemoryBasicInformation mbi;
    uint64_t address = p;
    while (VsVirtualQuery(thread, address, &mbi, sizeof mbi) && mbi.AllocationBase == p) {
        char alloc[64], prot[64];
        vs_protect_string(mbi.AllocationProtect, alloc, sizeof alloc);
        vs_protect_string(mbi.Protect, prot, sizeof prot);
        printf("  0x%-12" PRIx64 " 0x%-12" PRIx64 " %-17s 0x%-8" PRIx64 " %-12s %-16s %s\n",
               mbi.BaseAddress, mbi.AllocationBase, alloc, mbi.RegionSize, state_name(mbi.State),
               mbi.State == MEM_COMMIT ? prot : "0", "MEM_PRIVATE");
        address = mbi.BaseAddress + mbi.RegionSize;
    }
}

/* Prints the events the last call left in the log, one line each, then clears it. */
static void print_events(VsEventLog *log)
{
    for (size_t i = 0; i < log->count; i++) {
        const VsEvent *e = &log->events[i];
        printf("    event %-14s pages 0x%" PRIx64 "-0x%" PRIx64, vs_event_kind_name(e->kind),
               e->vpn_start, e->vpn_end);
        if (e->kind == VS_EV_COMMITTED)
            printf(", %" PRIu64 " pages of commit charged", e->pages);
        if (e->kind == VS_EV_TABLE_CREATED)
            printf(", level %u", e->level);
        printf("\n");
    }
    vs_event_log_clear(log);
}

int main(void)
{
    VsSystem *system = vs_system_create(&(VsSystemConfig){.arch = VS_ARCH_X64});
    VsProcess *process = system ? vs_process_create(system, "demo") : NULL;
    if (!process) {
        fprintf(stderr, "vadsim-demo: out of memory\n");
        return 1;
    }
    VsThread *thread = vs_process_main_thread(process);
    VsEventLog log = {0};
    vs_system_attach_log(system, &log);

    printf("vadsim demo: reserve, then commit (Windows Internals, memory management unit)\n");
    uint64_t p = VsVirtualAlloc(thread, 0, 120000, MEM_RESERVE, PAGE_READWRITE);
    VsMemoryBasicInformation mbi;
    VsVirtualQuery(thread, p, &mbi, sizeof mbi);
    printf("\np = VirtualAlloc(NULL, 120000, MEM_RESERVE, PAGE_READWRITE) = 0x%" PRIx64
           "  (64 KB aligned: %s, %" PRIu64 " bytes reserved)\n",
           p, p % VS_GRANULARITY == 0 ? "yes" : "no", mbi.RegionSize);
    print_events(&log);

    uint64_t q = VsVirtualAlloc(thread, p + 6 * 1024, 7 * 1024, MEM_COMMIT, PAGE_READWRITE);
    printf("\nVirtualAlloc(p + 6K, 7K, MEM_COMMIT, PAGE_READWRITE) = p + 0x%" PRIx64
           "  (pages 1-3 committed: the range touches them all)\n",
           q - p);
    print_events(&log);

    print_walk(thread, p);

    VsProcessCounters counters;
    vs_process_counters(process, &counters);
    printf("\ncommit charge %" PRIu64 " pages, %" PRIu64 " page-table pages, %" PRIu64 " VADs\n",
           counters.commit_charge, counters.page_table_pages, counters.vad_count);

    char why[256];
    bool ok = vs_check(system, why, sizeof why);
    if (!ok)
        fprintf(stderr, "vadsim-demo: invariant broken: %s\n", why);
    vs_event_log_free(&log);
    vs_system_destroy(system);
    return ok ? 0 : 1;
}
