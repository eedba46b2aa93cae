/*
 * test_vad.c - the VAD tree (vad.c): AVL shape, lookups and the free-range searches.
 *
 * The big test drives 100,000 random inserts, trims and deletes on a real process's VAD table and,
 * after every step, compares the in-order walk with a sorted array of ranges, runs the invariant
 * checker (AVL balance, parent links, gap bookkeeping) and checks the lookups and both first-fit
 * searches against brute force over that array. The small tests pin the shape of known trees.
 *
 * The tree is reached through internal.h because this is the unit test of vad.c: the VADs are
 * inserted without page tables or commit, which the checker accepts (a VAD with no PTEs and
 * charge 0 is a plain reservation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "testutil.h"

/* ---- Reference: a sorted array of inclusive page ranges -------------------------------------- */

typedef struct Range {
    uint64_t start, end;
    VsVad *vad;
} Range;

typedef struct Reference {
    Range *ranges;
    size_t count;
} Reference;

static size_t ref_lower_bound(const Reference *ref, uint64_t start)
{
    size_t i = 0;
    while (i < ref->count && ref->ranges[i].start < start)
        i++;
    return i;
}

static bool ref_overlaps(const Reference *ref, uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < ref->count; i++)
        if (ref->ranges[i].start <= end && start <= ref->ranges[i].end)
            return true;
    return false;
}

static void ref_insert(Reference *ref, uint64_t start, uint64_t end, VsVad *vad)
{
    size_t at = ref_lower_bound(ref, start);
    memmove(&ref->ranges[at + 1], &ref->ranges[at], (ref->count - at) * sizeof(Range));
    ref->ranges[at] = (Range){start, end, vad};
    ref->count++;
}

static void ref_delete(Reference *ref, size_t at)
{
    memmove(&ref->ranges[at], &ref->ranges[at + 1], (ref->count - at - 1) * sizeof(Range));
    ref->count--;
}

/* ---- Brute-force free search over the reference's gaps --------------------------------------- */

static uint64_t granule_up(uint64_t vpn) { return (vpn + 15) & ~15ull; }

/* Gap i lies before range i (i == count: after the last range), as [lo, hi] inclusive. */
static bool ref_gap(const Reference *ref, const VsVadTable *table, size_t i, uint64_t *lo,
                    uint64_t *hi)
{
    uint64_t from = i == 0 ? table->lowest_vpn : ref->ranges[i - 1].end + 1;
    uint64_t to = i == ref->count ? table->highest_vpn : ref->ranges[i].start - 1;
    *lo = granule_up(from > table->lowest_vpn ? from : table->lowest_vpn);
    *hi = to < table->highest_vpn ? to : table->highest_vpn;
    return *hi >= *lo;
}

static bool ref_find_bottom_up(const Reference *ref, const VsVadTable *table, uint64_t pages,
                               uint64_t limit, uint64_t *start)
{
    for (size_t i = 0; i <= ref->count; i++) {
        uint64_t lo, hi;
        if (ref_gap(ref, table, i, &lo, &hi) && lo + pages - 1 <= hi && lo + pages - 1 <= limit) {
            *start = lo;
            return true;
        }
    }
    return false;
}

static bool ref_find_top_down(const Reference *ref, const VsVadTable *table, uint64_t pages,
                              uint64_t limit, uint64_t *start)
{
    for (size_t i = ref->count + 1; i-- > 0;) {
        uint64_t lo, hi;
        if (!ref_gap(ref, table, i, &lo, &hi))
            continue;
        if (hi > limit)
            hi = limit;
        if (hi + 1 < pages)
            continue;
        uint64_t candidate = (hi + 1 - pages) & ~15ull;
        if (hi >= lo && candidate >= lo) {
            *start = candidate;
            return true;
        }
    }
    return false;
}

/* ---- Helpers --------------------------------------------------------------------------------- */

static TestRng rng = {0x9E3779B97F4A7C15ull};

static VsVadTable *vad_table(Fixture *f) { return &f->process->vad_root; }

