/*
 * fork.c - fork for the Linux personality (kernel/fork.c dup_mm, dup_mmap, copy_page_range).
 *
 * The child gets a copy of every VMA but those marked MADV_DONTFORK (MADV_WIPEONFORK ones come
 * empty), none of them locked (mlock.c), a copy of the descriptor table and the parent's
 * RLIMIT_MEMLOCK. Shared mappings share their pages as before. Private
 * anonymous pages are shared copy-on-write: the first store, in either process, copies the page
 * for the writer alone. The model does this the way Windows' own fork did (MiCloneProcessAddress-
 * Space, kept for the POSIX subsystem): the VMA's private pages move into a section of their own
 * (the fork section: clone.c), which parent and child then map copy-on-write, as Linux's anon_vma
 * lets both processes map one page until either writes it - however many forks there were. A
 * written transparent huge page is shared whole, as a run of the fork section's pages that both
 * processes' PMDs map (copy_huge_pmd; clone.c, largeshared.c); the huge zero page is mapped in
 * both.
 * Simplification: a page the parent had copied privately inside a private mapping of a file (a
 * file page it wrote) is copied for the child at once instead of being shared; only
 * /proc/PID/pagemap can tell.
 */
#include <stdlib.h>
#include <string.h>

#include "linux.h"

/* A page the parent holds privately inside a VMA with a section: the child gets its own copy. */
static void copy_private_page(VsProcess *parent, VsProcess *child, uint64_t vpn, uint64_t pte,
                              uint32_t mm)
{
    VsSystem *system = parent->system;
    uint64_t from, frame = vs_pfn_take(system, false, &from);
    if (frame == VS_PFN_NONE || !NT_SUCCESS(vs_pt_prepare(child, vpn, vpn))) {
        if (frame != VS_PFN_NONE)
            vs_pfn_release(system, frame);
        return; /* no memory: the child finds the section's page instead */
    }
    VsPfn *copy = &system->pfn.frames[frame];
    vs_pfn_fill(&system->pfn, frame, system->pfn.frames[vs_pte_frame(pte)].data, VS_PAGE_SIZE);
    copy->original_pte = vs_pte_make_software(mm);
    copy->pid = child->pid;
    copy->vpn = vpn;
    copy->share_count = 1;
    copy->reference_count = 1;
    copy->flags |= VS_PFN_MODIFIED;
    if (!vs_ws_insert(child, vpn, frame, mm)) {
        vs_pfn_release(system, frame);
        return;
    }
    vs_pt_write(child, vpn, vs_pte_make_valid(frame, mm) | VS_PTE_ACCESSED | VS_PTE_DIRTY);
}

/* The child's page table for a private anonymous VMA the fork shares (copy_page_range): the pages
 * the parent finds in the fork section the child finds there too, with no PTE of its own; a page
 * the parent dropped (its own demand-zero PTE) the child drops too where the section holds
 * something at its index. */
static bool copy_dropped_pages(VsProcess *parent, VsProcess *child, const VsVad *vad)
{
    const VsSection *section = vs_mapped_vad(vad)->section;
    for (uint64_t vpn = vs_pt_next_present(parent, vad->starting_vpn, vad->ending_vpn);
         vpn <= vad->ending_vpn; vpn = vs_pt_next_present(parent, vpn + 1, vad->ending_vpn)) {
        uint64_t pte = vs_pt_read(parent, vpn), index = vs_view_prototype_index(vad, vpn);
        if (pte == 0 || vs_pte_is_resident(pte) || vs_pte_is_pagefile(pte) ||
            vs_pte_is_proto(pte) ||
            vs_prototype_read(section, index) == vs_prototype_initial(section))
            continue;
        if (!NT_SUCCESS(vs_pt_prepare(child, vpn, vpn)))
            return false;
        vs_pt_write(child, vpn, pte);
    }
    return true;
}

/* The private copies a parent made of a private file mapping's pages, copied for the child. */
static void copy_private_pages(VsProcess *parent, VsProcess *child, const VsVad *vad)
{
    for (uint64_t vpn = vs_pt_next_present(parent, vad->starting_vpn, vad->ending_vpn);
         vpn <= vad->ending_vpn; vpn = vs_pt_next_present(parent, vpn + 1, vad->ending_vpn)) {
        uint64_t pte = vs_pt_read(parent, vpn);
        if (vs_pte_is_valid(pte) &&
            !(parent->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE))
            copy_private_page(parent, child, vpn, pte,
                              (uint32_t)vs_valid_protection(parent, vpn, pte));
    }
}

/* The child's copy of one VMA (dup_mmap's loop body). A private anonymous VMA with an anon_vma is
 * shared through its fork section (clone.c); one never written (no anon_vma) or marked
 * MADV_WIPEONFORK comes empty, to be faulted afresh (vma_needs_copy). The child's anon_vma is its
 * own, chained to the parent's (anon_vma_fork). */
