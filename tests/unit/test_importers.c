/* Unit tests of the pure parts of importers/ (imp_, imp__): COPY text escaping, hex EWKB,
 * column names, the UTM zone of a point, dataset names. No GDAL or database is touched. */
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include <cpl_error.h>
#include <ogr_api.h>

#include "buf.h"
#include "imp.h"
#include "imp_internal.h"

#define FFFD "\xEF\xBF\xBD"

/* ---- imp__copy_text ---------------------------------------------------------------- */

static void check_copy_text(const char *in, const char *expect)
{
    struct buf b;
    buf_init(&b, 0);
    assert_true(imp__copy_text(&b, in));
    assert_string_equal(buf_str(&b), expect);
    buf_cleanup(&b);
}

static void test_copy_text_escapes(void **state)
{
    (void)state;
    check_copy_text("", "");
    check_copy_text("Vaduz", "Vaduz");
    check_copy_text("C:\\data", "C:\\\\data");
    check_copy_text("line 1\nline 2", "line 1\\nline 2");
    check_copy_text("a\r\nb", "a\\r\\nb");
    check_copy_text("col\tumn", "col\\tumn");
    check_copy_text("\\.", "\\\\.");                 /* never COPY's end-of-data marker */
    check_copy_text("\\N", "\\\\N");                 /* never COPY's NULL marker */
    check_copy_text("\x01\x1F\x7F", "\x01\x1F\x7F"); /* other controls are legal in COPY text */
}

static void test_copy_text_keeps_utf8(void **state)
{
    (void)state;
    check_copy_text("caf\xC3\xA9", "caf\xC3\xA9");             /* é */
    check_copy_text("5 \xE2\x82\xAC", "5 \xE2\x82\xAC");       /* € */
    check_copy_text("\xF0\x9F\x98\x80!", "\xF0\x9F\x98\x80!"); /* 😀 */
    check_copy_text("Schaan\tVaduz \xC3\xA9\n", "Schaan\\tVaduz \xC3\xA9\\n");
}

static void test_copy_text_replaces_invalid_utf8(void **state)
{
    (void)state;
    check_copy_text("a\xFF\x62", "a" FFFD "b");    /* \x62 is 'b' */
    check_copy_text("\x80", FFFD);                 /* lone continuation */
    check_copy_text("Z\xFCrich", "Z" FFFD "rich"); /* Latin-1 ü */
    check_copy_text("\xC3", FFFD);                 /* truncated at the end */
    check_copy_text("\xE2\x82", FFFD FFFD);
    check_copy_text("\xE2\x82x", FFFD FFFD "x");
    check_copy_text("\xC0\x80", FFFD FFFD);                   /* overlong */
    check_copy_text("\xED\xA0\x80", FFFD FFFD FFFD);          /* surrogate */
    check_copy_text("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* past U+10FFFF */
    check_copy_text("\xC3\n", FFFD "\\n");                    /* the newline is still escaped */
    check_copy_text("\xE2\\", FFFD "\\\\");
}

static void test_copy_text_appends_and_caps(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "1\t");
    assert_true(imp__copy_text(&b, "x\ty"));
    assert_string_equal(buf_str(&b), "1\tx\\ty");
    buf_cleanup(&b);

    buf_init(&b, 8);
    assert_false(imp__copy_text(&b, "0123456789"));
    assert_true(b.overflow);
    buf_cleanup(&b);
    buf_init(&b, 4);
    assert_false(imp__copy_text(&b, "abc\n")); /* the escape does not fit */
    buf_cleanup(&b);
}

/* ---- imp__ewkb_hex ----------------------------------------------------------------- */

static void check_ewkb(const unsigned char *wkb, size_t n, int srid, const char *expect)
{
    struct buf b;
    buf_init(&b, 0);
    assert_true(imp__ewkb_hex(&b, wkb, n, srid));
    assert_string_equal(buf_str(&b), expect);
    buf_cleanup(&b);
}

