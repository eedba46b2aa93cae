/*
 * posixfuzz.c - random Linux call sequences in the model and the real kernel side by side
 * (vadsim fuzz --backend=posix), shrunk to a scenario when they differ.
 *
 * The structure is fuzz.c's. A sequence is a list of Calls whose addresses are symbolic: an offset
 * into the arena (model addresses from mmap_base M up, free in both systems: the agent's arena is
 * there) or into a mapping the kernel placed, named by the id of the call that placed it; a
 * descriptor is named by the call that returned it. Running a sequence resolves the names against
 * this run's model, so it runs again after calls are dropped (a call whose mapping or descriptor
 * is gone is skipped). Each call runs in the model, whose invariant checker follows, and in the
 * POSIX session (posix.h), which compares results, errno, signals, mincore's vector and, after
 * every call that can change mappings, the maps. The first unexplained divergence stops the run;
 * the sequence is shrunk (shrink.h) and written as a scenario that vadsim verify --backend=posix
 * reproduces.
 *
 * Calls stay where the agent takes them - the arena, and what the kernel placed for the scenario,
 * tracked here as the agent tracks it - because a call the agent refuses leaves the two systems
 * apart. Sizes are mostly 1 to 64 pages; a few calls carry bad arguments (unaligned addresses,
 * length 0, bad protections, flags or advice) to compare the order in which errors are found.
 */
#include <string.h>

#include "fuzz.h"
#include "posix.h"
#include "shrink.h"

#define PAGE VS_PAGE_SIZE
#define PAGES(n) ((uint64_t)(n) * VS_PAGE_SIZE)
#define ARENA_SPAN PAGES(4096)      /* fixed placements land in the arena's first 16 MB */
#define ARENA_OWNED ((uint64_t)1 << 30) /* the agent's arena: 1 GB, always the scenario's */
#define NO_NAME (-1)
#define ARENA_NAME (-2)
#define PREFIX_CALLS 4              /* the memfd, its size, the file and its descriptor */
#define FUZZ_MEMFD 0                /* the prefix's calls, by id */
#define FUZZ_FILE_FD 3
#define MEMFD_PAGES 64
#define FILE_PAGES 32
#define LIVE_MAX 48                 /* placed mappings before the fuzzer unmaps some */
#define SHRINK_KEEP_TAIL 8

/* ---- Sequences -------------------------------------------------------------------------------- */

typedef struct Call {
    VsOp op;
    guint id;    /* its index in the sequence as generated: what it returns is named by it */
    gint base;   /* argument 0 is NO_NAME: absolute; ARENA_NAME: an arena offset; else an offset
                  * into the mapping call base placed */
    gint base4;  /* mremap's new_address: NO_NAME or ARENA_NAME */
    gint fd_of;  /* the call whose descriptor the fd argument is, or NO_NAME */
} Call;

/* The fd argument of a call, or -1. */
static int fd_arg(VsOpKind kind)
{
    uint32_t bits = vs_op_spec(kind)->handle_args;
    return bits ? __builtin_ctz(bits) : -1;
}

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

static void ranges_remove(GArray *set, uint64_t start, uint64_t end)
{
    for (guint i = set->len; i-- > 0;) {
        Range r = g_array_index(set, Range, i);
        if (r.end <= start || end <= r.start)
            continue;
        g_array_remove_index_fast(set, i);
        Range low = {r.start, start}, high = {end, r.end};
        if (low.start < low.end)
            g_array_append_val(set, low);
        if (high.start < high.end)
            g_array_append_val(set, high);
    }
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

/* ---- Running ---------------------------------------------------------------------------------- */

typedef struct Live {
    guint id;
    uint64_t size;
} Live;

typedef struct Run {
    VsSystem *system;
    VsThread *thread;
    VsPosixSession *session; /* NULL: the model alone */
    char *system_options;    /* the agent's machine as 'system' options; NULL without one */
    uint64_t arena;          /* M */
    GArray *values;          /* uint64_t per id: the address or descriptor its call returned */
    GArray *live;            /* Live: mappings the kernel placed, to aim into */
    GArray *owned;           /* Range: model addresses the agent takes calls on */
    GArray *ran;             /* VsRanAs per sequence position */
    GArray *memfds;          /* guint: ids of the memfd_create calls that made one, the prefix's
                              * first */
    guint64 calls, matched, known, unsupported;
    gboolean found;
    char *finding;
    VsOpKind found_kind;
    guint found_at;
    char found_field[32];
    GString *lines;
    GHashTable *tally;
} Run;

static gboolean run_start(Run *r, const VsFuzzOptions *o, GError **error)
{
    memset(r, 0, sizeof *r);
    VsSystemConfig config = {.arch = VS_ARCH_LINUX_X64, .ram_bytes = o->ram_bytes};
    r->arena = vs_layout_of(VS_ARCH_LINUX_X64)->mmap_base;
    /* The agent first: the model's files and CPU behave as the agent's machine's do. */
    if (o->agent) {
        if (!(r->session = vs_posix_start(o->agent, o->known, r->arena, error)))
            return FALSE;
        vs_posix_machine(r->session, &config);
        r->system_options = vs_posix_system_options(r->session);
    }
    r->system = vs_system_create(&config);
    VsProcess *process = r->system ? vs_process_create(r->system, "main") : NULL;
    if (!process) {
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "out of host memory");
        return FALSE;
    }
    r->thread = vs_process_main_thread(process);
    r->values = g_array_new(FALSE, TRUE, sizeof(uint64_t));
    r->live = g_array_new(FALSE, FALSE, sizeof(Live));
    r->owned = g_array_new(FALSE, FALSE, sizeof(Range));
    r->ran = g_array_new(FALSE, TRUE, sizeof(guint8));
    r->memfds = g_array_new(FALSE, FALSE, sizeof(guint));
    r->lines = g_string_new(NULL);
    r->tally = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ranges_add(r->owned, r->arena, r->arena + ARENA_OWNED);
    return TRUE;
}

