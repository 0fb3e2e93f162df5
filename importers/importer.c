/* The import driver: source -> COPY -> the kind's finishing SQL -> personal data moved to
 * closed -> indexes -> swap under the dataset's name -> registry, all in one transaction. */
#include <cpl_conv.h>
#include <errno.h>
#include <pthread.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "imp.h"
#include "imp_internal.h"
#include "imp_job.h"
#include "json_writer.h"
#include "log.h"
#include "progress.h"
#include "sha256.h"

/* ---- kinds ------------------------------------------------------------------------------- */

static const struct imp__kind kind_ifc = {.name = "ifc"};

static const struct imp__kind *const kinds[] = {
    &imp__kind_cadastre, &imp__kind_buildings, &imp__kind_network, &imp__kind_citygml, &imp__kind_cityjson, &kind_ifc,
};

static const struct imp__kind *find_kind(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

bool imp_kind_known(const char *kind)
{
    return find_kind(kind) != NULL;
}

bool imp_kind_available(const char *kind)
{
    const struct imp__kind *k = find_kind(kind);
    return k && k->available;
}

const char *imp_kind_names(void)
{
    return "cadastre, buildings, network, citygml, cityjson, ifc";
}

void imp_init(void)
{
    GDALAllRegister();
    /* messages come back through CPLGetLastErrorMsg() into our errors, not on stderr */
    CPLSetErrorHandler(CPLQuietErrorHandler);
}

/* ---- the source's checksum, on its own thread ------------------------------------------- */

struct imp__hash {
    pthread_t thread;
    const char *path;
    char hex[65];
    struct err err;
};

static void *hash_file(void *arg)
{
    struct imp__hash *h = arg;
    sha256_file_hex(h->path, h->hex, &h->err);
    return NULL;
}

enum jm_status imp__hash_start(struct imp__job *j, struct err *e)
{
    if (access(j->opt->file, R_OK) != 0)
        return err_set(e, JM_EINPUT, "%s: cannot read: %s", j->opt->file, strerror(errno));
    struct imp__hash *h = calloc(1, sizeof *h);
    if (!h)
        return err_set(e, JM_EINTERNAL, "out of memory");
    h->path = j->opt->file;
    err_clear(&h->err);
    if (pthread_create(&h->thread, NULL, hash_file, h) != 0) {
        free(h);
        return err_set(e, JM_EINTERNAL, "cannot start the hashing thread");
    }
    j->hash = h;
    return JM_OK;
}

enum jm_status imp__hash_wait(struct imp__job *j, struct err *e)
{
    struct imp__hash *h = j->hash;
    if (!h)
        return j->sha256[0] ? JM_OK : err_set(e, JM_EINTERNAL, "no checksum");
    pthread_join(h->thread, NULL);
    j->hash = NULL;
    enum jm_status rc = h->err.code ? err_set(e, h->err.code, "%s", h->err.msg) : JM_OK;
    if (!rc)
        memcpy(j->sha256, h->hex, sizeof j->sha256);
    free(h);
    return rc;
}

/* ---- personal data ----------------------------------------------------------------------- */

/* Column names that hold personal data in cadastral and address registers (GDPR): they go to
 * the closed schema unless the caller says otherwise. Compared with laundered names. */
static const char *const personal_names[] = {
    "owner", "owners", "owner_name", "owner_address", "owner_firstname", "owner_lastname", "proprietaire",
    "proprietaires", "nom_proprietaire", "adresse_proprietaire", "titulaire", "eigenaar", "eigenaars",
    "naam_eigenaar", "adres_eigenaar", "eigentuemer", "first_name", "firstname", "last_name", "lastname", "surname",
    "given_name", "nom", "prenom", "birth_date", "date_naissance", "geboortedatum", "email", "e_mail", "phone",
    "telephone", "telefoon", "national_register_number", "rijksregisternummer", NULL};

static bool listed(const char *name, const char *comma_list)
{
    if (!comma_list)
        return false;
    size_t n = strlen(name);
    for (const char *p = comma_list; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed > 0 && p[trimmed - 1] == ' ')
            trimmed--;
        if (trimmed == n && strncasecmp(p, name, n) == 0)
            return true;
        p += len;
    }
    return false;
}

