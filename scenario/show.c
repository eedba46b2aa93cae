/*
 * show.c - the state views a scenario can print: a VirtualQuery record, the !address walk, the !vad
 * tree listing, a !pte walk, the commit counters, the PFN database and working set, and a section
 * with its prototype PTEs and views, laid out the way WinDbg (!pte, !pfn, !wsle, !ca) and programs
 * using VirtualQuery show them; for a Linux system, /proc/PID/maps and /proc/PID/pagemap as the
 * kernel prints them. Everything is read through the model's public queries.
 */
#include "runner_int.h"

/* The name of a State or Type, or the number for one without a name. */
static const char *mem_name(const char *name, uint32_t value, char *buf, size_t len)
{
    if (name)
        return name;
    g_snprintf(buf, len, "0x%X", value);
    return buf;
}

VsStatus vs_show_virtual_query(VsRunner *runner, uint64_t address, VsMemoryBasicInformation *m)
{
    return VsNtQueryVirtualMemory(vs_runner_thread(runner), VS_CURRENT_PROCESS, address,
                                  MemoryBasicInformation, m, sizeof *m, NULL);
}

void vs_show_trim_line_end(GString *out)
{
    while (out->len && out->str[out->len - 1] == ' ')
        g_string_truncate(out, out->len - 1);
}

/* What a region is used for, as !address's Usage and VMMap's Details say it, where the model
 * knows: an image's module (or mapped file) and PE section, the PEB. "" otherwise. */
const char *vs_show_usage(VsRunner *runner, const VsMemoryBasicInformation *m, char *buf,
                          size_t len)
{
    VsProcess *process = vs_runner_process(runner);
    VsProcessImageInfo image;
    buf[0] = '\0';
    if (m->Type == MEM_PRIVATE && vs_process_image_info(process, &image) &&
        m->BaseAddress == image.peb)
        g_snprintf(buf, len, "PEB");
    if (m->Type != MEM_IMAGE)
        return buf;
    const VsVad *vad = vs_vad_lookup(process, m->BaseAddress);
    VsVadInfo info;
    vs_vad_info(vad, &info);
    const VsSection *section = vs_section_lookup(runner->system, info.section);
    const char *module = vs_process_module_name(process, m->BaseAddress);
    VsSubsectionInfo sub;
    uint64_t page = info.first_prototype + (m->BaseAddress >> 12) - info.starting_vpn;
    g_snprintf(buf, len, "%s %s", module ? module : vs_section_file_name(section),
               vs_section_subsection_at(section, page, &sub) ? sub.name : "");
    return buf;
}

static void append_mbi_row(GString *out, const VsMemoryBasicInformation *m, const char *usage)
{
    char alloc[96], protect[96], state[16], type[16];
    vs_protect_string(m->AllocationProtect, alloc, sizeof alloc);
    vs_protect_string(m->Protect, protect, sizeof protect);
    g_string_append_printf(out,
                           "      %16" G_GINT64_MODIFIER "X %16" G_GINT64_MODIFIER
                           "X %12" G_GINT64_MODIFIER "X  %-11s %-24s %-11s %s\n",
                           m->BaseAddress, m->BaseAddress + m->RegionSize, m->RegionSize,
                           mem_name(vs_mem_state_name(m->State), m->State, state, sizeof state),
                           m->State == MEM_COMMIT    ? protect
                           : m->State == MEM_RESERVE ? "0"
                                                     : "",
                           m->Type ? mem_name(vs_mem_type_name(m->Type), m->Type, type, sizeof type)
                                   : "",
                           m->AllocationBase ? alloc : "");
    g_string_truncate(out, out->len - 1); /* the newline, so the blanks before it can go */
    if (usage[0]) /* an image's or the PEB's: after the allocation protection */
        g_string_append_printf(out, "%*s%s", (int)(24 - MIN(strlen(alloc), 23)), "", usage);
    vs_show_trim_line_end(out);
    g_string_append_c(out, '\n');
}

static void append_mbi_header(GString *out)
{
    g_string_append_printf(out, "      %16s %16s %12s  %-11s %-24s %-11s %s\n", "BaseAddress",
                           "End", "RegionSize", "State", "Protect", "Type", "AllocationProtect");
}

gboolean vs_show_query(VsRunner *runner, uint64_t address, GError **error)
{
    if (vs_words_linux(runner))
        return vs_show_vma_at(runner, address, error);
    VsMemoryBasicInformation m;
    VsStatus status = vs_show_virtual_query(runner, address, &m);
    if (!NT_SUCCESS(status)) {
        g_string_append_printf(runner->out,
                               "      VirtualQuery(0x%" G_GINT64_MODIFIER "X) fails: error %u\n",
                               address, vs_status_to_win32(status));
        return TRUE;
    }
    char usage[96];
    append_mbi_header(runner->out);
    append_mbi_row(runner->out, &m, vs_show_usage(runner, &m, usage, sizeof usage));
    if (m.AllocationBase)
        g_string_append_printf(runner->out, "      AllocationBase 0x%" G_GINT64_MODIFIER "X\n",
                               m.AllocationBase);
    return TRUE;
}

