/*
 * op.h - the primitive operations a scenario makes, and what can be observed of their outcome.
 *
 * Every call in a scenario (VirtualAlloc(...), read(p), NtFreeVirtualMemory(h, &b, &s, ...)) is
 * evaluated to one VsOp: the call and its argument values, with the by-reference ('&var')
 * arguments' values going in. Executing it in the model fills a VsOutcome: the return value, the
 * thread's last error and last NTSTATUS, any exception a memory access raised, the by-reference
 * arguments coming out, and a MEMORY_BASIC_INFORMATION for queries.
 *
 * The same pair of structures is what the verification harness sends to a real system and
 * compares, so the calls' list (calls.def, one row a call, read through vs_op_spec) also says
 * which arguments are addresses (to be translated between two address spaces) and which are
 * handles.
 */
#ifndef VS_SCENARIO_OP_H
#define VS_SCENARIO_OP_H

#include <stdbool.h>
#include <stdint.h>

#include "vadsim.h"

#define VS_OP_MAX_ARGS 10

/* One per call of the language, in calls.def's order: VS_OP_VIRTUAL_ALLOC, ..., VS_OP_GETPID. */
typedef enum VsOpKind {
#define CALL(id, ...) VS_OP_##id,
#include "calls.def"
#undef CALL
    VS_OP_COUNT
} VsOpKind;

/* Which systems a call belongs to: Windows' (VirtualAlloc...), Linux's (mmap...), or both (the
 * memory accesses read and write, and file(), which declares a file to either). */
typedef enum VsOpFamily {
    VS_FAMILY_WINDOWS,
    VS_FAMILY_LINUX,
    VS_FAMILY_BOTH,
} VsOpFamily;

/* What a call's return value is, which decides how it is compared and explained. */
typedef enum VsOpReturn {
    VS_RETURN_POINTER,     /* an address, NULL on failure (VirtualAlloc) */
    VS_RETURN_BOOL,        /* TRUE/FALSE, GetLastError on failure */
    VS_RETURN_SIZE,        /* bytes written (VirtualQuery), 0 on failure */
    VS_RETURN_STATUS,      /* an NTSTATUS (Nt* calls) */
    VS_RETURN_VALUE,       /* a plain value: GetLastError, the byte read, a handle */
    VS_RETURN_NONE,        /* void (SetLastError) */
    VS_RETURN_HANDLE,      /* a handle, NULL on failure (OpenProcess) */
    VS_RETURN_PROCESS_ID,  /* a process id: each system numbers its own (GetCurrentProcessId) */
    VS_RETURN_FILE_HANDLE, /* a handle, INVALID_HANDLE_VALUE on failure (CreateFile) */
    VS_RETURN_MMAP,        /* an address, MAP_FAILED ((void *)-1) on failure with errno (mmap) */
    VS_RETURN_INT,         /* 0, a descriptor, or -1 on failure with errno (munmap, memfd_create) */
} VsOpReturn;

/* Structures a call fills and a scenario reads by field
 * (GetProcessMemoryInfo(h).WorkingSetSize). */
