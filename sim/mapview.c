/*
 * mapview.c - mapping views of sections into processes, and unmapping them.
 *
 * Models NtMapViewOfSection (WRK mm/mapview.c: MmMapViewOfSection, MiMapViewOfDataSection) and
 * NtUnmapViewOfSection(Ex) (WRK mm/umapview.c: MmUnmapViewOfSection, MiRemoveMappedView).
 *
 * A view is a VAD with PrivateMemory clear that names its section and the first prototype PTE it
 * covers (a VsMappedVad, as Windows uses the long MMVAD). Its process PTEs start zero, meaning "the
 * section's page, with the view's protection"; they are filled by faults (fault.c). The base and
 * the section offset are multiples of 64 KB; a view size of 0 maps the rest of the section. A view
 * with a copy-on-write protection charges commit for every page at map time (MiInsertVadCharges):
 * each page may become a private copy. The view holds a reference on the section, so the section
 * lives on after its handles are closed.
 *
 * Unmapping removes the VAD and deletes its PTEs: a shared page leaves the working set and its
 * frame loses a mapping (on the standby or modified list once no view maps it); a private copy made
 * by copy-on-write is freed. The section is deleted if nothing else refers to it.
 */
#include "internal.h"

/* The section rights a view's protection needs of the handle (WRK MmMakeSectionAccess). */
static uint32_t section_access_for(uint32_t mm)
{
    static const uint32_t access[8] = {
        [MM_ZERO_ACCESS] = SECTION_MAP_READ,
        [MM_READONLY] = SECTION_MAP_READ,
        [MM_EXECUTE] = SECTION_MAP_EXECUTE,
        [MM_EXECUTE_READ] = SECTION_MAP_EXECUTE | SECTION_MAP_READ,
        [MM_READWRITE] = SECTION_MAP_WRITE,
        [MM_WRITECOPY] = SECTION_MAP_READ,
        [MM_EXECUTE_READWRITE] = SECTION_MAP_EXECUTE | SECTION_MAP_WRITE,
        [MM_EXECUTE_WRITECOPY] = SECTION_MAP_EXECUTE | SECTION_MAP_READ,
    };
    return access[mm & 7];
}

/* Whether a view may have this protection given the section's (WRK MiIsProtectionCompatible with
 * MmCompatibleProtectionMask): a view never grants more than the section; copy-on-write and
 * read-only views of a writable section are fine, a writable view of a read-only one is not. The
 * same rule, with a view's protection in the section's place, says what a view's pages may be
 * given (NtProtectVirtualMemory, and MEM_COMMIT in a view): no access is always allowed, a
 * no-access view's pages included (Wine's kernel32 test_mapping, L4202-4267). */
bool vs_section_protection_compatible(uint32_t section_mm, uint32_t view_mm)
{
    static const uint8_t allows[8] = {
        /* bit n set: a view of MM protection n is allowed */
        [MM_ZERO_ACCESS] = 1u << MM_ZERO_ACCESS,
        [MM_READONLY] = 1u << MM_ZERO_ACCESS | 1u << MM_READONLY | 1u << MM_WRITECOPY,
        [MM_EXECUTE] = 1u << MM_ZERO_ACCESS | 1u << MM_EXECUTE,
        [MM_EXECUTE_READ] = 1u << MM_ZERO_ACCESS | 1u << MM_READONLY | 1u << MM_EXECUTE |
                            1u << MM_EXECUTE_READ | 1u << MM_WRITECOPY | 1u << MM_EXECUTE_WRITECOPY,
        [MM_READWRITE] =
            1u << MM_ZERO_ACCESS | 1u << MM_READONLY | 1u << MM_READWRITE | 1u << MM_WRITECOPY,
        [MM_WRITECOPY] = 1u << MM_ZERO_ACCESS | 1u << MM_READONLY | 1u << MM_WRITECOPY,
        [MM_EXECUTE_READWRITE] = 0xFF,
        [MM_EXECUTE_WRITECOPY] = 1u << MM_ZERO_ACCESS | 1u << MM_READONLY | 1u << MM_EXECUTE |
                                 1u << MM_EXECUTE_READ | 1u << MM_WRITECOPY |
                                 1u << MM_EXECUTE_WRITECOPY,
    };
    return (allows[section_mm & 7] >> (view_mm & 7)) & 1; /* PAGE_NOACCESS's base is 0 */
}

