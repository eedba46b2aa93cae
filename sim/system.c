/*
 * system.c - the simulated machine: its architecture's fixed layout and everything it owns.
 *
 * A VsSystem holds the processes, the pool VADs come from and the store of page-table pages; all of
 * the model's state is reachable from it, and destroying it frees everything. The layouts restate
 * WRK's MM_LOWEST_USER_ADDRESS, MM_HIGHEST_USER_ADDRESS and MM_HIGHEST_VAD_ADDRESS (mm/mi.h,
 * inc/amd64.h) with the 128 TB x64 user space of Windows 8.1 and later, and MM_SHARED_USER_DATA_VA.
 */
#include <stdlib.h>

#include "internal.h"

#define VADS_PER_CHUNK 4096
#define DEFAULT_RAM_BYTES (256ull << 20) /* page frames a system has unless configured */
#define MAX_RAM_BYTES (16ull << 40)      /* 32-bit frame links: 16 TB */

static const VsLayout layouts[] = {
    {.arch = VS_ARCH_X64,
     .name = "x64",
     .lowest_user_address = 0x10000,
     .highest_user_address = 0x7FFFFFFEFFFFull,
     .highest_vad_address = 0x7FFFFFFDFFFFull,
     .shared_user_data = 0x7FFE0000,
     .paging_levels = 4,
     .level_bits = 9,
     .pte_size = 8,
     .allocation_granularity = VS_GRANULARITY,
     .mbi_size = 48},
    {.arch = VS_ARCH_X86,
     .name = "x86",
     .lowest_user_address = 0x10000,
     .highest_user_address = 0x7FFEFFFF,
     .highest_vad_address = 0x7FFDFFFF,
     .shared_user_data = 0x7FFE0000,
     .paging_levels = 2,
     .level_bits = 10,
     .pte_size = 4,
     .allocation_granularity = VS_GRANULARITY,
     .mbi_size = 28},
    {.arch = VS_ARCH_X86_3GB,
     .name = "x86-3gb",
     .lowest_user_address = 0x10000,
     .highest_user_address = 0xBFFEFFFF,
     .highest_vad_address = 0xBFFDFFFF,
     .shared_user_data = 0x7FFE0000,
     .paging_levels = 2,
     .level_bits = 10,
     .pte_size = 4,
     .allocation_granularity = VS_GRANULARITY,
     .mbi_size = 28},
};

const VsLayout *vs_layout_of(VsArch arch)
{
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        if (layouts[i].arch == arch)
            return &layouts[i];
    return NULL;
}

VsSystem *vs_system_create(const VsSystemConfig *config)
{
    const VsPersonality *personality = config->personality;
    const VsLayout *layout =
        personality ? personality->layout(config->arch) : vs_layout_of(config->arch);
    if (!layout)
        return NULL;
    VsSystem *system = calloc(1, VS_OBJECT_SIZE(personality, system, VsSystem));
    if (!system)
        return NULL;
    system->config = *config;
    system->layout = layout;
    system->personality = personality;
    system->processors = config->processors ? config->processors : 4;
    if (system->processors > 64)
        system->processors = 64;
    system->next_id = 4;
    vs_pool_init(&system->vad_pool, sizeof(VsVad), VADS_PER_CHUNK);
    vs_pool_init(&system->mapped_vad_pool,
                 vs_max(sizeof(VsMappedVad), personality ? personality->sizes.mapped_vad : 0),
                 VADS_PER_CHUNK / 8);
    vs_table_store_init(&system->tables, 1u << layout->level_bits);
    uint64_t ram = config->ram_bytes ? config->ram_bytes : DEFAULT_RAM_BYTES;
    uint64_t pagefile = config->pagefile_bytes ? config->pagefile_bytes : ram;
    if (ram > MAX_RAM_BYTES || pagefile > MAX_RAM_BYTES ||
        !vs_pfn_init(&system->pfn, vs_vpn(ram)) ||
        !vs_pagefile_init(&system->pagefile, vs_vpn(pagefile))) {
        vs_pfn_fini(&system->pfn);
        vs_table_store_fini(&system->tables);
        vs_pool_fini(&system->vad_pool);
        vs_pool_fini(&system->mapped_vad_pool);
        free(system);
        return NULL;
    }
    system->commit_limit = system->pfn.count + (system->pagefile.slots - 1);
    return system;
}

