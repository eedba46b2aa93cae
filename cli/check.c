/*
 * check.c - vadsim check PATH...: every scenario file (directories descended into) checked and
 * run quietly, each in a child process of its own; a line per file, PASS or FAIL with its first
 * problem, the checker's warnings on stderr before it, then "N passed, N failed" (cli.h).
 *
 * A file that crashed vadsim (a bug) is reported by name with the signal, and the files after it
 * still run.
 */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid, strsignal */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static FileResult run_quietly(const char *path)
{
    VsCliRunOptions quiet = {.verbosity = VS_RUN_QUIET, .warnings = TRUE, .invariants = TRUE};
    return vs_cli_run_file(path, &quiet);
}

/* Reads what a child writes to fd until it closes its end. */
static char *read_all(int fd)
{
    GString *text = g_string_new(NULL);
    char buffer[4096];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n > 0)
            g_string_append_len(text, buffer, n);
        else if (n == 0 || errno != EINTR)
            break;
    }
    return g_string_free(text, FALSE);
}

/* The child's side: runs the file and hands its headline to the parent through fd. Exits
 * through exit() so that, in a sanitizer build, the leak checker still looks at the run. */
static void check_in_child(const char *path, int fd)
{
    FileResult r = run_quietly(path);
    for (size_t done = 0, length = r.headline ? strlen(r.headline) : 0; done < length;) {
        ssize_t n = write(fd, r.headline + done, length - done);
        if (n < 0 && errno != EINTR)
            break;
        done += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    g_free(r.headline);
    exit(r.exit_code);
}

/* How the child ended, told: a signal or an exit without words is a crash of vadsim's. */
static FileResult child_result(int status, char *said)
{
    FileResult result = {EXIT_FAIL, said};
    if (WIFSIGNALED(status)) {
        g_free(result.headline);
        result.headline = g_strdup_printf("vadsim crashed running it: signal %d (%s)",
                                          WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (WEXITSTATUS(status) != EXIT_PASS && !said[0]) {
        /* every failure has its words: a child that ends without them was stopped (a sanitizer
         * exits with 1 after writing its report to stderr) */
        g_free(result.headline);
        result.headline = g_strdup_printf("vadsim crashed running it: exit status %d with no "
                                          "report of its own",
                                          WEXITSTATUS(status));
    } else {
        result.exit_code = WEXITSTATUS(status);
        if (!said[0])
            g_clear_pointer(&result.headline, g_free);
    }
    return result;
}

/* Checks one file in a child process of its own. Where no child can be made, the file runs
 * here. */
static FileResult check_file(const char *path)
{
    int fds[2];
    fflush(stdout); /* or the child's exit would write the parent's buffered lines again */
    if (pipe(fds) != 0)
        return run_quietly(path);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        check_in_child(path, fds[1]);
    }
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return run_quietly(path);
    }
    close(fds[1]);
    char *said = read_all(fds[0]);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    return child_result(status, said);
}

int vs_cli_check(int argc, char **argv)
{
    if (argc < 1) {
        vs_cli_error("vadsim check: no file or directory given");
        return EXIT_USAGE;
    }
    int status = EXIT_PASS;
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < argc; i++)
        vs_cli_collect("check", argv[i], files, &status);
    size_t passed = 0, failed = 0;
    for (guint i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        FileResult r = check_file(path);
        if (r.exit_code == EXIT_PASS) {
            printf("PASS %s\n", path);
            passed++;
        } else {
            printf("FAIL %s: %s\n", path, r.headline ? r.headline : "failed");
            failed++;
        }
        status = MAX(status, r.exit_code);
        g_free(r.headline);
    }
    printf("%zu passed, %zu failed\n", passed, failed);
    g_ptr_array_free(files, TRUE);
    return status;
}
