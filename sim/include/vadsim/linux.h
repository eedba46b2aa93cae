/*
 * vadsim/linux.h - the Linux personality's calls: mmap and friends, the descriptor calls, fork,
 * and what /proc/PID/maps, smaps and pagemap say. Included by vadsim.h.
 *
 * A system made with the Linux personality (VsSystemConfig.personality = vs_linux_personality(),
 * on x64; a scenario's `system linux-x64`) runs Linux's memory calls over the same core: a VMA
 * (vm_area_struct) is a node of the same AVL tree a VAD is (Linux keeps VMAs in a maple tree since
 * 6.1, and in an augmented red-black tree before it, the idea the VAD tree's free gaps borrow),
 * anonymous memory faults in through the same page tables and PFN database, and every file, memfd,
 * POSIX shared-memory object and shared anonymous mapping is a file whose page cache is a section
 * with prototype PTEs. The calls take C's arguments and return C's results; errno is the Linux
 * thread's own (vs_errno reads it), apart from the last error a Win32 call leaves. Constants
 * keep their Linux names and x86_64 values. The code is in sim/linux/, a file per call or concept
 * (mmap.c, mprotect.c, madvise.c, mremap.c, msync.c, mincore.c, shmem.c, fork.c, ...), and reaches
 * the NT core through the hooks it gives it (sim/personality.h), as WSL1's lxcore.sys did NT.
 */
#ifndef VADSIM_LINUX_H
#define VADSIM_LINUX_H

#include "vadsim/nt.h"

/* XX(name, value): mmap, mprotect, madvise, msync, mremap, mlock2, mlockall, setrlimit,
 * memfd_create and open arguments. */
