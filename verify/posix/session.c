/*
 * posix.c - mirroring the model's Linux calls to the POSIX agent and judging the differences.
 *
 * The request line is the call's C name and arguments in hex ("mmap 7f3e00000000 4000 3 22
 * ffffffffffffffff 0"), a name as 's' and hex bytes, prefixed "@N " for the agent's child N (a
 * grandchild: "@N @M "). Addresses go through one offset (posix.h); 0, no address, stays 0, and so
 * does MAP_FAILED. Descriptors go through a table per process, filled from the calls that return
 * them and copied at fork (the agent numbers its scenario's descriptors from 3, as the model does,
 * so the table is mostly the identity; it keeps working when one side's call failed).
 *
 * A known divergence that leaves the two address spaces apart (or a call the agent refused) would
 * make every later maps comparison differ: the difference itself - the maps lines one side has and
 * the other lacks - is remembered, and a later comparison showing the same difference follows from
 * it; calls whose address lies in one of those lines follow from it too.
 */
#include <string.h>

#include "posix.h"
#include "protocol.h" /* agent_unhex: names in answers are hex, as in requests */

#define USER_TOP ((uint64_t)0x800000000000) /* above the x86_64 user address space */
#define PAGEMAP_CHUNK 512          /* pages per pagemap request (the agent's limit) */
#define SHARING_MAX_PAGES 16384    /* pages of a fork's private VMAs whose sharing is compared */

/* The real process standing for a model process. */
typedef struct Side {
    uint32_t model_pid;
    char *prefix;         /* "" for the agent itself, "@N " for its child N, "@N @M " below */
    GHashTable *fds;      /* model descriptor -> real descriptor (guint64, boxed) */
    GPtrArray *apart;     /* char *: maps lines one side has and the other lacks, after a known
                           * divergence or a refusal; empty when the maps agree */
    const char *apart_id; /* the known entry (or why refused) that left them apart */
    const char *pending;  /* a known divergence of the call being judged: the maps difference it
                           * leaves follows from it */
} Side;

struct VsPosixSession {
    VsAgent *agent;
    const VsKnownList *known;
    uint64_t model_base, real_base, arena_size; /* M, A, and the arena's size */
    uint64_t readahead_bytes, file_align;       /* the agent's file system, as it measured it */
    bool execute_only;                          /* its CPU: PROT_EXEC alone is execute-only */
    GPtrArray *sides;                           /* Side, the agent's first */
    GHashTable *explained;                      /* ids of entries whose reason was given */
};

/* ---- Sessions and sides -------------------------------------------------------------------- */

static void side_free(gpointer data)
{
    Side *side = data;
    g_free(side->prefix);
    g_hash_table_destroy(side->fds);
    g_ptr_array_free(side->apart, TRUE);
    g_free(side);
}

static Side *side_new(uint32_t pid, char *prefix, GHashTable *fds_from)
{
    Side *side = g_new0(Side, 1);
    side->model_pid = pid;
    side->prefix = prefix;
    side->fds = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    side->apart = g_ptr_array_new_with_free_func(g_free);
    if (fds_from) {
        GHashTableIter it;
        gpointer key, value;
        g_hash_table_iter_init(&it, fds_from);
        while (g_hash_table_iter_next(&it, &key, &value))
            g_hash_table_insert(side->fds, g_memdup2(key, 8), g_memdup2(value, 8));
    }
    return side;
}

/* The POSIX agent's hello (vadsim-agent-posix.c do_hello): the protocol, then these words. */
enum {
    HELLO_PROTOCOL, HELLO_PAGE_SIZE = 4, HELLO_ARENA, HELLO_ARENA_SIZE, HELLO_OWN_CODE,
    HELLO_READAHEAD, HELLO_FILE_ALIGN, HELLO_EXECUTE_ONLY, HELLO_KERNEL, HELLO_ANON_ALIGN,
    HELLO_SHMEM_ALIGN, HELLO_OVERCOMMIT, HELLO_MAX_MAP_COUNT, HELLO_SWAP, HELLO_LIMITED,
    HELLO_WORDS
};
#define POSIX_PROTOCOL 3
#define PMD_BYTES (2u << 20)
/* The oldest Linux whose behaviour the model's rules all describe: 6.17 (remap_move; the rest
 * was measured on 6.18). */
#define MODEL_KERNEL ((uint64_t)6 << 32 | (uint64_t)17 << 16)

/* Why the agent's machine is not one the model can be compared with (a fact the model does not
 * take as a setting and the agent could not make the same), or NULL. Free it. */
