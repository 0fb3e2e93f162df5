/* Streaming a source layer into a staging table: columns, geometry hygiene, COPY. */
#include <cpl_conv.h>
#include <cpl_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "imp_internal.h"
#include "imp_job.h"
#include "log.h"
#include "progress.h"

/* ---- values ------------------------------------------------------------------------------ */

int imp__field(const struct imp__job *j, const char *const *names)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(j->src.layer);
    /* dBase cuts field names to 10 characters: "ref_identifier" is "ref_identi" there */
    bool dbase = strcmp(j->src.driver, "ESRI Shapefile") == 0;
    for (const char *const *n = names; *n; n++)
        for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
            const char *field = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
            if (strcasecmp(field, *n) == 0 || (dbase && strlen(field) == 10 && strncasecmp(field, *n, 10) == 0))
                return i;
        }
    return -1;
}

bool imp__value(const struct imp__job *j, OGRFeatureH f, int index, const char *osm_key, char *out, size_t size)
{
    out[0] = '\0';
    if (index >= 0) {
        if (!OGR_F_IsFieldSetAndNotNull(f, index))
            return false;
        snprintf(out, size, "%s", OGR_F_GetFieldAsString(f, index));
        return out[0] != '\0';
    }
    if (osm_key && j->other_tags >= 0 && OGR_F_IsFieldSetAndNotNull(f, j->other_tags))
        return imp__hstore_get(OGR_F_GetFieldAsString(f, j->other_tags), osm_key, out, size);
    return false;
}

void imp__note(struct imp__job *j, const char *key, const char *value)
{
    /* keys and values are ours or column names: JSON-escaped by the report writer later */
    buf_printf(&j->notes, "%s%s\t%s", j->notes.len ? "\n" : "", key, value);
}

bool imp__copy_int(struct buf *row, long long v)
{
    /* printf is the hot spot of a COPY stream of millions of ids: digits by hand */
    char digits[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[sizeof digits - 1 - n++] = '-';
    return buf_append(row, digits + sizeof digits - n, (size_t)n);
}

bool imp__copy_double(struct buf *row, double v)
{
    if (v != v || v > 1e300 || v < -1e300)
        return buf_puts(row, "\\N");
    /* whole numbers (counts, years, most heights) skip printf */
    if (v == (double)(long long)v && v > -1e15 && v < 1e15)
        return imp__copy_int(row, (long long)v);
    return buf_printf(row, "%.17g", v);
}

void imp__staging_table(const struct imp__job *j, const char *suffix, struct buf *out)
{
    char name[128];
    snprintf(name, sizeof name, "%s%s", j->staging, suffix);
    buf_puts(out, "data.");
    db_quote_ident(out, name);
}

/* ---- columns ----------------------------------------------------------------------------- */

static const char *pg_type_of(OGRFieldType t, OGRFieldSubType sub)
{
    switch (t) {
    case OFTInteger: return sub == OFSTBoolean ? "boolean" : "integer";
    case OFTInteger64: return "bigint";
    case OFTReal: return "double precision";
    case OFTDate: return "date";
    case OFTTime: return "time";
    case OFTDateTime: return "timestamptz";
    case OFTBinary: return "bytea";
    default: return "text"; /* strings, and lists as OGR prints them */
    }
}

struct imp__source_column *imp__describe_columns(OGRLayerH layer, const struct imp__column *reserved, int nreserved,
                                                 int *count)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int n = OGR_FD_GetFieldCount(defn);
    struct imp__source_column *cols = calloc(n > 0 ? (size_t)n : 1, sizeof *cols);
    const char **taken = calloc((size_t)(n + nreserved + 1), sizeof *taken);
    if (!cols || !taken) {
        free(cols);
        free(taken);
        return NULL;
    }
    for (int i = 0; i < nreserved; i++)
        taken[i] = reserved[i].name;
    for (int i = 0; i < n; i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
        imp__column_name(OGR_Fld_GetNameRef(fd), taken, (size_t)(nreserved + i), cols[i].name);
        taken[nreserved + i] = cols[i].name;
        cols[i].type = OGR_Fld_GetType(fd);
        cols[i].pg_type = pg_type_of(cols[i].type, OGR_Fld_GetSubType(fd));
    }
    free(taken);
    *count = n;
    return cols;
}

