/*
 * mmap.c - mmap and munmap for the Linux personality, and where a new mapping goes.
 *
 * Models mm/mmap.c do_mmap and mmap_region, mm/vma.c do_vmi_munmap, and x86's top-down
 * get_unmapped_area. The checks come in the kernel's order, because the order decides which
 * errno a bad call gets (docs/research/linux-mm.md 1.1, measured on 6.18):
 *   offset unaligned EINVAL; a bad descriptor EBADF; length 0 EINVAL; the length rounding to 0
 *   ENOMEM; offset + length overflowing EOVERFLOW; too many VMAs ENOMEM; then the address (too
 *   long ENOMEM, a fixed address unaligned EINVAL or too high ENOMEM, below mmap_min_addr EPERM,
 *   no room ENOMEM); MAP_FIXED_NOREPLACE over anything EEXIST; then the mapping type and the
 *   file's open mode (EINVAL, EOPNOTSUPP, EACCES); then overcommit (ENOMEM).
 * A mapping without MAP_FIXED goes at the top of the highest free gap below mmap_base that holds
 * it (unmapped_area_topdown), so successive mmaps go downwards and fill holes from the top; since
 * 6.7 an anonymous private mapping whose length is a multiple of 2 MB is put on a 2 MB boundary
 * (thp_get_unmapped_area). A new mapping merges with neighbours it could have been part of.
 * MAP_HUGETLB anonymous memory is a hugetlbfs file of its own, on 2 MB pages the model has none
 * of (hugetlb.c).
 */
#include "linux.h"

#define PMD_PAGES 512 /* 2 MB of 4 KB pages */
#define PMD_BYTES (PMD_PAGES * VS_PAGE_SIZE)
/* MAX_LFS_FILESIZE: the largest offset a regular file (and so a memfd or shm object) may be mapped
 * up to (file_mmap_size_max). */
#define MAX_LFS_FILESIZE 0x7FFFFFFFFFFFFFFFull
/* The flags MAP_SHARED_VALIDATE accepts (LEGACY_MAP_MASK, include/linux/mman.h). */
#define LEGACY_MAP_MASK                                                                            \
    (VS_MAP_SHARED | VS_MAP_PRIVATE | VS_MAP_FIXED | VS_MAP_ANONYMOUS | VS_MAP_DENYWRITE |         \
     VS_MAP_EXECUTABLE | 0x4000000u /* MAP_UNINITIALIZED */ | VS_MAP_GROWSDOWN | VS_MAP_LOCKED |   \
     VS_MAP_NORESERVE | VS_MAP_POPULATE | VS_MAP_NONBLOCK | VS_MAP_STACK | VS_MAP_HUGETLB)

static uint64_t fail(VsThread *thread, int error)
{
    vs_set_errno(thread, error);
    return VS_MAP_FAILED;
}

/* The heuristic overcommit check (vm.overcommit_memory 0, __vm_enough_memory): only a request
 * larger than all of RAM and swap together is refused; what is committed already does not count. */
bool vs_vm_enough_memory(const VsSystem *system, uint64_t pages)
{
    return pages <= system->pfn.count + (system->pagefile.slots - 1);
}

/*
 * The highest place below mmap_base for pages pages (vm_unmapped_area, top-down): the top of the
 * highest gap that holds them, a gap below a VM_GROWSDOWN VMA ending where its guard gap starts
 * (vm_start_gap). A mapping the kernel wants on a 2 MB boundary (thp_align) needs a
 * gap 2 MB longer; it then starts where its address and its file offset pgoff agree modulo 2 MB,
 * as near the top as that allows (__thp_get_unmapped_area).
 */
