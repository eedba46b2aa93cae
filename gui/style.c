/*
 * style.c - sizes at a scale, and DejaVu Sans's advance widths (style.h).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "style.h"

/* At scale 1 (1100x720 and up): the sizes a projected picture needs to be read from the back. */
static const double font_design_px[VV_FONT_COUNT] = {
    [VV_FONT_SMALL] = 14,
    [VV_FONT_TEXT] = 16,
    [VV_FONT_HEADING] = 19,
    [VV_FONT_TITLE] = 30,
};

/*
 * DejaVu Sans (version 2.37, fonts-dejavu-core) advance widths of ' ' to '~' in units of 1/2048
 * em, read with FreeType through SDL_ttf's TTF_GlyphMetrics at 2048 pixels, unhinted.
 */
static const unsigned short dejavu_advance[95] = {
    651,  821,  942,  1716, 1303, 1946, 1597, 563,  799,  799,  1024, 1716, 651,  739,  651,  690,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690,  690,  1716, 1716, 1716, 1087,
    2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604,  604,  1343, 1141, 1767, 1532, 1612,
    1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799,  690,  799,  1716, 1024,
    1024, 1255, 1300, 1126, 1300, 1260, 721,  1300, 1298, 569,  569,  1186, 569,  1995, 1298, 1253,
    1300, 1300, 842,  1067, 803,  1298, 1212, 1675, 1212, 1212, 1075, 1303, 690,  1303, 1716,
};
#define AVERAGE_ADVANCE 1300 /* a digit, a lower-case letter: for what the table lacks */
#define LINE_EM 1.164        /* DejaVu Sans's ascent plus descent, in em */

double vv_auto_scale(int width, int height, double factor)
{
    double fit = fmin((double)width / VV_REFERENCE_WIDTH, (double)height / VV_REFERENCE_HEIGHT);
    /* Larger than this, the panels under the maps would have no room left for what they show. */
    double most = fmin((double)width / VV_SMALLEST_WIDTH, (double)height / VV_SMALLEST_HEIGHT);
    return fmax(fmin(fit * factor, fmin(most, VV_AUTO_SCALE_MAX)), VV_AUTO_SCALE_MIN);
}

VvStyle vv_style(double scale)
{
    VvStyle style = {.scale = scale};
    for (int f = 0; f < VV_FONT_COUNT; f++) {
        style.font_px[f] = (int)lround(fmax(font_design_px[f] * scale, 7.0));
        style.line[f] = (int)ceil(style.font_px[f] * LINE_EM) + (int)lround(2 * scale);
    }
    style.margin = vv_px(&style, 8);
    style.pad = vv_px(&style, 6);
    return style;
}

int vv_px(const VvStyle *style, double design)
{
    long px = lround(design * style->scale);
    return px < 1 ? 1 : (int)px;
}

/* The advance of a character outside ASCII: the few the pictures use, an average for the rest. */
static unsigned wide_advance(uint32_t c)
{
    static const struct {
        uint32_t c;
        unsigned short advance;
    } known[] = {
        {0x2026, 2048},                 /* ellipsis */
        {0x2013, 1024},                 /* en dash */
        {0x2014, 2048},                 /* em dash */
        {0x2190, 1716},                 /* arrows */
        {0x2192, 1716}, {0x2212, 1716}, /* minus */
        {0x00D7, 1716},                 /* times */
        {0x00B7, 651},                  /* middle dot */
        {0x25B2, 1575},                 /* triangles */
        {0x25BC, 1575},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].c == c)
            return known[i].advance;
    return AVERAGE_ADVANCE;
}

double vv_text_width_estimate(double px, const char *text)
{
    double units = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (p && *p) {
        if (*p < 0x80) {
            units += *p >= 32 && *p < 127 ? dejavu_advance[*p - 32] : AVERAGE_ADVANCE;
            p++;
            continue;
        }
        /* A UTF-8 sequence: its length from the first byte, its code point from the rest. */
        int length = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
        uint32_t c = *p & (0x7F >> length);
        for (int i = 1; i < length && (p[i] & 0xC0) == 0x80; i++)
            c = (c << 6) | (p[i] & 0x3F);
        units += wide_advance(c);
        for (p++; (*p & 0xC0) == 0x80; p++)
            ;
    }
    return units * px / 2048.0;
}
