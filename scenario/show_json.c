/*
 * show_json.c - the show forms as data, for vadsim run --json: each form's view as one JSON
 * object of named fields (numbers as numbers, names as the system's words), read through the same
 * public queries as the text views (show.c, show_linux.c), so a tool reads a region's State or a
 * VMA's protection without parsing a table. shows.def pairs each form with its function here.
 */
#include "runner_int.h"

/* A name from the model's tables, or the number as text for one without a name. */
static void name_or_number(VsJsonWriter *w, const char *key, const char *name, uint32_t value)
{
    char number[16];
    g_snprintf(number, sizeof number, "0x%X", value);
    vs_json_text(w, key, name ? name : number);
}

/* A PAGE_* protection by name; null for none (a reserved region's Protect, a free one's
 * AllocationProtect). */
static void protection(VsJsonWriter *w, const char *key, uint32_t protect)
{
    char name[96];
    vs_json_text(w, key, protect ? vs_protect_string(protect, name, sizeof name) : NULL);
}

static void mbi_object(VsRunner *runner, VsJsonWriter *w, const VsMemoryBasicInformation *m)
{
    char usage[96];
    vs_json_object_begin(w, NULL);
    vs_json_number(w, "BaseAddress", m->BaseAddress);
    vs_json_number(w, "AllocationBase", m->AllocationBase);
    protection(w, "AllocationProtect", m->AllocationProtect);
    vs_json_number(w, "RegionSize", m->RegionSize);
    name_or_number(w, "State", vs_mem_state_name(m->State), m->State);
    protection(w, "Protect", m->Protect);
    if (m->Type)
        name_or_number(w, "Type", vs_mem_type_name(m->Type), m->Type);
    else
        vs_json_text(w, "Type", NULL);
    if (vs_show_usage(runner, m, usage, sizeof usage)[0]) /* images and the PEB only */
        vs_json_text(w, "Usage", usage);
    vs_json_object_end(w);
}

/* A VMA: its range, protection and kind in mmap's words, and the maps line's columns. */
static void vma_fields(VsJsonWriter *w, const VsVmaInfo *vma)
{
    char protect[64];
    vs_json_number(w, "start", vma->start);
    vs_json_number(w, "end", vma->end);
    vs_json_text(w, "protection", vs_words_vma_protection(vma, protect, sizeof protect));
    vs_json_text(w, "mapping", vs_words_mapping(vma));
    g_snprintf(protect, sizeof protect, "%c%c%c%c", vma->read ? 'r' : '-', vma->write ? 'w' : '-',
               vma->exec ? 'x' : '-', vma->may_share ? 's' : 'p');
    vs_json_text(w, "perms", protect);
    vs_json_number(w, "offset", vma->offset);
    vs_json_number(w, "inode", vma->inode);
    vs_json_text(w, "name", vma->name);
    vs_json_number(w, "resident_pages", vma->resident_pages);
    vs_json_number(w, "anon_vma", vma->anon_vma);
    vs_json_number(w, "pkey", vma->pkey);
}

/* The VMA holding address, or NULL (find_vma, and the VMA starts at or below it). */
static gboolean vma_at(VsRunner *runner, uint64_t address, VsVmaInfo *vma)
{
    return vs_vma_find(vs_runner_process(runner), address, vma) && vma->start <= address;
}

gboolean vs_json_show_query(VsRunner *runner, uint64_t address, GError **error)
{
    VsJsonWriter w = {runner->out, 0, 0};
    VsVmaInfo vma;
    VsMemoryBasicInformation m;
    if (vs_words_linux(runner)) {
        vs_json_object_begin(&w, NULL);
        vs_json_number(&w, "address", address);
        if (vma_at(runner, address, &vma)) {
            vs_json_object_begin(&w, "vma");
            vma_fields(&w, &vma);
            vs_json_object_end(&w);
        } else {
            vs_json_text(&w, "vma", NULL);
        }
        vs_json_object_end(&w);
        return TRUE;
    }
    VsStatus status = vs_show_virtual_query(runner, address, &m);
    if (!NT_SUCCESS(status)) {
        vs_json_object_begin(&w, NULL);
        vs_json_number(&w, "address", address);
        vs_json_number(&w, "error", vs_status_to_win32(status));
        vs_json_object_end(&w);
        return TRUE;
    }
    mbi_object(runner, &w, &m);
    return TRUE;
}

