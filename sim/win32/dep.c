/*
 * dep.c - a 32-bit process's DEP policy: GetProcessDEPPolicy and SetProcessDEPPolicy.
 *
 * Models kernel32's calls over ProcessExecuteFlags (execopts.c has the options and the NT calls),
 * as Microsoft's pages for them say: both are "supported for 32-bit processes only" and fail with
 * ERROR_NOT_SUPPORTED in a 64-bit one. GetProcessDEPPolicy reads the options of the process the
 * handle names (PROCESS_QUERY_INFORMATION): PROCESS_DEP_ENABLE when DEP is on,
 * PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION when thunk emulation is off, and whether the setting is
 * permanent (kernel32 test_atl_thunk_emulation L2910-2942 asserts the flags for each of its three
 * runs, and FALSE for permanent; Windows 8's CL-register bug, broken(0x44), is older). Windows
 * crashes on a NULL pointer (L2919-2923); the model refuses one with ERROR_NOACCESS, its choice.
 *
 * SetProcessDEPPolicy changes the calling process's: 0 turns DEP off, PROCESS_DEP_ENABLE turns it
 * on for good, with PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION thunk emulation off too ("can be
 * specified only with PROCESS_DEP_ENABLE"). A setting that is permanent already -
 * PROCESS_DEP_ENABLE given before, or a /NXCOMPAT EXE's - cannot change: the page says such calls
 * are "ignored", and ERROR_ACCESS_DENIED for a policy fixed when the process was made; the model
 * answers ERROR_ACCESS_DENIED for both (NtSetInformationProcess's STATUS_ACCESS_DENIED). The error
 * for other flags is not documented: the model says ERROR_INVALID_PARAMETER.
 */
#include "kernelbase.h"

bool VsGetProcessDEPPolicy(VsThread *thread, VsHandle process, uint32_t *flags, uint32_t *permanent)
{
    if (!vs_process_is_32bit(thread->process)) {
        VsSetLastError(thread, ERROR_NOT_SUPPORTED);
        return false;
    }
    uint32_t options;
    VsStatus status =
        VsNtQueryInformationProcess(thread, process, ProcessExecuteFlags, &options, 4, NULL);
    if (NT_SUCCESS(status) && (!flags || !permanent))
        status = STATUS_ACCESS_VIOLATION;
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    *flags = (options & MEM_EXECUTE_OPTION_DISABLE ? PROCESS_DEP_ENABLE : 0) |
             (options & MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION
                  ? PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION
                  : 0);
    *permanent = (options & MEM_EXECUTE_OPTION_PERMANENT) != 0;
    return true;
}

bool VsSetProcessDEPPolicy(VsThread *thread, uint32_t flags)
{
    if (!vs_process_is_32bit(thread->process)) {
        VsSetLastError(thread, ERROR_NOT_SUPPORTED);
        return false;
    }
    if ((flags & ~(uint32_t)(PROCESS_DEP_ENABLE | PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION)) ||
        flags == PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION) {
        VsSetLastError(thread, ERROR_INVALID_PARAMETER);
        return false;
    }
    uint32_t options = !(flags & PROCESS_DEP_ENABLE)
                           ? MEM_EXECUTE_OPTION_ENABLE
                           : MEM_EXECUTE_OPTION_DISABLE | MEM_EXECUTE_OPTION_PERMANENT |
                                 (flags & PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION
                                      ? MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION
                                      : 0);
    VsStatus status =
        VsNtSetInformationProcess(thread, VS_CURRENT_PROCESS, ProcessExecuteFlags, &options, 4);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return false;
    }
    return true;
}
