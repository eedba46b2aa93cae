/*
 * vadsim-agent.h - what the Win32 agent's files share: the NT and kernelbase calls it found at
 * start, the exception guard, the memory probes, answers, and the scenario's files.
 *
 *   vadsim-agent.c   start-up, the request loop, the guard and probes, answers, and the requests
 *                    the agent declines under Wine
 *   calls.c          the calls, one table row per request
 *   files.c          the scenario's files, in a directory of the agent's own
 *   threads.c        the scenario's threads, each parked in a loop of its own
 *   children.c       processes made from a scenario's image, suspended, reached by handle
 *   heaps.c          the heap calls, on the agent's own heaps
 */
#ifndef VS_WIN32_AGENT_H
#define VS_WIN32_AGENT_H

#include <windows.h>
#include <psapi.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pe_build.h"
#include "protocol.h"

#define AGENT_PROTOCOL_VERSION 4
#define MAX_WATCH 16 /* GetWriteWatch's room for addresses: the language's (op.h) */

#define P(x) ((void *)(uintptr_t)(x))
#define H(x) ((HANDLE)(uintptr_t)(x))

/* NT calls, resolved from ntdll at start (the import library does not export them to mingw). */
typedef LONG(NTAPI *NtAllocateVirtualMemoryFn)(HANDLE, PVOID *, ULONG_PTR, PSIZE_T, ULONG, ULONG);
typedef LONG(NTAPI *NtFreeVirtualMemoryFn)(HANDLE, PVOID *, PSIZE_T, ULONG);
typedef LONG(NTAPI *NtProtectVirtualMemoryFn)(HANDLE, PVOID *, PSIZE_T, ULONG, PULONG);
typedef LONG(NTAPI *NtCloseFn)(HANDLE);
typedef LONG(NTAPI *NtMapViewOfSectionFn)(HANDLE, HANDLE, PVOID *, ULONG_PTR, SIZE_T,
                                          PLARGE_INTEGER, PSIZE_T, DWORD, ULONG, ULONG);
typedef LONG(NTAPI *NtUnmapViewOfSectionFn)(HANDLE, PVOID);
typedef LONG(NTAPI *NtUnmapViewOfSectionExFn)(HANDLE, PVOID, ULONG);
typedef LONG(NTAPI *NtCopyVirtualMemoryFn)(HANDLE, PVOID, PVOID, SIZE_T, PSIZE_T);
typedef LONG(NTAPI *NtQueryVirtualMemoryFn)(HANDLE, PVOID, ULONG, PVOID, SIZE_T, PSIZE_T);
typedef LONG(NTAPI *NtQuerySectionFn)(HANDLE, ULONG, PVOID, SIZE_T, PSIZE_T);
/* OBJECT_ATTRIBUTES and its UNICODE_STRING as winternl.h lays them out. */
typedef struct AgentUnicodeString {
    USHORT Length;
    USHORT MaximumLength;
    PWSTR Buffer;
} AgentUnicodeString;
typedef struct AgentObjectAttributes {
    ULONG Length;
    HANDLE RootDirectory;
    AgentUnicodeString *ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} AgentObjectAttributes;
/* MEMORY_REGION_INFORMATION and MEMORY_IMAGE_INFORMATION (NtQueryVirtualMemory's classes 3 and
 * 6) as winternl.h lays them out, pointer-sized fields and all: the same names in an x64 and an
 * x86 agent, at different offsets. */
typedef struct AgentRegionInformation {
    PVOID AllocationBase;
    ULONG AllocationProtect;
    ULONG RegionType;
    SIZE_T RegionSize;
    SIZE_T CommitSize;
    ULONG_PTR PartitionId;
    ULONG_PTR NodePreference;
} AgentRegionInformation;
typedef struct AgentImageInformation {
    PVOID ImageBase;
    SIZE_T SizeOfImage;
    ULONG ImageFlags;
} AgentImageInformation;
typedef LONG(NTAPI *NtCreateSectionFn)(PHANDLE, ULONG, AgentObjectAttributes *, PLARGE_INTEGER,
                                       ULONG, ULONG, HANDLE);
typedef LONG(NTAPI *NtOpenSectionFn)(PHANDLE, ULONG, AgentObjectAttributes *);
typedef LONG(NTAPI *RtlGetLastNtStatusFn)(void);
typedef const char *(CDECL *WineGetVersionFn)(void);

typedef struct Ntdll {
    NtAllocateVirtualMemoryFn allocate;
    NtFreeVirtualMemoryFn free;
    NtProtectVirtualMemoryFn protect;
    NtCloseFn close;
    NtMapViewOfSectionFn map_view;
    NtUnmapViewOfSectionFn unmap_view;
    NtUnmapViewOfSectionExFn unmap_view_ex; /* Windows 8 and later */
    NtQuerySectionFn query_section;
    NtQueryVirtualMemoryFn query_memory;
    NtCreateSectionFn create_section;
    NtOpenSectionFn open_section;
    NtCopyVirtualMemoryFn read_memory, write_memory; /* NtReadVirtualMemory, NtWriteVirtualMemory */
    RtlGetLastNtStatusFn last_status;
    WineGetVersionFn wine_version; /* present only under Wine */
} Ntdll;

/* MEM_EXTENDED_PARAMETER and MEM_ADDRESS_REQUIREMENTS as winnt.h lays them out (Windows 10 1803);
 * declared here so the agent builds with any mingw-w64 headers. */
