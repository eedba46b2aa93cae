/*
 * explain.c - why a call failed, in the words of the rule it broke and with what to do instead,
 * read from the state the call left (a call that fails changes nothing, so the state is the one
 * it met): a view that would replace part of a placeholder, a reservation where an allocation is,
 * a release given a size, a protection of reserved pages; in a Linux system an unaligned address,
 * a range not all mapped, a mapping in the way of MAP_FIXED_NOREPLACE. And which parameter a
 * STATUS_INVALID_PARAMETER_N is about, counted as the call that was written counts them
 * (calls.def's nt_args): VirtualAlloc's second, the size, not NtAllocateVirtualMemory's fourth.
 * The status table's one sentence (vs_status_explain) says what the status means; this file says
 * why this call got it.
 */
#include "runner_int.h"

static const char *ordinal(unsigned n)
{
    static const char *const words[] = {"zeroth", "first",    "second",  "third",  "fourth",
                                        "fifth",  "sixth",    "seventh", "eighth", "ninth",
                                        "tenth",  "eleventh", "twelfth"};
    return n < G_N_ELEMENTS(words) ? words[n] : "nth";
}

/* N of STATUS_INVALID_PARAMETER_N (1 to 12), or 0 for any other status. */
static unsigned parameter_of(VsStatus status)
{
    return status >= 0xC00000EFu && status <= 0xC00000FAu ? status - 0xC00000EFu + 1 : 0;
}

gboolean vs_explain_parameter(const VsOp *op, VsStatus status, GString *out)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    unsigned n = parameter_of(status);
    if (!n || n > VS_OP_MAX_ARGS + 1 || !spec->params[0])
        return FALSE;
    if (!spec->nt_call) {
        if (n > spec->arity || !spec->params[n - 1])
            return FALSE;
        g_string_append_printf(out,
                               "the %s parameter, %s (0x%" G_GINT64_MODIFIER "X), is not valid",
                               ordinal(n), spec->params[n - 1], op->arg[n - 1]);
        return TRUE;
    }
    unsigned own = spec->nt_args[n];
    if (!own || own > spec->arity) {
        g_string_append_printf(out, "%s's %s parameter, one %s passes itself, is not valid",
                               spec->nt_call, ordinal(n), spec->name);
        return TRUE;
    }
    g_string_append_printf(out,
                           "%s's %s parameter, %s (0x%" G_GINT64_MODIFIER "X), is not valid (%s, "
                           "which it calls, reports its %s)",
                           spec->name, ordinal(own), spec->params[own - 1], op->arg[own - 1],
                           spec->nt_call, ordinal(n));
    return TRUE;
}

/* ---- The state the call met -------------------------------------------------------------------
 */

/* "0x10000-0x3FFFF (48 pages, 192 KB)": a byte range [start, end). */
static void append_span(GString *out, uint64_t start, uint64_t end)
{
    uint64_t pages = (end - start + VS_PAGE_SIZE - 1) / VS_PAGE_SIZE;
    g_string_append_printf(
        out, "0x%" G_GINT64_MODIFIER "X-0x%" G_GINT64_MODIFIER "X (%" G_GUINT64_FORMAT " page%s)",
        start, end - 1, pages, pages == 1 ? "" : "s");
}

/* The VAD (VMA) that holds address in the call's process, as [start, end); FALSE if none. */
static gboolean vad_at(VsRunner *runner, const VsOp *op, uint64_t address, VsVadInfo *info)
{
    VsProcess *process = vs_op_process(vs_runner_thread(runner), op);
    const VsVad *vad = process ? vs_vad_lookup(process, address) : NULL;
    if (vad)
        vs_vad_info(vad, info);
    return vad != NULL;
}

/* The first VAD that ends above address in the call's process, FALSE if none: a descent of the
 * tree, so a failure among many VADs costs their depth, not their count. */
static gboolean vad_from(VsRunner *runner, const VsOp *op, uint64_t address, VsVadInfo *info)
{
    VsProcess *process = vs_op_process(vs_runner_thread(runner), op);
    gboolean found = FALSE;
    for (const VsVad *vad = process ? vs_vad_root(process) : NULL; vad;) {
        VsVadInfo here;
        vs_vad_info(vad, &here);
        if (((here.ending_vpn + 1) << 12) > address) {
            *info = here;
            found = TRUE;
            vad = vs_vad_left(vad);
        } else {
            vad = vs_vad_right(vad);
        }
    }
    return found;
}

/* The call's address and size: its address argument (for an NT call the variable going in) and
 * its size, 0 where it has none. */
static uint64_t op_address(const VsOp *op)
{
    int i = vs_op_address_arg(op->kind);
    return i < 0 ? 0 : op->arg[i];
}

static uint64_t op_size(const VsOp *op)
{
    int i = vs_op_size_arg(op->kind);
    return i < 0 ? 0 : op->arg[i];
}

static uint64_t op_type(const VsOp *op)
{
    int i = vs_op_type_arg(op->kind);
    return i < 0 ? 0 : op->arg[i];
}

static gboolean allocates(VsOpKind kind)
{
    return kind == VS_OP_VIRTUAL_ALLOC || kind == VS_OP_VIRTUAL_ALLOC_EX ||
           kind == VS_OP_VIRTUAL_ALLOC_2 || kind == VS_OP_NT_ALLOCATE ||
           kind == VS_OP_NT_ALLOCATE_EX || kind == VS_OP_VIRTUAL_ALLOC_FROM_APP ||
           kind == VS_OP_VIRTUAL_ALLOC_2_FROM_APP;
}

static gboolean protects(VsOpKind kind)
{
    return kind == VS_OP_VIRTUAL_PROTECT || kind == VS_OP_VIRTUAL_PROTECT_EX ||
           kind == VS_OP_NT_PROTECT || kind == VS_OP_VIRTUAL_PROTECT_FROM_APP;
}

