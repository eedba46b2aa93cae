/*
 * calls.c - the Win32 agent's calls: one function per request, and the table that names them
 * (vadsim-agent.h). Every call answers "= RET LASTERROR LASTSTATUS EXCEPTION", then its
 * out-parameters and the structures it fills, in their Windows field order; the return value
 * conventions follow the Win32 signatures.
 */
#include <stdlib.h>

#include "section_image_fields.h"
#include "vadsim-agent.h"

#define MAX_WALK 4096 /* regions a 'walk' answer lists at most */

/* ---- Queries, the NT calls and the structures calls fill ------------------------------------- */

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
static void do_nt_allocate(const AgentRequest *r)
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
static void do_nt_map_view(const AgentRequest *r)
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
static void do_nt_free(const AgentRequest *r)
{
    PVOID base = P(r->v[2]);
    SIZE_T size = r->v[4];
    LONG status =
        nt.free(H(r->v[0]), r->v[1] ? &base : NULL, r->v[3] ? &size : NULL, (ULONG)r->v[5]);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)base);
    answer_more(size);
    answer_end();
}

/* NtProtectVirtualMemory h byref_base base byref_size size protect byref_old old */
static void do_nt_protect(const AgentRequest *r)
{
    PVOID base = P(r->v[2]);
    SIZE_T size = r->v[4];
    ULONG old = (ULONG)r->v[7]; /* what the variable held: a failed call may leave it */
    LONG status = nt.protect(H(r->v[0]), r->v[1] ? &base : NULL, r->v[3] ? &size : NULL,
                             (ULONG)r->v[5], r->v[6] ? &old : NULL);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)base);
    answer_more(size);
    answer_more(old);
    answer_end();
}

/* A PSAPI_WORKING_SET_EX_BLOCK's fields in the order of its bit fields; those of the valid form
 * only where the page is valid (the invalid form keeps other bits there). */
static void answer_block(PSAPI_WORKING_SET_EX_BLOCK b)
{
    answer_more(b.Valid);
    answer_more(b.Valid ? b.ShareCount : 0);
    answer_more(b.Valid ? b.Win32Protection : 0);
    answer_more(b.Shared);
    answer_more(b.Valid ? b.Node : 0);
    answer_more(b.Valid ? b.Locked : 0);
    answer_more(b.Valid ? b.LargePage : 0);
    answer_more(b.Bad);
}

/* QueryWorkingSetEx h address: the BOOL, then the page's PSAPI_WORKING_SET_EX_BLOCK fields in
 * the order of the block's bit fields. */
static void do_working_set(const AgentRequest *r)
{
    PSAPI_WORKING_SET_EX_INFORMATION info;
    memset(&info, 0, sizeof info);
    info.VirtualAddress = P(r->v[1]);
    BOOL ok = K32QueryWorkingSetEx(H(r->v[0]), &info, sizeof info);
    answer_start((uint64_t)ok);
    answer_block(info.VirtualAttributes);
    answer_end();
}

/* GetProcessMemoryInfo h: the BOOL, then PROCESS_MEMORY_COUNTERS_EX from PageFaultCount on. */
static void do_memory_info(const AgentRequest *r)
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
static void do_memory_status(const AgentRequest *r)
{
    (void)r;
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
static void do_get_working_set_size(const AgentRequest *r)
{
    SIZE_T minimum = 0, maximum = 0;
    BOOL ok =
        GetProcessWorkingSetSize(H(r->v[0]), r->v[1] ? &minimum : NULL, r->v[3] ? &maximum : NULL);
    answer_start((uint64_t)ok);
    answer_more(minimum);
    answer_more(maximum);
    answer_end();
}

#define WATCH_ROOM (1u << 20) /* the model's most (scenario/execute.c) */

typedef LONG(NTAPI *NtGetWriteWatchFn)(HANDLE, ULONG, PVOID, SIZE_T, PVOID *, ULONG_PTR *, ULONG *);
typedef LONG(NTAPI *NtResetWriteWatchFn)(HANDLE, PVOID, SIZE_T);

/*
 * GetWriteWatch flags base size addresses byref_count count byref_granularity granularity, and
 * NtGetWriteWatch process flags ... (is_nt): the result, the count and the granularity as the call
 * left them, then on success the count, the granularity and MAX_WATCH addresses (0 past the
 * count). A non-NULL addresses is an array of the agent's, as long as the count says but no
 * longer than the range's pages (the model's: more could never be reported).
 */
static void write_watch(const AgentRequest *r, int is_nt)
{
    const uint64_t *v = r->v + is_nt;
    ULONG_PTR count = (ULONG_PTR)v[5];
    ULONG granularity = (ULONG)v[7];
    ULONG_PTR room = v[2] / 4096 + 2;
    if (room > WATCH_ROOM)
        room = WATCH_ROOM;
    if (v[4] && count < room)
        room = count;
    PVOID *pages = v[3] ? calloc(room + 1, sizeof *pages) : NULL;
    if (v[3] && !pages) {
        refuse("no memory for the array of ", r->name);
        return;
    }
    ULONG_PTR *count_arg = v[4] ? &count : NULL;
    if (count_arg && count > room)
        count = room; /* room for every page of the range: the same answer */
    LONG status;
    if (is_nt) {
        NtGetWriteWatchFn get = (NtGetWriteWatchFn)(void *)GetProcAddress(
            GetModuleHandleA("ntdll.dll"), "NtGetWriteWatch");
        status = get(H(r->v[0]), (ULONG)v[0], P(v[1]), v[2], pages, count_arg,
                     v[6] ? &granularity : NULL);
    } else
        status = (LONG)GetWriteWatch((DWORD)v[0], P(v[1]), v[2], pages, count_arg,
                                     v[6] ? &granularity : NULL);
    answer_start((uint32_t)status);
    answer_more(status == 0 && v[4] ? count : v[5]); /* written only on success */
    answer_more(status == 0 && v[6] ? granularity : v[7]);
    if (status == 0) {
        answer_more(count);
        answer_more(granularity);
        for (ULONG_PTR i = 0; i < MAX_WATCH; i++)
            answer_more(i < count ? (uint64_t)(uintptr_t)pages[i] : 0);
    }
    free(pages);
    answer_end();
}

static void do_write_watch(const AgentRequest *r) { write_watch(r, 0); }
static void do_nt_get_write_watch(const AgentRequest *r) { write_watch(r, 1); }

/* Up to three numbers of a version such as "10.0" or "8.0.2" (Wine's), as 10 0 0. */
/* The NT name kernelbase gives a Win32 object name (BaseFormatObjectAttributes): "Global\\X" is
 * \BaseNamedObjects\X, "Local\\X" or a bare "X" the caller's session's
 * \Sessions\N\BaseNamedObjects\X (session 0's is \BaseNamedObjects). */
static void nt_object_name(const char *name, WCHAR *out, size_t room)
{
    DWORD session = 0;
    ProcessIdToSessionId(GetCurrentProcessId(), &session);
    char path[400];
    if (strncmp(name, "Global\\", 7) == 0)
        snprintf(path, sizeof path, "\\BaseNamedObjects\\%s", name + 7);
    else {
        const char *rest = strncmp(name, "Local\\", 6) == 0 ? name + 6 : name;
        if (session)
            snprintf(path, sizeof path, "\\Sessions\\%lu\\BaseNamedObjects\\%s",
                     (unsigned long)session, rest);
        else
            snprintf(path, sizeof path, "\\BaseNamedObjects\\%s", rest);
    }
    MultiByteToWideChar(CP_ACP, 0, path, -1, out, (int)room);
}

/* OBJECT_ATTRIBUTES naming an object, with the storage its name needs. */
typedef struct ObjectName {
    AgentObjectAttributes attributes;
    AgentUnicodeString string;
    WCHAR buffer[400];
} ObjectName;

/* Object attributes naming r's string argument, compared case-sensitively as kernelbase's names
 * are (no OBJ_CASE_INSENSITIVE), or NULL for no name. */
static AgentObjectAttributes *object_attributes(const AgentRequest *r, int given, ObjectName *name)
{
    if (!given)
        return NULL;
    nt_object_name(r->text, name->buffer, sizeof name->buffer / sizeof name->buffer[0]);
    size_t length = wcslen(name->buffer) * sizeof(WCHAR);
    name->string =
        (AgentUnicodeString){(USHORT)length, (USHORT)(length + sizeof(WCHAR)), name->buffer};
    name->attributes =
        (AgentObjectAttributes){sizeof name->attributes, NULL, &name->string, 0, NULL, NULL};
    return &name->attributes;
}

/* NtCreateSection byref_h h access name byref_size size protect attributes file, and
 * NtOpenSection byref_h h access name: the status, then the handle (and NtCreateSection's size)
 * as the call left them. */
static void do_nt_section(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    int create = r->count == 9;
    if (create ? !nt.create_section : !nt.open_section) {
        refuse_unknown(r);
        return;
    }
    ObjectName name;
    HANDLE h = H(v[1]);
    AgentObjectAttributes *attributes = object_attributes(r, (int)v[3], &name);
    LARGE_INTEGER size = {.QuadPart = create ? (LONGLONG)v[5] : 0};
    LONG status = create ? nt.create_section(v[0] ? &h : NULL, (ULONG)v[2], attributes,
                                             v[4] ? &size : NULL, (ULONG)v[6], (ULONG)v[7], H(v[8]))
                         : nt.open_section(v[0] ? &h : NULL, (ULONG)v[2], attributes);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)h);
    if (create)
        answer_more((uint64_t)size.QuadPart);
    answer_end();
}

