/*
 * test_pkey.c - protection keys (pkey.c): on a CPU with protection keys PROT_EXEC alone gets the
 * execute-only key, which refuses every load and store (never a fetch) and follows the VMA;
 * pkey_alloc, pkey_free and pkey_mprotect hand out and attach keys, and the thread's PKRU
 * (pkey_set) decides what loads and stores may do through them. Without keys PROT_EXEC memory
 * reads, and the calls fail as the kernel's do there; the checker knows where a key can be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "linuxutil.h"

/* The VMA holding address: its protection key, and how many VMAs the process has. */
static uint32_t pkey_at(Fixture *f, uint64_t address)
{
    VsVmaInfo v;
    assert_true(vs_vma_find(f->process, address, &v) && v.start <= address);
    return v.pkey;
}

/* A read of address: the byte it read, or -1 for SIGSEGV. */
static int read_byte(VsThread *thread, uint64_t address)
{
    uint8_t byte;
    VsStatus status = vs_memory_read(thread, address, &byte);
    return NT_SUCCESS(status) ? byte : vs_signal_of(status) == VS_SIGSEGV ? -1 : -2;
}

/* How many VMAs lie in [start, end). */
static size_t vmas_in(Fixture *f, uint64_t start, uint64_t end)
{
    size_t n = 0;
    VsVmaInfo info;
    for (uint64_t at = start; vs_vma_find(f->process, at, &info) && info.start < end; at = info.end)
        n++;
    return n;
}

/* Whether the last event the model logged is of kind. */
static bool last_event_is(Fixture *f, VsEventKind kind)
{
    return f->log.count && f->log.events[f->log.count - 1].kind == kind;
}

/* mmap and mprotect with exactly PROT_EXEC give the key on a CPU with keys, and then every load
 * and store faults for the key, pages present or not; any other protection takes it away. */
