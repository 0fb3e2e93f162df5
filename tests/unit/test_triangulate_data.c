/* Tests of tiler/triangulate (tri_) on real polygons: every polygon of an OpenStreetMap extract
 * (Liechtenstein, GDAL's "multipolygons" layer: the buildings, then all areas) and of a Flemish
 * cadastral extract (Lambert 72), read with OGR, moved to local metres and triangulated.
 *
 * For each polygon (each part of a multipolygon) that GEOS calls valid, the test requires
 * JM_OK, indices in range, counter-clockwise triangles of positive area, the triangles' area
 * sum equal to |outer| - sum |holes| within 1e-6 relative, and the union of the triangles
 * equal to the polygon: area(union sym-difference polygon) <= 1e-6 x area. Together these
 * give an exact cover: no triangle outside, no gap, no overlap (overlap = sum - area(union)).
 * (Area match plus "each triangle inside" alone would let an overlap hide an equal gap.)
 * Invalid polygons (self-crossing rings and the like) are counted apart: for them JM_EINPUT
 * ("could not be triangulated") is allowed and the area is only reported; indices and
 * orientation must still hold, as the header promises them always.
 *
 * Each polygon is triangulated as read and in four variants (rings reversed, mirrored,
 * rotated, two points swapped: see apply_variant), each judged on its own validity; the two
 * files hold no invalid polygon, so the swapped variant is what exercises that path. A first
 * test checks that the checker itself rejects wrong triangulations.
 *
 * Data: $JUMEAU_SHARED_DATA (default /work/shared/data). When the variable is unset and a
 * file is missing the test is skipped (exit 77, ctest's skip code); when it is set, a missing
 * file is a failure. Lower bounds on the polygons read keep the test from passing on an empty
 * or truncated read.
 *
 * Link: gdal (pkg-config gdal), geos_c (geos-config --clibs), cmocka, m. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <geos_c.h>
#include <gdal.h>
#include <ogr_api.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "triangulate.h"

#define DEFAULT_DATA_DIR "/work/shared/data"
#define OSM_FILE "osm/liechtenstein-2013-08-03.osm.pbf"
#define PARCELS_FILE "cadastre/be_flanders_grb_adp_parcels_31370.geojson"

/* Tolerances of the checks, relative to the polygon's area. */
#define AREA_REL_TOL 1e-6
#define SYMDIFF_REL_TOL 1e-6

/* Polygons (parts) the files hold, as ogrinfo counts them (SQLite dialect,
 * SUM(ST_NumGeometries(geometry))): 3,723 building parts and 4,123 parts in all for the OSM
 * file, 408 parcels. The test requires at least 90% of each to have been checked. */
#define OSM_BUILDING_PARTS 3723
#define OSM_ALL_PARTS 4123
#define PARCEL_PARTS 408

/* Failing polygons printed in full (as WKT in local coordinates) per data set. */
#define MAX_PRINTED_FAILURES 5

struct data_cfg {
    char osm_path[4096];
    char parcels_path[4096];
};

/* Figures of one data set. Polygons are counted once; triangulations once per variant. */
struct stats {
    const char *name;
    int features;
    int polygons, holes;     /* parts checked, and their inner rings */
    int valid, invalid;      /* polygons, by GEOSisValid */
    int runs, invalid_runs;  /* triangulations checked, of them of invalid polygons */
    int valid_failed;        /* triangulations of valid polygons failing a check: the test fails */
    int contract_failed;     /* triangulations with bad indices or orientation: the test fails */
    int invalid_einput;      /* of invalid polygons, refused with JM_EINPUT (allowed) */
    int invalid_area_off;    /* of invalid polygons, JM_OK with the area off by > 1e-6 (reported) */
    int strict_check_failed; /* of valid polygons, passing but failing tri_check's 1e-9 (reported) */
    int printed;             /* failing polygons printed */
    long long points, triangles;
    double max_rel_area_err; /* over valid polygons */
    double max_rel_symdiff;  /* over valid polygons */
    double tri_seconds;      /* in tri_triangulate */
    double seconds;          /* everything */
};

/* One polygon moved to local coordinates: rings concatenated, each closed. */
struct local_poly {
    double *xy;
    int *sizes;
    int npoints, nrings, cap_points, cap_rings;
};

