/* citygml_geometry: the GML side of the CityGML reader.
 *
 * - Polygons (gml:Polygon, Triangle, PolygonPatch, Rectangle) are read ring by ring into the
 *   tree's point store straight from the character data of gml:posList, gml:pos or the legacy
 *   gml:coordinates (no text is accumulated; a number split across two expat chunks is
 *   carried in a 64-byte token). A ring must be closed (last point = first within 1e-9
 *   relative); the closing point is dropped. orientation="-" on an OrientableSurface reverses
 *   the rings of the polygons under it.
 * - Aggregates (Solid, CompositeSolid, Shell, CompositeSurface, MultiSurface,
 *   OrientableSurface, TriangulatedSurface, Tin, Surface …) are walked down to their polygons.
 *   Every element with a gml:id records the polygons (and references) it holds, so that
 *   xlink:href="#id" resolves to polygons or whole aggregates. A gml:id given twice in one
 *   top-level object names its first element.
 * - References are resolved when the top-level object ends (forward references inside one
 *   object are common: a Solid naming the polygons of boundedBy surfaces that follow, a room
 *   naming the building's windows). Each polygon is reported once, where it is written; a
 *   reference only checks that its target exists and hands its thematic-surface semantic to
 *   polygons that have none. A reference to anything outside the current top-level object
 *   is an error (JM_EINPUT naming it): the reader keeps one object in memory.
 * - Implicit geometry (core:ImplicitGeometry): relativeGMLGeometry is read as template-local
 *   polygons, then moved by transformationMatrix (4x4, row-major) and the referencePoint.
 *   Template geometry carrying a gml:id is kept for the whole file (capped) so that later
 *   objects may name it by xlink, which is how the format shares templates.
 * - srsName parsing into EPSG codes. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "citygml_internal.h"
#include "parse.h"

static bool name_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}
#define NAME_IN(s, list) name_in((s), (list), sizeof(list) / sizeof((list)[0]))

static const char *const polygon_names[] = {"Polygon", "Triangle", "PolygonPatch", "Rectangle"};
static const char *const aggregate_names[] = {
    "Solid",
    "CompositeSolid",
    "MultiSolid",
    "Shell",
    "CompositeSurface",
    "MultiSurface",
    "OrientableSurface",
    "TriangulatedSurface",
    "Tin",
    "Surface",
    "PolyhedralSurface",
    "MultiGeometry",
    "GeometricComplex",
};
static const char *const member_names[] = {
    "surfaceMember",  "surfaceMembers", "solidMember",     "solidMembers", "baseSurface", "patches",  "trianglePatches",
    "polygonPatches", "geometryMember", "geometryMembers", "element",      "exterior",    "interior",
};

/* ---- the gml:id map ---------------------------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static bool idmap_grow(struct cg_idmap *m)
{
    size_t ns = m->nslots ? m->nslots * 2 : 1024;
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = m->ents[i].hash & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = (uint32_t)i + 1;
        m->ents[i].slot = (uint32_t)j;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = ns;
    return true;
}

static struct cg_ident *idmap_find(const struct cg_idmap *m, const char *base, const char *key, size_t len)
{
    if (!m->nslots)
        return NULL;
    uint32_t h = hash_bytes(key, len);
    for (size_t j = h & (m->nslots - 1); m->slots[j]; j = (j + 1) & (m->nslots - 1)) {
        struct cg_ident *e = &m->ents[m->slots[j] - 1];
        if (e->hash == h && e->len == len && memcmp(base + e->key, key, len) == 0)
            return e;
    }
    return NULL;
}

/* Adds key → ranges unless the key is there already (the first definition is kept).
 * False when a cap or memory stops it. */
static bool idmap_put(struct cg_idmap *m, const char *base, uint32_t key, uint32_t len, const struct cg_ident *v)
{
    if (idmap_find(m, base, base + key, len))
        return true;
    if (m->n >= CG_MAX_TREE_IDS)
        return false;
    if ((m->n + 1) * 2 > m->nslots && !idmap_grow(m))
        return false;
    if (!cg__reserve((void **)&m->ents, &m->cap, m->n + 1, sizeof *m->ents, CG_MAX_TREE_IDS))
        return false;
    struct cg_ident *e = &m->ents[m->n];
    *e = *v;
    e->key = key;
    e->len = len;
    e->hash = hash_bytes(base + key, len);
    e->done = false;
    size_t j = e->hash & (m->nslots - 1);
    while (m->slots[j])
        j = (j + 1) & (m->nslots - 1);
    m->slots[j] = (uint32_t)m->n + 1;
    e->slot = (uint32_t)j;
    m->n++;
    return true;
}

void cg__idmap_reset(struct cg_idmap *m)
{
    for (size_t i = 0; i < m->n; i++)
        m->slots[m->ents[i].slot] = 0;
    m->n = 0;
}

