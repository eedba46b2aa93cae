/*
 * vadsim/nt.h - the NT core's calls: the machine, its processes and threads, and the native calls
 * (Nt*) of the memory manager, returning NTSTATUS.
 *
 * What a driver of the Windows model calls below the Win32 layer: the constants of winnt.h, the
 * system and its processes, the NT memory, section, file, locking and write-watch calls, the
 * machine's own work (the balance set manager, the zero page thread, the modified page writer),
 * memory accesses, and the names of the constants. A call is made by a simulated thread (VsThread),
 * as in Windows; process arguments are handles in the calling process's handle table,
 * NtCurrentProcess() (VS_CURRENT_PROCESS) naming the caller's own process. Pointers stand for the
 * caller's user buffers: a NULL one is the simulated equivalent of a bad pointer and fails with
 * STATUS_ACCESS_VIOLATION. Addresses are uint64_t on every architecture. Constants keep their
 * Windows names and values. Included by vadsim.h.
 */
#ifndef VADSIM_NT_H
#define VADSIM_NT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_status.h"

/* ---- Windows constants (winnt.h values) ------------------------------------------------------ */

/* XX(name, value): allocation types and memory states the model knows (AT_ROUND_TO_PAGE: a view
 * on any page boundary, native 32-bit Windows only; WRK calls it MEM_DOS_LIM). */
#define VS_MEM_FLAG_MAP(XX)                                                                        \
    XX(MEM_COMMIT, 0x00001000u)                                                                    \
    XX(MEM_RESERVE, 0x00002000u)                                                                   \
    XX(MEM_DECOMMIT, 0x00004000u)                                                                  \
    XX(MEM_RELEASE, 0x00008000u)                                                                   \
    XX(MEM_FREE, 0x00010000u)                                                                      \
    XX(MEM_RESET, 0x00080000u)                                                                     \
    XX(MEM_RESET_UNDO, 0x01000000u)                                                                \
    XX(MEM_TOP_DOWN, 0x00100000u)                                                                  \
    XX(MEM_WRITE_WATCH, 0x00200000u)                                                               \
    XX(MEM_LARGE_PAGES, 0x20000000u)                                                               \
    XX(MEM_PHYSICAL, 0x00400000u)                                                                  \
    XX(AT_ROUND_TO_PAGE, 0x40000000u)                                                              \
    XX(WRITE_WATCH_FLAG_RESET, 0x00000001u)

/* XX(name, value): the Type of a region VirtualQuery reports (MEM_IMAGE: a view of an image
 * section, which the model does not make; a real system reports it). */
#define VS_MEM_TYPE_MAP(XX)                                                                        \
    XX(MEM_PRIVATE, 0x00020000u)                                                                   \
    XX(MEM_MAPPED, 0x00040000u)                                                                    \
    XX(MEM_IMAGE, 0x01000000u)

/* XX(name, value): section attributes, access rights and the FILE_MAP_* view accesses (winnt.h,
 * memoryapi.h), and the object attribute CreateFileMapping passes (OBJ_OPENIF). */
#define VS_SECTION_FLAG_MAP(XX)                                                                    \
    XX(SEC_FILE, 0x00800000u)                                                                      \
    XX(SEC_IMAGE, 0x01000000u)                                                                     \
    XX(SEC_RESERVE, 0x04000000u)                                                                   \
    XX(SEC_COMMIT, 0x08000000u)                                                                    \
    XX(SEC_NOCACHE, 0x10000000u)                                                                   \
    XX(SEC_WRITECOMBINE, 0x40000000u)                                                              \
    XX(SEC_LARGE_PAGES, 0x80000000u)                                                               \
    XX(SECTION_QUERY, 0x0001u)                                                                     \
    XX(SECTION_MAP_WRITE, 0x0002u)                                                                 \
    XX(SECTION_MAP_READ, 0x0004u)                                                                  \
    XX(SECTION_MAP_EXECUTE, 0x0008u)                                                               \
    XX(SECTION_EXTEND_SIZE, 0x0010u)                                                               \
    XX(SECTION_MAP_EXECUTE_EXPLICIT, 0x0020u)                                                      \
    XX(SECTION_ALL_ACCESS, 0x000F001Fu)                                                            \
    XX(FILE_MAP_COPY, 0x0001u)                                                                     \
    XX(FILE_MAP_WRITE, 0x0002u)                                                                    \
    XX(FILE_MAP_READ, 0x0004u)                                                                     \
    XX(FILE_MAP_EXECUTE, 0x0020u)                                                                  \
    XX(FILE_MAP_ALL_ACCESS, 0x000F001Fu)                                                           \
    XX(MEM_UNMAP_WITH_TRANSIENT_BOOST, 0x00000001u)                                                \
    XX(OBJ_OPENIF, 0x0080u)

/* XX(name, value): the PE header flags an image declaration takes (winnt.h): the file header's
 * Characteristics, the optional header's DllCharacteristics and a section's Characteristics. */
#define VS_IMAGE_FLAG_MAP(XX)                                                                      \
    XX(IMAGE_FILE_RELOCS_STRIPPED, 0x0001u)                                                        \
    XX(IMAGE_FILE_EXECUTABLE_IMAGE, 0x0002u)                                                       \
    XX(IMAGE_FILE_LARGE_ADDRESS_AWARE, 0x0020u)                                                    \
    XX(IMAGE_FILE_32BIT_MACHINE, 0x0100u)                                                          \
    XX(IMAGE_FILE_DLL, 0x2000u)                                                                    \
    XX(IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE, 0x0040u)                                             \
    XX(IMAGE_DLLCHARACTERISTICS_NX_COMPAT, 0x0100u)                                                \
    XX(IMAGE_SCN_CNT_CODE, 0x00000020u)                                                            \
    XX(IMAGE_SCN_CNT_INITIALIZED_DATA, 0x00000040u)                                                \
    XX(IMAGE_SCN_CNT_UNINITIALIZED_DATA, 0x00000080u)                                              \
    XX(IMAGE_SCN_MEM_SHARED, 0x10000000u)                                                          \
    XX(IMAGE_SCN_MEM_EXECUTE, 0x20000000u)                                                         \
    XX(IMAGE_SCN_MEM_READ, 0x40000000u)                                                            \
    XX(IMAGE_SCN_MEM_WRITE, 0x80000000u)                                                           \
    XX(DONT_RESOLVE_DLL_REFERENCES, 0x00000001u)

/* XX(name, value): file access rights and CreateFile's dispositions (winnt.h, fileapi.h); named
 * pipes' modes (CreateNamedPipe's, winbase.h), event rights and waits' values (synchapi.h). */
