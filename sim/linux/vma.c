/*
 * vma.c - Linux's virtual memory areas (struct vm_area_struct) over the VAD tree: what a VMA is,
 * how it splits and merges, and what /proc/PID/maps and /proc/PID/pagemap say of it.
 *
 * A VMA is a VsMappedVad: the VAD's page range and protection, plus vm_flags, vm_pgoff (kept in
 * first_prototype: for a file, the page of the file the VMA starts at; for anonymous memory, the
 * virtual page it was created at, as Linux does so that neighbours can merge), the anon_vma its
 * private pages hang on, and the section holding the pages it shares (a file's page cache, or the
 * pages a fork left shared copy-on-write). Private anonymous memory without such a section is a
 * MemCommit private VAD: a zero PTE is a demand-zero page with the VMA's protection.
 *
 * Splitting and merging follow mm/vma.c (split_vma, vma_merge_new_range, vma_merge_existing_range,
 * is_mergeable_vma, is_mergeable_anon_vma); the rules with their measurements are in
 * docs/research/linux-mm.md section 3.3.
 */
#include <string.h>

#include "internal.h"

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

/*
 * The MM protection of a VMA's pages (vm_get_page_prot on x86): a page cannot be writable or
 * executable without being readable, so PROT_WRITE alone is read-write and PROT_EXEC alone
 * execute-read (on a CPU with protection keys its key forbids the reads: vs_vma_pkey_for). A writable private mapping of pages another mapping shares (a file's, or a forked
 * parent's) is copy-on-write: the first store copies the page (do_wp_page).
 */
uint32_t vs_vma_mm_protection(const VsVad *vad)
{
    const VsMappedVad *vma = vs_vma(vad);
    VsVmFlags flags = vma->vm_flags;
    bool write = flags & VS_VM_WRITE, exec = flags & VS_VM_EXEC;
    if (!(flags & VS_VM_ACCESS_FLAGS))
        return MM_NOACCESS;
    bool copy = write && !(flags & VS_VM_SHARED) && vma->section;
    if (exec)
        return write ? (copy ? MM_EXECUTE_WRITECOPY : MM_EXECUTE_READWRITE) : MM_EXECUTE_READ;
    return write ? (copy ? MM_WRITECOPY : MM_READWRITE) : MM_READONLY;
}

/* ---- Making and freeing ---------------------------------------------------------------------- */

VsMappedVad *vs_vma_alloc(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn,
                          VsVmFlags vm_flags, VsSection *section, uint64_t pgoff)
{
    VsMappedVad *vma = vs_pool_alloc(&process->system->mapped_vad_pool);
    if (!vma)
        return NULL;
    vma->core.starting_vpn = start_vpn;
    vma->core.ending_vpn = end_vpn;
    vma->core.kind = section ? VS_VAD_MAPPED : VS_VAD_PRIVATE;
    vma->core.private_memory = section == NULL;
    vma->core.mem_commit = section == NULL; /* an untouched anonymous page is demand zero */
    vma->section = section;
    vma->first_prototype = pgoff;
    vma->vm_flags = vm_flags;
    vma->core.protection = vs_vma_mm_protection(&vma->core);
    if (section)
        section->views++;
    return vma;
}