/* Appends one field value in COPY text format. */
static bool put_field(struct buf *row, OGRFeatureH f, int i, const struct imp__source_column *col)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, i))
        return buf_puts(row, "\\N");
    switch (col->type) {
    case OFTInteger:
        if (strcmp(col->pg_type, "boolean") == 0)
            return buf_puts(row, OGR_F_GetFieldAsInteger(f, i) ? "t" : "f");
        return imp__copy_int(row, OGR_F_GetFieldAsInteger(f, i));
    case OFTInteger64:
        return imp__copy_int(row, OGR_F_GetFieldAsInteger64(f, i));
    case OFTReal:
        return imp__copy_double(row, OGR_F_GetFieldAsDouble(f, i));
    case OFTDate:
    case OFTTime:
    case OFTDateTime: {
        int y, mo, d, h, mi, tz;
        float s;
        if (!OGR_F_GetFieldAsDateTimeEx(f, i, &y, &mo, &d, &h, &mi, &s, &tz))
            return buf_puts(row, "\\N");
        if (col->type == OFTDate)
            return buf_printf(row, "%04d-%02d-%02d", y, mo, d);
        if (col->type == OFTTime)
            return buf_printf(row, "%02d:%02d:%06.3f", h, mi, (double)s);
        bool ok = buf_printf(row, "%04d-%02d-%02d %02d:%02d:%06.3f", y, mo, d, h, mi, (double)s);
        if (tz >= 100) { /* OGR: 100 is UTC, each step 15 minutes */
            int off = (tz - 100) * 15;
            ok = ok && buf_printf(row, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
        }
        return ok;
    }
    case OFTBinary: {
        int n = 0;
        const GByte *bytes = OGR_F_GetFieldAsBinary(f, i, &n);
        if (!buf_puts(row, "\\\\x"))
            return false;
        for (int k = 0; k < n; k++)
            if (!buf_printf(row, "%02x", bytes[k]))
                return false;
        return true;
    }
    default:
        return imp__copy_text(row, OGR_F_GetFieldAsString(f, i));
    }
}

/* ---- geometry ---------------------------------------------------------------------------- */

static bool in_family(OGRwkbGeometryType flat, enum imp__geometry family)
{
    switch (family) {
    case IMP_GEOM_POLYGONS:
        return flat == wkbPolygon || flat == wkbMultiPolygon || flat == wkbCurvePolygon || flat == wkbMultiSurface ||
               flat == wkbPolyhedralSurface || flat == wkbTIN || flat == wkbTriangle;
    case IMP_GEOM_LINES:
        return flat == wkbLineString || flat == wkbMultiLineString || flat == wkbCircularString ||
               flat == wkbCompoundCurve || flat == wkbMultiCurve;
    case IMP_GEOM_POINTS:
        return flat == wkbPoint || flat == wkbMultiPoint;
    }
    return false;
}

static const char *family_noun(enum imp__geometry family)
{
    return family == IMP_GEOM_POLYGONS ? "polygons" : family == IMP_GEOM_LINES ? "lines" : "points";
}

/* Keeps the parts of a repaired geometry that belong to the family (MakeValid may return a
 * collection with stray lines or points). Takes ownership of g. */
static OGRGeometryH keep_family(OGRGeometryH g, enum imp__geometry family)
{
    OGRwkbGeometryType flat = wkbFlatten(OGR_G_GetGeometryType(g));
    if (flat != wkbGeometryCollection)
        return g;
    OGRGeometryH out = OGR_G_CreateGeometry(family == IMP_GEOM_POLYGONS ? wkbMultiPolygon : wkbMultiLineString);
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
        OGRGeometryH part = OGR_G_GetGeometryRef(g, i);
        OGRwkbGeometryType pt = wkbFlatten(OGR_G_GetGeometryType(part));
        if (!in_family(pt, family))
            continue;
        if (pt == wkbMultiPolygon || pt == wkbMultiLineString) {
            for (int k = 0; k < OGR_G_GetGeometryCount(part); k++)
                OGR_G_AddGeometry(out, OGR_G_GetGeometryRef(part, k));
        } else {
            OGR_G_AddGeometry(out, part);
        }
    }
    OGR_G_DestroyGeometry(g);
    return out;
}

