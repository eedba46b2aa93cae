/*
 * madvise.c - madvise for the Linux personality (mm/madvise.c do_madvise, madvise_walk_vmas).
 *
 * Checks in the kernel's order (docs/research/linux-mm.md 4): an advice the model does not know
 * EINVAL (before the address is looked at), an unaligned start EINVAL, a length that wraps
 * EINVAL, a length of 0 succeeds. Then every VMA in the range gets the advice; a hole does not
 * stop the walk, but the call returns ENOMEM at the end. An advice a VMA refuses stops it (a
 * sealed anonymous VMA the caller may not write, read-only or write-disabled by its protection
 * key in the caller's PKRU, refuses the discarding ones: EPERM).
 * Advice that only sets VMA flags (NORMAL, RANDOM, SEQUENTIAL, DONTFORK, DOFORK, WIPEONFORK,
 * KEEPONFORK, DONTDUMP, DODUMP, HUGEPAGE, NOHUGEPAGE, MERGEABLE, UNMERGEABLE) splits and merges
 * VMAs as mprotect does, though /proc/PID/maps shows no difference. DONTNEED drops the pages at
 * once; FREE lets a private anonymous VMA's written pages go lazily - clean, so that reclaim drops
 * rather than writes them unless they are written again - and drops those already in the page
 * file; PAGEOUT reclaims now: the lazily freed pages still clean are dropped (read as zeros),
 * while without swap, as the model is, nothing else anonymous can go (the POSIX agent refuses
 * PAGEOUT on a machine with swap, and pins the scenario's files, whose cached pages it would
 * drop); REMOVE punches a hole in a shared file; WILLNEED reads a regular file's pages into the
 * page cache (mincore sees them); COLD changes nothing the model shows.
 */
#include "linux.h"

static bool advice_known(uint32_t advice)
{
    return advice <= VS_MADV_WILLNEED || advice == VS_MADV_DONTNEED ||
           (advice >= VS_MADV_FREE && advice <= VS_MADV_PAGEOUT) || advice == VS_MADV_COLLAPSE;
}

/* The VMA flags an advice sets, or the VMA's own when it sets none. -1 (as *error) for a VMA the
 * advice cannot apply to. */
static VsVmFlags advised_flags(const VsVad *vad, uint32_t advice, int *error)
{
    VsVmFlags flags = vs_vma(vad)->vm_flags;
    bool file = vs_vma_file(vad) != NULL;
    switch (advice) {
    case VS_MADV_NORMAL: return flags & ~(VsVmFlags)(VS_VM_RAND_READ | VS_VM_SEQ_READ);
    case VS_MADV_RANDOM: return (flags & ~(VsVmFlags)VS_VM_SEQ_READ) | VS_VM_RAND_READ;
    case VS_MADV_SEQUENTIAL: return (flags & ~(VsVmFlags)VS_VM_RAND_READ) | VS_VM_SEQ_READ;
    case VS_MADV_DONTFORK: return flags | VS_VM_DONTCOPY;
    case VS_MADV_DOFORK: return flags & ~(VsVmFlags)VS_VM_DONTCOPY;
    case VS_MADV_WIPEONFORK:
        if (file || (flags & VS_VM_SHARED))
            *error = VS_EINVAL;
        return flags | VS_VM_WIPEONFORK;
    case VS_MADV_KEEPONFORK: return flags & ~(VsVmFlags)VS_VM_WIPEONFORK;
    case VS_MADV_DONTDUMP: return flags | VS_VM_DONTDUMP;
    case VS_MADV_DODUMP: return flags & ~(VsVmFlags)VS_VM_DONTDUMP;
    case VS_MADV_HUGEPAGE: return (flags & ~(VsVmFlags)VS_VM_NOHUGEPAGE) | VS_VM_HUGEPAGE;
    case VS_MADV_NOHUGEPAGE: return (flags & ~(VsVmFlags)VS_VM_HUGEPAGE) | VS_VM_NOHUGEPAGE;
    case VS_MADV_MERGEABLE: /* KSM leaves shared and file memory alone, without an error */
        return file || (flags & VS_VM_MAYSHARE) ? flags : flags | VS_VM_MERGEABLE;
    case VS_MADV_UNMERGEABLE: return flags & ~(VsVmFlags)VS_VM_MERGEABLE;
    default: return flags;
    }
}

