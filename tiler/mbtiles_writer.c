/* mbtiles_writer: the MBTiles 1.3 side of tile_archive (tile_archive__mbtiles_*), called by
 * the front in pmtiles_writer.c. One SQLite database: `metadata` (name, value) and `tiles`
 * (zoom_level, tile_column, tile_row, tile_data) with the standard unique index; rows in
 * the TMS scheme (tile_row = 2^z - 1 - y); tiles gzip-compressed MVT (`format` = `pbf`).
 * Statements are prepared with parameters only; the SQL text is constant. */
#include "tile_archive.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "tile_math.h"

/* 0x4d504258, "MPBX": SQLite's registered application id of MBTiles. */
#define MBTILES_APPLICATION_ID "1297105496"

struct tile_archive__mbtiles {
    sqlite3 *db;
    sqlite3_stmt *insert;
    char *file; /* for messages */
};

/* The build: no journal and no syncing (a failed build is thrown away, and the front syncs
 * the finished file before renaming it), the schema, then one transaction for all tiles. */
static const char mbtiles_schema[] = "PRAGMA journal_mode=OFF;"
                                     "PRAGMA synchronous=OFF;"
                                     "PRAGMA application_id=" MBTILES_APPLICATION_ID ";"
                                     "CREATE TABLE metadata (name text, value text);"
                                     "CREATE UNIQUE INDEX name ON metadata (name);"
                                     "CREATE TABLE tiles (zoom_level integer, tile_column integer, "
                                     "tile_row integer, tile_data blob);"
                                     "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
                                     "BEGIN;";

static enum jm_status status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return JM_EINTERNAL;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CONSTRAINT:
    case SQLITE_SCHEMA:
        return JM_EINPUT;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
    case SQLITE_AUTH:
        return JM_EENV;
    default:
        return JM_EINTERNAL;
    }
}

