/* triangulate: ear clipping with hole bridging. See triangulate.h for the contract.
 *
 * Vertices live in a circular doubly linked list of nodes taken from one array (no per-node
 * allocation). Orientation: cross(a, b, c) > 0 when a, b, c turn counter-clockwise; the
 * outer ring is kept counter-clockwise, holes clockwise, so a convex vertex has cross > 0.
 * The passes follow mapbox/earcut (ISC): clip ears; when stuck, clean and retry; then cure
 * local self-intersections; then split along a diagonal and recurse. Hole bridging is
 * Eberly's, from each hole's rightmost vertex along a ray towards +x. */
#include "triangulate.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Rings with more points than this get a z-order index for the ear tests. */
#define HASH_THRESHOLD 80
/* Relative tolerance of the collinearity test, in units of the squared coordinate magnitude. */
#define COLLINEAR_REL 1e-14

struct node {
    int32_t i; /* index of the point in the caller's array */
    double x, y;
    uint32_t z;                 /* z-order (Morton) code, when hashed */
    struct node *prev, *next;   /* ring */
    struct node *prevz, *nextz; /* z-order list */
};

struct tri_ctx {
    struct node *nodes;
    size_t nnodes, cap;
    double eps; /* |cross| at or under eps counts as zero */
    bool hashed;
    double minx, miny, invsize;
    struct buf *out;
    int ntri;
    bool full;  /* node pool exhausted (a bug) */
    bool stuck; /* a ring with area left that no pass could cut */
    bool overflow;
};

static double cross(const struct node *a, const struct node *b, const struct node *c)
{
    return (b->x - a->x) * (c->y - a->y) - (b->y - a->y) * (c->x - a->x);
}

static bool same_point(const struct node *a, const struct node *b)
{
    return a->x == b->x && a->y == b->y;
}

static struct node *node_new(struct tri_ctx *c, int32_t i, double x, double y)
{
    if (c->nnodes >= c->cap) {
        c->full = true;
        return NULL;
    }
    struct node *p = &c->nodes[c->nnodes++];
    memset(p, 0, sizeof *p);
    p->i = i;
    p->x = x;
    p->y = y;
    return p;
}

/* Creates a node after `last` (or a ring of one when last is NULL). */
static struct node *node_insert(struct tri_ctx *c, int32_t i, double x, double y, struct node *last)
{
    struct node *p = node_new(c, i, x, y);
    if (!p)
        return NULL;
    if (!last) {
        p->prev = p->next = p;
    } else {
        p->next = last->next;
        p->prev = last;
        last->next->prev = p;
        last->next = p;
    }
    return p;
}

static void node_remove(struct node *p)
{
    p->next->prev = p->prev;
    p->prev->next = p->next;
    if (p->prevz)
        p->prevz->nextz = p->nextz;
    if (p->nextz)
        p->nextz->prevz = p->prevz;
}

static int ring_count(const struct node *start)
{
    int n = 0;
    const struct node *p = start;
    do {
        n++;
        p = p->next;
    } while (p != start);
    return n;
}

/* Removes duplicate and collinear points (spikes included) between start and end; returns a
 * node still in the ring (a ring of one or two nodes when it collapses). */
static struct node *filter_points(const struct tri_ctx *c, struct node *start, struct node *end)
{
    if (!start)
        return NULL;
    if (!end)
        end = start;
    struct node *p = start;
    bool again;
    do {
        again = false;
        if (same_point(p, p->next) || fabs(cross(p->prev, p, p->next)) <= c->eps) {
            node_remove(p);
            p = end = p->prev;
            if (p == p->next)
                break;
            again = true;
        } else {
            p = p->next;
        }
    } while (again || p != end);
    return end;
}

/* Builds ring [first, first + n) as a list wound counter-clockwise (ccw) or clockwise, and
 * cleans it. Returns a node of the ring, or NULL when fewer than 3 points remain. */
