/* Unit tests of tiler/triangulate (tri_): ear clipping with holes. Every case checks, through
 * tri_check, that indices are in range, triangles are counter-clockwise with positive area
 * and their areas sum to the polygon's area within 1e-9 relative; simple cases also check
 * the exact count n + 2h - 2 (n points and h holes after cleanup). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "triangulate.h"

/* A polygon under construction: rings appended point by point. */
struct poly {
    double *xy;
    int *sizes;
    int npoints, nrings, cap_points, cap_rings;
};

static void poly_ring(struct poly *q)
{
    if (q->nrings == q->cap_rings) {
        q->cap_rings = q->cap_rings ? 2 * q->cap_rings : 4;
        q->sizes = realloc(q->sizes, (size_t)q->cap_rings * sizeof *q->sizes);
        assert_non_null(q->sizes);
    }
    q->sizes[q->nrings++] = 0;
}

static void poly_pt(struct poly *q, double x, double y)
{
    if (q->npoints == q->cap_points) {
        q->cap_points = q->cap_points ? 2 * q->cap_points : 64;
        q->xy = realloc(q->xy, 2 * (size_t)q->cap_points * sizeof *q->xy);
        assert_non_null(q->xy);
    }
    q->xy[2 * q->npoints] = x;
    q->xy[2 * q->npoints + 1] = y;
    q->npoints++;
    q->sizes[q->nrings - 1]++;
}

/* Adds a ring from a flat list of n points. */
static void poly_add(struct poly *q, const double *pts, int n)
{
    poly_ring(q);
    for (int k = 0; k < n; k++)
        poly_pt(q, pts[2 * k], pts[2 * k + 1]);
}

static void poly_free(struct poly *q)
{
    free(q->xy);
    free(q->sizes);
    memset(q, 0, sizeof *q);
}

/* Triangulates q, checks the result, returns the number of triangles. */
static int run(const struct poly *q)
{
    struct tri_polygon p = {q->xy, q->sizes, q->nrings};
    struct buf out;
    struct err e;
    buf_init(&out, 0);
    err_clear(&e);
    int n = -1;
    enum jm_status rc = tri_triangulate(&p, &out, &n, &e);
    if (rc != JM_OK)
        fail_msg("tri_triangulate: %s: %s", err_code_name(rc), e.msg);
    assert_int_equal(out.len, (size_t)n * 3 * sizeof(int32_t));
    rc = tri_check(&p, (const int32_t *)(const void *)out.data, n, &e);
    if (rc != JM_OK)
        fail_msg("tri_check: %s", e.msg);
    buf_cleanup(&out);
    return n;
}

#define RING(q, ...)                                                                                                   \
    do {                                                                                                               \
        static const double pts_[] = {__VA_ARGS__};                                                                    \
        poly_add((q), pts_, (int)(sizeof pts_ / sizeof pts_[0] / 2));                                                  \
    } while (0)

/* ---- simple shapes ------------------------------------------------------------------ */

static void test_square(void **state)
{
    (void)state;
    struct poly q = {0};
    RING(&q, 0, 0, 1, 0, 1, 1, 0, 1);
    assert_int_equal(run(&q), 2);
    assert_float_equal(tri_ring_area(q.xy, 4), 1.0, 1e-15);
    poly_free(&q);

    /* a closing point equal to the first is ignored: its index never appears */
    RING(&q, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0);
    struct tri_polygon p = {q.xy, q.sizes, q.nrings};
    struct buf out;
    buf_init(&out, 0);
    int n = 0;
    assert_int_equal(tri_triangulate(&p, &out, &n, NULL), JM_OK);
    assert_int_equal(n, 2);
    const int32_t *t = (const int32_t *)(const void *)out.data;
    for (int k = 0; k < 3 * n; k++)
        assert_true(t[k] >= 0 && t[k] < 4);
    assert_int_equal(tri_check(&p, t, n, NULL), JM_OK);
    buf_cleanup(&out);
    poly_free(&q);
}

static void test_concave_l_and_u(void **state)
{
    (void)state;
    struct poly q = {0};
    RING(&q, 0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2);
    assert_int_equal(run(&q), 4);
    poly_free(&q);

    RING(&q, 0, 0, 3, 0, 3, 3, 2, 3, 2, 1, 1, 1, 1, 3, 0, 3);
    assert_int_equal(run(&q), 6);
    poly_free(&q);
}

static void test_clockwise_input(void **state)
{
    (void)state;
    struct poly q = {0};
    RING(&q, 0, 0, 0, 2, 1, 2, 1, 1, 2, 1, 2, 0); /* the L, clockwise */
    assert_true(tri_ring_area(q.xy, 6) < 0);
    assert_int_equal(run(&q), 4);
    poly_free(&q);

    /* clockwise outer and counter-clockwise hole */
    RING(&q, 0, 0, 0, 10, 10, 10, 10, 0);
    RING(&q, 2, 2, 8, 2, 8, 8, 2, 8);
    assert_int_equal(run(&q), 8);
    poly_free(&q);
}

