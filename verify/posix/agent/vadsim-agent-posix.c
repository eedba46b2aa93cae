/*
 * vadsim-agent-posix - carries out POSIX memory calls for the verification harness, on the real
 * kernel, and answers what happened. The POSIX counterpart of the Win32 agent, speaking the same
 * line protocol:
 *
 *   request   [@N ] NAME HEX...           one line; a string argument is 's' + hex bytes (a file's
 *                                         text 't' + hex bytes); "@N " sends it to child N
 *   answer    = RET ERRNO 0 SIGNAL EXTRA...   RET and errno after the call, the signal a memory
 *                                         access raised (SIGSEGV 11, SIGBUS 7; 0 if none)
 *   refusal   ! WHY                       a call the agent will not make
 *
 * Placement. The harness's model places mmap(NULL) mappings top-down from a fixed mmap_base M with
 * nothing above it, and translates real = model - M + A, where A is the start of the agent's
 * ARENA (arena.c): 1 GiB at a 2 MiB boundary, a PROT_NONE shared view of an empty memfd
 * ("vadsim-arena", a shared mapping never merges with the scenario's private ones). So for the
 * scenario the arena must be free address space directly above the kernel's placement point:
 *   - at start every gap above the arena is filled with PROT_NONE FILLERS (research 1.4: the
 *     top-down search takes the highest gap that fits), so the first mmap(NULL) lands at A - page;
 *   - around every call that names arena addresses, the arena PIECES there are unmapped first
 *     (EXPOSED: the call sees free memory) and whatever is still free afterwards is refilled, so
 *     a later mmap(NULL) can never land in the arena. Between calls the arena is fully mapped.
 * After start-up the agent never maps memory of its own (stdio uses static buffers) but for the
 * pins of the scenario's files (pagecache.c), inside room it reserved before the arena.
 *
 * Safety. The agent is a real process running arbitrary scenarios, so it must never unmap, remap
 * or protect its own code, stack or heap. It keeps the set of ranges that belong to the scenario:
 * the arena, and whatever the kernel placed for the scenario outside it. Every call that names an
 * address must lie wholly inside those ranges, or it is refused, not made. Its own descriptors
 * (the arena's memfd, its children's pipes) are all >= 900, so the scenario's are numbered from 3
 * as in the model; calls naming them, or 0-2, answer EBADF as for a descriptor never opened.
 *
 * Processes. `fork` makes a child that serves the same requests over a pair of pipes; the parent
 * relays "@N ..." lines to child N. Files live in a private directory removed at quit; shm_open
 * names get a prefix unique to the agent, and the objects are unlinked at quit.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "filesystem.h"
#include "machine.h"
#include "maps.h"
#include "pagecache.h"
#include "protocol.h"

#define AGENT_PROTOCOL_VERSION 3
#define AGENT_FD_BASE 900 /* the agent's own descriptors are moved to here and above */
#define MAX_ARGS 16
#define MAX_LINE 4096
#define MAX_CHILDREN 64
#define MAX_PAGEMAP 512

#define P(x) ((void *)(uintptr_t)(x))

/* ---- The agent's state ----------------------------------------------------------------------- */

static RangeSet owned;  /* the scenario's: the arena and what the kernel placed for it */
static uint64_t page_size;
static FileSystemFacts file_system; /* measured at start, in file_dir */
static MachineFacts machine;      /* made the same or measured at start (machine.c) */
static pid_t top_pid;       /* the agent the harness started (children share its files) */
static char file_dir[64];   /* the private directory of the scenario's files */
static char shm_prefix[32]; /* "vadsim-PID-": the scenario's shm names go in after it */
static char stdin_buffer[MAX_LINE], stdout_buffer[1 << 16];

static uint64_t page_down(uint64_t a) { return a & ~(page_size - 1); }
static uint64_t page_up(uint64_t a)
{
    return a > UINT64_MAX - page_size ? page_down(UINT64_MAX) : page_down(a + page_size - 1);
}

/* Whether [start, start + length) is the scenario's memory (a length 0 names one byte). */
static int inside_owned(uint64_t start, uint64_t length)
{
    uint64_t end = start + (length ? length : 1);
    return end > start && set_covers(&owned, start, end);
}


/* Moves a descriptor of the agent's to AGENT_FD_BASE or above, closing the original: the
 * scenario's descriptors then start at 3 as in the model. -1 if it cannot. */
