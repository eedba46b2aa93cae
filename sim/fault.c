/*
 * fault.c - memory accesses and the page faults they take.
 *
 * Models the processor's use of a valid PTE (setting Accessed, and Dirty on a store) and, when the
 * PTE is not valid, MmAccessFault (WRK mm/mmfault.c) dispatching in Windows' order:
 *   - MiCheckVirtualAddress: a free, reserved or decommitted page raises STATUS_ACCESS_VIOLATION;
 *   - MiAccessCheck: no-access pages and stores to read-only pages raise STATUS_ACCESS_VIOLATION; a
 *     guard page's first touch raises STATUS_GUARD_PAGE_VIOLATION and clears the guard;
 *   - MiResolveTransitionFault (soft): the page is still in its frame, on the standby or modified
 *     list; the frame comes back;
 *   - MiResolvePageFileFault (hard): the page was written out and its frame repurposed; a frame is
 *     taken and the page read back from its slot (which it keeps: the frame is a clean copy);
 *   - MiResolveDemandZeroFault: a committed page never touched gets a zeroed frame.
 * Every resolved fault puts the page in the working set and counts in PageFaultCount. Upper-level
 * tables are created on demand (vs_pt_prepare) as MmAccessFault creates them.
 *
 * Every access is one byte; lessons read and write single values, and the rule per page is the
 * same.
 */
#include "internal.h"

static void emit_fault(VsProcess *process, VsEventKind kind, uint64_t vpn, uint64_t frame,
                       VsAccess access, VsPageLocation list, uint64_t slot)
{
    VsEvent event = {.kind = kind,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn,
                     .frame = frame,
                     .write = access == VS_WRITE_ACCESS,
                     .execute = access == VS_EXECUTE_ACCESS,
                     .list = list,
                     .slot = slot,
                     .pages = process->ws.count};
    vs_emit(process->system, &event);
}

/* The protection check of a non-valid page of vad (models MiAccessCheck). A guard page loses its
 * guard (its PTE, or the OriginalPte of the frame still holding it, is rewritten without it) and
 * raises STATUS_GUARD_PAGE_VIOLATION. Unguarded, the page can carry a caching attribute again,
 * and takes its allocation's, as any protection given to it does (vs_vad_page_protection). */
