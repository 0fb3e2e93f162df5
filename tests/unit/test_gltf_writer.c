/* Unit tests of tiler/gltf_writer (gltf_write_glb): meshes built by hand, written with each
 * combination of options, then read back as a client would: the GLB frame and its
 * alignment, the JSON (parsed by a small parser below), the accessors decoded from the BIN
 * chunk (through meshoptimizer's decoders when compressed) and compared with the input
 * after undoing the y-up turn and the quantisation, and the property table's columns.
 * Then the refusals: empty mesh, bad feature ids and indices, bad names, caps.
 *
 * With GLTF_OUT_DIR set, every GLB written by the variant tests is saved there, for
 * tests/tools/validate_gltf.js (the Khronos validator). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <meshoptimizer.h>

#include "gltf_writer.h"

/* ---- a small JSON parser, enough to read back what the writer wrote -------------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
    enum jtype t;
    double num;       /* J_NUM, J_BOOL */
    char *str;        /* J_STR */
    int n;            /* J_ARR, J_OBJ: members */
    struct jv *items; /* J_ARR, J_OBJ: values */
    char **keys;      /* J_OBJ */
};

static bool j_value(const char **p, struct jv *v);

static void j_space(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
        (*p)++;
}

/* Appends code point cp (below U+10000: enough for the escapes jw writes) as UTF-8. */
static size_t j_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

static bool j_string(const char **p, char **out)
{
    const char *s = *p + 1;
    char *buf = malloc(strlen(s) + 1), *o = buf;
    while (*s && *s != '"') {
        if (*s != '\\') {
            *o++ = *s++;
            continue;
        }
        s++;
        const char *esc = strchr("\"\\/bfnrt", *s);
        if (*s == 'u') {
            unsigned cp = 0;
            if (sscanf(s + 1, "%4x", &cp) != 1)
                break;
            o += j_utf8(o, cp);
            s += 5;
        } else if (esc && *s) {
            *o++ = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
            s++;
        } else {
            break;
        }
    }
    *o = '\0';
    if (*s != '"') {
        free(buf);
        return false;
    }
    *p = s + 1;
    *out = buf;
    return true;
}

static void j_push(struct jv *v, char *key, const struct jv *item)
{
    v->items = realloc(v->items, (size_t)(v->n + 1) * sizeof *v->items);
    v->items[v->n] = *item;
    if (v->t == J_OBJ) {
        v->keys = realloc(v->keys, (size_t)(v->n + 1) * sizeof *v->keys);
        v->keys[v->n] = key;
    }
    v->n++;
}

/* An array or an object, *p on its opening bracket. */
static bool j_container(const char **p, struct jv *v, char close)
{
    v->t = close == ']' ? J_ARR : J_OBJ;
    (*p)++;
    j_space(p);
    if (**p == close) {
        (*p)++;
        return true;
    }
    for (;;) {
        char *key = NULL;
        struct jv item = {0};
        j_space(p);
        if (v->t == J_OBJ) {
            if (**p != '"' || !j_string(p, &key))
                return false;
            j_space(p);
            if (*(*p)++ != ':')
                return false;
        }
        bool ok = j_value(p, &item);
        j_push(v, key, &item);
        if (!ok)
            return false;
        j_space(p);
        char c = *(*p)++;
        if (c == close)
            return true;
        if (c != ',')
            return false;
    }
}

static bool j_value(const char **p, struct jv *v)
{
    j_space(p);
    memset(v, 0, sizeof *v);
    if (**p == '{' || **p == '[')
        return j_container(p, v, **p == '{' ? '}' : ']');
    if (**p == '"') {
        v->t = J_STR;
        return j_string(p, &v->str);
    }
    static const struct { const char *word; enum jtype t; double num; } words[] = {
        {"true", J_BOOL, 1}, {"false", J_BOOL, 0}, {"null", J_NULL, 0}};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i].word);
        if (strncmp(*p, words[i].word, n) == 0) {
            v->t = words[i].t;
            v->num = words[i].num;
            *p += n;
            return true;
        }
    }
    char *end;
    v->t = J_NUM;
    v->num = strtod(*p, &end);
    if (end == *p)
        return false;
    *p = end;
    return true;
}

