/*
 * pkey.c - protection keys on x86 (arch/x86/include/asm/pkeys.h, arch/x86/mm/pkeys.c,
 * mm/mprotect.c pkey_alloc, pkey_free, pkey_mprotect; glibc's pkey_set and pkey_get).
 *
 * On a CPU with protection keys (the machine's execonly=pkey) every page-table entry carries one
 * of 16 keys, taken from its VMA's vm_flags (VM_PKEY_BIT0..3: VMAs that differ in it never
 * merge), and every thread's PKRU register holds two bits per key: access-disable (AD) and
 * write-disable (WD). A load or store through a key whose AD bit is set, or a store through one
 * whose WD bit is, faults SIGSEGV with si_code SEGV_PKUERR, before anything else about the access
 * is looked at; instruction fetches are never checked. A process allocates keys from a map of 16
 * (key 0, every VMA's default, allocated from the start) with pkey_alloc, which also sets the
 * calling thread's rights for the key, gives them to VMAs with pkey_mprotect, and changes its
 * rights with WRPKRU (glibc's pkey_set) without asking the kernel. Memory mapped or mprotected
 * with exactly PROT_EXEC gets a key of the process's own that PKRU denies all data access:
 * execute-only memory, which the page table alone cannot express on x86.
 *
 * On a CPU without keys (execonly=none) arch_max_pkey() is 1 and nothing is ever set up: the
 * first pkey_alloc of a process takes key 0 from its empty map, fails to set PKRU (EINVAL), and
 * cannot give the key back, since mm->context.execute_only_pkey was never made -1 and so names
 * key 0; every later pkey_alloc finds the map full (ENOSPC), fork copies that map, and pkey_free
 * and pkey_mprotect with any key but -1 are EINVAL. RDPKRU and WRPKRU do not exist there: glibc's
 * pkey_get and pkey_set raise SIGILL once their own argument checks pass. Measured on this
 * machine (Linux 6.18, no pku) and in the QEMU guest with keys (docs/verification.md).
 */
#include "linux.h"

#define INIT_PKRU 0x55555554u /* init_pkru_value: every thread starts with keys 1-15 AD */
#define PKRU_AD 1u
#define PKRU_WD 2u
#define PKRU_BITS(pkey) (3u << (2 * (pkey)))

/* ---- The state: the process's key map, its execute-only key, each thread's PKRU ---------------
 */

static uint32_t max_pkey(const VsSystem *system)
{
    return vs_has_pkeys(system) ? VS_PKEY_COUNT : 1;
}

/* mm->context.pkey_allocation_map: key 0 from the start on a CPU with keys, nothing without. */
static uint32_t allocation_map(const VsProcess *process)
{
    return vs_linux_process(process)->pkey_map ^ (vs_has_pkeys(process->system) ? 1u : 0u);
}

static void set_allocation_map(VsProcess *process, uint32_t map)
{
    vs_linux_process(process)->pkey_map = map ^ (vs_has_pkeys(process->system) ? 1u : 0u);
}

/* mm->context.execute_only_pkey: -1 until one is needed on a CPU with keys; 0 without keys,
 * where init_new_context never sets it (which is why key 0 cannot be freed there). */
int32_t vs_mm_execute_only_pkey(const VsProcess *process)
{
    if (!vs_has_pkeys(process->system))
        return 0;
    return (int32_t)vs_linux_process(process)->execute_only_key - 1;
}

/* The thread's PKRU: init_pkru_value until pkey_alloc, pkey_set or the execute-only key change
 * it; fork copies the calling thread's (vs_pkey_fork). */
static uint32_t pkru(const VsThread *thread) { return vs_linux_thread(thread)->pkru ^ INIT_PKRU; }

static void set_pkru(VsThread *thread, uint32_t value)
{
    vs_linux_thread(thread)->pkru = value ^ INIT_PKRU;
}

/* mm_pkey_is_allocated: a key pkey_alloc handed out (or key 0), never the execute-only key. */
bool vs_pkey_allocated(const VsProcess *process, int64_t pkey)
{
    if (pkey < 0 || pkey >= max_pkey(process->system))
        return false;
    if (pkey == vs_mm_execute_only_pkey(process))
        return false;
    return allocation_map(process) & (1u << pkey);
}

/* mm_pkey_alloc: the lowest free key, now taken; -1 when all are. */
static int32_t mm_pkey_alloc(VsProcess *process)
{
    uint32_t map = allocation_map(process), all = (1u << max_pkey(process->system)) - 1;
    if (map == all)
        return -1;
    int32_t pkey = 0;
    while (map & (1u << pkey))
        pkey++;
    set_allocation_map(process, map | 1u << pkey);
    return pkey;
}

