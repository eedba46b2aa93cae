/*
 * generate.c - the Win32 backend's generator of random calls (generator.h), and its comparison
 * of state: walks of the arena in both systems.
 *
 * Calls: VirtualAlloc/Free/Protect/Query and their Ex forms, the three Nt calls with by-reference
 * arguments, reads and writes, last-error calls, locking, QueryWorkingSetEx, write watch, views of
 * a section and of a file (mapped, unmapped, flushed, read through the file), placeholders
 * (reserved, split, coalesced, replaced by allocations and views, restored by unmapping),
 * threads (CreateThread with a stack size as commit or reserve; a thread's stack touched to a
 * depth, its TEB read, the thread ended), and AWE (AllocateUserPhysicalPages,
 * FreeUserPhysicalPages, MapUserPhysicalPages and its Scatter form, MEM_RESERVE|MEM_PHYSICAL
 * windows; the process holds no SeLockMemoryPrivilege, so the model takes no frames).
 *
 * Every sequence starts by reserving an arena of 64 granules at ARENA_BASE and releasing it (so
 * each system has the same free room there, where fixed bases land), then makes a section and a
 * file with its section; allocations each system placed where it chose are named by the call that
 * made them (call 0's is the arena).
 *
 * After every call that changes memory the arena is walked with VirtualQuery in both systems;
 * where the walks differ outside ground a known divergence left apart, a VirtualQuery of that
 * address joins the sequence, so a hidden difference becomes a compared call. Where they agree
 * again, the taints there are lifted.
 */
#include <string.h>

#include "taint.h"
#include "win32.h"

/* Where the arena lies in both systems: 16 TB, far from where either places memory of its own
 * choosing. The model places NULL-base memory bottom-up from 64 KB and TEBs top-down below
 * 0x7FFFFFFF0000; Wine 10.0 places NULL-base memory bottom-up in the area its preloader reserves
 * at the top (0x7FFFFE000000-0x7FFFFFFF0000: the first at 0x7FFFFE7E0000 here), and what does not
 * fit there where Linux's mmap puts it, top-down from below the stack; on Windows bottom-up
 * memory varies within the first terabyte and DLLs lie just under 0x800000000000. A top-down
 * arena lay where both systems put memory of their own (the model's TEBs in its top granule, and,
 * late in a long run, Wine 10.0's NULL-base allocations), and calls aimed there followed from that
 * ground instead of being compared (5 422 of seed 22's first 200 000 calls under Wine 10.0, none
 * with the arena here: docs/verification.md). */
#define ARENA_BASE ((uint64_t)0x100000000000)

#define KB(n) ((uint64_t)(n) << 10)
#define ARENA_SIZE KB(4096) /* fixed bases land here: 64 granules */
#define ARENA_CALL 0        /* the call that reserves the arena: it names VS_FUZZ_ARENA */
#define FUZZ_FILE_HANDLE                                                                           \
    8 /* the model's handle to the file (its second): the model is                                 \
       * deterministic, and the harness relates it to the real one */
#define PREFIX_CALLS                                                                               \
    6                        /* the arena's reserve and release, the section, the file, its        \
                              * handle and its section: never shrunk */
#define INTRO_CALLS 2        /* the arena's reserve and release: the reproducer's first step */
#define LIVE_MAX 24          /* placed allocations before the generator releases some */
#define FUZZ_THREADS 4       /* live threads at most: each holds a stack of 1 MB or more */
#define FUZZ_THREADS_MADE 48 /* threads a run makes at most (the agent parks 64 at most) */

/* The handles every sequence's prefix makes, as the model returned them. */
typedef struct Win32Fuzz {
    VsHandle section; /* the section (256 KB, SEC_COMMIT) */
    VsHandle file;    /* the file, and that file's section */
    VsHandle file_section;
    guint threads[FUZZ_THREADS]; /* the calls that made the threads still running */
    guint thread_count, threads_made;
} Win32Fuzz;

static const Win32Fuzz *handles(const VsFuzzRun *run) { return run->generator; }

static void *start(VsFuzzRun *run)
{
    (void)run;
    return g_new0(Win32Fuzz, 1);
}

/* Whether the call chose its own address (a NULL base), so that later calls may aim into it. */
static gboolean makes_allocation(const VsFuzzCall *f)
{
    if (f->base != VS_FUZZ_ABSOLUTE)
        return FALSE;
    if (f->op.kind == VS_OP_VIRTUAL_ALLOC || f->op.kind == VS_OP_VIRTUAL_ALLOC_EX)
        return f->op.arg[vs_op_address_arg(f->op.kind)] == 0;
    return f->op.kind == VS_OP_NT_ALLOCATE && (f->op.by_ref & 2) && f->op.arg[1] == 0;
}

static gboolean changes_memory(VsOpKind kind)
{
    /* A read counts: it can consume a guard page. A thread's TEB and stack are memory too. */
    if (kind == VS_OP_CREATE_THREAD || kind == VS_OP_STACK_TOUCH || kind == VS_OP_THREAD_EXIT)
        return TRUE;
    return vs_op_address_arg(kind) >= 0 && kind != VS_OP_VIRTUAL_QUERY &&
           kind != VS_OP_VIRTUAL_QUERY_EX;
}

/* ---- Tracking -------------------------------------------------------------------------------- */

/* Notes the allocation a call made, and forgets the ones it released, for the generator: once
 * released, where each system puts the next allocation is its own choice, and aiming there would
 * compare placements, not behaviour. A release at base + 1 releases the allocation too (the base
 * is rounded down to its page). */
static void track_allocation(VsFuzzRun *run, const VsFuzzCall *f, const VsOp *op,
                             const VsOutcome *outcome)
{
    if (f->id == ARENA_CALL) {
        run->arena = outcome->ret;
        vs_fuzz_set_value(run, f->id, outcome->ret);
    } else if (makes_allocation(f)) {
        gboolean nt = op->kind == VS_OP_NT_ALLOCATE;
        uint64_t address =
            nt ? (NT_SUCCESS((VsStatus)outcome->ret) ? outcome->out[1] : 0) : outcome->ret;
        uint64_t size = nt ? outcome->out[3] : op->arg[vs_op_address_arg(op->kind) + 1];
        vs_fuzz_set_value(run, f->id, address);
        if (address) {
            VsFuzzLive live = {f->id, size};
            g_array_append_val(run->live, live);
        }
    }
    gboolean release = (op->kind == VS_OP_VIRTUAL_FREE && op->arg[2] == MEM_RELEASE) ||
                       (op->kind == VS_OP_NT_FREE && op->arg[3] == MEM_RELEASE);
    if (release && (op->kind == VS_OP_NT_FREE ? NT_SUCCESS((VsStatus)outcome->ret) : outcome->ret))
        for (guint i = 0; i < run->live->len; i++)
            if (vs_fuzz_value(run, (gint)g_array_index(run->live, VsFuzzLive, i).id) ==
                (op->arg[vs_op_address_arg(op->kind)] & ~(uint64_t)(VS_PAGE_SIZE - 1))) {
                g_array_remove_index(run->live, i);
                break;
            }
}

