/*
 * msync.c - msync for the Linux personality (mm/msync.c).
 *
 * msync: bad flags, an unaligned start or MS_ASYNC with MS_SYNC EINVAL; a wrapping length ENOMEM;
 * 0 succeeds. Then the VMAs of the range: MS_ASYNC stops at the first hole with ENOMEM, the others
 * skip holes and return ENOMEM at the end; MS_INVALIDATE on locked memory EBUSY. Only MS_SYNC on a
 * shared file mapping does anything: its dirty pages are written to the file (vfs_fsync_range);
 * MS_ASYNC has been a no-op since 2.6.19 and the page cache is always coherent
 * (docs/research/linux-mm.md 6).
 */
#include "linux.h"

/* MS_SYNC on a shared file mapping: the file gets the pages' bytes now. */
static void sync_range(VsThread *thread, const VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    const VsFile *file = vs_vma_file(vad);
    if (!file || vs_file_kind(file) != VS_FILE_REGULAR || !(vs_vma(vad)->vm_flags & VS_VM_SHARED))
        return;
    uint64_t base = vs_vpn_address(start_vpn), size = vs_vpn_address(end_vpn - start_vpn + 1);
    VsNtFlushVirtualMemory(thread, VS_CURRENT_PROCESS, &base, &size);
}

int vs_msync(VsThread *thread, uint64_t address, uint64_t length, uint32_t flags)
{
    if (!vs_linux_call(thread))
        return -1;
    VsProcess *process = thread->process;
    if ((flags & ~(uint32_t)(VS_MS_ASYNC | VS_MS_INVALIDATE | VS_MS_SYNC)) ||
        (address & (VS_PAGE_SIZE - 1)) || ((flags & VS_MS_ASYNC) && (flags & VS_MS_SYNC)))
        return vs_linux_fail(thread, VS_EINVAL);
    uint64_t end = address + ((length + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1));
    if (end < address)
        return vs_linux_fail(thread, VS_ENOMEM);
    if (end == address)
        return 0;
    uint64_t vpn = vs_vpn(address), last = vs_vpn(end) - 1;
    bool hole = false;
    while (vpn <= last) {
        VsVad *vad = vs_vad_locate(&process->vad_root, vpn);
        if (!vad) {
            vad = vs_vad_find_above(&process->vad_root, vpn);
            if (!vad || flags == VS_MS_ASYNC || vad->starting_vpn > last)
                return vs_linux_fail(thread, VS_ENOMEM);
            hole = true;
            vpn = vad->starting_vpn;
        }
        if ((flags & VS_MS_INVALIDATE) && (vs_vma(vad)->vm_flags & VS_VM_LOCKED))
            return vs_linux_fail(thread, VS_EBUSY);
        uint64_t stop = vs_min(last, vad->ending_vpn);
        if (flags & VS_MS_SYNC)
            sync_range(thread, vad, vpn, stop);
        vpn = stop + 1;
    }
    return hole ? vs_linux_fail(thread, VS_ENOMEM) : 0;
}