static void j_free(struct jv *v)
{
    for (int i = 0; i < v->n; i++) {
        j_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

/* Member `key` of object o, or NULL (also when o is NULL or not an object). */
static const struct jv *jget(const struct jv *o, const char *key)
{
    for (int i = 0; o && o->t == J_OBJ && i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0)
            return &o->items[i];
    return NULL;
}

static const struct jv *jat(const struct jv *a, int i)
{
    assert_non_null(a);
    assert_int_equal(a->t, J_ARR);
    assert_true(i >= 0 && i < a->n);
    return &a->items[i];
}

static double jnum(const struct jv *v)
{
    assert_non_null(v);
    assert_int_equal(v->t, J_NUM);
    return v->num;
}

static const char *jstr(const struct jv *v)
{
    assert_non_null(v);
    assert_int_equal(v->t, J_STR);
    return v->str;
}

/* A member that must be there. */
static const struct jv *jmust(const struct jv *o, const char *key)
{
    const struct jv *v = jget(o, key);
    if (!v)
        fail_msg("JSON member \"%s\" is missing", key);
    return v;
}

static bool jarray_has_string(const struct jv *a, const char *s)
{
    for (int i = 0; a && i < a->n; i++)
        if (a->items[i].t == J_STR && strcmp(a->items[i].str, s) == 0)
            return true;
    return false;
}

/* ---- reading a GLB back ------------------------------------------------------------------- */

struct glb {
    const unsigned char *data; /* the GLB, inside the output buffer */
    size_t len;
    const unsigned char *bin;  /* BIN chunk data */
    size_t bin_len;
    struct jv root;
};

static uint32_t u32_at(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Checks the frame (header, chunk types, lengths, paddings, 8-byte alignment of the BIN
 * chunk relative to the GLB start) and parses the JSON. */
static void glb_open(struct glb *g, const unsigned char *data, size_t len)
{
    memset(g, 0, sizeof *g);
    g->data = data;
    g->len = len;
    assert_true(len >= 28);
    assert_int_equal(u32_at(data), 0x46546C67u); /* "glTF" */
    assert_int_equal(u32_at(data + 4), 2);
    assert_int_equal(u32_at(data + 8), len);
    uint32_t json_len = u32_at(data + 12);
    assert_int_equal(u32_at(data + 16), 0x4E4F534Au);
    assert_int_equal(json_len % 4, 0);
    assert_int_equal((20 + json_len) % 8, 0); /* the BIN chunk starts on 8 bytes */
    assert_true(20 + (size_t)json_len + 8 <= len);
    const unsigned char *bin_header = data + 20 + json_len;
    g->bin_len = u32_at(bin_header);
    assert_int_equal(u32_at(bin_header + 4), 0x004E4942u);
    assert_int_equal(g->bin_len % 8, 0);
    assert_int_equal(28 + (size_t)json_len + g->bin_len, len);
    g->bin = bin_header + 8;
    assert_int_equal((size_t)(g->bin - data) % 8, 0);

    char *json = malloc(json_len + 1);
    memcpy(json, data + 20, json_len);
    json[json_len] = '\0';
    const char *p = json;
    assert_true(j_value(&p, &g->root));
    while (*p == ' ') /* padding: spaces only */
        p++;
    assert_int_equal(*p, '\0');
    free(json);
}

static void glb_close(struct glb *g)
{
    j_free(&g->root);
}

static const struct jv *buffer_view(const struct glb *g, int index)
{
    return jat(jmust(&g->root, "bufferViews"), index);
}

/* Decodes an EXT_meshopt_compression view into `out` (byteLength bytes). */
static void view_unpack(const struct glb *g, const struct jv *view, const struct jv *mo, unsigned char *out,
                        size_t length)
{
    size_t offset = (size_t)jnum(jmust(mo, "byteOffset")), n = (size_t)jnum(jmust(mo, "byteLength"));
    size_t count = (size_t)jnum(jmust(mo, "count")), stride = (size_t)jnum(jmust(mo, "byteStride"));
    const char *mode = jstr(jmust(mo, "mode"));
    assert_int_equal(jnum(jmust(mo, "buffer")), 0);
    assert_true(offset + n <= g->bin_len);
    assert_int_equal(offset % 8, 0);
    assert_int_equal(count * stride, length);
    assert_int_equal(jnum(jmust(view, "buffer")), 1); /* the fallback buffer */
    const struct jv *fallback = jat(jmust(&g->root, "buffers"), 1);
    assert_null(jget(fallback, "uri"));
    const struct jv *flag = jget(jget(jmust(fallback, "extensions"), "EXT_meshopt_compression"), "fallback");
    assert_true(flag && flag->t == J_BOOL && flag->num == 1);
    assert_true(jnum(jmust(view, "byteOffset")) + length <= jnum(jmust(fallback, "byteLength")));
    if (strcmp(mode, "TRIANGLES") == 0) {
        assert_int_equal(g->bin[offset], 0xe1); /* the version EXT_meshopt_compression specifies */
        assert_int_equal(count % 3, 0);
        assert_int_equal(meshopt_decodeIndexBuffer(out, count, stride, g->bin + offset, n), 0);
    } else {
        assert_string_equal(mode, "ATTRIBUTES");
        assert_int_equal(g->bin[offset], 0xa0);
        assert_int_equal(stride % 4, 0);
        assert_int_equal(meshopt_decodeVertexBuffer(out, count, stride, g->bin + offset, n), 0);
    }
}

/* The bytes of buffer view `index`, decoded when compressed; the caller frees them. */
static unsigned char *view_bytes(const struct glb *g, int index, size_t *len)
{
    const struct jv *view = buffer_view(g, index);
    const struct jv *off = jget(view, "byteOffset");
    size_t offset = off ? (size_t)jnum(off) : 0, length = (size_t)jnum(jmust(view, "byteLength"));
    unsigned char *out = calloc(1, length);
    const struct jv *mo = jget(jget(view, "extensions"), "EXT_meshopt_compression");
    assert_int_equal(offset % 8, 0);
    if (mo) {
        view_unpack(g, view, mo, out, length);
    } else {
        assert_int_equal(jnum(jmust(view, "buffer")), 0);
        assert_true(offset + length <= g->bin_len);
        memcpy(out, g->bin + offset, length);
    }
    *len = length;
    return out;
}

/* An accessor's elements, read from its (decoded) buffer view. */
struct acc {
    unsigned char *bytes;
    size_t len, stride;
    int component_type, ncomp;
    bool normalized;
    uint32_t count;
    const struct jv *json;
};

static size_t component_size(int ct)
{
    return ct == 5120 || ct == 5121 ? 1 : ct == 5122 || ct == 5123 ? 2 : 4;
}

static void acc_open(const struct glb *g, int index, struct acc *a)
{
    memset(a, 0, sizeof *a);
    a->json = jat(jmust(&g->root, "accessors"), index);
    const char *type = jstr(jmust(a->json, "type"));
    a->ncomp = strcmp(type, "SCALAR") == 0 ? 1 : strcmp(type, "VEC3") == 0 ? 3 : 0;
    assert_true(a->ncomp > 0);
    a->component_type = (int)jnum(jmust(a->json, "componentType"));
    a->count = (uint32_t)jnum(jmust(a->json, "count"));
    const struct jv *norm = jget(a->json, "normalized");
    a->normalized = norm && norm->num == 1;
    assert_null(jget(a->json, "byteOffset"));
    int view = (int)jnum(jmust(a->json, "bufferView"));
    const struct jv *stride = jget(buffer_view(g, view), "byteStride");
    a->stride = stride ? (size_t)jnum(stride) : component_size(a->component_type) * (size_t)a->ncomp;
    a->bytes = view_bytes(g, view, &a->len);
    assert_true(a->count > 0);
    assert_true((size_t)(a->count - 1) * a->stride + component_size(a->component_type) * (size_t)a->ncomp <=
                a->len);
}

/* Component k of element i as stored (integers as integers). */
static double acc_raw(const struct acc *a, uint32_t i, int k)
{
    const unsigned char *p = a->bytes + (size_t)i * a->stride + (size_t)k * component_size(a->component_type);
    switch (a->component_type) {
    case 5120: return (int8_t)p[0];
    case 5121: return p[0];
    case 5122: { int16_t v; memcpy(&v, p, 2); return v; }
    case 5123: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 5125: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { float v; memcpy(&v, p, 4); return v; }
    }
}

/* Component k of element i as a client uses it (normalised integers as in glTF 2.0 3.11). */
static double acc_value(const struct acc *a, uint32_t i, int k)
{
    double v = acc_raw(a, i, k);
    if (!a->normalized)
        return v;
    assert_true(a->component_type == 5120 || a->component_type == 5122);
    return fmax(v / (a->component_type == 5120 ? 127.0 : 32767.0), -1.0);
}

static void acc_close(struct acc *a)
{
    free(a->bytes);
}

/* ---- meshes and tables made by hand --------------------------------------------------------- */

/* An ECEF point in Vaduz, Liechtenstein, as the tile origin. */
static const double vaduz_origin[3] = {4240000.0, 700000.0, 4700000.0};

static void mesh_start(struct mesh *m, const double origin[3])
{
    memset(m, 0, sizeof *m);
    memcpy(m->origin, origin, sizeof m->origin);
    buf_init(&m->positions, 0);
    buf_init(&m->normals, 0);
    buf_init(&m->feature_ids, 0);
    buf_init(&m->indices, 0);
}

static void mesh_end(struct mesh *m)
{
    buf_cleanup(&m->positions);
    buf_cleanup(&m->normals);
    buf_cleanup(&m->feature_ids);
    buf_cleanup(&m->indices);
}

static void mesh_vertex(struct mesh *m, const double p[3], const double n[3], uint32_t feature)
{
    float fp[3] = {(float)p[0], (float)p[1], (float)p[2]}, fn[3] = {(float)n[0], (float)n[1], (float)n[2]};
    float id = (float)feature;
    assert_true(buf_append(&m->positions, fp, sizeof fp));
    assert_true(buf_append(&m->normals, fn, sizeof fn));
    assert_true(buf_append(&m->feature_ids, &id, sizeof id));
    m->vertex_count++;
}

static void mesh_triangle(struct mesh *m, uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t t[3] = {a, b, c};
    assert_true(buf_append(&m->indices, t, sizeof t));
    m->index_count += 3;
}

/* A quad a-b-c-d, counter-clockwise seen from the side `n` points to. */
static void mesh_quad(struct mesh *m, const double q[4][3], const double n[3], uint32_t feature)
{
    uint32_t first = m->vertex_count;
    for (int i = 0; i < 4; i++)
        mesh_vertex(m, q[i], n, feature);
    mesh_triangle(m, first, first + 1, first + 2);
    mesh_triangle(m, first, first + 2, first + 3);
}

/* A box along the axes of `frame` (three unit columns: east, north, up in ECEF, or the ECEF
 * axes themselves), centred at `c` (local metres) with half sizes h: 24 vertices, 12
 * triangles, each face CCW from outside. */
static void mesh_box(struct mesh *m, const double frame[3][3], const double c[3], const double h[3],
                     uint32_t feature)
{
    /* Per face: the axis of its normal, the sign, then two axes u, v with u x v = normal. */
    static const int faces[6][4] = {{0, 1, 1, 2}, {0, -1, 2, 1}, {1, 1, 2, 0},
                                    {1, -1, 0, 2}, {2, 1, 0, 1}, {2, -1, 1, 0}};
    static const int corners[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
    for (int f = 0; f < 6; f++) {
        int a = faces[f][0], s = faces[f][1], u = faces[f][2], v = faces[f][3];
        double quad[4][3], n[3];
        for (int k = 0; k < 3; k++)
            n[k] = s * frame[k][a];
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 3; k++)
                quad[i][k] = c[k] + frame[k][a] * s * h[a] + frame[k][u] * corners[i][0] * h[u] +
                             frame[k][v] * corners[i][1] * h[v];
        mesh_quad(m, quad, n, feature);
    }
}

static const double ecef_axes[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};

/* The unit cube of the brief: 24 vertices, 12 triangles, features 0 and 1 (half each). */
static void make_cube(struct mesh *m)
{
    mesh_start(m, vaduz_origin);
    static const double c[3] = {10, -20, 5}, h[3] = {0.5, 0.5, 0.5};
    mesh_box(m, ecef_axes, c, h, 0);
    float ids[24];
    for (int i = 0; i < 24; i++)
        ids[i] = i < 12 ? 0.0f : 1.0f;
    memcpy(m->feature_ids.data, ids, sizeof ids);
}

/* A pyramid roof on a 10 m x 10 m box top centred at `top` (local metres, axes of
 * `frame`): four sloped triangles up to an apex 4 m higher, for feature `feature`. */
static void mesh_pyramid_roof(struct mesh *m, const double frame[3][3], const double top[3], uint32_t feature)
{
    static const int corners[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
    double base[4][3], apex[3];
    for (int k = 0; k < 3; k++) {
        apex[k] = top[k] + frame[k][2] * 4;
        for (int i = 0; i < 4; i++)
            base[i][k] = top[k] + frame[k][0] * 5 * corners[i][0] + frame[k][1] * 5 * corners[i][1];
    }
    for (int i = 0; i < 4; i++) {
        const double *p0 = base[i], *p1 = base[(i + 1) % 4];
        double e1[3], e2[3], n[3];
        for (int k = 0; k < 3; k++) {
            e1[k] = p1[k] - p0[k];
            e2[k] = apex[k] - p0[k];
        }
        n[0] = e1[1] * e2[2] - e1[2] * e2[1];
        n[1] = e1[2] * e2[0] - e1[0] * e2[2];
        n[2] = e1[0] * e2[1] - e1[1] * e2[0];
        double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        for (int k = 0; k < 3; k++)
            n[k] /= len;
        uint32_t first = m->vertex_count;
        mesh_vertex(m, p0, n, feature);
        mesh_vertex(m, p1, n, feature);
        mesh_vertex(m, apex, n, feature);
        mesh_triangle(m, first, first + 1, first + 2);
    }
}

/* Two buildings standing in the local tangent frame at Vaduz (so every normal is oblique
 * to the ECEF axes), the second with a pyramid roof: features 0, 1, 2. */
static void make_buildings(struct mesh *m)
{
    const double lon = 9.5209 * M_PI / 180, lat = 47.1410 * M_PI / 180;
    const double enu[3][3] = {{-sin(lon), -sin(lat) * cos(lon), cos(lat) * cos(lon)},
                              {cos(lon), -sin(lat) * sin(lon), cos(lat) * sin(lon)},
                              {0, cos(lat), sin(lat)}};
    static const double h1[3] = {6, 4, 9}, h2[3] = {5, 5, 3.5};
    double a[3], b[3], top[3];
    for (int k = 0; k < 3; k++) {
        a[k] = enu[k][0] * 30 + enu[k][1] * -12 + enu[k][2] * 5;
        b[k] = enu[k][0] * -25 + enu[k][1] * 40 + enu[k][2] * 3.5;
        top[k] = b[k] + enu[k][2] * h2[2];
    }
    mesh_start(m, vaduz_origin);
    mesh_box(m, enu, a, h1, 0);
    mesh_box(m, enu, b, h2, 1);
    mesh_pyramid_roof(m, enu, top, 2);
}

/* More vertices than UNSIGNED_SHORT indices reach: 21846 separate triangles (65538
 * vertices) on a 1 m grid, features 0..2. */
static void make_large(struct mesh *m)
{
    static const double up[3] = {0, 0, 1};
    mesh_start(m, vaduz_origin);
    for (uint32_t t = 0; t < 21846; t++) {
        double x = (double)(t % 150) - 75, y = (double)(t / 150) - 70;
        double p[3][3] = {{x, y, 0.25}, {x + 1, y, 0.25}, {x, y + 1, 0.25}};
        uint32_t first = m->vertex_count;
        for (int i = 0; i < 3; i++)
            mesh_vertex(m, p[i], up, t % 3);
        mesh_triangle(m, first, first + 1, first + 2);
    }
    assert_true(m->vertex_count > 65535);
}

/* 1000 triangles whose vertices carry pseudo-random unit normals (the writer does not
 * relate normals to faces): plain rounding to bytes would leave some of them further from
 * unit length than the validator accepts. Features 0..2. */
static void make_random_normals(struct mesh *m)
{
    uint64_t seed = 0x9E3779B97F4A7C15u;
    mesh_start(m, vaduz_origin);
    for (uint32_t t = 0; t < 1000; t++) {
        uint32_t first = m->vertex_count;
        for (int i = 0; i < 3; i++) {
            double p[3] = {(double)(t % 40), (double)(t / 40) + (i == 1), (double)(i == 2)}, n[3], len = 0;
            do {
                len = 0;
                for (int k = 0; k < 3; k++) {
                    seed = seed * 6364136223846793005u + 1442695040888963407u;
                    n[k] = (double)(seed >> 11) / (double)(1ull << 53) * 2 - 1;
                    len += n[k] * n[k];
                }
            } while (len < 0.01 || len > 1);
            for (int k = 0; k < 3; k++)
                n[k] /= sqrt(len);
            mesh_vertex(m, p, n, t % 3);
        }
        mesh_triangle(m, first, first + 1, first + 2);
    }
}

#define NFEATURES 3

static const int64_t ids[NFEATURES] = {1234567890123LL, -5, 9007199254740993LL}; /* 2^53 + 1 */
static const int32_t floors[NFEATURES] = {3, -1, 12};
static float heights[NFEATURES] = {10.5f, 0.0f /* NaN, set by make_table */, 33.25f};
static const char *const names[NFEATURES] = {"Rathaus Vaduz", NULL, "Schloss Vaduz \xe2\x80\x93 F\xc3\xbcrstenhaus"};
static const char *const notes[NFEATURES] = {NULL, NULL, NULL};

static struct gltf_property properties[5];

/* Three features with five properties: an INT64 id, INT32 floors (noData -1), FLOAT32
 * heights (noData -9999, one NaN), names (one NULL) and notes (all NULL). */
static struct gltf_feature_table make_table(void)
{
    heights[1] = NAN;
    memset(properties, 0, sizeof properties);
    properties[0] = (struct gltf_property){.name = "id", .type = GLTF_PROPERTY_INT64, .values.i64 = ids,
                                           .description = "identifier in the source"};
    properties[1] = (struct gltf_property){.name = "floors", .type = GLTF_PROPERTY_INT32, .values.i32 = floors,
                                           .has_no_data = true, .no_data = -1};
    properties[2] = (struct gltf_property){.name = "height_m", .type = GLTF_PROPERTY_FLOAT32,
                                           .values.f32 = heights, .has_no_data = true, .no_data = -9999};
    properties[3] = (struct gltf_property){.name = "name", .type = GLTF_PROPERTY_STRING, .values.str = names};
    properties[4] = (struct gltf_property){.name = "_note", .type = GLTF_PROPERTY_STRING, .values.str = notes};
    return (struct gltf_feature_table){.class_name = "building", .count = NFEATURES, .properties = properties,
                                       .nproperties = 5};
}

/* ---- checks on a written GLB ------------------------------------------------------------------ */

static void read_vec3(const struct buf *b, uint32_t i, float v[3])
{
    memcpy(v, b->data + (size_t)i * 12, 12);
}

/* asset, scene, node, mesh, material, extension lists. */
static void check_structure(const struct glb *g, const struct gltf_options *o, const float color[4])
{
    const struct jv *r = &g->root, *asset = jmust(r, "asset");
    assert_string_equal(jstr(jmust(asset, "version")), "2.0");
    assert_string_equal(jstr(jmust(asset, "generator")), "jumeau");
    assert_int_equal(jnum(jmust(r, "scene")), 0);
    assert_int_equal(jnum(jat(jmust(jat(jmust(r, "scenes"), 0), "nodes"), 0)), 0);
    const struct jv *prim = jat(jmust(jat(jmust(r, "meshes"), 0), "primitives"), 0);
    assert_int_equal(jnum(jmust(prim, "mode")), 4);
    assert_int_equal(jnum(jmust(prim, "material")), 0);
    const struct jv *fid = jat(jmust(jmust(jmust(prim, "extensions"), "EXT_mesh_features"), "featureIds"), 0);
    assert_int_equal(jnum(jmust(fid, "featureCount")), NFEATURES);
    assert_int_equal(jnum(jmust(fid, "attribute")), 0);
    assert_int_equal(jnum(jmust(fid, "propertyTable")), 0);
    const struct jv *pbr = jmust(jat(jmust(r, "materials"), 0), "pbrMetallicRoughness");
    for (int k = 0; k < 4; k++)
        assert_true(fabs(jnum(jat(jmust(pbr, "baseColorFactor"), k)) - color[k]) < 1e-6);
    assert_int_equal(jnum(jmust(pbr, "metallicFactor")), 0);
    assert_int_equal(jnum(jmust(pbr, "roughnessFactor")), 1);

    const struct jv *used = jmust(r, "extensionsUsed"), *required = jget(r, "extensionsRequired");
    assert_true(jarray_has_string(used, "EXT_mesh_features"));
    assert_true(jarray_has_string(used, "EXT_structural_metadata"));
    assert_int_equal(used->n, 2 + o->quantize + o->meshopt);
    assert_int_equal(required ? required->n : 0, o->quantize + o->meshopt);
    assert_int_equal(jarray_has_string(used, "KHR_mesh_quantization"), o->quantize);
    assert_int_equal(jarray_has_string(required, "KHR_mesh_quantization"), o->quantize);
    assert_int_equal(jarray_has_string(used, "EXT_meshopt_compression"), o->meshopt);
    assert_int_equal(jarray_has_string(required, "EXT_meshopt_compression"), o->meshopt);
    assert_int_equal(jmust(r, "buffers")->n, o->meshopt ? 2 : 1);
    assert_int_equal(jnum(jmust(jat(jmust(r, "buffers"), 0), "byteLength")), g->bin_len);
}

/* The formats of the four accessors and the targets and strides of their views. */
static void check_accessor_formats(const struct glb *g, const struct mesh *m, const struct gltf_options *o)
{
    static const char *const semantic[3] = {"POSITION", "NORMAL", "_FEATURE_ID_0"};
    const struct jv *prim = jat(jmust(jat(jmust(&g->root, "meshes"), 0), "primitives"), 0);
    int want_type[4] = {o->quantize ? 5122 : 5126, o->quantize ? 5120 : 5126, 5126,
                        m->vertex_count > 65535 ? 5125 : 5123};
    for (int i = 0; i < 4; i++) {
        int index = i < 3 ? (int)jnum(jmust(jmust(prim, "attributes"), semantic[i])) : (int)jnum(jmust(prim, "indices"));
        const struct jv *a = jat(jmust(&g->root, "accessors"), index);
        assert_int_equal(jnum(jmust(a, "componentType")), want_type[i]);
        assert_int_equal(jnum(jmust(a, "count")), i < 3 ? m->vertex_count : m->index_count);
        const struct jv *view = buffer_view(g, (int)jnum(jmust(a, "bufferView")));
        assert_int_equal(jnum(jmust(view, "target")), i < 3 ? 34962 : 34963);
        const struct jv *stride = jget(view, "byteStride");
        if (i == 3)
            assert_null(stride);
        else
            assert_int_equal((int)jnum(stride) % 4, 0);
    }
}

/* The node's translation and (uniform) scale. */
static void node_transform(const struct glb *g, double t[3], double *s)
{
    const struct jv *node = jat(jmust(&g->root, "nodes"), 0);
    for (int k = 0; k < 3; k++)
        t[k] = jnum(jat(jmust(node, "translation"), k));
    const struct jv *scale = jget(node, "scale");
    *s = scale ? jnum(jat(scale, 0)) : 1.0;
    if (scale) {
        assert_true(jnum(jat(scale, 1)) == *s && jnum(jat(scale, 2)) == *s);
    }
}

/* POSITION: min/max equal to the stored values, and positions, back in the mesh's frame,
 * equal to the input within `tol` metres. */
static void check_positions(const struct glb *g, const struct mesh *m, int accessor, double tol)
{
    struct acc a;
    double t[3], s, lo[3], hi[3];
    const double oy[3] = {m->origin[0], m->origin[2], -m->origin[1]};
    acc_open(g, accessor, &a);
    node_transform(g, t, &s);
    assert_int_equal(a.count, m->vertex_count);
    for (uint32_t i = 0; i < a.count; i++) {
        float in[3];
        double y[3];
        read_vec3(&m->positions, i, in);
        for (int k = 0; k < 3; k++) {
            double raw = acc_raw(&a, i, k);
            lo[k] = i == 0 || raw < lo[k] ? raw : lo[k];
            hi[k] = i == 0 || raw > hi[k] ? raw : hi[k];
            y[k] = (t[k] - oy[k]) + s * acc_value(&a, i, k);
        }
        double back[3] = {y[0], -y[2], y[1]}; /* y-up to z-up */
        for (int k = 0; k < 3; k++)
            if (fabs(back[k] - in[k]) > tol)
                fail_msg("vertex %u axis %d: %.9f read back, %.9f written (tolerance %g)", i, k, back[k],
                         (double)in[k], tol);
    }
    for (int k = 0; k < 3; k++) {
        assert_true(jnum(jat(jmust(a.json, "min"), k)) == lo[k]);
        assert_true(jnum(jat(jmust(a.json, "max"), k)) == hi[k]);
    }
    acc_close(&a);
}

/* NORMAL: unit length within `length_tol` (the writer keeps quantised normals within 0.005,
 * under the validator's 0.00674), and equal to the input within `tol`. */
static void check_normals(const struct glb *g, const struct mesh *m, int accessor, double tol, double length_tol)
{
    struct acc a;
    acc_open(g, accessor, &a);
    for (uint32_t i = 0; i < a.count; i++) {
        float in[3];
        double y[3], len = 0;
        read_vec3(&m->normals, i, in);
        for (int k = 0; k < 3; k++) {
            y[k] = acc_value(&a, i, k);
            len += y[k] * y[k];
        }
        if (fabs(sqrt(len) - 1.0) > length_tol)
            fail_msg("normal %u has length %.6f", i, sqrt(len));
        double back[3] = {y[0], -y[2], y[1]};
        for (int k = 0; k < 3; k++)
            if (fabs(back[k] - in[k]) > tol)
                fail_msg("normal %u axis %d: %.7f read back, %.7f written", i, k, back[k], (double)in[k]);
    }
    acc_close(&a);
}

static void check_feature_ids(const struct glb *g, const struct mesh *m, int accessor)
{
    struct acc a;
    acc_open(g, accessor, &a);
    for (uint32_t i = 0; i < a.count; i++) {
        float in;
        memcpy(&in, m->feature_ids.data + (size_t)i * 4, 4);
        assert_true(acc_value(&a, i, 0) == in);
    }
    acc_close(&a);
}

/* Each triangle as written, or turned (meshopt may start a triangle at another corner). */
static void check_indices(const struct glb *g, const struct mesh *m, int accessor)
{
    struct acc a;
    acc_open(g, accessor, &a);
    assert_int_equal(a.count, m->index_count);
    for (uint32_t t = 0; t < a.count; t += 3) {
        uint32_t in[3], got[3];
        memcpy(in, m->indices.data + (size_t)t * 4, sizeof in);
        for (int k = 0; k < 3; k++)
            got[k] = (uint32_t)acc_raw(&a, t + (uint32_t)k, 0);
        bool same = false;
        for (int r = 0; r < 3; r++)
            same = same || (got[0] == in[r] && got[1] == in[(r + 1) % 3] && got[2] == in[(r + 2) % 3]);
        if (!same)
            fail_msg("triangle %u: %u %u %u read back, %u %u %u written", t / 3, got[0], got[1], got[2], in[0],
                     in[1], in[2]);
    }
    acc_close(&a);
}

static void check_geometry(const struct glb *g, const struct mesh *m, const struct gltf_options *o)
{
    const struct jv *prim = jat(jmust(jat(jmust(&g->root, "meshes"), 0), "primitives"), 0);
    const struct jv *attrs = jmust(prim, "attributes");
    double t[3], s;
    node_transform(g, t, &s);
    double step = o->quantize ? s / 32767.0 : 0.0;
    check_positions(g, m, (int)jnum(jmust(attrs, "POSITION")), o->quantize ? step / 2 + 1e-9 : 1e-6);
    check_normals(g, m, (int)jnum(jmust(attrs, "NORMAL")), o->quantize ? 2.0 / 127 : 1e-6,
                  o->quantize ? 0.005 + 1e-9 : 1e-6);
    check_feature_ids(g, m, (int)jnum(jmust(attrs, "_FEATURE_ID_0")));
    check_indices(g, m, (int)jnum(jmust(prim, "indices")));
}

/* A property's class entry and its column in the table (NULL when left out). */
static const struct jv *class_property(const struct glb *g, const char *name)
{
    const struct jv *meta = jmust(jmust(&g->root, "extensions"), "EXT_structural_metadata");
    const struct jv *schema = jmust(meta, "schema");
    assert_string_equal(jstr(jmust(schema, "id")), "jumeau");
    return jmust(jmust(jmust(jmust(schema, "classes"), "building"), "properties"), name);
}

static const struct jv *table_column(const struct glb *g, const char *name)
{
    const struct jv *meta = jmust(jmust(&g->root, "extensions"), "EXT_structural_metadata");
    const struct jv *table = jat(jmust(meta, "propertyTables"), 0);
    assert_string_equal(jstr(jmust(table, "class")), "building");
    assert_int_equal(jnum(jmust(table, "count")), NFEATURES);
    return jget(jmust(table, "properties"), name);
}

/* A property table view: in the BIN chunk, never compressed, not GPU data. */
static unsigned char *column_bytes(const struct glb *g, const struct jv *column, const char *key, size_t *len)
{
    int index = (int)jnum(jmust(column, key));
    const struct jv *view = buffer_view(g, index);
    assert_null(jget(view, "extensions"));
    assert_null(jget(view, "target"));
    assert_null(jget(view, "byteStride"));
    return view_bytes(g, index, len);
}

static void check_number_columns(const struct glb *g)
{
    size_t len;
    const struct jv *p = class_property(g, "id");
    assert_string_equal(jstr(jmust(p, "type")), "SCALAR");
    assert_string_equal(jstr(jmust(p, "componentType")), "INT64");
    assert_string_equal(jstr(jmust(p, "description")), "identifier in the source");
    assert_null(jget(p, "noData"));
    unsigned char *b = column_bytes(g, table_column(g, "id"), "values", &len);
    assert_int_equal(len, sizeof ids);
    assert_memory_equal(b, ids, sizeof ids);
    free(b);

    p = class_property(g, "floors");
    assert_string_equal(jstr(jmust(p, "componentType")), "INT32");
    assert_int_equal(jnum(jmust(p, "noData")), -1);
    b = column_bytes(g, table_column(g, "floors"), "values", &len);
    assert_int_equal(len, sizeof floors);
    assert_memory_equal(b, floors, sizeof floors);
    free(b);

    p = class_property(g, "height_m");
    assert_string_equal(jstr(jmust(p, "componentType")), "FLOAT32");
    assert_int_equal(jnum(jmust(p, "noData")), -9999);
    b = column_bytes(g, table_column(g, "height_m"), "values", &len);
    const float want[NFEATURES] = {10.5f, -9999.0f, 33.25f}; /* NaN became noData */
    assert_int_equal(len, sizeof want);
    assert_memory_equal(b, want, sizeof want);
    free(b);
}

static void check_string_columns(const struct glb *g)
{
    size_t len, olen;
    const struct jv *p = class_property(g, "name"), *col = table_column(g, "name");
    assert_string_equal(jstr(jmust(p, "type")), "STRING");
    assert_null(jget(p, "componentType"));
    assert_string_equal(jstr(jmust(p, "noData")), ""); /* one NULL name */
    assert_string_equal(jstr(jmust(col, "stringOffsetType")), "UINT32");
    unsigned char *values = column_bytes(g, col, "values", &len);
    unsigned char *offsets = column_bytes(g, col, "stringOffsets", &olen);
    assert_int_equal(olen, (NFEATURES + 1) * 4);
    assert_int_equal(u32_at(offsets + NFEATURES * 4), len);
    for (int r = 0; r < NFEATURES; r++) {
        uint32_t a = u32_at(offsets + r * 4), b = u32_at(offsets + r * 4 + 4);
        const char *want = names[r] ? names[r] : "";
        assert_true(a <= b && b <= len);
        assert_int_equal(b - a, strlen(want));
        assert_memory_equal(values + a, want, b - a);
    }
    free(values);
    free(offsets);
    /* All NULL: no bytes to store, so the column is left out, and noData "" declared. */
    assert_string_equal(jstr(jmust(class_property(g, "_note"), "noData")), "");
    assert_null(table_column(g, "_note"));
}

/* Every buffer view starts on 8 bytes and fits its buffer. */
static void check_view_alignment(const struct glb *g)
{
    const struct jv *views = jmust(&g->root, "bufferViews"), *buffers = jmust(&g->root, "buffers");
    for (int i = 0; i < views->n; i++) {
        const struct jv *v = &views->items[i];
        double off = jnum(jmust(v, "byteOffset")), len = jnum(jmust(v, "byteLength"));
        assert_true(len >= 1);
        assert_int_equal((long)off % 8, 0);
        assert_true(off + len <= jnum(jmust(jat(buffers, (int)jnum(jmust(v, "buffer"))), "byteLength")));
    }
}

static void save_glb(const char *name, const struct buf *out, size_t start)
{
    const char *dir = getenv("GLTF_OUT_DIR");
    if (!dir || !*dir)
        return;
    char path[4096];
    assert_true(snprintf(path, sizeof path, "%s/%s.glb", dir, name) < (int)sizeof path);
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    assert_int_equal(fwrite(out->data + start, 1, out->len - start, f), out->len - start);
    assert_int_equal(fclose(f), 0);
}

static const struct gltf_options variants[4] = {
    {.quantize = false, .meshopt = false},
    {.quantize = true, .meshopt = false},
    {.quantize = false, .meshopt = true},
    {.quantize = true, .meshopt = true},
};
static const char *const variant_names[4] = {"plain", "quantized", "meshopt", "quantized_meshopt"};

/* Writes `m` with each option combination, checks everything, and saves the GLBs. */
static void write_and_check_variants(const struct mesh *m, const char *name)
{
    static const float grey[4] = {0.8f, 0.8f, 0.8f, 1.0f};
    struct gltf_feature_table table = make_table();
    for (int v = 0; v < 4; v++) {
        struct buf out;
        struct err e = {0};
        struct glb g;
        buf_init(&out, 0);
        enum jm_status st = gltf_write_glb(m, &table, &variants[v], &out, &e);
        if (st != JM_OK)
            fail_msg("%s %s: %s", name, variant_names[v], e.msg);
        glb_open(&g, (const unsigned char *)out.data, out.len);
        check_structure(&g, &variants[v], grey);
        check_accessor_formats(&g, m, &variants[v]);
        check_geometry(&g, m, &variants[v]);
        check_number_columns(&g);
        check_string_columns(&g);
        check_view_alignment(&g);
        char file[256];
        snprintf(file, sizeof file, "%s_%s", name, variant_names[v]);
        save_glb(file, &out, 0);
        glb_close(&g);
        buf_cleanup(&out);
    }
}

/* ---- tests ------------------------------------------------------------------------------------- */

static void test_cube_variants(void **state)
{
    (void)state;
    struct mesh m;
    make_cube(&m);
    assert_int_equal(m.vertex_count, 24);
    assert_int_equal(m.index_count, 36);
    write_and_check_variants(&m, "cube");
    mesh_end(&m);
}

static void test_oblique_buildings_variants(void **state)
{
    (void)state;
    struct mesh m;
    make_buildings(&m);
    write_and_check_variants(&m, "buildings");
    mesh_end(&m);
}

static void test_random_normals_variants(void **state)
{
    (void)state;
    struct mesh m;
    make_random_normals(&m);
    write_and_check_variants(&m, "normals");
    mesh_end(&m);
}

static void test_large_mesh_uses_uint32_indices(void **state)
{
    (void)state;
    struct mesh m;
    make_large(&m);
    write_and_check_variants(&m, "large");
    mesh_end(&m);
}

/* The node translation is the origin turned y-up: (X, Z, -Y); unquantised, no scale. */
static void test_node_translation_is_origin_y_up(void **state)
{
    (void)state;
    struct mesh m;
    struct buf out;
    struct glb g;
    make_cube(&m);
    struct gltf_feature_table table = make_table();
    buf_init(&out, 0);
    assert_int_equal(gltf_write_glb(&m, &table, NULL, &out, NULL), JM_OK);
    glb_open(&g, (const unsigned char *)out.data, out.len);
    const struct jv *node = jat(jmust(&g.root, "nodes"), 0);
    assert_true(jnum(jat(jmust(node, "translation"), 0)) == 4240000.0);
    assert_true(jnum(jat(jmust(node, "translation"), 1)) == 4700000.0);
    assert_true(jnum(jat(jmust(node, "translation"), 2)) == -700000.0);
    assert_null(jget(node, "scale"));
    assert_int_equal(jnum(jmust(node, "mesh")), 0);
    glb_close(&g);
    buf_cleanup(&out);
    mesh_end(&m);
}

/* A GLB appended after other bytes keeps them, and is aligned from its own start. */
static void test_appends_after_existing_bytes(void **state)
{
    (void)state;
    struct mesh m;
    struct buf out;
    struct glb g;
    static const float red[4] = {1.0f, 0.0f, 0.0f, 0.5f};
    struct gltf_options o = {.base_color = {1.0f, 0.0f, 0.0f, 0.5f}};
    make_cube(&m);
    struct gltf_feature_table table = make_table();
    buf_init(&out, 0);
    assert_true(buf_puts(&out, "PREFIX!"));
    assert_int_equal(gltf_write_glb(&m, &table, &o, &out, NULL), JM_OK);
    assert_memory_equal(out.data, "PREFIX!", 7);
    glb_open(&g, (const unsigned char *)out.data + 7, out.len - 7);
    check_structure(&g, &o, red);
    check_geometry(&g, &m, &o);
    glb_close(&g);
    buf_cleanup(&out);
    mesh_end(&m);
}

/* Past the cap: JM_ELIMIT, `out` as before; at exactly the size needed: written. */
static void test_output_cap(void **state)
{
    (void)state;
    struct mesh m;
    struct buf out;
    make_cube(&m);
    struct gltf_feature_table table = make_table();
    for (int v = 0; v < 4; v++) {
        buf_init(&out, 0);
        assert_int_equal(gltf_write_glb(&m, &table, &variants[v], &out, NULL), JM_OK);
        size_t need = out.len;
        buf_cleanup(&out);

        struct err e = {0};
        buf_init(&out, 5 + need - 1);
        assert_true(buf_puts(&out, "head:"));
        assert_int_equal(gltf_write_glb(&m, &table, &variants[v], &out, &e), JM_ELIMIT);
        assert_int_equal(out.len, 5);
        assert_string_equal(buf_str(&out), "head:");
        assert_non_null(strstr(e.msg, "cap"));
        buf_cleanup(&out);

        buf_init(&out, 5 + need);
        assert_true(buf_puts(&out, "head:"));
        assert_int_equal(gltf_write_glb(&m, &table, &variants[v], &out, NULL), JM_OK);
        assert_int_equal(out.len, 5 + need);
        buf_cleanup(&out);
    }
    buf_init(&out, 64); /* far too small: refused before any work */
    assert_int_equal(gltf_write_glb(&m, &table, NULL, &out, NULL), JM_ELIMIT);
    assert_int_equal(out.len, 0);
    buf_cleanup(&out);
    mesh_end(&m);
}

/* Writes and expects `want`, with `out` left as it was ("x") and a message naming `word`. */
static void expect_refused(const struct mesh *m, const struct gltf_feature_table *t, const struct gltf_options *o,
                           enum jm_status want, const char *word)
{
    struct buf out;
    struct err e = {0};
    buf_init(&out, 0);
    assert_true(buf_putc(&out, 'x'));
    assert_int_equal(gltf_write_glb(m, t, o, &out, &e), want);
    assert_int_equal(e.code, want);
    if (!strstr(e.msg, word))
        fail_msg("message \"%s\" does not name \"%s\"", e.msg, word);
    assert_int_equal(out.len, 1);
    assert_string_equal(buf_str(&out), "x");
    buf_cleanup(&out);
}

static void test_empty_mesh(void **state)
{
    (void)state;
    struct mesh m;
    mesh_start(&m, vaduz_origin);
    struct gltf_feature_table table = make_table();
    expect_refused(&m, &table, NULL, JM_EINPUT, "empty");
    mesh_end(&m);
}

static void set_feature_id(struct mesh *m, uint32_t vertex, float id)
{
    memcpy(m->feature_ids.data + (size_t)vertex * 4, &id, 4);
}

static void test_bad_feature_ids(void **state)
{
    (void)state;
    static const float bad[] = {3.0f, -1.0f, 0.5f, NAN};
    struct mesh m;
    struct gltf_feature_table table = make_table();
    make_cube(&m);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        set_feature_id(&m, 7, bad[i]);
        expect_refused(&m, &table, NULL, JM_EINPUT, "feature id");
    }
    set_feature_id(&m, 7, 2.0f); /* the last row is fine */
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(gltf_write_glb(&m, &table, NULL, &out, NULL), JM_OK);
    buf_cleanup(&out);
    mesh_end(&m);
}

static void test_bad_mesh(void **state)
{
    (void)state;
    struct mesh m;
    struct gltf_feature_table table = make_table();
    make_cube(&m);
    uint32_t past = 24;
    memcpy(m.indices.data + 5 * 4, &past, 4);
    expect_refused(&m, &table, NULL, JM_EINPUT, "index 5");
    mesh_end(&m);

    make_cube(&m);
    m.index_count--; /* not whole triangles */
    expect_refused(&m, &table, NULL, JM_EINPUT, "triangles");
    m.index_count++;
    m.vertex_count++; /* counts disagree with the buffers */
    expect_refused(&m, &table, NULL, JM_EINPUT, "buffers");
    m.vertex_count--;
    float inf = INFINITY;
    memcpy(m.positions.data + 4, &inf, 4);
    expect_refused(&m, &table, NULL, JM_EINPUT, "non-finite");
    mesh_end(&m);
}

static void test_bad_names(void **state)
{
    (void)state;
    static const char *const bad[] = {"floor-count", "9lives", "", "na me", "h\xc3\xb6he"};
    struct mesh m;
    make_cube(&m);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct gltf_feature_table table = make_table();
        properties[1].name = bad[i];
        expect_refused(&m, &table, NULL, JM_EINPUT, "identifier");
        table = make_table();
        table.class_name = bad[i];
        expect_refused(&m, &table, NULL, JM_EINPUT, "identifier");
    }
    struct gltf_feature_table table = make_table();
    properties[1].name = NULL;
    expect_refused(&m, &table, NULL, JM_EINPUT, "identifier");
    table = make_table();
    properties[3].name = "id";
    expect_refused(&m, &table, NULL, JM_EINPUT, "twice");
    table = make_table();
    table.class_name = NULL;
    expect_refused(&m, &table, NULL, JM_EINPUT, "identifier");
    expect_refused(&m, NULL, NULL, JM_EINPUT, "table");
    mesh_end(&m);
}

static void test_bad_values(void **state)
{
    (void)state;
    struct mesh m;
    make_cube(&m);
    struct gltf_feature_table table = make_table();
    properties[2].has_no_data = false; /* then the NaN height has nothing to become */
    expect_refused(&m, &table, NULL, JM_EINPUT, "height_m");

    static const char *const bad_utf8[NFEATURES] = {"ok", "caf\xe9", NULL};
    table = make_table();
    properties[3].values.str = bad_utf8;
    expect_refused(&m, &table, NULL, JM_EINPUT, "UTF-8");

    table = make_table();
    properties[1].no_data = 0.5; /* not an INT32 */
    expect_refused(&m, &table, NULL, JM_EINPUT, "noData");
    table = make_table();
    properties[0].has_no_data = true;
    properties[0].no_data = 1e19; /* past INT64 */
    expect_refused(&m, &table, NULL, JM_EINPUT, "noData");
    table = make_table();
    properties[0].values.i64 = NULL;
    expect_refused(&m, &table, NULL, JM_EINPUT, "no values");
    table = make_table();
    table.count = 0;
    expect_refused(&m, &table, NULL, JM_EINPUT, "empty");

    struct gltf_options o = {.base_color = {0.5f, 1.5f, 0.0f, 1.0f}};
    table = make_table();
    expect_refused(&m, &table, &o, JM_EINPUT, "colour");
    mesh_end(&m);
}

/* A table without properties is still a table: class without "properties". */
static void test_table_without_properties(void **state)
{
    (void)state;
    struct mesh m;
    struct buf out;
    struct glb g;
    make_cube(&m);
    struct gltf_feature_table table = {.class_name = "building", .count = 2};
    buf_init(&out, 0);
    assert_int_equal(gltf_write_glb(&m, &table, &variants[3], &out, NULL), JM_OK);
    glb_open(&g, (const unsigned char *)out.data, out.len);
    const struct jv *meta = jmust(jmust(&g.root, "extensions"), "EXT_structural_metadata");
    assert_null(jget(jmust(jmust(jmust(meta, "schema"), "classes"), "building"), "properties"));
    assert_int_equal(jnum(jmust(jat(jmust(meta, "propertyTables"), 0), "count")), 2);
    check_geometry(&g, &m, &variants[3]);
    glb_close(&g);
    buf_cleanup(&out);
    mesh_end(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cube_variants),
        cmocka_unit_test(test_oblique_buildings_variants),
        cmocka_unit_test(test_random_normals_variants),
        cmocka_unit_test(test_large_mesh_uses_uint32_indices),
        cmocka_unit_test(test_node_translation_is_origin_y_up),
        cmocka_unit_test(test_appends_after_existing_bytes),
        cmocka_unit_test(test_output_cap),
        cmocka_unit_test(test_empty_mesh),
        cmocka_unit_test(test_bad_feature_ids),
        cmocka_unit_test(test_bad_mesh),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_table_without_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
