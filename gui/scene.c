/*
 * scene.c - reads the model into a scene: regions, VAD trees, frames, and what the step touched.
 *
 * Everything comes through the public API (VsNtQueryVirtualMemory for the walk, the VAD tree
 * readers, vs_pte_walk, vs_page_frame_info, vs_page_frame_mappings) and the runner's event
 * stream. The walk uses the NT call, not VirtualQuery, so that reading never sets a thread's last
 * error: the visualiser must leave the model exactly as the scenario left it.
 */
#include <string.h>

#include "scene.h"

#define MAX_LINKS 4096 /* shared-frame links drawn; more would be a smear */

const char *vv_kind_name(VvKind kind)
{
    static const char *const names[VV_KIND_COUNT] = {
        [VV_FREE] = "Free",
        [VV_UNUSABLE] = "Unusable",
        [VV_PRIVATE] = "Private Data",
        [VV_SHAREABLE] = "Shareable",
        [VV_MAPPED_FILE] = "Mapped File",
        [VV_IMAGE] = "Image",
        [VV_STACK] = "Stack",
        [VV_PLACEHOLDER] = "Placeholder",
        [VV_SYSTEM] = "KUSER_SHARED_DATA",
    };
    return kind < VV_KIND_COUNT ? names[kind] : "?";
}

/* ---- What the step touched ------------------------------------------------------------------ */

typedef struct Touch {
    uint32_t pid;
    uint64_t start_vpn, end_vpn;
    bool vad; /* the event changed the VAD tree's shape or a VAD */
} Touch;

static bool changes_vad(VsEventKind kind)
{
    switch (kind) {
    case VS_EV_VAD_INSERTED:
    case VS_EV_VAD_TRIMMED:
    case VS_EV_VAD_SPLIT:
    case VS_EV_VIEW_MAPPED:
    case VS_EV_PLACEHOLDER_RESERVED:
    case VS_EV_PLACEHOLDER_SPLIT:
    case VS_EV_PLACEHOLDERS_COALESCED:
    case VS_EV_PLACEHOLDER_REPLACED:
    case VS_EV_PLACEHOLDER_RESTORED: return true;
    default: return false;
    }
}

/* The ranges of user pages the step's events name (frame and section events name other things). */
static GArray *step_touches(const VsRunner *runner)
{
    GArray *touches = g_array_new(FALSE, FALSE, sizeof(Touch));
    size_t count;
    const VsEvent *events = vs_runner_step_events(runner, &count);
    for (size_t i = 0; i < count; i++) {
        const VsEvent *e = &events[i];
        if (!e->pid || e->kind == VS_EV_TABLE_CREATED || e->kind == VS_EV_TABLE_FREED ||
            e->kind == VS_EV_PAGE_WRITTEN || e->kind == VS_EV_PAGE_REPURPOSED ||
            e->kind == VS_EV_WORKING_SET_AGED || e->kind == VS_EV_PAGES_ZEROED)
            continue;
        Touch t = {e->pid, e->vpn_start, e->vpn_end, changes_vad(e->kind)};
        /* A split or a trim names the pages that went; the VADs it left are the old VAD's. */
        if (e->kind == VS_EV_VAD_SPLIT || e->kind == VS_EV_VAD_TRIMMED ||
            e->kind == VS_EV_PLACEHOLDER_SPLIT)
            t.start_vpn = MIN(e->old_start, e->vpn_start), t.end_vpn = MAX(e->old_end, e->vpn_end);
        g_array_append_val(touches, t);
    }
    return touches;
}

/* One process's touched ranges, sorted by start, with the largest end so far at each: whether a
 * range overlaps any of them is then a binary search (a step of 100 000 calls touches as many). */
typedef struct TouchIndex {
    GArray *starts, *max_ends; /* uint64_t each */
} TouchIndex;

