/* mesh: triangle meshes of city objects, ready for a glTF primitive, in the frame of one 3D
 * tile: positions are float32 offsets in metres from a double-precision ECEF origin (the tile
 * centre), along the ECEF (EPSG:4978) axes, z up as 3D Tiles has it. The glTF writer turns
 * them into glTF's y-up; nothing else here knows about glTF.
 *
 * Every source of 3D feeds the same mesh: LoD1 buildings extruded from a footprint
 * (mesh_add_extrusion), and planar 3D surfaces (mesh_add_surface: CityGML/CityJSON LoD2
 * surfaces, IFC faces). Each vertex carries the index of its feature in the tile's property
 * table (EXT_mesh_features), so a click on any triangle finds its building.
 *
 * Faces are flat-shaded: a vertex is never shared between faces of different normals. Every
 * triangle is counter-clockwise seen from outside (the side its normal points to) and has
 * positive area; degenerate ones are never emitted.
 *
 * Ownership: mesh_init/mesh_cleanup pair. Thread-safety: one mesh per thread. */
#ifndef JUMEAU_MESH_H
#define JUMEAU_MESH_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct mesh {
    double origin[3];       /* ECEF of the local origin, metres */
    struct buf positions;   /* float x,y,z per vertex: ECEF minus origin */
    struct buf normals;     /* float x,y,z per vertex: unit length, ECEF axes */
    struct buf feature_ids; /* float per vertex: the feature's row in the property table */
    struct buf indices;     /* uint32_t per index, three per triangle */
    struct buf semantics;   /* float per vertex: the MESH_SEMANTIC_* of its face, once
                               mesh_use_semantics() was called (else empty) */
    float semantic;         /* the code the next vertices get (mesh_add_extrusion sets its own) */
    bool use_semantics;
    uint32_t vertex_count, index_count;
    float min[3], max[3]; /* bounds of positions (valid when vertex_count > 0) */
    double area;          /* total area of the triangles, m² (for tests and reports) */
};

/* What a surface is, as the _SEMANTIC vertex attribute gives it (so that a shader can colour
 * roofs and walls): CityGML/CityJSON thematic surface types. */
enum mesh_semantic {
    MESH_SEMANTIC_NONE = 0,
    MESH_SEMANTIC_GROUND = 1,
    MESH_SEMANTIC_WALL = 2,
    MESH_SEMANTIC_ROOF = 3,
    MESH_SEMANTIC_CLOSURE = 4,
    MESH_SEMANTIC_OUTER_CEILING = 5,
    MESH_SEMANTIC_OUTER_FLOOR = 6,
    MESH_SEMANTIC_WINDOW = 7,
    MESH_SEMANTIC_DOOR = 8,
    MESH_SEMANTIC_OTHER = 9,
};

/* The code of a surface type by its CityGML/CityJSON name; NONE for NULL. */
enum mesh_semantic mesh_semantic_from_name(const char *name);

/* From now on every vertex carries m->semantic (set it before each addition); call before
 * the first vertex. */
void mesh_use_semantics(struct mesh *m);

/* Mesh limits: past them, additions fail with JM_ELIMIT (a tile is split before that). */
#define MESH_MAX_VERTICES (1u << 24) /* feature ids are exact in float32 up to 2^24 */

/* An empty mesh around `origin` (ECEF metres). `cap_bytes` bounds the memory of its buffers
 * together (0: 256 MiB). */
void mesh_init(struct mesh *m, const double origin[3], size_t cap_bytes);
void mesh_cleanup(struct mesh *m);
void mesh_reset(struct mesh *m, const double origin[3]);

/* A polygon on the ellipsoid: rings of (longitude, latitude) in degrees, WGS 84; ring 0 the
 * outer ring, the others holes; any winding, closing point optional. Borrowed arrays. */
struct geo_polygon {
    const double *lonlat;
    const int *ring_sizes;
    int nrings;
};

/* Adds a prism: the footprint between ellipsoidal heights `base` and `top` (metres, top >
 * base), with walls (holes' walls face into the courtyard), a roof and a floor, for feature
 * `feature`. The footprint is triangulated in the local tangent plane at its first point.
 * Returns JM_OK and adds nothing for a degenerate footprint (*added = false); JM_EINPUT for
 * non-finite input or a polygon the triangulator cannot finish; JM_ELIMIT past the caps. */
enum jm_status mesh_add_extrusion(struct mesh *m, const struct geo_polygon *footprint, double base, double top,
                                  uint32_t feature, bool *added, struct err *e);

/* Adds a planar (or nearly planar) 3D polygon given in ECEF metres (x,y,z per point; ring 0
 * outer, the rest holes), facing the side from which its outer ring runs counter-clockwise,
 * triangulated in its best-fit plane (Newell's normal). For LoD2 surfaces and IFC faces. */
enum jm_status mesh_add_surface(struct mesh *m, const double *xyz, const int *ring_sizes, int nrings, uint32_t feature,
                                bool *added, struct err *e);

#endif
