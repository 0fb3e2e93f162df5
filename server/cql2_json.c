/* cql2_json: the cql2-json reader.
 *
 * Two steps, both linear in the filter's length: a strict JSON reader (RFC 8259: objects,
 * arrays, strings with all escapes including \uXXXX surrogate pairs, numbers, true, false,
 * null; strict UTF-8; nesting ≤ CQL2__JSON_MAX_DEPTH) builds a small DOM in the arena, then
 * the CQL2 JSON forms are read from the DOM into the shared AST:
 *
 *   {"op": "and"|"or"|"not"|"="|"<>"|"<"|">"|"<="|">="|"like"|"between"|"in"|"isNull"|
 *          "s_intersects"|"s_equals"|…, "args": [...]}
 *   {"property": "name"}  {"date": "YYYY-MM-DD"}  {"timestamp": "…"}  {"bbox": [4 or 6 numbers]}
 *   GeoJSON geometry objects (re-serialised canonically from their parsed coordinates)
 *   strings, numbers, true, false
 *
 * A member name appearing twice in an object that is read is an error; GeoJSON objects may
 * hold foreign members, which are ignored; CQL2 objects may not. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cql2_internal.h"
#include "utf8.h"

/* and/or/not objects count against CQL2_MAX_DEPTH; each takes two JSON levels (the object
 * and its args), and a leaf below the deepest one needs a few more (a MultiPolygon has four
 * levels of arrays). */
#define CQL2__JSON_MAX_DEPTH (2 * CQL2_MAX_DEPTH + 16)

enum jv_type { JV_NULL, JV_FALSE, JV_TRUE, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

/* One JSON value. Members of arrays and objects are linked by `next`. */
struct jv {
    enum jv_type type;
    size_t off;       /* byte offset of the value */
    const char *s;    /* JV_STRING: decoded UTF-8; JV_NUMBER: the raw text */
    size_t n;
    const char *key;  /* member name, when inside an object */
    size_t key_n;
    size_t key_off;   /* byte offset of the member name */
    struct jv *first, *last, *next;
    size_t count;
};

/* ---- JSON reader ---- */

struct jr {
    struct cql2__ctx *c;
    size_t pos;
};

static void skip_ws(struct jr *r)
{
    const char *s = r->c->src;
    while (r->pos < r->c->len && (s[r->pos] == ' ' || s[r->pos] == '\t' || s[r->pos] == '\n' || s[r->pos] == '\r'))
        r->pos++;
}

static void fail_here(struct jr *r, const char *what)
{
    if (r->pos >= r->c->len) {
        cql2__fail(r->c, JM_EINPUT, r->pos, "unexpected end of filter (expected %s)", what);
        return;
    }
    char shown[CQL2__SHOWN_SIZE];
    size_t n = 1;
    if ((unsigned char)r->c->src[r->pos] >= 0xC0)
        while (n < 4 && r->pos + n < r->c->len && ((unsigned char)r->c->src[r->pos + n] & 0xC0) == 0x80)
            n++;
    cql2__printable(r->c->src + r->pos, n, shown, sizeof shown);
    cql2__fail(r->c, JM_EINPUT, r->pos, "unexpected '%s' (expected %s)", shown, what);
}

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = s[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string at r->pos (on the opening quote), decoded into the arena. NUL (\u0000) and
 * invalid UTF-8 are refused, so every string is valid UTF-8 without NUL. */
static bool read_string(struct jr *r, const char **out, size_t *out_n)
{
    const char *s = r->c->src;
    size_t len = r->c->len, start = ++r->pos, end = start;
    /* the decoded form is never longer than the raw one */
    while (end < len && s[end] != '"')
        end += s[end] == '\\' ? 2 : 1;
    if (end >= len) {
        cql2__fail(r->c, JM_EINPUT, start - 1, "unterminated string");
        return false;
    }
    char *d = cql2__alloc(r->c, end - start + 1);
    size_t o = 0, i = start;
    if (!d)
        return false;
    while (i < end) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20) {
            cql2__fail(r->c, JM_EINPUT, i, "control character in a string");
            return false;
        }
        if (ch >= 0x80) {
            uint32_t cp;
            size_t k = utf8_decode((const unsigned char *)s + i, end - i, &cp);
            if (k == 0) {
                cql2__fail(r->c, JM_EINPUT, i, "invalid UTF-8 in a string");
                return false;
            }
            memcpy(d + o, s + i, k);
            o += k, i += k;
            continue;
        }
        if (ch != '\\') {
            d[o++] = (char)ch;
            i++;
            continue;
        }
        char esc = s[i + 1];
        const char *simple = strchr("\"\\/bfnrt", esc);
        if (esc && simple) {
            static const char map[] = "\"\\/\b\f\n\r\t";
            d[o++] = map[simple - "\"\\/bfnrt"];
            i += 2;
            continue;
        }
        int cp = esc == 'u' && i + 6 <= end ? hex4(s + i + 2) : -1;
        if (cp < 0) {
            cql2__fail(r->c, JM_EINPUT, i, "invalid escape in a string");
            return false;
        }
        size_t at = i;
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            int lo = i + 6 <= end && s[i] == '\\' && s[i + 1] == 'u' ? hex4(s + i + 2) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                cql2__fail(r->c, JM_EINPUT, at, "unpaired surrogate in a string");
                return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cql2__fail(r->c, JM_EINPUT, at, "unpaired surrogate in a string");
            return false;
        } else if (cp == 0) {
            cql2__fail(r->c, JM_EINPUT, at, "NUL character in a string");
            return false;
        }
        o += put_utf8(d + o, (uint32_t)cp);
    }
    d[o] = '\0';
    r->pos = end + 1;
    *out = d;
    *out_n = o;
    return true;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool read_number(struct jr *r, struct jv *v)
{
    const char *s = r->c->src;
    size_t i = r->pos, n = r->c->len;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && is_digit(s[i]))
        while (i < n && is_digit(s[i]))
            i++;
    else
        goto bad;
    if (i < n && s[i] == '.') {
        if (++i >= n || !is_digit(s[i]))
            goto bad;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i]))
            goto bad;
        while (i < n && is_digit(s[i]))
            i++;
    }
    v->s = s + r->pos;
    v->n = i - r->pos;
    r->pos = i;
    return true;