static char *unknown_machine(const guint64 *a)
{
    static const char *const limits[] = {"RLIMIT_AS", "RLIMIT_DATA", "RLIMIT_MEMLOCK"};
    if (a[HELLO_KERNEL] < MODEL_KERNEL)
        return g_strdup_printf("its kernel is Linux %u.%u; the model's rules are those of 6.17 "
                               "and later", (unsigned)(a[HELLO_KERNEL] >> 32),
                               (unsigned)(a[HELLO_KERNEL] >> 16 & 0xffff));
    if (a[HELLO_ANON_ALIGN] != PMD_BYTES)
        return g_strdup("it does not place anonymous memory 2 MB long on a 2 MB boundary (a kernel "
                        "without transparent huge pages), as the model does");
    if (a[HELLO_SHMEM_ALIGN] != VS_PAGE_SIZE)
        return g_strdup("it places shmem on 2 MB boundaries (transparent_hugepage/shmem_enabled, "
                        "or /dev/shm mounted huge=); the model assumes 'never', the default");
    if (a[HELLO_OVERCOMMIT] != 0)
        return g_strdup_printf("vm.overcommit_memory is %" G_GUINT64_FORMAT "; the model knows "
                               "the heuristic mode 0 only", a[HELLO_OVERCOMMIT]);
    if (a[HELLO_MAX_MAP_COUNT] != VS_MAX_MAP_COUNT)
        return g_strdup_printf("vm.max_map_count is %" G_GUINT64_FORMAT "; the model's is %u, "
                               "the default", a[HELLO_MAX_MAP_COUNT], VS_MAX_MAP_COUNT);
    for (guint i = 0; i < G_N_ELEMENTS(limits); i++)
        if (a[HELLO_LIMITED] & (1u << i))
            return g_strdup_printf("the agent may not lift its %s, which the model does not "
                                   "have (run it as root)", limits[i]);
    return NULL;
}

/* Whether hello is the POSIX agent's, in the protocol this harness speaks, on 4 KB pages. */
static gboolean hello_understood(const VsAgentCommand *command, GArray *hello, GError **error)
{
    const guint64 *a = (const guint64 *)hello->data;
    if (hello->len >= HELLO_PAGE_SIZE && a[HELLO_PROTOCOL] != POSIX_PROTOCOL) {
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_START,
                    "%s speaks protocol %" G_GUINT64_FORMAT " and this harness %d: rebuild the "
                    "agent and vadsim together", command->path, a[HELLO_PROTOCOL], POSIX_PROTOCOL);
        return FALSE;
    }
    if (hello->len < HELLO_WORDS || a[HELLO_PAGE_SIZE] != VS_PAGE_SIZE ||
        a[HELLO_ARENA] % VS_PAGE_SIZE || !a[HELLO_READAHEAD] ||
        (a[HELLO_FILE_ALIGN] != VS_PAGE_SIZE && a[HELLO_FILE_ALIGN] != PMD_BYTES) ||
        a[HELLO_EXECUTE_ONLY] > 1) {
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_START,
                    "%s is not the POSIX agent this harness speaks to (protocol %d, 4 KB pages): "
                    "rebuild it", command->path, POSIX_PROTOCOL);
        return FALSE;
    }
    g_autofree char *unknown = unknown_machine(a);
    if (unknown)
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_MACHINE,
                    "the machine %s runs on is not one the model knows: %s", command->path,
                    unknown);
    return unknown == NULL;
}

VsPosixSession *vs_posix_start(const VsAgentCommand *command, const VsKnownList *known,
                               uint64_t mmap_base, GError **error)
{
    g_autoptr(GArray) hello = g_array_new(FALSE, FALSE, sizeof(guint64));
    VsAgent *agent = vs_agent_start_raw(command, hello, error);
    if (!agent)
        return NULL;
    if (!hello_understood(command, hello, error)) {
        vs_agent_stop(agent);
        return NULL;
    }
    const guint64 *a = (const guint64 *)hello->data;
    VsPosixSession *s = g_new0(VsPosixSession, 1);
    s->agent = agent;
    s->known = known;
    s->model_base = mmap_base;
    s->real_base = a[HELLO_ARENA];
    s->arena_size = a[HELLO_ARENA_SIZE];
    s->readahead_bytes = MIN(a[HELLO_READAHEAD], (1u << 30) / VS_PAGE_SIZE) * VS_PAGE_SIZE;
    s->file_align = a[HELLO_FILE_ALIGN];
    s->execute_only = a[HELLO_EXECUTE_ONLY] == 1;
    s->sides = g_ptr_array_new_with_free_func(side_free);
    s->explained = g_hash_table_new(g_str_hash, g_str_equal);
    return s;
}