/* !address: every region from 0 to the top of user space. */
gboolean vs_show_address(VsRunner *runner, uint64_t argument, GError **error)
{
    if (vs_words_linux(runner))
        return vs_show_linux_address(runner, argument, error);
    const VsLayout *layout = vs_system_layout(runner->system);
    append_mbi_header(runner->out);
    VsMemoryBasicInformation m;
    for (uint64_t address = 0; address <= layout->highest_user_address;
         address = m.BaseAddress + m.RegionSize) {
        if (!NT_SUCCESS(vs_show_virtual_query(runner, address, &m)))
            break;
        char usage[96];
        append_mbi_row(runner->out, &m, vs_show_usage(runner, &m, usage, sizeof usage));
    }
    return TRUE;
}

/* Adds bytes to the protection's total in the summary's list, kept in protection order. */
void vs_summary_add(VsSpaceSummary *summary, uint32_t protection, uint64_t bytes, uint64_t resident)
{
    guint i = 0;
    GArray *list = summary->by_protection;
    while (i < list->len && g_array_index(list, VsProtectionBytes, i).protection < protection)
        i++;
    if (i == list->len || g_array_index(list, VsProtectionBytes, i).protection != protection) {
        VsProtectionBytes entry = {protection, 0, 0};
        g_array_insert_val(list, i, entry);
    }
    g_array_index(list, VsProtectionBytes, i).bytes += bytes;
    g_array_index(list, VsProtectionBytes, i).resident += resident;
}

/* !address -summary's counts: regions and bytes per state, committed bytes per protection; in a
 * Linux system unmapped and mapped ranges, and mapped bytes per PROT_* (vs_summarize_mappings). */
void vs_summarize_space(VsRunner *runner, VsSpaceSummary *summary)
{
    *summary =
        (VsSpaceSummary){.by_protection = g_array_new(FALSE, FALSE, sizeof(VsProtectionBytes))};
    const VsLayout *layout = vs_system_layout(runner->system);
    summary->space = layout->highest_user_address + 1;
    if (vs_words_linux(runner)) {
        vs_summarize_mappings(runner, summary);
        return;
    }
    static const uint32_t states[] = {MEM_FREE, MEM_RESERVE, MEM_COMMIT};
    summary->states = 3;
    for (size_t i = 0; i < 3; i++)
        summary->state[i] = vs_mem_state_name(states[i]);
    VsMemoryBasicInformation m;
    for (uint64_t address = 0; address <= layout->highest_user_address;
         address = m.BaseAddress + m.RegionSize) {
        if (!NT_SUCCESS(vs_show_virtual_query(runner, address, &m)))
            break;
        size_t i = m.State == MEM_FREE ? 0 : m.State == MEM_RESERVE ? 1 : 2;
        summary->ranges[i]++;
        summary->bytes[i] += m.RegionSize;
        if (m.State == MEM_COMMIT)
            vs_summary_add(summary, m.Protect, m.RegionSize, 0);
    }
}

/* !address -summary: VMMap's summary by type, then regions and bytes per state, and committed
 * bytes per protection (in a Linux system, mapped bytes per protection and how much of them is
 * resident). */
gboolean vs_show_summary(VsRunner *runner, uint64_t argument, GError **error)
{
    VsVmmap *map = vs_vmmap_read(runner, vs_runner_process(runner));
    vs_show_vmmap_types(runner, map);
    vs_vmmap_free(map);
    VsSpaceSummary summary;
    gboolean linux_words = vs_words_linux(runner);
    vs_summarize_space(runner, &summary);
    g_string_append_printf(runner->out, "\n      %-12s %8s %18s %12s\n", "State",
                           linux_words ? "Ranges" : "Regions", "Bytes", "% of total");
    for (size_t i = 0; i < summary.states; i++) {
        char share[32];
        vs_vmmap_percent(summary.bytes[i], summary.space, share, sizeof share);
        g_string_append_printf(
            runner->out, "      %-12s %8" G_GUINT64_FORMAT " %18" G_GINT64_MODIFIER "X %12s\n",
            summary.state[i], summary.ranges[i], summary.bytes[i], share);
    }
    for (guint i = 0; i < summary.by_protection->len; i++) {
        const VsProtectionBytes *p = &g_array_index(summary.by_protection, VsProtectionBytes, i);
        char name[96];
        if (!linux_words) {
            vs_protect_string(p->protection, name, sizeof name);
            g_string_append_printf(runner->out, "      committed %-30s %12" G_GINT64_MODIFIER "X\n",
                                   name, p->bytes);
            continue;
        }
        g_string_append_printf(
            runner->out,
            "      mapped %-33s %12" G_GINT64_MODIFIER "X (resident %" G_GINT64_MODIFIER "X)\n",
            vs_words_prot_bits(p->protection, name, sizeof name), p->bytes, p->resident);
    }
    g_array_free(summary.by_protection, TRUE);
    return TRUE;
}

