/*
 * generate.c - the POSIX backend's generator of random Linux calls (generator.h): mmap, munmap,
 * mprotect, madvise, mremap, msync, mincore, mlock, mlock2, munlock, smaps, mseal, reads, writes,
 * memfds and a file, fork, and protection keys where the CPU has them.
 *
 * Addresses are offsets into the arena (model addresses from mmap_base M up, free in both
 * systems: the agent's arena is there) or into a mapping the kernel placed, named by the id of the
 * call that placed it; a descriptor is named by the call that returned it. Calls stay where the
 * agent takes them - the arena, and what the kernel placed for the scenario, tracked here as the
 * agent tracks it (kept once placed) - because a call the agent refuses leaves the two systems
 * apart. Sizes are mostly 1 to 64 pages; a few calls carry bad arguments (unaligned addresses,
 * length 0, bad protections, flags or advice) to compare the order in which errors are found.
 *
 * Processes fork: any process, the children too, so pages are shared by a parent, its children
 * and theirs, and broken and shared again; each call is made by one of them (VsFuzzCall.process:
 * the fork that made it), which keeps its own view of what the agent takes, what it placed and
 * its descriptors, inherited at the fork. Some mappings are MAP_POPULATE; some file offsets lie
 * at the limits of a file (MAX_LFS_FILESIZE). A stack (MAP_GROWSDOWN) is made at the top of room
 * the kernel placed and unmapped again - never in the arena, whose pieces would stand in the way
 * of its growth in the kernel - and later calls aim anywhere in that room: touches below it grow
 * it, mappings there make the guard gap matter. The maps are compared by the session after every
 * call that can change them, so there is no state to compare here beyond that.
 * A few calls seal a range for good (mseal): every later munmap, MAP_FIXED mmap, mremap and
 * mprotect that reaches it then fails in both systems, a seal's whole point; the seals are rare
 * (one call in a few hundred) so that most of the address space stays free to change.
 * MADV_HUGEPAGE and MADV_NOHUGEPAGE only set VmFlags (hg, nh), which split and merge VMAs: the
 * agent runs without transparent huge pages (PR_SET_THP_DISABLE), so no fault maps 2 MB.
 * The model alone may have them (VsFuzzRun.thp: vadsim fuzz --thp=madvise): then six calls in ten
 * are made to stress them (generate_huge) - 2 MB-aligned mappings given MADV_HUGEPAGE, stores and
 * loads over them, splits, moves, locks, frees and collapses of whole and partial 2 MB ranges,
 * and forks more often - and a seed without them makes the calls it always did.
 * On a CPU with protection keys (the agent's hello says so, and the model's machine is made the
 * same) processes allocate keys, give them to ranges with pkey_mprotect, change and read their
 * rights with pkey_set and pkey_get, and free them; on one without, none of these is made, so a
 * seed's calls are those it always had.
 */
#include <string.h>

#include "posix.h"

#define PAGE VS_PAGE_SIZE
#define PAGES(n) ((uint64_t)(n)*VS_PAGE_SIZE)
#define ARENA_SPAN PAGES(4096)          /* fixed placements land in the arena's first 16 MB */
#define ARENA_OWNED ((uint64_t)1 << 30) /* the agent's arena: 1 GB, always the scenario's */
#define PREFIX_CALLS 4                  /* the memfd, its size, the file and its descriptor */
#define FUZZ_MEMFD 0                    /* the prefix's calls, by id */
#define FUZZ_FILE_FD 3
#define MEMFD_PAGES 64
#define FILE_PAGES 32
#define LIVE_MAX 48           /* placed mappings before the fuzzer unmaps some */
#define PROCESSES_MAX 12      /* processes forks make, the run's own included */
#define FORK_EVERY 8000       /* one more process may fork into being every so many calls */
#define PKEYS 16              /* x86's protection keys, where the CPU has them */
#define HUGE PAGES(512)       /* a transparent huge page: 2 MB */
#define HUGE_SLOTS 12         /* 2 MB-aligned places huge-page calls aim at (huge_offset) */
#define HUGE_ROOM PAGES(8192) /* where the slots past the arena's first 16 MB start: 32 MB in */
#define HUGE_FORK_EVERY 400   /* with huge pages, one more process every so many calls */
#define HUGE_LIVE_MAX 8       /* with huge pages, LIVE_MAX: 2 MB mappings charge commit fast */
#define HUGE_CHILD (-3)       /* a pending call's process: the child its fork made */

/* ---- Address ranges the agent takes calls on ------------------------------------------------- */

typedef struct Range {
    uint64_t start, end;
} Range;

/* Adds [start, end), merged with what it touches, as the agent's set_add does. */
static void ranges_add(GArray *set, uint64_t start, uint64_t end)
{
    for (guint i = set->len; i-- > 0;) {
        Range *r = &g_array_index(set, Range, i);
        if (r->start <= end && start <= r->end) {
            start = MIN(start, r->start), end = MAX(end, r->end);
            g_array_remove_index_fast(set, i);
        }
    }
    Range range = {start, end};
    g_array_append_val(set, range);
}

/* The range holding [start, start + length) (length 0 counts as 1), or NULL. */
static const Range *ranges_holding(GArray *set, uint64_t start, uint64_t length)
{
    uint64_t end = start + (length ? length : 1);
    for (guint i = 0; end > start && i < set->len; i++) {
        const Range *r = &g_array_index(set, Range, i);
        if (start >= r->start && end <= r->end)
            return r;
    }
    return NULL;
}

static uint64_t page_up(uint64_t n) { return (n + PAGE - 1) & ~(PAGE - 1); }

/* ---- The run's state ------------------------------------------------------------------------- */

/* A process of the run, as the generator follows it (the agent's process standing for it keeps
 * the same: a child inherits it all at fork). */
typedef struct FuzzProcess {
    gint fork;      /* the fork call that made it; VS_FUZZ_ABSOLUTE for the run's own */
    GArray *owned;  /* Range: model addresses the agent takes its calls on */
    GArray *live;   /* VsFuzzLive: what the kernel placed for it, for calls to aim into */
    GArray *memfds; /* guint: ids of the memfd_create calls whose descriptors it holds */
} FuzzProcess;

typedef struct PosixFuzz {
    GPtrArray *processes; /* FuzzProcess: the run's own first */
    GArray *pending;      /* VsFuzzCall: the rest of a stack's making (or of a huge-page
                           * mapping's), generated next */
    gboolean thp;         /* the model alone with huge pages (VsFuzzRun.thp): calls that stress
                           * them too */
    guint pending_fork;   /* the id of the last fork the pending calls made: the process their
                           * calls marked HUGE_CHILD make */
} PosixFuzz;

static PosixFuzz *state(const VsFuzzRun *run) { return run->generator; }

static FuzzProcess *process_new(gint fork, const FuzzProcess *parent)
{
    FuzzProcess *p = g_new0(FuzzProcess, 1);
    p->fork = fork;
    p->owned = g_array_new(FALSE, FALSE, sizeof(Range));
    p->live = g_array_new(FALSE, FALSE, sizeof(VsFuzzLive));
    p->memfds = g_array_new(FALSE, FALSE, sizeof(guint));
    if (parent) {
        g_array_append_vals(p->owned, parent->owned->data, parent->owned->len);
        g_array_append_vals(p->live, parent->live->data, parent->live->len);
        g_array_append_vals(p->memfds, parent->memfds->data, parent->memfds->len);
    }
    return p;
}

static void process_free(gpointer data)
{
    FuzzProcess *p = data;
    g_array_free(p->owned, TRUE);
    g_array_free(p->live, TRUE);
    g_array_free(p->memfds, TRUE);
    g_free(p);
}

/* The process a call's fork made (VS_FUZZ_ABSOLUTE: the run's own); NULL if that fork failed. */
static FuzzProcess *process_of(const VsFuzzRun *run, gint fork)
{
    GPtrArray *all = state(run)->processes;
    for (guint i = 0; i < all->len; i++) {
        FuzzProcess *p = g_ptr_array_index(all, i);
        if (p->fork == fork)
            return p;
    }
    return NULL;
}

