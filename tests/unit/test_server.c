/* Unit tests of the server's pure parts (http_): route matching with {param} segments and
 * URL-decoding, and the mapping of error codes to HTTP statuses. No socket, no database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "http.h"
#include "tile_cache.h"

/* Each test gets a request-sized arena, freed by the teardown. */
static int arena_setup(void **state)
{
    struct arena *a = test_malloc(sizeof *a);
    arena_init(a, 1 << 20);
    *state = a;
    return 0;
}

static int arena_teardown(void **state)
{
    arena_cleanup(*state);
    test_free(*state);
    return 0;
}

static bool match(void **state, const char *pattern, const char *path, const char *params[HTTP_MAX_PATH_PARAMS])
{
    for (int i = 0; i < HTTP_MAX_PATH_PARAMS; i++)
        params[i] = NULL;
    return http_route_match(pattern, path, *state, params);
}

/* ---- http_route_match -------------------------------------------------------------- */

static void test_route_literal(void **state)
{
    const char *params[HTTP_MAX_PATH_PARAMS];
    assert_true(match(state, "/", "/", params));
    assert_true(match(state, "/collections", "/collections", params));
    assert_null(params[0]);
    assert_false(match(state, "/collections", "/collection", params));
    assert_false(match(state, "/collections", "/collectionsx", params));
    assert_false(match(state, "/collections", "/Collections", params));
    assert_false(match(state, "/health", "/", params));
    assert_false(match(state, "/", "/health", params));
    assert_true(match(state, "/health", "/health/", params)); /* trailing slash */
}

static void test_route_param(void **state)
{
    const char *params[HTTP_MAX_PATH_PARAMS];
    assert_true(match(state, "/collections/{id}", "/collections/abc", params));
    assert_string_equal(params[0], "abc");
    assert_null(params[1]);

    assert_true(match(state, "/collections/{id}", "/collections/parcels_2024", params));
    assert_string_equal(params[0], "parcels_2024");

    /* Trailing slash: the same resource. */
    assert_true(match(state, "/collections/{id}", "/collections/abc/", params));
    assert_string_equal(params[0], "abc");

    assert_false(match(state, "/collections/{id}", "/collections", params));
    assert_false(match(state, "/collections/{id}", "/collections/", params));
    assert_false(match(state, "/collections/{id}", "/collections/abc/items", params));
    assert_false(match(state, "/collections/{id}", "/collections/abc//", params));
    assert_false(match(state, "/collections/{id}", "/other/abc", params));
}

/* "{path*}" takes the rest of the path, slashes included, or nothing. */
static void test_route_rest(void **state)
{
    const char *params[HTTP_MAX_PATH_PARAMS];
    assert_true(match(state, "/viewer/{path*}", "/viewer/js/app.js", params));
    assert_string_equal(params[0], "js/app.js");
    assert_true(match(state, "/viewer/{path*}", "/viewer/", params));
    assert_string_equal(params[0], "");
    assert_true(match(state, "/viewer/{path*}", "/viewer/cesium/Workers/a.js", params));
    assert_string_equal(params[0], "cesium/Workers/a.js");
    assert_false(match(state, "/viewer/{path*}", "/viewers/x", params));
    assert_false(match(state, "/viewer/{path*}", "/viewer", params));
    assert_true(match(state, "/3dtiles/{name}/{rest*}", "/3dtiles/city/a/b", params));
    assert_string_equal(params[0], "city");
    assert_string_equal(params[1], "a/b");
}

static void test_route_param_not_decoded_twice(void **state)
{
    /* libmicrohttpd hands handlers a decoded path: a second decoding would turn a literal
     * "%41" in a name into "A" (regression) */
    const char *params[HTTP_MAX_PATH_PARAMS];
    assert_true(match(state, "/collections/{id}", "/collections/%41b", params));
    assert_string_equal(params[0], "%41b");
    assert_true(match(state, "/collections/{id}", "/collections/caf\xC3\xA9", params));
    assert_string_equal(params[0], "caf\xC3\xA9");
    assert_true(match(state, "/collections/{id}", "/collections/a+b", params));
    assert_string_equal(params[0], "a+b");
}

