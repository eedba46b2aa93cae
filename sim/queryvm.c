/*
 * queryvm.c - NtQueryVirtualMemory: what VirtualQuery reports (MemoryBasicInformation), the
 * allocation holding an address (MemoryRegionInformation), the image it maps
 * (MemoryImageInformation), the state of pages the caller names (MemoryWorkingSetExInformation,
 * QueryWorkingSetEx's call) and the file behind a view (MemoryMappedFilenameInformation,
 * GetMappedFileName's).
 *
 * Models WRK mm/queryvm.c. A region is recomputed at every query, never stored: starting at the
 * page holding the address, the longest run of pages with the same state and protection inside one
 * VAD (one allocation). Outside any VAD the region is free: it runs to the next VAD or the top of
 * user space, has no allocation base and reports PAGE_NOACCESS. Reserved pages report Protect 0.
 */
#include <string.h>

#include "internal.h"

static void describe_free(VsProcess *process, uint64_t vpn, VsMemoryBasicInformation *mbi)
{
    const VsVad *next = vs_vad_find_above(&process->vad_root, vpn);
    uint64_t end = next ? vs_vpn_address(next->starting_vpn)
                        : process->system->layout->highest_user_address + 1;
    *mbi = (VsMemoryBasicInformation){
        .BaseAddress = vs_vpn_address(vpn),
        .RegionSize = end - vs_vpn_address(vpn),
        .State = MEM_FREE,
        .Protect = PAGE_NOACCESS,
    };
}

static void describe_allocated(VsProcess *process, const VsVad *vad, uint64_t vpn,
                               VsMemoryBasicInformation *mbi)
{
    VsPageState state;
    uint64_t end_vpn = vs_page_run_end(process, vad, vpn, &state);
    *mbi = (VsMemoryBasicInformation){
        .BaseAddress = vs_vpn_address(vpn),
        .AllocationBase = vs_vpn_address(vad->starting_vpn),
        .AllocationProtect = vs_mm_to_win32(vad->protection),
        .RegionSize = vs_vpn_address(end_vpn - vpn + 1),
        .State = state.committed ? MEM_COMMIT : MEM_RESERVE,
        .Protect = state.committed ? vs_mm_to_win32(state.mm_protection) : 0,
        .Type = !vs_vad_is_view(vad)                 ? MEM_PRIVATE
                : vs_mapped_vad(vad)->section->image ? MEM_IMAGE
                                                     : MEM_MAPPED,
    };
}

/* The size of the class's structure on the architecture, and the least length NtQueryVirtualMemory
 * takes for it (MEMORY_REGION_INFORMATION: through RegionSize, ntdll test_query_region_information
 * L2758-2767, older Windows' shorter structure); 0 for a class the model does not answer. */
static uint64_t class_size(const VsLayout *layout, VsMemoryInformationClass information_class,
                           uint64_t *least)
{
    uint64_t pointer = layout->mbi_size == 48 ? 8 : 4;
    switch (information_class) {
    case MemoryBasicInformation: *least = layout->mbi_size; return layout->mbi_size;
    case MemoryRegionInformation: /* base, protection and type, then four SIZE_Ts */
        *least = pointer + 8 + pointer;
        return pointer + 8 + 4 * pointer;
    case MemoryImageInformation: *least = (4 + 2 * pointer + 7) & ~7ull; return *least;
    case MemoryWorkingSetExInformation: *least = 2 * pointer; return *least; /* one entry */
    case MemoryMappedFilenameInformation: /* the UNICODE_STRING; no length checked up front */
        *least = 0;
        return 4 + (pointer - 4) + pointer;
    default: *least = 0; return 0;
    }
}

/* MemoryRegionInformation: the allocation, not the run of like pages; fields the buffer's length
 * does not reach are not written (they read 0). Returns the bytes written. */
static uint64_t describe_region(const VsVad *vad, uint64_t length, uint64_t size,
                                VsMemoryRegionInformation *info)
{
    uint64_t pointer = (size - 8) / 5, through_commit = pointer + 8 + 2 * pointer;
    *info = (VsMemoryRegionInformation){
        .AllocationBase = vs_vpn_address(vad->starting_vpn),
        .AllocationProtect = vs_mm_to_win32(vad->protection),
        .RegionSize = vs_vpn_address(vad->ending_vpn - vad->starting_vpn + 1),
    };
    if (length >= through_commit)
        info->CommitSize = vs_vpn_address(vad->commit_charge);
    return length >= size             ? size
           : length >= through_commit ? through_commit
                                      : through_commit - pointer;
}

