/*
 * vadsim-agent.c - runs the scenario language's primitive operations against the real Win32 API.
 *
 * The verification harness (vadsim verify, vadsim fuzz) starts this program, under wine64 on Linux or
 * natively on Windows, and talks to it over standard input and output in a line protocol: one request
 * per line, one answer per line. Requests are a call name and its arguments in hexadecimal:
 *
 *     VirtualAlloc 0 10000 2000 4
 *     = 1a0000 0 0 0
 *
 * A pointer argument the scenario may pass by reference ('&var') is sent as two numbers: 1 and the
 * variable's value going in, or 0 and anything for a NULL pointer. Every answer starts with
 * "= RET LASTERROR LASTSTATUS EXCEPTION" (hexadecimal): the call's return value, GetLastError() and
 * RtlGetLastNtStatus() after it, and the code of an exception it raised (0 if none). Out-parameters
 * follow, per call. A malformed request is answered "! message" and the agent goes on. See
 * docs/verification.md for the whole protocol.
 *
 * Memory accesses (read, write) go through two tiny assembly probes. A vectored exception handler
 * recognises a fault at a probe's one instruction, notes the exception code (access violation,
 * guard page) and resumes after it: a wild access is an answer, never a crash. A call that itself
 * raises (Wine's ntdll dereferences a NULL out-pointer that Windows would probe and refuse with
 * STATUS_ACCESS_VIOLATION) is recovered the same way, by a jump back to the dispatcher loop.
 *
 * The agent is deliberately dependent on nothing but kernel32, ntdll and the C runtime, so one .exe
 * copied to any Windows machine can run the harness's requests there.
 */
#include <windows.h>
#include <psapi.h>

#include <fcntl.h>
#include <io.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

#define AGENT_PROTOCOL_VERSION 1
#define MAX_ARGS 16
#define MAX_LINE 1024 /* a declared file's text comes as hex: up to 255 bytes */
#define MAX_WALK 4096        /* regions a 'walk' answer lists at most */
#define MAX_WATCH 16         /* GetWriteWatch's room for addresses: the language's (op.h) */

/* NT calls, resolved from ntdll at start (the import library does not export them to mingw). */
typedef LONG(NTAPI *NtAllocateVirtualMemoryFn)(HANDLE, PVOID *, ULONG_PTR, PSIZE_T, ULONG, ULONG);
typedef LONG(NTAPI *NtFreeVirtualMemoryFn)(HANDLE, PVOID *, PSIZE_T, ULONG);
typedef LONG(NTAPI *NtProtectVirtualMemoryFn)(HANDLE, PVOID *, PSIZE_T, ULONG, PULONG);
typedef LONG(NTAPI *NtCloseFn)(HANDLE);
typedef LONG(NTAPI *NtMapViewOfSectionFn)(HANDLE, HANDLE, PVOID *, ULONG_PTR, SIZE_T,
                                          PLARGE_INTEGER, PSIZE_T, DWORD, ULONG, ULONG);
typedef LONG(NTAPI *NtUnmapViewOfSectionFn)(HANDLE, PVOID);
typedef LONG(NTAPI *NtUnmapViewOfSectionExFn)(HANDLE, PVOID, ULONG);
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

/* One request, parsed. */
typedef struct Request {
    char name[64];
    uint64_t v[MAX_ARGS];
    int count;
    char text[128]; /* a string argument (an object name), sent as 's' and hex bytes */
    AgentAddressRequirements requirements; /* an extended parameter, sent as 'r' low:high:align */
    char contents[256]; /* a declared file's text, sent as 't' and hex bytes (never a hex digit) */
} Request;

/* What the exception handler reports back to the dispatcher. One thread, one request at a time. */
typedef struct Guard {
    volatile LONG code;       /* exception code caught, 0 if none */
    volatile int in_call;     /* a call is running: an exception in it is caught and reported */
    void *jump[5];            /* __builtin_setjmp buffer for recovering from a call */
} Guard;

static Guard guard;

/* UnmapViewOfFile2 is exported by kernelbase (Windows 10 1703) only: found at start, or NULL. */
typedef BOOL(WINAPI *UnmapViewOfFile2Fn)(HANDLE, PVOID, ULONG);
static UnmapViewOfFile2Fn unmap_view_2;

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
static VirtualAlloc2Fn virtual_alloc_2;   /* kernelbase, Windows 10 1803 */
static MapViewOfFile3Fn map_view_of_file_3;
static Ntdll nt;
static HANDLE own_handles[3]; /* the pipes this agent talks through: never closed on request */

/* ---- Memory probes ---------------------------------------------------------------------------- */

