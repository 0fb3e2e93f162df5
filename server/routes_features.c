/* OGC API – Features: items and item as GeoJSON, built by PostgreSQL (ST_AsGeoJSON, to_jsonb)
 * under the caller's role, with every value bound as a parameter. */
#include "routes_features.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cql2.h"
#include "db.h"
#include "json_writer.h"
#include "parse.h"

#define CRS84 "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#define EPSG_URI "http://www.opengis.net/def/crs/EPSG/0/"

enum { LIMIT_DEFAULT = 10, LIMIT_MAX = 10000, OFFSET_MAX = 100000000, MAX_PROPERTIES = 200 };

static const char *const conformance_classes[] = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
};

enum jm_status route_conformance(struct http_request *req, struct http_response *res, struct err *e)
{
    (void)req, (void)e;
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_key(&w, "conformsTo");
    jw_array_begin(&w);
    for (size_t i = 0; i < sizeof conformance_classes / sizeof conformance_classes[0]; i++)
        jw_string(&w, conformance_classes[i]);
    jw_array_end(&w);
    jw_object_end(&w);
    return JM_OK;
}

/* ---- the collection as the caller may see it ----------------------------------------- */

struct column {
    const char *name;
    const char *type; /* information_schema data_type */
    bool closed;
};

struct collection {
    const char *name;
    const char *title;
    int srid;
    long long feature_count;
    struct column *columns;
    int ncolumns;
    bool has_closed; /* a closed.<name> table joined for an internal caller */
};

/* Reads the registry row and the columns the caller's role can see. JM_ENOTFOUND when the
 * collection does not exist for this caller (whatever the reason). */
static enum jm_status load_collection(struct http_request *req, PGconn *conn, const char *name, struct collection *c,
                                      struct err *e)
{
    memset(c, 0, sizeof *c);
    const char *params[] = {name};
    PGresult *r = db_query_prepared(conn, "collection", 1, params, e);
    if (!r)
        return e->code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return err_set(e, JM_ENOTFOUND, "no collection '%s'", name);
    }
    c->name = arena_strdup(&req->arena, PQgetvalue(r, 0, 0));
    c->title = arena_strdup(&req->arena, PQgetvalue(r, 0, 1));
    c->srid = (int)strtol(PQgetvalue(r, 0, 2), NULL, 10);
    c->feature_count = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
    PQclear(r);
    /* the closed schema's columns are listed only to internal callers, and the role's own
     * privileges hide them from everyone else as well */
    const char *cols_params[] = {name, req->internal ? "t" : "f"};
    r = db_query_prepared(conn, "columns", 2, cols_params, e);
    if (!r)
        return e->code;
    c->ncolumns = PQntuples(r);
    c->columns = arena_calloc(&req->arena, (size_t)c->ncolumns + 1, sizeof *c->columns);
    if (!c->columns || !c->name || !c->title) {
        PQclear(r);
        return err_set(e, JM_EINTERNAL, "out of memory");
    }
    for (int i = 0; i < c->ncolumns; i++) {
        c->columns[i].name = arena_strdup(&req->arena, PQgetvalue(r, i, 0));
        c->columns[i].type = arena_strdup(&req->arena, PQgetvalue(r, i, 1));
        c->columns[i].closed = strcmp(PQgetvalue(r, i, 2), "t") == 0;
        c->has_closed = c->has_closed || c->columns[i].closed;
    }
    PQclear(r);
    return JM_OK;
}

static const struct column *find_column(const struct collection *c, const char *name, size_t n)
{
    for (int i = 0; i < c->ncolumns; i++)
        if (strlen(c->columns[i].name) == n && strncmp(c->columns[i].name, name, n) == 0)
            return &c->columns[i];
    return NULL;
}

/* ---- parameters ---------------------------------------------------------------------- */

/* An EPSG code from a CRS URI (OGC's CRS84, EPSG URIs, "EPSG:n"); 0 for CRS84 (lon/lat
 * WGS 84), -1 when not understood. */