struct checker {
    GEOSContextHandle_t geos;
    char geos_msg[512]; /* last GEOS error, from the message handler */
    struct buf tris;
    struct local_poly lp;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void geos_message(const char *message, void *userdata)
{
    struct checker *ck = userdata;
    snprintf(ck->geos_msg, sizeof ck->geos_msg, "%s", message);
}

static void checker_init(struct checker *ck)
{
    memset(ck, 0, sizeof *ck);
    ck->geos = GEOS_init_r();
    assert_non_null(ck->geos);
    GEOSContext_setErrorMessageHandler_r(ck->geos, geos_message, ck);
    buf_init(&ck->tris, 0);
}

static void checker_cleanup(struct checker *ck)
{
    buf_cleanup(&ck->tris);
    free(ck->lp.xy);
    free(ck->lp.sizes);
    if (ck->geos)
        GEOS_finish_r(ck->geos);
    memset(ck, 0, sizeof *ck);
}

/* ---- reading: OGR polygon to local coordinates ---------------------------------------- */

static void lp_add_point(struct local_poly *q, double x, double y)
{
    if (q->npoints == q->cap_points) {
        q->cap_points = q->cap_points ? 2 * q->cap_points : 256;
        q->xy = realloc(q->xy, 2 * (size_t)q->cap_points * sizeof *q->xy);
        assert_non_null(q->xy);
    }
    q->xy[2 * q->npoints] = x;
    q->xy[2 * q->npoints + 1] = y;
    q->npoints++;
    q->sizes[q->nrings - 1]++;
}

static void lp_add_ring(struct local_poly *q)
{
    if (q->nrings == q->cap_rings) {
        q->cap_rings = q->cap_rings ? 2 * q->cap_rings : 16;
        q->sizes = realloc(q->sizes, (size_t)q->cap_rings * sizeof *q->sizes);
        assert_non_null(q->sizes);
    }
    q->sizes[q->nrings++] = 0;
}

/* Fills q with OGR polygon `poly` relative to its first point; lon/lat data is projected to
 * metres by an equirectangular approximation around that point. Rings are closed. */
static void lp_from_ogr(struct local_poly *q, OGRGeometryH poly, bool lonlat)
{
    q->npoints = q->nrings = 0;
    int nrings = OGR_G_GetGeometryCount(poly);
    double x0 = 0, y0 = 0, kx = 1, ky = 1;
    bool have_origin = false;
    for (int r = 0; r < nrings; r++) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
        int n = OGR_G_GetPointCount(ring);
        lp_add_ring(q);
        for (int k = 0; k < n; k++) {
            double x = OGR_G_GetX(ring, k), y = OGR_G_GetY(ring, k);
            if (!have_origin) {
                x0 = x;
                y0 = y;
                if (lonlat) {
                    kx = cos(y0 * M_PI / 180.0) * 111319.49;
                    ky = 110574.0;
                }
                have_origin = true;
            }
            lp_add_point(q, (x - x0) * kx, (y - y0) * ky);
        }
        int first = q->npoints - q->sizes[q->nrings - 1];
        if (n > 0 && (q->xy[2 * first] != q->xy[2 * (q->npoints - 1)] ||
                      q->xy[2 * first + 1] != q->xy[2 * (q->npoints - 1) + 1]))
            lp_add_point(q, q->xy[2 * first], q->xy[2 * first + 1]);
    }
}

/* ---- GEOS ----------------------------------------------------------------------------- */

/* The polygon as GEOS sees it, or NULL when GEOS refuses it (a ring under 4 points). */
static GEOSGeometry *geos_polygon(struct checker *ck, const struct local_poly *q)
{
    GEOSGeometry *shell = NULL, **holes = NULL, *poly = NULL;
    int nholes = 0;
    if (q->nrings < 1)
        return NULL;
    holes = calloc((size_t)q->nrings, sizeof *holes);
    assert_non_null(holes);
    int first = 0;
    for (int r = 0; r < q->nrings; r++) {
        GEOSCoordSequence *cs =
            GEOSCoordSeq_copyFromBuffer_r(ck->geos, q->xy + 2 * (size_t)first, (unsigned)q->sizes[r], 0, 0);
        first += q->sizes[r];
        GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(ck->geos, cs) : NULL; /* takes cs */
        if (!ring)
            goto out;
        if (r == 0)
            shell = ring;
        else
            holes[nholes++] = ring;
    }
    poly = GEOSGeom_createPolygon_r(ck->geos, shell, holes, (unsigned)nholes); /* takes the rings */
    shell = NULL;
    nholes = 0;
out:
    if (shell)
        GEOSGeom_destroy_r(ck->geos, shell);
    for (int k = 0; k < nholes; k++)
        GEOSGeom_destroy_r(ck->geos, holes[k]);
    free(holes);
    return poly;
}

