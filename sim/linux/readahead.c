/*
 * readahead.c - what a Linux page fault on a regular file reads into the page cache, and how the
 * open file learns that reading ahead does not pay (mm/filemap.c: do_read_fault's fault-around,
 * filemap_map_pages, filemap_fault, do_sync_mmap_readahead, do_async_mmap_readahead).
 *
 * A fault on a page the cache lacks reads more than that page: the read-ahead window centred on it
 * (mmap read-around), from it on under MADV_SEQUENTIAL, only the page under MADV_RANDOM, and in an
 * executable VMA from the page to the VMA's end (MADV_RANDOM or not: 6.16's exec read-around). The
 * open file description counts how often faults miss (file_ra_state.mmap_miss): each miss adds one,
 * and once the count passes MMAP_LOTSAMISS (100) a miss reads only its own page. Hits take it back
 * down: a read fault first maps what the cache holds around the page (fault-around, 64 KB), and
 * every cached page there counts as a hit; a fault that finds its page cached without mapping it
 * first (a write) counts one. The pages fault-around mapped take no fault when touched later, so
 * they count nothing then. So a file whose pages are punched out and then written back to, one by
 * one, stops being read ahead after 101 such writes; a few reads nearby start it again.
 *
 * Measured on Linux 6.18 with ext4 (starting from 50 misses): a write to a cached page -1, a
 * write that misses +1, a read of a cached page in a 32-page mapping -16 (the whole fault-around
 * window), in a one-page mapping -1, a read that misses in a one-page mapping 0 (+1, then the
 * retry maps the page it read: -1), in a 32-page mapping -30 (-15 around it, +1, -16 on retry).
 *
 * shmem (memfds, shm objects, shared anonymous memory) reads nothing ahead, but its VMAs fault
 * around as well (shmem's map_pages is filemap_map_pages): a read fault maps the pages the file
 * holds in memory around the page.
 *
 * Not modelled: PG_readahead marks and the asynchronous read-ahead they start (their window lies
 * past the end of any file a lesson or fuzz run makes), large folios, reclaim (and PG_workingset,
 * which keeps a refaulted page from counting as a hit), and the writeback thread, which holds a
 * page's lock for a moment and so can make fault-around skip it. The POSIX agent keeps reclaim and
 * writeback away from the scenario's files (verify/posix/agent/pagecache.c).
 */
#include "linux.h"

#define FAULT_AROUND_PAGES 16 /* fault_around_bytes, 64 KB */
#define MMAP_LOTSAMISS 100
#define PTRS_PER_PTE 512

/* The open file's read-ahead state, for a VMA of a regular file; NULL for anything else (shmem
 * reads nothing ahead, anonymous memory has no file). */
static VsOpenFile *regular_file(const VsVad *vad)
{
    VsOpenFile *open = vs_vma(vad)->vm_file;
    const VsFile *file = vs_vma_file(vad);
    return open && file && vs_file_kind(file) == VS_FILE_REGULAR ? open : NULL;
}

/* Maps one page around a read fault as fault-around does (filemap_map_pages: a page the page
 * cache holds, mapped read-only, with no read-ahead of its own): the core's fault alone, none of
 * the checks of an access. A page the kernel cannot map it skips. */
static void map_around(VsProcess *process, uint64_t vpn)
{
    uint64_t frame;
    (void)vs_resolve_fault(process, vpn, VS_READ_ACCESS, &frame);
}

/* Whether the page cache holds the file page vpn maps, below the end of the file: for a regular
 * file its cached pages, for shmem the pages its section holds in memory (a page in the page file
 * is in swap, which filemap_map_pages skips). */
static bool cache_holds(const VsVad *vad, uint64_t vpn)
{
    const VsFile *file = vs_vma_file(vad);
    if (vs_vma_beyond_eof(vad, vpn))
        return false;
    if (vs_file_kind(file) == VS_FILE_REGULAR)
        return vs_file_cached(file, vs_view_prototype_index(vad, vpn));
    return vs_pte_is_resident(vs_vma_prototype(vad, vpn));
}

/* Fault-around (do_fault_around, then filemap_map_pages): the 16-page block of the page table
 * around vpn, cut to the VMA and the page table. Every page of it the cache holds counts as a
 * hit, mapped already or not, and those no PTE maps yet are mapped now, so touching them later
 * takes no fault at all. Returns the hits. */
