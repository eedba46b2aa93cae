/*
 * mremap.c - mremap for the Linux personality (mm/mremap.c).
 *
 * Checks (check_mremap_params, docs/research/linux-mm.md 5): unknown flags, an unaligned old
 * address, MREMAP_FIXED or MREMAP_DONTUNMAP without MREMAP_MAYMOVE, DONTUNMAP changing the size,
 * a new size of 0 or past user space, a fixed new address unaligned, too high or overlapping the
 * old range: EINVAL. No VMA at the old address, or an old range running past its VMA: EFAULT. A
 * sealed VMA (mseal): EPERM. An old size of 0 on a private mapping: EINVAL.
 * Then: shrinking unmaps the tail in place; growing extends the VMA in place when the old range
 * ends its VMA and the pages above are free, else moves it (MAYMOVE) to a place chosen as mmap
 * would, else ENOMEM. A move carries the page-table entries to the new place - the same frames,
 * no copy - and unmaps the old range (DONTUNMAP leaves it mapped, empty). A move to a fixed
 * address that keeps the size may take several VMAs and the gaps between them (remap_move, 6.17+).
 * A VM_LOCKED VMA may grow only as far as RLIMIT_MEMLOCK allows (EAGAIN, after the EFAULT of an old
 * range past its VMA), and what it grew by is faulted in afterwards, as mlock would have done.
 */
#include "linux.h"

static uint64_t fail(VsThread *thread, int error)
{
    vs_set_errno(thread, error);
    return VS_MAP_FAILED;
}

/* A VM_LOCKED VMA growing from old_pages to new_pages: EAGAIN when RLIMIT_MEMLOCK does not allow
 * the new pages (check_prep_vma's mlock_future_ok), else 0. */
static int locked_growth(const VsProcess *process, const VsVad *vad, uint64_t old_pages,
                         uint64_t new_pages)
{
    if (new_pages <= old_pages ||
        vs_mlock_future_ok(process, vs_vma(vad)->vm_flags, new_pages - old_pages))
        return 0;
    return VS_EAGAIN;
}

/* Moves the PTE of old_vpn to new_vpn (move_ptes): a resident page's working-set entry and frame
 * follow it. */
static void move_pte(VsProcess *process, uint64_t old_vpn, uint64_t new_vpn)
{
    uint64_t pte = vs_pt_read(process, old_vpn);
    if (pte == 0)
        return;
    VsPfn *frames = process->system->pfn.frames;
    if (vs_pte_is_valid(pte)) {
        uint64_t frame = vs_pte_frame(pte);
        uint32_t mm = (uint32_t)vs_valid_protection(process, old_vpn, pte);
        vs_ws_remove(process, old_vpn, frame);
        if (!(frames[frame].flags & VS_PFN_PROTOTYPE))
            frames[frame].vpn = new_vpn;
        vs_ws_insert(process, new_vpn, frame, mm); /* room was made: the entry just left */
    } else if (vs_pte_is_transition(pte)) {
        frames[vs_pte_frame(pte)].vpn = new_vpn;
    }
    vs_pt_write(process, new_vpn, pte);
    vs_pt_write(process, old_vpn, 0);
}

/* Makes the page tables a move of [old_vpn, old_vpn + pages) to new_vpn needs: only where the old
 * range has a leaf table, since an absent one has nothing to move (move_page_tables skips empty
 * page-middle directories). False, with nothing kept, if the host or the PFN database says no. */
static bool prepare_move(VsProcess *process, uint64_t old_vpn, uint64_t new_vpn, uint64_t pages)
{
    uint64_t last = old_vpn + pages - 1;
    for (uint64_t vpn = vs_pt_next_present(process, old_vpn, last); vpn <= last;) {
        uint64_t stop = vs_min(last, vs_pt_leaf_last_vpn(process, vpn));
        if (!NT_SUCCESS(
                vs_pt_prepare(process, new_vpn + (vpn - old_vpn), new_vpn + (stop - old_vpn)))) {
            vs_pt_release_empty(process, new_vpn, new_vpn + pages - 1);
            return false;
        }
        if (stop == last)
            break;
        vpn = vs_pt_next_present(process, stop + 1, last);
    }
    return true;
}

