/*
 * linux.h - what the files of the Linux personality (sim/linux/) share: the VMA, the personality's
 * hooks and the functions its calls are built from.
 *
 * The personality sees the NT core's internals through internal.h, as lxcore.sys saw NT's through
 * the kernel's exports, and reaches the core only through them and the hooks it gives the core
 * (personality.h). Nothing in the core includes this header.
 */
#ifndef VS_LINUX_INTERNAL_H
#define VS_LINUX_INTERNAL_H

#include "internal.h"
#include "vadsim/linux.h"

/* ---- What Linux keeps of the core's objects (personality.c) ---------------------------------- */

/* What a Linux file is, for its /proc/PID/maps line (the model's files are all one kind to
 * Windows). Everything but a regular file lives on shmem (mm/shmem.c), or hugetlbfs. */
typedef enum VsFileKind {
    VS_FILE_REGULAR,  /* a file the scenario declared or created (0: every core-made file) */
    VS_FILE_MEMFD,    /* memfd_create: "/memfd:NAME (deleted)", on the internal shmem mount */
    VS_FILE_SHM,      /* shm_open: "/dev/shm/NAME", on the tmpfs at /dev/shm */
    VS_FILE_DEV_ZERO, /* the shmem file behind one MAP_SHARED|MAP_ANONYMOUS mapping */
    VS_FILE_HUGETLB,  /* the hugetlbfs file behind one MAP_HUGETLB anonymous mapping (hugetlb.c) */
} VsFileKind;

/* A file as Linux sees it (struct inode): the core's file, its bytes and page cache, and what a
 * file system keeps of it besides. Every file of a Linux system is one (personality.c sizes). */
typedef struct VsLinuxFile {
    VsFile nt;
    VsFileKind kind;
    bool unlinked;  /* no name any more (shm_unlink; memfd and /dev/zero never had one) */
    uint32_t opens; /* open descriptors: with no mapping left either, a shmem file goes */
    uint64_t inode; /* the inode number maps shows (0 for a file the scenario declared) */
} VsLinuxFile;

/*
 * An open file description (struct file): what open, memfd_create and shm_open make. Descriptors
 * inherited through fork share it, and so does every VMA mapped through it (vm_file, kept by
 * splits, mremap and fork), which is why two mappings of one file opened twice never merge, and
 * why every mapping of one open shares its read-ahead state (readahead.c). The system keeps every
 * one until it ends (the kernel frees one at its last reference; a scenario opens few).
 */
typedef struct VsOpenFile {
    VsFile *file;
    uint32_t mode;      /* O_RDONLY, O_WRONLY or O_RDWR */
    uint32_t mmap_miss; /* f_ra.mmap_miss: page-cache misses of faults less hits (readahead.c) */
} VsOpenFile;

/* A Linux process: the core's (EPROCESS, whose PicoContext this is), its descriptor table
 * (files_struct: fds[i] is descriptor i, NULL where free), and what mlock.c keeps of it. */
typedef struct VsLinuxProcess {
    VsProcess nt;
    VsOpenFile **fds;
    size_t fd_count;
    uint64_t memlock_limit;    /* RLIMIT_MEMLOCK's soft limit in bytes, kept as its distance from
                                * RLIM_INFINITY (~limit), so that 0, a new process's, means none */
    uint64_t def_flags;        /* mm->def_flags: VM_LOCKED and VM_LOCKONFAULT after
                                * mlockall(MCL_FUTURE), given to every new mapping (mlock.c) */
    uint64_t brk;              /* mm->brk, the program break (brk.c); 0: still start_brk */
    uint64_t data_limit;       /* RLIMIT_DATA's soft limit in bytes, kept as memlock_limit is
                                * (datalimit.c) */
    uint32_t pkey_map;         /* mm->context.pkey_allocation_map, kept as its difference (XOR)
                                * from a new process's, so that 0 is one (pkey.c) */
    uint32_t execute_only_key; /* mm->context.execute_only_pkey + 1 on a CPU with keys: 0 until
                                * PROT_EXEC alone first needs one (pkey.c) */
} VsLinuxProcess;

