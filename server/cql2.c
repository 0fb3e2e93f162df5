/* cql2: the public entry, the checks shared by both languages, and the SQL emission.
 *
 * cql2_to_sql() reads the filter into an AST (cql2_text.c or cql2_json.c), then walks it
 * once: each predicate's operands are type-checked against the schema, each literal becomes
 * a parameter, and the SQL is written from a fixed vocabulary into a private buffer that is
 * appended to the caller's only when everything succeeded. */
#include "cql2.h"

#include <limits.h>
#include <math.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cql2_internal.h"
#include "json_writer.h"
#include "parse.h"
#include "utf8.h"

const char *const cql2__spatial_names[CQL2__S_COUNT] = {
    "S_INTERSECTS", "S_EQUALS", "S_DISJOINT", "S_TOUCHES", "S_WITHIN", "S_OVERLAPS", "S_CROSSES", "S_CONTAINS",
};
const char *const cql2__spatial_sql[CQL2__S_COUNT] = {
    "ST_Intersects", "ST_Equals", "ST_Disjoint", "ST_Touches", "ST_Within", "ST_Overlaps", "ST_Crosses", "ST_Contains",
};

/* ---- arena ---- */

struct cql2__chunk {
    struct cql2__chunk *next;
    size_t size, used;
    max_align_t data[];
};

#define CHUNK_BYTES ((size_t)64 * 1024)

void *cql2__alloc(struct cql2__ctx *c, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX / 4) {
        cql2__fail(c, JM_EINTERNAL, 0, "allocation too large");
        return NULL;
    }
    size_t need = (n + align - 1) / align * align;
    struct cql2__chunk *h = c->arena.head;
    if (!h || h->size - h->used < need) {
        size_t size = need > CHUNK_BYTES ? need : CHUNK_BYTES;
        h = malloc(sizeof *h + size);
        if (!h) {
            cql2__fail(c, JM_EINTERNAL, 0, "out of memory");
            return NULL;
        }
        h->next = c->arena.head;
        h->size = size;
        h->used = 0;
        c->arena.head = h;
    }
    void *p = (char *)h->data + h->used;
    h->used += need;
    memset(p, 0, n);
    return p;
}

char *cql2__strndup(struct cql2__ctx *c, const char *s, size_t n)
{
    char *p = cql2__alloc(c, n + 1);
    if (p && n)
        memcpy(p, s, n);
    return p;
}

void cql2__arena_cleanup(struct cql2__arena *a)
{
    struct cql2__chunk *h = a->head;
    while (h) {
        struct cql2__chunk *next = h->next;
        free(h);
        h = next;
    }
    a->head = NULL;
}

/* ---- errors ---- */