static int crs_code(const char *uri)
{
    if (strcmp(uri, CRS84) == 0 || strcmp(uri, "[OGC:CRS84]") == 0 || strcmp(uri, "OGC:CRS84") == 0)
        return 0;
    const char *digits = NULL;
    if (strncmp(uri, EPSG_URI, strlen(EPSG_URI)) == 0)
        digits = uri + strlen(EPSG_URI);
    else if (strncmp(uri, "EPSG:", 5) == 0)
        digits = uri + 5;
    else if (strncmp(uri, "[EPSG:", 6) == 0)
        digits = uri + 6;
    long v;
    char buf[16];
    if (!digits || strlen(digits) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", digits);
    size_t n = strlen(buf);
    if (n && buf[n - 1] == ']')
        buf[n - 1] = '\0';
    return parse_long(buf, 1, 999999, &v) ? (int)v : -1;
}

/* A CRS the server can use: known to PostGIS; geographic ones have their EPSG axis order
 * (latitude first) except CRS84. */
struct crs {
    int srid;          /* for ST_Transform */
    bool lat_first;    /* EPSG:4326 and other geographic EPSG codes: latitude, longitude */
    bool geographic;
    const char *uri;
};

static enum jm_status resolve_crs(struct http_request *req, PGconn *conn, const char *param, const char *value,
                                  int storage_srid, struct crs *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (!value) {
        *out = (struct crs){4326, false, true, CRS84};
        return JM_OK;
    }
    int code = crs_code(value);
    if (code == 0) {
        *out = (struct crs){4326, false, true, CRS84};
        return JM_OK;
    }
    if (code < 0)
        return err_set(e, JM_EINPUT, "%s: '%.100s' is not a CRS URI (use %s or %sNNNN)", param, value, CRS84, EPSG_URI);
    char srid[16];
    snprintf(srid, sizeof srid, "%d", code);
    const char *params[] = {srid};
    PGresult *r = db_query(conn, "SELECT proj4text LIKE '%+proj=longlat%' FROM spatial_ref_sys WHERE srid = $1::int",
                           1, params, e);
    if (!r)
        return e->code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return err_set(e, JM_EINPUT, "%s: EPSG:%d is not a CRS this server knows", param, code);
    }
    bool geographic = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    (void)storage_srid;
    *out = (struct crs){code, geographic, geographic, arena_printf(&req->arena, EPSG_URI "%d", code)};
    return JM_OK;
}

static enum jm_status parse_limits(struct http_request *req, long *limit, long *offset, struct err *e)
{
    const char *l = http_query(req, "limit"), *o = http_query(req, "offset");
    *limit = LIMIT_DEFAULT;
    *offset = 0;
    if (l && !parse_long(l, 1, LONG_MAX, limit))
        return err_set(e, JM_EINPUT, "limit: expected a positive whole number, got '%.40s'", l);
    if (*limit > LIMIT_MAX)
        *limit = LIMIT_MAX; /* OGC API: a larger limit is capped, not refused */
    if (o && !parse_long(o, 0, OFFSET_MAX, offset))
        return err_set(e, JM_EINPUT, "offset: expected a whole number from 0 to %d, got '%.40s'", OFFSET_MAX, o);
    return JM_OK;
}

/* bbox=minx,miny,maxx,maxy (or 6 values with heights, which are ignored), in bbox-crs. */
static enum jm_status parse_bbox(const char *text, double v[4], struct err *e)
{
    double all[6] = {0};
    int n = 0;
    char item[64];
    for (const char *p = text; n < 7;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof item)
            return err_set(e, JM_EINPUT, "bbox: expected 4 or 6 numbers separated by commas");
        memcpy(item, p, len);
        item[len] = '\0';
        if (n == 6 || !parse_double(item, &all[n]))
            return err_set(e, JM_EINPUT, "bbox: '%.40s' is not a number", item);
        n++;
        if (!p[len])
            break;
        p += len + 1;
    }
    if (n != 4 && n != 6)
        return err_set(e, JM_EINPUT, "bbox: expected 4 or 6 numbers, got %d", n);
    int half = n / 2;
    v[0] = all[0], v[1] = all[1], v[2] = all[half], v[3] = all[half + 1];
    if (v[0] > v[2] || v[1] > v[3])
        return err_set(e, JM_EINPUT, "bbox: the minimum must not exceed the maximum");
    return JM_OK;
}

