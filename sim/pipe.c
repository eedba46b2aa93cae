/*
 * pipe.c - named pipes: instances, their two ends, the data between them, reads left pending.
 *
 * Models NPFS (the named pipe file system): CreateNamedPipe makes an instance (NPFS's CCB, with
 * its FCB's name, type and limits: NtCreateNamedPipeFile), listening for a client; a client's
 * NtCreateFile of the name connects to a listening instance; FSCTL_PIPE_LISTEN (ConnectNamedPipe)
 * is left pending until one does. Each end's file object points at the instance (FsContext) and
 * says which end it is (FsContext2). What one end writes waits in the other end's data queue
 * (NPFS's DATA_QUEUE), as messages in a message-type pipe; a read that finds the queue empty is
 * queued itself, as an IRP, and the next write completes it - before any data is queued - filling
 * the reader's buffer and completing the IRP (irp.c). Closing an end (IRP_MJ_CLEANUP of its last
 * handle) fails every read left waiting at either end with STATUS_PIPE_BROKEN.
 *
 * Statuses, in NPFS's order: a listen on a client's end STATUS_ILLEGAL_FUNCTION, on a connected
 * instance STATUS_PIPE_CONNECTED, after the client left STATUS_PIPE_CLOSING; reading or writing
 * an instance still listening STATUS_PIPE_LISTENING; reading what the other end, now closed,
 * never wrote STATUS_PIPE_BROKEN; writing to a closed end STATUS_PIPE_CLOSING; a client's open of
 * a name no instance has STATUS_OBJECT_NAME_NOT_FOUND, of one none listens on
 * STATUS_PIPE_NOT_AVAILABLE, asking for a direction the pipe does not go STATUS_ACCESS_DENIED
 * (kernel32 pipe.c test_CreateNamedPipe). A message longer than the read's buffer fills it and
 * leaves the rest (STATUS_BUFFER_OVERFLOW, ERROR_MORE_DATA).
 *
 * Not modelled: quotas beyond refusing a write that would have to wait for a reader (the writer's
 * thread would block), messages of 0 bytes (a write of nothing sends nothing), PIPE_NOWAIT,
 * DisconnectNamedPipe, impersonation.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { SERVER, CLIENT };

typedef enum VsPipeState {
    PIPE_LISTENING, /* FILE_PIPE_LISTENING_STATE: no client yet */
    PIPE_CONNECTED, /* FILE_PIPE_CONNECTED_STATE */
    PIPE_CLOSING,   /* FILE_PIPE_CLOSING_STATE: one end closed */
} VsPipeState;

/* NPFS's DATA_QUEUE: bytes written to one end, for the other to read, with the lengths of the
 * messages they were written as (one per write), oldest first; or the reads waiting for data. */
typedef struct VsPipeQueue {
    unsigned char *bytes;
    uint64_t length;
    uint64_t *messages; /* each write's bytes still unread */
    size_t message_count;
    VsIrp *reads; /* reads waiting, oldest first */
} VsPipeQueue;

struct VsPipe {
    VsPipe *next;
    char name[VS_PIPE_NAME_MAX]; /* as CreateNamedPipe was given it, \\.\pipe\ first */
    bool message_type;           /* PIPE_TYPE_MESSAGE */
    bool message_read;           /* the server's read mode, PIPE_READMODE_MESSAGE */
    uint32_t server_rights;      /* FILE_READ_DATA (inbound), FILE_WRITE_DATA (outbound), or both */
    uint32_t max_instances;      /* 1..255, PIPE_UNLIMITED_INSTANCES */
    uint32_t quota[2];           /* bytes each end's queue holds: the in and out buffer sizes */
    VsPipeState state;
    VsFileObject *end[2]; /* the ends' file objects; NULL: not opened, or closed */
    bool closed[2];       /* the end was opened and is closed now */
    VsPipeQueue queue[2]; /* queue[e]: what end e reads */
    VsIrp *listens;       /* ConnectNamedPipe's FSCTL_PIPE_LISTEN IRPs waiting */
};

bool vs_file_object_is_pipe(const VsFileObject *object) { return object->pipe != NULL; }

static int end_of(const VsFileObject *object) { return object->client ? CLIENT : SERVER; }

/* NPFS's names are case-insensitive. */
static bool same_name(const VsPipe *pipe, const char *name)
{
    return vs_text_equal_nocase(pipe->name, name, VS_PIPE_NAME_MAX);
}

