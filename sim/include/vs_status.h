/*
 * vs_status.h - the simulated system's answers: NTSTATUS values and Win32 error codes.
 *
 * One X-macro table gives, for every status the model can return, its name, its real NTSTATUS
 * value, the Win32 error that RtlNtStatusToDosError turns it into (what kernelbase stores as the
 * last error), and one plain sentence a lesson can show. Values are Windows' own (ntstatus.h,
 * winerror.h); the mapping follows Windows' RtlNtStatusToDosError table as Wine's ntdll/error.c
 * reproduces it.
 *
 * Included by vadsim.h; not meant to be included on its own.
 */
#ifndef VS_STATUS_H
#define VS_STATUS_H

#include <stdint.h>

/* NTSTATUS: bit 31 set means failure (NT_SUCCESS tests the sign). */
typedef uint32_t VsStatus;

#define NT_SUCCESS(status) ((int32_t)(status) >= 0)
#define NT_ERROR(status) ((uint32_t)(status) >> 30 == 3) /* severity error: 0xC... */

/*
 * Win32 errors the model produces: XX(name, value).
 */
#define VS_WIN32_ERROR_MAP(XX)                                                                     \
    XX(ERROR_SUCCESS, 0)                                                                           \
    XX(ERROR_FILE_NOT_FOUND, 2)                                                                    \
    XX(ERROR_PATH_NOT_FOUND, 3)                                                                    \
    XX(ERROR_ACCESS_DENIED, 5)                                                                     \
    XX(ERROR_INVALID_HANDLE, 6)                                                                    \
    XX(ERROR_NOT_SAME_DEVICE, 17)                                                                  \
    XX(ERROR_GEN_FAILURE, 31)                                                                      \
    XX(ERROR_HANDLE_EOF, 38)                                                                       \
    XX(ERROR_FILE_EXISTS, 80)                                                                      \
    XX(ERROR_NOT_SUPPORTED, 50)                                                                    \
    XX(ERROR_NOT_ENOUGH_MEMORY, 8)                                                                 \
    XX(ERROR_BAD_LENGTH, 24)                                                                       \
    XX(ERROR_MORE_DATA, 234)                                                                       \
    XX(ERROR_INVALID_PARAMETER, 87)                                                                \
    XX(ERROR_INVALID_NAME, 123)                                                                    \
    XX(ERROR_INVALID_FUNCTION, 1)                                                                  \
    XX(ERROR_BROKEN_PIPE, 109)                                                                     \
    XX(ERROR_BAD_PIPE, 230)                                                                        \
    XX(ERROR_PIPE_BUSY, 231)                                                                       \
    XX(ERROR_NO_DATA, 232)                                                                         \
    XX(ERROR_PIPE_NOT_CONNECTED, 233)                                                              \
    XX(ERROR_PIPE_CONNECTED, 535)                                                                  \
    XX(ERROR_PIPE_LISTENING, 536)                                                                  \
    XX(ERROR_IO_INCOMPLETE, 996)                                                                   \
    XX(ERROR_IO_PENDING, 997)                                                                      \
    XX(ERROR_TIMEOUT, 1460)                                                                        \
    XX(ERROR_MOD_NOT_FOUND, 126)                                                                   \
    XX(ERROR_INVALID_ORDINAL, 182)                                                                 \
    XX(ERROR_BAD_EXE_FORMAT, 193)                                                                  \
    XX(ERROR_IMAGE_NOT_AT_BASE, 700)                                                               \
    XX(ERROR_WAS_LOCKED, 717)                                                                      \
    XX(ERROR_NOT_LOCKED, 158)                                                                      \
    XX(ERROR_BUSY, 170)                                                                            \
    XX(ERROR_ALREADY_EXISTS, 183)                                                                  \
    XX(ERROR_MR_MID_NOT_FOUND, 317)                                                                \
    XX(ERROR_INVALID_ADDRESS, 487)                                                                 \
    XX(ERROR_OBJECT_NAME_EXISTS, 698)                                                              \
    XX(ERROR_NOACCESS, 998)                                                                        \
    XX(ERROR_PARTIAL_COPY, 299)                                                                    \
    XX(ERROR_NO_MORE_ITEMS, 259)                                                                   \
    XX(ERROR_STACK_OVERFLOW, 1001)                                                                 \
    XX(ERROR_FILE_INVALID, 1006)                                                                   \
    XX(ERROR_SWAPERROR, 999)                                                                       \
    XX(ERROR_MAPPED_ALIGNMENT, 1132)                                                               \
    XX(ERROR_USER_MAPPED_FILE, 1224)                                                               \
    XX(ERROR_PRIVILEGE_NOT_HELD, 1314)                                                             \
    XX(ERROR_NO_SYSTEM_RESOURCES, 1450)                                                            \
    XX(ERROR_WORKING_SET_QUOTA, 1453)                                                              \
    XX(ERROR_COMMITMENT_LIMIT, 1455)

