/*
 * allocvm.c - NtAllocateVirtualMemory: reserve address space, commit pages, or both.
 *
 * Models WRK mm/allocvm.c NtAllocateVirtualMemory. The order of its checks decides which status a
 * bad call gets, so it is kept: zero bits, allocation type, protection, the caller's pointers, the
 * base and size against the user range, the process handle; then one of two paths.
 *   Reserve (MEM_RESERVE, or any call with a NULL base): the base rounds down to 64 KB and the end
 * up to a page; with no base, the VAD tree's first-fit search picks one (bottom-up, or top-down
 * with MEM_TOP_DOWN). A new private VAD records the protection; MEM_RESERVE|MEM_COMMIT marks it
 *   MemCommit and charges every page at once while leaving the PTEs zero.
 *   Commit (MEM_COMMIT alone at a base): the range rounds out to pages and must lie inside one
 *   reservation; pages already committed are not an error and take the new protection.
 */
#include "internal.h"

/*
 * The highest address a ZeroBits value allows (models MiGetZeroBitsLimit as Wine reproduces it):
 * 1..21 mean that many high bits of a 32-bit address are zero; on 64-bit systems a value of 32 or
 * more is a mask of allowed bits. 22..31 are refused with STATUS_INVALID_PARAMETER_3.
 */
VsStatus vs_zero_bits_limit(const VsLayout *layout, uint64_t zero_bits, uint64_t *limit)
{
    *limit = layout->highest_vad_address;
    if (zero_bits == 0)
        return STATUS_SUCCESS;
    uint64_t allowed;
    if (zero_bits <= 21) {
        allowed = (1ull << (32 - zero_bits)) - 1;
    } else if (zero_bits >= 32 && layout->arch == VS_ARCH_X64) {
        allowed = ~0ull >> __builtin_clzll(zero_bits);
    } else {
        return STATUS_INVALID_PARAMETER_3;
    }
    *limit = vs_min(*limit, allowed);
    return STATUS_SUCCESS;
}

void vs_emit_rounded(VsProcess *process, uint64_t address, uint64_t size, uint64_t start_vpn,
                     uint64_t end_vpn)
{
    VsEvent event = {.kind = VS_EV_RANGE_ROUNDED,
                     .pid = process->pid,
                     .address = address,
                     .size = size,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn};
    vs_emit(process->system, &event);
}

/*
 * Picks the pages a reservation will cover, or says why it cannot have them. The ZeroBits limit
 * only steers the search for a free range: a caller naming its own base gets that base (WRK
 * applies ZeroBits in MiFindEmptyAddressRange only; Wine's tests show a conflicting fixed base with
 * ZeroBits set still fails as a conflict). The first 64 KB is refused as an invalid parameter, as
 * Wine's allocate_virtual_memory does ("disallow low 64k").
 */
VsStatus vs_place_reservation(VsProcess *process, uint64_t base, uint64_t size,
                              const VsAddressWindow *window, bool top_down, uint64_t *start_vpn,
                              uint64_t *end_vpn)
{
    const VsLayout *layout = process->system->layout;
    if (base == 0) {
        uint64_t pages = vs_vpn(size + VS_PAGE_SIZE - 1);
        const VsVadTable *table = &process->vad_root;
        bool plain =
            window->low_vpn <= table->lowest_vpn && window->align_pages == VS_GRANULE_PAGES;
        bool found =
            plain ? vs_vad_find_free(table, pages, top_down, window->high_vpn, start_vpn)
                  : vs_vad_find_free_window(table, pages, top_down, window->low_vpn,
                                            window->high_vpn, window->align_pages, start_vpn);
        if (!found)
            return STATUS_NO_MEMORY;
        *end_vpn = *start_vpn + pages - 1;
        return STATUS_SUCCESS;
    }
    uint64_t start = vs_granule_down(base);
    uint64_t end = base + size - 1;
    if (start < layout->lowest_user_address)
        return STATUS_INVALID_PARAMETER;
    *start_vpn = vs_vpn(start);
    *end_vpn = vs_vpn(end);
    if (vs_vad_find_conflict(&process->vad_root, *start_vpn, *end_vpn))
        return STATUS_CONFLICTING_ADDRESSES;
    return STATUS_SUCCESS;
}

