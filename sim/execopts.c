/*
 * execopts.c - a process's execute options: Data Execution Prevention, process by process.
 *
 * Models KEXECUTE_OPTIONS (KPROCESS Flags: ExecuteDisable, ExecuteEnable, DisableThunkEmulation,
 * Permanent, ExecuteDispatchEnable, ImageDispatchEnable), MmGetExecuteOptions and
 * MmSetExecuteOptions (WRK mm/mmfault.c) behind the ProcessExecuteFlags class of
 * NtQueryInformationProcess and NtSetInformationProcess, and the test MmAccessFault makes before
 * it refuses an instruction fetch from a page whose PTE has NX.
 *
 * A 64-bit process always runs with DEP: the query answers MEM_EXECUTE_OPTION_DISABLE |
 * DISABLE_THUNK_EMULATION | PERMANENT (ntdll exception.c test_dpe_exceptions L3587-3593, x86_64:
 * Windows before 10 answered STATUS_INVALID_PARAMETER, as WRK's MmGetExecuteOptions does for a
 * Win64 process) and a set is STATUS_INVALID_PARAMETER (L3598-3600; WRK). A 32-bit process (a
 * `system x86` one: the model's x86 keeps the NX bit, as Windows turns PAE on to have it) has the
 * switch: with DEP off (MEM_EXECUTE_OPTION_ENABLE set, or DISABLE clear) a fetch from a readable
 * page that does not execute goes through (WRK MmAccessFault: "if ... ExecuteEnable ... or
 * ExecuteDisable == 0 ... allow execution", as on a machine whose DEP policy is OptIn or OptOut),
 * and an access violation a fetch raises reports a read (ntdll exception.c L1860-1866: "error code
 * is different than with hardware DEP on"; kernel32 virtual.c execute_fault_seh_handler L2768).
 *
 * Where a 32-bit process's options start: the system's policy is OptIn, the default of Windows'
 * client editions (Microsoft's Data Execution Prevention page), so a process whose EXE is linked
 * /NXCOMPAT (IMAGE_DLLCHARACTERISTICS_NX_COMPAT) runs with DEP, for good (DISABLE | PERMANENT: a
 * policy fixed when the process was made, which SetProcessDEPPolicy's page says cannot change),
 * and any other 32-bit process without it (ENABLE). The model's choices, stated: the policy is
 * always OptIn (no AlwaysOn or AlwaysOff machine), and a process made without an image is one
 * whose EXE does not opt in.
 *
 * A set replaces the options as a whole: WRK's MmSetExecuteOptions only ever sets ExecuteEnable
 * and DisableThunkEmulation, but kernel32's test_atl_thunk_emulation (run with ENABLE, then
 * DISABLE, then DISABLE | DISABLE_THUNK_EMULATION in one process, restoring the options between
 * runs, L4827-4831) needs DISABLE alone to turn DEP back on (one access violation, L2977-2993),
 * which modern Windows does. DisableThunkEmulation alone stays once set, as in WRK: "ATL thunk
 * emulation cannot be enabled anymore on Windows" (the comment over those runs, L4827-4828). Checks
 * in WRK's order: the length (STATUS_INFO_LENGTH_MISMATCH: a query's of L1781-1787), the handle (a
 * set acts on the current process alone - MmSetExecuteOptions takes no process - so any handle but
 * the current-process one is STATUS_INVALID_PARAMETER, the model's reading; a query's needs
 * PROCESS_QUERY_INFORMATION), the flags (bits beyond MEM_EXECUTE_OPTION_VALID_FLAGS:
 * STATUS_INVALID_PARAMETER), a 64-bit process (STATUS_INVALID_PARAMETER), then Permanent
 * (STATUS_ACCESS_DENIED, L1877-1884).
 *
 * ProcessManageWritesToExecutableMemory (0x53, since Windows 10 1709) is a set only ARM64 Windows
 * carries out: on x86 and x64 it is STATUS_NOT_SUPPORTED whatever the handle, buffer or length
 * (ntdll virtual.c test_exec_memory_writes, the non-ARM64 branch, accepts that or the
 * STATUS_INVALID_INFO_CLASS of Windows before the class existed). The model has no ARM64, so that
 * answer is the whole of it.
 */
#include "internal.h"

#define VALID_FLAGS 0x3Fu /* MEM_EXECUTE_OPTION_VALID_FLAGS */
#define WIN64_OPTIONS                                                                              \
    (MEM_EXECUTE_OPTION_DISABLE | MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION |                     \
     MEM_EXECUTE_OPTION_PERMANENT)

