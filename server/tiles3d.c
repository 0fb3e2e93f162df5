/* tiles3d: 3D Tiles from PostGIS. See tiles3d.h. */
#include "tiles3d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "geodesy.h"
#include "geoid.h"
#include "mesh.h"
#include "tile_math.h"

/* The cell of an object: the centre of its bounding box in EPSG:3857, then its column and
 * row at a zoom. The same text serves the summaries and the contents, so that both put an
 * object in the same cell to the last bit (a power-of-two zoom scales exactly). */
#define CENTRE_3857                                                                                                    \
    "ST_Transform(ST_SetSRID(ST_MakePoint((ST_XMin(t.geom) + ST_XMax(t.geom)) / 2,"                                    \
    " (ST_YMin(t.geom) + ST_YMax(t.geom)) / 2), ST_SRID(t.geom)), 3857)"
#define COLUMN_AT(z) "floor((ST_X(k0.c) + 20037508.342789244) * (2.0::float8 ^ " z ") / 40075016.685578488)::bigint"
#define ROW_AT(z) "floor((20037508.342789244 - ST_Y(k0.c)) * (2.0::float8 ^ " z ") / 40075016.685578488)::bigint"
/* Index filter: the cell (a margin of 2%, densified so that its reprojection stays true). */
#define CELL_FILTER(z, x, y, seg, srid)                                                                                \
    "t.geom && ST_Transform(ST_Segmentize(ST_TileEnvelope(" z "::int, " x "::int, " y "::int, margin => 0.02), " seg   \
    "::float8), " srid "::int)"

bool tiles3d_capable(const char *kind)
{
    return kind && (strcmp(kind, "buildings") == 0 || strcmp(kind, "citygml") == 0 || strcmp(kind, "cityjson") == 0);
}

/* City models (CityGML, CityJSON) have a companion table of 3D surfaces. */
static bool is_city_model(const struct tile_layer *l)
{
    return strcmp(l->kind, "citygml") == 0 || strcmp(l->kind, "cityjson") == 0;
}

/* ---- the columns a dataset has -------------------------------------------------------- */

/* The optional attributes of buildings that tiles carry; absent ones (e.g. moved to the
 * closed schema) are written as NULL. */
struct columns {
    bool height, base, storeys, use, year;
    bool surfaces; /* a city model: data.<name>_surfaces, objects with lod and parent_id */
};

static enum jm_status read_columns(PGconn *conn, const struct tile_layer *l, struct columns *c, struct err *e)
{
    memset(c, 0, sizeof *c);
    if (!tiles3d_capable(l->kind))
        return err_set(e, JM_ENOTFOUND, "'%s' has no 3D content (a %s dataset)", l->name, l->kind);
    const char *params[] = {l->name};
    PGresult *r = db_query(conn,
                           "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(quote_ident('data') || '.'"
                           " || quote_ident($1)) AND attnum > 0 AND NOT attisdropped",
                           1, params, e);
    if (!r)
        return e->code;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *n = PQgetvalue(r, i, 0);
        c->height |= strcmp(n, "height") == 0;
        c->base |= strcmp(n, "base_elevation") == 0;
        c->storeys |= strcmp(n, "storeys") == 0;
        c->use |= strcmp(n, "use") == 0;
        c->year |= strcmp(n, "year_built") == 0;
    }
    PQclear(r);
    if (!c->height)
        return err_set(e, JM_ENOTFOUND, "'%s' has no 3D content (no height)", l->name);
    c->surfaces = is_city_model(l);
    return JM_OK;
}

/* Appends data."<name><suffix>". */
static void table_name(struct buf *sql, const struct tile_layer *l, const char *suffix)
{
    char name[160];
    snprintf(name, sizeof name, "%s%s", l->name, suffix);
    db_quote_ident(sql, "data");
    buf_putc(sql, '.');
    db_quote_ident(sql, name);
}

/* The points of an object, for the byte estimate (TILESET3D_BYTES_PER_POINT per footprint
 * point of an extruded block): a city model's surfaces weigh about a quarter of that per point
 * (one vertex each, no walls to add). The summaries and the contents use the same figure. */