void vs_posix_free(VsPosixSession *s)
{
    if (!s)
        return;
    vs_agent_stop(s->agent);
    g_ptr_array_free(s->sides, TRUE);
    g_hash_table_destroy(s->explained);
    g_free(s);
}

VsAgent *vs_posix_agent(VsPosixSession *s) { return s->agent; }
uint64_t vs_posix_arena_size(const VsPosixSession *s) { return s->arena_size; }

void vs_posix_machine(const VsPosixSession *s, VsSystemConfig *config)
{
    config->readahead_bytes = s->readahead_bytes;
    config->files_unaligned = s->file_align == VS_PAGE_SIZE;
    config->execute_only_pkey = s->execute_only;
}

char *vs_posix_system_options(const VsPosixSession *s)
{
    uint64_t kb = s->readahead_bytes >> 10;
    bool megabytes = kb % 1024 == 0;
    return g_strdup_printf("readahead=%" G_GUINT64_FORMAT "%s filealign=%s execonly=%s",
                           megabytes ? kb >> 10 : kb, megabytes ? "M" : "K",
                           s->file_align == VS_PAGE_SIZE ? "4K" : "2M",
                           s->execute_only ? "pkey" : "none");
}

uint64_t vs_posix_to_real(const VsPosixSession *s, uint64_t model)
{
    return model == 0 || model == VS_MAP_FAILED ? model : model - s->model_base + s->real_base;
}

uint64_t vs_posix_to_model(const VsPosixSession *s, uint64_t real)
{
    return real == 0 || real == VS_MAP_FAILED ? real : real - s->real_base + s->model_base;
}

/* The side standing for the model process pid: the first process that calls is the agent; the
 * others are children forks made. NULL for a process the scenario made otherwise. */
static Side *side_of(VsPosixSession *s, uint32_t pid)
{
    for (guint i = 0; i < s->sides->len; i++) {
        Side *side = g_ptr_array_index(s->sides, i);
        if (side->model_pid == pid)
            return side;
    }
    if (s->sides->len)
        return NULL;
    Side *side = side_new(pid, g_strdup(""), NULL);
    g_ptr_array_add(s->sides, side);
    return side;
}

gboolean vs_posix_changes_maps(VsOpKind kind)
{
    return kind == VS_OP_MMAP || kind == VS_OP_MUNMAP || kind == VS_OP_MPROTECT ||
           kind == VS_OP_MADVISE || kind == VS_OP_MREMAP || kind == VS_OP_FORK ||
           kind == VS_OP_FTRUNCATE;
}

/* ---- Requests ------------------------------------------------------------------------------- */

static void append_hex_text(GString *text, char letter, const char *bytes)
{
    g_string_append_printf(text, " %c", letter);
    for (const char *c = bytes; *c; c++)
        g_string_append_printf(text, "%02x", (unsigned char)*c);
}

static uint64_t real_fd(const Side *side, uint64_t fd)
{
    const uint64_t *real = g_hash_table_lookup(side->fds, &fd);
    return real ? *real : fd;
}

/* The request line for op in side's process; FALSE (with why) for a call the agent cannot take as
 * the model did: a NULL name is a bad pointer to the model, and the agent passes names only. */
static gboolean format_request(const VsPosixSession *s, const Side *side, const VsOp *op,
                               GString *text, const char **why)
{
    const VsOpSpec *spec = vs_op_spec(op->kind);
    g_string_append_printf(text, "%s%s", side->prefix, spec->name);
    for (int i = 0; i < spec->arity; i++) {
        uint32_t bit = 1u << i;
        if (op->kind == VS_OP_DECLARE_FILE && i == 3) {
            if (op->arg[i])
                append_hex_text(text, 't', op->contents);
            else
                g_string_append(text, " 0");
        } else if (spec->string_args & bit) {
            if (!op->arg[i]) {
                *why = "a NULL name (EFAULT in the model): the agent passes names only";
                return FALSE;
            }
            append_hex_text(text, 's', op->text);
        } else if (spec->address_args & bit) {
            g_string_append_printf(text, " %" G_GINT64_MODIFIER "x",
                                   vs_posix_to_real(s, op->arg[i]));
        } else if (spec->handle_args & bit) {
            g_string_append_printf(text, " %" G_GINT64_MODIFIER "x", real_fd(side, op->arg[i]));
        } else {
            g_string_append_printf(text, " %" G_GINT64_MODIFIER "x", op->arg[i]);
        }
    }
    if (op->kind == VS_OP_OPEN)
        g_string_append(text, " 180"); /* mode 0600, for O_CREAT */
    g_string_append_c(text, '\n');
    return TRUE;
}