typedef struct AgentAddressRequirements {
    PVOID LowestStartingAddress;
    PVOID HighestEndingAddress;
    SIZE_T Alignment;
} AgentAddressRequirements;

/* What the exception handler reports back to the dispatcher. One thread, one request at a time. */
typedef struct Guard {
    volatile LONG code;   /* exception code caught, 0 if none */
    volatile LONG access; /* its ExceptionInformation[0]: 0 read, 1 write, 8 execute */
    volatile int in_call; /* a call is running: an exception in it is caught and reported */
    void *jump[5];        /* __builtin_setjmp buffer for recovering from a call */
} Guard;

/* UnmapViewOfFile2 is exported by kernelbase (Windows 10 1703) only: found at start, or NULL. */
typedef BOOL(WINAPI *UnmapViewOfFile2Fn)(HANDLE, PVOID, ULONG);

/* MEM_EXTENDED_PARAMETER (see above). */
typedef struct AgentExtendedParameter {
    DWORD64 Type : 8;
    DWORD64 Reserved : 56;
    union {
        DWORD64 ULong64;
        PVOID Pointer;
    };
} AgentExtendedParameter;
typedef PVOID(WINAPI *VirtualAlloc2Fn)(HANDLE, PVOID, SIZE_T, ULONG, ULONG,
                                       AgentExtendedParameter *, ULONG);
typedef PVOID(WINAPI *MapViewOfFile3Fn)(HANDLE, HANDLE, PVOID, ULONG64, SIZE_T, ULONG, ULONG,
                                        AgentExtendedParameter *, ULONG);

/* What the agent found at start (vadsim-agent.c). */
extern Ntdll nt;
extern Guard guard;
extern UnmapViewOfFile2Fn unmap_view_2;     /* kernelbase, Windows 10 1703; or NULL */
extern VirtualAlloc2Fn virtual_alloc_2;     /* kernelbase, Windows 10 1803; or NULL */
extern MapViewOfFile3Fn map_view_of_file_3; /* likewise */
extern HANDLE own_handles[3]; /* the pipes this agent talks through: never closed on request */

/* probe_read(address) -> the byte; probe_write(address, value). Each has one instruction that can
 * fault, and the exception handler resumes after it with the exception's code in guard.code. */
uint8_t probe_read(uint64_t address);
void probe_write(uint64_t address, uint8_t value);
/* probe_fetch(address): a call to address with the trap flag set, so that one instruction at
 * most runs there: the handler notes a fault of the fetch (an access violation or guard page
 * with ExceptionInformation[0] = 8), or none when the fetch went through (the single-step trap
 * after the instruction, or whatever the instruction itself raised), and resumes after the call
 * with every register as it was. */
void probe_fetch(uint64_t address);

/* Answers: "= RET LASTERROR LASTSTATUS EXCEPTION", then more numbers, then the end of the line;
 * each keeps the call's last error for the next GetLastError. */
void answer_start(uint64_t ret);
void answer_more(uint64_t value);
void answer_end(void);
/* "! why what": the request is not carried out. */
void refuse(const char *why, const char *what);
/* The refusal of a request no row of the table serves, or one this system lacks. */
void refuse_unknown(const AgentRequest *r);

/* calls.c: the table of calls. */
extern const AgentCall agent_calls[];
extern const size_t agent_call_count;

/* threads.c: the scenario's threads, and their calls' table. */
extern const AgentCall agent_thread_calls[];
extern const size_t agent_thread_call_count;
void forget_thread_handle(uint64_t handle);
/* "as HANDLE REQUEST": the thread the handle names (one the scenario made here) carries out the
 * request on its own stack, answering it; else the refusal. */
void serve_as_thread(uint64_t handle, const AgentRequest *r);
/* "start HANDLE REQUEST": the thread makes a call that may wait; "finish HANDLE" answers it. */
void start_as_thread(uint64_t handle, const AgentRequest *r);
/* Serves one request in the calling thread (the request loop's, or a scenario thread's); 0 at
 * quit. */
int agent_dispatch(const AgentRequest *r);

/* heaps.c: the heap calls' table. */
extern const AgentCall agent_heap_calls[];
extern const size_t agent_heap_call_count;
/* At start: the heaps the process has before any request (its C runtime's), which GetProcessHeaps
 * does not count as the scenario's. */
void note_own_heaps(void);

/* files.c */
void make_file_dir(void);
/* At quit: the scenario's files and their directory go (those still open stay). */
void remove_file_dir(void);
uint64_t declare_file(const AgentRequest *r);
uint64_t declare_pe(const AgentRequest *r);
uint64_t host_file(const AgentRequest *r);
uint64_t load_library(const AgentRequest *r, HANDLE file, DWORD flags);
uint64_t create_file(const AgentRequest *r);
uint64_t read_file_byte(HANDLE h, uint64_t offset);
/* A scenario's file name as a path in the agent's folder; 0 for a name with path characters. */
int scenario_file_path(const char *name, char *path, size_t room);

/* children.c */
uint64_t create_child(const AgentRequest *r, uint64_t *pid, uint64_t *image, uint64_t *peb);
uint64_t child_read(const AgentRequest *r);
uint64_t child_write(const AgentRequest *r);
uint64_t child_module(const AgentRequest *r);
int is_child(DWORD pid);
void end_children(void);

#endif /* VS_WIN32_AGENT_H */
