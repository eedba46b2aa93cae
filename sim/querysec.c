/*
 * querysec.c - NtQuerySection: what a section handle says of its section.
 *
 * Models WRK mm/querysec.c (NtQuerySection). The checks come in its order: the information class
 * (STATUS_INVALID_INFO_CLASS), the buffer's length against the class's structure on the process's
 * architecture (STATUS_INFO_LENGTH_MISMATCH; a longer buffer is fine), then the handle, which must
 * carry SECTION_QUERY (STATUS_ACCESS_DENIED: a handle opened for FILE_MAP_READ or FILE_MAP_WRITE
 * alone cannot be queried, Wine's kernel32 test_MapViewOfFile L791-806, L830-846), and last whether
 * the section is an image, for SectionImageInformation (STATUS_SECTION_NOT_IMAGE for a page-file or
 * data section, kernel32 virtual.c L1306-1311). *return_length gets the structure's size.
 *
 * A user-mode caller's buffer in its process (VsQueryBuffer) is probed for writing before all of
 * that, as WRK's NtQuerySection does under PreviousMode UserMode (ProbeForWrite with ULONG
 * alignment, probe.c): so a length that runs 2^36 bytes past a 64-byte buffer is
 * STATUS_ACCESS_VIOLATION from the probe, though the section is no image and the length is
 * plenty (kernel32 test_MapViewOfFile L1313-1317, todo_wine: Wine checks the class and the
 * length and never probes). A successful query then writes the structure's bytes into the
 * buffer as the process's architecture lays them out.
 *
 * SectionBasicInformation reads the section's kind as NtCreateSection recorded it: SEC_COMMIT or
 * SEC_RESERVE for the page file, SEC_FILE for a file whatever was asked, with SEC_NOCACHE or
 * SEC_WRITECOMBINE kept (test_CreateFileMapping L1612-1623); and its size in bytes, a pagefile
 * section's rounded up to whole pages (0x3457 bytes make 0x4000, test_MapViewOfFile L1292-1300),
 * a file section's as given (36 bytes stay 36, L1234-1245). The size is the section object's, not
 * its control area's: an image section made with a maximum size says that size, unrounded, where
 * its control area holds the whole image (loader.c query_image_section L517-523).
 *
 * SectionImageInformation reads the image's headers as the segment kept them (WRK
 * MiCreateImageFileMap fills the segment's SECTION_IMAGE_INFORMATION; the fields' rules are those
 * of kernel32 loader.c query_image_section L353-486, Wine 11.10).
 */
#include <string.h>

#include "internal.h"

uint32_t VsSectionInformationSize(const VsThread *caller,
                                  VsSectionInformationClass information_class)
{
    bool x64 = vs_thread_process(caller)->system->layout->arch == VS_ARCH_X64;
    switch (information_class) {
    case SectionBasicInformation:
        return x64 ? VS_SECTION_BASIC_INFORMATION_SIZE : VS_SECTION_BASIC_INFORMATION_SIZE_X86;
    case SectionImageInformation:
        return x64 ? VS_SECTION_IMAGE_INFORMATION_SIZE : VS_SECTION_IMAGE_INFORMATION_SIZE_X86;
    default: return 0;
    }
}

/* ImageFlags: mapped flat when SectionAlignment is below a page (L471-475); else dynamically
 * relocated when DYNAMIC_BASE and the image has code or base relocations, and no COM descriptor
 * (L477-485; test_import_resolution L2420-2423: relocations and no code are relocated too). The
 * model keeps such an image at its preferred base (no ASLR: docs/model.md), so TransferAddress is
 * still the base plus the entry point, which the test allows either way (L392-395). A .NET image
 * adds the COM+ flags its header gives (image.c). */
static uint8_t image_flags(const VsImage *image)
{
    if (image->flat)
        return VS_IMAGE_FLAGS_MAPPED_FLAT | image->complus;
    if ((image->dll_characteristics & 0x0040u) /* IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE */ &&
        (image->contains_code || image->relocatable) && !image->com_descriptor)
        return VS_IMAGE_FLAGS_DYNAMICALLY_RELOCATED;
    return image->complus;
}

/* The headers' fields as query_image_section reads them back (L392-430): the entry point as an
 * address at the preferred base, the stack sizes, subsystem and its version, the OS version,
 * the file header's characteristics and machine, the file's size, the checksum; ZeroBits 0;
 * LoaderFlags 1 for an image with a COM descriptor (L425), not the header's LoaderFlags. */
static void describe_image(const VsImage *image, VsSectionImageInformation *out)
{
    *out = (VsSectionImageInformation){
        .TransferAddress = image->image_base + image->entry_point,
        .MaximumStackSize = image->stack_reserve,
        .CommittedStackSize = image->stack_commit,
        .SubSystemType = image->subsystem,
        .SubSystemMinorVersion = image->subsystem_minor,
        .SubSystemMajorVersion = image->subsystem_major,
        .MajorOperatingSystemVersion = image->os_major,
        .MinorOperatingSystemVersion = image->os_minor,
        .ImageCharacteristics = image->characteristics,
        .DllCharacteristics = image->dll_characteristics,
        .Machine = image->machine,
        .ImageContainsCode = image->contains_code,
        .ImageFlags = image_flags(image),
        .LoaderFlags = image->com_descriptor,
        .ImageFileSize = image->file_size,
        .CheckSum = image->checksum,
    };
}

