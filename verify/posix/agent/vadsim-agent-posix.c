/*
 * vadsim-agent-posix - carries out POSIX memory calls for the verification harness, on the real
 * kernel, and answers what happened. The POSIX counterpart of the Win32 agent, speaking the same
 * line protocol:
 *
 *   request   [@N ] NAME HEX...           one line; a string argument is 's' + hex bytes (a file's
 *                                         text 't' + hex bytes); "@N " sends it to child N
 *   answer    = RET ERRNO 0 SIGNAL EXTRA...   RET and errno after the call, the signal a memory
 *                                         access raised (SIGSEGV 11, SIGBUS 7; 0 if none); a
 *                                         read, write or execute adds the kind of the faulting
 *                                         access (the page-fault error code's: 0 read, 1 write,
 *                                         8 instruction fetch)
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
 * pins of the scenario's files (pagecache.c), inside room it reserved before the arena. Its
 * malloc never uses the break, which is the scenario's (brk.c), relative to start_brk.
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
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "pagecache.h"
#include "vadsim-agent-posix.h"

#define MAX_LINE 4096

static char stdin_buffer[MAX_LINE], stdout_buffer[1 << 16];

/* ---- The agent's state ----------------------------------------------------------------------- */

RangeSet owned;
uint64_t page_size;
FileSystemFacts file_system;
MachineFacts machine;
pid_t top_pid;
char file_dir[64];
char shm_prefix[32];

uint64_t page_down(uint64_t a) { return a & ~(page_size - 1); }

uint64_t page_up(uint64_t a)
{
    return a > UINT64_MAX - page_size ? page_down(UINT64_MAX) : page_down(a + page_size - 1);
}

int inside_owned(uint64_t start, uint64_t length)
{
    uint64_t end = start + (length ? length : 1);
    return end > start && set_covers(&owned, start, end);
}

int move_high(int fd)
{
    int high = fcntl(fd, F_DUPFD_CLOEXEC, AGENT_FD_BASE);
    close(fd);
    return high;
}

int agent_fd(int fd) { return fd < 3 || fd >= AGENT_FD_BASE; }

/* ---- Memory probes --------------------------------------------------------------------------- */

static sigjmp_buf probe_jump;
static volatile sig_atomic_t probing, probe_signal, probe_access, stop_signal;

enum { PROBE_LOAD_STORE = 1, PROBE_FETCH = 2, PROBE_FETCHING = 3 };
#define TRAP_FLAG 0x100
#define PF_WRITE 0x2  /* x86 page-fault error code: the access was a store */
#define PF_INSTR 0x10 /* ... an instruction fetch */
static volatile uint64_t fetch_target;

/* The access kind a SIGSEGV or SIGBUS reports, from the page-fault error code. */
static int access_of(const ucontext_t *uc)
{
    long long err = uc->uc_mcontext.gregs[REG_ERR];
    return err & PF_INSTR ? 8 : err & PF_WRITE ? 1 : 0;
}

/* A probe's signal. A fetch probe first meets the single-step trap at the target (the call
 * there has just run): the trap flag stays set for the target's one instruction; then a fault
 * of the fetch itself (at the target, the error code's fetch bit set) is the answer, and anything
 * else (the trap after the instruction, or what the instruction raised) means the fetch went
 * through. The kernel clears the trap flag for the handler, so the jump out leaves it clear. */
static void on_fault(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    if (!probing) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    if (probing == PROBE_FETCH && sig == SIGTRAP) {
        if ((uint64_t)uc->uc_mcontext.gregs[REG_RIP] == fetch_target)
            probing = PROBE_FETCHING;
        uc->uc_mcontext.gregs[REG_EFL] |= TRAP_FLAG;
        return;
    }
    int fetch_fault = (sig == SIGSEGV || sig == SIGBUS) &&
                      (uint64_t)(uintptr_t)info->si_addr == fetch_target &&
                      (uc->uc_mcontext.gregs[REG_ERR] & PF_INSTR);
    if (probing == PROBE_LOAD_STORE || fetch_fault) {
        probe_signal = sig;
        probe_access = access_of(uc);
    }
    siglongjmp(probe_jump, 1);
}

