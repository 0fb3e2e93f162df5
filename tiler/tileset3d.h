/* tileset3d: the shape of a 3D Tiles 1.1 tileset of city objects, and its tileset.json.
 *
 * The tree is the WebMercatorQuad quadtree (tile_math.h): an object belongs to the one cell
 * that holds the centre of its bounding box (in EPSG:3857), so it is in exactly one tile per
 * level and never clipped. A cell is a leaf when its objects fit the caps (features, and
 * bytes estimated from their points); otherwise it is split into its non-empty quadrants,
 * and its own content is a simplified selection of its objects (the most significant
 * ones, simplified to the cell's geometric error) which its children REPLACE. So the city
 * seen from afar is never empty and never the full detail.
 *
 * A tileset.json file holds a few levels (TILESET3D_LEVELS_PER_FILE); a split cell at its
 * last level points to an external tileset of its own, so no file grows with the city:
 * tileset.json                the root: no content, its children the top cells (zoom z0)
 * tileset/{z}/{x}/{y}.json    an external tileset rooted at cell z/x/y
 * content/{z}/{x}/{y}.glb     the content of cell z/x/y
 * (all relative to the dataset's folder; `city` has one child per dataset.)
 *
 * Bounding volumes are regions (radians, ellipsoidal metres) made from the summaries of the
 * objects in each cell, so they hold their content, with a margin for float32 positions.
 * A cell's geometric error is its ground width / 16 (its content is shown until the cell
 * spans ~256 pixels at CesiumJS's default screen-space error of 16); a leaf's is 0.
 *
 * Pure, no database: the caller gathers the summaries (tiles3d.c does it in PostGIS).
 * Thread-safety: pure functions. */
#ifndef JUMEAU_TILESET3D_H
#define JUMEAU_TILESET3D_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define TILESET3D_LEVELS_PER_FILE 4
#define TILESET3D_MAX_ZOOM 20         /* a cell this deep is a leaf whatever its size */
#define TILESET3D_BYTES_PER_POINT 200 /* estimated GLB bytes per footprint point (LoD1) */

/* The summary of the objects of one cell. */
struct tileset3d_bin {
    int64_t x, y;                    /* the cell, at the summary's zoom */
    long count;                      /* objects */
    long points;                     /* their footprint points (for the byte estimate) */
    double west, south, east, north; /* degrees: their extent */
    double hmin, hmax;               /* ellipsoidal metres: their lowest base and highest top */
};

struct tileset3d_caps {
    long max_features; /* per content (default 2000) */
    long max_bytes;    /* per content, estimated (default 1 MB) */
};

/* What a tileset file refers to, for a writer of the whole tileset (jumeau tile 3d). */
struct tileset3d_ref {
    int z;
    int64_t x, y;
    bool external; /* an external tileset (else a content) */
};

/* The caps from JUMEAU_3DTILES_MAX_FEATURES / JUMEAU_3DTILES_MAX_BYTES or the defaults. */
struct tileset3d_caps tileset3d_caps_default(void);

/* Whether a cell of `count` objects and `points` points at zoom z is a leaf. */
bool tileset3d_is_leaf(const struct tileset3d_caps *caps, int z, long count, long points);

/* The geometric error of cell z/x/y (metres), when it is split. */
double tileset3d_geometric_error(int z, int64_t y);

/* The top zoom of a dataset's tree: the deepest at which its extent (degrees) spans at most
 * 2 x 2 cells, at most TILESET3D_MAX_ZOOM - TILESET3D_LEVELS_PER_FILE. */
int tileset3d_top_zoom(double west, double south, double east, double north);

/* What a dataset is called in the tileset's metadata (3D Tiles 1.1 groups). */
struct tileset3d_dataset {
    const char *collection, *title, *licence;
};

/* Writes the tileset.json of one file: the dataset root (root_z < 0: a root without content
 * whose children are the cells at zoom `top_z`) or the external tileset of cell
 * root_z/root_x/root_y. `bins` summarise the objects at zoom (root_z < 0 ? top_z :
 * root_z) + TILESET3D_LEVELS_PER_FILE, clipped to the root (any order; the array is sorted
 * in place). `base` is the path from this file to the dataset's folder ("" or "../../../").
 * `refs` (may be NULL) receives the contents and external tilesets this file names.
 * JM_ENOTFOUND when there is no object; JM_ELIMIT when `out` is full. */
enum jm_status tileset3d_write(const struct tileset3d_dataset *ds, const struct tileset3d_caps *caps, int root_z,
                               int64_t root_x, int64_t root_y, int top_z, struct tileset3d_bin *bins, int nbins,
                               const char *base, struct buf *out, struct buf *refs, struct err *e);

/* The region [west, south, east, north, hmin, hmax] (radians, metres) and the geometric
 * error of the dataset root that tileset3d_write writes for these bins (nbins > 0): for a
 * tileset that combines datasets. */
void tileset3d_root_summary(const struct tileset3d_bin *bins, int nbins, int top_z, double region[6], double *error);

/* Writes the tileset.json of several datasets (the `city`): a root whose children point at
 * each dataset's tileset.json ("{name}/tileset.json" relative to `base`). */
enum jm_status tileset3d_write_combined(const char *const *names, const double (*regions)[6], const double *errors,
                                        int n, const char *base, struct buf *out, struct err *e);

#endif
