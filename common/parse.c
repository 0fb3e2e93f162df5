#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

bool parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return false;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale; /* written once by pthread_once, read-only after */

static void c_locale_create(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

locale_t parse_c_locale(void)
{
    pthread_once(&c_locale_once, c_locale_create);
    return c_locale;
}

bool parse_double(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return false;
    /* '.' is the only separator, whatever LC_NUMERIC says: a library may change it */
    for (const char *p = s; *p; p++)
        if (*p == ',')
            return false;
    errno = 0;
    char *end = NULL;
    locale_t c = parse_c_locale();
    double v = c ? strtod_l(s, &end, c) : strtod(s, &end);
    if (errno == ERANGE || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}
