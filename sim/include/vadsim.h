/*
 * vadsim.h - the public interface of the vadsim model of the Windows memory manager, and of the
 * Linux personality it runs on the same VAD tree, page tables and PFN database: what a driver
 * includes. It includes a header per reader, as libuv's uv.h includes uv/unix.h:
 *   vs_status.h       every status the model returns, with its Win32 error and a sentence;
 *   vadsim/nt.h       the NT core: constants, the machine and its processes, the Nt* calls;
 *   vadsim/win32.h    the Win32 layer (kernelbase and psapi) over the NT calls;
 *   vadsim/inspect.h  the readers: VAD tree, page tables, PFN database, working sets, sections;
 *   vadsim/events.h   the event log: what each call changed;
 *   vadsim/linux.h    the Linux personality's calls (mmap and friends) and /proc readers.
 *
 * The model is a library with no I/O and no globals: a VsSystem owns everything (processes, their
 * address spaces, page-table pages, the event log the caller attached) and every call takes the
 * object it acts on by pointer. Drivers (the scenario runner, the verification harness, the
 * visualiser) call the Windows-shaped facade, or the Linux one, and read what changed from the
 * event log. The facade keeps each Windows routine's name after a "Vs" prefix and its parameter
 * order.
 */
#ifndef VADSIM_H
#define VADSIM_H

#include "vs_status.h"
#include "vadsim/nt.h"
#include "vadsim/win32.h"
#include "vadsim/inspect.h"
#include "vadsim/events.h"
#include "vadsim/linux.h"

/* Looks a constant up by name, whichever reader it belongs to: Windows' (MEM_, PAGE_, STATUS_,
 * ERROR_, ...) or the Linux personality's (PROT_, MAP_, E*, ...). */
static inline bool vs_constant_lookup(const char *name, uint64_t *value)
{
    return vs_windows_constant_lookup(name, value) || vs_linux_constant_lookup(name, value);
}

#endif /* VADSIM_H */
