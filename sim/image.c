/*
 * image.c - image sections: a PE file mapped as Windows' loader and memory manager see it.
 *
 * Models MmCreateSection for SEC_IMAGE (WRK mm/creasect.c: MiCreateImageFileMap,
 * MiVerifyImageHeader, MiGetImageProtection). The file's headers are checked in Windows' order,
 * each failure with the status Windows gives (all ERROR_BAD_EXE_FORMAT through CreateFileMapping:
 * Wine's kernel32 loader.c test_Loader and virtual.c test_MapViewOfFile). A valid image gets a
 * section whose segment has one prototype PTE per page of SizeOfImage, laid out as subsections:
 * the headers (read-only), then each PE section at the protection its characteristics give. Every
 * SEC_IMAGE section of a file is that one section (the file's ImageSectionObject), so every view of
 * it, in any process, shares its pages through the prototype PTEs: code and read-only data stay
 * shared, and a first store to a write-copy page makes a private copy (fault.c, MiCopyOnWrite).
 *
 * Pages of a section read from the file at the section's raw data (from the 512-byte sector holding
 * PointerToRawData, whole pages: Windows does not clear the rest of the last page); the headers'
 * page past SizeOfHeaders reads as zeros; committed pages past the raw data are demand zero. A
 * section's tail up to SectionAlignment, when that is above a page, is not committed.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DOS_HEADER 64
#define SCN_EXECUTE 0x20000000u
#define SCN_READ 0x40000000u
#define SCN_WRITE 0x80000000u
#define SCN_SHARED 0x10000000u
#define FILE_EXECUTABLE 0x0002u
#define MACHINE_I386 0x14Cu
#define MACHINE_AMD64 0x8664u
#define MAX_IMAGE_SIZE 0x77000000u /* WRK MiCreateImageFileMap */

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const unsigned char *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static uint64_t round_up(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }
static uint64_t pages_of(uint64_t bytes) { return round_up(bytes, VS_PAGE_SIZE) / VS_PAGE_SIZE; }
static bool power_of_two(uint32_t v) { return v && !(v & (v - 1)); }

/*
 * The page protection of a section from its characteristics (WRK MmImageProtectionArray, indexed by
 * execute, read, write and shared; Wine's loader test_section_access, 24 rows): a writable section
 * is write-copy unless shared, and the CNT_ flags change nothing.
 */
static uint32_t section_protection(uint32_t characteristics)
{
    static const uint32_t win32[16] = {
        PAGE_NOACCESS,  PAGE_EXECUTE,           PAGE_READONLY,  PAGE_EXECUTE_READ,
        PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY,
        PAGE_NOACCESS,  PAGE_EXECUTE,           PAGE_READONLY,  PAGE_EXECUTE_READ,
        PAGE_READWRITE, PAGE_EXECUTE_READWRITE, PAGE_READWRITE, PAGE_EXECUTE_READWRITE,
    };
    unsigned index =
        ((characteristics & SCN_EXECUTE) ? 1 : 0) | ((characteristics & SCN_READ) ? 2 : 0) |
        ((characteristics & SCN_WRITE) ? 4 : 0) | ((characteristics & SCN_SHARED) ? 8 : 0);
    return vs_mm_from_win32(win32[index]);
}

/* The headers as read from the file: the DOS header, then the NT headers at e_lfanew. */
typedef struct Headers {
    unsigned char dos[DOS_HEADER];
    unsigned char nt[4 + 20 + 0xF0];
    uint32_t lfanew;
    uint16_t sections, optional_size;
    bool plus; /* PE32+ */
} Headers;

/* The DOS and NT signatures (MiCreateImageFileMap, then MiVerifyImageHeader): an empty file is no
 * section at all; no MZ is NOT_MZ; NT headers off a 4-byte boundary (on a 64-bit system), or
 * not wholly in the file, or with another signature are a DOS program (INVALID_IMAGE_PROTECT), an
 * NE one a 16-bit program (Wine's test_Loader, L1162-1197). The NT headers WRK reads are its own
 * IMAGE_NT_HEADERS, 0x108 bytes on x64 and 0xF8 on x86, whatever the file's optional header: so
 * a file whose DOS header is 4 bytes needs 268 bytes on x64 (test_Loader td[15-17], L847-875). */
