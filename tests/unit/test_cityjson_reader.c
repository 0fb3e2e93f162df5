/* Unit tests of the CityJSON reader (importers/citymodel/cityjson_reader.c, cm_ prefix):
 * three real files (CityJSON 1.1 and 2.0: counts per type, parts and their parents, semantic
 * surfaces, a vertex after `transform`, missing textures), then documents in memory for every
 * feature (templates, Text Sequences from memory and from files, rings, lod forms, CRS forms,
 * attributes and addresses, the callback's status) and every error the reader names (vertex
 * index out of range, truncated JSON, not CityJSON, nesting beyond the cap, bad template
 * index, wrong nesting, …) with their messages.
 *
 * Every object the reader reports goes through check_object, which asserts the contract of
 * citymodel.h (rings of at least 3 points, finite coordinates, lod 0..4, attributes a JSON
 * object). Real files come from $JUMEAU_SHARED_DATA/cityjson (default /work/shared/data);
 * when they are missing and the variable is unset, those tests are skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "citymodel.h"
#include "test_locale.h"

#define DEFAULT_DATA_DIR "/work/shared/data"
#define MAX_KINDS 32
#define MAX_IDS 1024
#define NAME_MAX_LEN 96

/* cmocka's float assertion works in single precision: coordinates need doubles. */
#define assert_near(a, b, eps)                                                                                         \
    do {                                                                                                               \
        double a_ = (a), b_ = (b);                                                                                     \
        if (!(fabs(a_ - b_) <= (eps)))                                                                                 \
            fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);                                                        \
    } while (0)

/* ---- the collecting callback ---- */

struct tally {
    char name[NAME_MAX_LEN];
    long n;
};

struct collect {
    long objects, surfaces, rings, points;
    struct tally types[MAX_KINDS];
    struct tally semantics[MAX_KINDS]; /* "(none)" counts surfaces without semantics */
    long lods[5];
    /* every id, and the parent of every object that has one (NULL otherwise) */
    char *ids[MAX_IDS];
    char *parents[MAX_IDS];
    char *types_of[MAX_IDS];
    /* a copy of the first object's first surface, outer ring */
    double first_point[3];
    int first_ring_size;
    int first_nrings;
    /* the attributes of the object named `watch` */
    const char *watch;
    char *watched_attributes;
    int watched_nsurfaces;
    double watched_xyz[3 * 16];
    int watched_npoints;
    long stop_after; /* return JM_EDENIED once this many objects were seen (0: never) */
};

static void tally_add(struct tally *t, const char *name)
{
    for (int i = 0; i < MAX_KINDS; i++) {
        if (t[i].name[0] == '\0') {
            snprintf(t[i].name, sizeof t[i].name, "%s", name);
            t[i].n = 1;
            return;
        }
        if (strcmp(t[i].name, name) == 0) {
            t[i].n++;
            return;
        }
    }
    fail_msg("more than %d distinct names", MAX_KINDS);
}

static long tally_get(const struct tally *t, const char *name)
{
    for (int i = 0; i < MAX_KINDS && t[i].name[0]; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].n;
    return 0;
}

static void collect_cleanup(struct collect *c)
{
    for (int i = 0; i < MAX_IDS; i++) {
        free(c->ids[i]);
        free(c->parents[i]);
        free(c->types_of[i]);
    }
    free(c->watched_attributes);
    memset(c, 0, sizeof *c);
}

/* The contract of citymodel.h for one reported object. */
static void check_object(const struct cm_object *o)
{
    assert_non_null(o->id);
    assert_non_null(o->type);
    assert_non_null(o->attributes);
    json_object *a = json_tokener_parse(o->attributes);
    if (!json_object_is_type(a, json_type_object))
        fail_msg("object %s: attributes are not a JSON object: %s", o->id, o->attributes);
    json_object_put(a);
    assert_true(o->nsurfaces >= 0);
    for (int i = 0; i < o->nsurfaces; i++) {
        const struct cm_surface *s = &o->surfaces[i];
        long npoints = 0;
        assert_true(s->nrings >= 1);
        assert_true(s->lod >= 0 && s->lod <= 4);
        for (int k = 0; k < s->nrings; k++) {
            assert_true(s->ring_sizes[k] >= 3);
            npoints += s->ring_sizes[k];
        }
        for (long k = 0; k < 3 * npoints; k++)
            assert_true(isfinite(s->xyz[k]));
    }
}

static enum jm_status on_object(void *ctx, const struct cm_object *o, const struct cm_info *info, struct err *e)
{
    struct collect *c = ctx;
    check_object(o);
    assert_int_equal(info->objects, c->objects + 1); /* counted before the call */
    if (c->objects < MAX_IDS) {
        c->ids[c->objects] = strdup(o->id);
        c->types_of[c->objects] = strdup(o->type);
        c->parents[c->objects] = o->parent_id ? strdup(o->parent_id) : NULL;
    }
    if (c->objects == 0 && o->nsurfaces > 0) {
        memcpy(c->first_point, o->surfaces[0].xyz, sizeof c->first_point);
        c->first_ring_size = o->surfaces[0].ring_sizes[0];
        c->first_nrings = o->surfaces[0].nrings;
    }
    if (c->watch && strcmp(c->watch, o->id) == 0) {
        free(c->watched_attributes);
        c->watched_attributes = strdup(o->attributes);
        c->watched_nsurfaces = o->nsurfaces;
        c->watched_npoints = 0;
        for (int i = 0; i < o->nsurfaces; i++)
            for (int k = 0; k < o->surfaces[i].nrings; k++)
                c->watched_npoints += o->surfaces[i].ring_sizes[k];
        if (c->watched_npoints <= 16 && o->nsurfaces > 0)
            memcpy(c->watched_xyz, o->surfaces[0].xyz, 3 * sizeof(double) * (size_t)c->watched_npoints);
    }
    c->objects++;
    tally_add(c->types, o->type);
    for (int i = 0; i < o->nsurfaces; i++) {
        const struct cm_surface *s = &o->surfaces[i];
        c->surfaces++;
        c->rings += s->nrings;
        c->lods[s->lod]++;
        tally_add(c->semantics, s->semantic ? s->semantic : "(none)");
        for (int k = 0; k < s->nrings; k++)
            c->points += s->ring_sizes[k];
    }
    if (c->stop_after && c->objects == c->stop_after)
        return err_set(e, JM_EDENIED, "stopped by the test after %ld objects", c->objects);
    return JM_OK;
}

