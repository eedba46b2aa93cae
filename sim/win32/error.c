/*
 * error.c - the thread's last error: GetLastError, SetLastError, and how a status becomes one.
 *
 * Models the TEB's LastErrorValue and LastStatusValue as kernelbase and ntdll use them: a Win32
 * call that fails stores its status's Win32 error (RtlNtStatusToDosError, vs_status.h's table) and
 * the status itself; one that succeeds leaves both alone, as Windows does.
 */
#include "kernelbase.h"

uint32_t VsGetLastError(const VsThread *thread) { return thread->last_error; }

void VsSetLastError(VsThread *thread, uint32_t error) { thread->last_error = error; }

/* BaseSetLastNTError: the status's Win32 error becomes the thread's last error, and the status
 * itself is kept as TEB LastStatusValue (what RtlGetLastNtStatus reads). */
void vs_set_last_nt_error(VsThread *thread, VsStatus status)
{
    thread->last_error = vs_status_to_win32(status);
    thread->last_status = status;
}

VsStatus VsRtlGetLastNtStatus(const VsThread *thread) { return thread->last_status; }
