/*
 * child.c - a scenario process made from an image (process NAME image="FILE"), verified against
 * a real process made from the same bytes (win32.h).
 *
 * The agent that holds the scenario's files (the host: the scenario's first session) makes the
 * real process with CreateProcess and CREATE_SUSPENDED, so it stands as Windows made it, before
 * its first instruction: the EXE at its base, ntdll, the PEB, the first thread's TEB and stack.
 * The session standing for the scenario process borrows the host's agent and sends each call
 * through the child's handle (request.c): VirtualQuery as VirtualQueryEx, a load or a store as
 * ReadProcessMemory or WriteProcessMemory, GetCurrentProcess() as the child's handle.
 *
 * What the model lays out by rules of its own is paired, not compared: the PEB (the model puts
 * it at the classic fixed address, Windows and Wine where they choose) is paired page for page
 * at the start, and the model's synthetic ntdll with the real one when the scenario asks for it
 * (GetModuleHandle), after which only what the scenario names there - a region's protection,
 * state, type and allocation - is compared, not the extents of the synthetic sections.
 */
#include <string.h>

#include "taint.h"
#include "win32.h"

VsSession *vs_win32_child_start(VsSession *host, const char *image, VsProcess *process,
                                const VsKnownList *known, GError **error)
{
    VsWin32Session *h = (VsWin32Session *)host;
    VsWin32Child child;
    if (!vs_win32_create_child(host->agent, image, &child, error))
        return NULL;
    VsWin32Session *s = g_new0(VsWin32Session, 1);
    vs_session_init(&s->base, &vs_backend_win32, host->agent, known, host->system, host->version);
    g_strlcpy(s->base.option, host->option, sizeof s->base.option);
    s->info = h->info;
    s->child = child;
    vs_relations_init(&s->relations);
    vs_relations_share_pids(&s->relations, h->relations.pids);
    /* The process's own pseudo-handle is the child's handle in the host. */
    vs_values_relate(s->relations.handles, VS_CURRENT_PROCESS, child.handle);
    vs_values_relate(s->relations.pids, vs_process_id(process), child.pid);
    VsProcessImageInfo info;
    if (vs_process_image_info(process, &info) && info.peb && child.peb)
        vs_relations_add(&s->relations, info.peb & ~(uint64_t)(VS_PAGE_SIZE - 1),
                         child.peb & ~(uint64_t)(VS_PAGE_SIZE - 1), VS_PAGE_SIZE);
    s->taints = vs_taints_new();
    s->section_taints = g_hash_table_new(g_direct_hash, g_direct_equal);
    s->reset_taints = vs_taints_new();
    return &s->base;
}

/* Whether name is ntdll's, as GetModuleHandle takes it ("ntdll.dll", "NTDLL", ...). */
static gboolean is_ntdll(const char *name)
{
    return name &&
           (g_ascii_strcasecmp(name, "ntdll.dll") == 0 || g_ascii_strcasecmp(name, "ntdll") == 0);
}

void vs_win32_child_pair_module(VsWin32Session *s, VsThread *thread, const VsOp *op,
                                const VsOutcome *model, const VsOutcome *other)
{
    if (!s->child.handle || op->kind != VS_OP_GET_MODULE_HANDLE || !op->arg[0] ||
        !is_ntdll(op->text) || !model->ret || !other->ret || s->system_dll_end)
        return;
    const VsVad *vad = vs_vad_lookup(vs_thread_process(thread), model->ret);
    if (!vad)
        return;
    VsVadInfo info;
    vs_vad_info(vad, &info);
    s->system_dll_start = info.starting_vpn * VS_PAGE_SIZE;
    s->system_dll_end = (info.ending_vpn + 1) * VS_PAGE_SIZE;
    vs_relations_add(&s->relations, s->system_dll_start,
                     other->ret - (model->ret - s->system_dll_start),
                     s->system_dll_end - s->system_dll_start);
}

gboolean vs_win32_child_synthetic_extent(const VsWin32Session *s, const VsOp *op,
                                         const VsOutcome *model, const char *field)
{
    if (!s->system_dll_end || !model->has_mbi || !vs_divergence_is_extent(field))
        return FALSE;
    uint64_t at = op->arg[vs_op_address_arg(op->kind)];
    return at >= s->system_dll_start && at < s->system_dll_end;
}
