/* geoid: the height of the geoid above the WGS 84 ellipsoid (the undulation N), so that an
 * orthometric height H (above sea level, as surveys and city models give it) becomes the
 * ellipsoidal height h = H + N that 3D Tiles needs. PROJ computes it with the EGM96 grid
 * (EPSG:5773, file egm96_15.gtx from Debian's proj-data) when it is installed; without the
 * grid N is 0 and geoid_available() says so (heights are then taken as ellipsoidal).
 * Thread-safety: any thread; each keeps its own PROJ context (freed when it exits). */
#ifndef JUMEAU_GEOID_H
#define JUMEAU_GEOID_H

#include <stdbool.h>

/* N at lon/lat (degrees), metres; 0 when the grid is missing. */
double geoid_undulation(double lon, double lat);

/* Whether PROJ found the geoid grid (asked once per thread). */
bool geoid_available(void);

#endif