/* The union of the triangles, or NULL on a GEOS error. */
static GEOSGeometry *geos_triangle_union(struct checker *ck, const struct local_poly *q, const int32_t *t, int ntri)
{
    if (ntri == 0)
        return GEOSGeom_createEmptyPolygon_r(ck->geos);
    GEOSGeometry **parts = malloc((size_t)ntri * sizeof *parts);
    assert_non_null(parts);
    for (int k = 0; k < ntri; k++) {
        double c[8];
        for (int v = 0; v < 4; v++) {
            int32_t i = t[3 * k + v % 3];
            c[2 * v] = q->xy[2 * (size_t)i];
            c[2 * v + 1] = q->xy[2 * (size_t)i + 1];
        }
        GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(ck->geos, c, 4, 0, 0);
        GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(ck->geos, cs) : NULL;
        parts[k] = ring ? GEOSGeom_createPolygon_r(ck->geos, ring, NULL, 0) : NULL;
        assert_non_null(parts[k]);
    }
    GEOSGeometry *multi = GEOSGeom_createCollection_r(ck->geos, GEOS_MULTIPOLYGON, parts, (unsigned)ntri);
    free(parts); /* the collection took the triangles */
    assert_non_null(multi);
    GEOSGeometry *u = GEOSUnaryUnion_r(ck->geos, multi);
    GEOSGeom_destroy_r(ck->geos, multi);
    return u;
}

/* area(a sym-difference b), or -1 on a GEOS error. */
static double geos_symdiff_area(struct checker *ck, const GEOSGeometry *a, const GEOSGeometry *b)
{
    double area = -1;
    GEOSGeometry *d = GEOSSymDifference_r(ck->geos, a, b);
    if (d && !GEOSArea_r(ck->geos, d, &area))
        area = -1;
    GEOSGeom_destroy_r(ck->geos, d);
    return area;
}

/* ---- one polygon ---------------------------------------------------------------------- */

struct outcome {
    bool valid;       /* GEOSisValid on the local coordinates */
    bool contract_ok; /* output length right, indices in range, triangles ccw with positive area */
    bool pass;        /* contract_ok, and for a valid polygon every check */
    bool strict_ok;   /* tri_check (1e-9) passes */
    enum jm_status rc;
    int ntri;
    double area, tri_area, rel_area_err, rel_symdiff;
    double tri_seconds;
    char why[ERR_MSG_MAX + 128];
};

static void print_wkt(struct checker *ck, const struct local_poly *q)
{
    GEOSGeometry *poly = geos_polygon(ck, q);
    GEOSWKTWriter *w = GEOSWKTWriter_create_r(ck->geos);
    GEOSWKTWriter_setRoundingPrecision_r(ck->geos, w, 17);
    char *wkt = poly ? GEOSWKTWriter_write_r(ck->geos, w, poly) : NULL;
    fprintf(stderr, "      %s\n", wkt ? wkt : "(GEOS cannot build it)");
    GEOSFree_r(ck->geos, wkt);
    GEOSWKTWriter_destroy_r(ck->geos, w);
    GEOSGeom_destroy_r(ck->geos, poly);
}

/* Judges triangles `t` (ntri of them, as tri_triangulate returned them with status rc and
 * message msg) against polygon q. Fills everything in o but tri_seconds. */
