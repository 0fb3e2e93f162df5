/* jumeau tile 3d NAME --out DIR [--compression none|quantize|meshopt] [--threads N] [--replace]
 *
 * Writes the 3D Tiles of an open dataset to a folder that any web server, object store or
 * CDN serves as it is: tileset.json, tileset/{z}/{x}/{y}.json and content/{z}/{x}/{y}.glb,
 * made by the same code as the server's /3dtiles (tiles3d.h), so the two are identical.
 * The tree is walked from the root: each tileset file names its contents and the external
 * tilesets below it, which go to a queue that N workers (one connection each) empty.
 * The folder is written as DIR.partial and renamed when complete: an interrupted run leaves
 * no half tileset under DIR. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_tile.h"
#include "db.h"
#include "parse.h"
#include "progress.h"
#include "tile_encoder.h"
#include "tiles3d.h"

enum { MAX_THREADS = 16 };

struct job3d {
    const char *conninfo;
    const char *dir; /* DIR.partial */
    struct tile_layer layer;
    struct gltf_options options;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct tileset3d_ref *queue; /* z < 0: the root tileset */
    size_t head, count, cap;
    int busy;
    struct progress bar;
    /* figures */
    long buildings, skipped, contents, tilesets;
    size_t content_bytes, leaf_bytes, largest, root_bytes;
    struct err err;
};

/* ---- files ----------------------------------------------------------------------------------- */

/* Creates the folders of `path` (not its last component). */
static bool make_parents(char *path)
{
    for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        bool ok = mkdir(path, 0755) == 0 || errno == EEXIST;
        *s = '/';
        if (!ok)
            return false;
    }
    return true;
}

