#include "db_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

enum jm_status db_target_resolve(struct db_target *t, const struct config *cfg, struct err *e)
{
    memset(t, 0, sizeof *t);
    if (cfg->db_url[0]) {
        snprintf(t->conninfo, sizeof t->conninfo, "%s", cfg->db_url);
        config_redact_url(cfg->db_url, t->display, sizeof t->display);
        return JM_OK;
    }
    t->embedded = true;
    snprintf(t->display, sizeof t->display, "%s", cfg->home);
    enum jm_status rc = db_cluster_open(&t->cluster, cfg->home, e);
    if (rc)
        return rc;
    db_cluster_conninfo(&t->cluster, DB_NAME, t->conninfo, sizeof t->conninfo);
    return JM_OK;
}

/* The private cluster's database is made on demand: after init, and again should someone
 * have dropped it. */
static enum jm_status ensure_database(struct db_cluster *c, struct err *e)
{
    char admin[4096];
    db_cluster_conninfo(c, "postgres", admin, sizeof admin);
    PGconn *conn = db_connect(admin, e);
    if (!conn)
        return JM_EDB;
    const char *params[] = {DB_NAME};
    PGresult *res = db_query(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, params, e);
    enum jm_status rc = res ? JM_OK : JM_EDB;
    if (res && PQntuples(res) == 0) {
        log_info("creating database %s", DB_NAME);
        rc = db_exec(conn, "CREATE DATABASE " DB_NAME, 0, NULL, e);
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static enum jm_status migrate(const char *conninfo, int *applied, struct err *e)
{
    PGconn *conn = db_connect(conninfo, e);
    if (!conn)
        return JM_EDB;
    enum jm_status rc = db_migrate(conn, db_migrations, db_migrations_count, applied, e);
    PQfinish(conn);
    return rc;
}

struct prepare_ctx {
    struct db_target *target;
    int *applied;
};

/* db_cluster_prepare_fn: a new cluster gets its database, PostGIS and schema before it is
 * named complete. */
static enum jm_status prepare_new_cluster(struct db_cluster *c, void *ctx, struct err *e)
{
    struct prepare_ctx *p = ctx;
    enum jm_status rc = ensure_database(c, e);
    return rc ? rc : migrate(p->target->conninfo, p->applied, e);
}

enum jm_status db_target_ready(struct db_target *t, bool create, int *applied, struct err *e)
{
    enum jm_status rc;
    if (t->embedded) {
        bool created = false;
        struct prepare_ctx ctx = {t, applied};
        if (create && (rc = db_cluster_create(&t->cluster, prepare_new_cluster, &ctx, &created, e)))
            return rc;
        if ((rc = db_cluster_start(&t->cluster, e)) || (rc = ensure_database(&t->cluster, e)))
            return rc;
        if (created) /* migrated while it was being made */
            return JM_OK;
    }
    return migrate(t->conninfo, applied, e);
}
