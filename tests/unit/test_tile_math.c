/* Unit tests of tiler/tile_math (tile_): grid validity, tile extents in EPSG:3857, the tile
 * holding a longitude/latitude (checked against the slippy-map formula), and the Mercator
 * forward transform. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>

#include "tile_math.h"

/* cmocka 1.1 has no double comparison; this one prints both values in full. */
#define assert_near(actual, expected, eps)                                                                             \
    do {                                                                                                               \
        double actual_ = (actual), expected_ = (expected);                                                             \
        if (!(fabs(actual_ - expected_) <= (eps)))                                                                     \
            fail_msg("%s = %.17g, expected %.17g (within %g)", #actual, actual_, expected_, (double)(eps));            \
    } while (0)

#define HALF TILE_MERCATOR_HALF

/* The tile of lon/lat by the OpenStreetMap wiki's formula, written independently of the
 * code under test (degrees to tile numbers directly, without going through metres). */
static void slippy_tile(double lon, double lat, int z, int64_t *x, int64_t *y)
{
    double n = ldexp(1.0, z);
    double lat_rad = lat * M_PI / 180.0;
    *x = (int64_t)floor((lon + 180.0) / 360.0 * n);
    *y = (int64_t)floor((1.0 - log(tan(lat_rad) + 1.0 / cos(lat_rad)) / M_PI) / 2.0 * n);
}

/* ---- tile_valid -------------------------------------------------------------------- */

static void test_tile_valid_bounds(void **state)
{
    (void)state;
    assert_true(tile_valid(0, 0, 0));
    assert_false(tile_valid(0, 1, 0));
    assert_false(tile_valid(0, 0, 1));
    assert_true(tile_valid(1, 1, 1));
    assert_false(tile_valid(1, 2, 0));
    assert_false(tile_valid(1, 0, 2));
    assert_true(tile_valid(14, 8625, 5753));
    assert_true(tile_valid(14, 16383, 16383));
    assert_false(tile_valid(14, 16384, 0));
    assert_false(tile_valid(14, 0, 16384));

    int64_t last = ((int64_t)1 << TILE_MAX_ZOOM) - 1;
    assert_int_equal(TILE_MAX_ZOOM, 24);
    assert_true(tile_valid(24, last, last));
    assert_false(tile_valid(24, last + 1, 0));
    assert_false(tile_valid(24, 0, last + 1));
    assert_false(tile_valid(25, 0, 0));
    assert_false(tile_valid(62, 0, 0));
    assert_false(tile_valid(64, 0, 0));
    assert_false(tile_valid(INT_MAX, 0, 0));

    assert_false(tile_valid(-1, 0, 0));
    assert_false(tile_valid(INT_MIN, 0, 0));
    assert_false(tile_valid(3, -1, 0));
    assert_false(tile_valid(3, 0, -1));
    assert_false(tile_valid(3, INT64_MIN, 0));
    assert_false(tile_valid(3, INT64_MAX, 0));
    assert_false(tile_valid(3, 0, INT64_MAX));
}

/* ---- tile_bounds_3857 -------------------------------------------------------------- */

static void test_tile_bounds_world(void **state)
{
    (void)state;
    assert_near(HALF, 20037508.342789244, 1e-9);
    struct tile_bounds b = tile_bounds_3857(0, 0, 0);
    assert_near(b.minx, -20037508.342789244, 1e-9);
    assert_near(b.miny, -20037508.342789244, 1e-9);
    assert_near(b.maxx, 20037508.342789244, 1e-9);
    assert_near(b.maxy, 20037508.342789244, 1e-9);
}

static void test_tile_bounds_z1_quadrants(void **state)
{
    (void)state;
    /* y counts from the north: 1/0/0 is the north-west quadrant. */
    struct tile_bounds nw = tile_bounds_3857(1, 0, 0);
    assert_near(nw.minx, -HALF, 1e-9);
    assert_near(nw.maxx, 0, 1e-9);
    assert_near(nw.miny, 0, 1e-9);
    assert_near(nw.maxy, HALF, 1e-9);

    struct tile_bounds ne = tile_bounds_3857(1, 1, 0);
    assert_near(ne.minx, 0, 1e-9);
    assert_near(ne.maxx, HALF, 1e-9);
    assert_near(ne.miny, 0, 1e-9);
    assert_near(ne.maxy, HALF, 1e-9);

    struct tile_bounds sw = tile_bounds_3857(1, 0, 1);
    assert_near(sw.minx, -HALF, 1e-9);
    assert_near(sw.maxx, 0, 1e-9);
    assert_near(sw.miny, -HALF, 1e-9);
    assert_near(sw.maxy, 0, 1e-9);

    struct tile_bounds se = tile_bounds_3857(1, 1, 1);
    assert_near(se.minx, 0, 1e-9);
    assert_near(se.maxx, HALF, 1e-9);
    assert_near(se.miny, -HALF, 1e-9);
    assert_near(se.maxy, 0, 1e-9);
}

static void test_tile_bounds_deep_zoom(void **state)
{
    (void)state;
    /* A z14 tile is 2 * HALF / 16384 = 2445.98… m wide; neighbours share their edges. */
    double size = 2 * HALF / 16384.0;
    struct tile_bounds b = tile_bounds_3857(14, 8625, 5753);
    assert_near(b.maxx - b.minx, size, 1e-6);
    assert_near(b.maxy - b.miny, size, 1e-6);
    assert_near(b.minx, -HALF + 8625 * size, 1e-6);
    assert_near(b.maxy, HALF - 5753 * size, 1e-6);
    struct tile_bounds east = tile_bounds_3857(14, 8626, 5753);
    struct tile_bounds south = tile_bounds_3857(14, 8625, 5754);
    assert_near(east.minx, b.maxx, 1e-6);
    assert_near(south.maxy, b.miny, 1e-6);

    /* The last tile of the deepest zoom ends at the grid's south-east corner. */
    int64_t last = ((int64_t)1 << TILE_MAX_ZOOM) - 1;
    struct tile_bounds corner = tile_bounds_3857(TILE_MAX_ZOOM, last, last);
    assert_near(corner.maxx, HALF, 1e-6);
    assert_near(corner.miny, -HALF, 1e-6);
    assert_true(corner.maxx - corner.minx > 2.38 && corner.maxx - corner.minx < 2.39);
}

/* ---- tile_from_lonlat -------------------------------------------------------------- */

static const struct place {
    const char *name;
    double lon, lat;
} places[] = {
    {"Vaduz, Liechtenstein", 9.52, 47.14},    {"Leuven, Belgium", 4.7, 50.88},
    {"Sydney, Australia", 151.2, -33.87},     {"Bergen, Norway", 5.3, 60.4},
    {"Longyearbyen, Svalbard", 15.63, 78.22}, {"Ushuaia, Argentina", -68.3, -54.8},
    {"Honolulu, USA", -157.86, 21.31},        {"Quito, Ecuador", -78.51, -0.22},
};

static void test_tile_from_lonlat_known_places(void **state)
{
    (void)state;
    int64_t x, y;
    /* Vaduz at z14 as a literal too (the slippy-map formula, worked by hand: 14/8625/5753). */
    tile_from_lonlat(9.52, 47.14, 14, &x, &y);
    assert_int_equal(x, 8625);
    assert_int_equal(y, 5753);

    for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
        const struct place *p = &places[i];
        for (int z = 0; z <= 20; z++) {
            int64_t ex, ey;
            slippy_tile(p->lon, p->lat, z, &ex, &ey);
            tile_from_lonlat(p->lon, p->lat, z, &x, &y);
            if (x != ex || y != ey)
                fail_msg("%s at z%d: got %lld/%lld, expected %lld/%lld", p->name, z, (long long)x, (long long)y,
                         (long long)ex, (long long)ey);
            assert_true(tile_valid(z, x, y));

            /* The tile found holds the point. */
            double mx, my;
            tile_lonlat_to_3857(p->lon, p->lat, &mx, &my);
            struct tile_bounds b = tile_bounds_3857(z, x, y);
            assert_true(mx >= b.minx && mx <= b.maxx);
            assert_true(my >= b.miny && my <= b.maxy);
        }
    }
}