#define VS_FILE_FLAG_MAP(XX)                                                                       \
    XX(FILE_READ_DATA, 0x0001u)                                                                    \
    XX(FILE_WRITE_DATA, 0x0002u)                                                                   \
    XX(FILE_EXECUTE, 0x0020u)                                                                      \
    XX(GENERIC_ALL, 0x10000000u)                                                                   \
    XX(GENERIC_EXECUTE, 0x20000000u)                                                               \
    XX(GENERIC_WRITE, 0x40000000u)                                                                 \
    XX(GENERIC_READ, 0x80000000u)                                                                  \
    XX(FILE_SHARE_READ, 0x1u)                                                                      \
    XX(FILE_SHARE_WRITE, 0x2u)                                                                     \
    XX(CREATE_NEW, 1u)                                                                             \
    XX(CREATE_ALWAYS, 2u)                                                                          \
    XX(OPEN_EXISTING, 3u)                                                                          \
    XX(OPEN_ALWAYS, 4u)                                                                            \
    XX(TRUNCATE_EXISTING, 5u)                                                                      \
    XX(FILE_ATTRIBUTE_NORMAL, 0x80u)                                                               \
    XX(FILE_OPEN, 1u)                                                                              \
    XX(FILE_CREATE, 2u)                                                                            \
    XX(FILE_OPEN_IF, 3u)                                                                           \
    XX(FILE_OVERWRITE, 4u)                                                                         \
    XX(FILE_OVERWRITE_IF, 5u)                                                                      \
    XX(FILE_OPENED, 1u)                                                                            \
    XX(FILE_CREATED, 2u)                                                                           \
    XX(FILE_OVERWRITTEN, 3u)                                                                       \
    XX(FILE_SYNCHRONOUS_IO_NONALERT, 0x20u)                                                        \
    XX(SYNCHRONIZE, 0x00100000u)                                                                   \
    XX(FILE_FLAG_OVERLAPPED, 0x40000000u)                                                          \
    XX(PIPE_ACCESS_INBOUND, 0x1u)                                                                  \
    XX(PIPE_ACCESS_OUTBOUND, 0x2u)                                                                 \
    XX(PIPE_ACCESS_DUPLEX, 0x3u)                                                                   \
    XX(FILE_FLAG_FIRST_PIPE_INSTANCE, 0x00080000u)                                                 \
    XX(PIPE_TYPE_BYTE, 0x0u)                                                                       \
    XX(PIPE_TYPE_MESSAGE, 0x4u)                                                                    \
    XX(PIPE_READMODE_BYTE, 0x0u)                                                                   \
    XX(PIPE_READMODE_MESSAGE, 0x2u)                                                                \
    XX(PIPE_WAIT, 0x0u)                                                                            \
    XX(PIPE_NOWAIT, 0x1u)                                                                          \
    XX(PIPE_UNLIMITED_INSTANCES, 255u)                                                             \
    XX(NMPWAIT_USE_DEFAULT_WAIT, 0u)                                                               \
    XX(EVENT_MODIFY_STATE, 0x0002u)                                                                \
    XX(EVENT_ALL_ACCESS, 0x001F0003u)                                                              \
    XX(INFINITE, 0xFFFFFFFFu)                                                                      \
    XX(WAIT_OBJECT_0, 0u)                                                                          \
    XX(WAIT_TIMEOUT, 0x102u)                                                                       \
    XX(WAIT_FAILED, 0xFFFFFFFFu)

/* XX(name, value): page protections and their modifiers. */
#define VS_PAGE_FLAG_MAP(XX)                                                                       \
    XX(PAGE_NOACCESS, 0x001u)                                                                      \
    XX(PAGE_READONLY, 0x002u)                                                                      \
    XX(PAGE_READWRITE, 0x004u)                                                                     \
    XX(PAGE_WRITECOPY, 0x008u)                                                                     \
    XX(PAGE_EXECUTE, 0x010u)                                                                       \
    XX(PAGE_EXECUTE_READ, 0x020u)                                                                  \
    XX(PAGE_EXECUTE_READWRITE, 0x040u)                                                             \
    XX(PAGE_EXECUTE_WRITECOPY, 0x080u)                                                             \
    XX(PAGE_GUARD, 0x100u)                                                                         \
    XX(PAGE_NOCACHE, 0x200u)                                                                       \
    XX(PAGE_WRITECOMBINE, 0x400u)

/* XX(name, value): process access rights (winnt.h), and DuplicateHandle's options. */
#define VS_PROCESS_ACCESS_MAP(XX)                                                                  \
    XX(PROCESS_CREATE_THREAD, 0x0002u)                                                             \
    XX(PROCESS_VM_OPERATION, 0x0008u)                                                              \
    XX(PROCESS_DUP_HANDLE, 0x0040u)                                                                \
    XX(PROCESS_VM_READ, 0x0010u)                                                                   \
    XX(PROCESS_VM_WRITE, 0x0020u)                                                                  \
    XX(PROCESS_SET_QUOTA, 0x0100u)                                                                 \
    XX(PROCESS_QUERY_INFORMATION, 0x0400u)                                                         \
    XX(PROCESS_QUERY_LIMITED_INFORMATION, 0x1000u)                                                 \
    XX(PROCESS_ALL_ACCESS, 0x001FFFFFu)                                                            \
    XX(DUPLICATE_CLOSE_SOURCE, 0x0001u)                                                            \
    XX(DUPLICATE_SAME_ACCESS, 0x0002u)

/* XX(name, value): the placeholder flags (Windows 10 1803) and the MEM_EXTENDED_PARAMETER types.
 * Their values overlap others' (MEM_REPLACE_PLACEHOLDER is MEM_DECOMMIT's bit,
 * MEM_RESERVE_PLACEHOLDER MEM_MAPPED's): each means what it means only in the calls that take it.
 */
#define VS_PLACEHOLDER_FLAG_MAP(XX)                                                                \
    XX(MEM_COALESCE_PLACEHOLDERS, 0x00000001u)                                                     \
    XX(MEM_PRESERVE_PLACEHOLDER, 0x00000002u)                                                      \
    XX(MEM_REPLACE_PLACEHOLDER, 0x00004000u)                                                       \
    XX(MEM_RESERVE_PLACEHOLDER, 0x00040000u)                                                       \
    XX(MemExtendedParameterInvalidType, 0u)                                                        \
    XX(MemExtendedParameterAddressRequirements, 1u)                                                \
    XX(MemExtendedParameterNumaNode, 2u)                                                           \
    XX(MemExtendedParameterPartitionHandle, 3u)                                                    \
    XX(MemExtendedParameterUserPhysicalHandle, 4u)                                                 \
    XX(MemExtendedParameterAttributeFlags, 5u)                                                     \
    XX(MemExtendedParameterImageMachine, 6u)                                                       \
    XX(MemExtendedParameterMax, 7u)

/* XX(name, value): CreateThread's creation flags (processthreadsapi.h) and the TEB's size. */
#define VS_THREAD_FLAG_MAP(XX)                                                                     \
    XX(CREATE_SUSPENDED, 0x00000004u)                                                              \
    XX(STACK_SIZE_PARAM_IS_A_RESERVATION, 0x00010000u)

/* XX(name, value): the heap calls' flags (winnt.h). */
#define VS_HEAP_FLAG_MAP(XX)                                                                       \
    XX(HEAP_NO_SERIALIZE, 0x00000001u)                                                             \
    XX(HEAP_GENERATE_EXCEPTIONS, 0x00000004u)                                                      \
    XX(HEAP_ZERO_MEMORY, 0x00000008u)                                                              \
    XX(HEAP_REALLOC_IN_PLACE_ONLY, 0x00000010u)                                                    \
    XX(HEAP_CREATE_ENABLE_EXECUTE, 0x00040000u)

/* XX(name, value): NtLockVirtualMemory's MapType (WRK mm/lockvm.c): the process's working set, or
 * physical memory (SeLockMemoryPrivilege). */
#define VS_LOCK_FLAG_MAP(XX)                                                                       \
    XX(MAP_PROCESS, 0x00000001u)                                                                   \
    XX(MAP_SYSTEM, 0x00000002u)

/* XX(name, value): a process's execute options (KEXECUTE_OPTIONS, ProcessExecuteFlags: WRK
 * MmGetExecuteOptions) and GetProcessDEPPolicy's flags (winbase.h). */
#define VS_EXECUTE_FLAG_MAP(XX)                                                                    \
    XX(MEM_EXECUTE_OPTION_DISABLE, 0x00000001u)                                                    \
    XX(MEM_EXECUTE_OPTION_ENABLE, 0x00000002u)                                                     \
    XX(MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION, 0x00000004u)                                    \
    XX(MEM_EXECUTE_OPTION_PERMANENT, 0x00000008u)                                                  \
    XX(MEM_EXECUTE_OPTION_EXECUTE_DISPATCH_ENABLE, 0x00000010u)                                    \
    XX(MEM_EXECUTE_OPTION_IMAGE_DISPATCH_ENABLE, 0x00000020u)                                      \
    XX(PROCESS_DEP_ENABLE, 0x00000001u)                                                            \
    XX(PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION, 0x00000002u)