static VsStatus check_signatures(const VsLayout *layout, const VsFile *file, Headers *h)
{
    if (file->size == 0)
        return STATUS_INVALID_FILE_FOR_SECTION;
    vs_file_read_bytes(file, 0, h->dos, DOS_HEADER);
    if (file->size < DOS_HEADER || h->dos[0] != 'M' || h->dos[1] != 'Z')
        return STATUS_INVALID_IMAGE_NOT_MZ;
    h->lfanew = rd32(h->dos + 0x3C);
    bool x64 = layout->arch == VS_ARCH_X64;
    if ((x64 && (h->lfanew & 3)) || (uint64_t)h->lfanew + (x64 ? 0x108 : 0xF8) > file->size)
        return STATUS_INVALID_IMAGE_PROTECT;
    vs_file_read_bytes(file, h->lfanew, h->nt, sizeof h->nt);
    if (h->nt[0] == 'N' && h->nt[1] == 'E') {
        uint8_t exetype = h->nt[0x36]; /* ne_exetyp: 2 Windows, 5 a DOS 4 program */
        return exetype == 2   ? STATUS_INVALID_IMAGE_WIN_16
               : exetype == 5 ? STATUS_INVALID_IMAGE_PROTECT
                              : STATUS_INVALID_IMAGE_NE_FORMAT;
    }
    if (memcmp(h->nt, "PE\0\0", 4) != 0)
        return STATUS_INVALID_IMAGE_PROTECT;
    return STATUS_SUCCESS;
}

/* The file header and the optional header's Magic against the machine (Wine's test_Loader,
 * L1199-1215 and L1285-1413): PE32 is i386, PE32+ AMD64; a 32-bit system cannot map PE32+; a
 * 64-bit one maps both. SizeOfOptionalHeader places the section table and is otherwise not read:
 * the optional header's fields are taken whole whatever it says (test_Loader td[17], L868-875:
 * 8 bytes, and query_image_section reads its subsystem and stack), but a 64-bit system refuses
 * one that is not a multiple of 8 (WRK: "bogus headers cause alignment faults"). */
static VsStatus check_machine(const VsLayout *layout, Headers *h)
{
    const unsigned char *fh = h->nt + 4, *opt = h->nt + 24;
    uint16_t machine = rd16(fh), magic = rd16(opt);
    h->sections = rd16(fh + 2);
    h->optional_size = rd16(fh + 16);
    if (machine == 0 && h->optional_size == 0)
        return STATUS_INVALID_IMAGE_PROTECT; /* a DOS program (WRK) */
    if (magic != 0x10B && magic != 0x20B)
        return STATUS_INVALID_IMAGE_FORMAT;
    h->plus = magic == 0x20B;
    if (machine != (h->plus ? MACHINE_AMD64 : MACHINE_I386))
        return STATUS_INVALID_IMAGE_FORMAT;
    if (h->plus && layout->arch != VS_ARCH_X64)
        return STATUS_INVALID_IMAGE_WIN_64;
    if (!(rd16(fh + 18) & FILE_EXECUTABLE) || h->sections > (h->plus ? 95 : 96) ||
        (layout->arch == VS_ARCH_X64 && (h->optional_size & 7)))
        return STATUS_INVALID_IMAGE_FORMAT;
    return STATUS_SUCCESS;
}