/* Checks what can be checked before the objects are known, in WRK's order. */
static VsStatus check_map_arguments(const VsLayout *layout, const uint64_t *base_address,
                                    uint64_t zero_bits, const uint64_t *view_size, uint32_t inherit,
                                    uint32_t allocation_type, uint32_t win32_protect,
                                    uint64_t *limit, uint32_t *mm)
{
    /* AT_ROUND_TO_PAGE is for native 32-bit systems (Wine's test_NtMapViewOfSection: refused on
     * 64-bit Windows, accepted on 32-bit). */
    uint32_t known = MEM_TOP_DOWN | MEM_RESERVE | MEM_REPLACE_PLACEHOLDER;
    if (layout->arch != VS_ARCH_X64)
        known |= AT_ROUND_TO_PAGE;
    if (allocation_type & ~known)
        return STATUS_INVALID_PARAMETER_9;
    /* ViewShare or ViewUnmap: WRK said _8; modern Windows (decompiled MiMapViewOfSection) and
     * Wine say STATUS_INVALID_PARAMETER. */
    if (inherit < 1 || inherit > 2)
        return STATUS_INVALID_PARAMETER;
    *mm = vs_mm_from_win32(win32_protect);
    if (*mm == MM_INVALID_PROTECTION)
        return STATUS_INVALID_PAGE_PROTECTION;
    if (!NT_SUCCESS(vs_zero_bits_limit(layout, zero_bits, limit)))
        return STATUS_INVALID_PARAMETER_4;
    if (!base_address || !view_size)
        return STATUS_ACCESS_VIOLATION;
    if (*base_address > layout->highest_vad_address ||
        layout->highest_vad_address - *base_address + 1 < *view_size)
        return STATUS_INVALID_PARAMETER_3;
    /* A base given with zero bits must satisfy them, and that is checked before its alignment
     * (Wine's test_NtMapViewOfSection, for Windows). NtAllocateVirtualMemory does not check it. */
    if (zero_bits && *base_address > *limit)
        return STATUS_INVALID_PARAMETER_4;
    return STATUS_SUCCESS;
}

/* The view's extent in the section object: offset and size (0: to the end of its SizeOfSection),
 * in bytes, 64 KB aligned offset (and base), inside the section (MiMapViewOfDataSection,
 * MiMapViewOfImageSection). A view replacing a placeholder (the placeholder was placed already) or
 * mapped with AT_ROUND_TO_PAGE needs only page alignment. */
static VsStatus view_extent(const VsSectionObject *section, uint64_t base, uint64_t offset,
                            uint64_t *size, bool page_granular)
{
    uint64_t align = page_granular ? VS_PAGE_SIZE : VS_GRANULARITY;
    uint64_t section_size = section->size_of_section;
    if ((offset & (align - 1)) || (base & (align - 1)))
        return STATUS_MAPPED_ALIGNMENT;
    if (*size == 0) {
        if (offset >= section_size)
            return STATUS_INVALID_VIEW_SIZE;
        *size = section_size - offset;
    }
    if (offset > section_size || *size > section_size - offset)
        return STATUS_INVALID_VIEW_SIZE;
    return STATUS_SUCCESS;
}

/* Where the view goes: the free placeholder it replaces (exactly); with AT_ROUND_TO_PAGE and a
 * base, the pages from that base, free or STATUS_CONFLICTING_ADDRESSES, wherever they lie in
 * their granule; else a new range placed as a reservation is. */
