/*
 * test_pipe.c - named pipes, events and OVERLAPPED I/O (pipe.c, event.c, irp.c, readfile.c, and
 * win32/pipe.c, sync.c, file.c above them): a read left pending on an empty pipe and completed by a
 * write, what it writes of the process's memory (write watch), messages, NPFS's statuses, ends
 * closed under waiting reads, waits, and the calls that would wait for ever. Invariants after
 * every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h" /* vs_user_pointer_read */
#include "testutil.h"

#define PIPE "\\\\.\\pipe\\test"

/* A 64 KB write-watch buffer; a page at mem for the data and the OVERLAPPED (at mem + 0x100). */
typedef struct Buffers {
    uint64_t watched, mem, ov;
} Buffers;

static Buffers buffers(Fixture *f)
{
    Buffers b = {VsVirtualAlloc(f->thread, 0, 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                                PAGE_READWRITE),
                 VsVirtualAlloc(f->thread, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), 0};
    assert_true(b.watched && b.mem);
    b.ov = b.mem + 0x100;
    const char *hello = "Hello World";
    for (int i = 0; i < 12; i++)
        assert_int_equal(vs_memory_write(f->thread, b.mem + i, (uint8_t)hello[i]), STATUS_SUCCESS);
    CHECK_INVARIANTS(f);
    return b;
}

static uint64_t word(Fixture *f, uint64_t at)
{
    uint64_t value = 0;
    assert_int_equal(vs_user_pointer_read(f->thread, at, &value), STATUS_SUCCESS);
    return value;
}

/* The pages of the watched buffer written since the last call, and reset. */
static uint64_t written_pages(Fixture *f, uint64_t base, uint64_t *first)
{
    uint64_t addresses[16], count = 16;
    uint32_t granularity;
    assert_int_equal(VsGetWriteWatch(f->thread, WRITE_WATCH_FLAG_RESET, base, 0x10000, addresses,
                                     &count, &granularity),
                     0);
    if (first)
        *first = count ? addresses[0] : 0;
    CHECK_INVARIANTS(f);
    return count;
}

static VsHandle server(Fixture *f, uint32_t open_mode, uint32_t pipe_mode)
{
    VsHandle h = VsCreateNamedPipe(f->thread, PIPE, open_mode, pipe_mode, 1, 1024, 1024, 0);
    assert_true(h != VS_INVALID_HANDLE_VALUE);
    CHECK_INVARIANTS(f);
    return h;
}

static VsHandle client(Fixture *f, uint32_t access, uint32_t attributes)
{
    VsHandle h = VsCreateFile(f->thread, PIPE, access, 0, OPEN_EXISTING, attributes);
    CHECK_INVARIANTS(f);
    return h;
}

static bool signaled(Fixture *f, VsHandle object)
{
    return VsWaitForSingleObject(f->thread, object, 0) == WAIT_OBJECT_0;
}

/* test_write_watch L1896-1955, both types: the connect and the read left pending, all 16 pages
 * written by the probe, then page 0 alone by the completion; Internal, InternalHigh, the event. */