/* ---- the query ----------------------------------------------------------------------- */

struct query {
    struct buf sql;
    const char *params[64 + CQL2_MAX_PARAMS];
    int nparams;
    struct arena *arena;
};

static const char *param(struct query *q, const char *value)
{
    q->params[q->nparams++] = value;
    return arena_printf(q->arena, "$%d", q->nparams);
}

static const char *param_double(struct query *q, double v)
{
    char text[32];
    jw_format_double(v, text);
    return param(q, arena_strdup(q->arena, text));
}

/* The collection as one relation "t": the dataset's table, with the closed attributes joined
 * for an internal caller, so that filters, sorting and properties name columns alone. */
static void source_relation(const struct collection *c, struct buf *out)
{
    if (!c->has_closed) {
        buf_puts(out, "data.");
        db_quote_ident(out, c->name);
        buf_puts(out, " t");
        return;
    }
    buf_puts(out, "(SELECT d.*");
    for (int i = 0; i < c->ncolumns; i++) {
        if (!c->columns[i].closed)
            continue;
        buf_puts(out, ", k.");
        db_quote_ident(out, c->columns[i].name);
    }
    buf_puts(out, " FROM data.");
    db_quote_ident(out, c->name);
    buf_puts(out, " d LEFT JOIN closed.");
    db_quote_ident(out, c->name);
    buf_puts(out, " k ON k.id = d.id) t");
}

/* The CQL2 type of a column, from its PostgreSQL type. */
static enum cql2_type cql2_type_of(const char *pg)
{
    if (strcmp(pg, "integer") == 0 || strcmp(pg, "bigint") == 0 || strcmp(pg, "smallint") == 0)
        return CQL2_INTEGER;
    if (strcmp(pg, "double precision") == 0 || strcmp(pg, "real") == 0 || strncmp(pg, "numeric", 7) == 0)
        return CQL2_NUMBER;
    if (strcmp(pg, "boolean") == 0)
        return CQL2_BOOLEAN;
    if (strcmp(pg, "date") == 0)
        return CQL2_DATE;
    if (strncmp(pg, "timestamp", 9) == 0)
        return CQL2_TIMESTAMP;
    return CQL2_STRING;
}

/* filter (cql2-text or cql2-json) → " AND (…)" with its values bound as parameters. The
 * queryables are the columns the caller can see: a closed attribute is unknown to others. */
