/*
 * request.c - the POSIX agent's requests and answers (verify/posix/agent/vadsim-agent-posix.c):
 * its hello, a call as a request line, and the answer as an outcome, the maps or pagemap entries.
 *
 * The request line is the call's C name and arguments in hex ("mmap 7f3e00000000 4000 3 22
 * ffffffffffffffff 0"), a name as 's' and hex bytes, prefixed "@N " for the agent's child N (a
 * grandchild: "@N @M "). Addresses go through one offset (posix.h); 0, no address, stays 0, and so
 * does MAP_FAILED. Descriptors go through the side's value table, filled from the calls that
 * return them and copied at fork (the agent numbers its scenario's descriptors from 3, as the
 * model does, so the table is mostly the identity; it keeps working when one side's call failed).
 */
#include <string.h>

#include "posix.h"
#include "protocol.h" /* agent_unhex: names in answers are hex, as in requests */

#define USER_TOP ((uint64_t)0x800000000000) /* above the x86_64 user address space */

/* ---- Hello ----------------------------------------------------------------------------------- */

/* The POSIX agent's hello (its calls.c, do_hello): the protocol, then these words. */
enum {
    HELLO_PROTOCOL,
    HELLO_PAGE_SIZE = 4,
    HELLO_ARENA,
    HELLO_ARENA_SIZE,
    HELLO_OWN_CODE,
    HELLO_READAHEAD,
    HELLO_FILE_ALIGN,
    HELLO_FILE_MAX,
    HELLO_EXECUTE_ONLY,
    HELLO_KERNEL,
    HELLO_ANON_ALIGN,
    HELLO_SHMEM_ALIGN,
    HELLO_OVERCOMMIT,
    HELLO_MAX_MAP_COUNT,
    HELLO_SWAP,
    HELLO_LIMITED,
    HELLO_START_BRK,
    HELLO_STACK_END,
    HELLO_STACK_GUARD_GAP,
    HELLO_IGNORE_RLIMIT_DATA,
    HELLO_THP,
    HELLO_THP_ZERO,
    HELLO_WORDS
};
#define POSIX_PROTOCOL 7
/* HELLO_THP: the scenario's processes' transparent-huge-page mode once thp_advised is asked (the
 * agent's THP_MADVISE, THP_NEVER; 0: none the model describes). */
#define HELLO_THP_MADVISE 2u
#define HELLO_THP_NEVER 3u
/* HELLO_THP_ZERO: a load in a huge-page range maps the huge zero page (the agent's THP_ZERO_PAGE,
 * use_zero_page 1) or a huge page of its own (THP_NO_ZERO_PAGE); 0: use_zero_page unreadable. */
#define HELLO_THP_ZERO_PAGE 1u
#define HELLO_THP_NO_ZERO_PAGE 2u
/* The break's room either side of start_brk that is translated relative to it (the agent keeps
 * 1 GiB above it for the heap; below, only brk's refused arguments). */
#define BRK_REACH ((uint64_t)1 << 30)
/* The room below the main thread's stack's end that is translated relative to it (the agent's
 * STACK_REACH: RLIMIT_STACK, the guard gap and more below them). */
#define STACK_REACH ((uint64_t)64 << 20)
#define STACK_GUARD_GAP ((uint64_t)1 << 20) /* stack_guard_gap's default, the model's */
#define LIMITED_STACK 8u /* the agent's LIMIT_STACK: RLIMIT_STACK is not the model's 8 MB */
#define PMD_BYTES (2u << 20)
/* The oldest Linux whose behaviour the model's rules all describe: 6.17 (remap_move; the rest
 * was measured on 6.18). */
#define MODEL_KERNEL ((uint64_t)6 << 32 | (uint64_t)17 << 16)

/* Why the agent's machine is not one the model can be compared with (a fact the model does not
 * take as a setting and the agent could not make the same), or NULL. Free it. */
