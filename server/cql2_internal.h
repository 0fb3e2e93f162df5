/* cql2_internal: what the files of the cql2 module share (prefix cql2__), not a public API.
 *
 * Pipeline: a reader (cql2_text.c for cql2-text, cql2_json.c for cql2-json) checks the
 * syntax, validates every literal and re-writes it canonically, and builds an AST in a
 * per-call arena; cql2.c then type-checks the AST against the schema and emits the SQL and
 * the parameters. Depth is bounded by the readers (CQL2_MAX_DEPTH), so the recursive walks
 * of cql2.c are bounded too. */
#ifndef JUMEAU_CQL2_INTERNAL_H
#define JUMEAU_CQL2_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "cql2.h"
#include "err.h"

/* ---- arena: every allocation of one call, freed at once by cql2__arena_cleanup ---- */

struct cql2__chunk;

struct cql2__arena {
    struct cql2__chunk *head;
};

/* ---- AST ---- */

enum cql2__kind {
    /* predicates (boolean expressions) */
    CQL2__AND,     /* n-ary, kids: the operands (2 or more) */
    CQL2__OR,      /* n-ary */
    CQL2__NOT,     /* kid: the operand */
    CQL2__CMP,     /* op: enum cql2__cmp; kids: left, right */
    CQL2__LIKE,    /* negated; kids: value, pattern */
    CQL2__BETWEEN, /* negated; kids: value, low, high */
    CQL2__IN,      /* negated; kids: value, then the list items (1 or more) */
    CQL2__ISNULL,  /* negated (IS NOT NULL); kid: the operand */
    CQL2__SPATIAL, /* op: enum cql2__spatial; kids: two geometries */
    /* scalars; BOOL and PROP may also stand as predicates */
    CQL2__PROP,      /* prop: index into the schema */
    CQL2__STRING,    /* text: the UTF-8 value (unescaped) */
    CQL2__NUMBER,    /* num; is_int and inum when the value is a whole number in bigint range */
    CQL2__BOOL,      /* boolean */
    CQL2__DATE,      /* text: canonical YYYY-MM-DD */
    CQL2__TIMESTAMP, /* text: canonical RFC 3339 */
    CQL2__WKT,       /* text: canonical WKT re-written from parsed coordinates */
    CQL2__GEOJSON,   /* text: canonical GeoJSON geometry re-written from parsed coordinates */
    CQL2__BBOX,      /* bbox: minx, miny, maxx, maxy */
};

enum cql2__cmp { CQL2__EQ, CQL2__NE, CQL2__LT, CQL2__GT, CQL2__LE, CQL2__GE };

/* Spatial functions, in the order of cql2__spatial_names. */
enum cql2__spatial {
    CQL2__S_INTERSECTS,
    CQL2__S_EQUALS,
    CQL2__S_DISJOINT,
    CQL2__S_TOUCHES,
    CQL2__S_WITHIN,
    CQL2__S_OVERLAPS,
    CQL2__S_CROSSES,
    CQL2__S_CONTAINS,
    CQL2__S_COUNT
};

/* CQL2 names (upper case; cql2-json uses them in lower case) and PostGIS names. */
extern const char *const cql2__spatial_names[CQL2__S_COUNT];
extern const char *const cql2__spatial_sql[CQL2__S_COUNT];

struct cql2__node {
    enum cql2__kind kind;
    size_t offset; /* byte offset in the filter, for messages */
    int op;
    bool negated;
    struct cql2__node *kids, *last_kid; /* operands, linked by next */
    struct cql2__node *next;
    size_t nkids;
    size_t prop;
    const char *text; /* NUL-terminated, in the arena */
    size_t text_len;
    double num;
    bool is_int;
    long long inum;
    bool boolean;
    double bbox[4];
};

/* ---- the state of one call ---- */

struct cql2__ctx {
    const char *src;
    size_t len;
    const struct cql2_schema *schema;
    int filter_srid;
    struct err *e;
    enum jm_status status; /* JM_OK until the first failure */
    struct cql2__arena arena;
};

/* Zeroed memory from the arena; NULL (and the ctx fails with JM_EINTERNAL) when out of memory. */
void *cql2__alloc(struct cql2__ctx *c, size_t n);
/* A NUL-terminated copy of s[0..n) in the arena. */
char *cql2__strndup(struct cql2__ctx *c, const char *s, size_t n);
void cql2__arena_cleanup(struct cql2__arena *a);

/* Records the first failure: "filter: <message> at offset N", N in characters. Later calls
 * do nothing. */
void cql2__fail(struct cql2__ctx *c, enum jm_status code, size_t byte_offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "filter: unknown property 'x' at offset N (queryables: a, b, …)". */
void cql2__fail_unknown_property(struct cql2__ctx *c, size_t byte_offset, const char *name, size_t n);
/* Writes s[0..n) into out (size outsz, CQL2__SHOWN_SIZE is enough) for a message: at most
 * CQL2__SHOWN_BYTES bytes of input, invalid UTF-8 and control characters as '?', "…" when cut. */
#define CQL2__SHOWN_BYTES 48
#define CQL2__SHOWN_SIZE (CQL2__SHOWN_BYTES + 16)
void cql2__printable(const char *s, size_t n, char *out, size_t outsz);

/* Index of the property named s[0..n) (case-sensitive), or -1. */
long cql2__find_property(const struct cql2__ctx *c, const char *s, size_t n);

struct cql2__node *cql2__node_new(struct cql2__ctx *c, enum cql2__kind kind, size_t offset);
void cql2__node_add(struct cql2__node *parent, struct cql2__node *kid);

/* Literal checks shared by both languages; each fails the ctx (JM_EINPUT or JM_ELIMIT) and
 * returns false on a bad value. `offset` is the literal's byte offset. */
/* s[0..n) has the syntax of a CQL2 or JSON number (checked by the caller): fills num/is_int/inum. */
bool cql2__number(struct cql2__ctx *c, struct cql2__node *n, const char *s, size_t len, size_t offset);
/* A string value: valid UTF-8, no NUL, at most CQL2_MAX_STRING_BYTES. */
bool cql2__check_string(struct cql2__ctx *c, const char *s, size_t len, size_t offset);
/* DATE('YYYY-MM-DD') and TIMESTAMP('…'): set n->text to the canonical form. */
bool cql2__date(struct cql2__ctx *c, struct cql2__node *n, const char *s, size_t len, size_t offset);
bool cql2__timestamp(struct cql2__ctx *c, struct cql2__node *n, const char *s, size_t len, size_t offset);
/* One position of a geometry literal: range check (lon/lat for 4326). */
bool cql2__check_position(struct cql2__ctx *c, const double *xyz, int dim, size_t offset);
/* A BBOX literal of 4 or 6 numbers: checks and fills n->bbox. */
bool cql2__bbox(struct cql2__ctx *c, struct cql2__node *n, const double *v, size_t count, size_t offset);
/* Appends a coordinate in canonical form (jw_format_double, -0 as 0). */
bool cql2__put_coord(struct buf *b, double v);

/* The readers: the AST of the whole filter, or NULL when the ctx failed. */
struct cql2__node *cql2__text_parse(struct cql2__ctx *c);
struct cql2__node *cql2__json_parse(struct cql2__ctx *c);

#endif
