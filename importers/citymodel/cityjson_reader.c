/* cityjson_reader: CityJSON 1.0, 1.1 and 2.0 documents and CityJSON Text Sequences
 * (.city.jsonl) handed to the importer one city object at a time (contract: citymodel.h).
 *
 * Pipeline of a document:
 *   1. parse it with json-c (strict, depth CM_MAX_DEPTH, fed in chunks since json-c takes int
 *      lengths); a first value that ends on its line with more lines after it makes the
 *      input a Text Sequence;
 *   2. the header: type, version, transform, metadata.referenceSystem, geometry-templates
 *      (their vertices converted once), appearance (counts, missing texture files);
 *   3. the vertex pool converted once to doubles after `transform`;
 *   4. every CityObject in file order: its geometries walked into scratch arrays reused
 *      across objects (no allocation per vertex or per object once they have grown), its
 *      attributes serialized once, then on_object.
 * A Text Sequence keeps its header line (transform, templates) for the whole read; every
 * CityJSONFeature line brings its own vertices and is parsed, reported and freed before the
 * next. From a file (.jsonl) the lines are read with getline, so memory follows the longest
 * line, not the file.
 *
 * Decisions where the format or citymodel.h leave room:
 *  - Geometry types: MultiPoint and MultiLineString have no surfaces and are ignored (their
 *    indices are not checked); any other unknown type is JM_EINPUT.
 *  - Rings: consecutive repeated points (same coordinates) and a repeated closing point are
 *    dropped. A ring left with fewer than 3 distinct points is skipped (an outer ring skips its
 *    whole surface, a hole only itself); so is a surface with no rings. The reader counts them
 *    (`skipped_rings`, `skipped_surfaces`) but citymodel.h has no field to report them.
 *    Indices of skipped rings are still checked: an index out of range is always an error.
 *  - lod: a string "2.2" gives 2, a number its integer part; outside 0..4 or missing (on a
 *    geometry that has surfaces) is JM_EINPUT. A GeometryInstance takes its template's lod.
 *  - Semantics: `values` missing or null at any level gives NULL semantics below it; a value
 *    naming no entry of `surfaces` is JM_EINPUT, as is `values` nested unlike the boundaries.
 *  - Templates: p' = M[0..2] * (x, y, z, 1) + reference point, M the row-major 4x4
 *    transformationMatrix (its last row, projective, is ignored); template vertices are not
 *    affected by `transform`, the reference point is.
 *  - Attributes: the `attributes` members as they are (numbers keep their text), plus every
 *    other member of the CityObject except type, geometry, attributes, parents, children and
 *    geographicalExtent (children are given by each child's parent_id), under its own name, or
 *    "cityjson:NAME" when an attribute already uses NAME. `address` (CityJSON 1.x/2.0 member,
 *    an object or an array of them) goes under "address": one address as an object, several as
 *    an array; each address's `location` (a MultiPoint of vertex indices) is replaced by its
 *    coordinates [[x, y, z], …]. A NaN or infinite number (json-c accepts NaN, Infinity and
 *    1e999), a string holding U+0000 (PostgreSQL text cannot) and text that is not strict
 *    UTF-8 (json-c lets overlong forms and surrogates through) are JM_EINPUT.
 *  - CRS: ".../def/crs/EPSG/0/N" (1.1, 2.0), "urn:ogc:def:crs:EPSG::N" (1.0) and "EPSG:N" give
 *    srs "EPSG:N", epsg_horizontal = N, epsg_vertical = 0, even when N is compound (7415 is
 *    RD New + NAP): without a CRS database the reader cannot split it, the importer resolves
 *    compound codes with PROJ. An OGC ".../crs-compound?1=…&2=…" URL gives "EPSG:H+V" and both
 *    codes. Any other name is kept as srs, codes 0.
 *  - Textures: every `image` is looked for relative to `dir` (absolute paths as they are; URLs
 *    and a NULL `dir` are not checked). Missing files are counted, never fatal.
 *  - Versions: "1.0", "1.1", "2.0", optionally with a patch number ("1.0.3"); others are
 *    JM_EINPUT. info.version keeps the text of the file.
 *  - Messages: "NAME[:LINE]: [object ID: ]problem", LINE only in Text Sequences.
 *  - Caps: the document (and one line of a Text Sequence) at most CM_MAX_FILE_BYTES.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "citymodel.h"
#include "json_writer.h"
#include "parse.h"
#include "utf8.h"

#define CJ_CHUNK ((size_t)1 << 30) /* json_tokener_parse_ex takes an int length */
#define CJ_PATH_MAX 4096
#define CJ_TOKENER_FLAGS (JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8)

/* A vertex pool: 3 * n doubles, in the file's CRS. */
struct cj_pool {
    double *xyz;
    size_t n, alloc; /* vertices */
};

/* Where a reported surface starts in the scratch arrays; pointers are set when the object
 * is complete, since the arrays move while they grow. */
struct cj_at {
    size_t point, ring;
};

/* One object's geometry, kept across objects so that memory is allocated only to grow. */
struct cj_scratch {
    double *xyz;
    size_t npoints, points_alloc;
    int *rings;
    size_t nrings, rings_alloc;
    struct cm_surface *surfaces;
    struct cj_at *at;
    size_t nsurfaces, surfaces_alloc;
};

/* What a geometry's vertex indices name: the document's pool, or a template's vertices
 * placed by a GeometryInstance (3x4 upper part of its matrix, then the reference point). */
struct cj_vsource {
    const struct cj_pool *pool;
    const char *what;  /* "vertex", "template vertex": for messages */
    const char *units; /* "vertices", "template vertices" */
    bool placed;
    double m[12];
    double ref[3];
};

/* The geometry being walked. */
struct cj_geom {
    struct cj_vsource src;
    const char *type;
    size_t index; /* in the object's geometry array */
    int lod;
    json_object *semantic; /* semantics.surfaces, or NULL */
};

struct cj_reader {
    const char *name;
    const char *dir;
    cm_object_fn on_object;
    void *ctx;
    struct cm_info *info;
    struct err *e;
    json_tokener *tok;
    long line;               /* line of the current Text Sequence record; 0 otherwise */
    const char *object_id;   /* the object being read, for messages; NULL outside objects */
    json_object *header;     /* the document, or the Text Sequence's header line (owned) */
    json_object *templates;  /* header's geometry-templates.templates, or NULL (borrowed) */
    json_object *attributes; /* the current object's attribute object (owned until reported) */
    bool has_transform;
    double scale[3], translate[3];
    struct cj_pool vertices;          /* the document's or the current feature's */
    struct cj_pool template_vertices; /* vertices-templates, as they are */
    struct cj_scratch s;
    long skipped_rings, skipped_surfaces;
};

/* ---- messages and small helpers ---- */

static enum jm_status cj_fail(struct cj_reader *r, enum jm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records "NAME[:LINE]: [object ID: ]MESSAGE" (first error kept) and returns code. */
static enum jm_status cj_fail(struct cj_reader *r, enum jm_status code, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    char where[32] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->line > 0)
        snprintf(where, sizeof where, ":%ld", r->line);
    if (r->object_id)
        return err_set(r->e, code, "%s%s: object %s: %s", r->name, where, r->object_id, msg);
    return err_set(r->e, code, "%s%s: %s", r->name, where, msg);
}

