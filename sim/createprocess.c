/*
 * createprocess.c - a process made from an executable, laid out as Windows lays one out.
 *
 * Models the memory half of process creation (WRK ps/create.c PspCreateProcess with mm/procsup.c
 * MmInitializeProcessAddressSpace, MmCreatePeb and MiCreatePebOrTeb, ps/psinit.c PspMapSystemDll),
 * in the kernel's order:
 *   1. KUSER_SHARED_DATA, read-only at 0x7FFE0000 (every process has it: process.c);
 *   2. on a layout reaching above 2 GB, an EXE that is not IMAGE_FILE_LARGE_ADDRESS_AWARE gets
 *      everything from 2 GB to the highest VAD address reserved, one no-change VAD with no commit
 *      (x86 with /3GB, and the 64-bit compatibility rule);
 *   3. the EXE's image at its base (its status, STATUS_IMAGE_NOT_AT_BASE when moved, is what
 *      creation answers);
 *   4. ntdll's image;
 *   5. the PEB: one private committed read-write page, no-change, placed top-down below the
 *      highest VAD address (below 2 GB when the 2 GB reservation fills the top).
 *   6. the first thread: its TEB in the pages just below the PEB, and its stack of the EXE's
 *      SizeOfStackReserve with SizeOfStackCommit committed (thread.c, stack.c);
 *   7. the process heap, as the loader makes it before the EXE runs (heap.c).
 * Both images are checked before the process is made, so a file that is no image makes none; a
 * later failure (the host's memory, two images on one base) leaves the process half made in the
 * system's list, as a process that failed to start is until its handles go.
 *
 * The addresses are the classic ones, fixed: Windows XP SP2 and later pick the PEB among a few
 * pages under the top at random (MiCreatePebOrTeb), Windows Vista and later move each
 * DYNAMIC_BASE image (ASLR), Windows 8 and later randomise the rest too (bottom-up and top-down
 * allocations, high-entropy on x64). The model takes the layout of the Windows Internals slides
 * (PEB 0x7FFDF000, first TEB 0x7FFDE000 on x86) and maps every image at its header's base.
 */
#include "internal.h"

#define TWO_GB 0x80000000ull
#define LARGE_ADDRESS_AWARE 0x0020u /* IMAGE_FILE_LARGE_ADDRESS_AWARE */

/* A private VAD the kernel makes for the process: no-change, reserved or committed. */
static VsVad *kernel_vad(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, uint32_t mm,
                         bool commit)
{
    VsVad *vad = vs_pool_alloc(&process->system->vad_pool);
    if (!vad)
        return NULL;
    vad->starting_vpn = start_vpn;
    vad->ending_vpn = end_vpn;
    vad->kind = VS_VAD_PRIVATE;
    vad->protection = mm;
    vad->private_memory = 1;
    vad->mem_commit = commit;
    vad->no_change = 1;
    vs_vad_insert(&process->vad_root, vad);
    vs_emit_range(process, VS_EV_VAD_INSERTED, start_vpn, end_vpn);
    if (commit)
        vs_charge_commit(process, vad, (int64_t)(end_vpn - start_vpn + 1));
    return vad;
}

/* The 2 GB reservation (MmInitializeProcessAddressSpace): above 2 GB nothing for an EXE that
 * cannot take addresses with the top bit set. */
static bool reserve_above_2gb(VsProcess *process)
{
    const VsLayout *layout = process->system->layout;
    return kernel_vad(process, vs_vpn(TWO_GB), vs_vpn(layout->highest_vad_address),
                      vs_mm_from_win32(PAGE_NOACCESS), false) != NULL;
}

/* The PEB's page (MiCreatePebOrTeb with the classic N = 1): the highest free page below the
 * highest VAD address. When the 2 GB reservation of an EXE that is not large-address-aware fills
 * the top (x86 /3GB), that is the top page under 2 GB, 0x7FFFF000, above KUSER_SHARED_DATA: WRK
 * finds it with MiFindEmptyAddressRangeDown from the highest VAD address, as it does the TEB. */
static bool create_peb(VsProcess *process)
{
    const VsLayout *layout = process->system->layout;
    uint64_t vpn;
    if (!vs_vad_find_free_window(&process->vad_root, 1, true, 0,
                                 vs_vpn(layout->highest_vad_address), 1, &vpn) ||
        !vs_commit_available(process->system, 1))
        return false;
    if (!kernel_vad(process, vpn, vpn, MM_READWRITE, true))
        return false;
    process->peb = vs_vpn_address(vpn);
    return true;
}

/* The first thread: PspCreateThread makes its TEB (MmCreateTeb, top-down, so in the pages just
 * below the PEB: one on x86, two on x64) and the creator its stack (BaseCreateStack with the EXE's
 * SizeOfStackReserve and SizeOfStackCommit, which also become the process's defaults for later
 * threads). The model's process has the thread vs_process_create gave it, with neither yet.
 * Then the loader's start (LdrpInitializeProcess) makes the process heap (heap.c). */
