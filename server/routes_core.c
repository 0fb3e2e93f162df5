#include "routes_core.h"
#include "tiles3d.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json_writer.h"
#include "parse.h"

#define CRS84 "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

enum jm_status route_landing(struct http_request *req, struct http_response *res, struct err *e)
{
    (void)e;
    struct arena *a = &req->arena;
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_kv_string(&w, "title", "jumeau");
    jw_kv_string(&w, "description", "The digital twin of the city: datasets as OGC API collections");
    jw_key(&w, "links");
    jw_array_begin(&w);
    http_json_link(&w, arena_printf(a, "%s/", req->base_url), "self", "application/json", "This document");
    http_json_link(&w, arena_printf(a, "%s/api", req->base_url), "service-desc", "application/vnd.oai.openapi+json;version=3.0",
         "The API definition");
    http_json_link(&w, arena_printf(a, "%s/conformance", req->base_url), "conformance", "application/json",
         "Conformance classes");
    http_json_link(&w, arena_printf(a, "%s/collections", req->base_url), "data", "application/json", "The datasets");
    http_json_link(&w, arena_printf(a, "%s/health", req->base_url), "service-status", "application/json", "Health");
    jw_array_end(&w);
    jw_object_end(&w);
    return JM_OK;
}

enum jm_status route_health(struct http_request *req, struct http_response *res, struct err *e)
{
    (void)e;
    struct err dbe;
    err_clear(&dbe);
    PGconn *conn = http_db(req, &dbe);
    bool up = false;
    if (conn) {
        PGresult *r = PQexec(conn, "SELECT 1");
        up = PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        req->db_broken = !up;
    }
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_kv_string(&w, "status", up ? "ok" : "unavailable");
    jw_kv_string(&w, "database", up ? "ok" : "down");
    jw_kv_string(&w, "version", JUMEAU_VERSION);
    jw_object_end(&w);
    res->status = up ? 200 : 503;
    res->cache_control = "no-store";
    return JM_OK;
}

/* Columns of the registry rows, in the order write_collection reads them. */
#define COLLECTION_COLUMNS                                                                                    \
    "name, title, description, kind, licence, access_level::text, storage_srid, version, feature_count, "    \
    "bbox_4326[1], bbox_4326[2], bbox_4326[3], bbox_4326[4]"

static void write_collection(struct http_request *req, struct jw *w, PGresult *r, int row)
{
    struct arena *a = &req->arena;
    const char *name = PQgetvalue(r, row, 0);
    jw_object_begin(w);
    jw_kv_string(w, "id", name);
    jw_kv_string(w, "title", PQgetvalue(r, row, 1));
    jw_kv_string(w, "description", PQgetvalue(r, row, 2));
    jw_kv_string(w, "itemType", "feature");
    if (!PQgetisnull(r, row, 9)) {
        jw_key(w, "extent");
        jw_object_begin(w);
        jw_key(w, "spatial");
        jw_object_begin(w);
        jw_key(w, "bbox");
        jw_array_begin(w);
        jw_array_begin(w);
        for (int i = 9; i < 13; i++) {
            double v = 0;
            parse_double(PQgetvalue(r, row, i), &v);
            jw_double_prec(w, v, 7);
        }
        jw_array_end(w);
        jw_array_end(w);
        jw_kv_string(w, "crs", CRS84);
        jw_object_end(w);
        jw_object_end(w);
    }
    /* the storage CRS, then the ones a municipality's tools use (any EPSG code PostGIS knows
     * works; these are the ones worth listing) */
    static const char *const common_crs[] = {"4326", "4258", "3857", "31370", "3812", "2154", "25831", "25832"};
    const char *storage = PQgetvalue(r, row, 6);
    jw_key(w, "crs");
    jw_array_begin(w);
    jw_string(w, CRS84);
    jw_string(w, arena_printf(a, "http://www.opengis.net/def/crs/EPSG/0/%s", storage));
    for (size_t i = 0; i < sizeof common_crs / sizeof common_crs[0]; i++)
        if (strcmp(common_crs[i], storage) != 0)
            jw_string(w, arena_printf(a, "http://www.opengis.net/def/crs/EPSG/0/%s", common_crs[i]));
    jw_array_end(w);
    jw_kv_string(w, "storageCrs", arena_printf(a, "http://www.opengis.net/def/crs/EPSG/0/%s", PQgetvalue(r, row, 6)));
    /* jumeau's own metadata, for the viewer's layer panel */
    jw_kv_string(w, "kind", PQgetvalue(r, row, 3));
    jw_kv_string(w, "license", PQgetvalue(r, row, 4));
    jw_kv_string(w, "accessLevel", PQgetvalue(r, row, 5));
    /* integers as PostgreSQL prints them are JSON numbers already */
    jw_key(w, "version");
    jw_raw(w, PQgetvalue(r, row, 7));
    jw_key(w, "featureCount");
    jw_raw(w, PQgetvalue(r, row, 8));
    jw_key(w, "links");
    jw_array_begin(w);
    http_json_link(w, arena_printf(a, "%s/collections/%s", req->base_url, name), "self", "application/json", NULL);
    http_json_link(w, arena_printf(a, "%s/collections/%s/items", req->base_url, name), "items", "application/geo+json",
         "The features");
    http_json_link(w, arena_printf(a, "%s/collections/%s/queryables", req->base_url, name),
         "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "What a filter may use");
    http_json_link(w, arena_printf(a, "%s/collections/%s/tiles", req->base_url, name),
                   "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "application/json", "Vector tiles");
    if (tiles3d_capable(PQgetvalue(r, row, 3)))
        http_json_link(w, arena_printf(a, "%s/3dtiles/%s/tileset.json", req->base_url, name), "3dtiles",
                       "application/json", "3D Tiles 1.1");
    jw_array_end(w);
    jw_object_end(w);
}

enum jm_status route_collections(struct http_request *req, struct http_response *res, struct err *e)
{
    PGconn *conn = http_db(req, e);
    if (!conn)
        return e->code;
    /* the row-level policies of jumeau.datasets limit the rows to the caller's role */
    PGresult *r = db_query(conn, "SELECT " COLLECTION_COLUMNS " FROM jumeau.datasets ORDER BY name", 0, NULL, e);
    if (!r)
        return e->code;
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_key(&w, "links");
    jw_array_begin(&w);
    http_json_link(&w, arena_printf(&req->arena, "%s/collections", req->base_url), "self", "application/json",
         "The datasets");
    jw_array_end(&w);
    jw_key(&w, "collections");
    jw_array_begin(&w);
    for (int i = 0; i < PQntuples(r); i++)
        write_collection(req, &w, r, i);
    jw_array_end(&w);
    jw_object_end(&w);
    PQclear(r);
    return jw_finish(&w) ? JM_OK : err_set(e, JM_EINTERNAL, "JSON encoding failed");
}

enum jm_status route_collection(struct http_request *req, struct http_response *res, struct err *e)
{
    PGconn *conn = http_db(req, e);
    if (!conn)
        return e->code;
    const char *params[] = {req->params[0]};
    PGresult *r = db_query(conn, "SELECT " COLLECTION_COLUMNS " FROM jumeau.datasets WHERE name = $1", 1, params, e);
    if (!r)
        return e->code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        /* the same answer whether it does not exist or the caller may not see it */
        return err_set(e, JM_ENOTFOUND, "no collection '%s'", req->params[0]);
    }
    struct jw w;
    jw_init(&w, &res->body);
    write_collection(req, &w, r, 0);
    PQclear(r);
    return jw_finish(&w) ? JM_OK : err_set(e, JM_EINTERNAL, "JSON encoding failed");
}
