/*
 * threads.c - the scenario's threads, real ones: each parked in a loop of its own, doing on its
 * own stack what a request asks of it (touching the stack down to a depth, setting its stack
 * guarantee, exiting, or any call the scenario makes as it: "as HANDLE REQUEST"), while the
 * request loop waits for it.
 *
 * A stack touch is the compiler's probe: one byte written in each page from the one below
 * StackLimit down to the deepest, through the same probe instruction read and write use, so the
 * exception handler notes a stack overflow or an access violation and resumes. Growth through the
 * guard page is the system's own (the thread touches its own stack, as the model's thread does).
 * Bytes above the thread's stack pointer are its live frames: a touch that reaches no deeper than
 * them writes nothing (the page is committed and resident anyway).
 */
#include "vadsim-agent.h"

#define MAX_THREADS 64
#ifdef _WIN64 /* TEB offsets (winternl.h, Wine's and Windows'): the agent's own architecture's */
#define TEB_DEALLOCATION_STACK 0x1478
#define TEB_GUARANTEED_STACK_BYTES 0x1748
#define TEB_LAST_STATUS_VALUE 0x1250
#else
#define TEB_DEALLOCATION_STACK 0xE0C
#define TEB_GUARANTEED_STACK_BYTES 0xF78
#define TEB_LAST_STATUS_VALUE 0xBF4
#endif

enum { NOTHING, TOUCH, GUARANTEE, EXIT, CALL, BLOCKING };

/* The longest "finish" waits for a thread's blocking call to return before cancelling it; how
 * long "start" gives the thread to reach the wait in its call (the test's Sleep(200) while its
 * second thread reads: kernel32 test_write_watch L1982), so that what the call does before it
 * waits (the probe of its buffer) is done when the next request comes. */
#define FINISH_WAIT_MS 10000
#define START_WAIT_MS 200

typedef struct Worker {
    HANDLE handle; /* the handle the harness holds, or NULL once closed */
    HANDLE thread; /* a handle of the agent's own, to wait for its end */
    HANDLE wake, done;
    volatile int command;
    volatile uint64_t argument, result, size;
    volatile DWORD error;
    volatile uintptr_t frames;   /* the thread's stack pointer where it parks */
    const AgentRequest *request; /* CALL: the request it carries out and answers */
    NT_TIB *teb;
    int ended;
    HANDLE process;        /* another process: the thread is suspended there; NULL: the agent's */
    uint64_t remote_teb;   /* its TEB, in that process */
    AgentRequest blocking; /* BLOCKING: the call it makes, which may wait ("start"); its answer */
    volatile int busy;     /* ... is not collected yet ("finish") */
    int returned_early;    /* ... returned within START_WAIT_MS: "finish" need not wait */
    volatile uint64_t blocking_ret, blocking_count;
    volatile LONG blocking_status;
} Worker;

static Worker workers[MAX_THREADS];

static uint64_t touch(Worker *w, uint64_t bytes)
{
    uint64_t base = (uint64_t)(uintptr_t)w->teb->StackBase;
    uint64_t limit = (uint64_t)(uintptr_t)w->teb->StackLimit;
    uint64_t deepest = bytes >= base ? 0 : base - bytes;
    guard.code = 0;
    if (deepest >= limit) {
        if (deepest < w->frames - 256)
            probe_write(deepest, 0);
        return (uint32_t)guard.code;
    }
    for (uint64_t page = (limit - 1) & ~(uint64_t)0xFFF;; page -= 0x1000) {
        probe_write(page > deepest ? page : deepest, 0);
        if (guard.code || page <= deepest || page < 0x1000)
            return (uint32_t)guard.code;
    }
}

/* A request made as the worker: served on its own stack, an exception in the call recovered
 * here as the request loop recovers its own (answered as if the call returned 0). */
static void serve_request(Worker *w)
{
    if (__builtin_setjmp(guard.jump)) {
        answer_start(0);
        answer_end();
        return;
    }
    guard.in_call = 1;
    (void)agent_dispatch(w->request);
    guard.in_call = 0;
}

