/* The import driver: source -> COPY -> index -> registry, in one transaction. */
#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "imp.h"
#include "imp_internal.h"
#include "log.h"
#include "ogr_source.h"
#include "progress.h"
#include "sha256.h"

/* What each kind takes from a source. Kinds whose importer is not built yet say so. */
struct kind_spec {
    const char *name;
    bool available;
    const char *osm_layer;
    const char *osm_filter;
    const char *pg_geometry; /* the column type of data.<name>.geom */
};

static const struct kind_spec kinds[] = {
    {"buildings", true, "multipolygons", "building IS NOT NULL", "MultiPolygon"},
    {"cadastre", false, NULL, NULL, "MultiPolygon"},
    {"network", false, "lines", NULL, "MultiLineString"},
    {"citygml", false, NULL, NULL, NULL},
    {"cityjson", false, NULL, NULL, NULL},
    {"ifc", false, NULL, NULL, NULL},
};

static const struct kind_spec *find_kind(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

bool imp_kind_known(const char *kind)
{
    return find_kind(kind) != NULL;
}

bool imp_kind_available(const char *kind)
{
    const struct kind_spec *k = find_kind(kind);
    return k && k->available;
}

void imp_init(void)
{
    GDALAllRegister();
    /* messages come back through CPLGetLastErrorMsg() into our errors, not on stderr */
    CPLSetErrorHandler(CPLQuietErrorHandler);
}

/* ---- columns --------------------------------------------------------------------------- */

struct column {
    char name[64];
    const char *pg_type;
    OGRFieldType type;
};

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

static struct column *describe_columns(OGRLayerH layer, int *count)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int n = OGR_FD_GetFieldCount(defn);
    struct column *cols = calloc(n > 0 ? (size_t)n : 1, sizeof *cols);
    const char **taken = calloc(n > 0 ? (size_t)n : 1, sizeof *taken);
    if (!cols || !taken) {
        free(cols);
        free(taken);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
        imp__column_name(OGR_Fld_GetNameRef(fd), taken, (size_t)i, cols[i].name);
        taken[i] = cols[i].name;
        cols[i].type = OGR_Fld_GetType(fd);
        cols[i].pg_type = pg_type_of(cols[i].type, OGR_Fld_GetSubType(fd));
    }
    free(taken);
    *count = n;
    return cols;
}

/* Appends one field value in COPY text format. */
static bool put_field(struct buf *row, OGRFeatureH f, int i, const struct column *col)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, i))
        return buf_puts(row, "\\N");
    switch (col->type) {
    case OFTInteger:
        if (strcmp(col->pg_type, "boolean") == 0)
            return buf_puts(row, OGR_F_GetFieldAsInteger(f, i) ? "t" : "f");
        return buf_printf(row, "%d", OGR_F_GetFieldAsInteger(f, i));
    case OFTInteger64:
        return buf_printf(row, "%lld", (long long)OGR_F_GetFieldAsInteger64(f, i));
    case OFTReal:
        return buf_printf(row, "%.17g", OGR_F_GetFieldAsDouble(f, i));
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

/* ---- geometry -------------------------------------------------------------------------- */

/* The feature's geometry as the kind stores it, transformed; NULL (with a reason) when the
 * feature cannot be used. The caller destroys the result. */
static OGRGeometryH storable_geometry(OGRFeatureH f, const struct kind_spec *kind, OGRCoordinateTransformationH ct,
                                      const char **why)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || OGR_G_IsEmpty(g)) {
        *why = "no geometry";
        return NULL;
    }
    OGRwkbGeometryType flat = wkbFlatten(OGR_G_GetGeometryType(g));
    bool polygonal = flat == wkbPolygon || flat == wkbMultiPolygon || flat == wkbCurvePolygon ||
                     flat == wkbMultiSurface || flat == wkbPolyhedralSurface || flat == wkbTIN;
    if (strcmp(kind->pg_geometry, "MultiPolygon") == 0 && !polygonal) {
        *why = "not a polygon";
        return NULL;
    }
    OGRGeometryH out = OGR_G_ForceToMultiPolygon(OGR_G_Clone(g));
    if (!out) {
        *why = "cannot be made a multipolygon";
        return NULL;
    }
    OGR_G_FlattenTo2D(out);
    if (ct && OGR_G_Transform(out, ct) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(out);
        *why = "cannot be transformed to the storage CRS";
        return NULL;
    }
    return out;
}