static void tally(struct imp__tally *t, long long id)
{
    if (t->count < IMP_SAMPLE_IDS)
        t->ids[t->count] = id;
    t->count++;
}

/* A one-polygon, one-ring multipolygon with few points that the quick test passes. */
static bool quickly_valid(OGRGeometryH multi)
{
    if (OGR_G_GetGeometryCount(multi) != 1)
        return false;
    OGRGeometryH poly = OGR_G_GetGeometryRef(multi, 0);
    if (OGR_G_GetGeometryCount(poly) != 1)
        return false;
    OGRGeometryH ring = OGR_G_GetGeometryRef(poly, 0);
    int n = OGR_G_GetPointCount(ring);
    if (n > IMP_RING_QUICK_MAX)
        return false;
    double x[IMP_RING_QUICK_MAX], y[IMP_RING_QUICK_MAX];
    OGR_G_GetPoints(ring, x, sizeof(double), y, sizeof(double), NULL, 0);
    return imp__ring_certainly_simple(x, y, n);
}

/* The feature's geometry as the family stores it: linear, multi, valid, transformed, with Z
 * when the layer has Z. NULL (counted in the job's tallies) when it cannot be used. */
static OGRGeometryH storable_geometry(struct imp__job *j, const struct imp__copy_spec *spec, OGRFeatureH f)
{
    long long fid = (long long)OGR_F_GetFID(f);
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || OGR_G_IsEmpty(g)) {
        tally(&j->skipped_empty, fid);
        return NULL;
    }
    if (!in_family(wkbFlatten(OGR_G_GetGeometryType(g)), spec->family)) {
        tally(&j->skipped_type, fid);
        return NULL;
    }
    /* the feature's own geometry is taken, not copied: the feature is not used for it again */
    OGRGeometryH out = OGR_F_StealGeometry(f);
    if (OGR_G_HasCurveGeometry(out, FALSE)) {
        OGRGeometryH linear = OGR_G_GetLinearGeometry(out, 0, NULL);
        OGR_G_DestroyGeometry(out);
        if (!(out = linear)) {
            tally(&j->skipped_type, fid);
            return NULL;
        }
    }
    if (spec->family == IMP_GEOM_POLYGONS)
        out = OGR_G_ForceToMultiPolygon(out);
    else if (spec->family == IMP_GEOM_LINES)
        out = OGR_G_ForceToMultiLineString(out);
    else if (wkbFlatten(OGR_G_GetGeometryType(out)) == wkbMultiPoint && OGR_G_GetGeometryCount(out) == 1) {
        OGRGeometryH single = OGR_G_Clone(OGR_G_GetGeometryRef(out, 0));
        OGR_G_DestroyGeometry(out);
        out = single;
    }
    if (spec->has_z)
        OGR_G_Set3D(out, TRUE);
    else
        OGR_G_FlattenTo2D(out);
    if (spec->ct && OGR_G_Transform(out, spec->ct) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(out);
        tally(&j->skipped_transform, fid);
        return NULL;
    }
    /* validity is judged where the geometry is stored, after the transformation */
    if (spec->family == IMP_GEOM_POLYGONS && !quickly_valid(out) && !OGR_G_IsValid(out)) {
        OGRGeometryH fixed = OGR_G_MakeValid(out);
        OGR_G_DestroyGeometry(out);
        out = fixed ? keep_family(fixed, spec->family) : NULL;
        if (out)
            out = OGR_G_ForceToMultiPolygon(out);
        if (!out || OGR_G_IsEmpty(out)) {
            OGR_G_DestroyGeometry(out);
            tally(&j->skipped_type, fid);
            return NULL;
        }
        tally(&j->repaired, fid);
    }
    return out;
}

