/* geodesy: WGS 84 geodetic <-> ECEF. See geodesy.h. */
#include "geodesy.h"

#include <math.h>

#define DEG (M_PI / 180.0)
#define E2 (GEO_WGS84_F * (2.0 - GEO_WGS84_F)) /* first eccentricity squared */
#define B (GEO_WGS84_A * (1.0 - GEO_WGS84_F))  /* semi-minor axis */

void geo_to_ecef(double lon, double lat, double h, double out[3])
{
    double sl = sin(lat * DEG), cl = cos(lat * DEG);
    double n = GEO_WGS84_A / sqrt(1.0 - E2 * sl * sl); /* prime vertical radius */
    out[0] = (n + h) * cl * cos(lon * DEG);
    out[1] = (n + h) * cl * sin(lon * DEG);
    out[2] = (n * (1.0 - E2) + h) * sl;
}

void geo_from_ecef(const double p[3], double *lon, double *lat, double *h)
{
    double ep2 = (GEO_WGS84_A * GEO_WGS84_A - B * B) / (B * B);
    double r = hypot(p[0], p[1]);
    *lon = atan2(p[1], p[0]) / DEG;
    if (r < 1e-9) { /* on the axis */
        *lat = p[2] >= 0 ? 90.0 : -90.0;
        *h = fabs(p[2]) - B;
        return;
    }
    /* Bowring's parametric latitude, then one iteration of the exact relation */
    double beta = atan2(p[2] * GEO_WGS84_A, r * B);
    double phi = 0;
    for (int i = 0; i < 2; i++) {
        double sb = sin(beta), cb = cos(beta);
        phi = atan2(p[2] + ep2 * B * sb * sb * sb, r - E2 * GEO_WGS84_A * cb * cb * cb);
        beta = atan2(B * sin(phi), GEO_WGS84_A * cos(phi));
    }
    double sp = sin(phi);
    double n = GEO_WGS84_A / sqrt(1.0 - E2 * sp * sp);
    *lat = phi / DEG;
    /* the height along the normal, stable at every latitude */
    *h = r * cos(phi) + p[2] * sp - GEO_WGS84_A * GEO_WGS84_A / n;
}

void geo_enu_axes(double lon, double lat, double east[3], double north[3], double up[3])
{
    double sl = sin(lon * DEG), cl = cos(lon * DEG);
    double sp = sin(lat * DEG), cp = cos(lat * DEG);
    east[0] = -sl, east[1] = cl, east[2] = 0;
    north[0] = -sp * cl, north[1] = -sp * sl, north[2] = cp;
    up[0] = cp * cl, up[1] = cp * sl, up[2] = sp;
}

void geo_metres_per_degree(double lat, double *per_lon, double *per_lat)
{
    double sp = sin(lat * DEG);
    double w = sqrt(1.0 - E2 * sp * sp);
    double n = GEO_WGS84_A / w;                        /* prime vertical radius */
    double m = GEO_WGS84_A * (1.0 - E2) / (w * w * w); /* meridional radius */
    *per_lon = n * cos(lat * DEG) * DEG;
    *per_lat = m * DEG;
}