/* The real system's answer to one call, as an outcome: ret, errno, signal, and mincore's vector
 * (or fork's child index in out[0]). */
static gboolean call_agent(VsPosixSession *s, const char *text, VsOutcome *real, GError **error)
{
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (!vs_agent_request_numbers(s->agent, text, v, error))
        return FALSE;
    const guint64 *a = (const guint64 *)v->data;
    memset(real, 0, sizeof *real);
    real->ret = a[0];
    real->last_error = (uint32_t)a[1];
    real->exception = (uint32_t)a[3];
    for (guint i = 4; i < v->len && i - 4 < VS_MINCORE_CAPACITY; i++)
        real->vector[real->vector_length++] = (uint8_t)a[i];
    real->out[0] = v->len > 4 ? a[4] : 0;
    return TRUE;
}

/* ---- Comparing one call --------------------------------------------------------------------- */

static gboolean returns_fd(VsOpKind kind)
{
    return kind == VS_OP_MEMFD_CREATE || kind == VS_OP_SHM_OPEN || kind == VS_OP_OPEN;
}

/* mincore's vectors, page by page: the first page they differ on. */
static void compare_vector(const VsOutcome *model, const VsOutcome *real, GPtrArray *found)
{
    uint32_t pages = MIN(model->vector_length, real->vector_length);
    if (model->vector_length != real->vector_length)
        vs_diverge(found, "mincore pages", model->vector_length, real->vector_length);
    for (uint32_t i = 0; i < pages; i++) {
        uint8_t m = model->vector[i] & 1, r = real->vector[i] & 1;
        if (m == r)
            continue;
        g_autofree char *mt = g_strdup_printf("page %u %s", i, m ? "resident" : "not resident");
        g_autofree char *rt = g_strdup_printf("page %u %s", i, r ? "resident" : "not resident");
        vs_diverge_text(found, "mincore", mt, rt);
        VsDivergence *d = g_ptr_array_index(found, found->len - 1);
        d->model_value = m, d->other_value = r;
        return;
    }
}

/* The result: addresses back in model terms, descriptors related, pids related by fork. */
static void compare_return(VsPosixSession *s, Side *side, const VsOp *op, const VsOutcome *model,
                           const VsOutcome *real, GPtrArray *found)
{
    gboolean model_failed = vs_op_failed(op->kind, model->ret);
    gboolean real_failed = vs_op_failed(op->kind, real->ret);
    VsOpReturn returns = vs_op_spec(op->kind)->returns;
    if (op->kind == VS_OP_GETPID)
        return; /* each system numbers its own processes */
    if (model_failed != real_failed) {
        uint64_t r = returns == VS_RETURN_MMAP ? vs_posix_to_model(s, real->ret) : real->ret;
        vs_diverge(found, "return", model->ret, r);
    } else if (model_failed) {
        if (model->last_error != real->last_error)
            vs_diverge(found, "errno", model->last_error, real->last_error);
    } else if (returns == VS_RETURN_MMAP) {
        if (vs_posix_to_model(s, real->ret) != model->ret)
            vs_diverge(found, "return", model->ret, vs_posix_to_model(s, real->ret));
    } else if (returns_fd(op->kind)) {
        g_hash_table_insert(side->fds, g_memdup2(&model->ret, 8), g_memdup2(&real->ret, 8));
    } else if (op->kind == VS_OP_DECLARE_FILE || op->kind == VS_OP_FORK) {
        /* file(): TRUE in both; fork: the pids differ, the child is related in mirror */
    } else if (model->ret != real->ret) {
        vs_diverge(found, "return", model->ret, real->ret);
    }
    if (op->kind == VS_OP_CLOSE && !model_failed)
        g_hash_table_remove(side->fds, &op->arg[0]);
}

static void compare_call(VsPosixSession *s, Side *side, const VsOp *op, const VsOutcome *model,
                         const VsOutcome *real, GPtrArray *found)
{
    if (op->kind == VS_OP_READ || op->kind == VS_OP_WRITE) {
        if (model->exception != real->exception)
            vs_diverge(found, "signal", model->exception, real->exception);
        else if (op->kind == VS_OP_READ && model->ret != real->ret)
            vs_diverge(found, "return", model->ret, real->ret);
        return;
    }
    compare_return(s, side, op, model, real, found);
    if (op->kind == VS_OP_MINCORE && model->ret == 0 && real->ret == 0)
        compare_vector(model, real, found);
}

