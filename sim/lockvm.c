/*
 * lockvm.c - locking pages in the working set: NtLockVirtualMemory and NtUnlockVirtualMemory
 * (VirtualLock and VirtualUnlock, their kernelbase wrappers, are win32/memory.c).
 *
 * Models NtLockVirtualMemory and NtUnlockVirtualMemory with MAP_PROCESS (WRK mm/lockvm.c): a locked
 * page is resident and stays in the working set (its MMWSLE is LockedInWs), so trimming, emptying
 * and the balance set manager pass it over. Locking first makes every page of the range resident by
 * touching it, as WRK does with a probe inside a try block: a page that cannot be touched (free,
 * reserved, decommitted, no-access) fails the call with the access's status, a guard page with
 * STATUS_GUARD_PAGE_VIOLATION (its guard consumed). A process may lock at most its working-set
 * minimum less a few pages that must stay fluid (MM_FLUID_WORKING_SET, 8): beyond that the call
 * fails with STATUS_WORKING_SET_QUOTA and locks nothing; a range too large to fit however many of
 * its pages are locked already is refused so before any page is touched (WRK checks it first), as
 * is one larger than RAM, so a lock costs at most what the minimum and RAM hold, whatever its
 * size. Unlocking a range with a page that is not locked fails with STATUS_NOT_LOCKED and, as the
 * documentation of VirtualUnlock says, removes the range's unlocked pages from the working set.
 * Decommitting or releasing a locked page drops the lock. A successful lock of write-watched pages
 * counts as a write of those it could write (wrtwatch.c, vs_write_watch_mark_locked).
 */
#include "internal.h"

#define FLUID_PAGES 8 /* MM_FLUID_WORKING_SET: pages of the minimum that cannot be locked */
#define MAP_PROCESS 1 /* lock in the process's working set (the only kind without a privilege) */

/* The range as whole pages, after the argument checks every Nt*VirtualMemory call makes. */
static VsStatus lock_range(VsThread *caller, VsHandle handle, uint64_t *base, uint64_t *size,
                           uint32_t map_type, VsProcess **process, uint64_t *first, uint64_t *last)
{
    if (map_type != MAP_PROCESS)
        return map_type & ~3u ? STATUS_INVALID_PARAMETER : STATUS_PRIVILEGE_NOT_HELD;
    const VsLayout *layout = caller->process->system->layout;
    if (*base > layout->highest_user_address)
        return STATUS_INVALID_PARAMETER_2;
    if (*size == 0 || layout->highest_user_address - *base < *size - 1)
        return STATUS_INVALID_PARAMETER_3;
    VsStatus status = vs_reference_process(caller, handle, VS_ACCESS_VM_OPERATION, process);
    if (!NT_SUCCESS(status))
        return status;
    *first = vs_vpn(*base);
    *last = vs_vpn(*base + *size - 1);
    *base = vs_vpn_address(*first);
    *size = vs_vpn_address(*last - *first + 1);
    return STATUS_SUCCESS;
}

/* Whether vpn is a page of large-page memory, which no working set holds. */
static bool large_page(const VsProcess *process, uint64_t vpn)
{
    return vs_pt_large_pde(process, vpn) != 0;
}

/* Whether [first, last] meets a large-page VAD: locking refuses it with
 * STATUS_INCOMPATIBLE_FILE_MAP, as it refuses every physically mapped VAD (WRK lockvm.c). */
static bool meets_large_pages(VsProcess *process, uint64_t first, uint64_t last)
{
    for (const VsVad *vad = vs_vad_find_conflict(&process->vad_root, first, last);
         vad && vad->starting_vpn <= last; vad = vs_vad_next(vad))
        if (vad->large_pages)
            return true;
    return false;
}

/* The working-set entry of a valid page, or NULL (a large page has none). */
static VsWsle *entry_of(VsProcess *process, uint64_t vpn)
{
    uint64_t pte = vs_pt_read(process, vpn);
    if (!vs_pte_is_valid(pte) || large_page(process, vpn))
        return NULL;
    return vs_ws_entry(process, vpn, vs_pte_frame(pte));
}