/* SECTION_IMAGE_INFORMATION as Windows lays it out for the agent's own architecture (winternl.h's,
 * whose bit fields and unions the answer reads as the plain numbers they are): 64 bytes on x64, 48
 * on x86. */
typedef struct AgentSectionImageInformation {
    PVOID TransferAddress;
    ULONG ZeroBits;
    SIZE_T MaximumStackSize, CommittedStackSize;
    ULONG SubSystemType;
    USHORT SubSystemMinorVersion, SubSystemMajorVersion;
    USHORT MajorOperatingSystemVersion, MinorOperatingSystemVersion;
    USHORT ImageCharacteristics, DllCharacteristics, Machine;
    BOOLEAN ImageContainsCode;
    UCHAR ImageFlags;
    ULONG LoaderFlags, ImageFileSize, CheckSum;
} AgentSectionImageInformation;
_Static_assert(sizeof(AgentSectionImageInformation) == (sizeof(void *) == 8 ? 64 : 48),
               "SECTION_IMAGE_INFORMATION's size");

/* SECTION_BASIC_INFORMATION (winternl.h's). */
typedef struct AgentSectionBasicInformation {
    PVOID BaseAddress;
    ULONG Attributes;
    LARGE_INTEGER Size;
} AgentSectionBasicInformation;

/* SECTION_IMAGE_INFORMATION's fields in the order section_image_fields.h writes for the record. */
static void answer_section_image(const AgentSectionImageInformation *i)
{
#define SECTION_IMAGE_FIELD(field) (uint64_t)(uintptr_t)(i->field),
    uint64_t fields[] = {VS_SECTION_IMAGE_FIELDS(SECTION_IMAGE_FIELD)};
#undef SECTION_IMAGE_FIELD
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
        answer_more(fields[k]);
}

/* NtQuerySection section class length byref_retlen retlen: the status, the return length as the
 * call left it, then on success SECTION_BASIC_INFORMATION's or SECTION_IMAGE_INFORMATION's fields.
 * The buffer is the agent's, larger than any length the language passes it that NtQuerySection
 * accepts; a length past it is refused rather than let the call write beyond. */
static void do_nt_query_section(const AgentRequest *r)
{
    union {
        AgentSectionBasicInformation basic;
        AgentSectionImageInformation image;
        BYTE room[256 + 24]; /* a longer length */
    } info;
    if (!nt.query_section) {
        refuse_unknown(r);
        return;
    }
    if (r->v[2] > sizeof info) {
        refuse("the buffer is smaller than the length: ", r->name);
        return;
    }
    memset(&info, 0, sizeof info);
    SIZE_T length = r->v[4];
    LONG status =
        nt.query_section(H(r->v[0]), (ULONG)r->v[1], &info, r->v[2], r->v[3] ? &length : NULL);
    answer_start((uint32_t)status);
    answer_more(length);
    if (status >= 0 && r->v[1] == 0) {
        answer_more((uint64_t)(uintptr_t)info.basic.BaseAddress);
        answer_more(info.basic.Attributes);
        answer_more((uint64_t)info.basic.Size.QuadPart);
    } else if (status >= 0 && r->v[1] == 1) {
        answer_section_image(&info.image);
    }
    answer_end();
}

/* NtQuerySection section class buffer length byref_retlen retlen: the buffer is the address the
 * request names, in the agent's own memory (the harness placed it), passed as it is, with the
 * length as it is: the system probes it or not. The answer as above, the fields read from the
 * buffer the call wrote. */
static void do_nt_query_section_into(const AgentRequest *r)
{
    if (!nt.query_section) {
        refuse_unknown(r);
        return;
    }
    SIZE_T length = r->v[5];
    void *buffer = P(r->v[2]);
    LONG status = nt.query_section(H(r->v[0]), (ULONG)r->v[1], buffer, (SIZE_T)r->v[3],
                                   r->v[4] ? &length : NULL);
    answer_start((uint32_t)status);
    answer_more(length);
    if (status >= 0 && r->v[1] == 0) {
        AgentSectionBasicInformation basic;
        memcpy(&basic, buffer, sizeof basic);
        answer_more((uint64_t)(uintptr_t)basic.BaseAddress);
        answer_more(basic.Attributes);
        answer_more((uint64_t)basic.Size.QuadPart);
    } else if (status >= 0 && r->v[1] == 1) {
        AgentSectionImageInformation image;
        memcpy(&image, buffer, sizeof image);
        answer_section_image(&image);
    }
    answer_end();
}

static void answer_version(const char *text)
{
    for (int i = 0; i < 3; i++) {
        char *end = (char *)text;
        unsigned long part = text ? strtoul(text, &end, 10) : 0;
        answer_more(end != text ? part : 0);
        text = end != text && *end == '.' ? end + 1 : NULL;
    }
}

/* RtlGetVersion fills OSVERSIONINFOW with the true version (GetVersionEx lies to programs without
 * a manifest). */
typedef LONG(NTAPI *RtlGetVersionFn)(OSVERSIONINFOW *);

/* hello: the protocol version; GetSystemInfo's page size, granularity and addresses; the Wine
 * version wine_get_version gives (0 0 0: not Wine), and the Windows version the system reports
 * (under Wine, the one it plays). */
static void do_hello(const AgentRequest *r)
{
    (void)r;
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    OSVERSIONINFOW os = {.dwOSVersionInfoSize = sizeof os};
    RtlGetVersionFn get_version =
        (RtlGetVersionFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "RtlGetVersion");
    if (!get_version || get_version(&os) != 0)
        memset(&os, 0, sizeof os);
    answer_start(AGENT_PROTOCOL_VERSION);
    answer_more(info.dwPageSize);
    answer_more(info.dwAllocationGranularity);
    answer_more((uint64_t)(uintptr_t)info.lpMinimumApplicationAddress);
    answer_more((uint64_t)(uintptr_t)info.lpMaximumApplicationAddress);
    answer_version(nt.wine_version ? nt.wine_version() : NULL);
    answer_more(os.dwMajorVersion);
    answer_more(os.dwMinorVersion);
    answer_more(os.dwBuildNumber);
    answer_end();
}