static void points_of(struct buf *sql, const struct tile_layer *l, const struct columns *c)
{
    if (!c->surfaces) {
        buf_puts(sql, "ST_NPoints(t.geom)");
        return;
    }
    buf_puts(sql, "coalesce((SELECT sum(ST_NPoints(s.geom)) FROM ");
    table_name(sql, l, "_surfaces");
    buf_puts(sql, " s WHERE s.object_id = t.id) / 4, ST_NPoints(t.geom))::bigint");
}

/* Which objects a tile shows: buildings with a height; for a city model, objects with
 * surfaces or a height, but not a container whose parts carry its geometry. */
static void shown_objects(struct buf *sql, const struct tile_layer *l, const struct columns *c)
{
    if (!c->surfaces) {
        buf_puts(sql, "t.height > 0");
        return;
    }
    buf_puts(sql, "(t.lod IS NOT NULL OR (t.height > 0 AND NOT EXISTS (SELECT 1 FROM ");
    table_name(sql, l, "");
    buf_puts(sql, " p WHERE p.parent_id = t.id)))");
}

/* The text parameters of CELL_FILTER for cell z/x/y of `l`: the zoom, the column, the row, the
 * densifying step (an eighth of the cell) and the storage SRID. */
struct cell_params {
    char z[16], x[24], y[24], seg[32], srid[16];
};

static void cell_params(struct cell_params *p, const struct tile_layer *l, int z, int64_t x, int64_t y)
{
    snprintf(p->z, sizeof p->z, "%d", z);
    snprintf(p->x, sizeof p->x, "%lld", (long long)x);
    snprintf(p->y, sizeof p->y, "%lld", (long long)y);
    snprintf(p->seg, sizeof p->seg, "%.17g", 2 * TILE_MERCATOR_HALF / ldexp(1.0, z < 0 ? 0 : z) / 8);
    snprintf(p->srid, sizeof p->srid, "%d", l->srid);
}

/* ---- summaries --------------------------------------------------------------------------- */

/* The summaries of the objects of cell z/x/y (z < 0: the whole dataset) per sub-cell of
 * zoom `deep`, with heights made ellipsoidal. The caller frees *bins. */
