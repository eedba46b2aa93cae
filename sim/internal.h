/*
 * internal.h - the NT core's private structures and the helpers its files share.
 *
 * Nothing here is visible outside sim/: drivers see only the public headers (sim/include/). The
 * core sees the public headers of its own calls, readers and events, never those of the layers
 * above it (the Win32 layer's, a personality's); the layers above see the core through this
 * header. Each structure says which Windows structure it models. Page numbers in VADs are
 * inclusive, as in Windows (starting_vpn, ending_vpn); every other range is named for what it is.
 */
#ifndef VS_INTERNAL_H
#define VS_INTERNAL_H

#include "vs_status.h"
#include "vadsim/nt.h"
#include "vadsim/inspect.h"
#include "vadsim/events.h"
#include "personality.h"

/* ---- Page math (xv6 riscv.h style: tiny helpers, no surprises) ------------------------------- */

#define VS_GRANULE_PAGES (VS_GRANULARITY / VS_PAGE_SIZE) /* 16 pages in 64 KB */
#define VS_MAX_LEVELS 4

static inline uint64_t vs_vpn(uint64_t address) { return address >> VS_PAGE_SHIFT; }
static inline uint64_t vs_vpn_address(uint64_t vpn) { return vpn << VS_PAGE_SHIFT; }
static inline uint64_t vs_page_down(uint64_t address) { return address & ~(VS_PAGE_SIZE - 1); }
static inline uint64_t vs_granule_down(uint64_t address) { return address & ~(VS_GRANULARITY - 1); }
static inline uint64_t vs_min(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t vs_max(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* ---- MM protection codes (WRK mm/mi.h): what PTEs and VADs store ----------------------------- */

enum {
    MM_ZERO_ACCESS = 0,
    MM_READONLY = 1,
    MM_EXECUTE = 2,
    MM_EXECUTE_READ = 3,
    MM_READWRITE = 4, /* bit 2 set: writable */
    MM_WRITECOPY = 5, /* bits 2 and 0 set: copy-on-write */
    MM_EXECUTE_READWRITE = 6,
    MM_EXECUTE_WRITECOPY = 7,
    MM_NOCACHE = 0x08,
    MM_GUARD_PAGE = 0x10,
    MM_DECOMMIT = 0x10,     /* guard with no base protection: the decommitted PTE */
    MM_NOACCESS = 0x18,     /* nocache|guard with no base protection */
    MM_WRITECOMBINE = 0x18, /* nocache|guard with a base protection */
    MM_PROTECTION_MASK = 0x1F,
};
#define MM_INVALID_PROTECTION 0xFFFFFFFFu

uint32_t vs_mm_from_win32(uint32_t protect);     /* MiMakeProtectionMask; MM_INVALID_PROTECTION */
uint32_t vs_mm_to_win32(uint32_t mm_protection); /* MI_CONVERT_FROM_PTE_PROTECTION */
static inline bool vs_mm_is_copy_on_write(uint32_t mm)
{
    uint32_t base = mm & 7;
    return (mm & MM_NOACCESS) != MM_NOACCESS &&
           (base == MM_WRITECOPY || base == MM_EXECUTE_WRITECOPY);
}
/* The protection a copy-on-write page has once written (MiInitializeCopyOnWritePfn): write-copy
 * becomes read-write, execute-write-copy execute-read-write; other protections are unchanged. */
static inline uint32_t vs_mm_written(uint32_t mm)
{
    if (!vs_mm_is_copy_on_write(mm))
        return mm;
    return (mm & ~7u) | ((mm & 7) == MM_WRITECOPY ? MM_READWRITE : MM_EXECUTE_READWRITE);
}

/* ---- PTE encoding (MMPTE, x64 layout of WRK mm/amd64/miamd.h) -------------------------------- */

#define VS_PTE_VALID (1ull << 0)
#define VS_PTE_WRITE (1ull << 1)
#define VS_PTE_OWNER (1ull << 2)
#define VS_PDE_LARGE_PAGE                                                                          \
    (1ull << 7) /* MMPTE_HARDWARE.LargePage (PS) in a PDE: it maps a large page                    \
                 * itself, and the walk stops there (MI_PDE_MAPS_LARGE_PAGE) */
#define VS_PTE_ACCESSED (1ull << 5) /* MMPTE_HARDWARE.Accessed: set by the "processor" on touch */
#define VS_PTE_DIRTY (1ull << 6)    /* MMPTE_HARDWARE.Dirty: set on a store */
#define VS_PTE_PROTECTION_SHIFT 5   /* MMPTE_SOFTWARE.Protection, 5 bits */
#define VS_PTE_PROTOTYPE (1ull << 10)
#define VS_PTE_TRANSITION (1ull << 11)
#define VS_PTE_FRAME_SHIFT 12
#define VS_PTE_FRAME_MASK 0x0000FFFFFFFFF000ull
#define VS_PTE_PAGEFILE_SHIFT 32       /* MMPTE_SOFTWARE.PageFileHigh: the slot; 0 means none */
#define VS_PTE_NO_EXECUTE (1ull << 63) /* MMPTE_HARDWARE.NoExecute: an instruction fetch faults */

static inline uint64_t vs_pte_make_software(uint32_t mm_protection)
{
    return (uint64_t)(mm_protection & MM_PROTECTION_MASK) << VS_PTE_PROTECTION_SHIFT;
}
static inline uint32_t vs_pte_mm_protection(uint64_t pte)
{
    return (uint32_t)(pte >> VS_PTE_PROTECTION_SHIFT) & MM_PROTECTION_MASK;
}
static inline uint64_t vs_pte_make_table(uint64_t frame)
{
    return VS_PTE_VALID | VS_PTE_WRITE | VS_PTE_OWNER | (frame << VS_PTE_FRAME_SHIFT);
}
static inline uint64_t vs_pte_frame(uint64_t pte)
{
    return (pte & VS_PTE_FRAME_MASK) >> VS_PTE_FRAME_SHIFT;
}
#define VS_PTE_DECOMMITTED (vs_pte_make_software(MM_DECOMMIT))

/* A page the hardware can touch directly: not no-access and not a guard page (those must fault). */
static inline bool vs_mm_accessible(uint32_t mm)
{
    return (mm & 7) != 0 && (mm & MM_NOACCESS) != MM_GUARD_PAGE;
}
static inline bool vs_mm_writable(uint32_t mm) { return (mm & 4) != 0; }
/* The four execute protections (MM_EXECUTE, _READ, _READWRITE, _WRITECOPY) have bit 1 set. */
static inline bool vs_mm_executable(uint32_t mm) { return (mm & 2) != 0; }

/* MMPTE_HARDWARE for a resident page: Write only when its protection allows stores without a
 * copy (a copy-on-write page is mapped read-only until its first store, MiCopyOnWrite), and
 * NoExecute unless the protection executes (MI_MAKE_VALID_PTE with MmProtectToPteMask). */
static inline uint64_t vs_pte_make_valid(uint64_t frame, uint32_t mm)
{
    bool write = vs_mm_writable(mm) && !vs_mm_is_copy_on_write(mm);
    return VS_PTE_VALID | VS_PTE_OWNER | (write ? VS_PTE_WRITE : 0) |
           (vs_mm_executable(mm) ? 0 : VS_PTE_NO_EXECUTE) | (frame << VS_PTE_FRAME_SHIFT);
}
/* MMPTE_TRANSITION: the page is still in its frame, but touching it faults (soft). */
static inline uint64_t vs_pte_make_transition(uint64_t frame, uint32_t mm)
{
    return VS_PTE_TRANSITION | vs_pte_make_software(mm) | (frame << VS_PTE_FRAME_SHIFT);
}
/* MMPTE_SOFTWARE with PageFileHigh: the page's contents are in page-file slot (never 0). */
static inline uint64_t vs_pte_make_pagefile(uint64_t slot, uint32_t mm)
{
    return (slot << VS_PTE_PAGEFILE_SHIFT) | vs_pte_make_software(mm);
}
static inline uint64_t vs_pte_pagefile_slot(uint64_t pte) { return pte >> VS_PTE_PAGEFILE_SHIFT; }
static inline bool vs_pte_is_valid(uint64_t pte) { return (pte & VS_PTE_VALID) != 0; }
/* A software PTE whose page is in the page file (not valid, not transition, a slot). */
static inline bool vs_pte_is_pagefile(uint64_t pte)
{
    return !(pte & (VS_PTE_VALID | VS_PTE_TRANSITION)) && vs_pte_pagefile_slot(pte) != 0;
}
static inline bool vs_pte_is_transition(uint64_t pte)
{
    return !(pte & VS_PTE_VALID) && (pte & VS_PTE_TRANSITION);
}
/* A leaf PTE that holds a frame. */
static inline bool vs_pte_is_resident(uint64_t pte)
{
    return vs_pte_is_valid(pte) || vs_pte_is_transition(pte);
}

/* ---- Sparse arrays (sparse.c: 2^36 entries, only those that differ from the initial value
 * cost memory; the shape of Linux's xarray) --------------------------------------------------- */

#define VS_SPARSE_INDEX_BITS 36
typedef struct VsSparseNode VsSparseNode;
typedef struct VsSparse {
    VsSparseNode *root; /* NULL while every entry is the initial value */
    uint32_t height;    /* levels of nodes: the root covers entries [0, 64^height) */
    uint64_t initial;   /* the value of every entry not stored */
    uint64_t nodes;     /* nodes held */
} VsSparse;

void vs_sparse_init(VsSparse *array, uint64_t initial);
void vs_sparse_fini(VsSparse *array);
uint64_t vs_sparse_get(const VsSparse *array, uint64_t index);
bool vs_sparse_set(VsSparse *array, uint64_t index, uint64_t value); /* false: out of memory */
bool vs_sparse_prepare(VsSparse *array, uint64_t first, uint64_t last);
void vs_sparse_release_empty(VsSparse *array, uint64_t first, uint64_t last);
uint64_t vs_sparse_next(const VsSparse *array, uint64_t index, uint64_t last);
uint64_t vs_sparse_prev(const VsSparse *array, uint64_t index, uint64_t first);
void vs_sparse_set_initial(VsSparse *array, uint64_t value);
uint64_t vs_sparse_bytes(const VsSparse *array);
bool vs_sparse_valid(const VsSparse *array);

/* A set of pages kept as runs, each an entry of a sparse array (sparse.c). */
typedef struct VsRuns {
    VsSparse starts; /* at each run's first page: the page after its last */
} VsRuns;

void vs_runs_init(VsRuns *runs);
void vs_runs_fini(VsRuns *runs);
bool vs_runs_contains(const VsRuns *runs, uint64_t index);
bool vs_runs_set(VsRuns *runs, uint64_t first, uint64_t last, bool in);
uint64_t vs_runs_count(const VsRuns *runs, uint64_t first, uint64_t last);
uint64_t vs_runs_bytes(const VsRuns *runs);

/* ---- Object pool (models a lookaside list: fixed-size objects carved from large chunks) ------ */

typedef struct VsPoolChunk VsPoolChunk;
typedef struct VsPool {
    size_t object_size;
    size_t objects_per_chunk;
    VsPoolChunk *chunks;
    void *free_list;
    uint64_t live;        /* objects handed out */
    uint64_t chunk_bytes; /* host bytes held in chunks */
} VsPool;

void vs_pool_init(VsPool *pool, size_t object_size, size_t objects_per_chunk);
void *vs_pool_alloc(VsPool *pool); /* zero-filled; NULL when the host is out of memory */
void vs_pool_free(VsPool *pool, void *object);
void vs_pool_fini(VsPool *pool);

/* ---- VAD (MMVAD_SHORT) and the VAD tree (MM_AVL_TABLE) --------------------------------------- */

/*
 * Models MMVAD_SHORT (Windows 11 24H2 layout, NTDIFF _MMVAD_SHORT): an RTL_BALANCED_NODE whose
 * parent word carries the AVL balance in its low two bits, inclusive start and end VPNs, the
 * MMVAD_FLAGS that matter, and CommitCharge. The model adds two words Windows keeps elsewhere (in
 * its VAD bitmap and free hint): the free gap before this VAD and the largest such gap in its
 * subtree, so the free-range search is O(log n) (the augmented-tree idea of Linux's
 * rb_subtree_gap). 64 bytes.
 */
struct VsVad {
    VsVad *left;
    VsVad *right;
    uintptr_t parent_value;     /* parent pointer | (balance + 1) in bits 0-1 */
    uint64_t starting_vpn : 40; /* first page, inclusive */
    uint64_t kind : 3;          /* VsVadKind */
    uint64_t protection : 5;    /* MM protection code of the allocation */
    uint64_t mem_commit : 1;    /* MEM_RESERVE|MEM_COMMIT in one call: zero PTEs are committed */
    uint64_t private_memory : 1;
    uint64_t no_change : 1;   /* SEC_NO_CHANGE-like: cannot be freed or re-protected */
    uint64_t write_watch : 1; /* MEM_WRITE_WATCH (VadWriteWatch): written pages are tracked */
    uint64_t placeholder : 1; /* a placeholder, or what replaced one (Wine's VPROT_PLACEHOLDER;
                               * Windows marks free ones by a CommitCharge sentinel) */
    uint64_t large_pages : 1; /* VadType VadLargePages: private memory mapped by large PDEs
                               * (largepage.c), committed, resident and locked for its life */
    uint64_t physical : 1;    /* VadType VadAwe (MEM_PHYSICAL): a window the process maps its
                               * own frames into (awe.c); nothing else ever fills its PTEs */
    uint64_t spare_flags : 9;
    uint64_t ending_vpn : 40; /* last page, inclusive */
    uint64_t spare_vpn : 24;
    uint64_t commit_charge; /* pages of commit this VAD holds */
    uint64_t gap_pages;     /* 64 KB-aligned free pages between the previous VAD and this */
    uint64_t max_gap_pages; /* largest gap_pages in this subtree */
};

/*
 * Models MMVAD, the long VAD a mapped view needs beyond MMVAD_SHORT: the section it maps (WRK keeps
 * the subsection and the control area) and the first prototype PTE the view covers
 * (FirstPrototypePte, as an index into the segment's array). Private VADs stay short; views are
 * carved from their own pool, as Windows allocates MMVAD and MMVAD_SHORT from different pool sizes.
 * A personality's long VADs begin with it and go on with its own fields (personality.h sizes), as
 * MMVAD begins with MMVAD_SHORT; the core reads no further.
 */
typedef struct VsMappedVad {
    VsVad core;
    VsSection *section;
    uint64_t first_prototype; /* index of the prototype PTE behind the view's first page */
} VsMappedVad;

static inline bool vs_vad_is_view(const VsVad *vad) { return vad->kind == VS_VAD_MAPPED; }
static inline VsMappedVad *vs_mapped_vad(const VsVad *vad) { return (VsMappedVad *)vad; }
/* The protection a page of vad takes when a commit or a re-protection asks for mm: the caching
 * attribute is the VAD's (protect.c). */
uint32_t vs_vad_page_protection(const VsVad *vad, uint32_t mm);

/* Models MM_AVL_TABLE / RTL_AVL_TREE with NodeHint. */
typedef struct VsVadTable {
    VsVad *root;
    VsVad *node_hint; /* the VAD last found: lookups try it first */
    uint64_t count;
    uint64_t lowest_vpn;    /* first allocatable page (MM_LOWEST_USER_ADDRESS) */
    uint64_t highest_vpn;   /* last allocatable page (MM_HIGHEST_VAD_ADDRESS) */
    uint64_t granule_pages; /* allocations start on multiples of this: 16 (64 KB), or the
                             * layout's granularity (allocation_granularity) */
} VsVadTable;

void vs_vad_table_init(VsVadTable *table, uint64_t lowest_vpn, uint64_t highest_vpn);
VsVad *vs_vad_locate(VsVadTable *table, uint64_t vpn);
VsVad *vs_vad_find_conflict(const VsVadTable *table, uint64_t start_vpn, uint64_t end_vpn);
void vs_vad_insert(VsVadTable *table, VsVad *vad);
void vs_vad_remove(VsVadTable *table, VsVad *vad);
void vs_vad_set_range(VsVadTable *table, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
VsVad *vs_vad_find_above(const VsVadTable *table, uint64_t vpn);
VsVad *vs_vad_prev(const VsVad *vad);
VsVad *vs_vad_min(VsVad *node);
VsVad *vs_vad_max(VsVad *node);
VsVad *vs_vad_parent(const VsVad *vad);
int vs_vad_balance(const VsVad *vad);
uint64_t vs_vad_gap_before(const VsVadTable *table, const VsVad *vad);
uint64_t vs_vad_gap_after_last(const VsVadTable *table);
bool vs_vad_find_free(const VsVadTable *table, uint64_t pages, bool top_down, uint64_t limit_vpn,
                      uint64_t *start_vpn);
bool vs_vad_find_free_window(const VsVadTable *table, uint64_t pages, bool top_down,
                             uint64_t low_vpn, uint64_t high_vpn, uint64_t align_pages,
                             uint64_t *start_vpn);

/* ---- Sections (models SECTION, SEGMENT and CONTROL_AREA, WRK mm/mi.h) ------------------------ */

/*
 * A control area with its segment: the pages every section object of it shares (a pagefile-backed
 * section has one of each; a file one data and one image control area, every CreateFileMapping of
 * it a section object over them: VsSectionObject below). Its id, name, size and protection are
 * those `show section` prints: the name and protection it was made with (a file's protection
 * grows to the most a mapping asks), and the segment's size. The prototype PTE array holds, per
 * page of the section, what a process PTE would hold for a private page: zero (SEC_RESERVE, not
 * committed yet), demand zero (committed, never touched), valid (a frame some view has resident),
 * transition (its frame on the standby or modified list) or page file (a slot holds it). A process
 * PTE in a view points at it implicitly (zero, or the prototype format with a protection of its
 * own); a frame of a section names its prototype PTE (VS_PFN_PROTOTYPE: pid is the section id, vpn
 * the page's index).
 */
typedef struct VsSection {
    uint32_t id;              /* index + 1 in the system's table: what a frame's PteAddress names */
    char name[64];            /* its first section object's, until the last handle closes */
    uint64_t size;            /* in bytes: whole pages for a pagefile section, a file's size as
                               * the largest mapping asked, an image's rounded to a page */
    uint64_t pages;           /* Segment TotalNumberOfPtes */
    uint32_t protection;      /* MM protection (SectionPageProtection) */
    bool reserve;             /* SEC_RESERVE: pages are committed later, through a view */
    uint32_t caching;         /* MM_NOCACHE (SEC_NOCACHE), MM_WRITECOMBINE (SEC_WRITECOMBINE) or
                                 0: the caching its views' pages have */
    uint64_t committed_pages; /* Segment NumberOfCommittedPages: the system commit it holds */
    uint32_t handles;         /* ControlArea NumberOfUserReferences: open handles to its section
                               * objects, and the holds of the loader while it maps an image */
    uint32_t views;           /* ControlArea NumberOfMappedViews */
    VsSparse prototypes;      /* the prototype PTEs (Segment ThePtes): prototype.c */
    struct VsFile *file;      /* the mapped file (ControlArea FilePointer); NULL: the page file */
    struct VsImage *image;    /* SEC_IMAGE: the image's layout (image.c); NULL for data */
    bool large_pages;         /* SEC_LARGE_PAGES (SegmentFlags.LargePages): every page resident in
                               * runs of contiguous frames for the section's life (largepage.c) */
} VsSection;

/*
 * A section object: what a section handle names (models SECTION, WRK mm/mi.h). Windows keeps it
 * apart from the control area and segment it points at: every NtCreateSection of one file makes an
 * object of its own, with its own SizeOfSection, over the file's one data or image control area.
 * Its size is what MmCreateSection settled on: a pagefile section's whole pages, a file's maximum
 * size as given (or the file's size), an image's maximum size as given (or the image's size
 * rounded to a page). A view of size 0 maps the object's size from its offset, so an image section
 * made smaller than its image maps partly. The object lives while a handle names it; its name,
 * in \BaseNamedObjects, goes with it.
 */
typedef struct VsSectionObject {
    struct VsSectionObject *next; /* the system's section objects, newest first */
    VsSection *control_area;      /* Segment->ControlArea: the pages, shared */
    uint64_t size_of_section;     /* SizeOfSection, in bytes */
    uint32_t handles;             /* open handles naming it */
    char name[64];                /* in \BaseNamedObjects; empty when unnamed */
} VsSectionObject;

void vs_section_object_reference(VsSectionObject *object);
void vs_section_object_close(VsSystem *system, VsSectionObject *object);

/*
 * One subsection of an image's control area (models SUBSECTION, WRK mm/mi.h, as
 * MiCreateImageFileMap builds them): the headers, then one per PE section, in order and contiguous.
 * Its pages are [first_page, first_page + pages); those below committed_pages are committed, the
 * rest (a section's tail up to SectionAlignment) are not. Page i of it reads from the file at
 * raw_offset + i * 4 KB while that is below raw_end; later committed pages are demand zero.
 */
typedef struct VsSubsection {
    char name[9];             /* the PE section's name; "headers" for the first */
    uint64_t first_page;      /* its first prototype PTE */
    uint64_t pages;           /* VirtualSize rounded up to SectionAlignment, in pages */
    uint64_t committed_pages; /* VirtualSize in pages */
    uint64_t raw_offset;      /* where its bytes start in the file (a 512-byte sector) */
    uint64_t raw_end;         /* where they end: PointerToRawData + SizeOfRawData, aligned */
    uint32_t mm;              /* the protection MiGetImageProtection gives it */
    uint32_t characteristics; /* IMAGE_SCN_* as the file says */
} VsSubsection;

/* An image's headers as its section keeps them (models SECTION_IMAGE_INFORMATION and the segment's
 * image fields): what the PE said, and the subsections laid out from it. */
typedef struct VsImage {
    uint64_t image_base;    /* ImageBase: the preferred base */
    uint64_t size_of_image; /* SizeOfImage, as written */
    uint32_t entry_point;   /* AddressOfEntryPoint (an RVA) */
    uint32_t section_alignment, file_alignment, size_of_headers;
    uint16_t machine, characteristics, dll_characteristics, subsystem;
    uint16_t subsystem_major, subsystem_minor, os_major, os_minor;
    uint64_t stack_reserve, stack_commit;
    uint32_t size_of_code, checksum;
    uint32_t file_size;  /* the file's size when the section was made (ImageFileSize) */
    bool contains_code;  /* SizeOfCode, an entry point, flat, or an executable section */
    bool com_descriptor; /* a COM (.NET) descriptor directory: LoaderFlags 1 */
    uint8_t complus;     /* the COM+ ImageFlags its IMAGE_COR20_HEADER gives (VS_IMAGE_FLAGS_*) */
    bool flat;           /* SectionAlignment below a page: one subsection, all write-copy */
    bool relocatable;    /* a base relocation directory, relocations not stripped */
    uint64_t commitment; /* ImageCommitment: the write-copy pages a view charges */
    uint32_t *fixups;    /* the RVA of each base relocation (DIR64 in PE32+, HIGHLOW in PE32),
                          * in the order of the .reloc blocks: what the loader rewrites */
    uint32_t fixup_count;
    uint32_t count; /* subsections */
    VsSubsection subsections[];
} VsImage;

/*
 * A file (file.c): its bytes, kept by the system in place of a disk, and the data section that maps
 * it (the CONTROL_AREA its SECTION_OBJECT_POINTERS name), shared by every CreateFileMapping of it.
 * A personality's files begin with it (personality.h sizes).
 */
typedef struct VsFile {
    char name[64];
    uint64_t size; /* end of file, in bytes */
    /* The file's bytes (file.c): the pages written since it was declared, each 4 KB of host memory
     * at its index; every other page reads as fill_byte if the fill set holds it, else as zeros. */
    VsSparse pages;
    uint64_t pages_held; /* pages in pages */
    VsRuns fill;
    uint8_t fill_byte;
    /* The pages the cache holds (what a residency query reports of a file page no PTE maps):
     * written pages are, and pages a fault read; a hole punched or cut off by truncation is not
     * until a fault reads it again. The model has no disk, so nothing else evicts a page. */
    VsRuns cached;
    VsSection *section;       /* DataSectionObject, or NULL while no section maps the file */
    VsSection *image_section; /* ImageSectionObject: the file mapped as an image, or NULL */
} VsFile;

/* A FILE_OBJECT (file.c): one open of a file, made by NtCreateFile; its handles, duplicates
 * included, share it and its CurrentByteOffset, where the next synchronous read begins. */
typedef struct VsFileObject {
    VsFile *file;        /* NULL for an end of a named pipe */
    uint64_t offset;     /* CurrentByteOffset */
    unsigned handles;    /* handles that name it: the last one closed frees it */
    struct VsPipe *pipe; /* FsContext: the pipe instance whose end this is (pipe.c), or NULL */
    bool client;         /* FsContext2's NamedPipeEnd: the client's end, else the server's */
    bool synchronous;    /* FO_SYNCHRONOUS_IO: opened without FILE_FLAG_OVERLAPPED */
    bool signaled;       /* its Event: cleared when an I/O on it starts, set when one completes */
} VsFileObject;

void vs_file_object_close_handle(VsSystem *system, VsFileObject *object);
/* Whether closing the file object's last handle would wait: it is open for synchronous I/O and a
 * thread waits in a synchronous request on it, holding the file object's lock, which IopCloseFile
 * takes first (WRK io/iomgr/objsup.c); only a later call could end that request. */
bool vs_file_object_close_waits(const VsFileObject *object);
/* A file handle with the rights a call needs (ObReferenceObjectByHandle for IoFileObjectType):
 * STATUS_OBJECT_TYPE_MISMATCH for a handle of another kind. */
VsStatus vs_reference_file(VsThread *caller, VsHandle handle, uint32_t access, VsFileObject **out);
/* One byte of the file as a read sees it: the data section's page if one is resident. */
uint8_t vs_file_cached_byte(const VsSystem *system, const VsFile *file, uint64_t offset);

struct VsPfnDatabase;
VsFile *vs_file_new(const VsSystem *system);
VsFile *vs_file_lookup(const VsSystem *system, const char *name);
uint8_t vs_file_byte(const VsFile *file, uint64_t offset);
void vs_file_read_bytes(const VsFile *file, uint64_t offset, unsigned char *out, uint64_t length);
bool vs_file_extend(VsFile *file, uint64_t size);
bool vs_file_shrink(VsFile *file, uint64_t size);
bool vs_file_punch_bytes(VsFile *file, uint64_t first_index, uint64_t last_index);
bool vs_file_read_page(const VsFile *file, uint64_t index, struct VsPfnDatabase *db,
                       uint64_t frame);
bool vs_file_write_page(VsFile *file, uint64_t index, const unsigned char *data);
void vs_file_set_cached(VsFile *file, uint64_t first_index, uint64_t last_index, bool cached);
bool vs_file_cached(const VsFile *file, uint64_t index);
uint64_t vs_file_cached_count(const VsFile *file, uint64_t first_index, uint64_t last_index);
uint64_t vs_file_bytes(const VsFile *file);
uint64_t vs_file_pages(const VsFile *file);
void vs_file_readahead(VsFile *file, uint64_t first_index, uint64_t pages);
void vs_file_fini_all(VsSystem *system);

/* A loaded image in a process (models LDR_DATA_TABLE_ENTRY in the PEB's loader data): its view,
 * the file it came from, the section (by id: a view unmapped behind the loader's back leaves the
 * entry stale, as on Windows) and how many loads hold it. The EXE and ntdll are pinned. */
#define VS_MODULE_MAX_DEPENDENCIES 16
typedef struct VsModule {
    char name[64];
    uint64_t base, size;
    uint32_t section;
    uint32_t load_count;
    bool pinned;
    uint32_t dependency_count; /* the DLLs its imports took a load of, by base */
    uint64_t dependencies[VS_MODULE_MAX_DEPENDENCIES];
} VsModule;

VsStatus vs_map_image(VsProcess *process, VsSection *section, uint64_t *base, uint64_t *size);
VsStatus vs_loader_map(VsProcess *process, VsFile *file, bool pinned, uint64_t *base);
VsModule *vs_loader_find(VsProcess *process, const char *name);

/* Images (image.c). */
VsStatus vs_image_section(VsSystem *system, VsFile *file, const char *name,
                          const uint64_t *maximum_size, uint32_t mm, VsSection **out);
const VsSubsection *vs_image_subsection(const VsImage *image, uint64_t index);
uint32_t vs_section_page_mm(const VsSection *section, uint64_t index);
uint64_t vs_image_shared_pages(const VsImage *image);
bool vs_image_read_page(const VsSection *section, uint64_t index, struct VsPfnDatabase *db,
                        uint64_t frame);
void vs_image_fini(VsSection *section);

VsStatus vs_section_create(VsSystem *system, const char *name, uint64_t size, uint32_t mm,
                           uint32_t attributes, VsFile *file, VsSection **out);
void vs_section_extend(VsSection *section, uint64_t size);
void vs_section_discard(VsSystem *system, VsSection *section, uint64_t first_index,
                        uint64_t last_index);
VsSection *vs_section_by_id(const VsSystem *system, uint32_t id);
void vs_section_dereference(VsSystem *system, VsSection *section);
void vs_section_close_handle(VsSystem *system, VsSection *section);
/* The next view of section after `after` in process *process (NULL: from the first), in process
 * order then address order; NULL at the end. Windows keeps a view list in the control area; the
 * model walks the VAD trees. */
const VsVad *vs_section_next_view(const VsSystem *system, const VsSection *section, size_t *process,
                                  const VsVad *after);
void vs_section_charge(VsSystem *system, VsSection *section, int64_t pages);
void vs_section_fini_all(VsSystem *system);
VsPageLocation vs_prototype_unmap_frame(VsSystem *system, uint64_t frame);
VsPageLocation vs_prototype_frame_idle(VsSystem *system, uint64_t frame);
VsStatus vs_view_commit(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                        uint64_t also_charged);
bool vs_section_protection_compatible(uint32_t section_mm, uint32_t view_mm);
/* A process PTE in the prototype format (MMPTE_PROTOTYPE with the "look in the VAD" address): the
 * page is the view's section page, with this protection in this process. */
static inline uint64_t vs_pte_make_proto(uint32_t mm)
{
    return VS_PTE_PROTOTYPE | vs_pte_make_software(mm);
}
/* In a prototype PTE the same encoding means "the page is in the mapped file" (MMPTE_SUBSECTION:
 * Windows points it at the subsection that describes the file's pages). */
static inline uint64_t vs_pte_make_subsection(uint32_t mm) { return vs_pte_make_proto(mm); }

static inline bool vs_pte_is_proto(uint64_t pte)
{
    return !(pte & (VS_PTE_VALID | VS_PTE_TRANSITION)) && (pte & VS_PTE_PROTOTYPE);
}
uint64_t vs_view_prototype_index(const VsVad *vad, uint64_t vpn);
uint32_t vs_view_page_mm(const VsVad *vad, uint64_t vpn);

/* The segment's prototype PTEs (prototype.c): read and written only through these. */
uint64_t vs_prototype_initial(const VsSection *section);
void vs_prototypes_init(VsSection *section);
void vs_prototypes_fini(VsSection *section);
uint64_t vs_prototype_read(const VsSection *section, uint64_t index);
bool vs_prototype_write(VsSection *section, uint64_t index, uint64_t pte);
bool vs_prototype_prepare(VsSection *section, uint64_t first, uint64_t last);
void vs_prototype_release_empty(VsSection *section, uint64_t first, uint64_t last);
uint64_t vs_prototype_next(const VsSection *section, uint64_t index, uint64_t last);
void vs_prototype_set_initial(VsSection *section);
uint64_t vs_prototype_committed(const VsSection *section, uint64_t first, uint64_t last);
uint64_t vs_prototype_bytes(const VsSection *section);

/* ---- Page tables ----------------------------------------------------------------------------- */

/*
 * One page-table page at any level (models a PXE/PPE/PDE/PTE page and the PFN field
 * UsedPageTableEntries). Upper-level entries hold the frame number of the next table in the
 * system's table store, as a valid hardware PTE holds a PFN.
 */
typedef struct VsPageTable {
    uint32_t used_entries; /* non-zero entries; the table is freed when this falls to 0 */
    uint32_t level;        /* 0 = top */
    uint64_t first_vpn;    /* first page this table's range covers */
    uint64_t entries[];    /* 512 (x64) or 1024 (x86) */
} VsPageTable;

/* The contents of every process's page-table pages, by the PFN frame each occupies. */
typedef struct VsTableStore {
    VsPageTable **tables; /* by frame number; NULL where the frame is not a page table */
    uint64_t capacity;    /* frames addressable in tables */
    VsPageTable **spare;  /* zeroed tables kept for reuse */
    uint64_t spare_count;
    uint32_t entries_per_table;
} VsTableStore;

void vs_table_store_init(VsTableStore *store, uint32_t entries_per_table);
void vs_table_store_fini(VsTableStore *store);
VsStatus vs_pt_create_top(VsProcess *process);
uint64_t vs_pt_read(const VsProcess *process, uint64_t vpn);
const uint64_t *vs_pt_leaf(const VsProcess *process, uint64_t vpn); /* entries, or NULL */
uint64_t vs_pt_leaf_last_vpn(const VsProcess *process, uint64_t vpn);
uint32_t vs_pt_leaf_index(const VsProcess *process, uint64_t vpn);
uint64_t vs_pt_next_present(const VsProcess *process, uint64_t vpn, uint64_t last_vpn);
uint64_t vs_pt_next_large(const VsProcess *process, uint64_t vpn, uint64_t last_vpn);
VsStatus vs_pt_prepare(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
void vs_pt_write(VsProcess *process, uint64_t vpn, uint64_t value);
void vs_pt_release_empty(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
const VsPageTable *vs_pt_table(const VsSystem *system, uint64_t frame);
VsStatus vs_pt_map_large(VsProcess *process, uint64_t vpn, uint64_t pde);
uint64_t vs_pt_unmap_large(VsProcess *process, uint64_t vpn);
uint64_t vs_pt_demote_large(VsProcess *process, uint64_t vpn);
void vs_pt_replace_large(VsProcess *process, uint64_t vpn, uint64_t pde);
uint64_t vs_pt_large_pde(const VsProcess *process, uint64_t vpn); /* 0: none maps vpn */

/* ---- Large pages (largepage.c) --------------------------------------------------------------- */

/* Pages one large PDE maps: 512 on x64 (2 MB), 1024 on the two-level x86 (4 MB). */
static inline uint64_t vs_large_page_pages(const VsLayout *layout)
{
    return 1ull << layout->level_bits;
}
VsStatus vs_large_pages_allocate(VsProcess *process, VsVad *vad);
void vs_large_pages_free(VsProcess *process, VsVad *vad);
VsStatus vs_large_pages_section(VsSystem *system, VsSection *section);
void vs_large_pages_section_free(VsSystem *system, VsSection *section);
bool vs_large_view_possible(const VsLayout *layout, uint64_t base, uint64_t offset, uint64_t size,
                            uint32_t mm);
VsStatus vs_large_pages_map_view(VsProcess *process, VsVad *vad);
void vs_large_pages_unmap_view(VsProcess *process, VsVad *vad);
/* A personality's large pages in private memory (Linux's transparent huge pages): mapped by a
 * fault it chooses (zero: a clean PDE, Linux's huge zero page, until vs_large_page_dirty), split
 * into ordinary pages, freed whole. vpn is the large page's first page. */
VsStatus vs_large_page_map_private(VsProcess *process, uint64_t vpn, uint32_t mm, bool zero);
void vs_large_page_dirty(VsProcess *process, uint64_t vpn);
void vs_large_page_free_lazily(VsProcess *process, uint64_t vpn);
bool vs_large_page_reform_private(VsProcess *process, uint64_t vpn, uint32_t mm);
void vs_large_page_remap(VsProcess *process, uint64_t vpn, uint64_t first, uint32_t mm,
                         bool written);
/* A collapse (Linux's MADV_COLLAPSE): a run claimed for the large page vpn starts, zeroed, for the
 * caller to fill and then map (vs_large_page_map_claimed) once the range's own pages are gone;
 * VS_PFN_NONE when no run is whole. */
uint64_t vs_large_page_claim(VsProcess *process, uint64_t vpn, uint32_t mm);
void vs_large_page_map_claimed(VsProcess *process, uint64_t vpn, uint64_t first, uint32_t mm);
VsStatus vs_large_page_split(VsProcess *process, uint64_t vpn);
void vs_large_page_protect(VsProcess *process, uint64_t vpn, uint32_t mm);
void vs_large_page_free_private(VsProcess *process, uint64_t vpn);
/* A personality's large pages shared through a pagefile-backed section (largeshared.c; Linux: a
 * transparent huge page fork left mapped by parent and child, copy_huge_pmd): the section's run
 * of pages [index, index + span) in one large page's frames, mapped whole by large PDEs, or piece
 * by piece by the PTEs of views that split theirs. vpn is the large page's first page. */
bool vs_large_page_is_shared(const VsProcess *process, uint64_t vpn);
void vs_large_page_share(VsProcess *process, uint64_t vpn, VsSection *section, uint64_t index,
                         uint32_t mm);
VsStatus vs_large_page_map_shared(VsProcess *process, uint64_t vpn, uint64_t pde, uint32_t mm);
void vs_large_page_unmap_shared(VsProcess *process, uint64_t vpn);
void vs_large_page_take(VsProcess *process, uint64_t vpn, uint32_t mm);
bool vs_large_page_reform(VsProcess *process, uint64_t vpn, uint32_t mm, bool written);
void vs_large_page_unmapped(VsSystem *system, uint64_t frame);
bool vs_large_page_in_run(const VsSystem *system, uint64_t frame);
bool vs_large_page_detached(const VsSystem *system, uint64_t frame);
void vs_large_page_detach(VsSection *section, uint64_t index);
void vs_large_page_dissolve(VsSystem *system, VsSection *section, uint64_t index);
VsStatus vs_large_page_split_shared(VsProcess *process, uint64_t vpn);

/* ---- AWE (awe.c): frames a process owns and maps into MEM_PHYSICAL reservations ------------- */

/* A valid PTE of an AWE window over frame with protection mm (MiProtectAweRegion's forms: a
 * no-access page keeps its frame but is owned by the kernel, so user accesses fault). */
static inline uint64_t vs_awe_pte(uint64_t frame, uint32_t mm)
{
    return vs_pte_make_valid(frame, mm) & ~(mm == MM_NOACCESS ? VS_PTE_OWNER : 0);
}
bool vs_awe_owns(const VsProcess *process, uint64_t frame);
void vs_awe_release_vad(VsProcess *process, const VsVad *vad);
VsStatus vs_awe_protect(VsProcess *process, uint64_t first, uint64_t last, uint32_t mm,
                        uint32_t *old);

/* ---- Physical memory: the PFN database (models MMPFN and the page lists) --------------------- */

#define VS_PFN_NONE UINT64_MAX
#define VS_PFN_LINK_NONE UINT32_MAX /* the end of a list, in the 32-bit links */

/* MMPFN flags the model keeps (MMPFNENTRY bits). */
enum {
    VS_PFN_PAGE_TABLE = 1 << 0, /* holds one of the process's page tables (vpn: its first page) */
    VS_PFN_MODIFIED = 1 << 1,   /* MMPFNENTRY.Modified: newer than any page-file copy */
    VS_PFN_PROTOTYPE = 1 << 2,  /* u3.PrototypePte: mapped by a prototype PTE (pid: section id,
                                 * vpn: page index in the section); shared by every view */
    VS_PFN_LAZY_FREE = 1 << 3,  /* a personality's: the page's owner let it go lazily (Linux's
                                 * MADV_FREE); it may be dropped while it stays clean. A frame
                                 * taken anew loses it */
    VS_PFN_LARGE_PAGE = 1 << 4, /* one frame of a large page (largepage.c): mapped by a PDE, in no
                                 * working set, never trimmed (pid: the process, vpn: its page) */
    VS_PFN_AWE = 1 << 5,        /* a frame AllocateUserPhysicalPages gave process pid (awe.c):
                                 * locked, in no working set; vpn: the page mapping it (its
                                 * PteAddress), VS_PFN_NONE while it is mapped nowhere */
};

/*
 * Models MMPFN: one per physical page frame, 48 bytes as on Windows x64. The links are frame
 * numbers in 32 bits (16 TB of RAM); an active frame reuses flink as its working-set index
 * (u1.WsIndex), as Windows does, since it is on no list then.
 */
typedef struct VsPfn {
    uint64_t original_pte;    /* OriginalPte: protection, and the page-file slot holding a copy */
    uint64_t vpn;             /* PteAddress, as the page it maps */
    unsigned char *data;      /* the frame's bytes; NULL until first written (reads as zeros) */
    uint32_t flink;           /* u1.Flink on a list; u1.WsIndex when active */
    uint32_t blink;           /* u2.Blink on a list */
    uint32_t pid;             /* the owning process (of an active frame or a transition page) */
    uint16_t share_count;     /* u2.ShareCount: valid PTEs mapping the frame */
    uint16_t reference_count; /* u3.ReferenceCount: 1 while mapped (and per I/O in flight) */
    uint8_t location;         /* VsPageLocation (MMPFNENTRY.PageLocation) */
    uint8_t flags;            /* VS_PFN_* */
} VsPfn;

/* A page list: MMPFNLIST (doubly linked, so a soft fault can take a frame from its middle). */
typedef struct VsPfnList {
    uint32_t head, tail;
    uint64_t count;
} VsPfnList;

#define VS_PAGE_LIST_COUNT (VS_PAGE_BAD + 1)

/* The PFN database and its lists (MmPfnDatabase, MmZeroedPageListHead, MmFreePageListHead,
 * MmStandbyPageListHead, MmModifiedPageListHead, MmBadPageListHead), indexed by location. */
typedef struct VsPfnDatabase {
    VsPfn *frames;
    uint64_t count;
    uint64_t never_used; /* frames [never_used, count) were never handed out: zeroed */
    VsPfnList lists[VS_PAGE_LIST_COUNT];
    uint64_t active_count;
} VsPfnDatabase;

bool vs_pfn_init(VsPfnDatabase *db, uint64_t pages);
void vs_pfn_fini(VsPfnDatabase *db);
void vs_pfn_insert(VsPfnDatabase *db, uint64_t frame, VsPageLocation list);
void vs_pfn_unlink(VsPfnDatabase *db, uint64_t frame);
uint64_t vs_pfn_first(const VsPfnDatabase *db, VsPageLocation list); /* VS_PFN_NONE if empty */
uint64_t vs_pfn_next(const VsPfnDatabase *db, uint64_t frame);       /* along its list */
uint64_t vs_pfn_take(VsSystem *system, bool zeroed, uint64_t *repurposed);
void vs_pfn_release(VsSystem *system, uint64_t frame);
bool vs_pfn_claimable(const VsPfnDatabase *db, uint64_t frame);
void vs_pfn_claim(VsSystem *system, uint64_t frame);
void vs_pfn_zero(VsPfnDatabase *db, uint64_t frame);
bool vs_pfn_fill(VsPfnDatabase *db, uint64_t frame, const unsigned char *bytes, size_t length);
uint8_t vs_pfn_read(const VsPfnDatabase *db, uint64_t frame, uint32_t offset);
bool vs_pfn_write(VsPfnDatabase *db, uint64_t frame, uint32_t offset, uint8_t value);
static inline uint64_t vs_pfn_available(const VsPfnDatabase *db)
{
    return db->lists[VS_PAGE_ZEROED].count + (db->count - db->never_used) +
           db->lists[VS_PAGE_FREE].count + db->lists[VS_PAGE_STANDBY].count;
}

/* ---- The page file (models MMPAGING_FILE: a bitmap of slots and their contents) -------------- */

typedef struct VsPageFile {
    uint64_t slots;      /* slot 0 is never used, as on Windows: PageFileHigh 0 means none */
    uint64_t *bitmap;    /* bit set: slot in use */
    VsSparse data;       /* by slot, its bytes (a host page); absent: a page of zeros */
    uint64_t data_pages; /* slots holding bytes */
    uint64_t used, peak;
    uint64_t hint; /* where the next search starts */
} VsPageFile;

bool vs_pagefile_init(VsPageFile *file, uint64_t pages);
void vs_pagefile_fini(VsPageFile *file);
uint64_t vs_pagefile_write(VsPageFile *file, const unsigned char *page); /* 0 when full */
bool vs_pagefile_read(const VsPageFile *file, uint64_t slot, VsPfnDatabase *db, uint64_t frame);
void vs_pagefile_free(VsPageFile *file, uint64_t slot);
bool vs_pagefile_in_use(const VsPageFile *file, uint64_t slot);
uint64_t vs_pagefile_bytes(const VsPageFile *file);

/* ---- Working sets (models MMSUPPORT and MMWSL) ----------------------------------------------- */

/* MMWSLE: one resident page of the process. */
typedef struct VsWsle {
    uint64_t vpn : 52;
    uint64_t age : 2;        /* 0..3: balance-set passes since it was last seen accessed */
    uint64_t locked : 1;     /* LockedInWs (VirtualLock): never trimmed */
    uint64_t protection : 5; /* MMWSLE Protection: a shared page's protection in this process */
    uint64_t spare : 4;
} VsWsle;

/* Where the working set keeps the entry of a shared page: a frame mapped by several processes
 * cannot hold each one's index in its WsIndex, so, as in MMWSL's hash table, the entries of shared
 * pages are found by address (open addressing; 0 marks a free bucket, keys are vpn + 1). */
typedef struct VsWsHash {
    uint64_t *keys;
    uint32_t *indexes;
    uint64_t buckets, used;
} VsWsHash;

typedef struct VsWorkingSet {
    VsWsle *entries; /* dense: entries[i] is the frame whose WsIndex is i */
    uint64_t count, capacity;
    uint64_t minimum, maximum; /* pages (MinimumWorkingSetSize, MaximumWorkingSetSize) */
    uint64_t peak;             /* PeakWorkingSetSize */
    uint64_t page_faults;      /* PageFaultCount */
    uint64_t next_slot;        /* NextSlot: where aging and trimming resume */
    uint64_t locked;           /* entries locked in the working set (VirtualLock) */
    VsWsHash shared;           /* entries of shared (prototype) pages, by address */
} VsWorkingSet;

void vs_ws_init(VsWorkingSet *ws);
bool vs_ws_insert(VsProcess *process, uint64_t vpn, uint64_t frame, uint32_t mm_protection);
void vs_ws_remove(VsProcess *process, uint64_t vpn, uint64_t frame);
VsWsle *vs_ws_entry(const VsProcess *process, uint64_t vpn, uint64_t frame);
bool vs_ws_find_shared(const VsProcess *process, uint64_t vpn, uint64_t *index);
uint64_t vs_valid_protection(const VsProcess *process, uint64_t vpn, uint64_t pte);
void vs_ws_fini(VsWorkingSet *ws);
uint64_t vs_ws_trim(VsProcess *process, uint64_t pages, uint32_t min_age);
void vs_trim_page(VsProcess *process, uint64_t vpn);
void vs_ws_age(VsProcess *process);
bool vs_reclaim_pages(VsSystem *system);

/* ---- Processes, threads, system -------------------------------------------------------------- */

struct VsThread {
    VsProcess *process;
    uint32_t tid;
    uint32_t last_error;  /* TEB LastErrorValue */
    VsStatus last_status; /* TEB LastStatusValue: the NTSTATUS behind last_error */
    /* The TEB's pages and the stack fields in it (thread.c, stack.c); all 0 for a thread the
     * model gave no user stack (a process's first thread, until its image is loaded). */
    uint64_t teb;                    /* the TEB's address (NT_TIB Self) */
    uint64_t stack_base;             /* NT_TIB StackBase: the stack's top, exclusive */
    uint64_t stack_limit;            /* NT_TIB StackLimit: the lowest committed page above the
                                      * guard */
    uint64_t deallocation_stack;     /* TEB DeallocationStack: the stack reservation's base */
    uint64_t guaranteed_stack_bytes; /* TEB GuaranteedStackBytes (SetThreadStackGuarantee) */
    bool terminated;                 /* ETHREAD Terminated: ExitThread ran */
    uint32_t exit_code;              /* ETHREAD ExitStatus */
    bool would_wait; /* the last call would have waited for what nothing left can bring: the
                      * model has one thread of control, so it returned instead (the driver
                      * asks vs_thread_take_would_wait) */
    struct VsIrp
        *blocked_on;        /* the synchronous request the thread waits in (its wait on the file
                             * object, KeWaitForSingleObject in IopSynchronousServiceTail); NULL */
    bool returned;          /* that request completed: the call returns (vs_thread_take_return) */
    VsStatus return_status; /* ... with the status and count its IO_STATUS_BLOCK got */
    uint64_t return_information;
};

typedef enum VsObjectType {
    VS_OBJECT_NONE,
    VS_OBJECT_PROCESS,
    VS_OBJECT_SECTION,
    VS_OBJECT_FILE,
    VS_OBJECT_THREAD,
    VS_OBJECT_EVENT,
} VsObjectType;

/* ---- Events (event.c), I/O requests left pending (irp.c), named pipes (pipe.c) ---- */

/* A KEVENT with its object's references (handles, and each pending IRP that will set it). */
typedef struct VsEventObject {
    bool manual_reset; /* NotificationEvent; else SynchronizationEvent (auto-reset) */
    bool signaled;     /* Header.SignalState */
    unsigned references;
} VsEventObject;

void vs_event_set(VsEventObject *event);   /* KeSetEvent */
void vs_event_clear(VsEventObject *event); /* KeClearEvent */
void vs_event_dereference(VsEventObject *event);
/* An event handle with the rights a call needs: STATUS_OBJECT_TYPE_MISMATCH for another kind. */
VsStatus vs_reference_event(VsThread *caller, VsHandle handle, uint32_t access,
                            VsEventObject **out);

/* An IRP a driver left pending (IoMarkIrpPending): whose request it is and where its results go.
 * Completing it (IopCompleteRequest) copies nothing itself: the driver filled the buffer; it
 * writes the IO_STATUS_BLOCK in the requester's memory and sets the event. */
typedef struct VsIrp {
    struct VsIrp *next;   /* the queue it waits in */
    VsThread *thread;     /* Tail.Overlay.Thread: the requester, whose memory it writes */
    VsFileObject *file;   /* the file object it was made on */
    uint64_t buffer;      /* UserBuffer (0 for FSCTL_PIPE_LISTEN) */
    uint64_t length;      /* Parameters.Read.Length */
    uint64_t iosb;        /* UserIosb, in the requester's memory (an OVERLAPPED's Internal) */
    VsEventObject *event; /* UserEvent, referenced; NULL for none */
    bool synchronous;     /* the requester waits in its call (a file object for synchronous I/O,
                           * no OVERLAPPED): completing it ends that wait (its thread's
                           * blocked_on), iosb is 0 */
} VsIrp;

VsIrp *vs_irp_new(VsThread *thread, VsFileObject *file, uint64_t buffer, uint64_t length,
                  uint64_t iosb, VsEventObject *event);
/* IopCompleteRequest: status and information into the IO_STATUS_BLOCK, the event set, the IRP
 * freed. */
void vs_irp_complete(VsIrp *irp, VsStatus status, uint64_t information);
/* Its io-pending or io-completed event (status and information for the second). */
void vs_irp_emit(const VsIrp *irp, VsEventKind kind, VsStatus status, uint64_t information);
/* The IRP freed without completion: the system is being destroyed. */
void vs_irp_free(VsIrp *irp);
/* IO_STATUS_BLOCK's two words (Status, Information) stored at iosb in thread's memory, each a
 * pointer wide (the OVERLAPPED's Internal and InternalHigh). */
VsStatus vs_iosb_write(VsThread *thread, uint64_t iosb, VsStatus status, uint64_t information);
/* A pointer-sized word of the thread's process's memory. */
VsStatus vs_user_pointer_read(VsThread *thread, uint64_t at, uint64_t *value);
VsStatus vs_user_pointer_write(VsThread *thread, uint64_t at, uint64_t value);
uint32_t vs_pointer_size(const VsProcess *process);

/* A named pipe's instance (pipe.c); whether a name is one's (\\\\.\\pipe\\NAME). */
bool vs_is_pipe_name(const char *name);
typedef struct VsPipe VsPipe;
#define VS_PIPE_NAME_MAX 64 /* a pipe's name with its terminator */
/* Whether an instance of the name is open (its server's end). */
bool vs_pipe_name_exists(const VsSystem *system, const char *name);
/* The file object's end of a pipe refused for a call that takes data files only. */
bool vs_file_object_is_pipe(const VsFileObject *object);
/* NtCreateFile of a name under \\.\pipe\: a client's end, connected to a listening
 * instance. */
VsStatus vs_pipe_open_client(VsThread *caller, const char *name, uint32_t rights, bool synchronous,
                             VsHandle *handle);
/* NPFS's read and write (NtReadFile, NtWriteFile on an end): STATUS_PENDING when the read is
 * queued (the IRP, given, is then the pipe's); otherwise the IRP is the caller's to complete. */
VsStatus vs_pipe_read(VsFileObject *end, VsIrp *irp, uint64_t *information);
VsStatus vs_pipe_write(VsThread *caller, VsFileObject *end, uint64_t buffer, uint64_t length,
                       uint64_t *information);
/* FSCTL_PIPE_LISTEN: STATUS_PENDING with the IRP queued until a client opens the pipe. */
VsStatus vs_pipe_listen(VsFileObject *end, VsIrp *irp);
/* Bytes the end can read now (FilePipeLocalInformation's ReadDataAvailable). */
VsStatus vs_pipe_available(const VsFileObject *end, uint64_t *bytes);
/* IRP_MJ_CLEANUP of an end (its file object's last handle): the other end's waiting reads fail
 * with STATUS_PIPE_BROKEN, its own with STATUS_PIPE_BROKEN too; the instance goes with both. */
void vs_pipe_close_end(VsSystem *system, VsFileObject *end);
/* Every pipe freed, no IRP completed (vs_system_destroy). */
void vs_pipe_fini_all(VsSystem *system);
/* The pipes' invariants, for the checker: the first broken one, or NULL; *index the instance's
 * place in the system's list. */
const char *vs_pipe_invariant(const VsSystem *system, uint64_t *index);

/* HANDLE_TABLE_ENTRY: the object and the rights granted with the handle. */
typedef struct VsHandleEntry {
    void *object;      /* NULL: free slot */
    VsObjectType type; /* the object's type (OBJECT_HEADER Type) */
    uint32_t access;   /* GrantedAccess: PROCESS_* or SECTION_* rights the handle carries */
} VsHandleEntry;

VsStatus vs_handle_insert(VsThread *caller, VsObjectType type, void *object, uint32_t access,
                          VsHandle *handle);
VsStatus vs_reference_object(VsThread *caller, VsHandle handle, VsObjectType type, uint32_t access,
                             void **out);
/* The entry a handle of the caller's table names (the pseudo-handle: its process, every right). */
bool vs_handle_lookup(VsThread *caller, VsHandle handle, VsHandleEntry *out);

/* The write-watch bitmap of one reservation (WRK keeps it with the VAD: MI_PHYSVIEW). */
typedef struct VsWriteWatch {
    uint64_t start_vpn, pages;
    VsSparse bits; /* bit n of word n / 64 set: page n written since the last reset */
} VsWriteWatch;

uint64_t vs_write_watch_bytes(const VsWriteWatch *w);

bool vs_write_watch_create(VsProcess *process, uint64_t start_vpn, uint64_t pages);
bool vs_write_watch_released(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
void vs_write_watch_capture(VsProcess *process, uint64_t vpn);
void vs_write_watch_capture_range(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
void vs_write_watch_mark_locked(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
void vs_write_watch_fini(VsProcess *process);
void vs_capture_dirty(VsProcess *process, uint64_t frame); /* MiCaptureDirtyBitToPfn */

struct VsProcess {
    VsSystem *system;
    uint32_t pid;
    char name[32];
    VsVadTable vad_root;         /* EPROCESS VadRoot */
    uint64_t top_table;          /* frame of the top-level table (DirectoryTableBase) */
    uint64_t commit_charge;      /* EPROCESS CommitCharge, in pages */
    uint64_t peak_commit_charge; /* EPROCESS CommitChargePeak */
    VsWorkingSet ws;             /* EPROCESS Vm (MMSUPPORT) and its working-set list */
    uint64_t page_table_pages;   /* page-table pages held, every level */
    VsThread **threads;
    size_t thread_count;
    uint64_t stack_reserve; /* the image's SizeOfStackReserve: a new thread's default */
    uint64_t stack_commit;  /* the image's SizeOfStackCommit */
    VsHandleEntry *handles; /* handle value = (index + 1) * 4 */
    size_t handle_count;
    VsWriteWatch *watches; /* one bitmap per MEM_WRITE_WATCH reservation */
    size_t watch_count;
    struct VsModule *modules; /* the loader's list (loader.c), in load order */
    size_t module_count;
    uint64_t peb;   /* the PEB's address (createprocess.c), 0 for an empty process */
    VsHeap **heaps; /* PEB ProcessHeaps (heap.c), in creation order */
    size_t heap_count;
    uint64_t process_heap;       /* PEB ProcessHeap: 0 until made */
    bool lock_memory_privilege;  /* the token holds SeLockMemoryPrivilege, enabled ("Lock pages in
                                  * memory"): large pages, AWE and MAP_SYSTEM locks need it */
    uint64_t large_pages;        /* frames mapped by its large PDEs (AweInfo VadPhysicalPages) */
    uint64_t shared_large_pages; /* pages its large PDEs map of runs shared through a section
                                  * (largeshared.c), counted apart: the frames are the section's */
    bool awe_info;               /* EPROCESS AweInfo exists: AllocateUserPhysicalPages was let in */
    uint64_t awe_pages;          /* frames it owns for AWE (AweInfo VadPhysicalPages) */
    VsSparse offered;            /* per page: what OfferVirtualMemory recorded (offer.c), 0: not
                                  * offered */
    uint32_t execute_options;    /* KPROCESS Flags (KEXECUTE_OPTIONS) as MEM_EXECUTE_OPTION_* bits:
                                  * a 32-bit process's DEP switch (execopts.c) */
};

struct VsSystem {
    VsSystemConfig config; /* the machine as it was made (a personality reads its facts there) */
    const VsLayout *layout;
    const VsPersonality *personality; /* NULL: Windows alone */
    uint32_t processors;
    VsProcess **processes;
    size_t process_count;
    uint32_t next_id; /* process and thread ids share one counter, as in Windows' CID table */
    VsPool vad_pool;
    VsTableStore tables;
    VsPfnDatabase pfn;
    VsPageFile pagefile;
    uint64_t commit_total;  /* MmTotalCommittedPages: what every process's commit adds up to */
    uint64_t commit_limit;  /* MmTotalCommitLimit: RAM plus the page file, in pages */
    uint64_t commit_peak;   /* MmPeakCommitment */
    uint64_t ticks;         /* balance-set passes so far */
    VsPool mapped_vad_pool; /* VsMappedVad: the long VADs of views (a personality's, at the
                             * size it declares) */
    VsSection **sections;   /* by id - 1; NULL once deleted */
    VsSectionObject *section_objects; /* every section object with a handle: section.c */
    VsPipe *pipes;                    /* every named-pipe instance, newest first (pipe.c) */
    VsFile **files;                   /* every file the scenario declared or CreateFile created */
    size_t file_count;
    size_t section_count;
    VsEventLog *log;
};

/* The size the core allocates an object of a system at: a personality's object begins with the
 * core's structure and goes on with its own fields (personality.h sizes), else the structure's. */
#define VS_OBJECT_SIZE(personality, kind, type)                                                    \
    ((personality) && (personality)->sizes.kind > sizeof(type) ? (personality)->sizes.kind         \
                                                               : sizeof(type))

/* ---- Heaps (heap.c): ntdll's Rtl*Heap at page granularity ---- */
/* Makes a heap of reserve bytes with committed bytes committed; its handle in *handle. */
VsStatus vs_heap_create(VsThread *thread, uint32_t flags, uint64_t reserve, uint64_t committed,
                        bool growable, uint64_t *handle);
/* A block of n bytes (*out); STATUS_NO_MEMORY when neither a segment nor the heap's growth can
 * hold it. */
VsStatus vs_heap_alloc(VsThread *thread, VsHeap *heap, uint64_t n, uint64_t *out);
VsStatus vs_heap_free(VsThread *thread, VsHeap *heap, uint64_t p); /* INVALID_PARAMETER: no block */
VsStatus vs_heap_realloc(VsThread *thread, VsHeap *heap, uint64_t p, uint64_t n, bool in_place_only,
                         uint64_t *out, uint64_t *old_size);
uint64_t vs_heap_size(const VsThread *thread, const VsHeap *heap, uint64_t p); /* ~0: no block */
bool vs_heap_validate(const VsThread *thread, const VsHeap *heap, uint64_t p);
/* Releases everything of the heap; STATUS_INVALID_PARAMETER for the process heap. */
VsStatus vs_heap_destroy(VsThread *thread, VsHeap *heap);
void vs_heaps_fini(VsProcess *process); /* the bookkeeping of a process being deleted */

VsStatus vs_reference_process(VsThread *caller, VsHandle handle, uint32_t access, VsProcess **out);
/* Offered, reclaimed and discarded memory (offer.c); MEM_RESET's cleaning (allocvm.c) and the
 * dropping of contents (commit.c) they use. */
void vs_reset_pages(VsProcess *process, const VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
void vs_discard_pages(VsProcess *process, const VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
void vs_offer_forget(VsProcess *process, uint64_t first, uint64_t last);
VsStatus vs_offer_virtual_memory(VsThread *thread, uint64_t address, uint64_t size,
                                 uint32_t priority);
VsStatus vs_reclaim_virtual_memory(VsThread *thread, uint64_t address, uint64_t size,
                                   bool *discarded);
VsStatus vs_discard_virtual_memory(VsThread *thread, uint64_t address, uint64_t size);

/* Execute options (execopts.c) and ATL thunk emulation (atlthunk.c). */
bool vs_process_is_32bit(const VsProcess *process);
void vs_execute_options_init(VsProcess *process, bool nx_compat);
bool vs_process_thunk_emulation(const VsProcess *process);
uint32_t vs_atl_thunk_form(VsThread *thread, uint64_t address); /* 0: not a thunk */
/* A user-mode caller's buffer (probe.c): ProbeForWrite with the service's alignment, then the
 * copy of its answer into the probed buffer. */
VsStatus vs_probe_for_write(VsThread *caller, uint64_t address, uint64_t length,
                            uint32_t alignment);
VsStatus vs_copy_to_user(VsThread *caller, uint64_t address, const uint8_t *data, uint64_t size);
void vs_put_le(uint8_t *out, uint32_t offset, uint64_t value, uint32_t width);
/* A little-endian value of size bytes (at most 8) in the caller's memory (probe.c), loaded or
 * stored as the caller would: STATUS_ACCESS_VIOLATION when a byte cannot be reached. */
VsStatus vs_user_read(VsThread *thread, uint64_t address, uint32_t size, uint64_t *value);
VsStatus vs_user_write(VsThread *thread, uint64_t address, uint32_t size, uint64_t value);
/* Entry `index` of a caller's array of pointer-sized values (awe.c); STATUS_ACCESS_VIOLATION when a
 * byte of it cannot be read. */
VsStatus vs_read_user_word(VsThread *thread, uint64_t array, uint64_t index, uint64_t *value);
/* The rights calls ask of a handle (ObReferenceObjectByHandle's DesiredAccess). QUERY_ANY is
 * satisfied by PROCESS_QUERY_INFORMATION or PROCESS_QUERY_LIMITED_INFORMATION. */
#define VS_ACCESS_VM_OPERATION PROCESS_VM_OPERATION
#define VS_ACCESS_QUERY PROCESS_QUERY_INFORMATION
#define VS_ACCESS_QUERY_ANY PROCESS_QUERY_LIMITED_INFORMATION

/* ---- Commit state of pages ------------------------------------------------------------------- */

/* What a page is, from its PTE and (for a zero PTE) its VAD: models MiCheckVirtualAddress. */
typedef struct VsPageState {
    bool committed;
    uint32_t mm_protection; /* meaningful when committed */
} VsPageState;

VsPageState vs_page_state(const VsProcess *process, const VsVad *vad, uint64_t vpn, uint64_t pte);
uint64_t vs_page_run_end(const VsProcess *process, const VsVad *vad, uint64_t vpn,
                         VsPageState *state);
uint64_t vs_commit_count(const VsProcess *process, const VsVad *vad, uint64_t start_vpn,
                         uint64_t end_vpn);
/* One page's MEMORY_WORKING_SET_EX_BLOCK (queryvm.c): QueryWorkingSetEx's and
 * NtQueryVirtualMemory(MemoryWorkingSetExInformation)'s answer for an address. */
VsWorkingSetExBlock vs_working_set_block(VsProcess *process, uint64_t address);
/* A forward cursor over the pages of a VAD that may differ from untouched ones (commit.c). */
typedef struct VsViewScan {
    const VsProcess *process;
    const VsVad *vad;
    uint64_t last;      /* the walk's last page */
    uint64_t table_vpn; /* the first page at or after the cursor whose leaf table exists */
    uint64_t table_end; /* the last page of that leaf table */
    uint64_t proto_vpn; /* the first page at or after the cursor whose prototype PTE differs */
} VsViewScan;
VsViewScan vs_view_scan(const VsProcess *process, const VsVad *vad, uint64_t vpn, uint64_t last);
uint64_t vs_view_scan_next(VsViewScan *scan, uint64_t vpn);
VsStatus vs_commit_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                         uint32_t mm_protection);
VsStatus vs_decommit_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
void vs_charge_commit(VsProcess *process, VsVad *vad, int64_t pages);
/* Whether the system can take pages more of commit under its limit (MiChargeCommitment). */
static inline bool vs_commit_available(const VsSystem *system, uint64_t pages)
{
    return pages <= system->commit_limit - vs_min(system->commit_total, system->commit_limit);
}
void vs_delete_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
VsStatus vs_set_protection(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                           uint32_t mm_protection);
/* protectvm.c: the part of NtProtectVirtualMemory after its checks, shared with a commit in a
 * view; the commit a copy-on-write protection takes there. */
VsStatus vs_protect_pages(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn,
                          uint32_t mm, uint32_t *old, bool narrate);
uint64_t vs_protect_charge(const VsProcess *process, const VsVad *vad, uint64_t start_vpn,
                           uint64_t end_vpn, uint32_t mm);

/* ---- Placeholders (placeholder.c) ------------------------------------------------------------ */

VsStatus vs_placeholder_find(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn, VsVad **out);
VsStatus vs_placeholder_replace_private(VsProcess *process, uint64_t *base_address,
                                        uint64_t *region_size, uint32_t type, uint32_t mm);
VsStatus vs_placeholder_split(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);
VsStatus vs_placeholders_coalesce(VsProcess *process, uint64_t start_vpn, uint64_t end_vpn);
VsVad *vs_placeholder_alloc(VsProcess *process);
void vs_placeholder_restore(VsProcess *process, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn);

/* ---- Placing allocations (allocvm.c, shared with mapview.c) ---------------------------------- */

/* Where a search for free address space may place a range: pages [low_vpn, high_vpn], starting
 * on a multiple of align_pages (ZeroBits and MEM_ADDRESS_REQUIREMENTS narrow it). */
typedef struct VsAddressWindow {
    uint64_t low_vpn, high_vpn, align_pages;
    bool aligned; /* an alignment was asked for (views may not ask) */
} VsAddressWindow;

VsStatus vs_zero_bits_limit(const VsLayout *layout, uint64_t zero_bits, uint64_t *limit);
VsAddressWindow vs_window_below(const VsLayout *layout, uint64_t limit);
VsStatus vs_extended_parameters(const VsLayout *layout, const VsMemExtendedParameter *parameters,
                                uint32_t count, VsAddressWindow *window, bool *requirements,
                                uint32_t *image_machine);
VsStatus vs_place_reservation(VsProcess *process, uint64_t base, uint64_t size,
                              const VsAddressWindow *window, bool top_down, uint64_t *start_vpn,
                              uint64_t *end_vpn);
void vs_emit_rounded(VsProcess *process, uint64_t address, uint64_t size, uint64_t start_vpn,
                     uint64_t end_vpn);

/* ---- Faults (fault.c) ------------------------------------------------------------------------ */

/* stack.c: a guard page touched by thread (MiCheckForUserStackOverflow). */
VsStatus vs_stack_guard_fault(VsThread *thread, uint64_t address);
/* stack.c: thread made [start, end) of its own process guard pages (a commit or a protection
 * with PAGE_GUARD): inside its stack above StackLimit, StackLimit moves up to end. */
void vs_stack_guard_set(VsThread *thread, uint64_t start, uint64_t end);
VsStatus vs_stack_create(VsThread *caller, VsHandle process, uint64_t commit, uint64_t reserve,
                         uint64_t zero_bits, uint64_t commit_align, uint64_t reserve_align,
                         VsInitialTeb *stack);

VsStatus vs_resolve_fault(VsProcess *process, uint64_t vpn, VsAccess access, uint64_t *frame);
VsStatus vs_fault_in(VsProcess *process, uint64_t vpn, bool write);

/* ---- Text (no stdio in the model) ---------------------------------------------------------- */

void vs_text_append(char *buf, size_t len, const char *text);
void vs_text_append_hex(char *buf, size_t len, uint64_t value);
/* Whether the first n characters of a and b (up to the end of either) are equal, ASCII letters
 * compared without case, as NPFS and the object manager compare names. */
bool vs_text_equal_nocase(const char *a, const char *b, size_t n);

/* ---- Events ---------------------------------------------------------------------------------- */

void vs_emit(VsSystem *system, const VsEvent *event);
void vs_emit_range(VsProcess *process, VsEventKind kind, uint64_t start_vpn, uint64_t end_vpn);

#endif /* VS_INTERNAL_H */