/* ---- the transaction ------------------------------------------------------------------- */

struct job {
    PGconn *conn;
    const struct imp_options *opt;
    const struct kind_spec *kind;
    struct imp__source src;
    struct column *cols;
    int ncols;
    char name[64];
    char sha256[65];
    char staging[64];
    struct imp_report *report;
};

static enum jm_status exec_sql(struct job *j, struct buf *sql, struct err *e)
{
    if (sql->overflow)
        return err_set(e, JM_EINTERNAL, "SQL statement too long");
    return db_exec_script(j->conn, buf_str(sql), e);
}

static enum jm_status create_staging(struct job *j, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 1 << 20);
    buf_puts(&sql, "CREATE TABLE data.");
    db_quote_ident(&sql, j->staging);
    buf_printf(&sql, " (id bigint PRIMARY KEY, geom geometry(%s, %d) NOT NULL", j->kind->pg_geometry,
               j->src.storage_srid);
    for (int i = 0; i < j->ncols; i++) {
        buf_puts(&sql, ", ");
        db_quote_ident(&sql, j->cols[i].name);
        buf_printf(&sql, " %s", j->cols[i].pg_type);
    }
    buf_puts(&sql, ")");
    enum jm_status rc = exec_sql(j, &sql, e);
    buf_cleanup(&sql);
    return rc;
}

static enum jm_status copy_features(struct job *j, struct err *e)
{
    struct buf sql, rows;
    buf_init(&sql, 1 << 20);
    buf_init(&rows, 0);
    buf_puts(&sql, "COPY data.");
    db_quote_ident(&sql, j->staging);
    buf_puts(&sql, " (id, geom");
    for (int i = 0; i < j->ncols; i++) {
        buf_puts(&sql, ", ");
        db_quote_ident(&sql, j->cols[i].name);
    }
    buf_puts(&sql, ") FROM STDIN");
    enum jm_status rc = JM_OK;
    PGresult *res = PQexec(j->conn, buf_str(&sql));
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        rc = err_set(e, JM_EDB, "cannot start COPY: %s", PQerrorMessage(j->conn));
        PQclear(res);
        goto out;
    }
    PQclear(res);

    struct progress bar;
    GIntBig total = OGR_L_GetFeatureCount(j->src.layer, FALSE);
    progress_begin(&bar, "importing", total > 0 ? (uint64_t)total : 0, j->opt->quiet);
    OGR_L_ResetReading(j->src.layer);
    CPLErrorReset();
    unsigned char *wkb = NULL;
    size_t wkb_alloc = 0;
    OGRFeatureH f;
    int64_t next_id = 1;
    while ((f = OGR_L_GetNextFeature(j->src.layer))) {
        j->report->read++;
        progress_step(&bar, 1);
        const char *why = NULL;
        OGRGeometryH g = storable_geometry(f, j->kind, j->src.ct, &why);
        if (!g) {
            j->report->skipped++;
            log_info("%s: feature %lld skipped: %s", j->opt->file, (long long)OGR_F_GetFID(f), why);
            OGR_F_Destroy(f);
            continue;
        }
        size_t n = (size_t)OGR_G_WkbSize(g);
        if (n > wkb_alloc) {
            unsigned char *p = realloc(wkb, n);
            if (!p) {
                OGR_G_DestroyGeometry(g);
                OGR_F_Destroy(f);
                rc = err_set(e, JM_EINTERNAL, "out of memory");
                break;
            }
            wkb = p;
            wkb_alloc = n;
        }
        OGR_G_ExportToWkb(g, wkbNDR, wkb);
        OGR_G_DestroyGeometry(g);
        bool ok = buf_printf(&rows, "%lld\t", (long long)next_id) && imp__ewkb_hex(&rows, wkb, n, j->src.storage_srid);
        for (int i = 0; ok && i < j->ncols; i++)
            ok = buf_putc(&rows, '\t') && put_field(&rows, f, i, &j->cols[i]);
        ok = ok && buf_putc(&rows, '\n');
        OGR_F_Destroy(f);
        if (!ok) {
            rc = err_set(e, JM_EINTERNAL, "out of memory while encoding feature %lld", (long long)next_id);
            break;
        }
        next_id++;
        j->report->written++;
        if (rows.len >= (1u << 20)) {
            if (PQputCopyData(j->conn, rows.data, (int)rows.len) != 1) {
                rc = err_set(e, JM_EDB, "COPY failed: %s", PQerrorMessage(j->conn));
                break;
            }
            buf_reset(&rows);
        }
    }
    free(wkb);
    progress_end(&bar);
    /* A reader that failed part-way (a truncated or corrupt file) must not leave a partial
     * dataset behind: any failure while reading fails the whole import. */
    if (!rc && CPLGetLastErrorType() >= CE_Failure)
        rc = err_set(e, JM_EINPUT, "%s: read error after %llu features: %s", j->opt->file,
                     (unsigned long long)j->report->read, CPLGetLastErrorMsg());
    if (!rc && rows.len && PQputCopyData(j->conn, rows.data, (int)rows.len) != 1)
        rc = err_set(e, JM_EDB, "COPY failed: %s", PQerrorMessage(j->conn));
    PQputCopyEnd(j->conn, rc ? "import failed" : NULL);
    while ((res = PQgetResult(j->conn))) {
        if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = err_set(e, JM_EDB, "COPY failed: %s", PQresultErrorMessage(res));
        PQclear(res);
    }