/* ---- real files ---- */

struct data_cfg {
    char dir[1024];
    bool required; /* JUMEAU_SHARED_DATA was set: missing files fail instead of skipping */
};

static struct data_cfg data_cfg;

static bool data_path(char *out, size_t size, const char *file)
{
    int n = snprintf(out, size, "%s/cityjson/%s", data_cfg.dir, file);
    assert_true(n > 0 && (size_t)n < size);
    if (access(out, R_OK) == 0)
        return true;
    if (data_cfg.required)
        fail_msg("%s (from JUMEAU_SHARED_DATA) is missing", out);
    return false;
}

static enum jm_status read_file(const char *file, struct collect *c, struct cm_info *info, struct err *e)
{
    char path[1200];
    if (!data_path(path, sizeof path, file)) {
        skip();
        return JM_ENOTFOUND;
    }
    err_clear(e);
    return cm_read_cityjson(path, on_object, c, info, e);
}

/* Expected numbers below were computed once with python3 -c json: a walk of the boundaries
 * that, like the reader, drops consecutive repeats and the closing point and skips rings with
 * fewer than 3 distinct points (the outer ring skipping its surface). */
static void test_delft_lod1_multiclass(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    c.watch = "b0a8da4cc-2d2a-11e6-9a38-393caa90be70";
    enum jm_status st = read_file("delft_lod1_multiclass.city.json", &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_string_equal(info.version, "2.0");
    assert_string_equal(info.srs, "EPSG:7415");
    assert_int_equal(info.epsg_horizontal, 7415); /* compound: the importer splits it with PROJ */
    assert_int_equal(info.epsg_vertical, 0);
    assert_int_equal(info.objects, 570);
    assert_int_equal(c.objects, 570);
    assert_int_equal(tally_get(c.types, "Building"), 160);
    assert_int_equal(tally_get(c.types, "Road"), 143);
    assert_int_equal(tally_get(c.types, "PlantCover"), 126);
    assert_int_equal(tally_get(c.types, "LandUse"), 81);
    assert_int_equal(tally_get(c.types, "GenericCityObject"), 54);
    assert_int_equal(tally_get(c.types, "WaterBody"), 3);
    assert_int_equal(tally_get(c.types, "Bridge"), 3);
    assert_int_equal(info.surfaces, 36271);
    assert_int_equal(c.surfaces, 36271);
    assert_int_equal(c.lods[1], 36271);
    assert_int_equal(tally_get(c.semantics, "(none)"), 36271); /* no semantics in this file */
    assert_int_equal(info.textures, 0);
    assert_int_equal(info.materials, 0);
    /* file order: the first CityObject, whose first triangle starts at vertex 0
     * [411283, 25181, 572]; python3: v * 0.001 + translate */
    assert_string_equal(c.ids[0], "b0a8da4cc-2d2a-11e6-9a38-393caa90be70");
    assert_string_equal(c.ids[569], "bfcf03dd8-2d38-11e6-9a38-393caa90be70");
    assert_int_equal(c.first_nrings, 1);
    assert_int_equal(c.first_ring_size, 3);
    assert_near(c.first_point[0], 85027.75099999999, 1e-9);
    assert_near(c.first_point[1], 447448.18, 1e-9);
    assert_near(c.first_point[2], 0.12000000000000005, 1e-9);
    /* attributes as in the file, numbers and strings */
    assert_non_null(c.watched_attributes);
    assert_non_null(strstr(c.watched_attributes, "\"bgt_status\":\"bestaand\""));
    assert_non_null(strstr(c.watched_attributes, "\"class\":\"dek\""));
    collect_cleanup(&c);
}

static void test_denhaag_parts_have_parents(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    enum jm_status st = read_file("denhaag_DH_01_subs.city.json", &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_string_equal(info.version, "1.1");
    assert_string_equal(info.srs, "");
    assert_int_equal(info.epsg_horizontal, 0);
    assert_int_equal(info.objects, 12);
    assert_int_equal(tally_get(c.types, "Building"), 4);
    assert_int_equal(tally_get(c.types, "BuildingPart"), 8);
    for (long i = 0; i < c.objects; i++) {
        bool part = strcmp(c.types_of[i], "BuildingPart") == 0;
        if (!part) {
            assert_null(c.parents[i]);
            continue;
        }
        if (!c.parents[i])
            fail_msg("BuildingPart %s has no parent", c.ids[i]);
        bool found = false;
        for (long k = 0; k < c.objects; k++)
            found |= strcmp(c.ids[k], c.parents[i]) == 0 && strcmp(c.types_of[k], "Building") == 0;
        if (!found)
            fail_msg("BuildingPart %s: parent %s is not a Building of the file", c.ids[i], c.parents[i]);
    }
    assert_int_equal(info.surfaces, 70);
    assert_int_equal(tally_get(c.semantics, "WallSurface"), 48);
    assert_int_equal(tally_get(c.semantics, "RoofSurface"), 13);
    assert_int_equal(tally_get(c.semantics, "GroundSurface"), 9);
    assert_int_equal(tally_get(c.semantics, "(none)"), 0);
    assert_int_equal(c.lods[2], 70);
    assert_int_equal(info.materials, 27);
    assert_int_equal(info.textures, 0);
    /* vertex 0 [28211, 361399, 9420] starts the first part's first surface */
    assert_near(c.first_point[0], 78640.38, 1e-9);
    assert_near(c.first_point[1], 458143.506, 1e-9);
    assert_near(c.first_point[2], 12.871, 1e-9);
    collect_cleanup(&c);
}

static void test_rotterdam_missing_textures_are_counted(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    enum jm_status st = read_file("rotterdam_subset_lod2.city.json", &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_string_equal(info.version, "2.0");
    assert_int_equal(info.objects, 16);
    assert_int_equal(tally_get(c.types, "Building"), 16);
    /* 248 surfaces in the file; 12 walls are lines (two points, each repeated): skipped */
    assert_int_equal(info.surfaces, 236);
    assert_int_equal(tally_get(c.semantics, "RoofSurface"), 41);
    assert_int_equal(tally_get(c.semantics, "GroundSurface"), 16);
    assert_int_equal(tally_get(c.semantics, "WallSurface"), 179);
    assert_int_equal(info.textures, 74);
    assert_int_equal(info.textures_missing, 74);
    assert_string_equal(info.first_missing_texture, "appearances/0320_7_8.jpg");
    assert_near(c.first_point[0], 90988.79100000001, 1e-9);
    assert_near(c.first_point[1], 435638.657, 1e-9);
    assert_near(c.first_point[2], 10.652000000000001, 1e-9);
    collect_cleanup(&c);
}

static void test_missing_file_is_not_found(void **state)
{
    (void)state;
    struct cm_info info;
    struct err e;
    err_clear(&e);
    assert_int_equal(cm_read_cityjson("/nonexistent/x.city.json", on_object, NULL, &info, &e), JM_ENOTFOUND);
    assert_non_null(strstr(e.msg, "/nonexistent/x.city.json: cannot open"));
    err_clear(&e);
    assert_int_equal(cm_read_cityjson("/tmp", on_object, NULL, &info, &e), JM_EINPUT);
    assert_string_equal(e.msg, "/tmp: is a directory, not a CityJSON file");
}

/* ---- documents in memory ---- */

#define HEAD20 "{\"type\":\"CityJSON\",\"version\":\"2.0\","
#define SQUARE "\"vertices\":[[0,0,0],[10,0,0],[10,10,0],[0,10,0]],"

static enum jm_status parse(const char *doc, struct collect *c, struct cm_info *info, struct err *e)
{
    err_clear(e);
    return cm_parse_cityjson(doc, strlen(doc), "mem.city.json", NULL, on_object, c, info, e);
}

/* Parses `doc`, expecting failure with `code` and a message containing `msg`; nothing of a
 * failing document may count as more than what was reported. */
static void expect_error(const char *doc, size_t len, enum jm_status code, const char *msg)
{
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    err_clear(&e);
    enum jm_status st = cm_parse_cityjson(doc, len, "mem.city.json", NULL, on_object, &c, &info, &e);
    if (st != code || e.code != code || !strstr(e.msg, msg))
        fail_msg("status %d (expected %d), message [%s], expected to contain [%s]\n  for %.200s", (int)st, (int)code,
                 e.msg, msg, doc);
    collect_cleanup(&c);
}

static void expect_error_str(const char *doc, enum jm_status code, const char *msg)
{
    expect_error(doc, strlen(doc), code, msg);
}

static void test_vertex_index_out_of_range(void **state)
{
    (void)state;
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"MultiSurface\",\"lod\":\"1\",\"boundaries\":[[[0,1,7]]]}]}}}",
                     JM_EINPUT, "mem.city.json: object b1: vertex index 7 out of range (4 vertices)");
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"MultiSurface\",\"lod\":\"1\",\"boundaries\":[[[0,1,-1]]]}]}}}",
                     JM_EINPUT, "vertex index -1 out of range (4 vertices)");
    /* a hole of a skipped surface is still checked */
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"MultiSurface\",\"lod\":\"1\",\"boundaries\":[[[0,0,0],[1,2,99]]]}]}}}",
                     JM_EINPUT, "vertex index 99 out of range");
}

