/*
 * heaps.c - the scenario's heap calls, made on the agent's own heaps: kernelbase's Heap* calls over
 * ntdll's heap. A block call answers, after the block, the AllocationBase of the memory it lies in
 * (VirtualQuery's), so the harness can tell a heap segment from an allocation of the block's own
 * and pair the two systems' regions (verify/win32/compare.c). HEAP_GENERATE_EXCEPTIONS makes a
 * failure raise STATUS_NO_MEMORY: the exception handler catches it as it does an access
 * violation inside a call, and the answer carries its code.
 */
#include "vadsim-agent.h"

static uint64_t pointer(const void *p) { return (uint64_t)(uintptr_t)p; }

static void answer_value(uint64_t ret)
{
    answer_start(ret);
    answer_end();
}

/* A block, then the AllocationBase of its memory (0 for none). */
static void answer_block(void *block)
{
    MEMORY_BASIC_INFORMATION m;
    DWORD error = GetLastError(); /* the call's: VirtualQuery must not change it */
    uint64_t base = block && VirtualQuery(block, &m, sizeof m) ? pointer(m.AllocationBase) : 0;
    SetLastError(error);
    answer_start(pointer(block));
    answer_more(base);
    answer_end();
}

/* HeapCreate options initial maximum */
static void call_heap_create(const AgentRequest *r)
{
    answer_value(pointer(HeapCreate((DWORD)r->v[0], r->v[1], r->v[2])));
}

static void call_get_process_heap(const AgentRequest *r)
{
    (void)r;
    answer_value(pointer(GetProcessHeap()));
}

/* HeapAlloc heap flags bytes */
static void call_heap_alloc(const AgentRequest *r)
{
    answer_block(HeapAlloc(H(r->v[0]), (DWORD)r->v[1], r->v[2]));
}

/* HeapReAlloc heap flags block bytes */
static void call_heap_realloc(const AgentRequest *r)
{
    answer_block(HeapReAlloc(H(r->v[0]), (DWORD)r->v[1], P(r->v[2]), r->v[3]));
}

/* HeapFree, HeapSize, HeapValidate: heap flags block */
static void call_heap_free(const AgentRequest *r)
{
    answer_value(HeapFree(H(r->v[0]), (DWORD)r->v[1], P(r->v[2])));
}

static void call_heap_size(const AgentRequest *r)
{
    answer_value(HeapSize(H(r->v[0]), (DWORD)r->v[1], P(r->v[2])));
}

static void call_heap_validate(const AgentRequest *r)
{
    answer_value(HeapValidate(H(r->v[0]), (DWORD)r->v[1], P(r->v[2])));
}

static void call_heap_destroy(const AgentRequest *r) { answer_value(HeapDestroy(H(r->v[0]))); }

const AgentCall agent_heap_calls[] = {
    {"HeapCreate", 3, call_heap_create},     {"GetProcessHeap", 0, call_get_process_heap},
    {"HeapAlloc", 3, call_heap_alloc},       {"HeapReAlloc", 4, call_heap_realloc},
    {"HeapFree", 3, call_heap_free},         {"HeapSize", 3, call_heap_size},
    {"HeapValidate", 3, call_heap_validate}, {"HeapDestroy", 1, call_heap_destroy},
};

const size_t agent_heap_call_count = AGENT_COUNT(agent_heap_calls);
