/* gltf_writer: one glTF 2.0 binary (GLB) holding a mesh (see mesh.h) and the property table
 * of its features, as 3D Tiles 1.1 content:
 * - one node whose translation is the mesh origin, and positions/normals turned from the
 *   3D Tiles z-up frame into glTF's y-up ((x, y, z) -> (x, z, -y)); 3D Tiles turns them back,
 *   so the model lands in ECEF (EPSG:4978) with no float jitter (offsets are small);
 * - attributes POSITION (with min/max), NORMAL, _FEATURE_ID_0 (float), uint32 or uint16
 *   indices, one opaque material;
 * - EXT_mesh_features: featureIds [{featureCount, attribute 0, propertyTable 0}];
 * - EXT_structural_metadata: a schema with one class and a property table of the features'
 *   attributes (binary columns, strings with UINT32 offsets);
 * - the BIN chunk's data and every buffer view starting on an 8-byte boundary of the GLB (the
 *   JSON chunk starts at byte 20, as the GLB header makes it).
 * featureCount is table->count: give only features that have triangles.
 * Options: quantised positions and normals (KHR_mesh_quantization), and
 * EXT_meshopt_compression of the vertex and index buffer views (meshoptimizer).
 *
 * Thread-safety: pure; one call per output buffer. */
#ifndef JUMEAU_GLTF_WRITER_H
#define JUMEAU_GLTF_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "mesh.h"

enum gltf_property_type {
    GLTF_PROPERTY_INT64,   /* values.i64 */
    GLTF_PROPERTY_INT32,   /* values.i32 */
    GLTF_PROPERTY_FLOAT32, /* values.f32 */
    GLTF_PROPERTY_STRING,  /* values.str: UTF-8, NULL for no data */
};

/* A column of the property table: `count` values (the table's count). Numbers equal to
 * `no_data` (when has_no_data) mean "unknown"; the schema declares it as the noData value. */
struct gltf_property {
    const char *name; /* an identifier: [A-Za-z_][A-Za-z0-9_]* */
    enum gltf_property_type type;
    union {
        const int64_t *i64;
        const int32_t *i32;
        const float *f32;
        const char *const *str;
    } values;
    bool has_no_data;
    double no_data;
    const char *description; /* optional, for the schema */
};

struct gltf_feature_table {
    const char *class_name; /* e.g. "building" */
    uint32_t count;         /* features; mesh feature ids lie in [0, count) */
    const struct gltf_property *properties;
    int nproperties;
};

struct gltf_options {
    bool quantize;  /* KHR_mesh_quantization: positions SHORT normalised, normals BYTE normalised */
    bool meshopt;   /* EXT_meshopt_compression (required extension) on vertex and index views */
    float base_color[4]; /* linear RGBA; all zero: a light grey */
};

/* Appends the GLB of `m` and `table` to `out` (which it does not reset); NULL `options` are
 * the defaults. STRING properties have the noData value "" (has_no_data is ignored); an
 * all-NULL string column is declared in the class but left out of the table. An empty mesh is
 * JM_EINPUT (a tile with nothing has no content). JM_ELIMIT when `out` reaches its cap,
 * JM_EINTERNAL when out of memory; `out` then keeps its earlier length. */
enum jm_status gltf_write_glb(const struct mesh *m, const struct gltf_feature_table *table,
                              const struct gltf_options *options, struct buf *out, struct err *e);

#endif
