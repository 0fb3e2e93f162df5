/* citymodel: what the CityGML and CityJSON readers hand to the importer, one city object at a
 * time, so that neither reader holds more than one object (and, for CityJSON, the vertex pool)
 * in memory, and the importer knows neither format.
 *
 * A reader calls `on_object` for every city object, parts included, in file order (a part
 * may come before or after its parent; the parent is named by id). Everything an object
 * points to (strings, arrays) lives until on_object returns: copy what you keep.
 *
 * Geometry: every surface is one planar polygon (outer ring first, then holes) of 3D points
 * in the file's CRS after any CityJSON `transform` (x, y, z doubles; the closing point not
 * repeated), with its LoD, its semantic type when the model gives one, and the kind of
 * geometry it came from. Solids give their shells' surfaces; MultiSurface/CompositeSurface
 * theirs; geometry templates (CityJSON) and xlink:href references (CityGML) are resolved by
 * the reader. LoD0 footprints and roof edges are surfaces of LoD 0. Terrain (TIN) triangles
 * are surfaces too.
 *
 * Attributes: one JSON object (UTF-8 text) of every attribute of the object that is not
 * geometry: the standard ones (measuredHeight, function, usage, yearOfConstruction,
 * storeysAboveGround, roofType, class, …) under their CityGML/CityJSON names, generic
 * attributes by their own names with their types (numbers as JSON numbers, dates as strings),
 * addresses as an object under "address", ADE and unknown elements as strings or objects under
 * their prefixed names ("uro:buildingID"). Nothing is dropped silently.
 *
 * Errors: a reader returns JM_EINPUT with a message naming the file, the object id and the
 * problem (ring not closed in CityGML, vertex index out of range, unknown geometry type,
 * malformed XML/JSON at line N…), JM_ELIMIT past a cap (depth, size, counts), or the status
 * on_object returned (which stops the reading). Nothing is half-reported: when a reader fails
 * the importer discards everything.
 *
 * Thread-safety: a reader is one call on one thread; no global state. */
#ifndef JUMEAU_CITYMODEL_H
#define JUMEAU_CITYMODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Caps on outside input (both readers). */
#define CM_MAX_DEPTH 256             /* XML element / JSON nesting */
#define CM_MAX_ATTRIBUTES_BYTES (1 << 20) /* one object's attribute JSON */
#define CM_MAX_OBJECT_POINTS (1 << 24)    /* points of one object's surfaces, all together */
#define CM_MAX_FILE_BYTES ((size_t)8 << 30) /* CityJSON (not .jsonl) is read whole: at most this */

struct cm_surface {
    const double *xyz;     /* 3 * npoints doubles */
    const int *ring_sizes; /* nrings entries; ring 0 is the outer ring */
    int nrings;
    int lod;               /* 0..4 */
    const char *semantic;  /* "RoofSurface", "WallSurface", "GroundSurface", "Window", … or NULL */
    const char *id;        /* the polygon's gml:id, or NULL */
};

struct cm_object {
    const char *id;        /* gml:id or the CityJSON key; never NULL ("" when the file has none) */
    const char *type;      /* CityGML / CityJSON class: "Building", "BuildingPart", "Road", … */
    const char *parent_id; /* the parent's id for parts (BuildingPart …), else NULL */
    const char *attributes;/* a JSON object, never NULL ("{}") */
    const struct cm_surface *surfaces;
    int nsurfaces;
};

/* What the reader learnt of the file, filled as it goes (complete when it returns JM_OK). */
struct cm_info {
    char version[16];      /* "2.0", "3.0" (CityGML); "1.1", "2.0" (CityJSON) */
    char srs[128];         /* the CRS as the file names it: "EPSG:25832", "EPSG:25832+5783",
                              "EPSG:7415"; "" when the file names none */
    int epsg_horizontal;   /* the horizontal part as an EPSG code, or 0 when unknown */
    int epsg_vertical;     /* the vertical part, or 0 */
    long objects, surfaces;
    long textures, materials;       /* appearances recorded (CityJSON, CityGML app:) */
    long textures_missing;          /* texture files named but not found beside the file */
    char first_missing_texture[256];
};

typedef enum jm_status (*cm_object_fn)(void *ctx, const struct cm_object *o, const struct cm_info *info,
                                       struct err *e);

/* Reads a CityGML 2.0 or 3.0 file with a streaming XML reader (no DTD, no external entities,
 * no network). */
enum jm_status cm_read_citygml(const char *path, cm_object_fn on_object, void *ctx, struct cm_info *info,
                               struct err *e);

/* Reads a CityJSON 1.1/2.0 file, or CityJSON Text Sequences (.city.jsonl: a CityJSON header
 * line then CityJSONFeature lines, read one line at a time). */
enum jm_status cm_read_cityjson(const char *path, cm_object_fn on_object, void *ctx, struct cm_info *info,
                                struct err *e);

/* The same readers over bytes in memory, for fuzzing and unit tests (`name` names the input in
 * messages; `dir` is where textures are looked for, or NULL). */
enum jm_status cm_parse_citygml(const char *data, size_t len, const char *name, cm_object_fn on_object, void *ctx,
                                struct cm_info *info, struct err *e);
enum jm_status cm_parse_cityjson(const char *data, size_t len, const char *name, const char *dir,
                                 cm_object_fn on_object, void *ctx, struct cm_info *info, struct err *e);

#endif
