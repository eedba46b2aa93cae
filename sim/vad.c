/*
 * vad.c - the VAD tree: a process's virtual address descriptors in an AVL tree keyed by page
 * number.
 *
 * Models MM_AVL_TABLE and its routines (WRK mm/addrsup.c MiInsertNode, MiRemoveNode,
 * MiRebalanceNode, MiGetNextNode/MiGetPreviousNode, MiLocateAddress; ReactOS ARM3 vadnode.c
 * MiCheckForConflictingNode, MiFindEmptyAddressRangeInTree/DownTree). Windows 8+ keeps the same AVL
 * tree under the name RTL_AVL_TREE (MiInsertVad calls RtlAvlInsertNodeEx).
 *
 * Invariants (checked by check.c): in-order VADs are disjoint and increasing; every node's balance
 * is height(right) - height(left) in -1..1; parent links agree with child links; gap_pages is the
 * free, 64 KB-aligned room between the previous VAD (or the lowest user page) and this one, clipped
 * to highest_vpn; max_gap_pages is the largest gap_pages in the node's subtree. The gaps let the
 * first-fit searches skip whole subtrees that cannot hold a request, where Windows uses its VAD
 * bitmap.
 */
#include "internal.h"

/* ---- Node links: the parent pointer shares its word with the balance (RTL_BALANCED_NODE) ----- */

VsVad *vs_vad_parent(const VsVad *vad) { return (VsVad *)(vad->parent_value & ~(uintptr_t)3); }

int vs_vad_balance(const VsVad *vad) { return (int)(vad->parent_value & 3) - 1; }

static void set_parent(VsVad *vad, VsVad *parent)
{
    vad->parent_value = (uintptr_t)parent | (vad->parent_value & 3);
}

static void set_balance(VsVad *vad, int balance)
{
    vad->parent_value = (vad->parent_value & ~(uintptr_t)3) | (uintptr_t)(balance + 1);
}

/* Makes new_child take old_child's place under parent (or at the root). */
static void replace_child(VsVadTable *table, VsVad *parent, VsVad *old_child, VsVad *new_child)
{
    if (!parent)
        table->root = new_child;
    else if (parent->left == old_child)
        parent->left = new_child;
    else
        parent->right = new_child;
    if (new_child)
        set_parent(new_child, parent);
}

VsVad *vs_vad_min(VsVad *node)
{
    while (node && node->left)
        node = node->left;
    return node;
}

VsVad *vs_vad_max(VsVad *node)
{
    while (node && node->right)
        node = node->right;
    return node;
}

/* In-order successor (models MiGetNextNode). */
const VsVad *vs_vad_next(const VsVad *vad)
{
    if (vad->right)
        return vs_vad_min(vad->right);
    const VsVad *parent = vs_vad_parent(vad);
    while (parent && parent->right == vad) {
        vad = parent;
        parent = vs_vad_parent(vad);
    }
    return parent;
}

/* In-order predecessor (models MiGetPreviousNode). */
VsVad *vs_vad_prev(const VsVad *vad)
{
    if (vad->left)
        return vs_vad_max(vad->left);
    const VsVad *parent = vs_vad_parent(vad);
    while (parent && parent->left == vad) {
        vad = parent;
        parent = vs_vad_parent(vad);
    }
    return (VsVad *)parent;
}

/* ---- Free-gap bookkeeping -------------------------------------------------------------------- */

/* vpn rounded up to where an allocation may start: a 64 KB boundary, or the layout's granule. */
static uint64_t granule_up(const VsVadTable *table, uint64_t vpn)
{
    return (vpn + table->granule_pages - 1) & ~(table->granule_pages - 1);
}

/* Aligned free pages in [lo, end_exclusive), clipped to the allocatable range. */
static uint64_t aligned_room(const VsVadTable *table, uint64_t lo, uint64_t end_exclusive)
{
    uint64_t start = granule_up(table, vs_max(lo, table->lowest_vpn));
    uint64_t end = vs_min(end_exclusive, table->highest_vpn + 1);
    return end > start ? end - start : 0;
}

/* The room between vad's predecessor (or the bottom of user space) and vad. */
uint64_t vs_vad_gap_before(const VsVadTable *table, const VsVad *vad)
{
    const VsVad *prev = vs_vad_prev(vad);
    uint64_t lo = prev ? (uint64_t)prev->ending_vpn + 1 : table->lowest_vpn;
    return aligned_room(table, lo, vad->starting_vpn);
}