bool vs_vma_place(VsProcess *process, uint64_t pages, bool thp_align, uint64_t pgoff,
                  uint64_t *start_vpn)
{
    uint64_t limit = vs_vpn(VS_LINUX_MMAP_BASE) - 1;
    uint64_t need = pages + (thp_align ? PMD_PAGES : 0);
    for (;;) { /* a gap ends where the guard gap below a stack VMA above it starts */
        if (!vs_vad_find_free(&process->vad_root, need, true, limit, start_vpn))
            return false; /* Linux would try bottom-up too; the model's space never runs out here */
        uint64_t top = *start_vpn + need - 1;
        const VsVad *next = vs_vad_find_above(&process->vad_root, top);
        uint64_t gap = next ? vs_vma_start_gap(next) : top + 1;
        if (top < gap)
            break;
        if (gap == 0)
            return false;
        limit = gap - 1;
    }
    if (thp_align) {
        uint64_t sub = (pgoff - *start_vpn) & (PMD_PAGES - 1);
        *start_vpn += sub ? sub : PMD_PAGES;
    }
    return true;
}

/*
 * Whether the kernel looks for a 2 MB-aligned place (6.7+, as measured on 6.18). Private
 * anonymous memory a multiple of 2 MB long, when no hint is given (__get_unmapped_area); a
 * regular file's mapping when at least 2 MB of it lies past the first 2 MB boundary of the file
 * offset (__thp_get_unmapped_area: off_end - round_up(off, 2 MB) >= 2 MB), if its file system
 * aligns (ext4, xfs; not tmpfs or overlayfs: files_unaligned). Never shmem: tmpfs with
 * huge=never, the default, places as any mapping.
 */
static bool wants_thp_alignment(const VsSystem *system, const VsFile *file, uint64_t address,
                                uint32_t flags, uint64_t pgoff, uint64_t pages)
{
    if (!file)
        return !address && (flags & VS_MAP_TYPE) == VS_MAP_PRIVATE && pages % PMD_PAGES == 0;
    if (vs_file_kind(file) != VS_FILE_REGULAR || vs_files_unaligned(system))
        return false;
    /* The kernel's arithmetic, types included: off and off_end are loff_t, so an offset whose
     * round-up to 2 MB reaches 2^63 wraps negative; the length test then compares as unsigned
     * (loff_t against unsigned long), and passes. Offsets that high still get the padding. */
    int64_t off = (int64_t)(pgoff << VS_PAGE_SHIFT), len = (int64_t)(pages << VS_PAGE_SHIFT);
    int64_t off_end = (int64_t)((uint64_t)off + (uint64_t)len);
    int64_t off_align = (int64_t)(((uint64_t)off + PMD_BYTES - 1) & ~(uint64_t)(PMD_BYTES - 1));
    uint64_t len_pad = (uint64_t)len + PMD_BYTES;
    return off_end > off_align && (uint64_t)off_end - (uint64_t)off_align >= PMD_BYTES &&
           (uint64_t)off + len_pad >= (uint64_t)off;
}

/* A hint is taken if the range is free, inside user space (mmap_min_addr up to TASK_SIZE) and
 * clear of the guard gap below a stack VMA above it. */
static bool hint_free(VsProcess *process, uint64_t hint, uint64_t pages)
{
    const VsVadTable *table = &process->vad_root;
    uint64_t start = vs_vpn(hint), end = start + pages - 1;
    return hint && start >= table->lowest_vpn && end <= table->highest_vpn &&
           !vs_vad_find_conflict(table, start, end) && vs_vma_clear_of_gaps(process, start, end);
}

/*
 * __thp_get_unmapped_area: the kernel asks for 2 MB more than the mapping needs, with the hint if
 * one was given; a hint free for that padded length is taken as it is, else the padded gap found
 * top-down is cut so address and offset agree modulo 2 MB. When even the padded request fails the
 * caller searches again without the padding (and then a hint free for the real length wins).
 */
static bool thp_place(VsProcess *process, uint64_t hint, uint64_t pages, uint64_t pgoff,
                      uint64_t *start_vpn)
{
    if (hint_free(process, hint, pages + PMD_PAGES)) {
        *start_vpn = vs_vpn(hint);
        return true;
    }
    return vs_vma_place(process, pages, true, pgoff, start_vpn);
}

