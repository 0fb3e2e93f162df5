/* Unit tests of server/cql2 (cql2_): the exact SQL and parameters of every operator in
 * cql2-text and cql2-json, precedence, property-property comparisons, both languages giving
 * the same SQL, literal validation and canonical forms, errors (exact messages), limits,
 * and the failure contract (caller's buf unchanged, no parameters). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_locale.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cql2.h"

static const struct cql2_property props[] = {
    {"geom", CQL2_GEOMETRY}, {"height", CQL2_NUMBER},  {"storeys", CQL2_INTEGER},
    {"use", CQL2_STRING},    {"name", CQL2_STRING},    {"year_built", CQL2_INTEGER},
    {"built", CQL2_DATE},    {"updated", CQL2_TIMESTAMP}, {"active", CQL2_BOOLEAN},
};
static const struct cql2_schema schema = {props, sizeof props / sizeof props[0], 32632};

#define FIRST 3
#define PREFIX "WHERE id > $1 AND "
#define QUERYABLES " (queryables: geom, height, storeys, use, name, year_built, built, updated, active)"

/* The SQL fragments of geometry literals with filter_srid 4326 and storage_srid 32632. */
#define WKT(n) "ST_Transform(ST_GeomFromText($" #n "::text, 4326), 32632)"
#define GEOJSON(n) "ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($" #n "::text), 4326), 32632)"
#define DP "::double precision"
#define ENVELOPE(a, b, c, d) \
    "ST_Transform(ST_MakeEnvelope($" #a DP ", $" #b DP ", $" #c DP ", $" #d DP ", 4326), 32632)"

#define MAX_EXPECTED_PARAMS 8

struct ok_case {
    enum cql2_lang lang;
    const char *filter;
    const char *sql;
    const char *params[MAX_EXPECTED_PARAMS]; /* NULL-terminated */
};

struct result {
    enum jm_status status;
    struct buf sql;
    struct cql2_params params;
    struct err e;
};

static void run_with(struct result *r, enum cql2_lang lang, const char *filter, size_t len,
                     const struct cql2_schema *s, int filter_srid, int first)
{
    buf_init(&r->sql, 0);
    buf_puts(&r->sql, PREFIX);
    memset(&r->params, 0, sizeof r->params);
    err_clear(&r->e);
    r->status = cql2_to_sql(filter, len, lang, s, filter_srid, first, &r->sql, &r->params, &r->e);
}

static void run(struct result *r, enum cql2_lang lang, const char *filter)
{
    run_with(r, lang, filter, strlen(filter), &schema, 4326, FIRST);
}

static void done(struct result *r)
{
    cql2_params_cleanup(&r->params);
    assert_int_equal(r->params.count, 0);
    buf_cleanup(&r->sql);
}

/* On failure: the status, the caller's buf exactly as before, no parameters. */
static void check_failed(struct result *r, enum jm_status code)
{
    if (r->status != code)
        fail_msg("expected status %d, got %d (%s) [%s]", (int)code, (int)r->status, r->e.msg, buf_str(&r->sql));
    assert_int_equal(r->e.code, code);
    assert_string_equal(buf_str(&r->sql), PREFIX);
    assert_int_equal(r->sql.len, strlen(PREFIX));
    assert_false(r->sql.overflow);
    assert_int_equal(r->params.count, 0);
    assert_true(strncmp(r->e.msg, "filter: ", 8) == 0);
}

/* Checks one success case; prints what differs and returns false. */
static bool ok_case_passes(const struct ok_case *c)
{
    struct result r;
    bool ok = false;
    run(&r, c->lang, c->filter);
    const char *sql = buf_str(&r.sql);
    int n = 0;
    while (n < MAX_EXPECTED_PARAMS && c->params[n])
        n++;
    if (r.status != JM_OK) {
        print_error("%s: %s\n", c->filter, r.e.msg);
        goto out;
    }
    if (strncmp(sql, PREFIX, strlen(PREFIX)) != 0 || strcmp(sql + strlen(PREFIX), c->sql) != 0) {
        print_error("%s:\n got      %s\n expected %s\n", c->filter, sql, c->sql);
        goto out;
    }
    if (r.params.count != n) {
        print_error("%s: %d parameters, expected %d\n", c->filter, r.params.count, n);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(r.params.values[i], c->params[i]) != 0) {
            print_error("%s: $%d = [%s], expected [%s]\n", c->filter, FIRST + i, r.params.values[i], c->params[i]);
            goto out;
        }
    }
    ok = true;
out:
    done(&r);
    return ok;
}

static void check_ok_cases(const struct ok_case *cases, size_t count)
{
    size_t failed = 0;
    for (size_t i = 0; i < count; i++)
        failed += !ok_case_passes(&cases[i]);
    assert_int_equal(failed, 0);
}

/* ---- cql2-text: every operator and literal ---- */

