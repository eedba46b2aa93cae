/*
 * test_check.c - the invariant checker (check.c) trips: for each invariant it claims, a test builds
 * a small valid system through the public API, corrupts exactly one structure behind the model's
 * back (through internal.h), and asserts that vs_check fails naming that invariant. Each test then
 * puts the structure back and checks that the system is whole again, so the corruption, and
 * nothing else, is what the checker saw.
 *
 * The checker reports the first violation it finds, walking the VAD tree, then the page tables
 * (every PTE and the frame behind it), the working set, the write-watch bitmaps and commit of each
 * process, then the sections and the PFN database; a corruption is chosen so that nothing the
 * walk visits before it is disturbed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linux/linux.h" /* the core's internals, and a VMA's for one test */
#include "testutil.h"

/* Writes prototype PTE index of section, returning what it held: the one place that knows how
 * prototype PTEs are stored. */
static uint64_t corrupt_prototype(VsSection *section, uint64_t index, uint64_t value)
{
    uint64_t old = vs_prototype_read(section, index);
    assert_true(vs_prototype_write(section, index, value));
    return old;
}

/* vs_check fails, and its message names the invariant. */
static void assert_trips(Fixture *f, const char *invariant)
{
    char why[512];
    assert_false(vs_check(f->system, why, sizeof why));
    if (!strstr(why, invariant)) {
        print_error("vs_check reported \"%s\", not \"%s\"\n", why, invariant);
        fail();
    }
}

/* Sets a field (an integer or flag) to value, asserts that vs_check reports invariant, then puts
 * the old value back and asserts that the system is whole again. */
#define CORRUPT(f, field, value, invariant)                                                        \
    do {                                                                                           \
        uint64_t saved_ = (field);                                                                 \
        (field) = (value);                                                                         \
        assert_trips((f), (invariant));                                                            \
        (field) = saved_;                                                                          \
        CHECK_INVARIANTS(f);                                                                       \
    } while (0)

/* ---- Building a small valid system ----------------------------------------------------------- */

static int setup_x64(void **state) { return fixture_setup_x64(state); }

static int setup_linux(void **state) { return fixture_setup_linux(state); }

/* Reserves and commits size bytes in one call (a MemCommit VAD: its untouched PTEs stay zero). */
static uint64_t commit(Fixture *f, uint64_t size)
{
    uint64_t p = VsVirtualAlloc(f->thread, 0, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_true(p != 0);
    CHECK_INVARIANTS(f);
    return p;
}

/* Reserves size bytes, then commits them: each page gets a demand-zero PTE. */
static uint64_t reserve_then_commit(Fixture *f, uint64_t size)
{
    uint64_t p = VsVirtualAlloc(f->thread, 0, size, MEM_RESERVE, PAGE_READWRITE);
    assert_true(p != 0);
    assert_int_equal(VsVirtualAlloc(f->thread, p, size, MEM_COMMIT, PAGE_READWRITE), p);
    CHECK_INVARIANTS(f);
    return p;
}

static void touch(Fixture *f, uint64_t address)
{
    assert_int_equal(vs_memory_write(f->thread, address, 0x5A), STATUS_SUCCESS);
}

/* A 64 KB view of a new page-file-backed section, its first page touched; the section is *out. */
static uint64_t touched_view(Fixture *f, VsSection **out)
{
    VsHandle h =
        VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0x10000, NULL);
    uint64_t v = VsMapViewOfFile(f->thread, h, FILE_MAP_WRITE, 0, 0, 0);
    assert_true(h && v);
    touch(f, v);
    *out = (VsSection *)vs_handle_section(f->thread, h);
    CHECK_INVARIANTS(f);
    return v;
}

static VsVad *vad_at(Fixture *f, uint64_t address)
{
    VsVad *vad = (VsVad *)vs_vad_lookup(f->process, address);
    assert_non_null(vad);
    return vad;
}

/* The page table at level (0: the top) on the way to address; it must exist. */
static VsPageTable *table_at(Fixture *f, uint64_t address, uint32_t level)
{
    VsPteWalk walk;
    vs_pte_walk(f->process, address, &walk);
    assert_true(level < walk.levels);
    VsPageTable *table = f->system->tables.tables[walk.level[level].table];
    assert_non_null(table);
    return table;
}

static uint32_t levels(Fixture *f) { return vs_system_layout(f->system)->paging_levels; }

/* The leaf PTE of address (its page table must exist). */
static uint64_t *pte_at(Fixture *f, uint64_t address)
{
    VsPteWalk walk;
    vs_pte_walk(f->process, address, &walk);
    return &table_at(f, address, levels(f) - 1)->entries[walk.level[walk.levels - 1].index];
}

/* The PFN entry of the frame address's PTE names (valid or transition). */
static VsPfn *frame_at(Fixture *f, uint64_t address)
{
    uint64_t pte = *pte_at(f, address);
    assert_true(vs_pte_is_resident(pte));
    return &f->system->pfn.frames[vs_pte_frame(pte)];
}

/* A page written, trimmed to the modified list, then written to the page file: a transition PTE
 * whose frame is on the standby list and whose OriginalPte names its slot. */
static uint64_t standby_page(Fixture *f)
{
    uint64_t p = commit(f, 0x10000);
    touch(f, p);
    vs_empty_working_set(f->process);
    assert_true(vs_write_modified_pages(f->system, 64) >= 1);
    assert_true(vs_pte_is_transition(*pte_at(f, p)));
    assert_true(vs_pte_pagefile_slot(frame_at(f, p)->original_pte) != 0);
    CHECK_INVARIANTS(f);
    return p;
}