/* ---- holes -------------------------------------------------------------------------- */

static void test_square_with_hole(void **state)
{
    (void)state;
    struct poly q = {0};
    RING(&q, 0, 0, 10, 0, 10, 10, 0, 10);
    RING(&q, 3, 3, 3, 7, 7, 7, 7, 3);
    assert_int_equal(run(&q), 8);
    assert_float_equal(tri_polygon_area(&(struct tri_polygon){q.xy, q.sizes, q.nrings}), 84.0, 1e-12);
    poly_free(&q);
}

static void test_two_holes(void **state)
{
    (void)state;
    struct poly q = {0};
    RING(&q, 0, 0, 10, 0, 10, 10, 0, 10);
    RING(&q, 1, 1, 1, 4, 4, 4, 4, 1);
    RING(&q, 6, 6, 6, 9, 9, 9, 9, 6);
    assert_int_equal(run(&q), 12 + 4 - 2);
    poly_free(&q);

    /* holes side by side, their rightmost vertices at the same x */
    RING(&q, 0, 0, 10, 0, 10, 10, 0, 10);
    RING(&q, 2, 2, 2, 4, 5, 4, 5, 2);
    RING(&q, 2, 6, 2, 8, 5, 8, 5, 6);
    assert_int_equal(run(&q), 14);
    poly_free(&q);
}

static void test_hole_touching_outer_vertex(void **state)
{
    (void)state;
    struct poly q = {0};
    /* the hole's rightmost vertex is the outer ring's corner */
    RING(&q, 0, 0, 10, 0, 10, 10, 0, 10);
    RING(&q, 10, 10, 5, 8, 8, 5);
    int n = run(&q);
    assert_true(n >= 5 && n <= 7 + 2 - 2);
    poly_free(&q);

    /* the hole touches at its leftmost vertex, away from its bridge */
    RING(&q, 0, 0, 10, 0, 10, 10, 0, 10);
    RING(&q, 0, 0, 2, 5, 5, 2);
    n = run(&q);
    assert_true(n >= 5 && n <= 7);
    poly_free(&q);

    /* the hole touches a vertex in the middle of the outer ring's right side */
    RING(&q, 0, 0, 10, 0, 12, 5, 10, 10, 0, 10);
    RING(&q, 12, 5, 6, 3, 6, 7);
    n = run(&q);
    assert_true(n >= 6 && n <= 8);
    poly_free(&q);
}

/* ---- cleanup ------------------------------------------------------------------------ */

static void test_collinear_runs(void **state)
{
    (void)state;
    struct poly q = {0};
    poly_ring(&q);
    for (int k = 0; k < 4; k++)
        poly_pt(&q, k, 0);
    for (int k = 0; k < 4; k++)
        poly_pt(&q, 4, k);
    for (int k = 4; k > 0; k--)
        poly_pt(&q, k, 4);
    for (int k = 4; k > 0; k--)
        poly_pt(&q, 0, k);
    assert_int_equal(q.npoints, 16);
    assert_int_equal(run(&q), 2);

    /* a hole with collinear runs too: 4 + 4 points after cleanup */
    poly_ring(&q);
    for (double k = 1; k < 3; k += 0.5)
        poly_pt(&q, k, 1);
    for (double k = 1; k < 3; k += 0.5)
        poly_pt(&q, 3, k);
    for (double k = 3; k > 1; k -= 0.5)
        poly_pt(&q, k, 3);
    for (double k = 3; k > 1; k -= 0.5)
        poly_pt(&q, 1, k);
    assert_int_equal(run(&q), 8);
    poly_free(&q);
}

static void test_duplicate_points(void **state)
{
    (void)state;
    struct poly q = {0};
    RING(&q, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0);
    assert_int_equal(run(&q), 2);
    poly_free(&q);
}

static void test_spike(void **state)
{
    (void)state;
    struct poly q = {0};
    RING(&q, 0, 0, 4, 0, 4, 2, 7, 2, 4, 2, 4, 4, 0, 4); /* outward */
    assert_int_equal(run(&q), 2);
    poly_free(&q);

    RING(&q, 0, 0, 4, 0, 4, 2, 2, 2, 4, 2, 4, 4, 0, 4); /* inward */
    assert_int_equal(run(&q), 2);
    poly_free(&q);

    RING(&q, 0, 0, 4, 0, 4, 4, 3, 4, 2, 7, 3, 4, 0, 4); /* slanted, off a corner-free edge */
    assert_int_equal(run(&q), 2);
    poly_free(&q);
}

