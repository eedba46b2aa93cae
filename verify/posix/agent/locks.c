/*
 * locks.c - the POSIX agent's locking calls (mlock, mlock2, munlock, mlockall, munlockall, and
 * mseal, which locks a mapping's layout), the scenario's RLIMIT_MEMLOCK (setrlimit), smaps, which
 * reads one VMA's counters, and process_vm_readv/writev, which reach another scenario process.
 *
 * The model's process is an ordinary one with no limit until the scenario sets one. The agent has
 * no limit either (machine.c), or CAP_IPC_LOCK, which does as well; while the scenario's limit is
 * finite the agent leaves CAP_IPC_LOCK out of its effective set, and takes it back when the
 * scenario lifts the limit. But the agent locks memory of its own - its pins of the scenario's
 * files (pagecache.c) - and the kernel counts that in the same mm->locked_vm the limit is checked
 * against. So while the scenario's limit is finite the agent's real soft limit is the scenario's
 * plus what the agent itself has locked (outside the scenario's memory, read from smaps), set
 * again before every call the limit decides (the pins come and go, a forked child's are not
 * locked); a limit of 0 stays 0, since 0 is what makes mlock EPERM. One the hard limit cannot
 * hold is refused. To leave the most room, the pins are unlocked while the limit is finite
 * (mapped, they still keep DAMON's reclaim away) and locked again when it is lifted.
 *
 * mlockall acts on the whole process, the agent included. MCL_CURRENT would populate the pins
 * (they lose VM_LOCKONFAULT), reading the scenario's files into the page cache, so it is refused
 * while the agent holds a pin; MCL_FUTURE would populate every pin made later, so file requests
 * are refused while it is in force (the request loop asks locks_future); and both are refused
 * under a finite limit but 0, which would count the agent's own memory (total_vm, locked_vm).
 * munlockall also unlocks the pins, which the next pin refresh maps again (mapped is enough against
 * the reclaim pagecache.c fears most).
 *
 * smaps first drains this CPU's batch of lazily freed pages (MADV_COLD of a page of the agent's
 * own runs lru_add_drain), so LazyFree counts every page MADV_FREE let go, as the model does at
 * once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arena.h"
#include "maps.h"
#include "pagecache.h"
#include "vadsim-agent-posix.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#define SYS_mseal_ 462 /* every architecture since 6.10; glibc 2.36 knows no mseal */
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static uint64_t scenario_limit = RLIM_INFINITY; /* the scenario's RLIMIT_MEMLOCK */
static int future_locked;                       /* mlockall(MCL_FUTURE) in force */
static unsigned char scratch[1 << 12] __attribute__((aligned(1 << 12)));

/* A "Name:   value kB" line's value, or -1 if text is not that line. */
static long long counter(const char *text, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(text, name, n) != 0 || text[n] != ':')
        return -1;
    return strtoll(text + n + 1, NULL, 10);
}

/* Whether a VMA is VM_LOCKED and outside the scenario's memory: the agent's own locked memory. */
static int own_locked_vma(const MapsLine *vma, const char *vm_flags)
{
    return smaps_has_flag(vm_flags, "lo") && !inside_owned(vma->start, 1);
}

static uint64_t own_locked(void) { return smaps_bytes(own_locked_vma); }

/* Puts CAP_IPC_LOCK in the effective set (on) or takes it out, as far as it is permitted. */
static void ipc_lock(int on)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    uint32_t bit = 1u << (CAP_IPC_LOCK % 32);
    if (syscall(SYS_capget, &header, data) != 0)
        return;
    if (on)
        data[CAP_IPC_LOCK / 32].effective |= data[CAP_IPC_LOCK / 32].permitted & bit;
    else
        data[CAP_IPC_LOCK / 32].effective &= ~bit;
    syscall(SYS_capset, &header, data);
}

/* The real soft limit for the scenario's limit (see the head comment): the most the hard limit
 * allows when that is lower. */
void locks_prepare(void)
{
    static int finite; /* the real limit is finite now */
    struct rlimit rl;
    if (scenario_limit == RLIM_INFINITY && !finite)
        return;
    if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
        return;
    rl.rlim_cur = rl.rlim_max;
    if (scenario_limit != RLIM_INFINITY) {
        uint64_t want = scenario_limit ? scenario_limit + own_locked() : 0;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max ? want : rl.rlim_max;
    }
    setrlimit(RLIMIT_MEMLOCK, &rl);
    if (finite != (scenario_limit != RLIM_INFINITY))
        pins_lock(finite); /* the limit was finite and is lifted, or the other way round */
    finite = scenario_limit != RLIM_INFINITY;
    ipc_lock(!finite);
}

