/* libmicrohttpd glue: listening socket, request lifecycle, dispatch, errors, access log. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "db.h"
#include "db_pool.h"
#include "sha256.h"
#include "registry_cache.h"
#include "tile_cache.h"
#include "http.h"
#include "json_writer.h"
#include "log.h"
#include "progress.h"
#include "server.h"

enum {
    REQUEST_ARENA_CAP = 64 << 20,   /* bytes a request may allocate */
    RESPONSE_BODY_CAP = 256 << 20,  /* bytes of a response body */
    REQUEST_BODY_CAP = 1 << 20,     /* bytes of a request body */
    DB_CHECKOUT_TIMEOUT_MS = 10000,
    CONNECTION_TIMEOUT_S = 30,      /* idle client connections are closed after this */
    MAX_URL_LENGTH = 8192,
};

/* Latency buckets of the /metrics histogram, in seconds (Prometheus convention). */
static const double latency_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
#define NBUCKETS (sizeof latency_buckets / sizeof latency_buckets[0])
#define MAX_ROUTES 64

/* Counters of one route, updated by every worker thread without locks. */
struct route_metrics {
    atomic_ulong by_class[6];            /* 1xx … 5xx, [0] unused */
    atomic_ulong buckets[NBUCKETS + 1];  /* cumulative at write time; the last is +Inf */
    atomic_ullong microseconds;
};

struct server {
    const struct server_archive *archives;
    int narchives;
    struct db_pool pool;
    struct tile_cache tiles;
    struct regcache registry;
    bool access_log;
    struct route_metrics metrics[MAX_ROUTES + 1]; /* by route index; the last: no route matched */
};

static void observe(struct server *srv, int route, int status, double seconds)
{
    struct route_metrics *m = &srv->metrics[route >= 0 && route < MAX_ROUTES ? route : MAX_ROUTES];
    int cls = status / 100;
    if (cls >= 1 && cls <= 5)
        atomic_fetch_add(&m->by_class[cls], 1);
    size_t b = 0;
    while (b < NBUCKETS && seconds > latency_buckets[b])
        b++;
    atomic_fetch_add(&m->buckets[b], 1);
    atomic_fetch_add(&m->microseconds, (unsigned long long)(seconds * 1e6));
}

struct tile_cache *http_tile_cache(struct http_request *req)
{
    return &req->server->tiles;
}

struct regcache *http_registry_cache(struct http_request *req)
{
    return &req->server->registry;
}

enum jm_status route_metrics(struct http_request *req, struct http_response *res, struct err *e)
{
    (void)e;
    struct server *srv = req->server;
    struct buf *out = &res->body;
    res->content_type = "text/plain; version=0.0.4";
    res->cache_control = "no-store";
    buf_puts(out, "# HELP jumeau_http_requests_total HTTP requests by route and status class.\n"
                  "# TYPE jumeau_http_requests_total counter\n");
    for (int i = 0; i <= http_routes_count && i <= MAX_ROUTES; i++) {
        const char *name = i < http_routes_count ? http_routes[i].name : "unmatched";
        for (int c = 1; c <= 5; c++) {
            unsigned long n = atomic_load(&srv->metrics[i < http_routes_count ? i : MAX_ROUTES].by_class[c]);
            if (n)
                buf_printf(out, "jumeau_http_requests_total{route=\"%s\",status=\"%dxx\"} %lu\n", name, c, n);
        }
    }
    buf_puts(out, "# HELP jumeau_http_request_duration_seconds Time to answer, by route.\n"
                  "# TYPE jumeau_http_request_duration_seconds histogram\n");
    for (int i = 0; i <= http_routes_count && i <= MAX_ROUTES; i++) {
        const struct route_metrics *m = &srv->metrics[i < http_routes_count ? i : MAX_ROUTES];
        const char *name = i < http_routes_count ? http_routes[i].name : "unmatched";
        unsigned long cumulative = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cumulative += atomic_load(&m->buckets[b]);
            if (b < NBUCKETS)
                buf_printf(out, "jumeau_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %lu\n", name,
                           latency_buckets[b], cumulative);
            else
                buf_printf(out, "jumeau_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %lu\n", name,
                           cumulative);
        }
        buf_printf(out, "jumeau_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
                   (double)atomic_load(&m->microseconds) / 1e6);
        buf_printf(out, "jumeau_http_request_duration_seconds_count{route=\"%s\"} %lu\n", name, cumulative);
    }
    pthread_mutex_lock(&srv->tiles.lock);
    buf_printf(out,
               "# HELP jumeau_tile_cache_bytes Bytes of tiles in the cache.\n"
               "# TYPE jumeau_tile_cache_bytes gauge\njumeau_tile_cache_bytes %zu\n"
               "# HELP jumeau_tile_cache_requests_total Tile cache lookups by result.\n"
               "# TYPE jumeau_tile_cache_requests_total counter\n"
               "jumeau_tile_cache_requests_total{result=\"hit\"} %llu\n"
               "jumeau_tile_cache_requests_total{result=\"miss\"} %llu\n",
               srv->tiles.bytes, (unsigned long long)srv->tiles.hits, (unsigned long long)srv->tiles.misses);
    pthread_mutex_unlock(&srv->tiles.lock);
    int open, busy;
    db_pool_counts(&srv->pool, &open, &busy);
    buf_printf(out,
               "# HELP jumeau_db_connections Database connections of the pool.\n"
               "# TYPE jumeau_db_connections gauge\n"
               "jumeau_db_connections{state=\"open\"} %d\n"
               "jumeau_db_connections{state=\"busy\"} %d\n"
               "jumeau_db_connections{state=\"max\"} %d\n",
               open, busy, srv->pool.size);
    return JM_OK;
}

