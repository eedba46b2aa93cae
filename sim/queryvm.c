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
 *
 * A user-mode caller's buffer lies in its process (VsQueryBuffer): after the class and the length,
 * the call probes the whole length for writing (probe.c), then stores the answer there as the
 * architecture lays the structure out; MemoryWorkingSetExInformation reads its entries from it.
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
    case MemoryImageInformation: /* base, size, flags, rounded to a pointer: 24 bytes, 12 */
        *least = (2 * pointer + 4 + pointer - 1) & ~(pointer - 1);
        return *least;
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

/* ---- The answer, as the process's architecture lays it out ------------------------------------
 * A caller's buffer in its process gets the structure's bytes: pointers and SIZE_Ts of `pointer`
 * bytes (8 on x64, 4 on x86), ULONGs of 4, each on its natural boundary, padding 0. */

/* MEMORY_BASIC_INFORMATION: two pointers, AllocationProtect (and x64's PartitionId, 0), then
 * RegionSize, State, Protect and Type (48 bytes on x64, 28 on x86). */
static void basic_bytes(uint32_t pointer, const VsMemoryBasicInformation *m, uint8_t *out)
{
    vs_put_le(out, 0, m->BaseAddress, pointer);
    vs_put_le(out, pointer, m->AllocationBase, pointer);
    vs_put_le(out, 2 * pointer, m->AllocationProtect, 4);
    vs_put_le(out, 3 * pointer, m->RegionSize, pointer);
    vs_put_le(out, 4 * pointer, m->State, 4);
    vs_put_le(out, 4 * pointer + 4, m->Protect, 4);
    vs_put_le(out, 4 * pointer + 8, m->Type, 4);
}

/* MEMORY_REGION_INFORMATION: the base, two ULONGs, then four SIZE_Ts (48 bytes, 28). */
static void region_bytes(uint32_t pointer, const VsMemoryRegionInformation *r, uint8_t *out)
{
    vs_put_le(out, 0, r->AllocationBase, pointer);
    vs_put_le(out, pointer, r->AllocationProtect, 4);
    vs_put_le(out, pointer + 4, r->RegionType, 4);
    uint64_t sizes[] = {r->RegionSize, r->CommitSize, r->PartitionId, r->NodePreference};
    for (uint32_t i = 0; i < 4; i++)
        vs_put_le(out, pointer + 8 + i * pointer, sizes[i], pointer);
}

/* MEMORY_IMAGE_INFORMATION: ImageBase, SizeOfImage, the flags' ULONG (24 bytes, 12). */
static void image_bytes(uint32_t pointer, const VsMemoryImageInformation *image, uint8_t *out)
{
    vs_put_le(out, 0, image->ImageBase, pointer);
    vs_put_le(out, pointer, image->SizeOfImage, pointer);
    vs_put_le(out, 2 * pointer, image->ImageFlags, 4);
}

/* MEMORY_SECTION_NAME written at `address`: the UNICODE_STRING (Length, MaximumLength, and
 * Buffer pointing just past the string, at the characters), then the name in UTF-16 and its NUL:
 * ObQueryNameString's OBJECT_NAME_INFORMATION, which WRK writes straight into the caller's buffer.
 * Returns the bytes laid out. */
static uint64_t name_bytes(uint32_t pointer, uint64_t address, const VsMemorySectionName *name,
                           uint8_t *out)
{
    vs_put_le(out, 0, name->Length, 2);
    vs_put_le(out, 2, name->MaximumLength, 2);
    vs_put_le(out, pointer, address + 2 * pointer, pointer);
    for (uint32_t i = 0; i <= name->Length / 2u; i++)
        vs_put_le(out, 2 * pointer + 2 * i, i < name->Length / 2u ? (uint8_t)name->Name[i] : 0, 2);
    return 2 * pointer + name->MaximumLength;
}

/* PSAPI_WORKING_SET_EX_BLOCK's bits (psapi.h): Valid 0, ShareCount 1-3, Win32Protection 4-14,
 * Shared 15, Node 16-21, Locked 22, LargePage 23, Bad 31; the invalid form keeps Shared and Bad
 * where they are. */
