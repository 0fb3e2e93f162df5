#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "log.h"

/* Keeps the first line of a libpq message, without the "connection to server … failed:"
 * preamble that repeats what we already say. */
static void first_line(const char *msg, char *out, size_t size)
{
    const char *failed = strstr(msg, "failed: ");
    if (failed && failed - msg < 200)
        msg = failed + 8;
    size_t n = strcspn(msg, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(out, msg, n);
    out[n] = '\0';
}

PGconn *db_connect(const char *conninfo, struct err *e)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (conn && PQstatus(conn) == CONNECTION_OK) {
        /* jumeau's own notices (IF NOT EXISTS …) are noise for users; JIT compilation costs
         * hundreds of milliseconds on the PostGIS functions' high costs and pays for none of
         * our queries (a 3D tileset summary went from 330 ms to 53 ms without it) */
        PQclear(PQexec(conn, "SET client_min_messages = warning; SET jit = off"));
        return conn;
    }
    char target[512], why[512];
    config_redact_url(conninfo, target, sizeof target);
    first_line(conn ? PQerrorMessage(conn) : "out of memory", why, sizeof why);
    const char *hint = "check the URL given with --db or JUMEAU_DB, and that the server runs";
    if (strstr(why, "password"))
        hint = "check the user name and password in the URL given with --db or JUMEAU_DB";
    err_set(e, JM_EDB, "cannot connect to the database %s: %s (%s)", target, why, hint);
    PQfinish(conn);
    return NULL;
}

static PGresult *checked(PGconn *conn, PGresult *res, const char *sql, struct err *e);

PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params, struct err *e)
{
    return checked(conn, PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0), sql, e);
}

PGresult *db_query_prepared(PGconn *conn, const char *name, int nparams, const char *const *params, struct err *e)
{
    return checked(conn, PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0), name, e);
}

enum jm_status db_prepare_all(PGconn *conn, const struct db_statement *list, size_t count, struct err *e)
{
    for (size_t i = 0; i < count; i++) {
        PGresult *res = checked(conn, PQprepare(conn, list[i].name, list[i].sql, list[i].nparams, NULL), list[i].sql, e);
        if (!res)
            return e ? e->code : JM_EDB;
        PQclear(res);
    }
    return JM_OK;
}

/* The result when it succeeded; else NULL and the error, classified. */
static PGresult *checked(PGconn *conn, PGresult *res, const char *sql, struct err *e)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    char why[512];
    first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(conn), why, sizeof why);
    log_debug("query failed: %s -- %s", why, sql);
    /* the server is gone (JM_EDB, 503), the statement ran out of time (JM_ELIMIT), or the
     * statement itself failed: with every input bound as a parameter, that is a bug */
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    enum jm_status code = JM_EDB;
    if (PQstatus(conn) == CONNECTION_OK && state && strcmp(state, "57014") == 0)
        code = JM_ELIMIT;
    else if (PQstatus(conn) == CONNECTION_OK && state && strncmp(state, "08", 2) != 0 && strncmp(state, "57", 2) != 0 &&
             strncmp(state, "53", 2) != 0)
        code = JM_EINTERNAL;
    err_set(e, code, "database error: %s", why);
    PQclear(res);
    return NULL;
}

enum jm_status db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params, struct err *e)
{
    PGresult *res = db_query(conn, sql, nparams, params, e);
    if (!res)
        return JM_EDB;
    PQclear(res);
    return JM_OK;
}

enum jm_status db_exec_script(PGconn *conn, const char *sql, struct err *e)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        PQclear(res);
        return JM_OK;
    }
    char why[512];
    first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(conn), why, sizeof why);
    log_debug("script failed: %s -- %s", why, sql);
    PQclear(res);
    return err_set(e, JM_EDB, "database error: %s", why);
}

char *db_query_value(PGconn *conn, const char *sql, int nparams, const char *const *params, struct err *e)
{
    PGresult *res = db_query(conn, sql, nparams, params, e);
    char *v = NULL;
    if (res && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
        v = strdup(PQgetvalue(res, 0, 0));
        if (!v)
            err_set(e, JM_EINTERNAL, "out of memory");
    }
    PQclear(res);
    return v;
}

bool db_quote_ident(struct buf *out, const char *name)
{
    /* The standard rule, as PQescapeIdentifier applies it: wrap in double quotes and
     * double any embedded quote. Written here so that it needs no connection. */
    if (!buf_putc(out, '"'))
        return false;
    for (const char *p = name; *p; p++)
        if ((*p == '"' && !buf_putc(out, '"')) || !buf_putc(out, *p))
            return false;
    return buf_putc(out, '"');
}