/* ---- request accessors ------------------------------------------------------------- */

const char *http_query(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* A pooled connection for the request, still as the owner (for the key lookup). */
static PGconn *owner_db(struct http_request *req, struct err *e)
{
    if (!req->db)
        req->db = db_pool_checkout(&req->server->pool, DB_CHECKOUT_TIMEOUT_MS, e);
    return req->db;
}

PGconn *http_db(struct http_request *req, struct err *e)
{
    if (req->db && req->role_set)
        return req->db;
    PGconn *conn = owner_db(req, e);
    if (!conn)
        return NULL;
    /* The reader role bounds what this request can read, whatever the handler's SQL says.
     * A connection stays in the role of its last request: switched only when needed. */
    const char *role = req->db_role;
    if (strcmp(db_pool_role(&req->server->pool, conn), role) == 0) {
        req->role_set = true;
        return conn;
    }
    char sql[96];
    snprintf(sql, sizeof sql, "SET ROLE %s", role); /* a constant from our own table, not input */
    PGresult *res = PQexec(conn, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        log_warn("cannot switch to role %s: %s", role, PQerrorMessage(conn));
        req->db_broken = true;
        err_set(e, JM_EDB, "the database is unavailable");
        return NULL;
    }
    req->role_set = true;
    db_pool_set_role(&req->server->pool, conn, role);
    return conn;
}

/* ---- authentication ---------------------------------------------------------------- */

/* Bearer KEY → the key's holder and role; no header → anonymous. A wrong or revoked key is
 * JM_EAUTH (401): a caller who sent a key must know it did not work. */
static enum jm_status authenticate(struct http_request *req, struct err *e)
{
    const char *header = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!header)
        return JM_OK;
    if (strncasecmp(header, "Bearer ", 7) != 0)
        return err_set(e, JM_EAUTH, "the Authorization header must be 'Bearer KEY'");
    const char *key = header + 7;
    while (*key == ' ')
        key++;
    size_t n = strlen(key);
    if (n == 0 || n > 200)
        return err_set(e, JM_EAUTH, "unknown or revoked API key");
    char hash[65];
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, key, n);
    sha256_final_hex(&s, hash);
    PGconn *conn = owner_db(req, e);
    if (!conn)
        return JM_EDB;
    const char *params[] = {hash};
    PGresult *r = db_query_prepared(conn, "api_key", 1, params, e);
    if (!r) {
        req->db_broken = PQstatus(conn) != CONNECTION_OK;
        return JM_EDB;
    }
    enum jm_status rc = JM_OK;
    if (PQntuples(r) == 0) {
        rc = err_set(e, JM_EAUTH, "unknown or revoked API key");
    } else {
        req->principal = arena_strdup(&req->arena, PQgetvalue(r, 0, 0));
        req->internal = strcmp(PQgetvalue(r, 0, 1), "internal") == 0;
        req->db_role = req->internal ? "jumeau_internal" : "jumeau_shared";
        if (!req->principal)
            rc = err_set(e, JM_EINTERNAL, "out of memory");
    }
    PQclear(r);
    return rc;
}

