/* /3dtiles: 3D Tiles 1.1 of each 3D dataset, streamed on demand from PostGIS (tiles3d.h), and
 * of "city", whose root points at the tileset of every 3D dataset the caller may see.
 * Tileset files and contents go through the tile cache under keys that carry the caller's
 * role and the dataset's version, as vector tiles do; the ETag is the key's. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "parse.h"
#include "registry_cache.h"
#include "routes_tiles.h"
#include "tile_cache.h"
#include "tile_math.h"
#include "tiles3d.h"

#define GLB_TYPE "model/gltf-binary"
enum { CITY_DATASETS_MAX = 64 };

/* A cache key for the caller and the datasets' versions; sets the response's ETag. */
static void cache_key(struct http_request *req, struct http_response *res, struct buf *key, const char *what,
                      const struct tile_layer *layers, int n)
{
    buf_printf(key, "3d|%s|%s|", what, req->db_role);
    for (int i = 0; i < n; i++)
        buf_printf(key, "%s:%d,", layers[i].name, layers[i].version);
    res->etag = arena_printf(&req->arena, "\"d%016llx\"", (unsigned long long)tile_cache_key_hash(buf_str(key)));
}

/* The one 3D dataset `name` the caller sees: JM_ENOTFOUND otherwise, with the reason. */
static enum jm_status load_dataset(struct http_request *req, const char *name, struct tile_layer **l, struct err *e)
{
    int n = 0;
    enum jm_status rc = tiles_load_layers(req, name, l, &n, e);
    if (rc)
        return rc;
    if (n == 0)
        return err_set(e, JM_ENOTFOUND, "no 3D tileset '%s'", name);
    if (!tiles3d_capable((*l)->kind))
        return err_set(e, JM_ENOTFOUND, "'%s' has no 3D content (a %s dataset)", name, (*l)->kind);
    return JM_OK;
}

/* Serves `key` from the cache, or makes it with `make` and keeps it. */
typedef enum jm_status (*make_fn)(struct http_request *req, PGconn *conn, void *arg, struct buf *out, struct err *e);

static enum jm_status cached(struct http_request *req, struct http_response *res, const struct buf *key, make_fn make,
                             void *arg, struct err *e)
{
    struct tile_cache *cache = http_tile_cache(req);
    if (!key->overflow && tile_cache_get(cache, buf_str(key), &res->body)) {
        res->x_cache = "hit";
        return JM_OK;
    }
    res->x_cache = "miss";
    PGconn *conn = http_db(req, e);
    if (!conn)
        return e->code;
    enum jm_status rc = make(req, conn, arg, &res->body, e);
    if (!rc && !key->overflow && !res->body.overflow)
        tile_cache_put(cache, buf_str(key), res->body.data, res->body.len);
    return rc;
}

/* ---- tileset files ---------------------------------------------------------------------- */

struct tileset_arg {
    const struct tile_layer *layer;
    int z;
    int64_t x, y;
};

static enum jm_status make_tileset(struct http_request *req, PGconn *conn, void *arg, struct buf *out, struct err *e)
{
    (void)req;
    struct tileset_arg *a = arg;
    return tiles3d_tileset(conn, a->layer, a->z, a->x, a->y, out, NULL, e);
}

/* The city: one child per 3D dataset the caller sees, each pointing at its tileset. */
struct city_arg {
    const struct tile_layer *layers;
    int n;
};

static enum jm_status make_city(struct http_request *req, PGconn *conn, void *arg, struct buf *out, struct err *e)
{
    (void)req;
    const struct tile_layer *layers = ((struct city_arg *)arg)->layers;
    int n = ((struct city_arg *)arg)->n;
    enum jm_status rc;
    const char *names[CITY_DATASETS_MAX];
    double regions[CITY_DATASETS_MAX][6], errors[CITY_DATASETS_MAX];
    int k = 0;
    for (int i = 0; i < n && k < CITY_DATASETS_MAX; i++) {
        if (!tiles3d_capable(layers[i].kind))
            continue;
        struct err de;
        err_clear(&de);
        rc = tiles3d_root(conn, &layers[i], regions[k], &errors[k], &de);
        if (rc == JM_ENOTFOUND)
            continue; /* an empty dataset */
        if (rc)
            return err_set(e, rc, "%s", de.msg);
        names[k++] = layers[i].name;
    }
    return tileset3d_write_combined(names, (const double(*)[6])regions, errors, k, "../", out, e);
}