/* The address space: VirtualQuery's regions, or in Linux the VMAs and the gaps between them. */
gboolean vs_json_show_address(VsRunner *runner, uint64_t argument, GError **error)
{
    const VsLayout *layout = vs_system_layout(runner->system);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    if (vs_words_linux(runner)) {
        VsVmaInfo vma;
        vs_json_array_begin(&w, "vmas");
        for (uint64_t at = 0; at <= layout->highest_user_address &&
                              vs_vma_find(vs_runner_process(runner), at, &vma) && vma.end > at;
             at = vma.end) {
            vs_json_object_begin(&w, NULL);
            vma_fields(&w, &vma);
            vs_json_object_end(&w);
        }
    } else {
        VsMemoryBasicInformation m;
        vs_json_array_begin(&w, "regions");
        for (uint64_t address = 0; address <= layout->highest_user_address &&
                                   NT_SUCCESS(vs_show_virtual_query(runner, address, &m));
             address = m.BaseAddress + m.RegionSize)
            mbi_object(runner, &w, &m);
    }
    vs_json_array_end(&w);
    vs_json_number(&w, "user_space_bytes", layout->highest_user_address + 1);
    vs_json_object_end(&w);
    return TRUE;
}

gboolean vs_json_show_summary(VsRunner *runner, uint64_t argument, GError **error)
{
    VsSpaceSummary summary;
    gboolean linux_words = vs_words_linux(runner);
    vs_summarize_space(runner, &summary);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_number(&w, "user_space_bytes", summary.space);
    VsVmmap *map = vs_vmmap_read(runner, vs_runner_process(runner));
    vs_json_vmmap_types(&w, map);
    vs_vmmap_free(map);
    vs_json_array_begin(&w, "states");
    for (size_t i = 0; i < summary.states; i++) {
        vs_json_object_begin(&w, NULL);
        vs_json_text(&w, "state", summary.state[i]);
        vs_json_number(&w, linux_words ? "ranges" : "regions", summary.ranges[i]);
        vs_json_number(&w, "bytes", summary.bytes[i]);
        vs_json_object_end(&w);
    }
    vs_json_array_end(&w);
    vs_json_array_begin(&w, linux_words ? "mapped_by_protection" : "committed_by_protection");
    for (guint i = 0; i < summary.by_protection->len; i++) {
        const VsProtectionBytes *p = &g_array_index(summary.by_protection, VsProtectionBytes, i);
        char name[96];
        vs_json_object_begin(&w, NULL);
        vs_json_text(&w, "protection",
                     linux_words ? vs_words_prot_bits(p->protection, name, sizeof name)
                                 : vs_protect_string(p->protection, name, sizeof name));
        vs_json_number(&w, "bytes", p->bytes);
        if (linux_words)
            vs_json_number(&w, "resident_bytes", p->resident);
        vs_json_object_end(&w);
    }
    vs_json_array_end(&w);
    vs_json_object_end(&w);
    g_array_free(summary.by_protection, TRUE);
    return TRUE;
}

static const char *vad_kind_name(VsVadKind kind)
{
    switch (kind) {
    case VS_VAD_PRIVATE: return "private";
    case VS_VAD_SHARED_USER_DATA: return "shared_user_data";
    case VS_VAD_MAPPED: return "mapped";
    case VS_VAD_PLACEHOLDER: return "placeholder";
    }
    return "?";
}

/* One node of the tree: its level and pages, commit and protection; a VMA's words in Linux. */
static void vad_object(VsRunner *runner, VsJsonWriter *w, const VsVad *vad)
{
    VsVadInfo info;
    VsVmaInfo vma;
    char protect[96];
    vs_vad_info(vad, &info);
    vs_json_object_begin(w, NULL);
    vs_json_number(w, "level", info.level);
    vs_json_number(w, "starting_vpn", info.starting_vpn);
    vs_json_number(w, "ending_vpn", info.ending_vpn);
    vs_json_number(w, "commit_charge", info.commit_charge);
    if (vs_words_linux(runner) &&
        vs_vma_find(vs_runner_process(runner), info.starting_vpn << 12, &vma)) {
        vma_fields(w, &vma);
    } else {
        vs_json_text(w, "kind", vad_kind_name(info.kind));
        vs_json_text(w, "type", info.private_memory ? "Private" : "Mapped");
        vs_json_text(w, "protection", vs_protect_string(info.protection, protect, sizeof protect));
        if (info.kind == VS_VAD_MAPPED) {
            vs_json_number(w, "section", info.section);
            vs_json_number(w, "first_prototype", info.first_prototype);
            const VsSection *section = vs_section_lookup(runner->system, info.section);
            VsImageInfo image;
            if (section && vs_section_image_info(section, &image))
                vs_json_text(w, "image", vs_section_file_name(section));
        }
        vs_json_flag(w, "placeholder", info.kind == VS_VAD_PLACEHOLDER || info.placeholder);
    }
    vs_json_object_end(w);
}