/* Notes the threads made (their handles named by the calls that made them) and forgets the ones
 * that ended. */
static void track_thread(VsFuzzRun *run, const VsFuzzCall *f, const VsOp *op,
                         const VsOutcome *outcome)
{
    Win32Fuzz *h = run->generator;
    if (op->kind == VS_OP_CREATE_THREAD && outcome->ret) {
        vs_fuzz_set_value(run, f->id, outcome->ret);
        h->threads_made++;
        if (h->thread_count < FUZZ_THREADS)
            h->threads[h->thread_count++] = f->id;
    }
    if (op->kind == VS_OP_THREAD_EXIT && outcome->ret)
        for (guint i = 0; i < h->thread_count; i++)
            if ((gint)h->threads[i] == f->handle_of) {
                h->threads[i] = h->threads[--h->thread_count];
                break;
            }
}

/* Notes allocations and threads (above) and the handles of the prefix's section and file. */
static void track(VsFuzzRun *run, const VsFuzzCall *f, const VsOp *op, const VsOutcome *outcome)
{
    Win32Fuzz *h = run->generator;
    track_allocation(run, f, op, outcome);
    track_thread(run, f, op, outcome);
    if (op->kind == VS_OP_CREATE_FILE_MAPPING && outcome->ret)
        *(op->arg[0] == VS_INVALID_HANDLE_VALUE ? &h->section : &h->file_section) = outcome->ret;
    if (op->kind == VS_OP_CREATE_FILE && outcome->ret != VS_INVALID_HANDLE_VALUE)
        h->file = outcome->ret;
}

/* ---- Walking the arena ----------------------------------------------------------------------- */

/* Whether a call left the model's memory as it was: it only looked, or it failed. A read that
 * consumed a guard page or raised did change something (or may have, in the other system). */
static gboolean inert(const VsOp *op, const VsOutcome *outcome)
{
    if (op->kind == VS_OP_READ)
        return outcome->exception == 0;
    if (op->kind == VS_OP_CREATE_THREAD || op->kind == VS_OP_THREAD_EXIT)
        return outcome->ret == 0; /* a stack made or released, outside the arena */
    if (op->kind == VS_OP_STACK_TOUCH)
        return FALSE; /* a stack grown (or not, where the other system's did) */
    if (!changes_memory(op->kind))
        return TRUE;
    switch (vs_op_spec(op->kind)->returns) {
    case VS_RETURN_POINTER:
    case VS_RETURN_BOOL: return outcome->ret == 0;
    case VS_RETURN_STATUS: return !NT_SUCCESS((VsStatus)outcome->ret);
    default: return FALSE;
    }
}

/* A region as an offset into the arena, so the two systems' walks compare directly. */
typedef struct Region {
    uint64_t start, end;
    uint32_t state, protect, type, allocation_protect;
    int64_t allocation; /* the allocation base's offset, or -1 for free memory */
} Region;

static void add_region(GArray *regions, const VsMemoryBasicInformation *m, uint64_t arena)
{
    uint64_t end = MIN(m->BaseAddress + m->RegionSize, arena + ARENA_SIZE);
    Region region = {m->BaseAddress - arena,
                     end - arena,
                     m->State,
                     m->Protect,
                     m->Type,
                     m->AllocationProtect,
                     m->State == MEM_FREE ? -1 : (int64_t)(m->AllocationBase - arena)};
    g_array_append_val(regions, region);
}

static void model_walk(VsThread *thread, uint64_t arena, GArray *regions)
{
    for (uint64_t address = arena; address < arena + ARENA_SIZE;) {
        VsMemoryBasicInformation m;
        if (!VsVirtualQuery(thread, address, &m, sizeof m))
            break;
        add_region(regions, &m, arena);
        address = m.BaseAddress + m.RegionSize;
    }
}

static const Region *region_at(GArray *regions, uint64_t offset)
{
    for (guint i = 0; i < regions->len; i++) {
        const Region *region = &g_array_index(regions, Region, i);
        if (offset >= region->start && offset < region->end)
            return region;
    }
    return NULL;
}

/* Whether two regions are alike over [lo, hi): the same attributes, and the same extent there. */
static gboolean same_region(const Region *a, const Region *b, uint64_t lo, uint64_t hi)
{
    return a && b && MAX(a->start, lo) == MAX(b->start, lo) && MIN(a->end, hi) == MIN(b->end, hi) &&
           a->state == b->state && a->protect == b->protect && a->type == b->type &&
           a->allocation_protect == b->allocation_protect && a->allocation == b->allocation;
}

/* The first arena offset in [lo, hi) where the two walks differ, or -1. */
static int64_t first_difference(GArray *model, GArray *other, uint64_t lo, uint64_t hi)
{
    if (!same_region(region_at(model, lo), region_at(other, lo), lo, hi))
        return (int64_t)lo;
    for (int pass = 0; pass < 2; pass++) {
        GArray *from = pass ? other : model;
        for (guint i = 0; i < from->len; i++) {
            uint64_t at = g_array_index(from, Region, i).start;
            if (at > lo && at < hi &&
                !same_region(region_at(model, at), region_at(other, at), lo, hi))
                return (int64_t)at;
        }
    }
    return -1;
}

/* The first arena offset where the two walks differ outside known-divergent ground, or -1. */
static int64_t walks_differ(const VsWin32Session *s, uint64_t arena, GArray *model, GArray *other)
{
    for (int pass = 0; pass < 2; pass++) {
        GArray *from = pass ? other : model;
        for (guint i = 0; i < from->len; i++) {
            uint64_t at = g_array_index(from, Region, i).start;
            if (first_difference(model, other, at, at + 1) >= 0 &&
                !vs_taints_over(s->taints, arena + at, arena + at + 1))
                return (int64_t)at;
        }
    }
    return -1;
}