/* probe_read(rcx = address) -> al = the byte; probe_write(rcx = address, dl = value). Each has one
 * instruction that can fault, labelled so the handler knows it and can resume at the next label. */
uint8_t probe_read(uint64_t address);
void probe_write(uint64_t address, uint8_t value);
extern char probe_read_access[], probe_read_resume[], probe_write_access[], probe_write_resume[];
__asm__(".text\n"
        ".globl probe_read\n"
        "probe_read:\n"
        "    xorl %eax, %eax\n"
        ".globl probe_read_access\n"
        "probe_read_access:\n"
        "    movb (%rcx), %al\n"
        ".globl probe_read_resume\n"
        "probe_read_resume:\n"
        "    ret\n"
        ".globl probe_write\n"
        "probe_write:\n"
        ".globl probe_write_access\n"
        "probe_write_access:\n"
        "    movb %dl, (%rcx)\n"
        ".globl probe_write_resume\n"
        "probe_write_resume:\n"
        "    ret\n");

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *info)
{
    DWORD code = info->ExceptionRecord->ExceptionCode;
    char *at = info->ExceptionRecord->ExceptionAddress;
    if (at == probe_read_access || at == probe_write_access) {
        guard.code = (LONG)code;
        info->ContextRecord->Rip =
            (DWORD64)(at == probe_read_access ? probe_read_resume : probe_write_resume);
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (guard.in_call && (code == EXCEPTION_ACCESS_VIOLATION || code == STATUS_GUARD_PAGE_VIOLATION ||
                          code == EXCEPTION_IN_PAGE_ERROR)) {
        guard.code = (LONG)code;
        guard.in_call = 0;
        __builtin_longjmp(guard.jump, 1);
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

/* ---- Answers ---------------------------------------------------------------------------------- */

static void answer_start(uint64_t ret)
{
    DWORD error = GetLastError();
    LONG status = nt.last_status ? nt.last_status() : 0;
    printf("= %llx %lx %lx %lx", (unsigned long long)ret, (unsigned long)error,
           (unsigned long)status, (unsigned long)guard.code);
    SetLastError(error); /* printf may have changed it; the next GetLastError must see the call's */
}

static void answer_more(uint64_t value) { printf(" %llx", (unsigned long long)value); }

static void answer_end(void)
{
    DWORD error = GetLastError();
    putchar('\n');
    fflush(stdout);
    SetLastError(error);
}

static void answer_mbi(const MEMORY_BASIC_INFORMATION *m)
{
    answer_more((uint64_t)(uintptr_t)m->BaseAddress);
    answer_more((uint64_t)(uintptr_t)m->AllocationBase);
    answer_more(m->AllocationProtect);
    answer_more(m->RegionSize);
    answer_more(m->State);
    answer_more(m->Protect);
    answer_more(m->Type);
}

/* "! why what": the request is not carried out. */
static void refuse(const char *why, const char *what)
{
    DWORD error = GetLastError();
    printf("! %s%s\n", why, what);
    fflush(stdout);
    SetLastError(error);
}

/* ---- Calls ------------------------------------------------------------------------------------ */

#define P(x) ((void *)(uintptr_t)(x))
#define H(x) ((HANDLE)(uintptr_t)(x))

static int own_handle(uint64_t value)
{
    for (int i = 0; i < 3; i++)
        if (own_handles[i] && ((uintptr_t)own_handles[i] & ~(uintptr_t)3) == (value & ~(uint64_t)3))
            return 1;
    return 0;
}

static void do_query(HANDLE process, uint64_t address)
{
    MEMORY_BASIC_INFORMATION m;
    memset(&m, 0, sizeof m);
    SIZE_T r = VirtualQueryEx(process, P(address), &m, sizeof m);
    answer_start(r);
    answer_mbi(&m);
    answer_end();
}

/* walk FROM TO: VirtualQuery from FROM until a region ends at or past TO; every region's record. */
static void do_walk(uint64_t from, uint64_t to)
{
    MEMORY_BASIC_INFORMATION m;
    uint64_t address = from;
    int count = 0;
    answer_start(0);
    while (address < to && count < MAX_WALK) {
        if (!VirtualQuery(P(address), &m, sizeof m))
            break;
        answer_mbi(&m);
        count++;
        uint64_t next = (uint64_t)(uintptr_t)m.BaseAddress + m.RegionSize;
        if (next <= address)
            break;
        address = next;
    }
    answer_end();
}

/* NtAllocateVirtualMemory h byref_base base zero_bits byref_size size type protect */
static void do_nt_allocate(const Request *r)
{
    PVOID base = P(r->v[2]);
    SIZE_T size = r->v[5];
    LONG status = nt.allocate(H(r->v[0]), r->v[1] ? &base : NULL, r->v[3], r->v[4] ? &size : NULL,
                              (ULONG)r->v[6], (ULONG)r->v[7]);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)base);
    answer_more(size);
    answer_end();
}

/* NtMapViewOfSection section h byref_base base zero_bits commit byref_offset offset byref_size
 * size inherit type protect */
static void do_nt_map_view(const Request *r)
{
    PVOID base = P(r->v[3]);
    LARGE_INTEGER offset = {.QuadPart = (LONGLONG)r->v[7]};
    SIZE_T size = r->v[9];
    LONG status = nt.map_view(H(r->v[0]), H(r->v[1]), r->v[2] ? &base : NULL, r->v[4], r->v[5],
                              r->v[6] ? &offset : NULL, r->v[8] ? &size : NULL, (DWORD)r->v[10],
                              (ULONG)r->v[11], (ULONG)r->v[12]);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)base);
    answer_more((uint64_t)offset.QuadPart);
    answer_more(size);
    answer_end();
}

