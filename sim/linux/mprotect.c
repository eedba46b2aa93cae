/*
 * mprotect.c - mprotect and pkey_mprotect for the Linux personality (mm/mprotect.c
 * do_mprotect_pkey, mprotect_fixup).
 *
 * Checks in the kernel's order (docs/research/linux-mm.md 3.1): both GROWSDOWN and GROWSUP, an
 * unaligned start EINVAL; a length of 0 succeeds at once; a wrapping end ENOMEM; protection bits
 * beyond READ|WRITE|EXEC|SEM EINVAL; pkey_mprotect's key, unless -1, not one pkey_alloc handed
 * out EINVAL (pkey.c); no VMA at the start ENOMEM. Then VMA by VMA, in address
 * order: a hole stops the walk with ENOMEM, asking for more than the VMA's VM_MAY* bits stops it
 * with EACCES, then a sealed VMA with EPERM (mseal; so a sealed VMA refuses an unallocated key
 * with EINVAL and more than its VM_MAY* bits with EACCES), and the VMAs already changed keep
 * their change: mprotect is not atomic.
 * Each changed range is split off its VMA and merged with the neighbours it now matches. On a CPU
 * with protection keys the key is pkey_mprotect's, or changes with the access bits (pkey.c
 * vs_vma_pkey_for), which alone can split a VMA: PROT_EXEC|PROT_SEM on execute-only memory keeps
 * VM_EXEC but drops the key.
 */
#include "linux.h"

static VsVmFlags prot_flags(uint32_t prot)
{
    return (prot & VS_PROT_READ ? VS_VM_READ : 0) | (prot & VS_PROT_WRITE ? VS_VM_WRITE : 0) |
           (prot & VS_PROT_EXEC ? VS_VM_EXEC : 0);
}

/* The flags the range gets (mprotect_fixup): a private mapping that becomes writable is charged
 * (VM_ACCOUNT) unless it was already, or is exempt; an untouched anonymous one that stops being
 * writable gives the charge back. 0, or ENOMEM when RLIMIT_DATA or the charge refuses. */
static int account(VsProcess *process, const VsVad *vad, VsVmFlags *flags, uint64_t pages)
{
    VsVmFlags old = vs_vma(vad)->vm_flags;
    if (*flags & VS_VM_WRITE) {
        /* A range turning into data must fit RLIMIT_DATA, unless it was data already. */
        if (!vs_may_expand_data(process, *flags, pages) && vs_may_expand_data(process, old, pages))
            return VS_ENOMEM;
        if (!(old & (VS_VM_ACCOUNT | VS_VM_WRITE | VS_VM_SHARED | VS_VM_NORESERVE))) {
            if (!vs_vm_enough_memory(process->system, pages))
                return VS_ENOMEM;
            *flags |= VS_VM_ACCOUNT;
        }
    } else if ((old & VS_VM_ACCOUNT) && !vs_mapped_vad(vad)->section && !vs_vma(vad)->anon_vma) {
        *flags &= ~(VsVmFlags)VS_VM_ACCOUNT;
    }
    return 0;
}

/* Changes [start_vpn, end_vpn] of one VMA to flags: split off, re-flagged, merged. A locked
 * private VMA made writable is populated again, with write faults, so that its pages are its own
 * copies (mprotect_fixup: locked pages must not take a copy-on-write fault later). */
static int fixup(VsThread *thread, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                 VsVmFlags flags)
{
    VsProcess *process = thread->process;
    VsVmFlags old = vs_vma(vad)->vm_flags;
    bool repopulate = (old & (VS_VM_WRITE | VS_VM_SHARED | VS_VM_LOCKED)) == VS_VM_LOCKED &&
                      (flags & VS_VM_WRITE);
    int error = account(process, vad, &flags, end_vpn - start_vpn + 1);
    if (!error)
        error = vs_vma_isolate(process, start_vpn, end_vpn, true);
    if (error)
        return error;
    vad = vs_vad_locate(&process->vad_root, start_vpn);
    vs_vma_set_flags(process, vad, flags);
    vs_thp_protect(process, vad, start_vpn, end_vpn); /* wholly inside: isolation split the rest */
    vs_vma_try_merge(process, vad);
    if (repopulate)
        vs_vma_populate(thread, start_vpn, end_vpn, true);
    return 0;
}