/* The live instances of a name (the server's end open). */
static uint32_t instances(const VsSystem *system, const char *name, const VsPipe **first)
{
    uint32_t count = 0;
    *first = NULL;
    for (const VsPipe *p = system->pipes; p; p = p->next)
        if (!p->closed[SERVER] && same_name(p, name)) {
            count++;
            *first = p;
        }
    return count;
}

/* A file object for an end of pipe, in a handle of the caller's. */
static VsStatus open_end(VsThread *caller, VsPipe *pipe, int end, uint32_t rights, bool synchronous,
                         VsHandle *handle)
{
    VsFileObject *object = calloc(1, sizeof *object);
    if (!object)
        return STATUS_INSUFFICIENT_RESOURCES;
    *object = (VsFileObject){
        .handles = 1, .pipe = pipe, .client = end == CLIENT, .synchronous = synchronous};
    VsStatus status =
        vs_handle_insert(caller, VS_OBJECT_FILE, object, rights | SYNCHRONIZE, handle);
    if (!NT_SUCCESS(status)) {
        free(object);
        return status;
    }
    pipe->end[end] = object;
    return STATUS_SUCCESS;
}

/*
 * NtCreateNamedPipeFile, for a name CreateNamedPipe has checked: a new instance, listening. An
 * instance beyond the first's maximum is STATUS_INSTANCE_NOT_AVAILABLE; one whose direction or
 * type differs from the first's STATUS_ACCESS_DENIED.
 */
VsStatus VsNtCreateNamedPipeFile(VsThread *caller, VsHandle *handle, const char *name,
                                 uint32_t server_rights, bool synchronous, bool message_type,
                                 bool message_read, uint32_t max_instances, uint32_t in_quota,
                                 uint32_t out_quota)
{
    VsSystem *system = caller->process->system;
    const VsPipe *first;
    uint32_t count = instances(system, name, &first);
    if (first && count >= first->max_instances)
        return STATUS_INSTANCE_NOT_AVAILABLE;
    if (first && (first->server_rights != server_rights || first->message_type != message_type))
        return STATUS_ACCESS_DENIED;
    VsPipe *pipe = calloc(1, sizeof *pipe);
    if (!pipe)
        return STATUS_INSUFFICIENT_RESOURCES;
    vs_text_append(pipe->name, sizeof pipe->name, name);
    pipe->message_type = message_type;
    pipe->message_read = message_read;
    pipe->server_rights = server_rights;
    pipe->max_instances = first ? first->max_instances : max_instances;
    pipe->quota[SERVER] = in_quota;
    pipe->quota[CLIENT] = out_quota;
    VsStatus status = open_end(caller, pipe, SERVER, server_rights, synchronous, handle);
    if (!NT_SUCCESS(status)) {
        free(pipe);
        return status;
    }
    pipe->next = system->pipes;
    system->pipes = pipe;
    return STATUS_SUCCESS;
}

/* ---- The data queues ------------------------------------------------------------------------- */

/* Appends a write's bytes to a queue as one message; false when the host is out of memory. */
static bool queue_append(VsPipeQueue *q, const unsigned char *bytes, uint64_t length)
{
    unsigned char *grown = realloc(q->bytes, q->length + length + 1);
    uint64_t *messages = realloc(q->messages, (q->message_count + 1) * sizeof *messages);
    if (grown)
        q->bytes = grown;
    if (messages)
        q->messages = messages;
    if (!grown || !messages)
        return false;
    memcpy(q->bytes + q->length, bytes, length);
    q->length += length;
    q->messages[q->message_count++] = length;
    return true;
}

/* Drops the first n bytes of a queue (all of them within its first message when by message). */
static void queue_consume(VsPipeQueue *q, uint64_t n)
{
    memmove(q->bytes, q->bytes + n, q->length - n);
    q->length -= n;
    while (n && q->message_count) {
        uint64_t taken = vs_min(n, q->messages[0]);
        q->messages[0] -= taken;
        n -= taken;
        if (q->messages[0] == 0)
            memmove(q->messages, q->messages + 1, --q->message_count * sizeof *q->messages);
    }
}

/* How much a read of length takes from data of available bytes whose first message is first
 * long, and the status it completes with: a message-mode read stops at the message's end, and
 * one too short for the message is STATUS_BUFFER_OVERFLOW. */
static VsStatus read_extent(const VsPipe *pipe, int end, uint64_t length, uint64_t available,
                            uint64_t first, uint64_t *take)
{
    bool by_message = end == SERVER ? pipe->message_read : pipe->message_type;
    uint64_t limit = by_message ? first : available;
    *take = vs_min(length, limit);
    return by_message && length < first ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* Copies bytes into the reader's buffer, as the reading thread (IopCompleteRequest's copy of a
 * buffered read). A store that fails stops the copy; the count says how far it got. */