static void *start(VsFuzzRun *run)
{
    PosixFuzz *p = g_new0(PosixFuzz, 1);
    run->arena = VS_LINUX_MMAP_BASE;
    p->processes = g_ptr_array_new_with_free_func(process_free);
    p->pending = g_array_new(FALSE, FALSE, sizeof(VsFuzzCall));
    p->thp = run->thp;
    FuzzProcess *first = process_new(VS_FUZZ_ABSOLUTE, NULL);
    ranges_add(first->owned, run->arena, run->arena + ARENA_OWNED);
    g_ptr_array_add(p->processes, first);
    return p;
}

static void finish(void *data)
{
    PosixFuzz *p = data;
    g_ptr_array_free(p->processes, TRUE);
    g_array_free(p->pending, TRUE);
    g_free(p);
}

/* The thread of the model process a fork made (generator.h): the one whose pid the fork
 * returned; NULL if the fork failed or did not run. */
static VsThread *thread_of(const VsFuzzRun *run, const VsFuzzCall *call)
{
    uint64_t pid = vs_fuzz_value(run, call->process);
    for (size_t i = 0; pid && i < vs_system_process_count(run->system); i++) {
        VsProcess *process = vs_system_process(run->system, i);
        if (vs_process_id(process) == pid)
            return vs_process_main_thread(process);
    }
    return NULL;
}

/* ---- Tracking -------------------------------------------------------------------------------- */

/* Whether the agent takes op as the model made it (the POSIX agent's safety rules, in model
 * terms). */
static gboolean takes(const VsFuzzRun *r, const VsOp *op)
{
    const uint64_t *a = op->arg;
    const FuzzProcess *caller = process_of(r, r->caller);
    if (!caller)
        return FALSE;
    GArray *owned = caller->owned;
    switch (op->kind) {
    case VS_OP_MMAP:
        if (a[3] & (VS_MAP_FIXED | VS_MAP_FIXED_NOREPLACE))
            return ranges_holding(owned, a[0], a[1]) != NULL;
        /* The agent clears its arena for a hint wholly in it, and cannot for one that straddles
         * its start: there the kernel would find arena pieces where the model finds room. */
        return !a[0] || a[0] >= r->arena || a[0] + page_up(a[1]) <= r->arena;
    case VS_OP_MREMAP:
        return ranges_holding(owned, a[0], a[1]) &&
               (!(a[3] & VS_MREMAP_FIXED) || ranges_holding(owned, a[4], a[2]));
    case VS_OP_MINCORE:
        return page_up(a[1]) / PAGE <= VS_MINCORE_CAPACITY && ranges_holding(owned, a[0], a[1]);
    case VS_OP_READ:
    case VS_OP_WRITE: return ranges_holding(owned, a[0], 1) != NULL;
    case VS_OP_SMAPS: return ranges_holding(owned, a[0], 1) != NULL;
    case VS_OP_MUNMAP:
    case VS_OP_MPROTECT:
    case VS_OP_MADVISE:
    case VS_OP_MLOCK:
    case VS_OP_MLOCK2:
    case VS_OP_MUNLOCK:
    case VS_OP_MSEAL:
    case VS_OP_PKEY_MPROTECT:
    case VS_OP_MSYNC: return ranges_holding(owned, a[0], a[1]) != NULL;
    case VS_OP_PKEY_FREE: return a[0] != 0; /* key 0 is the agent's own memory's */
    case VS_OP_PKEY_SET: return a[0] != 0 || a[1] == 0;
    default: return TRUE;
    }
}

/* Notes what a call placed, returned or unmapped, as the agent notes what it owns (for good: it
 * keeps what was placed once, unmapped or not), and the process a fork made. */
static void track(VsFuzzRun *r, const VsFuzzCall *c, const VsOp *op, const VsOutcome *outcome)
{
    PosixFuzz *p = r->generator;
    FuzzProcess *caller = process_of(r, r->caller);
    const uint64_t *a = op->arg;
    if (vs_op_failed(op->kind, outcome->ret) || !caller)
        return;
    if (op->kind == VS_OP_MEMFD_CREATE || op->kind == VS_OP_OPEN || op->kind == VS_OP_FORK)
        vs_fuzz_set_value(r, c->id, outcome->ret);
    if (op->kind == VS_OP_MEMFD_CREATE)
        g_array_append_val(caller->memfds, c->id);
    if (op->kind == VS_OP_FORK)
        g_ptr_array_add(p->processes, process_new((gint)c->id, caller));
    gboolean fixed = op->kind == VS_OP_MMAP && (a[3] & (VS_MAP_FIXED | VS_MAP_FIXED_NOREPLACE));
    if (op->kind == VS_OP_MMAP || op->kind == VS_OP_MREMAP) {
        uint64_t size = op->kind == VS_OP_MMAP ? a[1] : a[2];
        vs_fuzz_set_value(r, c->id, outcome->ret);
        ranges_add(caller->owned, outcome->ret, outcome->ret + page_up(size));
        gboolean moved = op->kind == VS_OP_MREMAP && outcome->ret != a[0];
        if ((op->kind == VS_OP_MMAP && !fixed) || moved) {
            VsFuzzLive live = {c->id, size};
            g_array_append_val(caller->live, live);
        }
    }
    if (fixed && (a[3] & VS_MAP_GROWSDOWN) && c->base >= 0) {
        /* A stack at the top of room: later calls aim anywhere in the room, below it too. */
        VsFuzzLive room = {(guint)c->base, c->op.arg[0] + a[1]};
        g_array_append_val(caller->live, room);
    }
    if (op->kind == VS_OP_MUNMAP) {
        uint64_t end = a[0] + page_up(a[1]);
        for (guint i = caller->live->len; i-- > 0;) {
            uint64_t base = vs_fuzz_value(r, (gint)g_array_index(caller->live, VsFuzzLive, i).id);
            if (base >= a[0] && base < end)
                g_array_remove_index(caller->live, i);
        }
    }
}

/* Failed calls, mincore, smaps and pkey_get leave everything as it was (a read can map a page: it
 * is active). */
static gboolean inert(const VsOp *op, const VsOutcome *outcome)
{
    return op->kind == VS_OP_MINCORE || op->kind == VS_OP_SMAPS || op->kind == VS_OP_PKEY_GET ||
           vs_op_failed(op->kind, outcome->ret);
}

/* Where a diverging call aimed, for the report: the model's maps lines of the VMAs its range
 * touches (a call with no address gets nothing; one aimed at a gap says so). */
static char *aimed_at(const VsFuzzRun *r, const VsOp *op)
{
    uint64_t start = op->arg[0], length = 1;
    switch (op->kind) {
    case VS_OP_MUNMAP:
    case VS_OP_MPROTECT:
    case VS_OP_MADVISE:
    case VS_OP_MSYNC:
    case VS_OP_MINCORE:
    case VS_OP_MLOCK:
    case VS_OP_MLOCK2:
    case VS_OP_MUNLOCK:
    case VS_OP_MSEAL:
    case VS_OP_PKEY_MPROTECT:
    case VS_OP_MREMAP: length = MAX(op->arg[1], 1); break;
    case VS_OP_READ:
    case VS_OP_WRITE:
    case VS_OP_SMAPS: break;
    default: return g_strdup("");
    }
    uint64_t end = start + length < start ? UINT64_MAX : start + length;
    VsFuzzCall call = VS_FUZZ_CALL(0);
    call.process = r->caller;
    VsThread *caller = r->caller == VS_FUZZ_ABSOLUTE ? r->thread : thread_of(r, &call);
    if (!caller)
        return g_strdup("");
    GString *out = g_string_new(NULL);
    VsVmaInfo vma;
    char line[256];
    for (uint64_t at = start;
         at < end && vs_vma_find(vs_thread_process(caller), at, &vma) && vma.start < end;
         at = vma.end)
        g_string_append_printf(out, "    model VMA %s\n",
                               vs_vma_maps_line(&vma, line, sizeof line));
    if (!out->len)
        g_string_append(out, "    no VMA of the model's there\n");
    return g_string_free(out, FALSE);
}

