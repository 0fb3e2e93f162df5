#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* newlocale, strtod_l */
#endif

#include "json_writer.h"
#include "parse.h"
#include "utf8.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer state ---------------------------------------------------------------- */

static bool fail(struct jw *w)
{
    w->error = true;
    return false;
}

void jw_init(struct jw *w, struct buf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
}

bool jw_ok(const struct jw *w)
{
    return !w->error && !w->out->overflow;
}

bool jw_finish(const struct jw *w)
{
    return jw_ok(w) && w->depth == 0 && w->has_value;
}

/* Checks that a value may come here and writes the comma that separates it from the
 * previous one. Inside an object a value is only allowed right after its key. */
static bool value_begin(struct jw *w)
{
    if (w->error)
        return false;
    if (w->after_key) {
        w->after_key = false;
        return true;
    }
    if (w->depth == 0 ? w->has_value : w->is_object[w->depth - 1])
        return fail(w);
    if (w->has_value && !buf_putc(w->out, ','))
        return fail(w);
    return true;
}

/* Writes a scalar whose JSON text is ready. */
static bool value_put(struct jw *w, const char *text, size_t n)
{
    if (!value_begin(w))
        return false;
    if (!buf_append(w->out, text, n))
        return fail(w);
    w->has_value = true;
    return true;
}

static bool container_begin(struct jw *w, bool object)
{
    if (!value_begin(w))
        return false;
    if (w->depth == JW_MAX_DEPTH || !buf_putc(w->out, object ? '{' : '['))
        return fail(w);
    w->is_object[w->depth++] = object;
    w->has_value = false;
    return true;
}

static bool container_end(struct jw *w, bool object)
{
    if (w->error)
        return false;
    if (w->depth == 0 || w->is_object[w->depth - 1] != object || w->after_key)
        return fail(w);
    if (!buf_putc(w->out, object ? '}' : ']'))
        return fail(w);
    w->depth--;
    w->has_value = true; /* the closed container is a value of its parent */
    return true;
}

bool jw_object_begin(struct jw *w) { return container_begin(w, true); }
bool jw_object_end(struct jw *w) { return container_end(w, true); }
bool jw_array_begin(struct jw *w) { return container_begin(w, false); }
bool jw_array_end(struct jw *w) { return container_end(w, false); }

/* ---- strings --------------------------------------------------------------------- */

/* Appends s[0..n) as a quoted JSON string, escaped as jw_string_n documents. Bytes that
 * need no change are appended in runs. */
static bool put_string(struct buf *b, const char *str, size_t n)
{
    static const char short_escape[0x20] = {
        ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
    };
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t done = 0; /* s[done..i) is pending, to be copied as-is */
    size_t i = 0;

    if (!buf_putc(b, '"'))
        return false;
    while (i < n) {
        unsigned char c = s[i];
        char esc[6] = {'\\', (char)c};
        const char *rep = esc;
        size_t rep_len = 2, skip = 1;

        if (c >= 0x80) {
            uint32_t cp;
            size_t len = utf8_decode(s + i, n - i, &cp);
            if (len == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8) {
                rep = s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
                rep_len = 6;
                skip = 3;
            } else if (len) {
                i += len;
                continue;
            } else {
                rep = "\xEF\xBF\xBD"; /* U+FFFD for this one byte; resync on the next */
                rep_len = 3;
            }
        } else if (c < 0x20) {
            if (short_escape[c]) {
                esc[1] = short_escape[c];
            } else {
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 0xF];
                rep_len = 6;
            }
        } else if (!(c == '"' || c == '\\' || (c == '/' && i > 0 && s[i - 1] == '<'))) {
            i++;
            continue;
        }
        if (!buf_append(b, s + done, i - done) || !buf_append(b, rep, rep_len))
            return false;
        i += skip;
        done = i;
    }
    return buf_append(b, s + done, i - done) && buf_putc(b, '"');
}

bool jw_key(struct jw *w, const char *k)
{
    if (w->error)
        return false;
    if (!k || w->depth == 0 || !w->is_object[w->depth - 1] || w->after_key)
        return fail(w);
    if ((w->has_value && !buf_putc(w->out, ',')) || !put_string(w->out, k, strlen(k)) ||
        !buf_putc(w->out, ':'))
        return fail(w);
    w->after_key = true;
    return true;
}

bool jw_string_n(struct jw *w, const char *s, size_t n)
{
    if (!value_begin(w))
        return false;
    if (!put_string(w->out, n ? s : "", n))
        return fail(w);
    w->has_value = true;
    return true;
}

bool jw_string(struct jw *w, const char *s)
{
    return s ? jw_string_n(w, s, strlen(s)) : jw_null(w);
}

/* ---- numbers and literals -------------------------------------------------------- */

bool jw_int(struct jw *w, long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", v);
    return value_put(w, tmp, (size_t)n);
}

bool jw_uint(struct jw *w, unsigned long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", v);
    return value_put(w, tmp, (size_t)n);
}