enum VsWindowsConstant {
#define VS_DEFINE_CONSTANT(name, value) name = value,
    VS_MEM_FLAG_MAP(VS_DEFINE_CONSTANT) VS_MEM_TYPE_MAP(VS_DEFINE_CONSTANT)
        VS_PAGE_FLAG_MAP(VS_DEFINE_CONSTANT) VS_PROCESS_ACCESS_MAP(VS_DEFINE_CONSTANT)
            VS_SECTION_FLAG_MAP(VS_DEFINE_CONSTANT) VS_PLACEHOLDER_FLAG_MAP(VS_DEFINE_CONSTANT)
                VS_FILE_FLAG_MAP(VS_DEFINE_CONSTANT) VS_IMAGE_FLAG_MAP(VS_DEFINE_CONSTANT)
                    VS_THREAD_FLAG_MAP(VS_DEFINE_CONSTANT) VS_HEAP_FLAG_MAP(VS_DEFINE_CONSTANT)
                        VS_LOCK_FLAG_MAP(VS_DEFINE_CONSTANT) VS_EXECUTE_FLAG_MAP(VS_DEFINE_CONSTANT)
#undef VS_DEFINE_CONSTANT
};

/* Page and allocation-granularity sizes; the same on every architecture the model offers. */
#define VS_PAGE_SHIFT 12
#define VS_PAGE_SIZE (1ull << VS_PAGE_SHIFT)
#define VS_GRANULARITY (64ull * 1024)

/* Handles: process handles, plus the pseudo-handle NtCurrentProcess() = (HANDLE)-1. */
typedef uint64_t VsHandle;
#define VS_CURRENT_PROCESS ((VsHandle)-1)
#define VS_INFINITE 0xFFFFFFFFu /* a wait without a timeout (INFINITE) */
#define VS_NULL_HANDLE ((VsHandle)0)
#define VS_INVALID_HANDLE_VALUE ((VsHandle)-1) /* CreateFileMapping's "no file": the page file */

/* ---- Objects --------------------------------------------------------------------------------- */

typedef struct VsSystem VsSystem;   /* the machine: processes, page-table store, event log */
typedef struct VsProcess VsProcess; /* models EPROCESS: address space, handle table, threads */
typedef struct VsThread VsThread; /* models ETHREAD/TEB: the caller of every API, owns last error */
typedef struct VsVad VsVad;       /* models MMVAD_SHORT: one node of a process's VAD tree */
/* models CONTROL_AREA + SEGMENT: a section's shared pages (a handle names a section object over
 * it, with a size of its own: sim/internal.h VsSectionObject) */
typedef struct VsSection VsSection;
/* A personality the NT core runs its processes under, as NT ran WSL1's Linux processes through
 * lxcore.sys (a pico provider): the hooks the core calls (sim/personality.h). A driver only names
 * one, through the personality's header (vadsim/linux.h's vs_linux_personality()). */
typedef struct VsPersonality VsPersonality;

typedef enum VsArch {
    VS_ARCH_X64,     /* 128 TB user space, 4-level paging */
    VS_ARCH_X86,     /* 2 GB user space, 2-level paging */
    VS_ARCH_X86_3GB, /* 3 GB user space (/3GB, large-address-aware), 2-level paging */
} VsArch;

/* The machine's transparent-huge-page mode (vadsim/linux.h, thp.c): madvise (0, the default)
 * maps huge pages only in VMAs given MADV_HUGEPAGE; always in every eligible VMA but those given
 * MADV_NOHUGEPAGE; never in none. */
typedef enum VsThpMode { VS_THP_MADVISE = 0, VS_THP_ALWAYS, VS_THP_NEVER } VsThpMode;

typedef struct VsSystemConfig {
    VsArch arch;
    /* The personality of the machine's processes: NULL for Windows (the NT core and its Win32
     * layer), or the one a personality's header offers (vs_linux_personality()). */
    const VsPersonality *personality;
    uint32_t processors;     /* reported by GetSystemInfo; 0 means 4 */
    uint64_t ram_bytes;      /* physical memory: page frames in the PFN database; 0 means 256 MB */
    uint64_t pagefile_bytes; /* the page file; 0 means as large as RAM */
    /* The rest is the machine as a personality sees it; the NT core reads none of it (see
     * vadsim/linux.h for what Linux does with each). The file system files live on: */
    uint64_t readahead_bytes; /* a file's read-ahead window (the disk's read_ahead_kb); 0: 128 KB */
    bool files_unaligned;     /* mappings of regular files are never 2 MB-aligned (tmpfs, overlayfs
                               * have no thp_get_unmapped_area; ext4 and xfs do: false) */
    uint64_t file_max_bytes;  /* the largest file it holds (s_maxbytes): a punched hole or a size
                               * past it is EFBIG; 0: ext4's with 4 KB blocks, 16 TiB - 4 KiB */
    /* The CPU: it has protection keys (x86 pku and ospke), which Linux gives memory mapped or
     * mprotected PROT_EXEC alone as an execute-only key (execonly=pkey); without them (false,
     * the default) such memory is execute-read (execonly=none). */
    bool execute_only_pkey;
    /* Transparent huge pages (/sys/kernel/mm/transparent_hugepage/enabled): which anonymous
     * private memory a fault may map as one 2 MB page (thp=madvise, the default and what the
     * distributions ship; thp=always; thp=never). */
    VsThpMode thp;
    /* A load in such memory maps zeros of a 2 MB page of their own rather than the huge zero
     * page (transparent_hugepage/use_zero_page 0, thpzero=off; false, the default: 1). */
    bool thp_no_zero_page;
} VsSystemConfig;

/* The fixed layout of a process's address space on an architecture (GetSystemInfo plus what the
 * kernel keeps to itself): Windows' (vs_layout_of), or the one a personality gives its
 * processes. */
typedef struct VsLayout {
    VsArch arch;
    const char *name;              /* "x64", "x86", "x86-3gb"; a personality's ("linux-x64") */
    uint64_t lowest_user_address;  /* MM_LOWEST_USER_ADDRESS: 0x10000 */
    uint64_t highest_user_address; /* MM_HIGHEST_USER_ADDRESS, inclusive */
    uint64_t highest_vad_address;  /* MM_HIGHEST_VAD_ADDRESS: the top 64 KB is never allocatable */
    uint64_t shared_user_data;     /* KUSER_SHARED_DATA: 0x7FFE0000; 0 where a process has none */
    uint64_t allocation_granularity; /* where allocations start: 64 KB; a page where any may */
    uint32_t paging_levels;          /* 4 on x64, 2 on x86 */
    uint32_t level_bits;             /* index bits per level: 9 (512 entries) or 10 (1024) */
    uint32_t pte_size;               /* bytes per hardware PTE: 8 on x64, 4 on x86 */
    uint32_t mbi_size;               /* sizeof(MEMORY_BASIC_INFORMATION): 48 or 28 */
} VsLayout;

/* NULL when out of host memory, or when the personality does not run on the architecture. */
VsSystem *vs_system_create(const VsSystemConfig *config);
void vs_system_destroy(VsSystem *system);
const VsLayout *vs_system_layout(const VsSystem *system);
const VsLayout *vs_layout_of(VsArch arch);

/*
 * Creates a process with an empty address space (only the KUSER_SHARED_DATA VAD) and one thread.
 * The name is copied (up to 31 characters) and used in narration. NULL when out of host memory.
 */
