/*
 * generator.h - what a backend's generator of random calls is given and gives (one generator per
 * backend: win32/generate.c, posix/generate.c; one driver: fuzz.c).
 *
 * A sequence is a GArray of VsFuzzCall. Its addresses are symbolic: an offset into the arena (free
 * address space both systems have at the same place, as the generator arranged), into what an
 * earlier call returned (an allocation, a mapping), named by that call's id, or an absolute
 * address; a handle or descriptor argument may likewise name the call that returned it. The
 * driver resolves the names against what this run's model returned, so the same sequence runs
 * again after calls are dropped from it by shrinking: a call whose name is gone is skipped.
 *
 * The driver runs each call in the model (its invariant checker after it), mirrors it to the
 * backend's session, and tells the generator what it did (track), so the generator aims later
 * calls at what is there. Reproducers are written by the driver, each call by the generator.
 */
#ifndef VS_VERIFY_GENERATOR_H
#define VS_VERIFY_GENERATOR_H

#include <glib.h>

#include "op.h"

#define VS_FUZZ_ABSOLUTE (-1) /* an argument as it is */
#define VS_FUZZ_ARENA (-2)    /* an offset into the run's arena */

typedef struct VsFuzzCall {
    VsOp op;
    guint id;       /* its index in the sequence as generated: what it returns is named by it */
    gint base;      /* its (first) address argument: VS_FUZZ_ABSOLUTE, VS_FUZZ_ARENA, or an
                     * offset into what call 'base' returned */
    gint base2;     /* its second address argument (mremap's new_address), likewise */
    gint handle_of; /* the call whose handle or descriptor its handle argument is, or
                     * VS_FUZZ_ABSOLUTE */
    gint process;   /* the process that makes it: VS_FUZZ_ABSOLUTE for the run's own, else the
                     * call that made the process (a fork), whose generator says which it is */
    gboolean probe; /* a call the driver added where the two systems' states differed */
} VsFuzzCall;

/* A call with nothing named yet: every argument absolute, made by the run's own process. */
#define VS_FUZZ_CALL(call_id)                                                                      \
    ((VsFuzzCall){.id = (call_id),                                                                 \
                  .base = VS_FUZZ_ABSOLUTE,                                                        \
                  .base2 = VS_FUZZ_ABSOLUTE,                                                       \
                  .handle_of = VS_FUZZ_ABSOLUTE,                                                   \
                  .process = VS_FUZZ_ABSOLUTE})

/* Something a system placed where it chose, for later calls to aim into. */
typedef struct VsFuzzLive {
    guint id; /* the call that placed it */
    uint64_t size;
} VsFuzzLive;

typedef struct VsSession VsSession;

/* What a generator sees of a run. */
typedef struct VsFuzzRun {
    VsSystem *system;
    VsThread *thread;   /* the run's own process's */
    gint caller;        /* the process of the call being resolved, run and tracked (its
                         * VsFuzzCall.process) */
    VsSession *session; /* NULL: the model alone */
    uint64_t arena;     /* what VS_FUZZ_ARENA names: the generator sets it, at the start or as
                         * the call that reserves it runs */
    GArray *values;     /* uint64_t per call id: what later calls name of it (an address, a
                         * handle), 0 for nothing */
    GArray *live;       /* VsFuzzLive */
    bool thp;           /* the model alone, with transparent huge pages (madvise mode, the huge
                         * zero page on): the generator adds calls that stress them */
    void *generator;    /* the generator's own state for the run */
} VsFuzzRun;

/* What call id left for later calls to name, or 0; id may be VS_FUZZ_ARENA. */
uint64_t vs_fuzz_value(const VsFuzzRun *run, gint id);
void vs_fuzz_set_value(VsFuzzRun *run, guint id, uint64_t value);

/* The argument a call's handle_of names: its first handle (or descriptor) argument, or -1. */
int vs_fuzz_handle_arg(VsOpKind kind);

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
typedef struct VsRng {
    uint64_t state;
} VsRng;

