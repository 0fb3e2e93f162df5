/* mesh: extrusion of footprints and planar 3D surfaces into flat-shaded triangle meshes.
 * See mesh.h for the contract.
 *
 * Footprints are triangulated in the local tangent plane (east, north) at their first point:
 * an orthographic projection of the ellipsoid, which keeps a simple polygon of a few hundred
 * metres simple and its area to a part in 10^8. Vertices are computed in double ECEF, then
 * stored as float offsets from the mesh origin (a tile's centre): at 10 km from it the float
 * step is under a millimetre. */
#include "mesh.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geodesy.h"
#include "triangulate.h"

/* A triangle whose float area is at or under this (m²) is dropped as degenerate. */
#define MESH_MIN_TRIANGLE_AREA 1e-8
/* Footprints of this area (m²) or less are degenerate: nothing is added. */
#define MESH_MIN_FOOTPRINT_AREA 1e-4
/* Wall segments shorter than this (m) are skipped: duplicate points. */
#define MESH_MIN_EDGE 1e-4

void mesh_init(struct mesh *m, const double origin[3], size_t cap_bytes)
{
    memset(m, 0, sizeof *m);
    size_t cap = cap_bytes ? cap_bytes : (size_t)256 << 20;
    buf_init(&m->positions, cap / 3);
    buf_init(&m->normals, cap / 3);
    buf_init(&m->feature_ids, cap / 9);
    buf_init(&m->indices, cap / 3);
    buf_init(&m->semantics, cap / 9);
    mesh_reset(m, origin);
}

void mesh_cleanup(struct mesh *m)
{
    buf_cleanup(&m->positions);
    buf_cleanup(&m->normals);
    buf_cleanup(&m->feature_ids);
    buf_cleanup(&m->indices);
    buf_cleanup(&m->semantics);
}

void mesh_reset(struct mesh *m, const double origin[3])
{
    buf_reset(&m->positions);
    buf_reset(&m->normals);
    buf_reset(&m->feature_ids);
    buf_reset(&m->indices);
    buf_reset(&m->semantics);
    m->semantic = 0;
    m->use_semantics = false;
    memcpy(m->origin, origin, sizeof m->origin);
    m->vertex_count = m->index_count = 0;
    m->area = 0;
    for (int i = 0; i < 3; i++)
        m->min[i] = INFINITY, m->max[i] = -INFINITY;
}

enum mesh_semantic mesh_semantic_from_name(const char *name)
{
    static const struct {
        const char *name;
        enum mesh_semantic code;
    } names[] = {
        {"GroundSurface", MESH_SEMANTIC_GROUND},
        {"WallSurface", MESH_SEMANTIC_WALL},
        {"RoofSurface", MESH_SEMANTIC_ROOF},
        {"ClosureSurface", MESH_SEMANTIC_CLOSURE},
        {"OuterCeilingSurface", MESH_SEMANTIC_OUTER_CEILING},
        {"OuterFloorSurface", MESH_SEMANTIC_OUTER_FLOOR},
        {"Window", MESH_SEMANTIC_WINDOW},
        {"Door", MESH_SEMANTIC_DOOR},
    };
    if (!name || !name[0])
        return MESH_SEMANTIC_NONE;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0)
            return names[i].code;
    return MESH_SEMANTIC_OTHER;
}

void mesh_use_semantics(struct mesh *m)
{
    m->use_semantics = true;
}

/* ---- low level: vertices and triangles ------------------------------------------------ */

/* The state of the mesh before an addition, to roll back to when it fails half-way. */
struct mesh_mark {
    size_t positions, normals, feature_ids, indices, semantics;
    uint32_t vertex_count, index_count;
    float min[3], max[3];
    double area;
};

static struct mesh_mark mark(const struct mesh *m)
{
    struct mesh_mark k = {.positions = m->positions.len,
                          .normals = m->normals.len,
                          .feature_ids = m->feature_ids.len,
                          .indices = m->indices.len,
                          .semantics = m->semantics.len,
                          .vertex_count = m->vertex_count,
                          .index_count = m->index_count,
                          .area = m->area};
    memcpy(k.min, m->min, sizeof k.min);
    memcpy(k.max, m->max, sizeof k.max);
    return k;
}

static void rollback(struct mesh *m, const struct mesh_mark *k)
{
    m->positions.len = k->positions, m->normals.len = k->normals;
    m->feature_ids.len = k->feature_ids, m->indices.len = k->indices, m->semantics.len = k->semantics;
    m->semantics.overflow = false;
    m->positions.overflow = m->normals.overflow = m->feature_ids.overflow = m->indices.overflow = false;
    m->vertex_count = k->vertex_count, m->index_count = k->index_count;
    memcpy(m->min, k->min, sizeof m->min);
    memcpy(m->max, k->max, sizeof m->max);
    m->area = k->area;
}

