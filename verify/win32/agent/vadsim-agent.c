/*
 * vadsim-agent.c - runs the scenario language's primitive operations against the real Win32 API.
 *
 * The verification harness (vadsim verify, vadsim fuzz) starts this program, under wine64 on Linux
 * or natively on Windows, and talks to it over standard input and output in a line protocol: one
 * request per line, one answer per line. Requests are a call name and its arguments in hex:
 *
 *     VirtualAlloc 0 10000 2000 4
 *     = 1a0000 0 0 0
 *
 * A pointer argument the scenario may pass by reference ('&var') is sent as two numbers: 1 and the
 * variable's value going in, or 0 and anything for a NULL pointer. Every answer starts with
 * "= RET LASTERROR LASTSTATUS EXCEPTION" (hexadecimal): the call's return value, GetLastError() and
 * RtlGetLastNtStatus() after it, and the code of an exception it raised (0 if none). Out-parameters
 * follow, per call. A malformed request is answered "! message" and the agent goes on. See
 * docs/verification.md for the whole protocol. Each request is one row of the table of calls
 * (calls.c): its name, its argument count and the function that serves it.
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
#include <fcntl.h>
#include <io.h>

#include "vadsim-agent.h"

#define MAX_LINE 1024 /* a declared file's text comes as hex: up to 255 bytes */

Ntdll nt;
Guard guard;
UnmapViewOfFile2Fn unmap_view_2;
VirtualAlloc2Fn virtual_alloc_2;
MapViewOfFile3Fn map_view_of_file_3;
HANDLE own_handles[3];

/* ---- Memory probes --------------------------------------------------------------------------- */

/* probe_read(address) -> al = the byte; probe_write(address, dl = value). Each has one instruction
 * that can fault, labelled so the handler knows it and can resume at the next label. The x64
 * agent takes the address in rcx; the x86 one (cdecl) on the stack, the 64-bit address's low half
 * first, then the value, and its C names carry an underscore. */
extern char probe_read_access[], probe_read_resume[], probe_write_access[], probe_write_resume[];
extern char probe_execute_resume[];
#ifdef _WIN64
#define CONTEXT_PC(context) ((context)->Rip)
#define CONTEXT_SP(context) ((context)->Rsp)
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
        "    ret\n"
        ".globl probe_execute\n"
        "probe_execute:\n"
        "    pushfq\n"
        "    orl $0x100, (%rsp)\n"
        "    popfq\n"
        "    call *%rcx\n"
        ".globl probe_execute_resume\n"
        "probe_execute_resume:\n"
        "    ret\n");
#else
#define CONTEXT_PC(context) ((context)->Eip)
#define CONTEXT_SP(context) ((context)->Esp)
__asm__(".text\n"
        ".globl _probe_read\n"
        "_probe_read:\n"
        "    movl 4(%esp), %ecx\n"
        "    xorl %eax, %eax\n"
        ".globl _probe_read_access\n"
        "_probe_read_access:\n"
        "    movb (%ecx), %al\n"
        ".globl _probe_read_resume\n"
        "_probe_read_resume:\n"
        "    ret\n"
        ".globl _probe_write\n"
        "_probe_write:\n"
        "    movl 4(%esp), %ecx\n"
        "    movl 12(%esp), %edx\n"
        ".globl _probe_write_access\n"
        "_probe_write_access:\n"
        "    movb %dl, (%ecx)\n"
        ".globl _probe_write_resume\n"
        "_probe_write_resume:\n"
        "    ret\n"
        ".globl _probe_execute\n"
        "_probe_execute:\n"
        "    movl 4(%esp), %ecx\n"
        "    pushfl\n"
        "    orl $0x100, (%esp)\n"
        "    popfl\n"
        "    call *%ecx\n"
        ".globl _probe_execute_resume\n"
        "_probe_execute_resume:\n"
        "    ret\n");
#endif

/* The fetch probe's state: 1 from its start to the trap at the target, 2 while the target's one
 * instruction is fetched and run; the context at the target, restored afterwards. */
