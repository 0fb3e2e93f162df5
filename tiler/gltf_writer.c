/* gltf_writer: one GLB per mesh (see gltf_writer.h).
 *
 * The GLB is made in four steps, and `out` is touched only by the last one, in a single
 * reservation, so that any failure leaves it as it was:
 *   1. check the mesh, the feature table and the options;
 *   2. lay the binary views out: the vertex and index streams (turned y-up, optionally
 *      quantised, optionally meshopt-encoded) and the property table columns, each view
 *      starting on an 8-byte boundary of the BIN chunk;
 *   3. write the JSON that describes them (json_writer);
 *   4. frame both chunks into `out`, the JSON chunk padded so that the BIN chunk, and so
 *      every buffer view, starts on an 8-byte boundary of the GLB (EXT_structural_metadata).
 *
 * Numbers are copied as they are in memory: glTF is little-endian, and so must the host be. */
#include "gltf_writer.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <meshoptimizer.h>

#include "json_writer.h"
#include "utf8.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gltf_writer copies numbers as they lie in memory, and GLB is little-endian"
#endif

/* ---- constants of the formats ------------------------------------------------------ */

enum gl_component_type {
    GL_BYTE = 5120,
    GL_SHORT = 5122,
    GL_UNSIGNED_SHORT = 5123,
    GL_UNSIGNED_INT = 5125,
    GL_FLOAT = 5126,
};

enum gl_target {
    GL_NO_TARGET = 0, /* property table columns: not GPU data */
    GL_ARRAY_BUFFER = 34962,
    GL_ELEMENT_ARRAY_BUFFER = 34963,
};

enum {
    GLTF_MODE_TRIANGLES = 4,
    GLB_VERSION = 2,
    GLB_HEADER_SIZE = 12,       /* magic, version, length */
    GLB_CHUNK_HEADER_SIZE = 8,  /* length, type */
    GLB_ALIGN = 8,              /* EXT_structural_metadata: chunks and views on 8 bytes */
    QUANT_POSITION_MAX = 32767, /* SHORT normalised: q / 32767 */
    QUANT_NORMAL_MAX = 127,     /* BYTE normalised: q / 127 */
    U16_MAX_VERTICES = 65535,   /* past it, UNSIGNED_INT indices (65535 is the restart value) */
};

#define GLB_MAGIC 0x46546C67u      /* "glTF" */
#define GLB_CHUNK_JSON 0x4E4F534Au /* "JSON" */
#define GLB_CHUNK_BIN 0x004E4942u  /* "BIN\0" */

/* The validator rejects normals whose length is off 1 by more than 0.00674 (a little more
 * than the worst error of 8-bit rounding); quantised normals stay within this. */
#define NORMAL_LENGTH_TOLERANCE 0.005

#define SCHEMA_ID "jumeau"
#define GENERATOR "jumeau"

static const float default_base_color[4] = {0.8f, 0.8f, 0.8f, 1.0f};

/* Per property type: its componentType in the schema and the bytes of one value. */
static const struct {
    const char *component_type; /* NULL for STRING */
    size_t size;
} property_types[] = {
    [GLTF_PROPERTY_INT64] = {"INT64", 8},
    [GLTF_PROPERTY_INT32] = {"INT32", 4},
    [GLTF_PROPERTY_FLOAT32] = {"FLOAT32", 4},
    [GLTF_PROPERTY_STRING] = {NULL, 0},
};

/* The four geometry views, in this order, each read by the accessor of the same index. */
/* VIEW_SEMANTIC (the optional _SEMANTIC attribute) comes last so that accessor i reads
 * view i whether the mesh has it or not. */
enum geometry_view { VIEW_POSITION, VIEW_NORMAL, VIEW_FEATURE_ID, VIEW_INDICES, VIEW_SEMANTIC, GEOMETRY_VIEWS };

/* ---- state of one write ---------------------------------------------------------- */

/* A buffer view. Without meshopt every view lies in buffer 0 (the BIN chunk). With meshopt
 * the geometry views lie in buffer 1, the fallback buffer, which holds no bytes: their data
 * is the `packed_*` range of the BIN chunk, decoded by the client. */
struct view {
    int buffer;
    size_t offset, length;
    unsigned stride;        /* byteStride to declare; 0 for index and property views */
    unsigned element_size;  /* bytes per element (the meshopt byteStride) */
    uint32_t count;         /* elements */
    enum gl_target target;
    bool packed;            /* EXT_meshopt_compression */
    const char *packed_mode; /* "ATTRIBUTES" or "TRIANGLES" */
    size_t packed_offset, packed_length;
};

/* Where a property's column went. */
struct column {
    int values_view, offsets_view; /* -1 when absent */
    bool has_null_string;          /* a NULL string, written as "", declares noData "" */
};

struct glb_ctx {
    const struct mesh *m;
    const struct gltf_feature_table *table;
    bool quantize, meshopt, wide_indices;
    float base_color[4];
    struct buf bin;             /* the BIN chunk being laid out */
    struct view *views;         /* ngeometry views, then the property columns */
    int nviews;
    int ngeometry;              /* GEOMETRY_VIEWS with _SEMANTIC, one less without */
    struct column *columns;     /* one per property */
    size_t fallback_length;     /* bytes the fallback buffer would hold (meshopt) */
    double translation[3];      /* node translation, y-up metres */
    double scale;               /* node scale (uniform; 1 unless quantised) */
    double center[3];           /* y-up centre of the positions, quantised frame */
    double pos_min[3], pos_max[3]; /* POSITION min/max in the accessor's component space */
    struct err *e;
};

/* ---- small helpers ------------------------------------------------------------------ */

static size_t align_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

/* The status of a refused append of `n` bytes to `b`: JM_ELIMIT when the cap refused it,
 * JM_EINTERNAL when memory did (buf sets `overflow` for both). */
static enum jm_status refused(const struct buf *b, size_t n, struct err *e)
{
    if (n > b->cap || b->len > b->cap - n)
        return err_set(e, JM_ELIMIT, "glTF: the BIN chunk passes the %zu bytes left under the output cap", b->cap);
    return err_set(e, JM_EINTERNAL, "glTF: out of memory");
}

