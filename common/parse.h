/* parse: checked conversions of text to numbers (instead of atoi/strtol unchecked).
 * Each returns true only when the whole string is a number within [min, max].
 * Locale-independent for integers; parse_double accepts '.' as decimal separator only. */
#ifndef JUMEAU_PARSE_H
#define JUMEAU_PARSE_H

#include <locale.h>
#include <stdbool.h>

bool parse_long(const char *s, long min, long max, long *out);
bool parse_double(const char *s, double *out);

/* The "C" numeric locale, created once (thread-safe), for strtod_l/snprintf checks that must
 * not depend on LC_NUMERIC, which a library may change. (locale_t)0 if it cannot be made. */
locale_t parse_c_locale(void);

#endif
