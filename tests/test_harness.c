/*
 * test_harness.c - the verification harness's pure parts: address relations and value tables,
 * outcome comparison, taints, the known-divergence list, the backend table's names, and the
 * agents' request parser. (The agents themselves are exercised by test_agent_win32.sh,
 * test_agent_posix.sh and the verify and fuzz tests.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "known.h"
#include "protocol.h"
#include "taint.h"
#include "win32.h"

/* Translation goes through the newest pair holding the address, end included; else identity. */
static void test_relations_translate(void **state)
{
    VsRelations r;
    vs_relations_init(&r);
    vs_relations_add(&r, 0x10000, 0x5550000, 0x20000);
    assert_int_equal(vs_relations_to_other(&r, 0x10000), 0x5550000);
    assert_int_equal(vs_relations_to_other(&r, 0x12345), 0x5552345);
    assert_int_equal(vs_relations_to_other(&r, 0x30000), 0x5570000); /* p + size */
    assert_int_equal(vs_relations_to_other(&r, 0x30001), 0x30001);
    assert_int_equal(vs_relations_to_other(&r, 0x7FFE0000), 0x7FFE0000);
    vs_relations_add(&r, 0x20000, 0x9990000, 0x10000);
    assert_int_equal(vs_relations_to_other(&r, 0x20000), 0x9990000);
    /* A newer allocation that ends where an older one starts does not capture its base. */
    vs_relations_add(&r, 0x40000, 0x7770000, 0x10000);
    vs_relations_add(&r, 0x30000, 0x1230000, 0x10000);
    assert_int_equal(vs_relations_to_other(&r, 0x40000), 0x7770000);
    assert_int_equal(vs_relations_to_other(&r, 0x50000), 0x7780000); /* its end, still */
    /* A new pair inside an old one cuts it: both remainders keep their translation. */
    vs_relations_add(&r, 0x100000, 0xA000000, 0x40000);
    vs_relations_add(&r, 0x110000, 0xB000000, 0x10000);
    assert_int_equal(vs_relations_to_other(&r, 0x105000), 0xA005000);
    assert_int_equal(vs_relations_to_other(&r, 0x115000), 0xB005000);
    assert_int_equal(vs_relations_to_other(&r, 0x130000), 0xA030000);
    assert_int_equal(vs_relations_to_model(&r, 0xA030000), 0x130000);
    assert_int_equal(vs_relations_to_model(&r, 0xB00F000), 0x11F000);
    VsOp op = {.kind = VS_OP_VIRTUAL_FREE, .arg = {0x11000, 0x11000, MEM_DECOMMIT}};
    VsOp other;
    /* Handles and process ids: paired when both systems answer, translated in arguments. */
    VsOp pid_op = {.kind = VS_OP_GET_CURRENT_PROCESS_ID};
    VsOutcome pm = {.ret = 8}, po = {.ret = 4242};
    g_autoptr(GPtrArray) none = g_ptr_array_new_with_free_func((GDestroyNotify)vs_divergence_free);
    assert_int_equal(vs_compare_outcomes(&r, &pid_op, &pm, &po, none), 0);
    VsOp open = {.kind = VS_OP_OPEN_PROCESS, .arg = {PROCESS_ALL_ACCESS, 0, 8}};
    vs_relations_translate(&r, &open, &other);
    assert_int_equal(other.arg[2], 4242);
    VsOutcome hm = {.ret = 4}, ho = {.ret = 0x1a4};
    assert_int_equal(vs_compare_outcomes(&r, &open, &hm, &ho, none), 0);
    VsOp ex = {.kind = VS_OP_VIRTUAL_ALLOC_EX, .arg = {4, 0, 1, MEM_RESERVE, PAGE_READWRITE}};
    vs_relations_translate(&r, &ex, &other);
    assert_int_equal(other.arg[0], 0x1a4);
    VsOutcome failed = {.ret = 0};
    assert_int_equal(vs_compare_outcomes(&r, &open, &hm, &failed, none), 1); /* open vs not */
    vs_relations_translate(&r, &op, &other);
    assert_int_equal(other.arg[0], 0x5551000);
    assert_int_equal(other.arg[1], 0x11000); /* a size is not an address */
    /* An address window moves with the allocation that holds both its ends, else stays. */
    VsOp window = {.kind = VS_OP_VIRTUAL_ALLOC_2,
                   .parameters = {{.type = MemExtendedParameterAttributeFlags},
                                  {.type = MemExtendedParameterAddressRequirements,
                                   .requirements = {.LowestStartingAddress = 0x10000,
                                                    .HighestEndingAddress = 0x1FFFF}}},
                   .parameter_count = 2};
    vs_relations_translate(&r, &window, &other);
    assert_int_equal(other.parameters[1].requirements.LowestStartingAddress, 0x5550000);
    assert_int_equal(other.parameters[1].requirements.HighestEndingAddress, 0x555FFFF);
    window.parameters[1].requirements.HighestEndingAddress = 0x2FFFFFFF;
    vs_relations_translate(&r, &window, &other);
    assert_int_equal(other.parameters[1].requirements.LowestStartingAddress, 0x10000);
    assert_int_equal(other.parameters[1].requirements.HighestEndingAddress, 0x2FFFFFFF);
    vs_relations_clear(&r);
}

/* An address the other system gives to a new allocation is no older pair's any more: the part of
 * an older pair that led there leads nowhere (past user space), the rest keeps its translation. */