VsProcess *vs_process_create(VsSystem *system, const char *name);
VsThread *vs_process_main_thread(VsProcess *process);
VsThread *vs_thread_create(VsProcess *process); /* a further thread; NULL when out of memory */
VsProcess *vs_thread_process(const VsThread *thread);
VsSystem *vs_process_system(const VsProcess *process);
uint32_t vs_process_id(const VsProcess *process);
const char *vs_process_name(const VsProcess *process);
/* SeLockMemoryPrivilege in the process's token, held and enabled (a scenario's `process NAME
 * privilege=SeLockMemoryPrivilege`): what MEM_LARGE_PAGES, SEC_LARGE_PAGES and AWE need. A process
 * starts without it, as on Windows until an administrator grants "Lock pages in memory". */
void vs_process_set_lock_memory_privilege(VsProcess *process, bool held);
bool vs_process_lock_memory_privilege(const VsProcess *process);
size_t vs_system_process_count(const VsSystem *system);
VsProcess *vs_system_process(VsSystem *system, size_t index);      /* in creation order */
VsProcess *vs_process_by_id(const VsSystem *system, uint32_t pid); /* NULL if none has it */

/*
 * Creates a process as Windows does from an executable (createprocess.c): the EXE's image at its
 * base, ntdll's image, the PEB, beside KUSER_SHARED_DATA; on a layout above 2 GB an EXE that is
 * not IMAGE_FILE_LARGE_ADDRESS_AWARE gets everything above 2 GB reserved. exe and ntdll name
 * declared files holding PE images. The status is the EXE view's (STATUS_IMAGE_NOT_AT_BASE when
 * its base was taken), or why no process was made (an image check's status,
 * STATUS_INSUFFICIENT_RESOURCES); *out is NULL on failure.
 */
VsStatus vs_process_create_image(VsSystem *system, const char *name, const char *exe,
                                 const char *ntdll, VsProcess **out);
/* The same layout for a process that has nothing mapped yet (a scenario's first process);
 * STATUS_INVALID_PARAMETER for one that has. */
VsStatus vs_process_init_image(VsProcess *process, const char *exe, const char *ntdll);

/* What process creation laid out, for the first thread's TEB and stack and for show. */
typedef struct VsProcessImageInfo {
    uint64_t peb;                         /* 0 for a process made without an image */
    uint64_t image_base;                  /* the PEB's ImageBaseAddress: the EXE's view */
    uint64_t stack_reserve, stack_commit; /* SizeOfStackReserve/Commit from the EXE's headers */
    bool large_address_aware;
} VsProcessImageInfo;
bool vs_process_image_info(const VsProcess *process, VsProcessImageInfo *out);

/* The loader's list of a process (loader.c): LDR_DATA_TABLE_ENTRY's fields the model keeps. */
typedef struct VsModuleInfo {
    const char *name;
    uint64_t base, size;
    uint32_t load_count;
    bool pinned;      /* loaded with the process: the EXE, ntdll */
    uint32_t section; /* the image section's id */
} VsModuleInfo;
size_t vs_process_modules(const VsProcess *process, VsModuleInfo *out, size_t capacity);
const char *vs_process_module_name(const VsProcess *process, uint64_t address);
/* ntdll's loader: LdrLoadDll (resolve: load the imports' DLLs and fill the IAT), LdrGetDllHandle
 * (name NULL: the EXE), LdrUnloadDll. */
VsStatus vs_ldr_load_dll(VsThread *caller, const char *name, bool resolve, uint64_t *base);
VsStatus vs_ldr_get_dll_handle(VsThread *caller, const char *name, uint64_t *base);
VsStatus vs_ldr_unload_dll(VsThread *caller, uint64_t base);

/* A handle to target with the given PROCESS_* rights in the calling thread's process's handle
 * table (the heart of NtOpenProcess). PROCESS_QUERY_INFORMATION brings
 * PROCESS_QUERY_LIMITED_INFORMATION with it, as on Windows Vista and later. */
VsStatus vs_process_open(VsThread *caller, VsProcess *target, uint32_t access, VsHandle *handle);
/* The process a handle in thread's process's table names (the pseudo-handle: its own), or NULL. */
VsProcess *vs_handle_process(VsThread *thread, VsHandle handle);
/* NtDuplicateObject: a handle in target_process's table to the object source_handle names in
 * source_process's (both process handles need PROCESS_DUP_HANDLE), with desired_access, or with
 * the source's rights (DUPLICATE_SAME_ACCESS); DUPLICATE_CLOSE_SOURCE closes the source handle,
 * whatever else happens. The pseudo-handle as the source names the source process itself. */
VsStatus VsNtDuplicateObject(VsThread *caller, VsHandle source_process, VsHandle source_handle,
                             VsHandle target_process, VsHandle *target_handle,
                             uint32_t desired_access, uint32_t attributes, uint32_t options);

/* ---- The NT layer (ntdll -> kernel): returns NTSTATUS --------------------------------------- */

/* NtQueryVirtualMemory's information classes the model answers (MEMORY_INFORMATION_CLASS). */
typedef enum VsMemoryInformationClass {
    MemoryBasicInformation = 0,
    MemoryMappedFilenameInformation = 2,
    MemoryRegionInformation = 3,
    MemoryWorkingSetExInformation = 4,
    MemoryImageInformation = 6,
} VsMemoryInformationClass;

/*
 * MEMORY_BASIC_INFORMATION. The Win32 structure keeps its Windows field names: it is what a
 * program reads, and what lessons print.
 */
typedef struct VsMemoryBasicInformation {
    uint64_t BaseAddress;
    uint64_t AllocationBase;
    uint32_t AllocationProtect;
    uint64_t RegionSize;
    uint32_t State;
    uint32_t Protect;
    uint32_t Type;
} VsMemoryBasicInformation;

VsStatus VsNtAllocateVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                                   uint64_t zero_bits, uint64_t *region_size,
                                   uint32_t allocation_type, uint32_t protect);
VsStatus VsNtFreeVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                               uint64_t *region_size, uint32_t free_type);

/* MEM_ADDRESS_REQUIREMENTS: where a new allocation or view may go. 0s mean "no requirement". */
typedef struct VsMemAddressRequirements {
    uint64_t LowestStartingAddress;
    uint64_t HighestEndingAddress; /* inclusive: one less than a 64 KB boundary */
    uint64_t Alignment;            /* a power of two, at least 64 KB */
} VsMemAddressRequirements;

/* MEM_EXTENDED_PARAMETER: a type in the low 8 bits and one value. The model acts on
 * MemExtendedParameterAddressRequirements (Pointer to a VsMemAddressRequirements) and, for a view
 * of an image, MemExtendedParameterImageMachine (ULong: 0 or the image's own machine maps it,
 * another is STATUS_NOT_SUPPORTED), and checks the others' shape only. */
typedef struct VsMemExtendedParameter {
    uint64_t Type : 8;
    uint64_t Reserved : 56;
    union {
        uint64_t ULong64;
        const void *Pointer;
        uint64_t Size;
        VsHandle Handle;
        uint32_t ULong;
    };
} VsMemExtendedParameter;

/*
 * NtAllocateVirtualMemoryEx (Windows 10 1809): NtAllocateVirtualMemory without ZeroBits, with
 * extended parameters, and the one way to make placeholders: MEM_RESERVE|MEM_RESERVE_PLACEHOLDER
 * reserves one, MEM_RESERVE|MEM_REPLACE_PLACEHOLDER (with MEM_COMMIT, MEM_WRITE_WATCH) turns a
 * whole free placeholder into private memory. See placeholder.c.
 */
VsStatus VsNtAllocateVirtualMemoryEx(VsThread *caller, VsHandle process, uint64_t *base_address,
                                     uint64_t *region_size, uint32_t allocation_type,
                                     uint32_t protect, const VsMemExtendedParameter *parameters,
                                     uint32_t parameter_count);
