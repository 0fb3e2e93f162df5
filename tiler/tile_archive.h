/* tile_archive: writes and reads single-file vector tile archives, MBTiles 1.3 and PMTiles v3.
 *
 * A writer takes uncompressed Mapbox Vector Tiles in any order and builds the archive in a
 * side file, `PATH.partial`, renamed to PATH only when tile_archive_close() succeeds: a
 * failure or an abort never leaves a half archive at PATH, and an existing file at PATH is
 * untouched until then. Tiles are gzip-compressed by the writer, as both formats expect for
 * MVT (MBTiles `format` = `pbf`, PMTiles tile compression = gzip).
 *
 * PMTiles: tile bytes are streamed to an anonymous temporary file beside PATH as they come
 * (only a small index entry per tile stays in memory: Hilbert id, content number; and per
 * distinct content its SHA-256, offset and length), so a city to z16 (~100k tiles, a few
 * hundred MB) needs a few MB of memory. Identical contents are stored once; consecutive
 * tiles with identical content become one run-length entry. On close the entries are
 * sorted by Hilbert tile id, the root directory (and leaf directories when the root would
 * not fit the first 16 KiB) is built, and the file is written as header, root directory,
 * metadata JSON, leaf directories, then the tile data in tile id order (clustered).
 * Internal compression is gzip. The metadata JSON holds name, description, attribution,
 * type ("overlay") and vector_layers; zooms, bounds and center are in the header.
 *
 * MBTiles: an SQLite database with the `metadata` table and the `tiles` table (TMS rows:
 * tile_row = 2^z - 1 - y) with its standard unique index, filled in one transaction with
 * journalling and syncing off during the build (the file is synced before the rename).
 * Each tile is a row of its own: there is no content deduplication in MBTiles. Metadata
 * rows: name, format (pbf), bounds, center, minzoom, maxzoom, type (overlay), json
 * ({"vector_layers": ...}), and description and attribution when given; numbers are
 * written with '.' whatever the locale.
 *
 * Lifecycle: tile_archive_open() -> tile_archive_add()* -> tile_archive_close() ->
 * tile_archive_abort(). Every handle is released by exactly one tile_archive_abort(),
 * whether close succeeded (the archive stays at PATH), failed, or was never called (the
 * partial file is removed). After close returned, whatever it returned, add and close are
 * errors (JM_EINTERNAL); so is every call after an I/O failure.
 *
 * Errors: JM_EINPUT for a wrong argument (tile outside the grid, bad metadata, a tile added
 * twice, no tile at all) or an archive that cannot be read (not MBTiles/PMTiles, corrupt),
 * JM_EEXISTS when PATH exists and `replace` is false, JM_ENOTFOUND when the archive to read
 * does not exist, JM_ELIMIT past TILE_ARCHIVE_TILE_MAX or a reader cap, JM_EENV for file
 * system and SQLite I/O failures (disk full, permissions), JM_EINTERNAL for misuse and
 * allocation failures. Messages name the file and the tile.
 *
 * Thread-safety: a handle belongs to one thread; handles writing different paths may be
 * used on different threads at once. tile_archive_read() and the Hilbert helpers keep no
 * state and may be called from any thread (SQLite built thread-safe, as Debian's is).
 * Two writers of one PATH at once are not supported (they share PATH.partial). */
#ifndef JUMEAU_TILE_ARCHIVE_H
#define JUMEAU_TILE_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* Largest uncompressed tile tile_archive_add() accepts (JM_ELIMIT beyond). */
#define TILE_ARCHIVE_TILE_MAX ((size_t)64 << 20)
/* Highest zoom of the Hilbert helpers (the ids of z0..z31 fit in 64 bits); the writer
 * accepts tiles of the tile_math grid only (z <= TILE_MAX_ZOOM). */
#define TILE_ARCHIVE_HILBERT_MAX_ZOOM 31
/* The byte budget of the PMTiles header plus root directory, and the header alone. */
#define TILE_ARCHIVE_PMTILES_ROOT_BUDGET 16384
#define TILE_ARCHIVE_PMTILES_HEADER_LEN 127

enum tile_archive_format { TILE_ARCHIVE_MBTILES, TILE_ARCHIVE_PMTILES };

/* What tile_archive_close() writes besides the tiles. Strings are UTF-8, borrowed for the
 * call only; NULL description/attribution are left out. `name` is required.
 * 0 <= minzoom <= maxzoom <= TILE_MAX_ZOOM, and every added tile must lie in that range.
 * bounds: west, south, east, north in degrees (WGS 84), west <= east, south <= north;
 * center: longitude, latitude, zoom (the zoom is rounded to an integer in 0..TILE_MAX_ZOOM).
 * vector_layers_json: the TileJSON 3.0 `vector_layers` array, one JSON array copied as is
 * (the caller guarantees it is valid JSON; only its brackets are checked); NULL means []. */
struct tile_archive_meta {
    const char *name, *description, *attribution;
    int minzoom, maxzoom;
    double bounds[4]; /* lon/lat */
    double center[3];
    const char *vector_layers_json; /* TileJSON vector_layers array */
};

struct tile_archive; /* opaque */

/* Starts a new archive to be written at `path` in `format`. Refuses (JM_EEXISTS) when a
 * file exists at `path` and `replace` is false; with `replace` the old file is replaced
 * only by a successful close. A stale `path.partial` from a crashed run is removed.
 * On success *out is a handle released by tile_archive_abort(); on failure *out is NULL
 * and nothing is left on disk. Errors: JM_EINPUT (NULL/empty path, unknown format),
 * JM_EEXISTS, JM_EENV (the directory cannot be written), JM_EINTERNAL (memory). */
