/*
 * fork.c - fork for the Linux personality (kernel/fork.c dup_mm, dup_mmap, copy_page_range).
 *
 * The child gets a copy of every VMA but those marked MADV_DONTFORK (MADV_WIPEONFORK ones come
 * empty) and a copy of the descriptor table. Shared mappings share their pages as before. Private
 * pages are shared copy-on-write: the first store, in either process, copies the page for the
 * writer alone. The model does this the way Windows' own fork did (MiCloneProcessAddressSpace,
 * kept for the POSIX subsystem): a private anonymous VMA's pages move into a section of their own
 * (fork prototype PTEs, MMCLONE_BLOCK), which parent and child then map copy-on-write, as Linux's
 * anon_vma lets both processes map one page until either writes it.
 * Simplification: a page the parent had already copied privately inside a mapping of a section (a
 * private file page it wrote, or a page it wrote since an earlier fork) is copied for the child at
 * once instead of being shared; only /proc/PID/pagemap can tell.
 */
#include <stdlib.h>
#include <string.h>

#include "linux.h"

/* One page of a private anonymous VMA moves into the fork section at index: the parent keeps a
 * resident page (now shared, mapped copy-on-write); the section holds any other. The section's
 * entry was prepared. */
static void share_page(VsProcess *parent, VsVad *vad, VsSection *section, uint64_t vpn)
{
    VsSystem *system = parent->system;
    uint64_t pte = vs_pt_read(parent, vpn), i = vpn - vad->starting_vpn;
    if (pte == 0)
        return;
    VsPfn *pfn = vs_pte_is_resident(pte) ? &system->pfn.frames[vs_pte_frame(pte)] : NULL;
    uint64_t slot = pfn ? vs_pte_pagefile_slot(pfn->original_pte) : 0;
    if (vs_pte_is_valid(pte)) {
        uint64_t frame = vs_pte_frame(pte);
        if (pte & VS_PTE_DIRTY)
            vs_capture_dirty(parent, frame);
        uint32_t age = vs_ws_entry(parent, vpn, frame)->age;
        vs_ws_remove(parent, vpn, frame);
        pfn->flags |= VS_PFN_PROTOTYPE;
        vs_ws_insert(parent, vpn, frame, vad->protection);
        vs_ws_entry(parent, vpn, frame)->age = age;
        vs_prototype_write(section, i, vs_pte_make_valid(frame, section->protection));
        vs_pt_write(parent, vpn, vs_pte_make_valid(frame, vad->protection) | VS_PTE_ACCESSED);
    } else if (pfn) {
        pfn->flags |= VS_PFN_PROTOTYPE;
        vs_prototype_write(section, i,
                           vs_pte_make_transition(vs_pte_frame(pte), section->protection));
        vs_pt_write(parent, vpn, 0);
    } else if (vs_pte_is_pagefile(pte)) {
        vs_prototype_write(section, i,
                           vs_pte_make_pagefile(vs_pte_pagefile_slot(pte), section->protection));
        vs_pt_write(parent, vpn, 0);
    } else {
        vs_pt_write(parent, vpn, 0); /* demand zero: the section's page is too */
    }
    if (pfn) {
        pfn->pid = section->id;
        pfn->vpn = i;
        pfn->original_pte = vs_pte_make_pagefile(slot, section->protection);
    }
}

/* Makes room in the fork section for every page of the VMA whose leaf table exists, so the moves
 * cannot fail halfway; false (nothing kept) if the host has no room. */
static bool prepare_share(const VsProcess *parent, const VsVad *vad, VsSection *section)
{
    uint64_t first = vad->starting_vpn, last = vad->ending_vpn;
    for (uint64_t vpn = vs_pt_next_present(parent, first, last); vpn <= last;) {
        uint64_t stop = vs_min(last, vs_pt_leaf_last_vpn(parent, vpn));
        if (!vs_prototype_prepare(section, vpn - first, stop - first)) {
            vs_prototype_release_empty(section, 0, last - first);
            return false;
        }
        if (stop == last)
            break;
        vpn = vs_pt_next_present(parent, stop + 1, last);
    }
    return true;
}

/* A section for the private pages a fork leaves shared between parent and child (models the
 * fork prototype PTEs of MiCloneProcessAddressSpace: Windows' MMCLONE_BLOCK). */
static VsSection *fork_section(VsSystem *system, uint64_t pages)
{
    VsSection *section;
    if (!NT_SUCCESS(vs_section_create(system, NULL, pages * VS_PAGE_SIZE, MM_EXECUTE_READWRITE,
                                      SEC_COMMIT, NULL, &section)))
        return NULL;
    return section;
}