/* The optional header's numbers, and their rules (WRK MiVerifyImageHeader, VALIDATE_NTHEADER;
 * Microsoft's PE format page): alignments powers of two, FileAlignment 512..SectionAlignment (equal
 * below a page), ImageBase on 64 KB, SizeOfImage and SizeOfHeaders sensible. WRK's checks of the
 * headers' own subsection (MiCreateImageFileMap: SizeOfHeaders not 0, and rounded to
 * SectionAlignment within SizeOfImage) hold for flat images too since Vista: test_Loader refuses
 * td[8-12], td[15] ("vista is more strict", L796-854) and td[16] ("rejected by win10 1809+",
 * L855-867), flat images with no SizeOfHeaders or headers larger than the image, and loads td[4]
 * and td[17], whose headers fit. */
static VsStatus read_optional(const Headers *h, VsImage *image)
{
    const unsigned char *fh = h->nt + 4, *o = h->nt + 24;
    *image = (VsImage){.machine = rd16(fh),
                       .characteristics = rd16(fh + 18),
                       .entry_point = rd32(o + 16),
                       .image_base = h->plus ? rd64(o + 24) : rd32(o + 28),
                       .section_alignment = rd32(o + 32),
                       .file_alignment = rd32(o + 36),
                       .size_of_image = rd32(o + 56),
                       .size_of_headers = rd32(o + 60),
                       .subsystem = rd16(o + 68),
                       .dll_characteristics = rd16(o + 70),
                       .stack_reserve = h->plus ? rd64(o + 72) : rd32(o + 72),
                       .stack_commit = h->plus ? rd64(o + 80) : rd32(o + 76),
                       .size_of_code = rd32(o + 4),
                       .os_major = rd16(o + 40),
                       .os_minor = rd16(o + 42),
                       .subsystem_major = rd16(o + 48),
                       .subsystem_minor = rd16(o + 50),
                       .checksum = rd32(o + 64)};
    /* IMAGE_DIRECTORY_ENTRY_BASERELOC, the sixth data directory, and COM_DESCRIPTOR, the
     * fifteenth, each when the header has that many and it is not empty */
    const unsigned char *directories = o + (h->plus ? 112 : 96);
    uint32_t directory_count = rd32(o + (h->plus ? 108 : 92));
    image->relocatable = !(image->characteristics & 0x0001u) && directory_count > 5 &&
                         rd32(directories + 5 * 8 + 4) != 0;
    image->com_descriptor = directory_count > 14 && rd32(directories + 14 * 8) != 0 &&
                            rd32(directories + 14 * 8 + 4) != 0;
    uint32_t sa = image->section_alignment, fa = image->file_alignment;
    image->flat = sa < VS_PAGE_SIZE;
    if (!power_of_two(sa) || !power_of_two(fa) || sa < fa || (image->flat && fa != sa) ||
        (!image->flat && fa < 512))
        return STATUS_INVALID_IMAGE_FORMAT;
    uint64_t header_end = round_up(image->size_of_headers, sa);
    if (image->image_base % VS_GRANULARITY || image->size_of_image == 0 ||
        image->size_of_image > MAX_IMAGE_SIZE || image->size_of_headers >= image->size_of_image ||
        image->size_of_headers == 0 ||
        header_end >
            (image->flat ? image->size_of_image : round_up(image->size_of_image, VS_PAGE_SIZE)))
        return STATUS_INVALID_IMAGE_FORMAT;
    return STATUS_SUCCESS;
}

/* One PE section as a subsection at *next_page, checked against the file and its place (WRK
 * MiCreateImageFileMap: contiguous, in order; sizes; raw data inside the file). */