static void test_ewkb_point_little_endian(void **state)
{
    (void)state;
    /* POINT(1.5 2) as OGR writes it in NDR: 01, type 1, x, y (IEEE 754 little-endian). */
    // clang-format off
    static const unsigned char wkb[21] = {
        0x01, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F, /* 1.5 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, /* 2.0 */
    };
    // clang-format on
    /* 01 | type 0x20000001 LE: 01 00 00 20 | SRID 32632 = 0x7F78 LE: 78 7F 00 00 | x | y */
    check_ewkb(wkb, sizeof wkb, 32632,
               "0101000020787F0000"
               "000000000000F83F"
               "0000000000000040");
    check_ewkb(wkb, sizeof wkb, 4326,
               "0101000020E6100000"
               "000000000000F83F"
               "0000000000000040");
}

static void test_ewkb_point_big_endian(void **state)
{
    (void)state;
    // clang-format off
    static const unsigned char wkb[21] = {
        0x00, 0x00, 0x00, 0x00, 0x01,
        0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 1.5 */
        0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 2.0 */
    };
    // clang-format on
    /* 00 | type 0x20000001 BE: 20 00 00 01 | SRID 32632 BE: 00 00 7F 78 | x | y */
    check_ewkb(wkb, sizeof wkb, 32632,
               "0020000001"
               "00007F78"
               "3FF8000000000000"
               "4000000000000000");
}

static void test_ewkb_keeps_z_flag_and_body(void **state)
{
    (void)state;
    /* POINT Z in the old OGC variant: type 0x80000001; EWKB's Z flag is the same bit. */
    // clang-format off
    static const unsigned char point_z[29] = {
        0x01, 0x01, 0x00, 0x00, 0x80,
        0, 0, 0, 0, 0, 0, 0xF8, 0x3F,
        0, 0, 0, 0, 0, 0, 0, 0x40,
        0, 0, 0, 0, 0, 0, 0x24, 0x40, /* 10.0 */
    };
    // clang-format on
    check_ewkb(point_z, sizeof point_z, 2056,
               "01010000A008080000"
               "000000000000F83F0000000000000040"
               "0000000000002440");

    /* A MULTIPOINT: only the outer header gets the SRID; the members are copied as they are. */
    // clang-format off
    static const unsigned char multi[30] = {
        0x01, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x01, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0xF8, 0x3F,
        0, 0, 0, 0, 0, 0, 0, 0x40,
    };
    // clang-format on
    check_ewkb(multi, sizeof multi, 32632,
               "0104000020787F0000"
               "01000000"
               "0101000000"
               "000000000000F83F0000000000000040");

    /* Only the 5-byte header: the SRID is still inserted. */
    check_ewkb(multi, 5, 32632, "0104000020787F0000");
}

static void test_ewkb_too_short_or_capped(void **state)
{
    (void)state;
    static const unsigned char wkb[5] = {0x01, 0x01, 0x00, 0x00, 0x00};
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "keep");
    assert_false(imp__ewkb_hex(&b, wkb, 0, 32632));
    assert_false(imp__ewkb_hex(&b, wkb, 1, 32632));
    assert_false(imp__ewkb_hex(&b, wkb, 4, 32632));
    assert_string_equal(buf_str(&b), "keep");
    buf_cleanup(&b);

    buf_init(&b, 10);
    assert_false(imp__ewkb_hex(&b, wkb, sizeof wkb, 32632));
    assert_true(b.overflow);
    buf_cleanup(&b);
}

/* ---- imp__column_name -------------------------------------------------------------- */

/* What PostgreSQL takes unquoted: 1..63 bytes of [a-z0-9_], not starting with a digit. */
static bool column_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static void check_column(const char *field, const char *const *taken, size_t ntaken, const char *expect)
{
    char out[64];
    imp__column_name(field, taken, ntaken, out);
    assert_string_equal(out, expect);
}

