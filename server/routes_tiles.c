/* Vector tiles made by PostGIS (ST_AsMVTGeom clips to the tile with a buffer, snaps to the
 * 4096 grid and keeps polygons valid with the winding MVT 2.1 requires; ST_AsMVT encodes),
 * from geometry simplified for the zoom in its own CRS before the reprojection. A tile of the
 * composite "city" tileset is the concatenation of one layer per dataset the caller may see:
 * MVT layers are independent protobuf messages, so concatenated tiles are one valid tile. */
#include "routes_tiles.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json_writer.h"
#include "parse.h"
#include "registry_cache.h"
#include "tile_cache.h"
#include "tile_archive.h"
#include "tile_encoder.h"
#include "log.h"
#include "tile_math.h"

#define WMQ_URI "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
#define EPSG_3857 "http://www.opengis.net/def/crs/EPSG/0/3857"
#define MVT_TYPE "application/vnd.mapbox-vector-tile"

enum { CITY_LAYERS_MAX = 64 };

/* Every dataset the caller's role sees (row-level security on the registry). */
static enum jm_status read_layers(struct http_request *req, PGconn *conn, const char *only, struct tile_layer **out, int *n,
                                  struct err *e)
{
    const char *params[] = {only};
    PGresult *r = db_query(conn,
                           "SELECT " TILE_LAYER_COLUMNS
                           " FROM jumeau.datasets WHERE $1::text IS NULL OR name = $1 ORDER BY name",
                           1, params, e);
    if (!r)
        return e->code;
    *n = PQntuples(r);
    if (*n > CITY_LAYERS_MAX)
        *n = CITY_LAYERS_MAX;
    *out = arena_calloc(&req->arena, (size_t)*n + 1, sizeof **out);
    if (!*out) {
        PQclear(r);
        return err_set(e, JM_EINTERNAL, "out of memory");
    }
    for (int i = 0; i < *n; i++) {
        struct tile_layer *l = &(*out)[i];
        if (!tile_layer_read(l, r, i, &req->arena)) {
            PQclear(r);
            return err_set(e, JM_EINTERNAL, "out of memory");
        }
        /* the attributes this role reads, kept with the view so that a tile asks nothing else */
        struct buf list;
        buf_init(&list, 1 << 16);
        struct err le;
        err_clear(&le);
        if (tile_select_list(conn, true, l->name, req->internal, &list, &l->has_closed, &le) == JM_OK)
            l->select_list = arena_strdup(&req->arena, buf_str(&list));
        buf_cleanup(&list);
    }
    PQclear(r);
    return JM_OK;
}

enum jm_status tiles_load_layers(struct http_request *req, const char *only, struct tile_layer **out, int *n,
                                  struct err *e)
{
    struct regcache *cache = http_registry_cache(req);
    struct tile_layer *all = NULL;
    int count = 0;
    if (!regcache_get(cache, req->db_role, &req->arena, &all, &count)) {
        PGconn *conn = http_db(req, e);
        if (!conn)
            return e->code;
        unsigned long generation = regcache_generation(cache); /* before the read: a change during it makes it stale */
        enum jm_status rc = read_layers(req, conn, NULL, &all, &count, e);
        if (rc)
            return rc;
        regcache_store(cache, req->db_role, generation, all, count);
    }
    *out = all;
    *n = count;
    if (!only)
        return JM_OK;
    for (int i = 0; i < count; i++)
        if (strcmp(all[i].name, only) == 0) {
            *out = &all[i];
            *n = 1;
            return JM_OK;
        }
    *n = 0;
    return JM_OK;
}

/* The layers of tileset `name` (a collection, or "city": every dataset the caller sees) and
 * the zoom range they span; JM_ENOTFOUND when the caller sees none. */
static enum jm_status load_tileset(struct http_request *req, const char *name, struct tile_layer **layers, int *n,
                                   int *minzoom, int *maxzoom, struct err *e)
{
    enum jm_status rc = tiles_load_layers(req, strcmp(name, "city") == 0 ? NULL : name, layers, n, e);
    if (rc)
        return rc;
    if (*n == 0)
        return err_set(e, JM_ENOTFOUND, "no tileset '%s'", name);
    *minzoom = 24, *maxzoom = 0;
    for (int i = 0; i < *n; i++) {
        *minzoom = (*layers)[i].minzoom < *minzoom ? (*layers)[i].minzoom : *minzoom;
        *maxzoom = (*layers)[i].maxzoom > *maxzoom ? (*layers)[i].maxzoom : *maxzoom;
    }
    return JM_OK;
}