void cg__idmap_cleanup(struct cg_idmap *m)
{
    free(m->ents);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

void cg__templates_cleanup(struct cg_templates *t)
{
    buf_cleanup(&t->strs);
    cg__idmap_cleanup(&t->ids);
    free(t->xyz);
    free(t->rings);
    free(t->surfs);
    memset(t, 0, sizeof *t);
}

/* ---- points, rings, polygons ------------------------------------------------------------- */

/* The gml:id of the polygon being read, for messages. */
static const char *poly_label(const struct cg_reader *r)
{
    for (int d = r->depth - 1; d >= 0; d--)
        if (r->frames[d].kind == K_POLY)
            return r->frames[d].id == CG_NONE ? "(no gml:id)" : cg__str(r, r->frames[d].id);
    return "(none)";
}

static enum jm_status add_point(struct cg_reader *r, int32_t obj, double x, double y, double z)
{
    if (r->npts >= CM_MAX_OBJECT_POINTS)
        return cg__fail(r, JM_ELIMIT, "object %s has more than %d points", cg__obj_id(r, obj), CM_MAX_OBJECT_POINTS);
    if (r->npts == r->cap_pts &&
        !cg__reserve((void **)&r->xyz, &r->cap_pts, r->npts + 1, 3 * sizeof(double), CM_MAX_OBJECT_POINTS))
        return cg__fail(r, JM_EINTERNAL, "out of memory reading object %s", cg__obj_id(r, obj));
    double *p = r->xyz + 3 * r->npts++;
    p[0] = x;
    p[1] = y;
    p[2] = z;
    return JM_OK;
}

static enum jm_status push_ring(struct cg_reader *r, int npoints)
{
    if (!cg__reserve((void **)&r->rings, &r->cap_rings, r->nrings + 1, sizeof *r->rings, CM_MAX_OBJECT_POINTS))
        return cg__fail(r, JM_EINTERNAL, "out of memory");
    r->rings[r->nrings++] = npoints;
    return JM_OK;
}

static enum jm_status push_surf(struct cg_reader *r, const struct cg_surf *s)
{
    if (!cg__reserve((void **)&r->surfs, &r->cap_surfs, r->nsurfs + 1, sizeof *r->surfs, CM_MAX_OBJECT_POINTS))
        return cg__fail(r, JM_EINTERNAL, "out of memory");
    r->surfs[r->nsurfs++] = *s;
    return JM_OK;
}

/* Equal within 1e-9 relative, coordinate by coordinate (absolute below 1). */
static bool same_point(const double *a, const double *b)
{
    for (int i = 0; i < 3; i++) {
        double scale = fmax(1.0, fmax(fabs(a[i]), fabs(b[i])));
        if (fabs(a[i] - b[i]) > 1e-9 * scale)
            return false;
    }
    return true;
}

static void reverse_points(double *p, size_t n)
{
    for (size_t i = 0, j = n - 1; n && i < j; i++, j--)
        for (int k = 0; k < 3; k++) {
            double t = p[3 * i + k];
            p[3 * i + k] = p[3 * j + k];
            p[3 * j + k] = t;
        }
}

/* A ring ends: it must be closed; the closing point is dropped. */
static enum jm_status ring_end(struct cg_reader *r, const struct cg_frame *f)
{
    size_t n = r->npts - r->ring_pt0;
    if (n >= 2 && !same_point(r->xyz + 3 * r->ring_pt0, r->xyz + 3 * (r->npts - 1)))
        return cg__fail(r, JM_EINPUT, "object %s, polygon %s: ring not closed (its last point differs from the first)",
                        cg__obj_id(r, f->obj), poly_label(r));
    if (n < 4)
        return cg__fail(r, JM_EINPUT, "object %s, polygon %s: a ring has %zu points; a closed ring needs at least 4",
                        cg__obj_id(r, f->obj), poly_label(r), n);
    r->npts--;
    return push_ring(r, (int)(n - 1));
}

static enum jm_status register_id(struct cg_reader *r, const struct cg_frame *f)
{
    if (f->id == CG_NONE)
        return JM_OK;
    struct cg_ident v = {.surf0 = f->surf0, .surf1 = (uint32_t)r->nsurfs, .ref0 = f->ref0, .ref1 = (uint32_t)r->nrefs};
    if (!idmap_put(&r->ids, r->strs.data, f->id, (uint32_t)strlen(cg__str(r, f->id)), &v))
        return cg__fail(r, JM_ELIMIT, "object %s holds more than %d identified geometries", cg__obj_id(r, f->obj),
                        CG_MAX_TREE_IDS);
    return JM_OK;
}

static enum jm_status template_save(struct cg_reader *r, const struct cg_frame *f);

static enum jm_status poly_end(struct cg_reader *r, const struct cg_frame *f)
{
    uint32_t nr = (uint32_t)(r->nrings - r->poly_ring0);
    if (nr == 0)
        return cg__fail(r, JM_EINPUT, "object %s: polygon %s has no exterior ring", cg__obj_id(r, f->obj),
                        poly_label(r));
    if (f->reverse) {
        size_t p = r->poly_pt0;
        for (uint32_t k = 0; k < nr; k++) {
            size_t n = (size_t)r->rings[r->poly_ring0 + k];
            reverse_points(r->xyz + 3 * p, n);
            p += n;
        }
    }
    struct cg_surf s = {.pt0 = r->poly_pt0,
                        .ring0 = (uint32_t)r->poly_ring0,
                        .nrings = nr,
                        .npts = (uint32_t)(r->npts - r->poly_pt0),
                        .obj = f->obj,
                        .lod = f->lod,
                        .sem = f->sem,
                        .id = f->id};
    enum jm_status st = push_surf(r, &s);
    if (!st)
        st = register_id(r, f);
    if (!st && f->sub && f->id != CG_NONE)
        st = template_save(r, f);
    return st;
}

/* ---- coordinates ------------------------------------------------------------------------- */

static enum jm_status end_tuple(struct cg_reader *r, const struct cg_frame *f)
{
    int n = r->nvals;
    r->nvals = 0;
    if (n != 2 && n != 3)
        return cg__fail(r, JM_EINPUT, "object %s, polygon %s: a position has %d coordinates (2 or 3 expected)",
                        cg__obj_id(r, f->obj), poly_label(r), n);
    return add_point(r, f->obj, r->vals[0], r->vals[1], n == 3 ? r->vals[2] : 0.0);
}

static enum jm_status flush_token(struct cg_reader *r, const struct cg_frame *f)
{
    if (!r->toklen)
        return JM_OK;
    r->tok[r->toklen] = '\0';
    r->toklen = 0;
    double v;
    if (!parse_double(r->tok, &v))
        return cg__fail(r, JM_EINPUT, "object %s, polygon %s: \"%s\" is not a coordinate", cg__obj_id(r, f->obj),
                        poly_label(r), r->tok);
    if (f->sub == CO_POSLIST) {
        r->vals[r->nvals++] = v;
        if (r->nvals < r->coords_dim)
            return JM_OK;
        r->nvals = 0;
        return add_point(r, f->obj, r->vals[0], r->vals[1], r->coords_dim == 3 ? r->vals[2] : 0.0);
    }
    if (r->nvals == 3)
        return cg__fail(r, JM_EINPUT, "object %s, polygon %s: a position has more than 3 coordinates",
                        cg__obj_id(r, f->obj), poly_label(r));
    r->vals[r->nvals++] = v;
    return JM_OK;
}

enum jm_status cg__coords_text(struct cg_reader *r, const char *s, size_t n)
{
    const struct cg_frame *f = &r->frames[r->depth - 1];
    bool commas = f->sub == CO_COORDINATES;
    enum jm_status st = JM_OK;
    for (size_t i = 0; i < n && !st; i++) {
        char c = s[i];
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            st = flush_token(r, f);
            if (!st && commas && !r->after_comma && r->nvals)
                st = end_tuple(r, f);
        } else if (commas && c == ',') {
            st = flush_token(r, f);
            r->after_comma = true;
        } else if (r->toklen + 1 >= CG_TOKEN_MAX) {
            st = cg__fail(r, JM_EINPUT, "object %s, polygon %s: a coordinate is longer than %d characters",
                          cg__obj_id(r, f->obj), poly_label(r), CG_TOKEN_MAX - 1);
        } else {
            r->after_comma = false;
            r->tok[r->toklen++] = c;
        }
    }
    return st;
}

