/* triangulate: 2D polygon triangulation (ear clipping with hole bridging) for building
 * footprints (then extruded into walls, roof and floor) and, later, planar 3D surfaces
 * projected to their best-fit plane.
 *
 * Method: each ring becomes a circular list, normalised to counter-clockwise (outer) or
 * clockwise (holes), cleaned of duplicate consecutive points and collinear points; holes are
 * linked into the outer ring, rightmost vertex first, by a bridge to a mutually visible outer
 * vertex (David Eberly, "Triangulation by Ear Clipping"); ears are then clipped, with a
 * z-order index of the vertices for rings over 80 points (10,000 points take milliseconds).
 * When no ear is left, the clipper cleans the ring again, then cures small local
 * self-intersections, then splits the ring along a valid diagonal (as mapbox/earcut does).
 *
 * Robustness: "collinear" and "zero area" mean |cross product| <= 1e-14 * M^2, M the
 * largest coordinate magnitude, so give coordinates local to a tile centre (metres), not
 * EPSG:3857 or ECEF values (10 km from the origin, the tolerance is 1e-6 m^2: a corner
 * whose two edges are 1 mm long is taken as flat).
 * Triangles at or under that tolerance are never emitted. Invalid input (self-crossing
 * rings, holes outside the shell) is triangulated as well as possible, without error, unless
 * the clipper is stuck with area left over.
 *
 * Thread-safety: pure functions; no state. Memory: scratch is malloc'ed and freed per call. */
#ifndef JUMEAU_TRIANGULATE_H
#define JUMEAU_TRIANGULATE_H

#include <stdint.h>

#include "buf.h"
#include "err.h"

/* Cap on the total number of points of a polygon (JM_ELIMIT past it). */
#define TRI_MAX_POINTS (1 << 24)

/* A polygon: ring 0 is the outer ring, rings 1..nrings-1 are holes. Each ring lists its
 * points once; a closing point equal to the first is accepted and ignored. Any winding is
 * accepted. The struct only borrows the caller's arrays. */
struct tri_polygon {
    const double *xy;      /* x0,y0,x1,y1,… all rings concatenated */
    const int *ring_sizes; /* points per ring, nrings entries */
    int nrings;
};

/* Triangulates `p`, appending the triangles to `out` as int32_t index triples (native byte
 * order) into the concatenated points of p->xy, each triple counter-clockwise with positive
 * area, and sets *ntriangles (may be NULL) to how many were appended.
 * A simple polygon of n points and h holes (counted after cleanup) gives n + 2h - 2 triangles.
 * Degenerate input (no ring, fewer than 3 distinct points, zero area) gives 0 triangles and
 * JM_OK.
 * Errors: JM_EINPUT for a malformed struct, negative ring sizes or non-finite coordinates,
 * or "polygon could not be triangulated" (invalid input the clipper cannot finish);
 * JM_ELIMIT past TRI_MAX_POINTS or when `out` reaches its cap; JM_EINTERNAL when out of
 * memory. On error `out` keeps its earlier length and *ntriangles is 0. */
enum jm_status tri_triangulate(const struct tri_polygon *p, struct buf *out, int *ntriangles, struct err *e);

/* The signed area of a ring of n points (x0,y0,…): positive when counter-clockwise (y up).
 * A repeated closing point changes nothing. 0 when n < 3. */
double tri_ring_area(const double *xy, int n);

/* The area a triangulation must cover: |area(outer)| - sum |area(hole)|. */
double tri_polygon_area(const struct tri_polygon *p);

/* Checks a triangulation of `p` (as tri_triangulate returns it): every index in range, every
 * triangle counter-clockwise with positive area, and the areas summing to
 * tri_polygon_area(p) within a relative 1e-9. Returns JM_OK, or JM_EINPUT with a message
 * naming the first fault. For tests and debug assertions: O(ntriangles). */
enum jm_status tri_check(const struct tri_polygon *p, const int32_t *triangles, int ntriangles, struct err *e);

#endif