/* The room above the highest VAD, up to the highest allocatable page. */
uint64_t vs_vad_gap_after_last(const VsVadTable *table)
{
    const VsVad *last = vs_vad_max(table->root);
    uint64_t lo = last ? (uint64_t)last->ending_vpn + 1 : table->lowest_vpn;
    return aligned_room(table, lo, table->highest_vpn + 1);
}

static void update_max_gap(VsVad *vad)
{
    uint64_t best = vad->gap_pages;
    if (vad->left && vad->left->max_gap_pages > best)
        best = vad->left->max_gap_pages;
    if (vad->right && vad->right->max_gap_pages > best)
        best = vad->right->max_gap_pages;
    vad->max_gap_pages = best;
}

/* Recomputes max_gap_pages from vad up to the root. */
static void fix_up_path(VsVad *vad)
{
    for (; vad; vad = vs_vad_parent(vad))
        update_max_gap(vad);
}

/*
 * Recomputes vad's own gap (its predecessor or start changed) and the maxima above it. Every other
 * node's max_gap_pages is right for the tree as it stands, so the walk up stops at the first
 * ancestor whose maximum does not change: above it nothing can.
 */
static void refresh_gap(VsVadTable *table, VsVad *vad)
{
    if (!vad)
        return;
    vad->gap_pages = vs_vad_gap_before(table, vad);
    for (; vad; vad = vs_vad_parent(vad)) {
        uint64_t before = vad->max_gap_pages;
        update_max_gap(vad);
        if (vad->max_gap_pages == before)
            break;
    }
}

/* ---- Rotations and rebalancing (Knuth's AVL, as WRK mm/addrsup.c) --------------------------- */

/* Rotates node's right child up into node's place. */
static void rotate_left(VsVadTable *table, VsVad *node)
{
    VsVad *pivot = node->right;
    node->right = pivot->left;
    if (pivot->left)
        set_parent(pivot->left, node);
    replace_child(table, vs_vad_parent(node), node, pivot);
    pivot->left = node;
    set_parent(node, pivot);
    update_max_gap(node);
    update_max_gap(pivot);
}

/* Rotates node's left child up into node's place. */
static void rotate_right(VsVadTable *table, VsVad *node)
{
    VsVad *pivot = node->left;
    node->left = pivot->right;
    if (pivot->right)
        set_parent(pivot->right, node);
    replace_child(table, vs_vad_parent(node), node, pivot);
    pivot->right = node;
    set_parent(node, pivot);
    update_max_gap(node);
    update_max_gap(pivot);
}

/*
 * Restores balance at node, which leans two levels to side (-1 left, +1 right) after a change.
 * Returns the subtree's new root and whether its height shrank compared with before the change
 * that unbalanced it (only deletions care).
 */
static VsVad *rebalance(VsVadTable *table, VsVad *node, int side, bool *height_dropped)
{
    VsVad *child = side < 0 ? node->left : node->right;
    int child_balance = vs_vad_balance(child);

    if (child_balance == -side) { /* double rotation through the inner grandchild */
        VsVad *grand = side < 0 ? child->right : child->left;
        int grand_balance = vs_vad_balance(grand);
        if (side < 0) {
            rotate_left(table, child);
            rotate_right(table, node);
        } else {
            rotate_right(table, child);
            rotate_left(table, node);
        }
        set_balance(node, grand_balance == side ? -side : 0);
        set_balance(child, grand_balance == -side ? side : 0);
        set_balance(grand, 0);
        *height_dropped = true;
        return grand;
    }
    if (side < 0)
        rotate_right(table, node);
    else
        rotate_left(table, node);
    if (child_balance == 0) { /* only after a deletion */
        set_balance(node, side);
        set_balance(child, -side);
        *height_dropped = false;
    } else {
        set_balance(node, 0);
        set_balance(child, 0);
        *height_dropped = true;
    }
    return child;
}

/* Walks up from a node whose subtree grew by one level (models MiRebalanceNode after insert). */
static void rebalance_after_insert(VsVadTable *table, VsVad *node)
{
    for (VsVad *parent = vs_vad_parent(node); parent; node = parent, parent = vs_vad_parent(node)) {
        int side = parent->left == node ? -1 : 1;
        int balance = vs_vad_balance(parent);
        if (balance == -side) {
            set_balance(parent, 0);
            return;
        }
        if (balance == 0) {
            set_balance(parent, side);
            continue;
        }
        bool dropped;
        rebalance(table, parent, side, &dropped);
        return;
    }
}

