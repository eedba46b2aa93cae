/*
 * generate.c - the POSIX backend's generator of random Linux calls (generator.h): mmap, munmap,
 * mprotect, madvise, mremap, msync, mincore, reads, writes, memfds and a file.
 *
 * Addresses are offsets into the arena (model addresses from mmap_base M up, free in both
 * systems: the agent's arena is there) or into a mapping the kernel placed, named by the id of the
 * call that placed it; a descriptor is named by the call that returned it. Calls stay where the
 * agent takes them - the arena, and what the kernel placed for the scenario, tracked here as the
 * agent tracks it - because a call the agent refuses leaves the two systems apart. Sizes are
 * mostly 1 to 64 pages; a few calls carry bad arguments (unaligned addresses, length 0, bad
 * protections, flags or advice) to compare the order in which errors are found. The maps are
 * compared by the session after every call that can change them, so there is no state to compare
 * here beyond that.
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
#define LIVE_MAX 48 /* placed mappings before the fuzzer unmaps some */

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

/* ---- The run's state ------------------------------------------------------------------------- */

typedef struct PosixFuzz {
    GArray *owned;  /* Range: model addresses the agent takes calls on */
    GArray *memfds; /* guint: ids of the memfd_create calls that made one, the prefix's first */
} PosixFuzz;

static const PosixFuzz *state(const VsFuzzRun *run) { return run->generator; }

static void *start(VsFuzzRun *run)
{
    PosixFuzz *p = g_new0(PosixFuzz, 1);
    run->arena = VS_LINUX_MMAP_BASE;
    p->owned = g_array_new(FALSE, FALSE, sizeof(Range));
    p->memfds = g_array_new(FALSE, FALSE, sizeof(guint));
    ranges_add(p->owned, run->arena, run->arena + ARENA_OWNED);
    return p;
}

static void finish(void *data)
{
    PosixFuzz *p = data;
    g_array_free(p->owned, TRUE);
    g_array_free(p->memfds, TRUE);
    g_free(p);
}

/* ---- Tracking -------------------------------------------------------------------------------- */

/* Whether the agent takes op as the model made it (the POSIX agent's safety rules, in model
 * terms). */
static gboolean takes(const VsFuzzRun *r, const VsOp *op)
{
    const uint64_t *a = op->arg;
    GArray *owned = state(r)->owned;
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
    case VS_OP_MUNMAP:
    case VS_OP_MPROTECT:
    case VS_OP_MADVISE:
    case VS_OP_MSYNC: return ranges_holding(owned, a[0], a[1]) != NULL;
    default: return TRUE;
    }
}

