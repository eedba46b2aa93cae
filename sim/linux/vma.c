/*
 * vma.c - Linux's virtual memory areas (struct vm_area_struct) over the VAD tree: what a VMA is,
 * how it splits and merges, and when its private pages get their anon_vma.
 *
 * A VMA is a VsVma (linux.h), the core's long VAD extended: the VAD's page range and protection,
 * vm_pgoff (kept in first_prototype: for a file, the page of the file the VMA starts at; for
 * anonymous memory, the virtual page it was created at, as Linux does so that neighbours can
 * merge) and the section holding the pages it shares (a file's page cache, or the pages a fork
 * left shared copy-on-write); then vm_flags, the anon_vma its private pages hang on, and the file
 * it maps and the open file it maps it through. Private anonymous memory without such a section
 * is a MemCommit private VAD: a zero PTE is a demand-zero page with the VMA's protection.
 *
 * Splitting and merging follow mm/vma.c (split_vma, vma_merge_new_range, vma_merge_existing_range,
 * is_mergeable_vma, is_mergeable_anon_vma); the rules with their measurements are in
 * docs/research/linux-mm.md section 3.3.
 */
#include "linux.h"

/*
 * The MM protection of a VMA's pages (vm_get_page_prot on x86): a page cannot be writable or
 * executable without being readable, so PROT_WRITE alone is read-write and PROT_EXEC alone
 * execute-read (on a CPU with protection keys its key forbids the reads: vs_vma_pkey_for). A
 * writable private mapping of pages another mapping shares (a file's, or a forked parent's) is
 * copy-on-write: the first store copies the page (do_wp_page).
 */
uint32_t vs_vma_mm_protection(const VsVad *vad)
{
    const VsVma *vma = vs_vma(vad);
    VsVmFlags flags = vma->vm_flags;
    bool write = flags & VS_VM_WRITE, exec = flags & VS_VM_EXEC;
    if (!(flags & VS_VM_ACCESS_FLAGS))
        return MM_NOACCESS;
    bool copy = write && !(flags & VS_VM_SHARED) && vma->mapped.section;
    if (exec)
        return write ? (copy ? MM_EXECUTE_WRITECOPY : MM_EXECUTE_READWRITE) : MM_EXECUTE_READ;
    return write ? (copy ? MM_WRITECOPY : MM_READWRITE) : MM_READONLY;
}

/* ---- Making and freeing ---------------------------------------------------------------------- */

/* A new VMA of [start_vpn, end_vpn] (vm_area_alloc), not in the tree yet: with vm_flags, mapping
 * the pages of section (NULL for private anonymous memory), those of file (NULL for anonymous
 * memory) from page pgoff on. NULL when the host has no memory for it. */
VsVma *vs_vma_alloc(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, VsVmFlags vm_flags,
                    VsSection *section, VsFile *file, uint64_t pgoff)
{
    VsVma *vma = vs_pool_alloc(&process->system->mapped_vad_pool);
    if (!vma)
        return NULL;
    vma->mapped.core.starting_vpn = start_vpn;
    vma->mapped.core.ending_vpn = end_vpn;
    vma->mapped.core.kind = section ? VS_VAD_MAPPED : VS_VAD_PRIVATE;
    vma->mapped.core.private_memory = section == NULL;
    vma->mapped.core.mem_commit = section == NULL; /* an untouched anonymous page is demand zero */
    vma->mapped.section = section;
    vma->mapped.first_prototype = pgoff;
    vma->vm_pgoff = pgoff;
    vma->vm_flags = vm_flags;
    vma->file = file;
    vma->mapped.core.protection = vs_vma_mm_protection(&vma->mapped.core);
    if (section)
        section->views++;
    return vma;
}

/* Gives a VMA already out of the tree back, with its commit and its hold on its section. */
void vs_vma_free(VsProcess *process, VsVad *vad)
{
    VsSystem *system = process->system;
    VsSection *section = vs_mapped_vad(vad)->section;
    vs_charge_commit(process, vad, -(int64_t)vad->commit_charge);
    vs_pool_free(&system->mapped_vad_pool, vad);
    if (section) {
        section->views--;
        vs_section_dereference(system, section);
    }
}

/*
 * Charges what Linux accounts for the VMA (accountable_mapping): every page of a private writable
 * mapping without MAP_NORESERVE carries VM_ACCOUNT, whether or not it is ever touched; other VMAs
 * charge nothing (shared memory is charged by its object).
 */
void vs_vma_charge(VsProcess *process, VsVad *vad)
{
    uint64_t want = (vs_vma(vad)->vm_flags & VS_VM_ACCOUNT) ? vs_vma_pages(vad) : 0;
    vs_charge_commit(process, vad, (int64_t)(want - vad->commit_charge));
}

