/*
 * vadsim/events.h - what changed: the model appends typed events to a log its driver owns and
 * attached, and never calls out. Included by vadsim.h.
 */
#ifndef VADSIM_EVENTS_H
#define VADSIM_EVENTS_H

#include "vadsim/inspect.h"

/* ---- Events ------------------------------------------------------------------------------------ */

typedef enum VsEventKind {
    VS_EV_VAD_INSERTED,   /* a new VAD [vpn_start, vpn_end] */
    VS_EV_VAD_REMOVED,    /* the VAD [vpn_start, vpn_end] was deleted */
    VS_EV_VAD_TRIMMED,    /* VAD [old_start, old_end] now covers [vpn_start, vpn_end] */
    VS_EV_VAD_SPLIT,      /* VAD [old_start, old_end] lost [vpn_start, vpn_end] from its middle */
    VS_EV_RANGE_ROUNDED,  /* the request [address, address+size) became pages [vpn_start, vpn_end] */
    VS_EV_COMMITTED,      /* [vpn_start, vpn_end] committed with protection; pages charged */
    VS_EV_DECOMMITTED,    /* [vpn_start, vpn_end] decommitted; pages uncharged */
    VS_EV_PROTECTED,      /* [vpn_start, vpn_end] changed from old_protection to protection */
    VS_EV_TABLE_CREATED,  /* a page-table page at level, covering [vpn_start, vpn_end] */
    VS_EV_TABLE_FREED,    /* the table at level covering [vpn_start, vpn_end] became empty */
    VS_EV_DEMAND_ZERO_FAULT, /* page vpn_start got a zeroed frame (frame, taken from list) */
    VS_EV_SOFT_FAULT,     /* transition page vpn_start was made valid again in its frame, taken
                           * back from list (standby or modified) */
    VS_EV_HARD_FAULT,     /* page vpn_start was read from page-file slot into frame (from list) */
    VS_EV_GUARD_PAGE,     /* vpn_start's guard was consumed: STATUS_GUARD_PAGE_VIOLATION */
    VS_EV_ACCESS_VIOLATION, /* an access to vpn_start raised STATUS_ACCESS_VIOLATION */
    VS_EV_FRAME_RELEASED, /* page vpn_start's frame (frame) went back to the free list */
    VS_EV_PAGE_TRIMMED,   /* page vpn_start left the working set: frame went to list (standby or
                           * modified), its PTE to transition; age says how old it was */
    VS_EV_PAGE_WRITTEN,   /* the modified page writer wrote frame (page vpn_start of pid) to slot;
                           * it moved to standby */
    VS_EV_PAGE_REPURPOSED, /* standby frame was taken from page vpn_start of pid, whose PTE got
                            * its OriginalPte back (page-file slot, or demand zero when slot is 0) */
    VS_EV_PAGES_ZEROED,   /* the zero page thread moved pages frames from free to zeroed */
    VS_EV_WORKING_SET_AGED, /* a balance-set pass aged pid's working set (pages entries) */
    VS_EV_PAGES_RESET,    /* MEM_RESET: [vpn_start, vpn_end]'s contents are no longer wanted */
    VS_EV_SECTION_CREATED, /* section of size bytes was created; pages of commit charged */
    VS_EV_SECTION_DELETED, /* section's last reference went; pages of commit returned */
    VS_EV_SECTION_COMMITTED, /* [vpn_start, vpn_end] of a SEC_RESERVE view committed its
                              * section's pages (pages: newly charged) */
    VS_EV_VIEW_MAPPED,     /* [vpn_start, vpn_end] of pid now maps section from page slot */
    VS_EV_VIEW_UNMAPPED,   /* the view [vpn_start, vpn_end] of section is gone from pid */
    VS_EV_COPY_ON_WRITE,   /* the first store to copy-on-write page vpn_start of pid: a private
                            * frame (frame, from list) copied from the shared one (old_start) */
    VS_EV_RESET_UNDONE,   /* MEM_RESET_UNDO: [vpn_start, vpn_end] wanted again; pages of them had
                           * already lost their contents (0: the undo succeeded) */
    VS_EV_VIEW_FLUSHED,   /* FlushViewOfFile on [vpn_start, vpn_end] of section: pages written */
    VS_EV_PLACEHOLDER_RESERVED, /* a new placeholder VAD [vpn_start, vpn_end] */
    VS_EV_PLACEHOLDER_SPLIT,    /* placeholder [old_start, old_end] split: [vpn_start, vpn_end] is
                                 * a placeholder of its own, the rest stays one */
    VS_EV_PLACEHOLDERS_COALESCED, /* pages placeholders became one, [vpn_start, vpn_end] */
    VS_EV_PLACEHOLDER_REPLACED, /* placeholder [vpn_start, vpn_end] became private memory
                                 * (section 0) or a view of section, with protection */
    VS_EV_VMA_SPLIT,      /* Linux: VMA [old_start, old_end] split before page vpn_start */
    VS_EV_VMA_MERGED,     /* Linux: VMAs became one, [vpn_start, vpn_end]; [old_start, old_end] was
                           * the one absorbed */
    VS_EV_VMA_MOVED,      /* Linux mremap: [old_start, old_end] now lives at [vpn_start, vpn_end],
                           * its pages moved with it (pages of them) */
    VS_EV_ANON_VMA,       /* Linux: the VMA [vpn_start, vpn_end] got anon_vma number frame
                           * (pages 1: shared with a neighbour's) at its first private page */
    VS_EV_PAGES_DISCARDED, /* Linux MADV_DONTNEED/REMOVE, ftruncate: [vpn_start, vpn_end] lost
                            * its pages; pages of them were resident */
    VS_EV_PROCESS_FORKED, /* Linux fork: pid made child process frame (its pid) */
    VS_EV_VMA_PKEY,       /* Linux: the VMA [vpn_start, vpn_end] now has protection key frame
                           * (1: execute-only, PKRU denies loads and stores; 0: the default) */
    VS_EV_PKEY_FAULT,     /* Linux: an access to vpn_start was refused by its VMA's protection
                           * key frame, not by the page table: SIGSEGV (SEGV_PKUERR) */
    VS_EV_PLACEHOLDER_RESTORED, /* [vpn_start, vpn_end], released or unmapped, is a placeholder
                                 * again (keep last: tests walk the kinds up to it) */
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