/* ---- The rest, a line or two each ------------------------------------------------------------ */

/* Every call answers "= RET LASTERROR LASTSTATUS EXCEPTION", then its out-parameters. The return
 * value conventions follow the Win32 signatures. */
static void answer(uint64_t ret)
{
    answer_start(ret);
    answer_end();
}

static uint64_t pointer(const void *p) { return (uint64_t)(uintptr_t)p; }

static void call_virtual_alloc(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    answer(pointer(VirtualAlloc(P(v[0]), v[1], (DWORD)v[2], (DWORD)v[3])));
}

static void call_virtual_alloc_ex(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    answer(pointer(VirtualAllocEx(H(v[0]), P(v[1]), v[2], (DWORD)v[3], (DWORD)v[4])));
}

static void call_virtual_free(const AgentRequest *r)
{
    answer(VirtualFree(P(r->v[0]), r->v[1], (DWORD)r->v[2]));
}

static void call_virtual_free_ex(const AgentRequest *r)
{
    answer(VirtualFreeEx(H(r->v[0]), P(r->v[1]), r->v[2], (DWORD)r->v[3]));
}

/* VirtualProtect base size protect byref_old old, and VirtualProtectEx with a handle first. */
static void call_virtual_protect(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    int ex = r->count == 6;
    DWORD old = (DWORD)v[ex + 4]; /* what the variable held: a failed call may leave it */
    BOOL ok = VirtualProtectEx(ex ? H(v[0]) : GetCurrentProcess(), P(v[ex]), v[ex + 1],
                               (DWORD)v[ex + 2], v[ex + 3] ? &old : NULL);
    answer_start(ok);
    answer_more(old);
    answer_end();
}

static void call_virtual_query(const AgentRequest *r) { do_query(GetCurrentProcess(), r->v[0]); }
static void call_virtual_query_ex(const AgentRequest *r) { do_query(H(r->v[0]), r->v[1]); }

/* The extended parameters of VirtualAlloc2, MapViewOfFile3 and the NT Ex calls: one address
 * window (in the caller's storage), a list (in the agent's: one request at a time), or none. */
static AgentExtendedParameter *window(const AgentRequest *r, int given,
                                      AgentAddressRequirements *requirements,
                                      AgentExtendedParameter *parameter)
{
    static AgentAddressRequirements windows[4];
    static AgentExtendedParameter list[4];
    if (given && r->param_count) {
        for (int k = 0; k < r->param_count; k++) {
            const uint64_t *p = r->params[k];
            list[k] = (AgentExtendedParameter){.Type = p[0]};
            windows[k] = (AgentAddressRequirements){P(p[1]), P(p[2]), (SIZE_T)p[3]};
            if (p[0] == 1) /* MemExtendedParameterAddressRequirements */
                list[k].Pointer = &windows[k];
            else
                list[k].ULong64 = p[1];
        }
        return list;
    }
    *requirements =
        (AgentAddressRequirements){P(r->window[0]), P(r->window[1]), (SIZE_T)r->window[2]};
    *parameter = (AgentExtendedParameter){.Type = 1 /* MemExtendedParameterAddressRequirements */};
    parameter->Pointer = requirements;
    return given ? parameter : NULL;
}

static void call_virtual_alloc_2(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    AgentAddressRequirements requirements;
    AgentExtendedParameter parameter;
    if (!virtual_alloc_2) {
        refuse_unknown(r);
        return;
    }
    answer(pointer(virtual_alloc_2(H(v[0]), P(v[1]), v[2], (ULONG)v[3], (ULONG)v[4],
                                   window(r, v[5] != 0, &requirements, &parameter), (ULONG)v[6])));
}

/* ---- The FromApp calls: looked up in kernelbase at each request, since neither Wine exports them
 * all (VirtualProtectFromApp came after Wine 10.0, MapViewOfFile3FromApp is in none); a call the
 * system lacks is refused, never answered. */

typedef PVOID(WINAPI *VirtualAllocFromAppFn)(PVOID, SIZE_T, ULONG, ULONG);
typedef BOOL(WINAPI *VirtualProtectFromAppFn)(PVOID, SIZE_T, ULONG, PULONG);
typedef PVOID(WINAPI *MapViewOfFileFromAppFn)(HANDLE, ULONG, ULONG64, SIZE_T);

/* The export of kernelbase named like the request, or NULL after refusing it. */
static FARPROC from_app_export(const AgentRequest *r)
{
    HMODULE kernelbase = GetModuleHandleA("kernelbase.dll");
    FARPROC f = kernelbase ? GetProcAddress(kernelbase, r->name) : NULL;
    if (!f)
        refuse("this system's kernelbase does not export ", r->name);
    return f;
}

static void call_virtual_alloc_from_app(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    VirtualAllocFromAppFn f = (VirtualAllocFromAppFn)(void *)from_app_export(r);
    if (f)
        answer(pointer(f(P(v[0]), v[1], (ULONG)v[2], (ULONG)v[3])));
}

static void call_virtual_alloc_2_from_app(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    AgentAddressRequirements requirements;
    AgentExtendedParameter parameter;
    VirtualAlloc2Fn f = (VirtualAlloc2Fn)(void *)from_app_export(r);
    if (f)
        answer(pointer(f(H(v[0]), P(v[1]), v[2], (ULONG)v[3], (ULONG)v[4],
                         window(r, v[5] != 0, &requirements, &parameter), (ULONG)v[6])));
}

/* VirtualProtectFromApp base size protect byref_old old */
static void call_virtual_protect_from_app(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    VirtualProtectFromAppFn f = (VirtualProtectFromAppFn)(void *)from_app_export(r);
    ULONG old = (ULONG)v[4]; /* what the variable held: a failed call may leave it */
    if (!f)
        return;
    answer_start(f(P(v[0]), v[1], (ULONG)v[2], v[3] ? &old : NULL));
    answer_more(old);
    answer_end();
}

static void call_map_view_of_file_from_app(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    MapViewOfFileFromAppFn f = (MapViewOfFileFromAppFn)(void *)from_app_export(r);
    if (f)
        answer(pointer(f(H(v[0]), (ULONG)v[1], v[2], v[3])));
}

static void call_map_view_of_file_3_from_app(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    AgentAddressRequirements requirements;
    AgentExtendedParameter parameter;
    MapViewOfFile3Fn f = (MapViewOfFile3Fn)(void *)from_app_export(r);
    if (f)
        answer(pointer(f(H(v[0]), H(v[1]), P(v[2]), v[3], v[4], (ULONG)v[5], (ULONG)v[6],
                         window(r, v[7] != 0, &requirements, &parameter), (ULONG)v[8])));
}

/* The structure an NtQueryVirtualMemory call wrote at buffer, as the model's record names it (a
 * MEMORY_BASIC_INFORMATION's fields for class 0). */
static void answer_memory_information(uint64_t class, const void *buffer)
{
    if (class == 0)
        answer_mbi((const MEMORY_BASIC_INFORMATION *)buffer);
    if (class == 3) { /* base, protect, type, size, commit, partition, node */
        AgentRegionInformation region;
        memcpy(&region, buffer, sizeof region);
        answer_more(pointer(region.AllocationBase));
        answer_more(region.AllocationProtect);
        answer_more(region.RegionType);
        answer_more(region.RegionSize);
        answer_more(region.CommitSize);
        answer_more(region.PartitionId);
        answer_more(region.NodePreference);
    }
    if (class == 6) { /* base, size, flags */
        AgentImageInformation image;
        memcpy(&image, buffer, sizeof image);
        answer_more(pointer(image.ImageBase));
        answer_more(image.SizeOfImage);
        answer_more(image.ImageFlags);
    }
    if (class == 4) {
        PSAPI_WORKING_SET_EX_INFORMATION entry;
        memcpy(&entry, buffer, sizeof entry);
        answer_block(entry.VirtualAttributes);
    }
    if (class == 2) { /* the UNICODE_STRING's two lengths */
        const uint16_t *lengths = (const uint16_t *)buffer;
        answer_more(lengths[0]);
        answer_more(lengths[1]);
    }
}

