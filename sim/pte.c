/*
 * pte.c - decoding PTEs for readers: which state an entry is in and what protection it carries.
 *
 * The encoding itself (MMPTE_HARDWARE and MMPTE_SOFTWARE, x64 layout of WRK mm/amd64/miamd.h) is in
 * internal.h so the model's writers share it. Bit 0 is Valid; in an invalid (software) PTE bits 5-9
 * hold the MM protection, bit 10 Prototype and bit 11 Transition; a valid entry holds a frame
 * number in bits 12-47. The model uses these states so far:
 *   zero          all bits clear: the VAD decides (reserved, or committed if MemCommit)
 *   demand zero   protection only: committed, no page yet
 *   decommitted   protection MM_DECOMMIT (0x10): not committed, whatever the VAD says
 *   valid         hardware-valid: the frame of a resident page (Write set if it may be stored
 *                 to; its protection is in the PFN's OriginalPte), or above the leaf the next table
 *   transition    Transition bit, protection and frame: the frame still holds the page, on the
 *                 standby or modified list (trimmed, or made no-access or guard); a touch is a
 *                 soft fault
 *   page file     protection and PageFileHigh (bits 32-63): the page is only in that page-file
 *                 slot; a touch is a hard fault
 * A valid entry also carries Accessed (bit 5) and Dirty (bit 6), which the "processor" sets.
 */
#include "internal.h"

VsPteState vs_pte_state(uint64_t entry)
{
    if (entry == 0)
        return VS_PTE_STATE_ZERO;
    if (vs_pte_is_valid(entry))
        return VS_PTE_STATE_VALID;
    if (vs_pte_is_transition(entry))
        return VS_PTE_STATE_TRANSITION;
    if (entry == VS_PTE_DECOMMITTED)
        return VS_PTE_STATE_DECOMMITTED;
    if (vs_pte_is_proto(entry))
        return VS_PTE_STATE_PROTOTYPE;
    if (vs_pte_is_pagefile(entry))
        return VS_PTE_STATE_PAGEFILE;
    return VS_PTE_STATE_DEMAND_ZERO;
}

uint64_t vs_pte_pagefile_slot_of(uint64_t entry)
{
    return vs_pte_is_pagefile(entry) ? vs_pte_pagefile_slot(entry) : 0;
}

bool vs_pte_accessed(uint64_t entry) { return vs_pte_is_valid(entry) && (entry & VS_PTE_ACCESSED); }

bool vs_pte_dirty(uint64_t entry) { return vs_pte_is_valid(entry) && (entry & VS_PTE_DIRTY); }

bool vs_pte_no_execute(uint64_t entry)
{
    return vs_pte_is_valid(entry) && (entry & VS_PTE_NO_EXECUTE);
}

uint32_t vs_pte_protection(uint64_t entry)
{
    if (vs_pte_is_valid(entry))
        return 0;
    return vs_mm_to_win32(vs_pte_mm_protection(entry));
}

uint64_t vs_pte_frame_number(uint64_t entry)
{
    return vs_pte_is_resident(entry) ? vs_pte_frame(entry) : 0;
}