/* Characters (UTF-8 code points; stray bytes count one each) before byte `off`. */
static size_t char_offset(const char *s, size_t len, size_t off)
{
    size_t n = 0;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static void fail_v(struct cql2__ctx *c, enum jm_status code, size_t off, const char *suffix, const char *fmt,
                   va_list ap) __attribute__((format(printf, 5, 0)));

static void fail_v(struct cql2__ctx *c, enum jm_status code, size_t off, const char *suffix, const char *fmt,
                   va_list ap)
{
    if (c->status != JM_OK)
        return;
    c->status = code;
    char msg[ERR_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    err_set(c->e, code, "filter: %s at offset %zu%s", msg, char_offset(c->src, c->len, off), suffix);
}

void cql2__fail(struct cql2__ctx *c, enum jm_status code, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(c, code, off, "", fmt, ap);
    va_end(ap);
}

static void fail_suffix(struct cql2__ctx *c, enum jm_status code, size_t off, const char *suffix, const char *fmt,
                        ...) __attribute__((format(printf, 5, 6)));

static void fail_suffix(struct cql2__ctx *c, enum jm_status code, size_t off, const char *suffix, const char *fmt,
                        ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(c, code, off, suffix, fmt, ap);
    va_end(ap);
}

void cql2__printable(const char *s, size_t n, char *out, size_t outsz)
{
    size_t o = 0, i = 0;
    if (outsz == 0)
        return;
    while (i < n && o + 8 < outsz && i < CQL2__SHOWN_BYTES) {
        uint32_t cp;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0 || cp < 0x20 || cp == 0x7F) {
            out[o++] = '?';
            i += k ? k : 1;
            continue;
        }
        memcpy(out + o, s + i, k);
        o += k;
        i += k;
    }
    if (i < n && o + 4 <= outsz) {
        memcpy(out + o, "\xE2\x80\xA6", 3); /* … */
        o += 3;
    }
    out[o] = '\0';
}

void cql2__fail_unknown_property(struct cql2__ctx *c, size_t off, const char *name, size_t n)
{
    char shown[CQL2__SHOWN_SIZE];
    char list[512];
    size_t used = 0;
    cql2__printable(name, n, shown, sizeof shown);
    list[0] = '\0';
    for (size_t i = 0; i < c->schema->count; i++) {
        char one[CQL2__SHOWN_SIZE];
        const char *pname = c->schema->props[i].name;
        cql2__printable(pname, strlen(pname), one, sizeof one);
        size_t k = strlen(one);
        if (used + k + 16 > 300) {
            snprintf(list + used, sizeof list - used, "%s\xE2\x80\xA6", used ? ", " : "");
            break;
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", one);
    }
    char suffix[600];
    snprintf(suffix, sizeof suffix, " (queryables: %s)", c->schema->count ? list : "none");
    fail_suffix(c, JM_EINPUT, off, suffix, "unknown property '%s'", shown);
}

long cql2__find_property(const struct cql2__ctx *c, const char *s, size_t n)
{
    for (size_t i = 0; i < c->schema->count; i++) {
        const char *name = c->schema->props[i].name;
        if (strlen(name) == n && memcmp(name, s, n) == 0)
            return (long)i;
    }
    return -1;
}

/* ---- AST ---- */

struct cql2__node *cql2__node_new(struct cql2__ctx *c, enum cql2__kind kind, size_t offset)
{
    struct cql2__node *n = cql2__alloc(c, sizeof *n);
    if (n) {
        n->kind = kind;
        n->offset = offset;
    }
    return n;
}

void cql2__node_add(struct cql2__node *parent, struct cql2__node *kid)
{
    if (parent->last_kid)
        parent->last_kid->next = kid;
    else
        parent->kids = kid;
    parent->last_kid = kid;
    parent->nkids++;
}

/* ---- literal checks ---- */

#define NUMBER_TEXT_MAX 100

bool cql2__number(struct cql2__ctx *c, struct cql2__node *n, const char *s, size_t len, size_t offset)
{
    char tmp[NUMBER_TEXT_MAX + 1];
    if (len > NUMBER_TEXT_MAX) {
        cql2__fail(c, JM_EINPUT, offset, "number longer than %d characters", NUMBER_TEXT_MAX);
        return false;
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    double v;
    if (!parse_double(tmp, &v)) {
        cql2__fail(c, JM_EINPUT, offset, "number %s out of range", tmp);
        return false;
    }
    n->num = v;
    n->is_int = false;
    bool integer_syntax = len > 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (i == 0 && (s[i] == '-' || s[i] == '+'))))
            integer_syntax = false;
    long l;
    if (integer_syntax && parse_long(tmp, LONG_MIN, LONG_MAX, &l)) {
        n->is_int = true;
        n->inum = l;
    } else if (v == trunc(v) && v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
        n->is_int = true;
        n->inum = (long long)v;
    }
    return true;
}

bool cql2__check_string(struct cql2__ctx *c, const char *s, size_t len, size_t offset)
{
    if (len > CQL2_MAX_STRING_BYTES) {
        cql2__fail(c, JM_ELIMIT, offset, "string longer than %d bytes", CQL2_MAX_STRING_BYTES);
        return false;
    }
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (k == 0) {
            cql2__fail(c, JM_EINPUT, offset, "invalid UTF-8 in string");
            return false;
        }
        if (cp == 0) {
            cql2__fail(c, JM_EINPUT, offset, "NUL character in string");
            return false;
        }
        i += k;
    }
    return true;
}

