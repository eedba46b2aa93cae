/*
 * maps.h - reads /proc/self/maps line by line, parsed, without stdio or any allocation: the
 * agent promises to map no memory of its own after start-up, and a long run reads maps after
 * most calls.
 */
#ifndef VADSIM_AGENT_POSIX_MAPS_H
#define VADSIM_AGENT_POSIX_MAPS_H

#include <stddef.h>
#include <stdint.h>

/* One line: "start-end perms offset major:minor inode   name" (fs/proc/task_mmu.c show_map_vma). */
typedef struct MapsLine {
    uint64_t start, end, offset, inode;
    unsigned dev_major, dev_minor;
    char perms[5];
    const char *name; /* the path column, "" if none; valid until the next line is read */
} MapsLine;

/* One pass over the file. There is one buffer: one reader open at a time. */
typedef struct MapsReader {
    int fd;
    size_t pos, len;
} MapsReader;

/* 0 (errno set) if /proc/self/maps cannot be opened. */
int maps_open(MapsReader *m);
/* The next line, parsed (malformed lines are skipped); 0 at the end or on a read error. */
int maps_next(MapsReader *m, MapsLine *l);
/* The same for /proc/self/smaps, whose lines are a maps line per VMA, each followed by lines
 * "Name: value" (locks.c reads them): 0 (errno set) if it cannot be opened. */
int smaps_open(MapsReader *m);
/* The next line of either file as it is, without its newline, valid until the next is read; NULL
 * at the end or on a read error. *vma is set when it is a VMA's maps line, parsed into l. */
const char *maps_next_text(MapsReader *m, MapsLine *l, int *vma);
void maps_close(MapsReader *m);
/* Whether no mapping of the process overlaps [start, end) (0 also when maps cannot be read). */
int maps_free(uint64_t start, uint64_t end);
/* Whether a smaps VmFlags line holds the two letters flag ("lo", "wr"). */
int smaps_has_flag(const char *text, const char *flag);
/* The bytes of the VMAs counts accepts, given each VMA's maps line and VmFlags line. */
uint64_t smaps_bytes(int (*counts)(const MapsLine *vma, const char *vm_flags));
/* A /proc file's text into text (size bytes with its terminating NUL): 1, or 0 if unread. */
int proc_read(const char *path, char *text, size_t size);
/* Field field (from 1, as proc_pid_stat(5) numbers them) of /proc/self/stat; 0 if unread. */
uint64_t proc_stat_field(int field);

#endif
