/*
 * pkeys.c - the POSIX agent's protection-key calls: pkey_alloc, pkey_free and pkey_mprotect (the
 * kernel's), pkey_set and pkey_get (glibc's: WRPKRU and RDPKRU, which raise SIGILL on a CPU
 * without protection keys, so they are made under a probe).
 *
 * The agent's own memory - its code, stack, heap and the pins of the scenario's files - has key
 * 0, so the scenario may never take access to key 0 away from the agent's thread: pkey_set of key
 * 0 with any rights but 0 is refused, and so is pkey_free(0) on a CPU with keys, after which
 * pkey_alloc could hand key 0 out with rights of its own. pkey_mprotect is made on the scenario's
 * memory only. A fault the agent catches runs its handler with the kernel's initial PKRU, and the
 * jump out of it keeps that: every probe puts the scenario's PKRU back (vadsim-agent-posix.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vadsim-agent-posix.h"

uint32_t pkru_read(void)
{
    uint32_t eax, edx;
    if (!machine.execute_only)
        return 0;
    __asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0)); /* rdpkru */
    return eax;
}

void pkru_write(uint32_t value)
{
    if (machine.execute_only)
        __asm__ volatile(".byte 0x0f, 0x01, 0xef" : : "a"(value), "c"(0), "d"(0)); /* wrpkru */
}

static void do_pkey_alloc(const AgentRequest *r)
{
    answer_call(syscall(SYS_pkey_alloc, r->v[0], r->v[1]));
}

/* pkey_free KEY: the key as the kernel takes it, a C int. */
static void do_pkey_free(const AgentRequest *r)
{
    if ((int)r->v[0] == 0 && machine.execute_only) {
        refuse("pkey_free of key 0, every mapping's default, which the agent's own memory has: ",
               "pkey_free");
        return;
    }
    answer_call(syscall(SYS_pkey_free, (int)r->v[0]));
}

static long call_pkey_mprotect(const AgentRequest *r)
{
    return syscall(SYS_pkey_mprotect, r->v[0], r->v[1], r->v[2], (int)r->v[3]);
}

static void do_pkey_mprotect(const AgentRequest *r)
{
    do_range_call(r, "pkey_mprotect", call_pkey_mprotect);
}

static long call_pkey_set(const AgentRequest *r)
{
    return pkey_set((int)r->v[0], (unsigned)r->v[1]);
}

/* pkey_set KEY RIGHTS: refused where it would take key 0 away from the agent itself. */
static void do_pkey_set(const AgentRequest *r)
{
    if ((int)r->v[0] == 0 && (unsigned)r->v[1] != 0) {
        refuse("pkey_set of rights for key 0, which the agent's own memory has: ", "pkey_set");
        return;
    }
    do_probed_call(r, call_pkey_set);
}

static long call_pkey_get(const AgentRequest *r) { return pkey_get((int)r->v[0]); }

static void do_pkey_get(const AgentRequest *r) { do_probed_call(r, call_pkey_get); }

const AgentCall pkey_calls[] = {
    {"pkey_alloc", 2, do_pkey_alloc},       {"pkey_free", 1, do_pkey_free},
    {"pkey_mprotect", 4, do_pkey_mprotect}, {"pkey_set", 2, do_pkey_set},
    {"pkey_get", 1, do_pkey_get},
};

const size_t pkey_call_count = AGENT_COUNT(pkey_calls);