/*
 * get_unmapped_area without a hint, as mremap uses it to move a mapping (file is the mapping's
 * file, NULL for anonymous memory): 2 MB-aligned where mmap would align it, else top-down.
 */
bool vs_get_unmapped_area(VsProcess *process, const VsFile *file, bool shared, uint64_t pgoff,
                          uint64_t pages, uint64_t *start_vpn)
{
    uint32_t flags = shared ? VS_MAP_SHARED : VS_MAP_PRIVATE;
    if (wants_thp_alignment(process->system, file, 0, flags, pgoff, pages) &&
        vs_vma_place(process, pages, true, file ? pgoff : 0, start_vpn))
        return true; /* anonymous memory aligns as if its offset were 0 */
    return vs_vma_place(process, pages, false, 0, start_vpn);
}

/* get_unmapped_area: the first page of the new mapping, or an errno. A MAP_HUGETLB mapping
 * (hugetlb) goes on a huge page. */
static int unmapped_area(VsProcess *process, uint64_t address, uint64_t length, uint32_t flags,
                         bool thp_align, bool hugetlb, uint64_t pgoff, uint64_t *start_vpn)
{
    const VsLayout *layout = process->system->layout;
    uint64_t task_size = layout->highest_user_address + 1;
    uint64_t pages = vs_vpn(length);
    if (length > task_size)
        return VS_ENOMEM;
    if (hugetlb) {
        int error = vs_hugetlb_area(process, address, pages, flags, start_vpn);
        if (error || !(flags & VS_MAP_FIXED))
            return error;
    }
    if (flags & VS_MAP_FIXED) {
        if (address & (VS_PAGE_SIZE - 1))
            return VS_EINVAL;
        if (address > task_size - length)
            return VS_ENOMEM;
        if (address < layout->lowest_user_address)
            return VS_EPERM; /* security_mmap_addr: below mmap_min_addr without CAP_SYS_RAWIO */
        *start_vpn = vs_vpn(address);
        return 0;
    }
    if (thp_align && thp_place(process, address, pages, pgoff, start_vpn))
        return 0;
    if (hint_free(process, address, pages)) {
        *start_vpn = vs_vpn(address);
        return 0;
    }
    return vs_vma_place(process, pages, false, 0, start_vpn) ? 0 : VS_ENOMEM;
}

/* The VM_* flags a mapping starts with (calc_vm_prot_bits with the protection key, which
 * vs_vma_pkey_for decides; calc_vm_flag_bits; mm->def_flags, which mlockall(MCL_FUTURE) sets;
 * the MAY bits). MAP_STACK is VM_NOHUGEPAGE (6.7+, with transparent huge pages built in, which
 * the model's kernel has): a thread's stack gets no huge page, and keeps apart from neighbours
 * without the flag (smaps "nh"; measured on 6.18). */
static VsVmFlags initial_flags(VsThread *thread, uint32_t prot, uint32_t flags)
{
    const VsProcess *process = thread->process;
    VsVmFlags vm = vs_vma_pkey_for(thread, NULL, prot, -1);
    vm |= vs_linux_process(process)->def_flags;
    vm |= VS_VM_MAYREAD | VS_VM_MAYWRITE | VS_VM_MAYEXEC;
    vm |= (prot & VS_PROT_READ ? VS_VM_READ : 0) | (prot & VS_PROT_WRITE ? VS_VM_WRITE : 0) |
          (prot & VS_PROT_EXEC ? VS_VM_EXEC : 0);
    vm |= (flags & VS_MAP_GROWSDOWN ? VS_VM_GROWSDOWN : 0) |
          (flags & VS_MAP_LOCKED ? VS_VM_LOCKED : 0) |
          (flags & VS_MAP_NORESERVE ? VS_VM_NORESERVE : 0) |
          (flags & VS_MAP_STACK ? VS_VM_NOHUGEPAGE : 0);
    return vm;
}

