/*
 * arena.c - the arena (arena.h): 1 GiB at a 2 MiB boundary, a PROT_NONE shared view of an empty
 * memfd ("vadsim-arena"; a shared mapping never merges with the scenario's private ones), right
 * above the kernel's placement point once every gap above it is filled. Around a call that names
 * arena addresses the PIECES there are unmapped (EXPOSED: the call sees free memory) and whatever
 * is still free afterwards is mapped again, so no hole survives to attract a later mmap(NULL).
 */
#define _GNU_SOURCE
#include "arena.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define ARENA_SIZE (1ull << 30)  /* 1 GiB of address space, nothing committed */
#define ARENA_ALIGN (2ull << 20) /* a PMD: 2 MiB mmaps below it are THP-aligned as in the model */
#define FILLER_LARGEST (512ull << 20)
#define MAX_GAPS 256
#define P(x) ((void *)(uintptr_t)(x))

static RangeSet pieces; /* the parts of the arena mapped by its memfd right now */
static uint64_t arena_start, arena_end, page;
static int arena_fd;
static dev_t arena_dev; /* the memfd's device and inode, to know arena pieces in maps */
static ino_t arena_ino;

static uint64_t round_down(uint64_t a) { return a & ~(page - 1); }
static uint64_t round_up(uint64_t a)
{
    return a > UINT64_MAX - page ? round_down(UINT64_MAX) : round_down(a + page - 1);
}

Range arena_range(void) { return (Range){arena_start, arena_end}; }

int arena_covers(uint64_t start, uint64_t end) { return set_covers(&pieces, start, end); }

int arena_is_piece(const MapsLine *l)
{
    return l->inode == arena_ino && l->dev_major == major(arena_dev) &&
           l->dev_minor == minor(arena_dev);
}

/* Maps the arena: 1 GiB of an empty memfd, PROT_NONE and shared, at the highest 2 MiB boundary
 * of a reservation the kernel placed (the excess is unmapped again). 0 on failure. */
int arena_create(uint64_t page_size, int high_fd)
{
    page = page_size;
    int fd = memfd_create("vadsim-arena", MFD_CLOEXEC);
    struct stat st;
    arena_fd = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, high_fd);
    if (fd >= 0)
        close(fd);
    if (arena_fd < 0 || fstat(arena_fd, &st) != 0)
        return 0;
    arena_dev = st.st_dev, arena_ino = st.st_ino;
    uint64_t room = ARENA_SIZE + ARENA_ALIGN;
    void *reserve = mmap(NULL, room, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserve == MAP_FAILED)
        return 0;
    uint64_t base = (uint64_t)(uintptr_t)reserve;
    uint64_t start = (base + ARENA_ALIGN) & ~(ARENA_ALIGN - 1);
    if (mmap(P(start), ARENA_SIZE, PROT_NONE, MAP_SHARED | MAP_FIXED, arena_fd, 0) == MAP_FAILED)
        return 0;
    if (start > base)
        munmap(P(base), start - base);
    if (base + room > start + ARENA_SIZE)
        munmap(P(start + ARENA_SIZE), base + room - start - ARENA_SIZE);
    arena_start = start, arena_end = start + ARENA_SIZE;
    return set_add(&pieces, arena_start, arena_end);
}

/* Fills every gap above the arena with PROT_NONE fillers, from 512 MiB halving to a page: a
 * mapping of each size is kept while the kernel puts it above the arena (it filled a gap there,
 * research 1.4: the highest gap that fits), and the next size is tried once it lands below. */
void arena_fill_above(void)
{
    for (uint64_t size = FILLER_LARGEST; size >= page; size /= 2) {
        for (;;) {
            void *p =
                mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (p == MAP_FAILED)
                break;
            if ((uint64_t)(uintptr_t)p >= arena_end)
                continue;
            munmap(p, size);
            break;
        }
    }
}

/* Whether mmap(NULL, page) now lands at A - page, as the model's first mapping does at M - page. */
int arena_placement_checked(void)
{
    void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int ok = p == P(arena_start - page);
    if (p != MAP_FAILED)
        munmap(p, page);
    return ok;
}

void expose_add(Exposure *e, uint64_t start, uint64_t length)
{
    uint64_t end = start + length < start ? UINT64_MAX : start + length;
    Range r = {MAX(round_down(start), arena_start), MIN(round_up(end), arena_end)};
    if (r.start >= r.end)
        return;
    for (int i = 0; i < e->count;) {
        if (e->range[i].end >= r.start && e->range[i].start <= r.end) {
            r = (Range){MIN(r.start, e->range[i].start), MAX(r.end, e->range[i].end)};
            e->range[i] = e->range[--e->count];
        } else {
            i++;
        }
    }
    e->range[e->count++] = r;
}

int arena_expose(const Exposure *e)
{
    for (int i = 0; i < e->count; i++) {
        Range x = e->range[i];
        for (size_t j = 0; j < pieces.count; j++) {
            uint64_t lo = MAX(pieces.range[j].start, x.start);
            uint64_t hi = MIN(pieces.range[j].end, x.end);
            if (lo < hi && munmap(P(lo), hi - lo) != 0)
                return 0;
        }
        if (!set_remove(&pieces, x.start, x.end))
            return 0;
    }
    return 1;
}

/* The unmapped parts of the exposure, read from maps: up to max of them; *complete is 0 if
 * there may be more. */
static size_t exposure_gaps(const Exposure *e, Range *gaps, size_t max, int *complete)
{
    uint64_t cursor[3];
    size_t n = 0;
    MapsReader m;
    MapsLine l;
    for (int i = 0; i < e->count; i++)
        cursor[i] = e->range[i].start;
    *complete = 1;
    if (!maps_open(&m)) {
        fprintf(stderr, "vadsim-agent-posix: cannot read its maps: %s\n", strerror(errno));
        return 0;
    }
    while (n < max && maps_next(&m, &l)) {
        for (int i = 0; i < e->count && n < max; i++) {
            if (l.end <= cursor[i] || l.start >= e->range[i].end)
                continue;
            if (l.start > cursor[i])
                gaps[n++] = (Range){cursor[i], l.start};
            cursor[i] = l.end;
        }
    }
    maps_close(&m);
    for (int i = 0; i < e->count && n < max; i++)
        if (cursor[i] < e->range[i].end)
            gaps[n++] = (Range){cursor[i], e->range[i].end};
    *complete = n < max;
    return n;
}

/* Maps the arena's memfd again over every part of the exposure the call left unmapped, so no
 * hole in the arena survives the call (a later mmap(NULL) would land in it). */
void arena_refill(const Exposure *e)
{
    Range gaps[MAX_GAPS];
    int complete = 0;
    while (e->count && !complete) {
        size_t n = exposure_gaps(e, gaps, MAX_GAPS, &complete);
        for (size_t i = 0; i < n; i++) {
            Range g = gaps[i];
            if (mmap(P(g.start), g.end - g.start, PROT_NONE, MAP_SHARED | MAP_FIXED_NOREPLACE,
                     arena_fd, (off_t)(g.start - arena_start)) == MAP_FAILED ||
                !set_add(&pieces, g.start, g.end)) {
                fprintf(stderr, "vadsim-agent-posix: cannot refill the arena at %" PRIx64 ": %s\n",
                        g.start, strerror(errno));
                return;
            }
        }
    }
}

void arena_refill_after_fork(void)
{
    Exposure e = {0};
    expose_add(&e, arena_start, arena_end - arena_start);
    arena_refill(&e);
}
