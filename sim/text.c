/*
 * text.c - the little string building the model needs (names, invariant messages) without stdio.
 */
#include <string.h>

#include "internal.h"

void vs_text_append(char *buf, size_t len, const char *text)
{
    if (!len)
        return;
    size_t used = 0;
    while (used + 1 < len && buf[used])
        used++;
    while (*text && used + 1 < len)
        buf[used++] = *text++;
    buf[used] = '\0';
}

void vs_text_append_hex(char *buf, size_t len, uint64_t value)
{
    char digits[19] = "0x";
    int shift = 60;
    while (shift > 0 && !((value >> shift) & 0xF))
        shift -= 4;
    size_t n = 2;
    for (; shift >= 0; shift -= 4)
        digits[n++] = "0123456789ABCDEF"[(value >> shift) & 0xF];
    digits[n] = '\0';
    vs_text_append(buf, len, digits);
}

/* ASCII letters folded to lower case. */
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

bool vs_text_equal_nocase(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lower(a[i]) != lower(b[i]))
            return false;
        if (!a[i])
            return true;
    }
    return true;
}