/* Moves the PTEs of [old_vpn, old_vpn + pages) to new_vpn, leaf table by leaf table of the old
 * range (a table the moves empty is freed: its reads are zero then). */
static void move_ptes(VsProcess *process, uint64_t old_vpn, uint64_t new_vpn, uint64_t pages)
{
    uint64_t last = old_vpn + pages - 1;
    for (uint64_t vpn = vs_pt_next_present(process, old_vpn, last); vpn <= last;) {
        uint64_t stop = vs_min(last, vs_pt_leaf_last_vpn(process, vpn));
        for (; vpn <= stop; vpn++)
            move_pte(process, vpn, new_vpn + (vpn - old_vpn));
        if (stop == last)
            break;
        vpn = vs_pt_next_present(process, stop + 1, last);
    }
}

/* Moves the VMA vad (isolated: it is exactly the old range) to new_pages pages at new_vpn
 * (move_vma): a new VMA there with the same flags, the pages carried over (a grown tail is
 * untouched: new pages, whatever a child still shares at those offsets of the fork section), the
 * old VMA gone (or, with DONTUNMAP, left empty and unlocked). Returns 0 or an errno. */
static int move_vma(VsProcess *process, VsVad *vad, uint64_t new_vpn, uint64_t new_pages,
                    bool dontunmap)
{
    VsVma *old = vs_vma(vad);
    uint64_t pages = vs_vma_pages(vad), old_vpn = vad->starting_vpn;
    VsFile *file = vs_vma_file(vad);
    if (!prepare_move(process, old_vpn, new_vpn, pages) ||
        (file &&
         !vs_file_mapping_cache(process->system, file, old->mapped.first_prototype, new_pages)))
        return VS_ENOMEM;
    /* copy_vma: an untouched anonymous VMA takes the new place's offset, so it can merge there. */
    bool fresh = !file && !old->anon_vma && !old->mapped.section;
    VsVma *moved =
        vs_vma_alloc(process, new_vpn, new_vpn + new_pages - 1, old->vm_flags, old->mapped.section,
                     old->file, fresh ? new_vpn : old->mapped.first_prototype);
    if (!moved)
        return VS_ENOMEM;
    moved->vm_pgoff = fresh ? new_vpn : old->vm_pgoff;
    moved->anon_vma = old->anon_vma;
    moved->anon_vma_chained = old->anon_vma_chained;
    moved->vm_file = old->vm_file;
    moved->mapped.core.protection = vad->protection;
    vs_vad_insert(&process->vad_root, &moved->mapped.core);
    vs_vma_charge(process, &moved->mapped.core);
    if (new_pages > pages && !vs_clone_hide_grown(process, &moved->mapped.core, new_vpn + pages,
                                                  new_vpn + new_pages - 1)) {
        vs_vma_unmap_range(process, new_vpn, new_vpn + new_pages - 1);
        return VS_ENOMEM;
    }
    move_ptes(process, old_vpn, new_vpn, pages);
    vs_pt_release_empty(process, new_vpn, new_vpn + pages - 1); /* nothing came to some tables */
    VsEvent event = {.kind = VS_EV_VMA_MOVED,
                     .pid = process->pid,
                     .vpn_start = new_vpn,
                     .vpn_end = new_vpn + new_pages - 1,
                     .old_start = old_vpn,
                     .old_end = old_vpn + pages - 1,
                     .pages = pages};
    vs_emit(process->system, &event);
    if (!dontunmap) {
        vs_vma_unmap_range(process, old_vpn, old_vpn + pages - 1);
    } else { /* the old range stays mapped, empty and unlocked (dontunmap_complete), one VMA
              * with its neighbours again */
        vs_vma_zap(process, vad, old_vpn, old_vpn + pages - 1);
        vs_vma_set_flags(process, vad,
                         old->vm_flags & ~(VsVmFlags)(VS_VM_LOCKED | VS_VM_LOCKONFAULT));
        vs_vma_try_merge(process, vad);
    }
    vs_vma_try_merge(process, vs_vad_locate(&process->vad_root, new_vpn));
    return 0;
}