static void test_relations_cut_where_other_reuses(void **state)
{
    VsRelations r;
    vs_relations_init(&r);
    vs_relations_add(&r, 0x100000, 0xA000000, 0x30000);
    vs_relations_add(&r, 0x200000, 0xA010000, 0x10000); /* the other reused its middle granule */
    assert_int_equal(vs_relations_to_other(&r, 0x200000), 0xA010000);
    assert_int_equal(vs_relations_to_other(&r, 0x105000), 0xA005000);
    assert_int_equal(vs_relations_to_other(&r, 0x111000), VS_RELATIONS_NOWHERE + 0x111000);
    assert_int_equal(vs_relations_to_other(&r, 0x125000), 0xA025000);
    assert_int_equal(vs_relations_to_model(&r, 0xA011000), 0x201000);
    /* A pair made again for the same allocation leaves it as it is. */
    vs_relations_add(&r, 0x200000, 0xA010000, 0x10000);
    assert_int_equal(vs_relations_to_other(&r, 0x20F000), 0xA01F000);
    /* Memory only the model has is sent nowhere already and cuts nothing. */
    vs_relations_add(&r, 0x300000, VS_RELATIONS_NOWHERE + 0x300000, 0x10000);
    assert_int_equal(vs_relations_to_other(&r, 0x125000), 0xA025000);
    /* Memory the model released keeps its translation (fixed bases there are the same place in
     * both): the other's new allocation there cuts only what the model still holds. */
    vs_relations_add(&r, 0x400000, 0xC000000, 0x40000);
    vs_relations_released(&r, 0x410000, 0x430000);
    vs_relations_add(&r, 0x500000, 0xC000000, 0x40000);
    assert_int_equal(vs_relations_to_other(&r, 0x405000), VS_RELATIONS_NOWHERE + 0x405000);
    assert_int_equal(vs_relations_to_other(&r, 0x415000), 0xC015000);
    assert_int_equal(vs_relations_to_other(&r, 0x42F000), 0xC02F000);
    assert_int_equal(vs_relations_to_other(&r, 0x435000), VS_RELATIONS_NOWHERE + 0x435000);
    /* A new pair over released memory is the model's again. */
    vs_relations_add(&r, 0x410000, 0xD000000, 0x10000);
    vs_relations_add(&r, 0x600000, 0xD000000, 0x10000);
    assert_int_equal(vs_relations_to_other(&r, 0x410000), VS_RELATIONS_NOWHERE + 0x410000);
    assert_int_equal(vs_relations_to_other(&r, 0x420000), 0xC020000);
    vs_relations_clear(&r);
}

/* Where the model's memory has no counterpart, a release the model makes fails in the other
 * system, which has nothing there; the taints there must end all the same. The harness asks how
 * far from an address the pairs lead past user space: a granule the other system gave to another
 * allocation, and memory only the model placed, do; a live counterpart and unpaired ground do
 * not, and a release in the model changes none of that. */
static void test_relations_nowhere_until(void **state)
{
    (void)state;
    VsRelations r;
    vs_relations_init(&r);
    vs_relations_add(&r, 0x100000, 0xA000000, 0x30000);
    vs_relations_add(&r, 0x200000, 0xA010000, 0x10000); /* the other reused its middle granule */
    assert_int_equal(vs_relations_nowhere_until(&r, 0x110000), 0x120000);
    assert_int_equal(vs_relations_nowhere_until(&r, 0x11F000), 0x120000);
    assert_int_equal(vs_relations_nowhere_until(&r, 0x105000), 0x105000);
    assert_int_equal(vs_relations_nowhere_until(&r, 0x120000), 0x120000);
    assert_int_equal(vs_relations_nowhere_until(&r, 0x200000), 0x200000);
    assert_int_equal(vs_relations_nowhere_until(&r, 0x900000), 0x900000);
    vs_relations_released(&r, 0x100000, 0x130000);
    assert_int_equal(vs_relations_nowhere_until(&r, 0x110000), 0x120000);
    assert_int_equal(vs_relations_nowhere_until(&r, 0x125000), 0x125000);
    vs_relations_add(&r, 0x300000, VS_RELATIONS_NOWHERE + 0x300000, 0x20000);
    assert_int_equal(vs_relations_nowhere_until(&r, 0x300000), 0x320000);
    assert_int_equal(vs_relations_nowhere_until(&r, 0x320000), 0x320000); /* its end is not it */
    vs_relations_clear(&r);
}

/* A region of the other system's that stands for two of the model's (a heap segment it grew in
 * place where the model reserved another) pairs the second beside the first, which stays whole;
 * where no live pair leads to the other's address, nothing is paired. */
static void test_relations_add_beside(void **state)
{
    VsRelations r;
    vs_relations_init(&r);
    vs_relations_add(&r, 0x100000, 0xA000000, 0x40000);
    assert_true(vs_relations_add_beside(&r, 0x200000, 0xA000000, 0x40000));
    assert_int_equal(vs_relations_to_other(&r, 0x105000), 0xA005000);
    assert_int_equal(vs_relations_to_other(&r, 0x231000), 0xA031000);
    assert_false(vs_relations_add_beside(&r, 0x300000, 0xB000000, 0x10000));
    assert_int_equal(vs_relations_to_other(&r, 0x300000), 0x300000);
    /* memory only the model has leads nowhere: no region of the other's stands for it */
    vs_relations_add(&r, 0x500000, VS_RELATIONS_NOWHERE + 0x500000, 0x10000);
    assert_false(vs_relations_add_beside(&r, 0x600000, VS_RELATIONS_NOWHERE + 0x500000, 0x10000));
    vs_relations_clear(&r);
}

/* The other system may place allocation after allocation at one address, each paired with memory
 * the model placed elsewhere: released pairs keep their translation, so several lead there, and
 * the way back is the pair of the memory the model still holds (Wine 10.0 put a 96 KB allocation
 * in the fuzzer's arena, the model at 0x3E0000; both released it; Wine put a 128 KB one there
 * again, the model at 0x770000: seed 22, call 179 053). */
static void test_relations_to_model_prefers_held(void **state)
{
    (void)state;
    VsRelations r;
    vs_relations_init(&r);
    vs_relations_add(&r, 0x7F000000, 0xE000000 - 0x2B0000, 0x400000); /* the arena */
    vs_relations_released(&r, 0x7F000000, 0x7F400000);
    assert_int_equal(vs_relations_to_model(&r, 0xE001000), 0x7F2B1000);
    vs_relations_add(&r, 0x3E0000, 0xE000000, 0x18000);
    vs_relations_released(&r, 0x3E0000, 0x3F8000);
    assert_int_equal(vs_relations_to_model(&r, 0xE001000), 0x3E1000); /* released, both */
    vs_relations_add(&r, 0x770000, 0xE000000, 0x20000);
    assert_int_equal(vs_relations_to_model(&r, 0xE001000), 0x771000);
    assert_int_equal(vs_relations_to_model(&r, 0xE01F000), 0x78F000);
    assert_int_equal(vs_relations_to_other(&r, 0x3E1000), 0xE001000); /* fixed bases still */
    vs_relations_released(&r, 0x770000, 0x790000);
    assert_int_equal(vs_relations_to_model(&r, 0xE01F000), 0x78F000);  /* a released one */
    assert_int_equal(vs_relations_to_model(&r, 0xF000000), 0xF000000); /* no pair: itself */
    vs_relations_clear(&r);
}