static void test_read_left_pending(void **state)
{
    Fixture *f = *state;
    Buffers b = buffers(f);
    for (uint32_t type = PIPE_TYPE_BYTE; type <= PIPE_TYPE_MESSAGE; type += PIPE_TYPE_MESSAGE) {
        VsHandle ev = VsCreateEvent(f->thread, true, false);
        assert_int_equal(vs_overlapped_init(f->thread, b.ov, ev), 0);
        VsHandle r = server(f, FILE_FLAG_OVERLAPPED | PIPE_ACCESS_INBOUND, type);
        assert_false(VsConnectNamedPipe(f->thread, r, b.ov));
        assert_int_equal(VsGetLastError(f->thread), ERROR_IO_PENDING);
        assert_int_equal(word(f, b.ov), STATUS_PENDING);
        assert_false(signaled(f, ev));
        VsHandle w = client(f, GENERIC_WRITE, 0);
        assert_true(w != VS_INVALID_HANDLE_VALUE);
        assert_int_equal(word(f, b.ov), STATUS_SUCCESS);
        assert_true(signaled(f, ev));
        (void)written_pages(f, b.watched, NULL);
        assert_false(VsReadFile(f->thread, r, b.watched, 0x10000, NULL, b.ov));
        assert_int_equal(VsGetLastError(f->thread), ERROR_IO_PENDING);
        assert_false(signaled(f, ev)); /* NtReadFile cleared it */
        assert_int_equal(word(f, b.ov), STATUS_PENDING);
        assert_int_equal(written_pages(f, b.watched, NULL), 16);
        uint64_t n = 0, first = 0;
        assert_true(VsWriteFile(f->thread, w, b.mem, 12, &n, 0));
        assert_int_equal(n, 12);
        CHECK_INVARIANTS(f);
        assert_true(signaled(f, ev));
        assert_int_equal(word(f, b.ov), STATUS_SUCCESS);
        assert_int_equal(word(f, b.ov + 8), 12);
        n = 0;
        assert_true(VsGetOverlappedResult(f->thread, r, b.ov, &n, true));
        assert_int_equal(n, 12);
        uint8_t byte = 0;
        assert_int_equal(vs_memory_read(f->thread, b.watched + 6, &byte), STATUS_SUCCESS);
        assert_int_equal(byte, 'W');
        assert_int_equal(written_pages(f, b.watched, &first), 1);
        assert_int_equal(first, b.watched);
        assert_true(VsCloseHandle(f->thread, r) && VsCloseHandle(f->thread, w));
        assert_true(VsCloseHandle(f->thread, ev));
        CHECK_INVARIANTS(f);
    }
}

/* L2045-2104: the OVERLAPPED in page 15 of the watched buffer: page 0 and page 15 written when
 * the read is queued, and again when it completes. A read left pending at the end is freed with
 * the system. */
static void test_overlapped_in_buffer(void **state)
{
    Fixture *f = *state;
    Buffers b = buffers(f);
    VsHandle r = server(f, FILE_FLAG_OVERLAPPED | PIPE_ACCESS_INBOUND, PIPE_TYPE_MESSAGE);
    VsHandle w = client(f, GENERIC_WRITE, 0);
    uint64_t ov2 = b.watched + 0x10000 - 32, n = 0, first = 0;
    VsHandle ev = VsCreateEvent(f->thread, true, false);
    assert_int_equal(vs_overlapped_init(f->thread, ov2, ev), 0);
    (void)written_pages(f, b.watched, NULL);
    assert_false(VsReadFile(f->thread, r, b.watched, 12, NULL, ov2));
    assert_int_equal(VsGetLastError(f->thread), ERROR_IO_PENDING);
    assert_false(VsGetOverlappedResult(f->thread, r, ov2, &n, false));
    assert_int_equal(VsGetLastError(f->thread), ERROR_IO_INCOMPLETE);
    assert_int_equal(written_pages(f, b.watched, &first), 2);
    assert_true(VsWriteFile(f->thread, w, b.mem, 12, &n, 0));
    assert_int_equal(written_pages(f, b.watched, &first), 2);
    assert_int_equal(first, b.watched);
    assert_true(VsGetOverlappedResult(f->thread, r, ov2, &n, true));
    assert_int_equal(n, 12);
    assert_int_equal(VsGetLastError(f->thread), ERROR_SUCCESS);
    /* Left pending for the teardown to free. */
    assert_false(VsReadFile(f->thread, r, b.watched, 12, NULL, ov2));
    CHECK_INVARIANTS(f);
}

/* Messages: a read shorter than the message fills its buffer (ERROR_MORE_DATA) and leaves the
 * rest; a byte pipe's reads cross writes. Data queued before the read is read at once. */
