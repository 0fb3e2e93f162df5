/* jumeau tile mvt NAME… --out FILE.mbtiles|FILE.pmtiles [--minzoom Z] [--maxzoom Z]
 * (jumeau tile 3d NAME --out DIR: cmd_tile3d.c)
 *
 * Builds a vector tile archive of open datasets, for any web server, object store or CDN:
 * every tile of the datasets' extent in the zoom range, made by the same encoder as the
 * server's tiles, on two connections (both cores), written by tiler/'s archive writers.
 * Archives are public by nature, so only open datasets go in. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cmd_tile.h"
#include "db.h"
#include "json_writer.h"
#include "parse.h"
#include "progress.h"
#include "tile_archive.h"
#include "tile_encoder.h"
#include "tile_math.h"

static const struct cli_opt opts[] = {
    {"--out", "PATH", "mvt: the archive, FILE.mbtiles (MBTiles 1.3) or FILE.pmtiles (PMTiles v3); 3d: a folder"},
    {"--minzoom", "Z", "mvt: first zoom (default: the datasets' own)"},
    {"--maxzoom", "Z", "mvt: last zoom (default: 16, or the datasets' own when lower)"},
    {"--compression", "C", "3d: none (default), quantize (KHR_mesh_quantization) or meshopt (EXT_meshopt_compression)"},
    {"--threads", "N", "3d: workers, each with its own connection (default 2)"},
    {"--replace", NULL, "overwrite an existing archive or folder"},
    {NULL, NULL, NULL},
};
static const char usage[] = "jumeau tile mvt NAME… --out FILE.mbtiles|FILE.pmtiles [--minzoom Z] [--maxzoom Z]\n"
                            "       jumeau tile 3d NAME --out DIR [--compression none|quantize|meshopt]";
static const char summary[] =
    "Builds a vector tile archive of open datasets (one layer each), or the 3D Tiles 1.1 tileset of an\n"
    "open 3D dataset as a folder (tileset.json, tileset/, content/): for static hosting and CDNs.";

enum { WORKERS = 2, MAX_TILES = 20000000 };

struct tile_job {
    const char *conninfo;
    struct tile_layer *layers;
    int nlayers;
    long *tiles; /* z, x, y triples */
    long ntiles;
    atomic_long next;
    pthread_mutex_t lock; /* the archive and the figures */
    struct tile_archive *archive;
    struct progress bar;
    long written, empty;
    size_t largest, total_bytes;
    struct err err;
};

static void *worker(void *arg)
{
    struct tile_job *j = arg;
    struct err e;
    err_clear(&e);
    PGconn *conn = db_connect(j->conninfo, &e);
    if (conn) {
        PGresult *r = PQexec(conn, "SET ROLE jumeau_open");
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            err_set(&e, JM_EDB, "cannot switch to the open reader role");
        PQclear(r);
    }
    struct buf tile;
    buf_init(&tile, 0);
    long i;
    while (!e.code && (i = atomic_fetch_add(&j->next, 1)) < j->ntiles) {
        int z = (int)j->tiles[3 * i];
        long x = j->tiles[3 * i + 1], y = j->tiles[3 * i + 2];
        if (tile_encode(conn, false, j->layers, j->nlayers, false, z, x, y, tile_max_bytes(), &tile, &e))
            break;
        pthread_mutex_lock(&j->lock);
        if (tile.len == 0) {
            j->empty++;
        } else if (!tile_archive_add(j->archive, z, x, y, tile.data, tile.len, &e)) {
            j->written++;
            j->total_bytes += tile.len;
            if (tile.len > j->largest)
                j->largest = tile.len;
        }
        progress_step(&j->bar, 1);
        pthread_mutex_unlock(&j->lock);
    }
    if (e.code) {
        pthread_mutex_lock(&j->lock);
        err_set(&j->err, e.code, "%s", e.msg);
        atomic_store(&j->next, j->ntiles); /* the other worker stops too */
        pthread_mutex_unlock(&j->lock);
    }
    buf_cleanup(&tile);
    PQfinish(conn);
    return NULL;
}

