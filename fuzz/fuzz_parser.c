/*
 * fuzz_parser.c - libFuzzer target for the scenario lexer and parser.
 *
 * Any byte string must either parse or fail with a diagnostic; never crash, hang, leak or read out
 * of bounds. Built with clang and -Dfuzz=true; docs/scenario-language.md gives the commands.
 */
#include <stddef.h>
#include <stdint.h>

#include "script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *error = NULL;
    VsScript *script = vs_script_parse("fuzz.vsim", (const char *)data, size, &error);
    if (script) {
        vs_script_free(script);
    } else {
        /* A failed parse always says where. */
        if (!error || !g_str_has_prefix(error->message, "fuzz.vsim:"))
            __builtin_trap();
        g_error_free(error);
    }
    return 0;
}
