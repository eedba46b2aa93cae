/*
 * vadsim.h - the public interface of the vadsim model of the Windows memory manager.
 *
 * The model is a library with no I/O and no globals: a VsSystem owns everything (processes, their
 * address spaces, page-table pages, the event log the caller attached) and every call takes the object
 * it acts on by pointer. Drivers (the scenario runner, the verification harness, the visualiser) call
 * the Windows-shaped facade below and read what changed from the event log.
 *
 * The facade keeps each Windows routine's name after a "Vs" prefix and its parameter order. A call is
 * made by a simulated thread (VsThread), as in Windows, so the Win32 layer can keep the last error per
 * thread; process arguments are handles in the calling process's handle table, NtCurrentProcess()
 * (VS_CURRENT_PROCESS) naming the caller's own process. Pointers stand for the caller's user buffers:
 * a NULL one is the simulated equivalent of a bad pointer and fails with STATUS_ACCESS_VIOLATION.
 *
 * Addresses are uint64_t on every architecture. Constants keep their Windows names and values.
 */
#ifndef VADSIM_H
#define VADSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_status.h"

/* ---- Windows constants (winnt.h values) ------------------------------------------------------- */

/* XX(name, value): allocation types and memory states the model knows. */
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

/* XX(name, value): file access rights and CreateFile's dispositions (winnt.h, fileapi.h). */
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
    XX(FILE_OVERWRITTEN, 3u)

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

/* XX(name, value): process access rights (winnt.h). */
#define VS_PROCESS_ACCESS_MAP(XX)                                                                  \
    XX(PROCESS_VM_OPERATION, 0x0008u)                                                              \
    XX(PROCESS_VM_READ, 0x0010u)                                                                   \
    XX(PROCESS_VM_WRITE, 0x0020u)                                                                  \
    XX(PROCESS_SET_QUOTA, 0x0100u)                                                                 \
    XX(PROCESS_QUERY_INFORMATION, 0x0400u)                                                         \
    XX(PROCESS_QUERY_LIMITED_INFORMATION, 0x1000u)                                                 \
    XX(PROCESS_ALL_ACCESS, 0x001FFFFFu)

/* XX(name, value): the placeholder flags (Windows 10 1803) and the MEM_EXTENDED_PARAMETER types.
 * Their values overlap others' (MEM_REPLACE_PLACEHOLDER is MEM_DECOMMIT's bit, MEM_RESERVE_PLACEHOLDER
 * MEM_MAPPED's): each means what it means only in the calls that take it. */
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

enum VsWindowsConstant {
#define VS_DEFINE_CONSTANT(name, value) name = value,
    VS_MEM_FLAG_MAP(VS_DEFINE_CONSTANT) VS_MEM_TYPE_MAP(VS_DEFINE_CONSTANT)
    VS_PAGE_FLAG_MAP(VS_DEFINE_CONSTANT)
    VS_PROCESS_ACCESS_MAP(VS_DEFINE_CONSTANT) VS_SECTION_FLAG_MAP(VS_DEFINE_CONSTANT)
    VS_PLACEHOLDER_FLAG_MAP(VS_DEFINE_CONSTANT) VS_FILE_FLAG_MAP(VS_DEFINE_CONSTANT)
#undef VS_DEFINE_CONSTANT
};

/* Page and allocation-granularity sizes; the same on every architecture the model offers. */
#define VS_PAGE_SHIFT 12
#define VS_PAGE_SIZE (1ull << VS_PAGE_SHIFT)
#define VS_GRANULARITY (64ull * 1024)

/* Handles: process handles, plus the pseudo-handle NtCurrentProcess() = (HANDLE)-1. */
typedef uint64_t VsHandle;
#define VS_CURRENT_PROCESS ((VsHandle)-1)
#define VS_NULL_HANDLE ((VsHandle)0)
#define VS_INVALID_HANDLE_VALUE ((VsHandle)-1) /* CreateFileMapping's "no file": the page file */

/* ---- Objects ----------------------------------------------------------------------------------- */

typedef struct VsSystem VsSystem;   /* the machine: processes, page-table store, event log */
typedef struct VsProcess VsProcess; /* models EPROCESS: address space, handle table, threads */
typedef struct VsThread VsThread;   /* models ETHREAD/TEB: the caller of every API, owns last error */
typedef struct VsVad VsVad;         /* models MMVAD_SHORT: one node of a process's VAD tree */
typedef struct VsSection VsSection; /* models SECTION + SEGMENT + CONTROL_AREA: shared pages */

typedef enum VsArch {
    VS_ARCH_X64,     /* 128 TB user space, 4-level paging */
    VS_ARCH_X86,     /* 2 GB user space, 2-level paging */
    VS_ARCH_X86_3GB, /* 3 GB user space (/3GB, large-address-aware), 2-level paging */
    VS_ARCH_LINUX_X64, /* the Linux personality: x86_64 Linux, 4-level paging, VMAs (see below) */
} VsArch;

typedef struct VsSystemConfig {
    VsArch arch;
    uint32_t processors; /* reported by GetSystemInfo; 0 means 4 */
    uint64_t ram_bytes;  /* physical memory: page frames in the PFN database; 0 means 256 MB */
    uint64_t pagefile_bytes; /* the page file; 0 means as large as RAM */
    /* Linux: the file system files live on, as the kernel sees it. */
    uint64_t readahead_bytes; /* a file's read-ahead window (the disk's read_ahead_kb); 0: 128 KB */
    bool files_unaligned; /* mappings of regular files are never 2 MB-aligned (tmpfs, overlayfs
                           * have no thp_get_unmapped_area; ext4 and xfs do: false) */
    /* Linux: the CPU. With protection keys (x86 pku and ospke), memory mapped or mprotected
     * PROT_EXEC alone gets an execute-only key and faults on every load (execonly=pkey);
     * without them (false, the default) it is execute-read (execonly=none). */
    bool execute_only_pkey;
} VsSystemConfig;

