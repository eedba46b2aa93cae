/*
 * readwrt.c - copying memory between two processes: NtReadVirtualMemory, NtWriteVirtualMemory.
 *
 * Models WRK mm/readwrt.c (NtReadVirtualMemory, NtWriteVirtualMemory, MmCopyVirtualMemory and its
 * MiDoMappedCopy and MiDoPoolCopy). The checks come in its order: either range wrapping or ending
 * above the highest user address is STATUS_ACCESS_VIOLATION, nothing written back; a size of 0
 * succeeds without looking at the handle; then the handle, which needs PROCESS_VM_READ (read) or
 * PROCESS_VM_WRITE (write); the count is written back from there on, failure or not (0 for a bad
 * handle: Wine's ntdll test_readvirtualmemory, L2883-2886).
 *
 * The copy goes in chunks of 14 pages (MAX_LOCK_SIZE) counted from the start; one of at most 511
 * bytes is a single chunk. Each chunk's source pages are faulted in and locked before any of its
 * bytes move, so a source page that cannot be read fails its whole chunk: STATUS_PARTIAL_COPY,
 * with the bytes of the chunks before (kernel32 test_VirtualAllocEx L150-173, 32 KB with pages
 * 2-3 of the source no-access: 0 written; test_ReadProcessMemory L4537-4541: 2 pages, the second
 * no-access: 0 read; ntdll test_readvirtualmemory L2878-2881, an unmapped address: 0). The
 * destination is written byte by byte and stops at the first byte it cannot write: a process's
 * protections are never overridden (test_VirtualAllocEx L206-259: read-only and execute-read
 * pages refuse NtWriteVirtualMemory with STATUS_PARTIAL_COPY, 0 bytes; two writable pages before
 * them take 0x2000), and a copy-on-write page gets its private copy as any store would.
 *
 * The caller's buffer that NtReadVirtualMemory fills is checked whole first: a page of it the
 * caller cannot write is STATUS_ACCESS_VIOLATION with nothing read (test_readvirtualmemory
 * L2894-2899, Windows 11; Windows 10 after 1607 answered STATUS_PARTIAL_COPY with the bytes before
 * the page, which test_VirtualAllocEx L159-173 and L183-199 also accept).
 *
 * A guard page is an access violation when the page belongs to another process, and keeps its
 * guard (MiAccessCheck when attached); in the caller's own process the fault path takes the guard
 * away (STATUS_GUARD_PAGE_VIOLATION) and the copy stops there.
 */
#include "internal.h"

#define MAPPED_COPY_CHUNK (14 * VS_PAGE_SIZE) /* MAX_LOCK_SIZE */

/* One copy: size bytes from source in one process to destination in another (or the same). */
typedef struct VsCopy {
    VsProcess *caller; /* the process making the call: its own guard pages are consumed */
    VsProcess *from, *to;
    uint64_t source, destination, size;
} VsCopy;

static bool guard_page(VsProcess *process, uint64_t vpn)
{
    VsMemoryBasicInformation m;
    return NT_SUCCESS(VsNtQueryVirtualMemory(vs_process_main_thread(process), VS_CURRENT_PROCESS,
                                             vpn * VS_PAGE_SIZE, MemoryBasicInformation, &m,
                                             sizeof m, NULL)) &&
           m.State == MEM_COMMIT && (m.Protect & PAGE_GUARD);
}

/* The kernel touching a page of process for the copy, as the fault path resolves it. */
static VsStatus touch(const VsCopy *copy, VsProcess *process, uint64_t vpn, bool write)
{
    if (process != copy->caller && guard_page(process, vpn))
        return STATUS_ACCESS_VIOLATION;
    return vs_fault_in(process, vpn, write);
}