static void test_self_touching_ring(void **state)
{
    (void)state;
    struct poly q = {0};
    /* two squares meeting at (1,1), one ring */
    RING(&q, 0, 0, 1, 0, 1, 1, 2, 1, 2, 2, 1, 2, 1, 1, 0, 1);
    assert_int_equal(run(&q), 4);
    poly_free(&q);

    /* a notch whose tip touches the opposite side's vertex: an enclosed-looking pocket */
    RING(&q, 0, 0, 4, 0, 4, 4, 2, 4, 3, 2, 2, 0.5, 1, 2, 2, 4, 0, 4);
    run(&q);
    poly_free(&q);
}

static void test_degenerate_input(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 0);
    int n = -1;
    struct err e;
    err_clear(&e);

    struct tri_polygon none = {NULL, NULL, 0};
    assert_int_equal(tri_triangulate(&none, &out, &n, &e), JM_OK);
    assert_int_equal(n, 0);

    static const double two[] = {0, 0, 1, 1};
    static const double line[] = {0, 0, 1, 1, 2, 2, 3, 3, 1, 1};
    static const double same[] = {5, 5, 5, 5, 5, 5, 5, 5};
    static const double closed_pair[] = {0, 0, 1, 0, 0, 0};
    int sizes[1];
    const double *cases[] = {two, line, same, closed_pair};
    int counts[] = {2, 5, 4, 3};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sizes[0] = counts[k];
        struct tri_polygon p = {cases[k], sizes, 1};
        n = -1;
        assert_int_equal(tri_triangulate(&p, &out, &n, &e), JM_OK);
        assert_int_equal(n, 0);
        assert_int_equal(tri_check(&p, NULL, 0, &e), JM_OK);
    }
    assert_int_equal(out.len, 0);

    /* a zero-area hole is dropped */
    static const double sq_flat_hole[] = {0, 0, 4, 0, 4, 4, 0, 4, 1, 1, 2, 2, 3, 3};
    int sz2[] = {4, 3};
    struct tri_polygon p2 = {sq_flat_hole, sz2, 2};
    assert_int_equal(tri_triangulate(&p2, &out, &n, &e), JM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(tri_check(&p2, (const int32_t *)(const void *)out.data, n, &e), JM_OK);
    buf_cleanup(&out);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 0);
    struct err e;
    int n = -1;

    err_clear(&e);
    assert_int_equal(tri_triangulate(NULL, &out, &n, &e), JM_EINPUT);

    static const double sq[] = {0, 0, 1, 0, 1, 1, 0, NAN};
    int sizes[] = {4};
    struct tri_polygon p = {sq, sizes, 1};
    err_clear(&e);
    assert_int_equal(tri_triangulate(&p, &out, &n, &e), JM_EINPUT);
    assert_non_null(strstr(e.msg, "point 3"));

    int neg[] = {-1};
    struct tri_polygon pn = {sq, neg, 1};
    err_clear(&e);
    assert_int_equal(tri_triangulate(&pn, &out, &n, &e), JM_EINPUT);
    assert_int_equal(n, 0);
    assert_int_equal(out.len, 0);

    /* an output buffer too small: JM_ELIMIT, and the buffer keeps its length */
    static const double sq2[] = {0, 0, 1, 0, 1, 1, 0, 1};
    struct tri_polygon p2 = {sq2, sizes, 1};
    struct buf small;
    buf_init(&small, 16);
    assert_true(buf_append(&small, "abcd", 4));
    err_clear(&e);
    assert_int_equal(tri_triangulate(&p2, &small, &n, &e), JM_ELIMIT);
    assert_int_equal(small.len, 4);
    assert_int_equal(n, 0);
    buf_cleanup(&small);
    buf_cleanup(&out);
}

static void test_check_rejects_wrong_triangulations(void **state)
{
    (void)state;
    static const double sq[] = {0, 0, 1, 0, 1, 1, 0, 1};
    int sizes[] = {4};
    struct tri_polygon p = {sq, sizes, 1};
    struct err e;
    const int32_t good[] = {0, 1, 2, 0, 2, 3};
    const int32_t missing[] = {0, 1, 2};
    const int32_t clockwise[] = {0, 2, 1, 0, 3, 2};
    const int32_t out_of_range[] = {0, 1, 4, 0, 2, 3};
    assert_int_equal(tri_check(&p, good, 2, NULL), JM_OK);
    err_clear(&e);
    assert_int_equal(tri_check(&p, missing, 1, &e), JM_EINPUT);
    err_clear(&e);
    assert_int_equal(tri_check(&p, clockwise, 2, &e), JM_EINPUT);
    err_clear(&e);
    assert_int_equal(tri_check(&p, out_of_range, 2, &e), JM_EINPUT);
    assert_non_null(strstr(e.msg, "out of range"));
}

/* ---- larger inputs ------------------------------------------------------------------ */

