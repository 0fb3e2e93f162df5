#include "ogr_source.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "imp_internal.h"
#include "parse.h"

void imp__source_close(struct imp__source *s)
{
    if (s->ct)
        OCTDestroyCoordinateTransformation(s->ct);
    if (s->src_srs)
        OSRRelease(s->src_srs);
    if (s->dst_srs)
        OSRRelease(s->dst_srs);
    if (s->ds)
        GDALClose(s->ds);
    memset(s, 0, sizeof *s);
}

static const char *gdal_reason(void)
{
    const char *msg = CPLGetLastErrorMsg();
    return msg && *msg ? msg : "unknown format or unreadable file";
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static enum jm_status list_layers(GDALDatasetH ds, const char *path, const char *why, struct err *e)
{
    struct buf names;
    buf_init(&names, 2048);
    int n = GDALDatasetGetLayerCount(ds);
    for (int i = 0; i < n; i++)
        buf_printf(&names, "%s%s", i ? ", " : "", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
    enum jm_status rc = err_set(e, JM_EINPUT, "%s: %s; its layers are: %s (choose one with --layer)", path, why,
                                buf_str(&names));
    buf_cleanup(&names);
    return rc;
}

static enum jm_status pick_layer(struct imp__source *s, const char *path, const struct imp__selection *sel,
                                 struct err *e)
{
    GDALDatasetH ds = s->ds;
    bool osm = strcmp(s->driver, "OSM") == 0;
    if (sel->layer) {
        s->layer = GDALDatasetGetLayerByName(ds, sel->layer);
        if (!s->layer) {
            char why[256];
            snprintf(why, sizeof why, "no layer named '%s'", sel->layer);
            return list_layers(ds, path, why, e);
        }
    } else if (osm && sel->osm_layer) {
        s->layer = GDALDatasetGetLayerByName(ds, sel->osm_layer);
    } else if (GDALDatasetGetLayerCount(ds) == 1) {
        s->layer = GDALDatasetGetLayer(ds, 0);
    } else if (GDALDatasetGetLayerCount(ds) == 0) {
        return err_set(e, JM_EINPUT, "%s: the file holds no vector layer", path);
    } else {
        return list_layers(ds, path, "the file has several layers", e);
    }
    if (!s->layer)
        return err_set(e, JM_EINPUT, "%s: no layer to read", path);
    /* the kind's OSM selection and the caller's --where, both when both apply */
    char filter[4096];
    const char *kind_filter = osm ? sel->osm_filter : NULL;
    if (kind_filter && sel->where)
        snprintf(filter, sizeof filter, "(%s) AND (%s)", kind_filter, sel->where);
    else
        snprintf(filter, sizeof filter, "%s", kind_filter ? kind_filter : sel->where ? sel->where : "");
    if (filter[0]) {
        CPLErrorReset();
        if (OGR_L_SetAttributeFilter(s->layer, filter) != OGRERR_NONE) {
            if (sel->where)
                return err_set(e, JM_EINPUT, "--where: '%s' is not a filter on %s (%s)", sel->where, path,
                               gdal_reason());
            return err_set(e, JM_EINPUT, "%s: cannot select features: %s", path, gdal_reason());
        }
    }
    return JM_OK;
}

/* The EPSG code of a CRS, identifying it when the file carries only its definition. */
static int epsg_code(OGRSpatialReferenceH srs)
{
    const char *target = OSRIsProjected(srs) ? "PROJCS" : OSRIsGeographic(srs) ? "GEOGCS" : NULL;
    const char *auth = OSRGetAuthorityName(srs, target);
    const char *code = OSRGetAuthorityCode(srs, target);
    long v;
    if (auth && code && strcasecmp(auth, "EPSG") == 0 && parse_long(code, 1, 999999, &v))
        return (int)v;
    int n = 0;
    int *confidence = NULL;
    OGRSpatialReferenceH *matches = OSRFindMatches(srs, NULL, &n, &confidence);
    int found = 0;
    if (matches && n > 0 && confidence[0] >= 90) {
        auth = OSRGetAuthorityName(matches[0], NULL);
        code = OSRGetAuthorityCode(matches[0], NULL);
        if (auth && code && strcasecmp(auth, "EPSG") == 0 && parse_long(code, 1, 999999, &v))
            found = (int)v;
    }
    OSRFreeSRSArray(matches);
    CPLFree(confidence);
    return found;
}

static enum jm_status resolve_crs(struct imp__source *s, const char *path, const char *user_srs, int forced_srid,
                                  struct err *e)
{
    if (user_srs) {
        s->src_srs = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(s->src_srs, user_srs) != OGRERR_NONE)
            return err_set(e, JM_EINPUT, "--srs: '%s' is not a CRS that PROJ knows (use EPSG:n)", user_srs);
    } else {
        OGRSpatialReferenceH layer_srs = OGR_L_GetSpatialRef(s->layer);
        if (!layer_srs)
            return err_set(e, JM_EINPUT, "%s: the file has no coordinate reference system: give it with --srs EPSG:n",
                           path);
        s->src_srs = OSRClone(layer_srs);
    }
    OSRSetAxisMappingStrategy(s->src_srs, OAMS_TRADITIONAL_GIS_ORDER);
    int src_code = epsg_code(s->src_srs);
    if (src_code)
        snprintf(s->source_srs_name, sizeof s->source_srs_name, "EPSG:%d", src_code);
    else
        snprintf(s->source_srs_name, sizeof s->source_srs_name, "%.63s", OSRGetName(s->src_srs) ? OSRGetName(s->src_srs) : "unknown");

    if (forced_srid > 0) {
        s->storage_srid = forced_srid;
    } else if (OSRIsProjected(s->src_srs)) {
        if (!src_code)
            return err_set(e, JM_EINPUT,
                           "%s: its projected CRS '%s' has no EPSG code: give the right one with --srs EPSG:n", path,
                           s->source_srs_name);
        s->storage_srid = src_code;
    } else if (OSRIsGeographic(s->src_srs)) {
        /* Store geographic data in the UTM zone of its centre: metres, for lengths, areas
         * and meshes, with distortion under 0.1 % across a municipality. */
        OGREnvelope env;
        if (OGR_L_GetExtent(s->layer, &env, TRUE) != OGRERR_NONE)
            return err_set(e, JM_EINPUT, "%s: cannot compute the extent of the layer", path);
        double lon = (env.MinX + env.MaxX) / 2, lat = (env.MinY + env.MaxY) / 2;
        if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
            return err_set(e, JM_EINPUT,
                           "%s: coordinates (%.6g, %.6g) are not longitudes and latitudes although the CRS %s is "
                           "geographic: give the right CRS with --srs EPSG:n",
                           path, lon, lat, s->source_srs_name);
        s->storage_srid = imp__utm_epsg(lon, lat);
    } else {
        return err_set(e, JM_EINPUT, "%s: CRS '%s' is neither projected nor geographic: give one with --srs EPSG:n",
                       path, s->source_srs_name);
    }
    s->dst_srs = OSRNewSpatialReference(NULL);
    if (OSRImportFromEPSG(s->dst_srs, s->storage_srid) != OGRERR_NONE)
        return err_set(e, JM_EINPUT, "EPSG:%d is unknown to PROJ", s->storage_srid);
    OSRSetAxisMappingStrategy(s->dst_srs, OAMS_TRADITIONAL_GIS_ORDER);
    if (!OSRIsSame(s->src_srs, s->dst_srs)) {
        s->ct = OCTNewCoordinateTransformation(s->src_srs, s->dst_srs);
        if (!s->ct)
            return err_set(e, JM_EINPUT, "%s: no transformation from %s to EPSG:%d: %s", path, s->source_srs_name,
                           s->storage_srid, gdal_reason());
    }
    return JM_OK;
}

enum jm_status imp__source_open(struct imp__source *s, const char *path, const struct imp__selection *sel,
                                struct err *e)
{
    memset(s, 0, sizeof *s);
    CPLErrorReset();
    s->ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!s->ds && ends_with(path, ".zip")) {
        /* a zipped shapefile or geopackage: read it where it lies, through /vsizip/ */
        char vsi[4200];
        snprintf(vsi, sizeof vsi, "/vsizip/%s", path);
        s->ds = GDALOpenEx(vsi, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    }
    if (!s->ds)
        return err_set(e, JM_EINPUT, "%s: not a vector file that GDAL can read (%s)", path, gdal_reason());
    snprintf(s->driver, sizeof s->driver, "%s", GDALGetDriverShortName(GDALGetDatasetDriver(s->ds)));
    /* GDAL reads a .shp whose .dbf is gone as geometry without attributes: for a data
     * steward that is a broken delivery, not a dataset */
    if (strcmp(s->driver, "ESRI Shapefile") == 0 && ends_with(path, ".shp")) {
        char dbf[4200];
        size_t stem = strlen(path) - 4;
        snprintf(dbf, sizeof dbf, "%.*s.dbf", (int)stem, path);
        bool found = access(dbf, R_OK) == 0;
        snprintf(dbf, sizeof dbf, "%.*s.DBF", (int)stem, path);
        found = found || access(dbf, R_OK) == 0;
        if (!found)
            return err_set(e, JM_EINPUT, "%s: its .dbf file (the attributes) is missing: a Shapefile needs its .shp, "
                                         ".shx and .dbf side by side",
                           path);
    }
    enum jm_status rc = pick_layer(s, path, sel, e);
    if (!rc)
        rc = resolve_crs(s, path, sel->srs, sel->storage_srid, e);
    return rc;
}
