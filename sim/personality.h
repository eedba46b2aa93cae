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
    const char *name;
    /* The address space a process of the personality gets on arch, or NULL where the
     * personality does not run: its user range, and where allocations may start. */
    const VsLayout *(*layout)(VsArch arch);
};

#endif /* VS_PERSONALITY_H */
