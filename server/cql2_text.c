/* cql2_text: the cql2-text reader (OGC 21-065 annex B grammar, the supported subset).
 *
 *   expr      = and { OR and }             and = not { AND not }
 *   not       = NOT not | primary           (each NOT counts one nesting level)
 *   primary   = "(" expr ")" | spatialFunction "(" scalar "," scalar ")" | scalar [tail]
 *   tail      = cmpOp scalar | [NOT] LIKE scalar | [NOT] BETWEEN scalar AND scalar
 *             | [NOT] IN "(" scalar { "," scalar } ")" | IS [NOT] NULL
 *   scalar    = property | 'string' | number | TRUE | FALSE | DATE('…') | TIMESTAMP('…')
 *             | BBOX(n, n, n, n [, n, n]) | WKT geometry
 *
 * A scalar without a tail stands as a predicate only when it is TRUE, FALSE or a property
 * (which cql2.c then requires to be BOOLEAN). Keywords are case-insensitive; a
 * double-quoted property is never a keyword. The lexer works on demand with at most two
 * tokens of look-ahead, so the whole read is linear in the filter's length. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cql2_internal.h"

enum tok_kind { T_END, T_ERROR, T_IDENT, T_QIDENT, T_STRING, T_NUMBER, T_LPAREN, T_RPAREN, T_COMMA, T_CMP };

struct tok {
    enum tok_kind kind;
    size_t off, len; /* bytes of the filter, quotes included */
    int cmp;         /* enum cql2__cmp for T_CMP */
};

struct tp {
    struct cql2__ctx *c;
    struct tok cur;
    int depth; /* open parentheses, NOTs and geometry collections around the current point */
};

/* ---- lexer ---- */

static bool is_alpha(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_ident_part(char ch)
{
    return is_alpha(ch) || is_digit(ch) || ch == ':' || ch == '.' || ch == '-';
}

static void fail_char(struct cql2__ctx *c, size_t pos, const char *why)
{
    char shown[16];
    size_t n = 1;
    unsigned char ch = (unsigned char)c->src[pos];
    if (ch >= 0xC0) /* show a whole UTF-8 sequence */
        while (n < 4 && pos + n < c->len && ((unsigned char)c->src[pos + n] & 0xC0) == 0x80)
            n++;
    cql2__printable(c->src + pos, n, shown, sizeof shown);
    cql2__fail(c, JM_EINPUT, pos, "%s '%s'", why, shown);
}

/* Scans a quoted run starting at the quote at `pos` (q is ' or "), where a doubled quote
 * stands for one. Returns the length including both quotes, or 0 when unterminated. */
static size_t scan_quoted(const struct cql2__ctx *c, size_t pos, char q)
{
    size_t i = pos + 1;
    while (i < c->len) {
        if (c->src[i] == q) {
            if (i + 1 < c->len && c->src[i + 1] == q) {
                i += 2;
                continue;
            }
            return i + 1 - pos;
        }
        i++;
    }
    return 0;
}

/* CQL2 numbers: [sign] (digits [. [digits]] | . digits) [(e|E) [sign] digits]. Returns the
 * length, or 0 when the text at pos is not one. */
static size_t scan_number(const struct cql2__ctx *c, size_t pos)
{
    const char *s = c->src;
    size_t i = pos, n = c->len, mant = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_digit(s[i]))
        i++, mant++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i]))
            i++, mant++;
    }
    if (mant == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        size_t start = j;
        while (j < n && is_digit(s[j]))
            j++;
        if (j == start)
            return 0;
        i = j;
    }
    return i - pos;
}

