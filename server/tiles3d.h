/* tiles3d: 3D Tiles 1.1 of a dataset, made from PostGIS over a connection whose role bounds
 * what it may read. Used by the server's /3dtiles routes and by `jumeau tile 3d`.
 *
 * PostGIS summarises the objects of a cell per sub-cell (tileset3d.h says how the tree and
 * its files are shaped) and, for a content, selects the cell's objects (all of them for a
 * leaf; for a split cell the most significant ones, by footprint area x height, within the
 * caps, simplified to the cell's error), reprojected to WGS 84; the mesh path extrudes them
 * (LoD1: footprint, base, height) and the glTF writer makes the GLB.
 *
 * Heights: a building's base is its base_elevation, taken as orthometric (above sea level)
 * and raised by the EGM96 geoid undulation to an ellipsoidal height when PROJ has the grid;
 * a building without base_elevation stands on the ellipsoid (height 0), where a viewer
 * without terrain draws the ground.
 *
 * Only the dataset's own table is read: closed attributes (closed.<name>) never enter a tile.
 * Thread-safety: one call per connection at a time. */
#ifndef JUMEAU_TILES3D_H
#define JUMEAU_TILES3D_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "gltf_writer.h"
#include "registry_cache.h"
#include "tileset3d.h"

/* Whether datasets of this kind have 3D content (buildings). */
bool tiles3d_capable(const char *kind);

/* The tileset.json of `l`: its root (z < 0) or the external tileset of cell z/x/y, with
 * URIs relative to where it is served (tileset.json, tileset/{z}/{x}/{y}.json).
 * `refs` (may be NULL) receives the contents and external tilesets it names.
 * JM_ENOTFOUND when the dataset has no 3D content or the cell no object. */
enum jm_status tiles3d_tileset(PGconn *conn, const struct tile_layer *l, int z, int64_t x, int64_t y, struct buf *json,
                               struct buf *refs, struct err *e);

/* The region and geometric error of the root of `l`'s tileset (for `city`). */
enum jm_status tiles3d_root(PGconn *conn, const struct tile_layer *l, double region[6], double *error, struct err *e);

/* Counts of one content, for reports. */
struct tiles3d_stats {
    long features;   /* buildings in the content */
    long skipped;    /* footprints that gave no solid (degenerate, or not triangulable) */
    long simplified; /* 1 when the content is the simplified one of a split cell */
};

/* The GLB of cell z/x/y of `l` into `glb` (reset first); empty when the cell has no object. */
enum jm_status tiles3d_content(PGconn *conn, const struct tile_layer *l, int z, int64_t x, int64_t y,
                               const struct gltf_options *options, struct buf *glb, struct tiles3d_stats *stats,
                               struct err *e);

/* The glTF options from JUMEAU_3DTILES_COMPRESSION: "none" (default), "quantize", "meshopt"
 * (quantised and meshopt-compressed). */
struct gltf_options tiles3d_options_from_env(void);

#endif