static gboolean frees(VsOpKind kind)
{
    return kind == VS_OP_VIRTUAL_FREE || kind == VS_OP_VIRTUAL_FREE_EX || kind == VS_OP_NT_FREE;
}

/* ---- Windows' rules ------------------------------------------------------------------------- */

/* MEM_REPLACE_PLACEHOLDER: there must be a placeholder at the address, and the call must cover
 * it exactly (a view or an allocation replaces a placeholder whole). */
static gboolean placeholder_rule(VsRunner *runner, const VsOp *op, GString *out)
{
    uint64_t base = op_address(op), size = op_size(op);
    VsVadInfo v = {0};
    if ((op->kind != VS_OP_VIRTUAL_ALLOC_2 && op->kind != VS_OP_MAP_VIEW_OF_FILE_3 &&
         op->kind != VS_OP_VIRTUAL_ALLOC_2_FROM_APP &&
         op->kind != VS_OP_MAP_VIEW_OF_FILE_3_FROM_APP) ||
        !(op_type(op) & MEM_REPLACE_PLACEHOLDER))
        return FALSE;
    if (!vad_at(runner, op, base, &v) || v.kind != VS_VAD_PLACEHOLDER) {
        g_string_append_printf(
            out,
            "MEM_REPLACE_PLACEHOLDER replaces a placeholder, and 0x%" G_GINT64_MODIFIER
            "X is %s. Instead: reserve one first, with VirtualAlloc2 and "
            "MEM_RESERVE | MEM_RESERVE_PLACEHOLDER",
            base, vad_at(runner, op, base, &v) ? "in an allocation" : "free");
        return TRUE;
    }
    uint64_t start = v.starting_vpn << 12, end = (v.ending_vpn + 1) << 12;
    if (base == start && (size == 0 || size == end - start))
        return FALSE;
    g_string_append(out, "a placeholder is replaced whole, and the one at the address is ");
    append_span(out, start, end);
    if (size) {
        g_string_append(out, " while the call asks for ");
        append_span(out, base, base + size);
    }
    g_string_append_printf(out,
                           ". Instead: split it first: VirtualFree(0x%" G_GINT64_MODIFIER
                           "X, 0x%" G_GINT64_MODIFIER
                           "X, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER) makes that range a "
                           "placeholder of its own",
                           base, size ? size : end - base);
    return TRUE;
}

/* STATUS_CONFLICTING_ADDRESSES for a reservation (or a view at an address): the space is taken. */
static gboolean reservation_rule(VsRunner *runner, const VsOp *op, GString *out)
{
    uint64_t address = op_address(op), size = op_size(op), granularity = 64 << 10;
    if (runner->system)
        granularity = vs_system_layout(runner->system)->allocation_granularity;
    uint64_t base = address & ~(granularity - 1);
    VsVadInfo v = {0};
    if (!vad_from(runner, op, base, &v) || (v.starting_vpn << 12) >= base + MAX(size, 1))
        return FALSE;
    g_string_append(out, "a reservation takes free address space");
    if (base != address)
        g_string_append_printf(out,
                               ", from a %" G_GUINT64_FORMAT " KB boundary: 0x%" G_GINT64_MODIFIER
                               "X rounds down to 0x%" G_GINT64_MODIFIER "X",
                               granularity >> 10, address, base);
    g_string_append(out, ", and the allocation ");
    append_span(out, v.starting_vpn << 12, (v.ending_vpn + 1) << 12);
    g_string_append(out, " is there. Instead: pass NULL to let the system choose, or an address "
                         "clear of it");
    return TRUE;
}

/* STATUS_CONFLICTING_ADDRESSES for a commit or a protection: one call acts inside one allocation,
 * on pages that exist. what is the act ("commits", "changes protections"), first its rule for
 * free memory. */
static gboolean inside_rule(VsRunner *runner, const VsOp *op, const char *what, const char *first,
                            GString *out)
{
    uint64_t address = op_address(op), end = address + MAX(op_size(op), 1);
    VsVadInfo v = {0};
    if (!vad_at(runner, op, address, &v)) {
        g_string_append_printf(out, "%s, and 0x%" G_GINT64_MODIFIER "X is free", first, address);
        return TRUE;
    }
    uint64_t vad_end = (v.ending_vpn + 1) << 12;
    if (end <= vad_end)
        return FALSE;
    g_string_append_printf(out, "one call %s inside one allocation, and ", what);
    append_span(out, address & ~(VS_PAGE_SIZE - 1), end);
    g_string_append(out, " runs past the end of ");
    append_span(out, v.starting_vpn << 12, vad_end);
    g_string_append(out, ". Instead: one call per allocation");
    return TRUE;
}

/* A release given a size, or a whole-allocation free (size 0) not at the allocation's base. */
static gboolean release_rule(VsRunner *runner, const VsOp *op, VsStatus status, GString *out)
{
    uint64_t address = op_address(op), type = op_type(op);
    VsVadInfo v = {0};
    gboolean release = (type & MEM_RELEASE) && !(type & MEM_PRESERVE_PLACEHOLDER);
    if (!vad_at(runner, op, address, &v) ||
        !(status == STATUS_FREE_VM_NOT_AT_BASE || (status == STATUS_INVALID_PARAMETER && release)))
        return FALSE;
    uint64_t base = v.starting_vpn << 12;
    if (status == STATUS_FREE_VM_NOT_AT_BASE)
        g_string_append_printf(out,
                               "size 0 means the whole allocation, so the address is its "
                               "base: 0x%" G_GINT64_MODIFIER "X, for the allocation ",
                               base);
    else
        g_string_append_printf(out,
                               "MEM_RELEASE frees a whole allocation, so it takes size 0 and the "
                               "allocation's base: 0x%" G_GINT64_MODIFIER "X, for the allocation ",
                               base);
    append_span(out, base, (v.ending_vpn + 1) << 12);
    if (release)
        g_string_append_printf(out,
                               ". Instead: VirtualFree(0x%" G_GINT64_MODIFIER "X, 0, MEM_RELEASE) "
                               "releases it all; MEM_DECOMMIT with a size frees part of its pages "
                               "and keeps the range reserved",
                               base);
    else
        g_string_append(out, ". Instead: a size, for part of it");
    return TRUE;
}