static bool first_thread(VsProcess *process)
{
    const VsSection *section = vs_section_by_id(process->system, process->modules[0].section);
    const VsImage *image = section ? section->image : NULL;
    if (image)
        vs_process_set_stack_defaults(process, image->stack_reserve, image->stack_commit);
    VsThread *thread = vs_process_main_thread(process);
    return NT_SUCCESS(vs_thread_create_stack(thread, 0, 0)) && vs_process_heap(thread) != 0;
}

/* Maps the EXE and ntdll and makes the PEB in a new process: the EXE view's status, or a failure
 * (STATUS_CONFLICTING_ADDRESSES when ntdll's base is inside the EXE, which has no relocations to
 * move either; STATUS_INSUFFICIENT_RESOURCES). */
static VsStatus lay_out(VsProcess *process, VsFile *exe, VsFile *ntdll, bool top_reserved)
{
    if (top_reserved && !reserve_above_2gb(process))
        return STATUS_INSUFFICIENT_RESOURCES;
    uint64_t base;
    VsStatus exe_status = vs_loader_map(process, exe, true, &base);
    if (!NT_SUCCESS(exe_status))
        return exe_status;
    VsStatus status = vs_loader_map(process, ntdll, true, &base);
    if (!NT_SUCCESS(status))
        return status;
    if (!create_peb(process))
        return STATUS_INSUFFICIENT_RESOURCES;
    return first_thread(process) ? exe_status : STATUS_INSUFFICIENT_RESOURCES;
}

/* The image sections of the EXE and ntdll, made or found and held (a handle's reference each)
 * until release_images: a file that is no image fails here, before anything is made.
 * STATUS_OBJECT_NAME_NOT_FOUND for a file not declared, or the image checks' statuses. */
static VsStatus hold_images(VsSystem *system, const char *exe, const char *ntdll,
                            VsSection *held[2])
{
    const char *names[2] = {exe, ntdll};
    for (int i = 0; i < 2; i++) {
        VsFile *file = vs_file_lookup(system, names[i]);
        VsStatus status =
            file ? vs_image_section(system, file, NULL, NULL, MM_EXECUTE_WRITECOPY, &held[i])
                 : STATUS_OBJECT_NAME_NOT_FOUND;
        if (!NT_SUCCESS(status)) {
            if (i)
                vs_section_close_handle(system, held[0]);
            return status;
        }
        held[i]->handles++;
    }
    return STATUS_SUCCESS;
}

static void release_images(VsSystem *system, VsSection *held[2])
{
    vs_section_close_handle(system, held[1]);
    vs_section_close_handle(system, held[0]);
}

/*
 * Lays out a process that has nothing mapped yet (only KUSER_SHARED_DATA) from an executable and
 * ntdll, as vs_process_create_image does. Both images are checked before anything changes.
 * STATUS_INVALID_PARAMETER for a process that has more; STATUS_OBJECT_NAME_NOT_FOUND for a file
 * not declared; else as vs_process_create_image.
 */
VsStatus vs_process_init_image(VsProcess *process, const char *exe, const char *ntdll)
{
    VsSystem *system = process->system;
    if (process->vad_root.count > 1 || process->module_count || process->peb)
        return STATUS_INVALID_PARAMETER;
    VsSection *held[2];
    VsStatus status = hold_images(system, exe, ntdll, held);
    if (!NT_SUCCESS(status))
        return status;
    bool aware = held[0]->image->characteristics & LARGE_ADDRESS_AWARE;
    vs_execute_options_init(process, held[0]->image->dll_characteristics &
                                         IMAGE_DLLCHARACTERISTICS_NX_COMPAT);
    status = lay_out(process, held[0]->file, held[1]->file,
                     !aware && system->layout->highest_vad_address >= TWO_GB);
    release_images(system, held);
    return status;
}

VsStatus vs_process_create_image(VsSystem *system, const char *name, const char *exe,
                                 const char *ntdll, VsProcess **out)
{
    *out = NULL;
    VsSection *held[2]; /* checked first: a file that is no image makes no process */
    VsStatus status = hold_images(system, exe, ntdll, held);
    if (!NT_SUCCESS(status))
        return status;
    VsProcess *process = vs_process_create(system, name);
    status = process ? vs_process_init_image(process, exe, ntdll) : STATUS_INSUFFICIENT_RESOURCES;
    release_images(system, held);
    if (NT_SUCCESS(status))
        *out = process;
    return status;
}

bool vs_process_image_info(const VsProcess *process, VsProcessImageInfo *out)
{
    if (!process->peb || !process->module_count)
        return false;
    const VsSection *section = vs_section_by_id(process->system, process->modules[0].section);
    const VsImage *image = section ? section->image : NULL;
    *out = (VsProcessImageInfo){.peb = process->peb,
                                .image_base = process->modules[0].base,
                                .stack_reserve = image ? image->stack_reserve : 0,
                                .stack_commit = image ? image->stack_commit : 0,
                                .large_address_aware =
                                    image && (image->characteristics & LARGE_ADDRESS_AWARE)};
    return true;
}