/* Recomputes max_gap_pages from vad up to the root, as vad.c does after an edit. */
static void refresh_max_gaps(VsVad *vad)
{
    for (; vad; vad = vs_vad_parent(vad)) {
        uint64_t best = vad->gap_pages;
        if (vad->left)
            best = vs_max(best, vad->left->max_gap_pages);
        if (vad->right)
            best = vs_max(best, vad->right->max_gap_pages);
        vad->max_gap_pages = best;
    }
}

/* ---- The VAD tree ---------------------------------------------------------------------------- */

static void test_check_reports_vad_parent_link_broken(void **state)
{
    Fixture *f = *state;
    commit(f, 0x10000);
    VsVad *root = f->process->vad_root.root;
    VsVad *child = root->left ? root->left : root->right;
    assert_non_null(child);
    /* the balance bits stay; the parent pointer is lost */
    CORRUPT(f, child->parent_value, child->parent_value & 3, "VAD parent link broken");
}

static void test_check_reports_vad_tree_out_of_balance(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 0x10000);
    VsVad *leaf = vad_at(f, p);
    assert_null(leaf->left);
    assert_null(leaf->right);
    /* a leaf stored as right-heavy: balance +1 is stored as 2 in the low bits */
    CORRUPT(f, leaf->parent_value, (leaf->parent_value & ~(uintptr_t)3) | 2,
            "VAD tree out of balance");
}

static void test_check_reports_vad_max_gap_pages_stale(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 0x10000);
    VsVad *vad = vad_at(f, p);
    CORRUPT(f, vad->max_gap_pages, vad->max_gap_pages + 16, "VAD max_gap_pages stale");
}

static void test_check_reports_kuser_shared_data_flagged_as_placeholder(void **state)
{
    Fixture *f = *state;
    VsVad *shared = vad_at(f, vs_system_layout(f->system)->shared_user_data);
    assert_int_equal(shared->kind, VS_VAD_SHARED_USER_DATA);
    CORRUPT(f, shared->placeholder, 1, "KUSER_SHARED_DATA VAD flagged as a placeholder");
}

static uint64_t reserve_placeholder(Fixture *f)
{
    uint64_t p = VsVirtualAlloc2(f->thread, 0, 0, 0x20000, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER,
                                 PAGE_NOACCESS, NULL, 0);
    assert_true(p != 0);
    assert_int_equal(vad_at(f, p)->kind, VS_VAD_PLACEHOLDER);
    CHECK_INVARIANTS(f);
    return p;
}

static void test_check_reports_placeholder_with_the_flags_of_an_allocation(void **state)
{
    Fixture *f = *state;
    VsVad *placeholder = vad_at(f, reserve_placeholder(f));
    CORRUPT(f, placeholder->protection, MM_READWRITE,
            "placeholder VAD with the flags of an allocation");
}

static void test_check_reports_placeholder_charging_commit(void **state)
{
    Fixture *f = *state;
    VsVad *placeholder = vad_at(f, reserve_placeholder(f));
    CORRUPT(f, placeholder->commit_charge, 1, "placeholder VAD charges commit");
}

static void test_check_reports_vma_open_file_not_the_file_it_maps(void **state)
{
    Fixture *f = *state;
    int fd = vs_memfd_create(f->thread, "check", 0);
    assert_true(fd >= 0);
    assert_int_equal(vs_ftruncate(f->thread, fd, 0x2000), 0);
    uint64_t p = vs_mmap(f->thread, 0, 0x2000, VS_PROT_READ | VS_PROT_WRITE, VS_MAP_SHARED, fd, 0);
    assert_true(p != VS_MAP_FAILED);
    CHECK_INVARIANTS(f);
    VsVma *vma = vs_vma(vad_at(f, p));
    VsOpenFile *open = vma->vm_file;
    assert_non_null(open);
    vma->vm_file = NULL;
    assert_trips(f, "VMA's open file is not the file it maps");
    vma->vm_file = open;
    CHECK_INVARIANTS(f);
}

static void test_check_reports_vad_ending_before_it_starts(void **state)
{
    Fixture *f = *state;
    VsVad *vad = vad_at(f, commit(f, 0x10000));
    CORRUPT(f, vad->ending_vpn, vad->starting_vpn - 1, "VAD ends before it starts");
}

static void test_check_reports_vads_out_of_order(void **state)
{
    Fixture *f = *state;
    uint64_t a = commit(f, 0x10000);
    uint64_t b = commit(f, 0x10000);
    assert_int_equal(b, a + 0x10000);
    VsVad *second = vad_at(f, b);
    /* the second now starts on the first's last page */
    CORRUPT(f, second->starting_vpn, vs_vpn(b) - 1, "VADs overlap or are out of order");
}

static void test_check_reports_vad_outside_user_space(void **state)
{
    Fixture *f = *state;
    VsVad *first = vad_at(f, commit(f, 0x10000));
    assert_int_equal(first->starting_vpn, f->process->vad_root.lowest_vpn);
    CORRUPT(f, first->starting_vpn, first->starting_vpn - 1, "VAD outside user space");
}

static void test_check_reports_vad_above_the_highest_allocatable_address(void **state)
{
    Fixture *f = *state;
    uint64_t p = VsVirtualAlloc(f->thread, 0, 0x10000, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);
    VsVad *top = vad_at(f, p);
    assert_int_equal(top->ending_vpn, f->process->vad_root.highest_vpn);
    CORRUPT(f, top->ending_vpn, top->ending_vpn + 1, "VAD above the highest allocatable address");
}

/* The gap before a VAD also feeds its subtree's max_gap_pages: those are brought up to date with
 * the wrong gap, so only gap_pages itself is stale. */
