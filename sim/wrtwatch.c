/*
 * wrtwatch.c - write watch: which pages of a MEM_WRITE_WATCH reservation were written.
 *
 * Models WRK mm/wrtwatch.c (NtGetWriteWatch, NtResetWriteWatch, MiCaptureWriteWatchDirtyBit). A
 * reservation made with MEM_RESERVE|MEM_WRITE_WATCH gets a bitmap, one bit per page. A store sets
 * the page's Dirty bit, as any store does; the bit is moved into the bitmap whenever the Dirty bit
 * is taken away (the page is trimmed, or its write-watch state is reset), so "written since the
 * last reset" is the bitmap or the Dirty bit of a valid page. Resetting clears both, moving a Dirty
 * bit into the frame's Modified flag first so paging still knows the page is dirty.
 *
 * Each write-watch VAD has exactly one bitmap of its own range: a release (of part of it, through
 * the NT layer, or all of it) cuts the bitmap as it cuts the VAD.
 */
#include <stdlib.h>

#include "internal.h"

#define WRITE_WATCH_FLAG_RESET 1

static VsWriteWatch *watch_of(const VsProcess *process, uint64_t vpn)
{
    for (size_t i = 0; i < process->watch_count; i++) {
        VsWriteWatch *w = &process->watches[i];
        if (vpn >= w->start_vpn && vpn - w->start_vpn < w->pages)
            return w;
    }
    return NULL;
}

bool vs_write_watch_create(VsProcess *process, uint64_t start_vpn, uint64_t pages)
{
    uint64_t *bits = calloc((pages + 63) / 64, sizeof *bits);
    VsWriteWatch *grown =
        bits ? realloc(process->watches, (process->watch_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(bits);
        return false;
    }
    process->watches = grown;
    process->watches[process->watch_count++] = (VsWriteWatch){start_vpn, pages, bits};
    return true;
}

/* A new bitmap for [start_vpn, end_vpn] with the bits of w there. */
static bool carve(VsProcess *process, const VsWriteWatch *w, uint64_t start_vpn, uint64_t end_vpn)
{
    if (!vs_write_watch_create(process, start_vpn, end_vpn - start_vpn + 1))
        return false;
    VsWriteWatch *piece = &process->watches[process->watch_count - 1];
    for (uint64_t vpn = start_vpn; vpn <= end_vpn; vpn++) {
        uint64_t from = vpn - w->start_vpn, to = vpn - start_vpn;
        if (w->bits[from / 64] >> (from % 64) & 1)
            piece->bits[to / 64] |= 1ull << (to % 64);
    }
    return true;
}

/*
 * A write-watch VAD lost [start_vpn, end_vpn] (a release, possibly of part of it through the NT
 * layer): its bitmap is cut the same way, so each write-watch VAD keeps exactly one bitmap of its
 * own range. False if the host had no memory for the pieces (the old bitmap is kept whole).
 */
bool vs_write_watch_released(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    VsWriteWatch *found = watch_of(process, start_vpn);
    if (!found)
        return true;
    VsWriteWatch w = *found; /* creating pieces may move the array */
    size_t index = (size_t)(found - process->watches);
    size_t before = process->watch_count;
    uint64_t last = w.start_vpn + w.pages - 1;
    if ((start_vpn > w.start_vpn && !carve(process, &w, w.start_vpn, start_vpn - 1)) ||
        (end_vpn < last && !carve(process, &w, end_vpn + 1, last))) {
        while (process->watch_count > before)
            free(process->watches[--process->watch_count].bits);
        return false;
    }
    free(w.bits);
    process->watches[index] = process->watches[--process->watch_count];
    return true;
}

void vs_write_watch_fini(VsProcess *process)
{
    for (size_t i = 0; i < process->watch_count; i++)
        free(process->watches[i].bits);
    free(process->watches);
    process->watches = NULL;
    process->watch_count = 0;
}

/* MiCaptureWriteWatchDirtyBit: a Dirty bit about to be cleared is recorded in the bitmap. */
void vs_write_watch_capture(VsProcess *process, uint64_t vpn)
{
    VsWriteWatch *w = watch_of(process, vpn);
    if (w) {
        uint64_t bit = vpn - w->start_vpn;
        w->bits[bit / 64] |= 1ull << (bit % 64);
    }
}

static bool written(const VsProcess *process, const VsWriteWatch *w, uint64_t vpn)
{
    uint64_t bit = vpn - w->start_vpn;
    uint64_t pte = vs_pt_read(process, vpn);
    return (w->bits[bit / 64] >> (bit % 64) & 1) || (vs_pte_is_valid(pte) && (pte & VS_PTE_DIRTY));
}

/* Forgets that vpn was written: its bit, and its Dirty bit (moved into the frame's Modified). */
static void reset_page(VsProcess *process, VsWriteWatch *w, uint64_t vpn)
{
    uint64_t bit = vpn - w->start_vpn;
    w->bits[bit / 64] &= ~(1ull << (bit % 64));
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_pte_is_valid(pte) && (pte & VS_PTE_DIRTY)) {
        vs_capture_dirty(process, vs_pte_frame(pte));
        vs_pt_write(process, vpn, pte & ~VS_PTE_DIRTY);
    }
}

