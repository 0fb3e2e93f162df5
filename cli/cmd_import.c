/* jumeau import KIND FILE [options] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "imp.h"

static const struct cli_opt opts[] = {
    {"--name", "NAME", "dataset name (default: from the file name)"},
    {"--layer", "L", "the layer to read when the file has several"},
    {"--srs", "EPSG:n", "the source CRS, when the file has none or states a wrong one"},
    {"--access", "LEVEL", "open (default), shared or closed"},
    {"--title", "T", "the dataset's title (default: its name)"},
    {"--licence", "L", "the dataset's licence, e.g. ODbL-1.0 or CC-BY-4.0"},
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
    struct imp_options o = {
        .kind = kind,
        .file = p.pos[1],
        .name = cli_get(&p, opts, "--name"),
        .layer = cli_get(&p, opts, "--layer"),
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
    if (!ctx->quiet)
        printf("imported %llu %s into %s (version %d, %s stored as EPSG:%d) in %.1f s; %llu read, %llu skipped\n",
               (unsigned long long)r.written, r.kind, r.table, r.version, r.source_srs, r.storage_srid, r.seconds,
               (unsigned long long)r.read, (unsigned long long)r.skipped);
    return JM_OK;
}