static struct node *ring_build(struct tri_ctx *c, const double *xy, int first, int n, bool ccw)
{
    if (n >= 2 && xy[2 * first] == xy[2 * (first + n - 1)] && xy[2 * first + 1] == xy[2 * (first + n - 1) + 1])
        n--; /* closing point */
    if (n < 3)
        return NULL;
    double area = tri_ring_area(xy + 2 * (size_t)first, n);
    struct node *last = NULL;
    if (ccw == (area > 0)) {
        for (int k = first; k < first + n; k++)
            if (!(last = node_insert(c, k, xy[2 * k], xy[2 * k + 1], last)))
                return NULL;
    } else {
        for (int k = first + n - 1; k >= first; k--)
            if (!(last = node_insert(c, k, xy[2 * k], xy[2 * k + 1], last)))
                return NULL;
    }
    last = filter_points(c, last, NULL);
    if (last->next == last || last->next == last->prev)
        return NULL;
    return last;
}

/* ---- geometric predicates ---------------------------------------------------------- */

/* Whether p lies in the counter-clockwise triangle abc, edges included. */
static bool point_in_triangle(double ax, double ay, double bx, double by, double cx, double cy, double px, double py)
{
    return (bx - ax) * (py - ay) - (by - ay) * (px - ax) >= 0 && (cx - bx) * (py - by) - (cy - by) * (px - bx) >= 0 &&
           (ax - cx) * (py - cy) - (ay - cy) * (px - cx) >= 0;
}

static int sign_of(double v)
{
    return (v > 0) - (v < 0);
}

/* Whether q lies in the bounding box of segment pr (called once p, q, r are collinear). */
static bool on_segment(const struct node *p, const struct node *q, const struct node *r)
{
    return q->x <= fmax(p->x, r->x) && q->x >= fmin(p->x, r->x) && q->y <= fmax(p->y, r->y) && q->y >= fmin(p->y, r->y);
}

static bool segments_intersect(const struct node *p1, const struct node *q1, const struct node *p2,
                               const struct node *q2)
{
    int o1 = sign_of(cross(p1, q1, p2)), o2 = sign_of(cross(p1, q1, q2));
    int o3 = sign_of(cross(p2, q2, p1)), o4 = sign_of(cross(p2, q2, q1));
    if (o1 != o2 && o3 != o4)
        return true;
    return (o1 == 0 && on_segment(p1, p2, q1)) || (o2 == 0 && on_segment(p1, q2, q1)) ||
           (o3 == 0 && on_segment(p2, p1, q2)) || (o4 == 0 && on_segment(p2, q1, q2));
}

/* Whether diagonal ab crosses an edge of the ring not incident to a or b. */
static bool intersects_ring(const struct node *a, const struct node *b)
{
    const struct node *p = a;
    do {
        if (p->i != a->i && p->next->i != a->i && p->i != b->i && p->next->i != b->i &&
            segments_intersect(p, p->next, a, b))
            return true;
        p = p->next;
    } while (p != a);
    return false;
}

/* Whether the diagonal from a towards b starts inside the ring (within a's angle). */
static bool locally_inside(const struct node *a, const struct node *b)
{
    if (cross(a->prev, a, a->next) > 0) /* convex */
        return cross(a, b, a->next) <= 0 && cross(a, a->prev, b) <= 0;
    return cross(a, b, a->prev) > 0 || cross(a, a->next, b) > 0;
}

/* Whether the midpoint of ab is inside the ring (even-odd rule). */
static bool middle_inside(const struct node *a, const struct node *b)
{
    const struct node *p = a;
    bool inside = false;
    double px = (a->x + b->x) / 2, py = (a->y + b->y) / 2;
    do {
        if ((p->y > py) != (p->next->y > py) && p->next->y != p->y &&
            px < (p->next->x - p->x) * (py - p->y) / (p->next->y - p->y) + p->x)
            inside = !inside;
        p = p->next;
    } while (p != a);
    return inside;
}

