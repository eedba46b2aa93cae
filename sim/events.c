/*
 * events.c - the event log: what each call changed, in the order it changed it.
 *
 * The model never calls out to its drivers. It appends typed events to a log the caller owns and
 * attached with vs_system_attach_log; the runner turns them into sentences, the visualiser into
 * highlights. With no log attached nothing is recorded (the benchmarks run that way).
 */
#include <stdlib.h>

#include "internal.h"

void vs_system_attach_log(VsSystem *system, VsEventLog *log) { system->log = log; }

void vs_emit(VsSystem *system, const VsEvent *event)
{
    VsEventLog *log = system->log;
    if (!log)
        return;
    if (log->count == log->capacity) {
        size_t capacity = log->capacity ? log->capacity * 2 : 64;
        VsEvent *events = realloc(log->events, capacity * sizeof *events);
        if (!events) {
            log->lost++;
            return;
        }
        log->events = events;
        log->capacity = capacity;
    }
    log->events[log->count++] = *event;
}

void vs_emit_range(VsProcess *process, VsEventKind kind, uint64_t start_vpn, uint64_t end_vpn)
{
    VsEvent event = {.kind = kind, .pid = process->pid, .vpn_start = start_vpn, .vpn_end = end_vpn};
    vs_emit(process->system, &event);
}

void vs_event_log_clear(VsEventLog *log)
{
    log->count = 0;
    log->lost = 0;
}

void vs_event_log_free(VsEventLog *log)
{
    free(log->events);
    *log = (VsEventLog){0};
}

const char *vs_event_kind_name(VsEventKind kind)
{
    static const char *const names[] = {
#define VS_EVENT_KIND_NAME(kind, name) [VS_EV_##kind] = name,
        VS_EVENT_KIND_MAP(VS_EVENT_KIND_NAME)
#undef VS_EVENT_KIND_NAME
    };
    return (unsigned)kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "?";
}

const char *vs_page_location_name(VsPageLocation location)
{
    static const char *const names[] = {
        [VS_PAGE_ZEROED] = "zeroed",     [VS_PAGE_FREE] = "free", [VS_PAGE_STANDBY] = "standby",
        [VS_PAGE_MODIFIED] = "modified", [VS_PAGE_BAD] = "bad",   [VS_PAGE_ACTIVE] = "active",
    };
    return (unsigned)location < sizeof names / sizeof names[0] && names[location] ? names[location]
                                                                                  : "?";
}