/* Marks the closed columns: those named with --closed (by source or column name) and the
 * well-known personal ones. An unknown name in --closed is an error: a typo must not leave
 * personal data open. */
static enum jm_status mark_closed(struct imp__job *j, struct err *e)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(j->src.layer);
    for (int i = 0; i < j->ncols; i++) {
        const char *source = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
        bool by_name = false;
        for (const char *const *p = personal_names; *p && !by_name; p++)
            by_name = strcmp(j->cols[i].name, *p) == 0;
        j->cols[i].closed = by_name || listed(source, j->opt->closed) || listed(j->cols[i].name, j->opt->closed);
        if (j->cols[i].closed) {
            j->report->closed_columns++;
            log_info("%s: column %s holds personal data: stored in the closed schema", j->opt->file, source);
        }
    }
    for (const char *p = j->opt->closed; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        if (len == 0)
            break;
        char want[128];
        snprintf(want, sizeof want, "%.*s", (int)len, p);
        bool found = false;
        for (int i = 0; i < j->ncols && !found; i++)
            found = strcasecmp(want, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i))) == 0 ||
                    strcasecmp(want, j->cols[i].name) == 0;
        if (!found)
            return err_set(e, JM_EINPUT, "--closed: %s has no column '%s'", j->opt->file, want);
        p += len;
    }
    return JM_OK;
}

/* ---- the transaction --------------------------------------------------------------------- */

static enum jm_status exec_sql(struct imp__job *j, struct buf *sql, struct err *e)
{
    if (sql->overflow)
        return err_set(e, JM_EINTERNAL, "SQL statement too long");
    return db_exec_script(j->conn, buf_str(sql), e);
}

static const char *reader_role(const char *access)
{
    if (strcmp(access, "closed") == 0)
        return "jumeau_internal";
    if (strcmp(access, "shared") == 0)
        return "jumeau_shared";
    return "jumeau_open";
}

/* Moves the closed columns out of the staging table into closed.<staging>, readable by the
 * internal role only. The staging table is invisible to others until the commit, so the
 * personal data is never readable where it does not belong. */
static enum jm_status split_closed(struct imp__job *j, struct err *e)
{
    if (j->report->closed_columns == 0)
        return JM_OK;
    struct buf sql, list;
    buf_init(&sql, 1 << 16);
    buf_init(&list, 1 << 16);
    for (int i = 0; i < j->ncols; i++) {
        if (!j->cols[i].closed)
            continue;
        buf_puts(&list, ", ");
        db_quote_ident(&list, j->cols[i].name);
    }
    buf_puts(&sql, "CREATE TABLE closed.");
    db_quote_ident(&sql, j->staging);
    buf_printf(&sql, " AS SELECT id%s FROM ", buf_str(&list));
    imp__staging_table(j, "", &sql);
    buf_puts(&sql, "; ALTER TABLE closed.");
    db_quote_ident(&sql, j->staging);
    buf_puts(&sql, " ADD PRIMARY KEY (id); ALTER TABLE ");
    imp__staging_table(j, "", &sql);
    const char *sep = " ";
    for (int i = 0; i < j->ncols; i++) {
        if (!j->cols[i].closed)
            continue;
        buf_printf(&sql, "%sDROP COLUMN ", sep);
        db_quote_ident(&sql, j->cols[i].name);
        sep = ", ";
    }
    buf_puts(&sql, "; GRANT SELECT ON closed.");
    db_quote_ident(&sql, j->staging);
    buf_puts(&sql, " TO jumeau_internal");
    enum jm_status rc = exec_sql(j, &sql, e);
    buf_cleanup(&sql);
    buf_cleanup(&list);
    return rc;
}

/* The parts of a dataset: its main table and the companions a kind may make. */
static const struct part {
    const char *schema;
    const char *suffix;
} parts[] = {{"data", ""}, {"data", "_nodes"}, {"data", "_points"}, {"data", "_surfaces"}, {"closed", ""}};

/* Drops the previous version, renames every staging part (and its indexes) to the dataset's
 * names, and grants the data tables to the readers of the access level. */
