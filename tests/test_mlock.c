/*
 * test_mlock.c - locking memory for the Linux personality (mlock.c) and the smaps counters that
 * show it (proc.c): the lock as a VMA flag, populating, RLIMIT_MEMLOCK, mlockall, fork; sealing
 * (mseal.c); and other processes' memory (process_vm.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

static VsSmaps smaps_of(Fixture *f, uint64_t address)
{
    VsSmaps s;
    assert_true(vs_vma_smaps(f->process, address, &s));
    return s;
}

/* mlock splits the range off, locks and populates it; munlock merges it back and keeps the pages.
 * A read-only private mapping populates with the zero page, which Rss does not count. */
static void test_mlock_populates_and_splits(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 8 * PAGE, RW, ANON);
    assert_int_equal(vs_mlock(f->thread, p + 100, PAGE), 0); /* two pages: the offset counts */
    CHECK_INVARIANTS(f);
    VsSmaps s = smaps_of(f, p);
    assert_true(s.vm_locked && !s.lock_on_fault);
    assert_int_equal(s.size, 8);
    assert_int_equal(s.rss, 8);
    assert_int_equal(s.locked, 8);
    assert_int_equal(vs_locked_vm_kb(f->process), 8);
    assert_int_equal(vs_munlock(f->thread, p, 8 * PAGE), 0);
    CHECK_INVARIANTS(f);
    VsVmaInfo v[2];
    assert_int_equal(vmas(f, v, 2), 1);
    assert_int_equal(smaps_of(f, p).rss, 8);
    uint64_t r = map(f, 0, 4 * PAGE, VS_PROT_READ, ANON);
    assert_int_equal(vs_mlock(f->thread, r, 4 * PAGE), 0);
    uint8_t vec[4];
    assert_int_equal(vs_mincore(f->thread, r, 4 * PAGE, vec, 4), 0);
    assert_memory_equal(vec, ((uint8_t[]){1, 1, 1, 1}), 4);
    assert_int_equal(smaps_of(f, r).rss, 0); /* the zero page */
}

/* MLOCK_ONFAULT populates nothing; a hole stops the walk with ENOMEM after the VMAs before it
 * were locked; PROT_NONE is locked, but populating it fails: ENOMEM. */
static void test_onfault_holes_and_prot_none(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 4 * PAGE, RW, ANON);
    assert_int_equal(vs_mlock2(f->thread, p, 4 * PAGE, VS_MLOCK_ONFAULT), 0);
    VsSmaps s = smaps_of(f, p);
    assert_true(s.vm_locked && s.lock_on_fault);
    assert_int_equal(s.rss, 0);
    assert_int_equal(vs_memory_write(f->thread, p, 1), STATUS_SUCCESS);
    assert_int_equal(smaps_of(f, p).locked, 4);
    ASSERT_FAILS(f, vs_mlock2(f->thread, p, PAGE, 2), VS_EINVAL);
    uint64_t q = map(f, 0, 3 * PAGE, RW, ANON);
    assert_int_equal(vs_munmap(f->thread, q + PAGE, PAGE), 0);
    ASSERT_FAILS(f, vs_mlock(f->thread, q, 3 * PAGE), VS_ENOMEM);
    CHECK_INVARIANTS(f);
    s = smaps_of(f, q);
    assert_true(s.vm_locked);
    assert_int_equal(s.rss, 0); /* locked, not populated */
    uint64_t n = map(f, 0, 2 * PAGE, VS_PROT_NONE, ANON);
    ASSERT_FAILS(f, vs_mlock(f->thread, n, 2 * PAGE), VS_ENOMEM);
    assert_true(smaps_of(f, n).vm_locked);
    assert_int_equal(vs_mlock(f->thread, n, 0), 0);
    ASSERT_FAILS(f, vs_munlock(f->thread, UINT64_MAX - PAGE, 2 * PAGE), VS_EINVAL); /* wraps */
}

/* RLIMIT_MEMLOCK: past it ENOMEM (what is locked in the range counts once), 0 EPERM, a few bytes
 * are not 0 but 0 pages; MAP_LOCKED past it EAGAIN. */