typedef struct Walks {
    uint64_t arena;
    GArray *model, *other;
} Walks;

/* VsAgreeFn: the walks agree over a taint's range inside the arena (outside it, nobody looked). */
static gboolean walks_agree(void *context, uint64_t start, uint64_t end)
{
    const Walks *w = context;
    if (start < w->arena || end > w->arena + ARENA_SIZE)
        return FALSE;
    return first_difference(w->model, w->other, start - w->arena, end - w->arena) < 0;
}

/* The arena walked in the model and, through the agent, in the other system, as regions by
 * offset. */
static gboolean walk(const VsFuzzRun *run, VsWin32Session *s, uint64_t arena, GArray *model,
                     GArray *other, GError **error)
{
    uint64_t other_arena = vs_relations_to_other(&s->relations, arena);
    g_autoptr(GArray) records = g_array_new(FALSE, FALSE, sizeof(VsMemoryBasicInformation));
    model_walk(run->thread, arena, model);
    if (!vs_win32_walk(s->base.agent, other_arena, other_arena + ARENA_SIZE, records, error))
        return FALSE;
    for (guint i = 0; i < records->len; i++)
        add_region(other, &g_array_index(records, VsMemoryBasicInformation, i), other_arena);
    return TRUE;
}

/* Both systems choose where a NULL-base call's memory goes, far from the arena as a rule; but a
 * system may place it in the arena all the same (Wine 10.0 does, late in a long run), where the
 * other has nothing. The walks differ there through no fault of either: that ground is tainted
 * until the walks agree on it again. */
#define PLACED_APART "placed in the arena by one system alone"

static gboolean in_arena(uint64_t address, uint64_t arena)
{
    return address >= arena && address - arena < ARENA_SIZE;
}

/* Taints the regions of one walk whose allocation's counterpart (through the pairs) lies outside
 * the other system's arena; for the other system's, the model's counterpart too, which calls
 * aimed into the arena may have changed in the other system (released it there, and placed
 * another allocation at its address: its pair then leads nowhere). Whole granules: the tail of
 * the allocation's last granule translates through its pair like the rest (a VirtualQuery one
 * past a 60 KB allocation whose counterpart Wine 10.0 had placed in the arena and an arena call
 * had released: seed 22, call 197 453). */
static void taint_placed_apart(VsWin32Session *s, uint64_t arena, uint64_t other_arena,
                               GArray *regions, gboolean other)
{
    for (guint i = 0; i < regions->len; i++) {
        const Region *r = &g_array_index(regions, Region, i);
        if (r->allocation < 0)
            continue;
        uint64_t counterpart =
            other ? vs_relations_to_model(&s->relations, other_arena + (uint64_t)r->allocation)
                  : vs_relations_to_other(&s->relations, arena + (uint64_t)r->allocation);
        if (in_arena(counterpart, other ? arena : other_arena))
            continue;
        vs_taints_add_granules(s->taints, arena + r->start, arena + r->end, VS_GRANULARITY,
                               PLACED_APART);
        if (other)
            vs_taints_add_granules(s->taints, counterpart + (r->start - (uint64_t)r->allocation),
                                   counterpart + (r->end - (uint64_t)r->allocation), VS_GRANULARITY,
                                   PLACED_APART);
    }
}

/* After a call that changes memory, walks the arena in both systems and lifts the taints where
 * they agree; where they differ, the VirtualQuery to add (when probe is not NULL). */
static gboolean compare_state(VsFuzzRun *run, const VsFuzzCall *call, guint id, VsFuzzCall *probe,
                              GError **error)
{
    VsWin32Session *s = (VsWin32Session *)run->session;
    uint64_t arena = run->arena;
    g_autoptr(GArray) model = g_array_new(FALSE, FALSE, sizeof(Region));
    g_autoptr(GArray) other = g_array_new(FALSE, FALSE, sizeof(Region));
    if (!changes_memory(call->op.kind) || !walk(run, s, arena, model, other, error))
        return FALSE;
    Walks walks = {arena, model, other};
    vs_taints_lift(s->taints, walks_agree, &walks);
    uint64_t other_arena = vs_relations_to_other(&s->relations, arena);
    taint_placed_apart(s, arena, other_arena, model, FALSE);
    taint_placed_apart(s, arena, other_arena, other, TRUE);
    int64_t at = walks_differ(s, arena, model, other);
    if (at < 0 || !probe)
        return FALSE;
    *probe = VS_FUZZ_CALL(id);
    probe->op = (VsOp){.kind = VS_OP_VIRTUAL_QUERY, .arg = {(uint64_t)at}};
    probe->base = VS_FUZZ_ARENA;
    probe->probe = TRUE;
    return TRUE;
}

/* ---- Generating ------------------------------------------------------------------------------ */

typedef VsRng Rng;

static uint64_t below(Rng *rng, uint64_t n) { return vs_rng_below(rng, n); }
static gboolean chance(Rng *rng, unsigned percent) { return vs_rng_chance(rng, percent); }
#define PICK VS_RNG_PICK

/* An offset into the arena: mostly the first granules, where calls overlap; page edges. */
static uint64_t arena_offset(Rng *rng)
{
    static const uint64_t pages[] = {0, 1, 2, 14, 15};
    uint64_t granule = chance(rng, 80) ? below(rng, 8) : below(rng, 60);
    uint64_t page = chance(rng, 60) ? PICK(rng, pages) : below(rng, 16);
    uint64_t byte = chance(rng, 85) ? 0 : chance(rng, 50) ? 1 : below(rng, 4096);
    return granule * VS_GRANULARITY + page * VS_PAGE_SIZE + byte;
}

static uint64_t pick_size(Rng *rng)
{
    static const uint64_t edges[] = {0,     1,      KB(4) - 1, KB(4),  KB(4) + 1,
                                     KB(8), KB(60), KB(64),    KB(68), KB(128)};
    switch (below(rng, 4)) {
    case 0: return PICK(rng, edges);
    case 1: return (1 + below(rng, 16)) * VS_PAGE_SIZE;
    case 2: return (1 + below(rng, 4)) * VS_GRANULARITY + below(rng, 16) * VS_PAGE_SIZE;
    default: return 1 + below(rng, KB(200));
    }
}