/* mm_pkey_free: EINVAL for a key not allocated (the execute-only key among them), else 0. */
static int mm_pkey_free(VsProcess *process, int64_t pkey)
{
    if (!vs_pkey_allocated(process, pkey))
        return VS_EINVAL;
    set_allocation_map(process, allocation_map(process) & ~(1u << pkey));
    return 0;
}

/* arch_set_user_pkey_access: the calling thread's PKRU bits for pkey from PKEY_DISABLE_ACCESS
 * and PKEY_DISABLE_WRITE; EINVAL on a CPU without keys. */
static int set_user_access(VsThread *thread, int32_t pkey, uint64_t rights)
{
    if (!vs_has_pkeys(thread->process->system))
        return VS_EINVAL;
    uint32_t bits = (rights & VS_PKEY_DISABLE_ACCESS ? PKRU_AD : 0) |
                    (rights & VS_PKEY_DISABLE_WRITE ? PKRU_WD : 0);
    set_pkru(thread, (pkru(thread) & ~PKRU_BITS(pkey)) | bits << (2 * pkey));
    return 0;
}

static void emit_key(VsThread *thread, VsEventKind kind, int32_t pkey, uint64_t rights)
{
    VsEvent event = {
        .kind = kind, .pid = thread->process->pid, .frame = (uint64_t)pkey, .pages = rights};
    vs_emit(thread->process->system, &event);
}

/* ---- Execute-only memory and the key mprotect gives ---------------------------------------------
 */

/* execute_only_pkey: the process's execute-only key, allocated the first time (-1 when no key is
 * left; 0 on a CPU without keys). The calling thread's PKRU then denies it data access: at once
 * for a new key, and again whenever the thread has let reads through it since. */
static int32_t execute_only_pkey(VsThread *thread)
{
    VsProcess *process = thread->process;
    if (!vs_has_pkeys(process->system))
        return 0;
    int32_t pkey = vs_mm_execute_only_pkey(process);
    bool fresh = pkey < 0;
    if (fresh && (pkey = mm_pkey_alloc(process)) < 0)
        return -1;
    if (!fresh && (pkru(thread) & PKRU_AD << (2 * pkey)))
        return pkey;
    set_user_access(thread, pkey, VS_PKEY_DISABLE_ACCESS);
    if (fresh)
        vs_linux_process(process)->execute_only_key = (uint32_t)pkey + 1;
    emit_key(thread, VS_EV_PKRU_SET, pkey, VS_PKEY_DISABLE_ACCESS);
    return pkey;
}

/*
 * The protection key a VMA gets from mmap (vad NULL) or from mprotect (pkey -1) or pkey_mprotect
 * with prot, as vm_flags bits. pkey_mprotect's key is the caller's word. Otherwise, on a CPU with
 * keys, memory asked for as exactly PROT_EXEC gets the execute-only key (do_mmap's and
 * __arch_override_mprotect_pkey's prot == PROT_EXEC case; none left: mmap gives key 0 and
 * mprotect keeps the VMA's); any other prot takes a VMA that is execute-only by that key
 * (exactly VM_EXEC, vma_is_pkey_exec_only) back to key 0 - PROT_EXEC with PROT_SEM is not exactly
 * PROT_EXEC -; every other VMA keeps its key. Without keys every VMA has key 0.
 */
VsVmFlags vs_vma_pkey_for(VsThread *thread, const VsVad *vad, uint32_t prot, int32_t pkey)
{
    const VsProcess *process = thread->process;
    if (!vs_has_pkeys(process->system))
        return 0;
    if (pkey == -1) {
        int32_t exec_only = prot == VS_PROT_EXEC ? execute_only_pkey(thread) : -1;
        if (exec_only > 0)
            pkey = exec_only;
        else if (!vad)
            pkey = 0;
        else if (prot != VS_PROT_EXEC &&
                 (vs_vma(vad)->vm_flags & VS_VM_ACCESS_FLAGS) == VS_VM_EXEC &&
                 (int32_t)vs_vma_pkey(vad) == vs_mm_execute_only_pkey(process))
            pkey = 0;
        else
            pkey = (int32_t)vs_vma_pkey(vad);
    }
    return (VsVmFlags)pkey << VS_VM_PKEY_SHIFT;
}

/*
 * Whether the thread's PKRU refuses a load (write false) or store through the VMA's key
 * (arch_vma_access_permitted, __pkru_allows_pkey): its AD bit, or for a store its WD bit. Only on
 * a CPU with keys; never for an instruction fetch, and never for an access from another process
 * (process_vm_readv, ptrace: FOLL_REMOTE), which therefore passes no thread.
 */
