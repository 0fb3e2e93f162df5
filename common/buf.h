/* buf: a growable byte buffer with a hard cap.
 *
 * Every writer of output (JSON, SQL COPY rows, HTTP bodies) appends to a buf. A buf never
 * grows past `cap` bytes: an append that would cross it fails, leaves the buffer as it was
 * before the append, and sets `overflow`, so the caller can report a clear limit error
 * instead of allocating without bound. The contents are always NUL-terminated (the NUL is
 * not counted in `len`), so text can be handed to C APIs directly.
 *
 * Ownership: buf_init/buf_cleanup pair; buf_take hands the bytes to the caller (free()).
 * Thread-safety: none; a buf belongs to one thread. */
#ifndef JUMEAU_BUF_H
#define JUMEAU_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data;    /* NULL until the first append; then len + 1 bytes are valid */
    size_t len;
    size_t alloc;
    size_t cap;    /* maximum len; 0 means BUF_DEFAULT_CAP */
    bool overflow; /* an append was refused because of cap, or memory ran out */
};

#define BUF_DEFAULT_CAP ((size_t)1 << 30)

void buf_init(struct buf *b, size_t cap);
void buf_cleanup(struct buf *b);
/* Empties the buffer and clears `overflow`, keeping its memory. */
void buf_reset(struct buf *b);
/* Returns the bytes (NUL-terminated; an empty string when nothing was written) and leaves
 * the buf empty. The caller frees the result with free(). NULL only when out of memory. */
char *buf_take(struct buf *b, size_t *len_out);

/* Appends; each returns false (and sets overflow) when the cap or memory stops it. */
bool buf_append(struct buf *b, const void *bytes, size_t n);
bool buf_puts(struct buf *b, const char *s);
bool buf_putc(struct buf *b, char c);
bool buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Makes room for `n` more bytes and returns where they go; commit them with buf_commit. */
char *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);

/* The text so far, never NULL (an empty string before the first append). */
const char *buf_str(const struct buf *b);

#endif