static uint64_t deliver(VsIrp *irp, const unsigned char *bytes, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (!NT_SUCCESS(vs_memory_write(irp->thread, irp->buffer + i, bytes[i])))
            return i;
    return n;
}

/* A read served from its end's queue, which holds data: the IRP completed, or for a synchronous
 * caller (irp->iosb 0) the status and count returned. */
static VsStatus read_queued(VsPipe *pipe, int end, VsIrp *irp, uint64_t *information)
{
    VsPipeQueue *q = &pipe->queue[end];
    uint64_t take;
    VsStatus status = read_extent(pipe, end, irp->length, q->length, q->messages[0], &take);
    *information = deliver(irp, q->bytes, take);
    queue_consume(q, take);
    return status;
}

/* ---- Reads, writes, listens ------------------------------------------------------------------ */

/* The state's answer to a read or write on an instance not connected, or STATUS_SUCCESS. */
static VsStatus transfer_state(const VsPipe *pipe, int end)
{
    if (pipe->state == PIPE_LISTENING)
        return STATUS_PIPE_LISTENING;
    if (pipe->closed[!end] && !pipe->queue[end].length)
        return STATUS_PIPE_BROKEN;
    return STATUS_SUCCESS;
}

/*
 * NPFS's read (NpCommonRead): data queued for this end is read at once (the status returned, the
 * IRP the caller's to complete); an empty queue keeps the IRP (STATUS_PENDING), the next write to
 * this end completes it.
 */
VsStatus vs_pipe_read(VsFileObject *end_object, VsIrp *irp, uint64_t *information)
{
    VsPipe *pipe = end_object->pipe;
    int end = end_of(end_object);
    *information = 0;
    VsStatus status = transfer_state(pipe, end);
    if (!NT_SUCCESS(status))
        return status;
    if (pipe->queue[end].length)
        return read_queued(pipe, end, irp, information);
    VsIrp **tail = &pipe->queue[end].reads;
    while (*tail)
        tail = &(*tail)->next;
    *tail = irp;
    return STATUS_PENDING;
}

/* The waiting reads of an end take what a write brought, oldest first, each completed with what
 * it took; what they leave stays in bytes/length. */
static void satisfy_reads(VsPipe *pipe, int end, const unsigned char **bytes, uint64_t *length)
{
    VsPipeQueue *q = &pipe->queue[end];
    while (q->reads && *length) {
        VsIrp *irp = q->reads;
        q->reads = irp->next;
        uint64_t take;
        VsStatus status = read_extent(pipe, end, irp->length, *length, *length, &take);
        uint64_t done = deliver(irp, *bytes, take);
        *bytes += take;
        *length -= take;
        vs_irp_complete(irp, status, done);
        if (status ==
            STATUS_BUFFER_OVERFLOW) /* the message's rest waits, as a message of its own */
            break;
    }
}

/*
 * NPFS's write (NpCommonWrite) of length bytes at buffer in the caller's memory, to the other end:
 * the bytes are captured first (an unreadable one: STATUS_ACCESS_VIOLATION, nothing sent), the
 * other end's waiting reads take them, the rest is queued. A rest beyond what the other end's
 * queue holds would make the writer wait for a reader: the caller's would_wait, nothing sent.
 */
VsStatus vs_pipe_write(VsThread *caller, VsFileObject *end_object, uint64_t buffer, uint64_t length,
                       uint64_t *information)
{
    VsPipe *pipe = end_object->pipe;
    int to = !end_of(end_object);
    *information = 0;
    if (pipe->state == PIPE_LISTENING)
        return STATUS_PIPE_LISTENING;
    if (pipe->closed[to])
        return STATUS_PIPE_CLOSING;
    unsigned char *bytes = malloc(length ? length : 1);
    if (!bytes)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (uint64_t i = 0; i < length; i++)
        if (!NT_SUCCESS(vs_memory_read(caller, buffer + i, &bytes[i]))) {
            free(bytes);
            return STATUS_ACCESS_VIOLATION;
        }
    uint64_t absorbed = 0;
    for (const VsIrp *r = pipe->queue[to].reads; r && absorbed < length; r = r->next)
        absorbed += vs_min(r->length, length - absorbed);
    VsStatus status = STATUS_SUCCESS;
    if (pipe->queue[to].length + (length - absorbed) > pipe->quota[to]) {
        caller->would_wait = true;
        status = STATUS_PENDING;
    } else {
        const unsigned char *rest = bytes;
        uint64_t left = length;
        satisfy_reads(pipe, to, &rest, &left);
        if (left && !queue_append(&pipe->queue[to], rest, left))
            status = STATUS_INSUFFICIENT_RESOURCES;
        else
            *information = length;
    }
    free(bytes);
    return status;
}