void vs_system_destroy(VsSystem *system)
{
    if (!system)
        return;
    if (system->personality && system->personality->teardown)
        system->personality->teardown(system);
    vs_pipe_fini_all(system); /* first: its IRPs name threads and file objects */
    for (size_t i = 0; i < system->process_count; i++) {
        VsProcess *process = system->processes[i];
        for (size_t t = 0; t < process->thread_count; t++)
            free(process->threads[t]);
        free(process->threads);
        for (size_t h = 0; h < process->handle_count; h++) {
            if (process->handles[h].object && process->handles[h].type == VS_OBJECT_FILE)
                vs_file_object_close_handle(system, process->handles[h].object);
            if (process->handles[h].object && process->handles[h].type == VS_OBJECT_EVENT)
                vs_event_dereference(process->handles[h].object);
        }
        free(process->handles);
        free(process->modules);
        vs_ws_fini(&process->ws);
        vs_sparse_fini(&process->offered);
        vs_write_watch_fini(process);
        vs_heaps_fini(process);
        free(process);
    }
    free(system->processes);
    vs_section_fini_all(system);
    vs_file_fini_all(system);
    vs_pool_fini(&system->vad_pool);
    vs_pool_fini(&system->mapped_vad_pool);
    vs_table_store_fini(&system->tables);
    vs_pfn_fini(&system->pfn);
    vs_pagefile_fini(&system->pagefile);
    free(system);
}

const VsLayout *vs_system_layout(const VsSystem *system) { return system->layout; }

size_t vs_system_process_count(const VsSystem *system) { return system->process_count; }

VsProcess *vs_system_process(VsSystem *system, size_t index)
{
    return index < system->process_count ? system->processes[index] : NULL;
}

/* ---- The host memory the model holds --------------------------------------------------------- */

/* Host bytes of one process: its object, threads, handle table, working set and write-watch
 * bitmaps (its VADs and page tables are the system's pools and store). */
static uint64_t process_bytes(const VsProcess *process)
{
    const VsPersonality *personality = process->system->personality;
    const VsWorkingSet *ws = &process->ws;
    uint64_t thread = VS_OBJECT_SIZE(personality, thread, VsThread);
    uint64_t bytes = VS_OBJECT_SIZE(personality, process, VsProcess) +
                     process->thread_count * (thread + sizeof(void *)) +
                     process->handle_count * sizeof(VsHandleEntry) + ws->capacity * sizeof(VsWsle) +
                     ws->shared.buckets * (sizeof(uint64_t) + sizeof(uint32_t));
    for (size_t i = 0; i < process->watch_count; i++)
        bytes += sizeof(VsWriteWatch) + vs_write_watch_bytes(&process->watches[i]);
    return bytes;
}

/* Host bytes of the PFN database and of the frames that hold bytes (written at least once). */
static uint64_t frame_bytes(const VsPfnDatabase *db)
{
    uint64_t bytes = db->count * sizeof(VsPfn);
    for (uint64_t frame = 0; frame < db->never_used; frame++)
        bytes += db->frames[frame].data ? VS_PAGE_SIZE : 0;
    return bytes;
}

static uint64_t table_bytes(const VsSystem *system)
{
    const VsTableStore *store = &system->tables;
    uint64_t tables = store->spare_count;
    for (size_t i = 0; i < system->process_count; i++)
        tables += system->processes[i]->page_table_pages;
    return store->capacity * sizeof(VsPageTable *) +
           tables * (sizeof(VsPageTable) + store->entries_per_table * sizeof(uint64_t));
}

void vs_system_host_bytes(const VsSystem *system, VsHostBytes *out)
{
    *out = (VsHostBytes){.frames = frame_bytes(&system->pfn),
                         .page_tables = table_bytes(system),
                         .vads = system->vad_pool.chunk_bytes + system->mapped_vad_pool.chunk_bytes,
                         .pagefile = vs_pagefile_bytes(&system->pagefile)};
    out->sections = system->section_count * sizeof(VsSection *);
    for (size_t i = 0; i < system->section_count; i++)
        if (system->sections[i])
            out->sections += sizeof(VsSection) + vs_prototype_bytes(system->sections[i]);
    const VsPersonality *personality = system->personality;
    out->files = system->file_count * sizeof(VsFile *);
    for (size_t i = 0; i < system->file_count; i++)
        out->files += VS_OBJECT_SIZE(personality, file, VsFile) + vs_file_bytes(system->files[i]);
    out->processes = system->process_count * sizeof(VsProcess *);
    for (size_t i = 0; i < system->process_count; i++)
        out->processes += process_bytes(system->processes[i]);
    if (personality && personality->host_bytes)
        out->processes += personality->host_bytes(system);
    out->total = VS_OBJECT_SIZE(personality, system, VsSystem) + out->frames + out->page_tables +
                 out->vads + out->sections + out->files + out->pagefile + out->processes;
}
