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

/* ---- The bitmap: a sparse array of 64-bit words (sparse.c), so a reservation of any size costs
 * a word only where a page was written ------------------------------------------------------- */

static bool bit_test(const VsWriteWatch *w, uint64_t bit)
{
    return vs_sparse_get(&w->bits, bit / 64) >> (bit % 64) & 1;
}

/* Sets or clears one bit. False only when the host has no memory for a new word. */
static bool bit_set(VsWriteWatch *w, uint64_t bit, bool on)
{
    uint64_t word = vs_sparse_get(&w->bits, bit / 64), mask = 1ull << (bit % 64);
    return vs_sparse_set(&w->bits, bit / 64, on ? word | mask : word & ~mask);
}

/* The first set bit in [bit, last]; last + 1 if none. A step per word that holds a bit. */
static uint64_t bit_next(const VsWriteWatch *w, uint64_t bit, uint64_t last)
{
    for (uint64_t word = vs_sparse_next(&w->bits, bit / 64, last / 64); word <= last / 64;
         word = vs_sparse_next(&w->bits, word + 1, last / 64)) {
        uint64_t bits = vs_sparse_get(&w->bits, word);
        if (word == bit / 64)
            bits &= ~0ull << (bit % 64);
        if (bits) {
            uint64_t found = word * 64 + (uint64_t)__builtin_ctzll(bits);
            return found <= last ? found : last + 1;
        }
    }
    return last + 1;
}

uint64_t vs_write_watch_bytes(const VsWriteWatch *w) { return vs_sparse_bytes(&w->bits); }

bool vs_write_watch_create(VsProcess *process, uint64_t start_vpn, uint64_t pages)
{
    VsWriteWatch *grown = realloc(process->watches, (process->watch_count + 1) * sizeof *grown);
    if (!grown)
        return false;
    process->watches = grown;
    VsWriteWatch *w = &process->watches[process->watch_count++];
    *w = (VsWriteWatch){.start_vpn = start_vpn, .pages = pages};
    vs_sparse_init(&w->bits, 0);
    return true;
}

void vs_write_watch_fini(VsProcess *process)
{
    for (size_t i = 0; i < process->watch_count; i++)
        vs_sparse_fini(&process->watches[i].bits);
    free(process->watches);
    process->watches = NULL;
    process->watch_count = 0;
}

/* A new bitmap for [start_vpn, end_vpn] with the bits of w there, at a step per bit set. */
static bool carve(VsProcess *process, const VsWriteWatch *w, uint64_t start_vpn, uint64_t end_vpn)
{
    if (!vs_write_watch_create(process, start_vpn, end_vpn - start_vpn + 1))
        return false;
    VsWriteWatch *piece = &process->watches[process->watch_count - 1];
    uint64_t last = end_vpn - w->start_vpn;
    for (uint64_t from = bit_next(w, start_vpn - w->start_vpn, last); from <= last;
         from = bit_next(w, from + 1, last))
        if (!bit_set(piece, from + w->start_vpn - start_vpn, true))
            return false;
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
            vs_sparse_fini(&process->watches[--process->watch_count].bits);
        return false;
    }
    vs_sparse_fini(&w.bits);
    process->watches[index] = process->watches[--process->watch_count];
    return true;
}

/* MiCaptureWriteWatchDirtyBit: a Dirty bit about to be cleared is recorded in the bitmap (lost
 * only if the host has no memory for the bitmap's word). */
void vs_write_watch_capture(VsProcess *process, uint64_t vpn)
{
    VsWriteWatch *w = watch_of(process, vpn);
    if (w)
        bit_set(w, vpn - w->start_vpn, true);
}

/*
 * VirtualProtect over pages of a write-watch VAD: as each valid PTE is rewritten its Dirty bit is
 * captured, into the frame (Modified) and into the bitmap (MiProtectVirtualMemory rewrites valid
 * PTEs through MiFlushTbAndCapture, which calls MiCaptureWriteWatchDirtyBit). A store made before
 * the call is then remembered by the bitmap, which a decommit leaves alone, while a store made
 * after it lives in the Dirty bit only and goes with the page. Windows shows exactly this: Wine's
 * kernel32 test_write_watch (L2307-2357) writes page 3, re-protects pages 0-5, writes page 5 and
 * decommits everything, and GetWriteWatch still reports page 3 alone.
 */
void vs_write_watch_capture_range(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    for (uint64_t vpn = vs_pt_next_present(process, start_vpn, end_vpn); vpn <= end_vpn;
         vpn = vs_pt_next_present(process, vpn + 1, end_vpn)) {
        uint64_t pte = vs_pt_read(process, vpn);
        if (!vs_pte_is_valid(pte) || !(pte & VS_PTE_DIRTY))
            continue;
        vs_capture_dirty(process, vs_pte_frame(pte));
        vs_write_watch_capture(process, vpn);
        vs_pt_write(process, vpn, pte & ~VS_PTE_DIRTY);
    }
}