/* The calling thread's TEB, from NT_TIB's Self: NtCurrentTeb() (whose x86 inline trips gcc's
 * bounds warning). */
static char *current_teb(void)
{
    char *teb;
#ifdef _WIN64
    __asm__("movq %%gs:0x30, %0" : "=r"(teb));
#else
    __asm__("movl %%fs:0x18, %0" : "=r"(teb));
#endif
    return teb;
}

/* A call that may wait, made by the worker with its own locals; the answer is kept for "finish".
 * Only ReadFile and ConnectNamedPipe are started so (the calls the model lets block a thread). */
static void make_blocking_call(Worker *w)
{
    const uint64_t *v = w->blocking.v;
    DWORD count = 0;
    BOOL ret;
    if (strcmp(w->blocking.name, "ReadFile") == 0) {
        count = (DWORD)v[4];
        ret = ReadFile(H(v[0]), P(v[1]), (DWORD)v[2], v[3] ? &count : NULL, P(v[5]));
    } else {
        ret = ConnectNamedPipe(H(v[0]), P(v[1]));
    }
    w->error = GetLastError();
    w->blocking_status = *(LONG *)(current_teb() + TEB_LAST_STATUS_VALUE);
    w->blocking_ret = (uint64_t)ret;
    w->blocking_count = count;
}

static DWORD WINAPI worker_main(void *parameter)
{
    Worker *w = parameter;
    volatile char here = 0;
    w->frames = (uintptr_t)&here;
    w->teb = (NT_TIB *)current_teb();
    SetEvent(w->done);
    for (;;) {
        WaitForSingleObject(w->wake, INFINITE);
        if (w->command == TOUCH) {
            w->result = touch(w, w->argument);
        } else if (w->command == GUARANTEE) {
            ULONG size = (ULONG)w->argument;
            w->result = SetThreadStackGuarantee(&size);
            w->error = GetLastError();
            w->size = size;
        } else if (w->command == EXIT) {
            ExitThread((DWORD)w->argument);
        } else if (w->command == CALL) {
            serve_request(w);
        } else if (w->command == BLOCKING) {
            make_blocking_call(w);
        }
        SetEvent(w->done);
    }
}

/* Has the worker carry out a command and waits for it (for its end, at EXIT). */
static void run(Worker *w, int command, uint64_t argument)
{
    w->command = command;
    w->argument = argument;
    SetEvent(w->wake);
    WaitForSingleObject(command == EXIT ? w->thread : w->done, INFINITE);
}

static Worker *find(uint64_t handle)
{
    for (int i = 0; i < MAX_THREADS; i++)
        if (workers[i].handle && (uint64_t)(uintptr_t)workers[i].handle == handle)
            return &workers[i];
    return NULL;
}

/* The handle the harness was given is closed: the thread goes on, unnamed. */
void forget_thread_handle(uint64_t handle)
{
    Worker *w = find(handle);
    if (w)
        w->handle = NULL;
}

/* A free slot for a thread, or NULL once the refusal is answered. */
static Worker *free_worker(const AgentRequest *r)
{
    for (int i = 0; i < MAX_THREADS; i++)
        if (!workers[i].thread)
            return &workers[i];
    refuse("too many threads for the agent: ", r->name);
    return NULL;
}

/* A thread of the agent's process (the one process names) with the agent's own start routine, its
 * stack sized as stack_size and flags say; CREATE_SUSPENDED is dropped (the thread must park to
 * take requests). The answer is its handle. */
static void start_worker(const AgentRequest *r, HANDLE process, uint64_t stack_size, DWORD flags)
{
    Worker *w = free_worker(r);
    if (!w)
        return;
    DWORD before = GetLastError(); /* CreateEvent sets it: the thread call must meet the caller's */
    *w = (Worker){.wake = CreateEventA(NULL, FALSE, FALSE, NULL),
                  .done = CreateEventA(NULL, FALSE, FALSE, NULL)};
    SetLastError(before);
    HANDLE h = CreateRemoteThread(process, NULL, stack_size, worker_main, w,
                                  flags & ~(DWORD)CREATE_SUSPENDED, NULL);
    DWORD error = GetLastError();
    if (h) {
        WaitForSingleObject(w->done, INFINITE);
        DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &w->thread, 0, FALSE,
                        DUPLICATE_SAME_ACCESS);
        w->handle = h;
    } else {
        CloseHandle(w->wake);
        CloseHandle(w->done);
        *w = (Worker){0};
    }
    SetLastError(error);
    answer_start((uint64_t)(uintptr_t)h);
    answer_end();
}