/* A Linux thread: the core's (ETHREAD and its PicoContext), its errno, which the C library
 * keeps per thread (a thread's last error, in the TEB, is the Win32 layer's, never errno), and
 * its PKRU register, kept as its difference (XOR) from init_pkru_value, so that 0 is a new
 * thread's (pkey.c). */
typedef struct VsLinuxThread {
    VsThread nt;
    int error;
    uint32_t pkru;
} VsLinuxThread;

/* What Linux keeps machine-wide, besides the core's system. */
typedef struct VsLinuxSystem {
    VsSystem nt;
    uint32_t next_anon_vma;  /* anon_vma identities handed out so far */
    uint64_t next_inode;     /* inode numbers of new files handed out so far */
    VsOpenFile **open_files; /* every open file description made, freed at the end */
    size_t open_file_count;
} VsLinuxSystem;

/* The personality's view of the core's objects of a Linux system (made at these sizes). */
static inline VsLinuxSystem *vs_linux_system(const VsSystem *system)
{
    return (VsLinuxSystem *)system;
}
static inline VsLinuxProcess *vs_linux_process(const VsProcess *process)
{
    return (VsLinuxProcess *)process;
}
static inline VsLinuxThread *vs_linux_thread(const VsThread *thread)
{
    return (VsLinuxThread *)thread;
}
static inline VsLinuxFile *vs_linux_file(const VsFile *file) { return (VsLinuxFile *)file; }
static inline VsFileKind vs_file_kind(const VsFile *file) { return vs_linux_file(file)->kind; }

/* The machine's facts as the personality reads them from the system's configuration: a file's
 * read-ahead window in pages (file_ra_state.ra_pages), the largest regular file (s_maxbytes),
 * whether mappings of regular files are never 2 MB-aligned, whether the CPU has protection keys. */
uint64_t vs_readahead_pages(const VsSystem *system);
uint64_t vs_file_max_bytes(const VsSystem *system);
static inline bool vs_files_unaligned(const VsSystem *system)
{
    return system->config.files_unaligned;
}
static inline bool vs_has_pkeys(const VsSystem *system) { return system->config.execute_only_pkey; }

/* ---- VMAs (vma.c) ---------------------------------------------------------------------------- */

/* Linux's vm_area_struct.vm_flags: 64 bits, as on every 64-bit kernel (the protection key is in
 * the upper half). */
typedef uint64_t VsVmFlags;

/* vm_area_struct.vm_flags the model keeps (include/linux/mm.h values). */
enum {
    VS_VM_READ = 0x1,
    VS_VM_WRITE = 0x2,
    VS_VM_EXEC = 0x4,
    VS_VM_SHARED = 0x8,
    VS_VM_MAYREAD = 0x10,
    VS_VM_MAYWRITE = 0x20,
    VS_VM_MAYEXEC = 0x40,
    VS_VM_MAYSHARE = 0x80,
    VS_VM_GROWSDOWN = 0x100,
    VS_VM_LOCKED = 0x2000,
    VS_VM_SEQ_READ = 0x8000,
    VS_VM_RAND_READ = 0x10000,
    VS_VM_DONTCOPY = 0x20000,
    VS_VM_LOCKONFAULT = 0x80000,
    VS_VM_ACCOUNT = 0x100000,
    VS_VM_NORESERVE = 0x200000,
    VS_VM_HUGETLB = 0x400000,
    VS_VM_WIPEONFORK = 0x2000000,
    VS_VM_DONTDUMP = 0x4000000,
    VS_VM_HUGEPAGE = 0x20000000,
    VS_VM_NOHUGEPAGE = 0x40000000,
    VS_VM_MERGEABLE = 0x80000000u,
};
#define VS_VM_ACCESS_FLAGS (VS_VM_READ | VS_VM_WRITE | VS_VM_EXEC)
#define VS_VM_LOCKED_MASK (VS_VM_LOCKED | VS_VM_LOCKONFAULT)
/* VM_SEALED (mseal): bit 42, above the protection key; "sl" in smaps. */
#define VS_VM_SEALED ((VsVmFlags)1 << 42)
/* x86's protection key of a VMA: VM_PKEY_BIT0..3, bits 32-35 (VM_HIGH_ARCH_0..3). Being in
 * vm_flags, a key keeps VMAs that differ in it apart, follows split, fork and mremap, and is
 * shown only by smaps (ProtectionKey). Keys other than 0 exist on a CPU with protection keys
 * only: pkey_mprotect's, and the execute-only key PROT_EXEC alone gets (pkey.c). */