static enum jm_status read_bins(PGconn *conn, const struct tile_layer *l, const struct columns *c, int z, int64_t x,
                                int64_t y, int deep, struct tileset3d_bin **bins, int *n, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 1 << 14);
    buf_puts(&sql, "SELECT k.col, k.row, count(*), sum(");
    points_of(&sql, l, c);
    buf_puts(&sql, "), min(ST_XMin(k.g)), min(ST_YMin(k.g)), max(ST_XMax(k.g)), max(ST_YMax(k.g)), ");
    if (c->base)
        buf_puts(&sql, "min(t.base_elevation), max(t.base_elevation + t.height),"
                       " bool_or(t.base_elevation IS NULL), max(CASE WHEN t.base_elevation IS NULL THEN t.height END)");
    else
        buf_puts(&sql, "NULL, NULL, true, max(t.height)");
    buf_puts(&sql, " FROM ");
    table_name(&sql, l, "");
    buf_puts(&sql, " t CROSS JOIN LATERAL (SELECT " CENTRE_3857 " AS c) k0 CROSS JOIN LATERAL (SELECT ");
    buf_puts(&sql, COLUMN_AT("$1") " AS col, " ROW_AT("$1") " AS row, ST_Transform(");
    if (c->surfaces) { /* roofs may overhang the footprint: the surfaces' extent counts */
        buf_puts(&sql, "ST_Envelope(ST_Collect(t.geom, (SELECT ST_SetSRID(ST_Extent(s.geom)::geometry, ST_SRID(t.geom))"
                       " FROM ");
        table_name(&sql, l, "_surfaces");
        buf_puts(&sql, " s WHERE s.object_id = t.id)))");
    } else {
        buf_puts(&sql, "ST_Envelope(t.geom)");
    }
    buf_puts(&sql, ", 4326) AS g) k WHERE ");
    shown_objects(&sql, l, c);
    char sdeep[16];
    snprintf(sdeep, sizeof sdeep, "%d", deep);
    struct cell_params cp;
    cell_params(&cp, l, z, x, y);
    const char *params[] = {sdeep, cp.z, cp.x, cp.y, cp.seg, cp.srid};
    int nparams = 1;
    if (z >= 0) {
        buf_puts(&sql, " AND " CELL_FILTER("$2", "$3", "$4", "$5", "$6") " AND (k.col >> ($1::int - $2::int)) = $3"
                                                                         " AND (k.row >> ($1::int - $2::int)) = $4");
        nparams = 6;
    }
    buf_puts(&sql, " GROUP BY 1, 2");
    PGresult *r = sql.overflow ? NULL : db_query(conn, buf_str(&sql), nparams, params, e);
    buf_cleanup(&sql);
    if (!r)
        return e->code ? e->code : err_set(e, JM_EINTERNAL, "summary query too long");
    *n = PQntuples(r);
    *bins = calloc((size_t)*n + 1, sizeof **bins);
    if (!*bins) {
        PQclear(r);
        return err_set(e, JM_EINTERNAL, "out of memory");
    }
    for (int i = 0; i < *n; i++) {
        struct tileset3d_bin *b = &(*bins)[i];
        b->x = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        b->y = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        b->count = strtol(PQgetvalue(r, i, 2), NULL, 10);
        b->points = strtol(PQgetvalue(r, i, 3), NULL, 10);
        b->west = strtod(PQgetvalue(r, i, 4), NULL), b->south = strtod(PQgetvalue(r, i, 5), NULL);
        b->east = strtod(PQgetvalue(r, i, 6), NULL), b->north = strtod(PQgetvalue(r, i, 7), NULL);
        b->hmin = INFINITY, b->hmax = -INFINITY;
        if (!PQgetisnull(r, i, 8)) {
            /* orthometric: add the geoid's range over the cell, with a metre for its curvature */
            double nmin = INFINITY, nmax = -INFINITY;
            for (int s = 0; s < 9; s++) {
                double lon = b->west + (b->east - b->west) * (s % 3) / 2,
                       lat = b->south + (b->north - b->south) * (s / 3) / 2;
                double u = geoid_undulation(lon, lat);
                nmin = fmin(nmin, u), nmax = fmax(nmax, u);
            }
            double margin = geoid_available() ? 1.0 : 0.0;
            b->hmin = strtod(PQgetvalue(r, i, 8), NULL) + nmin - margin;
            b->hmax = strtod(PQgetvalue(r, i, 9), NULL) + nmax + margin;
        }
        if (strcmp(PQgetvalue(r, i, 10), "t") == 0) { /* standing on the ellipsoid */
            b->hmin = fmin(b->hmin, 0);
            b->hmax = fmax(b->hmax, strtod(PQgetvalue(r, i, 11), NULL));
        }
    }
    PQclear(r);
    return JM_OK;
}

/* The dataset root's top zoom, from its extent in the registry. */
static int top_zoom(const struct tile_layer *l)
{
    if (!l->has_bbox)
        return 0;
    return tileset3d_top_zoom(l->bbox[0], l->bbox[1], l->bbox[2], l->bbox[3]);
}

enum jm_status tiles3d_tileset(PGconn *conn, const struct tile_layer *l, int z, int64_t x, int64_t y, struct buf *json,
                               struct buf *refs, struct err *e)
{
    struct columns c;
    enum jm_status rc = read_columns(conn, l, &c, e);
    if (rc)
        return rc;
    if (z > TILESET3D_MAX_ZOOM || (z >= 0 && !tile_valid(z, x, y)))
        return err_set(e, JM_ENOTFOUND, "no 3D tile %d/%lld/%lld", z, (long long)x, (long long)y);
    int top = top_zoom(l), deep = (z < 0 ? top : z) + TILESET3D_LEVELS_PER_FILE;
    struct tileset3d_bin *bins = NULL;
    int n = 0;
    if ((rc = read_bins(conn, l, &c, z, x, y, deep, &bins, &n, e)))
        return rc;
    struct tileset3d_caps caps = tileset3d_caps_default();
    struct tileset3d_dataset ds = {l->name, l->title, l->licence};
    buf_reset(json);
    rc = tileset3d_write(&ds, &caps, z, x, y, top, bins, n, z < 0 ? "" : "../../../", json, refs, e);
    free(bins);
    return rc;
}