/* Gives a VMA already out of the tree back, with its commit and its hold on its section. */
void vs_vma_free(VsProcess *process, VsVad *vad)
{
    VsSystem *system = process->system;
    VsSection *section = vs_vma(vad)->section;
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
 * anon_vma and section, and a vm_pgoff advanced by the pages it no longer starts with. Returns the
 * upper part, or NULL when the host has no memory for it. The caller has checked max_map_count.
 */
VsVad *vs_vma_split(VsProcess *process, VsVad *vad, uint64_t at_vpn)
{
    VsMappedVad *lower = vs_vma(vad);
    uint64_t old_end = vad->ending_vpn;
    VsMappedVad *upper = vs_vma_alloc(process, at_vpn, old_end, lower->vm_flags, lower->section,
                                      lower->first_prototype + (at_vpn - vad->starting_vpn));
    if (!upper)
        return NULL;
    upper->anon_vma = lower->anon_vma;
    upper->vm_file = lower->vm_file;
    upper->core.protection = vad->protection;
    vs_vad_set_range(&process->vad_root, vad, vad->starting_vpn, at_vpn - 1);
    vs_vad_insert(&process->vad_root, &upper->core);
    /* The charge follows the pages: moved, not taken again. */
    uint64_t moved = vad->commit_charge ? vs_vma_pages(&upper->core) : 0;
    vad->commit_charge -= moved;
    upper->core.commit_charge = moved;
    VsEvent event = {.kind = VS_EV_VMA_SPLIT, .pid = process->pid, .vpn_start = at_vpn,
                     .vpn_end = old_end, .old_start = vad->starting_vpn, .old_end = old_end};
    vs_emit(process->system, &event);
    return &upper->core;
}

/* Whether the anon_vmas let two VMAs become one (is_mergeable_anon_vma): one has none yet, or
 * they share it. */
static bool anon_vma_mergeable(const VsMappedVad *a, const VsMappedVad *b)
{
    return !a->anon_vma || !b->anon_vma || a->anon_vma == b->anon_vma;
}

/* Whether lower and upper, neighbours in that order, can be one VMA (is_mergeable_vma): touching,
 * the same flags, the same file (or none) at contiguous offsets, compatible anon_vmas. */
static bool can_merge(const VsVad *lower, const VsVad *upper)
{
    const VsMappedVad *a = vs_vma(lower), *b = vs_vma(upper);
    if ((uint64_t)lower->ending_vpn + 1 != upper->starting_vpn || a->vm_flags != b->vm_flags ||
        a->section != b->section || a->vm_file != b->vm_file)
        return false;
    /* The same section means the same file: each shared anonymous mapping is a shmem file of its
     * own, so two such mappings never merge, while pieces of one do. The open file must be the
     * same too (vma->vm_file == file): one file opened twice maps as two. */
    return b->first_prototype == a->first_prototype + vs_vma_pages(lower) &&
           anon_vma_mergeable(a, b);
}

/* lower absorbs upper, its neighbour: one VMA, one charge, the anon_vma either had. */
static void absorb(VsProcess *process, VsVad *lower, VsVad *upper)
{
    uint64_t old_start = upper->starting_vpn, old_end = upper->ending_vpn;
    if (!vs_vma(lower)->anon_vma)
        vs_vma(lower)->anon_vma = vs_vma(upper)->anon_vma;
    uint64_t charge = upper->commit_charge;
    vs_charge_commit(process, upper, -(int64_t)charge);
    vs_vad_remove(&process->vad_root, upper);
    vs_vma_free(process, upper);
    vs_vad_set_range(&process->vad_root, lower, lower->starting_vpn, old_end);
    vs_charge_commit(process, lower, (int64_t)charge);
    VsEvent event = {.kind = VS_EV_VMA_MERGED, .pid = process->pid,
                     .vpn_start = lower->starting_vpn, .vpn_end = old_end,
                     .old_start = old_start, .old_end = old_end};
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
    bool right = next && can_merge(vad, next) &&
                 (!left || anon_vma_mergeable(vs_vma(prev), vs_vma(next)));
    if (right)
        absorb(process, vad, next);
    if (!left)
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
    VsEvent event = {.kind = VS_EV_PROTECTED, .pid = process->pid, .vpn_start = vad->starting_vpn,
                     .vpn_end = vad->ending_vpn, .protection = vs_mm_to_win32(vad->protection),
                     .old_protection = vs_mm_to_win32(old_mm)};
    vs_emit(process->system, &event);
}

/* ---- Protection keys (x86: arch/x86/mm/pkeys.c, arch/x86/include/asm/mmu_context.h) ---------- */

/*
 * The protection key a VMA gets from mmap (vad NULL) or mprotect with prot, as vm_flags bits.
 * On a CPU with protection keys, memory asked for as exactly PROT_EXEC gets the execute-only key
 * (do_mmap's and arch_override_mprotect_pkey's prot == PROT_EXEC case, execute_only_pkey): the
 * page table cannot say "execute but not read" on x86, the key can, since the thread's PKRU
 * denies every data access through it. Any other prot (PROT_READ|PROT_EXEC, or PROT_EXEC with
 * PROT_SEM, which is not exactly PROT_EXEC) takes a VMA that is execute-only by that key back to
 * key 0 (vma_is_pkey_exec_only); every other VMA keeps its key. The model has no pkey_alloc, so
 * the execute-only key is always the first one mm_pkey_alloc hands out, 1.
 */
VsVmFlags vs_vma_pkey_for(const VsSystem *system, const VsVad *vad, uint32_t prot)
{
    uint32_t pkey = vad ? vs_vma_pkey(vad) : 0;
    if (system->execute_only_pkey && prot == VS_PROT_EXEC)
        pkey = VS_EXECUTE_ONLY_PKEY;
    else if (vad && pkey == VS_EXECUTE_ONLY_PKEY &&
             (vs_vma(vad)->vm_flags & VS_VM_ACCESS_FLAGS) == VS_VM_EXEC)
        pkey = 0;
    return (VsVmFlags)pkey << VS_VM_PKEY_SHIFT;
}

/*
 * Whether the thread's PKRU forbids loads and stores to the VMA (arch_vma_access_permitted,
 * __pkru_allows_pkey): only through the execute-only key, whose access-disable bit every thread
 * has (init_pkru_value denies keys 1-15 from execve on; fork copies PKRU). Instruction fetches
 * are never checked, and neither is an access from another process (process_vm_readv and
 * ptrace are foreign, FOLL_REMOTE), which the model does not make.
 */
bool vs_vma_pkey_denies(const VsVad *vad)
{
    return vs_vma_pkey(vad) == VS_EXECUTE_ONLY_PKEY;
}

/* Narrates the VMA's key after a change of it. */
void vs_vma_emit_pkey(VsProcess *process, const VsVad *vad)
{
    VsEvent event = {.kind = VS_EV_VMA_PKEY, .pid = process->pid, .vpn_start = vad->starting_vpn,
                     .vpn_end = vad->ending_vpn, .frame = vs_vma_pkey(vad)};
    vs_emit(process->system, &event);
}

/* ---- Ranges of VMAs ------------------------------------------------------------------------- */

/* Whether every page of [start_vpn, end_vpn] lies in some VMA (no hole). */
bool vs_vma_range_mapped(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    for (uint64_t vpn = start_vpn; vpn <= end_vpn;) {
        VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
        if (!vad)
            return false;
        if (vad->ending_vpn >= end_vpn)
            return true;
        vpn = (uint64_t)vad->ending_vpn + 1;
    }
    return true;
}

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
 * max_map_count (split_vma checks it each time; munmap checks it once, itself).
 */
int vs_vma_isolate(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, bool check_count)
{
    int splits = splits_needed(process, start_vpn, end_vpn);
    if (check_count && splits && process->vad_root.count + (uint64_t)splits > VS_MAX_MAP_COUNT)
        return VS_ENOMEM;
    VsVad *first = vs_vad_locate(&process->vad_root, start_vpn);
    if (first && first->starting_vpn < start_vpn && !vs_vma_split(process, first, start_vpn))
        return VS_ENOMEM;
    VsVad *last = vs_vad_locate(&process->vad_root, end_vpn);
    if (last && last->ending_vpn > end_vpn && !vs_vma_split(process, last, end_vpn + 1))
        return VS_ENOMEM;
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

/* In a private anonymous VMA a fork left shared, the pages of [start_vpn, end_vpn] whose section
 * page holds something (resident or in the page file) get a demand-zero PTE: a zero PTE would find
 * that page again. The others stay zero and cost nothing (vs_vma_unshared_page: touching them
 * makes a fresh private page): one step per section page that holds something. */
static void hide_shared_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn,
                              uint64_t end_vpn)
{
    const VsSection *section = vs_vma(vad)->section;
    uint64_t last = vs_view_prototype_index(vad, end_vpn);
    for (uint64_t index = vs_prototype_next(section, vs_view_prototype_index(vad, start_vpn), last);
         index <= last; index = vs_prototype_next(section, index + 1, last)) {
        uint64_t vpn = vad->starting_vpn + (index - vs_vma(vad)->first_prototype);
        if (NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
            vs_pt_write(process, vpn, vs_pte_make_software(vad->protection));
    }
}

/*
 * Drops the pages of [start_vpn, end_vpn] of one VMA (zap_page_range_single, for MADV_DONTNEED,
 * truncation and a moved range): the next touch finds the file's page again, or a fresh zero page
 * for anonymous memory (hide_shared_pages sees to it after a fork).
 */
void vs_vma_zap(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t resident = vs_vma_resident_pages(process, vad, start_vpn, end_vpn, NULL);
    vs_delete_pages(process, vad, start_vpn, end_vpn);
    if (vad->kind == VS_VAD_MAPPED && vs_vma_is_anonymous(vad))
        hide_shared_pages(process, vad, start_vpn, end_vpn);
    vs_pt_release_empty(process, start_vpn, end_vpn);
    VsEvent event = {.kind = VS_EV_PAGES_DISCARDED, .pid = process->pid, .vpn_start = start_vpn,
                     .vpn_end = end_vpn, .pages = resident};
    vs_emit(process->system, &event);
}

/* Whether a file VMA's PTE holds a private copy of its page (in Linux's terms an anonymous page a
 * copy-on-write store made), not the file's own page: valid on a frame no prototype PTE maps, or
 * that frame trimmed to a list (the file's pages go back to a prototype-pointing PTE), or paged
 * out. */
static bool holds_private_copy(const VsProcess *process, uint64_t pte)
{
    if (vs_pte_is_valid(pte))
        return !(process->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE);
    return vs_pte_is_transition(pte) || vs_pte_is_pagefile(pte);
}

/* Zaps the file's pages of [start_vpn, end_vpn] in a file VMA and leaves its private copies
 * (zap_page_range_single with even_cows false, as unmap_mapping_range does for a punched hole). */
void vs_vma_zap_file_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    uint64_t vpn = start_vpn;
    while (vpn <= end_vpn) {
        while (vpn <= end_vpn && holds_private_copy(process, vs_pt_read(process, vpn)))
            vpn++;
        uint64_t run = vpn;
        while (vpn <= end_vpn && !holds_private_copy(process, vs_pt_read(process, vpn))) {
            uint64_t present = vs_pt_next_present(process, vpn, end_vpn);
            vpn = present > vpn ? present : vpn + 1; /* no page table: no private copy */
        }
        if (run < vpn)
            vs_vma_zap(process, vad, run, vpn - 1);
    }
}

/* Whether the page of a file VMA lies wholly past the end of its file (SIGBUS when touched). */
bool vs_vma_beyond_eof(const VsVad *vad, uint64_t vpn)
{
    const VsFile *file = vs_vma_file(vad);
    if (!file)
        return false;
    return vs_view_prototype_index(vad, vpn) >= vs_file_pages(file);
}

/*
 * Gives a private VMA its anon_vma at its first private page (anon_vma_prepare): a touching
 * neighbour's whose flags differ at most in access rights and whose offsets follow on is shared
 * (find_mergeable_anon_vma, the next neighbour before the previous), so an mprotect split touched
 * afterwards still merges back; else a new one.
 */
void vs_vma_anon_prepare(VsProcess *process, VsVad *vad)
{
    VsMappedVad *vma = vs_vma(vad);
    if (vma->anon_vma || (vma->vm_flags & VS_VM_SHARED))
        return;
    /* The kernel tries the next VMA first, then the previous one. */
    const VsVad *near[2] = {vs_vad_next(vad), vs_vad_prev(vad)};
    bool shared = false;
    for (int i = 0; i < 2 && !vma->anon_vma; i++) {
        const VsVad *n = near[i];
        const VsVad *lower = i == 1 ? n : vad, *upper = i == 1 ? vad : n;
        if (!n || !vs_vma(n)->anon_vma || (uint64_t)lower->ending_vpn + 1 != upper->starting_vpn ||
            vs_vma(n)->section != vma->section || vs_vma(n)->vm_file != vma->vm_file ||
            ((vs_vma(n)->vm_flags ^ vma->vm_flags) & ~(VsVmFlags)VS_VM_ACCESS_FLAGS) ||
            vs_vma(upper)->first_prototype != vs_vma(lower)->first_prototype + vs_vma_pages(lower))
            continue;
        vma->anon_vma = vs_vma(n)->anon_vma;
        shared = true;
    }
    if (!vma->anon_vma)
        vma->anon_vma = ++process->system->next_anon_vma;
    VsEvent event = {.kind = VS_EV_ANON_VMA, .pid = process->pid, .vpn_start = vad->starting_vpn,
                     .vpn_end = vad->ending_vpn, .frame = vma->anon_vma, .pages = shared};
    vs_emit(process->system, &event);
}

/* ---- What a VMA's pages are ------------------------------------------------------------------ */

/* The prototype PTE behind a page of a VMA with a section, or 0. */
static uint64_t prototype_of(const VsVad *vad, uint64_t vpn)
{
    const VsSection *section = vs_vma(vad)->section;
    uint64_t index = vs_view_prototype_index(vad, vpn);
    return section && index < section->pages ? vs_prototype_read(section, index) : 0;
}

/*
 * Whether a page of a private anonymous VMA that a fork left shared is one the fork did not share:
 * its section page was never anything but demand zero. Touching it makes a fresh private page, as
 * in a VMA no fork touched (Linux's do_anonymous_page), not a page of the section that the other
 * process could then find.
 */
bool vs_vma_unshared_page(const VsVad *vad, uint64_t vpn)
{
    const VsSection *section = vs_vma(vad)->section;
    return section && !section->file && !section->shmem &&
           vs_prototype_read(section, vs_view_prototype_index(vad, vpn)) ==
               vs_prototype_initial(section);
}

/*
 * Whether mincore would say the page is resident (mincore_pte_range): a PTE that maps a frame
 * (or whose frame is still in memory); else, for a page a section shares, whether that page is
 * in memory (the page cache: mincore_page), which a forked child sees through the PTE fork copied.
 */
bool vs_vma_page_resident(const VsProcess *process, const VsVad *vad, uint64_t vpn)
{
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_pte_is_resident(pte))
        return true;
    if (pte != 0 && !vs_pte_is_proto(pte))
        return false;
    /* A regular file's page: whether the page cache holds it (written, or read since a hole was
     * punched or the file cut short), up to the end of the file. */
    const VsFile *file = vs_vma_file(vad);
    if (file && file->kind == VS_FILE_REGULAR)
        return !vs_vma_beyond_eof(vad, vpn) &&
               vs_file_cached(file, vs_view_prototype_index(vad, vpn));
    return vs_pte_is_resident(prototype_of(vad, vpn));
}

