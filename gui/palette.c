/*
 * palette.c - the visualiser's colors (palette.h).
 *
 * Regions follow VMMap's type palette; page states and frame lists have a color each, and the
 * page-table frames and shared frames their own.
 */
#include "palette.h"

const VvColor vv_reserved_outline = {90, 90, 90, 255};
const VvColor vv_highlight = {230, 40, 120, 255};
const VvColor vv_ink = {30, 30, 30, 255};
const VvColor vv_faint = {120, 120, 120, 255};
const VvColor vv_paper = {252, 252, 250, 255};
const VvColor vv_panel_background = {244, 244, 240, 255};
const VvColor vv_panel_border = {210, 210, 205, 255};
const VvColor vv_step_ink = {40, 60, 140, 255};
const VvColor vv_guard_red = {220, 40, 40, 255};
const VvColor vv_link = {20, 130, 130, 255};
const VvColor vv_tip_paper = {255, 255, 238, 255};

const VvLegendEntry *vv_map_legend(bool linux_words, size_t *count)
{
    static const VvLegendEntry entries[] = {
        {"Private Data", VV_SAMPLE_KIND, VV_PRIVATE},
        {"Shareable", VV_SAMPLE_KIND, VV_SHAREABLE},
        {"Mapped File", VV_SAMPLE_KIND, VV_MAPPED_FILE},
        {"Image", VV_SAMPLE_KIND, VV_IMAGE},
        {"Heap", VV_SAMPLE_KIND, VV_HEAP},
        {"Stack", VV_SAMPLE_KIND, VV_STACK},
        {"Placeholder", VV_SAMPLE_KIND, VV_PLACEHOLDER},
        {"Free", VV_SAMPLE_KIND, VV_FREE},
        {"Unusable", VV_SAMPLE_KIND, VV_UNUSABLE},
        {"reserved (committed is filled)", VV_SAMPLE_RESERVED, VV_PRIVATE},
        {"touched by this step", VV_SAMPLE_TOUCHED, VV_FREE},
        {"guard page", VV_SAMPLE_GUARD, VV_FREE},
        {"copy-on-write copies", VV_SAMPLE_COPY, VV_FREE},
        {"views of one section", VV_SAMPLE_SECTION, VV_FREE},
        {"a frame two processes map", VV_SAMPLE_LINK, VV_FREE},
        {"not to scale", VV_SAMPLE_BREAK, VV_FREE},
    };
    /* Linux has no placeholders, no granularity, no reserved memory: a mapping is all there. */
    static const VvLegendEntry linux_entries[] = {
        {"private anonymous", VV_SAMPLE_KIND, VV_PRIVATE},
        {"shared anonymous", VV_SAMPLE_KIND, VV_SHAREABLE},
        {"file", VV_SAMPLE_KIND, VV_MAPPED_FILE},
        {"executable file", VV_SAMPLE_KIND, VV_IMAGE},
        {"[heap]", VV_SAMPLE_KIND, VV_HEAP},
        {"[stack]", VV_SAMPLE_KIND, VV_STACK},
        {"unmapped", VV_SAMPLE_KIND, VV_FREE},
        {"PROT_NONE (accessible is filled)", VV_SAMPLE_RESERVED, VV_PRIVATE},
        {"touched by this step", VV_SAMPLE_TOUCHED, VV_FREE},
        {"copy-on-write copies", VV_SAMPLE_COPY, VV_FREE},
        {"mappings of one file", VV_SAMPLE_SECTION, VV_FREE},
        {"a frame two processes map", VV_SAMPLE_LINK, VV_FREE},
        {"not to scale", VV_SAMPLE_BREAK, VV_FREE},
    };
    *count = linux_words ? G_N_ELEMENTS(linux_entries) : G_N_ELEMENTS(entries);
    return linux_words ? linux_entries : entries;
}