static const struct ok_case text_cases[] = {
    /* comparisons and numbers */
    {CQL2_TEXT, "height > 10", "\"height\" > $3::double precision", {"10"}},
    {CQL2_TEXT, "height >= 10.5", "\"height\" >= $3::double precision", {"10.5"}},
    {CQL2_TEXT, "height < -3.5e2", "\"height\" < $3::double precision", {"-350"}},
    {CQL2_TEXT, "height <= +.5", "\"height\" <= $3::double precision", {"0.5"}},
    {CQL2_TEXT, "height <> 1.", "\"height\" <> $3::double precision", {"1"}},
    {CQL2_TEXT, "height = 1E-3", "\"height\" = $3::double precision", {"0.001"}},
    {CQL2_TEXT, "height=0.1", "\"height\" = $3::double precision", {"0.1"}},
    {CQL2_TEXT, "height = 9007199254740993", "\"height\" = $3::double precision", {"9007199254740992"}},
    {CQL2_TEXT, "height = 1e300", "\"height\" = $3::double precision", {"1e300"}},
    {CQL2_TEXT, "storeys = 3", "\"storeys\" = $3::bigint", {"3"}},
    {CQL2_TEXT, "storeys > 3.0", "\"storeys\" > $3::bigint", {"3"}},
    {CQL2_TEXT, "year_built < 2e3", "\"year_built\" < $3::bigint", {"2000"}},
    {CQL2_TEXT, "storeys = 9223372036854775807", "\"storeys\" = $3::bigint", {"9223372036854775807"}},
    {CQL2_TEXT, "storeys >= -0", "\"storeys\" >= $3::bigint", {"0"}},
    /* strings */
    {CQL2_TEXT, "use = 'it''s'", "\"use\" = $3::text", {"it's"}},
    {CQL2_TEXT, "name = 'x''; DROP TABLE t; --'", "\"name\" = $3::text", {"x'; DROP TABLE t; --"}},
    {CQL2_TEXT, "name = 'Z\xC3\xBCrich \xE6\x9D\xB1\xE4\xBA\xAC'", "\"name\" = $3::text",
     {"Z\xC3\xBCrich \xE6\x9D\xB1\xE4\xBA\xAC"}},
    {CQL2_TEXT, "name = ''", "\"name\" = $3::text", {""}},
    {CQL2_TEXT, "name = '$1 \"q\" \\'", "\"name\" = $3::text", {"$1 \"q\" \\"}},
    /* booleans */
    {CQL2_TEXT, "active = TRUE", "\"active\" = $3::boolean", {"true"}},
    {CQL2_TEXT, "active <> false", "\"active\" <> $3::boolean", {"false"}},
    {CQL2_TEXT, "active", "\"active\"", {NULL}},
    {CQL2_TEXT, "TRUE", "TRUE", {NULL}},
    {CQL2_TEXT, "false", "FALSE", {NULL}},
    /* dates and timestamps */
    {CQL2_TEXT, "built < DATE('2020-01-01')", "\"built\" < $3::date", {"2020-01-01"}},
    {CQL2_TEXT, "built = date('2000-02-29')", "\"built\" = $3::date", {"2000-02-29"}},
    {CQL2_TEXT, "updated > TIMESTAMP('2020-01-01T00:00:00Z')", "\"updated\" > $3::timestamptz",
     {"2020-01-01T00:00:00Z"}},
    {CQL2_TEXT, "updated > timestamp('2016-12-31t23:59:60.123456789z')", "\"updated\" > $3::timestamptz",
     {"2016-12-31T23:59:60.123456789Z"}},
    {CQL2_TEXT, "updated <= TIMESTAMP('1999-12-31T23:00:00-05:30')", "\"updated\" <= $3::timestamptz",
     {"1999-12-31T23:00:00-05:30"}},
    /* property-property and literal-literal comparisons */
    {CQL2_TEXT, "height > storeys", "\"height\" > \"storeys\"", {NULL}},
    {CQL2_TEXT, "use = name", "\"use\" = \"name\"", {NULL}},
    {CQL2_TEXT, "storeys <> year_built", "\"storeys\" <> \"year_built\"", {NULL}},
    {CQL2_TEXT, "built <= built", "\"built\" <= \"built\"", {NULL}},
    {CQL2_TEXT, "1 = 1", "$3::double precision = $4::double precision", {"1", "1"}},
    {CQL2_TEXT, "'a' = use", "$3::text = \"use\"", {"a"}},
    {CQL2_TEXT, "3 = storeys", "$3::bigint = \"storeys\"", {"3"}},
    {CQL2_TEXT, "\"height\" > 1", "\"height\" > $3::double precision", {"1"}},
    /* LIKE */
    {CQL2_TEXT, "use LIKE 'res%'", "\"use\" LIKE $3::text", {"res%"}},
    {CQL2_TEXT, "use NOT LIKE 'a\\_b%'", "\"use\" NOT LIKE $3::text", {"a\\_b%"}},
    {CQL2_TEXT, "name like use", "\"name\" LIKE \"use\"", {NULL}},
    {CQL2_TEXT, "'abc' LIKE name", "$3::text LIKE \"name\"", {"abc"}},
    {CQL2_TEXT, "use LIKE 'ends with \\\\'", "\"use\" LIKE $3::text", {"ends with \\\\"}},
    /* BETWEEN */
    {CQL2_TEXT, "height BETWEEN 1 AND 2.5", "\"height\" BETWEEN $3::double precision AND $4::double precision",
     {"1", "2.5"}},
    {CQL2_TEXT, "storeys NOT BETWEEN 1 AND 10", "\"storeys\" NOT BETWEEN $3::bigint AND $4::bigint", {"1", "10"}},
    {CQL2_TEXT, "height BETWEEN storeys AND 10", "\"height\" BETWEEN \"storeys\" AND $3::double precision", {"10"}},
    {CQL2_TEXT, "storeys between year_built and 10", "\"storeys\" BETWEEN \"year_built\" AND $3::bigint", {"10"}},
    /* IN */
    {CQL2_TEXT, "use IN ('a', 'b\"c', 'd\\e')", "\"use\" = ANY($3::text[])", {"{\"a\",\"b\\\"c\",\"d\\\\e\"}"}},
    {CQL2_TEXT, "use NOT IN ('x')", "\"use\" <> ALL($3::text[])", {"{\"x\"}"}},
    {CQL2_TEXT, "use IN ('{a,b}', 'NULL', '')", "\"use\" = ANY($3::text[])", {"{\"{a,b}\",\"NULL\",\"\"}"}},
    {CQL2_TEXT, "height IN (1, 2.5, -0)", "\"height\" = ANY($3::double precision[])", {"{1,2.5,-0}"}},
    {CQL2_TEXT, "storeys IN (1, 2e1)", "\"storeys\" = ANY($3::bigint[])", {"{1,20}"}},
    {CQL2_TEXT, "built IN (DATE('2020-01-01'), DATE('2021-01-01'))", "\"built\" = ANY($3::date[])",
     {"{\"2020-01-01\",\"2021-01-01\"}"}},
    {CQL2_TEXT, "updated NOT IN (TIMESTAMP('2020-01-01T00:00:00Z'))", "\"updated\" <> ALL($3::timestamptz[])",
     {"{\"2020-01-01T00:00:00Z\"}"}},
    {CQL2_TEXT, "active IN (TRUE, false)", "\"active\" = ANY($3::boolean[])", {"{true,false}"}},
    {CQL2_TEXT, "use IN (name, 'x')", "\"use\" IN (\"name\", $3::text)", {"x"}},
    {CQL2_TEXT, "use NOT IN (name, use)", "\"use\" NOT IN (\"name\", \"use\")", {NULL}},
    {CQL2_TEXT, "'a' IN ('a', 'b')", "$3::text = ANY($4::text[])", {"a", "{\"a\",\"b\"}"}},
    /* IS NULL */
    {CQL2_TEXT, "geom IS NULL", "\"geom\" IS NULL", {NULL}},
    {CQL2_TEXT, "name is not null", "\"name\" IS NOT NULL", {NULL}},
    /* precedence: NOT > AND > OR, flat chains, parentheses */
    {CQL2_TEXT, "height > 1 OR storeys = 2 AND use = 'a'",
     "(\"height\" > $3::double precision OR (\"storeys\" = $4::bigint AND \"use\" = $5::text))", {"1", "2", "a"}},
    {CQL2_TEXT, "(height > 1 OR storeys = 2) AND use = 'a'",
     "((\"height\" > $3::double precision OR \"storeys\" = $4::bigint) AND \"use\" = $5::text)", {"1", "2", "a"}},
    {CQL2_TEXT, "NOT active AND use = 'a'", "(NOT (\"active\") AND \"use\" = $3::text)", {"a"}},
    {CQL2_TEXT, "NOT (height > 1 OR active)", "NOT ((\"height\" > $3::double precision OR \"active\"))", {"1"}},
    {CQL2_TEXT, "NOT NOT active", "NOT (NOT (\"active\"))", {NULL}},
    {CQL2_TEXT, "active AND active AND active OR active", "((\"active\" AND \"active\" AND \"active\") OR \"active\")",
     {NULL}},
    {CQL2_TEXT, "height BETWEEN 1 AND 2 AND active",
     "(\"height\" BETWEEN $3::double precision AND $4::double precision AND \"active\")", {"1", "2"}},
    {CQL2_TEXT, "height > 1 aNd NoT use lIkE 'x' oR active",
     "((\"height\" > $3::double precision AND NOT (\"use\" LIKE $4::text)) OR \"active\")", {"1", "x"}},
    {CQL2_TEXT, "((((height > 1))))", "\"height\" > $3::double precision", {"1"}},
    {CQL2_TEXT, " \t\r\nheight\n>\t1 ", "\"height\" > $3::double precision", {"1"}},
    /* spatial */
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT(1 2))", "ST_Intersects(\"geom\", " WKT(3) ")", {"POINT(1 2)"}},
    {CQL2_TEXT, "s_intersects(geom,point( -1.50  +2e0 ))", "ST_Intersects(\"geom\", " WKT(3) ")", {"POINT(-1.5 2)"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT(-0 0))", "ST_Intersects(\"geom\", " WKT(3) ")", {"POINT(0 0)"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT Z (1 2 3))", "ST_Intersects(\"geom\", " WKT(3) ")", {"POINT(1 2 3)"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT(180 -90))", "ST_Intersects(\"geom\", " WKT(3) ")", {"POINT(180 -90)"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, LINESTRING(0 0, 1 1, 2 0))", "ST_Intersects(\"geom\", " WKT(3) ")",
     {"LINESTRING(0 0,1 1,2 0)"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, POLYGON((0 0, 10 0, 10 10, 0 0), (1 1, 2 1, 2 2, 1 1)))",
     "ST_Intersects(\"geom\", " WKT(3) ")", {"POLYGON((0 0,10 0,10 10,0 0),(1 1,2 1,2 2,1 1))"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, MULTIPOINT(1 2, 3 4))", "ST_Intersects(\"geom\", " WKT(3) ")",
     {"MULTIPOINT((1 2),(3 4))"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, MULTIPOINT((1 2), (3 4)))", "ST_Intersects(\"geom\", " WKT(3) ")",
     {"MULTIPOINT((1 2),(3 4))"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, MULTILINESTRING((0 0, 1 1), (2 2, 3 3)))", "ST_Intersects(\"geom\", " WKT(3) ")",
     {"MULTILINESTRING((0 0,1 1),(2 2,3 3))"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5))))",
     "ST_Intersects(\"geom\", " WKT(3) ")", {"MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1)))",
     "ST_Intersects(\"geom\", " WKT(3) ")", {"GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, BBOX(-10, 40, 10, 50))", "ST_Intersects(\"geom\", " ENVELOPE(3, 4, 5, 6) ")",
     {"-10", "40", "10", "50"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, BBOX(-10, 40, 0, 10, 50, 100))",
     "ST_Intersects(\"geom\", " ENVELOPE(3, 4, 5, 6) ")", {"-10", "40", "10", "50"}},
    {CQL2_TEXT, "S_INTERSECTS(POINT(1 2), geom)", "ST_Intersects(" WKT(3) ", \"geom\")", {"POINT(1 2)"}},
    {CQL2_TEXT, "S_INTERSECTS(geom, geom)", "ST_Intersects(\"geom\", \"geom\")", {NULL}},
    {CQL2_TEXT, "S_EQUALS(geom, POINT(1 2))", "ST_Equals(\"geom\", " WKT(3) ")", {"POINT(1 2)"}},
    {CQL2_TEXT, "S_DISJOINT(geom, POINT(1 2))", "ST_Disjoint(\"geom\", " WKT(3) ")", {"POINT(1 2)"}},
    {CQL2_TEXT, "S_TOUCHES(geom, POINT(1 2))", "ST_Touches(\"geom\", " WKT(3) ")", {"POINT(1 2)"}},
    {CQL2_TEXT, "S_WITHIN(geom, POINT(1 2))", "ST_Within(\"geom\", " WKT(3) ")", {"POINT(1 2)"}},
    {CQL2_TEXT, "S_OVERLAPS(geom, POINT(1 2))", "ST_Overlaps(\"geom\", " WKT(3) ")", {"POINT(1 2)"}},
    {CQL2_TEXT, "S_CROSSES(geom, POINT(1 2))", "ST_Crosses(\"geom\", " WKT(3) ")", {"POINT(1 2)"}},
    {CQL2_TEXT, "S_CONTAINS(geom, POINT(1 2))", "ST_Contains(\"geom\", " WKT(3) ")", {"POINT(1 2)"}},
    {CQL2_TEXT, "NOT S_INTERSECTS(geom, POINT(0 0)) AND geom IS NOT NULL",
     "(NOT (ST_Intersects(\"geom\", " WKT(3) ")) AND \"geom\" IS NOT NULL)", {"POINT(0 0)"}},
    /* examples of OGC 21-065, adapted to this schema */
    {CQL2_TEXT, "name='Toronto'", "\"name\" = $3::text", {"Toronto"}},
    {CQL2_TEXT, "name LIKE 'Smith%'", "\"name\" LIKE $3::text", {"Smith%"}},
    {CQL2_TEXT, "height BETWEEN 14.4 AND 24.0",
     "\"height\" BETWEEN $3::double precision AND $4::double precision", {"14.4", "24"}},
    {CQL2_TEXT, "use IN ('residential','commercial')", "\"use\" = ANY($3::text[])",
     {"{\"residential\",\"commercial\"}"}},
    {CQL2_TEXT, "updated > TIMESTAMP('2012-08-10T05:30:00Z')", "\"updated\" > $3::timestamptz",
     {"2012-08-10T05:30:00Z"}},
    {CQL2_TEXT, "S_INTERSECTS(geom,POLYGON((-10.0 50.0,10.0 50.0,10.0 55.0,-10.0 50.0)))",
     "ST_Intersects(\"geom\", " WKT(3) ")", {"POLYGON((-10 50,10 50,10 55,-10 50))"}},
    {CQL2_TEXT, "S_INTERSECTS(geom,BBOX(-128.098,42.0,-120.0,50.0))", "ST_Intersects(\"geom\", " ENVELOPE(3, 4, 5, 6) ")",
     {"-128.098", "42", "-120", "50"}},
    {CQL2_TEXT, "height > 5 AND use IS NOT NULL", "(\"height\" > $3::double precision AND \"use\" IS NOT NULL)", {"5"}},
};

/* ---- cql2-json ---- */

static const struct ok_case json_cases[] = {
    {CQL2_JSON, "{\"op\":\">\",\"args\":[{\"property\":\"height\"},10]}", "\"height\" > $3::double precision", {"10"}},
    {CQL2_JSON, " { \"args\" : [ { \"property\" : \"storeys\" } , 3.0 ] , \"op\" : \"<=\" } ",
     "\"storeys\" <= $3::bigint", {"3"}},
    {CQL2_JSON, "{\"op\":\"<>\",\"args\":[{\"property\":\"height\"},-1.5E+2]}", "\"height\" <> $3::double precision",
     {"-150"}},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},\"\\u00e9\\ud83d\\ude00\\n\\t\\\"\\\\\\/\"]}",
     "\"name\" = $3::text", {"\xC3\xA9\xF0\x9F\x98\x80\n\t\"\\/"}},
    {CQL2_JSON, "{\"op\":\"like\",\"args\":[{\"property\":\"use\"},\"r%\"]}", "\"use\" LIKE $3::text", {"r%"}},
    {CQL2_JSON, "{\"op\":\"in\",\"args\":[{\"property\":\"use\"},[\"a\",\"b\\\"c\"]]}", "\"use\" = ANY($3::text[])",
     {"{\"a\",\"b\\\"c\"}"}},
    {CQL2_JSON, "{\"op\":\"in\",\"args\":[{\"property\":\"use\"},[{\"property\":\"name\"}]]}",
     "\"use\" IN (\"name\")", {NULL}},
    {CQL2_JSON, "{\"op\":\"isNull\",\"args\":[{\"property\":\"geom\"}]}", "\"geom\" IS NULL", {NULL}},
    {CQL2_JSON, "{\"op\":\"or\",\"args\":[true,false,{\"property\":\"active\"}]}", "(TRUE OR FALSE OR \"active\")",
     {NULL}},
    {CQL2_JSON, "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"Point\",\"coordinates\":[1.0,2]}]}",
     "ST_Intersects(\"geom\", " GEOJSON(3) ")", {"{\"type\":\"Point\",\"coordinates\":[1,2]}"}},
    {CQL2_JSON,
     "{\"op\":\"s_within\",\"args\":[{\"property\":\"geom\"},{\"coordinates\":[1,2,3],\"bbox\":[1,2,1,2],"
     "\"foo\":{\"x\":null},\"type\":\"Point\"}]}",
     "ST_Within(\"geom\", " GEOJSON(3) ")", {"{\"type\":\"Point\",\"coordinates\":[1,2,3]}"}},
    {CQL2_JSON,
     "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1e0]]}]}",
     "ST_Intersects(\"geom\", " GEOJSON(3) ")", {"{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}"}},
    {CQL2_JSON,
     "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"Polygon\",\"coordinates\":"
     "[[[0,0],[10,0],[10,10],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}]}",
     "ST_Intersects(\"geom\", " GEOJSON(3) ")",
     {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,10],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}"}},
    {CQL2_JSON,
     "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"MultiPoint\",\"coordinates\":[[1,2],[3,4]]}]}",
     "ST_Intersects(\"geom\", " GEOJSON(3) ")", {"{\"type\":\"MultiPoint\",\"coordinates\":[[1,2],[3,4]]}"}},
    {CQL2_JSON,
     "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"MultiLineString\",\"coordinates\":"
     "[[[0,0],[1,1]],[[2,2],[3,3]]]}]}",
     "ST_Intersects(\"geom\", " GEOJSON(3) ")",
     {"{\"type\":\"MultiLineString\",\"coordinates\":[[[0,0],[1,1]],[[2,2],[3,3]]]}"}},
    {CQL2_JSON,
     "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"MultiPolygon\",\"coordinates\":"
     "[[[[0,0],[1,0],[1,1],[0,0]]]]}]}",
     "ST_Intersects(\"geom\", " GEOJSON(3) ")",
     {"{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]]]}"}},
    {CQL2_JSON,
     "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"GeometryCollection\",\"geometries\":"
     "[{\"type\":\"Point\",\"coordinates\":[1,2]},{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}]}]}",
     "ST_Intersects(\"geom\", " GEOJSON(3) ")",
     {"{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"Point\",\"coordinates\":[1,2]},"
      "{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}]}"}},
    {CQL2_JSON, "{\"op\":\"s_contains\",\"args\":[{\"bbox\":[-10,40,0,10,50,100]},{\"property\":\"geom\"}]}",
     "ST_Contains(" ENVELOPE(3, 4, 5, 6) ", \"geom\")", {"-10", "40", "10", "50"}},
    {CQL2_JSON, "{\"op\":\"between\",\"args\":[{\"property\":\"storeys\"},{\"property\":\"year_built\"},7]}",
     "\"storeys\" BETWEEN \"year_built\" AND $3::bigint", {"7"}},
};

/* ---- the same filter in both languages gives the same SQL and parameters ---- */

static const struct {
    const char *text, *json;
} pairs[] = {
    {"height > 10 AND storeys = 3",
     "{\"op\":\"and\",\"args\":[{\"op\":\">\",\"args\":[{\"property\":\"height\"},10]},"
     "{\"op\":\"=\",\"args\":[{\"property\":\"storeys\"},3]}]}"},
    {"height > storeys OR use <> name",
     "{\"op\":\"or\",\"args\":[{\"op\":\">\",\"args\":[{\"property\":\"height\"},{\"property\":\"storeys\"}]},"
     "{\"op\":\"<>\",\"args\":[{\"property\":\"use\"},{\"property\":\"name\"}]}]}"},
    {"(height < 1 OR height > 2) AND NOT active",
     "{\"op\":\"and\",\"args\":[{\"op\":\"or\",\"args\":[{\"op\":\"<\",\"args\":[{\"property\":\"height\"},1]},"
     "{\"op\":\">\",\"args\":[{\"property\":\"height\"},2]}]},{\"op\":\"not\",\"args\":[{\"property\":\"active\"}]}]}"},
    {"NOT use LIKE 'r%'", "{\"op\":\"not\",\"args\":[{\"op\":\"like\",\"args\":[{\"property\":\"use\"},\"r%\"]}]}"},
    {"height BETWEEN 1 AND 2.5", "{\"op\":\"between\",\"args\":[{\"property\":\"height\"},1,2.5]}"},
    {"use IN ('a','b')", "{\"op\":\"in\",\"args\":[{\"property\":\"use\"},[\"a\",\"b\"]]}"},
    {"storeys IN (1, 2)", "{\"op\":\"in\",\"args\":[{\"property\":\"storeys\"},[1,2]]}"},
    {"geom IS NULL", "{\"op\":\"isNull\",\"args\":[{\"property\":\"geom\"}]}"},
    {"NOT name IS NULL", "{\"op\":\"not\",\"args\":[{\"op\":\"isNull\",\"args\":[{\"property\":\"name\"}]}]}"},
    {"S_INTERSECTS(geom, BBOX(1,2,3,4))", "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"bbox\":[1,2,3,4]}]}"},
    {"built < DATE('2020-01-01')", "{\"op\":\"<\",\"args\":[{\"property\":\"built\"},{\"date\":\"2020-01-01\"}]}"},
    {"updated > TIMESTAMP('2020-01-01T00:00:00Z')",
     "{\"op\":\">\",\"args\":[{\"property\":\"updated\"},{\"timestamp\":\"2020-01-01T00:00:00Z\"}]}"},
    {"active", "{\"property\":\"active\"}"},
    {"TRUE", "true"},
    {"active = FALSE", "{\"op\":\"=\",\"args\":[{\"property\":\"active\"},false]}"},
    {"name = 'x''; DROP TABLE t; --'", "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},\"x'; DROP TABLE t; --\"]}"},
    {"height <= -1.5e1", "{\"op\":\"<=\",\"args\":[{\"property\":\"height\"},-1.5e1]}"},
    {"\"height\" >= 0.1", "{\"op\":\">=\",\"args\":[{\"property\":\"height\"},0.1]}"},
};

static void test_text_operators(void **state)
{
    (void)state;
    check_ok_cases(text_cases, sizeof text_cases / sizeof text_cases[0]);
}

static void test_json_operators(void **state)
{
    (void)state;
    check_ok_cases(json_cases, sizeof json_cases / sizeof json_cases[0]);
}

static void test_same_sql_both_languages(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        struct result t, j;
        run(&t, CQL2_TEXT, pairs[i].text);
        run(&j, CQL2_JSON, pairs[i].json);
        if (t.status != JM_OK || j.status != JM_OK)
            fail_msg("%s: %s / %s", pairs[i].text, t.e.msg, j.e.msg);
        if (strcmp(buf_str(&t.sql), buf_str(&j.sql)) != 0)
            fail_msg("%s:\n text %s\n json %s", pairs[i].text, buf_str(&t.sql), buf_str(&j.sql));
        assert_int_equal(t.params.count, j.params.count);
        for (int k = 0; k < t.params.count; k++)
            assert_string_equal(t.params.values[k], j.params.values[k]);
        done(&t);
        done(&j);
    }
}

/* ---- errors: exact messages ---- */

struct err_case {
    enum cql2_lang lang;
    const char *filter;
    enum jm_status code;
    const char *msg; /* the whole message */
};

static const struct err_case error_cases[] = {
    /* names */
    {CQL2_TEXT, "hieght > 3", JM_EINPUT, "filter: unknown property 'hieght' at offset 0" QUERYABLES},
    {CQL2_TEXT, "Height > 3", JM_EINPUT, "filter: unknown property 'Height' at offset 0" QUERYABLES},
    {CQL2_TEXT, "\"na\"\"me\" = 'x'", JM_EINPUT, "filter: unknown property 'na\"me' at offset 0" QUERYABLES},
    {CQL2_TEXT, "\"name'\" = 'x'", JM_EINPUT, "filter: unknown property 'name'' at offset 0" QUERYABLES},
    {CQL2_TEXT, "height > 1 AND \"h\xC3\xA9\" = 1", JM_EINPUT,
     "filter: unknown property 'h\xC3\xA9' at offset 15" QUERYABLES},
    {CQL2_TEXT, "height > 1 AND \"h\xFF\" = 1", JM_EINPUT, "filter: unknown property 'h?' at offset 15" QUERYABLES},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"hieght\"},1]}", JM_EINPUT,
     "filter: unknown property 'hieght' at offset 30" QUERYABLES},
    {CQL2_JSON, "{\"property\":\"na\\\"me\"}", JM_EINPUT, "filter: unknown property 'na\"me' at offset 12" QUERYABLES},
    /* types */
    {CQL2_TEXT, "height > 'a'", JM_EINPUT, "filter: type mismatch: property 'height' (number) and a string at offset 9"},
    {CQL2_TEXT, "use = storeys", JM_EINPUT,
     "filter: type mismatch: property 'use' (string) and property 'storeys' (integer) at offset 6"},
    {CQL2_TEXT, "built = TIMESTAMP('2020-01-01T00:00:00Z')", JM_EINPUT,
     "filter: type mismatch: property 'built' (date) and a timestamp at offset 8"},
    {CQL2_TEXT, "active = 1", JM_EINPUT, "filter: type mismatch: property 'active' (boolean) and a number at offset 9"},
    {CQL2_TEXT, "storeys = 2.5", JM_EINPUT,
     "filter: 2.5 is not a whole number (property 'storeys' is an integer) at offset 10"},
    {CQL2_TEXT, "storeys IN (1, 1e30)", JM_EINPUT,
     "filter: 1e30 is outside the integer range of property 'storeys' at offset 15"},
    {CQL2_TEXT, "storeys > 9223372036854775808", JM_EINPUT,
     "filter: 9.223372036854776e18 is outside the integer range of property 'storeys' at offset 10"},
    {CQL2_TEXT, "storeys BETWEEN 0.5 AND 2", JM_EINPUT,
     "filter: 0.5 is not a whole number (property 'storeys' is an integer) at offset 16"},
    {CQL2_TEXT, "use LIKE 5", JM_EINPUT, "filter: LIKE needs a string, not a number at offset 9"},
    {CQL2_TEXT, "height LIKE 'a'", JM_EINPUT, "filter: LIKE needs a string, not property 'height' (number) at offset 0"},
    {CQL2_TEXT, "use LIKE 'abc\\'", JM_EINPUT,
     "filter: LIKE pattern ends with the escape character '\\' at offset 9"},
    {CQL2_TEXT, "height BETWEEN 'a' AND 2", JM_EINPUT, "filter: BETWEEN needs numbers, not a string at offset 15"},
    {CQL2_TEXT, "built BETWEEN DATE('2020-01-01') AND DATE('2021-01-01')", JM_EINPUT,
     "filter: BETWEEN needs numbers, not property 'built' (date) at offset 0"},
    {CQL2_TEXT, "use IN ('a', 2)", JM_EINPUT, "filter: type mismatch: property 'use' (string) and a number at offset 13"},
    {CQL2_TEXT, "geom IN (geom)", JM_EINPUT,
     "filter: IN is not defined for property 'geom' (geometry) (use a spatial function) at offset 0"},
    {CQL2_TEXT, "geom = POINT(1 2)", JM_EINPUT,
     "filter: comparison is not defined for property 'geom' (geometry) (use a spatial function) at offset 0"},
    {CQL2_TEXT, "S_INTERSECTS(height, POINT(1 2))", JM_EINPUT,
     "filter: S_INTERSECTS needs geometries, not property 'height' (number) at offset 13"},
    {CQL2_TEXT, "height", JM_EINPUT, "filter: expected a predicate, not property 'height' (number) at offset 0"},
    {CQL2_JSON, "\"x\"", JM_EINPUT, "filter: expected a predicate, not a string at offset 0"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"op\":\"=\",\"args\":[1,1]},true]}", JM_EINPUT,
     "filter: expected a value, not a predicate at offset 18"},
    /* syntax */
    {CQL2_TEXT, "", JM_EINPUT, "filter: empty filter at offset 0"},
    {CQL2_TEXT, " \n ", JM_EINPUT, "filter: empty filter at offset 0"},
    {CQL2_TEXT, "((height > 1)", JM_EINPUT, "filter: unexpected end of filter at offset 13"},
    {CQL2_TEXT, "height > 1 )", JM_EINPUT, "filter: unexpected ')' at offset 11"},
    {CQL2_TEXT, "height > 1 garbage", JM_EINPUT, "filter: unexpected 'garbage' at offset 11"},
    {CQL2_TEXT, "height > 3 AND (use = 'x'", JM_EINPUT, "filter: unexpected end of filter at offset 25"},
    {CQL2_TEXT, "use = 'x' AND", JM_EINPUT, "filter: unexpected end of filter at offset 13"},
    {CQL2_TEXT, "NOT", JM_EINPUT, "filter: unexpected end of filter at offset 3"},
    {CQL2_TEXT, "AND active", JM_EINPUT, "filter: unexpected 'AND' at offset 0"},
    {CQL2_TEXT, "name = 'abc", JM_EINPUT, "filter: unterminated string at offset 7"},
    {CQL2_TEXT, "\"name = 'abc'", JM_EINPUT, "filter: unterminated quoted property name at offset 0"},
    {CQL2_TEXT, "na'me = 1", JM_EINPUT, "filter: unterminated string at offset 2"},
    {CQL2_TEXT, "height != 3", JM_EINPUT, "filter: '!=' is not CQL2 (use '<>') at offset 7"},
    {CQL2_TEXT, "height > 3 + 1", JM_EINPUT, "filter: arithmetic ('+') is not supported at offset 11"},
    {CQL2_TEXT, "height > 1..2", JM_EINPUT, "filter: invalid number at offset 9"},
    {CQL2_TEXT, "height > 1e", JM_EINPUT, "filter: invalid number at offset 9"},
    {CQL2_TEXT, "height > 12abc", JM_EINPUT, "filter: invalid number at offset 9"},
    {CQL2_TEXT, "height = 1e400", JM_EINPUT, "filter: number 1e400 out of range at offset 9"},
    {CQL2_TEXT, "height ; 1", JM_EINPUT, "filter: unexpected character ';' at offset 7"},
    {CQL2_TEXT, "height > 1 -- comment", JM_EINPUT, "filter: arithmetic ('-') is not supported at offset 11"},
    {CQL2_TEXT, "3", JM_EINPUT,
     "filter: expected an operator (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS) at offset 1"},
    {CQL2_TEXT, "active IS 3", JM_EINPUT, "filter: unexpected '3' at offset 10"},
    {CQL2_TEXT, "height NOT = 3", JM_EINPUT, "filter: expected LIKE, BETWEEN or IN after NOT at offset 11"},
    {CQL2_TEXT, "use IN ()", JM_EINPUT, "filter: unexpected ')' at offset 8"},
    {CQL2_TEXT, "height BETWEEN 1 OR 2", JM_EINPUT, "filter: unexpected 'OR' at offset 17"},
    {CQL2_TEXT, "name = '\xFF'", JM_EINPUT, "filter: invalid UTF-8 in string at offset 7"},
    {CQL2_TEXT, "name = '\xC0\xAF'", JM_EINPUT, "filter: invalid UTF-8 in string at offset 7"},
    {CQL2_TEXT, "name = 'caf\xC3\xA9' AND height > x", JM_EINPUT, "filter: unknown property 'x' at offset 27" QUERYABLES},
    {CQL2_TEXT, "h\xC3\xA9ight > 1", JM_EINPUT, "filter: unexpected character '\xC3\xA9' at offset 1"},
    {CQL2_TEXT, "CASEI(name) = 'x'", JM_EINPUT, "filter: function 'CASEI' is not supported at offset 0"},
    {CQL2_TEXT, "T_AFTER(updated, TIMESTAMP('2020-01-01T00:00:00Z'))", JM_EINPUT,
     "filter: function 'T_AFTER' is not supported at offset 0"},
    {CQL2_TEXT, "height = S_INTERSECTS(geom, geom)", JM_EINPUT,
     "filter: S_INTERSECTS is a predicate, not a value at offset 9"},
    {CQL2_TEXT, "use = [1, 2]", JM_EINPUT, "filter: arrays are not supported at offset 6"},
    /* literals */
    {CQL2_TEXT, "built = DATE('2021-02-29')", JM_EINPUT,
     "filter: invalid date '2021-02-29' (expected YYYY-MM-DD) at offset 13"},
    {CQL2_TEXT, "built = DATE('2020-13-01')", JM_EINPUT,
     "filter: invalid date '2020-13-01' (expected YYYY-MM-DD) at offset 13"},
    {CQL2_TEXT, "built = DATE('0000-01-01')", JM_EINPUT,
     "filter: invalid date '0000-01-01' (expected YYYY-MM-DD) at offset 13"},
    {CQL2_TEXT, "built = DATE('20200101')", JM_EINPUT,
     "filter: invalid date '20200101' (expected YYYY-MM-DD) at offset 13"},
    {CQL2_TEXT, "built = DATE(2020)", JM_EINPUT, "filter: unexpected '2020' at offset 13"},
    {CQL2_TEXT, "updated = TIMESTAMP('2020-01-01T25:00:00Z')", JM_EINPUT,
     "filter: invalid timestamp '2020-01-01T25:00:00Z' (expected RFC 3339, e.g. 2020-01-31T12:00:00Z) at offset 20"},
    {CQL2_TEXT, "updated = TIMESTAMP('2020-01-01T10:00:00')", JM_EINPUT,
     "filter: invalid timestamp '2020-01-01T10:00:00' (expected RFC 3339, e.g. 2020-01-31T12:00:00Z) at offset 20"},
    {CQL2_TEXT, "updated = TIMESTAMP('2020-01-01T10:00:00+16:00')", JM_EINPUT,
     "filter: invalid timestamp '2020-01-01T10:00:00+16:00' (expected RFC 3339, e.g. 2020-01-31T12:00:00Z) at "
     "offset 20"},
    /* geometries */
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT(200 0))", JM_EINPUT, "filter: longitude 200 outside [-180, 180] at offset 25"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT(0 -90.5))", JM_EINPUT, "filter: latitude -90.5 outside [-90, 90] at offset 25"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POLYGON((0 0, 1 0, 1 1, 0 1)))", JM_EINPUT,
     "filter: polygon ring not closed at offset 27"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POLYGON((0 0, 1 0, 0 0)))", JM_EINPUT,
     "filter: a polygon ring needs at least 4 positions at offset 27"},
    {CQL2_TEXT, "S_INTERSECTS(geom, LINESTRING(0 0))", JM_EINPUT,
     "filter: a line needs at least 2 positions at offset 29"},
    {CQL2_TEXT, "S_INTERSECTS(geom, LINESTRING(0 0 0, 1 1))", JM_EINPUT,
     "filter: mixed 2D and 3D positions in a geometry at offset 37"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT Z (1 2))", JM_EINPUT,
     "filter: mixed 2D and 3D positions in a geometry at offset 28"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT(1 2 3 4))", JM_EINPUT,
     "filter: a position has at most 3 coordinates at offset 31"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT(1))", JM_EINPUT, "filter: unexpected ')' at offset 26"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT(1 2, 3 4))", JM_EINPUT, "filter: unexpected ',' at offset 28"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT EMPTY)", JM_EINPUT,
     "filter: EMPTY geometries are not supported at offset 25"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT ZM (1 2 3 4))", JM_EINPUT,
     "filter: M coordinates are not supported at offset 25"},
    {CQL2_TEXT, "S_INTERSECTS(geom, BBOX(3, 0, 1, 1))", JM_EINPUT,
     "filter: BBOX minimum greater than its maximum at offset 19"},
    {CQL2_TEXT, "S_INTERSECTS(geom, BBOX(1, 2, 3))", JM_EINPUT, "filter: BBOX needs 4 or 6 numbers, not 3 at offset 19"},
    {CQL2_TEXT, "S_INTERSECTS(geom, BBOX(0, 0, 190, 1))", JM_EINPUT,
     "filter: longitude 190 outside [-180, 180] at offset 19"},
    {CQL2_TEXT, "S_INTERSECTS(geom)", JM_EINPUT, "filter: unexpected ')' at offset 17"},
    {CQL2_TEXT, "S_INTERSECTS(geom, POINT(1 2), geom)", JM_EINPUT, "filter: unexpected ',' at offset 29"},
    /* cql2-json */
    {CQL2_JSON, "", JM_EINPUT, "filter: unexpected end of filter (expected a value) at offset 0"},
    {CQL2_JSON, "{\"property\":\"active\"} x", JM_EINPUT,
     "filter: unexpected 'x' (expected the end of the filter) at offset 22"},
    {CQL2_JSON, "{\"op\":\"and\",\"args\":[true,true]", JM_EINPUT,
     "filter: unexpected end of filter (expected ',' or '}') at offset 30"},
    {CQL2_JSON, "{\"op\":\"and\",\"args\":[true,true,]}", JM_EINPUT,
     "filter: unexpected ']' (expected a value) at offset 30"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"height\"},01]}", JM_EINPUT,
     "filter: unexpected '1' (expected ',' or ']') at offset 41"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"height\"},.5]}", JM_EINPUT,
     "filter: unexpected '.' (expected a value) at offset 40"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"height\"},-]}", JM_EINPUT,
     "filter: invalid number at offset 40"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},\"\\ud800\"]}", JM_EINPUT,
     "filter: unpaired surrogate in a string at offset 39"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},\"\\udc00\\ud800\"]}", JM_EINPUT,
     "filter: unpaired surrogate in a string at offset 39"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},\"a\\u0000\"]}", JM_EINPUT,
     "filter: NUL character in a string at offset 40"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},\"\\x\"]}", JM_EINPUT,
     "filter: invalid escape in a string at offset 39"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},\"a\tb\"]}", JM_EINPUT,
     "filter: control character in a string at offset 40"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},\"\xED\xA0\x80\"]}", JM_EINPUT,
     "filter: invalid UTF-8 in a string at offset 39"},
    {CQL2_JSON, "{\"op\":\"=\",\"op\":\"<\",\"args\":[1,1]}", JM_EINPUT, "filter: member 'op' appears twice at offset 10"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"height\"},1],\"x\":2}", JM_EINPUT,
     "filter: unexpected member 'x' at offset 43"},
    {CQL2_JSON, "{\"op\":\"casei\",\"args\":[{\"property\":\"name\"}]}", JM_EINPUT,
     "filter: operator 'casei' is not supported at offset 6"},
    {CQL2_JSON, "{\"op\":\"AND\",\"args\":[true,true]}", JM_EINPUT, "filter: operator 'AND' is not supported at offset 6"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"height\"}]}", JM_EINPUT,
     "filter: '=' needs 2 arguments, not 1 at offset 17"},
    {CQL2_JSON, "{\"op\":\"and\",\"args\":[true]}", JM_EINPUT,
     "filter: 'and' needs at least 2 arguments, not 1 at offset 19"},
    {CQL2_JSON, "{\"op\":\"=\"}", JM_EINPUT, "filter: an operation needs 'args' at offset 0"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":{}}", JM_EINPUT, "filter: 'args' must be an array, not an object at offset 17"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},null]}", JM_EINPUT,
     "filter: null is not a CQL2 value at offset 38"},
    {CQL2_JSON, "{\"op\":\"in\",\"args\":[{\"property\":\"use\"},\"a\"]}", JM_EINPUT,
     "filter: the list of 'in' must be an array, not a string at offset 38"},
    {CQL2_JSON, "{\"op\":\"in\",\"args\":[{\"property\":\"use\"},[]]}", JM_EINPUT,
     "filter: the list of 'in' is empty at offset 38"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"use\"},[\"a\"]]}", JM_EINPUT,
     "filter: an array is only allowed as the list of 'in' at offset 37"},
    {CQL2_JSON, "{\"foo\":1}", JM_EINPUT,
     "filter: unknown object (expected op, property, date, timestamp, bbox or a GeoJSON geometry) at offset 0"},
    {CQL2_JSON, "{\"property\":3}", JM_EINPUT, "filter: 'property' must be a string, not a number at offset 12"},
    {CQL2_JSON, "{\"op\":\"=\",\"args\":[{\"property\":\"built\"},{\"date\":\"2020-02-30\"}]}", JM_EINPUT,
     "filter: invalid date '2020-02-30' (expected YYYY-MM-DD) at offset 47"},
    {CQL2_JSON, "{\"op\":\"t_after\",\"args\":[{\"property\":\"updated\"},{\"interval\":[\"..\",\"..\"]}]}", JM_EINPUT,
     "filter: operator 't_after' is not supported at offset 6"},
    {CQL2_JSON, "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"Circle\",\"coordinates\":[1,2]}]}",
     JM_EINPUT, "filter: unknown geometry type 'Circle' at offset 57"},
    {CQL2_JSON, "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"Point\",\"coordinates\":[]}]}",
     JM_EINPUT, "filter: a position has 2 or 3 coordinates, not 0 at offset 79"},
    {CQL2_JSON, "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"LineString\",\"coordinates\":[]}]}",
     JM_EINPUT, "filter: EMPTY geometries are not supported at offset 84"},
    {CQL2_JSON, "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"Point\"}]}", JM_EINPUT,
     "filter: a Point needs 'coordinates' at offset 49"},
    {CQL2_JSON,
     "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}]}",
     JM_EINPUT, "filter: polygon ring not closed at offset 82"},
    {CQL2_JSON, "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"Point\",\"coordinates\":[1,\"2\"]}]}",
     JM_EINPUT, "filter: a coordinate must be a number, not a string at offset 82"},
    {CQL2_JSON, "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"Point\",\"coordinates\":[1,95]}]}",
     JM_EINPUT, "filter: latitude 95 outside [-90, 90] at offset 79"},
    {CQL2_JSON, "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"bbox\":[1,2,3,4,5]}]}", JM_EINPUT,
     "filter: BBOX needs 4 or 6 numbers, not 5 at offset 57"},
};

