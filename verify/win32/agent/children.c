/*
 * children.c - processes made from a scenario's image: created suspended from the file in the
 * agent's folder, before their first instruction, and reached only through their handle.
 *
 * A scenario process made from an image (process NAME image="FILE") is a real process made by
 * CreateProcess with CREATE_SUSPENDED from the same bytes: the harness sends the calls made in it
 * to this agent, which makes them through the child's handle (VirtualQueryEx, ReadProcessMemory,
 * WriteProcessMemory, ...). The child never runs: no loader has run in it, no DLL is loaded but
 * ntdll, and it is ended when the agent quits.
 */
#include "vadsim-agent.h"

#define MAX_CHILDREN 8

typedef LONG(NTAPI *NtQueryInformationProcessFn)(HANDLE, ULONG, PVOID, ULONG, PULONG);

/* PROCESS_BASIC_INFORMATION as winternl.h lays it out. */
typedef struct AgentProcessBasicInformation {
    LONG ExitStatus;
    PVOID PebBaseAddress;
    ULONG_PTR AffinityMask;
    LONG BasePriority;
    ULONG_PTR UniqueProcessId;
    ULONG_PTR InheritedFromUniqueProcessId;
} AgentProcessBasicInformation;

/* PEB.ImageBaseAddress: after InheritedAddressSpace..SpareBool (4 bytes, padded) and Mutant. */
#define PEB_IMAGE_BASE_OFFSET (2 * sizeof(void *))

static HANDLE children[MAX_CHILDREN];

/* The child's PEB (ProcessBasicInformation), or 0. */
static uint64_t child_peb(HANDLE process)
{
    static NtQueryInformationProcessFn query;
    if (!query)
        query = (NtQueryInformationProcessFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"),
                                                                    "NtQueryInformationProcess");
    AgentProcessBasicInformation info;
    memset(&info, 0, sizeof info);
    if (!query || query(process, 0 /* ProcessBasicInformation */, &info, sizeof info, NULL) < 0)
        return 0;
    return (uint64_t)(uintptr_t)info.PebBaseAddress;
}

/* The child's EXE: its PEB's ImageBaseAddress, or 0. */
static uint64_t child_image_base(HANDLE process)
{
    uint64_t peb = child_peb(process);
    void *base = NULL;
    SIZE_T done = 0;
    if (!peb ||
        !ReadProcessMemory(process, P(peb + PEB_IMAGE_BASE_OFFSET), &base, sizeof base, &done))
        return 0;
    return (uint64_t)(uintptr_t)base;
}

/* process_image(name): the scenario's file made into a suspended process; its handle (0 with the
 * last error), then its id, its EXE's base and its PEB. */
uint64_t create_child(const AgentRequest *r, uint64_t *pid, uint64_t *image, uint64_t *peb)
{
    char path[MAX_PATH];
    int slot = 0;
    while (slot < MAX_CHILDREN && children[slot])
        slot++;
    if (slot == MAX_CHILDREN || !r->v[0] || !scenario_file_path(r->text, path, sizeof path)) {
        SetLastError(slot == MAX_CHILDREN ? ERROR_TOO_MANY_OPEN_FILES : ERROR_FILE_NOT_FOUND);
        return 0;
    }
    STARTUPINFOA startup = {.cb = sizeof startup};
    PROCESS_INFORMATION made;
    if (!CreateProcessA(path, NULL, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &startup,
                        &made))
        return 0;
    CloseHandle(made.hThread);
    children[slot] = made.hProcess;
    *pid = made.dwProcessId;
    *peb = child_peb(made.hProcess);
    *image = child_image_base(made.hProcess);
    return (uint64_t)(uintptr_t)made.hProcess;
}

/* child_read(process, address): one byte through ReadProcessMemory; a failed copy answers as the
 * access violation the load would raise in the child. */
uint64_t child_read(const AgentRequest *r)
{
    unsigned char byte = 0;
    SIZE_T done = 0;
    if (!ReadProcessMemory(H(r->v[0]), P(r->v[1]), &byte, 1, &done) || done != 1)
        guard.code = (LONG)EXCEPTION_ACCESS_VIOLATION;
    return byte;
}

/* child_write(process, address, byte): one byte through WriteProcessMemory, which makes a
 * write-copy page the child's own as a store in the child would; a failed copy answers as an
 * access violation. Returns the exception code, as write does. */
uint64_t child_write(const AgentRequest *r)
{
    unsigned char byte = (unsigned char)r->v[2];
    SIZE_T done = 0;
    if (!WriteProcessMemory(H(r->v[0]), P(r->v[1]), &byte, 1, &done) || done != 1) {
        guard.code = (LONG)EXCEPTION_ACCESS_VIOLATION;
        guard.access = 1;
    }
    return (uint64_t)(uint32_t)guard.code;
}

/* Whether the image file's last path component is name, or name with the harness's "vadsimN_"
 * prefix taken off (the system's own DLLs have no prefix). */
static int module_named(const char *path, const char *name)
{
    const char *file = strrchr(path, '\\');
    file = file ? file + 1 : path;
    if (_stricmp(file, name) == 0)
        return 1;
    const char *bare = strncmp(name, "vadsim", 6) == 0 ? strchr(name, '_') : NULL;
    return bare && _stricmp(file, bare + 1) == 0;
}

/* child_module(process, name or NULL): the base of the image the child has mapped from a file
 * of that name, found by walking its address space (a suspended child's loader list is still
 * empty); NULL: its EXE. 0 with ERROR_MOD_NOT_FOUND when there is none. */
uint64_t child_module(const AgentRequest *r)
{
    HANDLE process = H(r->v[0]);
    if (!r->v[1])
        return child_image_base(process);
    MEMORY_BASIC_INFORMATION m;
    char path[MAX_PATH];
    uint64_t at = 0;
    while (VirtualQueryEx(process, P(at), &m, sizeof m)) {
        if (m.Type == MEM_IMAGE && m.BaseAddress == m.AllocationBase &&
            K32GetMappedFileNameA(process, m.BaseAddress, path, sizeof path) &&
            module_named(path, r->text))
            return (uint64_t)(uintptr_t)m.BaseAddress;
        uint64_t next = (uint64_t)(uintptr_t)m.BaseAddress + m.RegionSize;
        if (next <= at)
            break;
        at = next;
    }
    SetLastError(ERROR_MOD_NOT_FOUND);
    return 0;
}

/* Whether pid is a process the agent made from an image (0: none is). */
int is_child(DWORD pid)
{
    for (int i = 0; i < MAX_CHILDREN && pid; i++)
        if (children[i] && GetProcessId(children[i]) == pid)
            return 1;
    return 0;
}

/* At quit: every child is ended (its image file can go then). */
void end_children(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i]) {
            TerminateProcess(children[i], 0);
            WaitForSingleObject(children[i], 5000);
            CloseHandle(children[i]);
            children[i] = NULL;
        }
}