/* The fixed layout of an architecture (GetSystemInfo plus what the kernel keeps to itself). */
typedef struct VsLayout {
    VsArch arch;
    const char *name;             /* "x64", "x86", "x86-3gb" */
    uint64_t lowest_user_address; /* MM_LOWEST_USER_ADDRESS: 0x10000 */
    uint64_t highest_user_address; /* MM_HIGHEST_USER_ADDRESS, inclusive */
    uint64_t highest_vad_address; /* MM_HIGHEST_VAD_ADDRESS: the top 64 KB is never allocatable */
    uint64_t shared_user_data;    /* KUSER_SHARED_DATA: 0x7FFE0000 */
    uint32_t paging_levels;       /* 4 on x64, 2 on x86 */
    uint32_t level_bits;          /* index bits per level: 9 (512 entries) or 10 (1024) */
    uint32_t pte_size;            /* bytes per hardware PTE: 8 on x64, 4 on x86 */
    uint32_t mbi_size;            /* sizeof(MEMORY_BASIC_INFORMATION): 48 or 28 */
    bool linux_personality;       /* the process is a Linux one: mmap and friends, not VirtualAlloc */
    uint64_t mmap_base;           /* Linux: mm->mmap_base, where top-down placement starts */
} VsLayout;

VsSystem *vs_system_create(const VsSystemConfig *config); /* NULL when out of host memory */
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
size_t vs_system_process_count(const VsSystem *system);
VsProcess *vs_system_process(VsSystem *system, size_t index); /* in creation order */
VsProcess *vs_process_by_id(const VsSystem *system, uint32_t pid); /* NULL if none has it */

/* A handle to target with the given PROCESS_* rights in the calling thread's process's handle
 * table (the heart of NtOpenProcess). PROCESS_QUERY_INFORMATION brings
 * PROCESS_QUERY_LIMITED_INFORMATION with it, as on Windows Vista and later. */
VsStatus vs_process_open(VsThread *caller, VsProcess *target, uint32_t access,
                         VsHandle *handle);
/* OpenProcess: a handle, or 0 with the last error set (no such process: ERROR_INVALID_PARAMETER
 * from STATUS_INVALID_CID). GetCurrentProcessId: the caller's process id. */
VsHandle VsOpenProcess(VsThread *thread, uint32_t access, bool inherit, uint32_t pid);
uint32_t VsGetCurrentProcessId(const VsThread *thread);
/* The process a handle in thread's process's table names (the pseudo-handle: its own), or NULL. */
VsProcess *vs_handle_process(VsThread *thread, VsHandle handle);

/* Counters of one address space (models the EPROCESS fields of the same names). */
typedef struct VsProcessCounters {
    uint64_t commit_charge;   /* pages of private memory committed (EPROCESS CommitCharge) */
    uint64_t page_table_pages; /* page-table pages at every level, the top one included */
    uint64_t vad_count;       /* nodes in the VAD tree, the KUSER_SHARED_DATA VAD included */
} VsProcessCounters;

void vs_process_counters(const VsProcess *process, VsProcessCounters *out);

/*
 * The host memory the model holds, by what holds it (the model's own bookkeeping, not the host's
 * heap: what a size argument could make grow). Counted when asked: a walk of the sections, files,
 * processes and frames, not of any page range.
 */
typedef struct VsHostBytes {
    uint64_t frames;      /* the PFN database, and the 4 KB of every frame ever written */
    uint64_t page_tables; /* every process's page tables and the table store */
    uint64_t vads;        /* the pools of short and long VADs */
    uint64_t sections;    /* section objects and their prototype PTEs */
    uint64_t files;       /* files' written pages and the sets of pages kept of them */
    uint64_t pagefile;    /* the page file's bitmap and the pages written to it */
    uint64_t processes;   /* process objects, threads, handle tables, working sets, write watch */
    uint64_t total;
} VsHostBytes;

void vs_system_host_bytes(const VsSystem *system, VsHostBytes *out);

/* ---- The NT layer (ntdll -> kernel): returns NTSTATUS --------------------------------------- */

typedef enum VsMemoryInformationClass {
    MemoryBasicInformation = 0,
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
 * MemExtendedParameterAddressRequirements (Pointer to a VsMemAddressRequirements) and checks the
 * others' shape only. */
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
 * reserves one, MEM_RESERVE|MEM_REPLACE_PLACEHOLDER (with MEM_COMMIT, MEM_WRITE_WATCH) turns a whole
 * free placeholder into private memory. See placeholder.c.
 */
VsStatus VsNtAllocateVirtualMemoryEx(VsThread *caller, VsHandle process, uint64_t *base_address,
                                     uint64_t *region_size, uint32_t allocation_type,
                                     uint32_t protect, const VsMemExtendedParameter *parameters,
                                     uint32_t parameter_count);
VsStatus VsNtProtectVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                                  uint64_t *region_size, uint32_t new_protect,
                                  uint32_t *old_protect);
VsStatus VsNtQueryVirtualMemory(VsThread *caller, VsHandle process, uint64_t base_address,
                                VsMemoryInformationClass information_class,
                                VsMemoryBasicInformation *information, uint64_t information_length,
                                uint64_t *return_length);
VsStatus VsNtClose(VsThread *caller, VsHandle handle);

/* ---- The Win32 layer (kernelbase): status -> last error -------------------------------------- */

typedef struct VsSystemInfo {
    uint16_t wProcessorArchitecture; /* 9 AMD64, 0 INTEL */
    uint32_t dwPageSize;
    uint64_t lpMinimumApplicationAddress;
    uint64_t lpMaximumApplicationAddress;
    uint64_t dwActiveProcessorMask;
    uint32_t dwNumberOfProcessors;
    uint32_t dwProcessorType; /* 8664 or 586 */
    uint32_t dwAllocationGranularity;
    uint16_t wProcessorLevel;
    uint16_t wProcessorRevision;
} VsSystemInfo;

VsHandle VsGetCurrentProcess(void);
uint32_t VsGetLastError(const VsThread *thread);
/* Models RtlGetLastNtStatus: the NTSTATUS a failed Win32 call turned into its last error. */
VsStatus VsRtlGetLastNtStatus(const VsThread *thread);
void VsSetLastError(VsThread *thread, uint32_t error);
void VsGetSystemInfo(VsThread *thread, VsSystemInfo *info);
bool VsCloseHandle(VsThread *thread, VsHandle handle);

uint64_t VsVirtualAlloc(VsThread *thread, uint64_t address, uint64_t size, uint32_t allocation_type,
                        uint32_t protect);
