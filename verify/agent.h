/*
 * agent.h - the host side of the agents: starts vadsim-agent.exe (under wine, natively through
 * WSL, or over any launcher), sends it operations and reads its answers; starts the POSIX agent
 * and carries the lines posix.c formats.
 *
 * Each agent is one real process with its own address space; the harness starts one per scenario
 * process. Every answer is read with a time limit, so an agent that hangs or dies is an error that
 * says so (with the last lines it wrote to standard error), never a hang of the harness.
 */
#ifndef VS_HARNESS_AGENT_H
#define VS_HARNESS_AGENT_H

#include <glib.h>

#include "op.h"

#define VS_AGENT_ERROR (vs_agent_error_quark())
GQuark vs_agent_error_quark(void);

typedef enum VsAgentError {
    VS_AGENT_ERROR_START,   /* the agent could not be started or did not greet */
    VS_AGENT_ERROR_LOST,    /* it died, hung, or wrote something that is not an answer */
    VS_AGENT_ERROR_REFUSED, /* it refused a request it could not safely carry out */
    VS_AGENT_ERROR_MACHINE, /* it runs on a machine whose behaviour the model does not know */
} VsAgentError;

/* What the agent's system says of itself (GetSystemInfo) and whether it is Wine. */
typedef struct VsAgentInfo {
    uint32_t page_size;
    uint32_t granularity;
    uint64_t min_address;
    uint64_t max_address;
    gboolean wine;
} VsAgentInfo;

/* How to start an agent: the launcher's words (e.g. "wine", or none to run the .exe directly) and
 * the agent's path. */
typedef struct VsAgentCommand {
    char **launcher; /* NULL-terminated; NULL or empty for none */
    char *path;
} VsAgentCommand;

typedef struct VsAgent VsAgent;

VsAgent *vs_agent_start(const VsAgentCommand *command, GError **error);
/* Asks the agent to quit and reaps it (killing it if it does not go). NULL is allowed. */
void vs_agent_stop(VsAgent *agent);
const VsAgentInfo *vs_agent_info(const VsAgent *agent);

/* Runs op in the agent's process; outcome as vs_op_execute fills it. */
gboolean vs_agent_call(VsAgent *agent, const VsOp *op, VsOutcome *outcome, GError **error);
/* VirtualQuery from 'from' until a region reaches 'to': the records, in order, into regions
 * (VsMemoryBasicInformation). */
gboolean vs_agent_walk(VsAgent *agent, uint64_t from, uint64_t to, GArray *regions, GError **error);

/* For an agent whose calls are formatted elsewhere (the POSIX agent, posix.c): starts it and reads
 * its answer to hello (all its numbers) into hello, judging nothing. */
VsAgent *vs_agent_start_raw(const VsAgentCommand *command, GArray *hello, GError **error);
/* Sends one request line (with its newline) and reads the answer: its words after "= " into
 * answer; a refusal ("! why") is VS_AGENT_ERROR_REFUSED with the why. */
gboolean vs_agent_request(VsAgent *agent, const char *text, GString *answer, GError **error);
/* The same for an answer of numbers only (at least four), into values (guint64). */
gboolean vs_agent_request_numbers(VsAgent *agent, const char *text, GArray *values,
                                  GError **error);
/* Marks the agent lost (an answer its caller cannot read), with the error saying what. */
void vs_agent_lose(VsAgent *agent, const char *what, GError **error);

/* Counts of requests answered, for the figures fuzzing prints. */
guint64 vs_agent_requests(const VsAgent *agent);

#endif /* VS_HARNESS_AGENT_H */