/* CreateThread security stack_size start parameter flags tid */
static void call_create_thread(const AgentRequest *r)
{
    start_worker(r, GetCurrentProcess(), r->v[1], (DWORD)r->v[4]);
}

/* The worker a request's handle names; else the answer for a bad handle, as the model gives it. */
static Worker *worker_of(const AgentRequest *r)
{
    Worker *w = find(r->v[0]);
    if (!w) {
        SetLastError(ERROR_INVALID_HANDLE);
        if (strcmp(r->name, "stack_touch") == 0)
            guard.code = (LONG)0xC0000008; /* STATUS_INVALID_HANDLE */
        answer_start(guard.code ? (uint32_t)guard.code : 0);
        answer_end();
    }
    return w;
}

/* The TEB's stack fields of a thread suspended in another process, read through the process's
 * handle: StackBase, StackLimit, DeallocationStack, GuaranteedStackBytes (a child of the agent's
 * own architecture, whose TEB is laid out as the agent's). FALSE when a read failed. */
static int read_remote_teb(const Worker *w, uint64_t fields[4])
{
    static const unsigned offsets[4] = {offsetof(NT_TIB, StackBase), offsetof(NT_TIB, StackLimit),
                                        TEB_DEALLOCATION_STACK, TEB_GUARANTEED_STACK_BYTES};
    static const unsigned sizes[4] = {sizeof(void *), sizeof(void *), sizeof(void *), 4};
    for (int i = 0; i < 4; i++) {
        SIZE_T done = 0;
        fields[i] = 0;
        if (!ReadProcessMemory(w->process, P(w->remote_teb + offsets[i]), &fields[i], sizes[i],
                               &done) ||
            done != sizes[i])
            return 0;
    }
    return 1;
}

/* thread_teb h: TRUE and the stack fields of its TEB, or FALSE once it has ended. */
static void call_thread_teb(const AgentRequest *r)
{
    Worker *w = worker_of(r);
    if (!w)
        return;
    if (w->process) {
        uint64_t fields[4];
        int read = !w->ended && read_remote_teb(w, fields);
        answer_start(read);
        for (int i = 0; read && i < 4; i++)
            answer_more(fields[i]);
        answer_end();
        return;
    }
    answer_start(!w->ended);
    if (!w->ended) {
        char *teb = (char *)w->teb;
        answer_more((uint64_t)(uintptr_t)w->teb->StackBase);
        answer_more((uint64_t)(uintptr_t)w->teb->StackLimit);
        answer_more((uint64_t)(uintptr_t) * (void **)(teb + TEB_DEALLOCATION_STACK));
        answer_more(*(ULONG *)(teb + TEB_GUARANTEED_STACK_BYTES));
    }
    answer_end();
}

/* Whether w is suspended in another process, where it runs nothing, or is still in a call it
 * started: then the request it would carry out on its own stack is refused (its exit in another
 * process is TerminateThread's: call_thread_exit). */
static int refused_remote(const Worker *w, const AgentRequest *r)
{
    if (w->process)
        refuse("the thread is suspended in another process and runs nothing: ", r->name);
    else if (w->busy)
        refuse("the thread is still in a call it started: ", r->name);
    return w->process != NULL || w->busy;
}

static void call_stack_touch(const AgentRequest *r)
{
    Worker *w = worker_of(r);
    if (!w || refused_remote(w, r))
        return;
    if (w->ended) {
        guard.code = (LONG)0xC000004B; /* STATUS_THREAD_IS_TERMINATING */
        answer_start((uint32_t)guard.code);
        answer_end();
        return;
    }
    run(w, TOUCH, r->v[1]);
    guard.code = (LONG)w->result;
    answer_start(w->result);
    answer_end();
}

