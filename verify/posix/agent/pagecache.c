/*
 * pagecache.c - keeps the kernel from changing the page cache of the scenario's files behind the
 * model's back.
 *
 * The model's page cache changes only by what the scenario does: a written page stays cached until
 * a hole is punched or the file is cut, a page once faulted in stays, and nothing happens between
 * two calls. A real kernel also acts on its own time:
 *   - RECLAIM. A cached page no process maps can be evicted at any moment: by kswapd under memory
 *     pressure, or, on this machine, every few seconds by DAMON's proactive reclaim (kdamond, a
 *     "pageout" scheme for unmapped, non-anonymous pages idle for 30 s). mincore then says "not
 *     resident", and the next fault misses, reads ahead and counts a miss the model never sees
 *     (readahead.c). Shared memory is not spared, swap or no swap: a shmem page that was only ever
 *     read is clean (it holds zeros), and a clean page is simply dropped. Measured: of 16 pages of
 *     a memfd, or of a MAP_SHARED|MAP_ANONYMOUS mapping after MADV_DONTNEED, the 8 only read were
 *     gone within a minute, the 8 written stayed.
 *   - WRITEBACK. The flusher thread writes dirty pages out 30 s after they were dirtied, and holds
 *     each page's lock for a moment while it starts; a fault-around meeting the lock skips the
 *     page, so the open file's miss count moves by one where the model's does not.
 * Long fuzz runs met both (issue 8: a "model resident, kernel not resident" mincore after tens of
 * thousands of calls, never at the same call twice; the kernel's page-cache trace named kdamond).
 *
 * So the agent PINS every file whose pages the scenario can see: the regular files it makes or
 * opens, its memfds and shm objects, and the shmem file behind each shared anonymous mapping. A pin
 * is the agent's own read-only shared mapping of the file (through its own open file, whose
 * read-ahead state is not the scenario's), MADV_RANDOM (a fault there reads nothing ahead) and
 * locked on fault (mlock2 MLOCK_ONFAULT). After every request it touches each page the page cache
 * holds - only those, so it never reads a page in or allocates one - which maps and locks it:
 * mapped and mlocked pages are not reclaimed. And it writes dirty pages of disk files back itself,
 * at once (fdatasync), so the flusher never has one to write. Neither changes what the scenario can
 * see: mincore reports the page cache, which is left as it was; the scenario's faults count hits
 * and misses in its own open file; a punched hole unmaps the pin too. (pagemap's "exclusive" bit
 * of a shared page would see the pin's mapping; the harness does not compare it.)
 *
 * A pin is let go when the scenario can reach its file no more: no name (a memfd, shared anonymous
 * memory, a file or shm object since unlinked: st_nlink 0), and no descriptor or mapping of this
 * process's. Until then a pin keeps a file the scenario dropped alive, which nothing compared can
 * see. Each process (the agent and its forked children) keeps and refreshes its own pins; a child
 * inherits its parent's with everything else.
 *
 * The pins live in address space reserved at start-up, before the arena is placed, so pinning a
 * file later maps nothing where the scenario's next mmap(NULL) would go. Like the rest of the agent
 * this file allocates nothing after start-up: no malloc, no stdio, no opendir.
 */
#define _GNU_SOURCE
#include "pagecache.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "maps.h"
#include "rangeset.h"

#define PIN_SLOTS 1024
#define PIN_SPAN (64ull << 20)  /* the most of a file one pin covers: its first 64 MiB */
#define PIN_SPACE (16ull << 30) /* room for every pin: 256 of the longest, far more of others */
#define FIRST_SWEEP 32          /* pins made before the first look for ones to let go */
#define MAX_HELD 4096           /* files a process holds that a sweep can list */
#define SYS_CACHESTAT 451       /* Linux 6.5+, every architecture; glibc 2.36 has no wrapper */

typedef struct FileId {
    dev_t dev;
    ino_t ino;
} FileId;

typedef struct Pin {
    int fd;          /* the pin's own open file; -1 for a free slot */
    int writes_back; /* the file lives on a disk (not tmpfs): its dirty pages are written back */
    FileId file;
    uint64_t view, span; /* where in the pin space it is mapped, and how much */
    uint64_t size;       /* the file's size, for one that cannot grow; 0: ask fstat */
} Pin;

static Pin pins[PIN_SLOTS];
static size_t pins_used, sweep_at = FIRST_SWEEP;
static unsigned char *pin_space;
static RangeSet pin_room; /* the parts of the pin space no pin uses */
static uint64_t pin_page_size;
static unsigned char residency[PIN_SPAN / 4096];
static FileId held[MAX_HELD];
static char dirents[8192];