static uint32_t pick_protect(Rng *rng)
{
    static const uint32_t valid[] = {
        PAGE_NOACCESS,
        PAGE_READONLY,
        PAGE_READWRITE,
        PAGE_READWRITE,
        PAGE_EXECUTE,
        PAGE_EXECUTE_READ,
        PAGE_EXECUTE_READWRITE,
        PAGE_READWRITE | PAGE_GUARD,
        PAGE_READONLY | PAGE_GUARD,
        PAGE_READWRITE | PAGE_NOCACHE,
        PAGE_READWRITE | PAGE_WRITECOMBINE,
    };
    static const uint32_t invalid[] = {
        PAGE_WRITECOPY,
        PAGE_EXECUTE_WRITECOPY,
        0,
        PAGE_NOACCESS | PAGE_GUARD,
        PAGE_READONLY | PAGE_READWRITE,
        PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE,
        0x800,
    };
    return chance(rng, 88) ? PICK(rng, valid) : PICK(rng, invalid);
}

static uint32_t pick_alloc_type(Rng *rng, gboolean fixed)
{
    static const uint32_t common[] = {MEM_RESERVE, MEM_COMMIT, MEM_COMMIT,
                                      MEM_RESERVE | MEM_COMMIT};
    static const uint32_t odd[] = {MEM_COMMIT | MEM_TOP_DOWN,
                                   0,
                                   MEM_DECOMMIT,
                                   MEM_RESERVE | MEM_RELEASE,
                                   MEM_RESERVE | MEM_TOP_DOWN,
                                   MEM_RESET,
                                   MEM_RESET | MEM_COMMIT,
                                   MEM_RESET_UNDO,
                                   MEM_RESERVE | MEM_WRITE_WATCH,
                                   MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                                   MEM_RESERVE | MEM_PHYSICAL,
                                   MEM_RESERVE | MEM_PHYSICAL | MEM_TOP_DOWN};
    uint32_t type = chance(rng, 90) ? PICK(rng, common) : PICK(rng, odd);
    /* Not with a NULL base: the seeds keep the calls they made when a top-down arena lay where
     * such memory lands in the model. */
    return fixed ? type : type & ~(uint32_t)MEM_TOP_DOWN;
}

static uint32_t pick_free_type(Rng *rng)
{
    static const uint32_t odd[] = {0,
                                   MEM_RELEASE | MEM_DECOMMIT,
                                   MEM_FREE,
                                   0x4001,
                                   MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER,
                                   MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER,
                                   MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS,
                                   MEM_DECOMMIT | MEM_PRESERVE_PLACEHOLDER};
    return chance(rng, 45) ? MEM_RELEASE : chance(rng, 90) ? MEM_DECOMMIT : PICK(rng, odd);
}

/* Aims the call's address argument: into the arena, into an allocation the system placed, or at
 * one of the edges every process has (NULL, the first 64 KB, KUSER_SHARED_DATA, past user space).
 * Sizes aimed into a placed allocation stay near it: past it lie the real process's own pages. */
static void aim(Rng *rng, const VsFuzzRun *r, VsFuzzCall *f, int arg, uint64_t *size)
{
    static const uint64_t edges[] = {0, 0x1000, 0x7FFE0000, 0x7FFE1000, 0x800000000000ull};
    unsigned roll = (unsigned)below(rng, 100);
    if (roll < 70 || (roll < 92 && r->live->len == 0)) {
        f->base = VS_FUZZ_ARENA;
        f->op.arg[arg] = arena_offset(rng);
        if (size)
            *size = MIN(*size, ARENA_SIZE - VS_GRANULARITY - f->op.arg[arg]);
    } else if (roll < 92) {
        /* Offsets stay inside the allocation's granules: beyond them each system has its own
         * neighbours, and what lies there says nothing about either. */
        const VsFuzzLive *live = &g_array_index(r->live, VsFuzzLive, below(rng, r->live->len));
        uint64_t granules = (live->size + VS_GRANULARITY - 1) & ~(VS_GRANULARITY - 1);
        uint64_t offsets[] = {0, VS_PAGE_SIZE, live->size & ~(VS_PAGE_SIZE - 1),
                              below(rng, live->size + 1), 1};
        uint64_t offset = PICK(rng, offsets); /* once: MIN would draw twice */
        f->op.arg[arg] = MIN(offset, granules - 1);
        f->base = (gint)live->id;
        if (size) /* to the end of its last granule at most: the next one is a neighbour's */
            *size = MIN(*size, granules - f->op.arg[arg]);
    } else {
        f->base = VS_FUZZ_ABSOLUTE;
        f->op.arg[arg] = PICK(rng, edges);
        /* Wine 8.0 maps more than the KUSER_SHARED_DATA page; a write above it hangs the agent. */
        if (f->op.kind == VS_OP_WRITE && f->op.arg[arg] == 0x7FFE1000)
            f->op.arg[arg] = 0x7FFE0000;
    }
}

static VsHandle pick_handle(Rng *rng)
{
    return chance(rng, 93) ? VS_CURRENT_PROCESS : chance(rng, 50) ? 0 : 0x1234;
}

static void generate_alloc(Rng *rng, const VsFuzzRun *r, VsFuzzCall *f, gboolean ex)
{
    uint64_t *a = f->op.arg + ex;
    if (ex)
        f->op.arg[0] = pick_handle(rng);
    a[1] = pick_size(rng);
    if (chance(rng, 15)) { /* NULL: the system chooses */
        f->base = VS_FUZZ_ABSOLUTE;
        a[0] = 0;
        a[1] = MIN(a[1], KB(512));
        a[2] = chance(rng, 50) ? MEM_RESERVE : MEM_RESERVE | MEM_COMMIT;
    } else {
        aim(rng, r, f, ex, &a[1]);
        /* A base aimed at NULL lets the system choose: top-down, that is the top of user space,
         * where each system has something else. */
        a[2] = pick_alloc_type(rng, f->base != VS_FUZZ_ABSOLUTE || a[0] != 0);
        /* Reserving next to a placed allocation could collide with the real process's pages. */
        if (f->base != VS_FUZZ_ARENA && f->base != VS_FUZZ_ABSOLUTE)
            a[2] &= ~(uint32_t)MEM_RESERVE;
    }
    a[3] = pick_protect(rng);
}

