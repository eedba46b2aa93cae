/*
 * protocol.h - what both agents (win32/agent, posix/agent) and the harness share of the agents'
 * line protocol: one request per line, a call's name and its arguments in hexadecimal; a string
 * argument (an object or file name) as 's' and hex bytes, a file's text as 't' and hex bytes, and
 * for Win32 an address window as 'r' LOW:HIGH:ALIGN, so that a request stays one line of words.
 * Answers are "= " and numbers, or "! why" for a request the agent will not carry out.
 *
 * Each agent serves its calls from a table, one row per request (name, argument count, handler):
 * a new call is one row. Plain C with no dependency, so the Win32 agent cross-builds it too.
 */
#ifndef VS_VERIFY_PROTOCOL_H
#define VS_VERIFY_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_MAX_ARGS 16
#define AGENT_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* One request, parsed. */
typedef struct AgentRequest {
    char name[64];
    uint64_t v[AGENT_MAX_ARGS]; /* the arguments; a string or window argument counts as 1 */
    int count;
    char text[256];        /* a string argument (a name), sent as 's' and hex bytes */
    char contents[512];    /* a file's text, sent as 't' and hex bytes */
    uint64_t window[3];    /* an address window (lowest, highest, alignment), sent as 'r' */
    uint64_t params[4][4]; /* a list of extended parameters, sent as 'x': each its type, then
                            * its value or lowest, highest and alignment */
    int param_count;       /* its length; 0 for an 'r' window */
} AgentRequest;

/* Hex pairs into a string of at most room - 1 bytes; 0 if malformed or too long. */
int agent_unhex(const char *hex, char *out, size_t room);

/* Reads one request line from stdin: 1 if there is one, 0 at the end of input, -1 if it was
 * longer than size (the rest of it is skipped, so the next read starts on the next request). */
int agent_read_line(char *line, int size);

/* Parses a request line (its words are cut in place) into r; 0 if it is malformed. 'r' and 'x'
 * words are taken only when windows is set. */
int agent_parse(char *line, AgentRequest *r, int windows);

/* A row of an agent's table: the request's name, its argument count, and what serves it. */
typedef struct AgentCall {
    const char *name;
    int arity;
    void (*serve)(const AgentRequest *r);
} AgentCall;

/* The row for r's name and argument count, or NULL. */
const AgentCall *agent_find(const AgentCall *calls, size_t count, const AgentRequest *r);

#endif /* VS_VERIFY_PROTOCOL_H */
