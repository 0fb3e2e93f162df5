/* db_pool: a fixed set of PostgreSQL connections shared by the HTTP worker threads.
 *
 * A request checks a connection out, uses it alone, and checks it back in. A connection
 * found broken (the database restarted or went away) is re-opened on the next checkout, so
 * the server heals by itself when PostgreSQL comes back; until then checkout fails with
 * JM_EDB and the request answers 503.
 * Thread-safety: checkout/checkin from any thread. */
#ifndef JUMEAU_DB_POOL_H
#define JUMEAU_DB_POOL_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>

#include "db.h"
#include "err.h"

struct db_pool_slot {
    PGconn *conn;
    bool busy;
    char role[32]; /* the role the connection is in now ("" for its login role) */
};

struct db_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    struct db_pool_slot *slots;
    int size;
    char conninfo[4096];
    bool closing;
    const struct db_statement *statements;
    size_t nstatements;
};

/* Opens `size` connections lazily (the first checkout of a slot connects); each new
 * connection gets `statements` prepared (the list must outlive the pool). */
enum jm_status db_pool_init(struct db_pool *p, const char *conninfo, int size, const struct db_statement *statements,
                            size_t nstatements, struct err *e);
void db_pool_cleanup(struct db_pool *p);

/* Waits up to `timeout_ms` for a free connection and makes sure it is connected. Returns
 * NULL with JM_EDB (database unreachable) or JM_ELIMIT (all busy past the timeout). */
PGconn *db_pool_checkout(struct db_pool *p, int timeout_ms, struct err *e);
/* Returns a connection; `broken` asks for it to be re-opened before its next use. */
void db_pool_checkin(struct db_pool *p, PGconn *conn, bool broken);

/* The role a checked-out connection is in (SET ROLE), so that it is switched only when a
 * request needs another; "" for the login role. */
const char *db_pool_role(struct db_pool *p, PGconn *conn);
void db_pool_set_role(struct db_pool *p, PGconn *conn, const char *role);

/* Connections open now, and those checked out, for /metrics. */
void db_pool_counts(struct db_pool *p, int *open, int *busy);

#endif
