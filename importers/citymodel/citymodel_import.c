/* citymodel_import: CityGML and CityJSON files into a dataset, through the readers of
 * citymodel.h, with the atomicity, registry and report of every other import.
 *
 * Tables (the staging names, swapped in by the driver):
 *   data.<name>          one row per city object, parts included: gml_id, class, parent_id,
 *                        attributes (jsonb: every attribute, generic and ADE ones too), lod,
 *                        the buildings' normalised columns (height, height_source, storeys,
 *                        base_elevation, use, year_built) and geom, a 2D MultiPolygon footprint:
 *                        the GroundSurfaces, else the LoD0 surfaces, else the faces that look
 *                        down (a solid's bottom), else the union of the surfaces seen from
 *                        above, else the union of the parts' footprints
 *   data.<name>_surfaces one row per planar surface: object_id, semantic, lod, geom
 *                        (PolygonZ, heights as in the file)
 * Both in the file's horizontal CRS when projected (the horizontal part of a compound CRS),
 * else in the UTM zone of the data, as for every dataset.
 *
 * Loading: the surfaces stream into a COPY as the reader hands objects over; the object rows
 * wait in a temporary file (one COPY at a time per connection), then follow. The file's CRS is
 * known only once read (CityGML may name it on its last geometry), so the surfaces are loaded
 * without an SRID and transformed in one statement at the end. Memory holds one object. */
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "citymodel.h"
#include "db.h"
#include "imp_internal.h"
#include "imp_job.h"
#include "log.h"
#include "parse.h"
#include "progress.h"

#define COPY_FLUSH_BYTES (1 << 20)

struct cm_load {
    struct imp__job *j;
    FILE *objects;   /* COPY rows of the objects, sent after the surfaces */
    struct buf rows; /* surface rows not yet sent */
    struct buf row;  /* scratch */
    long long next_object, next_surface;
    struct progress bar;
    struct err err;
};

/* ---- rows ---------------------------------------------------------------------------------- */

/* Appends a surface as hex EWKB PolygonZ without SRID, closing its rings. */
static bool put_polygon_hex(struct buf *out, const struct cm_surface *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t points = 0;
    for (int r = 0; r < s->nrings; r++)
        points += (size_t)s->ring_sizes[r] + 1;
    size_t bytes = 1 + 4 + 4 + 4 * (size_t)s->nrings + 24 * points;
    char *dst = buf_reserve(out, 2 * bytes);
    if (!dst)
        return false;
    unsigned char head[9] = {1, 3, 0, 0, 0x80}; /* little endian, Polygon, EWKB Z flag */
    uint32_t nr = (uint32_t)s->nrings;
    memcpy(head + 5, &nr, 4);
    char *p = dst;
#define PUT(bytes_, n_)                                                                                                \
    for (size_t k_ = 0; k_ < (n_); k_++) {                                                                             \
        *p++ = hex[((const unsigned char *)(bytes_))[k_] >> 4];                                                        \
        *p++ = hex[((const unsigned char *)(bytes_))[k_] & 15];                                                        \
    }
    PUT(head, 9);
    const double *xyz = s->xyz;
    for (int r = 0; r < s->nrings; r++) {
        uint32_t n = (uint32_t)s->ring_sizes[r] + 1;
        PUT(&n, 4);
        PUT(xyz, 24 * (size_t)(n - 1));
        PUT(xyz, 24); /* the closing point */
        xyz += 3 * (size_t)(n - 1);
    }
#undef PUT
    buf_commit(out, (size_t)(p - dst));
    return true;
}

static bool put_nullable_text(struct buf *row, const char *s)
{
    return s ? imp__copy_text(row, s) : buf_puts(row, "\\N");
}

static enum jm_status send_rows(struct cm_load *l, struct err *e)
{
    if (l->rows.len && PQputCopyData(l->j->conn, l->rows.data, (int)l->rows.len) != 1)
        return err_set(e, JM_EDB, "COPY failed: %s", PQerrorMessage(l->j->conn));
    buf_reset(&l->rows);
    return JM_OK;
}