static int move_high(int fd)
{
    int high = fcntl(fd, F_DUPFD_CLOEXEC, AGENT_FD_BASE);
    close(fd);
    return high;
}

static int agent_fd(int fd) { return fd < 3 || fd >= AGENT_FD_BASE; }

/* ---- Memory probes --------------------------------------------------------------------------- */

static sigjmp_buf probe_jump;
static volatile sig_atomic_t probing, probe_signal, stop_signal;

static void on_fault(int sig, siginfo_t *info, void *context)
{
    (void)info, (void)context;
    if (!probing) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    probe_signal = sig;
    siglongjmp(probe_jump, 1);
}

/* SIGTERM, SIGINT, SIGHUP: the blocking read of the next request fails (no SA_RESTART), and
 * the agent cleans up as at quit before it dies of the signal. */
static void on_stop(int sig) { stop_signal = sig; }

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a dead child's pipe gives EPIPE, answered as a refusal */
}

/* ---- Answers --------------------------------------------------------------------------------- */

static void answer_start(uint64_t ret, int error)
{
    printf("= %" PRIx64 " %x 0 %x", ret, (unsigned)error, (unsigned)probe_signal);
}

static void answer_more(uint64_t value) { printf(" %" PRIx64, value); }

/* A string in an answer, as in a request: 's' and hex bytes. */
static void answer_string(const char *s)
{
    printf(" s");
    for (; *s; s++)
        printf("%02x", (unsigned char)*s);
}

static void answer_end(void)
{
    putchar('\n');
    fflush(stdout);
}

/* A call's result and the errno it left (only meaningful when it returned -1). */
static void answer_result(long result, int error)
{
    answer_start((uint64_t)result, result == -1 ? error : 0);
    answer_end();
}

/* The same for a call just made, as answer_call(call(...)): errno is read after the call. */
static void answer_call(long result) { answer_result(result, errno); }

static void refuse(const char *why, const char *what)
{
    printf("! %s%s\n", why, what);
    fflush(stdout);
}

/* ---- Requests -------------------------------------------------------------------------------- */

typedef struct Request {
    char name[64];
    uint64_t v[MAX_ARGS];
    int count;
    char text[256];     /* a string argument (a name), sent as 's' and hex bytes */
    char contents[512]; /* a file's text, sent as 't' and hex bytes */
} Request;

static int parse(char *line, Request *r)
{
    memset(r, 0, sizeof *r);
    char *save = NULL, *word = strtok_r(line, " \t\r\n", &save);
    if (!word || strlen(word) >= sizeof r->name)
        return 0;
    strcpy(r->name, word);
    while ((word = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
        if (r->count == MAX_ARGS)
            return 0;
        if (word[0] == 's' || word[0] == 't') {
            char *out = word[0] == 's' ? r->text : r->contents;
            if (!agent_unhex(word + 1, out, word[0] == 's' ? sizeof r->text : sizeof r->contents))
                return 0;
            r->v[r->count++] = 1;
            continue;
        }
        char *end;
        r->v[r->count++] = strtoull(word, &end, 16);
        if (*end)
            return 0;
    }
    return 1;
}

/* hello: the protocol version, the page size, the arena, one address of the agent's own code
 * (its tests aim at it to prove it is refused), the file system's facts, then the machine's:
 * execute-only memory, the kernel's release, the placement of anonymous memory and of shmem,
 * vm.overcommit_memory, vm.max_map_count, the swap, and the rlimits still in force. */
static void do_hello(void)
{
    answer_start(AGENT_PROTOCOL_VERSION, 0);
    answer_more(page_size);
    Range arena = arena_range();
    answer_more(arena.start);
    answer_more(arena.end - arena.start);
    answer_more((uint64_t)(uintptr_t)&do_hello & ~(page_size - 1));
    answer_more(file_system.readahead_pages);
    answer_more(file_system.file_align);
    const uint64_t facts[] = {machine.execute_only, machine.kernel,        machine.anon_align,
                              machine.shmem_align,  machine.overcommit,    machine.max_map_count,
                              machine.swap_bytes,   machine.limited};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
        answer_more(facts[i]);
    answer_end();
}

/* The calls whose first two arguments are an address and a length in the scenario's memory. */
static int check_range(const Request *r, const char *name)
{
    if (inside_owned(r->v[0], r->v[1]))
        return 1;
    refuse("an address outside the scenario's memory (the agent's own is never touched): ", name);
    return 0;
}

/* Exposes the arena in e for a call: 0 (refused, arena refilled) if the kernel would not. */
static int expose_for(const Exposure *e, const char *name)
{
    if (arena_expose(e))
        return 1;
    arena_refill(e);
    refuse("the agent could not clear its arena for the call: ", name);
    return 0;
}

/* Shared anonymous memory is a shmem file of its own, pinned like the scenario's other files
 * (pagecache.c) through the mapping, which merges with nothing: /proc/self/map_files names it by
 * exactly the range just mapped. (Opening map_files takes CAP_SYS_ADMIN; without it, unpinned.) */
static void pin_shared_anonymous(uint64_t start, uint64_t length)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/map_files/%" PRIx64 "-%" PRIx64, start, start + length);
    pin_file(path, PIN_FIXED_SIZE, AGENT_FD_BASE);
}