static void generate_nt(Rng *rng, const VsFuzzRun *r, VsFuzzCall *f)
{
    uint64_t size = pick_size(rng);
    f->op.arg[0] = pick_handle(rng);
    f->op.by_ref = chance(rng, 97) ? 0x16 : 0x12; /* base, size, old protection by reference */
    if (f->op.kind == VS_OP_NT_ALLOCATE) {
        f->op.by_ref &= 0xA;
        if (chance(rng, 20)) {
            f->base = VS_FUZZ_ABSOLUTE;
            f->op.arg[1] = 0;
            size = MIN(size, KB(512));
            f->op.arg[2] = chance(rng, 85) ? 0 : below(rng, 24);
            f->op.arg[4] = MEM_RESERVE | (chance(rng, 50) ? MEM_COMMIT : 0);
        } else {
            aim(rng, r, f, 1, &size);
            f->op.arg[4] = pick_alloc_type(rng, TRUE);
            if (f->base != VS_FUZZ_ARENA && f->base != VS_FUZZ_ABSOLUTE)
                f->op.arg[4] &= ~(uint32_t)MEM_RESERVE;
        }
        f->op.arg[3] = size;
        f->op.arg[5] = pick_protect(rng);
    } else if (f->op.kind == VS_OP_NT_FREE) {
        f->op.by_ref &= 0x6;
        aim(rng, r, f, 1, &size);
        f->op.arg[2] = chance(rng, 40) ? 0 : size;
        f->op.arg[3] = pick_free_type(rng);
    } else {
        aim(rng, r, f, 1, &size);
        f->op.arg[2] = size;
        f->op.arg[3] = pick_protect(rng);
    }
}

/* The paging calls that take an address: locking, QueryWorkingSetEx, write watch, and AWE's frames
 * and windows (the run's process holds no SeLockMemoryPrivilege: the model refuses frames, and
 * maps none). */
static void generate_paging(Rng *rng, const VsFuzzRun *r, VsFuzzCall *f, uint64_t size)
{
    static const VsOpKind kinds[] = {VS_OP_VIRTUAL_LOCK,
                                     VS_OP_VIRTUAL_UNLOCK,
                                     VS_OP_QUERY_WORKING_SET_EX,
                                     VS_OP_GET_WRITE_WATCH,
                                     VS_OP_RESET_WRITE_WATCH,
                                     VS_OP_ALLOCATE_USER_PHYSICAL_PAGES,
                                     VS_OP_FREE_USER_PHYSICAL_PAGES,
                                     VS_OP_MAP_USER_PHYSICAL_PAGES,
                                     VS_OP_MAP_USER_PHYSICAL_PAGES_SCATTER};
    f->op.kind = PICK(rng, kinds);
    switch (f->op.kind) {
    case VS_OP_ALLOCATE_USER_PHYSICAL_PAGES:
    case VS_OP_FREE_USER_PHYSICAL_PAGES: /* (process, &count, frames) */
        f->op.arg[0] = pick_handle(rng);
        f->op.arg[1] = chance(rng, 90) ? 1 + below(rng, 16) : 0;
        f->op.by_ref = chance(rng, 97) ? 1u << 1 : 0;
        aim(rng, r, f, 2, NULL);
        break;
    case VS_OP_MAP_USER_PHYSICAL_PAGES:
    case VS_OP_MAP_USER_PHYSICAL_PAGES_SCATTER: /* (address or addresses, count, frames) */
        aim(rng, r, f, 0, NULL);
        f->op.arg[1] = below(rng, 17);
        if (chance(rng, 70)) { /* a frame array in the arena; else NULL, which unmaps */
            f->base2 = VS_FUZZ_ARENA;
            f->op.arg[2] = arena_offset(rng);
        }
        break;
    case VS_OP_QUERY_WORKING_SET_EX:
        f->op.arg[0] = VS_CURRENT_PROCESS;
        aim(rng, r, f, 1, NULL);
        break;
    case VS_OP_GET_WRITE_WATCH:
        f->op.arg[0] = chance(rng, 90) ? below(rng, 2) : 2; /* 0, WRITE_WATCH_FLAG_RESET, bad */
        aim(rng, r, f, 1, &size);
        f->op.arg[2] = size;
        /* The caller's array (NULL now and then), its room (a few entries, or none), and the
         * count and granularity by reference, each missing now and then. */
        f->op.arg[3] = chance(rng, 97);
        f->op.arg[4] = chance(rng, 95) ? 1 + below(rng, 20) : 0;
        f->op.by_ref = (chance(rng, 97) ? 1u << 4 : 0) | (chance(rng, 97) ? 1u << 5 : 0);
        break;
    default: /* lock, unlock, ResetWriteWatch: (address, size) */
        aim(rng, r, f, 0, &size);
        f->op.arg[1] = MIN(size, KB(64)); /* locking faults pages in: keep it small */
        break;
    }
}

/* An arena address for a view or a placeholder: mostly on a 64 KB boundary, sometimes a page or a
 * byte off it (the alignment rules). Views and placeholders stay in the arena: elsewhere they
 * could land on the real process's own pages. */
static uint64_t arena_granule(Rng *rng)
{
    uint64_t offset = below(rng, ARENA_SIZE / VS_GRANULARITY - 4) * VS_GRANULARITY;
    return offset + (chance(rng, 85) ? 0 : chance(rng, 70) ? VS_PAGE_SIZE : 1);
}

/* The file made at the start: views of its section, flushes, reads of the file itself. */
static void generate_file(Rng *rng, const VsFuzzRun *r, VsFuzzCall *f)
{
    static const uint32_t access[] = {FILE_MAP_WRITE, FILE_MAP_READ, FILE_MAP_COPY};
    static const uint64_t offsets[] = {0, KB(64), KB(192), KB(256)};
    static const uint64_t sizes[] = {0, KB(4), KB(64), KB(8) + 1};
    uint64_t *a = f->op.arg;
    switch (below(rng, 4)) {
    case 0:
        f->op.kind = VS_OP_MAP_VIEW_OF_FILE_EX;
        a[0] = handles(r)->file_section, a[1] = PICK(rng, access), a[2] = 0;
        a[3] = PICK(rng, offsets), a[4] = PICK(rng, sizes), a[5] = arena_granule(rng);
        break;
    case 1:
        f->op.kind = VS_OP_FLUSH_VIEW_OF_FILE;
        aim(rng, r, f, 0, NULL);
        a[1] = PICK(rng, sizes);
        break;
    default:
        f->op.kind = VS_OP_READ_FILE;
        f->base = VS_FUZZ_ABSOLUTE;
        a[0] = handles(r)->file, a[1] = below(rng, KB(200) + 2);
        break;
    }
}