static void judge(struct checker *ck, const struct local_poly *q, enum jm_status rc, const char *msg, const int32_t *t,
                  int ntri, size_t out_len, struct outcome *o)
{
    struct tri_polygon p = {q->xy, q->sizes, q->nrings};
    GEOSGeometry *poly = NULL, *tri_union = NULL;

    o->rc = rc;
    o->ntri = ntri;
    o->pass = false;
    o->why[0] = '\0';
    o->tri_area = o->rel_area_err = o->rel_symdiff = 0;
    o->area = tri_polygon_area(&p);
    ck->geos_msg[0] = '\0';
    poly = geos_polygon(ck, q);
    char valid = poly ? GEOSisValid_r(ck->geos, poly) : 0;
    assert_true(valid != 2);
    o->valid = valid == 1;

    /* 1. the contract that holds for any input */
    o->contract_ok = out_len == (size_t)ntri * 3 * sizeof(int32_t);
    for (int k = 0; o->contract_ok && k < ntri; k++) {
        for (int v = 0; v < 3; v++)
            if (t[3 * k + v] < 0 || t[3 * k + v] >= q->npoints)
                o->contract_ok = false;
        if (!o->contract_ok)
            break;
        const double *a = q->xy + 2 * (size_t)t[3 * k], *b = q->xy + 2 * (size_t)t[3 * k + 1],
                     *c = q->xy + 2 * (size_t)t[3 * k + 2];
        double cr = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
        if (!(cr > 0))
            o->contract_ok = false;
        o->tri_area += cr / 2;
    }
    if (!o->contract_ok) {
        snprintf(o->why, sizeof o->why, "output length, an index or a triangle's orientation is wrong");
        goto out;
    }
    if (rc == JM_OK)
        o->rel_area_err = o->area > 0 ? fabs(o->tri_area - o->area) / o->area : (ntri ? INFINITY : 0);
    if (!o->valid) {
        o->pass = true; /* anything goes, within the contract */
        goto out;
    }

    /* 2. valid polygons: triangulated, areas equal, union of triangles = polygon */
    if (rc != JM_OK) {
        snprintf(o->why, sizeof o->why, "%s: %s", err_code_name(rc), msg);
        goto out;
    }
    o->strict_ok = tri_check(&p, t, ntri, NULL) == JM_OK;
    if (!(o->rel_area_err <= AREA_REL_TOL)) {
        snprintf(o->why, sizeof o->why, "triangles cover %.17g, polygon area %.17g (relative error %.3g)", o->tri_area,
                 o->area, o->rel_area_err);
        goto out;
    }
    tri_union = geos_triangle_union(ck, q, t, ntri);
    double sd = tri_union ? geos_symdiff_area(ck, tri_union, poly) : -1;
    if (sd < 0) {
        snprintf(o->why, sizeof o->why, "GEOS failed on the triangles: %s", ck->geos_msg);
        goto out;
    }
    o->rel_symdiff = o->area > 0 ? sd / o->area : (sd > 0 ? INFINITY : 0);
    if (!(o->rel_symdiff <= SYMDIFF_REL_TOL)) {
        snprintf(o->why, sizeof o->why, "union of triangles differs from the polygon by %.6g m2 (%.3g relative)", sd,
                 o->rel_symdiff);
        goto out;
    }
    o->pass = true;
out:
    GEOSGeom_destroy_r(ck->geos, tri_union);
    GEOSGeom_destroy_r(ck->geos, poly);
}

/* Triangulates q and judges the result. */
static void triangulate_and_judge(struct checker *ck, const struct local_poly *q, struct outcome *o)
{
    struct tri_polygon p = {q->xy, q->sizes, q->nrings};
    struct err e;
    int ntri = -1;
    err_clear(&e);
    buf_reset(&ck->tris);
    double t0 = now_s();
    enum jm_status rc = tri_triangulate(&p, &ck->tris, &ntri, &e);
    double dt = now_s() - t0;
    judge(ck, q, rc, e.msg, (const int32_t *)(const void *)ck->tris.data, ntri, ck->tris.len, o);
    o->tri_seconds = dt;
}

static void account(struct stats *st, const struct outcome *o, int npoints)
{
    st->runs++;
    st->points += npoints;
    st->triangles += o->ntri;
    st->tri_seconds += o->tri_seconds;
    if (!o->contract_ok)
        st->contract_failed++;
    if (!o->valid) {
        st->invalid_runs++;
        if (o->rc == JM_EINPUT)
            st->invalid_einput++;
        else if (o->rc == JM_OK && !(o->rel_area_err <= AREA_REL_TOL))
            st->invalid_area_off++;
        return;
    }
    if (o->contract_ok && !o->pass)
        st->valid_failed++;
    if (o->pass) {
        st->max_rel_area_err = fmax(st->max_rel_area_err, o->rel_area_err);
        st->max_rel_symdiff = fmax(st->max_rel_symdiff, o->rel_symdiff);
        if (!o->strict_ok)
            st->strict_check_failed++;
    }
}

/* The variants each polygon is triangulated in: another direction, the other side for hole
 * bridges, and a rotation (coordinates rounded anew, axis-parallel edges no longer so) all
 * change the clipper's path. The last swaps two consecutive points of the outer ring, which
 * mostly makes a self-crossing ring: the data has no invalid polygon of its own, and the
 * contract (and the sanitizers) must hold on those too. */