bad:
    cql2__fail(r->c, JM_EINPUT, r->pos, "invalid number");
    return false;
}

static void add_member(struct jv *parent, struct jv *kid)
{
    if (parent->last)
        parent->last->next = kid;
    else
        parent->first = kid;
    parent->last = kid;
    parent->count++;
}

static struct jv *read_value(struct jr *r, int depth)
{
    skip_ws(r);
    if (r->pos >= r->c->len) {
        fail_here(r, "a value");
        return NULL;
    }
    struct jv *v = cql2__alloc(r->c, sizeof *v);
    if (!v)
        return NULL;
    v->off = r->pos;
    const char *s = r->c->src;
    char ch = s[r->pos];
    if (ch == '{' || ch == '[') {
        bool obj = ch == '{';
        char close = obj ? '}' : ']';
        if (depth >= CQL2__JSON_MAX_DEPTH) {
            cql2__fail(r->c, JM_ELIMIT, r->pos, "JSON nested deeper than %d", CQL2__JSON_MAX_DEPTH);
            return NULL;
        }
        v->type = obj ? JV_OBJECT : JV_ARRAY;
        r->pos++;
        skip_ws(r);
        if (r->pos < r->c->len && s[r->pos] == close) {
            r->pos++;
            return v;
        }
        for (;;) {
            const char *key = NULL;
            size_t key_n = 0, key_off = 0;
            if (obj) {
                skip_ws(r);
                key_off = r->pos;
                if (r->pos >= r->c->len || s[r->pos] != '"') {
                    fail_here(r, "a member name");
                    return NULL;
                }
                if (!read_string(r, &key, &key_n))
                    return NULL;
                skip_ws(r);
                if (r->pos >= r->c->len || s[r->pos] != ':') {
                    fail_here(r, "':'");
                    return NULL;
                }
                r->pos++;
            }
            struct jv *kid = read_value(r, depth + 1);
            if (!kid)
                return NULL;
            kid->key = key;
            kid->key_n = key_n;
            kid->key_off = key_off;
            add_member(v, kid);
            skip_ws(r);
            if (r->pos < r->c->len && s[r->pos] == ',') {
                r->pos++;
                continue;
            }
            if (r->pos < r->c->len && s[r->pos] == close) {
                r->pos++;
                return v;
            }
            fail_here(r, obj ? "',' or '}'" : "',' or ']'");
            return NULL;
        }
    }
    if (ch == '"') {
        v->type = JV_STRING;
        return read_string(r, &v->s, &v->n) ? v : NULL;
    }
    if (ch == '-' || is_digit(ch)) {
        v->type = JV_NUMBER;
        return read_number(r, v) ? v : NULL;
    }
    static const struct {
        const char *word;
        enum jv_type type;
    } words[] = {{"true", JV_TRUE}, {"false", JV_FALSE}, {"null", JV_NULL}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t k = strlen(words[i].word);
        if (r->c->len - r->pos >= k && memcmp(s + r->pos, words[i].word, k) == 0) {
            v->type = words[i].type;
            r->pos += k;
            return v;
        }
    }
    fail_here(r, "a value");
    return NULL;
}