static bool valid_diagonal(const struct node *a, const struct node *b)
{
    if (a->next->i == b->i || a->prev->i == b->i || intersects_ring(a, b))
        return false;
    if (locally_inside(a, b) && locally_inside(b, a) && middle_inside(a, b) &&
        (cross(a->prev, a, b->prev) != 0 || cross(a, b->prev, b) != 0))
        return true;
    /* two reflex copies of one point (a bridge end): joining them is a zero-length cut */
    return same_point(a, b) && cross(a->prev, a, a->next) < 0 && cross(b->prev, b, b->next) < 0;
}

/* Links a and b by two coincident edges: splits a ring in two, or merges a hole into the
 * outer ring. Returns b's copy, which starts the second ring. */
static struct node *split_ring(struct tri_ctx *c, struct node *a, struct node *b)
{
    struct node *a2 = node_new(c, a->i, a->x, a->y), *b2 = node_new(c, b->i, b->x, b->y);
    if (!a2 || !b2)
        return NULL;
    struct node *an = a->next, *bp = b->prev;
    a->next = b;
    b->prev = a;
    a2->next = an;
    an->prev = a2;
    b2->next = a2;
    a2->prev = b2;
    bp->next = b2;
    b2->prev = bp;
    return b2;
}

/* ---- z-order index ----------------------------------------------------------------- */

static uint32_t spread_bits(uint32_t v)
{
    v = (v | (v << 8)) & 0x00FF00FFu;
    v = (v | (v << 4)) & 0x0F0F0F0Fu;
    v = (v | (v << 2)) & 0x33333333u;
    v = (v | (v << 1)) & 0x55555555u;
    return v;
}

static uint32_t z_order(const struct tri_ctx *c, double x, double y)
{
    double fx = 32767.0 * (x - c->minx) * c->invsize, fy = 32767.0 * (y - c->miny) * c->invsize;
    fx = fx < 0 ? 0 : fx > 32767 ? 32767 : fx;
    fy = fy < 0 ? 0 : fy > 32767 ? 32767 : fy;
    return spread_bits((uint32_t)fx) | (spread_bits((uint32_t)fy) << 1);
}

/* Sorts the z list by z (Simon Tatham's linked-list merge sort). */
static void sort_by_z(struct node *list)
{
    int insize = 1, nmerges;
    do {
        struct node *p = list, *tail = NULL;
        list = NULL;
        nmerges = 0;
        while (p) {
            nmerges++;
            struct node *q = p;
            int psize = 0;
            for (int k = 0; k < insize; k++) {
                psize++;
                q = q->nextz;
                if (!q)
                    break;
            }
            int qsize = insize;
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize != 0 && (qsize == 0 || !q || p->z <= q->z)) {
                    e = p;
                    p = p->nextz;
                    psize--;
                } else {
                    e = q;
                    q = q->nextz;
                    qsize--;
                }
                if (tail)
                    tail->nextz = e;
                else
                    list = e;
                e->prevz = tail;
                tail = e;
            }
            p = q;
        }
        tail->nextz = NULL;
        insize *= 2;
    } while (nmerges > 1);
}

static void index_curve(const struct tri_ctx *c, struct node *start)
{
    struct node *p = start;
    do {
        p->z = z_order(c, p->x, p->y);
        p->prevz = p->prev;
        p->nextz = p->next;
        p = p->next;
    } while (p != start);
    p->prevz->nextz = NULL;
    p->prevz = NULL;
    sort_by_z(p);
}

/* ---- ears -------------------------------------------------------------------------- */

