/*
 * vadsim/inspect.h - the readers: what a driver may look at in the model without changing it (the
 * VAD tree, page tables, the PFN database, working sets, sections and who maps them, counters),
 * and the invariant checker. Included by vadsim.h.
 */
#ifndef VADSIM_INSPECT_H
#define VADSIM_INSPECT_H

#include "vadsim/nt.h"

/* Counters of one address space (models the EPROCESS fields of the same names). */
typedef struct VsProcessCounters {
    uint64_t commit_charge;    /* pages of private memory committed (EPROCESS CommitCharge) */
    uint64_t page_table_pages; /* page-table pages at every level, the top one included */
    uint64_t vad_count;        /* nodes in the VAD tree, the KUSER_SHARED_DATA VAD included */
} VsProcessCounters;

void vs_process_counters(const VsProcess *process, VsProcessCounters *out);

/*
 * The host memory the model holds, by what holds it (the model's own bookkeeping, not the host's
 * heap: what a size argument could make grow). Counted when asked: a walk of the sections, files,
 * processes and frames, not of any page range.
 */
typedef struct VsHostBytes {
    uint64_t frames;      /* the PFN database, and the 4 KB of every frame ever written */
    uint64_t page_tables; /* every process's page tables and the table store */
    uint64_t vads;        /* the pools of short and long VADs */
    uint64_t sections;    /* section objects and their prototype PTEs */
    uint64_t files;       /* files' written pages and the sets of pages kept of them */
    uint64_t pagefile;    /* the page file's bitmap and the pages written to it */
    uint64_t processes;   /* process objects, threads, handle tables, working sets, write watch,
                           * and what a personality holds of them (descriptor tables) */
    uint64_t total;
} VsHostBytes;

void vs_system_host_bytes(const VsSystem *system, VsHostBytes *out);

/* ---- Reading the VAD tree -------------------------------------------------------------------- */

/* What a VAD describes. Windows encodes this in MMVAD_FLAGS (PrivateMemory, VadType, NoChange). */
typedef enum VsVadKind {
    VS_VAD_PRIVATE,          /* VirtualAlloc memory: PrivateMemory = 1, VadNone */
    VS_VAD_SHARED_USER_DATA, /* the KUSER_SHARED_DATA VAD: private, NoChange, never freed */
    VS_VAD_MAPPED,           /* a view of a section: PrivateMemory = 0, an MMVAD with its section */
    VS_VAD_PLACEHOLDER,      /* a free placeholder: reserved, PAGE_NOACCESS, never committed */
} VsVadKind;

typedef struct VsVadInfo {
    uint64_t starting_vpn; /* first page, inclusive */
    uint64_t ending_vpn;   /* last page, inclusive */
    VsVadKind kind;
    uint32_t protection;    /* the allocation protection as PAGE_* */
    uint64_t commit_charge; /* pages of commit this VAD holds */
    bool mem_commit;        /* committed whole at reserve time: zero PTEs mean committed */
    bool private_memory;
    bool no_change;
    bool placeholder;         /* a placeholder, or made from one: releasing it may leave one */
    bool large_pages;         /* MEM_LARGE_PAGES memory: mapped by large PDEs, locked */
    int balance;              /* AVL balance: height(right) - height(left), -1..1 */
    uint32_t level;           /* depth of this node, the root being 0 */
    uint32_t section;         /* a view's section id (0 for private memory) */
    uint64_t first_prototype; /* a view's first page, as an index into its section's pages */
} VsVadInfo;

typedef struct VsVadTreeShape {
    uint64_t count;
    uint32_t depth; /* levels in the tree: 0 when empty, 1 for a lone root */
} VsVadTreeShape;