/* ---- CQL2 JSON forms ---- */

struct jc {
    struct cql2__ctx *c;
    int depth; /* and/or/not objects (and geometry collections) around the current value */
};

static bool str_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* The member `key` of an object, NULL when absent; fails when it appears twice. */
static const struct jv *member(struct jc *j, const struct jv *obj, const char *key, bool *dup)
{
    const struct jv *found = NULL;
    for (const struct jv *m = obj->first; m; m = m->next) {
        if (!str_is(m->key, m->key_n, key))
            continue;
        if (found) {
            cql2__fail(j->c, JM_EINPUT, m->key_off, "member '%s' appears twice", key);
            *dup = true;
            return NULL;
        }
        found = m;
    }
    return found;
}

static const char *type_word(enum jv_type t)
{
    static const char *const words[] = {"null", "false", "true", "a number", "a string", "an array", "an object"};
    return words[t];
}

static bool need_type(struct jc *j, const struct jv *v, enum jv_type t, const char *what)
{
    if (v->type == t)
        return true;
    cql2__fail(j->c, JM_EINPUT, v->off, "%s must be %s, not %s", what, type_word(t), type_word(v->type));
    return false;
}

static bool enter(struct jc *j, size_t off)
{
    if (j->depth >= CQL2_MAX_DEPTH) {
        cql2__fail(j->c, JM_ELIMIT, off, "nesting deeper than %d", CQL2_MAX_DEPTH);
        return false;
    }
    j->depth++;
    return true;
}

/* ---- GeoJSON ---- */

enum geo_kind { GJ_POINT, GJ_LINESTRING, GJ_POLYGON, GJ_MULTIPOINT, GJ_MULTILINESTRING, GJ_MULTIPOLYGON, GJ_COLLECTION };

static const char *const geo_types[] = {"Point",           "LineString",   "Polygon",           "MultiPoint",
                                        "MultiLineString", "MultiPolygon", "GeometryCollection"};

struct geo {
    struct buf out;
    int dim;
    size_t positions;
    double last[3];
};

static bool geo_position(struct jc *j, struct geo *g, const struct jv *v)
{
    double xyz[3] = {0, 0, 0};
    int d = 0;
    if (!need_type(j, v, JV_ARRAY, "a position"))
        return false;
    if (v->count < 2 || v->count > 3) {
        cql2__fail(j->c, JM_EINPUT, v->off, "a position has 2 or 3 coordinates, not %zu", v->count);
        return false;
    }
    for (const struct jv *k = v->first; k; k = k->next) {
        struct cql2__node num = {0};
        if (!need_type(j, k, JV_NUMBER, "a coordinate") || !cql2__number(j->c, &num, k->s, k->n, k->off))
            return false;
        xyz[d++] = num.num;
    }
    if (g->dim && g->dim != d) {
        cql2__fail(j->c, JM_EINPUT, v->off, "mixed 2D and 3D positions in a geometry");
        return false;
    }
    g->dim = d;
    if (++g->positions > CQL2_MAX_COORDS) {
        cql2__fail(j->c, JM_ELIMIT, v->off, "geometry with more than %d positions", CQL2_MAX_COORDS);
        return false;
    }
    if (!cql2__check_position(j->c, xyz, d, v->off))
        return false;
    buf_putc(&g->out, '[');
    for (int i = 0; i < d; i++) {
        if (i)
            buf_putc(&g->out, ',');
        cql2__put_coord(&g->out, xyz[i]);
    }
    buf_putc(&g->out, ']');
    memcpy(g->last, xyz, sizeof xyz);
    return true;
}