static VsStatus add_section(const VsFile *file, VsImage *image, const unsigned char *header,
                            uint64_t *next_rva)
{
    uint32_t virtual_size = rd32(header + 8), rva = rd32(header + 12);
    uint32_t raw_size = rd32(header + 16), raw_pointer = rd32(header + 20);
    if (virtual_size == 0)
        virtual_size = raw_size;
    if (virtual_size == 0 || rva != *next_rva ||
        (uint64_t)raw_pointer + raw_size > (raw_size ? file->size : UINT32_MAX))
        return STATUS_INVALID_IMAGE_FORMAT;
    VsSubsection *s = &image->subsections[image->count++];
    *s = (VsSubsection){.first_page = rva / VS_PAGE_SIZE,
                        .pages = round_up(virtual_size, image->section_alignment) / VS_PAGE_SIZE,
                        .committed_pages = pages_of(virtual_size),
                        .raw_offset = raw_pointer & ~511u,
                        /* no raw data, or none in the file: all demand zero (WRK) */
                        .raw_end =
                            raw_size && raw_pointer
                                ? round_up((uint64_t)raw_pointer + raw_size, image->file_alignment)
                                : 0,
                        .characteristics = rd32(header + 36),
                        .mm = section_protection(rd32(header + 36))};
    memcpy(s->name, header, 8);
    *next_rva = rva + round_up(virtual_size, image->section_alignment);
    return STATUS_SUCCESS;
}

/* The subsections of a page-aligned image: the headers, then each section; the image must end
 * within SectionAlignment of the last section (WRK: "size does not agree with header/object
 * tables"; Wine's test_Loader rows 2 and 4). */
static VsStatus lay_out(const VsFile *file, const Headers *h, VsImage *image)
{
    uint64_t header_pages = round_up(image->size_of_headers, image->section_alignment);
    image->subsections[0] = (VsSubsection){.name = "headers",
                                           .pages = header_pages / VS_PAGE_SIZE,
                                           .committed_pages = pages_of(image->size_of_headers),
                                           .raw_end = image->size_of_headers,
                                           .mm = MM_READONLY};
    image->count = 1;
    uint64_t next_rva = header_pages;
    uint64_t table = h->lfanew + 24ull + h->optional_size;
    for (uint32_t i = 0; i < h->sections; i++) {
        unsigned char header[40];
        vs_file_read_bytes(file, table + 40ull * i, header, sizeof header);
        VsStatus status = add_section(file, image, header, &next_rva);
        if (!NT_SUCCESS(status))
            return status;
    }
    uint64_t end = round_up(image->size_of_image, VS_PAGE_SIZE);
    if (end < image->subsections[image->count - 1].first_page * VS_PAGE_SIZE +
                  image->subsections[image->count - 1].committed_pages * VS_PAGE_SIZE ||
        end >= next_rva + image->section_alignment)
        return STATUS_INVALID_IMAGE_FORMAT;
    return STATUS_SUCCESS;
}

/* A flat image (SectionAlignment below a page): one subsection, every page write-copy, mapped
 * straight from the file (WRK; Wine's test_Loader L926-927). */
static void lay_out_flat(const VsFile *file, VsImage *image)
{
    uint64_t pages = pages_of(image->size_of_image);
    image->subsections[0] = (VsSubsection){.name = "image",
                                           .pages = pages,
                                           .committed_pages = pages,
                                           .raw_end = vs_min(file->size, image->size_of_image),
                                           .mm = MM_EXECUTE_WRITECOPY};
    image->count = 1;
}

/* The file offset of an image's RVA, through the subsection holding it, or 0 if no raw data of
 * the file is there. */
static uint64_t file_offset_of(const VsImage *image, uint64_t rva)
{
    const VsSubsection *s = vs_image_subsection(image, rva / VS_PAGE_SIZE);
    if (!s)
        return 0;
    uint64_t offset = s->raw_offset + (rva - s->first_page * VS_PAGE_SIZE);
    return offset < s->raw_end ? offset : 0;
}

/* The COM+ flags of a .NET image (kernel32 loader.c query_image_section L443-470): IL only for
 * COMIMAGE_FLAGS_ILONLY with a runtime of 2.5 or later; then, for PE32 only, native-ready unless
 * 32BITREQUIRED and prefer-32-bit for 32BITPREFERRED. A header the file does not hold reads as
 * zeros, so gives none. */
