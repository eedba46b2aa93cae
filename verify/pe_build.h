/*
 * pe_build.h - the bytes of a small PE image made from a declaration, the same for the model and
 * for the agents.
 *
 * A scenario's pe("name", characteristics, image_base, dll_characteristics, "sections") declares an
 * image without a PE on disk. The runner builds its bytes into the model's file store, and the
 * verification agents build the very same bytes into a real file, so both systems map one image.
 * The layout is what Wine's loader tests build (dlls/kernel32/tests/loader.c, nt_header_template):
 * a 64-byte DOS header with e_lfanew 0x40, the NT headers, the section table, FileAlignment 0x200,
 * SectionAlignment 0x1000, sections contiguous from the first page after the headers; layout parts
 * (vs_pe_parse_sections) write the test's hand-made files instead. Pure C11 with no I/O, so the
 * Win32 agent compiles it too.
 */
#ifndef VS_PE_BUILD_H
#define VS_PE_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VS_PE_MAX_SECTIONS 16
#define VS_PE_MAX_BYTES (64u << 20) /* the most a declared image's file may hold */
#define VS_PE_MAX_IMPORTS 8
#define VS_PE_MAX_IMPORT_NAME 32 /* with its NUL */

typedef struct VsPeSection {
    char name[9];
    uint32_t virtual_size;    /* VirtualSize; 0 takes the raw size */
    uint32_t raw_size;        /* initialised bytes in the file (rounded up to FileAlignment) */
    uint32_t characteristics; /* IMAGE_SCN_* */
    bool fixups; /* a pointer the loader must relocate at the start of each page of raw data */
    bool placed; /* VirtualAddress and PointerToRawData given, the sizes written as given */
    uint32_t rva, raw_pointer; /* when placed */
} VsPeSection;

/* Header fields a declaration may set in place of the builder's values (pe_build.c's head says
 * them), each with its bit in VsPeHeader.set. */
typedef enum VsPeField {
    VS_PE_ENTRY,     /* AddressOfEntryPoint */
    VS_PE_STACK,     /* SizeOfStackReserve, SizeOfStackCommit */
    VS_PE_SUBSYSTEM, /* Subsystem, MajorSubsystemVersion, MinorSubsystemVersion */
    VS_PE_OS,        /* MajorOperatingSystemVersion, MinorOperatingSystemVersion */
    VS_PE_MACHINE,   /* the file header's Machine */
    VS_PE_CHECKSUM,  /* CheckSum */
    VS_PE_CODE,      /* SizeOfCode */
    VS_PE_COM,       /* a COM descriptor (IMAGE_COR20_HEADER): Flags, runtime version */
    VS_PE_ALIGN,   /* SectionAlignment, FileAlignment as written (the layout stays the builder's) */
    VS_PE_HEADERS, /* SizeOfHeaders as written */
    VS_PE_IMAGE,   /* SizeOfImage as written */
    VS_PE_DOS,     /* the DOS header's length, e_lfanew (the NT headers follow it) */
    VS_PE_OPTIONAL,  /* SizeOfOptionalHeader, where the section table starts */
    VS_PE_FILE,      /* the file's length: the builder's bytes cut there or zeros added */
    VS_PE_DIRECTORY, /* one data directory's RVA and Size */
    VS_PE_FIELDS
} VsPeField;

typedef struct VsPeHeader {
    uint32_t set; /* bit f: field f was declared */
    uint32_t entry, code, checksum;
    uint64_t stack_reserve, stack_commit;
    uint16_t subsystem, subsystem_major, subsystem_minor, os_major, os_minor, machine;
    uint32_t com_flags; /* COMIMAGE_FLAGS_* */
    uint16_t com_major, com_minor;
    uint32_t section_alignment, file_alignment, size_of_headers, size_of_image;
    uint32_t dos_size, optional_size, file_size;
    uint32_t directory, directory_rva, directory_size;
} VsPeHeader;