enum variant { VARIANT_AS_READ, VARIANT_REVERSED, VARIANT_MIRRORED, VARIANT_ROTATED, VARIANT_SWAPPED, VARIANT_COUNT };

static const char *const variant_names[VARIANT_COUNT] = {"as read", "rings reversed", "mirrored x", "rotated 0.3 rad",
                                                         "two points swapped"};

/* Turns q (as read) into variant v in place; applied in order, each from the previous. */
static void apply_variant(struct local_poly *q, enum variant v)
{
    if (v == VARIANT_REVERSED) {
        int first = 0;
        for (int r = 0; r < q->nrings; r++) {
            for (int i = first, j = first + q->sizes[r] - 1; i < j; i++, j--) {
                double x = q->xy[2 * i], y = q->xy[2 * i + 1];
                q->xy[2 * i] = q->xy[2 * j];
                q->xy[2 * i + 1] = q->xy[2 * j + 1];
                q->xy[2 * j] = x;
                q->xy[2 * j + 1] = y;
            }
            first += q->sizes[r];
        }
    } else if (v == VARIANT_MIRRORED) {
        for (int k = 0; k < q->npoints; k++)
            q->xy[2 * k] = -q->xy[2 * k];
    } else if (v == VARIANT_SWAPPED) {
        int n = q->nrings > 0 ? q->sizes[0] - 1 : 0; /* the ring is closed */
        if (n >= 5) {
            int i = n / 3, j = i + 1;
            double x = q->xy[2 * i], y = q->xy[2 * i + 1];
            q->xy[2 * i] = q->xy[2 * j];
            q->xy[2 * i + 1] = q->xy[2 * j + 1];
            q->xy[2 * j] = x;
            q->xy[2 * j + 1] = y;
        }
    } else if (v == VARIANT_ROTATED) {
        double c = cos(0.3), s = sin(0.3);
        for (int k = 0; k < q->npoints; k++) {
            double x = q->xy[2 * k], y = q->xy[2 * k + 1];
            q->xy[2 * k] = c * x - s * y;
            q->xy[2 * k + 1] = s * x + c * y;
        }
    }
}

/* Checks ck->lp in every variant, into `a` and (when not NULL) `b`. */
static void check_polygon(struct checker *ck, const char *where, struct stats *a, struct stats *b)
{
    struct local_poly *q = &ck->lp;
    bool valid_as_read = false;
    for (int v = 0; v < VARIANT_COUNT; v++) {
        struct outcome o;
        apply_variant(q, (enum variant)v);
        triangulate_and_judge(ck, q, &o);
        if (v == VARIANT_AS_READ)
            valid_as_read = o.valid;
        account(a, &o, q->npoints);
        if (b)
            account(b, &o, q->npoints);
        if (!o.pass) {
            fprintf(stderr, "    FAIL %s: %s, %s (%s, %d points, %d rings): %s\n", a->name, where, variant_names[v],
                    o.valid ? "valid" : "invalid", q->npoints, q->nrings, o.why);
            if (a->printed++ < MAX_PRINTED_FAILURES)
                print_wkt(ck, q);
        }
    }
    struct stats *both[] = {a, b};
    for (int k = 0; k < 2 && both[k]; k++) {
        both[k]->polygons++;
        both[k]->holes += q->nrings - 1;
        if (valid_as_read)
            both[k]->valid++;
        else
            both[k]->invalid++;
    }
}

static void print_stats(const struct stats *st)
{
    printf("    %-18s %5d features, %5d polygons (%d holes), as read: %d valid, %d invalid\n", st->name, st->features,
           st->polygons, st->holes, st->valid, st->invalid);
    printf("    %-18s %d triangulations (%d variants each): %lld points, %lld triangles\n", "", st->runs, VARIANT_COUNT,
           st->points, st->triangles);
    printf("    %-18s failures: %d on valid polygons, %d of the output contract\n", "", st->valid_failed,
           st->contract_failed);
    printf("    %-18s of invalid polygons: %d triangulations, %d refused (JM_EINPUT), %d with the area off\n", "",
           st->invalid_runs, st->invalid_einput, st->invalid_area_off);
    printf("    %-18s max relative area error %.3g, max relative sym-difference %.3g, tri_check(1e-9) misses %d\n", "",
           st->max_rel_area_err, st->max_rel_symdiff, st->strict_check_failed);
    printf("    %-18s %.3f s (%.3f s in tri_triangulate)\n", "", st->seconds, st->tri_seconds);
}