/* ---- Maps ------------------------------------------------------------------------------------ */

/* One maps line as both sides are compared: the range in model addresses, permissions, offset
 * and name; dev and inode differ between any two systems. */
static char *maps_text(uint64_t start, uint64_t end, gboolean r, gboolean w, gboolean x,
                       gboolean shared, uint64_t offset, const char *name)
{
    return g_strdup_printf("%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %c%c%c%c %08"
                           G_GINT64_MODIFIER "x%s%s", start, end, r ? 'r' : '-', w ? 'w' : '-',
                           x ? 'x' : '-', shared ? 's' : 'p', offset, *name ? " " : "", name);
}

static void model_maps(const VsProcess *process, GPtrArray *lines)
{
    VsVmaInfo v;
    for (uint64_t at = 0; vs_vma_find(process, at, &v) && v.end > at; at = v.end)
        g_ptr_array_add(lines, maps_text(v.start, v.end, v.read, v.write, v.exec, v.may_share,
                                         v.offset, v.name));
}

/* The agent's walk: eight words per VMA (start end r w x shared offset sNAME). */
static gboolean real_maps(VsPosixSession *s, const Side *side, GPtrArray *lines, GError **error)
{
    g_autofree char *text = g_strdup_printf("%swalk 0 %" G_GINT64_MODIFIER "x\n", side->prefix,
                                            USER_TOP);
    g_autoptr(GString) answer = g_string_new(NULL);
    if (!vs_agent_request(s->agent, text, answer, error))
        return FALSE;
    g_auto(GStrv) words = g_strsplit(answer->str, " ", -1);
    guint count = g_strv_length(words);
    for (guint i = 4; i + 8 <= count; i += 8) {
        uint64_t v[7];
        for (int k = 0; k < 7; k++)
            v[k] = g_ascii_strtoull(words[i + k], NULL, 16);
        char name[256];
        if (words[i + 7][0] != 's' || !agent_unhex(words[i + 7] + 1, name, sizeof name)) {
            vs_agent_lose(s->agent, "answered a walk line without its name", error);
            return FALSE;
        }
        g_ptr_array_add(lines, maps_text(vs_posix_to_model(s, v[0]), vs_posix_to_model(s, v[1]),
                                         v[2] != 0, v[3] != 0, v[4] != 0, v[5] != 0, v[6], name));
    }
    return TRUE;
}

static gboolean has_line(GPtrArray *lines, const char *line)
{
    for (guint i = 0; i < lines->len; i++)
        if (strcmp(g_ptr_array_index(lines, i), line) == 0)
            return TRUE;
    return FALSE;
}

/* The lines as a set, for lookups in constant time: a long run leaves hundreds of VMAs, and the
 * maps are compared after most calls. */
static GHashTable *line_set(GPtrArray *lines)
{
    GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < lines->len; i++)
        g_hash_table_add(set, g_ptr_array_index(lines, i));
    return set;
}

/* Adds the lines of from that other lacks to apart, marked with their side. */
static void lines_missing(GPtrArray *from, GHashTable *other, const char *side, GPtrArray *apart)
{
    for (guint i = 0; i < from->len; i++)
        if (!g_hash_table_contains(other, g_ptr_array_index(from, i)))
            g_ptr_array_add(apart, g_strdup_printf("%s %s", side,
                                                   (char *)g_ptr_array_index(from, i)));
}

/* The lines one side has and the other lacks, each marked with its side ("model ..." or
 * "linux ..."), into apart; TRUE if there are any. */
static gboolean maps_apart(GPtrArray *model, GPtrArray *real, GPtrArray *apart)
{
    g_autoptr(GHashTable) model_set = line_set(model);
    g_autoptr(GHashTable) real_set = line_set(real);
    lines_missing(model, real_set, "model", apart);
    lines_missing(real, model_set, "linux", apart);
    return apart->len > 0;
}

static gboolean same_lines(GPtrArray *a, GPtrArray *b)
{
    if (a->len != b->len)
        return FALSE;
    for (guint i = 0; i < a->len; i++)
        if (!has_line(b, g_ptr_array_index(a, i)))
            return FALSE;
    return TRUE;
}

/* Compares the maps of side's process with the model process's. A difference is a "maps"
 * divergence (the first line that differs, each side's or "(none)"), unless it is the one an
 * earlier known divergence left: then it is noted as following from it. The full listings go to
 * report when they differ. */
