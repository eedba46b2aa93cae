/*
 * vadsim/win32.h - the Win32 layer's calls (kernelbase and psapi): each turns an NT call's status
 * into the calling thread's last error, as kernelbase does. Included by vadsim.h.
 */
#ifndef VADSIM_WIN32_H
#define VADSIM_WIN32_H

#include "vadsim/inspect.h"
#include "vadsim/nt.h"

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
/* The smallest large page (what a PDE maps): 2 MB on x64, 4 MB on x86. */
uint64_t VsGetLargePageMinimum(const VsThread *thread);
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

/* ---- File mappings --------------------------------------------------------------------------- */

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
bool VsUnmapViewOfFile2(VsThread *thread, VsHandle process, uint64_t base_address, uint32_t flags);

/* The FromApp calls (kernelbase, Windows 10; fromapp.c): VirtualAllocFromApp and
 * VirtualAlloc2FromApp refuse each of the four executable protections (ERROR_INVALID_PARAMETER,
 * nothing allocated); for a desktop process the rest is their siblings'. */
uint64_t VsVirtualAllocFromApp(VsThread *thread, uint64_t address, uint64_t size,
                               uint32_t allocation_type, uint32_t protection);
uint64_t VsVirtualAlloc2FromApp(VsThread *thread, VsHandle process, uint64_t address, uint64_t size,
                                uint32_t allocation_type, uint32_t page_protection,
                                const VsMemExtendedParameter *parameters, uint32_t parameter_count);
bool VsVirtualProtectFromApp(VsThread *thread, uint64_t address, uint64_t size,
                             uint32_t new_protection, uint32_t *old_protection);
uint64_t VsMapViewOfFileFromApp(VsThread *thread, VsHandle mapping, uint32_t desired_access,
                                uint64_t file_offset, uint64_t bytes);
uint64_t VsMapViewOfFile3FromApp(VsThread *thread, VsHandle mapping, VsHandle process,
                                 uint64_t base_address, uint64_t offset, uint64_t view_size,
                                 uint32_t allocation_type, uint32_t page_protection,
                                 const VsMemExtendedParameter *parameters,
                                 uint32_t parameter_count);

/* ---- Files and processes --------------------------------------------------------------------- */

/* CreateFile (no security attributes or template; sharing is not modelled). INVALID_HANDLE_VALUE
 * on failure, as CreateFile returns. */
VsHandle VsCreateFile(VsThread *thread, const char *name, uint32_t desired_access,
                      uint32_t share_mode, uint32_t creation_disposition, uint32_t attributes);
uint32_t VsGetFileSize(VsThread *thread, VsHandle file, uint32_t *size_high);
/* ReadFile: *read (when not NULL) the bytes read, 0 at the end of the file, which is a success
 * without an OVERLAPPED. overlapped: 0, or an OVERLAPPED's address in the caller's memory (a read
 * left pending: FALSE with ERROR_IO_PENDING). WriteFile likewise, to a pipe. */
bool VsReadFile(VsThread *thread, VsHandle file, uint64_t buffer, uint32_t length, uint64_t *read,
                uint64_t overlapped);
bool VsWriteFile(VsThread *thread, VsHandle file, uint64_t buffer, uint32_t length,
                 uint64_t *written, uint64_t overlapped);
/* A synchronous ReadFile or ConnectNamedPipe that left its thread waiting returns FALSE at once,
 * last error untouched; once a later call completed it, VsBlockedCallReturn gives its return
 * (*ret, the last error, *information the count) and true, false while it still waits. */
bool VsBlockedCallReturn(VsThread *thread, bool *ret, uint64_t *information);
/* GetOverlappedResult: the result an OVERLAPPED holds, ERROR_IO_INCOMPLETE while it is pending. */
bool VsGetOverlappedResult(VsThread *thread, VsHandle file, uint64_t overlapped,
                           uint64_t *transferred, bool wait);
/* Readies an OVERLAPPED at address: zeroed, hEvent the event; the exception a store raised or 0. */
uint32_t vs_overlapped_init(VsThread *thread, uint64_t address, VsHandle event);
/* CreateNamedPipe (no security attributes): the server's end, or INVALID_HANDLE_VALUE.
 * ConnectNamedPipe: with an OVERLAPPED, FALSE and ERROR_IO_PENDING until a client comes. */
VsHandle VsCreateNamedPipe(VsThread *thread, const char *name, uint32_t open_mode,
                           uint32_t pipe_mode, uint32_t instances, uint32_t out_size,
                           uint32_t in_size, uint32_t timeout);
bool VsConnectNamedPipe(VsThread *thread, VsHandle pipe, uint64_t overlapped);
/* CreateEvent (unnamed): a handle or NULL. WaitForSingleObject: WAIT_OBJECT_0, WAIT_TIMEOUT or
 * WAIT_FAILED. */