/* thread_stack_guarantee h byref size: the thread's SetThreadStackGuarantee(&size). */
static void call_thread_stack_guarantee(const AgentRequest *r)
{
    Worker *w = worker_of(r);
    if (!w || refused_remote(w, r))
        return;
    if (!r->v[1] || w->ended) {
        answer_start(0);
        answer_more(r->v[2]);
        answer_end();
        return;
    }
    run(w, GUARANTEE, r->v[2]);
    if (!w->result)
        SetLastError(w->error);
    answer_start(w->result);
    answer_more(w->size);
    answer_end();
}

void serve_as_thread(uint64_t handle, const AgentRequest *r)
{
    Worker *w = find(handle);
    if (!w)
        refuse("'as' names no thread the scenario made here: ", r->name);
    else if (w->busy)
        refuse("'as' names a thread still in a call it started: ", r->name);
    else if (w->ended)
        refuse("'as' names a thread that has ended: ", r->name);
    else if (!refused_remote(w, r)) {
        w->request = r;
        run(w, CALL, 0);
    }
}

/* thread_set_stack h deallocation_stack stack_base stack_limit: the thread's TEB gets the three
 * stack fields (written for it while it waits: the same memory its own store would change). */
static void call_thread_set_stack(const AgentRequest *r)
{
    Worker *w = worker_of(r);
    if (!w || refused_remote(w, r))
        return;
    if (!w->ended) {
        *(void **)((char *)w->teb + TEB_DEALLOCATION_STACK) = P(r->v[1]);
        w->teb->StackBase = P(r->v[2]);
        w->teb->StackLimit = P(r->v[3]);
    }
    answer_start(!w->ended);
    answer_end();
}

/* IsBadReadPtr, IsBadWritePtr, IsBadCodePtr: kernel32's own, whose exception handler catches what
 * their touches raise (the agent's handler stands aside for them). */
static void call_is_bad_read_ptr(const AgentRequest *r)
{
    guard.in_call = 0;
    BOOL bad = IsBadReadPtr(P(r->v[0]), (UINT_PTR)r->v[1]);
    answer_start((uint64_t)bad);
    answer_end();
}

static void call_is_bad_write_ptr(const AgentRequest *r)
{
    guard.in_call = 0;
    BOOL bad = IsBadWritePtr(P(r->v[0]), (UINT_PTR)r->v[1]);
    answer_start((uint64_t)bad);
    answer_end();
}

static void call_is_bad_code_ptr(const AgentRequest *r)
{
    guard.in_call = 0;
    BOOL bad = IsBadCodePtr((FARPROC)P(r->v[0]));
    answer_start((uint64_t)bad);
    answer_end();
}

static DWORD WINAPI end_at_once(void *parameter) { return 0; }

/* Wine frees an ended thread's TEB and stack only when the next thread ends (its exit_thread keeps
 * the last one in prev_teb, to join it then): under Wine a thread of the agent's own ends at once
 * after, so that by the answer the stack is gone, as on Windows, where the kernel frees it as the
 * thread ends. That thread's own stack is left pending in its place. */
static void let_wine_free_the_stack(void)
{
    HANDLE h = nt.wine_version ? CreateThread(NULL, 0, end_at_once, NULL, 0, NULL) : NULL;
    if (h) {
        WaitForSingleObject(h, INFINITE);
        CloseHandle(h);
    }
}

/* A thread suspended in a process made from an image runs nothing, so it cannot call ExitThread:
 * TerminateThread ends it there, which frees its stack as the thread's own exit does (MS docs
 * "TerminateThread": only XP and Server 2003 left the initial stack); the answer comes once it has
 * ended. */
