/*
 * loader.c - the image loader at the model's level of detail: the process's modules.
 *
 * Models the part of ntdll's loader the memory manager sees (ReactOS dll/ntdll/ldr: LdrLoadDll,
 * LdrpMapDll, LdrGetDllHandle, LdrUnloadDll) and the list it keeps in the PEB's loader data
 * (LDR_DATA_TABLE_ENTRY: base, size, name, load count). Loading maps the file's image section
 * with NtMapViewOfSection and enters the module; a module already loaded only counts one more
 * load. No DllMain runs. LoadLibrary resolves the image's imports (LdrpWalkImportDescriptor,
 * LdrpSnapIAT): each DLL its import directory names is loaded in turn, or takes one more load when
 * it is already, and each IAT entry, an ordinal, gets the address the DLL's export directory gives
 * it, written with the IAT made writable for the store (which makes its page the process's own, as
 * a relocated page is). Imports by name are not modelled (STATUS_NOT_SUPPORTED, the model's
 * choice). Unloading a DLL's last load unloads what its imports loaded. An image that lands away
 * from its base is relocated (relocate), and one without relocations cannot be moved: the loader
 * unmaps it and fails with STATUS_CONFLICTING_ADDRESSES (LdrpMapDll; Wine's loader test_Loader
 * L1736-1742). Unloading the last load unmaps the view; the EXE and ntdll, loaded with the process,
 * are pinned.
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

/* width bytes at address, little-endian, read through the process's own loads (0 where nothing
 * is mapped). */
static uint64_t read_value(VsThread *thread, uint64_t address, unsigned width)
{
    uint64_t value = 0;
    uint8_t byte;
    for (unsigned i = 0; i < width; i++)
        if (NT_SUCCESS(vs_memory_read(thread, address + i, &byte)))
            value |= (uint64_t)byte << (8 * i);
    return value;
}

/* Stores width bytes of value at address through the process's own stores (a store to a
 * write-copy page makes its private copy). */
static void write_value(VsThread *thread, uint64_t address, unsigned width, uint64_t value)
{
    for (unsigned i = 0; i < width; i++)
        vs_memory_write(thread, address + i, (uint8_t)(value >> (8 * i)));
}