enum jm_status tiles3d_root(PGconn *conn, const struct tile_layer *l, double region[6], double *error, struct err *e)
{
    struct columns c;
    enum jm_status rc = read_columns(conn, l, &c, e);
    if (rc)
        return rc;
    int top = top_zoom(l);
    struct tileset3d_bin *bins = NULL;
    int n = 0;
    if ((rc = read_bins(conn, l, &c, -1, 0, 0, top + TILESET3D_LEVELS_PER_FILE, &bins, &n, e)))
        return rc;
    if (n == 0)
        rc = err_set(e, JM_ENOTFOUND, "'%s' has no 3D object", l->name);
    else
        tileset3d_root_summary(bins, n, top, region, error);
    free(bins);
    return rc;
}

/* ---- contents ------------------------------------------------------------------------------ */

/* A little-endian or big-endian WKB reader over PostGIS's output (2D polygons). */
struct wkb {
    const unsigned char *p, *end;
    bool big;
    bool bad;
};

static uint32_t wkb_u32(struct wkb *w)
{
    if (w->end - w->p < 4) {
        w->bad = true;
        return 0;
    }
    const unsigned char *b = w->p;
    w->p += 4;
    return w->big ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
                  : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static double wkb_double(struct wkb *w)
{
    if (w->end - w->p < 8) {
        w->bad = true;
        return 0;
    }
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = w->big ? w->p[7 - i] : w->p[i];
    w->p += 8;
    double d;
    memcpy(&d, b, sizeof d);
    return d;
}

/* Scratch for one footprint: its points and ring sizes. */
struct footprint {
    double *lonlat;
    int *rings;
    size_t npoints, cap_points;
    int nrings, cap_rings;
};

static bool footprint_reserve(struct footprint *f, size_t points, int rings)
{
    if (points > f->cap_points) {
        double *p = realloc(f->lonlat, points * 2 * sizeof *p);
        if (!p)
            return false;
        f->lonlat = p, f->cap_points = points;
    }
    if (rings > f->cap_rings) {
        int *r = realloc(f->rings, (size_t)rings * sizeof *r);
        if (!r)
            return false;
        f->rings = r, f->cap_rings = rings;
    }
    return true;
}

/* Reads one polygon (after its type) into f; false when the WKB is malformed. */
static bool wkb_polygon(struct wkb *w, struct footprint *f)
{
    uint32_t nrings = wkb_u32(w);
    if (w->bad || nrings > (uint32_t)(w->end - w->p) / 4)
        return false;
    f->npoints = 0, f->nrings = 0;
    if (!footprint_reserve(f, 0, (int)nrings + 1))
        return false;
    for (uint32_t r = 0; r < nrings; r++) {
        uint32_t n = wkb_u32(w);
        if (w->bad || n > (uint32_t)(w->end - w->p) / 16 || !footprint_reserve(f, f->npoints + n, (int)nrings + 1))
            return false;
        for (uint32_t i = 0; i < n; i++) {
            f->lonlat[2 * (f->npoints + i)] = wkb_double(w);
            f->lonlat[2 * (f->npoints + i) + 1] = wkb_double(w);
        }
        f->npoints += n;
        f->rings[f->nrings++] = (int)n;
    }
    return !w->bad;
}

/* One row's polygons, each handed to `fn`. */
static bool wkb_each_polygon(const unsigned char *data, size_t len, struct footprint *f,
                             bool (*fn)(struct footprint *f, void *arg), void *arg)
{
    struct wkb w = {data, data + len, false, false};
    if (len < 5)
        return false;
    w.big = *w.p++ == 0;
    uint32_t type = wkb_u32(&w);
    if (type == 3)
        return wkb_polygon(&w, f) && fn(f, arg);
    if (type != 6)
        return false;
    uint32_t parts = wkb_u32(&w);
    for (uint32_t i = 0; i < parts && !w.bad; i++) {
        if (w.p >= w.end)
            return false;
        w.big = *w.p++ == 0;
        if (wkb_u32(&w) != 3 || !wkb_polygon(&w, f) || !fn(f, arg))
            return false;
    }
    return !w.bad;
}

/* The columns of a content's property table, one entry per feature. */
struct features {
    int64_t *id;
    float *height;
    int32_t *storeys, *year;
    const char **use;
};

#define NO_DATA_INT (-2147483648.0)

struct extrude_arg {
    struct mesh *mesh;
    double height; /* above the base */
    double base;   /* orthometric base elevation, when has_base */
    bool has_base;
    bool placed; /* base made ellipsoidal (at the first part's first point) */
    uint32_t feature;
    bool added;
    struct err *e;
};

static bool extrude_part(struct footprint *f, void *arg)
{
    struct extrude_arg *a = arg;
    if (!a->placed) {
        a->base = a->has_base && f->npoints > 0 ? a->base + geoid_undulation(f->lonlat[0], f->lonlat[1]) : 0;
        a->placed = true;
    }
    struct geo_polygon g = {f->lonlat, f->rings, f->nrings};
    bool added = false;
    struct err pe;
    err_clear(&pe);
    enum jm_status rc = mesh_add_extrusion(a->mesh, &g, a->base, a->base + a->height, a->feature, &added, &pe);
    if (rc == JM_ELIMIT || rc == JM_EINTERNAL) {
        err_set(a->e, rc, "%s", pe.msg);
        return false;
    }
    a->added |= added; /* JM_EINPUT: this part cannot be triangulated; the others still can */
    return true;
}

/* The content query: the cell's objects, all of them for a leaf, else the most significant
 * within the caps (in points: the byte estimate), simplified to the cell's error. */
static void content_sql(struct buf *sql, const struct tile_layer *l, const struct columns *c)
{
    buf_printf(sql,
               "WITH c AS (SELECT t.id, t.height, %s AS storeys, %s AS base, %s AS use, %s AS year, t.geom,"
               " ST_Area(t.geom) * t.height AS sig, %s AS lod, %s AS top, ",
               c->storeys ? "t.storeys" : "NULL::int", c->base ? "t.base_elevation" : "NULL::float8",
               c->use ? "t.use" : "NULL::text", c->year ? "t.year_built" : "NULL::int",
               c->surfaces ? "t.lod" : "NULL::int", c->surfaces ? "t.parent_id IS NULL" : "true");
    points_of(sql, l, c);
    buf_puts(sql, " AS np FROM ");
    table_name(sql, l, "");
    buf_puts(sql, " t CROSS JOIN LATERAL (SELECT " CENTRE_3857 " AS c) k0 WHERE ");
    shown_objects(sql, l, c);
    buf_puts(
        sql,
        " AND " CELL_FILTER("$1", "$2", "$3", "$4", "$5") " AND " COLUMN_AT("$1") " = $2 AND " ROW_AT(
            "$1") " = $3),"
                  " r AS (SELECT c.*, row_number() OVER w AS rank, sum(np) OVER w - np AS before,"
                  " ($1::int >= $8::int OR (count(*) OVER () <= $6::bigint AND sum(np) OVER () <= $7::bigint)) AS leaf"
                  " FROM c WINDOW w AS (ORDER BY top DESC, sig DESC, id))"
                  " SELECT r.id, r.height, r.storeys, r.base, r.use, r.year, ST_AsBinary(ST_Force2D(ST_Transform("
                  "CASE WHEN r.leaf THEN r.geom ELSE ST_SimplifyPreserveTopology(r.geom, $9::float8) END, 4326))),"
                  " r.leaf, r.lod FROM r WHERE r.leaf OR (r.top AND r.height > 0 AND r.rank <= $6::bigint"
                  " AND r.before < $7::bigint) ORDER BY r.id");
}

/* The surfaces of the objects `ids` ({1,2,…}) at the level of detail a leaf shows: LoD2 (or
 * the best under it), else the lowest above it; ordered by object. */
static PGresult *read_surfaces(PGconn *conn, const struct tile_layer *l, const char *ids, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 4096);
    buf_puts(&sql, "SELECT s.object_id, ST_AsBinary(ST_Transform(s.geom, 4326)), s.semantic FROM ");
    table_name(&sql, l, "_surfaces");
    buf_puts(&sql, " s JOIN (SELECT object_id, coalesce(max(lod) FILTER (WHERE lod <= 2), min(lod)) AS lod FROM ");
    table_name(&sql, l, "_surfaces");
    buf_puts(&sql, " WHERE object_id = ANY($1::bigint[]) GROUP BY object_id) b ON b.object_id = s.object_id"
                   " AND b.lod = s.lod ORDER BY s.object_id, s.id");
    const char *params[] = {ids};
    PGresult *r = db_query(conn, buf_str(&sql), 1, params, e);
    buf_cleanup(&sql);
    return r;
}

