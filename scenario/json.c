/*
 * json.c - the runner's machine-readable output (vadsim run --json): one JSON object per line for
 * every step, statement, model event (with the sentence the narration gives it), expectation
 * and 'show' (its view as data), after a header naming the file, so tools (the harness, editors,
 * the visualiser's tests) can follow a run without parsing prose.
 */
#include "runner_int.h"

/* Appends text as a JSON string, escaping what JSON requires. */
void vs_json_string(GString *out, const char *text, gssize length)
{
    g_string_append_c(out, '"');
    for (gssize i = 0; length < 0 ? text[i] != '\0' : i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        switch (c) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\t': g_string_append(out, "\\t"); break;
        case '\r': g_string_append(out, "\\r"); break;
        default:
            if (c < 0x20)
                g_string_append_printf(out, "\\u%04x", c);
            else
                g_string_append_c(out, (char)c);
        }
    }
    g_string_append_c(out, '"');
}

/* The fields an event's JSON object can carry after its kind, pid and page range. */
typedef enum EventField {
    END,       /* no more fields */
    ADDRESS,   /* "address": the caller's request */
    SIZE,      /* "size" */
    OLD_START, /* "old_start", "old_end": the VAD or VMA before */
    OLD_END,
    PAGES,          /* "pages": commit charged or returned, pages moved, zeroed, aged, discarded */
    PROTECTION,     /* "protection": "PAGE_READWRITE" */
    NO_PROTECTION,  /* "protection": "" (decommitted pages have none) */
    OLD_PROTECTION, /* "old_protection" */
    LEVEL,          /* "level": a page table's, 0 the top */
    FRAME,          /* "frame" */
    ANON_VMA,       /* "anon_vma": its number (the event's frame) */
    SHARED,         /* "shared": whether the anon_vma is a neighbour's (the event's pages) */
    CHILD,          /* "child": the forked child's pid (the event's frame) */
    PKEY,           /* "pkey": a protection key (the event's frame) */
    EXECUTE_ONLY,   /* "execute_only": the key is the process's execute-only one (pages) */
    RIGHTS,         /* "rights": a key's PKEY_DISABLE_* rights (the event's pages) */
    WRITE,          /* "write": the access was a store */
    LIST,           /* "list": the page list a frame came from or went to */
    AGE,            /* "age": a trimmed page's */
    SLOT,           /* "slot": a page-file slot */
    WORKING_SET,    /* "working_set": its size after (the event's pages) */
    THREAD,         /* "thread": a thread's id (the event's frame) */
    EXIT_CODE,      /* "exit_code": a thread's (the event's pages) */
    OPTIONS,        /* "execute_options", "old_execute_options": MEM_EXECUTE_OPTION_* bits (the
                     * event's protection and old_protection) */
    THUNK_FORM,     /* "thunk_form": the ATL thunk emulated, 0 for none (the event's frame) */
    PRIORITY,       /* "priority": an offer's, 1-4 (the event's frame) */
    IOSB,           /* "io_status_block": its address, 0 for none (the event's frame) */
    IO_STATUS,      /* "status": an I/O's NTSTATUS (the event's protection) */
} EventField;

#define MAX_EVENT_FIELDS 5

