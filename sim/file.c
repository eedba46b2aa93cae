/*
 * file.c - files: what a file-backed section maps, and the file system beneath it.
 *
 * The model has no disk: a file is a name and its bytes, declared by whoever drives the model (a
 * scenario's `file` statement) and kept by the system. CreateFile opens one and gives a handle
 * (models NtCreateFile and a FILE_OBJECT, with the access the handle was granted). The memory
 * manager reads a file's pages when a view faults on them (a hard fault that reads the file, not
 * the page file: MiResolveMappedFileFault) and writes dirty pages back to it (the mapped page
 * writer, MiMappedPageWriter), so a mapped file's pages are never in the page file.
 *
 * As in Windows, a file has at most one data section (its CONTROL_AREA, found from the file's
 * SECTION_OBJECT_POINTERS): every CreateFileMapping of the file, in any process, shares its
 * prototype PTEs, and so do the file's reads (ReadFile goes through the same pages), which is why
 * a byte written through a view is what the file says before it is ever written back.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

VsFile *vs_file_lookup(const VsSystem *system, const char *name)
{
    for (size_t i = 0; i < system->file_count; i++)
        if (strcmp(system->files[i]->name, name) == 0)
            return system->files[i];
    return NULL;
}

/* ---- The file's bytes, a page at a time --------------------------------------------------------
 *
 * The model has no disk, so a file's bytes are host memory, but only the pages written differ
 * from what the file was declared with: pages is a sparse array (sparse.c) holding the 4 KB of
 * each page written since, and every other page reads as the fill byte if it is in the fill set
 * (the pages the declaration filled) and as zeros if not (made by extending the file, or punched
 * or cut off since). A 64 GB file of 'x' with three pages written costs three pages, and
 * extending or truncating it costs a step per page written, not per page spanned.
 */

static unsigned char *page_bytes(const VsFile *file, uint64_t index)
{
    return (unsigned char *)(uintptr_t)vs_sparse_get(&file->pages, index);
}

/* The byte every byte of an unwritten page reads as. */
static uint8_t unwritten_byte(const VsFile *file, uint64_t index)
{
    return vs_runs_contains(&file->fill, index) ? file->fill_byte : 0;
}

/* One byte of the file's own contents (what the disk holds, not the page cache). */
uint8_t vs_file_byte(const VsFile *file, uint64_t offset)
{
    const unsigned char *page = page_bytes(file, offset / VS_PAGE_SIZE);
    return page ? page[offset % VS_PAGE_SIZE] : unwritten_byte(file, offset / VS_PAGE_SIZE);
}

/* Bytes [offset, offset + length) of the file's own contents, a page at a time; past its end,
 * zeros. */
void vs_file_read_bytes(const VsFile *file, uint64_t offset, unsigned char *out, uint64_t length)
{
    while (length) {
        uint64_t index = offset / VS_PAGE_SIZE, within = offset % VS_PAGE_SIZE;
        uint64_t chunk = vs_min(length, VS_PAGE_SIZE - within);
        uint64_t inside = offset < file->size ? vs_min(chunk, file->size - offset) : 0;
        const unsigned char *page = page_bytes(file, index);
        if (page)
            memcpy(out, page + within, inside);
        else
            memset(out, unwritten_byte(file, index), inside);
        memset(out + inside, 0, chunk - inside);
        out += chunk;
        offset += chunk;
        length -= chunk;
    }
}

/* The page's own bytes to write into, made from what it read as; NULL if the host has no room. */
static unsigned char *writable_page(VsFile *file, uint64_t index)
{
    unsigned char *page = page_bytes(file, index);
    if (page)
        return page;
    page = malloc(VS_PAGE_SIZE);
    if (!page)
        return NULL;
    memset(page, unwritten_byte(file, index), VS_PAGE_SIZE);
    if (!vs_sparse_set(&file->pages, index, (uint64_t)(uintptr_t)page)) {
        free(page);
        return NULL;
    }
    file->pages_held++;
    return page;
}

/* Forgets the page's own bytes: it reads as an unwritten page again. */
static void drop_page(VsFile *file, uint64_t index)
{
    unsigned char *page = page_bytes(file, index);
    if (!page)
        return;
    vs_sparse_set(&file->pages, index, 0);
    free(page);
    file->pages_held--;
}