static void cell_origin(int z, int64_t x, int64_t y, double origin[3])
{
    struct tile_bounds b = tile_bounds_3857(z, x, y);
    double mx = (b.minx + b.maxx) / 2, my = (b.miny + b.maxy) / 2;
    double lon = mx / TILE_MERCATOR_HALF * 180.0;
    double lat = atan(sinh(my / TILE_MERCATOR_HALF * M_PI)) * 180.0 / M_PI;
    geo_to_ecef(lon, lat, 0, origin);
}

/* ---- surfaces of city models ---------------------------------------------------------------- */

/* Scratch for one surface in ECEF. */
struct surface {
    double *xyz;
    int *rings;
    size_t cap_points;
    int cap_rings;
};

static bool surface_reserve(struct surface *s, size_t points, int rings)
{
    if (points > s->cap_points) {
        double *p = realloc(s->xyz, points * 3 * sizeof *p);
        if (!p)
            return false;
        s->xyz = p, s->cap_points = points;
    }
    if (rings > s->cap_rings) {
        int *r = realloc(s->rings, (size_t)rings * sizeof *r);
        if (!r)
            return false;
        s->rings = r, s->cap_rings = rings;
    }
    return true;
}

/* Reads a WKB PolygonZ (ISO 1003 or EWKB) of lon/lat/height into s as ECEF, heights raised by
 * `undulation`, closing points dropped; *nrings 0 when it is not one. */
