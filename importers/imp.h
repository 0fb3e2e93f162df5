/* imp: importers: from a source file to a dataset table data.<name> in PostGIS.
 *
 * One driver for every kind: it opens the source through OGR, picks the layer and the
 * features the kind wants, transforms geometry once (PROJ, through OGR) into the dataset's
 * projected CRS, streams rows with COPY into a new table, indexes it, grants it to the
 * reader role of its access level and records it in jumeau.datasets — all in one
 * transaction, so a failure at any point leaves the database as it was.
 * Thread-safety: one import per connection; GDAL must be initialised (imp_init) first. */
#ifndef JUMEAU_IMP_H
#define JUMEAU_IMP_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct imp_options {
    const char *kind;      /* cadastre, buildings, network, citygml, cityjson, ifc */
    const char *file;
    const char *name;      /* NULL: derived from the file name */
    const char *layer;     /* NULL: the kind's layer, or the only one */
    const char *where;     /* an OGR SQL filter on the source's attributes, or NULL */
    const char *srs;       /* "EPSG:n": the source CRS when the file has none or lies */
    const char *access;    /* open (default), shared, closed */
    const char *closed;    /* comma-separated columns holding personal data, or NULL */
    const char *id_column; /* cadastre: the column of the national parcel id, or NULL */
    const char *title;     /* NULL: derived from the name (kept on --replace) */
    const char *licence;
    const char *producer;
    const char *frequency; /* update frequency: daily, weekly, monthly, annual, irregular … */
    const char *report;    /* write the full report as JSON to this file, or NULL */
    const char *points;    /* network: a second file of point features (manholes, valves…) */
    double snap_m;         /* network: noding tolerance in metres (0: 0.01) */
    double storey_height;  /* buildings: metres per storey (0: 3.0) */
    double default_height; /* buildings: height when nothing says (0: 6.0) */
    bool replace;          /* swap in a new version of an existing dataset */
    bool quiet;            /* no progress bar */
};

/* What an import did; the full detail goes to the JSON report. */
struct imp_report {
    char name[64];
    char table[80];        /* data."name" as written */
    char kind[16];
    int storage_srid;
    char source_srs[64];
    int version;
    uint64_t read;         /* features the kind selected from the source */
    uint64_t written;
    uint64_t skipped;      /* selected but unusable (no, empty or wrong geometry) */
    uint64_t repaired;     /* invalid geometries made valid */
    uint64_t closed_columns;
    /* buildings only: where heights came from (attribute, storeys x storey height, default) */
    long long heights_from_attribute, heights_from_storeys, heights_default;
    double default_height;
    /* network only */
    long long edges, nodes, components, dangling, points, points_tied;
    double seconds;
};

/* Registers GDAL's drivers and sets GDAL's process-wide options. Call once at start-up. */
void imp_init(void);

/* Whether `kind` names an importer, and whether it is built yet. */
bool imp_kind_known(const char *kind);
bool imp_kind_available(const char *kind);

/* Imports per `opt` over `conn` (an open connection to a migrated database). Errors name the
 * file and, where it matters, the feature: JM_EINPUT for a bad source, JM_EEXISTS when the
 * dataset exists and opt->replace is false, JM_EDB for database failures. */
enum jm_status imp_run(PGconn *conn, const struct imp_options *opt, struct imp_report *report, struct err *e);

/* The names of the kinds, for messages: "cadastre, buildings, network, …". */
const char *imp_kind_names(void);

/* Dataset names are at most 48 bytes, so that data.<name>_<part> and the staging names of an
 * import stay within PostgreSQL's 63-byte identifiers. */
#define IMP_NAME_MAX 48

/* Derives a dataset name from a file name: lowercase letters, digits and '_', starting with a
 * letter, at most IMP_NAME_MAX bytes ("Liechtenstein-2013.osm.pbf" -> "liechtenstein_2013"). */
void imp_name_from_file(const char *path, char out[64]);

/* Whether `name` is a valid dataset name (what the registry accepts). */
bool imp_name_valid(const char *name);

#endif