/* A non-empty array, each item written by `item` (level below). */
static bool geo_array_open(struct jc *j, struct geo *g, const struct jv *v, const char *what)
{
    if (!need_type(j, v, JV_ARRAY, what))
        return false;
    if (v->count == 0) {
        cql2__fail(j->c, JM_EINPUT, v->off, "EMPTY geometries are not supported");
        return false;
    }
    buf_putc(&g->out, '[');
    return true;
}

/* [position, …]: at least `min`; closed when `ring`. */
static bool geo_line(struct jc *j, struct geo *g, const struct jv *v, size_t min, bool ring)
{
    double first[3] = {0, 0, 0};
    if (!geo_array_open(j, g, v, ring ? "a polygon ring" : "a line"))
        return false;
    for (const struct jv *k = v->first; k; k = k->next) {
        if (k != v->first)
            buf_putc(&g->out, ',');
        if (!geo_position(j, g, k))
            return false;
        if (k == v->first)
            memcpy(first, g->last, sizeof first);
    }
    buf_putc(&g->out, ']');
    if (v->count < min) {
        cql2__fail(j->c, JM_EINPUT, v->off, "%s needs at least %zu positions", ring ? "a polygon ring" : "a line",
                   min);
        return false;
    }
    if (ring && memcmp(first, g->last, sizeof first) != 0) {
        cql2__fail(j->c, JM_EINPUT, v->off, "polygon ring not closed");
        return false;
    }
    return true;
}

/* The coordinates of one geometry kind; `level` 0 is the kind itself, 1 its members (for
 * Multi* kinds). */
static bool geo_coords(struct jc *j, struct geo *g, const struct jv *v, enum geo_kind kind)
{
    switch (kind) {
    case GJ_POINT: return geo_position(j, g, v);
    case GJ_LINESTRING: return geo_line(j, g, v, 2, false);
    case GJ_POLYGON:
        if (!geo_array_open(j, g, v, "polygon coordinates"))
            return false;
        for (const struct jv *k = v->first; k; k = k->next)
            if ((k != v->first && !buf_putc(&g->out, ',')) || !geo_line(j, g, k, 4, true))
                return false;
        return buf_putc(&g->out, ']');
    default: {
        enum geo_kind item = kind == GJ_MULTIPOINT ? GJ_POINT : kind == GJ_MULTILINESTRING ? GJ_LINESTRING : GJ_POLYGON;
        if (!geo_array_open(j, g, v, "multi-geometry coordinates"))
            return false;
        for (const struct jv *k = v->first; k; k = k->next)
            if ((k != v->first && !buf_putc(&g->out, ',')) || !geo_coords(j, g, k, item))
                return false;
        return buf_putc(&g->out, ']');
    }
    }
}