static char *unknown_machine(const guint64 *a)
{
    static const char *const limits[] = {"RLIMIT_AS", "RLIMIT_DATA", "RLIMIT_MEMLOCK"};
    if (a[HELLO_LIMITED] & LIMITED_STACK)
        return g_strdup("the agent may not set its RLIMIT_STACK to 8 MB, the model's (the hard "
                        "limit is lower)");
    if (a[HELLO_KERNEL] < MODEL_KERNEL)
        return g_strdup_printf("its kernel is Linux %u.%u; the model's rules are those of 6.17 "
                               "and later",
                               (unsigned)(a[HELLO_KERNEL] >> 32),
                               (unsigned)(a[HELLO_KERNEL] >> 16 & 0xffff));
    if (a[HELLO_ANON_ALIGN] != PMD_BYTES)
        return g_strdup("it does not place anonymous memory 2 MB long on a 2 MB boundary (a kernel "
                        "without transparent huge pages), as the model does");
    if (a[HELLO_SHMEM_ALIGN] != VS_PAGE_SIZE)
        return g_strdup("it places shmem on 2 MB boundaries (transparent_hugepage/shmem_enabled, "
                        "or /dev/shm mounted huge=); the model assumes 'never', the default");
    if (a[HELLO_OVERCOMMIT] != 0)
        return g_strdup_printf("vm.overcommit_memory is %" G_GUINT64_FORMAT "; the model knows "
                               "the heuristic mode 0 only",
                               a[HELLO_OVERCOMMIT]);
    if (a[HELLO_MAX_MAP_COUNT] != VS_MAX_MAP_COUNT)
        return g_strdup_printf("vm.max_map_count is %" G_GUINT64_FORMAT "; the model's is %u, "
                               "the default",
                               a[HELLO_MAX_MAP_COUNT], VS_MAX_MAP_COUNT);
    if (!a[HELLO_STACK_END])
        return g_strdup("the agent's main-thread stack could not be made the size execve gives a "
                        "small program (132 KB), the model's, or something lies below it");
    if (a[HELLO_STACK_GUARD_GAP] != STACK_GUARD_GAP)
        return g_strdup_printf("its stack_guard_gap is %" G_GUINT64_FORMAT " KB (0: more than "
                               "32 MB); the model's is 1 MB, the default",
                               a[HELLO_STACK_GUARD_GAP] >> 10);
    if (a[HELLO_IGNORE_RLIMIT_DATA])
        return g_strdup("its kernel lets data mappings past RLIMIT_DATA through (booted with "
                        "ignore_rlimit_data); the model enforces the limit, the default");
    if (a[HELLO_THP] != HELLO_THP_MADVISE && a[HELLO_THP] != HELLO_THP_NEVER)
        return g_strdup("its transparent huge pages are not a mode the model describes (THP not "
                        "built in, a multi-size THP size below 2 MB enabled, or no "
                        "PR_THP_DISABLE_EXCEPT_ADVISED, 6.18+, to keep them where advised)");
    if (a[HELLO_THP] == HELLO_THP_MADVISE && a[HELLO_THP_ZERO] != HELLO_THP_ZERO_PAGE &&
        a[HELLO_THP_ZERO] != HELLO_THP_NO_ZERO_PAGE)
        return g_strdup("the agent could not read transparent_hugepage/use_zero_page (whether a "
                        "load in a huge-page range maps the huge zero page)");
    for (guint i = 0; i < G_N_ELEMENTS(limits); i++)
        if (a[HELLO_LIMITED] & (1u << i))
            return g_strdup_printf("the agent may not lift its %s, which the model does not "
                                   "have (run it as root)",
                                   limits[i]);
    return NULL;
}

/* Whether hello is the POSIX agent's, in the protocol this harness speaks, on 4 KB pages. */
static gboolean hello_understood(const VsAgentCommand *command, GArray *hello, GError **error)
{
    const guint64 *a = (const guint64 *)hello->data;
    if (hello->len >= HELLO_PAGE_SIZE && a[HELLO_PROTOCOL] != POSIX_PROTOCOL) {
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_START,
                    "%s speaks protocol %" G_GUINT64_FORMAT " and this harness %d: rebuild the "
                    "agent and vadsim together",
                    command->path, a[HELLO_PROTOCOL], POSIX_PROTOCOL);
        return FALSE;
    }
    if (hello->len < HELLO_WORDS || a[HELLO_PAGE_SIZE] != VS_PAGE_SIZE ||
        a[HELLO_ARENA] % VS_PAGE_SIZE || !a[HELLO_READAHEAD] ||
        (a[HELLO_FILE_ALIGN] != VS_PAGE_SIZE && a[HELLO_FILE_ALIGN] != PMD_BYTES) ||
        a[HELLO_FILE_MAX] < VS_PAGE_SIZE || a[HELLO_FILE_MAX] > INT64_MAX ||
        a[HELLO_EXECUTE_ONLY] > 1) {
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_START,
                    "%s is not the POSIX agent this harness speaks to (protocol %d, 4 KB pages): "
                    "rebuild it",
                    command->path, POSIX_PROTOCOL);
        return FALSE;
    }
    g_autofree char *unknown = unknown_machine(a);
    if (unknown)
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_MACHINE,
                    "the machine %s runs on is not one the model knows: %s", command->path,
                    unknown);
    return unknown == NULL;
}