static gint by_start(gconstpointer a, gconstpointer b)
{
    uint64_t x = ((const Touch *)a)->start_vpn, y = ((const Touch *)b)->start_vpn;
    return x < y ? -1 : x > y;
}

static TouchIndex index_touches(const GArray *touches, uint32_t pid, bool vad_only)
{
    TouchIndex index = {g_array_new(FALSE, FALSE, sizeof(uint64_t)),
                        g_array_new(FALSE, FALSE, sizeof(uint64_t))};
    GArray *mine = g_array_new(FALSE, FALSE, sizeof(Touch));
    for (guint i = 0; i < touches->len; i++) {
        const Touch *t = &g_array_index(touches, Touch, i);
        if (t->pid == pid && (t->vad || !vad_only))
            g_array_append_val(mine, *t);
    }
    g_array_sort(mine, by_start);
    uint64_t max_end = 0;
    for (guint i = 0; i < mine->len; i++) {
        const Touch *t = &g_array_index(mine, Touch, i);
        max_end = MAX(max_end, t->end_vpn);
        g_array_append_val(index.starts, t->start_vpn);
        g_array_append_val(index.max_ends, max_end);
    }
    g_array_free(mine, TRUE);
    return index;
}

static void free_touch_index(TouchIndex *index)
{
    g_array_free(index->starts, TRUE);
    g_array_free(index->max_ends, TRUE);
}

static bool touched(const TouchIndex *index, uint64_t start_vpn, uint64_t end_vpn)
{
    guint lo = 0, hi = index->starts->len; /* first start past end_vpn */
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (g_array_index(index->starts, uint64_t, mid) <= end_vpn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && g_array_index(index->max_ends, uint64_t, lo - 1) >= start_vpn;
}

/* ---- Regions and VADs ---------------------------------------------------------------------- */

static VvKind vad_kind(const VsSystem *system, const VsVadInfo *info)
{
    switch (info->kind) {
    case VS_VAD_SHARED_USER_DATA: return VV_SYSTEM;
    case VS_VAD_PLACEHOLDER: return VV_PLACEHOLDER;
    case VS_VAD_MAPPED: {
        const VsSection *section = vs_section_lookup(system, info->section);
        return section && vs_section_file_name(section) ? VV_MAPPED_FILE : VV_SHAREABLE;
    }
    default: return VV_PRIVATE;
    }
}

/* The VAD tree in order, each node with its depth, parent and in-order index. */
static GArray *read_vads(const VsSystem *system, const VsProcess *process,
                         const TouchIndex *touches, uint32_t *depth)
{
    GArray *vads = g_array_new(FALSE, FALSE, sizeof(VvVadNode));
    GHashTable *index_of = g_hash_table_new(g_direct_hash, g_direct_equal);
    *depth = 0;
    for (const VsVad *vad = vs_vad_first(process); vad; vad = vs_vad_next(vad)) {
        VsVadInfo info;
        vs_vad_info(vad, &info);
        VvVadNode node = {.start_vpn = info.starting_vpn,
                          .end_vpn = info.ending_vpn,
                          .kind = vad_kind(system, &info),
                          .balance = info.balance,
                          .depth = info.level,
                          .order = vads->len,
                          .parent = -1,
                          .section = info.section,
                          .touched = touched(touches, info.starting_vpn, info.ending_vpn)};
        g_hash_table_insert(index_of, (gpointer)vad, GUINT_TO_POINTER(vads->len + 1));
        g_array_append_val(vads, node);
        *depth = MAX(*depth, info.level + 1);
    }
    /* Parents: a node's parent is the VAD whose left or right child it is. */
    guint i = 0;
    for (const VsVad *vad = vs_vad_first(process); vad; vad = vs_vad_next(vad), i++) {
        const VsVad *children[2] = {vs_vad_left(vad), vs_vad_right(vad)};
        for (int c = 0; c < 2; c++) {
            guint child = GPOINTER_TO_UINT(g_hash_table_lookup(index_of, children[c]));
            if (children[c] && child)
                g_array_index(vads, VvVadNode, child - 1).parent = (int32_t)i;
        }
    }
    g_hash_table_destroy(index_of);
    return vads;
}

/* The VAD holding vpn, from the in-order array (binary search), or NULL. */
static const VvVadNode *vad_at(const GArray *vads, uint64_t vpn)
{
    guint lo = 0, hi = vads->len;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        const VvVadNode *n = &g_array_index(vads, VvVadNode, mid);
        if (vpn < n->start_vpn)
            hi = mid;
        else if (vpn > n->end_vpn)
            lo = mid + 1;
        else
            return n;
    }
    return NULL;
}