/* Placeholders split, coalesced and released: VirtualFree of whole granules in the arena with
 * MEM_PRESERVE_PLACEHOLDER or MEM_COALESCE_PLACEHOLDERS (and now and then a size or type that
 * is wrong for them). */
static void generate_placeholder_free(Rng *rng, VsFuzzCall *f)
{
    static const uint32_t types[] = {
        MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER,
        MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, MEM_RELEASE, MEM_COALESCE_PLACEHOLDERS};
    f->op.kind = VS_OP_VIRTUAL_FREE;
    f->base = VS_FUZZ_ARENA;
    f->op.arg[0] = arena_granule(rng);
    f->op.arg[1] = chance(rng, 85) ? (1 + below(rng, 4)) * VS_GRANULARITY : 0;
    f->op.arg[2] = PICK(rng, types);
}

/* Sections, views and placeholders, on the section made at the start (256 KB, SEC_COMMIT) and
 * on the file's. */
static void generate_section(Rng *rng, const VsFuzzRun *r, VsFuzzCall *f, uint64_t size)
{
    static const uint32_t access[] = {FILE_MAP_WRITE, FILE_MAP_READ, FILE_MAP_COPY, FILE_MAP_WRITE,
                                      0};
    static const uint64_t offsets[] = {0, 0, KB(64), KB(128), KB(4), KB(256)};
    static const uint64_t view_sizes[] = {0, KB(64), KB(64), KB(128), KB(4), KB(320)};
    static const VsOpKind kinds[] = {VS_OP_MAP_VIEW_OF_FILE_EX,   VS_OP_MAP_VIEW_OF_FILE_EX,
                                     VS_OP_UNMAP_VIEW_OF_FILE,    VS_OP_VIRTUAL_ALLOC_2,
                                     VS_OP_VIRTUAL_ALLOC_2,       VS_OP_MAP_VIEW_OF_FILE_3,
                                     VS_OP_MAP_VIEW_OF_FILE_3,    VS_OP_UNMAP_VIEW_OF_FILE_2,
                                     VS_OP_UNMAP_VIEW_OF_FILE_EX, VS_OP_VIRTUAL_FREE};
    uint64_t *a = f->op.arg;
    f->op.kind = PICK(rng, kinds);
    f->base = VS_FUZZ_ARENA;
    if (handles(r)->file_section && chance(rng, 30)) {
        generate_file(rng, r, f);
        return;
    }
    switch (f->op.kind) {
    case VS_OP_MAP_VIEW_OF_FILE_EX:
        a[0] = handles(r)->section, a[1] = PICK(rng, access), a[2] = 0;
        a[3] = PICK(rng, offsets), a[4] = PICK(rng, view_sizes), a[5] = arena_granule(rng);
        break;
    case VS_OP_UNMAP_VIEW_OF_FILE: aim(rng, r, f, 0, NULL); break;
    case VS_OP_VIRTUAL_ALLOC_2: {
        static const uint32_t types[] = {MEM_RESERVE | MEM_RESERVE_PLACEHOLDER,
                                         MEM_RESERVE | MEM_RESERVE_PLACEHOLDER,
                                         MEM_RESERVE | MEM_REPLACE_PLACEHOLDER,
                                         MEM_RESERVE | MEM_REPLACE_PLACEHOLDER | MEM_COMMIT,
                                         MEM_REPLACE_PLACEHOLDER,
                                         MEM_COMMIT};
        a[0] = VS_CURRENT_PROCESS, a[1] = arena_granule(rng);
        a[2] = chance(rng, 60) ? (1 + below(rng, 4)) * VS_GRANULARITY : MIN(size, KB(256));
        a[3] = PICK(rng, types);
        a[4] = (a[3] & MEM_RESERVE_PLACEHOLDER) && chance(rng, 90) ? PAGE_NOACCESS : PAGE_READWRITE;
        if (a[3] & MEM_REPLACE_PLACEHOLDER)
            a[1] &= ~(uint64_t)1; /* a page-aligned base: replacement is page-grained */
        break;
    }
    case VS_OP_MAP_VIEW_OF_FILE_3:
        a[0] = handles(r)->file_section && chance(rng, 30) ? handles(r)->file_section
                                                           : handles(r)->section;
        a[1] = VS_CURRENT_PROCESS, a[2] = arena_granule(rng);
        a[3] = PICK(rng, offsets), a[4] = PICK(rng, view_sizes);
        a[5] = chance(rng, 75) ? MEM_REPLACE_PLACEHOLDER : 0;
        a[6] = chance(rng, 80) ? PAGE_READWRITE : PAGE_READONLY;
        break;
    case VS_OP_UNMAP_VIEW_OF_FILE_EX:
        aim(rng, r, f, 0, NULL);
        a[1] = chance(rng, 70) ? MEM_PRESERVE_PLACEHOLDER : 0;
        break;
    case VS_OP_VIRTUAL_FREE: generate_placeholder_free(rng, f); break;
    default: /* UnmapViewOfFile2 */
        a[0] = VS_CURRENT_PROCESS;
        aim(rng, r, f, 1, NULL);
        a[2] = chance(rng, 70) ? MEM_PRESERVE_PLACEHOLDER : 0;
        break;
    }
}

/* Threads and their stacks: CreateThread with a stack size as commit or as reserve, and what a
 * thread's code does on its own stack (stack_touch to a depth, thread_exit) and reads of its TEB.
 * The stacks lie outside the arena, where each system chose: the calls compare them. */
static void generate_thread(Rng *rng, const VsFuzzRun *r, VsFuzzCall *f)
{
    /* Commits below the image's 1 MB reserve (one that fills the reservation is left out: the
     * model commits all of it, Wine two pages less, and no test settles Windows'), reserves of
     * any size. */
    static const uint64_t commits[] = {0, 0x3F00, KB(64), KB(256)};
    static const uint64_t reserves[] = {0, KB(64), KB(1024), KB(2048) + 1};
    static const uint64_t depths[] = {KB(4), KB(8), KB(12), KB(64), KB(1000), KB(1024), KB(4096)};
    const Win32Fuzz *h = handles(r);
    uint64_t *a = f->op.arg;
    gboolean room = h->thread_count < FUZZ_THREADS && h->threads_made < FUZZ_THREADS_MADE;
    if (room && (h->thread_count == 0 || chance(rng, 25))) {
        f->op.kind = VS_OP_CREATE_THREAD;
        a[4] = chance(rng, 50)   ? STACK_SIZE_PARAM_IS_A_RESERVATION
               : chance(rng, 80) ? 0
                                 : CREATE_SUSPENDED;
        a[1] = a[4] == STACK_SIZE_PARAM_IS_A_RESERVATION ? PICK(rng, reserves) : PICK(rng, commits);
        return;
    }
    if (h->thread_count == 0) {
        f->op.kind = VS_OP_GET_LAST_ERROR;
        return;
    }
    f->handle_of = (gint)h->threads[below(rng, h->thread_count)];
    unsigned roll = (unsigned)below(rng, 10);
    f->op.kind = roll < 5 ? VS_OP_STACK_TOUCH : roll < 8 ? VS_OP_THREAD_TEB : VS_OP_THREAD_EXIT;
    if (f->op.kind == VS_OP_STACK_TOUCH)
        a[1] = chance(rng, 80) ? PICK(rng, depths) : below(rng, KB(1100));
}

