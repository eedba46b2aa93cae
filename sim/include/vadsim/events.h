/*
 * vadsim/events.h - what changed: the model appends typed events to a log its driver owns and
 * attached, and never calls out. Included by vadsim.h.
 */
#ifndef VADSIM_EVENTS_H
#define VADSIM_EVENTS_H

#include "vadsim/inspect.h"

/* ---- Events ---------------------------------------------------------------------------------- */

/* XX(kind, name): every event the model reports (VS_EV_kind) and the name the logs and the JSON
 * output give it. The NT core's come first, then the Linux personality's; PLACEHOLDER_RESTORED
 * is kept last, as tests walk the kinds up to it. */
#define VS_EVENT_KIND_MAP(XX)                                                                      \
    /* a new VAD [vpn_start, vpn_end] */                                                           \
    XX(VAD_INSERTED, "vad-inserted")                                                               \
    /* the VAD [vpn_start, vpn_end] was deleted */                                                 \
    XX(VAD_REMOVED, "vad-removed")                                                                 \
    /* VAD [old_start, old_end] now covers [vpn_start, vpn_end] */                                 \
    XX(VAD_TRIMMED, "vad-trimmed")                                                                 \
    /* VAD [old_start, old_end] lost [vpn_start, vpn_end] from its middle */                       \
    XX(VAD_SPLIT, "vad-split")                                                                     \
    /* the request [address, address+size) became pages [vpn_start, vpn_end] */                    \
    XX(RANGE_ROUNDED, "range-rounded")                                                             \
    /* [vpn_start, vpn_end] committed with protection; pages charged */                            \
    XX(COMMITTED, "committed")                                                                     \
    /* [vpn_start, vpn_end] decommitted; pages uncharged */                                        \
    XX(DECOMMITTED, "decommitted")                                                                 \
    /* [vpn_start, vpn_end] changed from old_protection to protection */                           \
    XX(PROTECTED, "protected")                                                                     \
    /* a page-table page at level, covering [vpn_start, vpn_end] */                                \
    XX(TABLE_CREATED, "table-created")                                                             \
    /* the table at level covering [vpn_start, vpn_end] became empty */                            \
    XX(TABLE_FREED, "table-freed")                                                                 \
    /* page vpn_start got a zeroed frame (frame, taken from list) */                               \
    XX(DEMAND_ZERO_FAULT, "demand-zero-fault")                                                     \
    /* transition page vpn_start was made valid again in its frame, taken back from list           \
     * (standby or modified) */                                                                    \
    XX(SOFT_FAULT, "soft-fault")                                                                   \
    /* page vpn_start was read from page-file slot into frame (from list) */                       \
    XX(HARD_FAULT, "hard-fault")                                                                   \
    /* vpn_start's guard was consumed: STATUS_GUARD_PAGE_VIOLATION */                              \
    XX(GUARD_PAGE, "guard-page")                                                                   \
    /* an access to vpn_start raised STATUS_ACCESS_VIOLATION */                                    \
    XX(ACCESS_VIOLATION, "access-violation")                                                       \
    /* page vpn_start's frame (frame) went back to the free list */                                \
    XX(FRAME_RELEASED, "frame-released")                                                           \
    /* page vpn_start left the working set: frame went to list (standby or modified), its PTE      \
     * to transition; age says how old it was */                                                   \
    XX(PAGE_TRIMMED, "page-trimmed")                                                               \
    /* the modified page writer wrote frame (page vpn_start of pid) to slot; it moved to           \
     * standby */                                                                                  \
    XX(PAGE_WRITTEN, "page-written")                                                               \
    /* standby frame was taken from page vpn_start of pid, whose PTE got its OriginalPte back      \
     * (page-file slot, or demand zero when slot is 0) */                                          \
    XX(PAGE_REPURPOSED, "page-repurposed")                                                         \
    /* the zero page thread moved pages frames from free to zeroed */                              \
    XX(PAGES_ZEROED, "pages-zeroed")                                                               \
    /* a balance-set pass aged pid's working set (pages entries) */                                \
    XX(WORKING_SET_AGED, "working-set-aged")                                                       \
    /* MEM_RESET: [vpn_start, vpn_end]'s contents are no longer wanted */                          \
    XX(PAGES_RESET, "pages-reset")                                                                 \
    /* section of size bytes was created; pages of commit charged */                               \
    XX(SECTION_CREATED, "section-created")                                                         \
    /* section's last reference went; pages of commit returned */                                  \
    XX(SECTION_DELETED, "section-deleted")                                                         \
    /* [vpn_start, vpn_end] of a SEC_RESERVE view committed its section's pages (pages: newly      \
     * charged) */                                                                                 \
    XX(SECTION_COMMITTED, "section-committed")                                                     \
    /* [vpn_start, vpn_end] of pid now maps section from page slot */                              \
    XX(VIEW_MAPPED, "view-mapped")                                                                 \
    /* the view [vpn_start, vpn_end] of section is gone from pid */                                \
    XX(VIEW_UNMAPPED, "view-unmapped")                                                             \
    /* the first store to copy-on-write page vpn_start of pid: a private frame (frame, from        \
     * list) copied from the shared one (old_start) */                                             \
    XX(COPY_ON_WRITE, "copy-on-write")                                                             \
    /* MEM_RESET_UNDO: [vpn_start, vpn_end] wanted again; pages of them had already lost their     \
     * contents (0: the undo succeeded) */                                                         \
    XX(RESET_UNDONE, "reset-undone")                                                               \
    /* FlushViewOfFile on [vpn_start, vpn_end] of section: pages written */                        \
    XX(VIEW_FLUSHED, "view-flushed")                                                               \
    /* a new placeholder VAD [vpn_start, vpn_end] */                                               \
    XX(PLACEHOLDER_RESERVED, "placeholder-reserved")                                               \
    /* placeholder [old_start, old_end] split: [vpn_start, vpn_end] is a placeholder of its        \
     * own, the rest stays one */                                                                  \
    XX(PLACEHOLDER_SPLIT, "placeholder-split")                                                     \
    /* pages placeholders became one, [vpn_start, vpn_end] */                                      \
    XX(PLACEHOLDERS_COALESCED, "placeholders-coalesced")                                           \
    /* placeholder [vpn_start, vpn_end] became private memory (section 0) or a view of             \
     * section, with protection */                                                                 \
    XX(PLACEHOLDER_REPLACED, "placeholder-replaced")                                               \
    /* Linux: VMA [old_start, old_end] split before page vpn_start */                              \
    XX(VMA_SPLIT, "vma-split")                                                                     \
    /* Linux: VMAs became one, [vpn_start, vpn_end]; [old_start, old_end] was the one absorbed */  \
    XX(VMA_MERGED, "vma-merged")                                                                   \
    /* Linux: the VMA [old_start, old_end] grew to [vpn_start, vpn_end] (mremap in place, or a     \
     * VM_GROWSDOWN stack grown down by a fault below it) */                                       \
    XX(VMA_GROWN, "vma-grown")                                                                     \
    /* Linux mremap: [old_start, old_end] now lives at [vpn_start, vpn_end], its pages moved       \
     * with it (pages of them) */                                                                  \
    XX(VMA_MOVED, "vma-moved")                                                                     \
    /* Linux: the VMA [vpn_start, vpn_end] got anon_vma number frame (pages 1: shared with a       \
     * neighbour's) at its first private page */                                                   \
    XX(ANON_VMA, "anon-vma")                                                                       \
    /* Linux MADV_DONTNEED/REMOVE, ftruncate: [vpn_start, vpn_end] lost its pages; pages of        \
     * them were resident */                                                                       \
    XX(PAGES_DISCARDED, "pages-discarded")                                                         \
    /* Linux fork: pid made child process frame (its pid) */                                       \
    XX(PROCESS_FORKED, "process-forked")                                                           \
    /* Linux: the VMA [vpn_start, vpn_end] now has protection key frame (pages 1: the process's    \
     * execute-only key, which PKRU denies loads and stores; 0: the default) */                    \
    XX(VMA_PKEY, "vma-pkey")                                                                       \
    /* Linux: an access to vpn_start was refused by its VMA's protection key frame, not by the     \
     * page table: SIGSEGV (SEGV_PKUERR); pages 1: the execute-only key */                         \
    XX(PKEY_FAULT, "pkey-fault")                                                                   \
    /* Linux pkey_alloc: pid allocated protection key frame, the calling thread's rights for it    \
     * pages (PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE) */                                          \
    XX(PKEY_ALLOCATED, "pkey-allocated")                                                           \
    /* Linux pkey_free: pid gave protection key frame back */                                      \
    XX(PKEY_FREED, "pkey-freed")                                                                   \
    /* Linux: the calling thread's PKRU now gives key frame the rights pages (pkey_set, or the     \
     * execute-only key denying data access) */                                                    \
    XX(PKRU_SET, "pkru-set")                                                                       \
    /* thread frame (its id) was created in pid with its TEB at address (size bytes) and its       \
     * stack reservation [vpn_start, vpn_end] */                                                   \
    XX(THREAD_CREATED, "thread-created")                                                           \
    /* thread frame ended with exit code pages; its stack and TEB were released */                 \
    XX(THREAD_EXITED, "thread-exited")                                                             \
    /* thread frame touched the guard page at address in its own stack: no exception; the stack    \
     * is committed [vpn_start, vpn_end] now, StackLimit at vpn_start */                           \
    XX(STACK_GROWN, "stack-grown")                                                                 \
    /* thread frame touched the guard page at address with no room left below: the stack is        \
     * committed [vpn_start, vpn_end], without a guard, and the access raises                      \
     * STATUS_STACK_OVERFLOW */                                                                    \
    XX(STACK_OVERFLOW, "stack-overflow")                                                           \
    /* thread frame made the pages from address up to vpn_start guard pages of its own stack,      \
     * above StackLimit: StackLimit moved up to vpn_start, the stack [vpn_start, vpn_end] */       \
    XX(STACK_SHRUNK, "stack-shrunk")                                                               \
    /* thread frame wrote its TEB's stack fields: DeallocationStack address, StackLimit at         \
     * vpn_start, StackBase after vpn_end */                                                       \
    XX(STACK_FIELDS_SET, "stack-fields-set")                                                       \
    /* [vpn_start, vpn_end] of pid is one large page: its PDE maps frames [frame, frame + pages),  \
     * physically contiguous, zeroed, locked */                                                    \
    XX(LARGE_PAGE_MAPPED, "large-page-mapped")                                                     \
    /* the large page [vpn_start, vpn_end] of pid is unmapped; frames [frame, frame + pages) went  \
     * to the free list */                                                                         \
    XX(LARGE_PAGE_FREED, "large-page-freed")                                                       \
    /* no run of pages free frames on a large-page boundary for [vpn_start, vpn_end] of pid, even  \
     * after emptying the working sets: the longest row of free frames is size frames from frame,  \
     * of address free frames in all */                                                            \
    XX(LARGE_PAGES_UNAVAILABLE, "large-pages-unavailable")                                         \
    /* [vpn_start, vpn_end], released or unmapped, is a placeholder again */                       \
    XX(PLACEHOLDER_RESTORED, "placeholder-restored")                                               \
    /* AllocateUserPhysicalPages gave pid pages frames (size asked; frame the first), zeroed and   \
     * locked, one page of system commit each */                                                   \
    XX(AWE_ALLOCATED, "awe-allocated")                                                             \
    /* FreeUserPhysicalPages gave pages of pid's frames back (size named; frame of them were still \
     * mapped, and unmapped first) */                                                              \
    XX(AWE_FREED, "awe-freed")                                                                     \
    /* [vpn_start, vpn_end] of pid's AWE window now maps frames [frame, frame + pages); size of    \
     * its pages mapped other frames before */                                                     \
    XX(AWE_MAPPED, "awe-mapped")                                                                   \
    /* pages of [vpn_start, vpn_end] of pid's AWE window stopped mapping their frames, which stay  \
     * the process's */                                                                            \
    XX(AWE_UNMAPPED, "awe-unmapped")                                                               \
    /* a fault of pid's personality mapped [vpn_start, vpn_end] as one large page of its private   \
     * memory (Linux: a transparent huge page): its PDE maps frames [frame, frame + pages),        \
     * physically contiguous and zeroed */                                                         \
    XX(LARGE_PAGE_FAULTED, "large-page-faulted")                                                   \
    /* the private large page [vpn_start, vpn_end] of pid is split: a page table maps its frames   \
     * [frame, frame + pages) one by one, as ordinary pages in its working set */                  \
    XX(LARGE_PAGE_SPLIT, "large-page-split")                                                       \
    /* pid prefetched vpn_start: its page, only in page-file slot slot, was read into frame,       \
     * left on the standby list (the PTE in transition, the working set untouched) */              \
    XX(PAGE_PREFETCHED, "page-prefetched")                                                         \
    /* pid's execute options became protection (MEM_EXECUTE_OPTION_* bits), from old_protection */ \
    XX(EXECUTE_OPTIONS, "execute-options")                                                         \
    /* an instruction fetch at address in pid met the NX bit of page vpn_start (protection) and    \
     * went on: frame 0, the 32-bit process runs with DEP off (NX is cleared in that PTE, unless   \
     * it is a large or AWE page's); frame 1-5, the kernel emulated                                \
     * the ATL thunk of that form there instead of raising */                                      \
    XX(EXECUTE_ALLOWED, "execute-allowed")                                                         \
    /* [vpn_start, vpn_end] of pid offered (OfferVirtualMemory) with priority frame: inaccessible, \
     * out of the working set, clean; pages of them held contents */                               \
    XX(PAGES_OFFERED, "pages-offered")                                                             \
    /* [vpn_start, vpn_end] of pid reclaimed (ReclaimVirtualMemory): protections back; pages of    \
     * them had their contents discarded meanwhile */                                              \
    XX(PAGES_RECLAIMED, "pages-reclaimed")                                                         \
    /* [vpn_start, vpn_end] of pid discarded (DiscardVirtualMemory): still committed, the          \
     * contents gone, every page demand zero */                                                    \
    XX(MEMORY_DISCARDED, "memory-discarded")                                                       \
    /* a load of pid's personality mapped [vpn_start, vpn_end] read-only as a zero large page      \
     * (Linux's huge zero page): frames [frame, frame + pages), zeroed, none of them written */    \
    XX(HUGE_ZERO_MAPPED, "huge-zero-mapped")                                                       \
    /* a store to the zero large page [vpn_start, vpn_end] of pid made it a large page of its own  \
     * (Linux: a transparent huge page in place of the huge zero page), frames [frame, +pages) */  \
    XX(HUGE_ZERO_REPLACED, "huge-zero-replaced")                                                   \
    /* pid's personality made the pages of [vpn_start, vpn_end] one large page (Linux:             \
     * MADV_COLLAPSE): their bytes copied into frames [frame, frame + pages), which one PDE maps   \
     */                                                                                            \
    XX(LARGE_PAGE_COLLAPSED, "large-page-collapsed")                                               \
    /* an I/O request of pid's left pending by its driver (a pipe's read: nothing queued to read;  \
     * a listen: no client yet): address, size the buffer and its length (0, 0 for a listen),      \
     * frame the IO_STATUS_BLOCK's address (an OVERLAPPED's), 0 for none; [vpn_start, vpn_end]     \
     * the buffer's pages */                                                                       \
    XX(IO_PENDING, "io-pending")                                                                   \
    /* a request left pending completed: size the bytes it moved, protection its status, frame     \
     * and address as for io-pending; the status and count are in the IO_STATUS_BLOCK now and its  \
     * event is set */                                                                             \
    XX(IO_COMPLETED, "io-completed")                                                               \
    /* pid's large page [vpn_start, vpn_end] is shared: its PDE, write-protected, maps the pages   \
     * [old_start, old_end] of section (frames [frame, frame + pages)), which other processes map  \
     * too (Linux: a transparent huge page fork left in parent and child, copy_huge_pmd) */        \
    XX(LARGE_PAGE_SHARED, "large-page-shared")                                                     \
    /* a store found pid the only process mapping the shared large page [vpn_start, vpn_end]: its  \
     * frames [frame, frame + pages) are its own again, whole and writable (Linux:                 \
     * do_huge_pmd_wp_page reusing an exclusive huge page) */                                      \
    XX(LARGE_PAGE_REUSED, "large-page-reused")

