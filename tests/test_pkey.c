/*
 * test_pkey.c - execute-only memory (pkey.c): on a CPU with protection keys PROT_EXEC alone gets
 * the execute-only key, which refuses every load and store (never a fetch) and follows the VMA;
 * without keys such memory reads; the checker knows where a key can be.
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

/* The checker knows where a key can be: a VMA given one it cannot have is reported. */
static void test_checker_finds_a_misplaced_pkey(void **state)
{
    Fixture *f = *state;
    uint64_t p = map(f, 0, PAGE, VS_PROT_READ | VS_PROT_EXEC, ANON);
    VsVad *vad = vs_vad_locate(&f->process->vad_root, vs_vpn(p));
    vs_vma(vad)->vm_flags |= (VsVmFlags)VS_EXECUTE_ONLY_PKEY << VS_VM_PKEY_SHIFT;
    char why[256];
    assert_false(vs_check(f->system, why, sizeof why));
    assert_non_null(strstr(why, "protection key"));
    vs_vma(vad)->vm_flags &= ~VS_VM_PKEY_MASK;
    assert_true(vs_check(f->system, why, sizeof why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LINUX_PKEYS(test_execute_only_with_protection_keys),
        LINUX(test_prot_exec_reads_without_protection_keys),
        LINUX_PKEYS(test_checker_finds_a_misplaced_pkey),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