static void run_finish(Run *r)
{
    vs_posix_free(r->session);
    g_free(r->system_options);
    if (r->system)
        vs_system_destroy(r->system);
    if (r->values) {
        g_array_free(r->values, TRUE);
        g_array_free(r->live, TRUE);
        g_array_free(r->owned, TRUE);
        g_array_unref(r->ran);
        g_array_free(r->memfds, TRUE);
        g_string_free(r->lines, TRUE);
        g_hash_table_unref(r->tally);
    }
    g_free(r->finding);
    memset(r, 0, sizeof *r);
}

static uint64_t value_of(const Run *r, gint id)
{
    if (id == ARENA_NAME)
        return r->arena;
    return id >= 0 && (guint)id < r->values->len ? g_array_index(r->values, uint64_t, id) : 0;
}

static void set_value(Run *r, guint id, uint64_t value)
{
    if (id >= r->values->len)
        g_array_set_size(r->values, id + 1);
    g_array_index(r->values, uint64_t, id) = value;
}

/* Whether the agent takes op as the model made it (agent-posix's safety rules, in model terms). */
static gboolean agent_takes(const Run *r, const VsOp *op)
{
    const uint64_t *a = op->arg;
    switch (op->kind) {
    case VS_OP_MMAP:
        if (a[3] & (VS_MAP_FIXED | VS_MAP_FIXED_NOREPLACE))
            return ranges_holding(r->owned, a[0], a[1]) != NULL;
        /* The agent clears its arena for a hint wholly in it, and cannot for one that straddles
         * its start: there the kernel would find arena pieces where the model finds room. */
        return !a[0] || a[0] >= r->arena || a[0] + page_up(a[1]) <= r->arena;
    case VS_OP_MREMAP:
        return ranges_holding(r->owned, a[0], a[1]) &&
               (!(a[3] & VS_MREMAP_FIXED) || ranges_holding(r->owned, a[4], a[2]));
    case VS_OP_MINCORE:
        return page_up(a[1]) / PAGE <= VS_MINCORE_CAPACITY && ranges_holding(r->owned, a[0], a[1]);
    case VS_OP_READ:
    case VS_OP_WRITE:
        return ranges_holding(r->owned, a[0], 1) != NULL;
    case VS_OP_MUNMAP:
    case VS_OP_MPROTECT:
    case VS_OP_MADVISE:
    case VS_OP_MSYNC:
        return ranges_holding(r->owned, a[0], a[1]) != NULL;
    default:
        return TRUE;
    }
}

