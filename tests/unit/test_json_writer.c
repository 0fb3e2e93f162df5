/* Unit tests of common/json_writer (jw_): structure and commas, string escaping and
 * UTF-8 repair, number formatting (round trip, locale independence), misuse and caps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_locale.h"

#include <locale.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

/* A writer over a fresh buf; tests end with done(). */
struct fixture {
    struct buf b;
    struct jw w;
};

static struct jw *start(struct fixture *f, size_t cap)
{
    buf_init(&f->b, cap);
    jw_init(&f->w, &f->b);
    return &f->w;
}

/* Checks the whole output and that it is a complete document, then frees. */
static void check_doc(struct fixture *f, const char *text)
{
    assert_string_equal(buf_str(&f->b), text);
    assert_true(jw_finish(&f->w));
    buf_cleanup(&f->b);
}

/* The JSON text of one string value. */
static void check_string_n(const char *in, size_t n, const char *text)
{
    struct fixture f;
    assert_true(jw_string_n(start(&f, 0), in, n));
    check_doc(&f, text);
}

static void check_string(const char *in, const char *text)
{
    check_string_n(in, strlen(in), text);
}

static void check_double(double v, const char *text)
{
    char s[JW_DOUBLE_MAX];
    struct fixture f;
    assert_true(jw_double(start(&f, 0), v));
    check_doc(&f, text);
    if (isfinite(v)) {
        assert_int_equal(jw_format_double(v, s), strlen(text));
        assert_string_equal(s, text);
    }
}

static void check_prec(double v, int decimals, const char *text)
{
    struct fixture f;
    assert_true(jw_double_prec(start(&f, 0), v, decimals));
    check_doc(&f, text);
}

/* True when s is a JSON number per RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return false;
    if (*s == '.') {
        if (*++s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* ---- structure ------------------------------------------------------------------- */

static void test_nested_commas(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 0);
    jw_object_begin(w);
    jw_kv_int(w, "a", 1);
    jw_key(w, "b");
    jw_array_begin(w);
    jw_int(w, 1);
    jw_uint(w, 2);
    jw_object_begin(w);
    jw_kv_null(w, "c");
    jw_object_end(w);
    jw_array_begin(w);
    jw_array_end(w);
    jw_array_end(w);
    jw_key(w, "d");
    jw_object_begin(w);
    jw_object_end(w);
    jw_kv_string(w, "e", "x");
    jw_kv_bool(w, "f", true);
    jw_kv_bool(w, "g", false);
    jw_kv_double(w, "h", 0.5);
    jw_kv_uint(w, "i", 7);
    jw_key(w, "j");
    jw_raw(w, "{\"pre\":[1,2]}");
    jw_object_end(w);
    check_doc(&f, "{\"a\":1,\"b\":[1,2,{\"c\":null},[]],\"d\":{},\"e\":\"x\",\"f\":true,"
                   "\"g\":false,\"h\":0.5,\"i\":7,\"j\":{\"pre\":[1,2]}}");
}

static void test_top_level_array_and_raw(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 0);
    jw_array_begin(w);
    jw_raw(w, "1");
    jw_raw(w, "[true]");
    jw_string(w, NULL); /* NULL string is null */
    jw_bool(w, true);
    jw_array_begin(w);
    jw_array_begin(w);
    jw_array_end(w);
    jw_array_end(w);
    jw_array_end(w);
    check_doc(&f, "[1,[true],null,true,[[]]]");
}

static void test_scalar_documents(void **state)
{
    (void)state;
    struct fixture f;
    assert_true(jw_int(start(&f, 0), LLONG_MIN));
    check_doc(&f, "-9223372036854775808");
    assert_true(jw_uint(start(&f, 0), ULLONG_MAX));
    check_doc(&f, "18446744073709551615");
    assert_true(jw_null(start(&f, 0)));
    check_doc(&f, "null");
}

static void test_appends_after_existing_content(void **state)
{
    (void)state;
    struct buf b;
    struct jw w;
    buf_init(&b, 0);
    buf_puts(&b, "data: ");
    jw_init(&w, &b);
    jw_array_begin(&w);
    jw_int(&w, 1);
    jw_array_end(&w);
    assert_true(jw_finish(&w));
    assert_string_equal(buf_str(&b), "data: [1]");
    buf_cleanup(&b);
}

/* ---- strings --------------------------------------------------------------------- */

static void test_escape_basic(void **state)
{
    (void)state;
    check_string("", "\"\"");
    check_string("plain text", "\"plain text\"");
    check_string("a\"b\\c", "\"a\\\"b\\\\c\"");
    check_string("a/b </script> <x/", "\"a/b <\\/script> <x/\"");
    check_string("</", "\"<\\/\"");
    check_string("\x7f", "\"\x7f\""); /* DEL is allowed raw in JSON */
}