/* Walks up from parent, whose side (-1 left, +1 right) lost a level of height. */
static void rebalance_after_remove(VsVadTable *table, VsVad *parent, int side)
{
    while (parent) {
        int balance = vs_vad_balance(parent);
        VsVad *subtree = parent;
        if (balance == side) {
            set_balance(parent, 0);
        } else if (balance == 0) {
            set_balance(parent, -side);
            return;
        } else {
            bool dropped;
            subtree = rebalance(table, parent, -side, &dropped);
            if (!dropped)
                return;
        }
        parent = vs_vad_parent(subtree);
        if (parent)
            side = parent->left == subtree ? -1 : 1;
    }
}

/* ---- The table ------------------------------------------------------------------------------- */

void vs_vad_table_init(VsVadTable *table, uint64_t lowest_vpn, uint64_t highest_vpn)
{
    *table = (VsVadTable){
        .lowest_vpn = lowest_vpn, .highest_vpn = highest_vpn, .granule_pages = VS_GRANULE_PAGES};
}

/* The VAD containing vpn, or NULL. Tries the hint first (models MiLocateAddress). */
VsVad *vs_vad_locate(VsVadTable *table, uint64_t vpn)
{
    VsVad *hint = table->node_hint;
    if (hint && vpn >= hint->starting_vpn && vpn <= hint->ending_vpn)
        return hint;
    VsVad *node = table->root;
    while (node) {
        if (vpn < node->starting_vpn)
            node = node->left;
        else if (vpn > node->ending_vpn)
            node = node->right;
        else {
            table->node_hint = node;
            return node;
        }
    }
    return NULL;
}

/*
 * Some VAD overlapping [start_vpn, end_vpn], or NULL: descend right while the range lies above a
 * node, left while below it (models MiCheckForConflictingVad / MiCheckForConflictingNode).
 */
VsVad *vs_vad_find_conflict(const VsVadTable *table, uint64_t start_vpn, uint64_t end_vpn)
{
    VsVad *node = table->root;
    while (node) {
        if (start_vpn > node->ending_vpn)
            node = node->right;
        else if (end_vpn < node->starting_vpn)
            node = node->left;
        else
            return node;
    }
    return NULL;
}

/* The lowest VAD starting above vpn, or NULL: where a free region ends. */
VsVad *vs_vad_find_above(const VsVadTable *table, uint64_t vpn)
{
    VsVad *node = table->root, *best = NULL;
    while (node) {
        if (node->starting_vpn > vpn) {
            best = node;
            node = node->left;
        } else {
            node = node->right;
        }
    }
    return best;
}

/* Links vad in key order and rebalances (models MiInsertVad -> MiInsertNode). The caller has
 * checked that it conflicts with nothing. */
void vs_vad_insert(VsVadTable *table, VsVad *vad)
{
    VsVad *parent = NULL;
    VsVad **link = &table->root;
    while (*link) {
        parent = *link;
        link = vad->starting_vpn < parent->starting_vpn ? &parent->left : &parent->right;
    }
    vad->left = vad->right = NULL;
    vad->parent_value = 0;
    set_parent(vad, parent);
    set_balance(vad, 0);
    *link = vad;
    table->count++;

    refresh_gap(table, vad);
    refresh_gap(table, (VsVad *)vs_vad_next(vad));
    rebalance_after_insert(table, vad);
}

/*
 * Unlinks a node with two children by putting its successor in its place. Returns the node from
 * which height was lost and on which side.
 */
static VsVad *unlink_with_successor(VsVadTable *table, VsVad *vad, int *side)
{
    VsVad *successor = vs_vad_min(vad->right);
    VsVad *lost_at;
    if (vs_vad_parent(successor) == vad) {
        lost_at = successor;
        *side = 1;
    } else {
        lost_at = vs_vad_parent(successor);
        *side = -1;
        lost_at->left = successor->right;
        if (successor->right)
            set_parent(successor->right, lost_at);
        successor->right = vad->right;
        set_parent(vad->right, successor);
    }
    successor->left = vad->left;
    set_parent(vad->left, successor);
    replace_child(table, vs_vad_parent(vad), vad, successor);
    set_balance(successor, vs_vad_balance(vad));
    return lost_at;
}

