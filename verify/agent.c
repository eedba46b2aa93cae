/*
 * agent.c - starting an agent and speaking its line protocol (protocol.h; each backend's
 * request.c formats its calls and reads their answers).
 *
 * Requests are written whole; answers are read a line at a time with poll(), which also drains the
 * agent's standard error so a chatty launcher (Wine) can never block on a full pipe. An answer that
 * does not come within the time limit, or a closed pipe, loses the agent: the error says which,
 * with the tail of what it wrote to standard error.
 */
#define _POSIX_C_SOURCE 200809L /* kill, waitpid */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

#define GREETING_TIMEOUT_MS (180 * 1000) /* the first Wine start makes a prefix: can be slow */
#define ANSWER_TIMEOUT_MS (30 * 1000)
#define STDERR_KEPT 2048

struct VsAgent {
    GPid pid;
    int in, out, err; /* its standard input, output and error */
    GString *pending; /* bytes read from its output, not yet a whole line */
    GString *stderr_tail;
    gboolean lost;
};

G_DEFINE_QUARK(vs - agent - error - quark, vs_agent_error)

/* ---- Lines ----------------------------------------------------------------------------------- */

/* Keeps the last lines the agent wrote to standard error, whole, within STDERR_KEPT bytes. */
static void keep_stderr(VsAgent *agent, const char *bytes, gssize n)
{
    GString *tail = agent->stderr_tail;
    g_string_append_len(tail, bytes, n);
    if (tail->len <= STDERR_KEPT)
        return;
    g_string_erase(tail, 0, (gssize)(tail->len - STDERR_KEPT));
    const char *newline = memchr(tail->str, '\n', tail->len);
    if (newline && newline[1])
        g_string_erase(tail, 0, newline + 1 - tail->str);
}

static gboolean lose(VsAgent *agent, GError **error, const char *what)
{
    agent->lost = TRUE;
    g_strchomp(agent->stderr_tail->str);
    g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_LOST, "the agent %s%s%s", what,
                agent->stderr_tail->len ? "; it wrote: " : "", agent->stderr_tail->str);
    return FALSE;
}

/* Reads one line of the agent's output (without its newline) into line. */
static gboolean read_line(VsAgent *agent, GString *line, int timeout_ms, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        char *newline = memchr(agent->pending->str, '\n', agent->pending->len);
        if (newline) {
            gsize length = (gsize)(newline - agent->pending->str);
            g_string_assign(line, "");
            g_string_append_len(line, agent->pending->str, (gssize)length);
            g_string_erase(agent->pending, 0, (gssize)length + 1);
            return TRUE;
        }
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        if (left <= 0)
            return lose(agent, error, "did not answer in time");
        struct pollfd fds[2] = {{agent->out, POLLIN, 0}, {agent->err, POLLIN, 0}};
        int ready = poll(fds, agent->err >= 0 ? 2 : 1, (int)MIN(left, G_MAXINT));
        if (ready < 0 && errno != EINTR)
            return lose(agent, error, "could not be waited for");
        char buffer[4096];
        if (agent->err >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
            gssize n = read(agent->err, buffer, sizeof buffer);
            if (n > 0)
                keep_stderr(agent, buffer, n);
            else if (n == 0) {
                close(agent->err);
                agent->err = -1;
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            gssize n = read(agent->out, buffer, sizeof buffer);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                return lose(agent, error, "ended without answering");
            if (n > 0)
                g_string_append_len(agent->pending, buffer, n);
        }
    }
}

static gboolean write_all(VsAgent *agent, const char *text, gsize length, GError **error)
{
    while (length) {
        gssize n = write(agent->in, text, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return lose(agent, error, "stopped reading requests");
        text += n;
        length -= (gsize)n;
    }
    return TRUE;
}

/* Sends one request line and reads its answer into line: after "= " (the answer's words), or a
 * refusal as VS_AGENT_ERROR_REFUSED. */
static gboolean exchange(VsAgent *agent, const char *text, GString *line, int timeout_ms,
                         GError **error)
{
    if (agent->lost)
        return lose(agent, error, "was lost earlier");
    if (!write_all(agent, text, strlen(text), error))
        return FALSE;
    if (!read_line(agent, line, timeout_ms, error))
        return FALSE;
    if (g_str_has_prefix(line->str, "! ")) {
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_REFUSED, "%s", line->str + 2);
        return FALSE;
    }
    if (!g_str_has_prefix(line->str, "= ")) {
        g_autofree char *what = g_strdup_printf("answered something that is not an answer "
                                                "(\"%.60s\")",
                                                line->str);
        return lose(agent, error, what);
    }
    g_string_erase(line, 0, 2);
    return TRUE;
}

/* Sends one request line and reads the answer's numbers (after "= ") into values. */
static gboolean request(VsAgent *agent, const char *text, GArray *values, int timeout_ms,
                        GError **error)
{
    g_autoptr(GString) line = g_string_new(NULL);
    if (!exchange(agent, text, line, timeout_ms, error))
        return FALSE;
    g_array_set_size(values, 0);
    const char *p = line->str;
    while (*p) {
        char *end;
        guint64 value = g_ascii_strtoull(p, &end, 16);
        if (end == p)
            return lose(agent, error, "answered a malformed number");
        g_array_append_val(values, value);
        p = end;
        while (*p == ' ')
            p++;
    }
    if (values->len < 4)
        return lose(agent, error, "answered too few numbers");
    return TRUE;
}