static enum jm_status coords_end(struct cg_reader *r, const struct cg_frame *f)
{
    enum jm_status st = flush_token(r, f);
    if (st)
        return st;
    if (f->sub == CO_POSLIST) {
        if (r->nvals)
            return cg__fail(r, JM_EINPUT,
                            "object %s, polygon %s: a posList holds a number of values that is not a multiple of "
                            "its dimension %d",
                            cg__obj_id(r, f->obj), poly_label(r), r->coords_dim);
        return JM_OK;
    }
    return r->nvals ? end_tuple(r, f) : JM_OK;
}

/* Numbers separated by blanks or commas (transformationMatrix, referencePoint). False when a
 * token is not a number or there are more than `max`. */
static bool parse_numbers(const char *s, size_t len, double *out, int max, int *count)
{
    char tok[CG_TOKEN_MAX];
    size_t t = 0;
    *count = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : ' ';
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ',') {
            if (!t)
                continue;
            tok[t] = '\0';
            t = 0;
            if (*count >= max || !parse_double(tok, &out[*count]))
                return false;
            (*count)++;
        } else {
            if (t + 1 >= sizeof tok)
                return false;
            tok[t++] = c;
        }
    }
    return true;
}

/* ---- references and templates ------------------------------------------------------------ */

static enum jm_status add_ref(struct cg_reader *r, const struct cg_frame *f)
{
    const char *href = cg__str(r, f->href);
    if (href[0] != '#' || !href[1])
        return cg__fail(r, JM_EINPUT,
                        "object %s: xlink:href \"%s\" does not point inside this file (only \"#id\" references "
                        "are followed)",
                        cg__obj_id(r, f->obj), href);
    if (r->nrefs >= CG_MAX_TREE_REFS)
        return cg__fail(r, JM_ELIMIT, "object %s holds more than %d xlink references", cg__obj_id(r, f->obj),
                        CG_MAX_TREE_REFS);
    if (!cg__reserve((void **)&r->refs, &r->cap_refs, r->nrefs + 1, sizeof *r->refs, CG_MAX_TREE_REFS))
        return cg__fail(r, JM_EINTERNAL, "out of memory");
    r->refs[r->nrefs++] = (struct cg_ref){.target = f->href + 1, .sem = f->sem, .obj = f->obj, .line = f->line};
    return JM_OK;
}