/* STATUS_NOT_COMMITTED for a protection: protections belong to committed pages. */
static gboolean committed_rule(VsRunner *runner, const VsOp *op, GString *out)
{
    g_string_append_printf(out,
                           "a protection is a committed page's, and part of the range from "
                           "0x%" G_GINT64_MODIFIER "X is only reserved. Instead: commit it "
                           "first (VirtualAlloc with MEM_COMMIT)",
                           op_address(op));
    return TRUE;
}

/* STATUS_COMMITMENT_LIMIT: how far the system's commit is from its limit. */
static gboolean limit_rule(VsRunner *runner, GString *out)
{
    VsMemoryCounters m;
    vs_memory_counters(runner->system, &m);
    g_string_append_printf(out,
                           "the system's commit charge may not pass its limit (RAM + page file): "
                           "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " pages are charged. "
                           "Instead: commit less, release something, or give the system a "
                           "larger pagefile=",
                           m.commit_total, m.commit_limit);
    return TRUE;
}

/* VirtualAllocFromApp and VirtualAlloc2FromApp refuse the four executable protections themselves
 * (fromapp.c): an app writes its code into read-write memory and makes it executable after. */
static gboolean from_app_rule(const VsOp *op, GString *out)
{
    if (op->kind != VS_OP_VIRTUAL_ALLOC_FROM_APP && op->kind != VS_OP_VIRTUAL_ALLOC_2_FROM_APP)
        return FALSE;
    uint32_t protection = (uint32_t)op->arg[vs_op_protect_arg(op->kind)];
    if (protection != PAGE_EXECUTE && protection != PAGE_EXECUTE_READ &&
        protection != PAGE_EXECUTE_READWRITE && protection != PAGE_EXECUTE_WRITECOPY)
        return FALSE;
    g_string_append_printf(out,
                           "%s creates no executable pages: it refuses each of the four "
                           "PAGE_EXECUTE protections before any NT call, so nothing was "
                           "allocated. Instead: allocate PAGE_READWRITE, write the code, then "
                           "make it PAGE_EXECUTE_READ with VirtualProtectFromApp",
                           vs_op_spec(op->kind)->name);
    return TRUE;
}

/* NtQuerySection's refusals: the class, the buffer's length, the handle's rights, an image class
 * of a data section. */
static gboolean query_section_rule(VsRunner *runner, const VsOp *op, VsStatus status, GString *out)
{
    uint64_t class = op->arg[1], length = op->arg[op->kind == VS_OP_NT_QUERY_SECTION_INTO ? 3 : 2];
    uint32_t needed =
        class <= SectionImageInformation
            ? VsSectionInformationSize(vs_runner_thread(runner), (VsSectionInformationClass) class)
            : 0;
    const char *name =
        class == SectionBasicInformation ? "SectionBasicInformation" : "SectionImageInformation";
    uint32_t access;
    if (status == STATUS_INVALID_INFO_CLASS)
        g_string_append(out, "NtQuerySection knows two classes, SectionBasicInformation (0) and "
                             "SectionImageInformation (1)");
    else if (status == STATUS_INFO_LENGTH_MISMATCH && needed)
        g_string_append_printf(out,
                               "%s fills %u bytes, and the buffer is %" G_GUINT64_FORMAT ". "
                               "Instead: a length of at least %u (more is fine)",
                               name, needed, length, needed);
    else if (status == STATUS_ACCESS_DENIED &&
             vs_handle_access(vs_runner_thread(runner), op->arg[0], &access))
        g_string_append_printf(out,
                               "NtQuerySection reads a section through a handle that carries "
                               "SECTION_QUERY, and this one carries 0x%X without it. Instead: "
                               "open the section with SECTION_QUERY added",
                               access);
    else if (status == STATUS_SECTION_NOT_IMAGE)
        g_string_append(out, "SectionImageInformation describes an executable image's section "
                             "(SEC_IMAGE), and this section maps data");
    else
        return FALSE;
    return TRUE;
}

/* The first page of [address, address + size) in process that a copy could not read (or write):
 * not committed, no access, a guard page, or (to write) read-only; FALSE if none. */
static gboolean blocked_page(VsProcess *process, uint64_t address, uint64_t size, gboolean write,
                             VsMemoryBasicInformation *m)
{
    const uint32_t writable =
        PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY;
    for (uint64_t page = address & ~(VS_PAGE_SIZE - 1); size && page < address + size;
         page += VS_PAGE_SIZE) {
        if (!NT_SUCCESS(VsNtQueryVirtualMemory(vs_process_main_thread(process), VS_CURRENT_PROCESS,
                                               page, MemoryBasicInformation, m, sizeof *m, NULL)))
            return FALSE;
        uint32_t protect = m->Protect & 0xFF;
        if (m->State != MEM_COMMIT || protect == PAGE_NOACCESS || (m->Protect & PAGE_GUARD) ||
            (write && !(protect & writable))) {
            m->BaseAddress = page;
            return TRUE;
        }
    }
    return FALSE;
}

/* "process child's page 0x10000 (PAGE_READONLY)" */
static void append_page(GString *out, VsProcess *process, const VsMemoryBasicInformation *m)
{
    char text[64];
    g_string_append_printf(out, "process %s's page 0x%" G_GINT64_MODIFIER "X (%s)",
                           vs_process_name(process), m->BaseAddress,
                           m->State == MEM_COMMIT ? vs_protect_string(m->Protect, text, sizeof text)
                                                  : vs_mem_state_name(m->State));
}

