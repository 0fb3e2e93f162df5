/* /styles/city.json: a MapLibre GL style (version 8) for the city's vector tiles, made from
 * the datasets the caller may see: parcels as outlines (no labels: the server ships no glyphs,
 * and the map must work offline),
 * buildings extruded by height, networks coloured by type; a legend in the metadata. */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "json_writer.h"
#include "routes_tiles.h"

/* Colours of network types (the rest: grey). */
static const struct {
    const char *type, *colour, *label;
} network_colours[] = {
    {"highway", "#e8a33d", "roads"},   {"railway", "#6b4c9a", "railways"}, {"waterway", "#3d8fd1", "waterways"},
    {"power", "#d13d3d", "power lines"}, {"pipeline", "#2e8b57", "pipelines"}, {"Sewer", "#8b5a2b", "sewer"},
    {"Wastewater", "#8b5a2b", "wastewater"}, {"Storm", "#3d6fd1", "storm water"},
    {"Stormwater", "#3d6fd1", "storm water"}, {"Combined", "#8b3d8b", "combined sewer"},
};

static void legend_entry(struct jw *w, const char *label, const char *colour, const char *dataset)
{
    jw_object_begin(w);
    jw_kv_string(w, "label", label);
    jw_kv_string(w, "color", colour);
    jw_kv_string(w, "dataset", dataset);
    jw_object_end(w);
}

enum jm_status route_style(struct http_request *req, struct http_response *res, struct err *e)
{
    PGconn *conn = http_db(req, e);
    if (!conn)
        return e->code;
    PGresult *r = db_query(conn, "SELECT name, kind, title FROM jumeau.datasets ORDER BY kind = 'buildings', name", 0, NULL,
                           e);
    if (!r)
        return e->code;
    struct jw w;
    jw_init(&w, &res->body);
    jw_object_begin(&w);
    jw_kv_int(&w, "version", 8);
    jw_kv_string(&w, "name", "jumeau city");
    jw_key(&w, "sources");
    jw_object_begin(&w);
    jw_key(&w, "city");
    jw_object_begin(&w);
    jw_kv_string(&w, "type", "vector");
    jw_kv_string(&w, "url", arena_printf(&req->arena, "%s/tiles/city.json", req->base_url));
    jw_object_end(&w);
    jw_object_end(&w);
    jw_key(&w, "layers");
    jw_array_begin(&w);
    jw_raw(&w, "{\"id\":\"background\",\"type\":\"background\",\"paint\":{\"background-color\":\"#f4f1ea\"}}");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = PQgetvalue(r, i, 0), *kind = PQgetvalue(r, i, 1);
        struct arena *a = &req->arena;
        if (strcmp(kind, "cadastre") == 0) {
            jw_raw(&w, arena_printf(a,
                                    "{\"id\":\"%s-outline\",\"type\":\"line\",\"source\":\"city\",\"source-layer\":\"%s\","
                                    "\"paint\":{\"line-color\":\"#a0522d\",\"line-width\":[\"interpolate\",[\"linear\"],"
                                    "[\"zoom\"],14,0.5,18,1.5]}}",
                                    name, name));
        } else if (strcmp(kind, "network") == 0) {
            struct buf match;
            buf_init(&match, 4096);
            buf_puts(&match, "[\"match\",[\"get\",\"network_type\"]");
            for (size_t k = 0; k < sizeof network_colours / sizeof network_colours[0]; k++)
                buf_printf(&match, ",\"%s\",\"%s\"", network_colours[k].type, network_colours[k].colour);
            buf_puts(&match, ",\"#888888\"]");
            jw_raw(&w, arena_printf(a,
                                    "{\"id\":\"%s-lines\",\"type\":\"line\",\"source\":\"city\",\"source-layer\":\"%s\","
                                    "\"layout\":{\"line-cap\":\"round\",\"line-join\":\"round\"},"
                                    "\"paint\":{\"line-color\":%s,\"line-width\":[\"interpolate\",[\"linear\"],"
                                    "[\"zoom\"],10,0.5,16,3]}}",
                                    name, name, buf_str(&match)));
            buf_cleanup(&match);
        } else {
            /* buildings and the 3D kinds: extruded by their height */
            jw_raw(&w, arena_printf(a,
                                    "{\"id\":\"%s-3d\",\"type\":\"fill-extrusion\",\"source\":\"city\","
                                    "\"source-layer\":\"%s\",\"paint\":{\"fill-extrusion-color\":[\"interpolate\","
                                    "[\"linear\"],[\"coalesce\",[\"get\",\"height\"],6],0,\"#d9d2c5\",20,\"#b5a58c\","
                                    "60,\"#8c7355\"],\"fill-extrusion-height\":[\"coalesce\",[\"get\",\"height\"],6],"
                                    "\"fill-extrusion-base\":0,\"fill-extrusion-opacity\":0.9}}",
                                    name, name));
        }
    }
    jw_array_end(&w);
    jw_key(&w, "metadata");
    jw_object_begin(&w);
    jw_key(&w, "jumeau:legend");
    jw_array_begin(&w);
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = PQgetvalue(r, i, 0), *kind = PQgetvalue(r, i, 1), *title = PQgetvalue(r, i, 2);
        if (strcmp(kind, "cadastre") == 0) {
            legend_entry(&w, title, "#a0522d", name);
        } else if (strcmp(kind, "network") == 0) {
            for (size_t k = 0; k < sizeof network_colours / sizeof network_colours[0]; k++)
                legend_entry(&w, arena_printf(&req->arena, "%s: %s", title, network_colours[k].label),
                             network_colours[k].colour, name);
        } else {
            legend_entry(&w, arena_printf(&req->arena, "%s (lighter: lower)", title), "#b5a58c", name);
        }
    }
    jw_array_end(&w);
    jw_object_end(&w);
    jw_object_end(&w);
    PQclear(r);
    res->content_type = "application/json";
    return jw_finish(&w) ? JM_OK : err_set(e, JM_EINTERNAL, "JSON encoding failed");
}