static void test_route_param_with_suffix(void **state)
{
    const char *params[HTTP_MAX_PATH_PARAMS];
    assert_true(match(state, "/tiles/{name}/{z}/{x}/{y}.mvt", "/tiles/city/14/8612/5760.mvt", params));
    assert_string_equal(params[0], "city");
    assert_string_equal(params[3], "5760");
    assert_true(match(state, "/tiles/{name}.json", "/tiles/city.json", params));
    assert_string_equal(params[0], "city");
    assert_false(match(state, "/tiles/{name}.json", "/tiles/city.jso", params));
    assert_false(match(state, "/tiles/{name}.json", "/tiles/.json", params)); /* never empty */
    assert_false(match(state, "/tiles/{name}/{z}/{x}/{y}.mvt", "/tiles/city/14/8612/5760", params));
}

static void test_route_param_never_empty(void **state)
{
    const char *params[HTTP_MAX_PATH_PARAMS];
    assert_false(match(state, "/collections/{id}/items", "/collections//items", params));
    assert_false(match(state, "/collections/{id}/items", "/collections/items", params));
    assert_true(match(state, "/collections/{id}/items", "/collections/roads/items", params));
    assert_string_equal(params[0], "roads");
    assert_true(match(state, "/collections/{id}/items", "/collections/roads/items/", params));
    assert_string_equal(params[0], "roads");
    assert_false(match(state, "/collections/{id}/items", "/collections/roads/item", params));
    assert_false(match(state, "/collections/{id}/items", "/collections/roads", params));
}

static void test_route_two_params(void **state)
{
    const char *params[HTTP_MAX_PATH_PARAMS];
    const char *pattern = "/collections/{collectionId}/items/{featureId}";
    assert_true(match(state, pattern, "/collections/buildings/items/42", params));
    assert_string_equal(params[0], "buildings");
    assert_string_equal(params[1], "42");
    assert_null(params[2]);
    assert_true(match(state, pattern, "/collections/b\xC3\xA2t/items/way%2F7", params));
    assert_string_equal(params[0], "b\xC3\xA2t");
    assert_string_equal(params[1], "way%2F7");
    assert_false(match(state, pattern, "/collections/buildings/items/", params));
    assert_false(match(state, pattern, "/collections//items/42", params));

    const char *tiles = "/tiles/{tms}/{z}/{y}/{x}";
    assert_true(match(state, tiles, "/tiles/WebMercatorQuad/14/5753/8625", params));
    assert_string_equal(params[0], "WebMercatorQuad");
    assert_string_equal(params[1], "14");
    assert_string_equal(params[2], "5753");
    assert_string_equal(params[3], "8625");

    /* More {params} than HTTP_MAX_PATH_PARAMS never match (no write past params). */
    assert_false(match(state, "/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5", params));
}

static void test_route_params_live_in_arena(void **state)
{
    struct arena *a = *state;
    const char *params[HTTP_MAX_PATH_PARAMS];
    size_t before = a->used;
    assert_true(match(state, "/collections/{id}", "/collections/abc", params));
    assert_true(a->used > before);
    /* An arena with no room left: no match rather than a NULL parameter. */
    struct arena full;
    arena_init(&full, 16);
    assert_non_null(arena_alloc(&full, 16));
    for (int i = 0; i < HTTP_MAX_PATH_PARAMS; i++)
        params[i] = NULL;
    assert_false(http_route_match("/collections/{id}", "/collections/abc", &full, params));
    arena_cleanup(&full);
}