/* The open datasets named, as tile layers (strings in `arena`). */
static enum jm_status read_datasets(PGconn *conn, const struct cli_parsed *p, struct arena *arena,
                                    struct tile_layer **out, int *n, struct err *e)
{
    *n = p->npos - 1;
    *out = arena_calloc(arena, (size_t)*n + 1, sizeof **out);
    if (!*out)
        return err_set(e, JM_EINTERNAL, "out of memory");
    for (int i = 0; i < *n; i++) {
        const char *params[] = {p->pos[1 + i]};
        PGresult *r = db_query(conn,
                               "SELECT " TILE_LAYER_COLUMNS ", access_level FROM jumeau.datasets WHERE name = $1",
                               1, params, e);
        if (!r)
            return e->code;
        if (PQntuples(r) == 0) {
            PQclear(r);
            return err_set(e, JM_ENOTFOUND, "no dataset named '%s' (see jumeau datasets list)", p->pos[1 + i]);
        }
        if (strcmp(PQgetvalue(r, 0, 12), "open") != 0) {
            enum jm_status rc = err_set(e, JM_EDENIED,
                                        "dataset '%s' is %s: an archive is public, so only open datasets go in",
                                        p->pos[1 + i], PQgetvalue(r, 0, 12));
            PQclear(r);
            return rc;
        }
        bool ok = tile_layer_read(&(*out)[i], r, 0, arena);
        PQclear(r);
        if (!ok)
            return err_set(e, JM_EINTERNAL, "out of memory");
    }
    return JM_OK;
}

/* Fills job->tiles with the z/x/y of every tile from `lo` to `hi` that a feature's envelope
 * touches (in EPSG:3857, widened by the tile buffer of 64/4096). */
static enum jm_status list_tiles(const char *conninfo, struct tile_job *job, int lo, int hi, struct err *e)
{
    PGconn *conn = db_connect(conninfo, e);
    if (!conn)
        return e->code;
    struct buf sql;
    buf_init(&sql, 1 << 20);
    buf_puts(&sql, "WITH boxes AS (");
    for (int i = 0; i < job->nlayers; i++) {
        if (i)
            buf_puts(&sql, " UNION ALL ");
        buf_puts(&sql, "SELECT ST_Transform(ST_Envelope(geom), 3857)::box2d AS b FROM data.");
        db_quote_ident(&sql, job->layers[i].name);
    }
    /* H: half the Mercator square; S: the tile size at z; the buffer is S * 64 / 4096 */
    buf_printf(&sql,
               "), zooms AS (SELECT z, 2 * %.9f / 2 ^ z AS s FROM generate_series($1::int, $2::int) z)"
               " SELECT DISTINCT z, x, y FROM boxes, zooms,"
               " generate_series(greatest(0, floor((ST_XMin(b) + %.9f - s / 64) / s))::int,"
               "  least(2 ^ z - 1, floor((ST_XMax(b) + %.9f + s / 64) / s))::int) x,"
               " generate_series(greatest(0, floor((%.9f - ST_YMax(b) - s / 64) / s))::int,"
               "  least(2 ^ z - 1, floor((%.9f - ST_YMin(b) + s / 64) / s))::int) y"
               " ORDER BY z, x, y",
               TILE_MERCATOR_HALF, TILE_MERCATOR_HALF, TILE_MERCATOR_HALF, TILE_MERCATOR_HALF, TILE_MERCATOR_HALF);
    char los[8], his[8];
    snprintf(los, sizeof los, "%d", lo);
    snprintf(his, sizeof his, "%d", hi);
    const char *params[] = {los, his};
    enum jm_status rc = JM_OK;
    PGresult *r = sql.overflow ? NULL : db_query(conn, buf_str(&sql), 2, params, e);
    if (!r) {
        rc = e->code ? e->code : err_set(e, JM_EINTERNAL, "tile list query too long");
    } else if (PQntuples(r) > MAX_TILES) {
        rc = err_set(e, JM_ELIMIT, "%d tiles: lower --maxzoom (at most %d tiles an archive)", PQntuples(r), MAX_TILES);
    } else if (!(job->tiles = malloc(((size_t)PQntuples(r) + 1) * 3 * sizeof *job->tiles))) {
        rc = err_set(e, JM_EINTERNAL, "out of memory");
    } else {
        for (int i = 0; i < PQntuples(r); i++) {
            job->tiles[3 * i] = strtol(PQgetvalue(r, i, 0), NULL, 10);
            job->tiles[3 * i + 1] = strtol(PQgetvalue(r, i, 1), NULL, 10);
            job->tiles[3 * i + 2] = strtol(PQgetvalue(r, i, 2), NULL, 10);
        }
        job->ntiles = PQntuples(r);
    }
    PQclear(r);
    buf_cleanup(&sql);
    PQfinish(conn);
    return rc;
}