/* n ASCII digits at s, as a number; false if one is not a digit. */
static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* YYYY-MM-DD, a real Gregorian date of years 1..9999. */
static bool valid_date(const char *s)
{
    int y, m, d;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' || !digits(s + 8, 2, &d))
        return false;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

bool cql2__date(struct cql2__ctx *c, struct cql2__node *n, const char *s, size_t len, size_t offset)
{
    char shown[CQL2__SHOWN_SIZE];
    if (len != 10 || !valid_date(s)) {
        cql2__printable(s, len, shown, sizeof shown);
        cql2__fail(c, JM_EINPUT, offset, "invalid date '%s' (expected YYYY-MM-DD)", shown);
        return false;
    }
    n->text = cql2__strndup(c, s, len);
    n->text_len = len;
    return n->text != NULL;
}

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM). Writes the canonical
 * form (upper-case T and Z) into out (at least len + 1 bytes). The offset's hours are limited
 * to 15, PostgreSQL's bound. */
static bool valid_timestamp(const char *s, size_t len, char *out)
{
    int hh, mm, ss, oh, om;
    if (len < 20 || !valid_date(s) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &hh) || s[13] != ':' ||
        !digits(s + 14, 2, &mm) || s[16] != ':' || !digits(s + 17, 2, &ss))
        return false;
    if (hh > 23 || mm > 59 || ss > 60)
        return false;
    size_t i = 19;
    if (s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start || i - start > 9)
            return false;
    }
    if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
        /* UTC */
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-')) {
        if (!digits(s + i + 1, 2, &oh) || s[i + 3] != ':' || !digits(s + i + 4, 2, &om) || oh > 15 || om > 59)
            return false;
    } else {
        return false;
    }
    memcpy(out, s, len);
    out[10] = 'T';
    if (out[len - 1] == 'z')
        out[len - 1] = 'Z';
    out[len] = '\0';
    return true;
}

bool cql2__timestamp(struct cql2__ctx *c, struct cql2__node *n, const char *s, size_t len, size_t offset)
{
    char shown[CQL2__SHOWN_SIZE];
    char canon[64];
    if (len >= sizeof canon || !valid_timestamp(s, len, canon)) {
        cql2__printable(s, len, shown, sizeof shown);
        cql2__fail(c, JM_EINPUT, offset, "invalid timestamp '%s' (expected RFC 3339, e.g. 2020-01-31T12:00:00Z)",
                   shown);
        return false;
    }
    n->text = cql2__strndup(c, canon, len);
    n->text_len = len;
    return n->text != NULL;
}

bool cql2__check_position(struct cql2__ctx *c, const double *xyz, int dim, size_t offset)
{
    (void)dim;
    if (c->filter_srid != 4326)
        return true;
    char t[JW_DOUBLE_MAX];
    if (xyz[0] < -180.0 || xyz[0] > 180.0) {
        jw_format_double(xyz[0], t);
        cql2__fail(c, JM_EINPUT, offset, "longitude %s outside [-180, 180]", t);
        return false;
    }
    if (xyz[1] < -90.0 || xyz[1] > 90.0) {
        jw_format_double(xyz[1], t);
        cql2__fail(c, JM_EINPUT, offset, "latitude %s outside [-90, 90]", t);
        return false;
    }
    return true;
}

bool cql2__bbox(struct cql2__ctx *c, struct cql2__node *n, const double *v, size_t count, size_t offset)
{
    if (count != 4 && count != 6) {
        cql2__fail(c, JM_EINPUT, offset, "BBOX needs 4 or 6 numbers, not %zu", count);
        return false;
    }
    size_t d = count / 2; /* 2 or 3 */
    double lo[2] = {v[0], v[1]}, hi[2] = {v[d], v[d + 1]};
    if (lo[0] > hi[0] || lo[1] > hi[1] || (d == 3 && v[2] > v[5])) {
        cql2__fail(c, JM_EINPUT, offset, "BBOX minimum greater than its maximum");
        return false;
    }
    if (!cql2__check_position(c, lo, 2, offset) || !cql2__check_position(c, hi, 2, offset))
        return false;
    n->bbox[0] = lo[0];
    n->bbox[1] = lo[1];
    n->bbox[2] = hi[0];
    n->bbox[3] = hi[1];
    return true;
}

bool cql2__put_coord(struct buf *b, double v)
{
    char t[JW_DOUBLE_MAX];
    if (v == 0)
        v = 0; /* -0 is written 0 */
    size_t k = jw_format_double(v, t);
    return buf_append(b, t, k);
}

/* ---- SQL emission ---- */

enum vclass { VC_NONE, VC_STRING, VC_NUMERIC, VC_BOOLEAN, VC_DATE, VC_TIMESTAMP, VC_GEOMETRY };