/* The real routing table: every pattern matches a path built from it. */
static void test_routes_table(void **state)
{
    const char *params[HTTP_MAX_PATH_PARAMS];
    assert_true(http_routes_count > 0);
    bool landing = false;
    for (int i = 0; i < http_routes_count; i++) {
        const struct http_route *r = &http_routes[i];
        assert_non_null(r->method);
        assert_non_null(r->pattern);
        assert_non_null(r->handler);
        assert_non_null(r->name);
        assert_int_equal(r->pattern[0], '/');
        char path[256];
        size_t k = 0;
        for (const char *p = r->pattern; *p && k + 2 < sizeof path; p++) {
            if (*p == '{') {
                path[k++] = 'x';
                p = strchr(p, '}');
                assert_non_null(p);
            } else {
                path[k++] = *p;
            }
        }
        path[k] = '\0';
        if (!match(state, r->pattern, path, params))
            fail_msg("route %s: '%s' does not match '%s'", r->name, r->pattern, path);
        if (strcmp(r->pattern, "/") == 0)
            landing = true;
    }
    assert_true(landing);
}

/* ---- http_status_for --------------------------------------------------------------- */

static void test_status_for(void **state)
{
    (void)state;
    assert_int_equal(http_status_for(JM_OK), 200);
    assert_int_equal(http_status_for(JM_EINPUT), 400);
    assert_int_equal(http_status_for(JM_ENOTFOUND), 404);
    assert_int_equal(http_status_for(JM_EEXISTS), 409);
    assert_int_equal(http_status_for(JM_ELIMIT), 413);
    assert_int_equal(http_status_for(JM_EDENIED), 403);
    assert_int_equal(http_status_for(JM_EENV), 500);
    assert_int_equal(http_status_for(JM_EDB), 503);
    assert_int_equal(http_status_for(JM_EINTERNAL), 500);
    assert_int_equal(http_status_for(JM_ENOTYET), 501);
    assert_int_equal(http_status_for((enum jm_status)99), 500);
}

/* ---- tile cache ------------------------------------------------------------------- */

static void test_tile_cache_lru_within_budget(void **state)
{
    (void)state;
    struct tile_cache c;
    assert_int_equal(tile_cache_init(&c, 8 * 1000), 0);
    char tile[1000];
    for (int i = 0; i < 8; i++) {
        char key[32];
        snprintf(key, sizeof key, "t|%d", i);
        memset(tile, 'a' + i, sizeof tile);
        tile_cache_put(&c, key, tile, sizeof tile);
    }
    assert_int_equal(c.bytes, 8000);
    struct buf out;
    buf_init(&out, 0);
    assert_true(tile_cache_get(&c, "t|0", &out)); /* t|0 becomes the newest */
    assert_int_equal(out.len, 1000);
    assert_int_equal(out.data[0], 'a');
    tile_cache_put(&c, "t|8", tile, sizeof tile); /* over budget: the oldest, t|1, goes */
    buf_reset(&out);
    assert_false(tile_cache_get(&c, "t|1", &out));
    assert_true(tile_cache_get(&c, "t|0", &out));
    assert_true(c.bytes <= 8000);
    /* an empty tile is cached as such */
    tile_cache_put(&c, "empty", "", 0);
    buf_reset(&out);
    assert_true(tile_cache_get(&c, "empty", &out));
    assert_int_equal(out.len, 0);
    /* storing a key again replaces its tile */
    memset(tile, 'z', sizeof tile);
    tile_cache_put(&c, "t|0", tile, 10);
    buf_reset(&out);
    assert_true(tile_cache_get(&c, "t|0", &out));
    assert_int_equal(out.len, 10);
    assert_int_equal(out.data[0], 'z');
    /* a tile larger than an eighth of the budget is not kept */
    char big[2000] = {0};
    tile_cache_put(&c, "big", big, sizeof big);
    buf_reset(&out);
    assert_false(tile_cache_get(&c, "big", &out));
    buf_cleanup(&out);
    tile_cache_cleanup(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_route_literal, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_route_rest, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_route_param, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_route_param_not_decoded_twice, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_route_param_with_suffix, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_route_param_never_empty, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_route_two_params, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_route_params_live_in_arena, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_routes_table, arena_setup, arena_teardown),
        cmocka_unit_test(test_status_for),
        cmocka_unit_test(test_tile_cache_lru_within_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