/* ---- Splitting and merging ------------------------------------------------------------------- */

/*
 * Splits the VMA before page at_vpn (split_vma): the upper part is a new VMA with the same flags,
 * anon_vma and section, and a vm_pgoff advanced by the pages it no longer starts with; a huge page
 * the boundary cuts is split first (thp.c). Returns the upper part, or NULL when the host has no
 * memory for it (or no frame for that huge page's page table). The caller has checked
 * max_map_count.
 */
VsVad *vs_vma_split(VsProcess *process, VsVad *vad, uint64_t at_vpn)
{
    if (vs_thp_split_at(process,
                        at_vpn)) /* a huge page across the boundary (vma_adjust_trans_huge) */
        return NULL;
    VsVma *lower = vs_vma(vad);
    uint64_t old_end = vad->ending_vpn;
    VsVma *upper =
        vs_vma_alloc(process, at_vpn, old_end, lower->vm_flags, lower->mapped.section, lower->file,
                     lower->mapped.first_prototype + (at_vpn - vad->starting_vpn));
    if (!upper)
        return NULL;
    upper->vm_pgoff = lower->vm_pgoff + (at_vpn - vad->starting_vpn);
    upper->anon_vma = lower->anon_vma;
    upper->anon_vma_chained = lower->anon_vma_chained;
    upper->vm_file = lower->vm_file;
    upper->mapped.core.protection = vad->protection;
    vs_vad_set_range(&process->vad_root, vad, vad->starting_vpn, at_vpn - 1);
    vs_vad_insert(&process->vad_root, &upper->mapped.core);
    /* The charge follows the pages: moved, not taken again. */
    uint64_t moved = vad->commit_charge ? vs_vma_pages(&upper->mapped.core) : 0;
    vad->commit_charge -= moved;
    upper->mapped.core.commit_charge = moved;
    VsEvent event = {.kind = VS_EV_VMA_SPLIT,
                     .pid = process->pid,
                     .vpn_start = at_vpn,
                     .vpn_end = old_end,
                     .old_start = vad->starting_vpn,
                     .old_end = old_end};
    vs_emit(process->system, &event);
    return &upper->mapped.core;
}

/* Whether the anon_vmas let two VMAs become one (is_mergeable_anon_vma): they share it, or one
 * has none and the other's is not chained to a forked parent's (vma_had_uncowed_parents: a
 * child's VMA merges with nothing new, its parent's still does). */
static bool anon_vma_mergeable(const VsVma *a, const VsVma *b)
{
    if (a->anon_vma && b->anon_vma)
        return a->anon_vma == b->anon_vma;
    return !(a->anon_vma && a->anon_vma_chained) && !(b->anon_vma && b->anon_vma_chained);
}

/* Whether lower and upper, neighbours in that order, can be one VMA (is_mergeable_vma): touching,
 * the same flags, the same file (or none) at contiguous offsets, compatible anon_vmas. */
static bool can_merge(const VsVad *lower, const VsVad *upper)
{
    const VsVma *a = vs_vma(lower), *b = vs_vma(upper);
    if ((uint64_t)lower->ending_vpn + 1 != upper->starting_vpn || a->vm_flags != b->vm_flags ||
        a->file != b->file || a->vm_file != b->vm_file ||
        b->vm_pgoff != a->vm_pgoff + vs_vma_pages(lower) || !anon_vma_mergeable(a, b))
        return false;
    /* The same file means the same section: each shared anonymous mapping is a shmem file of its
     * own, so two such mappings never merge, while pieces of one do. The open file must be the
     * same too (vma->vm_file == file): one file opened twice maps as two. Private anonymous
     * memory may map fork sections, which a merge makes one (vs_clone_join). */
    return !a->file || b->mapped.first_prototype == a->mapped.first_prototype + vs_vma_pages(lower);
}

/* Whether lower and upper can be one VMA, their fork sections made one first if they differ. */
static bool join(VsProcess *process, VsVad *lower, VsVad *upper)
{
    return can_merge(lower, upper) && (vs_vma(lower)->file || vs_clone_join(process, lower, upper));
}

/* lower absorbs upper, its neighbour: one VMA, one charge, the anon_vma either had. */
static void absorb(VsProcess *process, VsVad *lower, VsVad *upper)
{
    uint64_t old_start = upper->starting_vpn, old_end = upper->ending_vpn;
    if (!vs_vma(lower)->anon_vma) {
        vs_vma(lower)->anon_vma = vs_vma(upper)->anon_vma;
        vs_vma(lower)->anon_vma_chained = vs_vma(upper)->anon_vma_chained;
    }
    uint64_t charge = upper->commit_charge;
    vs_charge_commit(process, upper, -(int64_t)charge);
    vs_vad_remove(&process->vad_root, upper);
    vs_vma_free(process, upper);
    vs_vad_set_range(&process->vad_root, lower, lower->starting_vpn, old_end);
    vs_charge_commit(process, lower, (int64_t)charge);
    VsEvent event = {.kind = VS_EV_VMA_MERGED,
                     .pid = process->pid,
                     .vpn_start = lower->starting_vpn,
                     .vpn_end = old_end,
                     .old_start = old_start,
                     .old_end = old_end};
    vs_emit(process->system, &event);
}

