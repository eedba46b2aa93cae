/*
 * truncate.c - a file's size changes under its mappings: ftruncate(2), and the hole MADV_REMOVE
 * punches (mm/truncate.c, unmap_mapping_range).
 *
 * Shrinking a file unmaps every page wholly past the new end from every mapping of it, private
 * copies included, and drops those pages; a punched hole unmaps the file's pages but leaves the
 * private copies a copy-on-write store made of them. Errors follow ftruncate(2), as
 * docs/research/linux-mm.md section 9 measured them.
 */
#include <string.h>

#include "linux.h"

/* Unmaps the pages [first_index, last_index] of the section from every VMA in every process that
 * maps them (unmap_mapping_range). even_cows: private copies a copy-on-write store made of them go
 * too - truncation does that, since past the end of the file nothing may stay mapped; a punched
 * hole leaves them, as they are no longer the file's pages (zap_details.even_cows false). */
static void unmap_mapping_range(VsSystem *system, VsSection *section, uint64_t first_index,
                                uint64_t last_index, bool even_cows)
{
    size_t p = 0;
    const VsVad *view = vs_section_next_view(system, section, &p, NULL);
    while (view) {
        VsVad *vad = (VsVad *)view;
        VsProcess *process = system->processes[p];
        const VsVad *next = vs_section_next_view(system, section, &p, view);
        uint64_t first = vs_mapped_vad(vad)->first_prototype, last = first + vs_vma_pages(vad) - 1;
        if (last >= first_index && first <= last_index) {
            uint64_t from = vs_max(first, first_index), to = vs_min(last, last_index);
            uint64_t start_vpn = vad->starting_vpn + (from - first);
            uint64_t end_vpn = vad->starting_vpn + (to - first);
            if (even_cows)
                vs_vma_zap(process, vad, start_vpn, end_vpn);
            else
                vs_vma_zap_file_pages(process, vad, start_vpn, end_vpn);
        }
        view = next;
    }
}

/* Zeroes the bytes of the resident page index from offset on (truncate_inode_partial_folio). */
static void zero_tail(VsSystem *system, VsSection *section, uint64_t index, uint64_t offset)
{
    uint64_t pte = index < section->pages ? vs_prototype_read(section, index) : 0;
    if (!vs_pte_is_resident(pte))
        return;
    VsPfn *pfn = &system->pfn.frames[vs_pte_frame(pte)];
    if (pfn->data)
        memset(pfn->data + offset, 0, VS_PAGE_SIZE - offset);
}

/*
 * Sets the file's size (do_truncate): growing makes zeros readable (and mappable pages usable,
 * without remapping); shrinking unmaps and drops every page wholly past the new end, and zeroes
 * the rest of the last page. False when the host or the commit limit cannot give the room.
 */
bool vs_file_truncate(VsSystem *system, VsFile *file, uint64_t size)
{
    uint64_t pages = (size + VS_PAGE_SIZE - 1) / VS_PAGE_SIZE;
    if (vs_file_kind(file) == VS_FILE_REGULAR && size > file->size && !vs_file_extend(file, size))
        return false;
    if (file->section && !vs_file_page_cache(system, file, pages))
        return false;
    if (size < file->size) {
        if (vs_file_kind(file) == VS_FILE_REGULAR) {
            if (!vs_file_shrink(file, size))
                return false;
            vs_file_set_cached(file, pages, UINT64_MAX, false); /* truncate_inode_pages */
        }
        VsSection *section = file->section;
        if (section) {
            unmap_mapping_range(system, section, pages, UINT64_MAX, true);
            vs_section_discard(system, section, pages, UINT64_MAX);
            if (size % VS_PAGE_SIZE)
                zero_tail(system, section, size / VS_PAGE_SIZE, size % VS_PAGE_SIZE);
        }
    }
    file->size = size;
    return true;
}

int vs_ftruncate(VsThread *thread, int64_t fd, int64_t length)
{
    if (!vs_linux_call(thread))
        return -1;
    uint32_t mode;
    VsFile *file = vs_fd_file(thread, fd, &mode);
    if (length < 0) { /* do_sys_ftruncate checks the length before it looks at the descriptor */
        vs_set_errno(thread, VS_EINVAL);
        return -1;
    }
    if (!file)
        return vs_linux_fail(thread, VS_EBADF);
    if (mode == VS_O_RDONLY)
        return vs_linux_fail(thread, VS_EINVAL);
    /* Past the file system's largest file (inode_newsize_ok), or what the model keeps of one. */
    uint64_t limit = VS_FILE_MAX_BYTES;
    if (vs_file_kind(file) == VS_FILE_REGULAR)
        limit = vs_min(limit, vs_file_max_bytes(thread->process->system));
    if ((uint64_t)length > limit)
        return vs_linux_fail(thread, VS_EFBIG);
    if (!vs_file_truncate(thread->process->system, file, (uint64_t)length))
        return vs_linux_fail(thread, VS_ENOMEM);
    return 0;
}

/* Punches [first_index, last_index] out of the file (fallocate FALLOC_FL_PUNCH_HOLE, MADV_REMOVE):
 * the file's pages leave every mapping and read as zeros from then on; private copies made of them
 * stay where they are. */
void vs_file_punch(VsSystem *system, VsFile *file, uint64_t first_index, uint64_t last_index)
{
    VsSection *section = file->section;
    if (vs_file_kind(file) == VS_FILE_REGULAR && first_index < vs_file_pages(file)) {
        vs_file_punch_bytes(file, first_index, last_index);
        vs_file_set_cached(file, first_index, last_index, false); /* a hole: nothing cached */
    }
    if (!section)
        return;
    unmap_mapping_range(system, section, first_index, last_index, false);
    vs_section_discard(system, section, first_index, last_index);
}
