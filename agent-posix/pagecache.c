/*
 * pagecache.c - keeps the kernel from changing the page cache of the scenario's regular files
 * behind the model's back.
 *
 * The model's page cache changes only by what the scenario does: a written page stays cached until
 * a hole is punched or the file is cut, and nothing happens between two calls. A real kernel also
 * acts on its own time:
 *   - RECLAIM. A cached page no process maps can be evicted at any moment: by kswapd under memory
 *     pressure, or, on this machine, every few seconds by DAMON's proactive reclaim (kdamond, a
 *     "pageout" scheme for unmapped file pages idle for 30 s). mincore then says "not resident",
 *     and the next fault misses, reads ahead and counts a miss the model never sees (readahead.c).
 *   - WRITEBACK. The flusher thread writes dirty pages out 30 s after they were dirtied, and holds
 *     each page's lock for a moment while it starts; a fault-around meeting the lock skips the
 *     page, so the open file's miss count moves by one where the model's does not.
 * Long fuzz runs met both (issue 8: a "model resident, kernel not resident" mincore after tens of
 * thousands of calls, never at the same call twice; the kernel's page-cache trace named kdamond).
 *
 * So the agent PINS each regular file the scenario makes or opens: its own read-only shared mapping
 * of the file (through its own open file, whose read-ahead state is not the scenario's),
 * MADV_RANDOM (a fault there reads nothing ahead) and locked on fault (mlock2 MLOCK_ONFAULT). After
 * every request it touches each page the page cache holds - only those, so it never reads a page in
 * - which maps and locks it: mapped and mlocked pages are not reclaimed. And it writes dirty pages
 * back itself, at once (fdatasync), so the flusher never has one to write. Neither changes what the
 * scenario can see: mincore of a file page reports the page cache, which is left as it was; the
 * scenario's faults count hits and misses in its own open file; a punched hole unmaps the pin too.
 * (pagemap's "exclusive" bit of a file page would see the pin's mapping; the harness does not
 * compare it.)
 *
 * The pins live in address space reserved at start-up, before the arena is placed, so pinning a
 * file later maps nothing where the scenario's next mmap(NULL) would go.
 */
#define _GNU_SOURCE
#include "pagecache.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PIN_SPACE (1ull << 30) /* room for every pin */
#define PIN_SPAN (64ull << 20) /* one file's pin: the first 64 MiB of it */
#define MAX_PINS (PIN_SPACE / PIN_SPAN)
#define SYS_CACHESTAT 451      /* Linux 6.5+, every architecture; glibc 2.36 has no wrapper */

typedef struct Pin {
    int fd;
    dev_t dev;
    ino_t ino;
    volatile const unsigned char *view;
} Pin;

static Pin pins[MAX_PINS];
static size_t pin_count;
static unsigned char *pin_space;
static uint64_t pin_page_size;
static unsigned char residency[PIN_SPAN / 4096];

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
    return 1;
}

void pin_file(const char *path, int high_fd)
{
    struct stat st;
    if (!pin_space || pin_count == MAX_PINS || pin_page_size != 4096 || stat(path, &st) != 0 ||
        !S_ISREG(st.st_mode))
        return;
    for (size_t i = 0; i < pin_count; i++)
        if (pins[i].dev == st.st_dev && pins[i].ino == st.st_ino)
            return;
    int opened = open(path, O_RDONLY | O_CLOEXEC);
    int fd = opened < 0 ? -1 : fcntl(opened, F_DUPFD_CLOEXEC, high_fd);
    if (opened >= 0)
        close(opened);
    if (fd < 0)
        return;
    unsigned char *at = pin_space + pin_count * PIN_SPAN;
    if (mmap(at, PIN_SPAN, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
        close(fd);
        return;
    }
    madvise(at, PIN_SPAN, MADV_RANDOM);
    mlock2(at, PIN_SPAN, MLOCK_ONFAULT); /* if refused, mapped is enough for DAMON's filter */
    pins[pin_count++] = (Pin){fd, st.st_dev, st.st_ino, at};
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
    struct stat st;
    if (fstat(pin->fd, &st) != 0)
        return;
    uint64_t size = (uint64_t)st.st_size < PIN_SPAN ? (uint64_t)st.st_size : PIN_SPAN;
    uint64_t pages = (size + pin_page_size - 1) / pin_page_size;
    if (pages && mincore((void *)pin->view, pages * pin_page_size, residency) == 0)
        for (uint64_t i = 0; i < pages; i++)
            if (residency[i] & 1)
                (void)pin->view[i * pin_page_size]; /* cached: maps it, reads nothing in */
    if (has_dirty_pages(pin->fd))
        fdatasync(pin->fd);
}

void pin_refresh(void)
{
    for (size_t i = 0; i < pin_count; i++)
        refresh(&pins[i]);
}