static uint64_t fault_around(VsProcess *process, const VsVad *vad, uint64_t vpn)
{
    uint64_t pte_off = vpn % PTRS_PER_PTE, vma_off = vpn - vad->starting_vpn;
    uint64_t from =
        vs_max(pte_off & ~(uint64_t)(FAULT_AROUND_PAGES - 1), pte_off - vs_min(pte_off, vma_off));
    uint64_t to = vs_min(vs_min(from + FAULT_AROUND_PAGES, PTRS_PER_PTE),
                         pte_off + vs_vma_pages(vad) - vma_off);
    uint64_t hits = 0;
    for (uint64_t at = from; at < to; at++) {
        uint64_t page_vpn = vpn - pte_off + at;
        if (!cache_holds(vad, page_vpn))
            continue;
        hits++;
        if (vs_pt_read(process, page_vpn) == 0)
            map_around(process, page_vpn);
    }
    return hits;
}

/* Fault-around in a regular file's VMA: its hits take the open file's miss count down. */
static void file_fault_around(VsProcess *process, VsOpenFile *open, const VsVad *vad, uint64_t vpn)
{
    uint64_t hits = fault_around(process, vad, vpn);
    open->mmap_miss = hits >= open->mmap_miss ? 0 : open->mmap_miss - (uint32_t)hits;
}

/* A miss (do_sync_mmap_readahead): what it reads, and the miss counted. MADV_RANDOM reads the page
 * alone and counts nothing, but not in an executable VMA; MADV_SEQUENTIAL reads the window from
 * the page on and counts nothing; else the miss counts, and past MMAP_LOTSAMISS reads the page
 * alone. An executable VMA reads from the page to the end of the VMA, at most a window (its
 * code is read at random and must not pull in what lies past its section); anything else reads
 * the window centred on the page (mmap read-around). */
static void sync_readahead(VsProcess *process, VsOpenFile *open, const VsVad *vad, uint64_t index)
{
    VsVmFlags vm_flags = vs_vma(vad)->vm_flags;
    uint64_t window = vs_readahead_pages(process->system), first = index;
    if ((vm_flags & (VS_VM_RAND_READ | VS_VM_EXEC)) == VS_VM_RAND_READ) {
        window = 1;
    } else if (!(vm_flags & VS_VM_SEQ_READ)) {
        if (open->mmap_miss < MMAP_LOTSAMISS * 10)
            open->mmap_miss++;
        if (open->mmap_miss > MMAP_LOTSAMISS) {
            window = 1; /* "Do we miss much more than hit in this file?" */
        } else if (vm_flags & VS_VM_EXEC) {
            uint64_t vma_end = vs_mapped_vad(vad)->first_prototype + vs_vma_pages(vad);
            window = vs_min(window, vma_end - index);
        } else {
            first = index > window / 2 ? index - window / 2 : 0;
        }
    }
    vs_file_readahead(open->file, first, window);
}

/*
 * Before the fault handler resolves an access to vpn, which a file VMA allows and no PTE maps:
 * reads into the page cache what the kernel's fault reads, and keeps the open file's miss count.
 * A read first faults around; a page past the end of the file then reads nothing (SIGBUS); a
 * cached page is a hit (for a read, fault-around mapped it); a miss reads ahead, and a read's
 * retry faults around once more with the page now cached. In a shmem VMA (memfd, shm object,
 * shared anonymous memory) a read faults around too, and nothing is read ahead or retried.
 */
void vs_readahead_fault(VsProcess *process, const VsVad *vad, uint64_t vpn, bool write)
{
    VsOpenFile *open = regular_file(vad);
    if (!open) {
        const VsFile *file = vs_vma_file(vad);
        if (!write && file && vs_file_kind(file) != VS_FILE_HUGETLB)
            fault_around(process, vad, vpn); /* shmem: its map_pages is filemap_map_pages */
        return;
    }
    uint64_t index = vs_view_prototype_index(vad, vpn);
    VsVmFlags vm_flags = vs_vma(vad)->vm_flags;
    if (!write)
        file_fault_around(process, open, vad, vpn);
    if (vs_vma_beyond_eof(vad, vpn))
        return;
    if (vs_file_cached(open->file, index)) {
        if (write && !(vm_flags & VS_VM_RAND_READ) && open->mmap_miss)
            open->mmap_miss--; /* do_async_mmap_readahead */
        return;
    }
    sync_readahead(process, open, vad, index);
    if (!write)
        file_fault_around(process, open, vad, vpn);
}