static enum jm_status write_file(const char *dir, const char *rel, const struct buf *data, struct err *e)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path)
        return err_set(e, JM_EINPUT, "--out: path too long");
    if (!make_parents(path))
        return err_set(e, JM_EENV, "cannot create the folders of %s: %s", path, strerror(errno));
    FILE *f = fopen(path, "wb");
    if (!f)
        return err_set(e, JM_EENV, "cannot write %s: %s", path, strerror(errno));
    bool ok = fwrite(data->data, 1, data->len, f) == data->len;
    ok = (fclose(f) == 0) && ok;
    return ok ? JM_OK : err_set(e, JM_EENV, "cannot write %s: %s", path, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the queue ------------------------------------------------------------------------------- */

static bool enqueue(struct job3d *j, const struct tileset3d_ref *refs, size_t n)
{
    if (j->count + n > j->cap) {
        size_t cap = (j->count + n) * 2;
        struct tileset3d_ref *q = realloc(j->queue, cap * sizeof *q);
        if (!q)
            return false;
        j->queue = q, j->cap = cap;
    }
    memcpy(j->queue + j->count, refs, n * sizeof *refs);
    j->count += n;
    j->bar.total = j->count;
    return true;
}

/* Makes one item: a tileset file (whose references join the queue) or a content. */
static enum jm_status make_item(struct job3d *j, PGconn *conn, const struct tileset3d_ref *it, struct buf *out,
                                struct buf *refs, struct err *e)
{
    char rel[128];
    buf_reset(refs);
    if (it->z < 0 || it->external) {
        enum jm_status rc = tiles3d_tileset(conn, &j->layer, it->z, it->x, it->y, out, refs, e);
        if (rc)
            return rc;
        if (it->z < 0)
            snprintf(rel, sizeof rel, "tileset.json");
        else
            snprintf(rel, sizeof rel, "tileset/%d/%lld/%lld.json", it->z, (long long)it->x, (long long)it->y);
        if ((rc = write_file(j->dir, rel, out, e)))
            return rc;
        pthread_mutex_lock(&j->lock);
        j->tilesets++;
        if (it->z < 0)
            j->root_bytes = out->len;
        bool ok = enqueue(j, (const struct tileset3d_ref *)(const void *)refs->data,
                          refs->len / sizeof(struct tileset3d_ref));
        pthread_mutex_unlock(&j->lock);
        return ok ? JM_OK : err_set(e, JM_EINTERNAL, "out of memory");
    }
    struct tiles3d_stats st;
    enum jm_status rc = tiles3d_content(conn, &j->layer, it->z, it->x, it->y, &j->options, out, &st, e);
    if (rc)
        return rc;
    snprintf(rel, sizeof rel, "content/%d/%lld/%lld.glb", it->z, (long long)it->x, (long long)it->y);
    if (out->len > 0 && (rc = write_file(j->dir, rel, out, e)))
        return rc;
    pthread_mutex_lock(&j->lock);
    j->contents++;
    j->content_bytes += out->len;
    j->largest = out->len > j->largest ? out->len : j->largest;
    if (!st.simplified) { /* every building is in exactly one leaf */
        j->buildings += st.features;
        j->skipped += st.skipped;
        j->leaf_bytes += out->len;
    }
    pthread_mutex_unlock(&j->lock);
    return JM_OK;
}

static void *worker(void *arg)
{
    struct job3d *j = arg;
    struct err e;
    err_clear(&e);
    PGconn *conn = db_connect(j->conninfo, &e);
    if (conn) { /* what anyone may read: a folder of files is public by nature */
        PGresult *r = PQexec(conn, "SET ROLE jumeau_open");
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            err_set(&e, JM_EDB, "cannot switch to the open reader role");
        PQclear(r);
    }
    struct buf out, refs;
    buf_init(&out, 0), buf_init(&refs, 0);
    pthread_mutex_lock(&j->lock);
    while (!e.code && !j->err.code) {
        if (j->head == j->count) {
            if (j->busy == 0)
                break; /* nothing queued, nobody making more: done */
            pthread_cond_wait(&j->changed, &j->lock);
            continue;
        }
        struct tileset3d_ref it = j->queue[j->head++];
        j->busy++;
        pthread_mutex_unlock(&j->lock);
        make_item(j, conn, &it, &out, &refs, &e);
        pthread_mutex_lock(&j->lock);
        j->busy--;
        progress_step(&j->bar, 1);
        pthread_cond_broadcast(&j->changed);
    }
    if (e.code && !j->err.code)
        j->err = e;
    pthread_cond_broadcast(&j->changed);
    pthread_mutex_unlock(&j->lock);
    buf_cleanup(&out), buf_cleanup(&refs);
    PQfinish(conn);
    return NULL;
}

/* ---- the command ------------------------------------------------------------------------------ */

static enum jm_status read_dataset(const char *conninfo, const char *name, struct tile_layer *l, struct arena *arena,
                                   struct err *e)
{
    PGconn *conn = db_connect(conninfo, e);
    if (!conn)
        return e->code;
    const char *params[] = {name};
    enum jm_status rc = JM_OK;
    PGresult *r = db_query(conn, "SELECT " TILE_LAYER_COLUMNS ", access_level FROM jumeau.datasets WHERE name = $1", 1,
                           params, e);
    if (!r)
        rc = e->code;
    else if (PQntuples(r) == 0)
        rc = err_set(e, JM_ENOTFOUND, "no dataset named '%s' (see jumeau datasets list)", name);
    else if (strcmp(PQgetvalue(r, 0, 12), "open") != 0)
        rc = err_set(e, JM_EDENIED, "dataset '%s' is %s: a tileset folder is public, so only open datasets go in", name,
                     PQgetvalue(r, 0, 12));
    else if (!tile_layer_read(l, r, 0, arena))
        rc = err_set(e, JM_EINTERNAL, "out of memory");
    else if (!tiles3d_capable(l->kind))
        rc = err_set(e, JM_EINPUT, "'%s' has no 3D content (a %s dataset)", name, l->kind);
    PQclear(r);
    PQfinish(conn);
    return rc;
}

static enum jm_status parse_options(const struct cli_parsed *p, const struct cli_opt *opts, struct gltf_options *o,
                                    long *threads, struct err *e)
{
    memset(o, 0, sizeof *o);
    const char *c = cli_get(p, opts, "--compression"), *t = cli_get(p, opts, "--threads");
    if (c && strcmp(c, "quantize") == 0)
        o->quantize = true;
    else if (c && strcmp(c, "meshopt") == 0)
        o->quantize = o->meshopt = true;
    else if (c && strcmp(c, "none") != 0)
        return err_set(e, JM_EINPUT, "--compression: expected none, quantize or meshopt, got '%s'", c);
    *threads = 2;
    if (t && !parse_long(t, 1, MAX_THREADS, threads))
        return err_set(e, JM_EINPUT, "--threads: expected 1 to %d, got '%s'", MAX_THREADS, t);
    return JM_OK;
}

static void report(const struct job3d *j, const char *out, double seconds)
{
    /* buildings, or the objects of a city model (roads, land use … as well) */
    const char *noun = strcmp(j->layer.kind, "buildings") == 0 ? "building" : "city object";
    printf("wrote the 3D tileset of %s to %s: %ld %ss in %ld contents and %ld tileset files, in %.2f s"
           " (%.0f %ss/s)\n",
           j->layer.name, out, j->buildings, noun, j->contents, j->tilesets, seconds,
           seconds > 0 ? (double)j->buildings / seconds : 0.0, noun);
    printf("  %.0f bytes per %s in the leaves, largest content %.1f KB, all contents %.1f MB,"
           " tileset.json %zu bytes; %ld %ss gave no solid\n",
           j->buildings ? (double)j->leaf_bytes / (double)j->buildings : 0.0, noun, (double)j->largest / 1000,
           (double)j->content_bytes / 1e6, j->root_bytes, j->skipped, noun);
}

enum jm_status cmd_tile_3d(struct cli_ctx *ctx, const struct cli_parsed *p, const struct cli_opt *opts, struct err *e)
{
    if (p->npos != 2)
        return err_set(e, JM_EINPUT, "expected one dataset name: jumeau tile 3d NAME --out DIR");
    const char *out = cli_get(p, opts, "--out");
    if (!out || !out[0])
        return err_set(e, JM_EINPUT, "--out DIR is required");
    struct job3d j = {0};
    long threads;
    enum jm_status rc = parse_options(p, opts, &j.options, &threads, e);
    if (rc)
        return rc;
    bool replace = cli_get(p, opts, "--replace") != NULL;
    struct stat st;
    if (!replace && stat(out, &st) == 0)
        return err_set(e, JM_EEXISTS, "%s exists (give --replace to overwrite it)", out);
    struct db_target t;
    if ((rc = cli_db_ready(ctx, &t, e)))
        return rc;
    struct arena arena;
    arena_init(&arena, 0);
    char partial[4096], old[4096];
    snprintf(partial, sizeof partial, "%s.partial", out);
    snprintf(old, sizeof old, "%s.old", out);
    if ((rc = read_dataset(t.conninfo, p->pos[1], &j.layer, &arena, e)))
        goto out;
    remove_tree(partial);
    if (mkdir(partial, 0755) != 0) {
        rc = err_set(e, JM_EENV, "cannot create %s: %s", partial, strerror(errno));
        goto out;
    }
    j.conninfo = t.conninfo, j.dir = partial;
    pthread_mutex_init(&j.lock, NULL);
    pthread_cond_init(&j.changed, NULL);
    err_clear(&j.err);
    struct tileset3d_ref root = {-1, 0, 0, false};
    enqueue(&j, &root, 1);
    double started = progress_now();
    progress_begin(&j.bar, "3D tiles", 1, ctx->quiet);
    pthread_t tid[MAX_THREADS];
    int n = 0;
    for (long i = 0; i < threads; i++)
        if (pthread_create(&tid[n], NULL, worker, &j) == 0)
            n++;
    for (int i = 0; i < n; i++)
        pthread_join(tid[i], NULL);
    progress_end(&j.bar);
    double seconds = progress_now() - started;
    pthread_cond_destroy(&j.changed);
    pthread_mutex_destroy(&j.lock);
    if (n == 0)
        err_set(&j.err, JM_EINTERNAL, "cannot start the tiling threads");
    if (j.err.code) {
        rc = err_set(e, j.err.code, "%s", j.err.msg);
        remove_tree(partial);
        goto out;
    }
    /* the old folder goes only once the new one is complete */
    remove_tree(old);
    if ((stat(out, &st) == 0 && rename(out, old) != 0) || rename(partial, out) != 0) {
        rc = err_set(e, JM_EENV, "cannot rename %s to %s: %s", partial, out, strerror(errno));
        goto out;
    }
    remove_tree(old);
    if (!ctx->quiet)
        report(&j, out, seconds);
out:
    free(j.queue);
    arena_cleanup(&arena);
    return rc;
}