static enum jm_status filter_sql(struct http_request *req, PGconn *conn, const struct collection *c, struct query *q,
                                 const char *filter, struct err *e)
{
    const char *lang = http_query(req, "filter-lang");
    enum cql2_lang l = CQL2_TEXT;
    if (lang && strcmp(lang, "cql2-json") == 0)
        l = CQL2_JSON;
    else if (lang && strcmp(lang, "cql2-text") != 0)
        return err_set(e, JM_EINPUT, "filter-lang: expected cql2-text or cql2-json, got '%.40s'", lang);
    struct crs fc;
    enum jm_status rc = resolve_crs(req, conn, "filter-crs", http_query(req, "filter-crs"), c->srid, &fc, e);
    if (rc)
        return rc;
    if (fc.lat_first)
        return err_set(e, JM_EINPUT, "filter-crs: give geographic coordinates in CRS84 (longitude first)");
    struct cql2_property *props = arena_calloc(&req->arena, (size_t)c->ncolumns + 2, sizeof *props);
    if (!props)
        return err_set(e, JM_EINTERNAL, "out of memory");
    size_t n = 0;
    props[n++] = (struct cql2_property){"geom", CQL2_GEOMETRY};
    props[n++] = (struct cql2_property){"id", CQL2_INTEGER};
    for (int i = 0; i < c->ncolumns; i++)
        props[n++] = (struct cql2_property){c->columns[i].name, cql2_type_of(c->columns[i].type)};
    struct cql2_schema schema = {props, n, c->srid};
    struct cql2_params params;
    memset(&params, 0, sizeof params);
    if ((size_t)q->nparams + CQL2_MAX_PARAMS > sizeof q->params / sizeof q->params[0])
        return err_set(e, JM_EINTERNAL, "too many parameters");
    buf_puts(&q->sql, " AND ");
    rc = cql2_to_sql(filter, strlen(filter), l, &schema, fc.srid, q->nparams + 1, &q->sql, &params, e);
    for (int i = 0; !rc && i < params.count; i++) {
        const char *copy = arena_strdup(&req->arena, params.values[i]);
        if (!copy)
            rc = err_set(e, JM_EINTERNAL, "out of memory");
        q->params[q->nparams++] = copy;
    }
    cql2_params_cleanup(&params);
    return rc;
}

/* The FROM and WHERE of an items query; bbox in its CRS; `fid` for one item. */
static enum jm_status from_where(struct http_request *req, PGconn *conn, const struct collection *c, struct query *q,
                                 const char *fid, struct err *e)
{
    buf_puts(&q->sql, " FROM ");
    source_relation(c, &q->sql);
    buf_puts(&q->sql, " WHERE true");
    if (fid) {
        long long id;
        long v;
        if (!parse_long(fid, 1, LONG_MAX, &v))
            return err_set(e, JM_ENOTFOUND, "no feature '%.40s' in collection '%s'", fid, c->name);
        id = v;
        buf_printf(&q->sql, " AND t.id = %s::bigint", param(q, arena_printf(q->arena, "%lld", id)));
    }
    const char *bbox = http_query(req, "bbox");
    if (bbox) {
        double v[4] = {0};
        struct crs bc;
        enum jm_status rc = parse_bbox(bbox, v, e);
        if (!rc)
            rc = resolve_crs(req, conn, "bbox-crs", http_query(req, "bbox-crs"), c->srid, &bc, e);
        if (rc)
            return rc;
        if (bc.lat_first) { /* EPSG:4326 and its kin: latitude first */
            double t = v[0];
            v[0] = v[1], v[1] = t;
            t = v[2];
            v[2] = v[3], v[3] = t;
        }
        if (bc.geographic && (v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90))
            return err_set(e, JM_EINPUT, "bbox: longitudes must lie in -180..180 and latitudes in -90..90");
        const char *x1 = param_double(q, v[0]), *y1 = param_double(q, v[1]);
        const char *x2 = param_double(q, v[2]), *y2 = param_double(q, v[3]);
        buf_printf(&q->sql,
                   " AND ST_Intersects(t.geom, ST_Transform(ST_MakeEnvelope(%s::float8, %s::float8, %s::float8,"
                   " %s::float8, %d), %d))",
                   x1, y1, x2, y2, bc.srid, c->srid);
    } else if (http_query(req, "bbox-crs")) {
        return err_set(e, JM_EINPUT, "bbox-crs: given without bbox");
    }
    const char *filter = http_query(req, "filter");
    if (filter)
        return filter_sql(req, conn, c, q, filter, e);
    if (http_query(req, "filter-lang") || http_query(req, "filter-crs"))
        return err_set(e, JM_EINPUT, "filter-lang and filter-crs go with a filter");
    return JM_OK;
}

