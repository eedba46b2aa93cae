/*
 * badptr.c - IsBadReadPtr, IsBadWritePtr, IsBadCodePtr: kernelbase's pointer probes.
 *
 * Each touches the memory under an exception handler and answers whether anything raised (ReactOS
 * dll/win32/kernel32/client/virtmem.c; Wine's kernel32 test_IsBadReadPtr, test_IsBadWritePtr and
 * test_IsBadCodePtr assert the answers): a size of 0 is FALSE with nothing touched, NULL TRUE with
 * nothing touched, a range that wraps TRUE; otherwise the first byte, then the first byte of each
 * further page up to the one holding the last byte. IsBadWritePtr reads each byte and writes it
 * back; IsBadCodePtr is IsBadReadPtr of one byte. The touches are the calling thread's, with all
 * their consequences: a guard page met is consumed and answers TRUE, unless it is one of the
 * thread's own stack, which grows and answers FALSE (MS docs "IsBadReadPtr": probing can disable
 * stack expansion in other threads, whose guard page it consumes). The last error is left alone.
 */
#include "kernelbase.h"

/* Touches the byte at address as a read, or a read and a write back. */
static VsStatus touch(VsThread *thread, uint64_t address, bool write)
{
    uint8_t value = 0;
    VsStatus status = vs_memory_read(thread, address, &value);
    if (NT_SUCCESS(status) && write)
        status = vs_memory_write(thread, address, value);
    return status;
}

static bool is_bad(VsThread *thread, uint64_t pointer, uint64_t size, bool write)
{
    if (size == 0)
        return false;
    uint64_t last = pointer + size - 1;
    if (pointer == 0 || last < pointer)
        return true;
    if (!NT_SUCCESS(touch(thread, pointer, write)))
        return true;
    for (uint64_t page = pointer & ~(VS_PAGE_SIZE - 1); page != (last & ~(VS_PAGE_SIZE - 1));) {
        page += VS_PAGE_SIZE;
        if (!NT_SUCCESS(touch(thread, page, write)))
            return true;
    }
    return false;
}

bool VsIsBadReadPtr(VsThread *thread, uint64_t pointer, uint64_t size)
{
    return is_bad(thread, pointer, size, false);
}

bool VsIsBadWritePtr(VsThread *thread, uint64_t pointer, uint64_t size)
{
    return is_bad(thread, pointer, size, true);
}

bool VsIsBadCodePtr(VsThread *thread, uint64_t pointer)
{
    return is_bad(thread, pointer, 1, false);
}