/* Gives `sem` to the polygons without a semantic under `start` and under what its own
 * references name. An identified element is walked once in all (the first semantic wins), so
 * the work is linear in the references whatever their nesting. */
static enum jm_status propagate(struct cg_reader *r, struct cg_ident *start, uint32_t sem)
{
    size_t top = 0;
    if (!cg__reserve((void **)&r->order, &r->cap_order, 1, sizeof *r->order, SIZE_MAX / 8))
        return cg__fail(r, JM_EINTERNAL, "out of memory");
    r->order[top++] = (uint32_t)(start - r->ids.ents);
    while (top) {
        struct cg_ident *e = &r->ids.ents[r->order[--top]];
        if (e->done)
            continue;
        e->done = true;
        for (uint32_t s = e->surf0; s < e->surf1; s++)
            if (r->surfs[s].sem == CG_NONE)
                r->surfs[s].sem = sem;
        for (uint32_t k = e->ref0; k < e->ref1; k++) {
            const char *key = cg__str(r, r->refs[k].target);
            struct cg_ident *t = idmap_find(&r->ids, r->strs.data, key, strlen(key));
            if (!t || t->done)
                continue;
            if (!cg__reserve((void **)&r->order, &r->cap_order, top + 1, sizeof *r->order, SIZE_MAX / 8))
                return cg__fail(r, JM_EINTERNAL, "out of memory");
            r->order[top++] = (uint32_t)(t - r->ids.ents);
        }
    }
    return JM_OK;
}

enum jm_status cg__resolve_refs(struct cg_reader *r)
{
    for (size_t i = 0; i < r->nrefs; i++) {
        const struct cg_ref *ref = &r->refs[i];
        const char *key = cg__str(r, ref->target);
        struct cg_ident *t = idmap_find(&r->ids, r->strs.data, key, strlen(key));
        if (!t)
            return cg__fail_at(r, ref->line, JM_EINPUT,
                               "object %s: xlink:href \"#%s\" names no geometry of this city object (references "
                               "are resolved within one top-level city object and its parts)",
                               cg__obj_id(r, ref->obj), key);
        if (ref->sem != CG_NONE && !t->done) {
            enum jm_status st = propagate(r, t, ref->sem);
            if (st)
                return st;
        }
    }
    return JM_OK;
}

/* Keeps the template-local polygons of an identified relativeGMLGeometry for later objects. */
static enum jm_status template_save(struct cg_reader *r, const struct cg_frame *f)
{
    struct cg_templates *t = &r->tmpl;
    const char *key = cg__str(r, f->id);
    size_t len = strlen(key);
    if (idmap_find(&t->ids, t->strs.data, key, len) || f->surf0 >= r->nsurfs)
        return JM_OK;
    size_t p0 = r->surfs[f->surf0].pt0, np = r->npts - p0;
    if (t->npts + np > CG_MAX_TEMPLATE_POINTS)
        return cg__fail(r, JM_ELIMIT, "implicit-geometry templates of this file hold more than %d points",
                        CG_MAX_TEMPLATE_POINTS);
    if (!t->strs.cap)
        buf_init(&t->strs, CG_MAX_TREE_STRINGS);
    uint32_t off = (uint32_t)t->strs.len;
    struct cg_ident v = {.surf0 = (uint32_t)t->nsurfs, .surf1 = (uint32_t)(t->nsurfs + (r->nsurfs - f->surf0))};
    size_t nr = r->nrings - r->surfs[f->surf0].ring0;
    if (!buf_append(&t->strs, key, len + 1) ||
        !cg__reserve((void **)&t->xyz, &t->cap_pts, t->npts + np, 3 * sizeof(double), CG_MAX_TEMPLATE_POINTS) ||
        !cg__reserve((void **)&t->rings, &t->cap_rings, t->nrings + nr, sizeof(int), CG_MAX_TEMPLATE_POINTS) ||
        !cg__reserve((void **)&t->surfs, &t->cap_surfs, v.surf1, sizeof *t->surfs, CG_MAX_TEMPLATE_POINTS))
        return cg__fail(r, JM_ELIMIT, "implicit-geometry templates of this file are too large");
    for (size_t s = f->surf0; s < r->nsurfs; s++) {
        struct cg_surf c = r->surfs[s];
        c.pt0 = c.pt0 - p0 + t->npts;
        c.ring0 = (uint32_t)(c.ring0 - r->surfs[f->surf0].ring0 + t->nrings);
        c.sem = c.id = CG_NONE;
        t->surfs[t->nsurfs++] = c;
    }
    memcpy(t->xyz + 3 * t->npts, r->xyz + 3 * p0, np * 3 * sizeof(double));
    memcpy(t->rings + t->nrings, r->rings + r->surfs[f->surf0].ring0, nr * sizeof(int));
    t->npts += np;
    t->nrings += nr;
    if (!idmap_put(&t->ids, t->strs.data, off, (uint32_t)len, &v))
        return cg__fail(r, JM_ELIMIT, "implicit-geometry templates of this file are too many");
    return JM_OK;
}