/* ---- Generating ------------------------------------------------------------------------------ */

typedef VsRng Rng;

static uint64_t below(Rng *rng, uint64_t n) { return vs_rng_below(rng, n); }
static gboolean chance(Rng *rng, unsigned percent) { return vs_rng_chance(rng, percent); }
#define PICK VS_RNG_PICK

/* A length: mostly 1 to 64 pages, sometimes an edge (0, a byte, a page less or more one). */
static uint64_t pick_length(Rng *rng)
{
    static const uint64_t edges[] = {0, 1, PAGE - 1, PAGE + 1, PAGES(2) + 7, PAGES(16) - 1};
    if (chance(rng, 90))
        return PAGES(1 + (chance(rng, 70) ? below(rng, 8) : below(rng, 64)));
    return PICK(rng, edges);
}

static uint32_t pick_prot(Rng *rng)
{
    static const uint32_t valid[] = {
        VS_PROT_NONE,
        VS_PROT_READ,
        VS_PROT_READ | VS_PROT_WRITE,
        VS_PROT_READ | VS_PROT_WRITE,
        VS_PROT_READ | VS_PROT_EXEC,
        VS_PROT_READ | VS_PROT_WRITE | VS_PROT_EXEC,
        VS_PROT_WRITE,
        VS_PROT_EXEC,
    };
    static const uint32_t invalid[] = {VS_PROT_SEM | VS_PROT_READ, 0x10, VS_PROT_GROWSDOWN,
                                       VS_PROT_GROWSUP | VS_PROT_READ, 0x80000000u};
    return chance(rng, 96) ? PICK(rng, valid) : PICK(rng, invalid);
}

/* An arena offset: mostly its first pages, where calls overlap; page edges; now and then a byte
 * off (EINVAL) or a 2 MB boundary. */
static uint64_t arena_offset(Rng *rng)
{
    uint64_t page = chance(rng, 75) ? below(rng, 48) : below(rng, ARENA_SPAN / PAGE - 64);
    if (chance(rng, 3))
        page = below(rng, 8) * 512;
    return PAGES(page) + (chance(rng, 96) ? 0 : chance(rng, 50) ? 1 : below(rng, PAGE));
}

/* Aims argument 0 of c and fits *length to the memory the agent takes calls on in its process:
 * into the arena, or into a mapping the kernel placed (an offset inside it, rarely a byte off a
 * page). */
static void aim(Rng *rng, const VsFuzzRun *r, const FuzzProcess *proc, VsFuzzCall *c,
                uint64_t *length)
{
    if (proc->live->len && chance(rng, 35)) {
        const VsFuzzLive *live =
            &g_array_index(proc->live, VsFuzzLive, below(rng, proc->live->len));
        uint64_t pages = MAX(page_up(live->size) / PAGE, 1);
        c->base = (gint)live->id;
        c->op.arg[0] = PAGES(chance(rng, 50) ? 0 : below(rng, pages)) + (chance(rng, 97) ? 0 : 1);
    } else {
        c->base = VS_FUZZ_ARENA;
        c->op.arg[0] = arena_offset(rng);
    }
    uint64_t address = vs_fuzz_value(r, c->base) + c->op.arg[0];
    const Range *range = ranges_holding(proc->owned, address, 1);
    if (length && range)
        *length = MIN(*length, range->end - address);
}

/* A memfd of the process: mostly the prefix's, else one a later memfd_create made. */
static gint pick_memfd(Rng *rng, const FuzzProcess *proc)
{
    if (proc->memfds->len <= 1 || chance(rng, 70))
        return FUZZ_MEMFD;
    return (gint)g_array_index(proc->memfds, guint, 1 + below(rng, proc->memfds->len - 1));
}

/* A file offset: mostly small, now and then past the end of the file, or at the limits of one
 * (MAX_LFS_FILESIZE, 2^63 - 1: the last page below it maps, the next is EOVERFLOW, as is an
 * offset whose end would pass it). */
static uint64_t pick_offset(Rng *rng)
{
    static const uint64_t offsets[] = {0, 0, PAGES(1), PAGES(8), PAGES(31), PAGES(64), 100};
    static const uint64_t limits[] = {0x7FFFFFFFFFFFE000ull, 0x7FFFFFFFFFFFF000ull,
                                      0x8000000000000000ull, 0x7FFFFFFFFFC00000ull,
                                      0xFFFFFFFFFFFFF000ull};
    return chance(rng, 97) ? PICK(rng, offsets) : PICK(rng, limits);
}

/* mmap: anonymous or of one of the descriptors, placed by the kernel, by a hint, or fixed into
 * the arena or over part of a placed mapping; now and then MAP_POPULATE. */
static void generate_mmap(Rng *rng, const VsFuzzRun *r, const FuzzProcess *proc, VsFuzzCall *c)
{
    uint64_t *a = c->op.arg;
    gboolean file = chance(rng, 25);
    uint64_t length = pick_length(rng);
    uint32_t type = chance(rng, 70) ? VS_MAP_PRIVATE : VS_MAP_SHARED;
    uint32_t flags = type | (file ? 0 : VS_MAP_ANONYMOUS) |
                     (chance(rng, 10) ? VS_MAP_NORESERVE : 0) |
                     (chance(rng, 8) ? VS_MAP_POPULATE : 0);
    unsigned placement = (unsigned)below(rng, 100);
    c->op.kind = VS_OP_MMAP;
    if (placement < 40) {
        c->base = VS_FUZZ_ABSOLUTE; /* NULL: the kernel places it */
        if (chance(rng, 4))
            length = PAGES(512) * (1 + below(rng, 2)); /* 2 MB multiples: THP-aligned placement */
        else if (chance(rng, 1))
            length = chance(rng, 50) ? (uint64_t)1 << 47 : (uint64_t)-PAGE;
    } else {
        aim(rng, r, proc, c, &length);
        flags |= placement < 70 ? VS_MAP_FIXED : placement < 88 ? VS_MAP_FIXED_NOREPLACE : 0;
    }
    if (chance(rng, 3)) { /* bad flags: no type, an unknown one validated, both fixed kinds */
        static const uint32_t bad[] = {0, VS_MAP_SHARED_VALIDATE | 0x200000u,
                                       VS_MAP_FIXED | VS_MAP_FIXED_NOREPLACE};
        flags = (flags & ~(uint32_t)VS_MAP_TYPE) | PICK(rng, bad);
    }
    a[1] = length, a[2] = pick_prot(rng), a[3] = flags, a[4] = (uint64_t)-1, a[5] = 0;
    if (file) {
        c->handle_of = chance(rng, 40) ? FUZZ_FILE_FD : pick_memfd(rng, proc);
        a[5] = pick_offset(rng);
    }
}

/* munmap, mprotect, madvise, msync, mincore, mlock, mlock2, munlock, mseal: (address, length[,
 * third]). */
