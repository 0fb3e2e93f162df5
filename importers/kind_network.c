/* network: lines (roads, railways, waterways, pipes, cables) made into a routable topology by
 * network_topology.c; the type of each line is kept per edge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imp_internal.h"
#include "imp_job.h"
#include "network_topology.h"

static const struct imp__column columns[] = {
    {"network_type", "text"},
    {"oneway", "text"},
};

/* Fields that say what network a line belongs to, most specific first. */
static const char *const type_names[] = {"network_type", "system_type", "network", "system", "utility", "reseau",
                                         "netwerk", "type", "class", NULL};
static const char *const oneway_names[] = {"oneway", "one_way", "sens_unique", NULL};
/* OSM: the key that makes a line part of a network; its name is the network type */
static const char *const osm_keys[] = {"highway", "railway", "waterway", "power", "pipeline"};

struct network {
    int type, oneway;
    int osm_fields[sizeof osm_keys / sizeof osm_keys[0]]; /* columns for keys GDAL promotes */
};

static enum jm_status prepare(struct imp__job *j, struct err *e)
{
    struct network *n = calloc(1, sizeof *n);
    if (!n)
        return err_set(e, JM_EINTERNAL, "out of memory");
    j->kind_state = n;
    n->type = j->osm ? -1 : imp__field(j, type_names);
    n->oneway = imp__field(j, oneway_names);
    for (size_t k = 0; k < sizeof osm_keys / sizeof osm_keys[0]; k++) {
        const char *one[] = {osm_keys[k], NULL};
        n->osm_fields[k] = j->osm ? imp__field(j, one) : -1;
    }
    if (n->type >= 0)
        imp__note(j, "network_type_column",
                  OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(OGR_L_GetLayerDefn(j->src.layer), n->type)));
    return JM_OK;
}

static bool write_values(struct imp__job *j, OGRFeatureH f, struct buf *row)
{
    const struct network *n = j->kind_state;
    char v[256];
    bool have_type = false;
    if (j->osm) {
        for (size_t k = 0; k < sizeof osm_keys / sizeof osm_keys[0] && !have_type; k++)
            if (imp__value(j, f, n->osm_fields[k], n->osm_fields[k] < 0 ? osm_keys[k] : NULL, v, sizeof v)) {
                snprintf(v, sizeof v, "%s", osm_keys[k]);
                have_type = true;
            }
    } else {
        have_type = imp__value(j, f, n->type, NULL, v, sizeof v);
    }
    bool ok = buf_putc(row, '\t') && (have_type ? imp__copy_text(row, v) : buf_puts(row, "\\N"));
    bool have_oneway = imp__value(j, f, n->oneway, n->oneway < 0 ? "oneway" : NULL, v, sizeof v);
    return ok && buf_putc(row, '\t') && (have_oneway ? imp__copy_text(row, v) : buf_puts(row, "\\N"));
}

static enum jm_status finish(struct imp__job *j, struct err *e)
{
    char raw[128], edges[128], nodes[128], points[128];
    snprintf(raw, sizeof raw, "%s_raw", j->staging);
    snprintf(edges, sizeof edges, "%s", j->staging);
    snprintf(nodes, sizeof nodes, "%s_nodes", j->staging);
    snprintf(points, sizeof points, "%s_points", j->staging);
    struct imp__network_report r;
    memset(&r, 0, sizeof r);
    double snap = j->opt->snap_m > 0 ? j->opt->snap_m : 0.01;
    enum jm_status rc = imp__network_build(j->conn, raw, edges, nodes, j->opt->points ? points : NULL,
                                           j->src.storage_srid, snap, &r, e);
    if (rc)
        return rc;
    j->report->edges = r.edges;
    j->report->nodes = r.nodes;
    j->report->components = r.components;
    j->report->dangling = r.dangling;
    j->report->points = r.points;
    j->report->points_tied = r.points_tied;
    char text[64];
    snprintf(text, sizeof text, "%.3f", snap);
    imp__note(j, "snap_m", text);
    snprintf(text, sizeof text, "%.2f", r.seconds);
    imp__note(j, "topology_seconds", text);
    return JM_OK;
}

const struct imp__kind imp__kind_network = {
    .name = "network",
    .available = true,
    .geometry = IMP_GEOM_LINES,
    .osm_layer = "lines",
    .osm_filter = "highway IS NOT NULL OR waterway IS NOT NULL OR other_tags LIKE '%\"railway\"=>%' OR "
                  "other_tags LIKE '%\"power\"=>%' OR other_tags LIKE '%\"pipeline\"=>%'",
    .load_suffix = "_raw",
    .columns = columns,
    .ncolumns = (int)(sizeof columns / sizeof columns[0]),
    .prepare = prepare,
    .write_values = write_values,
    .finish = finish,
};