static VsFuzzCall generate(const VsFuzzRun *r, Rng *rng, guint id)
{
    VsFuzzCall f = VS_FUZZ_CALL(id);
    unsigned roll = (unsigned)below(rng, 100);
    uint64_t size = pick_size(rng);
    if (r->live->len > LIVE_MAX && roll < 10) {
        /* Placed allocations pile up; release one, so the run's state stays a size to learn
         * from. */
        f.op.kind = VS_OP_VIRTUAL_FREE;
        f.base = (gint)g_array_index(r->live, VsFuzzLive, below(rng, r->live->len)).id;
        f.op.arg[2] = MEM_RELEASE;
    } else if (roll < 20) {
        f.op.kind = VS_OP_VIRTUAL_ALLOC;
        generate_alloc(rng, r, &f, FALSE);
    } else if (roll < 22) {
        f.op.kind = VS_OP_VIRTUAL_ALLOC_EX;
        generate_alloc(rng, r, &f, TRUE);
    } else if (roll < 33) {
        f.op.kind = VS_OP_VIRTUAL_FREE;
        aim(rng, r, &f, 0, &size);
        f.op.arg[2] = pick_free_type(rng);
        f.op.arg[1] = f.op.arg[2] == MEM_RELEASE && chance(rng, 75) ? 0 : size;
    } else if (roll < 44) {
        f.op.kind = chance(rng, 90) ? VS_OP_VIRTUAL_PROTECT : VS_OP_VIRTUAL_PROTECT_EX;
        int ex = f.op.kind == VS_OP_VIRTUAL_PROTECT_EX;
        if (ex)
            f.op.arg[0] = pick_handle(rng);
        aim(rng, r, &f, ex, &size);
        f.op.arg[ex + 1] = size;
        f.op.arg[ex + 2] = pick_protect(rng);
        f.op.by_ref = chance(rng, 97) ? 1u << (ex + 3) : 0;
    } else if (roll < 53) {
        f.op.kind = chance(rng, 90) ? VS_OP_VIRTUAL_QUERY : VS_OP_VIRTUAL_QUERY_EX;
        int ex = f.op.kind == VS_OP_VIRTUAL_QUERY_EX;
        if (ex)
            f.op.arg[0] = pick_handle(rng);
        aim(rng, r, &f, ex, NULL);
    } else if (roll < 62) {
        f.op.kind = VS_OP_READ;
        aim(rng, r, &f, 0, NULL);
    } else if (roll < 71) {
        f.op.kind = VS_OP_WRITE;
        aim(rng, r, &f, 0, NULL);
        f.op.arg[1] = below(rng, 256);
    } else if (roll < 85) {
        static const VsOpKind nt[] = {VS_OP_NT_ALLOCATE, VS_OP_NT_FREE, VS_OP_NT_PROTECT};
        f.op.kind = PICK(rng, nt);
        generate_nt(rng, r, &f);
    } else if (roll < 88) {
        generate_paging(rng, r, &f, size);
    } else if (roll < 90) {
        generate_thread(rng, r, &f);
    } else if (roll < 98 && handles(r)->section) {
        generate_section(rng, r, &f, size);
    } else {
        static const VsOpKind other[] = {VS_OP_GET_LAST_ERROR, VS_OP_GET_LAST_ERROR,
                                         VS_OP_RTL_GET_LAST_NT_STATUS, VS_OP_SET_LAST_ERROR};
        f.op.kind = PICK(rng, other);
        f.op.arg[0] = below(rng, 1000);
    }
    return f;
}

/* The calls every sequence starts with: reserve the arena at ARENA_BASE, release it, and make the
 * section that views and placeholders use, and a 200 KB file of 'Z's and its section (the
 * handles are the model's first free ones). */
static void prefix(GArray *sequence)
{
    static const VsOp ops[PREFIX_CALLS] = {
        {.kind = VS_OP_VIRTUAL_ALLOC, .arg = {ARENA_BASE, ARENA_SIZE, MEM_RESERVE, PAGE_NOACCESS}},
        {.kind = VS_OP_VIRTUAL_FREE, .arg = {0, 0, MEM_RELEASE}},
        {.kind = VS_OP_CREATE_FILE_MAPPING,
         .arg = {VS_INVALID_HANDLE_VALUE, 0, PAGE_READWRITE, 0, KB(256), 0}},
        {.kind = VS_OP_DECLARE_FILE, .arg = {1, KB(200), 'Z', 0}, .text = "fuzz.bin"},
        {.kind = VS_OP_CREATE_FILE,
         .arg = {1, GENERIC_READ | GENERIC_WRITE, 0, 0, OPEN_EXISTING, 0, 0},
         .text = "fuzz.bin"},
        {.kind = VS_OP_CREATE_FILE_MAPPING, .arg = {FUZZ_FILE_HANDLE, 0, PAGE_READWRITE, 0, 0, 0}},
    };
    for (guint i = 0; i < PREFIX_CALLS; i++) {
        VsFuzzCall call = VS_FUZZ_CALL(i);
        call.op = ops[i];
        call.base = i == 1 ? VS_FUZZ_ARENA : VS_FUZZ_ABSOLUTE; /* the release: of the arena */
        g_array_append_val(sequence, call);
    }
}

/* The prefix must have reserved the arena in the model. */
static gboolean ready(const VsFuzzRun *run, GError **error)
{
    if (run->arena)
        return TRUE;
    g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOSPC,
                        "the model could not reserve the fuzzing arena");
    return FALSE;
}