/* Appends a vertex at ECEF `p` with unit normal `n`; false when a cap is reached. */
static bool add_vertex(struct mesh *m, const double p[3], const double n[3], uint32_t feature)
{
    if (m->vertex_count >= MESH_MAX_VERTICES)
        return false;
    float pos[3], nor[3], fid = (float)feature;
    for (int i = 0; i < 3; i++) {
        pos[i] = (float)(p[i] - m->origin[i]);
        nor[i] = (float)n[i];
        m->min[i] = pos[i] < m->min[i] ? pos[i] : m->min[i];
        m->max[i] = pos[i] > m->max[i] ? pos[i] : m->max[i];
    }
    if (!buf_append(&m->positions, pos, sizeof pos) || !buf_append(&m->normals, nor, sizeof nor) ||
        !buf_append(&m->feature_ids, &fid, sizeof fid) ||
        (m->use_semantics && !buf_append(&m->semantics, &m->semantic, sizeof m->semantic)))
        return false;
    m->vertex_count++;
    return true;
}

static const float *position(const struct mesh *m, uint32_t v)
{
    return (const float *)(const void *)m->positions.data + 3 * (size_t)v;
}

/* Appends triangle a, b, c (vertex numbers) unless its stored (float) area is degenerate;
 * false when a cap is reached. */
static bool add_triangle(struct mesh *m, uint32_t a, uint32_t b, uint32_t c)
{
    const float *pa = position(m, a), *pb = position(m, b), *pc = position(m, c);
    double u[3], v[3];
    for (int i = 0; i < 3; i++)
        u[i] = (double)pb[i] - pa[i], v[i] = (double)pc[i] - pa[i];
    double cx = u[1] * v[2] - u[2] * v[1], cy = u[2] * v[0] - u[0] * v[2], cz = u[0] * v[1] - u[1] * v[0];
    double area = 0.5 * sqrt(cx * cx + cy * cy + cz * cz);
    if (!(area > MESH_MIN_TRIANGLE_AREA))
        return true;
    uint32_t t[3] = {a, b, c};
    if (!buf_append(&m->indices, t, sizeof t))
        return false;
    m->index_count += 3;
    m->area += area;
    return true;
}

static void cross(const double a[3], const double b[3], double out[3])
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

static bool normalise(double v[3])
{
    double n = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (!(n > 0) || !isfinite(n))
        return false;
    v[0] /= n, v[1] /= n, v[2] /= n;
    return true;
}

/* ---- a triangulated face ---------------------------------------------------------------- */

/* Adds the face made of `tris` (triangles over points `ecef`, counter-clockwise seen from
 * the side `normal` points to; `flip` reverses them) with only the points it uses. */
static bool add_face(struct mesh *m, const double *ecef, int npoints, const int32_t *tris, int ntris,
                     const double normal[3], bool flip, uint32_t feature, uint32_t *remap)
{
    for (int i = 0; i < npoints; i++)
        remap[i] = UINT32_MAX;
    for (int t = 0; t < ntris; t++) {
        uint32_t v[3];
        for (int k = 0; k < 3; k++) {
            int32_t p = tris[3 * t + k];
            if (remap[p] == UINT32_MAX) {
                if (!add_vertex(m, &ecef[3 * p], normal, feature))
                    return false;
                remap[p] = m->vertex_count - 1;
            }
            v[k] = remap[p];
        }
        if (!(flip ? add_triangle(m, v[0], v[2], v[1]) : add_triangle(m, v[0], v[1], v[2])))
            return false;
    }
    return true;
}

/* Adds one wall quad from p to q (ECEF at the base and at the top), facing `outward`. */
static bool add_wall(struct mesh *m, const double pb[3], const double qb[3], const double qt[3], const double pt[3],
                     const double outward[3], uint32_t feature)
{
    uint32_t v = m->vertex_count;
    return add_vertex(m, pb, outward, feature) && add_vertex(m, qb, outward, feature) &&
           add_vertex(m, qt, outward, feature) && add_vertex(m, pt, outward, feature) &&
           add_triangle(m, v, v + 1, v + 2) && add_triangle(m, v, v + 2, v + 3);
}

/* ---- extrusion -------------------------------------------------------------------------- */

/* Scratch of one extrusion: all malloc'ed together. */
struct extrusion {
    int n;
    double *local; /* east, north of each point (m) */
    double *base;  /* ECEF at the base height */
    double *top;   /* ECEF at the top height */
    uint32_t *remap;
};

