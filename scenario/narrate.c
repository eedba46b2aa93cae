/*
 * narrate.c - one plain sentence for each thing the model changed, built from its event log.
 *
 * The model reports typed events (vadsim.h); this file is the only place that turns them into
 * words, so the runner, the stepper and the golden tests all say the same thing. Each event kind
 * has one sentence builder, found through the table narrators (json.c has the same events' JSON
 * fields). A call's result is narrated from its row of calls.def: its return kind, what a
 * successful Linux call gives.
 */
#include "runner_int.h"

static uint64_t page_of(uint64_t address) { return address & ~(uint64_t)0xFFF; }

static uint64_t pages_of(const VsEvent *e) { return e->vpn_end - e->vpn_start + 1; }

static gboolean linux_system(const VsRunner *runner) { return vs_is_linux(runner->system); }

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
    g_string_append_printf(
        out, "0x%" G_GINT64_MODIFIER "X-0x%" G_GINT64_MODIFIER "X (%" G_GUINT64_FORMAT " page%s, ",
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
    g_string_append_printf(out, " = page%s %" G_GUINT64_FORMAT,
                           e->vpn_end > e->vpn_start ? "s" : "", e->vpn_start - info.starting_vpn);
    if (e->vpn_end > e->vpn_start)
        g_string_append_printf(out, "-%" G_GUINT64_FORMAT, e->vpn_end - info.starting_vpn);
    g_string_append_printf(out, " of the %s at 0x%" G_GINT64_MODIFIER "X",
                           linux_system(runner) ? "VMA" : "allocation", info.starting_vpn << 12);
}

static const char *level_name(const VsRunner *runner, uint32_t level)
{
    return vs_words_level(runner, vs_runner_process(runner), level);
}

/* "; working set 1 -> 2 pages" after a fault (in a Linux system, its resident set). */
static void append_working_set(const VsRunner *runner, GString *out, const VsEvent *e)
{
    g_string_append_printf(out, "; %s %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " page%s",
                           vs_words_working_set(runner), e->pages - 1, e->pages,
                           e->pages == 1 ? "" : "s");
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
        g_string_append_printf(
            out,
            "for pages more than one mapping shares (a shmem file's, or "
            "after fork the private pages parent and child share "
            "copy-on-write, as Windows' clone prototype PTEs); %" G_GUINT64_FORMAT
            " page%s of commit charged",
            e->pages, e->pages == 1 ? "" : "s");
}

/* ---- One sentence per event kind ------------------------------------------------------------- */

static void narrate_vad_inserted(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out, "a new %s %s ", vs_words_vad(runner),
                           linux_system(runner) ? "maps" : "reserves");
    append_range(out, e->vpn_start, e->vpn_end);
}

static void narrate_vad_removed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out, "the %s for ", vs_words_vad(runner));
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append(out, " is deleted: the range is free");
}

static void narrate_vad_trimmed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out, "the %s shrinks to ", vs_words_vad(runner));
    append_range(out, e->vpn_start, e->vpn_end);
}

static void narrate_vad_split(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, linux_system(runner) ? "unmapping " : "releasing ");
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out, " splits its %s in two", vs_words_vad(runner));
}

static void narrate_range_rounded(const VsRunner *runner, const VsEvent *e, GString *out)
{
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
}

static void narrate_committed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    char protect[96];
    vs_words_protection(runner, e->protection, protect, sizeof protect);
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out, " committed as %s; %" G_GUINT64_FORMAT " page%s of commit charged",
                           protect, e->pages, e->pages == 1 ? "" : "s");
    if (e->pages < pages_of(e))
        g_string_append(out, " (the rest was committed already)");
}

static void narrate_decommitted(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out, " decommitted; %" G_GUINT64_FORMAT " page%s of commit returned",
                           e->pages, e->pages == 1 ? "" : "s");
}

static void narrate_protected(const VsRunner *runner, const VsEvent *e, GString *out)
{
    char protect[96], old[96];
    vs_words_protection(runner, e->protection, protect, sizeof protect);
    vs_words_protection(runner, e->old_protection, old, sizeof old);
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out, " now %s (the first page was %s)", protect, old);
}

static void narrate_table_created(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out, "a %s page for ", level_name(runner, e->level));
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append(out, " is created");
}

static void narrate_table_freed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out, "a %s page for ", level_name(runner, e->level));
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append(out, " is freed: it held no entries");
}

/* The access a fault event is about: a load, a store or an instruction fetch. */
static const char *access_word(const VsEvent *e)
{
    return e->execute ? "execute" : e->write ? "write" : "read";
}

static void narrate_demand_zero_fault(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(
        out,
        "demand-zero fault (%s) at 0x%" G_GINT64_MODIFIER
        "X: never touched, so it gets frame 0x%" G_GINT64_MODIFIER "X from the %s list",
        access_word(e), e->vpn_start << 12, e->frame, vs_page_location_name(e->list));
    if (e->list != VS_PAGE_ZEROED)
        g_string_append(out, ", zeroed first");
    append_working_set(runner, out, e);
}

static void narrate_soft_fault(const VsRunner *runner, const VsEvent *e, GString *out)
{
    if (e->list == VS_PAGE_ACTIVE) {
        g_string_append_printf(
            out,
            "fault (%s) at 0x%" G_GINT64_MODIFIER "X resolved through "
            "section %u's prototype PTE: the page is already in frame 0x%" G_GINT64_MODIFIER
            "X, mapped by another %s; this PTE maps "
            "it too and its share count grows",
            access_word(e), e->vpn_start << 12, e->section, e->frame,
            linux_system(runner) ? "mapping" : "view");
        append_working_set(runner, out, e);
        return;
    }
    g_string_append_printf(out,
                           "soft fault (%s) at 0x%" G_GINT64_MODIFIER
                           "X: the page is still in frame 0x%" G_GINT64_MODIFIER
                           "X on the %s list; its PTE is made valid again, no disk read",
                           access_word(e), e->vpn_start << 12, e->frame,
                           vs_page_location_name(e->list));
    append_working_set(runner, out, e);
}

static void narrate_hard_fault(const VsRunner *runner, const VsEvent *e, GString *out)
{
    if (e->mapped_file) {
        g_string_append_printf(out,
                               "hard fault (%s) at 0x%" G_GINT64_MODIFIER "X: section %u's "
                               "prototype PTE says the page is in the mapped file, so it is "
                               "read from the file into frame 0x%" G_GINT64_MODIFIER
                               "X from the %s list",
                               access_word(e), e->vpn_start << 12, e->section, e->frame,
                               vs_page_location_name(e->list));
        append_working_set(runner, out, e);
        return;
    }
    g_string_append_printf(out,
                           "hard fault (%s) at 0x%" G_GINT64_MODIFIER
                           "X: the page is only in page-file slot %" G_GUINT64_FORMAT
                           ", read back into frame 0x%" G_GINT64_MODIFIER "X from the %s list",
                           access_word(e), e->vpn_start << 12, e->slot, e->frame,
                           vs_page_location_name(e->list));
    append_working_set(runner, out, e);
}

static void narrate_guard_page(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "guard page hit at 0x%" G_GINT64_MODIFIER
                           "X: STATUS_GUARD_PAGE_VIOLATION, and the guard is removed",
                           e->vpn_start << 12);
}

