/* db: PostgreSQL access for every module: connect by URL, run SQL with parameters only,
 * apply the migrations of schemas/.
 *
 * Only text-format parameters are used: user input always travels as a parameter, never in
 * the SQL text. Identifiers (dataset tables) are quoted with db_quote_ident().
 * Errors: JM_EDB with a one-line message (the server maps it to a generic 503/500 and never
 * shows it to clients; the CLI prints it).
 * Thread-safety: a PGconn belongs to one thread at a time (libpq's own rule). */
#ifndef JUMEAU_DB_H
#define JUMEAU_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct buf;

/* Opens a connection from a URL (postgresql://…) or a key=value string. The message of a
 * failure is one line naming the (password-redacted) target and what to check.
 * Returns NULL on failure. The caller closes with PQfinish(). */
PGconn *db_connect(const char *conninfo, struct err *e);

/* Runs `sql` with `nparams` text parameters (NULL entries are SQL NULLs). Returns the result
 * (caller PQclear()s it) when it is COMMAND_OK or TUPLES_OK, else NULL with `e` set. */
PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params, struct err *e);

/* Like db_query for statements whose rows nobody reads. */
enum jm_status db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params, struct err *e);

/* A statement prepared once per connection and run by name: the hot, fixed queries of the
 * server (key lookup, collection lookup, its columns). */
struct db_statement {
    const char *name;
    const char *sql;
    int nparams;
};

/* Prepares every statement of `list` on `conn` (at connection time). */
enum jm_status db_prepare_all(PGconn *conn, const struct db_statement *list, size_t count, struct err *e);

/* Runs a prepared statement; the same contract as db_query. */
PGresult *db_query_prepared(PGconn *conn, const char *name, int nparams, const char *const *params, struct err *e);

/* Runs a script of several statements that jumeau composed itself (DDL with quoted
 * identifiers, never user values: those go through db_exec's parameters). */
enum jm_status db_exec_script(PGconn *conn, const char *sql, struct err *e);

/* First column of the first row as a newly allocated string (free()), NULL when no row
 * or on error (then `e` tells which). */
char *db_query_value(PGconn *conn, const char *sql, int nparams, const char *const *params, struct err *e);

/* Starts `COPY … FROM STDIN` (sql); JM_EDB when the server does not enter the copy. */
enum jm_status db_copy_begin(PGconn *conn, const char *sql, struct err *e);
/* Ends a COPY started by db_copy_begin: aborts it when `rc` is an error (nothing is kept),
 * else completes it; returns `rc`, or JM_EDB when the server refused the rows. */
enum jm_status db_copy_end(PGconn *conn, enum jm_status rc, struct err *e);

/* Appends `name` quoted as an SQL identifier ("data"."my ""table"") to `out`. */
bool db_quote_ident(struct buf *out, const char *name);

/* One numbered SQL migration, compiled into the binary from schemas/NNNN_name.sql. */
struct db_migration {
    int version;
    const char *name; /* file name without .sql */
    const char *sql;
};

/* The migrations of schemas/, in order (generated at build time). */
extern const struct db_migration db_migrations[];
extern const size_t db_migrations_count;

/* Makes sure PostGIS is enabled (and pgRouting when the server has it), then applies every
 * migration not yet recorded in jumeau.schema_migrations, each in its own transaction,
 * under an advisory lock so that concurrent processes apply each one once.
 * `applied` (optional) receives how many were applied now. Idempotent. */
enum jm_status db_migrate(PGconn *conn, const struct db_migration *list, size_t count, int *applied,
                          struct err *e);

/* The highest applied migration version (0 when none), or -1 with `e` set. */
int db_schema_version(PGconn *conn, struct err *e);

#endif
