/*
 * agent.h - the host side of an agent: starting it (under a launcher such as wine, natively, or
 * over ssh), sending it request lines and reading its answers, for either backend's agent.
 *
 * Each agent is one real process with its own address space. Every answer is read with a time
 * limit, so an agent that hangs or dies is an error that says so (with the last lines it wrote to
 * standard error), never a hang of the harness. What a request says and what its answer means is
 * the backend's (win32/request.c, posix/request.c).
 */
#ifndef VS_VERIFY_AGENT_H
#define VS_VERIFY_AGENT_H

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

/* How to start an agent: the launcher's words (e.g. "wine", or none to run it directly) and the
 * agent's path. */
typedef struct VsAgentCommand {
    char **launcher; /* NULL-terminated; NULL or empty for none */
    char *path;
    char *path_x86; /* the backend's x86 agent, for scenarios of x86 processes; NULL: none */
} VsAgentCommand;

typedef struct VsAgent VsAgent;

/* Starts the agent and reads its answer to hello (all its numbers) into hello, for the backend to
 * judge. A start the launcher drops before the agent greets is tried again, a few times. */
VsAgent *vs_agent_start(const VsAgentCommand *command, GArray *hello, GError **error);
/* Asks the agent to quit and reaps it (killing it if it does not go). NULL is allowed. */
void vs_agent_stop(VsAgent *agent);

/* Sends one request line (with its newline) and reads the answer: its words after "= " into
 * answer; a refusal ("! why") is VS_AGENT_ERROR_REFUSED with the why. */
gboolean vs_agent_request(VsAgent *agent, const char *text, GString *answer, GError **error);
/* The same for an answer of numbers only (at least four), into values (guint64). */
gboolean vs_agent_request_numbers(VsAgent *agent, const char *text, GArray *values, GError **error);
/* Sends a call's request line and reads its answer, "= RET ERROR STATUS EXCEPTION EXTRA...":
 * the first four into outcome (whose other fields are cleared), the numbers after them into
 * extra (guint64), which the backend reads by call. */
gboolean vs_agent_call(VsAgent *agent, const char *text, VsOutcome *outcome, GArray *extra,
                       GError **error);
/* Marks the agent lost (an answer its caller cannot read), with the error saying what. */
void vs_agent_lose(VsAgent *agent, const char *what, GError **error);

/* Appends a string argument to a request line: a space, the letter ('s' for a name, 't' for a
 * file's text) and the bytes in hex, so that the request stays one line of words. */
void vs_agent_append_text(GString *request, char letter, const char *bytes);

/* Why the agent cannot be started here because its launcher is not installed, or NULL. */
char *vs_agent_launcher_missing(const VsAgentCommand *command);

#endif /* VS_VERIFY_AGENT_H */