/* mincore's answer for a run of untouched pages [vpn, last] (no page table, the initial
 * prototype PTE): none is resident but a regular file's cached pages up to the end of the file.
 * Counts them, and fills vec (one byte per page) if it is not NULL. */
static uint64_t untouched_resident(const VsVad *vad, uint64_t vpn, uint64_t last, uint8_t *vec)
{
    const VsFile *file = vs_vma_file(vad);
    uint64_t first = vs_view_prototype_index(vad, vpn), pages = last - vpn + 1;
    uint64_t file_pages = file && file->kind == VS_FILE_REGULAR ? vs_file_pages(file) : 0;
    if (vec) {
        for (uint64_t i = 0; i < pages; i++)
            vec[i] = first + i < file_pages && vs_file_cached(file, first + i);
    }
    if (first >= file_pages)
        return 0;
    return vs_file_cached_count(file, first, vs_min(first + pages, file_pages) - 1);
}

/*
 * How many pages of [start_vpn, end_vpn] of the VMA mincore would say are resident, and (vec not
 * NULL) mincore's vector for them: the pages with a page table or a prototype PTE other than the
 * initial one one by one, the runs of the others at once.
 */
uint64_t vs_vma_resident_pages(const VsProcess *process, const VsVad *vad, uint64_t start_vpn,
                               uint64_t end_vpn, uint8_t *vec)
{
    uint64_t resident = 0;
    VsViewScan scan = vs_view_scan(process, vad, start_vpn, end_vpn);
    for (uint64_t vpn = start_vpn; vpn <= end_vpn; vpn++) {
        uint8_t *out = vec ? vec + (vpn - start_vpn) : NULL;
        uint64_t differs = vs_view_scan_next(&scan, vpn);
        if (differs == vpn) {
            bool in = vs_vma_page_resident(process, vad, vpn);
            resident += in;
            if (out)
                *out = in;
            continue;
        }
        resident += untouched_resident(vad, vpn, differs - 1, out);
        vpn = differs - 1;
    }
    return resident;
}