struct emit {
    struct cql2__ctx *c;
    struct buf sql;
    char *values[CQL2_MAX_PARAMS];
    int count;
    int first;
};

static const char *type_name(enum cql2_type t)
{
    switch (t) {
    case CQL2_STRING: return "string";
    case CQL2_NUMBER: return "number";
    case CQL2_INTEGER: return "integer";
    case CQL2_BOOLEAN: return "boolean";
    case CQL2_DATE: return "date";
    case CQL2_TIMESTAMP: return "timestamp";
    case CQL2_GEOMETRY: return "geometry";
    }
    return "unknown";
}

static const struct cql2_property *prop_of(const struct emit *m, const struct cql2__node *n)
{
    return &m->c->schema->props[n->prop];
}

static enum vclass class_of(const struct emit *m, const struct cql2__node *n)
{
    switch (n->kind) {
    case CQL2__PROP:
        switch (prop_of(m, n)->type) {
        case CQL2_STRING: return VC_STRING;
        case CQL2_NUMBER:
        case CQL2_INTEGER: return VC_NUMERIC;
        case CQL2_BOOLEAN: return VC_BOOLEAN;
        case CQL2_DATE: return VC_DATE;
        case CQL2_TIMESTAMP: return VC_TIMESTAMP;
        case CQL2_GEOMETRY: return VC_GEOMETRY;
        }
        return VC_NONE;
    case CQL2__STRING: return VC_STRING;
    case CQL2__NUMBER: return VC_NUMERIC;
    case CQL2__BOOL: return VC_BOOLEAN;
    case CQL2__DATE: return VC_DATE;
    case CQL2__TIMESTAMP: return VC_TIMESTAMP;
    case CQL2__WKT:
    case CQL2__GEOJSON:
    case CQL2__BBOX: return VC_GEOMETRY;
    default: return VC_NONE;
    }
}

/* "property 'height' (number)", "a string", … for messages. */
static void describe(const struct emit *m, const struct cql2__node *n, char *out, size_t sz)
{
    if (n->kind == CQL2__PROP) {
        const struct cql2_property *p = prop_of(m, n);
        char shown[CQL2__SHOWN_SIZE];
        cql2__printable(p->name, strlen(p->name), shown, sizeof shown);
        snprintf(out, sz, "property '%s' (%s)", shown, type_name(p->type));
        return;
    }
    const char *what = "a predicate";
    switch (n->kind) {
    case CQL2__STRING: what = "a string"; break;
    case CQL2__NUMBER: what = "a number"; break;
    case CQL2__BOOL: what = "a boolean"; break;
    case CQL2__DATE: what = "a date"; break;
    case CQL2__TIMESTAMP: what = "a timestamp"; break;
    case CQL2__WKT:
    case CQL2__GEOJSON:
    case CQL2__BBOX: what = "a geometry"; break;
    default: break;
    }
    snprintf(out, sz, "%s", what);
}

#define DESC_MAX (CQL2__SHOWN_SIZE + 64)

static bool put(struct emit *m, const char *s)
{
    if (buf_puts(&m->sql, s))
        return true;
    cql2__fail(m->c, JM_ELIMIT, 0, "SQL text exceeds the output cap");
    return false;
}

static bool put_ident(struct emit *m, const char *name)
{
    if (!put(m, "\""))
        return false;
    for (const char *p = name; *p; p++) {
        const char *q = strchr(p, '"');
        size_t k = q ? (size_t)(q - p) : strlen(p);
        if (!buf_append(&m->sql, p, k) || (q && !buf_puts(&m->sql, "\"\""))) {
            cql2__fail(m->c, JM_ELIMIT, 0, "SQL text exceeds the output cap");
            return false;
        }
        if (!q)
            break;
        p = q;
    }
    return put(m, "\"");
}

static bool put_int(struct emit *m, int v)
{
    char t[16];
    snprintf(t, sizeof t, "%d", v);
    return put(m, t);
}

/* Takes `value` (malloc'd; NULL means out of memory) as the next parameter and writes
 * $n::cast. */
