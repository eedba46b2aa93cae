/*
 * test_vmmap.c - VMMap's views of a process (scenario/vmmap.c): the summary by type counted by
 * hand for three lessons, the labelled ranges that move private bytes to Heap and Stack, the
 * detail list's details, the fragmentation grid, and a Linux system's types in its words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "runner.h"

#define K 1024ull

typedef struct Run {
    VsScript *script;
    VsRunner *runner;
    GString *out;
} Run;

static Run *open_text(const char *name, const char *text)
{
    Run *r = g_new0(Run, 1);
    GError *error = NULL;
    r->script = vs_script_parse(name, text, strlen(text), &error);
    assert_non_null(r->script);
    r->out = g_string_new(NULL);
    r->runner = vs_runner_new(r->script, r->out, VS_RUN_QUIET);
    return r;
}

/* A lesson from scenarios/, run to the start of step (the state after the step before it). */
static Run *open_lesson(const char *file, size_t step)
{
    g_autofree char *path = g_build_filename(VS_SOURCE_ROOT, "scenarios", file, NULL);
    g_autofree char *text = NULL;
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    Run *r = open_text(file, text);
    GError *error = NULL;
    assert_true(vs_runner_goto_step(r->runner, step, &error));
    return r;
}

static void close_run(Run *r)
{
    assert_true(vs_runner_check(r->runner));
    vs_runner_free(r->runner);
    vs_script_free(r->script);
    g_string_free(r->out, TRUE);
    g_free(r);
}

/* The process the scenario calls by name. */
static VsProcess *process_named(Run *r, const char *name)
{
    VsSystem *system = vs_runner_system(r->runner);
    for (size_t i = 0; i < vs_system_process_count(system); i++) {
        VsProcess *p = vs_system_process(system, i);
        const char *n = vs_runner_name_of(r->runner, p);
        if (n && strcmp(n, name) == 0)
            return p;
    }
    fail_msg("no process %s", name);
    return NULL;
}

/* A row of the summary is exactly these bytes (blocks and largest too). */
static void assert_row(const VsVmmap *map, VsVmmapType type, uint64_t size, uint64_t committed,
                       uint64_t private_bytes, uint64_t working_set, uint64_t blocks,
                       uint64_t largest)
{
    const VsVmmapTotals *t = &map->total[type];
    if (t->size != size || t->committed != committed || t->private_bytes != private_bytes ||
        t->working_set != working_set || t->blocks != blocks || t->largest != largest)
        fail_msg("%s: size %llu committed %llu private %llu ws %llu blocks %llu largest %llu",
                 vs_vmmap_type_name(type, false), (unsigned long long)t->size,
                 (unsigned long long)t->committed, (unsigned long long)t->private_bytes,
                 (unsigned long long)t->working_set, (unsigned long long)t->blocks,
                 (unsigned long long)t->largest);
}

/* The rows no lesson of these has: images, heaps, stacks. */
static void assert_no_image_heap_stack(const VsVmmap *map)
{
    assert_row(map, VS_VMMAP_IMAGE, 0, 0, 0, 0, 0, 0);
    assert_row(map, VS_VMMAP_HEAP, 0, 0, 0, 0, 0, 0);
    assert_row(map, VS_VMMAP_MANAGED_HEAP, 0, 0, 0, 0, 0, 0);
    assert_row(map, VS_VMMAP_STACK, 0, 0, 0, 0, 0, 0);
}

/* Free is user space less everything else in it (page tables are not in it). */
static void assert_free_is_the_rest(const VsVmmap *map)
{
    uint64_t used = 0;
    for (int t = 0; t < VS_VMMAP_TYPE_COUNT; t++)
        if (t != VS_VMMAP_FREE && t != VS_VMMAP_PAGE_TABLE)
            used += map->total[t].size;
    assert_int_equal(map->total[VS_VMMAP_FREE].size, map->space - used);
    assert_int_equal(map->space, 0x7FFFFFFF0000ull); /* x64: up to 0x7FFFFFFEFFFF */
}

/*
 * Lesson 02 at its end, by hand: reservations of 4 KB at 0x10000 and 0x20000, of 24 KB at
 * 0x12340000, of 64 KB top-down, and KUSER_SHARED_DATA's committed page (shared: no private
 * bytes): 100 KB of Private Data in 5 blocks. The tails of their granules are Unusable: 60 + 60
 * + 40 + 60 KB. Nothing is touched; the page tables are the top one and a table at each level
 * below for KUSER_SHARED_DATA (4 pages, resident). Free: 5 blocks, the largest from 0x7FFF0000 to
 * the top-down reservation at 0x7FFFFFFD0000.
 */