static enum jm_status swap_in(struct imp__job *j, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 1 << 16);
    const char *role = reader_role(j->opt->access ? j->opt->access : "open");
    enum jm_status rc = JM_OK;
    for (size_t p = 0; p < sizeof parts / sizeof parts[0] && !rc; p++) {
        char old_name[128], new_name[128];
        snprintf(old_name, sizeof old_name, "%s%s", j->staging, parts[p].suffix);
        snprintf(new_name, sizeof new_name, "%s%s", j->name, parts[p].suffix);
        buf_reset(&sql);
        buf_printf(&sql, "DROP TABLE IF EXISTS %s.", parts[p].schema);
        db_quote_ident(&sql, new_name);
        buf_puts(&sql, " CASCADE");
        if ((rc = exec_sql(j, &sql, e)))
            break;
        char qualified[160];
        snprintf(qualified, sizeof qualified, "%s.%s", parts[p].schema, old_name);
        const char *params[] = {qualified, parts[p].schema, old_name};
        PGresult *idx = db_query(j->conn,
                                 "SELECT indexname FROM pg_indexes WHERE to_regclass($1) IS NOT NULL"
                                 " AND schemaname = $2 AND tablename = $3",
                                 3, params, e);
        char *exists = db_query_value(j->conn, "SELECT to_regclass($1) IS NOT NULL", 1, params, e);
        if (!idx || !exists) {
            PQclear(idx);
            free(exists);
            rc = JM_EDB;
            break;
        }
        bool present = strcmp(exists, "t") == 0;
        free(exists);
        if (present) {
            buf_reset(&sql);
            buf_printf(&sql, "ALTER TABLE %s.", parts[p].schema);
            db_quote_ident(&sql, old_name);
            buf_puts(&sql, " RENAME TO ");
            db_quote_ident(&sql, new_name);
            /* indexes are named after their table: follow the rename */
            size_t prefix = strlen(old_name);
            for (int i = 0; i < PQntuples(idx); i++) {
                const char *index = PQgetvalue(idx, i, 0);
                if (strncmp(index, old_name, prefix) != 0)
                    continue;
                char renamed[128];
                snprintf(renamed, sizeof renamed, "%s%s", new_name, index + prefix);
                buf_printf(&sql, "; ALTER INDEX %s.", parts[p].schema);
                db_quote_ident(&sql, index);
                buf_puts(&sql, " RENAME TO ");
                db_quote_ident(&sql, renamed);
            }
            if (strcmp(parts[p].schema, "data") == 0) {
                buf_puts(&sql, "; GRANT SELECT ON data.");
                db_quote_ident(&sql, new_name);
                buf_printf(&sql, " TO %s", role);
            }
            rc = exec_sql(j, &sql, e);
        }
        PQclear(idx);
    }
    buf_cleanup(&sql);
    return rc;
}

static enum jm_status index_and_analyze(struct imp__job *j, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 4096);
    /* a kind that rebuilds its table (network) makes its own indexes */
    if (!j->kind->load_suffix[0]) {
        /* the key and the index are built once over the loaded rows (a sorted build), not
         * row by row during the COPY */
        buf_puts(&sql, "ALTER TABLE ");
        imp__staging_table(j, "", &sql);
        buf_puts(&sql, " ADD PRIMARY KEY (id); CREATE INDEX ON ");
        imp__staging_table(j, "", &sql);
        buf_puts(&sql, " USING gist (geom); ");
    }
    /* PostGIS's geometry statistics are costly on a large sample: 9,000 rows (target 30)
     * estimate a city's spatial selectivity well; autovacuum refines them later */
    buf_puts(&sql, "SET LOCAL default_statistics_target = 30; ANALYZE ");
    imp__staging_table(j, "", &sql);
    enum jm_status rc = exec_sql(j, &sql, e);
    buf_cleanup(&sql);
    return rc;
}

static void cli_principal(char *out, size_t size)
{
    struct passwd *pw = getpwuid(geteuid());
    snprintf(out, size, "cli:%.59s", pw ? pw->pw_name : "unknown");
}