/* NtFreeVirtualMemory h byref_base base byref_size size type */
static void do_nt_free(const Request *r)
{
    PVOID base = P(r->v[2]);
    SIZE_T size = r->v[4];
    LONG status = nt.free(H(r->v[0]), r->v[1] ? &base : NULL, r->v[3] ? &size : NULL,
                          (ULONG)r->v[5]);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)base);
    answer_more(size);
    answer_end();
}

/* NtProtectVirtualMemory h byref_base base byref_size size protect byref_old old */
static void do_nt_protect(const Request *r)
{
    PVOID base = P(r->v[2]);
    SIZE_T size = r->v[4];
    ULONG old = 0;
    LONG status = nt.protect(H(r->v[0]), r->v[1] ? &base : NULL, r->v[3] ? &size : NULL,
                             (ULONG)r->v[5], r->v[6] ? &old : NULL);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)base);
    answer_more(size);
    answer_more(old);
    answer_end();
}

/* QueryWorkingSetEx h address: the BOOL, then the page's PSAPI_WORKING_SET_EX_BLOCK fields in
 * the order of the block's bit fields. */
static void do_working_set(const Request *r)
{
    PSAPI_WORKING_SET_EX_INFORMATION info;
    memset(&info, 0, sizeof info);
    info.VirtualAddress = P(r->v[1]);
    BOOL ok = K32QueryWorkingSetEx(H(r->v[0]), &info, sizeof info);
    PSAPI_WORKING_SET_EX_BLOCK b = info.VirtualAttributes;
    answer_start((uint64_t)ok);
    answer_more(b.Valid);
    answer_more(b.Valid ? b.ShareCount : 0);
    answer_more(b.Valid ? b.Win32Protection : 0);
    answer_more(b.Shared);
    answer_more(b.Valid ? b.Node : 0);
    answer_more(b.Valid ? b.Locked : 0);
    answer_more(b.Valid ? b.LargePage : 0);
    answer_more(b.Bad);
    answer_end();
}

/* GetProcessMemoryInfo h: the BOOL, then PROCESS_MEMORY_COUNTERS_EX from PageFaultCount on. */
static void do_memory_info(const Request *r)
{
    PROCESS_MEMORY_COUNTERS_EX c;
    memset(&c, 0, sizeof c);
    BOOL ok = K32GetProcessMemoryInfo(H(r->v[0]), (PROCESS_MEMORY_COUNTERS *)&c, sizeof c);
    answer_start((uint64_t)ok);
    answer_more(c.PageFaultCount);
    answer_more(c.PeakWorkingSetSize);
    answer_more(c.WorkingSetSize);
    answer_more(c.QuotaPeakPagedPoolUsage);
    answer_more(c.QuotaPagedPoolUsage);
    answer_more(c.QuotaPeakNonPagedPoolUsage);
    answer_more(c.QuotaNonPagedPoolUsage);
    answer_more(c.PagefileUsage);
    answer_more(c.PeakPagefileUsage);
    answer_more(c.PrivateUsage);
    answer_end();
}

/* GlobalMemoryStatusEx: the BOOL, then MEMORYSTATUSEX from dwMemoryLoad on. */
static void do_memory_status(void)
{
    MEMORYSTATUSEX m;
    memset(&m, 0, sizeof m);
    m.dwLength = sizeof m;
    BOOL ok = GlobalMemoryStatusEx(&m);
    answer_start((uint64_t)ok);
    answer_more(m.dwMemoryLoad);
    answer_more(m.ullTotalPhys);
    answer_more(m.ullAvailPhys);
    answer_more(m.ullTotalPageFile);
    answer_more(m.ullAvailPageFile);
    answer_more(m.ullTotalVirtual);
    answer_more(m.ullAvailVirtual);
    answer_more(m.ullAvailExtendedVirtual);
    answer_end();
}