static void test_messages(void **state)
{
    Fixture *f = *state;
    Buffers b = buffers(f);
    VsHandle ev = VsCreateEvent(f->thread, false, false);
    assert_int_equal(vs_overlapped_init(f->thread, b.ov, ev), 0);
    VsHandle r = server(f, FILE_FLAG_OVERLAPPED | PIPE_ACCESS_INBOUND,
                        PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE);
    VsHandle w = client(f, GENERIC_WRITE, FILE_FLAG_OVERLAPPED);
    uint64_t n = 0;
    assert_false(VsReadFile(f->thread, r, b.watched, 5, NULL, b.ov));
    assert_true(VsWriteFile(f->thread, w, b.mem, 12, &n, 0));
    assert_false(VsGetOverlappedResult(f->thread, r, b.ov, &n, false));
    assert_int_equal(VsGetLastError(f->thread), ERROR_MORE_DATA);
    assert_int_equal(n, 5);
    assert_int_equal(VsGetFileSize(f->thread, r, NULL), 7); /* the message's rest */
    assert_true(VsReadFile(f->thread, r, b.watched, 100, &n, 0));
    assert_int_equal(n, 7);
    CHECK_INVARIANTS(f);
    assert_true(VsCloseHandle(f->thread, w) && VsCloseHandle(f->thread, r));
    r = server(f, PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE);
    w = client(f, GENERIC_WRITE, 0);
    assert_true(VsWriteFile(f->thread, w, b.mem, 5, &n, 0));
    assert_true(VsWriteFile(f->thread, w, b.mem, 7, &n, 0));
    assert_true(VsReadFile(f->thread, r, b.watched, 100, &n, 0));
    assert_int_equal(n, 12);
    CHECK_INVARIANTS(f);
}

static void expect_error(Fixture *f, bool ok, uint32_t error)
{
    assert_false(ok);
    assert_int_equal(VsGetLastError(f->thread), error);
    CHECK_INVARIANTS(f);
}

/* CreateNamedPipe's, a client's and ConnectNamedPipe's refusals (kernel32 pipe.c
 * test_CreateNamedPipe), handles of the wrong kind. */
static void test_refusals(void **state)
{
    Fixture *f = *state;
    Buffers b = buffers(f);
    uint64_t n;
    expect_error(f,
                 VsCreateNamedPipe(f->thread, NULL, PIPE_ACCESS_DUPLEX, 0, 1, 1024, 1024, 0) !=
                     VS_INVALID_HANDLE_VALUE,
                 ERROR_PATH_NOT_FOUND);
    expect_error(f,
                 VsCreateNamedPipe(f->thread, "not a named pipe", PIPE_ACCESS_DUPLEX, 0, 1, 1024,
                                   1024, 0) != VS_INVALID_HANDLE_VALUE,
                 ERROR_INVALID_NAME);
    expect_error(f,
                 VsCreateNamedPipe(f->thread, PIPE, PIPE_ACCESS_DUPLEX, PIPE_READMODE_MESSAGE, 1,
                                   1024, 1024, 0) != VS_INVALID_HANDLE_VALUE,
                 ERROR_INVALID_PARAMETER);
    expect_error(f, client(f, GENERIC_WRITE, 0) != VS_INVALID_HANDLE_VALUE, ERROR_FILE_NOT_FOUND);
    VsHandle r = server(f, PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE);
    assert_int_equal(VsGetLastError(f->thread), ERROR_SUCCESS);
    expect_error(f,
                 VsCreateNamedPipe(f->thread, PIPE, PIPE_ACCESS_INBOUND, 0, 1, 1024, 1024, 0) !=
                     VS_INVALID_HANDLE_VALUE,
                 ERROR_PIPE_BUSY);
    expect_error(f, VsReadFile(f->thread, r, b.watched, 10, &n, 0), ERROR_PIPE_LISTENING);
    expect_error(f, client(f, GENERIC_READ, 0) != VS_INVALID_HANDLE_VALUE, ERROR_ACCESS_DENIED);
    VsHandle w = client(f, GENERIC_WRITE, 0);
    expect_error(f, client(f, GENERIC_WRITE, 0) != VS_INVALID_HANDLE_VALUE, ERROR_PIPE_BUSY);
    expect_error(f, VsConnectNamedPipe(f->thread, r, 0), ERROR_PIPE_CONNECTED);
    expect_error(f, VsConnectNamedPipe(f->thread, w, 0), ERROR_INVALID_FUNCTION);
    expect_error(f, VsReadFile(f->thread, w, b.watched, 10, &n, 0), ERROR_ACCESS_DENIED);
    VsHandle ev = VsCreateEvent(f->thread, true, false);
    expect_error(f, VsReadFile(f->thread, ev, b.watched, 10, &n, 0), ERROR_INVALID_HANDLE);
    expect_error(f, VsConnectNamedPipe(f->thread, ev, 0), ERROR_INVALID_HANDLE);
    assert_int_equal(vs_overlapped_init(f->thread, b.ov, r), 0); /* hEvent not an event */
    expect_error(f, VsReadFile(f->thread, r, b.watched, 10, NULL, b.ov), ERROR_INVALID_HANDLE);
    assert_int_equal(vs_file_create(f->system, "data", 10, NULL, 0, 0), STATUS_SUCCESS);
    VsHandle file = VsCreateFile(f->thread, "data", GENERIC_READ, 0, OPEN_EXISTING, 0);
    expect_error(f, VsConnectNamedPipe(f->thread, file, 0), ERROR_INVALID_FUNCTION);
    expect_error(f, VsCreateFileMapping(f->thread, r, PAGE_READONLY, 0, 0x1000, NULL) != 0,
                 ERROR_BAD_EXE_FORMAT);
    assert_int_equal(VsWaitForSingleObject(f->thread, 0x1234, 0), WAIT_FAILED);
    assert_int_equal(VsGetLastError(f->thread), ERROR_INVALID_HANDLE);
}

