/*
 * pkey-rules.c - measures what Linux does with memory mapped or mprotected PROT_EXEC alone, one
 * line per rule, including what the POSIX agent cannot show (si_code, smaps' ProtectionKey,
 * mlock, MADV_POPULATE_READ, process_vm_readv, /proc/PID/mem, a system call reading the memory).
 * Run it in the guest of scripts/qemu-posix.sh (which builds it), on a CPU with protection keys
 * and on one without; docs/verification.md keeps the answers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef PROT_SEM
#define PROT_SEM 0x8 /* include/uapi/asm-generic/mman-common.h */
#endif
#define PAGE 4096

static sigjmp_buf jump;
static volatile sig_atomic_t code;

static void on_segv(int sig, siginfo_t *info, void *context)
{
    (void)sig, (void)context;
    code = info->si_code;
    siglongjmp(jump, 1);
}

/* "read" or "SEGV_PKUERR" / "SEGV_ACCERR" / "si_code N" for one load or store. */
static const char *touch(volatile char *p, int write)
{
    static char text[32];
    code = 0;
    if (sigsetjmp(jump, 1) == 0) {
        if (write)
            *p = 1;
        else
            (void)*p;
        return write ? "written" : "read";
    }
    snprintf(text, sizeof text,
             code == 4   ? "SEGV_PKUERR"
             : code == 2 ? "SEGV_ACCERR"
                         : "si_code %d",
             (int)code);
    return text;
}

/* smaps' ProtectionKey and VmFlags of the VMA holding p, and its extent. */
static void smaps_of(void *p, char *out, size_t len)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    unsigned long start = 0, end = 0, at = (unsigned long)p;
    int in = 0;
    snprintf(out, len, "no VMA");
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = at >= start && at < end;
            if (in)
                snprintf(out, len, "%lx pages", (end - start) / PAGE);
        } else if (in && (!strncmp(line, "ProtectionKey:", 14) || !strncmp(line, "VmFlags:", 8))) {
            line[strcspn(line, "\n")] = '\0';
            size_t n = strlen(out);
            snprintf(out + n, len - n, ", %s", line);
        }
    }
    if (f)
        fclose(f);
}

static int resident(void *p, size_t pages)
{
    unsigned char vec[64];
    int count = 0;
    if (mincore(p, pages * PAGE, vec) != 0)
        return -1;
    for (size_t i = 0; i < pages; i++)
        count += vec[i] & 1;
    return count;
}