/* The file of an image section (its control area's), or NULL for any other section. */
static const char *image_file(VsRunner *runner, uint32_t id)
{
    const VsSection *section = vs_section_lookup(runner->system, id);
    VsImageInfo image;
    return section && vs_section_image_info(section, &image) ? vs_section_file_name(section) : NULL;
}

/* The PEB's page number, or 0 for a process made without an image. */
static uint64_t vs_process_peb_vpn(const VsProcess *process)
{
    VsProcessImageInfo image;
    return vs_process_image_info(process, &image) ? image.peb >> 12 : 0;
}

/* !vad: the tree in address order, with each node's level, as WinDbg lists it. */
gboolean vs_show_vad(VsRunner *runner, uint64_t argument, GError **error)
{
    if (vs_words_linux(runner))
        return vs_show_vma_tree(runner, argument, error);
    VsProcess *process = vs_runner_process(runner);
    VsVadTreeShape shape;
    vs_vad_tree_shape(process, &shape);
    g_string_append_printf(runner->out, "      %-5s %10s %10s %8s %-8s %s\n", "Level", "Start",
                           "End", "Commit", "Type", "Protection");
    for (const VsVad *vad = vs_vad_first(process); vad; vad = vs_vad_next(vad)) {
        VsVadInfo info;
        char protect[96];
        vs_vad_info(vad, &info);
        vs_protect_string(info.protection, protect, sizeof protect);
        g_string_append_printf(runner->out,
                               "      %-5u %10" G_GINT64_MODIFIER "x %10" G_GINT64_MODIFIER
                               "x %8" G_GUINT64_FORMAT " %-8s %s",
                               info.level, info.starting_vpn, info.ending_vpn, info.commit_charge,
                               info.private_memory ? "Private" : "Mapped", protect);
        if (info.kind == VS_VAD_SHARED_USER_DATA)
            g_string_append(runner->out, " (KUSER_SHARED_DATA)");
        else if (info.kind == VS_VAD_MAPPED && image_file(runner, info.section))
            g_string_append_printf(
                runner->out, " Image section %u \"%s\", from page %" G_GINT64_MODIFIER "x",
                info.section, image_file(runner, info.section), info.first_prototype);
        else if (info.kind == VS_VAD_MAPPED)
            g_string_append_printf(runner->out,
                                   " Pagefile section %u, from page %" G_GINT64_MODIFIER "x",
                                   info.section, info.first_prototype);
        else if (info.no_change && info.starting_vpn == vs_process_peb_vpn(process))
            g_string_append(runner->out, " (PEB)");
        if (info.kind == VS_VAD_PLACEHOLDER)
            g_string_append(runner->out, " Placeholder");
        else if (info.placeholder)
            g_string_append(runner->out, " (replaced a placeholder)");
        g_string_append_c(runner->out, '\n');
    }
    g_string_append_printf(runner->out,
                           "      Total VADs: %" G_GUINT64_FORMAT ", maximum depth: %u\n",
                           shape.count, shape.depth);
    return TRUE;
}

/* WinDbg's flag string for a valid entry: "---DA--UWEV" (Dirty, Accessed, User, Writable,
 * Executable: the page's PTE has no NX bit, Valid; the model has no Global, Large or cache bits
 * to show). The upper levels leave execute permission to the page's own PTE and show '-'. */
typedef struct PteFlags {
    char text[12];
} PteFlags;

static PteFlags pte_flags(uint64_t entry, gboolean leaf)
{
    PteFlags flags;
    g_snprintf(flags.text, sizeof flags.text, "--%c%c%c--%c%c%cV",
               leaf && (entry & 0x80) ? 'L' : '-', vs_pte_dirty(entry) ? 'D' : '-',
               vs_pte_accessed(entry) ? 'A' : '-', (entry & 4) ? 'U' : '-', (entry & 2) ? 'W' : 'R',
               leaf && !vs_pte_no_execute(entry) ? 'E' : '-');
    return flags;
}

/* A PTE that is not valid, decoded: its software state, in the system's words (Linux has no
 * transition or demand-zero PTE: those are the model's, and a page-file slot is swap). */
