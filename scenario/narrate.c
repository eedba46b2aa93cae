/*
 * narrate.c - one plain sentence for each thing the model changed, built from its event log.
 *
 * The model reports typed events (vadsim.h); this file is the only place that turns them into
 * words, so the runner, the stepper and the golden tests all say the same thing.
 */
#include "runner_int.h"

static uint64_t pages_of(const VsEvent *e) { return e->vpn_end - e->vpn_start + 1; }

static gboolean linux_system(const VsRunner *runner)
{
    return vs_is_linux(runner->system);
}

/* What a VAD is called where the reader comes from: a VMA (vm_area_struct) in a Linux system. */
static const char *vad_word(const VsRunner *runner) { return linux_system(runner) ? "VMA" : "VAD"; }

/* "120 KB", "2 MB", "1 GB": a byte count in the largest unit that divides it. */
static void append_size(GString *out, uint64_t bytes)
{
    static const char *const units[] = {"bytes", "KB", "MB", "GB", "TB"};
    size_t unit = 0;
    while (unit + 1 < G_N_ELEMENTS(units) && bytes >= 1024 && bytes % 1024 == 0) {
        bytes /= 1024;
        unit++;
    }
    g_string_append_printf(out, "%" G_GUINT64_FORMAT " %s", bytes, units[unit]);
}

/* "0x10000-0x2DFFF (30 pages, 120 KB)": the byte range of an inclusive page range. */
static void append_range(GString *out, uint64_t vpn_start, uint64_t vpn_end)
{
    uint64_t pages = vpn_end - vpn_start + 1;
    g_string_append_printf(out, "0x%" G_GINT64_MODIFIER "X-0x%" G_GINT64_MODIFIER "X (%"
                           G_GUINT64_FORMAT " page%s, ",
                           vpn_start << 12, ((vpn_end + 1) << 12) - 1, pages, pages == 1 ? "" : "s");
    append_size(out, pages << 12);
    g_string_append_c(out, ')');
}

/* For a range inside an existing allocation of the event's process: "= pages 1-3 of the
 * allocation at 0x10000". */
static void append_relative(const VsRunner *runner, const VsEvent *e, GString *out)
{
    VsProcess *process = vs_process_by_id(runner->system, e->pid);
    const VsVad *vad = process ? vs_vad_lookup(process, e->vpn_start << 12) : NULL;
    if (!vad)
        return;
    VsVadInfo info;
    vs_vad_info(vad, &info);
    if (info.starting_vpn == e->vpn_start && info.ending_vpn == e->vpn_end)
        return; /* the whole allocation: nothing to add */
    g_string_append_printf(out, " = page%s %" G_GUINT64_FORMAT, e->vpn_end > e->vpn_start ? "s" : "",
                           e->vpn_start - info.starting_vpn);
    if (e->vpn_end > e->vpn_start)
        g_string_append_printf(out, "-%" G_GUINT64_FORMAT, e->vpn_end - info.starting_vpn);
    g_string_append_printf(out, " of the %s at 0x%" G_GINT64_MODIFIER "X",
                           linux_system(runner) ? "VMA" : "allocation", info.starting_vpn << 12);
}

static const char *level_name(const VsRunner *runner, uint32_t level)
{
    return vs_pte_level_name(vs_runner_process(runner), level);
}

/* ", working set now N pages" after a fault. */
static void append_working_set(GString *out, const VsEvent *e)
{
    g_string_append_printf(out, "; working set %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
                                " page%s",
                           e->pages - 1, e->pages, e->pages == 1 ? "" : "s");
}

/* A section in a Linux system is how the model keeps pages several mappings share: a file's page
 * cache, a shmem file's pages, or the private pages parent and child share after fork. */
