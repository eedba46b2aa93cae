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

/* The last entry each heap's walk gave: Windows goes on from the whole PROCESS_HEAP_ENTRY, the
 * language from its lpData (the cursor). */
#define MAX_WALKS 16
static struct {
    HANDLE heap;
    PROCESS_HEAP_ENTRY entry;
} walks[MAX_WALKS];

/* The walk of heap going on from cursor (0: a new one), or NULL when cursor is no entry it gave. */
static PROCESS_HEAP_ENTRY *walk_of(HANDLE heap, uint64_t cursor)
{
    int slot = -1;
    for (int i = 0; i < MAX_WALKS && slot < 0; i++)
        if (walks[i].heap == heap)
            slot = i;
    if (slot >= 0 && cursor && pointer(walks[slot].entry.lpData) != cursor)
        return NULL;
    if (slot < 0 && cursor)
        return NULL;
    for (int i = 0; i < MAX_WALKS && slot < 0; i++)
        if (!walks[i].heap)
            slot = i;
    if (slot < 0)
        slot = (int)((uintptr_t)heap >> 16) % MAX_WALKS; /* full: a walk gives way */
    walks[slot].heap = heap;
    if (!cursor)
        memset(&walks[slot].entry, 0, sizeof walks[slot].entry);
    return &walks[slot].entry;
}

/* HeapWalk heap 1 cursor: the BOOL; on success the cursor (the entry's lpData), then
 * PROCESS_HEAP_ENTRY's fields, its Region's for a REGION entry (else 0). */
static void call_heap_walk(const AgentRequest *r)
{
    PROCESS_HEAP_ENTRY *e = walk_of(H(r->v[0]), r->v[1] ? r->v[2] : 0);
    if (!e) {
        refuse("the cursor is no entry this heap's walk gave: ", r->name);
        return;
    }
    BOOL ok = HeapWalk(H(r->v[0]), e);
    answer_start(ok);
    if (ok) {
        int region = (e->wFlags & PROCESS_HEAP_REGION) != 0;
        answer_more(pointer(e->lpData));
        answer_more(pointer(e->lpData));
        answer_more(e->cbData);
        answer_more(e->cbOverhead);
        answer_more(e->iRegionIndex);
        answer_more(e->wFlags);
        answer_more(region ? e->Region.dwCommittedSize : 0);
        answer_more(region ? e->Region.dwUnCommittedSize : 0);
        answer_more(region ? pointer(e->Region.lpFirstBlock) : 0);
        answer_more(region ? pointer(e->Region.lpLastBlock) : 0);
    }
    answer_end();
}

/* The heaps the agent's process had before any request but the process heap (its C runtime's):
 * not the scenario's, whose process has none of them. */
#define MAX_OWN_HEAPS 16
static HANDLE own_heaps[MAX_OWN_HEAPS];
static DWORD own_heap_count;

void note_own_heaps(void)
{
    HANDLE heaps[MAX_OWN_HEAPS + 1];
    DWORD total = GetProcessHeaps(MAX_OWN_HEAPS + 1, heaps);
    for (DWORD i = 0; i < total && i <= MAX_OWN_HEAPS && own_heap_count < MAX_OWN_HEAPS; i++)
        if (heaps[i] != GetProcessHeap())
            own_heaps[own_heap_count++] = heaps[i];
}

static int own_heap(HANDLE heap)
{
    for (DWORD i = 0; i < own_heap_count; i++)
        if (own_heaps[i] == heap)
            return 1;
    return 0;
}

/* GetProcessHeaps count: the number of heaps, then the first 16 handles but the agent's own when
 * they fit (else 0), then how many of its own there are. The call is given room for those too, so
 * that the scenario's heaps fit where they fit in the model. */
static void call_get_process_heaps(const AgentRequest *r)
{
    HANDLE heaps[4096];
    DWORD room = (DWORD)(r->v[0] < 4096 - MAX_OWN_HEAPS ? r->v[0] : 4096 - MAX_OWN_HEAPS);
    DWORD count = room + own_heap_count;
    DWORD total = GetProcessHeaps(count, heaps), shown = 0;
    answer_start(total);
    for (DWORD i = 0; i < total && total <= count && shown < 16; i++)
        if (!own_heap(heaps[i])) {
            answer_more(pointer(heaps[i]));
            shown++;
        }
    for (; shown < 16; shown++)
        answer_more(0);
    answer_more(own_heap_count);
    answer_end();
}

const AgentCall agent_heap_calls[] = {
    {"HeapCreate", 3, call_heap_create},     {"GetProcessHeap", 0, call_get_process_heap},
    {"HeapAlloc", 3, call_heap_alloc},       {"HeapReAlloc", 4, call_heap_realloc},
    {"HeapFree", 3, call_heap_free},         {"HeapSize", 3, call_heap_size},
    {"HeapValidate", 3, call_heap_validate}, {"HeapDestroy", 1, call_heap_destroy},
    {"HeapWalk", 3, call_heap_walk},         {"GetProcessHeaps", 1, call_get_process_heaps},
};

const size_t agent_heap_call_count = AGENT_COUNT(agent_heap_calls);