static struct tok lex(struct cql2__ctx *c, size_t pos)
{
    struct tok t = {T_ERROR, pos, 0, 0};
    const char *s = c->src;
    while (pos < c->len && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
        pos++;
    t.off = pos;
    if (pos >= c->len) {
        t.kind = T_END;
        return t;
    }
    char ch = s[pos];
    char next = pos + 1 < c->len ? s[pos + 1] : '\0';
    if (is_alpha(ch)) {
        size_t i = pos + 1;
        while (i < c->len && is_ident_part(s[i]))
            i++;
        t.kind = T_IDENT;
        t.len = i - pos;
        return t;
    }
    if (ch == '"' || ch == '\'') {
        t.len = scan_quoted(c, pos, ch);
        if (t.len == 0) {
            cql2__fail(c, JM_EINPUT, pos, ch == '"' ? "unterminated quoted property name" : "unterminated string");
            return t;
        }
        t.kind = ch == '"' ? T_QIDENT : T_STRING;
        return t;
    }
    if (is_digit(ch) || ch == '.' || ((ch == '+' || ch == '-') && (is_digit(next) || next == '.'))) {
        t.len = scan_number(c, pos);
        size_t end = pos + t.len;
        if (t.len == 0 || (end < c->len && (is_ident_part(s[end]) || s[end] == '+' || s[end] == '\'' ||
                                            s[end] == '"'))) {
            cql2__fail(c, JM_EINPUT, pos, "invalid number");
            return t;
        }
        t.kind = T_NUMBER;
        return t;
    }
    t.len = 1;
    switch (ch) {
    case '(': t.kind = T_LPAREN; return t;
    case ')': t.kind = T_RPAREN; return t;
    case ',': t.kind = T_COMMA; return t;
    case '=': t.kind = T_CMP, t.cmp = CQL2__EQ; return t;
    case '<':
        t.kind = T_CMP;
        if (next == '>')
            t.cmp = CQL2__NE, t.len = 2;
        else if (next == '=')
            t.cmp = CQL2__LE, t.len = 2;
        else
            t.cmp = CQL2__LT;
        return t;
    case '>':
        t.kind = T_CMP;
        if (next == '=')
            t.cmp = CQL2__GE, t.len = 2;
        else
            t.cmp = CQL2__GT;
        return t;
    case '!':
        cql2__fail(c, JM_EINPUT, pos, "'!=' is not CQL2 (use '<>')");
        return t;
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '^':
        cql2__fail(c, JM_EINPUT, pos, "arithmetic ('%c') is not supported", ch);
        return t;
    case '[':
        cql2__fail(c, JM_EINPUT, pos, "arrays are not supported");
        return t;
    default: fail_char(c, pos, "unexpected character"); return t;
    }
}

/* ---- parser helpers ---- */

static bool advance(struct tp *p)
{
    p->cur = lex(p->c, p->cur.off + p->cur.len);
    return p->cur.kind != T_ERROR;
}

static struct tok peek(struct tp *p)
{
    return lex(p->c, p->cur.off + p->cur.len);
}

static bool word_is(const struct cql2__ctx *c, const struct tok *t, const char *kw)
{
    if (t->kind != T_IDENT || strlen(kw) != t->len)
        return false;
    for (size_t i = 0; i < t->len; i++) {
        char ch = c->src[t->off + i];
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (ch != kw[i])
            return false;
    }
    return true;
}

static bool kw(const struct tp *p, const char *word)
{
    return word_is(p->c, &p->cur, word);
}

static void *unexpected(struct tp *p)
{
    char shown[CQL2__SHOWN_SIZE];
    switch (p->cur.kind) {
    case T_ERROR: break;
    case T_END: cql2__fail(p->c, JM_EINPUT, p->cur.off, "unexpected end of filter"); break;
    case T_STRING: cql2__fail(p->c, JM_EINPUT, p->cur.off, "unexpected string"); break;
    default:
        cql2__printable(p->c->src + p->cur.off, p->cur.len, shown, sizeof shown);
        cql2__fail(p->c, JM_EINPUT, p->cur.off, "unexpected '%s'", shown);
    }
    return NULL;
}

/* Consumes a token of `kind`, or fails. */
static bool expect(struct tp *p, enum tok_kind kind)
{
    if (p->cur.kind != kind) {
        unexpected(p);
        return false;
    }
    return advance(p);
}

/* Checks the nesting limit before going one level deeper at byte `off`. */
static bool enter(struct tp *p, size_t off)
{
    if (p->depth >= CQL2_MAX_DEPTH) {
        cql2__fail(p->c, JM_ELIMIT, off, "nesting deeper than %d", CQL2_MAX_DEPTH);
        return false;
    }
    p->depth++;
    return true;
}

/* The contents of a quoted token with doubled quotes undone, in the arena. */
static char *unquote(struct tp *p, const struct tok *t, size_t *len)
{
    char q = p->c->src[t->off];
    const char *s = p->c->src + t->off + 1;
    size_t n = t->len - 2, o = 0;
    char *out = cql2__alloc(p->c, n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[o++] = s[i];
        if (s[i] == q)
            i++;
    }
    out[o] = '\0';
    *len = o;
    return out;
}

static const char *const reserved[] = {"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL"};

static bool is_reserved(const struct tp *p)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (kw(p, reserved[i]))
            return true;
    return false;
}