const VsVad *vs_vad_first(const VsProcess *process); /* lowest VAD (in-order walk) */
const VsVad *vs_vad_next(const VsVad *vad);
const VsVad *vs_vad_root(const VsProcess *process);
const VsVad *vs_vad_left(const VsVad *vad);
const VsVad *vs_vad_right(const VsVad *vad);
void vs_vad_info(const VsVad *vad, VsVadInfo *out);
void vs_vad_tree_shape(const VsProcess *process, VsVadTreeShape *out);
/* The VAD containing the address, or NULL (models MiLocateAddress; uses and updates the hint). */
const VsVad *vs_vad_lookup(VsProcess *process, uint64_t address);

/* ---- Reading page tables --------------------------------------------------------------------- */

/* What one PTE says, decoded (models the states of MMPTE, WRK mm/amd64/miamd.h). */
typedef enum VsPteState {
    VS_PTE_STATE_ZERO,        /* all bits 0: "ask the VAD" */
    VS_PTE_STATE_DEMAND_ZERO, /* committed, never touched: protection only */
    VS_PTE_STATE_DECOMMITTED, /* protection MM_DECOMMIT: not committed even in a MemCommit VAD */
    VS_PTE_STATE_VALID,       /* hardware-valid: maps a frame (a page, or above the leaf a table) */
    VS_PTE_STATE_TRANSITION,  /* invalid, but the page is still in its frame (a soft fault away) */
    VS_PTE_STATE_PAGEFILE,    /* the page is only in a page-file slot (a hard fault away) */
    VS_PTE_STATE_PROTOTYPE,   /* a view's page: its prototype PTE (found through the VAD) says
                               * where it is; the protection is this process's */
} VsPteState;

typedef struct VsPteLevel {
    bool present;   /* the table at this level exists */
    uint32_t index; /* index of the entry within its table */
    uint64_t table; /* the table's page number in the page-table store */
    uint64_t entry; /* the raw 64-bit entry */
} VsPteLevel;

/* A !pte-style walk for one address: levels[0] is the top (PXE on x64, PDE on x86). */
typedef struct VsPteWalk {
    uint32_t levels;
    VsPteLevel level[4];
    uint32_t protection; /* PAGE_* of the page when its leaf PTE is valid (a private frame's
                          * OriginalPte, a shared one's working-set entry), else 0 */
    bool large;          /* the PDE maps a large page: the walk stopped there, no PTE level */
    uint64_t frame;      /* the frame holding the page when it is valid (under a large PDE,
                          * the large page's first frame plus the page's offset) */
} VsPteWalk;

void vs_pte_walk(const VsProcess *process, uint64_t address, VsPteWalk *out);
VsPteState vs_pte_state(uint64_t entry);
/* PAGE_* protection a software or transition PTE carries; 0 for a valid one (the protection of a
 * resident page is in its PFN entry's OriginalPte, vs_page_frame_info). */
uint32_t vs_pte_protection(uint64_t entry);
uint64_t vs_pte_frame_number(uint64_t entry);     /* the frame a valid or transition PTE names */
uint64_t vs_pte_pagefile_slot_of(uint64_t entry); /* the slot a page-file PTE names, else 0 */
bool vs_pte_accessed(uint64_t entry);             /* a valid PTE's Accessed bit */
bool vs_pte_dirty(uint64_t entry);                /* a valid PTE's Dirty bit */
bool vs_pte_no_execute(uint64_t entry);           /* a valid PTE's NoExecute (NX) bit */

/* ---- Physical memory (the PFN database) ------------------------------------------------------ */

/* MMLISTS (WRK inc/mm.h): where a frame is. The numbers are Windows' PageLocation values; 4 is
 * ModifiedNoWrite, which the model does not have (it orders no file-system writes). */
