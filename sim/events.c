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
        [VS_EV_VAD_INSERTED] = "vad-inserted",   [VS_EV_VAD_REMOVED] = "vad-removed",
        [VS_EV_VAD_TRIMMED] = "vad-trimmed",     [VS_EV_VAD_SPLIT] = "vad-split",
        [VS_EV_RANGE_ROUNDED] = "range-rounded", [VS_EV_COMMITTED] = "committed",
        [VS_EV_DECOMMITTED] = "decommitted",     [VS_EV_PROTECTED] = "protected",
        [VS_EV_TABLE_CREATED] = "table-created", [VS_EV_TABLE_FREED] = "table-freed",
        [VS_EV_DEMAND_ZERO_FAULT] = "demand-zero-fault", [VS_EV_SOFT_FAULT] = "soft-fault",
        [VS_EV_GUARD_PAGE] = "guard-page",       [VS_EV_ACCESS_VIOLATION] = "access-violation",
        [VS_EV_FRAME_RELEASED] = "frame-released", [VS_EV_HARD_FAULT] = "hard-fault",
        [VS_EV_PAGE_TRIMMED] = "page-trimmed",   [VS_EV_PAGE_WRITTEN] = "page-written",
        [VS_EV_PAGE_REPURPOSED] = "page-repurposed", [VS_EV_PAGES_ZEROED] = "pages-zeroed",
        [VS_EV_WORKING_SET_AGED] = "working-set-aged", [VS_EV_PAGES_RESET] = "pages-reset",
        [VS_EV_RESET_UNDONE] = "reset-undone",
        [VS_EV_SECTION_CREATED] = "section-created",
        [VS_EV_SECTION_DELETED] = "section-deleted",
        [VS_EV_SECTION_COMMITTED] = "section-committed",
        [VS_EV_VIEW_MAPPED] = "view-mapped",
        [VS_EV_VIEW_UNMAPPED] = "view-unmapped",
        [VS_EV_COPY_ON_WRITE] = "copy-on-write",
        [VS_EV_VIEW_FLUSHED] = "view-flushed",
        [VS_EV_PLACEHOLDER_RESERVED] = "placeholder-reserved",
        [VS_EV_PLACEHOLDER_SPLIT] = "placeholder-split",
        [VS_EV_PLACEHOLDERS_COALESCED] = "placeholders-coalesced",
        [VS_EV_PLACEHOLDER_REPLACED] = "placeholder-replaced",
        [VS_EV_VMA_SPLIT] = "vma-split", [VS_EV_VMA_MERGED] = "vma-merged",
        [VS_EV_VMA_MOVED] = "vma-moved", [VS_EV_ANON_VMA] = "anon-vma",
        [VS_EV_PAGES_DISCARDED] = "pages-discarded", [VS_EV_PROCESS_FORKED] = "process-forked",
        [VS_EV_VMA_PKEY] = "vma-pkey", [VS_EV_PKEY_FAULT] = "pkey-fault",
        [VS_EV_PLACEHOLDER_RESTORED] = "placeholder-restored",
    };
    return (unsigned)kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "?";
}

const char *vs_page_location_name(VsPageLocation location)
{
    static const char *const names[] = {
        [VS_PAGE_ZEROED] = "zeroed",     [VS_PAGE_FREE] = "free",
        [VS_PAGE_STANDBY] = "standby",   [VS_PAGE_MODIFIED] = "modified",
        [VS_PAGE_BAD] = "bad",           [VS_PAGE_ACTIVE] = "active",
    };
    return (unsigned)location < sizeof names / sizeof names[0] && names[location]
               ? names[location]
               : "?";
}
