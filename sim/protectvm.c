/*
 * protectvm.c - NtProtectVirtualMemory: change the protection of committed pages.
 *
 * Models WRK mm/protect.c NtProtectVirtualMemory and MiProtectVirtualMemory. The range rounds out
 * to pages and must lie inside one VAD (STATUS_CONFLICTING_ADDRESSES otherwise); every page in it
 * must be committed (STATUS_NOT_COMMITTED); the old protection returned is the first page's.
 * Private memory cannot be made copy-on-write, and a NoChange VAD (KUSER_SHARED_DATA) cannot be
 * changed at all (STATUS_INVALID_PAGE_PROTECTION). PAGE_NOCACHE is the allocation's: a page keeps
 * it, and cannot be given it, whatever protection is asked (vs_vad_page_protection).
 */
#include "internal.h"

static VsStatus check_arguments(const VsLayout *layout, const uint64_t *base_address,
                                const uint64_t *region_size, const uint32_t *old_protect,
                                uint32_t new_protect, uint32_t *mm_protection)
{
    *mm_protection = vs_mm_from_win32(new_protect);
    if (*mm_protection == MM_INVALID_PROTECTION)
        return STATUS_INVALID_PAGE_PROTECTION;
    if (!base_address || !region_size || !old_protect)
        return STATUS_ACCESS_VIOLATION;
    if (*base_address > layout->highest_user_address)
        return STATUS_INVALID_PARAMETER_2;
    if (*region_size == 0 || layout->highest_user_address - *base_address + 1 < *region_size)
        return STATUS_INVALID_PARAMETER_3;
    return STATUS_SUCCESS;
}

/* Finds the one VAD holding [start_vpn, end_vpn] and checks it may take mm_protection. */
static VsStatus find_protectable(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn,
                                 uint32_t mm_protection, VsVad **out)
{
    VsVad *vad = vs_vad_find_conflict(&process->vad_root, start_vpn, end_vpn);
    if (!vad || start_vpn < vad->starting_vpn || end_vpn > vad->ending_vpn)
        return STATUS_CONFLICTING_ADDRESSES;
    /* An AWE window takes its own path right here, unmapped pages and all (WRK, VadAwe). */
    if (vad->physical) {
        *out = vad;
        return STATUS_SUCCESS;
    }
    if (vad->no_change)
        return STATUS_INVALID_PAGE_PROTECTION;
    if (vad->private_memory && vs_mm_is_copy_on_write(mm_protection))
        return STATUS_INVALID_PAGE_PROTECTION;
    /* A view's pages never get more than the view was mapped with (MiProtectVirtualMemory checks
     * the VAD's protection: on a FILE_MAP_READ view of a writable section only PAGE_READONLY and
     * PAGE_WRITECOPY pass, as Wine's test_CreateFileMapping_protection measured). */
    if (vs_vad_is_view(vad) && !vs_mapped_vad(vad)->section->image &&
        !vs_section_protection_compatible(vad->protection, mm_protection))
        return STATUS_SECTION_PROTECTION;
    if (vs_commit_count(process, vad, start_vpn, end_vpn) != end_vpn - start_vpn + 1)
        return STATUS_NOT_COMMITTED;
    process->vad_root.node_hint = vad;
    *out = vad;
    return STATUS_SUCCESS;
}

/* The commit a protection change takes: pages of a view that become copy-on-write may each
 * become a private copy, so a view not mapped copy-on-write is charged for them now
 * (MiSetProtectionOnSection). */
uint64_t vs_protect_charge(const VsProcess *process, const VsVad *vad, uint64_t start_vpn,
                           uint64_t end_vpn, uint32_t mm)
{
    if (!vs_vad_is_view(vad) || !vs_mm_is_copy_on_write(mm))
        return 0;
    if (!vs_mapped_vad(vad)->section->image)
        return vad->commit_charge == 0 ? end_vpn - start_vpn + 1 : 0;
    /* In an image, each page not write-copy already and not a private copy
     * (MiSetProtectionOnSection: the pages the map did not charge, as the loader's relocation makes
     * them writable). */
    uint64_t pages = 0;
    for (uint64_t vpn = start_vpn; vpn <= end_vpn; vpn++) {
        uint64_t pte = vs_pt_read(process, vpn);
        VsPageState state = vs_page_state(process, vad, vpn, pte);
        bool copied = vs_pte_is_resident(pte) &&
                      !(process->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE);
        pages += !copied && !vs_mm_is_copy_on_write(state.mm_protection) &&
                 !vs_mm_is_copy_on_write(vs_view_page_mm(vad, vpn));
    }
    return pages;
}

/* An image page takes one protection, and a writable one as write-copy: PAGE_READWRITE becomes
 * PAGE_WRITECOPY, PAGE_EXECUTE_READWRITE PAGE_EXECUTE_WRITECOPY (MiSetProtectionOnSection; Wine's
 * loader test_VirtualProtect, L1776-1902). */
static uint32_t image_page_protection(uint32_t mm)
{
    if ((mm & 7) == MM_READWRITE)
        return (mm & ~7u) | MM_WRITECOPY;
    if ((mm & 7) == MM_EXECUTE_READWRITE)
        return (mm & ~7u) | MM_EXECUTE_WRITECOPY;
    return mm;
}