VsStatus VsNtLockVirtualMemory(VsThread *caller, VsHandle handle, uint64_t *base_address,
                               uint64_t *region_size, uint32_t map_type)
{
    VsProcess *process;
    uint64_t base = *base_address, size = *region_size, first, last;
    VsStatus status = lock_range(caller, handle, &base, &size, map_type, &process, &first, &last);
    if (!NT_SUCCESS(status))
        return status;
    /* WRK refuses a range that could never fit before it touches a page: its NumberToLock is the
     * pages less one, so this never refuses what the check after the touches would allow. */
    if ((last - first) + FLUID_PAGES > process->ws.minimum)
        return STATUS_WORKING_SET_QUOTA;
    /* Nor can more pages than RAM has frames be resident at once (Windows keeps a minimum within
     * the resident pages available, MmAdjustWorkingSetSizeEx; the model does not): the touches
     * below could only end in the quota failure after them, so it comes without them. */
    if (last - first + 1 > process->system->pfn.count)
        return STATUS_WORKING_SET_QUOTA;
    if (meets_large_pages(process, first, last))
        return STATUS_INCOMPATIBLE_FILE_MAP;
    /* Make every page resident; a fault that reclaims could trim a page touched before, so
     * touch until all are there together (twice is enough but for a tiny machine). */
    VsThread *thread = vs_process_main_thread(process);
    for (int round = 0; round < 3; round++) {
        bool all = true;
        for (uint64_t vpn = first; vpn <= last; vpn++) {
            if (entry_of(process, vpn))
                continue;
            uint8_t ignored;
            status = vs_memory_read(thread, vs_vpn_address(vpn), &ignored);
            if (!NT_SUCCESS(status) || status == STATUS_GUARD_PAGE_VIOLATION)
                return status;
            all = false;
        }
        if (all)
            break;
    }
    uint64_t newly = 0;
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        const VsWsle *e = entry_of(process, vpn);
        if (!e)
            return STATUS_WORKING_SET_QUOTA; /* memory too small to hold the range at once */
        newly += !e->locked;
    }
    VsWorkingSet *ws = &process->ws;
    if (ws->locked + newly + FLUID_PAGES > ws->minimum)
        return STATUS_WORKING_SET_QUOTA;
    for (uint64_t vpn = first; vpn <= last; vpn++)
        entry_of(process, vpn)->locked = 1;
    ws->locked += newly;
    vs_write_watch_mark_locked(process, first, last);
    *base_address = base;
    *region_size = size;
    return STATUS_SUCCESS;
}

VsStatus VsNtUnlockVirtualMemory(VsThread *caller, VsHandle handle, uint64_t *base_address,
                                 uint64_t *region_size, uint32_t map_type)
{
    VsProcess *process;
    uint64_t base = *base_address, size = *region_size, first, last;
    VsStatus status = lock_range(caller, handle, &base, &size, map_type, &process, &first, &last);
    if (!NT_SUCCESS(status))
        return status;
    /* Large pages pass as locked and are skipped: WRK unlocks them with success though nothing
     * changes ("since this wasn't done initially, we continue to return success"). */
    bool all_locked = true;
    uint64_t large = 0;
    for (uint64_t vpn = first; vpn <= last && all_locked; vpn++) {
        const VsWsle *e = entry_of(process, vpn);
        bool skipped = !e && large_page(process, vpn);
        large += skipped;
        all_locked = skipped || (e && e->locked);
    }
    if (!all_locked) {
        /* Only a page with a page table can be in the working set. */
        for (uint64_t vpn = vs_pt_next_present(process, first, last); vpn <= last;
             vpn = vs_pt_next_present(process, vpn + 1, last)) {
            const VsWsle *e = entry_of(process, vpn);
            if (e && !e->locked)
                vs_trim_page(process, vpn);
        }
        return STATUS_NOT_LOCKED;
    }
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        VsWsle *e = entry_of(process, vpn);
        if (e)
            e->locked = 0;
    }
    process->ws.locked -= last - first + 1 - large;
    *base_address = base;
    *region_size = size;
    return STATUS_SUCCESS;
}
