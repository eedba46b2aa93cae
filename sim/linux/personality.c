/*
 * personality.c - the Linux personality: the table of hooks it gives the NT core (personality.h),
 * the address space a Linux process gets, what it keeps of the core's objects (the system, each
 * process, thread and file), errno, and the signal an access raises.
 *
 * The table is what lxcore.sys handed NT as a pico provider, with the memory manager's side added:
 * the core allocates every object of a Linux system at the size given here, so each begins with
 * the core's structure and goes on with Linux's (linux.h), and calls the hooks where it needs
 * Linux's word: an access (fault.c), a forked page that is the process's own (fault.c), a VMA's
 * invariants and commit (check.c), and the system's end and host bytes (here).
 */
#include <stdlib.h>

#include "linux.h"

#define DEFAULT_READAHEAD (128ull << 10) /* VM_READAHEAD_PAGES, read_ahead_kb's default */
/* ext4 with 4 KB blocks: 2^32 - 1 blocks (EXT_MAX_BLOCKS, ext4_max_size) */
#define DEFAULT_FILE_MAX_BYTES (((1ull << 32) - 1) << 12)

/*
 * Linux x86_64's address space: TASK_SIZE 0x7ffffffff000; mmap_min_addr as this machine's kernel
 * enforces it (64 KB, docs/research/linux-mm.md 1.1); no KUSER_SHARED_DATA; mappings start on any
 * page. mmap_base is VS_LINUX_MMAP_BASE.
 */
static const VsLayout linux_x64 = {.arch = VS_ARCH_X64,
                                   .name = "linux-x64",
                                   .lowest_user_address = 0x10000,
                                   .highest_user_address = 0x7FFFFFFFEFFFull,
                                   .highest_vad_address = 0x7FFFFFFFEFFFull,
                                   .shared_user_data = 0,
                                   .allocation_granularity = VS_PAGE_SIZE,
                                   .paging_levels = 4,
                                   .level_bits = 9,
                                   .pte_size = 8,
                                   .mbi_size = 48};

static const VsLayout *layout(VsArch arch) { return arch == VS_ARCH_X64 ? &linux_x64 : NULL; }

/* The teardown hook: every descriptor table and open file description goes. */
static void teardown(VsSystem *system)
{
    VsLinuxSystem *linux_system = vs_linux_system(system);
    for (size_t i = 0; i < system->process_count; i++)
        free(vs_linux_process(system->processes[i])->fds);
    for (size_t i = 0; i < linux_system->open_file_count; i++)
        free(linux_system->open_files[i]);
    free(linux_system->open_files);
}

/* The host-bytes hook: the descriptor tables and open file descriptions. */
static uint64_t host_bytes(const VsSystem *system)
{
    const VsLinuxSystem *linux_system = vs_linux_system(system);
    uint64_t bytes = linux_system->open_file_count * (sizeof(VsOpenFile *) + sizeof(VsOpenFile));
    for (size_t i = 0; i < system->process_count; i++)
        bytes += vs_linux_process(system->processes[i])->fd_count * sizeof(VsOpenFile *);
    return bytes;
}

static const VsPersonality linux_personality = {
    .sizes = {.system = sizeof(VsLinuxSystem),
              .process = sizeof(VsLinuxProcess),
              .thread = sizeof(VsLinuxThread),
              .file = sizeof(VsLinuxFile),
              .mapped_vad = sizeof(VsVma)},
    .layout = layout,
    .teardown = teardown,
    .host_bytes = host_bytes,
    .access = vs_linux_access,
    .view_page_private = vs_linux_view_page_private,
    .check_vad = vs_linux_check_vad,
    .private_large_page = vs_linux_private_large_page,
    .vad_commit = vs_linux_vad_commit,
};

const VsPersonality *vs_linux_personality(void) { return &linux_personality; }

bool vs_is_linux(const VsSystem *system) { return system->personality == &linux_personality; }

uint64_t vs_readahead_pages(const VsSystem *system)
{
    uint64_t bytes = system->config.readahead_bytes;
    return vs_max(1, (bytes ? bytes : DEFAULT_READAHEAD) / VS_PAGE_SIZE);
}

/* The largest regular file of the scenario's file system; shmem's (memfd, shm, /dev/zero) is
 * MAX_LFS_FILESIZE, which no mapping can reach past (mmap refuses an end beyond it). */
uint64_t vs_file_max_bytes(const VsSystem *system)
{
    uint64_t bytes = system->config.file_max_bytes;
    return bytes ? bytes : DEFAULT_FILE_MAX_BYTES;
}

/* ---- errno ----------------------------------------------------------------------------------- */

/* A Linux call made in a Windows process fails with ENOSYS, as a system call it does not have;
 * such a thread has no errno of its own to keep it in (vs_errno answers for it). */
bool vs_linux_call(VsThread *thread) { return vs_is_linux(thread->process->system); }

/* A failed call's end: errno says why, and the call returns -1, as a system call's wrapper does. */
int vs_linux_fail(VsThread *thread, int error)
{
    vs_set_errno(thread, error);
    return -1;
}

void vs_set_errno(VsThread *thread, int error)
{
    if (vs_is_linux(thread->process->system))
        vs_linux_thread(thread)->error = error;
}

/* The thread's errno; a thread of a system without the personality has none, and every Linux call
 * it makes fails with ENOSYS, which is what it reads. */
int vs_errno(const VsThread *thread)
{
    return vs_is_linux(thread->process->system) ? vs_linux_thread(thread)->error : VS_ENOSYS;
}

uint32_t vs_signal_of(VsStatus status)
{
    if (NT_SUCCESS(status))
        return 0;
    /* A page that cannot be had at all (no frame, a file page past its end) is SIGBUS, as a
     * VM_FAULT_SIGBUS or VM_FAULT_OOM outside the OOM killer's reach would be. */
    if (status == STATUS_IN_PAGE_ERROR || status == STATUS_INSUFFICIENT_RESOURCES)
        return VS_SIGBUS;
    return VS_SIGSEGV;
}
