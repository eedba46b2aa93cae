/*
 * check.c - the invariant checker: walks every structure of the system and proves it consistent.
 *
 * Models what Linux's validate_mm does for its tree of memory areas (Windows has no public
 * equivalent); tests call it after every operation. It checks, per process:
 *   - the VAD tree: parent links, AVL balance (|height(right) - height(left)| <= 1 and equal to the
 *     stored balance), strictly increasing disjoint ranges inside user space, the node count, the
 *     node hint, and the free-gap bookkeeping (gap_pages, max_gap_pages); placeholders are bare
 *     reservations; the personality's own state of each VAD is sound, as it checks it;
 *   - the page tables: each table's used count equals its non-zero entries, only the top table may
 * be empty, every upper entry names a live table one level down covering the right range, the
 *     number of tables equals page_table_pages, every non-zero PTE is a known software state and
 * lies inside a VAD; a PDE that maps a large page lies in a large-page VAD (or one whose
 *     personality maps large pages of its own there, wholly inside it) and names an aligned
 *     run of frames recorded as that VAD's, and every large-page VAD is mapped whole; a PTE in an
 *     AWE window is valid over a frame its process owns that names that page, and in no working
 *     set (AWE frames are active and counted by their process, mapped or not);
 *   - commit: each VAD's charge equals its committed pages (none for NoChange VADs) and the
 *     process's charge is their sum;
 *   - physical memory: every valid PTE of a private page names an active frame with share and
 *     reference count 1 that records the page, its protection and its working-set entry; every
 *     transition PTE a frame on the standby list (clean) or the modified list (dirty); every list
 *     is well linked and counted; each frame handed out is on exactly one list or active;
 *   - working sets: the entries are exactly the valid pages, each frame pointing back at its own;
 *     each write-watch VAD has exactly one bitmap of its range, and each bitmap such a VAD;
 *   - sections: each prototype PTE is a known state of the right backing, its frame records it and
 *     is shared by exactly the valid PTEs mapping it; committed pages, handles and views add up;
 *   - the page file: every slot a page-file PTE or a frame's OriginalPte names is in use and named
 *     once, and no slot is in use that nothing names;
 *   - the system's commit charge is its processes' and sections' sum, within the commit limit.
 * It reports the first violation, and skips the walks that would go through a structure found
 * broken (a bad tree or page table must not crash the checker that found it).
 */
#include <stdlib.h>

#include "internal.h"

/*
 * The leaf PTEs are visited in address order, so a cursor over the in-order VAD walk finds the VAD
 * of each PTE in amortised constant time, and tallies per VAD (by in-order index) let the commit
 * check run without rescanning any page table: the whole check is linear in VADs plus tables.
 */
typedef struct PteCursor {
    const VsVad *vad;      /* the VAD of the last PTE seen, or the first VAD */
    size_t index;          /* its in-order position */
    uint64_t *demand_zero; /* per VAD: demand-zero (committed) PTEs; NULL if the host had no room */
    uint64_t *decommitted; /* per VAD: decommitted PTEs */
} PteCursor;

typedef struct Checker {
    char *why;
    size_t why_len;
    bool ok;
    PteCursor cursor;
    uint64_t valid;      /* valid PTEs seen, every process */
    uint64_t transition; /* transition PTEs seen, every process */
    uint64_t tables;     /* page-table pages seen, every process */
    uint64_t
        *slots_seen; /* page-file slots owned so far (a bitmap); NULL if the host had no room */
    uint64_t slots_owned;
    uint64_t shared_valid;  /* valid PTEs mapping section pages, every process */
    uint64_t shared_frames; /* active frames of section pages */
    uint32_t *mappings;    /* per frame: valid PTEs seen mapping it; NULL if the host had no room */
    uint64_t large_frames; /* frames of large pages seen, every process */
    uint64_t large_process; /* of them, the current process's */
    uint64_t awe_valid;     /* valid PTEs of AWE windows, every process */
    uint64_t awe_process;   /* of them, the current process's */
    uint64_t large_private; /* of those, what a personality's faults mapped in ordinary memory */
    uint64_t large_shared;  /* pages of sections' runs the current process's PDEs map */
} Checker;

/* Records the first violation; later ones are ignored. Always returns false. */
static bool fail(Checker *c, const VsProcess *process, const char *what, uint64_t value)
{
    if (c->ok && c->why_len) {
        c->why[0] = '\0';
        vs_text_append(c->why, c->why_len, "process ");
        vs_text_append(c->why, c->why_len, process->name);
        vs_text_append(c->why, c->why_len, ": ");
        vs_text_append(c->why, c->why_len, what);
        vs_text_append(c->why, c->why_len, " at ");
        vs_text_append_hex(c->why, c->why_len, value);
    }
    c->ok = false;
    return false;
}

/* ---- VAD tree -------------------------------------------------------------------------------- */

/* Returns the subtree's height, or -1 after recording a violation. */
static int check_subtree(Checker *c, const VsProcess *process, const VsVad *node,
                         const VsVad *parent)
{
    if (!node)
        return 0;
    if (vs_vad_parent(node) != parent)
        return fail(c, process, "VAD parent link broken", vs_vpn_address(node->starting_vpn)), -1;
    int left = check_subtree(c, process, node->left, node);
    int right = check_subtree(c, process, node->right, node);
    if (left < 0 || right < 0)
        return -1;
    if (right - left != vs_vad_balance(node) || right - left < -1 || right - left > 1)
        return fail(c, process, "VAD tree out of balance", vs_vpn_address(node->starting_vpn)), -1;
    uint64_t best = node->gap_pages;
    if (node->left)
        best = vs_max(best, node->left->max_gap_pages);
    if (node->right)
        best = vs_max(best, node->right->max_gap_pages);
    if (node->max_gap_pages != best)
        return fail(c, process, "VAD max_gap_pages stale", vs_vpn_address(node->starting_vpn)), -1;
    return 1 + (left > right ? left : right);
}

/* In-order: ranges increasing and disjoint, inside user space, gaps right, count right. */
/* A free placeholder is a bare reservation: private, PAGE_NOACCESS, no commit, flagged; only
 * what came from a placeholder carries the flag, and a view that did is still a view. */
