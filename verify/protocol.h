/*
 * protocol.h - what the Win32 and the POSIX agents share of the harness's line protocol: reading a
 * request line, and decoding a string argument (an object or file name, a file's text), sent as a
 * letter and hex bytes so that a request stays one line of words.
 */
#ifndef VS_AGENT_PROTOCOL_H
#define VS_AGENT_PROTOCOL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hex pairs into a string of at most room - 1 bytes; 0 if malformed or too long. */
static inline int agent_unhex(const char *hex, char *out, size_t room)
{
    size_t len = strlen(hex) / 2;
    if (len >= room || strlen(hex) % 2)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char pair[3] = {hex[2 * i], hex[2 * i + 1], 0}, *end;
        out[i] = (char)strtoul(pair, &end, 16);
        if (*end)
            return 0;
    }
    out[len] = 0;
    return 1;
}

/* Reads one request line from stdin: 1 if there is one, 0 at the end of input, -1 if it was longer
 * than size (the rest of it is skipped, so the next read starts on the next request). */
static inline int agent_read_line(char *line, int size)
{
    if (!fgets(line, size, stdin))
        return 0;
    if (strchr(line, '\n') || feof(stdin))
        return 1;
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        ;
    return -1;
}

#endif /* VS_AGENT_PROTOCOL_H */
