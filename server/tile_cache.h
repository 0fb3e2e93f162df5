/* tile_cache: encoded tiles kept in memory within a byte budget, least recently used out
 * first. Keys carry the tileset, the caller's role, the versions of the datasets in the tile
 * and z/x/y, so a re-import (which bumps a version) can never be answered from the cache.
 * Thread-safety: every function may be called from any thread (one mutex). */
#ifndef JUMEAU_TILE_CACHE_H
#define JUMEAU_TILE_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct tile_cache_entry;

struct tile_cache {
    pthread_mutex_t lock;
    struct tile_cache_entry **buckets;
    size_t nbuckets;
    struct tile_cache_entry *newest, *oldest; /* the LRU list */
    size_t bytes, budget;
    uint64_t hits, misses;
};

/* budget: bytes of tile data the cache may hold (0 disables it). */
int tile_cache_init(struct tile_cache *c, size_t budget);
void tile_cache_cleanup(struct tile_cache *c);

/* Copies the tile for `key` into `out` and returns true when cached (an empty tile is cached
 * too: *out stays empty). */
bool tile_cache_get(struct tile_cache *c, const char *key, struct buf *out);
/* The 64-bit FNV-1a hash of a key, as the cache buckets it: also the tile's ETag, which thus
 * changes exactly when the key does (role, dataset versions, z/x/y). */
uint64_t tile_cache_key_hash(const char *key);
/* Stores a copy of the tile; evicts the least recently used tiles beyond the budget. */
void tile_cache_put(struct tile_cache *c, const char *key, const void *tile, size_t size);

#endif
