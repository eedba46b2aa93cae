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

static gint by_start(gconstpointer a, gconstpointer b)
{
    uint64_t x = ((const Touch *)a)->start_vpn, y = ((const Touch *)b)->start_vpn;
    return x < y ? -1 : x > y;
}

static bool sorted_by_start(const GArray *touches)
{
    for (guint i = 1; i < touches->len; i++)
        if (by_start(&g_array_index(touches, Touch, i - 1), &g_array_index(touches, Touch, i)) > 0)
            return false;
    return true;
}

/* The ranges of user pages the step's events name (frame and section events name other things),
 * sorted by start (a step's events mostly come in that order: a sort is rarely needed). */
static GArray *step_touches(const VsRunner *runner)
{
    size_t count;
    const VsEvent *events = vs_runner_step_events(runner, &count);
    GArray *touches = g_array_sized_new(FALSE, FALSE, sizeof(Touch), (guint)count);
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
    if (!sorted_by_start(touches))
        g_array_sort(touches, by_start);
    return touches;
}

/* One process's touched ranges in order of start, with the largest end so far at each: whether a
 * range overlaps any of them is then a binary search (a step of 100 000 calls touches as many). */
typedef struct TouchIndex {
    GArray *starts, *max_ends; /* uint64_t each */
} TouchIndex;

static TouchIndex index_touches(const GArray *touches, uint32_t pid, bool vad_only)
{
    TouchIndex index = {g_array_new(FALSE, FALSE, sizeof(uint64_t)),
                        g_array_new(FALSE, FALSE, sizeof(uint64_t))};
    uint64_t max_end = 0;
    for (guint i = 0; i < touches->len; i++) {
        const Touch *t = &g_array_index(touches, Touch, i);
        if (t->pid != pid || (vad_only && !t->vad))
            continue;
        max_end = MAX(max_end, t->end_vpn);
        g_array_append_val(index.starts, t->start_vpn);
        g_array_append_val(index.max_ends, max_end);
    }
    return index;
}

static void free_touch_index(TouchIndex *index)
{
    g_array_free(index->starts, TRUE);
    g_array_free(index->max_ends, TRUE);
}

/* Whether [start_vpn, end_vpn] overlaps a touched range. Asked in address order, as regions and
 * VADs come: the cursor (the first start past the last range asked) only moves forward, so a
 * whole walk costs one pass over the touches. */