static void test_escape_all_control_chars(void **state)
{
    (void)state;
    char in[0x20];
    for (int c = 0; c < 0x20; c++)
        in[c] = (char)c;
    check_string_n(in, sizeof in,
                    "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
                    "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
                    "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
                    "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"");
    check_string_n("a\0b", 3, "\"a\\u0000b\"");
    check_string_n(NULL, 0, "\"\"");
}

static void test_escape_line_separators(void **state)
{
    (void)state;
    check_string("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c", "\"a\\u2028b\\u2029c\"");
    /* Neighbours of U+2028/2029 stay raw. */
    check_string("\xE2\x80\xA7\xE2\x80\xAA", "\"\xE2\x80\xA7\xE2\x80\xAA\"");
}

static void test_key_is_escaped(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 0);
    jw_object_begin(w);
    jw_kv_int(w, "k\"\n\xff", 1);
    jw_object_end(w);
    check_doc(&f, "{\"k\\\"\\n\xEF\xBF\xBD\":1}");
}

#define FFFD "\xEF\xBF\xBD"

static void test_utf8_invalid(void **state)
{
    (void)state;
    check_string("a\x80" "b", "\"a" FFFD "b\"");             /* lone continuation */
    check_string("\xBF\xBF", "\"" FFFD FFFD "\"");
    check_string("\xC0\x80", "\"" FFFD FFFD "\"");            /* overlong NUL */
    check_string("\xC1\xBF", "\"" FFFD FFFD "\"");            /* overlong '\x7f' */
    check_string("\xE0\x9F\xBF", "\"" FFFD FFFD FFFD "\"");   /* overlong U+07FF */
    check_string("\xF0\x8F\xBF\xBF", "\"" FFFD FFFD FFFD FFFD "\""); /* overlong U+FFFF */
    check_string("\xED\xA0\x80", "\"" FFFD FFFD FFFD "\"");   /* surrogate U+D800 */
    check_string("\xED\xBF\xBF", "\"" FFFD FFFD FFFD "\"");   /* surrogate U+DFFF */
    check_string("\xF4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""); /* U+110000 */
    check_string("\xE2\x82", "\"" FFFD FFFD "\"");            /* truncated at the end */
    check_string("\xE2\x82x", "\"" FFFD FFFD "x\"");          /* truncated in the middle */
    check_string("\xF0\x9F\x98", "\"" FFFD FFFD FFFD "\"");
    check_string("\xC3", "\"" FFFD "\"");
    check_string("\xC3\xC3\xA9", "\"" FFFD "\xC3\xA9\"");     /* resync on the next lead */
    check_string("\xF5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
    check_string("\xF8\xFC\xFE\xFF", "\"" FFFD FFFD FFFD FFFD "\"");
    check_string("\xE2\x82\"", "\"" FFFD FFFD "\\\"\"");      /* '"' is not swallowed */
}

static void test_utf8_valid_kept(void **state)
{
    (void)state;
    check_string("\xC3\xA9", "\"\xC3\xA9\"");                 /* é */
    check_string("\xE2\x82\xAC", "\"\xE2\x82\xAC\"");         /* € */
    check_string("\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\""); /* 😀 */
    check_string("\xC2\x80\xDF\xBF", "\"\xC2\x80\xDF\xBF\""); /* U+0080, U+07FF */
    check_string("\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF",
                  "\"\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\""); /* U+0800 U+D7FF U+E000 U+FFFF */
    check_string("\xF0\x90\x80\x80\xF4\x8F\xBF\xBF",
                  "\"\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"");  /* U+10000, U+10FFFF */
    check_string("caf\xC3\xA9 \xE2\x82\xAC", "\"caf\xC3\xA9 \xE2\x82\xAC\"");
}

/* ---- numbers --------------------------------------------------------------------- */

static void test_double_shortest(void **state)
{
    (void)state;
    check_double(0.1, "0.1");
    check_double(0.5, "0.5");
    check_double(-1.5, "-1.5");
    check_double(3.0, "3");
    check_double(0.0, "0");
    check_double(-0.0, "-0");
    check_double(100.0, "100");
    check_double(1e16, "10000000000000000");
    check_double(123456789012.0, "123456789012");
    check_double(1e17, "1e17");
    check_double(1e21, "1e21");
    check_double(1e-5, "1e-5");
    check_double(0.0001, "0.0001");
    check_double(5e-324, "5e-324");
    check_double(1.7976931348623157e308, "1.7976931348623157e308");
    check_double(-2.2250738585072014e-308, "-2.2250738585072014e-308");
    check_double(0.1 + 0.2, "0.30000000000000004");
}

static void test_double_round_trip(void **state)
{
    (void)state;
    char s[JW_DOUBLE_MAX];
    double third = 1 / 3.0;
    assert_true(jw_format_double(third, s) > 0);
    assert_true(strtod(s, NULL) == third);

    /* Random bit patterns cover every exponent, subnormals included. */
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        memcpy(&v, &x, sizeof v);
        size_t n = jw_format_double(v, s);
        if (!isfinite(v)) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_int_equal(n, strlen(s));
        assert_true(n < JW_DOUBLE_MAX);
        if (!is_json_number(s) || strtod(s, NULL) != v)
            fail_msg("%a formatted as \"%s\"", v, s);
        if (i % 8 == 0) { /* integers near the plain/exponent boundary */
            double k = (double)(x >> (x % 64)) * (x & 1 ? -1 : 1);
            jw_format_double(k, s);
            if (!is_json_number(s) || strtod(s, NULL) != k)
                fail_msg("%a formatted as \"%s\"", k, s);
        }
    }
}

static void test_double_non_finite(void **state)
{
    (void)state;
    char s[JW_DOUBLE_MAX] = "x";
    check_double(NAN, "null");
    check_double(INFINITY, "null");
    check_double(-INFINITY, "null");
    assert_int_equal(jw_format_double(NAN, s), 0);
    assert_string_equal(s, "");
    check_prec(NAN, 3, "null");
    check_prec(-INFINITY, 3, "null");
}

static void test_double_prec(void **state)
{
    (void)state;
    check_prec(1.23456789, 7, "1.2345679");
    check_prec(2.5, 3, "2.5");
    check_prec(-0.0000001, 3, "0");
    check_prec(-0.0, 7, "0");
    check_prec(0.0, 7, "0");
    check_prec(100.0, 2, "100");
    check_prec(100.0, 0, "100");
    check_prec(-12.5, 0, "-12"); /* round half to even, as printf */
    check_prec(-3.14159, 2, "-3.14");
    check_prec(2.0000001, 3, "2");
    check_prec(0.1, 40, "0.10000000000000001"); /* clamped to 17 decimals */
    check_prec(7.25, -3, "7");   /* negative decimals mean 0 */
    check_prec(6.8556068, 7, "6.8556068");
    check_prec(45.7597213, 7, "45.7597213");

    struct fixture f;
    assert_true(jw_double_prec(start(&f, 0), -1.7976931348623157e308, 7));
    assert_int_equal(f.b.len, 310);
    assert_true(is_json_number(buf_str(&f.b)));
    buf_cleanup(&f.b);
}


static void test_double_comma_locale(void **state)
{
    (void)state;
    char in_c[JW_DOUBLE_MAX], s[JW_DOUBLE_MAX];
    double third = 1 / 3.0;
    jw_format_double(third, in_c);

    const char *name = test_set_comma_locale();
    if (!name)
        skip();
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    assert_string_equal(probe, "0,5"); /* the locale really is a comma locale */

    check_double(0.5, "0.5");
    check_double(0.1, "0.1");
    check_double(-1234.5678, "-1234.5678");
    check_double(1.5e-10, "1.5e-10");
    check_double(1e21, "1e21");
    check_prec(1.23456789, 7, "1.2345679");
    check_prec(2.5, 3, "2.5");
    check_prec(-0.0000001, 3, "0");
    /* The round-trip check must not be fooled by the locale into longer output. */
    jw_format_double(third, s);
    assert_string_equal(s, in_c);

    struct fixture f;
    struct jw *w = start(&f, 0);
    jw_array_begin(w);
    jw_double(w, 1.25);
    jw_double_prec(w, 2.75, 1);
    jw_array_end(w);
    check_doc(&f, "[1.25,2.8]");
}

/* ---- misuse and caps ------------------------------------------------------------- */

static void check_misuse(struct fixture *f)
{
    assert_false(jw_ok(&f->w));
    assert_false(jw_finish(&f->w));
    /* Sticky: nothing more is written. */
    size_t len = f->b.len;
    assert_false(jw_int(&f->w, 1));
    assert_false(jw_array_end(&f->w));
    assert_false(jw_object_end(&f->w));
    assert_int_equal(f->b.len, len);
    buf_cleanup(&f->b);
}

static void test_misuse_value_without_key(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 0);
    jw_object_begin(w);
    assert_false(jw_int(w, 1));
    check_misuse(&f);

    w = start(&f, 0);
    jw_object_begin(w);
    jw_kv_int(w, "a", 1);
    assert_false(jw_string(w, "no key"));
    check_misuse(&f);

    w = start(&f, 0);
    jw_object_begin(w);
    assert_false(jw_array_begin(w));
    check_misuse(&f);
}

static void test_misuse_mismatched_end(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 0);
    jw_array_begin(w);
    assert_false(jw_object_end(w));
    check_misuse(&f);

    w = start(&f, 0);
    jw_object_begin(w);
    assert_false(jw_array_end(w));
    check_misuse(&f);

    w = start(&f, 0);
    assert_false(jw_array_end(w)); /* nothing open */
    check_misuse(&f);

    w = start(&f, 0);
    jw_object_begin(w);
    jw_key(w, "dangling");
    assert_false(jw_object_end(w)); /* {"dangling":} */
    check_misuse(&f);
}