#define VS_LINUX_FLAG_MAP(XX)                                                                      \
    XX(PROT_NONE, 0x0u)                                                                            \
    XX(PROT_READ, 0x1u)                                                                            \
    XX(PROT_WRITE, 0x2u)                                                                           \
    XX(PROT_EXEC, 0x4u)                                                                            \
    XX(PROT_SEM, 0x8u)                                                                             \
    XX(PROT_GROWSDOWN, 0x01000000u)                                                                \
    XX(PROT_GROWSUP, 0x02000000u)                                                                  \
    XX(MAP_SHARED, 0x01u)                                                                          \
    XX(MAP_PRIVATE, 0x02u)                                                                         \
    XX(MAP_SHARED_VALIDATE, 0x03u)                                                                 \
    XX(MAP_TYPE, 0x0Fu)                                                                            \
    XX(MAP_FIXED, 0x10u)                                                                           \
    XX(MAP_ANONYMOUS, 0x20u)                                                                       \
    XX(MAP_GROWSDOWN, 0x0100u)                                                                     \
    XX(MAP_DENYWRITE, 0x0800u)                                                                     \
    XX(MAP_EXECUTABLE, 0x1000u)                                                                    \
    XX(MAP_LOCKED, 0x2000u)                                                                        \
    XX(MAP_NORESERVE, 0x4000u)                                                                     \
    XX(MAP_POPULATE, 0x8000u)                                                                      \
    XX(MAP_NONBLOCK, 0x10000u)                                                                     \
    XX(MAP_STACK, 0x20000u)                                                                        \
    XX(MAP_HUGETLB, 0x40000u)                                                                      \
    XX(MAP_SYNC, 0x80000u)                                                                         \
    XX(MAP_FIXED_NOREPLACE, 0x100000u)                                                             \
    XX(MADV_NORMAL, 0u)                                                                            \
    XX(MADV_RANDOM, 1u)                                                                            \
    XX(MADV_SEQUENTIAL, 2u)                                                                        \
    XX(MADV_WILLNEED, 3u)                                                                          \
    XX(MADV_DONTNEED, 4u)                                                                          \
    XX(MADV_FREE, 8u)                                                                              \
    XX(MADV_REMOVE, 9u)                                                                            \
    XX(MADV_DONTFORK, 10u)                                                                         \
    XX(MADV_DOFORK, 11u)                                                                           \
    XX(MADV_MERGEABLE, 12u)                                                                        \
    XX(MADV_UNMERGEABLE, 13u)                                                                      \
    XX(MADV_HUGEPAGE, 14u)                                                                         \
    XX(MADV_NOHUGEPAGE, 15u)                                                                       \
    XX(MADV_DONTDUMP, 16u)                                                                         \
    XX(MADV_DODUMP, 17u)                                                                           \
    XX(MADV_WIPEONFORK, 18u)                                                                       \
    XX(MADV_KEEPONFORK, 19u)                                                                       \
    XX(MADV_COLD, 20u)                                                                             \
    XX(MADV_PAGEOUT, 21u)                                                                          \
    XX(MADV_COLLAPSE, 25u)                                                                         \
    XX(MLOCK_ONFAULT, 1u)                                                                          \
    XX(MCL_CURRENT, 1u)                                                                            \
    XX(MCL_FUTURE, 2u)                                                                             \
    XX(MCL_ONFAULT, 4u)                                                                            \
    XX(RLIMIT_DATA, 2u)                                                                            \
    XX(CLONE_VM, 0x100u)                                                                           \
    XX(CLONE_FS, 0x200u)                                                                           \
    XX(CLONE_FILES, 0x400u)                                                                        \
    XX(CLONE_SIGHAND, 0x800u)                                                                      \
    XX(CLONE_THREAD, 0x10000u)                                                                     \
    XX(CLONE_SYSVSEM, 0x40000u)                                                                    \
    XX(CLONE_SETTLS, 0x80000u)                                                                     \
    XX(CLONE_PARENT_SETTID, 0x100000u)                                                             \
    XX(CLONE_CHILD_CLEARTID, 0x200000u)                                                            \
    XX(RLIMIT_MEMLOCK, 8u)                                                                         \
    XX(MS_ASYNC, 1u)                                                                               \
    XX(MS_INVALIDATE, 2u)                                                                          \
    XX(MS_SYNC, 4u)                                                                                \
    XX(MREMAP_MAYMOVE, 1u)                                                                         \
    XX(MREMAP_FIXED, 2u)                                                                           \
    XX(MREMAP_DONTUNMAP, 4u)                                                                       \
    XX(MFD_CLOEXEC, 1u)                                                                            \
    XX(MFD_ALLOW_SEALING, 2u)                                                                      \
    XX(MFD_HUGETLB, 4u)                                                                            \
    XX(MFD_NOEXEC_SEAL, 8u)                                                                        \
    XX(MFD_EXEC, 0x10u)                                                                            \
    XX(O_RDONLY, 0u)                                                                               \
    XX(O_WRONLY, 1u)                                                                               \
    XX(O_RDWR, 2u)                                                                                 \
    XX(O_ACCMODE, 3u)                                                                              \
    XX(O_CREAT, 0x40u)                                                                             \
    XX(O_EXCL, 0x80u)                                                                              \
    XX(O_TRUNC, 0x200u)                                                                            \
    XX(O_CLOEXEC, 0x80000u)                                                                        \
    XX(PKEY_DISABLE_ACCESS, 1u)                                                                    \
    XX(PKEY_DISABLE_WRITE, 2u)                                                                     \
    XX(SIGILL, 4u)                                                                                 \
    XX(SIGBUS, 7u)                                                                                 \
    XX(SIGSEGV, 11u)

/* XX(name, value): the errno values the calls return (asm-generic/errno-base.h, errno.h). */
#define VS_ERRNO_MAP(XX)                                                                           \
    XX(EPERM, 1)                                                                                   \
    XX(ENOENT, 2)                                                                                  \
    XX(ESRCH, 3)                                                                                   \
    XX(EBADF, 9)                                                                                   \
    XX(EAGAIN, 11)                                                                                 \
    XX(ENOMEM, 12)                                                                                 \
    XX(EACCES, 13)                                                                                 \
    XX(EFAULT, 14)                                                                                 \
    XX(EBUSY, 16)                                                                                  \
    XX(EEXIST, 17)                                                                                 \
    XX(ENODEV, 19)                                                                                 \
    XX(EINVAL, 22)                                                                                 \
    XX(EMFILE, 24)                                                                                 \
    XX(EFBIG, 27)                                                                                  \
    XX(ENOSPC, 28)                                                                                 \
    XX(ENAMETOOLONG, 36)                                                                           \
    XX(ENOSYS, 38)                                                                                 \
    XX(EOVERFLOW, 75)                                                                              \
    XX(EOPNOTSUPP, 95)

enum VsLinuxConstant {
#define VS_DEFINE_LINUX_CONSTANT(name, value) VS_##name = value,
    VS_LINUX_FLAG_MAP(VS_DEFINE_LINUX_CONSTANT) VS_ERRNO_MAP(VS_DEFINE_LINUX_CONSTANT)
#undef VS_DEFINE_LINUX_CONSTANT
};
#define VS_MAP_FAILED UINT64_MAX    /* (void *)-1 */
#define VS_RLIM_INFINITY UINT64_MAX /* RLIM_INFINITY: no limit */