static VsStatus place_view(VsProcess *process, uint64_t base, uint64_t size,
                           const VsAddressWindow *window, uint32_t allocation_type,
                           VsVad **placeholder, uint64_t *start_vpn, uint64_t *end_vpn)
{
    *placeholder = NULL;
    bool replace = allocation_type & MEM_REPLACE_PLACEHOLDER;
    if (!replace && !(base && (allocation_type & AT_ROUND_TO_PAGE)))
        return vs_place_reservation(process, base, size, window,
                                    (allocation_type & MEM_TOP_DOWN) != 0, start_vpn, end_vpn);
    *start_vpn = vs_vpn(base);
    *end_vpn = vs_vpn(base + size - 1);
    if (replace)
        return vs_placeholder_find(process, *start_vpn, *end_vpn, placeholder);
    if (base < process->system->layout->lowest_user_address)
        return STATUS_INVALID_PARAMETER;
    if (vs_vad_find_conflict(&process->vad_root, *start_vpn, *end_vpn))
        return STATUS_CONFLICTING_ADDRESSES;
    return STATUS_SUCCESS;
}

static VsStatus map_view(VsProcess *process, VsSection *section, uint64_t *base_address,
                         uint64_t offset, uint64_t *view_size, const VsAddressWindow *window,
                         uint32_t allocation_type, uint32_t mm)
{
    uint64_t start_vpn, end_vpn;
    VsVad *placeholder;
    VsStatus status = place_view(process, *base_address, *view_size, window, allocation_type,
                                 &placeholder, &start_vpn, &end_vpn);
    if (!NT_SUCCESS(status))
        return status;
    uint64_t pages = end_vpn - start_vpn + 1;
    /* An image view is execute-write-copy whatever was asked (its pages have their own
     * protections) and charges the image's write-copy pages, whatever part of it is mapped
     * (MiMapViewOfImageSection: the VAD's CommitCharge is ImageCommitment). */
    if (section->image)
        mm = MM_EXECUTE_WRITECOPY;
    uint64_t charge = section->image               ? section->image->commitment
                      : vs_mm_is_copy_on_write(mm) ? pages
                                                   : 0;
    if (charge && !vs_commit_available(process->system, charge))
        return STATUS_COMMITMENT_LIMIT;
    VsMappedVad *view = vs_pool_alloc(&process->system->mapped_vad_pool);
    if (!view)
        return STATUS_INSUFFICIENT_RESOURCES;
    vs_emit_rounded(process, *base_address, *view_size, start_vpn, end_vpn);
    if (placeholder) {
        vs_vad_remove(&process->vad_root, placeholder);
        vs_pool_free(&process->system->vad_pool, placeholder);
        VsEvent replaced = {.kind = VS_EV_PLACEHOLDER_REPLACED,
                            .pid = process->pid,
                            .vpn_start = start_vpn,
                            .vpn_end = end_vpn,
                            .section = section->id,
                            .protection = vs_mm_to_win32(mm)};
        vs_emit(process->system, &replaced);
    }
    VsVad *vad = &view->core;
    vad->starting_vpn = start_vpn;
    vad->ending_vpn = end_vpn;
    vad->kind = VS_VAD_MAPPED;
    vad->placeholder = placeholder != NULL;
    /* The view takes its section's caching (Wine's kernel32 test_MapViewOfFile, L1001-1013: a view
     * of a SEC_NOCACHE section is PAGE_READWRITE|PAGE_NOCACHE in both fields); no access carries
     * none. */
    bool cached = section->caching && (mm & MM_NOACCESS) == 0 && (mm & 7) != 0;
    vad->protection = cached ? mm | section->caching : mm;
    view->section = section;
    view->first_prototype = offset / VS_PAGE_SIZE;
    vs_vad_insert(&process->vad_root, vad);
    if (section->large_pages) {
        vad->large_pages = 1; /* VadLargePageSection (WRK MiMapLargePageSection) */
        status = vs_large_pages_map_view(process, vad);
        if (!NT_SUCCESS(status)) {
            vs_vad_remove(&process->vad_root, vad);
            vs_pool_free(&process->system->mapped_vad_pool, view);
            return status;
        }
    }
    section->views++;
    if (charge)
        vs_charge_commit(process, vad, (int64_t)charge);
    VsEvent event = {.kind = VS_EV_VIEW_MAPPED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .section = section->id,
                     .slot = view->first_prototype,
                     .protection = vs_mm_to_win32(mm),
                     .pages = charge};
    vs_emit(process->system, &event);
    *base_address = vs_vpn_address(start_vpn);
    *view_size = vs_vpn_address(pages);
    return STATUS_SUCCESS;
}

