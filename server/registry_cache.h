/* registry_cache: the server's view of the dataset registry, per reader role, kept in memory
 * while a listener connection hears every change (LISTEN jumeau_registry; a trigger on
 * jumeau.datasets NOTIFYs). Any notification, or the listener losing its connection, makes
 * every cached view stale; while the listener is down nothing is served from the cache.
 * This lets a cached tile be answered without touching the database at all.
 * Thread-safety: every function may be called from any thread. */
#ifndef JUMEAU_REGISTRY_CACHE_H
#define JUMEAU_REGISTRY_CACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "arena.h"
#include "err.h"

/* A dataset as the tiles see it. Strings live in the arena the copy was made in. */
struct tile_layer {
    const char *name, *title, *kind, *licence;
    int srid, minzoom, maxzoom, version;
    double bbox[4];
    bool has_bbox;
    const char *select_list; /* its attributes for tiles (tile_select_list), or NULL: ask */
    bool has_closed;
};

#define REGCACHE_ROLES 3 /* jumeau_open, jumeau_shared, jumeau_internal */

struct regcache_view {
    unsigned long generation; /* the generation it was read at; 0: never read */
    struct arena arena;
    struct tile_layer *layers;
    int count;
};

struct regcache {
    pthread_mutex_t lock;
    atomic_ulong generation;  /* bumped by every change heard */
    atomic_bool listening;    /* the listener is connected and LISTENing */
    atomic_bool stop;
    struct regcache_view views[REGCACHE_ROLES];
    pthread_t thread;
    bool started;
    char conninfo[4096];
};

/* Starts the listener thread on its own connection to `conninfo`. */
enum jm_status regcache_start(struct regcache *c, const char *conninfo, struct err *e);
void regcache_stop(struct regcache *c);

/* The current generation, to stamp a view read from the database (read it before the query). */
unsigned long regcache_generation(struct regcache *c);

/* Copies the cached view of `role` into `arena` when it is current; false otherwise (read the
 * registry and regcache_store() it). */
bool regcache_get(struct regcache *c, const char *role, struct arena *arena, struct tile_layer **layers, int *count);
/* Keeps a copy of `layers` for `role`, read at `generation`. */
void regcache_store(struct regcache *c, const char *role, unsigned long generation, const struct tile_layer *layers,
                    int count);

#endif
