/*
 * maps.c - /proc/self/maps, read through one static buffer and parsed by hand (maps.h).
 */
#define _GNU_SOURCE
#include "maps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char maps_text[1 << 16];

int maps_open(MapsReader *m)
{
    *m = (MapsReader){open("/proc/self/maps", O_RDONLY | O_CLOEXEC), 0, 0};
    return m->fd >= 0;
}

/* A number in base (16 or 10) at *p, ended by one of the characters in stops (the end of the
 * text, if stops is ""); 0 if none. */
static int take_number(const char **p, int base, const char *stops, uint64_t *out)
{
    const char *q = *p;
    uint64_t v = 0;
    for (;; q++) {
        int d = *q >= '0' && *q <= '9'                 ? *q - '0'
                : base == 16 && *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
                                                       : -1;
        if (d < 0)
            break;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (q == *p || (*stops ? !*q || !strchr(stops, *q) : *q != 0))
        return 0;
    *out = v, *p = *q ? q + 1 : q;
    return 1;
}

/* "start-end perms offset major:minor inode   name" (show_map_vma's format), by hand: a long run
 * reads maps after most calls, and sscanf was most of the agent's time. 0 if malformed. */
static int parse_maps_line(const char *text, MapsLine *l)
{
    const char *p = text;
    uint64_t major, minor;
    if (!take_number(&p, 16, "-", &l->start) || !take_number(&p, 16, " ", &l->end) ||
        strlen(p) < 5 || p[4] != ' ')
        return 0;
    memcpy(l->perms, p, 4);
    l->perms[4] = 0;
    p += 5;
    if (!take_number(&p, 16, " ", &l->offset) || !take_number(&p, 16, ":", &major) ||
        !take_number(&p, 16, " ", &minor) ||
        !(take_number(&p, 10, " ", &l->inode) || take_number(&p, 10, "", &l->inode)))
        return 0;
    l->dev_major = (unsigned)major, l->dev_minor = (unsigned)minor;
    while (*p == ' ')
        p++;
    l->name = p;
    return 1;
}

int smaps_open(MapsReader *m)
{
    *m = (MapsReader){open("/proc/self/smaps", O_RDONLY | O_CLOEXEC), 0, 0};
    return m->fd >= 0;
}

const char *maps_next_text(MapsReader *m, MapsLine *l, int *vma)
{
    for (;;) {
        char *text = maps_text + m->pos, *nl = memchr(text, '\n', m->len - m->pos);
        if (nl) {
            *nl = 0;
            m->pos = (size_t)(nl + 1 - maps_text);
            *vma = parse_maps_line(text, l);
            return text;
        }
        memmove(maps_text, text, m->len - m->pos);
        m->len -= m->pos, m->pos = 0;
        if (m->len == sizeof maps_text)
            m->len = 0; /* a line longer than the buffer (never: paths are shorter) */
        ssize_t got;
        while ((got = read(m->fd, maps_text + m->len, sizeof maps_text - m->len)) < 0 &&
               errno == EINTR)
            ;
        if (got <= 0)
            return NULL;
        m->len += (size_t)got;
    }
}

/* The next line of maps, parsed; 0 at the end. */
int maps_next(MapsReader *m, MapsLine *l)
{
    int vma = 0;
    while (maps_next_text(m, l, &vma))
        if (vma)
            return 1;
    return 0;
}

void maps_close(MapsReader *m)
{
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
}

int maps_free(uint64_t start, uint64_t end)
{
    MapsReader m;
    MapsLine l;
    if (!maps_open(&m))
        return 0;
    int free = 1;
    while (free && maps_next(&m, &l))
        free = l.end <= start || l.start >= end;
    maps_close(&m);
    return free;
}

int proc_read(const char *path, char *text, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd < 0 ? -1 : read(fd, text, size - 1);
    if (fd >= 0)
        close(fd);
    if (got <= 0)
        return 0;
    text[got] = '\0';
    return 1;
}

uint64_t proc_stat_field(int field)
{
    char text[2048];
    if (!proc_read("/proc/self/stat", text, sizeof text))
        return 0;
    char *at = strrchr(text, ')'); /* the fields after the command's parenthesis start at 3 */
    for (int f = 2; at && f < field; f++)
        at = strchr(at + 1, ' ');
    return at ? strtoull(at + 1, NULL, 10) : 0;
}

int smaps_has_flag(const char *text, const char *flag)
{
    if (strncmp(text, "VmFlags:", 8) != 0)
        return 0;
    for (const char *p = text + 8; (p = strstr(p, flag)); p += 2)
        if (p[-1] == ' ' && (p[2] == ' ' || p[2] == 0))
            return 1;
    return 0;
}

uint64_t smaps_bytes(int (*counts)(const MapsLine *vma, const char *vm_flags))
{
    MapsReader m;
    MapsLine l, vma = {0};
    int is_vma;
    uint64_t bytes = 0;
    if (!smaps_open(&m))
        return 0;
    for (const char *text; (text = maps_next_text(&m, &l, &is_vma));) {
        if (is_vma)
            vma = l;
        else if (strncmp(text, "VmFlags:", 8) == 0 && counts(&vma, text))
            bytes += vma.end - vma.start;
    }
    maps_close(&m);
    return bytes;
}