/* Whether an image's preferred range [base, base + size) is free and inside the window, so a view
 * with no base goes there (MiMapViewOfImageSection tries the image's base first). */
static bool image_base_free(VsProcess *process, uint64_t base, uint64_t size,
                            const VsAddressWindow *window)
{
    uint64_t start_vpn = vs_vpn(base), end_vpn = vs_vpn(base + size - 1);
    return base >= process->system->layout->lowest_user_address && end_vpn >= start_vpn &&
           start_vpn >= window->low_vpn && end_vpn <= window->high_vpn &&
           !vs_vad_find_conflict(&process->vad_root, start_vpn, end_vpn);
}

/*
 * Maps the whole of an image section into a process as the kernel does at process creation and the
 * loader through NtMapViewOfSection: at the image's base when that is free, else wherever a
 * bottom-up search finds room. STATUS_IMAGE_NOT_AT_BASE (mapped) or STATUS_SUCCESS, with the
 * view's base and size; the failures of map_view.
 */
VsStatus vs_map_image(VsProcess *process, VsSection *section, uint64_t *base, uint64_t *size)
{
    const VsLayout *layout = process->system->layout;
    VsAddressWindow window = vs_window_below(layout, layout->highest_vad_address);
    uint64_t preferred = section->image->image_base;
    *base = image_base_free(process, preferred, section->size, &window) ? preferred : 0;
    *size = section->size;
    VsStatus status = map_view(process, section, base, 0, size, &window, 0, MM_EXECUTE_WRITECOPY);
    if (!NT_SUCCESS(status))
        return status;
    return *base == preferred ? STATUS_SUCCESS : STATUS_IMAGE_NOT_AT_BASE;
}

/* Both entry points, once the arguments they differ in are checked. A machine (the Ex call's
 * MemExtendedParameterImageMachine, 0 for none) other than an image's own is STATUS_NOT_SUPPORTED,
 * once the view's arguments are found good; a view of data has no machine to check. */