static void test_errors(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const struct err_case *c = &error_cases[i];
        struct result r;
        run(&r, c->lang, c->filter);
        if (r.status != c->code || strcmp(r.e.msg, c->msg) != 0) {
            print_error("%s:\n got      %d %s\n expected %d %s\n", c->filter, (int)r.status, r.e.msg, (int)c->code,
                        c->msg);
            failed++;
        } else {
            check_failed(&r, c->code);
        }
        done(&r);
    }
    assert_int_equal(failed, 0);
}

/* ---- regression tests named after what they guard ---- */

static void test_sql_injection_in_string_goes_to_a_parameter(void **state)
{
    (void)state;
    struct result r;
    run(&r, CQL2_TEXT, "name = 'x''; DROP TABLE t; --' OR use = 'a'' OR ''1''=''1'");
    assert_int_equal(r.status, JM_OK);
    assert_null(strstr(buf_str(&r.sql), "DROP"));
    assert_null(strstr(buf_str(&r.sql), "'"));
    assert_int_equal(r.params.count, 2);
    assert_string_equal(r.params.values[0], "x'; DROP TABLE t; --");
    assert_string_equal(r.params.values[1], "a' OR '1'='1");
    done(&r);
}

static void test_nul_byte_refused(void **state)
{
    (void)state;
    struct result r;
    static const char in_string[] = "name = 'a\0b'";
    run_with(&r, CQL2_TEXT, in_string, sizeof in_string - 1, &schema, 4326, FIRST);
    check_failed(&r, JM_EINPUT);
    assert_string_equal(r.e.msg, "filter: NUL character in string at offset 7");
    done(&r);
    static const char outside[] = "active\0";
    run_with(&r, CQL2_TEXT, outside, sizeof outside - 1, &schema, 4326, FIRST);
    check_failed(&r, JM_EINPUT);
    assert_string_equal(r.e.msg, "filter: unexpected character '?' at offset 6");
    done(&r);
}