static char *vector_layers_json(const struct tile_layer *layers, int n)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    struct jw w;
    jw_init(&w, &b);
    jw_array_begin(&w);
    for (int i = 0; i < n; i++) {
        jw_object_begin(&w);
        jw_kv_string(&w, "id", layers[i].name);
        jw_kv_string(&w, "description", layers[i].title);
        jw_kv_int(&w, "minzoom", layers[i].minzoom);
        jw_kv_int(&w, "maxzoom", layers[i].maxzoom);
        jw_key(&w, "fields");
        jw_object_begin(&w);
        jw_object_end(&w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    return buf_take(&b, NULL);
}

enum jm_status cmd_tile(struct cli_ctx *ctx, struct err *e)
{
    static const struct cli_help help = {"tile", usage, summary, opts};
    struct cli_parsed p;
    enum jm_status rc = cli_begin(ctx, &help, &p, e);
    if (rc || p.help)
        return rc;
    if (p.npos >= 1 && strcmp(p.pos[0], "3d") == 0)
        return cmd_tile_3d(ctx, &p, opts, e);
    if (p.npos < 2 || strcmp(p.pos[0], "mvt") != 0)
        return err_set(e, JM_EINPUT, "expected 'mvt' or '3d' and dataset names (usage: %s)", usage);
    if (cli_get(&p, opts, "--compression") || cli_get(&p, opts, "--threads"))
        return err_set(e, JM_EINPUT, "--compression and --threads are options of 'jumeau tile 3d'");
    const char *out = cli_get(&p, opts, "--out");
    if (!out)
        return err_set(e, JM_EINPUT, "--out FILE.mbtiles or FILE.pmtiles is required");
    size_t olen = strlen(out);
    enum tile_archive_format format;
    if (olen > 8 && strcasecmp(out + olen - 8, ".mbtiles") == 0)
        format = TILE_ARCHIVE_MBTILES;
    else if (olen > 8 && strcasecmp(out + olen - 8, ".pmtiles") == 0)
        format = TILE_ARCHIVE_PMTILES;
    else
        return err_set(e, JM_EINPUT, "--out: '%s' must end in .mbtiles or .pmtiles", out);
    long minz = -1, maxz = -1;
    const char *mz = cli_get(&p, opts, "--minzoom"), *xz = cli_get(&p, opts, "--maxzoom");
    if ((mz && !parse_long(mz, 0, 22, &minz)) || (xz && !parse_long(xz, 0, 22, &maxz)))
        return err_set(e, JM_EINPUT, "--minzoom / --maxzoom: expected zoom levels from 0 to 22");

    struct db_target t;
    if ((rc = cli_db_ready(ctx, &t, e)))
        return rc;
    PGconn *conn = db_connect(t.conninfo, e);
    if (!conn)
        return e->code;
    struct arena arena;
    arena_init(&arena, 0);
    struct tile_job job = {.conninfo = t.conninfo};
    pthread_mutex_init(&job.lock, NULL);
    err_clear(&job.err);
    char *layers_json = NULL;
    rc = read_datasets(conn, &p, &arena, &job.layers, &job.nlayers, e);
    PQfinish(conn);
    if (rc)
        goto out;

    /* the zoom range and the extent */
    int lo = 24, hi = 0;
    double bounds[4] = {180, 90, -180, -90};
    for (int i = 0; i < job.nlayers; i++) {
        const struct tile_layer *l = &job.layers[i];
        lo = l->minzoom < lo ? l->minzoom : lo;
        hi = l->maxzoom > hi ? l->maxzoom : hi;
        if (l->has_bbox) {
            bounds[0] = fmin(bounds[0], l->bbox[0]), bounds[1] = fmin(bounds[1], l->bbox[1]);
            bounds[2] = fmax(bounds[2], l->bbox[2]), bounds[3] = fmax(bounds[3], l->bbox[3]);
        }
    }
    if (hi > 16)
        hi = 16;
    if (minz >= 0)
        lo = (int)minz;
    if (maxz >= 0)
        hi = (int)maxz;
    if (lo > hi || bounds[0] > bounds[2]) {
        rc = err_set(e, JM_EINPUT, "nothing to tile: zoom %d to %d over an empty extent", lo, hi);
        goto out;
    }
    /* the tiles that hold something, zoom by zoom: those that the features' envelopes (with
     * the tiles' buffer) touch, found by PostGIS, rather than every tile of the extent */
    if ((rc = list_tiles(t.conninfo, &job, lo, hi, e)))
        goto out;
    if ((rc = tile_archive_open(&job.archive, out, format, cli_get(&p, opts, "--replace") != NULL, e)))
        goto out;
    double started = progress_now();
    progress_begin(&job.bar, "tiling", (uint64_t)job.ntiles, ctx->quiet);
    atomic_init(&job.next, 0);
    pthread_t threads[WORKERS];
    int nthreads = 0;
    for (int i = 0; i < WORKERS; i++)
        if (pthread_create(&threads[i], NULL, worker, &job) == 0)
            nthreads++;
    for (int i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    progress_end(&job.bar);
    if (nthreads == 0)
        err_set(&job.err, JM_EINTERNAL, "cannot start the tiling threads");
    if (job.err.code) {
        rc = err_set(e, job.err.code, "%s", job.err.msg);
        goto out; /* tile_archive_abort() there removes the partial file */
    }
    layers_json = vector_layers_json(job.layers, job.nlayers);
    struct buf attribution;
    buf_init(&attribution, 1 << 14);
    for (int i = 0; i < job.nlayers; i++)
        if (job.layers[i].licence[0] && !strstr(buf_str(&attribution), job.layers[i].licence))
            buf_printf(&attribution, "%s%s", attribution.len ? "; " : "", job.layers[i].licence);
    struct tile_archive_meta meta = {
        .name = job.nlayers == 1 ? job.layers[0].name : "city",
        .description = job.nlayers == 1 ? job.layers[0].title : "jumeau city tiles",
        .attribution = buf_str(&attribution),
        .minzoom = lo,
        .maxzoom = hi,
        .bounds = {bounds[0], bounds[1], bounds[2], bounds[3]},
        .center = {(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, lo},
        .vector_layers_json = layers_json,
    };
    rc = tile_archive_close(job.archive, &meta, e);
    buf_cleanup(&attribution);
    if (!rc && !ctx->quiet)
        printf("wrote %ld tiles to %s (z%d-z%d, %ld empty left out) in %.1f s; largest %.1f KB, mean %.1f KB\n",
               job.written, out, lo, hi, job.empty, progress_now() - started, (double)job.largest / 1000,
               job.written ? (double)job.total_bytes / (double)job.written / 1000 : 0.0);
out:
    /* releases the writer; after a successful close the archive stays (tile_archive.h) */
    tile_archive_abort(job.archive);
    free(layers_json);
    free(job.tiles);
    pthread_mutex_destroy(&job.lock);
    arena_cleanup(&arena);
    return rc;
}