static void append_invalid_pte(VsRunner *runner, uint64_t entry)
{
    char protect[96];
    gboolean linux_words = vs_words_linux(runner);
    vs_words_protection(runner, vs_pte_protection(entry), protect, sizeof protect);
    switch (vs_pte_state(entry)) {
    case VS_PTE_STATE_ZERO:
        g_string_append_printf(runner->out, "zero: the %s decides\n", vs_words_vad(runner));
        break;
    case VS_PTE_STATE_TRANSITION: {
        VsFrameInfo frame;
        vs_page_frame_info(runner->system, vs_pte_frame_number(entry), &frame);
        g_string_append_printf(
            runner->out, "not valid  Transition: %" G_GINT64_MODIFIER "x (%s list)  Protect: %s\n",
            vs_pte_frame_number(entry), vs_page_location_name(frame.location), protect);
        break;
    }
    case VS_PTE_STATE_PAGEFILE:
        g_string_append_printf(
            runner->out,
            linux_words ? "not present  swap entry: slot %" G_GINT64_MODIFIER "x  Protect: %s\n"
                        : "not valid  PageFile: 0  Offset: %" G_GINT64_MODIFIER "x  Protect: %s\n",
            vs_pte_pagefile_slot_of(entry), protect);
        break;
    case VS_PTE_STATE_DECOMMITTED: g_string_append(runner->out, "not valid  Decommitted\n"); break;
    case VS_PTE_STATE_DEMAND_ZERO:
        g_string_append_printf(runner->out, "not valid  DemandZero  Protect: %s\n", protect);
        break;
    case VS_PTE_STATE_PROTOTYPE:
        g_string_append_printf(runner->out, "not valid  Proto: %s  Protect: %s\n",
                               vs_words_vad(runner), protect);
        break;
    case VS_PTE_STATE_VALID: break;
    }
}

/* !pte: each level's entry for one address (in a Linux system, PGD, PUD, PMD and PTE). */
gboolean vs_show_pte(VsRunner *runner, uint64_t address, GError **error)
{
    VsProcess *process = vs_runner_process(runner);
    VsPteWalk walk;
    vs_pte_walk(process, address, &walk);
    g_string_append_printf(runner->out, "      VA 0x%" G_GINT64_MODIFIER "X\n", address);
    for (uint32_t level = 0; level < walk.levels; level++) {
        const VsPteLevel *l = &walk.level[level];
        const char *name = vs_words_level(runner, process, level);
        if (!l->present) {
            g_string_append_printf(runner->out,
                                   walk.large
                                       ? "      %s  (none: the PDE maps a large page itself, "
                                         "and the walk stops there)\n"
                                       : "      %s  (no table: the level above is empty)\n",
                                   name);
            continue;
        }
        /* x64 upper levels: Accessed and Dirty live in the page's own PTE only. */
        g_string_append_printf(runner->out,
                               "      %s  index %3X  contains %016" G_GINT64_MODIFIER "X  ", name,
                               l->index, l->entry);
        if (vs_pte_state(l->entry) != VS_PTE_STATE_VALID) {
            append_invalid_pte(runner, l->entry);
        } else if (walk.large && level + 2 == walk.levels) {
            char protect[96];
            vs_words_protection(runner, walk.protection, protect, sizeof protect);
            g_string_append_printf(runner->out,
                                   "pfn %" G_GINT64_MODIFIER "x  %s  large page: this page is "
                                   "frame %" G_GINT64_MODIFIER "x  %s%s\n",
                                   vs_pte_frame_number(l->entry), pte_flags(l->entry, TRUE).text,
                                   walk.frame, protect, vs_pte_no_execute(l->entry) ? "  NX" : "");
        } else if (level + 1 < walk.levels) {
            g_string_append_printf(runner->out, "pfn %" G_GINT64_MODIFIER "x  %s  next table\n",
                                   vs_pte_frame_number(l->entry), pte_flags(l->entry, FALSE).text);
        } else {
            char protect[96];
            vs_words_protection(runner, walk.protection, protect, sizeof protect);
            VsFrameInfo f = {0};
            vs_page_frame_info(runner->system, vs_pte_frame_number(l->entry), &f);
            g_string_append_printf(runner->out, "pfn %" G_GINT64_MODIFIER "x  %s  %s%s%s\n",
                                   vs_pte_frame_number(l->entry), pte_flags(l->entry, TRUE).text,
                                   protect, vs_pte_no_execute(l->entry) ? "  NX" : "",
                                   f.awe ? "  AWE frame (mapped by MapUserPhysicalPages, in no "
                                           "working set)"
                                         : "");
        }
    }
    return TRUE;
}

