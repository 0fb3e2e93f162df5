#include "tile_cache.h"

#include <stdlib.h>
#include <string.h>

struct tile_cache_entry {
    struct tile_cache_entry *next_in_bucket;
    struct tile_cache_entry *newer, *older;
    uint64_t hash;
    size_t size;
    char *key;
    unsigned char data[];
};

uint64_t tile_cache_key_hash(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

int tile_cache_init(struct tile_cache *c, size_t budget)
{
    memset(c, 0, sizeof *c);
    c->budget = budget;
    c->nbuckets = 1 << 16;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets)
        return -1;
    pthread_mutex_init(&c->lock, NULL);
    return 0;
}

void tile_cache_cleanup(struct tile_cache *c)
{
    if (!c->buckets)
        return;
    struct tile_cache_entry *e = c->newest;
    while (e) {
        struct tile_cache_entry *older = e->older;
        free(e->key);
        free(e);
        e = older;
    }
    free(c->buckets);
    c->buckets = NULL;
    pthread_mutex_destroy(&c->lock);
}

static void unlink_lru(struct tile_cache *c, struct tile_cache_entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(struct tile_cache *c, struct tile_cache_entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

static struct tile_cache_entry **find(struct tile_cache *c, const char *key, uint64_t h)
{
    struct tile_cache_entry **slot = &c->buckets[h & (c->nbuckets - 1)];
    while (*slot && ((*slot)->hash != h || strcmp((*slot)->key, key) != 0))
        slot = &(*slot)->next_in_bucket;
    return slot;
}

static void evict(struct tile_cache *c, struct tile_cache_entry *e)
{
    struct tile_cache_entry **slot = find(c, e->key, e->hash);
    if (*slot == e)
        *slot = e->next_in_bucket;
    unlink_lru(c, e);
    c->bytes -= e->size;
    free(e->key);
    free(e);
}

bool tile_cache_get(struct tile_cache *c, const char *key, struct buf *out)
{
    if (!c->budget || !c->buckets)
        return false;
    uint64_t h = tile_cache_key_hash(key);
    pthread_mutex_lock(&c->lock);
    struct tile_cache_entry *e = *find(c, key, h);
    bool hit = e && buf_append(out, e->data, e->size);
    if (hit) {
        unlink_lru(c, e);
        push_newest(c, e);
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void tile_cache_put(struct tile_cache *c, const char *key, const void *tile, size_t size)
{
    if (!c->budget || !c->buckets || size > c->budget / 8)
        return; /* one tile never takes more than an eighth of the budget */
    struct tile_cache_entry *n = malloc(sizeof *n + size);
    char *k = strdup(key);
    if (!n || !k) {
        free(n);
        free(k);
        return;
    }
    n->key = k;
    n->size = size;
    n->hash = tile_cache_key_hash(key);
    if (size)
        memcpy(n->data, tile, size);
    pthread_mutex_lock(&c->lock);
    struct tile_cache_entry **slot = find(c, key, n->hash);
    if (*slot)
        evict(c, *slot); /* a racing request stored it first: the newer copy wins */
    slot = find(c, key, n->hash);
    n->next_in_bucket = NULL;
    *slot = n;
    push_newest(c, n);
    c->bytes += size;
    while (c->bytes > c->budget && c->oldest && c->oldest != n)
        evict(c, c->oldest);
    pthread_mutex_unlock(&c->lock);
}