/* NtQueryVirtualMemory h address class length byref_retlen retlen: the status, the return length
 * as the call left it, then on success the class's structure: MEMORY_BASIC_INFORMATION's,
 * MEMORY_REGION_INFORMATION's or MEMORY_IMAGE_INFORMATION's fields (read in the agent's own
 * layout, x64 or x86, and answered alike), the first entry's block for
 * MemoryWorkingSetExInformation (the address is that entry's, the call's own base NULL, the other
 * entries NULL), MEMORY_SECTION_NAME's Length and MaximumLength. A length past the agent's buffer
 * is refused. */
static void do_nt_query_virtual_memory(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    uint64_t buffer[128];
    if (!nt.query_memory) {
        refuse_unknown(r);
        return;
    }
    if (v[3] > sizeof buffer) {
        refuse("the buffer is smaller than the length: ", r->name);
        return;
    }
    memset(buffer, 0, sizeof buffer);
    int working_set = v[2] == 4;
    if (working_set) {
        PSAPI_WORKING_SET_EX_INFORMATION entry = {.VirtualAddress = P(v[1])};
        memcpy(buffer, &entry, sizeof entry);
    }
    SIZE_T length = v[5];
    LONG status = nt.query_memory(H(v[0]), working_set ? NULL : P(v[1]), (ULONG)v[2], buffer, v[3],
                                  v[4] ? &length : NULL);
    answer_start((uint32_t)status);
    answer_more(length);
    if (status >= 0)
        answer_memory_information(v[2], buffer);
    answer_end();
}

/* NtQueryVirtualMemory h address class buffer length byref_retlen retlen: the buffer is the
 * address the request names, in the agent's own memory (the harness placed it and translated
 * it), passed as it is with the length as it is: the system probes it or not. The answer as
 * above, read from what the call wrote there (copied out first: Wine writes a buffer off its
 * alignment too); for MemoryMappedFilenameInformation also the UNICODE_STRING's Buffer and the
 * character at Buffer[Length / 2]. */
static void do_nt_query_virtual_memory_into(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    if (!nt.query_memory) {
        refuse_unknown(r);
        return;
    }
    SIZE_T length = v[6];
    void *buffer = P(v[3]);
    LONG status = nt.query_memory(H(v[0]), v[2] == 4 ? NULL : P(v[1]), (ULONG)v[2], buffer,
                                  (SIZE_T)v[4], v[5] ? &length : NULL);
    answer_start((uint32_t)status);
    answer_more(length);
    if (status >= 0) {
        /* No further than the class's structure: Wine, which does not probe, succeeds with a
         * length that runs past the memory the buffer lies in. */
        size_t size = v[2] == 0   ? sizeof(MEMORY_BASIC_INFORMATION)
                      : v[2] == 3 ? sizeof(AgentRegionInformation)
                      : v[2] == 6 ? sizeof(AgentImageInformation)
                      : v[2] == 4 ? sizeof(PSAPI_WORKING_SET_EX_INFORMATION)
                                  : 2 * sizeof(void *); /* the UNICODE_STRING */
        uint64_t copy[16] = {0};
        _Static_assert(sizeof(AgentRegionInformation) <= sizeof copy, "the largest structure");
        memcpy(copy, buffer, v[4] < size ? (size_t)v[4] : size);
        answer_memory_information(v[2], copy);
        if (v[2] == 2) {
            struct {
                USHORT Length, MaximumLength;
                WCHAR *Buffer;
            } name; /* UNICODE_STRING */
            memcpy(&name, copy, sizeof name);
            answer_more(pointer(name.Buffer));
            answer_more(name.Buffer ? name.Buffer[name.Length / sizeof(WCHAR)] : 0xFFFF);
        }
    }
    answer_end();
}

/* ---- Another process's memory ---------------------------------------------------------------- */

/* ReadProcessMemory, WriteProcessMemory and their NT calls: h address buffer size byref_n n. The
 * answer: the BOOL or the status, then the count as the call left it (the variable's value when
 * it did not write it). */
static void copy_memory(const AgentRequest *r, int write, int native)
{
    const uint64_t *v = r->v;
    SIZE_T count = v[5];
    SIZE_T *out = v[4] ? &count : NULL;
    uint64_t ret;
    if (native) {
        NtCopyVirtualMemoryFn call = write ? nt.write_memory : nt.read_memory;
        if (!call) {
            refuse_unknown(r);
            return;
        }
        ret = (uint32_t)call(H(v[0]), P(v[1]), P(v[2]), v[3], out);
    } else {
        ret = write ? WriteProcessMemory(H(v[0]), P(v[1]), P(v[2]), v[3], out)
                    : ReadProcessMemory(H(v[0]), P(v[1]), P(v[2]), v[3], out);
    }
    answer_start(ret);
    answer_more(count);
    answer_end();
}

static void call_read_process_memory(const AgentRequest *r) { copy_memory(r, 0, 0); }
static void call_write_process_memory(const AgentRequest *r) { copy_memory(r, 1, 0); }
static void call_nt_read_virtual_memory(const AgentRequest *r) { copy_memory(r, 0, 1); }
static void call_nt_write_virtual_memory(const AgentRequest *r) { copy_memory(r, 1, 1); }

/* DuplicateHandle source_process source target_process byref_h h access inherit options */
static void call_duplicate_handle(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    HANDLE h = H(v[4]);
    BOOL ok = DuplicateHandle(H(v[0]), H(v[1]), H(v[2]), v[3] ? &h : NULL, (DWORD)v[5], (BOOL)v[6],
                              (DWORD)v[7]);
    answer_start(ok);
    answer_more((uint64_t)(uintptr_t)h);
    answer_end();
}

/* ---- Sections, views and files --------------------------------------------------------------- */

static void call_create_file_mapping(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    answer(pointer(CreateFileMappingA(H(v[0]), NULL, (DWORD)v[2], (DWORD)v[3], (DWORD)v[4],
                                      v[5] ? r->text : NULL)));
}

static void call_open_file_mapping(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    answer(pointer(OpenFileMappingA((DWORD)v[0], (BOOL)v[1], v[2] ? r->text : NULL)));
}

static void call_map_view_of_file(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    answer(pointer(MapViewOfFile(H(v[0]), (DWORD)v[1], (DWORD)v[2], (DWORD)v[3], v[4])));
}

static void call_map_view_of_file_ex(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    answer(pointer(MapViewOfFileEx(H(v[0]), (DWORD)v[1], (DWORD)v[2], (DWORD)v[3], v[4], P(v[5]))));
}

static void call_map_view_of_file_3(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    AgentAddressRequirements requirements;
    AgentExtendedParameter parameter;
    if (!map_view_of_file_3) {
        refuse_unknown(r);
        return;
    }
    answer(
        pointer(map_view_of_file_3(H(v[0]), H(v[1]), P(v[2]), v[3], v[4], (ULONG)v[5], (ULONG)v[6],
                                   window(r, v[7] != 0, &requirements, &parameter), (ULONG)v[8])));
}

static void call_unmap_view_of_file(const AgentRequest *r) { answer(UnmapViewOfFile(P(r->v[0]))); }