/* A filter of `count` copies of `unit`, then `tail`; the caller frees it. */
static char *repeat(const char *head, const char *unit, size_t count, const char *tail)
{
    size_t hn = strlen(head), un = strlen(unit), tn = strlen(tail);
    char *s = malloc(hn + un * count + tn + 1);
    assert_non_null(s);
    memcpy(s, head, hn);
    for (size_t i = 0; i < count; i++)
        memcpy(s + hn + i * un, unit, un);
    memcpy(s + hn + un * count, tail, tn + 1);
    return s;
}

static void check_limit(enum cql2_lang lang, char *filter, enum jm_status code, const char *msg)
{
    struct result r;
    run(&r, lang, filter);
    if (code == JM_OK) {
        if (r.status != JM_OK)
            fail_msg("expected success: %s", r.e.msg);
    } else {
        check_failed(&r, code);
        if (msg && strcmp(r.e.msg, msg) != 0)
            fail_msg("got      %s\nexpected %s", r.e.msg, msg);
    }
    done(&r);
    free(filter);
}

static void test_deep_nesting_fails_fast(void **state)
{
    (void)state;
    check_limit(CQL2_TEXT, repeat("", "(", 10000, "active"), JM_ELIMIT, "filter: nesting deeper than 32 at offset 32");
    check_limit(CQL2_TEXT, repeat("", "NOT ", 10000, "active"), JM_ELIMIT,
                "filter: nesting deeper than 32 at offset 128");
    check_limit(CQL2_TEXT, repeat("", "not(", 10000, "active"), JM_ELIMIT,
                "filter: nesting deeper than 32 at offset 64");
    check_limit(CQL2_JSON, repeat("", "[", 10000, ""), JM_ELIMIT, "filter: JSON nested deeper than 80 at offset 80");
    check_limit(CQL2_JSON, repeat("", "{\"op\":\"not\",\"args\":[", 3000, ""), JM_ELIMIT,
                "filter: JSON nested deeper than 80 at offset 800");
    /* CQL2_MAX_DEPTH levels pass, one more fails */
    char *ok = repeat("", "(", CQL2_MAX_DEPTH, "active");
    char *ok2 = malloc(strlen(ok) + CQL2_MAX_DEPTH + 1);
    assert_non_null(ok2);
    memcpy(ok2, ok, strlen(ok));
    memset(ok2 + strlen(ok), ')', CQL2_MAX_DEPTH);
    ok2[strlen(ok) + CQL2_MAX_DEPTH] = '\0';
    free(ok);
    check_limit(CQL2_TEXT, ok2, JM_OK, NULL);
    check_limit(CQL2_TEXT, repeat("", "NOT ", CQL2_MAX_DEPTH, "active"), JM_OK, NULL);
    check_limit(CQL2_TEXT, repeat("", "NOT ", CQL2_MAX_DEPTH + 1, "active"), JM_ELIMIT, NULL);
    /* JSON: 32 nested "not" pass, 33 fail on the CQL2 depth (before the JSON one) */
    char *nots = repeat("", "{\"op\":\"not\",\"args\":[", CQL2_MAX_DEPTH, "true");
    char *closed = repeat(nots, "]}", CQL2_MAX_DEPTH, "");
    free(nots);
    check_limit(CQL2_JSON, closed, JM_OK, NULL);
    nots = repeat("", "{\"op\":\"not\",\"args\":[", CQL2_MAX_DEPTH + 1, "true");
    closed = repeat(nots, "]}", CQL2_MAX_DEPTH + 1, "");
    free(nots);
    check_limit(CQL2_JSON, closed, JM_ELIMIT, "filter: nesting deeper than 32 at offset 640");
}

