/*
 * section.c - sections: section objects, their control areas, and the prototype PTEs they share.
 *
 * Models NtCreateSection / MmCreateSection for pagefile-backed sections (WRK mm/creasect.c,
 * MiCreatePagingFileMap), NtOpenSection, the named-object lookup of \BaseNamedObjects, and the
 * section's lifetime (MiCheckControlArea, MiSegmentDelete): a section lives while a handle or a
 * view refers to it, so a view outlives every handle.
 *
 * A handle names a section object (SECTION: VsSectionObject), not the pages: each NtCreateSection
 * makes one, with its own SizeOfSection, over a control area and segment (VsSection) that a file's
 * every mapping shares. The object goes with its last handle; the control area with its last user
 * reference and its last view.
 *
 * A section's segment holds one prototype PTE per page. SEC_COMMIT fills them with demand-zero
 * PTEs and charges the system commit for the whole size at creation; SEC_RESERVE leaves them zero
 * until a view commits them (allocvm.c), charging page by page. Either way the commit belongs to
 * the section, not to a process, and comes back when the section is deleted.
 *
 * Frames of section pages are named by their prototype PTE (VS_PFN_PROTOTYPE): the PFN's pid field
 * holds the section id and its vpn field the page's index. While some process maps the page valid,
 * the prototype PTE is valid too and the frame's share count is the number of valid process PTEs;
 * when the last one goes (trim, unmap), the prototype PTE becomes a transition PTE and the frame
 * goes to the standby or modified list, from where any view can fault it back
 * (MiDecrementShareCount).
 *
 * The queries at the end read a section back for `show section` (WinDbg's !ca): each prototype PTE
 * decoded, and every view of the section across processes.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_SECTION_PAGES (1ull << 36) /* 256 TB: the most a segment describes here */

VsSection *vs_section_by_id(const VsSystem *system, uint32_t id)
{
    return id >= 1 && id <= system->section_count ? system->sections[id - 1] : NULL;
}

const VsSection *vs_section_lookup(const VsSystem *system, uint32_t id)
{
    return vs_section_by_id(system, id);
}

/* The named section object, or NULL (models the lookup in \BaseNamedObjects). */
static VsSectionObject *find_named(const VsSystem *system, const char *name)
{
    for (VsSectionObject *object = system->section_objects; object; object = object->next)
        if (object->name[0] && strcmp(object->name, name) == 0)
            return object;
    return NULL;
}