gboolean vs_show_commit(VsRunner *runner, uint64_t argument, GError **error)
{
    if (vs_words_linux(runner))
        return vs_show_linux_commit(runner, argument, error);
    VsProcessCounters c;
    vs_process_counters(vs_runner_process(runner), &c);
    g_string_append_printf(runner->out,
                           "      commit charge %" G_GUINT64_FORMAT " pages (%" G_GUINT64_FORMAT
                           " KB), %" G_GUINT64_FORMAT " page-table pages, %" G_GUINT64_FORMAT
                           " VAD%s\n",
                           c.commit_charge, c.commit_charge * 4, c.page_table_pages, c.vad_count,
                           c.vad_count == 1 ? "" : "s");
    VsMemoryCounters m;
    vs_memory_counters(runner->system, &m);
    g_string_append_printf(runner->out,
                           "      system commit %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                           " pages (limit: RAM + page file), peak %" G_GUINT64_FORMAT "\n",
                           m.commit_total, m.commit_limit, m.commit_peak);
    return TRUE;
}

/* ---- Physical memory and working sets -------------------------------------------------------- */

/* How a section is named in output: "1 \"Grow\"" or "1 (unnamed)". */
static void append_section_name(GString *out, const VsSectionInfo *info)
{
    if (info->name[0])
        g_string_append_printf(out, "%u \"%s\"", info->id, info->name);
    else
        g_string_append_printf(out, "%u (unnamed)", info->id);
}

/* A section page's frame names its prototype PTE, not a process PTE: the section and the page. */
static void append_section_page(VsRunner *runner, const VsFrameInfo *f)
{
    VsSectionInfo info;
    vs_section_info(vs_section_lookup(runner->system, f->section), &info);
    g_string_append_printf(runner->out, "  page %" G_GINT64_MODIFIER "x of section ", f->vpn);
    append_section_name(runner->out, &info);
    g_string_append(runner->out, " (its prototype PTE)\n");
}

/*
 * Every process PTE that maps a section page's frame: one per view holding the page valid, as
 * many as the share count, each with that process's protection. A private frame's one PTE is the
 * PFN entry's own page and process, printed above.
 */
static void append_frame_mappings(VsRunner *runner, uint64_t frame, const VsFrameInfo *f)
{
    size_t count = vs_page_frame_mappings(runner->system, frame, NULL, 0);
    if (!count) {
        g_string_append(runner->out, f->location == VS_PAGE_ACTIVE
                                         ? "      mapped by no process PTE\n"
                                         : "      mapped by no process PTE: the prototype PTE "
                                           "is a transition PTE, a soft fault away in any view\n");
        return;
    }
    VsFrameMapping *mappings = g_new(VsFrameMapping, count);
    vs_page_frame_mappings(runner->system, frame, mappings, count);
    for (size_t i = 0; i < count; i++) {
        char protect[96];
        vs_words_protection(runner, mappings[i].protection, protect, sizeof protect);
        g_string_append_printf(runner->out,
                               "      mapped by %s (pid %u) at 0x%" G_GINT64_MODIFIER "X  %s%s\n",
                               vs_runner_process_label(runner, mappings[i].process),
                               vs_process_id(mappings[i].process), mappings[i].address, protect,
                               mappings[i].valid ? "" : "  (transition PTE)");
    }
    g_free(mappings);
}

gboolean vs_show_frame(VsRunner *runner, uint64_t frame, VsFrameInfo *info, GError **error)
{
    if (vs_page_frame_info(runner->system, frame, info))
        return TRUE;
    VsMemoryCounters m;
    vs_memory_counters(runner->system, &m);
    g_set_error(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_RUNTIME,
                "there is no frame 0x%" G_GINT64_MODIFIER "X: this machine has %" G_GUINT64_FORMAT
                " (0 to 0x%" G_GINT64_MODIFIER "X)",
                frame, m.total_pages, m.total_pages - 1);
    return FALSE;
}

