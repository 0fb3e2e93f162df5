/* db_target: where this process's database is, made ready to use.
 *
 * With a URL (--db or JUMEAU_DB) the target is that server, which jumeau never starts,
 * stops or configures; otherwise it is the private cluster under the home (db_cluster),
 * started on demand. Either way, db_target_ready() leaves the `jumeau` database with PostGIS
 * and every migration applied, and the conninfo to reach it. */
#ifndef JUMEAU_DB_TARGET_H
#define JUMEAU_DB_TARGET_H

#include <stdbool.h>

#include "config.h"
#include "db_cluster.h"
#include "err.h"

#define DB_NAME "jumeau"

struct db_target {
    bool embedded;
    struct db_cluster cluster; /* valid when embedded */
    char conninfo[4096];
    char display[4096];        /* the target for messages: a folder, or the URL without password */
};

/* Fills `t` from the configuration; no side effects. */
enum jm_status db_target_resolve(struct db_target *t, const struct config *cfg, struct err *e);

/* Starts the private cluster when needed (`create` also runs initdb when the home has none),
 * creates the database, enables PostGIS and applies pending migrations. `applied` (optional)
 * receives the number of migrations applied now. */
enum jm_status db_target_ready(struct db_target *t, bool create, int *applied, struct err *e);

#endif
