/*
 * vadsim-agent-posix.h - what the POSIX agent's files share: the scenario's memory and files, the
 * machine the agent measured, and answers.
 *
 *   vadsim-agent-posix.c   start-up, the request loop, the memory probes, answers
 *   calls.c                the memory calls, one table row per request
 *   files.c                the scenario's files, memfds and shm objects
 *   children.c             fork: the children standing for the model's forked processes
 *   locks.c                mlock and its family, mseal, the scenario's RLIMIT_MEMLOCK, smaps
 *   pkeys.c                protection keys: pkey_alloc, pkey_free, pkey_mprotect, pkey_set/get,
 *                          process_vm_readv/writev
 *   brk.c                  the program break: malloc kept off it, brk and sbrk
 *   stack.c                the main thread's stack: made the model's size, its room taken
 *   datalimit.c            the scenario's RLIMIT_DATA, with the agent's own data counted in
 */
#ifndef VS_POSIX_AGENT_H
#define VS_POSIX_AGENT_H

#include <stdint.h>
#include <sys/types.h>

#include "filesystem.h"
#include "machine.h"
#include "maps.h"
#include "protocol.h"
#include "rangeset.h"

#define AGENT_PROTOCOL_VERSION 7
#define AGENT_FD_BASE 900 /* the agent's own descriptors are moved to here and above */
#define MAX_CHILDREN 64

#define P(x) ((void *)(uintptr_t)(x))

/* ---- vadsim-agent-posix.c ---- */

extern RangeSet owned; /* the scenario's: the arena and what the kernel placed */
extern uint64_t page_size;
extern FileSystemFacts file_system; /* measured at start, in file_dir */
extern MachineFacts machine;        /* made the same or measured at start (machine.c) */
extern pid_t top_pid;               /* the agent the harness started (children share files) */
extern char file_dir[64];           /* the private directory of the scenario's files */
extern char shm_prefix[32];         /* "vadsim-PID-": the scenario's shm names go in after it */

uint64_t page_down(uint64_t a);
uint64_t page_up(uint64_t a);
/* Whether [start, start + length) is the scenario's memory (a length 0 names one byte). */
int inside_owned(uint64_t start, uint64_t length);
/* Moves a descriptor of the agent's to AGENT_FD_BASE or above, closing the original: the
 * scenario's descriptors then start at 3 as in the model. -1 if it cannot. */
int move_high(int fd);
/* Whether fd is the agent's own (0-2, or moved high): calls naming it answer EBADF. */
int agent_fd(int fd);

/* Answers: "= RET ERRNO 0 SIGNAL", more numbers or a string ('s' and hex bytes), the end. */
void answer_start(uint64_t ret, int error);
void answer_more(uint64_t value);
void answer_string(const char *s);
void answer_end(void);
/* A call's result and the errno it left (only meaningful when it returned -1). */
void answer_result(long result, int error);
/* The same for a call just made, as answer_call(call(...)): errno is read after the call. */
void answer_call(long result);
/* "! why what": the request is not carried out. */
void refuse(const char *why, const char *what);

/* read ADDR, write ADDR BYTE: one access, its fault caught. */
void do_read(const AgentRequest *r);
void do_write(const AgentRequest *r);
void do_execute(const AgentRequest *r);
/* A call that may raise a signal, made under a probe: answered with its result, errno and the
 * signal (the answer is ended). */
void do_probed_call(const AgentRequest *r, long (*call)(const AgentRequest *r));

/* ---- calls.c ---- */

extern const AgentCall agent_calls[];
extern const size_t agent_call_count;

/* A call on an owned range ADDR LEN (its first two arguments), made with the arena there exposed
 * and answered; refused if the range is not the scenario's. */
typedef long (*RangeCall)(const AgentRequest *r);
void do_range_call(const AgentRequest *r, const char *name, RangeCall call);

/* ---- locks.c ---- */

extern const AgentCall lock_calls[];
extern const size_t lock_call_count;
/* Sets the real RLIMIT_MEMLOCK for the scenario's before a call it decides (mmap, mremap and the
 * mlock family). */
void locks_prepare(void);
/* Whether mlockall(MCL_FUTURE) is in force; in a new child, it is not. */
int locks_future(void);
void locks_after_fork(void);

/* ---- pkeys.c ---- */

extern const AgentCall pkey_calls[];
extern const size_t pkey_call_count;
/* The thread's PKRU where the CPU has protection keys (0 where not), and putting it back: a
 * signal handler runs with the kernel's initial PKRU, and a jump out of it keeps that. */
uint32_t pkru_read(void);
void pkru_write(uint32_t value);

/* ---- files.c ---- */

void do_file(const AgentRequest *r);
void do_open(const AgentRequest *r);
void do_shm_open(const AgentRequest *r);
void do_shm_unlink(const AgentRequest *r);
void do_memfd_create(const AgentRequest *r);
/* At quit: the scenario's files and shm objects, its children's too (they share the names). */
void remove_files(void);

/* ---- brk.c ---- */

#define BRK_WINDOW (1ull << 30)     /* the room above start_brk that is the scenario's */
extern uint64_t scenario_start_brk; /* start_brk, 0 if brk is not the scenario's */
/* First thing in main: malloc maps its memory, never moving the break. */
void brk_keep_malloc_off(void);
/* At the end of start-up: takes the window above start_brk for the scenario, if the break is
 * still there and nothing is mapped in it; 0 if not (brk and sbrk are then refused). */
int brk_take_window(void);
void do_brk(const AgentRequest *r);
void do_sbrk(const AgentRequest *r);

/* ---- datalimit.c ---- */
/* setrlimit(RLIMIT_DATA): the scenario's soft limit; 0 if the hard limit cannot hold it with the
 * agent's own data. */
int datalimit_set(uint64_t limit);
/* Sets the real soft limit for the scenario's before a call it decides. */
void datalimit_prepare(void);
/* The same before brk from now to wanted (datalimit.c); 0 where the kernel's answer could differ
 * from the one the model's process would get: refuse it. */
int datalimit_prepare_brk(uint64_t start_brk, uint64_t now, uint64_t wanted);
/* At start: whether a data mapping past the limit is let through (the boot parameter
 * ignore_rlimit_data), into ignore_rlimit_data. */
extern uint64_t ignore_rlimit_data;
void datalimit_measure(void);

/* ---- stack.c ---- */
#define STACK_REACH (64ull << 20)   /* the room below the stack's end that is the scenario's */
extern uint64_t scenario_stack_end; /* the real [stack]'s end, 0 if it is not the scenario's */
extern uint64_t stack_guard_gap;    /* stack_guard_gap as measured, in bytes (0: unknown) */
/* At the end of start-up: the stack made the model's initial size, the room below it taken for
 * the scenario, the guard gap measured; 0 if the stack cannot be the scenario's. */
int stack_take(void);
/* Whether a maps line is the scenario's main-thread stack (reported though it starts above the
 * scenario's room). */
int stack_is_scenarios(const MapsLine *l);

/* ---- children.c ---- */

void do_fork(const AgentRequest *r);
/* Sends a request line to child index ("@N") and relays its answer, or refuses. */
void forward(int index, const char *line);
/* Kills and reaps every child still running (at quit). */
void end_children(void);

#endif /* VS_POSIX_AGENT_H */