/* ---- data sets ------------------------------------------------------------------------ */

/* Checks every polygon of every feature of `layer` into `all`; `buildings` (may be NULL)
 * also receives the features whose "building" field is set. */
static void check_layer(struct checker *ck, OGRLayerH layer, bool lonlat, struct stats *all, struct stats *buildings)
{
    double t0 = now_s();
    int building_field = buildings ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), "building") : -1;
    if (buildings)
        assert_true(building_field >= 0);
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        bool is_building = building_field >= 0 && OGR_F_IsFieldSetAndNotNull(f, building_field);
        all->features++;
        if (is_building)
            buildings->features++;
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGRwkbGeometryType type = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbUnknown;
        int nparts = type == wkbMultiPolygon ? OGR_G_GetGeometryCount(g) : type == wkbPolygon ? 1 : 0;
        if (g && nparts == 0 && !OGR_G_IsEmpty(g))
            fprintf(stderr, "    %s: feature " CPL_FRMT_GIB ": geometry %s skipped\n", all->name, OGR_F_GetFID(f),
                    OGR_G_GetGeometryName(g));
        for (int k = 0; k < nparts; k++) {
            OGRGeometryH part = type == wkbMultiPolygon ? OGR_G_GetGeometryRef(g, k) : g;
            char where[128];
            snprintf(where, sizeof where, "feature " CPL_FRMT_GIB " part %d", OGR_F_GetFID(f), k);
            lp_from_ogr(&ck->lp, part, lonlat);
            check_polygon(ck, where, all, is_building ? buildings : NULL);
        }
        OGR_F_Destroy(f);
    }
    double dt = now_s() - t0;
    all->seconds += dt;
    if (buildings)
        buildings->seconds += dt;
}

static void require(const struct stats *st, int expected_parts)
{
    print_stats(st);
    if (st->polygons < expected_parts * 9 / 10)
        fail_msg("%s: %d polygons checked, expected at least 90%% of %d", st->name, st->polygons, expected_parts);
    if (st->valid < st->polygons * 9 / 10)
        fail_msg("%s: only %d of %d polygons are valid: the reading is wrong", st->name, st->valid, st->polygons);
    if (st->valid_failed > 0 || st->contract_failed > 0)
        fail_msg("%s: %d triangulations of valid polygons failed, %d broke the output contract", st->name,
                 st->valid_failed, st->contract_failed);
}

static OGRLayerH open_layer(const char *path, const char *layer_name, GDALDatasetH *ds)
{
    *ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!*ds)
        fail_msg("cannot open %s: %s", path, CPLGetLastErrorMsg());
    OGRLayerH layer = layer_name ? GDALDatasetGetLayerByName(*ds, layer_name) : GDALDatasetGetLayer(*ds, 0);
    if (!layer)
        fail_msg("%s: no layer %s", path, layer_name ? layer_name : "0");
    return layer;
}

static void test_osm_multipolygons(void **state)
{
    const struct data_cfg *cfg = *state;
    struct checker ck;
    struct stats all = {.name = "osm multipolygons"}, buildings = {.name = "osm buildings"};
    GDALDatasetH ds = NULL;
    OGRLayerH layer = open_layer(cfg->osm_path, "multipolygons", &ds);
    checker_init(&ck);
    check_layer(&ck, layer, true, &all, &buildings);
    checker_cleanup(&ck);
    GDALClose(ds);
    require(&buildings, OSM_BUILDING_PARTS);
    require(&all, OSM_ALL_PARTS);
}

static void test_flanders_parcels(void **state)
{
    const struct data_cfg *cfg = *state;
    struct checker ck;
    struct stats parcels = {.name = "flanders parcels"};
    GDALDatasetH ds = NULL;
    OGRLayerH layer = open_layer(cfg->parcels_path, NULL, &ds);
    checker_init(&ck);
    check_layer(&ck, layer, false, &parcels, NULL);
    checker_cleanup(&ck);
    GDALClose(ds);
    require(&parcels, PARCEL_PARTS);
}

/* The checker itself must catch wrong triangulations, or the data tests prove nothing: two
 * copies of one half of a square have the square's area and lie inside it, yet leave a gap. */
