/*
 * reset.c - the contents MEM_RESET lets go, which the two systems need not agree on (win32.h).
 *
 * MEM_RESET says "the data in the pages is no longer of interest": the pages stay committed with
 * their protection, but "the pages might be overwritten" (Microsoft's VirtualAlloc page), and the
 * Windows-asserted test accepts the data kept or zeroed (kernel32 test_VirtualAlloc L413-420).
 * Windows keeps it until the frames are reused (the model too: allocvm.c); Wine drops it at once
 * (madvise MADV_DONTNEED), so the pages read zeros. Both are Windows' contract, so a reset both
 * systems carried out is compared as any call (its status, and what the queries see after it:
 * state, protection, regions), and leaves a taint over its whole pages, rounded inward as Windows
 * rounds it, that explains reads of those pages and nothing else. It is kept apart from the
 * known entries' taints (VsWin32Session.reset_taints): those explain every call in their range and
 * are lifted where walks agree, which say nothing of contents.
 *
 * A page's taint ends when its contents are defined again in both systems: where the model
 * decommits, releases or unmaps it (committed again later, it reads zeros in both), and when a
 * store both systems made leaves the two pages byte for byte the same (the agent's page_digest
 * against the model's bytes, read from the frame without touching the page: a store of one byte
 * rarely does that, a page whose old contents were gone from both does).
 *
 * The pages a range covers only partly are not the reset's on Windows, so they are not tainted;
 * right after the reset each one the model holds is compared the same way, and a difference
 * (Wine rounds the range outward and drops them too) is the reset call's own, PartialPage, which
 * the known list explains or not.
 */
#include "taint.h"
#include "win32.h"

const char vs_win32_reset_id[] = "MEM_RESET: the contents are not kept";

/* A MEM_RESET alone (any other flag with it is refused by Windows, and judged as a call): the
 * allocating calls that reach NtAllocateVirtualMemory(Ex). */
static gboolean is_reset(const VsOp *op)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    int type = vs_op_type_arg(op->kind);
    gboolean allocates = op->kind == VS_OP_NT_ALLOCATE || op->kind == VS_OP_NT_ALLOCATE_EX ||
                         (spec->nt_call && g_str_has_prefix(spec->nt_call, "NtAllocateVirtual"));
    return allocates && type >= 0 && op->arg[type] == MEM_RESET;
}

/* Whether op decommits, releases or unmaps memory in the caller's own process. */
static gboolean undefines(VsThread *thread, const VsOp *op)
{
    if (vs_op_process(thread, op) != vs_thread_process(thread))
        return FALSE;
    switch (op->kind) {
    case VS_OP_VIRTUAL_FREE:
    case VS_OP_VIRTUAL_FREE_EX:
    case VS_OP_NT_FREE: return (op->arg[vs_op_type_arg(op->kind)] & (MEM_DECOMMIT | MEM_RELEASE));
    case VS_OP_UNMAP_VIEW_OF_FILE:
    case VS_OP_UNMAP_VIEW_OF_FILE_EX:
    case VS_OP_UNMAP_VIEW_OF_FILE_2:
    case VS_OP_NT_UNMAP_VIEW:
    case VS_OP_NT_UNMAP_VIEW_EX: return TRUE;
    default: return FALSE;
    }
}

/* Ends the reset taints where the model's memory is no longer committed (decommitted, released,
 * unmapped): its contents are zeros in both systems once it is committed again. */
static void end_uncommitted(VsWin32Session *space, VsThread *thread)
{
    for (guint i = space->reset_taints->len; i-- > 0;) {
        VsTaint t = g_array_index(space->reset_taints, VsTaint, i);
        for (uint64_t at = t.start; at < t.end;) {
            VsOp query = {.kind = VS_OP_VIRTUAL_QUERY, .arg = {at}};
            VsOutcome model;
            vs_op_execute(thread, &query, &model);
            uint64_t end = model.mbi.BaseAddress + model.mbi.RegionSize;
            if (!model.ret || end <= at)
                break;
            if (model.mbi.State != MEM_COMMIT)
                vs_taints_remove(space->reset_taints, at, MIN(end, t.end));
            at = end;
        }
    }
}

/* The 64-bit FNV-1a hash of the model's page, as the agent's page_digest computes it, read from
 * its frame without touching it (no Accessed bit, no fault); FALSE unless the page is valid. */
static gboolean model_digest(VsThread *thread, uint64_t page, uint64_t *digest)
{
    VsProcess *process = vs_thread_process(thread);
    VsPteWalk walk;
    vs_pte_walk(process, page, &walk);
    if (!walk.protection)
        return FALSE;
    uint64_t hash = 0xCBF29CE484222325ull;
    for (uint32_t i = 0; i < VS_PAGE_SIZE; i++) {
        uint8_t byte;
        if (!vs_page_frame_byte(vs_process_system(process), walk.frame, i, &byte))
            return FALSE;
        hash = (hash ^ byte) * 0x100000001B3ull;
    }
    *digest = hash;
    return TRUE;
}

