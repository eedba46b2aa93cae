/*
 * view_lesson.h - the lesson the visualiser's tests draw: a reservation, a commit, then two
 * processes mapping one section (one of them twice), with an opening comment of two paragraphs.
 */
#ifndef VS_TESTS_VIEW_LESSON_H
#define VS_TESTS_VIEW_LESSON_H

static const char *const view_lesson =
    "# A lesson for the tests: two processes, one section.\n"
    "#\n"
    "# Its second paragraph.\n"
    "title \"view test\"\n"
    "system x64 ram=1M pagefile=1M\n"
    "step \"reserve\"\n"
    "r = VirtualAlloc(NULL, 1M, MEM_RESERVE, PAGE_READWRITE)\n"
    "step \"commit\"\n"
    "c = VirtualAlloc(NULL, 256K, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)\n"
    "write(c, 1)\n"
    "step \"two processes share a section\"\n"
    "h = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 64K, \"s\")\n"
    "v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0)\n"
    "write(v, 2)\n"
    "process other\n"
    "o = OpenFileMapping(FILE_MAP_READ, FALSE, \"s\")\n"
    "w = MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0)\n"
    "w2 = MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0)\n"
    "x = read(w)\n";

#endif /* VS_TESTS_VIEW_LESSON_H */