uint64_t VsVirtualAllocEx(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                          uint32_t allocation_type, uint32_t protect);
/* VirtualAlloc2 (kernelbase, Windows 10 1803): process NULL means the current process. */
uint64_t VsVirtualAlloc2(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                         uint32_t allocation_type, uint32_t protect,
                         const VsMemExtendedParameter *parameters, uint32_t parameter_count);
bool VsVirtualFree(VsThread *thread, uint64_t address, uint64_t size, uint32_t free_type);
bool VsVirtualFreeEx(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                     uint32_t free_type);
bool VsVirtualProtect(VsThread *thread, uint64_t address, uint64_t size, uint32_t new_protect,
                      uint32_t *old_protect);
bool VsVirtualProtectEx(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                        uint32_t new_protect, uint32_t *old_protect);
uint64_t VsVirtualQuery(VsThread *thread, uint64_t address, VsMemoryBasicInformation *buffer,
                        uint64_t length);
uint64_t VsVirtualQueryEx(VsThread *thread, VsHandle process, uint64_t address,
                          VsMemoryBasicInformation *buffer, uint64_t length);

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
/* NtMapViewOfSectionEx (Windows 10 1803): no ZeroBits, CommitSize or inherit disposition (ViewUnmap),
 * extended parameters; MEM_REPLACE_PLACEHOLDER maps over a whole free placeholder, on page
 * boundaries rather than 64 KB ones. */
VsStatus VsNtMapViewOfSectionEx(VsThread *caller, VsHandle section, VsHandle process,
                                uint64_t *base_address, uint64_t *section_offset,
                                uint64_t *view_size, uint32_t allocation_type,
                                uint32_t win32_protect, const VsMemExtendedParameter *parameters,
                                uint32_t parameter_count);
VsStatus VsNtUnmapViewOfSection(VsThread *caller, VsHandle process, uint64_t base_address);
VsStatus VsNtUnmapViewOfSectionEx(VsThread *caller, VsHandle process, uint64_t base_address,
                                  uint32_t flags);

VsHandle VsCreateFileMapping(VsThread *thread, VsHandle file, uint32_t protect,
                             uint32_t maximum_size_high, uint32_t maximum_size_low,
                             const char *name);
VsHandle VsOpenFileMapping(VsThread *thread, uint32_t desired_access, bool inherit,
                           const char *name);
uint64_t VsMapViewOfFile(VsThread *thread, VsHandle mapping, uint32_t desired_access,
                         uint32_t offset_high, uint32_t offset_low, uint64_t bytes);
uint64_t VsMapViewOfFileEx(VsThread *thread, VsHandle mapping, uint32_t desired_access,
                           uint32_t offset_high, uint32_t offset_low, uint64_t bytes,
                           uint64_t base_address);
/* MapViewOfFile3 (kernelbase, Windows 10 1803): the offset is a full 64-bit value. */
uint64_t VsMapViewOfFile3(VsThread *thread, VsHandle mapping, VsHandle process,
                          uint64_t base_address, uint64_t offset, uint64_t view_size,
                          uint32_t allocation_type, uint32_t page_protection,
                          const VsMemExtendedParameter *parameters, uint32_t parameter_count);
bool VsUnmapViewOfFile(VsThread *thread, uint64_t base_address);
bool VsUnmapViewOfFileEx(VsThread *thread, uint64_t base_address, uint32_t flags);
bool VsUnmapViewOfFile2(VsThread *thread, VsHandle process, uint64_t base_address,
                        uint32_t flags);

/* ---- Files (file.c) ---------------------------------------------------------------------------- */

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
 * *information is FILE_OPENED, FILE_CREATED or FILE_OVERWRITTEN. See file.c. */
VsStatus VsNtCreateFile(VsThread *caller, VsHandle *file, uint32_t desired_access,
                        const char *name, uint32_t create_disposition, uint64_t *information);
/* The file's size (NtQueryInformationFile, FileStandardInformation's EndOfFile). */
VsStatus vs_file_query_size(VsThread *caller, VsHandle file, uint64_t *size);
/* CreateFile (no security attributes or template; sharing is not modelled). INVALID_HANDLE_VALUE
 * on failure, as CreateFile returns. */
VsHandle VsCreateFile(VsThread *thread, const char *name, uint32_t desired_access,
                      uint32_t share_mode, uint32_t creation_disposition, uint32_t attributes);
uint32_t VsGetFileSize(VsThread *thread, VsHandle file, uint32_t *size_high);
/* A byte of the file as ReadFile would see it: coherent with every view of the file. */
VsStatus vs_file_read_byte(VsThread *thread, VsHandle file, uint64_t offset, uint8_t *value);
/* NtFlushVirtualMemory: the dirty pages of a view of a file, in the range, go to the file now. */
VsStatus VsNtFlushVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                                uint64_t *region_size);
/* FlushViewOfFile: the dirty pages of the view's range are written to the file now. */
bool VsFlushViewOfFile(VsThread *thread, uint64_t base_address, uint64_t size);

/* What a section is, for `show section` (SECTION_BASIC_INFORMATION and the segment's counts). */
typedef struct VsSectionInfo {
    uint32_t id;
    const char *name;         /* "" when unnamed */
    uint64_t size, pages;
    uint32_t protection;      /* PAGE_* */
    uint32_t attributes;      /* SEC_COMMIT or SEC_RESERVE (pagefile), SEC_FILE (a file's) */
    uint64_t committed_pages;
    uint32_t handles, views;
} VsSectionInfo;

/* The section a handle of the thread's process names (no rights needed), or NULL. */
const VsSection *vs_handle_section(VsThread *thread, VsHandle handle);
const VsSection *vs_section_lookup(const VsSystem *system, uint32_t id);
void vs_section_info(const VsSection *section, VsSectionInfo *out);
/* A prototype PTE of the section (its raw value, as !pte prints it). */
uint64_t vs_section_prototype(const VsSection *section, uint64_t index);
/* The last index of the run of equal prototype PTEs that starts at index, up to the section's last
 * page: a run of untouched pages is found in one step, however long. */
uint64_t vs_section_prototype_run_end(const VsSection *section, uint64_t index);

/* ---- Who maps what: a section's pages and views, a frame's PTEs (for `show section`, `show pfn`)
 *
 * Read-only queries in the manner of WinDbg's !ca / !section (a control area's segment and its
 * mapped views) and !pfn (the PTEs that map a frame). They change nothing, the node hint included.
 * The arrays are the caller's: each call fills up to capacity entries and returns how many there
 * are, so a caller can size its array from the count (or from VsSectionInfo.views and a frame's
 * share count) and call once. */

