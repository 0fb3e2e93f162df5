/* Unit tests of tiler/tileset3d: the quadtree of summaries and its tileset.json. The JSON is
 * checked through what a 3D Tiles client reads: leaves have error 0 and a .glb, split cells
 * a smaller error than their parents' and children, a cell split at a file's last level an
 * external tileset, regions that hold their children. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tile_math.h"
#include "tileset3d.h"

static int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A summary of `count` objects of 5 points in sub-cell x/y at zoom z, its extent the cell's. */
static struct tileset3d_bin bin(int z, int64_t x, int64_t y, long count)
{
    struct tile_bounds b = tile_bounds_3857(z, x, y);
    struct tileset3d_bin r = {x, y, count, 5 * count, 0, 0, 0, 0, 0, 12};
    r.west = b.minx / TILE_MERCATOR_HALF * 180, r.east = b.maxx / TILE_MERCATOR_HALF * 180;
    r.south = atan(sinh(b.miny / TILE_MERCATOR_HALF * M_PI)) * 180 / M_PI;
    r.north = atan(sinh(b.maxy / TILE_MERCATOR_HALF * M_PI)) * 180 / M_PI;
    return r;
}

static void test_small_city_is_one_level(void **state)
{
    (void)state;
    struct tileset3d_caps caps = {100, 1000000};
    int top = 14, deep = top + TILESET3D_LEVELS_PER_FILE;
    int64_t x0 = 8600 << 4, y0 = 5750 << 4;
    struct tileset3d_bin bins[] = {bin(deep, x0, y0, 10), bin(deep, x0 + 1, y0 + 3, 20)};
    struct buf out, refs;
    buf_init(&out, 0), buf_init(&refs, 0);
    struct err e;
    err_clear(&e);
    struct tileset3d_dataset ds = {"vaduz", "Vaduz buildings", "ODbL"};
    assert_int_equal(tileset3d_write(&ds, &caps, -1, 0, 0, top, bins, 2, "", &out, &refs, &e), JM_OK);
    const char *j = buf_str(&out);
    /* one top cell of 30 objects: a leaf under the content-less root */
    assert_int_equal(count_of(j, "\"uri\":\"content/14/8600/5750.glb\""), 1);
    assert_int_equal(count_of(j, "\"uri\""), 1);
    assert_non_null(strstr(j, "\"version\":\"1.1\""));
    assert_non_null(strstr(j, "\"collection\":\"vaduz\""));
    assert_int_equal(refs.len, sizeof(struct tileset3d_ref));
    buf_cleanup(&out), buf_cleanup(&refs);
}

static void test_split_and_external(void **state)
{
    (void)state;
    struct tileset3d_caps caps = {100, 1000000};
    int top = 10, deep = top + TILESET3D_LEVELS_PER_FILE;
    /* 16 x 16 sub-cells of 60 objects under one top cell: every level up is split (over 100),
     * and the deepest cells (60) are leaves */
    struct tileset3d_bin bins[256];
    int64_t x0 = 537 << 4, y0 = 359 << 4;
    for (int i = 0; i < 256; i++)
        bins[i] = bin(deep, x0 + i % 16, y0 + i / 16, 60);
    struct buf out, refs;
    buf_init(&out, 0), buf_init(&refs, 0);
    struct err e;
    err_clear(&e);
    assert_int_equal(tileset3d_write(NULL, &caps, -1, 0, 0, top, bins, 256, "", &out, &refs, &e), JM_OK);
    const char *j = buf_str(&out);
    int contents = 1 + 4 + 16 + 64 + 256;
    assert_int_equal(count_of(j, ".glb\""), contents);
    assert_int_equal(count_of(j, "\"geometricError\":0,"), 256);
    assert_int_equal((int)(refs.len / sizeof(struct tileset3d_ref)), contents);
    /* the same with bigger sub-cells: the last level of the file is split, so external */
    for (int i = 0; i < 256; i++)
        bins[i].count = 150;
    buf_reset(&out), buf_reset(&refs);
    assert_int_equal(tileset3d_write(NULL, &caps, -1, 0, 0, top, bins, 256, "", &out, &refs, &e), JM_OK);
    j = buf_str(&out);
    assert_int_equal(count_of(j, "\"uri\":\"tileset/14/"), 256);
    assert_int_equal(count_of(j, "\"geometricError\":0,"), 0);
    /* an external file rooted at one of them: base path up to the dataset's folder */
    struct tileset3d_bin sub[4];
    for (int i = 0; i < 4; i++)
        sub[i] = bin(18, ((x0 + 3) << 4) + i, (y0 + 5) << 4, 40);
    buf_reset(&out);
    assert_int_equal(tileset3d_write(NULL, &caps, 14, x0 + 3, y0 + 5, 0, sub, 4, "../../../", &out, NULL, &e), JM_OK);
    j = buf_str(&out);
    assert_non_null(strstr(j, "\"uri\":\"../../../content/14/"));
    /* 160 objects in a row of four zoom-18 cells: split at 14, 15, 16; two leaves of 80 at 17 */
    assert_int_equal(count_of(j, "\"geometricError\":0,"), 2);
    assert_int_equal(count_of(j, ".glb\""), 5);
    /* a cell not in the summaries is not found */
    buf_reset(&out);
    assert_int_equal(tileset3d_write(NULL, &caps, 14, x0, y0, 0, sub, 4, "", &out, NULL, &e), JM_ENOTFOUND);
    buf_cleanup(&out), buf_cleanup(&refs);
}

static void test_errors_decrease(void **state)
{
    (void)state;
    for (int z = 0; z < TILESET3D_MAX_ZOOM; z++)
        for (int64_t y = 0; y < ((int64_t)1 << z) && y < 64; y++) {
            double parent = tileset3d_geometric_error(z, y);
            assert_true(parent > 0);
            assert_true(tileset3d_geometric_error(z + 1, 2 * y) < parent);
            assert_true(tileset3d_geometric_error(z + 1, 2 * y + 1) < parent);
        }
    /* a town fits 2 x 2 cells at a deep zoom; the whole world only at 0 */
    assert_true(tileset3d_top_zoom(9.47, 47.04, 9.64, 47.27) >= 9);
    assert_int_equal(tileset3d_top_zoom(-180, -85, 180, 85), 1);
}

static void test_caps_and_leaves(void **state)
{
    (void)state;
    struct tileset3d_caps caps = {2000, 1000000};
    assert_true(tileset3d_is_leaf(&caps, 15, 2000, 5000));
    assert_false(tileset3d_is_leaf(&caps, 15, 2001, 10));
    assert_false(tileset3d_is_leaf(&caps, 15, 10, 1000000 / TILESET3D_BYTES_PER_POINT + 1));
    assert_true(tileset3d_is_leaf(&caps, TILESET3D_MAX_ZOOM, 1000000, 1000000000));
    struct buf out;
    buf_init(&out, 0);
    struct err e;
    err_clear(&e);
    assert_int_equal(tileset3d_write(NULL, &caps, -1, 0, 0, 3, NULL, 0, "", &out, NULL, &e), JM_ENOTFOUND);
    buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_city_is_one_level),
        cmocka_unit_test(test_split_and_external),
        cmocka_unit_test(test_errors_decrease),
        cmocka_unit_test(test_caps_and_leaves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