/* ---- COPY -------------------------------------------------------------------------------- */

const char *imp__pg_geometry(enum imp__geometry family, bool has_z)
{
    switch (family) {
    case IMP_GEOM_POLYGONS: return has_z ? "MultiPolygonZ" : "MultiPolygon";
    case IMP_GEOM_LINES: return has_z ? "MultiLineStringZ" : "MultiLineString";
    case IMP_GEOM_POINTS: return has_z ? "PointZ" : "Point";
    }
    return "Geometry";
}

enum jm_status imp__create_table(struct imp__job *j, const struct imp__copy_spec *spec, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 1 << 20);
    buf_puts(&sql, "CREATE TABLE ");
    buf_puts(&sql, spec->table);
    /* the loaded table gets its key after the load (index_and_analyze); a table that a kind
     * rebuilds from it (network) never needs one */
    buf_printf(&sql, " (id bigint NOT NULL, geom geometry(%s, %d) NOT NULL",
               imp__pg_geometry(spec->family, spec->has_z), j->src.storage_srid);
    for (int i = 0; i < spec->nnorm; i++) {
        buf_puts(&sql, ", ");
        db_quote_ident(&sql, spec->norm[i].name);
        buf_printf(&sql, " %s", spec->norm[i].pg_type);
    }
    for (int i = 0; i < spec->ncols; i++) {
        buf_puts(&sql, ", ");
        db_quote_ident(&sql, spec->cols[i].name);
        buf_printf(&sql, " %s", spec->cols[i].pg_type);
    }
    buf_puts(&sql, ")");
    enum jm_status rc = sql.overflow ? err_set(e, JM_EINTERNAL, "too many columns") : db_exec_script(j->conn, buf_str(&sql), e);
    buf_cleanup(&sql);
    return rc;
}

/* The load runs as a two-stage pipeline, so that both cores work: the calling thread reads
 * features from OGR (the driver, its decompression, SQLite…) into batches, and one worker
 * thread turns them into rows (geometry repair and transformation, encoding) and sends them
 * with COPY. Batches go through a small bounded queue, so memory stays flat whatever the
 * input's size, and rows keep the source's order (ids are given in that order). GDAL objects
 * move between the threads but are only ever used by one at a time; they go back to the
 * reader to be freed, since glibc's malloc serialises frees of another thread's memory. */
enum { BATCH_FEATURES = 1024, QUEUE_BATCHES = 4, COPY_CHUNK = 1 << 20 };

struct batch {
    OGRFeatureH features[BATCH_FEATURES];
    OGRGeometryH geometries[BATCH_FEATURES]; /* encoded, to be destroyed by the reader */
    int n;
    struct batch *next;                      /* in the list of batches done */
};

struct pipeline {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct batch *queue[QUEUE_BATCHES];
    int head, count;
    bool reading_done;    /* the reader has queued its last batch */
    struct batch *done;   /* encoded batches, handed back to the reader to free */
    bool failed;          /* the worker failed: the reader stops */
    /* the worker's own */
    struct imp__job *j;
    const struct imp__copy_spec *spec;
    struct imp__copy_counts *counts;
    struct buf rows;
    struct err err;
    int64_t next_id;
};

/* Encodes one feature as a COPY row; false only when out of memory. Skips are counted. The
 * geometry is left in *spent for the reader to free. */
