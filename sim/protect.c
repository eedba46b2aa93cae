/*
 * protect.c - page protections: the Win32 PAGE_* values callers pass, and the 5-bit MM protection
 * codes the kernel stores in VADs and PTEs.
 *
 * Models MiMakeProtectionMask and MmProtectToValue (WRK mm/mi.h, mm/protect.c) and their inverse
 * MI_CONVERT_FROM_PTE_PROTECTION. The rules: exactly one base protection (one bit of the low
 * nibble, or one bit of the execute nibble, never both); at most one of PAGE_GUARD, PAGE_NOCACHE,
 * PAGE_WRITECOMBINE; no modifier on PAGE_NOACCESS; nothing above PAGE_WRITECOMBINE.
 */
#include "internal.h"

#define NO_CODE 0xFFu

/* MmProtectToValue, split by nibble: index is the single bit set in that nibble. */
static const uint8_t data_nibble_to_mm[16] = {
    NO_CODE,      MM_NOACCESS, MM_READONLY, NO_CODE, MM_READWRITE, NO_CODE, NO_CODE, NO_CODE,
    MM_WRITECOPY, NO_CODE,     NO_CODE,     NO_CODE, NO_CODE,      NO_CODE, NO_CODE, NO_CODE,
};
static const uint8_t execute_nibble_to_mm[16] = {
    NO_CODE,
    MM_EXECUTE,
    MM_EXECUTE_READ,
    NO_CODE,
    MM_EXECUTE_READWRITE,
    NO_CODE,
    NO_CODE,
    NO_CODE,
    MM_EXECUTE_WRITECOPY,
    NO_CODE,
    NO_CODE,
    NO_CODE,
    NO_CODE,
    NO_CODE,
    NO_CODE,
    NO_CODE,
};

/* The Win32 base protection of each MM base code (MM_ZERO_ACCESS has none). */
static const uint32_t mm_base_to_win32[8] = {
    0,
    PAGE_READONLY,
    PAGE_EXECUTE,
    PAGE_EXECUTE_READ,
    PAGE_READWRITE,
    PAGE_WRITECOPY,
    PAGE_EXECUTE_READWRITE,
    PAGE_EXECUTE_WRITECOPY,
};

/* Converts PAGE_* to an MM protection code, or MM_INVALID_PROTECTION (models
 * MiMakeProtectionMask). */
uint32_t vs_mm_from_win32(uint32_t protect)
{
    if (protect >= PAGE_WRITECOMBINE * 2)
        return MM_INVALID_PROTECTION;
    uint32_t data = protect & 0xF, execute = (protect >> 4) & 0xF;
    if (data && execute)
        return MM_INVALID_PROTECTION;
    uint32_t code = data ? data_nibble_to_mm[data] : execute_nibble_to_mm[execute];
    if (code == NO_CODE)
        return MM_INVALID_PROTECTION;

    switch (protect & (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)) {
    case 0: return code;
    case PAGE_GUARD: return code == MM_NOACCESS ? MM_INVALID_PROTECTION : code | MM_GUARD_PAGE;
    case PAGE_NOCACHE: return code == MM_NOACCESS ? MM_INVALID_PROTECTION : code | MM_NOCACHE;
    case PAGE_WRITECOMBINE:
        return code == MM_NOACCESS ? MM_INVALID_PROTECTION : code | MM_WRITECOMBINE;
    default: /* two modifiers at once */ return MM_INVALID_PROTECTION;
    }
}

/* Converts an MM protection code back to PAGE_*; 0 for codes that are not a protection (the
 * decommitted marker). */
uint32_t vs_mm_to_win32(uint32_t mm)
{
    uint32_t base = mm & 7, modifier = mm & MM_NOACCESS;
    if (modifier == MM_NOACCESS)
        return base ? mm_base_to_win32[base] | PAGE_WRITECOMBINE : PAGE_NOACCESS;
    if (!base)
        return 0;
    if (modifier == MM_GUARD_PAGE)
        return mm_base_to_win32[base] | PAGE_GUARD;
    if (modifier == MM_NOCACHE)
        return mm_base_to_win32[base] | PAGE_NOCACHE;
    return mm_base_to_win32[base];
}