static GPtrArray *divergences(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)vs_divergence_free);
}

/* Both systems choosing an address pairs them; later results compare through the pair. */
static void test_compare_pairs_chosen_addresses(void **state)
{
    VsRelations r;
    vs_relations_init(&r);
    GPtrArray *d = divergences();
    VsOp alloc = {.kind = VS_OP_VIRTUAL_ALLOC, .arg = {0, 0x3000, MEM_RESERVE, PAGE_READWRITE}};
    VsOutcome model = {.ret = 0x10000}, other = {.ret = 0x7FF00000};
    assert_int_equal(vs_compare_outcomes(&r, &alloc, &model, &other, d), 0);
    VsOp commit = {.kind = VS_OP_VIRTUAL_ALLOC,
                   .arg = {0x11000, 0x1000, MEM_COMMIT, PAGE_READWRITE}};
    model.ret = 0x11000;
    other.ret = 0x7FF01000;
    assert_int_equal(vs_compare_outcomes(&r, &commit, &model, &other, d), 0);
    other.ret = 0x7FF02000;
    assert_int_equal(vs_compare_outcomes(&r, &commit, &model, &other, d), 1);
    const VsDivergence *first = g_ptr_array_index(d, 0);
    assert_string_equal(first->field, "return");
    /* An unaligned choice is a divergence of its own. */
    model.ret = 0x40000;
    other.ret = 0x7FF31000;
    assert_int_equal(vs_compare_outcomes(&r, &alloc, &model, &other, d), 1);
    assert_string_equal(((VsDivergence *)g_ptr_array_index(d, 1))->field, "alignment");
    g_ptr_array_free(d, TRUE);
    vs_relations_clear(&r);
}

/* A failed Win32 call's last error is compared; a free region's size is not. */
static void test_compare_errors_and_queries(void **state)
{
    VsRelations r;
    vs_relations_init(&r);
    GPtrArray *d = divergences();
    VsOp free_op = {.kind = VS_OP_VIRTUAL_FREE, .arg = {0x50000000, 0, MEM_RELEASE}};
    VsOutcome model = {.ret = 0, .last_error = 487}, other = {.ret = 0, .last_error = 87};
    assert_int_equal(vs_compare_outcomes(&r, &free_op, &model, &other, d), 1);
    assert_string_equal(((VsDivergence *)g_ptr_array_index(d, 0))->field, "GetLastError");
    assert_string_equal(((VsDivergence *)g_ptr_array_index(d, 0))->model,
                        "487 ERROR_INVALID_ADDRESS");
    VsOp query = {.kind = VS_OP_VIRTUAL_QUERY, .arg = {0x50000000}};
    VsOutcome qm = {.ret = 48,
                    .has_mbi = true,
                    .mbi = {0x50000000, 0, 0, 0x1000000, MEM_FREE, PAGE_NOACCESS, 0}};
    VsOutcome qo = qm;
    qo.mbi.RegionSize = 0x20000;
    assert_int_equal(vs_compare_outcomes(&r, &query, &qm, &qo, d), 0);
    qo.mbi.Protect = PAGE_READONLY;
    assert_int_equal(vs_compare_outcomes(&r, &query, &qm, &qo, d), 1);
    /* A Type or State is reported by its own name (MEM_IMAGE shares MEM_RESET_UNDO's value). */
    qo = qm;
    qo.mbi.Type = MEM_IMAGE;
    qo.mbi.State = MEM_COMMIT;
    assert_int_equal(vs_compare_outcomes(&r, &query, &qm, &qo, d), 2);
    const VsDivergence *type = g_ptr_array_index(d, d->len - 1);
    assert_string_equal(type->field, "Type");
    assert_string_equal(type->model, "0");
    assert_string_equal(type->other, "MEM_IMAGE");
    const VsDivergence *state_field = g_ptr_array_index(d, d->len - 2);
    assert_string_equal(state_field->field, "State");
    assert_string_equal(state_field->model, "MEM_FREE");
    assert_string_equal(state_field->other, "MEM_COMMIT");
    g_ptr_array_free(d, TRUE);
    vs_relations_clear(&r);
}