static void test_misuse_keys(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 0);
    assert_false(jw_key(w, "top"));
    check_misuse(&f);

    w = start(&f, 0);
    jw_array_begin(w);
    assert_false(jw_key(w, "in array"));
    check_misuse(&f);

    w = start(&f, 0);
    jw_object_begin(w);
    jw_key(w, "a");
    assert_false(jw_key(w, "b"));
    check_misuse(&f);

    w = start(&f, 0);
    jw_object_begin(w);
    assert_false(jw_key(w, NULL));
    check_misuse(&f);

    w = start(&f, 0);
    jw_array_begin(w);
    assert_false(jw_raw(w, NULL));
    check_misuse(&f);
}

static void test_misuse_second_top_level_value(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 0);
    jw_int(w, 1);
    assert_true(jw_finish(w));
    assert_false(jw_int(w, 2));
    check_misuse(&f);
}

static void test_finish_needs_closed_document(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 0);
    assert_true(jw_ok(w));
    assert_false(jw_finish(w)); /* nothing written */
    jw_array_begin(w);
    jw_object_begin(w);
    assert_true(jw_ok(w));
    assert_false(jw_finish(w));
    jw_object_end(w);
    assert_false(jw_finish(w));
    jw_array_end(w);
    check_doc(&f, "[{}]");
}