static void test_check_reports_vad_gap_pages_stale(void **state)
{
    Fixture *f = *state;
    VsVad *vad = vad_at(f, commit(f, 0x10000));
    uint64_t gap = vad->gap_pages;
    vad->gap_pages = gap + 16;
    refresh_max_gaps(vad);
    assert_trips(f, "VAD gap_pages stale");
    vad->gap_pages = gap;
    refresh_max_gaps(vad);
    CHECK_INVARIANTS(f);
}

static void test_check_reports_vad_count_differs_from_the_tree(void **state)
{
    Fixture *f = *state;
    commit(f, 0x10000);
    CORRUPT(f, f->process->vad_root.count, f->process->vad_root.count + 1,
            "VAD count differs from the tree");
}

static void test_check_reports_vad_node_hint_not_in_the_tree(void **state)
{
    Fixture *f = *state;
    VsVad *vad = vad_at(f, commit(f, 0x10000));
    VsVad stray = *vad; /* the same range, but not a node of the tree */
    VsVad *hint = f->process->vad_root.node_hint;
    f->process->vad_root.node_hint = &stray;
    assert_trips(f, "VAD node hint is not in the tree");
    f->process->vad_root.node_hint = hint;
    CHECK_INVARIANTS(f);
}

/* ---- The page file --------------------------------------------------------------------------- */

static void test_check_reports_page_file_slot_named_but_not_in_use(void **state)
{
    Fixture *f = *state;
    uint64_t slot = vs_pte_pagefile_slot(frame_at(f, standby_page(f))->original_pte);
    uint64_t *word = &f->system->pagefile.bitmap[slot / 64];
    CORRUPT(f, *word, *word & ~(1ull << (slot % 64)),
            "page names a page-file slot that is not in use");
}

static void test_check_reports_page_file_slot_owned_twice(void **state)
{
    Fixture *f = *state;
    uint64_t a = standby_page(f), b = standby_page(f);
    uint64_t slot_a = vs_pte_pagefile_slot(frame_at(f, a)->original_pte);
    VsPfn *second = frame_at(f, b);
    /* b's frame names a's slot: the protection bits stay */
    uint64_t same_slot = (second->original_pte & ((1ull << VS_PTE_PAGEFILE_SHIFT) - 1)) |
                         (slot_a << VS_PTE_PAGEFILE_SHIFT);
    CORRUPT(f, second->original_pte, same_slot, "page-file slot owned twice");
}

static void test_check_reports_page_file_slot_in_use_that_no_page_owns(void **state)
{
    Fixture *f = *state;
    static const unsigned char page[VS_PAGE_SIZE] = {1};
    uint64_t slot = vs_pagefile_write(&f->system->pagefile, page);
    assert_true(slot != 0);
    assert_trips(f, "a page-file slot in use that no page owns");
    vs_pagefile_free(&f->system->pagefile, slot);
    CHECK_INVARIANTS(f);
}

/* ---- Valid private pages --------------------------------------------------------------------- */

static uint64_t valid_page(Fixture *f)
{
    uint64_t p = commit(f, 0x10000);
    touch(f, p);
    assert_true(vs_pte_is_valid(*pte_at(f, p)));
    CHECK_INVARIANTS(f);
    return p;
}

static void test_check_reports_valid_pte_naming_a_frame_not_active(void **state)
{
    Fixture *f = *state;
    VsPfn *pfn = frame_at(f, valid_page(f));
    CORRUPT(f, pfn->location, VS_PAGE_STANDBY, "valid PTE names a frame that is not active");
}

static void test_check_reports_valid_pte_disagreeing_with_its_frames_protection(void **state)
{
    Fixture *f = *state;
    uint64_t *pte = pte_at(f, valid_page(f));
    CORRUPT(f, *pte, *pte & ~VS_PTE_WRITE, "valid PTE disagrees with its frame's protection");
}

static void test_check_reports_valid_private_frame_shared(void **state)
{
    Fixture *f = *state;
    VsPfn *pfn = frame_at(f, valid_page(f));
    CORRUPT(f, pfn->share_count, 2,
            "valid private page's frame has a share or reference count not 1");
}

static void test_check_reports_valid_page_missing_from_its_working_set_entry(void **state)
{
    Fixture *f = *state;
    VsPfn *pfn = frame_at(f, valid_page(f));
    CORRUPT(f, pfn->flink, f->process->ws.count, "valid page missing from its working-set entry");
}

static void test_check_reports_pte_naming_a_frame_never_handed_out(void **state)
{
    Fixture *f = *state;
    uint64_t *pte = pte_at(f, valid_page(f));
    CORRUPT(f, *pte, vs_pte_make_valid(f->system->pfn.never_used, MM_READWRITE),
            "PTE names a frame never handed out");
}

static void test_check_reports_frame_naming_another_page(void **state)
{
    Fixture *f = *state;
    VsPfn *pfn = frame_at(f, valid_page(f));
    CORRUPT(f, pfn->vpn, pfn->vpn + 1, "frame's PFN entry names another page");
}

/* ---- Transition pages ------------------------------------------------------------------------ */

static void test_check_reports_transition_frame_on_the_wrong_list(void **state)
{
    Fixture *f = *state;
    VsPfn *pfn = frame_at(f, standby_page(f));
    assert_int_equal(pfn->location, VS_PAGE_STANDBY);
    /* a dirty page belongs on the modified list */
    CORRUPT(f, pfn->flags, pfn->flags | VS_PFN_MODIFIED,
            "transition PTE's frame is not on the standby or modified list it should");
}

static void test_check_reports_transition_pte_disagreeing_with_its_frames_protection(void **state)
{
    Fixture *f = *state;
    uint64_t p = standby_page(f);
    uint64_t *pte = pte_at(f, p);
    CORRUPT(f, *pte, vs_pte_make_transition(vs_pte_frame(*pte), MM_READONLY),
            "transition PTE disagrees with its frame's protection");
}