/* mmap ADDR LEN PROT FLAGS FD OFFSET: a fixed mapping must lie in owned memory and sees the
 * arena there as free; so does a hint wholly on arena pieces (the model honours it). What the
 * kernel places becomes the scenario's. Another's descriptor answers EBADF, as never opened. */
static void do_mmap(const Request *r)
{
    const uint64_t *v = r->v;
    int fixed = (v[3] & MAP_FIXED) || (v[3] & MAP_FIXED_NOREPLACE);
    if (fixed && !inside_owned(v[0], v[1])) {
        refuse("a fixed mapping outside the scenario's memory: ", "mmap");
        return;
    }
    if (!(v[3] & MAP_ANONYMOUS) && agent_fd((int)v[4])) {
        answer_result(-1, v[5] & (page_size - 1) ? EINVAL : EBADF); /* sys_mmap's order */
        return;
    }
    Exposure e = {0};
    uint64_t hint = page_down(v[0]), end = hint + page_up(v[1]);
    if (fixed)
        expose_add(&e, v[0], v[1]);
    else if (v[0] && end > hint && arena_covers(hint, end))
        expose_add(&e, hint, end - hint); /* exactly what the kernel tries for the hint */
    if (!expose_for(&e, "mmap"))
        return;
    errno = 0;
    void *p = mmap(P(v[0]), v[1], (int)v[2], (int)v[3], (int)v[4], (off_t)v[5]);
    int error = errno;
    arena_refill(&e);
    uint64_t address = p == MAP_FAILED ? UINT64_MAX : (uint64_t)(uintptr_t)p;
    if (p != MAP_FAILED && !set_add(&owned, address, address + page_up(v[1]))) {
        munmap(p, v[1]);
        refuse("too many separate mappings to keep track of: ", "mmap");
        return;
    }
    if (p != MAP_FAILED && (v[3] & MAP_ANONYMOUS) && (v[3] & MAP_TYPE) != MAP_PRIVATE)
        pin_shared_anonymous(address, page_up(v[1]));
    answer_start(address, p == MAP_FAILED ? error : 0);
    answer_end();
}

typedef long (*RangeCall)(const Request *r);

static unsigned char mincore_vector[4096];

static long call_munmap(const Request *r) { return munmap(P(r->v[0]), r->v[1]); }
static long call_mprotect(const Request *r) { return mprotect(P(r->v[0]), r->v[1], (int)r->v[2]); }
static long call_madvise(const Request *r) { return madvise(P(r->v[0]), r->v[1], (int)r->v[2]); }
static long call_msync(const Request *r) { return msync(P(r->v[0]), r->v[1], (int)r->v[2]); }
static long call_mincore(const Request *r) { return mincore(P(r->v[0]), r->v[1], mincore_vector); }

/* Makes a call on an owned range ADDR LEN with the arena there exposed (so arena pieces are
 * holes: ENOMEM from mprotect, madvise, msync and mincore), then refills. 0 if refused. */
static int range_call(const Request *r, const char *name, RangeCall call, long *result, int *error)
{
    Exposure e = {0};
    if (!check_range(r, name))
        return 0;
    expose_add(&e, r->v[0], r->v[1]);
    if (!expose_for(&e, name))
        return 0;
    errno = 0;
    *result = call(r);
    *error = errno;
    arena_refill(&e);
    return 1;
}

static void do_range_call(const Request *r, const char *name, RangeCall call)
{
    long result;
    int error;
    if (range_call(r, name, call, &result, &error))
        answer_result(result, error);
}