bool vs_process_is_32bit(const VsProcess *process)
{
    VsArch arch = process->system->layout->arch;
    return arch == VS_ARCH_X86 || arch == VS_ARCH_X86_3GB;
}

void vs_execute_options_init(VsProcess *process, bool nx_compat)
{
    process->execute_options = nx_compat ? MEM_EXECUTE_OPTION_DISABLE | MEM_EXECUTE_OPTION_PERMANENT
                                         : MEM_EXECUTE_OPTION_ENABLE;
}

/* The options a query reports: a 64-bit process's fixed ones, or the process's own. */
static uint32_t execute_options(const VsProcess *process)
{
    return vs_process_is_32bit(process) ? process->execute_options : WIN64_OPTIONS;
}

bool vs_process_dep_enabled(const VsProcess *process)
{
    uint32_t options = execute_options(process);
    return (options & MEM_EXECUTE_OPTION_DISABLE) && !(options & MEM_EXECUTE_OPTION_ENABLE);
}

bool vs_process_thunk_emulation(const VsProcess *process)
{
    return vs_process_is_32bit(process) && vs_process_dep_enabled(process) &&
           !(process->execute_options & MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION);
}

VsStatus VsNtQueryInformationProcess(VsThread *caller, VsHandle handle, uint32_t info_class,
                                     uint32_t *info, uint32_t length, uint32_t *return_length)
{
    if (info_class != ProcessExecuteFlags)
        return STATUS_INVALID_INFO_CLASS;
    if (length != sizeof(uint32_t))
        return STATUS_INFO_LENGTH_MISMATCH;
    VsProcess *process;
    VsStatus status = vs_reference_process(caller, handle, VS_ACCESS_QUERY, &process);
    if (!NT_SUCCESS(status))
        return status;
    if (!info)
        return STATUS_ACCESS_VIOLATION;
    *info = execute_options(process);
    if (return_length)
        *return_length = sizeof(uint32_t);
    return STATUS_SUCCESS;
}

/* DEP switched back on: the NX bits that fetches cleared while it was off (fault.c) go back into
 * the process's valid PTEs whose protection does not execute, so DEP holds again for pages that
 * ran meanwhile. WRK never meets this (ExecuteEnable, once set, stays), and what Windows does is
 * not known: the model's choice, that a PTE with DEP on is the one its protection makes. */
static void restore_no_execute(VsProcess *process)
{
    for (uint64_t i = 0; i < process->ws.count; i++) {
        uint64_t vpn = process->ws.entries[i].vpn, pte = vs_pt_read(process, vpn);
        if (vs_pte_is_valid(pte) && !(pte & VS_PTE_NO_EXECUTE) &&
            !vs_mm_executable((uint32_t)vs_valid_protection(process, vpn, pte)))
            vs_pt_write(process, vpn, pte | VS_PTE_NO_EXECUTE);
    }
}

VsStatus VsNtSetInformationProcess(VsThread *caller, VsHandle handle, uint32_t info_class,
                                   const uint32_t *info, uint32_t length)
{
    if (info_class == ProcessManageWritesToExecutableMemory)
        return STATUS_NOT_SUPPORTED;
    if (info_class != ProcessExecuteFlags)
        return STATUS_INVALID_INFO_CLASS;
    if (length != sizeof(uint32_t))
        return STATUS_INFO_LENGTH_MISMATCH;
    if (handle != VS_CURRENT_PROCESS)
        return STATUS_INVALID_PARAMETER;
    VsProcess *process = caller->process;
    if (!info)
        return STATUS_ACCESS_VIOLATION;
    if ((*info & ~VALID_FLAGS) || !vs_process_is_32bit(process))
        return STATUS_INVALID_PARAMETER;
    if (process->execute_options & MEM_EXECUTE_OPTION_PERMANENT)
        return STATUS_ACCESS_DENIED;
    uint32_t old = process->execute_options;
    bool dep_was_enabled = vs_process_dep_enabled(process);
    process->execute_options = *info | (old & MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION);
    if (!dep_was_enabled && vs_process_dep_enabled(process))
        restore_no_execute(process);
    VsEvent event = {.kind = VS_EV_EXECUTE_OPTIONS,
                     .pid = process->pid,
                     .protection = process->execute_options,
                     .old_protection = old};
    vs_emit(process->system, &event);
    return STATUS_SUCCESS;
}
