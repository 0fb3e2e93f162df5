/* The routing table: every path the server answers, in one place. */
#include "http.h"
#include "routes_core.h"
#include "routes_features.h"
#include "routes_tiles.h"
#include "tile_encoder.h"

const struct db_statement http_statements[] = {
    /* a SECURITY DEFINER function: callable in any reader role, the keys stay unreadable */
    {"api_key", "SELECT name, role FROM jumeau.api_key_role($1)", 1},
    {"collection", "SELECT name, title, storage_srid, feature_count FROM jumeau.datasets WHERE name = $1", 1},
    /* pg_catalog, not information_schema: the latter costs tens of milliseconds a call */
    {"columns", tile_columns_sql, 2},
};
const size_t http_statements_count = sizeof http_statements / sizeof http_statements[0];

const struct http_route http_routes[] = {
    {"GET", "/", route_landing, "landing"},
    {"GET", "/health", route_health, "health"},
    {"GET", "/metrics", route_metrics, "metrics"},
    {"GET", "/collections", route_collections, "collections"},
    {"GET", "/conformance", route_conformance, "conformance"},
    {"GET", "/api", route_api, "api"},
    {"GET", "/collections/{id}", route_collection, "collection"},
    {"GET", "/collections/{id}/items", route_items, "items"},
    {"GET", "/collections/{id}/items/{fid}", route_item, "item"},
    {"GET", "/collections/{id}/queryables", route_queryables, "queryables"},
    {"GET", "/tileMatrixSets", route_tile_matrix_sets, "tile_matrix_sets"},
    {"GET", "/tileMatrixSets/WebMercatorQuad", route_web_mercator_quad, "tile_matrix_set"},
    {"GET", "/collections/{id}/tiles", route_collection_tilesets, "collection_tilesets"},
    {"GET", "/collections/{id}/tiles/WebMercatorQuad", route_collection_tileset, "collection_tileset"},
    {"GET", "/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}", route_collection_tile, "collection_tile"},
    {"GET", "/tiles/{name}.json", route_tilejson, "tilejson"},
    {"GET", "/tiles/{name}/metadata.json", route_tile_directory_metadata, "tile_directory_metadata"},
    {"GET", "/tiles/{name}/{z}/{x}/{y}.mvt", route_xyz_tile, "xyz_tile"},
    {"GET", "/styles/city.json", route_style, "style"},
    {"GET", "/3dtiles/{name}/tileset.json", route_3dtiles_tileset, "3dtiles_tileset"},
    {"GET", "/3dtiles/{name}/tileset/{z}/{x}/{y}.json", route_3dtiles_subtree, "3dtiles_subtree"},
    {"GET", "/3dtiles/{name}/content/{z}/{x}/{y}.glb", route_3dtiles_content, "3dtiles_content"},
    {"GET", "/viewer", route_viewer, "viewer"},
    {"GET", "/viewer/{path*}", route_viewer, "viewer_file"},
    {"GET", "/shaders/{path*}", route_shaders, "shaders"},
};
const int http_routes_count = (int)(sizeof http_routes / sizeof http_routes[0]);