typedef enum VsPageLocation {
    VS_PAGE_ZEROED = 0,   /* on the zeroed list (or never used): ready for a demand-zero fault */
    VS_PAGE_FREE = 1,     /* on the free list: its old contents must be zeroed before reuse */
    VS_PAGE_STANDBY = 2,  /* on the standby list: clean, still its page's (a soft fault takes it
                           * back), or repurposed when memory is needed */
    VS_PAGE_MODIFIED = 3, /* on the modified list: dirty, to be written to the page file first */
    VS_PAGE_BAD = 5,      /* on the bad list: never used again */
    VS_PAGE_ACTIVE = 6,   /* ActiveAndValid: mapped by a valid PTE, or a page table */
} VsPageLocation;

typedef struct VsFrameInfo {
    VsPageLocation location;
    uint32_t pid;           /* the owner of an active frame, or of the page a list frame holds */
    uint64_t vpn;           /* the page that maps it (PteAddress); a page table's first page */
    uint32_t protection;    /* PAGE_* from OriginalPte */
    uint64_t pagefile_slot; /* the page-file slot OriginalPte names (a clean copy), or 0 */
    uint32_t share_count;   /* valid PTEs mapping it */
    uint32_t reference_count;
    bool modified;    /* newer than any page-file copy */
    bool page_table;  /* the frame holds a page table of process pid */
    bool large_page;  /* one frame of a large page of process pid, mapped by its PDE */
    bool awe;         /* a frame process pid owns through AllocateUserPhysicalPages; vpn is the
                       * page mapping it, or UINT64_MAX while it is mapped nowhere */
    uint32_t section; /* a section page's section (pid is 0 then, vpn the page's index) */
} VsFrameInfo;

typedef struct VsMemoryCounters {
    uint64_t total_pages, zeroed_pages, free_pages, standby_pages, modified_pages, bad_pages,
        active_pages;
    uint64_t available_pages; /* zeroed + free + standby */
    uint64_t pagefile_pages, pagefile_used, pagefile_peak;
    uint64_t commit_total, commit_limit, commit_peak; /* system commit charge, pages */
    uint64_t ticks;                                   /* balance-set passes so far */
} VsMemoryCounters;

void vs_memory_counters(const VsSystem *system, VsMemoryCounters *out);
bool vs_page_frame_info(const VsSystem *system, uint64_t frame, VsFrameInfo *out);
/* The byte at offset in frame, as a valid PTE naming the frame reads it, without touching a PTE,
 * a working set or an Accessed bit (a debugger's !db of physical memory); false when frame or
 * offset is out of range. */
bool vs_page_frame_byte(const VsSystem *system, uint64_t frame, uint32_t offset, uint8_t *out);
/* "zeroed", "free", "standby", "modified", "bad", "active". */
const char *vs_page_location_name(VsPageLocation location);

/* ---- Working sets ---------------------------------------------------------------------------- */

typedef struct VsWorkingSetInfo {
    uint64_t size, peak;       /* resident pages now, and the most ever */
    uint64_t minimum, maximum; /* pages */
    uint64_t page_faults;      /* PageFaultCount: demand-zero, soft and hard faults */
} VsWorkingSetInfo;

typedef struct VsWorkingSetEntry {
    uint64_t vpn;
    uint64_t frame;
    uint32_t age; /* 0..3 */
    bool locked;
    bool shared; /* a section page: other processes may map the frame too */
} VsWorkingSetEntry;

void vs_process_working_set(const VsProcess *process, VsWorkingSetInfo *out);
/* Entry index of the process's working-set list (0 .. size-1); false past the end. */
bool vs_process_working_set_entry(const VsProcess *process, uint64_t index, VsWorkingSetEntry *out);

/* Short level names as !pte prints them: "PXE", "PPE", "PDE", "PTE". */
const char *vs_pte_level_name(const VsProcess *process, uint32_t level);

/* ---- Sections -------------------------------------------------------------------------------- */

/* What a section is, for `show section` (SECTION_BASIC_INFORMATION and the segment's counts). */
typedef struct VsSectionInfo {
    uint32_t id;
    const char *name; /* "" when unnamed */
    uint64_t size, pages;
    uint32_t protection; /* PAGE_* */
    uint32_t attributes; /* SEC_COMMIT or SEC_RESERVE (pagefile), SEC_FILE (a file's) */
    uint64_t committed_pages;
    uint32_t handles, views;
    bool large_pages; /* SEC_LARGE_PAGES: resident in large-page runs, views mapped by PDEs */
} VsSectionInfo;