/* Notes what a call placed, returned or unmapped, as the agent notes what it owns. */
static void track(Run *r, const Call *c, const VsOp *op, const VsOutcome *outcome)
{
    const uint64_t *a = op->arg;
    if (vs_op_failed(op->kind, outcome->ret))
        return;
    if (op->kind == VS_OP_MEMFD_CREATE || op->kind == VS_OP_OPEN)
        set_value(r, c->id, outcome->ret);
    if (op->kind == VS_OP_MEMFD_CREATE)
        g_array_append_val(r->memfds, c->id);
    gboolean fixed = op->kind == VS_OP_MMAP && (a[3] & (VS_MAP_FIXED | VS_MAP_FIXED_NOREPLACE));
    if (op->kind == VS_OP_MMAP || op->kind == VS_OP_MREMAP) {
        uint64_t size = op->kind == VS_OP_MMAP ? a[1] : a[2];
        set_value(r, c->id, outcome->ret);
        ranges_add(r->owned, outcome->ret, outcome->ret + page_up(size));
        gboolean moved = op->kind == VS_OP_MREMAP && outcome->ret != a[0];
        if ((op->kind == VS_OP_MMAP && !fixed) || moved) {
            Live live = {c->id, size};
            g_array_append_val(r->live, live);
        }
    }
    if (op->kind == VS_OP_MUNMAP) {
        uint64_t end = a[0] + page_up(a[1]);
        ranges_remove(r->owned, a[0], end);
        ranges_add(r->owned, r->arena, r->arena + ARENA_OWNED); /* the arena stays */
        for (guint i = r->live->len; i-- > 0;) {
            uint64_t base = value_of(r, (gint)g_array_index(r->live, Live, i).id);
            if (base >= a[0] && base < end)
                g_array_remove_index(r->live, i);
        }
    }
}

/* Failed calls and mincore leave everything as it was (a read can map a page: it is active). */
static gboolean inert(const VsOp *op, const VsOutcome *outcome)
{
    return op->kind == VS_OP_MINCORE || vs_op_failed(op->kind, outcome->ret);
}

static void found(Run *r, guint position, VsOpKind kind, const char *field, char *finding)
{
    r->found = TRUE;
    r->found_kind = kind;
    r->found_at = position;
    g_strlcpy(r->found_field, field, sizeof r->found_field);
    r->finding = finding;
}

/* The call with its names resolved against this run; FALSE if something it names is gone. */
static gboolean resolve(const Run *r, const Call *c, VsOp *op)
{
    *op = c->op;
    if (c->base != NO_NAME) {
        uint64_t base = value_of(r, c->base);
        if (!base)
            return FALSE;
        op->arg[0] += base;
    }
    if (c->base4 == ARENA_NAME)
        op->arg[4] += r->arena;
    if (c->fd_of != NO_NAME) {
        uint64_t fd = value_of(r, c->fd_of);
        if (!fd)
            return FALSE;
        op->arg[fd_arg(op->kind)] = fd;
    }
    return agent_takes(r, op);
}

static void count(Run *r, const VsJudgement *judgement)
{
    if (judgement->because) {
        gpointer n = g_hash_table_lookup(r->tally, judgement->because);
        g_hash_table_insert(r->tally, g_strdup(judgement->because),
                            GUINT_TO_POINTER(GPOINTER_TO_UINT(n) + 1));
    }
    switch (judgement->kind) {
    case VS_JUDGED_MATCH: r->matched++; break;
    case VS_JUDGED_KNOWN: r->known++; break;
    case VS_JUDGED_UNSUPPORTED: r->unsupported++; break;
    case VS_JUDGED_UNEXPLAINED: break;
    }
}

/* Where a diverging call aimed, for the report: the model's maps lines of the VMAs its range
 * touches (a call with no address gets nothing; one aimed at a gap says so). */
static char *aimed_at(const Run *r, const VsOp *op)
{
    uint64_t start = op->arg[0], length = 1;
    switch (op->kind) {
    case VS_OP_MUNMAP: case VS_OP_MPROTECT: case VS_OP_MADVISE: case VS_OP_MSYNC:
    case VS_OP_MINCORE: case VS_OP_MREMAP:
        length = MAX(op->arg[1], 1);
        break;
    case VS_OP_READ: case VS_OP_WRITE:
        break;
    default:
        return g_strdup("");
    }
    uint64_t end = start + length < start ? UINT64_MAX : start + length;
    GString *out = g_string_new(NULL);
    VsVmaInfo vma;
    char line[256];
    for (uint64_t at = start;
         at < end && vs_vma_find(vs_thread_process(r->thread), at, &vma) && vma.start < end;
         at = vma.end)
        g_string_append_printf(out, "    model VMA %s\n", vs_vma_maps_line(&vma, line, sizeof line));
    if (!out->len)
        g_string_append(out, "    no VMA of the model's there\n");
    return g_string_free(out, FALSE);
}