static void narrate_access_violation(const VsRunner *runner, const VsEvent *e, GString *out)
{
    gboolean linux_words = linux_system(runner);
    g_string_append_printf(out, "the %s of page 0x%" G_GINT64_MODIFIER "X raises %s",
                           access_word(e), e->vpn_start << 12,
                           linux_words ? "SIGSEGV" : "STATUS_ACCESS_VIOLATION");
    if (!e->execute)
        return;
    if (e->protection) {
        char protect[96];
        vs_words_protection(runner, e->protection, protect, sizeof protect);
        g_string_append_printf(out,
                               ": the page is resident, but its PTE has the NX bit, since %s "
                               "does not execute%s",
                               protect, linux_words ? "" : " (Data Execution Prevention)");
    }
    g_string_append(out, e->protection ? "; " : ": ");
    const VsProcess *process = vs_process_by_id(runner->system, e->pid);
    if (!linux_words && process && !vs_process_dep_enabled(process)) {
        g_string_append(out, "ExceptionInformation[0] = 0, EXCEPTION_READ_FAULT: with DEP off, "
                             "a fetch faults as a read");
        return;
    }
    g_string_append(out, linux_words ? "SEGV_ACCERR, and the page-fault error code has the "
                                       "instruction-fetch bit"
                                     : "ExceptionInformation[0] = 8, EXCEPTION_EXECUTE_FAULT");
}

static void narrate_pages_offered(const VsRunner *runner, const VsEvent *e, GString *out)
{
    static const char *const priorities[] = {"", "very low", "low", "below normal", "normal"};
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(
        out,
        " offered (priority %s): PAGE_NOACCESS until reclaimed, out of the "
        "working set, clean so never written to the page file; the %" G_GUINT64_FORMAT
        " page%s that held contents keep them in their frames until the frames "
        "are wanted",
        e->frame < G_N_ELEMENTS(priorities) ? priorities[e->frame] : "?", e->pages,
        e->pages == 1 ? "" : "s");
}

static void narrate_pages_reclaimed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    if (e->pages == 0) {
        g_string_append(out, " reclaimed intact: their protections are back and every page "
                             "kept its contents (ERROR_SUCCESS)");
        return;
    }
    g_string_append_printf(out,
                           " reclaimed: their protections are back, but %" G_GUINT64_FORMAT
                           " page%s lost %s contents while offered - the frame went to another "
                           "page - and read%s zeros (ERROR_BUSY)",
                           e->pages, e->pages == 1 ? "" : "s", e->pages == 1 ? "its" : "their",
                           e->pages == 1 ? "s" : "");
}

static void narrate_memory_discarded(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append(out, " discarded: still committed, but the contents are gone now - frames "
                         "freed, page-file copies dropped - and the next touch reads zeros");
}

/* A request left pending: the driver keeps its IRP; the OVERLAPPED (its IO_STATUS_BLOCK) holds
 * STATUS_PENDING, which kernelbase stored before the call. */
static void narrate_io_pending(const VsRunner *runner, const VsEvent *e, GString *out)
{
    (void)runner;
    if (e->size)
        g_string_append_printf(out,
                               "the read of 0x%" G_GINT64_MODIFIER
                               "X bytes into 0x%" G_GINT64_MODIFIER
                               "X is left pending: nothing is queued in the "
                               "pipe yet, so NPFS keeps the request (its IRP) until a write "
                               "comes; every page of the buffer was probed for writing first",
                               e->size, e->address);
    else
        g_string_append(out, "the connect is left pending: NPFS keeps the request until a "
                             "client opens the pipe");
    if (e->frame)
        g_string_append_printf(out,
                               "; the OVERLAPPED at 0x%" G_GINT64_MODIFIER "X says "
                               "STATUS_PENDING until then",
                               e->frame);
    else
        g_string_append(out, "; without an OVERLAPPED, the thread waits in the call until then");
}

/* A pending request completed (IopCompleteRequest): the bytes, the IO_STATUS_BLOCK, the event. */
static void narrate_io_completed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    (void)runner;
    const char *status = vs_status_name(e->protection);
    if (e->address)
        g_string_append_printf(out,
                               "the pending read completes: 0x%" G_GINT64_MODIFIER "X bytes "
                               "copied into 0x%" G_GINT64_MODIFIER "X",
                               e->size, e->address);
    else
        g_string_append(out, "the pending connect completes: a client opened the pipe");
    if (e->frame)
        g_string_append_printf(out,
                               "; the OVERLAPPED at 0x%" G_GINT64_MODIFIER "X gets Internal "
                               "%s and InternalHigh 0x%" G_GINT64_MODIFIER "X",
                               e->frame, status ? status : "(a status)", e->size);
    g_string_append(out, e->frame ? ", and its event is set"
                                  : "; the thread that waited in the call returns from it");
}

/* The forms of ATL thunk the kernel emulates (atlthunk.c), by number. */
static const char *const atl_thunk_forms[] = {
    "",
    "mov dword [esp+4], imm32; jmp rel32",
    "mov ecx, imm32; jmp rel32",
    "mov edx, imm32; mov ecx, imm32; jmp ecx",
    "mov ecx, imm32; mov eax, imm32; jmp eax",
    "pop ecx; pop eax; push ecx; jmp [eax+4]",
};

static void narrate_execute_allowed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    char protect[96];
    vs_words_protection(runner, e->protection, protect, sizeof protect);
    g_string_append_printf(out,
                           "the instruction fetch at page 0x%" G_GINT64_MODIFIER
                           "X meets the NX bit (%s does not execute), ",
                           e->vpn_start << 12, protect);
    if (e->frame == 0 || e->frame >= G_N_ELEMENTS(atl_thunk_forms)) {
        g_string_append(out,
                        "but this 32-bit process runs with DEP off: the fault is let "
                        "through, NX is cleared in this page's PTE (a large or AWE page keeps it) "
                        "and the code runs");
        return;
    }
    g_string_append_printf(out,
                           "and the bytes there are ATL thunk form %" G_GUINT64_FORMAT
                           " (%s): the kernel carries it out itself (DEP-ATL thunk emulation), "
                           "no exception reaches the program, the page stays non-executable",
                           e->frame, atl_thunk_forms[e->frame]);
}

static void narrate_execute_options(const VsRunner *runner, const VsEvent *e, GString *out)
{
    (void)runner;
    g_string_append_printf(
        out, "process %u's execute options become 0x%X (were 0x%X): DEP %s%s%s", e->pid,
        e->protection, e->old_protection,
        (e->protection & MEM_EXECUTE_OPTION_DISABLE) && !(e->protection & MEM_EXECUTE_OPTION_ENABLE)
            ? "on"
            : "off",
        e->protection & MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION ? ", ATL thunk emulation off"
                                                                   : "",
        e->protection & MEM_EXECUTE_OPTION_PERMANENT ? ", for good" : "");
}

static void narrate_frame_released(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "frame 0x%" G_GINT64_MODIFIER "X of page 0x%" G_GINT64_MODIFIER
                           "X goes back to the free list",
                           e->frame, e->vpn_start << 12);
}