static enum jm_status register_dataset(struct imp__job *j, struct err *e)
{
    char srid[16], count[32];
    snprintf(srid, sizeof srid, "%d", j->src.storage_srid);
    snprintf(count, sizeof count, "%llu", (unsigned long long)j->report->written);
    struct buf table, bbox_sql;
    buf_init(&table, 256);
    buf_init(&bbox_sql, 4096);
    imp__staging_table(j, "", &table);
    /* after the swap the staging name is the dataset's: query the final table */
    buf_reset(&table);
    buf_puts(&table, "data.");
    db_quote_ident(&table, j->name);
    /* the lon/lat extent, from the envelope densified so that its curved edges count */
    buf_printf(&bbox_sql,
               "WITH env AS (SELECT ST_SetSRID(ST_Extent(geom)::geometry, %s) AS g FROM %s) "
               "SELECT CASE WHEN g IS NULL THEN NULL ELSE ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)] END "
               "FROM (SELECT g, ST_Transform(ST_Segmentize(ST_Force2D(g), greatest(ST_XMax(g) - ST_XMin(g), "
               "ST_YMax(g) - ST_YMin(g), 1) / 32), 4326)::box2d AS b FROM env) s",
               srid, buf_str(&table));
    struct err qe;
    err_clear(&qe);
    char *bbox = db_query_value(j->conn, buf_str(&bbox_sql), 0, NULL, &qe);
    buf_cleanup(&bbox_sql);
    buf_cleanup(&table);
    if (qe.code)
        return err_set(e, qe.code, "%s", qe.msg);
    const struct imp_options *o = j->opt;
    const char *params[] = {
        j->name, j->kind->name, o->title, o->licence, o->access ? o->access : "open", j->src.source_srs_name, srid,
        o->file, j->sha256, count, bbox, o->producer, o->frequency,
    };
    PGresult *res = db_query(
        j->conn,
        "INSERT INTO jumeau.datasets AS d (name, kind, title, licence, access_level, source_srs, storage_srid,"
        " source_file, source_sha256, feature_count, bbox_4326, producer, update_frequency)"
        " VALUES ($1, $2, coalesce($3, $1), coalesce($4, ''), $5::jumeau.access_level, $6, $7::int, $8, $9,"
        " $10::bigint, $11::double precision[], coalesce($12, ''), coalesce($13, 'irregular'))"
        " ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, title = coalesce($3, d.title),"
        " licence = coalesce($4, d.licence), access_level = EXCLUDED.access_level,"
        " source_srs = EXCLUDED.source_srs, storage_srid = EXCLUDED.storage_srid,"
        " source_file = EXCLUDED.source_file, source_sha256 = EXCLUDED.source_sha256,"
        " feature_count = EXCLUDED.feature_count, bbox_4326 = EXCLUDED.bbox_4326,"
        " producer = coalesce($12, d.producer), update_frequency = coalesce($13, d.update_frequency),"
        " version = d.version + 1, updated_at = now()"
        " RETURNING version",
        (int)(sizeof params / sizeof params[0]), params, e);
    free(bbox);
    if (!res)
        return JM_EDB;
    j->report->version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);

    /* per-attribute levels: the closed columns of this version */
    const char *name_param[] = {j->name};
    enum jm_status rc = db_exec(j->conn, "DELETE FROM jumeau.dataset_attributes WHERE dataset = $1", 1, name_param, e);
    for (int i = 0; i < j->ncols && !rc; i++) {
        if (!j->cols[i].closed)
            continue;
        const char *attr[] = {j->name, j->cols[i].name};
        rc = db_exec(j->conn,
                     "INSERT INTO jumeau.dataset_attributes (dataset, column_name, access_level) VALUES ($1, $2, 'closed')",
                     2, attr, e);
    }
    if (rc)
        return rc;

    char user[64], version[16];
    cli_principal(user, sizeof user);
    snprintf(version, sizeof version, "%d", j->report->version);
    const char *audit[] = {user, j->name, o->file, j->sha256, count, version};
    return db_exec(j->conn,
                   "INSERT INTO jumeau.audit_log (principal, action, target, detail) VALUES ($1, 'import', $2,"
                   " jsonb_build_object('file', $3::text, 'sha256', $4::text, 'features', $5::bigint,"
                   " 'version', $6::int))",
                   (int)(sizeof audit / sizeof audit[0]), audit, e);
}