static void check_placeholder(Checker *c, const VsProcess *process, const VsVad *vad)
{
    uint64_t at = vs_vpn_address(vad->starting_vpn);
    if (vad->kind != VS_VAD_PLACEHOLDER) {
        if (vad->placeholder && vad->kind == VS_VAD_SHARED_USER_DATA)
            fail(c, process, "KUSER_SHARED_DATA VAD flagged as a placeholder", at);
        return;
    }
    if (!vad->placeholder || !vad->private_memory || vad->mem_commit || vad->write_watch ||
        vad->protection != vs_mm_from_win32(PAGE_NOACCESS))
        fail(c, process, "placeholder VAD with the flags of an allocation", at);
    if (vad->commit_charge)
        fail(c, process, "placeholder VAD charges commit", vad->commit_charge);
}

/* The personality's own state of the VAD is sound, as the personality checks it. */
static void check_personality(Checker *c, const VsProcess *process, const VsVad *vad)
{
    const VsPersonality *personality = process->system->personality;
    const char *why =
        personality && personality->check_vad ? personality->check_vad(process, vad) : NULL;
    if (why)
        fail(c, process, why, vs_vpn_address(vad->starting_vpn));
}

/* Whether the personality charges commit for its VADs its own way (the check of each VAD's charge
 * then asks it what the charge should be). */
static bool personality_commits(const VsProcess *process)
{
    const VsPersonality *personality = process->system->personality;
    return personality && personality->vad_commit;
}

static void check_order(Checker *c, const VsProcess *process)
{
    const VsVadTable *table = &process->vad_root;
    uint64_t top_vpn = vs_vpn(process->system->layout->highest_user_address);
    uint64_t count = 0;
    const VsVad *prev = NULL;
    for (const VsVad *vad = vs_vad_min(table->root); vad; prev = vad, vad = vs_vad_next(vad)) {
        count++;
        uint64_t at = vs_vpn_address(vad->starting_vpn);
        if (vad->starting_vpn > vad->ending_vpn)
            fail(c, process, "VAD ends before it starts", at);
        if (prev && prev->ending_vpn >= vad->starting_vpn)
            fail(c, process, "VADs overlap or are out of order", at);
        if (vad->starting_vpn < table->lowest_vpn || vad->ending_vpn > top_vpn)
            fail(c, process, "VAD outside user space", at);
        if (!vad->no_change && vad->ending_vpn > table->highest_vpn)
            fail(c, process, "VAD above the highest allocatable address", at);
        if (vad->gap_pages != vs_vad_gap_before(table, vad))
            fail(c, process, "VAD gap_pages stale", at);
        check_placeholder(c, process, vad);
        check_personality(c, process, vad);
    }
    if (count != table->count)
        fail(c, process, "VAD count differs from the tree", count);
    if (table->node_hint &&
        vs_vad_find_conflict(table, table->node_hint->starting_vpn,
                             table->node_hint->starting_vpn) != table->node_hint)
        fail(c, process, "VAD node hint is not in the tree",
             (uint64_t)table->node_hint->starting_vpn);
}

/* ---- Page tables ----------------------------------------------------------------------------- */

/* A software PTE the model writes: demand zero, decommitted, in the page file, or (in a view) the
 * prototype format with a protection. */
static bool known_software_pte(uint64_t pte)
{
    if (pte == VS_PTE_DECOMMITTED)
        return true;
    if (vs_pte_is_proto(pte))
        return pte == vs_pte_make_proto(vs_pte_mm_protection(pte)) &&
               vs_mm_to_win32(vs_pte_mm_protection(pte)) != 0;
    uint32_t mm = vs_pte_mm_protection(pte);
    return pte == vs_pte_make_pagefile(vs_pte_pagefile_slot(pte), mm) && vs_mm_to_win32(mm) != 0;
}

/* Notes that a page-file slot holds a copy of one more page: each slot belongs to one page. */
static void own_slot(Checker *c, const VsProcess *process, uint64_t slot, uint64_t vpn)
{
    const VsPageFile *file = &process->system->pagefile;
    if (!slot)
        return;
    if (!vs_pagefile_in_use(file, slot)) {
        fail(c, process, "page names a page-file slot that is not in use", vs_vpn_address(vpn));
        return;
    }
    if (!c->slots_seen)
        return;
    if (c->slots_seen[slot / 64] >> (slot % 64) & 1)
        fail(c, process, "page-file slot owned twice", vs_vpn_address(vpn));
    c->slots_seen[slot / 64] |= 1ull << (slot % 64);
    c->slots_owned++;
}

/* Whether a valid PTE is the one its protection makes (MI_MAKE_VALID_PTE), Accessed and Dirty
 * aside; a process with DEP off may have had NX cleared by an instruction fetch (fault.c). */
static bool valid_pte_as_made(const VsProcess *process, uint64_t pte, uint64_t frame, uint32_t mm)
{
    uint64_t expected = vs_pte_make_valid(frame, mm) | (pte & (VS_PTE_ACCESSED | VS_PTE_DIRTY));
    if (!vs_process_dep_enabled(process))
        expected = (expected & ~VS_PTE_NO_EXECUTE) | (pte & expected & VS_PTE_NO_EXECUTE);
    return pte == expected;
}

/* A valid PTE: an active frame recording this page with share and reference count 1, in the
 * working set at the index the frame keeps, under an accessible protection. */
static void check_valid(Checker *c, const VsProcess *process, uint64_t vpn, uint64_t pte,
                        const VsPfn *pfn, uint64_t frame)
{
    uint32_t mm = vs_pte_mm_protection(pfn->original_pte);
    if (pfn->location != VS_PAGE_ACTIVE)
        fail(c, process, "valid PTE names a frame that is not active", vs_vpn_address(vpn));
    else if (!valid_pte_as_made(process, pte, frame, mm) || !vs_mm_accessible(mm))
        fail(c, process, "valid PTE disagrees with its frame's protection", vs_vpn_address(vpn));
    else if (pfn->share_count != 1 || pfn->reference_count != 1)
        fail(c, process, "valid private page's frame has a share or reference count not 1",
             vs_vpn_address(vpn));
    else if (pfn->flink >= process->ws.count || process->ws.entries[pfn->flink].vpn != vpn)
        fail(c, process, "valid page missing from its working-set entry", vs_vpn_address(vpn));
    c->valid++;
}