static void generate_range(Rng *rng, const VsFuzzRun *r, const FuzzProcess *proc, VsFuzzCall *c,
                           VsOpKind kind)
{
    static const uint32_t advice[] = {
        VS_MADV_NORMAL,     VS_MADV_RANDOM,     VS_MADV_SEQUENTIAL, VS_MADV_WILLNEED,
        VS_MADV_DONTNEED,   VS_MADV_DONTNEED,   VS_MADV_FREE,       VS_MADV_FREE,
        VS_MADV_REMOVE,     VS_MADV_DONTFORK,   VS_MADV_DOFORK,     VS_MADV_WIPEONFORK,
        VS_MADV_KEEPONFORK, VS_MADV_COLD,       VS_MADV_PAGEOUT,    VS_MADV_PAGEOUT,
        VS_MADV_HUGEPAGE,   VS_MADV_NOHUGEPAGE,
    };
    static const uint32_t sync[] = {VS_MS_ASYNC, VS_MS_SYNC, VS_MS_SYNC, VS_MS_INVALIDATE,
                                    VS_MS_SYNC | VS_MS_INVALIDATE};
    uint64_t length = pick_length(rng);
    c->op.kind = kind;
    aim(rng, r, proc, c, &length);
    c->op.arg[1] = length;
    if (kind == VS_OP_MPROTECT)
        c->op.arg[2] = pick_prot(rng);
    else if (kind == VS_OP_MADVISE)
        c->op.arg[2] = chance(rng, 97) ? PICK(rng, advice) : chance(rng, 50) ? 7 : 99;
    else if (kind == VS_OP_MSYNC)
        c->op.arg[2] = chance(rng, 96) ? PICK(rng, sync) : chance(rng, 50) ? 0x8 : 0x5;
    else if (kind == VS_OP_MLOCK2)
        c->op.arg[2] = chance(rng, 96) ? (chance(rng, 50) ? VS_MLOCK_ONFAULT : 0) : 2;
    else if (kind == VS_OP_MSEAL)
        c->op.arg[2] = chance(rng, 95) ? 0 : 1; /* mseal takes no flags yet */
}

/* mlock, mlock2, munlock, or a read of smaps: locking as deterministic as the kernel's (mlockall
 * is not fuzzed: it would lock the agent's own memory, and the POSIX agent refuses it with the
 * pins a run holds); now and then mseal, which locks a range's layout. */
static void generate_lock(Rng *rng, const VsFuzzRun *r, const FuzzProcess *proc, VsFuzzCall *c)
{
    static const VsOpKind kinds[] = {VS_OP_MLOCK, VS_OP_MLOCK2, VS_OP_MUNLOCK, VS_OP_SMAPS};
    VsOpKind kind = chance(rng, 10) ? VS_OP_MSEAL : PICK(rng, kinds);
    if (kind != VS_OP_SMAPS) {
        generate_range(rng, r, proc, c, kind);
        return;
    }
    c->op.kind = VS_OP_SMAPS;
    aim(rng, r, proc, c, NULL);
}

/* The model's thread of proc (NULL if its fork did not run). */
static VsThread *proc_thread(const VsFuzzRun *r, const FuzzProcess *proc)
{
    VsFuzzCall call = VS_FUZZ_CALL(0);
    call.process = proc->fork;
    return proc->fork == VS_FUZZ_ABSOLUTE ? r->thread : thread_of(r, &call);
}

/* The keys proc has allocated, bit k for key k, if its CPU has protection keys; else 0. */
static uint32_t pkeys_allocated(const VsFuzzRun *r, const FuzzProcess *proc)
{
    VsThread *thread = proc_thread(r, proc);
    VsPkeyState keys = {0};
    if (thread)
        vs_pkey_state(vs_thread_process(thread), &keys);
    return keys.keys ? keys.allocated : 0;
}

/* A key for pkey_mprotect, pkey_set, pkey_get and pkey_free: mostly one of allocated (bit k: key k)
 * other than 0, else any of the 16, or -1 (mprotect's own rule) where minus_one. */
static uint64_t pick_pkey(Rng *rng, uint32_t allocated, gboolean minus_one)
{
    uint32_t keys = allocated & ~1u;
    if (minus_one && chance(rng, 20))
        return (uint64_t)-1;
    if (!keys || chance(rng, 15))
        return below(rng, PKEYS);
    uint64_t nth = below(rng, (uint64_t)__builtin_popcount(keys));
    for (uint64_t key = 1;; key++)
        if ((keys >> key & 1) && nth-- == 0)
            return key;
}

/* Protection keys, on a CPU with them (allocated: proc's keys, key 0 among them): pkey_alloc with
 * rights (now and then bad flags or rights), pkey_mprotect of a range, glibc's pkey_set and
 * pkey_get, pkey_free. Key 0 keeps its access and is never freed: the agent's own memory has it. */
static void generate_pkey(Rng *rng, const VsFuzzRun *r, const FuzzProcess *proc, VsFuzzCall *c,
                          uint32_t allocated)
{
    static const uint64_t rights[] = {0, VS_PKEY_DISABLE_ACCESS, VS_PKEY_DISABLE_WRITE,
                                      VS_PKEY_DISABLE_ACCESS | VS_PKEY_DISABLE_WRITE};
    unsigned roll = (unsigned)below(rng, 100);
    uint64_t *a = c->op.arg;
    if (roll < 25) {
        c->op.kind = VS_OP_PKEY_ALLOC;
        a[0] = chance(rng, 97) ? 0 : 1;
        a[1] = chance(rng, 96) ? PICK(rng, rights) : 4;
    } else if (roll < 50) {
        uint64_t length = pick_length(rng);
        c->op.kind = VS_OP_PKEY_MPROTECT;
        aim(rng, r, proc, c, &length);
        a[1] = length, a[2] = pick_prot(rng), a[3] = pick_pkey(rng, allocated, TRUE);
    } else if (roll < 75) {
        c->op.kind = VS_OP_PKEY_SET;
        a[0] = pick_pkey(rng, allocated, FALSE);
        a[1] = a[0] == 0 ? 0 : chance(rng, 96) ? PICK(rng, rights) : 4;
    } else if (roll < 85) {
        c->op.kind = VS_OP_PKEY_GET;
        a[0] = pick_pkey(rng, allocated, FALSE);
    } else {
        c->op.kind = VS_OP_PKEY_FREE;
        a[0] = pick_pkey(rng, allocated, FALSE);
        if (a[0] == 0)
            a[0] = PKEYS; /* never key 0: one past the last instead (EINVAL) */
    }
}

/* Whether the range c names holds a stack (MAP_GROWSDOWN) in the model. The arena is no place
 * for one: the agent's arena pieces, mapped wherever the scenario has nothing, would stand in
 * for free space the stack's growth and guard gap reach into, and the kernel sees them as VMAs. */
static gboolean moves_stack(const VsFuzzRun *r, const FuzzProcess *proc, const VsFuzzCall *c)
{
    VsThread *thread = proc_thread(r, proc);
    uint64_t start = vs_fuzz_value(r, c->base) + c->op.arg[0], end = start + c->op.arg[1];
    VsVmaInfo vma;
    for (uint64_t at = start; thread && end > start &&
                              vs_vma_find(vs_thread_process(thread), at, &vma) && vma.start < end;
         at = vma.end)
        if (vma.grows_down)
            return TRUE;
    return FALSE;
}

/* mremap: grow or shrink in place, move (where the kernel likes, or fixed into the arena, unless
 * it moves a stack). */
static void generate_mremap(Rng *rng, const VsFuzzRun *r, const FuzzProcess *proc, VsFuzzCall *c)
{
    static const uint32_t flags[] = {0, VS_MREMAP_MAYMOVE, VS_MREMAP_MAYMOVE, VS_MREMAP_MAYMOVE,
                                     VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED};
    uint64_t *a = c->op.arg;
    uint64_t old_size = pick_length(rng);
    c->op.kind = VS_OP_MREMAP;
    aim(rng, r, proc, c, &old_size);
    a[1] = old_size;
    a[2] = chance(rng, 50) ? old_size + pick_length(rng) : pick_length(rng);
    a[3] = chance(rng, 97)   ? PICK(rng, flags)
           : chance(rng, 50) ? VS_MREMAP_FIXED
                             : VS_MREMAP_MAYMOVE | VS_MREMAP_DONTUNMAP;
    if ((a[3] & VS_MREMAP_FIXED) && moves_stack(r, proc, c))
        a[3] &= ~(uint64_t)VS_MREMAP_FIXED; /* where the kernel likes: outside the arena */
    if (a[3] & VS_MREMAP_FIXED) {
        c->base2 = VS_FUZZ_ARENA;
        a[4] = arena_offset(rng);
    }
}