static uint8_t read_complus(const VsFile *file, const Headers *h, const VsImage *image)
{
    const unsigned char *directory = h->nt + 24 + (h->plus ? 112 : 96) + 14 * 8;
    uint32_t rva = rd32(directory), size = rd32(directory + 4);
    uint64_t at = image->flat ? rva : file_offset_of(image, rva);
    unsigned char cor[20] = {0};
    if (!image->com_descriptor || !at)
        return 0;
    vs_file_read_bytes(file, at, cor,
                       vs_min(vs_min(size, sizeof cor), file->size - vs_min(at, file->size)));
    uint16_t major = rd16(cor + 4), minor = rd16(cor + 6);
    uint32_t flags = rd32(cor + 16);
    if (!(flags & 0x1u) || major < 2 || (major == 2 && minor < 5)) /* COMIMAGE_FLAGS_ILONLY */
        return 0;
    uint8_t complus = VS_IMAGE_FLAGS_COMPLUS_IL_ONLY;
    if (!h->plus && !(flags & 0x2u)) /* COMIMAGE_FLAGS_32BITREQUIRED */
        complus |= VS_IMAGE_FLAGS_COMPLUS_NATIVE_READY;
    if (!h->plus && (flags & 0x20000u)) /* COMIMAGE_FLAGS_32BITPREFERRED */
        complus |= VS_IMAGE_FLAGS_COMPLUS_PREFER_32BIT;
    return complus;
}

#define MAX_FIXUPS (1u << 20)

/* Reads the base relocations (IMAGE_DIRECTORY_ENTRY_BASERELOC: blocks of a page RVA and 16-bit
 * entries, type and offset) into image->fixups. Entries of other types than the architecture's
 * pointer are skipped, as is a malformed tail: Windows checks relocations only as it applies
 * them. False when the host has no room. */
static bool read_fixups(const VsFile *file, const Headers *h, VsImage *image)
{
    const unsigned char *directory = h->nt + 24 + (h->plus ? 112 : 96) + 5 * 8;
    uint32_t rva = rd32(directory), size = rd32(directory + 4);
    uint64_t at = image->relocatable ? file_offset_of(image, rva) : 0;
    uint16_t wanted = h->plus ? 10 : 3; /* IMAGE_REL_BASED_DIR64, IMAGE_REL_BASED_HIGHLOW */
    for (uint32_t done = 0; at && done + 8 <= size && image->fixup_count < MAX_FIXUPS;) {
        unsigned char block[8];
        vs_file_read_bytes(file, at + done, block, sizeof block);
        uint32_t page = rd32(block), length = rd32(block + 4);
        if (length < 8 || length > size - done)
            break;
        uint32_t *grown =
            realloc(image->fixups, (image->fixup_count + (length - 8) / 2 + 1) * sizeof *grown);
        if (!grown)
            return false;
        image->fixups = grown;
        for (uint32_t i = 8; i + 2 <= length; i += 2) {
            unsigned char entry[2];
            vs_file_read_bytes(file, at + done + i, entry, sizeof entry);
            if (rd16(entry) >> 12 == wanted)
                image->fixups[image->fixup_count++] = page + (rd16(entry) & 0xFFF);
        }
        done += length;
    }
    return true;
}

/* Reads and checks the file's headers into a new VsImage (NULL and a status on failure). */
static VsStatus read_image(const VsSystem *system, const VsFile *file, VsImage **out)
{
    Headers h;
    VsStatus status = check_signatures(system->layout, file, &h);
    if (NT_SUCCESS(status))
        status = check_machine(system->layout, &h);
    if (!NT_SUCCESS(status))
        return status;
    VsImage *image = malloc(sizeof *image + (h.sections + 1u) * sizeof(VsSubsection));
    if (!image)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = read_optional(&h, image);
    if (NT_SUCCESS(status) && image->flat)
        lay_out_flat(file, image);
    else if (NT_SUCCESS(status))
        status = lay_out(file, &h, image);
    if (NT_SUCCESS(status) && !image->flat && !read_fixups(file, &h, image))
        status = STATUS_INSUFFICIENT_RESOURCES;
    if (!NT_SUCCESS(status)) {
        free(image->fixups);
        free(image);
        return status;
    }
    image->file_size = (uint32_t)file->size;
    image->complus = read_complus(file, &h, image);
    image->contains_code = image->size_of_code || image->entry_point || image->flat;
    for (uint32_t i = 0; i < image->count; i++) {
        if (vs_mm_is_copy_on_write(image->subsections[i].mm))
            image->commitment += image->subsections[i].committed_pages;
        if (image->subsections[i].characteristics & 0x20000000u) /* IMAGE_SCN_MEM_EXECUTE */
            image->contains_code = true;
    }
    *out = image;
    return STATUS_SUCCESS;
}