static void test_check_reports_listed_frame_still_referenced(void **state)
{
    Fixture *f = *state;
    VsPfn *pfn = frame_at(f, standby_page(f));
    CORRUPT(f, pfn->reference_count, 1, "a frame on a list is still referenced");
}

/* ---- Software PTEs --------------------------------------------------------------------------- */

static void test_check_reports_pte_in_an_unknown_state(void **state)
{
    Fixture *f = *state;
    uint64_t *pte = pte_at(f, reserve_then_commit(f, 0x10000));
    assert_int_equal(*pte, vs_pte_make_software(MM_READWRITE)); /* demand zero */
    CORRUPT(f, *pte, *pte | 0x8, "PTE in an unknown state");    /* bit 3 means nothing */
}

static void test_check_reports_prototype_format_pte_outside_a_view(void **state)
{
    Fixture *f = *state;
    uint64_t *pte = pte_at(f, reserve_then_commit(f, 0x10000));
    CORRUPT(f, *pte, vs_pte_make_proto(MM_READWRITE), "prototype-format PTE outside a view");
}

/* A demand-zero PTE written just past an allocation, in the same page table (its used count
 * follows, so only the entry is wrong). */
static void test_check_reports_pte_outside_every_vad(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_then_commit(f, 0x10000);
    VsPageTable *table = table_at(f, p, levels(f) - 1);
    uint64_t *beyond = pte_at(f, p) + 16;
    assert_null(vs_vad_lookup(f->process, p + 0x10000));
    *beyond = vs_pte_make_software(MM_READWRITE);
    table->used_entries++;
    assert_trips(f, "PTE outside every VAD");
    *beyond = 0;
    table->used_entries--;
    CHECK_INVARIANTS(f);
}

static void test_check_reports_pte_inside_a_placeholder(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_then_commit(f, 0x10000);
    uint64_t placeholder = reserve_placeholder(f);
    assert_int_equal(placeholder, p + 0x10000); /* in the same page table */
    VsPageTable *table = table_at(f, p, levels(f) - 1);
    uint64_t *inside = pte_at(f, p) + 16;
    *inside = vs_pte_make_software(MM_READWRITE);
    table->used_entries++;
    assert_trips(f, "PTE inside a placeholder");
    *inside = 0;
    table->used_entries--;
    CHECK_INVARIANTS(f);
}

/* ---- Page tables ----------------------------------------------------------------------------- */

/* The top table's entry on the way to p, which names the next table down. */
static uint64_t *top_entry(Fixture *f, uint64_t p)
{
    VsPteWalk walk;
    vs_pte_walk(f->process, p, &walk);
    return &table_at(f, p, 0)->entries[walk.level[0].index];
}

static void test_check_reports_page_table_entry_naming_a_free_frame(void **state)
{
    Fixture *f = *state;
    uint64_t p = valid_page(f);
    uint64_t data_frame = vs_pte_frame(*pte_at(f, p)); /* a frame that holds no table */
    uint64_t *entry = top_entry(f, p);
    CORRUPT(f, *entry, vs_pte_make_table(data_frame), "page-table entry names a free frame");
}

static void test_check_reports_page_table_frame_not_recorded_as_a_table(void **state)
{
    Fixture *f = *state;
    uint64_t p = commit(f, 0x10000);
    VsPfn *pfn = &f->system->pfn.frames[vs_pte_frame(*top_entry(f, p))];
    CORRUPT(f, pfn->flags, pfn->flags & ~VS_PFN_PAGE_TABLE,
            "page table's frame is not recorded as one of its tables");
}

static void test_check_reports_page_table_at_the_wrong_range(void **state)
{
    Fixture *f = *state;
    VsPageTable *leaf = table_at(f, reserve_then_commit(f, 0x10000), levels(f) - 1);
    CORRUPT(f, leaf->first_vpn, leaf->first_vpn + 512, "page table at the wrong level or range");
}

static void test_check_reports_upper_entry_not_a_valid_table_link(void **state)
{
    Fixture *f = *state;
    uint64_t *entry = top_entry(f, commit(f, 0x10000));
    CORRUPT(f, *entry, *entry & ~VS_PTE_VALID, "upper-level entry is not a valid table link");
}

static void test_check_reports_page_table_used_count_differing_from_its_entries(void **state)
{
    Fixture *f = *state;
    VsPageTable *leaf = table_at(f, reserve_then_commit(f, 0x10000), levels(f) - 1);
    CORRUPT(f, leaf->used_entries, leaf->used_entries + 1,
            "page-table used count differs from its entries");
}

/* A leaf table whose one entry is cleared (and its count with it) and which nobody freed. */
static void test_check_reports_empty_page_table_not_freed(void **state)
{
    Fixture *f = *state;
    uint64_t p = reserve_then_commit(f, 0x1000);
    VsPageTable *leaf = table_at(f, p, levels(f) - 1);
    assert_int_equal(leaf->used_entries, 1);
    uint64_t *pte = pte_at(f, p), saved = *pte;
    *pte = 0;
    leaf->used_entries = 0;
    assert_trips(f, "empty page table not freed");
    *pte = saved;
    leaf->used_entries = 1;
    CHECK_INVARIANTS(f);
}

static void test_check_reports_page_table_pages_differing_from_the_tables(void **state)
{
    Fixture *f = *state;
    CORRUPT(f, f->process->page_table_pages, f->process->page_table_pages + 1,
            "page_table_pages differs from the tables found");
}

/* ---- Commit ---------------------------------------------------------------------------------- */