/* Closing an end fails the reads left waiting (ERROR_BROKEN_PIPE), sets their events; the name
 * goes with the server's end. */
static void test_close_under_read(void **state)
{
    Fixture *f = *state;
    Buffers b = buffers(f);
    VsHandle ev = VsCreateEvent(f->thread, true, false);
    assert_int_equal(vs_overlapped_init(f->thread, b.ov, ev), 0);
    VsHandle r = server(f, FILE_FLAG_OVERLAPPED | PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE);
    VsHandle w = client(f, GENERIC_WRITE, 0);
    uint64_t n = 0;
    assert_false(VsReadFile(f->thread, r, b.watched, 10, NULL, b.ov));
    assert_true(VsCloseHandle(f->thread, w));
    CHECK_INVARIANTS(f);
    assert_true(signaled(f, ev));
    expect_error(f, VsGetOverlappedResult(f->thread, r, b.ov, &n, true), ERROR_BROKEN_PIPE);
    expect_error(f, VsReadFile(f->thread, r, b.watched, 10, &n, 0), ERROR_BROKEN_PIPE);
    expect_error(f, VsConnectNamedPipe(f->thread, r, 0), ERROR_NO_DATA);
    assert_true(VsCloseHandle(f->thread, r));
    CHECK_INVARIANTS(f);
    expect_error(f, client(f, GENERIC_WRITE, 0) != VS_INVALID_HANDLE_VALUE, ERROR_FILE_NOT_FOUND);
}

/* A synchronous connect waits in the call until the client comes; the calls that would wait for
 * ever say so (would_wait) and change nothing else; finite waits time out; a synchronization event
 * is reset by the wait it satisfies. */
static void test_waits(void **state)
{
    Fixture *f = *state;
    Buffers b = buffers(f);
    VsHandle r = server(f, PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE);
    uint64_t n = 0;
    bool ret = false;
    assert_false(VsConnectNamedPipe(f->thread, r, 0)); /* the first thread waits in it */
    assert_true(vs_thread_blocked(f->thread));
    assert_false(vs_thread_take_would_wait(f->thread));
    VsHandle w = client(f, GENERIC_WRITE, 0);
    assert_true(VsBlockedCallReturn(f->thread, &ret, NULL) && ret);
    CHECK_INVARIANTS(f);
    for (int i = 0; i < 85; i++) /* 85 writes of 12 bytes fill the 1024-byte queue */
        assert_true(VsWriteFile(f->thread, w, b.mem, 12, &n, 0));
    assert_false(vs_thread_take_would_wait(f->thread));
    assert_false(VsWriteFile(f->thread, w, b.mem, 12, &n, 0));
    assert_true(vs_thread_take_would_wait(f->thread));
    assert_int_equal(VsGetFileSize(f->thread, r, NULL), 1020);
    VsHandle automatic = VsCreateEvent(f->thread, false, true);
    assert_int_equal(VsWaitForSingleObject(f->thread, automatic, VS_INFINITE), WAIT_OBJECT_0);
    assert_int_equal(VsWaitForSingleObject(f->thread, automatic, 10), WAIT_TIMEOUT);
    assert_false(vs_thread_take_would_wait(f->thread));
    assert_int_equal(VsWaitForSingleObject(f->thread, automatic, VS_INFINITE), WAIT_TIMEOUT);
    assert_true(vs_thread_take_would_wait(f->thread));
    VsHandle copy = 0;
    assert_true(VsDuplicateHandle(f->thread, VS_CURRENT_PROCESS, automatic, VS_CURRENT_PROCESS,
                                  &copy, 0, false, DUPLICATE_SAME_ACCESS));
    assert_true(VsCloseHandle(f->thread, automatic));
    assert_int_equal(VsWaitForSingleObject(f->thread, copy, 0), WAIT_TIMEOUT);
    assert_true(VsCloseHandle(f->thread, copy));
    CHECK_INVARIANTS(f);
}