out:
    buf_cleanup(&sql);
    buf_cleanup(&rows);
    return rc;
}

static const char *reader_role(const char *access)
{
    if (strcmp(access, "closed") == 0)
        return "jumeau_internal";
    if (strcmp(access, "shared") == 0)
        return "jumeau_shared";
    return "jumeau_open";
}

/* Index, swap the staging table in under the dataset's name, grant it to its readers. */
static enum jm_status finish_table(struct job *j, bool existed, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 1 << 16);
    buf_puts(&sql, "CREATE INDEX ON data.");
    db_quote_ident(&sql, j->staging);
    buf_puts(&sql, " USING gist (geom); ANALYZE data.");
    db_quote_ident(&sql, j->staging);
    buf_puts(&sql, "; ");
    if (existed) {
        buf_puts(&sql, "DROP TABLE IF EXISTS data.");
        db_quote_ident(&sql, j->name);
        buf_puts(&sql, " CASCADE; ");
    }
    char index_old[128], index_new[128], pkey_old[128], pkey_new[128];
    snprintf(index_old, sizeof index_old, "%s_geom_idx", j->staging);
    snprintf(index_new, sizeof index_new, "%s_geom_idx", j->name);
    snprintf(pkey_old, sizeof pkey_old, "%s_pkey", j->staging);
    snprintf(pkey_new, sizeof pkey_new, "%s_pkey", j->name);
    buf_puts(&sql, "ALTER TABLE data.");
    db_quote_ident(&sql, j->staging);
    buf_puts(&sql, " RENAME TO ");
    db_quote_ident(&sql, j->name);
    buf_puts(&sql, "; ALTER INDEX data.");
    db_quote_ident(&sql, index_old);
    buf_puts(&sql, " RENAME TO ");
    db_quote_ident(&sql, index_new);
    buf_puts(&sql, "; ALTER INDEX data.");
    db_quote_ident(&sql, pkey_old);
    buf_puts(&sql, " RENAME TO ");
    db_quote_ident(&sql, pkey_new);
    buf_puts(&sql, "; GRANT SELECT ON data.");
    db_quote_ident(&sql, j->name);
    buf_printf(&sql, " TO %s", reader_role(j->opt->access ? j->opt->access : "open"));
    enum jm_status rc = exec_sql(j, &sql, e);
    buf_cleanup(&sql);
    return rc;
}