/* Whether a private frame's page was ever written: Dirty in its PTE, Modified, copied to the page
 * file, or lazily freed already (a page only read is Linux's shared zero page, which MADV_FREE
 * and reclaim leave alone). */
bool vs_anon_page_written(const VsPfn *pfn, uint64_t pte)
{
    return (vs_pte_is_valid(pte) && (pte & VS_PTE_DIRTY)) ||
           (pfn->flags & (VS_PFN_MODIFIED | VS_PFN_LAZY_FREE)) ||
           vs_pte_pagefile_slot(pfn->original_pte);
}

/* MADV_FREE on one page (madvise_free_pte_range): a page in the page file goes now; a written page
 * the process maps alone (a fork's page no other process maps any more is made its own first; one
 * still shared is left) becomes clean - Dirty, Accessed and Modified
 * cleared, its page-file copy freed - and lazily freed (folio_mark_lazyfree), so reclaim drops it
 * unless it is written again first. */
static void lazy_free_page(VsProcess *process, VsVad *vad, uint64_t vpn)
{
    VsSystem *system = process->system;
    if (vs_pt_large_pde(process, vpn))
        return; /* a huge page left whole: the huge zero page, or one a fork shares */
    vs_clone_take_alone(process, vad, vpn); /* a fork's page no other process maps now */
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_pte_is_pagefile(pte)) {
        vs_vma_zap(process, vad, vpn, vpn);
        return;
    }
    if (!vs_pte_is_resident(pte))
        return;
    uint64_t frame = vs_pte_frame(pte);
    VsPfn *pfn = &system->pfn.frames[frame];
    if ((pfn->flags & VS_PFN_PROTOTYPE) || !vs_anon_page_written(pfn, pte))
        return;
    vs_pagefile_free(&system->pagefile, vs_pte_pagefile_slot(pfn->original_pte));
    pfn->original_pte = vs_pte_make_software(vs_pte_mm_protection(pfn->original_pte));
    pfn->flags = (uint8_t)((pfn->flags & ~VS_PFN_MODIFIED) | VS_PFN_LAZY_FREE);
    if (vs_pte_is_valid(pte)) {
        vs_pt_write(process, vpn, pte & ~(VS_PTE_ACCESSED | VS_PTE_DIRTY));
    } else if (pfn->location == VS_PAGE_MODIFIED) {
        vs_pfn_unlink(&system->pfn, frame);
        vs_pfn_insert(&system->pfn, frame, VS_PAGE_STANDBY); /* clean now */
    }
}

/* MADV_PAGEOUT on one page (reclaim_pages): a lazily freed page still clean - not written since
 * (no Dirty, not Modified, no page-file copy) - is dropped; without swap nothing else of
 * anonymous memory can go. A huge page (one the range holds whole) is dropped whole if it is such,
 * else left. */
static void page_out(VsProcess *process, VsVad *vad, uint64_t vpn)
{
    uint64_t span = vs_large_page_pages(process->system->layout), base = vpn & ~(span - 1);
    if (vs_pt_large_pde(process, vpn)) {
        if (vs_thp_lazily_freed(process, vpn))
            vs_vma_zap(process, vad, base, base + span - 1);
        return;
    }
    uint64_t pte = vs_pt_read(process, vpn);
    if (!vs_pte_is_resident(pte))
        return;
    const VsPfn *pfn = &process->system->pfn.frames[vs_pte_frame(pte)];
    bool dirty = (vs_pte_is_valid(pte) && (pte & VS_PTE_DIRTY)) || (pfn->flags & VS_PFN_MODIFIED) ||
                 vs_pte_pagefile_slot(pfn->original_pte);
    if ((pfn->flags & VS_PFN_LAZY_FREE) && !(pfn->flags & VS_PFN_PROTOTYPE) && !dirty)
        vs_vma_zap(process, vad, vpn, vpn);
}