static bool wkb_polygon_z(const unsigned char *data, size_t len, double undulation, struct surface *s, int *nrings)
{
    struct wkb w = {data, data + len, false, false};
    *nrings = 0;
    if (len < 9)
        return false;
    w.big = *w.p++ == 0;
    uint32_t type = wkb_u32(&w);
    if (type != 1003 && type != (0x80000000u | 3))
        return false;
    uint32_t nr = wkb_u32(&w);
    if (w.bad || nr == 0 || nr > (uint32_t)(w.end - w.p) / 4 || !surface_reserve(s, 0, (int)nr))
        return false;
    size_t points = 0;
    for (uint32_t r = 0; r < nr; r++) {
        uint32_t n = wkb_u32(&w);
        if (w.bad || n < 4 || n > (uint32_t)(w.end - w.p) / 24 || !surface_reserve(s, points + n, (int)nr))
            return false;
        for (uint32_t i = 0; i < n; i++) {
            double lon = wkb_double(&w), lat = wkb_double(&w), h = wkb_double(&w);
            if (i + 1 < n) /* the closing point repeats the first */
                geo_to_ecef(lon, lat, h + undulation, &s->xyz[3 * (points + i)]);
        }
        points += n - 1;
        s->rings[r] = (int)(n - 1);
    }
    *nrings = (int)nr;
    return !w.bad;
}

/* The geoid undulation at the first point of a WKB polygon of lon/lat. */
static double undulation_at(const unsigned char *data, size_t len)
{
    struct wkb w = {data, data + len, len > 0 && data[0] == 0, false};
    w.p = data + 1 + 4 + 4 + 4; /* order, type, rings, points */
    double lon = wkb_double(&w), lat = wkb_double(&w);
    return w.bad ? 0 : geoid_undulation(lon, lat);
}

/* Adds the surfaces of object `id` (rows *row… of `rs`, ordered by object) as `feature`. */
static enum jm_status add_surfaces(PGresult *rs, int *row, long long id, struct mesh *m, uint32_t feature,
                                   struct surface *scratch, bool *added, struct err *e)
{
    int n = PQntuples(rs);
    double undulation = 0;
    bool first = true;
    *added = false;
    for (; *row < n && strtoll(PQgetvalue(rs, *row, 0), NULL, 10) == id; (*row)++) {
        size_t len = 0;
        unsigned char *wkb = PQunescapeBytea((const unsigned char *)PQgetvalue(rs, *row, 1), &len);
        if (!wkb)
            return err_set(e, JM_EINTERNAL, "out of memory");
        if (first)
            undulation = undulation_at(wkb, len), first = false;
        int nrings = 0;
        bool ok = wkb_polygon_z(wkb, len, undulation, scratch, &nrings);
        PQfreemem(wkb);
        if (!ok)
            continue;
        bool one = false;
        struct err se;
        err_clear(&se);
        m->semantic = (float)mesh_semantic_from_name(PQgetisnull(rs, *row, 2) ? NULL : PQgetvalue(rs, *row, 2));
        enum jm_status rc = mesh_add_surface(m, scratch->xyz, scratch->rings, nrings, feature, &one, &se);
        if (rc == JM_ELIMIT || rc == JM_EINTERNAL)
            return err_set(e, rc, "%s", se.msg);
        *added |= one; /* a surface that cannot be triangulated is left out; the others stay */
    }
    return JM_OK;
}