/* UnmapViewOfFileEx is looked up, not imported: mingw-w64's x86 import library lacks it. */
static void call_unmap_view_of_file_ex(const AgentRequest *r)
{
    typedef BOOL(WINAPI * UnmapViewOfFileExFn)(PVOID, ULONG);
    UnmapViewOfFileExFn unmap = (UnmapViewOfFileExFn)(void *)GetProcAddress(
        GetModuleHandleA("kernel32.dll"), "UnmapViewOfFileEx");
    if (!unmap) {
        refuse_unknown(r);
        return;
    }
    answer(unmap(P(r->v[0]), (ULONG)r->v[1]));
}

static void call_unmap_view_of_file_2(const AgentRequest *r)
{
    if (!unmap_view_2)
        refuse_unknown(r);
    else
        answer(unmap_view_2(H(r->v[0]), P(r->v[1]), (ULONG)r->v[2]));
}

static void call_file(const AgentRequest *r) { answer(declare_file(r)); }
static void call_pe(const AgentRequest *r) { answer(declare_pe(r)); }
static void call_host_file(const AgentRequest *r) { answer(host_file(r)); }
static void call_load_library(const AgentRequest *r) { answer(load_library(r, NULL, 0)); }

static void call_load_library_ex(const AgentRequest *r)
{
    answer(load_library(r, H(r->v[1]), (DWORD)r->v[2]));
}

static void call_get_module_handle(const AgentRequest *r)
{
    answer((uint64_t)(uintptr_t)GetModuleHandleA(r->v[0] ? r->text : NULL));
}

static void call_free_library(const AgentRequest *r) { answer(FreeLibrary(P(r->v[0]))); }
static void call_create_file(const AgentRequest *r) { answer(create_file(r)); }
static void call_get_file_size(const AgentRequest *r) { answer(GetFileSize(H(r->v[0]), NULL)); }

static void call_flush_view_of_file(const AgentRequest *r)
{
    answer(FlushViewOfFile(P(r->v[0]), r->v[1]));
}

static void call_read_file(const AgentRequest *r) { answer(read_file_byte(H(r->v[0]), r->v[1])); }

/* ReadFile: h buffer length byref_n n overlapped. The answer: the BOOL, then the count as the call
 * left it (the variable's value when it was not passed). A read left pending returns at once. */
static void call_read_file_into(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    DWORD count = (DWORD)v[4];
    BOOL ret = ReadFile(H(v[0]), P(v[1]), (DWORD)v[2], v[3] ? &count : NULL, P(v[5]));
    answer_start(ret);
    answer_more(count);
    answer_end();
}

/* WriteFile: as ReadFile. A pipe's writer that would wait for a reader is the model's refusal (the
 * scenario stops before): the agent never gets such a request from a scenario that runs. */
static void call_write_file(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    DWORD count = (DWORD)v[4];
    BOOL ret = WriteFile(H(v[0]), P(v[1]), (DWORD)v[2], v[3] ? &count : NULL, P(v[5]));
    answer_start(ret);
    answer_more(count);
    answer_end();
}

/* Longest an agent's wait lasts: a wait the model says ends at once may take the real system a
 * moment (a completion delivered by the wineserver), and one that would not end must not hang
 * the agent; it answers WAIT_TIMEOUT then, which shows as a difference. */
#define AGENT_WAIT_MS 5000

static void call_create_event(const AgentRequest *r)
{
    answer(pointer(CreateEventA(NULL, (BOOL)r->v[1], (BOOL)r->v[2], NULL)));
}

static void call_wait_for_single_object(const AgentRequest *r)
{
    DWORD ms = (DWORD)r->v[1];
    answer(WaitForSingleObject(H(r->v[0]), ms > AGENT_WAIT_MS ? AGENT_WAIT_MS : ms));
}

static void answer_access(uint64_t ret);

/* overlapped(address, event): the OVERLAPPED's bytes zeroed and hEvent stored, through the probe
 * stores, so a fault answers as write's does. */
static void call_overlapped_init(const AgentRequest *r)
{
    uint64_t at = r->v[0], event = r->v[1];
    guard.code = 0;
    for (size_t i = 0; i < offsetof(OVERLAPPED, hEvent) && !guard.code; i++)
        probe_write(at + i, 0);
    for (size_t i = 0; i < sizeof(HANDLE) && !guard.code; i++)
        probe_write(at + offsetof(OVERLAPPED, hEvent) + i, (uint8_t)(event >> (8 * i)));
    answer_access((uint32_t)guard.code);
}

/* CreateNamedPipe: name open_mode pipe_mode instances out in timeout security; the name has the
 * harness's prefix after \\.\pipe\. */
static void call_create_named_pipe(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    HANDLE h = CreateNamedPipeA(v[0] ? r->text : NULL, (DWORD)v[1], (DWORD)v[2], (DWORD)v[3],
                                (DWORD)v[4], (DWORD)v[5], (DWORD)v[6], NULL);
    answer((uint64_t)(uintptr_t)h);
}

static void call_connect_named_pipe(const AgentRequest *r)
{
    answer(ConnectNamedPipe(H(r->v[0]), P(r->v[1])));
}

/* GetOverlappedResult: h overlapped byref_n n wait. With wait, a result still pending is waited
 * for AGENT_WAIT_MS at most, then asked without waiting (ERROR_IO_INCOMPLETE: a difference rather
 * than an agent waiting for ever). */
static void call_get_overlapped_result(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    OVERLAPPED *overlapped = P(v[1]);
    DWORD count = (DWORD)v[3];
    BOOL wait = (BOOL)v[4];
    if (wait && overlapped && overlapped->Internal == (ULONG_PTR)STATUS_PENDING &&
        WaitForSingleObject(overlapped->hEvent ? overlapped->hEvent : H(v[0]), AGENT_WAIT_MS) !=
            WAIT_OBJECT_0)
        wait = FALSE;
    BOOL ret = GetOverlappedResult(H(v[0]), overlapped, v[2] ? &count : NULL, wait);
    answer_start(ret);
    answer_more(count);
    answer_end();
}

/* ---- Errors, processes and handles ----------------------------------------------------------- */

static void call_get_last_error(const AgentRequest *r)
{
    (void)r;
    answer(GetLastError());
}

static void call_set_last_error(const AgentRequest *r)
{
    SetLastError((DWORD)r->v[0]);
    answer(0);
}

static void call_rtl_get_last_nt_status(const AgentRequest *r)
{
    (void)r;
    answer((uint32_t)nt.last_status());
}

/* The pseudo-handle -1, sign-extended as a 64-bit number from the x86 agent too (WoW64 widens a
 * 32-bit handle so), so that both agents answer what the model does. */
static void call_get_current_process(const AgentRequest *r)
{
    (void)r;
    answer((uint64_t)(int64_t)(intptr_t)GetCurrentProcess());
}

static void call_get_current_process_id(const AgentRequest *r)
{
    (void)r;
    answer(GetCurrentProcessId());
}

static void call_open_process(const AgentRequest *r)
{
    answer(pointer(OpenProcess((DWORD)r->v[0], r->v[1] != 0, (DWORD)r->v[2])));
}

/* CloseHandle and NtClose, but of the pipes the agent talks through. */
static void call_close(const AgentRequest *r)
{
    if (own_handle(r->v[0])) {
        refuse("this would close the agent's own pipe: ", r->name);
        return;
    }
    forget_thread_handle(r->v[0]);
    if (strcmp(r->name, "NtClose") == 0)
        answer((uint32_t)nt.close(H(r->v[0])));
    else
        answer(CloseHandle(H(r->v[0])));
}

/* ---- The NT calls ---------------------------------------------------------------------------- */

static void call_nt_map_view(const AgentRequest *r)
{
    if (!nt.map_view)
        refuse_unknown(r);
    else
        do_nt_map_view(r);
}

static void call_nt_unmap_view(const AgentRequest *r)
{
    if (!nt.unmap_view)
        refuse_unknown(r);
    else
        answer((uint32_t)nt.unmap_view(H(r->v[0]), P(r->v[1])));
}

