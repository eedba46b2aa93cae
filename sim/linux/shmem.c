/*
 * shmem.c - Linux's shared-memory files (mm/shmem.c, mm/memfd.c): memfd_create, shm_open and
 * shm_unlink, and the file behind each MAP_SHARED|MAP_ANONYMOUS mapping.
 *
 * A regular file is the model's file (file.c): its page cache is its data section. memfd files,
 * POSIX shared-memory objects and the file behind each MAP_SHARED|MAP_ANONYMOUS mapping live on
 * shmem: their pages have no other copy, so their page cache is a swap-backed section. A file
 * keeps its page cache while it has a name or an open descriptor; with neither, its mappings
 * alone keep it (the section's views), and it goes with the last. Errors follow memfd_create(2)
 * and shm_open(3) on glibc 2.36, as docs/research/linux-mm.md section 9 measured them.
 */
#include <stdlib.h>
#include <string.h>

#include "linux.h"

#define MEMFD_NAME_MAX 249 /* NAME_MAX less "memfd:" */
#define SHM_NAME_MAX 253   /* glibc's bound, with "/dev/shm/" under PATH_MAX */
#define FIRST_INODE 1024

/* The inode number of a new file (get_next_ino): numbers are handed out in order. */
uint64_t vs_new_inode(VsSystem *system)
{
    return FIRST_INODE + vs_linux_system(system)->next_inode++;
}

static bool append_file(VsSystem *system, VsFile *file)
{
    VsFile **table = realloc(system->files, (system->file_count + 1) * sizeof *table);
    if (!table)
        return false;
    system->files = table;
    system->files[system->file_count++] = file;
    return true;
}

/* A new, empty shmem file (shmem_file_setup). memfd and /dev/zero files never have a name in a
 * directory, so their maps line says " (deleted)" from the start. NULL when out of host memory. */
VsFile *vs_shmem_file_create(VsSystem *system, VsFileKind kind, const char *name)
{
    VsFile *file = vs_file_new(system);
    if (!file || !append_file(system, file)) {
        free(file);
        return NULL;
    }
    vs_linux_file(file)->kind = kind;
    vs_linux_file(file)->unlinked = kind != VS_FILE_SHM;
    vs_linux_file(file)->inode = vs_new_inode(system);
    vs_text_append(file->name, sizeof file->name, name);
    return file;
}

/*
 * Settles what keeps the file's page cache: while the file has a name or an open descriptor it
 * holds its section (one handle); with neither, only mappings do, and the section goes with the
 * last of them (the file's pages with it: nothing can reach them any more).
 */
void vs_shmem_file_put(VsSystem *system, VsFile *file)
{
    VsSection *section = file->section;
    bool keep = vs_linux_file(file)->opens > 0 || !vs_linux_file(file)->unlinked;
    if (!section)
        return;
    if (keep && section->handles == 0) {
        section->handles = 1;
    } else if (!keep && section->handles) {
        section->handles = 0;
        vs_section_dereference(system, section);
    }
}

/* The shm object called name that still has its name, or NULL. */
static VsFile *find_shm(const VsSystem *system, const char *name)
{
    for (size_t i = 0; i < system->file_count; i++) {
        VsFile *file = system->files[i];
        const VsLinuxFile *shm = vs_linux_file(file);
        if (shm->kind == VS_FILE_SHM && !shm->unlinked && strcmp(file->name, name) == 0)
            return file;
    }
    return NULL;
}

int vs_memfd_create(VsThread *thread, const char *name, uint32_t flags)
{
    if (!vs_linux_call(thread))
        return -1;
    uint32_t known = VS_MFD_CLOEXEC | VS_MFD_ALLOW_SEALING | VS_MFD_NOEXEC_SEAL | VS_MFD_EXEC;
    if ((flags & ~known) || ((flags & VS_MFD_NOEXEC_SEAL) && (flags & VS_MFD_EXEC))) {
        vs_set_errno(thread, VS_EINVAL); /* MFD_HUGETLB included: the model has no hugetlbfs */
        return -1;
    }
    if (!name)
        return vs_linux_fail(thread, VS_EFAULT);
    if (strlen(name) > MEMFD_NAME_MAX || strlen(name) >= sizeof((VsFile *)0)->name)
        return vs_linux_fail(thread, VS_EINVAL);
    VsFile *file = vs_shmem_file_create(thread->process->system, VS_FILE_MEMFD, name);
    if (!file)
        return vs_linux_fail(thread, VS_ENOMEM);
    return vs_fd_install(thread, file, VS_O_RDWR);
}

/* glibc's __shm_get_name: one optional leading '/', then a name with no other '/'. */
static const char *shm_name(VsThread *thread, const char *name)
{
    if (!name) {
        vs_set_errno(thread, VS_EFAULT);
        return NULL;
    }
    if (name[0] == '/')
        name++;
    size_t length = strlen(name);
    if (length == 0 || strchr(name, '/') || length > SHM_NAME_MAX ||
        length >= sizeof((VsFile *)0)->name) {
        vs_set_errno(thread, VS_EINVAL);
        return NULL;
    }
    return name;
}

int vs_shm_open(VsThread *thread, const char *name, uint32_t oflag, uint32_t mode)
{
    if (!vs_linux_call(thread))
        return -1;
    (void)mode; /* permissions are not modelled: the scenario owns every object */
    const char *base = shm_name(thread, name);
    if (!base)
        return -1;
    VsSystem *system = thread->process->system;
    uint32_t access = oflag & VS_O_ACCMODE;
    if (access == VS_O_ACCMODE)
        return vs_linux_fail(thread, VS_EINVAL);
    VsFile *file = find_shm(system, base);
    if (file && (oflag & VS_O_CREAT) && (oflag & VS_O_EXCL))
        return vs_linux_fail(thread, VS_EEXIST);
    if (!file && !(oflag & VS_O_CREAT))
        return vs_linux_fail(thread, VS_ENOENT);
    if (!file && !(file = vs_shmem_file_create(system, VS_FILE_SHM, base)))
        return vs_linux_fail(thread, VS_ENOMEM);
    if ((oflag & VS_O_TRUNC) && access != VS_O_RDONLY)
        vs_file_truncate(system, file, 0);
    return vs_fd_install(thread, file, access);
}

int vs_shm_unlink(VsThread *thread, const char *name)
{
    if (!vs_linux_call(thread))
        return -1;
    const char *base = shm_name(thread, name);
    if (!base)
        return -1;
    VsFile *file = find_shm(thread->process->system, base);
    if (!file)
        return vs_linux_fail(thread, VS_ENOENT);
    vs_linux_file(file)->unlinked = true;
    vs_shmem_file_put(thread->process->system, file);
    return 0;
}