/* Descriptors: resize the prefix's memfd, make another, close one. */
static void generate_fd(Rng *rng, const FuzzProcess *proc, VsFuzzCall *c)
{
    static const uint64_t sizes[] = {0,          PAGES(8),     PAGES(MEMFD_PAGES),
                                     PAGES(100), PAGES(3) + 5, (uint64_t)-1};
    unsigned roll = (unsigned)below(rng, 100);
    if (roll < 55 || proc->memfds->len >= 8) {
        c->op.kind = VS_OP_FTRUNCATE;
        c->handle_of = pick_memfd(rng, proc);
        c->op.arg[1] = PICK(rng, sizes);
    } else if (roll < 80) {
        static const uint32_t flags[] = {0, VS_MFD_CLOEXEC, VS_MFD_ALLOW_SEALING};
        c->op.kind = VS_OP_MEMFD_CREATE;
        g_strlcpy(c->op.text, "fuzz", sizeof c->op.text);
        c->op.arg[0] = 1;
        c->op.arg[1] = PICK(rng, flags);
    } else if (proc->memfds->len > 1 && chance(rng, 85)) {
        c->op.kind = VS_OP_CLOSE;
        c->handle_of =
            (gint)g_array_index(proc->memfds, guint, 1 + below(rng, proc->memfds->len - 1));
    } else {
        c->op.kind = VS_OP_CLOSE; /* one never opened: EBADF (the agent's own are >= 900) */
        c->op.arg[0] = chance(rng, 50) ? 40 : 900;
    }
}

/* A stack: room the kernel places and the next call unmaps again but for its top, where the call
 * after maps a MAP_GROWSDOWN stack of a few pages (MAP_FIXED): the rest of the making waits in
 * the pending calls. The room is 64 KB, 256 KB or past 2 MB, so that growth, the
 * 1 MB guard gap and placement below it all come into play. */
static void generate_stack(Rng *rng, PosixFuzz *p, const FuzzProcess *proc, VsFuzzCall *c)
{
    static const uint64_t rooms[] = {PAGES(16), PAGES(64), PAGES(516)};
    uint64_t room = PICK(rng, rooms), stack = PAGES(1 + below(rng, 4));
    c->op.kind = VS_OP_MMAP;
    c->op.arg[1] = room, c->op.arg[2] = VS_PROT_READ | VS_PROT_WRITE;
    c->op.arg[3] = VS_MAP_PRIVATE | VS_MAP_ANONYMOUS, c->op.arg[4] = (uint64_t)-1;
    VsFuzzCall grow = VS_FUZZ_CALL(0), unmap = VS_FUZZ_CALL(0);
    grow.process = unmap.process = proc->fork;
    grow.base = unmap.base = (gint)c->id;
    grow.op.kind = VS_OP_MMAP;
    grow.op.arg[0] = room - stack, grow.op.arg[1] = stack, grow.op.arg[2] = pick_prot(rng);
    grow.op.arg[3] = VS_MAP_PRIVATE | VS_MAP_ANONYMOUS | VS_MAP_FIXED | VS_MAP_GROWSDOWN;
    grow.op.arg[4] = (uint64_t)-1;
    unmap.op.kind = VS_OP_MUNMAP;
    unmap.op.arg[1] = room - stack;
    g_array_append_val(p->pending, unmap); /* first, so that the room stays aimed at */
    g_array_append_val(p->pending, grow);
}

/* munmap of the whole of one of the mappings the kernel placed for proc (it has one). */
static void unmap_live(Rng *rng, const FuzzProcess *proc, VsFuzzCall *c)
{
    const VsFuzzLive *live = &g_array_index(proc->live, VsFuzzLive, below(rng, proc->live->len));
    c->op.kind = VS_OP_MUNMAP;
    c->base = (gint)live->id;
    c->op.arg[1] = live->size;
}

/* ---- Huge pages (the model alone, --thp=madvise) --------------------------------------------- */

/* An arena offset on a 2 MB boundary: one of the first 16 MB's, where the other calls overlap
 * them, or one of the room past them that only huge-page calls aim at. */
static uint64_t huge_offset(Rng *rng)
{
    uint64_t slot = below(rng, HUGE_SLOTS);
    return slot < 8 ? slot * HUGE : HUGE_ROOM + (slot - 8) * HUGE;
}

/* Aims c at a range of huge-page slots and returns its length: mostly from a 2 MB boundary, else
 * from a page inside one; mostly one or two whole huge pages, else part of one, or one and some. */
static uint64_t aim_huge(Rng *rng, VsFuzzCall *c)
{
    unsigned roll = (unsigned)below(rng, 100);
    c->base = VS_FUZZ_ARENA;
    c->op.arg[0] = huge_offset(rng) + (chance(rng, 60) ? 0 : PAGES(below(rng, 512)));
    return roll < 45   ? HUGE
           : roll < 60 ? 2 * HUGE
           : roll < 85 ? PAGES(1 + below(rng, 511))
                       : HUGE + PAGES(1 + below(rng, 64));
}

/* A mapping for huge pages: private anonymous memory of 2 to 6 MB, fixed on a 2 MB boundary of
 * the arena (now and then a few pages off it) or placed by the kernel (which aligns it), then,
 * as the next call, given MADV_HUGEPAGE (now and then MADV_NOHUGEPAGE, or nothing). */
static void generate_huge_mmap(Rng *rng, PosixFuzz *p, const FuzzProcess *proc, VsFuzzCall *c)
{
    uint64_t *a = c->op.arg;
    uint32_t flags = (chance(rng, 95) ? VS_MAP_PRIVATE : VS_MAP_SHARED) | VS_MAP_ANONYMOUS |
                     (chance(rng, 8) ? VS_MAP_POPULATE : 0) |
                     (chance(rng, 5) ? VS_MAP_NORESERVE : 0);
    VsFuzzCall advise = VS_FUZZ_CALL(0);
    c->op.kind = VS_OP_MMAP;
    if (chance(rng, 85)) {
        c->base = VS_FUZZ_ARENA;
        a[0] = huge_offset(rng) + (chance(rng, 90) ? 0 : PAGES(1 + below(rng, 511)));
        flags |= VS_MAP_FIXED;
        advise.base = VS_FUZZ_ARENA, advise.op.arg[0] = a[0];
    } else {
        advise.base = (gint)c->id;
    }
    a[1] = HUGE * (1 + below(rng, 3));
    a[2] = chance(rng, 85) ? VS_PROT_READ | VS_PROT_WRITE : pick_prot(rng);
    a[3] = flags, a[4] = (uint64_t)-1;
    unsigned roll = (unsigned)below(rng, 100);
    if (roll >= 95)
        return;
    advise.process = proc->fork;
    advise.op.kind = VS_OP_MADVISE;
    advise.op.arg[1] = a[1];
    advise.op.arg[2] = roll < 90 ? VS_MADV_HUGEPAGE : VS_MADV_NOHUGEPAGE;
    g_array_append_val(p->pending, advise);
}

/* madvise of a huge-page range: what splits a huge page, frees, pages out or collapses it, or
 * changes whether it may have one. */
static void generate_huge_madvise(Rng *rng, VsFuzzCall *c)
{
    static const uint32_t advice[] = {
        VS_MADV_DONTNEED,   VS_MADV_DONTNEED, VS_MADV_FREE,     VS_MADV_FREE,
        VS_MADV_COLD,       VS_MADV_PAGEOUT,  VS_MADV_PAGEOUT,  VS_MADV_NOHUGEPAGE,
        VS_MADV_HUGEPAGE,   VS_MADV_HUGEPAGE, VS_MADV_COLLAPSE, VS_MADV_COLLAPSE,
        VS_MADV_WILLNEED,   VS_MADV_DONTFORK, VS_MADV_DOFORK,   VS_MADV_WIPEONFORK,
        VS_MADV_KEEPONFORK, VS_MADV_REMOVE,
    };
    c->op.kind = VS_OP_MADVISE;
    c->op.arg[1] = aim_huge(rng, c);
    c->op.arg[2] = PICK(rng, advice);
}