/*
 * How many PTEs map page index of section, held in frame (the page's mapcount): every view whose
 * PTE there is valid with that frame, and every anonymous view whose PTE still leads to the
 * section's page - where fork copied the parent's PTE, the kernel's child has a real PTE for it,
 * which the model finds through the prototype instead.
 */
static uint64_t section_mapcount(const VsSystem *system, const VsSection *section, uint64_t index,
                                 uint64_t frame)
{
    uint64_t count = 0;
    size_t p = 0;
    for (const VsVad *view = vs_section_next_view(system, section, &p, NULL); view;
         view = vs_section_next_view(system, section, &p, view)) {
        uint64_t first = vs_vma(view)->first_prototype;
        if (index < first || index - first >= vs_vma_pages(view))
            continue;
        uint64_t pte = vs_pt_read(system->processes[p], view->starting_vpn + (index - first));
        if (vs_pte_is_valid(pte))
            count += vs_pte_frame(pte) == frame;
        else
            count += (pte == 0 || vs_pte_is_proto(pte)) && vs_vma_is_anonymous(view);
    }
    return count;
}

uint64_t vs_pagemap_entry(const VsProcess *process, uint64_t address)
{
    VsVadTable *table = (VsVadTable *)&process->vad_root; /* the lookup only moves the hint */
    uint64_t vpn = vs_vpn(address);
    const VsVad *vad = vs_vad_locate(table, vpn);
    if (!vad)
        return 0;
    const VsPfnDatabase *db = &process->system->pfn;
    uint64_t pte = vs_pt_read(process, vpn), frame;
    if (vs_pte_is_valid(pte))
        frame = vs_pte_frame(pte);
    else if ((pte == 0 || vs_pte_is_proto(pte)) && vs_pte_is_valid(prototype_of(vad, vpn)) &&
             vs_vma_is_anonymous(vad))
        frame = vs_pte_frame(prototype_of(vad, vpn)); /* fork copied the parent's PTE */
    else
        return 0;
    const VsPfn *pfn = &db->frames[frame];
    uint64_t entry = VS_PAGEMAP_PRESENT | (frame & VS_PAGEMAP_PFN_MASK);
    bool shared_page = (pfn->flags & VS_PFN_PROTOTYPE) != 0;
    if (shared_page && !vs_vma_is_anonymous(vad))
        entry |= VS_PAGEMAP_FILE_SHARED;
    uint64_t mapcount = shared_page ? section_mapcount(process->system, vs_vma(vad)->section,
                                                       pfn->vpn, frame)
                                    : pfn->share_count;
    if (mapcount == 1)
        entry |= VS_PAGEMAP_EXCLUSIVE; /* PM_MMAP_EXCLUSIVE: one PTE maps the page */
    return entry;
}