/* Each event kind's fields, in the order they are written. */
static const EventField event_fields[][MAX_EVENT_FIELDS] = {
    [VS_EV_VAD_INSERTED] = {END},
    [VS_EV_VAD_REMOVED] = {END},
    [VS_EV_VAD_TRIMMED] = {OLD_START, OLD_END},
    [VS_EV_VAD_SPLIT] = {OLD_START, OLD_END},
    [VS_EV_RANGE_ROUNDED] = {ADDRESS, SIZE},
    [VS_EV_COMMITTED] = {PAGES, PROTECTION},
    [VS_EV_DECOMMITTED] = {PAGES, NO_PROTECTION},
    [VS_EV_PROTECTED] = {PROTECTION, OLD_PROTECTION},
    [VS_EV_TABLE_CREATED] = {LEVEL},
    [VS_EV_TABLE_FREED] = {LEVEL},
    [VS_EV_DEMAND_ZERO_FAULT] = {FRAME, WRITE, LIST, SLOT, WORKING_SET},
    [VS_EV_SOFT_FAULT] = {FRAME, WRITE, LIST, SLOT, WORKING_SET},
    [VS_EV_HARD_FAULT] = {FRAME, WRITE, LIST, SLOT, WORKING_SET},
    [VS_EV_GUARD_PAGE] = {FRAME, WRITE},
    [VS_EV_ACCESS_VIOLATION] = {FRAME, WRITE},
    [VS_EV_FRAME_RELEASED] = {FRAME},
    [VS_EV_PAGE_TRIMMED] = {FRAME, LIST, AGE, WORKING_SET},
    [VS_EV_PAGE_WRITTEN] = {FRAME, SLOT},
    [VS_EV_PAGE_REPURPOSED] = {FRAME, SLOT},
    [VS_EV_PAGES_ZEROED] = {PAGES},
    [VS_EV_WORKING_SET_AGED] = {PAGES},
    [VS_EV_PAGES_RESET] = {END},
    [VS_EV_SECTION_CREATED] = {END},
    [VS_EV_SECTION_DELETED] = {END},
    [VS_EV_SECTION_COMMITTED] = {END},
    [VS_EV_VIEW_MAPPED] = {END},
    [VS_EV_VIEW_UNMAPPED] = {END},
    [VS_EV_COPY_ON_WRITE] = {END},
    [VS_EV_RESET_UNDONE] = {END},
    [VS_EV_VIEW_FLUSHED] = {END},
    [VS_EV_PLACEHOLDER_RESERVED] = {END},
    [VS_EV_PLACEHOLDER_SPLIT] = {END},
    [VS_EV_PLACEHOLDERS_COALESCED] = {END},
    [VS_EV_PLACEHOLDER_REPLACED] = {END},
    [VS_EV_VMA_SPLIT] = {OLD_START, OLD_END},
    [VS_EV_VMA_MERGED] = {OLD_START, OLD_END},
    [VS_EV_VMA_GROWN] = {OLD_START, OLD_END},
    [VS_EV_VMA_MOVED] = {OLD_START, OLD_END, PAGES},
    [VS_EV_ANON_VMA] = {ANON_VMA, SHARED},
    [VS_EV_PAGES_DISCARDED] = {PAGES},
    [VS_EV_PROCESS_FORKED] = {CHILD},
    [VS_EV_VMA_PKEY] = {PKEY, EXECUTE_ONLY},
    [VS_EV_PKEY_FAULT] = {PKEY, EXECUTE_ONLY, WRITE},
    [VS_EV_PKEY_ALLOCATED] = {PKEY, RIGHTS},
    [VS_EV_PKEY_FREED] = {PKEY},
    [VS_EV_PKRU_SET] = {PKEY, RIGHTS},
    [VS_EV_THREAD_CREATED] = {THREAD, ADDRESS, SIZE},
    [VS_EV_THREAD_EXITED] = {THREAD, EXIT_CODE},
    [VS_EV_STACK_GROWN] = {THREAD, ADDRESS},
    [VS_EV_STACK_OVERFLOW] = {THREAD, ADDRESS},
    [VS_EV_STACK_SHRUNK] = {THREAD, ADDRESS},
    [VS_EV_STACK_FIELDS_SET] = {THREAD, ADDRESS},
    [VS_EV_LARGE_PAGE_MAPPED] = {FRAME, PAGES},
    [VS_EV_LARGE_PAGE_FREED] = {FRAME, PAGES},
    [VS_EV_LARGE_PAGES_UNAVAILABLE] = {PAGES, FRAME, SIZE, ADDRESS},
    [VS_EV_PLACEHOLDER_RESTORED] = {END},
    [VS_EV_AWE_ALLOCATED] = {FRAME, PAGES, SIZE},
    [VS_EV_AWE_FREED] = {PAGES, SIZE},
    [VS_EV_AWE_MAPPED] = {FRAME, PAGES},
    [VS_EV_AWE_UNMAPPED] = {FRAME, PAGES},
    [VS_EV_LARGE_PAGE_FAULTED] = {FRAME, PAGES},
    [VS_EV_LARGE_PAGE_SPLIT] = {FRAME, PAGES},
    [VS_EV_PAGE_PREFETCHED] = {FRAME, LIST, SLOT},
    [VS_EV_EXECUTE_OPTIONS] = {OPTIONS},
    [VS_EV_EXECUTE_ALLOWED] = {THUNK_FORM, PROTECTION},
    [VS_EV_PAGES_OFFERED] = {PAGES, PRIORITY},
    [VS_EV_PAGES_RECLAIMED] = {PAGES},
    [VS_EV_MEMORY_DISCARDED] = {PAGES},
    [VS_EV_HUGE_ZERO_MAPPED] = {FRAME, PAGES},
    [VS_EV_HUGE_ZERO_REPLACED] = {FRAME, PAGES},
    [VS_EV_LARGE_PAGE_COLLAPSED] = {FRAME, PAGES},
    [VS_EV_IO_PENDING] = {ADDRESS, SIZE, IOSB},
    [VS_EV_IO_COMPLETED] = {ADDRESS, SIZE, IOSB, IO_STATUS},
    [VS_EV_LARGE_PAGE_SHARED] = {FRAME, PAGES},
    [VS_EV_LARGE_PAGE_REUSED] = {FRAME, PAGES},
};

