/* Internals shared by the files of the importers module (prefix imp__). Pure functions
 * here carry no GDAL or libpq state, so the unit tests reach them directly. */
#ifndef JUMEAU_IMP_INTERNAL_H
#define JUMEAU_IMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* Appends `s` escaped for PostgreSQL's COPY text format, with invalid UTF-8 bytes replaced
 * by U+FFFD (PostgreSQL rejects the whole COPY otherwise). Returns false on buffer overflow. */
bool imp__copy_text(struct buf *out, const char *s);

/* Appends a WKB geometry (OGC "old" variant, as OGR_G_ExportToWkb writes it) as hex EWKB with
 * `srid` set, the form PostGIS reads for a geometry column with an SRID. */
bool imp__ewkb_hex(struct buf *out, const unsigned char *wkb, size_t n, int srid);

/* Turns a source field name into a column name as ogr2ogr's PostgreSQL driver would
 * (lowercase, [a-z0-9_], at most 63 bytes); names the kind reserves (id, geom) and names
 * already in `taken[0..ntaken)` get a suffix. Writes into out[64]. */
void imp__column_name(const char *field, const char *const *taken, size_t ntaken, char out[64]);

/* Looks up `key` in an OSM other_tags string ("k1"=>"v1","k2"=>"v2", as GDAL's OSM driver
 * writes it, with \" and \\ escapes) and copies its value into out. False when absent. */
bool imp__hstore_get(const char *tags, const char *key, char *out, size_t size);

/* Parses a length as OSM and most sources write it: "12", "12.5 m", "40'", "12,5" → metres.
 * False when it is not a length. */
bool imp__parse_length(const char *text, double *metres);

/* The first integer of 1 to 4 digits… e.g. a year in "1890", "c. 1890", "1890-05-01". */
bool imp__parse_year(const char *text, int *year);

/* Rings of up to this many points get the quick validity test. */
#define IMP_RING_QUICK_MAX 64

/* Whether the closed ring x[0..n), y[0..n) is certainly a valid polygon shell on its own:
 * no repeated point, no self-intersection or touching, no fold, non-zero area. False means
 * "not certain" (the caller asks GEOS), never "invalid". */
bool imp__ring_certainly_simple(const double *x, const double *y, int n);

/* The EPSG code of the WGS 84 / UTM zone holding lon/lat (32601…32660, 32701…32760). */
int imp__utm_epsg(double lon, double lat);

#endif