static void add_region(GArray *regions, const VsMemoryBasicInformation *m, VvKind kind)
{
    VvRegion r = {.start = m->BaseAddress,
                  .end = m->BaseAddress + m->RegionSize,
                  .alloc_base = m->AllocationBase,
                  .state = m->State,
                  .protect = m->Protect,
                  .type = m->Type,
                  .alloc_protect = m->AllocationProtect,
                  .kind = kind,
                  .guard = (m->Protect & PAGE_GUARD) != 0,
                  /* A copy-on-write view's written pages become read-write copies of their own. */
                  .copied = m->Type == MEM_MAPPED &&
                            (m->AllocationProtect & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY)) &&
                            (m->Protect & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE))};
    g_array_append_val(regions, r);
}

/*
 * The walk VMMap takes: VirtualQuery from 0 to the top of user space. A free region that starts
 * inside a 64 KB granule is split: its part up to the next granule boundary is unusable (no
 * allocation can start there), as VMMap shows it.
 */
static GArray *read_regions(VsProcess *process, const GArray *vads, uint64_t top)
{
    GArray *regions = g_array_new(FALSE, FALSE, sizeof(VvRegion));
    VsThread *thread = vs_process_main_thread(process);
    uint64_t address = 0;
    while (address <= top) {
        VsMemoryBasicInformation m;
        if (!NT_SUCCESS(VsNtQueryVirtualMemory(thread, VS_CURRENT_PROCESS, address,
                                               MemoryBasicInformation, &m, sizeof m, NULL)) ||
            m.RegionSize == 0)
            break;
        if (m.State == MEM_FREE) {
            uint64_t boundary = (m.BaseAddress + VS_GRANULARITY - 1) & ~(VS_GRANULARITY - 1);
            if (boundary > m.BaseAddress && boundary < m.BaseAddress + m.RegionSize) {
                VsMemoryBasicInformation tail = m;
                tail.RegionSize = boundary - m.BaseAddress;
                add_region(regions, &tail, VV_UNUSABLE);
                m.BaseAddress = boundary;
                m.RegionSize -= tail.RegionSize;
            }
            add_region(regions, &m, m.BaseAddress % VS_GRANULARITY ? VV_UNUSABLE : VV_FREE);
        } else {
            const VvVadNode *vad = vad_at(vads, m.BaseAddress >> VS_PAGE_SHIFT);
            add_region(regions, &m, vad ? vad->kind : VV_PRIVATE);
        }
        address = m.BaseAddress + m.RegionSize;
        if (address == 0)
            break; /* wrapped: the walk reached the top */
    }
    return regions;
}

/* The VADs the step deleted in process pid (they are gone from the tree: the panel names them). */
static GArray *removed_vads(const VsRunner *runner, uint32_t pid)
{
    GArray *removed = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    size_t count;
    const VsEvent *events = vs_runner_step_events(runner, &count);
    for (size_t i = 0; i < count; i++)
        if (events[i].kind == VS_EV_VAD_REMOVED && events[i].pid == pid) {
            g_array_append_val(removed, events[i].vpn_start);
            g_array_append_val(removed, events[i].vpn_end);
        }
    return removed;
}