/* cachestat()'s range and answer (include/uapi/linux/mman.h, not in Debian 12's headers). */
struct cachestat_range {
    uint64_t off, len;
};
struct cachestat {
    uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

int pin_space_reserve(uint64_t page_size)
{
    void *p = mmap(NULL, PIN_SPACE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    pin_space = p;
    pin_page_size = page_size;
    set_add(&pin_room, (uint64_t)(uintptr_t)p, (uint64_t)(uintptr_t)p + PIN_SPACE);
    for (size_t i = 0; i < PIN_SLOTS; i++)
        pins[i].fd = -1;
    return 1;
}

/* ---- Letting pins go ------------------------------------------------------------------------- */

static int is_pin_fd(int fd)
{
    for (size_t i = 0; i < PIN_SLOTS; i++)
        if (pins[i].fd == fd)
            return 1;
    return 0;
}

static int add_held(size_t *count, dev_t dev, ino_t ino)
{
    if (*count == MAX_HELD)
        return 0;
    held[(*count)++] = (FileId){dev, ino};
    return 1;
}

/* The files behind this process's descriptors, the pins' own aside. 0 if it cannot tell. */
static int held_by_descriptors(size_t *count)
{
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return 0;
    long got;
    int ok = 1;
    while (ok && (got = syscall(SYS_getdents64, dir, dirents, sizeof dirents)) > 0)
        for (long at = 0; ok && at < got;) {
            const struct dirent64 *d = (const struct dirent64 *)(dirents + at);
            at += d->d_reclen;
            char *end;
            long fd = strtol(d->d_name, &end, 10);
            struct stat st;
            if (*end || end == d->d_name || fd == dir || is_pin_fd((int)fd) ||
                fstat((int)fd, &st) != 0)
                continue;
            ok = add_held(count, st.st_dev, st.st_ino);
        }
    close(dir);
    return ok && got == 0;
}

/* The files this process maps outside the pins. 0 if it cannot tell. */
static int held_by_mappings(size_t *count)
{
    MapsReader m;
    MapsLine l;
    int ok = maps_open(&m);
    uint64_t space = (uint64_t)(uintptr_t)pin_space;
    while (ok && maps_next(&m, &l))
        if (l.inode && (l.end <= space || l.start >= space + PIN_SPACE))
            ok = add_held(count, makedev(l.dev_major, l.dev_minor), (ino_t)l.inode);
    maps_close(&m);
    return ok;
}

static int same_file(FileId a, FileId b) { return a.dev == b.dev && a.ino == b.ino; }

static int is_held(const Pin *pin, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (same_file(held[i], pin->file))
            return 1;
    return 0;
}

static void release(size_t slot)
{
    /* Back to reserved room: the address space stays the pins' own. */
    Pin *pin = &pins[slot];
    mmap((void *)(uintptr_t)pin->view, pin->span, PROT_NONE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    set_add(&pin_room, pin->view, pin->view + pin->span);
    close(pin->fd);
    pin->fd = -1;
    pins_used--;
}

/* Lets go of every pin whose file the scenario can no longer reach: nameless and neither open
 * nor mapped here. Lets go of nothing if the process's files cannot all be listed. */
static void sweep(void)
{
    size_t count = 0;
    if (!held_by_descriptors(&count) || !held_by_mappings(&count))
        return;
    for (size_t i = 0; i < PIN_SLOTS; i++) {
        struct stat st;
        if (pins[i].fd >= 0 && fstat(pins[i].fd, &st) == 0 && st.st_nlink == 0 &&
            !is_held(&pins[i], count))
            release(i);
    }
}

/* ---- Making and refreshing pins -------------------------------------------------------------- */

static int already_pinned(FileId file)
{
    for (size_t i = 0; i < PIN_SLOTS; i++)
        if (pins[i].fd >= 0 && same_file(pins[i].file, file))
            return 1;
    return 0;
}

/* Room for a pin of span bytes: first fit in what no pin uses. 0 if none. */
static uint64_t take_room(uint64_t span)
{
    for (size_t i = 0; i < pin_room.count; i++) {
        Range r = pin_room.range[i];
        if (r.end - r.start >= span && set_remove(&pin_room, r.start, r.start + span))
            return r.start;
    }
    return 0;
}

/* Sweeps, and sets the next sweep for when the pins left have doubled. */
static void sweep_now(void)
{
    sweep();
    sweep_at = MAX(pins_used * 2, FIRST_SWEEP);
}

/* A free slot and room for span bytes in it; PIN_SLOTS if either is missing. */
static size_t find_slot(uint64_t span, uint64_t *view)
{
    size_t slot = 0;
    while (slot < PIN_SLOTS && pins[slot].fd >= 0)
        slot++;
    return slot < PIN_SLOTS && (*view = take_room(span)) != 0 ? slot : PIN_SLOTS;
}

/* A slot with room for span bytes, sweeping first when pins have piled up since the last sweep,
 * and again when there is none; PIN_SLOTS if there is none even then. */
static size_t take_slot(uint64_t span, uint64_t *view)
{
    if (pins_used >= sweep_at)
        sweep_now();
    size_t slot = find_slot(span, view);
    if (slot == PIN_SLOTS) {
        sweep_now();
        slot = find_slot(span, view);
    }
    return slot;
}

/* The pin's own descriptor for path, at high_fd or above; -1 if it cannot, or should not, be
 * pinned: a hugetlbfs file is never reclaimed. */
static int open_for_pin(const char *path, int high_fd, struct statfs *fs)
{
    int opened = open(path, O_RDONLY | O_CLOEXEC);
    int fd = opened < 0 ? -1 : fcntl(opened, F_DUPFD_CLOEXEC, high_fd);
    if (opened >= 0)
        close(opened);
    if (fd >= 0 && (fstatfs(fd, fs) != 0 || fs->f_type == HUGETLBFS_MAGIC)) {
        close(fd);
        return -1;
    }
    return fd;
}

void pin_file(const char *path, PinGrowth growth, int high_fd)
{
    struct stat st;
    if (!pin_space || pin_page_size != 4096 || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        already_pinned((FileId){st.st_dev, st.st_ino}))
        return;
    uint64_t size = (uint64_t)st.st_size, view = 0;
    uint64_t span = growth == PIN_CAN_GROW || size > PIN_SPAN
                        ? PIN_SPAN
                        : (size + pin_page_size - 1) / pin_page_size * pin_page_size;
    struct statfs fs;
    size_t slot = span ? take_slot(span, &view) : PIN_SLOTS; /* an empty file that stays so */
    int fd = slot < PIN_SLOTS ? open_for_pin(path, high_fd, &fs) : -1;
    void *at = (void *)(uintptr_t)view;
    if (fd < 0 || mmap(at, span, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
        if (fd >= 0)
            close(fd);
        if (view)
            set_add(&pin_room, view, view + span);
        return;
    }
    madvise(at, span, MADV_RANDOM);
    mlock2(at, span, MLOCK_ONFAULT); /* if refused, mapped is enough for DAMON's filter */
    pins[slot] = (Pin){fd,   fs.f_type != TMPFS_MAGIC,         {st.st_dev, st.st_ino}, view,
                       span, growth == PIN_CAN_GROW ? 0 : size};
    pins_used++;
}

/* Whether the file has dirty pages; true where cachestat is missing (then fdatasync decides). */
static int has_dirty_pages(int fd)
{
    struct cachestat_range range = {0, 0}; /* 0: to the end of the file */
    struct cachestat stat;
    if (syscall(SYS_CACHESTAT, fd, &range, &stat, 0) != 0)
        return 1;
    return stat.nr_dirty > 0;
}

static void refresh(const Pin *pin)
{
    volatile const unsigned char *view = (volatile const unsigned char *)(uintptr_t)pin->view;
    uint64_t size = pin->size;
    struct stat st;
    if (!size && fstat(pin->fd, &st) == 0)
        size = (uint64_t)st.st_size;
    uint64_t pages = (MIN(size, pin->span) + pin_page_size - 1) / pin_page_size;
    if (pages && mincore((void *)view, pages * pin_page_size, residency) == 0)
        for (uint64_t i = 0; i < pages; i++)
            if (residency[i] & 1)
                (void)view[i * pin_page_size]; /* cached: maps it, reads nothing in */
    if (pin->writes_back && has_dirty_pages(pin->fd))
        fdatasync(pin->fd);
}

int pins_held(void) { return pins_used > 0; }

void pins_lock(int on)
{
    for (size_t i = 0; i < PIN_SLOTS; i++) {
        void *view = (void *)(uintptr_t)pins[i].view;
        if (pins[i].fd < 0)
            continue;
        if (on)
            mlock2(view, pins[i].span, MLOCK_ONFAULT);
        else
            munlock(view, pins[i].span);
    }
}

void pin_refresh(void)
{
    for (size_t i = 0; i < PIN_SLOTS; i++)
        if (pins[i].fd >= 0)
            refresh(&pins[i]);
}