/* The readers' callback: the object's surfaces to the COPY, its row to the temporary file. */
static enum jm_status on_object(void *ctx, const struct cm_object *o, const struct cm_info *info, struct err *e)
{
    (void)info;
    struct cm_load *l = ctx;
    long long id = ++l->next_object;
    int lod = -1;
    for (int i = 0; i < o->nsurfaces; i++) {
        const struct cm_surface *s = &o->surfaces[i];
        lod = s->lod > lod ? s->lod : lod;
        bool ok = imp__copy_int(&l->rows, ++l->next_surface) && buf_putc(&l->rows, '\t') &&
                  imp__copy_int(&l->rows, id) && buf_putc(&l->rows, '\t') && put_nullable_text(&l->rows, s->semantic) &&
                  buf_putc(&l->rows, '\t') && imp__copy_int(&l->rows, s->lod) && buf_putc(&l->rows, '\t') &&
                  put_polygon_hex(&l->rows, s) && buf_putc(&l->rows, '\n');
        if (!ok)
            return err_set(e, JM_EINTERNAL, "out of memory");
        if (l->rows.len > COPY_FLUSH_BYTES) {
            enum jm_status rc = send_rows(l, e);
            if (rc)
                return rc;
        }
    }
    buf_reset(&l->row);
    bool ok = imp__copy_int(&l->row, id) && buf_putc(&l->row, '\t') && imp__copy_text(&l->row, o->id) &&
              buf_putc(&l->row, '\t') && imp__copy_text(&l->row, o->type) && buf_putc(&l->row, '\t') &&
              put_nullable_text(&l->row, o->parent_id) && buf_putc(&l->row, '\t') &&
              imp__copy_text(&l->row, o->attributes) && buf_putc(&l->row, '\t') &&
              (lod >= 0 ? imp__copy_int(&l->row, lod) : buf_puts(&l->row, "\\N")) && buf_putc(&l->row, '\n');
    if (!ok)
        return err_set(e, JM_EINTERNAL, "out of memory");
    if (fwrite(l->row.data, 1, l->row.len, l->objects) != l->row.len)
        return err_set(e, JM_EENV, "cannot write the temporary file of objects");
    progress_step(&l->bar, 1);
    return JM_OK;
}

/* ---- SQL steps ------------------------------------------------------------------------------ */

/* `sql` with {o} and {s} replaced by the quoted staging tables of objects and surfaces, and
 * {srid}/{src} by numbers, into `out`. */
static void expand(struct imp__job *j, const char *sql, int src, int srid, struct buf *out)
{
    struct buf objects, surfaces;
    buf_init(&objects, 256), buf_init(&surfaces, 256);
    imp__staging_table(j, "", &objects);
    imp__staging_table(j, "_surfaces", &surfaces);
    for (const char *p = sql; *p; p++) {
        if (strncmp(p, "{o}", 3) == 0)
            buf_puts(out, buf_str(&objects)), p += 2;
        else if (strncmp(p, "{s}", 3) == 0)
            buf_puts(out, buf_str(&surfaces)), p += 2;
        else if (strncmp(p, "{srid}", 6) == 0)
            buf_printf(out, "%d", srid), p += 5;
        else if (strncmp(p, "{src}", 5) == 0)
            buf_printf(out, "%d", src), p += 4;
        else
            buf_putc(out, *p);
    }
    buf_cleanup(&objects), buf_cleanup(&surfaces);
}

/* Runs the statements of `sql` (no ';' inside them) one by one, each timed in the debug log. */
static enum jm_status run(struct imp__job *j, const char *sql, int src, int srid, struct err *e)
{
    struct buf out;
    buf_init(&out, 1 << 16);
    expand(j, sql, src, srid, &out);
    enum jm_status rc = out.overflow ? err_set(e, JM_EINTERNAL, "SQL too long") : JM_OK;
    char *text = out.data;
    for (char *stmt = text; !rc && stmt && *stmt;) {
        char *end = strchr(stmt, ';');
        if (end)
            *end = '\0';
        double t0 = progress_now();
        rc = db_exec_script(j->conn, stmt, e);
        log_debug("import %s: %.60s… %.3f s", j->name, stmt, progress_now() - t0);
        stmt = end ? end + 1 : NULL;
    }
    buf_cleanup(&out);
    return rc;
}

