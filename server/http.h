/* http: the server's request and response, as route handlers see them.
 *
 * Handlers never touch libmicrohttpd: they read the request through these accessors, write
 * a body into res->body, and return a status with an err; the server turns errors into JSON
 * bodies with the right HTTP status (http_status_for) and writes the access log line.
 * Everything a handler allocates for the request lives in req->arena. */
#ifndef JUMEAU_HTTP_H
#define JUMEAU_HTTP_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "err.h"

struct server;

#define HTTP_MAX_PATH_PARAMS 4

struct http_request {
    struct server *server;
    void *conn;               /* the libmicrohttpd connection; opaque to handlers */
    const char *method;       /* HEAD arrives as GET with head_only set */
    bool head_only;
    const char *path;
    struct arena arena;
    char base_url[512];       /* scheme://host[:port] the client used, for links */
    const char *principal;    /* "anonymous" or an API key's name */
    const char *db_role;      /* the reader role of the caller: jumeau_open for anonymous */
    const char *params[HTTP_MAX_PATH_PARAMS]; /* {name} segments of the matched route, in order */
    PGconn *db;               /* checked out on first use by http_db() */
    bool db_broken;
    bool role_set;            /* SET ROLE done on req->db: RESET before it goes back */
    bool internal;            /* the caller is staff: closed attributes may be shown */
    int route;                /* index of the matched route in http_routes, -1 before */
    size_t body_bytes;        /* bytes of request body received */
    double started;
};

struct http_response {
    int status;               /* 200 unless set */
    const char *content_type; /* application/json unless set */
    struct buf body;
    const char *cache_control;
    const char *content_crs;  /* a CRS URI for the Content-Crs header, or NULL */
    const char *etag;         /* an ETag of the handler's, e.g. from a cache key; else the body's hash */
    const char *x_cache;      /* "hit" or "miss" for cacheable resources (X-Cache header), or NULL */
};

/* A query parameter's value, NULL when absent. Lives as long as the request. */
const char *http_query(struct http_request *req, const char *name);

/* A connection for this request, with the caller's role already set (SET ROLE); checked
 * in when the request completes. NULL with JM_EDB when the database is unavailable. */
PGconn *http_db(struct http_request *req, struct err *e);

/* The request's URL with its query, where parameter `name` is replaced by `value` (or added;
 * removed when value is NULL): for next/prev links. Lives in the request's arena. */
const char *http_url_with(struct http_request *req, const char *name, const char *value);

/* Whether the query has a parameter that is not in the NULL-terminated list `known`; the
 * first such name in *unknown. */
bool http_query_unknown(struct http_request *req, const char *const *known, const char **unknown);

struct jw;
struct tile_cache;
struct regcache;
/* The server's tile cache, and its cached view of the dataset registry. */
struct tile_cache *http_tile_cache(struct http_request *req);
struct regcache *http_registry_cache(struct http_request *req);
/* The archive file that serves tileset `name`, or NULL (jumeau serve --archive). */
const char *http_archive_for(struct http_request *req, const char *name);
/* Writes an OGC API link object {href, rel, type[, title]} (title may be NULL). */
void http_json_link(struct jw *w, const char *href, const char *rel, const char *type, const char *title);

/* The HTTP status for an error code, as the API documents it. */
int http_status_for(enum jm_status code);

/* Route handlers: fill `res` or return an error (the server writes the error body). */
typedef enum jm_status (*http_handler)(struct http_request *req, struct http_response *res, struct err *e);

struct http_route {
    const char *method;   /* GET, POST … */
    const char *pattern;  /* "/collections/{id}/items": {x} matches one non-empty segment */
    http_handler handler;
    const char *name;     /* a stable label for metrics and logs */
};

/* /metrics, in Prometheus text format: requests and latency per route, the database pool. */
enum jm_status route_metrics(struct http_request *req, struct http_response *res, struct err *e);

/* The statements every pooled connection prepares (server/routes.c), run by name with
 * db_query_prepared(). */
extern const struct db_statement http_statements[];
extern const size_t http_statements_count;

/* The routing table (server/routes.c). */
extern const struct http_route http_routes[];
extern const int http_routes_count;

/* Matches `path` against `pattern`; fills params (arena copies) on success. The path is
 * already percent-decoded by libmicrohttpd, so params are not decoded a second time.
 * "{name}" matches one segment (or its part before a literal suffix: "{y}.mvt"); "{name*}", at
 * the end of a pattern, matches the rest of the path, slashes included, possibly empty. */
bool http_route_match(const char *pattern, const char *path, struct arena *arena,
                      const char *params[HTTP_MAX_PATH_PARAMS]);

#endif