/* GetProcessWorkingSetSize h 1 min 1 max: the BOOL, then both sizes. */
static void do_get_working_set_size(const Request *r)
{
    SIZE_T minimum = 0, maximum = 0;
    BOOL ok = GetProcessWorkingSetSize(H(r->v[0]), r->v[1] ? &minimum : NULL,
                                       r->v[3] ? &maximum : NULL);
    answer_start((uint64_t)ok);
    answer_more(minimum);
    answer_more(maximum);
    answer_end();
}

/* GetWriteWatch flags base size: the result, the count, the granularity and MAX_WATCH addresses
 * (those past the count are 0). */
static void do_write_watch(const Request *r)
{
    PVOID pages[MAX_WATCH] = {0};
    ULONG_PTR count = MAX_WATCH;
    ULONG granularity = 0;
    UINT result = GetWriteWatch((DWORD)r->v[0], P(r->v[1]), r->v[2], pages, &count, &granularity);
    answer_start(result);
    answer_more(result == 0 ? count : 0);
    answer_more(result == 0 ? granularity : 0);
    for (ULONG_PTR i = 0; i < MAX_WATCH; i++)
        answer_more(result == 0 && i < count ? (uint64_t)(uintptr_t)pages[i] : 0);
    answer_end();
}

static void do_hello(void)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    answer_start(AGENT_PROTOCOL_VERSION);
    answer_more(info.dwPageSize);
    answer_more(info.dwAllocationGranularity);
    answer_more((uint64_t)(uintptr_t)info.lpMinimumApplicationAddress);
    answer_more((uint64_t)(uintptr_t)info.lpMaximumApplicationAddress);
    answer_more(nt.wine_version != NULL);
    answer_end();
}

/* Wine 8.0 lets a process free, re-protect or commit (with PAGE_GUARD, say) its KUSER_SHARED_DATA
 * page (Windows refuses: the VAD is secured), and then crashes, hangs or raises inside ntdll, which
 * reads that page; under Wine the agent declines any such call whose range touches the page. */
static int changes_shared_user_data(const Request *r)
{
    static const struct {
        const char *name;
        int count, address, size;
    } calls[] = {
        {"VirtualAlloc", 4, 0, 1},           {"VirtualAllocEx", 5, 1, 2},
        {"VirtualFree", 3, 0, 1},            {"VirtualFreeEx", 4, 1, 2},
        {"VirtualProtect", 5, 0, 1},         {"VirtualProtectEx", 6, 1, 2},
        {"NtAllocateVirtualMemory", 8, 2, 5}, {"NtFreeVirtualMemory", 6, 2, 4},
        {"NtProtectVirtualMemory", 8, 2, 4},
    };
    if (!nt.wine_version)
        return 0;
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (strcmp(r->name, calls[i].name) != 0 || r->count != calls[i].count)
            continue;
        uint64_t start = r->v[calls[i].address], size = r->v[calls[i].size];
        if (start == 0)
            return 0; /* NULL: the system chooses (or the call fails) */
        uint64_t last = start + (size ? size - 1 : 0);
        return last >= start ? start < 0x7FFF0000 && last >= 0x7FFE0000 : start < 0x7FFF0000;
    }
    return 0;
}

/* Wine 8.0 carries out MEM_RESET with madvise(MADV_DONTNEED), which zeroes the pages at once;
 * Windows keeps their contents until the frames are reused. Under Wine the agent declines it:
 * what followed would only show that difference, on every read. */
static int resets_memory(const Request *r)
{
    uint64_t type;
    if (strcmp(r->name, "VirtualAlloc") == 0 && r->count == 4)
        type = r->v[2];
    else if (strcmp(r->name, "VirtualAllocEx") == 0 && r->count == 5)
        type = r->v[3];
    else if (strcmp(r->name, "NtAllocateVirtualMemory") == 0 && r->count == 8)
        type = r->v[6];
    else
        return 0;
    return nt.wine_version && type == 0x80000; /* MEM_RESET alone: other types are refused */
}

/* Whether this system has placeholders (Windows 10 1803; Wine from its 8.x development series, so
 * not Debian 12's Wine 8.0): probed once at start by reserving and releasing one. */
static int have_placeholders;