static bool geo_object(struct jc *j, struct geo *g, const struct jv *v)
{
    bool dup = false;
    if (!need_type(j, v, JV_OBJECT, "a geometry"))
        return false;
    const struct jv *type = member(j, v, "type", &dup);
    if (dup)
        return false;
    if (!type) {
        cql2__fail(j->c, JM_EINPUT, v->off, "a geometry needs a 'type'");
        return false;
    }
    if (!need_type(j, type, JV_STRING, "'type'"))
        return false;
    int kind = -1;
    for (int i = 0; i < (int)(sizeof geo_types / sizeof geo_types[0]); i++)
        if (str_is(type->s, type->n, geo_types[i]))
            kind = i;
    if (kind < 0) {
        char shown[CQL2__SHOWN_SIZE];
        cql2__printable(type->s, type->n, shown, sizeof shown);
        cql2__fail(j->c, JM_EINPUT, type->off, "unknown geometry type '%s'", shown);
        return false;
    }
    buf_puts(&g->out, "{\"type\":\"");
    buf_puts(&g->out, geo_types[kind]);
    const char *key = kind == GJ_COLLECTION ? "geometries" : "coordinates";
    const struct jv *body = member(j, v, key, &dup);
    if (dup)
        return false;
    if (!body) {
        cql2__fail(j->c, JM_EINPUT, v->off, "a %s needs '%s'", geo_types[kind], key);
        return false;
    }
    buf_puts(&g->out, "\",\"");
    buf_puts(&g->out, key);
    buf_puts(&g->out, "\":");
    if (kind != GJ_COLLECTION) {
        if (!geo_coords(j, g, body, (enum geo_kind)kind))
            return false;
    } else {
        if (!enter(j, v->off) || !geo_array_open(j, g, body, "'geometries'"))
            return false;
        for (const struct jv *k = body->first; k; k = k->next)
            if ((k != body->first && !buf_putc(&g->out, ',')) || !geo_object(j, g, k))
                return false;
        buf_putc(&g->out, ']');
        j->depth--;
    }
    return buf_putc(&g->out, '}');
}

static struct cql2__node *geo_node(struct jc *j, const struct jv *v)
{
    struct geo g = {.dim = 0};
    struct cql2__node *n = NULL;
    buf_init(&g.out, 0);
    if (!geo_object(j, &g, v))
        goto out;
    if (g.out.overflow) {
        cql2__fail(j->c, JM_EINTERNAL, v->off, "out of memory");
        goto out;
    }
    n = cql2__node_new(j->c, CQL2__GEOJSON, v->off);
    if (n) {
        n->text = cql2__strndup(j->c, buf_str(&g.out), g.out.len);
        n->text_len = g.out.len;
        if (!n->text)
            n = NULL;
    }
out:
    buf_cleanup(&g.out);
    return n;
}

/* ---- expressions ---- */

static struct cql2__node *expr(struct jc *j, const struct jv *v);

enum op_form { OF_AND, OF_OR, OF_NOT, OF_CMP, OF_LIKE, OF_BETWEEN, OF_IN, OF_ISNULL, OF_SPATIAL };

static const struct {
    const char *name;
    enum op_form form;
    int op;
} ops[] = {
    {"and", OF_AND, 0},
    {"or", OF_OR, 0},
    {"not", OF_NOT, 0},
    {"=", OF_CMP, CQL2__EQ},
    {"<>", OF_CMP, CQL2__NE},
    {"<", OF_CMP, CQL2__LT},
    {">", OF_CMP, CQL2__GT},
    {"<=", OF_CMP, CQL2__LE},
    {">=", OF_CMP, CQL2__GE},
    {"like", OF_LIKE, 0},
    {"between", OF_BETWEEN, 0},
    {"in", OF_IN, 0},
    {"isNull", OF_ISNULL, 0},
    {"s_intersects", OF_SPATIAL, CQL2__S_INTERSECTS},
    {"s_equals", OF_SPATIAL, CQL2__S_EQUALS},
    {"s_disjoint", OF_SPATIAL, CQL2__S_DISJOINT},
    {"s_touches", OF_SPATIAL, CQL2__S_TOUCHES},
    {"s_within", OF_SPATIAL, CQL2__S_WITHIN},
    {"s_overlaps", OF_SPATIAL, CQL2__S_OVERLAPS},
    {"s_crosses", OF_SPATIAL, CQL2__S_CROSSES},
    {"s_contains", OF_SPATIAL, CQL2__S_CONTAINS},
};

/* Fails unless `obj` has exactly `expected` members (the ones already read). */
static bool no_other_members(struct jc *j, const struct jv *obj, size_t expected, const char *form)
{
    if (obj->count == expected)
        return true;
    for (const struct jv *m = obj->first; m; m = m->next) {
        /* the first member that is not one of the form's */
        if (!str_is(m->key, m->key_n, "op") && !str_is(m->key, m->key_n, "args") &&
            !str_is(m->key, m->key_n, form)) {
            char shown[CQL2__SHOWN_SIZE];
            cql2__printable(m->key, m->key_n, shown, sizeof shown);
            cql2__fail(j->c, JM_EINPUT, m->key_off, "unexpected member '%s'", shown);
            return false;
        }
    }
    cql2__fail(j->c, JM_EINPUT, obj->off, "unexpected members");
    return false;
}