/* madvise ADDR LEN ADVICE. With swap on, MADV_PAGEOUT writes anonymous and shmem pages out, which
 * the model (no reclaim of its own to a swap it has not got) never does: refused there. */
static void do_madvise(const Request *r)
{
    if (r->v[2] == MADV_PAGEOUT && machine.swap_bytes) {
        refuse("MADV_PAGEOUT on a machine with swap (the kernel would write pages out): ",
               "madvise");
        return;
    }
    do_range_call(r, "madvise", call_madvise);
}

static void do_munmap(const Request *r)
{
    long result;
    int error;
    if (!range_call(r, "munmap", call_munmap, &result, &error))
        return;
    /* What the scenario unmapped stays its own: the agent maps nothing after start-up, so only
     * the scenario can be given that address space again, and a later call that spans the hole
     * (mprotect over it: ENOMEM) must reach the kernel as it would in the scenario's program. */
    answer_result(result, error);
}

/* mincore ADDR LEN: answers the result, then one number per page (the vector's bytes). */
static void do_mincore(const Request *r)
{
    uint64_t pages = (r->v[1] + page_size - 1) / page_size;
    long result;
    int error;
    if (pages > sizeof mincore_vector) {
        refuse("mincore of more than 4096 pages: ", "mincore");
        return;
    }
    if (!range_call(r, "mincore", call_mincore, &result, &error))
        return;
    answer_start((uint64_t)result, result == -1 ? error : 0);
    for (uint64_t i = 0; result == 0 && i < pages; i++)
        answer_more(mincore_vector[i] & 1);
    answer_end();
}

/* mremap OLD OLD_SIZE NEW_SIZE FLAGS NEW: the old range and a fixed new one must be owned. The
 * arena is exposed over the old range, the range it may grow into in place, and a fixed target.
 * A move that searches cannot land in those holes: they are bounded by the old mapping and are
 * smaller than the new size. */
static void do_mremap(const Request *r)
{
    const uint64_t *v = r->v;
    Exposure e = {0};
    if (!check_range(r, "mremap"))
        return;
    if ((v[3] & MREMAP_FIXED) && !inside_owned(v[4], v[2])) {
        refuse("a fixed new address outside the scenario's memory: ", "mremap");
        return;
    }
    expose_add(&e, v[0], v[1]);
    expose_add(&e, v[0], v[2]);
    if (v[3] & MREMAP_FIXED)
        expose_add(&e, v[4], v[2]);
    if (!expose_for(&e, "mremap"))
        return;
    errno = 0;
    void *p = mremap(P(v[0]), v[1], v[2], (int)v[3], P(v[4]));
    int error = errno;
    arena_refill(&e);
    uint64_t address = p == MAP_FAILED ? UINT64_MAX : (uint64_t)(uintptr_t)p;
    if (p != MAP_FAILED)
        set_add(&owned, address, address + page_up(v[2]));
    if (p != MAP_FAILED && (v[3] & MAP_ANONYMOUS) && (v[3] & MAP_TYPE) != MAP_PRIVATE)
        pin_shared_anonymous(address, page_up(v[1]));
    answer_start(address, p == MAP_FAILED ? error : 0);
    answer_end();
}

/* read ADDR / write ADDR BYTE: one access, answering the byte read (or for a write the signal)
 * and the signal it raised. */
static void do_access(const Request *r, int write)
{
    if (!inside_owned(r->v[0], 1)) {
        refuse("an address outside the scenario's memory: ", write ? "write" : "read");
        return;
    }
    volatile uint8_t *p = P(r->v[0]);
    uint8_t value = 0;
    probe_signal = 0;
    if (sigsetjmp(probe_jump, 1) == 0) {
        probing = 1;
        if (write)
            *p = (uint8_t)r->v[1];
        else
            value = *p;
    }
    probing = 0;
    answer_start(write ? probe_signal : value, 0);
    answer_end();
    probe_signal = 0;
}

/* A mapping's name as the model writes it: a file of the agent's directory by its base name,
 * an shm object without the agent's prefix; the rest ("", "/dev/zero (deleted)",
 * "/memfd:NAME (deleted)") as the kernel shows it. */