gboolean vs_json_show_vad(VsRunner *runner, uint64_t argument, GError **error)
{
    VsProcess *process = vs_runner_process(runner);
    VsVadTreeShape shape;
    vs_vad_tree_shape(process, &shape);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_array_begin(&w, vs_words_linux(runner) ? "vmas" : "vads");
    for (const VsVad *vad = vs_vad_first(process); vad; vad = vs_vad_next(vad))
        vad_object(runner, &w, vad);
    vs_json_array_end(&w);
    vs_json_number(&w, "count", shape.count);
    vs_json_number(&w, "depth", shape.depth);
    vs_json_object_end(&w);
    return TRUE;
}

static const char *pte_state_name(VsPteState state)
{
    switch (state) {
    case VS_PTE_STATE_ZERO: return "zero";
    case VS_PTE_STATE_VALID: return "valid";
    case VS_PTE_STATE_TRANSITION: return "transition";
    case VS_PTE_STATE_PAGEFILE: return "pagefile";
    case VS_PTE_STATE_DECOMMITTED: return "decommitted";
    case VS_PTE_STATE_DEMAND_ZERO: return "demand_zero";
    case VS_PTE_STATE_PROTOTYPE: return "prototype";
    }
    return "?";
}

/* One level of the walk: its entry, decoded (frame, slot, protection where the state has one). */
static void pte_level_object(VsRunner *runner, VsJsonWriter *w, uint32_t level,
                             const VsPteWalk *walk)
{
    const VsPteLevel *l = &walk->level[level];
    char protect[96];
    vs_json_object_begin(w, NULL);
    vs_json_text(w, "level", vs_words_level(runner, vs_runner_process(runner), level));
    vs_json_flag(w, "present", l->present);
    if (l->present) {
        VsPteState state = vs_pte_state(l->entry);
        vs_json_number(w, "index", l->index);
        vs_json_number(w, "entry", l->entry);
        vs_json_text(w, "state", pte_state_name(state));
        if (state == VS_PTE_STATE_VALID || state == VS_PTE_STATE_TRANSITION)
            vs_json_number(w, "pfn", vs_pte_frame_number(l->entry));
        if (state == VS_PTE_STATE_PAGEFILE)
            vs_json_number(w, "slot", vs_pte_pagefile_slot_of(l->entry));
        uint32_t protection =
            state == VS_PTE_STATE_VALID ? walk->protection : vs_pte_protection(l->entry);
        if (state != VS_PTE_STATE_ZERO && state != VS_PTE_STATE_DECOMMITTED &&
            (state != VS_PTE_STATE_VALID || level + 1 == walk->levels))
            vs_json_text(w, "protection",
                         vs_words_protection(runner, protection, protect, sizeof protect));
        if (state == VS_PTE_STATE_VALID) {
            vs_json_flag(w, "accessed", vs_pte_accessed(l->entry));
            vs_json_flag(w, "dirty", vs_pte_dirty(l->entry));
            if (level + 1 == walk->levels)
                vs_json_flag(w, "no_execute", vs_pte_no_execute(l->entry));
        }
    }
    vs_json_object_end(w);
}

gboolean vs_json_show_pte(VsRunner *runner, uint64_t address, GError **error)
{
    VsPteWalk walk;
    vs_pte_walk(vs_runner_process(runner), address, &walk);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_number(&w, "address", address);
    vs_json_flag(&w, "large_page", walk.large);
    if (walk.large)
        vs_json_number(&w, "frame", walk.frame);
    vs_json_array_begin(&w, "levels");
    for (uint32_t level = 0; level < walk.levels; level++)
        pte_level_object(runner, &w, level, &walk);
    vs_json_array_end(&w);
    vs_json_object_end(&w);
    return TRUE;
}

