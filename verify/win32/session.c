/*
 * session.c - a Win32 session: mirroring calls to the agent standing for one scenario process,
 * and judging the differences (win32.h).
 */
#include <string.h>

#include "taint.h"
#include "win32.h"

static VsWin32Session *win32(VsSession *session) { return (VsWin32Session *)session; }

VsSession *vs_win32_session_start(const VsAgentCommand *command, const VsKnownList *known,
                                  VsSession *sibling, GError **error)
{
    VsWin32Info info;
    VsAgent *agent = vs_win32_start(command, &info, error);
    if (!agent)
        return NULL;
    VsWin32Session *s = g_new0(VsWin32Session, 1);
    vs_session_init(&s->base, &vs_backend_win32, agent, known, info.wine ? "wine" : "windows",
                    info.version);
    if (info.wine)
        g_snprintf(s->base.option, sizeof s->base.option, "--wine=%s ", info.version);
    s->info = info;
    vs_relations_init(&s->relations);
    /* One process's id is opened from another: the pairs of process ids span the sessions. */
    if (sibling)
        vs_relations_share_pids(&s->relations, win32(sibling)->relations.pids);
    s->taints = vs_taints_new();
    s->section_taints = g_hash_table_new(g_direct_hash, g_direct_equal);
    s->reset_taints = vs_taints_new();
    s->handle_taints = vs_handle_taints_new();
    return &s->base;
}

void vs_win32_session_free(VsSession *session)
{
    VsWin32Session *s = win32(session);
    if (s->child.handle)
        s->base.agent = NULL; /* the host's agent, borrowed (child.c) */
    vs_session_clear(&s->base);
    vs_relations_clear(&s->relations);
    g_array_free(s->taints, TRUE);
    g_hash_table_unref(s->section_taints);
    g_array_free(s->reset_taints, TRUE);
    g_hash_table_unref(s->handle_taints);
    g_free(s);
}

/* ---- Consequences of known divergences ------------------------------------------------------- */

/* Larger than any range a call that succeeds in one system and fails in the other can cover. */
#define TAINT_MAX_SIZE ((uint64_t)1 << 36)
/* Where the other system's counterpart of memory only the model placed is put: past the end of
 * any x64 user space (below 2^47), where every call fails. */
#define NOWHERE VS_RELATIONS_NOWHERE

static uint64_t granule_down(uint64_t a) { return a & ~(uint64_t)(VS_GRANULARITY - 1); }
static uint64_t granule_up(uint64_t a) { return granule_down(a + VS_GRANULARITY - 1); }

/* The model's VAD holding address in the process the call acts on, as [*start, *end); FALSE if
 * the address is free there. */
static gboolean model_vad(VsThread *thread, const VsOp *op, uint64_t address, uint64_t *start,
                          uint64_t *end)
{
    VsProcess *process = thread ? vs_op_process(thread, op) : NULL;
    const VsVad *vad = process ? vs_vad_lookup(process, address) : NULL;
    if (!vad)
        return FALSE;
    VsVadInfo info;
    vs_vad_info(vad, &info);
    *start = info.starting_vpn * VS_PAGE_SIZE;
    *end = (info.ending_vpn + 1) * VS_PAGE_SIZE;
    return TRUE;
}

/* The size of the range op names: its size argument; for a view of size 0 (the rest of the
 * section), the section's size, which the view cannot exceed. */
static uint64_t call_size(VsThread *thread, const VsOp *op)
{
    int size_arg = vs_op_size_arg(op->kind);
    uint64_t size = size_arg >= 0 ? op->arg[size_arg] : 0;
    if (size == 0 && thread && vs_op_maps_view(op->kind)) {
        const VsSection *section = vs_handle_section(thread, op->arg[vs_fuzz_handle_arg(op->kind)]);
        VsSectionInfo info;
        if (section) {
            vs_section_info(section, &info);
            size = info.size;
        }
    }
    return size;
}

/* Where a known divergence of op leaves the two systems apart: the granules the call's range
 * touches, and the model's VAD there before the call and after it. */