/* One of the advice that visit the private anonymous pages of [start_vpn, end_vpn] one by one:
 * only pages with a page table, or a fork section's page, can hold anything. */
static void each_page(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                      void (*visit)(VsProcess *, VsVad *, uint64_t))
{
    VsViewScan scan = vs_view_scan(process, vad, start_vpn, end_vpn);
    for (uint64_t vpn = vs_view_scan_next(&scan, start_vpn); vpn <= end_vpn;
         vpn = vs_view_scan_next(&scan, vpn + 1))
        visit(process, vad, vpn);
}

/* MADV_REMOVE: the file's pages in the range are punched out of the file (fallocate's
 * PUNCH_HOLE): every mapping of them loses them and they read as zeros. A hole ending past the
 * largest file a regular file's file system holds is EFBIG (vfs_fallocate), and nothing is
 * punched; shmem's largest (MAX_LFS_FILESIZE) no mapping reaches past. 0 or EFBIG. */
static int punch_hole(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    VsFile *file = vs_vma_file(vad);
    uint64_t first = vs_mapped_vad(vad)->first_prototype + (start_vpn - vad->starting_vpn);
    uint64_t last = first + (end_vpn - start_vpn);
    if (vs_file_kind(file) == VS_FILE_REGULAR &&
        (last + 1) * VS_PAGE_SIZE > vs_file_max_bytes(process->system))
        return VS_EFBIG;
    vs_file_punch(process->system, file, first, last);
    return 0;
}

/* MADV_WILLNEED on a regular file's pages: read into the page cache (madvise_willneed, then
 * force_page_cache_ra: at most one read-ahead window of them). For anonymous and shmem memory
 * the kernel starts swap-in of pages in swap, which the model does not do. */
static void will_need(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    VsFile *file = vs_vma_file(vad);
    if (!file || vs_file_kind(file) != VS_FILE_REGULAR)
        return;
    uint64_t first = vs_mapped_vad(vad)->first_prototype + (start_vpn - vad->starting_vpn);
    uint64_t pages = vs_min(end_vpn - start_vpn + 1, vs_readahead_pages(process->system));
    vs_file_readahead(file, first, pages);
}

/* Whether a sealed VMA refuses the advice (can_madvise_modify): advice that discards pages, on
 * anonymous memory the calling thread may not write - not VM_WRITE, or, on a CPU with protection
 * keys, a key its PKRU write- or access-disables at the time of the call
 * (arch_vma_access_permitted; mseal_test.c test_seal_discard_ro_anon_on_pkey). */
static bool seal_refuses(const VsThread *thread, const VsVad *vad, uint32_t advice)
{
    VsVmFlags flags = vs_vma(vad)->vm_flags;
    bool discards = advice == VS_MADV_FREE || advice == VS_MADV_DONTNEED ||
                    advice == VS_MADV_REMOVE || advice == VS_MADV_DONTFORK ||
                    advice == VS_MADV_WIPEONFORK;
    if (!(flags & VS_VM_SEALED) || !discards || !vs_vma_is_anonymous(vad))
        return false;
    return !(flags & VS_VM_WRITE) || vs_vma_pkey_denies(thread, vad, true);
}

/* The huge pages the advice needs in 4 KB pieces are split first (thp.c): those the range cuts,
 * for advice that drops, frees or deactivates pages (zap_pmd_range splits the PMD;
 * madvise_free_huge_pmd and madvise_cold_or_pageout_pte_range split the huge page itself, its
 * zero-filled pages becoming the zero page); one wholly inside is dropped, freed lazily or left
 * whole. FREE, COLD and PAGEOUT pass the huge zero page by, cut or not, and one a fork shares.
 * 0 or ENOMEM. */