typedef enum VsEventKind {
#define VS_DEFINE_EVENT_KIND(kind, name) VS_EV_##kind,
    VS_EVENT_KIND_MAP(VS_DEFINE_EVENT_KIND)
#undef VS_DEFINE_EVENT_KIND
} VsEventKind;

typedef struct VsEvent {
    VsEventKind kind;
    uint32_t pid;
    uint64_t vpn_start, vpn_end; /* inclusive page range the event is about */
    uint64_t old_start, old_end; /* the VAD before a trim or split (inclusive pages) */
    uint64_t address, size;      /* the caller's request, for VS_EV_RANGE_ROUNDED */
    uint64_t pages;              /* commit charged or returned, in pages; for faults and trims,
                                  * the working set's size after; pages zeroed, entries aged */
    uint32_t protection;         /* PAGE_* */
    uint32_t old_protection;     /* PAGE_* before VS_EV_PROTECTED */
    uint32_t level;              /* page-table level (0 = top) for the table events */
    uint64_t frame;              /* page frame number for the fault and frame events */
    uint64_t slot;               /* page-file slot (hard fault, page written, repurposed) */
    VsPageLocation list;         /* the list a frame came from or went to */
    uint32_t age;                /* a trimmed page's age */
    bool write;                  /* the access was a store (fault events) */
    bool execute;                /* the access was an instruction fetch (fault events) */
    uint32_t section;            /* the section concerned (0: none); for a section page's frame
                                  * events, vpn_start is the page's index in it */
    bool mapped_file;            /* the section maps a file: faults read it, writes go back to it */
} VsEvent;

/*
 * An event log the caller owns and attaches; the model appends to it and never calls out. Read
 * events[0..count), then vs_event_log_clear. lost counts events the model could not store.
 */
typedef struct VsEventLog {
    VsEvent *events;
    size_t count;
    size_t capacity;
    size_t lost;
} VsEventLog;

void vs_system_attach_log(VsSystem *system, VsEventLog *log); /* NULL detaches */
void vs_event_log_clear(VsEventLog *log);
void vs_event_log_free(VsEventLog *log);
const char *vs_event_kind_name(VsEventKind kind);

#endif /* VADSIM_EVENTS_H */