static gboolean compare_maps(VsPosixSession *s, Side *side, const VsProcess *process,
                             GPtrArray *found, GString *follows, GString *report, GError **error)
{
    g_autoptr(GPtrArray) model = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) real = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) apart = g_ptr_array_new_with_free_func(g_free);
    model_maps(process, model);
    if (!real_maps(s, side, real, error))
        return FALSE;
    if (!maps_apart(model, real, apart)) {
        g_ptr_array_set_size(side->apart, 0);
        side->apart_id = NULL;
        return TRUE;
    }
    if (side->apart_id && same_lines(apart, side->apart)) {
        g_string_append_printf(follows, "%smaps of %s", follows->len ? ", " : "",
                               *side->prefix ? side->prefix : "the main process");
        return TRUE;
    }
    const char *m = NULL, *r = NULL;
    for (guint i = 0; i < MAX(model->len, real->len) && !m && !r; i++) {
        const char *a = i < model->len ? g_ptr_array_index(model, i) : "(none)";
        const char *b = i < real->len ? g_ptr_array_index(real, i) : "(none)";
        if (strcmp(a, b) != 0)
            m = a, r = b;
    }
    vs_diverge_text(found, "maps", m, r);
    g_string_append_printf(report, "      maps of %s, model:\n",
                           *side->prefix ? side->prefix : "the main process");
    for (guint i = 0; i < model->len; i++)
        g_string_append_printf(report, "        %s\n", (char *)g_ptr_array_index(model, i));
    g_string_append(report, "      linux:\n");
    for (guint i = 0; i < real->len; i++)
        g_string_append_printf(report, "        %s\n", (char *)g_ptr_array_index(real, i));
    g_ptr_array_set_size(side->apart, 0);
    for (guint i = 0; i < apart->len; i++)
        g_ptr_array_add(side->apart, g_strdup(g_ptr_array_index(apart, i)));
    return TRUE;
}

/* Whether a model address lies in a maps line an earlier known divergence left on one side. */
static gboolean in_apart(const Side *side, uint64_t address)
{
    for (guint i = 0; side->apart_id && i < side->apart->len; i++) {
        const char *line = g_ptr_array_index(side->apart, i);
        uint64_t start, end;
        if (sscanf(strchr(line, ' ') + 1, "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x",
                   &start, &end) == 2 && address >= start && address < end)
            return TRUE;
    }
    return FALSE;
}

/* ---- Fork: shared or copied ------------------------------------------------------------------ */

/* What a page of a private anonymous VMA is to a parent and its child just after fork. */
static const char *sharing(uint64_t parent, uint64_t child)
{
    gboolean p = (parent & VS_PAGEMAP_PRESENT) != 0, c = (child & VS_PAGEMAP_PRESENT) != 0;
    uint64_t pfn_p = parent & VS_PAGEMAP_PFN_MASK, pfn_c = child & VS_PAGEMAP_PFN_MASK;
    if (!p || !c)
        return p ? "in the parent only" : c ? "in the child only" : "in neither";
    if (!pfn_p || !pfn_c)
        return NULL; /* pagemap hides frame numbers without CAP_SYS_ADMIN: cannot tell */
    return pfn_p == pfn_c ? "shared (one frame)" : "copied (two frames)";
}

/* The real pagemap entries of pages [address, address + pages * 4K) (model address) in side. */
static gboolean real_pagemap(VsPosixSession *s, const Side *side, uint64_t address,
                             uint64_t pages, uint64_t *entries, GError **error)
{
    g_autofree char *text = g_strdup_printf("%spagemap %" G_GINT64_MODIFIER "x %"
                                            G_GINT64_MODIFIER "x\n", side->prefix,
                                            vs_posix_to_real(s, address), pages);
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (!vs_agent_request_numbers(s->agent, text, v, error))
        return FALSE;
    const guint64 *a = (const guint64 *)v->data;
    for (uint64_t i = 0; i < pages; i++)
        entries[i] = a[1] == 0 && 4 + i < v->len ? a[4 + i] : 0;
    return TRUE;
}

/* Page by page of every private anonymous VMA of the parent (at most SHARING_MAX_PAGES pages):
 * whether parent and child map the same frame, in the model and in the real system. */