static void test_comb_200_teeth(void **state)
{
    (void)state;
    struct poly q = {0};
    poly_ring(&q);
    poly_pt(&q, 0, 0);
    poly_pt(&q, 199.5, 0);
    for (int k = 199; k >= 0; k--) { /* tooth k spans x in [k, k + 0.5], y in [1, 3] */
        poly_pt(&q, k + 0.5, 3);
        poly_pt(&q, k, 3);
        if (k > 0) {
            poly_pt(&q, k, 1);
            poly_pt(&q, k - 0.5, 1);
        }
    }
    assert_int_equal(q.npoints, 800);
    assert_float_equal(tri_ring_area(q.xy, q.npoints), 399.5, 1e-9);
    assert_int_equal(run(&q), 798);

    /* the same comb with a hole in its base */
    RING(&q, 10, 0.25, 10, 0.75, 150, 0.75, 150, 0.25);
    assert_int_equal(run(&q), 804 + 2 - 2);
    poly_free(&q);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_circle_10000(void **state)
{
    (void)state;
    struct poly q = {0};
    const int n = 10000;
    const double pi = 3.14159265358979323846;
    poly_ring(&q);
    for (int k = 0; k < n; k++)
        poly_pt(&q, 250 * cos(2 * pi * k / n), 250 * sin(2 * pi * k / n));
    double t0 = now_s();
    assert_int_equal(run(&q), n - 2);
    printf("    circle of %d points: %.1f ms (with the check)\n", n, (now_s() - t0) * 1e3);

    /* with a hole of 2,000 points */
    poly_ring(&q);
    for (int k = 0; k < 2000; k++)
        poly_pt(&q, 100 * cos(-2 * pi * k / 2000), 100 * sin(-2 * pi * k / 2000));
    t0 = now_s();
    assert_int_equal(run(&q), n + 2000 + 2 - 2);
    printf("    with a hole of 2000 points: %.1f ms\n", (now_s() - t0) * 1e3);
    poly_free(&q);
}

/* xorshift64*, deterministic */
static double rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

/* Star-shaped around the origin (sorted distinct angles, radii in [0.5, 1.5]) hence simple;
 * the optional hole, a clockwise polygon of radius 0.05, lies inside whatever the radii are. */
static void test_random_stars(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    const double pi = 3.14159265358979323846;
    for (int iter = 0; iter < 400; iter++) {
        struct poly q = {0};
        int n = iter < 2 ? 20000 : 4 + (int)(rnd(&seed) * 300); /* two large ones first */
        bool hole = iter % 2 == 1;
        /* steps in [1, 2) and n >= 4 keep every angular gap under 0.8 pi: the origin stays in
         * the kernel, at least 0.5 cos(0.4 pi) > 0.15 from every edge (in units of scale) */
        double *ang = malloc((size_t)n * sizeof *ang);
        assert_non_null(ang);
        double acc = 0;
        for (int k = 0; k < n; k++) {
            ang[k] = acc;
            acc += 1 + rnd(&seed);
        }
        for (int k = 0; k < n; k++)
            ang[k] *= 2 * pi / acc;
        poly_ring(&q);
        double scale = 1 + 99 * rnd(&seed), ox = 50 * rnd(&seed), oy = -50 * rnd(&seed);
        for (int k = 0; k < n; k++) {
            double r = 0.5 + rnd(&seed);
            poly_pt(&q, ox + scale * r * cos(ang[k]), oy + scale * r * sin(ang[k]));
        }
        free(ang);
        int nh = 0;
        if (hole) {
            nh = 3 + (int)(rnd(&seed) * 40);
            poly_ring(&q);
            for (int k = 0; k < nh; k++) {
                double a = -2 * pi * k / nh;
                poly_pt(&q, ox + scale * 0.05 * cos(a), oy + scale * 0.05 * sin(a));
            }
        }
        int got = run(&q);
        int want = n + nh + (hole ? 2 : 0) - 2;
        if (got != want)
            fail_msg("star %d (%d points, hole of %d): %d triangles, want %d", iter, n, nh, got, want);
        poly_free(&q);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_square),
        cmocka_unit_test(test_concave_l_and_u),
        cmocka_unit_test(test_clockwise_input),
        cmocka_unit_test(test_square_with_hole),
        cmocka_unit_test(test_two_holes),
        cmocka_unit_test(test_hole_touching_outer_vertex),
        cmocka_unit_test(test_collinear_runs),
        cmocka_unit_test(test_duplicate_points),
        cmocka_unit_test(test_spike),
        cmocka_unit_test(test_self_touching_ring),
        cmocka_unit_test(test_degenerate_input),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_check_rejects_wrong_triangulations),
        cmocka_unit_test(test_comb_200_teeth),
        cmocka_unit_test(test_circle_10000),
        cmocka_unit_test(test_random_stars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
