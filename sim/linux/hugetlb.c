/*
 * hugetlb.c - MAP_HUGETLB anonymous memory on a machine with no huge page pool (mm/hugetlb.c,
 * fs/hugetlbfs/inode.c; ksys_mmap_pgoff's MAP_HUGETLB branch).
 *
 * The model has no huge pages to give, as a machine whose pool is empty (vm.nr_hugepages and
 * vm.nr_overcommit_hugepages 0, the default; the POSIX agent refuses MAP_HUGETLB where they are
 * not). The mapping is a file of its own on the internal hugetlbfs mount, "/anon_hugepage
 * (deleted)" in maps, whose length is rounded up to 2 MB and which is placed on a 2 MB boundary
 * (hugetlb_get_unmapped_area: a hint rounded up to one, MAP_FIXED refused unless on one).
 * Without MAP_NORESERVE mmap must reserve the pages and cannot: ENOMEM. With it the mapping is
 * made, and every touch of it is SIGBUS (hugetlb_fault finds no page to allocate), as is every
 * page a MAP_POPULATE would fault in. The VMA splits only on a 2 MB boundary (hugetlb_vm_op_split:
 * EINVAL elsewhere, after any split already made), mremap refuses an unaligned address or a
 * growth, and MADV_FREE, COLD and PAGEOUT refuse it. A MAP_HUGETLB mapping of any other file is
 * EINVAL (it must be a hugetlbfs file, which the model has not got).
 */
#include "linux.h"

#define HUGE_PAGES 512 /* a 2 MB huge page, in 4 KB pages: x86's default huge page size */
#define HUGE_BYTES (HUGE_PAGES * VS_PAGE_SIZE)

bool vs_vma_is_hugetlb(const VsVad *vad) { return vs_vma(vad)->vm_flags & VS_VM_HUGETLB; }

/* A mapping's length as MAP_HUGETLB makes it: rounded up to a huge page (0 when that wraps, which
 * mmap then refuses as a length of 0). */
uint64_t vs_hugetlb_length(uint64_t length)
{
    return length > UINT64_MAX - (HUGE_BYTES - 1) ? 0
                                                  : (length + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
}

/* Whether a VMA may be split before page at_vpn: anywhere but inside a huge page of a hugetlb
 * VMA. */
bool vs_hugetlb_may_split(const VsVad *vad, uint64_t at_vpn)
{
    return !vs_vma_is_hugetlb(vad) || at_vpn % HUGE_PAGES == 0;
}

/*
 * Where a MAP_HUGETLB mapping goes (hugetlb_get_unmapped_area): a fixed address must be on a huge
 * page (EINVAL); a hint is rounded up to one and taken if free; else the highest free place on a
 * huge page. 0 with *start_vpn, or an errno. The caller checked the length against user space.
 */
int vs_hugetlb_area(VsProcess *process, uint64_t address, uint64_t pages, uint32_t flags,
                    uint64_t *start_vpn)
{
    const VsVadTable *table = &process->vad_root;
    if (flags & VS_MAP_FIXED) {
        if (address & (HUGE_BYTES - 1))
            return VS_EINVAL;
        *start_vpn = vs_vpn(address);
        return 0;
    }
    uint64_t hint = vs_vpn(vs_hugetlb_length(address));
    if (address && hint >= table->lowest_vpn && hint + pages - 1 <= table->highest_vpn &&
        !vs_vad_find_conflict(table, hint, hint + pages - 1) &&
        vs_vma_clear_of_gaps(process, hint, hint + pages - 1)) {
        *start_vpn = hint;
        return 0;
    }
    return vs_vma_place(process, pages, true, 0, start_vpn) ? 0 : VS_ENOMEM;
}

/* The file behind a MAP_HUGETLB anonymous mapping (hugetlb_file_setup): no name, and no pages to
 * hold (its size is 0: every page of it is past the end, which is how the model answers SIGBUS
 * for the page a fault cannot allocate). NULL when out of host memory. */
VsFile *vs_hugetlb_file_create(VsSystem *system)
{
    return vs_shmem_file_create(system, VS_FILE_HUGETLB, "anon_hugepage");
}

/* mremap's checks of a hugetlb VMA (mremap's is_vm_hugetlb_page branch): the old address on a
 * huge page and no growth, the sizes taken as huge pages; 0 or EINVAL. */
int vs_hugetlb_mremap_check(const VsVad *vad, uint64_t old_address, uint64_t *old_size,
                            uint64_t *new_size)
{
    if (!vs_vma_is_hugetlb(vad))
        return 0;
    if (old_address & (HUGE_BYTES - 1))
        return VS_EINVAL;
    *old_size = vs_hugetlb_length(*old_size);
    *new_size = vs_hugetlb_length(*new_size);
    return *new_size > *old_size ? VS_EINVAL : 0;
}
