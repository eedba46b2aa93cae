/*
 * machine.c - the machine under the scenario's calls. What the kernel does with memory depends on
 * the CPU and on settings of the machine no scenario can know; each such fact is either made the
 * same here for every run, or measured and reported in hello, so the harness can give it to the
 * model or refuse a machine the model does not know (docs/verification.md lists them all).
 *
 * Made the same (machine_settle, before anything is mapped):
 *   - no transparent huge pages for the agent and its children (PR_SET_THP_DISABLE), until the
 *     harness asks for them where MADV_HUGEPAGE asks (thp_advised, calls.c). Under THP "always"
 *     (Debian's default) one touch of a 2 MiB-aligned anonymous range maps all 512 pages, and
 *     khugepaged collapses ranges behind the scenario's back; mincore would show both, and the
 *     model maps huge pages only as its thp= mode says. Placement is not affected: anonymous
 *     memory is still placed 2 MiB-aligned (that follows CONFIG_TRANSPARENT_HUGEPAGE, not the
 *     setting).
 *   - no address-space, data or locked-memory limit (RLIMIT_AS, RLIMIT_DATA, RLIMIT_MEMLOCK):
 *     under them mmap answers ENOMEM (may_expand_vm) or EAGAIN (mlock_future_ok), which the
 *     model does only under a limit the scenario sets (setrlimit: locks.c). CAP_IPC_LOCK,
 *     which root has, does as well as no RLIMIT_MEMLOCK. A limit the agent may not lift stays,
 *     and is reported.
 *   - one CPU for the agent and its children, the one it starts on: the kernel batches pages per
 *     CPU on their way to the LRU lists (MADV_FREE's lazily freed pages among them), and smaps
 *     counts one as LazyFree only once its batch is drained, which the agent does before reading
 *     smaps (locks.c) - on its own CPU, so every batch must be there.
 *   - a stack limit (RLIMIT_STACK) of 8 MiB, Linux's default and the model's: a MAP_GROWSDOWN
 *     mapping grows on a fault below it only while the whole VMA stays within it
 *     (acct_stack_growth). One the agent may not set is reported.
 * Measured (machine_measure):
 *   - whether PROT_EXEC alone is execute-only: on an x86 CPU with protection keys (pku, ospke)
 *     Linux gives such memory a key whose access the thread's PKRU denies (execute_only_pkey),
 *     so a load faults with SIGSEGV and si_code SEGV_PKUERR; without keys it reads.
 *   - the kernel's release (the model's rules are 6.17's and later), vm.overcommit_memory,
 *     vm.max_map_count and the swap (which MADV_PAGEOUT would write anonymous pages to);
 *   - whether MAP_HUGETLB could get a huge page (a pool, or overcommit of them): the model has
 *     none, so the agent then refuses MAP_HUGETLB;
 *   - whether anonymous memory 2 MiB long is placed 2 MiB-aligned (6.7+ with THP configured),
 *     and whether shmem is (shmem_enabled or a huge= tmpfs mount; the model assumes never);
 *   - the transparent-huge-page mode the scenario's processes would have if the harness asked
 *     for huge pages where MADV_HUGEPAGE asks (thp_advised: PR_THP_DISABLE_EXCEPT_ADVISED, so
 *     the agent's own memory stays at 4 KiB pages): madvise where the machine's is always or
 *     madvise, never where it is never; unknown (0) where THP is not built in, a size below
 *     2 MiB is on (multi-size THP), or the kernel has no such prctl (before 6.18).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine.h"

#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4 /* include/uapi/asm-generic/siginfo.h */
#endif
#define PMD_BYTES (2ull << 20)
#define STACK_LIMIT_BYTES (8ull << 20) /* RLIMIT_STACK as the model has it (_STK_LIM) */

/* ---- Made the same ------------------------------------------------------------------------- */

