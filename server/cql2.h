/* cql2: OGC CQL2 filters (OGC 21-065) to one parameterised PostgreSQL/PostGIS expression.
 *
 * Purpose: the `filter` parameter of OGC API - Features Part 3. cql2_to_sql() reads a filter in
 * cql2-text or cql2-json, checks it against the collection's queryables and appends one
 * boolean SQL expression to the caller's WHERE clause. Supported conformance classes:
 * Basic CQL2, Advanced Comparison Operators (LIKE, BETWEEN, IN, and their NOT forms),
 * Basic Spatial Functions and Spatial Functions (S_INTERSECTS, S_EQUALS, S_DISJOINT,
 * S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS; POINT, LINESTRING, POLYGON, MULTI*,
 * GEOMETRYCOLLECTION and BBOX literals, 2D or 3D with an optional Z tag), Property-Property
 * Comparisons. Not supported (a clear JM_EINPUT naming the construct): CASEI/ACCENTI,
 * temporal (T_*, INTERVAL) and array (A_*) functions, array literals, arithmetic, custom
 * functions, EMPTY geometries, M coordinates, `null` in cql2-json.
 *
 * cql2-text: keywords and function names are case-insensitive; a property is an identifier
 * ([A-Za-z_][A-Za-z0-9_:.-]*, matched case-sensitively) or double-quoted ("a""b"; a quoted
 * name is never a keyword); strings are single-quoted with '' for a quote; numbers are
 * [sign] digits [. digits] [e [sign] digits] (".5" and "1." too). AND, OR, NOT, LIKE,
 * BETWEEN, IN, IS, NULL are reserved: a property with such a name must be quoted.
 * Precedence: NOT over AND over OR. A predicate may also be TRUE, FALSE or a lone BOOLEAN
 * property.
 * cql2-json: {"op": "and"|"or"|"not"|"="|"<>"|"<"|">"|"<="|">="|"like"|"between"|"in"|
 * "isNull"|"s_intersects"|"s_equals"|…, "args": [...]} ("and"/"or" with 2 or more args, "in"
 * with [value, [items…]]), {"property": …}, {"date": …}, {"timestamp": …}, {"bbox": [4 or 6
 * numbers]}, GeoJSON geometry objects (foreign members ignored), strings, numbers, true,
 * false. The JSON must be strict RFC 8259 (escapes incl. surrogate pairs, no trailing
 * commas); a member appearing twice, or an unknown member in a CQL2 object, is an error.
 *
 * Safety: no byte of the filter ever lands in the SQL text, except a property name that was
 * found in the schema, written from the schema's own string as a double-quoted identifier
 * ("a""b"). Every literal becomes a parameter (text form) referenced as $n with an explicit
 * cast; numbers, dates, timestamps and geometries are validated and re-written canonically,
 * so PostgreSQL never sees a value it would reject. The SQL text is built only from a fixed
 * vocabulary: the operators, AND OR NOT IS NULL LIKE BETWEEN ANY ALL IN TRUE FALSE, the casts
 * (text, double precision, bigint, boolean, date, timestamptz and their [] forms), the PostGIS
 * functions ST_Intersects… ST_Transform ST_GeomFromText ST_GeomFromGeoJSON ST_SetSRID
 * ST_MakeEnvelope, `$`, digits, parentheses, commas and spaces.
 *
 * Shapes of the output (n = first_param, then n+1, …, numbered left to right):
 *   height > 10                 "height" > $n::double precision
 *   storeys = 3                 "storeys" = $n::bigint        (integer literal vs INTEGER)
 *   active = TRUE               "active" = $n::boolean        (value "true"/"false")
 *   TRUE / active               TRUE / "active"               (a boolean standing as predicate)
 *   use LIKE 'res%'             "use" LIKE $n::text           (CQL2 % _ and \ escape = SQL's)
 *   use NOT LIKE 'a%'           "use" NOT LIKE $n::text       (same for NOT BETWEEN)
 *   a AND b AND c / a OR b      (a AND b AND c)  (a OR b)     (a chain stays one level)
 *   NOT a                       NOT (a)
 *   x IN ('a','b')              "x" = ANY($n::text[])         (one array parameter: {"a","b"})
 *   x NOT IN (…)                "x" <> ALL($n::text[])
 *   x IN (p, 'q')  (properties) "x" IN ("p", $n::text)        (a parameter per literal)
 *   x BETWEEN 1 AND 2           "x" BETWEEN $n::double precision AND $n+1::double precision
 *   x IS NOT NULL               "x" IS NOT NULL
 *   built < DATE('2020-01-01')  "built" < $n::date            (TIMESTAMP: ::timestamptz)
 *   S_INTERSECTS(geom, POINT(1 2))
 *       ST_Intersects("geom", ST_Transform(ST_GeomFromText($n::text, F), S))
 *   S_INTERSECTS(geom, BBOX(a,b,c,d))
 *       ST_Intersects("geom", ST_Transform(ST_MakeEnvelope($n::double precision, …, F), S))
 *   cql2-json geometry object
 *       ST_Intersects("geom", ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($n::text), F), S))
 * where F is filter_srid and S the schema's storage_srid; ST_Transform is left out when F == S.
 * Equivalent filters give the same SQL in both languages (geometry literals aside: WKT in
 * text, GeoJSON in JSON).
 *
 * Parameter values (canonical text): numbers as the shortest form that reads back exactly
 * (jw_format_double: "0.5", "-350", "1e300"), or as an integer for bigint; strings as given;
 * dates YYYY-MM-DD (years 0001-9999, real calendar dates); timestamps as RFC 3339
 * YYYY-MM-DDTHH:MM:SS[.fraction of 1-9 digits](Z|±HH:MM), offset hours ≤ 15, upper-case T
 * and Z; WKT without tags' Z ("POINT(1 2 3)", "MULTIPOINT((1 2),(3 4))") and GeoJSON
 * ({"type":"Point","coordinates":[1,2]}) re-written from the parsed coordinates; arrays as
 * PostgreSQL array literals ({"a","b\"c"}, {1,2.5}, {true,false}). A LIKE pattern literal
 * may not end with a lone '\'. Geometry literals need closed polygon rings of ≥ 4 positions,
 * lines of ≥ 2, and the same 2D or 3D positions throughout.
 *
 * Types: a STRING property compares with strings, NUMBER and INTEGER with numbers, BOOLEAN
 * with TRUE/FALSE, DATE and TIMESTAMP with DATE()/TIMESTAMP() literals, GEOMETRY only in
 * spatial functions and IS NULL. LIKE needs strings, BETWEEN numbers, IN items of the left
 * operand's type. A mismatch is JM_EINPUT naming the property. Number literals of a predicate
 * whose properties include an INTEGER one and no NUMBER one are bigint and must be whole
 * ("storeys = 2.5" is JM_EINPUT); otherwise they are double precision.
 *
 * Limits (JM_ELIMIT, message with the offset): filter ≤ CQL2_MAX_FILTER_BYTES (checked first),
 * nesting ≤ CQL2_MAX_DEPTH (cql2-text: each open parenthesis, each NOT and each
 * GEOMETRYCOLLECTION; cql2-json: each and/or/not operator and each GeometryCollection; the
 * JSON itself may nest at most 2 * CQL2_MAX_DEPTH + 16 arrays and objects), ≤ CQL2_MAX_PARAMS
 * parameters, IN lists ≤ CQL2_MAX_IN_ITEMS items, strings ≤ CQL2_MAX_STRING_BYTES bytes, a
 * geometry ≤ CQL2_MAX_COORDS positions, the SQL within the room left under sql's cap.
 * Parsing is linear in the filter's length and recursion is bounded by these depths.
 *
 * Error messages start with "filter: " and end with "at offset N", N counted in characters
 * (UTF-8 code points) from 0, except that an unknown property's message then lists the
 * queryables: "filter: unexpected ')' at offset 17", "filter: unknown property 'hieght' at
 * offset 0 (queryables: height, storeys, use, …)". Text from the filter in a message is cut
 * to 48 bytes, control characters and invalid UTF-8 shown as '?'.
 *
 * Coordinates: x first (longitude, latitude for CRS84, the default filter_srid 4326). With
 * 4326, longitudes must lie in [-180, 180] and latitudes in [-90, 90]. A caller whose
 * filter-crs has latitude-first axis order must swap the axes itself.
 *
 * Thread-safety: no shared mutable state; calls on distinct arguments may run on any threads.
 */
