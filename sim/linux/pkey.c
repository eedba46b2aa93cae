/*
 * pkey.c - protection keys on x86 (arch/x86/mm/pkeys.c, arch/x86/include/asm/mmu_context.h): the
 * execute-only key Linux gives memory mapped or mprotected PROT_EXEC alone on a CPU that has them.
 *
 * A VMA's key lives in its vm_flags (VM_PKEY_BIT0..3), so it keeps VMAs that differ in it apart
 * and follows split, fork and mremap; the access checks (fault.c) ask it before anything else.
 */
#include "linux.h"

/*
 * The protection key a VMA gets from mmap (vad NULL) or mprotect with prot, as vm_flags bits.
 * On a CPU with protection keys, memory asked for as exactly PROT_EXEC gets the execute-only key
 * (do_mmap's and arch_override_mprotect_pkey's prot == PROT_EXEC case, execute_only_pkey): the
 * page table cannot say "execute but not read" on x86, the key can, since the thread's PKRU
 * denies every data access through it. Any other prot (PROT_READ|PROT_EXEC, or PROT_EXEC with
 * PROT_SEM, which is not exactly PROT_EXEC) takes a VMA that is execute-only by that key back to
 * key 0 (vma_is_pkey_exec_only); every other VMA keeps its key. The model has no pkey_alloc, so
 * the execute-only key is always the first one mm_pkey_alloc hands out, 1.
 */
VsVmFlags vs_vma_pkey_for(const VsSystem *system, const VsVad *vad, uint32_t prot)
{
    uint32_t pkey = vad ? vs_vma_pkey(vad) : 0;
    if (vs_execute_only_pkey(system) && prot == VS_PROT_EXEC)
        pkey = VS_EXECUTE_ONLY_PKEY;
    else if (vad && pkey == VS_EXECUTE_ONLY_PKEY &&
             (vs_vma(vad)->vm_flags & VS_VM_ACCESS_FLAGS) == VS_VM_EXEC)
        pkey = 0;
    return (VsVmFlags)pkey << VS_VM_PKEY_SHIFT;
}

/*
 * Whether the thread's PKRU forbids loads and stores to the VMA (arch_vma_access_permitted,
 * __pkru_allows_pkey): only through the execute-only key, whose access-disable bit every thread
 * has (init_pkru_value denies keys 1-15 from execve on; fork copies PKRU). Instruction fetches
 * are never checked, and neither is an access from another process (process_vm_readv and
 * ptrace are foreign, FOLL_REMOTE), which the model does not make.
 */
bool vs_vma_pkey_denies(const VsVad *vad) { return vs_vma_pkey(vad) == VS_EXECUTE_ONLY_PKEY; }

/* Narrates the VMA's key after a change of it. */
void vs_vma_emit_pkey(VsProcess *process, const VsVad *vad)
{
    VsEvent event = {.kind = VS_EV_VMA_PKEY,
                     .pid = process->pid,
                     .vpn_start = vad->starting_vpn,
                     .vpn_end = vad->ending_vpn,
                     .frame = vs_vma_pkey(vad)};
    vs_emit(process->system, &event);
}