static VvProcessScene *read_process(const VsRunner *runner, const VsSystem *system,
                                    VsProcess *process, const GArray *touches, uint64_t top)
{
    VvProcessScene *p = g_new0(VvProcessScene, 1);
    g_strlcpy(p->name, vs_process_name(process), sizeof p->name);
    p->pid = vs_process_id(process);
    TouchIndex vad_touches = index_touches(touches, p->pid, true);
    TouchIndex any_touches = index_touches(touches, p->pid, false);
    p->vads = read_vads(system, process, &vad_touches, &p->tree_depth);
    p->regions = read_regions(process, p->vads, top);
    for (guint i = 0; i < p->regions->len; i++) {
        VvRegion *r = &g_array_index(p->regions, VvRegion, i);
        r->touched = r->state != MEM_FREE && touched(&any_touches, r->start >> VS_PAGE_SHIFT,
                                                     (r->end - 1) >> VS_PAGE_SHIFT);
    }
    free_touch_index(&vad_touches);
    free_touch_index(&any_touches);
    p->removed = removed_vads(runner, p->pid);
    VsWorkingSetInfo ws;
    vs_process_working_set(process, &ws);
    p->ws_size = ws.size, p->ws_min = ws.minimum, p->ws_max = ws.maximum;
    VsProcessCounters counters;
    vs_process_counters(process, &counters);
    p->commit_charge = counters.commit_charge;
    return p;
}

static void free_process(gpointer data)
{
    VvProcessScene *p = data;
    g_array_free(p->regions, TRUE);
    g_array_free(p->vads, TRUE);
    g_array_free(p->removed, TRUE);
    g_free(p);
}

/* ---- Frames and the links between processes ------------------------------------------------- */

static uint32_t process_index(const VsSystem *system, const VsProcess *process)
{
    for (size_t i = 0; i < vs_system_process_count(system); i++)
        if (vs_system_process((VsSystem *)system, i) == process)
            return (uint32_t)i;
    return 0;
}

static void read_frames(VvScene *scene, const VsSystem *system)
{
    scene->frames = g_array_sized_new(FALSE, TRUE, sizeof(VvFrame), scene->memory.total_pages);
    scene->links = g_array_new(FALSE, FALSE, sizeof(VvShareLink));
    VsFrameMapping maps[8];
    for (uint64_t f = 0; f < scene->memory.total_pages; f++) {
        VsFrameInfo info;
        vs_page_frame_info(system, f, &info);
        VvFrame frame = {.location = (uint8_t)info.location,
                         .shared = info.section != 0,
                         .table = info.page_table};
        g_array_append_val(scene->frames, frame);
        if (!frame.shared || info.location != VS_PAGE_ACTIVE || scene->links->len >= MAX_LINKS)
            continue;
        size_t n = vs_page_frame_mappings(system, f, maps, G_N_ELEMENTS(maps));
        for (size_t i = 1; i < MIN(n, G_N_ELEMENTS(maps)); i++) {
            VvShareLink link = {process_index(system, maps[0].process),
                                process_index(system, maps[i].process), maps[0].address,
                                maps[i].address};
            g_array_append_val(scene->links, link);
        }
    }
}