/* Looks a constant up by its Linux name (PROT_, MAP_, MADV_, ..., E*, SIG*; MAP_FAILED,
 * RLIM_INFINITY). */
bool vs_linux_constant_lookup(const char *name, uint64_t *value);

/* The Linux personality, for VsSystemConfig.personality (it runs on VS_ARCH_X64), and whether a
 * system's processes are Linux ones. */
const VsPersonality *vs_linux_personality(void);
bool vs_is_linux(const VsSystem *system);
/* mm->mmap_base of every Linux process: a fixed one (ASLR off), 2 MB-aligned, with 1 GB of free
 * space above it; mmap without MAP_FIXED places top-down from here. */
#define VS_LINUX_MMAP_BASE 0x7F0000000000ull
/* mm->start_brk of every Linux process: where the break starts, the page after a small PIE's bss
 * as x86-64 loads it with randomisation off (setarch -R); brk.c. */
#define VS_LINUX_START_BRK 0x55555555B000ull
/* The main thread's stack as execve leaves it with randomisation off (stack.c): it ends at
 * VS_LINUX_STACK_TOP (STACK_TOP, TASK_SIZE less the guard page above) and is
 * VS_LINUX_STACK_INITIAL long (a page of arguments and stack_expand's 128 KB); mm->start_stack,
 * where argc sits, is VS_LINUX_START_STACK, in its top page. */
#define VS_LINUX_STACK_TOP 0x7FFFFFFFF000ull
#define VS_LINUX_STACK_INITIAL 0x21000ull
#define VS_LINUX_START_STACK 0x7FFFFFFFEE20ull

/* The calls. Each returns what the C library call returns: an address or VS_MAP_FAILED, 0 or -1, a
 * descriptor or -1; on failure errno (vs_errno) says why. A NULL vector or name is a bad pointer
 * (EFAULT). See each file for the rules, in the order the kernel checks them. */
int vs_errno(const VsThread *thread);
uint64_t vs_mmap(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot, uint32_t flags,
                 int64_t fd, uint64_t offset);
int vs_munmap(VsThread *thread, uint64_t address, uint64_t length);
int vs_mprotect(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot);
int vs_madvise(VsThread *thread, uint64_t address, uint64_t length, uint32_t advice);
uint64_t vs_mremap(VsThread *thread, uint64_t old_address, uint64_t old_size, uint64_t new_size,
                   uint32_t flags, uint64_t new_address);
int vs_msync(VsThread *thread, uint64_t address, uint64_t length, uint32_t flags);
/* vec gets one byte per page (bit 0: resident); vec_length bytes are room for that many pages. */
int vs_mincore(VsThread *thread, uint64_t address, uint64_t length, uint8_t *vec,
               uint64_t vec_length);
/* mlock.c: locking pages in memory. mlock2's flags are 0 or MLOCK_ONFAULT, mlockall's MCL_*.
 * setrlimit takes RLIMIT_MEMLOCK and RLIMIT_DATA (the limits the model keeps per process:
 * datalimit.c for the second) and sets the soft limit in bytes (RLIM_INFINITY: none); the hard
 * limit stays RLIM_INFINITY. A process starts without limits, as the POSIX agent runs, and without
 * CAP_IPC_LOCK, which the agent drops. */
int vs_mlock(VsThread *thread, uint64_t address, uint64_t length);
int vs_mlock2(VsThread *thread, uint64_t address, uint64_t length, uint32_t flags);
int vs_munlock(VsThread *thread, uint64_t address, uint64_t length);
int vs_mlockall(VsThread *thread, uint32_t flags);
int vs_munlockall(VsThread *thread);
int vs_setrlimit(VsThread *thread, uint32_t resource, uint64_t limit);
/* brk.c: the raw brk system call (the new break, or the old one when refused; brk(0) asks) and
 * glibc's sbrk on it (the old break, or VS_MAP_FAILED with ENOMEM); the start and the break now. */
uint64_t vs_brk(VsThread *thread, uint64_t address);
uint64_t vs_sbrk(VsThread *thread, int64_t increment);
uint64_t vs_start_brk(const VsProcess *process);
uint64_t vs_current_brk(const VsProcess *process);
/* stack.c: gives the thread's process the main thread's stack execve makes, [stack]: 0, or EEXIST
 * when something is mapped there, ENOMEM. The scenario runner does it for every Linux process it
 * makes; a process vs_process_create made has none until then. */
