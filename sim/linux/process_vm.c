/*
 * process_vm.c - process_vm_readv and process_vm_writev for the Linux personality
 * (mm/process_vm_access.c), with one iovec on each side: another process's memory copied to or
 * from the caller's.
 *
 * Checks in the kernel's order: flags other than 0 EINVAL; a length of 0 copies nothing and
 * returns 0 before the process is looked up; no process with that pid ESRCH. (The ptrace check,
 * EPERM, never fails here: every scenario process may attach to every other.) Then the remote
 * range goes page by page, each pinned as get_user_pages would, without FOLL_FORCE: its VMA must
 * allow the access itself (VM_READ to read, VM_WRITE to write: PROT_NONE, a read-only page for
 * writev, and PROT_EXEC-only memory for readv refuse), and its fault must succeed (a file page
 * past the end does not). Reading an untouched anonymous page maps the zero page; writing one
 * allocates it, and writing a private file mapping copies the page, as the owner's own store
 * would. The caller's side is an ordinary access of its own, byte by byte, which stops at the
 * first byte it cannot make. The call returns how many bytes it copied, and fails (EFAULT) only
 * when that is none: a partial copy is split at the first page either side refuses (measured on
 * 6.18: docs/research/linux-mm.md).
 */
#include "linux.h"

static VsProcess *process_of_pid(VsSystem *system, int64_t pid)
{
    for (size_t i = 0; i < system->process_count; i++)
        if ((int64_t)system->processes[i]->pid == pid)
            return system->processes[i];
    return NULL;
}

/* Whether the remote page at address can be pinned for the access (check_vma_flags without
 * FOLL_FORCE, then the fault). */
static bool pin_remote(VsProcess *remote, uint64_t address, bool write)
{
    const VsVad *vad = vs_vad_locate(&remote->vad_root, vs_vpn(address));
    if (!vad || !(vs_vma(vad)->vm_flags & (write ? VS_VM_WRITE : VS_VM_READ)))
        return false;
    return NT_SUCCESS(vs_fault_in(remote, vs_vpn(address), write));
}

/* Copies one byte between the caller's local address and the pinned remote one; false when the
 * caller's side faults. */
static bool copy_byte(VsThread *thread, VsThread *remote, uint64_t local, uint64_t address,
                      bool write)
{
    uint8_t byte = 0;
    if (write)
        return NT_SUCCESS(vs_memory_read(thread, local, &byte)) &&
               NT_SUCCESS(vs_memory_write(remote, address, byte));
    return NT_SUCCESS(vs_memory_read(remote, address, &byte)) &&
           NT_SUCCESS(vs_memory_write(thread, local, byte));
}

static int64_t process_vm_rw(VsThread *thread, int64_t pid, uint64_t local, uint64_t remote_address,
                             uint64_t length, uint64_t flags, bool write)
{
    if (!vs_linux_call(thread))
        return -1;
    if (flags)
        return vs_linux_fail(thread, VS_EINVAL);
    if (length == 0)
        return 0;
    VsProcess *remote = process_of_pid(thread->process->system, pid);
    if (!remote)
        return vs_linux_fail(thread, VS_ESRCH);
    VsThread *remote_thread = vs_process_main_thread(remote);
    uint64_t done = 0;
    while (done < length) {
        uint64_t address = remote_address + done;
        uint64_t chunk = vs_min(length - done, VS_PAGE_SIZE - (address & (VS_PAGE_SIZE - 1)));
        if (address < remote_address || !pin_remote(remote, address, write))
            break;
        uint64_t copied = 0;
        while (copied < chunk &&
               copy_byte(thread, remote_thread, local + done + copied, address + copied, write))
            copied++;
        done += copied;
        if (copied < chunk)
            break; /* the caller's side faulted */
    }
    return done ? (int64_t)done : vs_linux_fail(thread, VS_EFAULT);
}

int64_t vs_process_vm_readv(VsThread *thread, int64_t pid, uint64_t local, uint64_t remote,
                            uint64_t length, uint64_t flags)
{
    return process_vm_rw(thread, pid, local, remote, length, flags, false);
}

int64_t vs_process_vm_writev(VsThread *thread, int64_t pid, uint64_t local, uint64_t remote,
                             uint64_t length, uint64_t flags)
{
    return process_vm_rw(thread, pid, local, remote, length, flags, true);
}
