/* /api: the OpenAPI 3.0 description of this server, with the collections the caller sees, so
 * that generic clients (GDAL, QGIS, Swagger UI) learn the parameters and their limits. */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "json_writer.h"
#include "routes_features.h"

struct api_param {
    const char *name;
    const char *in;
    const char *type;
    const char *description;
};

static const struct api_param item_params[] = {
    {"limit", "query", "integer", "The number of features on a page (1 to 10000, default 10)."},
    {"offset", "query", "integer", "How many features to skip (paging; the next link carries it)."},
    {"bbox", "query", "array", "minx,miny,maxx,maxy (in bbox-crs; CRS84 by default)."},
    {"bbox-crs", "query", "string", "The CRS of bbox, as a URI."},
    {"crs", "query", "string", "The CRS of the returned geometries, as a URI (CRS84 by default)."},
    {"filter", "query", "string", "A CQL2 filter."},
    {"filter-lang", "query", "string", "cql2-text (default) or cql2-json."},
    {"filter-crs", "query", "string", "The CRS of the filter's geometries, as a URI."},
    {"sortby", "query", "string", "Properties to sort on, each with + or - (e.g. -height,+name)."},
    {"properties", "query", "string", "The properties to return, comma-separated."},
};

static void parameter(struct jw *w, const struct api_param *p)
{
    jw_object_begin(w);
    jw_kv_string(w, "name", p->name);
    jw_kv_string(w, "in", p->in);
    jw_kv_bool(w, "required", strcmp(p->in, "path") == 0);
    jw_kv_string(w, "description", p->description);
    jw_key(w, "schema");
    jw_object_begin(w);
    jw_kv_string(w, "type", p->type);
    if (strcmp(p->name, "limit") == 0) {
        jw_kv_int(w, "minimum", 1);
        jw_kv_int(w, "maximum", 10000);
        jw_kv_int(w, "default", 10);
    } else if (strcmp(p->name, "offset") == 0) {
        jw_kv_int(w, "minimum", 0);
    } else if (strcmp(p->type, "array") == 0) {
        jw_kv_int(w, "minItems", 4);
        jw_kv_int(w, "maxItems", 6);
        jw_key(w, "items");
        jw_object_begin(w);
        jw_kv_string(w, "type", "number");
        jw_object_end(w);
    }
    jw_object_end(w);
    if (strcmp(p->type, "array") == 0) {
        jw_kv_string(w, "style", "form");
        jw_kv_bool(w, "explode", false);
    }
    jw_object_end(w);
}

static void get_operation(struct jw *w, const char *summary, const char *id, const char *media,
                          const struct api_param *params, size_t nparams, const struct api_param *path_params,
                          size_t npath)
{
    jw_key(w, "get");
    jw_object_begin(w);
    jw_kv_string(w, "summary", summary);
    jw_kv_string(w, "operationId", id);
    jw_key(w, "parameters");
    jw_array_begin(w);
    for (size_t i = 0; i < npath; i++)
        parameter(w, &path_params[i]);
    for (size_t i = 0; i < nparams; i++)
        parameter(w, &params[i]);
    jw_array_end(w);
    jw_key(w, "responses");
    jw_object_begin(w);
    jw_key(w, "200");
    jw_object_begin(w);
    jw_kv_string(w, "description", "OK");
    jw_key(w, "content");
    jw_object_begin(w);
    jw_key(w, media);
    jw_object_begin(w);
    jw_object_end(w);
    jw_object_end(w);
    jw_object_end(w);
    static const char *const errors[][2] = {{"400", "Bad request: the description says what and where"},
                                            {"401", "Unknown or revoked API key"},
                                            {"404", "No such resource (or not visible to the caller)"},
                                            {"503", "The database is unavailable"}};
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        jw_key(w, errors[i][0]);
        jw_object_begin(w);
        jw_kv_string(w, "description", errors[i][1]);
        jw_object_end(w);
    }
    jw_object_end(w);
    jw_object_end(w);
}