/* The list counts (a !memusage summary), or one frame's PFN entry (!pfn). */
gboolean vs_show_pfn(VsRunner *runner, uint64_t frame, GError **error)
{
    GString *out = runner->out;
    if (frame == VS_SHOW_NO_ARGUMENT) {
        VsMemoryCounters m;
        vs_memory_counters(runner->system, &m);
        g_string_append_printf(out,
                               "      %" G_GUINT64_FORMAT " frames: %" G_GUINT64_FORMAT
                               " zeroed, %" G_GUINT64_FORMAT " free, %" G_GUINT64_FORMAT
                               " standby, %" G_GUINT64_FORMAT " modified, %" G_GUINT64_FORMAT
                               " bad, %" G_GUINT64_FORMAT " active\n",
                               m.total_pages, m.zeroed_pages, m.free_pages, m.standby_pages,
                               m.modified_pages, m.bad_pages, m.active_pages);
        g_string_append_printf(
            out,
            "      available %" G_GUINT64_FORMAT " (zeroed + free + standby); %s %" G_GUINT64_FORMAT
            " of %" G_GUINT64_FORMAT " slots in use (peak %" G_GUINT64_FORMAT ")\n",
            m.available_pages, vs_words_linux(runner) ? "swap" : "page file", m.pagefile_used,
            m.pagefile_pages, m.pagefile_peak);
        return TRUE;
    }
    VsFrameInfo f;
    if (!vs_show_frame(runner, frame, &f, error))
        return FALSE;
    g_string_append_printf(out, "      PFN %" G_GINT64_MODIFIER "X  %s", frame,
                           vs_page_location_name(f.location));
    if (f.location == VS_PAGE_ZEROED || f.location == VS_PAGE_FREE || f.location == VS_PAGE_BAD) {
        g_string_append(out, "  (no page)\n");
        return TRUE;
    }
    if (f.page_table) {
        g_string_append_printf(
            out, "  page table of process %u, for pages from 0x%" G_GINT64_MODIFIER "X\n", f.pid,
            f.vpn << 12);
        return TRUE;
    }
    if (f.section)
        append_section_page(runner, &f);
    else if (f.awe && f.vpn == UINT64_MAX)
        g_string_append_printf(out, "  AWE frame of process %u, mapped nowhere\n", f.pid);
    else
        g_string_append_printf(out, "  page 0x%" G_GINT64_MODIFIER "X of process %u\n", f.vpn << 12,
                               f.pid);
    char protect[96];
    vs_words_protection(runner, f.protection, protect, sizeof protect);
    g_string_append_printf(out, "      share count %u  reference count %u  restore pte %s",
                           f.share_count, f.reference_count, protect);
    if (f.pagefile_slot)
        g_string_append_printf(out, ", %s slot %" G_GUINT64_FORMAT " (a clean copy)",
                               vs_words_linux(runner) ? "swap" : "page-file", f.pagefile_slot);
    g_string_append(out, f.modified ? "  Modified\n" : "\n");
    if (f.large_page)
        g_string_append(out, "      one frame of a large page: its PDE maps it, no working set "
                             "holds it, nothing trims it\n");
    if (f.awe)
        g_string_append(out, "      an AWE frame: the process allocated it itself and maps it "
                             "with MapUserPhysicalPages; locked, no working set holds it, nothing "
                             "trims it\n");
    if (f.section)
        append_frame_mappings(runner, frame, &f);
    return TRUE;
}

/* The working-set size line: in a Linux system the resident set, which has no limits. */
static void append_ws_counters(VsRunner *runner, const VsProcess *process,
                               const VsWorkingSetInfo *ws)
{
    g_string_append_printf(
        runner->out, "      %s of %s: %" G_GUINT64_FORMAT " page%s (peak %" G_GUINT64_FORMAT ")",
        vs_words_working_set(runner), vs_runner_process_label(runner, process), ws->size,
        ws->size == 1 ? "" : "s", ws->peak);
    if (!vs_words_linux(runner))
        g_string_append_printf(runner->out,
                               ", minimum %" G_GUINT64_FORMAT ", maximum %" G_GUINT64_FORMAT,
                               ws->minimum, ws->maximum);
    g_string_append_printf(runner->out, ", %" G_GUINT64_FORMAT " page fault%s\n", ws->page_faults,
                           ws->page_faults == 1 ? "" : "s");
}

/* The working-set list (a !wsle view) and its counters. */
gboolean vs_show_ws(VsRunner *runner, uint64_t argument, GError **error)
{
    VsProcess *process = vs_runner_process(runner);
    VsWorkingSetInfo ws;
    vs_process_working_set(process, &ws);
    append_ws_counters(runner, process, &ws);
    if (!ws.size)
        return TRUE;
    g_string_append(runner->out, "      Index  Address           Frame    Age  Flags\n");
    VsWorkingSetEntry e;
    for (uint64_t i = 0; vs_process_working_set_entry(process, i, &e); i++) {
        VsPteWalk walk;
        vs_pte_walk(process, e.vpn << 12, &walk);
        uint64_t pte = walk.level[walk.levels - 1].entry;
        g_string_append_printf(runner->out,
                               "      %5" G_GUINT64_FORMAT "  0x%-14" G_GINT64_MODIFIER
                               "X  0x%-5" G_GINT64_MODIFIER "X  %3u  %s%s%s\n",
                               i, e.vpn << 12, e.frame, e.age,
                               vs_pte_accessed(pte) ? "Accessed " : "",
                               vs_pte_dirty(pte) ? "Dirty " : "", e.locked ? "Locked" : "");
    }
    return TRUE;
}