enum jm_status tile_archive_open(struct tile_archive **out, const char *path, enum tile_archive_format format,
                                 bool replace, struct err *e);

/* Adds the tile z/x/y (XYZ scheme, y from the north), `size` bytes of uncompressed MVT
 * (`mvt` may be NULL when size is 0). The bytes are copied (compressed) before the call
 * returns. Tiles may come in any order. Errors: JM_EINPUT for a tile outside the grid
 * (tile_valid) or, in MBTiles, a z/x/y added before (PMTiles reports that at close);
 * JM_ELIMIT above TILE_ARCHIVE_TILE_MAX; JM_EENV when the temporary file or the database
 * cannot be written; JM_EINTERNAL after close or a failure. An invalid tile leaves the
 * archive usable; an I/O failure or a duplicate does not (abort it). */
enum jm_status tile_archive_add(struct tile_archive *a, int z, long x, long y, const void *mvt, size_t size,
                                struct err *e);

/* Writes the metadata, finishes the archive and renames `path.partial` to `path`
 * (PMTiles: sorts by Hilbert tile id, builds root/leaf directories, writes header, root
 * directory, metadata JSON, leaf directories and clustered tile data; MBTiles: writes the
 * metadata rows and commits). The file is synced before the rename. Whatever the result,
 * the handle is finished: on failure nothing is left at `path.partial` and a previous file
 * at `path` is intact. The handle must still be released with tile_archive_abort().
 * Errors: JM_EINPUT (bad `meta`, no tile added, a tile outside minzoom..maxzoom, a z/x/y
 * added twice), JM_EEXISTS (a file appeared at `path` meanwhile and `replace` is false),
 * JM_EENV (I/O), JM_EINTERNAL (called twice, after a failure, or memory). */
enum jm_status tile_archive_close(struct tile_archive *a, const struct tile_archive_meta *meta, struct err *e);

/* Releases the handle. Before a successful close it also removes the partial file (and
 * any temporary file); after one, the finished archive stays. NULL-safe. */
void tile_archive_abort(struct tile_archive *a);

/* Reads the tile z/x/y (XYZ) of the archive at `path`, whose format is recognised from its
 * first bytes (PMTiles v3, or an SQLite database in the MBTiles layout). When the tile
 * exists, its uncompressed bytes are appended to `out_mvt` (gzip tiles are inflated, other
 * tiles are copied) and *found is true; otherwise *found is false and `out_mvt` is left
 * as it was. Opens and closes the file on each call: meant for tests, tools and occasional
 * reads, not as a tile server's hot path. A parser of outside input: every offset, length
 * and count is checked against the file. Errors: JM_ENOTFOUND (no file), JM_EINPUT (not
 * an archive, corrupt, or z/x/y outside the grid), JM_ELIMIT (a directory or tile above
 * the reader's caps, or `out_mvt`'s cap), JM_EENV (I/O), JM_EINTERNAL (memory). */
enum jm_status tile_archive_read(const char *path, int z, long x, long y, struct buf *out_mvt, bool *found,
                                 struct err *e);

/* The PMTiles tile id of z/x/y: the number of tiles of all lower zooms plus the position
 * of x/y on the Hilbert curve of zoom z. UINT64_MAX when z/x/y is outside 0 <= z <=
 * TILE_ARCHIVE_HILBERT_MAX_ZOOM, 0 <= x, y < 2^z. Pure. */
uint64_t tile_archive_hilbert_id(int z, long x, long y);
/* The inverse: z/x/y of a tile id; z = x = y = -1 for an id beyond zoom
 * TILE_ARCHIVE_HILBERT_MAX_ZOOM. Pure. */
void tile_archive_hilbert_zxy(uint64_t id, int *z, long *x, long *y);

/* ---- internal to tiler/: the MBTiles side of the writer and shared helpers ------------
 * (pmtiles_writer.c holds the front above and calls these; no other module may.) */

struct tile_archive__mbtiles;

/* Creates the database at `file` (which must not exist), its tables and index, and
 * begins the build transaction. */
enum jm_status tile_archive__mbtiles_open(struct tile_archive__mbtiles **out, const char *file, struct err *e);
/* Inserts one gzip-compressed tile; z/x/y is XYZ and already valid. */
enum jm_status tile_archive__mbtiles_add(struct tile_archive__mbtiles *m, int z, long x, long y, const void *gz,
                                         size_t n, struct err *e);
/* Writes the metadata rows (meta already validated), commits and closes the database. */
enum jm_status tile_archive__mbtiles_finish(struct tile_archive__mbtiles *m, const struct tile_archive_meta *meta,
                                            struct err *e);
/* Closes (without committing) and frees; NULL-safe. Does not remove the file. */
void tile_archive__mbtiles_free(struct tile_archive__mbtiles *m);
/* tile_archive_read() for an MBTiles file. */
enum jm_status tile_archive__mbtiles_read(const char *path, int z, long x, long y, struct buf *out_mvt, bool *found,
                                          struct err *e);

/* gzip-compresses `n` bytes, appending them to `out`. */
enum jm_status tile_archive__gzip(const void *in, size_t n, struct buf *out, struct err *e);
/* Inflates gzip (or zlib) data, appending it to `out` (JM_ELIMIT at its cap, JM_EINPUT
 * when corrupt or truncated; `what` names the data in messages). */
enum jm_status tile_archive__gunzip(const void *in, size_t n, struct buf *out, const char *what, struct err *e);
/* Formats degrees with at most 7 decimals, whatever the locale ("-122.1906"). */
void tile_archive__format_degrees(double v, char out[24]);

#endif