static enum jm_status cj_oom(struct cj_reader *r)
{
    return cj_fail(r, JM_EINTERNAL, "out of memory");
}

static bool cj_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool cj_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!cj_is_space(s[i]))
            return false;
    return true;
}

/* True when s[0..n) is strict UTF-8 (RFC 3629). */
static bool cj_utf8_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* A JSON string fit to hand out as C text: no U+0000 inside, strict UTF-8. */
static bool cj_text_ok(json_object *v)
{
    if (!json_object_is_type(v, json_type_string))
        return false;
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    return strlen(s) == n && cj_utf8_ok(s, n);
}

/* Copies `src` into dst[cap] for info fields: whole UTF-8 sequences only (invalid bytes
 * become '?'), cut before the sequence that would not fit. */
static void cj_copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src), o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = (unsigned char)src[i] < 0x80 ? 1 : utf8_decode((const unsigned char *)src + i, n - i, &cp);
        const char *from = src + i;
        if (k == 0) {
            from = "?";
            k = 1;
            i++;
        } else {
            i += k;
        }
        if (o + k >= cap)
            break;
        memcpy(dst + o, from, k);
        o += k;
    }
    dst[o] = '\0';
}

/* The member `key` of `o` when `o` is an object and has it (JSON null gives NULL too). */
static json_object *cj_get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

/* The member `key` when it is a string, else NULL. */
static const char *cj_get_string(json_object *o, const char *key)
{
    json_object *v = cj_get(o, key);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool cj_is_number(json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* Reads an array of exactly n finite numbers. */
static bool cj_numbers(json_object *a, double *out, size_t n)
{
    if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(a, i);
        if (!cj_is_number(v))
            return false;
        out[i] = json_object_get_double(v);
        if (!isfinite(out[i]))
            return false;
    }
    return true;
}

/* ---- growth of the scratch arrays (capacity doubles; false on overflow or no memory) ---- */

static bool cj_capacity(size_t alloc, size_t need, size_t elem, size_t *out)
{
    size_t n = alloc ? alloc : 256;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return false;
        n *= 2;
    }
    if (n > SIZE_MAX / elem)
        return false;
    *out = n;
    return true;
}

static bool cj_reserve_points(double **xyz, size_t *alloc, size_t need)
{
    size_t n;
    if (need <= *alloc)
        return true;
    if (!cj_capacity(*alloc, need, 3 * sizeof(double), &n))
        return false;
    double *p = realloc(*xyz, n * 3 * sizeof(double));
    if (!p)
        return false;
    *xyz = p;
    *alloc = n;
    return true;
}

static bool cj_reserve_rings(struct cj_scratch *s, size_t need)
{
    size_t n;
    if (need <= s->rings_alloc)
        return true;
    if (!cj_capacity(s->rings_alloc, need, sizeof(int), &n))
        return false;
    int *p = realloc(s->rings, n * sizeof(int));
    if (!p)
        return false;
    s->rings = p;
    s->rings_alloc = n;
    return true;
}

static bool cj_reserve_surfaces(struct cj_scratch *s, size_t need)
{
    size_t n;
    if (need <= s->surfaces_alloc)
        return true;
    if (!cj_capacity(s->surfaces_alloc, need, sizeof(struct cm_surface) + sizeof(struct cj_at), &n))
        return false;
    struct cm_surface *surfaces = realloc(s->surfaces, n * sizeof(struct cm_surface));
    if (!surfaces)
        return false;
    s->surfaces = surfaces;
    struct cj_at *at = realloc(s->at, n * sizeof(struct cj_at));
    if (!at)
        return false;
    s->at = at;
    s->surfaces_alloc = n;
    return true;
}

/* ---- JSON parsing ---- */

/* Line and column (1-based) of data[off]. */
static void cj_position(const char *data, size_t off, long first_line, long *line, long *col)
{
    const char *p = data, *end = data + off, *nl;
    *line = first_line;
    while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        (*line)++;
        p = nl + 1;
    }
    *col = (long)(end - p) + 1;
}

/* Parses the JSON value at the start of data[0..len): *out (the caller puts it) and *end,
 * the offset just past it. `first_line` is the line of data[0] in the input, for messages.
 * JM_EINPUT when malformed or truncated, JM_ELIMIT when nested deeper than CM_MAX_DEPTH. */
static enum jm_status cj_parse_value(struct cj_reader *r, const char *data, size_t len, long first_line,
                                     json_object **out, size_t *end)
{
    enum json_tokener_error je = json_tokener_continue;
    json_object *v = NULL;
    size_t off = 0;

    *out = NULL;
    if (cj_blank(data, len))
        return cj_fail(r, JM_EINPUT, "empty input: no JSON document");
    json_tokener_reset(r->tok);
    while (off < len) {
        size_t n = len - off < CJ_CHUNK ? len - off : CJ_CHUNK;
        v = json_tokener_parse_ex(r->tok, data + off, (int)n);
        je = json_tokener_get_error(r->tok);
        if (je != json_tokener_continue) {
            off += json_tokener_get_parse_end(r->tok);
            break;
        }
        off += n;
    }
    if (je == json_tokener_continue) {
        /* the input ended inside a value, or after a top-level scalar: a NUL tells json-c */
        v = json_tokener_parse_ex(r->tok, "", 1);
        je = json_tokener_get_error(r->tok);
        if (je != json_tokener_success) {
            long line, col;
            cj_position(data, len, first_line, &line, &col);
            json_object_put(v);
            return cj_fail(r, JM_EINPUT, "truncated JSON: the input ends inside a value (line %ld, column %ld)", line,
                           col);
        }
    }
    if (je != json_tokener_success) {
        long line, col;
        cj_position(data, off, first_line, &line, &col);
        json_object_put(v);
        if (je == json_tokener_error_depth)
            return cj_fail(r, JM_ELIMIT, "JSON nested deeper than %d levels at line %ld, column %ld", CM_MAX_DEPTH,
                           line, col);
        return cj_fail(r, JM_EINPUT, "malformed JSON at line %ld, column %ld: %s", line, col,
                       json_tokener_error_desc(je));
    }
    *out = v;
    *end = off;
    return JM_OK;
}

/* ---- header: version, transform, CRS, templates, appearance ---- */

static enum jm_status cj_version(struct cj_reader *r, json_object *doc)
{
    static const char *const supported[] = {"1.0", "1.1", "2.0"};
    const char *v = cj_get_string(doc, "version");
    if (!v)
        return cj_fail(r, JM_EINPUT, "the CityJSON document has no \"version\"");
    for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++) {
        size_t n = strlen(supported[i]);
        if (strncmp(v, supported[i], n) != 0)
            continue;
        const char *rest = v + n;
        bool patch = rest[0] == '.' && rest[1] != '\0' && strspn(rest + 1, "0123456789") == strlen(rest + 1);
        if ((rest[0] == '\0' || patch) && strlen(v) < sizeof r->info->version) {
            cj_copy_text(r->info->version, sizeof r->info->version, v);
            return JM_OK;
        }
    }
    return cj_fail(r, JM_EINPUT, "unsupported CityJSON version \"%.32s\" (1.0, 1.1 and 2.0 are read)", v);
}