/* A valid PTE mapping a section page: the frame is the one the view's prototype PTE names, the PTE
 * carries the protection of this process's working-set entry for the page, and the mapping counts
 * toward the frame's share count (checked in check_sections). */
static void check_valid_shared(Checker *c, const VsProcess *process, const VsVad *vad, uint64_t vpn,
                               uint64_t pte, const VsPfn *pfn, uint64_t frame)
{
    if (!vad || !vs_vad_is_view(vad) || pfn->pid != vs_mapped_vad(vad)->section->id ||
        pfn->vpn != vs_view_prototype_index(vad, vpn)) {
        fail(c, process, "valid PTE maps a section page its view does not cover",
             vs_vpn_address(vpn));
        return;
    }
    uint64_t index;
    if (!vs_ws_find_shared(process, vpn, &index) || index >= process->ws.count ||
        process->ws.entries[index].vpn != vpn) {
        fail(c, process, "valid section page missing from the working set's hash",
             vs_vpn_address(vpn));
        return;
    }
    uint32_t mm = vs_ws_entry(process, vpn, frame)->protection;
    if (pfn->location != VS_PAGE_ACTIVE)
        fail(c, process, "valid PTE names a section frame that is not active", vs_vpn_address(vpn));
    else if (!valid_pte_as_made(process, pte, frame, mm) || !vs_mm_accessible(mm))
        fail(c, process, "valid section PTE disagrees with its working-set protection",
             vs_vpn_address(vpn));
    if (c->mappings)
        c->mappings[frame]++;
    c->valid++;
    c->shared_valid++;
}

/* A transition PTE: a frame on the standby list (clean) or the modified list (dirty), mapped by
 * nothing, recording this page. */
static void check_transition(Checker *c, const VsProcess *process, uint64_t vpn, uint64_t pte,
                             const VsPfn *pfn, uint64_t frame)
{
    bool modified = (pfn->flags & VS_PFN_MODIFIED) != 0;
    VsPageLocation expected_list = modified ? VS_PAGE_MODIFIED : VS_PAGE_STANDBY;
    if (pfn->location != expected_list)
        fail(c, process, "transition PTE's frame is not on the standby or modified list it should",
             vs_vpn_address(vpn));
    else if (pte != vs_pte_make_transition(frame, vs_pte_mm_protection(pfn->original_pte)))
        fail(c, process, "transition PTE disagrees with its frame's protection",
             vs_vpn_address(vpn));
    else if (pfn->share_count || pfn->reference_count)
        fail(c, process, "a frame on a list is still referenced", vs_vpn_address(vpn));
    c->transition++;
}

/* A PTE mapping an AWE frame: valid, in an AWE window, over a frame the process owns whose
 * PteAddress (vpn) is this page, with the protection its frame records (MiProtectAweRegion's
 * forms); no working set holds it. */
static void check_awe_valid(Checker *c, const VsProcess *process, const VsVad *vad, uint64_t vpn,
                            uint64_t pte, const VsPfn *pfn, uint64_t frame)
{
    uint32_t mm = vs_pte_mm_protection(pfn->original_pte);
    uint64_t expected = vs_awe_pte(frame, mm) | (pte & (VS_PTE_ACCESSED | VS_PTE_DIRTY));
    if (!vad || !vad->physical || !vs_pte_is_valid(pte))
        fail(c, process, "AWE frame mapped outside an AWE window", vs_vpn_address(vpn));
    else if (pfn->location != VS_PAGE_ACTIVE || pfn->pid != process->pid || pfn->vpn != vpn)
        fail(c, process, "AWE PTE names a frame not recorded as this page's", vs_vpn_address(vpn));
    else if (pte != expected || (mm != MM_READWRITE && mm != MM_READONLY && mm != MM_NOACCESS))
        fail(c, process, "AWE PTE disagrees with its frame's protection", vs_vpn_address(vpn));
    if (c->mappings)
        c->mappings[frame]++;
    c->valid++;
    c->awe_valid++;
    c->awe_process++;
}

/* The VAD of a leaf PTE, moving the cursor along the in-order walk; NULL if none holds it. */
static const VsVad *cursor_vad(Checker *c, uint64_t vpn)
{
    PteCursor *cursor = &c->cursor;
    while (cursor->vad && cursor->vad->ending_vpn < vpn) {
        cursor->vad = vs_vad_next(cursor->vad);
        cursor->index++;
    }
    return cursor->vad && vpn >= cursor->vad->starting_vpn ? cursor->vad : NULL;
}

/* A valid or transition PTE names a frame whose PFN entry records that page. */
static void check_resident(Checker *c, const VsProcess *process, const VsVad *vad, uint64_t vpn,
                           uint64_t pte)
{
    const VsPfnDatabase *db = &process->system->pfn;
    uint64_t frame = vs_pte_frame(pte);
    if (frame >= db->never_used) {
        fail(c, process, "PTE names a frame never handed out", vs_vpn_address(vpn));
        return;
    }
    const VsPfn *pfn = &db->frames[frame];
    if (pfn->flags & VS_PFN_AWE) {
        check_awe_valid(c, process, vad, vpn, pte, pfn, frame);
        return;
    }
    if ((pfn->flags & VS_PFN_PROTOTYPE) && vs_pte_is_valid(pte)) {
        check_valid_shared(c, process, vad, vpn, pte, pfn, frame);
        return;
    }
    if (pfn->pid != process->pid || pfn->vpn != vpn ||
        (pfn->flags & (VS_PFN_PAGE_TABLE | VS_PFN_PROTOTYPE))) {
        fail(c, process, "frame's PFN entry names another page", vs_vpn_address(vpn));
        return;
    }
    if (vs_pte_is_valid(pte))
        check_valid(c, process, vpn, pte, pfn, frame);
    else
        check_transition(c, process, vpn, pte, pfn, frame);
    own_slot(c, process, vs_pte_pagefile_slot(pfn->original_pte), vpn);
}

