/*
 * files.c - the scenario's files: made by file() and opened by CreateFile in a directory of the
 * agent's own under %TEMP%, made at start; names with path characters are refused.
 */
#include "vadsim-agent.h"

/* Scenario files live in a directory of the agent's own under %TEMP%, made at start. */
static char file_dir[MAX_PATH];

/* Deletes the files in the directory (an earlier agent's, when it had this process id and did not
 * live to remove them: a crash, a kill). */
static void empty_file_dir(void)
{
    char pattern[MAX_PATH + 2], path[MAX_PATH * 2];
    WIN32_FIND_DATAA found;
    snprintf(pattern, sizeof pattern, "%s*", file_dir);
    HANDLE search = FindFirstFileA(pattern, &found);
    if (search == INVALID_HANDLE_VALUE)
        return;
    do {
        if (!(found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
            snprintf(path, sizeof path, "%s%s", file_dir, found.cFileName);
            DeleteFileA(path);
        }
    } while (FindNextFileA(search, &found));
    FindClose(search);
}

void make_file_dir(void)
{
    char temp[MAX_PATH];
    DWORD n = GetTempPathA(sizeof temp, temp);
    if (n == 0 || n >= sizeof temp)
        return;
    snprintf(file_dir, sizeof file_dir, "%svadsim-agent-%lu\\", temp,
             (unsigned long)GetCurrentProcessId());
    if (!CreateDirectoryA(file_dir, NULL) && GetLastError() != ERROR_ALREADY_EXISTS)
        file_dir[0] = 0;
    else
        empty_file_dir(); /* process ids come back: what is there is a dead agent's */
    if (file_dir[0])
        SetDllDirectoryA(file_dir); /* where the loader finds the DLLs a scenario's image imports */
}

void remove_file_dir(void)
{
    if (!file_dir[0])
        return;
    empty_file_dir();
    RemoveDirectoryA(file_dir);
}

/* A scenario's file name as a path in that directory; names with path characters are refused. */
static int file_path(const char *name, char *path, size_t room)
{
    if (!file_dir[0] || strpbrk(name, "\\/:*?\"<>|") || strstr(name, ".."))
        return 0;
    return snprintf(path, room, "%s%s", file_dir, name) < (int)room;
}

int scenario_file_path(const char *name, char *path, size_t room)
{
    return file_path(name, path, room);
}

/* file(name, size, fill, text): the file, made with CREATE_NEW. */
uint64_t declare_file(const AgentRequest *r)
{
    char path[MAX_PATH];
    if (!r->v[0] || !file_path(r->text, path, sizeof path)) {
        SetLastError(ERROR_INVALID_NAME);
        return 0;
    }
    size_t length = r->v[3] ? strlen(r->contents) : 0;
    uint64_t size = r->v[1] ? r->v[1] : length;
    HANDLE h = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        if (GetLastError() == ERROR_FILE_EXISTS)
            SetLastError(ERROR_ALREADY_EXISTS); /* the model's STATUS_OBJECT_NAME_COLLISION */
        return 0;
    }
    char block[4096];
    uint64_t written = 0;
    BOOL ok = TRUE;
    while (ok && written < size) {
        DWORD chunk = (DWORD)(size - written < sizeof block ? size - written : sizeof block);
        for (DWORD i = 0; i < chunk; i++)
            block[i] = written + i < length ? r->contents[written + i] : (char)r->v[2];
        DWORD done = 0;
        ok = WriteFile(h, block, chunk, &done, NULL) && done == chunk;
        written += chunk;
    }
    CloseHandle(h);
    return ok;
}

/* pe(name, characteristics, image_base, dll_characteristics, sections): the image's bytes, built
 * as the model builds them (pe_build.c), for this agent's bitness, written with CREATE_NEW. */
