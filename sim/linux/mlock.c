/*
 * mlock.c - locking pages in memory for the Linux personality: mlock, mlock2, munlock, mlockall,
 * munlockall (mm/mlock.c), and the RLIMIT_MEMLOCK they answer to (setrlimit).
 *
 * A lock is a flag of the VMA, not of its pages: VM_LOCKED ("lo" in smaps' VmFlags), with
 * VM_LOCKONFAULT ("lf") when the pages are to lock as they are faulted in rather than now. Locking
 * a range splits its VMAs at the ends and merges what now matches, as mprotect does; then, unless
 * on fault, faults every page in (populate: a writable private mapping with write faults, so a
 * private file mapping's pages are copied, and a read-only anonymous one with read faults, which
 * map the shared zero page and so add nothing to Rss). The process's locked memory (mm->locked_vm,
 * VmLck) is the length of its VM_LOCKED VMAs, which the model counts when asked rather than keeps.
 *
 * The checks, in the kernel's order (measured on 6.18: docs/research/linux-mm.md):
 *   mlock2: flags other than MLOCK_ONFAULT EINVAL. mlock, mlock2: RLIMIT_MEMLOCK 0 EPERM
 *   (can_do_mlock: 0 bytes; a limit of a few bytes passes, and is 0 pages); the range rounded
 *   out to pages; more locked than the limit allows - counting
 *   what is locked already in the range once - ENOMEM; a length rounding to nothing 0; then VMA by
 *   VMA a hole ENOMEM, with the VMAs before it locked already but not populated; then populating,
 *   whose failure (a PROT_NONE VMA, a file page past the end) is ENOMEM with the lock kept.
 *   munlock: the same walk, clearing both flags; no limit.
 *   mlockall: no flags, unknown bits or MCL_ONFAULT alone EINVAL; limit 0 EPERM; MCL_CURRENT
 *   when the process maps more than the limit ENOMEM (total_vm, every VMA). MCL_FUTURE sets
 *   mm->def_flags, which every later mapping takes (mmap then refuses one past the limit with
 *   EAGAIN: mlock_future_ok); MCL_CURRENT locks every VMA and populates them all, ignoring
 *   failures. munlockall undoes both.
 * Hugetlb VMAs are never locked nor counted. fork gives the child no lock (dup_mmap clears both
 * flags, mm_init does not copy def_flags), but the limit, an rlimit, is inherited.
 * The model's process has no CAP_IPC_LOCK, under which no limit applies: the POSIX agent, run as
 * root, drops it, so the rules compared are an ordinary process's.
 */
#include "linux.h"

#define MLOCKALL_FLAGS (VS_MCL_CURRENT | VS_MCL_FUTURE | VS_MCL_ONFAULT)
#define RLIM_NLIMITS 16 /* resources setrlimit knows (asm-generic/resource.h) */

/* RLIMIT_MEMLOCK in pages (rlimit() >> PAGE_SHIFT); UINT64_MAX >> 12 when there is none. */
uint64_t vs_memlock_limit_pages(const VsProcess *process)
{
    return ~vs_linux_process(process)->memlock_limit >> VS_PAGE_SHIFT;
}

uint64_t vs_rlimit_memlock(const VsProcess *process)
{
    return ~vs_linux_process(process)->memlock_limit;
}

/* mm->locked_vm: the pages of the process's VM_LOCKED VMAs. */
static uint64_t locked_vm(const VsProcess *process)
{
    uint64_t pages = 0;
    for (const VsVad *vad = vs_vad_min(process->vad_root.root); vad; vad = vs_vad_next(vad))
        if (vs_vma(vad)->vm_flags & VS_VM_LOCKED)
            pages += vs_vma_pages(vad);
    return pages;
}

uint64_t vs_locked_vm_kb(const VsProcess *process) { return locked_vm(process) * 4; }

/* Whether a new mapping of pages pages with vm_flags stays within the limit (mlock_future_ok). */
bool vs_mlock_future_ok(const VsProcess *process, VsVmFlags vm_flags, uint64_t pages)
{
    if (!(vm_flags & VS_VM_LOCKED))
        return true;
    uint64_t locked = locked_vm(process) + pages;
    return locked >= pages && locked <= vs_memlock_limit_pages(process);
}

