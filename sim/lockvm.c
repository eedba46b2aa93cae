/*
 * lockvm.c - locking pages in the working set: NtLockVirtualMemory and NtUnlockVirtualMemory
 * (VirtualLock and VirtualUnlock, their kernelbase wrappers, are win32/memory.c).
 *
 * Models NtLockVirtualMemory and NtUnlockVirtualMemory (WRK mm/lockvm.c), in its check order: the
 * map type (MAP_PROCESS, MAP_SYSTEM or both; no other bit and not neither:
 * STATUS_INVALID_PARAMETER), the base and size pointers (STATUS_ACCESS_VIOLATION), the range inside
 * user space and not empty (plain STATUS_INVALID_PARAMETER), the handle (PROCESS_VM_OPERATION),
 * then MAP_SYSTEM's SeLockMemoryPrivilege, the caller's (STATUS_PRIVILEGE_NOT_HELD without it;
 * with it, the model locks the pages as MAP_PROCESS does: either keeps them resident, and the
 * model has no second lock count). A range that meets large-page memory is refused with
 * STATUS_INCOMPATIBLE_FILE_MAP, as WRK refuses every physically mapped VAD. A page locked with
 * MAP_PROCESS is resident and stays in the working set (its MMWSLE is LockedInWs), so trimming,
 * emptying and the balance set manager pass it over.
 *
 * Locking looks at the range before it touches a page: a page no VAD holds fails the call with
 * STATUS_ACCESS_VIOLATION, and a process may lock at most its working-set minimum less a few pages
 * that must stay fluid (MM_FLUID_WORKING_SET, 8): beyond that STATUS_WORKING_SET_QUOTA, nothing
 * locked, as for a range larger than RAM, so a lock costs at most what the minimum and RAM hold,
 * whatever its size. Then every page is made resident by touching it, as WRK does with a probe
 * inside a try block: a page that cannot be touched (reserved, decommitted, no-access) fails the
 * call with the access's status, a guard page with STATUS_GUARD_PAGE_VIOLATION (its guard
 * consumed). A lock that found some of its pages locked already succeeds with STATUS_WAS_LOCKED.
 * On success the range comes back as whole pages. Unlocking a range with a page that is not locked
 * fails with STATUS_NOT_LOCKED and, as the documentation of VirtualUnlock says, removes the range's
 * unlocked pages from the working set, up to a page no VAD holds. Decommitting or releasing a
 * locked page drops the lock. A successful lock of write-watched pages counts as a write of those
 * it could write (wrtwatch.c, vs_write_watch_mark_locked).
 */
#include "internal.h"

#define FLUID_PAGES 8 /* MM_FLUID_WORKING_SET: pages of the minimum that cannot be locked */

/*
 * The checks NtLockVirtualMemory and NtUnlockVirtualMemory share, in WRK's order, and the range
 * as whole pages. WRK answers plain STATUS_INVALID_PARAMETER for the map type and the range alike.
 */
static VsStatus lock_range(VsThread *caller, VsHandle handle, const uint64_t *base_address,
                           const uint64_t *region_size, uint32_t map_type, VsProcess **process,
                           uint64_t *first, uint64_t *last)
{
    if ((map_type & ~(uint32_t)(MAP_PROCESS | MAP_SYSTEM)) || !map_type)
        return STATUS_INVALID_PARAMETER;
    if (!base_address || !region_size)
        return STATUS_ACCESS_VIOLATION;
    uint64_t base = *base_address, size = *region_size;
    const VsLayout *layout = caller->process->system->layout;
    if (base > layout->highest_user_address || layout->highest_user_address - base < size ||
        size == 0)
        return STATUS_INVALID_PARAMETER;
    VsStatus status = vs_reference_process(caller, handle, VS_ACCESS_VM_OPERATION, process);
    if (!NT_SUCCESS(status))
        return status;
    if ((map_type & MAP_SYSTEM) && !caller->process->lock_memory_privilege)
        return STATUS_PRIVILEGE_NOT_HELD;
    *first = vs_vpn(base);
    *last = vs_vpn(base + size - 1);
    return STATUS_SUCCESS;
}

/* The first page of [first, last] no VAD holds, or last + 1 (a step per VAD). */
static uint64_t first_unallocated(VsProcess *process, uint64_t first, uint64_t last)
{
    for (uint64_t vpn = first; vpn <= last;) {
        const VsVad *vad = vs_vad_find_conflict(&process->vad_root, vpn, vpn);
        if (!vad)
            return vpn;
        vpn = vad->ending_vpn + 1;
    }
    return last + 1;
}

/* Whether vpn is a page of large-page memory, which no working set holds. */
static bool large_page(const VsProcess *process, uint64_t vpn)
{
    return vs_pt_large_pde(process, vpn) != 0;
}

/* Whether [first, last] meets a large-page or AWE VAD: locking refuses it with
 * STATUS_INCOMPATIBLE_FILE_MAP, as it refuses every physically mapped VAD (WRK lockvm.c). */