static void narrate_linux_section(const VsEvent *e, GString *out)
{
    uint64_t pages = (e->size + 4095) / 4096;
    g_string_append_printf(out, "section %u created: %" G_GUINT64_FORMAT " prototype PTE%s ",
                           e->section, pages, pages == 1 ? "" : "s");
    if (e->mapped_file)
        g_string_append(out, "for the file's pages (its page cache, as every mapping of it finds "
                             "them), each pointing into the file; no commit charged");
    else
        g_string_append_printf(out, "for pages more than one mapping shares (a shmem file's, or "
                               "after fork the private pages parent and child share "
                               "copy-on-write, as Windows' clone prototype PTEs); %"
                               G_GUINT64_FORMAT " page%s of commit charged",
                               e->pages, e->pages == 1 ? "" : "s");
}

/* The Linux personality's own events (vma.c, mremap, madvise, fork). */
static void narrate_linux(const VsEvent *e, GString *out)
{
    switch (e->kind) {
    case VS_EV_VMA_SPLIT:
        g_string_append(out, "the VMA ");
        append_range(out, e->old_start, e->old_end);
        g_string_append_printf(out, " is split in two at 0x%" G_GINT64_MODIFIER "X (split_vma): "
                               "the two halves will differ", e->vpn_start << 12);
        break;
    case VS_EV_VMA_MERGED:
        g_string_append(out, "the VMA ");
        append_range(out, e->old_start, e->old_end);
        g_string_append(out, " merges with its neighbour (same flags, file and anon_vma): one VMA "
                             "now covers ");
        append_range(out, e->vpn_start, e->vpn_end);
        break;
    case VS_EV_VMA_MOVED:
        g_string_append(out, "mremap moves the VMA ");
        append_range(out, e->old_start, e->old_end);
        g_string_append(out, " to ");
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, ": its page-table entries move with it (%" G_GUINT64_FORMAT
                               " resident page%s), no page is copied",
                               e->pages, e->pages == 1 ? "" : "s");
        break;
    case VS_EV_ANON_VMA:
        g_string_append(out, "the VMA ");
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, " gets anon_vma %" G_GUINT64_FORMAT " for its first private "
                               "page (it lets the kernel find every mapping of an anonymous "
                               "page)%s", e->frame,
                               e->pages ? "; shared with its neighbour's, so the two may merge"
                                        : "");
        break;
    case VS_EV_PAGES_DISCARDED:
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, " lose their pages: %" G_GUINT64_FORMAT " resident page%s "
                               "freed; the next touch reads zeros (anonymous memory) or the file "
                               "again", e->pages, e->pages == 1 ? "" : "s");
        break;
    case VS_EV_VMA_PKEY:
        g_string_append(out, "the VMA ");
        append_range(out, e->vpn_start, e->vpn_end);
        if (e->frame == 1)
            g_string_append(out, " gets protection key 1, the execute-only key (it was mapped "
                                 "PROT_EXEC alone on a CPU with protection keys): its page-table "
                                 "entries still allow reads, since x86 cannot say \"execute only\" "
                                 "there, but PKRU denies every load and store through key 1");
        else
            g_string_append_printf(out, " has protection key %" G_GUINT64_FORMAT " again: no "
                                   "longer PROT_EXEC alone, so the execute-only key is taken "
                                   "away", e->frame);
        break;
    case VS_EV_PKEY_FAULT:
        g_string_append_printf(out, "the %s of page 0x%" G_GINT64_MODIFIER "X raises SIGSEGV "
                               "(SEGV_PKUERR): the page is execute-only through protection key %"
                               G_GUINT64_FORMAT ", so the fault is the key's, not the page "
                               "table's: PKRU denies the access before any page is looked at",
                               e->write ? "write" : "read", e->vpn_start << 12, e->frame);
        break;
    default: /* VS_EV_PROCESS_FORKED */
        g_string_append_printf(out, "process %u forks: child process %" G_GUINT64_FORMAT " gets a "
                               "copy of its VMAs and descriptors; private pages are now shared "
                               "by both, read-only, until one writes (copy-on-write); shared "
                               "mappings stay shared", e->pid, e->frame);
        break;
    }
}