/* Whether p blocks ear abc: inside it (a's copies excepted) and reflex or flat. */
static bool blocks_ear(const struct node *a, const struct node *b, const struct node *c, const struct node *p,
                       double x0, double y0, double x1, double y1)
{
    return p->x >= x0 && p->x <= x1 && p->y >= y0 && p->y <= y1 && !(p->x == a->x && p->y == a->y) &&
           point_in_triangle(a->x, a->y, b->x, b->y, c->x, c->y, p->x, p->y) && cross(p->prev, p, p->next) <= 0;
}

static bool is_ear(const struct tri_ctx *ctx, const struct node *ear)
{
    const struct node *a = ear->prev, *b = ear, *c = ear->next;
    if (cross(a, b, c) <= ctx->eps)
        return false; /* reflex or flat */
    double x0 = fmin(a->x, fmin(b->x, c->x)), y0 = fmin(a->y, fmin(b->y, c->y));
    double x1 = fmax(a->x, fmax(b->x, c->x)), y1 = fmax(a->y, fmax(b->y, c->y));
    if (!ctx->hashed) {
        for (const struct node *p = c->next; p != a; p = p->next)
            if (blocks_ear(a, b, c, p, x0, y0, x1, y1))
                return false;
        return true;
    }
    uint32_t minz = z_order(ctx, x0, y0), maxz = z_order(ctx, x1, y1);
    const struct node *p = ear->prevz, *n = ear->nextz;
    while (p && p->z >= minz && n && n->z <= maxz) {
        if (p != a && p != c && blocks_ear(a, b, c, p, x0, y0, x1, y1))
            return false;
        p = p->prevz;
        if (n != a && n != c && blocks_ear(a, b, c, n, x0, y0, x1, y1))
            return false;
        n = n->nextz;
    }
    for (; p && p->z >= minz; p = p->prevz)
        if (p != a && p != c && blocks_ear(a, b, c, p, x0, y0, x1, y1))
            return false;
    for (; n && n->z <= maxz; n = n->nextz)
        if (n != a && n != c && blocks_ear(a, b, c, n, x0, y0, x1, y1))
            return false;
    return true;
}

/* Appends triangle abc unless it is flat or clockwise (which only invalid input yields). */
static void emit(struct tri_ctx *c, const struct node *a, const struct node *b, const struct node *d)
{
    if (cross(a, b, d) <= c->eps)
        return;
    int32_t t[3] = {a->i, b->i, d->i};
    if (!buf_append(c->out, t, sizeof t))
        c->overflow = true;
    else
        c->ntri++;
}

static void clip_ears(struct tri_ctx *c, struct node *ear, int pass);

/* Where two edges around p cross (a bow tie a-p-p.next-b), cuts triangle a,p,b away. */
static struct node *cure_local_intersections(struct tri_ctx *c, struct node *start)
{
    struct node *p = start;
    do {
        struct node *a = p->prev, *b = p->next->next;
        if (!same_point(a, b) && segments_intersect(a, p, p->next, b) && locally_inside(a, b) && locally_inside(b, a)) {
            emit(c, a, p, b);
            node_remove(p);
            node_remove(p->next);
            p = start = b;
        }
        p = p->next;
    } while (p != start);
    return filter_points(c, p, NULL);
}

static double list_area(const struct node *start)
{
    double s = 0;
    const struct node *p = start;
    do {
        s += p->x * p->next->y - p->next->x * p->y;
        p = p->next;
    } while (p != start);
    return s / 2;
}

/* Last resort: cut the ring along a valid diagonal and clip both halves. */
static void split_and_clip(struct tri_ctx *c, struct node *start)
{
    struct node *a = start;
    do {
        for (struct node *b = a->next->next; b != a->prev; b = b->next) {
            if (a->i != b->i && valid_diagonal(a, b)) {
                struct node *d = split_ring(c, a, b);
                if (!d)
                    return;
                a = filter_points(c, a, a->next);
                d = filter_points(c, d, d->next);
                clip_ears(c, a, 0);
                clip_ears(c, d, 0);
                return;
            }
        }
        a = a->next;
    } while (a != start);
    /* No diagonal: whatever area is left cannot be covered. */
    if (fabs(list_area(start)) > c->eps * ring_count(start))
        c->stuck = true;
}