/* relativeGMLGeometry xlink:href="#id": copies the template's polygons into the object. */
static enum jm_status template_copy(struct cg_reader *r, const struct cg_frame *f)
{
    const char *href = cg__str(r, f->href);
    const struct cg_templates *t = &r->tmpl;
    const struct cg_ident *id = href[0] == '#' ? idmap_find(&t->ids, t->strs.data, href + 1, strlen(href + 1)) : NULL;
    if (!id)
        return cg__fail(r, JM_EINPUT,
                        "object %s: implicit geometry names \"%s\", which no earlier relativeGMLGeometry of this "
                        "file defines with that gml:id",
                        cg__obj_id(r, f->obj), href);
    enum jm_status st = JM_OK;
    for (uint32_t s = id->surf0; s < id->surf1 && !st; s++) {
        const struct cg_surf *ts = &t->surfs[s];
        struct cg_surf c = {.pt0 = r->npts,
                            .ring0 = (uint32_t)r->nrings,
                            .nrings = ts->nrings,
                            .npts = ts->npts,
                            .obj = f->obj,
                            .lod = f->lod,
                            .sem = CG_NONE,
                            .id = CG_NONE};
        for (uint32_t p = 0; p < ts->npts && !st; p++) {
            const double *q = t->xyz + 3 * (ts->pt0 + p);
            st = add_point(r, f->obj, q[0], q[1], q[2]);
        }
        for (uint32_t k = 0; k < ts->nrings && !st; k++)
            st = push_ring(r, t->rings[ts->ring0 + k]);
        if (!st)
            st = push_surf(r, &c);
    }
    return st;
}