/* One value of a query with the placeholders of expand(); the caller frees it. */
static char *value(struct imp__job *j, const char *sql, int src, struct err *e)
{
    struct buf out;
    buf_init(&out, 1 << 16);
    expand(j, sql, src, 0, &out);
    char *v = db_query_value(j->conn, buf_str(&out), 0, NULL, e);
    buf_cleanup(&out);
    return v;
}

static const char create_sql[] =
    "CREATE TABLE {o} (id bigint NOT NULL, gml_id text NOT NULL, class text NOT NULL, parent_gml_id text,"
    " attributes jsonb NOT NULL, lod integer, parent_id bigint, height double precision, height_source text,"
    " storeys integer, base_elevation double precision, use text, year_built integer, geom geometry);"
    "CREATE TABLE {s} (id bigint NOT NULL, object_id bigint NOT NULL, semantic text, lod integer NOT NULL,"
    " geom geometry NOT NULL);";

/* After the load: CRS, parents, normalised columns, footprints; objects without any geometry
 * (nor parts with one) are left out and counted. */
static const char finish_sql[] =
    "ALTER TABLE {s} ALTER geom TYPE geometry(PolygonZ, {srid}) USING ST_Transform(ST_SetSRID(geom, {src}), {srid});"
    "CREATE INDEX ON {o} (gml_id);"
    "UPDATE {o} o SET parent_id = p.id FROM {o} p WHERE o.parent_gml_id = p.gml_id;"
    "CREATE INDEX ON {s} (object_id);"
    "SET LOCAL default_statistics_target = 30; ANALYZE {o}; ANALYZE {s};"
    /* heights and the ground, from the surfaces */
    "WITH z AS (SELECT object_id, min(ST_ZMin(geom)) AS zmin, max(ST_ZMax(geom)) AS zmax FROM {s} GROUP BY object_id)"
    " UPDATE {o} o SET base_elevation = z.zmin, height = z.zmax - z.zmin, height_source = 'geometry'"
    " FROM z WHERE z.object_id = o.id;"
    "UPDATE {o} SET height = (attributes->>'measuredHeight')::float8, height_source = 'attribute'"
    " WHERE jsonb_typeof(attributes->'measuredHeight') = 'number' AND (attributes->>'measuredHeight')::float8 > 0;"
    "UPDATE {o} SET storeys = round((attributes->>'storeysAboveGround')::float8)"
    " WHERE jsonb_typeof(attributes->'storeysAboveGround') = 'number'"
    " AND (attributes->>'storeysAboveGround')::float8 BETWEEN 0 AND 1000;"
    "UPDATE {o} SET use = coalesce(CASE jsonb_typeof(attributes->'function') WHEN 'array' THEN "
    "attributes->'function'->>0"
    " ELSE attributes->>'function' END, CASE jsonb_typeof(attributes->'usage') WHEN 'array'"
    " THEN attributes->'usage'->>0 ELSE attributes->>'usage' END);"
    /* CityGML 2.0 and CityJSON: yearOfConstruction; CityGML 3.0: dateOfConstruction (a date) */
    "UPDATE {o} SET year_built = substring(coalesce(attributes->>'yearOfConstruction',"
    " attributes->>'dateOfConstruction') from '^\\s*(-?[0-9]{1,4})')::int"
    " WHERE coalesce(attributes->>'yearOfConstruction', attributes->>'dateOfConstruction') ~ '^\\s*-?[0-9]{1,4}';"
    /* footprints: ground surfaces, else LoD0, else what is seen from above */
    "WITH f AS (SELECT object_id, ST_Union(ST_CollectionExtract(ST_MakeValid(ST_Force2D(geom)), 3)) AS g FROM {s}"
    " WHERE semantic = 'GroundSurface' OR lod = 0 GROUP BY object_id)"
    " UPDATE {o} o SET geom = f.g FROM f WHERE f.object_id = o.id;"
    /* a solid's faces that look down (clockwise from above) are its footprint: few to union */
    "WITH f AS (SELECT object_id, ST_Union(ST_CollectionExtract(ST_MakeValid(ST_Force2D(geom)), 3)) AS g FROM {s}"
    " WHERE object_id IN (SELECT id FROM {o} WHERE geom IS NULL) AND ST_Area(ST_Force2D(geom)) > 1e-6"
    " AND ST_IsPolygonCW(ST_Force2D(geom)) GROUP BY object_id)"
    " UPDATE {o} o SET geom = f.g FROM f WHERE f.object_id = o.id;"
    "WITH f AS (SELECT object_id, ST_Union(ST_CollectionExtract(ST_MakeValid(ST_Force2D(geom)), 3)) AS g FROM {s}"
    " WHERE object_id IN (SELECT id FROM {o} WHERE geom IS NULL OR ST_IsEmpty(geom))"
    " AND ST_Area(ST_Force2D(geom)) > 1e-6 GROUP BY object_id)"
    " UPDATE {o} o SET geom = f.g FROM f WHERE f.object_id = o.id;"
    "WITH f AS (SELECT parent_id, ST_Union(geom) AS g FROM {o} WHERE parent_id IS NOT NULL AND geom IS NOT NULL"
    " GROUP BY parent_id)"
    " UPDATE {o} o SET geom = f.g, base_elevation = coalesce(o.base_elevation, p.zmin),"
    " height = coalesce(o.height, p.zmax - p.zmin), height_source = coalesce(o.height_source, 'parts')"
    " FROM f, (SELECT parent_id, min(base_elevation) AS zmin, max(base_elevation + height) AS zmax FROM {o}"
    " WHERE parent_id IS NOT NULL GROUP BY parent_id) p"
    " WHERE f.parent_id = o.id AND p.parent_id = o.id AND (o.geom IS NULL OR ST_IsEmpty(o.geom));"
    "UPDATE {o} SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) WHERE geom IS NOT NULL;";