int locks_future(void) { return future_locked; }

void locks_after_fork(void) { future_locked = 0; /* mm->def_flags is not inherited */ }

/* mlock ADDR LEN, mlock2 ADDR LEN FLAGS, munlock ADDR LEN: on owned ranges, the arena there
 * exposed (a hole is ENOMEM as in the model). */
static long call_mlock(const AgentRequest *r) { return mlock(P(r->v[0]), r->v[1]); }
static long call_mlock2(const AgentRequest *r)
{
    return mlock2(P(r->v[0]), r->v[1], (unsigned)r->v[2]);
}
static long call_munlock(const AgentRequest *r) { return munlock(P(r->v[0]), r->v[1]); }

static void do_lock(const AgentRequest *r, const char *name, RangeCall call)
{
    locks_prepare();
    do_range_call(r, name, call);
}

static void do_mlock(const AgentRequest *r) { do_lock(r, "mlock", call_mlock); }
static void do_mlock2(const AgentRequest *r) { do_lock(r, "mlock2", call_mlock2); }
static void do_munlock(const AgentRequest *r) { do_lock(r, "munlock", call_munlock); }

/* mlockall FLAGS (see the head comment for what is refused). */
static void do_mlockall(const AgentRequest *r)
{
    int flags = (int)r->v[0];
    if (scenario_limit != RLIM_INFINITY && scenario_limit != 0) { /* 0: EPERM whatever it maps */
        refuse("mlockall under a finite RLIMIT_MEMLOCK (it would count the agent's own memory): ",
               "mlockall");
        return;
    }
    if ((flags & MCL_CURRENT) && pins_held()) {
        refuse("mlockall(MCL_CURRENT) while the agent pins a file (it would read the file in): ",
               "mlockall");
        return;
    }
    errno = 0;
    long result = mlockall(flags);
    int error = errno;
    if (result == 0)
        future_locked = (flags & MCL_FUTURE) != 0;
    answer_result(result, error);
}

static void do_munlockall(const AgentRequest *r)
{
    (void)r;
    errno = 0;
    long result = munlockall();
    int error = errno;
    if (result == 0)
        future_locked = 0;
    if (scenario_limit == RLIM_INFINITY)
        pins_lock(1); /* munlockall unlocked them too */
    answer_result(result, error);
}

/* setrlimit RESOURCE LIMIT: RLIMIT_MEMLOCK's soft limit, or RLIMIT_DATA's (datalimit.c), the
 * limits the model keeps. */
static void do_setrlimit(const AgentRequest *r)
{
    if (r->v[0] == RLIMIT_DATA) {
        if (datalimit_set(r->v[1]))
            answer_result(0, 0);
        else
            refuse("a limit the agent's hard RLIMIT_DATA cannot hold: ", "setrlimit");
        return;
    }
    if (r->v[0] != RLIMIT_MEMLOCK) {
        refuse("a limit other than RLIMIT_MEMLOCK and RLIMIT_DATA (the model keeps no other): ",
               "setrlimit");
        return;
    }
    if (r->v[1] != RLIM_INFINITY && future_locked) {
        refuse("a finite RLIMIT_MEMLOCK after mlockall(MCL_FUTURE) (the agent's own mappings "
               "would count): ",
               "setrlimit");
        return;
    }
    struct rlimit rl;
    if (r->v[1] != RLIM_INFINITY)
        pins_lock(0);
    if (r->v[1] != RLIM_INFINITY && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
        rl.rlim_max != RLIM_INFINITY && r->v[1] + own_locked() > rl.rlim_max) {
        refuse("a limit the agent's hard RLIMIT_MEMLOCK cannot hold: ", "setrlimit");
        return;
    }
    scenario_limit = r->v[1];
    locks_prepare();
    answer_result(0, 0);
}

/* smaps ADDR: the counters of the VMA holding ADDR, in the model's order (Size Rss Pss Anonymous
 * LazyFree AnonHugePages Locked in kB, then lo, lf and sl), or -1 ENOENT. */
