/* Vector tiles made by PostGIS (ST_AsMVTGeom clips to the tile with a buffer, snaps to the
 * 4096 grid and keeps polygons valid with the winding MVT 2.1 requires; ST_AsMVT encodes),
 * from geometry simplified for the zoom in its own CRS before the reprojection. A tile of
 * several datasets is the concatenation of their layers: MVT layers are independent
 * protobuf messages, so concatenated layers make one valid tile. */
#include "tile_encoder.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json_writer.h"
#include "parse.h"
#include "tile_math.h"

enum { MVT_EXTENT = 4096, MVT_BUFFER = 64 };


/* The columns of a dataset that the connection's role may read, closed ones (for staff) last;
 * the server also prepares it on its pooled connections (server/routes.c). */
#define TILE_COLUMNS_SQL                                                                                          \
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), n.nspname = 'closed'"                                 \
    " FROM pg_attribute a JOIN pg_class k ON k.oid = a.attrelid JOIN pg_namespace n ON n.oid = k.relnamespace"      \
    " WHERE k.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT IN ('id', 'geom')"             \
    " AND (n.nspname = 'data' OR (n.nspname = 'closed' AND $2::boolean))"                                          \
    " AND has_table_privilege(k.oid, 'SELECT')"                                                                    \
    " ORDER BY n.nspname = 'closed', a.attnum"

const char tile_columns_sql[] = TILE_COLUMNS_SQL;

/* The largest tile the server sends: JUMEAU_TILE_MAX_BYTES, default 500 KB. The size is
 * counted before compression, so the compressed tile is smaller still. */
size_t tile_max_bytes(void)
{
    const char *v = getenv("JUMEAU_TILE_MAX_BYTES");
    long bytes;
    return v && parse_long(v, 1024, 1L << 30, &bytes) ? (size_t)bytes : 500 * 1000;
}

enum jm_status tile_select_list(PGconn *conn, bool prepared, const char *name, bool internal, struct buf *out,
                                bool *closed, struct err *e)
{
    const char *params[] = {name, internal ? "t" : "f"};
    PGresult *cols = prepared ? db_query_prepared(conn, "columns", 2, params, e)
                              : db_query(conn, TILE_COLUMNS_SQL, 2, params, e);
    if (!cols)
        return e->code;
    /* closed ones (staff only) come from closed.<name>, joined as k */
    *closed = false;
    for (int i = 0; i < PQntuples(cols); i++) {
        bool is_closed = strcmp(PQgetvalue(cols, i, 2), "t") == 0;
        buf_puts(out, is_closed ? ", k." : ", t.");
        db_quote_ident(out, PQgetvalue(cols, i, 0));
        *closed = *closed || is_closed;
    }
    PQclear(cols);
    return out->overflow ? err_set(e, JM_EINTERNAL, "too many columns") : JM_OK;
}

/* Appends the MVT layer of one dataset for tile z/x/y to `tile`, leaving out features smaller
 * than `min_size` (square metres for areas, metres for lines; 0 keeps everything). */