/* Whether [pgoff, pgoff + pages) stays below the file's largest size (file_mmap_ok): every file
 * of the model is a regular file or shmem, whose limit is MAX_LFS_FILESIZE. */
static bool file_mmap_ok(uint64_t pgoff, uint64_t pages)
{
    uint64_t len = pages << VS_PAGE_SHIFT;
    return len <= MAX_LFS_FILESIZE && pgoff <= (MAX_LFS_FILESIZE - len) >> VS_PAGE_SHIFT;
}

/* The checks of a file mapping against the file's size limit (EOVERFLOW) and its type against
 * how the file was opened (do_mmap's file branch). */
static int file_flags(uint32_t flags, uint32_t prot, uint32_t mode, uint64_t pgoff, uint64_t pages,
                      VsVmFlags *vm_flags)
{
    bool readable = mode != VS_O_WRONLY, writable = mode != VS_O_RDONLY;
    if (!file_mmap_ok(pgoff, pages))
        return VS_EOVERFLOW;
    switch (flags & VS_MAP_TYPE) {
    case VS_MAP_SHARED_VALIDATE:
        if (flags & ~(uint32_t)LEGACY_MAP_MASK)
            return VS_EOPNOTSUPP;
        /* fall through */
    case VS_MAP_SHARED:
        if ((prot & VS_PROT_WRITE) && !writable)
            return VS_EACCES;
        *vm_flags |= VS_VM_SHARED | VS_VM_MAYSHARE;
        if (!writable)
            *vm_flags &= ~(VsVmFlags)(VS_VM_MAYWRITE | VS_VM_SHARED);
        /* fall through */
    case VS_MAP_PRIVATE:
        if (!readable)
            return VS_EACCES;
        if (flags & VS_MAP_GROWSDOWN)
            return VS_EINVAL;
        return 0;
    default: return VS_EINVAL;
    }
}

/* The anonymous branch: only MAP_SHARED or MAP_PRIVATE. */
static int anonymous_flags(uint32_t flags, VsVmFlags *vm_flags)
{
    switch (flags & VS_MAP_TYPE) {
    case VS_MAP_SHARED:
        if (flags & VS_MAP_GROWSDOWN)
            return VS_EINVAL;
        *vm_flags |= VS_VM_SHARED | VS_VM_MAYSHARE;
        return 0;
    case VS_MAP_PRIVATE: return 0;
    default: return VS_EINVAL;
    }
}

/* Faults the pages of one VMA in [start_vpn, end_vpn] in (populate_vma_page_range): a private
 * writable mapping with write faults, anything else with read faults; nothing in a VMA locked on
 * fault, whose pages lock as they come. The faults are get_user_pages' data accesses from the
 * process itself, so a protection key the calling thread's PKRU denies refuses them all
 * (check_vma_flags, arch_vma_access_permitted). *budget is how many pages the call may still
 * fault in. 0, or
 * ENOMEM at the first page that cannot be had (a PROT_NONE VMA, a file page past the end:
 * get_user_pages' EFAULT, which mlock turns into ENOMEM). */
static int populate_vma(VsThread *thread, const VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                        uint64_t *budget)
{
    VsProcess *process = thread->process;
    VsVmFlags vm_flags = vs_vma(vad)->vm_flags;
    bool write = (vm_flags & (VS_VM_WRITE | VS_VM_SHARED)) == VS_VM_WRITE;
    if (vm_flags & VS_VM_LOCKONFAULT)
        return 0;
    if (vs_vma_pkey_denies(thread, vad, write))
        return VS_ENOMEM;
    for (uint64_t vpn = start_vpn; vpn <= end_vpn && *budget; vpn++, --*budget)
        if (!NT_SUCCESS(vs_fault_in(process, vpn, write)))
            return VS_ENOMEM;
    return 0;
}

