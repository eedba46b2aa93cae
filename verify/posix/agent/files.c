/*
 * files.c - the scenario's files (a private directory removed at quit), memfds, and POSIX
 * shared-memory objects (named with a prefix unique to the agent, unlinked at quit); each pinned
 * as it is made or opened, so the kernel keeps its pages as the model does (pagecache.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pagecache.h"
#include "vadsim-agent-posix.h"

/* The path of a scenario's file in the agent's directory; 0 for a name that would leave it. */
static int file_path(const char *name, char *path, size_t room)
{
    if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    return snprintf(path, room, "%s/%s", file_dir, name) < (int)room;
}

/* file sNAME SIZE FILL tTEXT: a new file of SIZE bytes (0: the text's length), the text and then
 * FILL bytes, as the Win32 agent's declared files. Answers 1, or 0 and the errno. */
void do_file(const AgentRequest *r)
{
    char path[PATH_MAX], block[4096];
    size_t length = r->v[3] ? strlen(r->contents) : 0;
    uint64_t size = r->v[1] ? r->v[1] : length, written = 0;
    int fd = -1;
    errno = EINVAL; /* a name that is not a plain file name */
    if (r->v[0] && file_path(r->text, path, sizeof path))
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    int ok = fd >= 0;
    while (ok && written < size) {
        size_t chunk = (size_t)MIN(size - written, sizeof block);
        for (size_t i = 0; i < chunk; i++)
            block[i] = written + i < length ? r->contents[written + i] : (char)r->v[2];
        ok = write(fd, block, chunk) == (ssize_t)chunk;
        written += chunk;
    }
    int error = errno;
    if (fd >= 0)
        close(fd);
    if (ok)
        pin_file(path, PIN_CAN_GROW, AGENT_FD_BASE);
    answer_start(ok, ok ? 0 : error);
    answer_end();
}

/* open sNAME FLAGS MODE: one of the scenario's files. */
void do_open(const AgentRequest *r)
{
    char path[PATH_MAX];
    if (!r->v[0] || !file_path(r->text, path, sizeof path)) {
        refuse("open takes a plain file name (the agent's directory is the only one): ", "open");
        return;
    }
    int fd = open(path, (int)r->v[1], (mode_t)r->v[2]);
    int error = errno;
    if (fd >= 0)
        pin_file(path, PIN_CAN_GROW, AGENT_FD_BASE);
    answer_result(fd, error);
}

/* The name an shm object of the scenario gets: "/vadsim-PID-NAME". 1 if made; 0 if glibc 2.36
 * rejects the name itself (empty, a '/' after the leading ones, longer than NAME_MAX: research 9),
 * so the caller passes it as it came and glibc answers its own errno without a system call
 * that could create anything; -1 if only the prefix makes it too long (refused). */
static int shm_name(const char *name, char *out, size_t room)
{
    const char *bare = name + strspn(name, "/");
    if (!bare[0] || strchr(bare, '/') || strlen(bare) > NAME_MAX)
        return 0;
    if (strlen(shm_prefix) + strlen(bare) > NAME_MAX)
        return -1;
    snprintf(out, room, "/%s%s", shm_prefix, bare);
    return 1;
}

/* shm_open sNAME OFLAG MODE / shm_unlink sNAME. */
static void do_shm(const AgentRequest *r, int unlinking)
{
    char name[sizeof shm_prefix + NAME_MAX + 2];
    int made = r->v[0] ? shm_name(r->text, name, sizeof name) : -1;
    if (made < 0) {
        refuse("an shm name too long for the agent's prefix (or none): ",
               unlinking ? "shm_unlink" : "shm_open");
        return;
    }
    const char *use = made ? name : r->text;
    if (unlinking) {
        answer_call(shm_unlink(use));
        return;
    }
    int fd = shm_open(use, (int)r->v[1], (mode_t)r->v[2]);
    int error = errno;
    char path[sizeof name + 16];
    if (fd >= 0 && snprintf(path, sizeof path, "/dev/shm%s", use) < (int)sizeof path)
        pin_file(path, PIN_CAN_GROW, AGENT_FD_BASE); /* glibc's shm_open opens exactly this */
    answer_result(fd, error);
}

/* memfd_create sNAME FLAGS: pinned through the descriptor, the only name a memfd has. */
void do_memfd_create(const AgentRequest *r)
{
    int fd = memfd_create(r->v[0] ? r->text : "", (unsigned)r->v[1]);
    int error = errno;
    char path[64];
    if (fd >= 0) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        pin_file(path, PIN_CAN_GROW, AGENT_FD_BASE);
    }
    answer_result(fd, error);
}

/* Unlinks the entries of dir whose names start with prefix ("" for all). */
static void remove_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    if (!d)
        return;
    while ((entry = readdir(d)) != NULL)
        if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..") &&
            strncmp(entry->d_name, prefix, strlen(prefix)) == 0)
            unlinkat(dirfd(d), entry->d_name, 0);
    closedir(d);
}

void remove_files(void)
{
    if (file_dir[0]) {
        remove_entries(file_dir, "");
        rmdir(file_dir);
    }
    remove_entries("/dev/shm", shm_prefix);
}

void do_shm_open(const AgentRequest *r) { do_shm(r, 0); }
void do_shm_unlink(const AgentRequest *r) { do_shm(r, 1); }
