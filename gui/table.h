/*
 * table.h - tables read from a scene: the summary `show summary` prints (regions and bytes by
 * state, committed bytes by protection), and the place for more (VMMap's summary by type and its
 * detail list). The window draws them in a panel (paint_table.c), the lesson page as HTML.
 */
#ifndef VS_GUI_TABLE_H
#define VS_GUI_TABLE_H

#include "scene.h"

typedef struct VvTable {
    char *title;
    guint columns;
    char **headers;    /* columns of them */
    gboolean *numeric; /* per column: right-aligned */
    GPtrArray *rows;   /* char ** of columns cells each */
} VvTable;

VvTable *vv_table_new(const char *title, guint columns, const char *const *headers,
                      const gboolean *numeric);
/* Adds a row of the table's columns cells (copied). */
void vv_table_add_row(VvTable *table, const char *const *cells);
void vv_table_free(VvTable *table);

/* The tables of the scene's current process, in the order they are shown (a GPtrArray of
 * VvTable that frees them). */
GPtrArray *vv_scene_tables(const VvScene *scene);

#endif /* VS_GUI_TABLE_H */
