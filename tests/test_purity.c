/*
 * test_purity.c - the model stays a pure library in layers: no I/O, no OS or GUI headers, no
 * globals, and an NT core that knows nothing of the layers above it.
 *
 * Scans every file in sim/ and its folders (the NT core, sim/win32/, sim/linux/ and the public
 * headers in sim/include/) for #include lines and allows only the freestanding-style C headers the
 * model needs (and the sanitizer interface pool.c uses to poison freed objects), besides the
 * model's own. The core (the files directly in sim/, and the public headers of its own calls)
 * includes no header of the Win32 layer or of the Linux personality, neither layer includes the
 * other's, and the core's code (its comments aside) never names the personality. The companion
 * script check_no_globals.sh proves the built library has no writable global data.
 */
#define _DEFAULT_SOURCE /* opendir, mkstemp, fdopen, d_type */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <strings.h> /* strncasecmp */

static const char *const allowed_system_headers[] = {
    "stdbool.h", "stddef.h", "stdint.h", "stdlib.h", "string.h", "sanitizer/asan_interface.h",
};

static const char *const allowed_local_headers[] = {
    "internal.h",       "personality.h",   "kernelbase.h",   "linux.h",
    "vadsim.h",         "vs_status.h",     "vadsim/nt.h",    "vadsim/win32.h",
    "vadsim/inspect.h", "vadsim/events.h", "vadsim/linux.h",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(const char *name, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

/* Returns the number of forbidden includes in one file, printing each. */
static int scan_file(const char *path)
{
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    char line[512];
    int bad = 0, number = 0;
    while (fgets(line, sizeof line, file)) {
        number++;
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "#include", 8) != 0)
            continue;
        p += 8;
        while (*p == ' ')
            p++;
        char close = *p == '<' ? '>' : '"';
        const char *start = p + 1, *end = strchr(start, close);
        if (!end) {
            fprintf(stderr, "%s:%d: unreadable include\n", path, number);
            bad++;
            continue;
        }
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(end - start), start);
        bool ok = close == '>'
                      ? in_list(name, allowed_system_headers, COUNT(allowed_system_headers))
                      : in_list(name, allowed_local_headers, COUNT(allowed_local_headers));
        if (!ok) {
            fprintf(stderr, "%s:%d: the model may not include %s\n", path, number, name);
            bad++;
        }
    }
    fclose(file);
    return bad;
}

/* Scans every .c and .h file under dir_path, its folders included; counts the files in *files
 * and returns the number of forbidden includes. */
static int scan_tree(const char *dir_path, int *files)
{
    DIR *dir = opendir(dir_path);
    assert_non_null(dir);
    int bad = 0;
    for (struct dirent *entry; (entry = readdir(dir));) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir_path, entry->d_name);
        size_t len = strlen(entry->d_name);
        const char *ext = len >= 2 ? entry->d_name + len - 2 : "";
        if (entry->d_name[0] == '.')
            continue;
        if (entry->d_type == DT_DIR) {
            bad += scan_tree(path, files);
        } else if (strcmp(ext, ".c") == 0 || strcmp(ext, ".h") == 0) {
            bad += scan_file(path);
            (*files)++;
        }
    }
    closedir(dir);
    return bad;
}

static void test_model_includes_only_pure_headers(void **state)
{
    (void)state;
    int files = 0;
    int bad = scan_tree(VS_SOURCE_ROOT "/sim", &files);
    assert_true(files >= 10);
    assert_int_equal(bad, 0);
}

/* ---- Layers ---------------------------------------------------------------------------------- */

/* The headers of the layers above the core: the Win32 layer's and the Linux personality's, and
 * the umbrella that includes them. */
static const char *const win32_headers[] = {"kernelbase.h", "vadsim/win32.h", "vadsim.h"};
static const char *const linux_headers[] = {"linux.h", "vadsim/linux.h", "vadsim.h"};

/* The number of the file's local includes (#include "...") that name a header of the list,
 * printing each. */
static int count_includes_of(const char *path, const char *const *list, size_t count)
{
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    char line[512];
    int found = 0, number = 0;
    while (fgets(line, sizeof line, file)) {
        number++;
        const char *p = strstr(line, "#include \"");
        if (!p)
            continue;
        const char *start = p + 10, *end = strchr(start, '"');
        char name[256];
        snprintf(name, sizeof name, "%.*s", end ? (int)(end - start) : 0, start);
        if (in_list(name, list, count)) {
            fprintf(stderr, "%s:%d: includes %s, a header of a layer above\n", path, number, name);
            found++;
        }
    }
    fclose(file);
    return found;
}

/* The file's text with its comments blanked out (strings kept: they are code). */
static char *code_of(const char *path)
{
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    static char text[1 << 20];
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    for (char *p = text; *p; p++) {
        if (p[0] == '/' && p[1] == '*') {
            char *end = strstr(p + 2, "*/");
            char *stop = end ? end + 2 : text + length;
            memset(p, ' ', (size_t)(stop - p));
            p = stop - 1;
        } else if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n')
                *p++ = ' ';
        }
    }
    return text;
}