/* ---- Writing the reproducer ------------------------------------------------------------------ */

/* What the reproducer calls the allocation call id made: the arena, or "a12". */
static char *allocation_name(GArray *calls, gint id)
{
    (void)calls;
    return id == ARENA_CALL ? g_strdup("arena") : g_strdup_printf("a%d", id);
}

/* ... and the thread call id made: "t12". */
static char *thread_name(gint id) { return g_strdup_printf("t%d", id); }

/* An argument as the scenario language writes it: names for flags, handles and addresses. */
static char *argument_text(const VsFuzzCall *f, int i)
{
    const VsOpSpec *spec = vs_op_spec(f->op.kind);
    uint64_t v = f->op.arg[i];
    char buf[128];
    if (i == vs_op_address_arg(f->op.kind))
        return vs_fuzz_address_text(f->base, v, allocation_name, NULL);
    if ((spec->address_args & (1u << i)) && f->base2 != VS_FUZZ_ABSOLUTE) /* AWE's frames */
        return vs_fuzz_address_text(f->base2, v, allocation_name, NULL);
    if ((spec->string_args & (1u << i)) && v)
        return g_strdup_printf("\"%s\"", f->op.kind == VS_OP_DECLARE_FILE && i == 3 ? f->op.contents
                                                                                    : f->op.text);
    if (i == vs_fuzz_handle_arg(f->op.kind) && f->handle_of != VS_FUZZ_ABSOLUTE)
        return thread_name(f->handle_of);
    if (spec->handle_args & (1u << i))
        return v == VS_CURRENT_PROCESS ? g_strdup("GetCurrentProcess()") : vs_fuzz_number_text(v);
    gboolean protect_arg = (f->op.kind == VS_OP_VIRTUAL_ALLOC && i == 3) ||
                           (f->op.kind == VS_OP_VIRTUAL_ALLOC_EX && i == 4) ||
                           (f->op.kind == VS_OP_VIRTUAL_PROTECT && i == 2) ||
                           (f->op.kind == VS_OP_VIRTUAL_PROTECT_EX && i == 3) ||
                           (f->op.kind == VS_OP_NT_ALLOCATE && i == 5) ||
                           (f->op.kind == VS_OP_NT_PROTECT && i == 3);
    gboolean type_arg = (f->op.kind == VS_OP_VIRTUAL_ALLOC && i == 2) ||
                        (f->op.kind == VS_OP_VIRTUAL_ALLOC_EX && i == 3) ||
                        (f->op.kind == VS_OP_VIRTUAL_FREE && i == 2) ||
                        (f->op.kind == VS_OP_VIRTUAL_FREE_EX && i == 3) ||
                        (f->op.kind == VS_OP_NT_ALLOCATE && i == 4) ||
                        (f->op.kind == VS_OP_NT_FREE && i == 3);
    if (protect_arg)
        return g_strdup(vs_protect_string((uint32_t)v, buf, sizeof buf));
    if (type_arg)
        return g_strdup(v ? vs_mem_flags_string((uint32_t)v, buf, sizeof buf) : "0");
    return vs_fuzz_number_text(v);
}

/* By-reference arguments become variables set just before the call: base, size, old. */
static const char *ref_variable(const VsFuzzCall *f, int i)
{
    if (f->op.kind == VS_OP_VIRTUAL_PROTECT || f->op.kind == VS_OP_VIRTUAL_PROTECT_EX ||
        (f->op.kind == VS_OP_NT_PROTECT && i == 4))
        return "old";
    if (f->op.kind == VS_OP_GET_WRITE_WATCH || f->op.kind == VS_OP_NT_GET_WRITE_WATCH)
        return i == vs_op_spec(f->op.kind)->arity - 2 ? "count" : "granularity";
    return i == 1 ? "base" : "size";
}

static void write_call(GString *out, GArray *calls, guint n)
{
    const VsFuzzCall *f = &g_array_index(calls, VsFuzzCall, n);
    const VsOpSpec *spec = vs_op_spec(f->op.kind);
    /* In/out variables get their values first. */
    for (int i = 0; i < spec->arity; i++)
        if ((f->op.by_ref & (1u << i)) && (spec->in_refs & (1u << i))) {
            g_autofree char *value = argument_text(f, i);
            g_string_append_printf(out, "%s = %s\n", ref_variable(f, i), value);
        }
    gboolean assigns =
        f->id == ARENA_CALL || (makes_allocation(f) && f->op.kind != VS_OP_NT_ALLOCATE);
    if (assigns) {
        g_autofree char *name = allocation_name(NULL, (gint)f->id);
        g_string_append_printf(out, "%s = ", name);
    } else if (f->op.kind == VS_OP_CREATE_THREAD) {
        g_autofree char *name = thread_name((gint)f->id);
        g_string_append_printf(out, "%s = ", name);
    } else if (spec->returns == VS_RETURN_STATUS) {
        g_string_append(out, "st = ");
    }
    g_string_append_printf(out, "%s(", spec->name);
    for (int i = 0; i < spec->arity; i++) {
        if (i)
            g_string_append(out, ", ");
        if (spec->ref_args & (1u << i)) {
            if (f->op.by_ref & (1u << i))
                g_string_append_printf(out, "&%s", ref_variable(f, i));
            else
                g_string_append(out, "0");
            continue;
        }
        g_autofree char *text = argument_text(f, i);
        g_string_append(out, text);
    }
    g_string_append(out, ")\n");
    if (makes_allocation(f) && f->op.kind == VS_OP_NT_ALLOCATE) {
        g_autofree char *name = allocation_name(NULL, (gint)f->id);
        g_string_append_printf(out, "%s = base\n", name);
    }
}

static void write_intro(GString *out, const VsFuzzRun *run)
{
    (void)run;
    g_string_append(out, "step \"An arena both systems reserved and released: room for fixed "
                         "bases\"\n");
}

static void finish(void *state) { g_free(state); }

const VsGenerator vs_win32_generator = {
    .arch = VS_ARCH_X64,
    .system = "x64",
    .process = "fuzz",
    .prefix_calls = PREFIX_CALLS,
    .prefix = prefix,
    .start = start,
    .finish = finish,
    .ready = ready,
    .generate = generate,
    .track = track,
    .inert = inert,
    .compare_state = compare_state,
    .option = "",
    .title = "fuzz seed",
    .intro_calls = INTRO_CALLS,
    .write_intro = write_intro,
    .write_call = write_call,
};
