/*
 * personality.c - the Linux personality: the table of hooks it gives the NT core (personality.h),
 * the address space a Linux process gets, and what it keeps per thread: errno, and the signal an
 * access raises.
 */
#include "linux.h"

/*
 * Linux x86_64's address space: TASK_SIZE 0x7ffffffff000; mmap_min_addr as this machine's kernel
 * enforces it (64 KB, docs/research/linux-mm.md 1.1); no KUSER_SHARED_DATA; mappings start on any
 * page. mmap_base is VS_LINUX_MMAP_BASE.
 */
static const VsLayout linux_x64 = {
    .arch = VS_ARCH_X64, .name = "linux-x64", .lowest_user_address = 0x10000,
    .highest_user_address = 0x7FFFFFFFEFFFull, .highest_vad_address = 0x7FFFFFFFEFFFull,
    .shared_user_data = 0, .allocation_granularity = VS_PAGE_SIZE, .paging_levels = 4,
    .level_bits = 9, .pte_size = 8, .mbi_size = 48};

static const VsLayout *layout(VsArch arch) { return arch == VS_ARCH_X64 ? &linux_x64 : NULL; }

static const VsPersonality linux_personality = {
    .name = "linux",
    .sizes = {.mapped_vad = sizeof(VsVma)},
    .layout = layout,
    .access = vs_linux_access,
    .view_page_private = vs_linux_view_page_private,
    .check_vad = vs_linux_check_vad,
    .vad_commit = vs_linux_vad_commit,
};

const VsPersonality *vs_linux_personality(void) { return &linux_personality; }

bool vs_is_linux(const VsSystem *system) { return system->personality == &linux_personality; }

void vs_set_errno(VsThread *thread, int error)
{
    thread->last_error = (uint32_t)error;
    thread->last_status = STATUS_SUCCESS;
}

int vs_errno(const VsThread *thread) { return (int)thread->last_error; }

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