/* The network's companion file of point features (manholes, valves…), in the same CRS. */
static enum jm_status load_points(struct imp__job *j, struct err *e)
{
    struct imp__source src;
    struct imp__selection sel = {.srs = j->opt->srs, .storage_srid = j->src.storage_srid};
    enum jm_status rc = imp__source_open(&src, j->opt->points, &sel, e);
    int ncols = 0;
    struct imp__source_column *cols = NULL;
    static const struct imp__column reserved[] = {{"node_id", "bigint"}, {"node_distance_m", "double precision"}};
    if (!rc) {
        cols = imp__describe_columns(src.layer, reserved, 2, &ncols);
        if (!cols)
            rc = err_set(e, JM_EINTERNAL, "out of memory");
    }
    struct buf table;
    buf_init(&table, 256);
    imp__staging_table(j, "_points", &table);
    OGRwkbGeometryType gt = rc ? wkbUnknown : OGR_L_GetGeomType(src.layer);
    struct imp__copy_spec spec = {
        .file = j->opt->points, .layer = rc ? NULL : src.layer, .ct = src.ct, .family = IMP_GEOM_POINTS,
        .has_z = wkbHasZ(gt), .table = buf_str(&table), .cols = cols, .ncols = ncols,
    };
    struct imp__copy_counts counts;
    if (!rc && !(rc = imp__create_table(j, &spec, e)) && !(rc = imp__copy_layer(j, &spec, &counts, e))) {
        struct buf sql;
        buf_init(&sql, 512);
        buf_printf(&sql, "ALTER TABLE %s ADD PRIMARY KEY (id)", spec.table);
        rc = exec_sql(j, &sql, e);
        buf_cleanup(&sql);
    }
    buf_cleanup(&table);
    free(cols);
    imp__source_close(&src);
    return rc;
}

/* Everything that changes data, in one transaction. */

/* Buildings: how many heights came from an attribute, from storeys, or are the default, for
 * the report (buildings without height are counted, never silently made up). */
static enum jm_status count_height_sources(struct imp__job *j, const char *table, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 4096);
    buf_printf(&sql, "SELECT count(*) FILTER (WHERE height_source = 'attribute'), count(*) FILTER (WHERE height_source"
                     " = 'storeys'), count(*) FILTER (WHERE height_source = 'default') FROM %s", table);
    PGresult *r = db_query(j->conn, buf_str(&sql), 0, NULL, e);
    buf_cleanup(&sql);
    if (!r)
        return e->code;
    j->report->heights_from_attribute = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    j->report->heights_from_storeys = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    j->report->heights_default = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    j->report->default_height = j->opt->default_height > 0 ? j->opt->default_height : 6.0;
    PQclear(r);
    return JM_OK;
}