/* ---- Sections: the segment's prototype PTEs and the views that map them (!ca, !section) ------ */

/* The section object and its segment's counts (SECTION, SEGMENT, CONTROL_AREA). */
/* An image's headers and subsections (dt _SUBSECTION): each PE section's pages, protection, and
 * how many come from the file. */
static void append_subsections(GString *out, const VsSection *section)
{
    VsImageInfo image;
    if (!vs_section_image_info(section, &image))
        return;
    g_string_append_printf(
        out,
        "      Image: base 0x%" G_GINT64_MODIFIER "X  SizeOfImage 0x%" G_GINT64_MODIFIER
        "X  entry point %s0x%X  %" G_GUINT64_FORMAT " write-copy page%s charged per view%s\n",
        image.image_base, image.size_of_image, image.entry_point ? "+" : "", image.entry_point,
        image.commitment, image.commitment == 1 ? "" : "s",
        image.flat ? "  (flat: one write-copy subsection)" : "");
    g_string_append_printf(out, "      %-10s %12s %6s %10s %6s  %s\n", "Subsection", "Pages",
                           "Count", "Committed", "File", "Protection");
    VsSubsectionInfo sub;
    for (uint32_t i = 0; vs_section_subsection(section, i, &sub); i++) {
        char protect[96];
        vs_protect_string(sub.protection, protect, sizeof protect);
        g_string_append_printf(out,
                               "      %-10s %5" G_GINT64_MODIFIER "x-%-5" G_GINT64_MODIFIER
                               "x %6" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
                               " %6" G_GUINT64_FORMAT "  %s\n",
                               sub.name, sub.first_page, sub.first_page + sub.pages - 1, sub.pages,
                               sub.committed_pages, sub.file_pages, protect);
    }
}

static void append_section_header(VsRunner *runner, const VsSection *section,
                                  const VsSectionInfo *info)
{
    GString *out = runner->out;
    const char *file = vs_section_file_name(section);
    char protect[96];
    vs_protect_string(info->protection, protect, sizeof protect);
    g_string_append(out, "      Section ");
    append_section_name(out, info);
    if (file)
        g_string_append_printf(out, "  file \"%s\"", file);
    else
        g_string_append(out, "  pagefile-backed");
    g_string_append_printf(
        out, "  size 0x%" G_GINT64_MODIFIER "X (%" G_GUINT64_FORMAT " page%s)  %s  %s\n",
        info->size, info->pages, info->pages == 1 ? "" : "s", protect,
        info->attributes == SEC_RESERVE              ? "SEC_RESERVE"
        : info->attributes == (SEC_IMAGE | SEC_FILE) ? "SEC_IMAGE|SEC_FILE"
        : info->attributes == SEC_FILE               ? "SEC_FILE"
                                                     : "SEC_COMMIT");
    append_subsections(out, section);
    g_string_append_printf(out,
                           "      committed %" G_GUINT64_FORMAT " page%s of system commit%s"
                           "  handles %u  views %u\n",
                           info->committed_pages, info->committed_pages == 1 ? "" : "s",
                           file ? " (the file backs its pages)" : "", info->handles, info->views);
}

/* One prototype PTE decoded as `show pte` decodes a process PTE, after its raw value. */
static void append_prototype(VsRunner *runner, const VsPrototypeInfo *p)
{
    GString *out = runner->out;
    char protect[96];
    vs_protect_string(p->protection, protect, sizeof protect);
    VsFrameInfo frame = {0};
    if (p->state == VS_PROTO_VALID || p->state == VS_PROTO_TRANSITION)
        vs_page_frame_info(runner->system, p->frame, &frame);
    g_string_append_printf(out, "contains %016" G_GINT64_MODIFIER "X  ", p->entry);
    switch (p->state) {
    case VS_PROTO_NOT_COMMITTED:
        g_string_append(out, "zero: not committed (a view must commit it)\n");
        break;
    case VS_PROTO_DEMAND_ZERO:
        g_string_append_printf(out, "DemandZero  Protect: %s\n", protect);
        break;
    case VS_PROTO_IN_FILE:
        g_string_append_printf(out, "Subsection: in the file  Protect: %s\n", protect);
        break;
    case VS_PROTO_VALID:
        g_string_append_printf(out, "pfn %" G_GINT64_MODIFIER "x  valid in %u view%s  %s\n",
                               p->frame, frame.share_count, frame.share_count == 1 ? "" : "s",
                               protect);
        break;
    case VS_PROTO_TRANSITION:
        g_string_append_printf(out, "Transition: %" G_GINT64_MODIFIER "x (%s list)  Protect: %s\n",
                               p->frame, vs_page_location_name(frame.location), protect);
        break;
    case VS_PROTO_PAGEFILE:
        g_string_append_printf(out, "PageFile: 0  Offset: %" G_GINT64_MODIFIER "x  Protect: %s\n",
                               p->pagefile_slot, protect);
        break;
    }
}