static void check_leaf_entry(Checker *c, const VsProcess *process, uint64_t vpn, uint64_t pte)
{
    const VsVad *vad = cursor_vad(c, vpn);
    if (vs_pte_is_resident(pte))
        check_resident(c, process, vad, vpn, pte);
    else if (!known_software_pte(pte))
        fail(c, process, "PTE in an unknown state", vs_vpn_address(vpn));
    else if (vs_pte_is_proto(pte) && (!vad || !vs_vad_is_view(vad)))
        fail(c, process, "prototype-format PTE outside a view", vs_vpn_address(vpn));
    else
        own_slot(c, process, vs_pte_pagefile_slot(pte), vpn);
    if (!vad) {
        fail(c, process, "PTE outside every VAD", vs_vpn_address(vpn));
        return;
    }
    if (vad->kind == VS_VAD_PLACEHOLDER)
        fail(c, process, "PTE inside a placeholder", vs_vpn_address(vpn));
    if (vad->large_pages)
        fail(c, process, "PTE inside large-page memory", vs_vpn_address(vpn));
    if (vad->physical && !(vs_pte_is_valid(pte) &&
                           (process->system->pfn.frames[vs_pte_frame(pte)].flags & VS_PFN_AWE)))
        fail(c, process, "PTE in an AWE window maps no AWE frame", vs_vpn_address(vpn));
    PteCursor *cursor = &c->cursor;
    if (!cursor->demand_zero)
        return;
    if (pte == VS_PTE_DECOMMITTED)
        cursor->decommitted[cursor->index]++;
    else
        cursor->demand_zero[cursor->index]++;
}

/* A PDE that maps a large page: inside a large-page VAD that covers all of it (or a VAD its
 * personality maps large pages in), its frames a run on a large-page boundary, each active and
 * recording this process and page. */
static void check_large_pde(Checker *c, const VsProcess *process, uint64_t vpn, uint64_t pde)
{
    const VsPfnDatabase *db = &process->system->pfn;
    uint64_t span = vs_large_page_pages(process->system->layout), first = vs_pte_frame(pde);
    const VsVad *vad = cursor_vad(c, vpn);
    const VsPersonality *personality = process->system->personality;
    bool faulted = vad && !vad->large_pages && personality && personality->private_large_page &&
                   personality->private_large_page(vad);
    if (!vad || !(vad->large_pages || faulted) || vad->ending_vpn < vpn + span - 1) {
        fail(c, process, "large PDE outside a large-page VAD", vs_vpn_address(vpn));
        return;
    }
    if (first % span || first + span > db->never_used) {
        fail(c, process, "large PDE names an unaligned or unused run of frames",
             vs_vpn_address(vpn));
        return;
    }
    /* A section's large page (pid: the section, vpn: the page's index; written if a run) is
     * shared by every view mapping it; a private one, the process's own, may lie in a view too (a
     * personality's, in anonymous memory fork left shared). */
    bool shared = db->frames[first].flags & VS_PFN_PROTOTYPE;
    bool view = vs_vad_is_view(vad);
    for (uint64_t i = 0; i < span; i++) {
        const VsPfn *pfn = &db->frames[first + i];
        uint8_t marks = pfn->flags & (uint8_t) ~(VS_PFN_MODIFIED | VS_PFN_LAZY_FREE);
        bool ok = shared ? marks == (VS_PFN_PROTOTYPE | VS_PFN_LARGE_PAGE) && view &&
                               pfn->pid == vs_mapped_vad(vad)->section->id &&
                               pfn->vpn == vs_view_prototype_index(vad, vpn) + i
                         : marks == VS_PFN_LARGE_PAGE && !(pfn->flags & VS_PFN_MODIFIED) &&
                               pfn->pid == process->pid && pfn->vpn == vpn + i &&
                               pfn->share_count == 1;
        if (pfn->location != VS_PAGE_ACTIVE || !ok) {
            fail(c, process, "large-page frame's PFN entry names another page",
                 vs_vpn_address(vpn + i));
            return;
        }
        if (shared && c->mappings)
            c->mappings[first + i]++;
    }
    if (!shared) {
        c->large_frames += span;
        c->large_process += span;
        c->large_private += faulted ? span : 0;
    } else if (!vad->large_pages) {
        c->large_shared += span;
    }
}

/* Large-page memory is all mapped: every large-page VAD's pages are the process's large-page
 * frames, and those are what its PDEs map. */
static void check_large_pages(Checker *c, const VsProcess *process)
{
    uint64_t pages = 0;
    for (const VsVad *vad = vs_vad_min(process->vad_root.root); vad; vad = vs_vad_next(vad))
        pages +=
            vad->large_pages && !vs_vad_is_view(vad) ? vad->ending_vpn - vad->starting_vpn + 1 : 0;
    if (pages + c->large_private != process->large_pages ||
        c->large_process != process->large_pages)
        fail(c, process, "large-page VADs, PDEs and frames differ", process->large_pages);
    if (c->large_shared != process->shared_large_pages)
        fail(c, process, "PDEs mapping sections' runs differ from their count",
             process->shared_large_pages);
}

/* Checks one table and everything below it; counts the tables seen. */
static void check_table(Checker *c, const VsProcess *process, uint64_t frame, uint32_t level,
                        uint64_t first_vpn, uint64_t *tables)
{
    const VsLayout *layout = process->system->layout;
    const VsPageTable *table = vs_pt_table(process->system, frame);
    if (!table) {
        fail(c, process, "page-table entry names a free frame", frame);
        return;
    }
    const VsPfn *pfn = &process->system->pfn.frames[frame];
    if (pfn->location != VS_PAGE_ACTIVE || !(pfn->flags & VS_PFN_PAGE_TABLE) ||
        pfn->pid != process->pid)
        fail(c, process, "page table's frame is not recorded as one of its tables", frame);
    (*tables)++;
    c->tables++; /* a page-table page is an active frame too */
    if (table->level != level || table->first_vpn != first_vpn)
        fail(c, process, "page table at the wrong level or range", vs_vpn_address(first_vpn));
    uint32_t entries = 1u << layout->level_bits, used = 0;
    uint32_t shift = layout->level_bits * (layout->paging_levels - 1 - level);
    bool leaf = level + 1 == layout->paging_levels;
    for (uint32_t i = 0; i < entries; i++) {
        uint64_t entry = table->entries[i];
        if (!entry)
            continue;
        used++;
        uint64_t vpn = first_vpn + ((uint64_t)i << shift);
        if (leaf)
            check_leaf_entry(c, process, vpn, entry);
        else if ((entry & VS_PTE_VALID) && (entry & VS_PDE_LARGE_PAGE) &&
                 level + 2 == layout->paging_levels)
            check_large_pde(c, process, vpn, entry);
        else if (!(entry & VS_PTE_VALID) || (entry & VS_PDE_LARGE_PAGE))
            fail(c, process, "upper-level entry is not a valid table link", vs_vpn_address(vpn));
        else
            check_table(c, process, vs_pte_frame(entry), level + 1, vpn, tables);
    }
    if (used != table->used_entries)
        fail(c, process, "page-table used count differs from its entries",
             vs_vpn_address(first_vpn));
    if (used == 0 && level != 0)
        fail(c, process, "empty page table not freed", vs_vpn_address(first_vpn));
}