static enum jm_status import_in_transaction(struct imp__job *j, struct err *e)
{
    enum jm_status rc = db_exec(j->conn, "BEGIN", 0, NULL, e);
    if (rc)
        return rc;
    const char *name_param[] = {j->name};
    PGresult *res = NULL;
    struct buf table;
    buf_init(&table, 256);
    /* one import per dataset at a time, across processes */
    if ((rc = db_exec(j->conn, "SELECT pg_advisory_xact_lock(hashtext('jumeau.import.' || $1))", 1, name_param, e)))
        goto out;
    res = db_query(j->conn,
                   "SELECT (SELECT count(*) FROM jumeau.datasets WHERE name = $1),"
                   " to_regclass(format('data.%I', $1)) IS NOT NULL",
                   1, name_param, e);
    if (!res) {
        rc = JM_EDB;
        goto out;
    }
    bool exists = strcmp(PQgetvalue(res, 0, 0), "0") != 0 || strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    if (exists && !j->opt->replace) {
        rc = err_set(e, JM_EEXISTS, "dataset '%s' exists already: add --replace to import a new version of it",
                     j->name);
        goto out;
    }
    imp__staging_table(j, j->kind->load_suffix, &table);
    if (j->kind->load) {
        if ((rc = j->kind->load(j, e)))
            goto out;
        goto loaded;
    }
    struct imp__copy_spec spec = {
        .file = j->opt->file, .layer = j->src.layer, .ct = j->src.ct, .family = j->kind->geometry,
        .has_z = j->has_z, .table = buf_str(&table), .norm = j->kind->columns, .nnorm = j->kind->ncolumns,
        .with_kind_values = true, .cols = j->cols, .ncols = j->ncols,
    };
    struct imp__copy_counts counts;
    rc = imp__create_table(j, &spec, e);
    if (!rc) {
        rc = imp__copy_layer(j, &spec, &counts, e);
        j->report->read = counts.read;
        j->report->written = counts.written;
        j->report->skipped = counts.skipped;
        j->report->repaired = j->repaired.count;
    }
    if (!rc && j->kind == &imp__kind_buildings)
        rc = count_height_sources(j, buf_str(&table), e);
    if (rc)
        goto out;
    log_debug("import %s: %llu rows loaded at %.2f s", j->name, (unsigned long long)counts.written,
              progress_now() - j->started);
    if (j->opt->points && (rc = load_points(j, e)))
        goto out;
loaded:
    if (j->kind->finish && (rc = j->kind->finish(j, e)))
        goto out;
    log_debug("import %s: finished by its kind at %.2f s", j->name, progress_now() - j->started);
    if ((rc = split_closed(j, e)) || (rc = index_and_analyze(j, e)))
        goto out;
    log_debug("import %s: indexed at %.2f s", j->name, progress_now() - j->started);
    if ((rc = swap_in(j, e)) || (rc = imp__hash_wait(j, e)) || (rc = register_dataset(j, e)))
        goto out;
    log_debug("import %s: registered at %.2f s", j->name, progress_now() - j->started);
    buf_cleanup(&table);
    return db_exec(j->conn, "COMMIT", 0, NULL, e);
out:
    buf_cleanup(&table);
    PQclear(PQexec(j->conn, "ROLLBACK"));
    return rc;
}

/* import_runs rows are written outside the transaction, so failed runs are recorded too. */
static char *run_begin(struct imp__job *j)
{
    const char *p[] = {j->name, j->kind->name, j->opt->file};
    return db_query_value(j->conn,
                          "INSERT INTO jumeau.import_runs (dataset, kind, source_file) VALUES ($1, $2, $3) RETURNING id",
                          3, p, NULL);
}

static void run_end(struct imp__job *j, const char *run_id, const struct err *e)
{
    if (!run_id)
        return;
    char read[32], written[32], skipped[32];
    snprintf(read, sizeof read, "%llu", (unsigned long long)j->report->read);
    snprintf(written, sizeof written, "%llu", (unsigned long long)(e->code ? 0 : j->report->written));
    snprintf(skipped, sizeof skipped, "%llu", (unsigned long long)j->report->skipped);
    const char *p[] = {run_id, e->code ? "failed" : "done", read, written, skipped, e->msg,
                       j->sha256[0] ? j->sha256 : NULL};
    db_exec(j->conn,
            "UPDATE jumeau.import_runs SET status = $2, finished_at = now(), features_read = $3::bigint,"
            " features_written = $4::bigint, features_skipped = $5::bigint, message = $6, source_sha256 = $7"
            " WHERE id = $1::bigint",
            7, p, NULL);
}

/* ---- the report -------------------------------------------------------------------------- */

static void tally_json(struct jw *w, const char *key, const struct imp__tally *t)
{
    jw_key(w, key);
    jw_object_begin(w);
    jw_kv_uint(w, "count", t->count);
    jw_key(w, "first_ids");
    jw_array_begin(w);
    for (uint64_t i = 0; i < t->count && i < IMP_SAMPLE_IDS; i++)
        jw_int(w, t->ids[i]);
    jw_array_end(w);
    jw_object_end(w);
}