static bool touched(const TouchIndex *index, guint *cursor, uint64_t start_vpn, uint64_t end_vpn)
{
    guint lo = *cursor;
    while (lo < index->starts->len && g_array_index(index->starts, uint64_t, lo) <= end_vpn)
        lo++;
    *cursor = lo;
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

/*
 * The parents of nodes given in order with their depths. In a binary search tree's in-order
 * sequence the nearest node on either side that is shallower than a node is an ancestor of it
 * (the lowest one it lies right, or left, of); its parent is the deeper of those two. A stack of
 * ever deeper nodes finds both in one pass each way.
 */
static void link_parents(GArray *vads)
{
    guint n = vads->len, top = 0;
    guint *stack = g_new(guint, n + 1);
    int32_t *left = g_new(int32_t, n + 1);
    for (guint i = 0; i < n; i++) {
        uint32_t depth = g_array_index(vads, VvVadNode, i).depth;
        while (top && g_array_index(vads, VvVadNode, stack[top - 1]).depth >= depth)
            top--;
        left[i] = top ? (int32_t)stack[top - 1] : -1;
        stack[top++] = i;
    }
    top = 0;
    for (guint i = n; i-- > 0;) {
        VvVadNode *node = &g_array_index(vads, VvVadNode, i);
        while (top && g_array_index(vads, VvVadNode, stack[top - 1]).depth >= node->depth)
            top--;
        int32_t right = top ? (int32_t)stack[top - 1] : -1;
        stack[top++] = i;
        int32_t l = left[i];
        if (l < 0 || right < 0)
            node->parent = l < 0 ? right : l;
        else
            node->parent = g_array_index(vads, VvVadNode, l).depth >
                                   g_array_index(vads, VvVadNode, right).depth
                               ? l
                               : right;
    }
    g_free(stack);
    g_free(left);
}

/* Whether the VAD starting at start_vpn is the stack reservation of one of the process's threads
 * (VMMap's Stack). */
static bool thread_stack(VsProcess *process, uint64_t start_vpn)
{
    for (size_t i = 0; i < vs_process_thread_count(process); i++) {
        VsThreadInfo t;
        vs_thread_info(vs_process_thread(process, i), &t);
        if (t.has_stack && t.deallocation_stack >> VS_PAGE_SHIFT == start_vpn)
            return true;
    }
    return false;
}

/* The VAD tree in order, each node with its depth, parent and in-order index. */
static GArray *read_vads(const VsSystem *system, VsProcess *process, const TouchIndex *touches,
                         uint32_t *depth)
{
    VsVadTreeShape shape;
    vs_vad_tree_shape(process, &shape);
    GArray *vads = g_array_sized_new(FALSE, FALSE, sizeof(VvVadNode), (guint)shape.count);
    *depth = shape.depth;
    guint cursor = 0;
    for (const VsVad *vad = vs_vad_first(process); vad; vad = vs_vad_next(vad)) {
        VsVadInfo info;
        vs_vad_info(vad, &info);
        VvVadNode node = {
            .start_vpn = info.starting_vpn,
            .end_vpn = info.ending_vpn,
            .kind = thread_stack(process, info.starting_vpn) ? VV_STACK : vad_kind(system, &info),
            .balance = info.balance,
            .depth = info.level,
            .order = vads->len,
            .parent = -1,
            .section = info.section,
            .touched = touched(touches, &cursor, info.starting_vpn, info.ending_vpn)};
        g_array_append_val(vads, node);
    }
    link_parents(vads);
    return vads;
}

static void add_region(GArray *regions, const VsMemoryBasicInformation *m, VvKind kind,
                       uint32_t section)
{
    VvRegion r = {.start = m->BaseAddress,
                  .end = m->BaseAddress + m->RegionSize,
                  .alloc_base = m->AllocationBase,
                  .state = m->State,
                  .protect = m->Protect,
                  .type = m->Type,
                  .alloc_protect = m->AllocationProtect,
                  .kind = kind,
                  .section = section,
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
 * allocation can start there), as VMMap shows it. Each region takes its kind and section from the
 * VAD holding it (the VADs are in order, as the regions are: one pass over both).
 */
static GArray *read_regions(VsProcess *process, const GArray *vads, uint64_t top)
{
    GArray *regions = g_array_sized_new(FALSE, FALSE, sizeof(VvRegion), 2 * vads->len + 4);
    VsThread *thread = vs_process_main_thread(process);
    uint64_t address = 0;
    guint v = 0;
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
                add_region(regions, &tail, VV_UNUSABLE, 0);
                m.BaseAddress = boundary;
                m.RegionSize -= tail.RegionSize;
            }
            add_region(regions, &m, m.BaseAddress % VS_GRANULARITY ? VV_UNUSABLE : VV_FREE, 0);
        } else {
            uint64_t vpn = m.BaseAddress >> VS_PAGE_SHIFT;
            while (v < vads->len && g_array_index(vads, VvVadNode, v).end_vpn < vpn)
                v++;
            const VvVadNode *vad =
                v < vads->len && g_array_index(vads, VvVadNode, v).start_vpn <= vpn
                    ? &g_array_index(vads, VvVadNode, v)
                    : NULL;
            add_region(regions, &m, vad ? vad->kind : VV_PRIVATE, vad ? vad->section : 0);
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
    const char *name = vs_runner_name_of(runner, process);
    g_strlcpy(p->name, name ? name : vs_process_name(process), sizeof p->name);
    p->pid = vs_process_id(process);
    TouchIndex vad_touches = index_touches(touches, p->pid, true);
    TouchIndex any_touches = index_touches(touches, p->pid, false);
    p->vads = read_vads(system, process, &vad_touches, &p->tree_depth);
    p->regions = read_regions(process, p->vads, top);
    guint cursor = 0;
    for (guint i = 0; i < p->regions->len; i++) {
        VvRegion *r = &g_array_index(p->regions, VvRegion, i);
        r->touched = touched(&any_touches, &cursor, r->start >> VS_PAGE_SHIFT,
                             (r->end - 1) >> VS_PAGE_SHIFT) &&
                     r->state != MEM_FREE;
        p->views += r->section && r->kind != VV_SYSTEM;
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
        if (info.location != VS_PAGE_ZEROED || info.page_table)
            scene->frames_used = f + 1;
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

/* The runner's words for a step without the line that opens them ("== Step 3 of 6: ... =="):
 * every picture names the step in its own place. */
static const char *narration_body(const char *text)
{
    if (!text)
        return "";
    text += strspn(text, "\n");
    if (g_str_has_prefix(text, "== Step")) {
        const char *end = strchr(text, '\n');
        return end ? end + 1 : "";
    }
    return text;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; n++) {
        const char *end = strchr(p, '\n');
        p = end ? end + 1 : p + strlen(p);
    }
    return n;
}

/* Every step's title, by number - 1. */
static char **step_titles(const VsRunner *runner, size_t steps)
{
    char **titles = g_new0(char *, steps + 1);
    for (size_t i = 0; i < steps; i++) {
        const char *title = vs_runner_step_title(runner, i + 1);
        titles[i] = g_strdup(title ? title : "");
    }
    return titles;
}

VvScene *vv_scene_build(const VsRunner *runner, const char *narration, const char *intro)
{
    VvScene *scene = g_new0(VvScene, 1);
    scene->title = g_strdup(vs_runner_title(runner));
    scene->intro = g_strdup(intro ? intro : "");
    scene->step = vs_runner_step(runner);
    scene->steps = vs_runner_step_count(runner);
    scene->step_titles = step_titles(runner, scene->steps);
    scene->step_title = g_strdup(vs_runner_step_title(runner, scene->step));
    scene->narration = g_strdup(narration_body(narration));
    scene->narration_lines = count_lines(scene->narration);
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
        VvProcessScene *p = read_process(runner, system, process, touches, scene->highest_address);
        g_ptr_array_add(scene->processes, p);
        if (current && strcmp(p->name, current) == 0)
            scene->current = (uint32_t)i;
    }
    g_array_free(touches, TRUE);
    vs_memory_counters(system, &scene->memory);
    read_frames(scene, system);
    return scene;
}

/* Whether line (of a source) is a comment, and its text after the '#' and one space. */
static const char *comment_text(const char *line)
{
    line += strspn(line, " \t");
    if (*line != '#')
        return NULL;
    return line[1] == ' ' ? line + 2 : line + 1;
}

char *vv_scene_intro(const char *source)
{
    GString *intro = g_string_new(NULL);
    char **lines = g_strsplit(source ? source : "", "\n", -1);
    bool fresh = true; /* at the start of a paragraph */
    for (char **line = lines; *line; line++) {
        const char *text = comment_text(*line);
        if (!text) {
            if ((*line)[strspn(*line, " \t\r")] == '\0' && intro->len == 0)
                continue; /* blank lines before the comment */
            break;
        }
        g_autofree char *trimmed = g_strstrip(g_strdup(text));
        if (!*trimmed) {
            if (!fresh)
                g_string_append(intro, "\n");
            fresh = true;
            continue;
        }
        if (!fresh)
            g_string_append_c(intro, ' ');
        g_string_append(intro, trimmed);
        fresh = false;
    }
    g_strfreev(lines);
    return g_string_free(intro, FALSE);
}

void vv_scene_free(VvScene *scene)
{
    if (!scene)
        return;
    g_free(scene->title);
    g_free(scene->intro);
    g_strfreev(scene->step_titles);
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