/* A section object over a control area (SECTION, section.c): the size it was made with, which
 * NtQuerySection reads and a whole view maps, its handles and its name. */
typedef struct VsSectionObjectInfo {
    uint64_t size;    /* SizeOfSection, in bytes */
    uint32_t handles; /* open handles naming it */
    const char *name; /* "" when unnamed */
    bool this_handle; /* the object the handle asked about names */
} VsSectionObjectInfo;

/* The section objects over the control area of the section the handle names, newest first: up to
 * room of them in out. Returns how many there are (0 when the handle names no section). */
size_t vs_section_objects(VsThread *thread, VsHandle handle, VsSectionObjectInfo *out, size_t room);

/* An image section's headers and subsections (image.c), as !ca and dt _SUBSECTION show them. */
typedef struct VsImageInfo {
    uint64_t image_base, size_of_image; /* the headers' ImageBase and SizeOfImage */
    uint32_t entry_point;               /* AddressOfEntryPoint, an RVA (0: none) */
    uint16_t machine, characteristics, dll_characteristics;
    uint64_t commitment; /* the write-copy pages each view charges */
    bool flat;           /* SectionAlignment below a page: one write-copy subsection */
    uint32_t subsections;
} VsImageInfo;

typedef struct VsSubsectionInfo {
    const char *name;         /* the PE section's, "headers" for the first */
    uint64_t first_page;      /* its first page in the section */
    uint64_t pages;           /* its extent, VirtualSize rounded up to SectionAlignment */
    uint64_t committed_pages; /* VirtualSize in pages; the rest are not committed */
    uint64_t file_pages;      /* of the committed pages, those read from the file */
    uint32_t protection;      /* PAGE_*, from the section's characteristics */
    uint32_t characteristics; /* IMAGE_SCN_* */
} VsSubsectionInfo;

bool vs_section_image_info(const VsSection *section, VsImageInfo *out); /* false: not an image */
bool vs_section_subsection(const VsSection *section, uint32_t index, VsSubsectionInfo *out);
/* The subsection holding page index of an image section, or false. */
bool vs_section_subsection_at(const VsSection *section, uint64_t index, VsSubsectionInfo *out);

/* The rights a handle of the thread's process carries (HANDLE_TABLE_ENTRY GrantedAccess); false
 * when the handle names nothing. The pseudo-handle for the current process carries them all. */
bool vs_handle_access(VsThread *thread, VsHandle handle, uint32_t *access);
/* The section a handle of the thread's process names (no rights needed), or NULL. */
const VsSection *vs_handle_section(VsThread *thread, VsHandle handle);
const VsSection *vs_section_lookup(const VsSystem *system, uint32_t id);
void vs_section_info(const VsSection *section, VsSectionInfo *out);
/* A prototype PTE of the section (its raw value, as !pte prints it). */
uint64_t vs_section_prototype(const VsSection *section, uint64_t index);
/* The last index of the run of equal prototype PTEs that starts at index, up to the section's last
 * page: a run of untouched pages is found in one step, however long. */
uint64_t vs_section_prototype_run_end(const VsSection *section, uint64_t index);

/* ---- Who maps what: a section's pages and views, a frame's PTEs (for `show section`, `show pfn`)
 *
 * Read-only queries in the manner of WinDbg's !ca / !section (a control area's segment and its
 * mapped views) and !pfn (the PTEs that map a frame). They change nothing, the node hint included.
 * The arrays are the caller's: each call fills up to capacity entries and returns how many there
 * are, so a caller can size its array from the count (or from VsSectionInfo.views and a frame's
 * share count) and call once. */