#define VS_VM_PKEY_SHIFT 32
#define VS_VM_PKEY_MASK ((VsVmFlags)0xf << VS_VM_PKEY_SHIFT)
#define VS_PKEY_COUNT 16u /* arch_max_pkey() on a CPU with keys (1 without) */

/*
 * A VMA (vm_area_struct): the long VAD the core maps its pages through, extended with what Linux
 * keeps of it, as MMVAD extends MMVAD_SHORT. The core's part (VsMappedVad) holds the page range
 * and protection, the section holding the pages the VMA shares (a file's page cache, or the pages
 * a fork left shared copy-on-write) and the index of its first page there (first_prototype: for a
 * file, vm_pgoff). Every VMA is one, private anonymous memory too (kind VS_VAD_PRIVATE, no section:
 * a MemCommit VAD whose zero PTEs are demand-zero pages); the core allocates its long VADs at the
 * size the personality declares (personality.c), and the core never reads past its own part.
 */
typedef struct VsVma {
    VsMappedVad mapped;
    VsVmFlags vm_flags;         /* VS_VM_*, and the protection key */
    uint64_t vm_pgoff;          /* vm_pgoff: for a file, the page of the file it starts at (its
                                 * section index, first_prototype, is the same); for private
                                 * anonymous memory, the virtual page it was made at, kept by
                                 * mremap and moved by splits, so neighbours can merge (its fork
                                 * section, if any, indexes pages its own way) */
    uint32_t anon_vma;          /* the anon_vma its private pages hang on (0: none yet) */
    bool anon_vma_chained;      /* its anon_vma is chained to a forked parent's (its
                                 * anon_vma_chain is not singular): it merges only with VMAs
                                 * of the same anon_vma, and lends it to none */
    struct VsOpenFile *vm_file; /* the open file it maps through (NULL: anonymous, or the shmem
                                 * file behind shared anonymous memory, which none opened) */
    VsFile *file;               /* the file whose pages it maps (vm_file's inode, or that shmem
                                 * file); NULL for anonymous memory */
} VsVma;

static inline VsVma *vs_vma(const VsVad *vad) { return (VsVma *)vad; }

/* The VMA's protection key (vma_pkey): 0, the default, or one pkey_mprotect or PROT_EXEC alone
 * gave it; each thread's PKRU says which loads and stores through it are allowed (pkey.c). */
static inline uint32_t vs_vma_pkey(const VsVad *vad)
{
    return (uint32_t)((vs_vma(vad)->vm_flags & VS_VM_PKEY_MASK) >> VS_VM_PKEY_SHIFT);
}
static inline uint64_t vs_vma_pages(const VsVad *vad)
{
    return (uint64_t)vad->ending_vpn - vad->starting_vpn + 1;
}
/* The VMA holds anonymous memory (private, not a file's): MAP_PRIVATE|MAP_ANONYMOUS, forked or
 * not. */
static inline bool vs_vma_is_anonymous(const VsVad *vad) { return !vs_vma(vad)->file; }
/* The file a Linux VMA maps, or NULL for anonymous memory. */
static inline VsFile *vs_vma_file(const VsVad *vad) { return vs_vma(vad)->file; }

/* ---- The functions the personality's files share, by file ------------------------------------ */

/* personality.c: errno (a Linux call in a Windows process, whose thread has none, is ENOSYS). */
bool vs_linux_call(VsThread *thread);
void vs_set_errno(VsThread *thread, int error);
int vs_linux_fail(VsThread *thread, int error);

/* fault.c and check.c: the hooks the core calls. */
VsStatus vs_linux_access(VsProcess *process, VsThread *thread, uint64_t vpn, VsAccess access,
                         uint64_t *frame);