static void test_checker_catches_wrong_triangulations(void **state)
{
    (void)state;
    struct checker ck;
    struct outcome o;
    checker_init(&ck);
    struct local_poly *q = &ck.lp;
    static const double square[] = {0, 0, 4, 0, 4, 4, 0, 4, 0, 0};
    static const double hole[] = {1, 1, 1, 2, 2, 2, 2, 1, 1, 1};
    lp_add_ring(q);
    for (int k = 0; k < 5; k++)
        lp_add_point(q, square[2 * k], square[2 * k + 1]);

    const int32_t good[] = {0, 1, 2, 0, 2, 3};
    judge(&ck, q, JM_OK, "", good, 2, sizeof good, &o);
    assert_true(o.valid && o.contract_ok && o.pass);

    const int32_t twice[] = {0, 1, 2, 0, 1, 2};
    judge(&ck, q, JM_OK, "", twice, 2, sizeof twice, &o);
    assert_true(o.contract_ok && o.rel_area_err < 1e-15);
    assert_false(o.pass);
    assert_true(o.rel_symdiff > 0.49);

    const int32_t clockwise[] = {0, 2, 1, 0, 3, 2};
    judge(&ck, q, JM_OK, "", clockwise, 2, sizeof clockwise, &o);
    assert_false(o.contract_ok || o.pass);

    const int32_t out_of_range[] = {0, 1, 5, 0, 2, 3};
    judge(&ck, q, JM_OK, "", out_of_range, 2, sizeof out_of_range, &o);
    assert_false(o.contract_ok || o.pass);

    judge(&ck, q, JM_EINPUT, "refused", NULL, 0, 0, &o);
    assert_true(o.valid && o.contract_ok);
    assert_false(o.pass);

    /* triangles over the hole: the area is off */
    lp_add_ring(q);
    for (int k = 0; k < 5; k++)
        lp_add_point(q, hole[2 * k], hole[2 * k + 1]);
    judge(&ck, q, JM_OK, "", good, 2, sizeof good, &o);
    assert_true(o.valid && o.contract_ok);
    assert_false(o.pass);
    assert_true(fabs(o.rel_area_err - 1.0 / 15) < 1e-12);

    /* a bow tie is invalid: refusing it is allowed */
    static const double bow_tie[] = {0, 0, 2, 2, 2, 0, 0, 2, 0, 0};
    q->npoints = q->nrings = 0;
    lp_add_ring(q);
    for (int k = 0; k < 5; k++)
        lp_add_point(q, bow_tie[2 * k], bow_tie[2 * k + 1]);
    judge(&ck, q, JM_EINPUT, "refused", NULL, 0, 0, &o);
    assert_false(o.valid);
    assert_true(o.contract_ok && o.pass);
    checker_cleanup(&ck);
}

/* Builds "dir/file" into out; false when it does not fit. */
static bool join_path(char *out, size_t size, const char *dir, const char *file)
{
    int n = snprintf(out, size, "%s/%s", dir, file);
    return n > 0 && (size_t)n < size;
}

int main(void)
{
    static struct data_cfg cfg;
    const char *env = getenv("JUMEAU_SHARED_DATA");
    const char *dir = env && *env ? env : DEFAULT_DATA_DIR;
    if (!join_path(cfg.osm_path, sizeof cfg.osm_path, dir, OSM_FILE) ||
        !join_path(cfg.parcels_path, sizeof cfg.parcels_path, dir, PARCELS_FILE)) {
        fprintf(stderr, "test_triangulate_data: JUMEAU_SHARED_DATA is too long\n");
        return 1;
    }
    const char *paths[] = {cfg.osm_path, cfg.parcels_path};
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
        if (access(paths[k], R_OK) == 0)
            continue;
        if (!env || !*env) {
            fprintf(stderr, "test_triangulate_data: %s is missing and JUMEAU_SHARED_DATA is unset: skipped\n",
                    paths[k]);
            return 77;
        }
        fprintf(stderr, "test_triangulate_data: %s (from JUMEAU_SHARED_DATA) is missing\n", paths[k]);
        return 1;
    }
    GDALAllRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_catches_wrong_triangulations),
        cmocka_unit_test_prestate(test_osm_multipolygons, &cfg),
        cmocka_unit_test_prestate(test_flanders_parcels, &cfg),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    GDALDestroyDriverManager();
    return failed;
}
