/*
 * protect.c - page protections: the Win32 PAGE_* values callers pass, and the 5-bit MM protection
 * codes the kernel stores in VADs and PTEs.
 *
 * Models MiMakeProtectionMask and MmProtectToValue (WRK mm/mi.h, mm/protect.c) and their inverse
 * MI_CONVERT_FROM_PTE_PROTECTION. The rules: exactly one base protection (one bit of the low
 * nibble, or one bit of the execute nibble, never both); at most one of PAGE_GUARD, PAGE_NOCACHE,
 * PAGE_WRITECOMBINE; no modifier on PAGE_NOACCESS; nothing above PAGE_WRITECOMBINE. Also what a
 * page's protection takes from its VAD (the caching attribute, vs_vad_page_protection).
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

/*
 * The protection a page of vad takes when a caller asks for mm, committing or re-protecting it:
 * its caching is the VAD's, not the caller's. Recent Windows keeps PAGE_NOCACHE as an attribute of
 * the allocation: given when the memory was allocated it stays on every page whatever protection
 * is asked later, and a caller's own PAGE_NOCACHE is dropped. Wine's kernel32 test_VirtualAlloc
 * (L479-546, "PAGE_NOCACHE cannot be set per page in recent Windows") asserts both: re-protecting
 * a page of a PAGE_READWRITE|PAGE_NOCACHE allocation PAGE_READWRITE leaves it PAGE_READWRITE|
 * PAGE_NOCACHE (the region not split), PAGE_READONLY makes it PAGE_READONLY|PAGE_NOCACHE, and
 * PAGE_READONLY|PAGE_NOCACHE on a plain allocation gives PAGE_READONLY. A view's caching is its
 * section's (SEC_NOCACHE, SEC_WRITECOMBINE): test_MapViewOfFile (L1015-1027) commits PAGE_READONLY
 * in a view of a SEC_NOCACHE section and reads PAGE_READONLY|PAGE_NOCACHE. A no-access or guard
 * page goes without it (MiMakeProtectionMask has no code for either with a caching attribute),
 * and takes it again when a touch takes its guard away (fault.c).
 * Private memory keeps PAGE_WRITECOMBINE per page, as no test says otherwise.
 */
uint32_t vs_vad_page_protection(const VsVad *vad, uint32_t mm)
{
    uint32_t modifier = mm & MM_NOACCESS, base = mm & 7;
    bool view = vs_vad_is_view(vad);
    if (base && (modifier == MM_NOCACHE || (view && modifier == MM_WRITECOMBINE)))
        mm = base; /* the caller's caching attribute is not the page's to choose */
    uint32_t caching = (vad->protection & 7) ? vad->protection & MM_NOACCESS : 0;
    if (caching != MM_NOCACHE && !(view && caching == MM_WRITECOMBINE))
        return mm;
    return (mm & MM_NOACCESS) == 0 && (mm & 7) != 0 ? mm | caching : mm;
}