/* FSCTL_PIPE_LISTEN (NpSetListeningPipeState): the statuses in the head comment; a listening
 * instance keeps the IRP until a client opens the pipe. */
VsStatus vs_pipe_listen(VsFileObject *end_object, VsIrp *irp)
{
    VsPipe *pipe = end_object->pipe;
    if (end_object->client)
        return STATUS_ILLEGAL_FUNCTION;
    if (pipe->state == PIPE_CONNECTED)
        return STATUS_PIPE_CONNECTED;
    if (pipe->state == PIPE_CLOSING)
        return STATUS_PIPE_CLOSING;
    irp->next = pipe->listens;
    pipe->listens = irp;
    return STATUS_PENDING;
}

VsStatus vs_pipe_available(const VsFileObject *end_object, uint64_t *bytes)
{
    const VsPipe *pipe = end_object->pipe;
    if (end_object->client && pipe->closed[SERVER])
        return STATUS_PIPE_DISCONNECTED;
    *bytes = pipe->queue[end_of(end_object)].length;
    return STATUS_SUCCESS;
}

/* The rights a client may ask: the other side of the server's. */
static uint32_t client_rights(const VsPipe *pipe)
{
    uint32_t rights = 0;
    if (pipe->server_rights & FILE_READ_DATA)
        rights |= FILE_WRITE_DATA;
    if (pipe->server_rights & FILE_WRITE_DATA)
        rights |= FILE_READ_DATA;
    return rights;
}

/*
 * A client's open (NpCreateClientEnd): the statuses in the head comment; the first listening
 * instance (the oldest) is connected, and its waiting listens complete with STATUS_SUCCESS.
 */
VsStatus vs_pipe_open_client(VsThread *caller, const char *name, uint32_t rights, bool synchronous,
                             VsHandle *handle)
{
    const VsPipe *any;
    if (!instances(caller->process->system, name, &any))
        return STATUS_OBJECT_NAME_NOT_FOUND;
    VsPipe *pipe = NULL;
    for (VsPipe *p = caller->process->system->pipes; p; p = p->next)
        if (!p->closed[SERVER] && same_name(p, name) && p->state == PIPE_LISTENING)
            pipe = p; /* the list is newest first: the last found is the oldest */
    if (!pipe)
        return STATUS_PIPE_NOT_AVAILABLE;
    if (rights & (FILE_READ_DATA | FILE_WRITE_DATA) & ~client_rights(pipe))
        return STATUS_ACCESS_DENIED;
    VsStatus status = open_end(caller, pipe, CLIENT, rights, synchronous, handle);
    if (!NT_SUCCESS(status))
        return status;
    pipe->state = PIPE_CONNECTED;
    while (pipe->listens) {
        VsIrp *irp = pipe->listens;
        pipe->listens = irp->next;
        vs_irp_complete(irp, STATUS_SUCCESS, 0);
    }
    return STATUS_SUCCESS;
}

/* ---- Closing --------------------------------------------------------------------------------- */

static void fail_all(VsIrp **list, VsStatus status)
{
    while (*list) {
        VsIrp *irp = *list;
        *list = irp->next;
        vs_irp_complete(irp, status, 0);
    }
}

static void pipe_free(VsSystem *system, VsPipe *pipe)
{
    for (VsPipe **link = &system->pipes; *link; link = &(*link)->next)
        if (*link == pipe) {
            *link = pipe->next;
            break;
        }
    for (int e = SERVER; e <= CLIENT; e++) {
        free(pipe->queue[e].bytes);
        free(pipe->queue[e].messages);
    }
    free(pipe);
}

/* IRP_MJ_CLEANUP of an end (NpCommonCleanup): the reads and listens waiting at either end fail
 * with STATUS_PIPE_BROKEN, the instance is closing, and freed once neither end is open. */