/* Checks NtCreateSection's arguments in WRK's order. */
static VsStatus check_create(const uint64_t *maximum_size, uint32_t protect, uint32_t attributes,
                             VsHandle file, bool lock_memory_privilege, uint32_t *mm)
{
    /* SEC_FILE is what NtQuerySection reports of a file's section, not a flag a caller may give
     * (Wine's kernel32 test_CreateFileMapping, L1505-1507, L1525-1527, L1531: refused alone or
     * with anything, for the page file, a file or an image). */
    const uint32_t known =
        SEC_COMMIT | SEC_RESERVE | SEC_IMAGE | SEC_NOCACHE | SEC_WRITECOMBINE | SEC_LARGE_PAGES;
    const uint32_t caching = SEC_NOCACHE | SEC_WRITECOMBINE;
    if ((attributes & ~known) || !(attributes & (SEC_COMMIT | SEC_RESERVE | SEC_IMAGE)))
        return STATUS_INVALID_PARAMETER_6;
    if ((attributes & SEC_COMMIT) && (attributes & SEC_RESERVE))
        return STATUS_INVALID_PARAMETER_6;
    /* SEC_NOCACHE is the one attribute an image takes, and it is dropped: NtQuerySection says
     * SEC_FILE|SEC_IMAGE (Wine's kernel32 test_CreateFileMapping, L1530-1536, L1589-1624). */
    if ((attributes & SEC_IMAGE) &&
        (attributes & (SEC_COMMIT | SEC_RESERVE | SEC_WRITECOMBINE | SEC_LARGE_PAGES)))
        return STATUS_INVALID_PARAMETER_6;
    /* One caching attribute at most, as a page protection takes one (the model's choice: no test
     * combines them). SEC_WRITECOMBINE with SEC_COMMIT or SEC_RESERVE is a section of its own
     * (Wine's kernel32 test_CreateFileMapping, L1488-1536: created, and NtQuerySection reports
     * it, on a file too; alone it is refused as SEC_NOCACHE alone is). */
    if ((attributes & caching) == caching)
        return STATUS_INVALID_PARAMETER_6;
    /* A section's pages are never no-access or guard pages; caching attributes go in
     * SEC_NOCACHE. */
    *mm = vs_mm_from_win32(protect);
    if (*mm == MM_INVALID_PROTECTION ||
        (protect & (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)) || protect == PAGE_NOACCESS)
        return STATUS_INVALID_PAGE_PROTECTION;
    if (file != VS_NULL_HANDLE)
        return STATUS_SUCCESS; /* the file's own rules follow, once its handle is resolved */

    if (attributes & SEC_IMAGE)
        return STATUS_INVALID_FILE_FOR_SECTION; /* an image needs a file (MmCreateSection) */
    /* Large pages need SEC_COMMIT, then SeLockMemoryPrivilege in the caller's token (WRK
     * MmCreateSection, before MiCreatePagingFileMap). */
    if ((attributes & SEC_LARGE_PAGES) && !(attributes & SEC_COMMIT))
        return STATUS_INVALID_PARAMETER_6;
    if ((attributes & SEC_LARGE_PAGES) && !lock_memory_privilege)
        return STATUS_PRIVILEGE_NOT_HELD;
    if (!maximum_size || *maximum_size == 0)
        return STATUS_INVALID_PARAMETER_4; /* a pagefile-backed section needs a size */
    if (*maximum_size > MAX_SECTION_PAGES * VS_PAGE_SIZE)
        return STATUS_SECTION_TOO_BIG;
    return STATUS_SUCCESS;
}

/* A free slot in the system's section table (its index is the section id - 1), or false. */
static bool section_slot(VsSystem *system, size_t *slot)
{
    *slot = 0;
    while (*slot < system->section_count && system->sections[*slot])
        (*slot)++;
    if (*slot < system->section_count)
        return true;
    VsSection **table = realloc(system->sections, (*slot + 1) * sizeof *table);
    if (!table)
        return false;
    system->sections = table;
    system->sections[system->section_count++] = NULL;
    return true;
}

/*
 * Builds the section and its segment. A pagefile-backed one (file NULL) is whole pages, and
 * SizeOfSection is taken from the segment: 0x3452 bytes make 0x4000 (MiCreatePagingFileMap; Wine's
 * test_MapViewOfFile); SEC_COMMIT charges its commit now. A file's keeps its size in bytes and
 * charges nothing: the file backs it (MiCreateDataFileMap).
 */