static inline uint64_t vs_rng_next(VsRng *rng)
{
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t vs_rng_below(VsRng *rng, uint64_t n) { return n ? vs_rng_next(rng) % n : 0; }
static inline gboolean vs_rng_chance(VsRng *rng, unsigned percent)
{
    return vs_rng_below(rng, 100) < percent;
}

#define VS_RNG_PICK(rng, array) ((array)[vs_rng_below((rng), G_N_ELEMENTS(array))])

/* A number as a scenario writes it: decimal below 10, else hexadecimal; -1 as -1. */
char *vs_fuzz_number_text(uint64_t value);
/* An address argument as a scenario writes it: NULL, a number, "arena + 0x1000" or "m12"; name
 * gives what an id's value is called. */
char *vs_fuzz_address_text(gint base, uint64_t offset, char *(*name)(GArray *calls, gint id),
                           GArray *calls);

typedef struct VsGenerator {
    /* ---- The run ---- */
    VsArch arch; /* the model's machine */
    /* The personality its processes run under (vs_linux_personality), or NULL for Windows */
    const VsPersonality *(*personality)(void);
    const char *system;  /* the machine as a scenario's system line names it ("linux-x64") */
    const char *process; /* its process's name */
    guint prefix_calls;  /* the calls every sequence starts with (prefix): never shrunk */
    void (*prefix)(GArray *sequence);
    /* The generator's state for a run (run->generator); it may set run->arena. */
    void *(*start)(VsFuzzRun *run);
    void (*finish)(void *state);
    /* Whether the prefix made what the generator needs, else FALSE with *error; NULL: no check. */
    gboolean (*ready)(const VsFuzzRun *run, GError **error);

    /* ---- Calls ---- */
    VsFuzzCall (*generate)(const VsFuzzRun *run, VsRng *rng, guint id);
    /* The thread that makes call, whose process is not the run's own; NULL when that process is
     * gone (the call is skipped, as one whose names are gone). NULL hook: the run's own. */
    VsThread *(*thread)(const VsFuzzRun *run, const VsFuzzCall *call);
    /* Whether the agent takes op (resolved) as the model made it; NULL: every call. */
    gboolean (*takes)(const VsFuzzRun *run, const VsOp *op);
    /* Notes what a call made or released, for later calls to aim at (and sets its value). */
    void (*track)(VsFuzzRun *run, const VsFuzzCall *call, const VsOp *op, const VsOutcome *outcome);
    /* Whether a call left the model's memory as it was (shrinking drops such calls first). */
    gboolean (*inert)(const VsOp *op, const VsOutcome *outcome);

    /* ---- Comparing state ---- */
    /* After call (at sequence position id), compares the two systems' state beyond what the
     * session compared: TRUE where they differ, with the call to add there in *probe (when probe
     * is not NULL), and lifts what known divergences kept apart where they agree again. FALSE
     * with *error set when the agent is lost. NULL: the session compares all there is. */
    gboolean (*compare_state)(VsFuzzRun *run, const VsFuzzCall *call, guint id, VsFuzzCall *probe,
                              GError **error);
    /* More words for a finding: where the call aimed, in the model (free it); NULL: none. */
    char *(*aimed_at)(const VsFuzzRun *run, const VsOp *op);

    /* ---- The reproducer ---- */
    const char *option; /* the option vadsim fuzz and verify take for this backend, with a
                         * space after it ("--backend=posix "), or "" for the default */
    const char *title;  /* how its title starts: "fuzz seed" */
    guint intro_calls;  /* the calls of the prefix that the first step holds */
    /* The first step's line and what it sets up beyond the calls. */
    void (*write_intro)(GString *out, const VsFuzzRun *run);
    /* Call i of calls (the calls that ran) as a scenario line. */
    void (*write_call)(GString *out, GArray *calls, guint i);
} VsGenerator;

#endif /* VS_VERIFY_GENERATOR_H */