static VsVad *new_vad(Fixture *f, uint64_t start, uint64_t end)
{
    VsVad *vad = vs_pool_alloc(&f->system->vad_pool);
    assert_non_null(vad);
    vad->starting_vpn = start;
    vad->ending_vpn = end;
    vad->kind = VS_VAD_PRIVATE;
    vad->protection = MM_READWRITE;
    vad->private_memory = 1;
    return vad;
}

static void delete_vad(Fixture *f, VsVad *vad)
{
    vs_vad_remove(vad_table(f), vad);
    vs_pool_free(&f->system->vad_pool, vad);
}

/* Loads the process's VADs (the KUSER_SHARED_DATA one) into the reference. */
static void ref_load(Fixture *f, Reference *ref, size_t capacity)
{
    ref->ranges = calloc(capacity, sizeof(Range));
    assert_non_null(ref->ranges);
    ref->count = 0;
    for (VsVad *vad = vs_vad_min(vad_table(f)->root); vad; vad = (VsVad *)vs_vad_next(vad))
        ref_insert(ref, vad->starting_vpn, vad->ending_vpn, vad);
}

static void assert_same_walk(Fixture *f, const Reference *ref)
{
    size_t i = 0;
    for (const VsVad *vad = vs_vad_first(f->process); vad; vad = vs_vad_next(vad), i++) {
        assert_true(i < ref->count);
        assert_int_equal(vad->starting_vpn, ref->ranges[i].start);
        assert_int_equal(vad->ending_vpn, ref->ranges[i].end);
        assert_ptr_equal(vad, ref->ranges[i].vad);
    }
    assert_int_equal(i, ref->count);
    assert_int_equal(vad_table(f)->count, ref->count);
}

/* Lookups at a random page: locate, conflict and find_above agree with the reference. */
static void assert_lookups(Fixture *f, const Reference *ref, uint64_t vpn)
{
    const Range *holder = NULL, *above = NULL;
    for (size_t i = 0; i < ref->count; i++) {
        if (ref->ranges[i].start <= vpn && vpn <= ref->ranges[i].end)
            holder = &ref->ranges[i];
        if (!above && ref->ranges[i].start > vpn)
            above = &ref->ranges[i];
    }
    assert_ptr_equal(vs_vad_locate(vad_table(f), vpn), holder ? holder->vad : NULL);
    assert_ptr_equal(vs_vad_find_conflict(vad_table(f), vpn, vpn), holder ? holder->vad : NULL);
    assert_ptr_equal(vs_vad_find_above(vad_table(f), vpn), above ? above->vad : NULL);
}

static void assert_free_searches(Fixture *f, const Reference *ref, uint64_t pages, uint64_t limit)
{
    for (int top_down = 0; top_down <= 1; top_down++) {
        uint64_t expected = 0, got = 0;
        bool want = top_down ? ref_find_top_down(ref, vad_table(f), pages, limit, &expected)
                             : ref_find_bottom_up(ref, vad_table(f), pages, limit, &expected);
        bool have = vs_vad_find_free(vad_table(f), pages, top_down, limit, &got);
        if (want != have || (want && expected != got))
            fprintf(stderr,
                    "find_free(pages %#llx, top_down %d, limit %#llx): model %d %#llx, "
                    "reference %d %#llx\n",
                    (unsigned long long)pages, top_down, (unsigned long long)limit, have,
                    (unsigned long long)got, want, (unsigned long long)expected);
        assert_int_equal(have, want);
        if (want)
            assert_int_equal(got, expected);
    }
}

/* ---- The randomized test --------------------------------------------------------------------- */

/* A random range: mostly in the low 128 MB so ranges collide, sometimes anywhere. */
static void random_range(const VsVadTable *table, uint64_t *start, uint64_t *end)
{
    uint64_t span = rng_below(&rng, 8) == 0 ? table->highest_vpn : 0x8000;
    uint64_t pages = rng_below(&rng, 4) == 0 ? 1 + rng_below(&rng, 256) : 1 + rng_below(&rng, 40);
    *start = table->lowest_vpn + rng_below(&rng, span);
    if (rng_below(&rng, 2))
        *start &= ~15ull; /* most reservations start on a granule */
    if (*start < table->lowest_vpn)
        *start = table->lowest_vpn;
    *end = *start + pages - 1;
}