/* A page written back to what an unwritten page reads as needs no memory of its own. */
static void drop_if_unwritten(VsFile *file, uint64_t index)
{
    const unsigned char *page = page_bytes(file, index);
    uint8_t byte = unwritten_byte(file, index);
    for (uint64_t i = 0; i < VS_PAGE_SIZE; i++)
        if (page[i] != byte)
            return;
    drop_page(file, index);
}

/* Zeroes bytes [from, to) where they cover page index only in part (the whole pages are
 * zero_bytes' own work). False if the host has no memory for the page. */
static bool zero_partial(VsFile *file, uint64_t index, uint64_t from, uint64_t to)
{
    uint64_t start = vs_max(from, index * VS_PAGE_SIZE);
    uint64_t end = vs_min(to, (index + 1) * VS_PAGE_SIZE);
    if (end - start == VS_PAGE_SIZE || (!page_bytes(file, index) && !unwritten_byte(file, index)))
        return true; /* a whole page, or zeros already */
    unsigned char *page = writable_page(file, index);
    if (!page)
        return false;
    memset(page + start % VS_PAGE_SIZE, 0, end - start);
    return true;
}

/*
 * Makes bytes [from, to) of the file zeros (what extending, truncating and punching a hole leave):
 * the pages wholly inside lose their bytes and leave the fill set, at a step per page written;
 * a page partly inside is written. False if the host has no memory for a partly covered page.
 */
static bool zero_bytes(VsFile *file, uint64_t from, uint64_t to)
{
    if (from >= to)
        return true;
    uint64_t first = from / VS_PAGE_SIZE, last = (to - 1) / VS_PAGE_SIZE;
    if (!zero_partial(file, first, from, to) ||
        (last != first && !zero_partial(file, last, from, to)))
        return false;
    uint64_t whole_first = (from + VS_PAGE_SIZE - 1) / VS_PAGE_SIZE, whole_end = to / VS_PAGE_SIZE;
    if (whole_first >= whole_end)
        return true;
    for (uint64_t index = vs_sparse_next(&file->pages, whole_first, whole_end - 1);
         index < whole_end; index = vs_sparse_next(&file->pages, index + 1, whole_end - 1))
        drop_page(file, index);
    return vs_runs_set(&file->fill, whole_first, whole_end - 1, false);
}

/* Marks pages first_index..last_index in or out of the page cache. */
void vs_file_set_cached(VsFile *file, uint64_t first_index, uint64_t last_index, bool cached)
{
    vs_runs_set(&file->cached, first_index, last_index, cached);
}

/* The pages the file's bytes reach into, a last partial one counted: those past it are SIGBUS. */
uint64_t vs_file_pages(const VsFile *file)
{
    return (file->size + VS_PAGE_SIZE - 1) / VS_PAGE_SIZE;
}

/* Reads pages first_index.. (pages of them, none past the end of the file) into the page cache
 * (do_page_cache_ra). */
void vs_file_readahead(VsFile *file, uint64_t first_index, uint64_t pages)
{
    uint64_t end = vs_file_pages(file);
    if (first_index < end)
        vs_file_set_cached(file, first_index, vs_min(end, first_index + pages) - 1, true);
}

bool vs_file_cached(const VsFile *file, uint64_t index)
{
    return vs_runs_contains(&file->cached, index);
}

/* How many of pages [first_index, last_index] the page cache holds. */
uint64_t vs_file_cached_count(const VsFile *file, uint64_t first_index, uint64_t last_index)
{
    return vs_runs_count(&file->cached, first_index, last_index);
}

/* Extends (never shrinks) the file to size bytes of which the new ones are zeros. */
bool vs_file_extend(VsFile *file, uint64_t size)
{
    if (size <= file->size)
        return true;
    if (!zero_bytes(file, file->size, size)) /* what an overwrite left is gone */
        return false;
    file->size = size;
    return true;
}

/* Cuts the file to size bytes (never grows it): the bytes past the end are gone, and read as
 * zeros if it grows again. */