/* test_write_watch L1957-2005: a second thread's synchronous connect and read wait in the call;
 * the client's open and write complete them, and each returns once (VsBlockedCallReturn). A close
 * under a waiting read makes it return ERROR_BROKEN_PIPE; one still waiting at the end is freed
 * with the system. */
static void test_thread_waits(void **state)
{
    Fixture *f = *state;
    Buffers b = buffers(f);
    VsThread *t = vs_handle_thread(f->thread, VsCreateThread(f->thread, 0, 0, NULL));
    assert_non_null(t);
    VsHandle r = server(f, PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE);
    uint64_t n = 0xdead;
    bool ret = false;
    assert_false(VsConnectNamedPipe(t, r, 0));
    assert_true(vs_thread_blocked(t));
    assert_false(VsBlockedCallReturn(t, &ret, NULL));
    CHECK_INVARIANTS(f);
    VsHandle w = client(f, GENERIC_WRITE, 0);
    assert_false(vs_thread_blocked(t));
    assert_true(VsBlockedCallReturn(t, &ret, NULL));
    assert_true(ret);
    assert_false(VsBlockedCallReturn(t, &ret, NULL)); /* once */
    (void)written_pages(f, b.watched, NULL);
    assert_false(VsReadFile(t, r, b.watched, 0x10000, &n, 0));
    assert_true(vs_thread_blocked(t));
    assert_int_equal(written_pages(f, b.watched, NULL), 16);
    assert_true(VsWriteFile(f->thread, w, b.mem, 12, &n, 0));
    CHECK_INVARIANTS(f);
    assert_true(VsBlockedCallReturn(t, &ret, &n));
    assert_true(ret);
    assert_int_equal(n, 12);
    uint64_t first = 0;
    assert_int_equal(written_pages(f, b.watched, &first), 1);
    assert_int_equal(first, b.watched);
    assert_false(VsReadFile(t, r, b.watched, 16, &n, 0));
    assert_true(VsCloseHandle(f->thread, w));
    assert_true(VsBlockedCallReturn(t, &ret, &n));
    assert_false(ret);
    assert_int_equal(VsGetLastError(t), ERROR_BROKEN_PIPE);
    CHECK_INVARIANTS(f);
    VsHandle r2 = VsCreateNamedPipe(f->thread, "\\\\.\\pipe\\other", PIPE_ACCESS_INBOUND, 0, 1,
                                    1024, 1024, 0);
    assert_false(VsConnectNamedPipe(t, r2, 0)); /* left waiting for the teardown */
    assert_true(vs_thread_blocked(t));
    /* Closing r2 would wait for t's connect to end (IopCloseFile takes the file object's lock,
     * which t's synchronous request holds): nothing is closed. */
    assert_true(VsCloseHandle(f->thread, r2));
    assert_true(vs_thread_take_would_wait(f->thread));
    assert_true(vs_thread_blocked(t));
    CHECK_INVARIANTS(f);
}

#define SETUP(test) cmocka_unit_test_setup_teardown(test, fixture_setup_x64, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        SETUP(test_read_left_pending), SETUP(test_overlapped_in_buffer), SETUP(test_messages),
        SETUP(test_refusals),          SETUP(test_close_under_read),     SETUP(test_waits),
        SETUP(test_thread_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