static void narrate_page_trimmed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    if (e->list == VS_PAGE_ACTIVE) {
        g_string_append_printf(
            out,
            "page 0x%" G_GINT64_MODIFIER "X (age %u) leaves the "
            "%s: its PTE points at the prototype PTE again; frame 0x%" G_GINT64_MODIFIER
            "X stays active, other views map it; "
            "%s now %" G_GUINT64_FORMAT " page%s",
            e->vpn_start << 12, e->age, vs_words_working_set(runner), e->frame,
            vs_words_working_set(runner), e->pages, e->pages == 1 ? "" : "s");
        return;
    }
    g_string_append_printf(out,
                           "page 0x%" G_GINT64_MODIFIER "X (age %u) leaves the %s: frame "
                           "0x%" G_GINT64_MODIFIER "X goes to the %s list (%s), "
                           "its PTE to transition; %s now %" G_GUINT64_FORMAT " page%s",
                           e->vpn_start << 12, e->age, vs_words_working_set(runner), e->frame,
                           vs_page_location_name(e->list),
                           e->list == VS_PAGE_MODIFIED ? "dirty: it must be written first"
                                                       : "clean",
                           vs_words_working_set(runner), e->pages, e->pages == 1 ? "" : "s");
}

static void narrate_page_written(const VsRunner *runner, const VsEvent *e, GString *out)
{
    if (e->mapped_file) {
        g_string_append_printf(out,
                               "the mapped page writer writes frame 0x%" G_GINT64_MODIFIER
                               "X (page %" G_GUINT64_FORMAT " of section %u) back to its file; "
                               "it moves to the standby list, clean",
                               e->frame, e->vpn_start, e->section);
        return;
    }
    g_string_append_printf(out,
                           "the modified page writer writes frame 0x%" G_GINT64_MODIFIER
                           "X (page 0x%" G_GINT64_MODIFIER "X) to page-file slot %" G_GUINT64_FORMAT
                           "; it moves to the standby list",
                           e->frame, e->vpn_start << 12, e->slot);
}

static void narrate_page_repurposed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    if (e->section)
        g_string_append_printf(out,
                               "standby frame 0x%" G_GINT64_MODIFIER "X is repurposed: "
                               "page %" G_GUINT64_FORMAT " of section %u loses it, its "
                               "prototype PTE (for every view) ",
                               e->frame, e->vpn_start, e->section);
    else
        g_string_append_printf(out,
                               "standby frame 0x%" G_GINT64_MODIFIER "X is repurposed: "
                               "page 0x%" G_GINT64_MODIFIER "X of process %u loses it, its PTE ",
                               e->frame, e->vpn_start << 12, e->pid);
    if (e->mapped_file)
        g_string_append(out, "points at the file again (its next touch reads the file)");
    else if (e->slot)
        g_string_append_printf(
            out, "now names page-file slot %" G_GUINT64_FORMAT " (its next touch is a hard fault)",
            e->slot);
    else
        g_string_append(out, "is demand zero again: with no page-file copy it will "
                             "read zeros (a clean page never written out held only zeros, "
                             "unless its contents were let go with MEM_RESET)");
}

static void narrate_pages_zeroed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(
        out, "the zero page thread zeroes %" G_GUINT64_FORMAT " free page%s onto the zeroed list",
        e->pages, e->pages == 1 ? "" : "s");
}

static void narrate_working_set_aged(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "the %s of process %u is aged: %" G_GUINT64_FORMAT
                           " page%s, each touched one young again, each untouched one older",
                           vs_words_working_set(runner), e->pid, e->pages,
                           e->pages == 1 ? "" : "s");
}

static void narrate_pages_reset(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append(out, " reset: still committed, but their contents are no longer wanted: "
                         "dirty pages are clean now and page-file copies are gone, so a page "
                         "whose frame is taken reads zeros");
}

static bool section_large(const VsSection *section)
{
    VsSectionInfo info;
    vs_section_info(section, &info);
    return info.large_pages;
}

static void narrate_section_created(const VsRunner *runner, const VsEvent *e, GString *out)
{
    if (linux_system(runner)) {
        narrate_linux_section(e, out);
        return;
    }
    char protect[96];
    vs_words_protection(runner, e->protection, protect, sizeof protect);
    g_string_append_printf(out,
                           "section %u created: %" G_GUINT64_FORMAT " bytes, %s, a "
                           "segment of %" G_GUINT64_FORMAT " prototype PTE%s; ",
                           e->section, e->size, protect, (e->size + 4095) / 4096,
                           (e->size + 4095) / 4096 == 1 ? "" : "s");
    const VsSection *section = vs_section_lookup(runner->system, e->section);
    VsImageInfo image;
    if (section && vs_section_image_info(section, &image))
        g_string_append_printf(out,
                               "an image of \"%s\": %u subsections (the headers, then each PE "
                               "section at the protection its characteristics give), its pages "
                               "in the file or demand zero, no commit charged",
                               vs_section_file_name(section), image.subsections);
    else if (e->mapped_file)
        g_string_append(out, "it maps a file: every prototype PTE points into the file, and "
                             "no commit is charged (the file backs the pages)");
    else if (e->pages && section && section_large(section))
        g_string_append_printf(out,
                               "SEC_COMMIT|SEC_LARGE_PAGES: all %" G_GUINT64_FORMAT
                               " pages of commit charged to the system now, and every page "
                               "resident in the large pages above",
                               e->pages);
    else if (e->pages)
        g_string_append_printf(out,
                               "SEC_COMMIT: all %" G_GUINT64_FORMAT " page%s of commit "
                               "charged to the system now, demand zero",
                               e->pages, e->pages == 1 ? "" : "s");
    else
        g_string_append(out, "SEC_RESERVE: nothing committed, nothing charged until a view "
                             "commits pages");
}

static void narrate_section_deleted(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "section %u is deleted (no handle and no view refers to it): "
                           "its frames are freed and %" G_GUINT64_FORMAT " page%s of commit "
                           "returned",
                           e->section, e->pages, e->pages == 1 ? "" : "s");
}

static void narrate_section_committed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " committed in section %u's prototype PTEs, so every view of "
                           "it sees them; %" G_GUINT64_FORMAT " page%s of commit charged",
                           e->section, e->pages, e->pages == 1 ? "" : "s");
    if (e->pages < pages_of(e))
        g_string_append(out, " (the rest was committed already)");
}

static void narrate_view_mapped(const VsRunner *runner, const VsEvent *e, GString *out)
{
    char protect[96];
    vs_words_protection(runner, e->protection, protect, sizeof protect);
    append_range(out, e->vpn_start, e->vpn_end);
    const VsSection *section = vs_section_lookup(runner->system, e->section);
    g_string_append_printf(out,
                           " now maps section %u from its page %" G_GUINT64_FORMAT
                           " as %s: a %s that points at the section; %s",
                           e->section, e->slot, protect, vs_words_vad(runner),
                           section && section_large(section)
                               ? "each 2 MB is one PDE over the section's large page, so "
                                 "nothing will fault here"
                               : "no page is touched yet");
    VsImageInfo image;
    if (section && vs_section_image_info(section, &image))
        g_string_append_printf(
            out,
            "; an image view (MEM_IMAGE), %s its preferred base 0x%" G_GINT64_MODIFIER
            "X, each page at its PE section's protection; %" G_GUINT64_FORMAT
            " write-copy page%s of commit charged now (each may become a "
            "private copy)",
            (e->vpn_start << 12) == image.image_base ? "at" : "away from", image.image_base,
            e->pages, e->pages == 1 ? "" : "s");
    else if (e->pages)
        g_string_append_printf(out,
                               "; copy-on-write, so %" G_GUINT64_FORMAT " page%s of "
                               "commit charged now (each may become a private copy)",
                               e->pages, e->pages == 1 ? "" : "s");
}