VsStatus VsNtProtectVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                                  uint64_t *region_size, uint32_t new_protect,
                                  uint32_t *old_protect);
/* MEMORY_REGION_INFORMATION (Windows 10 2004's, 48 bytes on x64): the whole allocation holding
 * an address. RegionType's flags (Private, MappedDataFile, ...) read 0, as Windows reports them;
 * CommitSize is the allocation's commit charge (a copy-on-write view's whole size, 0 for a shared
 * view of a section). */
typedef struct VsMemoryRegionInformation {
    uint64_t AllocationBase;
    uint32_t AllocationProtect;
    uint32_t RegionType;
    uint64_t RegionSize;
    uint64_t CommitSize;
    uint64_t PartitionId;
    uint64_t NodePreference;
} VsMemoryRegionInformation;

/* MEMORY_IMAGE_INFORMATION: the image a view maps; all 0 for memory that is no image. */
typedef struct VsMemoryImageInformation {
    uint64_t ImageBase;
    uint64_t SizeOfImage;
    uint32_t ImageFlags; /* ImagePartialMap 1, ImageNotExecutable 2, ImageSigningLevel 4 bits */
} VsMemoryImageInformation;

/* PSAPI_WORKING_SET_EX_BLOCK (MEMORY_WORKING_SET_EX_BLOCK), one field per bit field. */
typedef struct VsWorkingSetExBlock {
    uint32_t Valid, ShareCount, Win32Protection, Shared, Node, Locked, LargePage, Bad;
} VsWorkingSetExBlock;

/* MEMORY_WORKING_SET_EX_INFORMATION: the caller names the page, the call answers its block (16
 * bytes on x64, 8 on x86: an array of them is the buffer). */
typedef struct VsMemoryWorkingSetExInformation {
    uint64_t VirtualAddress;
    VsWorkingSetExBlock VirtualAttributes;
} VsMemoryWorkingSetExInformation;

/* MEMORY_SECTION_NAME: a UNICODE_STRING (Length and MaximumLength in bytes of UTF-16, the
 * terminating NUL counted in MaximumLength only) and the NT name of the file behind a view. The
 * model's names are ASCII: Name holds the characters, one byte each. */
typedef struct VsMemorySectionName {
    uint16_t Length, MaximumLength;
    char Name[128];
} VsMemorySectionName;

/* NtQueryVirtualMemory (queryvm.c): information is the class's structure (a
 * VsMemoryBasicInformation, VsMemoryRegionInformation, VsMemoryImageInformation or
 * VsMemorySectionName, or for MemoryWorkingSetExInformation an array of
 * VsMemoryWorkingSetExInformation, one per entry information_length holds on the architecture,
 * whose VirtualAddress fields the caller set) and information_length the caller's buffer's size;
 * *return_length (when given) the bytes written, or needed. */
VsStatus VsNtQueryVirtualMemory(VsThread *caller, VsHandle process, uint64_t base_address,
                                VsMemoryInformationClass information_class, void *information,
                                uint64_t information_length, uint64_t *return_length);
VsStatus VsNtClose(VsThread *caller, VsHandle handle);

/* ---- Another process's memory (readwrt.c) ---------------------------------------------------- */

/*
 * NtReadVirtualMemory copies size bytes at base in the process into buffer in the caller's own
 * address space, NtWriteVirtualMemory from buffer to base; the handle needs PROCESS_VM_READ or
 * PROCESS_VM_WRITE. *bytes (when given) gets what was copied: STATUS_PARTIAL_COPY says the copy
 * stopped at a page it could not read or write. See readwrt.c for the rules.
 */
VsStatus VsNtReadVirtualMemory(VsThread *caller, VsHandle process, uint64_t base, uint64_t buffer,
                               uint64_t size, uint64_t *bytes);
VsStatus VsNtWriteVirtualMemory(VsThread *caller, VsHandle process, uint64_t base, uint64_t buffer,
                                uint64_t size, uint64_t *bytes);

/* ---- Sections and views (section.c, mapview.c) ----------------------------------------------- */

/*
 * NtCreateSection for a pagefile-backed section (file VS_NULL_HANDLE): name NULL or "" for none;
 * attributes OBJ_OPENIF opens an existing section of that name instead (STATUS_OBJECT_NAME_EXISTS,
 * a success). NtOpenSection finds one by name. See section.c for the rules.
 */
VsStatus VsNtCreateSection(VsThread *caller, VsHandle *section_handle, uint32_t desired_access,
                           const char *name, uint32_t attributes, const uint64_t *maximum_size,
                           uint32_t section_page_protection, uint32_t allocation_attributes,
                           VsHandle file);
VsStatus VsNtOpenSection(VsThread *caller, VsHandle *section_handle, uint32_t desired_access,
                         const char *name);
/* inherit_disposition: 1 ViewShare, 2 ViewUnmap (the model has no child processes). */
VsStatus VsNtMapViewOfSection(VsThread *caller, VsHandle section, VsHandle process,
                              uint64_t *base_address, uint64_t zero_bits, uint64_t commit_size,
                              uint64_t *section_offset, uint64_t *view_size,
                              uint32_t inherit_disposition, uint32_t allocation_type,
                              uint32_t win32_protect);
/* NtMapViewOfSectionEx (Windows 10 1803): no ZeroBits, CommitSize or inherit disposition
 * (ViewUnmap), extended parameters; MEM_REPLACE_PLACEHOLDER maps over a whole free placeholder, on
 * page boundaries rather than 64 KB ones. */
VsStatus VsNtMapViewOfSectionEx(VsThread *caller, VsHandle section, VsHandle process,
                                uint64_t *base_address, uint64_t *section_offset,
                                uint64_t *view_size, uint32_t allocation_type,
                                uint32_t win32_protect, const VsMemExtendedParameter *parameters,
                                uint32_t parameter_count);
VsStatus VsNtUnmapViewOfSection(VsThread *caller, VsHandle process, uint64_t base_address);

/* A process's execute options (execopts.c): the ProcessExecuteFlags class (PROCESSINFOCLASS 0x22)
 * of NtQueryInformationProcess and NtSetInformationProcess, the only class the model answers
 * (others: STATUS_INVALID_INFO_CLASS, but a set of ProcessManageWritesToExecutableMemory, which
 * x86 and x64 Windows answer STATUS_NOT_SUPPORTED). *info is a ULONG of MEM_EXECUTE_OPTION_*
 * flags. */
enum { ProcessExecuteFlags = 0x22, ProcessManageWritesToExecutableMemory = 0x53 };
VsStatus VsNtQueryInformationProcess(VsThread *caller, VsHandle process, uint32_t info_class,
                                     uint32_t *info, uint32_t length, uint32_t *return_length);
VsStatus VsNtSetInformationProcess(VsThread *caller, VsHandle process, uint32_t info_class,
                                   const uint32_t *info, uint32_t length);
/* Whether the process runs with DEP: every 64-bit process; a 32-bit one as its options say. */
bool vs_process_dep_enabled(const VsProcess *process);

/* NtQuerySection's information classes (SECTION_INFORMATION_CLASS) and the sizes of what they
 * fill: SECTION_BASIC_INFORMATION and SECTION_IMAGE_INFORMATION, on x64 and on x86 (pointers and
 * SIZE_Ts of 4 bytes, the LARGE_INTEGER still aligned on 8). */
typedef enum VsSectionInformationClass {
    SectionBasicInformation = 0,
    SectionImageInformation = 1,
} VsSectionInformationClass;
#define VS_SECTION_BASIC_INFORMATION_SIZE 24u
#define VS_SECTION_IMAGE_INFORMATION_SIZE 64u
#define VS_SECTION_BASIC_INFORMATION_SIZE_X86 16u
#define VS_SECTION_IMAGE_INFORMATION_SIZE_X86 48u