static const char *model_name(const char *name, char *out, size_t room)
{
    static const char shm_dir[] = "/dev/shm/";
    size_t dir = strlen(file_dir), shm = strlen(shm_dir), prefix = strlen(shm_prefix);
    if (strncmp(name, file_dir, dir) == 0 && name[dir] == '/')
        return name + dir + 1;
    if (strncmp(name, shm_dir, shm) == 0 && strncmp(name + shm, shm_prefix, prefix) == 0) {
        snprintf(out, room, "%s%s", shm_dir, name + shm + prefix);
        return out;
    }
    return name;
}

/* walk FROM TO: the scenario's maps lines overlapping [FROM, TO) (not arena pieces, nothing
 * outside owned memory), each as start, end, r, w, x, shared, offset, name. */
static void do_walk(uint64_t from, uint64_t to)
{
    MapsReader m;
    MapsLine l;
    char name[PATH_MAX + 16];
    int ok = maps_open(&m);
    answer_start(0, ok ? 0 : errno);
    while (ok && maps_next(&m, &l)) {
        if (arena_is_piece(&l) || l.end <= from || l.start >= to ||
            !inside_owned(MAX(l.start, from), 1))
            continue;
        answer_more(l.start), answer_more(l.end);
        answer_more(l.perms[0] == 'r'), answer_more(l.perms[1] == 'w');
        answer_more(l.perms[2] == 'x'), answer_more(l.perms[3] == 's');
        answer_more(l.offset);
        answer_string(model_name(l.name, name, sizeof name));
    }
    if (ok)
        maps_close(&m);
    answer_end();
}

/* pagemap ADDR PAGES: the raw /proc/self/pagemap entry of each page (research 8). */
static void do_pagemap(const Request *r)
{
    static uint64_t entries[MAX_PAGEMAP];
    uint64_t address = r->v[0], pages = r->v[1];
    if (pages == 0 || pages > MAX_PAGEMAP || address % page_size) {
        refuse("pagemap takes a page boundary and 1 to 512 pages: ", "pagemap");
        return;
    }
    if (!inside_owned(address, pages * page_size)) {
        refuse("an address outside the scenario's memory: ", "pagemap");
        return;
    }
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd < 0 ? -1 : pread(fd, entries, pages * 8, (off_t)(address / page_size * 8));
    int error = got < 0 ? errno : EIO;
    if (fd >= 0)
        close(fd);
    answer_start(0, got == (ssize_t)(pages * 8) ? 0 : error);
    for (uint64_t i = 0; got == (ssize_t)(pages * 8) && i < pages; i++)
        answer_more(entries[i]);
    answer_end();
}

/* ---- Files and shared memory objects --------------------------------------------------------- */

/* The path of a scenario's file in the agent's directory; 0 for a name that would leave it. */
static int file_path(const char *name, char *path, size_t room)
{
    if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    return snprintf(path, room, "%s/%s", file_dir, name) < (int)room;
}

/* file sNAME SIZE FILL tTEXT: a new file of SIZE bytes (0: the text's length), the text and then
 * FILL bytes, as the Win32 agent's declared files. Answers 1, or 0 and the errno. */
static void do_file(const Request *r)
{
    char path[PATH_MAX], block[4096];
    size_t length = r->v[3] ? strlen(r->contents) : 0;
    uint64_t size = r->v[1] ? r->v[1] : length, written = 0;
    int fd = -1;
    errno = EINVAL; /* a name that is not a plain file name */
    if (r->v[0] && file_path(r->text, path, sizeof path))
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    int ok = fd >= 0;
    while (ok && written < size) {
        size_t chunk = (size_t)MIN(size - written, sizeof block);
        for (size_t i = 0; i < chunk; i++)
            block[i] = written + i < length ? r->contents[written + i] : (char)r->v[2];
        ok = write(fd, block, chunk) == (ssize_t)chunk;
        written += chunk;
    }
    int error = errno;
    if (fd >= 0)
        close(fd);
    if (ok)
        pin_file(path, PIN_CAN_GROW, AGENT_FD_BASE);
    answer_start(ok, ok ? 0 : error);
    answer_end();
}

/* open sNAME FLAGS MODE: one of the scenario's files. */
static void do_open(const Request *r)
{
    char path[PATH_MAX];
    if (!r->v[0] || !file_path(r->text, path, sizeof path)) {
        refuse("open takes a plain file name (the agent's directory is the only one): ", "open");
        return;
    }
    int fd = open(path, (int)r->v[1], (mode_t)r->v[2]);
    int error = errno;
    if (fd >= 0)
        pin_file(path, PIN_CAN_GROW, AGENT_FD_BASE);
    answer_result(fd, error);
}

