/*
 * personality.h - what a personality gives the NT core: the only way the core reaches it.
 *
 * A personality runs its own processes over the core's VAD tree, page tables, PFN database,
 * working sets and sections, as NT ran WSL1's Linux processes through lxcore.sys, a pico provider
 * (PsRegisterPicoProvider: the provider hands NT a table of routines, and NT calls them where a
 * pico process needs something Windows would not do). The core declares the table and calls it;
 * it never includes or names a personality. A system has at most one (VsSystemConfig).
 */
#ifndef VS_PERSONALITY_H
#define VS_PERSONALITY_H

#include "vadsim/nt.h"

struct VsPersonality {
    /* ---- Its objects and its address space (system.c, process.c, file.c) */
    /* The objects the core allocates for the personality's processes begin with the core's own
     * structure and go on with the personality's fields, as MMVAD begins with MMVAD_SHORT: the
     * size of each such object (0 for the core's structure alone). */
    struct {
        size_t system;     /* the system (VsSystem): what the personality keeps machine-wide */
        size_t process;    /* each process (VsProcess: what NT keeps for a pico provider in
                            * EPROCESS's PicoContext, the personality keeps after it) */
        size_t thread;     /* each thread (VsThread; likewise ETHREAD's PicoContext) */
        size_t file;       /* each file (VsFile) */
        size_t mapped_vad; /* every long VAD (VsMappedVad) of the system */
    } sizes;
    /* The address space a process of the personality gets on arch, or NULL where the
     * personality does not run: its user range, and where allocations may start. */
    const VsLayout *(*layout)(VsArch arch);
    /* The system is going: let go of what the personality's parts of its objects hold (they
     * start zeroed), before the core frees the objects. NULL: they hold nothing. */
    void (*teardown)(VsSystem *system);
    /* The host bytes those parts hold besides their size (vs_system_host_bytes counts them with
     * the processes). NULL: none. */
    uint64_t (*host_bytes)(const VsSystem *system);

    /* ---- Memory accesses (fault.c) */
    /* An access by a thread of one of its processes to page vpn (a load, a store or a fetch):
     * the personality's own checks (a wrong access may be refused before any fault is looked
     * at), then vs_resolve_fault for what the core resolves, and whatever the personality's
     * state notes of it; STATUS_SUCCESS with *frame holding the page, or what the access raises.
     * thread is NULL for a page faulted in on the process's behalf (vs_fault_in), whose caller
     * made any check of the thread's own. NULL: the core's resolution alone. */
    VsStatus (*access)(VsProcess *process, VsThread *thread, uint64_t vpn, VsAccess access,
                       uint64_t *frame);
    /* Whether page vpn of a view, whose PTE would send the fault to the section's prototype PTE,
     * is the process's own page instead: it faults as a private page (demand zero) does. NULL:
     * no view page is. */
    bool (*view_page_private)(const VsVad *vad, uint64_t vpn);

    /* ---- The invariant checker (check.c) */
    /* The first thing wrong with the personality's own state of a VAD, or NULL. NULL: nothing
     * to check. */
    const char *(*check_vad)(const VsProcess *process, const VsVad *vad);
    /* Whether the personality maps large pages of its own in this VAD, which is no large-page VAD
     * (vs_large_page_map_private: Linux's transparent huge pages), so that a large PDE may lie in
     * it. NULL: it never does. */
    bool (*private_large_page)(const VsVad *vad);
    /* The commit a VAD of the personality's holds, when the personality charges commit its own
     * way (the core's rule, committed pages and copy-on-write views, then does not apply). NULL:
     * the core's rule. */
    uint64_t (*vad_commit)(const VsVad *vad);
};

#endif /* VS_PERSONALITY_H */
