/* jw: a streaming JSON writer that appends to a caller-owned struct buf.
 *
 * The writer tracks the open containers so that it places commas and colons itself and
 * refuses sequences that would produce invalid JSON: a value inside an object without a
 * key, a key outside an object or right after another key, an end that does not match its
 * begin, nesting deeper than JW_MAX_DEPTH, a second top-level value. Any such misuse, or a
 * refused append (the buf hit its cap or memory ran out), makes the writer sticky-failed:
 * every later call writes nothing and returns false, and jw_ok() reports false. The buf
 * then holds a truncated document that the caller must discard (or buf_reset).
 *
 * Every value function returns jw_ok() after the call, so a loop can stop early.
 *
 * Output is valid JSON and valid UTF-8 for any input bytes: strings are escaped (see
 * jw_string_n) and numbers are written with '.' as decimal separator whatever the
 * process or thread locale (LC_NUMERIC) is.
 *
 * Ownership: the writer borrows `out`, which must outlive it; nothing to clean up.
 * Thread-safety: a writer belongs to one thread; distinct writers may run on distinct
 * threads (the only shared state is a read-only C locale created once). */
#ifndef JUMEAU_JSON_WRITER_H
#define JUMEAU_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define JW_MAX_DEPTH 64  /* open containers at most; one more begin is misuse */
#define JW_DOUBLE_MAX 32 /* size of jw_format_double's output buffer, NUL included */
#define JW_PREC_MAX 17   /* jw_double_prec clamps `decimals` to 0..JW_PREC_MAX */

struct jw {
    struct buf *out;
    unsigned depth;                /* open containers */
    bool is_object[JW_MAX_DEPTH];  /* per open container, innermost at depth - 1 */
    bool has_value;  /* the innermost container (or the top level) already holds a value */
    bool after_key;  /* a key was written; the next call must be a value */
    bool error;      /* misuse or refused append; sticky */
};

/* Starts a document in `out`, after whatever it already holds. */
void jw_init(struct jw *w, struct buf *out);

/* False once any misuse or refused append happened (see above). */
bool jw_ok(const struct jw *w);
/* True when the writer is ok, one top-level value was written, and every container
 * is closed: the appended text is one complete JSON document. */
bool jw_finish(const struct jw *w);

bool jw_object_begin(struct jw *w);
bool jw_object_end(struct jw *w);
bool jw_array_begin(struct jw *w);
bool jw_array_end(struct jw *w);

/* Writes an object member name (escaped like jw_string); a value must follow.
 * `k` NULL is misuse. */
bool jw_key(struct jw *w, const char *k);

/* Writes a string. jw_string takes a NUL-terminated string, NULL writes `null`.
 * jw_string_n takes `n` arbitrary bytes (embedded NULs allowed; s may be NULL when n is 0).
 * Escaping: '"' and '\\'; control bytes below 0x20 as \b \f \n \r \t or \u00XX; U+2028
 * and U+2029 as \u2028 \u2029 (JavaScript line terminators); '/' after '<' as "\/" (so
 * "</script>" cannot close an HTML script element). UTF-8 is validated strictly: an
 * overlong form, an encoded surrogate (U+D800..U+DFFF), a code point above U+10FFFF, a
 * truncated sequence or a stray continuation byte is invalid, and each byte that does not
 * start a valid sequence becomes U+FFFD (EF BF BD). Valid sequences are copied as-is. */
bool jw_string(struct jw *w, const char *s);
bool jw_string_n(struct jw *w, const char *s, size_t n);

bool jw_int(struct jw *w, long long v);
bool jw_uint(struct jw *w, unsigned long long v);
/* Writes the shortest decimal form that reads back as exactly `v` (see jw_format_double);
 * NaN and infinities, which JSON cannot express, are written as `null`. */
bool jw_double(struct jw *w, double v);
/* Writes `v` rounded to at most `decimals` digits after the point (clamped to
 * 0..JW_PREC_MAX), trailing zeros and a trailing point removed, so 2.5 with 3 decimals is
 * "2.5"; a result that rounds to zero is "0", never "-0". Non-finite values write `null`.
 * For coordinates: 7 decimals is about 1 cm in longitude/latitude. */
bool jw_double_prec(struct jw *w, double v, int decimals);
bool jw_bool(struct jw *w, bool v);
bool jw_null(struct jw *w);
/* Inserts `json`, which the caller guarantees is one valid, already encoded JSON value,
 * as the next value (commas handled, contents not checked). `json` NULL is misuse. */
bool jw_raw(struct jw *w, const char *json);

/* jw_key(w, k) followed by the value function. */
bool jw_kv_string(struct jw *w, const char *k, const char *v);
bool jw_kv_int(struct jw *w, const char *k, long long v);
bool jw_kv_uint(struct jw *w, const char *k, unsigned long long v);
bool jw_kv_double(struct jw *w, const char *k, double v);
bool jw_kv_bool(struct jw *w, const char *k, bool v);
bool jw_kv_null(struct jw *w, const char *k);

/* Formats `v` as a JSON number into `out` (NUL-terminated) and returns its length, or
 * returns 0 (out = "") when `v` is NaN or infinite. The text is the shortest "%.*g" form
 * (precision 1..17) that strtod reads back as exactly `v`, with '.' as decimal point,
 * the exponent without '+' or leading zeros ("1e21", "5e-324"), and plain digits for
 * integers below 1e17 ("100", not "1e2"). -0.0 is "-0". Thread-safe; for any encoder. */
size_t jw_format_double(double v, char out[JW_DOUBLE_MAX]);

#endif