/* The ids ({1,2,…}) of the rows whose objects have surfaces (a leaf of a city model). */
static char *surface_ids(PGresult *r)
{
    struct buf ids;
    buf_init(&ids, 0);
    buf_putc(&ids, '{');
    for (int i = 0; i < PQntuples(r); i++)
        if (!PQgetisnull(r, i, 8) && strcmp(PQgetvalue(r, i, 7), "t") == 0)
            buf_printf(&ids, "%s%s", ids.len > 1 ? "," : "", PQgetvalue(r, i, 0));
    buf_putc(&ids, '}');
    return ids.overflow ? (buf_cleanup(&ids), NULL) : buf_take(&ids, NULL);
}

/* ---- building the content ------------------------------------------------------------------ */

/* Fills the mesh and the property columns from the content query's rows `r`: objects with
 * surfaces in `rs` (may be NULL) from them, the others extruded from their footprints. */
static enum jm_status build_mesh(PGresult *r, PGresult *rs, struct mesh *m, struct features *f,
                                 struct tiles3d_stats *stats, struct err *e)
{
    int n = PQntuples(r), srow = 0;
    struct footprint fp = {0};
    struct surface scratch = {0};
    enum jm_status rc = JM_OK;
    uint32_t kept = 0;
    for (int i = 0; i < n && !rc; i++) {
        long long id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        double height = strtod(PQgetvalue(r, i, 1), NULL);
        bool added = false, ok = true;
        while (rs && srow < PQntuples(rs) && strtoll(PQgetvalue(rs, srow, 0), NULL, 10) < id)
            srow++;
        if (rs && srow < PQntuples(rs) && strtoll(PQgetvalue(rs, srow, 0), NULL, 10) == id) {
            rc = add_surfaces(rs, &srow, id, m, kept, &scratch, &added, e);
        } else if (height > 0) {
            size_t len = 0;
            unsigned char *wkb = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 6), &len);
            struct extrude_arg a = {m, height, 0, !PQgetisnull(r, i, 3), false, kept, false, e};
            if (a.has_base)
                a.base = strtod(PQgetvalue(r, i, 3), NULL);
            ok = wkb && wkb_each_polygon(wkb, len, &fp, extrude_part, &a);
            PQfreemem(wkb);
            added = a.added;
            if (e->code)
                rc = e->code;
        }
        if (rc)
            break;
        if (!ok || !added) {
            stats->skipped++;
            continue;
        }
        f->id[kept] = id;
        f->height[kept] = (float)height;
        f->storeys[kept] = PQgetisnull(r, i, 2) ? (int32_t)NO_DATA_INT : (int32_t)strtol(PQgetvalue(r, i, 2), NULL, 10);
        f->use[kept] = PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4);
        f->year[kept] = PQgetisnull(r, i, 5) ? (int32_t)NO_DATA_INT : (int32_t)strtol(PQgetvalue(r, i, 5), NULL, 10);
        kept++;
    }
    free(fp.lonlat), free(fp.rings);
    free(scratch.xyz), free(scratch.rings);
    stats->features = kept;
    return rc;
}

static enum jm_status write_glb(const struct mesh *m, const struct features *f, uint32_t count,
                                const struct gltf_options *options, struct buf *glb, struct err *e)
{
    const struct gltf_property props[] = {
        {"id", GLTF_PROPERTY_INT64, {.i64 = f->id}, false, 0, "the feature id: /collections/{collection}/items/{id}"},
        {"height", GLTF_PROPERTY_FLOAT32, {.f32 = f->height}, false, 0, "height above the base, metres"},
        {"storeys", GLTF_PROPERTY_INT32, {.i32 = f->storeys}, true, NO_DATA_INT, "storeys above ground"},
        {"use", GLTF_PROPERTY_STRING, {.str = f->use}, false, 0, "what the building is used for"},
        {"year", GLTF_PROPERTY_INT32, {.i32 = f->year}, true, NO_DATA_INT, "year of construction"},
    };
    struct gltf_feature_table table = {"building", count, props, (int)(sizeof props / sizeof props[0])};
    return gltf_write_glb(m, &table, options, glb, e);
}