/* What one prototype PTE says (models the states of an MMPTE in a SEGMENT's PTE array, which differ
 * from a process PTE's: no decommitted state, and the prototype format means "in the file"). */
typedef enum VsPrototypeState {
    VS_PROTO_NOT_COMMITTED, /* zero: a SEC_RESERVE page no view has committed yet */
    VS_PROTO_DEMAND_ZERO,   /* committed, never touched: the first fault gets a zeroed frame */
    VS_PROTO_IN_FILE,       /* MMPTE_SUBSECTION: the first fault reads the mapped file */
    VS_PROTO_VALID,         /* resident in frame, mapped by share_count valid process PTEs */
    VS_PROTO_TRANSITION,    /* resident in frame, on the standby or modified list: no view maps
                             * it valid, the next touch in any view is a soft fault */
    VS_PROTO_PAGEFILE,      /* only in a page-file slot: the next touch is a hard fault */
} VsPrototypeState;

typedef struct VsPrototypeInfo {
    VsPrototypeState state;
    uint64_t entry;         /* the raw prototype PTE */
    uint32_t protection;    /* PAGE_*: the page's protection in the section (OriginalPte's when
                             * it is resident); 0 when not committed */
    uint64_t frame;         /* VALID, TRANSITION: the frame holding the page; else 0 */
    uint64_t pagefile_slot; /* PAGEFILE: the slot holding it; else 0 */
} VsPrototypeInfo;

/* Decodes prototype PTE index of the section (Segment ThePtes[index]). False past its last page. */
bool vs_section_prototype_info(const VsSystem *system, const VsSection *section, uint64_t index,
                               VsPrototypeInfo *out);
/* The name of the file the section maps, or NULL for a pagefile-backed section (ControlArea
 * FilePointer). */
const char *vs_section_file_name(const VsSection *section);

/* One view of a section (the MMVAD of a mapped view, as !ca lists a control area's views). */
typedef struct VsSectionView {
    const VsProcess *process;
    uint64_t starting_vpn, ending_vpn; /* the view's pages, inclusive as in its VAD */
    uint64_t first_page;               /* the section page at starting_vpn (FirstPrototypePte) */
    uint32_t protection;               /* PAGE_*: the view's protection, from its VAD */
} VsSectionView;

/* Every view of the section in every process, in process creation order and, within a process,
 * in address order. Returns the number of views (the section's view count). */
size_t vs_section_views(const VsSystem *system, const VsSection *section, VsSectionView *out,
                        size_t capacity);

/* One process PTE naming a frame (what !pfn's PteAddress points at, for each process). */
typedef struct VsFrameMapping {
    const VsProcess *process;
    uint64_t address;    /* the virtual address of the page in that process */
    uint32_t protection; /* PAGE_*: the page's protection in that process */
    bool valid;          /* a valid PTE; false: a private page's transition PTE (its frame on the
                          * standby or modified list) */
} VsFrameMapping;

/* The process PTEs that name a frame: for a section page's frame, every valid PTE in every view
 * of the page (as many as the frame's share count); for a private page's, its one PTE, valid or
 * transition. None for a page table or a frame on the zeroed, free or bad list, nor for a
 * section page on standby (its prototype PTE alone names it). Returns how many there are. */
size_t vs_page_frame_mappings(const VsSystem *system, uint64_t frame, VsFrameMapping *out,
                              size_t capacity);

/* ---- Working sets and memory status (kernelbase and psapi) -------------------------------------- */

/* PROCESS_MEMORY_COUNTERS_EX, Windows' field names (the model counts only its own pages). */
typedef struct VsProcessMemoryCounters {
    uint32_t cb;
    uint32_t PageFaultCount;
    uint64_t PeakWorkingSetSize, WorkingSetSize;
    uint64_t QuotaPeakPagedPoolUsage, QuotaPagedPoolUsage;
    uint64_t QuotaPeakNonPagedPoolUsage, QuotaNonPagedPoolUsage;
    uint64_t PagefileUsage, PeakPagefileUsage; /* the commit charge, bytes */
    uint64_t PrivateUsage;
} VsProcessMemoryCounters;

/* PSAPI_WORKING_SET_EX_BLOCK, one field per bit field. */
typedef struct VsWorkingSetExBlock {
    uint32_t Valid, ShareCount, Win32Protection, Shared, Node, Locked, LargePage, Bad;
} VsWorkingSetExBlock;

/* MEMORYSTATUSEX. */
typedef struct VsMemoryStatusEx {
    uint32_t dwLength, dwMemoryLoad;
    uint64_t ullTotalPhys, ullAvailPhys;
    uint64_t ullTotalPageFile, ullAvailPageFile; /* the commit limit, and what is left of it */
    uint64_t ullTotalVirtual, ullAvailVirtual, ullAvailExtendedVirtual;
} VsMemoryStatusEx;

/* (SIZE_T)-1 for both sizes empties the working set; see psapi.c and workingset.c. */
bool VsSetProcessWorkingSetSize(VsThread *thread, VsHandle process, uint64_t minimum_bytes,
                                uint64_t maximum_bytes);
bool VsGetProcessWorkingSetSize(VsThread *thread, VsHandle process, uint64_t *minimum_bytes,
                                uint64_t *maximum_bytes);
bool VsEmptyWorkingSet(VsThread *thread, VsHandle process);
bool VsGetProcessMemoryInfo(VsThread *thread, VsHandle process, VsProcessMemoryCounters *counters);
/* One page's PSAPI_WORKING_SET_EX_BLOCK (the real call takes an array of addresses). */
bool VsQueryWorkingSetEx(VsThread *thread, VsHandle process, uint64_t address,
                         VsWorkingSetExBlock *block);
void VsGlobalMemoryStatusEx(VsThread *thread, VsMemoryStatusEx *status);

/* Locking pages in the working set (lockvm.c). map_type: 1 (MAP_PROCESS). */
VsStatus VsNtLockVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                               uint64_t *region_size, uint32_t map_type);
VsStatus VsNtUnlockVirtualMemory(VsThread *caller, VsHandle process, uint64_t *base_address,
                                 uint64_t *region_size, uint32_t map_type);