static struct {
    volatile int state;
    uint64_t target;
    CONTEXT at_target;
} fetch;

#define TRAP_FLAG 0x100

/* The fetch probe's exceptions (see probe_execute). TRUE if the exception was the probe's. */
static BOOL on_fetch_exception(EXCEPTION_POINTERS *info)
{
    EXCEPTION_RECORD *record = info->ExceptionRecord;
    CONTEXT *context = info->ContextRecord;
    if (fetch.state == 1 && record->ExceptionCode == EXCEPTION_SINGLE_STEP) {
        if (CONTEXT_PC(context) == fetch.target) {
            fetch.at_target = *context;
            fetch.state = 2;
        }
        context->EFlags |= TRAP_FLAG; /* the next instruction is the target's */
        return TRUE;
    }
    if (fetch.state != 2)
        return FALSE;
    DWORD code = record->ExceptionCode;
    if ((code == EXCEPTION_ACCESS_VIOLATION || code == STATUS_GUARD_PAGE_VIOLATION) &&
        (uint64_t)(uintptr_t)record->ExceptionAddress == fetch.target &&
        record->NumberParameters >= 2 && record->ExceptionInformation[1] == fetch.target) {
        guard.code = (LONG)code; /* the fetch itself faulted */
        guard.access = (LONG)record->ExceptionInformation[0];
    }
    *context = fetch.at_target;
    CONTEXT_PC(context) = (uintptr_t)probe_execute_resume;
    CONTEXT_SP(context) += sizeof(void *); /* the call's return address */
    context->EFlags &= ~(DWORD)TRAP_FLAG;
    fetch.state = 0;
    return TRUE;
}

void probe_execute(uint64_t address); /* the assembly above */