/* Lifts a limit to infinity, or as far as the hard limit allows; whether none is left. */
static int lift(int resource)
{
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    if (setrlimit(resource, &rl) == 0)
        return 1;
    if (getrlimit(resource, &rl) != 0)
        return 0;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(resource, &rl);
    return rl.rlim_cur == RLIM_INFINITY;
}

/* Sets the soft stack limit to the model's 8 MiB, if the hard limit allows; whether it is. */
static int stack_limit_set(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) != 0)
        return 0;
    rl.rlim_cur = STACK_LIMIT_BYTES;
    return (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= STACK_LIMIT_BYTES) &&
           setrlimit(RLIMIT_STACK, &rl) == 0;
}

/* Whether the agent holds CAP_IPC_LOCK, under which locked memory has no limit. */
static int can_lock_any(void)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    if (syscall(SYS_capget, &header, data) != 0)
        return 0;
    return (data[CAP_IPC_LOCK / 32].effective >> (CAP_IPC_LOCK % 32)) & 1;
}

/* Keeps the agent on the CPU it runs on now. */
static void stay_on_this_cpu(void)
{
    int cpu = sched_getcpu();
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu >= 0 && cpu < CPU_SETSIZE) {
        CPU_SET(cpu, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
}

void machine_settle(MachineFacts *facts)
{
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    stay_on_this_cpu();
    facts->limited = 0;
    if (!lift(RLIMIT_AS))
        facts->limited |= LIMIT_AS;
    if (!lift(RLIMIT_DATA))
        facts->limited |= LIMIT_DATA;
    if (!lift(RLIMIT_MEMLOCK) && !can_lock_any())
        facts->limited |= LIMIT_MEMLOCK;
    if (!stack_limit_set())
        facts->limited |= LIMIT_STACK;
}

/* ---- The CPU: execute-only memory -------------------------------------------------------- */

static sigjmp_buf probe_jump;
static volatile sig_atomic_t probe_code;

static void on_probe_fault(int sig, siginfo_t *info, void *context)
{
    (void)sig, (void)context;
    probe_code = info->si_code;
    siglongjmp(probe_jump, 1);
}

/* One load from a page mapped PROT_EXEC alone, under a SIGSEGV handler of its own: it reads
 * (no protection keys), or faults for the key (SEGV_PKUERR). Any other fault is no CPU the model
 * knows: EPROTO. Made in a child: on a CPU with keys the mapping allocates the execute-only key,
 * which the scenario's process must not have taken before it asks (pkey_alloc's keys follow). */
static int probe_execute_only(uint64_t page_size, uint64_t *execute_only)
{
    volatile unsigned char *page =
        mmap(NULL, page_size, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return -1;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_probe_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old);
    probe_code = 0;
    if (sigsetjmp(probe_jump, 1) == 0)
        (void)page[0];
    sigaction(SIGSEGV, &old, NULL);
    munmap((void *)page, page_size);
    *execute_only = probe_code == SEGV_PKUERR;
    if (probe_code != 0 && probe_code != SEGV_PKUERR) {
        errno = EPROTO;
        return -1;
    }
    return 0;
}

/* The probe in a child, which exits 0 (reads), 1 (keys) or 2 (the probe failed). */
static int measure_execute_only(uint64_t page_size, uint64_t *execute_only)
{
    fflush(NULL);
    pid_t child = fork();
    if (child == 0)
        _exit(probe_execute_only(page_size, execute_only) != 0 ? 2 : (int)*execute_only);
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
        WEXITSTATUS(status) > 1) {
        errno = child < 0 ? errno : EPROTO;
        return -1;
    }
    *execute_only = WEXITSTATUS(status);
    return 0;
}

/* ---- The kernel and its settings ----------------------------------------------------------- */

static uint64_t kernel_release(void)
{
    struct utsname u;
    unsigned major = 0, minor = 0, patch = 0;
    if (uname(&u) == 0)
        sscanf(u.release, "%u.%u.%u", &major, &minor, &patch);
    return (uint64_t)major << 32 | (uint64_t)(minor & 0xffff) << 16 |
           (patch < 0xffff ? patch : 0xffff);
}