static void call_nt_unmap_view_ex(const AgentRequest *r)
{
    if (!nt.unmap_view_ex)
        refuse_unknown(r);
    else
        answer((uint32_t)nt.unmap_view_ex(H(r->v[0]), P(r->v[1]), (ULONG)r->v[2]));
}

/* ---- Memory accesses, the working set and write watch ---------------------------------------- */

/* read, write and execute answer the access kind of the exception they raised too
 * (ExceptionInformation[0]; 0 when none). */
static void answer_access(uint64_t ret)
{
    answer_start(ret);
    answer_more(guard.code ? (uint32_t)guard.access : 0);
    answer_end();
}

static void call_read(const AgentRequest *r) { answer_access(probe_read(r->v[0])); }

static void call_write(const AgentRequest *r)
{
    probe_write(r->v[0], (uint8_t)r->v[1]);
    answer_access((uint32_t)guard.code);
}

/* page_digest ADDRESS = DIGEST ERR STATUS EXC ACCESS: the 64-bit FNV-1a hash of the 4 KB page
 * holding ADDRESS, read byte by byte through the guarded probe, so that an unreadable page answers
 * its exception (and 0) instead of ending the agent. The harness asks it of a page whose contents
 * MEM_RESET left undefined, once both systems have written it, to see whether they hold the same
 * bytes again (verify/win32/reset.c computes the model's side alike). */
static void call_page_digest(const AgentRequest *r)
{
    uint64_t page = r->v[0] & ~(uint64_t)0xFFF, hash = 0xCBF29CE484222325ull;
    for (uint64_t i = 0; i < 0x1000 && !guard.code; i++)
        hash = (hash ^ probe_read(page + i)) * 0x100000001B3ull;
    answer_access(guard.code ? 0 : hash);
}

static void call_execute(const AgentRequest *r)
{
    probe_fetch(r->v[0]);
    answer_access((uint32_t)guard.code);
}

/* ---- Processes made from an image (children.c) ---------------------------------------------- */

/* process_image(name) = HANDLE ... PID IMAGEBASE PEB */
static void call_process_image(const AgentRequest *r)
{
    uint64_t pid = 0, image = 0, peb = 0;
    answer_start(create_child(r, &pid, &image, &peb));
    answer_more(pid);
    answer_more(image);
    answer_more(peb);
    answer_end();
}

/* NtAreMappedFilesTheSame(a, b), found in ntdll at the request. */
static void call_nt_are_mapped_files_the_same(const AgentRequest *r)
{
    typedef LONG(NTAPI * SameFn)(PVOID, PVOID);
    SameFn same =
        (SameFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtAreMappedFilesTheSame");
    if (!same) {
        refuse_unknown(r);
        return;
    }
    answer_start((uint32_t)same(P(r->v[0]), P(r->v[1])));
    answer_end();
}

static void call_child_read(const AgentRequest *r) { answer_access(child_read(r)); }
static void call_child_write(const AgentRequest *r) { answer_access(child_write(r)); }
static void call_child_module(const AgentRequest *r) { answer(child_module(r)); }

static void call_walk(const AgentRequest *r) { do_walk(r->v[0], r->v[1]); }

static void call_get_large_page_minimum(const AgentRequest *r)
{
    (void)r;
    answer(GetLargePageMinimum());
}

static void call_set_process_working_set_size(const AgentRequest *r)
{
    answer(SetProcessWorkingSetSize(H(r->v[0]), r->v[1], r->v[2]));
}

static void call_empty_working_set(const AgentRequest *r)
{
    answer(K32EmptyWorkingSet(H(r->v[0])));
}

static void call_virtual_lock(const AgentRequest *r) { answer(VirtualLock(P(r->v[0]), r->v[1])); }

static void call_virtual_unlock(const AgentRequest *r)
{
    answer(VirtualUnlock(P(r->v[0]), r->v[1]));
}

static void call_reset_write_watch(const AgentRequest *r)
{
    answer(ResetWriteWatch(P(r->v[0]), r->v[1]));
}

/* NtResetWriteWatch process base size */
static void call_nt_reset_write_watch(const AgentRequest *r)
{
    NtResetWriteWatchFn reset = (NtResetWriteWatchFn)(void *)GetProcAddress(
        GetModuleHandleA("ntdll.dll"), "NtResetWriteWatch");
    answer((uint32_t)reset(H(r->v[0]), P(r->v[1]), r->v[2]));
}

typedef LONG(NTAPI *NtLockVirtualMemoryFn)(HANDLE, PVOID *, PSIZE_T, ULONG);

/* NtLockVirtualMemory and NtUnlockVirtualMemory h byref_base base byref_size size map_type: the
 * status, then the base and size as the call left them. */
static void do_nt_lock(const AgentRequest *r)
{
    NtLockVirtualMemoryFn lock =
        (NtLockVirtualMemoryFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), r->name);
    PVOID base = P(r->v[2]);
    SIZE_T size = r->v[4];
    LONG status = lock(H(r->v[0]), r->v[1] ? &base : NULL, r->v[3] ? &size : NULL, (ULONG)r->v[5]);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)base);
    answer_more(size);
    answer_end();
}

typedef LONG(NTAPI *NtAllocateVirtualMemoryExFn)(HANDLE, PVOID *, PSIZE_T, ULONG, ULONG,
                                                 AgentExtendedParameter *, ULONG);
typedef LONG(NTAPI *NtMapViewOfSectionExFn)(HANDLE, HANDLE, PVOID *, PLARGE_INTEGER, PSIZE_T, ULONG,
                                            ULONG, AgentExtendedParameter *, ULONG);

/* NtAllocateVirtualMemoryEx h byref_base base byref_size size type protect parameters count:
 * the status, then the base and size as the call left them (refused where ntdll lacks it). */
static void do_nt_allocate_ex(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    NtAllocateVirtualMemoryExFn allocate =
        (NtAllocateVirtualMemoryExFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), r->name);
    AgentAddressRequirements requirements;
    AgentExtendedParameter parameter;
    if (!allocate) {
        refuse_unknown(r);
        return;
    }
    PVOID base = P(v[2]);
    SIZE_T size = v[4];
    LONG status =
        allocate(H(v[0]), v[1] ? &base : NULL, v[3] ? &size : NULL, (ULONG)v[5], (ULONG)v[6],
                 window(r, v[7] != 0, &requirements, &parameter), (ULONG)v[8]);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)base);
    answer_more(size);
    answer_end();
}

/* NtMapViewOfSectionEx section process byref_base base byref_offset offset byref_size size type
 * protect parameters count: the status, then base, offset and size as the call left them. */
static void do_nt_map_view_ex(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    NtMapViewOfSectionExFn map =
        (NtMapViewOfSectionExFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), r->name);
    AgentAddressRequirements requirements;
    AgentExtendedParameter parameter;
    if (!map) {
        refuse_unknown(r);
        return;
    }
    PVOID base = P(v[3]);
    LARGE_INTEGER offset = {.QuadPart = (LONGLONG)v[5]};
    SIZE_T size = v[7];
    LONG status = map(H(v[0]), H(v[1]), v[2] ? &base : NULL, v[4] ? &offset : NULL,
                      v[6] ? &size : NULL, (ULONG)v[8], (ULONG)v[9],
                      window(r, v[10] != 0, &requirements, &parameter), (ULONG)v[11]);
    answer_start((uint32_t)status);
    answer_more((uint64_t)(uintptr_t)base);
    answer_more((uint64_t)offset.QuadPart);
    answer_more(size);
    answer_end();
}

/* ---- Address Windowing Extensions: looked up at each request (kernelbase, then kernel32), since
 * a system may lack one (neither Wine exports MapUserPhysicalPagesScatter); a call the system
 * lacks is refused, never answered. The arrays are the scenario's memory, passed as they are. */

