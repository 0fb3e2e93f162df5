#include "arena.h"

#include <stdarg.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char mem[];
};

struct arena_hook {
    struct arena_hook *next;
    void (*fn)(void *);
    void *ptr;
};

enum { ARENA_FIRST_BLOCK = 4096, ARENA_MAX_BLOCK = 1 << 20 };

void arena_init(struct arena *a, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->cap = cap;
}

void arena_cleanup(struct arena *a)
{
    if (!a)
        return;
    for (struct arena_hook *h = a->hooks; h; h = h->next)
        h->fn(h->ptr);
    /* hooks live in the blocks, so the blocks go last */
    struct arena_block *b = a->blocks;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->blocks = NULL;
    a->hooks = NULL;
    a->used = 0;
}

static size_t align_up(size_t n)
{
    size_t al = alignof(max_align_t);
    return (n + al - 1) & ~(al - 1);
}

void *arena_alloc(struct arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    size_t need = align_up(n);
    if (a->cap && (need > a->cap || a->used > a->cap - need))
        return NULL;
    struct arena_block *b = a->blocks;
    if (!b || b->size - b->used < need) {
        size_t size = b ? b->size * 2 : ARENA_FIRST_BLOCK;
        if (size > ARENA_MAX_BLOCK)
            size = ARENA_MAX_BLOCK;
        if (size < need)
            size = need;
        struct arena_block *nb = malloc(sizeof *nb + size);
        if (!nb)
            return NULL;
        nb->size = size;
        nb->used = 0;
        /* a big one-off block goes behind the current one, so the current keeps filling */
        if (b && size == need && b->size - b->used > 256) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->blocks = nb;
        }
        b = nb;
    }
    void *p = b->mem + b->used;
    b->used += need;
    a->used += need;
    return p;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = NULL;
    if (n >= 0 && (p = arena_alloc(a, (size_t)n + 1)))
        vsnprintf(p, (size_t)n + 1, fmt, again);
    va_end(again);
    return p;
}

int arena_on_cleanup(struct arena *a, void (*fn)(void *), void *ptr)
{
    struct arena_hook *h = arena_alloc(a, sizeof *h);
    if (!h) {
        fn(ptr);
        return -1;
    }
    h->fn = fn;
    h->ptr = ptr;
    h->next = a->hooks;
    a->hooks = h;
    return 0;
}