static VsStatus map_section(VsThread *caller, VsHandle section_handle, VsHandle process_handle,
                            uint64_t *base_address, uint64_t zero_bits, uint64_t commit_size,
                            uint64_t *section_offset, uint64_t *view_size, uint32_t inherit,
                            uint32_t allocation_type, uint32_t win32_protect,
                            const VsAddressWindow *requirements, uint32_t machine)
{
    const VsLayout *layout = caller->process->system->layout;
    uint64_t limit;
    uint32_t mm;
    VsStatus status = check_map_arguments(layout, base_address, zero_bits, view_size, inherit,
                                          allocation_type, win32_protect, &limit, &mm);
    if (!NT_SUCCESS(status))
        return status;
    VsProcess *process;
    status = vs_reference_process(caller, process_handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    void *object;
    status = vs_reference_object(caller, section_handle, VS_OBJECT_SECTION, section_access_for(mm),
                                 &object);
    if (!NT_SUCCESS(status))
        return status;
    VsSection *section = ((VsSectionObject *)object)->control_area;
    /* MEM_RESERVE lets a view of a file run past the file's end; a pagefile section refuses it
     * (MiMapViewOfDataSection). */
    if (allocation_type & MEM_RESERVE)
        return STATUS_INVALID_PARAMETER_9;
    if (!vs_section_protection_compatible(section->protection, mm))
        return STATUS_SECTION_PROTECTION;
    uint64_t offset = section_offset ? *section_offset : 0;
    uint64_t size = *view_size;
    /* AT_ROUND_TO_PAGE rounds the base down to its page (Wine's test_NtMapViewOfSection). */
    uint64_t base =
        allocation_type & AT_ROUND_TO_PAGE ? vs_page_down(*base_address) : *base_address;
    status = view_extent(object, base, offset, &size,
                         (allocation_type & (MEM_REPLACE_PLACEHOLDER | AT_ROUND_TO_PAGE)) != 0);
    if (!NT_SUCCESS(status))
        return status;
    /* Committing more than the view: WRK _5, modern Windows STATUS_INVALID_PARAMETER. */
    if (commit_size > size)
        return STATUS_INVALID_PARAMETER;
    if (machine && section->image && machine != section->image->machine)
        return STATUS_NOT_SUPPORTED;
    VsAddressWindow window = requirements ? *requirements : vs_window_below(layout, limit);
    /* A SEC_LARGE_PAGES section is mapped with large PDEs: the view's size, offset and base must
     * be multiples of the large-page minimum, and its protection one a PDE can give (Microsoft's
     * CreateFileMapping and MapViewOfFile pages; WRK maps anything else with small pages over the
     * same frames, which the model does not: it refuses it, STATUS_INVALID_PARAMETER). A search
     * looks on large-page boundaries. */
    if (section->large_pages) {
        if (!vs_large_view_possible(layout, base, offset, size, mm))
            return STATUS_INVALID_PARAMETER;
        window.align_pages = vs_max(window.align_pages, vs_large_page_pages(layout));
        window.aligned = true;
    }
    uint64_t preferred = section->image ? section->image->image_base + offset : 0;
    if (section->image && base == 0 && image_base_free(process, preferred, size, &window))
        base = preferred;
    status = map_view(process, section, &base, offset, &size, &window, allocation_type, mm);
    if (!NT_SUCCESS(status))
        return status;
    if (section->image && base != preferred)
        status = STATUS_IMAGE_NOT_AT_BASE; /* mapped: the loader has to relocate it */
    /* A SEC_RESERVE section may have its first pages committed as the view is mapped. */
    if (section->reserve && commit_size) {
        VsVad *vad = vs_vad_locate(&process->vad_root, vs_vpn(base));
        uint64_t last = vs_vpn(base + vs_min(commit_size, size) - 1);
        vs_view_commit(process, vad, vs_vpn(base), last, 0);
    }
    *base_address = base;
    *view_size = size;
    return status;
}

/*
 * Maps a view of a section, of the page file or of a file. Statuses, in the order they are
 * checked: STATUS_INVALID_PARAMETER_9 (allocation type), STATUS_INVALID_PARAMETER (inherit
 * disposition), STATUS_INVALID_PAGE_PROTECTION, STATUS_INVALID_PARAMETER_4 (zero bits),
 * STATUS_ACCESS_VIOLATION, STATUS_INVALID_PARAMETER_3 (base or size past the user range),
 * STATUS_INVALID_PARAMETER_4 (a base above what the zero bits allow), the
 * process handle's and then the section handle's (STATUS_INVALID_HANDLE,
 * STATUS_OBJECT_TYPE_MISMATCH, STATUS_ACCESS_DENIED), STATUS_SECTION_PROTECTION,
 * STATUS_MAPPED_ALIGNMENT, STATUS_INVALID_VIEW_SIZE, STATUS_CONFLICTING_ADDRESSES or
 * STATUS_NO_MEMORY, STATUS_COMMITMENT_LIMIT. The placeholder flag belongs to the Ex call only (_9
 * here).
 */
VsStatus VsNtMapViewOfSection(VsThread *caller, VsHandle section_handle, VsHandle process_handle,
                              uint64_t *base_address, uint64_t zero_bits, uint64_t commit_size,
                              uint64_t *section_offset, uint64_t *view_size,
                              uint32_t inherit_disposition, uint32_t allocation_type,
                              uint32_t win32_protect)
{
    if (allocation_type & MEM_REPLACE_PLACEHOLDER)
        return STATUS_INVALID_PARAMETER_9;
    return map_section(caller, section_handle, process_handle, base_address, zero_bits, commit_size,
                       section_offset, view_size, inherit_disposition, allocation_type,
                       win32_protect, NULL, 0);
}

/*
 * The Ex call (Windows 10 1803): its extended parameters first (an address requirement may not
 * carry an alignment for a view, nor come with a caller's base: STATUS_INVALID_PARAMETER, as
 * measured by Wine's test_NtMapViewOfSectionEx), then the legacy rules with ViewUnmap, no ZeroBits
 * and no CommitSize. MEM_REPLACE_PLACEHOLDER maps over exactly one free placeholder, base and
 * offset on page boundaries (STATUS_MAPPED_ALIGNMENT otherwise), the range exactly the
 * placeholder's (STATUS_CONFLICTING_ADDRESSES), a free placeholder at the base
 * (STATUS_INVALID_PARAMETER). MemExtendedParameterImageMachine names the machine an image is
 * mapped as: 0 or the image's own maps it; another, which x86 and x64 cannot run an image as, is
 * STATUS_NOT_SUPPORTED (test_NtMapViewOfSectionEx L1978-1981; the model does not compare it with
 * the process's machine: Wine 10.0 compares it with the image's alone, and the test asks no more).
 */
VsStatus VsNtMapViewOfSectionEx(VsThread *caller, VsHandle section_handle, VsHandle process_handle,
                                uint64_t *base_address, uint64_t *section_offset,
                                uint64_t *view_size, uint32_t allocation_type,
                                uint32_t win32_protect, const VsMemExtendedParameter *parameters,
                                uint32_t parameter_count)
{
    VsAddressWindow window;
    bool requirements;
    uint32_t machine;
    VsStatus status = vs_extended_parameters(caller->process->system->layout, parameters,
                                             parameter_count, &window, &requirements, &machine);
    if (!NT_SUCCESS(status))
        return status;
    if (window.aligned)
        return STATUS_INVALID_PARAMETER; /* views take no alignment requirement */
    /* AT_ROUND_TO_PAGE on 64-bit: exactly STATUS_INVALID_PARAMETER here (Wine's
     * test_NtMapViewOfSectionEx), where the legacy call says _9. */
    if ((allocation_type & AT_ROUND_TO_PAGE) &&
        caller->process->system->layout->arch == VS_ARCH_X64)
        return STATUS_INVALID_PARAMETER;
    if (requirements && base_address && *base_address)
        return STATUS_INVALID_PARAMETER;
    return map_section(caller, section_handle, process_handle, base_address, 0, 0, section_offset,
                       view_size, 2 /* ViewUnmap */, allocation_type, win32_protect, &window,
                       machine);
}

/*
 * Commits the section pages behind [start_vpn, end_vpn] of a view of a SEC_RESERVE section: their
 * prototype PTEs become demand zero, which every view of the section sees, and the system commit
 * grows by the pages newly committed (the MEM_COMMIT path of NtAllocateVirtualMemory for a mapped
 * VAD, WRK mm/allocvm.c). STATUS_COMMITMENT_LIMIT (the system cannot take the pages newly
 * committed and also_charged more, which the caller charges next), or STATUS_INSUFFICIENT_RESOURCES
 * when the host has no room for the prototype PTEs the commit writes, changes nothing.
 */
VsStatus vs_view_commit(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                        uint64_t also_charged)
{
    VsSection *section = vs_mapped_vad(vad)->section;
    uint64_t first = vs_view_prototype_index(vad, start_vpn);
    uint64_t last = vs_view_prototype_index(vad, end_vpn);
    uint64_t newly = last - first + 1 - vs_prototype_committed(section, first, last);
    if (!vs_commit_available(process->system, newly + also_charged))
        return STATUS_COMMITMENT_LIMIT;
    if (newly && !vs_prototype_prepare(section, first, last))
        return STATUS_INSUFFICIENT_RESOURCES;
    for (uint64_t i = first; newly && i <= last; i++)
        if (vs_prototype_read(section, i) == 0)
            vs_prototype_write(section, i, vs_pte_make_software(section->protection));
    vs_section_charge(process->system, section, (int64_t)newly);
    VsEvent event = {.kind = VS_EV_SECTION_COMMITTED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .section = section->id,
                     .pages = newly,
                     .protection = vs_mm_to_win32(section->protection)};
    vs_emit(process->system, &event);
    return STATUS_SUCCESS;
}

/* Removes a view (MiRemoveMappedView): its pages leave the process, its commit (copy-on-write)
 * returns, the VAD goes, and the section loses a reference. */
static void unmap_view(VsProcess *process, VsVad *vad)
{
    VsSystem *system = process->system;
    VsSection *section = vs_mapped_vad(vad)->section;
    uint64_t start_vpn = vad->starting_vpn, end_vpn = vad->ending_vpn;
    if (vad->large_pages)
        vs_large_pages_unmap_view(process, vad);
    vs_delete_pages(process, vad, start_vpn, end_vpn);
    vs_charge_commit(process, vad, -(int64_t)vad->commit_charge);
    vs_vad_remove(&process->vad_root, vad);
    vs_pool_free(&system->mapped_vad_pool, vad);
    VsEvent event = {.kind = VS_EV_VIEW_UNMAPPED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .section = section->id};
    vs_emit(system, &event);
    section->views--;
    vs_section_dereference(system, section);
}

/* Unmaps the view containing base_address (any address in it names it, as MiLocateAddress finds
 * it). flags: MEM_UNMAP_WITH_TRANSIENT_BOOST (a scheduling hint) and MEM_PRESERVE_PLACEHOLDER,
 * which leaves a free placeholder where a view that replaced one was (STATUS_CONFLICTING_ADDRESSES
 * for any other view). STATUS_NOT_MAPPED_VIEW where no view is. */
VsStatus VsNtUnmapViewOfSectionEx(VsThread *caller, VsHandle process_handle, uint64_t base_address,
                                  uint32_t flags)
{
    if (flags & ~(uint32_t)(MEM_UNMAP_WITH_TRANSIENT_BOOST | MEM_PRESERVE_PLACEHOLDER))
        return STATUS_INVALID_PARAMETER;
    VsProcess *process;
    VsStatus status =
        vs_reference_process(caller, process_handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    if (base_address > process->system->layout->highest_user_address)
        return STATUS_NOT_MAPPED_VIEW;
    VsVad *vad = vs_vad_locate(&process->vad_root, vs_vpn(base_address));
    if (!vad || !vs_vad_is_view(vad))
        return STATUS_NOT_MAPPED_VIEW;
    if (!(flags & MEM_PRESERVE_PLACEHOLDER)) {
        unmap_view(process, vad);
        return STATUS_SUCCESS;
    }
    if (!vad->placeholder)
        return STATUS_CONFLICTING_ADDRESSES;
    VsVad *placeholder = vs_placeholder_alloc(process);
    if (!placeholder)
        return STATUS_INSUFFICIENT_RESOURCES;
    uint64_t start_vpn = vad->starting_vpn, end_vpn = vad->ending_vpn;
    unmap_view(process, vad);
    vs_placeholder_restore(process, placeholder, start_vpn, end_vpn);
    return STATUS_SUCCESS;
}

VsStatus VsNtUnmapViewOfSection(VsThread *caller, VsHandle process, uint64_t base_address)
{
    return VsNtUnmapViewOfSectionEx(caller, process, base_address, 0);
}

/* ---- FlushViewOfFile (NtFlushVirtualMemory, WRK mm/flushsec.c MmFlushVirtualMemory) ---------- */

/* Writes the frame of a section page back to the file if it is dirty, and makes it clean (a
 * frame on the modified list moves to standby). Returns whether it wrote. */
static bool flush_page(VsSystem *system, VsSection *section, uint64_t index)
{
    uint64_t pte = vs_prototype_read(section, index);
    if (!vs_pte_is_resident(pte))
        return false;
    uint64_t frame = vs_pte_frame(pte);
    VsPfn *pfn = &system->pfn.frames[frame];
    if (!(pfn->flags & VS_PFN_MODIFIED))
        return false;
    if (!vs_file_write_page(section->file, index, pfn->data))
        return false; /* no host memory for the file's page: it stays modified */
    pfn->flags &= (uint8_t)~VS_PFN_MODIFIED;
    if (pfn->location == VS_PAGE_MODIFIED) {
        vs_pfn_unlink(&system->pfn, frame);
        vs_pfn_insert(&system->pfn, frame, VS_PAGE_STANDBY);
    }
    return true;
}

/*
 * Writes the dirty pages of [base, base + size) of a view of a file to the file now (size 0: to the
 * end of the view). The caller's own Dirty bits are gathered first (MiFlushDirtyBitsToPfn); other
 * processes' stores reach the file when their pages are trimmed and written. A view of a
 * pagefile-backed section has nothing to flush. STATUS_NOT_MAPPED_VIEW outside a view.
 */
VsStatus VsNtFlushVirtualMemory(VsThread *caller, VsHandle process_handle, uint64_t *base_address,
                                uint64_t *region_size)
{
    if (!base_address || !region_size)
        return STATUS_ACCESS_VIOLATION;
    VsProcess *process;
    VsStatus status =
        vs_reference_process(caller, process_handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    uint64_t start_vpn = vs_vpn(*base_address);
    VsVad *vad = *base_address <= process->system->layout->highest_user_address
                     ? vs_vad_locate(&process->vad_root, start_vpn)
                     : NULL;
    if (!vad || !vs_vad_is_view(vad))
        return STATUS_NOT_MAPPED_VIEW;
    uint64_t end_vpn = *region_size ? vs_vpn(*base_address + *region_size - 1) : vad->ending_vpn;
    if (end_vpn > vad->ending_vpn || end_vpn < start_vpn)
        return STATUS_NOT_MAPPED_VIEW;
    VsSection *section = vs_mapped_vad(vad)->section;
    uint64_t written = 0;
    /* Only pages with a page table or a prototype PTE other than "in the file" can be dirty. */
    VsViewScan scan = vs_view_scan(process, vad, start_vpn, end_vpn);
    bool file = section->file && !section->image; /* an image's pages never go back to it */
    for (uint64_t vpn = vs_view_scan_next(&scan, start_vpn); file && vpn <= end_vpn;
         vpn = vs_view_scan_next(&scan, vpn + 1)) {
        uint64_t pte = vs_pt_read(process, vpn);
        uint64_t index = vs_view_prototype_index(vad, vpn);
        if (vs_pte_is_valid(pte) && (pte & VS_PTE_DIRTY) &&
            (process->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE)) {
            vs_capture_dirty(process, vs_pte_frame(pte));
            vs_pt_write(process, vpn, pte & ~(uint64_t)VS_PTE_DIRTY);
        }
        written += flush_page(process->system, section, index);
    }
    VsEvent event = {.kind = VS_EV_VIEW_FLUSHED,
                     .pid = process->pid,
                     .vpn_start = start_vpn,
                     .vpn_end = end_vpn,
                     .section = section->id,
                     .pages = written,
                     .mapped_file = section->file != NULL};
    vs_emit(process->system, &event);
    *base_address = vs_vpn_address(start_vpn);
    *region_size = vs_vpn_address(end_vpn - start_vpn + 1);
    return STATUS_SUCCESS;
}
