/*
 * shmem.c - Linux files for the memory calls: the descriptor table, memfd_create, shm_open and
 * shm_unlink, open of the scenario's files, ftruncate and close.
 *
 * A regular file is the model's file (file.c): its page cache is its data section. memfd files,
 * POSIX shared-memory objects and the file behind each MAP_SHARED|MAP_ANONYMOUS mapping live on
 * shmem (mm/shmem.c, mm/memfd.c): their pages have no other copy, so their page cache is a
 * swap-backed section. A file keeps its page cache while it has a name or an open descriptor;
 * with neither, its mappings alone keep it (the section's views), and it goes with the last.
 * Errors follow memfd_create(2), shm_open(3) on glibc 2.36, open(2) and ftruncate(2), as
 * docs/research/linux-mm.md section 9 measured them.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FD_MAX 1024        /* RLIMIT_NOFILE's usual soft limit */
#define FIRST_FD 3         /* 0, 1 and 2 are the standard streams (not modelled) */
#define MEMFD_NAME_MAX 249 /* NAME_MAX less "memfd:" */
#define SHM_NAME_MAX 253   /* glibc's bound, with "/dev/shm/" under PATH_MAX */
#define FIRST_INODE 1024

/* ---- The descriptor table --------------------------------------------------------------------- */