static struct cql2__node *op_node(struct jc *j, const struct jv *obj, const struct jv *op)
{
    bool dup = false;
    const struct jv *args = member(j, obj, "args", &dup);
    char shown[CQL2__SHOWN_SIZE];
    if (dup || !need_type(j, op, JV_STRING, "'op'"))
        return NULL;
    if (!args) {
        cql2__fail(j->c, JM_EINPUT, obj->off, "an operation needs 'args'");
        return NULL;
    }
    if (!no_other_members(j, obj, 2, "op") || !need_type(j, args, JV_ARRAY, "'args'"))
        return NULL;
    int which = -1;
    for (int i = 0; i < (int)(sizeof ops / sizeof ops[0]); i++)
        if (str_is(op->s, op->n, ops[i].name))
            which = i;
    cql2__printable(op->s, op->n, shown, sizeof shown);
    if (which < 0) {
        cql2__fail(j->c, JM_EINPUT, op->off, "operator '%s' is not supported", shown);
        return NULL;
    }
    enum op_form form = ops[which].form;
    static const enum cql2__kind kinds[] = {CQL2__AND,     CQL2__OR, CQL2__NOT,    CQL2__CMP,    CQL2__LIKE,
                                            CQL2__BETWEEN, CQL2__IN, CQL2__ISNULL, CQL2__SPATIAL};
    static const size_t nargs[] = {2, 2, 1, 2, 2, 3, 2, 1, 2};
    bool variadic = form == OF_AND || form == OF_OR;
    if (variadic ? args->count < 2 : args->count != nargs[form]) {
        cql2__fail(j->c, JM_EINPUT, args->off, "'%s' needs %s%zu arguments, not %zu", shown,
                   variadic ? "at least " : "", nargs[form], args->count);
        return NULL;
    }
    struct cql2__node *n = cql2__node_new(j->c, kinds[form], obj->off);
    if (!n)
        return NULL;
    n->op = ops[which].op;
    bool logical = form == OF_AND || form == OF_OR || form == OF_NOT;
    if (logical && !enter(j, obj->off))
        return NULL;
    for (const struct jv *a = args->first; a; a = a->next) {
        if (form == OF_IN && a != args->first) {
            /* the list */
            if (!need_type(j, a, JV_ARRAY, "the list of 'in'"))
                return NULL;
            if (a->count == 0) {
                cql2__fail(j->c, JM_EINPUT, a->off, "the list of 'in' is empty");
                return NULL;
            }
            if (a->count > CQL2_MAX_IN_ITEMS) {
                cql2__fail(j->c, JM_ELIMIT, a->off, "IN list longer than %d items", CQL2_MAX_IN_ITEMS);
                return NULL;
            }
            for (const struct jv *item = a->first; item; item = item->next) {
                struct cql2__node *k = expr(j, item);
                if (!k)
                    return NULL;
                cql2__node_add(n, k);
            }
            break;
        }
        struct cql2__node *k = expr(j, a);
        if (!k)
            return NULL;
        cql2__node_add(n, k);
    }
    if (logical)
        j->depth--;
    return n;
}

/* {"property": …}, {"date": …}, {"timestamp": …}: a single string member. */
static const struct jv *single_string(struct jc *j, const struct jv *obj, const char *key)
{
    bool dup = false;
    const struct jv *v = member(j, obj, key, &dup);
    if (dup || !no_other_members(j, obj, 1, key))
        return NULL;
    char what[32];
    snprintf(what, sizeof what, "'%s'", key);
    return need_type(j, v, JV_STRING, what) ? v : NULL;
}