static VsTaint taint_range(VsThread *thread, const VsOp *op, const VsOutcome *model, const char *id)
{
    uint64_t address = op->arg[vs_op_address_arg(op->kind)];
    uint64_t size = call_size(thread, op);
    if (size > TAINT_MAX_SIZE)
        size = 0; /* a size meant to overflow: no system made anything of it, its granule will do */
    uint64_t last = address + (size ? size - 1 : 0);
    if (last < address)
        last = UINT64_MAX; /* address + size wraps */
    VsTaint t = {granule_down(address),
                 last >= UINT64_MAX - VS_GRANULARITY ? UINT64_MAX : granule_up(last + 1), id};
    uint64_t start, end;
    if (model && model->vad_end) {
        t.start = MIN(t.start, model->vad_start);
        t.end = MAX(t.end, model->vad_end);
    }
    if (model_vad(thread, op, address, &start, &end)) {
        t.start = MIN(t.start, start);
        t.end = MAX(t.end, end);
    }
    return t;
}

/* The allocation (or view) an allocating call made in one system and not in the other (its base
 * in model addresses, through the pairs, and its size), or FALSE. other is NULL when the agent
 * refused. The NT calls write base and size back: NtAllocateVirtualMemory as arguments 1 and 3,
 * NtMapViewOfSection as 2 and 6. A MapViewOfFile call's view is as long as the model made it, or
 * a granule when only the other system made it (the model does not know its size). */
static gboolean lone_allocation(const VsWin32Session *space, const VsOp *op, const VsOutcome *model,
                                const VsOutcome *other, uint64_t *base, uint64_t *size,
                                gboolean *in_model)
{
    gboolean view = op->kind == VS_OP_NT_MAP_VIEW || op->kind == VS_OP_NT_MAP_VIEW_EX;
    gboolean nt = op->kind == VS_OP_NT_ALLOCATE || op->kind == VS_OP_NT_ALLOCATE_EX || view;
    /* where base and size come back: NtAllocateVirtualMemory 1, 3; its Ex 1, 2;
     * NtMapViewOfSection 2, 6; its Ex 2, 4 */
    int size_out = op->kind == VS_OP_NT_ALLOCATE      ? 3
                   : op->kind == VS_OP_NT_ALLOCATE_EX ? 2
                   : op->kind == VS_OP_NT_MAP_VIEW    ? 6
                                                      : 4;
    gboolean mapped =
        !nt && vs_op_maps_view(op->kind) && vs_op_spec(op->kind)->returns == VS_RETURN_POINTER;
    if (op->kind != VS_OP_VIRTUAL_ALLOC && op->kind != VS_OP_VIRTUAL_ALLOC_EX &&
        op->kind != VS_OP_VIRTUAL_ALLOC_2 && !nt && !mapped)
        return FALSE;
    /* No other outcome: the agent refused the call, so nothing was made there. */
    gboolean in_other = other && (nt ? NT_SUCCESS((VsStatus)other->ret) : other->ret != 0);
    *in_model = nt ? NT_SUCCESS((VsStatus)model->ret) : model->ret != 0;
    if (in_other == *in_model)
        return FALSE;
    const VsOutcome *made = *in_model ? model : other;
    uint64_t address = nt ? made->out[view ? 2 : 1] : made->ret; /* base: 2 for a view, else 1 */
    *base = *in_model ? address : vs_relations_to_model(&space->relations, address);
    *size = nt       ? made->out[size_out]
            : mapped ? (*in_model ? model->made_size : VS_GRANULARITY)
                     : op->arg[vs_op_size_arg(op->kind)];
    return *size > 0 && *size <= TAINT_MAX_SIZE;
}

/* The view a mapping call made in the model (its base and size), or FALSE: NtMapViewOfSection
 * writes them back as arguments 2 and 6, the Win32 calls return the base. */
static gboolean model_view(const VsOp *op, const VsOutcome *model, uint64_t *base, uint64_t *size)
{
    gboolean nt = op->kind == VS_OP_NT_MAP_VIEW;
    if ((!nt && !vs_op_maps_view(op->kind)) || !vs_win32_succeeded(op, model))
        return FALSE;
    if (!nt && vs_op_spec(op->kind)->returns != VS_RETURN_POINTER)
        return FALSE;
    *base = nt ? model->out[2] : model->ret;
    *size = nt ? model->out[6] : model->made_size;
    return *base && *size && *size <= TAINT_MAX_SIZE;
}

/* The section of the model's view at address in the process op acts on (its id; 0 where no
 * view is), and whether it is a file's. */
static uint32_t view_section(VsThread *thread, const VsOp *op, uint64_t address, gboolean *file)
{
    VsProcess *process = thread ? vs_op_process(thread, op) : NULL;
    const VsVad *vad = process ? vs_vad_lookup(process, address) : NULL;
    VsVadInfo info;
    if (!vad)
        return 0;
    vs_vad_info(vad, &info);
    const VsSection *section = info.kind == VS_VAD_MAPPED
                                   ? vs_section_lookup(vs_process_system(process), info.section)
                                   : NULL;
    if (!section)
        return 0;
    VsSectionInfo section_info;
    vs_section_info(section, &section_info);
    *file = (section_info.attributes & SEC_FILE) != 0;
    return info.section;
}