/* ---- Commit ---------------------------------------------------------------------------------- */

/* Committed pages of the VAD at in-order index: from the tallies when there are any. */
static uint64_t committed_pages(const Checker *c, const VsProcess *process, const VsVad *vad,
                                size_t index)
{
    if (vad->kind == VS_VAD_SHARED_USER_DATA)
        return 0; /* charges nothing (MM_MAX_COMMIT) */
    if (personality_commits(process))
        return process->system->personality->vad_commit(vad);
    if (vs_vad_is_view(vad)) /* checked by check_commit: what copy-on-write charged */
        return vad->commit_charge;
    if (vad->physical) /* an AWE window charges nothing: its frames are charged to the system */
        return 0;
    if (!c->cursor.demand_zero)
        return vs_commit_count(process, vad, vad->starting_vpn, vad->ending_vpn);
    /* In a MemCommit VAD every page is committed but the decommitted ones; elsewhere exactly the
     * demand-zero ones (commit.c, vs_page_state). */
    if (vad->mem_commit)
        return vad->ending_vpn - vad->starting_vpn + 1 - c->cursor.decommitted[index];
    return c->cursor.demand_zero[index];
}

static void check_commit(Checker *c, const VsProcess *process)
{
    uint64_t total = 0;
    size_t index = 0;
    for (const VsVad *vad = vs_vad_min(process->vad_root.root); vad;
         vad = vs_vad_next(vad), index++) {
        uint64_t expected = committed_pages(c, process, vad, index);
        uint64_t pages = vad->ending_vpn - vad->starting_vpn + 1;
        /* A view charges only for copy-on-write: every page when mapped so, or the pages made
         * copy-on-write later by VirtualProtect. */
        const VsImage *image = vs_vad_is_view(vad) ? vs_mapped_vad(vad)->section->image : NULL;
        if (image &&
            (vad->commit_charge < image->commitment || vad->protection != MM_EXECUTE_WRITECOPY))
            fail(c, process, "image view does not charge its image's write-copy pages",
                 vs_vpn_address(vad->starting_vpn));
        else if (vs_vad_is_view(vad) && !image && !personality_commits(process) &&
                 (vad->commit_charge > pages ||
                  (vs_mm_is_copy_on_write(vad->protection) && vad->commit_charge != pages)))
            fail(c, process, "view's commit charge is not its copy-on-write pages",
                 vs_vpn_address(vad->starting_vpn));
        if (vad->commit_charge != expected)
            fail(c, process, "VAD commit charge differs from its PTEs",
                 vs_vpn_address(vad->starting_vpn));
        total += vad->commit_charge;
    }
    if (total != process->commit_charge)
        fail(c, process, "process commit charge differs from its VADs", total);
}

/* ---- Physical memory ---------------------------------------------------------------------- */

/* Walks a list: every frame on it says it is there, the links agree both ways, and the length
 * is its count. */
/* The first slot in use that no page owned (for the checker's message). */
static uint64_t unowned_slot(const Checker *c, const VsSystem *system)
{
    for (uint64_t slot = 1; slot < system->pagefile.slots; slot++)
        if (vs_pagefile_in_use(&system->pagefile, slot) &&
            !(c->slots_seen[slot / 64] >> (slot % 64) & 1))
            return slot;
    return 0;
}

static bool list_ok(const VsPfnDatabase *db, VsPageLocation location)
{
    const VsPfnList *list = &db->lists[location];
    uint64_t n = 0, prev = VS_PFN_NONE;
    for (uint64_t f = vs_pfn_first(db, location); f != VS_PFN_NONE; f = vs_pfn_next(db, f)) {
        const VsPfn *pfn = &db->frames[f];
        uint64_t back = pfn->blink == VS_PFN_LINK_NONE ? VS_PFN_NONE : pfn->blink;
        if (f >= db->never_used || pfn->location != location || back != prev || ++n > db->count)
            return false;
        prev = f;
    }
    uint64_t tail = list->tail == VS_PFN_LINK_NONE ? VS_PFN_NONE : list->tail;
    return n == list->count && tail == prev;
}

/* The lists are whole, every frame handed out is on exactly one list or active, active frames are
 * the valid PTEs and page tables, standby and modified frames the transition PTEs, the page
 * file's used slots are the ones pages own, and the commit charge is what processes and sections
 * hold, within the limit unless the personality overcommits. */
/* Every AWE frame is active, its process's, counted by it, and mapped exactly where its PteAddress
 * says (once) or nowhere; how many there are. */
static uint64_t check_awe_frames(Checker *c, const VsSystem *system)
{
    const VsPfnDatabase *db = &system->pfn;
    const VsProcess *first = system->processes[0];
    uint64_t frames = 0, owned = 0;
    for (uint64_t frame = 0; frame < db->never_used; frame++) {
        const VsPfn *pfn = &db->frames[frame];
        if (!(pfn->flags & VS_PFN_AWE))
            continue;
        frames++;
        const VsProcess *owner = vs_process_by_id(system, pfn->pid);
        if (pfn->location != VS_PAGE_ACTIVE || !owner || pfn->share_count != 1 ||
            pfn->reference_count != 1)
            fail(c, first, "AWE frame not active, locked and owned by a process", frame);
        else if (c->mappings && c->mappings[frame] != (pfn->vpn != VS_PFN_NONE))
            fail(c, first, "AWE frame's PteAddress differs from the PTEs mapping it", frame);
    }
    for (size_t i = 0; i < system->process_count; i++)
        owned += system->processes[i]->awe_pages;
    if (owned != frames)
        fail(c, first, "AWE frames differ from what their processes count", frames);
    return frames;
}