/*
 * A successful VirtualLock of pages of a write-watch VAD counts as a write of each page it could
 * write (Windows 8.1 and later: Wine's kernel32 test_guard_page, L2717-2734, locks a read-write
 * page and GetWriteWatch then reports it; Windows 8 reported nothing). A failed lock marks nothing.
 */
void vs_write_watch_mark_locked(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn)
{
    for (uint64_t vpn = start_vpn; vpn <= end_vpn; vpn++) {
        uint64_t pte = vs_pt_read(process, vpn);
        if (vs_pte_is_valid(pte) && vs_mm_writable(vs_valid_protection(process, vpn, pte)))
            vs_write_watch_capture(process, vpn);
    }
}

static bool written(const VsProcess *process, const VsWriteWatch *w, uint64_t vpn)
{
    uint64_t pte = vs_pt_read(process, vpn);
    return bit_test(w, vpn - w->start_vpn) || (vs_pte_is_valid(pte) && (pte & VS_PTE_DIRTY));
}

/* Forgets that vpn was written: its bit, and its Dirty bit (moved into the frame's Modified). */
static void reset_page(VsProcess *process, VsWriteWatch *w, uint64_t vpn)
{
    bit_set(w, vpn - w->start_vpn, false); /* clearing a bit cannot fail */
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_pte_is_valid(pte) && (pte & VS_PTE_DIRTY)) {
        vs_capture_dirty(process, vs_pte_frame(pte));
        vs_pt_write(process, vpn, pte & ~VS_PTE_DIRTY);
    }
}

/* The first page in [vpn, last] that may have been written: its bit is set, or its leaf page table
 * exists (a valid page's Dirty bit); last + 1 if none. Untouched runs cost nothing. */
static uint64_t next_written(const VsProcess *process, const VsWriteWatch *w, uint64_t vpn,
                             uint64_t last)
{
    uint64_t bit = bit_next(w, vpn - w->start_vpn, last - w->start_vpn) + w->start_vpn;
    return vs_min(bit, vs_pt_next_present(process, vpn, last));
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

/*
 * NtGetWriteWatch's checks before it looks at the process, in WRK's order: the flags, the range
 * inside user space, then the caller's pointers as the probes meet them: the count (a NULL one is
 * STATUS_ACCESS_VIOLATION), a count of 0 (STATUS_INVALID_PARAMETER_5: no room at all), the array
 * (NULL with room asked for faults) and the granularity. kernel32's test_write_watch
 * (L2106-2137) shows the order through GetWriteWatch: count 0 with an array, NULL count, NULL
 * granularity, NULL array with count 64, NULL array with count 0 give 87, 998, 998, 998, 87.
 */
static VsStatus check_get_arguments(const VsLayout *layout, uint32_t flags, uint64_t base,
                                    uint64_t size, const uint64_t *addresses, const uint64_t *count,
                                    const uint32_t *granularity)
{
    if (flags & ~(uint32_t)WRITE_WATCH_FLAG_RESET)
        return STATUS_INVALID_PARAMETER_2; /* the flags are the second argument (WRK) */
    if (base > layout->highest_user_address)
        return STATUS_INVALID_PARAMETER_2;
    if (layout->highest_user_address - base + 1 < size)
        return STATUS_INVALID_PARAMETER_3;
    if (!count)
        return STATUS_ACCESS_VIOLATION;
    if (*count == 0)
        return STATUS_INVALID_PARAMETER_5;
    if (!addresses || !granularity)
        return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

/*
 * NtGetWriteWatch: up to *count pages of [base, base + size) written since the last reset, in
 * address order, into addresses; *count becomes how many, *granularity the page size (both only on
 * success). WRITE_WATCH_FLAG_RESET resets the pages reported, and only those: with room for one,
 * the second written page stays reported (test_write_watch L1850-1861). Statuses: the argument
 * checks above, the handle's, then STATUS_INVALID_PARAMETER for a range not inside one write-watch
 * reservation.
 */
VsStatus VsNtGetWriteWatch(VsThread *caller, VsHandle handle, uint32_t flags, uint64_t base,
                           uint64_t size, uint64_t *addresses, uint64_t *count,
                           uint32_t *granularity)
{
    const VsLayout *layout = caller->process->system->layout;
    VsStatus status = check_get_arguments(layout, flags, base, size, addresses, count, granularity);
    if (!NT_SUCCESS(status))
        return status;
    VsProcess *process;
    status = vs_reference_process(caller, handle, VS_ACCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    VsWriteWatch *w;
    uint64_t first, last, found = 0;
    if (!NT_SUCCESS(status = watched_range(process, base, size, &w, &first, &last)))
        return status;
    for (uint64_t vpn = next_written(process, w, first, last); vpn <= last && found < *count;
         vpn = next_written(process, w, vpn + 1, last)) {
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
    for (uint64_t vpn = next_written(process, w, first, last); vpn <= last;
         vpn = next_written(process, w, vpn + 1, last))
        reset_page(process, w, vpn);
    return STATUS_SUCCESS;
}