/* The name an shm object of the scenario gets: "/vadsim-PID-NAME". 1 if made; 0 if glibc 2.36
 * rejects the name itself (empty, a '/' after the leading ones, longer than NAME_MAX: research 9),
 * so the caller passes it as it came and glibc answers its own errno without a system call
 * that could create anything; -1 if only the prefix makes it too long (refused). */
static int shm_name(const char *name, char *out, size_t room)
{
    const char *bare = name + strspn(name, "/");
    if (!bare[0] || strchr(bare, '/') || strlen(bare) > NAME_MAX)
        return 0;
    if (strlen(shm_prefix) + strlen(bare) > NAME_MAX)
        return -1;
    snprintf(out, room, "/%s%s", shm_prefix, bare);
    return 1;
}

/* shm_open sNAME OFLAG MODE / shm_unlink sNAME. */
static void do_shm(const Request *r, int unlinking)
{
    char name[sizeof shm_prefix + NAME_MAX + 2];
    int made = r->v[0] ? shm_name(r->text, name, sizeof name) : -1;
    if (made < 0) {
        refuse("an shm name too long for the agent's prefix (or none): ",
               unlinking ? "shm_unlink" : "shm_open");
        return;
    }
    const char *use = made ? name : r->text;
    if (unlinking) {
        answer_call(shm_unlink(use));
        return;
    }
    int fd = shm_open(use, (int)r->v[1], (mode_t)r->v[2]);
    int error = errno;
    char path[sizeof name + 16];
    if (fd >= 0 && snprintf(path, sizeof path, "/dev/shm%s", use) < (int)sizeof path)
        pin_file(path, PIN_CAN_GROW, AGENT_FD_BASE); /* glibc's shm_open opens exactly this */
    answer_result(fd, error);
}

/* memfd_create sNAME FLAGS: pinned through the descriptor, the only name a memfd has. */
static void do_memfd_create(const Request *r)
{
    int fd = memfd_create(r->v[0] ? r->text : "", (unsigned)r->v[1]);
    int error = errno;
    char path[64];
    if (fd >= 0) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        pin_file(path, PIN_CAN_GROW, AGENT_FD_BASE);
    }
    answer_result(fd, error);
}

/* Unlinks the entries of dir whose names start with prefix ("" for all). */
static void remove_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    if (!d)
        return;
    while ((entry = readdir(d)) != NULL)
        if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..") &&
            strncmp(entry->d_name, prefix, strlen(prefix)) == 0)
            unlinkat(dirfd(d), entry->d_name, 0);
    closedir(d);
}

/* The scenario's files and shm objects, its children's too (they share the names), go. */
static void remove_files(void)
{
    if (file_dir[0]) {
        remove_entries(file_dir, "");
        rmdir(file_dir);
    }
    remove_entries("/dev/shm", shm_prefix);
}

/* ---- Processes ------------------------------------------------------------------------------- */

/* A child the agent forked, serving requests sent to request_fd and answering on answer_fd. */
typedef struct Child {
    pid_t pid; /* 0 once it has ended */
    int request_fd, answer_fd;
} Child;

static Child children[MAX_CHILDREN]; /* index N of "@N" is children[N - 1] */
static int child_count;

static void close_child(Child *c)
{
    close(c->request_fd), close(c->answer_fd);
    c->pid = 0;
}