/* The pages of the image's shared writable sections: one copy for every process, charged to the
 * system when the section is made (WRK: MmSharedCommit). */
uint64_t vs_image_shared_pages(const VsImage *image)
{
    uint64_t pages = 0;
    for (uint32_t i = 0; i < image->count; i++)
        if (vs_mm_writable(image->subsections[i].mm) &&
            !vs_mm_is_copy_on_write(image->subsections[i].mm))
            pages += image->subsections[i].committed_pages;
    return pages;
}

/* The prototype PTE a committed page of a subsection starts with: in the file while it has raw
 * data there, else demand zero; each at the subsection's protection. */
static uint64_t initial_prototype(const VsSubsection *s, uint64_t page)
{
    if (page * VS_PAGE_SIZE < s->raw_end - vs_min(s->raw_end, s->raw_offset))
        return vs_pte_make_subsection(s->mm);
    return vs_pte_make_software(s->mm);
}

/* Writes every committed page's prototype PTE (the section's initial entry is zero: not
 * committed). False if the host has no room. */
static bool write_prototypes(VsSection *section)
{
    const VsImage *image = section->image;
    if (!vs_prototype_prepare(section, 0, section->pages - 1))
        return false;
    for (uint32_t i = 0; i < image->count; i++) {
        const VsSubsection *s = &image->subsections[i];
        for (uint64_t page = 0; page < s->committed_pages && s->first_page + page < section->pages;
             page++)
            vs_prototype_write(section, s->first_page + page, initial_prototype(s, page));
    }
    vs_prototype_release_empty(section, 0, section->pages - 1);
    return true;
}

/*
 * The file's image control area (MmCreateSection with SEC_IMAGE): the one it has, or a new one made
 * from its headers. Its size is SizeOfImage rounded to a page; a maximum size above that is
 * STATUS_SECTION_TOO_BIG (Wine's loader query_image_section, L505-515). One below it leaves the
 * control area whole: the section object made over it takes that size (section.c), so its views
 * map that much of the image (ntdll test_query_image_information L3177-3202: a section of 0x4000
 * bytes maps a view of 0x4000, and MemoryImageInformation calls it a partial map).
 * Statuses: those of the header checks, STATUS_SECTION_TOO_BIG, STATUS_COMMITMENT_LIMIT (shared
 * writable pages), STATUS_INSUFFICIENT_RESOURCES.
 */