static bool extrusion_alloc(struct extrusion *x, int n)
{
    x->n = n;
    x->local = malloc(sizeof(double) * 2 * (size_t)n);
    x->base = malloc(sizeof(double) * 3 * (size_t)n);
    x->top = malloc(sizeof(double) * 3 * (size_t)n);
    x->remap = malloc(sizeof(uint32_t) * (size_t)n);
    return x->local && x->base && x->top && x->remap;
}

static void extrusion_free(struct extrusion *x)
{
    free(x->local);
    free(x->base);
    free(x->top);
    free(x->remap);
}

/* Walls of one ring, outer rings counter-clockwise and holes clockwise seen from above, so
 * that each wall faces out of the solid. */
static bool add_ring_walls(struct mesh *m, const struct extrusion *x, int first, int count, bool hole,
                           const double up[3], uint32_t feature)
{
    double area = tri_ring_area(&x->local[2 * first], count);
    bool reverse = hole ? area > 0 : area < 0;
    for (int k = 0; k < count; k++) {
        int a = first + (reverse ? count - 1 - k : k);
        int b = first + (reverse ? (count - 2 - k + count) % count : (k + 1) % count);
        double edge[3] = {x->base[3 * b] - x->base[3 * a], x->base[3 * b + 1] - x->base[3 * a + 1],
                          x->base[3 * b + 2] - x->base[3 * a + 2]};
        if (sqrt(edge[0] * edge[0] + edge[1] * edge[1] + edge[2] * edge[2]) < MESH_MIN_EDGE)
            continue;
        double outward[3];
        cross(edge, up, outward);
        if (!normalise(outward))
            continue;
        if (!add_wall(m, &x->base[3 * a], &x->base[3 * b], &x->top[3 * b], &x->top[3 * a], outward, feature))
            return false;
    }
    return true;
}

/* Fills the local plane and ECEF coordinates of the footprint's points. */
static bool extrusion_points(struct extrusion *x, const struct geo_polygon *f, double base, double top, double up[3])
{
    double lon0 = f->lonlat[0], lat0 = f->lonlat[1], o[3], east[3], north[3];
    geo_to_ecef(lon0, lat0, 0, o);
    geo_enu_axes(lon0, lat0, east, north, up);
    for (int i = 0; i < x->n; i++) {
        double lon = f->lonlat[2 * i], lat = f->lonlat[2 * i + 1], g[3];
        if (!isfinite(lon) || !isfinite(lat) || fabs(lat) > 90)
            return false;
        geo_to_ecef(lon, lat, 0, g);
        double d[3] = {g[0] - o[0], g[1] - o[1], g[2] - o[2]};
        x->local[2 * i] = d[0] * east[0] + d[1] * east[1] + d[2] * east[2];
        x->local[2 * i + 1] = d[0] * north[0] + d[1] * north[1] + d[2] * north[2];
        geo_to_ecef(lon, lat, base, &x->base[3 * i]);
        geo_to_ecef(lon, lat, top, &x->top[3 * i]);
    }
    return true;
}

enum jm_status mesh_add_extrusion(struct mesh *m, const struct geo_polygon *footprint, double base, double top,
                                  uint32_t feature, bool *added, struct err *e)
{
    *added = false;
    if (!footprint || footprint->nrings < 1 || !footprint->ring_sizes || !footprint->lonlat)
        return JM_OK;
    if (!isfinite(base) || !isfinite(top) || !(top > base))
        return err_set(e, JM_EINPUT, "extrusion: the top (%g) must be above the base (%g)", top, base);
    long n = 0;
    for (int r = 0; r < footprint->nrings; r++) {
        if (footprint->ring_sizes[r] < 0)
            return err_set(e, JM_EINPUT, "extrusion: negative ring size");
        n += footprint->ring_sizes[r];
    }
    if (n < 3)
        return JM_OK;
    if (n > TRI_MAX_POINTS)
        return err_set(e, JM_ELIMIT, "extrusion: %ld points, over %d", n, TRI_MAX_POINTS);

    enum jm_status rc = JM_OK;
    struct mesh_mark before = mark(m);
    struct extrusion x;
    struct buf tris;
    buf_init(&tris, 0);
    double up[3], down[3];
    if (!extrusion_alloc(&x, (int)n)) {
        rc = err_set(e, JM_EINTERNAL, "out of memory");
        goto out;
    }
    if (!extrusion_points(&x, footprint, base, top, up)) {
        rc = err_set(e, JM_EINPUT, "extrusion: a coordinate is not a longitude/latitude");
        goto out;
    }
    down[0] = -up[0], down[1] = -up[1], down[2] = -up[2];
    struct tri_polygon plane = {x.local, footprint->ring_sizes, footprint->nrings};
    if (!(tri_polygon_area(&plane) > MESH_MIN_FOOTPRINT_AREA))
        goto out; /* a line or a point: no solid (ECEF rounding would leave slivers) */
    int ntris = 0;
    if ((rc = tri_triangulate(&plane, &tris, &ntris, e)))
        goto out;
    if (ntris == 0)
        goto out; /* degenerate: no area */
    const int32_t *t = (const int32_t *)(const void *)tris.data;
    float semantic = m->semantic; /* an extruded block has a roof, a floor and walls */
    m->semantic = MESH_SEMANTIC_ROOF;
    bool ok = add_face(m, x.top, x.n, t, ntris, up, false, feature, x.remap);
    m->semantic = MESH_SEMANTIC_GROUND;
    ok = ok && add_face(m, x.base, x.n, t, ntris, down, true, feature, x.remap);
    m->semantic = MESH_SEMANTIC_WALL;
    for (int r = 0, first = 0; ok && r < footprint->nrings; first += footprint->ring_sizes[r], r++)
        ok = add_ring_walls(m, &x, first, footprint->ring_sizes[r], r > 0, up, feature);
    m->semantic = semantic;
    if (!ok) {
        rc = err_set(e, JM_ELIMIT, "mesh: over its size cap");
        goto out;
    }
    *added = true;
out:
    if (rc)
        rollback(m, &before);
    buf_cleanup(&tris);
    extrusion_free(&x);
    return rc;
}