/*
 * Merges vad with the neighbours it can be one with (vma_merge_new_range and
 * vma_merge_existing_range, once the range's flags are set); returns the VMA that holds its pages
 * now. The three become one only if prev's and next's anon_vmas agree too; when they do not, the
 * kernel prefers prev (can_vma_merge_right refuses next once the left merge is possible).
 */
VsVad *vs_vma_try_merge(VsProcess *process, VsVad *vad)
{
    VsVad *prev = vs_vad_prev(vad), *next = (VsVad *)vs_vad_next(vad);
    bool left = prev && can_merge(prev, vad);
    bool right =
        next && can_merge(vad, next) && (!left || anon_vma_mergeable(vs_vma(prev), vs_vma(next)));
    if (right && join(process, vad, next))
        absorb(process, vad, next);
    if (!left || !join(process, prev, vad))
        return vad;
    absorb(process, prev, vad);
    return prev;
}

/*
 * Gives the VMA new flags (mprotect_fixup's and madvise_update_vma's last step): the VAD's
 * protection, every page already present re-protected (PTEs still zero say the VMA's protection
 * by themselves), and the charge VM_ACCOUNT asks for.
 */
void vs_vma_set_flags(VsProcess *process, VsVad *vad, VsVmFlags vm_flags)
{
    uint32_t old_mm = vad->protection, old_pkey = vs_vma_pkey(vad);
    vs_vma(vad)->vm_flags = vm_flags;
    vad->protection = vs_vma_mm_protection(vad);
    vs_vma_charge(process, vad);
    if (vs_vma_pkey(vad) != old_pkey)
        vs_vma_emit_pkey(process, vad);
    if (vad->protection == old_mm)
        return;
    /* Zero PTEs already mean the new protection, so no page table is made: this cannot fail. */
    vs_set_protection(process, vad, vad->starting_vpn, vad->ending_vpn, vad->protection);
    VsEvent event = {.kind = VS_EV_PROTECTED,
                     .pid = process->pid,
                     .vpn_start = vad->starting_vpn,
                     .vpn_end = vad->ending_vpn,
                     .protection = vs_mm_to_win32(vad->protection),
                     .old_protection = vs_mm_to_win32(old_mm)};
    vs_emit(process->system, &event);
}

/* ---- Ranges of VMAs ------------------------------------------------------------------------- */

/* The VMAs a range cuts in two, to be split at its ends. */
static int splits_needed(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    VsVad *first = vs_vad_locate(&process->vad_root, start_vpn);
    VsVad *last = vs_vad_locate(&process->vad_root, end_vpn);
    int splits = 0;
    if (first && first->starting_vpn < start_vpn)
        splits++;
    if (last && last->ending_vpn > end_vpn)
        splits++;
    return splits;
}

/*
 * Splits the VMAs at the ends of [start_vpn, end_vpn] so that every VMA is wholly in or wholly out
 * of it. 0, or ENOMEM when the host has no memory or, with check_count, a split would pass
 * max_map_count (split_vma checks it each time; munmap checks it once, itself), or EINVAL for a
 * split inside a huge page of a hugetlb VMA.
 */
int vs_vma_isolate(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, bool check_count)
{
    int splits = splits_needed(process, start_vpn, end_vpn);
    if (check_count && splits && process->vad_root.count + (uint64_t)splits > VS_MAX_MAP_COUNT)
        return VS_ENOMEM;
    VsVad *first = vs_vad_locate(&process->vad_root, start_vpn);
    if (first && first->starting_vpn < start_vpn) {
        if (!vs_hugetlb_may_split(first, start_vpn))
            return VS_EINVAL;
        if (!vs_vma_split(process, first, start_vpn))
            return VS_ENOMEM;
    }
    VsVad *last = vs_vad_locate(&process->vad_root, end_vpn);
    if (last && last->ending_vpn > end_vpn) {
        if (!vs_hugetlb_may_split(last, end_vpn + 1))
            return VS_EINVAL; /* the split at the start, if any, stays made */
        if (!vs_vma_split(process, last, end_vpn + 1))
            return VS_ENOMEM;
    }
    return 0;
}

/* Removes every VMA wholly inside [start_vpn, end_vpn] (the caller isolated the range): its pages
 * leave the process (zap_page_range), then the VMA goes (remove_vma). */
