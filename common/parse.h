/* parse: checked conversions of text to numbers (instead of atoi/strtol unchecked).
 * Each returns true only when the whole string is a number within [min, max].
 * Locale-independent for integers; parse_double accepts '.' as decimal separator only. */
#ifndef JUMEAU_PARSE_H
#define JUMEAU_PARSE_H

#include <stdbool.h>

bool parse_long(const char *s, long min, long max, long *out);
bool parse_double(const char *s, double *out);

#endif