/* The pages of [start_vpn, end_vpn] that VM_LOCKED VMAs hold (count_mm_mlocked_page_nr). */
static uint64_t locked_in_range(const VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t pages = 0;
    for (const VsVad *vad = vs_vad_min(process->vad_root.root); vad; vad = vs_vad_next(vad))
        if ((vs_vma(vad)->vm_flags & VS_VM_LOCKED) && vad->ending_vpn >= start_vpn &&
            vad->starting_vpn <= end_vpn)
            pages += vs_min(end_vpn, vad->ending_vpn) - vs_max(start_vpn, vad->starting_vpn) + 1;
    return pages;
}

/* One VMA's part [start_vpn, end_vpn] gets lock flags (mlock_fixup): split off, flagged, merged.
 * A hugetlb VMA is left alone. */
static int fixup(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                 VsVmFlags lock)
{
    VsVmFlags flags = (vs_vma(vad)->vm_flags & ~(VsVmFlags)VS_VM_LOCKED_MASK) | lock;
    if (flags == vs_vma(vad)->vm_flags || vs_vma_is_hugetlb(vad))
        return 0;
    int error = vs_vma_isolate(process, start_vpn, end_vpn, true);
    if (error)
        return error;
    vad = vs_vad_locate(&process->vad_root, start_vpn);
    vs_vma_set_flags(process, vad, flags);
    vs_vma_try_merge(process, vad);
    return 0;
}

/* apply_vma_lock_flags: every VMA of [start_vpn, end_vpn] gets lock (0 to unlock); a hole ends
 * the walk with ENOMEM, the VMAs before it keeping their change. */
static int apply_lock_flags(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn,
                            VsVmFlags lock)
{
    for (uint64_t vpn = start_vpn; vpn <= end_vpn;) {
        VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
        if (!vad)
            return VS_ENOMEM;
        uint64_t stop = vs_min(end_vpn, vad->ending_vpn);
        int error = fixup(process, vad, vpn, stop, lock);
        if (error)
            return error;
        vpn = stop + 1;
    }
    return 0;
}

/* The range [address, address + length) as whole pages (the start rounded down, the length with
 * the start's offset rounded up): 0, or -1 when it rounds to nothing (a length of 0, or one so long
 * that rounding wraps to 0), or EINVAL when it runs past the top of the address space. */