static bool param(struct emit *m, char *value, const char *cast, size_t off)
{
    if (!value) {
        cql2__fail(m->c, JM_EINTERNAL, off, "out of memory");
        return false;
    }
    if (m->count >= CQL2_MAX_PARAMS) {
        free(value);
        cql2__fail(m->c, JM_ELIMIT, off, "more than %d parameters", CQL2_MAX_PARAMS);
        return false;
    }
    m->values[m->count++] = value;
    return put(m, "$") && put_int(m, m->first + m->count - 1) && put(m, "::") && put(m, cast);
}

static char *dup_text(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

/* How number literals of one predicate are written: as bigint when the predicate's
 * properties include an INTEGER one and no NUMBER one. */
struct numctx {
    bool as_int;
    const char *int_prop; /* for messages */
};

static struct numctx number_context(const struct emit *m, const struct cql2__node *first)
{
    struct numctx nc = {false, NULL};
    bool has_number = false;
    for (const struct cql2__node *k = first; k; k = k->next) {
        if (k->kind != CQL2__PROP)
            continue;
        const struct cql2_property *p = prop_of(m, k);
        if (p->type == CQL2_NUMBER)
            has_number = true;
        else if (p->type == CQL2_INTEGER && !nc.int_prop)
            nc.int_prop = p->name;
    }
    nc.as_int = nc.int_prop && !has_number;
    return nc;
}

/* The text of a number literal for its context, or NULL after failing. */
static bool number_text(struct emit *m, const struct cql2__node *n, struct numctx nc, char out[JW_DOUBLE_MAX])
{
    if (!nc.as_int) {
        jw_format_double(n->num, out);
        return true;
    }
    if (!n->is_int) {
        char t[JW_DOUBLE_MAX], shown[CQL2__SHOWN_SIZE];
        jw_format_double(n->num, t);
        cql2__printable(nc.int_prop, strlen(nc.int_prop), shown, sizeof shown);
        if (n->num == trunc(n->num))
            cql2__fail(m->c, JM_EINPUT, n->offset, "%s is outside the integer range of property '%s'", t, shown);
        else
            cql2__fail(m->c, JM_EINPUT, n->offset, "%s is not a whole number (property '%s' is an integer)", t,
                       shown);
        return false;
    }
    snprintf(out, JW_DOUBLE_MAX, "%lld", n->inum);
    return true;
}

static bool geom_open(struct emit *m)
{
    return m->c->filter_srid == m->c->schema->storage_srid || put(m, "ST_Transform(");
}

static bool geom_close(struct emit *m)
{
    if (m->c->filter_srid == m->c->schema->storage_srid)
        return true;
    return put(m, ", ") && put_int(m, m->c->schema->storage_srid) && put(m, ")");
}

static bool emit_scalar(struct emit *m, const struct cql2__node *n, struct numctx nc)
{
    char t[JW_DOUBLE_MAX];
    int srid = m->c->filter_srid;
    switch (n->kind) {
    case CQL2__PROP: return put_ident(m, prop_of(m, n)->name);
    case CQL2__STRING: return param(m, dup_text(n->text), "text", n->offset);
    case CQL2__NUMBER:
        if (!number_text(m, n, nc, t))
            return false;
        return param(m, dup_text(t), nc.as_int ? "bigint" : "double precision", n->offset);
    case CQL2__BOOL: return param(m, dup_text(n->boolean ? "true" : "false"), "boolean", n->offset);
    case CQL2__DATE: return param(m, dup_text(n->text), "date", n->offset);
    case CQL2__TIMESTAMP: return param(m, dup_text(n->text), "timestamptz", n->offset);
    case CQL2__WKT:
        return geom_open(m) && put(m, "ST_GeomFromText(") && param(m, dup_text(n->text), "text", n->offset) &&
               put(m, ", ") && put_int(m, srid) && put(m, ")") && geom_close(m);
    case CQL2__GEOJSON:
        return geom_open(m) && put(m, "ST_SetSRID(ST_GeomFromGeoJSON(") &&
               param(m, dup_text(n->text), "text", n->offset) && put(m, "), ") && put_int(m, srid) && put(m, ")") &&
               geom_close(m);
    case CQL2__BBOX:
        if (!geom_open(m) || !put(m, "ST_MakeEnvelope("))
            return false;
        for (int i = 0; i < 4; i++) {
            if (i && !put(m, ", "))
                return false;
            jw_format_double(n->bbox[i] == 0 ? 0 : n->bbox[i], t);
            if (!param(m, dup_text(t), "double precision", n->offset))
                return false;
        }
        return put(m, ", ") && put_int(m, srid) && put(m, ")") && geom_close(m);
    default:
        cql2__fail(m->c, JM_EINPUT, n->offset, "expected a value, not a predicate");
        return false;
    }
}

/* Fails unless the operand is a value (not a predicate). */
static enum vclass value_class(struct emit *m, const struct cql2__node *n)
{
    enum vclass vc = class_of(m, n);
    if (vc == VC_NONE)
        cql2__fail(m->c, JM_EINPUT, n->offset, "expected a value, not a predicate");
    return vc;
}

static void fail_mismatch(struct emit *m, const struct cql2__node *a, const struct cql2__node *b)
{
    char da[DESC_MAX], db[DESC_MAX];
    describe(m, a, da, sizeof da);
    describe(m, b, db, sizeof db);
    cql2__fail(m->c, JM_EINPUT, b->offset, "type mismatch: %s and %s", da, db);
}

/* Fails unless the operand's class is `want`; `what` names the operator. */
static bool need_class(struct emit *m, const struct cql2__node *n, enum vclass want, const char *what,
                       const char *kind)
{
    enum vclass vc = value_class(m, n);
    if (vc == VC_NONE)
        return false;
    if (vc == want)
        return true;
    char d[DESC_MAX];
    describe(m, n, d, sizeof d);
    cql2__fail(m->c, JM_EINPUT, n->offset, "%s needs %s, not %s", what, kind, d);
    return false;
}

static bool no_geometry(struct emit *m, const struct cql2__node *n, const char *what)
{
    if (class_of(m, n) != VC_GEOMETRY)
        return true;
    char d[DESC_MAX];
    describe(m, n, d, sizeof d);
    cql2__fail(m->c, JM_EINPUT, n->offset, "%s is not defined for %s (use a spatial function)", what, d);
    return false;
}

static const char *const cmp_sql[] = {" = ", " <> ", " < ", " > ", " <= ", " >= "};

static bool emit_cmp(struct emit *m, const struct cql2__node *n)
{
    const struct cql2__node *a = n->kids, *b = a->next;
    enum vclass ca = value_class(m, a), cb = ca == VC_NONE ? VC_NONE : value_class(m, b);
    if (ca == VC_NONE || cb == VC_NONE || !no_geometry(m, a, "comparison") || !no_geometry(m, b, "comparison"))
        return false;
    if (ca != cb) {
        fail_mismatch(m, a, b);
        return false;
    }
    struct numctx nc = number_context(m, a);
    return emit_scalar(m, a, nc) && put(m, cmp_sql[n->op]) && emit_scalar(m, b, nc);
}

/* A LIKE pattern must not end with the escape character (PostgreSQL rejects it). */
static bool check_pattern(struct emit *m, const struct cql2__node *p)
{
    if (p->kind != CQL2__STRING)
        return true;
    size_t run = 0;
    for (size_t i = p->text_len; i > 0 && p->text[i - 1] == '\\'; i--)
        run++;
    if (run % 2) {
        cql2__fail(m->c, JM_EINPUT, p->offset, "LIKE pattern ends with the escape character '\\'");
        return false;
    }
    return true;
}

static bool emit_like(struct emit *m, const struct cql2__node *n)
{
    const struct cql2__node *a = n->kids, *b = a->next;
    struct numctx nc = {false, NULL};
    if (!need_class(m, a, VC_STRING, "LIKE", "a string") || !need_class(m, b, VC_STRING, "LIKE", "a string") ||
        !check_pattern(m, b))
        return false;
    return emit_scalar(m, a, nc) && put(m, n->negated ? " NOT LIKE " : " LIKE ") && emit_scalar(m, b, nc);
}

static bool emit_between(struct emit *m, const struct cql2__node *n)
{
    const struct cql2__node *a = n->kids, *lo = a->next, *hi = lo->next;
    for (const struct cql2__node *k = a; k; k = k->next)
        if (!need_class(m, k, VC_NUMERIC, "BETWEEN", "numbers"))
            return false;
    struct numctx nc = number_context(m, a);
    return emit_scalar(m, a, nc) && put(m, n->negated ? " NOT BETWEEN " : " BETWEEN ") && emit_scalar(m, lo, nc) &&
           put(m, " AND ") && emit_scalar(m, hi, nc);
}

/* Appends one element of a PostgreSQL array literal. */
static bool array_element(struct emit *m, struct buf *arr, const struct cql2__node *k, struct numctx nc)
{
    char t[JW_DOUBLE_MAX];
    switch (k->kind) {
    case CQL2__NUMBER: return number_text(m, k, nc, t) && buf_puts(arr, t);
    case CQL2__BOOL: return buf_puts(arr, k->boolean ? "true" : "false");
    default:
        /* strings, dates, timestamps: double-quoted, with " and \ escaped */
        if (!buf_putc(arr, '"'))
            return false;
        for (size_t i = 0; i < k->text_len; i++) {
            char ch = k->text[i];
            if ((ch == '"' || ch == '\\') && !buf_putc(arr, '\\'))
                return false;
            if (!buf_putc(arr, ch))
                return false;
        }
        return buf_putc(arr, '"');
    }
}

static const char *array_cast(enum vclass vc, bool as_int)
{
    switch (vc) {
    case VC_STRING: return "text[]";
    case VC_NUMERIC: return as_int ? "bigint[]" : "double precision[]";
    case VC_BOOLEAN: return "boolean[]";
    case VC_DATE: return "date[]";
    default: return "timestamptz[]";
    }
}

static bool emit_in(struct emit *m, const struct cql2__node *n)
{
    const struct cql2__node *a = n->kids;
    enum vclass ca = value_class(m, a);
    if (ca == VC_NONE || !no_geometry(m, a, "IN"))
        return false;
    bool literals = true;
    for (const struct cql2__node *k = a->next; k; k = k->next) {
        enum vclass ck = value_class(m, k);
        if (ck == VC_NONE)
            return false;
        if (ck != ca) {
            fail_mismatch(m, a, k);
            return false;
        }
        if (k->kind == CQL2__PROP)
            literals = false;
    }
    struct numctx nc = number_context(m, a);
    if (!emit_scalar(m, a, nc))
        return false;
    if (!literals) {
        if (!put(m, n->negated ? " NOT IN (" : " IN ("))
            return false;
        for (const struct cql2__node *k = a->next; k; k = k->next)
            if ((k != a->next && !put(m, ", ")) || !emit_scalar(m, k, nc))
                return false;
        return put(m, ")");
    }
    /* all items are literals: one array parameter */
    struct buf arr;
    buf_init(&arr, 0);
    bool ok = buf_putc(&arr, '{');
    for (const struct cql2__node *k = a->next; ok && k; k = k->next) {
        if (k != a->next)
            ok = buf_putc(&arr, ',');
        ok = ok && array_element(m, &arr, k, nc);
    }
    ok = ok && buf_putc(&arr, '}');
    if (!ok) {
        buf_cleanup(&arr);
        cql2__fail(m->c, JM_EINTERNAL, n->offset, "out of memory");
        return false;
    }
    char *value = buf_take(&arr, NULL);
    buf_cleanup(&arr);
    return put(m, n->negated ? " <> ALL(" : " = ANY(") && param(m, value, array_cast(ca, nc.as_int), n->offset) &&
           put(m, ")");
}

static bool emit_spatial(struct emit *m, const struct cql2__node *n)
{
    const struct cql2__node *a = n->kids, *b = a->next;
    struct numctx nc = {false, NULL};
    const char *name = cql2__spatial_names[n->op];
    if (!need_class(m, a, VC_GEOMETRY, name, "geometries") || !need_class(m, b, VC_GEOMETRY, name, "geometries"))
        return false;
    return put(m, cql2__spatial_sql[n->op]) && put(m, "(") && emit_scalar(m, a, nc) && put(m, ", ") &&
           emit_scalar(m, b, nc) && put(m, ")");
}

static bool emit_pred(struct emit *m, const struct cql2__node *n)
{
    struct numctx nc = {false, NULL};
    switch (n->kind) {
    case CQL2__AND:
    case CQL2__OR:
        if (!put(m, "("))
            return false;
        for (const struct cql2__node *k = n->kids; k; k = k->next) {
            if (k != n->kids && !put(m, n->kind == CQL2__AND ? " AND " : " OR "))
                return false;
            if (!emit_pred(m, k))
                return false;
        }
        return put(m, ")");
    case CQL2__NOT: return put(m, "NOT (") && emit_pred(m, n->kids) && put(m, ")");
    case CQL2__CMP: return emit_cmp(m, n);
    case CQL2__LIKE: return emit_like(m, n);
    case CQL2__BETWEEN: return emit_between(m, n);
    case CQL2__IN: return emit_in(m, n);
    case CQL2__ISNULL:
        if (value_class(m, n->kids) == VC_NONE)
            return false;
        return emit_scalar(m, n->kids, nc) && put(m, n->negated ? " IS NOT NULL" : " IS NULL");
    case CQL2__SPATIAL: return emit_spatial(m, n);
    case CQL2__BOOL: return put(m, n->boolean ? "TRUE" : "FALSE");
    case CQL2__PROP:
        if (prop_of(m, n)->type == CQL2_BOOLEAN)
            return put_ident(m, prop_of(m, n)->name);
        /* fall through */
    default: {
        char d[DESC_MAX];
        describe(m, n, d, sizeof d);
        cql2__fail(m->c, JM_EINPUT, n->offset, "expected a predicate, not %s", d);
        return false;
    }
    }
}

/* ---- public entry ---- */

void cql2_params_cleanup(struct cql2_params *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->count && i < CQL2_MAX_PARAMS; i++) {
        free((void *)p->values[i]);
        p->values[i] = NULL;
    }
    p->count = 0;
}

