/*
 * fd.c - a Linux process's descriptor table (files_struct, fs/file.c), open(2) of the scenario's
 * files and close(2).
 *
 * A descriptor names an open file description (struct file: VsOpenFile), shared by descriptors a
 * fork copied and by every VMA mapped through it. Descriptors 0 to 2 are the standard streams (not
 * modelled): the first one handed out is 3, the lowest free one each time, up to RLIMIT_NOFILE's
 * usual soft limit. Errors follow open(2), as docs/research/linux-mm.md section 9 measured them.
 */
#include <stdlib.h>
#include <string.h>

#include "linux.h"

#define FD_MAX 1024 /* RLIMIT_NOFILE's usual soft limit */
#define FIRST_FD 3  /* 0, 1 and 2 are the standard streams (not modelled) */

/* The open file descriptor fd names, or NULL for one not open. */
VsOpenFile *vs_fd_open_file(VsThread *thread, int64_t fd)
{
    VsLinuxProcess *process = vs_linux_process(thread->process);
    if (fd < 0 || (uint64_t)fd >= process->fd_count)
        return NULL;
    return process->fds[fd];
}

VsFile *vs_fd_file(VsThread *thread, int64_t fd, uint32_t *mode)
{
    VsOpenFile *open = vs_fd_open_file(thread, fd);
    if (open && mode)
        *mode = open->mode;
    return open ? open->file : NULL;
}

/* A new open file description of file (alloc_file), kept by the system until it ends. */
static VsOpenFile *open_file(VsLinuxSystem *system, VsFile *file, uint32_t mode)
{
    VsOpenFile **table = realloc(system->open_files, (system->open_file_count + 1) * sizeof *table);
    if (!table)
        return NULL;
    system->open_files = table;
    VsOpenFile *open = malloc(sizeof *open);
    if (!open)
        return NULL;
    *open = (VsOpenFile){.file = file, .mode = mode};
    table[system->open_file_count++] = open;
    return open;
}

/* Opens file and gives it the lowest free descriptor (get_unused_fd_flags, fd_install), or -1
 * with errno set. */
int vs_fd_install(VsThread *thread, VsFile *file, uint32_t mode)
{
    VsLinuxProcess *process = vs_linux_process(thread->process);
    size_t fd = FIRST_FD;
    while (fd < process->fd_count && process->fds[fd])
        fd++;
    if (fd >= FD_MAX)
        return vs_linux_fail(thread, VS_EMFILE);
    if (fd >= process->fd_count) {
        size_t count = fd + 8;
        VsOpenFile **fds = realloc(process->fds, count * sizeof *fds);
        if (!fds)
            return vs_linux_fail(thread, VS_ENOMEM);
        memset(fds + process->fd_count, 0, (count - process->fd_count) * sizeof *fds);
        process->fds = fds;
        process->fd_count = count;
    }
    VsOpenFile *open = open_file(vs_linux_system(process->nt.system), file, mode);
    if (!open)
        return vs_linux_fail(thread, VS_ENOMEM);
    process->fds[fd] = open;
    vs_linux_file(file)->opens++;
    vs_shmem_file_put(process->nt.system, file);
    return (int)fd;
}

int vs_open(VsThread *thread, const char *name, uint32_t flags)
{
    if (!vs_linux_call(thread))
        return -1;
    VsSystem *system = thread->process->system;
    uint32_t access = flags & VS_O_ACCMODE;
    if (!name)
        return vs_linux_fail(thread, VS_EFAULT);
    if (access == VS_O_ACCMODE)
        return vs_linux_fail(thread, VS_EINVAL);
    VsFile *file = vs_file_lookup(system, name);
    if (file && (flags & VS_O_CREAT) && (flags & VS_O_EXCL))
        return vs_linux_fail(thread, VS_EEXIST);
    if (!file && !(flags & VS_O_CREAT))
        return vs_linux_fail(thread, VS_ENOENT);
    if (!file) {
        VsStatus status = vs_file_create(system, name, 0, NULL, 0, 0);
        if (!NT_SUCCESS(status))
            return vs_linux_fail(thread, status == STATUS_OBJECT_NAME_INVALID ? VS_ENAMETOOLONG
                                                                              : VS_ENOMEM);
        file = vs_file_lookup(system, name);
        vs_linux_file(file)->inode = vs_new_inode(system);
    }
    if ((flags & VS_O_TRUNC) && access != VS_O_RDONLY)
        vs_file_truncate(system, file, 0);
    return vs_fd_install(thread, file, access);
}

int vs_close(VsThread *thread, int64_t fd)
{
    if (!vs_linux_call(thread))
        return -1;
    VsFile *file = vs_fd_file(thread, fd, NULL);
    if (!file)
        return vs_linux_fail(thread, VS_EBADF);
    vs_linux_process(thread->process)->fds[fd] = NULL;
    vs_linux_file(file)->opens--;
    vs_shmem_file_put(thread->process->system, file);
    return 0;
}