VsAgent *vs_posix_start(const VsAgentCommand *command, uint64_t *real_base, VsPosixMachine *machine,
                        GError **error)
{
    g_autoptr(GArray) hello = g_array_new(FALSE, FALSE, sizeof(guint64));
    VsAgent *agent = vs_agent_start(command, hello, error);
    if (!agent)
        return NULL;
    if (!hello_understood(command, hello, error)) {
        vs_agent_stop(agent);
        return NULL;
    }
    const guint64 *a = (const guint64 *)hello->data;
    *real_base = a[HELLO_ARENA];
    machine->start_brk = a[HELLO_START_BRK];
    machine->stack_end = a[HELLO_STACK_END];
    machine->readahead_bytes = MIN(a[HELLO_READAHEAD], (1u << 30) / VS_PAGE_SIZE) * VS_PAGE_SIZE;
    machine->arena_bytes = a[HELLO_ARENA_SIZE];
    machine->file_align = a[HELLO_FILE_ALIGN];
    machine->file_max_bytes = a[HELLO_FILE_MAX];
    machine->execute_only = a[HELLO_EXECUTE_ONLY] == 1;
    machine->thp = a[HELLO_THP] == HELLO_THP_MADVISE ? VS_THP_MADVISE : VS_THP_NEVER;
    machine->thp_no_zero_page = a[HELLO_THP_ZERO] == HELLO_THP_NO_ZERO_PAGE;
    g_snprintf(machine->kernel, sizeof machine->kernel, "%u.%u.%u",
               (unsigned)(a[HELLO_KERNEL] >> 32), (unsigned)(a[HELLO_KERNEL] >> 16 & 0xffff),
               (unsigned)(a[HELLO_KERNEL] & 0xffff));
    return agent;
}

/* ---- Calls ----------------------------------------------------------------------------------- */

/* Whether address lies within BRK_REACH of start: the break's room, and below it what a brk
 * refused for going below start_brk names. */
static bool near_break(uint64_t start, uint64_t address)
{
    return start && address + BRK_REACH > start && address < start + BRK_REACH;
}

/* Whether address lies in the STACK_REACH below a stack's end, or is the end. */
static bool near_stack(uint64_t end, uint64_t address)
{
    return end && address + STACK_REACH > end && address <= end;
}

uint64_t vs_posix_to_real(const VsPosixSession *s, uint64_t model)
{
    if (model == 0 || model == VS_MAP_FAILED)
        return model;
    if (s->machine.start_brk && near_break(VS_LINUX_START_BRK, model))
        return model - VS_LINUX_START_BRK + s->machine.start_brk;
    if (s->machine.stack_end && near_stack(VS_LINUX_STACK_TOP, model))
        return model - VS_LINUX_STACK_TOP + s->machine.stack_end;
    return model - s->model_base + s->real_base;
}

uint64_t vs_posix_to_model(const VsPosixSession *s, uint64_t real)
{
    if (real == 0 || real == VS_MAP_FAILED)
        return real;
    if (near_break(s->machine.start_brk, real))
        return real - s->machine.start_brk + VS_LINUX_START_BRK;
    if (near_stack(s->machine.stack_end, real))
        return real - s->machine.stack_end + VS_LINUX_STACK_TOP;
    return real - s->real_base + s->model_base;
}