/* ,"name":value */
static void append_number(GString *out, const char *name, uint64_t value)
{
    g_string_append_printf(out, ",\"%s\":%" G_GUINT64_FORMAT, name, value);
}

/* ,"name":true or false */
static void append_bool(GString *out, const char *name, bool value)
{
    g_string_append_printf(out, ",\"%s\":%s", name, value ? "true" : "false");
}

/* ,"name":"text", the text being a name that needs no escaping */
static void append_name(GString *out, const char *name, const char *text)
{
    g_string_append_printf(out, ",\"%s\":\"%s\"", name, text);
}

static void append_field(const VsRunner *runner, GString *out, EventField field, const VsEvent *e)
{
    char protect[96];
    switch (field) {
    case END: break;
    case ADDRESS: append_number(out, "address", e->address); break;
    case SIZE: append_number(out, "size", e->size); break;
    case OLD_START: append_number(out, "old_start", e->old_start); break;
    case OLD_END: append_number(out, "old_end", e->old_end); break;
    case PAGES: append_number(out, "pages", e->pages); break;
    case PROTECTION:
        append_name(out, "protection",
                    vs_words_protection(runner, e->protection, protect, sizeof protect));
        break;
    case NO_PROTECTION: append_name(out, "protection", ""); break;
    case OLD_PROTECTION:
        append_name(out, "old_protection",
                    vs_words_protection(runner, e->old_protection, protect, sizeof protect));
        break;
    case LEVEL: append_number(out, "level", e->level); break;
    case FRAME: append_number(out, "frame", e->frame); break;
    case ANON_VMA: append_number(out, "anon_vma", e->frame); break;
    case SHARED: append_bool(out, "shared", e->pages != 0); break;
    case CHILD: append_number(out, "child", e->frame); break;
    case PKEY: append_number(out, "pkey", e->frame); break;
    case EXECUTE_ONLY: append_bool(out, "execute_only", e->pages != 0); break;
    case RIGHTS: append_number(out, "rights", e->pages); break;
    case WRITE: append_bool(out, "write", e->write); break;
    case LIST: append_name(out, "list", vs_page_location_name(e->list)); break;
    case AGE: append_number(out, "age", e->age); break;
    case SLOT: append_number(out, "slot", e->slot); break;
    case WORKING_SET:
        append_number(out, vs_words_linux(runner) ? "resident_set" : "working_set", e->pages);
        break;
    case THREAD: append_number(out, "thread", e->frame); break;
    case EXIT_CODE: append_number(out, "exit_code", e->pages); break;
    case OPTIONS:
        append_number(out, "execute_options", e->protection);
        append_number(out, "old_execute_options", e->old_protection);
        break;
    case THUNK_FORM: append_number(out, "thunk_form", e->frame); break;
    case PRIORITY: append_number(out, "priority", e->frame); break;
    case IOSB: append_number(out, "io_status_block", e->frame); break;
    case IO_STATUS: {
        const char *name = vs_status_name(e->protection);
        if (name)
            append_name(out, "status", name);
        else
            append_number(out, "status", e->protection);
        break;
    }
    }
}

/* {"type":"event","kind":"...","pid":N,"vpn_start":N,"vpn_end":N,<the kind's fields>,
 * "text":"<the narration's sentence>"} */
void vs_json_event(VsRunner *runner, const VsEvent *e, const char *sentence)
{
    GString *out = runner->out;
    g_assert((size_t)e->kind < G_N_ELEMENTS(event_fields));
    /* A Linux system's VMAs are the model's VADs: its events say vma-inserted, not vad-. */
    const char *kind = vs_event_kind_name(e->kind);
    gboolean vma = vs_words_linux(runner) && g_str_has_prefix(kind, "vad-");
    g_string_append_printf(
        out,
        "{\"type\":\"event\",\"kind\":\"%s%s\",\"pid\":%u,\"vpn_start\":%" G_GUINT64_FORMAT
        ",\"vpn_end\":%" G_GUINT64_FORMAT,
        vma ? "vma-" : "", vma ? kind + 4 : kind, e->pid, e->vpn_start, e->vpn_end);
    for (size_t i = 0; i < MAX_EVENT_FIELDS && event_fields[e->kind][i] != END; i++)
        append_field(runner, out, event_fields[e->kind][i], e);
    g_string_append(out, ",\"text\":");
    vs_json_string(out, sentence, -1);
    g_string_append(out, "}\n");
}

/* {"type":"step","number":N,"of":M,"title":"..."} */
void vs_json_step(VsRunner *runner, const char *title)
{
    g_string_append_printf(runner->out,
                           "{\"type\":\"step\",\"number\":%zu,\"of\":%zu,\"title\":", runner->step,
                           runner->script->steps);
    vs_json_string(runner->out, title, -1);
    g_string_append(runner->out, "}\n");
}

