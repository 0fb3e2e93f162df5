#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t cap)
{
    memset(b, 0, sizeof *b);
    b->cap = cap ? cap : BUF_DEFAULT_CAP;
}

void buf_cleanup(struct buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->overflow = false;
    if (b->data)
        b->data[0] = '\0';
}

char *buf_reserve(struct buf *b, size_t n)
{
    if (b->overflow)
        return NULL;
    if (n > b->cap || b->len > b->cap - n) {
        b->overflow = true;
        return NULL;
    }
    size_t need = b->len + n + 1;
    if (need > b->alloc) {
        size_t alloc = b->alloc ? b->alloc : 256;
        while (alloc < need)
            alloc = alloc > SIZE_MAX / 2 ? need : alloc * 2;
        char *p = realloc(b->data, alloc);
        if (!p) {
            b->overflow = true;
            return NULL;
        }
        b->data = p;
        b->alloc = alloc;
        b->data[b->len] = '\0'; /* the contents stay a C string, even before a commit */
    }
    return b->data + b->len;
}

void buf_commit(struct buf *b, size_t n)
{
    b->len += n;
    b->data[b->len] = '\0';
}

bool buf_append(struct buf *b, const void *bytes, size_t n)
{
    char *dst = buf_reserve(b, n);
    if (!dst)
        return false;
    if (n)
        memcpy(dst, bytes, n);
    buf_commit(b, n);
    return true;
}

bool buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

bool buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

bool buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    bool ok = false;
    if (n >= 0) {
        char *dst = buf_reserve(b, (size_t)n);
        if (dst) {
            vsnprintf(dst, (size_t)n + 1, fmt, again);
            buf_commit(b, (size_t)n);
            ok = true;
        }
    }
    va_end(again);
    return ok;
}

bool buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return ok;
}

const char *buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}

char *buf_take(struct buf *b, size_t *len_out)
{
    if (!b->data && !buf_reserve(b, 0))
        return NULL;
    char *p = b->data;
    if (len_out)
        *len_out = b->len;
    b->data = NULL;
    b->len = b->alloc = 0;
    b->overflow = false;
    return p;
}