static enum jm_status cj_transform(struct cj_reader *r, json_object *doc)
{
    json_object *t = cj_get(doc, "transform");
    r->has_transform = false;
    if (!t)
        return JM_OK;
    if (!cj_numbers(cj_get(t, "scale"), r->scale, 3) || !cj_numbers(cj_get(t, "translate"), r->translate, 3))
        return cj_fail(r, JM_EINPUT, "\"transform\" needs \"scale\" and \"translate\", each 3 finite numbers");
    r->has_transform = true;
    return JM_OK;
}

static bool cj_ascii_prefix(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
        if (c != *prefix)
            return false;
    }
    return true;
}

/* An EPSG code of 1 to 9 digits filling s[0..n). */
static bool cj_code(const char *s, size_t n, int *code)
{
    char digits[10];
    long v;
    if (n == 0 || n >= sizeof digits || strspn(s, "0123456789") < n)
        return false;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (!parse_long(digits, 1, INT_MAX, &v))
        return false;
    *code = (int)v;
    return true;
}

/* The EPSG code in s[0..n) named the ways CityJSON files do: ".../def/crs/EPSG/0/7415",
 * "urn:ogc:def:crs:EPSG::7415" (with or without a version between the colons), "EPSG:7415". */
static bool cj_epsg(const char *s, size_t n, int *code)
{
    static const char url[] = "/def/crs/epsg/";
    static const char urn[] = "urn:ogc:def:crs:epsg:";
    for (size_t i = 0; i + sizeof url - 1 <= n; i++) {
        if (!cj_ascii_prefix(s + i, url))
            continue;
        const char *ver = s + i + sizeof url - 1, *slash = memchr(ver, '/', n - (size_t)(ver - s));
        return slash && cj_code(slash + 1, n - (size_t)(slash + 1 - s), code);
    }
    if (n >= sizeof urn - 1 && cj_ascii_prefix(s, urn)) {
        const char *ver = s + sizeof urn - 1, *colon = memchr(ver, ':', n - (sizeof urn - 1));
        return colon && cj_code(colon + 1, n - (size_t)(colon + 1 - s), code);
    }
    if (n > 5 && cj_ascii_prefix(s, "epsg:"))
        return cj_code(s + 5, n - 5, code);
    return false;
}

/* ".../def/crs-compound?1=URL&2=URL" with both parts EPSG codes. */
static bool cj_epsg_compound(const char *s, int *horizontal, int *vertical)
{
    const char *q = strstr(s, "crs-compound?1=");
    if (!q)
        return false;
    const char *first = q + strlen("crs-compound?1="), *amp = strstr(first, "&2=");
    if (!amp || strchr(amp + 3, '&'))
        return false;
    return cj_epsg(first, (size_t)(amp - first), horizontal) && cj_epsg(amp + 3, strlen(amp + 3), vertical);
}

static enum jm_status cj_crs(struct cj_reader *r, json_object *doc)
{
    json_object *ref = cj_get(cj_get(doc, "metadata"), "referenceSystem");
    struct cm_info *info = r->info;
    int h = 0, v = 0;
    if (!ref)
        return JM_OK;
    if (!cj_text_ok(ref))
        return cj_fail(r, JM_EINPUT, "metadata.referenceSystem is not a UTF-8 string");
    const char *s = json_object_get_string(ref);
    if (cj_epsg_compound(s, &h, &v)) {
        snprintf(info->srs, sizeof info->srs, "EPSG:%d+%d", h, v);
    } else if (cj_epsg(s, strlen(s), &h)) {
        snprintf(info->srs, sizeof info->srs, "EPSG:%d", h);
    } else {
        cj_copy_text(info->srs, sizeof info->srs, s);
    }
    info->epsg_horizontal = h;
    info->epsg_vertical = v;
    return JM_OK;
}

/* Converts a "vertices" array into `pool`, applying the transform when `transform`.
 * `what` names the array in messages. */
static enum jm_status cj_load_pool(struct cj_reader *r, json_object *arr, struct cj_pool *pool, bool transform,
                                   const char *what)
{
    pool->n = 0;
    if (!arr)
        return JM_OK;
    if (!json_object_is_type(arr, json_type_array))
        return cj_fail(r, JM_EINPUT, "\"%s\" is not an array", what);
    size_t n = json_object_array_length(arr);
    if (!cj_reserve_points(&pool->xyz, &pool->alloc, n))
        return cj_oom(r);
    for (size_t i = 0; i < n; i++) {
        double *p = pool->xyz + 3 * i;
        if (!cj_numbers(json_object_array_get_idx(arr, i), p, 3))
            return cj_fail(r, JM_EINPUT, "%s[%zu] is not 3 finite numbers", what, i);
        if (transform && r->has_transform) {
            for (int k = 0; k < 3; k++)
                p[k] = p[k] * r->scale[k] + r->translate[k];
            if (!isfinite(p[0]) || !isfinite(p[1]) || !isfinite(p[2]))
                return cj_fail(r, JM_EINPUT, "%s[%zu] is out of range after the transform", what, i);
        }
    }
    pool->n = n;
    return JM_OK;
}

static enum jm_status cj_templates(struct cj_reader *r, json_object *doc)
{
    json_object *gt = cj_get(doc, "geometry-templates");
    r->templates = NULL;
    r->template_vertices.n = 0;
    if (!gt)
        return JM_OK;
    r->templates = cj_get(gt, "templates");
    if (!json_object_is_type(r->templates, json_type_array))
        return cj_fail(r, JM_EINPUT, "\"geometry-templates\" has no \"templates\" array");
    return cj_load_pool(r, cj_get(gt, "vertices-templates"), &r->template_vertices, false, "vertices-templates");
}