/* A number from a /proc/sys file, or UINT64_MAX when it cannot be read. */
static uint64_t sysctl_value(const char *path)
{
    unsigned long long value;
    FILE *f = fopen(path, "re");
    int got = f ? fscanf(f, "%llu", &value) : 0;
    if (f)
        fclose(f);
    return got == 1 ? (uint64_t)value : UINT64_MAX;
}

/* Whether the kernel places a 4 MiB mapping (fd's at offset, or anonymous) so that address and
 * offset agree modulo 2 MiB. A page is mapped first, right below the arena, so a kernel that does
 * not align puts the mapping where they cannot agree. */
static int placed_aligned(uint64_t page_size, int flags, int fd, off_t offset, int *aligned)
{
    void *below = mmap(NULL, page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *probe = mmap(NULL, 2 * PMD_BYTES, PROT_NONE, flags, fd, offset);
    int result = below == MAP_FAILED || probe == MAP_FAILED ? -1 : 0;
    *aligned = result == 0 && ((uint64_t)(uintptr_t)probe - (uint64_t)offset) % PMD_BYTES == 0;
    if (probe != MAP_FAILED)
        munmap(probe, 2 * PMD_BYTES);
    if (below != MAP_FAILED)
        munmap(below, page_size);
    return result;
}

/* A shmem object of 8 MiB: a memfd (shm_mnt, as shared anonymous memory) or one in /dev/shm. */
static int shmem_object(int in_dev_shm)
{
    char name[64];
    snprintf(name, sizeof name, "/vadsim-probe-%d", (int)getpid());
    int fd = in_dev_shm ? shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)
                        : memfd_create("vadsim-probe", MFD_CLOEXEC);
    if (in_dev_shm && fd >= 0)
        shm_unlink(name);
    if (fd >= 0 && ftruncate(fd, 4 * PMD_BYTES) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Anonymous memory; then shmem, in each of its three kinds, at an offset of a page (where an
 * aligning tmpfs puts the mapping one page past a 2 MiB boundary). */
static int measure_alignment(uint64_t page_size, MachineFacts *facts)
{
    int aligned, any = 0;
    if (placed_aligned(page_size, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &aligned) != 0)
        return -1;
    facts->anon_align = aligned ? PMD_BYTES : page_size;
    if (placed_aligned(page_size, MAP_SHARED | MAP_ANONYMOUS, -1, 0, &aligned) != 0)
        return -1;
    any |= aligned;
    for (int in_dev_shm = 0; in_dev_shm < 2; in_dev_shm++) {
        int fd = shmem_object(in_dev_shm);
        int result =
            fd < 0 ? -1 : placed_aligned(page_size, MAP_SHARED, fd, (off_t)page_size, &aligned);
        if (fd >= 0)
            close(fd);
        if (result != 0)
            return -1;
        any |= aligned;
    }
    facts->shmem_align = any ? PMD_BYTES : page_size;
    return 0;
}

/* Whether MAP_HUGETLB could get a huge page here: the default size's pool (HugePages_Total) or
 * its overcommit is not empty, or the default size is not the 2 MiB the model's rules assume. */
static uint64_t huge_pages_to_give(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    uint64_t total = 0, size_kb = 2048, value;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "HugePages_Total: %" SCNu64, &value) == 1)
            total = value;
        else if (sscanf(line, "Hugepagesize: %" SCNu64, &value) == 1)
            size_kb = value;
    }
    if (f)
        fclose(f);
    return total || size_kb != 2048 || sysctl_value("/proc/sys/vm/nr_overcommit_hugepages");
}

/* ---- Transparent huge pages ------------------------------------------------------------- */

#define THP_DIR "/sys/kernel/mm/transparent_hugepage/"
#define THP_EXCEPT_ADVISED 2 /* PR_THP_DISABLE_EXCEPT_ADVISED (6.18) */