/* What one prototype PTE says (models the states of an MMPTE in a SEGMENT's PTE array, which differ
 * from a process PTE's: no decommitted state, and the prototype format means "in the file"). */
typedef enum VsPrototypeState {
    VS_PROTO_NOT_COMMITTED, /* zero: a SEC_RESERVE page no view has committed yet */
    VS_PROTO_DEMAND_ZERO,   /* committed, never touched: the first fault gets a zeroed frame */
    VS_PROTO_IN_FILE,       /* MMPTE_SUBSECTION: the first fault reads the mapped file */
    VS_PROTO_VALID,         /* resident in frame, mapped by share_count valid process PTEs */
    VS_PROTO_TRANSITION,    /* resident in frame, on the standby or modified list: no view maps
                             * it valid, the next touch in any view is a soft fault */
    VS_PROTO_PAGEFILE,      /* only in a page-file slot: the next touch is a hard fault */
} VsPrototypeState;

typedef struct VsPrototypeInfo {
    VsPrototypeState state;
    uint64_t entry;         /* the raw prototype PTE */
    uint32_t protection;    /* PAGE_*: the page's protection in the section (OriginalPte's when
                             * it is resident); 0 when not committed */
    uint64_t frame;         /* VALID, TRANSITION: the frame holding the page; else 0 */
    uint64_t pagefile_slot; /* PAGEFILE: the slot holding it; else 0 */
} VsPrototypeInfo;

/* Decodes prototype PTE index of the section (Segment ThePtes[index]). False past its last page. */
bool vs_section_prototype_info(const VsSystem *system, const VsSection *section, uint64_t index,
                               VsPrototypeInfo *out);
/* The name of the file the section maps, or NULL for a pagefile-backed section (ControlArea
 * FilePointer). */
const char *vs_section_file_name(const VsSection *section);

/* One view of a section (the MMVAD of a mapped view, as !ca lists a control area's views). */
typedef struct VsSectionView {
    const VsProcess *process;
    uint64_t starting_vpn, ending_vpn; /* the view's pages, inclusive as in its VAD */
    uint64_t first_page;               /* the section page at starting_vpn (FirstPrototypePte) */
    uint32_t protection;               /* PAGE_*: the view's protection, from its VAD */
} VsSectionView;

/* Every view of the section in every process, in process creation order and, within a process,
 * in address order. Returns the number of views (the section's view count). */
size_t vs_section_views(const VsSystem *system, const VsSection *section, VsSectionView *out,
                        size_t capacity);

/* One process PTE naming a frame (what !pfn's PteAddress points at, for each process). */
typedef struct VsFrameMapping {
    const VsProcess *process;
    uint64_t address;    /* the virtual address of the page in that process */
    uint32_t protection; /* PAGE_*: the page's protection in that process */
    bool valid;          /* a valid PTE; false: a private page's transition PTE (its frame on the
                          * standby or modified list) */
} VsFrameMapping;

/* The process PTEs that name a frame: for a section page's frame, every valid PTE in every view
 * of the page (as many as the frame's share count); for a private page's, its one PTE, valid or
 * transition. None for a page table or a frame on the zeroed, free or bad list, nor for a
 * section page on standby (its prototype PTE alone names it). Returns how many there are. */
size_t vs_page_frame_mappings(const VsSystem *system, uint64_t frame, VsFrameMapping *out,
                              size_t capacity);

/* ---- Invariants ------------------------------------------------------------------------------ */

/*
 * Checks every structural invariant of the system (models Linux's validate_mm; Windows has no
 * public equivalent): AVL order, balance and parent links, VADs disjoint and inside user space,
 * free-gap bookkeeping, page-table used counts, every PTE inside a VAD, commit charge equal to what
 * the PTEs and VADs say. Returns true if all hold; otherwise false with the first violation written
 * to why (when why_len > 0).
 */
bool vs_check(const VsSystem *system, char *why, size_t why_len);

