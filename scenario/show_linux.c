/*
 * show_linux.c - the state views of a Linux scenario, in Linux's words: the VMAs (not VADs), their
 * PROT_* protections and MAP_* kinds, unmapped gaps (not MEM_FREE), the commit Linux charges
 * (VM_ACCOUNT, Committed_AS), and /proc/PID/maps, smaps and pagemap as the kernel prints them.
 * Everything is read through the model's public queries (vs_vma_find, the VAD tree the VMAs live
 * in, the counters); show.c has the Windows views and sends a Linux system's here.
 */
#include "runner_int.h"

/* The next VMA at or above *cursor (find_vma), moving *cursor past it; FALSE when there is none.
 * A VMA that ends where the walk stands ends the walk, which would otherwise not move. */
static gboolean next_vma(const VsProcess *process, uint64_t *cursor, VsVmaInfo *vma)
{
    if (*cursor == UINT64_MAX || !vs_vma_find(process, *cursor, vma))
        return FALSE;
    *cursor = vma->end > *cursor ? vma->end : UINT64_MAX;
    return TRUE;
}

/* "PROT_READ|PROT_WRITE  MAP_PRIVATE|MAP_ANONYMOUS /memfd:buf (deleted)": what mmap was told. */
static void append_vma_words(GString *out, const VsVmaInfo *vma, int protection_width)
{
    char protect[64];
    g_string_append_printf(out, "%-*s %s", protection_width,
                           vs_words_vma_protection(vma, protect, sizeof protect),
                           vs_words_mapping(vma));
    if (vma->name[0])
        g_string_append_printf(out, " %s", vma->name);
}

/* show query in Linux: the VMA holding the address, as maps shows it and in mmap's words. */
gboolean vs_show_vma_at(VsRunner *runner, uint64_t address, GError **error)
{
    VsVmaInfo vma;
    char line[256];
    if (!vs_vma_find(vs_runner_process(runner), address, &vma) || vma.start > address) {
        g_string_append_printf(runner->out, "      0x%" G_GINT64_MODIFIER "X is not mapped",
                               address);
        if (vs_vma_find(vs_runner_process(runner), address, &vma))
            g_string_append_printf(runner->out,
                                   ": the next VMA starts at 0x%" G_GINT64_MODIFIER "X", vma.start);
        g_string_append_c(runner->out, '\n');
        return TRUE;
    }
    g_string_append_printf(runner->out, "      %s", vs_vma_maps_line(&vma, line, sizeof line));
    vs_show_trim_line_end(runner->out);
    g_string_append(runner->out, "\n      ");
    append_vma_words(runner->out, &vma, 0);
    uint64_t pages = (vma.end - vma.start) / VS_PAGE_SIZE;
    g_string_append_printf(runner->out,
                           "  %" G_GUINT64_FORMAT " page%s, %" G_GUINT64_FORMAT " resident\n",
                           pages, pages == 1 ? "" : "s", vma.resident_pages);
    return TRUE;
}

/* show vad in Linux: the VMAs in the tree that holds them, with each one's level and the commit it
 * charges (VM_ACCOUNT). */
gboolean vs_show_vma_tree(VsRunner *runner, uint64_t argument, GError **error)
{
    VsProcess *process = vs_runner_process(runner);
    VsVadTreeShape shape;
    vs_vad_tree_shape(process, &shape);
    g_string_append_printf(runner->out, "      %-5s %10s %10s %8s %-30s %s\n", "Level", "Start",
                           "End", "Charged", "Protection", "Mapping");
    for (const VsVad *vad = vs_vad_first(process); vad; vad = vs_vad_next(vad)) {
        VsVadInfo info;
        VsVmaInfo vma;
        vs_vad_info(vad, &info);
        if (!vs_vma_find(process, info.starting_vpn << 12, &vma))
            continue;
        g_string_append_printf(runner->out,
                               "      %-5u %10" G_GINT64_MODIFIER "x %10" G_GINT64_MODIFIER
                               "x %8" G_GUINT64_FORMAT " ",
                               info.level, info.starting_vpn, info.ending_vpn, info.commit_charge);
        append_vma_words(runner->out, &vma, 30);
        g_string_append_c(runner->out, '\n');
    }
    g_string_append_printf(runner->out,
                           "      Total VMAs: %" G_GUINT64_FORMAT ", maximum depth: %u (the "
                           "model's AVL tree; Linux keeps VMAs in a maple tree)\n",
                           shape.count, shape.depth);
    return TRUE;
}

