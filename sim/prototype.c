/*
 * prototype.c - a segment's prototype PTEs, one per page of the section, stored sparsely.
 *
 * Models the segment's prototype PTE array (SEGMENT ThePtes, which MiCreatePagingFileMap and
 * MiCreateDataFileMap build): what a page of a section is for every view at once, demand zero,
 * in the file, in a frame or in the page file (section.c says more). Windows allocates the whole
 * array with the segment; the model keeps only the entries that differ from the value every page
 * of the section starts with (its initial prototype PTE: "in the file" for a file's section,
 * demand zero for SEC_COMMIT, zero for SEC_RESERVE), in a sparse array (sparse.c). So a 1 TB
 * SEC_RESERVE section costs nothing until pages are committed or touched, and whoever walks a
 * section's pages (VirtualQuery of a view, commit counts, unmapping, deletion, the checker) asks
 * vs_prototype_next for the next page that differs and skips the rest as one run.
 *
 * Every read and write of a prototype PTE goes through the functions here. A write that makes an
 * entry differ may need a node of the array, which the host may refuse: callers that must not
 * fail halfway prepare the range first (vs_prototype_prepare), as page tables are prepared.
 */
#include "internal.h"

/* The prototype PTE every page of the section starts with (and returns to when discarded). */
uint64_t vs_prototype_initial(const VsSection *section)
{
    if (section->image) /* each committed page written at creation (image.c): the rest are not */
        return 0;
    if (section->file)
        return vs_pte_make_subsection(section->protection);
    return section->reserve ? 0 : vs_pte_make_software(section->protection);
}

void vs_prototypes_init(VsSection *section)
{
    vs_sparse_init(&section->prototypes, vs_prototype_initial(section));
}

void vs_prototypes_fini(VsSection *section) { vs_sparse_fini(&section->prototypes); }

uint64_t vs_prototype_read(const VsSection *section, uint64_t index)
{
    return vs_sparse_get(&section->prototypes, index);
}

/* Writes prototype PTE index. False only when the host had no memory for the entry's node (the
 * entry is unchanged); never for a range vs_prototype_prepare prepared, nor for an entry that
 * differed from the initial value already. */
bool vs_prototype_write(VsSection *section, uint64_t index, uint64_t pte)
{
    return vs_sparse_set(&section->prototypes, index, pte);
}

/* Makes the writes of [first, last] unable to fail; false (nothing kept) if the host says no. */
bool vs_prototype_prepare(VsSection *section, uint64_t first, uint64_t last)
{
    return vs_sparse_prepare(&section->prototypes, first, last);
}

/* Frees what vs_prototype_prepare made for [first, last] that no write used. */
void vs_prototype_release_empty(VsSection *section, uint64_t first, uint64_t last)
{
    vs_sparse_release_empty(&section->prototypes, first, last);
}

/* The first index in [index, last] whose prototype PTE is not the initial one; last + 1 if none. */
uint64_t vs_prototype_next(const VsSection *section, uint64_t index, uint64_t last)
{
    return vs_sparse_next(&section->prototypes, index, last);
}

/* A file section's protection grew (raise_protection in section.c): the pages still in the file
 * say so with the new protection, without a write per page. */
void vs_prototype_set_initial(VsSection *section)
{
    vs_sparse_set_initial(&section->prototypes, vs_prototype_initial(section));
}

/* Committed pages in [first, last] (a prototype PTE is committed unless zero), at one step per
 * entry that differs from the initial value. */
uint64_t vs_prototype_committed(const VsSection *section, uint64_t first, uint64_t last)
{
    bool initial_committed = vs_prototype_initial(section) != 0;
    uint64_t differ = 0, committed = 0;
    for (uint64_t i = vs_prototype_next(section, first, last); i <= last;
         i = vs_prototype_next(section, i + 1, last)) {
        differ++;
        committed += vs_prototype_read(section, i) != 0;
    }
    return committed + (initial_committed ? last - first + 1 - differ : 0);
}

/* Host bytes the section's prototype PTEs hold. */
uint64_t vs_prototype_bytes(const VsSection *section)
{
    return vs_sparse_bytes(&section->prototypes);
}

/*
 * The last index of the run of equal prototype PTEs that starts at index (for `show section`,
 * which prints a run per line), stopping at the section's last page. A run of initial entries is
 * crossed in one step.
 */
uint64_t vs_section_prototype_run_end(const VsSection *section, uint64_t index)
{
    uint64_t last = section->pages - 1;
    if (index >= last)
        return last;
    uint64_t pte = vs_prototype_read(section, index);
    uint64_t end = index;
    while (end < last) {
        if (pte == vs_prototype_initial(section)) {
            uint64_t differs = vs_prototype_next(section, end + 1, last);
            end = differs - 1;
            if (differs > last)
                break;
        }
        if (vs_prototype_read(section, end + 1) != pte)
            break;
        end++;
    }
    return end;
}
