/*
 * linuxutil.h - what the tests of the Linux personality share: a Linux system of the x64 machine
 * (a scenario's system linux-x64), its VMAs as /proc/PID/maps lists them, mmap with the invariant
 * checker after it, a failing call's errno, and a regular file to map.
 *
 * Every expectation of these tests is what Linux 6.18 did on this machine
 * (docs/research/linux-mm.md); the invariant checker runs after every call.
 */
#ifndef VS_LINUXUTIL_H
#define VS_LINUXUTIL_H

#include "linux/linux.h" /* vs_set_errno, and the VMA for the tests that corrupt one */
#include "testutil.h"

#define PAGE 4096ull
#define BASE VS_LINUX_MMAP_BASE
#define ANON (VS_MAP_PRIVATE | VS_MAP_ANONYMOUS)
#define RW (VS_PROT_READ | VS_PROT_WRITE)

static inline int setup(void **state) { return fixture_setup_linux(state); }

/* The Linux system of a CPU with protection keys (execonly=pkey). */
static inline int setup_pkeys(void **state)
{
    return fixture_setup_config(state, &(VsSystemConfig){.arch = VS_ARCH_X64,
                                                         .personality = vs_linux_personality(),
                                                         .execute_only_pkey = true});
}

#define LINUX(t) cmocka_unit_test_setup_teardown(t, setup, fixture_teardown)
#define LINUX_PKEYS(t) cmocka_unit_test_setup_teardown(t, setup_pkeys, fixture_teardown)

/* The process's VMAs as maps would list them: count, and the i-th one's info. */
static inline size_t vmas(Fixture *f, VsVmaInfo *out, size_t capacity)
{
    size_t n = 0;
    VsVmaInfo info;
    for (uint64_t at = 0; vs_vma_find(f->process, at, &info); at = info.end, n++)
        if (n < capacity)
            out[n] = info;
    return n;
}

static inline uint64_t map(Fixture *f, uint64_t address, uint64_t length, uint32_t prot,
                           uint32_t flags)
{
    uint64_t p = vs_mmap(f->thread, address, length, prot, flags, -1, 0);
    CHECK_INVARIANTS(f);
    return p;
}

/* The call fails with -1 and sets errno to error (errno is set to a value no call sets first). */
#define ASSERT_FAILS(f, call, error)                                                               \
    do {                                                                                           \
        vs_set_errno((f)->thread, 0xDEAD);                                                         \
        assert_int_equal((int64_t)(call), -1);                                                     \
        assert_int_equal(vs_errno((f)->thread), (error));                                          \
        CHECK_INVARIANTS(f);                                                                       \
    } while (0)

/* Pages of [address, address + pages) that mincore says are resident (at most 1024 pages). */
static inline uint64_t resident(Fixture *f, uint64_t address, uint64_t pages)
{
    uint8_t vec[1024];
    assert_true(pages <= sizeof vec);
    assert_int_equal(vs_mincore(f->thread, address, pages * PAGE, vec, pages), 0);
    uint64_t count = 0;
    for (uint64_t i = 0; i < pages; i++)
        count += vec[i];
    return count;
}

/* A regular file of pages pages, opened read-write: its descriptor. */
static inline int regular_file(Fixture *f, const char *name, uint64_t pages)
{
    assert_int_equal(vs_file_create(f->system, name, pages * PAGE, NULL, 0, 0x5a), STATUS_SUCCESS);
    int fd = vs_open(f->thread, name, VS_O_RDWR);
    assert_true(fd >= 3);
    return fd;
}

#endif /* VS_LINUXUTIL_H */