/* Counts a texture file missing beside the input (never an error). */
static void cj_check_texture(struct cj_reader *r, const char *image)
{
    char path[CJ_PATH_MAX];
    struct stat st;
    int n;
    if (!r->dir || image[0] == '\0' || strstr(image, "://"))
        return;
    if (image[0] == '/')
        n = snprintf(path, sizeof path, "%s", image);
    else
        n = snprintf(path, sizeof path, "%s/%s", r->dir, image);
    if (n >= 0 && (size_t)n < sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return;
    if (r->info->textures_missing++ == 0)
        cj_copy_text(r->info->first_missing_texture, sizeof r->info->first_missing_texture, image);
}

/* Counts textures and materials and checks texture files; never fails. */
static void cj_appearance(struct cj_reader *r, json_object *holder)
{
    json_object *app = cj_get(holder, "appearance");
    json_object *textures = cj_get(app, "textures"), *materials = cj_get(app, "materials");
    if (json_object_is_type(materials, json_type_array))
        r->info->materials += (long)json_object_array_length(materials);
    if (!json_object_is_type(textures, json_type_array))
        return;
    size_t n = json_object_array_length(textures);
    r->info->textures += (long)n;
    for (size_t i = 0; i < n; i++) {
        const char *image = cj_get_string(json_object_array_get_idx(textures, i), "image");
        if (image)
            cj_check_texture(r, image);
    }
}

/* The header of a document or of a Text Sequence: everything but the CityObjects. */
static enum jm_status cj_header(struct cj_reader *r, json_object *doc)
{
    const char *type = cj_get_string(doc, "type");
    enum jm_status st;
    if (!type || strcmp(type, "CityJSON") != 0) {
        if (type && strcmp(type, "CityJSONFeature") == 0)
            return cj_fail(r, JM_EINPUT, "a CityJSONFeature without the CityJSON header line before it");
        return cj_fail(r, JM_EINPUT, "not a CityJSON document (no \"type\": \"CityJSON\")");
    }
    if ((st = cj_version(r, doc)) != JM_OK || (st = cj_transform(r, doc)) != JM_OK || (st = cj_crs(r, doc)) != JM_OK ||
        (st = cj_templates(r, doc)) != JM_OK)
        return st;
    cj_appearance(r, doc);
    return cj_load_pool(r, cj_get(doc, "vertices"), &r->vertices, true, "vertices");
}

/* ---- geometry ---- */

/* How many array levels lie above a surface in each type's boundaries; 0: no surfaces
 * (ignored), -1: a template instance. */
static const struct cj_kind {
    const char *name;
    int levels;
} cj_kinds[] = {
    {"MultiPoint", 0}, {"MultiLineString", 0}, {"MultiSurface", 1},   {"CompositeSurface", 1},
    {"Solid", 2},      {"MultiSolid", 3},      {"CompositeSolid", 3}, {"GeometryInstance", -1},
};

static const struct cj_kind *cj_kind(const char *type)
{
    for (size_t i = 0; type && i < sizeof cj_kinds / sizeof cj_kinds[0]; i++)
        if (strcmp(cj_kinds[i].name, type) == 0)
            return &cj_kinds[i];
    return NULL;
}

/* lod "2.2" → 2, 2 → 2, 1.3 → 1; false unless 0..4. */
static bool cj_lod(json_object *v, int *lod)
{
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        if (s[0] < '0' || s[0] > '4')
            return false;
        if (s[1] != '\0' && (s[1] != '.' || s[2] == '\0' || strspn(s + 2, "0123456789") != strlen(s + 2)))
            return false;
        *lod = s[0] - '0';
        return true;
    }
    if (!cj_is_number(v))
        return false;
    double d = json_object_get_double(v);
    if (!(d >= 0 && d < 5))
        return false;
    *lod = (int)d;
    return true;
}

static enum jm_status cj_nesting(struct cj_reader *r, const struct cj_geom *g)
{
    return cj_fail(r, JM_EINPUT, "geometry %zu: boundaries are not nested as a %s", g->index, g->type);
}

/* The coordinates of vertex index `v` of the geometry's source. */
static enum jm_status cj_point(struct cj_reader *r, const struct cj_geom *g, json_object *v, double p[3])
{
    const struct cj_vsource *src = &g->src;
    if (!json_object_is_type(v, json_type_int))
        return cj_nesting(r, g);
    int64_t i = json_object_get_int64(v);
    if (i < 0 || (uint64_t)i >= src->pool->n)
        return cj_fail(r, JM_EINPUT, "%s index %lld out of range (%zu %s)", src->what, (long long)i, src->pool->n,
                       src->units);
    const double *q = src->pool->xyz + 3 * (size_t)i;
    if (!src->placed) {
        memcpy(p, q, 3 * sizeof(double));
        return JM_OK;
    }
    for (int k = 0; k < 3; k++) {
        const double *m = src->m + 4 * k;
        p[k] = m[0] * q[0] + m[1] * q[1] + m[2] * q[2] + m[3] + src->ref[k];
    }
    if (!isfinite(p[0]) || !isfinite(p[1]) || !isfinite(p[2]))
        return cj_fail(r, JM_EINPUT, "geometry %zu: a template vertex is out of range once placed", g->index);
    return JM_OK;
}

