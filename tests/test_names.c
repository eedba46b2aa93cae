/*
 * test_names.c - Windows names for the model's numbers (names.c, text.c): flags strings, constant
 * lookup, status and error names, and safe truncation into small buffers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

static void test_protect_strings(void **state)
{
    (void)state;
    char buf[96];
    assert_string_equal(vs_protect_string(PAGE_READWRITE, buf, sizeof buf), "PAGE_READWRITE");
    assert_string_equal(vs_protect_string(PAGE_READWRITE | PAGE_GUARD, buf, sizeof buf),
                        "PAGE_READWRITE|PAGE_GUARD");
    assert_string_equal(vs_protect_string(PAGE_EXECUTE_READ | PAGE_NOCACHE, buf, sizeof buf),
                        "PAGE_EXECUTE_READ|PAGE_NOCACHE");
    /* Reserved pages report 0; unknown bits print in hex after the known ones. */
    assert_string_equal(vs_protect_string(0, buf, sizeof buf), "0x0");
    assert_string_equal(vs_protect_string(PAGE_READONLY | 0x10000, buf, sizeof buf),
                        "PAGE_READONLY|0x10000");
}

static void test_mem_flag_strings(void **state)
{
    (void)state;
    char buf[96];
    assert_string_equal(vs_mem_flags_string(MEM_RESERVE | MEM_COMMIT, buf, sizeof buf),
                        "MEM_COMMIT|MEM_RESERVE");
    assert_string_equal(vs_mem_flags_string(MEM_RESERVE | MEM_TOP_DOWN, buf, sizeof buf),
                        "MEM_RESERVE|MEM_TOP_DOWN");
    assert_string_equal(vs_mem_flags_string(MEM_FREE, buf, sizeof buf), "MEM_FREE");
    assert_string_equal(vs_mem_flags_string(0x80000000u, buf, sizeof buf), "0x80000000");
}

/* Output never overruns the buffer and is always terminated. */
/* A region's State and Type by their own names: MEM_IMAGE shares its value with MEM_RESET_UNDO, an
 * allocation type, and Type is never a set of flags. */
static void test_region_state_and_type_names(void **state)
{
    (void)state;
    assert_string_equal(vs_mem_state_name(MEM_COMMIT), "MEM_COMMIT");
    assert_string_equal(vs_mem_state_name(MEM_RESERVE), "MEM_RESERVE");
    assert_string_equal(vs_mem_state_name(MEM_FREE), "MEM_FREE");
    assert_null(vs_mem_state_name(MEM_RELEASE));
    assert_string_equal(vs_mem_type_name(MEM_PRIVATE), "MEM_PRIVATE");
    assert_string_equal(vs_mem_type_name(MEM_MAPPED), "MEM_MAPPED");
    assert_string_equal(vs_mem_type_name(MEM_IMAGE), "MEM_IMAGE");
    assert_null(vs_mem_type_name(0));
    assert_null(vs_mem_type_name(MEM_PRIVATE | MEM_MAPPED));
    uint64_t value = 0;
    assert_true(vs_constant_lookup("MEM_IMAGE", &value));
    assert_int_equal(value, 0x1000000);
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'x', sizeof buf);
    vs_protect_string(PAGE_EXECUTE_READWRITE | PAGE_GUARD, buf, sizeof buf);
    assert_string_equal(buf, "PAGE_EX");
    char one[1] = {'x'};
    vs_protect_string(PAGE_READONLY, one, 1);
    assert_int_equal(one[0], '\0');
    vs_protect_string(PAGE_READONLY, one, 0); /* nothing written, nothing read */
}

static void test_constant_lookup(void **state)
{
    (void)state;
    uint64_t value = 0;
    assert_true(vs_constant_lookup("MEM_COMMIT", &value));
    assert_int_equal(value, 0x1000);
    assert_true(vs_constant_lookup("PAGE_EXECUTE_READWRITE", &value));
    assert_int_equal(value, 0x40);
    assert_true(vs_constant_lookup("STATUS_CONFLICTING_ADDRESSES", &value));
    assert_int_equal(value, 0xC0000018u);
    assert_true(vs_constant_lookup("ERROR_INVALID_ADDRESS", &value));
    assert_int_equal(value, 487);
    value = 5;
    assert_false(vs_constant_lookup("PAGE_READWRITEX", &value));
    assert_false(vs_constant_lookup("", &value));
    assert_int_equal(value, 5);
}

static void test_status_and_error_names(void **state)
{
    (void)state;
    assert_string_equal(vs_status_name(STATUS_FREE_VM_NOT_AT_BASE), "STATUS_FREE_VM_NOT_AT_BASE");
    assert_null(vs_status_name(0xC0FFEE00u));
    assert_non_null(vs_status_explain(STATUS_NOT_COMMITTED));
    assert_null(vs_status_explain(0xC0FFEE00u));
    assert_string_equal(vs_win32_error_name(487), "ERROR_INVALID_ADDRESS");
    assert_string_equal(vs_win32_error_name(8), "ERROR_NOT_ENOUGH_MEMORY");
    assert_null(vs_win32_error_name(12345));
    /* Every status names itself and has an explanation ending in a full stop. */
    static const char *const names[] = {
#define NAME(name, value, win32, text) #name,
        VS_STATUS_MAP(NAME)
#undef NAME
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint64_t status;
        assert_true(vs_constant_lookup(names[i], &status));
        assert_string_equal(vs_status_name((VsStatus)status), names[i]);
        const char *text = vs_status_explain((VsStatus)status);
        assert_int_equal(text[strlen(text) - 1], '.');
        assert_non_null(vs_win32_error_name(vs_status_to_win32((VsStatus)status)));
    }
}

static void test_event_kind_names(void **state)
{
    (void)state;
    assert_string_equal(vs_event_kind_name(VS_EV_VAD_SPLIT), "vad-split");
    assert_string_equal(vs_event_kind_name(VS_EV_TABLE_FREED), "table-freed");
    assert_string_equal(vs_event_kind_name((VsEventKind)999), "?");
    /* Every kind has a name (the JSON stream and the visualiser show them): up to the last. */
    for (int kind = VS_EV_VAD_INSERTED; kind <= VS_EV_PLACEHOLDER_RESTORED; kind++)
        assert_string_not_equal(vs_event_kind_name((VsEventKind)kind), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protect_strings),
        cmocka_unit_test(test_mem_flag_strings),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_constant_lookup),
        cmocka_unit_test(test_status_and_error_names),
        cmocka_unit_test(test_event_kind_names),
        cmocka_unit_test(test_region_state_and_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