static enum jm_status sqlite_fail(struct err *e, sqlite3 *db, int rc, const char *file, const char *doing)
{
    return err_set(e, status_of(rc), "%s: %s: %s", file, doing, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

void tile_archive__mbtiles_free(struct tile_archive__mbtiles *m)
{
    if (!m)
        return;
    sqlite3_finalize(m->insert);
    sqlite3_close(m->db); /* an open transaction is dropped with the file */
    free(m->file);
    free(m);
}

enum jm_status tile_archive__mbtiles_open(struct tile_archive__mbtiles **out, const char *file, struct err *e)
{
    enum jm_status rc = JM_OK;
    int src;
    *out = NULL;
    struct tile_archive__mbtiles *m = calloc(1, sizeof *m);
    if (!m || !(m->file = strdup(file))) {
        rc = err_set(e, JM_EINTERNAL, "out of memory");
        goto out;
    }
    src = sqlite3_open_v2(file, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (src != SQLITE_OK) {
        rc = sqlite_fail(e, m->db, src, file, "cannot create the MBTiles database");
        goto out;
    }
    sqlite3_extended_result_codes(m->db, 1);
    src = sqlite3_exec(m->db, mbtiles_schema, NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = sqlite_fail(e, m->db, src, file, "cannot create the MBTiles tables");
        goto out;
    }
    src = sqlite3_prepare_v2(m->db,
                             "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)",
                             -1, &m->insert, NULL);
    if (src != SQLITE_OK) {
        rc = sqlite_fail(e, m->db, src, file, "cannot prepare the tile insert");
        goto out;
    }
    *out = m;
    m = NULL;
out:
    tile_archive__mbtiles_free(m);
    return rc;
}

enum jm_status tile_archive__mbtiles_add(struct tile_archive__mbtiles *m, int z, long x, long y, const void *gz,
                                         size_t n, struct err *e)
{
    sqlite3_int64 tms_row = ((sqlite3_int64)1 << z) - 1 - y;
    int src = sqlite3_bind_int(m->insert, 1, z);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(m->insert, 2, x);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(m->insert, 3, tms_row);
    if (src == SQLITE_OK)
        src = sqlite3_bind_blob64(m->insert, 4, gz, n, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(m->insert);
    sqlite3_reset(m->insert);
    sqlite3_clear_bindings(m->insert); /* the blob is the caller's: do not keep pointing at it */
    if (src == SQLITE_DONE)
        return JM_OK;
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return err_set(e, JM_EINPUT, "%s: tile %d/%ld/%ld was added twice", m->file, z, x, y);
    char doing[96];
    snprintf(doing, sizeof doing, "cannot insert tile %d/%ld/%ld", z, x, y);
    return sqlite_fail(e, m->db, src, m->file, doing);
}

/* Inserts one metadata row with the prepared statement. */
static int put_meta(sqlite3_stmt *st, const char *name, const char *value)
{
    int src = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return src == SQLITE_DONE ? SQLITE_OK : src;
}

enum jm_status tile_archive__mbtiles_finish(struct tile_archive__mbtiles *m, const struct tile_archive_meta *meta,
                                            struct err *e)
{
    enum jm_status rc = JM_OK;
    sqlite3_stmt *st = NULL;
    struct buf json;
    buf_init(&json, 0);
    char w[24], s[24], ea[24], n[24], lon[24], lat[24];
    char bounds[4 * 24], center[2 * 24 + 16], minzoom[16], maxzoom[16];
    tile_archive__format_degrees(meta->bounds[0], w);
    tile_archive__format_degrees(meta->bounds[1], s);
    tile_archive__format_degrees(meta->bounds[2], ea);
    tile_archive__format_degrees(meta->bounds[3], n);
    tile_archive__format_degrees(meta->center[0], lon);
    tile_archive__format_degrees(meta->center[1], lat);
    snprintf(bounds, sizeof bounds, "%s,%s,%s,%s", w, s, ea, n);
    snprintf(center, sizeof center, "%s,%s,%ld", lon, lat, lround(meta->center[2]));
    snprintf(minzoom, sizeof minzoom, "%d", meta->minzoom);
    snprintf(maxzoom, sizeof maxzoom, "%d", meta->maxzoom);
    if (!buf_puts(&json, "{\"vector_layers\":") ||
        !buf_puts(&json, meta->vector_layers_json ? meta->vector_layers_json : "[]") || !buf_putc(&json, '}')) {
        rc = err_set(e, JM_ELIMIT, "%s: the metadata JSON does not fit the buffer", m->file);
        goto out;
    }

    const char *rows[][2] = {
        {"name", meta->name},
        {"format", "pbf"},
        {"bounds", bounds},
        {"center", center},
        {"minzoom", minzoom},
        {"maxzoom", maxzoom},
        {"type", "overlay"},
        {"json", buf_str(&json)},
        {"description", meta->description},
        {"attribution", meta->attribution},
    };
    int src = sqlite3_prepare_v2(m->db, "INSERT INTO metadata (name, value) VALUES (?1, ?2)", -1, &st, NULL);
    for (size_t i = 0; src == SQLITE_OK && i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i][1])
            src = put_meta(st, rows[i][0], rows[i][1]);
    if (src != SQLITE_OK) {
        rc = sqlite_fail(e, m->db, src, m->file, "cannot write the metadata");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    sqlite3_finalize(m->insert);
    m->insert = NULL;
    src = sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = sqlite_fail(e, m->db, src, m->file, "cannot commit");
        goto out;
    }
    src = sqlite3_close(m->db);
    if (src != SQLITE_OK) {
        rc = sqlite_fail(e, m->db, src, m->file, "cannot close the database");
        goto out;
    }
    m->db = NULL;
out:
    sqlite3_finalize(st);
    buf_cleanup(&json);
    return rc;
}

enum jm_status tile_archive__mbtiles_read(const char *path, int z, long x, long y, struct buf *out_mvt, bool *found,
                                          struct err *e)
{
    enum jm_status rc = JM_OK;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char doing[96];
    snprintf(doing, sizeof doing, "reading tile %d/%ld/%ld", z, x, y);
    *found = false;
    int src = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(db,
                                 "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 "
                                 "AND tile_row = ?3",
                                 -1, &st, NULL);
    if (src != SQLITE_OK) {
        /* a database without the tiles table is some other SQLite file */
        rc = (src & 0xff) == SQLITE_ERROR
                 ? err_set(e, JM_EINPUT, "%s is not an MBTiles archive: %s", path, sqlite3_errmsg(db))
                 : sqlite_fail(e, db, src, path, doing);
        goto out;
    }
    src = sqlite3_bind_int(st, 1, z);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(st, 2, x);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(st, 3, ((sqlite3_int64)1 << z) - 1 - y);
    if (src == SQLITE_OK)
        src = sqlite3_step(st);
    if (src == SQLITE_DONE)
        goto out;
    if (src != SQLITE_ROW) {
        rc = sqlite_fail(e, db, src, path, doing);
        goto out;
    }
    const unsigned char *blob = sqlite3_column_blob(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    if (n >= 2 && blob[0] == 0x1f && blob[1] == 0x8b) {
        rc = tile_archive__gunzip(blob, (size_t)n, out_mvt, path, e);
        if (rc != JM_OK)
            err_prefix(e, "%s: ", doing);
    } else if (n > 0 && !buf_append(out_mvt, blob, (size_t)n)) {
        rc = err_set(e, JM_ELIMIT, "%s: %s: %d bytes do not fit the buffer", path, doing, n);
    }
    *found = rc == JM_OK;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}