static bool encode_feature(struct pipeline *p, OGRFeatureH f, OGRGeometryH *spent, unsigned char **wkb,
                           size_t *wkb_alloc)
{
    struct imp__job *j = p->j;
    const struct imp__copy_spec *spec = p->spec;
    OGRGeometryH g = storable_geometry(j, spec, f);
    if (!g) {
        p->counts->skipped++;
        return true;
    }
    size_t n = (size_t)OGR_G_WkbSize(g);
    if (n > *wkb_alloc) {
        unsigned char *grown = realloc(*wkb, n);
        *spent = g;
        if (!grown)
            return false;
        *wkb = grown;
        *wkb_alloc = n;
    }
    OGR_G_ExportToWkb(g, wkbNDR, *wkb);
    *spent = g;
    struct buf *rows = &p->rows;
    bool ok = imp__copy_int(rows, p->next_id) && buf_putc(rows, '\t') && imp__ewkb_hex(rows, *wkb, n, j->src.storage_srid);
    if (ok && spec->with_kind_values)
        ok = j->kind->write_values(j, f, rows);
    for (int i = 0; ok && i < spec->ncols; i++)
        ok = buf_putc(rows, '\t') && put_field(rows, f, i, &spec->cols[i]);
    ok = ok && buf_putc(rows, '\n');
    if (ok) {
        p->next_id++;
        p->counts->written++;
    }
    return ok;
}

static void *encode_and_send(void *arg)
{
    struct pipeline *p = arg;
    unsigned char *wkb = NULL;
    size_t wkb_alloc = 0;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->count == 0 && !p->reading_done)
            pthread_cond_wait(&p->changed, &p->lock);
        if (p->count == 0) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        struct batch *b = p->queue[p->head];
        p->head = (p->head + 1) % QUEUE_BATCHES;
        p->count--;
        bool failed = p->failed;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);

        for (int i = 0; i < b->n; i++) {
            b->geometries[i] = NULL;
            if (!failed && !encode_feature(p, b->features[i], &b->geometries[i], &wkb, &wkb_alloc)) {
                err_set(&p->err, JM_EINTERNAL, "out of memory while encoding feature %lld", (long long)p->next_id);
                failed = true;
            }
        }
        pthread_mutex_lock(&p->lock);
        b->next = p->done;
        p->done = b;
        pthread_mutex_unlock(&p->lock);
        if (!failed && p->rows.len >= COPY_CHUNK) {
            if (PQputCopyData(p->j->conn, p->rows.data, (int)p->rows.len) != 1) {
                err_set(&p->err, JM_EDB, "COPY failed: %s", PQerrorMessage(p->j->conn));
                failed = true;
            }
            buf_reset(&p->rows);
        }
        if (failed) {
            pthread_mutex_lock(&p->lock);
            p->failed = true;
            pthread_cond_broadcast(&p->changed);
            pthread_mutex_unlock(&p->lock);
        }
    }
    free(wkb);
    return NULL;
}

static void free_batch(struct batch *b)
{
    for (int i = 0; i < b->n; i++) {
        OGR_G_DestroyGeometry(b->geometries[i]);
        OGR_F_Destroy(b->features[i]);
    }
    free(b);
}

/* The reader frees what the worker has finished with, and keeps one batch to reuse. */
static struct batch *reclaim_batches(struct pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    struct batch *done = p->done;
    p->done = NULL;
    pthread_mutex_unlock(&p->lock);
    struct batch *keep = NULL;
    while (done) {
        struct batch *next = done->next;
        for (int i = 0; i < done->n; i++) {
            OGR_G_DestroyGeometry(done->geometries[i]);
            OGR_F_Destroy(done->features[i]);
        }
        if (!keep) {
            done->n = 0;
            keep = done;
        } else {
            free(done);
        }
        done = next;
    }
    return keep;
}