static void probe_placeholders(void)
{
    if (!virtual_alloc_2)
        return;
    PVOID p = virtual_alloc_2(NULL, NULL, 0x10000, MEM_RESERVE | 0x00040000 /* PLACEHOLDER */,
                              PAGE_NOACCESS, NULL, 0);
    have_placeholders = p != NULL;
    if (p)
        VirtualFree(p, 0, MEM_RELEASE);
}

/* A call that asks for a placeholder operation, by its flags argument. */
static int uses_placeholders(const Request *r)
{
    static const struct {
        const char *name;
        int count, flags;
        uint64_t bits;
    } calls[] = {
        {"VirtualAlloc2", 7, 3, 0x00044000},      /* MEM_RESERVE_ / MEM_REPLACE_PLACEHOLDER */
        {"MapViewOfFile3", 9, 5, 0x00004000},     /* MEM_REPLACE_PLACEHOLDER */
        {"VirtualFree", 3, 2, 0x3},               /* MEM_COALESCE_ / MEM_PRESERVE_PLACEHOLDER */
        {"VirtualFreeEx", 4, 3, 0x3},
        {"NtFreeVirtualMemory", 6, 5, 0x3},
        {"UnmapViewOfFile2", 3, 2, 0x2},          /* MEM_PRESERVE_PLACEHOLDER */
        {"UnmapViewOfFileEx", 2, 1, 0x2},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (strcmp(r->name, calls[i].name) == 0 && r->count == calls[i].count)
            return (r->v[calls[i].flags] & calls[i].bits) != 0;
    return 0;
}

/* ---- Files ------------------------------------------------------------------------------------ */

/* Scenario files live in a directory of the agent's own under %TEMP%, made at start. */
static char file_dir[MAX_PATH];

static void make_file_dir(void)
{
    char temp[MAX_PATH];
    DWORD n = GetTempPathA(sizeof temp, temp);
    if (n == 0 || n >= sizeof temp)
        return;
    snprintf(file_dir, sizeof file_dir, "%svadsim-agent-%lu\\", temp,
             (unsigned long)GetCurrentProcessId());
    if (!CreateDirectoryA(file_dir, NULL) && GetLastError() != ERROR_ALREADY_EXISTS)
        file_dir[0] = 0;
}

/* A scenario's file name as a path in that directory; names with path characters are refused. */
static int file_path(const char *name, char *path, size_t room)
{
    if (!file_dir[0] || strpbrk(name, "\\/:*?\"<>|") || strstr(name, ".."))
        return 0;
    return snprintf(path, room, "%s%s", file_dir, name) < (int)room;
}

/* file(name, size, fill, text): the file, made with CREATE_NEW. */
static uint64_t declare_file(const Request *r)
{
    char path[MAX_PATH];
    if (!r->v[0] || !file_path(r->text, path, sizeof path)) {
        SetLastError(ERROR_INVALID_NAME);
        return 0;
    }
    size_t length = r->v[3] ? strlen(r->contents) : 0;
    uint64_t size = r->v[1] ? r->v[1] : length;
    HANDLE h = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        if (GetLastError() == ERROR_FILE_EXISTS)
            SetLastError(ERROR_ALREADY_EXISTS); /* the model's STATUS_OBJECT_NAME_COLLISION */
        return 0;
    }
    char block[4096];
    uint64_t written = 0;
    BOOL ok = TRUE;
    while (ok && written < size) {
        DWORD chunk = (DWORD)(size - written < sizeof block ? size - written : sizeof block);
        for (DWORD i = 0; i < chunk; i++)
            block[i] = written + i < length ? r->contents[written + i] : (char)r->v[2];
        DWORD done = 0;
        ok = WriteFile(h, block, chunk, &done, NULL) && done == chunk;
        written += chunk;
    }
    CloseHandle(h);
    return ok;
}

static uint64_t create_file(const Request *r)
{
    char path[MAX_PATH];
    if (!r->v[0] || !file_path(r->text, path, sizeof path)) {
        SetLastError(ERROR_PATH_NOT_FOUND);
        return (uint64_t)(uintptr_t)INVALID_HANDLE_VALUE;
    }
    return (uint64_t)(uintptr_t)CreateFileA(path, (DWORD)r->v[1], (DWORD)r->v[2], NULL,
                                            (DWORD)r->v[4], (DWORD)r->v[5], NULL);
}

/* read_file(h, offset): one byte through ReadFile, or all ones with the last error set. */
static uint64_t read_file_byte(HANDLE h, uint64_t offset)
{
    LARGE_INTEGER at = {.QuadPart = (LONGLONG)offset};
    unsigned char byte;
    DWORD done = 0;
    if (!SetFilePointerEx(h, at, NULL, FILE_BEGIN) || !ReadFile(h, &byte, 1, &done, NULL))
        return UINT64_MAX;
    if (done == 0) {
        SetLastError(ERROR_HANDLE_EOF);
        return UINT64_MAX;
    }
    return byte;
}