static enum jm_status ensure_extensions(PGconn *conn, struct err *e)
{
    char *have = db_query_value(conn, "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'", 0,
                                NULL, e);
    if (!have)
        return JM_EDB;
    bool postgis = strcmp(have, "0") != 0;
    free(have);
    if (!postgis)
        return err_set(e, JM_EENV,
                       "PostGIS is not installed on this PostgreSQL server (install the package "
                       "postgresql-15-postgis-3, or run 'make deps')");
    if (db_exec(conn, "CREATE EXTENSION IF NOT EXISTS postgis", 0, NULL, e))
        return err_prefix(e, "cannot enable PostGIS (a superuser may have to run CREATE EXTENSION postgis): ");
    char *routing = db_query_value(
        conn,
        "SELECT count(*) FROM pg_available_extensions a WHERE a.name = 'pgrouting' "
        "AND (a.installed_version IS NOT NULL OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user "
        "AND rolsuper))",
        0, NULL, e);
    if (!routing)
        return JM_EDB;
    bool can_route = strcmp(routing, "0") != 0;
    free(routing);
    if (can_route) {
        if (db_exec(conn, "CREATE EXTENSION IF NOT EXISTS pgrouting", 0, NULL, e))
            return JM_EDB;
    } else {
        log_info("pgRouting is not available on this server: network routing will be off");
    }
    return JM_OK;
}

int db_schema_version(PGconn *conn, struct err *e)
{
    char *v = db_query_value(conn,
                             "SELECT CASE WHEN to_regclass('jumeau.schema_migrations') IS NULL THEN 0 "
                             "ELSE (SELECT coalesce(max(version), 0) FROM jumeau.schema_migrations) END",
                             0, NULL, e);
    if (!v)
        return -1;
    int version = (int)strtol(v, NULL, 10); /* an integer printed by PostgreSQL */
    free(v);
    return version;
}

/* An arbitrary key for pg_advisory_xact_lock: "jumeau-migrate". */
#define MIGRATION_LOCK_KEY "7236521890017"

static enum jm_status apply_one(PGconn *conn, const struct db_migration *m, bool *applied, struct err *e)
{
    *applied = false;
    enum jm_status rc = db_exec(conn, "BEGIN", 0, NULL, e);
    if (rc)
        return rc;
    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[] = {version, m->name};
    PGresult *done = NULL;
    if ((rc = db_exec(conn, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ")", 0, NULL, e)))
        goto out;
    if ((rc = db_exec_script(conn,
                      "CREATE SCHEMA IF NOT EXISTS jumeau; "
                      "CREATE TABLE IF NOT EXISTS jumeau.schema_migrations ("
                      " version integer PRIMARY KEY, name text NOT NULL,"
                      " applied_at timestamptz NOT NULL DEFAULT now())",
                      e)))
        goto out;
    done = db_query(conn, "SELECT 1 FROM jumeau.schema_migrations WHERE version = $1::int", 1, params, e);
    if (!done) {
        rc = JM_EDB;
        goto out;
    }
    if (PQntuples(done) == 0) {
        if ((rc = db_exec_script(conn, m->sql, e))) {
            err_prefix(e, "migration %s failed: ", m->name);
            goto out;
        }
        if ((rc = db_exec(conn, "INSERT INTO jumeau.schema_migrations (version, name) VALUES ($1::int, $2)", 2,
                          params, e)))
            goto out;
        *applied = true;
    }
    PQclear(done);
    return db_exec(conn, "COMMIT", 0, NULL, e);
out:
    PQclear(done);
    PQclear(PQexec(conn, "ROLLBACK"));
    *applied = false;
    return rc;
}

enum jm_status db_migrate(PGconn *conn, const struct db_migration *list, size_t count, int *applied,
                          struct err *e)
{
    if (applied)
        *applied = 0;
    /* the common case, every command on a ready database: one round trip */
    if (count > 0) {
        char *ready = db_query_value(conn,
                                     "SELECT to_regclass('jumeau.schema_migrations') IS NOT NULL"
                                     " AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')",
                                     0, NULL, e);
        bool up_to_date = ready && strcmp(ready, "t") == 0 && db_schema_version(conn, e) == list[count - 1].version;
        free(ready);
        if (up_to_date)
            return JM_OK;
        if (e && e->code)
            return e->code;
    }
    enum jm_status rc = ensure_extensions(conn, e);
    if (rc)
        return rc;
    for (size_t i = 0; i < count; i++) {
        bool now = false;
        if ((rc = apply_one(conn, &list[i], &now, e)))
            return rc;
        if (now) {
            log_info("applied migration %s", list[i].name);
            if (applied)
                (*applied)++;
        }
    }
    return JM_OK;
}

enum jm_status db_copy_begin(PGconn *conn, const char *sql, struct err *e)
{
    PGresult *res = PQexec(conn, sql);
    bool started = PQresultStatus(res) == PGRES_COPY_IN;
    PQclear(res);
    return started ? JM_OK : err_set(e, JM_EDB, "cannot start COPY: %s", PQerrorMessage(conn));
}

enum jm_status db_copy_end(PGconn *conn, enum jm_status rc, struct err *e)
{
    PQputCopyEnd(conn, rc ? "import failed" : NULL);
    PGresult *res;
    while ((res = PQgetResult(conn))) {
        if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = err_set(e, JM_EDB, "COPY failed: %s", PQresultErrorMessage(res));
        PQclear(res);
    }
    return rc;
}