const char *vv_page_state_name(VvPageState state)
{
    static const char *const names[VV_PAGE_STATE_COUNT] = {
        [VV_PAGE_RESERVED] = "reserved",
        [VV_PAGE_DEMAND_ZERO] = "demand zero",
        [VV_PAGE_VALID] = "valid",
        [VV_PAGE_VALID_SHARED] = "valid, shared frame",
        [VV_PAGE_COPY] = "copy-on-write copy",
        [VV_PAGE_TRANSITION] = "transition",
        [VV_PAGE_PAGEFILE] = "in the page file",
        [VV_PAGE_PROTOTYPE] = "prototype PTE",
        [VV_PAGE_GUARD] = "guard",
    };
    return state < VV_PAGE_STATE_COUNT ? names[state] : "?";
}

const VvFrameKey *vv_frame_key(size_t *count)
{
    static const VvFrameKey key[] = {
        {"zeroed", {.location = VS_PAGE_ZEROED}},
        {"free", {.location = VS_PAGE_FREE}},
        {"standby", {.location = VS_PAGE_STANDBY}},
        {"modified", {.location = VS_PAGE_MODIFIED}},
        {"active", {.location = VS_PAGE_ACTIVE}},
        {"active, a section's", {.location = VS_PAGE_ACTIVE, .shared = true}},
        {"page table", {.location = VS_PAGE_ACTIVE, .table = true}},
        {"bad", {.location = VS_PAGE_BAD}},
    };
    *count = G_N_ELEMENTS(key);
    return key;
}

VvColor vv_kind_color(VvKind kind)
{
    static const VvColor colors[VV_KIND_COUNT] = {
        [VV_FREE] = {236, 236, 236, 255},        [VV_UNUSABLE] = {160, 160, 160, 255},
        [VV_PRIVATE] = {247, 211, 88, 255},      [VV_SHAREABLE] = {110, 200, 190, 255},
        [VV_MAPPED_FILE] = {111, 168, 220, 255}, [VV_IMAGE] = {180, 142, 224, 255},
        [VV_STACK] = {246, 160, 77, 255},        [VV_PLACEHOLDER] = {205, 205, 215, 255},
        [VV_SYSTEM] = {150, 150, 170, 255},      [VV_HEAP] = {236, 120, 112, 255},
    };
    return kind < VV_KIND_COUNT ? colors[kind] : vv_ink;
}

VvColor vv_page_color(VvPageState state)
{
    static const VvColor colors[VV_PAGE_STATE_COUNT] = {
        [VV_PAGE_RESERVED] = {225, 225, 225, 255}, [VV_PAGE_DEMAND_ZERO] = {250, 236, 180, 255},
        [VV_PAGE_VALID] = {70, 170, 80, 255},      [VV_PAGE_VALID_SHARED] = {40, 150, 150, 255},
        [VV_PAGE_COPY] = {200, 60, 200, 255},      [VV_PAGE_TRANSITION] = {120, 170, 230, 255},
        [VV_PAGE_PAGEFILE] = {140, 110, 80, 255},  [VV_PAGE_PROTOTYPE] = {170, 220, 215, 255},
        [VV_PAGE_GUARD] = {220, 60, 50, 255},
    };
    return state < VV_PAGE_STATE_COUNT ? colors[state] : vv_ink;
}

VvColor vv_frame_color(const VvFrame *frame)
{
    static const VvColor lists[] = {
        [VS_PAGE_ZEROED] = {235, 235, 235, 255},  [VS_PAGE_FREE] = {255, 255, 255, 255},
        [VS_PAGE_STANDBY] = {120, 170, 230, 255}, [VS_PAGE_MODIFIED] = {240, 150, 60, 255},
        [VS_PAGE_BAD] = {20, 20, 20, 255},        [VS_PAGE_ACTIVE] = {70, 170, 80, 255},
    };
    if (frame->table)
        return (VvColor){30, 100, 40, 255};
    if (frame->shared && frame->location == VS_PAGE_ACTIVE)
        return (VvColor){40, 150, 150, 255};
    return frame->location < G_N_ELEMENTS(lists) ? lists[frame->location] : vv_ink;
}