/* SECTION_BASIC_INFORMATION: BaseAddress is always NULL (the field is a relic of based sections);
 * Attributes the section's SEC_* kind (SEC_FILE for a file's section, whatever was asked); Size
 * the section's size in bytes (a pagefile section's in whole pages). */
typedef struct VsSectionBasicInformation {
    uint64_t BaseAddress;
    uint32_t Attributes;
    uint64_t Size;
} VsSectionBasicInformation;

/* SECTION_IMAGE_INFORMATION's ImageFlags bits (winternl.h's bit fields, in order). */
#define VS_IMAGE_FLAGS_COMPLUS_NATIVE_READY 0x01u
#define VS_IMAGE_FLAGS_COMPLUS_IL_ONLY 0x02u
#define VS_IMAGE_FLAGS_DYNAMICALLY_RELOCATED 0x04u
#define VS_IMAGE_FLAGS_MAPPED_FLAT 0x08u
#define VS_IMAGE_FLAGS_BASE_BELOW_4GB 0x10u
#define VS_IMAGE_FLAGS_COMPLUS_PREFER_32BIT 0x20u

/* SECTION_IMAGE_INFORMATION: what an image section's headers told MmCreateSection, as the loader
 * and CreateProcess read it before mapping anything (querysec.c says how each field is derived). */
typedef struct VsSectionImageInformation {
    uint64_t TransferAddress; /* ImageBase + AddressOfEntryPoint */
    uint32_t ZeroBits;
    uint64_t MaximumStackSize, CommittedStackSize; /* SizeOfStackReserve, SizeOfStackCommit */
    uint32_t SubSystemType;
    uint16_t SubSystemMinorVersion, SubSystemMajorVersion;
    uint16_t MajorOperatingSystemVersion, MinorOperatingSystemVersion;
    uint16_t ImageCharacteristics, DllCharacteristics, Machine;
    uint8_t ImageContainsCode, ImageFlags; /* ImageFlags: VS_IMAGE_FLAGS_* */
    uint32_t LoaderFlags, ImageFileSize, CheckSum;
} VsSectionImageInformation;

/* NtQuerySection (querysec.c): information is a VsSectionBasicInformation or a
 * VsSectionImageInformation as the class says; information_length is the caller's buffer size in
 * the architecture's terms (the sizes above); *return_length (when given) gets the bytes written.
 * The buffer is the library caller's own, outside the process, never probed (as a kernel-mode
 * caller's is not).
 */
VsStatus VsNtQuerySection(VsThread *caller, VsHandle section,
                          VsSectionInformationClass information_class, void *information,
                          uint64_t information_length, uint64_t *return_length);

/* The buffer an Nt query call answers into, as a user-mode caller gives it: in its own process,
 * information_length bytes at address, which the call probes for writing before it checks
 * anything else (probe.c: WRK's ProbeForWrite; aligned, inside user space, every page written)
 * and then writes its answer into, laid out as the process's architecture lays the structure
 * out. With in_process false there is no such buffer (the library caller's own, as above).
 * Either way the answer is also copied to `answer` when that is not NULL (room for the class's
 * whole structure, as the VsNt... variant without a buffer takes it). */
typedef struct VsQueryBuffer {
    bool in_process;
    uint64_t address;
    void *answer;
} VsQueryBuffer;

/* NtQuerySection with its buffer as buffer says (VsNtQuerySection is the in_process-false case):
 * for a buffer in the process, the probe comes first (WRK NtQuerySection probes, then checks the
 * class, the length and the handle), so a length running past what is mapped is
 * STATUS_ACCESS_VIOLATION whatever the rest; a buffer not aligned on 4 bytes is
 * STATUS_DATATYPE_MISALIGNMENT. */
VsStatus VsNtQuerySectionInto(VsThread *caller, VsHandle section,
                              VsSectionInformationClass information_class,
                              const VsQueryBuffer *buffer, uint64_t information_length,
                              uint64_t *return_length);
/* The bytes the class's structure takes in the thread's process (0 for a class NtQuerySection does
 * not know). */
uint32_t VsSectionInformationSize(const VsThread *caller,
                                  VsSectionInformationClass information_class);

/* NtQueryVirtualMemory with its buffer as buffer says (VsNtQueryVirtualMemory is the
 * in_process-false case, information the answer): for a buffer in the process, after the class
 * and the length are checked, the whole length is probed for writing on a pointer's boundary
 * (WRK NtQueryVirtualMemory: ProbeForWrite with sizeof(ULONG_PTR)) before the address and the
 * handle, so a NULL buffer is STATUS_ACCESS_VIOLATION; then the class's structure is written
 * there as the process's architecture lays it out (MemoryMappedFilenameInformation's
 * UNICODE_STRING pointing at the name just after it). MemoryWorkingSetExInformation reads each
 * entry's VirtualAddress from the buffer and stores its block after it; `answer` (room for one
 * entry) gets the first. For the other classes `answer` gets the class's structure. */
VsStatus VsNtQueryVirtualMemoryInto(VsThread *caller, VsHandle process, uint64_t base_address,
                                    VsMemoryInformationClass information_class,
                                    const VsQueryBuffer *buffer, uint64_t information_length,
                                    uint64_t *return_length);

/* NtAreMappedFilesTheSame (samefile.c): STATUS_SUCCESS when address1 lies in an image view and
 * address2 in a view (image or data) of the same file, or both in one view; STATUS_NOT_SAME_DEVICE
 * otherwise; STATUS_CONFLICTING_ADDRESSES when either is private memory or a view of the page file;
 * STATUS_INVALID_ADDRESS when no allocation holds either. In the caller's own process. */
VsStatus VsNtAreMappedFilesTheSame(VsThread *caller, uint64_t address1, uint64_t address2);
VsStatus VsNtUnmapViewOfSectionEx(VsThread *caller, VsHandle process, uint64_t base_address,
                                  uint32_t flags);

/* ---- Files (file.c) -------------------------------------------------------------------------- */

/* The largest file the model keeps: 16 TB, about the largest file NTFS with its default 4 KB
 * clusters and ext4 with 4 KB blocks hold. A file's bytes cost only the pages written (file.c). */
#define VS_FILE_MAX_BYTES (16ull << 40)

/*
 * Declares a file (the model has no disk: whoever drives it says which files exist): size bytes,
 * the first contents_length of them from contents, the rest fill. STATUS_OBJECT_NAME_COLLISION if
 * the name exists, STATUS_OBJECT_NAME_INVALID for an empty name or one of 64 characters or more.
 */
VsStatus vs_file_create(VsSystem *system, const char *name, uint64_t size, const void *contents,
                        uint64_t contents_length, uint8_t fill);
/* NtCreateFile for a data file: FILE_OPEN, FILE_CREATE, FILE_OPEN_IF, FILE_OVERWRITE(_IF);
 * *information is FILE_OPENED, FILE_CREATED or FILE_OVERWRITTEN. A name under \\.\pipe\ opens a
 * client's end of a named pipe (pipe.c). create_options: FILE_SYNCHRONOUS_IO_NONALERT or 0 (the
 * file object's I/O may be left pending). See file.c. */
VsStatus VsNtCreateFile(VsThread *caller, VsHandle *file, uint32_t desired_access, const char *name,
                        uint32_t create_disposition, uint32_t create_options,
                        uint64_t *information);
/* The file's size (NtQueryInformationFile, FileStandardInformation's EndOfFile). */
VsStatus vs_file_query_size(VsThread *caller, VsHandle file, uint64_t *size);
/* NtReadFile (readfile.c): up to length bytes at byte_offset (NULL: the file object's current
 * offset) into buffer in the caller's memory, which is probed for writing first, every page of it;
 * *information the bytes read when the read did not pend. STATUS_END_OF_FILE at the end. event (0:
 * none) is cleared, and set when the read completes; io_status_block (0: none in memory) is where
 * the completion stores status and count. A pipe's read may pend: STATUS_PENDING. */
