/*
 * stack.c - MAP_GROWSDOWN: a VMA that grows down when memory below it is touched, and the guard
 * gap kept below it (mm/mmap.c expand_downwards, acct_stack_growth, vm_start_gap; x86's
 * do_user_addr_fault through lock_mm_and_find_vma).
 *
 * A fault on a page no VMA maps, whose next VMA above is VM_GROWSDOWN with nothing between, grows
 * that VMA down to the page - any distance, since 4.20 no longer compares the address with the
 * stack pointer - and then the access is checked against the VMA as any other: a store below a
 * PROT_READ stack grows it and is still SIGSEGV. Growth is refused (SIGSEGV, the VMA as it was)
 * below mmap_min_addr, within stack_guard_gap (1 MB) of an accessible VMA below that is not itself
 * VM_GROWSDOWN (a PROT_NONE one does not count), past the VMA's vm_pgoff, past RLIMIT_STACK (the
 * whole VMA after growing, measured on 6.18: 8 MB grows, 8 MB + 4 KB does not) or past the
 * overcommit heuristic. The VMA gets its anon_vma first, refused or not.
 *
 * Placement keeps the gap too: a search and a hint treat the stack_guard_gap below a
 * VM_GROWSDOWN VMA as taken (vm_start_gap); MAP_FIXED does not.
 *
 * RLIMIT_STACK is Linux's default soft limit, 8 MB (_STK_LIM); the POSIX agent sets its own to
 * that, so the kernel it runs on agrees. stack_guard_gap is a boot parameter (stack_guard_gap=
 * pages); the model keeps its default, and the POSIX agent measures its kernel's.
 *
 * The main thread's stack is the one VM_GROWSDOWN VMA every program starts with: execve builds it
 * (fs/exec.c setup_arg_pages) over the pages holding the arguments, the environment and the
 * auxiliary vector, then extends it by stack_expand, 128 KB, below them. The model loads no
 * program, and runs with randomisation off, so every process the scenario runner makes gets the
 * same stack (vs_linux_exec_stack): [VS_LINUX_STACK_TOP - 132 KB, VS_LINUX_STACK_TOP), rw-p, the
 * one page of a small program's arguments written, as `env -i setarch -R` gives /bin/cat on
 * x86-64 (measured on 6.18: 7ffffffde000-7ffffffff000, VmFlags "rd wr mr mw me gd ac"). maps
 * names it [stack] because it holds mm->start_stack, VS_LINUX_START_STACK (the kernel adds a
 * random offset below the top otherwise, which is why the POSIX agent compares stacks relative to
 * their ends). It grows by the rules above, fork copies it, and it never shrinks.
 */
#include "linux.h"

#define STACK_GUARD_GAP_PAGES 256 /* stack_guard_gap: 1 MB, the default (no stack_guard_gap=) */
#define STACK_LIMIT_PAGES 2048    /* RLIMIT_STACK: 8 MB */

/* The first page the VMA keeps others from (vm_start_gap): its start, less the guard gap below
 * a VM_GROWSDOWN VMA (0 where that would pass the bottom of the address space). */
uint64_t vs_vma_start_gap(const VsVad *vad)
{
    uint64_t start = vad->starting_vpn;
    if (!(vs_vma(vad)->vm_flags & VS_VM_GROWSDOWN))
        return start;
    return start > STACK_GUARD_GAP_PAGES ? start - STACK_GUARD_GAP_PAGES : 0;
}

/* Whether the VMA below a stack keeps it from growing down to vpn: an accessible VMA that is not
 * itself VM_GROWSDOWN, ending less than the guard gap below vpn. */
static bool guard_gap_refuses(const VsVad *prev, uint64_t vpn)
{
    VsVmFlags flags = vs_vma(prev)->vm_flags;
    return !(flags & VS_VM_GROWSDOWN) && (flags & VS_VM_ACCESS_FLAGS) &&
           vpn - ((uint64_t)prev->ending_vpn + 1) < STACK_GUARD_GAP_PAGES;
}

/* The stack VMA vad (the first VMA above vpn, VM_GROWSDOWN or not) grows down to vpn
 * (expand_downwards and acct_stack_growth, in their order): true if it did. The pages it grows
 * over are new, whatever a child still shares at their offsets (vs_clone_hide_grown). */