gboolean vs_json_show_commit(VsRunner *runner, uint64_t argument, GError **error)
{
    VsProcessCounters c;
    VsMemoryCounters m;
    VsProcess *process = vs_runner_process(runner);
    gboolean linux_words = vs_words_linux(runner);
    vs_process_counters(process, &c);
    vs_memory_counters(runner->system, &m);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_text(&w, "process", vs_runner_process_label(runner, process));
    vs_json_number(&w, linux_words ? "charged_pages" : "commit_charge", c.commit_charge);
    vs_json_number(&w, "page_table_pages", c.page_table_pages);
    vs_json_number(&w, linux_words ? "vmas" : "vads", c.vad_count);
    vs_json_number(&w, linux_words ? "committed_as" : "system_commit", m.commit_total);
    vs_json_number(&w, linux_words ? "committed_as_peak" : "system_commit_peak", m.commit_peak);
    vs_json_number(&w, linux_words ? "ram_plus_swap" : "commit_limit", m.commit_limit);
    vs_json_object_end(&w);
    return TRUE;
}

/* Every process PTE that maps a frame. */
static void frame_mappings(VsRunner *runner, VsJsonWriter *w, uint64_t frame)
{
    size_t count = vs_page_frame_mappings(runner->system, frame, NULL, 0);
    VsFrameMapping *mappings = g_new(VsFrameMapping, count ? count : 1);
    vs_page_frame_mappings(runner->system, frame, mappings, count);
    vs_json_array_begin(w, "mapped_by");
    for (size_t i = 0; i < count; i++) {
        char protect[96];
        vs_json_object_begin(w, NULL);
        vs_json_text(w, "process", vs_runner_process_label(runner, mappings[i].process));
        vs_json_number(w, "pid", vs_process_id(mappings[i].process));
        vs_json_number(w, "address", mappings[i].address);
        vs_json_text(w, "protection",
                     vs_words_protection(runner, mappings[i].protection, protect, sizeof protect));
        vs_json_flag(w, "valid", mappings[i].valid);
        vs_json_object_end(w);
    }
    vs_json_array_end(w);
    g_free(mappings);
}

/* The page lists' counts, as show pfn without a frame. */
static void pfn_counts(VsRunner *runner, VsJsonWriter *w)
{
    VsMemoryCounters m;
    vs_memory_counters(runner->system, &m);
    vs_json_object_begin(w, NULL);
    vs_json_number(w, "frames", m.total_pages);
    vs_json_number(w, "zeroed", m.zeroed_pages);
    vs_json_number(w, "free", m.free_pages);
    vs_json_number(w, "standby", m.standby_pages);
    vs_json_number(w, "modified", m.modified_pages);
    vs_json_number(w, "bad", m.bad_pages);
    vs_json_number(w, "active", m.active_pages);
    vs_json_number(w, "available", m.available_pages);
    gboolean swap = vs_words_linux(runner);
    vs_json_number(w, swap ? "swap_slots" : "pagefile_slots", m.pagefile_pages);
    vs_json_number(w, swap ? "swap_used" : "pagefile_used", m.pagefile_used);
    vs_json_number(w, swap ? "swap_peak" : "pagefile_peak", m.pagefile_peak);
    vs_json_object_end(w);
}

gboolean vs_json_show_pfn(VsRunner *runner, uint64_t frame, GError **error)
{
    VsJsonWriter w = {runner->out, 0, 0};
    if (frame == VS_SHOW_NO_ARGUMENT) {
        pfn_counts(runner, &w);
        return TRUE;
    }
    VsFrameInfo f;
    if (!vs_show_frame(runner, frame, &f, error))
        return FALSE;
    char protect[96];
    vs_json_object_begin(&w, NULL);
    vs_json_number(&w, "frame", frame);
    vs_json_text(&w, "list", vs_page_location_name(f.location));
    vs_json_flag(&w, "page_table", f.page_table);
    vs_json_number(&w, "pid", f.pid);
    vs_json_number(&w, f.section ? "page" : "address", f.section ? f.vpn : f.vpn << 12);
    vs_json_number(&w, "section", f.section);
    vs_json_number(&w, "share_count", f.share_count);
    vs_json_number(&w, "reference_count", f.reference_count);
    vs_json_text(&w, "protection",
                 vs_words_protection(runner, f.protection, protect, sizeof protect));
    vs_json_number(&w, "pagefile_slot", f.pagefile_slot);
    vs_json_flag(&w, "modified", f.modified);
    frame_mappings(runner, &w, frame);
    vs_json_object_end(&w);
    return TRUE;
}