/* call *%rax with the trap flag set: the single-step trap comes at the target, before its fetch. */
static void fetch_with_trap(uint64_t target)
{
    __asm__ volatile("pushfq\n\t"
                     "orl $0x100, (%%rsp)\n\t"
                     "popfq\n\t"
                     "call *%0\n\t"
                     :
                     : "r"(target)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
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
    sigaction(SIGTRAP, &sa, NULL); /* the fetch probe's single steps, and what one instruction */
    sigaction(SIGILL, &sa, NULL);  /* run at a scenario's address may raise */
    sigaction(SIGFPE, &sa, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a dead child's pipe gives EPIPE, answered as a refusal */
}

/* read ADDR / write ADDR BYTE: one access, answering the byte read (or for a write the signal)
 * and the signal it raised. */
static void do_access(const AgentRequest *r, int write)
{
    if (!inside_owned(r->v[0], 1)) {
        refuse("an address outside the scenario's memory: ", write ? "write" : "read");
        return;
    }
    volatile uint8_t *p = P(r->v[0]);
    uint8_t value = 0;
    probe_signal = 0;
    probe_access = 0;
    uint32_t pkru = pkru_read();
    if (sigsetjmp(probe_jump, 1) == 0) {
        probing = PROBE_LOAD_STORE;
        if (write)
            *p = (uint8_t)r->v[1];
        else
            value = *p;
    }
    probing = 0;
    pkru_write(pkru);
    answer_start(write ? probe_signal : value, 0);
    answer_more(probe_signal ? (uint64_t)probe_access : 0);
    answer_end();
    probe_signal = 0;
}

void do_read(const AgentRequest *r) { do_access(r, 0); }
void do_write(const AgentRequest *r) { do_access(r, 1); }

/* execute ADDR: one instruction fetch there (a call with the trap flag set: one instruction at
 * most runs); answers the signal the fetch raised, and its access kind. */
void do_execute(const AgentRequest *r)
{
    if (!inside_owned(r->v[0], 1)) {
        refuse("an address outside the scenario's memory: ", "execute");
        return;
    }
    probe_signal = 0;
    probe_access = 0;
    fetch_target = r->v[0];
    uint32_t pkru = pkru_read();
    if (sigsetjmp(probe_jump, 1) == 0) {
        probing = PROBE_FETCH;
        fetch_with_trap(r->v[0]);
    }
    probing = 0;
    pkru_write(pkru);
    answer_start(probe_signal, 0);
    answer_more(probe_signal ? (uint64_t)probe_access : 0);
    answer_end();
    probe_signal = 0;
}

/* A call that may raise a signal (SIGILL for glibc's pkey_set and pkey_get without keys): its
 * result and errno answered with the signal it raised. */
void do_probed_call(const AgentRequest *r, long (*call)(const AgentRequest *r))
{
    volatile long result = 0;
    volatile int error = 0;
    probe_signal = 0;
    uint32_t pkru = pkru_read();
    if (sigsetjmp(probe_jump, 1) == 0) {
        probing = PROBE_LOAD_STORE;
        errno = 0;
        result = call(r);
        error = errno;
    }
    probing = 0;
    if (probe_signal)
        pkru_write(pkru);
    answer_start(probe_signal ? 0 : (uint64_t)result, !probe_signal && result == -1 ? error : 0);
    answer_end();
    probe_signal = 0;
}

/* ---- Answers --------------------------------------------------------------------------------- */

void answer_start(uint64_t ret, int error)
{
    printf("= %" PRIx64 " %x 0 %x", ret, (unsigned)error, (unsigned)probe_signal);
}

void answer_more(uint64_t value) { printf(" %" PRIx64, value); }

/* A string in an answer, as in a request: 's' and hex bytes. */
void answer_string(const char *s)
{
    printf(" s");
    for (; *s; s++)
        printf("%02x", (unsigned char)*s);
}

void answer_end(void)
{
    putchar('\n');
    fflush(stdout);
}

void answer_result(long result, int error)
{
    answer_start((uint64_t)result, result == -1 ? error : 0);
    answer_end();
}

void answer_call(long result) { answer_result(result, errno); }

void refuse(const char *why, const char *what)
{
    printf("! %s%s\n", why, what);
    fflush(stdout);
}

/* ---- The loop -------------------------------------------------------------------------------- */

/* Serves one request; 0 at quit. */
static int dispatch(const AgentRequest *r)
{
    if (strcmp(r->name, "quit") == 0 && r->count == 0)
        return 0;
    static const char *const pinning[] = {"file", "open", "memfd_create", "shm_open"};
    const AgentCall *call = agent_find(agent_calls, agent_call_count, r);
    if (!call)
        call = agent_find(lock_calls, lock_call_count, r);
    if (!call)
        call = agent_find(pkey_calls, pkey_call_count, r);
    for (size_t i = 0; call && locks_future() && i < AGENT_COUNT(pinning); i++)
        if (strcmp(r->name, pinning[i]) == 0) {
            refuse("a file after mlockall(MCL_FUTURE) (the agent's pin of it would read it in): ",
                   r->name);
            return 1;
        }
    if (call)
        call->serve(r);
    else
        refuse("not a call this agent knows (with that many arguments): ", r->name);
    return 1;
}

/* Serves one request line: "@N " sends it to child N, "@0 " or none is for this process. 0 at
 * quit. */
static int serve(char *line)
{
    AgentRequest r;
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
    if (!agent_parse(line, &r, 0)) {
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
    brk_keep_malloc_off();
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
        fprintf(stderr, "vadsim-agent-posix: cannot measure the file system of %s: %s\n", file_dir,
                strerror(errno));
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
    brk_take_window();   /* nothing of the agent's may be mapped in it afterwards */
    datalimit_measure(); /* its probe lands below the arena, and is gone again */
    stack_take();        /* last: its probes land below the arena, and are gone again */
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