/* ---- Threads (thread.c) ---------------------------------------------------------------------- */

/* What a thread's TEB says of its stack (NT_TIB and TEB fields), and where its TEB is. A thread
 * the model gave no user stack (has_stack false) has every address 0; so has an ended one. */
typedef struct VsThreadInfo {
    uint32_t tid;
    bool has_stack;
    bool terminated;
    uint32_t exit_code;
    uint64_t teb, teb_size;          /* the TEB's pages */
    uint64_t stack_base;             /* StackBase: the top, exclusive */
    uint64_t stack_limit;            /* StackLimit */
    uint64_t deallocation_stack;     /* DeallocationStack: the reservation's base */
    uint64_t guaranteed_stack_bytes; /* GuaranteedStackBytes */
    uint64_t guard;                  /* the guard page below StackLimit, or 0 when it has none */
} VsThreadInfo;

size_t vs_process_thread_count(const VsProcess *process);
VsThread *vs_process_thread(VsProcess *process, size_t index); /* in creation order */
void vs_thread_info(const VsThread *thread, VsThreadInfo *info);
uint32_t vs_thread_id(const VsThread *thread);

/* ---- Heaps (heap.c) ----------------------------------------------------------------------------
 */

typedef struct VsHeap VsHeap; /* models ntdll's HEAP: its segments, free runs and big blocks */

/* HeapWalk's PROCESS_HEAP_ENTRY flags. */
#define VS_HEAP_ENTRY_REGION 0x0001u            /* PROCESS_HEAP_REGION */
#define VS_HEAP_ENTRY_UNCOMMITTED_RANGE 0x0002u /* PROCESS_HEAP_UNCOMMITTED_RANGE */
#define VS_HEAP_ENTRY_BUSY 0x0004u              /* PROCESS_HEAP_ENTRY_BUSY */

/* One entry as HeapWalk lists it (PROCESS_HEAP_ENTRY): lpData, cbData, cbOverhead, iRegionIndex,
 * wFlags; a REGION's dwCommittedSize, dwUnCommittedSize, lpFirstBlock, lpLastBlock; a big block's
 * allocation (committed bytes, first = its base), which HeapWalk does not show. */
typedef struct VsHeapWalkEntry {
    uint64_t data, size, overhead;
    uint32_t region, flags;
    uint64_t committed, uncommitted, first, last;
} VsHeapWalkEntry;

/* An allocation the heap holds: a segment's reservation or a big block's (big true). */
typedef struct VsHeapRange {
    uint64_t base, size;
    bool big;
} VsHeapRange;

size_t vs_process_heap_count(const VsProcess *process);             /* GetProcessHeaps' count */
VsHeap *vs_process_heap_at(const VsProcess *process, size_t index); /* in creation order */
/* The heap a handle names in the thread's process, or NULL. */
VsHeap *vs_heap_lookup(const VsThread *thread, uint64_t handle);
uint64_t vs_heap_handle(const VsHeap *heap);
bool vs_heap_growable(const VsHeap *heap);
uint32_t vs_heap_flags(const VsHeap *heap); /* HeapCreate's flags */
/* The walk's entries written to out (at most max); returns how many there are. */
size_t vs_heap_walk(const VsThread *thread, const VsHeap *heap, VsHeapWalkEntry *out, size_t max);
size_t vs_heap_ranges(const VsHeap *heap, VsHeapRange *out, size_t max);
/* The virtual-alloc threshold: blocks from this size on are allocations of their own. */
uint64_t vs_heap_va_threshold(const VsProcess *process);
/* The process heap (GetProcessHeap), made with the process or when first asked; 0 if it cannot
 * be made. */
uint64_t vs_process_heap(VsThread *thread);
/* The process heap's handle if it has been made, else 0 (makes nothing). */
uint64_t vs_process_heap_handle(const VsProcess *process);

#endif /* VADSIM_INSPECT_H */