/* Makes room for `n` zeroed bytes at the end of `b` and returns them in *dst; the caller
 * fills them and calls buf_commit(b, n). */
static enum jm_status grab(struct buf *b, size_t n, unsigned char **dst, struct err *e)
{
    char *p = buf_reserve(b, n);
    if (!p)
        return refused(b, n, e);
    memset(p, 0, n);
    *dst = (unsigned char *)p;
    return JM_OK;
}

static enum jm_status put(struct buf *b, const void *bytes, size_t n, struct err *e)
{
    return buf_append(b, bytes, n) ? JM_OK : refused(b, n, e);
}

/* Pads `b` with zeros to a multiple of GLB_ALIGN (its contents start the BIN chunk). */
static enum jm_status pad_bin(struct buf *b, struct err *e)
{
    static const unsigned char zeros[GLB_ALIGN];
    return put(b, zeros, align_up(b->len, GLB_ALIGN) - b->len, e);
}

static void read_vec3(const struct buf *b, uint32_t i, float v[3])
{
    memcpy(v, b->data + (size_t)i * 3 * sizeof(float), 3 * sizeof(float));
}

/* 3D Tiles' z-up axes to glTF's y-up: (x, y, z) -> (x, z, -y), a rotation (winding kept). */
static void to_y_up(const float in[3], float out[3])
{
    out[0] = in[0];
    out[1] = in[2];
    out[2] = -in[1];
}