static void narrate_view_unmapped(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "the view ");
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " of section %u is unmapped: its %s is gone, its pages "
                           "left the %s",
                           e->section, vs_words_vad(runner), vs_words_working_set(runner));
}

static void narrate_copy_on_write(const VsRunner *runner, const VsEvent *e, GString *out)
{
    char protect[96];
    vs_words_protection(runner, e->protection, protect, sizeof protect);
    g_string_append_printf(out,
                           "copy-on-write fault at 0x%" G_GINT64_MODIFIER "X: the first "
                           "store gets a private copy in frame 0x%" G_GINT64_MODIFIER "X (from "
                           "the %s list) of shared frame 0x%" G_GINT64_MODIFIER "X; the page "
                           "is %s now, and other mappers keep the original",
                           e->vpn_start << 12, e->frame, vs_page_location_name(e->list),
                           e->old_start, protect);
}

static void narrate_reset_undone(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    if (e->pages == 0)
        g_string_append(out, " wanted again (MEM_RESET_UNDO): every page still had its "
                             "contents, and each is dirty again so none is let go");
    else if (e->pages == e->vpn_end - e->vpn_start + 1)
        g_string_append(out, " wanted again (MEM_RESET_UNDO), too late: the contents are gone "
                             "and the pages will read zeros");
    else
        g_string_append_printf(out,
                               " wanted again (MEM_RESET_UNDO), but %" G_GUINT64_FORMAT
                               " page%s had already lost %s contents and will read zeros; "
                               "the pages that still had theirs are dirty again",
                               e->pages, e->pages == 1 ? "" : "s", e->pages == 1 ? "its" : "their");
}

static void narrate_view_flushed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "FlushViewOfFile over ");
    append_range(out, e->vpn_start, e->vpn_end);
    if (!e->mapped_file)
        g_string_append(out, ": the view maps the page file, nothing to write");
    else
        g_string_append_printf(out,
                               ": %" G_GUINT64_FORMAT " dirty page%s written to the "
                               "file now, clean again",
                               e->pages, e->pages == 1 ? "" : "s");
}

static void narrate_placeholder_reserved(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "a placeholder VAD reserves ");
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append(out, ": address space held for something to replace it later; it can be "
                         "split, coalesced or replaced, never committed");
}

static void narrate_placeholder_split(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "the placeholder ");
    append_range(out, e->old_start, e->old_end);
    g_string_append(out, " is split: ");
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append(out, " is a placeholder of its own, the rest stays a placeholder (no "
                         "address is free at any moment)");
}

static void narrate_placeholders_coalesced(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "%" G_GUINT64_FORMAT " adjacent placeholders become one: ", e->pages);
    append_range(out, e->vpn_start, e->vpn_end);
}

static void narrate_placeholder_replaced(const VsRunner *runner, const VsEvent *e, GString *out)
{
    char protect[96];
    vs_words_protection(runner, e->protection, protect, sizeof protect);
    g_string_append(out, "the placeholder ");
    append_range(out, e->vpn_start, e->vpn_end);
    if (e->section)
        g_string_append_printf(out, " is replaced, whole, by a view of section %u (%s)", e->section,
                               protect);
    else
        g_string_append_printf(out,
                               " is replaced, whole, by private memory (%s): its VAD "
                               "stays and becomes an ordinary reservation",
                               protect);
}

static void narrate_placeholder_restored(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append(out, " is a placeholder again (MEM_PRESERVE_PLACEHOLDER): what was there "
                         "is gone, but the address space stays held");
}

static void narrate_awe_allocated(const VsRunner *runner, const VsEvent *e, GString *out)
{
    if (!e->pages) {
        g_string_append_printf(
            out,
            "AllocateUserPhysicalPages: no frame to be had for the %" G_GUINT64_FORMAT
            " asked (memory or commit is short)",
            e->size);
        return;
    }
    g_string_append_printf(out,
                           "%" G_GUINT64_FORMAT " physical page%s now belong%s to the process "
                           "itself (AWE), %s%" G_GUINT64_FORMAT " asked: zeroed, locked, in no "
                           "working set and mapped nowhere yet; their frame numbers are in the "
                           "caller's array (the first 0x%" G_GINT64_MODIFIER "X), and each charges "
                           "a page of system commit",
                           e->pages, e->pages == 1 ? "" : "s", e->pages == 1 ? "s" : "",
                           e->pages < e->size ? "fewer than the " : "all ", e->size, e->frame);
}

static void narrate_awe_freed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "%" G_GUINT64_FORMAT " AWE frame%s of the %" G_GUINT64_FORMAT
                           " named went back to the free list, their commit returned",
                           e->pages, e->pages == 1 ? "" : "s", e->size);
    if (e->frame) /* the frames still mapped */
        g_string_append_printf(out,
                               "; %" G_GUINT64_FORMAT " of them %s still mapped in a window, so "
                               "the call unmapped %s first",
                               e->frame, e->frame == 1 ? "was" : "were",
                               e->frame == 1 ? "it" : "them");
    if (e->pages < e->size)
        g_string_append(out, "; the next one is not the process's, so the call stopped there");
}

static void narrate_awe_mapped(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " of the AWE window now map%s frame%s 0x%" G_GINT64_MODIFIER "X%s: "
                           "valid read-write PTEs written by the call itself, no fault, no "
                           "working-set entry",
                           e->pages == 1 ? "s" : "", e->pages == 1 ? "" : "s", e->frame,
                           e->pages == 1 ? "" : " onward");
    if (e->size)
        g_string_append_printf(out,
                               "; the %" G_GUINT64_FORMAT " frame%s mapped there before %s "
                               "mapped nowhere now, still the process's, bytes and all",
                               e->size, e->size == 1 ? "" : "s", e->size == 1 ? "is" : "are");
}

static void narrate_awe_unmapped(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           ": %" G_GUINT64_FORMAT " page%s of the AWE window unmapped (PTEs "
                           "zeroed); the frames keep their bytes and stay the process's until "
                           "FreeUserPhysicalPages",
                           e->pages, e->pages == 1 ? "" : "s");
}