static void test_oversized_filter_refused_first(void **state)
{
    (void)state;
    /* 1 MB of '(' would also be too deep: the length check comes first */
    check_limit(CQL2_TEXT, repeat("", "(", 1 << 20, ""), JM_ELIMIT, "filter: longer than 65536 bytes at offset 65536");
    check_limit(CQL2_JSON, repeat("", " ", 1 << 20, "true"), JM_ELIMIT,
                "filter: longer than 65536 bytes at offset 65536");
    /* exactly CQL2_MAX_FILTER_BYTES passes */
    check_limit(CQL2_TEXT, repeat("active", " ", CQL2_MAX_FILTER_BYTES - 6, ""), JM_OK, NULL);
    check_limit(CQL2_TEXT, repeat("active", " ", CQL2_MAX_FILTER_BYTES - 5, ""), JM_ELIMIT, NULL);
}

static void test_limits(void **state)
{
    (void)state;
    /* parameters: 256 pass, 257 fail */
    check_limit(CQL2_TEXT, repeat("height = 1", " OR height = 1", CQL2_MAX_PARAMS - 1, ""), JM_OK, NULL);
    check_limit(CQL2_TEXT, repeat("height = 1", " OR height = 1", CQL2_MAX_PARAMS, ""), JM_ELIMIT,
                "filter: more than 256 parameters at offset 3593");
    /* IN items */
    check_limit(CQL2_TEXT, repeat("storeys IN (0", ",1", CQL2_MAX_IN_ITEMS - 1, ")"), JM_OK, NULL);
    check_limit(CQL2_TEXT, repeat("storeys IN (0", ",1", CQL2_MAX_IN_ITEMS, ")"), JM_ELIMIT,
                "filter: IN list longer than 1000 items at offset 2011");
    check_limit(CQL2_JSON, repeat("{\"op\":\"in\",\"args\":[{\"property\":\"storeys\"},[0", ",1", CQL2_MAX_IN_ITEMS, "]]}"),
                JM_ELIMIT, "filter: IN list longer than 1000 items at offset 42");
    /* strings */
    check_limit(CQL2_TEXT, repeat("name = '", "x", CQL2_MAX_STRING_BYTES, "'"), JM_OK, NULL);
    check_limit(CQL2_TEXT, repeat("name = '", "x", CQL2_MAX_STRING_BYTES + 1, "'"), JM_ELIMIT,
                "filter: string longer than 4096 bytes at offset 7");
    check_limit(CQL2_JSON, repeat("\"", "x", CQL2_MAX_STRING_BYTES + 1, "\""), JM_ELIMIT,
                "filter: string longer than 4096 bytes at offset 0");
    /* geometry positions */
    check_limit(CQL2_TEXT, repeat("S_INTERSECTS(geom, MULTIPOINT(0 0", ",1 1", CQL2_MAX_COORDS - 1, "))"), JM_OK,
                NULL);
    check_limit(CQL2_TEXT, repeat("S_INTERSECTS(geom, MULTIPOINT(0 0", ",1 1", CQL2_MAX_COORDS, "))"), JM_ELIMIT,
                "filter: geometry with more than 10000 positions at offset 40030");
    check_limit(CQL2_JSON,
                repeat("{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"MultiPoint\","
                       "\"coordinates\":[[0,0]",
                       ",[1,1]", CQL2_MAX_COORDS, "]}]}"),
                JM_ELIMIT, "filter: geometry with more than 10000 positions at offset 60085");
}

