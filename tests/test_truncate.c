/*
 * test_truncate.c - a file's size under its mappings (truncate.c): SIGBUS past the end of a
 * file, a punched hole that keeps the private copies, and truncation that takes them too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

static void test_sigbus_past_end_of_file(void **state)
{
    Fixture *f = *state;
    int fd = vs_memfd_create(f->thread, "short", 0);
    assert_int_equal(vs_ftruncate(f->thread, fd, 100), 0);
    uint64_t p = vs_mmap(f->thread, 0, 4 * PAGE, RW, VS_MAP_SHARED, fd, 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_write(f->thread, p + 200, 1), STATUS_SUCCESS); /* the last page */
    VsStatus past = vs_memory_write(f->thread, p + PAGE, 1);
    assert_int_equal(vs_signal_of(past), VS_SIGBUS);
    assert_int_equal(vs_ftruncate(f->thread, fd, 2 * PAGE), 0);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 1), STATUS_SUCCESS);
    assert_int_equal(vs_ftruncate(f->thread, fd, 10), 0);
    CHECK_INVARIANTS(f);
    uint8_t byte = 1;
    assert_int_equal(vs_memory_read(f->thread, p + 200, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0); /* the rest of the last page was zeroed */
    assert_int_equal(vs_signal_of(vs_memory_read(f->thread, p + PAGE, &byte)), VS_SIGBUS);
}

/* A punched hole unmaps the file's pages from every mapping but leaves the private copies a
 * copy-on-write store made (even_cows false); cutting the file short takes those too. */
static void test_punched_hole_keeps_private_copies(void **state)
{
    Fixture *f = *state;
    int fd = regular_file(f, "cow.bin", 4);
    uint64_t shared = vs_mmap(f->thread, 0, 4 * PAGE, RW, VS_MAP_SHARED, fd, 0);
    uint64_t p = vs_mmap(f->thread, 0, 4 * PAGE, RW, VS_MAP_PRIVATE, fd, 0);
    uint8_t vec[4], byte;
    assert_int_equal(vs_memory_write(f->thread, p, 0x44), STATUS_SUCCESS);
    assert_int_equal(vs_memory_read(f->thread, p + PAGE, &byte), STATUS_SUCCESS);
    assert_int_equal(vs_madvise(f->thread, shared, 4 * PAGE, VS_MADV_REMOVE), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_mincore(f->thread, p, 4 * PAGE, vec, 4), 0);
    assert_memory_equal(vec, ((uint8_t[]){1, 0, 0, 0}), 4);
    assert_int_equal(vs_memory_read(f->thread, p, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0x44);
    assert_int_equal(vs_memory_read(f->thread, p + PAGE, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 0); /* the file's page 1 is a hole now */
    assert_int_equal(vs_ftruncate(f->thread, fd, 0), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_mincore(f->thread, p, 4 * PAGE, vec, 4), 0);
    assert_memory_equal(vec, ((uint8_t[]){0, 0, 0, 0}), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_sigbus_past_end_of_file),
        LINUX(test_punched_hole_keeps_private_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
