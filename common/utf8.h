/* utf8: strict UTF-8 decoding (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF. Used wherever outside text crosses into JSON or PostgreSQL, which both demand
 * valid UTF-8. */
#ifndef JUMEAU_UTF8_H
#define JUMEAU_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the sequence at s[0..n): returns its length (1..4) and the code point, or 0 when
 * the bytes there are not valid UTF-8 (then skip one byte and emit U+FFFD). */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