/* Runs one call in the model, checks the model's invariants, and mirrors it to the agent. */
static gboolean run_call(Run *r, const Call *c, guint position, GError **error)
{
    VsOp op;
    if (position >= r->ran->len)
        g_array_set_size(r->ran, position + 1);
    if (!resolve(r, c, &op))
        return TRUE;
    VsOutcome outcome;
    vs_op_execute(r->thread, &op, &outcome);
    g_array_index(r->ran, guint8, position) = inert(&op, &outcome) ? VS_RAN_INERT : VS_RAN_ACTIVE;
    r->calls++;
    track(r, c, &op, &outcome);
    char problem[256];
    if (!vs_check(r->system, problem, sizeof problem)) {
        found(r, position, op.kind, "invariant",
              g_strdup_printf("the model's invariant checker failed after %s: %s",
                              vs_op_spec(op.kind)->name, problem));
        return TRUE;
    }
    if (!r->session)
        return TRUE;
    VsJudgement judgement;
    g_string_truncate(r->lines, 0);
    if (!vs_posix_mirror(r->session, r->thread, &op, &outcome, &judgement, r->lines, error))
        return FALSE;
    count(r, &judgement);
    if (judgement.kind == VS_JUDGED_UNEXPLAINED) {
        g_autofree char *where = aimed_at(r, &op);
        found(r, position, op.kind, judgement.field,
              g_strdup_printf("%s diverges:\n%s%s", vs_op_spec(op.kind)->name, r->lines->str,
                              where));
    }
    return TRUE;
}

/* ---- Generating ------------------------------------------------------------------------------- */

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
        VS_PROT_NONE, VS_PROT_READ, VS_PROT_READ | VS_PROT_WRITE, VS_PROT_READ | VS_PROT_WRITE,
        VS_PROT_READ | VS_PROT_EXEC, VS_PROT_READ | VS_PROT_WRITE | VS_PROT_EXEC, VS_PROT_WRITE,
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

/* Aims argument 0 of c and fits *length to the memory the agent takes calls on: into the arena,
 * or into a mapping the kernel placed (an offset inside it, rarely a byte off a page). */
static void aim(Rng *rng, const Run *r, Call *c, uint64_t *length)
{
    if (r->live->len && chance(rng, 35)) {
        const Live *live = &g_array_index(r->live, Live, below(rng, r->live->len));
        uint64_t pages = MAX(page_up(live->size) / PAGE, 1);
        c->base = (gint)live->id;
        c->op.arg[0] = PAGES(chance(rng, 50) ? 0 : below(rng, pages)) + (chance(rng, 97) ? 0 : 1);
    } else {
        c->base = ARENA_NAME;
        c->op.arg[0] = arena_offset(rng);
    }
    uint64_t address = value_of(r, c->base) + c->op.arg[0];
    const Range *range = ranges_holding(r->owned, address, 1);
    if (length && range)
        *length = MIN(*length, range->end - address);
}

/* A memfd: mostly the prefix's, else one a later memfd_create made. */
static gint pick_memfd(Rng *rng, const Run *r)
{
    if (r->memfds->len <= 1 || chance(rng, 70))
        return FUZZ_MEMFD;
    return (gint)g_array_index(r->memfds, guint, 1 + below(rng, r->memfds->len - 1));
}

/* mmap: anonymous or of one of the descriptors, placed by the kernel, by a hint, or fixed into
 * the arena or over part of a placed mapping. */
static void generate_mmap(Rng *rng, const Run *r, Call *c)
{
    uint64_t *a = c->op.arg;
    gboolean file = chance(rng, 25);
    uint64_t length = pick_length(rng);
    uint32_t type = chance(rng, 70) ? VS_MAP_PRIVATE : VS_MAP_SHARED;
    uint32_t flags = type | (file ? 0 : VS_MAP_ANONYMOUS) | (chance(rng, 10) ? VS_MAP_NORESERVE : 0);
    unsigned placement = (unsigned)below(rng, 100);
    c->op.kind = VS_OP_MMAP;
    if (placement < 40) {
        c->base = NO_NAME; /* NULL: the kernel places it */
        if (chance(rng, 4))
            length = PAGES(512) * (1 + below(rng, 2)); /* 2 MB multiples: THP-aligned placement */
        else if (chance(rng, 1))
            length = chance(rng, 50) ? (uint64_t)1 << 47 : (uint64_t)-PAGE;
    } else {
        aim(rng, r, c, &length);
        flags |= placement < 70 ? VS_MAP_FIXED : placement < 88 ? VS_MAP_FIXED_NOREPLACE : 0;
    }
    if (chance(rng, 3)) { /* bad flags: no type, an unknown one validated, both fixed kinds */
        static const uint32_t bad[] = {0, VS_MAP_SHARED_VALIDATE | 0x200000u,
                                       VS_MAP_FIXED | VS_MAP_FIXED_NOREPLACE};
        flags = (flags & ~(uint32_t)VS_MAP_TYPE) | PICK(rng, bad);
    }
    a[1] = length, a[2] = pick_prot(rng), a[3] = flags, a[4] = (uint64_t)-1, a[5] = 0;
    if (file) {
        static const uint64_t offsets[] = {0, 0, PAGES(1), PAGES(8), PAGES(31), PAGES(64), 100};
        c->fd_of = chance(rng, 40) ? FUZZ_FILE_FD : pick_memfd(rng, r);
        a[5] = PICK(rng, offsets);
    }
}