/* The main loop: clips ears; when a whole turn finds none, moves to the next pass. */
static void clip_ears(struct tri_ctx *c, struct node *ear, int pass)
{
    if (!ear || c->full || c->overflow)
        return;
    if (pass == 0 && c->hashed)
        index_curve(c, ear);
    struct node *stop = ear;
    while (ear->prev != ear->next) {
        struct node *prev = ear->prev, *next = ear->next;
        if (is_ear(c, ear)) {
            emit(c, prev, ear, next);
            node_remove(ear);
            ear = next->next; /* skipping a vertex gives fewer slivers */
            stop = next->next;
            continue;
        }
        ear = next;
        if (ear == stop) {
            if (pass == 0)
                clip_ears(c, filter_points(c, ear, NULL), 1);
            else if (pass == 1)
                clip_ears(c, cure_local_intersections(c, filter_points(c, ear, NULL)), 2);
            else
                split_and_clip(c, ear);
            return;
        }
    }
}

/* ---- holes ------------------------------------------------------------------------- */

static struct node *rightmost(struct node *start)
{
    struct node *p = start, *best = start;
    do {
        if (p->x > best->x || (p->x == best->x && p->y > best->y))
            best = p;
        p = p->next;
    } while (p != start);
    return best;
}

/* Holes in decreasing x, then y, then slope of their first edge. */
static int compare_holes(const void *va, const void *vb)
{
    const struct node *a = *(struct node *const *)va, *b = *(struct node *const *)vb;
    if (a->x != b->x)
        return a->x > b->x ? -1 : 1;
    if (a->y != b->y)
        return a->y > b->y ? -1 : 1;
    double sa = (a->next->y - a->y) / (a->next->x - a->x);
    double sb = (b->next->y - b->y) / (b->next->x - b->x);
    return (sa > sb) - (sa < sb);
}

/* Eberly: the outer vertex that hole vertex h (its rightmost) can see along a ray to +x. */
static struct node *find_bridge(struct node *h, struct node *outer)
{
    struct node *p = outer, *m = NULL;
    double hx = h->x, hy = h->y, qx = INFINITY;
    if (same_point(h, p))
        return p;
    /* the nearest edge crossed by the ray; keep its endpoint of larger x */
    do {
        if (same_point(h, p->next))
            return p->next;
        if (hy >= p->y && hy <= p->next->y && p->next->y != p->y) {
            double x = p->x + (hy - p->y) * (p->next->x - p->x) / (p->next->y - p->y);
            if (x >= hx && x < qx) {
                qx = x;
                m = p->x > p->next->x ? p : p->next;
                if (x == hx)
                    return m; /* the hole touches the edge */
            }
        }
        p = p->next;
    } while (p != outer);
    if (!m)
        return NULL;
    /* Reflex vertices inside triangle (h, ray hit, m) may hide m: take the one of smallest
     * angle to the ray instead. */
    struct node *stop = m;
    double mx = m->x, my = m->y, tan_min = INFINITY;
    for (p = m; (p = p->next) != stop;) {
        if (hx <= p->x && p->x <= mx && hx != p->x &&
            point_in_triangle(hy > my ? hx : qx, hy, mx, my, hy > my ? qx : hx, hy, p->x, p->y)) {
            double t = fabs(hy - p->y) / (p->x - hx);
            if (locally_inside(p, h) &&
                (t < tan_min || (t == tan_min && (p->x < m->x || (p->x == m->x && cross(m->prev, m, p->prev) > 0 &&
                                                                  cross(p->next, m, m->prev) > 0))))) {
                m = p;
                tan_min = t;
            }
        }
    }
    return m;
}