static void random_step(Fixture *f, Reference *ref)
{
    VsVadTable *table = vad_table(f);
    uint64_t choice = rng_below(&rng, 100);
    bool crowded = ref->count > 400;
    if (choice < (crowded ? 30u : 55u)) {
        uint64_t start, end;
        random_range(table, &start, &end);
        if (end > table->highest_vpn || ref_overlaps(ref, start, end)) {
            if (end <= table->highest_vpn)
                assert_non_null(vs_vad_find_conflict(table, start, end));
            return;
        }
        assert_null(vs_vad_find_conflict(table, start, end));
        VsVad *vad = new_vad(f, start, end);
        vs_vad_insert(table, vad);
        ref_insert(ref, start, end, vad);
    } else if (choice < 90 && ref->count > 1) {
        size_t at = rng_below(&rng, ref->count);
        if (ref->ranges[at].vad->no_change)
            return;
        delete_vad(f, ref->ranges[at].vad);
        ref_delete(ref, at);
    } else if (ref->count > 1) {
        /* Trim: keep a random sub-range, as a partial release does. */
        size_t at = rng_below(&rng, ref->count);
        Range *r = &ref->ranges[at];
        if (r->vad->no_change || r->start == r->end)
            return;
        uint64_t new_start = r->start + rng_below(&rng, 2) * rng_below(&rng, r->end - r->start + 1);
        uint64_t new_end = new_start + rng_below(&rng, r->end - new_start + 1);
        vs_vad_set_range(table, r->vad, new_start, new_end);
        r->start = new_start;
        r->end = new_end;
    }
}

static void test_random_inserts_and_deletes(void **state)
{
    Fixture *f = *state;
    Reference ref;
    ref_load(f, &ref, 1024);
    const char *steps_env = getenv("VS_VAD_STEPS");
    long steps = steps_env ? strtol(steps_env, NULL, 10) : 100000;
    for (long step = 0; step < steps; step++) {
        random_step(f, &ref);
        CHECK_INVARIANTS(f);
        assert_same_walk(f, &ref);
        assert_lookups(f, &ref, vad_table(f)->lowest_vpn + rng_below(&rng, 0x9000));
        uint64_t pages = rng_below(&rng, 4) ? 1 + rng_below(&rng, 48) : 1 + rng_below(&rng, 0x4000);
        uint64_t limit = rng_below(&rng, 4) ? vad_table(f)->highest_vpn : rng_below(&rng, 0x10000);
        assert_free_searches(f, &ref, pages, limit);
    }
    free(ref.ranges);
}

/* ---- Shapes and lookups of known trees ------------------------------------------------------- */

/* Ascending inserts are the AVL worst case for an unbalanced tree: they must stay logarithmic. */
static void test_ascending_inserts_stay_balanced(void **state)
{
    Fixture *f = *state;
    for (uint64_t i = 0; i < 1023; i++)
        vs_vad_insert(vad_table(f), new_vad(f, 16 + i * 16, 16 + i * 16 + 15));
    CHECK_INVARIANTS(f);
    VsVadTreeShape shape;
    vs_vad_tree_shape(f->process, &shape);
    assert_int_equal(shape.count, 1024); /* with the KUSER_SHARED_DATA VAD */
    /* AVL height bound: < 1.4405 log2(n + 2); for 1024 nodes at most 14, a perfect tree 11. */
    assert_in_range(shape.depth, 11, 14);
}

/* vs_vad_info reports each node's level and balance as the test can recompute them. */
static uint32_t height(const VsVad *vad)
{
    if (!vad)
        return 0;
    uint32_t l = height(vs_vad_left(vad)), r = height(vs_vad_right(vad));
    return 1 + (l > r ? l : r);
}

