/*
 * mincore.c - mincore for the Linux personality (mm/mincore.c), and what "resident" means for a
 * VMA's page.
 *
 * mincore: an unaligned start EINVAL, a range past user space ENOMEM, too small a vector EFAULT;
 * then one byte per page until a hole, which stops it with ENOMEM (docs/research/linux-mm.md 7).
 * A page is resident when a PTE maps its frame (or its frame is still in memory); a page of a
 * regular file that no PTE maps is resident when the page cache holds it; a page a section shares
 * (shmem, or what a fork shared) when the section's page is in memory.
 */
#include "linux.h"

/*
 * Whether mincore would say the page is resident (mincore_pte_range): a PTE that maps a frame
 * (or whose frame is still in memory); else, for a page a section shares, whether that page is
 * in memory (the page cache: mincore_page), which a forked child sees through the PTE fork copied.
 */
bool vs_vma_page_resident(const VsProcess *process, const VsVad *vad, uint64_t vpn)
{
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_pte_is_resident(pte))
        return true;
    if (pte != 0 && !vs_pte_is_proto(pte))
        return false;
    /* A regular file's page: whether the page cache holds it (written, or read since a hole was
     * punched or the file cut short), up to the end of the file. */
    const VsFile *file = vs_vma_file(vad);
    if (file && vs_file_kind(file) == VS_FILE_REGULAR)
        return !vs_vma_beyond_eof(vad, vpn) &&
               vs_file_cached(file, vs_view_prototype_index(vad, vpn));
    return vs_pte_is_resident(vs_vma_prototype(vad, vpn));
}

/* mincore's answer for a run of untouched pages [vpn, last] (no page table, the initial
 * prototype PTE): none is resident but a regular file's cached pages up to the end of the file.
 * Counts them, and fills vec (one byte per page) if it is not NULL. */
static uint64_t untouched_resident(const VsVad *vad, uint64_t vpn, uint64_t last, uint8_t *vec)
{
    const VsFile *file = vs_vma_file(vad);
    uint64_t first = vs_view_prototype_index(vad, vpn), pages = last - vpn + 1;
    uint64_t file_pages = file && vs_file_kind(file) == VS_FILE_REGULAR ? vs_file_pages(file) : 0;
    if (vec) {
        for (uint64_t i = 0; i < pages; i++)
            vec[i] = first + i < file_pages && vs_file_cached(file, first + i);
    }
    if (first >= file_pages)
        return 0;
    return vs_file_cached_count(file, first, vs_min(first + pages, file_pages) - 1);
}

/*
 * How many pages of [start_vpn, end_vpn] of the VMA mincore would say are resident, and (vec not
 * NULL) mincore's vector for them: the pages with a page table or a prototype PTE other than the
 * initial one one by one, the runs of the others at once.
 */
uint64_t vs_vma_resident_pages(const VsProcess *process, const VsVad *vad, uint64_t start_vpn,
                               uint64_t end_vpn, uint8_t *vec)
{
    uint64_t resident = 0;
    VsViewScan scan = vs_view_scan(process, vad, start_vpn, end_vpn);
    for (uint64_t vpn = start_vpn; vpn <= end_vpn; vpn++) {
        uint8_t *out = vec ? vec + (vpn - start_vpn) : NULL;
        uint64_t differs = vs_view_scan_next(&scan, vpn);
        if (differs == vpn) {
            bool in = vs_vma_page_resident(process, vad, vpn);
            resident += in;
            if (out)
                *out = in;
            continue;
        }
        resident += untouched_resident(vad, vpn, differs - 1, out);
        vpn = differs - 1;
    }
    return resident;
}

int vs_mincore(VsThread *thread, uint64_t address, uint64_t length, uint8_t *vec,
               uint64_t vec_length)
{
    if (!vs_linux_call(thread))
        return -1;
    VsProcess *process = thread->process;
    uint64_t task_size = process->system->layout->highest_user_address + 1;
    if (address & (VS_PAGE_SIZE - 1))
        return vs_linux_fail(thread, VS_EINVAL);
    if (address > task_size || length > task_size - address)
        return vs_linux_fail(thread, VS_ENOMEM);
    uint64_t pages = (length + VS_PAGE_SIZE - 1) / VS_PAGE_SIZE;
    if (pages && (!vec || pages > vec_length))
        return vs_linux_fail(thread, VS_EFAULT);
    uint64_t vpn = vs_vpn(address);
    for (uint64_t i = 0; i < pages;) { /* a VMA at a time */
        VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
        if (!vad)
            return vs_linux_fail(thread, VS_ENOMEM); /* the bytes before the hole are filled in */
        uint64_t last = vs_min(vad->ending_vpn, vpn + (pages - i) - 1);
        vs_vma_resident_pages(process, vad, vpn, last, vec + i);
        i += last - vpn + 1;
        vpn = last + 1;
    }
    return 0;
}