int vs_mprotect(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot)
{
    if (!vs_linux_call(thread))
        return -1;
    return vs_do_mprotect_pkey(thread, address, length, prot, -1);
}

/* do_mprotect_pkey: mprotect (pkey -1) and pkey_mprotect. */
int vs_do_mprotect_pkey(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot,
                        int32_t pkey)
{
    VsProcess *process = thread->process;
    if ((prot & VS_PROT_GROWSDOWN) && (prot & VS_PROT_GROWSUP))
        return vs_linux_fail(thread, VS_EINVAL);
    if (address & (VS_PAGE_SIZE - 1))
        return vs_linux_fail(thread, VS_EINVAL);
    if (length == 0)
        return 0;
    uint64_t end = address + ((length + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1));
    if (end <= address)
        return vs_linux_fail(thread, VS_ENOMEM);
    uint32_t rest = prot & ~(uint32_t)(VS_PROT_GROWSDOWN | VS_PROT_GROWSUP);
    if (rest & ~(uint32_t)(VS_PROT_READ | VS_PROT_WRITE | VS_PROT_EXEC | VS_PROT_SEM))
        return vs_linux_fail(thread, VS_EINVAL);
    if (pkey != -1 && !vs_pkey_allocated(process, pkey))
        return vs_linux_fail(thread, VS_EINVAL); /* not handed out by pkey_alloc (pkey.c) */
    uint64_t vpn = vs_vpn(address), last = vs_vpn(end) - 1;
    /* The first VMA in the range; then the stack-growth flags are checked against it. */
    VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
    VsVad *first = vad ? vad : vs_vad_find_above(&process->vad_root, vpn);
    if (!first || first->starting_vpn > last)
        return vs_linux_fail(thread, VS_ENOMEM);
    if (prot & VS_PROT_GROWSDOWN) {
        if (!(vs_vma(first)->vm_flags & VS_VM_GROWSDOWN))
            return vs_linux_fail(thread, VS_EINVAL);
        vpn = first->starting_vpn; /* the change reaches down to the VMA's start */
    } else if (!vad) {
        return vs_linux_fail(thread, VS_ENOMEM); /* the range starts in a hole */
    } else if (prot & VS_PROT_GROWSUP) {
        return vs_linux_fail(thread, VS_EINVAL); /* x86 has no VM_GROWSUP */
    }
    while (vpn <= last) {
        vad = vs_vad_locate(&process->vad_root, vpn);
        if (!vad)
            return vs_linux_fail(thread, VS_ENOMEM); /* a hole: what came before keeps its change */
        /* The access bits and the protection key are the call's; the rest stay the VMA's. */
        VsVmFlags old = vs_vma(vad)->vm_flags;
        VsVmFlags flags = (old & ~(VsVmFlags)(VS_VM_ACCESS_FLAGS | VS_VM_PKEY_MASK)) |
                          prot_flags(prot) | vs_vma_pkey_for(thread, vad, rest, pkey);
        if ((flags & ~(flags >> 4)) & VS_VM_ACCESS_FLAGS)
            return vs_linux_fail(thread, VS_EACCES); /* more than VM_MAYREAD/WRITE/EXEC allow */
        if (old & VS_VM_SEALED) /* mprotect_fixup, after EACCES, even for no change (mseal.c) */
            return vs_linux_fail(thread, VS_EPERM); /* the VMAs before keep theirs */
        uint64_t stop = vs_min(last, vad->ending_vpn);
        if (flags != old) {
            int error = fixup(thread, vad, vpn, stop, flags);
            if (error)
                return vs_linux_fail(thread, error);
        }
        vpn = stop + 1;
    }
    return 0;
}