static void terminate_remote(Worker *w, DWORD code)
{
    DWORD error = GetLastError();
    LONG status = nt.last_status ? nt.last_status() : 0;
    if (TerminateThread(w->thread, code))
        WaitForSingleObject(w->thread, 5000);
    SetLastError(error); /* the thread's exit touches neither: TEB LastStatusValue too */
    *(LONG *)(current_teb() + TEB_LAST_STATUS_VALUE) = status;
}

static void call_thread_exit(const AgentRequest *r)
{
    Worker *w = worker_of(r);
    if (!w)
        return;
    if (w->busy) {
        refuse("the thread is still in a call it started: ", r->name);
        return;
    }
    int was = w->ended;
    if (!was && w->process) {
        terminate_remote(w, (DWORD)r->v[1]);
        w->ended = 1;
    } else if (!was) {
        run(w, EXIT, r->v[1]);
        w->ended = 1;
        let_wine_free_the_stack();
    }
    answer_start(!was);
    answer_end();
}

/* INITIAL_TEB, and ntdll's two stack routines (found at first use; Wine exports both). */
typedef struct AgentInitialTeb {
    PVOID OldStackBase, OldStackLimit, StackBase, StackLimit, DeallocationStack;
} AgentInitialTeb;
typedef LONG(NTAPI *RtlCreateUserStackFn)(SIZE_T, SIZE_T, ULONG_PTR, SIZE_T, SIZE_T,
                                          AgentInitialTeb *);
typedef void(NTAPI *RtlFreeUserStackFn)(PVOID);

static FARPROC ntdll_routine(const char *name)
{
    return GetProcAddress(GetModuleHandleA("ntdll.dll"), name);
}

/* RtlCreateUserStack commit reserve zero_bits commit_align reserve_align: the status, then the
 * INITIAL_TEB's five fields when it succeeded. */
static void call_rtl_create_user_stack(const AgentRequest *r)
{
    RtlCreateUserStackFn create = (RtlCreateUserStackFn)(void *)ntdll_routine(r->name);
    if (!create) {
        refuse_unknown(r);
        return;
    }
    AgentInitialTeb stack = {0};
    LONG status = create(r->v[0], r->v[1], r->v[2], r->v[3], r->v[4], &stack);
    answer_start((uint32_t)status);
    if (status >= 0) {
        answer_more((uint64_t)(uintptr_t)stack.OldStackBase);
        answer_more((uint64_t)(uintptr_t)stack.OldStackLimit);
        answer_more((uint64_t)(uintptr_t)stack.StackBase);
        answer_more((uint64_t)(uintptr_t)stack.StackLimit);
        answer_more((uint64_t)(uintptr_t)stack.DeallocationStack);
    }
    answer_end();
}

static void call_rtl_free_user_stack(const AgentRequest *r)
{
    RtlFreeUserStackFn release = (RtlFreeUserStackFn)(void *)ntdll_routine(r->name);
    if (!release) {
        refuse_unknown(r);
        return;
    }
    release(P(r->v[0]));
    answer_start(0);
    answer_end();
}

/* ntdll's RtlCreateUserThread (CLIENT_ID as two handles: the process's and the thread's ids). */
typedef LONG(NTAPI *RtlCreateUserThreadFn)(HANDLE, PSECURITY_DESCRIPTOR, BOOLEAN, ULONG_PTR, SIZE_T,
                                           SIZE_T, PVOID, PVOID, HANDLE *, HANDLE *);

/* RtlCreateUserThread process security suspended zero_bits reserve commit start parameter
 * byref_thread thread client_id: a thread of the agent's own process with the agent's start
 * routine, parked as CreateThread's are (suspended is dropped: it must park to take requests);
 * the status, then the handle (as the call left it). Other processes are refused, as
 * CreateRemoteThread's into processes the agent did not make. */
