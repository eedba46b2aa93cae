/*
 * pagecache.h - keeps the kernel from changing the page cache of the scenario's regular files
 * behind the model's back: no reclaim of their cached pages, no writeback at a moment of the
 * kernel's choosing (pagecache.c says how and why).
 */
#ifndef VADSIM_AGENT_POSIX_PAGECACHE_H
#define VADSIM_AGENT_POSIX_PAGECACHE_H

#include <stdint.h>

/* Reserves the address space the pins live in; call before the arena is placed. 0 on failure. */
int pin_space_reserve(uint64_t page_size);
/* Pins the regular file at path from now on (once per file; a file it has no room for is left
 * unpinned). Its descriptor is moved to high_fd or above. */
void pin_file(const char *path, int high_fd);
/* After each request: holds every cached page of every pinned file, and writes dirty ones back. */
void pin_refresh(void);

#endif
