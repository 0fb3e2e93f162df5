/* Reading values out of source attributes: OSM's other_tags, lengths, years. Pure functions. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "imp_internal.h"
#include "parse.h"

/* Reads one quoted string at *p ("…" with \" and \\ escapes) into out; advances *p. */
static bool read_quoted(const char **p, char *out, size_t size)
{
    const char *s = *p;
    if (*s != '"')
        return false;
    s++;
    size_t n = 0;
    while (*s && *s != '"') {
        if (*s == '\\' && s[1])
            s++;
        if (out && n + 1 < size)
            out[n++] = *s;
        s++;
    }
    if (*s != '"')
        return false;
    if (out && size)
        out[n] = '\0';
    *p = s + 1;
    return true;
}

bool imp__hstore_get(const char *tags, const char *key, char *out, size_t size)
{
    if (!tags || !key)
        return false;
    const char *p = tags;
    char k[256];
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p || !read_quoted(&p, k, sizeof k))
            return false;
        if (strncmp(p, "=>", 2) != 0)
            return false;
        p += 2;
        if (strcmp(k, key) == 0)
            return read_quoted(&p, out, size) && out[0] != '\0';
        if (!read_quoted(&p, NULL, 0))
            return false;
    }
    return false;
}

bool imp__parse_length(const char *text, double *metres)
{
    while (isspace((unsigned char)*text))
        text++;
    char number[64];
    size_t n = 0;
    const char *p = text;
    while ((isdigit((unsigned char)*p) || *p == '.' || *p == ',' || (*p == '-' && p == text)) && n + 1 < sizeof number) {
        number[n++] = *p == ',' ? '.' : *p; /* "12,5": a decimal comma, as in much of Europe */
        p++;
    }
    number[n] = '\0';
    double v;
    if (n == 0 || !parse_double(number, &v))
        return false;
    while (isspace((unsigned char)*p))
        p++;
    double scale = 1.0;
    if (*p == '\'' || strncmp(p, "ft", 2) == 0 || strncmp(p, "feet", 4) == 0)
        scale = 0.3048;
    else if (*p == 'm' || *p == '\0')
        scale = 1.0;
    else
        return false;
    *metres = v * scale;
    return isfinite(*metres);
}

bool imp__parse_year(const char *text, int *year)
{
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)*p))
            continue;
        int v = 0, digits = 0;
        while (isdigit((unsigned char)p[digits]) && digits < 5) {
            v = v * 10 + (p[digits] - '0');
            digits++;
        }
        if (digits >= 3 && digits <= 4 && !isdigit((unsigned char)p[digits])) {
            *year = v;
            return true;
        }
        return false; /* the first number is not a year: do not guess further */
    }
    return false;
}