typedef enum VsRecordKind {
    VS_RECORD_NONE,
    VS_RECORD_MEMORY_COUNTERS, /* PROCESS_MEMORY_COUNTERS_EX */
    VS_RECORD_WORKING_SET_EX,  /* PSAPI_WORKING_SET_EX_BLOCK */
    VS_RECORD_MEMORY_STATUS,   /* MEMORYSTATUSEX */
    VS_RECORD_WRITE_WATCH,     /* GetWriteWatch's count, granularity and first addresses */
    VS_RECORD_MINCORE,         /* mincore's vector: Resident pages, Pages (bit i: page i) */
    VS_RECORD_SMAPS,           /* one VMA's /proc/PID/smaps counters */
    VS_RECORD_SECTION_BASIC,   /* SECTION_BASIC_INFORMATION (NtQuerySection) */
    VS_RECORD_MEMORY_REGION,   /* MEMORY_REGION_INFORMATION (NtQueryVirtualMemory) */
    VS_RECORD_MEMORY_IMAGE,    /* MEMORY_IMAGE_INFORMATION (NtQueryVirtualMemory) */
    VS_RECORD_BY_CLASS,        /* the one its information class argument names (a call's row
                                * only: an outcome holds the record itself) */
    VS_RECORD_TEB,             /* a TEB's stack fields: StackBase, StackLimit, DeallocationStack,
                                * GuaranteedStackBytes */
    VS_RECORD_INITIAL_TEB,     /* RtlCreateUserStack's INITIAL_TEB */
    VS_RECORD_HEAP_ENTRY,      /* HeapWalk's PROCESS_HEAP_ENTRY (with its Region's fields) */
    VS_RECORD_PROCESS_HEAPS,   /* GetProcessHeaps' first handles */
    VS_RECORD_SECTION_NAME,    /* MEMORY_SECTION_NAME's UNICODE_STRING (NtQueryVirtualMemory) */
    VS_RECORD_SECTION_IMAGE,   /* SECTION_IMAGE_INFORMATION (NtQuerySection) */
    VS_RECORD_SECTION_NAME_AT, /* MEMORY_SECTION_NAME in the process: its UNICODE_STRING with the
                                * Buffer pointer, and Terminator, the character at
                                * Buffer[Length / 2] (the NUL after the name) */
} VsRecordKind;

/* What the language, the narration and the verification harness know of a call: its row in
 * calls.def. A set of arguments is a mask (bit i: argument i); a single argument (size_arg,
 * type_arg, protect_arg) is a mask of one bit, or 0 for none. */
typedef struct VsOpSpec {
    const char *name; /* the Win32 or NT name, as scenarios write it */
    uint8_t arity;
    uint32_t ref_args;     /* bit i: argument i is a pointer the caller may pass as &var */
    uint32_t in_refs;      /* of those, the ones read going in (the rest are only written) */
    uint32_t handle_outs;  /* of those, the ones a call writes a new handle into (each system
                            * picks its own values: they are paired, not compared) */
    uint32_t address_args; /* bit i: argument i (or the variable behind it) is an address */
    uint32_t handle_args;  /* bit i: argument i is a handle (for a Linux call, a descriptor) */
    uint32_t process_args; /* of those, the process handle naming whose memory the call acts on */
    uint32_t end_args;     /* bit i: argument i is an address that may lie one past a range's
                            * end (a stack's StackBase): it goes with the byte before it */
    uint32_t buffer_args;  /* bit i: argument i is an address in the caller's own memory (a buffer
                            * the call fills or reads), whatever process the call acts on */
    VsOpReturn returns;
    uint32_t string_args;   /* bit i: argument i is an object name: a string, or NULL */
    uint32_t extended_args; /* bit i: argument i is a MEM_EXTENDED_PARAMETER list: NULL, or up
                             * to VS_OP_MAX_PARAMETERS (MemAddressRequirements(...), ...) */
    VsOpFamily family;      /* the systems that have the call */
    uint32_t size_arg;      /* the size of the range at the address argument (for Nt* calls, the
                             * variable behind it) */
    uint32_t type_arg;      /* the allocation or free type (MEM_*; for Linux calls the flags of
                             * mmap, mremap and msync, madvise's advice) */
    uint32_t protect_arg;   /* the new page protection (PAGE_*; a section's, with its SEC_*
                             * attributes; or mmap's and mprotect's PROT_*) */
    uint32_t contents_args; /* of the string arguments, a file's text (file()) rather than a name */
    uint32_t byte_args;     /* bit i: argument i is one byte, 0 to 255 (write's value) */
    bool null_process_is_current; /* a NULL process handle is the caller's (kernelbase's
                                   * VirtualAlloc2 and MapViewOfFile3, in win32.c) */
    bool maps_view;      /* the call maps a view; its outcome carries the size the view got */
    bool memory_access;  /* a load or store: its outcome's exception is what it raised */
    bool raises;         /* not a load or store, but may raise an exception of its own
                          * (HeapAlloc with HEAP_GENERATE_EXCEPTIONS): its outcome's exception */
    VsRecordKind record; /* the structure the call fills, read by field (VS_RECORD_NONE) */
    uint64_t failure;    /* for a call returning a value or a process id: the value that says
                          * it failed ((UINT)-1, -1); 0 if none does */
    const char *success; /* the narration's words for a successful Linux call's value, or
                          * NULL */
    const char *params[VS_OP_MAX_ARGS];  /* the parameters' names, where calls.def gives them */
    const char *nt_call;                 /* the NT call a Win32 call makes, or NULL */
    uint8_t nt_args[VS_OP_MAX_ARGS + 2]; /* [N]: the parameter (from 1) the NT call's
                                          * STATUS_INVALID_PARAMETER_N is about; 0: one the Win32
                                          * call passes itself */
} VsOpSpec;