/* An Nt query call's buffer in the process, refused by the probe that comes before the call's
 * own checks (probe.c): off its alignment, past user space, or a page that cannot be written. */
static gboolean query_probe_rule(VsRunner *runner, const VsOp *op, VsStatus status, GString *out)
{
    VsProcess *own = vs_runner_process(runner);
    gboolean memory = op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO;
    uint64_t buffer = op->arg[memory ? 3 : 2], length = op->arg[memory ? 4 : 3];
    uint64_t last = buffer + length - 1;
    uint64_t highest = vs_system_layout(runner->system)->highest_user_address;
    gboolean outside = last < buffer || last > highest;
    VsMemoryBasicInformation m;
    gboolean blocked = status == STATUS_ACCESS_VIOLATION && !outside &&
                       blocked_page(own, buffer, length, TRUE, &m);
    if (status != STATUS_DATATYPE_MISALIGNMENT && status != STATUS_GUARD_PAGE_VIOLATION &&
        !(status == STATUS_ACCESS_VIOLATION && outside) && !blocked)
        return FALSE;
    g_string_append_printf(out,
                           "%s probes its buffer for writing before it checks %s: all "
                           "0x%" G_GINT64_MODIFIER "X bytes from 0x%" G_GINT64_MODIFIER
                           "X, the length passed, not only the structure it fills; ",
                           vs_op_spec(op->kind)->name,
                           memory ? "the address or the process handle (after the class and the "
                                    "length)"
                                  : "the class, the length or the handle",
                           length, buffer);
    if (status == STATUS_DATATYPE_MISALIGNMENT)
        g_string_append(out, memory ? "the buffer must start on a pointer's boundary (a "
                                      "ULONG_PTR's), and this one does not. Instead: an aligned "
                                      "buffer"
                                    : "the buffer must start on a 4-byte boundary (a ULONG's), "
                                      "and this one does not. Instead: an aligned buffer");
    else if (status == STATUS_GUARD_PAGE_VIOLATION)
        g_string_append(out, "the probe met a guard page, which is an ordinary page now, and "
                             "nothing was written");
    else if (outside)
        g_string_append_printf(out,
                               "they run past the highest user address, 0x%" G_GINT64_MODIFIER
                               "X, so the probe refuses them without touching a page",
                               highest);
    else {
        append_page(out, own, &m);
        g_string_append(out, memory ? " among them cannot be written, so the call failed there, "
                                      "whatever the address, and nothing was written. Instead: "
                                    : " among them cannot be written, so the call failed there, "
                                      "whatever the section, and nothing was written. Instead: ");
        g_string_append(out, m.BaseAddress <= buffer ? "a buffer in committed, writable memory"
                                                     : "a length no longer than the buffer");
    }
    return TRUE;
}

/* ReadProcessMemory, WriteProcessMemory and their NT calls: the page the copy could not touch. */
static gboolean copy_rule(VsRunner *runner, const VsOp *op, VsStatus status, GString *out)
{
    VsThread *thread = vs_runner_thread(runner);
    VsProcess *target = vs_op_process(thread, op), *own = vs_runner_process(runner);
    gboolean read =
        op->kind == VS_OP_READ_PROCESS_MEMORY || op->kind == VS_OP_NT_READ_VIRTUAL_MEMORY;
    uint64_t address = op->arg[1], buffer = op->arg[2], size = op->arg[3];
    VsMemoryBasicInformation m;
    uint32_t access;
    if (status == STATUS_ACCESS_DENIED && vs_handle_access(thread, op->arg[0], &access)) {
        g_string_append_printf(out,
                               "copying %s another process's memory takes a handle with %s, and "
                               "this one carries 0x%X without it",
                               read ? "from" : "into",
                               read ? "PROCESS_VM_READ" : "PROCESS_VM_WRITE", access);
        return TRUE;
    }
    if (!target)
        return FALSE;
    if (status == STATUS_ACCESS_VIOLATION && read && blocked_page(own, buffer, size, TRUE, &m)) {
        g_string_append(out, "the buffer is checked whole before anything is read, and ");
        append_page(out, own, &m);
        g_string_append(out, " cannot be written: nothing was read");
        return TRUE;
    }
    if (status == STATUS_ACCESS_VIOLATION && op->kind == VS_OP_WRITE_PROCESS_MEMORY &&
        blocked_page(target, address, 1, TRUE, &m)) {
        g_string_append(out, "WriteProcessMemory looks at the first page, ");
        append_page(out, target, &m);
        g_string_append(out, ": it makes only PAGE_EXECUTE and PAGE_EXECUTE_READ pages writable "
                             "for the write, so nothing was written and the count was left alone");
        return TRUE;
    }
    if (status != STATUS_PARTIAL_COPY)
        return FALSE;
    gboolean source = blocked_page(read ? target : own, read ? address : buffer, size, FALSE, &m);
    if (!source && !blocked_page(read ? own : target, read ? buffer : address, size, TRUE, &m))
        return FALSE;
    g_string_append(out, "the copy stopped at ");
    append_page(out, source == read ? target : own, &m);
    g_string_append(out, source ? ", which cannot be read: a chunk of up to 14 pages is locked "
                                  "before any of its bytes move, so only the chunks before it "
                                  "were copied"
                                : ", which cannot be written (a copy never changes a protection): "
                                  "the bytes before it were copied");
    return TRUE;
}