static void test_depth_limit(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 0);
    for (int i = 0; i < JW_MAX_DEPTH; i++)
        assert_true(jw_array_begin(w));
    for (int i = 0; i < JW_MAX_DEPTH; i++)
        assert_true(jw_array_end(w));
    assert_true(jw_finish(w));
    buf_cleanup(&f.b);

    w = start(&f, 0);
    for (int i = 0; i < JW_MAX_DEPTH; i++)
        assert_true(jw_array_begin(w));
    assert_false(jw_object_begin(w));
    assert_int_equal(f.b.len, JW_MAX_DEPTH);
    check_misuse(&f);
}

static void test_buf_cap_overflow(void **state)
{
    (void)state;
    struct fixture f;
    struct jw *w = start(&f, 16);
    jw_array_begin(w);
    assert_true(jw_string(w, "0123456789"));
    assert_true(jw_ok(w));
    assert_false(jw_string(w, "does not fit"));
    assert_true(f.b.overflow);
    assert_true(f.b.len <= 16);
    check_misuse(&f);

    /* An escape that crosses the cap. */
    w = start(&f, 8);
    assert_false(jw_string(w, "\x01\x02"));
    check_misuse(&f);

    w = start(&f, 4);
    assert_false(jw_double(w, 0.125));
    check_misuse(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_commas),
        cmocka_unit_test(test_top_level_array_and_raw),
        cmocka_unit_test(test_scalar_documents),
        cmocka_unit_test(test_appends_after_existing_content),
        cmocka_unit_test(test_escape_basic),
        cmocka_unit_test(test_escape_all_control_chars),
        cmocka_unit_test(test_escape_line_separators),
        cmocka_unit_test(test_key_is_escaped),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_utf8_valid_kept),
        cmocka_unit_test(test_double_shortest),
        cmocka_unit_test(test_double_round_trip),
        cmocka_unit_test(test_double_non_finite),
        cmocka_unit_test(test_double_prec),
        cmocka_unit_test_teardown(test_double_comma_locale, test_restore_c_locale),
        cmocka_unit_test(test_misuse_value_without_key),
        cmocka_unit_test(test_misuse_mismatched_end),
        cmocka_unit_test(test_misuse_keys),
        cmocka_unit_test(test_misuse_second_top_level_value),
        cmocka_unit_test(test_finish_needs_closed_document),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_buf_cap_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