static enum jm_status register_dataset(struct job *j, struct err *e)
{
    char srid[16], count[32];
    snprintf(srid, sizeof srid, "%d", j->src.storage_srid);
    snprintf(count, sizeof count, "%llu", (unsigned long long)j->report->written);
    struct buf table;
    buf_init(&table, 256);
    buf_puts(&table, "data.");
    db_quote_ident(&table, j->name);
    /* the lon/lat extent, from the envelope densified so that its curved edges count */
    struct buf bbox_sql;
    buf_init(&bbox_sql, 4096);
    buf_printf(&bbox_sql,
               "WITH env AS (SELECT ST_SetSRID(ST_Extent(geom)::geometry, %s) AS g FROM %s) "
               "SELECT CASE WHEN g IS NULL THEN NULL ELSE ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)] END "
               "FROM (SELECT g, ST_Transform(ST_Segmentize(g, greatest(ST_XMax(g) - ST_XMin(g), ST_YMax(g) - ST_YMin(g), 1) / 32), 4326)::box2d AS b FROM env) s",
               srid, buf_str(&table));
    char *bbox = db_query_value(j->conn, buf_str(&bbox_sql), 0, NULL, e);
    buf_cleanup(&bbox_sql);
    buf_cleanup(&table);
    if (e && e->code)
        return e->code;
    const char *params[] = {
        j->name, j->kind->name, j->opt->title, j->opt->licence, j->opt->access ? j->opt->access : "open",
        j->src.source_srs_name, srid, j->opt->file, j->sha256, count, bbox,
    };
    PGresult *res = db_query(
        j->conn,
        "INSERT INTO jumeau.datasets AS d (name, kind, title, licence, access_level, source_srs, storage_srid,"
        " source_file, source_sha256, feature_count, bbox_4326)"
        " VALUES ($1, $2, coalesce($3, $1), coalesce($4, ''), $5::jumeau.access_level, $6, $7::int, $8, $9,"
        " $10::bigint, $11::double precision[])"
        " ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, title = coalesce($3, d.title),"
        " licence = coalesce($4, d.licence), access_level = EXCLUDED.access_level,"
        " source_srs = EXCLUDED.source_srs, storage_srid = EXCLUDED.storage_srid,"
        " source_file = EXCLUDED.source_file, source_sha256 = EXCLUDED.source_sha256,"
        " feature_count = EXCLUDED.feature_count, bbox_4326 = EXCLUDED.bbox_4326,"
        " version = d.version + 1, updated_at = now()"
        " RETURNING version",
        (int)(sizeof params / sizeof params[0]), params, e);
    free(bbox);
    if (!res)
        return JM_EDB;
    j->report->version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);

    char user[64] = "cli";
    struct passwd *pw = getpwuid(geteuid());
    if (pw)
        snprintf(user, sizeof user, "cli:%.59s", pw->pw_name);
    char version[16];
    snprintf(version, sizeof version, "%d", j->report->version);
    const char *audit[] = {user, j->name, j->opt->file, j->sha256, count, version};
    return db_exec(j->conn,
                   "INSERT INTO jumeau.audit_log (principal, action, target, detail) VALUES ($1, 'import', $2,"
                   " jsonb_build_object('file', $3::text, 'sha256', $4::text, 'features', $5::bigint,"
                   " 'version', $6::int))",
                   (int)(sizeof audit / sizeof audit[0]), audit, e);
}

/* Everything that changes data, in one transaction. */
static enum jm_status import_in_transaction(struct job *j, struct err *e)
{
    enum jm_status rc = db_exec(j->conn, "BEGIN", 0, NULL, e);
    if (rc)
        return rc;
    const char *name_param[] = {j->name};
    /* one import per dataset at a time, across processes */
    if ((rc = db_exec(j->conn, "SELECT pg_advisory_xact_lock(hashtext('jumeau.import.' || $1))", 1, name_param, e)))
        goto out;
    PGresult *res = db_query(j->conn,
                             "SELECT (SELECT count(*) FROM jumeau.datasets WHERE name = $1),"
                             " to_regclass(format('data.%I', $1)) IS NOT NULL",
                             1, name_param, e);
    if (!res) {
        rc = JM_EDB;
        goto out;
    }
    bool registered = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
    bool table_exists = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    if ((registered || table_exists) && !j->opt->replace) {
        rc = err_set(e, JM_EEXISTS, "dataset '%s' exists already: add --replace to import a new version of it",
                     j->name);
        goto out;
    }
    if ((rc = create_staging(j, e)) || (rc = copy_features(j, e)))
        goto out;
    if (j->report->written == 0) {
        rc = err_set(e, JM_EINPUT, "%s: no feature to import as %s (%llu read, %llu skipped)", j->opt->file,
                     j->kind->name, (unsigned long long)j->report->read, (unsigned long long)j->report->skipped);
        goto out;
    }
    if ((rc = finish_table(j, registered || table_exists, e)) || (rc = register_dataset(j, e)))
        goto out;
    return db_exec(j->conn, "COMMIT", 0, NULL, e);
out:
    PQclear(PQexec(j->conn, "ROLLBACK"));
    return rc;
}

