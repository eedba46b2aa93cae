/*
 * stack.c - the scenario's main-thread stack, which is the agent's own [stack]: the model starts
 * every Linux process with the stack execve leaves a small program (132 KB ending at a fixed
 * top), and the harness compares it with this process's real one, translated relative to the two
 * stacks' ends (the kernel randomises the real one's; posix/request.c).
 *
 * The real stack holds the agent's environment and its frames, so it is the scenario's only below
 * what execve made of it. At start the agent makes it the model's size: execve gave it a page or
 * more of arguments and environment and 128 KB below them, and what lies past the model's 132 KB
 * (a long environment's pages) is unmapped, as long as the agent's own frames stay well above
 * that. Its frames never reach that deep later (no large locals, signals on their own stack), so
 * the stack grows only when the scenario touches below it. What lies below the stack, its growth
 * room down to STACK_REACH below the end, must hold nothing of the agent's (mmap(NULL) places
 * below mmap_base, which the kernel keeps at least 128 MB under the stack); the agent takes it as
 * the scenario's memory. The stack's own pages above that room are never the scenario's to unmap,
 * protect or write: such calls are refused as for any memory of the agent's. The walk reports the
 * [stack] line (stack_is_scenarios) though it starts above the room.
 *
 * stack_guard_gap is a boot parameter (stack_guard_gap=, in pages), measured here by placement: a
 * hint is taken only where the mapping ends at least the gap below a VM_GROWSDOWN VMA above it
 * (vm_start_gap in the kernel's get_unmapped_area), so the smallest distance below the stack at
 * which a one-page hint is taken is the gap.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>

#include "maps.h"
#include "vadsim-agent-posix.h"

#define MODEL_STACK_BYTES 0x21000ull   /* the model's initial stack: a page and 128 KB */
#define OWN_FRAMES_ROOM (64ull << 10)  /* the agent's frames, at most, below where they are now */
#define GAP_SEARCH_LIMIT (32ull << 20) /* a larger stack_guard_gap is reported as 0: unknown */

uint64_t scenario_stack_end;
uint64_t stack_guard_gap;

/* The [stack] line of maps: 1 and its range, or 0. */
static int find_stack(MapsLine *stack)
{
    MapsReader m;
    MapsLine l;
    int found = 0;
    if (!maps_open(&m))
        return 0;
    while (!found && maps_next(&m, &l))
        if (strcmp(l.name, "[stack]") == 0)
            *stack = l, found = 1;
    maps_close(&m);
    return found;
}

/* Whether a one-page hint ending gap bytes below the stack's start is taken. */
static int hint_taken(uint64_t stack_start, uint64_t gap)
{
    uint64_t hint = stack_start - gap - page_size;
    void *p = mmap(P(hint), page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    munmap(p, page_size);
    return (uint64_t)(uintptr_t)p == hint;
}

/* The smallest distance below the stack, in whole pages up to GAP_SEARCH_LIMIT, at which a hint is
 * taken: stack_guard_gap (0 if larger). */
static uint64_t measure_gap(uint64_t stack_start)
{
    if (!hint_taken(stack_start, GAP_SEARCH_LIMIT))
        return 0;
    uint64_t low = 0, high = GAP_SEARCH_LIMIT; /* high is taken; below low is not */
    while (low < high) {
        uint64_t mid = page_down(low + (high - low) / 2);
        if (hint_taken(stack_start, mid))
            high = mid;
        else
            low = mid + page_size;
    }
    return high;
}

int stack_take(void)
{
    MapsLine stack;
    uint64_t frame = (uint64_t)(uintptr_t)__builtin_frame_address(0);
    if (!find_stack(&stack) || stack.end - stack.start < MODEL_STACK_BYTES)
        return 0;
    uint64_t start = stack.end - MODEL_STACK_BYTES;
    if (frame < start + OWN_FRAMES_ROOM || frame >= stack.end ||
        !maps_free(stack.end - STACK_REACH, stack.start))
        return 0;
    if (stack.start < start && munmap(P(stack.start), start - stack.start) != 0)
        return 0;
    stack_guard_gap = measure_gap(start);
    if (!set_add(&owned, stack.end - STACK_REACH, start))
        return 0;
    scenario_stack_end = stack.end;
    return 1;
}

int stack_is_scenarios(const MapsLine *l)
{
    return scenario_stack_end && l->end == scenario_stack_end && strcmp(l->name, "[stack]") == 0;
}