/* Queues a batch for the worker; false when the worker has failed (the batch is freed). */
static bool queue_batch(struct pipeline *p, struct batch *b)
{
    pthread_mutex_lock(&p->lock);
    while (p->count == QUEUE_BATCHES && !p->failed)
        pthread_cond_wait(&p->changed, &p->lock);
    bool failed = p->failed;
    if (!failed) {
        p->queue[(p->head + p->count) % QUEUE_BATCHES] = b;
        p->count++;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    if (failed) {
        for (int i = 0; i < b->n; i++)
            b->geometries[i] = NULL;
        free_batch(b);
    }
    return !failed;
}

enum jm_status imp__copy_layer(struct imp__job *j, const struct imp__copy_spec *spec, struct imp__copy_counts *counts,
                               struct err *e)
{
    memset(counts, 0, sizeof *counts);
    struct buf sql;
    buf_init(&sql, 1 << 20);
    buf_printf(&sql, "COPY %s (id, geom", spec->table);
    for (int i = 0; i < spec->nnorm; i++) {
        buf_puts(&sql, ", ");
        db_quote_ident(&sql, spec->norm[i].name);
    }
    for (int i = 0; i < spec->ncols; i++) {
        buf_puts(&sql, ", ");
        db_quote_ident(&sql, spec->cols[i].name);
    }
    buf_puts(&sql, ") FROM STDIN");
    enum jm_status started_rc = db_copy_begin(j->conn, buf_str(&sql), e);
    buf_cleanup(&sql);
    if (started_rc)
        return started_rc;

    struct pipeline p = {.j = j, .spec = spec, .counts = counts, .next_id = 1};
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.changed, NULL);
    buf_init(&p.rows, 0);
    err_clear(&p.err);
    enum jm_status rc = JM_OK;
    pthread_t worker;
    bool started = pthread_create(&worker, NULL, encode_and_send, &p) == 0;
    if (!started)
        rc = err_set(e, JM_EINTERNAL, "cannot start the encoding thread");

    struct progress bar;
    GIntBig total = OGR_L_GetFeatureCount(spec->layer, FALSE);
    progress_begin(&bar, "importing", total > 0 ? (uint64_t)total : 0, j->opt->quiet);
    OGR_L_ResetReading(spec->layer);
    CPLErrorReset(); /* error state is per thread: this one is the reader's */
    struct batch *b = NULL;
    OGRFeatureH f;
    while (started && (f = OGR_L_GetNextFeature(spec->layer))) {
        counts->read++;
        progress_step(&bar, 1);
        if (!b)
            b = reclaim_batches(&p);
        if (!b && !(b = calloc(1, sizeof *b))) {
            OGR_F_Destroy(f);
            rc = err_set(e, JM_EINTERNAL, "out of memory");
            break;
        }
        b->features[b->n++] = f;
        if (b->n == BATCH_FEATURES) {
            bool queued = queue_batch(&p, b);
            b = NULL;
            if (!queued)
                break;
        }
    }
    if (b && b->n)
        queue_batch(&p, b);
    else
        free(b);
    bool read_failed = CPLGetLastErrorType() >= CE_Failure;
    char read_error[512];
    snprintf(read_error, sizeof read_error, "%s", CPLGetLastErrorMsg());
    if (started) {
        pthread_mutex_lock(&p.lock);
        p.reading_done = true;
        pthread_cond_broadcast(&p.changed);
        pthread_mutex_unlock(&p.lock);
        pthread_join(worker, NULL);
    }
    free(reclaim_batches(&p));
    progress_end(&bar);
    if (!rc && p.err.code)
        rc = err_set(e, p.err.code, "%s", p.err.msg);
    /* A reader that failed part-way (a truncated or corrupt file) must not leave a partial
     * dataset behind: any failure while reading fails the whole import. */
    if (!rc && read_failed)
        rc = err_set(e, JM_EINPUT, "%s: read error after %llu features: %s", spec->file,
                     (unsigned long long)counts->read, read_error);
    if (!rc && counts->written == 0)
        rc = err_set(e, JM_EINPUT, "%s: no %s to import as %s (%llu features read, %llu skipped)", spec->file,
                     family_noun(spec->family), j->kind->name, (unsigned long long)counts->read,
                     (unsigned long long)counts->skipped);
    if (!rc && p.rows.len && PQputCopyData(j->conn, p.rows.data, (int)p.rows.len) != 1)
        rc = err_set(e, JM_EDB, "COPY failed: %s", PQerrorMessage(j->conn));
    rc = db_copy_end(j->conn, rc, e);
    buf_cleanup(&p.rows);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.changed);
    return rc;
}
