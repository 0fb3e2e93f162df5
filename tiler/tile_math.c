#include "tile_math.h"

#include <math.h>

#define EARTH_RADIUS 6378137.0
#define MAX_LAT 85.05112877980659

bool tile_valid(int z, int64_t x, int64_t y)
{
    if (z < 0 || z > TILE_MAX_ZOOM)
        return false;
    int64_t n = (int64_t)1 << z;
    return x >= 0 && x < n && y >= 0 && y < n;
}

struct tile_bounds tile_bounds_3857(int z, int64_t x, int64_t y)
{
    double size = 2 * TILE_MERCATOR_HALF / (double)((int64_t)1 << z);
    struct tile_bounds b;
    b.minx = -TILE_MERCATOR_HALF + (double)x * size;
    b.maxx = b.minx + size;
    b.maxy = TILE_MERCATOR_HALF - (double)y * size;
    b.miny = b.maxy - size;
    return b;
}

void tile_lonlat_to_3857(double lon, double lat, double *x, double *y)
{
    if (lat > MAX_LAT)
        lat = MAX_LAT;
    if (lat < -MAX_LAT)
        lat = -MAX_LAT;
    *x = EARTH_RADIUS * lon * M_PI / 180.0;
    *y = EARTH_RADIUS * log(tan(M_PI / 4.0 + lat * M_PI / 360.0));
}

void tile_from_lonlat(double lon, double lat, int z, int64_t *x, int64_t *y)
{
    double mx, my;
    tile_lonlat_to_3857(lon, lat, &mx, &my);
    int64_t n = (int64_t)1 << z;
    double size = 2 * TILE_MERCATOR_HALF / (double)n;
    int64_t tx = (int64_t)floor((mx + TILE_MERCATOR_HALF) / size);
    int64_t ty = (int64_t)floor((TILE_MERCATOR_HALF - my) / size);
    *x = tx < 0 ? 0 : tx >= n ? n - 1 : tx;
    *y = ty < 0 ? 0 : ty >= n ? n - 1 : ty;
}
