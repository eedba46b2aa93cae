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

/* Makes room for size bytes (whole pages, zero-filled beyond the old end). */
static bool reserve_bytes(VsFile *file, uint64_t size)
{
    uint64_t capacity = (size + VS_PAGE_SIZE - 1) & ~(VS_PAGE_SIZE - 1);
    if (capacity <= file->capacity)
        return true;
    unsigned char *data = realloc(file->data, capacity);
    if (!data)
        return false;
    memset(data + file->capacity, 0, capacity - file->capacity);
    file->data = data;
    bool *cached = realloc(file->cached, capacity / VS_PAGE_SIZE * sizeof *cached);
    if (!cached)
        return false; /* data grew but capacity did not: the next call grows it again */
    memset(cached + file->capacity / VS_PAGE_SIZE, 0,
           (capacity - file->capacity) / VS_PAGE_SIZE * sizeof *cached);
    file->cached = cached;
    file->capacity = capacity;
    return true;
}

/* Marks pages first_index..last_index (clipped to the file's room) in or out of the page cache. */
void vs_file_set_cached(VsFile *file, uint64_t first_index, uint64_t last_index, bool cached)
{
    uint64_t pages = file->capacity / VS_PAGE_SIZE;
    for (uint64_t index = first_index; index <= last_index && index < pages; index++)
        file->cached[index] = cached;
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
    return index < file->capacity / VS_PAGE_SIZE && file->cached[index];
}

/* Extends (never shrinks) the file to size bytes of which the new ones are zeros. */
bool vs_file_extend(VsFile *file, uint64_t size)
{
    if (size <= file->size)
        return true;
    if (!reserve_bytes(file, size))
        return false;
    memset(file->data + file->size, 0, size - file->size); /* what an overwrite left is gone */
    file->size = size;
    return true;
}

VsStatus vs_file_create(VsSystem *system, const char *name, uint64_t size, const void *contents,
                        uint64_t contents_length, uint8_t fill)
{
    if (!name || !name[0] || strlen(name) >= sizeof ((VsFile *)0)->name)
        return STATUS_OBJECT_NAME_INVALID;
    if (vs_file_lookup(system, name))
        return STATUS_OBJECT_NAME_COLLISION;
    if (size > VS_FILE_MAX_BYTES || contents_length > size)
        return STATUS_INVALID_PARAMETER;
    VsFile *file = calloc(1, sizeof *file);
    VsFile **table = realloc(system->files, (system->file_count + 1) * sizeof *table);
    if (table)
        system->files = table;
    if (!file || !table || !reserve_bytes(file, size)) {
        if (file) {
            free(file->data);
            free(file->cached);
        }
        free(file);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    strcpy(file->name, name);
    file->size = size;
    if (size)
        memset(file->data, fill, size);
    if (contents_length)
        memcpy(file->data, contents, contents_length);
    if (size)
        vs_file_set_cached(file, 0, (size - 1) / VS_PAGE_SIZE, true); /* written, so cached */
    system->files[system->file_count++] = file;
    return STATUS_SUCCESS;
}

void vs_file_fini_all(VsSystem *system)
{
    for (size_t i = 0; i < system->file_count; i++) {
        free(system->files[i]->data);
        free(system->files[i]->cached);
        free(system->files[i]);
    }
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
    return vs_pfn_fill(db, frame, length ? file->data + offset : NULL, length);
}

/* Writes a page back: only the bytes inside the file (a write past its end, in the last page, is
 * not the file's: the file does not grow by being mapped). */
void vs_file_write_page(VsFile *file, uint64_t index, const unsigned char *data)
{
    uint64_t offset = index * VS_PAGE_SIZE;
    if (offset >= file->size)
        return;
    uint64_t length = vs_min(VS_PAGE_SIZE, file->size - offset);
    if (data)
        memcpy(file->data + offset, data, length);
    else
        memset(file->data + offset, 0, length);
}

/* ---- NtCreateFile -------------------------------------------------------------------------------- */

/* The file rights an access asks for (GENERIC_* mapped as a file's generic mapping does). */
static uint32_t file_rights(uint32_t access)
{
    uint32_t rights = access & (FILE_READ_DATA | FILE_WRITE_DATA | FILE_EXECUTE);
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
                        const char *name, uint32_t create_disposition, uint64_t *information)
{
    if (!file_handle || !information)
        return STATUS_ACCESS_VIOLATION;
    if (create_disposition < FILE_OPEN || create_disposition > FILE_OVERWRITE_IF)
        return STATUS_INVALID_PARAMETER;
    if (!name || !name[0])
        return STATUS_OBJECT_NAME_INVALID;
    VsSystem *system = caller->process->system;
    VsFile *file = vs_file_lookup(system, name);
    bool overwrite = create_disposition == FILE_OVERWRITE ||
                     create_disposition == FILE_OVERWRITE_IF;
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
    VsStatus status = vs_handle_insert(caller, VS_OBJECT_FILE, vs_file_lookup(system, name),
                                       file_rights(desired_access), file_handle);
    if (!NT_SUCCESS(status))
        return status;
    if (file && overwrite)
        file->size = 0;
    *information = !file ? FILE_CREATED : overwrite ? FILE_OVERWRITTEN : FILE_OPENED;
    return STATUS_SUCCESS;
}

/* The file's end (models NtQueryInformationFile, FileStandardInformation's EndOfFile). */
VsStatus vs_file_query_size(VsThread *caller, VsHandle handle, uint64_t *size)
{
    void *object;
    VsStatus status = vs_reference_object(caller, handle, VS_OBJECT_FILE, 0, &object);
    if (NT_SUCCESS(status))
        *size = ((const VsFile *)object)->size;
    return status;
}

/*
 * One byte of the file as a read would see it (ReadFile through the cache manager, which maps the
 * file's data section): the section's page if it is resident, else the file's own byte. The file
 * handle needs FILE_READ_DATA. STATUS_END_OF_FILE at or past the end.
 */
VsStatus vs_file_read_byte(VsThread *thread, VsHandle handle, uint64_t offset, uint8_t *value)
{
    void *object;
    VsStatus status = vs_reference_object(thread, handle, VS_OBJECT_FILE, FILE_READ_DATA,
                                          &object);
    if (!NT_SUCCESS(status))
        return status;
    const VsFile *file = object;
    if (offset >= file->size)
        return STATUS_END_OF_FILE;
    *value = file->data[offset];
    const VsSection *section = file->section;
    uint64_t index = offset / VS_PAGE_SIZE;
    if (section && index < section->pages) {
        uint64_t pte = section->prototypes[index];
        if (vs_pte_is_resident(pte)) {
            const unsigned char *data = thread->process->system->pfn.frames[vs_pte_frame(pte)].data;
            *value = data ? data[offset % VS_PAGE_SIZE] : 0;
        }
    }
    return STATUS_SUCCESS;
}