/* The properties object: every visible column, or those named in properties=a,b. */
static enum jm_status properties_expr(struct http_request *req, const struct collection *c, struct query *q,
                                      struct buf *out, struct err *e)
{
    const char *wanted = http_query(req, "properties");
    if (!wanted) {
        buf_puts(out, "(to_jsonb(t) - 'geom' - 'id')");
        return JM_OK;
    }
    buf_puts(out, "jsonb_build_object(");
    int n = 0;
    for (const char *p = wanted; *p;) {
        size_t len = strcspn(p, ",");
        const struct column *col = find_column(c, p, len);
        if (len && !col)
            return err_set(e, JM_EINPUT, "properties: '%.*s' is not a property of '%s'", (int)(len > 64 ? 64 : len), p,
                           c->name);
        if (len) {
            if (++n > MAX_PROPERTIES / 2)
                return err_set(e, JM_ELIMIT, "properties: at most %d names", MAX_PROPERTIES / 2);
            buf_printf(out, "%s%s::text, t.", n > 1 ? ", " : "", param(q, col->name));
            db_quote_ident(out, col->name);
        }
        p += len + (p[len] == ',');
    }
    buf_puts(out, ")");
    return JM_OK;
}

/* ORDER BY from sortby=+a,-b (then the id, for stable pages). */
static enum jm_status order_by(struct http_request *req, const struct collection *c, struct buf *out, struct err *e)
{
    buf_puts(out, " ORDER BY ");
    const char *sortby = http_query(req, "sortby");
    for (const char *p = sortby; p && *p;) {
        size_t len = strcspn(p, ",");
        const char *name = p;
        size_t nlen = len;
        const char *dir = "ASC";
        if (nlen && (*name == '+' || *name == ' ' || *name == '-')) {
            dir = *name == '-' ? "DESC" : "ASC";
            name++, nlen--;
        }
        const struct column *col = find_column(c, name, nlen);
        if (!col)
            return err_set(e, JM_EINPUT, "sortby: '%.*s' is not a property of '%s'", (int)(nlen > 64 ? 64 : nlen), name,
                           c->name);
        buf_puts(out, "t.");
        db_quote_ident(out, col->name);
        buf_printf(out, " %s NULLS LAST, ", dir);
        p += len + (p[len] == ',');
    }
    buf_puts(out, "t.id");
    return JM_OK;
}

static const char *const items_params[] = {"limit", "offset", "bbox", "bbox-crs", "crs", "filter", "filter-lang",
                                           "filter-crs", "sortby", "properties", "datetime", "f", NULL};

static enum jm_status features(struct http_request *req, struct http_response *res, const char *fid, struct err *e)
{
    const char *unknown;
    if (http_query_unknown(req, items_params, &unknown))
        return err_set(e, JM_EINPUT, "unknown query parameter '%.64s' (known: limit, offset, bbox, bbox-crs, crs, "
                                     "filter, filter-lang, sortby, properties)", unknown);
    PGconn *conn = http_db(req, e);
    if (!conn)
        return e->code;
    struct collection c;
    enum jm_status rc = load_collection(req, conn, req->params[0], &c, e);
    if (rc)
        return rc;
    long limit, offset;
    struct crs out_crs;
    if ((rc = parse_limits(req, &limit, &offset, e)) ||
        (rc = resolve_crs(req, conn, "crs", http_query(req, "crs"), c.srid, &out_crs, e)))
        return rc;