static void test_truncated_json(void **state)
{
    (void)state;
    const char *doc = HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\"}}}";
    for (size_t cut = 1; cut < strlen(doc); cut += 7)
        expect_error(doc, cut, JM_EINPUT, "truncated JSON");
    expect_error("", 0, JM_EINPUT, "mem.city.json: empty input");
    expect_error(" \n\t", 3, JM_EINPUT, "mem.city.json: empty input");
}

static void test_not_cityjson(void **state)
{
    (void)state;
    expect_error_str("{\"type\":\"FeatureCollection\",\"features\":[]}", JM_EINPUT, "not a CityJSON document");
    expect_error_str("[1,2,3]", JM_EINPUT, "not a CityJSON document");
    expect_error_str("42", JM_EINPUT, "not a CityJSON document");
    expect_error_str("{\"type\":\"CityJSONFeature\",\"CityObjects\":{},\"vertices\":[]}", JM_EINPUT,
                     "without the CityJSON header");
    expect_error_str(HEAD20 "\"CityObjects\":{}} x", JM_EINPUT, "trailing content after the JSON document at line 1");
    expect_error_str("{\"type\":\"CityJSON\",\"version\":\"3.0\",\"CityObjects\":{}}", JM_EINPUT,
                     "unsupported CityJSON version \"3.0\"");
    expect_error_str("{\"type\":\"CityJSON\",\"CityObjects\":{}}", JM_EINPUT, "no \"version\"");
    expect_error_str(HEAD20 "\"vertices\":[]}", JM_EINPUT, "no \"CityObjects\"");
    expect_error_str(HEAD20 "\"CityObjects\":{}, \"bad\": tru}", JM_EINPUT, "malformed JSON at line 1");
}

static void test_nesting_beyond_the_cap(void **state)
{
    (void)state;
    char doc[1200];
    size_t n = 0;
    n += (size_t)snprintf(doc, sizeof doc, HEAD20 "\"CityObjects\":{},\"x\":");
    for (int i = 0; i < 300; i++)
        doc[n++] = '[';
    for (int i = 0; i < 300; i++)
        doc[n++] = ']';
    doc[n++] = '}';
    doc[n] = '\0';
    expect_error(doc, n, JM_ELIMIT, "nested deeper than 256");
}