static enum jm_status serve_tileset(struct http_request *req, struct http_response *res, int z, int64_t x, int64_t y,
                                    struct err *e)
{
    const char *name = req->params[0];
    struct buf key;
    buf_init(&key, 1 << 14);
    enum jm_status rc;
    if (strcmp(name, "city") == 0 && z < 0) {
        struct tile_layer *layers;
        int n = 0;
        if ((rc = tiles_load_layers(req, NULL, &layers, &n, e)))
            goto out;
        cache_key(req, res, &key, "city", layers, n);
        struct city_arg a = {layers, n};
        rc = cached(req, res, &key, make_city, &a, e);
    } else {
        struct tile_layer *l;
        if ((rc = load_dataset(req, name, &l, e)))
            goto out;
        cache_key(req, res, &key, "tileset", l, 1);
        buf_printf(&key, "|%d/%lld/%lld", z, (long long)x, (long long)y);
        struct tileset_arg a = {l, z, x, y};
        rc = cached(req, res, &key, make_tileset, &a, e);
    }
    if (!rc) {
        res->content_type = "application/json";
        res->cache_control = "public, max-age=300";
    }
out:
    buf_cleanup(&key);
    return rc;
}

enum jm_status route_3dtiles_tileset(struct http_request *req, struct http_response *res, struct err *e)
{
    return serve_tileset(req, res, -1, 0, 0, e);
}

/* z/x/y of the route: JM_ENOTFOUND outside the grid (and for a non-number). */
static enum jm_status parse_cell(struct http_request *req, int *z, int64_t *x, int64_t *y, struct err *e)
{
    long zl, xl, yl;
    if (!parse_long(req->params[1], 0, TILESET3D_MAX_ZOOM, &zl) || !parse_long(req->params[2], 0, LONG_MAX, &xl) ||
        !parse_long(req->params[3], 0, LONG_MAX, &yl) || !tile_valid((int)zl, xl, yl))
        return err_set(e, JM_ENOTFOUND, "no 3D tile %.12s/%.12s/%.12s", req->params[1], req->params[2], req->params[3]);
    *z = (int)zl, *x = xl, *y = yl;
    return JM_OK;
}

enum jm_status route_3dtiles_subtree(struct http_request *req, struct http_response *res, struct err *e)
{
    int z;
    int64_t x, y;
    enum jm_status rc = parse_cell(req, &z, &x, &y, e);
    return rc ? rc : serve_tileset(req, res, z, x, y, e);
}

/* ---- contents ---------------------------------------------------------------------------- */

static enum jm_status make_content(struct http_request *req, PGconn *conn, void *arg, struct buf *out, struct err *e)
{
    (void)req;
    struct tileset_arg *a = arg;
    struct gltf_options options = tiles3d_options_from_env();
    struct tiles3d_stats stats;
    enum jm_status rc = tiles3d_content(conn, a->layer, a->z, a->x, a->y, &options, out, &stats, e);
    if (!rc && stats.skipped)
        log_info("3dtiles %s/%d/%lld/%lld: %ld footprints gave no solid", a->layer->name, a->z, (long long)a->x,
                 (long long)a->y, stats.skipped);
    return rc;
}

enum jm_status route_3dtiles_content(struct http_request *req, struct http_response *res, struct err *e)
{
    int z;
    int64_t x, y;
    struct tile_layer *l;
    enum jm_status rc = parse_cell(req, &z, &x, &y, e);
    if (!rc)
        rc = load_dataset(req, req->params[0], &l, e);
    if (rc)
        return rc;
    struct buf key;
    buf_init(&key, 1 << 14);
    cache_key(req, res, &key, "content", l, 1);
    struct gltf_options options = tiles3d_options_from_env();
    buf_printf(&key, "|%d/%lld/%lld|%d%d", z, (long long)x, (long long)y, options.quantize, options.meshopt);
    struct tileset_arg a = {l, z, x, y};
    rc = cached(req, res, &key, make_content, &a, e);
    buf_cleanup(&key);
    if (rc)
        return rc;
    if (res->body.len == 0)
        return err_set(e, JM_ENOTFOUND, "no 3D object in tile %d/%lld/%lld", z, (long long)x, (long long)y);
    res->content_type = GLB_TYPE;
    res->cache_control = "public, max-age=300";
    return JM_OK;
}
