/* tile_encoder: one vector tile (MVT 2.1) of some datasets, made by PostGIS over a
 * connection whose role bounds what it may read. Used by the server's tile routes and by
 * `jumeau tile mvt` for archives.
 * Thread-safety: one call per connection at a time. */
#ifndef JUMEAU_TILE_ENCODER_H
#define JUMEAU_TILE_ENCODER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "registry_cache.h"

/* Encodes tile z/x/y of the `layers` whose zoom range holds z into `tile` (reset first);
 * `internal` joins the closed attributes (the connection's role must be the internal one);
 * `prepared`: the connection has the statement "columns" (tile_columns_sql) prepared.
 * Over `cap` bytes, the smallest features are left out until the tile fits. An empty result
 * means no feature. */
enum jm_status tile_encode(PGconn *conn, bool prepared, const struct tile_layer *layers, int n, bool internal, int z,
                           long x, long y, size_t cap, struct buf *tile, struct err *e);

/* The select list of a dataset's attributes for a tile (", t.\"a\", k.\"owner\"…") as the
 * connection's role may read them; `closed` tells whether closed.<name> must be joined. */
enum jm_status tile_select_list(PGconn *conn, bool prepared, const char *name, bool internal, struct buf *out,
                                bool *closed, struct err *e);

/* SQL of the columns a role may read of dataset $1 ($2: with the closed ones), in order. */
extern const char tile_columns_sql[];

/* The first zoom a kind's datasets appear at, when the registry does not say (network 10,
 * buildings 13, cadastre 14, …); the last is TILE_DEFAULT_MAXZOOM. */
int tile_default_minzoom(const char *kind);
#define TILE_DEFAULT_MAXZOOM 22

/* The registry columns tile_layer_read() expects, in order (then any the caller adds). */
#define TILE_LAYER_COLUMNS                                                                                        \
    "name, title, kind, licence, storage_srid, tile_min_zoom, tile_max_zoom, bbox_4326[1], bbox_4326[2],"          \
    " bbox_4326[3], bbox_4326[4], version"

/* Fills `l` from row `row` of a result selecting TILE_LAYER_COLUMNS from jumeau.datasets,
 * with the kind's default zooms where the registry has none. Strings go to `arena`; false
 * when it runs out of memory. */
bool tile_layer_read(struct tile_layer *l, const PGresult *r, int row, struct arena *arena);

/* The largest tile: JUMEAU_TILE_MAX_BYTES, default 500 KB (counted before gzip). */
size_t tile_max_bytes(void);

#endif
