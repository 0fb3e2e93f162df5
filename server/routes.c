/* The routing table: every path the server answers, in one place. */
#include "http.h"
#include "routes_core.h"

const struct http_route http_routes[] = {
    {"GET", "/", route_landing, "landing"},
    {"GET", "/health", route_health, "health"},
    {"GET", "/collections", route_collections, "collections"},
    {"GET", "/collections/{id}", route_collection, "collection"},
};
const int http_routes_count = (int)(sizeof http_routes / sizeof http_routes[0]);