static bool meets_large_pages(VsProcess *process, uint64_t first, uint64_t last)
{
    for (const VsVad *vad = vs_vad_find_conflict(&process->vad_root, first, last);
         vad && vad->starting_vpn <= last; vad = vs_vad_next(vad))
        if (vad->large_pages || vad->physical)
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

/* Whether the working-set minimum (less the fluid pages) can take [first, last] locked, counting
 * the pages locked already once (WRK checks it before touching a page). *was_locked: some were. */
static bool lock_fits(VsProcess *process, uint64_t first, uint64_t last, bool *was_locked)
{
    uint64_t newly = 0;
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        const VsWsle *e = entry_of(process, vpn);
        newly += !(e && e->locked);
    }
    *was_locked = newly < last - first + 1;
    return process->ws.locked + newly + FLUID_PAGES <= process->ws.minimum;
}

/* Makes every page of [first, last] resident together, touching each as WRK's probe does: the
 * access's status when one cannot be touched (a guard page's, its guard consumed). */
static VsStatus touch_range(VsProcess *process, uint64_t first, uint64_t last)
{
    /* A fault that reclaims could trim a page touched before, so touch until all are there
     * together (twice is enough but for a tiny machine). */
    VsThread *thread = vs_process_main_thread(process);
    for (int round = 0; round < 3; round++) {
        bool all = true;
        for (uint64_t vpn = first; vpn <= last; vpn++) {
            if (entry_of(process, vpn))
                continue;
            uint8_t ignored;
            VsStatus status = vs_memory_read(thread, vs_vpn_address(vpn), &ignored);
            if (!NT_SUCCESS(status) || status == STATUS_GUARD_PAGE_VIOLATION)
                return status;
            all = false;
        }
        if (all)
            break;
    }
    for (uint64_t vpn = first; vpn <= last; vpn++)
        if (!entry_of(process, vpn))
            return STATUS_WORKING_SET_QUOTA; /* memory too small to hold the range at once */
    return STATUS_SUCCESS;
}

/*
 * NtLockVirtualMemory: the checks of lock_range, then STATUS_WORKING_SET_QUOTA for a range that
 * could never fit the minimum, STATUS_ACCESS_VIOLATION for a page no VAD holds, the quota with the
 * pages locked already counted once, the touches; STATUS_SUCCESS, or STATUS_WAS_LOCKED when some
 * pages were locked already, with the range written back as whole pages.
 */
VsStatus VsNtLockVirtualMemory(VsThread *caller, VsHandle handle, uint64_t *base_address,
                               uint64_t *region_size, uint32_t map_type)
{
    VsProcess *process;
    uint64_t first, last;
    VsStatus status =
        lock_range(caller, handle, base_address, region_size, map_type, &process, &first, &last);
    if (!NT_SUCCESS(status))
        return status;
    /* WRK's first quota check counts the pages less one: it never refuses what the second
     * allows. Nor can more pages than RAM has frames be resident at once (Windows keeps a minimum
     * within the resident pages available, MmAdjustWorkingSetSizeEx; the model does not). */
    if ((last - first) + FLUID_PAGES > process->ws.minimum ||
        last - first + 1 > process->system->pfn.count)
        return STATUS_WORKING_SET_QUOTA;
    if (first_unallocated(process, first, last) <= last)
        return STATUS_ACCESS_VIOLATION;
    if (meets_large_pages(process, first, last))
        return STATUS_INCOMPATIBLE_FILE_MAP;
    bool was_locked;
    if (!lock_fits(process, first, last, &was_locked))
        return STATUS_WORKING_SET_QUOTA;
    if (!NT_SUCCESS(status = touch_range(process, first, last)) ||
        status == STATUS_GUARD_PAGE_VIOLATION)
        return status;
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        VsWsle *e = entry_of(process, vpn);
        process->ws.locked += !e->locked;
        e->locked = 1;
    }
    vs_write_watch_mark_locked(process, first, last);
    *base_address = vs_vpn_address(first);
    *region_size = vs_vpn_address(last - first + 1);
    return was_locked ? STATUS_WAS_LOCKED : STATUS_SUCCESS;
}

/*
 * NtUnlockVirtualMemory: the checks of lock_range, then STATUS_NOT_LOCKED when a page of the range
 * is not locked (or no VAD holds it), after taking the unlocked pages up to that VAD-less page out
 * of the working set; else every page unlocked and the range written back as whole pages.
 */
VsStatus VsNtUnlockVirtualMemory(VsThread *caller, VsHandle handle, uint64_t *base_address,
                                 uint64_t *region_size, uint32_t map_type)
{
    VsProcess *process;
    uint64_t first, last;
    VsStatus status =
        lock_range(caller, handle, base_address, region_size, map_type, &process, &first, &last);
    if (!NT_SUCCESS(status))
        return status;
    uint64_t end = first_unallocated(process, first, last);
    bool all_locked = end > last;
    /* Large pages pass as locked and are skipped: WRK unlocks them with success though nothing
     * changes ("since this wasn't done initially, we continue to return success"). */
    uint64_t large = 0;
    for (uint64_t vpn = first; vpn <= last && all_locked; vpn++) {
        const VsWsle *e = entry_of(process, vpn);
        bool skipped = !e && large_page(process, vpn);
        large += skipped;
        all_locked = skipped || (e && e->locked);
    }
    if (!all_locked) {
        /* Only a page with a page table can be in the working set. */
        for (uint64_t vpn = end > first ? vs_pt_next_present(process, first, end - 1) : end;
             vpn < end; vpn = vs_pt_next_present(process, vpn + 1, end - 1)) {
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
    *base_address = vs_vpn_address(first);
    *region_size = vs_vpn_address(last - first + 1);
    return STATUS_SUCCESS;
}