void vs_vma_unmap_range(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    VsVad *vad = vs_vad_locate(&process->vad_root, start_vpn);
    if (!vad)
        vad = vs_vad_find_above(&process->vad_root, start_vpn);
    while (vad && vad->starting_vpn <= end_vpn) {
        VsVad *next = (VsVad *)vs_vad_next(vad);
        uint64_t first = vad->starting_vpn, last = vad->ending_vpn;
        vs_delete_pages(process, vad, first, last);
        vs_vad_remove(&process->vad_root, vad);
        vs_vma_free(process, vad);
        vs_emit_range(process, VS_EV_VAD_REMOVED, first, last);
        vad = next;
    }
    vs_pt_release_empty(process, start_vpn, end_vpn);
}

/* Moves the VMA's offsets down by grow pages, for a start that moves down as much (a stack
 * growing): vm_pgoff, and the index of its first page in its fork section, which is made to
 * reach that far. False when the host has no room. The caller has checked grow <= vm_pgoff, and
 * sets the range. */
bool vs_vma_extend_down(VsProcess *process, VsVad *vad, uint64_t grow)
{
    VsVma *vma = vs_vma(vad);
    if (!vs_clone_reach_down(process, vad, grow))
        return false;
    vma->vm_pgoff -= grow;
    vma->mapped.first_prototype -= grow;
    return true;
}

/* Whether the page of a file VMA lies wholly past the end of its file (SIGBUS when touched). */
bool vs_vma_beyond_eof(const VsVad *vad, uint64_t vpn)
{
    const VsFile *file = vs_vma_file(vad);
    if (!file)
        return false;
    return vs_view_prototype_index(vad, vpn) >= vs_file_pages(file);
}

/* Whether the VMA may take its neighbour n's anon_vma (find_mergeable_anon_vma): n has one, not
 * chained to a forked parent's (reusable_anon_vma), the two touch (n below the VMA, or above it),
 * map the same file (or none) through the same open file at contiguous offsets (vm_pgoff), and
 * their flags differ at most in access rights. */
static bool shares_anon_vma(const VsVad *vad, const VsVad *n, bool n_below)
{
    const VsVad *lower = n_below ? n : vad, *upper = n_below ? vad : n;
    const VsVma *a = vs_vma(vad), *b = vs_vma(n);
    return b->anon_vma && !b->anon_vma_chained &&
           (uint64_t)lower->ending_vpn + 1 == upper->starting_vpn && b->file == a->file &&
           b->vm_file == a->vm_file &&
           !((b->vm_flags ^ a->vm_flags) & ~(VsVmFlags)VS_VM_ACCESS_FLAGS) &&
           vs_vma(upper)->vm_pgoff == vs_vma(lower)->vm_pgoff + vs_vma_pages(lower);
}

/*
 * Gives a private VMA its anon_vma at its first private page (anon_vma_prepare): a touching
 * neighbour's whose flags differ at most in access rights and whose offsets follow on is shared
 * (find_mergeable_anon_vma, the next neighbour before the previous), so an mprotect split touched
 * afterwards still merges back; else a new one.
 */
void vs_vma_anon_prepare(VsProcess *process, VsVad *vad)
{
    VsVma *vma = vs_vma(vad);
    if (vma->anon_vma || (vma->vm_flags & VS_VM_SHARED))
        return;
    /* The kernel tries the next VMA first, then the previous one. */
    const VsVad *near[2] = {vs_vad_next(vad), vs_vad_prev(vad)};
    bool shared = false;
    for (int i = 0; i < 2 && !vma->anon_vma; i++) {
        const VsVad *n = near[i];
        if (!n || !shares_anon_vma(vad, n, i == 1))
            continue;
        vma->anon_vma = vs_vma(n)->anon_vma;
        shared = true;
    }
    if (!vma->anon_vma)
        vma->anon_vma = ++vs_linux_system(process->system)->next_anon_vma;
    VsEvent event = {.kind = VS_EV_ANON_VMA,
                     .pid = process->pid,
                     .vpn_start = vad->starting_vpn,
                     .vpn_end = vad->ending_vpn,
                     .frame = vma->anon_vma,
                     .pages = shared};
    vs_emit(process->system, &event);
}

/* ---- What a VMA's pages are ------------------------------------------------------------------ */

/* The prototype PTE behind a page of a VMA with a section, or 0. */
uint64_t vs_vma_prototype(const VsVad *vad, uint64_t vpn)
{
    const VsSection *section = vs_mapped_vad(vad)->section;
    uint64_t index = vs_view_prototype_index(vad, vpn);
    return section && index < section->pages ? vs_prototype_read(section, index) : 0;
}