static struct node *eliminate_holes(struct tri_ctx *c, struct node *outer, struct node **holes, int nholes)
{
    qsort(holes, (size_t)nholes, sizeof *holes, compare_holes);
    for (int k = 0; k < nholes && !c->full; k++) {
        struct node *bridge = find_bridge(holes[k], outer);
        if (!bridge)
            continue; /* a hole outside the shell: ignored */
        struct node *back = split_ring(c, bridge, holes[k]);
        if (!back)
            break;
        filter_points(c, back, back->next);
        outer = filter_points(c, bridge, bridge->next);
    }
    return outer;
}

/* ---- public ------------------------------------------------------------------------ */

double tri_ring_area(const double *xy, int n)
{
    if (!xy || n < 3)
        return 0;
    double s = 0;
    for (int k = 0, j = n - 1; k < n; j = k++)
        s += (xy[2 * j] - xy[2 * k]) * (xy[2 * j + 1] + xy[2 * k + 1]);
    return s / 2;
}

double tri_polygon_area(const struct tri_polygon *p)
{
    double a = 0;
    int first = 0;
    for (int r = 0; r < p->nrings; r++) {
        double ra = fabs(tri_ring_area(p->xy + 2 * (size_t)first, p->ring_sizes[r]));
        a += r == 0 ? ra : -ra;
        first += p->ring_sizes[r];
    }
    return a;
}

/* Validates the struct; sets *total to the number of points and *mag to the largest
 * coordinate magnitude. */
static enum jm_status check_polygon(const struct tri_polygon *p, int *total, double *mag, struct err *e)
{
    if (!p || p->nrings < 0 || (p->nrings > 0 && !p->ring_sizes))
        return err_set(e, JM_EINPUT, "triangulate: malformed polygon (no rings array)");
    long long n = 0;
    for (int r = 0; r < p->nrings; r++) {
        if (p->ring_sizes[r] < 0)
            return err_set(e, JM_EINPUT, "triangulate: ring %d has a negative size (%d)", r, p->ring_sizes[r]);
        n += p->ring_sizes[r];
        if (n > TRI_MAX_POINTS)
            return err_set(e, JM_ELIMIT, "triangulate: polygon has more than %d points", TRI_MAX_POINTS);
    }
    if (n > 0 && !p->xy)
        return err_set(e, JM_EINPUT, "triangulate: malformed polygon (no coordinates)");
    double m = 0;
    for (long long k = 0; k < 2 * n; k++) {
        if (!isfinite(p->xy[k]))
            return err_set(e, JM_EINPUT, "triangulate: point %lld has a non-finite coordinate", k / 2);
        m = fmax(m, fabs(p->xy[k]));
    }
    *total = (int)n;
    *mag = m;
    return JM_OK;
}

enum jm_status tri_triangulate(const struct tri_polygon *p, struct buf *out, int *ntriangles, struct err *e)
{
    enum jm_status rc = JM_OK;
    struct node **holes = NULL;
    struct tri_ctx c = {0};
    size_t start_len = out ? out->len : 0;
    int total = 0;
    double mag = 0;

    if (ntriangles)
        *ntriangles = 0;
    if (!out)
        return err_set(e, JM_EINPUT, "triangulate: no output buffer");
    if ((rc = check_polygon(p, &total, &mag, e)) != JM_OK)
        return rc;
    if (p->nrings == 0 || p->ring_sizes[0] < 3)
        return JM_OK;

    /* Nodes: one per point, two per bridge, two per split (fewer splits than points). */
    c.cap = 3 * (size_t)total + 2 * (size_t)p->nrings + 16;
    c.nodes = malloc(c.cap * sizeof *c.nodes);
    holes = malloc((size_t)p->nrings * sizeof *holes);
    if (!c.nodes || !holes) {
        rc = err_set(e, JM_EINTERNAL, "triangulate: out of memory for %d points", total);
        goto out;
    }
    c.eps = COLLINEAR_REL * mag * mag;
    c.out = out;