static enum jm_status write_report(struct imp__job *j, FILE *out, const struct err *failure, struct err *e)
{
    const struct imp_report *r = j->report;
    struct buf b;
    buf_init(&b, 0);
    struct jw w;
    jw_init(&w, &b);
    jw_object_begin(&w);
    jw_kv_string(&w, "status", failure->code ? "failed" : "done");
    if (failure->code)
        jw_kv_string(&w, "error", failure->msg);
    jw_kv_string(&w, "file", j->opt->file);
    jw_kv_string(&w, "sha256", j->sha256);
    jw_kv_string(&w, "kind", j->kind->name);
    jw_kv_string(&w, "dataset", j->name);
    jw_kv_int(&w, "version", r->version);
    jw_kv_string(&w, "source_crs", r->source_srs);
    jw_kv_int(&w, "storage_srid", r->storage_srid);
    jw_kv_uint(&w, "features_read", r->read);
    jw_kv_uint(&w, "features_written", r->written);
    jw_key(&w, "skipped");
    jw_object_begin(&w);
    tally_json(&w, "empty_geometry", &j->skipped_empty);
    tally_json(&w, "wrong_geometry_type", &j->skipped_type);
    tally_json(&w, "not_transformable", &j->skipped_transform);
    jw_object_end(&w);
    tally_json(&w, "repaired", &j->repaired);
    jw_key(&w, "closed_columns");
    jw_array_begin(&w);
    for (int i = 0; i < j->ncols; i++)
        if (j->cols[i].closed)
            jw_string(&w, j->cols[i].name);
    jw_array_end(&w);
    jw_key(&w, "detected");
    jw_object_begin(&w);
    for (const char *p = buf_str(&j->notes); *p;) {
        size_t line = strcspn(p, "\n");
        const char *tab = memchr(p, '\t', line);
        if (tab) {
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)(tab - p), p);
            jw_key(&w, key);
            jw_string_n(&w, tab + 1, (size_t)(p + line - tab - 1));
        }
        p += line + (p[line] == '\n');
    }
    jw_object_end(&w);
    if (j->kind == &imp__kind_buildings && !failure->code) {
        jw_key(&w, "heights");
        jw_object_begin(&w);
        jw_kv_int(&w, "from_attribute", r->heights_from_attribute);
        jw_kv_int(&w, "from_storeys", r->heights_from_storeys);
        jw_kv_int(&w, "default", r->heights_default);
        jw_kv_double(&w, "default_height_m", r->default_height);
        jw_object_end(&w);
    }
    if (j->kind == &imp__kind_network && !failure->code) {
        jw_key(&w, "topology");
        jw_object_begin(&w);
        jw_kv_int(&w, "edges", r->edges);
        jw_kv_int(&w, "nodes", r->nodes);
        jw_kv_int(&w, "components", r->components);
        jw_kv_int(&w, "dangling_ends", r->dangling);
        jw_kv_int(&w, "points", r->points);
        jw_kv_int(&w, "points_tied", r->points_tied);
        jw_object_end(&w);
    }
    jw_kv_double(&w, "seconds", r->seconds);
    jw_object_end(&w);
    buf_putc(&b, '\n');
    enum jm_status rc = JM_OK;
    if (!jw_finish(&w) || fwrite(b.data, 1, b.len, out) != b.len)
        rc = err_set(e, JM_EENV, "--report: cannot write the report");
    buf_cleanup(&b);
    return rc;
}

/* ---- entry ------------------------------------------------------------------------------- */

static enum jm_status check_options(const struct imp_options *opt, struct err *e)
{
    if (opt->access && strcmp(opt->access, "open") && strcmp(opt->access, "shared") && strcmp(opt->access, "closed"))
        return err_set(e, JM_EINPUT, "--access: expected open, shared or closed, got '%s'", opt->access);
    if (opt->name && !imp_name_valid(opt->name))
        return err_set(e, JM_EINPUT,
                       "--name: '%s' is not a valid dataset name (lowercase letters, digits and _, starting with a "
                       "letter, at most %d)",
                       opt->name, IMP_NAME_MAX);
    if (opt->where && strlen(opt->where) > 2000)
        return err_set(e, JM_ELIMIT, "--where: the filter is longer than 2000 characters");
    if (opt->snap_m < 0 || opt->snap_m > 100)
        return err_set(e, JM_EINPUT, "--snap: expected metres from 0 to 100, got %g", opt->snap_m);
    if (opt->storey_height < 0 || opt->storey_height > 20 || opt->default_height < 0 || opt->default_height > 500)
        return err_set(e, JM_EINPUT, "--storey-height / --default-height: out of range");
    if (opt->points && strcmp(opt->kind, "network") != 0)
        return err_set(e, JM_EINPUT, "--points: only a network takes point features");
    return JM_OK;
}