typedef BOOL(WINAPI *UserPhysicalPagesFn)(HANDLE, PULONG_PTR, PULONG_PTR);
typedef BOOL(WINAPI *MapUserPhysicalPagesFn)(PVOID, ULONG_PTR, PULONG_PTR);

/* The export named like the request, from kernelbase or kernel32, or NULL after refusing it (the
 * AWE calls, PrefetchVirtualMemory, the Offer family, the DEP policy calls). */
static FARPROC base_export(const AgentRequest *r)
{
    HMODULE kernelbase = GetModuleHandleA("kernelbase.dll");
    FARPROC f = kernelbase ? GetProcAddress(kernelbase, r->name) : NULL;
    if (!f)
        f = GetProcAddress(GetModuleHandleA("kernel32.dll"), r->name);
    if (!f)
        refuse("this system does not export ", r->name);
    return f;
}

/* AllocateUserPhysicalPages and FreeUserPhysicalPages h byref_count count frames: the BOOL, then
 * the count as the call left it. */
static void call_user_physical_pages(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    UserPhysicalPagesFn f = (UserPhysicalPagesFn)(void *)base_export(r);
    ULONG_PTR count = (ULONG_PTR)v[2];
    if (!f)
        return;
    answer_start(f(H(v[0]), v[1] ? &count : NULL, (PULONG_PTR)P(v[3])));
    answer_more(count);
    answer_end();
}

/* MapUserPhysicalPages address count frames, MapUserPhysicalPagesScatter addresses count frames */
static void call_map_user_physical_pages(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    MapUserPhysicalPagesFn f = (MapUserPhysicalPagesFn)(void *)base_export(r);
    if (f)
        answer(f(P(v[0]), (ULONG_PTR)v[1], (PULONG_PTR)P(v[2])));
}

/* ---- Prefetching: looked up at each request (ntdll; kernelbase, then kernel32), refused where
 * the system lacks it. The entry array is the scenario's memory, passed as it is. */

typedef LONG(NTAPI *NtSetInformationVirtualMemoryFn)(HANDLE, ULONG, ULONG_PTR, PVOID, PVOID, ULONG);
typedef BOOL(WINAPI *PrefetchVirtualMemoryFn)(HANDLE, ULONG_PTR, PVOID, ULONG);

/* NtSetInformationVirtualMemory h class count entries byref_information information length: the
 * status, then the information as the call left it. */
static void call_nt_set_information_virtual_memory(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    NtSetInformationVirtualMemoryFn f = (NtSetInformationVirtualMemoryFn)(void *)GetProcAddress(
        GetModuleHandleA("ntdll.dll"), r->name);
    ULONG information = (ULONG)v[5];
    if (!f) {
        refuse("this system's ntdll does not export ", r->name);
        return;
    }
    answer_start((uint32_t)f(H(v[0]), (ULONG)v[1], (ULONG_PTR)v[2], P(v[3]),
                             v[4] ? &information : NULL, (ULONG)v[6]));
    answer_more(information);
    answer_end();
}

/* PrefetchVirtualMemory h count entries flags */
static void call_prefetch_virtual_memory(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    PrefetchVirtualMemoryFn f = (PrefetchVirtualMemoryFn)(void *)base_export(r);
    if (f)
        answer(f(H(v[0]), (ULONG_PTR)v[1], P(v[2]), (ULONG)v[3]));
}

/* ---- Offered and discarded memory: looked up at each request (kernelbase, then kernel32) and
 * refused where the system lacks them (neither Wine has Offer or Reclaim; Wine 8.0 no Discard). */

typedef DWORD(WINAPI *OfferVirtualMemoryFn)(PVOID, SIZE_T, DWORD);
typedef DWORD(WINAPI *ReclaimVirtualMemoryFn)(PVOID, SIZE_T);

/* OfferVirtualMemory address size priority */
static void call_offer_virtual_memory(const AgentRequest *r)
{
    OfferVirtualMemoryFn f = (OfferVirtualMemoryFn)(void *)base_export(r);
    if (f)
        answer(f(P(r->v[0]), r->v[1], (DWORD)r->v[2]));
}

/* ReclaimVirtualMemory and DiscardVirtualMemory address size */
static void call_reclaim_virtual_memory(const AgentRequest *r)
{
    ReclaimVirtualMemoryFn f = (ReclaimVirtualMemoryFn)(void *)base_export(r);
    if (f)
        answer(f(P(r->v[0]), r->v[1]));
}

/* ---- A process's execute options: ProcessExecuteFlags alone (any other class could change or
 * overrun the agent itself, and is refused), and the DEP policy calls of kernel32. */

#define AGENT_PROCESS_EXECUTE_FLAGS 0x22
#define AGENT_PROCESS_MANAGE_WRITES 0x53 /* ProcessManageWritesToExecutableMemory */

typedef LONG(NTAPI *NtQueryInformationProcessFn)(HANDLE, ULONG, PVOID, ULONG, PULONG);
typedef LONG(NTAPI *NtSetInformationProcessFn)(HANDLE, ULONG, PVOID, ULONG);
typedef BOOL(WINAPI *GetProcessDEPPolicyFn)(HANDLE, LPDWORD, PBOOL);
typedef BOOL(WINAPI *SetProcessDEPPolicyFn)(DWORD);

/* NtQueryInformationProcess h class byref_information information length byref_return_length
 * return_length: the status, then the information and return length as the call left them. */
static void call_nt_query_information_process(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    NtQueryInformationProcessFn f =
        (NtQueryInformationProcessFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), r->name);
    ULONG information = (ULONG)v[3], return_length = (ULONG)v[6];
    if (!f || v[1] != AGENT_PROCESS_EXECUTE_FLAGS || v[4] > sizeof information) {
        refuse("only ProcessExecuteFlags, into a ULONG: ", r->name);
        return;
    }
    answer_start((uint32_t)f(H(v[0]), (ULONG)v[1], v[2] ? &information : NULL, (ULONG)v[4],
                             v[5] ? &return_length : NULL));
    answer_more(information);
    answer_more(return_length);
    answer_end();
}

/* NtSetInformationProcess h class byref_information information length. Beside
 * ProcessExecuteFlags, ProcessManageWritesToExecutableMemory (x86 and x64 Windows refuse it) from
 * a zeroed MANAGE_WRITES_TO_EXECUTABLE_MEMORY (16 bytes) whose first ULONG is the information. */
static void call_nt_set_information_process(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    NtSetInformationProcessFn f =
        (NtSetInformationProcessFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), r->name);
    ULONG buffer[4] = {(ULONG)v[3]};
    size_t limit = v[1] == AGENT_PROCESS_MANAGE_WRITES ? sizeof buffer : sizeof buffer[0];
    if (!f || (v[1] != AGENT_PROCESS_EXECUTE_FLAGS && v[1] != AGENT_PROCESS_MANAGE_WRITES) ||
        v[4] > limit) {
        refuse("only ProcessExecuteFlags or ProcessManageWritesToExecutableMemory: ", r->name);
        return;
    }
    answer_start((uint32_t)f(H(v[0]), (ULONG)v[1], v[2] ? buffer : NULL, (ULONG)v[4]));
    answer_more(buffer[0]);
    answer_end();
}

/* GetProcessDEPPolicy h byref_flags flags byref_permanent permanent: the BOOL, then the two as
 * the call left them. Windows crashes on a NULL pointer (kernel32 test_atl_thunk_emulation
 * L2919-2921): refused. */
static void call_get_process_dep_policy(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    GetProcessDEPPolicyFn f = (GetProcessDEPPolicyFn)(void *)base_export(r);
    DWORD flags = (DWORD)v[2];
    BOOL permanent = (BOOL)v[4];
    if (!f)
        return;
    if (!v[1] || !v[3]) {
        refuse("Windows crashes on a NULL pointer: ", r->name);
        return;
    }
    answer_start(f(H(v[0]), &flags, &permanent));
    answer_more(flags);
    answer_more((uint32_t)permanent);
    answer_end();
}