static bool run_whole(const VsSystem *system, const VsSection *section, uint64_t first);

/* Every page of a run shared through a section that has left its index (detached:
 * largeshared.c) is active, mapped by its run's PDEs alone, at least one; and a detached first
 * frame's run is whole. How many there are. */
static uint64_t check_detached_frames(Checker *c, const VsSystem *system)
{
    const VsPfnDatabase *db = &system->pfn;
    const VsProcess *first = system->processes[0];
    uint64_t span = vs_large_page_pages(system->layout), frames = 0;
    for (uint64_t frame = 0; frame < db->never_used; frame++) {
        const VsPfn *pfn = &db->frames[frame];
        if (!vs_large_page_in_run(system, frame) || pfn->location != VS_PAGE_ACTIVE)
            continue; /* the common case, cheaply: no run's page */
        const VsSection *section = vs_section_by_id(system, pfn->pid);
        if (!section || section->large_pages || !vs_large_page_detached(system, frame))
            continue;
        frames++;
        if (pfn->share_count == 0 || pfn->reference_count != 1 ||
            (frame % span == 0 && !run_whole(system, section, frame)))
            fail(c, first, "detached page of a shared large page is not its run's, mapped", frame);
        else if (c->mappings && c->mappings[frame] != pfn->share_count)
            fail(c, first, "detached page's share count differs from the PDEs mapping it", frame);
    }
    return frames;
}

static void check_frames(Checker *c, const VsSystem *system)
{
    const VsPfnDatabase *db = &system->pfn;
    const VsProcess *first = system->process_count ? system->processes[0] : NULL;
    if (!first)
        return;
    static const VsPageLocation lists[] = {VS_PAGE_ZEROED, VS_PAGE_FREE, VS_PAGE_STANDBY,
                                           VS_PAGE_MODIFIED, VS_PAGE_BAD};
    uint64_t listed = 0;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        if (!list_ok(db, lists[i]))
            fail(c, first, "a page list is broken or miscounted", lists[i]);
        listed += db->lists[lists[i]].count;
    }
    if (listed + db->active_count != db->never_used)
        fail(c, first, "frames on no list, or on two", db->never_used);
    uint64_t awe_frames = check_awe_frames(c, system);
    uint64_t detached = check_detached_frames(c, system);
    if (c->valid - c->shared_valid + c->shared_frames + detached + c->tables + c->large_frames -
            c->awe_valid + awe_frames !=
        db->active_count)
        fail(c, first,
             "active frames differ from valid PTEs, page tables, large pages and AWE frames",
             db->active_count);
    if (c->transition != db->lists[VS_PAGE_STANDBY].count + db->lists[VS_PAGE_MODIFIED].count)
        fail(c, first, "standby and modified frames differ from transition PTEs", c->transition);
    if (c->slots_seen && c->slots_owned != system->pagefile.used)
        fail(c, first, "a page-file slot in use that no page owns", unowned_slot(c, system));
    uint64_t commit = 0;
    for (size_t i = 0; i < system->process_count; i++)
        commit += system->processes[i]->commit_charge + system->processes[i]->awe_pages;
    for (size_t i = 0; i < system->section_count; i++)
        commit += system->sections[i] ? system->sections[i]->committed_pages : 0;
    /* A personality that charges its own way may overcommit (Linux's heuristic mode lets
     * Committed_AS pass CommitLimit); NT never does. */
    bool overcommits = personality_commits(first);
    if (commit != system->commit_total || (commit > system->commit_limit && !overcommits) ||
        system->commit_peak < commit)
        fail(c, first,
             "system commit charge differs from its processes' and sections' or passes "
             "its limit",
             system->commit_total);
}

/* Every working-set entry is a valid page whose frame points back at it; with check_valid (each
 * valid page has its entry) the list and the valid PTEs are the same set. */
static void check_working_set(Checker *c, const VsProcess *process, uint64_t valid_before)
{
    const VsWorkingSet *ws = &process->ws;
    uint64_t locked = 0;
    for (uint64_t i = 0; i < ws->count; i++) {
        locked += ws->entries[i].locked;
        uint64_t vpn = ws->entries[i].vpn;
        uint64_t pte = vs_pt_read(process, vpn);
        if (!vs_pte_is_valid(pte) ||
            vs_ws_entry(process, vpn, vs_pte_frame(pte)) != &ws->entries[i])
            fail(c, process, "working-set entry names no valid page of its own",
                 vs_vpn_address(vpn));
    }
    if (ws->shared.used > ws->count)
        fail(c, process, "working-set hash holds more entries than the working set",
             ws->shared.used);
    if (c->valid - valid_before - c->awe_process != ws->count)
        fail(c, process, "working-set size differs from the valid pages", ws->count);
    if (ws->peak < ws->count)
        fail(c, process, "working-set peak below its size", ws->peak);
    if (locked != ws->locked)
        fail(c, process, "locked working-set entries differ from their count", ws->locked);
}

/* Each write-watch VAD has one bitmap of exactly its range, and each bitmap such a VAD. */
static void check_write_watch(Checker *c, const VsProcess *process)
{
    size_t vads = 0;
    for (const VsVad *vad = vs_vad_min(process->vad_root.root); vad; vad = vs_vad_next(vad)) {
        if (!vad->write_watch)
            continue;
        vads++;
        size_t matches = 0;
        for (size_t i = 0; i < process->watch_count; i++)
            matches += process->watches[i].start_vpn == vad->starting_vpn &&
                       process->watches[i].pages == vad->ending_vpn - vad->starting_vpn + 1;
        if (matches != 1)
            fail(c, process, "write-watch VAD without exactly one bitmap of its range",
                 vs_vpn_address(vad->starting_vpn));
    }
    if (vads != process->watch_count)
        fail(c, process, "write-watch bitmaps that no write-watch VAD owns", process->watch_count);
}

/* ---- Sections -------------------------------------------------------------------------------- */

/* An image's prototype PTE not resident: at its subsection's protection, in the file or demand
 * zero (or, once written and paged out, a shared writable page in the page file). */