gboolean vs_agent_request(VsAgent *agent, const char *text, GString *answer, GError **error)
{
    return exchange(agent, text, answer, ANSWER_TIMEOUT_MS, error);
}

gboolean vs_agent_request_numbers(VsAgent *agent, const char *text, GArray *values, GError **error)
{
    return request(agent, text, values, ANSWER_TIMEOUT_MS, error);
}

gboolean vs_agent_call(VsAgent *agent, const char *text, VsOutcome *outcome, GArray *extra,
                       GError **error)
{
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (!request(agent, text, v, ANSWER_TIMEOUT_MS, error))
        return FALSE;
    const guint64 *a = (const guint64 *)v->data;
    memset(outcome, 0, sizeof *outcome);
    outcome->ret = a[0];
    outcome->last_error = (uint32_t)a[1];
    outcome->last_status = (uint32_t)a[2];
    outcome->exception = (uint32_t)a[3];
    g_array_set_size(extra, 0);
    g_array_append_vals(extra, a + 4, v->len - 4);
    return TRUE;
}

void vs_agent_lose(VsAgent *agent, const char *what, GError **error) { lose(agent, error, what); }

void vs_agent_append_text(GString *request, char letter, const char *bytes)
{
    g_string_append_printf(request, " %c", letter);
    for (const char *c = bytes; *c; c++)
        g_string_append_printf(request, "%02x", (unsigned char)*c);
}

/* ---- Starting and stopping ------------------------------------------------------------------- */

static GStrv agent_argv(const VsAgentCommand *command)
{
    GStrvBuilder *builder = g_strv_builder_new();
    if (command->launcher)
        g_strv_builder_addv(builder, (const char **)command->launcher);
    g_strv_builder_add(builder, command->path);
    GStrv argv = g_strv_builder_end(builder);
    g_strv_builder_unref(builder);
    return argv;
}

/* Starts the agent and reads its answer to hello into hello. */
static VsAgent *start_once(const VsAgentCommand *command, GArray *hello, GError **error)
{
    g_auto(GStrv) argv = agent_argv(command);
    g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "WINEDEBUG", "-all", FALSE);
    VsAgent *agent = g_new0(VsAgent, 1);
    agent->pending = g_string_new(NULL);
    agent->stderr_tail = g_string_new(NULL);
    GError *spawn_error = NULL;
    if (!g_spawn_async_with_pipes(NULL, argv, envp, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                  NULL, NULL, &agent->pid, &agent->in, &agent->out, &agent->err,
                                  &spawn_error)) {
        g_set_error(error, VS_AGENT_ERROR, VS_AGENT_ERROR_START, "cannot start %s: %s", argv[0],
                    spawn_error->message);
        g_error_free(spawn_error);
        g_string_free(agent->pending, TRUE);
        g_string_free(agent->stderr_tail, TRUE);
        g_free(agent);
        return NULL;
    }
    if (!request(agent, "hello\n", hello, GREETING_TIMEOUT_MS, error)) {
        g_prefix_error(error, "starting %s: ", command->path);
        vs_agent_stop(agent);
        return NULL;
    }
    return agent;
}

/* A wineserver that is shutting down as the agent starts can drop it before it greets ("wine
 * client error: recvmsg"): such a start is tried again, a few times. */
VsAgent *vs_agent_start(const VsAgentCommand *command, GArray *hello, GError **error)
{
    for (int attempt = 1;; attempt++) {
        GError *inner = NULL;
        VsAgent *agent = start_once(command, hello, &inner);
        if (agent)
            return agent;
        if (attempt == 3 || !g_error_matches(inner, VS_AGENT_ERROR, VS_AGENT_ERROR_LOST)) {
            g_propagate_error(error, inner);
            return NULL;
        }
        g_error_free(inner);
        g_usleep(200 * 1000);
    }
}

void vs_agent_stop(VsAgent *agent)
{
    if (!agent)
        return;
    if (!agent->lost) {
        const char quit[] = "quit\n";
        G_GNUC_UNUSED gssize n = write(agent->in, quit, sizeof quit - 1);
    }
    close(agent->in);
    /* Give it a moment to go by itself, then make it. */
    int status;
    gboolean gone = FALSE;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = waitpid(agent->pid, &status, WNOHANG) == agent->pid;
        if (!gone)
            g_usleep(10 * 1000);
    }
    if (!gone) {
        kill(agent->pid, SIGKILL);
        waitpid(agent->pid, &status, 0);
    }
    g_spawn_close_pid(agent->pid);
    close(agent->out);
    if (agent->err >= 0)
        close(agent->err);
    g_string_free(agent->pending, TRUE);
    g_string_free(agent->stderr_tail, TRUE);
    g_free(agent);
}

char *vs_agent_launcher_missing(const VsAgentCommand *command)
{
    if (!command->launcher || !command->launcher[0])
        return NULL;
    g_autofree char *found = g_find_program_in_path(command->launcher[0]);
    return found ? NULL
                 : g_strdup_printf("'%s' is not installed, so the agent cannot run here",
                                   command->launcher[0]);
}