static void test_tile_from_lonlat_quadrants(void **state)
{
    (void)state;
    int64_t x, y;
    tile_from_lonlat(0, 0, 0, &x, &y);
    assert_int_equal(x, 0);
    assert_int_equal(y, 0);
    tile_from_lonlat(-10, 10, 1, &x, &y);
    assert_int_equal(x, 0);
    assert_int_equal(y, 0);
    tile_from_lonlat(10, 10, 1, &x, &y);
    assert_int_equal(x, 1);
    assert_int_equal(y, 0);
    tile_from_lonlat(-10, -10, 1, &x, &y);
    assert_int_equal(x, 0);
    assert_int_equal(y, 1);
    tile_from_lonlat(10, -10, 1, &x, &y);
    assert_int_equal(x, 1);
    assert_int_equal(y, 1);
}

static void test_tile_from_lonlat_clamps(void **state)
{
    (void)state;
    int64_t x, y;
    for (int z = 0; z <= TILE_MAX_ZOOM; z++) {
        int64_t last = ((int64_t)1 << z) - 1;
        /* Beyond ±85.0511° the point is on the first or last row, never outside the grid. */
        static const double north[] = {85.0512, 85.06, 86, 89.9, 90};
        for (size_t i = 0; i < sizeof north / sizeof *north; i++) {
            tile_from_lonlat(9.52, north[i], z, &x, &y);
            assert_int_equal(y, 0);
            assert_true(tile_valid(z, x, y));
            tile_from_lonlat(9.52, -north[i], z, &x, &y);
            assert_int_equal(y, last);
            assert_true(tile_valid(z, x, y));
        }
        /* The antimeridian: -180 is the first column, +180 the last. */
        tile_from_lonlat(-180, 0, z, &x, &y);
        assert_int_equal(x, 0);
        tile_from_lonlat(180, 0, z, &x, &y);
        assert_int_equal(x, last);
        tile_from_lonlat(179.9999999, 47, z, &x, &y);
        assert_int_equal(x, last);
    }
}