bool VsVirtualLock(VsThread *thread, uint64_t address, uint64_t size);

/* Write watch (wrtwatch.c). *count goes in as the capacity of addresses and comes out as how
 * many were written there; the Win32 forms return 0, or (UINT)-1 with the last error set. */
VsStatus VsNtGetWriteWatch(VsThread *caller, VsHandle process, uint32_t flags, uint64_t base,
                           uint64_t size, uint64_t *addresses, uint64_t *count,
                           uint32_t *granularity);
VsStatus VsNtResetWriteWatch(VsThread *caller, VsHandle process, uint64_t base, uint64_t size);
uint32_t VsGetWriteWatch(VsThread *thread, uint32_t flags, uint64_t base, uint64_t size,
                         uint64_t *addresses, uint64_t *count, uint32_t *granularity);
uint32_t VsResetWriteWatch(VsThread *thread, uint64_t base, uint64_t size);
bool VsVirtualUnlock(VsThread *thread, uint64_t address, uint64_t size);

/* ---- Reading the VAD tree -------------------------------------------------------------------- */

/* What a VAD describes. Windows encodes this in MMVAD_FLAGS (PrivateMemory, VadType, NoChange). */
typedef enum VsVadKind {
    VS_VAD_PRIVATE,          /* VirtualAlloc memory: PrivateMemory = 1, VadNone */
    VS_VAD_SHARED_USER_DATA, /* the KUSER_SHARED_DATA VAD: private, NoChange, never freed */
    VS_VAD_MAPPED,           /* a view of a section: PrivateMemory = 0, an MMVAD with its section */
    VS_VAD_PLACEHOLDER,      /* a free placeholder: reserved, PAGE_NOACCESS, never committed */
} VsVadKind;

typedef struct VsVadInfo {
    uint64_t starting_vpn;  /* first page, inclusive */
    uint64_t ending_vpn;    /* last page, inclusive */
    VsVadKind kind;
    uint32_t protection;    /* the allocation protection as PAGE_* */
    uint64_t commit_charge; /* pages of commit this VAD holds */
    bool mem_commit;        /* committed whole at reserve time: zero PTEs mean committed */
    bool private_memory;
    bool no_change;
    bool placeholder;       /* a placeholder, or made from one: releasing it may leave one */
    int balance;            /* AVL balance: height(right) - height(left), -1..1 */
    uint32_t level;         /* depth of this node, the root being 0 */
    uint32_t section;       /* a view's section id (0 for private memory) */
    uint64_t first_prototype; /* a view's first page, as an index into its section's pages */
} VsVadInfo;

typedef struct VsVadTreeShape {
    uint64_t count;
    uint32_t depth; /* levels in the tree: 0 when empty, 1 for a lone root */
} VsVadTreeShape;

const VsVad *vs_vad_first(const VsProcess *process); /* lowest VAD (in-order walk) */
const VsVad *vs_vad_next(const VsVad *vad);
const VsVad *vs_vad_root(const VsProcess *process);
const VsVad *vs_vad_left(const VsVad *vad);
const VsVad *vs_vad_right(const VsVad *vad);
void vs_vad_info(const VsVad *vad, VsVadInfo *out);
void vs_vad_tree_shape(const VsProcess *process, VsVadTreeShape *out);
/* The VAD containing the address, or NULL (models MiLocateAddress; uses and updates the hint). */
const VsVad *vs_vad_lookup(VsProcess *process, uint64_t address);

/* ---- Reading page tables --------------------------------------------------------------------- */

/* What one PTE says, decoded (models the states of MMPTE, WRK mm/amd64/miamd.h). */
typedef enum VsPteState {
    VS_PTE_STATE_ZERO,        /* all bits 0: "ask the VAD" */
    VS_PTE_STATE_DEMAND_ZERO, /* committed, never touched: protection only */
    VS_PTE_STATE_DECOMMITTED, /* protection MM_DECOMMIT: not committed even in a MemCommit VAD */
    VS_PTE_STATE_VALID,       /* hardware-valid: maps a frame (a page, or above the leaf a table) */
    VS_PTE_STATE_TRANSITION,  /* invalid, but the page is still in its frame (a soft fault away) */
    VS_PTE_STATE_PAGEFILE,    /* the page is only in a page-file slot (a hard fault away) */
    VS_PTE_STATE_PROTOTYPE,   /* a view's page: its prototype PTE (found through the VAD) says
                               * where it is; the protection is this process's */
} VsPteState;

typedef struct VsPteLevel {
    bool present;     /* the table at this level exists */
    uint32_t index;   /* index of the entry within its table */
    uint64_t table;   /* the table's page number in the page-table store */
    uint64_t entry;   /* the raw 64-bit entry */
} VsPteLevel;

/* A !pte-style walk for one address: levels[0] is the top (PXE on x64, PDE on x86). */
typedef struct VsPteWalk {
    uint32_t levels;
    VsPteLevel level[4];
    uint32_t protection; /* PAGE_* of the page when its leaf PTE is valid (a private frame's
                          * OriginalPte, a shared one's working-set entry), else 0 */
} VsPteWalk;

void vs_pte_walk(const VsProcess *process, uint64_t address, VsPteWalk *out);
VsPteState vs_pte_state(uint64_t entry);
/* PAGE_* protection a software or transition PTE carries; 0 for a valid one (the protection of a
 * resident page is in its PFN entry's OriginalPte, vs_page_frame_info). */
uint32_t vs_pte_protection(uint64_t entry);
uint64_t vs_pte_frame_number(uint64_t entry); /* the frame a valid or transition PTE names */
uint64_t vs_pte_pagefile_slot_of(uint64_t entry); /* the slot a page-file PTE names, else 0 */
bool vs_pte_accessed(uint64_t entry);            /* a valid PTE's Accessed bit */
bool vs_pte_dirty(uint64_t entry);               /* a valid PTE's Dirty bit */

/* ---- Physical memory (the PFN database) -------------------------------------------------------- */

/* MMLISTS (WRK inc/mm.h): where a frame is. The numbers are Windows' PageLocation values; 4 is
 * ModifiedNoWrite, which the model does not have (it orders no file-system writes). */