/* ReadFile: the handle's right, then the probe of the buffer that comes before the read. */
static gboolean read_file_rule(VsRunner *runner, const VsOp *op, VsStatus status, GString *out)
{
    VsProcess *own = vs_runner_process(runner);
    VsMemoryBasicInformation m;
    if (op->kind != VS_OP_READ_FILE_INTO)
        return FALSE;
    if (status == STATUS_ACCESS_DENIED)
        g_string_append(out, "reading takes a handle opened with FILE_READ_DATA (GENERIC_READ), "
                             "and this one was opened without it");
    else if (status == STATUS_GUARD_PAGE_VIOLATION)
        g_string_append(out, "the kernel probes every page of the buffer for writing before it "
                             "reads, and the probe met a guard page, which is an ordinary page "
                             "now: nothing was read");
    else if (status == STATUS_ACCESS_VIOLATION &&
             blocked_page(own, op->arg[1], op->arg[2], TRUE, &m)) {
        g_string_append(out, "the kernel probes every page of the buffer for writing before it "
                             "reads, and ");
        append_page(out, own, &m);
        g_string_append(out, " cannot be written: nothing was read");
    } else
        return FALSE;
    return TRUE;
}

/* The length an NtQueryVirtualMemory call passed, whichever its form. */
static uint64_t query_length(const VsOp *op)
{
    return op->arg[op->kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO ? 4 : 3];
}

/* NtQueryVirtualMemory's answers for the working-set and file-name classes that are not the
 * structure asked for. */
static gboolean query_page_or_name_rule(const VsOp *op, VsStatus status, GString *out)
{
    if (op->arg[2] == MemoryWorkingSetExInformation && status == STATUS_INFO_LENGTH_MISMATCH)
        g_string_append_printf(out,
                               "MemoryWorkingSetExInformation's buffer is an array of entries, "
                               "each a page's address and then its block (16 bytes on x64), and "
                               "%" G_GUINT64_FORMAT " bytes hold none",
                               query_length(op));
    else if (op->arg[2] != MemoryMappedFilenameInformation)
        return FALSE;
    else if (status == STATUS_INVALID_ADDRESS)
        g_string_append_printf(out,
                               "MemoryMappedFilenameInformation names the file behind a view, and "
                               "0x%" G_GINT64_MODIFIER "X is in no view (private memory, or "
                               "nothing): the address is looked at before the buffer",
                               op->arg[1]);
    else if (status == STATUS_FILE_INVALID)
        g_string_append_printf(out,
                               "0x%" G_GINT64_MODIFIER "X is in a view of a section the page file "
                               "backs: there is no file to name",
                               op->arg[1]);
    else if (status == STATUS_INFO_LENGTH_MISMATCH || status == STATUS_BUFFER_OVERFLOW)
        g_string_append_printf(out,
                               "the answer is a UNICODE_STRING (16 bytes on x64) followed by the "
                               "file's NT name and a NUL, and %" G_GUINT64_FORMAT " bytes hold %s: "
                               "nothing is written but the length needed",
                               query_length(op),
                               status == STATUS_BUFFER_OVERFLOW ? "the string but not the name"
                                                                : "not even the string");
    else
        return FALSE;
    return TRUE;
}

/* NtQueryVirtualMemory's refusals of the region and image classes. */
static gboolean query_memory_rule(const VsOp *op, VsStatus status, GString *out)
{
    if (query_page_or_name_rule(op, status, out))
        return TRUE;
    const char *name = op->arg[2] == MemoryRegionInformation  ? "MemoryRegionInformation"
                       : op->arg[2] == MemoryImageInformation ? "MemoryImageInformation"
                                                              : NULL;
    if (!name)
        return FALSE;
    if (status == STATUS_INVALID_ADDRESS)
        g_string_append_printf(out,
                               "%s describes the allocation holding the address, and none holds "
                               "0x%" G_GINT64_MODIFIER "X. Instead: MemoryBasicInformation (as "
                               "VirtualQuery) describes free memory too",
                               name, op->arg[1]);
    else if (status == STATUS_INFO_LENGTH_MISMATCH)
        g_string_append_printf(out,
                               "%s needs a buffer of at least 24 bytes on x64 (%s), and this one "
                               "is %" G_GUINT64_FORMAT,
                               name,
                               op->arg[2] == MemoryRegionInformation
                                   ? "MEMORY_REGION_INFORMATION up to its RegionSize"
                                   : "the whole MEMORY_IMAGE_INFORMATION",
                               query_length(op));
    else
        return FALSE;
    return TRUE;
}

/* Large pages: why an allocation of them failed, and what a large-page allocation refuses. */
static gboolean large_page_rule(VsRunner *runner, const VsOp *op, VsStatus status, GString *out)
{
    VsOpKind kind = op->kind;
    VsVadInfo v = {0};
    if (allocates(kind) && (op_type(op) & MEM_LARGE_PAGES) &&
        status == STATUS_INSUFFICIENT_RESOURCES) {
        g_string_append(out, "each large page is one PDE, which maps frames that are physically "
                             "contiguous and start on a large-page boundary, and no such run of "
                             "free frames was left (above: the longest row, and all that is "
                             "free); free memory in smaller pieces cannot help. Instead: "
                             "allocate large pages early, before memory fragments, free locked "
                             "or large-page memory, or use 4 KB pages");
        return TRUE;
    }
    if (allocates(kind) && (op_type(op) & MEM_LARGE_PAGES) &&
        status == STATUS_INVALID_PARAMETER_4) {
        g_string_append(out, "large pages come whole: the size must be a multiple of "
                             "GetLargePageMinimum() (2 MB on x64)");
        return TRUE;
    }
    if (!vad_at(runner, op, op_address(op), &v) || !v.large_pages)
        return FALSE;
    if (status != STATUS_CONFLICTING_ADDRESSES && status != STATUS_MEMORY_NOT_ALLOCATED &&
        status != STATUS_FREE_VM_NOT_AT_BASE && status != STATUS_INCOMPATIBLE_FILE_MAP)
        return FALSE;
    g_string_append(out, "large-page memory is committed, resident and locked whole for its "
                         "life, with one protection throughout: it cannot be decommitted, "
                         "partly released, committed or reset again, locked, or given another "
                         "protection. Instead: release the whole allocation (MEM_RELEASE, size 0)");
    return TRUE;
}