/* MEMORY_IMAGE_INFORMATION of the allocation vad: for a view of an image, the view's base, the
 * image's SizeOfImage as its headers give it, and ImagePartialMap when the view holds less than
 * the whole image (a view size or an offset: test_query_image_information L3094-3154, todo_wine
 * where Wine maps the whole image); all zero for anything else (L2999-3046, L3156-3197). The
 * signing level is 0, unchecked: a scenario's image carries no signature. */
static void describe_image(const VsVad *vad, VsMemoryImageInformation *information)
{
    *information = (VsMemoryImageInformation){0};
    const VsMappedVad *view = vs_vad_is_view(vad) ? vs_mapped_vad(vad) : NULL;
    const VsImage *image = view ? view->section->image : NULL;
    if (!image)
        return;
    uint64_t pages = vad->ending_vpn - vad->starting_vpn + 1;
    information->ImageBase = vad->starting_vpn * VS_PAGE_SIZE;
    information->SizeOfImage = image->size_of_image;
    information->ImageFlags =
        view->first_prototype != 0 || pages < vs_vpn(image->size_of_image + VS_PAGE_SIZE - 1) ? 1
                                                                                              : 0;
}

/* The invalid form's Shared bit (MEMORY_WORKING_SET_EX_BLOCK's Invalid member): the page is still
 * the section's, in a view, though not in the working set: its PTE zero, in the prototype format
 * (a protection of its own: no access, say) or in transition on a section frame. A private page,
 * or a view's page copied on write, is not. psapi's test_QueryWorkingSetEx L1265-1271: the EXE's
 * first page made PAGE_NOACCESS, then readable again and not yet touched, reads Valid 0,
 * Shared 1 (broken: w2003 cleared Shared too). */
static uint32_t invalid_page_shared(VsProcess *process, uint64_t vpn, uint64_t pte)
{
    const VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
    if (!vad || !vs_vad_is_view(vad))
        return 0;
    if (vs_pte_is_transition(pte))
        return (process->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_PROTOTYPE) != 0;
    return pte == 0 || vs_pte_is_proto(pte);
}

/* The MEMORY_WORKING_SET_EX_BLOCK of one page (MiGetWorkingSetInfoList): Valid when the page is in
 * this working set; its protection in this process (a private frame's OriginalPte, a shared one's
 * working-set entry); a section page is Shared with ShareCount the valid PTEs mapping it (the field
 * saturates at 7), a private page never. Any other page (not resident, reserved, free, above user
 * space) is the invalid form: Valid 0 and no protection, Shared as invalid_page_shared says
 * (psapi's test_QueryWorkingSetEx, its "invalid" and "free" entries: all zero). */
VsWorkingSetExBlock vs_working_set_block(VsProcess *process, uint64_t address)
{
    if (address > process->system->layout->highest_user_address)
        return (VsWorkingSetExBlock){0};
    uint64_t vpn = vs_vpn(address);
    uint64_t pte = vs_pt_read(process, vpn);
    if (!vs_pte_is_valid(pte))
        return (VsWorkingSetExBlock){.Shared = invalid_page_shared(process, vpn, pte)};
    const VsPfn *pfn = &process->system->pfn.frames[vs_pte_frame(pte)];
    bool shared = (pfn->flags & VS_PFN_PROTOTYPE) != 0;
    bool large = (pfn->flags & VS_PFN_LARGE_PAGE) != 0;
    /* A large page is in no working set, but the query reads its PDE: valid, locked and large
     * (WRK queryvm.c MiGetWorkingSetInfoList, MI_PDE_MAPS_LARGE_PAGE). */
    return (VsWorkingSetExBlock){
        .Valid = 1,
        .ShareCount = shared ? vs_min(pfn->share_count, 7) : 0,
        .Win32Protection = vs_mm_to_win32((uint32_t)vs_valid_protection(process, vpn, pte)),
        .Shared = shared,
        .Locked = large || vs_ws_entry(process, vpn, vs_pte_frame(pte))->locked,
        .LargePage = large,
    };
}

/* MemoryWorkingSetExInformation: every entry the buffer holds answered on its own, in place; the
 * return length is the buffer's length, a part of an entry at the end included (psapi
 * test_QueryWorkingSetEx: 24 bytes in, 24 out on x64; WRK writes MemoryInformationLength). */
static uint64_t describe_working_set(VsProcess *process, VsMemoryWorkingSetExInformation *entries,
                                     uint64_t length, uint64_t entry_size)
{
    for (uint64_t i = 0; i < length / entry_size; i++)
        entries[i].VirtualAttributes = vs_working_set_block(process, entries[i].VirtualAddress);
    return length;
}

