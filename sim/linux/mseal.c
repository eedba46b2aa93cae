/*
 * mseal.c - mseal for the Linux personality (mm/mseal.c do_mseal), and what a seal refuses.
 *
 * A seal is a flag of the VMA, VM_SEALED ("sl" in smaps' VmFlags), for good: no call removes it,
 * fork passes it on, and a sealed VMA merges only with sealed neighbours. Checks in the kernel's
 * order (measured on 6.18: docs/research/linux-mm.md): flags other than 0, an unaligned start, a
 * length rounding to 0 from near 2^64, an end that wraps: EINVAL; a length of 0: 0; any part of
 * the range not mapped: ENOMEM, nothing sealed (checked before any change). Sealing a sealed VMA
 * again changes nothing.
 *
 * What a seal refuses, with EPERM: munmap of any part of the range (checked over every VMA before
 * anything is unmapped, so mmap with MAP_FIXED over it and mremap's unmaps fail whole too: mmap.c
 * vs_do_munmap); mprotect and pkey_mprotect, VMA by VMA, so the VMAs before a sealed one keep
 * their change, and after their own EINVAL and EACCES checks (mprotect.c); mremap of a sealed VMA
 * (mremap.c); and the advice that discards pages (FREE, DONTNEED, REMOVE, DONTFORK, WIPEONFORK)
 * on sealed anonymous memory the caller may not write: not writable, or, on a CPU with
 * protection keys, its key write-disabled in the caller's PKRU (madvise.c). Once sealed
 * read-only, its contents cannot be changed that way either.
 */
#include "linux.h"

/* Whether every page of [start_vpn, end_vpn] is in a VMA (range_contains_unmapped's opposite). */
static bool range_mapped(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    for (uint64_t vpn = start_vpn; vpn <= end_vpn;) {
        const VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
        if (!vad)
            return false;
        if (vad->ending_vpn >= end_vpn)
            return true;
        vpn = (uint64_t)vad->ending_vpn + 1;
    }
    return true;
}

bool vs_vma_sealed_in(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    for (uint64_t vpn = start_vpn; vpn <= end_vpn;) {
        const VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
        if (!vad)
            vad = vs_vad_find_above(&process->vad_root, vpn);
        if (!vad || vad->starting_vpn > end_vpn)
            return false;
        if (vs_vma(vad)->vm_flags & VS_VM_SEALED)
            return true;
        if (vad->ending_vpn >= end_vpn)
            return false;
        vpn = (uint64_t)vad->ending_vpn + 1;
    }
    return false;
}

/* Seals every VMA of the range (mseal_apply): the range's ends split off, then merged. */
static int seal_range(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    for (uint64_t vpn = start_vpn; vpn <= end_vpn;) {
        VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
        uint64_t stop = vs_min(end_vpn, vad->ending_vpn);
        VsVmFlags flags = vs_vma(vad)->vm_flags;
        if (!(flags & VS_VM_SEALED)) {
            int error = vs_vma_isolate(process, vpn, stop, true);
            if (error)
                return error;
            vad = vs_vad_locate(&process->vad_root, vpn);
            vs_vma_set_flags(process, vad, flags | VS_VM_SEALED);
            vs_vma_try_merge(process, vad);
        }
        vpn = stop + 1;
    }
    return 0;
}

int vs_mseal(VsThread *thread, uint64_t address, uint64_t length, uint64_t flags)
{
    if (!vs_linux_call(thread))
        return -1;
    uint64_t len = (length + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    if (flags || (address & (VS_PAGE_SIZE - 1)) || (length && !len) || address + len < address)
        return vs_linux_fail(thread, VS_EINVAL);
    if (len == 0)
        return 0;
    uint64_t start_vpn = vs_vpn(address), end_vpn = vs_vpn(address + len) - 1;
    if (!range_mapped(thread->process, start_vpn, end_vpn))
        return vs_linux_fail(thread, VS_ENOMEM);
    int error = seal_range(thread->process, start_vpn, end_vpn);
    return error ? vs_linux_fail(thread, error) : 0;
}