bool vs_linux_view_page_private(const VsVad *vad, uint64_t vpn);
/* thp.c: transparent huge pages. The checker's hook; a fault's huge page (a load's: the huge zero
 * page); a store where the huge zero page or a huge page a fork shares is; splits of the huge page
 * holding vpn, of those a range cuts, of every one in a range, of the written ones advice cuts (0
 * or ENOMEM); MADV_FREE of whole ones, and whether one is lazily freed; a range's whole huge pages
 * re-protected as their VMA; the pages of a range that huge pages map. */
bool vs_linux_private_large_page(const VsVad *vad);
void vs_thp_fault(VsProcess *process, VsVad *vad, uint64_t vpn, bool write);
VsStatus vs_thp_store(VsProcess *process, VsVad *vad, uint64_t vpn);
int vs_thp_split_at(VsProcess *process, uint64_t vpn);
int vs_thp_split_edges(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
int vs_thp_split(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
int vs_thp_split_for_advice(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
void vs_thp_free_lazily(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
bool vs_thp_lazily_freed(const VsProcess *process, uint64_t vpn);
int vs_thp_collapse(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
/* The huge pages a range held before mremap split them: first pages, whether written, whether
 * shared by a fork (thp.c's HELD_ bits). */
typedef struct VsThpHeld {
    uint64_t *bases;
    size_t count;
} VsThpHeld;
int vs_thp_split_held(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, VsThpHeld *held);
void vs_thp_remake(VsProcess *process, VsThpHeld *held, uint64_t old_vpn, uint64_t new_vpn,
                   uint64_t pages);
void vs_thp_protect(VsProcess *process, const VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
uint64_t vs_thp_mapped_pages(const VsProcess *process, uint64_t start_vpn, uint64_t end_vpn,
                             bool written_only);
const char *vs_linux_check_vad(const VsProcess *process, const VsVad *vad);
uint64_t vs_linux_vad_commit(const VsVad *vad);

/* vma.c */
uint32_t vs_vma_mm_protection(const VsVad *vad);
VsVma *vs_vma_alloc(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, VsVmFlags vm_flags,
                    VsSection *section, VsFile *file, uint64_t pgoff);
void vs_vma_free(VsProcess *process, VsVad *vad);
void vs_vma_charge(VsProcess *process, VsVad *vad);
VsVad *vs_vma_split(VsProcess *process, VsVad *vad, uint64_t at_vpn);
VsVad *vs_vma_try_merge(VsProcess *process, VsVad *vad);
void vs_vma_set_flags(VsProcess *process, VsVad *vad, VsVmFlags vm_flags);
int vs_vma_isolate(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, bool check_count);
void vs_vma_unmap_range(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
bool vs_vma_beyond_eof(const VsVad *vad, uint64_t vpn);
bool vs_vma_extend_down(VsProcess *process, VsVad *vad, uint64_t grow);
void vs_vma_anon_prepare(VsProcess *process, VsVad *vad);
uint64_t vs_vma_prototype(const VsVad *vad, uint64_t vpn);

/* hugetlb.c */
bool vs_vma_is_hugetlb(const VsVad *vad);
uint64_t vs_hugetlb_length(uint64_t length);
bool vs_hugetlb_may_split(const VsVad *vad, uint64_t at_vpn);
int vs_hugetlb_area(VsProcess *process, uint64_t address, uint64_t pages, uint32_t flags,
                    uint64_t *start_vpn);
VsFile *vs_hugetlb_file_create(VsSystem *system);
int vs_hugetlb_mremap_check(const VsVad *vad, uint64_t old_address, uint64_t *old_size,
                            uint64_t *new_size);

/* clone.c */
bool vs_clone_share(VsProcess *parent, VsVad *vad);
bool vs_clone_join(VsProcess *process, VsVad *lower, VsVad *upper);
bool vs_clone_reach_down(VsProcess *process, VsVad *vad, uint64_t grow);
bool vs_clone_hide_grown(VsProcess *process, VsVad *vad, uint64_t first_vpn, uint64_t last_vpn);
bool vs_clone_take_alone(VsProcess *process, VsVad *vad, uint64_t vpn);
VsStatus vs_clone_huge_store(VsProcess *process, VsVad *vad, uint64_t base);
bool vs_clone_copy_huge(VsProcess *parent, const VsVad *vad, VsProcess *child, const VsVad *copy);

/* stack.c */
uint64_t vs_vma_start_gap(const VsVad *vad);
VsVad *vs_vma_for_fault(VsProcess *process, uint64_t vpn);
bool vs_vma_clear_of_gaps(const VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
bool vs_vma_is_initial_stack(const VsVad *vad);

/* pkey.c */
VsVmFlags vs_vma_pkey_for(VsThread *thread, const VsVad *vad, uint32_t prot, int32_t pkey);
bool vs_vma_pkey_denies(const VsThread *thread, const VsVad *vad, bool write);
bool vs_pkey_allocated(const VsProcess *process, int64_t pkey);
int32_t vs_mm_execute_only_pkey(const VsProcess *process);
void vs_vma_emit_pkey(VsProcess *process, const VsVad *vad);
void vs_pkey_fork(const VsThread *thread, VsProcess *child);
int vs_do_mprotect_pkey(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot,
                        int32_t pkey);

/* madvise.c: whether a private page was ever written (not Linux's shared zero page). */
bool vs_anon_page_written(const VsPfn *pfn, uint64_t pte);

/* zap.c and mincore.c */
void vs_vma_zap(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
void vs_vma_zap_file_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
bool vs_vma_page_resident(const VsProcess *process, const VsVad *vad, uint64_t vpn);
uint64_t vs_vma_resident_pages(const VsProcess *process, const VsVad *vad, uint64_t start_vpn,
                               uint64_t end_vpn, uint8_t *vec);

/* mlock.c */
uint64_t vs_memlock_limit_pages(const VsProcess *process);
bool vs_mlock_future_ok(const VsProcess *process, VsVmFlags vm_flags, uint64_t pages);

/* mseal.c: whether a VMA in [start_vpn, end_vpn] is sealed. */
bool vs_vma_sealed_in(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);

/* brk.c */
bool vs_vma_is_initial_heap(const VsProcess *process, const VsVad *vad);

/* datalimit.c: RLIMIT_DATA. Whether a mapping of vm_flags is data (private, writable, not a
 * stack); whether pages more of it fit the limit (may_expand_vm); whether a break does
 * (check_data_rlimit). */
bool vs_is_data_mapping(VsVmFlags vm_flags);
bool vs_may_expand_data(const VsProcess *process, VsVmFlags vm_flags, uint64_t pages);
bool vs_brk_within_data_limit(const VsProcess *process, uint64_t brk);

/* mmap.c and readahead.c */
int vs_map_anonymous(VsThread *thread, uint64_t start_vpn, uint64_t pages, VsVmFlags vm_flags);
int vs_vma_populate(VsThread *thread, uint64_t start_vpn, uint64_t end_vpn, bool ignore_errors);
bool vs_vm_enough_memory(const VsSystem *system, uint64_t pages);
bool vs_vma_place(VsProcess *process, uint64_t pages, bool thp_align, uint64_t pgoff,
                  uint64_t *start_vpn);
bool vs_get_unmapped_area(VsProcess *process, const VsFile *file, bool shared, uint64_t pgoff,
                          uint64_t pages, uint64_t *start_vpn);
int vs_do_munmap(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
void vs_readahead_fault(VsProcess *process, const VsVad *vad, uint64_t vpn, bool write);

/* fd.c, shmem.c, pagecache.c and truncate.c */
VsFile *vs_fd_file(VsThread *thread, int64_t fd, uint32_t *mode);
VsOpenFile *vs_fd_open_file(VsThread *thread, int64_t fd);
int vs_fd_install(VsThread *thread, VsFile *file, uint32_t mode);
uint64_t vs_new_inode(VsSystem *system);
VsFile *vs_shmem_file_create(VsSystem *system, VsFileKind kind, const char *name);
void vs_shmem_file_put(VsSystem *system, VsFile *file);
VsSection *vs_file_page_cache(VsSystem *system, VsFile *file, uint64_t pages);
VsSection *vs_file_mapping_cache(VsSystem *system, VsFile *file, uint64_t first, uint64_t pages);
void vs_file_punch(VsSystem *system, VsFile *file, uint64_t first_index, uint64_t last_index);
bool vs_file_truncate(VsSystem *system, VsFile *file, uint64_t size);

#endif /* VS_LINUX_INTERNAL_H */