static void test_check_reports_view_charging_more_than_its_copy_on_write_pages(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    VsVad *view = vad_at(f, touched_view(f, &section));
    assert_int_equal(view->commit_charge, 0);
    CORRUPT(f, view->commit_charge, 17, "view's commit charge is not its copy-on-write pages");
}

static void test_check_reports_vad_commit_charge_differing_from_its_ptes(void **state)
{
    Fixture *f = *state;
    VsVad *vad = vad_at(f, reserve_then_commit(f, 0x10000));
    CORRUPT(f, vad->commit_charge, vad->commit_charge - 1,
            "VAD commit charge differs from its PTEs");
}

static void test_check_reports_process_commit_charge_differing_from_its_vads(void **state)
{
    Fixture *f = *state;
    commit(f, 0x10000);
    CORRUPT(f, f->process->commit_charge, f->process->commit_charge + 1,
            "process commit charge differs from its VADs");
}

static void test_check_reports_system_commit_charge_differing_from_its_processes(void **state)
{
    Fixture *f = *state;
    commit(f, 0x10000);
    CORRUPT(f, f->system->commit_total, f->system->commit_total + 1,
            "system commit charge differs from its processes' and sections' or passes its limit");
}

/* ---- The working set ------------------------------------------------------------------------- */

/* An entry added past the last one, naming a page that is not resident. */
static void test_check_reports_working_set_entry_naming_no_valid_page(void **state)
{
    Fixture *f = *state;
    uint64_t p = valid_page(f);
    VsWorkingSet *ws = &f->process->ws;
    assert_true(ws->count < ws->capacity);
    ws->entries[ws->count] = (VsWsle){.vpn = vs_vpn(p) + 1};
    ws->count++;
    assert_trips(f, "working-set entry names no valid page of its own");
    ws->count--;
    CHECK_INVARIANTS(f);
}

static void test_check_reports_working_set_hash_larger_than_the_working_set(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    touched_view(f, &section);
    VsWorkingSet *ws = &f->process->ws;
    CORRUPT(f, ws->shared.used, ws->count + 1,
            "working-set hash holds more entries than the working set");
}

/*
 * "working-set size differs from the valid pages" cannot be the first violation: every valid page
 * has its entry below the count (check_valid, check_valid_shared) and every entry below the count
 * names a valid page whose entry it is (check_working_set's loop), which makes the entries and the
 * valid pages the same set, so their numbers agree. A count one short leaves the last page without
 * its entry, and that is what the checker reports; the size check stands behind the two.
 */
static void test_check_reports_working_set_size_differing_from_the_valid_pages(void **state)
{
    Fixture *f = *state;
    valid_page(f);
    VsWorkingSet *ws = &f->process->ws;
    CORRUPT(f, ws->count, ws->count - 1, "valid page missing from its working-set entry");
}

static void test_check_reports_working_set_peak_below_its_size(void **state)
{
    Fixture *f = *state;
    valid_page(f);
    VsWorkingSet *ws = &f->process->ws;
    CORRUPT(f, ws->peak, ws->count - 1, "working-set peak below its size");
}

static void test_check_reports_locked_entries_differing_from_their_count(void **state)
{
    Fixture *f = *state;
    valid_page(f);
    CORRUPT(f, f->process->ws.locked, f->process->ws.locked + 1,
            "locked working-set entries differ from their count");
}

/* ---- Write watch ----------------------------------------------------------------------------- */

static uint64_t watched(Fixture *f)
{
    uint64_t p = VsVirtualAlloc(f->thread, 0, 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                                PAGE_READWRITE);
    assert_true(p != 0);
    CHECK_INVARIANTS(f);
    return p;
}

static void test_check_reports_write_watch_vad_without_its_bitmap(void **state)
{
    Fixture *f = *state;
    watched(f);
    VsWriteWatch *watch = &f->process->watches[0];
    CORRUPT(f, watch->pages, watch->pages + 1,
            "write-watch VAD without exactly one bitmap of its range");
}

/* Two watched reservations, one of which forgets that it is watched: its bitmap is left over. */
static void test_check_reports_write_watch_bitmap_that_no_vad_owns(void **state)
{
    Fixture *f = *state;
    watched(f);
    VsVad *second = vad_at(f, watched(f));
    CORRUPT(f, second->write_watch, 0, "write-watch bitmaps that no write-watch VAD owns");
}

/* ---- Views and sections ---------------------------------------------------------------------- */

static void test_check_reports_valid_pte_mapping_a_page_its_view_does_not_cover(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    VsPfn *pfn = frame_at(f, touched_view(f, &section));
    CORRUPT(f, pfn->vpn, pfn->vpn + 1, "valid PTE maps a section page its view does not cover");
}

static void test_check_reports_valid_section_page_missing_from_the_hash(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    uint64_t v = touched_view(f, &section);
    VsWsHash *hash = &f->process->ws.shared;
    uint64_t bucket = 0;
    while (bucket < hash->buckets && hash->keys[bucket] != vs_vpn(v) + 1)
        bucket++;
    assert_true(bucket < hash->buckets);
    CORRUPT(f, hash->keys[bucket], 0, "valid section page missing from the working set's hash");
}

static void test_check_reports_valid_pte_naming_a_section_frame_not_active(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    VsPfn *pfn = frame_at(f, touched_view(f, &section));
    CORRUPT(f, pfn->location, VS_PAGE_STANDBY,
            "valid PTE names a section frame that is not active");
}

static void test_check_reports_valid_section_pte_disagreeing_with_its_working_set(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    uint64_t v = touched_view(f, &section);
    VsWsle *entry = vs_ws_entry(f->process, vs_vpn(v), vs_pte_frame(*pte_at(f, v)));
    CORRUPT(f, entry->protection, MM_READONLY,
            "valid section PTE disagrees with its working-set protection");
}

