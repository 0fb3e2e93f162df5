/* arena: a region allocator with cleanup hooks, one per request or per command.
 *
 * Allocations live until arena_cleanup(), which first runs the registered cleanup hooks
 * in reverse order of registration (so a PGresult or a GDAL handle is released before the
 * memory it may point into), then frees every block. Blocks grow geometrically; a single
 * allocation larger than a block gets a block of its own.
 *
 * Every allocation is aligned for any C object (max_align_t). Returns NULL only when
 * memory runs out or a request exceeds the arena's byte cap.
 * Thread-safety: none; an arena belongs to one request on one thread. */
#ifndef JUMEAU_ARENA_H
#define JUMEAU_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena_hook;

struct arena {
    struct arena_block *blocks;
    struct arena_hook *hooks;
    size_t used;  /* bytes handed out, for caps and metrics */
    size_t cap;   /* maximum total bytes; 0 means no cap */
};

void arena_init(struct arena *a, size_t cap);
/* Runs the hooks, frees everything; the arena may be reused after arena_init(). NULL-safe. */
void arena_cleanup(struct arena *a);

void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t count, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Registers fn(ptr) to run at arena_cleanup(). Returns 0, or -1 when out of memory (then
 * fn(ptr) is called at once, so the resource never leaks). */
int arena_on_cleanup(struct arena *a, void (*fn)(void *), void *ptr);

#endif