static void test_sql_cap(void **state)
{
    (void)state;
    struct buf b;
    struct cql2_params p = {0};
    struct err e;
    buf_init(&b, 30);
    buf_puts(&b, "WHERE ");
    err_clear(&e);
    const char *f = "height > 1 AND storeys = 2";
    assert_int_equal(cql2_to_sql(f, strlen(f), CQL2_TEXT, &schema, 4326, 1, &b, &p, &e), JM_ELIMIT);
    assert_string_equal(buf_str(&b), "WHERE ");
    assert_false(b.overflow);
    assert_int_equal(p.count, 0);
    assert_string_equal(e.msg, "filter: SQL text exceeds the output cap at offset 0");
    /* the same filter fits a larger cap */
    b.cap = 100;
    err_clear(&e);
    assert_int_equal(cql2_to_sql(f, strlen(f), CQL2_TEXT, &schema, 4326, 1, &b, &p, &e), JM_OK);
    assert_string_equal(buf_str(&b), "WHERE (\"height\" > $1::double precision AND \"storeys\" = $2::bigint)");
    cql2_params_cleanup(&p);
    buf_cleanup(&b);
}

static void test_srids_and_first_param(void **state)
{
    (void)state;
    static const struct cql2_property gprops[] = {{"geom", CQL2_GEOMETRY}, {"we\"ird", CQL2_STRING}};
    const struct cql2_schema s4326 = {gprops, 2, 4326};
    struct result r;
    const char *f = "S_INTERSECTS(geom, POINT(1 2)) OR S_INTERSECTS(geom, BBOX(0,0,1,1)) OR \"we\"\"ird\" = 'x'";
    run_with(&r, CQL2_TEXT, f, strlen(f), &s4326, 4326, 1);
    assert_int_equal(r.status, JM_OK);
    assert_string_equal(buf_str(&r.sql),
                        PREFIX "(ST_Intersects(\"geom\", ST_GeomFromText($1::text, 4326)) OR "
                               "ST_Intersects(\"geom\", ST_MakeEnvelope($2::double precision, $3::double precision, "
                               "$4::double precision, $5::double precision, 4326)) OR \"we\"\"ird\" = $6::text)");
    assert_int_equal(r.params.count, 6);
    assert_string_equal(r.params.values[5], "x");
    done(&r);

    f = "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"type\":\"Point\",\"coordinates\":[1,2]}]}";
    run_with(&r, CQL2_JSON, f, strlen(f), &s4326, 4326, 7);
    assert_int_equal(r.status, JM_OK);
    assert_string_equal(buf_str(&r.sql),
                        PREFIX "ST_Intersects(\"geom\", ST_SetSRID(ST_GeomFromGeoJSON($7::text), 4326))");
    done(&r);

    /* a projected filter-crs: no longitude/latitude range */
    f = "S_INTERSECTS(geom, POINT(500000 6000000))";
    run_with(&r, CQL2_TEXT, f, strlen(f), &schema, 3857, 2);
    assert_int_equal(r.status, JM_OK);
    assert_string_equal(buf_str(&r.sql),
                        PREFIX "ST_Intersects(\"geom\", ST_Transform(ST_GeomFromText($2::text, 3857), 32632))");
    assert_string_equal(r.params.values[0], "POINT(500000 6000000)");
    done(&r);

    run_with(&r, CQL2_TEXT, f, strlen(f), &schema, 0, 2);
    check_failed(&r, JM_EINPUT);
    assert_string_equal(r.e.msg, "filter: unsupported filter-crs SRID 0 at offset 0");
    done(&r);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct result r;
    const struct cql2_schema no_srid = {props, 9, 0};
    const struct cql2_schema no_props = {NULL, 3, 4326};
    run_with(&r, CQL2_TEXT, "active", 6, NULL, 4326, 1);
    check_failed(&r, JM_EINTERNAL);
    done(&r);
    run_with(&r, CQL2_TEXT, "active", 6, &no_srid, 4326, 1);
    check_failed(&r, JM_EINTERNAL);
    done(&r);
    run_with(&r, CQL2_TEXT, "active", 6, &no_props, 4326, 1);
    check_failed(&r, JM_EINTERNAL);
    done(&r);
    run_with(&r, CQL2_TEXT, "active", 6, &schema, 4326, 0);
    check_failed(&r, JM_EINTERNAL);
    done(&r);
    run_with(&r, CQL2_TEXT, NULL, 6, &schema, 4326, 1);
    check_failed(&r, JM_EINTERNAL);
    done(&r);
    run_with(&r, (enum cql2_lang)7, "active", 6, &schema, 4326, 1);
    check_failed(&r, JM_EINTERNAL);
    done(&r);
    /* a filter is not NUL-terminated: only `length` bytes are read */
    run_with(&r, CQL2_TEXT, "active = TRUE garbage", 13, &schema, 4326, 1);
    assert_int_equal(r.status, JM_OK);
    done(&r);
    cql2_params_cleanup(NULL);
}