static int spatial_function(const struct tp *p, const struct tok *t)
{
    for (int i = 0; i < CQL2__S_COUNT; i++)
        if (word_is(p->c, t, cql2__spatial_names[i]))
            return i;
    return -1;
}

/* ---- WKT geometries ---- */

enum geom_kind { G_POINT, G_LINESTRING, G_POLYGON, G_MULTIPOINT, G_MULTILINESTRING, G_MULTIPOLYGON, G_COLLECTION };

static const char *const geom_tags[] = {"POINT",           "LINESTRING",   "POLYGON",           "MULTIPOINT",
                                        "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};

static int geom_tag(const struct tp *p, const struct tok *t)
{
    for (int i = 0; i < (int)(sizeof geom_tags / sizeof geom_tags[0]); i++)
        if (word_is(p->c, t, geom_tags[i]))
            return i;
    return -1;
}

struct wkt {
    struct buf out;
    int dim;          /* 0 until the first position, then 2 or 3 for the whole literal */
    size_t positions; /* in the whole literal */
    double first[3], last[3];
};

/* x y [z]: checked, written canonically. */
static bool wkt_position(struct tp *p, struct wkt *w)
{
    double xyz[3] = {0, 0, 0};
    size_t off = p->cur.off;
    int d = 0;
    while (p->cur.kind == T_NUMBER) {
        struct cql2__node num = {0};
        if (d == 3) {
            cql2__fail(p->c, JM_EINPUT, p->cur.off, "a position has at most 3 coordinates");
            return false;
        }
        if (!cql2__number(p->c, &num, p->c->src + p->cur.off, p->cur.len, p->cur.off))
            return false;
        xyz[d++] = num.num;
        if (!advance(p))
            return false;
    }
    if (d < 2) {
        unexpected(p);
        return false;
    }
    if (w->dim && w->dim != d) {
        cql2__fail(p->c, JM_EINPUT, off, "mixed 2D and 3D positions in a geometry");
        return false;
    }
    w->dim = d;
    if (++w->positions > CQL2_MAX_COORDS) {
        cql2__fail(p->c, JM_ELIMIT, off, "geometry with more than %d positions", CQL2_MAX_COORDS);
        return false;
    }
    if (!cql2__check_position(p->c, xyz, d, off))
        return false;
    for (int i = 0; i < d; i++) {
        if (i)
            buf_putc(&w->out, ' ');
        cql2__put_coord(&w->out, xyz[i]);
    }
    memcpy(w->last, xyz, sizeof xyz);
    return true;
}

/* "(" position { "," position } ")": at least `min` positions; a closed ring when `ring`. */
static bool wkt_positions(struct tp *p, struct wkt *w, size_t min, bool ring)
{
    size_t off = p->cur.off, count = 0;
    if (!expect(p, T_LPAREN))
        return false;
    buf_putc(&w->out, '(');
    for (;;) {
        if (count)
            buf_putc(&w->out, ',');
        if (!wkt_position(p, w))
            return false;
        if (count++ == 0)
            memcpy(w->first, w->last, sizeof w->first);
        if (p->cur.kind != T_COMMA)
            break;
        if (!advance(p))
            return false;
    }
    if (!expect(p, T_RPAREN))
        return false;
    buf_putc(&w->out, ')');
    if (count < min) {
        cql2__fail(p->c, JM_EINPUT, off, "%s needs at least %zu positions", ring ? "a polygon ring" : "a line",
                   min);
        return false;
    }
    if (ring && memcmp(w->first, w->last, sizeof w->first) != 0) {
        cql2__fail(p->c, JM_EINPUT, off, "polygon ring not closed");
        return false;
    }
    return true;
}

/* "(" ring { "," ring } ")" */
static bool wkt_rings(struct tp *p, struct wkt *w)
{
    if (!expect(p, T_LPAREN))
        return false;
    buf_putc(&w->out, '(');
    for (;;) {
        if (!wkt_positions(p, w, 4, true))
            return false;
        if (p->cur.kind != T_COMMA)
            break;
        buf_putc(&w->out, ',');
        if (!advance(p))
            return false;
    }
    buf_putc(&w->out, ')');
    return expect(p, T_RPAREN);
}

static bool wkt_geometry(struct tp *p, struct wkt *w);

/* The members of a multi-geometry or collection: "(" member { "," member } ")". */
static bool wkt_members(struct tp *p, struct wkt *w, enum geom_kind kind)
{
    if (!expect(p, T_LPAREN))
        return false;
    buf_putc(&w->out, '(');
    for (;;) {
        bool ok;
        switch (kind) {
        case G_MULTIPOINT:
            /* both MULTIPOINT((1 2),(3 4)) and MULTIPOINT(1 2,3 4) */
            buf_putc(&w->out, '(');
            if (p->cur.kind == T_LPAREN)
                ok = advance(p) && wkt_position(p, w) && expect(p, T_RPAREN);
            else
                ok = wkt_position(p, w);
            buf_putc(&w->out, ')');
            break;
        case G_MULTILINESTRING: ok = wkt_positions(p, w, 2, false); break;
        case G_MULTIPOLYGON: ok = wkt_rings(p, w); break;
        default: ok = wkt_geometry(p, w); break;
        }
        if (!ok)
            return false;
        if (p->cur.kind != T_COMMA)
            break;
        buf_putc(&w->out, ',');
        if (!advance(p))
            return false;
    }
    buf_putc(&w->out, ')');
    return expect(p, T_RPAREN);
}

/* TAG [Z] (…), the current token being the tag. */
static bool wkt_geometry(struct tp *p, struct wkt *w)
{
    int kind = geom_tag(p, &p->cur);
    size_t off = p->cur.off;
    if (kind < 0) {
        unexpected(p);
        return false;
    }
    buf_puts(&w->out, geom_tags[kind]);
    if (!advance(p))
        return false;
    if (kw(p, "Z")) {
        if (w->dim == 2) {
            cql2__fail(p->c, JM_EINPUT, p->cur.off, "mixed 2D and 3D positions in a geometry");
            return false;
        }
        w->dim = 3;
        if (!advance(p))
            return false;
    } else if (kw(p, "EMPTY")) {
        cql2__fail(p->c, JM_EINPUT, p->cur.off, "EMPTY geometries are not supported");
        return false;
    } else if (kw(p, "M") || kw(p, "ZM")) {
        cql2__fail(p->c, JM_EINPUT, p->cur.off, "M coordinates are not supported");
        return false;
    }
    switch ((enum geom_kind)kind) {
    case G_POINT:
        return expect(p, T_LPAREN) && (buf_putc(&w->out, '('), wkt_position(p, w)) && expect(p, T_RPAREN) &&
               buf_putc(&w->out, ')');
    case G_LINESTRING: return wkt_positions(p, w, 2, false);
    case G_POLYGON: return wkt_rings(p, w);
    case G_COLLECTION: {
        if (!enter(p, off))
            return false;
        bool ok = wkt_members(p, w, G_COLLECTION);
        p->depth--;
        return ok;
    }
    default: return wkt_members(p, w, (enum geom_kind)kind);
    }
}

static struct cql2__node *parse_wkt(struct tp *p)
{
    struct wkt w = {.dim = 0};
    size_t off = p->cur.off;
    struct cql2__node *n = NULL;
    buf_init(&w.out, 0);
    if (!wkt_geometry(p, &w))
        goto out;
    if (w.out.overflow) {
        cql2__fail(p->c, JM_EINTERNAL, off, "out of memory");
        goto out;
    }
    n = cql2__node_new(p->c, CQL2__WKT, off);
    if (n) {
        n->text = cql2__strndup(p->c, buf_str(&w.out), w.out.len);
        n->text_len = w.out.len;
        if (!n->text)
            n = NULL;
    }
out:
    buf_cleanup(&w.out);
    return n;
}

/* ---- scalars ---- */

/* DATE('…') or TIMESTAMP('…'), the current token being the name. */
static struct cql2__node *parse_instant(struct tp *p, bool date)
{
    struct cql2__node *n = cql2__node_new(p->c, date ? CQL2__DATE : CQL2__TIMESTAMP, p->cur.off);
    if (!n || !advance(p) || !expect(p, T_LPAREN))
        return NULL;
    if (p->cur.kind != T_STRING)
        return unexpected(p);
    size_t len;
    char *s = unquote(p, &p->cur, &len);
    if (!s)
        return NULL;
    bool ok = date ? cql2__date(p->c, n, s, len, p->cur.off) : cql2__timestamp(p->c, n, s, len, p->cur.off);
    if (!ok || !advance(p) || !expect(p, T_RPAREN))
        return NULL;
    return n;
}

/* BBOX(n, n, n, n [, n, n]) */
static struct cql2__node *parse_bbox(struct tp *p)
{
    struct cql2__node *n = cql2__node_new(p->c, CQL2__BBOX, p->cur.off);
    double v[6];
    size_t count = 0;
    if (!n || !advance(p) || !expect(p, T_LPAREN))
        return NULL;
    for (;;) {
        struct cql2__node num = {0};
        if (p->cur.kind != T_NUMBER)
            return unexpected(p);
        if (count == 6) {
            cql2__fail(p->c, JM_EINPUT, p->cur.off, "BBOX needs 4 or 6 numbers");
            return NULL;
        }
        if (!cql2__number(p->c, &num, p->c->src + p->cur.off, p->cur.len, p->cur.off))
            return NULL;
        v[count++] = num.num;
        if (!advance(p))
            return NULL;
        if (p->cur.kind != T_COMMA)
            break;
        if (!advance(p))
            return NULL;
    }
    if (!expect(p, T_RPAREN) || !cql2__bbox(p->c, n, v, count, n->offset))
        return NULL;
    return n;
}

static struct cql2__node *parse_property(struct tp *p, const char *name, size_t len)
{
    long i = cql2__find_property(p->c, name, len);
    if (i < 0) {
        cql2__fail_unknown_property(p->c, p->cur.off, name, len);
        return NULL;
    }
    struct cql2__node *n = cql2__node_new(p->c, CQL2__PROP, p->cur.off);
    if (!n)
        return NULL;
    n->prop = (size_t)i;
    return advance(p) ? n : NULL;
}

static struct cql2__node *parse_scalar(struct tp *p)
{
    struct cql2__node *n;
    size_t len;
    char *s;
    switch (p->cur.kind) {
    case T_QIDENT:
        s = unquote(p, &p->cur, &len);
        return s ? parse_property(p, s, len) : NULL;
    case T_STRING:
        s = unquote(p, &p->cur, &len);
        if (!s || !cql2__check_string(p->c, s, len, p->cur.off))
            return NULL;
        n = cql2__node_new(p->c, CQL2__STRING, p->cur.off);
        if (!n)
            return NULL;
        n->text = s;
        n->text_len = len;
        return advance(p) ? n : NULL;
    case T_NUMBER:
        n = cql2__node_new(p->c, CQL2__NUMBER, p->cur.off);
        if (!n || !cql2__number(p->c, n, p->c->src + p->cur.off, p->cur.len, p->cur.off))
            return NULL;
        return advance(p) ? n : NULL;
    case T_IDENT: break;
    default: return unexpected(p);
    }
    if (kw(p, "TRUE") || kw(p, "FALSE")) {
        n = cql2__node_new(p->c, CQL2__BOOL, p->cur.off);
        if (!n)
            return NULL;
        n->boolean = kw(p, "TRUE");
        return advance(p) ? n : NULL;
    }
    struct tok t = peek(p);
    if (t.kind == T_ERROR)
        return NULL;
    int tag = geom_tag(p, &p->cur);
    if (tag >= 0 && (t.kind == T_LPAREN || word_is(p->c, &t, "Z") || word_is(p->c, &t, "EMPTY") ||
                     word_is(p->c, &t, "M") || word_is(p->c, &t, "ZM")))
        return parse_wkt(p);
    if (t.kind == T_LPAREN) {
        char shown[CQL2__SHOWN_SIZE];
        if (kw(p, "DATE") || kw(p, "TIMESTAMP"))
            return parse_instant(p, kw(p, "DATE"));
        if (kw(p, "BBOX"))
            return parse_bbox(p);
        cql2__printable(p->c->src + p->cur.off, p->cur.len, shown, sizeof shown);
        if (spatial_function(p, &p->cur) >= 0)
            cql2__fail(p->c, JM_EINPUT, p->cur.off, "%s is a predicate, not a value", shown);
        else
            cql2__fail(p->c, JM_EINPUT, p->cur.off, "function '%s' is not supported", shown);
        return NULL;
    }
    if (is_reserved(p))
        return unexpected(p);
    return parse_property(p, p->c->src + p->cur.off, p->cur.len);
}

/* ---- predicates ---- */

static struct cql2__node *parse_or(struct tp *p);

/* S_XXX(a, b), the current token being the name. */
static struct cql2__node *parse_spatial(struct tp *p, int fn)
{
    struct cql2__node *n = cql2__node_new(p->c, CQL2__SPATIAL, p->cur.off), *a, *b;
    if (!n || !advance(p) || !expect(p, T_LPAREN))
        return NULL;
    n->op = fn;
    if (!(a = parse_scalar(p)) || !expect(p, T_COMMA) || !(b = parse_scalar(p)) || !expect(p, T_RPAREN))
        return NULL;
    cql2__node_add(n, a);
    cql2__node_add(n, b);
    return n;
}

/* What follows a scalar that starts a predicate. */
static struct cql2__node *parse_tail(struct tp *p, struct cql2__node *s)
{
    struct cql2__node *n, *k;
    size_t off = p->cur.off;
    if (p->cur.kind == T_CMP) {
        n = cql2__node_new(p->c, CQL2__CMP, off);
        if (!n)
            return NULL;
        n->op = p->cur.cmp;
        cql2__node_add(n, s);
        if (!advance(p) || !(k = parse_scalar(p)))
            return NULL;
        cql2__node_add(n, k);
        return n;
    }
    bool neg = false;
    if (kw(p, "NOT")) {
        struct tok t = peek(p);
        if (!word_is(p->c, &t, "LIKE") && !word_is(p->c, &t, "BETWEEN") && !word_is(p->c, &t, "IN")) {
            if (t.kind != T_ERROR)
                cql2__fail(p->c, JM_EINPUT, t.off, "expected LIKE, BETWEEN or IN after NOT");
            return NULL;
        }
        neg = true;
        if (!advance(p))
            return NULL;
    }
    if (kw(p, "LIKE") || kw(p, "BETWEEN") || kw(p, "IN")) {
        enum cql2__kind kind = kw(p, "LIKE") ? CQL2__LIKE : kw(p, "BETWEEN") ? CQL2__BETWEEN : CQL2__IN;
        n = cql2__node_new(p->c, kind, p->cur.off);
        if (!n || !advance(p))
            return NULL;
        n->negated = neg;
        cql2__node_add(n, s);
        if (kind == CQL2__IN && !expect(p, T_LPAREN))
            return NULL;
        for (;;) {
            if (!(k = parse_scalar(p)))
                return NULL;
            cql2__node_add(n, k);
            if (kind == CQL2__LIKE || (kind == CQL2__BETWEEN && n->nkids == 3))
                return n;
            if (kind == CQL2__BETWEEN) {
                if (!kw(p, "AND"))
                    return unexpected(p);
            } else if (p->cur.kind == T_RPAREN) {
                return advance(p) ? n : NULL;
            } else if (p->cur.kind != T_COMMA) {
                return unexpected(p);
            } else if (n->nkids > CQL2_MAX_IN_ITEMS) {
                cql2__fail(p->c, JM_ELIMIT, p->cur.off, "IN list longer than %d items", CQL2_MAX_IN_ITEMS);
                return NULL;
            }
            if (!advance(p))
                return NULL;
        }
    }
    if (kw(p, "IS")) {
        n = cql2__node_new(p->c, CQL2__ISNULL, off);
        if (!n || !advance(p))
            return NULL;
        if (kw(p, "NOT")) {
            n->negated = true;
            if (!advance(p))
                return NULL;
        }
        if (!kw(p, "NULL"))
            return unexpected(p);
        cql2__node_add(n, s);
        return advance(p) ? n : NULL;
    }
    if (s->kind == CQL2__BOOL || s->kind == CQL2__PROP)
        return s; /* a boolean standing alone; cql2.c checks the property's type */
    if (p->cur.kind == T_ERROR)
        return NULL;
    cql2__fail(p->c, JM_EINPUT, p->cur.off, "expected an operator (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS)");
    return NULL;
}

static struct cql2__node *parse_primary(struct tp *p)
{
    if (p->cur.kind == T_LPAREN) {
        if (!enter(p, p->cur.off) || !advance(p))
            return NULL;
        struct cql2__node *n = parse_or(p);
        if (!n || !expect(p, T_RPAREN))
            return NULL;
        p->depth--;
        return n;
    }
    if (p->cur.kind == T_IDENT) {
        int fn = spatial_function(p, &p->cur);
        if (fn >= 0) {
            struct tok t = peek(p);
            if (t.kind == T_LPAREN)
                return parse_spatial(p, fn);
        }
    }
    struct cql2__node *s = parse_scalar(p);
    return s ? parse_tail(p, s) : NULL;
}

static struct cql2__node *parse_not(struct tp *p)
{
    if (!kw(p, "NOT"))
        return parse_primary(p);
    struct cql2__node *n = cql2__node_new(p->c, CQL2__NOT, p->cur.off), *k;
    if (!n || !enter(p, p->cur.off) || !advance(p) || !(k = parse_not(p)))
        return NULL;
    p->depth--;
    cql2__node_add(n, k);
    return n;
}

/* and = not { AND not }, or = and { OR and }: n-ary nodes, so long chains stay flat. */
static struct cql2__node *parse_chain(struct tp *p, bool is_or)
{
    const char *word = is_or ? "OR" : "AND";
    struct cql2__node *first = is_or ? parse_chain(p, false) : parse_not(p), *n, *k;
    if (!first || !kw(p, word))
        return first;
    n = cql2__node_new(p->c, is_or ? CQL2__OR : CQL2__AND, p->cur.off);
    if (!n)
        return NULL;
    cql2__node_add(n, first);
    while (kw(p, word)) {
        if (!advance(p) || !(k = is_or ? parse_chain(p, false) : parse_not(p)))
            return NULL;
        cql2__node_add(n, k);
    }
    return n;
}

static struct cql2__node *parse_or(struct tp *p)
{
    return parse_chain(p, true);
}

struct cql2__node *cql2__text_parse(struct cql2__ctx *c)
{
    struct tp p = {.c = c};
    p.cur = lex(c, 0);
    if (p.cur.kind == T_ERROR)
        return NULL;
    if (p.cur.kind == T_END) {
        cql2__fail(c, JM_EINPUT, 0, "empty filter");
        return NULL;
    }
    struct cql2__node *root = parse_or(&p);
    if (!root)
        return NULL;
    if (p.cur.kind != T_END)
        return unexpected(&p);
    return root;
}