static void test_column_name_launders(void **state)
{
    (void)state;
    check_column("Name", NULL, 0, "name");
    check_column("building:height", NULL, 0, "building_height");
    check_column("ADDR:HOUSENUMBER", NULL, 0, "addr_housenumber");
    check_column("  gemeinde  name ", NULL, 0, "gemeinde_name");
    check_column("a--b", NULL, 0, "a_b");
    check_column("_x_", NULL, 0, "x");
    check_column("2nd", NULL, 0, "f_2nd");
    check_column("123", NULL, 0, "f_123");
    check_column("id", NULL, 0, "id_src");
    check_column("ID", NULL, 0, "id_src");
    check_column("geom", NULL, 0, "geom_src");
    check_column("Geom", NULL, 0, "geom_src");
    check_column("ids", NULL, 0, "ids");
    check_column("geometry", NULL, 0, "geometry");

    static const char *const odd[] = {"", "!!!", "H\xC3\xB6he", "\xC3\xA9", "9", "---1", "\xE2\x82\xAC"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        char out[64];
        imp__column_name(odd[i], NULL, 0, out);
        if (!column_name_ok(out))
            fail_msg("field #%zu gave column '%s'", i, out);
    }
}

static void test_column_name_taken_gets_suffix(void **state)
{
    (void)state;
    /* The header leaves the suffix open; the code adds "_src" first, then "_2", "_3"… */
    static const char *const one[] = {"name"};
    static const char *const two[] = {"name", "name_src"};
    static const char *const three[] = {"name", "name_src", "name_2"};
    check_column("Name", one, 1, "name_src");
    check_column("NAME", two, 2, "name_2");
    check_column("name", three, 3, "name_3");
    static const char *const id_src[] = {"id_src"};
    check_column("id", id_src, 1, "id_2");
    static const char *const other[] = {"height"};
    check_column("name", other, 1, "name");

    /* A table's fields, each added to the taken list as the importer does: all distinct. */
    static const char *const fields[] = {"Name", "NAME",     "name",    "id",      "ID",     "geom",
                                         "Geom", "name_src", "name:de", "name de", "Name_De"};
    enum { NF = sizeof fields / sizeof *fields };
    char cols[NF][64];
    const char *taken[NF];
    for (size_t i = 0; i < NF; i++) {
        imp__column_name(fields[i], taken, i, cols[i]);
        assert_true(column_name_ok(cols[i]));
        assert_string_not_equal(cols[i], "id");
        assert_string_not_equal(cols[i], "geom");
        for (size_t k = 0; k < i; k++)
            if (strcmp(cols[i], cols[k]) == 0)
                fail_msg("'%s' and '%s' both became '%s'", fields[i], fields[k], cols[i]);
        taken[i] = cols[i];
    }
}

static void test_column_name_long_truncated(void **state)
{
    (void)state;
    char field[101];
    memset(field, 'A', 100);
    field[100] = '\0';
    char first[64], second[64], third[64];
    imp__column_name(field, NULL, 0, first);
    assert_true(column_name_ok(first));
    assert_true(strlen(first) <= 63);
    assert_int_equal(first[0], 'a');

    const char *taken[2] = {first, NULL};
    imp__column_name(field, taken, 1, second);
    assert_true(column_name_ok(second));
    assert_string_not_equal(second, first);
    taken[1] = second;
    imp__column_name(field, taken, 2, third);
    assert_true(column_name_ok(third));
    assert_string_not_equal(third, first);
    assert_string_not_equal(third, second);

    memset(field, '7', 100);
    imp__column_name(field, NULL, 0, first);
    assert_true(column_name_ok(first));
    assert_memory_equal(first, "f_77", 4);

    /* Truncation does not leave a trailing '_'. */
    for (size_t cut = 50; cut < 60; cut++) {
        memset(field, 'b', 100);
        field[cut] = ':';
        imp__column_name(field, NULL, 0, first);
        assert_true(column_name_ok(first));
        assert_int_not_equal(first[strlen(first) - 1], '_');
    }
}