/* ---- query strings ----------------------------------------------------------------- */

struct query_rebuild {
    struct buf *out;
    const char *replace;
    const char *value;
    bool replaced;
};

static void url_encode(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~' || *p == ',' || *p == ':')
            buf_putc(out, (char)*p);
        else
            buf_printf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct query_rebuild *q = cls;
    if (strcmp(key, q->replace) == 0) {
        if (q->replaced || !q->value)
            return MHD_YES;
        value = q->value;
        q->replaced = true;
    }
    buf_putc(q->out, q->out->len && strchr(buf_str(q->out), '?') ? '&' : '?');
    url_encode(q->out, key);
    if (value) {
        buf_putc(q->out, '=');
        url_encode(q->out, value);
    }
    return MHD_YES;
}

const char *http_url_with(struct http_request *req, const char *name, const char *value)
{
    struct buf out;
    buf_init(&out, 16384);
    buf_puts(&out, req->base_url);
    url_encode(&out, req->path);
    /* url_encode escaped the path's slashes: put them back */
    char *p = out.data + strlen(req->base_url);
    for (char *c = p; (c = strstr(c, "%2F")); ) {
        *c = '/';
        memmove(c + 1, c + 3, strlen(c + 3) + 1);
        out.len -= 2;
    }
    struct query_rebuild q = {&out, name, value, false};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    if (!q.replaced && value) {
        buf_putc(&out, strchr(buf_str(&out), '?') ? '&' : '?');
        url_encode(&out, name);
        buf_putc(&out, '=');
        url_encode(&out, value);
    }
    const char *result = out.overflow ? req->base_url : arena_strdup(&req->arena, buf_str(&out));
    buf_cleanup(&out);
    return result;
}

struct unknown_check {
    const char *const *known;
    const char *unknown;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind, (void)value;
    struct unknown_check *c = cls;
    for (const char *const *k = c->known; *k; k++)
        if (strcmp(*k, key) == 0)
            return MHD_YES;
    c->unknown = key;
    return MHD_NO;
}

bool http_query_unknown(struct http_request *req, const char *const *known, const char **unknown)
{
    struct unknown_check c = {known, NULL};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, check_arg, &c);
    *unknown = c.unknown;
    return c.unknown != NULL;
}

int http_status_for(enum jm_status code)
{
    switch (code) {
    case JM_OK: return 200;
    case JM_EINPUT: return 400;
    case JM_ENOTFOUND: return 404;
    case JM_EEXISTS: return 409;
    case JM_ELIMIT: return 413;
    case JM_EDENIED: return 403;
    case JM_EAUTH: return 401;
    case JM_EDB: return 503;
    case JM_ENOTYET: return 501;
    case JM_EENV:
    case JM_EINTERNAL:
    default: return 500;
    }
}

void http_json_link(struct jw *w, const char *href, const char *rel, const char *type, const char *title)
{
    jw_object_begin(w);
    jw_kv_string(w, "href", href);
    jw_kv_string(w, "rel", rel);
    jw_kv_string(w, "type", type);
    if (title)
        jw_kv_string(w, "title", title);
    jw_object_end(w);
}

/* ---- routing ----------------------------------------------------------------------- */

bool http_route_match(const char *pattern, const char *path, struct arena *arena,
                      const char *params[HTTP_MAX_PATH_PARAMS])
{
    int nparams = 0;
    const char *p = pattern, *u = path;
    while (*p && *u) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close || nparams == HTTP_MAX_PATH_PARAMS)
                return false;
            if (close[-1] == '*' && close[1] == '\0') { /* "{path*}": the rest, slashes included */
                params[nparams] = arena_strdup(arena, u);
                return params[nparams] != NULL;
            }
            size_t n = strcspn(u, "/");
            /* a literal after the parameter within the segment ("{y}.mvt") must end it */
            size_t suffix = strcspn(close + 1, "/{");
            if (suffix && (n <= suffix || strncmp(u + n - suffix, close + 1, suffix) != 0))
                return false;
            n -= suffix;
            if (n == 0)
                return false;
            params[nparams] = arena_strndup(arena, u, n);
            if (!params[nparams])
                return false;
            nparams++;
            p = close + 1 + suffix;
            u += n + suffix;
        } else if (*p == *u) {
            p++, u++;
        } else {
            return false;
        }
    }
    /* a trailing slash is the same resource */
    if (*u == '/' && u[1] == '\0' && u != path)
        u++;
    /* "/viewer/{path*}" matches "/viewer/" with an empty rest */
    if (*u == '\0' && *p == '{' && nparams < HTTP_MAX_PATH_PARAMS) {
        const char *close = strchr(p, '}');
        if (close && close[-1] == '*' && close[1] == '\0') {
            params[nparams] = arena_strdup(arena, "");
            return params[nparams] != NULL;
        }
    }
    return *p == '\0' && *u == '\0';
}