/* mremap of a huge-page range: moved whole to another 2 MB boundary (now and then a few pages
 * off one), moved where the kernel likes, or grown or shrunk in place. */
static void generate_huge_mremap(Rng *rng, VsFuzzCall *c)
{
    uint64_t *a = c->op.arg;
    unsigned roll = (unsigned)below(rng, 100);
    c->op.kind = VS_OP_MREMAP;
    a[1] = aim_huge(rng, c);
    a[2] = chance(rng, 60)   ? a[1]
           : chance(rng, 50) ? HUGE * (1 + below(rng, 2))
                             : PAGES(1 + below(rng, 1024));
    a[3] = roll < 60   ? VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED
           : roll < 80 ? VS_MREMAP_MAYMOVE
           : roll < 95 ? 0
                       : VS_MREMAP_MAYMOVE | VS_MREMAP_DONTUNMAP;
    if (a[3] & VS_MREMAP_FIXED) {
        c->base2 = VS_FUZZ_ARENA;
        a[4] = huge_offset(rng) + (chance(rng, 85) ? 0 : PAGES(1 + below(rng, 511)));
    }
}

/* munmap, mprotect, mlock, mlock2, munlock, mincore or smaps of a huge-page range. */
static void generate_huge_range(Rng *rng, VsFuzzCall *c, VsOpKind kind)
{
    static const uint32_t prots[] = {VS_PROT_READ, VS_PROT_READ | VS_PROT_WRITE, VS_PROT_NONE,
                                     VS_PROT_READ | VS_PROT_EXEC};
    c->op.kind = kind;
    c->op.arg[1] = aim_huge(rng, c);
    if (kind == VS_OP_MPROTECT)
        c->op.arg[2] = chance(rng, 85) ? PICK(rng, prots) : pick_prot(rng);
    else if (kind == VS_OP_MLOCK2)
        c->op.arg[2] = chance(rng, 50) ? VS_MLOCK_ONFAULT : 0;
    else if (kind == VS_OP_SMAPS)
        c->op.arg[1] = 0;
}

/* A store or a load in a huge-page range (now and then in a mapping the kernel placed), at any
 * byte of any of its pages. */
static void generate_huge_access(Rng *rng, const VsFuzzRun *r, const FuzzProcess *proc,
                                 VsFuzzCall *c, gboolean store)
{
    c->op.kind = store ? VS_OP_WRITE : VS_OP_READ;
    if (chance(rng, 25)) {
        aim(rng, r, proc, c, NULL);
    } else {
        c->base = VS_FUZZ_ARENA;
        c->op.arg[0] = huge_offset(rng) + PAGES(below(rng, 1024)) + below(rng, PAGE);
    }
    if (store)
        c->op.arg[1] = below(rng, 256);
}

/* A pending call of proc's at the 2 MB place (an arena offset) plus offset. */
static VsFuzzCall *pend(PosixFuzz *p, const FuzzProcess *proc, VsOpKind kind, uint64_t place,
                        uint64_t offset)
{
    VsFuzzCall call = VS_FUZZ_CALL(0);
    call.process = proc->fork;
    call.op.kind = kind;
    call.base = VS_FUZZ_ARENA;
    call.op.arg[0] = place + offset;
    g_array_append_val(p->pending, call);
    return &g_array_index(p->pending, VsFuzzCall, p->pending->len - 1);
}

/* One of the calls after a fork across a huge page at place, by the child or its parent proc:
 * stores that split one PMD or take the page whole, loads, madvise (DONTNEED, FREE, COLD,
 * PAGEOUT, COLLAPSE), munmap or mprotect of part of it or all of it (of all of it, now and then
 * followed by a munmap of one page that splits it), mlock of all of it, or a move of all of it to
 * another 2 MB place. */
static void pend_after_fork(Rng *rng, PosixFuzz *p, const FuzzProcess *proc, uint64_t place)
{
    static const VsOpKind after[] = {VS_OP_WRITE,    VS_OP_WRITE,   VS_OP_WRITE,   VS_OP_WRITE,
                                     VS_OP_READ,     VS_OP_MADVISE, VS_OP_MADVISE, VS_OP_MUNMAP,
                                     VS_OP_MPROTECT, VS_OP_MLOCK,   VS_OP_MREMAP};
    static const uint32_t advice[] = {VS_MADV_DONTNEED, VS_MADV_FREE, VS_MADV_COLD, VS_MADV_PAGEOUT,
                                      VS_MADV_COLLAPSE};
    static const uint32_t prots[] = {VS_PROT_READ, VS_PROT_READ | VS_PROT_WRITE, VS_PROT_NONE};
    VsOpKind kind = PICK(rng, after);
    gboolean whole = kind == VS_OP_MLOCK || kind == VS_OP_MREMAP ||
                     chance(rng, kind == VS_OP_MPROTECT ? 50 : 30);
    VsFuzzCall *next = pend(p, proc, kind, place, whole ? 0 : PAGES(below(rng, 512)));
    uint64_t *a = next->op.arg;
    next->process = chance(rng, 50) ? HUGE_CHILD : proc->fork;
    a[1] = kind == VS_OP_WRITE ? below(rng, 256) : whole ? HUGE : PAGES(1 + below(rng, 64));
    if (kind == VS_OP_MADVISE)
        a[2] = PICK(rng, advice);
    else if (kind == VS_OP_MPROTECT)
        a[2] = PICK(rng, prots);
    if (kind == VS_OP_MPROTECT && whole && chance(rng, 50)) { /* then split, by the same process */
        gint process = next->process;
        VsFuzzCall *cut = pend(p, proc, VS_OP_MUNMAP, place, PAGES(1 + below(rng, 511)));
        cut->process = process, cut->op.arg[1] = PAGES(1);
    } else if (kind == VS_OP_MREMAP) {
        a[2] = HUGE, a[3] = VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED;
        next->base2 = VS_FUZZ_ARENA, a[4] = huge_offset(rng);
    }
}

/* A fork across a huge page: a fresh 2 MB place mapped (over what was there), given
 * MADV_HUGEPAGE and stored to (a huge page of proc's own, where a run of frames is free; now and
 * then 4 KB pages stored to before the advice instead, for MADV_COLLAPSE to find in the fork
 * section), the fork, then a few calls there by the child or proc; now and then (room for another
 * process left) proc forks again, so that a page it copied goes into the fork section where the
 * first child's PMD still maps the huge page. All but the first call are pending calls. */
static void generate_huge_fork(Rng *rng, PosixFuzz *p, const FuzzProcess *proc, VsFuzzCall *c,
                               guint processes)
{
    uint64_t place = huge_offset(rng), *a = c->op.arg;
    c->op.kind = VS_OP_MMAP;
    c->base = VS_FUZZ_ARENA;
    a[0] = place, a[1] = HUGE, a[2] = VS_PROT_READ | VS_PROT_WRITE;
    a[3] = VS_MAP_PRIVATE | VS_MAP_ANONYMOUS | VS_MAP_FIXED, a[4] = (uint64_t)-1;
    gboolean small = chance(rng, 30); /* 4 KB pages first: stores before the advice */
    for (uint64_t n = small ? 2 + below(rng, 4) : 0; n > 0; n--)
        pend(p, proc, VS_OP_WRITE, place, PAGES(below(rng, 512)))->op.arg[1] = 1 + below(rng, 255);
    VsFuzzCall *advise = pend(p, proc, VS_OP_MADVISE, place, 0);
    advise->op.arg[1] = HUGE, advise->op.arg[2] = VS_MADV_HUGEPAGE;
    pend(p, proc, VS_OP_WRITE, place, PAGES(below(rng, 512)))->op.arg[1] = 1 + below(rng, 255);
    pend(p, proc, VS_OP_FORK, 0, 0)->base = VS_FUZZ_ABSOLUTE;
    for (uint64_t n = below(rng, 7); n > 0; n--)
        pend_after_fork(rng, p, proc, place);
    if (p->processes->len + 1 < processes && chance(rng, 35)) {
        pend(p, proc, VS_OP_WRITE, place, PAGES(below(rng, 512)))->op.arg[1] = below(rng, 256);
        pend(p, proc, VS_OP_FORK, 0, 0)->base = VS_FUZZ_ABSOLUTE;
        for (uint64_t n = below(rng, 3); n > 0; n--)
            pend_after_fork(rng, p, proc, place);
    }
}

