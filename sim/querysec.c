/*
 * querysec.c - NtQuerySection: what a section handle says of its section.
 *
 * Models WRK mm/querysec.c (NtQuerySection). The checks come in its order: the information class
 * (STATUS_INVALID_INFO_CLASS), the buffer's length against the class's structure
 * (STATUS_INFO_LENGTH_MISMATCH; a longer buffer is fine), then the handle, which must carry
 * SECTION_QUERY (STATUS_ACCESS_DENIED: a handle opened for FILE_MAP_READ or FILE_MAP_WRITE alone
 * cannot be queried, Wine's kernel32 test_MapViewOfFile L791-806, L830-846), and last whether the
 * section is an image, for SectionImageInformation (STATUS_SECTION_NOT_IMAGE).
 *
 * SectionBasicInformation reads the section's kind as NtCreateSection recorded it: SEC_COMMIT or
 * SEC_RESERVE for the page file, SEC_FILE for a file whatever was asked, with SEC_NOCACHE or
 * SEC_WRITECOMBINE kept (test_CreateFileMapping L1612-1623); and its size in bytes, a pagefile
 * section's rounded up to whole pages (0x3457 bytes make 0x4000, test_MapViewOfFile L1292-1300),
 * a file section's as given (36 bytes stay 36, L1234-1245). The size is the section object's, not
 * its control area's: an image section made with a maximum size says that size, unrounded, where
 * its control area holds the whole image (loader.c query_image_section L517-523).
 */
#include "internal.h"

/* The bytes the class's structure needs, or 0 for a class NtQuerySection does not know. */
static uint64_t class_size(VsSectionInformationClass information_class)
{
    switch (information_class) {
    case SectionBasicInformation: return VS_SECTION_BASIC_INFORMATION_SIZE;
    case SectionImageInformation: return VS_SECTION_IMAGE_INFORMATION_SIZE;
    default: return 0;
    }
}

VsStatus VsNtQuerySection(VsThread *caller, VsHandle section_handle,
                          VsSectionInformationClass information_class,
                          VsSectionBasicInformation *information, uint64_t information_length,
                          uint64_t *return_length)
{
    uint64_t needed = class_size(information_class);
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
    VsSectionInfo info;
    vs_section_info(section->control_area, &info);
    /* A data section has no image information. An image section's SECTION_IMAGE_INFORMATION is
     * not modelled yet, so it is refused alike, where Windows fills the structure (issue 23). */
    if (information_class == SectionImageInformation)
        return STATUS_SECTION_NOT_IMAGE;
    *information = (VsSectionBasicInformation){
        .BaseAddress = 0, .Attributes = info.attributes, .Size = section->size_of_section};
    if (return_length)
        *return_length = needed;
    return STATUS_SUCCESS;
}