/* ImplicitGeometry ends: template-local points → M · p + referencePoint. */
static enum jm_status implicit_end(struct cg_reader *r, const struct cg_frame *f)
{
    if (r->nrefpt == 0)
        return cg__fail(r, JM_EINPUT, "object %s: implicit geometry without a referencePoint", cg__obj_id(r, f->obj));
    if (f->surf0 >= r->nsurfs)
        return JM_OK;
    static const double identity[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    const double *m = r->nmatrix ? r->matrix : identity;
    for (size_t p = r->surfs[f->surf0].pt0; p < r->npts; p++) {
        double *q = r->xyz + 3 * p, x = q[0], y = q[1], z = q[2];
        for (int i = 0; i < 3; i++)
            q[i] = m[4 * i] * x + m[4 * i + 1] * y + m[4 * i + 2] * z + m[4 * i + 3] + r->refpt[i];
    }
    return JM_OK;
}

/* ---- starting geometry elements ---------------------------------------------------------- */

static enum jm_status read_dim(struct cg_reader *r, struct cg_frame *f, const XML_Char **atts)
{
    const char *d = cg__attr(atts, CG_NS_OTHER, "srsDimension");
    if (!d)
        d = cg__attr(atts, CG_NS_OTHER, "dimension");
    long v;
    if (!d)
        return JM_OK;
    if (!parse_long(d, 2, 3, &v))
        return cg__fail(r, JM_EINPUT, "object %s: srsDimension \"%s\" is not 2 or 3", cg__obj_id(r, f->obj), d);
    f->dim = (uint8_t)v;
    return JM_OK;
}

static enum jm_status read_ref_attr(struct cg_reader *r, const XML_Char **atts, enum cg_ns ns, const char *local,
                                    uint32_t *out)
{
    const char *v = cg__attr(atts, ns, local);
    *out = CG_NONE;
    if (v && (*out = cg__intern(r, v, strlen(v))) == CG_NONE)
        return r->status;
    return JM_OK;
}

static enum jm_status gml_child(struct cg_reader *r, const struct cg_frame *parent, struct cg_frame *f,
                                const struct cg_name *n, const XML_Char **atts)
{
    const char *l = n->lname;
    if (n->ns == CG_NS_CITYGML && strcmp(l, "ImplicitGeometry") == 0 && parent->kind == K_GEOMPROP && !parent->tmpl) {
        f->kind = K_IMPLICIT;
        r->nmatrix = r->nrefpt = 0;
        return JM_OK;
    }
    if (n->ns != CG_NS_GML)
        return JM_OK; /* K_SKIP */
    enum jm_status st = read_dim(r, f, atts);
    if (st)
        return st;
    bool template_root = parent->kind == K_GEOMPROP && parent->tmpl;
    if (NAME_IN(l, polygon_names)) {
        f->kind = K_POLY;
        f->sub = template_root;
        r->poly_ring0 = r->nrings;
        r->poly_pt0 = r->npts;
        return read_ref_attr(r, atts, CG_NS_GML, "id", &f->id);
    }
    if (NAME_IN(l, aggregate_names)) {
        f->kind = K_GEOM;
        f->sub = template_root;
        const char *o = strcmp(l, "OrientableSurface") == 0 ? cg__attr(atts, CG_NS_OTHER, "orientation") : NULL;
        if (o && strcmp(o, "-") == 0)
            f->reverse = !f->reverse;
        else if (o && strcmp(o, "+") != 0)
            return cg__fail(r, JM_EINPUT, "object %s: orientation \"%s\" is not \"+\" or \"-\"", cg__obj_id(r, f->obj),
                            o);
        return read_ref_attr(r, atts, CG_NS_GML, "id", &f->id);
    }
    if (parent->kind != K_GEOMPROP && NAME_IN(l, member_names)) {
        f->kind = K_GMEMBER;
        return read_ref_attr(r, atts, CG_NS_XLINK, "href", &f->href);
    }
    if (strcmp(l, "controlPoint") == 0)
        return cg__fail(r, JM_EINPUT, "object %s: a gml:Tin given by control points only is not supported",
                        cg__obj_id(r, f->obj));
    return JM_OK; /* curves, points, names: K_SKIP */
}

static enum jm_status poly_child(struct cg_reader *r, struct cg_frame *f, const struct cg_name *n)
{
    const char *l = n->lname;
    if (n->ns != CG_NS_GML)
        return JM_OK;
    bool interior = strcmp(l, "interior") == 0 || strcmp(l, "innerBoundaryIs") == 0;
    bool exterior = strcmp(l, "exterior") == 0 || strcmp(l, "outerBoundaryIs") == 0;
    if (!interior && !exterior)
        return JM_OK;
    size_t have = r->nrings - r->poly_ring0;
    if (exterior && have)
        return cg__fail(r, JM_EINPUT, "object %s: polygon %s has two exterior rings", cg__obj_id(r, f->obj),
                        poly_label(r));
    if (interior && !have)
        return cg__fail(r, JM_EINPUT, "object %s: polygon %s has an interior ring before its exterior",
                        cg__obj_id(r, f->obj), poly_label(r));
    f->kind = K_RINGPROP;
    f->sub = interior;
    return JM_OK;
}

static enum jm_status ringprop_child(struct cg_reader *r, const struct cg_frame *parent, struct cg_frame *f,
                                     const struct cg_name *n)
{
    if (n->ns != CG_NS_GML)
        return JM_OK;
    if (strcmp(n->lname, "Ring") == 0)
        return cg__fail(r, JM_EINPUT, "object %s, polygon %s: gml:Ring (rings of curves) is not supported",
                        cg__obj_id(r, f->obj), poly_label(r));
    if (strcmp(n->lname, "LinearRing") != 0)
        return JM_OK;
    if (r->nrings != parent->rings0)
        return cg__fail(r, JM_EINPUT, "object %s, polygon %s: two rings in one exterior or interior",
                        cg__obj_id(r, f->obj), poly_label(r));
    f->kind = K_RING;
    r->ring_pt0 = r->npts;
    return JM_OK;
}

static enum jm_status ring_child(struct cg_reader *r, struct cg_frame *f, const struct cg_name *n,
                                 const XML_Char **atts)
{
    static const char *const names[] = {"posList", "pos", "coordinates"};
    static const uint8_t kinds[] = {CO_POSLIST, CO_POS, CO_COORDINATES};
    if (n->ns != CG_NS_GML)
        return JM_OK;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(n->lname, names[i]) != 0)
            continue;
        enum jm_status st = read_dim(r, f, atts);
        if (st)
            return st;
        f->kind = K_COORDS;
        f->sub = kinds[i];
        r->coords_dim = f->dim;
        r->toklen = 0;
        r->nvals = 0;
        r->after_comma = false;
        return JM_OK;
    }
    return JM_OK;
}