static const char cleanup_sql[] =
    "DELETE FROM {o} WHERE geom IS NULL OR ST_IsEmpty(geom);"
    "ALTER TABLE {o} ALTER geom TYPE geometry(MultiPolygon, {srid}) USING ST_SetSRID(geom, {srid}),"
    " ALTER geom SET NOT NULL, DROP COLUMN parent_gml_id;"
    "ALTER TABLE {s} ADD PRIMARY KEY (id); CREATE INDEX ON {s} USING gist (geom);"
    "SET LOCAL default_statistics_target = 30; ANALYZE {s};";

/* ---- the CRS ---------------------------------------------------------------------------------- */

/* The EPSG code of the horizontal part of `code` (a compound CRS's first part) and whether it
 * is geographic with latitude first. */
static enum jm_status horizontal_crs(int code, int *horizontal, bool *geographic, bool *lat_first, struct err *e)
{
    PJ_CONTEXT *ctx = proj_context_create();
    proj_log_level(ctx, PJ_LOG_NONE); /* our message says it, once */
    char name[32];
    snprintf(name, sizeof name, "EPSG:%d", code);
    PJ *crs = proj_create(ctx, name);
    PJ *h = NULL, *cs = NULL;
    enum jm_status rc = JM_OK;
    if (!crs) {
        rc = err_set(e, JM_EINPUT, "unknown CRS %s", name);
        goto out;
    }
    /* a 3D geographic CRS (EPSG:4979) is kept: PostGIS transforms x and y, heights pass */
    h = proj_get_type(crs) == PJ_TYPE_COMPOUND_CRS ? proj_crs_get_sub_crs(ctx, crs, 0) : proj_clone(ctx, crs);
    const char *auth = h ? proj_get_id_auth_name(h, 0) : NULL, *id = h ? proj_get_id_code(h, 0) : NULL;
    if (!auth || !id || strcasecmp(auth, "EPSG") != 0) {
        rc = err_set(e, JM_EINPUT, "%s: cannot tell its horizontal CRS as an EPSG code", name);
        goto out;
    }
    *horizontal = (int)strtol(id, NULL, 10);
    PJ_TYPE t = proj_get_type(h);
    *geographic = t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS;
    cs = proj_crs_get_coordinate_system(ctx, h);
    const char *dir = NULL;
    *lat_first = cs && proj_cs_get_axis_info(ctx, cs, 0, NULL, NULL, &dir, NULL, NULL, NULL, NULL) && dir &&
                 strcasecmp(dir, "north") == 0;
out:
    proj_destroy(cs);
    proj_destroy(h);
    proj_destroy(crs);
    proj_context_destroy(ctx);
    return rc;
}

/* Decides the CRS of the surfaces (the file's, or --srs) and the storage CRS; flips axes of
 * latitude-first geographic data (GML writes coordinates in the CRS's axis order). */