static void narrate_large_page_mapped(const VsRunner *runner, const VsEvent *e, GString *out)
{
    if (e->section) {
        g_string_append_printf(out,
                               "pages %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                               " of section %u are one large page: frames 0x%" G_GINT64_MODIFIER
                               "X-0x%" G_GINT64_MODIFIER
                               "X, physically contiguous from a %" G_GUINT64_FORMAT
                               " MB boundary, zeroed and resident for the section's life; "
                               "each view maps them with one PDE",
                               e->vpn_start, e->vpn_end, e->section, e->frame,
                               e->frame + e->pages - 1, e->pages * 4 / 1024);
        return;
    }
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " is one large page: its PDE maps frames 0x%" G_GINT64_MODIFIER
                           "X-0x%" G_GINT64_MODIFIER "X, %" G_GUINT64_FORMAT
                           " physically contiguous frames from a %" G_GUINT64_FORMAT
                           " MB boundary, zeroed and locked: resident for good, in no working "
                           "set, never trimmed or paged",
                           e->frame, e->frame + e->pages - 1, e->pages, e->pages * 4 / 1024);
}

static void narrate_large_page_freed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "the large page ");
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " is unmapped: its PDE is cleared and frames 0x%" G_GINT64_MODIFIER
                           "X-0x%" G_GINT64_MODIFIER "X go back to the free list",
                           e->frame, e->frame + e->pages - 1);
}

/* A Linux fault's transparent huge page (do_huge_pmd_anonymous_page). */
static void narrate_large_page_faulted(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " is one transparent huge page: the fault found the whole 2 MB "
                           "range of an eligible VMA untouched and a run of %" G_GUINT64_FORMAT
                           " free frames from a 2 MB boundary, so one PMD maps frames "
                           "0x%" G_GINT64_MODIFIER "X-0x%" G_GINT64_MODIFIER
                           "X, zeroed (smaps counts them in AnonHugePages)",
                           e->pages, e->frame, e->frame + e->pages - 1);
}

/* __split_huge_pmd: an operation on part of a huge page (or one that works page by page). */
static void narrate_large_page_split(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "the huge page ");
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " is split: a page table now maps its frames 0x%" G_GINT64_MODIFIER
                           "X-0x%" G_GINT64_MODIFIER "X one by one, %" G_GUINT64_FORMAT
                           " ordinary 4 KB pages with the same contents (no longer AnonHugePages)",
                           e->frame, e->frame + e->pages - 1, e->pages);
}

static void narrate_page_prefetched(const VsRunner *runner, const VsEvent *e, GString *out)
{
    (void)runner;
    g_string_append_printf(out,
                           "prefetch of 0x%" G_GINT64_MODIFIER "X: the page was only in "
                           "page-file slot %" G_GUINT64_FORMAT
                           ", now read into frame 0x%" G_GINT64_MODIFIER
                           "X from the %s list and left on the standby list "
                           "(its PTE in transition): a soft fault away, not in the working set",
                           e->vpn_start << 12, e->slot, e->frame, vs_page_location_name(e->list));
}

/* do_huge_pmd_anonymous_page's load: the huge zero page. */
static void narrate_huge_zero_mapped(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append(out, " is the huge zero page: a load found the whole 2 MB range of an "
                         "eligible VMA untouched, so one read-only PMD maps 2 MB of zeros (mincore "
                         "shows every page resident; smaps counts them nowhere, as nothing was "
                         "written)");
}

/* do_huge_zero_wp_pmd: a store where the huge zero page was. */
static void narrate_huge_zero_replaced(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " was the huge zero page; the store gets the process a transparent "
                           "huge page of its own in its place, frames 0x%" G_GINT64_MODIFIER
                           "X-0x%" G_GINT64_MODIFIER "X zeroed (now AnonHugePages)",
                           e->frame, e->frame + e->pages - 1);
}

/* copy_huge_pmd: fork leaves one huge page mapped by both processes, copy-on-write. */
static void narrate_large_page_shared(const VsRunner *runner, const VsEvent *e, GString *out)
{
    (void)runner;
    g_string_append_printf(out, "in process %u the huge page ", e->pid);
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(
        out,
        " is shared copy-on-write: a write-protected PMD maps its frames 0x%" G_GINT64_MODIFIER
        "X-0x%" G_GINT64_MODIFIER "X, pages %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
        " of fork section %u, as the other process's PMD does (AnonHugePages in both)",
        e->frame, e->frame + e->pages - 1, e->old_start, e->old_end, e->section);
}

/* do_huge_pmd_wp_page: no other process maps the huge page any more, so the store takes it whole.
 */
static void narrate_large_page_reused(const VsRunner *runner, const VsEvent *e, GString *out)
{
    (void)runner;
    g_string_append(out, "no other process maps the shared huge page ");
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " any more: the store reuses it whole, frames 0x%" G_GINT64_MODIFIER
                           "X-0x%" G_GINT64_MODIFIER "X, its PMD writable again (nothing copied)",
                           e->frame, e->frame + e->pages - 1);
}

/* madvise_collapse: 4 KB pages made one huge page. */
static void narrate_large_page_collapsed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " is collapsed into one transparent huge page: its pages' bytes are "
                           "copied into frames 0x%" G_GINT64_MODIFIER "X-0x%" G_GINT64_MODIFIER
                           "X, a run from a 2 MB boundary, the 4 KB pages and their page table "
                           "freed, and one PMD maps it all (AnonHugePages 2048)",
                           e->frame, e->frame + e->pages - 1);
}

static void narrate_large_pages_unavailable(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "no run of %" G_GUINT64_FORMAT
                           " free frames starting on a %" G_GUINT64_FORMAT " MB boundary for ",
                           e->pages, e->pages * 4 / 1024);
    if (e->section)
        g_string_append_printf(out,
                               "pages %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT " of section %u",
                               e->vpn_start, e->vpn_end, e->section);
    else
        append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           ", even with every working set emptied: the longest row of free frames "
                           "is %" G_GUINT64_FORMAT " from frame 0x%" G_GINT64_MODIFIER
                           "X, of %" G_GUINT64_FORMAT " free frames (%" G_GUINT64_FORMAT
                           " KB) in all: physical memory is fragmented",
                           e->size, e->frame, e->address, e->address * 4);
}

/* ---- The Linux personality's own events (vma.c, mremap, madvise, fork, protection keys)
 * ------ */

static void narrate_vma_split(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "the VMA ");
    append_range(out, e->old_start, e->old_end);
    g_string_append_printf(out,
                           " is split in two at 0x%" G_GINT64_MODIFIER "X (split_vma): "
                           "the two halves will differ",
                           e->vpn_start << 12);
}

static void narrate_vma_merged(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "the VMA ");
    append_range(out, e->old_start, e->old_end);
    g_string_append(out, " merges with its neighbour (same flags, file and anon_vma): one VMA "
                         "now covers ");
    append_range(out, e->vpn_start, e->vpn_end);
}

static void narrate_vma_grown(const VsRunner *runner, const VsEvent *e, GString *out)
{
    (void)runner;
    g_string_append(out, "the VMA ");
    append_range(out, e->old_start, e->old_end);
    g_string_append(out, e->vpn_start < e->old_start ? " grows down (a stack) to cover "
                                                     : " grows in place to cover ");
    append_range(out, e->vpn_start, e->vpn_end);
}

static void narrate_vma_moved(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "mremap moves the VMA ");
    append_range(out, e->old_start, e->old_end);
    g_string_append(out, " to ");
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           ": its page-table entries move with it (%" G_GUINT64_FORMAT
                           " resident page%s), no page is copied",
                           e->pages, e->pages == 1 ? "" : "s");
}

