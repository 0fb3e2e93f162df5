#include "registry_cache.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"

static int role_index(const char *role)
{
    if (strcmp(role, "jumeau_open") == 0)
        return 0;
    if (strcmp(role, "jumeau_shared") == 0)
        return 1;
    if (strcmp(role, "jumeau_internal") == 0)
        return 2;
    return -1;
}

/* The listener: LISTEN, then bump the generation at every notification; reconnect when the
 * connection goes, treating the gap as a change (anything may have happened meanwhile). */
static void *listen_loop(void *arg)
{
    struct regcache *c = arg;
    PGconn *conn = NULL;
    while (!atomic_load(&c->stop)) {
        if (!conn || PQstatus(conn) != CONNECTION_OK) {
            atomic_store(&c->listening, false);
            atomic_fetch_add(&c->generation, 1);
            PQfinish(conn);
            conn = PQconnectdb(c->conninfo);
            PGresult *r = PQstatus(conn) == CONNECTION_OK ? PQexec(conn, "LISTEN jumeau_registry") : NULL;
            bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
            PQclear(r);
            if (!ok) {
                PQfinish(conn);
                conn = NULL;
                for (int i = 0; i < 10 && !atomic_load(&c->stop); i++)
                    usleep(100 * 1000);
                continue;
            }
            /* changes before the LISTEN took effect are covered by this bump */
            atomic_fetch_add(&c->generation, 1);
            atomic_store(&c->listening, true);
        }
        struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
        if (poll(&p, 1, 200) > 0) {
            if (!PQconsumeInput(conn))
                continue; /* the status check above reconnects */
            PGnotify *n;
            bool heard = false;
            while ((n = PQnotifies(conn))) {
                heard = true;
                PQfreemem(n);
            }
            if (heard)
                atomic_fetch_add(&c->generation, 1);
        }
    }
    atomic_store(&c->listening, false);
    PQfinish(conn);
    return NULL;
}

enum jm_status regcache_start(struct regcache *c, const char *conninfo, struct err *e)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->generation, 1);
    atomic_init(&c->listening, false);
    atomic_init(&c->stop, false);
    for (int i = 0; i < REGCACHE_ROLES; i++)
        arena_init(&c->views[i].arena, 0);
    if ((size_t)snprintf(c->conninfo, sizeof c->conninfo, "%s", conninfo) >= sizeof c->conninfo)
        return err_set(e, JM_EINPUT, "database connection string too long");
    if (pthread_create(&c->thread, NULL, listen_loop, c) != 0)
        return err_set(e, JM_EINTERNAL, "cannot start the registry listener");
    c->started = true;
    return JM_OK;
}

void regcache_stop(struct regcache *c)
{
    if (c->started) {
        atomic_store(&c->stop, true);
        pthread_join(c->thread, NULL);
        c->started = false;
    }
    for (int i = 0; i < REGCACHE_ROLES; i++)
        arena_cleanup(&c->views[i].arena);
    pthread_mutex_destroy(&c->lock);
}

unsigned long regcache_generation(struct regcache *c)
{
    return atomic_load(&c->generation);
}

/* Copies layers into an arena (strings included). */
static struct tile_layer *copy_layers(struct arena *a, const struct tile_layer *from, int count)
{
    struct tile_layer *to = arena_calloc(a, (size_t)count + 1, sizeof *to);
    for (int i = 0; to && i < count; i++) {
        to[i] = from[i];
        to[i].name = arena_strdup(a, from[i].name);
        to[i].title = arena_strdup(a, from[i].title);
        to[i].kind = arena_strdup(a, from[i].kind);
        to[i].licence = arena_strdup(a, from[i].licence);
        to[i].select_list = from[i].select_list ? arena_strdup(a, from[i].select_list) : NULL;
        if (!to[i].name || !to[i].title || !to[i].kind || !to[i].licence ||
            (from[i].select_list && !to[i].select_list))
            return NULL;
    }
    return to;
}

bool regcache_get(struct regcache *c, const char *role, struct arena *arena, struct tile_layer **layers, int *count)
{
    int r = role_index(role);
    if (r < 0 || !atomic_load(&c->listening))
        return false;
    bool hit = false;
    pthread_mutex_lock(&c->lock);
    struct regcache_view *v = &c->views[r];
    if (v->generation && v->generation == atomic_load(&c->generation)) {
        *layers = copy_layers(arena, v->layers, v->count);
        *count = v->count;
        hit = *layers != NULL;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void regcache_store(struct regcache *c, const char *role, unsigned long generation, const struct tile_layer *layers,
                    int count)
{
    int r = role_index(role);
    if (r < 0 || !atomic_load(&c->listening))
        return;
    pthread_mutex_lock(&c->lock);
    struct regcache_view *v = &c->views[r];
    arena_cleanup(&v->arena);
    arena_init(&v->arena, 0);
    v->layers = copy_layers(&v->arena, layers, count);
    v->count = v->layers ? count : 0;
    v->generation = v->layers ? generation : 0;
    pthread_mutex_unlock(&c->lock);
}
