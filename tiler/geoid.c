/* geoid: EGM96 undulation through PROJ. See geoid.h. */
#include "geoid.h"

#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdlib.h>

struct geoid_thread {
    PJ_CONTEXT *ctx;
    PJ *op; /* EGM96 height + WGS 84 -> WGS 84 3D, lon/lat order */
    bool available;
};

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void thread_free(void *p)
{
    struct geoid_thread *t = p;
    if (!t)
        return;
    if (t->op)
        proj_destroy(t->op);
    if (t->ctx)
        proj_context_destroy(t->ctx);
    free(t);
}

static void make_key(void)
{
    pthread_key_create(&key, thread_free);
}

/* The thread's transformation, made on first use; NULL when PROJ cannot make it. */
static struct geoid_thread *thread_state(void)
{
    pthread_once(&once, make_key);
    struct geoid_thread *t = pthread_getspecific(key);
    if (t)
        return t;
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ctx = proj_context_create();
    proj_log_level(t->ctx, PJ_LOG_NONE);
    PJ *op = t->ctx ? proj_create_crs_to_crs(t->ctx, "EPSG:4326+5773", "EPSG:4979", NULL) : NULL;
    t->op = op ? proj_normalize_for_visualization(t->ctx, op) : NULL;
    if (op)
        proj_destroy(op);
    if (t->op) {
        /* at 0°, 0° EGM96 is 17.16 m above the ellipsoid: 0 means PROJ used no grid */
        PJ_COORD c = proj_trans(t->op, PJ_FWD, proj_coord(0, 0, 0, 0));
        t->available = isfinite(c.xyz.z) && fabs(c.xyz.z) > 1;
    }
    pthread_setspecific(key, t);
    return t;
}

double geoid_undulation(double lon, double lat)
{
    struct geoid_thread *t = thread_state();
    if (!t || !t->available)
        return 0;
    PJ_COORD c = proj_trans(t->op, PJ_FWD, proj_coord(lon, lat, 0, 0));
    return isfinite(c.xyz.z) ? c.xyz.z : 0;
}

bool geoid_available(void)
{
    struct geoid_thread *t = thread_state();
    return t && t->available;
}