    struct query q = {.arena = &req->arena};
    buf_init(&q.sql, 1 << 20);
    struct buf props, where, order;
    buf_init(&props, 1 << 16);
    buf_init(&where, 1 << 16);
    buf_init(&order, 1 << 16);
    /* the WHERE goes in a buffer of its own, with the first parameters, so that the count
     * query can reuse both */
    struct buf saved = q.sql;
    q.sql = where;
    rc = from_where(req, conn, &c, &q, fid, e);
    where = q.sql;
    q.sql = saved;
    int where_params = q.nparams;
    if (rc || (rc = properties_expr(req, &c, &q, &props, e)) || (rc = order_by(req, &c, &order, e)))
        goto out;
    int geom_digits = out_crs.geographic ? 7 : 3;
    const char *geom = out_crs.srid == c.srid ? "t.geom" : arena_printf(&req->arena, "ST_Transform(t.geom, %d)", out_crs.srid);
    if (out_crs.lat_first)
        geom = arena_printf(&req->arena, "ST_FlipCoordinates(%s)", geom);
    /* the page's ids first, then the JSON of those rows only: building it for the rows an
     * OFFSET skips would cost as much as sending them */
    buf_printf(&q.sql, "WITH page AS (SELECT t.id%s%s", buf_str(&where), buf_str(&order));
    if (!fid)
        buf_printf(&q.sql, " LIMIT %s::bigint OFFSET %s::bigint", param(&q, arena_printf(&req->arena, "%ld", limit)),
                   param(&q, arena_printf(&req->arena, "%ld", offset)));
    buf_printf(&q.sql,
               ") SELECT json_build_object('type', 'Feature', 'id', t.id, 'geometry', ST_AsGeoJSON(%s, %d)::json,"
               " 'properties', %s)::text FROM page JOIN ",
               geom, geom_digits, buf_str(&props));
    source_relation(&c, &q.sql);
    buf_puts(&q.sql, " ON t.id = page.id");
    buf_puts(&q.sql, buf_str(&order));
    if (q.sql.overflow || where.overflow) {
        rc = err_set(e, JM_ELIMIT, "the request is too large");
        goto out;
    }
    PGresult *r = db_query(conn, buf_str(&q.sql), q.nparams, q.params, e);
    if (!r) {
        rc = e->code;
        goto out;
    }
    res->content_type = "application/geo+json";
    res->content_crs = out_crs.uri;
    res->cache_control = "public, max-age=60";
    struct jw w;
    jw_init(&w, &res->body);
    if (fid) {
        if (PQntuples(r) == 0) {
            PQclear(r);
            rc = err_set(e, JM_ENOTFOUND, "no feature '%.40s' in collection '%s'", fid, c.name);
            goto out;
        }
        /* the Feature as PostgreSQL built it, its closing brace replaced by the links */
        const char *feature = PQgetvalue(r, 0, 0);
        struct buf links;
        buf_init(&links, 1 << 16);
        struct jw lw;
        jw_init(&lw, &links);
        jw_array_begin(&lw);
        http_json_link(&lw, http_url_with(req, "__none__", NULL), "self", "application/geo+json", NULL);
        http_json_link(&lw, arena_printf(&req->arena, "%s/collections/%s", req->base_url, c.name), "collection",
             "application/json", c.title);
        jw_array_end(&lw);
        buf_append(&res->body, feature, strlen(feature) - 1);
        buf_printf(&res->body, ", \"links\": %s}", buf_str(&links));
        buf_cleanup(&links);
        PQclear(r);
        goto out;
    }
    /* numberMatched: the registry's count when nothing narrows the collection */
    long long matched = c.feature_count;
    if (http_query(req, "bbox") || http_query(req, "filter")) {
        struct buf count;
        buf_init(&count, 1 << 20);
        buf_printf(&count, "SELECT count(*)%s", buf_str(&where));
        char *v = db_query_value(conn, buf_str(&count), where_params, q.params, e);
        buf_cleanup(&count);
        if (!v) {
            PQclear(r);
            rc = e->code;
            goto out;
        }
        matched = strtoll(v, NULL, 10);
        free(v);
    }
    jw_object_begin(&w);
    jw_kv_string(&w, "type", "FeatureCollection");
    jw_key(&w, "features");
    jw_array_begin(&w);
    for (int i = 0; i < PQntuples(r); i++)
        jw_raw(&w, PQgetvalue(r, i, 0));
    jw_array_end(&w);
    jw_kv_int(&w, "numberMatched", matched);
    jw_kv_int(&w, "numberReturned", PQntuples(r));
    jw_key(&w, "links");
    jw_array_begin(&w);
    http_json_link(&w, http_url_with(req, "__none__", NULL), "self", "application/geo+json", "This page");
    if (offset + PQntuples(r) < matched && PQntuples(r) > 0)
        http_json_link(&w, http_url_with(req, "offset", arena_printf(&req->arena, "%ld", offset + limit)), "next",
             "application/geo+json", "Next page");
    if (offset > 0)
        http_json_link(&w, http_url_with(req, "offset", arena_printf(&req->arena, "%ld", offset > limit ? offset - limit : 0)),
             "prev", "application/geo+json", "Previous page");
    http_json_link(&w, arena_printf(&req->arena, "%s/collections/%s", req->base_url, c.name), "collection", "application/json",
         c.title);
    jw_array_end(&w);
    jw_object_end(&w);
    PQclear(r);
    if (!jw_finish(&w))
        rc = err_set(e, JM_ELIMIT, "the response would be too large: lower limit");
out:
    buf_cleanup(&q.sql);
    buf_cleanup(&props);
    buf_cleanup(&where);
    buf_cleanup(&order);
    return rc;
}

