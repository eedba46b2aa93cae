/*
 * brk.c - the program break and the [heap] VMA (mm/mmap.c SYSCALL_DEFINE1(brk), do_brk_flags;
 * fs/proc/task_mmu.c vma_is_initial_heap), and sbrk as glibc builds it on brk.
 *
 * A process's break starts at start_brk, the page after the executable's bss. The model loads no
 * executable and runs with randomisation off, so start_brk is one fixed address for every process,
 * VS_LINUX_START_BRK: the one a small PIE gets under `setarch -R` on x86-64 (the kernel moves it
 * up by a random page offset below 1 GB otherwise; the POSIX agent compares breaks relative to
 * its own start_brk for that reason). Fork copies both.
 *
 * brk(addr) is the raw system call: it returns the new break, or the old one on any refusal,
 * never an errno. The break is byte-exact; the VMA is page-rounded, [start_brk, PAGE_ALIGN(brk)),
 * anonymous private rw-p with VM_ACCOUNT and mm->def_flags (mlockall(MCL_FUTURE) locks and
 * populates what brk adds). In the kernel's order:
 *   - below start_brk, or a break further from start_brk than RLIMIT_DATA allows: refused,
 *     shrinking or not (datalimit.c);
 *   - within the same page as the old break: only the break moves;
 *   - shrinking unmaps [PAGE_ALIGN(new), PAGE_ALIGN(old)) whatever VMAs are there (pieces mprotect
 *     split off go too), refused only if that munmap is (a sealed VMA, the map count);
 *   - growing is refused when a VMA begins less than one page above the new end, counting the
 *     stack guard gap below a VM_GROWSDOWN one (vm_start_gap), past TASK_SIZE, when
 *     mlockall(MCL_FUTURE) would pass RLIMIT_MEMLOCK, the heap's pages RLIMIT_DATA, at the map
 *     count limit, or when overcommit refuses the pages.
 *
 * The kernel never merges the break's first VMA with one below start_brk (do_brk_flags looks for
 * the previous VMA only from start_brk up); the model's merge would, where a scenario maps
 * private anonymous rw memory ending exactly at start_brk. Nothing in the model puts one there
 * unasked.
 */
#include "linux.h"

static uint64_t page_align(uint64_t address) { return vs_page_down(address + VS_PAGE_SIZE - 1); }

/* The process's break (a process the core made starts with none kept: start_brk). */
static uint64_t current_brk(const VsLinuxProcess *process)
{
    return process->brk ? process->brk : VS_LINUX_START_BRK;
}

uint64_t vs_start_brk(const VsProcess *process)
{
    (void)process;
    return VS_LINUX_START_BRK;
}

uint64_t vs_current_brk(const VsProcess *process) { return current_brk(vs_linux_process(process)); }

/* Whether the heap may grow from page old_end to page new_end, exclusive ends (the checks before
 * do_brk_flags, and its own). */
static bool may_grow(VsProcess *process, uint64_t old_end, uint64_t new_end)
{
    uint64_t task_size = process->system->layout->highest_user_address + 1;
    if (new_end > task_size)
        return false;
    uint64_t old_vpn = vs_vpn(old_end);
    VsVad *next = vs_vad_locate(&process->vad_root, old_vpn); /* one the break lies in, */
    if (!next)                                                /* else the next one above */
        next = vs_vad_find_above(&process->vad_root, old_vpn - 1);
    if (next && vs_vpn(new_end) + 1 > vs_vma_start_gap(next))
        return false; /* less than a free page before the next VMA (or its guard gap) */
    VsVmFlags def_flags = vs_linux_process(process)->def_flags;
    return vs_mlock_future_ok(process, def_flags, vs_vpn(new_end - old_end)) &&
           process->vad_root.count <= VS_MAX_MAP_COUNT;
}

/* do_brk_flags: anonymous private memory over [old_end, new_end), merged with the heap below. */
static bool grow(VsThread *thread, uint64_t old_end, uint64_t new_end)
{
    VsVmFlags vm_flags = VS_VM_READ | VS_VM_WRITE | VS_VM_MAYREAD | VS_VM_MAYWRITE | VS_VM_MAYEXEC |
                         vs_linux_process(thread->process)->def_flags;
    return vs_map_anonymous(thread, vs_vpn(old_end), vs_vpn(new_end - old_end), vm_flags) == 0;
}

uint64_t vs_brk(VsThread *thread, uint64_t address)
{
    if (!vs_linux_call(thread))
        return 0;
    VsProcess *process = thread->process;
    VsLinuxProcess *linux_process = vs_linux_process(process);
    uint64_t old = current_brk(linux_process);
    if (address < VS_LINUX_START_BRK || !vs_brk_within_data_limit(process, address))
        return old; /* below start_brk, or past RLIMIT_DATA (datalimit.c), shrinking or not */
    uint64_t old_end = page_align(old), new_end = page_align(address);
    if (new_end < old_end && vs_do_munmap(process, vs_vpn(new_end), vs_vpn(old_end) - 1))
        return old;
    if (new_end > old_end &&
        !(may_grow(process, old_end, new_end) && grow(thread, old_end, new_end)))
        return old;
    linux_process->brk = address;
    return address;
}

/* glibc's sbrk: the break before, after moving it by increment; an increment that would wrap
 * around the address space is (void *)-1 with ENOMEM, and so is a brk that leaves the break
 * below the one asked for. glibc's brk sees nothing else as a failure: a shrink the kernel
 * refuses (below start_brk, a sealed heap) leaves the break above, and sbrk returns the old
 * break as if it had moved (measured on 6.18 with glibc 2.36: sbrk(-1) at start_brk). */
uint64_t vs_sbrk(VsThread *thread, int64_t increment)
{
    if (!vs_linux_call(thread))
        return VS_MAP_FAILED;
    uint64_t old = vs_current_brk(thread->process);
    if (increment == 0)
        return old;
    uint64_t delta = increment > 0 ? (uint64_t)increment : -(uint64_t)increment;
    bool wraps = increment > 0 ? old + delta < old : old < delta;
    uint64_t wanted = increment > 0 ? old + delta : old - delta;
    if (wraps || vs_brk(thread, wanted) < wanted) {
        vs_set_errno(thread, VS_ENOMEM);
        return VS_MAP_FAILED;
    }
    return old;
}

/* Whether maps names the VMA [heap]: it overlaps [start_brk, brk] (vma_is_initial_heap, whose
 * comparisons are strict, so a break at start_brk names nothing). */
bool vs_vma_is_initial_heap(const VsProcess *process, const VsVad *vad)
{
    uint64_t start = vs_vpn_address(vad->starting_vpn);
    uint64_t end = vs_vpn_address((uint64_t)vad->ending_vpn + 1);
    return start < vs_current_brk(process) && end > VS_LINUX_START_BRK;
}