/* GetWriteWatch's and NtGetWriteWatch's refusals of the caller's count and pointers, checked
 * before the range (wrtwatch.c): a count of 0 leaves no room, a NULL count, array or granularity
 * is a pointer the call cannot write. */
static gboolean write_watch_rule(const VsOp *op, VsStatus status, GString *out)
{
    int first = op->kind == VS_OP_NT_GET_WRITE_WATCH;
    if (op->kind != VS_OP_GET_WRITE_WATCH && !first)
        return FALSE;
    const uint64_t *a = op->arg + first;
    bool count = op->by_ref & (1u << (first + 4)), granularity = op->by_ref & (1u << (first + 5));
    if (status == STATUS_INVALID_PARAMETER_5)
        g_string_append(out, "the count going in is the room in the caller's array, and 0 leaves "
                             "none: it is refused before the array and the range are looked at. "
                             "Instead: the array's length (at least 1)");
    else if (status == STATUS_ACCESS_VIOLATION && (!count || !granularity || !a[3]))
        g_string_append_printf(out,
                               "the call writes the addresses, the count and the granularity "
                               "back, and the %s pointer is NULL. Instead: pass %s",
                               !count  ? "count"
                               : !a[3] ? "array's"
                                       : "granularity",
                               !count  ? "&count"
                               : !a[3] ? "an array"
                                       : "&granularity");
    else
        return FALSE;
    return TRUE;
}

/* NtLockVirtualMemory's and NtUnlockVirtualMemory's refusals of their arguments (lockvm.c): the
 * map type, an empty range, MAP_SYSTEM's privilege, a page no VAD holds. */
static gboolean nt_lock_rule(VsRunner *runner, const VsOp *op, VsStatus status, GString *out)
{
    if (op->kind != VS_OP_NT_LOCK_VIRTUAL_MEMORY && op->kind != VS_OP_NT_UNLOCK_VIRTUAL_MEMORY)
        return FALSE;
    uint64_t map_type = op->arg[3], address = op_address(op), size = op_size(op);
    uint64_t hole = address & ~(uint64_t)(VS_PAGE_SIZE - 1);
    VsVadInfo v;
    while (size && hole < address + size && vad_at(runner, op, hole, &v))
        hole = (v.ending_vpn + 1) << 12;
    if (status == STATUS_INVALID_PARAMETER && (!map_type || (map_type & ~3ull)))
        g_string_append_printf(out,
                               "the map type says which lock: MAP_PROCESS (1, the working set), "
                               "MAP_SYSTEM (2, physical memory) or both, and 0x%" G_GINT64_MODIFIER
                               "X is neither. Instead: MAP_PROCESS, as VirtualLock passes",
                               map_type);
    else if (status == STATUS_INVALID_PARAMETER && size == 0)
        g_string_append(out, "a lock takes at least one byte, and the size is 0");
    else if (status == STATUS_PRIVILEGE_NOT_HELD)
        g_string_append(out, "MAP_SYSTEM locks pages in physical memory, which needs "
                             "SeLockMemoryPrivilege; this process does not hold it. Instead: "
                             "MAP_PROCESS keeps them in the working set, with no privilege");
    else if (status == STATUS_ACCESS_VIOLATION && op->kind == VS_OP_NT_LOCK_VIRTUAL_MEMORY &&
             size && hole < address + size)
        g_string_append_printf(out,
                               "every page to lock must be allocated, and no allocation holds "
                               "0x%" G_GINT64_MODIFIER "X: the lock was refused before any page "
                               "was touched",
                               hole);
    else
        return FALSE;
    return TRUE;
}

static gboolean windows_rule(VsRunner *runner, const VsOp *op, VsStatus status, GString *out)
{
    VsOpKind kind = op->kind;
    if (from_app_rule(op, out))
        return TRUE;
    if (large_page_rule(runner, op, status, out))
        return TRUE;
    if (status == STATUS_PRIVILEGE_NOT_HELD && allocates(kind) && (op_type(op) & MEM_LARGE_PAGES)) {
        g_string_append(out, "large pages are locked in memory for good, so MEM_LARGE_PAGES needs "
                             "SeLockMemoryPrivilege (\"Lock pages in memory\"), which an "
                             "administrator must grant and the process enable; this process does "
                             "not hold it. Instead: ordinary 4 KB pages (the same call without "
                             "MEM_LARGE_PAGES)");
        return TRUE;
    }
    if (kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO && query_probe_rule(runner, op, status, out))
        return TRUE;
    if (kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY || kind == VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO)
        return query_memory_rule(op, status, out);
    if (kind == VS_OP_NT_QUERY_SECTION_INTO && query_probe_rule(runner, op, status, out))
        return TRUE;
    if (kind == VS_OP_NT_QUERY_SECTION || kind == VS_OP_NT_QUERY_SECTION_INTO)
        return query_section_rule(runner, op, status, out);
    if (write_watch_rule(op, status, out) || nt_lock_rule(runner, op, status, out) ||
        read_file_rule(runner, op, status, out))
        return TRUE;
    if (vs_op_spec(kind)->buffer_args)
        return copy_rule(runner, op, status, out);
    if (placeholder_rule(runner, op, out))
        return TRUE;
    if (status == STATUS_CONFLICTING_ADDRESSES && allocates(kind) && (op_type(op) & MEM_RESERVE))
        return reservation_rule(runner, op, out);
    if (status == STATUS_CONFLICTING_ADDRESSES && allocates(kind))
        return inside_rule(runner, op, "commits",
                           "pages are committed inside a reservation. Instead: reserve first "
                           "(MEM_RESERVE | MEM_COMMIT does both)",
                           out);
    if (status == STATUS_CONFLICTING_ADDRESSES && protects(kind))
        return inside_rule(runner, op, "changes protections",
                           "a protection is an allocated page's. Instead: allocate the pages "
                           "first",
                           out);
    if (frees(kind))
        return release_rule(runner, op, status, out);
    if (status == STATUS_NOT_COMMITTED && protects(kind))
        return committed_rule(runner, op, out);
    if (status == STATUS_COMMITMENT_LIMIT)
        return limit_rule(runner, out);
    return FALSE;
}

