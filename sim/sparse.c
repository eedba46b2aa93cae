/*
 * sparse.c - sparse arrays: 2^36 entries of 64 bits, of which only those that differ from the
 * array's initial value cost memory.
 *
 * The store behind everything the model keeps per page of something large: a segment's prototype
 * PTEs (prototype.c), a file's pages (file.c), the page file's slots (pagefile.c) and a write-watch
 * reservation's bits (wrtwatch.c). Its shape is Linux's xarray (lib/xarray.c), the tree the page
 * cache of every file lives in: nodes of 64 slots, each a bitmap of the slots in use and the slots
 * themselves, a leaf's slots the entries and an inner node's its children, as deep as the highest
 * index set needs and no deeper. An entry never set, or set back to the initial value, is in no
 * leaf: a leaf goes when its last entry goes, and a node when its last child does. So the cost of
 * an array follows the entries that differ (some 520 bytes per 64 of them at worst, plus one node
 * per level above), never its length, and a walk skips an untouched run a node at a time.
 *
 * Invariants (check.c walks them through vs_sparse_next): a stored entry differs from the initial
 * value; every node holds at least one entry or child (but while vs_sparse_prepare's nodes wait
 * for their entries); the array's height covers its highest stored index.
 */
#include <stdlib.h>

#include "internal.h"

#define SLOT_BITS 6
#define SLOTS (1u << SLOT_BITS)
#define MAX_HEIGHT (VS_SPARSE_INDEX_BITS / SLOT_BITS)

struct VsSparseNode {
    uint64_t present; /* bit n set: slot n holds an entry (a leaf) or a child (an inner node) */
    union {
        uint64_t entry[SLOTS];
        VsSparseNode *child[SLOTS];
    };
};

/* Entries one slot of a node at height covers (height 1 is a leaf: one entry per slot). */
static uint32_t slot_shift(uint32_t height) { return SLOT_BITS * (height - 1); }

static uint32_t slot_of(uint64_t index, uint32_t height)
{
    return (uint32_t)(index >> slot_shift(height)) & (SLOTS - 1);
}

/* Entries a tree of height covers: [0, capacity). */
static uint64_t capacity(uint32_t height) { return 1ull << (SLOT_BITS * height); }

void vs_sparse_init(VsSparse *array, uint64_t initial) { *array = (VsSparse){.initial = initial}; }

static void free_node(VsSparse *array, VsSparseNode *node, uint32_t height)
{
    if (height > 1)
        for (uint64_t bits = node->present; bits; bits &= bits - 1)
            free_node(array, node->child[__builtin_ctzll(bits)], height - 1);
    free(node);
    array->nodes--;
}

void vs_sparse_fini(VsSparse *array)
{
    if (array->root)
        free_node(array, array->root, array->height);
    *array = (VsSparse){.initial = array->initial};
}

uint64_t vs_sparse_bytes(const VsSparse *array) { return array->nodes * sizeof(VsSparseNode); }

uint64_t vs_sparse_get(const VsSparse *array, uint64_t index)
{
    if (!array->root || index >= capacity(array->height))
        return array->initial;
    const VsSparseNode *node = array->root;
    for (uint32_t height = array->height; height > 1; height--) {
        uint32_t slot = slot_of(index, height);
        if (!(node->present >> slot & 1))
            return array->initial;
        node = node->child[slot];
    }
    uint32_t slot = slot_of(index, 1);
    return node->present >> slot & 1 ? node->entry[slot] : array->initial;
}

/* ---- Making and freeing nodes ---------------------------------------------------------------- */

static VsSparseNode *new_node(VsSparse *array)
{
    VsSparseNode *node = malloc(sizeof *node);
    if (node) {
        node->present = 0;
        array->nodes++;
    }
    return node;
}

/* Raises the tree until it covers index (xa_expand): each new root holds the old one in slot 0. */
static bool grow(VsSparse *array, uint64_t index)
{
    if (!array->root) {
        for (array->height = 1; index >= capacity(array->height);)
            array->height++;
        return true;
    }
    while (index >= capacity(array->height)) {
        VsSparseNode *root = new_node(array);
        if (!root)
            return false;
        root->present = 1;
        root->child[0] = array->root;
        array->root = root;
        array->height++;
    }
    return true;
}

/* The leaf that holds index, made with every node above it if create; NULL if absent (or the host
 * is out of memory). */
