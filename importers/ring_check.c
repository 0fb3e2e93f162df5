/* A quick, conservative validity test for the commonest footprint: one ring, few vertices.
 * GEOS's full check costs a conversion and a noding pass per polygon; for a plain building
 * outline a direct pairwise edge test gives the same answer for a fraction of the price.
 * Anything the test is not certain about (touching or collinear edges, within rounding of
 * zero) goes to GEOS, so the answer "valid" is never wrong. */
#include <math.h>

#include "imp_internal.h"

/* The sign of the turn a→b→c: 1 left, -1 right, 0 when too close to call. */
static int turn(double ax, double ay, double bx, double by, double cx, double cy)
{
    double ux = bx - ax, uy = by - ay, vx = cx - ax, vy = cy - ay;
    double det = ux * vy - uy * vx;
    /* the rounding error of det is bounded by a few ulps of the products' magnitude */
    double bound = 1e-12 * (fabs(ux * vy) + fabs(uy * vx));
    return det > bound ? 1 : det < -bound ? -1 : 0;
}

bool imp__ring_certainly_simple(const double *x, const double *y, int n)
{
    if (n < 4 || n > IMP_RING_QUICK_MAX || x[0] != x[n - 1] || y[0] != y[n - 1])
        return false;
    int edges = n - 1;
    double area2 = 0;
    for (int i = 0; i < edges; i++) {
        if (x[i] == x[i + 1] && y[i] == y[i + 1])
            return false; /* repeated point: let GEOS judge */
        area2 += x[i] * y[i + 1] - x[i + 1] * y[i];
        /* consecutive edges (i, i+1) must turn: collinear ones may fold back on themselves */
        int k = (i + 1) % edges;
        if (turn(x[i], y[i], x[i + 1], y[i + 1], x[k + 1], y[k + 1]) == 0)
            return false;
    }
    if (!(fabs(area2) > 0))
        return false;
    for (int i = 0; i < edges; i++) {
        double aminx = fmin(x[i], x[i + 1]), amaxx = fmax(x[i], x[i + 1]);
        double aminy = fmin(y[i], y[i + 1]), amaxy = fmax(y[i], y[i + 1]);
        /* every edge that shares no vertex with edge i */
        for (int k = i + 2; k < edges; k++) {
            if (i == 0 && k == edges - 1)
                continue; /* the last edge closes onto the first: adjacent */
            if (fmax(x[k], x[k + 1]) < aminx || fmin(x[k], x[k + 1]) > amaxx || fmax(y[k], y[k + 1]) < aminy ||
                fmin(y[k], y[k + 1]) > amaxy)
                continue;
            int o1 = turn(x[i], y[i], x[i + 1], y[i + 1], x[k], y[k]);
            int o2 = turn(x[i], y[i], x[i + 1], y[i + 1], x[k + 1], y[k + 1]);
            int o3 = turn(x[k], y[k], x[k + 1], y[k + 1], x[i], y[i]);
            int o4 = turn(x[k], y[k], x[k + 1], y[k + 1], x[i + 1], y[i + 1]);
            if (o1 == 0 || o2 == 0 || o3 == 0 || o4 == 0)
                return false; /* touching or collinear: not certain */
            if (o1 != o2 && o3 != o4)
                return false; /* they cross */
        }
    }
    return true;
}