/* Grows the VMA that ends the old range in place by pages pages (vma_merge_extend). */
static int expand(VsProcess *process, VsVad *vad, uint64_t pages)
{
    VsVma *vma = vs_vma(vad);
    uint64_t new_end = vad->ending_vpn + pages;
    if ((vma->vm_flags & VS_VM_ACCOUNT) && !vs_vm_enough_memory(process->system, pages))
        return VS_ENOMEM;
    VsFile *file = vs_vma_file(vad);
    if (file && !vs_file_mapping_cache(process->system, file, vma->mapped.first_prototype,
                                       vs_vma_pages(vad) + pages))
        return VS_ENOMEM;
    uint64_t old_end = vad->ending_vpn;
    vs_vad_set_range(&process->vad_root, vad, vad->starting_vpn, new_end);
    if (!vs_clone_hide_grown(process, vad, old_end + 1, new_end)) {
        vs_vma_zap(process, vad, old_end + 1, new_end);
        vs_vad_set_range(&process->vad_root, vad, vad->starting_vpn, old_end);
        return VS_ENOMEM;
    }
    vs_vma_charge(process, vad);
    VsEvent event = {.kind = VS_EV_VMA_GROWN,
                     .pid = process->pid,
                     .vpn_start = vad->starting_vpn,
                     .vpn_end = new_end,
                     .old_start = vad->starting_vpn,
                     .old_end = old_end};
    vs_emit(process->system, &event);
    vs_vma_try_merge(process, vad);
    return 0;
}

/* Whether the VMA can grow by pages in place: the old range ends it and the pages above are free
 * and inside user space (vma_expandable). */
static bool expandable(VsProcess *process, const VsVad *vad, uint64_t old_last, uint64_t pages)
{
    const VsVadTable *table = &process->vad_root;
    uint64_t first = (uint64_t)vad->ending_vpn + 1;
    return vad->ending_vpn == old_last && first + pages - 1 <= table->highest_vpn &&
           !vs_vad_find_conflict(table, first, first + pages - 1);
}

static int check_params(VsThread *thread, uint64_t old_address, uint64_t old_size,
                        uint64_t new_size, uint32_t flags, uint64_t new_address)
{
    uint64_t task_size = thread->process->system->layout->highest_user_address + 1;
    uint32_t known = VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED | VS_MREMAP_DONTUNMAP;
    if ((flags & ~known) || (old_address & (VS_PAGE_SIZE - 1)) ||
        ((flags & (VS_MREMAP_FIXED | VS_MREMAP_DONTUNMAP)) && !(flags & VS_MREMAP_MAYMOVE)) ||
        ((flags & VS_MREMAP_DONTUNMAP) && old_size != new_size))
        return VS_EINVAL;
    if (new_size == 0 || new_size > task_size)
        return VS_EINVAL;
    if (flags & VS_MREMAP_FIXED) {
        if ((new_address & (VS_PAGE_SIZE - 1)) || new_address > task_size - new_size)
            return VS_EINVAL;
        if (new_address < old_address + old_size && old_address < new_address + new_size)
            return VS_EINVAL; /* the two ranges overlap */
    }
    return 0;
}

/* mremap of an old size of 0 on a shared mapping: a second mapping of the same pages, new_pages
 * long, starting with the page at old_vpn, where mmap would put it (or at the fixed address). */
