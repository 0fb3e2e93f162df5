/* Fuzz target: the CityJSON reader (importers/citymodel/cityjson_reader.c), which reads
 * whatever file a user imports: documents and Text Sequences, as bytes in memory
 * (cm_parse_cityjson, no texture directory so nothing touches the file system).
 * Besides crashes and leaks (sanitizers), it aborts when a success breaks the contract of
 * citymodel.h: every object has an id, a type and attributes that are a JSON object in strict
 * UTF-8; every surface has rings of at least 3 points (3 of them distinct, no point repeated
 * next to itself), finite coordinates, lod 0..4, at most CM_MAX_OBJECT_POINTS points per
 * object; the counts in cm_info match what was reported. A failure must be JM_EINPUT or
 * JM_ELIMIT with the same code in the err and a message naming the input.
 * Built as a libFuzzer binary with -DJUMEAU_FUZZ=ON (clang), and otherwise linked with
 * replay_main.c so that ctest replays the corpus on every run. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "citymodel.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    long objects, surfaces;
};

static void check_utf8(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0)
            abort();
        i += k;
    }
}

static void check_attributes(const char *text)
{
    check_utf8(text);
    json_tokener *tok = json_tokener_new_ex(CM_MAX_DEPTH); /* as deep as the document may be */
    if (!tok)
        abort();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    size_t n = strlen(text);
    json_object *o = json_tokener_parse_ex(tok, text, (int)n);
    if (!json_object_is_type(o, json_type_object) || json_tokener_get_parse_end(tok) != n)
        abort();
    json_object_put(o);
    json_tokener_free(tok);
}

static bool same(const double *a, const double *b)
{
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

static void check_ring(const double *xyz, int n)
{
    if (n < 3)
        abort();
    bool third = false;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 3; k++)
            if (!isfinite(xyz[3 * i + k]))
                abort();
        if (same(xyz + 3 * i, xyz + 3 * ((i + 1) % n)))
            abort(); /* a point repeated next to itself, or the closing point */
        if (i >= 2 && !same(xyz + 3 * i, xyz) && !same(xyz + 3 * i, xyz + 3))
            third = true;
    }
    if (!third)
        abort();
}

static enum jm_status on_object(void *ctx, const struct cm_object *o, const struct cm_info *info, struct err *e)
{
    struct seen *seen = ctx;
    long points = 0;
    (void)e;
    if (!o->id || !o->type || !o->type[0] || !o->attributes || o->nsurfaces < 0 || (o->nsurfaces && !o->surfaces))
        abort();
    check_utf8(o->id);
    check_utf8(o->type);
    if (o->parent_id)
        check_utf8(o->parent_id);
    check_attributes(o->attributes);
    for (int i = 0; i < o->nsurfaces; i++) {
        const struct cm_surface *s = &o->surfaces[i];
        if (s->nrings < 1 || s->lod < 0 || s->lod > 4 || !s->xyz || !s->ring_sizes)
            abort();
        if (s->semantic)
            check_utf8(s->semantic);
        const double *xyz = s->xyz;
        for (int k = 0; k < s->nrings; k++) {
            check_ring(xyz, s->ring_sizes[k]);
            xyz += 3 * s->ring_sizes[k];
            points += s->ring_sizes[k];
        }
    }
    if (points > CM_MAX_OBJECT_POINTS)
        abort();
    seen->objects++;
    seen->surfaces += o->nsurfaces;
    if (info->objects != seen->objects || info->surfaces != seen->surfaces)
        abort();
    return JM_OK;
}

static void check_info_text(const char *s, size_t size)
{
    if (!memchr(s, '\0', size))
        abort();
    check_utf8(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly the input's bytes, so that ASan sees any read past its end */
    char *doc = malloc(size ? size : 1);
    if (!doc)
        return 0;
    if (size)
        memcpy(doc, data, size);

    struct seen seen = {0, 0};
    struct cm_info info;
    struct err e;
    err_clear(&e);
    enum jm_status st = cm_parse_cityjson(doc, size, "fuzz", NULL, on_object, &seen, &info, &e);
    check_info_text(info.version, sizeof info.version);
    check_info_text(info.srs, sizeof info.srs);
    check_info_text(info.first_missing_texture, sizeof info.first_missing_texture);
    if (info.textures_missing != 0 || info.textures < 0 || info.materials < 0)
        abort(); /* no directory: nothing is looked for */
    if (st == JM_OK) {
        if (e.code != JM_OK || info.objects != seen.objects || info.surfaces != seen.surfaces || !info.version[0])
            abort();
        if (info.epsg_horizontal < 0 || info.epsg_vertical < 0 || (info.epsg_vertical && !info.epsg_horizontal))
            abort();
    } else {
        if ((st != JM_EINPUT && st != JM_ELIMIT) || e.code != st || strncmp(e.msg, "fuzz", 4) != 0)
            abort();
    }
    free(doc);
    return 0;
}