/* ---- planar 3D surfaces ---------------------------------------------------------------- */

/* Newell's normal of the outer ring (unnormalised: its length is twice the area). */
static void newell(const double *xyz, int n, double out[3])
{
    out[0] = out[1] = out[2] = 0;
    for (int i = 0; i < n; i++) {
        const double *a = &xyz[3 * i], *b = &xyz[3 * ((i + 1) % n)];
        out[0] += (a[1] - b[1]) * (a[2] + b[2]);
        out[1] += (a[2] - b[2]) * (a[0] + b[0]);
        out[2] += (a[0] - b[0]) * (a[1] + b[1]);
    }
}

enum jm_status mesh_add_surface(struct mesh *m, const double *xyz, const int *ring_sizes, int nrings, uint32_t feature,
                                bool *added, struct err *e)
{
    *added = false;
    if (!xyz || !ring_sizes || nrings < 1 || ring_sizes[0] < 3)
        return JM_OK;
    long n = 0;
    for (int r = 0; r < nrings; r++) {
        if (ring_sizes[r] < 0)
            return err_set(e, JM_EINPUT, "surface: negative ring size");
        n += ring_sizes[r];
    }
    if (n > TRI_MAX_POINTS)
        return err_set(e, JM_ELIMIT, "surface: %ld points, over %d", n, TRI_MAX_POINTS);
    for (long i = 0; i < 3 * n; i++)
        if (!isfinite(xyz[i]))
            return err_set(e, JM_EINPUT, "surface: a coordinate is not finite");
    double normal[3];
    newell(xyz, ring_sizes[0], normal);
    if (!normalise(normal))
        return JM_OK; /* no area */
    /* a basis (u, v) of the plane with u x v = normal: counter-clockwise in it faces `normal` */
    double helper[3] = {fabs(normal[0]) < 0.9 ? 1 : 0, fabs(normal[0]) < 0.9 ? 0 : 1, 0}, u[3], v[3];
    cross(helper, normal, u);
    normalise(u);
    cross(normal, u, v);

    enum jm_status rc = JM_OK;
    struct mesh_mark before = mark(m);
    double *plane = malloc(sizeof(double) * 2 * (size_t)n);
    uint32_t *remap = malloc(sizeof(uint32_t) * (size_t)n);
    struct buf tris;
    buf_init(&tris, 0);
    if (!plane || !remap) {
        rc = err_set(e, JM_EINTERNAL, "out of memory");
        goto out;
    }
    for (long i = 0; i < n; i++) {
        const double *p = &xyz[3 * i], d[3] = {p[0] - xyz[0], p[1] - xyz[1], p[2] - xyz[2]};
        plane[2 * i] = d[0] * u[0] + d[1] * u[1] + d[2] * u[2];
        plane[2 * i + 1] = d[0] * v[0] + d[1] * v[1] + d[2] * v[2];
    }
    struct tri_polygon poly = {plane, ring_sizes, nrings};
    int ntris = 0;
    if ((rc = tri_triangulate(&poly, &tris, &ntris, e)) || ntris == 0)
        goto out;
    if (!add_face(m, xyz, (int)n, (const int32_t *)(const void *)tris.data, ntris, normal, false, feature, remap)) {
        rc = err_set(e, JM_ELIMIT, "mesh: over its size cap");
        goto out;
    }
    *added = true;
out:
    if (rc)
        rollback(m, &before);
    buf_cleanup(&tris);
    free(plane);
    free(remap);
    return rc;
}
