/* Unit tests of tiler/geodesy and tiler/mesh: ECEF round trips, and extruded footprints that
 * must form closed solids with outward faces (checked through the divergence theorem: the
 * signed volume of the tetrahedra from any point equals the prism's volume only when every
 * face points out), the expected areas, no degenerate triangle, normals that agree with the
 * triangles' winding, and courtyards kept. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "geodesy.h"
#include "mesh.h"

#define VADUZ_LON 9.5209
#define VADUZ_LAT 47.1410

static void test_ecef_round_trip(void **state)
{
    (void)state;
    const double cases[][3] = {{VADUZ_LON, VADUZ_LAT, 455.0}, {0, 0, 0},      {-179.9, -89.9, -100},
                               {4.35, 50.85, 8848},           {120, 35, 1e5}, {-70, 89.999, 12}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double p[3], lon, lat, h;
        geo_to_ecef(cases[i][0], cases[i][1], cases[i][2], p);
        geo_from_ecef(p, &lon, &lat, &h);
        assert_true(fabs(lon - cases[i][0]) < 1e-10);
        assert_true(fabs(lat - cases[i][1]) < 1e-10);
        assert_true(fabs(h - cases[i][2]) < 1e-6);
    }
    double p[3];
    geo_to_ecef(0, 0, 0, p); /* the equator at Greenwich is on the x axis at a */
    assert_true(fabs(p[0] - GEO_WGS84_A) < 1e-9 && fabs(p[1]) < 1e-9 && fabs(p[2]) < 1e-9);
    geo_to_ecef(0, 90, 0, p); /* the pole at b */
    assert_true(fabs(p[2] - 6356752.314245) < 1e-5);
}

