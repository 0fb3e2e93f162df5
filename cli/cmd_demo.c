/* jumeau demo: load the sample city (once) and serve it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "db.h"
#include "imp.h"
#include "server.h"

#ifndef JUMEAU_SAMPLES_DIR
#define JUMEAU_SAMPLES_DIR "data/samples"
#endif

/* The sample city. Each file is shipped in data/samples with its attribution (NOTICE.md).
 * It mixes countries on purpose (each dataset keeps its own projected CRS), and shows the
 * access levels at work: the sewer network is shared (partners only) and the buildings' names
 * are closed (staff only). */
static const struct sample {
    const char *kind, *file, *name, *title, *licence;
    const char *where, *srs, *access, *closed, *points;
} samples[] = {
    {"buildings", "liechtenstein-2013-08-03.osm.pbf", "liechtenstein_buildings",
     "Buildings of Liechtenstein (OpenStreetMap, 2013)", "ODbL-1.0, (c) OpenStreetMap contributors", NULL, NULL, "open",
     "name", NULL},
    {"network", "liechtenstein-2013-08-03.osm.pbf", "liechtenstein_roads",
     "Roads of Liechtenstein (OpenStreetMap, 2013)", "ODbL-1.0, (c) OpenStreetMap contributors", "highway IS NOT NULL",
     NULL, "open", NULL, NULL},
    {"network", "liechtenstein-2013-08-03.osm.pbf", "liechtenstein_waterways",
     "Waterways of Liechtenstein (OpenStreetMap, 2013)", "ODbL-1.0, (c) OpenStreetMap contributors",
     "waterway IS NOT NULL", NULL, "open", NULL, NULL},
    {"cadastre", "be_flanders_grb_adp_parcels_31370.geojson", "flanders_parcels",
     "Cadastral parcels near Leuven (GRB Adp, Lambert 72)", "Flemish open data (Modellicentie Gratis Hergebruik)", NULL,
     NULL, "open", NULL, NULL},
    {"network", "vt_montpelier_sewer_storm_lines.geojson", "montpelier_sewer",
     "Sewer and storm network of Montpelier, Vermont", "public data, Vermont ANR", NULL, NULL, "shared", NULL,
     "vt_montpelier_sewer_storm_points.geojson"},
    {"citygml", "sig3d_example_building_LOD2-EPSG25832_CityGML2.gml", "sig3d_building",
     "CityGML 2.0 LoD2 example building (SIG3D)", "MIT, (c) SIG3D / OGC", NULL, NULL, "open", NULL, NULL},
    {"citygml", "plateau_tokyo_53394517_bldg_6697_2_op_CityGML2.gml", "plateau_tokyo",
     "A Tokyo building with the PLATEAU ADE (CityGML 2.0)", "CC-BY-4.0, (c) Project PLATEAU, MLIT Japan", NULL, NULL,
     "open", NULL, NULL},
    {"cityjson", "delft_lod1_multiclass.city.json", "delft", "Delft, LoD1 city model (CityJSON 2.0)",
     "MIT, (c) cjio authors", NULL, NULL, "open", NULL, NULL},
    {"cityjson", "denhaag_DH_01_subs.city.json", "denhaag", "Den Haag, LoD2 buildings with parts (CityJSON 1.1)",
     "MIT, (c) cjio authors; Gemeente Den Haag", NULL, "EPSG:7415", "open", NULL, NULL},
};

static const struct cli_opt opts[] = {
    {"--samples", "DIR", "the folder of the sample files (default: the build's data/samples)"},
    {"--listen", "HOST:PORT", "the address to serve on (default 127.0.0.1:8080)"},
    {NULL, NULL, NULL},
};

enum jm_status cmd_demo(struct cli_ctx *ctx, struct err *e)
{
    static const struct cli_help help = {"demo", "jumeau demo [--samples DIR] [--listen HOST:PORT]",
                                         "Creates the database if needed, loads the sample city once, and serves it.",
                                         opts};
    struct cli_parsed p;
    enum jm_status rc = cli_begin(ctx, &help, &p, e);
    if (rc || p.help)
        return rc;
    const char *dir = cli_get(&p, opts, "--samples");
    if (!dir)
        dir = getenv("JUMEAU_SAMPLES");
    if (!dir || !*dir)
        dir = JUMEAU_SAMPLES_DIR;
    const char *listen = cli_get(&p, opts, "--listen");
    if (listen && (rc = config_parse_listen(listen, "--listen", ctx->cfg.listen_host, sizeof ctx->cfg.listen_host,
                                            &ctx->cfg.listen_port, e)))
        return rc;

    struct db_target t;
    if ((rc = db_target_resolve(&t, &ctx->cfg, e)) || (rc = db_target_ready(&t, true, NULL, e)))
        return rc;
    PGconn *conn = db_connect(t.conninfo, e);
    if (!conn)
        return JM_EDB;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0] && !rc; i++) {
        const struct sample *s = &samples[i];
        const char *params[] = {s->name};
        PGresult *r = db_query(conn, "SELECT 1 FROM jumeau.datasets WHERE name = $1", 1, params, e);
        if (!r) {
            rc = JM_EDB;
            break;
        }
        bool present = PQntuples(r) > 0;
        PQclear(r);
        if (present)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, s->file);
        if (access(path, R_OK) != 0) {
            rc = err_set(e, JM_EENV, "sample file %s is missing (give the samples folder with --samples DIR)", path);
            break;
        }
        char points[4096];
        if (s->points)
            snprintf(points, sizeof points, "%s/%s", dir, s->points);
        struct imp_options o = {.kind = s->kind,
                                .file = path,
                                .name = s->name,
                                .title = s->title,
                                .licence = s->licence,
                                .where = s->where,
                                .srs = s->srs,
                                .access = s->access,
                                .closed = s->closed,
                                .points = s->points ? points : NULL,
                                .quiet = ctx->quiet};
        struct imp_report rep;
        if ((rc = imp_run(conn, &o, &rep, e)))
            break;
        if (!ctx->quiet)
            printf("loaded %s: %llu features\n", s->name, (unsigned long long)rep.written);
    }
    PQfinish(conn);
    if (rc)
        return rc;
    if (!ctx->quiet)
        printf("the sample city is at http://%s:%d/viewer/ (and its API at /collections)\n", ctx->cfg.listen_host,
               ctx->cfg.listen_port);
    return server_run(&ctx->cfg, t.conninfo, !ctx->quiet, NULL, 0, e);
}