static bool cj_same(const double *a, const double *b)
{
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

/* Whether the ring at xyz[0..n) (no consecutive repeats) has 3 distinct points. */
static bool cj_ring_usable(const double *xyz, size_t n)
{
    if (n < 3)
        return false;
    for (size_t k = 2; k < n; k++)
        if (!cj_same(xyz + 3 * k, xyz) && !cj_same(xyz + 3 * k, xyz + 3))
            return true;
    return false;
}

/* Appends one ring's points to the scratch, repeats dropped; *kept is false (nothing
 * appended) when it has fewer than 3 distinct points. */
static enum jm_status cj_ring(struct cj_reader *r, const struct cj_geom *g, json_object *ring, bool *kept)
{
    struct cj_scratch *s = &r->s;
    size_t start = s->npoints, n = 0;
    enum jm_status st;

    *kept = false;
    if (!json_object_is_type(ring, json_type_array))
        return cj_nesting(r, g);
    size_t len = json_object_array_length(ring);
    if (len < 3) { /* checked apart: before the first allocation s->xyz is NULL */
        for (size_t i = 0; i < len; i++) {
            double p[3];
            if ((st = cj_point(r, g, json_object_array_get_idx(ring, i), p)) != JM_OK)
                return st;
        }
        r->skipped_rings++;
        return JM_OK;
    }
    if (len > CM_MAX_OBJECT_POINTS || start + len > CM_MAX_OBJECT_POINTS)
        return cj_fail(r, JM_ELIMIT, "more than %d points in its surfaces", CM_MAX_OBJECT_POINTS);
    if (!cj_reserve_points(&s->xyz, &s->points_alloc, start + len))
        return cj_oom(r);
    double *base = s->xyz + 3 * start;
    for (size_t i = 0; i < len; i++) {
        double *p = base + 3 * n;
        if ((st = cj_point(r, g, json_object_array_get_idx(ring, i), p)) != JM_OK)
            return st;
        if (n == 0 || !cj_same(p, p - 3))
            n++;
    }
    while (n > 1 && cj_same(base + 3 * (n - 1), base))
        n--; /* the closing point, which CityJSON does not repeat */
    if (!cj_ring_usable(base, n)) {
        r->skipped_rings++;
        return JM_OK;
    }
    if (!cj_reserve_rings(s, s->nrings + 1))
        return cj_oom(r);
    s->rings[s->nrings++] = (int)n;
    s->npoints = start + n;
    *kept = true;
    return JM_OK;
}

/* The semantic type that a `values` leaf names, or NULL. */
static enum jm_status cj_semantic(struct cj_reader *r, const struct cj_geom *g, json_object *value,
                                  const char **semantic)
{
    *semantic = NULL;
    if (!value)
        return JM_OK;
    if (!json_object_is_type(value, json_type_int) || !g->semantic)
        return cj_fail(r, JM_EINPUT, "geometry %zu: semantics values are not nested like its boundaries", g->index);
    int64_t i = json_object_get_int64(value);
    size_t n = json_object_array_length(g->semantic);
    if (i < 0 || (uint64_t)i >= n)
        return cj_fail(r, JM_EINPUT, "geometry %zu: semantic index %lld out of range (%zu semantic surfaces)", g->index,
                       (long long)i, n);
    *semantic = cj_get_string(json_object_array_get_idx(g->semantic, (size_t)i), "type");
    return JM_OK;
}

/* One surface: outer ring then holes. A surface whose outer ring is unusable is dropped
 * whole (its holes are still checked). */
static enum jm_status cj_surface(struct cj_reader *r, const struct cj_geom *g, json_object *surface, json_object *value)
{
    struct cj_scratch *s = &r->s;
    size_t point0 = s->npoints, ring0 = s->nrings;
    const char *semantic;
    bool outer_kept = false;
    enum jm_status st;

    if (!json_object_is_type(surface, json_type_array))
        return cj_nesting(r, g);
    if ((st = cj_semantic(r, g, value, &semantic)) != JM_OK)
        return st;
    size_t nrings = json_object_array_length(surface);
    for (size_t i = 0; i < nrings; i++) {
        bool kept;
        if ((st = cj_ring(r, g, json_object_array_get_idx(surface, i), &kept)) != JM_OK)
            return st;
        if (i == 0)
            outer_kept = kept;
    }
    if (!outer_kept) {
        s->npoints = point0;
        s->nrings = ring0;
        r->skipped_surfaces++;
        return JM_OK;
    }
    if (!cj_reserve_surfaces(s, s->nsurfaces + 1))
        return cj_oom(r);
    struct cm_surface *out = &s->surfaces[s->nsurfaces];
    memset(out, 0, sizeof *out);
    out->nrings = (int)(s->nrings - ring0);
    out->lod = g->lod;
    out->semantic = semantic;
    out->id = NULL;
    s->at[s->nsurfaces].point = point0;
    s->at[s->nsurfaces].ring = ring0;
    s->nsurfaces++;
    return JM_OK;
}

/* Walks `levels` array levels of boundaries (and of semantics values beside them) down to
 * the surfaces. */
static enum jm_status cj_walk(struct cj_reader *r, const struct cj_geom *g, json_object *node, json_object *values,
                              int levels)
{
    enum jm_status st;
    if (levels == 0)
        return cj_surface(r, g, node, values);
    if (!json_object_is_type(node, json_type_array))
        return cj_nesting(r, g);
    if (values && !json_object_is_type(values, json_type_array))
        return cj_fail(r, JM_EINPUT, "geometry %zu: semantics values are not nested like its boundaries", g->index);
    size_t n = json_object_array_length(node), nv = values ? json_object_array_length(values) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *v = i < nv ? json_object_array_get_idx(values, i) : NULL;
        if ((st = cj_walk(r, g, json_object_array_get_idx(node, i), v, levels - 1)) != JM_OK)
            return st;
    }
    return JM_OK;
}

/* lod, semantics and boundaries of a geometry (or template) with surfaces. */
static enum jm_status cj_geometry_body(struct cj_reader *r, struct cj_geom *g, json_object *geom, int levels)
{
    json_object *sem = cj_get(geom, "semantics"), *values = NULL;
    if (!cj_lod(cj_get(geom, "lod"), &g->lod))
        return cj_fail(r, JM_EINPUT, "geometry %zu (%s): missing or invalid lod (0..4)", g->index, g->type);
    g->semantic = NULL;
    if (sem) {
        g->semantic = cj_get(sem, "surfaces");
        values = cj_get(sem, "values");
        if (!json_object_is_type(g->semantic, json_type_array))
            return cj_fail(r, JM_EINPUT, "geometry %zu: semantics without a \"surfaces\" array", g->index);
        size_t n = json_object_array_length(g->semantic);
        for (size_t i = 0; i < n; i++)
            if (!cj_text_ok(cj_get(json_object_array_get_idx(g->semantic, i), "type")))
                return cj_fail(r, JM_EINPUT, "geometry %zu: semantic surface %zu has no valid \"type\"", g->index, i);
    }
    json_object *boundaries = cj_get(geom, "boundaries");
    if (!json_object_is_type(boundaries, json_type_array))
        return cj_fail(r, JM_EINPUT, "geometry %zu (%s) has no \"boundaries\" array", g->index, g->type);
    return cj_walk(r, g, boundaries, values, levels);
}

/* A GeometryInstance: the template's geometry placed at the reference point. */
static enum jm_status cj_instance(struct cj_reader *r, struct cj_geom *g, json_object *geom)
{
    json_object *t = cj_get(geom, "template"), *bnd = cj_get(geom, "boundaries");
    size_t ntemplates = r->templates ? json_object_array_length(r->templates) : 0;
    enum jm_status st;
    double m[16];

    if (!json_object_is_type(t, json_type_int))
        return cj_fail(r, JM_EINPUT, "geometry %zu: GeometryInstance without an integer \"template\"", g->index);
    int64_t ti = json_object_get_int64(t);
    if (ti < 0 || (uint64_t)ti >= ntemplates)
        return cj_fail(r, JM_EINPUT, "geometry %zu: template index %lld out of range (%zu templates)", g->index,
                       (long long)ti, ntemplates);
    if (!json_object_is_type(bnd, json_type_array) || json_object_array_length(bnd) != 1)
        return cj_fail(r, JM_EINPUT, "geometry %zu: GeometryInstance boundaries must hold one vertex index", g->index);
    if ((st = cj_point(r, g, json_object_array_get_idx(bnd, 0), g->src.ref)) != JM_OK)
        return st;
    if (!cj_numbers(cj_get(geom, "transformationMatrix"), m, 16))
        return cj_fail(r, JM_EINPUT, "geometry %zu: transformationMatrix is not 16 finite numbers", g->index);

    json_object *tg = json_object_array_get_idx(r->templates, (size_t)ti);
    const struct cj_kind *kind = cj_kind(cj_get_string(tg, "type"));
    if (!kind || kind->levels < 0)
        return cj_fail(r, JM_EINPUT, "geometry %zu: template %lld is not a geometry with boundaries", g->index,
                       (long long)ti);
    if (kind->levels == 0)
        return JM_OK;
    g->type = kind->name;
    g->src.pool = &r->template_vertices;
    g->src.what = "template vertex";
    g->src.units = "template vertices";
    g->src.placed = true;
    memcpy(g->src.m, m, sizeof g->src.m);
    return cj_geometry_body(r, g, tg, kind->levels);
}

static enum jm_status cj_geometry(struct cj_reader *r, json_object *geom, size_t index)
{
    struct cj_geom g;
    memset(&g, 0, sizeof g);
    g.index = index;
    g.src.pool = &r->vertices;
    g.src.what = "vertex";
    g.src.units = "vertices";
    if (!json_object_is_type(geom, json_type_object))
        return cj_fail(r, JM_EINPUT, "geometry %zu is not a JSON object", index);
    const char *type = cj_get_string(geom, "type");
    const struct cj_kind *kind = cj_kind(type);
    if (!kind)
        return cj_fail(r, JM_EINPUT, "geometry %zu: unknown geometry type \"%.40s\"", index, type ? type : "");
    g.type = kind->name;
    if (kind->levels == 0)
        return JM_OK;
    if (kind->levels < 0)
        return cj_instance(r, &g, geom);
    return cj_geometry_body(r, &g, geom, kind->levels);
}