bool vs_file_shrink(VsFile *file, uint64_t size)
{
    if (size >= file->size)
        return true;
    if (!zero_bytes(file, size, file->size))
        return false;
    file->size = size;
    return true;
}

/* Punches pages [first_index, last_index] (within the file) out of it: they read as zeros. */
bool vs_file_punch_bytes(VsFile *file, uint64_t first_index, uint64_t last_index)
{
    if (first_index >= vs_file_pages(file))
        return true;
    uint64_t end = vs_min(file->size, (vs_min(last_index, vs_file_pages(file)) + 1) * VS_PAGE_SIZE);
    return zero_bytes(file, first_index * VS_PAGE_SIZE, end);
}

/* Host bytes the file's contents hold: its written pages and the arrays that find them. */
uint64_t vs_file_bytes(const VsFile *file)
{
    return file->pages_held * VS_PAGE_SIZE + vs_sparse_bytes(&file->pages) +
           vs_runs_bytes(&file->fill) + vs_runs_bytes(&file->cached);
}

static void file_free(VsFile *file)
{
    for (uint64_t index = vs_sparse_next(&file->pages, 0, UINT64_MAX - 1); index != UINT64_MAX;
         index = vs_sparse_next(&file->pages, index + 1, UINT64_MAX - 1))
        free(page_bytes(file, index));
    vs_sparse_fini(&file->pages);
    vs_runs_fini(&file->fill);
    vs_runs_fini(&file->cached);
    free(file);
}

/* A new file of the system with no bytes (its arrays empty), at the size the personality gives
 * its files, or NULL when the host is out of memory. */
VsFile *vs_file_new(const VsSystem *system)
{
    VsFile *file = calloc(1, VS_OBJECT_SIZE(system->personality, file, VsFile));
    if (!file)
        return NULL;
    vs_sparse_init(&file->pages, 0);
    vs_runs_init(&file->fill);
    vs_runs_init(&file->cached);
    return file;
}

/* The declared contents: the text first, the fill after it; every page is in the page cache.
 * Only the pages the text covers are written (the bytes of the last page past the end are never
 * read: extending the file zeroes them first). */
static bool declare_contents(VsFile *file, uint64_t size, const unsigned char *contents,
                             uint64_t contents_length, uint8_t fill)
{
    uint64_t pages = (size + VS_PAGE_SIZE - 1) / VS_PAGE_SIZE;
    file->size = size;
    file->fill_byte = fill;
    if (pages && (!vs_runs_set(&file->fill, 0, pages - 1, fill != 0) ||
                  !vs_runs_set(&file->cached, 0, pages - 1, true))) /* written, so cached */
        return false;
    for (uint64_t offset = 0; offset < contents_length; offset += VS_PAGE_SIZE) {
        unsigned char *page = writable_page(file, offset / VS_PAGE_SIZE);
        if (!page)
            return false;
        memcpy(page, contents + offset, vs_min(VS_PAGE_SIZE, contents_length - offset));
    }
    return true;
}