/*
 * Faults every page of the VMAs in [start_vpn, end_vpn] in (__mm_populate), VMA by VMA; holes are
 * passed over. MAP_POPULATE, MAP_LOCKED and mlockall ignore errors (a VMA that fails is left as
 * far as it got); mlock stops at the first, and fails. The model also stops once it has faulted in
 * as many pages as RAM and the page file hold: further faults could only push out pages this call
 * brought in (a file's, which Linux would go on reading), so a mapping larger than memory costs
 * what memory holds. 0 or ENOMEM.
 */
int vs_vma_populate(VsThread *thread, uint64_t start_vpn, uint64_t end_vpn, bool ignore_errors)
{
    VsProcess *process = thread->process;
    const VsSystem *system = process->system;
    uint64_t budget = system->pfn.count + system->pagefile.slots - 1;
    for (uint64_t vpn = start_vpn; vpn <= end_vpn && budget;) {
        const VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
        if (!vad)
            vad = vs_vad_find_above(&process->vad_root, vpn);
        if (!vad || vad->starting_vpn > end_vpn)
            break;
        vpn = vs_max(vpn, vad->starting_vpn);
        uint64_t stop = vs_min(end_vpn, vad->ending_vpn);
        int error = populate_vma(thread, vad, vpn, stop, &budget);
        if (error && !ignore_errors)
            return error;
        if (stop == UINT64_MAX)
            break;
        vpn = stop + 1;
    }
    return 0;
}

/* The pages of [start_vpn, start_vpn + pages) some VMA maps: those a MAP_FIXED mapping replaces,
 * which __mmap_region counts off the new mapping's before RLIMIT_DATA's check, whatever they are.
 */
static uint64_t mapped_pages(VsProcess *process, uint64_t start_vpn, uint64_t pages)
{
    uint64_t count = 0, end_vpn = start_vpn + pages - 1;
    const VsVad *vad = vs_vad_locate(&process->vad_root, start_vpn);
    if (!vad)
        vad = vs_vad_find_above(&process->vad_root, start_vpn);
    for (; vad && vad->starting_vpn <= end_vpn; vad = vs_vad_next(vad))
        count += vs_min(end_vpn, vad->ending_vpn) - vs_max(start_vpn, vad->starting_vpn) + 1;
    return count;
}

/* What mmap_region builds: the pages a shared anonymous mapping or a file shares, the VMA, its
 * charge, and the merge with neighbours. Returns the VMA's first page, or an errno. */