/* A store that went otherwise in the two systems leaves the contents of a view's section apart,
 * and so every view of it (and, for a file's section, the file): the pages are shared, so the
 * address ranges a taint covers do not say it, and walks, which compare attributes, never end
 * it. */
static void taint_contents(VsWin32Session *space, VsThread *thread, const VsOp *op, const char *id)
{
    gboolean file = FALSE;
    uint32_t section = op->kind == VS_OP_WRITE ? view_section(thread, op, op->arg[0], &file) : 0;
    if (section)
        g_hash_table_insert(space->section_taints, GUINT_TO_POINTER(section), (gpointer)id);
    if (file)
        space->file_taint = id;
}

/* The known entry the contents op reads differ by, or NULL. */
static const char *contents_tainted_by(const VsWin32Session *space, VsThread *thread,
                                       const VsOp *op)
{
    if (op->kind == VS_OP_READ_FILE)
        return space->file_taint;
    gboolean file = FALSE;
    uint32_t section = op->kind == VS_OP_READ ? view_section(thread, op, op->arg[0], &file) : 0;
    const char *id =
        section ? g_hash_table_lookup(space->section_taints, GUINT_TO_POINTER(section)) : NULL;
    return id ? id : file ? space->file_taint : NULL;
}

/* Taints what a known divergence (id) of op leaves apart: its ranges in the address space it
 * acted on, the contents of the section a store went to, and the last error when that
 * differs. */
static void taint(VsWin32Session *side, VsThread *thread, const VsOp *op, const VsOutcome *model,
                  const VsOutcome *other, const char *id, gboolean error_differs)
{
    VsWin32Session *space = side->space ? side->space : side;
    if (vs_op_address_arg(op->kind) >= 0) {
        VsTaint t = taint_range(thread, op, model, id);
        vs_taints_add(space->taints, t.start, t.end, id);
    } else if (model->vad_end) { /* the stack a thread's exit released */
        vs_taints_add(space->taints, model->vad_start, model->vad_end, id);
    }
    taint_contents(space, thread, op, id);
    uint64_t base, size;
    gboolean in_model;
    if (model_view(op, model, &base, &size)) /* made in both, otherwise */
        vs_taints_add_granules(space->taints, base, base + size, VS_GRANULARITY, id);
    if (lone_allocation(space, op, model, other, &base, &size, &in_model)) {
        vs_taints_add_granules(space->taints, base, base + size, VS_GRANULARITY, id);
        /* Memory only the model made has no counterpart: its addresses go past the other
         * system's user space, so no later call there reaches memory the other does have. */
        int arg = vs_op_address_arg(op->kind);
        if (in_model && (arg < 0 || op->arg[arg] == 0)) /* placed by the model, not named */
            vs_relations_add(&space->relations, granule_down(base), NOWHERE + granule_down(base),
                             granule_up(base + size) - granule_down(base));
    }
    if (error_differs)
        side->error_taint = side->status_taint = id;
}

/* A handle op made in one system alone (vs_win32_pair_lone_handle, which has paired it already):
 * the calls that take it follow from id until the system holding its object closes it. A thread
 * only the model made brought its stack with it: memory the model placed alone, paired past the
 * other system's user space and tainted as a lone allocation is (taint), so no call aimed at it
 * reaches what the other system has at the model's address. Its TEB is left as every thread's
 * is: each system puts TEBs where it chooses, and the harness pairs none. */
static void taint_lone_handle(VsWin32Session *side, VsThread *thread, uint64_t handle,
                              gboolean in_model, const char *id)
{
    VsWin32Session *space = side->space ? side->space : side;
    vs_handle_taints_add(side->handle_taints, handle, in_model, id);
    VsThread *made = in_model && thread ? vs_handle_thread(thread, handle) : NULL;
    VsThreadInfo info;
    if (!made)
        return;
    vs_thread_info(made, &info);
    if (!info.has_stack || info.terminated)
        return;
    uint64_t start = granule_down(info.deallocation_stack), end = granule_up(info.stack_base);
    vs_taints_add(space->taints, start, end, id);
    vs_relations_add(&space->relations, start, NOWHERE + start, end - start);
}