static void narrate_anon_vma(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "the VMA ");
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " gets anon_vma %" G_GUINT64_FORMAT " for its first private "
                           "page (it lets the kernel find every mapping of an anonymous "
                           "page)%s",
                           e->frame,
                           e->pages ? "; shared with its neighbour's, so the two may merge" : "");
}

static void narrate_pages_discarded(const VsRunner *runner, const VsEvent *e, GString *out)
{
    append_range(out, e->vpn_start, e->vpn_end);
    g_string_append_printf(out,
                           " lose their pages: %" G_GUINT64_FORMAT " resident page%s "
                           "freed; the next touch reads zeros (anonymous memory) or the file "
                           "again",
                           e->pages, e->pages == 1 ? "" : "s");
}

static void narrate_process_forked(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "process %u forks: child process %" G_GUINT64_FORMAT " gets a "
                           "copy of its VMAs and descriptors; private pages are now shared "
                           "by both, read-only, until one writes (copy-on-write); shared "
                           "mappings stay shared",
                           e->pid, e->frame);
}

static void narrate_vma_pkey(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append(out, "the VMA ");
    append_range(out, e->vpn_start, e->vpn_end);
    if (e->pages)
        g_string_append_printf(out,
                               " gets protection key %" G_GUINT64_FORMAT ", the execute-only "
                               "key (it was mapped PROT_EXEC alone on a CPU with protection "
                               "keys): its page-table entries still allow reads, since x86 "
                               "cannot say \"execute only\" there, but PKRU denies every load "
                               "and store through the key",
                               e->frame);
    else if (e->frame)
        g_string_append_printf(out,
                               " gets protection key %" G_GUINT64_FORMAT " (pkey_mprotect): "
                               "it splits off and merges only with VMAs of the same key, and "
                               "each thread's PKRU now says what loads and stores may do there",
                               e->frame);
    else
        g_string_append(out, " has protection key 0 again, the default: no longer PROT_EXEC "
                             "alone, so the execute-only key is taken away (or pkey_mprotect "
                             "gave key 0)");
}

static void narrate_pkey_fault(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "the %s of page 0x%" G_GINT64_MODIFIER "X raises SIGSEGV "
                           "(SEGV_PKUERR): its VMA has protection key %" G_GUINT64_FORMAT,
                           access_word(e), e->vpn_start << 12, e->frame);
    g_string_append(out, e->pages ? ", the execute-only key, so the fault is the key's, not "
                                    "the page table's: PKRU denies the access before any page "
                                    "is looked at"
                                  : ", and this thread's PKRU denies that access through it "
                                    "(access-disable, or write-disable for a store), before "
                                    "the page table is looked at");
}

/* A key's rights in words (PKEY_DISABLE_ACCESS and PKEY_DISABLE_WRITE, as PKRU's AD and WD). */
static const char *rights_words(uint64_t rights)
{
    return (rights & VS_PKEY_DISABLE_ACCESS) ? "no loads or stores (access-disable)"
           : rights & VS_PKEY_DISABLE_WRITE  ? "loads but no stores (write-disable)"
                                             : "loads and stores";
}

static void narrate_pkey_allocated(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "process %u allocates protection key %" G_GUINT64_FORMAT
                           " (the lowest free of its 16); this thread's PKRU now allows %s "
                           "through it, other threads keep theirs",
                           e->pid, e->frame, rights_words(e->pages));
}

static void narrate_pkey_freed(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "process %u frees protection key %" G_GUINT64_FORMAT ": pkey_alloc "
                           "may hand it out again; VMAs that have it keep it",
                           e->pid, e->frame);
}

static void narrate_pkru_set(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "this thread's PKRU now allows %s through protection key "
                           "%" G_GUINT64_FORMAT " (WRPKRU: no system call, no other thread)",
                           rights_words(e->pages), e->frame);
}

/* ---- Threads and their stacks
 * ---------------------------------------------------------------- */

static void narrate_thread_created(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(
        out, "thread %" G_GUINT64_FORMAT " is created: its TEB at 0x%" G_GINT64_MODIFIER "X (",
        e->frame, e->address);
    append_size(out, e->size);
    g_string_append(out, "), its stack the reservation ");
    append_range(out, e->vpn_start, e->vpn_end);
}

static void narrate_thread_exited(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "thread %" G_GUINT64_FORMAT " ends (exit code %" G_GUINT64_FORMAT ")",
                           e->frame, e->pages);
    if (e->address)
        g_string_append(out, ": its stack and its TEB were released with it");
}

static void narrate_stack_grown(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(
        out,
        "the guard page at 0x%" G_GINT64_MODIFIER "X is in thread %" G_GUINT64_FORMAT
        "'s own stack, so the thread sees no exception: the kernel committed the "
        "page below as the new guard and set StackLimit to 0x%" G_GINT64_MODIFIER "X; ",
        page_of(e->address), e->frame, e->vpn_start << 12);
    append_size(out, (e->vpn_end - e->vpn_start + 1) << 12);
    g_string_append(out, " of the stack are committed above the guard");
}

static void narrate_stack_shrunk(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(out,
                           "the guard pages from 0x%" G_GINT64_MODIFIER
                           "X are in thread %" G_GUINT64_FORMAT
                           "'s own stack, above StackLimit, and it set them itself: the kernel "
                           "moved StackLimit up "
                           "to 0x%" G_GINT64_MODIFIER "X, just above them; ",
                           page_of(e->address), e->frame, e->vpn_start << 12);
    append_size(out, (e->vpn_end - e->vpn_start + 1) << 12);
    g_string_append(out, " of the stack are committed above the guard now");
}

static void narrate_stack_fields_set(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(
        out,
        "thread %" G_GUINT64_FORMAT " wrote its TEB: DeallocationStack 0x%" G_GINT64_MODIFIER
        "X, StackLimit 0x%" G_GINT64_MODIFIER "X, StackBase 0x%" G_GINT64_MODIFIER
        "X; its guard pages are judged by them from now on",
        e->frame, e->address, e->vpn_start << 12, (e->vpn_end + 1) << 12);
}

static void narrate_stack_overflow(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_string_append_printf(
        out,
        "the guard page at 0x%" G_GINT64_MODIFIER "X leaves no room in thread %" G_GUINT64_FORMAT
        "'s stack for another guard and the guarantee: the kernel committed what "
        "is left above the reservation's last page, StackLimit is 0x%" G_GINT64_MODIFIER
        "X, and the access raises STATUS_STACK_OVERFLOW",
        page_of(e->address), e->frame, e->vpn_start << 12);
}

/* ---- The table
 * ------------------------------------------------------------------------------- */

typedef void Narrator(const VsRunner *runner, const VsEvent *e, GString *out);