static enum jm_status implicit_child(struct cg_reader *r, struct cg_frame *f, const struct cg_name *n,
                                     const XML_Char **atts)
{
    const char *l = n->lname;
    if (n->ns != CG_NS_CITYGML)
        return JM_OK;
    if (strcmp(l, "transformationMatrix") == 0) {
        f->kind = K_IMP_MATRIX;
        f->text = true;
    } else if (strcmp(l, "relativeGMLGeometry") == 0 || strcmp(l, "relativeGeometry") == 0) {
        f->kind = K_GEOMPROP;
        f->tmpl = true;
        return read_ref_attr(r, atts, CG_NS_XLINK, "href", &f->href);
    } else if (strcmp(l, "referencePoint") == 0) {
        f->kind = K_IMP_REFPT;
    }
    return JM_OK;
}

static enum jm_status refpt_child(struct cg_frame *f, const struct cg_name *n)
{
    if (n->ns != CG_NS_GML)
        return JM_OK;
    if (strcmp(n->lname, "Point") == 0) {
        f->kind = K_IMP_REFPT;
    } else if (strcmp(n->lname, "pos") == 0 || strcmp(n->lname, "coordinates") == 0) {
        f->kind = K_IMP_POS;
        f->text = true;
    }
    return JM_OK;
}

enum jm_status cg__geom_start(struct cg_reader *r, const struct cg_frame *parent, struct cg_frame *f,
                              const struct cg_name *n, const XML_Char **atts)
{
    f->kind = K_SKIP;
    switch (parent->kind) {
    case K_GEOMPROP:
    case K_GEOM:
    case K_GMEMBER:
        return gml_child(r, parent, f, n, atts);
    case K_POLY:
        return poly_child(r, f, n);
    case K_RINGPROP:
        return ringprop_child(r, parent, f, n);
    case K_RING:
        return ring_child(r, f, n, atts);
    case K_IMPLICIT:
        return implicit_child(r, f, n, atts);
    case K_IMP_REFPT:
        return refpt_child(f, n);
    default:
        return JM_OK;
    }
}

enum jm_status cg__geom_end(struct cg_reader *r, struct cg_frame *f)
{
    enum jm_status st;
    int count;
    switch (f->kind) {
    case K_COORDS:
        return coords_end(r, f);
    case K_RING:
        return ring_end(r, f);
    case K_RINGPROP:
        if (r->nrings == f->rings0)
            return cg__fail(r, JM_EINPUT, "object %s, polygon %s: an %s without a gml:LinearRing",
                            cg__obj_id(r, f->obj), poly_label(r), f->sub ? "interior" : "exterior");
        return JM_OK;
    case K_POLY:
        return poly_end(r, f);
    case K_GEOM:
        st = register_id(r, f);
        if (!st && f->sub && f->id != CG_NONE)
            st = template_save(r, f);
        return st;
    case K_GMEMBER:
        if (f->has_child || f->href == CG_NONE)
            return JM_OK;
        if (f->tmpl)
            return cg__fail(r, JM_EINPUT, "object %s: xlink:href inside an implicit-geometry template is not supported",
                            cg__obj_id(r, f->obj));
        return add_ref(r, f);
    case K_GEOMPROP:
        if (f->has_child || f->href == CG_NONE)
            return JM_OK;
        return f->tmpl ? template_copy(r, f) : add_ref(r, f);
    case K_IMPLICIT:
        return implicit_end(r, f);
    case K_IMP_MATRIX:
        if (!parse_numbers(buf_str(&r->text), r->text.len, r->matrix, 16, &count) || (count != 16 && count != 0))
            return cg__fail(r, JM_EINPUT, "object %s: transformationMatrix is not 16 numbers", cg__obj_id(r, f->obj));
        r->nmatrix = count;
        return JM_OK;
    case K_IMP_POS:
        if (!parse_numbers(buf_str(&r->text), r->text.len, r->refpt, 3, &count) || count < 2)
            return cg__fail(r, JM_EINPUT, "object %s: the referencePoint is not 2 or 3 numbers", cg__obj_id(r, f->obj));
        if (count == 2)
            r->refpt[2] = 0;
        r->nrefpt = count;
        return JM_OK;
    default:
        return JM_OK;
    }
}

/* ---- srsName ----------------------------------------------------------------------------- */

struct srs_word {
    const char *name;
    int code;
};

/* German AdV names (urn:adv:crs:HORIZONTAL*VERTICAL), common in German CityGML. */
static const struct srs_word adv_horizontal[] = {
    {"ETRS89_UTM32", 25832}, {"ETRS89_UTM33", 25833}, {"DE_DHDN_3GK2", 31466},  {"DE_DHDN_3GK3", 31467},
    {"DE_DHDN_3GK4", 31468}, {"DE_DHDN_3GK5", 31469}, {"ETRS89_Lat-Lon", 4258},
};
static const struct srs_word adv_vertical[] = {{"DE_DHHN92_NH", 5783}, {"DE_DHHN2016_NH", 7837}};