static void assert_levels(const VsVad *vad, uint32_t level)
{
    if (!vad)
        return;
    VsVadInfo info;
    vs_vad_info(vad, &info);
    assert_int_equal(info.level, level);
    assert_int_equal(info.balance, (int)height(vs_vad_right(vad)) - (int)height(vs_vad_left(vad)));
    assert_levels(vs_vad_left(vad), level + 1);
    assert_levels(vs_vad_right(vad), level + 1);
}

static void test_info_reports_levels_and_balance(void **state)
{
    Fixture *f = *state;
    for (uint64_t i = 0; i < 100; i++)
        vs_vad_insert(vad_table(f),
                      new_vad(f, 16 + ((i * 37) % 100) * 32, 16 + ((i * 37) % 100) * 32 + 3));
    CHECK_INVARIANTS(f);
    VsVadTreeShape shape;
    vs_vad_tree_shape(f->process, &shape);
    assert_int_equal(shape.depth, height(vs_vad_root(f->process)));
    assert_levels(vs_vad_root(f->process), 0);
}

/* Three ascending inserts rotate once: the middle one becomes the root. */
static void test_single_rotation(void **state)
{
    Fixture *f = *state;
    VsVad *kuser = (VsVad *)vs_vad_root(f->process);
    VsVad *a = new_vad(f, 0x10, 0x1F), *b = new_vad(f, 0x20, 0x2F);
    vs_vad_insert(vad_table(f), a); /* a < kuser: kuser root, a left */
    vs_vad_insert(vad_table(f), b); /* left-right case: b becomes the root */
    CHECK_INVARIANTS(f);
    assert_ptr_equal(vs_vad_root(f->process), b);
    assert_ptr_equal(vs_vad_left(b), a);
    assert_ptr_equal(vs_vad_right(b), kuser);
}

/* The lookup hint: a hit sets it, and removing the hinted VAD clears it. */
static void test_lookup_hint(void **state)
{
    Fixture *f = *state;
    VsVad *a = new_vad(f, 0x10, 0x1F);
    vs_vad_insert(vad_table(f), a);
    assert_ptr_equal(vs_vad_lookup(f->process, 0x15000), a);
    assert_ptr_equal(vad_table(f)->node_hint, a);
    assert_null(vs_vad_lookup(f->process, 0x20000));
    assert_ptr_equal(vad_table(f)->node_hint, a); /* a miss leaves the hint alone */
    delete_vad(f, a);
    assert_null(vad_table(f)->node_hint);
    CHECK_INVARIANTS(f);
}

/* The searches round to 64 KB: a VAD ending mid-granule pushes the next fit to the next granule. */
static void test_free_search_rounds_to_granules(void **state)
{
    Fixture *f = *state;
    VsVadTable *table = vad_table(f);
    vs_vad_insert(table, new_vad(f, 0x10, 0x12)); /* 0x10000..0x12FFF */
    uint64_t start;
    assert_true(vs_vad_find_free(table, 1, false, table->highest_vpn, &start));
    assert_int_equal(start, 0x20);
    /* Top-down: the highest granule below the limit and below KUSER_SHARED_DATA. */
    assert_true(vs_vad_find_free(table, 16, true, table->highest_vpn, &start));
    assert_int_equal(start, table->highest_vpn + 1 - 16);
    assert_true(vs_vad_find_free(table, 3, true, 0x3FFFF, &start));
    assert_int_equal(start, 0x3FFF0);
    /* Nothing fits below a limit inside the first VAD. */
    assert_false(vs_vad_find_free(table, 1, false, 0x12, &start));
    assert_false(vs_vad_find_free(table, 0, false, table->highest_vpn, &start));
    /* A request larger than the whole space fails both ways. */
    assert_false(vs_vad_find_free(table, table->highest_vpn, false, table->highest_vpn, &start));
    assert_false(vs_vad_find_free(table, table->highest_vpn, true, table->highest_vpn, &start));
    CHECK_INVARIANTS(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_rotation, fixture_setup_x86, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lookup_hint, fixture_setup_x86, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_free_search_rounds_to_granules, fixture_setup_x86,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_ascending_inserts_stay_balanced, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_info_reports_levels_and_balance, fixture_setup_x64,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_random_inserts_and_deletes, fixture_setup_x86,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