/* Notes what a call placed, returned or unmapped, as the agent notes what it owns. */
static void track(VsFuzzRun *r, const VsFuzzCall *c, const VsOp *op, const VsOutcome *outcome)
{
    PosixFuzz *p = r->generator;
    const uint64_t *a = op->arg;
    if (vs_op_failed(op->kind, outcome->ret))
        return;
    if (op->kind == VS_OP_MEMFD_CREATE || op->kind == VS_OP_OPEN)
        vs_fuzz_set_value(r, c->id, outcome->ret);
    if (op->kind == VS_OP_MEMFD_CREATE)
        g_array_append_val(p->memfds, c->id);
    gboolean fixed = op->kind == VS_OP_MMAP && (a[3] & (VS_MAP_FIXED | VS_MAP_FIXED_NOREPLACE));
    if (op->kind == VS_OP_MMAP || op->kind == VS_OP_MREMAP) {
        uint64_t size = op->kind == VS_OP_MMAP ? a[1] : a[2];
        vs_fuzz_set_value(r, c->id, outcome->ret);
        ranges_add(p->owned, outcome->ret, outcome->ret + page_up(size));
        gboolean moved = op->kind == VS_OP_MREMAP && outcome->ret != a[0];
        if ((op->kind == VS_OP_MMAP && !fixed) || moved) {
            VsFuzzLive live = {c->id, size};
            g_array_append_val(r->live, live);
        }
    }
    if (op->kind == VS_OP_MUNMAP) {
        uint64_t end = a[0] + page_up(a[1]);
        ranges_remove(p->owned, a[0], end);
        ranges_add(p->owned, r->arena, r->arena + ARENA_OWNED); /* the arena stays */
        for (guint i = r->live->len; i-- > 0;) {
            uint64_t base = vs_fuzz_value(r, (gint)g_array_index(r->live, VsFuzzLive, i).id);
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
    case VS_OP_MREMAP: length = MAX(op->arg[1], 1); break;
    case VS_OP_READ:
    case VS_OP_WRITE: break;
    default: return g_strdup("");
    }
    uint64_t end = start + length < start ? UINT64_MAX : start + length;
    GString *out = g_string_new(NULL);
    VsVmaInfo vma;
    char line[256];
    for (uint64_t at = start;
         at < end && vs_vma_find(vs_thread_process(r->thread), at, &vma) && vma.start < end;
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

/* Aims argument 0 of c and fits *length to the memory the agent takes calls on: into the arena,
 * or into a mapping the kernel placed (an offset inside it, rarely a byte off a page). */
static void aim(Rng *rng, const VsFuzzRun *r, VsFuzzCall *c, uint64_t *length)
{
    if (r->live->len && chance(rng, 35)) {
        const VsFuzzLive *live = &g_array_index(r->live, VsFuzzLive, below(rng, r->live->len));
        uint64_t pages = MAX(page_up(live->size) / PAGE, 1);
        c->base = (gint)live->id;
        c->op.arg[0] = PAGES(chance(rng, 50) ? 0 : below(rng, pages)) + (chance(rng, 97) ? 0 : 1);
    } else {
        c->base = VS_FUZZ_ARENA;
        c->op.arg[0] = arena_offset(rng);
    }
    uint64_t address = vs_fuzz_value(r, c->base) + c->op.arg[0];
    const Range *range = ranges_holding(state(r)->owned, address, 1);
    if (length && range)
        *length = MIN(*length, range->end - address);
}

/* A memfd: mostly the prefix's, else one a later memfd_create made. */
static gint pick_memfd(Rng *rng, const VsFuzzRun *r)
{
    if (state(r)->memfds->len <= 1 || chance(rng, 70))
        return FUZZ_MEMFD;
    return (gint)g_array_index(state(r)->memfds, guint, 1 + below(rng, state(r)->memfds->len - 1));
}

/* mmap: anonymous or of one of the descriptors, placed by the kernel, by a hint, or fixed into
 * the arena or over part of a placed mapping. */
static void generate_mmap(Rng *rng, const VsFuzzRun *r, VsFuzzCall *c)
{
    uint64_t *a = c->op.arg;
    gboolean file = chance(rng, 25);
    uint64_t length = pick_length(rng);
    uint32_t type = chance(rng, 70) ? VS_MAP_PRIVATE : VS_MAP_SHARED;
    uint32_t flags =
        type | (file ? 0 : VS_MAP_ANONYMOUS) | (chance(rng, 10) ? VS_MAP_NORESERVE : 0);
    unsigned placement = (unsigned)below(rng, 100);
    c->op.kind = VS_OP_MMAP;
    if (placement < 40) {
        c->base = VS_FUZZ_ABSOLUTE; /* NULL: the kernel places it */
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
        c->handle_of = chance(rng, 40) ? FUZZ_FILE_FD : pick_memfd(rng, r);
        a[5] = PICK(rng, offsets);
    }
}

/* munmap, mprotect, madvise, msync, mincore: (address, length[, third]). */
static void generate_range(Rng *rng, const VsFuzzRun *r, VsFuzzCall *c, VsOpKind kind)
{
    static const uint32_t advice[] = {
        VS_MADV_NORMAL,   VS_MADV_RANDOM, VS_MADV_SEQUENTIAL, VS_MADV_WILLNEED, VS_MADV_DONTNEED,
        VS_MADV_DONTNEED, VS_MADV_FREE,   VS_MADV_REMOVE,     VS_MADV_DONTFORK, VS_MADV_DOFORK,
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
static void generate_mremap(Rng *rng, const VsFuzzRun *r, VsFuzzCall *c)
{
    static const uint32_t flags[] = {0, VS_MREMAP_MAYMOVE, VS_MREMAP_MAYMOVE, VS_MREMAP_MAYMOVE,
                                     VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED};
    uint64_t *a = c->op.arg;
    uint64_t old_size = pick_length(rng);
    c->op.kind = VS_OP_MREMAP;
    aim(rng, r, c, &old_size);
    a[1] = old_size;
    a[2] = chance(rng, 50) ? old_size + pick_length(rng) : pick_length(rng);
    a[3] = chance(rng, 97)   ? PICK(rng, flags)
           : chance(rng, 50) ? VS_MREMAP_FIXED
                             : VS_MREMAP_MAYMOVE | VS_MREMAP_DONTUNMAP;
    if (a[3] & VS_MREMAP_FIXED) {
        c->base2 = VS_FUZZ_ARENA;
        a[4] = arena_offset(rng);
    }
}

/* Descriptors: resize the prefix's memfd, make another, close one. */
static void generate_fd(Rng *rng, const VsFuzzRun *r, VsFuzzCall *c)
{
    static const uint64_t sizes[] = {0,          PAGES(8),     PAGES(MEMFD_PAGES),
                                     PAGES(100), PAGES(3) + 5, (uint64_t)-1};
    unsigned roll = (unsigned)below(rng, 100);
    if (roll < 55 || state(r)->memfds->len >= 8) {
        c->op.kind = VS_OP_FTRUNCATE;
        c->handle_of = pick_memfd(rng, r);
        c->op.arg[1] = PICK(rng, sizes);
    } else if (roll < 80) {
        static const uint32_t flags[] = {0, VS_MFD_CLOEXEC, VS_MFD_ALLOW_SEALING};
        c->op.kind = VS_OP_MEMFD_CREATE;
        g_strlcpy(c->op.text, "fuzz", sizeof c->op.text);
        c->op.arg[0] = 1;
        c->op.arg[1] = PICK(rng, flags);
    } else if (state(r)->memfds->len > 1 && chance(rng, 85)) {
        c->op.kind = VS_OP_CLOSE;
        GArray *memfds = state(r)->memfds;
        c->handle_of = (gint)g_array_index(memfds, guint, 1 + below(rng, memfds->len - 1));
    } else {
        c->op.kind = VS_OP_CLOSE; /* one never opened: EBADF (the agent's own are >= 900) */
        c->op.arg[0] = chance(rng, 50) ? 40 : 900;
    }
}

static VsFuzzCall generate(const VsFuzzRun *r, Rng *rng, guint id)
{
    VsFuzzCall c = VS_FUZZ_CALL(id);
    unsigned roll = (unsigned)below(rng, 100);
    if (r->live->len > LIVE_MAX && roll < 10) {
        /* Placed mappings pile up: unmap one, so the state stays a size to learn from. */
        const VsFuzzLive *live = &g_array_index(r->live, VsFuzzLive, below(rng, r->live->len));
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
    {VS_OP_MMAP, 2, "PROT_", TRUE},        {VS_OP_MMAP, 3, "MAP_", TRUE},
    {VS_OP_MPROTECT, 2, "PROT_", TRUE},    {VS_OP_MADVISE, 2, "MADV_", FALSE},
    {VS_OP_MSYNC, 2, "MS_", TRUE},         {VS_OP_MREMAP, 3, "MREMAP_", TRUE},
    {VS_OP_MEMFD_CREATE, 1, "MFD_", TRUE},
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

static void write_call(GString *out, GArray *sequence, guint i)
{
    const VsFuzzCall *c = &g_array_index(sequence, VsFuzzCall, i);
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