#define VS_OP_TEXT_MAX 64      /* an object name's bytes, with its terminator */
#define VS_OP_MAX_PARAMETERS 4 /* the extended parameters a list may hold */

/* One MEM_EXTENDED_PARAMETER of a scenario's list: its type, and its value (the ULong64 of the
 * union), or for MemExtendedParameterAddressRequirements the structure it points to. */
typedef struct VsOpParameter {
    uint32_t type;
    uint64_t value;
    VsMemAddressRequirements requirements;
} VsOpParameter;
#define VS_OP_CONTENTS_MAX 256 /* a declared file's text, with its terminator */

/* Where a call stands: an ordinary call returns at once; one that leaves its thread waiting is
 * seen twice, when it starts (the thread now waits in it) and when it finishes (a later call
 * completed it, and it returns its outcome). */
typedef enum VsOpPhase {
    VS_OP_PHASE_CALL,
    VS_OP_PHASE_START,
    VS_OP_PHASE_FINISH,
} VsOpPhase;

typedef struct VsOp {
    VsOpKind kind;
    VsOpPhase phase;
    uint64_t thread; /* the handle of the thread that makes the call ('as t:'), in the calling
                      * process's table; 0: the process's own first thread */
    uint64_t arg[VS_OP_MAX_ARGS]; /* values; for a by-reference argument, its variable going in */
    uint32_t by_ref;           /* bit i: argument i was passed as &var; clear for a NULL pointer */
    char text[VS_OP_TEXT_MAX]; /* the string argument (an object name); arg[i] is 1 if given */
    VsOpParameter parameters[VS_OP_MAX_PARAMETERS]; /* the extended-parameter list, */
    uint32_t parameter_count;                       /* its length; arg[i] is 1 if given */
    char contents[VS_OP_CONTENTS_MAX]; /* file(): the file's text; its length is arg[i] */
} VsOp;

#define VS_WRITE_WATCH_CAPACITY 16   /* addresses GetWriteWatch is given room for */
#define VS_PROCESS_HEAPS_CAPACITY 16 /* heap handles GetProcessHeaps' record shows */
#define VS_MINCORE_CAPACITY 4096     /* pages mincore's vector has room for */
#define VS_RECORD_MAX_FIELDS (2 + VS_WRITE_WATCH_CAPACITY)

typedef struct VsRecordSpec {
    const char *type;          /* the Windows structure's name */
    const char *const *fields; /* its field names, Windows' spelling */
    uint32_t count;
} VsRecordSpec;

/* What memory at an address of a Linux process is, by its maps line: nothing, private anonymous
 * memory, shared anonymous memory ("/dev/zero (deleted)"), a memfd, a POSIX shared-memory object
 * ("/dev/shm/..."), or a file. */
typedef enum VsMapping {
    VS_MAPPING_NONE,
    VS_MAPPING_ANONYMOUS,
    VS_MAPPING_SHARED_ANONYMOUS,
    VS_MAPPING_MEMFD,
    VS_MAPPING_SHM,
    VS_MAPPING_FILE,
} VsMapping;

/* "none", "anonymous", "shared-anonymous", "memfd", "shm", "file"; vs_mapping_lookup the
 * reverse. */
const char *vs_mapping_name(VsMapping mapping);
bool vs_mapping_lookup(const char *name, VsMapping *mapping);