static VsSparseNode *leaf_of(VsSparse *array, uint64_t index, bool create)
{
    if (index >= capacity(MAX_HEIGHT) || (create && !grow(array, index)))
        return NULL;
    if (!array->root && create)
        array->root = new_node(array);
    if (!array->root || index >= capacity(array->height))
        return NULL;
    VsSparseNode *node = array->root;
    for (uint32_t height = array->height; height > 1; height--) {
        uint32_t slot = slot_of(index, height);
        if (!(node->present >> slot & 1)) {
            VsSparseNode *child = create ? new_node(array) : NULL;
            if (!child)
                return NULL;
            node->child[slot] = child;
            node->present |= 1ull << slot;
        }
        node = node->child[slot];
    }
    return node;
}

/* Frees the nodes on index's path that hold nothing, from the leaf up, then lowers the tree while
 * its root holds only slot 0 (xa_shrink). */
static void prune(VsSparse *array, uint64_t index)
{
    VsSparseNode *path[MAX_HEIGHT];
    VsSparseNode *node = array->root;
    uint32_t depth = 0;
    for (uint32_t height = array->height; node; height--) {
        path[depth++] = node;
        uint32_t slot = slot_of(index, height);
        node = height > 1 && (node->present >> slot & 1) ? node->child[slot] : NULL;
    }
    for (uint32_t d = depth; d-- > 0 && path[d]->present == 0;) {
        free(path[d]);
        array->nodes--;
        if (d == 0) {
            array->root = NULL;
            array->height = 0;
        } else
            path[d - 1]->present &= ~(1ull << slot_of(index, array->height - (d - 1)));
    }
    while (array->root && array->height > 1 && array->root->present == 1) {
        VsSparseNode *old = array->root;
        array->root = old->child[0];
        array->height--;
        free(old);
        array->nodes--;
    }
}

/*
 * Sets entry index to value. Setting the initial value forgets the entry, freeing the nodes it
 * emptied; any other value is stored, making its leaf if needed. False only when that leaf could
 * not be made (the host is out of memory): nothing changed then. An index at or past 2^36 is a
 * caller's bug.
 */
bool vs_sparse_set(VsSparse *array, uint64_t index, uint64_t value)
{
    bool keep = value != array->initial;
    VsSparseNode *leaf = leaf_of(array, index, keep);
    if (!leaf) {
        if (keep && array->root)
            prune(array, index); /* nodes made on the way to a leaf that failed */
        return !keep;
    }
    uint32_t slot = slot_of(index, 1);
    if (keep) {
        leaf->entry[slot] = value;
        leaf->present |= 1ull << slot;
    } else if (leaf->present >> slot & 1) {
        leaf->present &= ~(1ull << slot);
        if (leaf->present == 0)
            prune(array, index);
    }
    return true;
}

/*
 * Makes every leaf covering [first, last] exist, so that setting any of those entries cannot fail
 * (as vs_pt_prepare does for page tables). On failure frees what it made and returns false. The
 * leaves stay empty until set; vs_sparse_release_empty frees those that were not.
 */
bool vs_sparse_prepare(VsSparse *array, uint64_t first, uint64_t last)
{
    for (uint64_t index = first; index <= last; index = (index | (SLOTS - 1)) + 1) {
        if (!leaf_of(array, index, true)) {
            vs_sparse_release_empty(array, first, last);
            return false;
        }
        if ((index | (SLOTS - 1)) >= last)
            break;
    }
    return true;
}

/* Frees the empty leaves under node (height, covering from base) that lie in [first, last], and
 * the nodes they empty; returns whether node itself was freed. */
static bool release_under(VsSparse *array, VsSparseNode *node, uint32_t height, uint64_t base,
                          uint64_t first, uint64_t last)
{
    uint32_t shift = slot_shift(height);
    for (uint64_t bits = height > 1 ? node->present : 0; bits; bits &= bits - 1) {
        uint32_t slot = (uint32_t)__builtin_ctzll(bits);
        uint64_t start = base + ((uint64_t)slot << shift), end = start + (1ull << shift) - 1;
        if (end < first || start > last)
            continue;
        if (release_under(array, node->child[slot], height - 1, start, first, last))
            node->present &= ~(1ull << slot);
    }
    if (node->present)
        return false;
    free(node);
    array->nodes--;
    return true;
}

/* Frees the empty leaves (and the nodes they emptied) covering [first, last], visiting only the
 * nodes that exist. */
void vs_sparse_release_empty(VsSparse *array, uint64_t first, uint64_t last)
{
    if (!array->root)
        return;
    if (release_under(array, array->root, array->height, 0, first, last)) {
        array->root = NULL;
        array->height = 0;
        return;
    }
    prune(array, 0); /* lowers the tree if its root now holds only slot 0 */
}