static void narrate(const VsRunner *runner, const VsEvent *e, GString *out)
{
    char protect[96], old[96];
    vs_protect_string(e->protection, protect, sizeof protect);
    vs_protect_string(e->old_protection, old, sizeof old);
    switch (e->kind) {
    case VS_EV_RANGE_ROUNDED:
        g_string_append_printf(out, "%" G_GUINT64_FORMAT " bytes ", e->size);
        if (e->address)
            g_string_append_printf(out, "at 0x%" G_GINT64_MODIFIER "X ", e->address);
        else if (linux_system(runner))
            g_string_append(out, "with no address (mmap searches down from mmap_base for a gap) ");
        else
            g_string_append(out, "with no base (the VAD tree's first fit picks one) ");
        g_string_append(out, "round to pages ");
        append_range(out, e->vpn_start, e->vpn_end);
        append_relative(runner, e, out);
        break;
    case VS_EV_VAD_INSERTED:
        g_string_append_printf(out, "a new %s %s ", vad_word(runner),
                               linux_system(runner) ? "maps" : "reserves");
        append_range(out, e->vpn_start, e->vpn_end);
        break;
    case VS_EV_VAD_REMOVED:
        g_string_append_printf(out, "the %s for ", vad_word(runner));
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append(out, " is deleted: the range is free");
        break;
    case VS_EV_VAD_TRIMMED:
        g_string_append_printf(out, "the %s shrinks to ", vad_word(runner));
        append_range(out, e->vpn_start, e->vpn_end);
        break;
    case VS_EV_VAD_SPLIT:
        g_string_append(out, linux_system(runner) ? "unmapping " : "releasing ");
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, " splits its %s in two", vad_word(runner));
        break;
    case VS_EV_VMA_SPLIT:
    case VS_EV_VMA_MERGED:
    case VS_EV_VMA_MOVED:
    case VS_EV_ANON_VMA:
    case VS_EV_PAGES_DISCARDED:
    case VS_EV_PROCESS_FORKED:
    case VS_EV_VMA_PKEY:
    case VS_EV_PKEY_FAULT:
        narrate_linux(e, out);
        break;
    case VS_EV_COMMITTED:
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, " committed as %s; %" G_GUINT64_FORMAT " page%s of commit charged",
                               protect, e->pages, e->pages == 1 ? "" : "s");
        if (e->pages < pages_of(e))
            g_string_append(out, " (the rest was committed already)");
        break;
    case VS_EV_DECOMMITTED:
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, " decommitted; %" G_GUINT64_FORMAT " page%s of commit returned",
                               e->pages, e->pages == 1 ? "" : "s");
        break;
    case VS_EV_PROTECTED:
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, " now %s (the first page was %s)", protect, old);
        break;
    case VS_EV_DEMAND_ZERO_FAULT:
        g_string_append_printf(out, "demand-zero fault (%s) at 0x%" G_GINT64_MODIFIER
                               "X: never touched, so it gets frame 0x%" G_GINT64_MODIFIER
                               "X from the %s list",
                               e->write ? "write" : "read", e->vpn_start << 12, e->frame,
                               vs_page_location_name(e->list));
        if (e->list != VS_PAGE_ZEROED)
            g_string_append(out, ", zeroed first");
        append_working_set(out, e);
        break;
    case VS_EV_SOFT_FAULT:
        if (e->list == VS_PAGE_ACTIVE) {
            g_string_append_printf(out, "fault (%s) at 0x%" G_GINT64_MODIFIER "X resolved through "
                                   "section %u's prototype PTE: the page is already in frame 0x%"
                                   G_GINT64_MODIFIER "X, mapped by another view; this PTE maps "
                                   "it too and its share count grows",
                                   e->write ? "write" : "read", e->vpn_start << 12, e->section,
                                   e->frame);
            append_working_set(out, e);
            break;
        }
        g_string_append_printf(out, "soft fault (%s) at 0x%" G_GINT64_MODIFIER
                               "X: the page is still in frame 0x%" G_GINT64_MODIFIER
                               "X on the %s list; its PTE is made valid again, no disk read",
                               e->write ? "write" : "read", e->vpn_start << 12, e->frame,
                               vs_page_location_name(e->list));
        append_working_set(out, e);
        break;
    case VS_EV_HARD_FAULT:
        if (e->mapped_file) {
            g_string_append_printf(out, "hard fault (%s) at 0x%" G_GINT64_MODIFIER "X: section %u's "
                                   "prototype PTE says the page is in the mapped file, so it is "
                                   "read from the file into frame 0x%" G_GINT64_MODIFIER
                                   "X from the %s list",
                                   e->write ? "write" : "read", e->vpn_start << 12, e->section,
                                   e->frame, vs_page_location_name(e->list));
            append_working_set(out, e);
            break;
        }
        g_string_append_printf(out, "hard fault (%s) at 0x%" G_GINT64_MODIFIER
                               "X: the page is only in page-file slot %" G_GUINT64_FORMAT
                               ", read back into frame 0x%" G_GINT64_MODIFIER "X from the %s list",
                               e->write ? "write" : "read", e->vpn_start << 12, e->slot,
                               e->frame, vs_page_location_name(e->list));
        append_working_set(out, e);
        break;
    case VS_EV_PAGE_TRIMMED:
        if (e->list == VS_PAGE_ACTIVE) {
            g_string_append_printf(out, "page 0x%" G_GINT64_MODIFIER "X (age %u) leaves the "
                                   "working set: its PTE points at the prototype PTE again; frame 0x%"
                                   G_GINT64_MODIFIER "X stays active, other views map it; "
                                   "working set now %" G_GUINT64_FORMAT " page%s",
                                   e->vpn_start << 12, e->age, e->frame, e->pages,
                                   e->pages == 1 ? "" : "s");
            break;
        }
        g_string_append_printf(out, "page 0x%" G_GINT64_MODIFIER "X (age %u) leaves the working "
                               "set: frame 0x%" G_GINT64_MODIFIER "X goes to the %s list (%s), "
                               "its PTE to transition; working set now %" G_GUINT64_FORMAT
                               " page%s",
                               e->vpn_start << 12, e->age, e->frame,
                               vs_page_location_name(e->list),
                               e->list == VS_PAGE_MODIFIED ? "dirty: it must be written first"
                                                           : "clean",
                               e->pages, e->pages == 1 ? "" : "s");
        break;
    case VS_EV_PAGE_WRITTEN:
        if (e->mapped_file) {
            g_string_append_printf(out, "the mapped page writer writes frame 0x%" G_GINT64_MODIFIER
                                   "X (page %" G_GUINT64_FORMAT " of section %u) back to its file; "
                                   "it moves to the standby list, clean",
                                   e->frame, e->vpn_start, e->section);
            break;
        }
        g_string_append_printf(out, "the modified page writer writes frame 0x%" G_GINT64_MODIFIER
                               "X (page 0x%" G_GINT64_MODIFIER "X) to page-file slot %"
                               G_GUINT64_FORMAT "; it moves to the standby list",
                               e->frame, e->vpn_start << 12, e->slot);
        break;
    case VS_EV_PAGE_REPURPOSED:
        if (e->section)
            g_string_append_printf(out, "standby frame 0x%" G_GINT64_MODIFIER "X is repurposed: "
                                   "page %" G_GUINT64_FORMAT " of section %u loses it, its "
                                   "prototype PTE (for every view) ",
                                   e->frame, e->vpn_start, e->section);
        else
            g_string_append_printf(out, "standby frame 0x%" G_GINT64_MODIFIER "X is repurposed: "
                                   "page 0x%" G_GINT64_MODIFIER "X of process %u loses it, its PTE ",
                                   e->frame, e->vpn_start << 12, e->pid);
        if (e->mapped_file)
            g_string_append(out, "points at the file again (its next touch reads the file)");
        else if (e->slot)
            g_string_append_printf(out, "now names page-file slot %" G_GUINT64_FORMAT
                                   " (its next touch is a hard fault)", e->slot);
        else
            g_string_append(out, "is demand zero again: with no page-file copy it will "
                                 "read zeros (a clean page never written out held only zeros, "
                                 "unless its contents were let go with MEM_RESET)");
        break;
    case VS_EV_PAGES_ZEROED:
        g_string_append_printf(out, "the zero page thread zeroes %" G_GUINT64_FORMAT
                               " free page%s onto the zeroed list",
                               e->pages, e->pages == 1 ? "" : "s");
        break;
    case VS_EV_PAGES_RESET:
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append(out, " reset: still committed, but their contents are no longer wanted: "
                             "dirty pages are clean now and page-file copies are gone, so a page "
                             "whose frame is taken reads zeros");
        break;
    case VS_EV_SECTION_CREATED:
        if (linux_system(runner)) {
            narrate_linux_section(e, out);
            break;
        }
        g_string_append_printf(out, "section %u created: %" G_GUINT64_FORMAT " bytes, %s, a "
                               "segment of %" G_GUINT64_FORMAT " prototype PTE%s; ",
                               e->section, e->size, protect, (e->size + 4095) / 4096,
                               (e->size + 4095) / 4096 == 1 ? "" : "s");
        if (e->mapped_file)
            g_string_append(out, "it maps a file: every prototype PTE points into the file, and "
                                 "no commit is charged (the file backs the pages)");
        else if (e->pages)
            g_string_append_printf(out, "SEC_COMMIT: all %" G_GUINT64_FORMAT " page%s of commit "
                                   "charged to the system now, demand zero",
                                   e->pages, e->pages == 1 ? "" : "s");
        else
            g_string_append(out, "SEC_RESERVE: nothing committed, nothing charged until a view "
                                 "commits pages");
        break;
    case VS_EV_SECTION_DELETED:
        g_string_append_printf(out, "section %u is deleted (no handle and no view refers to it): "
                               "its frames are freed and %" G_GUINT64_FORMAT " page%s of commit "
                               "returned", e->section, e->pages, e->pages == 1 ? "" : "s");
        break;
    case VS_EV_SECTION_COMMITTED:
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, " committed in section %u's prototype PTEs, so every view of "
                               "it sees them; %" G_GUINT64_FORMAT " page%s of commit charged",
                               e->section, e->pages, e->pages == 1 ? "" : "s");
        if (e->pages < pages_of(e))
            g_string_append(out, " (the rest was committed already)");
        break;
    case VS_EV_VIEW_MAPPED:
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, " now maps section %u from its page %" G_GUINT64_FORMAT
                               " as %s: a VAD that points at the section; no page is touched "
                               "yet", e->section, e->slot, protect);
        if (e->pages)
            g_string_append_printf(out, "; copy-on-write, so %" G_GUINT64_FORMAT " page%s of "
                                   "commit charged now (each may become a private copy)",
                                   e->pages, e->pages == 1 ? "" : "s");
        break;
    case VS_EV_VIEW_UNMAPPED:
        g_string_append(out, "the view ");
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append_printf(out, " of section %u is unmapped: its VAD is gone, its pages "
                               "left the working set", e->section);
        break;
    case VS_EV_COPY_ON_WRITE:
        g_string_append_printf(out, "copy-on-write fault at 0x%" G_GINT64_MODIFIER "X: the first "
                               "store gets a private copy in frame 0x%" G_GINT64_MODIFIER "X (from "
                               "the %s list) of shared frame 0x%" G_GINT64_MODIFIER "X; the page "
                               "is %s now, and other mappers keep the original",
                               e->vpn_start << 12, e->frame, vs_page_location_name(e->list),
                               e->old_start, protect);
        break;
    case VS_EV_RESET_UNDONE:
        append_range(out, e->vpn_start, e->vpn_end);
        if (e->pages == 0)
            g_string_append(out, " wanted again (MEM_RESET_UNDO): every page still had its "
                                 "contents, and each is dirty again so none is let go");
        else if (e->pages == e->vpn_end - e->vpn_start + 1)
            g_string_append(out, " wanted again (MEM_RESET_UNDO), too late: the contents are gone "
                                 "and the pages will read zeros");
        else
            g_string_append_printf(out, " wanted again (MEM_RESET_UNDO), but %" G_GUINT64_FORMAT
                                   " page%s had already lost %s contents and will read zeros; "
                                   "the pages that still had theirs are dirty again",
                                   e->pages, e->pages == 1 ? "" : "s",
                                   e->pages == 1 ? "its" : "their");
        break;
    case VS_EV_VIEW_FLUSHED:
        g_string_append(out, "FlushViewOfFile over ");
        append_range(out, e->vpn_start, e->vpn_end);
        if (!e->mapped_file)
            g_string_append(out, ": the view maps the page file, nothing to write");
        else
            g_string_append_printf(out, ": %" G_GUINT64_FORMAT " dirty page%s written to the "
                                   "file now, clean again", e->pages, e->pages == 1 ? "" : "s");
        break;
    case VS_EV_PLACEHOLDER_RESERVED:
        g_string_append(out, "a placeholder VAD reserves ");
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append(out, ": address space held for something to replace it later; it can be "
                             "split, coalesced or replaced, never committed");
        break;
    case VS_EV_PLACEHOLDER_SPLIT:
        g_string_append(out, "the placeholder ");
        append_range(out, e->old_start, e->old_end);
        g_string_append(out, " is split: ");
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append(out, " is a placeholder of its own, the rest stays a placeholder (no "
                             "address is free at any moment)");
        break;
    case VS_EV_PLACEHOLDERS_COALESCED:
        g_string_append_printf(out, "%" G_GUINT64_FORMAT " adjacent placeholders become one: ",
                               e->pages);
        append_range(out, e->vpn_start, e->vpn_end);
        break;
    case VS_EV_PLACEHOLDER_REPLACED:
        g_string_append(out, "the placeholder ");
        append_range(out, e->vpn_start, e->vpn_end);
        if (e->section)
            g_string_append_printf(out, " is replaced, whole, by a view of section %u (%s)",
                                   e->section, protect);
        else
            g_string_append_printf(out, " is replaced, whole, by private memory (%s): its VAD "
                                   "stays and becomes an ordinary reservation", protect);
        break;
    case VS_EV_PLACEHOLDER_RESTORED:
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append(out, " is a placeholder again (MEM_PRESERVE_PLACEHOLDER): what was there "
                             "is gone, but the address space stays held");
        break;
    case VS_EV_WORKING_SET_AGED:
        g_string_append_printf(out, "the working set of process %u is aged: %" G_GUINT64_FORMAT
                               " page%s, each touched one young again, each untouched one older",
                               e->pid, e->pages, e->pages == 1 ? "" : "s");
        break;
    case VS_EV_GUARD_PAGE:
        g_string_append_printf(out, "guard page hit at 0x%" G_GINT64_MODIFIER
                               "X: STATUS_GUARD_PAGE_VIOLATION, and the guard is removed",
                               e->vpn_start << 12);
        break;
    case VS_EV_ACCESS_VIOLATION:
        g_string_append_printf(out, "the %s of page 0x%" G_GINT64_MODIFIER "X raises %s",
                               e->write ? "write" : "read", e->vpn_start << 12,
                               linux_system(runner) ? "SIGSEGV" : "STATUS_ACCESS_VIOLATION");
        break;
    case VS_EV_FRAME_RELEASED:
        g_string_append_printf(out, "frame 0x%" G_GINT64_MODIFIER "X of page 0x%"
                               G_GINT64_MODIFIER "X goes back to the free list",
                               e->frame, e->vpn_start << 12);
        break;
    case VS_EV_TABLE_CREATED:
    case VS_EV_TABLE_FREED:
        g_string_append_printf(out, "a %s page for ", level_name(runner, e->level));
        append_range(out, e->vpn_start, e->vpn_end);
        g_string_append(out, e->kind == VS_EV_TABLE_CREATED ? " is created"
                                                            : " is freed: it held no entries");
        break;
    }
}