/* Moves one pointer of the view by delta. */
static void apply_fixup(VsThread *thread, uint64_t address, unsigned width, uint64_t delta)
{
    write_value(thread, address, width, read_value(thread, address, width) + delta);
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

/* ---- Imports (LdrpWalkImportDescriptor, LdrpSnapIAT, LdrpSnapThunk) ------------------------ */

/* The RVA of the view's data directory index (0 when it has none), read from its headers. */
static uint32_t data_directory(VsThread *thread, uint64_t base, unsigned index)
{
    uint64_t optional = base + read_value(thread, base + 0x3C, 4) + 24;
    bool plus = read_value(thread, optional, 2) == 0x20B;
    if (index >= read_value(thread, optional + (plus ? 108 : 92), 4))
        return 0;
    return (uint32_t)read_value(thread, optional + (plus ? 112 : 96) + 8 * index, 4);
}

/* The address of the DLL's export by ordinal: its export directory's function at ordinal - Base.
 * STATUS_ORDINAL_NOT_FOUND when there is none. */
static VsStatus export_by_ordinal(VsThread *thread, uint64_t dll, uint32_t ordinal,
                                  uint64_t *address)
{
    uint32_t exports = data_directory(thread, dll, 0); /* IMAGE_DIRECTORY_ENTRY_EXPORT */
    uint32_t first = (uint32_t)read_value(thread, dll + exports + 16, 4);
    uint32_t count = (uint32_t)read_value(thread, dll + exports + 20, 4);
    uint32_t functions = (uint32_t)read_value(thread, dll + exports + 28, 4);
    if (!exports || ordinal < first || ordinal - first >= count)
        return STATUS_ORDINAL_NOT_FOUND;
    uint32_t rva = (uint32_t)read_value(thread, dll + functions + 4 * (ordinal - first), 4);
    if (!rva)
        return STATUS_ORDINAL_NOT_FOUND;
    *address = dll + rva;
    return STATUS_SUCCESS;
}

/* Stores an IAT entry with its page made writable for the store and its protection put back. */
static void write_iat_entry(VsThread *thread, uint64_t entry, unsigned width, uint64_t value)
{
    uint64_t address = entry, size = width;
    uint32_t old, ignored;
    if (!NT_SUCCESS(VsNtProtectVirtualMemory(thread, VS_CURRENT_PROCESS, &address, &size,
                                             PAGE_READWRITE, &old)))
        return;
    write_value(thread, entry, width, value);
    VsNtProtectVirtualMemory(thread, VS_CURRENT_PROCESS, &address, &size, old, &ignored);
}

/* Fills one descriptor's IAT from the DLL at dll: the lookup table (OriginalFirstThunk, or the
 * IAT itself) gives each entry's ordinal. */
static VsStatus snap_iat(VsThread *thread, uint64_t base, uint64_t descriptor, uint64_t dll)
{
    unsigned width =
        read_value(thread, base + read_value(thread, base + 0x3C, 4) + 24, 2) == 0x20B ? 8 : 4;
    uint64_t iat = base + read_value(thread, descriptor + 16, 4);
    uint32_t original = (uint32_t)read_value(thread, descriptor, 4);
    uint64_t lookup = original ? base + original : iat;
    uint64_t flag = (uint64_t)1 << (8 * width - 1); /* IMAGE_ORDINAL_FLAG */
    for (uint64_t i = 0;; i++) {
        uint64_t thunk = read_value(thread, lookup + i * width, width), address;
        if (!thunk)
            return STATUS_SUCCESS;
        if (!(thunk & flag))
            return STATUS_NOT_SUPPORTED; /* by name: not modelled */
        VsStatus status = export_by_ordinal(thread, dll, (uint32_t)(thunk & 0xFFFF), &address);
        if (!NT_SUCCESS(status))
            return status;
        write_iat_entry(thread, iat + i * width, width, address);
    }
}

static VsStatus load_dll(VsProcess *process, const char *name, bool resolve, uint64_t *base);
static void unload(VsProcess *process, uint64_t base);

/* Loads each DLL the import directory of the module at base names, enters it as the module's
 * dependency and fills the IAT from it. A descriptor with an empty lookup table loads nothing
 * (the loader skips an unused import). */
static VsStatus snap_imports(VsProcess *process, uint64_t base)
{
    VsThread *thread = process->threads[0];
    uint32_t imports = data_directory(thread, base, 1); /* IMAGE_DIRECTORY_ENTRY_IMPORT */
    for (uint64_t d = base + imports; imports; d += 20) {
        uint32_t name_rva = (uint32_t)read_value(thread, d + 12, 4);
        uint32_t original = (uint32_t)read_value(thread, d, 4);
        uint32_t first = (uint32_t)read_value(thread, d + 16, 4);
        if (!name_rva)
            return STATUS_SUCCESS;
        if (!read_value(thread, base + (original ? original : first), 1))
            continue;
        char name[64] = {0};
        for (size_t i = 0; i + 1 < sizeof name; i++)
            if (!(name[i] = (char)read_value(thread, base + name_rva + i, 1)))
                break;
        VsModule *module = module_at(process, base);
        if (module->dependency_count == VS_MODULE_MAX_DEPENDENCIES)
            return STATUS_INSUFFICIENT_RESOURCES;
        uint64_t dll;
        VsStatus status = load_dll(process, name, true, &dll);
        if (!NT_SUCCESS(status))
            return status;
        module = module_at(process, base); /* the list may have moved */
        module->dependencies[module->dependency_count++] = dll;
        status = snap_iat(thread, base, d, dll);
        if (!NT_SUCCESS(status))
            return status;
    }
    return STATUS_SUCCESS;
}

/* ---- The calls (ntdll's Ldr*: what LoadLibrary, GetModuleHandle and FreeLibrary call) ---------
 */

/* The module of that name, one more load, or the file of that name mapped, entered and (resolve)
 * its imports loaded; an image whose imports fail is unloaded again. */
static VsStatus load_dll(VsProcess *process, const char *name, bool resolve, uint64_t *base)
{
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
    if (!NT_SUCCESS(status))
        return status;
    VsStatus snapped = resolve ? snap_imports(process, *base) : STATUS_SUCCESS;
    if (!NT_SUCCESS(snapped))
        unload(process, *base);
    return NT_SUCCESS(snapped) ? STATUS_SUCCESS : snapped; /* relocated or not */
}

/*
 * LdrLoadDll: the module of that name, one more load, or the file of that name mapped and entered
 * with its imports (none with DONT_RESOLVE_DLL_REFERENCES: resolve false). STATUS_DLL_NOT_FOUND
 * when there is no such file (for the DLL or one it imports); STATUS_ORDINAL_NOT_FOUND;
 * STATUS_NOT_SUPPORTED for an import by name; vs_loader_map's statuses.
 */
VsStatus vs_ldr_load_dll(VsThread *caller, const char *name, bool resolve, uint64_t *base)
{
    return load_dll(caller->process, name, resolve, base);
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

/* One load less of the module at base; the last one unmaps the image and unloads what its imports
 * loaded. */
static void unload(VsProcess *process, uint64_t base)
{
    VsModule *module = module_at(process, base);
    if (module->pinned || --module->load_count)
        return;
    VsModule gone = *module;
    unmap_image(process, base);
    size_t index = (size_t)(module - process->modules);
    memmove(module, module + 1, (process->module_count - index - 1) * sizeof *module);
    process->module_count--;
    for (uint32_t i = 0; i < gone.dependency_count; i++)
        if (module_at(process, gone.dependencies[i]))
            unload(process, gone.dependencies[i]);
}

/* LdrUnloadDll: one load less; the last one unmaps the image and unloads its imports' DLLs.
 * STATUS_DLL_NOT_FOUND for an address that is no module's base. */
VsStatus vs_ldr_unload_dll(VsThread *caller, uint64_t base)
{
    VsModule *module = module_at(caller->process, base);
    if (!module || module->base != base)
        return STATUS_DLL_NOT_FOUND;
    unload(caller->process, base);
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