gboolean vs_json_show_ws(VsRunner *runner, uint64_t argument, GError **error)
{
    VsProcess *process = vs_runner_process(runner);
    VsWorkingSetInfo ws;
    vs_process_working_set(process, &ws);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_text(&w, "process", vs_runner_process_label(runner, process));
    vs_json_number(&w, "size", ws.size);
    vs_json_number(&w, "peak", ws.peak);
    if (!vs_words_linux(runner)) {
        vs_json_number(&w, "minimum", ws.minimum);
        vs_json_number(&w, "maximum", ws.maximum);
    }
    vs_json_number(&w, "page_faults", ws.page_faults);
    vs_json_array_begin(&w, "entries");
    VsWorkingSetEntry e;
    for (uint64_t i = 0; vs_process_working_set_entry(process, i, &e); i++) {
        VsPteWalk walk;
        vs_pte_walk(process, e.vpn << 12, &walk);
        uint64_t pte = walk.level[walk.levels - 1].entry;
        vs_json_object_begin(&w, NULL);
        vs_json_number(&w, "address", e.vpn << 12);
        vs_json_number(&w, "frame", e.frame);
        vs_json_number(&w, "age", e.age);
        vs_json_flag(&w, "accessed", vs_pte_accessed(pte));
        vs_json_flag(&w, "dirty", vs_pte_dirty(pte));
        vs_json_flag(&w, "locked", e.locked);
        vs_json_object_end(&w);
    }
    vs_json_array_end(&w);
    vs_json_object_end(&w);
    return TRUE;
}

static const char *prototype_state_name(VsPrototypeState state)
{
    switch (state) {
    case VS_PROTO_NOT_COMMITTED: return "not_committed";
    case VS_PROTO_DEMAND_ZERO: return "demand_zero";
    case VS_PROTO_IN_FILE: return "in_file";
    case VS_PROTO_VALID: return "valid";
    case VS_PROTO_TRANSITION: return "transition";
    case VS_PROTO_PAGEFILE: return "pagefile";
    }
    return "?";
}

/* The prototype PTEs, a run of identical ones as one object. */
static void section_prototypes(VsRunner *runner, VsJsonWriter *w, const VsSection *section)
{
    VsPrototypeInfo p;
    char protect[96];
    vs_json_array_begin(w, "prototypes");
    for (uint64_t first = 0; vs_section_prototype_info(runner->system, section, first, &p);) {
        uint64_t last = vs_section_prototype_run_end(section, first);
        vs_json_object_begin(w, NULL);
        vs_json_number(w, "first", first);
        vs_json_number(w, "last", last);
        vs_json_number(w, "entry", p.entry);
        vs_json_text(w, "state", prototype_state_name(p.state));
        vs_json_text(w, "protection", vs_protect_string(p.protection, protect, sizeof protect));
        if (p.state == VS_PROTO_VALID || p.state == VS_PROTO_TRANSITION)
            vs_json_number(w, "frame", p.frame);
        if (p.state == VS_PROTO_PAGEFILE)
            vs_json_number(w, "slot", p.pagefile_slot);
        vs_json_object_end(w);
        first = last + 1;
    }
    vs_json_array_end(w);
}

/* Every view of the section, in every process. */
static void section_views(VsRunner *runner, VsJsonWriter *w, const VsSection *section)
{
    size_t count = vs_section_views(runner->system, section, NULL, 0);
    VsSectionView *views = g_new(VsSectionView, count ? count : 1);
    vs_section_views(runner->system, section, views, count);
    vs_json_array_begin(w, "mapped_by");
    for (size_t i = 0; i < count; i++) {
        char protect[96];
        vs_json_object_begin(w, NULL);
        vs_json_text(w, "process", vs_runner_process_label(runner, views[i].process));
        vs_json_number(w, "pid", vs_process_id(views[i].process));
        vs_json_number(w, "start", views[i].starting_vpn << 12);
        vs_json_number(w, "end", (views[i].ending_vpn + 1) << 12);
        vs_json_number(w, "first_page", views[i].first_page);
        vs_json_number(w, "pages", views[i].ending_vpn - views[i].starting_vpn + 1);
        vs_json_text(w, "protection",
                     vs_protect_string(views[i].protection, protect, sizeof protect));
        vs_json_object_end(w);
    }
    vs_json_array_end(w);
    g_free(views);
}