/* SetProcessDEPPolicy flags */
static void call_set_process_dep_policy(const AgentRequest *r)
{
    SetProcessDEPPolicyFn f = (SetProcessDEPPolicyFn)(void *)base_export(r);
    if (f)
        answer(f((DWORD)r->v[0]));
}

/* Every request the agent serves: its name (the scenario language's), its argument count, and
 * the function that makes the call and answers. */
const AgentCall agent_calls[] = {
    {"hello", 0, do_hello},
    {"walk", 2, call_walk},
    {"VirtualAlloc", 4, call_virtual_alloc},
    {"VirtualAllocEx", 5, call_virtual_alloc_ex},
    {"VirtualAlloc2", 7, call_virtual_alloc_2},
    {"VirtualFree", 3, call_virtual_free},
    {"VirtualFreeEx", 4, call_virtual_free_ex},
    {"VirtualProtect", 5, call_virtual_protect},
    {"VirtualProtectEx", 6, call_virtual_protect},
    {"VirtualQuery", 1, call_virtual_query},
    {"VirtualQueryEx", 2, call_virtual_query_ex},
    {"VirtualLock", 2, call_virtual_lock},
    {"VirtualUnlock", 2, call_virtual_unlock},
    {"CreateFileMapping", 6, call_create_file_mapping},
    {"OpenFileMapping", 3, call_open_file_mapping},
    {"MapViewOfFile", 5, call_map_view_of_file},
    {"MapViewOfFileEx", 6, call_map_view_of_file_ex},
    {"MapViewOfFile3", 9, call_map_view_of_file_3},
    {"VirtualAllocFromApp", 4, call_virtual_alloc_from_app},
    {"VirtualAlloc2FromApp", 7, call_virtual_alloc_2_from_app},
    {"VirtualProtectFromApp", 5, call_virtual_protect_from_app},
    {"MapViewOfFileFromApp", 4, call_map_view_of_file_from_app},
    {"MapViewOfFile3FromApp", 9, call_map_view_of_file_3_from_app},
    {"UnmapViewOfFile", 1, call_unmap_view_of_file},
    {"UnmapViewOfFileEx", 2, call_unmap_view_of_file_ex},
    {"UnmapViewOfFile2", 3, call_unmap_view_of_file_2},
    {"file", 4, call_file},
    {"pe", 5, call_pe},
    {"host_file", 2, call_host_file},
    {"LoadLibrary", 1, call_load_library},
    {"LoadLibraryEx", 3, call_load_library_ex},
    {"GetModuleHandle", 1, call_get_module_handle},
    {"FreeLibrary", 1, call_free_library},
    {"CreateFile", 7, call_create_file},
    {"GetFileSize", 2, call_get_file_size},
    {"FlushViewOfFile", 2, call_flush_view_of_file},
    {"read_file", 2, call_read_file},
    {"ReadFile", 6, call_read_file_into},
    {"WriteFile", 6, call_write_file},
    {"CreateEvent", 4, call_create_event},
    {"WaitForSingleObject", 2, call_wait_for_single_object},
    {"overlapped", 2, call_overlapped_init},
    {"CreateNamedPipe", 8, call_create_named_pipe},
    {"ConnectNamedPipe", 2, call_connect_named_pipe},
    {"GetOverlappedResult", 5, call_get_overlapped_result},
    {"GetLastError", 0, call_get_last_error},
    {"SetLastError", 1, call_set_last_error},
    {"RtlGetLastNtStatus", 0, call_rtl_get_last_nt_status},
    {"GetCurrentProcess", 0, call_get_current_process},
    {"NtCurrentProcess", 0, call_get_current_process},
    {"GetCurrentProcessId", 0, call_get_current_process_id},
    {"OpenProcess", 3, call_open_process},
    {"CloseHandle", 1, call_close},
    {"NtClose", 1, call_close},
    {"NtAllocateVirtualMemory", 8, do_nt_allocate},
    {"NtFreeVirtualMemory", 6, do_nt_free},
    {"NtProtectVirtualMemory", 8, do_nt_protect},
    {"NtMapViewOfSection", 13, call_nt_map_view},
    {"NtUnmapViewOfSection", 2, call_nt_unmap_view},
    {"NtUnmapViewOfSectionEx", 3, call_nt_unmap_view_ex},
    {"NtQuerySection", 5, do_nt_query_section},
    {"NtQuerySection", 6, do_nt_query_section_into},
    {"NtQueryVirtualMemory", 6, do_nt_query_virtual_memory},
    {"NtQueryVirtualMemory", 7, do_nt_query_virtual_memory_into},
    {"NtCreateSection", 9, do_nt_section},
    {"ReadProcessMemory", 6, call_read_process_memory},
    {"WriteProcessMemory", 6, call_write_process_memory},
    {"NtReadVirtualMemory", 6, call_nt_read_virtual_memory},
    {"NtWriteVirtualMemory", 6, call_nt_write_virtual_memory},
    {"DuplicateHandle", 8, call_duplicate_handle},
    {"NtOpenSection", 4, do_nt_section},
    {"read", 1, call_read},
    {"write", 2, call_write},
    {"execute", 1, call_execute},
    {"GetLargePageMinimum", 0, call_get_large_page_minimum},
    {"QueryWorkingSetEx", 2, do_working_set},
    {"GetProcessMemoryInfo", 1, do_memory_info},
    {"GlobalMemoryStatusEx", 0, do_memory_status},
    {"GetProcessWorkingSetSize", 5, do_get_working_set_size},
    {"SetProcessWorkingSetSize", 3, call_set_process_working_set_size},
    {"EmptyWorkingSet", 1, call_empty_working_set},
    {"GetWriteWatch", 8, do_write_watch},
    {"ResetWriteWatch", 2, call_reset_write_watch},
    {"process_image", 1, call_process_image},
    {"NtAreMappedFilesTheSame", 2, call_nt_are_mapped_files_the_same},
    {"child_read", 2, call_child_read},
    {"child_write", 3, call_child_write},
    {"child_module", 2, call_child_module},
    {"NtGetWriteWatch", 9, do_nt_get_write_watch},
    {"NtResetWriteWatch", 3, call_nt_reset_write_watch},
    {"NtLockVirtualMemory", 6, do_nt_lock},
    {"NtUnlockVirtualMemory", 6, do_nt_lock},
    {"NtAllocateVirtualMemoryEx", 9, do_nt_allocate_ex},
    {"NtMapViewOfSectionEx", 12, do_nt_map_view_ex},
    {"AllocateUserPhysicalPages", 4, call_user_physical_pages},
    {"FreeUserPhysicalPages", 4, call_user_physical_pages},
    {"MapUserPhysicalPages", 3, call_map_user_physical_pages},
    {"MapUserPhysicalPagesScatter", 3, call_map_user_physical_pages},
    {"NtSetInformationVirtualMemory", 7, call_nt_set_information_virtual_memory},
    {"PrefetchVirtualMemory", 4, call_prefetch_virtual_memory},
    {"NtQueryInformationProcess", 7, call_nt_query_information_process},
    {"NtSetInformationProcess", 5, call_nt_set_information_process},
    {"GetProcessDEPPolicy", 5, call_get_process_dep_policy},
    {"SetProcessDEPPolicy", 1, call_set_process_dep_policy},
    {"OfferVirtualMemory", 3, call_offer_virtual_memory},
    {"ReclaimVirtualMemory", 2, call_reclaim_virtual_memory},
    {"DiscardVirtualMemory", 2, call_reclaim_virtual_memory},
    {"page_digest", 1, call_page_digest},
};

const size_t agent_call_count = AGENT_COUNT(agent_calls);