/* {"type":"<kind>","line":N,"source":"...",<extra>} without the closing brace. */
void vs_json_statement_open(VsRunner *runner, const char *kind, const VsStmt *stmt)
{
    g_string_append_printf(runner->out, "{\"type\":\"%s\",\"line\":%u", kind, stmt->pos.line);
    if (stmt->expr) {
        g_string_append(runner->out, ",\"source\":");
        vs_json_string(runner->out, stmt->expr->text, (gssize)stmt->expr->text_length);
    }
}

/* ---- A writer for nested records (the show forms' data) ---------------------------------------
 */

/* Before a value: the comma after the previous one at this depth, and "key": inside an object. */
static void json_key(VsJsonWriter *w, const char *key)
{
    g_assert(w->depth < 64);
    if (w->has_items & (1ull << w->depth))
        g_string_append_c(w->out, ',');
    w->has_items |= 1ull << w->depth;
    if (key)
        g_string_append_printf(w->out, "\"%s\":", key);
}

void vs_json_object_begin(VsJsonWriter *w, const char *key)
{
    json_key(w, key);
    g_string_append_c(w->out, '{');
    w->depth++;
    w->has_items &= ~(1ull << w->depth);
}

void vs_json_object_end(VsJsonWriter *w)
{
    w->depth--;
    g_string_append_c(w->out, '}');
}

void vs_json_array_begin(VsJsonWriter *w, const char *key)
{
    json_key(w, key);
    g_string_append_c(w->out, '[');
    w->depth++;
    w->has_items &= ~(1ull << w->depth);
}

void vs_json_array_end(VsJsonWriter *w)
{
    w->depth--;
    g_string_append_c(w->out, ']');
}

void vs_json_number(VsJsonWriter *w, const char *key, uint64_t value)
{
    json_key(w, key);
    g_string_append_printf(w->out, "%" G_GUINT64_FORMAT, value);
}

void vs_json_text(VsJsonWriter *w, const char *key, const char *text)
{
    json_key(w, key);
    if (text)
        vs_json_string(w->out, text, -1);
    else
        g_string_append(w->out, "null");
}

void vs_json_flag(VsJsonWriter *w, const char *key, gboolean value)
{
    json_key(w, key);
    g_string_append(w->out, value ? "true" : "false");
}

/* ---- Records from outside a run -----------------------------------------------------------------
 */

void vs_json_header(GString *out, const char *file, const VsScript *script, const char *version)
{
    const char *title = NULL;
    for (size_t i = 0; script && i < script->count && !title; i++)
        if (script->stmts[i].kind == VS_STMT_TITLE)
            title = script->stmts[i].text;
    VsJsonWriter w = {out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_text(&w, "type", "scenario");
    vs_json_text(&w, "file", file);
    vs_json_text(&w, "title", title);
    vs_json_text(&w, "system", script ? script->system : NULL);
    vs_json_text(&w, "personality",
                 !script                      ? NULL
                 : script->config.personality ? "linux"
                                              : "windows");
    if (script)
        vs_json_number(&w, "steps", script->steps);
    else
        vs_json_text(&w, "steps", NULL);
    vs_json_text(&w, "vadsim", version);
    vs_json_object_end(&w);
    g_string_append_c(out, '\n');
}

void vs_json_diagnostics(GString *out, const char *file, const VsDiagnostics *diags)
{
    for (guint i = 0; diags->items && i < diags->items->len; i++) {
        const VsDiagnostic *d = &g_array_index(diags->items, VsDiagnostic, i);
        VsJsonWriter w = {out, 0, 0};
        vs_json_object_begin(&w, NULL);
        vs_json_text(&w, "type", d->severity == VS_DIAG_ERROR ? "error" : "warning");
        vs_json_text(&w, "file", file);
        vs_json_text(&w, "stage", "check");
        vs_json_number(&w, "line", d->pos.line);
        vs_json_number(&w, "col", d->pos.col);
        vs_json_text(&w, "message", d->message);
        vs_json_text(&w, "text", d->text);
        vs_json_object_end(&w);
        g_string_append_c(out, '\n');
    }
}

void vs_json_run_error(GString *out, const char *file, const char *text)
{
    VsJsonWriter w = {out, 0, 0};
    vs_json_object_begin(&w, NULL);
    vs_json_text(&w, "type", "error");
    vs_json_text(&w, "file", file);
    vs_json_text(&w, "stage", "run");
    vs_json_text(&w, "text", text);
    vs_json_object_end(&w);
    g_string_append_c(out, '\n');
}