#define TEMPLATES                                                                                                      \
    "\"geometry-templates\":{\"templates\":[{\"type\":\"MultiSurface\",\"lod\":\"2.1\",\"boundaries\":[[[0,1,2]]],"    \
    "\"semantics\":{\"surfaces\":[{\"type\":\"RoofSurface\"}],\"values\":[0]}}],"                                      \
    "\"vertices-templates\":[[0,0,0],[1,0,0],[0,1,0]]},"

static void test_bad_template_index(void **state)
{
    (void)state;
    expect_error_str(HEAD20 TEMPLATES SQUARE
                     "\"CityObjects\":{\"t1\":{\"type\":\"SolitaryVegetationObject\",\"geometry\":[{\"type\":"
                     "\"GeometryInstance\",\"template\":3,\"boundaries\":[1],\"transformationMatrix\":"
                     "[1,0,0,0,0,1,0,0,0,0,1,0,0,0,0,1]}]}}}",
                     JM_EINPUT, "object t1: geometry 0: template index 3 out of range (1 templates)");
    /* without geometry-templates at all */
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"t1\":{\"type\":\"SolitaryVegetationObject\",\"geometry\":[{"
                                   "\"type\":\"GeometryInstance\",\"template\":0,\"boundaries\":[1],"
                                   "\"transformationMatrix\":[1,0,0,0,0,1,0,0,0,0,1,0,0,0,0,1]}]}}}",
                     JM_EINPUT, "template index 0 out of range (0 templates)");
    expect_error_str(HEAD20 TEMPLATES SQUARE
                     "\"CityObjects\":{\"t1\":{\"type\":\"SolitaryVegetationObject\",\"geometry\":[{\"type\":"
                     "\"GeometryInstance\",\"template\":0,\"boundaries\":[9],\"transformationMatrix\":"
                     "[1,0,0,0,0,1,0,0,0,0,1,0,0,0,0,1]}]}}}",
                     JM_EINPUT, "vertex index 9 out of range (4 vertices)");
    expect_error_str(HEAD20 TEMPLATES SQUARE
                     "\"CityObjects\":{\"t1\":{\"type\":\"SolitaryVegetationObject\",\"geometry\":[{\"type\":"
                     "\"GeometryInstance\",\"template\":0,\"boundaries\":[1],\"transformationMatrix\":[1,0]}]}}}",
                     JM_EINPUT, "transformationMatrix is not 16 finite numbers");
}

static void test_template_is_placed(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    /* scale 2 on x, translation (100, 0, 5), reference point vertex 1 = (10, 0, 0):
     * (0,0,0) → (110, 0, 5); (1,0,0) → (112, 0, 5); (0,1,0) → (110, 1, 5) */
    c.watch = "t1";
    enum jm_status st = parse(HEAD20 TEMPLATES SQUARE
                              "\"CityObjects\":{\"t1\":{\"type\":\"SolitaryVegetationObject\",\"geometry\":[{\"type\":"
                              "\"GeometryInstance\",\"template\":0,\"boundaries\":[1],\"transformationMatrix\":"
                              "[2,0,0,100,0,1,0,0,0,0,1,5,0,0,0,1]}]}}}",
                              &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(c.watched_nsurfaces, 1);
    assert_int_equal(c.watched_npoints, 3);
    const double expected[9] = {110, 0, 5, 112, 0, 5, 110, 1, 5};
    for (int i = 0; i < 9; i++)
        assert_near(c.watched_xyz[i], expected[i], 1e-12);
    assert_int_equal(c.lods[2], 1);
    assert_int_equal(tally_get(c.semantics, "RoofSurface"), 1);
    collect_cleanup(&c);
}

static void test_wrong_nesting_and_geometry_errors(void **state)
{
    (void)state;
    /* a Solid written like a MultiSurface */
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"Solid\",\"lod\":\"1\",\"boundaries\":[[[0,1,2]]]}]}}}",
                     JM_EINPUT, "object b1: geometry 0: boundaries are not nested as a Solid");
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"MultiSurface\",\"lod\":\"1\",\"boundaries\":[[[[0,1,2]]]]}]}}}",
                     JM_EINPUT, "not nested as a MultiSurface");
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"Polyhedron\",\"lod\":\"1\",\"boundaries\":[]}]}}}",
                     JM_EINPUT, "unknown geometry type \"Polyhedron\"");
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"MultiSurface\",\"lod\":\"7\",\"boundaries\":[[[0,1,2]]]}]}}}",
                     JM_EINPUT, "missing or invalid lod");
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"MultiSurface\",\"boundaries\":[[[0,1,2]]]}]}}}",
                     JM_EINPUT, "missing or invalid lod");
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"MultiSurface\",\"lod\":\"2\",\"boundaries\":[[[0,1,2]]],\"semantics\":"
                                   "{\"surfaces\":[{\"type\":\"RoofSurface\"}],\"values\":[4]}}]}}}",
                     JM_EINPUT, "semantic index 4 out of range (1 semantic surfaces)");
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"Solid\",\"lod\":\"2\",\"boundaries\":[[[[0,1,2]]]],\"semantics\":"
                                   "{\"surfaces\":[{\"type\":\"RoofSurface\"}],\"values\":[0]}}]}}}",
                     JM_EINPUT, "semantics values are not nested like its boundaries");
    expect_error_str(HEAD20 "\"vertices\":[[0,0,1e999]],\"CityObjects\":{}}", JM_EINPUT,
                     "vertices[0] is not 3 finite numbers");
    expect_error_str(HEAD20 "\"vertices\":[[0,0]],\"CityObjects\":{}}", JM_EINPUT,
                     "vertices[0] is not 3 finite numbers");
    expect_error_str(HEAD20 "\"CityObjects\":{\"b1\":{\"geometry\":[]}}}", JM_EINPUT,
                     "object b1: has no valid \"type\"");
}