/* One row of the address-space walk: a VMA, or (vma NULL) a gap. */
static void append_range_row(GString *out, uint64_t start, uint64_t end, const VsVmaInfo *vma)
{
    g_string_append_printf(out,
                           "      %16" G_GINT64_MODIFIER "X %16" G_GINT64_MODIFIER
                           "X %12" G_GINT64_MODIFIER "X  ",
                           start, end, end - start);
    if (vma)
        append_vma_words(out, vma, 30);
    else
        g_string_append(out, "(unmapped)");
    g_string_append_c(out, '\n');
}

/* show address in Linux: from 0 to TASK_SIZE, each VMA and each unmapped gap between them. */
gboolean vs_show_linux_address(VsRunner *runner, uint64_t argument, GError **error)
{
    VsProcess *process = vs_runner_process(runner);
    uint64_t top = vs_system_layout(runner->system)->highest_user_address + 1, at = 0, cursor = 0;
    VsVmaInfo vma;
    g_string_append_printf(runner->out, "      %16s %16s %12s  %-30s %s\n", "Start", "End", "Size",
                           "Protection", "Mapping");
    while (next_vma(process, &cursor, &vma) && vma.start < top) {
        if (vma.start > at)
            append_range_row(runner->out, at, vma.start, NULL);
        append_range_row(runner->out, vma.start, vma.end, &vma);
        at = vma.end;
    }
    if (at < top)
        append_range_row(runner->out, at, top, NULL);
    return TRUE;
}

/* show summary's counts in Linux: unmapped and mapped ranges and bytes, and mapped bytes by
 * protection (PROT_* bits) with what of them is resident. */
void vs_summarize_mappings(VsRunner *runner, VsSpaceSummary *summary)
{
    VsProcess *process = vs_runner_process(runner);
    uint64_t at = 0, cursor = 0;
    VsVmaInfo vma;
    summary->states = 2;
    summary->state[0] = "unmapped";
    summary->state[1] = "mapped";
    while (next_vma(process, &cursor, &vma) && vma.start < summary->space) {
        summary->ranges[0] += vma.start > at;
        summary->bytes[0] += vma.start - at;
        summary->ranges[1]++;
        summary->bytes[1] += vma.end - vma.start;
        uint32_t prot = (vma.read ? VS_PROT_READ : 0) | (vma.write ? VS_PROT_WRITE : 0) |
                        (vma.exec ? VS_PROT_EXEC : 0);
        vs_summary_add(summary, prot, vma.end - vma.start, vma.resident_pages * VS_PAGE_SIZE);
        at = vma.end;
    }
    summary->ranges[0] += at < summary->space;
    summary->bytes[0] += summary->space - at;
}

/* show commit in Linux: what the process's mappings charge (VM_ACCOUNT: private writable memory,
 * whole, touched or not), and the system's Committed_AS, which heuristic overcommit lets grow. */
gboolean vs_show_linux_commit(VsRunner *runner, uint64_t argument, GError **error)
{
    VsProcessCounters c;
    VsProcess *process = vs_runner_process(runner);
    vs_process_counters(process, &c);
    g_string_append_printf(
        runner->out,
        "      charged to %s: %" G_GUINT64_FORMAT " pages (%" G_GUINT64_FORMAT
        " KB, VM_ACCOUNT), %" G_GUINT64_FORMAT " page-table pages, %" G_GUINT64_FORMAT " VMA%s\n",
        vs_runner_process_label(runner, process), c.commit_charge, c.commit_charge * 4,
        c.page_table_pages, c.vad_count, c.vad_count == 1 ? "" : "s");
    VsMemoryCounters m;
    vs_memory_counters(runner->system, &m);
    g_string_append_printf(runner->out,
                           "      Committed_AS %" G_GUINT64_FORMAT " pages, peak %" G_GUINT64_FORMAT
                           "; heuristic overcommit (mode 0) refuses only a request larger than "
                           "RAM + swap (%" G_GUINT64_FORMAT " pages)\n",
                           m.commit_total, m.commit_peak, m.commit_limit);
    return TRUE;
}

