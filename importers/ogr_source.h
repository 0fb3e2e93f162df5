/* ogr_source: opening a source file through OGR and deciding its CRSs (prefix imp__).
 * Internal to the importers module. */
#ifndef JUMEAU_OGR_SOURCE_H
#define JUMEAU_OGR_SOURCE_H

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "err.h"

struct imp__source {
    GDALDatasetH ds;
    OGRLayerH layer;
    OGRSpatialReferenceH src_srs;      /* owned (a clone, or built from --srs) */
    OGRSpatialReferenceH dst_srs;      /* owned: the storage CRS */
    OGRCoordinateTransformationH ct;   /* owned; NULL when source and storage CRS are one */
    int storage_srid;
    char source_srs_name[64];          /* "EPSG:4326", or the CRS's name when it has no code */
    char driver[32];
};

/* What the kind asks of the source. */
struct imp__selection {
    const char *layer;        /* the caller's --layer, or NULL */
    const char *osm_layer;    /* for OSM sources: the layer the kind reads */
    const char *osm_filter;   /* and the OGR SQL filter that selects its features */
    const char *srs;          /* the caller's --srs, or NULL */
    const char *where;        /* the caller's --where (OGR SQL on attributes), or NULL */
    int storage_srid;         /* > 0: store in this CRS (a companion file of a dataset) */
};

/* Opens `path`, picks the layer, resolves the source CRS and the storage CRS (the source's
 * when projected; else the UTM zone of the data's centre) and the transformation.
 * Errors are JM_EINPUT naming the file. Release with imp__source_close() in every case. */
enum jm_status imp__source_open(struct imp__source *s, const char *path, const struct imp__selection *sel,
                                struct err *e);
void imp__source_close(struct imp__source *s);

#endif