static void test_summary_of_lesson_02_by_hand(void **state)
{
    (void)state;
    Run *r = open_lesson("02-granularity.vsim", 5);
    VsVmmap *map = vs_vmmap_read(r->runner, process_named(r, "main"));
    assert_no_image_heap_stack(map);
    assert_row(map, VS_VMMAP_MAPPED_FILE, 0, 0, 0, 0, 0, 0);
    assert_row(map, VS_VMMAP_SHAREABLE, 0, 0, 0, 0, 0, 0);
    assert_row(map, VS_VMMAP_PRIVATE_DATA, 100 * K, 4 * K, 0, 0, 5, 64 * K);
    assert_row(map, VS_VMMAP_PAGE_TABLE, 16 * K, 16 * K, 16 * K, 16 * K, 0, 0);
    assert_row(map, VS_VMMAP_UNUSABLE, 220 * K, 0, 0, 0, 4, 60 * K);
    assert_row(map, VS_VMMAP_FREE, 0x7FFFFFFF0000ull - 320 * K, 0, 0, 0, 5,
               0x7FFFFFFD0000ull - 0x7FFF0000ull);
    assert_free_is_the_rest(map);
    /* Total: everything but Free. */
    assert_int_equal(map->all.size, 336 * K);
    assert_int_equal(map->all.working_set, 16 * K);
    vs_vmmap_free(map);
    close_run(r);
}

/*
 * Lesson 17 after step 5, by hand: two 64 KB views of one 64 KB page-file section at 0x10000 and
 * 0x20000, committed whole. Each has pages 0, 1 and 15 resident (the writes at 0x1234 and across
 * the seam, and the reads that check them): 24 KB of working set, none of it private. Page
 * tables: the top one, one page-directory-pointer table, and a page directory and a page table
 * each for the views and for KUSER_SHARED_DATA (6 pages).
 */
static void test_summary_of_lesson_17_by_hand(void **state)
{
    (void)state;
    Run *r = open_lesson("17-ring-buffer.vsim", 6);
    VsVmmap *map = vs_vmmap_read(r->runner, process_named(r, "main"));
    assert_no_image_heap_stack(map);
    assert_row(map, VS_VMMAP_MAPPED_FILE, 0, 0, 0, 0, 0, 0);
    assert_row(map, VS_VMMAP_SHAREABLE, 128 * K, 128 * K, 0, 24 * K, 2, 64 * K);
    assert_row(map, VS_VMMAP_PRIVATE_DATA, 4 * K, 4 * K, 0, 0, 1, 4 * K);
    assert_row(map, VS_VMMAP_PAGE_TABLE, 24 * K, 24 * K, 24 * K, 24 * K, 0, 0);
    assert_row(map, VS_VMMAP_UNUSABLE, 60 * K, 0, 0, 0, 1, 60 * K);
    assert_free_is_the_rest(map);
    /* The detail list names the section each view maps. */
    guint at = vs_vmmap_find(map, 0x20000);
    const VsVmmapRegion *second = &g_array_index(map->regions, VsVmmapRegion, at);
    assert_int_equal(second->base, 0x20000);
    assert_int_equal(second->type, VS_VMMAP_SHAREABLE);
    assert_string_equal(second->details, "Pagefile section 1");
    vs_vmmap_free(map);
    close_run(r);
}

/*
 * Lesson 19 after step 4, by hand, in the copier: a 64 KB copy-on-write view of the owner's named
 * section "Original". Pages 0 and 1 were read (resident, shared), then page 0 written: its copy is
 * private. Shareable: 64 KB committed, 4 KB private, 8 KB of working set, in two regions
 * (VirtualQuery splits the written page off) of one block.
 */
static void test_summary_of_lesson_19_by_hand(void **state)
{
    (void)state;
    Run *r = open_lesson("19-copy-on-write.vsim", 5);
    VsVmmap *map = vs_vmmap_read(r->runner, process_named(r, "copier"));
    assert_no_image_heap_stack(map);
    assert_row(map, VS_VMMAP_MAPPED_FILE, 0, 0, 0, 0, 0, 0);
    assert_row(map, VS_VMMAP_SHAREABLE, 64 * K, 64 * K, 4 * K, 8 * K, 1, 64 * K);
    assert_row(map, VS_VMMAP_PRIVATE_DATA, 4 * K, 4 * K, 0, 0, 1, 4 * K);
    assert_row(map, VS_VMMAP_PAGE_TABLE, 24 * K, 24 * K, 24 * K, 24 * K, 0, 0);
    assert_row(map, VS_VMMAP_UNUSABLE, 60 * K, 0, 0, 0, 1, 60 * K);
    assert_free_is_the_rest(map);
    guint at = vs_vmmap_find(map, 0x10000);
    assert_string_equal(g_array_index(map->regions, VsVmmapRegion, at).details, "Section Original");
    vs_vmmap_free(map);
    close_run(r);
}