/* The calls, with their argument counts. Return value conventions follow the Win32 signatures. */
static int dispatch(const Request *r)
{
    const char *n = r->name;
    const uint64_t *v = r->v;
#define IS(name, args) (strcmp(n, name) == 0 && r->count == (args))
    if (IS("hello", 0))
        do_hello();
    else if (changes_shared_user_data(r))
        refuse("Wine would change KUSER_SHARED_DATA and then fail inside ntdll: ", n);
    else if (uses_placeholders(r) && !have_placeholders)
        refuse("this system has no placeholders (Windows 10 1803 and Wine 8.x have them): ", n);
    else if (resets_memory(r))
        refuse("Wine's MEM_RESET zeroes the pages at once (madvise), Windows keeps them: ", n);
    else if (IS("VirtualAlloc", 4))
        answer_start((uint64_t)(uintptr_t)VirtualAlloc(P(v[0]), v[1], (DWORD)v[2], (DWORD)v[3])),
            answer_end();
    else if (IS("VirtualAllocEx", 5))
        answer_start((uint64_t)(uintptr_t)VirtualAllocEx(H(v[0]), P(v[1]), v[2], (DWORD)v[3],
                                                         (DWORD)v[4])),
            answer_end();
    else if (IS("CreateFileMapping", 6))
        answer_start((uint64_t)(uintptr_t)CreateFileMappingA(H(v[0]), NULL, (DWORD)v[2],
                                                             (DWORD)v[3], (DWORD)v[4],
                                                             v[5] ? r->text : NULL)),
            answer_end();
    else if (IS("OpenFileMapping", 3))
        answer_start((uint64_t)(uintptr_t)OpenFileMappingA((DWORD)v[0], (BOOL)v[1],
                                                           v[2] ? r->text : NULL)),
            answer_end();
    else if (IS("MapViewOfFile", 5))
        answer_start((uint64_t)(uintptr_t)MapViewOfFile(H(v[0]), (DWORD)v[1], (DWORD)v[2],
                                                        (DWORD)v[3], v[4])),
            answer_end();
    else if (IS("MapViewOfFileEx", 6))
        answer_start((uint64_t)(uintptr_t)MapViewOfFileEx(H(v[0]), (DWORD)v[1], (DWORD)v[2],
                                                          (DWORD)v[3], v[4], P(v[5]))),
            answer_end();
    else if (IS("UnmapViewOfFile", 1))
        answer_start(UnmapViewOfFile(P(v[0]))), answer_end();
    else if (IS("UnmapViewOfFileEx", 2))
        answer_start(UnmapViewOfFileEx(P(v[0]), (ULONG)v[1])), answer_end();
    else if (IS("file", 4))
        answer_start(declare_file(r)), answer_end();
    else if (IS("CreateFile", 7))
        answer_start(create_file(r)), answer_end();
    else if (IS("GetFileSize", 2))
        answer_start(GetFileSize(H(v[0]), NULL)), answer_end();
    else if (IS("FlushViewOfFile", 2))
        answer_start(FlushViewOfFile(P(v[0]), v[1])), answer_end();
    else if (IS("read_file", 2))
        answer_start(read_file_byte(H(v[0]), v[1])), answer_end();
    else if (IS("VirtualAlloc2", 7) && virtual_alloc_2) {
        AgentExtendedParameter parameter = {.Type = 1 /* MemExtendedParameterAddressRequirements */};
        parameter.Pointer = (PVOID)&r->requirements;
        answer_start((uint64_t)(uintptr_t)virtual_alloc_2(H(v[0]), P(v[1]), v[2], (ULONG)v[3],
                                                          (ULONG)v[4], v[5] ? &parameter : NULL,
                                                          (ULONG)v[6]));
        answer_end();
    } else if (IS("MapViewOfFile3", 9) && map_view_of_file_3) {
        AgentExtendedParameter parameter = {.Type = 1};
        parameter.Pointer = (PVOID)&r->requirements;
        answer_start((uint64_t)(uintptr_t)map_view_of_file_3(
            H(v[0]), H(v[1]), P(v[2]), v[3], v[4], (ULONG)v[5], (ULONG)v[6],
            v[7] ? &parameter : NULL, (ULONG)v[8]));
        answer_end();
    } else if (IS("UnmapViewOfFile2", 3) && unmap_view_2)
        answer_start(unmap_view_2(H(v[0]), P(v[1]), (ULONG)v[2])), answer_end();
    else if (IS("VirtualFree", 3))
        answer_start(VirtualFree(P(v[0]), v[1], (DWORD)v[2])), answer_end();
    else if (IS("VirtualFreeEx", 4))
        answer_start(VirtualFreeEx(H(v[0]), P(v[1]), v[2], (DWORD)v[3])), answer_end();
    else if (IS("VirtualProtect", 5) || IS("VirtualProtectEx", 6)) {
        int ex = r->count == 6;
        DWORD old = 0;
        BOOL ok = VirtualProtectEx(ex ? H(v[0]) : GetCurrentProcess(), P(v[ex]), v[ex + 1],
                                   (DWORD)v[ex + 2], v[ex + 3] ? &old : NULL);
        answer_start(ok);
        answer_more(old);
        answer_end();
    } else if (IS("VirtualQuery", 1))
        do_query(GetCurrentProcess(), v[0]);
    else if (IS("VirtualQueryEx", 2))
        do_query(H(v[0]), v[1]);
    else if (IS("GetLastError", 0))
        answer_start(GetLastError()), answer_end();
    else if (IS("SetLastError", 1))
        SetLastError((DWORD)v[0]), answer_start(0), answer_end();
    else if (IS("RtlGetLastNtStatus", 0))
        answer_start((uint32_t)nt.last_status()), answer_end();
    else if (IS("GetCurrentProcess", 0) || IS("NtCurrentProcess", 0))
        answer_start((uint64_t)(uintptr_t)GetCurrentProcess()), answer_end();
    else if ((IS("CloseHandle", 1) || IS("NtClose", 1)) && own_handle(v[0]))
        refuse("this would close the agent's own pipe: ", n);
    else if (IS("CloseHandle", 1))
        answer_start(CloseHandle(H(v[0]))), answer_end();
    else if (IS("NtClose", 1))
        answer_start((uint32_t)nt.close(H(v[0]))), answer_end();
    else if (IS("NtAllocateVirtualMemory", 8))
        do_nt_allocate(r);
    else if (IS("NtFreeVirtualMemory", 6))
        do_nt_free(r);
    else if (IS("NtMapViewOfSection", 13) && nt.map_view)
        do_nt_map_view(r);
    else if (IS("NtUnmapViewOfSection", 2) && nt.unmap_view)
        answer_start((uint32_t)nt.unmap_view(H(v[0]), P(v[1]))), answer_end();
    else if (IS("NtUnmapViewOfSectionEx", 3) && nt.unmap_view_ex)
        answer_start((uint32_t)nt.unmap_view_ex(H(v[0]), P(v[1]), (ULONG)v[2])), answer_end();
    else if (IS("NtProtectVirtualMemory", 8))
        do_nt_protect(r);
    else if (IS("read", 1)) {
        uint8_t value = probe_read(v[0]);
        answer_start(value), answer_end();
    } else if (IS("write", 2)) {
        probe_write(v[0], (uint8_t)v[1]);
        answer_start((uint32_t)guard.code), answer_end();
    } else if (IS("walk", 2))
        do_walk(v[0], v[1]);
    else if (IS("QueryWorkingSetEx", 2))
        do_working_set(r);
    else if (IS("GetProcessMemoryInfo", 1))
        do_memory_info(r);
    else if (IS("GlobalMemoryStatusEx", 0))
        do_memory_status();
    else if (IS("GetProcessWorkingSetSize", 5))
        do_get_working_set_size(r);
    else if (IS("SetProcessWorkingSetSize", 3))
        answer_start(SetProcessWorkingSetSize(H(v[0]), v[1], v[2])), answer_end();
    else if (IS("OpenProcess", 3))
        answer_start((uint64_t)(uintptr_t)OpenProcess((DWORD)v[0], v[1] != 0, (DWORD)v[2])),
            answer_end();
    else if (IS("GetCurrentProcessId", 0))
        answer_start(GetCurrentProcessId()), answer_end();
    else if (IS("VirtualLock", 2))
        answer_start(VirtualLock(P(v[0]), v[1])), answer_end();
    else if (IS("VirtualUnlock", 2))
        answer_start(VirtualUnlock(P(v[0]), v[1])), answer_end();
    else if (IS("EmptyWorkingSet", 1))
        answer_start(K32EmptyWorkingSet(H(v[0]))), answer_end();
    else if (IS("GetWriteWatch", 3))
        do_write_watch(r);
    else if (IS("ResetWriteWatch", 2))
        answer_start(ResetWriteWatch(P(v[0]), v[1])), answer_end();
    else if (IS("quit", 0))
        return 0;
    else
        refuse("unknown request or wrong argument count: ", n);
#undef IS
    return 1;
}