VsHandle VsCreateEvent(VsThread *thread, bool manual_reset, bool initial_state);
uint32_t VsWaitForSingleObject(VsThread *thread, VsHandle handle, uint32_t milliseconds);
/* LoadLibrary(Ex) maps a declared image and enters it in the loader's list (no imports, no
 * DllMain; flags 0 or DONT_RESOLVE_DLL_REFERENCES): the module's base, or 0 and the last error.
 * GetModuleHandle(NULL) is the EXE's base. FreeLibrary drops a load, unmapping with the last. */
uint64_t VsLoadLibrary(VsThread *thread, const char *name);
uint64_t VsLoadLibraryEx(VsThread *thread, const char *name, uint32_t flags);
uint64_t VsGetModuleHandle(VsThread *thread, const char *name);
bool VsFreeLibrary(VsThread *thread, uint64_t module);
/* FlushViewOfFile: the dirty pages of the view's range are written to the file now. */
bool VsFlushViewOfFile(VsThread *thread, uint64_t base_address, uint64_t size);

/* OpenProcess: a handle, or 0 with the last error set (no such process: ERROR_INVALID_PARAMETER
 * from STATUS_INVALID_CID). GetCurrentProcessId: the caller's process id. */
VsHandle VsOpenProcess(VsThread *thread, uint32_t access, bool inherit, uint32_t pid);
uint32_t VsGetCurrentProcessId(const VsThread *thread);
/* DuplicateHandle: NtDuplicateObject, inherit as OBJ_INHERIT; *target_handle gets the new handle.
 */
bool VsDuplicateHandle(VsThread *thread, VsHandle source_process, VsHandle source_handle,
                       VsHandle target_process, VsHandle *target_handle, uint32_t access,
                       bool inherit, uint32_t options);

/* ---- Threads and their stacks (kernelbase's CreateRemoteThreadEx, win32/thread.c) ------------ */

/* CreateThread / CreateRemoteThread: stack_size is the commit, or with
 * STACK_SIZE_PARAM_IS_A_RESERVATION the reserve (0: the image's); a handle, or 0 with the last
 * error set. *tid (if not NULL) receives the thread's id. */
VsHandle VsCreateThread(VsThread *thread, uint64_t stack_size, uint32_t flags, uint32_t *tid);
VsHandle VsCreateRemoteThread(VsThread *thread, VsHandle process, uint64_t stack_size,
                              uint32_t flags, uint32_t *tid);
/* SetThreadStackGuarantee, called by thread itself: *size in, the previous guarantee out. */
bool VsSetThreadStackGuarantee(VsThread *thread, uint32_t *size);
/* GetCurrentThreadStackLimits, called by thread itself: DeallocationStack and StackBase. */
void VsGetCurrentThreadStackLimits(VsThread *thread, uint64_t *low, uint64_t *high);

/* ---- Pointer probes (win32/badptr.c) ----------------------------------------------------------
 */

/* IsBadReadPtr, IsBadWritePtr, IsBadCodePtr, called by thread: whether touching the bytes (each
 * page once; a write probe reads and writes back) raised. Size 0 is false, touching nothing. */
bool VsIsBadReadPtr(VsThread *thread, uint64_t pointer, uint64_t size);
bool VsIsBadWritePtr(VsThread *thread, uint64_t pointer, uint64_t size);
bool VsIsBadCodePtr(VsThread *thread, uint64_t pointer);

/* ---- Heaps (kernelbase's Heap* calls over ntdll's heap, win32/heap.c, heap.c) ------------------
 */

/* HeapCreate: maximum 0 makes a growable heap; the handle (the heap's base), or 0 with the last
 * error set. */
uint64_t VsHeapCreate(VsThread *thread, uint32_t flags, uint64_t initial, uint64_t maximum);
uint64_t VsGetProcessHeap(VsThread *thread);
/* HeapAlloc / HeapReAlloc: the block, or 0 with the last error ERROR_NOT_ENOUGH_MEMORY. With
 * HEAP_GENERATE_EXCEPTIONS (in flags or the heap's) a failure raises STATUS_NO_MEMORY instead:
 * *exception (if not NULL) receives the exception raised, STATUS_SUCCESS when none. */
uint64_t VsHeapAlloc(VsThread *thread, uint64_t heap, uint32_t flags, uint64_t size,
                     VsStatus *exception);
uint64_t VsHeapReAlloc(VsThread *thread, uint64_t heap, uint32_t flags, uint64_t block,
                       uint64_t size, VsStatus *exception);