VsStatus VsNtReadFile(VsThread *caller, VsHandle file, VsHandle event, uint64_t io_status_block,
                      uint64_t buffer, uint64_t length, const uint64_t *byte_offset,
                      uint64_t *information);
/* NtWriteFile to an end of a named pipe: length bytes from buffer; as NtReadFile otherwise. */
VsStatus VsNtWriteFile(VsThread *caller, VsHandle file, VsHandle event, uint64_t io_status_block,
                       uint64_t buffer, uint64_t length, uint64_t *information);
/* NtFsControlFile(FSCTL_PIPE_LISTEN): a server's end waits for a client (STATUS_PENDING). */
VsStatus VsNtListenPipe(VsThread *caller, VsHandle file, VsHandle event, uint64_t io_status_block);
/* NtCreateNamedPipeFile (pipe.c): an instance of the pipe name (\\.\pipe\...), listening; the
 * server's end in *handle with server_rights (FILE_READ_DATA, FILE_WRITE_DATA or both). in_quota
 * and out_quota: the bytes its two queues hold. */
VsStatus VsNtCreateNamedPipeFile(VsThread *caller, VsHandle *handle, const char *name,
                                 uint32_t server_rights, bool synchronous, bool message_type,
                                 bool message_read, uint32_t max_instances, uint32_t in_quota,
                                 uint32_t out_quota);
/* NtCreateEvent, unnamed (event.c); NtSetEvent (signaled) and NtResetEvent (not). */
VsStatus VsNtCreateEvent(VsThread *caller, VsHandle *event, bool manual_reset, bool initial_state);
VsStatus VsNtSetEvent(VsThread *caller, VsHandle event, bool signaled);
/* NtWaitForSingleObject: STATUS_SUCCESS (WAIT_OBJECT_0) or STATUS_TIMEOUT; timeout_ms VS_INFINITE
 * for none. A wait that could only end by a later call sets the thread's would_wait. */
VsStatus VsNtWaitForSingleObject(VsThread *caller, VsHandle object, uint32_t timeout_ms);
/* Whether the thread waits in a synchronous call (a pipe's ReadFile or ConnectNamedPipe without an
 * OVERLAPPED) that a later call completes; vs_thread_take_return gives, once, the status and count
 * it completed with (false while it waits). */
bool vs_thread_blocked(const VsThread *thread);
bool vs_thread_take_return(VsThread *thread, VsStatus *status, uint64_t *information);
/* Whether a handle of the caller's names a file object: *pipe says whether an end of a pipe. */
bool vs_handle_file_kind(VsThread *caller, VsHandle handle, bool *pipe);
/* Whether the thread's last call would have waited for something only a later call brings (the
 * model returned instead); reading it clears it. */
bool vs_thread_take_would_wait(VsThread *thread);
/* A byte of the file as ReadFile would see it: coherent with every view of the file. */
VsStatus vs_file_read_byte(VsThread *thread, VsHandle file, uint64_t offset, uint8_t *value);
/* NtFlushVirtualMemory: the dirty pages of a view of a file, in the range, go to the file now. */
VsStatus VsNtFlushVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                                uint64_t *region_size);

/* Locking pages in the working set (lockvm.c). map_type: MAP_PROCESS (MAP_SYSTEM needs a privilege
 * no process of the model holds). STATUS_WAS_LOCKED, a success, when some pages were locked. */
VsStatus VsNtLockVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                               uint64_t *region_size, uint32_t map_type);
VsStatus VsNtUnlockVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                                 uint64_t *region_size, uint32_t map_type);

/* Address Windowing Extensions (awe.c). The frame arrays (and Scatter's address array) are
 * pointer-sized entries in the caller's own memory, as on Windows; *count goes in as how many
 * frames are asked for (or named) and comes out as how many were allocated (or freed). */
VsStatus VsNtAllocateUserPhysicalPages(VsThread *caller, VsHandle process, uint64_t *count,
                                       uint64_t frames);
VsStatus VsNtFreeUserPhysicalPages(VsThread *caller, VsHandle process, uint64_t *count,
                                   uint64_t frames);
VsStatus VsNtMapUserPhysicalPages(VsThread *caller, uint64_t address, uint64_t count,
                                  uint64_t frames);
VsStatus VsNtMapUserPhysicalPagesScatter(VsThread *caller, uint64_t addresses, uint64_t count,
                                         uint64_t frames);

/* NtSetInformationVirtualMemory's class the model answers (VIRTUAL_MEMORY_INFORMATION_CLASS). */
enum { VmPrefetchInformation = 0 };

/* Prefetching (prefetch.c): NtSetInformationVirtualMemory with VmPrefetchInformation (class 0,
 * the only one modelled). entries is the caller's WIN32_MEMORY_RANGE_ENTRY array (two
 * pointer-sized fields each: the address, the size in bytes); info the ULONG of flags (0). Pages
 * only in the page file are read into frames on the standby list; the working set is untouched. */
VsStatus VsNtSetInformationVirtualMemory(VsThread *caller, VsHandle process, uint32_t info_class,
                                         uint64_t count, uint64_t entries, const uint32_t *info,
                                         uint32_t info_length);

/* Write watch (wrtwatch.c). *count goes in as the capacity of addresses and comes out as how
 * many were written there. */
VsStatus VsNtGetWriteWatch(VsThread *caller, VsHandle process, uint32_t flags, uint64_t base,
                           uint64_t size, uint64_t *addresses, uint64_t *count,
                           uint32_t *granularity);
VsStatus VsNtResetWriteWatch(VsThread *caller, VsHandle process, uint64_t base, uint64_t size);

/* ---- The machine's own work ------------------------------------------------------------------ */

/* Marks a free or zeroed frame bad (a parity error): it goes to the bad list for good. False if
 * the frame is in use or does not exist. */
bool vs_page_frame_mark_bad(VsSystem *system, uint64_t frame);

/*
 * One pass of the balance set manager (KeBalanceSetManager waking MmWorkingSetManager, once a
 * second on Windows): ages every working set, trims working sets over their maximum and, when
 * available memory is low, those over their minimum, oldest pages first; runs the modified page
 * writer when the modified list is long or memory low; then the zero page thread.
 */
void vs_balance_set_tick(VsSystem *system);
/* The zero page thread's work (MmZeroPageThread): up to max free frames zeroed onto the zeroed
 * list. Returns how many. */
uint64_t vs_zero_free_pages(VsSystem *system, uint64_t max);
/* The modified page writer (MiModifiedPageWriter): up to max modified frames written to the page
 * file and moved to standby. Returns how many (fewer when the page file is full). */
uint64_t vs_write_modified_pages(VsSystem *system, uint64_t max);
/* Removes every unlocked page from the process's working set (MiEmptyWorkingSet). Returns how
 * many pages left it. */
uint64_t vs_empty_working_set(VsProcess *process);

#define VS_WORKING_SET_MINIMUM_PAGES 20 /* MmMinimumWorkingSetSize: no working set is smaller */
/* Sets the working set's minimum and maximum, in pages (MmAdjustWorkingSetSize): see
 * workingset.c for the rules. STATUS_SUCCESS or STATUS_BAD_WORKING_SET_LIMIT. */
VsStatus vs_working_set_set_limits(VsProcess *process, uint64_t minimum, uint64_t maximum);

/* ---- Threads and their stacks (thread.c, stack.c) ------------------------------------------- */