/* ---- tile_lonlat_to_3857 ----------------------------------------------------------- */

static void test_lonlat_to_3857(void **state)
{
    (void)state;
    double x, y;
    tile_lonlat_to_3857(0, 0, &x, &y);
    assert_near(x, 0, 1e-9);
    assert_near(y, 0, 1e-9);

    tile_lonlat_to_3857(180, 0, &x, &y);
    assert_near(x, 20037508.342789244, 1e-6);
    assert_near(y, 0, 1e-9);
    tile_lonlat_to_3857(-180, 0, &x, &y);
    assert_near(x, -20037508.342789244, 1e-6);

    /* 45°N: R * ln(tan(67.5°)). */
    tile_lonlat_to_3857(90, 45, &x, &y);
    assert_near(x, 20037508.342789244 / 2, 1e-6);
    assert_near(y, 5621521.486192066, 1e-6);
    tile_lonlat_to_3857(-90, -45, &x, &y);
    assert_near(x, -20037508.342789244 / 2, 1e-6);
    assert_near(y, -5621521.486192066, 1e-6);

    /* The grid's latitude limit maps to its edge; beyond it, y stays there (finite). */
    tile_lonlat_to_3857(0, 85.05112877980659, &x, &y);
    assert_near(y, HALF, 1e-3);
    tile_lonlat_to_3857(0, 90, &x, &y);
    assert_near(y, HALF, 1e-3);
    tile_lonlat_to_3857(0, -90, &x, &y);
    assert_near(y, -HALF, 1e-3);
    tile_lonlat_to_3857(0, 89.99, &x, &y);
    assert_true(isfinite(y));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tile_valid_bounds),
        cmocka_unit_test(test_tile_bounds_world),
        cmocka_unit_test(test_tile_bounds_z1_quadrants),
        cmocka_unit_test(test_tile_bounds_deep_zoom),
        cmocka_unit_test(test_tile_from_lonlat_known_places),
        cmocka_unit_test(test_tile_from_lonlat_quadrants),
        cmocka_unit_test(test_tile_from_lonlat_clamps),
        cmocka_unit_test(test_lonlat_to_3857),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