/* The segment's prototype PTEs, one line per run of identical entries: a large section is mostly
 * runs of zero, demand-zero or in-file pages, and each resident page has a line of its own. */
static void append_prototypes(VsRunner *runner, const VsSection *section, uint64_t pages)
{
    int width = g_snprintf(
        NULL, 0, "pages %" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x:", pages - 1, pages - 1);
    g_string_append(runner->out, "      Prototype PTEs (the segment's, one per page):\n");
    VsPrototypeInfo p;
    for (uint64_t first = 0; vs_section_prototype_info(runner->system, section, first, &p);) {
        uint64_t last = vs_section_prototype_run_end(section, first);
        char label[64];
        if (last == first)
            g_snprintf(label, sizeof label, "page %" G_GINT64_MODIFIER "x:", first);
        else
            g_snprintf(label, sizeof label,
                       "pages %" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x:", first, last);
        g_string_append_printf(runner->out, "      %-*s ", width, label);
        append_prototype(runner, &p);
        first = last + 1;
    }
}

/* Every view of the section, in every process (the control area's mapped views). */
static void append_views(VsRunner *runner, const VsSection *section)
{
    size_t count = vs_section_views(runner->system, section, NULL, 0);
    if (!count) {
        g_string_append(runner->out, "      Mapped by: no view\n");
        return;
    }
    VsSectionView *views = g_new(VsSectionView, count);
    vs_section_views(runner->system, section, views, count);
    g_string_append(runner->out, "      Mapped by:\n");
    for (size_t i = 0; i < count; i++) {
        const VsSectionView *v = &views[i];
        uint64_t pages = v->ending_vpn - v->starting_vpn + 1;
        char protect[96];
        vs_protect_string(v->protection, protect, sizeof protect);
        g_string_append_printf(
            runner->out,
            "      %s (pid %u)  0x%" G_GINT64_MODIFIER "X-0x%" G_GINT64_MODIFIER
            "X  section pages %" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x  %s\n",
            vs_runner_process_label(runner, v->process), vs_process_id(v->process),
            v->starting_vpn << 12, ((v->ending_vpn + 1) << 12) - 1, v->first_page,
            v->first_page + pages - 1, protect);
    }
    g_free(views);
}

const VsSection *vs_show_section_of(VsRunner *runner, uint64_t handle, GError **error)
{
    VsThread *thread = vs_runner_thread(runner);
    const VsSection *section = vs_handle_section(thread, handle);
    if (!section)
        g_set_error(error, VS_SCENARIO_ERROR, VS_SCENARIO_ERROR_RUNTIME,
                    "0x%" G_GINT64_MODIFIER "X is not a section handle in process %s%s", handle,
                    vs_runner_process_label(runner, vs_runner_process(runner)),
                    vs_handle_process(thread, handle) ? " (it names a process)"
                                                      : " (CreateFileMapping and OpenFileMapping "
                                                        "return one)");
    return section;
}

/* The section objects over the control area (SECTION), each with the size it was made with: what
 * NtQuerySection reads and a whole view maps, which may be less than the control area holds. */
static void append_section_objects(VsRunner *runner, uint64_t handle)
{
    VsThread *thread = vs_runner_thread(runner);
    size_t count = vs_section_objects(thread, handle, NULL, 0);
    VsSectionObjectInfo *objects = g_new(VsSectionObjectInfo, count ? count : 1);
    vs_section_objects(thread, handle, objects, count);
    g_string_append_printf(runner->out, "      Section object%s (SECTION, each its own size):\n",
                           count == 1 ? "" : "s");
    for (size_t i = 0; i < count; i++) {
        const VsSectionObjectInfo *o = &objects[i];
        g_string_append_printf(runner->out, "        size 0x%" G_GINT64_MODIFIER "X  %u handle%s",
                               o->size, o->handles, o->handles == 1 ? "" : "s");
        if (o->name[0])
            g_string_append_printf(runner->out, "  \"%s\"", o->name);
        g_string_append(runner->out, o->this_handle ? "  (this handle's)\n" : "\n");
    }
    g_free(objects);
}

/* !ca for the section a handle of the current process names. */
gboolean vs_show_section(VsRunner *runner, uint64_t handle, GError **error)
{
    const VsSection *section = vs_show_section_of(runner, handle, error);
    if (!section)
        return FALSE;
    VsSectionInfo info;
    vs_section_info(section, &info);
    append_section_header(runner, section, &info);
    append_section_objects(runner, handle);
    append_prototypes(runner, section, info.pages);
    append_views(runner, section);
    return TRUE;
}