/* EPSG compound codes whose parts we know. */
static const struct {
    int code, horizontal, vertical;
} compounds[] = {{7415, 28992, 5709}, {7423, 4258, 5621}, {5498, 4269, 5703}, {9518, 4326, 3855}};

/* After "EPSG": separators, an optional version, the code: ":N", "::N", ":6.12:N", "/0/N". */
static bool epsg_tail(const char *s, size_t n, int *code)
{
    size_t d = n;
    while (d > 0 && isdigit((unsigned char)s[d - 1]))
        d--;
    if (d == n || n - d > 9 || d == 0 || (s[0] != ':' && s[0] != '/') || (s[d - 1] != ':' && s[d - 1] != '/'))
        return false;
    for (size_t i = 0; i < d; i++)
        if (!isdigit((unsigned char)s[i]) && s[i] != '.' && s[i] != ':' && s[i] != '/')
            return false;
    long v = 0;
    for (size_t i = d; i < n; i++)
        v = v * 10 + (s[i] - '0');
    *code = (int)v;
    return v > 0;
}

/* One reference to one EPSG code, in any of the spellings GML files use. */
static bool epsg_ref(const char *s, size_t n, int *code)
{
    static const char *const prefixes[] = {"",
                                           "urn:ogc:def:crs:",
                                           "urn:x-ogc:def:crs:",
                                           "crs:",
                                           "http://www.opengis.net/def/crs/",
                                           "https://www.opengis.net/def/crs/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t pl = strlen(prefixes[i]);
        if (n > pl + 4 && strncasecmp(s, prefixes[i], pl) == 0 && strncasecmp(s + pl, "EPSG", 4) == 0)
            return epsg_tail(s + pl + 4, n - pl - 4, code);
    }
    return false;
}

static int word_code(const struct srs_word *w, size_t nw, const char *s, size_t n)
{
    for (size_t i = 0; i < nw; i++)
        if (strlen(w[i].name) == n && strncmp(w[i].name, s, n) == 0)
            return w[i].code;
    return 0;
}

/* Splits `s` at `sep` into one or two EPSG references (each after "KEY=" in the crs-compound
 * URL form): the horizontal part, then the vertical one. */
static bool two_parts(const char *s, char sep, bool keyed, int *h, int *v)
{
    int *codes[2] = {h, v};
    const char *p = s;
    for (int part = 0; part < 2; part++) {
        const char *end = strchr(p, sep), *q = p;
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (keyed) {
            const char *eq = memchr(p, '=', n);
            if (!eq)
                return false;
            q = eq + 1;
            n -= (size_t)(q - p);
        }
        if (!epsg_ref(q, n, codes[part]))
            return false;
        if (!end)
            return true;
        p = end + 1;
    }
    return false; /* a third part */
}

bool cg__parse_srs(const char *name, char *out, size_t out_size, int *horizontal, int *vertical)
{
    int h = 0, v = 0, code = 0;
    size_t n = strlen(name);
    static const char adv[] = "urn:adv:crs:";
    if (strncasecmp(name, "urn:ogc:def:crs,", 16) == 0 || strncasecmp(name, "urn:x-ogc:def:crs,", 18) == 0) {
        if (!two_parts(strchr(name, ',') + 1, ',', false, &h, &v))
            return false;
    } else if (strncasecmp(name, "http://www.opengis.net/def/crs-compound?", 40) == 0 ||
               strncasecmp(name, "https://www.opengis.net/def/crs-compound?", 41) == 0) {
        if (!two_parts(strchr(name, '?') + 1, '&', true, &h, &v))
            return false;
    } else if (strncmp(name, adv, sizeof adv - 1) == 0) {
        const char *s = name + sizeof adv - 1, *star = strchr(s, '*');
        h = word_code(adv_horizontal, sizeof adv_horizontal / sizeof adv_horizontal[0], s,
                      star ? (size_t)(star - s) : strlen(s));
        if (star)
            v = word_code(adv_vertical, sizeof adv_vertical / sizeof adv_vertical[0], star + 1, strlen(star + 1));
        if (!h || (star && !v))
            return false;
    } else if (epsg_ref(name, n, &code)) {
        h = code;
        for (size_t i = 0; i < sizeof compounds / sizeof compounds[0]; i++)
            if (compounds[i].code == code) {
                h = compounds[i].horizontal;
                v = compounds[i].vertical;
            }
    } else {
        return false;
    }
    int w = code && (h != code) ? snprintf(out, out_size, "EPSG:%d", code)
            : v                 ? snprintf(out, out_size, "EPSG:%d+%d", h, v)
                                : snprintf(out, out_size, "EPSG:%d", h);
    if (w < 0 || (size_t)w >= out_size)
        return false;
    *horizontal = h;
    *vertical = v;
    return true;
}