/* ---- attributes ---- */

/* Every number finite and no string holding U+0000, down the whole value. */
static bool cj_json_clean(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_double:
        return isfinite(json_object_get_double(v));
    case json_type_string:
        return strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v);
    case json_type_array: {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++)
            if (!cj_json_clean(json_object_array_get_idx(v, i)))
                return false;
        return true;
    }
    case json_type_object: {
        struct json_object_iterator it = json_object_iter_begin(v), end = json_object_iter_end(v);
        for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
            if (!cj_json_clean(json_object_iter_peek_value(&it)))
                return false;
        return true;
    }
    default:
        return true;
    }
}

/* Adds `val` (whose reference is handed over) under `key`, or "cityjson:KEY" when taken. */
static enum jm_status cj_add(struct cj_reader *r, json_object *out, const char *key, json_object *val)
{
    char *alt = NULL;
    if (json_object_object_get_ex(out, key, NULL)) {
        size_t n = strlen(key) + sizeof "cityjson:";
        alt = malloc(n);
        if (!alt) {
            json_object_put(val);
            return cj_oom(r);
        }
        snprintf(alt, n, "cityjson:%s", key);
        key = alt;
    }
    int rc = json_object_object_add(out, key, val);
    free(alt);
    if (rc != 0) {
        json_object_put(val);
        return cj_oom(r);
    }
    return JM_OK;
}

static json_object *cj_new_number(double v)
{
    char text[JW_DOUBLE_MAX];
    jw_format_double(v, text);
    return json_object_new_double_s(v, text);
}

/* An address's location (a MultiPoint of vertex indices) as [[x, y, z], …]. */
static enum jm_status cj_location(struct cj_reader *r, json_object *loc, json_object **out)
{
    json_object *b = cj_get(loc, "boundaries");
    struct cj_geom g;
    enum jm_status st;

    memset(&g, 0, sizeof g);
    g.type = "MultiPoint (address location)";
    g.src.pool = &r->vertices;
    g.src.what = "vertex";
    g.src.units = "vertices";
    *out = NULL;
    if (!json_object_is_type(b, json_type_array))
        return cj_fail(r, JM_EINPUT, "address location is not a MultiPoint");
    json_object *arr = json_object_new_array();
    if (!arr)
        return cj_oom(r);
    size_t n = json_object_array_length(b);
    for (size_t i = 0; i < n; i++) {
        double p[3];
        json_object *pt = NULL;
        if ((st = cj_point(r, &g, json_object_array_get_idx(b, i), p)) != JM_OK)
            goto fail;
        pt = json_object_new_array();
        if (!pt || json_object_array_add(arr, pt) != 0) {
            json_object_put(pt);
            st = cj_oom(r);
            goto fail;
        }
        for (int k = 0; k < 3; k++) {
            json_object *c = cj_new_number(p[k]);
            if (!c || json_object_array_add(pt, c) != 0) {
                json_object_put(c);
                st = cj_oom(r);
                goto fail;
            }
        }
    }
    *out = arr;
    return JM_OK;
fail:
    json_object_put(arr);
    return st;
}

/* One address object, its location resolved to coordinates; *out is a new reference. */
static enum jm_status cj_address_one(struct cj_reader *r, json_object *a, json_object **out)
{
    enum jm_status st = JM_OK;
    *out = NULL;
    if (!json_object_is_type(a, json_type_object)) {
        *out = json_object_get(a);
        return JM_OK;
    }
    json_object *o = json_object_new_object();
    if (!o)
        return cj_oom(r);
    struct json_object_iterator it = json_object_iter_begin(a), end = json_object_iter_end(a);
    for (; st == JM_OK && !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *key = json_object_iter_peek_name(&it);
        json_object *val = json_object_iter_peek_value(&it), *conv = NULL;
        if (strcmp(key, "location") == 0 && val)
            st = cj_location(r, val, &conv);
        else
            conv = json_object_get(val);
        if (st == JM_OK)
            st = cj_add(r, o, key, conv);
    }
    if (st != JM_OK) {
        json_object_put(o);
        return st;
    }
    *out = o;
    return JM_OK;
}

/* The `address` member: one address as an object, several as an array. */
static enum jm_status cj_address(struct cj_reader *r, json_object *addr, json_object **out)
{
    enum jm_status st;
    *out = NULL;
    if (!json_object_is_type(addr, json_type_array))
        return cj_address_one(r, addr, out);
    size_t n = json_object_array_length(addr);
    if (n == 1)
        return cj_address_one(r, json_object_array_get_idx(addr, 0), out);
    json_object *arr = json_object_new_array();
    if (!arr)
        return cj_oom(r);
    for (size_t i = 0; i < n; i++) {
        json_object *one;
        if ((st = cj_address_one(r, json_object_array_get_idx(addr, i), &one)) != JM_OK)
            goto fail;
        if (json_object_array_add(arr, one) != 0) {
            json_object_put(one);
            st = cj_oom(r);
            goto fail;
        }
    }
    *out = arr;
    return JM_OK;
fail:
    json_object_put(arr);
    return st;
}

/* Members of a CityObject that are not attributes: structure, geometry, relations. */
static bool cj_structural(const char *key)
{
    static const char *const names[] = {"type", "attributes", "geometry", "parents", "children", "geographicalExtent"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], key) == 0)
            return true;
    return false;
}

/* Builds r->attributes from the object's attributes and other members (see the decisions
 * at the top) and gives its text, which lives until r->attributes is put. */
static enum jm_status cj_attributes(struct cj_reader *r, json_object *obj, const char **text)
{
    json_object *attrs = cj_get(obj, "attributes");
    struct json_object_iterator it, end;
    enum jm_status st = JM_OK;