static void test_limit(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 8 * PAGE, RW, ANON);
    assert_int_equal(vs_setrlimit(f->thread, VS_RLIMIT_MEMLOCK, 4 * PAGE), 0);
    assert_int_equal(vs_rlimit_memlock(f->process), 4 * PAGE);
    assert_int_equal(vs_mlock(f->thread, p, 4 * PAGE), 0);
    assert_int_equal(vs_mlock(f->thread, p, 4 * PAGE), 0); /* counted once */
    ASSERT_FAILS(f, vs_mlock(f->thread, p + 4 * PAGE, PAGE), VS_ENOMEM);
    assert_int_equal(vs_mmap(f->thread, 0, PAGE, RW, ANON | VS_MAP_LOCKED, -1, 0), VS_MAP_FAILED);
    assert_int_equal(vs_errno(f->thread), VS_EAGAIN);
    assert_int_equal(vs_setrlimit(f->thread, VS_RLIMIT_MEMLOCK, 7), 0);
    ASSERT_FAILS(f, vs_mlock(f->thread, p, PAGE), VS_ENOMEM);
    assert_int_equal(vs_setrlimit(f->thread, VS_RLIMIT_MEMLOCK, 0), 0);
    ASSERT_FAILS(f, vs_mlock(f->thread, p, PAGE), VS_EPERM);
    ASSERT_FAILS(f, vs_mlockall(f->thread, VS_MCL_CURRENT), VS_EPERM);
    ASSERT_FAILS(f, vs_setrlimit(f->thread, 7, 0), VS_EINVAL);
    assert_int_equal(vs_setrlimit(f->thread, VS_RLIMIT_MEMLOCK, VS_RLIM_INFINITY), 0);
}

/* mlockall: the flags' errors; MCL_CURRENT locks every VMA, MCL_FUTURE every later mapping (with
 * MCL_ONFAULT unpopulated even under MAP_POPULATE); munlockall undoes both; fork keeps no lock. */
static void test_mlockall_and_fork(void **state)
{
    Fixture *f = *state;
    ASSERT_FAILS(f, vs_mlockall(f->thread, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_mlockall(f->thread, VS_MCL_ONFAULT), VS_EINVAL);
    ASSERT_FAILS(f, vs_mlockall(f->thread, 8), VS_EINVAL);
    uint64_t p = map(f, 0, 2 * PAGE, RW, ANON);
    assert_int_equal(vs_mlockall(f->thread, VS_MCL_CURRENT | VS_MCL_FUTURE | VS_MCL_ONFAULT), 0);
    CHECK_INVARIANTS(f);
    assert_true(smaps_of(f, p).lock_on_fault);
    uint64_t q = map(f, 0, 2 * PAGE, RW, ANON | VS_MAP_POPULATE);
    VsSmaps s = smaps_of(f, q);
    assert_true(s.vm_locked && s.lock_on_fault);
    assert_int_equal(s.rss, 0);
    VsProcess *child;
    assert_true(vs_fork(f->thread, &child) > 0);
    VsSmaps c;
    assert_true(vs_vma_smaps(child, p, &c));
    assert_false(c.vm_locked);
    uint64_t r = vs_mmap(vs_process_main_thread(child), 0, PAGE, RW, ANON, -1, 0);
    assert_true(vs_vma_smaps(child, r, &c));
    assert_false(c.vm_locked); /* MCL_FUTURE is not inherited */
    assert_int_equal(vs_munlockall(f->thread), 0);
    CHECK_INVARIANTS(f);
    assert_false(smaps_of(f, p).vm_locked);
    uint64_t t = map(f, 0, PAGE, RW, ANON);
    assert_false(smaps_of(f, t).vm_locked);
}

/* The counters: LazyFree after MADV_FREE until a page is written again, and across fork; Pss
 * shared after fork. */
static void test_smaps_counters(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 4 * PAGE, RW, ANON);
    for (int i = 0; i < 4; i++)
        assert_int_equal(vs_memory_write(f->thread, p + (uint64_t)i * PAGE, 1), STATUS_SUCCESS);
    assert_int_equal(vs_madvise(f->thread, p, 2 * PAGE, VS_MADV_FREE), 0);
    VsSmaps s = smaps_of(f, p);
    assert_int_equal(s.lazy_free, 8);
    assert_int_equal(s.anonymous, 16);
    assert_int_equal(vs_memory_write(f->thread, p, 2), STATUS_SUCCESS);
    assert_int_equal(smaps_of(f, p).lazy_free, 4);
    VsProcess *child;
    assert_true(vs_fork(f->thread, &child) > 0);
    s = smaps_of(f, p);
    assert_int_equal(s.rss, 16);
    assert_int_equal(s.pss, 8);
    assert_int_equal(s.lazy_free, 4); /* still lazily freed, now in both processes */
    VsSmaps none;
    ASSERT_FAILS(f, vs_smaps(f->thread, 0x10000, &none), VS_ENOENT);
}

/* mseal: its errors, then what a seal refuses; munmap splits the unsealed VMA it starts in first;
 * mprotect's EACCES is checked before the seal. */