void probe_fetch(uint64_t address)
{
    fetch.target = address;
    fetch.state = 1;
    probe_execute(address);
    fetch.state = 0;
}

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *info)
{
    DWORD code = info->ExceptionRecord->ExceptionCode;
    char *at = info->ExceptionRecord->ExceptionAddress;
    if (on_fetch_exception(info))
        return EXCEPTION_CONTINUE_EXECUTION;
    if (at == probe_read_access || at == probe_write_access) {
        guard.code = (LONG)code;
        if (info->ExceptionRecord->NumberParameters >= 1)
            guard.access = (LONG)info->ExceptionRecord->ExceptionInformation[0];
        CONTEXT_PC(info->ContextRecord) =
            (uintptr_t)(at == probe_read_access ? probe_read_resume : probe_write_resume);
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    /* STATUS_NO_MEMORY: a heap call with HEAP_GENERATE_EXCEPTIONS failing */
    if (guard.in_call &&
        (code == EXCEPTION_ACCESS_VIOLATION || code == STATUS_GUARD_PAGE_VIOLATION ||
         code == EXCEPTION_IN_PAGE_ERROR || code == STATUS_NO_MEMORY)) {
        guard.code = (LONG)code;
        guard.in_call = 0;
        __builtin_longjmp(guard.jump, 1);
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

/* ---- Answers --------------------------------------------------------------------------------- */

void answer_start(uint64_t ret)
{
    DWORD error = GetLastError();
    LONG status = nt.last_status ? nt.last_status() : 0;
    printf("= %llx %lx %lx %lx", (unsigned long long)ret, (unsigned long)error,
           (unsigned long)status, (unsigned long)guard.code);
    SetLastError(error); /* printf may have changed it; the next GetLastError must see the call's */
}

void answer_more(uint64_t value) { printf(" %llx", (unsigned long long)value); }

void answer_end(void)
{
    DWORD error = GetLastError();
    putchar('\n');
    fflush(stdout);
    SetLastError(error);
}

/* "! why what": the request is not carried out. */
void refuse(const char *why, const char *what)
{
    DWORD error = GetLastError();
    printf("! %s%s\n", why, what);
    fflush(stdout);
    SetLastError(error);
}

/* ---- Requests the agent declines ------------------------------------------------------------- */

/* Wine 8.0 lets a process free, re-protect or commit (with PAGE_GUARD, say) its KUSER_SHARED_DATA
 * page (Windows refuses: the VAD is secured), and then crashes, hangs or raises inside ntdll, which
 * reads that page; under Wine the agent declines any such call whose range touches the page. */
static int changes_shared_user_data(const AgentRequest *r)
{
    static const struct {
        const char *name;
        int count, address, size;
    } calls[] = {
        {"VirtualAlloc", 4, 0, 1},
        {"VirtualAllocEx", 5, 1, 2},
        {"VirtualFree", 3, 0, 1},
        {"VirtualFreeEx", 4, 1, 2},
        {"VirtualProtect", 5, 0, 1},
        {"VirtualProtectEx", 6, 1, 2},
        {"NtAllocateVirtualMemory", 8, 2, 5},
        {"NtFreeVirtualMemory", 6, 2, 4},
        {"NtProtectVirtualMemory", 8, 2, 4},
        {"NtAllocateVirtualMemoryEx", 9, 2, 4},
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
static int uses_placeholders(const AgentRequest *r)
{
    static const struct {
        const char *name;
        int count, flags;
        uint64_t bits;
    } calls[] = {
        {"VirtualAlloc2", 7, 3, 0x00044000},  /* MEM_RESERVE_ / MEM_REPLACE_PLACEHOLDER */
        {"MapViewOfFile3", 9, 5, 0x00004000}, /* MEM_REPLACE_PLACEHOLDER */
        {"VirtualFree", 3, 2, 0x3},           /* MEM_COALESCE_ / MEM_PRESERVE_PLACEHOLDER */
        {"VirtualFreeEx", 4, 3, 0x3},
        {"NtFreeVirtualMemory", 6, 5, 0x3},
        {"UnmapViewOfFile2", 3, 2, 0x2}, /* MEM_PRESERVE_PLACEHOLDER */
        {"UnmapViewOfFileEx", 2, 1, 0x2},
        {"NtAllocateVirtualMemoryEx", 9, 5, 0x00044000},
        {"NtMapViewOfSectionEx", 12, 8, 0x00004000},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (strcmp(r->name, calls[i].name) == 0 && r->count == calls[i].count)
            return (r->v[calls[i].flags] & calls[i].bits) != 0;
    return 0;
}

/* Placeholder operations where the system has none. */
static int lacks_placeholders(const AgentRequest *r)
{
    return uses_placeholders(r) && !have_placeholders;
}

/* Calls the agent declines before looking them up, and why. */
static const struct {
    int (*applies)(const AgentRequest *r);
    const char *why;
} refusals[] = {
    {changes_shared_user_data, "Wine would change KUSER_SHARED_DATA and then fail inside ntdll: "},
    {lacks_placeholders,
     "this system has no placeholders (Windows 10 1803 and Wine 8.x have them): "},
};

void refuse_unknown(const AgentRequest *r)
{
    refuse("unknown request or wrong argument count: ", r->name);
}

int agent_dispatch(const AgentRequest *r)
{
    if (strcmp(r->name, "quit") == 0 && r->count == 0)
        return 0;
    for (size_t i = 0; i < AGENT_COUNT(refusals); i++)
        if (refusals[i].applies(r)) {
            refuse(refusals[i].why, r->name);
            return 1;
        }
    const AgentCall *call = agent_find(agent_calls, agent_call_count, r);
    if (!call)
        call = agent_find(agent_thread_calls, agent_thread_call_count, r);
    if (!call)
        call = agent_find(agent_heap_calls, agent_heap_call_count, r);
    if (call)
        call->serve(r);
    else
        refuse_unknown(r);
    return 1;
}

/* ---- Start-up and the request loop ---------------------------------------------------------- */

static void load_ntdll(void)
{
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    nt.allocate =
        (NtAllocateVirtualMemoryFn)(void *)GetProcAddress(ntdll, "NtAllocateVirtualMemory");
    nt.free = (NtFreeVirtualMemoryFn)(void *)GetProcAddress(ntdll, "NtFreeVirtualMemory");
    nt.protect = (NtProtectVirtualMemoryFn)(void *)GetProcAddress(ntdll, "NtProtectVirtualMemory");
    nt.close = (NtCloseFn)(void *)GetProcAddress(ntdll, "NtClose");
    nt.map_view = (NtMapViewOfSectionFn)(void *)GetProcAddress(ntdll, "NtMapViewOfSection");
    nt.unmap_view = (NtUnmapViewOfSectionFn)(void *)GetProcAddress(ntdll, "NtUnmapViewOfSection");
    nt.unmap_view_ex =
        (NtUnmapViewOfSectionExFn)(void *)GetProcAddress(ntdll, "NtUnmapViewOfSectionEx");
    nt.query_section = (NtQuerySectionFn)(void *)GetProcAddress(ntdll, "NtQuerySection");
    nt.query_memory = (NtQueryVirtualMemoryFn)(void *)GetProcAddress(ntdll, "NtQueryVirtualMemory");
    nt.create_section = (NtCreateSectionFn)(void *)GetProcAddress(ntdll, "NtCreateSection");
    nt.open_section = (NtOpenSectionFn)(void *)GetProcAddress(ntdll, "NtOpenSection");
    nt.read_memory = (NtCopyVirtualMemoryFn)(void *)GetProcAddress(ntdll, "NtReadVirtualMemory");
    nt.write_memory = (NtCopyVirtualMemoryFn)(void *)GetProcAddress(ntdll, "NtWriteVirtualMemory");
    nt.last_status = (RtlGetLastNtStatusFn)(void *)GetProcAddress(ntdll, "RtlGetLastNtStatus");
    nt.wine_version = (WineGetVersionFn)(void *)GetProcAddress(ntdll, "wine_get_version");
    HMODULE kernelbase = GetModuleHandleA("kernelbase.dll");
    if (kernelbase) {
        unmap_view_2 = (UnmapViewOfFile2Fn)(void *)GetProcAddress(kernelbase, "UnmapViewOfFile2");
        virtual_alloc_2 = (VirtualAlloc2Fn)(void *)GetProcAddress(kernelbase, "VirtualAlloc2");
        map_view_of_file_3 = (MapViewOfFile3Fn)(void *)GetProcAddress(kernelbase, "MapViewOfFile3");
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
    note_own_heaps();
    AddVectoredExceptionHandler(1, on_exception);
    SetLastError(0);
    int got;
    while ((got = agent_read_line(line, sizeof line)) != 0) {
        AgentRequest r;
        if (got < 0) {
            refuse("request line too long", "");
            continue;
        }
        /* "as HANDLE REQUEST": a call the scenario makes as one of its threads; "start HANDLE
         * REQUEST": one that may wait while the requests go on ("finish HANDLE" answers it). */
        char *rest = line;
        unsigned long long as = 0;
        int skip = 0, start = strncmp(line, "start ", 6) == 0;
        int prefix = start ? 6 : strncmp(line, "as ", 3) == 0 ? 3 : 0;
        if (prefix && sscanf(line + prefix, "%llx %n", &as, &skip) == 1)
            rest = line + prefix + skip;
        if (!agent_parse(rest, &r, 1) || (rest == line && prefix)) {
            refuse("malformed request: a call name, then hexadecimal arguments", "");
            continue;
        }
        guard.code = 0;
        guard.access = 0;
        /* A call that raises comes back here with the exception noted and answers as if it
         * returned 0; the harness sees the exception code in the answer. */
        if (__builtin_setjmp(guard.jump)) {
            answer_start(0);
            answer_end();
            continue;
        }
        guard.in_call = 1;
        int more = 1;
        if (start)
            start_as_thread(as, &r);
        else if (rest != line)
            serve_as_thread(as, &r);
        else
            more = agent_dispatch(&r);
        guard.in_call = 0;
        if (!more)
            break;
    }
    end_children();
    remove_file_dir();
    return 0;
}