int vs_linux_exec_stack(VsThread *thread);
/* mseal.c: seals the VMAs of a range for good (flags must be 0); sealed, they refuse munmap,
 * mmap over them, mprotect, mremap and discarding advice on read-only anonymous memory (EPERM). */
int vs_mseal(VsThread *thread, uint64_t address, uint64_t length, uint64_t flags);
/* pkey.c: protection keys, as the machine's CPU has them (execonly=pkey: 16 per process, key 0
 * allocated from the start; none: pkey_alloc is EINVAL once and then ENOSPC, pkey_free and
 * pkey_mprotect with a key EINVAL, as the kernel there). pkey_alloc(flags 0, access rights
 * PKEY_DISABLE_ACCESS|PKEY_DISABLE_WRITE) returns the key and gives the calling thread those
 * rights for it; pkey_mprotect is mprotect that gives the VMAs pkey (-1: mprotect's own rule).
 * pkey_set and pkey_get are glibc's: they write and read the thread's PKRU (WRPKRU, RDPKRU),
 * and *signal gets SIGILL on a CPU without keys, where those instructions do not exist. */
int vs_pkey_alloc(VsThread *thread, uint64_t flags, uint64_t access_rights);
int vs_pkey_free(VsThread *thread, int32_t pkey);
int vs_pkey_mprotect(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot,
                     int32_t pkey);
int vs_pkey_set(VsThread *thread, int32_t pkey, uint32_t rights, uint32_t *signal);
int vs_pkey_get(VsThread *thread, int32_t pkey, uint32_t *signal);
/* A process's protection keys: whether its CPU has them, the keys allocated (bit k: key k; key 0
 * from the start where there are keys, and for good after the first pkey_alloc where there are
 * not), and its execute-only key (-1: none yet; 0 on a CPU without keys). */
typedef struct VsPkeyState {
    bool keys;
    uint32_t allocated;
    int32_t execute_only;
} VsPkeyState;
void vs_pkey_state(const VsProcess *process, VsPkeyState *out);
/* process_vm.c: process_vm_readv and process_vm_writev with one iovec each side (local, length)
 * and (remote, length): the bytes copied, or -1. */
int64_t vs_process_vm_readv(VsThread *thread, int64_t pid, uint64_t local, uint64_t remote,
                            uint64_t length, uint64_t flags);
int64_t vs_process_vm_writev(VsThread *thread, int64_t pid, uint64_t local, uint64_t remote,
                             uint64_t length, uint64_t flags);
int vs_memfd_create(VsThread *thread, const char *name, uint32_t flags);
int vs_shm_open(VsThread *thread, const char *name, uint32_t oflag, uint32_t mode);
int vs_shm_unlink(VsThread *thread, const char *name);
/* open(2) of a file the scenario declared (vs_file_create): O_RDONLY, O_WRONLY or O_RDWR, with
 * O_CREAT, O_EXCL, O_TRUNC. */
int vs_open(VsThread *thread, const char *name, uint32_t flags);
int vs_ftruncate(VsThread *thread, int64_t fd, int64_t length);
int vs_close(VsThread *thread, int64_t fd);
/* fork(2): a child process with a copy of the caller's address space (private pages shared
 * copy-on-write, shared ones shared) and descriptors; returns its pid, or -1. *child gets it. */
int64_t vs_fork(VsThread *thread, VsProcess **child);
/* clone(flags, stack) making a thread: CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, with any of
 * CLONE_FS, CLONE_FILES, CLONE_SYSVSEM, CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID
 * (glibc's pthread_create passes them all); the new thread shares the caller's address space and
 * starts on stack, which the kernel does not check. Returns its thread id, or -1: EINVAL for
 * CLONE_THREAD without CLONE_SIGHAND or CLONE_SIGHAND without CLONE_VM, as the kernel; ENOSYS for
 * any other clone, which the model does not make (a new process: fork). *out gets the thread. */
int64_t vs_clone(VsThread *thread, uint64_t flags, uint64_t stack, VsThread **out);
/* A memory access's Linux signal: SIGSEGV for STATUS_ACCESS_VIOLATION, SIGBUS for
 * STATUS_IN_PAGE_ERROR (a file page wholly past the end of the file), 0 for success. */
uint32_t vs_signal_of(VsStatus status);

/* vm.max_map_count as the model enforces it: the default, 65530 (mm.h DEFAULT_MAX_MAP_COUNT). */
#define VS_MAX_MAP_COUNT 65530