/* strerror's words for the errno values the model sets. */
static const char *errno_text(uint32_t value)
{
    switch (value) {
    case VS_EPERM: return "Operation not permitted";
    case VS_ENOENT: return "No such file or directory";
    case VS_EBADF: return "Bad file descriptor";
    case VS_EAGAIN: return "Resource temporarily unavailable";
    case VS_ENOMEM: return "Cannot allocate memory";
    case VS_EACCES: return "Permission denied";
    case VS_EFAULT: return "Bad address";
    case VS_EBUSY: return "Device or resource busy";
    case VS_EEXIST: return "File exists";
    case VS_ENODEV: return "No such device";
    case VS_EINVAL: return "Invalid argument";
    case VS_EMFILE: return "Too many open files";
    case VS_EFBIG: return "File too large";
    case VS_ENOSPC: return "No space left on device";
    case VS_ENAMETOOLONG: return "File name too long";
    case VS_EOVERFLOW: return "Value too large for defined data type";
    case VS_EOPNOTSUPP: return "Operation not supported";
    default: return "?";
    }
}

/* After a read or write in a Linux system: the signal it raised, if any. */
static void append_signal(GString *out, uint32_t signal)
{
    if (signal == VS_SIGSEGV)
        g_string_append(out, ": raised SIGSEGV (11): no mapping there, or its protection forbids "
                             "this access");
    else if (signal == VS_SIGBUS)
        g_string_append(out, ": raised SIGBUS (7): the page lies wholly past the end of its file");
    else if (signal)
        g_string_append_printf(out, ": raised signal %u", signal);
}