/* ---- responses --------------------------------------------------------------------- */

static void error_body(struct http_response *res, enum jm_status code, const char *description)
{
    buf_reset(&res->body);
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_kv_string(&w, "code", err_code_name(code));
    jw_kv_string(&w, "description", description);
    jw_object_end(&w);
    res->status = http_status_for(code);
    res->content_type = "application/json";
    res->cache_control = "no-store";
}

/* What a client may be told of an error: its own mistakes in full; for the server's and the
 * database's troubles a fixed sentence, never SQL, paths or library messages. */
static const char *public_description(const struct err *e)
{
    switch (e->code) {
    case JM_EDB: return "the database is unavailable; try again shortly";
    case JM_EENV:
    case JM_EINTERNAL: return "internal server error";
    default: return e->msg;
    }
}

/* A strong validator of the body: 64-bit FNV-1a, enough to tell versions of a response apart. */
static void etag_of(const struct buf *body, char out[24])
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < body->len; i++) {
        h ^= (unsigned char)body->data[i];
        h *= 1099511628211ULL;
    }
    snprintf(out, 24, "\"%016llx\"", (unsigned long long)h);
}

static bool client_accepts_gzip(struct http_request *req)
{
    const char *ae = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    return ae && strstr(ae, "gzip") != NULL;
}