VsStatus vs_image_section(VsSystem *system, VsFile *file, const char *name,
                          const uint64_t *maximum_size, uint32_t mm, VsSection **out)
{
    VsImage *image;
    VsStatus status = read_image(system, file, &image);
    if (!NT_SUCCESS(status))
        return status;
    uint64_t size = round_up(image->size_of_image, VS_PAGE_SIZE);
    if (maximum_size && *maximum_size > size) {
        free(image->fixups);
        free(image);
        return STATUS_SECTION_TOO_BIG;
    }
    if (file->image_section) { /* the file's image control area, shared */
        free(image->fixups);
        free(image);
        *out = file->image_section;
        return STATUS_SUCCESS;
    }
    uint64_t charge = vs_image_shared_pages(image);
    if (!vs_commit_available(system, charge)) {
        free(image->fixups);
        free(image);
        return STATUS_COMMITMENT_LIMIT;
    }
    VsSection *section;
    status = vs_section_create(system, name, size, mm, SEC_IMAGE, file, &section);
    if (!NT_SUCCESS(status)) {
        free(image->fixups);
        free(image);
        return status;
    }
    section->image = image;
    vs_prototype_set_initial(section);
    if (!write_prototypes(section)) {
        vs_section_dereference(system, section);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    vs_section_charge(system, section, (int64_t)charge);
    file->image_section = section;
    *out = section;
    return STATUS_SUCCESS;
}

/* The subsection holding page index of the image, or NULL past the last. */
const VsSubsection *vs_image_subsection(const VsImage *image, uint64_t index)
{
    for (uint32_t i = image->count; i-- > 0;)
        if (index >= image->subsections[i].first_page)
            return index < image->subsections[i].first_page + image->subsections[i].pages
                       ? &image->subsections[i]
                       : NULL;
    return NULL;
}

/* The protection a page of a section has for every view of it: the section's for data, the
 * subsection's for an image (MiGetImageProtection). */
uint32_t vs_section_page_mm(const VsSection *section, uint64_t index)
{
    if (!section->image)
        return section->protection;
    const VsSubsection *s = vs_image_subsection(section->image, index);
    return s ? s->mm : MM_ZERO_ACCESS;
}

/* Reads page index of an image from its file into frame (the in-page read of an image page):
 * whole pages from the raw data, but the headers' page only up to SizeOfHeaders. */
bool vs_image_read_page(const VsSection *section, uint64_t index, VsPfnDatabase *db, uint64_t frame)
{
    const VsSubsection *s = vs_image_subsection(section->image, index);
    unsigned char page[VS_PAGE_SIZE];
    uint64_t offset = s->raw_offset + (index - s->first_page) * VS_PAGE_SIZE;
    uint64_t length = VS_PAGE_SIZE;
    if (s == &section->image->subsections[0] && !section->image->flat)
        length = offset < s->raw_end ? vs_min(VS_PAGE_SIZE, s->raw_end - offset) : 0;
    vs_file_read_bytes(section->file, offset, page, length);
    return vs_pfn_fill(db, frame, page, length);
}

void vs_image_fini(VsSection *section)
{
    if (section->image)
        free(section->image->fixups);
    free(section->image);
    section->image = NULL;
}

/* ---- Reading an image section (show section, show address) --------------------------------- */

bool vs_section_image_info(const VsSection *section, VsImageInfo *out)
{
    const VsImage *image = section->image;
    if (!image)
        return false;
    *out = (VsImageInfo){.image_base = image->image_base,
                         .size_of_image = image->size_of_image,
                         .entry_point = image->entry_point,
                         .machine = image->machine,
                         .characteristics = image->characteristics,
                         .dll_characteristics = image->dll_characteristics,
                         .commitment = image->commitment,
                         .flat = image->flat,
                         .subsections = image->count};
    return true;
}

bool vs_section_subsection(const VsSection *section, uint32_t index, VsSubsectionInfo *out)
{
    if (!section->image || index >= section->image->count)
        return false;
    const VsSubsection *s = &section->image->subsections[index];
    uint64_t raw = s->raw_end - vs_min(s->raw_end, s->raw_offset);
    *out = (VsSubsectionInfo){.name = s->name,
                              .first_page = s->first_page,
                              .pages = s->pages,
                              .committed_pages = s->committed_pages,
                              .file_pages = vs_min(s->committed_pages, pages_of(raw)),
                              .protection = vs_mm_to_win32(s->mm),
                              .characteristics = s->characteristics};
    return true;
}

bool vs_section_subsection_at(const VsSection *section, uint64_t index, VsSubsectionInfo *out)
{
    const VsSubsection *s = section->image ? vs_image_subsection(section->image, index) : NULL;
    return s && vs_section_subsection(section, (uint32_t)(s - section->image->subsections), out);
}
