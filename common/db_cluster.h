/* db_cluster: jumeau's private PostgreSQL cluster under $JUMEAU_HOME.
 *
 * Layout of a home:
 *   HOME/pgdata/          the cluster (initdb), listening on no TCP port at all
 *   HOME/run/             its Unix socket (.s.PGSQL.5432), mode 0700
 *   HOME/log/postgres.log the server's log; initdb.log for the last init
 *   HOME/.lock            flock()ed by init, start and stop so two commands never race
 * Two homes are two independent clusters: nothing is shared but the PostgreSQL binaries.
 *
 * PostgreSQL refuses to run as root, so when jumeau runs as root the cluster's processes run
 * as the `postgres` system user, which then owns pgdata/, run/ and log/.
 *
 * db init builds the cluster in HOME/pgdata.partial and renames it to pgdata only once it
 * is complete, so an interrupted init leaves nothing that the next init trips over.
 * Thread-safety: these functions fork and exec; call them from the main thread only. */
#ifndef JUMEAU_DB_CLUSTER_H
#define JUMEAU_DB_CLUSTER_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

struct db_cluster {
    char home[PATH_MAX];
    char pgdata[PATH_MAX];
    char partial[PATH_MAX];
    char sockdir[PATH_MAX];
    char logdir[PATH_MAX];
    char logfile[PATH_MAX];
    char lockfile[PATH_MAX];
    char bindir[PATH_MAX]; /* where initdb, pg_ctl and postgres are */
    bool drop_to_postgres; /* running as root: the cluster runs as `postgres` */
    uid_t run_uid;
    gid_t run_gid;
};

enum db_cluster_state { DB_CLUSTER_ABSENT, DB_CLUSTER_STOPPED, DB_CLUSTER_RUNNING };

/* Resolves the paths and the PostgreSQL binaries for `home` (absolute). No side effects.
 * Fails (JM_EENV) when no PostgreSQL server binaries are installed, or when the socket path
 * would exceed the Unix limit. */
enum jm_status db_cluster_open(struct db_cluster *c, const char *home, struct err *e);

enum db_cluster_state db_cluster_state(const struct db_cluster *c);

/* Finishes a new cluster while it runs under its partial name: `c` is running then, and
 * db_cluster_conninfo() reaches it. */
typedef enum jm_status (*db_cluster_prepare_fn)(struct db_cluster *c, void *ctx, struct err *e);

/* Creates the cluster when absent: initdb, configuration, then `prepare` (create the database,
 * enable PostGIS, migrate) on a server started for the purpose, all under pgdata.partial; only
 * a complete cluster is renamed to pgdata. Leaves the new cluster stopped. `created` tells
 * whether it did anything: false when the home already had a cluster (nothing changed). */
enum jm_status db_cluster_create(struct db_cluster *c, db_cluster_prepare_fn prepare, void *ctx, bool *created,
                                 struct err *e);

/* Starts the server when stopped and waits until it accepts connections. */
enum jm_status db_cluster_start(struct db_cluster *c, struct err *e);

/* Stops the server (fast shutdown) when running. */
enum jm_status db_cluster_stop(struct db_cluster *c, struct err *e);

/* The libpq connection string for `dbname` as the cluster's superuser. */
void db_cluster_conninfo(const struct db_cluster *c, const char *dbname, char *out, size_t size);

/* The server's process id when running, else 0. */
long db_cluster_pid(const struct db_cluster *c);

#endif
