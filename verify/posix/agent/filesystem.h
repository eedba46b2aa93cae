/*
 * filesystem.h - what the agent measures of the file system its scenario files live on: the
 * kernel's behaviour there that the model must be told, since no scenario can know it.
 */
#ifndef VADSIM_AGENT_POSIX_FILESYSTEM_H
#define VADSIM_AGENT_POSIX_FILESYSTEM_H

#include <stdint.h>

typedef struct FileSystemFacts {
    uint64_t readahead_pages; /* pages a fault on an uncached file page brings into the cache */
    uint64_t file_align;      /* 2 MiB if big file mappings are placed 2 MiB-aligned, else a page */
    uint64_t max_bytes;       /* the largest file (s_maxbytes): a hole or size past it is EFBIG */
} FileSystemFacts;

/* Measures them on a scratch file in dir (removed again). 0, or -1 with errno set. */
int measure_file_system(const char *dir, uint64_t page_size, FileSystemFacts *facts);

#endif