/* Whether every page of [address, address + size) can be touched. */
static bool pages_touchable(const VsCopy *copy, VsProcess *process, uint64_t address, uint64_t size,
                            bool write)
{
    for (uint64_t vpn = vs_vpn(address); vpn <= vs_vpn(address + size - 1); vpn++)
        if (!NT_SUCCESS(touch(copy, process, vpn, write)))
            return false;
    return true;
}

/* Moves bytes [offset, offset + count) of the copy; *moved is how far it got. */
static bool move_bytes(const VsCopy *copy, uint64_t offset, uint64_t count, uint64_t *moved)
{
    VsThread *reader = vs_process_main_thread(copy->from);
    VsThread *writer = vs_process_main_thread(copy->to);
    for (uint64_t at = offset; at < offset + count; at++) {
        uint64_t destination = copy->destination + at;
        uint8_t byte = 0;
        if ((at == offset || destination % VS_PAGE_SIZE == 0) &&
            !NT_SUCCESS(touch(copy, copy->to, vs_vpn(destination), true))) {
            *moved = at;
            return false;
        }
        if (!NT_SUCCESS(vs_memory_read(reader, copy->source + at, &byte)) ||
            !NT_SUCCESS(vs_memory_write(writer, destination, byte))) {
            *moved = at;
            return false;
        }
    }
    *moved = offset + count;
    return true;
}

/* MmCopyVirtualMemory: chunk by chunk, the source locked before its bytes move. */
static VsStatus copy_memory(const VsCopy *copy, uint64_t *moved)
{
    uint64_t chunk = copy->size > 511 ? MAPPED_COPY_CHUNK : copy->size;
    for (uint64_t offset = 0; offset < copy->size; offset += chunk) {
        uint64_t count = copy->size - offset < chunk ? copy->size - offset : chunk;
        *moved = offset;
        if (!pages_touchable(copy, copy->from, copy->source + offset, count, false) ||
            !move_bytes(copy, offset, count, moved))
            return STATUS_PARTIAL_COPY;
    }
    *moved = copy->size;
    return STATUS_SUCCESS;
}

/* Either range wrapping, or ending above the highest user address (the check WRK makes of the
 * end, one past the last byte). */
static bool ranges_bad(const VsProcess *caller, uint64_t base, uint64_t buffer, uint64_t size)
{
    uint64_t highest = caller->system->layout->highest_user_address;
    return base + size < base || buffer + size < buffer || base + size > highest ||
           buffer + size > highest;
}

/* What both calls share; read says which way the bytes go. */
static VsStatus copy_call(VsThread *caller, VsHandle process, uint64_t base, uint64_t buffer,
                          uint64_t size, uint64_t *bytes, bool read)
{
    if (size && ranges_bad(caller->process, base, buffer, size))
        return STATUS_ACCESS_VIOLATION;
    uint64_t moved = 0;
    VsStatus status = STATUS_SUCCESS;
    VsProcess *target = NULL;
    if (size)
        status = vs_reference_process(caller, process, read ? PROCESS_VM_READ : PROCESS_VM_WRITE,
                                      &target);
    if (size && NT_SUCCESS(status)) {
        VsProcess *own = caller->process;
        VsCopy copy = {own,
                       read ? target : own,
                       read ? own : target,
                       read ? base : buffer,
                       read ? buffer : base,
                       size};
        if (read && !pages_touchable(&copy, own, buffer, size, true))
            status = STATUS_ACCESS_VIOLATION;
        else
            status = copy_memory(&copy, &moved);
    }
    if (bytes)
        *bytes = moved;
    return status;
}

VsStatus VsNtReadVirtualMemory(VsThread *caller, VsHandle process, uint64_t base, uint64_t buffer,
                               uint64_t size, uint64_t *bytes)
{
    return copy_call(caller, process, base, buffer, size, bytes, true);
}

VsStatus VsNtWriteVirtualMemory(VsThread *caller, VsHandle process, uint64_t base, uint64_t buffer,
                                uint64_t size, uint64_t *bytes)
{
    return copy_call(caller, process, base, buffer, size, bytes, false);
}
