/*
 * style.h - the visualiser's sizes at a scale: fonts, line heights, margins.
 *
 * Every size is given for a reference picture (1280x720, a projector's smallest) and multiplied by
 * the scale, so a picture at 1920x1080 is the same picture, larger: what is readable from the
 * back of a room at one size is readable at every size. The scale is automatic from the picture's
 * size, times the factor the person looking chose (--scale, Ctrl +/-).
 *
 * The widths of text are estimated here from DejaVu Sans's advance widths (the font every canvas
 * uses), so the layout stays pure arithmetic; canvases measure exactly where text must fit.
 */
#ifndef VS_GUI_STYLE_H
#define VS_GUI_STYLE_H

typedef enum VvFont {
    VV_FONT_SMALL,   /* labels, keys, narration */
    VV_FONT_TEXT,    /* the step line, node labels in large trees' place */
    VV_FONT_HEADING, /* the lesson's title in the header */
    VV_FONT_TITLE,   /* the title card's title */
    VV_FONT_COUNT
} VvFont;

typedef struct VvStyle {
    double scale;
    int font_px[VV_FONT_COUNT]; /* the font's size in pixels */
    int line[VV_FONT_COUNT];    /* the height of a line of it */
    int margin;                 /* between panels */
    int pad;                    /* inside a panel */
} VvStyle;

/* The reference picture: at this size the scale is 1. */
#define VV_REFERENCE_WIDTH 1100
#define VV_REFERENCE_HEIGHT 720
/* The factors --scale and Ctrl +/- may choose. */
#define VV_SCALE_MIN 0.5
#define VV_SCALE_MAX 4.0
#define VV_AUTO_SCALE_MIN 0.4
#define VV_AUTO_SCALE_MAX 6.0

/* The picture a scale may not shrink below, in design pixels: the layout needs that much room. */
#define VV_SMALLEST_WIDTH 800
#define VV_SMALLEST_HEIGHT 540

/* The scale for a picture of width x height: the reference fitted inside it, times factor (the
 * person's choice, 1 by default), but no larger than leaves the smallest picture's room, and
 * between VV_AUTO_SCALE_MIN and VV_AUTO_SCALE_MAX. */
double vv_auto_scale(int width, int height, double factor);
VvStyle vv_style(double scale);
/* A design length (at scale 1) in pixels at the style's scale, at least 1. */
int vv_px(const VvStyle *style, double design);
/* The width of text in DejaVu Sans at px pixels, estimated from its advance widths (UTF-8; a
 * character outside ASCII counts as an average one). */
double vv_text_width_estimate(double px, const char *text);

#endif /* VS_GUI_STYLE_H */
