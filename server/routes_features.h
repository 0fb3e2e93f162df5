/* routes_features: OGC API – Features Part 1 (items, item), Part 2 (crs, bbox-crs) and
 * Part 3 (queryables, filter), the conformance declaration. */
#ifndef JUMEAU_ROUTES_FEATURES_H
#define JUMEAU_ROUTES_FEATURES_H

#include "http.h"

enum jm_status route_conformance(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_items(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_item(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_api(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_queryables(struct http_request *req, struct http_response *res, struct err *e);

#endif