static void test_check_reports_prototype_pte_in_an_unknown_state(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    touched_view(f, &section);
    uint64_t old = corrupt_prototype(section, 1, vs_pte_make_software(MM_READWRITE) | 0x8);
    assert_trips(f, "prototype PTE in an unknown state");
    corrupt_prototype(section, 1, old);
    CHECK_INVARIANTS(f);
}

/* A page-file-backed section's prototype PTE in the format that means "in the file". */
static void test_check_reports_prototype_pte_of_the_wrong_backing(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    touched_view(f, &section);
    uint64_t old = corrupt_prototype(section, 1, vs_pte_make_subsection(MM_READWRITE));
    assert_trips(f, "prototype PTE of the wrong backing (file or page file)");
    corrupt_prototype(section, 1, old);
    CHECK_INVARIANTS(f);
}

/* The section's second page made to name the frame of a private page. */
static void test_check_reports_prototype_pte_frame_recording_another_page(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    touched_view(f, &section);
    uint64_t frame = vs_pte_frame(*pte_at(f, valid_page(f)));
    uint64_t old = corrupt_prototype(section, 1, vs_pte_make_valid(frame, MM_READWRITE));
    assert_trips(f, "prototype PTE's frame records another page");
    corrupt_prototype(section, 1, old);
    CHECK_INVARIANTS(f);
}

static void test_check_reports_file_page_frame_forgetting_its_file(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_file_create(f->system, "check.dat", 0x2000, "data", 4, 0), STATUS_SUCCESS);
    VsHandle file = VsCreateFile(f->thread, "check.dat", GENERIC_READ, FILE_SHARE_READ,
                                 OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL);
    VsHandle m = VsCreateFileMapping(f->thread, file, PAGE_READONLY, 0, 0, NULL);
    uint64_t v = VsMapViewOfFile(f->thread, m, FILE_MAP_READ, 0, 0, 0);
    assert_true(v != 0);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, v, &byte), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    VsPfn *pfn = frame_at(f, v);
    /* as if the page were demand zero: its copy is nowhere */
    CORRUPT(f, pfn->original_pte, vs_pte_make_software(MM_READONLY),
            "a file page's frame forgot that its page is in the file");
}

static void test_check_reports_valid_prototype_frame_not_active_and_shared(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    VsPfn *pfn = frame_at(f, touched_view(f, &section));
    CORRUPT(f, pfn->reference_count, 2, "valid prototype PTE's frame is not active and shared");
}

static void test_check_reports_section_frame_share_count_differing_from_its_ptes(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    VsPfn *pfn = frame_at(f, touched_view(f, &section));
    CORRUPT(f, pfn->share_count, pfn->share_count + 1,
            "section frame's share count differs from the PTEs mapping it");
}

/* The view's page trimmed: the prototype PTE is in transition, its frame on the modified list. */
static void test_check_reports_transition_prototype_frame_referenced(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    touched_view(f, &section);
    vs_empty_working_set(f->process);
    uint64_t pte = vs_section_prototype(section, 0);
    assert_true(vs_pte_is_transition(pte));
    CHECK_INVARIANTS(f);
    VsPfn *pfn = &f->system->pfn.frames[vs_pte_frame(pte)];
    CORRUPT(f, pfn->reference_count, 1,
            "transition prototype PTE's frame is not on its list, unreferenced");
}

static void test_check_reports_section_committed_pages_differing_from_its_prototypes(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    touched_view(f, &section);
    CORRUPT(f, section->committed_pages, section->committed_pages - 1,
            "section's committed pages differ from its prototype PTEs");
}

static void test_check_reports_file_section_not_the_files_data_section(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_file_create(f->system, "check.dat", 0x2000, NULL, 0, 7), STATUS_SUCCESS);
    VsHandle file = VsCreateFile(f->thread, "check.dat", GENERIC_READ, FILE_SHARE_READ,
                                 OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL);
    VsHandle m = VsCreateFileMapping(f->thread, file, PAGE_READONLY, 0, 0, NULL);
    assert_true(m != 0);
    CHECK_INVARIANTS(f);
    VsFile *mapped = ((VsSection *)vs_handle_section(f->thread, m))->file;
    VsSection *section = mapped->section;
    mapped->section = NULL;
    assert_trips(f, "file section not the file's data section");
    mapped->section = section;
    CHECK_INVARIANTS(f);
}

static void test_check_reports_section_kept_with_no_handle_and_no_view(void **state)
{
    Fixture *f = *state;
    VsHandle h =
        VsCreateFileMapping(f->thread, VS_INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0x10000, NULL);
    assert_true(h != 0);
    CHECK_INVARIANTS(f);
    VsSection *section = (VsSection *)vs_handle_section(f->thread, h);
    CORRUPT(f, section->handles, 0, "section kept with no handle and no view");
}

static void test_check_reports_section_view_count_differing_from_the_views(void **state)
{
    Fixture *f = *state;
    VsSection *section;
    touched_view(f, &section);
    CORRUPT(f, section->views, section->views + 1,
            "sections' view counts differ from the views mapped");
}

/* ---- The PFN database ------------------------------------------------------------------------ */

static void test_check_reports_page_list_miscounted(void **state)
{
    Fixture *f = *state;
    VsPfnList *bad = &f->system->pfn.lists[VS_PAGE_BAD];
    assert_int_equal(bad->count, 0);
    CORRUPT(f, bad->count, 1, "a page list is broken or miscounted");
}

/* One frame more counted as handed out, on no list and not active. */
static void test_check_reports_frame_on_no_list(void **state)
{
    Fixture *f = *state;
    valid_page(f);
    VsPfnDatabase *db = &f->system->pfn;
    assert_true(db->never_used < db->count);
    CORRUPT(f, db->never_used, db->never_used + 1, "frames on no list, or on two");
}