/*
 * Lesson 21 after step 7, by hand: two 12 KB views of notes.txt (10000 bytes: 3 pages), at
 * 0x10000 and 0x20000: Mapped File, committed, nothing private (a write to a file's view is the
 * file's). Resident: the first view's 3 pages (read and written), the second's page 0 (read).
 */
static void test_summary_of_lesson_21_by_hand(void **state)
{
    (void)state;
    Run *r = open_lesson("21-mapped-file.vsim", 8);
    VsVmmap *map = vs_vmmap_read(r->runner, process_named(r, "main"));
    assert_no_image_heap_stack(map);
    assert_row(map, VS_VMMAP_SHAREABLE, 0, 0, 0, 0, 0, 0);
    assert_row(map, VS_VMMAP_MAPPED_FILE, 24 * K, 24 * K, 0, 16 * K, 2, 12 * K);
    assert_row(map, VS_VMMAP_PRIVATE_DATA, 4 * K, 4 * K, 0, 0, 1, 4 * K);
    assert_row(map, VS_VMMAP_UNUSABLE, 52 * K + 52 * K + 60 * K, 0, 0, 0, 3, 60 * K);
    assert_free_is_the_rest(map);
    guint at = vs_vmmap_find(map, 0x10000);
    assert_string_equal(g_array_index(map->regions, VsVmmapRegion, at).details, "notes.txt");
    vs_vmmap_free(map);
    close_run(r);
}

/* A labeller as the heaps and stacks will be: ranges given in its context. */
static void label_ranges(void *context, const VsProcess *process, GArray *labels)
{
    (void)process;
    const VsRangeLabel *given = context;
    for (; given->end; given++)
        g_array_append_val(labels, *given);
}

/* A labelled range moves its bytes from Private Data to Heap and Stack; a region its edges cross
 * is cut there, and what is outside the labels stays Private Data. */
static void test_labelled_ranges_move_private_bytes_to_heap_and_stack(void **state)
{
    (void)state;
    Run *r = open_text("t.vsim", "p = VirtualAlloc(NULL, 64K, MEM_COMMIT | MEM_RESERVE, "
                                 "PAGE_READWRITE)\n"
                                 "q = VirtualAlloc(NULL, 1M, MEM_RESERVE, PAGE_READWRITE)\n"
                                 "s = VirtualAlloc(q + 1M - 12K, 12K, MEM_COMMIT, "
                                 "PAGE_READWRITE)\n"
                                 "write(s + 8K, 1)\n");
    GError *error = NULL;
    assert_true(vs_runner_run_all(r->runner, &error));
    VsProcess *main = process_named(r, "main");
    VsVmmap *before = vs_vmmap_read(r->runner, main);
    assert_row(before, VS_VMMAP_PRIVATE_DATA, 68 * K + 1024 * K, 80 * K, 76 * K, 4 * K, 3,
               1024 * K);
    vs_vmmap_free(before);

    VsRangeLabel labels[3] = {{0x10000, 0x10000 + 16 * K, VS_VMMAP_HEAP, "Heap 1 (default)"},
                              {0x20000, 0x20000 + 1024 * K, VS_VMMAP_STACK, "Thread 1 stack"},
                              {0}};
    vs_runner_add_labeller(r->runner, label_ranges, labels);
    VsVmmap *map = vs_vmmap_read(r->runner, main);
    assert_row(map, VS_VMMAP_HEAP, 16 * K, 16 * K, 16 * K, 0, 1, 16 * K);
    assert_row(map, VS_VMMAP_STACK, 1024 * K, 12 * K, 12 * K, 4 * K, 1, 1024 * K);
    /* Left: the rest of p (48 KB) and KUSER_SHARED_DATA (4 KB). */
    assert_row(map, VS_VMMAP_PRIVATE_DATA, 52 * K, 52 * K, 48 * K, 0, 2, 48 * K);
    const VsVmmapRegion *heap =
        &g_array_index(map->regions, VsVmmapRegion, vs_vmmap_find(map, 0x10000));
    assert_int_equal(heap->size, 16 * K);
    assert_string_equal(heap->details, "Heap 1 (default)");
    const VsVmmapRegion *rest = heap + 1;
    assert_int_equal(rest->base, 0x10000 + 16 * K);
    assert_int_equal(rest->type, VS_VMMAP_PRIVATE_DATA);
    /* show summary prints the moved bytes. */
    g_string_truncate(r->out, 0);
    assert_true(vs_runner_show(r->runner, "summary", VS_SHOW_NO_ARGUMENT, &error));
    assert_non_null(strstr(r->out->str, "\n      Heap                         16 K          16 K"));
    vs_vmmap_free(map);
    close_run(r);
}