/* A schema with many queryables: the message lists the first ones, then "…". */
static void test_unknown_property_lists_queryables_up_to_a_length(void **state)
{
    (void)state;
    static char names[60][24];
    struct cql2_property many[60];
    for (int i = 0; i < 60; i++) {
        snprintf(names[i], sizeof names[i], "property_number_%02d", i);
        many[i].name = names[i];
        many[i].type = CQL2_STRING;
    }
    const struct cql2_schema big = {many, 60, 4326};
    struct result r;
    run_with(&r, CQL2_TEXT, "nope = 'x'", 10, &big, 4326, 1);
    check_failed(&r, JM_EINPUT);
    const char *m = r.e.msg;
    assert_true(strncmp(m, "filter: unknown property 'nope' at offset 0 (queryables: property_number_00, ", 77) == 0);
    assert_non_null(strstr(m, "property_number_13, \xE2\x80\xA6)"));
    assert_null(strstr(m, "property_number_14"));
    assert_true(strlen(m) < 400);
    done(&r);
}

/* NULL with length 0 is an empty filter; a buf that already overflowed takes nothing. */
static void test_empty_filter_and_overflowed_buf(void **state)
{
    (void)state;
    struct result r;
    run_with(&r, CQL2_TEXT, NULL, 0, &schema, 4326, 1);
    check_failed(&r, JM_EINPUT);
    assert_string_equal(r.e.msg, "filter: empty filter at offset 0");
    done(&r);

    struct buf b;
    struct cql2_params p = {0};
    struct err e;
    buf_init(&b, 0);
    buf_puts(&b, "WHERE ");
    b.overflow = true;
    err_clear(&e);
    assert_int_equal(cql2_to_sql("active", 6, CQL2_TEXT, &schema, 4326, 1, &b, &p, &e), JM_ELIMIT);
    assert_string_equal(buf_str(&b), "WHERE ");
    assert_int_equal(p.count, 0);
    buf_cleanup(&b);
}

