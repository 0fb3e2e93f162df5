/* Fuzz target: the CityGML reader (importers/citymodel, cm_parse_citygml), which reads the
 * files users import. The whole input is the document. Besides crashes, leaks and undefined
 * behaviour (sanitizers), it aborts when the reader breaks the contract of citymodel.h:
 * - every object handed over has an id and a type, attributes that are one JSON object in
 *   valid UTF-8, and surfaces with at least one ring, rings of at least 3 points, finite
 *   coordinates, a LoD of 0 to 4, and at most CM_MAX_OBJECT_POINTS points in all;
 * - cm_info.objects counts the objects handed over, textures are never looked for (in
 *   memory there is no folder);
 * - a failure is JM_EINPUT or JM_ELIMIT (nothing else can be wrong with bytes in memory), with
 *   a message that names the input.
 * Built as a libFuzzer binary with -DJUMEAU_FUZZ=ON (clang), and otherwise linked with
 * replay_main.c so that ctest replays the corpus (tests/fuzz/corpus/citygml) on every run.
 * Link: expat, m (and common: buf, err, utf8, parse, json_writer). */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "citymodel.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "json_check.h"


static bool utf8_valid(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* ---- the contract ------------------------------------------------------------------------ */

static void check_surface(const struct cm_surface *s, long *points)
{
    if (s->nrings < 1 || !s->ring_sizes || !s->xyz || s->lod < 0 || s->lod > 4)
        abort();
    if (s->semantic && !*s->semantic)
        abort();
    long n = 0;
    for (int k = 0; k < s->nrings; k++) {
        if (s->ring_sizes[k] < 3)
            abort();
        n += s->ring_sizes[k];
    }
    for (long i = 0; i < 3 * n; i++)
        if (!isfinite(s->xyz[i]))
            abort();
    *points += n;
}

static enum jm_status check_object(void *ctx, const struct cm_object *o, const struct cm_info *info, struct err *e)
{
    long *seen = ctx;
    (void)e;
    if (!o->id || !o->type || !*o->type || !o->attributes || o->nsurfaces < 0 || (o->nsurfaces && !o->surfaces))
        abort();
    if (!json_object_valid(o->attributes) || !utf8_valid(o->attributes))
        abort();
    if (!utf8_valid(o->id) || !utf8_valid(o->type) || (o->parent_id && !utf8_valid(o->parent_id)))
        abort();
    long points = 0;
    for (int i = 0; i < o->nsurfaces; i++)
        check_surface(&o->surfaces[i], &points);
    if (points > CM_MAX_OBJECT_POINTS)
        abort();
    if (info->objects != ++*seen)
        abort();
    return JM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly the input's bytes, so that ASan sees any read past its end */
    char *doc = malloc(size ? size : 1);
    if (!doc)
        return 0;
    if (size)
        memcpy(doc, data, size);
    struct cm_info info;
    struct err e;
    long seen = 0;
    err_clear(&e);
    enum jm_status st = cm_parse_citygml(doc, size, "fuzz.gml", check_object, &seen, &info, &e);
    if (st == JM_OK) {
        if (e.code != JM_OK || info.objects != seen || info.textures_missing != 0 || info.surfaces < 0)
            abort();
        if (!memchr(info.srs, '\0', sizeof info.srs) || !memchr(info.version, '\0', sizeof info.version))
            abort();
        if (info.srs[0] && info.epsg_horizontal <= 0)
            abort();
    } else {
        if ((st != JM_EINPUT && st != JM_ELIMIT) || e.code != st || strncmp(e.msg, "fuzz.gml", 8) != 0)
            abort();
    }
    free(doc);
    return 0;
}
