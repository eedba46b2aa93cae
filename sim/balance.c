/*
 * balance.c - the balance set manager's pass: aging, trimming, writing, zeroing.
 *
 * Windows runs KeBalanceSetManager (WRK ke/balmgr.c) once a second; it wakes the working-set
 * manager (MmWorkingSetManager, mm/wsmanage.c), which ages working sets and trims them when memory
 * is short, and the modified page writer and zero page thread run on their own events. One call of
 * vs_balance_set_tick is one such second, in this order:
 *
 *   1. every working set is aged (workingset.c);
 *   2. a working set over its maximum is trimmed to it, oldest pages first;
 *   3. when available memory (zeroed + free + standby) is below an eighth of RAM, working sets
 *      over their minimum give up pages not touched since the last pass (age 1 or more), until
 *      available memory is back at a quarter of RAM or nothing more can go;
 *   4. the modified page writer writes every modified page when the modified list holds a
 *      sixteenth of RAM (at least one page), or memory is short;
 *   5. the zero page thread zeroes every free page.
 *
 * A fault that finds no frame at all reclaims at once (vs_reclaim_pages), as a thread on Windows
 * would wait for the same work.
 *
 * The thresholds are the model's (Windows derives its own from RAM size: MmMinimumFreePages,
 * MmModifiedPageMaximum, MiWsAdjustThreshold); they are here so a scenario can predict a tick.
 */
#include "internal.h"

#define RECLAIM_BATCH 16 /* modified pages a fault's reclaim writes at a time */

static uint64_t low_memory_pages(const VsPfnDatabase *db) { return db->count / 8; }
static uint64_t plenty_pages(const VsPfnDatabase *db) { return db->count / 4; }
static uint64_t modified_threshold(const VsPfnDatabase *db) { return vs_max(1, db->count / 16); }

/* Step 3: take untouched pages from working sets above their minimum until memory is back. */
static void trim_for_memory(VsSystem *system)
{
    VsPfnDatabase *db = &system->pfn;
    for (size_t i = 0; i < system->process_count; i++) {
        uint64_t available = vs_pfn_available(db);
        if (available >= plenty_pages(db))
            return;
        VsProcess *process = system->processes[i];
        VsWorkingSet *ws = &process->ws;
        if (ws->count <= ws->minimum)
            continue;
        uint64_t wanted = vs_min(ws->count - ws->minimum, plenty_pages(db) - available);
        vs_ws_trim(process, wanted, 1);
    }
}

/* The largest working set, or NULL if every one is empty. */
static VsProcess *largest_working_set(VsSystem *system)
{
    VsProcess *best = NULL;
    for (size_t i = 0; i < system->process_count; i++) {
        VsProcess *process = system->processes[i];
        if (process->ws.count && (!best || process->ws.count > best->ws.count))
            best = process;
    }
    return best;
}

/*
 * A fault found no frame: on Windows the thread waits while the working-set manager trims and the
 * modified page writer writes (MiEnsureAvailablePageOrWait); the model does that work at once.
 * Dirty frames are written first; failing that, the largest working set gives up a quarter of its
 * pages, the oldest first. True if a frame became available.
 */
bool vs_reclaim_pages(VsSystem *system)
{
    VsPfnDatabase *db = &system->pfn;
    if (vs_write_modified_pages(system, RECLAIM_BATCH))
        return true;
    VsProcess *process = largest_working_set(system);
    if (!process)
        return false;
    vs_ws_trim(process, vs_max(1, process->ws.count / 4), 0);
    vs_write_modified_pages(system, RECLAIM_BATCH);
    return vs_pfn_available(db) > 0;
}

void vs_balance_set_tick(VsSystem *system)
{
    VsPfnDatabase *db = &system->pfn;
    system->ticks++;
    for (size_t i = 0; i < system->process_count; i++)
        vs_ws_age(system->processes[i]);
    for (size_t i = 0; i < system->process_count; i++) {
        VsProcess *process = system->processes[i];
        if (process->ws.count > process->ws.maximum)
            vs_ws_trim(process, process->ws.count - process->ws.maximum, 0);
    }
    bool short_of_memory = vs_pfn_available(db) < low_memory_pages(db);
    if (short_of_memory)
        trim_for_memory(system);
    if (short_of_memory || db->lists[VS_PAGE_MODIFIED].count >= modified_threshold(db))
        vs_write_modified_pages(system, db->lists[VS_PAGE_MODIFIED].count);
    vs_zero_free_pages(system, db->lists[VS_PAGE_FREE].count);
}