static bool is_identifier(const char *s)
{
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* ---- step 1: checks ----------------------------------------------------------------- */

/* The mesh's buffers hold what its counts say; it is not empty and fits the index types. */
static enum jm_status check_mesh_sizes(const struct mesh *m, struct err *e)
{
    if (m->vertex_count == 0 || m->index_count == 0)
        return err_set(e, JM_EINPUT, "glTF: the mesh is empty (a tile with nothing has no content)");
    if (m->vertex_count > MESH_MAX_VERTICES)
        return err_set(e, JM_ELIMIT, "glTF: %u vertices, past the limit of %u", m->vertex_count,
                       MESH_MAX_VERTICES);
    if (m->index_count % 3 != 0)
        return err_set(e, JM_EINPUT, "glTF: %u indices do not make whole triangles", m->index_count);
    size_t vec3 = (size_t)m->vertex_count * 3 * sizeof(float);
    if (m->positions.len != vec3 || m->normals.len != vec3 ||
        m->feature_ids.len != (size_t)m->vertex_count * sizeof(float) ||
        m->indices.len != (size_t)m->index_count * sizeof(uint32_t) ||
        (m->semantics.len && m->semantics.len != (size_t)m->vertex_count * sizeof(float)))
        return err_set(e, JM_EINPUT, "glTF: the mesh buffers do not match its %u vertices and %u indices",
                       m->vertex_count, m->index_count);
    return JM_OK;
}

static enum jm_status check_mesh_indices(const struct mesh *m, struct err *e)
{
    for (uint32_t i = 0; i < m->index_count; i++) {
        uint32_t v;
        memcpy(&v, m->indices.data + (size_t)i * sizeof v, sizeof v);
        if (v >= m->vertex_count)
            return err_set(e, JM_EINPUT, "glTF: index %u is vertex %u, past the %u vertices", i, v,
                           m->vertex_count);
    }
    return JM_OK;
}

/* Positions and normals are finite; feature ids are whole rows of the table. */
static enum jm_status check_mesh_vertices(const struct mesh *m, uint32_t features, struct err *e)
{
    for (uint32_t i = 0; i < m->vertex_count; i++) {
        float p[3], n[3], id;
        read_vec3(&m->positions, i, p);
        read_vec3(&m->normals, i, n);
        memcpy(&id, m->feature_ids.data + (size_t)i * sizeof id, sizeof id);
        for (int k = 0; k < 3; k++)
            if (!isfinite(p[k]) || !isfinite(n[k]))
                return err_set(e, JM_EINPUT, "glTF: vertex %u has a non-finite position or normal", i);
        if (!(id >= 0.0f && id < (float)features && id == floorf(id)))
            return err_set(e, JM_EINPUT, "glTF: vertex %u has feature id %g, not a row of the %u features", i,
                           (double)id, features);
    }
    return JM_OK;
}

/* noData must be a value of the property's type (INT64 within what a double holds). */
static enum jm_status check_no_data(const struct gltf_property *p, struct err *e)
{
    double v = p->no_data;
    bool ok = true;
    if (!p->has_no_data || p->type == GLTF_PROPERTY_STRING)
        return JM_OK;
    if (p->type == GLTF_PROPERTY_INT32)
        ok = v == floor(v) && v >= INT32_MIN && v <= INT32_MAX;
    else if (p->type == GLTF_PROPERTY_INT64)
        ok = v == floor(v) && v >= -0x1p63 && v < 0x1p63;
    else
        ok = isfinite(v) && fabs(v) <= FLT_MAX;
    if (!ok)
        return err_set(e, JM_EINPUT, "glTF: property %s: noData %g is not a %s", p->name, v,
                       property_types[p->type].component_type);
    return JM_OK;
}

static enum jm_status check_property(const struct gltf_feature_table *t, int i, struct err *e)
{
    const struct gltf_property *p = &t->properties[i];
    if (!is_identifier(p->name))
        return err_set(e, JM_EINPUT, "glTF: property %d: name \"%s\" is not an identifier", i,
                       p->name ? p->name : "(null)");
    for (int j = 0; j < i; j++)
        if (strcmp(t->properties[j].name, p->name) == 0)
            return err_set(e, JM_EINPUT, "glTF: property %s appears twice", p->name);
    if ((unsigned)p->type > GLTF_PROPERTY_STRING)
        return err_set(e, JM_EINPUT, "glTF: property %s has an unknown type %d", p->name, (int)p->type);
    if (!p->values.i64) /* any member: they share the storage */
        return err_set(e, JM_EINPUT, "glTF: property %s has no values", p->name);
    return check_no_data(p, e);
}

static enum jm_status check_table(const struct gltf_feature_table *t, struct err *e)
{
    if (!t)
        return err_set(e, JM_EINPUT, "glTF: no feature table");
    if (!is_identifier(t->class_name))
        return err_set(e, JM_EINPUT, "glTF: class name \"%s\" is not an identifier",
                       t->class_name ? t->class_name : "(null)");
    if (t->count == 0)
        return err_set(e, JM_EINPUT, "glTF: the feature table is empty");
    if (t->nproperties < 0 || (t->nproperties > 0 && !t->properties))
        return err_set(e, JM_EINPUT, "glTF: %d properties given without an array", t->nproperties);
    for (int i = 0; i < t->nproperties; i++) {
        enum jm_status st = check_property(t, i, e);
        if (st != JM_OK)
            return st;
    }
    return JM_OK;
}

static enum jm_status check_options(const struct gltf_options *o, struct err *e)
{
    for (int k = 0; o && k < 4; k++)
        if (!(o->base_color[k] >= 0.0f && o->base_color[k] <= 1.0f))
            return err_set(e, JM_EINPUT, "glTF: base colour component %d is %g, not in [0, 1]", k,
                           (double)o->base_color[k]);
    return JM_OK;
}

static enum jm_status check_inputs(const struct mesh *m, const struct gltf_feature_table *t,
                                   const struct gltf_options *o, struct err *e)
{
    enum jm_status st = check_table(t, e);
    if (st == JM_OK)
        st = check_options(o, e);
    if (st == JM_OK)
        st = check_mesh_sizes(m, e);
    if (st == JM_OK)
        st = check_mesh_indices(m, e);
    if (st == JM_OK)
        st = check_mesh_vertices(m, t->count, e);
    return st;
}

/* ---- step 2a: geometry streams ------------------------------------------------------- */

/* The y-up bounds of the positions, as floats. */
static void position_bounds(const struct mesh *m, float lo[3], float hi[3])
{
    for (uint32_t i = 0; i < m->vertex_count; i++) {
        float p[3], y[3];
        read_vec3(&m->positions, i, p);
        to_y_up(p, y);
        for (int k = 0; k < 3; k++) {
            lo[k] = i == 0 || y[k] < lo[k] ? y[k] : lo[k];
            hi[k] = i == 0 || y[k] > hi[k] ? y[k] : hi[k];
        }
    }
}

/* The node transform. Unquantised: the origin, scale 1. Quantised: positions become
 * round((p - centre) / s * 32767) with s the largest half-extent, and the node maps them
 * back with translation origin + centre and scale s, so a dequantised position is within
 * half a step (s / 32767) of the input. The scale is uniform so that normals, which the
 * node's inverse-transpose turns, keep their directions. */
static void node_transform(struct glb_ctx *c)
{
    const double *o = c->m->origin;
    double origin_y_up[3] = {o[0], o[2], -o[1]};
    float lo[3], hi[3];
    position_bounds(c->m, lo, hi);
    c->scale = 1.0;
    for (int k = 0; k < 3; k++)
        c->center[k] = 0.0;
    if (c->quantize) {
        double half = 0.0;
        for (int k = 0; k < 3; k++) {
            c->center[k] = ((double)lo[k] + (double)hi[k]) / 2.0;
            half = fmax(half, ((double)hi[k] - (double)lo[k]) / 2.0);
        }
        c->scale = half > 0.0 ? half : 1.0; /* one point: any scale maps it */
    }
    for (int k = 0; k < 3; k++)
        c->translation[k] = origin_y_up[k] + c->center[k];
}

static void widen_bounds(struct glb_ctx *c, uint32_t i, const double v[3])
{
    for (int k = 0; k < 3; k++) {
        c->pos_min[k] = i == 0 || v[k] < c->pos_min[k] ? v[k] : c->pos_min[k];
        c->pos_max[k] = i == 0 || v[k] > c->pos_max[k] ? v[k] : c->pos_max[k];
    }
}

/* POSITION: float VEC3 (12 bytes), or SHORT VEC3 padded to 8 bytes. Records min/max of the
 * values written, in the accessor's component space (floats, or the integers). */
static void fill_positions(struct glb_ctx *c, unsigned char *dst)
{
    for (uint32_t i = 0; i < c->m->vertex_count; i++) {
        float p[3], y[3];
        double v[3];
        read_vec3(&c->m->positions, i, p);
        to_y_up(p, y);
        if (!c->quantize) {
            memcpy(dst + (size_t)i * 12, y, 12);
            for (int k = 0; k < 3; k++)
                v[k] = y[k];
        } else {
            int16_t q[4] = {0, 0, 0, 0};
            for (int k = 0; k < 3; k++) {
                double r = nearbyint(((double)y[k] - c->center[k]) / c->scale * QUANT_POSITION_MAX);
                q[k] = (int16_t)fmax(-QUANT_POSITION_MAX, fmin(QUANT_POSITION_MAX, r));
                v[k] = q[k];
            }
            memcpy(dst + (size_t)i * 8, q, 8);
        }
        widen_bounds(c, i, v);
    }
}

/* |q| / 127 - 1 for a BYTE-normalised vector. */
static double normal_length_error(const int q[3])
{
    double s = 0.0;
    for (int k = 0; k < 3; k++)
        s += (double)q[k] * q[k];
    return fabs(sqrt(s) / QUANT_NORMAL_MAX - 1.0);
}

/* The BYTE-normalised form of unit vector n: the rounded vector when its length is within
 * NORMAL_LENGTH_TOLERANCE of 1, otherwise the corner of the lattice cell around n * 127
 * whose length is nearest 1 (rounding each component can add up to 0.0068 of length). */
static void quantize_normal(const float n[3], int8_t out[4])
{
    double t[3];
    int q[3];
    for (int k = 0; k < 3; k++) {
        t[k] = fmax(-1.0, fmin(1.0, (double)n[k])) * QUANT_NORMAL_MAX;
        q[k] = (int)nearbyint(t[k]);
    }
    if (normal_length_error(q) > NORMAL_LENGTH_TOLERANCE) {
        double best = INFINITY;
        for (int corner = 0; corner < 8; corner++) {
            int cq[3];
            for (int k = 0; k < 3; k++)
                cq[k] = (int)((corner >> k & 1) ? ceil(t[k]) : floor(t[k]));
            double err = normal_length_error(cq);
            if (err < best) {
                best = err;
                memcpy(q, cq, sizeof q);
            }
        }
    }
    for (int k = 0; k < 3; k++)
        out[k] = (int8_t)q[k];
    out[3] = 0;
}

/* NORMAL: float VEC3 (12 bytes), or BYTE VEC3 padded to 4 bytes. */
static void fill_normals(const struct glb_ctx *c, unsigned char *dst)
{
    for (uint32_t i = 0; i < c->m->vertex_count; i++) {
        float n[3], y[3];
        read_vec3(&c->m->normals, i, n);
        to_y_up(n, y);
        if (!c->quantize) {
            memcpy(dst + (size_t)i * 12, y, 12);
        } else {
            int8_t q[4];
            quantize_normal(y, q);
            memcpy(dst + (size_t)i * 4, q, 4);
        }
    }
}

/* Indices as UNSIGNED_SHORT or UNSIGNED_INT (checked below vertex_count before). */
static void fill_indices(const struct glb_ctx *c, unsigned char *dst)
{
    if (c->wide_indices) {
        memcpy(dst, c->m->indices.data, c->m->indices.len);
        return;
    }
    for (uint32_t i = 0; i < c->m->index_count; i++) {
        uint32_t v;
        memcpy(&v, c->m->indices.data + (size_t)i * sizeof v, sizeof v);
        uint16_t s = (uint16_t)v;
        memcpy(dst + (size_t)i * sizeof s, &s, sizeof s);
    }
}

/* The uncompressed bytes of geometry view `kind` (view->count * view->element_size). */
static void fill_geometry(struct glb_ctx *c, enum geometry_view kind, unsigned char *dst)
{
    switch (kind) {
    case VIEW_POSITION:
        fill_positions(c, dst);
        break;
    case VIEW_NORMAL:
        fill_normals(c, dst);
        break;
    case VIEW_FEATURE_ID:
        memcpy(dst, c->m->feature_ids.data, c->m->feature_ids.len);
        break;
    case VIEW_SEMANTIC:
        memcpy(dst, c->m->semantics.data, c->m->semantics.len);
        break;
    default:
        fill_indices(c, dst);
        break;
    }
}

/* The shape of the geometry views: element sizes, strides, counts, targets. Vertex views
 * declare their byteStride (quantised elements are padded to 4-byte multiples, which both
 * glTF's vertex alignment and meshopt's ATTRIBUTES mode require); index views must not. */
static void shape_geometry_views(struct glb_ctx *c)
{
    static const unsigned float_sizes[] = {12, 12, 4}, quantized_sizes[] = {8, 4, 4};
    for (int k = VIEW_POSITION; k <= VIEW_FEATURE_ID; k++) {
        struct view *v = &c->views[k];
        v->element_size = c->quantize ? quantized_sizes[k] : float_sizes[k];
        v->stride = v->element_size;
        v->count = c->m->vertex_count;
        v->target = GL_ARRAY_BUFFER;
        v->packed_mode = "ATTRIBUTES";
    }
    if (c->ngeometry > VIEW_SEMANTIC) {
        struct view *v = &c->views[VIEW_SEMANTIC];
        v->element_size = v->stride = 4; /* float, quantised or not */
        v->count = c->m->vertex_count;
        v->target = GL_ARRAY_BUFFER;
        v->packed_mode = "ATTRIBUTES";
    }
    struct view *ix = &c->views[VIEW_INDICES];
    ix->element_size = c->wide_indices ? 4 : 2;
    ix->count = c->m->index_count;
    ix->target = GL_ELEMENT_ARRAY_BUFFER;
    ix->packed_mode = "TRIANGLES";
}

/* meshopt's encoders use a process-wide bitstream version. EXT_meshopt_compression
 * accepts vertex version 0 (0xa0) and index version 1 (0xe1), while meshoptimizer 0.18
 * encodes indices as version 0 by default: select both once per process. */
static pthread_once_t meshopt_versions_once = PTHREAD_ONCE_INIT;

static void meshopt_select_versions(void)
{
    meshopt_encodeVertexVersion(0);
    meshopt_encodeIndexVersion(1);
}

/* Encodes a view with meshopt into the BIN chunk: vertex views from `raw`, their
 * uncompressed bytes; the index view from the mesh's uint32 triangles, whatever width the
 * client decodes them to (the encoder may start a triangle at another corner, keeping its
 * winding). */
static enum jm_status pack_view(struct glb_ctx *c, struct view *v, const unsigned char *raw)
{
    bool triangles = v->target == GL_ELEMENT_ARRAY_BUFFER;
    size_t bound = triangles ? meshopt_encodeIndexBufferBound(v->count, c->m->vertex_count)
                             : meshopt_encodeVertexBufferBound(v->count, v->element_size);
    unsigned char *packed = malloc(bound);
    if (!packed)
        return err_set(c->e, JM_EINTERNAL, "glTF: out of memory for meshopt (%zu bytes)", bound);
    pthread_once(&meshopt_versions_once, meshopt_select_versions);
    size_t n = triangles ? meshopt_encodeIndexBuffer(packed, bound, (const unsigned int *)(const void *)c->m->indices.data,
                                                     v->count)
                         : meshopt_encodeVertexBuffer(packed, bound, raw, v->count, v->element_size);
    enum jm_status st = n == 0 ? err_set(c->e, JM_EINTERNAL, "glTF: meshopt encoding failed") : pad_bin(&c->bin, c->e);
    if (st == JM_OK) {
        v->packed = true;
        v->packed_offset = c->bin.len;
        v->packed_length = n;
        st = put(&c->bin, packed, n, c->e);
    }
    free(packed);
    return st;
}

/* Lays geometry view `kind` out: its bytes in the BIN chunk, or (meshopt) its encoded
 * bytes there and its place in the fallback buffer. */
static enum jm_status emit_geometry(struct glb_ctx *c, enum geometry_view kind)
{
    struct view *v = &c->views[kind];
    size_t n = (size_t)v->count * v->element_size;
    v->length = n;
    if (!c->meshopt) {
        unsigned char *dst = NULL;
        enum jm_status st = pad_bin(&c->bin, c->e);
        if (st == JM_OK)
            st = grab(&c->bin, n, &dst, c->e);
        if (st != JM_OK)
            return st;
        v->offset = c->bin.len;
        fill_geometry(c, kind, dst);
        buf_commit(&c->bin, n);
        return JM_OK;
    }
    unsigned char *raw = NULL; /* indices are encoded from the mesh's own uint32 array */
    if (kind != VIEW_INDICES) {
        raw = calloc(1, n); /* padding bytes are encoded too: zero them */
        if (!raw)
            return err_set(c->e, JM_EINTERNAL, "glTF: out of memory (%zu bytes)", n);
        fill_geometry(c, kind, raw);
    }
    v->buffer = 1;
    v->offset = align_up(c->fallback_length, GLB_ALIGN);
    c->fallback_length = v->offset + n;
    enum jm_status st = pack_view(c, v, raw);
    free(raw);
    return st;
}

/* ---- step 2b: property table columns ---------------------------------------------------- */

/* Starts a property table view of `n` bytes in the BIN chunk; returns its index. */
static enum jm_status start_column_view(struct glb_ctx *c, size_t n, unsigned char **dst, int *index)
{
    enum jm_status st = pad_bin(&c->bin, c->e);
    if (st == JM_OK)
        st = grab(&c->bin, n, dst, c->e);
    if (st != JM_OK)
        return st;
    struct view *v = &c->views[c->nviews];
    v->offset = c->bin.len;
    v->length = n;
    *index = c->nviews++;
    return JM_OK;
}

/* A FLOAT32 value as stored: a non-finite value (never allowed in metadata) becomes the
 * noData value when there is one, and is an error otherwise. */
static enum jm_status float_value(const struct gltf_property *p, uint32_t row, float *out, struct err *e)
{
    float v = p->values.f32[row];
    if (isfinite(v)) {
        *out = v;
        return JM_OK;
    }
    if (!p->has_no_data)
        return err_set(e, JM_EINPUT, "glTF: property %s, feature %u: %g is not a finite number", p->name, row,
                       (double)v);
    *out = (float)p->no_data;
    return JM_OK;
}

static enum jm_status emit_number_column(struct glb_ctx *c, int i)
{
    const struct gltf_property *p = &c->table->properties[i];
    size_t size = property_types[p->type].size, n = (size_t)c->table->count * size;
    unsigned char *dst = NULL;
    enum jm_status st = start_column_view(c, n, &dst, &c->columns[i].values_view);
    if (st != JM_OK)
        return st;
    if (p->type == GLTF_PROPERTY_FLOAT32) {
        for (uint32_t r = 0; r < c->table->count && st == JM_OK; r++) {
            float v = 0.0f;
            st = float_value(p, r, &v, c->e);
            memcpy(dst + (size_t)r * size, &v, size);
        }
    } else {
        memcpy(dst, p->values.i64, n); /* INT32 or INT64: the same bytes */
    }
    buf_commit(&c->bin, n); /* on error the write fails as a whole: the bytes do not matter */
    return st;
}

/* The total bytes of a STRING column (NULL counting as ""), checked to be UTF-8 and to fit
 * UINT32 offsets. */
static enum jm_status string_column_length(const struct gltf_property *p, uint32_t count, size_t *total,
                                           bool *has_null, struct err *e)
{
    *total = 0;
    *has_null = false;
    for (uint32_t r = 0; r < count; r++) {
        const char *s = p->values.str[r];
        if (!s) {
            *has_null = true;
            continue;
        }
        size_t len = strlen(s), at = 0;
        while (at < len) {
            uint32_t cp;
            size_t step = utf8_decode((const unsigned char *)s + at, len - at, &cp);
            if (step == 0)
                return err_set(e, JM_EINPUT, "glTF: property %s, feature %u: not UTF-8 at byte %zu", p->name, r, at);
            at += step;
        }
        *total += len;
        if (*total > UINT32_MAX)
            return err_set(e, JM_ELIMIT, "glTF: property %s: strings past 4 GiB", p->name);
    }
    return JM_OK;
}

/* The strings of a column one after the other (NULL as ""), `total` bytes. */
static void fill_string_bytes(const struct gltf_property *p, uint32_t count, unsigned char *dst)
{
    size_t at = 0;
    for (uint32_t r = 0; r < count; r++) {
        size_t len = p->values.str[r] ? strlen(p->values.str[r]) : 0;
        if (len)
            memcpy(dst + at, p->values.str[r], len);
        at += len;
    }
}

/* count + 1 UINT32 offsets: string r is bytes [offset[r], offset[r + 1]). */
static void fill_string_offsets(const struct gltf_property *p, uint32_t count, unsigned char *dst)
{
    uint32_t offset = 0;
    for (uint32_t r = 0; r <= count; r++) {
        memcpy(dst + (size_t)r * sizeof offset, &offset, sizeof offset);
        offset += r < count && p->values.str[r] ? (uint32_t)strlen(p->values.str[r]) : 0;
    }
}

/* A STRING column: a view of the bytes, then one of the offsets. A column of empty strings
 * only has no bytes, and a buffer view cannot be empty: it is left out of the table (the
 * class property is optional, and its noData "" says what it means). */
static enum jm_status emit_string_column(struct glb_ctx *c, int i)
{
    const struct gltf_property *p = &c->table->properties[i];
    uint32_t count = c->table->count;
    struct column *col = &c->columns[i];
    size_t total, offsets_size = ((size_t)count + 1) * sizeof(uint32_t);
    unsigned char *dst = NULL;
    enum jm_status st = string_column_length(p, count, &total, &col->has_null_string, c->e);
    if (st != JM_OK)
        return st;
    if (total == 0) {
        col->has_null_string = true; /* declares noData "" */
        return JM_OK;
    }
    if ((st = start_column_view(c, total, &dst, &col->values_view)) != JM_OK)
        return st;
    fill_string_bytes(p, count, dst);
    buf_commit(&c->bin, total);
    if ((st = start_column_view(c, offsets_size, &dst, &col->offsets_view)) != JM_OK)
        return st;
    fill_string_offsets(p, count, dst);
    buf_commit(&c->bin, offsets_size);
    return JM_OK;
}

static enum jm_status emit_columns(struct glb_ctx *c)
{
    for (int i = 0; i < c->table->nproperties; i++) {
        c->columns[i].values_view = c->columns[i].offsets_view = -1;
        enum jm_status st = c->table->properties[i].type == GLTF_PROPERTY_STRING ? emit_string_column(c, i)
                                                                                 : emit_number_column(c, i);
        if (st != JM_OK)
            return st;
    }
    return pad_bin(&c->bin, c->e); /* the BIN chunk ends on 8 bytes too */
}

/* ---- step 3: JSON ---------------------------------------------------------------------------
 * The writer's errors are sticky: these functions write on, and the caller checks once. */

static void json_double3(struct jw *w, const char *key, const double v[3])
{
    jw_key(w, key);
    jw_array_begin(w);
    for (int k = 0; k < 3; k++)
        jw_double(w, v[k]);
    jw_array_end(w);
}

static void json_extension_lists(struct jw *w, const struct glb_ctx *c)
{
    jw_key(w, "extensionsUsed");
    jw_array_begin(w);
    jw_string(w, "EXT_mesh_features");
    jw_string(w, "EXT_structural_metadata");
    if (c->quantize)
        jw_string(w, "KHR_mesh_quantization");
    if (c->meshopt)
        jw_string(w, "EXT_meshopt_compression");
    jw_array_end(w);
    if (!c->quantize && !c->meshopt)
        return;
    jw_key(w, "extensionsRequired");
    jw_array_begin(w);
    if (c->quantize)
        jw_string(w, "KHR_mesh_quantization");
    if (c->meshopt)
        jw_string(w, "EXT_meshopt_compression");
    jw_array_end(w);
}

static void json_scene_and_node(struct jw *w, const struct glb_ctx *c)
{
    jw_kv_int(w, "scene", 0);
    jw_key(w, "scenes");
    jw_raw(w, "[{\"nodes\":[0]}]");
    jw_key(w, "nodes");
    jw_array_begin(w);
    jw_object_begin(w);
    jw_kv_int(w, "mesh", 0);
    json_double3(w, "translation", c->translation);
    if (c->quantize) {
        double s[3] = {c->scale, c->scale, c->scale};
        json_double3(w, "scale", s);
    }
    jw_object_end(w);
    jw_array_end(w);
}

/* Feature ids: the _FEATURE_ID_0 attribute indexes rows of property table 0. featureCount
 * is the table's row count, which bounds the ids (some rows may have no triangles here). */
static void json_mesh_features(struct jw *w, const struct glb_ctx *c)
{
    jw_key(w, "EXT_mesh_features");
    jw_object_begin(w);
    jw_key(w, "featureIds");
    jw_array_begin(w);
    jw_object_begin(w);
    jw_kv_uint(w, "featureCount", c->table->count);
    jw_kv_int(w, "attribute", 0);
    jw_kv_int(w, "propertyTable", 0);
    jw_object_end(w);
    jw_array_end(w);
    jw_object_end(w);
}

static void json_primitive(struct jw *w, const struct glb_ctx *c)
{
    jw_object_begin(w);
    jw_key(w, "attributes");
    jw_object_begin(w);
    jw_kv_int(w, "POSITION", VIEW_POSITION); /* accessor i reads geometry view i */
    jw_kv_int(w, "NORMAL", VIEW_NORMAL);
    jw_kv_int(w, "_FEATURE_ID_0", VIEW_FEATURE_ID);
    if (c->ngeometry > VIEW_SEMANTIC)
        jw_kv_int(w, "_SEMANTIC", VIEW_SEMANTIC);
    jw_object_end(w);
    jw_kv_int(w, "indices", VIEW_INDICES);
    jw_kv_int(w, "material", 0);
    jw_kv_int(w, "mode", GLTF_MODE_TRIANGLES);
    jw_key(w, "extensions");
    jw_object_begin(w);
    json_mesh_features(w, c);
    jw_object_end(w);
    jw_object_end(w);
}

static void json_mesh(struct jw *w, const struct glb_ctx *c)
{
    jw_key(w, "meshes");
    jw_array_begin(w);
    jw_object_begin(w);
    jw_key(w, "primitives");
    jw_array_begin(w);
    json_primitive(w, c);
    jw_array_end(w);
    jw_object_end(w);
    jw_array_end(w);
}

/* One opaque, rough, non-metallic material (flat-shaded city blocks). */
static void json_material(struct jw *w, const struct glb_ctx *c)
{
    jw_key(w, "materials");
    jw_array_begin(w);
    jw_object_begin(w);
    jw_key(w, "pbrMetallicRoughness");
    jw_object_begin(w);
    jw_key(w, "baseColorFactor");
    jw_array_begin(w);
    for (int k = 0; k < 4; k++)
        jw_double_prec(w, c->base_color[k], 7); /* 0.8, not 0.800000011920929 */
    jw_array_end(w);
    jw_kv_int(w, "metallicFactor", 0);
    jw_kv_int(w, "roughnessFactor", 1);
    jw_object_end(w);
    jw_object_end(w);
    jw_array_end(w);
}

static void json_accessor(struct jw *w, enum geometry_view view, unsigned component_type, bool normalized,
                          uint32_t count, const char *type)
{
    jw_kv_int(w, "bufferView", view);
    jw_kv_uint(w, "componentType", component_type);
    if (normalized)
        jw_kv_bool(w, "normalized", true);
    jw_kv_uint(w, "count", count);
    jw_kv_string(w, "type", type);
}

static void json_accessors(struct jw *w, const struct glb_ctx *c)
{
    uint32_t nv = c->m->vertex_count;
    jw_key(w, "accessors");
    jw_array_begin(w);
    jw_object_begin(w);
    json_accessor(w, VIEW_POSITION, c->quantize ? GL_SHORT : GL_FLOAT, c->quantize, nv, "VEC3");
    json_double3(w, "min", c->pos_min);
    json_double3(w, "max", c->pos_max);
    jw_object_end(w);
    jw_object_begin(w);
    json_accessor(w, VIEW_NORMAL, c->quantize ? GL_BYTE : GL_FLOAT, c->quantize, nv, "VEC3");
    jw_object_end(w);
    jw_object_begin(w);
    json_accessor(w, VIEW_FEATURE_ID, GL_FLOAT, false, nv, "SCALAR");
    jw_object_end(w);
    jw_object_begin(w);
    json_accessor(w, VIEW_INDICES, c->wide_indices ? GL_UNSIGNED_INT : GL_UNSIGNED_SHORT, false,
                  c->m->index_count, "SCALAR");
    jw_object_end(w);
    if (c->ngeometry > VIEW_SEMANTIC) {
        jw_object_begin(w);
        json_accessor(w, VIEW_SEMANTIC, GL_FLOAT, false, nv, "SCALAR");
        jw_object_end(w);
    }
    jw_array_end(w);
}

static void json_buffer_view(struct jw *w, const struct view *v)
{
    jw_object_begin(w);
    jw_kv_int(w, "buffer", v->buffer);
    jw_kv_uint(w, "byteOffset", v->offset);
    jw_kv_uint(w, "byteLength", v->length);
    if (v->stride)
        jw_kv_uint(w, "byteStride", v->stride);
    if (v->target != GL_NO_TARGET)
        jw_kv_uint(w, "target", v->target);
    if (v->packed) {
        jw_key(w, "extensions");
        jw_object_begin(w);
        jw_key(w, "EXT_meshopt_compression");
        jw_object_begin(w);
        jw_kv_int(w, "buffer", 0);
        jw_kv_uint(w, "byteOffset", v->packed_offset);
        jw_kv_uint(w, "byteLength", v->packed_length);
        jw_kv_uint(w, "byteStride", v->element_size);
        jw_kv_uint(w, "count", v->count);
        jw_kv_string(w, "mode", v->packed_mode);
        jw_object_end(w);
        jw_object_end(w);
    }
    jw_object_end(w);
}

/* Buffer 0 is the BIN chunk; buffer 1 (meshopt only) the fallback buffer, with no bytes. */
static void json_buffers(struct jw *w, const struct glb_ctx *c)
{
    jw_key(w, "bufferViews");
    jw_array_begin(w);
    for (int i = 0; i < c->nviews; i++)
        json_buffer_view(w, &c->views[i]);
    jw_array_end(w);
    jw_key(w, "buffers");
    jw_array_begin(w);
    jw_object_begin(w);
    jw_kv_uint(w, "byteLength", c->bin.len);
    jw_object_end(w);
    if (c->meshopt) {
        jw_object_begin(w);
        jw_kv_uint(w, "byteLength", c->fallback_length);
        jw_key(w, "extensions");
        jw_raw(w, "{\"EXT_meshopt_compression\":{\"fallback\":true}}");
        jw_object_end(w);
    }
    jw_array_end(w);
}

static void json_no_data(struct jw *w, const struct gltf_property *p)
{
    jw_key(w, "noData");
    if (p->type == GLTF_PROPERTY_FLOAT32)
        jw_double(w, (float)p->no_data);
    else
        jw_int(w, (long long)p->no_data); /* checked integral and in range */
}

static void json_class_property(struct jw *w, const struct gltf_property *p, const struct column *col)
{
    jw_key(w, p->name);
    jw_object_begin(w);
    if (p->type == GLTF_PROPERTY_STRING) {
        jw_kv_string(w, "type", "STRING");
        if (col->has_null_string)
            jw_kv_string(w, "noData", "");
    } else {
        jw_kv_string(w, "type", "SCALAR");
        jw_kv_string(w, "componentType", property_types[p->type].component_type);
        if (p->has_no_data)
            json_no_data(w, p);
    }
    if (p->description)
        jw_kv_string(w, "description", p->description);
    jw_object_end(w);
}

static void json_schema(struct jw *w, const struct glb_ctx *c)
{
    const struct gltf_feature_table *t = c->table;
    jw_key(w, "schema");
    jw_object_begin(w);
    jw_kv_string(w, "id", SCHEMA_ID);
    jw_key(w, "classes");
    jw_object_begin(w);
    jw_key(w, t->class_name);
    jw_object_begin(w);
    if (t->nproperties > 0) { /* an empty "properties" is not allowed */
        jw_key(w, "properties");
        jw_object_begin(w);
        for (int i = 0; i < t->nproperties; i++)
            json_class_property(w, &t->properties[i], &c->columns[i]);
        jw_object_end(w);
    }
    jw_object_end(w);
    jw_object_end(w);
    jw_object_end(w);
}

static int columns_present(const struct glb_ctx *c)
{
    int n = 0;
    for (int i = 0; i < c->table->nproperties; i++)
        n += c->columns[i].values_view >= 0;
    return n;
}

static void json_property_table(struct jw *w, const struct glb_ctx *c)
{
    const struct gltf_feature_table *t = c->table;
    jw_key(w, "propertyTables");
    jw_array_begin(w);
    jw_object_begin(w);
    jw_kv_string(w, "class", t->class_name);
    jw_kv_uint(w, "count", t->count);
    if (columns_present(c) > 0) {
        jw_key(w, "properties");
        jw_object_begin(w);
        for (int i = 0; i < t->nproperties; i++) {
            const struct column *col = &c->columns[i];
            if (col->values_view < 0)
                continue;
            jw_key(w, t->properties[i].name);
            jw_object_begin(w);
            jw_kv_int(w, "values", col->values_view);
            if (col->offsets_view >= 0) {
                jw_kv_int(w, "stringOffsets", col->offsets_view);
                jw_kv_string(w, "stringOffsetType", "UINT32");
            }
            jw_object_end(w);
        }
        jw_object_end(w);
    }
    jw_object_end(w);
    jw_array_end(w);
}

static void json_document(struct jw *w, const struct glb_ctx *c)
{
    jw_object_begin(w);
    jw_key(w, "asset");
    jw_raw(w, "{\"version\":\"2.0\",\"generator\":\"" GENERATOR "\"}");
    json_extension_lists(w, c);
    json_scene_and_node(w, c);
    json_mesh(w, c);
    json_material(w, c);
    json_accessors(w, c);
    json_buffers(w, c);
    jw_key(w, "extensions");
    jw_object_begin(w);
    jw_key(w, "EXT_structural_metadata");
    jw_object_begin(w);
    json_schema(w, c);
    json_property_table(w, c);
    jw_object_end(w);
    jw_object_end(w);
    jw_object_end(w);
}

/* ---- step 4: GLB framing ------------------------------------------------------------------- */

static void put_u32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

/* Appends header, JSON chunk and BIN chunk to `out` in one reservation. The JSON chunk is
 * padded with spaces so that the BIN chunk starts on an 8-byte boundary of the GLB (its
 * data then too, the chunk header being 8 bytes); the BIN chunk is already padded. */
static enum jm_status frame_glb(const struct buf *json, const struct buf *bin, struct buf *out, struct err *e)
{
    const size_t before_json = GLB_HEADER_SIZE + GLB_CHUNK_HEADER_SIZE;
    size_t json_len = align_up(before_json + json->len, GLB_ALIGN) - before_json;
    size_t total = before_json + json_len + GLB_CHUNK_HEADER_SIZE + bin->len;
    if (total > UINT32_MAX || total > out->cap || out->len > out->cap - total)
        return err_set(e, JM_ELIMIT, "glTF: the GLB (%zu bytes) would pass the output cap of %zu bytes", total,
                       out->cap);
    unsigned char *p = (unsigned char *)buf_reserve(out, total);
    if (!p)
        return err_set(e, JM_EINTERNAL, "glTF: out of memory for a GLB of %zu bytes", total);
    put_u32(p, GLB_MAGIC);
    put_u32(p + 4, GLB_VERSION);
    put_u32(p + 8, (uint32_t)total);
    put_u32(p + 12, (uint32_t)json_len);
    put_u32(p + 16, GLB_CHUNK_JSON);
    memcpy(p + before_json, json->data, json->len);
    memset(p + before_json + json->len, ' ', json_len - json->len);
    p += before_json + json_len;
    put_u32(p, (uint32_t)bin->len);
    put_u32(p + 4, GLB_CHUNK_BIN);
    memcpy(p + GLB_CHUNK_HEADER_SIZE, bin->data, bin->len);
    buf_commit(out, total);
    return JM_OK;
}

/* ---- the whole ------------------------------------------------------------------------------ */

static enum jm_status setup(struct glb_ctx *c, const struct mesh *m, const struct gltf_feature_table *t,
                            const struct gltf_options *o, size_t room, struct err *e)
{
    static const float zero[4];
    c->m = m;
    c->table = t;
    c->e = e;
    c->quantize = o && o->quantize;
    c->meshopt = o && o->meshopt;
    c->wide_indices = m->vertex_count > U16_MAX_VERTICES;
    bool grey = !o || memcmp(o->base_color, zero, sizeof zero) == 0;
    memcpy(c->base_color, grey ? default_base_color : o->base_color, sizeof c->base_color);
    buf_init(&c->bin, room); /* the BIN chunk cannot be larger than the room left in `out` */
    c->views = calloc(GEOMETRY_VIEWS + 2 * (size_t)t->nproperties, sizeof *c->views);
    c->columns = calloc((size_t)t->nproperties + 1, sizeof *c->columns);
    if (!c->views || !c->columns)
        return err_set(e, JM_EINTERNAL, "glTF: out of memory");
    c->ngeometry = m->semantics.len ? GEOMETRY_VIEWS : VIEW_SEMANTIC;
    c->nviews = c->ngeometry;
    shape_geometry_views(c);
    node_transform(c);
    return JM_OK;
}

/* Steps 2 and 3: the BIN chunk into c->bin, the JSON into `json`. */
static enum jm_status build(struct glb_ctx *c, struct buf *json)
{
    enum jm_status st = JM_OK;
    for (int k = VIEW_POSITION; k < c->ngeometry && st == JM_OK; k++)
        st = emit_geometry(c, (enum geometry_view)k);
    if (st == JM_OK)
        st = emit_columns(c);
    if (st != JM_OK)
        return st;
    struct jw w;
    jw_init(&w, json);
    json_document(&w, c);
    if (!jw_finish(&w))
        return err_set(c->e, JM_EINTERNAL, "glTF: the JSON chunk could not be written (out of memory)");
    return JM_OK;
}

enum jm_status gltf_write_glb(const struct mesh *m, const struct gltf_feature_table *table,
                              const struct gltf_options *options, struct buf *out, struct err *e)
{
    if (!m || !out)
        return err_set(e, JM_EINPUT, "glTF: no mesh or no output buffer");
    if (out->overflow || out->len >= out->cap)
        return err_set(e, JM_ELIMIT, "glTF: the output buffer is full (cap %zu bytes)", out->cap);
    enum jm_status st = check_inputs(m, table, options, e);
    if (st != JM_OK)
        return st;

    struct glb_ctx c = {0};
    struct buf json;
    buf_init(&json, 0); /* the JSON is small next to the BIN chunk; frame_glb checks the cap */
    st = setup(&c, m, table, options, out->cap - out->len, e);
    if (st == JM_OK)
        st = build(&c, &json);
    if (st == JM_OK)
        st = frame_glb(&json, &c.bin, out, e);
    buf_cleanup(&json);
    buf_cleanup(&c.bin);
    free(c.views);
    free(c.columns);
    return st;
}