bool vs_vma_pkey_denies(const VsThread *thread, const VsVad *vad, bool write)
{
    if (!thread || !vs_has_pkeys(thread->process->system))
        return false;
    uint32_t bits = pkru(thread) >> (2 * vs_vma_pkey(vad));
    return (bits & PKRU_AD) || (write && (bits & PKRU_WD));
}

/* Narrates the VMA's key after a change of it (pages 1: the process's execute-only key). */
void vs_vma_emit_pkey(VsProcess *process, const VsVad *vad)
{
    uint32_t pkey = vs_vma_pkey(vad);
    VsEvent event = {.kind = VS_EV_VMA_PKEY,
                     .pid = process->pid,
                     .vpn_start = vad->starting_vpn,
                     .vpn_end = vad->ending_vpn,
                     .frame = pkey,
                     .pages = pkey && (int32_t)pkey == vs_mm_execute_only_pkey(process)};
    vs_emit(process->system, &event);
}

/* fork: the child's mm copies the parent's key map and execute-only key (dup_mm copies the whole
 * mm_struct, arch_dup_pkeys again on a CPU with keys), and its thread the caller's PKRU. */
void vs_pkey_fork(const VsThread *thread, VsProcess *child)
{
    const VsLinuxProcess *parent = vs_linux_process(thread->process);
    vs_linux_process(child)->pkey_map = parent->pkey_map;
    vs_linux_process(child)->execute_only_key = parent->execute_only_key;
    vs_linux_thread(vs_process_main_thread(child))->pkru = vs_linux_thread(thread)->pkru;
}

void vs_pkey_state(const VsProcess *process, VsPkeyState *out)
{
    out->keys = vs_has_pkeys(process->system);
    out->allocated = allocation_map(process);
    out->execute_only = vs_mm_execute_only_pkey(process);
}

/* ---- The calls ------------------------------------------------------------------------------- */

int vs_pkey_alloc(VsThread *thread, uint64_t flags, uint64_t access_rights)
{
    if (!vs_linux_call(thread))
        return -1;
    if (flags || (access_rights & ~(uint64_t)(VS_PKEY_DISABLE_ACCESS | VS_PKEY_DISABLE_WRITE)))
        return vs_linux_fail(thread, VS_EINVAL);
    int32_t pkey = mm_pkey_alloc(thread->process);
    if (pkey < 0)
        return vs_linux_fail(thread, VS_ENOSPC);
    int error = set_user_access(thread, pkey, access_rights);
    if (error) {
        mm_pkey_free(thread->process, pkey); /* fails for key 0 without keys: it stays taken */
        return vs_linux_fail(thread, error);
    }
    emit_key(thread, VS_EV_PKEY_ALLOCATED, pkey, access_rights);
    return pkey;
}

int vs_pkey_free(VsThread *thread, int32_t pkey)
{
    if (!vs_linux_call(thread))
        return -1;
    int error = mm_pkey_free(thread->process, pkey);
    if (error)
        return vs_linux_fail(thread, error);
    emit_key(thread, VS_EV_PKEY_FREED, pkey, 0);
    return 0;
}

int vs_pkey_mprotect(VsThread *thread, uint64_t address, uint64_t length, uint32_t prot,
                     int32_t pkey)
{
    if (!vs_linux_call(thread))
        return -1;
    return vs_do_mprotect_pkey(thread, address, length, prot, pkey);
}

/* glibc's checks of pkey_set and pkey_get (a key of 0-15, rights of 0-3): EINVAL, or 0. */
static int glibc_checks(int32_t pkey, uint32_t rights)
{
    return pkey < 0 || pkey >= (int32_t)VS_PKEY_COUNT || rights > 3 ? VS_EINVAL : 0;
}

int vs_pkey_set(VsThread *thread, int32_t pkey, uint32_t rights, uint32_t *signal)
{
    *signal = 0;
    if (!vs_linux_call(thread))
        return -1;
    if (glibc_checks(pkey, rights))
        return vs_linux_fail(thread, VS_EINVAL);
    if (!vs_has_pkeys(thread->process->system)) {
        *signal = VS_SIGILL; /* RDPKRU: an invalid opcode without OSPKE */
        return 0;
    }
    set_user_access(thread, pkey, rights);
    emit_key(thread, VS_EV_PKRU_SET, pkey, rights);
    return 0;
}

int vs_pkey_get(VsThread *thread, int32_t pkey, uint32_t *signal)
{
    *signal = 0;
    if (!vs_linux_call(thread))
        return -1;
    if (glibc_checks(pkey, 0))
        return vs_linux_fail(thread, VS_EINVAL);
    if (!vs_has_pkeys(thread->process->system)) {
        *signal = VS_SIGILL;
        return 0;
    }
    return (int)(pkru(thread) >> (2 * pkey) & 3);
}
