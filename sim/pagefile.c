/*
 * pagefile.c - the page file: slots on "disk" that hold pages written out of memory.
 *
 * Models MMPAGING_FILE (WRK mm/mi.h) and its allocation bitmap (MiAllocatePagingFileSpace,
 * MiReleasePageFileSpace in mm/modwrite.c and mm/pfndec.c). A slot number is what a page-file PTE
 * carries in PageFileHigh; slot 0 is never handed out, so a PTE with PageFileHigh 0 has no copy
 * (Windows reserves offset 0 of each paging file the same way). The model has one paging file
 * (PageFileLow is always 0).
 *
 * A slot's bytes are host memory only when the page written there was not all zeros.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool vs_pagefile_init(VsPageFile *file, uint64_t pages)
{
    *file = (VsPageFile){.slots = pages + 1, .hint = 1};
    uint64_t words = (file->slots + 63) / 64;
    file->bitmap = calloc(words, sizeof *file->bitmap);
    file->data = calloc(file->slots, sizeof *file->data);
    if (!file->bitmap || !file->data) {
        vs_pagefile_fini(file);
        return false;
    }
    file->bitmap[0] |= 1; /* slot 0: never used */
    return true;
}

void vs_pagefile_fini(VsPageFile *file)
{
    /* Only slots in use hold bytes: walk the bitmap a word at a time, not every slot. */
    if (file->data && file->bitmap)
        for (uint64_t w = 0; w < (file->slots + 63) / 64; w++)
            for (uint64_t bits = file->bitmap[w]; bits; bits &= bits - 1)
                free(file->data[w * 64 + (uint64_t)__builtin_ctzll(bits)]);
    free(file->data);
    free(file->bitmap);
    *file = (VsPageFile){0};
}

bool vs_pagefile_in_use(const VsPageFile *file, uint64_t slot)
{
    return slot < file->slots && (file->bitmap[slot / 64] >> (slot % 64) & 1);
}

/* The first free slot at or after the hint, wrapping once; 0 when the file is full. */
static uint64_t find_free(const VsPageFile *file)
{
    for (uint64_t n = 0, s = file->hint; n < file->slots; n++, s = s + 1 < file->slots ? s + 1 : 1)
        if (!vs_pagefile_in_use(file, s))
            return s;
    return 0;
}

static bool all_zero(const unsigned char *page)
{
    for (uint64_t i = 0; i < VS_PAGE_SIZE; i++)
        if (page[i])
            return false;
    return true;
}

/* Writes a page (NULL: all zeros) to a free slot; returns the slot, or 0 when the file is full or
 * the host has no memory for the copy. */
uint64_t vs_pagefile_write(VsPageFile *file, const unsigned char *page)
{
    if (file->used + 1 >= file->slots)
        return 0;
    uint64_t slot = find_free(file);
    if (!slot)
        return 0;
    if (page && !all_zero(page)) {
        if (!(file->data[slot] = malloc(VS_PAGE_SIZE)))
            return 0;
        memcpy(file->data[slot], page, VS_PAGE_SIZE);
    }
    file->bitmap[slot / 64] |= 1ull << (slot % 64);
    file->used++;
    if (file->used > file->peak)
        file->peak = file->used;
    file->hint = slot + 1 < file->slots ? slot + 1 : 1;
    return slot;
}

/* Reads a slot into a frame (an in-page read for a hard fault). False if the host has no memory
 * for the frame's bytes. */
bool vs_pagefile_read(const VsPageFile *file, uint64_t slot, VsPfnDatabase *db, uint64_t frame)
{
    return vs_pfn_fill(db, frame, file->data[slot], VS_PAGE_SIZE);
}

void vs_pagefile_free(VsPageFile *file, uint64_t slot)
{
    if (!vs_pagefile_in_use(file, slot) || slot == 0)
        return;
    file->bitmap[slot / 64] &= ~(1ull << (slot % 64));
    free(file->data[slot]);
    file->data[slot] = NULL;
    file->used--;
}
