/*
 * pe_build.c - builds the bytes of a declared PE image (pe_build.h says what and why).
 *
 * The fields follow Microsoft's "PE Format" page; the values are the ones every Windows since Vista
 * and Wine accept (Wine's kernel32 loader tests build images the same way): OS and subsystem
 * version 6.0, console subsystem, 1 MB stack and heap reserves with a page committed, sixteen empty
 * data directories, CheckSum 0, the machine the format implies (AMD64 for PE32+, i386 for PE32),
 * SizeOfCode the code sections' raw bytes, an EXE's entry point at its first code section. A
 * declaration's header parts (VsPeHeader) replace any of these.
 */
#include "pe_build.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    FILE_ALIGNMENT = 0x200,
    SECTION_ALIGNMENT = 0x1000,
    DOS_HEADER = 0x40,       /* e_lfanew, unless a dos part says otherwise */
    NT_FILE_HEADER = 4 + 20, /* the signature and IMAGE_FILE_HEADER */
    SECTION_HEADER = 40,
    PAGE = 0x1000,
};

static uint64_t round_up(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t optional_size(const VsPeSpec *spec) { return spec->pe32_plus ? 0xF0 : 0xE0; }

static bool declared(const VsPeSpec *spec, VsPeField field)
{
    return spec->header.set & (1u << field);
}

/* Where the NT headers start (e_lfanew), the optional header, and the section table. */
static uint32_t nt_offset(const VsPeSpec *spec)
{
    return declared(spec, VS_PE_DOS) ? spec->header.dos_size : DOS_HEADER;
}
static uint32_t optional_offset(const VsPeSpec *spec) { return nt_offset(spec) + NT_FILE_HEADER; }

/* SizeOfOptionalHeader as the file header says it. */
static uint32_t optional_field(const VsPeSpec *spec)
{
    return declared(spec, VS_PE_OPTIONAL) ? spec->header.optional_size : optional_size(spec);
}

static uint32_t table_offset(const VsPeSpec *spec)
{
    return optional_offset(spec) + optional_field(spec);
}

static uint32_t virtual_size(const VsPeSection *s)
{
    if (s->placed)
        return s->virtual_size;
    return s->virtual_size ? s->virtual_size : (uint32_t)round_up(s->raw_size, FILE_ALIGNMENT);
}

/* SizeOfRawData: the raw bytes rounded to FileAlignment, or as given for a placed section. */
static uint32_t raw_size(const VsPeSection *s)
{
    return s->placed ? s->raw_size : (uint32_t)round_up(s->raw_size, FILE_ALIGNMENT);
}

/* The pages of a section that start with a relocated pointer: those holding raw data. */
static uint32_t fixup_pages(const VsPeSection *s)
{
    uint32_t bytes = s->raw_size < virtual_size(s) ? s->raw_size : virtual_size(s);
    return s->fixups ? (uint32_t)round_up(bytes, PAGE) / PAGE : 0;
}

/* The .reloc section's bytes: a block per page (IMAGE_BASE_RELOCATION, 8 bytes) with one entry
 * and an IMAGE_REL_BASED_ABSOLUTE one to pad it to 4 bytes. 0 when no section asks for fixups. */
static uint32_t reloc_bytes(const VsPeSpec *spec)
{
    uint32_t pages = 0;
    for (uint32_t i = 0; i < spec->count; i++)
        pages += fixup_pages(&spec->sections[i]);
    return 12 * pages;
}

/* The sections the builder adds after the declared ones: .edata, .idata, .reloc and .cormeta,
 * each when asked for. */
typedef enum Extra { EDATA, IDATA, RELOC, COR, EXTRAS } Extra;

enum { COR20_HEADER = 72 }; /* sizeof(IMAGE_COR20_HEADER) */

static uint32_t pointer_size(const VsPeSpec *spec) { return spec->pe32_plus ? 8 : 4; }

/* .idata: the descriptors (20 bytes each and a zero one), then each DLL's lookup table and its
 * IAT (two pointers each: ordinal 1 and the end), then each DLL's name in a 32-byte slot. */
static uint32_t idata_lookup(const VsPeSpec *spec, uint32_t i)
{
    return 20 * (spec->import_count + 1) + 2 * pointer_size(spec) * i;
}
static uint32_t idata_iat(const VsPeSpec *spec, uint32_t i)
{
    return idata_lookup(spec, spec->import_count + i);
}
static uint32_t idata_name(const VsPeSpec *spec, uint32_t i)
{
    return idata_lookup(spec, 2 * spec->import_count) + VS_PE_MAX_IMPORT_NAME * i;
}

/* An added section's bytes, 0 when there is none. .edata: the export directory (40 bytes) and its
 * one function's RVA. */
static uint32_t extra_bytes(const VsPeSpec *spec, Extra e)
{
    switch (e) {
    case EDATA: return spec->exports ? 44 : 0;
    case IDATA: return spec->import_count ? idata_name(spec, spec->import_count) : 0;
    case COR: return declared(spec, VS_PE_COM) ? COR20_HEADER : 0;
    default: return reloc_bytes(spec);
    }
}

static uint32_t section_count(const VsPeSpec *spec)
{
    uint32_t n = spec->count;
    for (Extra e = 0; e < EXTRAS; e++)
        n += extra_bytes(spec, e) ? 1 : 0;
    return n;
}

/* Where the headers end: the section table's last byte, the whole optional header when the
 * table starts inside it, e_lfanew's field when the DOS header is short. */
static uint32_t headers_end(const VsPeSpec *spec)
{
    uint32_t end = table_offset(spec) + SECTION_HEADER * section_count(spec);
    if (optional_field(spec) && end < optional_offset(spec) + optional_size(spec))
        end = optional_offset(spec) + optional_size(spec);
    return end < DOS_HEADER ? DOS_HEADER : end;
}

static uint32_t headers_size(const VsPeSpec *spec)
{
    return (uint32_t)round_up(headers_end(spec), FILE_ALIGNMENT);
}

/* Where each section lies: its RVA and its raw data's file offset (0 when it has none). */
typedef struct Placement {
    uint32_t rva[VS_PE_MAX_SECTIONS];
    uint32_t raw_offset[VS_PE_MAX_SECTIONS];
    uint32_t extra_rva[EXTRAS], extra_raw[EXTRAS]; /* the added sections', when there are */
    uint64_t size_of_image, file_size;
} Placement;

/* Each section's raw data starts on a page of the file, zeros between: the rest of a section's
 * last page then reads as zeros on Windows, which maps whole pages from the file, and on Wine,
 * which zeroes past the raw data (so the same bytes verify on both). */
static void place(const VsPeSpec *spec, Placement *p)
{
    uint64_t rva = round_up(headers_size(spec), SECTION_ALIGNMENT);
    uint64_t file = headers_size(spec);
    for (uint32_t i = 0; i < spec->count; i++) {
        const VsPeSection *s = &spec->sections[i];
        if (s->placed) { /* its raw bytes at its offset, unless the headers are there */
            p->rva[i] = s->rva;
            p->raw_offset[i] = s->raw_pointer;
            if (s->raw_size && s->raw_pointer >= headers_end(spec) &&
                (uint64_t)s->raw_pointer + s->raw_size > file)
                file = (uint64_t)s->raw_pointer + s->raw_size;
            if (round_up((uint64_t)s->rva + s->virtual_size, SECTION_ALIGNMENT) > rva)
                rva = round_up((uint64_t)s->rva + s->virtual_size, SECTION_ALIGNMENT);
            continue;
        }
        p->rva[i] = (uint32_t)rva;
        if (s->raw_size) {
            file = round_up(file, PAGE);
            p->raw_offset[i] = (uint32_t)file;
            file += round_up(s->raw_size, FILE_ALIGNMENT);
        } else {
            p->raw_offset[i] = 0;
        }
        rva = round_up(rva + virtual_size(s), SECTION_ALIGNMENT);
    }
    for (Extra e = 0; e < EXTRAS; e++) {
        uint32_t bytes = extra_bytes(spec, e);
        p->extra_rva[e] = bytes ? (uint32_t)rva : 0;
        p->extra_raw[e] = bytes ? (uint32_t)round_up(file, PAGE) : 0;
        if (bytes) {
            file = p->extra_raw[e] + round_up(bytes, FILE_ALIGNMENT);
            rva = round_up(rva + bytes, SECTION_ALIGNMENT);
        }
    }
    p->size_of_image = rva;
    p->file_size = file;
}

size_t vs_pe_file_size(const VsPeSpec *spec)
{
    Placement p;
    place(spec, &p);
    if (p.file_size > VS_PE_MAX_BYTES || p.size_of_image > 0x77000000u)
        return 0;
    return declared(spec, VS_PE_FILE) ? spec->header.file_size : (size_t)p.file_size;
}

/* The optional header's fields after the Magic and the linker version. A DLL has no entry point,
 * so a loader that runs DllMain (Wine's, Windows') runs none. */
static void write_optional(const VsPeSpec *spec, const Placement *p, unsigned char *o)
{
    uint32_t code = 0, data = 0, bss = 0, entry = 0;
    for (uint32_t i = 0; i < spec->count; i++) {
        const VsPeSection *s = &spec->sections[i];
        uint32_t raw = (uint32_t)round_up(s->raw_size, FILE_ALIGNMENT);
        if (s->characteristics & 0x20u) { /* IMAGE_SCN_CNT_CODE: an EXE starts at the first */
            code += raw;
            entry = entry || (spec->characteristics & 0x2000u) ? entry : p->rva[i];
        }
        data += (s->characteristics & 0x40u) ? raw : 0;
        bss += (s->characteristics & 0x80u) ? virtual_size(s) : 0;
    }
    bool plus = spec->pe32_plus;
    const VsPeHeader *h = &spec->header;
    put16(o, plus ? 0x20B : 0x10B);
    o[2] = 14; /* linker version 14.0 */
    put32(o + 4, declared(spec, VS_PE_CODE) ? h->code : code);
    put32(o + 8, data);
    put32(o + 12, bss);
    put32(o + 16, declared(spec, VS_PE_ENTRY) ? h->entry : entry);
    put32(o + 20, entry ? entry : (uint32_t)round_up(headers_size(spec), SECTION_ALIGNMENT));
    if (plus)
        put64(o + 24, spec->image_base);
    else
        put32(o + 28, (uint32_t)spec->image_base);
    bool align = declared(spec, VS_PE_ALIGN);
    put32(o + 32, align ? h->section_alignment : SECTION_ALIGNMENT);
    put32(o + 36, align ? h->file_alignment : FILE_ALIGNMENT);
    bool os = declared(spec, VS_PE_OS), subsystem = declared(spec, VS_PE_SUBSYSTEM);
    put16(o + 40, os ? h->os_major : 6); /* operating system version 6.0 */
    put16(o + 42, os ? h->os_minor : 0);
    put16(o + 48, subsystem ? h->subsystem_major : 6); /* subsystem version 6.0 */
    put16(o + 50, subsystem ? h->subsystem_minor : 0);
    put32(o + 56, declared(spec, VS_PE_IMAGE) ? h->size_of_image : (uint32_t)p->size_of_image);
    put32(o + 60, declared(spec, VS_PE_HEADERS) ? h->size_of_headers : headers_size(spec));
    put32(o + 64, declared(spec, VS_PE_CHECKSUM) ? h->checksum : 0);
    put16(o + 68, subsystem ? h->subsystem : 3); /* IMAGE_SUBSYSTEM_WINDOWS_CUI */
    put16(o + 70, spec->dll_characteristics);
    bool stack = declared(spec, VS_PE_STACK);
    unsigned char *sizes = o + 72; /* stack reserve, stack commit, heap reserve, heap commit */
    for (int i = 0; i < 4; i++) {
        uint64_t value = i % 2 ? 0x1000 : 0x100000;
        if (stack && i < 2)
            value = i ? h->stack_commit : h->stack_reserve;
        if (plus)
            put64(sizes + 8 * i, value);
        else
            put32(sizes + 4 * i, (uint32_t)value);
    }
    put32(o + (plus ? 108 : 92), 16); /* NumberOfRvaAndSizes, all empty but these three */
    unsigned char *directories = o + (plus ? 112 : 96);
    put32(directories, p->extra_rva[EDATA]); /* IMAGE_DIRECTORY_ENTRY_EXPORT */
    put32(directories + 4, extra_bytes(spec, EDATA));
    put32(directories + 8, p->extra_rva[IDATA]); /* IMAGE_DIRECTORY_ENTRY_IMPORT: descriptors */
    put32(directories + 12, spec->import_count ? 20 * (spec->import_count + 1) : 0);
    put32(directories + 5 * 8, p->extra_rva[RELOC]); /* IMAGE_DIRECTORY_ENTRY_BASERELOC */
    put32(directories + 5 * 8 + 4, reloc_bytes(spec));
    put32(directories + 14 * 8, p->extra_rva[COR]); /* IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR */
    put32(directories + 14 * 8 + 4, extra_bytes(spec, COR));
    if (declared(spec, VS_PE_DIRECTORY)) {
        put32(directories + 8 * h->directory, h->directory_rva);
        put32(directories + 8 * h->directory + 4, h->directory_size);
    }
}

/* An added section's header; the next header, or header itself when there is no such section. */
static unsigned char *write_extra_header(const VsPeSpec *spec, const Placement *p, Extra e,
                                         unsigned char *header)
{
    static const struct {
        const char *name;
        uint32_t characteristics;
    } extras[EXTRAS] = {
        {".edata", 0x40000040u},   /* initialised data, read */
        {".idata", 0xC0000040u},   /* initialised data, read, write: the loader writes the IAT */
        {".reloc", 0x42000040u},   /* initialised data, discardable, read */
        {".cormeta", 0x40000040u}, /* initialised data, read */
    };
    uint32_t bytes = extra_bytes(spec, e);
    if (!bytes)
        return header;
    memcpy(header, extras[e].name, strlen(extras[e].name));
    put32(header + 8, bytes);
    put32(header + 12, p->extra_rva[e]);
    put32(header + 16, (uint32_t)round_up(bytes, FILE_ALIGNMENT));
    put32(header + 20, p->extra_raw[e]);
    put32(header + 36, extras[e].characteristics);
    return header + SECTION_HEADER;
}

/* The export directory: no name, ordinal base 1, one function at the first section's start. */
static void write_exports(const VsPeSpec *spec, const Placement *p, unsigned char *out)
{
    if (!spec->exports)
        return;
    unsigned char *d = out + p->extra_raw[EDATA];
    put32(d + 16, 1);                        /* Base */
    put32(d + 20, 1);                        /* NumberOfFunctions */
    put32(d + 28, p->extra_rva[EDATA] + 40); /* AddressOfFunctions */
    put32(d + 40, p->rva[0]);
}

/* The import directory: a descriptor per DLL naming its lookup table, its name and its IAT, both
 * tables holding ordinal 1 (IMAGE_ORDINAL_FLAG) and a zero end. */
static void write_imports(const VsPeSpec *spec, const Placement *p, unsigned char *out)
{
    uint32_t rva = p->extra_rva[IDATA];
    unsigned char *idata = out + p->extra_raw[IDATA];
    for (uint32_t i = 0; i < spec->import_count; i++) {
        unsigned char *d = idata + 20 * i;
        put32(d, rva + idata_lookup(spec, i)); /* OriginalFirstThunk */
        put32(d + 12, rva + idata_name(spec, i));
        put32(d + 16, rva + idata_iat(spec, i)); /* FirstThunk */
        memcpy(idata + idata_name(spec, i), spec->imports[i], strlen(spec->imports[i]));
        unsigned char *lookup = idata + idata_lookup(spec, i), *iat = idata + idata_iat(spec, i);
        if (spec->pe32_plus) {
            put64(lookup, 0x8000000000000001ull);
            put64(iat, 0x8000000000000001ull);
        } else {
            put32(lookup, 0x80000001u);
            put32(iat, 0x80000001u);
        }
    }
}

/* The .reloc section's blocks, and the pointers they name: ImageBase + the page's RVA at the
 * start of each page (IMAGE_REL_BASED_DIR64 in PE32+, HIGHLOW in PE32). */
static void write_relocations(const VsPeSpec *spec, const Placement *p, unsigned char *out)
{
    if (!reloc_bytes(spec))
        return;
    unsigned char *block = out + p->extra_raw[RELOC];
    for (uint32_t i = 0; i < spec->count; i++) {
        for (uint32_t page = 0; page < fixup_pages(&spec->sections[i]); page++, block += 12) {
            uint32_t rva = p->rva[i] + page * PAGE;
            put32(block, rva);
            put32(block + 4, 12);
            put16(block + 8, (uint16_t)((spec->pe32_plus ? 10 : 3) << 12));
            unsigned char *pointer = out + p->raw_offset[i] + page * PAGE;
            if (spec->pe32_plus)
                put64(pointer, spec->image_base + rva);
            else
                put32(pointer, (uint32_t)(spec->image_base + rva));
        }
    }
}

/* The section table's declared entries and their raw bytes (the name's first letter after the
 * dot); a placed section whose raw data lies in the headers writes none. */
static void write_sections(const VsPeSpec *spec, const Placement *p, unsigned char *out)
{
    unsigned char *table = out + table_offset(spec);
    for (uint32_t i = 0; i < spec->count; i++) {
        const VsPeSection *s = &spec->sections[i];
        unsigned char *h = table + SECTION_HEADER * i;
        memcpy(h, s->name, strlen(s->name));
        put32(h + 8, virtual_size(s));
        put32(h + 12, p->rva[i]);
        put32(h + 16, raw_size(s));
        put32(h + 20, p->raw_offset[i]);
        put32(h + 36, s->characteristics);
        char fill = s->name[0] == '.' && s->name[1] ? s->name[1] : s->name[0];
        if (!s->placed || s->raw_pointer >= headers_end(spec))
            memset(out + p->raw_offset[i], fill, s->raw_size);
    }
    unsigned char *header = table + SECTION_HEADER * spec->count;
    for (Extra e = 0; e < EXTRAS; e++)
        header = write_extra_header(spec, p, e, header);
}

/* The builder's bytes, p->file_size of them: the DOS header, the NT headers at e_lfanew (the
 * optional header whole unless SizeOfOptionalHeader is 0), the section table, the sections, and
 * e_lfanew last, over the NT headers when the DOS header is short. */
static void write_image(const VsPeSpec *spec, const Placement *p, unsigned char *out)
{
    memset(out, 0, p->file_size);
    out[0] = 'M';
    out[1] = 'Z';
    unsigned char *nt = out + nt_offset(spec);
    memcpy(nt, "PE\0\0", 4);
    unsigned char *file_header = nt + 4;
    put16(file_header, declared(spec, VS_PE_MACHINE) ? spec->header.machine
                       : spec->pe32_plus             ? 0x8664
                                                     : 0x14C);
    put16(file_header + 2, (uint16_t)section_count(spec));
    put16(file_header + 16, (uint16_t)optional_field(spec));
    put16(file_header + 18, spec->characteristics);
    if (optional_field(spec))
        write_optional(spec, p, out + optional_offset(spec));
    write_sections(spec, p, out);
    write_exports(spec, p, out);
    write_imports(spec, p, out);
    write_relocations(spec, p, out);
    if (declared(spec, VS_PE_COM)) { /* IMAGE_COR20_HEADER: cb, runtime version, Flags */
        unsigned char *cor = out + p->extra_raw[COR];
        put32(cor, COR20_HEADER);
        put16(cor + 4, spec->header.com_major);
        put16(cor + 6, spec->header.com_minor);
        put32(cor + 16, spec->header.com_flags);
    }
    put32(out + 0x3C, nt_offset(spec)); /* e_lfanew */
}

bool vs_pe_write(const VsPeSpec *spec, unsigned char *out)
{
    Placement p;
    place(spec, &p);
    size_t size = vs_pe_file_size(spec);
    if (size >= p.file_size) { /* zeros after the builder's bytes */
        memset(out + p.file_size, 0, size - p.file_size);
        write_image(spec, &p, out);
        return true;
    }
    unsigned char *whole = malloc(p.file_size); /* cut short: the first size bytes */
    if (!whole)
        return false;
    write_image(spec, &p, whole);
    memcpy(out, whole, size);
    free(whole);
    return true;
}

/* ---- The declaration's text ------------------------------------------------------------------ */

/* FLAGS: a number, or letters for the IMAGE_SCN_* bits. False for anything else. */
static bool parse_flags(const char *word, uint32_t *flags, bool *fixups)
{
    char *end;
    *flags = (uint32_t)strtoul(word, &end, 0);
    *fixups = false;
    if (isdigit((unsigned char)word[0]))
        return *end == '\0';
    static const struct {
        char letter;
        uint32_t bit;
    } letters[] = {{'r', 0x40000000u}, {'w', 0x80000000u}, {'x', 0x20000000u}, {'s', 0x10000000u},
                   {'c', 0x00000020u}, {'i', 0x00000040u}, {'u', 0x00000080u}};
    *flags = 0;
    for (const char *c = word; *c; c++) {
        if (*c == 'f') {
            *fixups = true;
            continue;
        }
        size_t i = 0;
        while (i < sizeof letters / sizeof letters[0] && letters[i].letter != *c)
            i++;
        if (i == sizeof letters / sizeof letters[0])
            return false;
        *flags |= letters[i].bit;
    }
    return true;
}

static bool parse_size(const char *word, uint32_t *value)
{
    char *end;
    unsigned long long v = strtoull(word, &end, 0);
    *value = (uint32_t)v;
    return isdigit((unsigned char)word[0]) && *end == '\0' && v <= 0x10000000ull;
}

/* One section's four words, or six for a placed one. */
static bool parse_section(char *text, VsPeSection *s, char *error, size_t room)
{
    char *words[7] = {0};
    int n = 0;
    for (char *c = text; *c && n < 7;) {
        c += strspn(c, " \t");
        if (!*c)
            break;
        words[n++] = c;
        c += strcspn(c, " \t");
        if (*c)
            *c++ = '\0';
    }
    if (n != 4 && n != 6) {
        snprintf(error, room,
                 "a section is \"NAME VIRTUAL_SIZE RAW_SIZE FLAGS [RVA OFFSET]\" (4 or 6 words, "
                 "not %d)",
                 n);
        return false;
    }
    if (strlen(words[0]) > 8) {
        snprintf(error, room, "section name \"%s\" is longer than 8 characters", words[0]);
        return false;
    }
    strcpy(s->name, words[0]);
    if (!parse_size(words[1], &s->virtual_size) || !parse_size(words[2], &s->raw_size)) {
        snprintf(error, room, "section %s: sizes are numbers up to 0x10000000", s->name);
        return false;
    }
    if (!s->virtual_size && !s->raw_size) {
        snprintf(error, room, "section %s: a virtual size or a raw size is needed", s->name);
        return false;
    }
    if (!parse_flags(words[3], &s->characteristics, &s->fixups)) {
        snprintf(error, room, "section %s: flags are a number or letters of rwxsciuf", s->name);
        return false;
    }
    s->placed = n == 6;
    s->rva = s->raw_pointer = 0;
    if (s->placed && (!parse_size(words[4], &s->rva) || !parse_size(words[5], &s->raw_pointer))) {
        snprintf(error, room, "section %s: RVA and OFFSET are numbers up to 0x10000000", s->name);
        return false;
    }
    if (s->placed && s->fixups) {
        snprintf(error, room, "section %s: a placed section has no fixups (f)", s->name);
        return false;
    }
    return true;
}

/* A header part's keyword, its field, and how many numbers it takes (least, most). */
static const struct {
    const char *word;
    VsPeField field;
    int least, most;
} header_parts[] = {
    {"entry", VS_PE_ENTRY, 1, 1},         {"stack", VS_PE_STACK, 2, 2},
    {"subsystem", VS_PE_SUBSYSTEM, 1, 3}, {"os", VS_PE_OS, 2, 2},
    {"machine", VS_PE_MACHINE, 1, 1},     {"checksum", VS_PE_CHECKSUM, 1, 1},
    {"code", VS_PE_CODE, 1, 1},           {"com", VS_PE_COM, 3, 3},
    {"align", VS_PE_ALIGN, 2, 2},         {"headers", VS_PE_HEADERS, 1, 1},
    {"image", VS_PE_IMAGE, 1, 1},         {"dos", VS_PE_DOS, 1, 1},
    {"optional", VS_PE_OPTIONAL, 1, 1},   {"file", VS_PE_FILE, 1, 1},
    {"directory", VS_PE_DIRECTORY, 3, 3},
};

/* The least and most a header part's first number may be, where the field is not the whole
 * width of its type: a DOS header of 2 (the MZ) to 64 bytes, a data directory of the sixteen, a
 * file of at least a byte and at most VS_PE_MAX_BYTES. */
static bool first_number_fits(VsPeField field, uint64_t v)
{
    switch (field) {
    case VS_PE_DOS: return v >= 2 && v <= 64;
    case VS_PE_DIRECTORY: return v < 16;
    case VS_PE_FILE: return v >= 1 && v <= VS_PE_MAX_BYTES;
    default: return true;
    }
}

/* Stores a header part's numbers (v[0..n-1]) in its field; false when one does not fit it. */
static bool set_header(VsPeHeader *h, VsPeField field, const uint64_t *v, int n)
{
    bool word = field == VS_PE_SUBSYSTEM || field == VS_PE_OS || field == VS_PE_MACHINE ||
                field == VS_PE_COM || field == VS_PE_OPTIONAL; /* 16-bit fields */
    uint64_t limit = field == VS_PE_STACK ? UINT64_MAX : word ? UINT16_MAX : UINT32_MAX;
    for (int i = field == VS_PE_COM ? 1 : 0; i < n; i++) /* com's FLAGS are 32 bits */
        if (v[i] > limit || v[0] > UINT32_MAX)
            return false;
    if (!first_number_fits(field, v[0]))
        return false;
    switch (field) {
    case VS_PE_ENTRY: h->entry = (uint32_t)v[0]; break;
    case VS_PE_STACK: h->stack_reserve = v[0], h->stack_commit = v[1]; break;
    case VS_PE_SUBSYSTEM:
        h->subsystem = (uint16_t)v[0];
        h->subsystem_major = n > 1 ? (uint16_t)v[1] : 6;
        h->subsystem_minor = n > 2 ? (uint16_t)v[2] : 0;
        break;
    case VS_PE_OS: h->os_major = (uint16_t)v[0], h->os_minor = (uint16_t)v[1]; break;
    case VS_PE_MACHINE: h->machine = (uint16_t)v[0]; break;
    case VS_PE_CHECKSUM: h->checksum = (uint32_t)v[0]; break;
    case VS_PE_COM:
        h->com_flags = (uint32_t)v[0], h->com_major = (uint16_t)v[1], h->com_minor = (uint16_t)v[2];
        break;
    case VS_PE_ALIGN:
        h->section_alignment = (uint32_t)v[0], h->file_alignment = (uint32_t)v[1];
        break;
    case VS_PE_HEADERS: h->size_of_headers = (uint32_t)v[0]; break;
    case VS_PE_IMAGE: h->size_of_image = (uint32_t)v[0]; break;
    case VS_PE_DOS: h->dos_size = (uint32_t)v[0]; break;
    case VS_PE_OPTIONAL: h->optional_size = (uint32_t)v[0]; break;
    case VS_PE_FILE: h->file_size = (uint32_t)v[0]; break;
    case VS_PE_DIRECTORY:
        h->directory = (uint32_t)v[0], h->directory_rva = (uint32_t)v[1];
        h->directory_size = (uint32_t)v[2];
        break;
    default: h->code = (uint32_t)v[0]; break;
    }
    h->set |= 1u << field;
    return true;
}

/* A part that is a header field ("entry 0x1234", "stack 0x200000 0x2000", ...), read into
 * spec->header (*ok false and a sentence in error on a mistake); false when it is none. */
static bool parse_header_part(const char *part, VsPeSpec *spec, bool *ok, char *error, size_t room)
{
    part += strspn(part, " \t");
    size_t word = strcspn(part, " \t");
    size_t i = 0;
    while (i < sizeof header_parts / sizeof header_parts[0] &&
           (strlen(header_parts[i].word) != word || strncmp(part, header_parts[i].word, word)))
        i++;
    if (i == sizeof header_parts / sizeof header_parts[0])
        return false;
    uint64_t v[3];
    int n = 0;
    bool numbers = true;
    for (const char *c = part + word + strspn(part + word, " \t"); *c && numbers;
         c += strspn(c, " \t")) {
        char *end;
        v[n < 3 ? n : 2] = strtoull(c, &end, 0);
        numbers =
            n < 3 && isdigit((unsigned char)*c) && (*end == '\0' || isspace((unsigned char)*end));
        n++;
        c = end;
    }
    *ok = numbers && n >= header_parts[i].least && n <= header_parts[i].most &&
          !(spec->header.set & (1u << header_parts[i].field)) &&
          set_header(&spec->header, header_parts[i].field, v, n);
    VsPeField field = header_parts[i].field;
    const char *range = field == VS_PE_DOS         ? " (2 to 64 bytes)"
                        : field == VS_PE_DIRECTORY ? " (a directory of 0 to 15)"
                        : field == VS_PE_FILE      ? " (1 byte to 64 MB)"
                                                   : "";
    if (!*ok)
        snprintf(error, room,
                 "\"%s\" takes %d to %d numbers that fit its header field%s, once per image",
                 header_parts[i].word, header_parts[i].least, header_parts[i].most, range);
    return true;
}

/* A part that is "exports", "pe32" or "imports NAME ...", read into spec (*ok false and a sentence
 * in error on a mistake); false when the part is a section. */
static bool parse_directory(char *part, VsPeSpec *spec, bool *ok, char *error, size_t room)
{
    part += strspn(part, " \t");
    size_t word = strcspn(part, " \t");
    const char *rest = part + word;
    rest += strspn(rest, " \t");
    *ok = true;
    if (word == 7 && !strncmp(part, "exports", 7) && !*rest) {
        spec->exports = true;
        return true;
    }
    if (word == 4 && !strncmp(part, "pe32", 4) && !*rest) {
        spec->pe32_plus = false;
        return true;
    }
    if (word != 7 || strncmp(part, "imports", 7))
        return false;
    for (const char *c = rest; *c; c += strspn(c, " \t")) {
        size_t n = strcspn(c, " \t");
        if (spec->import_count == VS_PE_MAX_IMPORTS || n >= VS_PE_MAX_IMPORT_NAME) {
            snprintf(error, room, "an image imports at most %d DLLs, names under %d characters",
                     VS_PE_MAX_IMPORTS, VS_PE_MAX_IMPORT_NAME);
            *ok = false;
            return true;
        }
        memcpy(spec->imports[spec->import_count++], c, n);
        c += n;
    }
    if (!spec->import_count) {
        snprintf(error, room, "\"imports\" names at least one DLL");
        *ok = false;
    }
    return true;
}

/* What the parts together cannot be: optional-header fields, or sections the builder adds (each
 * named by a directory), with "optional 0", which writes no optional header; exports without a
 * section to export. */
static bool check_layout(const VsPeSpec *spec, char *error, size_t room)
{
    static const VsPeField in_file_header[] = {VS_PE_MACHINE, VS_PE_DOS, VS_PE_OPTIONAL,
                                               VS_PE_FILE};
    uint32_t outside = 0;
    for (size_t i = 0; i < sizeof in_file_header / sizeof in_file_header[0]; i++)
        outside |= 1u << in_file_header[i];
    bool none = declared(spec, VS_PE_OPTIONAL) && !spec->header.optional_size;
    if (none && ((spec->header.set & ~outside) || spec->exports || spec->import_count ||
                 reloc_bytes(spec))) {
        snprintf(error, room,
                 "\"optional 0\" writes no optional header: no part may set its fields or add a "
                 "section its directories name");
        return false;
    }
    if (spec->exports && !spec->count) {
        snprintf(error, room, "\"exports\" exports the first section, and there is none");
        return false;
    }
    return true;
}

bool vs_pe_parse_sections(const char *text, VsPeSpec *spec, char *error, size_t room)
{
    char copy[1024];
    if (strlen(text) >= sizeof copy) {
        snprintf(error, room, "the sections text is longer than %zu characters", sizeof copy - 1);
        return false;
    }
    strcpy(copy, text);
    spec->count = 0;
    spec->exports = false;
    spec->import_count = 0;
    memset(spec->imports, 0, sizeof spec->imports);
    spec->header = (VsPeHeader){0};
    char *next = copy;
    while (next) {
        char *part = next;
        next = strchr(part, ';');
        if (next)
            *next++ = '\0';
        if (strspn(part, " \t") == strlen(part))
            continue;
        bool ok;
        if (parse_header_part(part, spec, &ok, error, room) ||
            parse_directory(part, spec, &ok, error, room)) {
            if (!ok)
                return false;
            continue;
        }
        if (spec->count == VS_PE_MAX_SECTIONS) {
            snprintf(error, room, "an image declares at most %d sections", VS_PE_MAX_SECTIONS);
            return false;
        }
        if (!parse_section(part, &spec->sections[spec->count], error, room))
            return false;
        spec->count++;
    }
    return check_layout(spec, error, room);
}