/* ---- the tile matrix set ------------------------------------------------------------- */

enum jm_status route_tile_matrix_sets(struct http_request *req, struct http_response *res, struct err *e)
{
    (void)e;
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_key(&w, "tileMatrixSets");
    jw_array_begin(&w);
    jw_object_begin(&w);
    jw_kv_string(&w, "id", "WebMercatorQuad");
    jw_kv_string(&w, "title", "Google Maps Compatible for the World");
    jw_kv_string(&w, "uri", WMQ_URI);
    jw_key(&w, "links");
    jw_array_begin(&w);
    http_json_link(&w, arena_printf(&req->arena, "%s/tileMatrixSets/WebMercatorQuad", req->base_url), "self",
                   "application/json", "WebMercatorQuad");
    jw_array_end(&w);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_object_end(&w);
    return JM_OK;
}

enum jm_status route_web_mercator_quad(struct http_request *req, struct http_response *res, struct err *e)
{
    (void)req, (void)e;
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_kv_string(&w, "id", "WebMercatorQuad");
    jw_kv_string(&w, "title", "Google Maps Compatible for the World");
    jw_kv_string(&w, "uri", WMQ_URI);
    jw_kv_string(&w, "crs", EPSG_3857);
    jw_key(&w, "orderedAxes");
    jw_array_begin(&w);
    jw_string(&w, "X");
    jw_string(&w, "Y");
    jw_array_end(&w);
    jw_key(&w, "tileMatrices");
    jw_array_begin(&w);
    for (int z = 0; z <= TILE_MAX_ZOOM; z++) {
        double n = ldexp(1.0, z);
        jw_object_begin(&w);
        jw_kv_string(&w, "id", arena_printf(&req->arena, "%d", z));
        jw_kv_double(&w, "scaleDenominator", 559082264.0287178 / n);
        jw_kv_double(&w, "cellSize", 156543.03392804097 / n);
        jw_kv_string(&w, "cornerOfOrigin", "topLeft");
        jw_key(&w, "pointOfOrigin");
        jw_array_begin(&w);
        jw_double(&w, -TILE_MERCATOR_HALF);
        jw_double(&w, TILE_MERCATOR_HALF);
        jw_array_end(&w);
        jw_kv_int(&w, "tileWidth", 256);
        jw_kv_int(&w, "tileHeight", 256);
        jw_kv_int(&w, "matrixWidth", (long long)n);
        jw_kv_int(&w, "matrixHeight", (long long)n);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    res->cache_control = "public, max-age=86400";
    return JM_OK;
}

/* ---- tile encoding ------------------------------------------------------------------- */

/* Parses z/x/y: JM_EINPUT for a non-number, JM_ENOTFOUND outside the grid or the range. */
static enum jm_status parse_tile(const char *zs, const char *xs, const char *ys, int minzoom, int maxzoom, int *z,
                                 long *x, long *y, struct err *e)
{
    long zl;
    if (!parse_long(zs, 0, 99, &zl) || !parse_long(xs, 0, LONG_MAX, x) || !parse_long(ys, 0, LONG_MAX, y))
        return err_set(e, JM_EINPUT, "tile: z, x and y must be whole numbers, got %.12s/%.12s/%.12s", zs, xs, ys);
    if (zl < minzoom || zl > maxzoom || !tile_valid((int)zl, *x, *y))
        return err_set(e, JM_ENOTFOUND, "no tile %ld/%ld/%ld in this tileset (zoom %d to %d)", zl, *x, *y, minzoom,
                       maxzoom);
    *z = (int)zl;
    return JM_OK;
}

/* One tile of `name` (a collection or "city"): 204 when nothing is in it. */
static enum jm_status tile(struct http_request *req, struct http_response *res, const char *name, const char *zs,
                           const char *xs, const char *ys, struct err *e)
{
    struct tile_layer *layers;
    int n, minzoom, maxzoom;
    enum jm_status rc = load_tileset(req, name, &layers, &n, &minzoom, &maxzoom, e);
    if (rc)
        return rc;
    int z = 0;
    long x = 0, y = 0;
    if ((rc = parse_tile(zs, xs, ys, minzoom, maxzoom, &z, &x, &y, e)))
        return rc;
    /* the cache key: tileset, role, the version of every dataset in the tile, z/x/y */
    struct buf key;
    buf_init(&key, 1 << 14);
    buf_printf(&key, "%s|%s|", name, req->db_role);
    for (int i = 0; i < n; i++)
        if (z >= layers[i].minzoom && z <= layers[i].maxzoom)
            buf_printf(&key, "%s:%d,", layers[i].name, layers[i].version);
    buf_printf(&key, "|%d/%ld/%ld", z, x, y);
    struct tile_cache *cache = http_tile_cache(req);
    /* the ETag is the key's: it changes exactly when the tile may */
    res->etag = arena_printf(&req->arena, "\"t%016llx\"", (unsigned long long)tile_cache_key_hash(buf_str(&key)));
    if (!key.overflow && tile_cache_get(cache, buf_str(&key), &res->body)) {
        res->x_cache = "hit";
    } else {
        res->x_cache = "miss";
        PGconn *conn = http_db(req, e);
        if (!conn) {
            buf_cleanup(&key);
            return e->code;
        }
        rc = tile_encode(conn, true, layers, n, req->internal, z, x, y, tile_max_bytes(), &res->body, e);
        if (!rc && !key.overflow && !res->body.overflow)
            tile_cache_put(cache, buf_str(&key), res->body.data, res->body.len);
    }
    buf_cleanup(&key);
    if (rc)
        return rc;
    res->content_type = MVT_TYPE;
    res->cache_control = "public, max-age=300";
    if (res->body.len == 0)
        res->status = 204;
    return JM_OK;
}

enum jm_status route_collection_tile(struct http_request *req, struct http_response *res, struct err *e)
{
    /* /collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}: row before column */
    return tile(req, res, req->params[0], req->params[1], req->params[3], req->params[2], e);
}

/* A tile of a pre-built tileset, read from its archive as it is. */
static enum jm_status archive_tile(struct http_request *req, struct http_response *res, const char *path, struct err *e)
{
    int z;
    long x, y;
    enum jm_status rc = parse_tile(req->params[1], req->params[2], req->params[3], 0, TILE_MAX_ZOOM, &z, &x, &y, e);
    if (rc)
        return rc;
    bool found = false;
    struct err re;
    err_clear(&re);
    if (tile_archive_read(path, z, x, y, &res->body, &found, &re) != JM_OK) {
        log_error("archive %s: %s", path, re.msg);
        return err_set(e, JM_EINTERNAL, "the tile archive cannot be read");
    }
    res->content_type = MVT_TYPE;
    res->cache_control = "public, max-age=3600";
    res->x_cache = "archive";
    if (!found || res->body.len == 0)
        res->status = 204;
    return JM_OK;
}

enum jm_status route_xyz_tile(struct http_request *req, struct http_response *res, struct err *e)
{
    const char *archive = http_archive_for(req, req->params[0]);
    if (archive)
        return archive_tile(req, res, archive, e);
    return tile(req, res, req->params[0], req->params[1], req->params[2], req->params[3], e);
}

/* ---- metadata ------------------------------------------------------------------------ */

static const char *field_type(const char *pg)
{
    if (strcmp(pg, "integer") == 0 || strcmp(pg, "bigint") == 0 || strcmp(pg, "smallint") == 0 ||
        strcmp(pg, "double precision") == 0 || strcmp(pg, "real") == 0 || strncmp(pg, "numeric", 7) == 0)
        return "Number";
    if (strcmp(pg, "boolean") == 0)
        return "Boolean";
    return "String";
}

/* The vector_layers array (TileJSON's, and inside GDAL's metadata.json). */
static enum jm_status write_vector_layers(struct http_request *req, PGconn *conn, const struct tile_layer *layers, int n,
                                          struct jw *w, struct err *e)
{
    jw_array_begin(w);
    for (int i = 0; i < n; i++) {
        const struct tile_layer *l = &layers[i];
        jw_object_begin(w);
        jw_kv_string(w, "id", l->name);
        jw_kv_string(w, "description", l->title);
        jw_kv_int(w, "minzoom", l->minzoom);
        jw_kv_int(w, "maxzoom", l->maxzoom);
        jw_key(w, "fields");
        jw_object_begin(w);
        const char *cols_params[] = {l->name, req->internal ? "t" : "f"};
        PGresult *cols = db_query_prepared(conn, "columns", 2, cols_params, e);
        if (!cols)
            return e->code;
        for (int c = 0; c < PQntuples(cols); c++)
            jw_kv_string(w, PQgetvalue(cols, c, 0), field_type(PQgetvalue(cols, c, 1)));
        PQclear(cols);
        jw_object_end(w);
        jw_object_end(w);
    }
    jw_array_end(w);
    return JM_OK;
}

/* TileJSON 3.0 (`gdal` false) or the metadata.json of a tile directory as GDAL's MVT driver and
 * tippecanoe write it (`gdal` true), so that `ogrinfo MVT:…/tiles/NAME/Z` reads a zoom level. */
static enum jm_status tileset_document(struct http_request *req, struct http_response *res, bool gdal, struct err *e)
{
    PGconn *conn = http_db(req, e);
    if (!conn)
        return e->code;
    const char *name = req->params[0];
    bool city = strcmp(name, "city") == 0;
    struct tile_layer *layers;
    int n, minzoom, maxzoom;
    enum jm_status rc = load_tileset(req, name, &layers, &n, &minzoom, &maxzoom, e);
    if (rc)
        return rc;
    double bounds[4] = {180, 85.0511, -180, -85.0511};
    struct buf attribution;
    buf_init(&attribution, 1 << 14);
    for (int i = 0; i < n; i++) {
        const struct tile_layer *l = &layers[i];
        if (l->has_bbox) {
            bounds[0] = fmin(bounds[0], l->bbox[0]);
            bounds[1] = fmin(bounds[1], l->bbox[1]);
            bounds[2] = fmax(bounds[2], l->bbox[2]);
            bounds[3] = fmax(bounds[3], l->bbox[3]);
        }
        if (l->licence[0] && !strstr(buf_str(&attribution), l->licence))
            buf_printf(&attribution, "%s%s", attribution.len ? "; " : "", l->licence);
    }
    if (bounds[0] > bounds[2]) {
        bounds[0] = -180, bounds[1] = -85.0511, bounds[2] = 180, bounds[3] = 85.0511;
    }
    double center[3] = {(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, minzoom > 14 ? minzoom : 14};
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    if (gdal) {
        /* GDAL's layout: numbers as strings, vector_layers inside a JSON string */
        struct buf layers_json;
        buf_init(&layers_json, 1 << 20);
        struct jw lw;
        jw_init(&lw, &layers_json);
        jw_object_begin(&lw);
        jw_key(&lw, "vector_layers");
        rc = write_vector_layers(req, conn, layers, n, &lw, e);
        jw_object_end(&lw);
        jw_kv_string(&w, "name", city ? "city" : layers[0].name);
        jw_kv_string(&w, "description", city ? "Every dataset of the city the caller may see" : layers[0].title);
        jw_kv_int(&w, "minzoom", minzoom);
        jw_kv_int(&w, "maxzoom", maxzoom);
        jw_kv_string(&w, "center", arena_printf(&req->arena, "%.7f,%.7f,%d", center[0], center[1], (int)center[2]));
        jw_kv_string(&w, "bounds",
                     arena_printf(&req->arena, "%.7f,%.7f,%.7f,%.7f", bounds[0], bounds[1], bounds[2], bounds[3]));
        jw_kv_string(&w, "type", "overlay");
        jw_kv_string(&w, "format", "pbf");
        jw_kv_string(&w, "attribution", buf_str(&attribution));
        jw_kv_string(&w, "json", buf_str(&layers_json));
        buf_cleanup(&layers_json);
    } else {
        jw_kv_string(&w, "tilejson", "3.0.0");
        jw_kv_string(&w, "name", city ? "city" : layers[0].name);
        jw_kv_string(&w, "description", city ? "Every dataset of the city the caller may see" : layers[0].title);
        jw_kv_string(&w, "attribution", buf_str(&attribution));
        jw_kv_string(&w, "scheme", "xyz");
        jw_key(&w, "tiles");
        jw_array_begin(&w);
        jw_string(&w, arena_printf(&req->arena, "%s/tiles/%s/{z}/{x}/{y}.mvt", req->base_url, name));
        jw_array_end(&w);
        jw_kv_int(&w, "minzoom", minzoom);
        jw_kv_int(&w, "maxzoom", maxzoom);
        jw_key(&w, "bounds");
        jw_array_begin(&w);
        for (int k = 0; k < 4; k++)
            jw_double_prec(&w, bounds[k], 6);
        jw_array_end(&w);
        jw_key(&w, "center");
        jw_array_begin(&w);
        jw_double_prec(&w, center[0], 6);
        jw_double_prec(&w, center[1], 6);
        jw_int(&w, (long long)center[2]);
        jw_array_end(&w);
        jw_key(&w, "vector_layers");
        rc = write_vector_layers(req, conn, layers, n, &w, e);
    }
    jw_object_end(&w);
    buf_cleanup(&attribution);
    if (rc)
        return rc;
    return jw_finish(&w) ? JM_OK : err_set(e, JM_EINTERNAL, "JSON encoding failed");
}

enum jm_status route_tilejson(struct http_request *req, struct http_response *res, struct err *e)
{
    return tileset_document(req, res, false, e);
}

enum jm_status route_tile_directory_metadata(struct http_request *req, struct http_response *res, struct err *e)
{
    return tileset_document(req, res, true, e);
}

/* The one dataset of /collections/{id}/tiles…, or JM_ENOTFOUND when the caller does not see it. */
static enum jm_status load_collection_layer(struct http_request *req, const struct tile_layer **out, struct err *e)
{
    struct tile_layer *layers;
    int n;
    enum jm_status rc = tiles_load_layers(req, req->params[0], &layers, &n, e);
    if (rc)
        return rc;
    if (n == 0)
        return err_set(e, JM_ENOTFOUND, "no collection '%s'", req->params[0]);
    *out = &layers[0];
    return JM_OK;
}

enum jm_status route_collection_tilesets(struct http_request *req, struct http_response *res, struct err *e)
{
    const struct tile_layer *l;
    enum jm_status rc = load_collection_layer(req, &l, e);
    if (rc)
        return rc;
    const char *base = arena_printf(&req->arena, "%s/collections/%s/tiles", req->base_url, l->name);
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_key(&w, "links");
    jw_array_begin(&w);
    http_json_link(&w, base, "self", "application/json", "The tilesets of the collection");
    jw_array_end(&w);
    jw_key(&w, "tilesets");
    jw_array_begin(&w);
    jw_object_begin(&w);
    jw_kv_string(&w, "title", l->title);
    jw_kv_string(&w, "dataType", "vector");
    jw_kv_string(&w, "crs", EPSG_3857);
    jw_kv_string(&w, "tileMatrixSetURI", WMQ_URI);
    jw_key(&w, "links");
    jw_array_begin(&w);
    http_json_link(&w, arena_printf(&req->arena, "%s/WebMercatorQuad", base), "self", "application/json", NULL);
    http_json_link(&w, arena_printf(&req->arena, "%s/tileMatrixSets/WebMercatorQuad", req->base_url),
                   "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "application/json", NULL);
    jw_array_end(&w);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_object_end(&w);
    return JM_OK;
}

enum jm_status route_collection_tileset(struct http_request *req, struct http_response *res, struct err *e)
{
    const struct tile_layer *l;
    enum jm_status rc = load_collection_layer(req, &l, e);
    if (rc)
        return rc;
    const char *base = arena_printf(&req->arena, "%s/collections/%s/tiles/WebMercatorQuad", req->base_url, l->name);
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_kv_string(&w, "title", l->title);
    jw_kv_string(&w, "dataType", "vector");
    jw_kv_string(&w, "crs", EPSG_3857);
    jw_kv_string(&w, "tileMatrixSetURI", WMQ_URI);
    jw_key(&w, "layers");
    jw_array_begin(&w);
    jw_object_begin(&w);
    jw_kv_string(&w, "id", l->name);
    jw_kv_string(&w, "dataType", "vector");
    jw_kv_string(&w, "minTileMatrix", arena_printf(&req->arena, "%d", l->minzoom));
    jw_kv_string(&w, "maxTileMatrix", arena_printf(&req->arena, "%d", l->maxzoom));
    jw_object_end(&w);
    jw_array_end(&w);
    jw_key(&w, "links");
    jw_array_begin(&w);
    http_json_link(&w, base, "self", "application/json", NULL);
    http_json_link(&w, arena_printf(&req->arena, "%s/tileMatrixSets/WebMercatorQuad", req->base_url),
                   "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "application/json", NULL);
    jw_object_begin(&w);
    jw_kv_string(&w, "href", arena_printf(&req->arena, "%s/{tileMatrix}/{tileRow}/{tileCol}", base));
    jw_kv_string(&w, "rel", "item");
    jw_kv_string(&w, "type", MVT_TYPE);
    jw_kv_bool(&w, "templated", true);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_object_end(&w);
    return JM_OK;
}