/* Unlinks vad and rebalances (models MiRemoveVad -> MiRemoveNode). vad's memory stays the
 * caller's. */
void vs_vad_remove(VsVadTable *table, VsVad *vad)
{
    VsVad *next = (VsVad *)vs_vad_next(vad);
    VsVad *lost_at;
    int side;

    if (vad->left && vad->right) {
        lost_at = unlink_with_successor(table, vad, &side);
    } else {
        VsVad *child = vad->left ? vad->left : vad->right;
        lost_at = vs_vad_parent(vad);
        side = lost_at && lost_at->left == vad ? -1 : 1;
        replace_child(table, lost_at, vad, child);
    }
    table->count--;
    if (table->node_hint == vad)
        table->node_hint = NULL;

    fix_up_path(lost_at);
    refresh_gap(table, next);
    rebalance_after_remove(table, lost_at, side);
    vad->left = vad->right = NULL;
    vad->parent_value = 0;
}

/*
 * Moves vad's bounds in place (a trim by partial release). The new range must keep vad between its
 * neighbours, so the tree's order is unchanged; only the gaps before vad and after it move.
 */
void vs_vad_set_range(VsVadTable *table, VsVad *vad, uint64_t start_vpn, uint64_t end_vpn)
{
    vad->starting_vpn = start_vpn;
    vad->ending_vpn = end_vpn;
    refresh_gap(table, vad);
    refresh_gap(table, (VsVad *)vs_vad_next(vad));
}

/* ---- Free-range search (MiFindEmptyAddressRange, MiFindEmptyAddressRangeDownTree) ---------- */

/* The granule-aligned start of the room just before vad. */
static uint64_t gap_start(const VsVadTable *table, const VsVad *vad)
{
    const VsVad *prev = vs_vad_prev(vad);
    uint64_t lo = prev ? (uint64_t)prev->ending_vpn + 1 : table->lowest_vpn;
    return granule_up(table, vs_max(lo, table->lowest_vpn));
}

/* Lowest fitting gap in the subtree, in address order; NULL if none holds pages. */
static const VsVad *first_fit(const VsVad *node, uint64_t pages)
{
    while (node && node->max_gap_pages >= pages) {
        if (node->left && node->left->max_gap_pages >= pages)
            node = node->left;
        else if (node->gap_pages >= pages)
            return node;
        else
            node = node->right;
    }
    return NULL;
}

/*
 * Highest placement at or below limit_vpn in the subtree: the gap before each node, searched from
 * the top down. Returns true with *start_vpn set when one fits.
 */
static bool last_fit(const VsVadTable *table, const VsVad *node, uint64_t pages, uint64_t limit_vpn,
                     uint64_t *start_vpn)
{
    if (!node || node->max_gap_pages < pages)
        return false;
    if (node->ending_vpn < limit_vpn && last_fit(table, node->right, pages, limit_vpn, start_vpn))
        return true;
    if (node->gap_pages >= pages) {
        uint64_t lo = gap_start(table, node);
        uint64_t top = vs_min((uint64_t)node->starting_vpn - 1, limit_vpn);
        top = vs_min(top, table->highest_vpn);
        if (top + 1 >= lo + pages) {
            *start_vpn = (top + 1 - pages) & ~(table->granule_pages - 1);
            return true;
        }
    }
    return last_fit(table, node->left, pages, limit_vpn, start_vpn);
}

/* The room above the last VAD, as [lo, highest_vpn]. */
static uint64_t tail_start(const VsVadTable *table)
{
    const VsVad *last = vs_vad_max(table->root);
    uint64_t lo = last ? (uint64_t)last->ending_vpn + 1 : table->lowest_vpn;
    return granule_up(table, vs_max(lo, table->lowest_vpn));
}

/*
 * Finds a 64 KB-aligned free range of pages pages whose last page is at most limit_vpn: the lowest
 * such (bottom-up first fit) or, with top_down, the highest. Returns false when none exists, which
 * NtAllocateVirtualMemory turns into STATUS_NO_MEMORY.
 */