static VsStatus access_check(VsProcess *process, const VsVad *vad, bool view, uint64_t vpn,
                             uint64_t pte, uint32_t mm, VsAccess access)
{
    bool write = access == VS_WRITE_ACCESS;
    if ((mm & MM_NOACCESS) == MM_GUARD_PAGE && (mm & 7)) {
        uint32_t unguarded = vs_vad_page_protection(vad, mm & ~(uint32_t)MM_GUARD_PAGE);
        uint64_t without;
        if (view && (pte == 0 || vs_pte_is_proto(pte))) {
            without = vs_pte_make_proto(unguarded); /* a view's page: the guard was this PTE's */
        } else if (vs_pte_is_transition(pte)) {
            VsPfn *pfn = &process->system->pfn.frames[vs_pte_frame(pte)];
            pfn->original_pte =
                vs_pte_make_pagefile(vs_pte_pagefile_slot(pfn->original_pte), unguarded);
            without = vs_pte_make_transition(vs_pte_frame(pte), unguarded);
        } else {
            without = vs_pte_make_pagefile(vs_pte_pagefile_slot(pte), unguarded);
        }
        if (!NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
            return STATUS_INSUFFICIENT_RESOURCES;
        vs_pt_write(process, vpn, without);
        emit_fault(process, VS_EV_GUARD_PAGE, vpn, 0, access, 0, 0);
        return STATUS_GUARD_PAGE_VIOLATION;
    }
    if (!vs_mm_accessible(mm) || (write && !vs_mm_writable(mm))) {
        emit_fault(process, VS_EV_ACCESS_VIOLATION, vpn, 0, access, 0, 0);
        return STATUS_ACCESS_VIOLATION;
    }
    return STATUS_SUCCESS;
}

/* Makes the page valid in frame and puts it in the working set (MiAllocateWsle), counting the
 * fault. False if the host has no memory for the entry: the caller gives the frame back. */
static bool make_valid(VsProcess *process, uint64_t vpn, uint64_t frame, uint32_t mm)
{
    VsPfn *pfn = &process->system->pfn.frames[frame];
    pfn->share_count = 1;
    pfn->reference_count = 1;
    if (!vs_ws_insert(process, vpn, frame, mm))
        return false;
    vs_pt_write(process, vpn, vs_pte_make_valid(frame, mm));
    process->ws.page_faults++;
    return true;
}

/* A frame for the page, active and recording it; VS_PFN_NONE when none can be had. */
static uint64_t take_frame(VsProcess *process, uint64_t vpn, uint64_t original_pte, bool zeroed,
                           uint64_t *from)
{
    uint64_t frame = vs_pfn_take(process->system, zeroed, from);
    if (frame == VS_PFN_NONE)
        return frame;
    VsPfn *pfn = &process->system->pfn.frames[frame];
    pfn->original_pte = original_pte;
    pfn->pid = process->pid;
    pfn->vpn = vpn;
    return frame;
}

/* Gives back a frame taken for a fault that could not finish; the page keeps the PTE it had. */
static VsStatus undo_fault(VsProcess *process, uint64_t vpn, uint64_t frame, uint64_t pte)
{
    VsPfn *pfn = &process->system->pfn.frames[frame];
    pfn->original_pte =
        vs_pte_make_software(vs_pte_mm_protection(pte)); /* the slot stays the PTE's */
    vs_pfn_release(process->system, frame);
    vs_pt_write(process, vpn, pte);
    return STATUS_INSUFFICIENT_RESOURCES;
}

/* A committed, untouched page gets a zeroed frame (models MiResolveDemandZeroFault). */
static VsStatus demand_zero(VsProcess *process, uint64_t vpn, uint64_t pte, uint32_t mm,
                            VsAccess access, uint64_t *frame)
{
    if (!NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
        return STATUS_INSUFFICIENT_RESOURCES;
    uint64_t from;
    *frame = take_frame(process, vpn, vs_pte_make_software(mm), true, &from);
    if (*frame == VS_PFN_NONE) {
        vs_pt_release_empty(process, vpn, vpn);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (!make_valid(process, vpn, *frame, mm)) {
        undo_fault(process, vpn, *frame, pte);
        vs_pt_release_empty(process, vpn, vpn);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    emit_fault(process, VS_EV_DEMAND_ZERO_FAULT, vpn, *frame, access, (VsPageLocation)from, 0);
    return STATUS_SUCCESS;
}

/* The page is still in its frame on the standby or modified list (MiResolveTransitionFault). */
static VsStatus soft_fault(VsProcess *process, uint64_t vpn, uint64_t pte, uint32_t mm,
                           VsAccess access, uint64_t *frame)
{
    VsPfnDatabase *db = &process->system->pfn;
    *frame = vs_pte_frame(pte);
    VsPageLocation from = (VsPageLocation)db->frames[*frame].location;
    vs_pfn_unlink(db, *frame);
    db->frames[*frame].location = VS_PAGE_ACTIVE;
    db->active_count++;
    if (!make_valid(process, vpn, *frame, mm)) {
        db->active_count--;
        vs_pfn_insert(db, *frame, from);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    emit_fault(process, VS_EV_SOFT_FAULT, vpn, *frame, access, from, 0);
    return STATUS_SUCCESS;
}

/* The page is in the page file only: read it back into a frame (MiResolvePageFileFault). The
 * frame keeps the slot in its OriginalPte: until the page is written again, that copy is good. */
static VsStatus hard_fault(VsProcess *process, uint64_t vpn, uint64_t pte, uint32_t mm,
                           VsAccess access, uint64_t *frame)
{
    VsSystem *system = process->system;
    uint64_t slot = vs_pte_pagefile_slot(pte), from;
    *frame = take_frame(process, vpn, pte, false, &from);
    if (*frame == VS_PFN_NONE)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (!vs_pagefile_read(&system->pagefile, slot, &system->pfn, *frame) ||
        !make_valid(process, vpn, *frame, mm))
        return undo_fault(process, vpn, *frame, pte);
    emit_fault(process, VS_EV_HARD_FAULT, vpn, *frame, access, (VsPageLocation)from, slot);
    return STATUS_SUCCESS;
}

/* ---- Section pages (MiResolveProtoPteFault) ------------------------------------------------- */

/* The section page behind a view's page, resident and active in *frame: already valid for another
 * mapping (its share count grows), or brought back from its list, the page file or demand zero as a
 * private page would be, but through its prototype PTE, which becomes valid. */
static VsStatus resolve_prototype(VsProcess *process, VsSection *section, uint64_t index,
                                  VsEventKind *kind, VsPageLocation *from, uint64_t *slot,
                                  uint64_t *frame)
{
    VsSystem *system = process->system;
    uint64_t proto = vs_prototype_read(section, index);
    *slot = 0;
    if (vs_pte_is_valid(proto)) {
        *frame = vs_pte_frame(proto);
        system->pfn.frames[*frame].share_count++;
        *kind = VS_EV_SOFT_FAULT;
        *from = VS_PAGE_ACTIVE;
        return STATUS_SUCCESS;
    }
    if (vs_pte_is_transition(proto)) {
        *frame = vs_pte_frame(proto);
        *from = (VsPageLocation)system->pfn.frames[*frame].location;
        vs_pfn_unlink(&system->pfn, *frame);
        system->pfn.frames[*frame].location = VS_PAGE_ACTIVE;
        system->pfn.active_count++;
        *kind = VS_EV_SOFT_FAULT;
    } else {
        uint64_t list;
        bool in_file = vs_pte_is_proto(proto); /* a subsection PTE: read from the mapped file */
        *frame = vs_pfn_take(system, !vs_pte_is_pagefile(proto) && !in_file, &list);
        if (*frame == VS_PFN_NONE)
            return STATUS_INSUFFICIENT_RESOURCES;
        *from = (VsPageLocation)list;
        VsPfn *pfn = &system->pfn.frames[*frame];
        pfn->original_pte = proto;
        pfn->flags |= VS_PFN_PROTOTYPE;
        pfn->pid = section->id;
        pfn->vpn = index;
        *kind = VS_EV_DEMAND_ZERO_FAULT;
        if (in_file) {
            *kind = VS_EV_HARD_FAULT; /* MiResolveMappedFileFault: an in-page read of the file */
            bool read = section->image
                            ? vs_image_read_page(section, index, &system->pfn, *frame)
                            : vs_file_read_page(section->file, index, &system->pfn, *frame);
            if (!read) {
                vs_pfn_release(system, *frame);
                return STATUS_INSUFFICIENT_RESOURCES;
            }
            if (!section->image) /* an image page's offset in the file is not its index */
                vs_file_set_cached(section->file, index, index, true);
        } else if (vs_pte_is_pagefile(proto)) {
            *slot = vs_pte_pagefile_slot(proto);
            *kind = VS_EV_HARD_FAULT;
            if (!vs_pagefile_read(&system->pagefile, *slot, &system->pfn, *frame)) {
                pfn->original_pte = vs_pte_make_software(vs_pte_mm_protection(proto));
                vs_pfn_release(system, *frame);
                return STATUS_INSUFFICIENT_RESOURCES;
            }
        }
    }
    VsPfn *pfn = &system->pfn.frames[*frame];
    pfn->share_count = 1;
    pfn->reference_count = 1;
    /* view_fault prepared the entry: the write cannot fail */
    vs_prototype_write(section, index,
                       vs_pte_make_valid(*frame, vs_section_page_mm(section, index)));
    return STATUS_SUCCESS;
}

/* A view's page whose PTE is zero or points at its prototype PTE (models the prototype branch of
 * MmAccessFault and MiResolveProtoPteFault): the section page is made resident, then this
 * process's PTE maps it with the process's own protection, kept in its working-set entry. */
static VsStatus view_fault(VsProcess *process, VsVad *vad, uint64_t vpn, uint64_t pte,
                           VsAccess access, uint64_t *frame)
{
    VsSection *section = vs_mapped_vad(vad)->section;
    uint64_t index = vs_view_prototype_index(vad, vpn);
    VsPageState state = vs_page_state(process, vad, vpn, pte);
    if (!state.committed) {
        emit_fault(process, VS_EV_ACCESS_VIOLATION, vpn, 0, access, 0, 0);
        return STATUS_ACCESS_VIOLATION;
    }
    VsStatus status = access_check(process, vad, true, vpn, pte, state.mm_protection, access);
    if (!NT_SUCCESS(status))
        return status;
    if (!vs_prototype_prepare(section, index, index))
        return STATUS_INSUFFICIENT_RESOURCES;
    if (!NT_SUCCESS(vs_pt_prepare(process, vpn, vpn))) {
        vs_prototype_release_empty(section, index, index);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    VsEventKind kind;
    VsPageLocation from;
    uint64_t slot;
    status = resolve_prototype(process, section, index, &kind, &from, &slot, frame);
    if (!NT_SUCCESS(status)) {
        vs_prototype_release_empty(section, index, index);
        vs_pt_release_empty(process, vpn, vpn); /* the table made for it, if nothing else uses it */
        return status;
    }
    if (!vs_ws_insert(process, vpn, *frame, state.mm_protection)) {
        vs_prototype_unmap_frame(process->system, *frame);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    vs_pt_write(process, vpn, vs_pte_make_valid(*frame, state.mm_protection));
    process->ws.page_faults++;
    VsEvent event = {.kind = kind,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn,
                     .frame = *frame,
                     .write = access == VS_WRITE_ACCESS,
                     .execute = access == VS_EXECUTE_ACCESS,
                     .list = from,
                     .slot = slot,
                     .pages = process->ws.count,
                     .section = section->id,
                     .mapped_file = section->file != NULL};
    vs_emit(process->system, &event);
    return STATUS_SUCCESS;
}

/*
 * The first store to a copy-on-write page (models MiCopyOnWrite, WRK mm/wrtfault.c): a frame of
 * its own for this process, a copy of the shared page's bytes, the PTE pointing at it writable;
 * the shared frame loses this mapping and other processes keep it. The commit was charged when the
 * view was mapped. Returns STATUS_RETRY when taking the frame trimmed the page meanwhile (the
 * caller starts the fault again).
 */
#define STATUS_RETRY_FAULT 0x00000104u /* STATUS_REPARSE: internal, never returned to a caller */
#define STATUS_NX_FAULT 0x00000105u    /* internal: an NX fault thunk emulation may resolve */
static VsStatus copy_on_write(VsProcess *process, uint64_t vpn, uint64_t pte, uint32_t mm)
{
    VsSystem *system = process->system;
    uint32_t copy_mm = vs_mm_written(mm);
    uint64_t from, frame = vs_pfn_take(system, false, &from);
    if (frame == VS_PFN_NONE)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (vs_pt_read(process, vpn) != pte) { /* trimmed to find a frame: fault again */
        vs_pfn_release(system, frame);
        return STATUS_RETRY_FAULT;
    }
    uint64_t shared = vs_pte_frame(pte);
    VsPfn *copy = &system->pfn.frames[frame];
    if (!vs_pfn_fill(&system->pfn, frame, system->pfn.frames[shared].data, VS_PAGE_SIZE)) {
        vs_pfn_release(system, frame);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    copy->original_pte = vs_pte_make_software(copy_mm);
    copy->pid = process->pid;
    copy->vpn = vpn;
    copy->share_count = 1;
    copy->flags |= VS_PFN_MODIFIED; /* its only copy: it must be written before it is let go */
    uint32_t age = vs_ws_entry(process, vpn, shared)->age;
    vs_ws_remove(process, vpn, shared);
    vs_prototype_unmap_frame(system, shared);
    if (!vs_ws_insert(process, vpn, frame, copy_mm)) {
        vs_pt_write(process, vpn, vs_pte_make_proto(mm));
        vs_pfn_release(system, frame);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    vs_ws_entry(process, vpn, frame)->age = age;
    vs_pt_write(process, vpn, vs_pte_make_valid(frame, copy_mm) | VS_PTE_ACCESSED);
    process->ws.page_faults++;
    VsEvent event = {.kind = VS_EV_COPY_ON_WRITE,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn,
                     .frame = frame,
                     .old_start = shared,
                     .write = true,
                     .list = (VsPageLocation)from,
                     .pages = process->ws.count,
                     .protection = vs_mm_to_win32(copy_mm)};
    vs_emit(system, &event);
    return STATUS_SUCCESS;
}

/* An instruction fetch met the NX bit of page vpn (valid): with DEP, an access violation (the
 * page is there, but does not execute); with DEP off or an emulated ATL thunk (form), it goes on
 * (use_valid clears NX for DEP off). */
static VsStatus nx_fault(VsProcess *process, uint64_t vpn, VsEventKind kind, uint32_t form)
{
    uint64_t pte = vs_pt_read(process, vpn);
    VsEvent event = {.kind = kind,
                     .pid = process->pid,
                     .vpn_start = vpn,
                     .vpn_end = vpn,
                     .execute = true,
                     .frame = form,
                     .protection =
                         vs_mm_to_win32((uint32_t)vs_valid_protection(process, vpn, pte))};
    vs_emit(process->system, &event);
    return kind == VS_EV_ACCESS_VIOLATION ? STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

/* What the processor does with a valid PTE: fetches need NoExecute clear, stores need Write (a
 * copy-on-write page gets its copy first); it sets Accessed, and Dirty. */
static VsStatus use_valid(VsProcess *process, uint64_t vpn, uint64_t pte, VsAccess access,
                          uint64_t *frame)
{
    bool write = access == VS_WRITE_ACCESS;
    /* A large page's PDE is valid whatever its protection; the model refuses every access to
     * one made PAGE_NOACCESS or PAGE_GUARD (its choice: nothing documents those). An AWE page
     * made PAGE_NOACCESS is a valid PTE owned by the kernel: a user access faults. */
    const VsPfn *target = &process->system->pfn.frames[vs_pte_frame(pte)];
    if ((target->flags & (VS_PFN_LARGE_PAGE | VS_PFN_AWE)) &&
        !vs_mm_accessible((uint32_t)vs_valid_protection(process, vpn, pte))) {
        emit_fault(process, VS_EV_ACCESS_VIOLATION, vpn, 0, access, 0, 0);
        return STATUS_ACCESS_VIOLATION;
    }
    if (access == VS_EXECUTE_ACCESS && (pte & VS_PTE_NO_EXECUTE)) {
        if (vs_process_thunk_emulation(process))
            return STATUS_NX_FAULT; /* the caller looks for an ATL thunk at the address */
        if (vs_process_dep_enabled(process))
            return nx_fault(process, vpn, VS_EV_ACCESS_VIOLATION, 0);
        /* DEP off: the fetch goes on, and, as WRK's MmAccessFault does for a valid PTE, NX is
         * cleared in this page's PTE, so the next fetches run without a fault. Large and AWE
         * pages keep NX (the model's simplification) and fault on every fetch. */
        nx_fault(process, vpn, VS_EV_EXECUTE_ALLOWED, 0);
        if (!(target->flags & (VS_PFN_LARGE_PAGE | VS_PFN_AWE))) {
            pte &= ~VS_PTE_NO_EXECUTE;
            vs_pt_write(process, vpn, pte);
        }
    }
    if (write && !(pte & VS_PTE_WRITE)) {
        uint32_t mm = (uint32_t)vs_valid_protection(process, vpn, pte);
        if (!vs_mm_is_copy_on_write(mm)) {
            emit_fault(process, VS_EV_ACCESS_VIOLATION, vpn, 0, access, 0, 0);
            return STATUS_ACCESS_VIOLATION;
        }
        VsPfn *pfn = &process->system->pfn.frames[vs_pte_frame(pte)];
        if (!(pfn->flags & VS_PFN_PROTOTYPE)) {
            /* Already a private copy (re-protected to write-copy since): nothing to copy. The
             * attribute is dropped, as MiSetProtectionOnSection drops it for private pages. */
            uint32_t copy_mm = vs_mm_written(mm);
            pfn->original_pte =
                vs_pte_make_software(copy_mm) |
                (pfn->original_pte & ~(uint64_t)(MM_PROTECTION_MASK << VS_PTE_PROTECTION_SHIFT));
            pte = vs_pte_make_valid(vs_pte_frame(pte), copy_mm) |
                  (pte & (VS_PTE_ACCESSED | VS_PTE_DIRTY));
            vs_pt_write(process, vpn, pte);
        } else {
            VsStatus status = copy_on_write(process, vpn, pte, mm);
            if (!NT_SUCCESS(status) || status == STATUS_RETRY_FAULT)
                return status;
            pte = vs_pt_read(process, vpn);
        }
    }
    uint64_t touched = pte | VS_PTE_ACCESSED | (write ? VS_PTE_DIRTY : 0);
    if (touched != pte)
        vs_pt_write(process, vpn, touched);
    *frame = vs_pte_frame(pte);
    return STATUS_SUCCESS;
}

/* Whether a page of a view is the process's own rather than its section's, as the personality
 * says (none is without one): it faults as a private page does, not through its prototype PTE. */
static bool view_page_private(const VsProcess *process, const VsVad *vad, uint64_t vpn)
{
    const VsPersonality *personality = process->system->personality;
    return personality && personality->view_page_private &&
           personality->view_page_private(vad, vpn);
}

/* Resolves whatever keeps the page from being touched (models MmAccessFault); on success *frame
 * holds it, its PTE valid with Accessed (and Dirty for a store) set. */
static VsStatus resolve_once(VsProcess *process, uint64_t vpn, VsAccess access, uint64_t *frame)
{
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_pte_is_valid(pte))
        return use_valid(process, vpn, pte, access, frame);
    VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
    if (vad && vs_vad_is_view(vad) && (pte == 0 || vs_pte_is_proto(pte)) &&
        !view_page_private(process, vad, vpn)) {
        VsStatus status = view_fault(process, vad, vpn, pte, access, frame);
        if (!NT_SUCCESS(status))
            return status;
        return use_valid(process, vpn, vs_pt_read(process, vpn), access, frame);
    }
    VsPageState state = vad ? vs_page_state(process, vad, vpn, pte) : (VsPageState){0};
    if (!state.committed) {
        emit_fault(process, VS_EV_ACCESS_VIOLATION, vpn, 0, access, 0, 0);
        return STATUS_ACCESS_VIOLATION;
    }
    VsStatus status = access_check(process, vad, false, vpn, pte, state.mm_protection, access);
    if (!NT_SUCCESS(status))
        return status;
    if (vs_pte_is_transition(pte))
        status = soft_fault(process, vpn, pte, state.mm_protection, access, frame);
    else if (vs_pte_is_pagefile(pte))
        status = hard_fault(process, vpn, pte, state.mm_protection, access, frame);
    else
        status = demand_zero(process, vpn, pte, state.mm_protection, access, frame);
    if (!NT_SUCCESS(status))
        return status;
    return use_valid(process, vpn, vs_pt_read(process, vpn), access, frame);
}

/* Resolves whatever keeps the page from being touched, as MmAccessFault does, trying again when
 * the fault had to take a frame that trimmed the page meanwhile; on success *frame holds it. A
 * personality's access hook calls this once its own checks let the access through. */
VsStatus vs_resolve_fault(VsProcess *process, uint64_t vpn, VsAccess access, uint64_t *frame)
{
    for (int tries = 0; tries < 8; tries++) {
        VsStatus status = resolve_once(process, vpn, access, frame);
        if (status != STATUS_RETRY_FAULT)
            return status;
    }
    return STATUS_INSUFFICIENT_RESOURCES; /* memory so short that every try trims the page */
}

/* An access by the process to page vpn (by thread, or NULL for a fault-in on its behalf): the
 * personality's, which checks what its own state says around the core's resolution
 * (vs_resolve_fault), or the core's alone. */
static VsStatus access_page(VsProcess *process, VsThread *thread, uint64_t vpn, VsAccess access,
                            uint64_t *frame)
{
    const VsPersonality *personality = process->system->personality;
    if (personality && personality->access)
        return personality->access(process, thread, vpn, access, frame);
    return vs_resolve_fault(process, vpn, access, frame);
}

/* Faults a page in without reading or writing it, as a probe of the page does (a personality's
 * populating of a mapping goes through it). */
VsStatus vs_fault_in(VsProcess *process, uint64_t vpn, bool write)
{
    uint64_t frame;
    return access_page(process, NULL, vpn, write ? VS_WRITE_ACCESS : VS_READ_ACCESS, &frame);
}

/* An access by thread: a guard page of its own stack is the kernel's to handle (stack.c): the
 * stack grows and the access is made again, or it raises STATUS_STACK_OVERFLOW. */
static VsStatus thread_access(VsThread *thread, uint64_t address, VsAccess access, uint64_t *frame)
{
    VsProcess *process = thread->process;
    VsStatus status = access_page(process, thread, vs_vpn(address), access, frame);
    if (status == STATUS_GUARD_PAGE_VIOLATION) {
        status = vs_stack_guard_fault(thread, address);
        if (NT_SUCCESS(status))
            status = access_page(process, thread, vs_vpn(address), access, frame);
    }
    return status;
}

VsStatus vs_memory_read(VsThread *thread, uint64_t address, uint8_t *value)
{
    VsProcess *process = thread->process;
    if (address > process->system->layout->highest_user_address)
        return STATUS_ACCESS_VIOLATION;
    uint64_t frame;
    VsStatus status = thread_access(thread, address, VS_READ_ACCESS, &frame);
    if (NT_SUCCESS(status))
        *value =
            vs_pfn_read(&process->system->pfn, frame, (uint32_t)(address & (VS_PAGE_SIZE - 1)));
    return status;
}

VsStatus vs_memory_write(VsThread *thread, uint64_t address, uint8_t value)
{
    VsProcess *process = thread->process;
    if (address > process->system->layout->highest_user_address)
        return STATUS_ACCESS_VIOLATION;
    uint64_t frame;
    VsStatus status = thread_access(thread, address, VS_WRITE_ACCESS, &frame);
    if (NT_SUCCESS(status) && !vs_pfn_write(&process->system->pfn, frame,
                                            (uint32_t)(address & (VS_PAGE_SIZE - 1)), value))
        return STATUS_INSUFFICIENT_RESOURCES;
    return status;
}

VsStatus vs_memory_execute(VsThread *thread, uint64_t address)
{
    VsProcess *process = thread->process;
    if (address > process->system->layout->highest_user_address)
        return STATUS_ACCESS_VIOLATION;
    uint64_t frame;
    VsStatus status = thread_access(thread, address, VS_EXECUTE_ACCESS, &frame);
    if (status != STATUS_NX_FAULT)
        return status;
    uint32_t form = vs_atl_thunk_form(thread, address);
    return nx_fault(process, vs_vpn(address), form ? VS_EV_EXECUTE_ALLOWED : VS_EV_ACCESS_VIOLATION,
                    form);
}