static uint64_t second_mapping(VsThread *thread, VsVad *vad, uint64_t old_vpn, uint64_t new_pages,
                               uint32_t flags, uint64_t new_address)
{
    VsProcess *process = thread->process;
    uint64_t target = vs_vpn(new_address);
    int error;
    if (flags & VS_MREMAP_FIXED) {
        if ((error = vs_do_munmap(process, target, target + new_pages - 1)) != 0)
            return fail(thread, error);
        /* Clearing the target may have split the old page's VMA, or unmapped the page itself (the
         * kernel does not check that an old range of 0 pages overlaps the target): look again,
         * as mremap_to does, and EFAULT if it is gone - with the target left unmapped. */
        if (!(vad = vs_vad_locate(&process->vad_root, old_vpn)))
            return fail(thread, VS_EFAULT);
    }
    VsVma *old = vs_vma(vad);
    uint64_t pgoff = old->mapped.first_prototype + (old_vpn - vad->starting_vpn);
    VsSection *section = old->mapped.section;
    VsFile *file = vs_vma_file(vad);
    if (!(flags & VS_MREMAP_FIXED) &&
        !vs_get_unmapped_area(process, file, true, pgoff, new_pages, &target))
        return fail(thread, VS_ENOMEM);
    if (file && !vs_file_mapping_cache(process->system, file, pgoff, new_pages))
        return fail(thread, VS_ENOMEM);
    VsVma *copy = vs_vma_alloc(process, target, target + new_pages - 1, old->vm_flags, section,
                               old->file, pgoff);
    if (!copy)
        return fail(thread, VS_ENOMEM);
    copy->vm_file = old->vm_file;
    vs_vad_insert(&process->vad_root, &copy->mapped.core);
    vs_emit_range(process, VS_EV_VAD_INSERTED, target, target + new_pages - 1);
    vs_vma_charge(process, &copy->mapped.core);
    vs_vma_try_merge(process, &copy->mapped.core);
    return vs_vpn_address(target);
}

/* mremap_to for one piece: the target cleared (MREMAP_FIXED unmaps whatever was there), the old
 * range [old_vpn, old_last] - which must still lie in one VMA - cut out and moved there, new_pages
 * long. Returns 0 or an errno. */
static int move_fixed(VsProcess *process, uint64_t old_vpn, uint64_t old_last, uint64_t target,
                      uint64_t new_pages, bool dontunmap)
{
    int error = vs_do_munmap(process, target, target + new_pages - 1);
    if (error)
        return error;
    VsVad *vad = vs_vad_locate(&process->vad_root, old_vpn);
    if (!vad || old_last > vad->ending_vpn)
        return VS_EFAULT;
    if ((error = vs_vma_isolate(process, old_vpn, old_last, true)) != 0)
        return error;
    vad = vs_vad_locate(&process->vad_root, old_vpn);
    return move_vma(process, vad, target, new_pages, dontunmap);
}

/*
 * A move that keeps the size, to a fixed address (remap_move, Linux 6.17+): every VMA the old
 * range touches moves, cut to the range, and the gaps between them are kept, so each piece lands
 * where the previous one ended plus the gap that followed it. The range must not start in a gap
 * (EFAULT, as with no VMA at all); a gap at its end is fine. (The kernel refuses to move several
 * VMAs when one is armed by userfaultfd or its file places mappings its own way - hugetlbfs,
 * device files; none of the model's are, and moving two VMAs of an ext4 file works, measured on
 * 6.18.) Returns the first piece's new address.
 */
static uint64_t remap_move(VsThread *thread, uint64_t old_vpn, uint64_t pages, uint64_t target,
                           uint32_t flags)
{
    VsProcess *process = thread->process;
    uint64_t end = old_vpn + pages, cursor = old_vpn, last_end = 0, result = 0;
    bool seen = false;
    for (;;) {
        VsVad *vad = vs_vad_locate(&process->vad_root, cursor);
        if (!vad)
            vad = vs_vad_find_above(&process->vad_root, cursor);
        if (!vad || vad->starting_vpn >= end)
            break;
        if (!seen && old_vpn < vad->starting_vpn)
            return fail(thread, VS_EFAULT);
        if (vs_vma(vad)->vm_flags & VS_VM_SEALED)
            return fail(thread, VS_EPERM);
        uint64_t first = vs_max(vad->starting_vpn, old_vpn);
        uint64_t last = vs_min(end - 1, (uint64_t)vad->ending_vpn);
        uint64_t new_vpn = target + (seen ? vad->starting_vpn - last_end : 0);
        last_end = cursor = (uint64_t)vad->ending_vpn + 1;
        int error = move_fixed(process, first, last, new_vpn, last - first + 1,
                               flags & VS_MREMAP_DONTUNMAP);
        if (error)
            return fail(thread, error);
        if (!seen)
            result = vs_vpn_address(new_vpn);
        seen = true;
        target = new_vpn + (last - first + 1);
    }
    return seen ? result : fail(thread, VS_EFAULT);
}