static int map_region(VsThread *thread, uint64_t start_vpn, uint64_t pages, VsVmFlags vm_flags,
                      VsOpenFile *open, uint64_t pgoff, uint32_t flags)
{
    VsFile *file = open ? open->file : NULL;
    VsProcess *process = thread->process;
    VsSystem *system = process->system;
    bool hugetlb = vm_flags & VS_VM_HUGETLB;
    if (hugetlb && !(vm_flags & VS_VM_NORESERVE))
        return VS_ENOMEM; /* hugetlb_reserve_pages: no huge page to reserve */
    if (hugetlb)
        vm_flags &= ~(VsVmFlags)VS_VM_LOCKED_MASK; /* never locked, nor counted */
    if (!vs_may_expand_data(process, vm_flags, pages - mapped_pages(process, start_vpn, pages)))
        return VS_ENOMEM; /* RLIMIT_DATA (datalimit.c) */
    if (flags & VS_MAP_FIXED) {
        int error = vs_do_munmap(process, start_vpn, start_vpn + pages - 1);
        if (error)
            return error;
    }
    bool accountable = (vm_flags & (VS_VM_NORESERVE | VS_VM_SHARED | VS_VM_WRITE)) == VS_VM_WRITE;
    bool shared_anonymous = !file && !hugetlb && (vm_flags & VS_VM_SHARED);
    if ((accountable || (shared_anonymous && !(vm_flags & VS_VM_NORESERVE))) &&
        !vs_vm_enough_memory(system, pages))
        return VS_ENOMEM;
    if (accountable)
        vm_flags |= VS_VM_ACCOUNT;
    if (hugetlb) {
        if (!(file = vs_hugetlb_file_create(system)))
            return VS_ENOMEM;
    } else if (shared_anonymous) {
        file = vs_shmem_file_create(system, VS_FILE_DEV_ZERO, "dev/zero");
        if (!file)
            return VS_ENOMEM;
        file->size = vs_vpn_address(pages);
        pgoff = 0;
    }
    VsSection *section = file ? vs_file_mapping_cache(system, file, pgoff, pages) : NULL;
    if (file && !section)
        return VS_ENOMEM;
    VsVma *vma = vs_vma_alloc(process, start_vpn, start_vpn + pages - 1, vm_flags, section, file,
                              file ? pgoff : start_vpn);
    if (!vma)
        return VS_ENOMEM;
    vma->vm_file = open;
    if (shared_anonymous || hugetlb)
        vs_shmem_file_put(system, file); /* nothing but its mapping keeps it now */
    vs_vad_insert(&process->vad_root, &vma->mapped.core);
    vs_emit_range(process, VS_EV_VAD_INSERTED, start_vpn, start_vpn + pages - 1);
    vs_vma_charge(process, &vma->mapped.core);
    if (vs_vma_pkey(&vma->mapped.core))
        vs_vma_emit_pkey(process, &vma->mapped.core);
    vs_vma_try_merge(process, &vma->mapped.core);
    if ((vm_flags & VS_VM_LOCKED) ||
        (flags & (VS_MAP_POPULATE | VS_MAP_NONBLOCK)) == VS_MAP_POPULATE)
        vs_vma_populate(thread, start_vpn, start_vpn + pages - 1, true);
    return 0;
}

/* Private anonymous memory with vm_flags over [start_vpn, start_vpn + pages), where no VMA is
 * (brk.c's do_brk_flags): 0 or an errno. */
int vs_map_anonymous(VsThread *thread, uint64_t start_vpn, uint64_t pages, VsVmFlags vm_flags)
{
    return map_region(thread, start_vpn, pages, vm_flags, NULL, 0, VS_MAP_FIXED);
}

