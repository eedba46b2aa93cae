/*
 * samefile.c - NtAreMappedFilesTheSame: whether the image mapped at one address is the file mapped
 * at another (the loader asks it of a DLL it is about to load twice).
 *
 * Models WRK mm/mapview.c NtAreMappedFilesTheSame: both addresses must lie in allocations
 * (STATUS_INVALID_ADDRESS), both in views of a file's section (private memory or a page-file view
 * is STATUS_CONFLICTING_ADDRESSES); then the answer is STATUS_SUCCESS exactly when the first view's
 * section is the file's image section (ImageSectionObject) of the second view's file, whether the
 * second maps that file as an image or as data, and STATUS_NOT_SAME_DEVICE otherwise: two data
 * views of one file are not "the same" to it, and the order matters (an image and a data view of
 * the same file succeed one way round only). Windows since Vista also answers STATUS_SUCCESS for
 * two addresses in the same view, data or image (kernel32 test_NtAreMappedFilesTheSame L1404-1410,
 * with STATUS_NOT_SAME_DEVICE as broken: older Windows).
 */
#include "internal.h"

/* The section behind a view of a file at address, or NULL (with *status) when there is none. */
static const VsSection *file_view_section(const VsVad *vad, VsStatus *status)
{
    if (!vad) {
        *status = STATUS_INVALID_ADDRESS;
        return NULL;
    }
    const VsSection *section = vs_vad_is_view(vad) ? vs_mapped_vad(vad)->section : NULL;
    if (!section || !section->file) {
        *status = STATUS_CONFLICTING_ADDRESSES;
        return NULL;
    }
    return section;
}

VsStatus VsNtAreMappedFilesTheSame(VsThread *caller, uint64_t address1, uint64_t address2)
{
    VsProcess *process = caller->process;
    const VsVad *vad1 = vs_vad_locate(&process->vad_root, vs_vpn(address1));
    const VsVad *vad2 = vs_vad_locate(&process->vad_root, vs_vpn(address2));
    VsStatus status = STATUS_SUCCESS;
    if (!vad1 || !vad2)
        return STATUS_INVALID_ADDRESS;
    const VsSection *image = file_view_section(vad1, &status);
    const VsSection *other = image ? file_view_section(vad2, &status) : NULL;
    if (!other)
        return status;
    if (vad1 == vad2 || image == other->file->image_section)
        return STATUS_SUCCESS;
    return STATUS_NOT_SAME_DEVICE;
}