    if (attrs && !json_object_is_type(attrs, json_type_object))
        return cj_fail(r, JM_EINPUT, "\"attributes\" is not a JSON object");
    if (!(r->attributes = json_object_new_object()))
        return cj_oom(r);
    if (attrs) {
        it = json_object_iter_begin(attrs);
        end = json_object_iter_end(attrs);
        for (; st == JM_OK && !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
            st = cj_add(r, r->attributes, json_object_iter_peek_name(&it),
                        json_object_get(json_object_iter_peek_value(&it)));
    }
    it = json_object_iter_begin(obj);
    end = json_object_iter_end(obj);
    for (; st == JM_OK && !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *key = json_object_iter_peek_name(&it);
        json_object *val = json_object_iter_peek_value(&it), *conv = NULL;
        if (cj_structural(key))
            continue;
        if (strcmp(key, "address") == 0)
            st = cj_address(r, val, &conv);
        else
            conv = json_object_get(val);
        if (st == JM_OK)
            st = cj_add(r, r->attributes, key, conv);
    }
    if (st != JM_OK)
        return st;
    if (!cj_json_clean(r->attributes))
        return cj_fail(r, JM_EINPUT, "an attribute holds NaN, an infinite number or a U+0000 character");
    *text = json_object_to_json_string_ext(r->attributes, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!*text)
        return cj_oom(r);
    size_t n = strlen(*text);
    if (n > CM_MAX_ATTRIBUTES_BYTES)
        return cj_fail(r, JM_ELIMIT, "attributes take %zu bytes, more than %d", n, CM_MAX_ATTRIBUTES_BYTES);
    if (!cj_utf8_ok(*text, n))
        return cj_fail(r, JM_EINPUT, "attributes are not valid UTF-8");
    return JM_OK;
}

/* ---- objects ---- */

/* Hands the object in the scratch to on_object. */
static enum jm_status cj_report(struct cj_reader *r, const char *id, const char *type, const char *parent,
                                const char *attributes)
{
    struct cj_scratch *s = &r->s;
    struct cm_object o;
    for (size_t i = 0; i < s->nsurfaces; i++) {
        s->surfaces[i].xyz = s->xyz + 3 * s->at[i].point;
        s->surfaces[i].ring_sizes = s->rings + s->at[i].ring;
    }
    o.id = id;
    o.type = type;
    o.parent_id = parent;
    o.attributes = attributes;
    o.surfaces = s->nsurfaces ? s->surfaces : NULL;
    o.nsurfaces = (int)s->nsurfaces;
    r->info->objects++;
    r->info->surfaces += (long)s->nsurfaces;
    return r->on_object ? r->on_object(r->ctx, &o, r->info, r->e) : JM_OK;
}

static enum jm_status cj_object_body(struct cj_reader *r, const char *id, json_object *obj)
{
    json_object *type = cj_get(obj, "type"), *parents = cj_get(obj, "parents"), *geoms = cj_get(obj, "geometry");
    const char *parent = NULL, *attributes = NULL;
    enum jm_status st;

    if (!json_object_is_type(obj, json_type_object))
        return cj_fail(r, JM_EINPUT, "is not a JSON object");
    if (!cj_text_ok(type) || json_object_get_string_len(type) == 0)
        return cj_fail(r, JM_EINPUT, "has no valid \"type\"");
    if (parents && !json_object_is_type(parents, json_type_array))
        return cj_fail(r, JM_EINPUT, "\"parents\" is not an array");
    if (parents && json_object_array_length(parents) > 0) {
        json_object *p = json_object_array_get_idx(parents, 0);
        if (!cj_text_ok(p))
            return cj_fail(r, JM_EINPUT, "its first parent is not a valid string id");
        parent = json_object_get_string(p);
    }
    r->s.npoints = r->s.nrings = r->s.nsurfaces = 0;
    if (geoms && !json_object_is_type(geoms, json_type_array))
        return cj_fail(r, JM_EINPUT, "\"geometry\" is not an array");
    size_t n = geoms ? json_object_array_length(geoms) : 0;
    for (size_t i = 0; i < n; i++)
        if ((st = cj_geometry(r, json_object_array_get_idx(geoms, i), i)) != JM_OK)
            return st;
    if ((st = cj_attributes(r, obj, &attributes)) != JM_OK)
        return st;
    return cj_report(r, id, json_object_get_string(type), parent, attributes);
}

static enum jm_status cj_object(struct cj_reader *r, const char *id, json_object *obj, size_t index)
{
    enum jm_status st;
    if (!cj_utf8_ok(id, strlen(id)))
        return cj_fail(r, JM_EINPUT, "the id of CityObject %zu is not valid UTF-8", index);
    r->object_id = id;
    st = cj_object_body(r, id, obj);
    json_object_put(r->attributes);
    r->attributes = NULL;
    r->object_id = NULL;
    return st;
}

static enum jm_status cj_city_objects(struct cj_reader *r, json_object *holder)
{
    json_object *objs = cj_get(holder, "CityObjects");
    enum jm_status st = JM_OK;
    size_t index = 0;
    if (!json_object_is_type(objs, json_type_object))
        return cj_fail(r, JM_EINPUT, "no \"CityObjects\" object");
    struct json_object_iterator it = json_object_iter_begin(objs), end = json_object_iter_end(objs);
    for (; st == JM_OK && !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
        st = cj_object(r, json_object_iter_peek_name(&it), json_object_iter_peek_value(&it), index++);
    return st;
}

/* ---- Text Sequences ---- */

/* One line after the header: blank, or a CityJSONFeature with its own vertices. */
static enum jm_status cj_feature_line(struct cj_reader *r, const char *text, size_t len, long line)
{
    json_object *f = NULL;
    size_t end;
    enum jm_status st;

    if (cj_blank(text, len))
        return JM_OK;
    r->line = line;
    if ((st = cj_parse_value(r, text, len, line, &f, &end)) != JM_OK)
        return st;
    const char *type = cj_get_string(f, "type");
    if (!cj_blank(text + end, len - end))
        st = cj_fail(r, JM_EINPUT, "more than one JSON value on the line");
    else if (!type || strcmp(type, "CityJSONFeature") != 0)
        st = cj_fail(r, JM_EINPUT, "not a CityJSONFeature (\"type\": \"CityJSONFeature\")");
    else if ((st = cj_load_pool(r, cj_get(f, "vertices"), &r->vertices, true, "vertices")) == JM_OK) {
        cj_appearance(r, f);
        st = cj_city_objects(r, f);
    }
    json_object_put(f);
    return st;
}

/* The lines of data[pos..len), the first being line `line`. */
static enum jm_status cj_lines_memory(struct cj_reader *r, const char *data, size_t len, size_t pos, long line)
{
    enum jm_status st;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t stop = nl ? (size_t)(nl - data) : len;
        if ((st = cj_feature_line(r, data + pos, stop - pos, line)) != JM_OK)
            return st;
        pos = stop + 1;
        line++;
    }
    return JM_OK;
}

/* ---- drivers ---- */

static enum jm_status cj_reader_init(struct cj_reader *r, const char *name, const char *dir, cm_object_fn on_object,
                                     void *ctx, struct cm_info *info, struct err *e)
{
    memset(r, 0, sizeof *r);
    memset(info, 0, sizeof *info);
    r->name = name ? name : "CityJSON";
    r->dir = dir;
    r->on_object = on_object;
    r->ctx = ctx;
    r->info = info;
    r->e = e;
    r->tok = json_tokener_new_ex(CM_MAX_DEPTH);
    if (!r->tok)
        return cj_oom(r);
    json_tokener_set_flags(r->tok, CJ_TOKENER_FLAGS);
    return JM_OK;
}

static void cj_reader_cleanup(struct cj_reader *r)
{
    /* our large buffers before the parsed tree: freeing one of them after millions of small
     * json-c chunks makes glibc consolidate them all at once (a second on 100 MB) */
    free(r->vertices.xyz);
    free(r->template_vertices.xyz);
    free(r->s.xyz);
    free(r->s.rings);
    free(r->s.surfaces);
    free(r->s.at);
    if (r->tok)
        json_tokener_free(r->tok);
    json_object_put(r->attributes);
    json_object_put(r->header);
}

/* A whole input in memory: a document, or a Text Sequence whose header line is followed by
 * feature lines. When `owned` is given and the input is a single document, *owned (which
 * holds `data`) is freed and set to NULL once parsed, so that the bytes and the parsed tree
 * are not both held while the objects are reported. */
static enum jm_status cj_run_memory(struct cj_reader *r, const char *data, size_t len, char **owned)
{
    size_t end;
    enum jm_status st;