/* munmap, mprotect, madvise, msync, mincore: (address, length[, third]). */
static void generate_range(Rng *rng, const Run *r, Call *c, VsOpKind kind)
{
    static const uint32_t advice[] = {
        VS_MADV_NORMAL,   VS_MADV_RANDOM,  VS_MADV_SEQUENTIAL, VS_MADV_WILLNEED,
        VS_MADV_DONTNEED, VS_MADV_DONTNEED, VS_MADV_FREE,      VS_MADV_REMOVE,
        VS_MADV_DONTFORK, VS_MADV_DOFORK,
    };
    static const uint32_t sync[] = {VS_MS_ASYNC, VS_MS_SYNC, VS_MS_SYNC, VS_MS_INVALIDATE,
                                    VS_MS_SYNC | VS_MS_INVALIDATE};
    uint64_t length = pick_length(rng);
    c->op.kind = kind;
    aim(rng, r, c, &length);
    c->op.arg[1] = length;
    if (kind == VS_OP_MPROTECT)
        c->op.arg[2] = pick_prot(rng);
    else if (kind == VS_OP_MADVISE)
        c->op.arg[2] = chance(rng, 97) ? PICK(rng, advice) : chance(rng, 50) ? 7 : 99;
    else if (kind == VS_OP_MSYNC)
        c->op.arg[2] = chance(rng, 96) ? PICK(rng, sync) : chance(rng, 50) ? 0x8 : 0x5;
}

/* mremap: grow or shrink in place, move (where the kernel likes, or fixed into the arena). */
static void generate_mremap(Rng *rng, const Run *r, Call *c)
{
    static const uint32_t flags[] = {0, VS_MREMAP_MAYMOVE, VS_MREMAP_MAYMOVE, VS_MREMAP_MAYMOVE,
                                     VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED};
    uint64_t *a = c->op.arg;
    uint64_t old_size = pick_length(rng);
    c->op.kind = VS_OP_MREMAP;
    aim(rng, r, c, &old_size);
    a[1] = old_size;
    a[2] = chance(rng, 50) ? old_size + pick_length(rng) : pick_length(rng);
    a[3] = chance(rng, 97) ? PICK(rng, flags)
           : chance(rng, 50) ? VS_MREMAP_FIXED
                             : VS_MREMAP_MAYMOVE | VS_MREMAP_DONTUNMAP;
    if (a[3] & VS_MREMAP_FIXED) {
        c->base4 = ARENA_NAME;
        a[4] = arena_offset(rng);
    }
}

/* Descriptors: resize the prefix's memfd, make another, close one. */
static void generate_fd(Rng *rng, const Run *r, Call *c)
{
    static const uint64_t sizes[] = {0, PAGES(8), PAGES(MEMFD_PAGES), PAGES(100), PAGES(3) + 5,
                                     (uint64_t)-1};
    unsigned roll = (unsigned)below(rng, 100);
    if (roll < 55 || r->memfds->len >= 8) {
        c->op.kind = VS_OP_FTRUNCATE;
        c->fd_of = pick_memfd(rng, r);
        c->op.arg[1] = PICK(rng, sizes);
    } else if (roll < 80) {
        static const uint32_t flags[] = {0, VS_MFD_CLOEXEC, VS_MFD_ALLOW_SEALING};
        c->op.kind = VS_OP_MEMFD_CREATE;
        g_strlcpy(c->op.text, "fuzz", sizeof c->op.text);
        c->op.arg[0] = 1;
        c->op.arg[1] = PICK(rng, flags);
    } else if (r->memfds->len > 1 && chance(rng, 85)) {
        c->op.kind = VS_OP_CLOSE;
        c->fd_of = (gint)g_array_index(r->memfds, guint, 1 + below(rng, r->memfds->len - 1));
    } else {
        c->op.kind = VS_OP_CLOSE; /* one never opened: EBADF (the agent's own are >= 900) */
        c->op.arg[0] = chance(rng, 50) ? 40 : 900;
    }
}