bool VsHeapFree(VsThread *thread, uint64_t heap, uint32_t flags, uint64_t block);
uint64_t VsHeapSize(VsThread *thread, uint64_t heap, uint32_t flags, uint64_t block);
bool VsHeapValidate(VsThread *thread, uint64_t heap, uint32_t flags, uint64_t block);
bool VsHeapDestroy(VsThread *thread, uint64_t heap);
/* HeapWalk: the entry after the one whose lpData is *cursor (the first when *cursor is 0), in the
 * order HeapWalk lists them (vs_heap_walk): TRUE with *entry filled and *cursor its lpData; FALSE
 * with ERROR_NO_MORE_ITEMS after the last one. Windows carries the walk in the whole
 * PROCESS_HEAP_ENTRY it is given back; the model in its lpData alone, and a cursor that is no
 * entry's is ERROR_INVALID_PARAMETER. */
bool VsHeapWalk(VsThread *thread, uint64_t heap, uint64_t *cursor, VsHeapWalkEntry *entry);
/* GetProcessHeaps: the number of heaps the process has, the process heap first (made now if it
 * was not yet), the others in the order they were made; their handles go to heaps when that
 * number is at most count (else the buffer is too small and nothing is written). */
uint32_t VsGetProcessHeaps(VsThread *thread, uint32_t count, uint64_t *heaps);

/* ---- Working sets and memory status (kernelbase and psapi) ----------------------------------- */

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

/* ---- Address Windowing Extensions (kernelbase over the Nt*UserPhysicalPages calls) ---------- */

/* The arrays are addresses in the caller's memory (pointer-sized entries). Each returns FALSE with
 * the last error set from the NT status. */
bool VsAllocateUserPhysicalPages(VsThread *thread, VsHandle process, uint64_t *count,
                                 uint64_t frames);
bool VsFreeUserPhysicalPages(VsThread *thread, VsHandle process, uint64_t *count, uint64_t frames);
bool VsMapUserPhysicalPages(VsThread *thread, uint64_t address, uint64_t count, uint64_t frames);
bool VsMapUserPhysicalPagesScatter(VsThread *thread, uint64_t addresses, uint64_t count,
                                   uint64_t frames);

/* GetProcessDEPPolicy(process, &flags, &permanent) and SetProcessDEPPolicy(flags) (win32/dep.c):
 * a 32-bit process's DEP switch (PROCESS_DEP_* flags); ERROR_NOT_SUPPORTED in a 64-bit one. */
bool VsGetProcessDEPPolicy(VsThread *thread, VsHandle process, uint32_t *flags,
                           uint32_t *permanent);
bool VsSetProcessDEPPolicy(VsThread *thread, uint32_t flags);

/* OfferVirtualMemory(address, size, priority), ReclaimVirtualMemory(address, size),
 * DiscardVirtualMemory(address, size) (offer.c): each returns a Win32 error, ERROR_SUCCESS on
 * success (Reclaim: ERROR_BUSY when it succeeded but some contents were discarded); the last error
 * is left alone. */
uint32_t VsOfferVirtualMemory(VsThread *thread, uint64_t address, uint64_t size, uint32_t priority);
uint32_t VsReclaimVirtualMemory(VsThread *thread, uint64_t address, uint64_t size);
uint32_t VsDiscardVirtualMemory(VsThread *thread, uint64_t address, uint64_t size);

/* PrefetchVirtualMemory(process, count, entries, flags): NtSetInformationVirtualMemory with
 * VmPrefetchInformation and the flags as its information; FALSE with the last error set. */
bool VsPrefetchVirtualMemory(VsThread *thread, VsHandle process, uint64_t count, uint64_t entries,
                             uint32_t flags);

/* ---- Locking and write watch ----------------------------------------------------------------- */

/* VirtualLock and VirtualUnlock: NtLockVirtualMemory and NtUnlockVirtualMemory with MAP_PROCESS.
 * GetWriteWatch and ResetWriteWatch return 0, or (UINT)-1 with the last error set. */
bool VsVirtualLock(VsThread *thread, uint64_t address, uint64_t size);
bool VsVirtualUnlock(VsThread *thread, uint64_t address, uint64_t size);
uint32_t VsGetWriteWatch(VsThread *thread, uint32_t flags, uint64_t base, uint64_t size,
                         uint64_t *addresses, uint64_t *count, uint32_t *granularity);
uint32_t VsResetWriteWatch(VsThread *thread, uint64_t base, uint64_t size);

/* ---- Another process's memory ---------------------------------------------------------------- */

/* ReadProcessMemory: NtReadVirtualMemory, its count always written back. WriteProcessMemory asks
 * VirtualQueryEx first and by the first region's protection writes at once (writable pages),
 * makes an executable range writable around the write (the code-patching path), or refuses
 * (ERROR_NOACCESS, the count untouched). buffer is an address in the caller. */
bool VsReadProcessMemory(VsThread *thread, VsHandle process, uint64_t address, uint64_t buffer,
                         uint64_t size, uint64_t *read);
bool VsWriteProcessMemory(VsThread *thread, VsHandle process, uint64_t address, uint64_t buffer,
                          uint64_t size, uint64_t *written);

#endif /* VADSIM_WIN32_H */
