/* jumeau datasets list | show NAME | set NAME KEY=VALUE… | drop NAME */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "db.h"
#include "imp.h"
#include "parse.h"

static const char usage[] = "jumeau datasets list | show NAME | set NAME KEY=VALUE… | drop NAME";
static const char summary[] =
    "list   every dataset: name, kind, access level, features, version, title\n"
    "show   one dataset's metadata\n"
    "set    change metadata: title, description, licence, producer, frequency, keywords (comma-separated),\n"
    "       minzoom, maxzoom (the vector tiles' zoom range; empty for the kind's default),\n"
    "       access (open, shared, closed)\n"
    "drop   remove a dataset and its table";

/* The metadata `set` may change, and the registry column behind each key. */
static const struct settable {
    const char *key;
    const char *sql; /* an UPDATE with $1 = name, $2 = value */
} settables[] = {
    {"title", "UPDATE jumeau.datasets SET title = $2, updated_at = now() WHERE name = $1"},
    {"description", "UPDATE jumeau.datasets SET description = $2, updated_at = now() WHERE name = $1"},
    {"licence", "UPDATE jumeau.datasets SET licence = $2, updated_at = now() WHERE name = $1"},
    {"producer", "UPDATE jumeau.datasets SET producer = $2, updated_at = now() WHERE name = $1"},
    {"frequency", "UPDATE jumeau.datasets SET update_frequency = $2, updated_at = now() WHERE name = $1"},
    {"keywords", "UPDATE jumeau.datasets SET keywords = coalesce(array_remove(string_to_array($2, ','), ''), '{}'),"
                 " updated_at = now() WHERE name = $1"},
    {"minzoom", "UPDATE jumeau.datasets SET tile_min_zoom = nullif($2, '')::int, version = version + 1,"
                " updated_at = now() WHERE name = $1"},
    {"maxzoom", "UPDATE jumeau.datasets SET tile_max_zoom = nullif($2, '')::int, version = version + 1,"
                " updated_at = now() WHERE name = $1"},
    {"access", NULL}, /* also moves the table's grant: see set_access() */
};

static void audit(PGconn *conn, const char *action, const char *name, const char *detail)
{
    char user[64];
    cli_principal(user, sizeof user);
    const char *params[] = {user, action, name, detail};
    db_exec(conn, "INSERT INTO jumeau.audit_log (principal, action, target, detail) VALUES ($1, $2, $3, $4::jsonb)", 4,
            params, NULL);
}

static enum jm_status list(PGconn *conn, struct err *e)
{
    PGresult *r = db_query(conn,
                           "SELECT name, kind, access_level, feature_count, version, title FROM jumeau.datasets "
                           "ORDER BY name",
                           0, NULL, e);
    if (!r)
        return JM_EDB;
    printf("%-32s %-10s %-7s %10s %7s  %s\n", "NAME", "KIND", "ACCESS", "FEATURES", "VERSION", "TITLE");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%-32s %-10s %-7s %10s %7s  %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
               PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
    PQclear(r);
    return JM_OK;
}

static enum jm_status show(PGconn *conn, const char *name, struct err *e)
{
    const char *params[] = {name};
    PGresult *r = db_query(conn,
                           "SELECT name, kind, title, description, licence, producer, access_level, update_frequency,"
                           " array_to_string(keywords, ', '), source_srs, 'EPSG:' || storage_srid, source_file,"
                           " source_sha256, version, feature_count, array_to_string(bbox_4326, ', '), created_at,"
                           " updated_at FROM jumeau.datasets WHERE name = $1",
                           1, params, e);
    if (!r)
        return JM_EDB;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return err_set(e, JM_ENOTFOUND, "no dataset named '%s' (see jumeau datasets list)", name);
    }
    static const char *const labels[] = {"name", "kind", "title", "description", "licence", "producer", "access",
                                         "frequency", "keywords", "source crs", "storage crs", "source file",
                                         "source sha256", "version", "features", "bbox (lon/lat)", "created",
                                         "updated"};
    for (int c = 0; c < PQnfields(r) && c < (int)(sizeof labels / sizeof labels[0]); c++)
        printf("%-15s %s\n", labels[c], PQgetvalue(r, 0, c));
    PQclear(r);
    return JM_OK;
}

static const char *reader_role(const char *level)
{
    return strcmp(level, "closed") == 0 ? "jumeau_internal" : strcmp(level, "shared") == 0 ? "jumeau_shared"
                                                                                          : "jumeau_open";
}

/* Moves the table to the readers of the new level, and the registry with it, atomically. */
static enum jm_status set_access(PGconn *conn, const char *name, const char *level, struct err *e)
{
    if (strcmp(level, "open") && strcmp(level, "shared") && strcmp(level, "closed"))
        return err_set(e, JM_EINPUT, "access: expected open, shared or closed, got '%s'", level);
    struct buf sql;
    buf_init(&sql, 4096);
    buf_puts(&sql, "REVOKE ALL ON data.");
    db_quote_ident(&sql, name);
    buf_puts(&sql, " FROM jumeau_open, jumeau_shared, jumeau_internal; GRANT SELECT ON data.");
    db_quote_ident(&sql, name);
    buf_printf(&sql, " TO %s", reader_role(level));
    const char *params[] = {name, level};
    enum jm_status rc = sql.overflow ? err_set(e, JM_EINTERNAL, "statement too long") : db_exec_script(conn, buf_str(&sql), e);
    if (!rc)
        rc = db_exec(conn,
                     "UPDATE jumeau.datasets SET access_level = $2::jumeau.access_level, version = version + 1,"
                     " updated_at = now() WHERE name = $1",
                     2, params, e);
    buf_cleanup(&sql);
    return rc;
}