/*
 * Statuses the model returns: XX(name, NTSTATUS value, Win32 error, explanation). A few warnings
 * are passed through by RtlNtStatusToDosError as their own value: STATUS_GUARD_PAGE_VIOLATION is
 * the last error a failed VirtualLock of a guard page leaves (Wine's kernel32 test_guard_page).
 */
#define VS_STATUS_MAP(XX)                                                                          \
    XX(STATUS_SUCCESS, 0x00000000u, ERROR_SUCCESS, "The operation succeeded.")                     \
    XX(STATUS_OBJECT_NAME_EXISTS, 0x40000000u, ERROR_OBJECT_NAME_EXISTS,                           \
       "An object of that name existed already: it was opened instead of created.")                \
    XX(STATUS_WAS_LOCKED, 0x40000019u, ERROR_WAS_LOCKED,                                           \
       "Some of the pages to lock were locked already (a success).")                               \
    XX(STATUS_TIMEOUT, 0x00000102u, ERROR_TIMEOUT,                                                 \
       "The wait's time ran out before the object was signaled.")                                  \
    XX(STATUS_PENDING, 0x00000103u, ERROR_IO_PENDING,                                              \
       "The I/O was queued: it completes later, setting its event.")                               \
    XX(STATUS_GUARD_PAGE_VIOLATION, 0x80000001u, 0x80000001u,                                      \
       "The access touched a guard page; the guard is now gone.")                                  \
    XX(STATUS_DATATYPE_MISALIGNMENT, 0x80000002u, ERROR_NOACCESS,                                  \
       "A buffer the call was given does not start on the boundary its data needs.")               \
    XX(STATUS_PARTIAL_COPY, 0x8000000Du, ERROR_PARTIAL_COPY,                                       \
       "Only part of the memory could be copied: a page on the way could not be read or written.") \
    XX(STATUS_NO_MORE_ENTRIES, 0x8000001Au, ERROR_NO_MORE_ITEMS,                                   \
       "There are no more entries: the walk is over.")                                             \
    XX(STATUS_UNSUCCESSFUL, 0xC0000001u, ERROR_GEN_FAILURE,                                        \
       "The operation failed (MEM_RESET_UNDO: some pages had already lost their contents).")       \
    XX(STATUS_INVALID_INFO_CLASS, 0xC0000003u, ERROR_INVALID_PARAMETER,                            \
       "The information class asked for is not one this call knows.")                              \
    XX(STATUS_BUFFER_OVERFLOW, 0x80000005u, ERROR_MORE_DATA,                                       \
       "The buffer holds the start of the answer but not all of it: the length needed is "         \
       "returned.")                                                                                \
    XX(STATUS_FILE_INVALID, 0xC0000098u, ERROR_FILE_INVALID,                                       \
       "The memory is a view of a section with no file behind it (the page file's).")              \
    XX(STATUS_INFO_LENGTH_MISMATCH, 0xC0000004u, ERROR_BAD_LENGTH,                                 \
       "The buffer is too small for the information asked for.")                                   \
    XX(STATUS_ACCESS_VIOLATION, 0xC0000005u, ERROR_NOACCESS,                                       \
       "The memory cannot be accessed that way (or a call was given such a pointer).")             \
    XX(STATUS_IN_PAGE_ERROR, 0xC0000006u, ERROR_SWAPERROR,                                         \
       "The page could not be brought in: it lies wholly past the end of its file (SIGBUS).")      \
    XX(STATUS_INVALID_HANDLE, 0xC0000008u, ERROR_INVALID_HANDLE,                                   \
       "The handle does not name an open object of the right type.")                               \
    XX(STATUS_INVALID_CID, 0xC000000Bu, ERROR_INVALID_PARAMETER,                                   \
       "No process or thread has that id.")                                                        \
    XX(STATUS_INVALID_PARAMETER, 0xC000000Du, ERROR_INVALID_PARAMETER,                             \
       "A parameter is not valid for this call.")                                                  \
    XX(STATUS_ACCESS_DENIED, 0xC0000022u, ERROR_ACCESS_DENIED,                                     \
       "The handle was not opened with the access rights this call needs.")                        \
    XX(STATUS_NO_MEMORY, 0xC0000017u, ERROR_NOT_ENOUGH_MEMORY,                                     \
       "No free range of the address space is large enough for the request.")                      \
    XX(STATUS_CONFLICTING_ADDRESSES, 0xC0000018u, ERROR_INVALID_ADDRESS,                           \
       "The range overlaps memory that is already allocated, or is not inside one allocation.")    \
    XX(STATUS_NOT_MAPPED_VIEW, 0xC0000019u, ERROR_INVALID_ADDRESS,                                 \
       "No mapped view starts at this address.")                                                   \
    XX(STATUS_UNABLE_TO_FREE_VM, 0xC000001Au, ERROR_INVALID_PARAMETER,                             \
       "The range to free does not lie inside one allocation.")                                    \
    XX(STATUS_UNABLE_TO_DELETE_SECTION, 0xC000001Bu, ERROR_INVALID_PARAMETER,                      \
       "A mapped view cannot be freed with VirtualFree; it must be unmapped.")                     \
    XX(STATUS_INVALID_VIEW_SIZE, 0xC000001Fu, ERROR_ACCESS_DENIED,                                 \
       "The view would reach past the end of the section.")                                        \
    XX(STATUS_ALREADY_COMMITTED, 0xC0000021u, ERROR_ACCESS_DENIED,                                 \
       "The pages are committed already and cannot be committed this way.")                        \
    XX(STATUS_OBJECT_TYPE_MISMATCH, 0xC0000024u, ERROR_INVALID_HANDLE,                             \
       "The handle names an object of another type.")                                              \
    XX(STATUS_OBJECT_NAME_INVALID, 0xC0000033u, ERROR_INVALID_NAME,                                \
       "The object name is not valid.")                                                            \
    XX(STATUS_OBJECT_NAME_NOT_FOUND, 0xC0000034u, ERROR_FILE_NOT_FOUND,                            \
       "No object has that name.")                                                                 \
    XX(STATUS_OBJECT_NAME_COLLISION, 0xC0000035u, ERROR_ALREADY_EXISTS,                            \
       "An object of that name exists already.")                                                   \
    XX(STATUS_NOT_LOCKED, 0xC000002Au, ERROR_NOT_LOCKED, "A page in the range is not locked.")     \
    XX(STATUS_NOT_COMMITTED, 0xC000002Du, ERROR_INVALID_ADDRESS,                                   \
       "A page in the range is reserved but not committed.")                                       \
    XX(STATUS_INVALID_PAGE_PROTECTION, 0xC0000045u, ERROR_INVALID_PARAMETER,                       \
       "The page protection is not valid, or not allowed for this kind of memory.")                \
    XX(STATUS_INCOMPATIBLE_FILE_MAP, 0xC000004Du, ERROR_INVALID_PARAMETER,                         \
       "The memory is mapped in a way the call cannot work on (large pages are locked already).")  \
    XX(STATUS_SECTION_NOT_IMAGE, 0xC0000049u, ERROR_INVALID_PARAMETER,                             \
       "The section is a data section, not an executable image.")                                  \
    XX(STATUS_END_OF_FILE, 0xC0000011u, ERROR_HANDLE_EOF,                                          \
       "The offset is at or past the end of the file.")                                            \
    XX(STATUS_MAPPED_FILE_SIZE_ZERO, 0xC000011Eu, ERROR_FILE_INVALID,                              \
       "The file is empty, and a section of an empty file needs a size.")                          \
    XX(STATUS_INVALID_IMAGE_NOT_MZ, 0xC000012Fu, ERROR_BAD_EXE_FORMAT,                             \
       "The file is not an executable image (it does not start with MZ).")                         \
    XX(STATUS_IMAGE_NOT_AT_BASE, 0x40000003u, ERROR_IMAGE_NOT_AT_BASE,                             \
       "The image was mapped, but not at its preferred base: the loader must relocate it.")        \
    XX(STATUS_DLL_NOT_FOUND, 0xC0000135u, ERROR_MOD_NOT_FOUND,                                     \
       "No module of that name is loaded, or no file of that name exists to load.")                \
    XX(STATUS_ORDINAL_NOT_FOUND, 0xC0000138u, ERROR_INVALID_ORDINAL,                               \
       "An image imports an ordinal the DLL does not export.")                                     \
    XX(STATUS_INVALID_IMAGE_FORMAT, 0xC000007Bu, ERROR_BAD_EXE_FORMAT,                             \
       "The file's PE headers or section table are not valid for an image.")                       \
    XX(STATUS_INVALID_IMAGE_PROTECT, 0xC0000130u, ERROR_BAD_EXE_FORMAT,                            \
       "The file starts with MZ but has no PE header where e_lfanew points (a DOS program).")      \
    XX(STATUS_INVALID_IMAGE_NE_FORMAT, 0xC000011Bu, ERROR_BAD_EXE_FORMAT,                          \
       "The file is a 16-bit NE executable, not a PE image.")                                      \
    XX(STATUS_INVALID_IMAGE_WIN_16, 0xC0000131u, ERROR_BAD_EXE_FORMAT,                             \
       "The file is a 16-bit Windows executable.")                                                 \
    XX(STATUS_INVALID_IMAGE_WIN_64, 0xC0000359u, ERROR_BAD_EXE_FORMAT,                             \
       "The file is a 64-bit image, which a 32-bit system cannot map.")                            \
    XX(STATUS_USER_MAPPED_FILE, 0xC0000243u, ERROR_USER_MAPPED_FILE,                               \
       "The file is mapped by a section: it cannot be truncated.")                                 \
    XX(STATUS_INVALID_FILE_FOR_SECTION, 0xC0000020u, ERROR_BAD_EXE_FORMAT,                         \
       "The file cannot back a section of this kind (an image section needs an executable file).") \
    XX(STATUS_OBJECT_PATH_NOT_FOUND, 0xC000003Au, ERROR_PATH_NOT_FOUND,                            \
       "No path of that name exists.")                                                             \
    XX(STATUS_SECTION_TOO_BIG, 0xC0000040u, ERROR_NOT_ENOUGH_MEMORY,                               \
       "The section is larger than the system can describe.")                                      \
    XX(STATUS_NOT_SUPPORTED, 0xC00000BBu, ERROR_NOT_SUPPORTED,                                     \
       "The request is not supported (here: an extended parameter the model does not have).")      \
    XX(STATUS_SECTION_PROTECTION, 0xC000004Eu, ERROR_INVALID_PARAMETER,                            \
       "The view's protection asks for more than the section allows.")                             \
    XX(STATUS_BAD_WORKING_SET_LIMIT, 0xC000004Cu, ERROR_INVALID_PARAMETER,                         \
       "The working-set minimum is above its maximum.")                                            \
    XX(STATUS_PRIVILEGE_NOT_HELD, 0xC0000061u, ERROR_PRIVILEGE_NOT_HELD,                           \
       "The call needs a privilege the caller does not hold.")                                     \
    XX(STATUS_INVALID_DEVICE_REQUEST, 0xC0000010u, ERROR_INVALID_FUNCTION,                         \
       "The device or file system does not do that (a pipe request to a data file).")              \
    XX(STATUS_INSTANCE_NOT_AVAILABLE, 0xC00000ABu, ERROR_PIPE_BUSY,                                \
       "The pipe has as many instances as its creator allowed.")                                   \
    XX(STATUS_PIPE_NOT_AVAILABLE, 0xC00000ACu, ERROR_PIPE_BUSY,                                    \
       "No instance of the pipe is listening for a client.")                                       \
    XX(STATUS_ILLEGAL_FUNCTION, 0xC00000AFu, ERROR_INVALID_FUNCTION,                               \
       "That end of the pipe cannot do this (a client cannot listen).")                            \
    XX(STATUS_PIPE_DISCONNECTED, 0xC00000B0u, ERROR_PIPE_NOT_CONNECTED,                            \
       "The pipe's other end is gone.")                                                            \
    XX(STATUS_PIPE_CLOSING, 0xC00000B1u, ERROR_NO_DATA,                                            \
       "The pipe is being closed: its client has gone.")                                           \
    XX(STATUS_PIPE_CONNECTED, 0xC00000B2u, ERROR_PIPE_CONNECTED, "A client is connected already.") \
    XX(STATUS_PIPE_LISTENING, 0xC00000B3u, ERROR_PIPE_LISTENING,                                   \
       "The pipe waits for a client: nothing can be read or written yet.")                         \
    XX(STATUS_PIPE_BROKEN, 0xC000014Bu, ERROR_BROKEN_PIPE, "The pipe's other end was closed.")     \
    XX(STATUS_INSUFFICIENT_RESOURCES, 0xC000009Au, ERROR_NO_SYSTEM_RESOURCES,                      \
       "A resource it needs is exhausted (physical frames, or the simulator's memory).")           \
    XX(STATUS_FREE_VM_NOT_AT_BASE, 0xC000009Fu, ERROR_INVALID_ADDRESS,                             \
       "Freeing a whole allocation (size 0) must name its base address.")                          \
    XX(STATUS_MEMORY_NOT_ALLOCATED, 0xC00000A0u, ERROR_INVALID_ADDRESS,                            \
       "There is no allocation at this address.")                                                  \
    XX(STATUS_WORKING_SET_QUOTA, 0xC00000A1u, ERROR_WORKING_SET_QUOTA,                             \
       "Locking these pages would leave too few pages of the working-set minimum unlocked.")       \
    XX(STATUS_INVALID_PARAMETER_1, 0xC00000EFu, ERROR_INVALID_PARAMETER,                           \
       "The first parameter is not valid.")                                                        \
    XX(STATUS_INVALID_PARAMETER_2, 0xC00000F0u, ERROR_INVALID_PARAMETER,                           \
       "The second parameter (the address) is not valid.")                                         \
    XX(STATUS_INVALID_PARAMETER_3, 0xC00000F1u, ERROR_INVALID_PARAMETER,                           \
       "The third parameter is not valid.")                                                        \
    XX(STATUS_INVALID_PARAMETER_4, 0xC00000F2u, ERROR_INVALID_PARAMETER,                           \
       "The fourth parameter is not valid.")                                                       \
    XX(STATUS_INVALID_PARAMETER_5, 0xC00000F3u, ERROR_INVALID_PARAMETER,                           \
       "The fifth parameter (the allocation type) is not valid.")                                  \
    XX(STATUS_INVALID_PARAMETER_6, 0xC00000F4u, ERROR_INVALID_PARAMETER,                           \
       "The sixth parameter is not valid.")                                                        \
    XX(STATUS_INVALID_PARAMETER_8, 0xC00000F6u, ERROR_INVALID_PARAMETER,                           \
       "The eighth parameter is not valid.")                                                       \
    XX(STATUS_INVALID_PARAMETER_9, 0xC00000F7u, ERROR_INVALID_PARAMETER,                           \
       "The ninth parameter is not valid.")                                                        \
    XX(STATUS_THREAD_IS_TERMINATING, 0xC000004Bu, ERROR_ACCESS_DENIED,                             \
       "The thread has ended: it can run nothing more.")                                           \
    XX(STATUS_STACK_OVERFLOW, 0xC00000FDu, ERROR_STACK_OVERFLOW,                                   \
       "The thread's stack has no room left: its guard page cannot move any lower.")               \
    XX(STATUS_COMMITMENT_LIMIT, 0xC000012Du, ERROR_COMMITMENT_LIMIT,                               \
       "Committing this memory would exceed the system commit limit.")                             \
    XX(STATUS_INVALID_ADDRESS, 0xC0000141u, ERROR_INVALID_ADDRESS,                                 \
       "No allocation holds this address.")                                                        \
    XX(STATUS_NOT_SAME_DEVICE, 0xC00000D4u, ERROR_NOT_SAME_DEVICE,                                 \
       "The two addresses map different files, or the first is not an image of the second.")       \
    XX(STATUS_MAPPED_ALIGNMENT, 0xC0000220u, ERROR_MAPPED_ALIGNMENT,                               \
       "A view's base address and offset must be multiples of the allocation granularity (64 "     \
       "KB).")

#define VS_DEFINE_STATUS(name, value, win32, text) static const VsStatus name = value;
VS_STATUS_MAP(VS_DEFINE_STATUS)
#undef VS_DEFINE_STATUS

enum VsWin32Error {
#define VS_DEFINE_ERROR(name, value) name = value,
    VS_WIN32_ERROR_MAP(VS_DEFINE_ERROR)
#undef VS_DEFINE_ERROR
};

/* The status's name ("STATUS_NO_MEMORY"), or NULL if the model does not know it. */
const char *vs_status_name(VsStatus status);

/* The Win32 error Windows' RtlNtStatusToDosError gives for a status (ERROR_MR_MID_NOT_FOUND, 317,
 * for one the table does not hold). */
uint32_t vs_status_to_win32(VsStatus status);

/* One plain sentence saying what the status means, for narration; NULL if unknown. */
const char *vs_status_explain(VsStatus status);

/* The Win32 error's name ("ERROR_INVALID_ADDRESS"; a status passed through as its own error, such
 * as 0x80000001, by the status's name), or NULL if the model does not know it. */
const char *vs_win32_error_name(uint32_t error);

#endif /* VS_STATUS_H */
