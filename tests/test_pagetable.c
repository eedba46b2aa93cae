/*
 * test_pagetable.c - sparse page tables (pagetable.c, pte.c): created on first need, counted, freed
 * when empty, and decoded the way !pte shows them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "internal.h"
#include "testutil.h"

static uint64_t table_pages(Fixture *f)
{
    VsProcessCounters counters;
    vs_process_counters(f->process, &counters);
    return counters.page_table_pages;
}

static size_t count_events(Fixture *f, VsEventKind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < f->log.count; i++)
        n += f->log.events[i].kind == kind;
    return n;
}

static uint64_t leaf_pte(Fixture *f, uint64_t address)
{
    VsPteWalk walk;
    vs_pte_walk(f->process, address, &walk);
    VsPteLevel leaf = walk.level[walk.levels - 1];
    return leaf.present ? leaf.entry : 0;
}

/* A new x64 process holds the tables mapping its KUSER_SHARED_DATA page: PXE, PPE, PDE, PTE. */
static void test_new_process_tables_x64(void **state)
{
    Fixture *f = *state;
    assert_int_equal(table_pages(f), 4);
    VsPteWalk walk;
    vs_pte_walk(f->process, 0x7FFE0000, &walk);
    assert_int_equal(walk.levels, 4);
    for (uint32_t level = 0; level < 3; level++) {
        assert_true(walk.level[level].present);
        assert_int_equal(vs_pte_state(walk.level[level].entry), VS_PTE_STATE_VALID);
    }
    /* 0x7FFE0000: PXE 0, PPE 1, PDE 0x1FF, PTE 0x1E0. */
    assert_int_equal(walk.level[0].index, 0);
    assert_int_equal(walk.level[1].index, 1);
    assert_int_equal(walk.level[2].index, 0x1FF);
    assert_int_equal(walk.level[3].index, 0x1E0);
    assert_int_equal(vs_pte_state(walk.level[3].entry), VS_PTE_STATE_DEMAND_ZERO);
    assert_int_equal(vs_pte_protection(walk.level[3].entry), PAGE_READONLY);
    assert_string_equal(vs_pte_level_name(f->process, 0), "PXE");
    assert_string_equal(vs_pte_level_name(f->process, 1), "PPE");
    assert_string_equal(vs_pte_level_name(f->process, 2), "PDE");
    assert_string_equal(vs_pte_level_name(f->process, 3), "PTE");
}

/* x86: a page directory of 1024 entries and one page table for KUSER_SHARED_DATA. */
static void test_new_process_tables_x86(void **state)
{
    Fixture *f = *state;
    assert_int_equal(table_pages(f), 2);
    VsPteWalk walk;
    vs_pte_walk(f->process, 0x7FFE0000, &walk);
    assert_int_equal(walk.levels, 2);
    assert_int_equal(walk.level[0].index, 0x1FF); /* 0x7FFE0000 >> 22 */
    assert_int_equal(walk.level[1].index, 0x3E0); /* (0x7FFE0000 >> 12) & 0x3FF */
    assert_string_equal(vs_pte_level_name(f->process, 0), "PDE");
    assert_string_equal(vs_pte_level_name(f->process, 1), "PTE");
    assert_string_equal(vs_pte_level_name(f->process, 2), "?");
    assert_int_equal(vs_system_layout(f->system)->pte_size, 4);
}