static void test_mseal(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 4 * PAGE, VS_PROT_READ, ANON);
    ASSERT_FAILS(f, vs_mseal(f->thread, p, PAGE, 1), VS_EINVAL);
    ASSERT_FAILS(f, vs_mseal(f->thread, p + 1, PAGE, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_mseal(f->thread, p, 8 * PAGE, 0), VS_ENOMEM);
    assert_int_equal(vs_mseal(f->thread, p, 0, 0), 0);
    assert_int_equal(vs_mseal(f->thread, p + 2 * PAGE, 2 * PAGE, 0), 0);
    CHECK_INVARIANTS(f);
    assert_true(smaps_of(f, p + 2 * PAGE).sealed);
    assert_false(smaps_of(f, p).sealed);
    ASSERT_FAILS(f, vs_munmap(f->thread, p + PAGE, 2 * PAGE), VS_EPERM);
    CHECK_INVARIANTS(f);
    assert_int_equal(smaps_of(f, p).size, 4); /* split at the start, and left so */
    ASSERT_FAILS(f, vs_mprotect(f->thread, p, 4 * PAGE, RW), VS_EPERM);
    assert_int_equal(smaps_of(f, p).size, 8); /* the unsealed VMAs changed first, and merged */
    ASSERT_FAILS(f, vs_madvise(f->thread, p + 2 * PAGE, PAGE, VS_MADV_DONTNEED), VS_EPERM);
    assert_int_equal(vs_madvise(f->thread, p + 2 * PAGE, PAGE, VS_MADV_RANDOM), 0);
    assert_int_equal(vs_mremap(f->thread, p + 2 * PAGE, PAGE, 2 * PAGE, VS_MREMAP_MAYMOVE, 0),
                     VS_MAP_FAILED);
    assert_int_equal(vs_errno(f->thread), VS_EPERM);
    VsProcess *child;
    assert_true(vs_fork(f->thread, &child) > 0);
    VsSmaps c;
    assert_true(vs_vma_smaps(child, p + 2 * PAGE, &c));
    assert_true(c.sealed); /* fork passes the seal on */
    /* mprotect's own EACCES comes before the seal's EPERM (mprotect_fixup), measured on 6.18. */
    regular_file(f, "ro.bin", 2);
    int ro = vs_open(f->thread, "ro.bin", VS_O_RDONLY);
    uint64_t s = vs_mmap(f->thread, 0, 2 * PAGE, VS_PROT_READ, VS_MAP_SHARED, ro, 0);
    assert_int_equal(vs_mseal(f->thread, s, 2 * PAGE, 0), 0);
    ASSERT_FAILS(f, vs_mprotect(f->thread, s, 2 * PAGE, RW), VS_EACCES);
    ASSERT_FAILS(f, vs_mprotect(f->thread, s, 2 * PAGE, VS_PROT_READ), VS_EPERM);
}

/* process_vm_readv/writev: a partial copy ends at the first page the remote refuses; nothing
 * copied is EFAULT; a read-only remote page refuses writev; an unknown pid is ESRCH. */
static void test_process_vm(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, 4 * PAGE, RW, ANON);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 9), STATUS_SUCCESS);
    assert_int_equal(vs_mprotect(f->thread, p + 2 * PAGE, PAGE, VS_PROT_NONE), 0);
    VsProcess *child;
    int64_t pid = vs_process_id(f->process);
    assert_true(vs_fork(f->thread, &child) > 0);
    VsThread *ct = vs_process_main_thread(child);
    uint64_t q = vs_mmap(ct, 0, 4 * PAGE, RW, ANON, -1, 0);
    assert_int_equal(vs_process_vm_readv(ct, pid, q, p + 100, 3 * PAGE, 0), 2 * PAGE - 100);
    uint8_t byte = 0;
    assert_int_equal(vs_memory_read(ct, q + PAGE - 100, &byte), STATUS_SUCCESS);
    assert_int_equal(byte, 9);
    assert_int_equal(vs_process_vm_readv(ct, pid, q, p + 2 * PAGE, PAGE, 0), -1);
    assert_int_equal(vs_errno(ct), VS_EFAULT);
    assert_int_equal(vs_mprotect(f->thread, p, PAGE, VS_PROT_READ), 0);
    assert_int_equal(vs_process_vm_writev(ct, pid, q, p, PAGE, 0), -1);
    assert_int_equal(vs_errno(ct), VS_EFAULT);
    assert_int_equal(vs_process_vm_writev(ct, pid, q, p, PAGE, 2), -1);
    assert_int_equal(vs_errno(ct), VS_EINVAL);
    assert_int_equal(vs_process_vm_readv(ct, 4242, q, p, PAGE, 0), -1);
    assert_int_equal(vs_errno(ct), VS_ESRCH);
    CHECK_INVARIANTS(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX(test_mlock_populates_and_splits),
        LINUX(test_onfault_holes_and_prot_none),
        LINUX(test_limit),
        LINUX(test_mlockall_and_fork),
        LINUX(test_smaps_counters),
        LINUX(test_mseal),
        LINUX(test_process_vm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
