/*
 * kernelbase.h - what the files of the Win32 layer share: the last-error setter every wrapper uses.
 *
 * The Win32 layer (sim/win32/) sits on the NT core as kernelbase.dll and psapi.dll sit on ntdll:
 * it calls the NT routines and turns their NTSTATUS into the thread's last error. The core never
 * includes this header or calls into this folder.
 */
#ifndef VS_KERNELBASE_H
#define VS_KERNELBASE_H

#include "internal.h"
#include "vadsim/win32.h"

/* BaseSetLastNTError: the status's Win32 error becomes the thread's last error (error.c). */
void vs_set_last_nt_error(VsThread *thread, VsStatus status);
/* What kernelbase does with an OVERLAPPED before an I/O call (file.c): its byte offset and event
 * read, STATUS_PENDING stored into Internal (and 0 into InternalHigh when also_information);
 * STATUS_ACCESS_VIOLATION for a byte of it the caller cannot reach. */
VsStatus vs_overlapped_start(VsThread *thread, uint64_t overlapped, bool also_information,
                             uint64_t *offset, VsHandle *event);

#endif /* VS_KERNELBASE_H */
