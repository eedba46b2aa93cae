/*
 * machine.h - the machine under the scenario's calls: what the agent makes the same on every
 * machine, and what it measures of the CPU and the kernel's settings and reports in hello, since
 * the model must be told it and no scenario can know it.
 */
#ifndef VADSIM_AGENT_POSIX_MACHINE_H
#define VADSIM_AGENT_POSIX_MACHINE_H

#include <stdint.h>

/* MachineFacts.thp: the scenario's processes' transparent-huge-page mode under thp_advised
 * (0: one the model does not describe). */
enum { THP_MADVISE = 2, THP_NEVER = 3 };
/* MachineFacts.thp_zero: whether a load in a huge-page range maps the huge zero page
 * (transparent_hugepage/use_zero_page 1) or a huge page of its own (0); 0 if unreadable. */
enum { THP_ZERO_PAGE = 1, THP_NO_ZERO_PAGE = 2 };

/* The rlimits the agent could not lift (machine_settle): bits of MachineFacts.limited. */
enum { LIMIT_AS = 1, LIMIT_DATA = 2, LIMIT_MEMLOCK = 4, LIMIT_STACK = 8 };

typedef struct MachineFacts {
    uint64_t execute_only;  /* 1: PROT_EXEC alone is execute-only through a protection key */
    uint64_t kernel;        /* the release: major << 32 | minor << 16 | patch (at most 0xffff) */
    uint64_t anon_align;    /* 2 MiB if anonymous memory 2 MiB long is placed 2 MiB-aligned */
    uint64_t shmem_align;   /* 2 MiB if shmem (memfd, shm, shared anonymous) ever is, else a page */
    uint64_t overcommit;    /* vm.overcommit_memory */
    uint64_t max_map_count; /* vm.max_map_count */
    uint64_t swap_bytes;    /* SwapTotal */
    uint64_t limited;       /* LIMIT_*: the rlimits still in force */
    uint64_t huge_pages;    /* 1 if MAP_HUGETLB could get a page: a pool or overcommit of the
                             * default huge page size, or a default size other than 2 MiB */
    uint64_t thp;           /* THP_MADVISE, THP_NEVER, or 0 (machine_measure's thp_mode) */
    uint64_t thp_zero;      /* THP_ZERO_PAGE, THP_NO_ZERO_PAGE, or 0: use_zero_page unreadable */
} MachineFacts;

/* Makes the machine the same for the scenario, before anything is mapped: no transparent huge
 * pages for the agent and its children, no address-space, data or locked-memory limit, a stack
 * limit of 8 MiB (as far as the agent may set them: what stays is reported in limited). */
void machine_settle(MachineFacts *facts);

/* Measures the rest. Every probe maps below the arena and unmaps again, so placement is as it
 * was. 0, or -1 with errno set (a probe the kernel refused) or, for an execute-only probe that
 * faulted in a way no known CPU does, EPROTO. */
int machine_measure(uint64_t page_size, MachineFacts *facts);

#endif