/* The open file descriptor fd names, or NULL for one not open. */
VsOpenFile *vs_fd_open_file(VsThread *thread, int64_t fd)
{
    VsProcess *process = thread->process;
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
static VsOpenFile *open_file(VsSystem *system, VsFile *file, uint32_t mode)
{
    VsOpenFile **table =
        realloc(system->open_files, (system->open_file_count + 1) * sizeof *table);
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
static int install_fd(VsThread *thread, VsFile *file, uint32_t mode)
{
    VsProcess *process = thread->process;
    size_t fd = FIRST_FD;
    while (fd < process->fd_count && process->fds[fd])
        fd++;
    if (fd >= FD_MAX) {
        vs_set_errno(thread, VS_EMFILE);
        return -1;
    }
    if (fd >= process->fd_count) {
        size_t count = fd + 8;
        VsOpenFile **fds = realloc(process->fds, count * sizeof *fds);
        if (!fds) {
            vs_set_errno(thread, VS_ENOMEM);
            return -1;
        }
        memset(fds + process->fd_count, 0, (count - process->fd_count) * sizeof *fds);
        process->fds = fds;
        process->fd_count = count;
    }
    VsOpenFile *open = open_file(process->system, file, mode);
    if (!open) {
        vs_set_errno(thread, VS_ENOMEM);
        return -1;
    }
    process->fds[fd] = open;
    file->opens++;
    vs_shmem_file_put(process->system, file);
    return (int)fd;
}

/* ---- shmem files ------------------------------------------------------------------------------- */

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
    VsFile *file = vs_file_new();
    if (!file || !append_file(system, file)) {
        free(file);
        return NULL;
    }
    file->kind = kind;
    file->unlinked = kind != VS_FILE_SHM;
    file->inode = FIRST_INODE + system->next_inode++;
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
    bool keep = file->opens > 0 || !file->unlinked;
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
        if (file->kind == VS_FILE_SHM && !file->unlinked && strcmp(file->name, name) == 0)
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
    if (!name) {
        vs_set_errno(thread, VS_EFAULT);
        return -1;
    }
    if (strlen(name) > MEMFD_NAME_MAX || strlen(name) >= sizeof ((VsFile *)0)->name) {
        vs_set_errno(thread, VS_EINVAL);
        return -1;
    }
    VsFile *file = vs_shmem_file_create(thread->process->system, VS_FILE_MEMFD, name);
    if (!file) {
        vs_set_errno(thread, VS_ENOMEM);
        return -1;
    }
    return install_fd(thread, file, VS_O_RDWR);
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
        length >= sizeof ((VsFile *)0)->name) {
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
    if (access == VS_O_ACCMODE) {
        vs_set_errno(thread, VS_EINVAL);
        return -1;
    }
    VsFile *file = find_shm(system, base);
    if (file && (oflag & VS_O_CREAT) && (oflag & VS_O_EXCL)) {
        vs_set_errno(thread, VS_EEXIST);
        return -1;
    }
    if (!file && !(oflag & VS_O_CREAT)) {
        vs_set_errno(thread, VS_ENOENT);
        return -1;
    }
    if (!file && !(file = vs_shmem_file_create(system, VS_FILE_SHM, base))) {
        vs_set_errno(thread, VS_ENOMEM);
        return -1;
    }
    if ((oflag & VS_O_TRUNC) && access != VS_O_RDONLY)
        vs_file_truncate(system, file, 0);
    return install_fd(thread, file, access);
}

int vs_shm_unlink(VsThread *thread, const char *name)
{
    if (!vs_linux_call(thread))
        return -1;
    const char *base = shm_name(thread, name);
    if (!base)
        return -1;
    VsFile *file = find_shm(thread->process->system, base);
    if (!file) {
        vs_set_errno(thread, VS_ENOENT);
        return -1;
    }
    file->unlinked = true;
    vs_shmem_file_put(thread->process->system, file);
    return 0;
}

int vs_open(VsThread *thread, const char *name, uint32_t flags)
{
    if (!vs_linux_call(thread))
        return -1;
    VsSystem *system = thread->process->system;
    uint32_t access = flags & VS_O_ACCMODE;
    if (!name) {
        vs_set_errno(thread, VS_EFAULT);
        return -1;
    }
    if (access == VS_O_ACCMODE) {
        vs_set_errno(thread, VS_EINVAL);
        return -1;
    }
    VsFile *file = vs_file_lookup(system, name);
    if (file && (flags & VS_O_CREAT) && (flags & VS_O_EXCL)) {
        vs_set_errno(thread, VS_EEXIST);
        return -1;
    }
    if (!file && !(flags & VS_O_CREAT)) {
        vs_set_errno(thread, VS_ENOENT);
        return -1;
    }
    if (!file) {
        VsStatus status = vs_file_create(system, name, 0, NULL, 0, 0);
        if (!NT_SUCCESS(status)) {
            vs_set_errno(thread, status == STATUS_OBJECT_NAME_INVALID ? VS_ENAMETOOLONG : VS_ENOMEM);
            return -1;
        }
        file = vs_file_lookup(system, name);
        file->inode = FIRST_INODE + system->next_inode++;
    }
    if ((flags & VS_O_TRUNC) && access != VS_O_RDONLY)
        vs_file_truncate(system, file, 0);
    return install_fd(thread, file, access);
}

int vs_close(VsThread *thread, int64_t fd)
{
    if (!vs_linux_call(thread))
        return -1;
    VsFile *file = vs_fd_file(thread, fd, NULL);
    if (!file) {
        vs_set_errno(thread, VS_EBADF);
        return -1;
    }
    thread->process->fds[fd] = NULL;
    file->opens--;
    vs_shmem_file_put(thread->process->system, file);
    return 0;
}

/* ---- Truncation --------------------------------------------------------------------------------- */

/* Unmaps the pages [first_index, last_index] of the section from every VMA in every process that
 * maps them (unmap_mapping_range). even_cows: private copies a copy-on-write store made of them go
 * too - truncation does that, since past the end of the file nothing may stay mapped; a punched
 * hole leaves them, as they are no longer the file's pages (zap_details.even_cows false). */
static void unmap_mapping_range(VsSystem *system, VsSection *section, uint64_t first_index,
                                uint64_t last_index, bool even_cows)
{
    size_t p = 0;
    const VsVad *view = vs_section_next_view(system, section, &p, NULL);
    while (view) {
        VsVad *vad = (VsVad *)view;
        VsProcess *process = system->processes[p];
        const VsVad *next = vs_section_next_view(system, section, &p, view);
        uint64_t first = vs_vma(vad)->first_prototype, last = first + vs_vma_pages(vad) - 1;
        if (last >= first_index && first <= last_index) {
            uint64_t from = vs_max(first, first_index), to = vs_min(last, last_index);
            uint64_t start_vpn = vad->starting_vpn + (from - first);
            uint64_t end_vpn = vad->starting_vpn + (to - first);
            if (even_cows)
                vs_vma_zap(process, vad, start_vpn, end_vpn);
            else
                vs_vma_zap_file_pages(process, vad, start_vpn, end_vpn);
        }
        view = next;
    }
}

/* Zeroes the bytes of the resident page index from offset on (truncate_inode_partial_folio). */
static void zero_tail(VsSystem *system, VsSection *section, uint64_t index, uint64_t offset)
{
    uint64_t pte = index < section->pages ? vs_prototype_read(section, index) : 0;
    if (!vs_pte_is_resident(pte))
        return;
    VsPfn *pfn = &system->pfn.frames[vs_pte_frame(pte)];
    if (pfn->data)
        memset(pfn->data + offset, 0, VS_PAGE_SIZE - offset);
}

/*
 * Sets the file's size (do_truncate): growing makes zeros readable (and mappable pages usable,
 * without remapping); shrinking unmaps and drops every page wholly past the new end, and zeroes
 * the rest of the last page. False when the host or the commit limit cannot give the room.
 */
bool vs_file_truncate(VsSystem *system, VsFile *file, uint64_t size)
{
    uint64_t pages = (size + VS_PAGE_SIZE - 1) / VS_PAGE_SIZE;
    if (file->kind == VS_FILE_REGULAR && size > file->size && !vs_file_extend(file, size))
        return false;
    if (file->section && !vs_file_page_cache(system, file, pages))
        return false;
    if (size < file->size) {
        if (file->kind == VS_FILE_REGULAR) {
            if (!vs_file_shrink(file, size))
                return false;
            vs_file_set_cached(file, pages, UINT64_MAX, false); /* truncate_inode_pages */
        }
        VsSection *section = file->section;
        if (section) {
            unmap_mapping_range(system, section, pages, UINT64_MAX, true);
            vs_section_discard(system, section, pages, UINT64_MAX);
            if (size % VS_PAGE_SIZE)
                zero_tail(system, section, size / VS_PAGE_SIZE, size % VS_PAGE_SIZE);
        }
    }
    file->size = size;
    return true;
}

int vs_ftruncate(VsThread *thread, int64_t fd, int64_t length)
{
    if (!vs_linux_call(thread))
        return -1;
    uint32_t mode;
    VsFile *file = vs_fd_file(thread, fd, &mode);
    if (length < 0) { /* do_sys_ftruncate checks the length before it looks at the descriptor */
        vs_set_errno(thread, VS_EINVAL);
        return -1;
    }
    if (!file) {
        vs_set_errno(thread, VS_EBADF);
        return -1;
    }
    if (mode == VS_O_RDONLY) {
        vs_set_errno(thread, VS_EINVAL);
        return -1;
    }
    if ((uint64_t)length > VS_FILE_MAX_BYTES) {
        vs_set_errno(thread, VS_EFBIG); /* past what the model keeps of a file */
        return -1;
    }
    if (!vs_file_truncate(thread->process->system, file, (uint64_t)length)) {
        vs_set_errno(thread, VS_ENOMEM);
        return -1;
    }
    return 0;
}

/* Punches [first_index, last_index] out of the file (fallocate FALLOC_FL_PUNCH_HOLE, MADV_REMOVE):
 * the file's pages leave every mapping and read as zeros from then on; private copies made of them
 * stay where they are. */
void vs_file_punch(VsSystem *system, VsFile *file, uint64_t first_index, uint64_t last_index)
{
    VsSection *section = file->section;
    if (file->kind == VS_FILE_REGULAR && first_index < vs_file_pages(file)) {
        vs_file_punch_bytes(file, first_index, last_index);
        vs_file_set_cached(file, first_index, last_index, false); /* a hole: nothing cached */
    }
    if (!section)
        return;
    unmap_mapping_range(system, section, first_index, last_index, false);
    vs_section_discard(system, section, first_index, last_index);
}