uint64_t vs_mmap(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot, uint32_t flags,
                 int64_t fd, uint64_t offset)
{
    if (!vs_linux_call(thread))
        return VS_MAP_FAILED;
    VsProcess *process = thread->process;
    if (offset & (VS_PAGE_SIZE - 1))
        return fail(thread, VS_EINVAL);
    VsOpenFile *open = NULL;
    if (!(flags & VS_MAP_ANONYMOUS) && !(open = vs_fd_open_file(thread, fd)))
        return fail(thread, VS_EBADF);
    VsFile *file = open ? open->file : NULL;
    uint32_t mode = open ? open->mode : VS_O_RDWR;
    bool hugetlb = flags & VS_MAP_HUGETLB;
    if (hugetlb && file)
        return fail(thread, VS_EINVAL); /* only a hugetlbfs file may be mapped so */
    if (hugetlb)
        length = vs_hugetlb_length(length);
    if (length == 0)
        return fail(thread, VS_EINVAL);
    if (flags & VS_MAP_FIXED_NOREPLACE)
        flags |= VS_MAP_FIXED;
    if (!(flags & VS_MAP_FIXED)) { /* round_hint_to_min */
        address = vs_page_down(address);
        if (address && address < process->system->layout->lowest_user_address)
            address = process->system->layout->lowest_user_address;
    }
    uint64_t rounded = (length + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    if (rounded == 0)
        return fail(thread, VS_ENOMEM);
    uint64_t pages = vs_vpn(rounded), pgoff = vs_vpn(offset);
    if (pgoff + pages < pgoff)
        return fail(thread, VS_EOVERFLOW);
    if (process->vad_root.count > VS_MAX_MAP_COUNT)
        return fail(thread, VS_ENOMEM);
    bool thp = wants_thp_alignment(process->system, file, address, flags, pgoff, pages);
    uint64_t start_vpn;
    int error = unmapped_area(process, address, rounded, flags, thp && !hugetlb, hugetlb,
                              file ? pgoff : 0, &start_vpn);
    if (error)
        return fail(thread, error);
    if ((flags & VS_MAP_FIXED_NOREPLACE) &&
        vs_vad_find_conflict(&process->vad_root, start_vpn, start_vpn + pages - 1))
        return fail(thread, VS_EEXIST);
    VsVmFlags vm_flags = initial_flags(thread, prot, flags);
    if ((flags & VS_MAP_LOCKED) && !vs_rlimit_memlock(process))
        return fail(thread, VS_EPERM); /* can_do_mlock: RLIMIT_MEMLOCK 0 */
    if (!vs_mlock_future_ok(process, vm_flags, pages))
        return fail(thread, VS_EAGAIN);
    if (hugetlb) /* a file of its own, which the caller may read and write */
        vm_flags |= VS_VM_HUGETLB;
    error = file || hugetlb ? file_flags(flags, prot, mode, pgoff, pages, &vm_flags)
                            : anonymous_flags(flags, &vm_flags);
    if (!error)
        error = map_region(thread, start_vpn, pages, vm_flags, open, pgoff, flags);
    if (error)
        return fail(thread, error);
    return vs_vpn_address(start_vpn);
}

/* ---- munmap ---------------------------------------------------------------------------------- */

/*
 * Unmaps [start_vpn, end_vpn] (do_vmi_munmap): whatever VMAs are there go, cut at the ends; holes
 * are fine. A range that runs past TASK_SIZE is refused whole (EINVAL): a shrinking mremap whose
 * old size reaches past user space meets it (measured on 6.18). A sealed VMA in the range refuses
 * it all (EPERM), though the split at its start is made first. Only a cut in the middle of one
 * VMA, which leaves one VMA more, is refused at the max_map_count limit (ENOMEM). munmap never
 * merges what is left on either side.
 */
int vs_do_munmap(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    if (end_vpn >= vs_vpn(process->system->layout->highest_user_address + 1))
        return VS_EINVAL;
    VsVad *vad = vs_vad_locate(&process->vad_root, start_vpn);
    if (vad && vad->starting_vpn < start_vpn && vad->ending_vpn > end_vpn &&
        process->vad_root.count >= VS_MAX_MAP_COUNT)
        return VS_ENOMEM;
    if (vs_vma_sealed_in(process, start_vpn, end_vpn)) {
        /* mseal.c: nothing is unmapped, but an unsealed VMA the range starts inside was split
         * there before the seal was met, and stays split (vms_gather_munmap_vmas). */
        if (vad && vad->starting_vpn < start_vpn && !(vs_vma(vad)->vm_flags & VS_VM_SEALED))
            vs_vma_split(process, vad, start_vpn);
        return VS_EPERM;
    }
    int error = vs_vma_isolate(process, start_vpn, end_vpn, false);
    if (error)
        return error;
    vs_vma_unmap_range(process, start_vpn, end_vpn);
    return 0;
}

int vs_munmap(VsThread *thread, uint64_t address, uint64_t length)
{
    if (!vs_linux_call(thread))
        return -1;
    uint64_t task_size = thread->process->system->layout->highest_user_address + 1;
    if ((address & (VS_PAGE_SIZE - 1)) || address > task_size || length == 0 ||
        length > task_size - address) {
        vs_set_errno(thread, VS_EINVAL);
        return -1;
    }
    uint64_t rounded = (length + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    int error = vs_do_munmap(thread->process, vs_vpn(address), vs_vpn(address + rounded) - 1);
    if (error)
        return vs_linux_fail(thread, error);
    return 0;
}
