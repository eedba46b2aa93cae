/*
 * names.c - Windows names for the model's numbers: statuses, Win32 errors, MEM_ and PAGE_ flags,
 * and every Windows constant by name.
 *
 * Everything here comes from the X-macro tables in vadsim/nt.h and vs_status.h, so a constant
 * added there is named, printed and looked up everywhere at once (libuv's UV_ERRNO_MAP idea).
 */
#include <string.h>

#include "internal.h"

typedef struct NamedValue {
    const char *name;
    uint64_t value;
} NamedValue;

typedef struct StatusRow {
    const char *name;
    VsStatus status;
    uint32_t win32;
    const char *text;
} StatusRow;

static const StatusRow status_rows[] = {
#define ROW(name, value, win32, text) {#name, value, win32, text},
    VS_STATUS_MAP(ROW)
#undef ROW
};

static const NamedValue win32_rows[] = {
#define ROW(name, value) {#name, value},
    VS_WIN32_ERROR_MAP(ROW)
#undef ROW
};

static const NamedValue mem_rows[] = {
#define ROW(name, value) {#name, value},
    VS_MEM_FLAG_MAP(ROW)
#undef ROW
};

static const NamedValue type_rows[] = {
#define ROW(name, value) {#name, value},
    VS_MEM_TYPE_MAP(ROW)
#undef ROW
};

static const NamedValue page_rows[] = {
#define ROW(name, value) {#name, value},
    VS_PAGE_FLAG_MAP(ROW)
#undef ROW
};

static const NamedValue access_rows[] = {
#define ROW(name, value) {#name, value},
    VS_PROCESS_ACCESS_MAP(ROW)
#undef ROW
};

static const NamedValue section_rows[] = {
#define ROW(name, value) {#name, value},
    VS_SECTION_FLAG_MAP(ROW)
#undef ROW
};

static const NamedValue placeholder_rows[] = {
#define ROW(name, value) {#name, value},
    VS_PLACEHOLDER_FLAG_MAP(ROW)
#undef ROW
};

static const NamedValue thread_rows[] = {
#define ROW(name, value) {#name, value},
    VS_THREAD_FLAG_MAP(ROW)
#undef ROW
};

static const NamedValue lock_rows[] = {
#define ROW(name, value) {#name, value},
    VS_LOCK_FLAG_MAP(ROW)
#undef ROW
};

static const NamedValue execute_rows[] = {
#define ROW(name, value) {#name, value},
    VS_EXECUTE_FLAG_MAP(ROW)
#undef ROW
};

static const NamedValue heap_rows[] = {
#define ROW(name, value) {#name, value},
    VS_HEAP_FLAG_MAP(ROW)
#undef ROW
};

static const NamedValue file_rows[] = {
#define ROW(name, value) {#name, value},
    VS_FILE_FLAG_MAP(ROW)
#undef ROW
};

static const NamedValue image_rows[] = {
#define ROW(name, value) {#name, value},
    VS_IMAGE_FLAG_MAP(ROW)
#undef ROW
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The name of the row holding exactly value, or NULL. */
static const char *name_of(const NamedValue *rows, size_t count, uint64_t value)
{
    for (size_t i = 0; i < count; i++)
        if (rows[i].value == value)
            return rows[i].name;
    return NULL;
}

static const StatusRow *status_row(VsStatus status)
{
    for (size_t i = 0; i < COUNT(status_rows); i++)
        if (status_rows[i].status == status)
            return &status_rows[i];
    return NULL;
}

const char *vs_status_name(VsStatus status)
{
    const StatusRow *row = status_row(status);
    return row ? row->name : NULL;
}

uint32_t vs_status_to_win32(VsStatus status)
{
    const StatusRow *row = status_row(status);
    return row ? row->win32 : 317; /* ERROR_MR_MID_NOT_FOUND, as RtlNtStatusToDosError */
}

const char *vs_status_explain(VsStatus status)
{
    const StatusRow *row = status_row(status);
    return row ? row->text : NULL;
}

const char *vs_win32_error_name(uint32_t error)
{
    const char *name = name_of(win32_rows, COUNT(win32_rows), error);
    if (name)
        return name;
    /* A status RtlNtStatusToDosError passes through unchanged is its own Win32 error. */
    const StatusRow *row = status_row(error);
    return row && row->win32 == error ? row->name : NULL;
}

/* Writes the names of the flags set in value, joined by '|', and any unnamed rest in hex. */
static const char *flags_string(const NamedValue *rows, size_t count, uint32_t value, char *buf,
                                size_t len)
{
    if (!len)
        return buf;
    buf[0] = '\0';
    uint32_t rest = value;
    for (size_t i = 0; i < count; i++) {
        if ((rest & rows[i].value) == rows[i].value && rows[i].value) {
            if (buf[0])
                vs_text_append(buf, len, "|");
            vs_text_append(buf, len, rows[i].name);
            rest &= ~(uint32_t)rows[i].value;
        }
    }
    if (rest || !buf[0]) {
        if (buf[0])
            vs_text_append(buf, len, "|");
        vs_text_append_hex(buf, len, rest);
    }
    return buf;
}

const char *vs_protect_string(uint32_t protect, char *buf, size_t len)
{
    return flags_string(page_rows, COUNT(page_rows), protect, buf, len);
}

const char *vs_mem_flags_string(uint32_t flags, char *buf, size_t len)
{
    return flags_string(mem_rows, COUNT(mem_rows), flags, buf, len);
}

const char *vs_mem_state_name(uint32_t state)
{
    if (state != MEM_COMMIT && state != MEM_RESERVE && state != MEM_FREE)
        return NULL;
    return name_of(mem_rows, COUNT(mem_rows), state);
}

const char *vs_mem_type_name(uint32_t type) { return name_of(type_rows, COUNT(type_rows), type); }

static bool find_named(const NamedValue *rows, size_t count, const char *name, uint64_t *value)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(rows[i].name, name) == 0) {
            *value = rows[i].value;
            return true;
        }
    return false;
}

bool vs_windows_constant_lookup(const char *name, uint64_t *value)
{
    if (strcmp(name, "INVALID_HANDLE_VALUE") == 0) {
        *value = VS_INVALID_HANDLE_VALUE; /* (HANDLE)-1: "no file" to CreateFileMapping */
        return true;
    }
    for (size_t i = 0; i < COUNT(status_rows); i++)
        if (strcmp(status_rows[i].name, name) == 0) {
            *value = status_rows[i].status;
            return true;
        }
    return find_named(mem_rows, COUNT(mem_rows), name, value) ||
           find_named(type_rows, COUNT(type_rows), name, value) ||
           find_named(page_rows, COUNT(page_rows), name, value) ||
           find_named(access_rows, COUNT(access_rows), name, value) ||
           find_named(section_rows, COUNT(section_rows), name, value) ||
           find_named(placeholder_rows, COUNT(placeholder_rows), name, value) ||
           find_named(file_rows, COUNT(file_rows), name, value) ||
           find_named(image_rows, COUNT(image_rows), name, value) ||
           find_named(thread_rows, COUNT(thread_rows), name, value) ||
           find_named(heap_rows, COUNT(heap_rows), name, value) ||
           find_named(lock_rows, COUNT(lock_rows), name, value) ||
           find_named(execute_rows, COUNT(execute_rows), name, value) ||
           find_named(win32_rows, COUNT(win32_rows), name, value);
}