VsStatus vs_file_create(VsSystem *system, const char *name, uint64_t size, const void *contents,
                        uint64_t contents_length, uint8_t fill)
{
    if (!name || !name[0] || strlen(name) >= sizeof((VsFile *)0)->name)
        return STATUS_OBJECT_NAME_INVALID;
    if (vs_file_lookup(system, name))
        return STATUS_OBJECT_NAME_COLLISION;
    if (size > VS_FILE_MAX_BYTES || contents_length > size)
        return STATUS_INVALID_PARAMETER;
    VsFile *file = vs_file_new(system);
    VsFile **table = realloc(system->files, (system->file_count + 1) * sizeof *table);
    if (table)
        system->files = table;
    if (!file || !table || !declare_contents(file, size, contents, contents_length, fill)) {
        if (file)
            file_free(file);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    strcpy(file->name, name);
    system->files[system->file_count++] = file;
    return STATUS_SUCCESS;
}

void vs_file_fini_all(VsSystem *system)
{
    for (size_t i = 0; i < system->file_count; i++)
        file_free(system->files[i]);
    free(system->files);
    system->files = NULL;
    system->file_count = 0;
}

/* Reads page index of the file into frame (an in-page read from the file for a hard fault); the
 * bytes past the end of the file read as zeros. False if the host has no memory for the bytes. */
bool vs_file_read_page(const VsFile *file, uint64_t index, VsPfnDatabase *db, uint64_t frame)
{
    uint64_t offset = index * VS_PAGE_SIZE;
    uint64_t length = offset < file->size ? vs_min(VS_PAGE_SIZE, file->size - offset) : 0;
    const unsigned char *page = page_bytes(file, index);
    unsigned char filled[VS_PAGE_SIZE];
    if (!page && length && unwritten_byte(file, index)) {
        memset(filled, unwritten_byte(file, index), length);
        page = filled;
    }
    return vs_pfn_fill(db, frame, page ? page : NULL, page ? length : 0);
}

/* Writes a page back: only the bytes inside the file (a write past its end, in the last page, is
 * not the file's: the file does not grow by being mapped). A page written back as it was declared
 * keeps no memory. False if the host has no memory for the page (the file is unchanged). */
bool vs_file_write_page(VsFile *file, uint64_t index, const unsigned char *data)
{
    uint64_t offset = index * VS_PAGE_SIZE;
    if (offset >= file->size)
        return true;
    uint64_t length = vs_min(VS_PAGE_SIZE, file->size - offset);
    if (!data && !page_bytes(file, index) && !unwritten_byte(file, index))
        return true; /* zeros over zeros */
    unsigned char *page = writable_page(file, index);
    if (!page)
        return false;
    if (data)
        memcpy(page, data, length);
    else
        memset(page, 0, length);
    drop_if_unwritten(file, index);
    return true;
}

/* ---- NtCreateFile ---------------------------------------------------------------------------- */

/* Whether a name is a named pipe's, \\.\pipe\ followed by the pipe's own name (NPFS's names,
 * which kernelbase reaches through \??\pipe\), case-insensitively. */
bool vs_is_pipe_name(const char *name)
{
    return name && vs_text_equal_nocase(name, "\\\\.\\pipe\\", 9);
}

/* The file rights an access asks for (GENERIC_* mapped as a file's generic mapping does), with
 * SYNCHRONIZE, which kernelbase's CreateFile always asks. */
static uint32_t file_rights(uint32_t access)
{
    uint32_t rights = (access & (FILE_READ_DATA | FILE_WRITE_DATA | FILE_EXECUTE)) | SYNCHRONIZE;
    if (access & (GENERIC_READ | GENERIC_ALL))
        rights |= FILE_READ_DATA;
    if (access & (GENERIC_WRITE | GENERIC_ALL))
        rights |= FILE_WRITE_DATA;
    if (access & (GENERIC_EXECUTE | GENERIC_ALL))
        rights |= FILE_EXECUTE;
    return rights;
}

/*
 * Opens or creates a file (models NtCreateFile for the dispositions a data file takes: FILE_OPEN,
 * FILE_CREATE, FILE_OPEN_IF, FILE_OVERWRITE, FILE_OVERWRITE_IF). *information says what happened,
 * as IO_STATUS_BLOCK.Information does: FILE_OPENED, FILE_CREATED or FILE_OVERWRITTEN. A file a
 * section maps cannot be overwritten (STATUS_USER_MAPPED_FILE). Sharing is not modelled: every
 * open succeeds whatever share mode another handle asked for.
 */
VsStatus VsNtCreateFile(VsThread *caller, VsHandle *file_handle, uint32_t desired_access,
                        const char *name, uint32_t create_disposition, uint32_t create_options,
                        uint64_t *information)
{
    if (!file_handle || !information)
        return STATUS_ACCESS_VIOLATION;
    if (create_disposition < FILE_OPEN || create_disposition > FILE_OVERWRITE_IF)
        return STATUS_INVALID_PARAMETER;
    if (!name || !name[0])
        return STATUS_OBJECT_NAME_INVALID;
    bool synchronous = (create_options & FILE_SYNCHRONOUS_IO_NONALERT) != 0;
    if (vs_is_pipe_name(name)) {
        *information = FILE_OPENED;
        return vs_pipe_open_client(caller, name, file_rights(desired_access), synchronous,
                                   file_handle);
    }
    VsSystem *system = caller->process->system;
    VsFile *file = vs_file_lookup(system, name);
    bool overwrite =
        create_disposition == FILE_OVERWRITE || create_disposition == FILE_OVERWRITE_IF;
    if (file && create_disposition == FILE_CREATE)
        return STATUS_OBJECT_NAME_COLLISION;
    if (!file && (create_disposition == FILE_OPEN || create_disposition == FILE_OVERWRITE))
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (file && overwrite && file->section)
        return STATUS_USER_MAPPED_FILE; /* a mapped file cannot be truncated */
    if (!file) {
        VsStatus status = vs_file_create(system, name, 0, NULL, 0, 0);
        if (!NT_SUCCESS(status))
            return status;
    }
    VsFileObject *object = calloc(1, sizeof *object);
    if (!object)
        return STATUS_INSUFFICIENT_RESOURCES;
    *object = (VsFileObject){vs_file_lookup(system, name), 0, 1, .synchronous = synchronous};
    VsStatus status =
        vs_handle_insert(caller, VS_OBJECT_FILE, object, file_rights(desired_access), file_handle);
    if (!NT_SUCCESS(status)) {
        free(object);
        return status;
    }
    if (file && overwrite)
        file->size = 0;
    *information = !file ? FILE_CREATED : overwrite ? FILE_OVERWRITTEN : FILE_OPENED;
    return STATUS_SUCCESS;
}

/* A handle closed (or its process gone): the file object goes with its last handle (the file
 * stays: the model has no disk, and the system keeps every file declared). */
void vs_file_object_close_handle(VsSystem *system, VsFileObject *object)
{
    if (--object->handles)
        return;
    if (object->pipe)
        vs_pipe_close_end(system, object);
    free(object);
}

VsStatus vs_reference_file(VsThread *caller, VsHandle handle, uint32_t access, VsFileObject **out)
{
    void *object;
    VsStatus status = vs_reference_object(caller, handle, VS_OBJECT_FILE, access, &object);
    if (NT_SUCCESS(status))
        *out = object;
    return status;
}

/* The file's end (models NtQueryInformationFile, FileStandardInformation's EndOfFile); for an
 * end of a pipe, NPFS's answer: the bytes it can read now (ntdll pipe.c test_file_info: EndOfFile
 * is ReadDataAvailable), STATUS_PIPE_DISCONNECTED for a client whose server is gone. */
VsStatus vs_file_query_size(VsThread *caller, VsHandle handle, uint64_t *size)
{
    VsFileObject *object;
    VsStatus status = vs_reference_file(caller, handle, 0, &object);
    if (NT_SUCCESS(status) && object->pipe)
        return vs_pipe_available(object, size);
    if (NT_SUCCESS(status))
        *size = object->file->size;
    return status;
}

uint8_t vs_file_cached_byte(const VsSystem *system, const VsFile *file, uint64_t offset)
{
    const VsSection *section = file->section;
    uint64_t index = offset / VS_PAGE_SIZE;
    if (section && index < section->pages) {
        uint64_t pte = vs_prototype_read(section, index);
        if (vs_pte_is_resident(pte)) {
            const unsigned char *data = system->pfn.frames[vs_pte_frame(pte)].data;
            return data ? data[offset % VS_PAGE_SIZE] : 0;
        }
    }
    return vs_file_byte(file, offset);
}

/*
 * One byte of the file as a read would see it (ReadFile through the cache manager, which maps the
 * file's data section): the section's page if it is resident, else the file's own byte. The file
 * handle needs FILE_READ_DATA. STATUS_END_OF_FILE at or past the end.
 */
VsStatus vs_file_read_byte(VsThread *thread, VsHandle handle, uint64_t offset, uint8_t *value)
{
    VsFileObject *object;
    VsStatus status = vs_reference_file(thread, handle, FILE_READ_DATA, &object);
    if (!NT_SUCCESS(status))
        return status;
    if (!object->file)
        return STATUS_INVALID_PARAMETER; /* a pipe has no offsets (the language refuses it first) */
    if (offset >= object->file->size)
        return STATUS_END_OF_FILE;
    *value = vs_file_cached_byte(thread->process->system, object->file, offset);
    return STATUS_SUCCESS;
}