static bool copy_vma(VsProcess *parent, VsProcess *child, VsVad *vad)
{
    VsVma *vma = vs_vma(vad);
    VsVmFlags flags = vma->vm_flags;
    if (flags & VS_VM_DONTCOPY)
        return true;
    bool anonymous = vs_vma_is_anonymous(vad);
    bool wipe = (flags & VS_VM_WIPEONFORK) && anonymous;
    bool empty = wipe || (anonymous && !vma->mapped.section && !vma->anon_vma);
    if (anonymous && !empty && !vs_clone_share(parent, vad))
        return false;
    VsVma *copy = vs_vma_alloc(child, vad->starting_vpn, vad->ending_vpn,
                               flags & ~(VsVmFlags)VS_VM_LOCKED_MASK, /* no lock is inherited */
                               empty ? NULL : vma->mapped.section, empty ? NULL : vma->file,
                               empty ? vma->vm_pgoff : vma->mapped.first_prototype);
    if (!copy)
        return false;
    copy->vm_pgoff = vma->vm_pgoff;
    copy->vm_file = wipe ? NULL : vma->vm_file;
    if (vma->anon_vma && !wipe) {
        copy->anon_vma = ++vs_linux_system(parent->system)->next_anon_vma;
        copy->anon_vma_chained = true;
    }
    vs_vad_insert(&child->vad_root, &copy->mapped.core);
    vs_vma_charge(child, &copy->mapped.core);
    if (empty || !vma->mapped.section)
        return true;
    if (anonymous)
        return vs_clone_copy_huge(parent, vad, child, &copy->mapped.core) &&
               copy_dropped_pages(parent, child, vad);
    copy_private_pages(parent, child, vad);
    return true;
}

/* The descriptor table, the break, and the rlimit (mlockall's def_flags are not inherited). */
static bool copy_files_and_limit(VsLinuxProcess *parent, VsLinuxProcess *child)
{
    child->memlock_limit = parent->memlock_limit;
    child->data_limit = parent->data_limit;
    child->brk = parent->brk;
    if (!parent->fd_count)
        return true;
    child->fds = malloc(parent->fd_count * sizeof *child->fds);
    if (!child->fds)
        return false;
    memcpy(child->fds, parent->fds, parent->fd_count * sizeof *child->fds);
    child->fd_count = parent->fd_count;
    for (size_t fd = 0; fd < child->fd_count; fd++)
        if (child->fds[fd])
            vs_linux_file(child->fds[fd]->file)->opens++; /* the same open file description */
    return true;
}

/* What a fork that failed partway had copied into its child goes again (Linux's dup_mmap failure
 * drops the new mm: mmput): its VMAs, their pages and commit, and its descriptors. The process
 * stays, empty: the model has no process exit. */
static void undo_child(VsProcess *child)
{
    VsThread *thread = vs_process_main_thread(child);
    VsLinuxProcess *linux_child = vs_linux_process(child);
    VsVad *root = child->vad_root.root;
    if (root)
        vs_vma_unmap_range(child, vs_vad_min(root)->starting_vpn, vs_vad_max(root)->ending_vpn);
    for (size_t fd = 0; fd < linux_child->fd_count; fd++)
        if (linux_child->fds[fd])
            vs_close(thread, (int64_t)fd);
}

int64_t vs_fork(VsThread *thread, VsProcess **child_out)
{
    if (!vs_linux_call(thread))
        return -1;
    VsProcess *parent = thread->process;
    VsProcess *child = vs_process_create(parent->system, parent->name);
    if (!child || !copy_files_and_limit(vs_linux_process(parent), vs_linux_process(child))) {
        vs_set_errno(thread, VS_ENOMEM); /* the half-made child stays, empty */
        return -1;
    }
    for (VsVad *vad = vs_vad_min(parent->vad_root.root); vad; vad = (VsVad *)vs_vad_next(vad)) {
        if (!copy_vma(parent, child, vad)) {
            undo_child(child);
            return vs_linux_fail(thread, VS_ENOMEM);
        }
    }
    vs_pkey_fork(thread, child);
    VsEvent event = {.kind = VS_EV_PROCESS_FORKED, .pid = parent->pid, .frame = child->pid};
    vs_emit(parent->system, &event);
    if (child_out)
        *child_out = child;
    return child->pid;
}

/* The flags a clone making a thread has, and those it may have besides, which change nothing the
 * model keeps (descriptors, file-system context, semaphores, TLS, the tid words). */
#define CLONE_A_THREAD (VS_CLONE_VM | VS_CLONE_SIGHAND | VS_CLONE_THREAD)
#define CLONE_ALSO                                                                                 \
    (VS_CLONE_FS | VS_CLONE_FILES | VS_CLONE_SYSVSEM | VS_CLONE_SETTLS | VS_CLONE_PARENT_SETTID |  \
     VS_CLONE_CHILD_CLEARTID)

/* clone for a thread (kernel/fork.c copy_process's flag checks, in its order; the new task shares
 * the mm with CLONE_VM). The stack is the new thread's stack pointer: glibc passes the top of the
 * stack it mapped, the kernel takes any value. */
int64_t vs_clone(VsThread *thread, uint64_t flags, uint64_t stack, VsThread **out)
{
    (void)stack;
    *out = NULL;
    if (!vs_linux_call(thread))
        return -1;
    if ((flags & VS_CLONE_THREAD) && !(flags & VS_CLONE_SIGHAND))
        return vs_linux_fail(thread, VS_EINVAL);
    if ((flags & VS_CLONE_SIGHAND) && !(flags & VS_CLONE_VM))
        return vs_linux_fail(thread, VS_EINVAL);
    if ((flags & CLONE_A_THREAD) != CLONE_A_THREAD ||
        (flags & ~(uint64_t)(CLONE_A_THREAD | CLONE_ALSO)))
        return vs_linux_fail(thread, VS_ENOSYS);
    VsThread *child = vs_thread_create(thread->process);
    if (!child)
        return vs_linux_fail(thread, VS_EAGAIN);
    *out = child;
    return vs_thread_id(child);
}
