/*
 * filesystem.c - measures, on the real kernel, two things about the file system the scenario's
 * files live on that decide what the model must predict:
 *
 *   - the read-ahead window: a fault on a file page that is not in the page cache makes the
 *     kernel read a window of pages around it (do_sync_mmap_readahead), as large as the disk's
 *     read_ahead_kb (8 MiB on some virtual disks, 128 KiB by default, one page on tmpfs). mincore
 *     shows those pages, so the model's figure must be the machine's.
 *   - whether a mapping of 2 MiB or more of a regular file is placed 2 MiB-aligned: ext4 and xfs
 *     place through thp_get_unmapped_area, tmpfs (huge=never) and overlayfs do not.
 *   - the largest file it holds (s_maxbytes): a hole punched through a shared mapping
 *     (MADV_REMOVE) that ends past it is EFBIG, and so is a size past it. ext4 with 4 KiB blocks
 *     holds 16 TiB - 4 KiB, xfs and tmpfs 2^63 - 1, which no mapping reaches past.
 *
 * Measured rather than read from /sys: the file system can be a layer (overlayfs in a container)
 * whose block device is not the one st_dev names, and what counts is what the kernel does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "filesystem.h"

#define PROBE_PAGES 16384 /* a 64 MiB sparse file: room for a window of up to 32 MiB */
#define PMD_BYTES (2ull << 20)

/* Pages resident in the page cache after one read fault in the middle of a sparse (so wholly
 * uncached) file: the read-around window, centred on the page. */
static int measure_readahead(int fd, uint64_t page_size, uint64_t *pages)
{
    size_t length = PROBE_PAGES * page_size;
    volatile unsigned char *map = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 0);
    unsigned char *vec = malloc(PROBE_PAGES);
    if (map == MAP_FAILED || !vec) {
        if (map != MAP_FAILED)
            munmap((void *)map, length);
        free(vec);
        return -1;
    }
    (void)map[(PROBE_PAGES / 2) * page_size];
    int result = mincore((void *)map, length, vec);
    *pages = 0;
    for (size_t i = 0; result == 0 && i < PROBE_PAGES; i++)
        *pages += vec[i] & 1;
    munmap((void *)map, length);
    free(vec);
    return result;
}

/* Two 4 MiB mappings at file offsets one and two pages: an aligning file system places each so
 * address and offset agree modulo 2 MiB; one that does not puts them one under the other, where
 * they cannot both agree. */
static int measure_alignment(int fd, uint64_t page_size, uint64_t *align)
{
    size_t length = 2 * PMD_BYTES;
    void *one = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, (off_t)page_size);
    void *two = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, (off_t)(2 * page_size));
    int result = one == MAP_FAILED || two == MAP_FAILED ? -1 : 0;
    bool aligned = result == 0 && (uintptr_t)one % PMD_BYTES == page_size &&
                   (uintptr_t)two % PMD_BYTES == 2 * page_size;
    *align = aligned ? PMD_BYTES : page_size;
    if (one != MAP_FAILED)
        munmap(one, length);
    if (two != MAP_FAILED)
        munmap(two, length);
    return result;
}

/* Whether a hole punched in the file may end at byte end: vfs_fallocate answers EFBIG past the
 * largest file (before it asks the file system, so one that cannot punch answers otherwise). A
 * byte beyond the file's end punches nothing. */
static bool may_end_at(int fd, uint64_t end)
{
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(end - 1), 1) == 0 ||
           errno != EFBIG;
}

/* The largest file, by bisection over where a one-byte hole may end: 63 calls. */
static void measure_max_bytes(int fd, uint64_t *max_bytes)
{
    uint64_t low = 1, high = INT64_MAX; /* low fits; high is the most that could */
    while (low < high) {
        uint64_t middle = low + (high - low + 1) / 2;
        if (may_end_at(fd, middle))
            low = middle;
        else
            high = middle - 1;
    }
    *max_bytes = low;
}

int measure_file_system(const char *dir, uint64_t page_size, FileSystemFacts *facts)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/.vadsim-probe", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int result = ftruncate(fd, (off_t)(PROBE_PAGES * page_size));
    if (result == 0)
        result = measure_readahead(fd, page_size, &facts->readahead_pages);
    if (result == 0)
        result = measure_alignment(fd, page_size, &facts->file_align);
    if (result == 0)
        measure_max_bytes(fd, &facts->max_bytes);
    int saved = errno;
    close(fd);
    unlink(path);
    errno = saved;
    return result;
}