/* ---- /proc/PID/maps -------------------------------------------------------------------------- */

static void name_of(const VsFile *file, char *out, size_t len)
{
    out[0] = '\0';
    if (!file)
        return;
    switch (file->kind) {
    case VS_FILE_REGULAR: vs_text_append(out, len, file->name); break;
    case VS_FILE_MEMFD:
        vs_text_append(out, len, "/memfd:");
        vs_text_append(out, len, file->name);
        break;
    case VS_FILE_SHM:
        vs_text_append(out, len, "/dev/shm/");
        vs_text_append(out, len, file->name);
        break;
    case VS_FILE_DEV_ZERO: vs_text_append(out, len, "/dev/zero"); break;
    }
    if (file->unlinked)
        vs_text_append(out, len, " (deleted)");
}

static void fill_info(const VsProcess *process, const VsVad *vad, VsVmaInfo *out)
{
    const VsMappedVad *vma = vs_vma(vad);
    const VsFile *file = vs_vma_file(vad);
    memset(out, 0, sizeof *out);
    out->start = vs_vpn_address(vad->starting_vpn);
    out->end = vs_vpn_address((uint64_t)vad->ending_vpn + 1);
    out->read = vma->vm_flags & VS_VM_READ;
    out->write = vma->vm_flags & VS_VM_WRITE;
    out->exec = vma->vm_flags & VS_VM_EXEC;
    out->may_share = vma->vm_flags & VS_VM_MAYSHARE;
    out->vm_flags = vma->vm_flags;
    out->anon_vma = vma->anon_vma;
    out->pkey = vs_vma_pkey(vad);
    out->pkeys = process->system->execute_only_pkey;
    if (file) {
        out->offset = vs_vpn_address(vma->first_prototype);
        out->inode = file->inode;
        out->dev_major = file->kind == VS_FILE_REGULAR ? 0xfe : 0;
        out->dev_minor = file->kind == VS_FILE_SHM ? 0x1b : file->kind == VS_FILE_REGULAR ? 0 : 1;
    }
    name_of(file, out->name, sizeof out->name);
    for (uint64_t vpn = vad->starting_vpn; vpn <= vad->ending_vpn; vpn++) {
        vpn = vs_pt_next_present(process, vpn, vad->ending_vpn);
        if (vpn > vad->ending_vpn || vpn == 0)
            break;
        out->resident_pages += vs_pte_is_valid(vs_pt_read(process, vpn));
    }
}