/* How many times the file's code (its comments aside) names the Linux personality: the words of
 * its structures and calls, in any case. Prints each. */
static int count_personality_names(const char *path)
{
    static const char *const words[] = {"linux", "vma", "vm_flags", "anon_vma", "errno"};
    const char *code = code_of(path);
    int found = 0;
    for (const char *p = code; *p; p++)
        for (size_t w = 0; w < COUNT(words); w++)
            if (strncasecmp(p, words[w], strlen(words[w])) == 0) {
                fprintf(stderr, "%s: the NT core's code names %s\n", path, words[w]);
                found++;
            }
    return found;
}

/* Applies check to every .c and .h file directly in dir_path (no folders); adds up its counts. */
static int sum_over_files(const char *dir_path, int (*check)(const char *path), int *files)
{
    DIR *dir = opendir(dir_path);
    assert_non_null(dir);
    int sum = 0;
    for (struct dirent *entry; (entry = readdir(dir));) {
        size_t len = strlen(entry->d_name);
        const char *ext = len >= 2 ? entry->d_name + len - 2 : "";
        if (entry->d_type == DT_DIR || (strcmp(ext, ".c") != 0 && strcmp(ext, ".h") != 0))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir_path, entry->d_name);
        sum += check(path);
        (*files)++;
    }
    closedir(dir);
    return sum;
}

static int includes_of_layers_above(const char *path)
{
    return count_includes_of(path, win32_headers, COUNT(win32_headers)) +
           count_includes_of(path, linux_headers, COUNT(linux_headers));
}

static int includes_of_linux(const char *path)
{
    return count_includes_of(path, linux_headers, COUNT(linux_headers));
}

static int includes_of_win32(const char *path)
{
    return count_includes_of(path, win32_headers, COUNT(win32_headers));
}

/* The NT core (the .c and .h files directly in sim/, and the public headers of its calls, readers
 * and events) includes nothing of the Win32 layer or of the personality; the two layers include
 * nothing of each other. */
static void test_layers_include_only_what_is_below_them(void **state)
{
    (void)state;
    int files = 0;
    assert_int_equal(sum_over_files(VS_SOURCE_ROOT "/sim", includes_of_layers_above, &files), 0);
    assert_true(files >= 30);
    static const char *const core_public[] = {"nt.h", "inspect.h", "events.h"};
    for (size_t i = 0; i < COUNT(core_public); i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/sim/include/vadsim/%s", VS_SOURCE_ROOT, core_public[i]);
        assert_int_equal(includes_of_layers_above(path), 0);
    }
    files = 0;
    assert_int_equal(sum_over_files(VS_SOURCE_ROOT "/sim/win32", includes_of_linux, &files), 0);
    assert_true(files >= 5);
    files = 0;
    assert_int_equal(sum_over_files(VS_SOURCE_ROOT "/sim/linux", includes_of_win32, &files), 0);
    assert_true(files >= 10);
}

/* The core's code never names the personality; a comment may name a Linux idea the core borrows
 * (validate_mm, the xarray) or the analogy of the personality with WSL1's. */
static void test_core_never_names_the_personality(void **state)
{
    (void)state;
    int files = 0;
    assert_int_equal(sum_over_files(VS_SOURCE_ROOT "/sim", count_personality_names, &files), 0);
    assert_true(files >= 30);
}

/* Writes text to a new temporary file whose path goes into path (room for the template). */
static void write_temporary(char *path, const char *text)
{
    strcpy(path, "/tmp/vadsim-purity-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *file = fdopen(fd, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

/* Both layer scanners must catch what they look for (a test that cannot fail proves nothing). */
static void test_layer_scanners_catch_what_they_look_for(void **state)
{
    (void)state;
    char path[32];
    write_temporary(path, "#include \"internal.h\"\n#include \"linux.h\"\n"
                          "/* Linux's xarray, an errno */\n"
                          "// a VMA\nstatic int vma_count; const char *s = \"ERRNO\";\n");
    assert_int_equal(includes_of_layers_above(path), 1);
    assert_int_equal(count_personality_names(path), 3); /* "linux.h", vma_count, "ERRNO" */
    remove(path);
}

/* The scanner itself must catch a forbidden include (a test that cannot fail proves nothing). */
static void test_scanner_catches_stdio(void **state)
{
    (void)state;
    char path[32];
    write_temporary(path, "#include <stdint.h>\n#include <stdio.h>\n  #include \"SDL.h\"\n");
    assert_int_equal(scan_file(path), 2);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_includes_only_pure_headers),
        cmocka_unit_test(test_scanner_catches_stdio),
        cmocka_unit_test(test_layers_include_only_what_is_below_them),
        cmocka_unit_test(test_core_never_names_the_personality),
        cmocka_unit_test(test_layer_scanners_catch_what_they_look_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