static uint64_t block_bits(const VsWorkingSetExBlock *b)
{
    return (uint64_t)b->Valid | (uint64_t)b->ShareCount << 1 | (uint64_t)b->Win32Protection << 4 |
           (uint64_t)b->Shared << 15 | (uint64_t)b->Node << 16 | (uint64_t)b->Locked << 22 |
           (uint64_t)b->LargePage << 23 | (uint64_t)b->Bad << 31;
}

/* MemoryWorkingSetExInformation with the buffer in the process: it is input too. Each whole entry
 * is read from the caller's memory (its VirtualAddress), answered, and its block stored after it,
 * in turn (MiGetWorkingSetInfoList); the first entry also goes to `answer` when given. The buffer
 * was probed, so only a host out of memory fails a load or a store. */
static VsStatus working_set_in_process(VsThread *caller, VsProcess *process,
                                       const VsQueryBuffer *buffer, uint64_t length,
                                       uint32_t pointer)
{
    for (uint64_t i = 0; i < length / (2 * pointer); i++) {
        uint64_t at = buffer->address + i * 2 * pointer, address;
        VsStatus status = vs_user_read(caller, at, pointer, &address);
        VsWorkingSetExBlock block = vs_working_set_block(process, address);
        if (NT_SUCCESS(status))
            status = vs_user_write(caller, at + pointer, pointer, block_bits(&block));
        if (!NT_SUCCESS(status))
            return status;
        if (i == 0 && buffer->answer)
            *(VsMemoryWorkingSetExInformation *)buffer->answer =
                (VsMemoryWorkingSetExInformation){address, block};
    }
    return STATUS_SUCCESS;
}

/* What one query answers, whichever class. */
typedef union QueryAnswer {
    VsMemoryBasicInformation basic;
    VsMemoryRegionInformation region;
    VsMemoryImageInformation image;
    VsMemorySectionName name;
} QueryAnswer;

/* The answer into the caller's buffer: `written` bytes of its layout into the process's memory
 * for a buffer there, and the structure into the library caller's `answer`. */
static VsStatus answer(VsThread *caller, VsMemoryInformationClass information_class,
                       const VsQueryBuffer *buffer, const QueryAnswer *info, uint64_t written)
{
    static const size_t sizes[] = {
        [MemoryBasicInformation] = sizeof info->basic,
        [MemoryMappedFilenameInformation] = sizeof info->name,
        [MemoryRegionInformation] = sizeof info->region,
        [MemoryImageInformation] = sizeof info->image,
    };
    if (buffer->answer) /* the class's structure, as the short form's caller gave room for */
        memcpy(buffer->answer, info, sizes[information_class]);
    if (!buffer->in_process)
        return STATUS_SUCCESS;
    uint32_t pointer = vs_thread_process(caller)->system->layout->mbi_size == 48 ? 8 : 4;
    uint8_t bytes[2 * 8 + 2 * sizeof info->name.Name + 2] = {0};
    if (information_class == MemoryBasicInformation)
        basic_bytes(pointer, &info->basic, bytes);
    else if (information_class == MemoryRegionInformation)
        region_bytes(pointer, &info->region, bytes);
    else if (information_class == MemoryImageInformation)
        image_bytes(pointer, &info->image, bytes);
    else
        written = name_bytes(pointer, buffer->address, &info->name, bytes);
    return vs_copy_to_user(caller, buffer->address, bytes, written);
}

/* The classes that describe the address's allocation or region (all but the working set's) into
 * *info: the status, and in *written the bytes the answer takes (or, for the file name, needs). */
static VsStatus describe(VsProcess *process, uint64_t base_address,
                         VsMemoryInformationClass information_class, uint64_t length, uint64_t size,
                         QueryAnswer *info, uint64_t *written)
{
    uint64_t vpn = vs_vpn(base_address);
    const VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
    *written = size;
    if (information_class == MemoryMappedFilenameInformation)
        return describe_file_name(vad, length, size, &info->name, written);
    if (information_class != MemoryBasicInformation && !vad)
        return STATUS_INVALID_ADDRESS;
    if (information_class == MemoryRegionInformation)
        *written = describe_region(vad, length, size, &info->region);
    else if (information_class == MemoryImageInformation)
        describe_image(vad, &info->image);
    else if (vad)
        describe_allocated(process, vad, vpn, &info->basic);
    else
        describe_free(process, vpn, &info->basic);
    return STATUS_SUCCESS;
}

