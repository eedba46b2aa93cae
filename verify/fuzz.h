/*
 * fuzz.h - random call sequences in the model and a real system side by side (vadsim fuzz).
 *
 * A seed fixes the sequence. Calls are well formed but biased toward the edges where memory
 * managers differ: granule and page boundaries, ranges that straddle allocations, released and
 * decommitted ranges, guard pages, bad flags. Fixed bases fall in an arena both systems reserved
 * (top-down) and released at the start, so each side has the same free room; NULL bases let each
 * system choose, and are paired (compare.h). After every call that changes memory the arena is
 * walked with VirtualQuery in both; where the walks differ a VirtualQuery of that address joins the
 * sequence, so a hidden difference becomes a compared call.
 *
 * The first unexplained divergence stops the run. The sequence up to it is then shrunk (first
 * one try without every call that left the model's memory as it was, then delta debugging: drop
 * chunks while the same call still diverges on the same field, each try in a fresh agent) and written as a .vsim scenario that `vadsim verify` reproduces. Without an agent the
 * model runs alone, its invariant checker after every call; a broken invariant is shrunk alike.
 */
#ifndef VS_HARNESS_FUZZ_H
#define VS_HARNESS_FUZZ_H

#include "agent.h"
#include "known.h"

/* A progress line, without the "fuzz: " prefix: calls made, or how shrinking goes. */
typedef void (*VsFuzzProgress)(void *context, const char *line);

typedef struct VsFuzzOptions {
    guint64 seed;
    guint64 calls;
    const VsAgentCommand *agent; /* NULL: the model alone */
    const VsKnownList *known;
    const char *reproducer_dir;  /* where a shrunk .vsim is written */
    uint64_t ram_bytes;          /* the model's RAM (its page file as large); 0: the default */
    VsFuzzProgress progress;     /* called every few seconds; may be NULL */
    void *progress_context;
} VsFuzzOptions;

typedef struct VsFuzzReport {
    guint64 calls;            /* calls made in the model (and compared, with an agent) */
    guint64 probes;           /* of those, VirtualQuery calls added where walks differed */
    double seconds;
    guint64 matched, known, unsupported;
    GHashTable *tally;        /* known entry id (or why refused) -> calls it explained (guint) */
    gboolean found;           /* an unexplained divergence or a broken invariant */
    char *finding;            /* what it was, in words */
    char *reproducer;         /* the .vsim written, or NULL */
    guint64 shrunk_from, shrunk_to, shrink_runs;
    const char *backend;      /* "wine", "windows", "linux" or "model" */
} VsFuzzReport;

/* Runs the fuzzer. FALSE with *error set when the agent cannot be started or is lost. */
gboolean vs_fuzz_run(const VsFuzzOptions *options, VsFuzzReport *report, GError **error);
/* The same for the Linux personality against the POSIX agent (posixfuzz.c): mmap, munmap,
 * mprotect, madvise, mremap, msync, mincore, reads, writes, memfds; options->agent is the POSIX
 * agent (NULL: the model alone). The report's backend is "linux" (or "model"); probes stay 0, as
 * the maps are compared after every call that can change them. */
gboolean vs_fuzz_posix_run(const VsFuzzOptions *options, VsFuzzReport *report, GError **error);
void vs_fuzz_report_clear(VsFuzzReport *report);

#endif /* VS_HARNESS_FUZZ_H */
