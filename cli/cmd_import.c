/* jumeau import KIND FILE [options] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "imp.h"
#include "parse.h"

static const struct cli_opt opts[] = {
    {"--name", "NAME", "dataset name (default: from the file name)"},
    {"--layer", "L", "the layer to read when the file has several"},
    {"--where", "SQL", "keep the source features this OGR SQL filter selects, e.g. \"type = 'house'\""},
    {"--srs", "EPSG:n", "the source CRS, when the file has none or states a wrong one"},
    {"--access", "LEVEL", "open (default), shared or closed"},
    {"--closed", "COL,…", "columns holding personal data: kept in the closed schema (well-known ones are found)"},
    {"--id-column", "COL", "cadastre: the column of the national parcel identifier"},
    {"--title", "T", "the dataset's title (default: its name)"},
    {"--licence", "L", "the dataset's licence, e.g. ODbL-1.0 or CC-BY-4.0"},
    {"--producer", "P", "who produced the data"},
    {"--frequency", "F", "how often it is updated: daily, weekly, monthly, annual, irregular…"},
    {"--snap", "M", "network: noding tolerance in metres (default 0.01)"},
    {"--points", "FILE", "network: point features (manholes, valves…) tied to the nearest node"},
    {"--storey-height", "M", "buildings: metres per storey when only storeys are known (default 3)"},
    {"--default-height", "M", "buildings: height when nothing says (default 6)"},
    {"--report", "FILE", "write the full import report as JSON"},
    {"--replace", NULL, "import a new version of an existing dataset"},
    {NULL, NULL, NULL},
};

static const char usage[] = "jumeau import cadastre|buildings|network|citygml|cityjson|ifc FILE [options]";
static const char summary[] =
    "Loads FILE (any vector format GDAL reads) as a dataset: one table data.NAME in the dataset's\n"
    "projected CRS, indexed, registered with its metadata, all in one transaction.";

enum jm_status cmd_import(struct cli_ctx *ctx, struct err *e)
{
    static const struct cli_help help = {"import", usage, summary, opts};
    struct cli_parsed p;
    enum jm_status rc = cli_begin(ctx, &help, &p, e);
    if (rc || p.help)
        return rc;
    if (p.npos != 2)
        return err_set(e, JM_EINPUT, "expected a kind and a file (usage: %s)", usage);
    const char *kind = p.pos[0];
    if (!imp_kind_known(kind))
        return err_set(e, JM_EINPUT, "unknown kind '%s' (usage: %s)", kind, usage);
    if (!imp_kind_available(kind))
        return err_set(e, JM_ENOTYET, "'jumeau import %s' is not yet available in this version of jumeau", kind);
    double snap = 0, storey = 0, dflt = 0;
    static const char *const metres[] = {"--snap", "--storey-height", "--default-height"};
    double *targets[] = {&snap, &storey, &dflt};
    for (int i = 0; i < 3; i++) {
        const char *v = cli_get(&p, opts, metres[i]);
        if (v && !parse_double(v, targets[i]))
            return err_set(e, JM_EINPUT, "%s: expected a number of metres, got '%s'", metres[i], v);
    }
    struct imp_options o = {
        .kind = kind,
        .file = p.pos[1],
        .name = cli_get(&p, opts, "--name"),
        .layer = cli_get(&p, opts, "--layer"),
        .where = cli_get(&p, opts, "--where"),
        .closed = cli_get(&p, opts, "--closed"),
        .id_column = cli_get(&p, opts, "--id-column"),
        .producer = cli_get(&p, opts, "--producer"),
        .frequency = cli_get(&p, opts, "--frequency"),
        .report = cli_get(&p, opts, "--report"),
        .points = cli_get(&p, opts, "--points"),
        .snap_m = snap,
        .storey_height = storey,
        .default_height = dflt,
        .srs = cli_get(&p, opts, "--srs"),
        .access = cli_get(&p, opts, "--access"),
        .title = cli_get(&p, opts, "--title"),
        .licence = cli_get(&p, opts, "--licence"),
        .replace = cli_get(&p, opts, "--replace") != NULL,
        .quiet = ctx->quiet,
    };
    struct db_target t;
    if ((rc = cli_db_ready(ctx, &t, e)))
        return rc;
    PGconn *conn = db_connect(t.conninfo, e);
    if (!conn)
        return JM_EDB;
    struct imp_report r;
    rc = imp_run(conn, &o, &r, e);
    PQfinish(conn);
    if (rc)
        return rc;
    if (!ctx->quiet) {
        const char *noun = strcmp(r.kind, "cadastre") == 0 ? "parcels" : strcmp(r.kind, "network") == 0 ? "lines" : strncmp(r.kind, "city", 4) == 0 ? "city objects" : r.kind;
        printf("imported %llu %s into %s (version %d, %s stored as EPSG:%d) in %.1f s; %llu read, %llu skipped, "
               "%llu repaired",
               (unsigned long long)r.written, noun, r.table, r.version, r.source_srs, r.storage_srid, r.seconds,
               (unsigned long long)r.read, (unsigned long long)r.skipped, (unsigned long long)r.repaired);
        if (r.closed_columns)
            printf(", %llu closed column%s", (unsigned long long)r.closed_columns, r.closed_columns > 1 ? "s" : "");
        if (strcmp(r.kind, "buildings") == 0)
            printf("; heights: %lld from the source, %lld from storeys, %lld set to the default %g m",
                   r.heights_from_attribute, r.heights_from_storeys, r.heights_default, r.default_height);
        if (strcmp(r.kind, "network") == 0) {
            printf("; topology: %lld edges, %lld nodes, ", r.edges, r.nodes);
            if (r.components >= 0)
                printf("%lld connected components, ", r.components);
            printf("%lld dangling ends", r.dangling);
            if (r.points)
                printf(", %lld of %lld points tied to a node", r.points_tied, r.points);
        }
        printf("\n");
    }
    return JM_OK;
}
