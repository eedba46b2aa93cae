/*
 * fuzz_runner.c - libFuzzer target for the whole scenario pipeline: parse, then run quietly
 * against the model with the invariant checker at the end.
 *
 * Whatever a scenario says, running it must end (in bounded time: RAM caps the page tables a
 * scenario can make), never crash or leak, and leave the model consistent.
 */
#include <stddef.h>
#include <stdint.h>

#include "runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *error = NULL;
    VsScript *script = vs_script_parse("fuzz.vsim", (const char *)data, size, &error);
    if (!script) {
        g_error_free(error);
        return 0;
    }
    GString *out = g_string_new(NULL);
    VsRunner *runner = vs_runner_new(script, out, VS_RUN_EXPLAIN);
    if (!vs_runner_run_all(runner, &error))
        g_error_free(error);
    if (!vs_runner_check(runner))
        __builtin_trap();
    vs_runner_free(runner);
    g_string_free(out, TRUE);
    vs_script_free(script);
    return 0;
}