/* A call that stresses huge pages, in proc: forks (more often than the other calls make them),
 * mappings given MADV_HUGEPAGE, stores and loads over them, and what splits, moves, locks,
 * frees and collapses them, over whole and partial 2 MB ranges. */
static void generate_huge(const VsFuzzRun *r, Rng *rng, PosixFuzz *p, const FuzzProcess *proc,
                          VsFuzzCall *c)
{
    static const VsOpKind locks[] = {VS_OP_MLOCK, VS_OP_MLOCK2, VS_OP_MUNLOCK, VS_OP_MUNLOCK};
    unsigned roll = (unsigned)below(rng, 100);
    guint processes = MIN(PROCESSES_MAX, 2 + c->id / HUGE_FORK_EVERY);
    if (roll < 4 && p->processes->len < processes)
        generate_huge_fork(rng, p, proc, c, processes);
    else if (roll < 14)
        generate_huge_mmap(rng, p, proc, c);
    else if (roll < 52)
        generate_huge_access(rng, r, proc, c, roll < 40);
    else if (roll < 64)
        generate_huge_madvise(rng, c);
    else if (roll < 71)
        generate_huge_range(rng, c, VS_OP_MPROTECT);
    else if (roll < 77 && proc->live->len && chance(rng, 40))
        unmap_live(rng, proc, c);
    else if (roll < 77)
        generate_huge_range(rng, c, VS_OP_MUNMAP);
    else if (roll < 85)
        generate_huge_mremap(rng, c);
    else if (roll < 91)
        generate_huge_range(rng, c, PICK(rng, locks));
    else if (roll < 95)
        generate_huge_range(rng, c, chance(rng, 50) ? VS_OP_MINCORE : VS_OP_SMAPS);
    else
        generate_huge_access(rng, r, proc, c, TRUE);
}

/* The process that makes the next call: mostly the run's own, else any. */
static const FuzzProcess *pick_process(Rng *rng, const PosixFuzz *p)
{
    guint n = p->processes->len;
    guint i = n == 1 || chance(rng, 60) ? 0 : (guint)below(rng, n);
    return g_ptr_array_index(p->processes, i);
}

/* A call of one of the kinds of memory calls, in proc. */
static void generate_memory(const VsFuzzRun *r, Rng *rng, const FuzzProcess *proc, VsFuzzCall *c,
                            unsigned roll)
{
    if (roll < 18) {
        generate_mmap(rng, r, proc, c);
    } else if (roll < 28) {
        generate_range(rng, r, proc, c, VS_OP_MUNMAP);
    } else if (roll < 40) {
        generate_range(rng, r, proc, c, VS_OP_MPROTECT);
    } else if (roll < 50) {
        generate_range(rng, r, proc, c, VS_OP_MADVISE);
    } else if (roll < 57) {
        generate_mremap(rng, r, proc, c);
    } else if (roll < 61) {
        generate_range(rng, r, proc, c, VS_OP_MSYNC);
    } else if (roll < 64) {
        generate_range(rng, r, proc, c, VS_OP_MINCORE);
    } else if (roll < 67) {
        generate_lock(rng, r, proc, c);
    } else if (roll < 79) {
        c->op.kind = VS_OP_READ;
        aim(rng, r, proc, c, NULL);
    } else if (roll < 91) {
        c->op.kind = VS_OP_WRITE;
        aim(rng, r, proc, c, NULL);
        c->op.arg[1] = below(rng, 256);
    } else if (roll < 96) {
        generate_fd(rng, proc, c);
    } else {
        generate_mmap(rng, r, proc, c);
    }
}

static VsFuzzCall generate(const VsFuzzRun *r, Rng *rng, guint id)
{
    PosixFuzz *p = state(r);
    VsFuzzCall c = VS_FUZZ_CALL(id);
    if (p->pending->len) { /* the rest of a stack's making */
        c = g_array_index(p->pending, VsFuzzCall, 0);
        c.id = id;
        g_array_remove_index(p->pending, 0);
        if (c.op.kind == VS_OP_FORK) /* a fork across a huge page (generate_huge_fork) */
            p->pending_fork = id;
        if (c.process == HUGE_CHILD)
            c.process = (gint)p->pending_fork;
        return c;
    }
    const FuzzProcess *proc = pick_process(rng, p);
    c.process = proc->fork;
    if (p->thp && chance(rng, 60)) {
        generate_huge(r, rng, p, proc, &c);
        return c;
    }
    unsigned roll = (unsigned)below(rng, 1000);
    guint processes = MIN(PROCESSES_MAX, 2 + id / FORK_EVERY);
    uint32_t pkeys = roll >= 25 && roll < 45 ? pkeys_allocated(r, proc) : 0;
    if (roll < 15 && p->processes->len < processes) {
        c.op.kind = VS_OP_FORK; /* any process, a child too */
    } else if (roll < 25) {
        generate_stack(rng, p, proc, &c);
    } else if (pkeys) { /* a CPU with keys: key 0 is always allocated */
        generate_pkey(rng, r, proc, &c, pkeys);
    } else if (proc->live->len > (p->thp ? HUGE_LIVE_MAX : LIVE_MAX) && roll < 125) {
        /* Placed mappings pile up: unmap one, so the state stays a size to learn from. */
        unmap_live(rng, proc, &c);
    } else {
        generate_memory(r, rng, proc, &c, (unsigned)below(rng, 100));
    }
    return c;
}

/* The calls every sequence starts with: a memfd of 64 pages, and a file of 32 pages of 'Z's. */
static void prefix(GArray *sequence)
{
    static const VsOp ops[PREFIX_CALLS] = {
        {.kind = VS_OP_MEMFD_CREATE, .arg = {1, 0}, .text = "fuzz"},
        {.kind = VS_OP_FTRUNCATE, .arg = {0, PAGES(MEMFD_PAGES)}},
        {.kind = VS_OP_DECLARE_FILE, .arg = {1, PAGES(FILE_PAGES), 'Z', 0}, .text = "fuzz.bin"},
        {.kind = VS_OP_OPEN, .arg = {1, VS_O_RDWR}, .text = "fuzz.bin"},
    };
    for (guint i = 0; i < PREFIX_CALLS; i++) {
        VsFuzzCall call = VS_FUZZ_CALL(i);
        call.op = ops[i];
        if (ops[i].kind == VS_OP_FTRUNCATE)
            call.handle_of = FUZZ_MEMFD; /* the memfd's size */
        g_array_append_val(sequence, call);
    }
}

/* ---- Writing the reproducer ------------------------------------------------------------------ */

/* value as the constants of vadsim.h whose names start with prefix, joined by |: bits for
 * PROT_, MAP_, MS_, MREMAP_, MFD_, MLOCK_ (composites skipped); one value for MADV_. */