/* The sentence builder of each event kind; every kind has one. */
static Narrator *const narrators[] = {
    [VS_EV_VAD_INSERTED] = narrate_vad_inserted,
    [VS_EV_VAD_REMOVED] = narrate_vad_removed,
    [VS_EV_VAD_TRIMMED] = narrate_vad_trimmed,
    [VS_EV_VAD_SPLIT] = narrate_vad_split,
    [VS_EV_RANGE_ROUNDED] = narrate_range_rounded,
    [VS_EV_COMMITTED] = narrate_committed,
    [VS_EV_DECOMMITTED] = narrate_decommitted,
    [VS_EV_PROTECTED] = narrate_protected,
    [VS_EV_TABLE_CREATED] = narrate_table_created,
    [VS_EV_TABLE_FREED] = narrate_table_freed,
    [VS_EV_DEMAND_ZERO_FAULT] = narrate_demand_zero_fault,
    [VS_EV_SOFT_FAULT] = narrate_soft_fault,
    [VS_EV_HARD_FAULT] = narrate_hard_fault,
    [VS_EV_GUARD_PAGE] = narrate_guard_page,
    [VS_EV_ACCESS_VIOLATION] = narrate_access_violation,
    [VS_EV_FRAME_RELEASED] = narrate_frame_released,
    [VS_EV_PAGE_TRIMMED] = narrate_page_trimmed,
    [VS_EV_PAGE_WRITTEN] = narrate_page_written,
    [VS_EV_PAGE_REPURPOSED] = narrate_page_repurposed,
    [VS_EV_PAGES_ZEROED] = narrate_pages_zeroed,
    [VS_EV_WORKING_SET_AGED] = narrate_working_set_aged,
    [VS_EV_PAGES_RESET] = narrate_pages_reset,
    [VS_EV_SECTION_CREATED] = narrate_section_created,
    [VS_EV_SECTION_DELETED] = narrate_section_deleted,
    [VS_EV_SECTION_COMMITTED] = narrate_section_committed,
    [VS_EV_VIEW_MAPPED] = narrate_view_mapped,
    [VS_EV_VIEW_UNMAPPED] = narrate_view_unmapped,
    [VS_EV_COPY_ON_WRITE] = narrate_copy_on_write,
    [VS_EV_RESET_UNDONE] = narrate_reset_undone,
    [VS_EV_VIEW_FLUSHED] = narrate_view_flushed,
    [VS_EV_PLACEHOLDER_RESERVED] = narrate_placeholder_reserved,
    [VS_EV_PLACEHOLDER_SPLIT] = narrate_placeholder_split,
    [VS_EV_PLACEHOLDERS_COALESCED] = narrate_placeholders_coalesced,
    [VS_EV_PLACEHOLDER_REPLACED] = narrate_placeholder_replaced,
    [VS_EV_VMA_SPLIT] = narrate_vma_split,
    [VS_EV_VMA_MERGED] = narrate_vma_merged,
    [VS_EV_VMA_GROWN] = narrate_vma_grown,
    [VS_EV_VMA_MOVED] = narrate_vma_moved,
    [VS_EV_ANON_VMA] = narrate_anon_vma,
    [VS_EV_PAGES_DISCARDED] = narrate_pages_discarded,
    [VS_EV_PROCESS_FORKED] = narrate_process_forked,
    [VS_EV_VMA_PKEY] = narrate_vma_pkey,
    [VS_EV_PKEY_FAULT] = narrate_pkey_fault,
    [VS_EV_PKEY_ALLOCATED] = narrate_pkey_allocated,
    [VS_EV_PKEY_FREED] = narrate_pkey_freed,
    [VS_EV_PKRU_SET] = narrate_pkru_set,
    [VS_EV_THREAD_CREATED] = narrate_thread_created,
    [VS_EV_THREAD_EXITED] = narrate_thread_exited,
    [VS_EV_STACK_GROWN] = narrate_stack_grown,
    [VS_EV_STACK_OVERFLOW] = narrate_stack_overflow,
    [VS_EV_STACK_SHRUNK] = narrate_stack_shrunk,
    [VS_EV_STACK_FIELDS_SET] = narrate_stack_fields_set,
    [VS_EV_LARGE_PAGE_MAPPED] = narrate_large_page_mapped,
    [VS_EV_LARGE_PAGE_FREED] = narrate_large_page_freed,
    [VS_EV_LARGE_PAGES_UNAVAILABLE] = narrate_large_pages_unavailable,
    [VS_EV_PLACEHOLDER_RESTORED] = narrate_placeholder_restored,
    [VS_EV_AWE_ALLOCATED] = narrate_awe_allocated,
    [VS_EV_AWE_FREED] = narrate_awe_freed,
    [VS_EV_AWE_MAPPED] = narrate_awe_mapped,
    [VS_EV_AWE_UNMAPPED] = narrate_awe_unmapped,
    [VS_EV_LARGE_PAGE_FAULTED] = narrate_large_page_faulted,
    [VS_EV_LARGE_PAGE_SPLIT] = narrate_large_page_split,
    [VS_EV_PAGE_PREFETCHED] = narrate_page_prefetched,
    [VS_EV_EXECUTE_OPTIONS] = narrate_execute_options,
    [VS_EV_EXECUTE_ALLOWED] = narrate_execute_allowed,
    [VS_EV_PAGES_OFFERED] = narrate_pages_offered,
    [VS_EV_PAGES_RECLAIMED] = narrate_pages_reclaimed,
    [VS_EV_MEMORY_DISCARDED] = narrate_memory_discarded,
    [VS_EV_HUGE_ZERO_MAPPED] = narrate_huge_zero_mapped,
    [VS_EV_HUGE_ZERO_REPLACED] = narrate_huge_zero_replaced,
    [VS_EV_LARGE_PAGE_COLLAPSED] = narrate_large_page_collapsed,
    [VS_EV_IO_PENDING] = narrate_io_pending,
    [VS_EV_IO_COMPLETED] = narrate_io_completed,
    [VS_EV_LARGE_PAGE_SHARED] = narrate_large_page_shared,
    [VS_EV_LARGE_PAGE_REUSED] = narrate_large_page_reused,
};

static void narrate(const VsRunner *runner, const VsEvent *e, GString *out)
{
    g_assert((size_t)e->kind < G_N_ELEMENTS(narrators) && narrators[e->kind]);
    narrators[e->kind](runner, e, out);
}