/* The other system's digest of the page paired with the model's page (*readable FALSE when the
 * read raised); FALSE with *error when the agent is lost. */
static gboolean other_digest(VsWin32Session *side, uint64_t page, uint64_t *digest,
                             gboolean *readable, GError **error)
{
    g_autofree char *text = g_strdup_printf("page_digest %" G_GINT64_MODIFIER "x\n",
                                            vs_relations_to_other(&side->relations, page));
    VsOutcome other;
    g_autoptr(GArray) extra = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (!vs_agent_call(side->base.agent, text, &other, extra, error))
        return FALSE;
    *digest = other.ret;
    *readable = !other.exception;
    return TRUE;
}

/* After a store both systems made to a reset page: its taint ends if the two pages now hold the
 * same bytes. FALSE with *error when the agent is lost. */
static gboolean end_if_same(VsWin32Session *side, VsThread *thread, uint64_t address,
                            GError **error)
{
    uint64_t page = address & ~(uint64_t)(VS_PAGE_SIZE - 1), mine, theirs;
    gboolean readable;
    if (!vs_taints_over(side->reset_taints, page, page + VS_PAGE_SIZE) ||
        !model_digest(thread, page, &mine))
        return TRUE;
    if (!other_digest(side, page, &theirs, &readable, error))
        return FALSE;
    if (readable && theirs == mine)
        vs_taints_remove(side->reset_taints, page, page + VS_PAGE_SIZE);
    return TRUE;
}

/* The pages a reset's range covers only partly (none, one or two), which Windows leaves alone. */
static int partial_pages(uint64_t address, uint64_t size, uint64_t pages[2])
{
    const uint64_t mask = VS_PAGE_SIZE - 1;
    uint64_t end = address + size;
    int n = 0;
    if (address & mask)
        pages[n++] = address & ~mask;
    if ((end & mask) && (n == 0 || (end & ~mask) != pages[0]))
        pages[n++] = end & ~mask;
    return n;
}

gboolean vs_win32_reset_edges(VsWin32Session *side, VsThread *thread, const VsOp *op,
                              const VsOutcome *model, const VsOutcome *other,
                              GPtrArray *divergences, GError **error)
{
    if (!thread || side->child.handle || !is_reset(op) || !vs_win32_succeeded(op, model) ||
        !vs_win32_succeeded(op, other) || vs_op_process(thread, op) != vs_thread_process(thread))
        return TRUE;
    uint64_t pages[2];
    int n = partial_pages(op->arg[vs_op_address_arg(op->kind)], op->arg[vs_op_size_arg(op->kind)],
                          pages);
    for (int i = 0; i < n; i++) {
        uint64_t mine, theirs, end = pages[i] + VS_PAGE_SIZE;
        gboolean readable;
        if (vs_taints_over(side->taints, pages[i], end) ||
            vs_taints_over(side->reset_taints, pages[i], end) ||
            !model_digest(thread, pages[i], &mine))
            continue; /* apart already, or nothing the model holds to compare */
        if (!other_digest(side, pages[i], &theirs, &readable, error))
            return FALSE;
        if (readable && theirs != mine) {
            vs_diverge(divergences, "PartialPage", mine, theirs);
            return TRUE;
        }
    }
    return TRUE;
}

gboolean vs_win32_reset_follow(VsWin32Session *side, VsWin32Session *space, VsThread *thread,
                               const VsOp *op, const VsOutcome *model, const VsOutcome *other,
                               GError **error)
{
    if (!thread || side->child.handle)
        return TRUE; /* a process made from an image runs nothing: no store reaches it */
    if (is_reset(op) && vs_win32_succeeded(op, model) && vs_win32_succeeded(op, other))
        vs_taints_add_pages_inward(space->reset_taints, op->arg[vs_op_address_arg(op->kind)],
                                   op->arg[vs_op_size_arg(op->kind)], VS_PAGE_SIZE,
                                   vs_win32_reset_id);
    if (space->reset_taints->len == 0)
        return TRUE;
    if (undefines(thread, op) && vs_win32_succeeded(op, model))
        end_uncommitted(space, thread);
    if (op->kind == VS_OP_WRITE && !model->exception && !other->exception)
        return end_if_same(side, thread, op->arg[0], error);
    return TRUE;
}

const char *vs_win32_reset_tainted_by(const VsWin32Session *side, const VsOp *op)
{
    if (op->kind != VS_OP_READ)
        return NULL;
    return vs_taints_over(side->reset_taints, op->arg[0], op->arg[0] + 1);
}
