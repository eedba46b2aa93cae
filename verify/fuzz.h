/*
 * fuzz.h - random call sequences in the model and a real system side by side (vadsim fuzz).
 *
 * A seed fixes the sequence. The backend's generator (generator.h) makes calls that are well
 * formed but biased toward the edges where memory managers differ: page and granule boundaries,
 * ranges that straddle allocations, released and decommitted ranges, guard pages, bad flags.
 * Fixed addresses fall in an arena both systems have free at the same place; addresses each
 * system chose are related between the two (relations.h). Each call runs in the model, its
 * invariant checker after it, and is mirrored to the backend's agent and judged; where the
 * backend compares state beyond the call (the Win32 arena walks), a difference there adds a call
 * that shows it, so a hidden difference becomes a compared call.
 *
 * The first unexplained divergence stops the run, and so does the real system dying (the agent
 * crashes or hangs) at a call: that call is the finding. A fresh run checks that the sequence comes
 * to it again; the sequence is then shrunk (shrink.h: first one try without every call that left
 * the model's memory as it was, then delta debugging, each try in a fresh agent) and written as a
 * .vsim scenario that `vadsim verify` reproduces. Without an agent the model runs alone, its
 * invariant checker after every call; a broken invariant is shrunk alike.
 */
#ifndef VS_VERIFY_FUZZ_H
#define VS_VERIFY_FUZZ_H

#include "backend.h"
#include "known.h"

/* A progress line, without the "fuzz: " prefix: calls made, or how shrinking goes. */
typedef void (*VsFuzzProgress)(void *context, const char *line);

typedef struct VsFuzzOptions {
    const VsBackend *backend; /* whose calls, and whose agent */
    guint64 seed;
    guint64 calls;
    const VsAgentCommand *agent; /* NULL: the model alone */
    const VsKnownList *known;
    const char *reproducer_dir; /* where a shrunk .vsim is written */
    uint64_t ram_bytes;         /* the model's RAM (its page file as large); 0: the default */
    bool model_pkeys; /* the model alone: its CPU has protection keys (execonly=pkey), which an
                       * agent's hello says otherwise */
    bool model_thp;   /* the model alone: transparent huge pages in madvise mode, the huge zero
                       * page on (thp=madvise), and the generator's calls that stress them; no
                       * agent, since no kernel's huge pages can be made to follow the calls
                       * deterministically (khugepaged, fragmentation) */
    VsFuzzProgress progress; /* called every few seconds; may be NULL */
    void *progress_context;
} VsFuzzOptions;

typedef struct VsFuzzReport {
    guint64 calls;  /* calls made in the model (and compared, with an agent) */
    guint64 probes; /* of those, calls added where the systems' states differed */
    double seconds;
    guint64 matched, known, unsupported;
    GHashTable *tally; /* known entry id (or why refused) -> calls it explained (guint) */
    gboolean found;    /* an unexplained divergence or a broken invariant */
    char *finding;     /* what it was, in words */
    char *reproducer;  /* the .vsim written, or NULL */
    char *fresh;       /* what a fresh run of the calls found instead, when not the finding */
    gboolean varies;   /* the shrunk sequence came to it, then missed it in a last run */
    guint64 shrunk_from, shrunk_to, shrink_runs;
    const char *backend; /* the real system: "wine", "windows", "linux"; or "model" */
    char label[40];      /* and its version, as reports name it: "wine 10.0" */
    char option[40];     /* what picks it again on a command line: "--wine=10.0 ", or "" */
} VsFuzzReport;

/* Runs the fuzzer. FALSE with *error set when the agent cannot be started or is lost. */
gboolean vs_fuzz_run(const VsFuzzOptions *options, VsFuzzReport *report, GError **error);
void vs_fuzz_report_clear(VsFuzzReport *report);

#endif /* VS_VERIFY_FUZZ_H */