const VsRecordSpec *vs_record_spec(VsRecordKind kind);
/* VirtualQuery's MEMORY_BASIC_INFORMATION, field by field in VsMemoryBasicInformation's order. */
const VsRecordSpec *vs_mbi_spec(void);
/* Whether a call's value is a MEMORY_BASIC_INFORMATION (VirtualQuery, VirtualQueryEx). */
bool vs_op_returns_mbi(VsOpKind kind);
/* The structure a call fills, or VS_RECORD_NONE (VS_RECORD_BY_CLASS: see vs_op_record_of). */
VsRecordKind vs_op_record(VsOpKind kind);
/* The structure this call fills: for NtQueryVirtualMemory the one its class names
 * (MemoryRegionInformation, MemoryImageInformation; MemoryBasicInformation is a
 * MEMORY_BASIC_INFORMATION, as VirtualQuery's), else the call's own. */
VsRecordKind vs_op_record_of(const VsOp *op);

typedef struct VsOutcome {
    uint64_t ret;
    uint64_t made_size;           /* bytes a view-mapping call mapped (the model knows); the
                                   * first reservation of HeapCreate's (GetProcessHeap's) heap;
                                   * the size of the allocation a heap block lies in */
    uint64_t block_base;          /* HeapAlloc, HeapReAlloc: the AllocationBase of the memory
                                   * the block returned lies in (VirtualQuery's); 0 if none */
    bool block_own, block_new;    /* ... that allocation is the block's own (a big block), or a
                                   * segment the call added (the model's answer only) */
    uint32_t own_heaps;           /* GetProcessHeaps: heaps the real process had before the
                                   * scenario began (the agent's C runtime's), counted in its
                                   * answer; 0 in the model */
    uint32_t last_error;          /* GetLastError() after the call (errno, in Linux) */
    uint32_t last_status;         /* RtlGetLastNtStatus() after the call */
    uint32_t exception;           /* what a memory access raised; 0 if nothing: an
                                   * NTSTATUS, or in a Linux system its signal
                                   * (SIGSEGV, SIGBUS) */
    uint32_t exception_access;    /* the kind of access that raised it (VsAccess: 0 read, 1
                                   * write, 8 execute; ExceptionInformation[0]); 0 if none */
    uint64_t out[VS_OP_MAX_ARGS]; /* by-reference arguments coming out */
    uint32_t out_written;         /* bit i: out[i] was written by the call */
    bool has_mbi;
    VsMemoryBasicInformation mbi;          /* VirtualQuery's record */
    VsRecordKind record;                   /* a structure the call filled (VirtualQuery's is mbi) */
    uint64_t fields[VS_RECORD_MAX_FIELDS]; /* its fields, in vs_record_fields order */
    uint64_t vad_start, vad_end;           /* the caller's VAD holding the address argument before
                                            * the call, [start, end); 0, 0 if none: the allocation
                                            * the call may have changed */
    uint32_t region_type, region_state;    /* Type and State of the address argument's page before
                                            * the call (MEM_PRIVATE/MEM_MAPPED, MEM_RESERVE/
                                            * MEM_COMMIT); 0 if no VAD holds it (Windows only) */
    bool in_stack;                         /* Windows: the address argument lay in a thread's
                                            * user stack (its reservation) before the call */
    bool in_heap;                          /* ... in a heap's segment or big block */
    VsMapping mapping;                     /* Linux: what the address argument's page was before
                                            * the call (Windows: VS_MAPPING_NONE) */
    uint32_t vector_length;                /* mincore: pages in vector (0 when it failed) */
    uint8_t vector[VS_MINCORE_CAPACITY];   /* mincore: one byte per page, bit 0 resident */
} VsOutcome;

const VsOpSpec *vs_op_spec(VsOpKind kind);
VsOpFamily vs_op_family(VsOpKind kind);
/* The process whose address space op's addresses are in: the one its process handle names
 * (VirtualAllocEx, MapViewOfFile3, NtMapViewOfSection, UnmapViewOfFile2, ...), else the caller's;
 * NULL when the handle names no process. */
VsProcess *vs_op_process(VsThread *thread, const VsOp *op);
/* The index of op's first address argument, or -1 if it has none. Only mremap has a second (its
 * new_address, argument 4); the harness translates that one itself. */