/* The NT name of a file: the model has one volume, and a scenario's files lie at its root. */
#define VS_VOLUME_NAME "\\Device\\HarddiskVolume1\\"

/*
 * MemoryMappedFilenameInformation (WRK NtQueryVirtualMemory's tail, then ObQueryNameString): the
 * name of the file a view maps, an image view's its image file's. Statuses, in order:
 * STATUS_INVALID_ADDRESS for private memory or none (the name of nothing: test_query_virtual_memory
 * L3215-3236, whatever the length), STATUS_FILE_INVALID for a view of the page file (its control
 * area has no file: FilePointer 1), STATUS_INFO_LENGTH_MISMATCH when the buffer cannot hold the
 * UNICODE_STRING and STATUS_BUFFER_OVERFLOW when it cannot hold the name (L3165-3170, L3199-3204:
 * nothing written, the length needed returned), else the name, NUL-terminated, after the string.
 */
static VsStatus describe_file_name(const VsVad *vad, uint64_t length, uint64_t header,
                                   VsMemorySectionName *name, uint64_t *needed)
{
    if (!vad || !vs_vad_is_view(vad))
        return STATUS_INVALID_ADDRESS;
    const VsFile *file = vs_mapped_vad(vad)->section->file;
    if (!file)
        return STATUS_FILE_INVALID;
    uint64_t characters = strlen(VS_VOLUME_NAME) + strlen(file->name);
    *needed = header + 2 * (characters + 1);
    if (length < header)
        return STATUS_INFO_LENGTH_MISMATCH;
    if (length < *needed)
        return STATUS_BUFFER_OVERFLOW;
    memcpy(name->Name, VS_VOLUME_NAME, strlen(VS_VOLUME_NAME));
    memcpy(name->Name + strlen(VS_VOLUME_NAME), file->name, strlen(file->name) + 1);
    name->Length = (uint16_t)(2 * characters);
    name->MaximumLength = (uint16_t)(name->Length + 2);
    return STATUS_SUCCESS;
}

/*
 * Fills *information for the region holding base_address. Statuses: STATUS_INVALID_INFO_CLASS,
 * STATUS_INFO_LENGTH_MISMATCH (a buffer smaller than the class's structure, the return length
 * unwritten), STATUS_ACCESS_VIOLATION, STATUS_INVALID_PARAMETER (address above user space),
 * STATUS_INVALID_HANDLE; for the region and image classes STATUS_INVALID_ADDRESS where no
 * allocation holds the address (nothing written: test_query_region_information L2866-2871,
 * test_query_image_information L3034-3038). Image information of memory that maps no image is all
 * zero (L2999-3046, L3156-3197); an image view's is describe_image's. The working-set class and the
 * file-name class: describe_working_set and describe_file_name.
 */
VsStatus VsNtQueryVirtualMemory(VsThread *caller, VsHandle process_handle, uint64_t base_address,
                                VsMemoryInformationClass information_class, void *information,
                                uint64_t information_length, uint64_t *return_length)
{
    const VsLayout *layout = caller->process->system->layout;
    uint64_t least, size = class_size(layout, information_class, &least);
    if (!size)
        return STATUS_INVALID_INFO_CLASS;
    if (information_length < least)
        return STATUS_INFO_LENGTH_MISMATCH;
    if (!information)
        return STATUS_ACCESS_VIOLATION;
    if (base_address > layout->highest_user_address)
        return STATUS_INVALID_PARAMETER;
    VsProcess *process;
    VsStatus status = vs_reference_process(caller, process_handle, VS_ACCESS_QUERY, &process);
    if (!NT_SUCCESS(status))
        return status;
    if (information_class == MemoryWorkingSetExInformation) {
        uint64_t written = describe_working_set(process, information, information_length, size);
        if (return_length)
            *return_length = written;
        return STATUS_SUCCESS;
    }

    uint64_t vpn = vs_vpn(base_address), written = size;
    const VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
    if (information_class == MemoryMappedFilenameInformation) {
        status = describe_file_name(vad, information_length, size, information, &written);
        if (return_length && status != STATUS_INVALID_ADDRESS && status != STATUS_FILE_INVALID)
            *return_length = written;
        return status;
    }
    if (information_class != MemoryBasicInformation && !vad)
        return STATUS_INVALID_ADDRESS;
    if (information_class == MemoryRegionInformation)
        written = describe_region(vad, information_length, size, information);
    else if (information_class == MemoryImageInformation)
        describe_image(vad, information);
    else if (vad)
        describe_allocated(process, vad, vpn, information);
    else
        describe_free(process, vpn, information);
    if (return_length)
        *return_length = written;
    return STATUS_SUCCESS;
}
