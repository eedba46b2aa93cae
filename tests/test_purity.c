/*
 * test_purity.c - the model stays a pure library: no I/O, no OS or GUI headers, no globals.
 *
 * Scans every file in sim/ and its folders (the NT core, sim/win32/, sim/linux/ and the public
 * headers in sim/include/) for #include lines and allows only the freestanding-style C headers the
 * model needs (and the sanitizer interface pool.c uses to poison freed objects), besides the
 * model's own. The companion script check_no_globals.sh proves the built library has no writable
 * global data.
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

static const char *const allowed_system_headers[] = {
    "stdbool.h", "stddef.h", "stdint.h", "stdlib.h", "string.h", "sanitizer/asan_interface.h",
};

static const char *const allowed_local_headers[] = {
    "internal.h",     "personality.h", "kernelbase.h",     "linux.h",
    "vadsim.h",       "vs_status.h",   "vadsim/nt.h",      "vadsim/win32.h",
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
        bool ok = close == '>' ? in_list(name, allowed_system_headers, COUNT(allowed_system_headers))
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

/* The scanner itself must catch a forbidden include (a test that cannot fail proves nothing). */
static void test_scanner_catches_stdio(void **state)
{
    (void)state;
    char path[] = "/tmp/vadsim-purity-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *file = fdopen(fd, "w");
    fputs("#include <stdint.h>\n#include <stdio.h>\n  #include \"SDL.h\"\n", file);
    fclose(file);
    assert_int_equal(scan_file(path), 2);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_includes_only_pure_headers),
        cmocka_unit_test(test_scanner_catches_stdio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