/* ---- Requests --------------------------------------------------------------------------------- */

static int parse(char *line, Request *r)
{
    memset(r, 0, sizeof *r);
    char *save = NULL;
    char *word = strtok_r(line, " \t\r\n", &save);
    if (!word || strlen(word) >= sizeof r->name)
        return 0;
    strcpy(r->name, word);
    while ((word = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
        char *end;
        if (r->count == MAX_ARGS)
            return 0;
        if (word[0] == 's' || word[0] == 't') { /* a name, or a file's text: hex, a byte each */
            char *out = word[0] == 's' ? r->text : r->contents;
            size_t room = word[0] == 's' ? sizeof r->text : sizeof r->contents;
            if (!agent_unhex(word + 1, out, room))
                return 0;
            r->v[r->count++] = 1;
            continue;
        }
        if (word[0] == 'r') { /* address requirements: three hex numbers */
            uint64_t low, high, align;
            char tail;
            if (sscanf(word + 1, "%" SCNx64 ":%" SCNx64 ":%" SCNx64 "%c", &low, &high, &align,
                       &tail) != 3)
                return 0;
            r->requirements = (AgentAddressRequirements){P(low), P(high), (SIZE_T)align};
            r->v[r->count++] = 1;
            continue;
        }
        r->v[r->count++] = strtoull(word, &end, 16);
        if (*end)
            return 0;
    }
    return 1;
}

static void load_ntdll(void)
{
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    nt.allocate = (NtAllocateVirtualMemoryFn)(void *)GetProcAddress(ntdll, "NtAllocateVirtualMemory");
    nt.free = (NtFreeVirtualMemoryFn)(void *)GetProcAddress(ntdll, "NtFreeVirtualMemory");
    nt.protect = (NtProtectVirtualMemoryFn)(void *)GetProcAddress(ntdll, "NtProtectVirtualMemory");
    nt.close = (NtCloseFn)(void *)GetProcAddress(ntdll, "NtClose");
    nt.map_view = (NtMapViewOfSectionFn)(void *)GetProcAddress(ntdll, "NtMapViewOfSection");
    nt.unmap_view = (NtUnmapViewOfSectionFn)(void *)GetProcAddress(ntdll, "NtUnmapViewOfSection");
    nt.unmap_view_ex =
        (NtUnmapViewOfSectionExFn)(void *)GetProcAddress(ntdll, "NtUnmapViewOfSectionEx");
    nt.last_status = (RtlGetLastNtStatusFn)(void *)GetProcAddress(ntdll, "RtlGetLastNtStatus");
    nt.wine_version = (WineGetVersionFn)(void *)GetProcAddress(ntdll, "wine_get_version");
    HMODULE kernelbase = GetModuleHandleA("kernelbase.dll");
    if (kernelbase) {
        unmap_view_2 =
            (UnmapViewOfFile2Fn)(void *)GetProcAddress(kernelbase, "UnmapViewOfFile2");
        virtual_alloc_2 = (VirtualAlloc2Fn)(void *)GetProcAddress(kernelbase, "VirtualAlloc2");
        map_view_of_file_3 =
            (MapViewOfFile3Fn)(void *)GetProcAddress(kernelbase, "MapViewOfFile3");
    }
    probe_placeholders();
}

int main(void)
{
    char line[MAX_LINE];
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    own_handles[0] = GetStdHandle(STD_INPUT_HANDLE);
    own_handles[1] = GetStdHandle(STD_OUTPUT_HANDLE);
    own_handles[2] = GetStdHandle(STD_ERROR_HANDLE);
    load_ntdll();
    if (!nt.allocate || !nt.free || !nt.protect || !nt.close || !nt.last_status) {
        fprintf(stderr, "vadsim-agent: ntdll lacks the NT memory calls\n");
        return 2;
    }
    make_file_dir();
    AddVectoredExceptionHandler(1, on_exception);
    SetLastError(0);
    int got;
    while ((got = agent_read_line(line, sizeof line)) != 0) {
        Request r;
        if (got < 0) {
            refuse("request line too long", "");
            continue;
        }
        if (!parse(line, &r)) {
            refuse("malformed request: a call name, then hexadecimal arguments", "");
            continue;
        }
        guard.code = 0;
        /* A call that raises comes back here with the exception noted and answers as if it
         * returned 0; the harness sees the exception code in the answer. */
        if (__builtin_setjmp(guard.jump)) {
            answer_start(0);
            answer_end();
            continue;
        }
        guard.in_call = 1;
        int more = dispatch(&r);
        guard.in_call = 0;
        if (!more)
            break;
    }
    return 0;
}