/* A NULL name is a bad pointer to the model, and the agent passes names only. */
gboolean vs_posix_format_request(const VsPosixSession *s, const VsPosixSide *side, const VsOp *op,
                                 GString *text, const char **why)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    g_string_append_printf(text, "%s%s", side->prefix, spec->name);
    for (int i = 0; i < spec->arity; i++) {
        uint32_t bit = 1u << i;
        if (op->kind == VS_OP_DECLARE_FILE && i == 3) {
            if (op->arg[i])
                vs_agent_append_text(text, 't', op->contents);
            else
                g_string_append(text, " 0");
        } else if (spec->string_args & bit) {
            if (!op->arg[i]) {
                *why = "a NULL name (EFAULT in the model): the agent passes names only";
                return FALSE;
            }
            vs_agent_append_text(text, 's', op->text);
        } else if (spec->address_args & bit) {
            g_string_append_printf(text, " %" G_GINT64_MODIFIER "x",
                                   vs_posix_to_real(s, op->arg[i]));
        } else if (spec->handle_args & bit) {
            g_string_append_printf(text, " %" G_GINT64_MODIFIER "x",
                                   vs_values_other(side->fds, op->arg[i]));
        } else {
            g_string_append_printf(text, " %" G_GINT64_MODIFIER "x", op->arg[i]);
        }
    }
    if (op->kind == VS_OP_OPEN)
        g_string_append(text, " 180"); /* mode 0600, for O_CREAT */
    g_string_append_c(text, '\n');
    return TRUE;
}

gboolean vs_posix_call(VsPosixSession *s, const char *text, VsOutcome *real, GError **error)
{
    g_autoptr(GArray) extra = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (!vs_agent_call(s->base.agent, text, real, extra, error))
        return FALSE;
    const guint64 *a = (const guint64 *)extra->data;
    for (guint i = 0; i < extra->len && i < VS_MINCORE_CAPACITY; i++)
        real->vector[real->vector_length++] = (uint8_t)a[i];
    for (guint i = 0; i < extra->len && i < VS_RECORD_MAX_FIELDS; i++)
        real->fields[i] = a[i]; /* smaps' counters */
    real->out[0] = extra->len ? a[0] : 0;
    real->exception_access = (uint32_t)real->out[0]; /* a memory access's: its fault's kind */
    return TRUE;
}

/* The agent's walk: eight words per VMA (start end r w x shared offset sNAME). */
gboolean vs_posix_walk(VsPosixSession *s, const VsPosixSide *side, GPtrArray *lines, GError **error)
{
    g_autofree char *text =
        g_strdup_printf("%swalk 0 %" G_GINT64_MODIFIER "x\n", side->prefix, USER_TOP);
    g_autoptr(GString) answer = g_string_new(NULL);
    if (!vs_agent_request(s->base.agent, text, answer, error))
        return FALSE;
    g_auto(GStrv) words = g_strsplit(answer->str, " ", -1);
    guint count = g_strv_length(words);
    for (guint i = 4; i + 8 <= count; i += 8) {
        uint64_t v[7];
        for (int k = 0; k < 7; k++)
            v[k] = g_ascii_strtoull(words[i + k], NULL, 16);
        char name[256];
        if (words[i + 7][0] != 's' || !agent_unhex(words[i + 7] + 1, name, sizeof name)) {
            vs_agent_lose(s->base.agent, "answered a walk line without its name", error);
            return FALSE;
        }
        g_ptr_array_add(lines,
                        vs_posix_maps_line(vs_posix_to_model(s, v[0]), vs_posix_to_model(s, v[1]),
                                           v[2] != 0, v[3] != 0, v[4] != 0, v[5] != 0, v[6], name));
    }
    return TRUE;
}

gboolean vs_posix_pagemap(VsPosixSession *s, const VsPosixSide *side, uint64_t address,
                          uint64_t pages, uint64_t *entries, GError **error)
{
    g_autofree char *text =
        g_strdup_printf("%spagemap %" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x\n", side->prefix,
                        vs_posix_to_real(s, address), pages);
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (!vs_agent_request_numbers(s->base.agent, text, v, error))
        return FALSE;
    const guint64 *a = (const guint64 *)v->data;
    for (uint64_t i = 0; i < pages; i++)
        entries[i] = a[1] == 0 && 4 + i < v->len ? a[4 + i] : 0;
    return TRUE;
}