typedef enum VsPageLocation {
    VS_PAGE_ZEROED = 0,   /* on the zeroed list (or never used): ready for a demand-zero fault */
    VS_PAGE_FREE = 1,     /* on the free list: its old contents must be zeroed before reuse */
    VS_PAGE_STANDBY = 2,  /* on the standby list: clean, still its page's (a soft fault takes it
                           * back), or repurposed when memory is needed */
    VS_PAGE_MODIFIED = 3, /* on the modified list: dirty, to be written to the page file first */
    VS_PAGE_BAD = 5,      /* on the bad list: never used again */
    VS_PAGE_ACTIVE = 6,   /* ActiveAndValid: mapped by a valid PTE, or a page table */
} VsPageLocation;

typedef struct VsFrameInfo {
    VsPageLocation location;
    uint32_t pid;             /* the owner of an active frame, or of the page a list frame holds */
    uint64_t vpn;             /* the page that maps it (PteAddress); a page table's first page */
    uint32_t protection;      /* PAGE_* from OriginalPte */
    uint64_t pagefile_slot;   /* the page-file slot OriginalPte names (a clean copy), or 0 */
    uint32_t share_count;     /* valid PTEs mapping it */
    uint32_t reference_count;
    bool modified;            /* newer than any page-file copy */
    bool page_table;          /* the frame holds a page table of process pid */
    uint32_t section;         /* a section page's section (pid is 0 then, vpn the page's index) */
} VsFrameInfo;

typedef struct VsMemoryCounters {
    uint64_t total_pages, zeroed_pages, free_pages, standby_pages, modified_pages, bad_pages,
        active_pages;
    uint64_t available_pages;              /* zeroed + free + standby */
    uint64_t pagefile_pages, pagefile_used, pagefile_peak;
    uint64_t commit_total, commit_limit, commit_peak; /* system commit charge, pages */
    uint64_t ticks;                        /* balance-set passes so far */
} VsMemoryCounters;

void vs_memory_counters(const VsSystem *system, VsMemoryCounters *out);
bool vs_page_frame_info(const VsSystem *system, uint64_t frame, VsFrameInfo *out);
/* Marks a free or zeroed frame bad (a parity error): it goes to the bad list for good. False if
 * the frame is in use or does not exist. */
bool vs_page_frame_mark_bad(VsSystem *system, uint64_t frame);

/* ---- Working sets and the balance set manager ---------------------------------------------------- */

typedef struct VsWorkingSetInfo {
    uint64_t size, peak;         /* resident pages now, and the most ever */
    uint64_t minimum, maximum;   /* pages */
    uint64_t page_faults;        /* PageFaultCount: demand-zero, soft and hard faults */
} VsWorkingSetInfo;

typedef struct VsWorkingSetEntry {
    uint64_t vpn;
    uint64_t frame;
    uint32_t age;    /* 0..3 */
    bool locked;
    bool shared;     /* a section page: other processes may map the frame too */
} VsWorkingSetEntry;

void vs_process_working_set(const VsProcess *process, VsWorkingSetInfo *out);
/* Entry index of the process's working-set list (0 .. size-1); false past the end. */
bool vs_process_working_set_entry(const VsProcess *process, uint64_t index,
                                  VsWorkingSetEntry *out);

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

/* ---- Memory accesses --------------------------------------------------------------------------- */

/*
 * A one-byte load or store by a thread of its process (models the access and, when the PTE is not
 * valid, MmAccessFault). Returns STATUS_SUCCESS, or the exception the access raises:
 * STATUS_ACCESS_VIOLATION (free, reserved or decommitted page; a write to a read-only page; a
 * no-access page), STATUS_GUARD_PAGE_VIOLATION (the first touch of a guard page, which clears the
 * guard), or STATUS_INSUFFICIENT_RESOURCES (no frame can be had: every frame is active or
 * modified with the page file full; Windows would wait, and its commit limit keeps this from
 * happening).
 */
VsStatus vs_memory_read(VsThread *thread, uint64_t address, uint8_t *value);
VsStatus vs_memory_write(VsThread *thread, uint64_t address, uint8_t value);
/* Short level names as !pte prints them: "PXE", "PPE", "PDE", "PTE". */
const char *vs_pte_level_name(const VsProcess *process, uint32_t level);

/* ---- Events ------------------------------------------------------------------------------------ */