static Call generate(Rng *rng, const Run *r, guint id)
{
    Call c = {.id = id, .base = NO_NAME, .base4 = NO_NAME, .fd_of = NO_NAME};
    unsigned roll = (unsigned)below(rng, 100);
    if (r->live->len > LIVE_MAX && roll < 10) {
        /* Placed mappings pile up: unmap one, so the state stays a size to learn from. */
        const Live *live = &g_array_index(r->live, Live, below(rng, r->live->len));
        c.op.kind = VS_OP_MUNMAP;
        c.base = (gint)live->id;
        c.op.arg[1] = live->size;
    } else if (roll < 18) {
        generate_mmap(rng, r, &c);
    } else if (roll < 28) {
        generate_range(rng, r, &c, VS_OP_MUNMAP);
    } else if (roll < 40) {
        generate_range(rng, r, &c, VS_OP_MPROTECT);
    } else if (roll < 50) {
        generate_range(rng, r, &c, VS_OP_MADVISE);
    } else if (roll < 57) {
        generate_mremap(rng, r, &c);
    } else if (roll < 61) {
        generate_range(rng, r, &c, VS_OP_MSYNC);
    } else if (roll < 67) {
        generate_range(rng, r, &c, VS_OP_MINCORE);
    } else if (roll < 79) {
        c.op.kind = VS_OP_READ;
        aim(rng, r, &c, NULL);
    } else if (roll < 91) {
        c.op.kind = VS_OP_WRITE;
        aim(rng, r, &c, NULL);
        c.op.arg[1] = below(rng, 256);
    } else if (roll < 96) {
        generate_fd(rng, r, &c);
    } else {
        generate_mmap(rng, r, &c);
    }
    return c;
}

/* The calls every sequence starts with: a memfd of 64 pages, and a file of 32 pages of 'Z's. */
static void prefix_calls(GArray *sequence)
{
    Call calls[PREFIX_CALLS] = {
        {.op = {.kind = VS_OP_MEMFD_CREATE, .arg = {1, 0}, .text = "fuzz"}},
        {.op = {.kind = VS_OP_FTRUNCATE, .arg = {0, PAGES(MEMFD_PAGES)}}, .fd_of = FUZZ_MEMFD},
        {.op = {.kind = VS_OP_DECLARE_FILE, .arg = {1, PAGES(FILE_PAGES), 'Z', 0},
                .text = "fuzz.bin"}},
        {.op = {.kind = VS_OP_OPEN, .arg = {1, VS_O_RDWR}, .text = "fuzz.bin"}},
    };
    for (guint i = 0; i < PREFIX_CALLS; i++) {
        calls[i].id = i;
        calls[i].base = calls[i].base4 = NO_NAME;
        if (i != 1)
            calls[i].fd_of = NO_NAME;
        g_array_append_val(sequence, calls[i]);
    }
}

/* ---- Replaying and shrinking ------------------------------------------------------------------ */

/* Runs a sequence from scratch: TRUE when it comes to the same finding (the call and the field),
 * and then the sequence is cut after the call where it did. keep (if not NULL) gets the run. */
static gboolean reproduces(const VsFuzzOptions *o, GArray *sequence, VsOpKind kind,
                           const char *field, Run *keep, GError **error)
{
    Run r;
    if (!run_start(&r, o, error)) {
        run_finish(&r);
        return FALSE;
    }
    for (guint i = 0; i < sequence->len && !r.found; i++)
        if (!run_call(&r, &g_array_index(sequence, Call, i), i, error)) {
            run_finish(&r);
            return FALSE;
        }
    gboolean same = r.found && r.found_kind == kind && strcmp(r.found_field, field) == 0;
    if (same)
        g_array_set_size(sequence, r.found_at + 1);
    if (keep) {
        run_finish(keep);
        *keep = r;
    } else {
        run_finish(&r);
    }
    return same;
}

typedef struct Finding {
    const VsFuzzOptions *o;
    VsOpKind kind;
    const char *field;
} Finding;

static gboolean reproduces_finding(void *context, GArray *candidate, GError **error)
{
    const Finding *f = context;
    return reproduces(f->o, candidate, f->kind, f->field, NULL, error);
}

/* ---- Writing the reproducer ------------------------------------------------------------------- */

static char *hex(uint64_t value)
{
    if (value == (uint64_t)-1)
        return g_strdup("-1");
    return value < 10 ? g_strdup_printf("%" G_GUINT64_FORMAT, value)
                      : g_strdup_printf("0x%" G_GINT64_MODIFIER "x", value);
}