/* The bracketed word of a sysfs choice file ("always [madvise] never": madvise) into word; 0 when
 * the file cannot be read or has none. */
static int sysfs_choice(const char *path, char *word, size_t size)
{
    char line[128];
    FILE *f = fopen(path, "re");
    int got = f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    char *open = got ? strchr(line, '[') : NULL, *close = open ? strchr(open, ']') : NULL;
    if (!close || (size_t)(close - open) > size)
        return 0;
    snprintf(word, size, "%.*s", (int)(close - open - 1), open + 1);
    return 1;
}

/* Whether every anonymous huge-page size below 2 MiB (multi-size THP, 6.8+) is off: the model
 * maps 2 MiB pages or 4 KiB ones, never a folio between. A size that inherits follows mode. */
static int small_sizes_off(const char *mode)
{
    static const unsigned sizes_kb[] = {8, 16, 32, 64, 128, 256, 512, 1024};
    for (size_t i = 0; i < sizeof sizes_kb / sizeof sizes_kb[0]; i++) {
        char path[96], word[16];
        snprintf(path, sizeof path, THP_DIR "hugepages-%ukB/enabled", sizes_kb[i]);
        if (sysfs_choice(path, word, sizeof word) && strcmp(word, "never") != 0 &&
            (strcmp(word, "inherit") != 0 || strcmp(mode, "never") != 0))
            return 0;
    }
    return 1;
}

/* Whether PR_SET_THP_DISABLE takes PR_THP_DISABLE_EXCEPT_ADVISED, tried in a child so that the
 * agent's own setting stays (machine_settle's). */
static int except_advised_works(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(prctl(PR_SET_THP_DISABLE, 1, THP_EXCEPT_ADVISED, 0, 0) == 0 ? 0 : 1);
    int status;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

/* The mode a scenario's process has once the harness asks for huge pages where advised
 * (thp_advised): THP_MADVISE where the machine's 2 MiB mode is always or madvise and the prctl
 * can say "except where advised", THP_NEVER where the mode is never, else 0 (no THP, a smaller
 * size on, or no way to leave the agent's own memory at 4 KiB pages). */
static uint64_t thp_mode(void)
{
    char mode[16], pmd[16];
    if (!sysfs_choice(THP_DIR "enabled", mode, sizeof mode))
        return 0;
    if (sysfs_choice(THP_DIR "hugepages-2048kB/enabled", pmd, sizeof pmd) &&
        strcmp(pmd, "inherit") != 0)
        snprintf(mode, sizeof mode, "%s", pmd);
    if (!small_sizes_off(mode))
        return 0;
    if (strcmp(mode, "never") == 0)
        return THP_NEVER;
    return except_advised_works() ? THP_MADVISE : 0;
}

/* transparent_hugepage/use_zero_page: THP_ZERO_PAGE (1), THP_NO_ZERO_PAGE (0), else 0. */
static uint64_t thp_zero_page(void)
{
    char line[16];
    FILE *f = fopen(THP_DIR "use_zero_page", "re");
    int got = f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    if (!got)
        return 0;
    return line[0] == '1' ? THP_ZERO_PAGE : line[0] == '0' ? THP_NO_ZERO_PAGE : 0;
}

int machine_measure(uint64_t page_size, MachineFacts *facts)
{
    facts->thp = thp_mode();
    facts->thp_zero = thp_zero_page();
    struct sysinfo info;
    facts->kernel = kernel_release();
    facts->overcommit = sysctl_value("/proc/sys/vm/overcommit_memory");
    facts->max_map_count = sysctl_value("/proc/sys/vm/max_map_count");
    facts->swap_bytes = sysinfo(&info) == 0 ? (uint64_t)info.totalswap * info.mem_unit : 0;
    facts->huge_pages = huge_pages_to_give();
    if (measure_execute_only(page_size, &facts->execute_only) != 0)
        return -1;
    return measure_alignment(page_size, facts);
}