/* The pages of a private anonymous VMA move into a fork section: the parent keeps its resident
 * pages (now shared, mapped copy-on-write), the others are found through the section. Only pages
 * with a page table are visited: the rest are demand zero in the section as they were. */
static bool share_pages(VsProcess *parent, VsVad *vad)
{
    VsSystem *system = parent->system;
    uint64_t pages = vs_vma_pages(vad);
    VsSection *section = fork_section(system, pages);
    if (!section)
        return false;
    if (!prepare_share(parent, vad, section)) {
        vs_section_dereference(system, section);
        return false;
    }
    VsVma *vma = vs_vma(vad);
    vma->mapped.section = section;
    vma->mapped.first_prototype = 0;
    section->views++;
    vad->kind = VS_VAD_MAPPED;
    vad->private_memory = 0;
    vad->mem_commit = 0;
    vad->protection = vs_vma_mm_protection(vad);
    uint64_t first = vad->starting_vpn, last = vad->ending_vpn;
    for (uint64_t vpn = vs_pt_next_present(parent, first, last); vpn <= last;) {
        uint64_t stop = vs_min(last, vs_pt_leaf_last_vpn(parent, vpn));
        for (; vpn <= stop; vpn++)
            share_page(parent, vad, section, vpn); /* may free the leaf table: reads then see 0 */
        if (stop == last)
            break;
        vpn = vs_pt_next_present(parent, stop + 1, last);
    }
    vs_prototype_release_empty(section, 0, pages - 1);
    vs_pt_release_empty(parent, first, last);
    return true;
}

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

/* The child's copy of one VMA (dup_mmap's loop body). */
static bool copy_vma(VsProcess *parent, VsProcess *child, VsVad *vad)
{
    VsVma *vma = vs_vma(vad);
    VsVmFlags flags = vma->vm_flags;
    if (flags & VS_VM_DONTCOPY)
        return true;
    bool wipe = (flags & VS_VM_WIPEONFORK) && vs_vma_is_anonymous(vad);
    /* Private anonymous memory never written has no anon_vma, and nothing but zero pages: the
     * kernel leaves the child's page table empty there (vma_needs_copy), to be faulted afresh. */
    bool empty = wipe || (!vma->mapped.section && !vma->anon_vma);
    if (!empty && !vma->mapped.section && !share_pages(parent, vad))
        return false;
    VsVma *copy = vs_vma_alloc(child, vad->starting_vpn, vad->ending_vpn, flags,
                               empty ? NULL : vma->mapped.section, empty ? NULL : vma->file,
                               wipe ? vad->starting_vpn : vma->mapped.first_prototype);
    if (!copy)
        return false;
    copy->vm_file = wipe ? NULL : vma->vm_file;
    if (vma->anon_vma && !wipe)
        copy->anon_vma = ++vs_linux_system(parent->system)->next_anon_vma; /* the child's own */
    vs_vad_insert(&child->vad_root, &copy->mapped.core);
    vs_vma_charge(child, &copy->mapped.core);
    if (empty || !vma->mapped.section)
        return true;
    /* Private copies the parent made inside the section's mapping are copied for the child. */
    for (uint64_t vpn = vs_pt_next_present(parent, vad->starting_vpn, vad->ending_vpn);
         vpn <= vad->ending_vpn; vpn = vs_pt_next_present(parent, vpn + 1, vad->ending_vpn)) {
        uint64_t pte = vs_pt_read(parent, vpn);
        if (vs_pte_is_valid(pte) &&
            !(parent->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE))
            copy_private_page(parent, child, vpn, pte,
                              (uint32_t)vs_valid_protection(parent, vpn, pte));
    }
    return true;
}

static bool copy_descriptors(VsLinuxProcess *parent, VsLinuxProcess *child)
{
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

int64_t vs_fork(VsThread *thread, VsProcess **child_out)
{
    if (!vs_linux_call(thread))
        return -1;
    VsProcess *parent = thread->process;
    VsProcess *child = vs_process_create(parent->system, parent->name);
    if (!child || !copy_descriptors(vs_linux_process(parent), vs_linux_process(child))) {
        vs_set_errno(thread, VS_ENOMEM); /* the half-made child stays, empty */
        return -1;
    }
    for (VsVad *vad = vs_vad_min(parent->vad_root.root); vad; vad = (VsVad *)vs_vad_next(vad)) {
        if (!copy_vma(parent, child, vad))
            return vs_linux_fail(thread, VS_ENOMEM);
    }
    VsEvent event = {.kind = VS_EV_PROCESS_FORKED, .pid = parent->pid, .frame = child->pid};
    vs_emit(parent->system, &event);
    if (child_out)
        *child_out = child;
    return child->pid;
}
