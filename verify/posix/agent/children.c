/*
 * children.c - fork: a child that serves the same requests over a pair of pipes, standing for the
 * process the model's fork made; the parent relays "@N ..." lines to child N and its answers back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "vadsim-agent-posix.h"

/* A child the agent forked, serving requests sent to request_fd and answering on answer_fd. */
typedef struct Child {
    pid_t pid; /* 0 once it has ended */
    int request_fd, answer_fd;
} Child;

static Child children[MAX_CHILDREN]; /* index N of "@N" is children[N - 1] */
static int child_count;

static void close_child(Child *c)
{
    close(c->request_fd), close(c->answer_fd);
    c->pid = 0;
}

/* Reaps a child whose pipe closed and refuses the request it was sent, naming it. */
static void child_ended(Child *c, int index)
{
    char why[128];
    int status = 0;
    pid_t pid = c->pid;
    waitpid(pid, &status, 0);
    close_child(c);
    snprintf(why, sizeof why, "child %d (pid %d) has ended: %s %d", index, (int)pid,
             WIFSIGNALED(status) ? "killed by signal" : "exit",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    refuse(why, "");
}

void end_children(void)
{
    for (int i = 0; i < child_count; i++) {
        if (!children[i].pid)
            continue;
        kill(children[i].pid, SIGKILL);
        waitpid(children[i].pid, NULL, 0);
        close_child(&children[i]);
    }
    child_count = 0;
}

/* In a new child: requests now come from the pipe on fd 0, answers go to the pipe on fd 1 (the
 * harness's pipes are closed here); its parent's children are not its own, and the lines its
 * parent had read ahead are not its requests. */
static void become_child(int request_fd, int answer_fd)
{
    dup2(request_fd, 0), dup2(answer_fd, 1);
    close(request_fd), close(answer_fd);
    for (int i = 0; i < child_count; i++)
        if (children[i].pid)
            close(children[i].request_fd), close(children[i].answer_fd);
    child_count = 0;
    __fpurge(stdin);
    clearerr(stdin);
    arena_refill_after_fork();
    locks_after_fork();
}

/* fork: answers the child's pid and its index for "@N". The child answers nothing: it goes on
 * to read its own requests. */
void do_fork(const AgentRequest *r)
{
    (void)r;
    int to[2], from[2];
    if (child_count == MAX_CHILDREN) {
        refuse("too many children: ", "fork");
        return;
    }
    if (pipe(to) != 0) {
        answer_call(-1);
        return;
    }
    if (pipe(from) != 0) {
        int error = errno;
        close(to[0]), close(to[1]);
        answer_result(-1, error);
        return;
    }
    for (int i = 0; i < 2; i++)
        to[i] = move_high(to[i]), from[i] = move_high(from[i]);
    fflush(stdout);
    pid_t pid = fork();
    int error = errno;
    if (pid == 0) {
        close(to[1]), close(from[0]);
        become_child(to[0], from[1]);
        return;
    }
    close(to[0]), close(from[1]);
    if (pid < 0) {
        close(to[1]), close(from[0]);
        answer_result(-1, error);
        return;
    }
    children[child_count++] = (Child){pid, to[1], from[0]};
    answer_start((uint64_t)pid, 0);
    answer_more((uint64_t)child_count);
    answer_end();
}

static int write_all(int fd, const char *text, size_t length)
{
    while (length) {
        ssize_t done = write(fd, text, length);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return 0;
        text += done, length -= (size_t)done;
    }
    return 1;
}

/* Relays the answer line unchanged, or refuses naming the child if it has ended. */
void forward(int index, const char *line)
{
    char chunk[4096];
    int relayed = 0;
    if (index > child_count || !children[index - 1].pid) {
        char why[64];
        snprintf(why, sizeof why, "no child %d (never forked, or it has ended)", index);
        refuse(why, "");
        return;
    }
    Child *c = &children[index - 1];
    size_t length = strcspn(line, "\n");
    if (!write_all(c->request_fd, line, length) || !write_all(c->request_fd, "\n", 1)) {
        child_ended(c, index);
        return;
    }
    for (;;) {
        ssize_t got = read(c->answer_fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 && !relayed) {
            child_ended(c, index);
            return;
        }
        if (got <= 0) { /* it died in the middle of an answer: end the line, reap it */
            answer_end();
            waitpid(c->pid, NULL, 0);
            close_child(c);
            return;
        }
        fwrite(chunk, 1, (size_t)got, stdout);
        relayed = 1;
        if (chunk[got - 1] == '\n') { /* a child writes one line per request, never more */
            fflush(stdout);
            return;
        }
    }
}