enum jm_status tiles3d_content(PGconn *conn, const struct tile_layer *l, int z, int64_t x, int64_t y,
                               const struct gltf_options *options, struct buf *glb, struct tiles3d_stats *stats,
                               struct err *e)
{
    memset(stats, 0, sizeof *stats);
    buf_reset(glb);
    struct columns c;
    enum jm_status rc = read_columns(conn, l, &c, e);
    if (rc)
        return rc;
    if (z > TILESET3D_MAX_ZOOM || !tile_valid(z, x, y))
        return err_set(e, JM_ENOTFOUND, "no 3D tile %d/%lld/%lld", z, (long long)x, (long long)y);
    struct tileset3d_caps caps = tileset3d_caps_default();
    struct cell_params cp;
    cell_params(&cp, l, z, x, y);
    char sfeat[24], spoints[24], smaxz[16], stol[32];
    snprintf(sfeat, sizeof sfeat, "%ld", caps.max_features);
    snprintf(spoints, sizeof spoints, "%ld", caps.max_bytes / TILESET3D_BYTES_PER_POINT);
    snprintf(smaxz, sizeof smaxz, "%d", TILESET3D_MAX_ZOOM);
    /* half the cell's geometric error, in the storage CRS's metres */
    snprintf(stol, sizeof stol, "%.17g", tileset3d_geometric_error(z, y) / 2);
    const char *params[] = {cp.z, cp.x, cp.y, cp.seg, cp.srid, sfeat, spoints, smaxz, stol};
    struct buf sql;
    buf_init(&sql, 1 << 14);
    content_sql(&sql, l, &c);
    PGresult *r = db_query(conn, buf_str(&sql), 9, params, e);
    buf_cleanup(&sql);
    if (!r)
        return e->code;
    int n = PQntuples(r);
    if (n == 0) {
        PQclear(r);
        return JM_OK;
    }
    stats->simplified = strcmp(PQgetvalue(r, 0, 7), "t") != 0;
    double origin[3];
    cell_origin(z, x, y, origin);
    struct mesh m;
    mesh_init(&m, origin, 0);
    struct features f = {calloc((size_t)n, sizeof *f.id), calloc((size_t)n, sizeof *f.height),
                         calloc((size_t)n, sizeof *f.storeys), calloc((size_t)n, sizeof *f.year),
                         calloc((size_t)n, sizeof *f.use)};
    if (!f.id || !f.height || !f.storeys || !f.year || !f.use)
        rc = err_set(e, JM_EINTERNAL, "out of memory");
    PGresult *rs = NULL;
    if (!rc && c.surfaces && !stats->simplified) { /* a leaf of a city model: its LoD2 surfaces */
        char *ids = surface_ids(r);
        if (!ids)
            rc = err_set(e, JM_EINTERNAL, "out of memory");
        else if (strcmp(ids, "{}") != 0 && !(rs = read_surfaces(conn, l, ids, e)))
            rc = e->code;
        free(ids);
    }
    if (rs)
        mesh_use_semantics(&m); /* roofs, walls and ground told apart for the viewer's shaders */
    if (!rc)
        rc = build_mesh(r, rs, &m, &f, stats, e);
    PQclear(rs);
    if (!rc && stats->features > 0)
        rc = write_glb(&m, &f, (uint32_t)stats->features, options, glb, e);
    free(f.id), free(f.height), free(f.storeys), free(f.year), free(f.use);
    mesh_cleanup(&m);
    PQclear(r);
    return rc;
}

struct gltf_options tiles3d_options_from_env(void)
{
    struct gltf_options o = {0};
    const char *v = getenv("JUMEAU_3DTILES_COMPRESSION");
    if (v && strcmp(v, "quantize") == 0)
        o.quantize = true;
    if (v && strcmp(v, "meshopt") == 0)
        o.quantize = o.meshopt = true;
    return o;
}