void vs_pipe_close_end(VsSystem *system, VsFileObject *end_object)
{
    VsPipe *pipe = end_object->pipe;
    int end = end_of(end_object);
    pipe->end[end] = NULL;
    pipe->closed[end] = true;
    fail_all(&pipe->queue[SERVER].reads, STATUS_PIPE_BROKEN);
    fail_all(&pipe->queue[CLIENT].reads, STATUS_PIPE_BROKEN);
    fail_all(&pipe->listens, STATUS_PIPE_BROKEN);
    if (pipe->state == PIPE_CONNECTED)
        pipe->state = PIPE_CLOSING;
    if (!pipe->end[SERVER] && !pipe->end[CLIENT])
        pipe_free(system, pipe);
}

static void free_irps(VsIrp *irp)
{
    while (irp) {
        VsIrp *next = irp->next;
        vs_irp_free(irp);
        irp = next;
    }
}

void vs_pipe_fini_all(VsSystem *system)
{
    while (system->pipes) {
        VsPipe *pipe = system->pipes;
        free_irps(pipe->queue[SERVER].reads);
        free_irps(pipe->queue[CLIENT].reads);
        free_irps(pipe->listens);
        pipe->queue[SERVER].reads = pipe->queue[CLIENT].reads = pipe->listens = NULL;
        for (int e = SERVER; e <= CLIENT; e++)
            if (pipe->end[e])
                pipe->end[e]->pipe = NULL; /* the file object goes with its handles */
        pipe_free(system, pipe);
    }
}

/* ---- Invariants ------------------------------------------------------------------------------ */

/* A queue's messages add up to its bytes; reads wait only at an empty queue, each on the end's
 * own file object, for more than 0 bytes of memory. */
static const char *check_queue(const VsPipe *pipe, int end)
{
    const VsPipeQueue *q = &pipe->queue[end];
    uint64_t total = 0;
    for (size_t i = 0; i < q->message_count; i++)
        total += q->messages[i];
    if (total != q->length || (q->length && !q->message_count))
        return "pipe queue's messages differ from its bytes";
    if (q->reads && q->length)
        return "pipe read waiting while data is queued for it";
    for (const VsIrp *irp = q->reads; irp; irp = irp->next) {
        if (irp->file != pipe->end[end])
            return "pipe read waiting on another end's file object";
        if (irp->synchronous != (irp->thread->blocked_on == irp))
            return "synchronous pipe read without its thread waiting in it, or the reverse";
    }
    return NULL;
}

const char *vs_pipe_invariant(const VsSystem *system, uint64_t *index)
{
    *index = 0;
    for (const VsPipe *pipe = system->pipes; pipe; pipe = pipe->next, ++*index) {
        for (int e = SERVER; e <= CLIENT; e++) {
            if (pipe->end[e] &&
                (pipe->end[e]->pipe != pipe || end_of(pipe->end[e]) != e || pipe->closed[e]))
                return "pipe end's file object names another instance or end";
            const char *why = check_queue(pipe, e);
            if (why)
                return why;
        }
        if (!pipe->end[SERVER] && !pipe->end[CLIENT])
            return "pipe instance kept with neither end open";
        bool listening = pipe->state == PIPE_LISTENING;
        if (listening != (!pipe->end[CLIENT] && !pipe->closed[CLIENT]) ||
            (pipe->listens && !listening))
            return "pipe state differs from its ends";
        if (listening && (pipe->queue[SERVER].length || pipe->queue[CLIENT].length))
            return "pipe holds data before a client connected";
        for (const VsIrp *irp = pipe->listens; irp; irp = irp->next)
            if (irp->synchronous != (irp->thread->blocked_on == irp))
                return "synchronous listen without its thread waiting in it, or the reverse";
    }
    return NULL;
}

static bool waits_on(const VsIrp *irp, const VsFileObject *object)
{
    for (; irp; irp = irp->next)
        if (irp->synchronous && irp->file == object)
            return true;
    return false;
}

bool vs_file_object_close_waits(const VsFileObject *object)
{
    const VsPipe *pipe = object->pipe;
    if (!pipe || !object->synchronous || object->handles > 1)
        return false;
    return waits_on(pipe->queue[end_of(object)].reads, object) || waits_on(pipe->listens, object);
}

bool vs_pipe_name_exists(const VsSystem *system, const char *name)
{
    const VsPipe *first;
    return instances(system, name, &first) > 0;
}

bool vs_handle_file_kind(VsThread *caller, VsHandle handle, bool *pipe)
{
    VsHandleEntry entry;
    if (!vs_handle_lookup(caller, handle, &entry) || entry.type != VS_OBJECT_FILE)
        return false;
    *pipe = ((const VsFileObject *)entry.object)->pipe != NULL;
    return true;
}