static enum jm_status encode_layer(PGconn *conn, bool prepared, const struct tile_layer *l, bool internal, int z,
                                   long x, long y, double min_size, struct buf *tile, struct err *e)
{
    /* the attributes the caller may see: from the registry cache, else asked now */
    struct buf list;
    buf_init(&list, 1 << 16);
    bool closed = l->has_closed;
    enum jm_status lrc = JM_OK;
    if (l->select_list)
        buf_puts(&list, l->select_list);
    else
        lrc = tile_select_list(conn, prepared, l->name, internal, &list, &closed, e);
    if (lrc) {
        buf_cleanup(&list);
        return lrc;
    }
    struct buf sql;
    buf_init(&sql, 1 << 18);
    /* a pixel of this zoom in metres, halved: simplification below what the tile can show */
    double tolerance = 0.5 * 2 * TILE_MERCATOR_HALF / (ldexp(1.0, z) * MVT_EXTENT);
    char tol[32];
    jw_format_double(tolerance, tol);
    buf_printf(&sql,
               "WITH env AS (SELECT ST_TileEnvelope($1::int, $2::int, $3::int) AS tile,"
               " ST_Transform(ST_Segmentize(ST_TileEnvelope($1::int, $2::int, $3::int, margin => %g), %s * 64),"
               " %d) AS search)"
               " SELECT ST_AsMVT(q, $4::text, %d, 'geom', 'id') FROM (SELECT t.id, ST_AsMVTGeom(ST_Transform("
               "ST_SimplifyPreserveTopology(t.geom, %s), 3857), env.tile, %d, %d, true) AS geom",
               (double)MVT_BUFFER / MVT_EXTENT, tol, l->srid, MVT_EXTENT, tol, MVT_EXTENT, MVT_BUFFER);
    buf_puts(&sql, buf_str(&list));
    buf_cleanup(&list);
    buf_puts(&sql, " FROM env, data.");
    db_quote_ident(&sql, l->name);
    buf_puts(&sql, " t");
    if (closed) {
        buf_puts(&sql, " LEFT JOIN closed.");
        db_quote_ident(&sql, l->name);
        buf_puts(&sql, " k ON k.id = t.id");
    }
    buf_puts(&sql, " WHERE t.geom && env.search");
    if (min_size > 0) {
        char size[32];
        jw_format_double(min_size, size);
        buf_printf(&sql, " AND %s(t.geom) >= %s", strcmp(l->kind, "network") == 0 ? "ST_Length" : "ST_Area", size);
    }
    buf_puts(&sql, ") q WHERE q.geom IS NOT NULL");
    char zs[8], xs[24], ys[24];
    snprintf(zs, sizeof zs, "%d", z);
    snprintf(xs, sizeof xs, "%ld", x);
    snprintf(ys, sizeof ys, "%ld", y);
    const char *params[] = {zs, xs, ys, l->name};
    enum jm_status rc = JM_OK;
    if (sql.overflow) {
        rc = err_set(e, JM_EINTERNAL, "tile query too long");
    } else {
        /* binary result: the tile's bytes as they are */
        PGresult *r = PQexecParams(conn, buf_str(&sql), 4, NULL, params, NULL, NULL, 1);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            PQclear(r);
            r = db_query(conn, buf_str(&sql), 4, params, e); /* again, for the classified error */
            PQclear(r);
            rc = e->code ? e->code : err_set(e, JM_EINTERNAL, "tile query failed");
        } else {
            if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
                buf_append(tile, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
            PQclear(r);
        }
    }
    buf_cleanup(&sql);
    return rc;
}

int tile_default_minzoom(const char *kind)
{
    static const struct {
        const char *kind;
        int minzoom;
    } zooms[] = {{"network", 10}, {"buildings", 13}, {"cadastre", 14}, {"citygml", 13}, {"cityjson", 13}, {"ifc", 15}};
    for (size_t k = 0; k < sizeof zooms / sizeof zooms[0]; k++)
        if (strcmp(zooms[k].kind, kind) == 0)
            return zooms[k].minzoom;
    return 12;
}

bool tile_layer_read(struct tile_layer *l, const PGresult *r, int row, struct arena *arena)
{
    memset(l, 0, sizeof *l);
    l->name = arena_strdup(arena, PQgetvalue(r, row, 0));
    l->title = arena_strdup(arena, PQgetvalue(r, row, 1));
    l->kind = arena_strdup(arena, PQgetvalue(r, row, 2));
    l->licence = arena_strdup(arena, PQgetvalue(r, row, 3));
    if (!l->name || !l->title || !l->kind || !l->licence)
        return false;
    l->srid = (int)strtol(PQgetvalue(r, row, 4), NULL, 10);
    long v;
    l->minzoom = !PQgetisnull(r, row, 5) && parse_long(PQgetvalue(r, row, 5), 0, 24, &v) ? (int)v
                                                                                     : tile_default_minzoom(l->kind);
    l->maxzoom = !PQgetisnull(r, row, 6) && parse_long(PQgetvalue(r, row, 6), 0, 24, &v) ? (int)v : TILE_DEFAULT_MAXZOOM;
    l->has_bbox = !PQgetisnull(r, row, 7);
    for (int k = 0; l->has_bbox && k < 4; k++)
        parse_double(PQgetvalue(r, row, 7 + k), &l->bbox[k]);
    l->version = (int)strtol(PQgetvalue(r, row, 11), NULL, 10);
    return true;
}

enum jm_status tile_encode(PGconn *conn, bool prepared, const struct tile_layer *layers, int n, bool internal, int z,
                           long x, long y, size_t cap, struct buf *tile, struct err *e)
{
    /* Over the size cap, the smallest features go: areas (or lengths) below a pixel at this
     * zoom, then 4, 16 … pixels, until the tile fits (docs/tiles.md). */
    double pixel = 2 * TILE_MERCATOR_HALF / (ldexp(1.0, z) * MVT_EXTENT);
    enum jm_status rc = JM_OK;
    for (int attempt = 0; attempt < 12; attempt++) {
        double min_size = attempt == 0 ? 0 : pixel * pixel * ldexp(1.0, 2 * (attempt - 1));
        buf_reset(tile);
        for (int i = 0; i < n && !rc; i++)
            if (z >= layers[i].minzoom && z <= layers[i].maxzoom)
                rc = encode_layer(conn, prepared, &layers[i], internal, z, x, y, min_size, tile, e);
        if (rc || tile->len <= cap)
            break;
    }
    return rc;
}