/* Reserving writes no PTE, so it creates no table; neither does reserve+commit (MemCommit VAD). */
static void test_reserve_creates_no_tables(void **state)
{
    Fixture *f = *state;
    assert_true(VsVirtualAlloc(f->thread, 0, MB(64), MEM_RESERVE, PAGE_READWRITE));
    assert_true(VsVirtualAlloc(f->thread, 0, MB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
    CHECK_INVARIANTS(f);
    assert_int_equal(table_pages(f), 4);
    assert_int_equal(count_events(f, VS_EV_TABLE_CREATED), 0);
}

/* Committing one page creates the PDE and PTE pages under the existing PPE page; freeing it
 * empties them and they go again, in the reverse order. */
static void test_commit_creates_and_release_frees(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE, PAGE_READWRITE);
    assert_int_equal(p, 0x10000);
    assert_int_equal(VsVirtualAlloc(f->thread, p, 1, MEM_COMMIT, PAGE_READWRITE), p);
    CHECK_INVARIANTS(f);
    assert_int_equal(table_pages(f), 6);
    assert_int_equal(count_events(f, VS_EV_TABLE_CREATED), 2);
    assert_int_equal(vs_pte_state(leaf_pte(f, p)), VS_PTE_STATE_DEMAND_ZERO);
    assert_int_equal(vs_pte_protection(leaf_pte(f, p)), PAGE_READWRITE);
    assert_int_equal(vs_pte_state(leaf_pte(f, p + 0x1000)), VS_PTE_STATE_ZERO);

    /* The leaf table counts one used entry; its parent one (the link). */
    VsPteWalk walk;
    vs_pte_walk(f->process, p, &walk);
    assert_int_equal(vs_pt_table(f->system, walk.level[3].table)->used_entries, 1);
    assert_int_equal(vs_pt_table(f->system, walk.level[2].table)->used_entries, 1);

    vs_event_log_clear(&f->log);
    assert_true(VsVirtualFree(f->thread, p, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
    assert_int_equal(table_pages(f), 4);
    assert_int_equal(count_events(f, VS_EV_TABLE_FREED), 2);
    assert_int_equal(f->log.events[0].kind, VS_EV_TABLE_FREED);
    assert_int_equal(f->log.events[0].level, 3);
    assert_int_equal(f->log.events[1].level, 2);
    vs_pte_walk(f->process, p, &walk);
    assert_false(walk.level[2].present);
}

/* Decommitting private pages of a plain reservation zeroes their PTEs: an emptied table is
 * freed. */
static void test_decommit_frees_emptied_tables(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, MB(1), MEM_RESERVE, PAGE_READWRITE);
    assert_true(VsVirtualAlloc(f->thread, p, MB(1), MEM_COMMIT, PAGE_READWRITE));
    assert_int_equal(table_pages(f), 6);
    assert_true(VsVirtualFree(f->thread, p, MB(1), MEM_DECOMMIT));
    CHECK_INVARIANTS(f);
    assert_int_equal(table_pages(f), 4);
    assert_int_equal(vs_pte_state(leaf_pte(f, p)), VS_PTE_STATE_ZERO);
}

/* In a MemCommit VAD a zero PTE means committed, so a decommit must write decommitted PTEs. */
static void test_decommit_in_memcommit_vad_writes_decommitted(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_true(VsVirtualFree(f->thread, p + 0x2000, 0x1000, MEM_DECOMMIT));
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_pte_state(leaf_pte(f, p + 0x2000)), VS_PTE_STATE_DECOMMITTED);
    assert_int_equal(vs_pte_state(leaf_pte(f, p + 0x1000)), VS_PTE_STATE_ZERO);
    ASSERT_REGION(f, p + 0x2000, p + 0x2000, 0x1000, MEM_RESERVE, 0, p);
    ASSERT_REGION(f, p + 0x1000, p + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE, p);
    /* Recommitting with the VAD's own protection writes a demand-zero PTE again. */
    assert_true(VsVirtualAlloc(f->thread, p + 0x2000, 0x1000, MEM_COMMIT, PAGE_READWRITE));
    assert_int_equal(vs_pte_state(leaf_pte(f, p + 0x2000)), VS_PTE_STATE_DEMAND_ZERO);
    ASSERT_REGION(f, p, p, KB(64), MEM_COMMIT, PAGE_READWRITE, p);
    CHECK_INVARIANTS(f);
}

/* The guard and no-cache modifiers live in the PTE's protection bits and read back with their
 * base (PAGE_NOCACHE coming from the allocation, as it always does). */
static void test_guard_modifier_in_pte(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(8), MEM_RESERVE, PAGE_READWRITE | PAGE_NOCACHE);
    assert_true(VsVirtualAlloc(f->thread, p, KB(4), MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD));
    assert_true(VsVirtualAlloc(f->thread, p + KB(4), KB(4), MEM_COMMIT, PAGE_READONLY));
    uint64_t guard = leaf_pte(f, p), nocache = leaf_pte(f, p + KB(4));
    assert_int_equal(vs_pte_state(guard), VS_PTE_STATE_DEMAND_ZERO);
    assert_int_equal(vs_pte_protection(guard), PAGE_READWRITE | PAGE_GUARD);
    assert_int_equal(vs_pte_protection(nocache), PAGE_READONLY | PAGE_NOCACHE);
    /* MM_DECOMMIT shares the guard bit but has no base protection: not a guard page. */
    assert_int_equal(vs_pte_state(VS_PTE_DECOMMITTED), VS_PTE_STATE_DECOMMITTED);
    assert_int_not_equal(guard, VS_PTE_DECOMMITTED);
    CHECK_INVARIANTS(f);
}

/* A commit crossing 1 GB and 2 MB boundaries creates one table per covered range at each level. */
static void test_commit_across_table_boundaries(void **state)
{
    Fixture *f = *state;
    uint64_t base = GB(3) - MB(4); /* PPE 2 (3 GB) begins 4 MB above */
    assert_int_equal(VsVirtualAlloc(f->thread, base, MB(8), MEM_RESERVE, PAGE_READWRITE), base);
    vs_event_log_clear(&f->log);
    assert_true(VsVirtualAlloc(f->thread, base, MB(8), MEM_COMMIT, PAGE_READWRITE));
    CHECK_INVARIANTS(f);
    /* PDE pages: [2 GB, 3 GB) and [3 GB, 4 GB); PTE pages: four 2 MB ranges on each side. */
    assert_int_equal(count_events(f, VS_EV_TABLE_CREATED), 2 + 4);
    assert_int_equal(table_pages(f), 4 + 6);
    for (size_t i = 0; i < f->log.count; i++) {
        const VsEvent *e = &f->log.events[i];
        if (e->kind != VS_EV_TABLE_CREATED)
            continue;
        uint64_t span = e->level == 2 ? GB(1) : MB(2);
        assert_int_equal(vs_vpn_address(e->vpn_end + 1) - vs_vpn_address(e->vpn_start), span);
    }
    assert_true(VsVirtualFree(f->thread, base, 0, MEM_RELEASE));
    CHECK_INVARIANTS(f);
    assert_int_equal(table_pages(f), 4);
}