/* SECTION_BASIC_INFORMATION as the process's architecture lays it out: BaseAddress a pointer,
 * Attributes a ULONG, Size a LARGE_INTEGER aligned on 8 (24 bytes on x64, 16 on x86). */
static void basic_bytes(bool x64, const VsSectionBasicInformation *info, uint8_t *out)
{
    uint32_t pointer = x64 ? 8 : 4;
    vs_put_le(out, 0, info->BaseAddress, pointer);
    vs_put_le(out, pointer, info->Attributes, 4);
    vs_put_le(out, x64 ? 16 : 8, info->Size, 8);
}

/* SECTION_IMAGE_INFORMATION likewise (winternl.h's order; 64 bytes on x64, 48 on x86): the
 * pointer and the two SIZE_Ts first, then ULONGs, USHORTs and the two bytes packed. */
static void image_bytes(bool x64, const VsSectionImageInformation *info, uint8_t *out)
{
    uint32_t word = x64 ? 8 : 4, at = x64 ? 32 : 16;
    vs_put_le(out, 0, info->TransferAddress, word);
    vs_put_le(out, word, info->ZeroBits, 4);
    vs_put_le(out, x64 ? 16 : 8, info->MaximumStackSize, word);
    vs_put_le(out, x64 ? 24 : 12, info->CommittedStackSize, word);
    uint64_t tail[] = {info->SubSystemType,
                       info->SubSystemMinorVersion,
                       info->SubSystemMajorVersion,
                       info->MajorOperatingSystemVersion,
                       info->MinorOperatingSystemVersion,
                       info->ImageCharacteristics,
                       info->DllCharacteristics,
                       info->Machine,
                       info->ImageContainsCode,
                       info->ImageFlags,
                       info->LoaderFlags,
                       info->ImageFileSize,
                       info->CheckSum};
    static const uint8_t width[] = {4, 2, 2, 2, 2, 2, 2, 2, 1, 1, 4, 4, 4};
    for (size_t i = 0; i < sizeof width; i++) {
        vs_put_le(out, at, tail[i], width[i]);
        at += width[i];
    }
}

/* The answer into the caller's buffer: its bytes into the process's memory for a buffer there,
 * and the structure into the library caller's `answer`. */
static VsStatus answer(VsThread *caller, VsSectionInformationClass information_class,
                       const VsQueryBuffer *buffer, const void *info, uint32_t size)
{
    if (buffer->answer)
        memcpy(buffer->answer, info,
               information_class == SectionImageInformation ? sizeof(VsSectionImageInformation)
                                                            : sizeof(VsSectionBasicInformation));
    if (!buffer->in_process)
        return STATUS_SUCCESS;
    bool x64 = vs_thread_process(caller)->system->layout->arch == VS_ARCH_X64;
    uint8_t bytes[VS_SECTION_IMAGE_INFORMATION_SIZE] = {0};
    if (information_class == SectionImageInformation)
        image_bytes(x64, info, bytes);
    else
        basic_bytes(x64, info, bytes);
    return vs_copy_to_user(caller, buffer->address, bytes, size);
}

VsStatus VsNtQuerySectionInto(VsThread *caller, VsHandle section_handle,
                              VsSectionInformationClass information_class,
                              const VsQueryBuffer *buffer, uint64_t information_length,
                              uint64_t *return_length)
{
    if (buffer->in_process) {
        VsStatus probed = vs_probe_for_write(caller, buffer->address, information_length, 4);
        if (!NT_SUCCESS(probed))
            return probed;
    }
    uint32_t needed = VsSectionInformationSize(caller, information_class);
    if (!needed)
        return STATUS_INVALID_INFO_CLASS;
    if (information_length < needed)
        return STATUS_INFO_LENGTH_MISMATCH;
    void *object;
    VsStatus status =
        vs_reference_object(caller, section_handle, VS_OBJECT_SECTION, SECTION_QUERY, &object);
    if (!NT_SUCCESS(status))
        return status;
    const VsSectionObject *section = object;
    const VsImage *image = section->control_area->image;
    if (information_class == SectionImageInformation && !image)
        return STATUS_SECTION_NOT_IMAGE;
    VsSectionImageInformation image_info;
    VsSectionBasicInformation basic;
    const void *info = &basic;
    if (information_class == SectionImageInformation) {
        describe_image(image, &image_info);
        info = &image_info;
    } else {
        VsSectionInfo attributes;
        vs_section_info(section->control_area, &attributes);
        basic = (VsSectionBasicInformation){.BaseAddress = 0,
                                            .Attributes = attributes.attributes,
                                            .Size = section->size_of_section};
    }
    status = answer(caller, information_class, buffer, info, needed);
    if (NT_SUCCESS(status) && return_length)
        *return_length = needed;
    return status;
}

VsStatus VsNtQuerySection(VsThread *caller, VsHandle section_handle,
                          VsSectionInformationClass information_class, void *information,
                          uint64_t information_length, uint64_t *return_length)
{
    VsQueryBuffer own = {.in_process = false, .answer = information};
    return VsNtQuerySectionInto(caller, section_handle, information_class, &own, information_length,
                                return_length);
}