static int page_range(uint64_t address, uint64_t length, uint64_t *start_vpn, uint64_t *end_vpn)
{
    uint64_t offset = address & (VS_PAGE_SIZE - 1), start = address - offset;
    uint64_t len = (length + offset + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    if (start + len < start)
        return VS_EINVAL;
    if (len == 0)
        return -1;
    *start_vpn = vs_vpn(start);
    *end_vpn = vs_vpn(start + len) - 1;
    return 0;
}

/* do_mlock: the limit, the flags, then the pages. */
static int do_mlock(VsThread *thread, uint64_t address, uint64_t length, VsVmFlags lock)
{
    VsProcess *process = thread->process;
    uint64_t limit = vs_memlock_limit_pages(process), start_vpn = 0, end_vpn = 0;
    if (!vs_rlimit_memlock(process))
        return vs_linux_fail(thread, VS_EPERM); /* can_do_mlock: a limit of 0 bytes */
    int range = page_range(address, length, &start_vpn, &end_vpn);
    uint64_t offset = address & (VS_PAGE_SIZE - 1);
    uint64_t len = (length + offset + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    uint64_t locked = vs_vpn(len) + locked_vm(process);
    if (locked > limit && range == 0)
        locked -= locked_in_range(process, start_vpn, end_vpn);
    if (locked > limit)
        return vs_linux_fail(thread, VS_ENOMEM);
    if (range)
        return range < 0 ? 0 : vs_linux_fail(thread, range);
    int error = apply_lock_flags(process, start_vpn, end_vpn, lock);
    if (!error)
        error = vs_vma_populate(thread, start_vpn, end_vpn, false);
    return error ? vs_linux_fail(thread, error) : 0;
}

int vs_mlock(VsThread *thread, uint64_t address, uint64_t length)
{
    if (!vs_linux_call(thread))
        return -1;
    return do_mlock(thread, address, length, VS_VM_LOCKED);
}

int vs_mlock2(VsThread *thread, uint64_t address, uint64_t length, uint32_t flags)
{
    if (!vs_linux_call(thread))
        return -1;
    if (flags & ~(uint32_t)VS_MLOCK_ONFAULT)
        return vs_linux_fail(thread, VS_EINVAL);
    VsVmFlags lock = VS_VM_LOCKED | (flags & VS_MLOCK_ONFAULT ? VS_VM_LOCKONFAULT : 0);
    return do_mlock(thread, address, length, lock);
}

int vs_munlock(VsThread *thread, uint64_t address, uint64_t length)
{
    if (!vs_linux_call(thread))
        return -1;
    uint64_t start_vpn = 0, end_vpn = 0;
    int error = page_range(address, length, &start_vpn, &end_vpn);
    if (error)
        return error < 0 ? 0 : vs_linux_fail(thread, error);
    error = apply_lock_flags(thread->process, start_vpn, end_vpn, 0);
    return error ? vs_linux_fail(thread, error) : 0;
}

/* apply_mlockall_flags: def_flags for MCL_FUTURE, then every VMA locked for MCL_CURRENT (with
 * flags 0, unlocked: munlockall). */
static int apply_mlockall(VsProcess *process, uint32_t flags)
{
    VsLinuxProcess *linux_process = vs_linux_process(process);
    VsVmFlags on_fault = flags & VS_MCL_ONFAULT ? VS_VM_LOCKONFAULT : 0, lock = 0;
    linux_process->def_flags = flags & VS_MCL_FUTURE ? VS_VM_LOCKED | on_fault : 0;
    if (flags & VS_MCL_CURRENT)
        lock = VS_VM_LOCKED | on_fault;
    else if (flags & VS_MCL_FUTURE)
        return 0;
    for (VsVad *vad = vs_vad_min(process->vad_root.root); vad;) {
        uint64_t end = vad->ending_vpn;
        int error = fixup(process, vad, vad->starting_vpn, end, lock);
        if (error)
            return error;
        vad = vs_vad_find_above(&process->vad_root, end);
    }
    return 0;
}

int vs_mlockall(VsThread *thread, uint32_t flags)
{
    if (!vs_linux_call(thread))
        return -1;
    VsProcess *process = thread->process;
    if (!flags || (flags & ~(uint32_t)MLOCKALL_FLAGS) || flags == VS_MCL_ONFAULT)
        return vs_linux_fail(thread, VS_EINVAL);
    uint64_t limit = vs_memlock_limit_pages(process), total_vm = 0;
    if (!vs_rlimit_memlock(process))
        return vs_linux_fail(thread, VS_EPERM);
    for (const VsVad *vad = vs_vad_min(process->vad_root.root); vad; vad = vs_vad_next(vad))
        total_vm += vs_vma_pages(vad);
    if ((flags & VS_MCL_CURRENT) && total_vm > limit)
        return vs_linux_fail(thread, VS_ENOMEM);
    int error = apply_mlockall(process, flags);
    if (error)
        return vs_linux_fail(thread, error);
    if (flags & VS_MCL_CURRENT)
        vs_vma_populate(thread, process->vad_root.lowest_vpn, process->vad_root.highest_vpn, true);
    return 0;
}

int vs_munlockall(VsThread *thread)
{
    if (!vs_linux_call(thread))
        return -1;
    int error = apply_mlockall(thread->process, 0);
    return error ? vs_linux_fail(thread, error) : 0;
}

/* setrlimit(resource, limit) for RLIMIT_MEMLOCK, the soft limit (the hard one is RLIM_INFINITY,
 * so any value is allowed). A resource setrlimit does not know is EINVAL; the others the model
 * does not keep are EINVAL too, and the POSIX agent refuses them (docs/scenario-language.md). */
int vs_setrlimit(VsThread *thread, uint32_t resource, uint64_t limit)
{
    if (!vs_linux_call(thread))
        return -1;
    if (resource == VS_RLIMIT_DATA) {
        vs_linux_process(thread->process)->data_limit = ~limit; /* datalimit.c */
        return 0;
    }
    if (resource != VS_RLIMIT_MEMLOCK)
        return vs_linux_fail(thread, VS_EINVAL);
    vs_linux_process(thread->process)->memlock_limit = ~limit;
    return 0;
}