/* What a call does to handles made in one system alone: a handle it made there is paired and, when
 * a known divergence explains the making (id), tainted; a value it made in both names a new
 * object in both, untainted; a close by the system holding a tainted handle's object ends the
 * taint. other is NULL when the call was not run there. */
static void follow_handles(VsWin32Session *side, VsThread *thread, const VsOp *op,
                           const VsOutcome *model, const VsOutcome *other, const char *id)
{
    uint64_t handle;
    gboolean in_model;
    if (vs_win32_pair_lone_handle(&side->relations, op, model, other, &handle, &in_model)) {
        if (id)
            taint_lone_handle(side, thread, handle, in_model, id);
    } else if (vs_win32_made_handle(op, model, &handle)) {
        vs_handle_taints_remove(side->handle_taints, handle);
    }
    if (op->kind == VS_OP_CLOSE_HANDLE || op->kind == VS_OP_NT_CLOSE)
        vs_handle_taints_closed(side->handle_taints, op->arg[0], vs_win32_succeeded(op, model),
                                other && vs_win32_succeeded(op, other));
}

/* Whether op releases or unmaps memory: the allocation or view there goes (or shrinks). */
static gboolean releases(const VsOp *op)
{
    switch (op->kind) {
    case VS_OP_VIRTUAL_FREE:
    case VS_OP_VIRTUAL_FREE_EX:
    case VS_OP_NT_FREE: return (op->arg[vs_op_type_arg(op->kind)] & MEM_RELEASE) != 0;
    case VS_OP_UNMAP_VIEW_OF_FILE:
    case VS_OP_UNMAP_VIEW_OF_FILE_EX:
    case VS_OP_UNMAP_VIEW_OF_FILE_2:
    case VS_OP_NT_UNMAP_VIEW:
    case VS_OP_NT_UNMAP_VIEW_EX:
    case VS_OP_THREAD_EXIT: return TRUE; /* its stack */
    default: return FALSE;
    }
}

/* How far from model address at the two systems' memory is alike (the same state, protection,
 * type and allocation), as VirtualQuery says in each: the end of the shorter of the two regions,
 * or at itself when they differ. Where at's pair leads past user space the other system has
 * nothing: alike while the model has nothing either, to the pair's end. FALSE with *error when
 * the agent is lost. */
static gboolean alike_until(VsWin32Session *s, VsThread *thread, uint64_t at, uint64_t *end,
                            GError **error)
{
    VsOp query = {.kind = VS_OP_VIRTUAL_QUERY, .arg = {at}}, translated;
    VsOutcome model, other;
    *end = at;
    vs_op_execute(thread, &query, &model);
    uint64_t nowhere = vs_relations_nowhere_until(&s->relations, at);
    if (nowhere > at) {
        if (model.ret && model.mbi.State == MEM_FREE)
            *end = MIN(model.mbi.BaseAddress + model.mbi.RegionSize, nowhere);
        return TRUE;
    }
    vs_relations_translate(&s->relations, &query, &translated);
    if (!vs_win32_call_in(s->base.agent, s->child.handle, &translated, &other, error))
        return FALSE;
    const VsMemoryBasicInformation *m = &model.mbi, *o = &other.mbi;
    if (!model.ret || !other.ret || m->State != o->State || m->Protect != o->Protect ||
        m->Type != o->Type || m->AllocationProtect != o->AllocationProtect ||
        (m->State != MEM_FREE &&
         vs_relations_to_other(&s->relations, m->AllocationBase) != o->AllocationBase))
        return TRUE;
    uint64_t other_end = at + (o->BaseAddress + o->RegionSize - translated.arg[0]);
    *end = MIN(m->BaseAddress + m->RegionSize, other_end);
    return TRUE;
}

/* Where the part of the model's former allocation or view that a release or unmap op made in
 * the thread's own process no longer holds it (free now, a fresh placeholder, or another
 * allocation) begins: it runs from there to model->vad_end. FALSE when op released nothing there
 * in the model. */
static gboolean released_from(VsThread *thread, const VsOp *op, const VsOutcome *model,
                              uint64_t *at)
{
    if (!thread || !model->vad_end || !releases(op) || !vs_win32_succeeded(op, model) ||
        vs_op_process(thread, op) != vs_thread_process(thread))
        return FALSE; /* another process's memory: its taints and pairs stay */
    const VsVad *vad = vs_vad_lookup(vs_thread_process(thread), model->vad_start);
    *at = model->vad_start;
    VsVadInfo info;
    if (vad) {
        vs_vad_info(vad, &info);
        gboolean same = info.starting_vpn * VS_PAGE_SIZE == model->vad_start &&
                        info.kind != VS_VAD_PLACEHOLDER &&
                        (info.kind == VS_VAD_MAPPED) == (model->region_type != MEM_PRIVATE);
        if (same)
            *at = (info.ending_vpn + 1) * VS_PAGE_SIZE;
    }
    return TRUE;
}