static bool grow_down(VsProcess *process, VsVad *vad, uint64_t vpn)
{
    VsVma *vma = vs_vma(vad);
    const VsVad *prev = vs_vad_prev(vad);
    if (!(vma->vm_flags & VS_VM_GROWSDOWN) || vpn < process->vad_root.lowest_vpn ||
        (prev && guard_gap_refuses(prev, vpn)))
        return false;
    vs_vma_anon_prepare(process, vad);
    uint64_t grow = vad->starting_vpn - vpn, pages = vs_vma_pages(vad) + grow;
    if (grow > vma->vm_pgoff || pages > STACK_LIMIT_PAGES ||
        !vs_vm_enough_memory(process->system, grow) || !vs_vma_extend_down(process, vad, grow))
        return false;
    uint64_t old_start = vad->starting_vpn;
    vs_vad_set_range(&process->vad_root, vad, vpn, vad->ending_vpn);
    if (!vs_clone_hide_grown(process, vad, vpn, old_start - 1)) {
        vs_vma_zap(process, vad, vpn, old_start - 1);
        vs_vad_set_range(&process->vad_root, vad, old_start, vad->ending_vpn);
        vma->vm_pgoff += grow;
        vma->mapped.first_prototype += grow;
        return false;
    }
    vs_vma_charge(process, vad);
    VsEvent event = {.kind = VS_EV_VMA_GROWN,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vad->ending_vpn,
                     .old_start = old_start,
                     .old_end = vad->ending_vpn};
    vs_emit(process->system, &event);
    return true;
}

/*
 * The VMA an access to vpn finds (lock_mm_and_find_vma): the one holding vpn, or, where none
 * does, the next VMA above once it has grown down to vpn; NULL when there is none (SIGSEGV).
 */
VsVad *vs_vma_for_fault(VsProcess *process, uint64_t vpn)
{
    VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
    if (vad)
        return vad;
    vad = vs_vad_find_above(&process->vad_root, vpn);
    return vad && grow_down(process, vad, vpn) ? vad : NULL;
}

/* Whether [start_vpn, end_vpn], free of VMAs, also stays out of the guard gap of the VMA above
 * it (a hint is taken only then: generic_get_unmapped_area_topdown). */
bool vs_vma_clear_of_gaps(const VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    (void)start_vpn;
    const VsVad *next = vs_vad_find_above(&process->vad_root, end_vpn);
    return !next || end_vpn < vs_vma_start_gap(next);
}

/* The main thread's stack as execve leaves it (setup_arg_pages: the argument page, then
 * stack_expand below it, VM_STACK_FLAGS: VM_GROWSDOWN and VM_ACCOUNT besides rw-p), its top page
 * written as the arguments were. 0, or an errno: EEXIST where the process has something mapped
 * there already, ENOMEM when out of memory. */
int vs_linux_exec_stack(VsThread *thread)
{
    if (!vs_linux_call(thread))
        return VS_ENOSYS;
    VsProcess *process = thread->process;
    uint64_t start_vpn = vs_vpn(VS_LINUX_STACK_TOP - VS_LINUX_STACK_INITIAL);
    uint64_t end_vpn = vs_vpn(VS_LINUX_STACK_TOP) - 1;
    const VsVad *above = vs_vad_find_above(&process->vad_root, start_vpn - 1);
    if (above && above->starting_vpn <= end_vpn)
        return VS_EEXIST;
    VsVmFlags vm_flags =
        VS_VM_READ | VS_VM_WRITE | VS_VM_MAYREAD | VS_VM_MAYWRITE | VS_VM_MAYEXEC | VS_VM_GROWSDOWN;
    int error = vs_map_anonymous(thread, start_vpn, end_vpn - start_vpn + 1, vm_flags);
    if (error)
        return error;
    return NT_SUCCESS(vs_memory_write(thread, VS_LINUX_START_STACK, 0)) ? 0 : VS_ENOMEM;
}

/* Whether maps names the VMA [stack]: anonymous, holding mm->start_stack (vma_is_initial_stack). */
bool vs_vma_is_initial_stack(const VsVad *vad)
{
    uint64_t start = vs_vpn_address(vad->starting_vpn);
    uint64_t end = vs_vpn_address((uint64_t)vad->ending_vpn + 1);
    return vs_vma_is_anonymous(vad) && start <= VS_LINUX_START_STACK && end >= VS_LINUX_START_STACK;
}