static void call_rtl_create_user_thread(const AgentRequest *r)
{
    const uint64_t *v = r->v;
    RtlCreateUserThreadFn create = (RtlCreateUserThreadFn)(void *)ntdll_routine(r->name);
    HANDLE process = H(v[0]);
    if (!create) {
        refuse_unknown(r);
        return;
    }
    if (process != GetCurrentProcess() && GetProcessId(process) != GetCurrentProcessId()) {
        refuse("the agent makes ntdll's threads in its own process only: ", r->name);
        return;
    }
    Worker *w = free_worker(r);
    if (!w)
        return;
    *w = (Worker){.wake = CreateEventA(NULL, FALSE, FALSE, NULL),
                  .done = CreateEventA(NULL, FALSE, FALSE, NULL)};
    HANDLE h = NULL, client[2] = {0};
    LONG status = create(process, NULL, FALSE, (ULONG_PTR)v[3], (SIZE_T)v[4], (SIZE_T)v[5],
                         (void *)worker_main, w, &h, client);
    if (status >= 0) { /* without &thread the worker parks unnamed, as after CloseHandle */
        WaitForSingleObject(w->done, INFINITE);
        DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &w->thread, 0, FALSE,
                        DUPLICATE_SAME_ACCESS);
        if (v[8])
            w->handle = h;
        else
            CloseHandle(h);
    } else {
        CloseHandle(w->wake);
        CloseHandle(w->done);
        *w = (Worker){0};
    }
    answer_start((uint32_t)status);
    answer_more(status >= 0 && v[8] ? (uint64_t)(uintptr_t)h : v[9]);
    answer_end();
}

/* THREAD_BASIC_INFORMATION as winternl.h lays it out. */
typedef struct AgentThreadBasicInformation {
    LONG ExitStatus;
    PVOID TebBaseAddress;
    HANDLE UniqueProcess, UniqueThread;
    ULONG_PTR AffinityMask;
    LONG Priority, BasePriority;
} AgentThreadBasicInformation;
typedef LONG(NTAPI *NtQueryInformationThreadFn)(HANDLE, ULONG, PVOID, ULONG, PULONG);

/* The TEB of thread h (ThreadBasicInformation), or 0. Windows knows it once the thread is made;
 * Wine 8.0's wineserver learns it from the new thread's first request, a moment after
 * CreateRemoteThread has returned (the thread's start-up code runs, the thread's own code never
 * does), and answers 0 until then. */
static uint64_t teb_of(HANDLE h)
{
    NtQueryInformationThreadFn query =
        (NtQueryInformationThreadFn)(void *)ntdll_routine("NtQueryInformationThread");
    AgentThreadBasicInformation info;
    memset(&info, 0, sizeof info);
    if (!query || query(h, 0 /* ThreadBasicInformation */, &info, sizeof info, NULL) < 0)
        return 0;
    return (uint64_t)(uintptr_t)info.TebBaseAddress;
}

/* A thread made through the handle of a process the agent made from the scenario's image
 * (children.c), always CREATE_SUSPENDED, so it never runs there: its stack and TEB stand as the
 * system made them, and its start address (the agent's end_at_once, which names nothing there)
 * is never reached. The agent keeps a handle of its own to the thread's process, with the rights
 * to read its TEB. */
static void start_remote(const AgentRequest *r, HANDLE process, uint64_t stack_size, DWORD flags)
{
    Worker *w = free_worker(r);
    if (!w)
        return;
    HANDLE h = CreateRemoteThread(process, NULL, stack_size, end_at_once, NULL,
                                  flags | CREATE_SUSPENDED, NULL);
    DWORD error = GetLastError();
    if (h) {
        *w = (Worker){.handle = h, .remote_teb = teb_of(h)};
        for (int i = 0; i < 500 && !w->remote_teb; i++) { /* Wine 8.0: see teb_of */
            Sleep(10);
            w->remote_teb = teb_of(h);
        }
        DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &w->thread, 0, FALSE,
                        DUPLICATE_SAME_ACCESS);
        w->process = OpenProcess(PROCESS_VM_READ | PROCESS_QUERY_INFORMATION, FALSE,
                                 GetProcessIdOfThread(h));
    }
    SetLastError(error);
    answer_start((uint64_t)(uintptr_t)h);
    answer_end();
}