bool vs_vma_find(const VsProcess *process, uint64_t address, VsVmaInfo *out)
{
    const VsVadTable *table = &process->vad_root;
    uint64_t vpn = vs_vpn(address);
    const VsVad *vad = vs_vad_locate((VsVadTable *)table, vpn); /* only the hint moves */
    if (!vad)
        vad = vs_vad_find_above(table, vpn);
    if (!vad)
        return false;
    fill_info(process, vad, out);
    return true;
}

/* start-end perms offset dev inode, padded to column 74, then the name (show_map_vma). */
const char *vs_vma_maps_line(const VsVmaInfo *vma, char *buf, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char head[128];
    size_t n = 0;
#define PUT(c) (n < sizeof head - 1 ? (void)(head[n++] = (c)) : (void)0)
#define HEX(value, width)                                                                          \
    do {                                                                                           \
        int w = 16;                                                                                \
        while (w > (width) && !(((value) >> ((w - 1) * 4)) & 0xf))                                 \
            w--;                                                                                   \
        for (int i = w - 1; i >= 0; i--)                                                           \
            PUT(digits[((value) >> (i * 4)) & 0xf]);                                               \
    } while (0)
    HEX(vma->start, 8);
    PUT('-');
    HEX(vma->end, 8);
    PUT(' ');
    PUT(vma->read ? 'r' : '-');
    PUT(vma->write ? 'w' : '-');
    PUT(vma->exec ? 'x' : '-');
    PUT(vma->may_share ? 's' : 'p');
    PUT(' ');
    HEX(vma->offset, 8);
    PUT(' ');
    HEX((uint64_t)vma->dev_major, 2);
    PUT(':');
    HEX((uint64_t)vma->dev_minor, 2);
    PUT(' ');
    char inode[24];
    size_t d = 0;
    uint64_t v = vma->inode;
    do {
        inode[d++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (d)
        PUT(inode[--d]);
    PUT(' ');
    if (vma->name[0])
        while (n < 73)
            PUT(' ');
#undef HEX
#undef PUT
    head[n] = '\0';
    buf[0] = '\0';
    vs_text_append(buf, len, head);
    vs_text_append(buf, len, vma->name);
    return buf;
}

/*
 * smaps' VmFlags line for a VMA, as far as the model keeps the flags (show_smap_vma_flags: two
 * letters per flag, in bit order): "rd ex mr mw me ac". The protection key is not among them;
 * smaps shows it on a line of its own.
 */
const char *vs_vma_smaps_flags(const VsVmaInfo *vma, char *buf, size_t len)
{
    static const struct {
        VsVmFlags flag;
        const char *name;
    } names[] = {
        {VS_VM_READ, "rd"},         {VS_VM_WRITE, "wr"},       {VS_VM_EXEC, "ex"},
        {VS_VM_SHARED, "sh"},       {VS_VM_MAYREAD, "mr"},     {VS_VM_MAYWRITE, "mw"},
        {VS_VM_MAYEXEC, "me"},      {VS_VM_MAYSHARE, "ms"},    {VS_VM_GROWSDOWN, "gd"},
        {VS_VM_LOCKED, "lo"},       {VS_VM_SEQ_READ, "sr"},    {VS_VM_RAND_READ, "rr"},
        {VS_VM_DONTCOPY, "dc"},     {VS_VM_ACCOUNT, "ac"},     {VS_VM_NORESERVE, "nr"},
        {VS_VM_WIPEONFORK, "wf"},   {VS_VM_DONTDUMP, "dd"},    {VS_VM_HUGEPAGE, "hg"},
        {VS_VM_NOHUGEPAGE, "nh"},   {VS_VM_MERGEABLE, "mg"},
    };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(vma->vm_flags & names[i].flag))
            continue;
        if (buf[0])
            vs_text_append(buf, len, " ");
        vs_text_append(buf, len, names[i].name);
    }
    return buf;
}
