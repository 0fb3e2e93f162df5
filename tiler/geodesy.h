/* geodesy: the WGS 84 ellipsoid, between geodetic coordinates (longitude, latitude in
 * degrees, ellipsoidal height in metres; EPSG:4979) and Earth-centred Earth-fixed Cartesian
 * coordinates (metres; EPSG:4978), which 3D Tiles places its content in.
 * Pure functions, no state. */
#ifndef JUMEAU_GEODESY_H
#define JUMEAU_GEODESY_H

#define GEO_WGS84_A 6378137.0
#define GEO_WGS84_F (1.0 / 298.257223563)

/* Geodetic to ECEF (exact). */
void geo_to_ecef(double lon, double lat, double h, double out[3]);

/* ECEF to geodetic (Bowring's method with one refinement: below a micrometre anywhere near
 * the Earth's surface). */
void geo_from_ecef(const double p[3], double *lon, double *lat, double *h);

/* The local east, north and up unit vectors at lon/lat (degrees), in ECEF axes. */
void geo_enu_axes(double lon, double lat, double east[3], double north[3], double up[3]);

/* Metres of ground per degree of longitude and of latitude at `lat` (on the ellipsoid). */
void geo_metres_per_degree(double lat, double *per_lon, double *per_lat);

#endif