static char *write_list(const char *text)
{
    char *path = NULL;
    int fd = g_file_open_tmp("known-XXXXXX.ini", &path, NULL);
    assert_true(fd >= 0);
    close(fd);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

#define EVIDENCE "evidence = a reproducer, tests/verify-win32/none.vsim, for the test\n"

static const VsKnownSystem wine8 = {"wine", "8.0"}, wine10 = {"wine", "10.0"},
                           windows = {"windows", "10.0.19045"};

/* Entries match by backend and its versions, call, field, values (alternatives, has:) and
 * address range. */
static void test_known_matching(void **state)
{
    g_autofree char *path = write_list(
        "[a]\nbackend = wine\nwine = 8.0\ncall = VirtualFree, NtFreeVirtualMemory\n"
        "field = status\nmodel = STATUS_MEMORY_NOT_ALLOCATED\nother = STATUS_INVALID_PARAMETER\n"
        "reason = Wine answers differently here\n" EVIDENCE
        "[b]\nbackend = win32\nwine = *\nwindows = *\ncall = VirtualQuery\nfield = Protect\n"
        "model = has:PAGE_NOCACHE\nother = *\naddress = 0x10000-0x1FFFF\nverdict = unsupported\n"
        "reason = only in this range, for the test\n" EVIDENCE);
    VsKnownList list = {0};
    GError *error = NULL;
    assert_true(vs_known_load(&list, path, &error));
    VsOp nt_free = {.kind = VS_OP_NT_FREE};
    VsDivergence d = {"status", NULL, NULL, 0xC00000A0, 0xC000000D};
    assert_non_null(vs_known_match(&list, &wine8, &nt_free, NULL, &d));
    assert_null(vs_known_match(&list, &wine10, &nt_free, NULL, &d)); /* another version */
    assert_null(vs_known_match(&list, &windows, &nt_free, NULL, &d));
    d.other_value = 0xC0000005;
    assert_null(vs_known_match(&list, &wine8, &nt_free, NULL, &d));
    VsOp query = {.kind = VS_OP_VIRTUAL_QUERY, .arg = {0x12000}};
    VsDivergence p = {"Protect", NULL, NULL, PAGE_READWRITE | PAGE_NOCACHE, PAGE_READWRITE};
    const VsKnownEntry *e = vs_known_match(&list, &windows, &query, NULL, &p);
    assert_non_null(e);
    assert_int_equal(e->verdict, VS_VERDICT_UNSUPPORTED);
    assert_non_null(vs_known_match(&list, &wine10, &query, NULL, &p));
    query.arg[0] = 0x20000;
    assert_null(vs_known_match(&list, &windows, &query, NULL, &p));
    vs_known_clear(&list);
    g_unlink(path);
}

/* A version pattern: one version (and its point releases), ranges closed and open, several. */
static void test_known_versions(void **state)
{
    assert_true(vs_known_version_matches("8.0", "8.0"));
    assert_true(vs_known_version_matches("8.0", "8.0.2"));
    assert_false(vs_known_version_matches("8.0", "8.1"));
    assert_false(vs_known_version_matches("8.0", "10.0"));
    assert_true(vs_known_version_matches("8.0-9.22", "9.0"));
    assert_true(vs_known_version_matches("8.0-9.22", "9.22"));
    assert_false(vs_known_version_matches("8.0-9.22", "10.0"));
    assert_true(vs_known_version_matches("10.0-", "11.10"));
    assert_false(vs_known_version_matches("10.0-", "9.9"));
    assert_true(vs_known_version_matches("8.0, 10.0", "10.0"));
    assert_true(vs_known_version_matches("6.17-", "6.18.44"));
    assert_true(vs_known_version_matches("*", "1.2"));
    assert_false(vs_known_version_matches("8.0", ""));
}

/* The conditions: the size argument, the protection argument, the model's region state. */
static void test_known_conditions(void **state)
{
    g_autofree char *path = write_list(
        "[size]\nbackend = wine\nwine = 8.0-\ncall = NtProtectVirtualMemory\nfield = status\n"
        "size = 0\nmodel = STATUS_INVALID_PARAMETER_3\nother = *\n"
        "reason = only a zero size, for the test\n" EVIDENCE
        "[protect]\nbackend = wine\nwine = 8.0-\ncall = VirtualAlloc\nfield = return\n"
        "protect = has:PAGE_NOACCESS|PAGE_GUARD, !has:PAGE_NOCACHE\nmodel = 0\nother = *\n"
        "reason = only a guarded no-access page, for the test\n" EVIDENCE
        "[state]\nbackend = wine\nwine = 8.0-\ncall = VirtualQuery\nfield = RegionSize\n"
        "state = MEM_RESERVE\nmodel = 0xE000\nother = *\n"
        "reason = only reserved regions, for the test\n" EVIDENCE
        "[failed]\nbackend = wine\nwine = 8.0-\ncall = VirtualProtect\nfield = OldProtect\n"
        "model = PAGE_NOACCESS\nother = *\nresult = failed\nreason = only failed calls, for the "
        "test\n" EVIDENCE "[view]\nbackend = wine\nwine = 8.0-\ncall = read\nfield = exception\n"
        "region = MEM_MAPPED\nstate = MEM_RESERVE\nstatus = *\nmodel = STATUS_ACCESS_VIOLATION\n"
        "other = *\nreason = only reserved pages of views, for the test\n" EVIDENCE);
    VsKnownList list = {0};
    GError *error = NULL;
    assert_true(vs_known_load(&list, path, &error));
    /* NtProtectVirtualMemory(process, &base, &size, new, &old): the size is argument 2. */
    VsOp protect = {.kind = VS_OP_NT_PROTECT, .arg = {0, 0x10000, 0, PAGE_READONLY}};
    VsDivergence status = {"status", NULL, NULL, 0xC00000F1, 0xC000002D};
    assert_non_null(vs_known_match(&list, &wine8, &protect, NULL, &status));
    protect.arg[2] = 0x1000;
    assert_null(vs_known_match(&list, &wine8, &protect, NULL, &status));

    VsOp alloc = {.kind = VS_OP_VIRTUAL_ALLOC,
                  .arg = {0, 0x1000, MEM_COMMIT, PAGE_NOACCESS | PAGE_GUARD}};
    VsDivergence ret = {"return", NULL, NULL, 0, 0x10000};
    assert_non_null(vs_known_match(&list, &wine8, &alloc, NULL, &ret));
    alloc.arg[3] = PAGE_READONLY | PAGE_GUARD;
    assert_null(vs_known_match(&list, &wine8, &alloc, NULL, &ret));
    alloc.arg[3] = PAGE_NOACCESS | PAGE_GUARD | PAGE_NOCACHE; /* excluded */
    assert_null(vs_known_match(&list, &wine8, &alloc, NULL, &ret));

    VsOp query = {.kind = VS_OP_VIRTUAL_QUERY, .arg = {0x10000}};
    VsOutcome model = {.has_mbi = true, .mbi = {.State = MEM_RESERVE}};
    VsDivergence size = {"RegionSize", NULL, NULL, 0xE000, 0x1000};
    assert_non_null(vs_known_match(&list, &wine8, &query, &model, &size));
    model.mbi.State = MEM_COMMIT;
    assert_null(vs_known_match(&list, &wine8, &query, &model, &size));
    assert_null(vs_known_match(&list, &wine8, &query, NULL, &size));

    /* A failed call, and not a successful one. */
    VsOp vp = {.kind = VS_OP_VIRTUAL_PROTECT, .arg = {0x10000, 0x1000, PAGE_READONLY}};
    VsOutcome failed = {.ret = 0}, succeeded = {.ret = 1};
    VsDivergence old = {"OldProtect", NULL, NULL, PAGE_NOACCESS, 0};
    assert_non_null(vs_known_match(&list, &wine8, &vp, &failed, &old));
    assert_null(vs_known_match(&list, &wine8, &vp, &succeeded, &old));

    /* A read: the page's Type and State before the call, as the model saw them. */
    VsOp read = {.kind = VS_OP_READ, .arg = {0x10000}};
    VsOutcome touched = {.region_type = MEM_MAPPED, .region_state = MEM_RESERVE};
    VsDivergence exception = {"exception", NULL, NULL, 0xC0000005, 0};
    assert_non_null(vs_known_match(&list, &wine8, &read, &touched, &exception));
    touched.region_type = MEM_PRIVATE;
    assert_null(vs_known_match(&list, &wine8, &read, &touched, &exception));
    touched.region_type = MEM_MAPPED, touched.region_state = MEM_COMMIT;
    assert_null(vs_known_match(&list, &wine8, &read, &touched, &exception));
    vs_known_clear(&list);
    g_unlink(path);
}

/* A fatal entry withholds the calls it names, in the versions it names, under its conditions;
 * it explains no divergence. */
static void test_known_fatal(void **state)
{
    g_autofree char *path =
        write_list("[dies]\nbackend = wine\nwine = 10.0\ncall = VirtualAlloc\naddress = 0\n"
                   "verdict = fatal\nreason = the real system dies here, for the test\n" EVIDENCE);
    VsKnownList list = {0};
    GError *error = NULL;
    assert_true(vs_known_load(&list, path, &error));
    VsOp alloc = {.kind = VS_OP_VIRTUAL_ALLOC, .arg = {0, 0x1000, MEM_COMMIT, PAGE_READWRITE}};
    assert_non_null(vs_known_fatal(&list, &wine10, &alloc, NULL));
    assert_null(vs_known_fatal(&list, &wine8, &alloc, NULL));
    VsDivergence ret = {"return", NULL, NULL, 0, 0x10000};
    assert_null(vs_known_match(&list, &wine10, &alloc, NULL, &ret));
    alloc.arg[0] = 0x10000;
    assert_null(vs_known_fatal(&list, &wine10, &alloc, NULL));
    vs_known_clear(&list);
    g_unlink(path);
}

#define ENTRY_HEAD "[x]\nbackend = wine\nwine = 8.0\ncall = VirtualFree\n"
#define ENTRY_TAIL "reason = long enough\n" EVIDENCE

/* A malformed entry is refused with the file, the group and what is wrong; so is one without
 * evidence or versions, one with model = *, one naming every call. */
static void test_known_errors(void **state)
{
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {ENTRY_HEAD "field = status\nmodel = 1\nother = 2\n" EVIDENCE, "[x] needs 'reason'"},
        {ENTRY_HEAD "field = status\nmodel = 1\nother = 2\nreason = long enough\n",
         "needs 'evidence ='"},
        {"[x]\nbackend = wine\ncall = VirtualFree\nfield = status\nmodel = 1\nother = "
         "2\n" ENTRY_TAIL,
         "needs 'wine ='"},
        {"[x]\nbackend = win32\nwine = 8.0\ncall = VirtualFree\nfield = status\nmodel = 1\n"
         "other = 2\n" ENTRY_TAIL,
         "needs 'windows ='"},
        {"[x]\nbackend = wine\nwine = 8.x\ncall = VirtualFree\nfield = status\nmodel = 1\n"
         "other = 2\n" ENTRY_TAIL,
         "needs 'wine ='"},
        {"[x]\nbackend = wine\nwine = *\ncall = VirtualFree\nfield = status\nmodel = 1\n"
         "other = 2\n" ENTRY_TAIL,
         "names every version"},
        {ENTRY_HEAD "field = status\nmodel = *\nother = 2\n" ENTRY_TAIL, "must name the field"},
        {"[x]\nbackend = beos\nwine = 8.0\ncall = VirtualFree\nfield = return\nmodel = 1\n"
         "other = *\n" ENTRY_TAIL,
         "backend must be wine, windows, win32 or linux"},
        {"[x]\nbackend = wine\nwine = 8.0\ncall = VirtualFrob\nfield = return\nmodel = 1\n"
         "other = *\n" ENTRY_TAIL,
         "each one the language has"},
        {"[x]\nbackend = wine\nwine = 8.0\ncall = *\nfield = return\nmodel = 1\nother = "
         "*\n" ENTRY_TAIL,
         "each one the language has"},
        {ENTRY_HEAD "field = return\nmodel = NOT_A_CONSTANT\nother = *\n" ENTRY_TAIL,
         "model and other must be"},
        {ENTRY_HEAD "field = return\nmodel = 0\nother = *\naddress = 5-\n" ENTRY_TAIL,
         "address must be LOW-HIGH"},
        {ENTRY_HEAD "field = return\nmodel = 0\nother = *\nsize = 9-3\n" ENTRY_TAIL,
         "size must be a number or LOW-HIGH"},
        {ENTRY_HEAD "field = return\nmodel = 0\nother = *\nprotect = PAGE_SOMETIMES\n" ENTRY_TAIL,
         "protect must be"},
        {ENTRY_HEAD "field = return\nmodel = 0\nother = *\nstate = MEM_MAYBE\n" ENTRY_TAIL,
         "state must be"},
        {ENTRY_HEAD "verdict = fatal\nfield = return\n" ENTRY_TAIL, "nothing is compared"},
        {ENTRY_HEAD "field = return\nmodel = 0\nother = *\nverdict = maybe\n" ENTRY_TAIL,
         "verdict must be"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = write_list(cases[i].text);
        VsKnownList list = {0};
        GError *error = NULL;
        assert_false(vs_known_load(&list, path, &error));
        if (!strstr(error->message, cases[i].message))
            fail_msg("case %zu: %s", i, error->message);
        assert_non_null(strstr(error->message, path));
        g_error_free(error);
        vs_known_clear(&list);
        g_unlink(path);
    }
}

/* Every scenario or test of this repository that evidence names (a reproducer) exists. */
static void assert_evidence_files_exist(const VsKnownEntry *e)
{
    g_auto(GStrv) words = g_strsplit_set(e->evidence, " ,;()", -1);
    for (char **word = words; *word; word++) {
        if (g_str_has_suffix(*word, "."))
            (*word)[strlen(*word) - 1] = '\0'; /* the end of a sentence */
        gboolean ours = g_str_has_prefix(*word, "tests/") || g_str_has_prefix(*word, "scenarios/");
        if (!ours || !(g_str_has_suffix(*word, ".vsim") || g_str_has_suffix(*word, ".sh")))
            continue;
        g_autofree char *path = g_build_filename(VS_SOURCE_ROOT, *word, NULL);
        if (!g_file_test(path, G_FILE_TEST_EXISTS))
            fail_msg("[%s] names %s as evidence, which does not exist", e->id, *word);
    }
}

/* The reviewed list in the repository loads (so every entry has evidence and versions), and the
 * reproducers its evidence names are there. */
static void test_repository_list_loads(void **state)
{
    VsKnownList list = {0};
    GError *error = NULL;
    gboolean ok = vs_known_load(&list, VS_SOURCE_ROOT "/verify/known-divergences.ini", &error);
    if (!ok)
        fail_msg("%s", error->message);
    assert_true(list.entries->len > 5);
    for (guint i = 0; i < list.entries->len; i++)
        assert_evidence_files_exist(g_ptr_array_index(list.entries, i));
    vs_known_clear(&list);
}

/* Value tables pair what each system numbers its own way; a copy is a table of its own. */
static void test_value_tables(void **state)
{
    GHashTable *fds = vs_values_new();
    vs_values_relate(fds, 3, 5);
    assert_int_equal(vs_values_other(fds, 3), 5);
    assert_int_equal(vs_values_other(fds, 4), 4); /* none: itself */
    GHashTable *child = vs_values_copy(fds);
    vs_values_forget(fds, 3);
    assert_int_equal(vs_values_other(fds, 3), 3);
    assert_int_equal(vs_values_other(child, 3), 5);
    g_hash_table_unref(child);
    g_hash_table_unref(fds);
}

/* Taints of one entry that touch merge; taints of different entries stay apart, and a call is
 * blamed on the entry whose ground holds its address (a call in ground placed apart was blamed
 * on an older, merged entry: Wine 10.0 seed 23, call 174,640); a taint is lifted where the
 * systems agree. */
static gboolean agrees_above_0x1000(void *context, uint64_t start, uint64_t end)
{
    (void)context, (void)end;
    return start >= 0x1000;
}

static void test_taints_merge_and_lift(void **state)
{
    g_autoptr(GArray) taints = vs_taints_new();
    vs_taints_add(taints, 0x100, 0x200, "first");
    vs_taints_add(taints, 0x200, 0x300, "second");
    vs_taints_add(taints, 0x180, 0x240, "first");
    vs_taints_add(taints, 0x2000, 0x3000, "third");
    vs_taints_add(taints, 0x3000, 0x4000, "third");
    assert_int_equal(taints->len, 3);
    assert_string_equal(vs_taints_over(taints, 0x280, 0x281), "second");
    assert_string_equal(vs_taints_over(taints, 0x230, 0x231), "first"); /* the newer */
    assert_string_equal(vs_taints_over(taints, 0x150, 0x151), "first");
    assert_string_equal(vs_taints_over(taints, 0x50, 0x260), "first"); /* overlapping, no hold */
    assert_null(vs_taints_over(taints, 0x300, 0x400)); /* [start, end): 0x300 is past it */
    assert_string_equal(vs_taints_over(taints, 0x1000, 0x2001), "third");
    assert_string_equal(vs_taints_over(taints, 0x3800, 0x3801), "third");
    vs_taints_lift(taints, agrees_above_0x1000, NULL);
    assert_null(vs_taints_over(taints, 0x2000, 0x2001));
    assert_string_equal(vs_taints_over(taints, 0x100, 0x101), "first");
    assert_string_equal(vs_taints_over(taints, 0x2C0, 0x2C1), "second");
}

/* Released memory takes its taints with it, and only its own: a taint split by a release keeps
 * both ends. */
static void test_taints_end_with_their_memory(void **state)
{
    g_autoptr(GArray) taints = vs_taints_new();
    vs_taints_add(taints, 0x10000, 0x40000, "split");
    vs_taints_add(taints, 0x80000, 0x90000, "gone");
    vs_taints_remove(taints, 0x20000, 0x30000);
    vs_taints_remove(taints, 0x80000, 0xA0000);
    assert_string_equal(vs_taints_over(taints, 0x10000, 0x10001), "split");
    assert_null(vs_taints_over(taints, 0x20000, 0x30000));
    assert_string_equal(vs_taints_over(taints, 0x30000, 0x30001), "split");
    assert_null(vs_taints_over(taints, 0x80000, 0x90000));
    assert_int_equal(taints->len, 2);
}

/* A reset taints the whole pages of its range, rounded inward as Windows rounds MEM_RESET (WRK's
 * NtAllocateVirtualMemory: a partly covered page keeps its data), and nothing when no whole page
 * is covered or the range wraps; resets of adjacent pages merge, and the taint ends page by page
 * (a store that made one page alike, a decommit of another). */
static void test_taints_reset_pages_inward(void **state)
{
    (void)state;
    g_autoptr(GArray) taints = vs_taints_new();
    assert_false(vs_taints_add_pages_inward(taints, 0x10001, 0x1000, 0x1000, "reset"));
    assert_false(vs_taints_add_pages_inward(taints, 0x10000, 0xFFF, 0x1000, "reset"));
    assert_false(vs_taints_add_pages_inward(taints, UINT64_MAX - 0x800, 0x2000, 0x1000, "reset"));
    assert_false(vs_taints_add_pages_inward(taints, 0x10000, UINT64_MAX, 0x1000, "reset"));
    assert_int_equal(taints->len, 0);
    assert_true(vs_taints_add_pages_inward(taints, 0x10001, 0x3FFF, 0x1000, "reset"));
    assert_null(vs_taints_over(taints, 0x10000, 0x10001)); /* its first page: partly covered */
    assert_string_equal(vs_taints_over(taints, 0x11000, 0x11001), "reset");
    assert_string_equal(vs_taints_over(taints, 0x13FFF, 0x14000), "reset");
    assert_null(vs_taints_over(taints, 0x14000, 0x14001)); /* its last byte's page, partly too */
    assert_true(vs_taints_add_pages_inward(taints, 0x14000, 0x1000, 0x1000, "reset"));
    assert_int_equal(taints->len, 1); /* [0x11000, 0x15000) */
    vs_taints_remove(taints, 0x12000, 0x13000);
    assert_null(vs_taints_over(taints, 0x12000, 0x12001));
    assert_string_equal(vs_taints_over(taints, 0x11FFF, 0x12000), "reset");
    assert_string_equal(vs_taints_over(taints, 0x13000, 0x13001), "reset");
    assert_string_equal(vs_taints_over(taints, 0x14000, 0x14001), "reset");
    assert_int_equal(taints->len, 2);
}

/* Ground placed apart is tainted in whole granules: an allocation of 60 KB that Wine 10.0 placed
 * in the fuzzer's arena, where an arena call released it in Wine alone and Wine then placed
 * another; the model's allocation keeps its pages and its granule's tail, whose pair now leads
 * nowhere, and a call one past its last page is the same difference (seed 22, call 197 453). */
static void test_taints_whole_granules(void **state)
{
    (void)state;
    VsRelations r;
    vs_relations_init(&r);
    g_autoptr(GArray) taints = vs_taints_new();
    vs_relations_add(&r, 0x880000, 0xE000000, 0x10000);
    vs_taints_add_granules(taints, 0x880000, 0x88F000, 0x10000, "apart");
    vs_relations_add(&r, 0x50000, 0xE000000, 0x10000); /* Wine's address, given again */
    assert_int_equal(vs_relations_to_other(&r, 0x88F000), VS_RELATIONS_NOWHERE + 0x88F000);
    assert_string_equal(vs_taints_over(taints, 0x88F000, 0x88F001), "apart");
    assert_string_equal(vs_taints_over(taints, 0x88FFFF, 0x890000), "apart");
    assert_null(vs_taints_over(taints, 0x890000, 0x890001)); /* the next granule is not its */
    assert_null(vs_taints_over(taints, 0x87FFFF, 0x880000));
    vs_taints_add_granules(taints, 0x8A1000, 0x8A1001, 0x10000, "inside");
    assert_string_equal(vs_taints_over(taints, 0x8A0000, 0x8A0001), "inside");
    vs_taints_add_granules(taints, UINT64_MAX - 0x10, UINT64_MAX, 0x10000, "top");
    assert_string_equal(vs_taints_over(taints, UINT64_MAX - 1, UINT64_MAX), "top");
    vs_relations_clear(&r);
}

/* A handle one system made and the other did not is never sent as the model's number: the
 * model's alone goes nowhere (a thread Wine 8.0 found no room for: test_RtlCreateUserStack's zero
 * bits 8-11), the other's alone goes where the variable the model left names it; a handle made in
 * both, or that the scenario cannot name, is no lone one. */
static void test_handles_made_alone(void **state)
{
    (void)state;
    VsRelations r;
    vs_relations_init(&r);
    VsOp create = {.kind = VS_OP_RTL_CREATE_USER_THREAD, .by_ref = 1u << 8};
    create.arg[3] = 8;    /* zero bits */
    create.arg[8] = 0x40; /* &t, holding an older handle going in */
    vs_values_relate(r.handles, 0x40, 0x1a0);
    VsOutcome made = {.ret = STATUS_SUCCESS, .out_written = 1u << 8};
    VsOutcome refused = {.ret = STATUS_NO_MEMORY, .out_written = 1u << 8};
    made.out[8] = 0x44;
    refused.out[8] = 0x40; /* as the variable was */
    uint64_t handle = 0;
    gboolean in_model = FALSE;
    assert_true(vs_win32_pair_lone_handle(&r, &create, &made, &refused, &handle, &in_model));
    assert_int_equal(handle, 0x44);
    assert_true(in_model);
    VsOp exit_op = {.kind = VS_OP_THREAD_EXIT, .arg = {0x44, 0}},
         as = {.kind = VS_OP_VIRTUAL_QUERY};
    as.thread = 0x44;
    VsOp other;
    vs_relations_translate(&r, &exit_op, &other);
    assert_int_equal(other.arg[0], VS_RELATIONS_NO_HANDLE);
    vs_relations_translate(&r, &as, &other);
    assert_int_equal(other.thread, VS_RELATIONS_NO_HANDLE);
    /* The agent did not run the call: the model's handle is alone too. */
    made.out[8] = 0x48;
    assert_true(vs_win32_pair_lone_handle(&r, &create, &made, NULL, &handle, &in_model));
    assert_int_equal(vs_values_other(r.handles, 0x48), VS_RELATIONS_NO_HANDLE);
    /* The other's alone: the model left &t as it was, and that value names the other's. */
    VsOutcome other_made = {.ret = STATUS_SUCCESS, .out_written = 1u << 8};
    other_made.out[8] = 0x2c8;
    assert_true(vs_win32_pair_lone_handle(&r, &create, &refused, &other_made, &handle, &in_model));
    assert_int_equal(handle, 0x40);
    assert_false(in_model);
    assert_int_equal(vs_values_other(r.handles, 0x40), 0x2c8);
    /* ... but never a value no table hands out, such as a pseudo-handle or NULL. */
    refused.out[8] = VS_CURRENT_PROCESS;
    assert_false(vs_win32_pair_lone_handle(&r, &create, &refused, &other_made, &handle, &in_model));
    assert_int_equal(vs_values_other(r.handles, VS_CURRENT_PROCESS), VS_CURRENT_PROCESS);
    /* Made in both: paired by the comparison, not here. */
    assert_false(vs_win32_pair_lone_handle(&r, &create, &made, &other_made, &handle, &in_model));
    /* A returned handle the model did not make is NULL in the scenario: nothing names it. */
    VsOp mapping = {.kind = VS_OP_CREATE_FILE_MAPPING, .arg = {VS_INVALID_HANDLE_VALUE}};
    VsOutcome none = {.ret = 0}, section = {.ret = 0x88};
    assert_false(vs_win32_pair_lone_handle(&r, &mapping, &none, &section, &handle, &in_model));
    assert_true(vs_win32_pair_lone_handle(&r, &mapping, &section, &none, &handle, &in_model));
    assert_int_equal(vs_values_other(r.handles, 0x88), VS_RELATIONS_NO_HANDLE);
    /* What a call made, as each system says. */
    assert_true(vs_win32_made_handle(&mapping, &section, &handle));
    assert_int_equal(handle, 0x88);
    assert_false(vs_win32_made_handle(&create, &refused, &handle));
    assert_false(vs_win32_made_handle(&exit_op, &made, &handle)); /* makes no handle */
    vs_relations_clear(&r);
}

/* Calls that take a handle made in one system alone follow from the entry that made it, through
 * any of their handle arguments or the thread they are made as; the taint ends when the system
 * holding the object closes it (a close elsewhere fails and changes nothing), or when the value
 * names a handle both systems made. */
static void test_handle_taints(void **state)
{
    (void)state;
    g_autoptr(GHashTable) taints = vs_handle_taints_new();
    vs_handle_taints_add(taints, 0x44, TRUE, "low-room");
    vs_handle_taints_add(taints, 0x40, FALSE, "other-made");
    VsOp exit_op = {.kind = VS_OP_THREAD_EXIT, .arg = {0x44, 0}};
    VsOp close = {.kind = VS_OP_CLOSE_HANDLE, .arg = {0x40}};
    VsOp map = {.kind = VS_OP_MAP_VIEW_OF_FILE, .arg = {0x44, FILE_MAP_READ, 0, 0, 0}};
    VsOp query = {.kind = VS_OP_VIRTUAL_QUERY, .arg = {0x44}}; /* an address, not a handle */
    VsOp as = {.kind = VS_OP_VIRTUAL_ALLOC, .thread = 0x44};
    VsOp dup = {.kind = VS_OP_DUPLICATE_HANDLE, .arg = {VS_CURRENT_PROCESS, 0x40}};
    assert_string_equal(vs_handle_taints_over(taints, &exit_op), "low-room");
    assert_string_equal(vs_handle_taints_over(taints, &close), "other-made");
    assert_string_equal(vs_handle_taints_over(taints, &map), "low-room");
    assert_string_equal(vs_handle_taints_over(taints, &as), "low-room");
    assert_string_equal(vs_handle_taints_over(taints, &dup), "other-made");
    assert_null(vs_handle_taints_over(taints, &query));
    vs_handle_taints_closed(taints, 0x44, FALSE, TRUE); /* the other had nothing to close */
    assert_string_equal(vs_handle_taints_over(taints, &exit_op), "low-room");
    vs_handle_taints_closed(taints, 0x44, TRUE, FALSE);
    assert_null(vs_handle_taints_over(taints, &exit_op));
    vs_handle_taints_closed(taints, 0x40, TRUE, FALSE);
    assert_string_equal(vs_handle_taints_over(taints, &close), "other-made");
    vs_handle_taints_closed(taints, 0x40, FALSE, TRUE);
    assert_null(vs_handle_taints_over(taints, &close));
    vs_handle_taints_add(taints, 0x48, TRUE, "again");
    vs_handle_taints_remove(taints, 0x48);
    assert_int_equal(g_hash_table_size(taints), 0);
}

/* --backend's names come from the backend table. */
static void test_backend_names(void **state)
{
    assert_ptr_equal(vs_backend_named("win32"), &vs_backend_win32);
    assert_ptr_equal(vs_backend_named("posix"), &vs_backend_posix);
    assert_null(vs_backend_named("model"));
    g_autofree char *two = vs_backend_names(NULL);
    g_autofree char *three = vs_backend_names("model");
    assert_string_equal(two, "win32 or posix");
    assert_string_equal(three, "win32, posix or model");
}

/* The agents' request lines: numbers in hex, names and texts as hex bytes, an address window
 * only where the agent takes one; anything else malformed. */
static void test_protocol_parses_requests(void **state)
{
    AgentRequest r;
    char line[256];
    g_strlcpy(line, "VirtualAlloc 0 10000 2000 4\n", sizeof line);
    assert_true(agent_parse(line, &r, 1));
    assert_string_equal(r.name, "VirtualAlloc");
    assert_int_equal(r.count, 4);
    assert_int_equal(r.v[1], 0x10000);
    g_strlcpy(line, "file s6162 2000 5a t4869", sizeof line);
    assert_true(agent_parse(line, &r, 0));
    assert_string_equal(r.text, "ab");
    assert_string_equal(r.contents, "Hi");
    assert_int_equal(r.v[0], 1);
    g_strlcpy(line, "VirtualAlloc2 0 0 10000 2000 4 r10000:7fff0000:10000 1", sizeof line);
    assert_true(agent_parse(line, &r, 1));
    assert_int_equal(r.window[1], 0x7fff0000);
    g_strlcpy(line, "VirtualAlloc2 0 0 10000 2000 4 r10000:7fff0000:10000 1", sizeof line);
    assert_false(agent_parse(line, &r, 0)); /* the POSIX agent takes no windows */
    static const char *const malformed[] = {
        "read zz",
        "open s616 0 0",
        "r r1:2",
        "",
        "x 1 2 3 4 5 6 7 8 9 a b c d e f 10 11",
        "a_name_of_sixty_four_characters_is_longer_than_a_request_may_have 1",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(malformed); i++) {
        g_strlcpy(line, malformed[i], sizeof line);
        assert_false(agent_parse(line, &r, 1));
    }
    static const AgentCall calls[] = {{"read", 1, NULL}, {"write", 2, NULL}};
    g_strlcpy(line, "write 1000 5a", sizeof line);
    assert_true(agent_parse(line, &r, 0));
    assert_ptr_equal(agent_find(calls, G_N_ELEMENTS(calls), &r), &calls[1]);
    g_strlcpy(line, "write 1000", sizeof line);
    assert_true(agent_parse(line, &r, 0));
    assert_null(agent_find(calls, G_N_ELEMENTS(calls), &r)); /* the wrong argument count */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relations_translate),
        cmocka_unit_test(test_relations_cut_where_other_reuses),
        cmocka_unit_test(test_relations_nowhere_until),
        cmocka_unit_test(test_relations_add_beside),
        cmocka_unit_test(test_relations_to_model_prefers_held),
        cmocka_unit_test(test_compare_pairs_chosen_addresses),
        cmocka_unit_test(test_compare_errors_and_queries),
        cmocka_unit_test(test_known_matching),
        cmocka_unit_test(test_known_versions),
        cmocka_unit_test(test_known_fatal),
        cmocka_unit_test(test_known_conditions),
        cmocka_unit_test(test_known_errors),
        cmocka_unit_test(test_repository_list_loads),
        cmocka_unit_test(test_value_tables),
        cmocka_unit_test(test_taints_merge_and_lift),
        cmocka_unit_test(test_taints_end_with_their_memory),
        cmocka_unit_test(test_taints_whole_granules),
        cmocka_unit_test(test_taints_reset_pages_inward),
        cmocka_unit_test(test_handles_made_alone),
        cmocka_unit_test(test_handle_taints),
        cmocka_unit_test(test_backend_names),
        cmocka_unit_test(test_protocol_parses_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