/* Taints end with their memory: after a release or unmap the model made, the part of the
 * model's former allocation or view that no longer holds it is cut out of the taints where both
 * systems' memory is now alike, so what is made there later is compared afresh. That holds
 * whether or not the other system's release succeeded: memory whose pair leads nowhere, or that
 * the other system never placed there, failed to be released in it because it has nothing there,
 * and a taint left on such ground would be inherited by whatever the model makes there next
 * (53,461 calls of a 1M Wine 10.0 run explained by ground placed apart). What still holds it (the
 * rest of a partly released allocation) keeps its taints, and so does what the other system still
 * holds there. The pairs of what the model released are marked so (vs_relations_released),
 * whatever the other system did. FALSE with *error when the agent is lost. */
static gboolean end_released(VsWin32Session *space, VsThread *thread, const VsOp *op,
                             const VsOutcome *model, GError **error)
{
    uint64_t at;
    if (!released_from(thread, op, model, &at))
        return TRUE;
    if (at < model->vad_end)
        vs_relations_released(&space->relations, at, model->vad_end);
    for (int regions = 0; at < model->vad_end && regions < 16; regions++) {
        uint64_t end;
        if (!alike_until(space, thread, at, &end, error))
            return FALSE;
        if (end <= at)
            break;
        vs_taints_remove(space->taints, at, MIN(end, model->vad_end));
        at = end;
    }
    return TRUE;
}

/* The known entry whose consequences op may show, or NULL: one whose range the call's range
 * overlaps (a reservation next to memory only one system has can fail in that one alone). */
static const char *tainted_by(const VsWin32Session *side, VsThread *thread, const VsOp *op)
{
    if (op->kind == VS_OP_GET_LAST_ERROR)
        return side->error_taint;
    if (op->kind == VS_OP_RTL_GET_LAST_NT_STATUS)
        return side->status_taint;
    if (op->kind == VS_OP_READ_FILE)
        return contents_tainted_by(side, thread, op);
    const char *handle = vs_handle_taints_over(side->handle_taints, op); /* the caller's */
    if (handle)
        return handle;
    int arg = vs_op_address_arg(op->kind);
    if (arg < 0)
        return NULL;
    side = side->space ? side->space : side; /* ranges are the acted-on process's */
    uint64_t start = op->arg[arg], size = call_size(thread, op);
    if (size == 0 || size > TAINT_MAX_SIZE)
        size = 1; /* as in taint_range: a size meant to overflow counts for its first page */
    const char *id =
        vs_taints_over(side->taints, start, start + size < start ? UINT64_MAX : start + size);
    return id ? id : contents_tainted_by(side, thread, op);
}

/* Once both systems hold the same last error (or status) again, an earlier difference is over.
 * SetLastError sets the error alone: the status stays as it was, in Windows as in the model. */
static void settle_error(VsWin32Session *side, const VsOutcome *model, const VsOutcome *other)
{
    if (model->last_error == other->last_error)
        side->error_taint = NULL;
    if (model->last_status == other->last_status)
        side->status_taint = NULL;
}

/* ---- Region extents -------------------------------------------------------------------------- */

/* The known entry explaining a difference in the VirtualQuery record at model address, if the two
 * systems' records there differ in a way the list knows; else NULL. */
static const char *known_difference_at(VsWin32Session *side, VsThread *thread, uint64_t address,
                                       GError **error)
{
    VsSystemInfo info;
    VsGetSystemInfo(thread, &info);
    if (address > info.lpMaximumApplicationAddress)
        return NULL; /* the query would fail, and set the last error in both */
    VsOp query = {.kind = VS_OP_VIRTUAL_QUERY, .arg = {address}};
    VsOutcome model, other;
    vs_op_execute(thread, &query, &model);
    VsOp translated;
    vs_relations_translate(&side->relations, &query, &translated);
    if (!vs_win32_call_in(side->base.agent, side->child.handle, &translated, &other, error))
        return NULL;
    g_autoptr(GPtrArray) divergences = vs_divergences_new();
    vs_compare_outcomes(&side->relations, &query, &model, &other, divergences);
    const VsKnownSystem system = {side->base.system, side->base.version};
    for (guint i = 0; i < divergences->len; i++) {
        const VsKnownEntry *entry = vs_known_match(side->base.known, &system, &query, &model,
                                                   g_ptr_array_index(divergences, i));
        if (entry)
            return entry->id;
    }
    return NULL;
}