    /* 1. rings as cleaned lists: outer counter-clockwise, holes clockwise */
    struct node *outer = ring_build(&c, p->xy, 0, p->ring_sizes[0], true);
    int nholes = 0, first = p->ring_sizes[0];
    for (int r = 1; outer && r < p->nrings; r++) {
        struct node *h = ring_build(&c, p->xy, first, p->ring_sizes[r], false);
        if (h)
            holes[nholes++] = rightmost(h);
        first += p->ring_sizes[r];
    }
    if (c.full)
        goto internal;
    if (!outer)
        goto out; /* degenerate: nothing to cover */

    /* 2. holes bridged into the outer ring */
    if (nholes > 0)
        outer = eliminate_holes(&c, outer, holes, nholes);
    if (c.full)
        goto internal;

    /* 3. z-order index over the bounding box of all points, for large rings */
    if (total > HASH_THRESHOLD) {
        double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
        for (int k = 0; k < total; k++) {
            minx = fmin(minx, p->xy[2 * k]);
            maxx = fmax(maxx, p->xy[2 * k]);
            miny = fmin(miny, p->xy[2 * k + 1]);
            maxy = fmax(maxy, p->xy[2 * k + 1]);
        }
        double size = fmax(maxx - minx, maxy - miny);
        if (size > 0) {
            c.hashed = true;
            c.minx = minx;
            c.miny = miny;
            c.invsize = 1 / size;
        }
    }

    /* 4. ears */
    clip_ears(&c, outer, 0);
    if (c.full)
        goto internal;
    if (c.overflow) {
        rc = err_set(e, JM_ELIMIT, "triangulate: output buffer full after %d triangles", c.ntri);
        goto out;
    }
    if (c.stuck) {
        rc = err_set(e, JM_EINPUT, "polygon could not be triangulated (%d points, %d rings)", total, p->nrings);
    }
    goto out;

internal:
    rc = err_set(e, JM_EINTERNAL, "triangulate: node pool exhausted (%d points)", total);
out:
    if (rc != JM_OK) {
        out->len = start_len < out->len ? start_len : out->len;
        if (out->data)
            out->data[out->len] = '\0';
        c.ntri = 0;
    }
    if (ntriangles)
        *ntriangles = c.ntri;
    free(c.nodes);
    free(holes);
    return rc;
}

enum jm_status tri_check(const struct tri_polygon *p, const int32_t *triangles, int ntriangles, struct err *e)
{
    int total = 0;
    double mag = 0;
    enum jm_status rc = check_polygon(p, &total, &mag, e);
    if (rc != JM_OK)
        return rc;
    double sum = 0;
    for (int t = 0; t < ntriangles; t++) {
        const int32_t *v = triangles + 3 * (size_t)t;
        for (int k = 0; k < 3; k++)
            if (v[k] < 0 || v[k] >= total)
                return err_set(e, JM_EINPUT, "triangle %d: index %d out of range [0, %d)", t, (int)v[k], total);
        const double *a = p->xy + 2 * (size_t)v[0], *b = p->xy + 2 * (size_t)v[1], *d = p->xy + 2 * (size_t)v[2];
        double cr = (b[0] - a[0]) * (d[1] - a[1]) - (b[1] - a[1]) * (d[0] - a[0]);
        if (!(cr > 0))
            return err_set(e, JM_EINPUT, "triangle %d (%d %d %d): area %g is not positive", t, (int)v[0], (int)v[1],
                           (int)v[2], cr / 2);
        sum += cr / 2;
    }
    double want = tri_polygon_area(p);
    double tol = 1e-9 * fmax(fabs(want), 1e-300);
    if (fabs(sum - want) > tol && !(want == 0 && ntriangles == 0))
        return err_set(e, JM_EINPUT, "triangles cover %.17g, polygon area is %.17g", sum, want);
    return JM_OK;
}