static bool image_prototype_fits(const VsSection *section, uint64_t index, uint64_t pte)
{
    const VsSubsection *s = vs_image_subsection(section->image, index);
    return s && index - s->first_page < s->committed_pages && vs_pte_mm_protection(pte) == s->mm;
}

/* The pages an image's subsections commit, within the section's size. */
static uint64_t image_committed_pages(const VsSection *section)
{
    uint64_t pages = 0;
    for (uint32_t i = 0; i < section->image->count; i++) {
        const VsSubsection *s = &section->image->subsections[i];
        if (s->first_page < section->pages)
            pages += vs_min(s->committed_pages, section->pages - s->first_page);
    }
    return pages;
}

/* One prototype PTE: a valid one names an active frame of this page whose share count is the
 * valid process PTEs mapping it; a transition one a frame on the list its Modified flag says,
 * mapped by none; a page-file one owns its slot. */
/* Whether the run of a large page's frames from first (a run shared through section:
 * largeshared.c) is whole: each frame a page of a run, of this section, at the index after its
 * predecessor's, all inside the section. Checked once per run, at its first frame (wherever that
 * page is: at its index, or detached). */
static bool run_whole(const VsSystem *system, const VsSection *section, uint64_t first)
{
    uint64_t span = vs_large_page_pages(system->layout), index = system->pfn.frames[first].vpn;
    if (index + span > section->pages)
        return false;
    for (uint64_t i = 0; i < span; i++) {
        const VsPfn *pfn = &system->pfn.frames[first + i];
        if (!vs_large_page_in_run(system, first + i) || pfn->pid != section->id ||
            pfn->vpn != index + i)
            return false;
    }
    return true;
}

/* Whether the section's page at index, in frame, lies in a run of a large page's frames: a
 * SEC_LARGE_PAGES section's pages are such runs from an aligned index on; another section's run
 * is walked from its first frame. */
static bool in_its_run(const VsSystem *system, const VsSection *section, uint64_t index,
                       uint64_t frame, uint64_t span)
{
    if (section->large_pages)
        return frame % span == index % span;
    return frame % span || run_whole(system, section, frame);
}

/* A large page's page held by a section: a SEC_LARGE_PAGES section's, valid for the section's
 * life, or a run shared through it, valid while the run lasts; either shared by exactly the large
 * PDEs and PTEs mapping it (none, maybe). */
static void check_large_prototype(Checker *c, const VsProcess *first, const VsSection *section,
                                  uint64_t index, uint64_t pte, uint64_t frame)
{
    const VsPfn *pfn = &first->system->pfn.frames[frame];
    uint64_t span = vs_large_page_pages(first->system->layout);
    uint8_t allowed = VS_PFN_PROTOTYPE | VS_PFN_LARGE_PAGE |
                      (section->large_pages ? 0 : VS_PFN_MODIFIED | VS_PFN_LAZY_FREE);
    c->shared_frames++;
    if (!(pfn->flags & VS_PFN_LARGE_PAGE) || (pfn->flags & ~allowed) ||
        pte != vs_pte_make_valid(frame, section->protection) || pfn->location != VS_PAGE_ACTIVE ||
        pfn->reference_count != 1 || !in_its_run(first->system, section, index, frame, span))
        fail(c, first, "large-page section's page is not a resident frame of its run", index);
    else if (c->mappings && c->mappings[frame] != pfn->share_count)
        fail(c, first, "section frame's share count differs from the PTEs mapping it", frame);
}

static void check_prototype(Checker *c, const VsSystem *system, const VsProcess *first,
                            const VsSection *section, uint64_t index)
{
    uint64_t pte = vs_prototype_read(section, index);
    const VsPfnDatabase *db = &system->pfn;
    if (!vs_pte_is_resident(pte)) {
        if (pte && !known_software_pte(pte))
            fail(c, first, "prototype PTE in an unknown state", index);
        /* A file's pages are in the file or resident, never zero or in the page file; a
         * pagefile section's never point into a file. */
        if (section->image  ? !image_prototype_fits(section, index, pte)
            : section->file ? !vs_pte_is_proto(pte)
                            : vs_pte_is_proto(pte))
            fail(c, first, "prototype PTE of the wrong backing (file or page file)", index);
        own_slot(c, first, vs_pte_pagefile_slot(pte), index);
        return;
    }
    uint64_t frame = vs_pte_frame(pte);
    const VsPfn *pfn = frame < db->never_used ? &db->frames[frame] : NULL;
    if (!pfn || !(pfn->flags & VS_PFN_PROTOTYPE) || pfn->pid != section->id || pfn->vpn != index) {
        fail(c, first, "prototype PTE's frame records another page", index);
        return;
    }
    if (section->large_pages || (pfn->flags & VS_PFN_LARGE_PAGE)) {
        check_large_prototype(c, first, section, index, pte, frame);
        return;
    }
    own_slot(c, first, vs_pte_pagefile_slot(pfn->original_pte), index);
    if (section->file && !section->image &&
        pfn->original_pte != vs_pte_make_subsection(section->protection) &&
        !vs_pte_is_proto(pfn->original_pte))
        fail(c, first, "a file page's frame forgot that its page is in the file", frame);
    if (section->image &&
        vs_pte_mm_protection(pfn->original_pte) != vs_section_page_mm(section, index))
        fail(c, first, "an image page's frame has another protection than its subsection", frame);
    if (vs_pte_is_valid(pte)) {
        c->shared_frames++;
        if (pte != vs_pte_make_valid(frame, vs_section_page_mm(section, index)) ||
            pfn->location != VS_PAGE_ACTIVE || pfn->share_count == 0 || pfn->reference_count != 1)
            fail(c, first, "valid prototype PTE's frame is not active and shared", index);
        else if (c->mappings && c->mappings[frame] != pfn->share_count)
            fail(c, first, "section frame's share count differs from the PTEs mapping it", frame);
        return;
    }
    c->transition++;
    VsPageLocation list = (pfn->flags & VS_PFN_MODIFIED) ? VS_PAGE_MODIFIED : VS_PAGE_STANDBY;
    if (pfn->location != list || pfn->share_count || pfn->reference_count)
        fail(c, first, "transition prototype PTE's frame is not on its list, unreferenced", index);
}

