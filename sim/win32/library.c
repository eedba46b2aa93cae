/*
 * library.c - LoadLibrary(Ex), GetModuleHandle and FreeLibrary.
 *
 * Models kernelbase's wrappers over ntdll's loader (LdrLoadDll, LdrGetDllHandle, LdrUnloadDll:
 * sim/loader.c): the NTSTATUS into the last error, a module handle being the image's base.
 * LoadLibraryEx takes DONT_RESOLVE_DLL_REFERENCES (no imports loaded; no DllMain, which the model
 * never runs); the data-file and
 * search-path flags are not modelled (ERROR_INVALID_PARAMETER, the model's choice).
 */
#include "kernelbase.h"

uint64_t VsLoadLibraryEx(VsThread *thread, const char *name, uint32_t flags)
{
    if (!name || !name[0] || (flags & ~(uint32_t)DONT_RESOLVE_DLL_REFERENCES)) {
        vs_set_last_nt_error(thread, STATUS_INVALID_PARAMETER);
        return 0;
    }
    uint64_t base = 0;
    VsStatus status = vs_ldr_load_dll(thread, name, !(flags & DONT_RESOLVE_DLL_REFERENCES), &base);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return base;
}

uint64_t VsLoadLibrary(VsThread *thread, const char *name)
{
    return VsLoadLibraryEx(thread, name, 0);
}

/* GetModuleHandle(NULL) is the EXE; an unknown name is ERROR_MOD_NOT_FOUND. */
uint64_t VsGetModuleHandle(VsThread *thread, const char *name)
{
    uint64_t base = 0;
    VsStatus status = vs_ldr_get_dll_handle(thread, name, &base);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0;
    }
    return base;
}

bool VsFreeLibrary(VsThread *thread, uint64_t module)
{
    VsStatus status = vs_ldr_unload_dll(thread, module);
    if (!NT_SUCCESS(status))
        vs_set_last_nt_error(thread, status);
    return NT_SUCCESS(status);
}