/* gzip-compresses body into a new buffer (free()); NULL when it does not pay. */
static unsigned char *gzip_body(const struct buf *body, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, body->len);
    unsigned char *out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (unsigned char *)body->data;
    z.avail_in = (uInt)body->len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END || *out_len >= body->len) {
        free(out);
        return NULL;
    }
    return out;
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_request *req, struct http_response *res)
{
    char etag[40] = "";
    bool not_modified = false;
    if ((res->status == 200 || res->status == 204) && res->etag)
        snprintf(etag, sizeof etag, "%s", res->etag);
    else if (res->status == 200 && res->body.len)
        etag_of(&res->body, etag);
    if (etag[0]) {
        const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
        not_modified = inm && strstr(inm, etag) != NULL;
    }
    bool gzipped = false;
    size_t len = res->body.len;
    void *data = NULL;
    if (not_modified) {
        res->status = 304;
        len = 0;
    } else if (len > 1000 && client_accepts_gzip(req) && (data = gzip_body(&res->body, &len))) {
        gzipped = true;
    } else {
        len = res->body.len;
        data = len ? buf_take(&res->body, NULL) : NULL;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, data, data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    if (res->content_type && res->status != 204 && res->status != 304)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    if (etag[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    if (gzipped)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding, Authorization");
    if (res->content_crs) {
        char crs[300];
        snprintf(crs, sizeof crs, "<%s>", res->content_crs);
        MHD_add_response_header(r, "Content-Crs", crs);
    }
    if (res->x_cache)
        MHD_add_response_header(r, "X-Cache", res->x_cache);
    if (res->status == 401)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"jumeau\"");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    MHD_add_response_header(r, "Access-Control-Expose-Headers", "ETag, Link, Content-Crs");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, res->cache_control ? res->cache_control : "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    observe(req->server, req->route, res->status, progress_now() - req->started);
    if (req->server->access_log) {
        /* one line per request: method path status bytes ms principal */
        double ms = (progress_now() - req->started) * 1000.0;
        printf("%s %s %d %zu %.1fms %s\n", req->head_only ? "HEAD" : req->method, req->path, res->status, len, ms,
               req->principal);
        fflush(stdout);
    }
    return ok;
}

/* Host header → base URL for links; only characters a host:port can hold are kept. */
static void make_base_url(struct http_request *req)
{
    const char *host = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    const char *proto = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
    const char *scheme = proto && strcmp(proto, "https") == 0 ? "https" : "http";
    char clean[256];
    size_t n = 0;
    for (const char *p = host ? host : "localhost"; *p && n + 1 < sizeof clean; p++) {
        char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
            c == ':' || c == '[' || c == ']')
            clean[n++] = c;
    }
    clean[n] = '\0';
    snprintf(req->base_url, sizeof req->base_url, "%s://%s", scheme, n ? clean : "localhost");
}

static void dispatch(struct http_request *req, struct http_response *res)
{
    struct err e;
    err_clear(&e);
    bool path_known = false;
    for (int i = 0; i < http_routes_count; i++) {
        const struct http_route *route = &http_routes[i];
        const char *params[HTTP_MAX_PATH_PARAMS] = {0};
        if (!http_route_match(route->pattern, req->path, &req->arena, params))
            continue;
        path_known = true;
        if (strcmp(route->method, req->method) != 0)
            continue;
        memcpy(req->params, params, sizeof params);
        req->route = i;
        enum jm_status rc = route->handler(req, res, &e);
        if (rc) {
            if (rc >= JM_EENV)
                log_error("%s %s: %s", req->method, req->path, e.msg);
            error_body(res, rc, public_description(&e));
        } else if (res->body.overflow) {
            error_body(res, JM_ELIMIT, "the response would be too large: narrow the request");
        }
        return;
    }
    if (path_known) {
        err_set(&e, JM_EINPUT, "method %s is not allowed on %s", req->method, req->path);
        error_body(res, JM_EINPUT, e.msg);
        res->status = 405;
    } else {
        err_set(&e, JM_ENOTFOUND, "no resource at %s", req->path);
        error_body(res, JM_ENOTFOUND, e.msg);
    }
}

static enum MHD_Result add_length(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    size_t *total = cls;
    *total += strlen(key) + (value ? strlen(value) : 0) + 2;
    return MHD_YES;
}

/* The length of the path and its query, as the client sent them (near enough: decoded). */
static size_t url_length(struct MHD_Connection *conn, const char *path)
{
    size_t total = strlen(path);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_length, &total);
    return total;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **state)
{
    (void)version, (void)upload_data;
    struct server *srv = cls;
    struct http_request *req = *state;
    if (!req) {
        /* first call: headers are in; set the request up and wait for the body */
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        arena_init(&req->arena, REQUEST_ARENA_CAP);
        req->server = srv;
        req->conn = conn;
        req->started = progress_now();
        req->principal = "anonymous";
        req->db_role = "jumeau_open";
        req->route = -1;
        *state = req;
        return MHD_YES;
    }
    if (*upload_size) {
        /* no route takes a body yet: it is counted and dropped, and a large one refused */
        req->body_bytes += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    req->head_only = strcmp(method, "HEAD") == 0;
    req->method = req->head_only ? "GET" : method;
    req->path = arena_strdup(&req->arena, url);
    make_base_url(req);

    struct http_response res = {.status = 200, .content_type = "application/json"};
    buf_init(&res.body, RESPONSE_BODY_CAP);
    if (!req->path) {
        error_body(&res, JM_EINTERNAL, "internal server error");
    } else if (strcmp(method, "OPTIONS") == 0) {
        /* CORS preflight: any origin may read; the methods and headers jumeau accepts */
        res.status = 204;
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
        MHD_add_response_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type, If-None-Match");
        MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
        enum MHD_Result ok = MHD_queue_response(conn, 204, r);
        MHD_destroy_response(r);
        buf_cleanup(&res.body);
        return ok;
    } else if (url_length(conn, url) > MAX_URL_LENGTH) {
        error_body(&res, JM_ELIMIT, "the URL is too long");
        res.status = 414;
    } else if (req->body_bytes > REQUEST_BODY_CAP) {
        error_body(&res, JM_ELIMIT, "the request body is too large");
    } else {
        struct err ae;
        err_clear(&ae);
        if (authenticate(req, &ae) != JM_OK)
            error_body(&res, ae.code, public_description(&ae));
        else
            dispatch(req, &res);
    }
    enum MHD_Result ok = send_response(conn, req, &res);
    buf_cleanup(&res.body);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state, enum MHD_RequestTerminationCode why)
{
    (void)conn, (void)why;
    struct server *srv = cls;
    struct http_request *req = *state;
    if (!req)
        return;
    if (req->db)
        db_pool_checkin(&srv->pool, req->db, req->db_broken); /* it keeps its role: see http_db() */
    arena_cleanup(&req->arena);
    free(req);
    *state = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    log_debug("http: %s", line);
}

/* ---- listening and the main loop ----------------------------------------------------- */

static int open_listener(const struct config *cfg, struct err *e)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *list = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", cfg->listen_port);
    int gai = getaddrinfo(cfg->listen_host, port, &hints, &list);
    if (gai != 0) {
        err_set(e, JM_EINPUT, "--listen: cannot resolve '%s': %s", cfg->listen_host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 256) != 0) {
            last_errno = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    if (fd < 0) {
        const char *hint = last_errno == EADDRINUSE ? "another program (another jumeau serve?) uses it; stop it or choose "
                                                      "another address with --listen HOST:PORT"
                           : last_errno == EACCES   ? "ports below 1024 need privileges; choose another with --listen"
                                                    : "choose another address with --listen HOST:PORT";
        err_set(e, JM_EENV, "cannot listen on %s:%d: %s (%s)", cfg->listen_host, cfg->listen_port,
                strerror(last_errno), hint);
    }
    return fd;
}

const char *http_archive_for(struct http_request *req, const char *name)
{
    for (int i = 0; i < req->server->narchives; i++)
        if (strcmp(req->server->archives[i].name, name) == 0)
            return req->server->archives[i].path;
    return NULL;
}

enum jm_status server_run(const struct config *cfg, const char *conninfo, bool access_log,
                          const struct server_archive *archives, int narchives, struct err *e)
{
    /* on the heap: the route counters make it too large for a stack */
    struct server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return err_set(e, JM_EINTERNAL, "out of memory");
    srv->access_log = access_log;
    srv->archives = archives;
    srv->narchives = narchives;
    if (tile_cache_init(&srv->tiles, (size_t)cfg->tile_cache_mb << 20) != 0) {
        free(srv);
        return err_set(e, JM_EINTERNAL, "out of memory");
    }
    int pool_size = cfg->threads * 2;
    enum jm_status rc = db_pool_init(&srv->pool, conninfo, pool_size, http_statements, http_statements_count, e);
    if (rc) {
        tile_cache_cleanup(&srv->tiles);
        free(srv);
        return rc;
    }
    if ((rc = regcache_start(&srv->registry, conninfo, e))) {
        db_pool_cleanup(&srv->pool);
        tile_cache_cleanup(&srv->tiles);
        free(srv);
        return rc;
    }
    int fd = open_listener(cfg, e);
    if (fd < 0) {
        regcache_stop(&srv->registry);
        db_pool_cleanup(&srv->pool);
        tile_cache_cleanup(&srv->tiles);
        free(srv);
        return e ? e->code : JM_EENV;
    }
    /* the stop signals are taken by sigwait below, never by a worker thread */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, srv,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT, 1000u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
    if (!d) {
        close(fd);
        regcache_stop(&srv->registry);
        db_pool_cleanup(&srv->pool);
        tile_cache_cleanup(&srv->tiles);
        free(srv);
        return err_set(e, JM_EENV, "cannot start the HTTP server on %s:%d", cfg->listen_host, cfg->listen_port);
    }
    log_info("serving on http://%s:%d/", cfg->listen_host, cfg->listen_port);
    if (access_log) {
        printf("jumeau %s serving on http://%s:%d/ (Ctrl-C to stop)\n", JUMEAU_VERSION, cfg->listen_host,
               cfg->listen_port);
        fflush(stdout);
    }
    int sig = 0;
    sigwait(&stop, &sig);
    log_info("signal %d: finishing the requests in flight", sig);
    /* stop accepting, then let libmicrohttpd finish and close what is open */
    MHD_socket listener = MHD_quiesce_daemon(d);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    /* in-flight requests get a few seconds; idle keep-alive connections do not hold us */
    for (int i = 0; i < 50; i++) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0)
            break;
        usleep(100 * 1000);
    }
    MHD_stop_daemon(d);
    regcache_stop(&srv->registry);
    db_pool_cleanup(&srv->pool);
    tile_cache_cleanup(&srv->tiles);
    free(srv);
    return JM_OK;
}