/* The section's sparse store of prototype PTEs: well formed, its initial entry the one the
 * section's kind says (demand zero, zero or in the file: prototype.c), nothing stored past its
 * last page; then each stored entry, the pages that differ from the initial one. */
static void check_prototype_store(Checker *c, const VsSystem *system, const VsProcess *first,
                                  const VsSection *section)
{
    const uint64_t limit = (1ull << VS_SPARSE_INDEX_BITS) - 1, last = section->pages - 1;
    if (!vs_sparse_valid(&section->prototypes) ||
        section->prototypes.initial != vs_prototype_initial(section) ||
        vs_prototype_next(section, section->pages, limit) <= limit) {
        fail(c, first, "section's prototype PTE store is malformed", section->id);
        return;
    }
    for (uint64_t index = vs_prototype_next(section, 0, last); index <= last;
         index = vs_prototype_next(section, index + 1, last))
        check_prototype(c, system, first, section, index);
}

/* Every section object names a live control area that counts its handles among its user
 * references, has a handle, and is no larger than the control area's pages (an image section may
 * be smaller than its image; a data section's control area grows to its largest object). */
static void check_section_objects(Checker *c, const VsSystem *system, const VsProcess *first)
{
    for (const VsSectionObject *o = system->section_objects; o; o = o->next) {
        const VsSection *section = o->control_area;
        uint64_t handles = 0;
        for (const VsSectionObject *p = system->section_objects; p; p = p->next)
            handles += p->control_area == section ? p->handles : 0;
        if (vs_section_by_id(system, section->id) != section || handles > section->handles)
            fail(c, first, "section object's control area gone or not counting its handles",
                 o->handles);
        if (!o->handles || o->size_of_section == 0 ||
            o->size_of_section > section->pages * VS_PAGE_SIZE)
            fail(c, first, "section object without a handle, or larger than its control area",
                 o->size_of_section);
    }
}

/* Every section's prototype PTEs, its committed pages, and the references that keep it. */
static void check_sections(Checker *c, const VsSystem *system)
{
    const VsProcess *first = system->process_count ? system->processes[0] : NULL;
    if (!first)
        return;
    for (size_t i = 0; i < system->section_count; i++) {
        const VsSection *section = system->sections[i];
        if (!section)
            continue;
        check_prototype_store(c, system, first, section);
        uint64_t committed = vs_prototype_committed(section, 0, section->pages - 1);
        /* A file's section charges nothing (the file backs it): its pages are all committed. An
         * image's are its subsections' committed pages, and it charges its shared writable ones. */
        uint64_t charged = section->image  ? vs_image_shared_pages(section->image)
                           : section->file ? 0
                                           : committed;
        uint64_t expected = section->image ? image_committed_pages(section) : section->pages;
        if (section->id != i + 1 || charged != section->committed_pages ||
            (!section->reserve && committed != expected))
            fail(c, first, "section's committed pages differ from its prototype PTEs", section->id);
        if (section->file && !section->image && section->file->section != section)
            fail(c, first, "file section not the file's data section", section->id);
        if (section->image && section->file->image_section != section)
            fail(c, first, "image section not the file's image section", section->id);
        if (!section->handles && !section->views)
            fail(c, first, "section kept with no handle and no view", section->id);
    }
    uint64_t views = 0, expected = 0;
    for (size_t i = 0; i < system->process_count; i++)
        for (const VsVad *vad = vs_vad_min(system->processes[i]->vad_root.root); vad;
             vad = vs_vad_next(vad))
            views += vs_vad_is_view(vad);
    for (size_t i = 0; i < system->section_count; i++)
        expected += system->sections[i] ? system->sections[i]->views : 0;
    if (views != expected)
        fail(c, first, "sections' view counts differ from the views mapped", views);
    check_section_objects(c, system, first);
}

bool vs_check(const VsSystem *system, char *why, size_t why_len)
{
    Checker c = {.why = why,
                 .why_len = why_len,
                 .ok = true,
                 .slots_seen = calloc((system->pagefile.slots + 63) / 64, sizeof(uint64_t)),
                 .mappings = calloc(system->pfn.count, sizeof(uint32_t))};
    if (why_len)
        why[0] = '\0';
    for (size_t i = 0; i < system->process_count && c.ok; i++) {
        const VsProcess *process = system->processes[i];
        check_subtree(&c, process, process->vad_root.root, NULL);
        check_order(&c, process);
        if (!c.ok)
            break; /* the walks below trust the tree's order */
        size_t count = process->vad_root.count + 1;
        c.cursor = (PteCursor){.vad = vs_vad_min(process->vad_root.root),
                               .demand_zero = calloc(count, sizeof(uint64_t)),
                               .decommitted = calloc(count, sizeof(uint64_t))};
        if (!c.cursor.demand_zero || !c.cursor.decommitted) {
            free(c.cursor.demand_zero); /* the host is short: count by rescanning instead */
            free(c.cursor.decommitted);
            c.cursor.demand_zero = c.cursor.decommitted = NULL;
        }
        uint64_t tables = 0, valid_before = c.valid;
        c.large_process = 0;
        c.awe_process = 0;
        c.large_private = 0;
        c.large_shared = 0;
        check_table(&c, process, process->top_table, 0, 0, &tables);
        if (c.ok) /* a large PDE must be a link to nothing else */
            check_large_pages(&c, process);
        if (c.ok) { /* the checks below read PTEs through the tables: only through sound ones */
            check_working_set(&c, process, valid_before);
            check_write_watch(&c, process);
            if (tables != process->page_table_pages)
                fail(&c, process, "page_table_pages differs from the tables found", tables);
            check_commit(&c, process);
        }
        free(c.cursor.demand_zero);
        free(c.cursor.decommitted);
    }
    if (c.ok)
        check_sections(&c, system);
    if (c.ok)
        check_frames(&c, system);
    uint64_t pipe_index;
    const char *pipe_fault = vs_pipe_invariant(system, &pipe_index);
    if (c.ok && pipe_fault && system->process_count)
        fail(&c, system->processes[0], pipe_fault, pipe_index);
    free(c.slots_seen);
    free(c.mappings);
    return c.ok;
}
