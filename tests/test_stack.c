/*
 * test_stack.c - MAP_GROWSDOWN (stack.c): growth on a touch below, to any depth; the 1 MB guard
 * gap that refuses growth near an accessible VMA below and keeps placement and hints away; the
 * limits a stack grows within. And the main thread's stack execve makes (vs_linux_exec_stack):
 * [stack], 132 KB at the top, growing by the same rules, copied by fork.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

#define GROWSDOWN (ANON | VS_MAP_FIXED | VS_MAP_GROWSDOWN)

/* A 16 KB stack VMA whose top is at the top of free room 16 MB deep (the room is mapped and
 * unmapped again, as a scenario verified against the kernel makes it): its start. */
static uint64_t stack_in_room(Fixture *f, uint32_t prot)
{
    uint64_t room = map(f, 0, MB(16), RW, ANON);
    assert_int_equal(vs_munmap(f->thread, room, MB(16)), 0);
    uint64_t s = vs_mmap(f->thread, room + MB(16) - 4 * PAGE, 4 * PAGE, prot, GROWSDOWN, -1, 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(s, room + MB(16) - 4 * PAGE);
    return s;
}

static uint64_t vma_start(Fixture *f, uint64_t address)
{
    VsVmaInfo v;
    assert_true(vs_vma_find(f->process, address, &v));
    return v.start;
}

/* A touch any distance below grows the VMA down to the page; an access the VMA's protection
 * refuses still grows it first (lock_mm_and_find_vma, then access_error). */
static void test_touch_below_grows_to_the_page(void **state)
{
    Fixture *f = *state;
    uint64_t s = stack_in_room(f, RW);
    assert_int_equal(vs_memory_write(f->thread, s - PAGE, 7), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(vma_start(f, s), s - PAGE);
    assert_int_equal(vs_memory_write(f->thread, s - 40 * PAGE, 9), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(vma_start(f, s), s - 40 * PAGE);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, s - PAGE, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 7);
    assert_int_equal(vs_munmap(f->thread, s - 40 * PAGE, 44 * PAGE), 0);
    uint64_t ro = vs_mmap(f->thread, s, 4 * PAGE, VS_PROT_READ, GROWSDOWN, -1, 0);
    assert_int_equal(vs_memory_write(f->thread, ro - 2 * PAGE, 1), STATUS_ACCESS_VIOLATION);
    CHECK_INVARIANTS(f);
    assert_int_equal(vma_start(f, ro), ro - 2 * PAGE); /* grown, then refused */
}

/* Growth stops within 1 MB of an accessible VMA below that is not a stack itself: 1 MB exactly
 * grows; a PROT_NONE neighbour does not count. */
static void test_guard_gap_refuses_growth(void **state)
{
    Fixture *f = *state;
    uint64_t s = stack_in_room(f, RW);
    uint64_t q = vs_mmap(f->thread, s - MB(1) - PAGE, PAGE, VS_PROT_READ, ANON | VS_MAP_FIXED, -1,
                         0); /* ends 1 MB - 4 KB below s - 4 KB */
    assert_int_equal(vs_memory_write(f->thread, s - PAGE, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(vma_start(f, s), s);
    assert_int_equal(vs_munmap(f->thread, q, PAGE), 0);
    q = vs_mmap(f->thread, s - MB(1) - 2 * PAGE, PAGE, VS_PROT_READ, ANON | VS_MAP_FIXED, -1, 0);
    assert_int_equal(vs_memory_write(f->thread, s - PAGE, 1), STATUS_SUCCESS); /* exactly 1 MB */
    assert_int_equal(vs_mprotect(f->thread, q, PAGE, VS_PROT_NONE), 0);
    assert_int_equal(vs_memory_write(f->thread, q + PAGE, 1), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(vma_start(f, s), q + PAGE); /* right up to the PROT_NONE VMA */
}

/* mmap(NULL) and a hint keep out of the 1 MB below a stack; MAP_FIXED may go there. */
static void test_placement_keeps_the_gap(void **state)
{
    Fixture *f = *state;
    uint64_t s = stack_in_room(f, RW);
    assert_int_equal(map(f, 0, PAGE, VS_PROT_READ, ANON), s - MB(1) - PAGE);
    assert_int_equal(map(f, s - 2 * PAGE, PAGE, VS_PROT_READ, ANON), s - MB(1) - 2 * PAGE);
    assert_int_equal(map(f, s - 2 * PAGE, PAGE, VS_PROT_READ, ANON | VS_MAP_FIXED), s - 2 * PAGE);
}

/* A stack grows to 8 MB (RLIMIT_STACK), not a page more; a failed growth leaves it as it was. */
static void test_stack_limit(void **state)
{
    Fixture *f = *state;
    uint64_t s = stack_in_room(f, RW), top = s + 4 * PAGE;
    assert_int_equal(vs_memory_write(f->thread, top - MB(8) - PAGE, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(vma_start(f, s), s);
    assert_int_equal(vs_memory_write(f->thread, top - MB(8), 1), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    assert_int_equal(vma_start(f, s), top - MB(8));
}

#define TOP VS_LINUX_STACK_TOP

/* The main thread's stack as `env -i setarch -R /bin/cat /proc/self/smaps` showed it on 6.18:
 * 7ffffffde000-7ffffffff000 rw-p [stack], VmFlags rd wr mr mw me gd ac, its arguments' page
 * resident; charged (VM_ACCOUNT). A second one is EEXIST. */
static void test_exec_stack(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_linux_exec_stack(f->thread), 0);
    CHECK_INVARIANTS(f);
    VsVmaInfo v[2];
    assert_int_equal(vmas(f, v, 2), 1);
    assert_int_equal(v[0].start, TOP - 0x21000);
    assert_int_equal(v[0].end, TOP);
    assert_true(v[0].read && v[0].write && !v[0].exec && !v[0].may_share && v[0].grows_down);
    assert_string_equal(v[0].name, "[stack]");
    assert_int_equal(v[0].resident_pages, 1);
    char flags[64];
    assert_string_equal(vs_vma_smaps_flags(&v[0], flags, sizeof flags), "rd wr mr mw me gd ac");
    assert_int_equal(vs_linux_exec_stack(f->thread), VS_EEXIST);
    assert_int_equal(vmas(f, v, 2), 1);
}

/* The main stack grows on touches below within RLIMIT_STACK (8 MB in all) and the guard gap, keeps
 * its name, and fork gives the child the same [stack]. */
static void test_exec_stack_grows_and_forks(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_linux_exec_stack(f->thread), 0);
    assert_int_equal(vs_memory_write(f->thread, TOP - 0x21000 - 0x11000, 1), STATUS_SUCCESS);
    assert_int_equal(vma_start(f, TOP - PAGE), TOP - 0x32000);
    uint64_t s = TOP - 0x32000;
    assert_int_equal(map(f, s - MB(1) - 2 * PAGE, PAGE, VS_PROT_READ, ANON | VS_MAP_FIXED),
                     s - MB(1) - 2 * PAGE);
    assert_int_equal(vs_memory_write(f->thread, s - 2 * PAGE, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(vs_memory_write(f->thread, s - PAGE, 1), STATUS_SUCCESS);
    assert_int_equal(vs_munmap(f->thread, s - MB(1) - 2 * PAGE, PAGE), 0);
    assert_int_equal(vs_memory_write(f->thread, TOP - MB(8), 1), STATUS_SUCCESS);
    assert_int_equal(vs_memory_write(f->thread, TOP - MB(8) - 1, 1), STATUS_ACCESS_VIOLATION);
    CHECK_INVARIANTS(f);
    VsVmaInfo v;
    assert_true(vs_vma_find(f->process, TOP - MB(8), &v));
    assert_int_equal(v.start, TOP - MB(8));
    assert_string_equal(v.name, "[stack]");
    VsProcess *child = NULL;
    assert_true(vs_fork(f->thread, &child) > 0);
    CHECK_INVARIANTS(f);
    assert_true(vs_vma_find(child, TOP - PAGE, &v));
    assert_int_equal(v.start, TOP - MB(8));
    assert_int_equal(v.end, TOP);
    assert_true(v.grows_down);
    assert_string_equal(v.name, "[stack]");
}

/* Only the VMA holding mm->start_stack is [stack]: a MAP_GROWSDOWN mapping elsewhere has no name,
 * and an anonymous mapping put where the stack was takes the name (as vma_is_initial_stack). */
static void test_stack_name_follows_start_stack(void **state)
{
    Fixture *f = *state;
    VsVmaInfo v;
    uint64_t s = stack_in_room(f, RW);
    assert_true(vs_vma_find(f->process, s, &v));
    assert_string_equal(v.name, "");
    assert_int_equal(map(f, TOP - 2 * PAGE, 2 * PAGE, RW, ANON | VS_MAP_FIXED), TOP - 2 * PAGE);
    assert_true(vs_vma_find(f->process, TOP - PAGE, &v));
    assert_string_equal(v.name, "[stack]");
    assert_false(v.grows_down);
}

/* A thread's stack as glibc maps it: MAP_STACK is VM_NOHUGEPAGE ("nh"), so it keeps apart from a
 * neighbour mapped without it and merges with one mapped with it; it does not grow. */
static void test_map_stack_is_nohugepage(void **state)
{
    Fixture *f = *state;
    uint64_t base = map(f, 0, MB(8) + PAGE, VS_PROT_NONE, ANON | VS_MAP_STACK);
    assert_int_equal(vs_mprotect(f->thread, base + PAGE, MB(8), RW), 0);
    assert_int_equal(map(f, base + MB(8) + PAGE, PAGE, RW, ANON | VS_MAP_FIXED),
                     base + MB(8) + PAGE);
    assert_int_equal(map(f, 0, PAGE, VS_PROT_NONE, ANON | VS_MAP_STACK), base - PAGE);
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 3);
    assert_int_equal(v[0].start, base - PAGE);
    assert_int_equal(v[0].end, base + PAGE);
    assert_int_equal(v[1].end, base + MB(8) + PAGE);
    assert_string_equal(v[1].name, "");
    char flags[64];
    assert_string_equal(vs_vma_smaps_flags(&v[1], flags, sizeof flags), "rd wr mr mw me ac nh");
    assert_int_equal(vs_memory_write(f->thread, base + PAGE - 1, 1), STATUS_ACCESS_VIOLATION);
    assert_int_equal(vmas(f, v, 4), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_touch_below_grows_to_the_page),
        LINUX(test_guard_gap_refuses_growth),
        LINUX(test_placement_keeps_the_gap),
        LINUX(test_stack_limit),
        LINUX(test_exec_stack),
        LINUX(test_exec_stack_grows_and_forks),
        LINUX(test_stack_name_follows_start_stack),
        LINUX(test_map_stack_is_nohugepage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
