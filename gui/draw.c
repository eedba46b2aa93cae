/*
 * draw.c - the SDL canvas (draw.h): rectangles, lines, hatching and text on an SDL renderer.
 *
 * Text is rendered by SDL_ttf in DejaVu Sans, blended, and each line's texture is kept (by font,
 * color and text) for the next frames: a window redraws the same words many times a second, and
 * rendering them again would cost most of a frame. Lines wider than a pixel are quads
 * (SDL_RenderGeometry). Clipping is the renderer's clip rectangle.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <SDL_image.h>

#include "draw.h"

#define FONT_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" /* fonts-dejavu-core */
#define TEXT_CACHE_MAX 2048 /* textures kept; past that the cache starts again */

typedef struct CachedText {
    SDL_Texture *texture;
    int w, h;
} CachedText;

typedef struct SdlCanvas {
    VvCanvas base; /* first: a VvCanvas * is a SdlCanvas * */
    SDL_Renderer *renderer;
    const char *font_path;
    TTF_Font *fonts[VV_FONT_COUNT];
    int font_px[VV_FONT_COUNT];
    GHashTable *texts;  /* "font color text" -> CachedText */
    GHashTable *widths; /* "font text" -> its width + 1 */
    bool clipped;
    SDL_Rect clip;
} SdlCanvas;

static SdlCanvas *sdl(VvCanvas *canvas) { return (SdlCanvas *)canvas; }

static void set_color(SDL_Renderer *r, VvColor c)
{
    SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
}

static void sdl_fill(VvCanvas *canvas, VvRect rect, VvColor color)
{
    set_color(sdl(canvas)->renderer, color);
    SDL_RenderFillRect(sdl(canvas)->renderer, &(SDL_Rect){rect.x, rect.y, rect.w, rect.h});
}

static void sdl_line(VvCanvas *canvas, double x0, double y0, double x1, double y1, double width,
                     VvColor color)
{
    SDL_Renderer *r = sdl(canvas)->renderer;
    if (width <= 1.0) {
        set_color(r, color);
        SDL_RenderDrawLineF(r, (float)x0, (float)y0, (float)x1, (float)y1);
        return;
    }
    /* A quad: the line moved half its width either side, across its direction. */
    double dx = x1 - x0, dy = y1 - y0, length = hypot(dx, dy);
    if (length == 0)
        return;
    float nx = (float)(-dy / length * width / 2), ny = (float)(dx / length * width / 2);
    SDL_Color c = {color.r, color.g, color.b, color.a};
    SDL_Vertex v[4] = {
        {{(float)x0 + nx, (float)y0 + ny}, c, {0, 0}},
        {{(float)x1 + nx, (float)y1 + ny}, c, {0, 0}},
        {{(float)x1 - nx, (float)y1 - ny}, c, {0, 0}},
        {{(float)x0 - nx, (float)y0 - ny}, c, {0, 0}},
    };
    int indices[6] = {0, 1, 2, 0, 2, 3};
    SDL_RenderGeometry(r, NULL, v, 4, indices, 6);
}

static void sdl_clip(VvCanvas *canvas, const VvRect *rect)
{
    SdlCanvas *c = sdl(canvas);
    c->clipped = rect != NULL;
    if (rect)
        c->clip = (SDL_Rect){rect->x, rect->y, MAX(rect->w, 0), MAX(rect->h, 0)};
    SDL_RenderSetClipRect(c->renderer, rect ? &c->clip : NULL);
}

static void sdl_hatch(VvCanvas *canvas, VvRect rect, int step, VvColor color)
{
    SdlCanvas *c = sdl(canvas);
    SDL_Rect area = {rect.x, rect.y, rect.w, rect.h};
    if (c->clipped && !SDL_IntersectRect(&area, &c->clip, &area))
        return;
    SDL_RenderSetClipRect(c->renderer, &area);
    set_color(c->renderer, color);
    for (int d = -rect.h; d < rect.w; d += step)
        SDL_RenderDrawLine(c->renderer, rect.x + d, rect.y + rect.h, rect.x + d + rect.h, rect.y);
    SDL_RenderSetClipRect(c->renderer, c->clipped ? &c->clip : NULL);
}

/* A text's width, measured once (narration is measured word by word in every frame). */
static int sdl_text_width(VvCanvas *canvas, VvFont font, const char *text)
{
    SdlCanvas *c = sdl(canvas);
    if (!c->fonts[font] || !text || !*text)
        return 0;
    char *key = g_strdup_printf("%d %s", (int)font, text);
    gpointer known = g_hash_table_lookup(c->widths, key);
    if (known) {
        g_free(key);
        return GPOINTER_TO_INT(known) - 1;
    }
    int w = 0;
    TTF_SizeUTF8(c->fonts[font], text, &w, NULL);
    if (g_hash_table_size(c->widths) >= 16 * TEXT_CACHE_MAX)
        g_hash_table_remove_all(c->widths);
    g_hash_table_insert(c->widths, key, GINT_TO_POINTER(w + 1));
    return w;
}

static void free_cached(gpointer data)
{
    CachedText *cached = data;
    if (cached->texture)
        SDL_DestroyTexture(cached->texture);
    g_free(cached);
}