/* CreateRemoteThread process security stack_size start parameter flags tid: in the agent's own
 * process (its pseudo-handle, or a handle to it) a thread as CreateThread's, made through the
 * handle, so its access rights count; through a handle to a process the agent made from the
 * scenario's image, a thread made suspended there (start_remote), through the same handle. Other
 * processes (another scenario process's agent, or one the handle cannot tell) are refused: the
 * harness pairs a thread's stack in the caller's address space. */
static void call_create_remote_thread(const AgentRequest *r)
{
    HANDLE process = H(r->v[0]);
    DWORD pid = GetProcessId(process);
    if (process == GetCurrentProcess() || pid == GetCurrentProcessId())
        start_worker(r, process, r->v[2], (DWORD)r->v[5]);
    else if (is_child(pid))
        start_remote(r, process, r->v[2], (DWORD)r->v[5]);
    else
        refuse("the agent makes threads in its own process and in those it made from an image "
               "only: ",
               r->name);
}

static void call_finish(const AgentRequest *r);

const AgentCall agent_thread_calls[] = {
    {"CreateThread", 6, call_create_thread},
    {"CreateRemoteThread", 7, call_create_remote_thread},
    {"thread_teb", 1, call_thread_teb},
    {"stack_touch", 2, call_stack_touch},
    {"thread_stack_guarantee", 3, call_thread_stack_guarantee},
    {"thread_exit", 2, call_thread_exit},
    {"finish", 1, call_finish},
    {"RtlCreateUserStack", 5, call_rtl_create_user_stack},
    {"RtlFreeUserStack", 1, call_rtl_free_user_stack},
    {"RtlCreateUserThread", 11, call_rtl_create_user_thread},
    {"thread_set_stack", 4, call_thread_set_stack},
    {"IsBadReadPtr", 2, call_is_bad_read_ptr},
    {"IsBadWritePtr", 2, call_is_bad_write_ptr},
    {"IsBadCodePtr", 1, call_is_bad_code_ptr},
};

const size_t agent_thread_call_count = AGENT_COUNT(agent_thread_calls);

/* "start HANDLE REQUEST": the thread makes a call that may wait (a synchronous ReadFile or
 * ConnectNamedPipe of a pipe) while the requests go on; the answer, "= 0", says it started. */
void start_as_thread(uint64_t handle, const AgentRequest *r)
{
    Worker *w = find(handle);
    if (!w || w->ended || w->busy || w->process)
        refuse("'start' names no idle thread of the agent's own: ", r->name);
    else if ((strcmp(r->name, "ReadFile") != 0 || r->count != 6) &&
             (strcmp(r->name, "ConnectNamedPipe") != 0 || r->count != 2))
        refuse("'start' makes ReadFile and ConnectNamedPipe only: ", r->name);
    else {
        w->blocking = *r;
        w->busy = 1;
        w->command = BLOCKING;
        SetEvent(w->wake);
        w->returned_early = WaitForSingleObject(w->done, START_WAIT_MS) == WAIT_OBJECT_0;
        answer_start(0);
        answer_end();
    }
}

/* finish HANDLE: the answer of the call the thread started, once it returned (ReadFile's with its
 * count). One that has not returned in FINISH_WAIT_MS is cancelled (CancelSynchronousIo), so that
 * the thread ends its call and the agent never waits for ever; its answer then says so. */
static void call_finish(const AgentRequest *r)
{
    Worker *w = find(r->v[0]);
    if (!w || !w->busy) {
        refuse("'finish' names no thread with a call started", "");
        return;
    }
    if (!w->returned_early && WaitForSingleObject(w->done, FINISH_WAIT_MS) != WAIT_OBJECT_0 &&
        (!CancelSynchronousIo(w->thread) || WaitForSingleObject(w->done, 2000) != WAIT_OBJECT_0)) {
        refuse("the thread's call did not return, and could not be cancelled", "");
        return;
    }
    w->busy = 0;
    SetLastError(w->error);
    *(LONG *)(current_teb() + TEB_LAST_STATUS_VALUE) = w->blocking_status;
    answer_start(w->blocking_ret);
    if (strcmp(w->blocking.name, "ReadFile") == 0)
        answer_more(w->blocking_count);
    answer_end();
}