static char *map(size_t pages, int prot, int flags, int fd, off_t offset)
{
    char *p = mmap(NULL, pages * PAGE, prot, flags, fd, offset);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return p;
}

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static void kinds(int file)
{
    int memfd = memfd_create("rules", 0);
    ftruncate(memfd, 16 * PAGE);
    char s[256];
    char *p = map(1, PROT_EXEC, ANON, -1, 0);
    smaps_of(p, s, sizeof s);
    printf("mmap PROT_EXEC private anonymous: load %s, ", touch(p, 0));
    printf("store %s; smaps %s\n", touch(p, 1), s);
    p = map(1, PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    printf("mmap PROT_EXEC shared anonymous: load %s\n", touch(p, 0));
    p = map(1, PROT_EXEC, MAP_PRIVATE, memfd, 0);
    printf("mmap PROT_EXEC private memfd: load %s\n", touch(p, 0));
    p = map(1, PROT_EXEC, MAP_SHARED, memfd, 0);
    printf("mmap PROT_EXEC shared memfd: load %s\n", touch(p, 0));
    p = map(1, PROT_EXEC, MAP_PRIVATE, file, 0);
    printf("mmap PROT_EXEC private file: load %s\n", touch(p, 0));
    p = map(1, PROT_EXEC, MAP_SHARED, file, 0);
    printf("mmap PROT_EXEC shared file: load %s\n", touch(p, 0));
    p = map(1, PROT_EXEC | PROT_SEM, ANON, -1, 0);
    smaps_of(p, s, sizeof s);
    printf("mmap PROT_EXEC|PROT_SEM: load %s; smaps %s\n", touch(p, 0), s);
}

static void protections(void)
{
    char s[256];
    char *p = map(2, PROT_READ | PROT_WRITE, ANON, -1, 0);
    p[0] = 0x41;
    mprotect(p, 2 * PAGE, PROT_EXEC);
    smaps_of(p, s, sizeof s);
    printf("mprotect present page to PROT_EXEC: load %s; smaps %s\n", touch(p, 0), s);
    mprotect(p, PAGE, PROT_READ | PROT_EXEC);
    smaps_of(p, s, sizeof s);
    printf("mprotect back to PROT_READ|PROT_EXEC: load %s; smaps %s\n", touch(p, 0), s);
    mprotect(p, PAGE, PROT_EXEC | PROT_SEM);
    smaps_of(p, s, sizeof s);
    printf("mprotect to PROT_EXEC|PROT_SEM: load %s; smaps %s\n", touch(p, 0), s);
    char *a = map(2, PROT_NONE, ANON, -1, 0);
    mmap(a, PAGE, PROT_EXEC, ANON | MAP_FIXED, -1, 0);
    mmap(a + PAGE, PAGE, PROT_EXEC | PROT_SEM, ANON | MAP_FIXED, -1, 0);
    smaps_of(a, s, sizeof s);
    printf("neighbours PROT_EXEC, PROT_EXEC|PROT_SEM: first VMA %s\n", s);
    mprotect(a + PAGE, PAGE, PROT_EXEC);
    smaps_of(a, s, sizeof s);
    printf("after mprotect of the second to PROT_EXEC: first VMA %s\n", s);
    char *m = mremap(a, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    smaps_of(m, s, sizeof s);
    printf("mremap that moves: load %s; smaps %s\n", touch(m + 3 * PAGE, 0), s);
    pid_t child = fork();
    if (child == 0) {
        smaps_of(m, s, sizeof s);
        printf("fork, in the child: load %s; smaps %s\n", touch(m, 0), s);
        fflush(stdout);
        _exit(0);
    }
    waitpid(child, NULL, 0);
}

static void population(int file)
{
    char s[256];
    char *p = map(4, PROT_EXEC, ANON | MAP_POPULATE, -1, 0);
    printf("MAP_POPULATE: %d of 4 pages resident\n", resident(p, 4));
    p = map(4, PROT_EXEC, ANON | MAP_LOCKED, -1, 0);
    smaps_of(p, s, sizeof s);
    printf("MAP_LOCKED: %d of 4 pages resident; smaps %s\n", resident(p, 4), s);
    p = map(4, PROT_EXEC, ANON, -1, 0);
    int r = mlock(p, 4 * PAGE);
    printf("mlock: %d (%s), %d of 4 pages resident\n", r, r ? strerror(errno) : "ok",
           resident(p, 4));
    r = madvise(p, 4 * PAGE, MADV_POPULATE_READ);
    printf("MADV_POPULATE_READ: %d (%s)\n", r, r ? strerror(errno) : "ok");
    p = map(4, PROT_READ | PROT_EXEC, ANON, -1, 0);
    r = madvise(p, 4 * PAGE, MADV_POPULATE_READ);
    printf("MADV_POPULATE_READ on PROT_READ|PROT_EXEC: %d (%s)\n", r, r ? strerror(errno) : "ok");
    p = map(4, PROT_EXEC, MAP_PRIVATE, file, 8 * PAGE);
    posix_fadvise(file, 0, 0, POSIX_FADV_DONTNEED);
    r = madvise(p, 4 * PAGE, MADV_WILLNEED);
    usleep(500 * 1000); /* the read it starts is asynchronous: mincore counts pages read */
    printf("MADV_WILLNEED on a file: %d, %d of 4 pages cached\n", r, resident(p, 4));
}

/* Accesses that are not the process's own loads: another process's, /proc/PID/mem, a system
 * call. */
static void foreign(void)
{
    char *p = map(1, PROT_READ | PROT_WRITE, ANON, -1, 0);
    p[0] = 0x5a;
    mprotect(p, PAGE, PROT_EXEC);
    char byte = 0;
    struct iovec local = {&byte, 1}, remote = {p, 1};
    ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    printf("process_vm_readv of itself: %zd (%s), byte 0x%x\n", n, n < 0 ? strerror(errno) : "ok",
           (unsigned char)byte);
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    byte = 0;
    n = process_vm_readv(child, &local, 1, &remote, 1, 0);
    printf("process_vm_readv of a child: %zd (%s), byte 0x%x\n", n, n < 0 ? strerror(errno) : "ok",
           (unsigned char)byte);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    int mem = open("/proc/self/mem", O_RDONLY);
    byte = 0;
    n = pread(mem, &byte, 1, (off_t)(unsigned long)p);
    printf("pread of /proc/self/mem: %zd, byte 0x%x\n", n, (unsigned char)byte);
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        return;
    n = write(pipe_fds[1], p, 1); /* the kernel copies the byte from the page: a data access */
    printf("write(2) to a pipe from it: %zd (%s)\n", n, n < 0 ? strerror(errno) : "ok");
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int file = open("/tmp/rules.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    char fill[16 * PAGE];
    memset(fill, 0x90, sizeof fill);
    write(file, fill, sizeof fill);
    fsync(file);
    FILE *cpu = fopen("/proc/cpuinfo", "r");
    char line[4096];
    int pku = 0, ospke = 0;
    while (cpu && fgets(line, sizeof line, cpu))
        if (!strncmp(line, "flags", 5)) {
            pku = strstr(line, " pku") != NULL;
            ospke = strstr(line, " ospke") != NULL;
            break;
        }
    printf("cpu: pku %d, ospke %d\n", pku, ospke);
    kinds(file);
    protections();
    population(file);
    foreign();
    printf("done\n");
    return 0;
}
