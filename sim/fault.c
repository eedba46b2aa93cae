/*
 * fault.c - memory accesses and the page faults they take.
 *
 * Models the processor's check of a valid PTE and, when the PTE is not valid, MmAccessFault
 * (WRK mm/mmfault.c) with the resolutions this model has so far: MiResolveDemandZeroFault (a zeroed
 * frame for a committed page never touched), MiResolveTransitionFault (a soft fault: the page is
 * still in its frame), and MiAccessCheck (no-access pages, stores to read-only pages, and guard
 * pages, whose first touch raises STATUS_GUARD_PAGE_VIOLATION and clears the guard). A free,
 * reserved or decommitted page raises STATUS_ACCESS_VIOLATION, as MiCheckVirtualAddress finds no
 * committed page there. The paging issue adds page-file faults, working sets and trimming.
 *
 * Every access is one byte; lessons read and write single values, and the rule per page is the same.
 */
#include "internal.h"

static void emit_fault(VsProcess *process, VsEventKind kind, uint64_t vpn, uint64_t frame,
                       bool write)
{
    VsEvent event = {.kind = kind, .pid = process->pid, .vpn_start = vpn, .vpn_end = vpn,
                     .frame = frame, .write = write};
    vs_emit(process->system, &event);
}

/* The protection check of a non-valid page (models MiAccessCheck). A guard page loses its guard
 * (its PTE is rewritten without it) and raises STATUS_GUARD_PAGE_VIOLATION. */
static VsStatus access_check(VsProcess *process, uint64_t vpn, uint64_t pte, uint32_t mm,
                             bool write)
{
    if ((mm & MM_NOACCESS) == MM_GUARD_PAGE && (mm & 7)) {
        uint32_t unguarded = mm & ~(uint32_t)MM_GUARD_PAGE;
        uint64_t without = vs_pte_is_transition(pte)
                               ? vs_pte_make_transition(vs_pte_frame(pte), unguarded)
                               : vs_pte_make_software(unguarded);
        if (vs_pte_is_transition(pte))
            process->system->pfn.frames[vs_pte_frame(pte)].original_pte =
                vs_pte_make_software(unguarded);
        if (!NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
            return STATUS_INSUFFICIENT_RESOURCES;
        vs_pt_write(process, vpn, without);
        emit_fault(process, VS_EV_GUARD_PAGE, vpn, 0, write);
        return STATUS_GUARD_PAGE_VIOLATION;
    }
    if (!vs_mm_accessible(mm) || (write && !vs_mm_writable(mm))) {
        emit_fault(process, VS_EV_ACCESS_VIOLATION, vpn, 0, write);
        return STATUS_ACCESS_VIOLATION;
    }
    return STATUS_SUCCESS;
}

/* Makes a committed, untouched page resident in a zeroed frame (models MiResolveDemandZeroFault). */
static VsStatus demand_zero(VsProcess *process, uint64_t vpn, uint32_t mm, bool write,
                            uint64_t *frame)
{
    if (!NT_SUCCESS(vs_pt_prepare(process, vpn, vpn)))
        return STATUS_INSUFFICIENT_RESOURCES;
    *frame = vs_pfn_take_zeroed(&process->system->pfn);
    if (*frame == VS_PFN_NONE) {
        vs_pt_release_empty(process, vpn, vpn);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    VsPfn *pfn = &process->system->pfn.frames[*frame];
    pfn->original_pte = vs_pte_make_software(mm);
    pfn->pid = process->pid;
    pfn->vpn = vpn;
    vs_pt_write(process, vpn, vs_pte_make_valid(*frame, mm));
    emit_fault(process, VS_EV_DEMAND_ZERO_FAULT, vpn, *frame, write);
    return STATUS_SUCCESS;
}

/* Resolves whatever keeps the page from being touched; on success *frame holds it. */
static VsStatus resolve(VsProcess *process, uint64_t vpn, bool write, uint64_t *frame)
{
    VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_pte_is_valid(pte)) {
        if (write && !(pte & VS_PTE_WRITE)) {
            emit_fault(process, VS_EV_ACCESS_VIOLATION, vpn, 0, write);
            return STATUS_ACCESS_VIOLATION;
        }
        *frame = vs_pte_frame(pte);
        return STATUS_SUCCESS;
    }
    VsPageState state = vad ? vs_page_state(process, vad, pte) : (VsPageState){0};
    if (!state.committed) {
        emit_fault(process, VS_EV_ACCESS_VIOLATION, vpn, 0, write);
        return STATUS_ACCESS_VIOLATION;
    }
    VsStatus status = access_check(process, vpn, pte, state.mm_protection, write);
    if (!NT_SUCCESS(status))
        return status;
    if (vs_pte_is_transition(pte)) {
        *frame = vs_pte_frame(pte);
        vs_pt_write(process, vpn, vs_pte_make_valid(*frame, state.mm_protection));
        emit_fault(process, VS_EV_SOFT_FAULT, vpn, *frame, write);
        return STATUS_SUCCESS;
    }
    return demand_zero(process, vpn, state.mm_protection, write, frame);
}

VsStatus vs_memory_read(VsThread *thread, uint64_t address, uint8_t *value)
{
    VsProcess *process = thread->process;
    if (address > process->system->layout->highest_user_address)
        return STATUS_ACCESS_VIOLATION;
    uint64_t frame;
    VsStatus status = resolve(process, vs_vpn(address), false, &frame);
    if (NT_SUCCESS(status))
        *value = vs_pfn_read(&process->system->pfn, frame, (uint32_t)(address & (VS_PAGE_SIZE - 1)));
    return status;
}

VsStatus vs_memory_write(VsThread *thread, uint64_t address, uint8_t value)
{
    VsProcess *process = thread->process;
    if (address > process->system->layout->highest_user_address)
        return STATUS_ACCESS_VIOLATION;
    uint64_t frame;
    VsStatus status = resolve(process, vs_vpn(address), true, &frame);
    if (NT_SUCCESS(status) &&
        !vs_pfn_write(&process->system->pfn, frame, (uint32_t)(address & (VS_PAGE_SIZE - 1)), value))
        return STATUS_INSUFFICIENT_RESOURCES;
    return status;
}
