/* routes_core: the landing page, health, and the collections of OGC API – Features. */
#ifndef JUMEAU_ROUTES_CORE_H
#define JUMEAU_ROUTES_CORE_H

#include "http.h"

enum jm_status route_landing(struct http_request *req, struct http_response *res, struct err *e);
/* 200 {"status":"ok"} when the database answers, 503 otherwise (for load balancers). */
enum jm_status route_health(struct http_request *req, struct http_response *res, struct err *e);
/* The datasets the caller's role may see, as OGC API collections. */
enum jm_status route_collections(struct http_request *req, struct http_response *res, struct err *e);
enum jm_status route_collection(struct http_request *req, struct http_response *res, struct err *e);

#endif
