/*
 * probe.c - a user-mode caller's buffer, as a system call meets it: probed, then written.
 *
 * Models WRK ex/probe.c (ProbeForWrite) and the copy a system service makes into the buffer a
 * user-mode caller gave it (PreviousMode UserMode; a kernel-mode caller's buffer is never
 * probed). NtReadFile's buffer (readfile.c) and the Nt query calls that take their buffer in the
 * caller's process (querysec.c, queryvm.c) go through these; a query's order is the probe, then
 * the service's own checks (NtQueryVirtualMemory checks its class and length before the probe),
 * then the copy.
 *
 * ProbeForWrite of length bytes at address, with the alignment the service asks:
 *   - a length of 0 probes nothing, whatever the address;
 *   - an address off the alignment is STATUS_DATATYPE_MISALIGNMENT;
 *   - a range that wraps, or ends above the highest user address, is STATUS_ACCESS_VIOLATION;
 *   - otherwise the first byte, then the first byte of every later page, is read and written back
 *     by the caller's thread, as the real probe's store does: a page that cannot be written fails
 *     with the access's status (STATUS_ACCESS_VIOLATION; a guard page's
 *     STATUS_GUARD_PAGE_VIOLATION, the guard gone), and every page before it has been touched
 *     (made resident, written for write watch). A length that runs gigabytes past a small buffer
 *     fails at the first page past what is mapped (kernel32 test_MapViewOfFile L1313-1317).
 */
#include "internal.h"

VsStatus vs_probe_for_write(VsThread *caller, uint64_t address, uint64_t length, uint32_t alignment)
{
    if (length == 0)
        return STATUS_SUCCESS;
    if (address & (alignment - 1))
        return STATUS_DATATYPE_MISALIGNMENT;
    uint64_t last = address + length - 1;
    if (last < address || last > caller->process->system->layout->highest_user_address)
        return STATUS_ACCESS_VIOLATION;
    for (uint64_t at = address; at <= last; at = (at & ~(VS_PAGE_SIZE - 1)) + VS_PAGE_SIZE) {
        uint8_t byte = 0;
        VsStatus status = vs_memory_read(caller, at, &byte);
        if (NT_SUCCESS(status))
            status = vs_memory_write(caller, at, byte);
        if (!NT_SUCCESS(status))
            return status;
    }
    return STATUS_SUCCESS;
}

/* A little-endian value of size bytes (at most 8) loaded from the caller's memory at address, as
 * the caller's own loads: STATUS_ACCESS_VIOLATION when a byte cannot be read. Every read of a
 * word, a pointer or an OVERLAPPED field the caller handed a service goes through here. */
VsStatus vs_user_read(VsThread *thread, uint64_t address, uint32_t size, uint64_t *value)
{
    uint64_t result = 0;
    for (uint32_t i = 0; i < size; i++) {
        uint8_t byte;
        if (!NT_SUCCESS(vs_memory_read(thread, address + i, &byte)))
            return STATUS_ACCESS_VIOLATION;
        result |= (uint64_t)byte << (8 * i);
    }
    *value = result;
    return STATUS_SUCCESS;
}

/* The store that matches vs_user_read: size bytes of value, little-endian. */
VsStatus vs_user_write(VsThread *thread, uint64_t address, uint32_t size, uint64_t value)
{
    for (uint32_t i = 0; i < size; i++)
        if (!NT_SUCCESS(vs_memory_write(thread, address + i, (uint8_t)(value >> (8 * i)))))
            return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

/* The service's answer, size bytes, stored into the caller's memory at address (already probed):
 * the status of the first store that fails, which only the host running out of memory makes
 * happen, nothing running between the probe and the copy. */
VsStatus vs_copy_to_user(VsThread *caller, uint64_t address, const uint8_t *data, uint64_t size)
{
    for (uint64_t i = 0; i < size; i++) {
        VsStatus status = vs_memory_write(caller, address + i, data[i]);
        if (!NT_SUCCESS(status))
            return status;
    }
    return STATUS_SUCCESS;
}

/* Value's low `width` bytes at out + offset, least significant first (both architectures are
 * little-endian): a field of a structure laid out as the process's architecture lays it out,
 * before vs_copy_to_user stores the whole. */
void vs_put_le(uint8_t *out, uint32_t offset, uint64_t value, uint32_t width)
{
    for (uint32_t i = 0; i < width; i++)
        out[offset + i] = (uint8_t)(value >> (8 * i));
}