/* mremap_to (MREMAP_FIXED): the same size moves VMA by VMA (remap_move); otherwise the part of the
 * old range that moves (a shrink's tail is unmapped) must lie in one VMA, then the target is
 * cleared and the tail unmapped (measured on 6.18). The new address, or MAP_FAILED. */
static uint64_t mremap_to(VsThread *thread, const VsVad *vad, uint64_t old_vpn, uint64_t old_pages,
                          uint64_t new_pages, uint32_t flags, uint64_t new_address)
{
    VsProcess *process = thread->process;
    uint64_t target = vs_vpn(new_address), old_last = old_vpn + old_pages - 1;
    if (old_pages == new_pages)
        return remap_move(thread, old_vpn, old_pages, target, flags);
    if (old_vpn + vs_min(old_pages, new_pages) - 1 > vad->ending_vpn)
        return fail(thread, VS_EFAULT);
    int error = locked_growth(process, vad, old_pages, new_pages);
    if (error)
        return fail(thread, error);
    if (old_pages > new_pages) {
        if ((error = vs_do_munmap(process, target, target + new_pages - 1)) != 0 ||
            (error = vs_do_munmap(process, old_vpn + new_pages, old_last)) != 0)
            return fail(thread, error);
        old_last = old_vpn + new_pages - 1;
    }
    error = move_fixed(process, old_vpn, old_last, target, new_pages, flags & VS_MREMAP_DONTUNMAP);
    return error ? fail(thread, error) : new_address;
}

/* The call once its arguments and the old VMA passed the first checks: a second mapping of
 * shared pages (an old size of 0), a move to a fixed address, a shrink, growth in place or a move.
 * The new address, or MAP_FAILED. */
static uint64_t remap(VsThread *thread, VsVad *vad, uint64_t old_address, uint64_t old_pages,
                      uint64_t new_pages, uint32_t flags, uint64_t new_address)
{
    VsProcess *process = thread->process;
    uint64_t old_vpn = vs_vpn(old_address), old_last = old_vpn + old_pages - 1;
    int error;
    if (old_pages == 0) {
        if ((error = locked_growth(process, vad, 0, new_pages)) != 0)
            return fail(thread, error);
        if (!(flags & VS_MREMAP_MAYMOVE))
            return fail(thread, VS_ENOMEM); /* "grow" a range of nothing in place: never */
        return second_mapping(thread, vad, old_vpn, new_pages, flags, new_address);
    }
    if (flags & VS_MREMAP_FIXED)
        return mremap_to(thread, vad, old_vpn, old_pages, new_pages, flags, new_address);
    bool shrink = !(flags & VS_MREMAP_DONTUNMAP) && old_pages >= new_pages;
    /* Only a call that keeps or moves the old range needs it inside one VMA: a shrink unmaps the
     * tail wherever it runs, as munmap would (measured on 6.18). */
    if (old_last > vad->ending_vpn && !shrink)
        return fail(thread, VS_EFAULT);
    if ((error = locked_growth(process, vad, old_pages, new_pages)) != 0)
        return fail(thread, error);
    if (new_pages > old_pages &&
        !vs_may_expand_data(process, vs_vma(vad)->vm_flags, new_pages - old_pages))
        return fail(thread, VS_ENOMEM); /* resize_is_valid: RLIMIT_DATA (datalimit.c) */
    if (shrink) {
        if (old_pages > new_pages && (error = vs_do_munmap(process, old_vpn + new_pages, old_last)))
            return fail(thread, error);
        return old_address;
    }
    uint64_t more = new_pages - old_pages;
    if (more && expandable(process, vad, old_last, more)) {
        if ((error = expand(process, vad, more)) != 0)
            return fail(thread, error);
        return old_address;
    }
    if (!(flags & VS_MREMAP_MAYMOVE))
        return fail(thread, VS_ENOMEM);
    uint64_t target, pgoff = vs_vma(vad)->vm_pgoff + (old_vpn - vad->starting_vpn);
    if (!vs_get_unmapped_area(process, vs_vma_file(vad), vs_vma(vad)->vm_flags & VS_VM_MAYSHARE,
                              pgoff, new_pages, &target))
        return fail(thread, VS_ENOMEM);
    if ((error = vs_vma_isolate(process, old_vpn, old_last, true)) != 0)
        return fail(thread, error);
    vad = vs_vad_locate(&process->vad_root, old_vpn);
    if ((error = move_vma(process, vad, target, new_pages, flags & VS_MREMAP_DONTUNMAP)) != 0)
        return fail(thread, error);
    return vs_vpn_address(target);
}