/* The whole 128 TB can be reserved; committing its two ends costs only the tables for the ends. */
static void test_sparse_far_apart_pages(void **state)
{
    Fixture *f = *state;
    const VsLayout *layout = vs_system_layout(f->system);
    uint64_t low = 0x10000, high = layout->highest_vad_address + 1 - KB(64);
    assert_int_equal(
        VsVirtualAlloc(f->thread, low, KB(64), MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE), low);
    assert_int_equal(VsVirtualAlloc(f->thread, high, KB(64), MEM_RESERVE, PAGE_READWRITE), high);
    assert_true(VsVirtualAlloc(f->thread, high, KB(4), MEM_COMMIT, PAGE_READONLY));
    CHECK_INVARIANTS(f);
    /* The top page lives under PXE 0xFF: a PPE, PDE and PTE page of its own. */
    assert_int_equal(table_pages(f), 4 + 3);
    VsPteWalk walk;
    vs_pte_walk(f->process, high, &walk);
    assert_int_equal(walk.level[0].index, 0xFF);
    assert_int_equal(vs_pte_protection(walk.level[3].entry), PAGE_READONLY);
    ASSERT_REGION(f, layout->highest_vad_address + 1, layout->highest_vad_address + 1, KB(64),
                  MEM_FREE, PAGE_NOACCESS, 0);
}

/* vs_pte_state decodes each kind of entry. */
static void test_pte_state_decoding(void **state)
{
    (void)state;
    assert_int_equal(vs_pte_state(0), VS_PTE_STATE_ZERO);
    assert_int_equal(vs_pte_state(vs_pte_make_software(MM_READWRITE)), VS_PTE_STATE_DEMAND_ZERO);
    assert_int_equal(vs_pte_state(vs_pte_make_table(7)), VS_PTE_STATE_VALID);
    assert_int_equal(vs_pte_frame(vs_pte_make_table(7)), 7);
    assert_int_equal(vs_pte_protection(vs_pte_make_table(7)), 0);
    assert_int_equal(vs_pte_protection(vs_pte_make_software(MM_EXECUTE_READ)), PAGE_EXECUTE_READ);
    /* Protection lives in bits 5-9, as MMPTE_SOFTWARE.Protection. */
    assert_int_equal(vs_pte_make_software(MM_READWRITE), 4u << 5);
    assert_int_equal(VS_PTE_DECOMMITTED, 0x10u << 5);
}

/* The inspector reads a frame's bytes as the page's valid PTE would, and touches nothing: the
 * Accessed bit an aged page lost stays clear (the harness reads reset pages so, vs_memory_read
 * would age them differently). Out of range is refused. */
static void test_frame_byte_touches_nothing(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, KB(64), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_int_equal(vs_memory_write(f->thread, p + 0x123, 0x5A), STATUS_SUCCESS);
    VsPteWalk walk;
    vs_pte_walk(f->process, p, &walk);
    assert_int_not_equal(walk.protection, 0);
    uint64_t *pte = &f->system->tables.tables[walk.level[3].table]->entries[walk.level[3].index];
    *pte &= ~(uint64_t)VS_PTE_ACCESSED;
    uint8_t byte = 1;
    assert_true(vs_page_frame_byte(f->system, walk.frame, 0x123, &byte));
    assert_int_equal(byte, 0x5A);
    assert_true(vs_page_frame_byte(f->system, walk.frame, 0x124, &byte));
    assert_int_equal(byte, 0);
    assert_false(vs_pte_accessed(*pte));
    assert_false(vs_page_frame_byte(f->system, walk.frame, VS_PAGE_SIZE, &byte));
    assert_false(vs_page_frame_byte(f->system, UINT64_MAX, 0, &byte));
    CHECK_INVARIANTS(f);
}

int main(void)
{
#define X64(t) cmocka_unit_test_setup_teardown(t, fixture_setup_x64, fixture_teardown)
    const struct CMUnitTest tests[] = {
        X64(test_new_process_tables_x64),
        cmocka_unit_test_setup_teardown(test_new_process_tables_x86, fixture_setup_x86,
                                        fixture_teardown),
        X64(test_reserve_creates_no_tables),
        X64(test_commit_creates_and_release_frees),
        X64(test_decommit_frees_emptied_tables),
        X64(test_decommit_in_memcommit_vad_writes_decommitted),
        X64(test_guard_modifier_in_pte),
        X64(test_commit_across_table_boundaries),
        X64(test_sparse_far_apart_pages),
        X64(test_frame_byte_touches_nothing),
        cmocka_unit_test(test_pte_state_decoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