/*
 * NtQueryVirtualMemory, in WRK's order: the class (STATUS_INVALID_INFO_CLASS), the length against
 * the class's structure (STATUS_INFO_LENGTH_MISMATCH, nothing written); then a user-mode caller's
 * buffer in its process is probed for writing, the whole length, on a pointer's boundary
 * (ProbeForWrite with sizeof(ULONG_PTR), probe.c: STATUS_DATATYPE_MISALIGNMENT,
 * STATUS_ACCESS_VIOLATION for a NULL buffer or a length past what is writable; ntdll info.c
 * test_queryvirtualmemory L3192-3194), where a library caller's buffer only has to exist; then
 * the address (STATUS_INVALID_PARAMETER above user space) and the handle (STATUS_INVALID_HANDLE).
 * For the region and image classes STATUS_INVALID_ADDRESS where no allocation holds the address
 * (nothing written: test_query_region_information L2866-2871, test_query_image_information
 * L3034-3038). Image information of memory that maps no image is all zero (L2999-3046,
 * L3156-3197); an image view's is describe_image's. The working-set class and the file-name
 * class: working_set_in_process / describe_working_set and describe_file_name. A successful query
 * writes the structure (MemoryRegionInformation: the fields the length reaches) and nothing else.
 */
VsStatus VsNtQueryVirtualMemoryInto(VsThread *caller, VsHandle process_handle,
                                    uint64_t base_address,
                                    VsMemoryInformationClass information_class,
                                    const VsQueryBuffer *buffer, uint64_t information_length,
                                    uint64_t *return_length)
{
    const VsLayout *layout = caller->process->system->layout;
    uint32_t pointer = layout->mbi_size == 48 ? 8 : 4;
    uint64_t least, size = class_size(layout, information_class, &least);
    if (!size)
        return STATUS_INVALID_INFO_CLASS;
    if (information_length < least)
        return STATUS_INFO_LENGTH_MISMATCH;
    VsStatus status = STATUS_SUCCESS;
    if (buffer->in_process)
        status = vs_probe_for_write(caller, buffer->address, information_length, pointer);
    else if (!buffer->answer)
        status = STATUS_ACCESS_VIOLATION;
    if (!NT_SUCCESS(status))
        return status;
    if (base_address > layout->highest_user_address)
        return STATUS_INVALID_PARAMETER;
    VsProcess *process;
    status = vs_reference_process(caller, process_handle, VS_ACCESS_QUERY, &process);
    if (!NT_SUCCESS(status))
        return status;
    if (information_class == MemoryWorkingSetExInformation) {
        if (buffer->in_process)
            status = working_set_in_process(caller, process, buffer, information_length, pointer);
        else
            describe_working_set(process, buffer->answer, information_length, size);
        if (NT_SUCCESS(status) && return_length)
            *return_length = information_length; /* WRK writes MemoryInformationLength */
        return status;
    }
    QueryAnswer info;
    uint64_t written;
    status = describe(process, base_address, information_class, information_length, size, &info,
                      &written);
    /* The file-name class gives the length it needs when the buffer is too short (a warning, then
     * an error), and nothing when there is no file. */
    bool length_given =
        NT_SUCCESS(status) || (information_class == MemoryMappedFilenameInformation &&
                               status != STATUS_INVALID_ADDRESS && status != STATUS_FILE_INVALID);
    if (NT_SUCCESS(status))
        status = answer(caller, information_class, buffer, &info, written);
    if (length_given && return_length)
        *return_length = written;
    return status;
}

VsStatus VsNtQueryVirtualMemory(VsThread *caller, VsHandle process_handle, uint64_t base_address,
                                VsMemoryInformationClass information_class, void *information,
                                uint64_t information_length, uint64_t *return_length)
{
    VsQueryBuffer own = {.in_process = false, .answer = information};
    return VsNtQueryVirtualMemoryInto(caller, process_handle, base_address, information_class, &own,
                                      information_length, return_length);
}