/* strerror's words for the errno values the model sets. */
static const char *errno_text(uint32_t value)
{
    switch (value) {
    case VS_EPERM: return "Operation not permitted";
    case VS_ENOENT: return "No such file or directory";
    case VS_ESRCH: return "No such process";
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
    else if (signal == VS_SIGILL)
        g_string_append(out, ": raised SIGILL (4): this CPU has no protection keys, so RDPKRU and "
                             "WRPKRU are invalid instructions (execonly=none)");
    else if (signal)
        g_string_append_printf(out, ": raised signal %u", signal);
}

/* What a successful call returned, in words (its row's success); for fork, which process the
 * child is. */
static void append_success(VsRunner *runner, VsOpKind kind, uint64_t ret, GString *out)
{
    const char *success = vs_op_spec(kind)->success;
    if (success)
        g_string_append_printf(out, ": %s", success);
    if (kind == VS_OP_BRK) {
        uint64_t asked = runner->last_op.arg[0];
        g_string_append(out, asked == ret ? ": the break is there now"
                             : asked      ? ": refused, the break stays where it was"
                                          : ": the break");
    }
    if (kind != VS_OP_FORK)
        return;
    VsProcess *child = ret <= UINT32_MAX ? vs_process_by_id(runner->system, (uint32_t)ret) : NULL;
    const char *name = child ? vs_runner_name_of(runner, child) : NULL;
    g_string_append_printf(out, "; the child is process '%s' (`process %s` makes calls in it)",
                           name ? name : "?", name ? name : "?");
}

/* A Linux call's result in C's terms: "-1: munmap failed: EINVAL (22): Invalid argument". */
static void narrate_linux_result(VsRunner *runner, VsOpKind kind, const VsValue *v)
{
    GString *out = runner->out;
    const char *name = vs_op_spec(kind)->name;
    /* A load, store or fetch; pkey_set and pkey_get when they raise (SIGILL without keys). */
    if (vs_op_spec(kind)->memory_access &&
        (runner->exception || vs_op_spec(kind)->returns != VS_RETURN_INT)) {
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
    g_string_append_printf(out, ": %s failed: %s (%u): %s", name, errno_name ? errno_name : "?", e,
                           errno_text(e));
    vs_explain_failure(runner, &runner->last_op, e, out);
}

/* What a status says, after its name: which parameter of the call as written (calls.def's
 * nt_args) for a STATUS_INVALID_PARAMETER_N, else the status table's sentence. */
static void append_status_words(VsRunner *runner, VsStatus status, GString *out)
{
    if (!vs_explain_parameter(&runner->last_op, status, out))
        g_string_append(out, vs_status_explain(status) ? vs_status_explain(status) : "");
}

/* A Windows call's value, and after it the exception a memory access raised, an NT call's
 * status by name, or why a Win32 call failed (its last error and the status behind it), and the
 * rule the call broke when the state shows it. */
static void narrate_windows_result(VsRunner *runner, VsOpKind kind, const VsValue *v)
{
    GString *out = runner->out;
    vs_value_format(v, out);
    const VsOpSpec *spec = vs_op_spec(kind);
    const char *status_name = vs_status_name((VsStatus)v->i);
    if (vs_op_raises(kind) && !NT_SUCCESS(runner->exception)) {
        g_string_append_printf(out, ": raised %s: %s", vs_status_name(runner->exception),
                               vs_status_explain(runner->exception));
    } else if (spec->returns == VS_RETURN_STATUS && status_name) {
        g_string_append_printf(out, " %s", status_name);
        if (!NT_SUCCESS((VsStatus)v->i)) {
            g_string_append(out, ": ");
            append_status_words(runner, (VsStatus)v->i, out);
            vs_explain_failure(runner, &runner->last_op, (VsStatus)v->i, out);
        }
    } else if (v->kind != VS_VALUE_STRING && vs_op_failed(kind, v->i)) {
        VsThread *thread = vs_runner_thread(runner);
        VsStatus status = VsRtlGetLastNtStatus(thread);
        uint32_t error = VsGetLastError(thread);
        const char *error_name = vs_win32_error_name(error);
        g_string_append_printf(out, ": failed, GetLastError() = %u %s", error,
                               error_name ? error_name : "");
        if (vs_status_to_win32(status) != error) {
            /* kernelbase's own refusal: the last status is an earlier call's */
            g_string_append(out, " (kernelbase's own check, before any NT call)");
        } else {
            g_string_append_printf(
                out, " (from %s: ", vs_status_name(status) ? vs_status_name(status) : "?");
            append_status_words(runner, status, out);
            g_string_append_c(out, ')');
        }
        vs_explain_failure(runner, &runner->last_op, status, out);
    }
}

void vs_narrate_result(VsRunner *runner, VsOpKind kind, const VsValue *v)
{
    if (vs_op_family(kind) != VS_FAMILY_WINDOWS && linux_system(runner))
        narrate_linux_result(runner, kind, v);
    else
        narrate_windows_result(runner, kind, v);
}

/* A run of more than this many events of one kind on consecutive pages of one process (one call
 * touching or freeing a range page by page: VirtualLock's probe, a release of what it locked) is
 * told by its first two events, a line for the middle, and its last. */
#define LONG_RUN 32

/* The end (exclusive) of the run of like events that starts at event i (i + 1 when none). */
static size_t page_run_end(const VsEventLog *log, size_t i)
{
    const VsEvent *first = &log->events[i];
    size_t j = i + 1;
    if (first->kind != VS_EV_DEMAND_ZERO_FAULT && first->kind != VS_EV_FRAME_RELEASED)
        return j;
    while (j < log->count && log->events[j].kind == first->kind &&
           log->events[j].pid == first->pid &&
           log->events[j].vpn_start == first->vpn_start + (j - i))
        j++;
    return j;
}

/* The middle of a long run, events [from, to), in one line. */
static void narrate_page_run(VsRunner *runner, const VsEvent *from, const VsEvent *to)
{
    const VsEvent *last = to - 1;
    g_string_append_printf(
        runner->out,
        "      - ... %zu more %s alike, 0x%" G_GINT64_MODIFIER "X to 0x%" G_GINT64_MODIFIER "X",
        (size_t)(to - from),
        from->kind == VS_EV_DEMAND_ZERO_FAULT ? "demand-zero faults" : "frames freed",
        from->vpn_start << 12, last->vpn_start << 12);
    if (from->kind == VS_EV_DEMAND_ZERO_FAULT)
        g_string_append_printf(
            runner->out, ", a frame each; %s %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " pages",
            vs_words_working_set(runner), from->pages - 1, last->pages);
    else
        g_string_append(runner->out, ", each page's frame back to the free list");
    g_string_append_c(runner->out, '\n');
}

/* One event as a line of the call's narration. */
static void narrate_line(VsRunner *runner, uint32_t own, const VsEvent *e)
{
    VsProcess *other = e->pid && e->pid != own && !linux_system(runner)
                           ? vs_process_by_id(runner->system, e->pid)
                           : NULL;
    g_string_append(runner->out, "      - ");
    /* What a call did in another process's memory (VirtualAllocEx, ReadProcessMemory) says
     * whose it is (Linux's fork tells its child in its own words). */
    if (other)
        g_string_append_printf(runner->out, "in process %s: ", vs_process_name(other));
    narrate(runner, e, runner->out);
    g_string_append_c(runner->out, '\n');
}

void vs_narrate_events(VsRunner *runner)
{
    const VsEventLog *log = &runner->log;
    if (runner->verbosity == VS_RUN_JSON) {
        GString *sentence = g_string_new(NULL);
        for (size_t i = 0; i < log->count; i++) {
            g_string_truncate(sentence, 0);
            narrate(runner, &log->events[i], sentence);
            vs_json_event(runner, &log->events[i], sentence->str);
        }
        g_string_free(sentence, TRUE);
        return;
    }
    uint32_t own = vs_process_id(vs_runner_process(runner));
    for (size_t i = 0; i < log->count;) {
        size_t end = page_run_end(log, i);
        if (end - i <= LONG_RUN) {
            narrate_line(runner, own, &log->events[i++]);
            continue;
        }
        narrate_line(runner, own, &log->events[i]);
        narrate_line(runner, own, &log->events[i + 1]);
        narrate_page_run(runner, &log->events[i + 2], &log->events[end - 1]);
        narrate_line(runner, own, &log->events[end - 1]);
        i = end;
    }
    if (log->lost)
        g_string_append_printf(runner->out, "      - (%zu events lost: host out of memory)\n",
                               log->lost);
}
