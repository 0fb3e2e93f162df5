/* jumeau db init | start | stop | status | migrate */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"

static const char usage[] = "jumeau db init | start | stop | status | migrate";
static const char summary[] =
    "init     create the private PostgreSQL + PostGIS cluster under the home (or prepare --db URL)\n"
    "start    start the private cluster\n"
    "stop     stop the private cluster\n"
    "status   say whether the database runs, and its versions\n"
    "migrate  apply the schema migrations not yet applied (idempotent)";

static enum jm_status refuse_external(const struct db_target *t, const char *what, struct err *e)
{
    return err_set(e, JM_EINPUT, "the database is external (%s): jumeau does not %s it", t->display, what);
}

/* Prints `state` and the versions of a running database; used by status. */
static enum jm_status print_versions(const struct db_target *t, const char *state, struct err *e)
{
    PGconn *conn = db_connect(t->conninfo, e);
    if (!conn)
        return JM_EDB;
    PGresult *r = db_query(conn,
                           "SELECT current_setting('server_version'),"
                           " (SELECT extversion FROM pg_extension WHERE extname = 'postgis'),"
                           " (SELECT extversion FROM pg_extension WHERE extname = 'pgrouting'),"
                           " CASE WHEN to_regclass('jumeau.schema_migrations') IS NULL THEN 0"
                           " ELSE (SELECT coalesce(max(version), 0) FROM jumeau.schema_migrations) END,"
                           " CASE WHEN to_regclass('jumeau.datasets') IS NULL THEN 0"
                           " ELSE (SELECT count(*) FROM jumeau.datasets) END",
                           0, NULL, e);
    if (!r) {
        PQfinish(conn);
        return JM_EDB;
    }
    printf("%s\npostgresql: %s\npostgis: %s\npgrouting: %s\nschema version: %s (this jumeau knows %zu)\ndatasets: %s\n",
           state, PQgetvalue(r, 0, 0), PQgetisnull(r, 0, 1) ? "not enabled" : PQgetvalue(r, 0, 1),
           PQgetisnull(r, 0, 2) ? "not enabled" : PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
           db_migrations_count ? (size_t)db_migrations[db_migrations_count - 1].version : (size_t)0,
           PQgetvalue(r, 0, 4));
    PQclear(r);
    PQfinish(conn);
    return JM_OK;
}

static enum jm_status db_init(struct cli_ctx *ctx, struct db_target *t, struct err *e)
{
    if (t->embedded && db_cluster_state(&t->cluster) != DB_CLUSTER_ABSENT) {
        printf("a database already exists in %s: nothing changed ('jumeau db status' tells its state)\n",
               t->display);
        return JM_OK;
    }
    int applied = 0;
    enum jm_status rc = db_target_ready(t, true, &applied, e);
    if (rc)
        return rc;
    if (!ctx->quiet) {
        if (t->embedded)
            printf("created and started a PostgreSQL + PostGIS database in %s (%d migrations applied)\n", t->display,
                   applied);
        else
            printf("prepared the database %s (%d migrations applied)\n", t->display, applied);
    }
    return JM_OK;
}

enum jm_status cmd_db(struct cli_ctx *ctx, struct err *e)
{
    static const struct cli_help help = {"db", usage, summary, NULL};
    struct cli_parsed p;
    enum jm_status rc = cli_begin(ctx, &help, &p, e);
    if (rc || p.help)
        return rc;
    if (p.npos != 1)
        return err_set(e, JM_EINPUT, "expected one of init, start, stop, status, migrate (usage: %s)", usage);
    const char *action = p.pos[0];
    struct db_target t;
    if ((rc = db_target_resolve(&t, &ctx->cfg, e)))
        return rc;

    if (strcmp(action, "init") == 0)
        return db_init(ctx, &t, e);
    if (strcmp(action, "start") == 0) {
        if (!t.embedded)
            return refuse_external(&t, "start", e);
        if ((rc = db_target_ready(&t, false, NULL, e)))
            return rc;
        if (!ctx->quiet)
            printf("running: %s (pid %ld)\n", t.display, db_cluster_pid(&t.cluster));
        return JM_OK;
    }
    if (strcmp(action, "stop") == 0) {
        if (!t.embedded)
            return refuse_external(&t, "stop", e);
        if (db_cluster_state(&t.cluster) == DB_CLUSTER_ABSENT)
            return err_set(e, JM_EINPUT, "no database in %s to stop", t.display);
        if ((rc = db_cluster_stop(&t.cluster, e)))
            return rc;
        if (!ctx->quiet)
            printf("stopped: %s\n", t.display);
        return JM_OK;
    }
    if (strcmp(action, "status") == 0) {
        if (t.embedded) {
            enum db_cluster_state s = db_cluster_state(&t.cluster);
            if (s == DB_CLUSTER_ABSENT) {
                printf("state: not initialised (%s; run 'jumeau db init')\n", t.display);
                return JM_OK;
            }
            if (s == DB_CLUSTER_STOPPED) {
                printf("state: stopped (%s)\n", t.display);
                return JM_OK;
            }
        }
        char state[4200];
        if (t.embedded)
            snprintf(state, sizeof state, "state: running (%s, pid %ld)", t.display, db_cluster_pid(&t.cluster));
        else
            snprintf(state, sizeof state, "state: external (%s)", t.display);
        return print_versions(&t, state, e);
    }
    if (strcmp(action, "migrate") == 0) {
        int applied = 0;
        if ((rc = db_target_ready(&t, false, &applied, e)))
            return rc;
        if (!ctx->quiet)
            printf("%d migration%s applied; the schema is at version %d\n", applied, applied == 1 ? "" : "s",
                   db_migrations_count ? db_migrations[db_migrations_count - 1].version : 0);
        return JM_OK;
    }
    return err_set(e, JM_EINPUT, "unknown action 'db %s' (usage: %s)", action, usage);
}