/* value as the constants of vadsim.h whose names start with prefix, joined by |: bits for
 * PROT_, MAP_, MS_, MREMAP_, MFD_ (composites skipped); one value for MADV_. */
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
        g_autofree char *number = hex(rest);
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
        const Call *c = &g_array_index(sequence, Call, i);
        if (c->id != (guint)id)
            continue;
        gboolean fd = c->op.kind == VS_OP_MEMFD_CREATE || c->op.kind == VS_OP_OPEN;
        return g_strdup_printf("%s%u", fd ? "fd" : "m", c->id);
    }
    return g_strdup("?");
}

static char *address_text(gint base, uint64_t offset, GArray *sequence)
{
    if (base == NO_NAME)
        return offset ? hex(offset) : g_strdup("NULL");
    g_autofree char *name = base == ARENA_NAME ? g_strdup("arena")
                                               : result_name(sequence, base);
    if (!offset)
        return g_steal_pointer(&name);
    g_autofree char *number = hex(offset);
    return g_strdup_printf("%s + %s", name, number);
}

/* An argument as a scenario writes it: names for flags, mappings and descriptors. */
static char *argument_text(const Call *c, int i, GArray *sequence)
{
    const VsOpSpec *spec = vs_op_spec(c->op.kind);
    uint64_t v = c->op.arg[i];
    if (i == 0 && (spec->address_args & 1))
        return address_text(c->base, v, sequence);
    if (i == 4 && c->op.kind == VS_OP_MREMAP)
        return address_text(c->base4, v, sequence);
    if (i == fd_arg(c->op.kind) && c->fd_of != NO_NAME)
        return result_name(sequence, c->fd_of);
    if ((spec->string_args & (1u << i)) && v)
        return g_strdup_printf("\"%s\"", c->op.kind == VS_OP_DECLARE_FILE && i == 3
                                             ? c->op.contents : c->op.text);
    switch (c->op.kind) {
    case VS_OP_MMAP:
        return i == 2 ? flags_text(v, "PROT_", TRUE) : i == 3 ? flags_text(v, "MAP_", TRUE) : hex(v);
    case VS_OP_MPROTECT: return i == 2 ? flags_text(v, "PROT_", TRUE) : hex(v);
    case VS_OP_MADVISE: return i == 2 ? flags_text(v, "MADV_", FALSE) : hex(v);
    case VS_OP_MSYNC: return i == 2 ? flags_text(v, "MS_", TRUE) : hex(v);
    case VS_OP_MREMAP: return i == 3 ? flags_text(v, "MREMAP_", TRUE) : hex(v);
    case VS_OP_MEMFD_CREATE: return i == 1 ? flags_text(v, "MFD_", TRUE) : hex(v);
    case VS_OP_OPEN: return i == 1 ? g_strdup(v == VS_O_RDWR ? "O_RDWR" : "O_RDONLY") : hex(v);
    case VS_OP_DECLARE_FILE: return i == 3 ? g_strdup("NULL") : hex(v);
    default: return hex(v);
    }
}

/* Whether a later call of the sequence names what call i returned. */
static gboolean named_later(GArray *sequence, guint i)
{
    guint id = g_array_index(sequence, Call, i).id;
    for (guint k = i + 1; k < sequence->len; k++) {
        const Call *c = &g_array_index(sequence, Call, k);
        if (c->base == (gint)id || c->fd_of == (gint)id)
            return TRUE;
    }
    return FALSE;
}