/* The texture of a line of text, rendered once. */
static CachedText *text_texture(SdlCanvas *c, VvFont font, VvColor color, const char *text)
{
    char *key = g_strdup_printf("%d %02x%02x%02x%02x %s", (int)font, color.r, color.g, color.b,
                                color.a, text);
    CachedText *cached = g_hash_table_lookup(c->texts, key);
    if (cached) {
        g_free(key);
        return cached;
    }
    if (g_hash_table_size(c->texts) >= TEXT_CACHE_MAX)
        g_hash_table_remove_all(c->texts);
    cached = g_new0(CachedText, 1);
    SDL_Surface *surface = TTF_RenderUTF8_Blended(c->fonts[font], text,
                                                  (SDL_Color){color.r, color.g, color.b, color.a});
    if (surface) {
        cached->texture = SDL_CreateTextureFromSurface(c->renderer, surface);
        cached->w = surface->w, cached->h = surface->h;
        SDL_FreeSurface(surface);
    }
    g_hash_table_insert(c->texts, key, cached);
    return cached;
}

static void sdl_text(VvCanvas *canvas, VvFont font, int x, int y, VvColor color, const char *text)
{
    SdlCanvas *c = sdl(canvas);
    if (!text || !*text || !c->fonts[font])
        return;
    CachedText *t = text_texture(c, font, color, text);
    /* The line box is the style's line height; the font's own height sits in its middle. */
    int top = y + (canvas->style.line[font] - t->h) / 2;
    if (t->texture)
        SDL_RenderCopy(c->renderer, t->texture, NULL, &(SDL_Rect){x, top, t->w, t->h});
}

static const VvCanvasOps sdl_ops = {
    .fill = sdl_fill,
    .line = sdl_line,
    .hatch = sdl_hatch,
    .clip = sdl_clip,
    .text_width = sdl_text_width,
    .text = sdl_text,
    .tip = NULL,
};

static void close_fonts(SdlCanvas *c)
{
    for (int f = 0; f < VV_FONT_COUNT; f++) {
        if (c->fonts[f])
            TTF_CloseFont(c->fonts[f]);
        c->fonts[f] = NULL, c->font_px[f] = 0;
    }
    g_hash_table_remove_all(c->texts);
    g_hash_table_remove_all(c->widths);
}

bool vv_sdl_canvas_set_style(VvCanvas *canvas, const VvStyle *style, char *error, size_t error_len)
{
    SdlCanvas *c = sdl(canvas);
    canvas->style = *style;
    for (int f = 0; f < VV_FONT_COUNT; f++) {
        if (c->fonts[f] && c->font_px[f] == style->font_px[f])
            continue;
        if (c->fonts[f])
            TTF_CloseFont(c->fonts[f]);
        g_hash_table_remove_all(c->texts);
        g_hash_table_remove_all(c->widths);
        c->fonts[f] = TTF_OpenFont(c->font_path, style->font_px[f]);
        c->font_px[f] = style->font_px[f];
        if (!c->fonts[f]) {
            snprintf(error, error_len,
                     "cannot open the font %s (%s): install fonts-dejavu-core or set VADSIM_FONT "
                     "to a .ttf file",
                     c->font_path, TTF_GetError());
            close_fonts(c);
            return false;
        }
    }
    return true;
}

VvCanvas *vv_sdl_canvas_new(SDL_Renderer *renderer, char *error, size_t error_len)
{
    SdlCanvas *c = g_new0(SdlCanvas, 1);
    c->base.ops = &sdl_ops;
    c->renderer = renderer;
    const char *path = getenv("VADSIM_FONT");
    c->font_path = path && *path ? path : FONT_PATH;
    c->texts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_cached);
    c->widths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    VvStyle style = vv_style(1.0);
    if (!vv_sdl_canvas_set_style(&c->base, &style, error, error_len)) {
        vv_sdl_canvas_free(&c->base);
        return NULL;
    }
    return &c->base;
}

void vv_sdl_canvas_free(VvCanvas *canvas)
{
    if (!canvas)
        return;
    SdlCanvas *c = sdl(canvas);
    close_fonts(c);
    g_hash_table_destroy(c->texts);
    g_hash_table_destroy(c->widths);
    g_free(c);
}

SDL_Surface *vv_app_render(VvApp *app, int width, int height, char *error, size_t error_len)
{
    SDL_Surface *surface =
        SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *renderer = surface ? SDL_CreateSoftwareRenderer(surface) : NULL;
    VvCanvas *canvas = renderer ? vv_sdl_canvas_new(renderer, error, error_len) : NULL;
    if (!renderer)
        snprintf(error, error_len, "cannot make a %dx%d picture: %s", width, height,
                 SDL_GetError());
    VvStyle style = vv_view_style(&app->view, width, height);
    if (canvas && vv_sdl_canvas_set_style(canvas, &style, error, error_len)) {
        vv_paint(canvas, app->scene, &app->view, width, height, true);
        SDL_RenderPresent(renderer);
        vv_sdl_canvas_free(canvas);
        SDL_DestroyRenderer(renderer);
        return surface;
    }
    vv_sdl_canvas_free(canvas);
    if (renderer)
        SDL_DestroyRenderer(renderer);
    if (surface)
        SDL_FreeSurface(surface);
    return NULL;
}

bool vv_app_save_png(VvApp *app, int width, int height, const char *path, char *error,
                     size_t error_len)
{
    SDL_Surface *surface = vv_app_render(app, width, height, error, error_len);
    if (!surface)
        return false;
    bool ok = IMG_SavePNG(surface, path) == 0;
    if (!ok)
        snprintf(error, error_len, "cannot write %s: %s", path, IMG_GetError());
    SDL_FreeSurface(surface);
    return ok;
}