/* The fragmentation grid covers what is in use, a cell to the type with most bytes in it. */
static void test_fragmentation_grid_cells_take_their_largest_type(void **state)
{
    (void)state;
    Run *r = open_text("t.vsim", "p = VirtualAlloc(NULL, 4K, MEM_RESERVE, PAGE_READWRITE)\n"
                                 "s = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, "
                                 "PAGE_READWRITE, 0, 128K, NULL)\n"
                                 "v = MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, 0)\n");
    GError *error = NULL;
    assert_true(vs_runner_run_all(r->runner, &error));
    VsVmmap *map = vs_vmmap_read(r->runner, process_named(r, "main"));
    VsVmmapGrid grid;
    vs_vmmap_grid(map, 1u << 20, &grid); /* room for a cell per 64 KB */
    assert_int_equal(grid.start, 0x10000);
    assert_int_equal(grid.cell_bytes, 64 * K);
    assert_int_equal(grid.type[0], VS_VMMAP_PRIVATE_DATA); /* 4 KB in use beats 60 unusable */
    assert_int_equal(grid.type[1], VS_VMMAP_SHAREABLE);
    assert_int_equal(grid.type[2], VS_VMMAP_SHAREABLE);
    assert_int_equal(grid.type[3], VS_VMMAP_FREE);
    assert_int_equal(grid.type[grid.cells - 1], VS_VMMAP_PRIVATE_DATA); /* KUSER_SHARED_DATA */
    g_free(grid.type);
    vs_vmmap_grid(map, 16, &grid); /* coarse: the view's cell is Shareable */
    assert_true(grid.cells <= 16);
    assert_int_equal(grid.type[0], VS_VMMAP_SHAREABLE);
    g_free(grid.type);
    vs_vmmap_free(map);
    close_run(r);
}

/* A Linux system's types are its own: private and shared anonymous memory, unmapped space, and
 * no Unusable (Linux has no allocation granularity). */
static void test_linux_types_in_linux_words(void **state)
{
    (void)state;
    Run *r = open_lesson("24-linux-fork-copy-on-write.vsim", 2);
    VsVmmap *map = vs_vmmap_read(r->runner, process_named(r, "main"));
    assert_true(map->linux_words);
    assert_int_equal(map->total[VS_VMMAP_PRIVATE_DATA].size, 8 * K);
    assert_int_equal(map->total[VS_VMMAP_SHAREABLE].size, 4 * K);
    assert_int_equal(map->total[VS_VMMAP_UNUSABLE].size, 0);
    assert_string_equal(vs_vmmap_type_name(VS_VMMAP_PRIVATE_DATA, true), "private anonymous");
    g_string_truncate(r->out, 0);
    GError *error = NULL;
    assert_true(vs_runner_show(r->runner, "summary", VS_SHOW_NO_ARGUMENT, &error));
    assert_non_null(strstr(r->out->str, "shared anonymous"));
    assert_null(strstr(r->out->str, "Private Data"));
    assert_null(strstr(r->out->str, "Unusable"));
    vs_vmmap_free(map);
    close_run(r);
}

/* Shares keep two significant digits, however small; sizes are in K, grouped. */
static void test_percent_and_kilobytes(void **state)
{
    (void)state;
    char buf[48];
    vs_vmmap_percent(4096, 0x7FFFFFFF0000ull, buf, sizeof buf);
    assert_string_equal(buf, "0.0000000029%");
    vs_vmmap_percent(1, 2, buf, sizeof buf);
    assert_string_equal(buf, "50.00%");
    vs_vmmap_kilobytes(1024 * K, buf, sizeof buf);
    assert_string_equal(buf, "1,024 K");
    vs_vmmap_kilobytes(0x7FFFFFFF0000ull, buf, sizeof buf);
    assert_string_equal(buf, "137,438,953,408 K");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_of_lesson_02_by_hand),
        cmocka_unit_test(test_summary_of_lesson_17_by_hand),
        cmocka_unit_test(test_summary_of_lesson_19_by_hand),
        cmocka_unit_test(test_summary_of_lesson_21_by_hand),
        cmocka_unit_test(test_labelled_ranges_move_private_bytes_to_heap_and_stack),
        cmocka_unit_test(test_fragmentation_grid_cells_take_their_largest_type),
        cmocka_unit_test(test_linux_types_in_linux_words),
        cmocka_unit_test(test_percent_and_kilobytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
