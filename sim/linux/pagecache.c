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
    if (!vs_vm_enough_memory(system, pages - section->pages))
        return false; /* shmem_acct_size: the heuristic, as for any mapping */
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
 * commit limit says no; a page cache made for this call alone (the file behind a new shared
 * anonymous mapping) then goes again, so no section is left that nothing holds.
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
    if (regular || grow_swap_section(system, section, pages))
        return section;
    if (!section->handles && !section->views) { /* made for a mapping that cannot be had */
        file->section = NULL;
        vs_section_dereference(system, section);
    }
    return NULL;
}

/* The page cache a mapping of pages [first, first + pages) of the file maps (mmap, mremap): a
 * regular file's section covers the whole mapping (its pages past the end are the file's to
 * come); a shmem file's covers the file's own pages only, since pages past its end are SIGBUS
 * until ftruncate grows it, and they may lie as far as MAX_LFS_FILESIZE. NULL as
 * vs_file_page_cache. */
VsSection *vs_file_mapping_cache(VsSystem *system, VsFile *file, uint64_t first, uint64_t pages)
{
    uint64_t end = first + pages;
    if (vs_file_kind(file) != VS_FILE_REGULAR)
        end = vs_min(end, vs_max(vs_file_pages(file), 1));
    return vs_file_page_cache(system, file, end);
}
