/*
 * vmmap.h - a process's address space as VMMap shows it: every region with its VMMap type (Image,
 * Mapped File, Shareable, Heap, Managed Heap, Stack, Private Data, Page Table, Unusable, Free), its
 * size, committed, private and working-set bytes and its details (a file's or a section's name),
 * and the totals by type of VMMap's first table. `show summary`, `show regions` and `show
 * fragmentation` print them, --json gives them as data, and the visualiser draws them.
 *
 * The types come from what the model knows: VirtualQuery's Type (MEM_IMAGE, MEM_MAPPED,
 * MEM_PRIVATE), whether a view's section maps a file or the page file, the process's page tables,
 * and the free tails of 64 KB granules behind allocations (Unusable). Heap and Stack are not in
 * the model's regions: they are ranges the process's heaps and threads' stacks occupy, read from
 * the model (vmmap.c labels both) or given by further labellers (vs_runner_add_labeller). A
 * labelled range's private bytes move from Private Data to the labeller's type.
 */
#ifndef VS_SCENARIO_VMMAP_H
#define VS_SCENARIO_VMMAP_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "vadsim.h"

typedef struct VsRunner VsRunner;

/* VMMap's types, in the order of its summary table. */
typedef enum VsVmmapType {
    VS_VMMAP_IMAGE,
    VS_VMMAP_MAPPED_FILE,
    VS_VMMAP_SHAREABLE,
    VS_VMMAP_HEAP,
    VS_VMMAP_MANAGED_HEAP,
    VS_VMMAP_STACK,
    VS_VMMAP_PRIVATE_DATA,
    VS_VMMAP_PAGE_TABLE,
    VS_VMMAP_UNUSABLE,
    VS_VMMAP_FREE,
    VS_VMMAP_TYPE_COUNT
} VsVmmapType;

/* One region of the walk: a VirtualQuery region (or the part of one a label or a granule boundary
 * cuts off). */
typedef struct VsVmmapRegion {
    uint64_t base, size;
    uint64_t allocation_base;
    uint32_t state, protect, mem_type, allocation_protect; /* VirtualQuery's */
    VsVmmapType type;
    VsVadKind vad_kind;                             /* the VAD holding it (not free) */
    uint32_t section;                               /* a view's section id, else 0 */
    uint64_t committed, private_bytes, working_set; /* bytes */
    const char *details; /* the file, section, heap or stack; "" if none (owned by the map) */
} VsVmmapRegion;

/* A row of the summary by type. Blocks: allocations (for Free and Unusable, regions); largest: the
 * largest of them, for Free the largest allocation that could be made. */
typedef struct VsVmmapTotals {
    uint64_t size, committed, private_bytes, working_set, blocks, largest;
} VsVmmapTotals;

typedef struct VsVmmap {
    GArray *regions; /* VsVmmapRegion, in address order, covering user space */
    VsVmmapTotals total[VS_VMMAP_TYPE_COUNT];
    VsVmmapTotals all;   /* VMMap's Total: every type but Free */
    uint64_t space;      /* bytes of user space */
    uint64_t used_start; /* the lowest and one past the highest byte in use (0, 0 if none) */
    uint64_t used_end;
    bool linux_words;      /* a Linux system: the types named in its words */
    GStringChunk *strings; /* the details */
} VsVmmap;

/* A range a heap or a thread's stack occupies, as a labeller reports it. */
typedef struct VsRangeLabel {
    uint64_t start, end; /* [start, end) */
    VsVmmapType type;    /* VS_VMMAP_HEAP, VS_VMMAP_MANAGED_HEAP or VS_VMMAP_STACK */
    char details[64];    /* "Heap 1 (default)", "Thread 4 stack" */
} VsRangeLabel;

/* Appends the labelled ranges of process to labels (GArray of VsRangeLabel). */
typedef void (*VsRangeLabeller)(void *context, const VsProcess *process, GArray *labels);
void vs_runner_add_labeller(VsRunner *runner, VsRangeLabeller labeller, void *context);

/* The walk of process (a process of the runner's system), with its totals. */
VsVmmap *vs_vmmap_read(const VsRunner *runner, VsProcess *process);
void vs_vmmap_free(VsVmmap *map);
/* "Private Data"; in a Linux system's words "private anonymous". */
const char *vs_vmmap_type_name(VsVmmapType type, bool linux_words);
/* The first region at or above address (binary search); regions->len if none. */
guint vs_vmmap_find(const VsVmmap *map, uint64_t address);
/* VMMap's fragmentation view: the part of the address space in use, from the 64 KB granule of its
 * lowest byte to that of its highest, cut into at most max_cells cells of cell_bytes each (a
 * multiple of 64 KB), each cell the type that has the most of its bytes in use, or Unusable, or
 * Free. cells is 0 when nothing is in use; free type with g_free. */
typedef struct VsVmmapGrid {
    uint64_t start, cell_bytes;
    guint cells;
    uint8_t *type; /* VsVmmapType per cell */
} VsVmmapGrid;
void vs_vmmap_grid(const VsVmmap *map, guint max_cells, VsVmmapGrid *out);
/* The letter of a type in the text grid: I F S H M T P U and '.' for Free. */
char vs_vmmap_type_letter(VsVmmapType type);
/* A share as text that says something at every size: "0.000096%" of 128 TB, not "0.00%". */
void vs_vmmap_percent(uint64_t part, uint64_t whole, char *buf, size_t len);
/* Bytes in the largest unit that keeps them above 1, for a picture: "64 KB", "1.5 MB", "128 TB". */
void vs_vmmap_size_short(uint64_t bytes, char *buf, size_t len);
/* Bytes as VMMap prints them, in K with thousands grouped: "1,024 K". */
void vs_vmmap_kilobytes(uint64_t bytes, char *buf, size_t len);

#endif /* VS_SCENARIO_VMMAP_H */