bool vs_vad_find_free(const VsVadTable *table, uint64_t pages, bool top_down, uint64_t limit_vpn,
                      uint64_t *start_vpn)
{
    limit_vpn = vs_min(limit_vpn, table->highest_vpn);
    if (pages == 0)
        return false;
    if (top_down) {
        uint64_t lo = tail_start(table);
        if (vs_vad_gap_after_last(table) >= pages && limit_vpn + 1 >= lo + pages) {
            *start_vpn = (limit_vpn + 1 - pages) & ~(table->granule_pages - 1);
            return true;
        }
        return last_fit(table, table->root, pages, limit_vpn, start_vpn);
    }
    const VsVad *fit = first_fit(table->root, pages);
    uint64_t start = fit ? gap_start(table, fit) : tail_start(table);
    if (!fit && vs_vad_gap_after_last(table) < pages)
        return false;
    if (start + pages - 1 > limit_vpn)
        return false;
    *start_vpn = start;
    return true;
}

/*
 * The free-range search under MEM_ADDRESS_REQUIREMENTS: the lowest (or, top-down, highest) start
 * in [low_vpn, high_vpn] that is a multiple of align_pages and whose pages conflict with no VAD.
 * Each step jumps past the VAD in the way, so the walk is O(n log n) at worst; the gap-augmented
 * search above serves every call without requirements.
 */
bool vs_vad_find_free_window(const VsVadTable *table, uint64_t pages, bool top_down,
                             uint64_t low_vpn, uint64_t high_vpn, uint64_t align_pages,
                             uint64_t *start_vpn)
{
    low_vpn = vs_max(low_vpn, table->lowest_vpn);
    high_vpn = vs_min(high_vpn, table->highest_vpn);
    if (pages == 0 || high_vpn < low_vpn || high_vpn - low_vpn + 1 < pages)
        return false;
    uint64_t mask = align_pages - 1;
    if (!top_down) {
        for (uint64_t start = (low_vpn + mask) & ~mask; start <= high_vpn - pages + 1;) {
            const VsVad *in_way = vs_vad_find_conflict(table, start, start + pages - 1);
            if (!in_way) {
                *start_vpn = start;
                return true;
            }
            start = ((uint64_t)in_way->ending_vpn + 1 + mask) & ~mask;
        }
        return false;
    }
    for (uint64_t start = (high_vpn - pages + 1) & ~mask; start >= low_vpn;) {
        const VsVad *in_way = vs_vad_find_conflict(table, start, start + pages - 1);
        if (!in_way) {
            *start_vpn = start;
            return true;
        }
        if (in_way->starting_vpn < pages)
            return false;
        start = (in_way->starting_vpn - pages) & ~mask;
    }
    return false;
}

/* ---- Reading the tree (public) --------------------------------------------------------------- */

const VsVad *vs_vad_left(const VsVad *vad) { return vad->left; }
const VsVad *vs_vad_right(const VsVad *vad) { return vad->right; }

void vs_vad_info(const VsVad *vad, VsVadInfo *out)
{
    uint32_t level = 0;
    for (const VsVad *p = vs_vad_parent(vad); p; p = vs_vad_parent(p))
        level++;
    *out = (VsVadInfo){
        .starting_vpn = vad->starting_vpn,
        .ending_vpn = vad->ending_vpn,
        .kind = (VsVadKind)vad->kind,
        .protection = vs_mm_to_win32(vad->protection),
        .commit_charge = vad->commit_charge,
        .mem_commit = vad->mem_commit,
        .private_memory = vad->private_memory,
        .no_change = vad->no_change,
        .placeholder = vad->placeholder,
        .large_pages = vad->large_pages,
        .balance = vs_vad_balance(vad),
        .level = level,
        .section = vs_vad_is_view(vad) ? vs_mapped_vad(vad)->section->id : 0,
        .first_prototype = vs_vad_is_view(vad) ? vs_mapped_vad(vad)->first_prototype : 0,
    };
}

static uint32_t subtree_depth(const VsVad *node)
{
    uint32_t depth = 0;
    /* AVL: follow the heavier side; the balance says which one is taller. */
    while (node) {
        depth++;
        node = vs_vad_balance(node) > 0 ? node->right : node->left;
    }
    return depth;
}

void vs_vad_tree_shape(const VsProcess *process, VsVadTreeShape *out)
{
    out->count = process->vad_root.count;
    out->depth = subtree_depth(process->vad_root.root);
}