VsStatus vs_section_create(VsSystem *system, const char *name, uint64_t size, uint32_t mm,
                           uint32_t attributes, VsFile *file, VsSection **out)
{
    uint64_t pages = (size + VS_PAGE_SIZE - 1) / VS_PAGE_SIZE;
    bool reserve = !file && (attributes & SEC_RESERVE);
    uint64_t charge = file || reserve ? 0 : pages;
    if (!vs_commit_available(system, charge))
        return STATUS_COMMITMENT_LIMIT;
    /* SEC_LARGE_PAGES: whole large pages (STATUS_INVALID_PARAMETER_4), their frames found now,
     * after the commit is charged (WRK MiCreatePagingFileMap). */
    if ((attributes & SEC_LARGE_PAGES) && pages % vs_large_page_pages(system->layout))
        return STATUS_INVALID_PARAMETER_4;
    VsSection *section = calloc(1, sizeof *section);
    size_t slot;
    if (!section || !section_slot(system, &slot)) {
        free(section);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    system->sections[slot] = section;
    *section = (VsSection){.id = (uint32_t)slot + 1,
                           .size = file ? size : pages * VS_PAGE_SIZE,
                           .pages = pages,
                           .protection = mm,
                           .reserve = reserve,
                           .caching = (attributes & SEC_NOCACHE)        ? MM_NOCACHE
                                      : (attributes & SEC_WRITECOMBINE) ? MM_WRITECOMBINE
                                                                        : 0,
                           .file = file};
    vs_prototypes_init(section); /* every page starts as the initial prototype PTE says */
    if (name)
        strncpy(section->name, name, sizeof section->name - 1);
    if (attributes & SEC_LARGE_PAGES) {
        VsStatus status = vs_large_pages_section(system, section);
        if (!NT_SUCCESS(status)) {
            system->sections[slot] = NULL;
            vs_prototypes_fini(section);
            free(section);
            return status;
        }
    }
    vs_section_charge(system, section, (int64_t)charge);
    VsEvent event = {.kind = VS_EV_SECTION_CREATED,
                     .section = section->id,
                     .size = section->size,
                     .pages = charge,
                     .protection = vs_mm_to_win32(mm),
                     .mapped_file = file != NULL};
    vs_emit(system, &event);
    *out = section;
    return STATUS_SUCCESS;
}

/* Adds pages (negative to return them) to the section's commit and the system's. */
void vs_section_charge(VsSystem *system, VsSection *section, int64_t pages)
{
    section->committed_pages += (uint64_t)pages;
    system->commit_total += (uint64_t)pages;
    system->commit_peak = vs_max(system->commit_peak, system->commit_total);
}

/* The file rights a section's protection needs of the file handle (MmCreateSection): reading
 * always, writing for a writable section (copy-on-write writes nothing back), execute to
 * execute. */
static uint32_t file_access_for(uint32_t mm)
{
    uint32_t access = FILE_READ_DATA;
    if ((mm & 7) == MM_READWRITE || (mm & 7) == MM_EXECUTE_READWRITE)
        access |= FILE_WRITE_DATA;
    if ((mm & 7) == MM_EXECUTE || (mm & 7) == MM_EXECUTE_READ || (mm & 7) == MM_EXECUTE_READWRITE ||
        (mm & 7) == MM_EXECUTE_WRITECOPY)
        access |= FILE_EXECUTE;
    return access;
}

/*
 * The size of a section of a file (MmCreateSection, MiCreateDataFileMap): 0 means the file's size
 * (an empty file cannot be mapped: STATUS_MAPPED_FILE_SIZE_ZERO); larger than the file extends a
 * file the section may write, and is STATUS_SECTION_TOO_BIG for one it may only read. The size
 * stays in bytes, unrounded. (An image's size comes from its headers: image.c.)
 */
static VsStatus file_section_size(VsFile *file, const uint64_t *maximum_size, uint32_t mm,
                                  uint32_t attributes, uint64_t *size)
{
    if (attributes & SEC_LARGE_PAGES)
        return STATUS_INVALID_PARAMETER_6;
    *size = maximum_size && *maximum_size ? *maximum_size : file->size;
    if (*size == 0)
        return STATUS_MAPPED_FILE_SIZE_ZERO;
    if (*size > VS_FILE_MAX_BYTES)
        return STATUS_SECTION_TOO_BIG;
    if (*size > file->size) {
        if (!(file_access_for(mm) & FILE_WRITE_DATA))
            return STATUS_SECTION_TOO_BIG;
        if (!vs_file_extend(file, *size))
            return STATUS_INSUFFICIENT_RESOURCES;
    }
    return STATUS_SUCCESS;
}

/* Grows the section of a file to size bytes (models MmExtendSection): the new pages are in the file
 * (subsection PTEs, the initial ones, which cost nothing). */
void vs_section_extend(VsSection *section, uint64_t size)
{
    uint64_t pages = (size + VS_PAGE_SIZE - 1) / VS_PAGE_SIZE;
    section->size = vs_max(section->size, size);
    section->pages = vs_max(section->pages, pages);
}

/* A second mapping of a file asked for more than the first (read-write after read-only): the
 * shared section's prototype PTEs, and the frames' OriginalPte, take the new protection. The pages
 * in the file are the initial entries, so only the resident ones are written. */
static void raise_protection(VsSystem *system, VsSection *section, uint32_t mm)
{
    section->protection = mm;
    vs_prototype_set_initial(section);
    uint64_t last = section->pages - 1;
    for (uint64_t i = vs_prototype_next(section, 0, last); i <= last;
         i = vs_prototype_next(section, i + 1, last)) {
        uint64_t pte = vs_prototype_read(section, i), frame = vs_pte_frame(pte);
        if (!vs_pte_is_resident(pte))
            continue;
        system->pfn.frames[frame].original_pte = vs_pte_make_subsection(mm);
        vs_prototype_write(section, i,
                           vs_pte_is_valid(pte) ? vs_pte_make_valid(frame, mm)
                                                : vs_pte_make_transition(frame, mm));
    }
}

/*
 * A section of a file: the file's data section if it has one (every CreateFileMapping of a file
 * shares its control area and so its pages; the model keeps one section object for it, whose
 * protection grows to the most any mapping asked for), else a new one whose prototype PTEs all
 * say "in the file" (MMPTE_SUBSECTION). A file's pages are backed by the file, so no commit is
 * charged.
 */
static VsStatus file_section(VsSystem *system, VsFile *file, const char *name, uint64_t size,
                             uint32_t mm, uint32_t attributes, VsSection **out)
{
    VsSection *section = file->section;
    if (!section) {
        uint32_t caching = attributes & (SEC_NOCACHE | SEC_WRITECOMBINE);
        VsStatus status =
            vs_section_create(system, name, size, mm, SEC_COMMIT | caching, file, &section);
        if (!NT_SUCCESS(status))
            return status;
        file->section = section;
        *out = section;
        return STATUS_SUCCESS;
    }
    if (!vs_section_protection_compatible(section->protection, mm))
        raise_protection(system, section, mm);
    vs_section_extend(section, size);
    *out = section;
    return STATUS_SUCCESS;
}

/*
 * Resolves the file handle and makes (or finds) the file's control area, and the size of the
 * section object over it (MmCreateSection): a data section's as file_section_size gives it, an
 * image's the maximum size as given, unrounded, when one is given (1 byte stays 1: Wine's kernel32
 * loader.c query_image_section L517-523, no todo_wine), else the image's size rounded to a page
 * (L488-502). WRK does the same (SizeOfSection is *MaximumSize unless that is 0).
 */
static VsStatus create_file_section(VsThread *caller, VsHandle file_handle, const char *name,
                                    const uint64_t *maximum_size, uint32_t mm, uint32_t attributes,
                                    VsSection **out, uint64_t *size_of_section)
{
    void *object;
    VsStatus status =
        vs_reference_object(caller, file_handle, VS_OBJECT_FILE, file_access_for(mm), &object);
    if (!NT_SUCCESS(status))
        return status == STATUS_OBJECT_TYPE_MISMATCH ? STATUS_INVALID_HANDLE : status;
    VsFile *file = ((VsFileObject *)object)->file;
    if (!file) /* an end of a pipe: no SectionObjectPointer (WRK MmCreateSection) */
        return STATUS_INVALID_FILE_FOR_SECTION;
    if (attributes & SEC_IMAGE) {
        status = vs_image_section(caller->process->system, file, name, maximum_size, mm, out);
        if (NT_SUCCESS(status))
            *size_of_section = maximum_size && *maximum_size ? *maximum_size : (*out)->size;
        return status;
    }
    status = file_section_size(file, maximum_size, mm, attributes, size_of_section);
    if (!NT_SUCCESS(status))
        return status;
    return file_section(caller->process->system, file, name, *size_of_section, mm, attributes, out);
}

/* ---- Section objects (SECTION) ----------------------------------------------------------------
 */

/* One more handle names the object (NtCreateSection, NtOpenSection, DuplicateHandle); its control
 * area counts it as a user reference. */
void vs_section_object_reference(VsSectionObject *object)
{
    object->handles++;
    object->control_area->handles++;
}

/* Unlinks and frees an object no handle names any more. */
static void object_delete(VsSystem *system, VsSectionObject *object)
{
    VsSectionObject **link = &system->section_objects;
    while (*link != object)
        link = &(*link)->next;
    *link = object->next;
    free(object);
}

/*
 * A handle to the object was closed. With its last the object goes, and its name with it (a named
 * object is temporary: ObpDeleteNameCheck removes it from \BaseNamedObjects when its handle count
 * reaches zero), even while views keep the control area alive: opening the name then fails and
 * creating it makes a new section (Wine's test_CreateFileMapping, measured on Windows).
 */
void vs_section_object_close(VsSystem *system, VsSectionObject *object)
{
    VsSection *control_area = object->control_area;
    if (--object->handles == 0)
        object_delete(system, object);
    vs_section_close_handle(system, control_area);
}

/* Makes the section object over control_area and a handle to it; the control area's reference
 * taken while it was made or found is dropped either way (deleting it if no handle came). */
static VsStatus insert_object(VsThread *caller, VsSection *control_area, const char *name,
                              uint64_t size_of_section, uint32_t desired_access,
                              VsHandle *section_handle)
{
    VsSystem *system = caller->process->system;
    VsSectionObject *object = calloc(1, sizeof *object);
    VsStatus status = STATUS_INSUFFICIENT_RESOURCES;
    if (object) {
        *object = (VsSectionObject){.next = system->section_objects,
                                    .control_area = control_area,
                                    .size_of_section = size_of_section};
        if (name)
            strncpy(object->name, name, sizeof object->name - 1);
        system->section_objects = object;
        status =
            vs_handle_insert(caller, VS_OBJECT_SECTION, object, desired_access, section_handle);
        if (NT_SUCCESS(status))
            vs_section_object_reference(object);
        else
            object_delete(system, object);
    }
    vs_section_dereference(system, control_area);
    return status;
}

VsStatus VsNtCreateSection(VsThread *caller, VsHandle *section_handle, uint32_t desired_access,
                           const char *name, uint32_t attributes, const uint64_t *maximum_size,
                           uint32_t section_page_protection, uint32_t allocation_attributes,
                           VsHandle file)
{
    uint32_t mm;
    VsStatus status = check_create(maximum_size, section_page_protection, allocation_attributes,
                                   file, caller->process->lock_memory_privilege, &mm);
    if (!NT_SUCCESS(status))
        return status;
    if (!section_handle)
        return STATUS_ACCESS_VIOLATION;
    VsSystem *system = caller->process->system;
    if (name && !name[0])
        name = NULL;
    if (name && strlen(name) >= sizeof((VsSectionObject *)0)->name)
        return STATUS_INVALID_PARAMETER; /* the model keeps names of up to 63 characters */
    VsSectionObject *existing = name ? find_named(system, name) : NULL;
    if (existing) {
        if (!(attributes & OBJ_OPENIF))
            return STATUS_OBJECT_NAME_COLLISION;
        status =
            vs_handle_insert(caller, VS_OBJECT_SECTION, existing, desired_access, section_handle);
        if (!NT_SUCCESS(status))
            return status;
        vs_section_object_reference(existing);
        return STATUS_OBJECT_NAME_EXISTS; /* the size and protection asked for are ignored */
    }
    VsSection *section;
    uint64_t size_of_section = 0;
    status = file ? create_file_section(caller, file, name, maximum_size, mm, allocation_attributes,
                                        &section, &size_of_section)
                  : vs_section_create(system, name, *maximum_size, mm, allocation_attributes, NULL,
                                      &section);
    if (!NT_SUCCESS(status))
        return status;
    if (!file)
        size_of_section = section->size; /* whole pages, the segment's (MiCreatePagingFileMap) */
    return insert_object(caller, section, name, size_of_section, desired_access, section_handle);
}

VsStatus VsNtOpenSection(VsThread *caller, VsHandle *section_handle, uint32_t desired_access,
                         const char *name)
{
    if (!section_handle)
        return STATUS_ACCESS_VIOLATION;
    if (!name)
        return STATUS_OBJECT_NAME_INVALID;
    /* Names live in \BaseNamedObjects; the empty name is that directory itself, not a section. */
    if (!name[0])
        return STATUS_OBJECT_TYPE_MISMATCH;
    VsSectionObject *object = find_named(caller->process->system, name);
    if (!object)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    VsStatus status =
        vs_handle_insert(caller, VS_OBJECT_SECTION, object, desired_access, section_handle);
    if (NT_SUCCESS(status))
        vs_section_object_reference(object);
    return status;
}

/*
 * A user reference to the control area is gone: a handle to one of its section objects closed, or
 * the loader's hold released. With the last the name `show` prints goes, as the objects' names
 * have. The control area is deleted only if no view maps it.
 */
void vs_section_close_handle(VsSystem *system, VsSection *section)
{
    if (--section->handles == 0)
        section->name[0] = '\0';
    vs_section_dereference(system, section);
}

/*
 * Deletes the section once nothing refers to it (models MiCheckControlArea and MiSegmentDelete):
 * its frames, still on the standby or modified list, go back to the free list, its page-file
 * slots are freed and its commit returns to the system. Its name goes with it.
 */
void vs_section_dereference(VsSystem *system, VsSection *section)
{
    if (section->handles || section->views)
        return;
    if (section->large_pages)
        vs_large_pages_section_free(system, section); /* its frames go with it */
    uint64_t last = section->pages - 1;
    for (uint64_t i = vs_prototype_next(section, 0, last); i <= last;
         i = vs_prototype_next(section, i + 1, last)) {
        uint64_t pte = vs_prototype_read(section, i);
        if (vs_pte_is_valid(pte)) { /* a page of a shared large page's run no view maps now */
            vs_pfn_release(system, vs_pte_frame(pte));
        } else if (vs_pte_is_transition(pte)) {
            VsPfn *pfn = &system->pfn.frames[vs_pte_frame(pte)];
            if (section->file && !section->image && (pfn->flags & VS_PFN_MODIFIED))
                vs_file_write_page(section->file, i, pfn->data); /* flushed as it closes */
            vs_pfn_release(system, vs_pte_frame(pte));
        } else if (vs_pte_is_pagefile(pte)) {
            vs_pagefile_free(&system->pagefile, vs_pte_pagefile_slot(pte));
        }
    }
    if (section->image)
        section->file->image_section = NULL;
    else if (section->file)
        section->file->section = NULL;
    uint64_t committed = section->committed_pages;
    vs_section_charge(system, section, -(int64_t)committed);
    VsEvent event = {.kind = VS_EV_SECTION_DELETED, .section = section->id, .pages = committed};
    vs_emit(system, &event);
    system->sections[section->id - 1] = NULL;
    vs_prototypes_fini(section);
    vs_image_fini(section);
    free(section);
}

void vs_section_fini_all(VsSystem *system)
{
    while (system->section_objects) {
        VsSectionObject *next = system->section_objects->next;
        free(system->section_objects);
        system->section_objects = next;
    }
    for (size_t i = 0; i < system->section_count; i++) {
        if (system->sections[i]) {
            vs_prototypes_fini(system->sections[i]);
            vs_image_fini(system->sections[i]);
            free(system->sections[i]);
        }
    }
    free(system->sections);
    system->sections = NULL;
    system->section_count = 0;
}

/* ---- Frames of section pages ----------------------------------------------------------------- */

/*
 * One valid mapping of a section page is gone (models MiDecrementShareCount for a prototype
 * page). When it was the last, the prototype PTE becomes a transition PTE and the frame goes to the
 * modified list if it was written since its last page-file copy, else to standby. Returns where the
 * frame is now (VS_PAGE_ACTIVE while other mappings remain). A page of a large page shared through
 * the section stays active, mapped or not, while its run lasts: until nothing maps any page of it
 * (largeshared.c).
 */
VsPageLocation vs_prototype_unmap_frame(VsSystem *system, uint64_t frame)
{
    VsPfn *pfn = &system->pfn.frames[frame];
    if (pfn->flags & VS_PFN_LARGE_PAGE) { /* a run's: it ends when nothing maps it */
        if (--pfn->share_count == 0)
            vs_large_page_unmapped(system, frame);
        return (VsPageLocation)pfn->location;
    }
    if (--pfn->share_count)
        return VS_PAGE_ACTIVE;
    return vs_prototype_frame_idle(system, frame);
}

/* A section page's frame that nothing maps any more leaves the active pages: its prototype PTE in
 * transition, the frame on the modified list if it was written since its last page-file copy,
 * else on standby. Returns that list. */
VsPageLocation vs_prototype_frame_idle(VsSystem *system, uint64_t frame)
{
    VsPfn *pfn = &system->pfn.frames[frame];
    pfn->reference_count = 0;
    system->pfn.active_count--;
    VsSection *section = vs_section_by_id(system, pfn->pid);
    uint32_t mm = vs_pte_mm_protection(pfn->original_pte);
    vs_prototype_write(section, pfn->vpn, vs_pte_make_transition(frame, mm)); /* was valid */
    VsPageLocation list = (pfn->flags & VS_PFN_MODIFIED) ? VS_PAGE_MODIFIED : VS_PAGE_STANDBY;
    vs_pfn_insert(&system->pfn, frame, list);
    return list;
}

/* The index of the prototype PTE behind page vpn of a view (MiGetProtoPteAddress). */
uint64_t vs_view_prototype_index(const VsVad *vad, uint64_t vpn)
{
    return vs_mapped_vad(vad)->first_prototype + (vpn - vad->starting_vpn);
}

/* ---- Reading sections ---------------------------------------------------------------------- */

const VsSection *vs_handle_section(VsThread *thread, VsHandle handle)
{
    void *object;
    VsStatus status = vs_reference_object(thread, handle, VS_OBJECT_SECTION, 0, &object);
    return NT_SUCCESS(status) ? ((VsSectionObject *)object)->control_area : NULL;
}

size_t vs_section_objects(VsThread *thread, VsHandle handle, VsSectionObjectInfo *out, size_t room)
{
    void *named;
    if (!NT_SUCCESS(vs_reference_object(thread, handle, VS_OBJECT_SECTION, 0, &named)))
        return 0;
    const VsSection *control_area = ((VsSectionObject *)named)->control_area;
    size_t count = 0;
    for (const VsSectionObject *object = vs_thread_process(thread)->system->section_objects; object;
         object = object->next) {
        if (object->control_area != control_area)
            continue;
        if (count < room)
            out[count] = (VsSectionObjectInfo){.size = object->size_of_section,
                                               .handles = object->handles,
                                               .name = object->name,
                                               .this_handle = object == named};
        count++;
    }
    return count;
}

void vs_section_info(const VsSection *section, VsSectionInfo *out)
{
    *out = (VsSectionInfo){.id = section->id,
                           .name = section->name,
                           .size = section->size,
                           .pages = section->pages,
                           .protection = vs_mm_to_win32(section->protection),
                           .attributes = (section->image ? SEC_IMAGE : 0) |
                                         (section->file      ? SEC_FILE
                                          : section->reserve ? SEC_RESERVE
                                                             : SEC_COMMIT) |
                                         (section->caching == MM_NOCACHE        ? SEC_NOCACHE
                                          : section->caching == MM_WRITECOMBINE ? SEC_WRITECOMBINE
                                                                                : 0),
                           .committed_pages = section->committed_pages,
                           .handles = section->handles,
                           .views = section->views,
                           .large_pages = section->large_pages};
}

uint64_t vs_section_prototype(const VsSection *section, uint64_t index)
{
    return index < section->pages ? vs_prototype_read(section, index) : 0;
}

/* ---- Who maps a section: its prototype PTEs and its views ------------------------------------ */

/* The state a prototype PTE is in. Its encodings are a process PTE's, but the prototype format
 * means "in the file" (MMPTE_SUBSECTION) and a prototype PTE is never decommitted. */
static VsPrototypeState prototype_state(uint64_t pte)
{
    if (pte == 0)
        return VS_PROTO_NOT_COMMITTED;
    if (vs_pte_is_valid(pte))
        return VS_PROTO_VALID;
    if (vs_pte_is_transition(pte))
        return VS_PROTO_TRANSITION;
    if (vs_pte_is_proto(pte))
        return VS_PROTO_IN_FILE;
    return vs_pte_is_pagefile(pte) ? VS_PROTO_PAGEFILE : VS_PROTO_DEMAND_ZERO;
}

/*
 * Decodes one prototype PTE, as !pte decodes a process PTE. A valid prototype PTE carries no
 * protection bits, so a resident page's protection is read from its frame's OriginalPte, as
 * MiCompleteProtoPteFault does.
 */
bool vs_section_prototype_info(const VsSystem *system, const VsSection *section, uint64_t index,
                               VsPrototypeInfo *out)
{
    if (index >= section->pages)
        return false;
    uint64_t pte = vs_prototype_read(section, index);
    *out = (VsPrototypeInfo){.state = prototype_state(pte), .entry = pte};
    uint32_t mm = vs_pte_mm_protection(pte);
    if (vs_pte_is_resident(pte)) {
        out->frame = vs_pte_frame(pte);
        mm = vs_pte_mm_protection(system->pfn.frames[out->frame].original_pte);
    } else if (out->state == VS_PROTO_PAGEFILE) {
        out->pagefile_slot = vs_pte_pagefile_slot(pte);
    }
    out->protection = pte ? vs_mm_to_win32(mm) : 0;
    return true;
}

const char *vs_section_file_name(const VsSection *section)
{
    return section->file ? section->file->name : NULL;
}

/*
 * The views of a section across all processes. Windows 8 and later link a control area's views
 * (CONTROL_AREA ListHead through each MMVAD's ViewLinks); the model keeps no such list, so this
 * walks every process's VAD tree in order, as check.c does to count views.
 */
const VsVad *vs_section_next_view(const VsSystem *system, const VsSection *section, size_t *process,
                                  const VsVad *after)
{
    for (; *process < system->process_count; (*process)++, after = NULL) {
        const VsVad *vad = after ? vs_vad_next(after) : vs_vad_first(system->processes[*process]);
        for (; vad; vad = vs_vad_next(vad))
            if (vs_vad_is_view(vad) && vs_mapped_vad(vad)->section == section)
                return vad;
    }
    return NULL;
}

size_t vs_section_views(const VsSystem *system, const VsSection *section, VsSectionView *out,
                        size_t capacity)
{
    size_t count = 0, p = 0;
    for (const VsVad *vad = vs_section_next_view(system, section, &p, NULL); vad;
         vad = vs_section_next_view(system, section, &p, vad), count++)
        if (count < capacity)
            out[count] = (VsSectionView){.process = system->processes[p],
                                         .starting_vpn = vad->starting_vpn,
                                         .ending_vpn = vad->ending_vpn,
                                         .first_page = vs_mapped_vad(vad)->first_prototype,
                                         .protection = vs_mm_to_win32(vad->protection)};
    return count;
}

/* Throws away the section's pages [first_index, last_index], as a file's truncation purges them
 * from its cache (models MmPurgeSection): frames and slots go back, and the pages read as zeros (a
 * pagefile-backed section) or as the file says when touched again. The caller has unmapped them
 * from every process. */
void vs_section_discard(VsSystem *system, VsSection *section, uint64_t first_index,
                        uint64_t last_index)
{
    uint64_t last = vs_min(last_index, section->pages - 1);
    for (uint64_t i = vs_prototype_next(section, first_index, last); i <= last;
         i = vs_prototype_next(section, i + 1, last)) {
        uint64_t pte = vs_prototype_read(section, i);
        if (vs_pte_is_transition(pte))
            vs_pfn_release(system, vs_pte_frame(pte));
        else if (vs_pte_is_pagefile(pte))
            vs_pagefile_free(&system->pagefile, vs_pte_pagefile_slot(pte));
        vs_prototype_write(section, i, vs_prototype_initial(section)); /* forgets it */
    }
}