/* ---- /proc/PID/maps, smaps and pagemap ------------------------------------------------------- */

/* /proc/PID/maps: every VMA of the current process, in address order, one line each as
 * show_map_vma writes it. */
gboolean vs_show_maps(VsRunner *runner, uint64_t argument, GError **error)
{
    VsProcess *process = vs_runner_process(runner);
    VsVmaInfo vma;
    char line[256];
    size_t count = 0;
    for (uint64_t cursor = 0; next_vma(process, &cursor, &vma); count++) {
        g_string_append_printf(runner->out, "      %s", vs_vma_maps_line(&vma, line, sizeof line));
        vs_show_trim_line_end(runner->out); /* an anonymous line ends in a blank for the name */
        g_string_append_c(runner->out, '\n');
    }
    if (!count)
        g_string_append(runner->out, "      (no mappings)\n");
    return TRUE;
}

/* /proc/PID/smaps, the lines the model keeps, in the kernel's order: each VMA's maps line, its
 * size, the counters of its pages (vs_vma_smaps), on a CPU with protection keys its key (the only
 * place Linux shows it), and its VmFlags. */
gboolean vs_show_smaps(VsRunner *runner, uint64_t argument, GError **error)
{
    const VsProcess *process = vs_runner_process(runner);
    VsVmaInfo vma;
    VsSmaps c;
    char line[256];
    size_t count = 0;
    for (uint64_t cursor = 0; next_vma(process, &cursor, &vma); count++) {
        vs_vma_smaps(process, vma.start, &c);
        g_string_append_printf(runner->out, "      %s", vs_vma_maps_line(&vma, line, sizeof line));
        vs_show_trim_line_end(runner->out);
        const struct {
            const char *name;
            uint64_t kb;
        } rows[] = {{"Size:", c.size},
                    {"Rss:", c.rss},
                    {"Pss:", c.pss},
                    {"Anonymous:", c.anonymous},
                    {"LazyFree:", c.lazy_free},
                    {"AnonHugePages:", c.anon_huge_pages},
                    {"Locked:", c.locked}};
        for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
            g_string_append_printf(runner->out, "\n      %-15s %8" G_GUINT64_FORMAT " kB",
                                   rows[i].name, rows[i].kb);
        g_string_append_c(runner->out, '\n');
        if (vma.pkeys)
            g_string_append_printf(runner->out, "      ProtectionKey:  %8u\n", vma.pkey);
        g_string_append_printf(runner->out, "      VmFlags: %s\n",
                               vs_vma_smaps_flags(&vma, line, sizeof line));
    }
    if (!count)
        g_string_append(runner->out, "      (no mappings)\n");
    return TRUE;
}

/* /proc/PID/pagemap's 64-bit entry for the page holding address, decoded (pagemap.rst). */
gboolean vs_show_pagemap(VsRunner *runner, uint64_t address, GError **error)
{
    uint64_t page = address & ~(VS_PAGE_SIZE - 1);
    uint64_t entry = vs_pagemap_entry(vs_runner_process(runner), page);
    g_string_append_printf(runner->out,
                           "      0x%" G_GINT64_MODIFIER "X  entry %016" G_GINT64_MODIFIER "X  ",
                           page, entry);
    if (!(entry & VS_PAGEMAP_PRESENT)) {
        g_string_append(runner->out, "not present");
    } else {
        g_string_append_printf(runner->out, "present, pfn 0x%" G_GINT64_MODIFIER "X",
                               (uint64_t)(entry & VS_PAGEMAP_PFN_MASK));
        if (entry & VS_PAGEMAP_EXCLUSIVE)
            g_string_append(runner->out, ", mapped exclusively");
    }
    if (entry & VS_PAGEMAP_FILE_SHARED)
        g_string_append(runner->out, ", a file or shared page");
    else if (entry & VS_PAGEMAP_PRESENT)
        g_string_append(runner->out, ", anonymous");
    g_string_append_c(runner->out, '\n');
    return TRUE;
}