/* What a successful call returned, in words. */
static void append_success(VsRunner *runner, VsOpKind kind, uint64_t ret, GString *out)
{
    switch (kind) {
    case VS_OP_MMAP:
    case VS_OP_MREMAP:
        g_string_append_printf(out, ": %s returned the mapping's address",
                               vs_op_spec(kind)->name);
        break;
    case VS_OP_MEMFD_CREATE:
    case VS_OP_SHM_OPEN:
    case VS_OP_OPEN:
        g_string_append_printf(out, ": %s returned a new file descriptor", vs_op_spec(kind)->name);
        break;
    case VS_OP_FORK: {
        VsProcess *child = ret <= UINT32_MAX ? vs_process_by_id(runner->system, (uint32_t)ret)
                                             : NULL;
        const char *name = child ? vs_runner_name_of(runner, child) : NULL;
        g_string_append_printf(out, ": the child's pid, in the parent; the child is process '%s' "
                               "(`process %s` makes calls in it)", name ? name : "?",
                               name ? name : "?");
        break;
    }
    default:
        break;
    }
}

void vs_narrate_linux_result(VsRunner *runner, VsOpKind kind, const VsValue *v)
{
    GString *out = runner->out;
    const char *name = vs_op_spec(kind)->name;
    if (kind == VS_OP_READ || kind == VS_OP_WRITE) {
        vs_value_format(v, out);
        append_signal(out, runner->exception);
        return;
    }
    if (!vs_op_failed(kind, v->i)) {
        vs_value_format(v, out);
        append_success(runner, kind, v->i, out);
        return;
    }
    uint32_t e = (uint32_t)vs_errno(vs_runner_thread(runner));
    const char *errno_name = vs_errno_name(e);
    if (vs_op_spec(kind)->returns == VS_RETURN_MMAP)
        g_string_append(out, "MAP_FAILED");
    else if (v->i == UINT64_MAX)
        g_string_append(out, "-1");
    else
        vs_value_format(v, out);
    g_string_append_printf(out, ": %s failed: %s (%u): %s", name, errno_name ? errno_name : "?",
                           e, errno_text(e));
}

void vs_narrate_events(VsRunner *runner)
{
    const VsEventLog *log = &runner->log;
    if (runner->verbosity == VS_RUN_JSON) {
        for (size_t i = 0; i < log->count; i++)
            vs_json_event(runner, &log->events[i]);
        return;
    }
    for (size_t i = 0; i < log->count; i++) {
        g_string_append(runner->out, "      - ");
        narrate(runner, &log->events[i], runner->out);
        g_string_append_c(runner->out, '\n');
    }
    if (log->lost)
        g_string_append_printf(runner->out, "      - (%zu events lost: host out of memory)\n",
                               log->lost);
}
