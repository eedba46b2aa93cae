/*
 * check.c - the invariant checker: walks every structure of the system and proves it consistent.
 *
 * Models what Linux's validate_mm does for its VMA tree (Windows has no public equivalent); tests
 * call it after every operation. It checks, per process:
 *   - the VAD tree: parent links, AVL balance (|height(right) - height(left)| <= 1 and equal to the
 *     stored balance), strictly increasing disjoint ranges inside user space, the node count, the
 *     node hint, and the free-gap bookkeeping (gap_pages, max_gap_pages);
 *   - the page tables: each table's used count equals its non-zero entries, only the top table may be
 *     empty, every upper entry names a live table one level down covering the right range, the
 *     number of tables equals page_table_pages, every non-zero PTE is a known software state and lies
 *     inside a VAD;
 *   - commit: each VAD's charge equals its committed pages (none for NoChange VADs) and the
 *     process's charge is their sum;
 *   - physical memory: every valid or transition PTE names an active frame whose PFN entry records
 *     that page and its protection, the zeroed and free lists hold what their counts say, and
 *     zeroed + free + active frames account for every frame handed out.
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
    uint64_t resident; /* valid and transition PTEs and page-table pages seen, every process */
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

/* ---- VAD tree ---------------------------------------------------------------------------------- */

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
    }
    if (count != table->count)
        fail(c, process, "VAD count differs from the tree", count);
    if (table->node_hint &&
        vs_vad_find_conflict(table, table->node_hint->starting_vpn,
                             table->node_hint->starting_vpn) != table->node_hint)
        fail(c, process, "VAD node hint is not in the tree", (uint64_t)table->node_hint->starting_vpn);
}

/* ---- Page tables ------------------------------------------------------------------------------- */

static bool known_software_pte(uint64_t pte)
{
    if (pte == VS_PTE_DECOMMITTED)
        return true;
    uint32_t mm = vs_pte_mm_protection(pte);
    return pte == vs_pte_make_software(mm) && vs_mm_to_win32(mm) != 0;
}

/* A valid or transition PTE names an active frame that records this page, and agrees with the
 * protection the frame's OriginalPte keeps. */
static void check_resident(Checker *c, const VsProcess *process, uint64_t vpn, uint64_t pte)
{
    const VsPfnDatabase *db = &process->system->pfn;
    uint64_t frame = vs_pte_frame(pte);
    if (frame >= db->never_used || db->frames[frame].location != VS_PAGE_ACTIVE) {
        fail(c, process, "PTE names a frame that is not active", vs_vpn_address(vpn));
        return;
    }
    const VsPfn *pfn = &db->frames[frame];
    if (pfn->pid != process->pid || pfn->vpn != vpn || pfn->page_table)
        fail(c, process, "frame's PFN entry names another page", vs_vpn_address(vpn));
    uint32_t mm = vs_pte_mm_protection(pfn->original_pte);
    uint64_t expected = vs_pte_is_valid(pte) ? vs_pte_make_valid(frame, mm)
                                             : vs_pte_make_transition(frame, mm);
    /* A valid PTE must allow access; a transition one may have any protection (a guard page that
     * was touched stays transition, unguarded, until the next touch makes it valid). */
    if (pte != expected || (vs_pte_is_valid(pte) && !vs_mm_accessible(mm)))
        fail(c, process, "resident PTE disagrees with its frame's protection", vs_vpn_address(vpn));
    c->resident++;
}

static void check_leaf_entry(Checker *c, const VsProcess *process, uint64_t vpn, uint64_t pte)
{
    if (vs_pte_is_resident(pte))
        check_resident(c, process, vpn, pte);
    else if (!known_software_pte(pte))
        fail(c, process, "PTE in an unknown state", vs_vpn_address(vpn));
    PteCursor *cursor = &c->cursor;
    while (cursor->vad && cursor->vad->ending_vpn < vpn) {
        cursor->vad = vs_vad_next(cursor->vad);
        cursor->index++;
    }
    if (!cursor->vad || vpn < cursor->vad->starting_vpn) {
        fail(c, process, "PTE outside every VAD", vs_vpn_address(vpn));
        return;
    }
    if (!cursor->demand_zero)
        return;
    if (pte == VS_PTE_DECOMMITTED)
        cursor->decommitted[cursor->index]++;
    else
        cursor->demand_zero[cursor->index]++;
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
    if (pfn->location != VS_PAGE_ACTIVE || !pfn->page_table || pfn->pid != process->pid)
        fail(c, process, "page table's frame is not recorded as one of its tables", frame);
    (*tables)++;
    c->resident++; /* a page-table page is an active frame too */
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
        else if (!(entry & VS_PTE_VALID))
            fail(c, process, "upper-level entry is not a valid table link", vs_vpn_address(vpn));
        else
            check_table(c, process, vs_pte_frame(entry), level + 1, vpn, tables);
    }
    if (used != table->used_entries)
        fail(c, process, "page-table used count differs from its entries", vs_vpn_address(first_vpn));
    if (used == 0 && level != 0)
        fail(c, process, "empty page table not freed", vs_vpn_address(first_vpn));
}

/* ---- Commit ------------------------------------------------------------------------------------ */

/* Committed pages of the VAD at in-order index: from the tallies when there are any. */
static uint64_t committed_pages(const Checker *c, const VsProcess *process, const VsVad *vad,
                                size_t index)
{
    if (vad->no_change)
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
        if (vad->commit_charge != expected)
            fail(c, process, "VAD commit charge differs from its PTEs",
                 vs_vpn_address(vad->starting_vpn));
        total += vad->commit_charge;
    }
    if (total != process->commit_charge)
        fail(c, process, "process commit charge differs from its VADs", total);
}

/* ---- Physical memory ---------------------------------------------------------------------- */

static uint64_t list_length(const VsPfnDatabase *db, uint64_t head, VsPageLocation location,
                            bool *ok)
{
    uint64_t n = 0;
    for (uint64_t f = head; f != VS_PFN_NONE && n <= db->count; f = db->frames[f].next, n++)
        if (f >= db->never_used || db->frames[f].location != location)
            *ok = false;
    return n;
}

/* The lists hold what their counts say, and every active frame is named by one resident PTE. */
static void check_frames(Checker *c, const VsSystem *system)
{
    const VsPfnDatabase *db = &system->pfn;
    bool lists_ok = true;
    uint64_t zeroed = list_length(db, db->zeroed_head, VS_PAGE_ZEROED, &lists_ok);
    uint64_t free_pages = list_length(db, db->free_head, VS_PAGE_FREE, &lists_ok);
    const VsProcess *first = system->process_count ? system->processes[0] : NULL;
    if (!first)
        return;
    if (!lists_ok || zeroed != db->zeroed_count || free_pages != db->free_count)
        fail(c, first, "a page list is broken or miscounted", zeroed);
    if (db->zeroed_count + db->free_count + db->active_count != db->never_used)
        fail(c, first, "frames in no list", db->never_used);
    if (c->resident != db->active_count)
        fail(c, first, "active frames differ from resident PTEs and page tables",
             db->active_count);
}

bool vs_check(const VsSystem *system, char *why, size_t why_len)
{
    Checker c = {.why = why, .why_len = why_len, .ok = true};
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
        uint64_t tables = 0;
        check_table(&c, process, process->top_table, 0, 0, &tables);
        if (tables != process->page_table_pages)
            fail(&c, process, "page_table_pages differs from the tables found", tables);
        check_commit(&c, process);
        free(c.cursor.demand_zero);
        free(c.cursor.decommitted);
    }
    if (c.ok)
        check_frames(&c, system);
    return c.ok;
}