/* A region is the run of pages alike in state, protection and type, so where the two systems
 * differ (knownly) about one page, they differ about the extent of its neighbours too. When a
 * VirtualQuery's extents differ, asks both about the page where the shorter region stops (or
 * just before the later start): a known difference there explains the extents. */
static const char *extent_cause(VsWin32Session *side, VsThread *thread, const VsOutcome *model,
                                const VsOutcome *other, GError **error)
{
    if (!thread || !model->has_mbi || !other->has_mbi)
        return NULL;
    const VsMemoryBasicInformation *m = &model->mbi, *o = &other->mbi;
    uint64_t m_end = m->BaseAddress + m->RegionSize;
    uint64_t o_end =
        m_end + (o->BaseAddress + o->RegionSize) - vs_relations_to_other(&side->relations, m_end);
    uint64_t o_base =
        m->BaseAddress + o->BaseAddress - vs_relations_to_other(&side->relations, m->BaseAddress);
    const char *cause = NULL;
    if (m_end != o_end)
        cause = known_difference_at(side, thread, MIN(m_end, o_end), error);
    if (!cause && m->BaseAddress != o_base && !(error && *error))
        cause =
            known_difference_at(side, thread, MAX(m->BaseAddress, o_base) - VS_PAGE_SIZE, error);
    return cause;
}

/* What explains the extents among a call's differences (BaseAddress, RegionSize) when the list
 * does not: a known difference in the same record's attributes, or failing that in the
 * neighbour's (extent_cause), asked of the agent only for calls on the caller's own memory. */
static gboolean extents_explained(VsWin32Session *side, VsThread *thread, const VsOp *op,
                                  const VsOutcome *model, const VsOutcome *other,
                                  GPtrArray *divergences, const char **extent, GError **error)
{
    gboolean unexplained_extent = FALSE;
    const VsKnownSystem system = {side->base.system, side->base.version};
    *extent = NULL;
    for (guint i = 0; i < divergences->len; i++) {
        const VsDivergence *d = g_ptr_array_index(divergences, i);
        const VsKnownEntry *entry = vs_known_match(side->base.known, &system, op, model, d);
        unexplained_extent |= vs_divergence_is_extent(d->field) && !entry;
        if (!vs_divergence_is_extent(d->field) && entry)
            *extent = entry->id;
    }
    if (!unexplained_extent || *extent || side->space != side || tainted_by(side, thread, op))
        return TRUE;
    GError *lost = NULL;
    *extent = extent_cause(side, thread, model, other, &lost);
    if (lost)
        g_propagate_error(error, lost);
    return lost == NULL;
}

/* ---- Mirroring ------------------------------------------------------------------------------- */

/* A page resident in one system and not in the other (a known difference in Valid) has the rest
 * of its PSAPI_WORKING_SET_EX_BLOCK zero in the one where it is not: those fields follow from the
 * entry that explains Valid. NULL when nothing does. */
static const char *block_cause(const VsWin32Session *side, const VsOp *op, const VsOutcome *model,
                               GPtrArray *divergences)
{
    if (op->kind != VS_OP_QUERY_WORKING_SET_EX)
        return NULL;
    const VsKnownSystem system = {side->base.system, side->base.version};
    for (guint i = 0; i < divergences->len; i++) {
        const VsDivergence *d = g_ptr_array_index(divergences, i);
        if (strcmp(d->field, "Valid") != 0)
            continue;
        const VsKnownEntry *entry = vs_known_match(side->base.known, &system, op, model, d);
        return entry ? entry->id : NULL;
    }
    return NULL;
}

/* A thread's exit releases its stack in the model, as on Windows; a system that keeps it (Wine,
 * after TerminateThread of a thread suspended in a process made from an image) shows that as a
 * difference of the exit itself: the State at the stack's base, MEM_FREE in the model. Asked only
 * where the stack is paired (a thread_teb read it). FALSE with *error when the agent is lost. */