enum jm_status imp_run(PGconn *conn, const struct imp_options *opt, struct imp_report *report, struct err *e)
{
    struct err local;
    err_clear(&local);
    if (!e)
        e = &local;
    memset(report, 0, sizeof *report);
    struct imp__job j = {.conn = conn, .opt = opt, .report = report, .other_tags = -1};
    buf_init(&j.notes, 1 << 16);
    j.kind = find_kind(opt->kind);
    FILE *report_file = NULL;
    char *run_id = NULL;
    enum jm_status rc;
    if (!j.kind) {
        rc = err_set(e, JM_EINPUT, "unknown kind '%s' (%s)", opt->kind, imp_kind_names());
        goto out;
    }
    if (!j.kind->available) {
        rc = err_set(e, JM_ENOTYET, "import %s: not yet available in this version of jumeau", opt->kind);
        goto out;
    }
    if ((rc = check_options(opt, e)))
        goto out;
    if (opt->name)
        snprintf(j.name, sizeof j.name, "%s", opt->name);
    else
        imp_name_from_file(opt->file, j.name);
    snprintf(j.staging, sizeof j.staging, "%.48s__import", j.name);
    snprintf(report->name, sizeof report->name, "%s", j.name);
    snprintf(report->kind, sizeof report->kind, "%s", j.kind->name);
    /* the report file is opened first: a wrong path must fail before anything is written */
    if (opt->report && !(report_file = fopen(opt->report, "w"))) {
        rc = err_set(e, JM_EINPUT, "--report: cannot write %s", opt->report);
        goto out;
    }
    if ((rc = imp__hash_start(&j, e)))
        goto out;
    double started = progress_now();
    j.started = started;
    if (!j.kind->load) { /* an OGR source: opened here, its columns described */
        struct imp__selection sel = {.layer = opt->layer, .osm_layer = j.kind->osm_layer,
                                     .osm_filter = j.kind->osm_filter, .srs = opt->srs, .where = opt->where};
        if ((rc = imp__source_open(&j.src, opt->file, &sel, e)))
            goto out;
        j.osm = strcmp(j.src.driver, "OSM") == 0;
        j.has_z = wkbHasZ(OGR_L_GetGeomType(j.src.layer));
        static const char *const other_tags[] = {"other_tags", NULL};
        j.other_tags = j.osm ? imp__field(&j, other_tags) : -1;
        report->storage_srid = j.src.storage_srid;
        snprintf(report->source_srs, sizeof report->source_srs, "%s", j.src.source_srs_name);
        j.cols = imp__describe_columns(j.src.layer, j.kind->columns, j.kind->ncolumns, &j.ncols);
        if (!j.cols) {
            rc = err_set(e, JM_EINTERNAL, "out of memory");
            goto out;
        }
        if ((rc = mark_closed(&j, e)) || (j.kind->prepare && (rc = j.kind->prepare(&j, e))))
            goto out;
    } else if (access(opt->file, R_OK) != 0) {
        rc = err_set(e, JM_EINPUT, "%s: cannot read the file (%s)", opt->file, strerror(errno));
        goto out;
    } else if (opt->where) {
        rc = err_set(e, JM_EINPUT, "--where: not for %s files", j.kind->name);
        goto out;
    }
    run_id = run_begin(&j);
    log_debug("import %s: source opened at %.2f s", j.name, progress_now() - started);
    rc = import_in_transaction(&j, e);
    run_end(&j, run_id, e);
    report->seconds = progress_now() - started;
    snprintf(report->table, sizeof report->table, "data.%s", j.name);
out:
    if (j.hash) { /* a failure before the registry: the digest is still wanted by the report */
        struct err ignored;
        err_clear(&ignored);
        imp__hash_wait(&j, &ignored);
    }
    if (report_file) {
        struct err write_err;
        err_clear(&write_err);
        /* after a commit, a report that cannot be written is a warning: the data is in */
        if (j.kind && j.kind->available && write_report(&j, report_file, e, &write_err))
            log_warn("%s", write_err.msg);
        fclose(report_file);
    }
    free(run_id);
    free(j.cols);
    free(j.kind_state);
    buf_cleanup(&j.notes);
    imp__source_close(&j.src);
    return rc;
}