/* ---- imp__utm_epsg ----------------------------------------------------------------- */

static void test_utm_epsg_places(void **state)
{
    (void)state;
    assert_int_equal(imp__utm_epsg(9.52, 47.14), 32632);   /* Vaduz, Liechtenstein */
    assert_int_equal(imp__utm_epsg(4.7, 50.88), 32631);    /* Leuven, Belgium */
    assert_int_equal(imp__utm_epsg(151.2, -33.87), 32756); /* Sydney */
    assert_int_equal(imp__utm_epsg(-74.0, 40.7), 32618);   /* New York */
    assert_int_equal(imp__utm_epsg(-68.3, -54.8), 32719);  /* Ushuaia */
    assert_int_equal(imp__utm_epsg(-78.51, -0.22), 32717); /* Quito, just south */
    assert_int_equal(imp__utm_epsg(-78.51, 0.0), 32617);   /* the equator counts as north */
}

static void test_utm_epsg_zone_edges(void **state)
{
    (void)state;
    assert_int_equal(imp__utm_epsg(-180.0, 10), 32601);
    assert_int_equal(imp__utm_epsg(-174.0, 10), 32602);
    assert_int_equal(imp__utm_epsg(5.999, 10), 32631);
    assert_int_equal(imp__utm_epsg(6.0, 10), 32632);
    assert_int_equal(imp__utm_epsg(179.999, 10), 32660);
    assert_int_equal(imp__utm_epsg(179.999, -10), 32760);
    /* Longitudes are normalised to [-180, 180): +180 is -180, the first zone. */
    assert_int_equal(imp__utm_epsg(180.0, 10), 32601);
    assert_int_equal(imp__utm_epsg(180.0, -10), 32701);
    assert_int_equal(imp__utm_epsg(189.52, 47.14), 32602);
    assert_int_equal(imp__utm_epsg(369.52, 47.14), 32632);
    assert_int_equal(imp__utm_epsg(-350.48, 47.14), 32632);
}

static void test_utm_epsg_norway_svalbard(void **state)
{
    (void)state;
    /* South-west Norway: zone 32 reaches west to 3°E between 56°N and 64°N. */
    assert_int_equal(imp__utm_epsg(5.3, 60.4), 32632); /* Bergen (31 by longitude) */
    assert_int_equal(imp__utm_epsg(3.0, 60.0), 32632);
    assert_int_equal(imp__utm_epsg(2.99, 60.0), 32631);
    assert_int_equal(imp__utm_epsg(5.3, 56.0), 32632);
    assert_int_equal(imp__utm_epsg(5.3, 55.99), 32631);
    assert_int_equal(imp__utm_epsg(5.3, 64.0), 32631);
    assert_int_equal(imp__utm_epsg(11.99, 60.0), 32632);
    assert_int_equal(imp__utm_epsg(12.0, 60.0), 32633);

    /* Svalbard, 72°N to 84°N: zones 31, 33, 35, 37 only. */
    assert_int_equal(imp__utm_epsg(15.0, 78.0), 32633); /* Longyearbyen area */
    assert_int_equal(imp__utm_epsg(5.0, 78.0), 32631);
    assert_int_equal(imp__utm_epsg(8.99, 78.0), 32631); /* 32 by longitude */
    assert_int_equal(imp__utm_epsg(9.0, 78.0), 32633);
    assert_int_equal(imp__utm_epsg(10.0, 78.0), 32633); /* 32 by longitude */
    assert_int_equal(imp__utm_epsg(20.0, 78.0), 32633); /* 34 by longitude */
    assert_int_equal(imp__utm_epsg(21.0, 78.0), 32635);
    assert_int_equal(imp__utm_epsg(30.0, 78.0), 32635); /* 36 by longitude */
    assert_int_equal(imp__utm_epsg(33.0, 78.0), 32637);
    assert_int_equal(imp__utm_epsg(35.0, 78.0), 32637); /* 36 by longitude */
    assert_int_equal(imp__utm_epsg(42.0, 78.0), 32638);
    assert_int_equal(imp__utm_epsg(10.0, 71.99), 32632);
    assert_int_equal(imp__utm_epsg(10.0, 84.0), 32632);
}