static gboolean stack_kept(VsWin32Session *side, const VsOp *op, const VsOutcome *model,
                           const VsOutcome *other, GPtrArray *divergences, GError **error)
{
    VsWin32Session *space = side->space ? side->space : side;
    if (op->kind != VS_OP_THREAD_EXIT || !model->ret || !other->ret || !model->vad_end ||
        !vs_relations_pair(&space->relations, model->vad_start))
        return TRUE;
    VsOp query = {.kind = VS_OP_VIRTUAL_QUERY, .arg = {model->vad_start}}, translated;
    VsOutcome there;
    vs_relations_translate(&space->relations, &query, &translated);
    if (!vs_win32_call_in(space->base.agent, space->child.handle, &translated, &there, error))
        return FALSE;
    if (there.ret && there.mbi.State != MEM_FREE)
        vs_diverge(divergences, "State", MEM_FREE, there.mbi.State);
    return TRUE;
}

/* Compares and judges a call both systems ran; FALSE with *error when the agent is lost. */
static gboolean judge(VsWin32Session *side, VsRelations *view, VsThread *thread, const VsOp *op,
                      const VsOutcome *model, const VsOutcome *other, VsJudging *v,
                      VsJudgement *judgement, GString *report, GError **error)
{
    g_autoptr(GPtrArray) divergences = vs_divergences_new();
    guint found = vs_compare_outcomes(view, op, model, other, divergences);
    guint before = divergences->len;
    if (!stack_kept(side, op, model, other, divergences, error) ||
        !vs_win32_reset_edges(side, thread, op, model, other, divergences, error))
        return FALSE;
    found += divergences->len - before;
    for (guint i = divergences->len; i-- > 0;)
        if (vs_win32_child_synthetic_extent(
                side, op, model, ((VsDivergence *)g_ptr_array_index(divergences, i))->field)) {
            g_ptr_array_remove_index(divergences, i);
            found--;
        }
    settle_error(side, model, other);
    const char *extent;
    if (!found)
        return TRUE;
    if (!extents_explained(side, thread, op, model, other, divergences, &extent, error))
        return FALSE;
    /* A read of reset contents is blamed on the reset, before any taint of its allocation. */
    const char *cause = vs_win32_reset_tainted_by(side, op);
    if (!cause)
        cause = tainted_by(side, thread, op);
    vs_session_judge(&side->base, op, model, divergences,
                     cause ? cause : block_cause(side, op, model, divergences), extent, v,
                     judgement, report);
    return TRUE;
}

/* The entries of MemoryWorkingSetExInformation with its buffer in the process name pages by
 * address, stored by the scenario as the model's addresses: before the real call reads them,
 * each entry's VirtualAddress is loaded from the model's buffer, translated into the queried
 * process's counterpart (view) and stored into the real buffer (the caller's own memory, through
 * side's pairs), a byte at a time as a scenario's write() is. Only after the model's call
 * succeeded: its probe made every page of the buffer resident and written, so the loads change
 * nothing. The first WORKING_SET_ENTRIES_PLACED entries; later ones stay as the scenario wrote
 * them, and a read() of a placed VirtualAddress differs between the systems afterwards. */
#define WORKING_SET_ENTRIES_PLACED 64

static gboolean place_working_set_entries(VsWin32Session *side, const VsRelations *view,
                                          VsThread *thread, const VsOp *op, const VsOutcome *model,
                                          GError **error)
{
    if (op->kind != VS_OP_NT_QUERY_VIRTUAL_MEMORY_INTO ||
        op->arg[2] != MemoryWorkingSetExInformation || !NT_SUCCESS((VsStatus)model->ret))
        return TRUE;
    const VsLayout *layout = vs_system_layout(vs_process_system(vs_thread_process(thread)));
    uint32_t pointer = layout->mbi_size == 48 ? 8 : 4;
    uint64_t buffer = op->arg[3], there = vs_relations_to_other(&side->relations, buffer);
    for (uint64_t i = 0; i < op->arg[4] / (2 * pointer) && i < WORKING_SET_ENTRIES_PLACED; i++) {
        uint64_t address = 0, at = i * 2 * pointer;
        for (uint32_t b = 0; b < pointer; b++) {
            uint8_t byte = 0;
            vs_memory_read(thread, buffer + at + b, &byte);
            address |= (uint64_t)byte << (8 * b);
        }
        uint64_t other = vs_relations_to_other(view, address);
        for (uint32_t b = 0; b < pointer; b++) {
            VsOp store = {.kind = VS_OP_WRITE,
                          .arg = {there + at + b, (uint8_t)(other >> (8 * b))}};
            VsOutcome stored;
            if (!vs_win32_call_in(side->base.agent, side->child.handle, &store, &stored, error))
                return FALSE;
        }
    }
    return TRUE;
}