static int thp_split(VsProcess *process, const VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                     uint32_t advice)
{
    if (vs_vma_is_hugetlb(vad))
        return 0;
    if (advice == VS_MADV_FREE || advice == VS_MADV_COLD || advice == VS_MADV_PAGEOUT)
        return vs_thp_split_for_advice(process, start_vpn, end_vpn);
    if (advice == VS_MADV_DONTNEED)
        return vs_thp_split_edges(process, start_vpn, end_vpn);
    return 0;
}

/* The advice on [start_vpn, end_vpn], all inside vad. 0 or an errno. */
static int advise_vma(VsThread *thread, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                      uint32_t advice)
{
    VsProcess *process = thread->process;
    VsVmFlags flags = vs_vma(vad)->vm_flags;
    bool locked = flags & VS_VM_LOCKED;
    if (seal_refuses(thread, vad, advice))
        return VS_EPERM;
    int split = thp_split(process, vad, start_vpn, end_vpn, advice);
    if (split)
        return split;
    switch (advice) {
    case VS_MADV_WILLNEED: will_need(process, vad, start_vpn, end_vpn); return 0;
    case VS_MADV_COLLAPSE: return vs_thp_collapse(process, vad, start_vpn, end_vpn);
    case VS_MADV_COLD: return locked || vs_vma_is_hugetlb(vad) ? VS_EINVAL : 0;
    case VS_MADV_PAGEOUT: /* can_madv_lru_vma */
        if (locked || vs_vma_is_hugetlb(vad))
            return VS_EINVAL;
        if (vs_vma_is_anonymous(vad))
            each_page(process, vad, start_vpn, end_vpn, page_out);
        return 0;
    case VS_MADV_DONTNEED:
        if (locked)
            return VS_EINVAL;
        vs_vma_zap(process, vad, start_vpn, end_vpn);
        return 0;
    case VS_MADV_FREE: /* private anonymous memory only, forked or not (vma_is_anonymous) */
        if (locked || !vs_vma_is_anonymous(vad) || (flags & VS_VM_SHARED))
            return VS_EINVAL;
        vs_thp_free_lazily(process, start_vpn, end_vpn);
        each_page(process, vad, start_vpn, end_vpn, lazy_free_page);
        return 0;
    case VS_MADV_REMOVE:
        if (locked || !vs_vma_file(vad))
            return VS_EINVAL;
        if (!(flags & VS_VM_SHARED) || !(flags & VS_VM_MAYWRITE))
            return VS_EACCES;
        return punch_hole(process, vad, start_vpn, end_vpn);
    default: {
        int error = 0;
        VsVmFlags want = advised_flags(vad, advice, &error);
        if (error || want == flags)
            return error;
        error = vs_vma_isolate(process, start_vpn, end_vpn, true);
        if (error)
            return error;
        vad = vs_vad_locate(&process->vad_root, start_vpn);
        vs_vma_set_flags(process, vad, want);
        vs_vma_try_merge(process, vad);
        return 0;
    }
    }
}

int vs_madvise(VsThread *thread, uint64_t address, uint64_t length, uint32_t advice)
{
    if (!vs_linux_call(thread))
        return -1;
    VsProcess *process = thread->process;
    uint64_t rounded = (length + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    int error = 0;
    if (!advice_known(advice) || (address & (VS_PAGE_SIZE - 1)) ||
        (length && (rounded == 0 || address + rounded < address)))
        error = VS_EINVAL;
    if (error || length == 0) {
        if (error)
            vs_set_errno(thread, error);
        return error ? -1 : 0;
    }
    uint64_t vpn = vs_vpn(address), last = vs_vpn(address + rounded) - 1;
    bool hole = false;
    while (vpn <= last) {
        VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
        if (!vad) {
            hole = true;
            vad = vs_vad_find_above(&process->vad_root, vpn);
            if (!vad || vad->starting_vpn > last)
                break;
            vpn = vad->starting_vpn;
        }
        uint64_t stop = vs_min(last, vad->ending_vpn);
        error = advise_vma(thread, vad, vpn, stop, advice);
        if (error)
            return vs_linux_fail(thread, error);
        vpn = stop + 1;
    }
    if (hole)
        return vs_linux_fail(thread, VS_ENOMEM);
    return 0;
}
