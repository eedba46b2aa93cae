/*
 * pagecache.c - a Linux file's page cache is a section (mm/filemap.c, mm/shmem.c).
 *
 * Every mapping of a file finds the file's pages in one place, as Windows' views of a file find
 * them in its control area: the model keeps a Linux file's page cache as a section with prototype
 * PTEs. A regular file's is its data section (its pages read from the file, written back to it); a
 * shmem file's is a pagefile-backed section, grown page by page, whose pages are the file's only
 * copy (shmem keeps them in the page cache and swap).
 */
#include "linux.h"

/* Grows a swap-backed section to pages pages of committed demand-zero memory (shmem_getpage's
 * pages, before any is touched). */
static bool grow_swap_section(VsSystem *system, VsSection *section, uint64_t pages)
{
    if (pages <= section->pages)
        return true;
    if (!vs_commit_available(system, pages - section->pages))
        return false;
    /* The new pages are demand zero, the initial prototype PTE: nothing to write. */
    vs_section_charge(system, section, (int64_t)(pages - section->pages));
    section->pages = pages;
    section->size = pages * VS_PAGE_SIZE;
    return true;
}

/*
 * The page cache of a Linux file, with room for at least pages pages: a regular file's data
 * section (its pages read from the file, written back to it), or for a shmem file a swap-backed
 * section whose pages are the file's only copy (mm/shmem.c keeps them in the page cache and swap).
 * Any protection may map it: each process's PTEs say what it may do. NULL when the host or the
 * commit limit says no.
 */
VsSection *vs_file_page_cache(VsSystem *system, VsFile *file, uint64_t pages)
{
    VsSection *section = file->section;
    bool regular = vs_file_kind(file) == VS_FILE_REGULAR;
    if (!section) {
        uint64_t size = regular ? vs_max(file->size, 1) : VS_PAGE_SIZE;
        if (!NT_SUCCESS(vs_section_create(system, NULL, size, MM_EXECUTE_READWRITE, SEC_COMMIT,
                                          regular ? file : NULL, &section)))
            return NULL;
        file->section = section;
        vs_shmem_file_put(system, file); /* the file holds its page cache while it has a name */
    }
    if (regular)
        vs_section_extend(section, pages * VS_PAGE_SIZE);
    return regular || grow_swap_section(system, section, pages) ? section : NULL;
}