/* A square of `side` metres (and an optional square hole of `hole` metres) at Vaduz. */
static void square(double side, double hole, double *lonlat, int *sizes, int *nrings)
{
    double per_lon, per_lat;
    geo_metres_per_degree(VADUZ_LAT, &per_lon, &per_lat);
    const double unit[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    for (int i = 0; i < 4; i++) {
        lonlat[2 * i] = VADUZ_LON + unit[i][0] * side / per_lon;
        lonlat[2 * i + 1] = VADUZ_LAT + unit[i][1] * side / per_lat;
    }
    sizes[0] = 4;
    *nrings = 1;
    if (hole > 0) {
        double off = (side - hole) / 2;
        for (int i = 0; i < 4; i++) { /* same winding as the shell: the mesh must fix it */
            lonlat[8 + 2 * i] = VADUZ_LON + (off + unit[i][0] * hole) / per_lon;
            lonlat[8 + 2 * i + 1] = VADUZ_LAT + (off + unit[i][1] * hole) / per_lat;
        }
        sizes[1] = 4;
        *nrings = 2;
    }
}

/* The signed volume enclosed by the mesh's triangles (positive for outward faces), and the
 * worst disagreement between a triangle's winding and its vertices' normals. */
static double mesh_volume(const struct mesh *m, double *worst_dot, double *min_area)
{
    const float *p = (const float *)(const void *)m->positions.data;
    const float *n = (const float *)(const void *)m->normals.data;
    const uint32_t *ix = (const uint32_t *)(const void *)m->indices.data;
    double volume = 0;
    *worst_dot = 1, *min_area = INFINITY;
    for (uint32_t t = 0; t < m->index_count; t += 3) {
        const float *a = &p[3 * ix[t]], *b = &p[3 * ix[t + 1]], *c = &p[3 * ix[t + 2]];
        double u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
        double x[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
        double len = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
        *min_area = fmin(*min_area, len / 2);
        const float *na = &n[3 * ix[t]];
        *worst_dot = fmin(*worst_dot, (x[0] * na[0] + x[1] * na[1] + x[2] * na[2]) / len);
        volume += (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) +
                   a[2] * (b[0] * c[1] - b[1] * c[0])) /
                  6.0;
    }
    return volume;
}

static void test_box(void **state)
{
    (void)state;
    double lonlat[16], origin[3];
    int sizes[2], nrings;
    square(10, 0, lonlat, sizes, &nrings);
    geo_to_ecef(VADUZ_LON, VADUZ_LAT, 0, origin);
    struct mesh m;
    mesh_init(&m, origin, 0);
    struct geo_polygon fp = {lonlat, sizes, nrings};
    bool added;
    struct err e;
    err_clear(&e);
    assert_int_equal(mesh_add_extrusion(&m, &fp, 0, 12, 7, &added, &e), JM_OK);
    assert_true(added);
    assert_int_equal(m.vertex_count, 4 + 4 + 16); /* roof, floor, four walls: flat shading */
    assert_int_equal(m.index_count, 3 * (2 + 2 + 8));
    assert_true(fabs(m.area - (2 * 100 + 4 * 10 * 12)) < 1e-3);
    double dot, min_area;
    double volume = mesh_volume(&m, &dot, &min_area);
    assert_true(fabs(volume - 1200) < 0.05);
    assert_true(dot > 0.999);
    assert_true(min_area > 1);
    const float *fid = (const float *)(const void *)m.feature_ids.data;
    for (uint32_t i = 0; i < m.vertex_count; i++)
        assert_true(fid[i] == 7.0f);
    /* the roof is 12 m above the floor, along the local vertical */
    double lon, lat, h;
    const float *p = (const float *)(const void *)m.positions.data;
    double top[3] = {p[0] + origin[0], p[1] + origin[1], p[2] + origin[2]};
    geo_from_ecef(top, &lon, &lat, &h);
    assert_true(fabs(h - 12) < 0.01);
    mesh_cleanup(&m);
}

static void test_courtyard(void **state)
{
    (void)state;
    double lonlat[16], origin[3];
    int sizes[2], nrings;
    square(30, 10, lonlat, sizes, &nrings);
    geo_to_ecef(VADUZ_LON, VADUZ_LAT, 0, origin);
    struct mesh m;
    mesh_init(&m, origin, 0);
    struct geo_polygon fp = {lonlat, sizes, nrings};
    bool added;
    struct err e;
    err_clear(&e);
    assert_int_equal(mesh_add_extrusion(&m, &fp, 0, 5, 0, &added, &e), JM_OK);
    assert_true(added);
    double dot, min_area;
    double volume = mesh_volume(&m, &dot, &min_area);
    assert_true(fabs(volume - (900 - 100) * 5) < 0.05); /* the courtyard is not filled */
    assert_true(dot > 0.999);                           /* courtyard walls face into it */
    assert_true(fabs(m.area - (2 * 800 + 4 * 30 * 5 + 4 * 10 * 5)) < 1e-2);
    mesh_cleanup(&m);
}

static void test_degenerate_and_bad(void **state)
{
    (void)state;
    double origin[3];
    geo_to_ecef(VADUZ_LON, VADUZ_LAT, 0, origin);
    struct mesh m;
    mesh_init(&m, origin, 0);
    bool added = true;
    struct err e;
    err_clear(&e);
    /* a line (three points on a meridian): nothing, no error */
    double line[] = {VADUZ_LON, VADUZ_LAT, VADUZ_LON, VADUZ_LAT + 1e-4, VADUZ_LON, VADUZ_LAT + 2e-4};
    int three = 3;
    struct geo_polygon fp = {line, &three, 1};
    assert_int_equal(mesh_add_extrusion(&m, &fp, 0, 5, 0, &added, &e), JM_OK);
    assert_false(added);
    assert_int_equal(m.vertex_count, 0);
    /* a non-finite coordinate and an inverted height are errors that leave the mesh as it was */
    double bad[] = {VADUZ_LON, VADUZ_LAT, NAN, VADUZ_LAT, VADUZ_LON, VADUZ_LAT + 1e-4};
    fp.lonlat = bad;
    assert_int_equal(mesh_add_extrusion(&m, &fp, 0, 5, 0, &added, &e), JM_EINPUT);
    err_clear(&e);
    double lonlat[16];
    int sizes[2], nrings;
    square(10, 0, lonlat, sizes, &nrings);
    struct geo_polygon sq = {lonlat, sizes, nrings};
    assert_int_equal(mesh_add_extrusion(&m, &sq, 5, 5, 0, &added, &e), JM_EINPUT);
    assert_int_equal(m.vertex_count, 0);
    assert_int_equal(m.index_count, 0);
    /* a mesh over its cap fails whole and keeps what it had */
    struct mesh small;
    mesh_init(&small, origin, 600);
    err_clear(&e);
    assert_int_equal(mesh_add_extrusion(&small, &sq, 0, 5, 0, &added, &e), JM_ELIMIT);
    assert_int_equal(small.vertex_count, 0);
    assert_int_equal(small.positions.len, 0);
    mesh_cleanup(&small);
    mesh_cleanup(&m);
}

static void test_surface(void **state)
{
    (void)state;
    /* a 4 x 3 m wall in the plane y = 0 */
    double origin[3] = {0, 0, 0};
    double xyz[] = {0, 0, 0, 0, 0, 3, 4, 0, 3, 4, 0, 0};
    int four = 4;
    struct mesh m;
    mesh_init(&m, origin, 0);
    bool added;
    struct err e;
    err_clear(&e);
    assert_int_equal(mesh_add_surface(&m, xyz, &four, 1, 2, &added, &e), JM_OK);
    assert_true(added);
    assert_int_equal(m.index_count, 6);
    assert_true(fabs(m.area - 12) < 1e-9);
    const float *n = (const float *)(const void *)m.normals.data;
    assert_true(n[1] > 0.999); /* Newell: this ring runs counter-clockwise seen from +y */
    double dot, min_area;
    mesh_volume(&m, &dot, &min_area);
    assert_true(dot > 0.999);
    mesh_cleanup(&m);
}

/* With semantics on, an extruded block tells its roof, floor and walls apart, and a surface
 * takes the code set before it. */
static void test_semantics(void **state)
{
    (void)state;
    double lonlat[16], origin[3];
    int sizes[2], nrings;
    square(10, 0, lonlat, sizes, &nrings);
    geo_to_ecef(VADUZ_LON, VADUZ_LAT, 0, origin);
    struct mesh m;
    mesh_init(&m, origin, 0);
    mesh_use_semantics(&m);
    struct geo_polygon fp = {lonlat, sizes, nrings};
    bool added;
    struct err e;
    err_clear(&e);
    assert_int_equal(mesh_add_extrusion(&m, &fp, 0, 5, 0, &added, &e), JM_OK);
    assert_int_equal(m.semantics.len, m.vertex_count * sizeof(float));
    int counts[10] = {0};
    const float *code = (const float *)(const void *)m.semantics.data;
    for (uint32_t i = 0; i < m.vertex_count; i++)
        counts[(int)code[i]]++;
    assert_int_equal(counts[MESH_SEMANTIC_ROOF], 4);
    assert_int_equal(counts[MESH_SEMANTIC_GROUND], 4);
    assert_int_equal(counts[MESH_SEMANTIC_WALL], 16);
    double xyz[] = {0, 0, 0, 4, 0, 0, 4, 0, 3};
    int three = 3;
    m.semantic = (float)mesh_semantic_from_name("Window");
    assert_int_equal(mesh_add_surface(&m, xyz, &three, 1, 0, &added, &e), JM_OK);
    code = (const float *)(const void *)m.semantics.data;
    assert_true(code[m.vertex_count - 1] == (float)MESH_SEMANTIC_WINDOW);
    assert_int_equal(mesh_semantic_from_name("TrafficArea"), MESH_SEMANTIC_OTHER);
    assert_int_equal(mesh_semantic_from_name(NULL), MESH_SEMANTIC_NONE);
    mesh_cleanup(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecef_round_trip),    cmocka_unit_test(test_box),     cmocka_unit_test(test_courtyard),
        cmocka_unit_test(test_degenerate_and_bad), cmocka_unit_test(test_surface), cmocka_unit_test(test_semantics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