/* The section objects over the control area, each with its own size. */
static void section_objects(VsRunner *runner, VsJsonWriter *w, uint64_t handle)
{
    VsThread *thread = vs_runner_thread(runner);
    size_t count = vs_section_objects(thread, handle, NULL, 0);
    VsSectionObjectInfo *objects = g_new(VsSectionObjectInfo, count ? count : 1);
    vs_section_objects(thread, handle, objects, count);
    vs_json_array_begin(w, "objects");
    for (size_t i = 0; i < count; i++) {
        vs_json_object_begin(w, NULL);
        vs_json_number(w, "size", objects[i].size);
        vs_json_number(w, "handles", objects[i].handles);
        vs_json_text(w, "name", objects[i].name[0] ? objects[i].name : NULL);
        vs_json_flag(w, "this_handle", objects[i].this_handle);
        vs_json_object_end(w);
    }
    vs_json_array_end(w);
    g_free(objects);
}

gboolean vs_json_show_section(VsRunner *runner, uint64_t handle, GError **error)
{
    const VsSection *section = vs_show_section_of(runner, handle, error);
    if (!section)
        return FALSE;
    VsSectionInfo info;
    char protect[96];
    vs_section_info(section, &info);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_number(&w, "id", info.id);
    vs_json_text(&w, "name", info.name[0] ? info.name : NULL);
    vs_json_text(&w, "file", vs_section_file_name(section));
    vs_json_number(&w, "size", info.size);
    vs_json_number(&w, "pages", info.pages);
    vs_json_text(&w, "protection", vs_protect_string(info.protection, protect, sizeof protect));
    vs_json_text(&w, "attributes",
                 info.attributes == SEC_RESERVE              ? "SEC_RESERVE"
                 : info.attributes == (SEC_IMAGE | SEC_FILE) ? "SEC_IMAGE|SEC_FILE"
                 : info.attributes == SEC_FILE               ? "SEC_FILE"
                                                             : "SEC_COMMIT");
    vs_json_number(&w, "committed_pages", info.committed_pages);
    vs_json_number(&w, "handles", info.handles);
    vs_json_number(&w, "views", info.views);
    section_objects(runner, &w, handle);
    section_prototypes(runner, &w, section);
    section_views(runner, &w, section);
    vs_json_object_end(&w);
    return TRUE;
}

/* /proc/PID/maps and smaps as data: every VMA with its size, resident pages and VmFlags. */
gboolean vs_json_show_maps(VsRunner *runner, uint64_t argument, GError **error)
{
    VsVmaInfo vma;
    char flags[256];
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_array_begin(&w, "vmas");
    for (uint64_t at = 0; vs_vma_find(vs_runner_process(runner), at, &vma) && vma.end > at;
         at = vma.end) {
        vs_json_object_begin(&w, NULL);
        vma_fields(&w, &vma);
        vs_json_text(&w, "vm_flags", vs_vma_smaps_flags(&vma, flags, sizeof flags));
        vs_json_object_end(&w);
    }
    vs_json_array_end(&w);
    vs_json_object_end(&w);
    return TRUE;
}

gboolean vs_json_show_pagemap(VsRunner *runner, uint64_t address, GError **error)
{
    uint64_t page = address & ~(VS_PAGE_SIZE - 1);
    uint64_t entry = vs_pagemap_entry(vs_runner_process(runner), page);
    VsJsonWriter w = {runner->out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_number(&w, "address", page);
    vs_json_number(&w, "entry", entry);
    vs_json_flag(&w, "present", (entry & VS_PAGEMAP_PRESENT) != 0);
    vs_json_number(&w, "pfn", entry & VS_PAGEMAP_PFN_MASK);
    vs_json_flag(&w, "exclusive", (entry & VS_PAGEMAP_EXCLUSIVE) != 0);
    vs_json_flag(&w, "file_or_shared", (entry & VS_PAGEMAP_FILE_SHARED) != 0);
    vs_json_object_end(&w);
    return TRUE;
}