static enum jm_status settle_crs(struct imp__job *j, const struct cm_info *info, int *src, int *storage, struct err *e)
{
    int code = 0;
    const char *given = j->opt->srs;
    if (given) {
        const char *digits = strncasecmp(given, "EPSG:", 5) == 0 ? given + 5 : given;
        long v;
        if (!parse_long(digits, 1, 999999, &v))
            return err_set(e, JM_EINPUT, "--srs: expected EPSG:n, got '%s'", given);
        code = (int)v;
    } else if (info->epsg_horizontal > 0) {
        code = info->epsg_horizontal;
    } else {
        return err_set(e, JM_EINPUT, "%s names no CRS%s%s: give it with --srs EPSG:n", j->opt->file,
                       info->srs[0] ? ", or one jumeau does not know: " : "", info->srs);
    }
    bool geographic = false, lat_first = false;
    enum jm_status rc = horizontal_crs(code, src, &geographic, &lat_first, e);
    if (rc)
        return rc;
    char srid[16];
    snprintf(srid, sizeof srid, "%d", *src);
    const char *p[] = {srid};
    char *known = db_query_value(j->conn, "SELECT count(*) FROM spatial_ref_sys WHERE srid = $1::int", 1, p, e);
    bool ok = known && strcmp(known, "0") != 0;
    free(known);
    if (!ok)
        return e->code ? e->code : err_set(e, JM_EINPUT, "EPSG:%d is not in PostGIS's spatial_ref_sys", *src);
    if (lat_first && strcmp(j->kind->name, "citygml") == 0 &&
        (rc = run(j, "UPDATE {s} SET geom = ST_FlipCoordinates(geom);", 0, 0, e)))
        return rc;
    *storage = *src;
    if (geographic) { /* the UTM zone of the data's centre, as for any geographic source */
        char *c = value(j,
                        "SELECT ST_X(c) || ' ' || ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)::geometry) AS c"
                        " FROM {s}) k",
                        0, e);
        double lon = 0, lat = 0;
        bool got = c && sscanf(c, "%lf %lf", &lon, &lat) == 2;
        free(c);
        if (!got)
            return e->code ? e->code : err_set(e, JM_EINPUT, "%s: no surface to place", j->opt->file);
        *storage = imp__utm_epsg(lon, lat);
    }
    snprintf(j->src.source_srs_name, sizeof j->src.source_srs_name, "%.63s",
             info->srs[0] && !given ? info->srs
             : given                ? given
                                    : "");
    return JM_OK;
}

/* ---- the load ---------------------------------------------------------------------------------- */

static enum jm_status copy_objects(struct cm_load *l, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 1024);
    buf_puts(&sql, "COPY ");
    imp__staging_table(l->j, "", &sql);
    buf_puts(&sql, " (id, gml_id, class, parent_gml_id, attributes, lod) FROM STDIN");
    enum jm_status rc = db_copy_begin(l->j->conn, buf_str(&sql), e);
    buf_cleanup(&sql);
    if (rc)
        return rc;
    char chunk[1 << 16];
    size_t n;
    rewind(l->objects);
    while (!rc && (n = fread(chunk, 1, sizeof chunk, l->objects)) > 0)
        if (PQputCopyData(l->j->conn, chunk, (int)n) != 1)
            rc = err_set(e, JM_EDB, "COPY failed: %s", PQerrorMessage(l->j->conn));
    if (!rc && ferror(l->objects))
        rc = err_set(e, JM_EENV, "cannot read the temporary file of objects");
    return db_copy_end(l->j->conn, rc, e);
}

/* Streams the file's surfaces into {s} while its objects wait in l->objects. */
static enum jm_status copy_surfaces(struct cm_load *l, struct cm_info *info, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 1024);
    buf_puts(&sql, "COPY ");
    imp__staging_table(l->j, "_surfaces", &sql);
    buf_puts(&sql, " (id, object_id, semantic, lod, geom) FROM STDIN");
    enum jm_status rc = db_copy_begin(l->j->conn, buf_str(&sql), e);
    buf_cleanup(&sql);
    if (rc)
        return rc;
    bool gml = strcmp(l->j->kind->name, "citygml") == 0;
    progress_begin(&l->bar, "importing", 0, l->j->opt->quiet);
    rc = gml ? cm_read_citygml(l->j->opt->file, on_object, l, info, e)
             : cm_read_cityjson(l->j->opt->file, on_object, l, info, e);
    progress_end(&l->bar);
    if (!rc)
        rc = send_rows(l, e);
    if (!rc && l->next_object == 0)
        rc = err_set(e, JM_EINPUT, "%s: no city object in the file", l->j->opt->file);
    return db_copy_end(l->j->conn, rc, e);
}

