/*
 * fault.c - a Linux process's memory accesses: what the kernel checks and does around the page
 * fault the NT core resolves (arch/x86/mm/fault.c access_error, mm/memory.c handle_mm_fault,
 * do_cow_fault, do_anonymous_page; mm/filemap.c filemap_fault).
 *
 * The personality's access hook: every load and store of a Linux thread comes here, and goes on
 * to the core's resolution of the fault (vs_resolve_fault) only when the VMA lets it. And the hook
 * that tells the core which pages of a forked anonymous VMA are the process's own.
 */
#include "linux.h"

/* The access hook: the VMA the access finds (a VM_GROWSDOWN VMA above an unmapped page grows down
 * to it: stack.c), its protection key against the thread's PKRU (pkey.c), then the VMA's own check
 * (a wrong access is SIGSEGV whatever the page), then a file page wholly past the end of its file
 * is SIGBUS (VM_FAULT_SIGBUS in filemap_fault and shmem_fault); a first store to a private page
 * gives the VMA its anon_vma - even one that then fails with SIGBUS, since do_cow_fault prepares
 * the anon_vma before it reads the file page. */
VsStatus vs_linux_access(VsProcess *process, VsThread *thread, uint64_t vpn, VsAccess access,
                         uint64_t *frame)
{
    bool write = access == VS_WRITE_ACCESS;
    VsVad *vad = vs_vma_for_fault(process, vpn); /* a stack below grows down to it first */
    /* A key the thread's PKRU denies refuses a load or store before anything else is looked at
     * (x86 access_error asks arch_vma_access_permitted first, whether the page is present or
     * not): no fault handler runs, so nothing is read ahead, mapped or given an anon_vma. Keys
     * never govern instruction fetches. */
    if (vad && access != VS_EXECUTE_ACCESS && vs_vma_pkey_denies(thread, vad, write)) {
        uint32_t pkey = vs_vma_pkey(vad);
        VsEvent event = {.kind = VS_EV_PKEY_FAULT,
                         .pid = process->pid,
                         .vpn_start = vpn,
                         .vpn_end = vpn,
                         .frame = pkey,
                         .pages = pkey && (int32_t)pkey == vs_mm_execute_only_pkey(process),
                         .write = write};
        vs_emit(process->system, &event);
        return STATUS_ACCESS_VIOLATION;
    }
    /* An access the VMA allows to a page not mapped yet runs the VMA's fault handler (for a file,
     * fault-around, filemap_fault and its read-ahead: readahead.c). access_error has no VM_EXEC
     * test: a fetch from a page not present is let through as a read, the page is mapped, and the
     * retried fetch meets the PTE's NX bit (the core's use of the valid PTE): SIGSEGV. */
    bool allowed =
        vad && vs_mm_accessible(vad->protection) && (!write || vs_mm_writable(vad->protection));
    /* A store where a huge page is: the huge zero page's replaced, a shared one's PMD taken or
     * split (thp.c), before the core sees the page. */
    VsStatus huge = allowed && write ? vs_thp_store(process, vad, vpn) : STATUS_SUCCESS;
    if (!NT_SUCCESS(huge))
        return huge;
    bool faults = allowed && !vs_pte_is_valid(vs_pt_read(process, vpn));
    if (faults)
        vs_readahead_fault(process, vad, vpn, write);
    if (faults)
        vs_thp_fault(process, vad, vpn, write); /* a huge page where the VMA and range allow */
    if (faults && vs_vma_beyond_eof(vad, vpn)) {
        if (write)
            vs_vma_anon_prepare(process, vad);
        return STATUS_IN_PAGE_ERROR;
    }
    VsStatus status = vs_resolve_fault(process, vpn, access, frame);
    if (NT_SUCCESS(status) && write && vad)
        vs_vma_anon_prepare(process, vad);
    return status;
}

/*
 * The private-page hook: whether a page of a private anonymous VMA that a fork left shared is one
 * the fork did not share, its section page never anything but demand zero. Touching it makes a
 * fresh private page, as in a VMA no fork touched (Linux's do_anonymous_page), not a page of the
 * section that the other process could then find.
 */
bool vs_linux_view_page_private(const VsVad *vad, uint64_t vpn)
{
    const VsSection *section = vs_mapped_vad(vad)->section;
    return section && !vs_vma_file(vad) &&
           vs_prototype_read(section, vs_view_prototype_index(vad, vpn)) ==
               vs_prototype_initial(section);
}