uint64_t declare_pe(const AgentRequest *r)
{
    char path[MAX_PATH], error[160];
    VsPeSpec spec = {.pe32_plus = sizeof(void *) == 8,
                     .characteristics = (uint16_t)r->v[1],
                     .image_base = r->v[2],
                     .dll_characteristics = (uint16_t)r->v[3]};
    if (!r->v[0] || !file_path(r->text, path, sizeof path)) {
        SetLastError(ERROR_INVALID_NAME);
        return 0;
    }
    size_t size = 0;
    if (r->v[4] && vs_pe_parse_sections(r->contents, &spec, error, sizeof error))
        size = vs_pe_file_size(&spec);
    unsigned char *bytes = size ? malloc(size) : NULL;
    if (!bytes || !vs_pe_write(&spec, bytes)) {
        free(bytes);
        SetLastError(ERROR_INVALID_PARAMETER);
        return 0;
    }
    HANDLE h = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD done = 0;
    BOOL ok =
        h != INVALID_HANDLE_VALUE && WriteFile(h, bytes, (DWORD)size, &done, NULL) && done == size;
    if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_EXISTS)
        SetLastError(ERROR_ALREADY_EXISTS); /* the model's STATUS_OBJECT_NAME_COLLISION */
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    free(bytes);
    return ok;
}

/* host_file(name, "@agent"): this agent's own .exe, copied under the name. */
uint64_t host_file(const AgentRequest *r)
{
    char path[MAX_PATH], self[MAX_PATH];
    if (!r->v[0] || !file_path(r->text, path, sizeof path) || !r->v[1] ||
        strcmp(r->contents, "@agent") != 0) {
        SetLastError(ERROR_FILE_NOT_FOUND);
        return 0;
    }
    DWORD n = GetModuleFileNameA(NULL, self, sizeof self);
    if (n == 0 || n >= sizeof self)
        return 0;
    if (!CopyFileA(self, path, TRUE)) {
        if (GetLastError() == ERROR_FILE_EXISTS)
            SetLastError(ERROR_ALREADY_EXISTS); /* the model's STATUS_OBJECT_NAME_COLLISION */
        return 0;
    }
    return 1;
}

/* LoadLibraryEx(name, file, flags) of a scenario's file, by its path in the agent's folder. */
uint64_t load_library(const AgentRequest *r, HANDLE file, DWORD flags)
{
    char path[MAX_PATH];
    if (!r->v[0] || !file_path(r->text, path, sizeof path)) {
        SetLastError(ERROR_MOD_NOT_FOUND);
        return 0;
    }
    return (uint64_t)(uintptr_t)LoadLibraryExA(path, file, flags);
}

uint64_t create_file(const AgentRequest *r)
{
    char path[MAX_PATH];
    if (r->v[0] && _strnicmp(r->text, "\\\\.\\pipe\\", 9) == 0 && !strstr(r->text + 9, "\\"))
        snprintf(path, sizeof path, "%s", r->text); /* a pipe's client: the name as it is */
    else if (!r->v[0] || !file_path(r->text, path, sizeof path)) {
        SetLastError(ERROR_PATH_NOT_FOUND);
        return (uint64_t)(uintptr_t)INVALID_HANDLE_VALUE;
    }
    return (uint64_t)(uintptr_t)CreateFileA(path, (DWORD)r->v[1], (DWORD)r->v[2], NULL,
                                            (DWORD)r->v[4], (DWORD)r->v[5], NULL);
}

/* read_file(h, offset): one byte through ReadFile, or all ones with the last error set. */
uint64_t read_file_byte(HANDLE h, uint64_t offset)
{
    LARGE_INTEGER at = {.QuadPart = (LONGLONG)offset};
    unsigned char byte;
    DWORD done = 0;
    if (!SetFilePointerEx(h, at, NULL, FILE_BEGIN) || !ReadFile(h, &byte, 1, &done, NULL))
        return UINT64_MAX;
    if (done == 0) {
        SetLastError(ERROR_HANDLE_EOF);
        return UINT64_MAX;
    }
    return byte;
}