/* ---- imp_name_from_file, imp_name_valid -------------------------------------------- */

static void check_name_from_file(const char *path, const char *expect)
{
    char out[64];
    imp_name_from_file(path, out);
    assert_string_equal(out, expect);
    assert_true(imp_name_valid(out));
}

static void test_name_from_file(void **state)
{
    (void)state;
    check_name_from_file("/x/liechtenstein-2013-08-03.osm.pbf", "liechtenstein_2013_08_03");
    check_name_from_file("Liechtenstein-2013.osm.pbf", "liechtenstein_2013");
    check_name_from_file("Parcels 2024.shp.zip", "parcels_2024");
    check_name_from_file("2024.geojson", "d_2024");
    check_name_from_file("data/Vaduz.city.json", "vaduz");
    check_name_from_file("BUILDINGS.GPKG", "buildings");
    check_name_from_file("a/b/roads.fgb", "roads");
    check_name_from_file("model.ifc", "model");
}

static void test_name_from_file_always_valid(void **state)
{
    (void)state;
    char very_long[400];
    memset(very_long, 'v', sizeof very_long - 1);
    very_long[sizeof very_long - 1] = '\0';
    char digits[120];
    memset(digits, '4', sizeof digits - 1);
    digits[sizeof digits - 1] = '\0';
    char digits_then_cut[80];
    memset(digits_then_cut, '5', sizeof digits_then_cut - 1);
    digits_then_cut[44] = '-';
    digits_then_cut[sizeof digits_then_cut - 1] = '\0';
    /* (\x63 is 'c', \x65 is 'e': written so to end the \x escape before them.) */
    const char *const paths[] = {
        "",
        "....json",
        ".json",
        "/",
        "/data/",
        "x",
        "_",
        "___.gpkg",
        "-.shp",
        "2024.geojson",
        "\xC3\x89\x63ole.shp",
        "\xFF\xFE.csv",
        "stra\xC3\x9F\x65.gml",
        "a.tar.gz",
        "x.zip.zip.zip",
        very_long,
        digits,
        digits_then_cut,
        "UPPER CASE NAME.KML",
    };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        char out[64];
        imp_name_from_file(paths[i], out);
        if (!imp_name_valid(out))
            fail_msg("path #%zu gave the invalid name '%s'", i, out);
    }
    char out[64];
    imp_name_from_file("2024.geojson", out);
    assert_memory_equal(out, "d_", 2);
}

static void test_name_valid(void **state)
{
    (void)state;
    assert_true(imp_name_valid("a"));
    assert_true(imp_name_valid("parcels_2024"));
    assert_true(imp_name_valid("d_2024"));
    assert_false(imp_name_valid(""));
    assert_false(imp_name_valid("A"));
    assert_false(imp_name_valid("Parcels"));
    assert_false(imp_name_valid("1a"));
    assert_false(imp_name_valid("_a"));
    assert_false(imp_name_valid("a-b"));
    assert_false(imp_name_valid("a b"));
    assert_false(imp_name_valid("a.b"));
    assert_false(imp_name_valid("a\"b"));
    assert_false(imp_name_valid("caf\xC3\xA9"));

    char name[IMP_NAME_MAX + 2];
    assert_int_equal(IMP_NAME_MAX, 48);
    memset(name, 'n', IMP_NAME_MAX);
    name[IMP_NAME_MAX] = '\0';
    assert_true(imp_name_valid(name)); /* 48 bytes */
    name[IMP_NAME_MAX] = 'n';
    name[IMP_NAME_MAX + 1] = '\0';
    assert_false(imp_name_valid(name)); /* 49 bytes */
}

/* ---- source values ------------------------------------------------------------------ */