static enum jm_status set(PGconn *conn, const struct cli_parsed *p, struct err *e)
{
    const char *name = p->pos[1];
    const char *params[] = {name};
    PGresult *r = db_query(conn, "SELECT 1 FROM jumeau.datasets WHERE name = $1", 1, params, e);
    if (!r)
        return JM_EDB;
    bool exists = PQntuples(r) > 0;
    PQclear(r);
    if (!exists)
        return err_set(e, JM_ENOTFOUND, "no dataset named '%s' (see jumeau datasets list)", name);
    enum jm_status rc = db_exec(conn, "BEGIN", 0, NULL, e);
    for (int i = 2; i < p->npos && !rc; i++) {
        const char *eq = strchr(p->pos[i], '=');
        if (!eq) {
            rc = err_set(e, JM_EINPUT, "'%s': expected KEY=VALUE", p->pos[i]);
            break;
        }
        size_t klen = (size_t)(eq - p->pos[i]);
        const struct settable *s = NULL;
        for (size_t k = 0; k < sizeof settables / sizeof settables[0]; k++)
            if (strlen(settables[k].key) == klen && strncmp(settables[k].key, p->pos[i], klen) == 0)
                s = &settables[k];
        if (!s) {
            rc = err_set(e, JM_EINPUT,
                         "'%.*s' is not a setting (title, description, licence, producer, frequency, keywords, minzoom, "
                         "maxzoom, access)",
                         (int)klen, p->pos[i]);
            break;
        }
        long zoom;
        if ((strcmp(s->key, "minzoom") == 0 || strcmp(s->key, "maxzoom") == 0) && eq[1] &&
            !parse_long(eq + 1, 0, 24, &zoom)) {
            rc = err_set(e, JM_EINPUT, "%s: expected a zoom level from 0 to 24 (or nothing for the kind's default), got '%s'",
                         s->key, eq + 1);
            break;
        }
        if (!s->sql) {
            rc = set_access(conn, name, eq + 1, e);
        } else {
            const char *args[] = {name, eq + 1};
            rc = db_exec(conn, s->sql, 2, args, e);
        }
        if (!rc)
            audit(conn, "set", name, "{}");
    }
    if (rc) {
        PQclear(PQexec(conn, "ROLLBACK"));
        return rc;
    }
    return db_exec(conn, "COMMIT", 0, NULL, e);
}

static enum jm_status drop(PGconn *conn, const char *name, bool quiet, struct err *e)
{
    if (!imp_name_valid(name))
        return err_set(e, JM_ENOTFOUND, "no dataset named '%s' (see jumeau datasets list)", name);
    const char *params[] = {name};
    enum jm_status rc = db_exec(conn, "BEGIN", 0, NULL, e);
    if (rc)
        return rc;
    PGresult *r = db_query(conn, "DELETE FROM jumeau.datasets WHERE name = $1 RETURNING kind", 1, params, e);
    if (!r) {
        rc = JM_EDB;
        goto out;
    }
    bool existed = PQntuples(r) > 0;
    PQclear(r);
    if (!existed) {
        rc = err_set(e, JM_ENOTFOUND, "no dataset named '%s' (see jumeau datasets list)", name);
        goto out;
    }
    struct buf sql;
    buf_init(&sql, 4096);
    buf_puts(&sql, "DROP TABLE IF EXISTS data.");
    db_quote_ident(&sql, name);
    buf_puts(&sql, " CASCADE");
    rc = db_exec(conn, buf_str(&sql), 0, NULL, e);
    buf_cleanup(&sql);
    if (rc)
        goto out;
    audit(conn, "drop", name, "{}");
    if ((rc = db_exec(conn, "COMMIT", 0, NULL, e)))
        return rc;
    if (!quiet)
        printf("dropped %s\n", name);
    return JM_OK;
out:
    PQclear(PQexec(conn, "ROLLBACK"));
    return rc;
}

enum jm_status cmd_datasets(struct cli_ctx *ctx, struct err *e)
{
    static const struct cli_help help = {"datasets", usage, summary, NULL};
    struct cli_parsed p;
    enum jm_status rc = cli_begin(ctx, &help, &p, e);
    if (rc || p.help)
        return rc;
    const char *action = p.npos ? p.pos[0] : "list";
    int need = strcmp(action, "list") == 0 ? 1 : strcmp(action, "set") == 0 ? 3 : 2;
    bool known = strcmp(action, "list") == 0 || strcmp(action, "show") == 0 || strcmp(action, "set") == 0 ||
                 strcmp(action, "drop") == 0;
    if (!known)
        return err_set(e, JM_EINPUT, "unknown action 'datasets %s' (usage: %s)", action, usage);
    if (p.npos < need || (need < 3 && p.npos > need && p.npos > 1))
        return err_set(e, JM_EINPUT, "wrong arguments for 'datasets %s' (usage: %s)", action, usage);
    struct db_target t;
    if ((rc = cli_db_ready(ctx, &t, e)))
        return rc;
    PGconn *conn = db_connect(t.conninfo, e);
    if (!conn)
        return JM_EDB;
    if (strcmp(action, "list") == 0)
        rc = list(conn, e);
    else if (strcmp(action, "show") == 0)
        rc = show(conn, p.pos[1], e);
    else if (strcmp(action, "set") == 0)
        rc = set(conn, &p, e);
    else
        rc = drop(conn, p.pos[1], ctx->quiet, e);
    PQfinish(conn);
    return rc;
}
