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
    file->capacity = capacity;
    return true;
}

/* Extends (never shrinks) the file to size bytes of which the new ones are zeros. */
bool vs_file_extend(VsFile *file, uint64_t size)
{
    if (size <= file->size)
        return true;
    if (!reserve_bytes(file, size))
        return false;
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
        if (file)
            free(file->data);
        free(file);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    strcpy(file->name, name);
    file->size = size;
    if (size)
        memset(file->data, fill, size);
    if (contents_length)
        memcpy(file->data, contents, contents_length);
    system->files[system->file_count++] = file;
    return STATUS_SUCCESS;
}

void vs_file_fini_all(VsSystem *system)
{
    for (size_t i = 0; i < system->file_count; i++) {
        free(system->files[i]->data);
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

/* ---- CreateFile (kernelbase CreateFileW -> NtCreateFile) ----------------------------------------- */

/* The file rights a CreateFile access asks for (GENERIC_* mapped as a file's generic mapping does). */
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
 * Opens or creates a file (the dispositions CREATE_NEW, CREATE_ALWAYS, OPEN_EXISTING, OPEN_ALWAYS,
 * TRUNCATE_EXISTING). The last error after success is ERROR_ALREADY_EXISTS when CREATE_ALWAYS or
 * OPEN_ALWAYS found the file, else 0, as kernelbase sets it. Sharing is not modelled: every open
 * succeeds whatever share mode another handle asked for.
 */
VsHandle VsCreateFile(VsThread *thread, const char *name, uint32_t desired_access,
                      uint32_t share_mode, uint32_t creation_disposition, uint32_t attributes)
{
    (void)share_mode;
    (void)attributes;
    VsSystem *system = thread->process->system;
    if (!name || !name[0]) {
        vs_set_last_nt_error(thread, STATUS_OBJECT_NAME_NOT_FOUND); /* ERROR_PATH_NOT_FOUND */
        thread->last_error = ERROR_PATH_NOT_FOUND;
        return VS_INVALID_HANDLE_VALUE;
    }
    if (creation_disposition < CREATE_NEW || creation_disposition > TRUNCATE_EXISTING) {
        vs_set_last_nt_error(thread, STATUS_INVALID_PARAMETER);
        return VS_INVALID_HANDLE_VALUE;
    }
    VsFile *file = vs_file_lookup(system, name);
    bool existed = file != NULL;
    VsStatus status = STATUS_SUCCESS;
    if (existed && creation_disposition == CREATE_NEW)
        status = STATUS_OBJECT_NAME_COLLISION; /* ERROR_FILE_EXISTS from kernelbase */
    else if (!existed && (creation_disposition == OPEN_EXISTING ||
                          creation_disposition == TRUNCATE_EXISTING))
        status = STATUS_OBJECT_NAME_NOT_FOUND;
    else if (!existed)
        status = vs_file_create(system, name, 0, NULL, 0, 0);
    else if ((creation_disposition == CREATE_ALWAYS || creation_disposition == TRUNCATE_EXISTING) &&
             file->section)
        status = STATUS_USER_MAPPED_FILE; /* a mapped file cannot be truncated */
    else if (creation_disposition == CREATE_ALWAYS || creation_disposition == TRUNCATE_EXISTING)
        file->size = 0;
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        if (status == STATUS_OBJECT_NAME_COLLISION)
            thread->last_error = ERROR_FILE_EXISTS;
        return VS_INVALID_HANDLE_VALUE;
    }
    VsHandle handle;
    status = vs_handle_insert(thread, VS_OBJECT_FILE, vs_file_lookup(system, name),
                              file_rights(desired_access), &handle);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return VS_INVALID_HANDLE_VALUE;
    }
    bool opened_existing = existed && (creation_disposition == CREATE_ALWAYS ||
                                       creation_disposition == OPEN_ALWAYS);
    thread->last_error = opened_existing ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS;
    return handle;
}

uint32_t VsGetFileSize(VsThread *thread, VsHandle handle, uint32_t *size_high)
{
    void *object;
    VsStatus status = vs_reference_object(thread, handle, VS_OBJECT_FILE, 0, &object);
    if (!NT_SUCCESS(status)) {
        vs_set_last_nt_error(thread, status);
        return 0xFFFFFFFFu; /* INVALID_FILE_SIZE */
    }
    const VsFile *file = object;
    if (size_high)
        *size_high = (uint32_t)(file->size >> 32);
    thread->last_error = ERROR_SUCCESS;
    return (uint32_t)file->size;
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