static void test_hstore_get(void **state)
{
    (void)state;
    char v[64];
    const char *tags = "\"building:levels\"=>\"4\",\"height\"=>\"12.5 m\",\"name\"=>\"Caf\\\"e \\\\ Bar\"";
    assert_true(imp__hstore_get(tags, "height", v, sizeof v));
    assert_string_equal(v, "12.5 m");
    assert_true(imp__hstore_get(tags, "building:levels", v, sizeof v));
    assert_string_equal(v, "4");
    assert_true(imp__hstore_get(tags, "name", v, sizeof v));
    assert_string_equal(v, "Caf\"e \\ Bar");
    assert_false(imp__hstore_get(tags, "levels", v, sizeof v)); /* no partial key match */
    assert_false(imp__hstore_get("", "height", v, sizeof v));
    assert_false(imp__hstore_get(NULL, "height", v, sizeof v));
    /* malformed input ends the search instead of reading past it */
    assert_false(imp__hstore_get("\"height\"=>\"12", "height", v, sizeof v));
    assert_false(imp__hstore_get("\"a\"=\"b\"", "a", v, sizeof v));
    /* a value longer than the buffer is cut, never overflowed */
    char small[4];
    assert_true(imp__hstore_get("\"k\"=>\"abcdef\"", "k", small, sizeof small));
    assert_string_equal(small, "abc");
}

static void test_parse_length(void **state)
{
    (void)state;
    double m;
    assert_true(imp__parse_length("12", &m));
    assert_true(m == 12.0);
    assert_true(imp__parse_length("12.5 m", &m));
    assert_true(m == 12.5);
    assert_true(imp__parse_length("12,5", &m));
    assert_true(m == 12.5);
    assert_true(imp__parse_length("40'", &m));
    assert_true(fabs(m - 12.192) < 1e-9);
    assert_true(imp__parse_length("10 ft", &m));
    assert_true(fabs(m - 3.048) < 1e-9);
    assert_false(imp__parse_length("tall", &m));
    assert_false(imp__parse_length("", &m));
    assert_false(imp__parse_length("12 storeys", &m));
}

static void test_parse_year(void **state)
{
    (void)state;
    int y;
    assert_true(imp__parse_year("1890", &y));
    assert_int_equal(y, 1890);
    assert_true(imp__parse_year("c. 1890", &y));
    assert_int_equal(y, 1890);
    assert_true(imp__parse_year("1890-05-01", &y));
    assert_int_equal(y, 1890);
    assert_false(imp__parse_year("12/05/1890", &y)); /* the first number is a day: no guess */
    assert_false(imp__parse_year("unknown", &y));
    assert_false(imp__parse_year("123456", &y));
}

/* ---- quick ring validity ------------------------------------------------------------ */

static bool ring(const double *xy, int n)
{
    double x[IMP_RING_QUICK_MAX + 8], y[IMP_RING_QUICK_MAX + 8];
    for (int i = 0; i < n; i++) {
        x[i] = xy[2 * i];
        y[i] = xy[2 * i + 1];
    }
    return imp__ring_certainly_simple(x, y, n);
}