/* The write-watch bitmap that holds [base, base + size), inside one write-watch VAD. */
static VsStatus watched_range(VsProcess *process, uint64_t base, uint64_t size, VsWriteWatch **w,
                              uint64_t *first, uint64_t *last)
{
    const VsLayout *layout = process->system->layout;
    if (size == 0 || base > layout->highest_user_address ||
        layout->highest_user_address - base < size - 1)
        return STATUS_INVALID_PARAMETER;
    *first = vs_vpn(base);
    *last = vs_vpn(base + size - 1);
    VsVad *vad = vs_vad_find_conflict(&process->vad_root, *first, *last);
    if (!vad || !vad->write_watch || *first < vad->starting_vpn || *last > vad->ending_vpn ||
        !(*w = watch_of(process, *first)))
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

VsStatus VsNtGetWriteWatch(VsThread *caller, VsHandle handle, uint32_t flags, uint64_t base,
                           uint64_t size, uint64_t *addresses, uint64_t *count,
                           uint32_t *granularity)
{
    if (flags & ~(uint32_t)WRITE_WATCH_FLAG_RESET)
        return STATUS_INVALID_PARAMETER_3;
    VsProcess *process;
    VsStatus status = vs_reference_process(caller, handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    VsWriteWatch *w;
    uint64_t first, last, found = 0;
    if (!NT_SUCCESS(status = watched_range(process, base, size, &w, &first, &last)))
        return status;
    for (uint64_t vpn = first; vpn <= last && found < *count; vpn++) {
        if (!written(process, w, vpn))
            continue;
        addresses[found++] = vs_vpn_address(vpn);
        if (flags & WRITE_WATCH_FLAG_RESET)
            reset_page(process, w, vpn);
    }
    *count = found;
    *granularity = (uint32_t)VS_PAGE_SIZE;
    return STATUS_SUCCESS;
}

VsStatus VsNtResetWriteWatch(VsThread *caller, VsHandle handle, uint64_t base, uint64_t size)
{
    VsProcess *process;
    VsStatus status = vs_reference_process(caller, handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    VsWriteWatch *w;
    uint64_t first, last;
    if (!NT_SUCCESS(status = watched_range(process, base, size, &w, &first, &last)))
        return status;
    for (uint64_t vpn = first; vpn <= last; vpn++)
        reset_page(process, w, vpn);
    return STATUS_SUCCESS;
}

/* kernelbase: 0 on success, (UINT)-1 with the last error set on failure. */
uint32_t VsGetWriteWatch(VsThread *thread, uint32_t flags, uint64_t base, uint64_t size,
                         uint64_t *addresses, uint64_t *count, uint32_t *granularity)
{
    VsStatus status = VsNtGetWriteWatch(thread, VS_CURRENT_PROCESS, flags, base, size, addresses,
                                        count, granularity);
    if (NT_SUCCESS(status))
        return 0;
    vs_set_last_nt_error(thread, status);
    return UINT32_MAX;
}

uint32_t VsResetWriteWatch(VsThread *thread, uint64_t base, uint64_t size)
{
    VsStatus status = VsNtResetWriteWatch(thread, VS_CURRENT_PROCESS, base, size);
    if (NT_SUCCESS(status))
        return 0;
    vs_set_last_nt_error(thread, status);
    return UINT32_MAX;
}
