/*
 * names.c - the Linux personality's constants by name (PROT_, MAP_, MADV_, MS_, MREMAP_, MFD_, O_,
 * SIG*, E*, MLOCK_, MCL_, RLIMIT_), with the values the C library gives them on x86_64; MAP_FAILED
 * is (void *)-1, RLIM_INFINITY ~0.
 *
 * The names come from the X-macro tables of vadsim/linux.h, as the Windows ones come from
 * vadsim/nt.h's (the core's names.c).
 */
#include <string.h>

#include "linux.h"

typedef struct NamedValue {
    const char *name;
    uint64_t value;
} NamedValue;

static const NamedValue linux_rows[] = {
#define ROW(name, value) {#name, value},
    VS_LINUX_FLAG_MAP(ROW) VS_ERRNO_MAP(ROW)
#undef ROW
        {"MAP_FAILED", VS_MAP_FAILED},
    {"RLIM_INFINITY", VS_RLIM_INFINITY},
};

bool vs_linux_constant_lookup(const char *name, uint64_t *value)
{
    for (size_t i = 0; i < sizeof linux_rows / sizeof linux_rows[0]; i++)
        if (strcmp(linux_rows[i].name, name) == 0) {
            *value = linux_rows[i].value;
            return true;
        }
    return false;
}