static void test_ring_quick_check(void **state)
{
    (void)state;
    const double square[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 0};
    const double triangle[] = {0, 0, 10, 0, 5, 8, 0, 0};
    const double bowtie[] = {0, 0, 10, 10, 10, 0, 0, 10, 0, 0};
    const double spike[] = {0, 0, 10, 0, 10, 10, 10, 20, 10, 10, 0, 10, 0, 0};
    const double collinear[] = {0, 0, 5, 0, 10, 0, 10, 10, 0, 10, 0, 0};
    const double repeated[] = {0, 0, 10, 0, 10, 0, 10, 10, 0, 10, 0, 0};
    const double unclosed[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 1};
    const double touching[] = {0, 0, 10, 0, 10, 10, 5, 0, 0, 10, 0, 0}; /* vertex on an edge */
    const double utm[] = {758123.25, 5220456.5, 758133.75, 5220456.5, 758133.75, 5220466.25, 758123.25, 5220466.25,
                          758123.25, 5220456.5};
    assert_true(ring(square, 5));
    assert_true(ring(triangle, 4));
    assert_true(ring(utm, 5));
    assert_false(ring(bowtie, 5));
    assert_false(ring(spike, 7));
    assert_false(ring(collinear, 6)); /* valid, but not certain here: GEOS decides */
    assert_false(ring(repeated, 6));
    assert_false(ring(unclosed, 5));
    assert_false(ring(touching, 6));
    double big[2 * (IMP_RING_QUICK_MAX + 1)];
    for (int i = 0; i <= IMP_RING_QUICK_MAX; i++) {
        double t = 2 * M_PI * i / IMP_RING_QUICK_MAX;
        big[2 * i] = i == IMP_RING_QUICK_MAX ? 10 : 10 * cos(t);
        big[2 * i + 1] = i == IMP_RING_QUICK_MAX ? 0 : 10 * sin(t);
    }
    assert_false(ring(big, IMP_RING_QUICK_MAX + 1)); /* too many points for the quick path */
}

/* The quick test never calls a ring valid that GEOS calls invalid: random rings, many of
 * them self-intersecting, judged by both. */
static void test_ring_quick_check_agrees_with_geos(void **state)
{
    (void)state;
    unsigned seed = 12345;
    int certain = 0, invalid = 0;
    for (int trial = 0; trial < 20000; trial++) {
        int n = 4 + (int)(seed % 7);
        double x[16], y[16];
        for (int i = 0; i < n - 1; i++) {
            seed = seed * 1103515245u + 12345u;
            x[i] = (double)((seed >> 8) % 20);
            seed = seed * 1103515245u + 12345u;
            y[i] = (double)((seed >> 8) % 20);
        }
        x[n - 1] = x[0];
        y[n - 1] = y[0];
        bool quick = imp__ring_certainly_simple(x, y, n);
        OGRGeometryH r = OGR_G_CreateGeometry(wkbLinearRing), p = OGR_G_CreateGeometry(wkbPolygon);
        for (int i = 0; i < n; i++)
            OGR_G_AddPoint_2D(r, x[i], y[i]);
        OGR_G_AddGeometryDirectly(p, r);
        bool geos = OGR_G_IsValid(p);
        OGR_G_DestroyGeometry(p);
        if (quick)
            assert_true(geos);
        certain += quick;
        invalid += !geos;
    }
    /* the test is worth having: it is certain often, and many rings were invalid */
    assert_true(certain > 2000);
    assert_true(invalid > 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_text_escapes),
        cmocka_unit_test(test_copy_text_keeps_utf8),
        cmocka_unit_test(test_copy_text_replaces_invalid_utf8),
        cmocka_unit_test(test_copy_text_appends_and_caps),
        cmocka_unit_test(test_ewkb_point_little_endian),
        cmocka_unit_test(test_ewkb_point_big_endian),
        cmocka_unit_test(test_ewkb_keeps_z_flag_and_body),
        cmocka_unit_test(test_ewkb_too_short_or_capped),
        cmocka_unit_test(test_column_name_launders),
        cmocka_unit_test(test_column_name_taken_gets_suffix),
        cmocka_unit_test(test_column_name_long_truncated),
        cmocka_unit_test(test_utm_epsg_places),
        cmocka_unit_test(test_utm_epsg_zone_edges),
        cmocka_unit_test(test_utm_epsg_norway_svalbard),
        cmocka_unit_test(test_name_from_file),
        cmocka_unit_test(test_name_from_file_always_valid),
        cmocka_unit_test(test_name_valid),
        cmocka_unit_test(test_hstore_get),
        cmocka_unit_test(test_ring_quick_check),
        cmocka_unit_test(test_ring_quick_check_agrees_with_geos),
        cmocka_unit_test(test_parse_length),
        cmocka_unit_test(test_parse_year),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