/* Large pages: a frame of the run not marked as the process's, the process's count of them, and
 * the VAD's flag are each tied to the large PDEs. */
static void test_check_reports_large_page_inconsistencies(void **state)
{
    Fixture *f = *state;
    vs_process_set_lock_memory_privilege(f->process, true);
    uint64_t p = VsVirtualAlloc(f->thread, 0, MB(2), MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
                                PAGE_READWRITE);
    assert_int_not_equal(p, 0);
    CHECK_INVARIANTS(f);
    uint64_t first = vs_pte_frame(vs_pt_large_pde(f->process, vs_vpn(p)));
    VsPfn *pfn = &f->system->pfn.frames[first + 17];
    CORRUPT(f, pfn->vpn, pfn->vpn + 1, "large-page frame's PFN entry names another page");
    CORRUPT(f, f->process->large_pages, 0, "large-page VADs, PDEs and frames differ");
    VsVad *vad = vs_vad_locate(&f->process->vad_root, vs_vpn(p));
    vad->large_pages = 0;
    assert_trips(f, "large PDE outside a large-page VAD");
    vad->large_pages = 1;
    CHECK_INVARIANTS(f);
}

/* A huge page a fork shares (largeshared.c): each frame of its run records the fork section and
 * its index there, the process counts the pages its PDEs map of such runs, a frame's share count
 * is the PDEs and PTEs mapping it, and a page detached from its index is mapped by PDEs. */
static void test_check_reports_shared_huge_page_inconsistencies(void **state)
{
    Fixture *f = *state;
    uint64_t m = vs_mmap(f->thread, 0, MB(4), VS_PROT_READ | VS_PROT_WRITE,
                         VS_MAP_PRIVATE | VS_MAP_ANONYMOUS, -1, 0);
    uint64_t p = (m + MB(2) - 1) & ~(MB(2) - 1);
    assert_int_equal(vs_madvise(f->thread, m, MB(4), VS_MADV_HUGEPAGE), 0);
    assert_int_equal(vs_memory_write(f->thread, p, 1), STATUS_SUCCESS);
    VsProcess *child = NULL;
    assert_true(vs_fork(f->thread, &child) > 0);
    CHECK_INVARIANTS(f);
    uint64_t first = vs_pte_frame(vs_pt_large_pde(f->process, vs_vpn(p)));
    VsPfn *pfn = &f->system->pfn.frames[first + 5];
    assert_true(vs_large_page_in_run(f->system, first + 5));
    CORRUPT(f, pfn->vpn, pfn->vpn + 1, "large-page frame's PFN entry names another page");
    CORRUPT(f, f->process->shared_large_pages, 0,
            "PDEs mapping sections' runs differ from their count");
    CORRUPT(f, pfn->share_count, pfn->share_count + 1,
            "section frame's share count differs from the PTEs mapping it");
    VsSection *section = vs_section_by_id(f->system, pfn->pid);
    uint64_t entry = corrupt_prototype(section, pfn->vpn, vs_prototype_initial(section));
    CHECK_INVARIANTS(f); /* detached, the PDEs' alone: a state the model makes itself */
    CORRUPT(f, pfn->share_count, 0, "detached page of a shared large page is not its run's");
    corrupt_prototype(section, pfn->vpn, entry);
    CHECK_INVARIANTS(f);
}

/* AWE: an owned frame mapped in a window records its page, its process counts it, and its PTE
 * is the only kind an AWE window holds. */