enum jm_status route_api(struct http_request *req, struct http_response *res, struct err *e)
{
    PGconn *conn = http_db(req, e);
    if (!conn)
        return e->code;
    PGresult *r = db_query(conn, "SELECT name FROM jumeau.datasets ORDER BY name", 0, NULL, e);
    if (!r)
        return e->code;
    res->content_type = "application/vnd.oai.openapi+json;version=3.0";
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_kv_string(&w, "openapi", "3.0.3");
    jw_key(&w, "info");
    jw_object_begin(&w);
    jw_kv_string(&w, "title", "jumeau");
    jw_kv_string(&w, "version", JUMEAU_VERSION);
    jw_kv_string(&w, "description", "The digital twin of the city: OGC API – Features over its datasets, and their 3D Tiles.");
    jw_object_end(&w);
    jw_key(&w, "servers");
    jw_array_begin(&w);
    jw_object_begin(&w);
    jw_kv_string(&w, "url", req->base_url);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_key(&w, "components");
    jw_object_begin(&w);
    jw_key(&w, "securitySchemes");
    jw_object_begin(&w);
    jw_key(&w, "apiKey");
    jw_object_begin(&w);
    jw_kv_string(&w, "type", "http");
    jw_kv_string(&w, "scheme", "bearer");
    jw_object_end(&w);
    jw_object_end(&w);
    jw_object_end(&w);
    jw_key(&w, "paths");
    jw_object_begin(&w);
    static const struct api_param none[1] = {{NULL, NULL, NULL, NULL}};
    static const struct {
        const char *path, *summary, *id, *media;
    } plain[] = {
        {"/", "Landing page", "getLandingPage", "application/json"},
        {"/conformance", "Conformance classes", "getConformance", "application/json"},
        {"/collections", "The collections (datasets) the caller may see", "getCollections", "application/json"},
        {"/api", "This document", "getApi", "application/vnd.oai.openapi+json;version=3.0"},
        {"/health", "Liveness and database status", "getHealth", "application/json"},
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        jw_key(&w, plain[i].path);
        jw_object_begin(&w);
        get_operation(&w, plain[i].summary, plain[i].id, plain[i].media, none, 0, none, 0);
        jw_object_end(&w);
    }
    /* 3D Tiles 1.1 (docs/3dtiles.md): per 3D dataset, and "city" */
    static const struct api_param cell[] = {
        {"name", "path", "string", "A collection with 3D content (buildings), or city: every one the caller sees."},
        {"z", "path", "integer", "The zoom of the cell (WebMercatorQuad)."},
        {"x", "path", "integer", "The column of the cell."},
        {"y", "path", "integer", "The row of the cell, from the north."},
    };
    static const struct {
        const char *path, *summary, *id, *media;
        size_t npath;
    } tiles3d[] = {
        {"/3dtiles/{name}/tileset.json", "The 3D Tiles 1.1 tileset of a collection, or of the city", "get3DTileset",
         "application/json", 1},
        {"/3dtiles/{name}/tileset/{z}/{x}/{y}.json", "An external tileset rooted at a cell", "get3DSubtree",
         "application/json", 4},
        {"/3dtiles/{name}/content/{z}/{x}/{y}.glb", "The glTF 2.0 content of a cell", "get3DContent",
         "model/gltf-binary", 4},
    };
    for (size_t i = 0; i < sizeof tiles3d / sizeof tiles3d[0]; i++) {
        jw_key(&w, tiles3d[i].path);
        jw_object_begin(&w);
        get_operation(&w, tiles3d[i].summary, tiles3d[i].id, tiles3d[i].media, none, 0, cell, tiles3d[i].npath);
        jw_object_end(&w);
    }
    /* one set of paths per collection, as OGC API – Features recommends */
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = PQgetvalue(r, i, 0);
        static const struct api_param fid[] = {{"featureId", "path", "integer", "The feature's id."}};
        static const struct {
            const char *suffix, *summary, *id, *media;
            const struct api_param *query;
            size_t nquery;
            const struct api_param *path;
            size_t npath;
        } per_collection[] = {
            {"", "The collection", "describe", "application/json", none, 0, none, 0},
            {"/items", "Features of the collection", "getFeatures", "application/geo+json", item_params,
             sizeof item_params / sizeof item_params[0], none, 0},
            {"/items/{featureId}", "One feature", "getFeature", "application/geo+json", none, 0, fid, 1},
            {"/queryables", "What a filter may use", "getQueryables", "application/schema+json", none, 0, none, 0},
        };
        for (size_t k = 0; k < sizeof per_collection / sizeof per_collection[0]; k++) {
            char path[256], id[160];
            snprintf(path, sizeof path, "/collections/%s%s", name, per_collection[k].suffix);
            snprintf(id, sizeof id, "%s_%s", per_collection[k].id, name);
            jw_key(&w, path);
            jw_object_begin(&w);
            get_operation(&w, per_collection[k].summary, id, per_collection[k].media, per_collection[k].query,
                          per_collection[k].nquery, per_collection[k].path, per_collection[k].npath);
            jw_object_end(&w);
        }
    }
    PQclear(r);
    jw_object_end(&w);
    jw_object_end(&w);
    return jw_finish(&w) ? JM_OK : err_set(e, JM_EINTERNAL, "JSON encoding failed");
}
