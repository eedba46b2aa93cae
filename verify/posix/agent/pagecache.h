/*
 * pagecache.h - keeps the kernel from changing the page cache of the scenario's files (regular
 * files, memfds, shm objects, shared anonymous memory) behind the model's back: no reclaim of
 * their cached pages, no writeback at a moment of the kernel's choosing (pagecache.c says how and
 * why).
 */
#ifndef VADSIM_AGENT_POSIX_PAGECACHE_H
#define VADSIM_AGENT_POSIX_PAGECACHE_H

#include <stdint.h>

/* Reserves the address space the pins live in; call before the arena is placed. 0 on failure. */
int pin_space_reserve(uint64_t page_size);
/* Whether a file's size can change: a shared anonymous mapping's shmem file keeps the size it
 * was made with (mremap past it finds no pages: SIGBUS), so its pin need cover no more. */
typedef enum PinGrowth { PIN_CAN_GROW, PIN_FIXED_SIZE } PinGrowth;

/* Pins the file at path from now on: a regular file, a memfd through /proc/self/fd/N, an shm
 * object through /dev/shm/NAME, shared anonymous memory through /proc/self/map_files/START-END.
 * Once per file; one it has no room for, or a hugetlbfs file, is left unpinned. Its descriptor is
 * moved to high_fd or above. Pins of files the process can no longer reach are let go here. */
void pin_file(const char *path, PinGrowth growth, int high_fd);
/* Whether the process pins any file now. */
int pins_held(void);
/* Locks every pin on fault again (on), or unlocks them all, so that they count nothing against
 * a limit the scenario sets (locks.c): mapped, a pin still keeps DAMON away. */
void pins_lock(int on);
/* After each request the process serves: holds every cached page of every pinned file, and
 * writes dirty ones of disk files back. */
void pin_refresh(void);

#endif