int vs_op_address_arg(VsOpKind kind);
/* The argument holding the size of the range (for Nt* calls, the variable behind it), or -1. */
int vs_op_size_arg(VsOpKind kind);
/* The argument holding the allocation or free type (MEM_*; for Linux calls the flags of mmap,
 * mremap and msync, madvise's advice), or -1. */
int vs_op_type_arg(VsOpKind kind);
/* Whether the call maps a view (its outcome carries the size the view got). */
bool vs_op_maps_view(VsOpKind kind);
/* Whether a call's outcome carries an exception it raised: a memory access, or a call that
 * raises one of its own (raises). */
bool vs_op_raises(VsOpKind kind);
/* The argument holding the new page protection (PAGE_*, or mmap's and mprotect's PROT_*), or -1. */
int vs_op_protect_arg(VsOpKind kind);
/* The name of an errno value ("EINVAL"), or NULL for one the model never sets. */
const char *vs_errno_name(uint32_t value);
/* Whether a call's return value says it failed: NULL, FALSE or 0 for the Win32 calls that return
 * a pointer, a BOOL, a size or a handle; INVALID_HANDLE_VALUE (CreateFile); MAP_FAILED or -1 for
 * the Linux calls; (UINT)-1 for the write-watch calls; -1 for read_file. */
bool vs_op_failed(VsOpKind kind, uint64_t ret);
/* A constant a scenario may name: the model's (vs_constant_lookup) or the language's own (NULL,
 * TRUE, FALSE, INVALID_HANDLE_VALUE, MemoryBasicInformation). */
bool vs_scenario_constant(const char *name, uint64_t *value);
/* Up to capacity of the names vs_scenario_constant knows, for suggestions; returns how many. */
size_t vs_scenario_constant_names(const char **names, size_t capacity);
#define VS_SCENARIO_CONSTANTS_MAX 1024 /* room for every name vs_scenario_constant_names gives */
/* The operation called name; false if no call has that name. A name may have two forms (an Nt
 * query call's short one and the one with its buffer): this is the first. */
bool vs_op_lookup(const char *name, VsOpKind *kind);
/* The operation a call of name with arg_count arguments makes: the form of that arity, else the
 * first form (whose arity the caller then reports as wrong); false if no call has that name. */
bool vs_op_lookup_call(const char *name, size_t arg_count, VsOpKind *kind);
/* "4 arguments", or for a name with two forms "4 or 5 arguments": what a call of kind's name
 * takes, for the error that says it was given another count. */
const char *vs_op_arity_words(VsOpKind kind, char *buffer, size_t size);

/* The language's builtins that make lists of extended parameters: each makes a list of one
 * (MemAddressRequirements(lowest, highest, alignment), MemAttributeFlags(flags),
 * MemNumaNode(node), MemExtendedParameter(type, value) for any type, even an invalid one), and
 * MemExtendedParameters(list, list, ...) joins lists. */
#define VS_PARAMETER_RAW UINT32_MAX        /* MemExtendedParameter: the type is an argument */
#define VS_PARAMETER_JOIN (UINT32_MAX - 1) /* MemExtendedParameters: 2 to 4 lists */
typedef struct VsParameterBuiltin {
    const char *name;
    uint32_t type;     /* the MEM_EXTENDED_PARAMETER_TYPE it makes, or one of the two above */
    uint8_t arity;     /* its arguments (for the join, at least) */
    const char *about; /* its arguments, for messages */
} VsParameterBuiltin;
/* The builtin called name, or NULL. */
const VsParameterBuiltin *vs_parameter_builtin(const char *name);

/* Runs op in the model as thread, and fills outcome. */
void vs_op_execute(VsThread *thread, const VsOp *op, VsOutcome *outcome);
/* The outcome of a call that left its thread waiting, once it returns (a synchronous ReadFile's or
 * ConnectNamedPipe's): outcome holds what vs_op_execute gave when it started. */
void vs_op_finish(VsThread *thread, const VsOp *op, VsOutcome *outcome);

#endif /* VS_SCENARIO_OP_H */