/* Reaps a child whose pipe closed and refuses the request it was sent, naming it. */
static void child_ended(Child *c, int index)
{
    char why[128];
    int status = 0;
    pid_t pid = c->pid;
    waitpid(pid, &status, 0);
    close_child(c);
    snprintf(why, sizeof why, "child %d (pid %d) has ended: %s %d", index, (int)pid,
             WIFSIGNALED(status) ? "killed by signal" : "exit",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    refuse(why, "");
}

/* Kills and reaps every child still running (at quit). */
static void end_children(void)
{
    for (int i = 0; i < child_count; i++) {
        if (!children[i].pid)
            continue;
        kill(children[i].pid, SIGKILL);
        waitpid(children[i].pid, NULL, 0);
        close_child(&children[i]);
    }
    child_count = 0;
}

/* In a new child: requests now come from the pipe on fd 0, answers go to the pipe on fd 1 (the
 * harness's pipes are closed here); its parent's children are not its own, and the lines its
 * parent had read ahead are not its requests. */
static void become_child(int request_fd, int answer_fd)
{
    dup2(request_fd, 0), dup2(answer_fd, 1);
    close(request_fd), close(answer_fd);
    for (int i = 0; i < child_count; i++)
        if (children[i].pid)
            close(children[i].request_fd), close(children[i].answer_fd);
    child_count = 0;
    __fpurge(stdin);
    clearerr(stdin);
}

/* fork: answers the child's pid and its index for "@N". The child answers nothing: it goes on
 * to read its own requests. */
static void do_fork(void)
{
    int to[2], from[2];
    if (child_count == MAX_CHILDREN) {
        refuse("too many children: ", "fork");
        return;
    }
    if (pipe(to) != 0) {
        answer_call(-1);
        return;
    }
    if (pipe(from) != 0) {
        int error = errno;
        close(to[0]), close(to[1]);
        answer_result(-1, error);
        return;
    }
    for (int i = 0; i < 2; i++)
        to[i] = move_high(to[i]), from[i] = move_high(from[i]);
    fflush(stdout);
    pid_t pid = fork();
    int error = errno;
    if (pid == 0) {
        close(to[1]), close(from[0]);
        become_child(to[0], from[1]);
        return;
    }
    close(to[0]), close(from[1]);
    if (pid < 0) {
        close(to[1]), close(from[0]);
        answer_result(-1, error);
        return;
    }
    children[child_count++] = (Child){pid, to[1], from[0]};
    answer_start((uint64_t)pid, 0);
    answer_more((uint64_t)child_count);
    answer_end();
}

static int write_all(int fd, const char *text, size_t length)
{
    while (length) {
        ssize_t done = write(fd, text, length);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return 0;
        text += done, length -= (size_t)done;
    }
    return 1;
}

/* Sends a request line to child N and relays its answer line unchanged, or refuses naming the
 * child if it has ended. */
static void forward(int index, const char *line)
{
    char chunk[4096];
    int relayed = 0;
    if (index > child_count || !children[index - 1].pid) {
        char why[64];
        snprintf(why, sizeof why, "no child %d (never forked, or it has ended)", index);
        refuse(why, "");
        return;
    }
    Child *c = &children[index - 1];
    size_t length = strcspn(line, "\n");
    if (!write_all(c->request_fd, line, length) || !write_all(c->request_fd, "\n", 1)) {
        child_ended(c, index);
        return;
    }
    for (;;) {
        ssize_t got = read(c->answer_fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 && !relayed) {
            child_ended(c, index);
            return;
        }
        if (got <= 0) { /* it died in the middle of an answer: end the line, reap it */
            answer_end();
            waitpid(c->pid, NULL, 0);
            close_child(c);
            return;
        }
        fwrite(chunk, 1, (size_t)got, stdout);
        relayed = 1;
        if (chunk[got - 1] == '\n') { /* a child writes one line per request, never more */
            fflush(stdout);
            return;
        }
    }
}

/* ---- The loop -------------------------------------------------------------------------------- */

static int dispatch(const Request *r)
{
    const char *n = r->name;
    const uint64_t *v = r->v;
#define IS(name, args) (strcmp(n, name) == 0 && r->count == (args))
    if (IS("hello", 0))
        do_hello();
    else if (IS("mmap", 6))
        do_mmap(r);
    else if (IS("munmap", 2))
        do_munmap(r);
    else if (IS("mprotect", 3))
        do_range_call(r, "mprotect", call_mprotect);
    else if (IS("madvise", 3))
        do_madvise(r);
    else if (IS("msync", 3))
        do_range_call(r, "msync", call_msync);
    else if (IS("mremap", 5))
        do_mremap(r);
    else if (IS("mincore", 2))
        do_mincore(r);
    else if (IS("read", 1))
        do_access(r, 0);
    else if (IS("write", 2))
        do_access(r, 1);
    else if (IS("walk", 2))
        do_walk(v[0], v[1]);
    else if (IS("pagemap", 2))
        do_pagemap(r);
    else if (IS("memfd_create", 2))
        do_memfd_create(r);
    else if (IS("ftruncate", 2))
        answer_call(agent_fd((int)v[0]) ? (errno = EBADF, -1) : ftruncate((int)v[0], (off_t)v[1]));
    else if (IS("close", 1))
        answer_call(agent_fd((int)v[0]) ? (errno = EBADF, -1) : close((int)v[0]));
    else if (IS("file", 4))
        do_file(r);
    else if (IS("open", 3))
        do_open(r);
    else if (IS("shm_open", 3))
        do_shm(r, 0);
    else if (IS("shm_unlink", 1))
        do_shm(r, 1);
    else if (IS("fork", 0))
        do_fork();
    else if (IS("getpid", 0))
        answer_result(getpid(), 0);
    else if (IS("quit", 0))
        return 0;
    else
        refuse("not a call this agent knows (with that many arguments): ", n);
#undef IS
    return 1;
}

/* Serves one request line: "@N " sends it to child N, "@0 " or none is for this process. 0 at
 * quit. */
static int serve(char *line)
{
    Request r;
    if (line[0] == '@') {
        char *end;
        unsigned long index = strtoul(line + 1, &end, 10);
        if (end == line + 1 || *end != ' ') {
            refuse("malformed prefix: @N, a space, then the request", "");
            return 1;
        }
        if (index > 0) {
            forward((int)MIN(index, MAX_CHILDREN + 1ul), end + 1);
            return 1;
        }
        line = end + 1;
    }
    if (!parse(line, &r)) {
        refuse("malformed request: a call name, then hexadecimal arguments", "");
        return 1;
    }
    int more = dispatch(&r);
    pin_refresh(); /* before the next request: nothing of the kernel's own in between */
    return more;
}

/* Descriptors 0-2 open (on /dev/null if they were not) and nothing else inherited: the
 * scenario's first descriptor is then 3, as in the model. */
static void settle_descriptors(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
            exit(2);
    close_range(3, ~0u, 0);
}

/* Everything before the first request; exits with 2 and a message if the arena cannot be
 * placed as the model needs it. */
static void agent_start(void)
{
    page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    setvbuf(stdin, stdin_buffer, _IOFBF, sizeof stdin_buffer);
    setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    settle_descriptors();
    machine_settle(&machine); /* before anything is mapped: no huge pages, no rlimits */
    install_handlers();
    top_pid = getpid();
    snprintf(shm_prefix, sizeof shm_prefix, "vadsim-%d-", (int)top_pid);
    if (!pin_space_reserve(page_size)) { /* before the arena: it must not move placement later */
        fprintf(stderr, "vadsim-agent-posix: cannot reserve room for pins: %s\n", strerror(errno));
        exit(2);
    }
    if (!arena_create(page_size, AGENT_FD_BASE) ||
        !set_add(&owned, arena_range().start, arena_range().end)) {
        fprintf(stderr, "vadsim-agent-posix: cannot map its arena: %s\n", strerror(errno));
        exit(2);
    }
    arena_fill_above();
    if (!arena_placement_checked()) {
        fprintf(stderr,
                "vadsim-agent-posix: mmap(NULL, %" PRIu64 ") does not land right below "
                "the arena at %" PRIx64 " after filling the gaps above it\n",
                page_size, arena_range().start);
        exit(2);
    }
    snprintf(file_dir, sizeof file_dir, "/tmp/vadsim-agent-%d-XXXXXX", (int)top_pid);
    if (!mkdtemp(file_dir)) {
        fprintf(stderr, "vadsim-agent-posix: cannot make its directory: %s\n", strerror(errno));
        exit(2);
    }
    /* Its probes land below the arena and are gone again before the first request. */
    if (measure_file_system(file_dir, page_size, &file_system) != 0) {
        fprintf(stderr, "vadsim-agent-posix: cannot measure the file system of %s: %s\n",
                file_dir, strerror(errno));
        rmdir(file_dir);
        exit(2);
    }
    if (machine_measure(page_size, &machine) != 0) {
        fprintf(stderr, "vadsim-agent-posix: %s%s\n",
                errno == EPROTO ? "a load from memory mapped PROT_EXEC alone faulted, but not for "
                                  "a protection key (SEGV_PKUERR): a CPU the model does not know"
                                : "cannot measure the machine: ",
                errno == EPROTO ? "" : strerror(errno));
        rmdir(file_dir);
        exit(2);
    }
}

int main(void)
{
    char line[MAX_LINE];
    int got;
    agent_start();
    while (!stop_signal && (got = agent_read_line(line, sizeof line)) != 0) {
        if (got < 0)
            refuse("request line too long", "");
        else if (!serve(line))
            break;
    }
    end_children();
    if (getpid() == top_pid)
        remove_files();
    if (stop_signal) {
        signal(stop_signal, SIG_DFL);
        raise(stop_signal);
    }
    return 0;
}