/* ---- Walking --------------------------------------------------------------------------------- */

/* The first stored index in [index, last] under node (height, covering from base), or
 * UINT64_MAX. */
static uint64_t next_under(const VsSparseNode *node, uint32_t height, uint64_t base, uint64_t index,
                           uint64_t last)
{
    uint32_t shift = slot_shift(height);
    uint32_t from = index > base ? (uint32_t)((index - base) >> shift) : 0;
    uint64_t bits = from < SLOTS ? node->present & (~0ull << from) : 0;
    for (; bits; bits &= bits - 1) {
        uint32_t slot = (uint32_t)__builtin_ctzll(bits);
        uint64_t start = base + ((uint64_t)slot << shift);
        if (start > last)
            break;
        if (height == 1)
            return start;
        uint64_t found =
            next_under(node->child[slot], height - 1, start, vs_max(index, start), last);
        if (found != UINT64_MAX)
            return found;
    }
    return UINT64_MAX;
}

/*
 * The first index in [index, last] whose entry differs from the initial value; last + 1 if none.
 * Untouched runs are skipped a node at a time, so a walk of a sparse array costs about one step
 * per stored entry, whatever the length walked.
 */
uint64_t vs_sparse_next(const VsSparse *array, uint64_t index, uint64_t last)
{
    if (!array->root || index > last || index >= capacity(array->height))
        return last + 1;
    uint64_t found = next_under(array->root, array->height, 0, index, last);
    return found == UINT64_MAX ? last + 1 : found;
}

/* The last stored index in [first, index] under node (height, covering from base), or
 * UINT64_MAX. */
static uint64_t prev_under(const VsSparseNode *node, uint32_t height, uint64_t base, uint64_t index,
                           uint64_t first)
{
    uint32_t shift = slot_shift(height);
    uint64_t to = (index - base) >> shift; /* index is inside this node */
    uint64_t bits = node->present & (to >= SLOTS - 1 ? ~0ull : (2ull << to) - 1);
    while (bits) {
        uint32_t slot = 63 - (uint32_t)__builtin_clzll(bits);
        uint64_t start = base + ((uint64_t)slot << shift);
        uint64_t end = start + (1ull << shift) - 1;
        if (end < first)
            break;
        if (height == 1)
            return start;
        uint64_t found =
            prev_under(node->child[slot], height - 1, start, vs_min(index, end), first);
        if (found != UINT64_MAX)
            return found;
        bits &= ~(1ull << slot);
    }
    return UINT64_MAX;
}

/* The last index in [first, index] whose entry differs from the initial value; UINT64_MAX if
 * none. */
uint64_t vs_sparse_prev(const VsSparse *array, uint64_t index, uint64_t first)
{
    if (!array->root || first > index)
        return UINT64_MAX;
    index = vs_min(index, capacity(array->height) - 1);
    return first > index ? UINT64_MAX : prev_under(array->root, array->height, 0, index, first);
}

/*
 * Makes value the initial one: entries that were the old initial value (stored nowhere) now read
 * as the new one, and stored entries equal to the new one are forgotten. Costs a walk of the stored
 * entries.
 */
void vs_sparse_set_initial(VsSparse *array, uint64_t value)
{
    uint64_t old = array->initial;
    if (old == value)
        return;
    for (uint64_t index = vs_sparse_next(array, 0, UINT64_MAX - 1); index != UINT64_MAX;
         index = vs_sparse_next(array, index + 1, UINT64_MAX - 1)) {
        if (vs_sparse_get(array, index) == value) {
            array->initial = value;
            vs_sparse_set(array, index, value); /* forgets it: cannot fail */
            array->initial = old;
        }
    }
    array->initial = value;
}

/* ---- Checking -------------------------------------------------------------------------------- */

/* Counts the nodes under node, or returns false if one is empty or a leaf stores the initial
 * value. */
static bool node_valid(const VsSparse *array, const VsSparseNode *node, uint32_t height,
                       uint64_t *nodes)
{
    (*nodes)++;
    if (node->present == 0)
        return false;
    for (uint64_t bits = node->present; bits; bits &= bits - 1) {
        uint32_t slot = (uint32_t)__builtin_ctzll(bits);
        if (height == 1 ? node->entry[slot] == array->initial
                        : !node_valid(array, node->child[slot], height - 1, nodes))
            return false;
    }
    return true;
}