typedef enum VsEventKind {
    VS_EV_VAD_INSERTED,   /* a new VAD [vpn_start, vpn_end] */
    VS_EV_VAD_REMOVED,    /* the VAD [vpn_start, vpn_end] was deleted */
    VS_EV_VAD_TRIMMED,    /* VAD [old_start, old_end] now covers [vpn_start, vpn_end] */
    VS_EV_VAD_SPLIT,      /* VAD [old_start, old_end] lost [vpn_start, vpn_end] from its middle */
    VS_EV_RANGE_ROUNDED,  /* the request [address, address+size) became pages [vpn_start, vpn_end] */
    VS_EV_COMMITTED,      /* [vpn_start, vpn_end] committed with protection; pages charged */
    VS_EV_DECOMMITTED,    /* [vpn_start, vpn_end] decommitted; pages uncharged */
    VS_EV_PROTECTED,      /* [vpn_start, vpn_end] changed from old_protection to protection */
    VS_EV_TABLE_CREATED,  /* a page-table page at level, covering [vpn_start, vpn_end] */
    VS_EV_TABLE_FREED,    /* the table at level covering [vpn_start, vpn_end] became empty */
    VS_EV_DEMAND_ZERO_FAULT, /* page vpn_start got a zeroed frame (frame, taken from list) */
    VS_EV_SOFT_FAULT,     /* transition page vpn_start was made valid again in its frame, taken
                           * back from list (standby or modified) */
    VS_EV_HARD_FAULT,     /* page vpn_start was read from page-file slot into frame (from list) */
    VS_EV_GUARD_PAGE,     /* vpn_start's guard was consumed: STATUS_GUARD_PAGE_VIOLATION */
    VS_EV_ACCESS_VIOLATION, /* an access to vpn_start raised STATUS_ACCESS_VIOLATION */
    VS_EV_FRAME_RELEASED, /* page vpn_start's frame (frame) went back to the free list */
    VS_EV_PAGE_TRIMMED,   /* page vpn_start left the working set: frame went to list (standby or
                           * modified), its PTE to transition; age says how old it was */
    VS_EV_PAGE_WRITTEN,   /* the modified page writer wrote frame (page vpn_start of pid) to slot;
                           * it moved to standby */
    VS_EV_PAGE_REPURPOSED, /* standby frame was taken from page vpn_start of pid, whose PTE got
                            * its OriginalPte back (page-file slot, or demand zero when slot is 0) */
    VS_EV_PAGES_ZEROED,   /* the zero page thread moved pages frames from free to zeroed */
    VS_EV_WORKING_SET_AGED, /* a balance-set pass aged pid's working set (pages entries) */
    VS_EV_PAGES_RESET,    /* MEM_RESET: [vpn_start, vpn_end]'s contents are no longer wanted */
    VS_EV_SECTION_CREATED, /* section of size bytes was created; pages of commit charged */
    VS_EV_SECTION_DELETED, /* section's last reference went; pages of commit returned */
    VS_EV_SECTION_COMMITTED, /* [vpn_start, vpn_end] of a SEC_RESERVE view committed its
                              * section's pages (pages: newly charged) */
    VS_EV_VIEW_MAPPED,     /* [vpn_start, vpn_end] of pid now maps section from page slot */
    VS_EV_VIEW_UNMAPPED,   /* the view [vpn_start, vpn_end] of section is gone from pid */
    VS_EV_COPY_ON_WRITE,   /* the first store to copy-on-write page vpn_start of pid: a private
                            * frame (frame, from list) copied from the shared one (old_start) */
    VS_EV_RESET_UNDONE,   /* MEM_RESET_UNDO: [vpn_start, vpn_end] wanted again; pages of them had
                           * already lost their contents (0: the undo succeeded) */
    VS_EV_VIEW_FLUSHED,   /* FlushViewOfFile on [vpn_start, vpn_end] of section: pages written */
    VS_EV_PLACEHOLDER_RESERVED, /* a new placeholder VAD [vpn_start, vpn_end] */
    VS_EV_PLACEHOLDER_SPLIT,    /* placeholder [old_start, old_end] split: [vpn_start, vpn_end] is
                                 * a placeholder of its own, the rest stays one */
    VS_EV_PLACEHOLDERS_COALESCED, /* pages placeholders became one, [vpn_start, vpn_end] */
    VS_EV_PLACEHOLDER_REPLACED, /* placeholder [vpn_start, vpn_end] became private memory
                                 * (section 0) or a view of section, with protection */
    VS_EV_VMA_SPLIT,      /* Linux: VMA [old_start, old_end] split before page vpn_start */
    VS_EV_VMA_MERGED,     /* Linux: VMAs became one, [vpn_start, vpn_end]; [old_start, old_end] was
                           * the one absorbed */
    VS_EV_VMA_MOVED,      /* Linux mremap: [old_start, old_end] now lives at [vpn_start, vpn_end],
                           * its pages moved with it (pages of them) */
    VS_EV_ANON_VMA,       /* Linux: the VMA [vpn_start, vpn_end] got anon_vma number frame
                           * (pages 1: shared with a neighbour's) at its first private page */
    VS_EV_PAGES_DISCARDED, /* Linux MADV_DONTNEED/REMOVE, ftruncate: [vpn_start, vpn_end] lost
                            * its pages; pages of them were resident */
    VS_EV_PROCESS_FORKED, /* Linux fork: pid made child process frame (its pid) */
    VS_EV_VMA_PKEY,       /* Linux: the VMA [vpn_start, vpn_end] now has protection key frame
                           * (1: execute-only, PKRU denies loads and stores; 0: the default) */
    VS_EV_PKEY_FAULT,     /* Linux: an access to vpn_start was refused by its VMA's protection
                           * key frame, not by the page table: SIGSEGV (SEGV_PKUERR) */
    VS_EV_PLACEHOLDER_RESTORED, /* [vpn_start, vpn_end], released or unmapped, is a placeholder
                                 * again (keep last: tests walk the kinds up to it) */
} VsEventKind;

typedef struct VsEvent {
    VsEventKind kind;
    uint32_t pid;
    uint64_t vpn_start, vpn_end; /* inclusive page range the event is about */
    uint64_t old_start, old_end; /* the VAD before a trim or split (inclusive pages) */
    uint64_t address, size;      /* the caller's request, for VS_EV_RANGE_ROUNDED */
    uint64_t pages;              /* commit charged or returned, in pages; for faults and trims,
                                  * the working set's size after; pages zeroed, entries aged */
    uint32_t protection;         /* PAGE_* */
    uint32_t old_protection;     /* PAGE_* before VS_EV_PROTECTED */
    uint32_t level;              /* page-table level (0 = top) for the table events */
    uint64_t frame;              /* page frame number for the fault and frame events */
    uint64_t slot;               /* page-file slot (hard fault, page written, repurposed) */
    VsPageLocation list;         /* the list a frame came from or went to */
    uint32_t age;                /* a trimmed page's age */
    bool write;                  /* the access was a store (fault events) */
    uint32_t section;            /* the section concerned (0: none); for a section page's frame
                                  * events, vpn_start is the page's index in it */
    bool mapped_file;            /* the section maps a file: faults read it, writes go back to it */
} VsEvent;

/*
 * An event log the caller owns and attaches; the model appends to it and never calls out. Read
 * events[0..count), then vs_event_log_clear. lost counts events the model could not store.
 */
typedef struct VsEventLog {
    VsEvent *events;
    size_t count;
    size_t capacity;
    size_t lost;
} VsEventLog;

void vs_system_attach_log(VsSystem *system, VsEventLog *log); /* NULL detaches */
void vs_event_log_clear(VsEventLog *log);
void vs_event_log_free(VsEventLog *log);
const char *vs_event_kind_name(VsEventKind kind);
/* "zeroed", "free", "standby", "modified", "bad", "active". */
const char *vs_page_location_name(VsPageLocation location);

/* ---- The Linux personality (vma.c, mmap.c, mprotect.c, madvise.c, mremap.c, msync.c, mincore.c,
 *      shmem.c, fork.c) ----------------------------------------------------------------------------
 *
 * A system made with VS_ARCH_LINUX_X64 runs Linux's memory calls over the same core: a VMA
 * (vm_area_struct) is a node of the same AVL tree a VAD is (Linux keeps VMAs in a maple tree since
 * 6.1, and in an augmented red-black tree before it, the idea the VAD tree's free gaps borrow),
 * anonymous memory faults in through the same page tables and PFN database, and every file, memfd,
 * POSIX shared-memory object and shared anonymous mapping is a file whose page cache is a section
 * with prototype PTEs. The calls take C's arguments and return C's results; errno is kept per thread
 * where a Windows thread keeps its last error (VsGetLastError reads it). Constants keep their Linux
 * names and x86_64 values. */