/* INITIAL_TEB: what RtlCreateUserStack gives back. */
typedef struct VsInitialTeb {
    uint64_t OldStackBase, OldStackLimit; /* NULL: a stack made fresh */
    uint64_t StackBase;                   /* the top of the reservation, exclusive */
    uint64_t StackLimit;                  /* the lowest committed page above the guard */
    uint64_t DeallocationStack;           /* the reservation's base */
} VsInitialTeb;

/* The sizes a new stack takes when a call passes 0: the image's SizeOfStackReserve and
 * SizeOfStackCommit. A process made without an image has MSVC's defaults, 1 MB and 4 KB; an image
 * loader sets its header's. */
void vs_process_set_stack_defaults(VsProcess *process, uint64_t reserve, uint64_t commit);

/*
 * RtlCreateUserStack(commit, reserve, zero_bits, commit_align, reserve_align, &initial_teb): a
 * stack in the caller's process, laid out as Windows lays it out (stack.c).
 * STATUS_INVALID_PARAMETER for an alignment of 0; what NtAllocateVirtualMemory returns when the
 * reservation fails. RtlFreeUserStack releases the reservation at deallocation_stack.
 */
VsStatus VsRtlCreateUserStack(VsThread *caller, uint64_t commit, uint64_t reserve,
                              uint64_t zero_bits, uint64_t commit_align, uint64_t reserve_align,
                              VsInitialTeb *stack);
VsStatus VsRtlFreeUserStack(VsThread *caller, uint64_t deallocation_stack);

/*
 * NtCreateThreadEx(&thread, process, flags, zero_bits, stack_size, maximum_stack_size): a thread in
 * the process the handle names (PROCESS_CREATE_THREAD), with its TEB and a user stack of
 * stack_size committed within maximum_stack_size reserved (0: the image's), the handle to it in
 * the caller's table. The thread runs no code of its own: what it does, callers make it do
 * (vs_stack_touch, VsNtTerminateThread).
 */
VsStatus VsNtCreateThreadEx(VsThread *caller, VsHandle *thread_handle, VsHandle process,
                            uint32_t flags, uint64_t zero_bits, uint64_t stack_size,
                            uint64_t maximum_stack_size);
/*
 * RtlCreateUserThread(process, security, suspended, zero_bits, stack_reserve, stack_commit, start,
 * parameter, &thread, &client_id): ntdll's way to a thread, NtCreateThreadEx with the stack's
 * zero bits, commit and reserve passed as given (the start routine, parameter, security and
 * client id are the thread's own business, which the model does not run). The NTSTATUS is
 * NtCreateThreadEx's: the reservation's (STATUS_CONFLICTING_ADDRESSES or
 * STATUS_INVALID_PARAMETER_3 for zero bits it cannot meet), the handle's. Without &thread the
 * thread is made all the same and its handle closed.
 */
VsStatus VsRtlCreateUserThread(VsThread *caller, VsHandle process, bool suspended,
                               uint64_t zero_bits, uint64_t stack_reserve, uint64_t stack_commit,
                               VsHandle *thread_handle);
/* Gives a thread of the model that has none (a process's first) its TEB and user stack, as
 * process creation does for the first thread (PspCreateThread with the image's sizes). */
VsStatus vs_thread_create_stack(VsThread *thread, uint64_t commit, uint64_t reserve);
/* The thread itself ends (RtlExitUserThread -> NtTerminateThread(NtCurrentThread())): its stack
 * reservation and its TEB are released, as PspExitThread does. STATUS_THREAD_IS_TERMINATING if it
 * ended already. */
VsStatus vs_thread_exit(VsThread *thread, uint32_t exit_code);
/* The thread writes its TEB's stack fields (NtCurrentTeb()->DeallocationStack, Tib.StackBase,
 * Tib.StackLimit): any values, as a program may, which the kernel's guard-page handling and thread
 * exit then go by. STATUS_THREAD_IS_TERMINATING for an ended thread, STATUS_INVALID_PARAMETER for
 * one with no TEB. */
VsStatus vs_thread_set_stack(VsThread *thread, uint64_t deallocation_stack, uint64_t stack_base,
                             uint64_t stack_limit);
/*
 * The thread's code calls functions whose frames reach bytes below StackBase: as the compiler's
 * stack probe (__chkstk) does, one byte is written in each page from the one below StackLimit down
 * to the deepest (only the deepest byte, if that lies above StackLimit). Returns STATUS_SUCCESS or
 * the exception the first failing probe raised: STATUS_STACK_OVERFLOW, STATUS_ACCESS_VIOLATION.
 * STATUS_THREAD_IS_TERMINATING for an ended thread, STATUS_INVALID_PARAMETER for one with no stack.
 */
VsStatus vs_stack_touch(VsThread *thread, uint64_t bytes);
/* The thread the handle names in the caller's table, or NULL. */
VsThread *vs_handle_thread(VsThread *caller, VsHandle handle);

/* ---- Memory accesses ------------------------------------------------------------------------- */

/*
 * A one-byte load or store by a thread of its process (models the access and, when the PTE is not
 * valid, MmAccessFault). Returns STATUS_SUCCESS, or the exception the access raises:
 * STATUS_ACCESS_VIOLATION (free, reserved or decommitted page; a write to a read-only page; a
 * no-access page), STATUS_GUARD_PAGE_VIOLATION (the first touch of a guard page, which clears the
 * guard), or STATUS_INSUFFICIENT_RESOURCES (no frame can be had: every frame is active or
 * modified with the page file full; Windows would wait, and its commit limit keeps this from
 * happening).
 */
/* A guard page in the accessing thread's own stack is not an exception: the stack grows (stack.c),
 * or, at its end, the access raises STATUS_STACK_OVERFLOW. */
VsStatus vs_memory_read(VsThread *thread, uint64_t address, uint8_t *value);
VsStatus vs_memory_write(VsThread *thread, uint64_t address, uint8_t value);

/* The kind of an access, as the exception it raises says it (EXCEPTION_RECORD's
 * ExceptionInformation[0]: EXCEPTION_READ_FAULT, EXCEPTION_WRITE_FAULT, EXCEPTION_EXECUTE_FAULT).
 */
typedef enum VsAccess {
    VS_READ_ACCESS = 0,
    VS_WRITE_ACCESS = 1,
    VS_EXECUTE_ACCESS = 8,
} VsAccess;

/*
 * An instruction fetch at address by a thread of its process (models what the processor does with
 * the PTE, and MmAccessFault for a page not valid: the page is made valid as for a read, and the
 * retried fetch then meets the PTE's NoExecute bit). STATUS_SUCCESS when the page executes, else
 * what a load raises, or STATUS_ACCESS_VIOLATION for a page whose protection does not execute
 * (PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY: their PTEs have NX). Data Execution Prevention
 * is always on, as for every 64-bit process and a 32-bit one linked /NXCOMPAT.
 */
VsStatus vs_memory_execute(VsThread *thread, uint64_t address);

/* ---- Names of the constants above ------------------------------------------------------------ */

/* "PAGE_READWRITE|PAGE_GUARD", "MEM_RESERVE|MEM_COMMIT", ... written into buf; returns buf. */
const char *vs_protect_string(uint32_t protect, char *buf, size_t len);
const char *vs_mem_flags_string(uint32_t flags, char *buf, size_t len);
/* A region's State and Type by name ("MEM_COMMIT", "MEM_RESERVE", "MEM_FREE"; "MEM_PRIVATE",
 * "MEM_MAPPED", "MEM_IMAGE"); NULL for any other value. */
const char *vs_mem_state_name(uint32_t state);
const char *vs_mem_type_name(uint32_t type);

/* Looks a constant up by its Windows name (MEM_, PAGE_, STATUS_, ERROR_, ...). vadsim.h's
 * vs_constant_lookup looks up the Linux personality's names too. */
bool vs_windows_constant_lookup(const char *name, uint64_t *value);

#endif /* VADSIM_NT_H */
