/* routes_tiles: vector tiles (Mapbox Vector Tile 2.1) of the collections and of the composite
 * "city" tileset, as OGC API – Tiles and as XYZ with TileJSON 3.0. */
#ifndef JUMEAU_ROUTES_TILES_H
#define JUMEAU_ROUTES_TILES_H

#include "http.h"

enum jm_status route_tile_matrix_sets(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_web_mercator_quad(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_collection_tilesets(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_collection_tileset(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_collection_tile(struct http_request *req, struct http_response *res, struct err *e);
/* /tiles/{name}/metadata.json: the tile directory metadata GDAL's MVT driver reads. */
enum jm_status route_tile_directory_metadata(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_tilejson(struct http_request *req, struct http_response *res, struct err *e);
/* /styles/city.json (server/routes_style.c). */
enum jm_status route_style(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_xyz_tile(struct http_request *req, struct http_response *res, struct err *e);

/* The datasets the caller sees, one (`only`, or none: *n = 0) or all: from the registry
 * cache when it is current (no database at all), else from the registry, which then
 * refreshes the cache. The layers live in the request's arena. */
struct tile_layer;
enum jm_status tiles_load_layers(struct http_request *req, const char *only, struct tile_layer **out, int *n,
                                 struct err *e);

/* /3dtiles/… (server/routes_3dtiles.c): 3D Tiles 1.1 of the 3D datasets and of "city". */
enum jm_status route_3dtiles_tileset(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_3dtiles_subtree(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_3dtiles_content(struct http_request *req, struct http_response *res, struct err *e);

/* /viewer/… and /shaders/… (server/routes_static.c): the web viewer as static files. */
enum jm_status route_viewer(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_shaders(struct http_request *req, struct http_response *res, struct err *e);

#endif