/* Whether the array keeps its invariants (for check.c): no node empty, no stored entry equal to
 * the initial value, the node count right. */
bool vs_sparse_valid(const VsSparse *array)
{
    uint64_t nodes = 0;
    if (array->root && (array->height < 1 || array->height > MAX_HEIGHT ||
                        !node_valid(array, array->root, array->height, &nodes)))
        return false;
    return nodes == array->nodes;
}

/* ---- Runs: sets of pages --------------------------------------------------------------------- */

/*
 * A set of pages (a file's cached pages, the pages that read its fill byte) kept as maximal runs
 * of consecutive pages, each one entry of a sparse array: at the run's first page, the page after
 * its last. Every operation costs a few steps per run it touches, however long the runs are, so a
 * set that is "the first 2^32 pages but these three" costs three entries, as Linux's maple tree
 * keeps a range per entry.
 */
#define RUNS_LAST ((1ull << VS_SPARSE_INDEX_BITS) - 1) /* the last page a set can hold */

void vs_runs_init(VsRuns *runs) { vs_sparse_init(&runs->starts, 0); }

void vs_runs_fini(VsRuns *runs) { vs_sparse_fini(&runs->starts); }

uint64_t vs_runs_bytes(const VsRuns *runs) { return vs_sparse_bytes(&runs->starts); }

/* The run that holds index: its first page in *first, and the page after its last returned; 0 if
 * index is in no run. */
static uint64_t run_at(const VsRuns *runs, uint64_t index, uint64_t *first)
{
    *first = vs_sparse_prev(&runs->starts, index, 0);
    if (*first == UINT64_MAX)
        return 0;
    uint64_t end = vs_sparse_get(&runs->starts, *first);
    return end > index ? end : 0;
}

bool vs_runs_contains(const VsRuns *runs, uint64_t index)
{
    uint64_t first;
    return index <= RUNS_LAST && run_at(runs, index, &first) != 0;
}

/* Takes [first, last] out of the set: runs inside it go, a run across either end is cut. */
static bool runs_remove(VsRuns *runs, uint64_t first, uint64_t last)
{
    bool ok = true;
    uint64_t start, end = run_at(runs, first, &start);
    if (end && start < first) {
        ok &= vs_sparse_set(&runs->starts, start, first); /* now ends before first */
        if (end > last + 1)
            ok &= vs_sparse_set(&runs->starts, last + 1, end);
    }
    for (uint64_t at = vs_sparse_next(&runs->starts, first, last); at <= last;
         at = vs_sparse_next(&runs->starts, at + 1, last)) {
        end = vs_sparse_get(&runs->starts, at);
        vs_sparse_set(&runs->starts, at, 0); /* forgets it: cannot fail */
        if (end > last + 1)
            ok &= vs_sparse_set(&runs->starts, last + 1, end);
    }
    return ok;
}

/* Puts [first, last], out of the set, into it: one run with the runs it touches. */
static bool runs_add(VsRuns *runs, uint64_t first, uint64_t last)
{
    uint64_t start = first, end = last + 1, left;
    if (first > 0 && run_at(runs, first - 1, &left) == first)
        start = left;
    uint64_t right = last < RUNS_LAST ? vs_sparse_get(&runs->starts, last + 1) : 0;
    if (right) {
        end = right;
        vs_sparse_set(&runs->starts, last + 1, 0);
    }
    return vs_sparse_set(&runs->starts, start, end);
}

/*
 * Puts pages [first, last] (clipped to the pages a set can hold) in the set, or takes them out.
 * False only when the host had no memory for a run cut in two: the set then lacks pages it should
 * hold, never holds more.
 */
bool vs_runs_set(VsRuns *runs, uint64_t first, uint64_t last, bool in)
{
    last = vs_min(last, RUNS_LAST);
    if (first > last)
        return true;
    bool ok = runs_remove(runs, first, last);
    return in ? runs_add(runs, first, last) && ok : ok;
}

/* How many of pages [first, last] the set holds. */
uint64_t vs_runs_count(const VsRuns *runs, uint64_t first, uint64_t last)
{
    last = vs_min(last, RUNS_LAST);
    if (first > last)
        return 0;
    uint64_t start, end = run_at(runs, first, &start), count = 0;
    if (end && start < first)
        count += vs_min(end, last + 1) - first;
    for (uint64_t at = vs_sparse_next(&runs->starts, first, last); at <= last;
         at = vs_sparse_next(&runs->starts, at + 1, last))
        count += vs_min(vs_sparse_get(&runs->starts, at), last + 1) - at;
    return count;
}