/* `e` may be NULL: the status alone tells the outcome. */
static void test_err_null_accepted(void **state)
{
    (void)state;
    struct buf b;
    struct cql2_params p = {0};
    buf_init(&b, 0);
    assert_int_equal(cql2_to_sql("hieght", 6, CQL2_TEXT, &schema, 4326, 1, &b, &p, NULL), JM_EINPUT);
    assert_int_equal(p.count, 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(cql2_to_sql("active", 6, CQL2_TEXT, &schema, 4326, 1, &b, &p, NULL), JM_OK);
    assert_string_equal(buf_str(&b), "\"active\"");
    buf_cleanup(&b);
}

static void test_numbers_ignore_locale(void **state)
{
    (void)state;
    const char *name = test_set_comma_locale();
    if (!name)
        skip();
    struct result r;
    run(&r, CQL2_TEXT, "height > 1.5 AND S_INTERSECTS(geom, POINT(0.25 -1.75))");
    assert_int_equal(r.status, JM_OK);
    assert_string_equal(r.params.values[0], "1.5");
    assert_string_equal(r.params.values[1], "POINT(0.25 -1.75)");
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_operators),
        cmocka_unit_test(test_json_operators),
        cmocka_unit_test(test_same_sql_both_languages),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sql_injection_in_string_goes_to_a_parameter),
        cmocka_unit_test(test_nul_byte_refused),
        cmocka_unit_test(test_deep_nesting_fails_fast),
        cmocka_unit_test(test_oversized_filter_refused_first),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_sql_cap),
        cmocka_unit_test(test_srids_and_first_param),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_err_null_accepted),
        cmocka_unit_test(test_unknown_property_lists_queryables_up_to_a_length),
        cmocka_unit_test(test_empty_filter_and_overflowed_buf),
        cmocka_unit_test_teardown(test_numbers_ignore_locale, test_restore_c_locale),
    };
    return cmocka_run_group_tests_name("cql2", tests, NULL, NULL);
}