static bool valid_schema(const struct cql2_schema *s)
{
    if (!s || s->storage_srid <= 0 || (s->count && !s->props))
        return false;
    for (size_t i = 0; i < s->count; i++)
        if (!s->props[i].name)
            return false;
    return true;
}

enum jm_status cql2_to_sql(const char *filter, size_t length, enum cql2_lang lang, const struct cql2_schema *schema,
                           int filter_srid, int first_param, struct buf *sql, struct cql2_params *params,
                           struct err *e)
{
    struct cql2__ctx c = {.src = filter, .len = length, .schema = schema, .filter_srid = filter_srid, .e = e};
    struct emit m = {.c = &c, .first = first_param};
    enum jm_status st;

    buf_init(&m.sql, 0);
    if (params)
        params->count = 0;
    if ((!filter && length) || !valid_schema(schema) || !sql || !params || first_param < 1 ||
        first_param > INT_MAX - CQL2_MAX_PARAMS || (lang != CQL2_TEXT && lang != CQL2_JSON))
        return err_set(e, JM_EINTERNAL, "filter: bad arguments to cql2_to_sql");
    if (!filter)
        c.src = filter = "";
    if (length > CQL2_MAX_FILTER_BYTES) {
        cql2__fail(&c, JM_ELIMIT, CQL2_MAX_FILTER_BYTES, "longer than %d bytes", CQL2_MAX_FILTER_BYTES);
        goto out;
    }
    if (filter_srid <= 0 || filter_srid > 999999) {
        cql2__fail(&c, JM_EINPUT, 0, "unsupported filter-crs SRID %d", filter_srid);
        goto out;
    }
    if (sql->overflow || sql->cap < sql->len) {
        cql2__fail(&c, JM_ELIMIT, 0, "SQL text exceeds the output cap");
        goto out;
    }
    m.sql.cap = sql->cap - sql->len ? sql->cap - sql->len : 1;

    struct cql2__node *root = lang == CQL2_TEXT ? cql2__text_parse(&c) : cql2__json_parse(&c);
    if (!root || c.status != JM_OK)
        goto out;
    if (!emit_pred(&m, root))
        goto out;
    if (m.sql.len > sql->cap - sql->len) {
        cql2__fail(&c, JM_ELIMIT, 0, "SQL text exceeds the output cap");
        goto out;
    }
    if (!buf_append(sql, m.sql.data, m.sql.len)) {
        cql2__fail(&c, JM_EINTERNAL, 0, "out of memory");
        goto out;
    }
    for (int i = 0; i < m.count; i++) {
        params->values[i] = m.values[i];
        m.values[i] = NULL;
    }
    params->count = m.count;
    m.count = 0;
out:
    st = c.status;
    for (int i = 0; i < m.count; i++)
        free(m.values[i]);
    buf_cleanup(&m.sql);
    cql2__arena_cleanup(&c.arena);
    return st;
}