/* ---- Linux's rules --------------------------------------------------------------------------- */

/* A range the call needs mapped whole (mprotect, madvise): the first page in it no VMA holds. */
static gboolean unmapped_rule(VsRunner *runner, const VsOp *op, GString *out)
{
    uint64_t address = op_address(op) & ~(VS_PAGE_SIZE - 1), end = op_address(op) + op_size(op);
    VsProcess *process = vs_runner_process(runner);
    VsVmaInfo vma;
    for (uint64_t at = address; at < end; at = vma.end) {
        if (!vs_vma_find(process, at, &vma) || vma.start > at) {
            g_string_append_printf(out,
                                   "%s acts on mapped memory, and 0x%" G_GINT64_MODIFIER
                                   "X, in the range, is in no VMA. Instead: a range that "
                                   "show maps lists whole",
                                   vs_op_spec(op->kind)->name, at);
            return TRUE;
        }
        if (vma.end <= at)
            break;
    }
    return FALSE;
}

static gboolean linux_einval_rule(const VsOp *op, GString *out)
{
    const char *name = vs_op_spec(op->kind)->name;
    uint64_t address = op_address(op), type = op_type(op);
    if (op->kind == VS_OP_MMAP && (type & VS_MAP_TYPE) != VS_MAP_PRIVATE &&
        (type & VS_MAP_TYPE) != VS_MAP_SHARED && (type & VS_MAP_TYPE) != VS_MAP_SHARED_VALIDATE) {
        g_string_append(out, "mmap's flags take one of MAP_PRIVATE and MAP_SHARED");
        return TRUE;
    }
    if (op->kind == VS_OP_MMAP && op->arg[5] % VS_PAGE_SIZE) {
        g_string_append_printf(out,
                               "mmap's offset is a multiple of the page size (4 KB), and "
                               "0x%" G_GINT64_MODIFIER "X is not",
                               op->arg[5]);
        return TRUE;
    }
    if (address % VS_PAGE_SIZE && (op->kind != VS_OP_MMAP || (type & VS_MAP_FIXED))) {
        g_string_append_printf(out,
                               "%s's address is a multiple of the page size (4 KB), and "
                               "0x%" G_GINT64_MODIFIER "X is not. Instead: 0x%" G_GINT64_MODIFIER
                               "X, the page it is in",
                               name, address, (uint64_t)(address & ~(VS_PAGE_SIZE - 1)));
        return TRUE;
    }
    if ((op->kind == VS_OP_MMAP || op->kind == VS_OP_MUNMAP) && op_size(op) == 0) {
        g_string_append_printf(out, "%s takes a length of at least one byte", name);
        return TRUE;
    }
    return FALSE;
}

/* The mlock family's and locked mappings' failures: what RLIMIT_MEMLOCK allows (it is read after
 * the call, which changed nothing the limit counts), or a page that could not be faulted in. */
static gboolean lock_rule(VsRunner *runner, const VsOp *op, uint32_t err, GString *out)
{
    const VsProcess *process = vs_runner_process(runner);
    uint64_t limit = vs_rlimit_memlock(process), locked = vs_locked_vm_kb(process);
    gboolean locks = op->kind == VS_OP_MLOCK || op->kind == VS_OP_MLOCK2 ||
                     op->kind == VS_OP_MLOCKALL ||
                     (op->kind == VS_OP_MMAP && err == VS_EPERM && (op_type(op) & VS_MAP_LOCKED));
    if (err == VS_EPERM && locks) {
        g_string_append(out,
                        "RLIMIT_MEMLOCK is 0, and a process without CAP_IPC_LOCK may then lock "
                        "nothing. Instead: setrlimit(RLIMIT_MEMLOCK, n) first");
        return TRUE;
    }
    VsSmaps vma;
    if (err == VS_ENOMEM && (op->kind == VS_OP_MLOCK || op->kind == VS_OP_MLOCK2) &&
        vs_vma_smaps(process, op_address(op), &vma) && vma.vm_locked) {
        g_string_append(out, "the range is locked, but mlock also faults its pages in, and one "
                             "could not be (PROT_NONE, or a file page past the end); the lock "
                             "stays. Instead: mlock2 with MLOCK_ONFAULT, or an accessible range");
        return TRUE;
    }
    if ((err == VS_ENOMEM && locks) || (err == VS_EAGAIN && op->kind == VS_OP_MMAP)) {
        if (limit == VS_RLIM_INFINITY)
            return FALSE;
        g_string_append_printf(
            out,
            "the locked VMAs (VmLck) would pass RLIMIT_MEMLOCK, %" G_GUINT64_FORMAT
            " KB: %" G_GUINT64_FORMAT " KB are locked already. Instead: "
            "munlock something first, or a higher limit",
            limit >> 10, locked);
        return TRUE;
    }
    return FALSE;
}

/* EPERM from a sealed VMA in the call's range (mseal): the first one. */
static gboolean sealed_rule(VsRunner *runner, const VsOp *op, GString *out)
{
    const VsProcess *process = vs_runner_process(runner);
    uint64_t address = op_address(op) & ~(VS_PAGE_SIZE - 1);
    uint64_t end = address + MAX(op_size(op), 1);
    VsVmaInfo vma;
    VsSmaps smaps;
    for (uint64_t at = address; at < end && vs_vma_find(process, at, &vma) && vma.start < end;
         at = vma.end) {
        if (!vs_vma_smaps(process, vma.start, &smaps) || !smaps.sealed)
            continue;
        g_string_append(out, "the VMA ");
        append_span(out, vma.start, vma.end);
        if (op->kind == VS_OP_MADVISE)
            g_string_append(out, " is sealed (mseal), and a seal refuses advice that would "
                                 "discard the pages of anonymous memory the process may not "
                                 "write");
        else
            g_string_append_printf(out, " is sealed (mseal), and a seal refuses %s for good",
                                   vs_op_spec(op->kind)->name);
        return TRUE;
    }
    return FALSE;
}

