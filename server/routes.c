/* The routing table: every path the server answers, in one place. */
#include "http.h"
#include "routes_core.h"
#include "routes_features.h"

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
};
const int http_routes_count = (int)(sizeof http_routes / sizeof http_routes[0]);