#ifndef JUMEAU_CQL2_H
#define JUMEAU_CQL2_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

enum cql2_lang { CQL2_TEXT, CQL2_JSON };

enum cql2_type { CQL2_STRING, CQL2_NUMBER, CQL2_INTEGER, CQL2_BOOLEAN, CQL2_DATE, CQL2_TIMESTAMP, CQL2_GEOMETRY };

/* A queryable: its name is both the CQL2 property name (case-sensitive) and the column. */
struct cql2_property {
    const char *name;
    enum cql2_type type;
};

/* The queryables of one collection. Borrowed for the duration of the call. */
struct cql2_schema {
    const struct cql2_property *props;
    size_t count;
    int storage_srid; /* SRID of the geometry column(s) */
};

#define CQL2_MAX_FILTER_BYTES 65536
#define CQL2_MAX_DEPTH 32
#define CQL2_MAX_PARAMS 256
#define CQL2_MAX_IN_ITEMS 1000
#define CQL2_MAX_STRING_BYTES 4096
#define CQL2_MAX_COORDS 10000

/* The parameter values of one filter, in order: values[i] is $(first_param + i). Each value
 * is a NUL-terminated, valid UTF-8 string without NUL bytes, owned by the struct (malloc)
 * and freed by cql2_params_cleanup(). */
struct cql2_params {
    const char *values[CQL2_MAX_PARAMS];
    int count; /* owned: freed by cql2_params_cleanup */
};

/* Translates `filter` (`length` bytes, no NUL needed) written in `lang` into one boolean SQL
 * expression appended to `sql`, and fills `params` with its parameter values.
 *
 * `schema`: the queryables; property names are checked against it. `filter_srid`: the EPSG
 * code of geometry literals (4326 for CRS84, the default, or the request's filter-crs).
 * `first_param`: the number of the first placeholder this filter uses ($first_param), 1 or
 * more, so the expression can join a query that already has parameters.
 *
 * `params` is overwritten (its previous values are not freed: pass a fresh, zeroed or
 * cleaned-up struct). On success returns JM_OK. On failure `sql` is left exactly as it was,
 * `params` is empty (count 0), and `e` holds the message:
 *   JM_EINPUT    syntax error, unknown property, type mismatch, invalid literal, unsupported
 *                construct, bad filter_srid (outside 1..999999);
 *   JM_ELIMIT    a limit above was exceeded, or `sql` reached its cap;
 *   JM_EINTERNAL bad arguments (NULL schema, storage_srid ≤ 0, first_param < 1) or out of memory.
 * Every structure the parse builds is freed before returning. Thread-safe (see above). */
enum jm_status cql2_to_sql(const char *filter, size_t length, enum cql2_lang lang, const struct cql2_schema *schema,
                           int filter_srid, int first_param, struct buf *sql, struct cql2_params *params,
                           struct err *e);

/* Frees the values and sets count to 0; the struct can be reused. Accepts NULL. */
void cql2_params_cleanup(struct cql2_params *p);

#endif