static void write_call(GString *out, GArray *sequence, guint i)
{
    const Call *c = &g_array_index(sequence, Call, i);
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

static gboolean write_reproducer(const VsFuzzOptions *o, GArray *sequence, const Run *final,
                                 VsFuzzReport *report, GError **error)
{
    GString *out = g_string_new(NULL);
    g_string_append_printf(out,
                           "# Found by: vadsim fuzz --backend=posix --seed %" G_GUINT64_FORMAT
                           " --calls %" G_GUINT64_FORMAT "\n# Shrunk from %" G_GUINT64_FORMAT
                           " calls to %u.\n", o->seed, o->calls, report->shrunk_from,
                           sequence->len);
    g_auto(GStrv) lines = g_strsplit(report->finding, "\n", -1);
    for (char **line = lines; *line; line++)
        if (line == lines || strstr(*line, "DIVERGES"))
            g_string_append_printf(out, "#   %s\n", g_strstrip(*line));
    g_string_append(out, "# Reproduce with: vadsim verify --backend=posix THIS_FILE\n");
    g_string_append_printf(out, "title \"posix fuzz seed %" G_GUINT64_FORMAT ": %s\"\n"
                           "system linux-x64", o->seed, vs_op_spec(final->found_kind)->name);
    if (o->ram_bytes)
        g_string_append_printf(out, " ram=%" G_GUINT64_FORMAT "K", o->ram_bytes >> 10);
    if (final->system_options)
        g_string_append_printf(out, " %s", final->system_options);
    g_string_append_printf(out, "\n\nstep \"A memfd and a file to map; the arena is free address "
                           "space above mmap_base in both systems\"\narena = 0x%"
                           G_GINT64_MODIFIER "X\n", final->arena);
    GArray *ran = g_array_new(FALSE, FALSE, sizeof(Call));
    for (guint i = 0; i < sequence->len; i++)
        if (i < final->ran->len && g_array_index(final->ran, guint8, i) != VS_RAN_SKIPPED)
            g_array_append_val(ran, g_array_index(sequence, Call, i));
    for (guint i = 0; i < ran->len; i++) {
        if (i == PREFIX_CALLS && ran->len > PREFIX_CALLS + 1)
            g_string_append(out, "\nstep \"The calls that lead up to it\"\n");
        if (i == ran->len - 1)
            g_string_append(out, "\nstep \"The call where the two systems differ\"\n");
        write_call(out, ran, i);
    }
    g_array_free(ran, TRUE);
    gboolean ok = vs_fuzz_save_reproducer(o, "linux", out, report, error);
    g_string_free(out, TRUE);
    return ok;
}

/* ---- The run ---------------------------------------------------------------------------------- */

/* Generates and runs calls until the budget is spent or something unexplained turns up. */
static gboolean explore(const VsFuzzOptions *o, Run *r, GArray *sequence, GError **error)
{
    VsRng rng = {o->seed};
    GTimer *timer = g_timer_new();
    double last = 0;
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < sequence->len && !r->found; i++)
        ok = run_call(r, &g_array_index(sequence, Call, i), i, error);
    while (ok && !r->found && r->calls < o->calls) {
        Call c = generate(&rng, r, sequence->len);
        g_array_append_val(sequence, c);
        ok = run_call(r, &c, sequence->len - 1, error);
        vs_fuzz_progress(o, r->calls, timer, &last);
    }
    g_timer_destroy(timer);
    return ok;
}

gboolean vs_fuzz_posix_run(const VsFuzzOptions *o, VsFuzzReport *report, GError **error)
{
    memset(report, 0, sizeof *report);
    Run r;
    if (!run_start(&r, o, error)) {
        run_finish(&r);
        return FALSE;
    }
    report->backend = r.session ? "linux" : "model";
    GArray *sequence = g_array_new(FALSE, FALSE, sizeof(Call));
    prefix_calls(sequence);
    GTimer *timer = g_timer_new();
    gboolean ok = explore(o, &r, sequence, error);
    report->seconds = g_timer_elapsed(timer, NULL);
    g_timer_destroy(timer);
    report->calls = r.calls;
    report->matched = r.matched;
    report->known = r.known;
    report->unsupported = r.unsupported;
    report->tally = g_hash_table_ref(r.tally);
    if (ok && r.found) {
        report->found = TRUE;
        report->finding = g_strdup(r.finding);
        report->shrunk_from = sequence->len;
        Finding finding = {o, r.found_kind, NULL};
        char field[32];
        g_strlcpy(field, r.found_field, sizeof field);
        finding.field = field;
        GArray *ran = g_array_ref(r.ran);
        run_finish(&r);
        if (o->progress) {
            g_autofree char *line = g_strdup_printf("call %u diverges (checking that a fresh "
                                                    "run finds it again): %s",
                                                    sequence->len, report->finding);
            o->progress(o->progress_context, line);
        }
        /* A finding a fresh run does not come to again (the kernel reclaimed a page, say) cannot
         * be shrunk: say so now rather than after hours of runs that all miss it. */
        ok = reproduces(o, sequence, finding.kind, field, NULL, error);
        if (ok) {
            VsShrink s = {PREFIX_CALLS, reproduces_finding, &finding, o->progress,
                          o->progress_context, report->shrunk_from, &report->shrink_runs};
            sequence = vs_shrink(&s, sequence, vs_shrink_guess(sequence, ran, PREFIX_CALLS, SHRINK_KEEP_TAIL), error);
        }
        g_array_unref(ran);
        ok = ok && !(error && *error) && reproduces(o, sequence, finding.kind, field, &r, error);
        if (ok) {
            g_free(report->finding);
            report->finding = g_strdup(r.finding);
            report->shrunk_to = sequence->len;
            ok = write_reproducer(o, sequence, &r, report, error);
        } else if (!(error && *error)) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                        "the divergence did not reproduce in a fresh run, so no reproducer was "
                        "written; the same seed and --calls find it again. It was: %s",
                        report->finding);
        }
    }
    run_finish(&r);
    g_array_free(sequence, TRUE);
    return ok;
}