static struct cql2__node *object_node(struct jc *j, const struct jv *obj)
{
    bool dup = false;
    const struct jv *v;
    struct cql2__node *n;
    if ((v = member(j, obj, "op", &dup)))
        return op_node(j, obj, v);
    if (!dup && member(j, obj, "property", &dup)) {
        if (!(v = single_string(j, obj, "property")))
            return NULL;
        long i = cql2__find_property(j->c, v->s, v->n);
        if (i < 0) {
            cql2__fail_unknown_property(j->c, v->off, v->s, v->n);
            return NULL;
        }
        if ((n = cql2__node_new(j->c, CQL2__PROP, v->off)))
            n->prop = (size_t)i;
        return n;
    }
    if (!dup && (member(j, obj, "date", &dup) || member(j, obj, "timestamp", &dup))) {
        bool date = member(j, obj, "date", &dup) != NULL;
        if (!(v = single_string(j, obj, date ? "date" : "timestamp")))
            return NULL;
        n = cql2__node_new(j->c, date ? CQL2__DATE : CQL2__TIMESTAMP, obj->off);
        if (!n)
            return NULL;
        bool ok = date ? cql2__date(j->c, n, v->s, v->n, v->off) : cql2__timestamp(j->c, n, v->s, v->n, v->off);
        return ok ? n : NULL;
    }
    if (!dup && member(j, obj, "type", &dup))
        return geo_node(j, obj);
    if (!dup && (v = member(j, obj, "bbox", &dup))) {
        double nums[6];
        size_t count = 0;
        if (!no_other_members(j, obj, 1, "bbox") || !need_type(j, v, JV_ARRAY, "'bbox'"))
            return NULL;
        if (v->count != 4 && v->count != 6) {
            cql2__fail(j->c, JM_EINPUT, v->off, "BBOX needs 4 or 6 numbers, not %zu", v->count);
            return NULL;
        }
        for (const struct jv *k = v->first; k; k = k->next) {
            struct cql2__node num = {0};
            if (!need_type(j, k, JV_NUMBER, "a BBOX coordinate") || !cql2__number(j->c, &num, k->s, k->n, k->off))
                return NULL;
            nums[count++] = num.num;
        }
        n = cql2__node_new(j->c, CQL2__BBOX, obj->off);
        return n && cql2__bbox(j->c, n, nums, count, v->off) ? n : NULL;
    }
    if (dup)
        return NULL;
    if (member(j, obj, "interval", &dup)) {
        cql2__fail(j->c, JM_EINPUT, obj->off, "intervals are not supported");
        return NULL;
    }
    cql2__fail(j->c, JM_EINPUT, obj->off,
               "unknown object (expected op, property, date, timestamp, bbox or a GeoJSON geometry)");
    return NULL;
}

static struct cql2__node *expr(struct jc *j, const struct jv *v)
{
    struct cql2__node *n;
    switch (v->type) {
    case JV_OBJECT: return object_node(j, v);
    case JV_TRUE:
    case JV_FALSE:
        if ((n = cql2__node_new(j->c, CQL2__BOOL, v->off)))
            n->boolean = v->type == JV_TRUE;
        return n;
    case JV_NUMBER:
        n = cql2__node_new(j->c, CQL2__NUMBER, v->off);
        return n && cql2__number(j->c, n, v->s, v->n, v->off) ? n : NULL;
    case JV_STRING:
        if (!cql2__check_string(j->c, v->s, v->n, v->off) || !(n = cql2__node_new(j->c, CQL2__STRING, v->off)))
            return NULL;
        n->text = v->s;
        n->text_len = v->n;
        return n;
    case JV_ARRAY:
        cql2__fail(j->c, JM_EINPUT, v->off, "an array is only allowed as the list of 'in'");
        return NULL;
    case JV_NULL:
    default: cql2__fail(j->c, JM_EINPUT, v->off, "null is not a CQL2 value"); return NULL;
    }
}

struct cql2__node *cql2__json_parse(struct cql2__ctx *c)
{
    struct jr r = {c, 0};
    struct jv *root = read_value(&r, 0);
    if (!root)
        return NULL;
    skip_ws(&r);
    if (r.pos < c->len) {
        fail_here(&r, "the end of the filter");
        return NULL;
    }
    struct jc j = {c, 0};
    return expr(&j, root);
}