static char *flags_text(uint64_t value, const char *prefix, gboolean bits)
{
    static const struct {
        const char *name;
        uint64_t value;
    } names[] = {
#define NAME(n, v) {#n, v},
        VS_LINUX_FLAG_MAP(NAME)
#undef NAME
    };
    GString *out = g_string_new(NULL);
    uint64_t rest = value;
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        uint64_t v = names[i].value;
        if (!g_str_has_prefix(names[i].name, prefix) || strcmp(names[i].name, "MAP_TYPE") == 0 ||
            strcmp(names[i].name, "MAP_SHARED_VALIDATE") == 0)
            continue;
        gboolean match = bits ? v && (rest & v) == v : v == value;
        if (!match || (!bits && out->len))
            continue;
        g_string_append_printf(out, "%s%s", out->len ? "|" : "", names[i].name);
        rest &= bits ? ~v : 0;
    }
    if (bits && (value & VS_MAP_TYPE) == VS_MAP_SHARED_VALIDATE && strcmp(prefix, "MAP_") == 0) {
        g_string_assign(out, "MAP_SHARED_VALIDATE"); /* not MAP_SHARED|MAP_PRIVATE */
        rest = value & ~(uint64_t)VS_MAP_SHARED_VALIDATE;
        g_autofree char *more = rest ? flags_text(rest, prefix, TRUE) : NULL;
        if (more)
            g_string_append_printf(out, "|%s", more);
        return g_string_free(out, FALSE);
    }
    if (rest || !out->len) {
        g_autofree char *number = vs_fuzz_number_text(rest);
        g_string_append_printf(out, "%s%s", out->len ? "|" : "",
                               !rest && strcmp(prefix, "PROT_") == 0 ? "PROT_NONE" : number);
    }
    return g_string_free(out, FALSE);
}

/* The name the reproducer gives what call id returned: "m12" for a mapping, "fd0" for a
 * descriptor (ids are the calls' positions as generated: unique, and kept by shrinking). */
static char *result_name(GArray *sequence, gint id)
{
    for (guint i = 0; i < sequence->len; i++) {
        const VsFuzzCall *c = &g_array_index(sequence, VsFuzzCall, i);
        if (c->id != (guint)id)
            continue;
        gboolean fd = c->op.kind == VS_OP_MEMFD_CREATE || c->op.kind == VS_OP_OPEN;
        return g_strdup_printf("%s%u", fd ? "fd" : "m", c->id);
    }
    return g_strdup("?");
}

/* The arguments a reproducer writes as constants' names: the call, the argument, the names'
 * prefix, and whether they are bits (else one value). */
static const struct {
    VsOpKind kind;
    int arg;
    const char *prefix;
    gboolean bits;
} flag_arguments[] = {
    {VS_OP_MMAP, 2, "PROT_", TRUE},          {VS_OP_MMAP, 3, "MAP_", TRUE},
    {VS_OP_MPROTECT, 2, "PROT_", TRUE},      {VS_OP_MADVISE, 2, "MADV_", FALSE},
    {VS_OP_MSYNC, 2, "MS_", TRUE},           {VS_OP_MREMAP, 3, "MREMAP_", TRUE},
    {VS_OP_MEMFD_CREATE, 1, "MFD_", TRUE},   {VS_OP_MLOCK2, 2, "MLOCK_", TRUE},
    {VS_OP_PKEY_ALLOC, 1, "PKEY_", TRUE},    {VS_OP_PKEY_SET, 1, "PKEY_", TRUE},
    {VS_OP_PKEY_MPROTECT, 2, "PROT_", TRUE},
};

/* An argument as a scenario writes it: names for flags, mappings and descriptors. */
static char *argument_text(const VsFuzzCall *c, int i, GArray *sequence)
{
    const VsOpSpec *spec = vs_op_spec(c->op.kind);
    uint64_t v = c->op.arg[i];
    if (i == 0 && (spec->address_args & 1))
        return vs_fuzz_address_text(c->base, v, result_name, sequence);
    if (i == 4 && c->op.kind == VS_OP_MREMAP)
        return vs_fuzz_address_text(c->base2, v, result_name, sequence);
    if (i == vs_fuzz_handle_arg(c->op.kind) && c->handle_of != VS_FUZZ_ABSOLUTE)
        return result_name(sequence, c->handle_of);
    if ((spec->string_args & (1u << i)) && v)
        return g_strdup_printf("\"%s\"", c->op.kind == VS_OP_DECLARE_FILE && i == 3 ? c->op.contents
                                                                                    : c->op.text);
    for (guint k = 0; k < G_N_ELEMENTS(flag_arguments); k++)
        if (flag_arguments[k].kind == c->op.kind && flag_arguments[k].arg == i)
            return flags_text(v, flag_arguments[k].prefix, flag_arguments[k].bits);
    if (c->op.kind == VS_OP_OPEN && i == 1)
        return g_strdup(v == VS_O_RDWR ? "O_RDWR" : "O_RDONLY");
    if (c->op.kind == VS_OP_DECLARE_FILE && i == 3)
        return g_strdup("NULL");
    return vs_fuzz_number_text(v);
}

/* Whether a later call of the sequence names what call i returned. */
static gboolean named_later(GArray *sequence, guint i)
{
    guint id = g_array_index(sequence, VsFuzzCall, i).id;
    for (guint k = i + 1; k < sequence->len; k++) {
        const VsFuzzCall *c = &g_array_index(sequence, VsFuzzCall, k);
        if (c->base == (gint)id || c->handle_of == (gint)id)
            return TRUE;
    }
    return FALSE;
}

/* The name a scenario gives the process a fork made (VS_FUZZ_ABSOLUTE: the run's own, "main"):
 * "child", "child2", ... in the order of the forks in the calls that ran, whoever made them. */
static char *process_name(GArray *sequence, gint fork)
{
    guint forks = 0;
    for (guint i = 0; fork != VS_FUZZ_ABSOLUTE && i < sequence->len; i++) {
        const VsFuzzCall *c = &g_array_index(sequence, VsFuzzCall, i);
        forks += c->op.kind == VS_OP_FORK;
        if (c->id == (guint)fork)
            return forks == 1 ? g_strdup("child") : g_strdup_printf("child%u", forks);
    }
    return g_strdup("main");
}

static void write_call(GString *out, GArray *sequence, guint i)
{
    const VsFuzzCall *c = &g_array_index(sequence, VsFuzzCall, i);
    gint before = i ? g_array_index(sequence, VsFuzzCall, i - 1).process : VS_FUZZ_ABSOLUTE;
    if (c->process != before) {
        g_autofree char *name = process_name(sequence, c->process);
        g_string_append_printf(out, "process %s\n", name);
    }
    const VsOpSpec *spec = vs_op_spec(c->op.kind);
    if (named_later(sequence, i)) {
        g_autofree char *name = result_name(sequence, (gint)c->id);
        g_string_append_printf(out, "%s = ", name);
    }
    g_string_append_printf(out, "%s(", spec->name);
    for (int a = 0; a < spec->arity; a++) {
        g_autofree char *text = argument_text(c, a, sequence);
        g_string_append_printf(out, "%s%s", a ? ", " : "", text);
    }
    g_string_append(out, ")\n");
}

static void write_intro(GString *out, const VsFuzzRun *run)
{
    g_string_append_printf(out,
                           "step \"A memfd and a file to map; the arena is free address "
                           "space above mmap_base in both systems\"\narena = 0x%" G_GINT64_MODIFIER
                           "X\n",
                           run->arena);
}

const VsGenerator vs_posix_generator = {
    .arch = VS_ARCH_X64,
    .personality = vs_linux_personality,
    .system = "linux-x64",
    .process = "main",
    .prefix_calls = PREFIX_CALLS,
    .prefix = prefix,
    .start = start,
    .finish = finish,
    .generate = generate,
    .thread = thread_of,
    .takes = takes,
    .track = track,
    .inert = inert,
    .aimed_at = aimed_at,
    .option = "--backend=posix ",
    .title = "posix fuzz seed",
    .intro_calls = PREFIX_CALLS,
    .write_intro = write_intro,
    .write_call = write_call,
};