VvScene *vv_scene_build(const VsRunner *runner, const char *narration)
{
    VvScene *scene = g_new0(VvScene, 1);
    scene->title = g_strdup(vs_runner_title(runner));
    scene->step = vs_runner_step(runner);
    scene->steps = vs_runner_step_count(runner);
    scene->step_title = g_strdup(vs_runner_step_title(runner, scene->step));
    scene->narration = g_strdup(narration ? narration : "");
    scene->processes = g_ptr_array_new_with_free_func(free_process);
    VsSystem *system = vs_runner_system(runner);
    if (!system) {
        scene->frames = g_array_new(FALSE, TRUE, sizeof(VvFrame));
        scene->links = g_array_new(FALSE, FALSE, sizeof(VvShareLink));
        return scene;
    }
    scene->highest_address = vs_system_layout(system)->highest_user_address;
    GArray *touches = step_touches(runner);
    const char *current = vs_runner_process_name(runner);
    for (size_t i = 0; i < vs_system_process_count(system); i++) {
        VsProcess *process = vs_system_process(system, i);
        g_ptr_array_add(scene->processes,
                        read_process(runner, system, process, touches, scene->highest_address));
        if (current && strcmp(vs_process_name(process), current) == 0)
            scene->current = (uint32_t)i;
    }
    g_array_free(touches, TRUE);
    vs_memory_counters(system, &scene->memory);
    read_frames(scene, system);
    return scene;
}

void vv_scene_free(VvScene *scene)
{
    if (!scene)
        return;
    g_free(scene->title);
    g_free(scene->step_title);
    g_free(scene->narration);
    g_ptr_array_free(scene->processes, TRUE);
    g_array_free(scene->frames, TRUE);
    g_array_free(scene->links, TRUE);
    g_free(scene);
}

/* ---- Pages --------------------------------------------------------------------------------- */

/* One page's state from its leaf PTE; a zero PTE (or no table) takes the region's state. */
static VvPageState page_state(const VsSystem *system, const VsPteWalk *walk, uint32_t state,
                              uint32_t type, uint64_t *frame)
{
    const VsPteLevel *leaf = &walk->level[walk->levels - 1];
    uint64_t pte = leaf->present ? leaf->entry : 0;
    *frame = 0;
    switch (vs_pte_state(pte)) {
    case VS_PTE_STATE_VALID: {
        VsFrameInfo info;
        *frame = vs_pte_frame_number(pte);
        vs_page_frame_info(system, *frame, &info);
        if (info.section)
            return VV_PAGE_VALID_SHARED;
        return type == MEM_MAPPED ? VV_PAGE_COPY : VV_PAGE_VALID;
    }
    case VS_PTE_STATE_TRANSITION: *frame = vs_pte_frame_number(pte); return VV_PAGE_TRANSITION;
    case VS_PTE_STATE_PAGEFILE: return VV_PAGE_PAGEFILE;
    case VS_PTE_STATE_PROTOTYPE: return VV_PAGE_PROTOTYPE;
    case VS_PTE_STATE_DECOMMITTED: return VV_PAGE_RESERVED;
    case VS_PTE_STATE_DEMAND_ZERO:
        return (vs_pte_protection(pte) & PAGE_GUARD) ? VV_PAGE_GUARD : VV_PAGE_DEMAND_ZERO;
    default: return state == MEM_COMMIT ? VV_PAGE_DEMAND_ZERO : VV_PAGE_RESERVED;
    }
}

GArray *vv_scene_pages(const VsRunner *runner, uint32_t process_index, uint64_t start, uint64_t end,
                       size_t max)
{
    GArray *pages = g_array_new(FALSE, FALSE, sizeof(VvPage));
    VsSystem *system = vs_runner_system(runner);
    if (!system || process_index >= vs_system_process_count(system))
        return pages;
    VsProcess *process = vs_system_process(system, process_index);
    VsThread *thread = vs_process_main_thread(process);
    for (uint64_t a = start; a < end && pages->len < max; a += VS_PAGE_SIZE) {
        VsMemoryBasicInformation m = {0};
        VsNtQueryVirtualMemory(thread, VS_CURRENT_PROCESS, a, MemoryBasicInformation, &m, sizeof m,
                               NULL);
        VsPteWalk walk;
        vs_pte_walk(process, a, &walk);
        VvPage page = {.address = a};
        page.state = (m.Protect & PAGE_GUARD)
                         ? VV_PAGE_GUARD
                         : page_state(system, &walk, m.State, m.Type, &page.frame);
        g_array_append_val(pages, page);
    }
    return pages;
}