/* Why pkey_free or pkey_mprotect refused key pkey (EINVAL), the arguments being fine otherwise. */
static void pkey_not_allocated(const VsPkeyState *state, int32_t pkey, GString *out)
{
    if (!state->keys)
        g_string_append(out, "this CPU has no protection keys (execonly=none), so no key but -1 "
                             "(none) is ever one the process may use");
    else if (pkey < 0 || pkey > 15)
        g_string_append_printf(out, "x86 has keys 0 to 15, and %d is not one", pkey);
    else if (pkey == state->execute_only)
        g_string_append_printf(out,
                               "key %d is the process's execute-only key, which the kernel "
                               "gives PROT_EXEC-only memory and keeps to itself",
                               pkey);
    else
        g_string_append_printf(out,
                               "key %d is not allocated: pkey_alloc hands keys out, and only "
                               "those (and key 0) may be used or freed",
                               pkey);
}

/* pkey_alloc's EINVAL and ENOSPC, pkey_free's EINVAL, pkey_mprotect's EINVAL for its key. */
static gboolean pkey_rule(VsRunner *runner, const VsOp *op, uint32_t err, GString *out)
{
    VsPkeyState state;
    vs_pkey_state(vs_runner_process(runner), &state);
    int32_t pkey = (int32_t)(uint32_t)op->arg[op->kind == VS_OP_PKEY_MPROTECT ? 3 : 0];
    if (op->kind == VS_OP_PKEY_ALLOC && err == VS_EINVAL) {
        if (op->arg[0] || (op->arg[1] & ~(uint64_t)3))
            g_string_append(out, "pkey_alloc's flags are 0, and its access rights "
                                 "PKEY_DISABLE_ACCESS and PKEY_DISABLE_WRITE only");
        else
            g_string_append(out, "this CPU has no protection keys (execonly=none): the kernel "
                                 "took key 0 from the process's empty key map, could not set "
                                 "PKRU, and cannot give key 0 back (it counts as the "
                                 "execute-only key there), so every later pkey_alloc of this "
                                 "process and its forked children is ENOSPC");
        return TRUE;
    }
    if (op->kind == VS_OP_PKEY_ALLOC && err == VS_ENOSPC) {
        g_string_append(out, state.keys ? "all 16 keys are allocated: key 0 from the start, "
                                          "the execute-only key once PROT_EXEC alone was "
                                          "mapped, and every key pkey_alloc handed out"
                                        : "this CPU has no protection keys (execonly=none), "
                                          "and an earlier pkey_alloc (here or before fork) "
                                          "left the one key there is, key 0, taken for good");
        return TRUE;
    }
    if (op->kind == VS_OP_PKEY_SET || op->kind == VS_OP_PKEY_GET) {
        g_string_append(out, "glibc's pkey_set and pkey_get take keys 0 to 15 and rights 0 to 3 "
                             "(PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE), and check that before "
                             "they touch PKRU");
        return err == VS_EINVAL;
    }
    if (err != VS_EINVAL || (op->kind == VS_OP_PKEY_MPROTECT && pkey == -1))
        return FALSE;
    if (op->kind == VS_OP_PKEY_MPROTECT && (op->arg[0] % VS_PAGE_SIZE || (op->arg[2] & ~0xFu)))
        return FALSE; /* mprotect's own checks come first */
    pkey_not_allocated(&state, pkey, out);
    return TRUE;
}

static gboolean linux_rule(VsRunner *runner, const VsOp *op, uint32_t err, GString *out)
{
    if (op->kind >= VS_OP_PKEY_ALLOC && op->kind <= VS_OP_PKEY_GET &&
        pkey_rule(runner, op, err, out))
        return TRUE;
    if (err == VS_EPERM && op->kind != VS_OP_MLOCK && op->kind != VS_OP_MLOCK2 &&
        sealed_rule(runner, op, out))
        return TRUE;
    if (err == VS_ENOMEM &&
        (op->kind == VS_OP_MLOCK || op->kind == VS_OP_MLOCK2 || op->kind == VS_OP_MUNLOCK) &&
        unmapped_rule(runner, op, out))
        return TRUE;
    if (lock_rule(runner, op, err, out))
        return TRUE;
    if (err == VS_EINVAL)
        return linux_einval_rule(op, out);
    if (err == VS_ENOMEM && (op->kind == VS_OP_MPROTECT || op->kind == VS_OP_MADVISE))
        return unmapped_rule(runner, op, out);
    if (err == VS_EEXIST && op->kind == VS_OP_MMAP && (op_type(op) & VS_MAP_FIXED_NOREPLACE)) {
        VsVmaInfo vma;
        if (!vs_vma_find(vs_runner_process(runner), op_address(op), &vma))
            return FALSE;
        g_string_append(out, "MAP_FIXED_NOREPLACE never replaces a mapping, and the VMA ");
        append_span(out, vma.start, vma.end);
        g_string_append(out, " is in the way. Instead: another address, or MAP_FIXED to replace "
                             "it");
        return TRUE;
    }
    return FALSE;
}

void vs_explain_failure(VsRunner *runner, const VsOp *op, uint32_t why, GString *out)
{
    GString *rule = g_string_new(NULL);
    gboolean told = vs_words_linux(runner) && vs_op_family(op->kind) != VS_FAMILY_WINDOWS
                        ? linux_rule(runner, op, why, rule)
                        : windows_rule(runner, op, why, rule);
    if (told)
        g_string_append_printf(out, "\n      rule: %s.", rule->str);
    g_string_free(rule, TRUE);
}