/* import_runs rows are written outside the transaction, so failed runs are recorded too. */
static char *run_begin(struct job *j)
{
    const char *p[] = {j->name, j->kind->name, j->opt->file, j->sha256};
    return db_query_value(j->conn,
                          "INSERT INTO jumeau.import_runs (dataset, kind, source_file, source_sha256)"
                          " VALUES ($1, $2, $3, $4) RETURNING id",
                          4, p, NULL);
}

static void run_end(struct job *j, const char *run_id, const struct err *e)
{
    if (!run_id)
        return;
    char read[32], written[32], skipped[32];
    snprintf(read, sizeof read, "%llu", (unsigned long long)j->report->read);
    snprintf(written, sizeof written, "%llu", (unsigned long long)(e->code ? 0 : j->report->written));
    snprintf(skipped, sizeof skipped, "%llu", (unsigned long long)j->report->skipped);
    const char *p[] = {run_id, e->code ? "failed" : "done", read, written, skipped, e->msg};
    db_exec(j->conn,
            "UPDATE jumeau.import_runs SET status = $2, finished_at = now(), features_read = $3::bigint,"
            " features_written = $4::bigint, features_skipped = $5::bigint, message = $6 WHERE id = $1::bigint",
            6, p, NULL);
}

enum jm_status imp_run(PGconn *conn, const struct imp_options *opt, struct imp_report *report, struct err *e)
{
    struct err local;
    err_clear(&local);
    if (!e)
        e = &local;
    memset(report, 0, sizeof *report);
    struct job j = {.conn = conn, .opt = opt, .report = report};
    j.kind = find_kind(opt->kind);
    if (!j.kind)
        return err_set(e, JM_EINPUT, "unknown kind '%s' (cadastre, buildings, network, citygml, cityjson, ifc)",
                       opt->kind);
    if (!j.kind->available)
        return err_set(e, JM_ENOTYET, "import %s: not yet available in this version of jumeau", opt->kind);
    if (opt->access && strcmp(opt->access, "open") && strcmp(opt->access, "shared") && strcmp(opt->access, "closed"))
        return err_set(e, JM_EINPUT, "--access: expected open, shared or closed, got '%s'", opt->access);
    if (opt->name) {
        if (!imp_name_valid(opt->name))
            return err_set(e, JM_EINPUT,
                           "--name: '%s' is not a valid dataset name (lowercase letters, digits and _, starting "
                           "with a letter, at most %d)",
                           opt->name, IMP_NAME_MAX);
        snprintf(j.name, sizeof j.name, "%s", opt->name);
    } else {
        imp_name_from_file(opt->file, j.name);
    }
    if ((size_t)snprintf(j.staging, sizeof j.staging, "%s__import", j.name) >= sizeof j.staging)
        return err_set(e, JM_EINTERNAL, "dataset name too long");
    snprintf(report->name, sizeof report->name, "%s", j.name);
    snprintf(report->kind, sizeof report->kind, "%s", j.kind->name);

    enum jm_status rc = sha256_file_hex(opt->file, j.sha256, e);
    if (rc)
        return rc;
    double started = progress_now();
    struct imp__selection sel = {.layer = opt->layer, .osm_layer = j.kind->osm_layer,
                                 .osm_filter = j.kind->osm_filter, .srs = opt->srs};
    char *run_id = NULL;
    if ((rc = imp__source_open(&j.src, opt->file, &sel, e)))
        goto out;
    report->storage_srid = j.src.storage_srid;
    snprintf(report->source_srs, sizeof report->source_srs, "%s", j.src.source_srs_name);
    j.cols = describe_columns(j.src.layer, &j.ncols);
    if (!j.cols) {
        rc = err_set(e, JM_EINTERNAL, "out of memory");
        goto out;
    }
    run_id = run_begin(&j);
    rc = import_in_transaction(&j, e);
    run_end(&j, run_id, e);
    report->seconds = progress_now() - started;
    snprintf(report->table, sizeof report->table, "data.%s", j.name);
out:
    free(run_id);
    free(j.cols);
    imp__source_close(&j.src);
    return rc;
}