uint64_t vs_mremap(VsThread *thread, uint64_t old_address, uint64_t old_size, uint64_t new_size,
                   uint32_t flags, uint64_t new_address)
{
    if (!vs_linux_call(thread))
        return VS_MAP_FAILED;
    VsProcess *process = thread->process;
    old_size = (old_size + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    uint64_t aligned_new = (new_size + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    if (new_size && !aligned_new)
        return fail(thread, VS_EINVAL);
    int error = check_params(thread, old_address, old_size, aligned_new, flags, new_address);
    if (error)
        return fail(thread, error);
    new_size = aligned_new;
    uint64_t old_vpn = vs_vpn(old_address);
    VsVad *vad = vs_vad_locate(&process->vad_root, old_vpn);
    if (!vad)
        return fail(thread, VS_EFAULT);
    if (vs_vma(vad)->vm_flags & VS_VM_SEALED)
        return fail(thread, VS_EPERM); /* check_prep_vma: a sealed VMA is never remapped */
    if ((error = vs_hugetlb_mremap_check(vad, old_address, &old_size, &new_size)) != 0)
        return fail(thread, error);
    if (old_size == 0 && !(vs_vma(vad)->vm_flags & VS_VM_MAYSHARE))
        return fail(thread, VS_EINVAL);
    /* The model moves PTEs only: the huge pages the old range holds become 4 KB pages first,
     * and those the kernel keeps whole (a PMD moved 2 MB-aligned: move_huge_pmd; one a shrink or
     * growth in place, or a failure, leaves be) are made whole again after (thp.c). */
    VsThpHeld held;
    if (old_size &&
        (error = vs_thp_split_held(process, old_vpn, old_vpn + vs_vpn(old_size) - 1, &held)) != 0)
        return fail(thread, error);
    uint64_t new_pages = vs_vpn(new_size), old_pages = vs_vpn(old_size);
    bool locked = vs_vma(vad)->vm_flags & VS_VM_LOCKED;
    uint64_t address = remap(thread, vad, old_address, old_pages, new_pages, flags, new_address);
    if (old_size && address == VS_MAP_FAILED)
        vs_thp_remake(process, &held, old_vpn, old_vpn, old_pages);
    else if (old_size)
        vs_thp_remake(process, &held, old_vpn, vs_vpn(address), vs_min(old_pages, new_pages));
    /* A locked VMA that grew has what it grew by faulted in (do_mremap's mm_populate, errors
     * ignored; populate_vma_page_range leaves a VMA locked on fault alone). */
    if (address != VS_MAP_FAILED && locked && new_pages > old_pages)
        vs_vma_populate(thread, vs_vpn(address) + old_pages, vs_vpn(address) + new_pages - 1, true);
    return address;
}