gboolean vs_win32_mirror(VsSession *caller, VsSession *target, VsThread *thread, const VsOp *op,
                         const VsOutcome *model, VsJudgement *judgement, GString *report,
                         GError **error)
{
    /* Addresses belong to the process the call acts on; handles and process ids to the caller. */
    VsWin32Session *side = win32(caller), *space = target ? win32(target) : side;
    VsRelations view = space->relations;
    view.handles = side->relations.handles;
    view.pids = side->relations.pids;
    side->space = space;
    memset(judgement, 0, sizeof *judgement);
    VsOp translated;
    vs_relations_translate(&view, op, &translated);
    /* Addresses after the first (NtAreMappedFilesTheSame's second, a heap call's block) are in the
     * same address space as the first. */
    int first = vs_op_address_arg(op->kind);
    uint32_t more = first < 0 ? 0 : vs_op_spec(op->kind)->address_args & ~(1u << first);
    for (int i = 0; i < VS_OP_MAX_ARGS; i++)
        if (more & (1u << i))
            translated.arg[i] = vs_relations_to_other(&view, op->arg[i]);
    /* A buffer is in the caller's own memory, whatever process the call acts on. */
    for (int i = 0; i < VS_OP_MAX_ARGS; i++)
        if (vs_op_spec(op->kind)->buffer_args & (1u << i))
            translated.arg[i] = vs_relations_to_other(&side->relations, op->arg[i]);
    /* A heap call's block (HeapWalk's cursor) is its second address: a block both heaps returned
     * (an entry both walks gave), else an address in the heap's process. */
    for (int i = vs_op_address_arg(op->kind) + 1; i > 0 && i < VS_OP_MAX_ARGS; i++)
        if (vs_op_spec(op->kind)->address_args & (1u << i))
            translated.arg[i] = g_hash_table_contains(view.blocks, &op->arg[i])
                                    ? vs_values_other(view.blocks, op->arg[i])
                                    : vs_relations_to_other(&view, op->arg[i]);
    VsOutcome other;
    VsJudging v;
    vs_judging_init(&v);
    GError *agent_error = NULL;
    gboolean ok = TRUE;
    if (op->phase == VS_OP_PHASE_START) {
        /* Nothing to compare until it returns (VS_OP_PHASE_FINISH): the agent's thread starts it.
         */
        ok = vs_win32_call_in(side->base.agent, side->child.handle, &translated, &other,
                              &agent_error);
        if (!ok && g_error_matches(agent_error, VS_AGENT_ERROR, VS_AGENT_ERROR_REFUSED)) {
            g_autofree char *why = g_strdup_printf("the agent refused: %s", agent_error->message);
            vs_judging_unsupported(&v, judgement, VS_REFUSED, why, report);
            g_clear_error(&agent_error);
            ok = TRUE;
        } else if (!ok) {
            g_propagate_error(error, agent_error);
        }
    } else if (vs_session_withholds(&side->base, op, model, &v, judgement, report)) {
        v.error_differs = TRUE; /* the model ran the call and the real system did not */
    } else if (place_working_set_entries(side, &view, thread, op, model, &agent_error) &&
               vs_win32_call_in(side->base.agent, side->child.handle, &translated, &other,
                                &agent_error)) {
        vs_win32_child_pair_module(side, thread, op, model, &other);
        /* The call is judged against the taints as they were before it. */
        ok = judge(side, &view, thread, op, model, &other, &v, judgement, report, error) &&
             end_released(space, thread, op, model, error) &&
             vs_win32_reset_follow(side, space, thread, op, model, &other, error);
    } else if (g_error_matches(agent_error, VS_AGENT_ERROR, VS_AGENT_ERROR_REFUSED)) {
        g_autofree char *why = g_strdup_printf("the agent refused: %s", agent_error->message);
        vs_judging_unsupported(&v, judgement, VS_REFUSED, why, report);
        v.error_differs = TRUE; /* the model ran the call and the agent did not */
        g_error_free(agent_error);
    } else {
        g_propagate_error(error, agent_error);
        ok = FALSE;
    }
    if (ok) {
        vs_judging_finish(&v, judgement, report);
        /* A read of reset contents leaves nothing apart: the reset's own taint covers it. */
        const VsOutcome *answer = judgement->refused ? NULL : &other;
        if (judgement->because && judgement->because != vs_win32_reset_id)
            taint(side, thread, op, model, answer, judgement->because, v.error_differs);
        follow_handles(side, thread, op, model, answer, judgement->because);
    }
    vs_judging_clear(&v);
    return ok;
}