/* The reserve path: a new private VAD (models MiAllocateVad + MiInsertVad), or a placeholder. */
static VsStatus reserve(VsProcess *process, uint64_t *base_address, uint64_t *region_size,
                        const VsAddressWindow *window, uint32_t type, uint32_t mm_protection,
                        bool placeholder)
{
    uint64_t start_vpn, end_vpn;
    VsStatus status = vs_place_reservation(process, *base_address, *region_size, window,
                                           (type & MEM_TOP_DOWN) != 0, &start_vpn, &end_vpn);
    if (!NT_SUCCESS(status))
        return status;
    if ((type & MEM_COMMIT) && !vs_commit_available(process->system, end_vpn - start_vpn + 1))
        return STATUS_COMMITMENT_LIMIT; /* MiChargeCommitment, before the VAD goes in */
    VsVad *vad = vs_pool_alloc(&process->system->vad_pool);
    if (!vad)
        return STATUS_INSUFFICIENT_RESOURCES;
    if ((type & MEM_WRITE_WATCH) &&
        !vs_write_watch_create(process, start_vpn, end_vpn - start_vpn + 1)) {
        vs_pool_free(&process->system->vad_pool, vad);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    vs_emit_rounded(process, *base_address, *region_size, start_vpn, end_vpn);
    vad->starting_vpn = start_vpn;
    vad->ending_vpn = end_vpn;
    vad->kind = placeholder ? VS_VAD_PLACEHOLDER : VS_VAD_PRIVATE;
    vad->placeholder = placeholder;
    vad->protection = mm_protection;
    vad->private_memory = 1;
    vad->mem_commit = (type & MEM_COMMIT) != 0;
    vad->write_watch = (type & MEM_WRITE_WATCH) != 0;
    vad->large_pages = (type & MEM_LARGE_PAGES) != 0;
    vad->physical = (type & MEM_PHYSICAL) != 0;
    vs_vad_insert(&process->vad_root, vad);
    vs_emit_range(process, placeholder ? VS_EV_PLACEHOLDER_RESERVED : VS_EV_VAD_INSERTED, start_vpn,
                  end_vpn);
    if (vad->large_pages) {
        /* The frames, once the VAD is in (WRK inserts it, then MiAllocateLargePages); none to be
         * had takes the VAD out again. */
        status = vs_large_pages_allocate(process, vad);
        if (!NT_SUCCESS(status)) {
            vs_vad_remove(&process->vad_root, vad);
            vs_emit_range(process, VS_EV_VAD_REMOVED, start_vpn, end_vpn);
            vs_pool_free(&process->system->vad_pool, vad);
            return status;
        }
    }
    if (vad->mem_commit) {
        uint64_t pages = end_vpn - start_vpn + 1;
        vs_charge_commit(process, vad, (int64_t)pages);
        VsEvent event = {.kind = VS_EV_COMMITTED,
                         .pid = process->pid,
                         .vpn_start = start_vpn,
                         .vpn_end = end_vpn,
                         .pages = pages,
                         .protection = vs_mm_to_win32(mm_protection)};
        vs_emit(process->system, &event);
    }
    *base_address = vs_vpn_address(start_vpn);
    *region_size = vs_vpn_address(end_vpn - start_vpn + 1);
    return STATUS_SUCCESS;
}

/*
 * MEM_COMMIT in a view (WRK's NtAllocateVirtualMemory for a VAD that is not private memory, and
 * the check recent Windows adds). A file's pages are committed by the file already, and every
 * protection is refused (STATUS_ALREADY_COMMITTED, ERROR_ACCESS_DENIED: Wine's kernel32
 * test_mapping L4270-4274, test_CreateFileMapping_protection L3736-3738). In a view of the page
 * file the protection must be one the view allows, its access within the view's (write-copy on
 * any readable view, no access on any view; else STATUS_SECTION_PROTECTION,
 * ERROR_INVALID_PARAMETER: test_mapping L4238-4267, where Vista and older accepted anything); the
 * section's pages are committed, for every view of it, and this view's take the protection asked
 * (MiSetProtectionOnSection: test_MapViewOfFile L894-925 and L965-976 read PAGE_READONLY in the
 * view committed PAGE_READONLY, and the other view's own protection in it).
 */
static VsStatus check_view_commit(const VsVad *vad, uint32_t mm_protection)
{
    if (vs_mapped_vad(vad)->section->file)
        return STATUS_ALREADY_COMMITTED;
    if (!vs_section_protection_compatible(vad->protection, mm_protection))
        return STATUS_SECTION_PROTECTION;
    return STATUS_SUCCESS;
}

/* The commit itself, once check_view_commit allowed it. */
static VsStatus commit_view(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                            uint32_t mm_protection)
{
    uint64_t charge = vs_protect_charge(process, vad, start_vpn, end_vpn, mm_protection);
    VsStatus status = vs_view_commit(process, vad, start_vpn, end_vpn, charge);
    if (!NT_SUCCESS(status))
        return status;
    uint32_t old;
    bool own = vs_vad_page_protection(vad, mm_protection) == vad->protection;
    return vs_protect_pages(process, vad, start_vpn, end_vpn, mm_protection, &old, !own);
}

/* The commit path: pages inside one existing reservation or view. */
static VsStatus commit(VsProcess *process, uint64_t *base_address, uint64_t *region_size,
                       uint32_t mm_protection)
{
    uint64_t start_vpn = vs_vpn(*base_address);
    uint64_t end_vpn = vs_vpn(*base_address + *region_size - 1);
    VsVad *vad = vs_vad_find_conflict(&process->vad_root, start_vpn, end_vpn);
    if (!vad || start_vpn < vad->starting_vpn || end_vpn > vad->ending_vpn)
        return STATUS_CONFLICTING_ADDRESSES;
    /* The KUSER_SHARED_DATA VAD charges no commit and refuses it (WRK's MM_MAX_COMMIT VADs), and
     * so does a placeholder (a CommitCharge sentinel too): it can only be replaced, whole. */
    if (vad->no_change || vad->kind == VS_VAD_PLACEHOLDER)
        return STATUS_CONFLICTING_ADDRESSES;
    /* Large pages are committed whole for their life, and an AWE window's pages are whatever
     * frames the process maps there: a commit in either is refused (WRK, VadType VadLargePages
     * and VadAwe). */
    if (vad->large_pages || vad->physical)
        return STATUS_CONFLICTING_ADDRESSES;
    process->vad_root.node_hint = vad;
    /* Write-copy is for views; private pages refuse it (WRK, once the VAD is found). */
    if (!vs_vad_is_view(vad) && vs_mm_is_copy_on_write(mm_protection))
        return STATUS_INVALID_PAGE_PROTECTION;
    VsStatus status = vs_vad_is_view(vad) ? check_view_commit(vad, mm_protection) : STATUS_SUCCESS;
    if (!NT_SUCCESS(status))
        return status;
    vs_emit_rounded(process, *base_address, *region_size, start_vpn, end_vpn);
    status = vs_vad_is_view(vad) ? commit_view(process, vad, start_vpn, end_vpn, mm_protection)
                                 : vs_commit_pages(process, vad, start_vpn, end_vpn,
                                                   vs_vad_page_protection(vad, mm_protection));
    if (!NT_SUCCESS(status))
        return status;
    *base_address = vs_vpn_address(start_vpn);
    *region_size = vs_vpn_address(end_vpn - start_vpn + 1);
    return STATUS_SUCCESS;
}

/* For a page of a pagefile-backed view that is not valid in this process (its PTE zero or in the
 * prototype format), the section whose prototype PTE *index describes its contents; NULL for any
 * other page. */
static VsSection *view_prototype(const VsVad *vad, uint64_t vpn, uint64_t pte, uint64_t *index)
{
    if (!vs_vad_is_view(vad) || (pte != 0 && !vs_pte_is_proto(pte)))
        return NULL;
    *index = vs_view_prototype_index(vad, vpn);
    return vs_mapped_vad(vad)->section;
}

/* The page's contents are no longer wanted (one page of reset_pages). */
static void reset_page(VsProcess *process, const VsVad *vad, uint64_t vpn)
{
    VsSystem *system = process->system;
    uint64_t pte = vs_pt_read(process, vpn), index = 0;
    VsSection *section = view_prototype(vad, vpn, pte, &index);
    if (section)
        pte = vs_prototype_read(section, index); /* not valid here: its section page is reset */
    if (vs_pte_is_valid(pte)) {
        VsPfn *pfn = &system->pfn.frames[vs_pte_frame(pte)];
        if (!section && (pte & VS_PTE_ACCESSED))
            vs_ws_entry(process, vpn, vs_pte_frame(pte))->age = 3;
        pfn->flags &= (uint8_t)~VS_PFN_MODIFIED;
        vs_pagefile_free(&system->pagefile, vs_pte_pagefile_slot(pfn->original_pte));
        pfn->original_pte = vs_pte_make_software(vs_pte_mm_protection(pfn->original_pte));
        if (!section)
            vs_pt_write(process, vpn, pte & ~(VS_PTE_ACCESSED | VS_PTE_DIRTY));
    } else if (vs_pte_is_transition(pte)) {
        uint64_t frame = vs_pte_frame(pte);
        VsPfn *pfn = &system->pfn.frames[frame];
        if (pfn->location != VS_PAGE_MODIFIED)
            return; /* standby: clean already */
        pfn->flags &= (uint8_t)~VS_PFN_MODIFIED;
        vs_pagefile_free(&system->pagefile, vs_pte_pagefile_slot(pfn->original_pte));
        pfn->original_pte = vs_pte_make_software(vs_pte_mm_protection(pfn->original_pte));
        vs_pfn_unlink(&system->pfn, frame);
        vs_pfn_insert(&system->pfn, frame, VS_PAGE_STANDBY);
    } else if (vs_pte_is_pagefile(pte)) {
        vs_pagefile_free(&system->pagefile, vs_pte_pagefile_slot(pte));
        uint64_t demand_zero = vs_pte_make_software(vs_pte_mm_protection(pte));
        if (section)
            vs_prototype_write(section, index, demand_zero); /* replaces a stored entry */
        else
            vs_pt_write(process, vpn, demand_zero);
    }
}

/*
 * MEM_RESET on the pages of [start_vpn, end_vpn] (models MiResetVirtualMemory): their contents are
 * no longer wanted, but they stay committed. A valid page becomes clean (Dirty cleared, the frame
 * not Modified, its page-file copy freed) and, if it was touched lately, the first to be trimmed
 * (Accessed cleared, age 3); a page on the modified list moves to standby, clean; a page in the
 * page file loses its copy and is demand zero again. Whatever is repurposed from here reads zeros.
 * Untouched pages hold nothing to reset: only those with a page table or a prototype PTE other
 * than the initial one are visited. OfferVirtualMemory makes its pages clean the same way
 * (offer.c).
 */
void vs_reset_pages(VsProcess *process, const VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    VsViewScan scan = vs_view_scan(process, vad, start_vpn, end_vpn);
    for (uint64_t vpn = vs_view_scan_next(&scan, start_vpn); vpn <= end_vpn;
         vpn = vs_view_scan_next(&scan, vpn + 1))
        reset_page(process, vad, vpn);
    vs_emit_range(process, VS_EV_PAGES_RESET, start_vpn, end_vpn);
}

/* The page's contents are wanted after all (one page of undo_reset_pages); false if they are
 * gone. */
static bool undo_reset_page(VsProcess *process, const VsVad *vad, uint64_t vpn)
{
    VsSystem *system = process->system;
    uint64_t pte = vs_pt_read(process, vpn), index = 0;
    VsSection *section = view_prototype(vad, vpn, pte, &index);
    if (section)
        pte = vs_prototype_read(section, index);
    if (vs_pte_is_valid(pte)) {
        VsPfn *pfn = &system->pfn.frames[vs_pte_frame(pte)];
        /* A section page written out again since the reset is safe in its slot; otherwise
         * it is dirty now (a private page's Dirty bit frees a stale copy when captured). */
        if (section && !vs_pte_pagefile_slot(pfn->original_pte))
            pfn->flags |= VS_PFN_MODIFIED;
        else if (!section)
            vs_pt_write(process, vpn, pte | VS_PTE_DIRTY);
    } else if (vs_pte_is_transition(pte)) {
        uint64_t frame = vs_pte_frame(pte);
        VsPfn *pfn = &system->pfn.frames[frame];
        /* Modified already, or written out again since the reset: the contents are safe. */
        if (pfn->location != VS_PAGE_STANDBY || vs_pte_pagefile_slot(pfn->original_pte))
            return true;
        pfn->flags |= VS_PFN_MODIFIED;
        vs_pfn_unlink(&system->pfn, frame);
        vs_pfn_insert(&system->pfn, frame, VS_PAGE_MODIFIED);
    } else if (!vs_pte_is_pagefile(pte)) {
        return false; /* demand zero or not committed: the contents are zeros now */
    }
    return true;
}

/*
 * MEM_RESET_UNDO (Windows 8) on [start_vpn, end_vpn]: the caller wants the contents after all.
 * Every page whose contents still exist is made dirty again so that nothing lets it go: a valid
 * page gets its Dirty bit, a standby page goes back to the modified list. A page whose frame was
 * taken since the reset (its PTE demand zero again) or that holds nothing (not committed, or never
 * touched) cannot be brought back; the rest are still rescued. Returns how many pages could not be.
 */
static uint64_t undo_reset_pages(VsProcess *process, const VsVad *vad, uint64_t start_vpn,
                                 uint64_t end_vpn)
{
    uint64_t lost = 0;
    VsViewScan scan = vs_view_scan(process, vad, start_vpn, end_vpn);
    for (uint64_t vpn = start_vpn; vpn <= end_vpn; vpn++) {
        uint64_t differs = vs_view_scan_next(&scan, vpn);
        if (differs > vpn) { /* untouched pages: nothing to rescue */
            lost += differs - vpn;
            vpn = differs - 1;
            continue;
        }
        lost += !undo_reset_page(process, vad, vpn);
    }
    VsEvent event = {.kind = VS_EV_RESET_UNDONE,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .pages = lost};
    vs_emit(process->system, &event);
    return lost;
}

/* The MEM_RESET and MEM_RESET_UNDO path: the range rounds inward, so no partly covered page loses
 * its data, and must lie inside one VAD that is not KUSER_SHARED_DATA's. */
static VsStatus reset(VsProcess *process, uint64_t *base_address, uint64_t *region_size,
                      uint32_t allocation_type)
{
    uint64_t start = (*base_address + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    uint64_t end = vs_page_down(*base_address + *region_size);
    if (start >= end)
        return STATUS_CONFLICTING_ADDRESSES;
    uint64_t start_vpn = vs_vpn(start), end_vpn = vs_vpn(end) - 1;
    VsVad *vad = vs_vad_find_conflict(&process->vad_root, start_vpn, end_vpn);
    /* Large pages and AWE windows are never reset (WRK refuses their VADs before
     * MiResetVirtualMemory). */
    if (!vad || start_vpn < vad->starting_vpn || end_vpn > vad->ending_vpn || vad->no_change ||
        vad->large_pages || vad->physical)
        return STATUS_CONFLICTING_ADDRESSES;
    *base_address = start;
    *region_size = end - start;
    /* A mapped file's pages belong to the file: resetting them would throw away what it says.
     * The model leaves them alone and succeeds (its choice: no test measures Windows here). */
    if (vs_vad_is_view(vad) && vs_mapped_vad(vad)->section->file)
        return STATUS_SUCCESS;
    if (allocation_type == MEM_RESET_UNDO) {
        /* Microsoft documents only that the call fails when some contents are gone; the status
         * is the model's choice (see the known list, model-reset-undo-status). */
        return undo_reset_pages(process, vad, start_vpn, end_vpn) ? STATUS_UNSUCCESSFUL
                                                                  : STATUS_SUCCESS;
    }
    vs_reset_pages(process, vad, start_vpn, end_vpn);
    return STATUS_SUCCESS;
}

/* Checks what can be checked before the process is known, in WRK's order. */
static VsStatus check_arguments(const VsLayout *layout, const uint64_t *base_address,
                                uint64_t zero_bits, const uint64_t *region_size, uint32_t type,
                                uint32_t protect, uint64_t *limit, uint32_t *mm_protection)
{
    VsStatus status = vs_zero_bits_limit(layout, zero_bits, limit);
    if (!NT_SUCCESS(status))
        return status;
    /* A placeholder is made by NtAllocateVirtualMemoryEx only; the old call refuses
     * MEM_RESERVE_PLACEHOLDER with plain STATUS_INVALID_PARAMETER, not as an unknown type (Wine's
     * test_NtAllocateVirtualMemoryEx asserts it for Windows). */
    if (type & MEM_RESERVE_PLACEHOLDER)
        return STATUS_INVALID_PARAMETER;
    const uint32_t known = MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN | MEM_WRITE_WATCH | MEM_RESET |
                           MEM_RESET_UNDO | MEM_LARGE_PAGES | MEM_PHYSICAL;
    if ((type & ~known) || !(type & (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO)))
        return STATUS_INVALID_PARAMETER_5;
    if ((type & MEM_RESET) && type != MEM_RESET)
        return STATUS_INVALID_PARAMETER_5; /* MEM_RESET goes alone */
    if ((type & MEM_RESET_UNDO) && type != MEM_RESET_UNDO)
        return STATUS_INVALID_PARAMETER_5; /* and so does its undo */
    /* Write watch is a property of a reservation (VadWriteWatch): only with MEM_RESERVE. */
    if ((type & MEM_WRITE_WATCH) && !(type & MEM_RESERVE))
        return STATUS_INVALID_PARAMETER_5;
    /* Large pages are committed at once and are neither reset nor watched (WRK allocvm.c). */
    if ((type & MEM_LARGE_PAGES) && (!(type & MEM_COMMIT) || (type & MEM_WRITE_WATCH)))
        return STATUS_INVALID_PARAMETER_5;
    /* An AWE window (MEM_PHYSICAL) is a reservation, maybe top-down, and nothing else; always
     * read-write (WRK allocvm.c: _5 for the type, then _6 for any other protection). */
    if ((type & MEM_PHYSICAL) &&
        (!(type & MEM_RESERVE) || (type & ~(MEM_RESERVE | MEM_TOP_DOWN | MEM_PHYSICAL))))
        return STATUS_INVALID_PARAMETER_5;
    if ((type & MEM_PHYSICAL) && protect != PAGE_READWRITE)
        return STATUS_INVALID_PARAMETER_6;
    *mm_protection = vs_mm_from_win32(protect);
    /* Write-copy is for views, not private pages: a reservation refuses it here, a commit once it
     * knows where (allocate, commit); MEM_RESET (and its undo) only checks that it is a
     * protection. */
    if (*mm_protection == MM_INVALID_PROTECTION ||
        (vs_mm_is_copy_on_write(*mm_protection) && (type & MEM_RESERVE)))
        return STATUS_INVALID_PAGE_PROTECTION;
    if (!base_address || !region_size)
        return STATUS_ACCESS_VIOLATION;
    if (*base_address > layout->highest_vad_address)
        return STATUS_INVALID_PARAMETER_2;
    if (*region_size == 0 || layout->highest_vad_address - *base_address + 1 < *region_size)
        return STATUS_INVALID_PARAMETER_4;
    return STATUS_SUCCESS;
}

/*
 * Where a large-page reservation may go (WRK NtAllocateVirtualMemory, MEM_LARGE_PAGES on the
 * reserve path): the size must be a multiple of the large-page size (STATUS_INVALID_PARAMETER_4);
 * a base is rounded down to a large-page boundary, and a search for one looks on such boundaries
 * only. A base that rounds into the first large page is refused as any base in the first 64 KB is
 * (STATUS_INVALID_PARAMETER; the model's choice: WRK does not say).
 */
static VsStatus large_page_range(const VsLayout *layout, uint64_t *base, uint64_t size,
                                 VsAddressWindow *window)
{
    uint64_t large = vs_vpn_address(vs_large_page_pages(layout));
    if (size % large)
        return STATUS_INVALID_PARAMETER_4;
    if (*base) {
        *base &= ~(large - 1);
        return *base < layout->lowest_user_address ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
    }
    window->align_pages = vs_max(window->align_pages, vs_large_page_pages(layout));
    window->aligned = true;
    return STATUS_SUCCESS;
}

/* What NtAllocateVirtualMemoryEx asks beyond the legacy call. */
typedef enum PlaceholderOp {
    NO_PLACEHOLDER,
    RESERVE_PLACEHOLDER,
    REPLACE_PLACEHOLDER
} PlaceholderOp;

/* Both entry points, once the arguments they differ in are checked. */
static VsStatus allocate(VsThread *caller, VsHandle process_handle, uint64_t *base_address,
                         uint64_t zero_bits, uint64_t *region_size, uint32_t allocation_type,
                         uint32_t protect, const VsAddressWindow *requirements, PlaceholderOp op)
{
    const VsLayout *layout = caller->process->system->layout;
    uint64_t limit;
    uint32_t mm_protection;
    VsStatus status = check_arguments(layout, base_address, zero_bits, region_size, allocation_type,
                                      protect, &limit, &mm_protection);
    if (!NT_SUCCESS(status))
        return status;
    VsProcess *process;
    status = vs_reference_process(caller, process_handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    /* MEM_LARGE_PAGES needs SeLockMemoryPrivilege in the caller's token, checked before anything
     * is looked at in the target (WRK: "to prevent unprivileged apps from dumping memory into a
     * privileged process"). A process holds it only when the scenario says so, as on Windows
     * only after an administrator grants "Lock pages in memory" and the process enables it. */
    if ((allocation_type & MEM_LARGE_PAGES) && !caller->process->lock_memory_privilege)
        return STATUS_PRIVILEGE_NOT_HELD;
    if (op == REPLACE_PLACEHOLDER)
        return vs_placeholder_replace_private(process, base_address, region_size, allocation_type,
                                              mm_protection);
    VsAddressWindow window = requirements ? *requirements : vs_window_below(layout, limit);
    /* A NULL base reserves, whatever else the type says (MEM_RESET included, as in WRK), and a
     * reservation is private: no write-copy (WRK checks it here, after the process). */
    if (*base_address == 0 || (allocation_type & MEM_RESERVE)) {
        if (vs_mm_is_copy_on_write(mm_protection))
            return STATUS_INVALID_PAGE_PROTECTION;
        uint64_t base = *base_address;
        if (allocation_type & MEM_LARGE_PAGES) {
            status = large_page_range(layout, &base, *region_size, &window);
            if (!NT_SUCCESS(status))
                return status;
        }
        status = reserve(process, &base, region_size, &window, allocation_type, mm_protection,
                         op == RESERVE_PLACEHOLDER);
        if (NT_SUCCESS(status))
            *base_address = base;
        return status;
    }
    /* A commit at a base ignores MEM_LARGE_PAGES, as WRK's commit path does: a reservation made
     * without it stays small pages, and one made with it refuses the commit (commit()). */
    if (allocation_type == MEM_RESET || allocation_type == MEM_RESET_UNDO)
        return reset(process, base_address, region_size, allocation_type);
    status = commit(process, base_address, region_size, mm_protection);
    if (NT_SUCCESS(status) && process == caller->process && (protect & PAGE_GUARD))
        vs_stack_guard_set(caller, *base_address, *base_address + *region_size);
    return status;
}

/*
 * Reserves and/or commits. On success *base_address and *region_size describe the pages actually
 * covered. Statuses: STATUS_INVALID_PARAMETER (a base in the first 64 KB, or
 * MEM_RESERVE_PLACEHOLDER), STATUS_INVALID_PARAMETER_2/3/4/5, STATUS_INVALID_PAGE_PROTECTION,
 * STATUS_ACCESS_VIOLATION, STATUS_INVALID_HANDLE, STATUS_NO_MEMORY, STATUS_CONFLICTING_ADDRESSES,
 * STATUS_INSUFFICIENT_RESOURCES, STATUS_PRIVILEGE_NOT_HELD (MEM_LARGE_PAGES, once the arguments
 * and the handle pass). MEM_REPLACE_PLACEHOLDER is an unknown type here (_5).
 */
VsStatus VsNtAllocateVirtualMemory(VsThread *caller, VsHandle process_handle,
                                   uint64_t *base_address, uint64_t zero_bits,
                                   uint64_t *region_size, uint32_t allocation_type,
                                   uint32_t protect)
{
    return allocate(caller, process_handle, base_address, zero_bits, region_size, allocation_type,
                    protect, NULL, NO_PLACEHOLDER);
}

/*
 * The Ex call checks its extended parameters first, then its own flags, all refused with
 * STATUS_INVALID_PARAMETER (Wine's NtAllocateVirtualMemoryEx, as its tests measured Windows): a
 * placeholder flag without MEM_RESERVE, both of them, a placeholder that is not PAGE_NOACCESS or
 * is to be committed or write-watched, a caller's base together with address requirements, size
 * 0. Then the legacy checks and paths, with the placeholder ones added.
 */
VsStatus VsNtAllocateVirtualMemoryEx(VsThread *caller, VsHandle process_handle,
                                     uint64_t *base_address, uint64_t *region_size,
                                     uint32_t allocation_type, uint32_t protect,
                                     const VsMemExtendedParameter *parameters,
                                     uint32_t parameter_count)
{
    VsAddressWindow window;
    bool requirements;
    VsStatus status = vs_extended_parameters(caller->process->system->layout, parameters,
                                             parameter_count, &window, &requirements, NULL);
    if (!NT_SUCCESS(status))
        return status;
    const uint32_t placeholder = MEM_RESERVE_PLACEHOLDER | MEM_REPLACE_PLACEHOLDER;
    uint32_t type = allocation_type & ~placeholder;
    PlaceholderOp op = (allocation_type & MEM_RESERVE_PLACEHOLDER)   ? RESERVE_PLACEHOLDER
                       : (allocation_type & MEM_REPLACE_PLACEHOLDER) ? REPLACE_PLACEHOLDER
                                                                     : NO_PLACEHOLDER;
    if ((allocation_type & placeholder) == placeholder ||
        (op != NO_PLACEHOLDER && !(type & MEM_RESERVE)))
        return STATUS_INVALID_PARAMETER;
    if (op == RESERVE_PLACEHOLDER &&
        (protect != PAGE_NOACCESS || (type & (MEM_COMMIT | MEM_WRITE_WATCH))))
        return STATUS_INVALID_PARAMETER;
    if (!base_address || !region_size)
        return STATUS_ACCESS_VIOLATION;
    if ((*base_address && requirements) || *region_size == 0)
        return STATUS_INVALID_PARAMETER;
    return allocate(caller, process_handle, base_address, 0, region_size, type, protect, &window,
                    op);
}
