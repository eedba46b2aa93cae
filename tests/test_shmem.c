/*
 * test_shmem.c - shared-memory files (shmem.c): a memfd mapped twice side by side, a ring buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

static void test_memfd_ring_buffer(void **state)
{
    Fixture *f = *state;
    int fd = vs_memfd_create(f->thread, "ring", 0);
    assert_int_equal(fd, 3);
    assert_int_equal(vs_ftruncate(f->thread, fd, 4 * PAGE), 0);
    uint64_t r = map(f, 0, 8 * PAGE, VS_PROT_NONE, ANON);
    uint64_t lo = vs_mmap(f->thread, r, 4 * PAGE, RW, VS_MAP_SHARED | VS_MAP_FIXED, fd, 0);
    uint64_t hi =
        vs_mmap(f->thread, r + 4 * PAGE, 4 * PAGE, RW, VS_MAP_SHARED | VS_MAP_FIXED, fd, 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(lo, r);
    assert_int_equal(hi, r + 4 * PAGE);
    assert_int_equal(vs_memory_write(f->thread, r + 4 * PAGE - 1, 'x'), STATUS_SUCCESS);
    uint8_t byte;
    assert_int_equal(vs_memory_read(f->thread, r + 8 * PAGE - 1, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'x');
    VsVmaInfo v[4];
    assert_int_equal(vmas(f, v, 4), 2); /* offsets 0 and 0 do not follow on: two VMAs */
    assert_string_equal(v[0].name, "/memfd:ring (deleted)");
    char line[200];
    vs_vma_maps_line(&v[0], line, sizeof line);
    assert_non_null(strstr(line, "rw-s 00000000 00:01 "));
    assert_int_equal(vs_close(f->thread, fd), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vs_memory_read(f->thread, r + 3 * PAGE + 4095, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 'x'); /* the mappings keep the file */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_memfd_ring_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