static void do_smaps(const AgentRequest *r)
{
    static const char *const names[] = {"Size",     "Rss",           "Pss",   "Anonymous",
                                        "LazyFree", "AnonHugePages", "Locked"};
    uint64_t values[10] = {0};
    MapsReader m;
    MapsLine l;
    int is_vma, found = 0, inside = 0;
    if (!inside_owned(r->v[0], 1)) {
        refuse("an address outside the scenario's memory: ", "smaps");
        return;
    }
    scratch[0] = 1;
    if (madvise(scratch, sizeof scratch, MADV_COLD) != 0 && mlock(scratch, sizeof scratch) == 0)
        munlock(scratch, sizeof scratch); /* a locked page takes no MADV_COLD: drain so */
    if (!smaps_open(&m)) {
        answer_result(-1, errno);
        return;
    }
    for (const char *text; (text = maps_next_text(&m, &l, &is_vma));) {
        if (is_vma) { /* an arena piece is free space to the scenario */
            inside = l.start <= r->v[0] && r->v[0] < l.end && !arena_is_piece(&l);
            found |= inside;
            continue;
        }
        for (size_t i = 0; inside && i < sizeof names / sizeof names[0]; i++)
            if (counter(text, names[i]) >= 0)
                values[i] = (uint64_t)counter(text, names[i]);
        if (inside && strncmp(text, "VmFlags:", 8) == 0)
            values[7] = smaps_has_flag(text, "lo"), values[8] = smaps_has_flag(text, "lf"),
            values[9] = smaps_has_flag(text, "sl");
    }
    maps_close(&m);
    answer_start(found ? 0 : (uint64_t)-1, found ? 0 : ENOENT);
    for (size_t i = 0; found && i < 10; i++)
        answer_more(values[i]);
    answer_end();
}

/* mseal ADDR LEN FLAGS: on an owned range, the arena there exposed (a hole is ENOMEM). A seal
 * is for good: the agent never unmaps the scenario's memory itself, so nothing of its own needs
 * the range again. */
static long call_mseal(const AgentRequest *r)
{
    return syscall(SYS_mseal_, r->v[0], r->v[1], r->v[2]);
}

static void do_mseal(const AgentRequest *r) { do_range_call(r, "mseal", call_mseal); }

/* process_vm_readv PID LOCAL REMOTE LEN FLAGS, process_vm_writev likewise: one iovec each side.
 * The local range must be owned (its arena pieces exposed, so they are holes as in the model);
 * the harness has checked the remote one is the other process's scenario memory and put its real
 * pid in. */
static void do_process_vm(const AgentRequest *r, const char *name, int write)
{
    const uint64_t *v = r->v;
    Exposure e = {0};
    if (v[3] && !inside_owned(v[1], v[3])) {
        refuse("a local range outside the scenario's memory: ", name);
        return;
    }
    if (v[3])
        expose_add(&e, v[1], v[3]);
    if (!arena_expose(&e)) {
        arena_refill(&e);
        refuse("the agent could not clear its arena for the call: ", name);
        return;
    }
    struct iovec local = {P(v[1]), v[3]}, remote = {P(v[2]), v[3]};
    errno = 0;
    long result = write ? process_vm_writev((pid_t)v[0], &local, 1, &remote, 1, v[4])
                        : process_vm_readv((pid_t)v[0], &local, 1, &remote, 1, v[4]);
    int error = errno;
    arena_refill(&e);
    answer_result(result, error);
}

static void do_process_vm_readv(const AgentRequest *r) { do_process_vm(r, "process_vm_readv", 0); }
static void do_process_vm_writev(const AgentRequest *r)
{
    do_process_vm(r, "process_vm_writev", 1);
}

const AgentCall lock_calls[] = {
    {"mlock", 2, do_mlock},
    {"mlock2", 3, do_mlock2},
    {"munlock", 2, do_munlock},
    {"mlockall", 1, do_mlockall},
    {"munlockall", 0, do_munlockall},
    {"setrlimit", 2, do_setrlimit},
    {"smaps", 1, do_smaps},
    {"mseal", 3, do_mseal},
    {"process_vm_readv", 5, do_process_vm_readv},
    {"process_vm_writev", 5, do_process_vm_writev},
};

const size_t lock_call_count = AGENT_COUNT(lock_calls);