static void execute_only_given_and_taken(Fixture *f, bool keys)
{
    uint32_t key = keys ? 1 : 0;
    uint64_t x = map(f, 0, 2 * PAGE, VS_PROT_EXEC, ANON);
    assert_int_equal(pkey_at(f, x), key);
    vs_event_log_clear(&f->log);
    assert_int_equal(read_byte(f->thread, x), keys ? -1 : 0);
    assert_true(!keys || last_event_is(f, VS_EV_PKEY_FAULT));
    assert_int_equal(vs_memory_write(f->thread, x, 1), STATUS_ACCESS_VIOLATION);
    /* Keys never govern instruction fetches: execute-only memory executes. */
    assert_int_equal(vs_memory_execute(f->thread, x), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    uint64_t p = map(f, 0, 2 * PAGE, RW, ANON);
    assert_int_equal(vs_memory_write(f->thread, p, 0x41), STATUS_SUCCESS);
    assert_int_equal(vs_mprotect(f->thread, p, 2 * PAGE, VS_PROT_EXEC), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(pkey_at(f, p), key);
    assert_int_equal(read_byte(f->thread, p), keys ? -1 : 0x41);       /* present, still refused */
    assert_int_equal(vs_memory_execute(f->thread, p), STATUS_SUCCESS); /* NX gone with PROT_EXEC */
    assert_int_equal(vs_mprotect(f->thread, p, PAGE, VS_PROT_READ | VS_PROT_EXEC), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(pkey_at(f, p), 0);
    assert_int_equal(pkey_at(f, p + PAGE), key);
    assert_int_equal(read_byte(f->thread, p), 0x41);
    assert_int_equal(vs_mprotect(f->thread, p, PAGE, VS_PROT_EXEC), 0);
    assert_int_equal(pkey_at(f, p), key);
    /* PROT_EXEC|PROT_SEM is not exactly PROT_EXEC: VM_EXEC alone, without the key. */
    assert_int_equal(vs_mprotect(f->thread, p, PAGE, VS_PROT_EXEC | VS_PROT_SEM), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(pkey_at(f, p), 0);
    assert_int_equal(read_byte(f->thread, p), 0x41);
}

/* The key is in vm_flags: neighbours that differ in it stay two VMAs; fork, mremap and split
 * keep it; get_user_pages (MAP_POPULATE, MAP_LOCKED) is refused by it. */
static void execute_only_follows_the_vma(Fixture *f, bool keys)
{
    uint64_t a = map(f, BASE + MB(1), PAGE, VS_PROT_EXEC, ANON | VS_MAP_FIXED);
    map(f, a + PAGE, PAGE, VS_PROT_EXEC | VS_PROT_SEM, ANON | VS_MAP_FIXED);
    assert_int_equal(vmas_in(f, a, a + 2 * PAGE), keys ? 2 : 1);
    assert_int_equal(vs_mprotect(f->thread, a + PAGE, PAGE, VS_PROT_EXEC), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vmas_in(f, a, a + 2 * PAGE), 1);
    VsProcess *child;
    assert_true(vs_fork(f->thread, &child) > 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(read_byte(vs_process_main_thread(child), a), keys ? -1 : 0);
    uint64_t moved = vs_mremap(f->thread, a, 2 * PAGE, 4 * PAGE,
                               VS_MREMAP_MAYMOVE | VS_MREMAP_FIXED, BASE + MB(2));
    assert_int_equal(moved, BASE + MB(2));
    CHECK_INVARIANTS(f);
    assert_int_equal(pkey_at(f, moved + 3 * PAGE), keys ? 1 : 0);
    assert_int_equal(read_byte(f->thread, moved + 3 * PAGE), keys ? -1 : 0);
    uint8_t vec[4];
    uint64_t populated = map(f, 0, 4 * PAGE, VS_PROT_EXEC, ANON | VS_MAP_POPULATE);
    assert_int_equal(vs_mincore(f->thread, populated, 4 * PAGE, vec, 4), 0);
    assert_int_equal(vec[0] + vec[1] + vec[2] + vec[3], keys ? 0 : 4);
    uint64_t locked =
        map(f, 0, 4 * PAGE, VS_PROT_EXEC, VS_MAP_SHARED | VS_MAP_ANONYMOUS | VS_MAP_LOCKED);
    assert_int_equal(vs_mincore(f->thread, locked, 4 * PAGE, vec, 4), 0);
    assert_int_equal(vec[0] + vec[1] + vec[2] + vec[3], keys ? 0 : 4);
}

static void test_execute_only_with_protection_keys(void **state)
{
    execute_only_given_and_taken(*state, true);
    execute_only_follows_the_vma(*state, true);
}

static void test_prot_exec_reads_without_protection_keys(void **state)
{
    execute_only_given_and_taken(*state, false);
    execute_only_follows_the_vma(*state, false);
}

/* With keys: 16 per process, key 0 allocated from the start, each new key the lowest free one
 * with the calling thread's rights; pkey_alloc's argument checks; ENOSPC once all are taken,
 * inherited by fork; pkey_free of a key not allocated. (protection_keys.c
 * test_pkey_alloc_exhaust, test_pkey_alloc_free_attach_pkey0, test_pkey_syscalls_*.) */
static void test_pkey_alloc_hands_out_sixteen_keys(void **state)
{
    Fixture *f = *state;
    ASSERT_FAILS(f, vs_pkey_alloc(f->thread, 1, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_alloc(f->thread, 0, 4), VS_EINVAL);
    for (int key = 1; key < 16; key++)
        assert_int_equal(vs_pkey_alloc(f->thread, 0, VS_PKEY_DISABLE_WRITE), key);
    ASSERT_FAILS(f, vs_pkey_alloc(f->thread, 0, 0), VS_ENOSPC);
    VsProcess *child;
    assert_true(vs_fork(f->thread, &child) > 0);
    VsThread *child_thread = vs_process_main_thread(child);
    assert_int_equal(vs_pkey_alloc(child_thread, 0, 0), -1);
    assert_int_equal(vs_errno(child_thread), VS_ENOSPC);
    uint32_t signal;
    assert_int_equal(vs_pkey_get(child_thread, 9, &signal), VS_PKEY_DISABLE_WRITE); /* PKRU */
    assert_int_equal(vs_pkey_free(f->thread, 7), 0);
    ASSERT_FAILS(f, vs_pkey_free(f->thread, 7), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_free(f->thread, 16), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_free(f->thread, -1), VS_EINVAL);
    assert_int_equal(vs_pkey_alloc(f->thread, 0, 0), 7);
    assert_int_equal(vs_pkey_get(f->thread, 7, &signal), 0);
    assert_int_equal(signal, 0);
    /* Key 0 is allocated, so it may be freed, and handed out again. */
    assert_int_equal(vs_pkey_free(f->thread, 0), 0);
    assert_int_equal(vs_pkey_alloc(f->thread, 0, 0), 0);
}

/* pkey_mprotect gives a VMA a key: only one handed out (or -1, or 0), after mprotect's own
 * checks; the key splits the VMA; a store through a write-disabled key, a load or store through
 * an access-disabled one, faults (present page or not), until pkey_set gives the rights back. */
static void test_pkey_mprotect_and_pkru(void **state)
{
    Fixture *f = *state;
    int key = vs_pkey_alloc(f->thread, 0, VS_PKEY_DISABLE_WRITE);
    assert_int_equal(key, 1);
    uint64_t p = map(f, 0, 3 * PAGE, RW, ANON);
    ASSERT_FAILS(f, vs_pkey_mprotect(f->thread, p, PAGE, VS_PROT_READ, 5), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_mprotect(f->thread, p, PAGE, VS_PROT_READ, 115), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_mprotect(f->thread, p + 1, PAGE, VS_PROT_READ, 5), VS_EINVAL);
    assert_int_equal(vs_pkey_mprotect(f->thread, p, 0, VS_PROT_READ, 5), 0); /* length 0 first */
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 1), STATUS_SUCCESS);
    assert_int_equal(vs_pkey_mprotect(f->thread, p + PAGE, PAGE, RW, key), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vmas_in(f, p, p + 3 * PAGE), 3);
    assert_int_equal(pkey_at(f, p + PAGE), 1);
    assert_int_equal(read_byte(f->thread, p + PAGE), 1);
    vs_event_log_clear(&f->log);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 2), STATUS_ACCESS_VIOLATION);
    assert_true(last_event_is(f, VS_EV_PKEY_FAULT));
    uint32_t signal;
    assert_int_equal(vs_pkey_set(f->thread, key, VS_PKEY_DISABLE_ACCESS, &signal), 0);
    assert_int_equal(read_byte(f->thread, p + PAGE), -1);
    assert_int_equal(vs_memory_execute(f->thread, p + PAGE), STATUS_ACCESS_VIOLATION); /* NX */
    assert_int_equal(vs_pkey_set(f->thread, key, 0, &signal), 0);
    assert_int_equal(vs_memory_write(f->thread, p + PAGE, 3), STATUS_SUCCESS);
    ASSERT_FAILS(f, vs_pkey_set(f->thread, 16, 0, &signal), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_set(f->thread, key, 4, &signal), VS_EINVAL);
    /* Back to key 0: one VMA again; mprotect (pkey -1) keeps a VMA's key. */
    assert_int_equal(vs_pkey_mprotect(f->thread, p + PAGE, PAGE, RW, 0), 0);
    CHECK_INVARIANTS(f);
    assert_int_equal(vmas_in(f, p, p + 3 * PAGE), 1);
    assert_int_equal(vs_pkey_mprotect(f->thread, p, PAGE, VS_PROT_READ, key), 0);
    assert_int_equal(vs_mprotect(f->thread, p, PAGE, RW), 0);
    assert_int_equal(pkey_at(f, p), 1);
    /* A freed key stays on its VMAs, and the checker accepts it. */
    assert_int_equal(vs_pkey_free(f->thread, key), 0);
    assert_int_equal(pkey_at(f, p), 1);
    CHECK_INVARIANTS(f);
}

/* The execute-only key is allocated when first needed, the lowest free key then; the thread's
 * PKRU denies it access, again at the next PROT_EXEC mprotect after pkey_set allowed it; with
 * all keys taken, PROT_EXEC alone gets no key at all (mmap key 0) and reads. A write-disabled
 * key keeps MAP_POPULATE's write faults out of a private writable mapping, not its reads. */
static void test_execute_only_key_is_allocated_lazily(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vs_pkey_alloc(f->thread, 0, 0), 1);
    uint64_t x = map(f, 0, PAGE, VS_PROT_EXEC, ANON);
    assert_int_equal(pkey_at(f, x), 2);
    ASSERT_FAILS(f, vs_pkey_free(f->thread, 2), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_mprotect(f->thread, x, PAGE, VS_PROT_EXEC, 2), VS_EINVAL);
    uint32_t signal;
    assert_int_equal(vs_pkey_set(f->thread, 2, 0, &signal), 0);
    assert_int_equal(read_byte(f->thread, x), 0); /* the program let itself read it */
    assert_int_equal(vs_mprotect(f->thread, x, PAGE, VS_PROT_EXEC), 0);
    assert_int_equal(vs_pkey_get(f->thread, 2, &signal), VS_PKEY_DISABLE_ACCESS);
    assert_int_equal(read_byte(f->thread, x), -1);
    for (int key = 3; key < 16; key++)
        assert_int_equal(vs_pkey_alloc(f->thread, 0, VS_PKEY_DISABLE_WRITE), key);
    uint64_t populated = map(f, 0, 2 * PAGE, RW, ANON | VS_MAP_POPULATE);
    assert_int_equal(vs_pkey_mprotect(f->thread, populated, 2 * PAGE, RW, 15), 0);
    assert_int_equal(vs_madvise(f->thread, populated, 2 * PAGE, VS_MADV_DONTNEED), 0);
    assert_int_equal(vs_mlock(f->thread, populated, 2 * PAGE), -1); /* write faults refused */
    uint8_t vec[2];
    assert_int_equal(vs_mincore(f->thread, populated, 2 * PAGE, vec, 2), 0);
    assert_int_equal(vec[0] + vec[1], 0);
    ASSERT_FAILS(f, vs_pkey_alloc(f->thread, 0, 0), VS_ENOSPC);
    assert_int_equal(vs_pkey_free(f->thread, 1), 0); /* no effect on the execute-only key */
    assert_int_equal(pkey_at(f, map(f, 0, PAGE, VS_PROT_EXEC, ANON)), 2);
    CHECK_INVARIANTS(f);
}

/* With every key taken before any is needed for PROT_EXEC, mmap gives key 0 and the memory
 * reads; mprotect to PROT_EXEC keeps the VMA's key. */
static void test_execute_only_without_a_free_key(void **state)
{
    Fixture *f = *state;
    for (int key = 1; key < 16; key++)
        assert_int_equal(vs_pkey_alloc(f->thread, 0, 0), key);
    uint64_t x = map(f, 0, PAGE, VS_PROT_EXEC, ANON);
    assert_int_equal(pkey_at(f, x), 0);
    assert_int_equal(read_byte(f->thread, x), 0);
    uint64_t p = map(f, 0, PAGE, RW, ANON);
    assert_int_equal(vs_pkey_mprotect(f->thread, p, PAGE, RW, 4), 0);
    assert_int_equal(vs_mprotect(f->thread, p, PAGE, VS_PROT_EXEC), 0);
    assert_int_equal(pkey_at(f, p), 4);
    CHECK_INVARIANTS(f);
}

/* Without keys, as measured on a CPU without pku: the first pkey_alloc is EINVAL and leaves key
 * 0 taken for good, so every later one (and a forked child's) is ENOSPC; pkey_free and
 * pkey_mprotect with a key are EINVAL, with -1 it is mprotect; pkey_set and pkey_get raise
 * SIGILL once glibc's argument checks pass. (protection_keys.c
 * test_mprotect_pkey_on_unsupported_cpu.) */
static void test_pkey_calls_without_keys(void **state)
{
    Fixture *f = *state;
    ASSERT_FAILS(f, vs_pkey_alloc(f->thread, 1, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_alloc(f->thread, 0, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_alloc(f->thread, 0, VS_PKEY_DISABLE_ACCESS), VS_ENOSPC);
    VsProcess *child;
    assert_true(vs_fork(f->thread, &child) > 0);
    assert_int_equal(vs_pkey_alloc(vs_process_main_thread(child), 0, 0), -1);
    assert_int_equal(vs_errno(vs_process_main_thread(child)), VS_ENOSPC);
    VsProcess *fresh = vs_process_create(f->system, "fresh");
    assert_int_equal(vs_pkey_alloc(vs_process_main_thread(fresh), 0, 0), -1);
    assert_int_equal(vs_errno(vs_process_main_thread(fresh)), VS_EINVAL);
    for (int key = -1; key < 17; key++)
        ASSERT_FAILS(f, vs_pkey_free(f->thread, key), VS_EINVAL);
    uint64_t p = map(f, 0, PAGE, RW, ANON);
    ASSERT_FAILS(f, vs_pkey_mprotect(f->thread, p, PAGE, VS_PROT_READ, 0), VS_EINVAL);
    ASSERT_FAILS(f, vs_pkey_mprotect(f->thread, p, PAGE, VS_PROT_READ, 1), VS_EINVAL);
    assert_int_equal(vs_pkey_mprotect(f->thread, p, PAGE, VS_PROT_READ, -1), 0);
    uint32_t signal;
    assert_int_equal(vs_pkey_set(f->thread, 1, 0, &signal), 0);
    assert_int_equal(signal, VS_SIGILL);
    assert_int_equal(vs_pkey_get(f->thread, 1, &signal), 0);
    assert_int_equal(signal, VS_SIGILL);
    ASSERT_FAILS(f, vs_pkey_set(f->thread, 16, 0, &signal), VS_EINVAL);
    assert_int_equal(signal, 0);
    ASSERT_FAILS(f, vs_pkey_get(f->thread, -1, &signal), VS_EINVAL);
}

/* The checker knows where a key can be: a VMA given one on a CPU without keys is reported. */
static void test_checker_finds_a_misplaced_pkey(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, PAGE, VS_PROT_READ | VS_PROT_EXEC, ANON);
    VsVad *vad = vs_vad_locate(&f->process->vad_root, vs_vpn(p));
    vs_vma(vad)->vm_flags |= (VsVmFlags)1 << VS_VM_PKEY_SHIFT;
    char why[256];
    assert_false(vs_check(f->system, why, sizeof why));
    assert_non_null(strstr(why, "protection key"));
    vs_vma(vad)->vm_flags &= ~VS_VM_PKEY_MASK;
    assert_true(vs_check(f->system, why, sizeof why));
}

/* A sealed anonymous VMA takes discarding advice only while the calling thread may write it: a
 * key its PKRU write- or access-disables makes it EPERM, as no VM_WRITE does, and the pages
 * stay; unsealed, the key does not matter. pkey_mprotect over a sealed VMA: a key not allocated
 * is EINVAL with nothing changed; an allocated one EPERM at the seal, the VMA before it changed.
 * (mseal_test.c test_seal_discard_ro_anon_on_pkey; LTP mseal01's pkey_mprotect row.) */
static void test_sealed_vma_and_pkru(void **state)
{
    Fixture *f = *state;
    uint32_t signal;
    int key = vs_pkey_alloc(f->thread, 0, 0);
    uint64_t p = map(f, 0, 4 * PAGE, RW, ANON);
    assert_int_equal(vs_pkey_mprotect(f->thread, p, 4 * PAGE, RW, key), 0);
    assert_int_equal(vs_pkey_set(f->thread, key, VS_PKEY_DISABLE_WRITE, &signal), 0);
    assert_int_equal(vs_madvise(f->thread, p, 4 * PAGE, VS_MADV_DONTNEED), 0); /* not sealed */
    assert_int_equal(vs_pkey_set(f->thread, key, 0, &signal), 0);
    assert_int_equal(vs_memory_write(f->thread, p, 7), STATUS_SUCCESS);
    assert_int_equal(vs_mseal(f->thread, p, 4 * PAGE, 0), 0);
    assert_int_equal(vs_madvise(f->thread, p + PAGE, PAGE, VS_MADV_DONTNEED), 0);
    assert_int_equal(vs_pkey_set(f->thread, key, VS_PKEY_DISABLE_WRITE, &signal), 0);
    ASSERT_FAILS(f, vs_madvise(f->thread, p, 4 * PAGE, VS_MADV_DONTNEED), VS_EPERM);
    assert_int_equal(read_byte(f->thread, p), 7);
    assert_int_equal(vs_pkey_set(f->thread, key, VS_PKEY_DISABLE_ACCESS, &signal), 0);
    ASSERT_FAILS(f, vs_madvise(f->thread, p, 4 * PAGE, VS_MADV_FREE), VS_EPERM);
    assert_int_equal(vs_madvise(f->thread, p, 4 * PAGE, VS_MADV_RANDOM), 0); /* not a discard */
    assert_int_equal(vs_pkey_set(f->thread, key, 0, &signal), 0);
    assert_int_equal(vs_madvise(f->thread, p, 4 * PAGE, VS_MADV_DONTNEED), 0);
    assert_int_equal(read_byte(f->thread, p), 0);
    ASSERT_FAILS(f, vs_munmap(f->thread, p, 4 * PAGE), VS_EPERM);
    uint64_t m = map(f, 0, 8 * PAGE, RW, ANON);
    assert_int_equal(vs_mseal(f->thread, m + 2 * PAGE, PAGE, 0), 0);
    ASSERT_FAILS(f, vs_pkey_mprotect(f->thread, m, 8 * PAGE, VS_PROT_NONE, 5), VS_EINVAL);
    assert_int_equal(pkey_at(f, m), 0);
    ASSERT_FAILS(f, vs_pkey_mprotect(f->thread, m, 8 * PAGE, VS_PROT_NONE, key), VS_EPERM);
    CHECK_INVARIANTS(f);
    assert_int_equal(pkey_at(f, m), key);
    assert_int_equal(read_byte(f->thread, m), -1); /* PROT_NONE now */
    assert_int_equal(pkey_at(f, m + 2 * PAGE), 0);
    assert_int_equal(read_byte(f->thread, m + 2 * PAGE), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX_PKEYS(test_execute_only_with_protection_keys),
        LINUX(test_prot_exec_reads_without_protection_keys),
        LINUX(test_checker_finds_a_misplaced_pkey),
        LINUX_PKEYS(test_pkey_alloc_hands_out_sixteen_keys),
        LINUX_PKEYS(test_pkey_mprotect_and_pkru),
        LINUX_PKEYS(test_execute_only_key_is_allocated_lazily),
        LINUX_PKEYS(test_execute_only_without_a_free_key),
        LINUX(test_pkey_calls_without_keys),
        LINUX_PKEYS(test_sealed_vma_and_pkru),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