/*
 * Gives the committed pages [start_vpn, end_vpn] of vad the protection mm asks for, with the
 * caching the VAD gives them (vs_vad_page_protection), charging what a copy-on-write protection
 * takes; *old is the first page's protection before. The half of NtProtectVirtualMemory after its
 * checks, which a MEM_COMMIT in a view shares (that one tells of it only when the protection is
 * not the view's own: narrate). STATUS_COMMITMENT_LIMIT or STATUS_INSUFFICIENT_RESOURCES change
 * nothing.
 */
VsStatus vs_protect_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                          uint32_t mm, uint32_t *old, bool narrate)
{
    mm = vs_vad_page_protection(vad, mm);
    *old = vs_page_state(process, vad, start_vpn, vs_pt_read(process, start_vpn)).mm_protection;
    if (vs_vad_is_view(vad) && vs_mapped_vad(vad)->section->image)
        mm = image_page_protection(mm);
    uint64_t charge = vs_protect_charge(process, vad, start_vpn, end_vpn, mm);
    if (charge && !vs_commit_available(process->system, charge))
        return STATUS_COMMITMENT_LIMIT;
    VsStatus status = vs_set_protection(process, vad, start_vpn, end_vpn, mm);
    if (!NT_SUCCESS(status))
        return status;
    if (charge)
        vs_charge_commit(process, vad, (int64_t)charge);
    if (!narrate)
        return STATUS_SUCCESS;
    VsEvent event = {.kind = VS_EV_PROTECTED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .protection = vs_mm_to_win32(mm),
                     .old_protection = vs_mm_to_win32(*old)};
    vs_emit(process->system, &event);
    return STATUS_SUCCESS;
}

/* Sets mm_protection on the pages of the one VAD holding [*base_address, + *region_size): the
 * search, the checks and the change (models MiProtectVirtualMemory). On success *old is the first
 * page's old protection and the base and size are rounded to pages. */
static VsStatus protect_range(VsProcess *process, uint64_t *base_address, uint64_t *region_size,
                              uint32_t mm_protection, uint32_t *old)
{
    uint64_t start_vpn = vs_vpn(*base_address);
    uint64_t end_vpn = vs_vpn(*base_address + *region_size - 1);
    VsVad *vad;
    VsStatus status = find_protectable(process, start_vpn, end_vpn, mm_protection, &vad);
    if (!NT_SUCCESS(status))
        return status;
    uint32_t old_mm;
    /* Large pages keep one protection throughout, their PDEs': asking for it again succeeds and
     * changes nothing, anything else is STATUS_CONFLICTING_ADDRESSES (WRK, VadLargePages). */
    if (vad->large_pages && mm_protection != vad->protection)
        return STATUS_CONFLICTING_ADDRESSES;
    if (vad->physical) /* an AWE window's protection lives in its mapped PTEs (awe.c) */
        status = vs_awe_protect(process, start_vpn, end_vpn, mm_protection, &old_mm);
    else
        status = vad->large_pages ? (old_mm = vad->protection, STATUS_SUCCESS)
                                  : vs_protect_pages(process, vad, start_vpn, end_vpn,
                                                     mm_protection, &old_mm, true);
    if (!NT_SUCCESS(status))
        return status;
    *old = vs_mm_to_win32(old_mm);
    *base_address = vs_vpn_address(start_vpn);
    *region_size = vs_vpn_address(end_vpn - start_vpn + 1);
    return STATUS_SUCCESS;
}

/*
 * Sets the protection of the committed pages in [*base_address, *base_address + *region_size).
 * On success the old protection of the first page is in *old_protect and the base and size are
 * rounded to pages. Once the arguments and the process are accepted, a failure writes
 * PAGE_NOACCESS as the old protection: NtProtectVirtualMemory writes its out-parameters back
 * whatever MiProtectVirtualMemory returned (WRK), and Wine's test_NtProtectVirtualMemory and
 * test_VirtualProtectFromApp assert PAGE_NOACCESS there for Windows (broken: Windows 7 wrote
 * something else). Statuses: STATUS_INVALID_PAGE_PROTECTION, STATUS_ACCESS_VIOLATION,
 * STATUS_INVALID_PARAMETER_2/3, STATUS_INVALID_HANDLE, and after those (PAGE_NOACCESS written)
 * STATUS_CONFLICTING_ADDRESSES, STATUS_NOT_COMMITTED, STATUS_SECTION_PROTECTION,
 * STATUS_COMMITMENT_LIMIT, STATUS_INSUFFICIENT_RESOURCES.
 */
VsStatus VsNtProtectVirtualMemory(VsThread *caller, VsHandle process_handle, uint64_t *base_address,
                                  uint64_t *region_size, uint32_t new_protect,
                                  uint32_t *old_protect)
{
    uint32_t mm_protection;
    VsStatus status = check_arguments(caller->process->system->layout, base_address, region_size,
                                      old_protect, new_protect, &mm_protection);
    if (!NT_SUCCESS(status))
        return status;
    VsProcess *process;
    status = vs_reference_process(caller, process_handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    uint32_t old = PAGE_NOACCESS; /* what a failure from here on writes */
    status = protect_range(process, base_address, region_size, mm_protection, &old);
    *old_protect = old;
    if (NT_SUCCESS(status) && process == caller->process && (new_protect & PAGE_GUARD))
        vs_stack_guard_set(caller, *base_address, *base_address + *region_size);
    return status;
}