/* One line of /proc/PID/maps (show_map_vma): what a VMA is. */
typedef struct VsVmaInfo {
    uint64_t start, end;    /* [start, end) */
    bool read, write, exec; /* VM_READ, VM_WRITE, VM_EXEC */
    bool may_share;         /* VM_MAYSHARE: 's' in the permissions, else 'p' */
    bool grows_down;        /* VM_GROWSDOWN: a stack mapped MAP_GROWSDOWN (smaps' "gd") */
    uint64_t offset;        /* vm_pgoff * page size for a file (shmem included), 0 if none */
    uint32_t dev_major, dev_minor;
    uint64_t inode;
    char name[80];           /* the path column: "" for anonymous memory */
    uint64_t vm_flags;       /* the model's VM_* bits (vma.c), for the curious */
    uint32_t anon_vma;       /* the anon_vma the VMA's private pages hang on (0: none yet) */
    uint32_t pkey;           /* its protection key (smaps' ProtectionKey): 0, pkey_mprotect's,
                              * or the process's execute-only key (CPUs with keys only) */
    bool pkeys;              /* the machine has protection keys (smaps shows ProtectionKey) */
    uint64_t resident_pages; /* pages of this VMA a PTE maps now */
} VsVmaInfo;

/* The first VMA that ends above address (find_vma), or false when there is none. */
bool vs_vma_find(const VsProcess *process, uint64_t address, VsVmaInfo *out);
/* Writes the maps line of a VMA (without the newline) into buf; returns buf. */
const char *vs_vma_maps_line(const VsVmaInfo *vma, char *buf, size_t len);
/* Writes smaps' VmFlags for a VMA ("rd wr mr mw me ac": the flags the model keeps) into buf;
 * returns buf. */
const char *vs_vma_smaps_flags(const VsVmaInfo *vma, char *buf, size_t len);
/* The counters of /proc/PID/smaps the model keeps for one VMA, in kB as smaps prints them
 * (fs/proc/task_mmu.c smaps_account): Rss counts the pages its PTEs map but the shared zero page,
 * which a read of untouched private anonymous memory maps; Pss shares each page among the PTEs
 * mapping it; Anonymous counts the private pages (a private file mapping's written copies too, not
 * shmem); LazyFree the anonymous pages MADV_FREE let go and nothing wrote since; AnonHugePages the
 * anonymous memory a PMD maps (transparent huge pages: thp.c); Locked the Pss of a
 * VM_LOCKED VMA. */
typedef struct VsSmaps {
    uint64_t size, rss, pss, anonymous, lazy_free, anon_huge_pages, locked;
    bool vm_locked;     /* VmFlags "lo": VM_LOCKED (mlock, MAP_LOCKED, mlockall) */
    bool lock_on_fault; /* VmFlags "lf": VM_LOCKONFAULT (MLOCK_ONFAULT, MCL_ONFAULT) */
    bool sealed;        /* VmFlags "sl": VM_SEALED (mseal) */
} VsSmaps;
/* The smaps counters of the VMA holding address; false when none does. */
bool vs_vma_smaps(const VsProcess *process, uint64_t address, VsSmaps *out);
/* The same as a scenario reads it, in the thread's process: 0, or -1 with errno ENOENT when no VMA
 * holds address (as reading smaps finds no such entry). */
int vs_smaps(VsThread *thread, uint64_t address, VsSmaps *out);
/* RLIMIT_MEMLOCK's and RLIMIT_DATA's soft limits in bytes (VS_RLIM_INFINITY: none). */
uint64_t vs_rlimit_memlock(const VsProcess *process);
uint64_t vs_rlimit_data(const VsProcess *process);
/* The process's VmLck (/proc/PID/status): pages of its VM_LOCKED VMAs, in kB. */
uint64_t vs_locked_vm_kb(const VsProcess *process);

/* /proc/PID/pagemap's entry for the page at address (pagemap.rst): bit 63 present, bit 61 a file
 * or shared page, bit 56 mapped exclusively, bits 0-54 the frame number. */
uint64_t vs_pagemap_entry(const VsProcess *process, uint64_t address);
#define VS_PAGEMAP_PRESENT (1ull << 63)
#define VS_PAGEMAP_FILE_SHARED (1ull << 61)
#define VS_PAGEMAP_EXCLUSIVE (1ull << 56)
#define VS_PAGEMAP_PFN_MASK ((1ull << 55) - 1)

#endif /* VADSIM_LINUX_H */
