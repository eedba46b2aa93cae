/*
 * protocol.c - reading and parsing the agents' request lines (protocol.h).
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

int agent_unhex(const char *hex, char *out, size_t room)
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

int agent_read_line(char *line, int size)
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

/* A list of extended parameters, "TYPE:A:B:C" in hex for each, joined by ','. */
static int parse_parameters(const char *list, AgentRequest *r)
{
    int n = 0, used;
    while (*list) {
        uint64_t *p = r->params[n];
        if (n == 4 || sscanf(list, "%" SCNx64 ":%" SCNx64 ":%" SCNx64 ":%" SCNx64 "%n", &p[0],
                             &p[1], &p[2], &p[3], &used) != 4)
            return 0;
        n++;
        list += used;
        if (*list == ',' && list[1])
            list++;
        else if (*list)
            return 0;
    }
    r->param_count = n;
    r->v[r->count++] = 1;
    return n > 0;
}

/* One argument word into r: a number, or a string or window argument. */
static int parse_word(const char *word, AgentRequest *r, int windows)
{
    if (word[0] == 's' || word[0] == 't') { /* a name, or a file's text: hex, a byte each */
        char *out = word[0] == 's' ? r->text : r->contents;
        size_t room = word[0] == 's' ? sizeof r->text : sizeof r->contents;
        if (!agent_unhex(word + 1, out, room))
            return 0;
        r->v[r->count++] = 1;
        return 1;
    }
    if (word[0] == 'r' && windows) { /* an address window: three hex numbers */
        char tail;
        if (sscanf(word + 1, "%" SCNx64 ":%" SCNx64 ":%" SCNx64 "%c", &r->window[0], &r->window[1],
                   &r->window[2], &tail) != 3)
            return 0;
        r->v[r->count++] = 1;
        return 1;
    }
    if (word[0] == 'x' && windows) /* a list of extended parameters */
        return parse_parameters(word + 1, r);
    char *end;
    r->v[r->count++] = strtoull(word, &end, 16);
    return *end == '\0';
}

int agent_parse(char *line, AgentRequest *r, int windows)
{
    memset(r, 0, sizeof *r);
    char *save = NULL;
    char *word = strtok_r(line, " \t\r\n", &save);
    if (!word || strlen(word) >= sizeof r->name)
        return 0;
    strcpy(r->name, word);
    while ((word = strtok_r(NULL, " \t\r\n", &save)) != NULL)
        if (r->count == AGENT_MAX_ARGS || !parse_word(word, r, windows))
            return 0;
    return 1;
}

const AgentCall *agent_find(const AgentCall *calls, size_t count, const AgentRequest *r)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(calls[i].name, r->name) == 0 && calls[i].arity == r->count)
            return &calls[i];
    return NULL;
}