    if ((st = cj_parse_value(r, data, len, 1, &r->header, &end)) != JM_OK)
        return st;
    if ((st = cj_header(r, r->header)) != JM_OK)
        return st;
    /* More after the first value makes a Text Sequence when it starts on a later line
     * (json-c may have consumed some of the whitespace after the value). */
    size_t value_end = end, next = end, start = 0;
    while (value_end > 0 && cj_is_space(data[value_end - 1]))
        value_end--;
    while (next < len && cj_is_space(data[next]))
        next++;
    bool sequence = next < len;
    for (size_t i = value_end; i < next; i++)
        if (data[i] == '\n')
            start = i + 1;
    if (sequence && start == 0) {
        long line, col;
        cj_position(data, next, 1, &line, &col);
        return cj_fail(r, JM_EINPUT, "trailing content after the JSON document at line %ld, column %ld", line, col);
    }
    if (!sequence && owned) {
        free(*owned);
        *owned = NULL;
        data = NULL;
    }
    if ((st = cj_city_objects(r, r->header)) != JM_OK || !sequence)
        return st;
    long line, col;
    cj_position(data, start, 1, &line, &col);
    return cj_lines_memory(r, data, len, start, line);
}

enum jm_status cm_parse_cityjson(const char *data, size_t len, const char *name, const char *dir,
                                 cm_object_fn on_object, void *ctx, struct cm_info *info, struct err *e)
{
    struct cj_reader r;
    struct cm_info local;
    enum jm_status st = cj_reader_init(&r, name, dir, on_object, ctx, info ? info : &local, e);
    if (st == JM_OK)
        st = len > CM_MAX_FILE_BYTES
                 ? cj_fail(&r, JM_ELIMIT, "the input is larger than %zu bytes", (size_t)CM_MAX_FILE_BYTES)
                 : cj_run_memory(&r, data ? data : "", data ? len : 0, NULL);
    cj_reader_cleanup(&r);
    return st;
}

/* A Text Sequence file read one line at a time: memory follows the longest line. */
static enum jm_status cj_run_lines_file(struct cj_reader *r, FILE *f)
{
    char *text = NULL;
    size_t cap = 0, end;
    ssize_t n;
    long line = 0;
    enum jm_status st = JM_OK;

    while (st == JM_OK && (n = getline(&text, &cap, f)) > 0) {
        line++;
        if (text[n - 1] == '\n')
            n--; /* positions in messages stay on the line */
        if ((size_t)n > CM_MAX_FILE_BYTES) {
            r->line = line;
            st = cj_fail(r, JM_ELIMIT, "a line longer than %zu bytes", (size_t)CM_MAX_FILE_BYTES);
        } else if (r->header) {
            st = cj_feature_line(r, text, (size_t)n, line);
        } else if (!cj_blank(text, (size_t)n)) {
            r->line = line;
            if ((st = cj_parse_value(r, text, (size_t)n, line, &r->header, &end)) == JM_OK) {
                if (!cj_blank(text + end, (size_t)n - end))
                    st = cj_fail(r, JM_EINPUT, "more than one JSON value on the line");
                else if ((st = cj_header(r, r->header)) == JM_OK)
                    st = cj_city_objects(r, r->header);
            }
        }
    }
    if (st == JM_OK && ferror(f))
        st = cj_fail(r, JM_EENV, "read error: %s", strerror(errno));
    if (st == JM_OK && !r->header) {
        r->line = 0;
        st = cj_fail(r, JM_EINPUT, "empty file (no CityJSON header line)");
    }
    free(text);
    return st;
}

/* Reads the whole file into *data (the caller frees it), at most CM_MAX_FILE_BYTES. */
static enum jm_status cj_slurp(struct cj_reader *r, FILE *f, char **data, size_t *len)
{
    struct stat st;
    size_t alloc = 1 << 16, n = 0;
    char *buf = NULL;

    *data = NULL;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > CM_MAX_FILE_BYTES)
            return cj_fail(r, JM_ELIMIT, "the file is larger than %zu bytes (%lld)", (size_t)CM_MAX_FILE_BYTES,
                           (long long)st.st_size);
        alloc = (size_t)st.st_size + 1;
    }
    for (;;) {
        if (n == alloc || !buf) {
            size_t next = buf ? alloc * 2 : alloc;
            char *p = next > CM_MAX_FILE_BYTES + 1 ? NULL : realloc(buf, next);
            if (!p) {
                free(buf);
                return next > CM_MAX_FILE_BYTES + 1
                           ? cj_fail(r, JM_ELIMIT, "the file is larger than %zu bytes", (size_t)CM_MAX_FILE_BYTES)
                           : cj_oom(r);
            }
            buf = p;
            alloc = next;
        }
        size_t got = fread(buf + n, 1, alloc - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return cj_fail(r, JM_EENV, "read error: %s", strerror(errno));
    }
    *data = buf;
    *len = n;
    return JM_OK;
}

static bool cj_is_sequence_path(const char *path)
{
    size_t n = strlen(path);
    return n >= 6 && (cj_ascii_prefix(path + n - 6, ".jsonl"));
}

enum jm_status cm_read_cityjson(const char *path, cm_object_fn on_object, void *ctx, struct cm_info *info,
                                struct err *e)
{
    struct cj_reader r;
    struct cm_info local;
    char dir[CJ_PATH_MAX];
    char *data = NULL;
    size_t len = 0;
    FILE *f = NULL;

    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    else
        dir[0] = '\0';
    enum jm_status st = cj_reader_init(&r, path, dir[0] ? dir : NULL, on_object, ctx, info ? info : &local, e);
    if (st != JM_OK)
        goto out;
    if (!(f = fopen(path, "rb"))) {
        st = cj_fail(&r, errno == ENOENT ? JM_ENOTFOUND : JM_EENV, "cannot open: %s", strerror(errno));
        goto out;
    }
    struct stat fst;
    if (fstat(fileno(f), &fst) == 0 && S_ISDIR(fst.st_mode)) {
        st = cj_fail(&r, JM_EINPUT, "is a directory, not a CityJSON file");
        goto out;
    }
    if (cj_is_sequence_path(path)) {
        st = cj_run_lines_file(&r, f);
        goto out;
    }
    if ((st = cj_slurp(&r, f, &data, &len)) == JM_OK)
        st = cj_run_memory(&r, data, len, &data);
out:
    if (f)
        fclose(f);
    free(data);
    cj_reader_cleanup(&r);
    return st;
}