static void test_rings_drop_repeats_and_skip_degenerate(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    c.watch = "b1";
    /* surface 0: closing point repeated and a repeated point → 4 points; its hole [0,0,1] is
     * degenerate (dropped); surface 1: 3 points on 2 places → skipped; surface 2: no rings */
    enum jm_status st =
        parse(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                            "\"MultiSurface\",\"lod\":2.7,\"boundaries\":[[[0,1,1,2,3,0],[0,0,1]],[[0,1,0]],[]]}]}}}",
              &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(info.surfaces, 1);
    assert_int_equal(c.rings, 1);
    assert_int_equal(c.watched_npoints, 4);
    assert_int_equal(c.lods[2], 1);
    const double expected[12] = {0, 0, 0, 10, 0, 0, 10, 10, 0, 0, 10, 0};
    for (int i = 0; i < 12; i++)
        assert_near(c.watched_xyz[i], expected[i], 0);
    collect_cleanup(&c);
}

/* Regression (fuzzing): an empty ring before any point of the read made pointer arithmetic
 * on the scratch array while it was still NULL (UBSan). */
static void test_empty_first_ring(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    enum jm_status st = parse(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                            "\"Solid\",\"lod\":\"2\",\"boundaries\":[[[[]],[[1]],[[0,1,2]]]]}]}}}",
                              &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(info.surfaces, 1);
    collect_cleanup(&c);
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"MultiSurface\",\"lod\":\"2\",\"boundaries\":[[[0,5]]]}]}}}",
                     JM_EINPUT, "vertex index 5 out of range (4 vertices)");
}

static void test_all_geometry_types(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    /* MultiPoint and MultiLineString give nothing; MultiSurface 1, CompositeSurface 1,
     * Solid (outer shell 2 + inner shell 1) 3, MultiSolid 2, CompositeSolid 1: 8 surfaces */
    enum jm_status st =
        parse("{\"type\":\"CityJSON\",\"version\":\"1.1\",\"transform\":{\"scale\":[0.5,0.5,1],\"translate\":[100,200,"
              "0]}," SQUARE "\"CityObjects\":{\"o1\":{\"type\":\"GenericCityObject\",\"geometry\":["
              "{\"type\":\"MultiPoint\",\"lod\":\"0\",\"boundaries\":[0,1,99]},"
              "{\"type\":\"MultiLineString\",\"lod\":\"0\",\"boundaries\":[[0,1],[2,99]]},"
              "{\"type\":\"MultiSurface\",\"lod\":\"0\",\"boundaries\":[[[0,1,2]]]},"
              "{\"type\":\"CompositeSurface\",\"lod\":\"1\",\"boundaries\":[[[0,1,2,3]]]},"
              "{\"type\":\"Solid\",\"lod\":\"2\",\"boundaries\":[[[[0,1,2]],[[0,2,3]]],[[[1,2,3]]]],"
              "\"semantics\":{\"surfaces\":[{\"type\":\"WallSurface\"},{\"type\":\"RoofSurface\"}],"
              "\"values\":[[0,1],null]}},"
              "{\"type\":\"MultiSolid\",\"lod\":\"3\",\"boundaries\":[[[[[0,1,2]]]],[[[[0,2,3]]]]],"
              "\"semantics\":{\"surfaces\":[{\"type\":\"GroundSurface\"}],\"values\":[[[0]],[[null]]]}},"
              "{\"type\":\"CompositeSolid\",\"lod\":\"4\",\"boundaries\":[[[[[1,2,3]]]]]}]}}}",
              &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_string_equal(info.version, "1.1");
    assert_int_equal(info.surfaces, 8);
    assert_int_equal(c.lods[0], 1);
    assert_int_equal(c.lods[1], 1);
    assert_int_equal(c.lods[2], 3);
    assert_int_equal(c.lods[3], 2);
    assert_int_equal(c.lods[4], 1);
    assert_int_equal(tally_get(c.semantics, "WallSurface"), 1);
    assert_int_equal(tally_get(c.semantics, "RoofSurface"), 1);
    assert_int_equal(tally_get(c.semantics, "GroundSurface"), 1);
    assert_int_equal(tally_get(c.semantics, "(none)"), 5);
    /* vertex 0 after the transform */
    assert_near(c.first_point[0], 100, 0);
    assert_near(c.first_point[1], 200, 0);
    collect_cleanup(&c);
}

static void test_crs_forms(void **state)
{
    (void)state;
    static const struct {
        const char *ref, *srs;
        int h, v;
    } cases[] = {
        {"https://www.opengis.net/def/crs/EPSG/0/7415", "EPSG:7415", 7415, 0},
        {"http://www.opengis.net/def/crs/EPSG/0/28992", "EPSG:28992", 28992, 0},
        {"urn:ogc:def:crs:EPSG::7415", "EPSG:7415", 7415, 0},
        {"urn:ogc:def:crs:EPSG:9.8.6:25832", "EPSG:25832", 25832, 0},
        {"EPSG:2056", "EPSG:2056", 2056, 0},
        {"http://www.opengis.net/def/crs-compound?1=http://www.opengis.net/def/crs/EPSG/0/28992&2=http://"
         "www.opengis.net/def/crs/EPSG/0/5709",
         "EPSG:28992+5709", 28992, 5709},
        {"https://www.opengis.net/def/crs/OGC/0/CRS84h", "https://www.opengis.net/def/crs/OGC/0/CRS84h", 0, 0},
        {"urn:ogc:def:crs:EPSG::notanumber", "urn:ogc:def:crs:EPSG::notanumber", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char doc[512];
        struct cm_info info;
        struct err e;
        snprintf(doc, sizeof doc, HEAD20 "\"metadata\":{\"referenceSystem\":\"%s\"},\"CityObjects\":{}}", cases[i].ref);
        assert_int_equal(parse(doc, NULL, &info, &e), JM_OK);
        assert_string_equal(info.srs, cases[i].srs);
        assert_int_equal(info.epsg_horizontal, cases[i].h);
        assert_int_equal(info.epsg_vertical, cases[i].v);
    }
}

static void test_attributes_and_address(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    c.watch = "b1";
    /* 2.0: address is a member with a location (MultiPoint of vertex indices); "+height" an
     * extension member; "name" is both an attribute and a member */
    enum jm_status st =
        parse(HEAD20 "\"transform\":{\"scale\":[0.5,1,1],\"translate\":[1,0,0]}," SQUARE
                     "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"attributes\":{\"measuredHeight\":12.50,"
                     "\"name\":\"Caf\\u00e9 / bar\",\"yearOfConstruction\":1902},\"name\":\"member\","
                     "\"+height\":{\"v\":3},\"children\":[\"x\"],\"geographicalExtent\":[0,0,0,1,1,1],"
                     "\"address\":[{\"CountryName\":\"NL\",\"location\":{\"type\":\"MultiPoint\",\"lod\":\"1\","
                     "\"boundaries\":[2]}}]}}}",
              &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_string_equal(c.watched_attributes,
                        "{\"measuredHeight\":12.50,\"name\":\"Café / bar\",\"yearOfConstruction\":1902,"
                        "\"cityjson:name\":\"member\",\"+height\":{\"v\":3},\"address\":{\"CountryName\":\"NL\","
                        "\"location\":[[6,10,0]]}}");
    collect_cleanup(&c);

    /* several addresses: an array; none: "{}" */
    c.watch = "b1";
    st = parse(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"address\":[{\"a\":1},{\"a\":2}]},"
                             "\"b2\":{\"type\":\"Building\"}}}",
               &c, &info, &e);
    assert_int_equal(st, JM_OK);
    assert_string_equal(c.watched_attributes, "{\"address\":[{\"a\":1},{\"a\":2}]}");
    collect_cleanup(&c);
    c.watch = "b2";
    st = parse(HEAD20 SQUARE "\"CityObjects\":{\"b2\":{\"type\":\"Building\",\"attributes\":null}}}", &c, &info, &e);
    assert_int_equal(st, JM_OK);
    assert_string_equal(c.watched_attributes, "{}");
    collect_cleanup(&c);

    expect_error_str(HEAD20 "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"attributes\":{\"h\":NaN}}}}", JM_EINPUT,
                     "object b1: an attribute holds NaN");
    expect_error_str(HEAD20 "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"attributes\":{\"h\":-1e400}}}}",
                     JM_EINPUT, "an attribute holds NaN, an infinite number");
    expect_error_str(HEAD20 "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"attributes\":{\"s\":\"a\\u0000b\"}}}}",
                     JM_EINPUT, "U+0000");
    /* an overlong '/' (json-c lets it through) and a raw 0xFF (json-c refuses it) */
    expect_error_str(HEAD20 "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"attributes\":{\"s\":\"\xc0\xaf\"}}}}",
                     JM_EINPUT, "attributes are not valid UTF-8");
    expect_error_str(HEAD20 "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"attributes\":{\"s\":\"\xff\"}}}}",
                     JM_EINPUT, "malformed JSON");
    expect_error_str(HEAD20 "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"attributes\":[1]}}}", JM_EINPUT,
                     "\"attributes\" is not a JSON object");
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"address\":{\"location\":"
                                   "{\"type\":\"MultiPoint\",\"boundaries\":[12]}}}}}",
                     JM_EINPUT, "object b1: vertex index 12 out of range (4 vertices)");
}

/* A Text Sequence: header with transform and no objects, three features with local vertices
 * (the third holding a part and its parent), a blank line, CRLF line ends. */
static const char jsonl_doc[] =
    "{\"type\":\"CityJSON\",\"version\":\"2.0\",\"transform\":{\"scale\":[0.01,0.01,0.01],\"translate\":[1000,"
    "2000,0]},\"metadata\":{\"referenceSystem\":\"https://www.opengis.net/def/crs/EPSG/0/7415\"},"
    "\"CityObjects\":{},\"vertices\":[]}\n"
    "{\"type\":\"CityJSONFeature\",\"id\":\"f1\",\"CityObjects\":{\"f1\":{\"type\":\"Building\",\"geometry\":"
    "[{\"type\":\"MultiSurface\",\"lod\":\"1\",\"boundaries\":[[[0,1,2]]]}]}},\"vertices\":[[0,0,0],[100,0,0],"
    "[0,100,0]]}\r\n"
    "\n"
    "{\"type\":\"CityJSONFeature\",\"id\":\"f2\",\"CityObjects\":{\"f2\":{\"type\":\"Road\",\"geometry\":"
    "[{\"type\":\"MultiSurface\",\"lod\":\"1\",\"boundaries\":[[[1,2,0]]]}]}},\"vertices\":[[500,500,100],"
    "[600,500,100],[600,600,100]]}\n"
    "{\"type\":\"CityJSONFeature\",\"id\":\"f3\",\"CityObjects\":{\"f3\":{\"type\":\"Building\",\"children\":"
    "[\"f3-1\"]},\"f3-1\":{\"type\":\"BuildingPart\",\"parents\":[\"f3\"],\"geometry\":[{\"type\":\"Solid\","
    "\"lod\":\"2\",\"boundaries\":[[[[0,1,2]],[[0,2,3]]]]}]}},\"vertices\":[[0,0,0],[1,0,0],[1,1,0],[0,1,0]]}\n";

static void check_jsonl_result(const struct collect *c, const struct cm_info *info)
{
    assert_string_equal(info->version, "2.0");
    assert_string_equal(info->srs, "EPSG:7415");
    assert_int_equal(info->objects, 4);
    assert_int_equal(info->surfaces, 4);
    assert_string_equal(c->ids[0], "f1");
    assert_string_equal(c->ids[1], "f2");
    assert_string_equal(c->ids[2], "f3");
    assert_string_equal(c->ids[3], "f3-1");
    assert_string_equal(c->parents[3], "f3");
    /* f2's first ring starts at its local vertex 1: (600, 500, 100) * 0.01 + (1000, 2000, 0) */
    assert_int_equal(c->watched_npoints, 3);
    assert_near(c->watched_xyz[0], 1006, 1e-9);
    assert_near(c->watched_xyz[1], 2005, 1e-9);
    assert_near(c->watched_xyz[2], 1, 1e-9);
    assert_near(c->first_point[0], 1000, 1e-9);
}

static void test_jsonl_in_memory(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    c.watch = "f2";
    enum jm_status st = parse(jsonl_doc, &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    check_jsonl_result(&c, &info);
    collect_cleanup(&c);

    /* errors name the line */
    expect_error_str("{\"type\":\"CityJSON\",\"version\":\"2.0\",\"CityObjects\":{}}\n"
                     "{\"type\":\"CityJSONFeature\",\"CityObjects\":{},\"vertices\":[]}\n"
                     "{\"type\":\"CityJSONFeature\",\"CityObjects\":{\"x\":{\"type\":\"Building\",\"geometry\":[{"
                     "\"type\":\"MultiSurface\",\"lod\":\"1\",\"boundaries\":[[[0,1,2]]]}]}},\"vertices\":[[0,0,0]]}\n",
                     JM_EINPUT, "mem.city.json:3: object x: vertex index 1 out of range (1 vertices)");
    expect_error_str("{\"type\":\"CityJSON\",\"version\":\"2.0\",\"CityObjects\":{}}\n{\"type\":\"CityJSON\"}\n",
                     JM_EINPUT, "mem.city.json:2: not a CityJSONFeature");
    expect_error_str("{\"type\":\"CityJSON\",\"version\":\"2.0\",\"CityObjects\":{}}\n{\"type\":\"CityJSONFea",
                     JM_EINPUT, "mem.city.json:2: truncated JSON");
    expect_error_str("{\"type\":\"CityJSON\",\"version\":\"2.0\",\"CityObjects\":{}}\n{} {}\n", JM_EINPUT,
                     "mem.city.json:2: more than one JSON value on the line");
}

static char tmp_dir[] = "/tmp/test-cityjson-XXXXXX";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void test_jsonl_files(void **state)
{
    (void)state;
    char path[256];
    /* streamed line by line (.jsonl), and detected inside a .city.json read whole */
    static const char *const names[] = {"seq.city.jsonl", "seq.city.json"};
    for (size_t i = 0; i < 2; i++) {
        struct collect c = {0};
        struct cm_info info;
        struct err e;
        snprintf(path, sizeof path, "%s/%s", tmp_dir, names[i]);
        write_file(path, jsonl_doc);
        c.watch = "f2";
        err_clear(&e);
        enum jm_status st = cm_read_cityjson(path, on_object, &c, &info, &e);
        if (st != JM_OK)
            fail_msg("%s: %s", names[i], e.msg);
        check_jsonl_result(&c, &info);
        collect_cleanup(&c);
        unlink(path);
    }
    /* a streamed error names file and line */
    struct cm_info info;
    struct err e;
    snprintf(path, sizeof path, "%s/bad.city.jsonl", tmp_dir);
    write_file(path, "{\"type\":\"CityJSON\",\"version\":\"2.0\",\"CityObjects\":{}}\n\n{\"type\":\"CityJSONFeature\","
                     "\"CityObjects\":{\"a\":{\"type\":\"Building\",\"geometry\":[{\"type\":\"Solid\",\"lod\":\"1\","
                     "\"boundaries\":[[[0,1,2]]]}]}},\"vertices\":[[0,0,0],[1,0,0],[0,1,0]]}\n");
    err_clear(&e);
    assert_int_equal(cm_read_cityjson(path, on_object, NULL, &info, &e), JM_EINPUT);
    assert_non_null(strstr(e.msg, "bad.city.jsonl:3: object a: geometry 0: boundaries are not nested as a Solid"));
    write_file(path, "\n\n");
    err_clear(&e);
    assert_int_equal(cm_read_cityjson(path, on_object, NULL, &info, &e), JM_EINPUT);
    assert_non_null(strstr(e.msg, "empty file"));
    unlink(path);
}

static void test_textures_beside_the_file(void **state)
{
    (void)state;
    char path[256];
    struct cm_info info;
    struct err e;
    snprintf(path, sizeof path, "%s/here.jpg", tmp_dir);
    write_file(path, "x");
    snprintf(path, sizeof path, "%s/tex.city.json", tmp_dir);
    write_file(path, HEAD20 "\"appearance\":{\"materials\":[{\"name\":\"m\"}],\"textures\":[{\"type\":\"JPG\","
                            "\"image\":\"here.jpg\"},{\"type\":\"PNG\",\"image\":\"gone/away.png\"},{\"type\":\"PNG\","
                            "\"image\":\"https://example.org/t.png\"},{\"type\":\"PNG\",\"image\":\"also-gone.png\"}]},"
                            "\"CityObjects\":{}}");
    err_clear(&e);
    assert_int_equal(cm_read_cityjson(path, on_object, NULL, &info, &e), JM_OK);
    assert_int_equal(info.textures, 4);
    assert_int_equal(info.materials, 1);
    assert_int_equal(info.textures_missing, 2); /* the URL is not checked */
    assert_string_equal(info.first_missing_texture, "gone/away.png");
    unlink(path);
    snprintf(path, sizeof path, "%s/here.jpg", tmp_dir);
    unlink(path);
}

static void test_callback_status_stops_the_reading(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    c.stop_after = 2;
    enum jm_status st = parse(jsonl_doc, &c, &info, &e);
    assert_int_equal(st, JM_EDENIED);
    assert_int_equal(c.objects, 2);
    assert_string_equal(e.msg, "stopped by the test after 2 objects");
    collect_cleanup(&c);
}

static void test_lod_forms_and_versions(void **state)
{
    (void)state;
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    /* CityJSON 1.0 (numbers for lod, URN for the CRS, no transform) */
    enum jm_status st =
        parse("{\"type\":\"CityJSON\",\"version\":\"1.0\",\"metadata\":{\"referenceSystem\":"
              "\"urn:ogc:def:crs:EPSG::7415\"}," SQUARE
              "\"CityObjects\":{\"a\":{\"type\":\"Building\",\"geometry\":[{\"type\":\"MultiSurface\",\"lod\":2.2,"
              "\"boundaries\":[[[0,1,2]]]},{\"type\":\"MultiSurface\",\"lod\":0,\"boundaries\":[[[0,1,2]]]},"
              "{\"type\":\"MultiSurface\",\"lod\":\"1.3\",\"boundaries\":[[[0,1,2]]]}]}}}",
              &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_string_equal(info.version, "1.0");
    assert_string_equal(info.srs, "EPSG:7415");
    assert_int_equal(c.lods[0], 1);
    assert_int_equal(c.lods[1], 1);
    assert_int_equal(c.lods[2], 1);
    assert_near(c.first_point[0], 0, 0);
    collect_cleanup(&c);
    assert_int_equal(parse("{\"type\":\"CityJSON\",\"version\":\"2.0.1\",\"CityObjects\":{}}", NULL, &info, &e), JM_OK);
    assert_string_equal(info.version, "2.0.1");
    expect_error_str("{\"type\":\"CityJSON\",\"version\":\"2.0x\",\"CityObjects\":{}}", JM_EINPUT,
                     "unsupported CityJSON version");
    expect_error_str(HEAD20 SQUARE "\"CityObjects\":{\"b1\":{\"type\":\"Building\",\"geometry\":[{\"type\":"
                                   "\"MultiSurface\",\"lod\":\"2.\",\"boundaries\":[[[0,1,2]]]}]}}}",
                     JM_EINPUT, "invalid lod");
}

static void test_null_info_and_callback(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    assert_int_equal(cm_parse_cityjson(jsonl_doc, strlen(jsonl_doc), NULL, NULL, NULL, NULL, NULL, &e), JM_OK);
    assert_int_equal(cm_parse_cityjson("{", 1, NULL, NULL, NULL, NULL, NULL, NULL), JM_EINPUT);
}

/* json-c parses numbers with strtod and our address coordinates are formatted by us: neither
 * may follow LC_NUMERIC. */
static void test_numbers_ignore_locale(void **state)
{
    (void)state;
    if (!test_set_comma_locale())
        skip();
    /* The locale is loaded; json-c calls newlocale() at every parse, and glibc's newlocale
     * leaks its copy of LOCPATH (set when test_locale.h had to compile the locale). */
    unsetenv("LOCPATH");
    struct collect c = {0};
    struct cm_info info;
    struct err e;
    c.watch = "b1";
    enum jm_status st = parse(HEAD20 "\"transform\":{\"scale\":[0.25,0.5,1e-3],\"translate\":[0.5,0,1.5]},"
                                     "\"vertices\":[[1,1,1],[3,1,1],[3,3,1]],\"CityObjects\":{\"b1\":{\"type\":"
                                     "\"Building\",\"attributes\":{\"h\":2.75},\"address\":{\"location\":{"
                                     "\"type\":\"MultiPoint\",\"boundaries\":[1]}},\"geometry\":[{\"type\":"
                                     "\"MultiSurface\",\"lod\":\"2.2\",\"boundaries\":[[[0,1,2]]]}]}}}",
                              &c, &info, &e);
    if (st != JM_OK)
        fail_msg("%s", e.msg);
    assert_near(c.watched_xyz[0], 0.75, 0);
    assert_near(c.watched_xyz[1], 0.5, 0);
    assert_near(c.watched_xyz[2], 1.501, 1e-12);
    assert_string_equal(c.watched_attributes, "{\"h\":2.75,\"address\":{\"location\":[[1.25,0.5,1.501]]}}");
    collect_cleanup(&c);
}

static int make_tmp_dir(void **state)
{
    (void)state;
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int remove_tmp_dir(void **state)
{
    (void)state;
    return rmdir(tmp_dir);
}

int main(void)
{
    const char *env = getenv("JUMEAU_SHARED_DATA");
    data_cfg.required = env && *env;
    snprintf(data_cfg.dir, sizeof data_cfg.dir, "%s", data_cfg.required ? env : DEFAULT_DATA_DIR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delft_lod1_multiclass),
        cmocka_unit_test(test_denhaag_parts_have_parents),
        cmocka_unit_test(test_rotterdam_missing_textures_are_counted),
        cmocka_unit_test(test_missing_file_is_not_found),
        cmocka_unit_test(test_vertex_index_out_of_range),
        cmocka_unit_test(test_truncated_json),
        cmocka_unit_test(test_not_cityjson),
        cmocka_unit_test(test_nesting_beyond_the_cap),
        cmocka_unit_test(test_bad_template_index),
        cmocka_unit_test(test_template_is_placed),
        cmocka_unit_test(test_wrong_nesting_and_geometry_errors),
        cmocka_unit_test(test_rings_drop_repeats_and_skip_degenerate),
        cmocka_unit_test(test_empty_first_ring),
        cmocka_unit_test(test_all_geometry_types),
        cmocka_unit_test(test_crs_forms),
        cmocka_unit_test(test_attributes_and_address),
        cmocka_unit_test(test_jsonl_in_memory),
        cmocka_unit_test(test_jsonl_files),
        cmocka_unit_test(test_textures_beside_the_file),
        cmocka_unit_test(test_callback_status_stops_the_reading),
        cmocka_unit_test(test_lod_forms_and_versions),
        cmocka_unit_test(test_null_info_and_callback),
        cmocka_unit_test_teardown(test_numbers_ignore_locale, test_restore_c_locale),
    };
    return cmocka_run_group_tests(tests, make_tmp_dir, remove_tmp_dir);
}