static void test_check_reports_awe_inconsistencies(void **state)
{
    Fixture *f = *state;
    vs_process_set_lock_memory_privilege(f->process, true);
    uint64_t pfns = VsVirtualAlloc(f->thread, 0, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    uint64_t n = 2;
    assert_true(VsAllocateUserPhysicalPages(f->thread, VS_CURRENT_PROCESS, &n, pfns));
    uint64_t window =
        VsVirtualAlloc(f->thread, 0, 65536, MEM_RESERVE | MEM_PHYSICAL, PAGE_READWRITE);
    assert_true(VsMapUserPhysicalPages(f->thread, window, 1, pfns));
    CHECK_INVARIANTS(f);
    uint64_t frame = vs_pte_frame(vs_pt_read(f->process, vs_vpn(window)));
    VsPfn *pfn = &f->system->pfn.frames[frame];
    CORRUPT(f, pfn->vpn, pfn->vpn + 1, "AWE PTE names a frame not recorded as this page's");
    CORRUPT(f, f->process->awe_pages, 1, "AWE frames differ from what their processes count");
    VsVad *vad = vs_vad_locate(&f->process->vad_root, vs_vpn(window));
    vad->physical = 0;
    assert_trips(f, "AWE frame mapped outside an AWE window");
    vad->physical = 1;
    CHECK_INVARIANTS(f);
}

/* A frame taken from the untouched ones and counted active, with nothing mapping it: the frame
 * counts still add up, so only the active count is wrong. */
static void test_check_reports_active_frames_differing_from_valid_ptes(void **state)
{
    Fixture *f = *state;
    valid_page(f);
    VsPfnDatabase *db = &f->system->pfn;
    db->never_used++;
    db->active_count++;
    assert_trips(f, "active frames differ from valid PTEs, page tables, large pages and AWE");
    db->never_used--;
    db->active_count--;
    CHECK_INVARIANTS(f);
}

/* A frame taken from the untouched ones and put on the standby list, with no PTE naming it. */
static void test_check_reports_standby_frames_differing_from_transition_ptes(void **state)
{
    Fixture *f = *state;
    VsPfnDatabase *db = &f->system->pfn;
    uint64_t frame = db->never_used++;
    vs_pfn_insert(db, frame, VS_PAGE_STANDBY);
    assert_trips(f, "standby and modified frames differ from transition PTEs");
    vs_pfn_unlink(db, frame);
    db->frames[frame] = (VsPfn){0};
    db->never_used--;
    CHECK_INVARIANTS(f);
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup_x64, fixture_teardown)
    const struct CMUnitTest tests[] = {
        TEST(test_check_reports_vad_parent_link_broken),
        TEST(test_check_reports_vad_tree_out_of_balance),
        TEST(test_check_reports_vad_max_gap_pages_stale),
        TEST(test_check_reports_kuser_shared_data_flagged_as_placeholder),
        TEST(test_check_reports_placeholder_with_the_flags_of_an_allocation),
        TEST(test_check_reports_placeholder_charging_commit),
        cmocka_unit_test_setup_teardown(test_check_reports_vma_open_file_not_the_file_it_maps,
                                        setup_linux, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_check_reports_shared_huge_page_inconsistencies,
                                        setup_linux, fixture_teardown),
        TEST(test_check_reports_vad_ending_before_it_starts),
        TEST(test_check_reports_vads_out_of_order),
        TEST(test_check_reports_vad_outside_user_space),
        TEST(test_check_reports_vad_above_the_highest_allocatable_address),
        TEST(test_check_reports_vad_gap_pages_stale),
        TEST(test_check_reports_vad_count_differs_from_the_tree),
        TEST(test_check_reports_vad_node_hint_not_in_the_tree),
        TEST(test_check_reports_page_file_slot_named_but_not_in_use),
        TEST(test_check_reports_page_file_slot_owned_twice),
        TEST(test_check_reports_page_file_slot_in_use_that_no_page_owns),
        TEST(test_check_reports_valid_pte_naming_a_frame_not_active),
        TEST(test_check_reports_valid_pte_disagreeing_with_its_frames_protection),
        TEST(test_check_reports_valid_private_frame_shared),
        TEST(test_check_reports_valid_page_missing_from_its_working_set_entry),
        TEST(test_check_reports_pte_naming_a_frame_never_handed_out),
        TEST(test_check_reports_frame_naming_another_page),
        TEST(test_check_reports_transition_frame_on_the_wrong_list),
        TEST(test_check_reports_transition_pte_disagreeing_with_its_frames_protection),
        TEST(test_check_reports_listed_frame_still_referenced),
        TEST(test_check_reports_pte_in_an_unknown_state),
        TEST(test_check_reports_prototype_format_pte_outside_a_view),
        TEST(test_check_reports_pte_outside_every_vad),
        TEST(test_check_reports_pte_inside_a_placeholder),
        TEST(test_check_reports_page_table_entry_naming_a_free_frame),
        TEST(test_check_reports_page_table_frame_not_recorded_as_a_table),
        TEST(test_check_reports_page_table_at_the_wrong_range),
        TEST(test_check_reports_upper_entry_not_a_valid_table_link),
        TEST(test_check_reports_page_table_used_count_differing_from_its_entries),
        TEST(test_check_reports_empty_page_table_not_freed),
        TEST(test_check_reports_page_table_pages_differing_from_the_tables),
        TEST(test_check_reports_view_charging_more_than_its_copy_on_write_pages),
        TEST(test_check_reports_vad_commit_charge_differing_from_its_ptes),
        TEST(test_check_reports_process_commit_charge_differing_from_its_vads),
        TEST(test_check_reports_system_commit_charge_differing_from_its_processes),
        TEST(test_check_reports_working_set_entry_naming_no_valid_page),
        TEST(test_check_reports_working_set_hash_larger_than_the_working_set),
        TEST(test_check_reports_working_set_size_differing_from_the_valid_pages),
        TEST(test_check_reports_working_set_peak_below_its_size),
        TEST(test_check_reports_locked_entries_differing_from_their_count),
        TEST(test_check_reports_write_watch_vad_without_its_bitmap),
        TEST(test_check_reports_write_watch_bitmap_that_no_vad_owns),
        TEST(test_check_reports_valid_pte_mapping_a_page_its_view_does_not_cover),
        TEST(test_check_reports_valid_section_page_missing_from_the_hash),
        TEST(test_check_reports_valid_pte_naming_a_section_frame_not_active),
        TEST(test_check_reports_valid_section_pte_disagreeing_with_its_working_set),
        TEST(test_check_reports_prototype_pte_in_an_unknown_state),
        TEST(test_check_reports_prototype_pte_of_the_wrong_backing),
        TEST(test_check_reports_prototype_pte_frame_recording_another_page),
        TEST(test_check_reports_file_page_frame_forgetting_its_file),
        TEST(test_check_reports_valid_prototype_frame_not_active_and_shared),
        TEST(test_check_reports_section_frame_share_count_differing_from_its_ptes),
        TEST(test_check_reports_transition_prototype_frame_referenced),
        TEST(test_check_reports_section_committed_pages_differing_from_its_prototypes),
        TEST(test_check_reports_file_section_not_the_files_data_section),
        TEST(test_check_reports_section_kept_with_no_handle_and_no_view),
        TEST(test_check_reports_section_view_count_differing_from_the_views),
        TEST(test_check_reports_page_list_miscounted),
        TEST(test_check_reports_frame_on_no_list),
        TEST(test_check_reports_active_frames_differing_from_valid_ptes),
        TEST(test_check_reports_large_page_inconsistencies),
        TEST(test_check_reports_awe_inconsistencies),
        TEST(test_check_reports_standby_frames_differing_from_transition_ptes),
    };
#undef TEST
    return cmocka_run_group_tests(tests, NULL, NULL);
}