/* Report notes: the file's version and CRS, appearances, objects left out. */
static void notes(struct imp__job *j, const struct cm_info *info, long long dropped)
{
    char v[64];
    imp__note(j, "format_version", info->version);
    imp__note(j, "srs", info->srs[0] ? info->srs : "(none in the file)");
    snprintf(v, sizeof v, "%ld", info->surfaces);
    imp__note(j, "surfaces", v);
    snprintf(v, sizeof v, "%ld textures, %ld materials", info->textures, info->materials);
    imp__note(j, "appearances", v);
    if (info->textures_missing) {
        snprintf(v, sizeof v, "%ld", info->textures_missing);
        imp__note(j, "textures_missing", v);
        imp__note(j, "first_missing_texture", info->first_missing_texture);
        log_warn("%s: %ld texture files are missing (first: %s)", j->opt->file, info->textures_missing,
                 info->first_missing_texture);
    }
    if (dropped) {
        snprintf(v, sizeof v, "%lld", dropped);
        imp__note(j, "objects_without_geometry", v);
    }
}

static enum jm_status load(struct imp__job *j, struct err *e)
{
    struct cm_load l = {.j = j};
    struct cm_info info;
    memset(&info, 0, sizeof info);
    buf_init(&l.rows, 0), buf_init(&l.row, 0);
    enum jm_status rc = JM_OK;
    int src = 0, storage = 0;
    if (j->opt->closed && j->opt->closed[0]) {
        rc = err_set(e, JM_EINPUT,
                     "--closed: the attributes of a city model are one JSON column; "
                     "import it as shared or closed instead");
        goto out;
    }
    if (!(l.objects = tmpfile())) {
        rc = err_set(e, JM_EENV, "cannot create a temporary file");
        goto out;
    }
    if ((rc = run(j, create_sql, 0, 0, e)) || (rc = copy_surfaces(&l, &info, e)))
        goto out;
    log_debug("import %s: %lld objects, %lld surfaces read and sent at %.2f s", j->name, l.next_object, l.next_surface,
              progress_now() - j->started);
    if ((rc = copy_objects(&l, e)) || (rc = settle_crs(j, &info, &src, &storage, e)))
        goto out;
    log_debug("import %s: objects loaded, CRS settled at %.2f s", j->name, progress_now() - j->started);
    if ((rc = run(j, finish_sql, src, storage, e)))
        goto out;
    log_debug("import %s: footprints and heights at %.2f s", j->name, progress_now() - j->started);
    char *left = value(j, "SELECT count(*) FROM {o} WHERE geom IS NULL OR ST_IsEmpty(geom)", 0, e);
    long long dropped = left ? strtoll(left, NULL, 10) : 0;
    free(left);
    if ((rc = run(j, cleanup_sql, src, storage, e)))
        goto out;
    j->src.storage_srid = storage;
    j->report->storage_srid = storage;
    snprintf(j->report->source_srs, sizeof j->report->source_srs, "%s", j->src.source_srs_name);
    j->report->read = (uint64_t)l.next_object;
    j->report->written = (uint64_t)(l.next_object - dropped);
    j->report->skipped = (uint64_t)dropped;
    notes(j, &info, dropped);
out:
    if (l.objects)
        fclose(l.objects);
    buf_cleanup(&l.rows), buf_cleanup(&l.row);
    return rc;
}

const struct imp__kind imp__kind_citygml = {
    .name = "citygml",
    .available = true,
    .geometry = IMP_GEOM_POLYGONS,
    .load_suffix = "",
    .load = load,
};
const struct imp__kind imp__kind_cityjson = {
    .name = "cityjson",
    .available = true,
    .geometry = IMP_GEOM_POLYGONS,
    .load_suffix = "",
    .load = load,
};
