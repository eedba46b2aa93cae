/*
 * json.c - the runner's machine-readable output (vadsim run --json): one JSON object per line for
 * every step, statement, model event, expectation and 'show', so tools (the harness, editors,
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

void vs_json_event(VsRunner *runner, const VsEvent *e)
{
    GString *out = runner->out;
    char protect[96], old[96];
    vs_protect_string(e->protection, protect, sizeof protect);
    vs_protect_string(e->old_protection, old, sizeof old);
    g_string_append_printf(out,
                           "{\"type\":\"event\",\"kind\":\"%s\",\"pid\":%u,\"vpn_start\":%"
                           G_GUINT64_FORMAT ",\"vpn_end\":%" G_GUINT64_FORMAT,
                           vs_event_kind_name(e->kind), e->pid, e->vpn_start, e->vpn_end);
    switch (e->kind) {
    case VS_EV_VAD_TRIMMED:
    case VS_EV_VAD_SPLIT:
    case VS_EV_VMA_SPLIT:
    case VS_EV_VMA_MERGED:
        g_string_append_printf(out, ",\"old_start\":%" G_GUINT64_FORMAT ",\"old_end\":%"
                               G_GUINT64_FORMAT, e->old_start, e->old_end);
        break;
    case VS_EV_VMA_MOVED:
        g_string_append_printf(out, ",\"old_start\":%" G_GUINT64_FORMAT ",\"old_end\":%"
                               G_GUINT64_FORMAT ",\"pages\":%" G_GUINT64_FORMAT,
                               e->old_start, e->old_end, e->pages);
        break;
    case VS_EV_ANON_VMA:
        g_string_append_printf(out, ",\"anon_vma\":%" G_GUINT64_FORMAT ",\"shared\":%s",
                               e->frame, e->pages ? "true" : "false");
        break;
    case VS_EV_PROCESS_FORKED:
        g_string_append_printf(out, ",\"child\":%" G_GUINT64_FORMAT, e->frame);
        break;
    case VS_EV_VMA_PKEY:
        g_string_append_printf(out, ",\"pkey\":%" G_GUINT64_FORMAT, e->frame);
        break;
    case VS_EV_PKEY_FAULT:
        g_string_append_printf(out, ",\"pkey\":%" G_GUINT64_FORMAT ",\"write\":%s", e->frame,
                               e->write ? "true" : "false");
        break;
    case VS_EV_RANGE_ROUNDED:
        g_string_append_printf(out, ",\"address\":%" G_GUINT64_FORMAT ",\"size\":%"
                               G_GUINT64_FORMAT, e->address, e->size);
        break;
    case VS_EV_COMMITTED:
    case VS_EV_DECOMMITTED:
        g_string_append_printf(out, ",\"pages\":%" G_GUINT64_FORMAT ",\"protection\":\"%s\"",
                               e->pages, e->kind == VS_EV_COMMITTED ? protect : "");
        break;
    case VS_EV_PROTECTED:
        g_string_append_printf(out, ",\"protection\":\"%s\",\"old_protection\":\"%s\"", protect,
                               old);
        break;
    case VS_EV_TABLE_CREATED:
    case VS_EV_TABLE_FREED:
        g_string_append_printf(out, ",\"level\":%u", e->level);
        break;
    case VS_EV_DEMAND_ZERO_FAULT:
    case VS_EV_SOFT_FAULT:
    case VS_EV_HARD_FAULT:
        g_string_append_printf(out, ",\"frame\":%" G_GUINT64_FORMAT ",\"write\":%s"
                                    ",\"list\":\"%s\",\"slot\":%" G_GUINT64_FORMAT
                                    ",\"working_set\":%" G_GUINT64_FORMAT,
                               e->frame, e->write ? "true" : "false",
                               vs_page_location_name(e->list), e->slot, e->pages);
        break;
    case VS_EV_GUARD_PAGE:
    case VS_EV_ACCESS_VIOLATION:
        g_string_append_printf(out, ",\"frame\":%" G_GUINT64_FORMAT ",\"write\":%s", e->frame,
                               e->write ? "true" : "false");
        break;
    case VS_EV_FRAME_RELEASED:
        g_string_append_printf(out, ",\"frame\":%" G_GUINT64_FORMAT, e->frame);
        break;
    case VS_EV_PAGE_TRIMMED:
        g_string_append_printf(out, ",\"frame\":%" G_GUINT64_FORMAT ",\"list\":\"%s\""
                                    ",\"age\":%u,\"working_set\":%" G_GUINT64_FORMAT,
                               e->frame, vs_page_location_name(e->list), e->age, e->pages);
        break;
    case VS_EV_PAGE_WRITTEN:
    case VS_EV_PAGE_REPURPOSED:
        g_string_append_printf(out, ",\"frame\":%" G_GUINT64_FORMAT ",\"slot\":%" G_GUINT64_FORMAT,
                               e->frame, e->slot);
        break;
    case VS_EV_PAGES_ZEROED:
    case VS_EV_WORKING_SET_AGED:
    case VS_EV_PAGES_DISCARDED:
        g_string_append_printf(out, ",\"pages\":%" G_GUINT64_FORMAT, e->pages);
        break;
    default:
        break;
    }
    g_string_append(out, "}\n");
}

/* {"type":"step","number":N,"of":M,"title":"..."} */
void vs_json_step(VsRunner *runner, const char *title)
{
    g_string_append_printf(runner->out, "{\"type\":\"step\",\"number\":%zu,\"of\":%zu,\"title\":",
                           runner->step, runner->script->steps);
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
