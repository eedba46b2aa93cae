/*
 * datalimit.c - RLIMIT_DATA: the pages of private writable memory a process may map (mm/mmap.c
 * may_expand_vm, mm->data_vm, is_data_mapping), and brk's own check of the break against it
 * (include/linux/mm.h check_data_rlimit).
 *
 * A data mapping is private, writable and not a stack (VM_STACK is VM_GROWSDOWN on x86): anonymous
 * memory, the heap, a private writable file mapping, with MAP_NORESERVE or not; never shared
 * memory, read-only memory or a MAP_GROWSDOWN stack. mm->data_vm counts the pages of all of them.
 * A call that would take data_vm past the soft limit (in whole pages, rounded down) is refused:
 * mmap (ENOMEM; the pages a MAP_FIXED mapping replaces are counted off first, whatever they were,
 * measured on 6.18), mprotect making a mapping writable (ENOMEM), mremap growing one (ENOMEM), brk
 * growing the heap (the old break). A soft limit of 0 refuses nothing there: the kernel's
 * workaround for Valgrind lets everything under the hard limit through, and the model's hard limit
 * is RLIM_INFINITY. The kernel's boot parameter ignore_rlimit_data (N by default, as the POSIX
 * agent measures) would only warn; the model keeps the default.
 *
 * brk also checks the break itself first, before it grows or shrinks anything: the bytes from
 * start_brk to the new break, with the executable's data segment (end_data - start_data), must
 * not pass the limit, or the old break stays - a shrink too, as long as it ends above the limit.
 * The model loads no executable, so its data segment is empty.
 */
#include "linux.h"

bool vs_is_data_mapping(VsVmFlags vm_flags)
{
    return (vm_flags & (VS_VM_WRITE | VS_VM_SHARED | VS_VM_GROWSDOWN)) == VS_VM_WRITE;
}

uint64_t vs_rlimit_data(const VsProcess *process) { return ~vs_linux_process(process)->data_limit; }

/* mm->data_vm: the pages of the process's data mappings. */
static uint64_t data_vm(const VsProcess *process)
{
    uint64_t pages = 0;
    for (const VsVad *vad = vs_vad_min(process->vad_root.root); vad; vad = vs_vad_next(vad))
        if (vs_is_data_mapping(vs_vma(vad)->vm_flags))
            pages += vs_vma_pages(vad);
    return pages;
}

bool vs_may_expand_data(const VsProcess *process, VsVmFlags vm_flags, uint64_t pages)
{
    uint64_t limit = vs_rlimit_data(process);
    if (limit == VS_RLIM_INFINITY || limit == 0 || !vs_is_data_mapping(vm_flags))
        return true;
    return data_vm(process) + pages <= limit >> VS_PAGE_SHIFT;
}

bool vs_brk_within_data_limit(const VsProcess *process, uint64_t brk)
{
    uint64_t limit = vs_rlimit_data(process);
    return limit == VS_RLIM_INFINITY || brk - VS_LINUX_START_BRK <= limit;
}