typedef struct VsPeSpec {
    bool pe32_plus;               /* PE32+ for AMD64, else PE32 for i386 */
    uint16_t characteristics;     /* the file header's IMAGE_FILE_* */
    uint64_t image_base;          /* the preferred base */
    uint16_t dll_characteristics; /* IMAGE_DLLCHARACTERISTICS_* */
    uint32_t count;
    VsPeSection sections[VS_PE_MAX_SECTIONS];
    bool exports;          /* an .edata section: ordinal 1, the first section's start */
    uint32_t import_count; /* an .idata section importing ordinal 1 of each of these DLLs */
    char imports[VS_PE_MAX_IMPORTS][VS_PE_MAX_IMPORT_NAME];
    VsPeHeader header; /* the fields declared in place of the builder's */
} VsPeSpec;

/* Reads the sections text: sections separated by ';', each "NAME VIRTUAL RAW FLAGS" with the sizes
 * in C notation and FLAGS a number or letters (r read, w write, x execute, s shared, c code, i
 * initialised data, u uninitialised data; and f, no IMAGE_SCN_ bit: each page of the section's
 * raw data starts with a pointer to itself, ImageBase + its RVA, which a .reloc section the builder
 * adds lists as a base relocation, so a loader that moves the image rewrites it). Two more parts
 * may stand among the sections: "exports", an .edata section whose export directory has one
 * function, ordinal 1, at the first section's start, and "imports A.DLL B.DLL ...", an .idata
 * section (write-copy data) whose import directory takes ordinal 1 of each named DLL, its IAT
 * holding the unbound ordinal until a loader writes the address. Header parts set one field each
 * in place of the builder's value (numbers in C notation): "entry RVA" (AddressOfEntryPoint),
 * "stack RESERVE COMMIT", "subsystem N [MAJOR MINOR]" (Subsystem and its version), "os MAJOR
 * MINOR" (the operating system version), "machine N" (the file header's Machine), "checksum N",
 * "code N" (SizeOfCode), "align SECTION FILE" (SectionAlignment and FileAlignment), "headers N"
 * (SizeOfHeaders), "image N" (SizeOfImage): these three write the fields only, the sections lying
 * where the builder puts them, so an image whose fields disagree with its layout can be made;
 * "com FLAGS MAJOR MINOR" (a .NET image: a .cormeta section holding an
 * IMAGE_COR20_HEADER with those COMIMAGE_FLAGS_* and runtime version, which the COM descriptor
 * directory names); and "pe32", a PE32 image for i386 whatever pe32_plus said (a 64-bit
 * system maps both). Four parts lay the file out otherwise, as hand-made files are (Wine's
 * loader.c create_test_dll): "dos N" (the DOS header's first N bytes, 2 to 64, then the NT
 * headers at N; e_lfanew, written last at 0x3C, is N, over whatever field of the NT headers lies
 * there when N is below 64), "optional N" (SizeOfOptionalHeader N: the optional header is still
 * written whole, then zeros up to N, and the section table starts N bytes after it, over its tail
 * when N is smaller; 0 writes none, and then no part may set one of its fields), "file N" (the
 * file is N bytes: the builder's cut there or zeros added) and "directory N RVA SIZE" (data
 * directory N, 0-15, as given). A section given two more numbers, "NAME VIRTUAL RAW FLAGS RVA
 * OFFSET", is placed: VirtualAddress RVA and PointerToRawData OFFSET, VirtualSize and
 * SizeOfRawData exactly VIRTUAL and RAW; its raw bytes are written at OFFSET unless that lies in
 * the headers, whose bytes are then its raw data. A declaration may have no section. False with
 * a sentence in error on a mistake. */
bool vs_pe_parse_sections(const char *text, VsPeSpec *spec, char *error, size_t room);
/* The file's size in bytes, or 0 when the image would be larger than VS_PE_MAX_BYTES. */
size_t vs_pe_file_size(const VsPeSpec *spec);
/* Writes the file's bytes (vs_pe_file_size of them) to out. Each section's raw data is its name's
 * first letter after the dot, repeated, so a page read from the file is told from a zero page.
 * False when the host has no room for the builder's bytes a "file" part cuts short (out is then
 * untouched). */
bool vs_pe_write(const VsPeSpec *spec, unsigned char *out);

#endif
