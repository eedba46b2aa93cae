/*
 * datalimit.c - the scenario's RLIMIT_DATA. The kernel counts every private writable mapping of
 * the process that is not a stack (mm->data_vm, VmData) against the limit, the agent's own among
 * them (its libraries' data, malloc's mappings), which the model's process does not have. So while
 * the scenario's limit is finite the agent's real soft limit is the scenario's plus the agent's own
 * data pages (VmData less the scenario's data mappings, read from smaps), set again before every
 * call the limit decides (mmap, mprotect, mremap, brk, sbrk); a limit of 0 stays 0, since 0 is
 * what lets everything through (the kernel's workaround for Valgrind, under an unlimited hard
 * limit). Then mmap, mprotect and mremap meet the limit exactly where the model's do.
 *
 * brk checks the break itself too, first (check_data_rlimit): the bytes from start_brk to it
 * plus the executable's data segment must not pass the limit. The model's process has no data
 * segment; the agent's has one. A brk that shrinks the heap, or stays within its last page, is
 * decided by that check alone, so for it the real limit is the scenario's plus the agent's data
 * segment. One that grows the heap into new pages is decided by the page count all the same (the
 * limit rounded down to pages is the tighter bound), so it gets the limit other calls get; it is
 * refused in the one case the two could differ, an agent whose own data is smaller than its data
 * segment.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "maps.h"
#include "vadsim-agent-posix.h"

#define START_DATA_FIELD 45 /* proc_pid_stat(5): start_data, then end_data */

static uint64_t scenario_limit = RLIM_INFINITY;
static uint64_t real_limit = RLIM_INFINITY; /* the soft limit set last */

/* A "Name:   value kB" line's value in bytes from /proc/self/status, or 0. */
static uint64_t status_bytes(const char *name)
{
    static char text[4096];
    if (!proc_read("/proc/self/status", text, sizeof text))
        return 0;
    const char *at = strstr(text, name);
    return at ? strtoull(at + strlen(name) + 1, NULL, 10) * 1024 : 0;
}

/* Whether a VMA is a data mapping (VmFlags wr, without sh or gd) in the scenario's memory. */
static int scenario_data_vma(const MapsLine *vma, const char *vm_flags)
{
    return smaps_has_flag(vm_flags, "wr") && !smaps_has_flag(vm_flags, "sh") &&
           !smaps_has_flag(vm_flags, "gd") && inside_owned(vma->start, 1);
}

/* The agent's own data bytes: VmData less the scenario's. */
static uint64_t own_data(void)
{
    uint64_t all = status_bytes("VmData:"), scenario = smaps_bytes(scenario_data_vma);
    return all > scenario ? all - scenario : 0;
}

int datalimit_set(uint64_t limit)
{
    struct rlimit rl;
    if (limit != RLIM_INFINITY && limit != 0 &&
        (getrlimit(RLIMIT_DATA, &rl) != 0 ||
         (rl.rlim_max != RLIM_INFINITY && limit + own_data() > rl.rlim_max)))
        return 0;
    scenario_limit = limit;
    datalimit_prepare();
    return 1;
}

/* Sets the real soft limit to want. */
static void set_real(uint64_t want)
{
    if (want == RLIM_INFINITY && real_limit == RLIM_INFINITY)
        return;
    struct rlimit rl;
    if (getrlimit(RLIMIT_DATA, &rl) != 0)
        return;
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_DATA, &rl) == 0)
        real_limit = want;
}

void datalimit_prepare(void)
{
    uint64_t want = scenario_limit;
    set_real(want == RLIM_INFINITY || want == 0 ? want : want + own_data());
}

/* The executable's data segment, end_data - start_data, from /proc/self/stat; 0 if unread. */
static uint64_t data_segment(void)
{
    uint64_t start = proc_stat_field(START_DATA_FIELD), end = proc_stat_field(START_DATA_FIELD + 1);
    return end > start ? end - start : 0;
}

int datalimit_prepare_brk(uint64_t start_brk, uint64_t now, uint64_t wanted)
{
    if (scenario_limit == RLIM_INFINITY || wanted < start_brk) {
        datalimit_prepare();
        return 1; /* no limit, or refused for being below start_brk */
    }
    uint64_t bytes = wanted - start_brk, segment = data_segment();
    if (page_up(wanted) <= page_up(now)) {
        set_real(scenario_limit + segment);
        return 1;
    }
    datalimit_prepare();
    return bytes > scenario_limit || bytes + segment <= real_limit;
}

uint64_t ignore_rlimit_data;

/* Whether the kernel lets a data mapping past RLIMIT_DATA through (ignore_rlimit_data=Y only
 * warns): one page mapped with the limit at the agent's VmData, then the limit lifted again. */
void datalimit_measure(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_DATA, &rl) != 0)
        return;
    struct rlimit tight = {status_bytes("VmData:"), rl.rlim_max};
    if (!tight.rlim_cur || setrlimit(RLIMIT_DATA, &tight) != 0)
        return;
    void *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    setrlimit(RLIMIT_DATA, &rl);
    ignore_rlimit_data = p != MAP_FAILED;
    if (p != MAP_FAILED)
        munmap(p, page_size);
}
