/*
 * brk.c - the scenario's program break, which is the agent's own process's: kept free of the
 * agent's allocator and made the scenario's memory.
 *
 * glibc's malloc takes its main arena from brk. So the first thing the agent does is send every
 * allocation to mmap (mallopt(M_MMAP_THRESHOLD, 0): malloc then never moves the break; the few
 * it makes happen at start-up, before the arena fixes placement, and at quit). The break is then
 * the scenario's alone, under two conditions checked at start, else brk and sbrk are refused:
 *   - nothing moved it before main (a dynamic program's loader does not): brk(0) is still
 *     start_brk, /proc/self/stat's 47th field;
 *   - the WINDOW above start_brk (1 GiB) holds no mapping of the agent's, so it can be the
 *     scenario's memory (a fixed mapping the scenario puts there, mprotect of the heap, and the
 *     walk all see it), and nothing of the agent's lies where the heap may grow or shrink.
 * The kernel randomises start_brk; the harness translates the model's break, which starts at a
 * fixed place, relative to the one hello reports (posix/request.c). brk itself cannot hurt the
 * agent: growth never lands on a mapping (it keeps a free page before the next), shrinking
 * unmaps only [new, old) of the heap, all inside the window.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps.h"
#include "vadsim-agent-posix.h"

#define START_BRK_FIELD 47 /* proc_pid_stat(5): start_brk */

uint64_t scenario_start_brk;

/* The first malloc also makes what malloc keeps for good (the thread's tcache): made now, before
 * the arena, it lands by the libraries; made later it would stay in the scenario's space. */
void brk_keep_malloc_off(void)
{
    mallopt(M_MMAP_THRESHOLD, 0);
    void *volatile first = malloc(1); /* volatile: the compiler may not drop the pair */
    free(first);
}

int brk_take_window(void)
{
    uint64_t start = proc_stat_field(START_BRK_FIELD);
    if (!start || (uint64_t)(uintptr_t)sbrk(0) != start || !maps_free(start, start + BRK_WINDOW) ||
        !set_add(&owned, start, start + BRK_WINDOW))
        return 0;
    scenario_start_brk = start;
    return 1;
}

/* Refused unless the window is the scenario's, and for a break past it. */
static int brk_allowed(uint64_t address, const char *name)
{
    if (!scenario_start_brk) {
        refuse("the agent's break is not free for the scenario (moved before main, or a mapping "
               "above it): ",
               name);
        return 0;
    }
    if (address > scenario_start_brk + BRK_WINDOW) {
        refuse("a break past the 1 GiB the agent keeps for the heap: ", name);
        return 0;
    }
    return 1;
}

/* Under the scenario's RLIMIT_DATA (the real limit set for it first): refused where the agent's
 * own data segment would make the kernel answer otherwise than for the model's process. */
static int data_limit_comparable(uint64_t now, uint64_t wanted, const char *name)
{
    if (datalimit_prepare_brk(scenario_start_brk, now, wanted))
        return 1;
    refuse("a break RLIMIT_DATA decides with the agent's own data segment counted: ", name);
    return 0;
}

/* brk ADDR: the raw call's answer, the break after it (glibc's brk keeps it in __curbrk, which
 * sbrk(0) returns); never an errno. */
void do_brk(const AgentRequest *r)
{
    if (!brk_allowed(r->v[0], "brk") ||
        !data_limit_comparable((uint64_t)(uintptr_t)sbrk(0), r->v[0], "brk"))
        return;
    brk(P(r->v[0]));
    answer_result((long)(uintptr_t)sbrk(0), 0);
}

/* sbrk INCREMENT: glibc's. */
void do_sbrk(const AgentRequest *r)
{
    int64_t increment = (int64_t)r->v[0];
    uint64_t now = (uint64_t)(uintptr_t)sbrk(0);
    uint64_t wanted = now + (uint64_t)increment; /* wrapping is sbrk's to refuse */
    int wraps = increment > 0 ? wanted < now : wanted > now;
    if (!brk_allowed(increment > 0 && wanted > now ? wanted : 0, "sbrk") ||
        (increment && !wraps && !data_limit_comparable(now, wanted, "sbrk")))
        return;
    void *old = sbrk((intptr_t)increment);
    answer_result(old == (void *)-1 ? -1 : (long)(uintptr_t)old, old == (void *)-1 ? errno : 0);
}
