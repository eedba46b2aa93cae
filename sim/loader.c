/*
 * loader.c - the image loader at the model's level of detail: the process's modules.
 *
 * Models the part of ntdll's loader the memory manager sees (ReactOS dll/ntdll/ldr: LdrLoadDll,
 * LdrpMapDll, LdrGetDllHandle, LdrUnloadDll) and the list it keeps in the PEB's loader data
 * (LDR_DATA_TABLE_ENTRY: base, size, name, load count). Loading maps the file's image section
 * with NtMapViewOfSection and enters the module; a module already loaded only counts one more
 * load. No DllMain runs and no import is resolved: the model's images have none (pe() writes no
 * import directory). An image that lands away from its base is relocated (relocate), and one
 * without relocations cannot be moved: the loader unmaps it and fails with
 * STATUS_CONFLICTING_ADDRESSES (LdrpMapDll; Wine's loader test_Loader L1736-1742). Unloading the
 * last load unmaps the view; the EXE and ntdll, loaded with the process, are pinned.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Whether a's first n characters equal b's, ASCII case folded (file names compare so). */
static bool same_name(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];
        if (x != y)
            return false;
        if (!x)
            return true;
    }
    return true;
}

/* The module whose name matches, case-insensitively, or whose name is it and ".dll" (the loader
 * adds the extension to a name without one), or NULL. */
VsModule *vs_loader_find(VsProcess *process, const char *name)
{
    size_t length = strlen(name);
    for (size_t i = 0; i < process->module_count; i++) {
        const char *own = process->modules[i].name;
        if (same_name(own, name, length + 1) ||
            (same_name(own, name, length) && !strchr(name, '.') &&
             same_name(own + length, ".dll", 5)))
            return &process->modules[i];
    }
    return NULL;
}

/* The module holding address, or NULL. */
static VsModule *module_at(const VsProcess *process, uint64_t address)
{
    for (size_t i = 0; i < process->module_count; i++)
        if (address - process->modules[i].base < process->modules[i].size)
            return &process->modules[i];
    return NULL;
}

/* Enters a mapped image in the list; false when the host has no room. */
static bool add_module(VsProcess *process, const VsFile *file, uint64_t base, uint64_t size,
                       uint32_t section, bool pinned)
{
    VsModule *grown = realloc(process->modules, (process->module_count + 1) * sizeof *grown);
    if (!grown)
        return false;
    process->modules = grown;
    VsModule *m = &grown[process->module_count++];
    *m = (VsModule){
        .base = base, .size = size, .section = section, .load_count = 1, .pinned = pinned};
    memcpy(m->name, file->name, sizeof m->name); /* both 64 bytes, NUL-terminated */
    return true;
}

/* An image's view that cannot stay where it went: unmapped again. */
static void unmap_image(VsProcess *process, uint64_t base)
{
    VsThread *thread = process->threads[0];
    VsNtUnmapViewOfSection(thread, VS_CURRENT_PROCESS, base);
}

/* Moves one pointer of the view by delta: width bytes, little-endian, read and written through
 * the process's own loads and stores (a store to a write-copy page makes its private copy). */
static void apply_fixup(VsThread *thread, uint64_t address, unsigned width, uint64_t delta)
{
    uint64_t value = 0;
    uint8_t byte;
    for (unsigned i = 0; i < width; i++)
        if (NT_SUCCESS(vs_memory_read(thread, address + i, &byte)))
            value |= (uint64_t)byte << (8 * i);
    value += delta;
    for (unsigned i = 0; i < width; i++)
        vs_memory_write(thread, address + i, (uint8_t)(value >> (8 * i)));
}

/*
 * Applies the image's base relocations to its view at base, as ntdll's loader does when
 * NtMapViewOfSection answered STATUS_IMAGE_NOT_AT_BASE (LdrRelocateImage between two
 * LdrpSetProtection calls): each page holding fixups is made writable (PAGE_READWRITE, which an
 * image page takes as write-copy, charging commit if it was not write-copy), its pointers moved by
 * the distance from the image's base, and its protection put back. The stores make exactly those
 * pages the process's own copies, no longer shared with other processes' views.
 */
static void relocate(VsProcess *process, uint64_t base, const VsImage *image)
{
    VsThread *thread = process->threads[0];
    unsigned width = image->machine == 0x8664 ? 8 : 4; /* DIR64 on AMD64, HIGHLOW on i386 */
    uint64_t delta = base - image->image_base;
    for (uint32_t i = 0; i < image->fixup_count;) {
        uint64_t page = vs_page_down(image->fixups[i]);
        uint64_t address = base + page, size = VS_PAGE_SIZE;
        uint32_t old, ignored;
        bool writable = NT_SUCCESS(VsNtProtectVirtualMemory(thread, VS_CURRENT_PROCESS, &address,
                                                            &size, PAGE_READWRITE, &old));
        for (; i < image->fixup_count && vs_page_down(image->fixups[i]) == page; i++)
            if (writable)
                apply_fixup(thread, base + image->fixups[i], width, delta);
        if (writable)
            VsNtProtectVirtualMemory(thread, VS_CURRENT_PROCESS, &address, &size, old, &ignored);
    }
}

