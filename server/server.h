/* server: `jumeau serve`: libmicrohttpd with a thread pool, a database pool and the
 * routing table; runs until SIGINT or SIGTERM, then finishes the requests in flight.
 * Thread-safety: server_run() is called once from the main thread. */
#ifndef JUMEAU_SERVER_H
#define JUMEAU_SERVER_H

#include <stdbool.h>

#include "config.h"
#include "err.h"

/* Serves on cfg->listen_host:listen_port with `conninfo` until a stop signal. Returns
 * JM_EENV when the address cannot be listened on (in use, not local), with a message
 * that says what to do. `access_log` prints one line per request on stdout. */
/* A pre-built tileset (`jumeau tile mvt`) that the server answers from its archive file
 * instead of the database: tiles of /tiles/{name}/… come from it as they are. */
struct server_archive {
    const char *name;
    const char *path;
};

enum jm_status server_run(const struct config *cfg, const char *conninfo, bool access_log,
                          const struct server_archive *archives, int narchives, struct err *e);

#endif