static gboolean compare_sharing(VsPosixSession *s, const Side *parent, const Side *child,
                                const VsProcess *model_parent, const VsProcess *model_child,
                                GPtrArray *found, GError **error)
{
    uint64_t budget = SHARING_MAX_PAGES, p[PAGEMAP_CHUNK], c[PAGEMAP_CHUNK];
    VsVmaInfo v;
    for (uint64_t at = 0; budget && vs_vma_find(model_parent, at, &v) && v.end > at; at = v.end) {
        if (v.may_share || v.name[0])
            continue;
        for (uint64_t page = v.start; page < v.end && budget;) {
            uint64_t pages = MIN(MIN((v.end - page) / VS_PAGE_SIZE, PAGEMAP_CHUNK), budget);
            if (!real_pagemap(s, parent, page, pages, p, error) ||
                !real_pagemap(s, child, page, pages, c, error))
                return FALSE;
            for (uint64_t i = 0; i < pages; i++) {
                uint64_t address = page + i * VS_PAGE_SIZE;
                const char *m = sharing(vs_pagemap_entry(model_parent, address),
                                        vs_pagemap_entry(model_child, address));
                const char *r = sharing(p[i], c[i]);
                if (!r || strcmp(m, r) == 0)
                    continue;
                g_autofree char *mt = g_strdup_printf("0x%" G_GINT64_MODIFIER "x %s", address, m);
                g_autofree char *rt = g_strdup_printf("0x%" G_GINT64_MODIFIER "x %s", address, r);
                vs_diverge_text(found, "fork sharing", mt, rt);
                return TRUE;
            }
            page += pages * VS_PAGE_SIZE;
            budget -= pages;
        }
    }
    return TRUE;
}

/* ---- Judging ---------------------------------------------------------------------------------- */

typedef struct Verdict {
    gboolean unexplained, unsupported;
    const char *known_id;  /* the last entry that explained a difference, or NULL */
    GString *follows;      /* differences that follow from an earlier known one */
    const char *follows_from;
} Verdict;

/* The first mention of a known entry in a report gives its reason; later ones its id. */
static void report_entry(VsPosixSession *s, GString *report, const VsKnownEntry *entry)
{
    if (g_hash_table_contains(s->explained, entry->id)) {
        g_string_append_printf(report, "      [%s], as above\n", entry->id);
        return;
    }
    g_hash_table_add(s->explained, entry->id);
    g_string_append_printf(report, "      [%s] %s\n", entry->id, entry->reason);
}

/* Sorts differences: explained by the list, following from cause (an earlier known divergence;
 * NULL: none), or unexplained (the first one's field goes to judgement). */
static void judge(VsPosixSession *s, const VsOp *op, const VsOutcome *model, GPtrArray *found,
                  const char *cause, Verdict *v, VsJudgement *judgement, GString *report)
{
    for (guint i = 0; i < found->len; i++) {
        const VsDivergence *d = g_ptr_array_index(found, i);
        const VsKnownEntry *entry = vs_known_match(s->known, "linux", op, model, d);
        if (!entry && cause) {
            v->follows_from = cause;
            g_string_append_printf(v->follows, "%s%s (model %s, linux %s)",
                                   v->follows->len ? ", " : "", d->field, d->model, d->other);
            continue;
        }
        const char *label = !entry                                     ? "DIVERGES"
                            : entry->verdict == VS_VERDICT_UNSUPPORTED ? "unsupported"
                                                                       : "known";
        g_string_append_printf(report, "    %s %s: model %s, linux %s\n", label, d->field,
                               d->model, d->other);
        if (entry)
            report_entry(s, report, entry);
        if (!entry && !v->unexplained)
            g_strlcpy(judgement->field, d->field, sizeof judgement->field);
        v->unexplained |= !entry;
        v->unsupported |= entry && entry->verdict == VS_VERDICT_UNSUPPORTED;
        if (entry)
            v->known_id = entry->id;
    }
}

/* The earlier known divergence a difference in this call's own answer may follow from: one that
 * left the maps apart where the call's address lies. */
static const char *call_cause(const Side *side, const VsOp *op)
{
    int arg = vs_op_address_arg(op->kind);
    return arg >= 0 && in_apart(side, op->arg[arg]) ? side->apart_id : NULL;
}

static void finish_judgement(const Verdict *v, VsJudgement *judgement, GString *report)
{
    if (v->follows->len)
        g_string_append_printf(report, "    follows from [%s]: %s\n", v->follows_from,
                               v->follows->str);
    judgement->because = v->known_id ? v->known_id : v->follows_from;
    judgement->kind = v->unexplained   ? VS_JUDGED_UNEXPLAINED
                      : v->unsupported ? VS_JUDGED_UNSUPPORTED
                      : judgement->because ? VS_JUDGED_KNOWN
                                           : VS_JUDGED_MATCH;
}

