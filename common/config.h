/* config: the settings of one jumeau process, resolved once at start-up.
 *
 * Precedence: command-line flags > environment variables > defaults.
 *   database   --db URL        JUMEAU_DB       (none: the private cluster under home)
 *   home       --home DIR      JUMEAU_HOME     ./.jumeau
 *   listen     --listen H:P    JUMEAU_LISTEN   127.0.0.1:8080
 *   threads    --threads N     JUMEAU_THREADS  number of cores, at least 2
 *   log level  -v/-q           JUMEAU_LOG      warn
 *   tile cache                 JUMEAU_TILE_CACHE_MB  256 (MiB of tiles kept in memory; 0 disables)
 * After config_resolve() the struct is read-only and may be shared by all threads. */
#ifndef JUMEAU_CONFIG_H
#define JUMEAU_CONFIG_H

#include <limits.h>

#include "err.h"
#include "log.h"

/* What the command line said; NULL / 0 fields were not given. */
struct config_flags {
    const char *db_url;
    const char *home;
    const char *listen;
    const char *threads;
    int verbosity; /* +1 per -v, -1 per -q, 0 when neither */
};

struct config {
    char db_url[4096];     /* empty: use the private cluster under home */
    char home[PATH_MAX];   /* absolute path */
    char listen_host[256];
    int listen_port;
    int threads;
    int tile_cache_mb;     /* JUMEAU_TILE_CACHE_MB, default 256 */
    enum log_level log_level;
};

/* Looks up an environment variable; getenv in production, a table in tests. */
typedef const char *(*config_getenv_fn)(const char *name);

/* Fills `c` from flags, then the environment (through `env`, NULL for getenv), then
 * defaults. Errors (JM_EINPUT) name the flag or variable and the bad value. */
enum jm_status config_resolve(struct config *c, const struct config_flags *flags,
                              config_getenv_fn env, struct err *e);

/* Splits "HOST:PORT" or "[IPv6]:PORT" (port 1..65535). `what` names the source in errors. */
enum jm_status config_parse_listen(const char *text, const char *what, char *host, size_t host_size,
                                   int *port, struct err *e);

/* Copies `url` with any password replaced by "***", for messages and logs. */
void config_redact_url(const char *url, char *out, size_t out_size);

#endif