/*
 * Maps the file's image into the process and enters it as a module (LdrpMapDll): its image section
 * (made or shared), a view at its base or, when that is taken, elsewhere if the image can be
 * relocated. STATUS_SUCCESS or STATUS_IMAGE_NOT_AT_BASE with *base; the image checks' statuses;
 * STATUS_CONFLICTING_ADDRESSES for an image away from its base with no relocations;
 * STATUS_INSUFFICIENT_RESOURCES.
 */
VsStatus vs_loader_map(VsProcess *process, VsFile *file, bool pinned, uint64_t *base)
{
    VsSystem *system = process->system;
    VsSection *section;
    VsStatus status = vs_image_section(system, file, NULL, NULL, MM_EXECUTE_WRITECOPY, &section);
    if (!NT_SUCCESS(status))
        return status;
    uint64_t size;
    section->handles++; /* held while it is mapped */
    status = vs_map_image(process, section, base, &size);
    vs_section_close_handle(system, section);
    if (!NT_SUCCESS(status))
        return status;
    if (status == STATUS_IMAGE_NOT_AT_BASE && !section->image->relocatable) {
        unmap_image(process, *base);
        return STATUS_CONFLICTING_ADDRESSES;
    }
    if (status == STATUS_IMAGE_NOT_AT_BASE)
        relocate(process, *base, section->image);
    if (!add_module(process, file, *base, size, section->id, pinned)) {
        unmap_image(process, *base);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return status;
}

/* ---- The calls (ntdll's Ldr*: what LoadLibrary, GetModuleHandle and FreeLibrary call) ---------
 */

/*
 * LdrLoadDll: the module of that name, one more load, or the file of that name mapped and entered.
 * STATUS_DLL_NOT_FOUND when there is no such file; vs_loader_map's statuses.
 */
VsStatus vs_ldr_load_dll(VsThread *caller, const char *name, uint64_t *base)
{
    VsProcess *process = caller->process;
    VsModule *module = vs_loader_find(process, name);
    if (module) {
        module->load_count += !module->pinned;
        *base = module->base;
        return STATUS_SUCCESS;
    }
    VsFile *file = vs_file_lookup(process->system, name);
    if (!file)
        return STATUS_DLL_NOT_FOUND;
    VsStatus status = vs_loader_map(process, file, false, base);
    return status == STATUS_IMAGE_NOT_AT_BASE ? STATUS_SUCCESS : status; /* relocated */
}

/* LdrGetDllHandle: the base of the module of that name (NULL: the EXE's), or
 * STATUS_DLL_NOT_FOUND. */
VsStatus vs_ldr_get_dll_handle(VsThread *caller, const char *name, uint64_t *base)
{
    VsProcess *process = caller->process;
    VsModule *module = name                    ? vs_loader_find(process, name)
                       : process->module_count ? &process->modules[0]
                                               : NULL;
    if (!module)
        return STATUS_DLL_NOT_FOUND;
    *base = module->base;
    return STATUS_SUCCESS;
}

/* LdrUnloadDll: one load less; the last one unmaps the image. STATUS_DLL_NOT_FOUND for an address
 * that is no module's base. */
VsStatus vs_ldr_unload_dll(VsThread *caller, uint64_t base)
{
    VsProcess *process = caller->process;
    VsModule *module = module_at(process, base);
    if (!module || module->base != base)
        return STATUS_DLL_NOT_FOUND;
    if (module->pinned || --module->load_count)
        return STATUS_SUCCESS;
    unmap_image(process, base);
    size_t index = (size_t)(module - process->modules);
    memmove(module, module + 1, (process->module_count - index - 1) * sizeof *module);
    process->module_count--;
    return STATUS_SUCCESS;
}

/* ---- Reading the list ------------------------------------------------------------------------ */

size_t vs_process_modules(const VsProcess *process, VsModuleInfo *out, size_t capacity)
{
    for (size_t i = 0; i < process->module_count && i < capacity; i++) {
        const VsModule *m = &process->modules[i];
        out[i] = (VsModuleInfo){.name = m->name,
                                .base = m->base,
                                .size = m->size,
                                .load_count = m->load_count,
                                .pinned = m->pinned,
                                .section = m->section};
    }
    return process->module_count;
}

/* The name of the module whose image holds address, or NULL (show address, the map's labels). */
const char *vs_process_module_name(const VsProcess *process, uint64_t address)
{
    const VsModule *module = module_at(process, address);
    return module ? module->name : NULL;
}