/* ---- Mirroring ---------------------------------------------------------------------------------- */

static VsProcess *model_process(VsSystem *system, uint64_t pid)
{
    for (size_t i = 0; i < vs_system_process_count(system); i++)
        if (vs_process_id(vs_system_process(system, i)) == pid)
            return vs_system_process(system, i);
    return NULL;
}

/* After a call that may change mappings: the maps of the caller's process (and after fork, the
 * child's, and which pages the two share), judged with the call's own verdict as their cause. */
static gboolean after_call(VsPosixSession *s, Side *side, VsThread *thread, const VsOp *op,
                           const VsOutcome *model, Side *child, Verdict *v,
                           VsJudgement *judgement, GString *report, GError **error)
{
    VsProcess *process = vs_thread_process(thread);
    const char *cause = judgement->refused ? "refused by the agent" : v->known_id;
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func((GDestroyNotify)vs_divergence_free);
    g_autoptr(GString) follows = g_string_new(NULL);
    if (!compare_maps(s, side, process, found, follows, report, error))
        return FALSE;
    VsProcess *model_child = child ? model_process(vs_process_system(process), model->ret) : NULL;
    if (model_child && (!compare_maps(s, child, model_child, found, follows, report, error) ||
                        !compare_sharing(s, side, child, process, model_child, found, error)))
        return FALSE;
    if (follows->len) {
        v->follows_from = side->apart_id;
        g_string_append_printf(v->follows, "%s%s", v->follows->len ? ", " : "", follows->str);
    }
    guint unexplained_before = v->unexplained;
    judge(s, op, model, found, cause, v, judgement, report);
    /* What is apart now stays apart, for a reason later comparisons name. */
    const char *reason = cause ? cause : v->known_id;
    if (!reason && v->unexplained && !unexplained_before)
        reason = "an unexplained divergence above";
    for (Side *each = side; each; each = each == side ? child : NULL)
        if (each->apart->len && !each->apart_id)
            each->apart_id = reason;
    return TRUE;
}

gboolean vs_posix_mirror(VsPosixSession *s, VsThread *thread, const VsOp *op,
                         const VsOutcome *model, VsJudgement *judgement, GString *report,
                         GError **error)
{
    memset(judgement, 0, sizeof *judgement);
    Side *side = side_of(s, vs_process_id(vs_thread_process(thread)));
    g_autoptr(GString) text = g_string_new(NULL);
    const char *why = "a process the scenario made with 'process', not by fork: the agent has "
                      "no counterpart of it";
    if (!side || !format_request(s, side, op, text, &why)) {
        g_string_append_printf(report, "    unsupported: %s\n", why);
        judgement->kind = VS_JUDGED_UNSUPPORTED;
        judgement->refused = TRUE;
        judgement->because = "not sent to the agent";
        return TRUE;
    }
    VsOutcome real;
    GError *agent_error = NULL;
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func((GDestroyNotify)vs_divergence_free);
    Verdict v = {.follows = g_string_new(NULL)};
    Side *child = NULL;
    if (!call_agent(s, text->str, &real, &agent_error)) {
        if (!g_error_matches(agent_error, VS_AGENT_ERROR, VS_AGENT_ERROR_REFUSED)) {
            g_propagate_error(error, agent_error);
            g_string_free(v.follows, TRUE);
            return FALSE;
        }
        g_string_append_printf(report, "    unsupported: the agent refused: %s\n",
                               agent_error->message);
        g_error_free(agent_error);
        judgement->refused = TRUE;
        v.unsupported = TRUE;
        v.known_id = "refused by the agent";
    } else {
        compare_call(s, side, op, model, &real, found);
        judge(s, op, model, found, call_cause(side, op), &v, judgement, report);
        if (op->kind == VS_OP_FORK && !vs_op_failed(op->kind, model->ret) &&
            !vs_op_failed(op->kind, real.ret)) {
            char *prefix = g_strdup_printf("%s@%u ", side->prefix, (unsigned)real.out[0]);
            child = side_new((uint32_t)model->ret, prefix, side->fds);
            g_ptr_array_add(s->sides, child);
        }
    }
    gboolean ok = !vs_posix_changes_maps(op->kind) ||
                  after_call(s, side, thread, op, model, child, &v, judgement, report, error);
    finish_judgement(&v, judgement, report);
    g_string_free(v.follows, TRUE);
    return ok;
}
