/* imp_job: one import in progress, and the interface each kind implements (prefix imp__).
 * Internal to the importers module.
 *
 * The driver (importer.c) owns the job: it opens the source, makes the staging table from
 * the kind's normalised columns and the source's own, streams rows with COPY, then lets the
 * kind finish the table in SQL (areas, topology) before the swap. A kind only knows how to
 * read its values from a feature and what SQL completes its table. */
#ifndef JUMEAU_IMP_JOB_H
#define JUMEAU_IMP_JOB_H

#include <libpq-fe.h>
#include <ogr_api.h>
#include <stdbool.h>

#include "buf.h"
#include "err.h"
#include "imp.h"
#include "ogr_source.h"

/* The geometry a table stores. */
enum imp__geometry { IMP_GEOM_POLYGONS, IMP_GEOM_LINES, IMP_GEOM_POINTS };

/* A column the kind adds to every dataset of its kind (height, national_id, length_m …). */
struct imp__column {
    const char *name;
    const char *pg_type;
};

/* A column of the source, as it lands in the table. */
struct imp__source_column {
    char name[64];
    const char *pg_type;
    OGRFieldType type;
    bool closed; /* personal data: moved to closed.<name> after the load */
};

/* Why features were skipped or repaired, counted, with the first few ids for the report. */
#define IMP_SAMPLE_IDS 20
struct imp__tally {
    uint64_t count;
    long long ids[IMP_SAMPLE_IDS];
};

struct imp__job;

struct imp__kind {
    const char *name;
    bool available;
    enum imp__geometry geometry;
    const char *osm_layer;   /* for OSM sources: the layer the kind reads */
    const char *osm_filter;  /* and the OGR SQL that selects its features */
    const char *load_suffix; /* the rows go to staging + this ("" or "_raw" for a table that finish() rebuilds) */
    const struct imp__column *columns; /* normalised columns, written right after geom */
    int ncolumns;
    /* Finds the source fields the kind reads (well-known names); may add report lines. */
    enum jm_status (*prepare)(struct imp__job *j, struct err *e);
    /* Appends the normalised values of feature f, each preceded by '\t', in COPY text form. */
    bool (*write_values)(struct imp__job *j, OGRFeatureH f, struct buf *row);
    /* Completes the staging tables in SQL after the load (inside the transaction). */
    enum jm_status (*finish)(struct imp__job *j, struct err *e);
    /* A kind that reads its source itself (CityGML, CityJSON: not through OGR) makes and fills
     * its staging tables here, and sets j->src.storage_srid and source_srs_name. */
    enum jm_status (*load)(struct imp__job *j, struct err *e);
};

struct imp__job {
    PGconn *conn;
    const struct imp_options *opt;
    const struct imp__kind *kind;
    struct imp__source src;
    bool osm;                       /* an OSM source: tags beyond the columns are in other_tags */
    int other_tags;                 /* field index of OSM's other_tags, or -1 */
    struct imp__source_column *cols;
    int ncols;
    bool has_z;                     /* the layer's geometries carry Z: stored with Z */
    char name[64];
    char sha256[65];                /* filled by the hashing thread; valid after imp__hash_wait */
    struct imp__hash *hash;
    char staging[64];               /* data.<name>__import, renamed to <name> at the end */
    struct imp_report *report;
    struct imp__tally skipped_empty, skipped_type, skipped_transform, repaired;
    struct buf notes;               /* JSON members the kind adds to the report's "detected" */
    double started;                 /* progress_now() at the start, for timings in the log */
    void *kind_state;               /* owned by the kind; freed by the driver with free() */
};

/* What one COPY of a layer into a table needs. */
struct imp__copy_spec {
    const char *file;                   /* the source, for messages */
    OGRLayerH layer;
    OGRCoordinateTransformationH ct;    /* NULL when the layer is in the storage CRS */
    enum imp__geometry family;
    bool has_z;
    const char *table;                  /* schema-qualified and quoted */
    const struct imp__column *norm;     /* the kind's columns, right after geom */
    int nnorm;
    bool with_kind_values;              /* their values come from kind->write_values */
    const struct imp__source_column *cols;
    int ncols;
};

struct imp__copy_counts {
    uint64_t read, written, skipped;
};

/* The source's fields as columns; names in `reserved` (and id, geom) are not reused.
 * The caller frees the array. NULL when out of memory. */
struct imp__source_column *imp__describe_columns(OGRLayerH layer, const struct imp__column *reserved, int nreserved,
                                                 int *count);
/* The PostGIS type of a family's column: MultiPolygon, MultiLineStringZ, Point … */
const char *imp__pg_geometry(enum imp__geometry family, bool has_z);
/* CREATE TABLE spec->table (id, geom, the kind's columns, the source's columns). */
enum jm_status imp__create_table(struct imp__job *j, const struct imp__copy_spec *spec, struct err *e);
/* Streams every feature of spec->layer into spec->table: geometry made linear, multi, valid
 * (GEOS MakeValid, counted), transformed; features without usable geometry skipped and
 * counted. Fails (nothing kept: the caller rolls back) on a read error part-way, or when no
 * feature could be written. */
enum jm_status imp__copy_layer(struct imp__job *j, const struct imp__copy_spec *spec, struct imp__copy_counts *counts,
                               struct err *e);

/* The source's SHA-256 is computed on a thread of its own while the import runs: on two
 * cores it fits in the time the reader or the database leaves idle. */
struct imp__hash;
enum jm_status imp__hash_start(struct imp__job *j, struct err *e);
/* Waits for the digest (into j->sha256); an error when the file could not be read. */
enum jm_status imp__hash_wait(struct imp__job *j, struct err *e);

/* The field index of the first of `names` the source has (case-insensitive), or -1. */
int imp__field(const struct imp__job *j, const char *const *names);

/* The value of a feature's attribute: field `index` when >= 0, else the OSM tag `osm_key`
 * from other_tags (NULL to skip). Copies into out (NUL-terminated); false when absent/empty. */
bool imp__value(const struct imp__job *j, OGRFeatureH f, int index, const char *osm_key, char *out, size_t size);

/* Appends a report note: "key": "value" in the report's "detected" object. */
void imp__note(struct imp__job *j, const char *key, const char *value);

/* Appends an integer in decimal. */
bool imp__copy_int(struct buf *row, long long v);

/* Appends `n` formatted as COPY text, or \N when it is not finite. */
bool imp__copy_double(struct buf *row, double v);

/* The staging table of part `suffix` ("" for the main table, "_nodes" …), quoted, into out. */
void imp__staging_table(const struct imp__job *j, const char *suffix, struct buf *out);

/* The kinds (kind_buildings.c, kind_cadastre.c, kind_network.c, citymodel/citymodel_import.c). */
extern const struct imp__kind imp__kind_buildings;
extern const struct imp__kind imp__kind_citygml;
extern const struct imp__kind imp__kind_cityjson;
extern const struct imp__kind imp__kind_cadastre;
extern const struct imp__kind imp__kind_network;

#endif