enum jm_status route_items(struct http_request *req, struct http_response *res, struct err *e)
{
    return features(req, res, NULL, e);
}

enum jm_status route_item(struct http_request *req, struct http_response *res, struct err *e)
{
    return features(req, res, req->params[1], e);
}

/* JSON Schema type of a PostgreSQL column type. */
static void schema_type(struct jw *w, const char *pg)
{
    if (strcmp(pg, "integer") == 0 || strcmp(pg, "bigint") == 0 || strcmp(pg, "smallint") == 0)
        jw_kv_string(w, "type", "integer");
    else if (strcmp(pg, "double precision") == 0 || strcmp(pg, "real") == 0 || strcmp(pg, "numeric") == 0)
        jw_kv_string(w, "type", "number");
    else if (strcmp(pg, "boolean") == 0)
        jw_kv_string(w, "type", "boolean");
    else if (strcmp(pg, "date") == 0) {
        jw_kv_string(w, "type", "string");
        jw_kv_string(w, "format", "date");
    } else if (strncmp(pg, "timestamp", 9) == 0) {
        jw_kv_string(w, "type", "string");
        jw_kv_string(w, "format", "date-time");
    } else
        jw_kv_string(w, "type", "string");
}

enum jm_status route_queryables(struct http_request *req, struct http_response *res, struct err *e)
{
    PGconn *conn = http_db(req, e);
    if (!conn)
        return e->code;
    struct collection c;
    enum jm_status rc = load_collection(req, conn, req->params[0], &c, e);
    if (rc)
        return rc;
    res->content_type = "application/schema+json";
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_kv_string(&w, "$schema", "https://json-schema.org/draft/2019-09/schema");
    jw_kv_string(&w, "$id", arena_printf(&req->arena, "%s/collections/%s/queryables", req->base_url, c.name));
    jw_kv_string(&w, "type", "object");
    jw_kv_string(&w, "title", c.title);
    jw_key(&w, "properties");
    jw_object_begin(&w);
    jw_key(&w, "geom");
    jw_object_begin(&w);
    jw_kv_string(&w, "title", "Geometry");
    jw_kv_string(&w, "format", "geometry-any");
    jw_kv_string(&w, "x-ogc-role", "primary-geometry");
    jw_object_end(&w);
    jw_key(&w, "id");
    jw_object_begin(&w);
    jw_kv_string(&w, "type", "integer");
    jw_kv_string(&w, "x-ogc-role", "id");
    jw_object_end(&w);
    for (int i = 0; i < c.ncolumns; i++) {
        jw_key(&w, c.columns[i].name);
        jw_object_begin(&w);
        schema_type(&w, c.columns[i].type);
        jw_object_end(&w);
    }
    jw_object_end(&w);
    jw_kv_bool(&w, "additionalProperties", false);
    jw_object_end(&w);
    return jw_finish(&w) ? JM_OK : err_set(e, JM_EINTERNAL, "JSON encoding failed");
}
