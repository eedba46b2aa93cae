/*
 * scene.h - what the visualiser shows, read from the model after a step.
 *
 * A scene is a snapshot: for every process its regions (a VirtualQuery walk, as VMMap takes one)
 * and its VAD tree, the physical frames and their lists, and what the step did (its events). It is
 * built only through the model's public API and the runner's event stream, and it owns copies of
 * everything, so drawing never touches the model.
 */
#ifndef VS_GUI_SCENE_H
#define VS_GUI_SCENE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "runner.h"

/* VMMap's type palette, plus the model's own kinds. */
typedef enum VvKind {
    VV_FREE,
    VV_UNUSABLE,  /* free, but inside the last 64 KB granule of an allocation: never allocatable */
    VV_PRIVATE,   /* private data */
    VV_SHAREABLE, /* a view of a pagefile-backed section */
    VV_MAPPED_FILE, /* a view of a file */
    VV_IMAGE,       /* (the model has no image sections; kept for the legend's order) */
    VV_STACK,       /* a thread's stack reservation */
    VV_PLACEHOLDER, /* a free placeholder */
    VV_SYSTEM,      /* KUSER_SHARED_DATA */
    VV_KIND_COUNT
} VvKind;

typedef struct VvRegion {
    uint64_t start, end; /* [start, end) */
    uint64_t alloc_base;
    uint32_t state, protect, type, alloc_protect;
    VvKind kind;
    uint32_t section; /* a view's section id (0: not a view) */
    bool guard;       /* some page of it is a guard page */
    bool copied;      /* pages of a copy-on-write view that were written: private copies */
    bool touched;     /* the step's events touched it */
} VvRegion;

typedef struct VvVadNode {
    uint64_t start_vpn, end_vpn; /* inclusive */
    VvKind kind;
    int balance;
    uint32_t depth;
    uint32_t order; /* in-order index: the x of the tree drawing */
    int32_t parent; /* index of the parent node, -1 for the root */
    uint32_t section;
    bool touched; /* inserted, split, trimmed or replaced by the step */
} VvVadNode;

/* The state of a page as its PTE (and VAD) says: the page grid's colors. */
typedef enum VvPageState {
    VV_PAGE_RESERVED, /* nothing committed */
    VV_PAGE_DEMAND_ZERO,
    VV_PAGE_VALID,
    VV_PAGE_VALID_SHARED, /* valid, a section's frame */
    VV_PAGE_COPY,         /* valid, a private copy made by copy-on-write inside a view */
    VV_PAGE_TRANSITION,
    VV_PAGE_PAGEFILE,
    VV_PAGE_PROTOTYPE, /* not valid here: the section's prototype PTE says where it is */
    VV_PAGE_GUARD,
    VV_PAGE_STATE_COUNT
} VvPageState;

typedef struct VvPage {
    uint64_t address;
    VvPageState state;
    uint64_t frame; /* valid or transition */
} VvPage;

typedef struct VvProcessScene {
    char name[32]; /* the scenario's name for it ("main", "child", a 'process' line's) */
    uint32_t pid;
    GArray *regions; /* VvRegion, address order, covering user space */
    GArray *vads;    /* VvVadNode, in order */
    uint32_t tree_depth;
    uint32_t views;  /* regions that are views of sections (KUSER_SHARED_DATA aside) */
    GArray *removed; /* uint64_t pairs: the VADs [start, end] (VPNs) the step deleted */
    uint64_t ws_size, ws_min, ws_max;
    uint64_t commit_charge;
} VvProcessScene;

/* A frame's place in the PFN database, for the frame grid. */
typedef struct VvFrame {
    uint8_t location; /* VsPageLocation */
    bool shared;      /* a section page's frame */
    bool table;       /* a page table */
} VvFrame;

/* Two PTEs mapping one frame (a link drawn between the processes' maps). */
typedef struct VvShareLink {
    uint32_t process_a, process_b; /* indexes into processes */
    uint64_t address_a, address_b;
} VvShareLink;

typedef struct VvScene {
    char *title;
    char
        *intro; /* the lesson's opening comment, its paragraphs split by blank lines ("" if none) */
    char **step_titles; /* every step's title by number - 1 ("" where a step has none) */
    char *step_title;
    size_t step, steps;
    char *narration;      /* the runner's explanation of the step (without its heading line) */
    int narration_lines;  /* its lines (the last need not end in a newline) */
    GPtrArray *processes; /* VvProcessScene* */
    uint32_t current;     /* the process whose tree and pages are shown */
    GArray *frames;       /* VvFrame per frame */
    uint64_t frames_used; /* one past the highest frame not on the zeroed list */
    GArray *links;        /* VvShareLink */
    VsMemoryCounters memory;
    uint64_t highest_address; /* the top of user space */
} VvScene;

/* Builds the scene of the runner's state. narration is the text the step printed, intro the
 * lesson's opening comment (vv_scene_intro); either may be NULL. */
VvScene *vv_scene_build(const VsRunner *runner, const char *narration, const char *intro);
/* The opening comment of a scenario's source: its '#' lines before the first statement, without
 * the '#', lines of a paragraph joined (free with g_free). */
char *vv_scene_intro(const char *source);
void vv_scene_free(VvScene *scene);
/* The pages of [start, end) in process index of the scene's system, up to max of them. */
GArray *vv_scene_pages(const VsRunner *runner, uint32_t process, uint64_t start, uint64_t end,
                       size_t max);
const char *vv_kind_name(VvKind kind);

#endif /* VS_GUI_SCENE_H */