/* XX(name, value): mmap, mprotect, madvise, msync, mremap, memfd_create and open arguments. */
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
    XX(SIGBUS, 7u)                                                                                 \
    XX(SIGSEGV, 11u)

/* XX(name, value): the errno values the calls return (asm-generic/errno-base.h, errno.h). */
#define VS_ERRNO_MAP(XX)                                                                           \
    XX(EPERM, 1)                                                                                   \
    XX(ENOENT, 2)                                                                                  \
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
#define VS_MAP_FAILED UINT64_MAX /* (void *)-1 */

/* The calls. Each returns what the C library call returns: an address or VS_MAP_FAILED, 0 or -1, a
 * descriptor or -1; on failure errno (vs_errno) says why. A NULL vector or name is a bad pointer
 * (EFAULT). See each file for the rules, in the order the kernel checks them. */
int vs_errno(const VsThread *thread);
uint64_t vs_mmap(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot,
                 uint32_t flags, int64_t fd, uint64_t offset);
int vs_munmap(VsThread *thread, uint64_t address, uint64_t length);
int vs_mprotect(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot);
int vs_madvise(VsThread *thread, uint64_t address, uint64_t length, uint32_t advice);
uint64_t vs_mremap(VsThread *thread, uint64_t old_address, uint64_t old_size, uint64_t new_size,
                   uint32_t flags, uint64_t new_address);
int vs_msync(VsThread *thread, uint64_t address, uint64_t length, uint32_t flags);
/* vec gets one byte per page (bit 0: resident); vec_length bytes are room for that many pages. */
int vs_mincore(VsThread *thread, uint64_t address, uint64_t length, uint8_t *vec,
               uint64_t vec_length);
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
/* A memory access's Linux signal: SIGSEGV for STATUS_ACCESS_VIOLATION, SIGBUS for
 * STATUS_IN_PAGE_ERROR (a file page wholly past the end of the file), 0 for success. */
uint32_t vs_signal_of(VsStatus status);

/* vm.max_map_count as the model enforces it: the default, 65530 (mm.h DEFAULT_MAX_MAP_COUNT). */
#define VS_MAX_MAP_COUNT 65530

/* One line of /proc/PID/maps (show_map_vma): what a VMA is. */
typedef struct VsVmaInfo {
    uint64_t start, end;      /* [start, end) */
    bool read, write, exec;   /* VM_READ, VM_WRITE, VM_EXEC */
    bool may_share;           /* VM_MAYSHARE: 's' in the permissions, else 'p' */
    uint64_t offset;          /* vm_pgoff * page size for a file (shmem included), 0 if none */
    uint32_t dev_major, dev_minor;
    uint64_t inode;
    char name[80];            /* the path column: "" for anonymous memory */
    uint64_t vm_flags;        /* the model's VM_* bits (vma.c), for the curious */
    uint32_t anon_vma;        /* the anon_vma the VMA's private pages hang on (0: none yet) */
    uint32_t pkey;            /* its protection key (smaps' ProtectionKey): 0, or 1 for memory
                               * that is execute-only on a CPU with protection keys */
    bool pkeys;               /* the machine has protection keys (smaps shows ProtectionKey) */
    uint64_t resident_pages;  /* pages of this VMA a PTE maps now */
} VsVmaInfo;

/* The first VMA that ends above address (find_vma), or false when there is none. */
bool vs_vma_find(const VsProcess *process, uint64_t address, VsVmaInfo *out);
/* Writes the maps line of a VMA (without the newline) into buf; returns buf. */
const char *vs_vma_maps_line(const VsVmaInfo *vma, char *buf, size_t len);
/* Writes smaps' VmFlags for a VMA ("rd wr mr mw me ac": the flags the model keeps) into buf;
 * returns buf. */
const char *vs_vma_smaps_flags(const VsVmaInfo *vma, char *buf, size_t len);
/* /proc/PID/pagemap's entry for the page at address (pagemap.rst): bit 63 present, bit 61 a file
 * or shared page, bit 56 mapped exclusively, bits 0-54 the frame number. */
uint64_t vs_pagemap_entry(const VsProcess *process, uint64_t address);
#define VS_PAGEMAP_PRESENT (1ull << 63)
#define VS_PAGEMAP_FILE_SHARED (1ull << 61)
#define VS_PAGEMAP_EXCLUSIVE (1ull << 56)
#define VS_PAGEMAP_PFN_MASK ((1ull << 55) - 1)

/* ---- Invariants -------------------------------------------------------------------------------- */

/*
 * Checks every structural invariant of the system (models Linux's validate_mm; Windows has no
 * public equivalent): AVL order, balance and parent links, VADs disjoint and inside user space,
 * free-gap bookkeeping, page-table used counts, every PTE inside a VAD, commit charge equal to what
 * the PTEs and VADs say. Returns true if all hold; otherwise false with the first violation written
 * to why (when why_len > 0).
 */
bool vs_check(const VsSystem *system, char *why, size_t why_len);

/* ---- Names ------------------------------------------------------------------------------------ */

/* "PAGE_READWRITE|PAGE_GUARD", "MEM_RESERVE|MEM_COMMIT", ... written into buf; returns buf. */
const char *vs_protect_string(uint32_t protect, char *buf, size_t len);
const char *vs_mem_flags_string(uint32_t flags, char *buf, size_t len);
/* A region's State and Type by name ("MEM_COMMIT", "MEM_RESERVE", "MEM_FREE"; "MEM_PRIVATE",
 * "MEM_MAPPED", "MEM_IMAGE"); NULL for any other value. */
const char *vs_mem_state_name(uint32_t state);
const char *vs_mem_type_name(uint32_t type);

/* Looks a constant up by its Windows name (MEM_, PAGE_, STATUS_, ERROR_). */
bool vs_constant_lookup(const char *name, uint64_t *value);

#endif /* VADSIM_H */
