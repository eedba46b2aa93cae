/*
 * pagefile.c - the page file: slots on "disk" that hold pages written out of memory.
 *
 * Models MMPAGING_FILE (WRK mm/mi.h) and its allocation bitmap (MiAllocatePagingFileSpace,
 * MiReleasePageFileSpace in mm/modwrite.c and mm/pfndec.c). A slot number is what a page-file PTE
 * carries in PageFileHigh; slot 0 is never handed out, so a PTE with PageFileHigh 0 has no copy
 * (Windows reserves offset 0 of each paging file the same way). The model has one paging file
 * (PageFileLow is always 0).
 *
 * A slot's bytes are host memory only when the page written there was not all zeros, found by slot
 * in a sparse array (sparse.c), so a page file of 64 GB with a few pages written costs those pages
 * and its bitmap (a bit per slot, as MMPAGING_FILE's), not a pointer per slot.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool vs_pagefile_init(VsPageFile *file, uint64_t pages)
{
    *file = (VsPageFile){.slots = pages + 1, .hint = 1};
    uint64_t words = (file->slots + 63) / 64;
    vs_sparse_init(&file->data, 0);
    file->bitmap = calloc(words, sizeof *file->bitmap);
    if (!file->bitmap) {
        vs_pagefile_fini(file);
        return false;
    }
    file->bitmap[0] |= 1; /* slot 0: never used */
    return true;
}

/* The bytes a slot holds, or NULL for a page of zeros (or a free slot). */
static unsigned char *slot_bytes(const VsPageFile *file, uint64_t slot)
{
    return (unsigned char *)(uintptr_t)vs_sparse_get(&file->data, slot);
}

void vs_pagefile_fini(VsPageFile *file)
{
    /* Only slots written with something other than zeros hold bytes. */
    for (uint64_t slot = vs_sparse_next(&file->data, 0, file->slots); slot < file->slots;
         slot = vs_sparse_next(&file->data, slot + 1, file->slots))
        free(slot_bytes(file, slot));
    vs_sparse_fini(&file->data);
    free(file->bitmap);
    *file = (VsPageFile){0};
}

/* Host bytes the page file holds: its bitmap, the pages written to it and the array finding
 * them. */
uint64_t vs_pagefile_bytes(const VsPageFile *file)
{
    return (file->slots + 63) / 64 * sizeof *file->bitmap + file->data_pages * VS_PAGE_SIZE +
           vs_sparse_bytes(&file->data);
}

bool vs_pagefile_in_use(const VsPageFile *file, uint64_t slot)
{
    return slot < file->slots && (file->bitmap[slot / 64] >> (slot % 64) & 1);
}

/* The first free slot at or after the hint, wrapping once; 0 when the file is full. Full words
 * of the bitmap are passed 64 slots at a time. */
static uint64_t find_free(const VsPageFile *file)
{
    for (uint64_t n = 0, s = file->hint; n < file->slots;) {
        if (s % 64 == 0 && s + 64 <= file->slots && file->bitmap[s / 64] == ~0ull) {
            n += 64;
            s = s + 64 < file->slots ? s + 64 : 1;
            continue;
        }
        if (!vs_pagefile_in_use(file, s))
            return s;
        n++;
        s = s + 1 < file->slots ? s + 1 : 1;
    }
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
        unsigned char *copy = malloc(VS_PAGE_SIZE);
        if (!copy || !vs_sparse_set(&file->data, slot, (uint64_t)(uintptr_t)copy)) {
            free(copy);
            return 0;
        }
        memcpy(copy, page, VS_PAGE_SIZE);
        file->data_pages++;
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
    const unsigned char *bytes = slot_bytes(file, slot);
    return vs_pfn_fill(db, frame, bytes, bytes ? VS_PAGE_SIZE : 0);
}

void vs_pagefile_free(VsPageFile *file, uint64_t slot)
{
    if (!vs_pagefile_in_use(file, slot) || slot == 0)
        return;
    file->bitmap[slot / 64] &= ~(1ull << (slot % 64));
    unsigned char *bytes = slot_bytes(file, slot);
    if (bytes) {
        vs_sparse_set(&file->data, slot, 0);
        free(bytes);
        file->data_pages--;
    }
    file->used--;
}
