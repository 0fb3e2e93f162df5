/* tile_math: the WebMercatorQuad tile grid (EPSG:3857), as OGC API – Tiles and XYZ use it.
 * Pure functions, no state; the base of the MVT and 3D Tiles encoders. */
#ifndef JUMEAU_TILE_MATH_H
#define JUMEAU_TILE_MATH_H

#include <stdbool.h>
#include <stdint.h>

#define TILE_MAX_ZOOM 24
/* Half the width of the Web Mercator square, in metres: pi * 6378137. */
#define TILE_MERCATOR_HALF 20037508.342789244

struct tile_bounds {
    double minx, miny, maxx, maxy; /* EPSG:3857 metres */
};

/* Whether z/x/y names a tile of the grid (0 <= z <= TILE_MAX_ZOOM, 0 <= x, y < 2^z). */
bool tile_valid(int z, int64_t x, int64_t y);

/* The tile's extent in EPSG:3857; y counts from the north as in XYZ and WebMercatorQuad. */
struct tile_bounds tile_bounds_3857(int z, int64_t x, int64_t y);

/* The tile holding lon/lat (degrees; latitudes beyond ±85.0511 are clamped). */
void tile_from_lonlat(double lon, double lat, int z, int64_t *x, int64_t *y);

/* Spherical Mercator forward transform (EPSG:4326 degrees -> EPSG:3857 metres). */
void tile_lonlat_to_3857(double lon, double lat, double *x, double *y);

#endif