bool jw_bool(struct jw *w, bool v)
{
    return v ? value_put(w, "true", 4) : value_put(w, "false", 5);
}

bool jw_null(struct jw *w)
{
    return value_put(w, "null", 4);
}

bool jw_raw(struct jw *w, const char *json)
{
    if (!json)
        return fail(w);
    return value_put(w, json, strlen(json));
}

/* The C locale for reading numbers back, whatever the thread's locale. Created once and
 * never changed (nor freed) afterwards; (locale_t)0 if creation failed. */

/* Rewrites, in place, the NUL-terminated output of printf's %g or %f for a finite value
 * as a JSON number, and returns its length. The locale's decimal point, which may be ","
 * or several bytes, is the only text that is not a digit, sign or 'e' (no grouping flag,
 * no 'I' flag), so each run of such bytes becomes '.'. This needs neither localeconv(),
 * which is not thread-safe, nor knowledge of the locale. The exponent loses its '+' and
 * leading zeros. The text only shrinks. */
static size_t number_to_json(char *s)
{
    size_t n = 0;
    bool in_exp = false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c >= '0' && c <= '9') {
            if (in_exp && c == '0' && p[1] && (s[n - 1] < '0' || s[n - 1] > '9'))
                continue; /* leading zero of the exponent, another digit follows */
            s[n++] = c;
        } else if (c == 'e' || c == 'E') {
            in_exp = true;
            s[n++] = 'e';
        } else if (c == '-') {
            s[n++] = c;
        } else if (c != '+' && (n == 0 || s[n - 1] != '.')) {
            s[n++] = '.';
        }
    }
    s[n] = '\0';
    return n;
}

size_t jw_format_double(double v, char out[JW_DOUBLE_MAX])
{
    /* The longest form, "-1.2345678901234567e-308", has 24 bytes; the locale's decimal
     * point may add a few before number_to_json shrinks it back to '.'. */
    char tmp[JW_DOUBLE_MAX + 16];
    size_t n = 0;

    out[0] = '\0';
    if (!isfinite(v))
        return 0;
    locale_t c_locale = parse_c_locale();
    /* 17 significant digits always read back exactly; shorter forms are tried only when
     * the check can run in the C locale. */
    for (int prec = c_locale ? 1 : 17; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        n = number_to_json(tmp);
        if (!c_locale || strtod_l(tmp, NULL, c_locale) == v)
            break;
    }
    /* %g uses an exponent once the integer part is longer than the precision: 100 came
     * out as "1e2". Such a value is an integer; below 1e17 print all its digits, which
     * is the exact value, so it still reads back exactly. */
    const char *e = strchr(tmp, 'e');
    if (e && e[1] != '-') {
        int exp10 = 0;
        for (const char *d = e + 1; *d; d++)
            exp10 = exp10 * 10 + (*d - '0');
        if (exp10 <= 16) {
            snprintf(tmp, sizeof tmp, "%.*g", exp10 + 1, v);
            n = number_to_json(tmp);
        }
    }
    memcpy(out, tmp, n + 1);
    return n;
}

bool jw_double(struct jw *w, double v)
{
    char tmp[JW_DOUBLE_MAX];
    size_t n = jw_format_double(v, tmp);
    return n ? value_put(w, tmp, n) : jw_null(w);
}

bool jw_double_prec(struct jw *w, double v, int decimals)
{
    /* "%.*f" of DBL_MAX has 309 integer digits, then the point and the decimals. */
    char tmp[DBL_MAX_10_EXP + JW_PREC_MAX + 16];

    if (!isfinite(v))
        return jw_null(w);
    decimals = decimals < 0 ? 0 : decimals > JW_PREC_MAX ? JW_PREC_MAX : decimals;
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    size_t n = number_to_json(tmp);
    if (strchr(tmp, '.')) {
        while (tmp[n - 1] == '0')
            n--;
        if (tmp[n - 1] == '.')
            n--;
    }
    const char *text = tmp;
    if (n == 2 && tmp[0] == '-' && tmp[1] == '0') { /* -0, or a tiny negative rounded */
        text++;
        n--;
    }
    return value_put(w, text, n);
}

/* ---- key/value shorthands -------------------------------------------------------- */

bool jw_kv_string(struct jw *w, const char *k, const char *v)
{
    return jw_key(w, k) && jw_string(w, v);
}

bool jw_kv_int(struct jw *w, const char *k, long long v)
{
    return jw_key(w, k) && jw_int(w, v);
}

bool jw_kv_uint(struct jw *w, const char *k, unsigned long long v)
{
    return jw_key(w, k) && jw_uint(w, v);
}

bool jw_kv_double(struct jw *w, const char *k, double v)
{
    return jw_key(w, k) && jw_double(w, v);
}

bool jw_kv_bool(struct jw *w, const char *k, bool v)
{
    return jw_key(w, k) && jw_bool(w, v);
}

bool jw_kv_null(struct jw *w, const char *k)
{
    return jw_key(w, k) && jw_null(w);
}
