/*
 * pool.c - fixed-size object pools: VADs are carved from large chunks, as Windows carves them from
 * pool pages, so each costs exactly its own size (64 bytes) rather than its size plus a host
 * allocator header.
 *
 * Freed objects go on a free list threaded through their first word. In debug builds a freed object
 * is filled with 0x6b (xv6 and Linux slab's POISON_FREE) so a use after free shows; under
 * AddressSanitizer it is also poisoned, so the use faults at once.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POOL_POISON(p, n) ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/*
 * Objects start on a cache-line boundary, so a 64-byte VAD is one line: a tree descent then costs
 * one cache miss per level, not two (an unaligned node straddles two lines).
 */
#define POOL_ALIGNMENT 64

struct VsPoolChunk {
    VsPoolChunk *next;
    _Alignas(POOL_ALIGNMENT) unsigned char objects[];
};

void vs_pool_init(VsPool *pool, size_t object_size, size_t objects_per_chunk)
{
    *pool = (VsPool){.object_size = object_size, .objects_per_chunk = objects_per_chunk};
}

/* Adds a chunk and threads its objects onto the free list. */
static bool pool_grow(VsPool *pool)
{
    size_t bytes = sizeof(VsPoolChunk) + pool->object_size * pool->objects_per_chunk;
    bytes = (bytes + POOL_ALIGNMENT - 1) & ~(size_t)(POOL_ALIGNMENT - 1); /* aligned_alloc's rule */
    VsPoolChunk *chunk = aligned_alloc(POOL_ALIGNMENT, bytes);
    if (!chunk)
        return false;
    chunk->next = pool->chunks;
    pool->chunks = chunk;
    pool->chunk_bytes += bytes;
    for (size_t i = pool->objects_per_chunk; i-- > 0;) {
        void *object = chunk->objects + i * pool->object_size;
        *(void **)object = pool->free_list;
        pool->free_list = object;
        POOL_POISON(object, pool->object_size);
    }
    return true;
}

void *vs_pool_alloc(VsPool *pool)
{
    if (!pool->free_list && !pool_grow(pool))
        return NULL;
    void *object = pool->free_list;
    POOL_UNPOISON(object, pool->object_size);
    pool->free_list = *(void **)object;
    memset(object, 0, pool->object_size);
    pool->live++;
    return object;
}

void vs_pool_free(VsPool *pool, void *object)
{
    if (!object)
        return;
#ifndef NDEBUG
    memset(object, 0x6b, pool->object_size);
#endif
    *(void **)object = pool->free_list;
    pool->free_list = object;
    POOL_POISON(object, pool->object_size);
    pool->live--;
}

void vs_pool_fini(VsPool *pool)
{
    VsPoolChunk *chunk = pool->chunks;
    while (chunk) {
        VsPoolChunk *next = chunk->next;
        POOL_UNPOISON(chunk->objects, pool->object_size * pool->objects_per_chunk);
        free(chunk);
        chunk = next;
    }
    *pool = (VsPool){0};
}
