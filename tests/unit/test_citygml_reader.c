/* Unit tests of the CityGML reader (importers/citymodel: cm_read_citygml, cm_parse_citygml).
 *
 * Real files from $JUMEAU_SHARED_DATA (default /work/shared/data; when the variable is unset
 * and a file is missing those tests are skipped, when it is set a missing file fails):
 * - SIG3D LoD2 (CityGML 2.0, EPSG 25832 + DHHN92 5783): one Building whose lod2Solid only
 *   references the polygons of its boundedBy surfaces → exactly 7 surfaces (2 RoofSurface,
 *   4 WallSurface, 1 GroundSurface), each once; and a ReliefFeature whose TIN gives 9
 *   triangles of LoD 2.
 * - SIG3D LoD4: the file holds 998 gml:Polygon and 9 gml:Triangle. The reader reports each
 *   once: the Building 24 (16 WallSurface — walls are CompositeSurfaces of several polygons —,
 *   4 RoofSurface, 1 GroundSurface, 2 Window, 1 Door), its Room as an object of its own (18:
 *   15 InteriorWallSurface, 1 FloorSurface, 2 CeilingSurface), the Room's BuildingFurniture (a
 *   rocking chair, 956 polygons without semantic), the relief's 9 triangles of LoD 3: 1007.
 *   The Room and the furniture have no gml:id: their parent_id is the building's. The Solids
 *   of building and room (xlinks, orientation "-") and the room's openings (xlinks to the
 *   building's windows and door) add nothing.
 * - PLATEAU Tokyo (CityGML 2.0 + uro ADE, EPSG 6697): one Building of 785 surfaces (lod0RoofEdge
 *   1, lod1Solid 134, lod2 boundedBy 650 = 279 RoofSurface + 370 WallSurface + 1
 *   GroundSurface; the lod2Solid is 650 xlinks), measuredHeight 31.7, uro:* attributes, one
 *   ParameterizedTexture whose image is beside the file.
 * In-memory documents: a hand-made CityGML 3.0 building (con: thematic surfaces, a
 * WindowSurface filling, lod2Solid of xlinks, a BuildingPart, 3.0 generic attributes, xAL 3
 * address), every geometry encoding, attributes, CRS names, implicit geometry, and the
 * safety cases: billion laughs, XXE, truncation, unclosed ring, unknown srsName, depth bomb,
 * dangling xlink, caps.
 *
 * Link: expat, cmocka, m (and common: buf, err, utf8, parse, json_writer). */
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "citymodel.h"
#include "test_locale.h"

#define DEFAULT_DATA_DIR "/work/shared/data"
#define LOD2_FILE "citygml/sig3d_example_building_LOD2-EPSG25832_CityGML2.gml"
#define LOD4_FILE "citygml/sig3d_example_building_LOD4-EPSG25832_CityGML2.gml"
#define PLATEAU_FILE "citygml/plateau_tokyo_53394517_bldg_6697_2_op_CityGML2.gml"

#include "../fuzz/json_check.h"


/* ---- collecting what the reader hands over ----------------------------------------------- */

struct seen {
    char id[128], type[64], parent[128];
    bool has_parent;
    char *attrs;
    int nsurf, holes, lod[5];
    struct {
        char name[32];
        int n;
    } sem[24];
    int nsem;
    double first[3]; /* first point of the first surface */
    int first_ring;  /* its outer ring's size */
    char first_id[128];
};

struct collect {
    struct seen *objs;
    int n, cap;
    bool contract_broken;
    int stop_after; /* > 0: return stop_status at that object */
    enum jm_status stop_status;
};

static void note_semantic(struct seen *s, const char *name)
{
    for (int i = 0; i < s->nsem; i++)
        if (strcmp(s->sem[i].name, name) == 0) {
            s->sem[i].n++;
            return;
        }
    if (s->nsem < 24) {
        snprintf(s->sem[s->nsem].name, sizeof s->sem[0].name, "%s", name);
        s->sem[s->nsem++].n = 1;
    }
}

static enum jm_status collect_cb(void *ctx, const struct cm_object *o, const struct cm_info *info, struct err *e)
{
    struct collect *c = ctx;
    (void)info;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->objs = realloc(c->objs, (size_t)c->cap * sizeof *c->objs);
        assert_non_null(c->objs);
    }
    struct seen *s = &c->objs[c->n++];
    memset(s, 0, sizeof *s);
    if (!o->id || !o->type || !o->attributes || !json_object_valid(o->attributes) || o->nsurfaces < 0)
        c->contract_broken = true;
    snprintf(s->id, sizeof s->id, "%s", o->id ? o->id : "(null)");
    snprintf(s->type, sizeof s->type, "%s", o->type ? o->type : "(null)");
    s->has_parent = o->parent_id != NULL;
    snprintf(s->parent, sizeof s->parent, "%s", o->parent_id ? o->parent_id : "");
    s->attrs = strdup(o->attributes ? o->attributes : "");
    s->nsurf = o->nsurfaces;
    for (int i = 0; i < o->nsurfaces; i++) {
        const struct cm_surface *f = &o->surfaces[i];
        if (f->lod < 0 || f->lod > 4 || f->nrings < 1) {
            c->contract_broken = true;
            continue;
        }
        s->lod[f->lod]++;
        s->holes += f->nrings - 1;
        note_semantic(s, f->semantic ? f->semantic : "(none)");
        long pts = 0;
        for (int k = 0; k < f->nrings; k++) {
            if (f->ring_sizes[k] < 3)
                c->contract_broken = true;
            pts += f->ring_sizes[k];
        }
        for (long p = 0; p < 3 * pts; p++)
            if (!isfinite(f->xyz[p]))
                c->contract_broken = true;
    }
    if (o->nsurfaces) {
        memcpy(s->first, o->surfaces[0].xyz, sizeof s->first);
        s->first_ring = o->surfaces[0].ring_sizes[0];
        snprintf(s->first_id, sizeof s->first_id, "%s", o->surfaces[0].id ? o->surfaces[0].id : "");
    }
    if (c->stop_after && c->n == c->stop_after) {
        err_set(e, c->stop_status, "stopped by the test");
        return c->stop_status;
    }
    return JM_OK;
}

static void collect_free(struct collect *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->objs[i].attrs);
    free(c->objs);
    memset(c, 0, sizeof *c);
}

static int sem(const struct seen *s, const char *name)
{
    for (int i = 0; i < s->nsem; i++)
        if (strcmp(s->sem[i].name, name) == 0)
            return s->sem[i].n;
    return 0;
}

static enum jm_status parse(const char *xml, struct collect *c, struct cm_info *info, struct err *e)
{
    memset(c, 0, sizeof *c);
    err_clear(e);
    return cm_parse_citygml(xml, strlen(xml), "test.gml", collect_cb, c, info, e);
}

/* Parses a document that must fail with `code` and a message containing `needle`. */
static void expect_failure(const char *xml, enum jm_status code, const char *needle)
{
    struct collect c;
    struct cm_info info;
    struct err e;
    enum jm_status st = parse(xml, &c, &info, &e);
    if (st != code || !strstr(e.msg, needle))
        fail_msg("expected status %d with \"%s\", got %d: %s", code, needle, st, e.msg);
    assert_int_equal(e.code, code);
    assert_false(c.contract_broken);
    collect_free(&c);
}

/* ---- documents --------------------------------------------------------------------------- */

#define CG2_OPEN                                                                                                       \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                                     \
    "<core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\""                                                \
    " xmlns:bldg=\"http://www.opengis.net/citygml/building/2.0\""                                                      \
    " xmlns:gen=\"http://www.opengis.net/citygml/generics/2.0\" xmlns:gml=\"http://www.opengis.net/gml\""              \
    " xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:dem=\"http://www.opengis.net/citygml/relief/2.0\""            \
    " xmlns:veg=\"http://www.opengis.net/citygml/vegetation/2.0\""                                                     \
    " xmlns:app=\"http://www.opengis.net/citygml/appearance/2.0\""                                                     \
    " xmlns:tran=\"http://www.opengis.net/citygml/transportation/2.0\""                                                \
    " xmlns:xAL=\"urn:oasis:names:tc:ciq:xsdschema:xAL:2.0\" xmlns:ade=\"http://example.org/ade\">\n"
#define CG2_CLOSE "</core:CityModel>\n"
#define RING(pts) "<gml:LinearRing><gml:posList>" pts "</gml:posList></gml:LinearRing>"
#define POLY(id, pts) "<gml:Polygon gml:id=\"" id "\"><gml:exterior>" RING(pts) "</gml:exterior></gml:Polygon>"
#define SQ0 "0 0 0 10 0 0 10 10 0 0 10 0 0 0 0"
#define MEMBER(body) "<core:cityObjectMember>" body "</core:cityObjectMember>\n"
#define MS(lodprop, polys) "<" lodprop "><gml:MultiSurface>" polys "</gml:MultiSurface></" lodprop ">"
#define SM(poly) "<gml:surfaceMember>" poly "</gml:surfaceMember>"

/* A CityGML 3.0 building written after the OGC CityGML-3.0Encodings examples: thematic
 * surfaces in con:, core:boundary, lod2Solid of xlinks to them, a window filling, a
 * BuildingPart, 3.0 generic attributes, con:height, an xAL 3 address, GML 3.2. */
static const char citygml3_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<CityModel xmlns=\"http://www.opengis.net/citygml/3.0\" xmlns:gml=\"http://www.opengis.net/gml/3.2\"\n"
    "  xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:bldg=\"http://www.opengis.net/citygml/building/3.0\"\n"
    "  xmlns:con=\"http://www.opengis.net/citygml/construction/3.0\"\n"
    "  xmlns:gen=\"http://www.opengis.net/citygml/generics/3.0\" xmlns:xAL=\"urn:oasis:names:tc:ciq:xal:3\">\n"
    "  <gml:boundedBy><gml:Envelope srsName=\"http://www.opengis.net/def/crs/EPSG/0/25832\" srsDimension=\"3\">\n"
    "    <gml:lowerCorner>0 0 0</gml:lowerCorner><gml:upperCorner>10 10 8</gml:upperCorner></gml:Envelope>\n"
    "  </gml:boundedBy>\n"
    "  <cityObjectMember>\n"
    "    <bldg:Building gml:id=\"B3\">\n"
    "      <gml:name>Hand-made 3.0 building</gml:name>\n"
    "      <creationDate>2024-01-15T00:00:00</creationDate>\n"
    "      <genericAttribute><gen:StringAttribute><gen:name>owner</gen:name><gen:value>city</gen:value>"
    "</gen:StringAttribute></genericAttribute>\n"
    "      <genericAttribute><gen:IntAttribute><gen:name>floors</gen:name><gen:value>2</gen:value>"
    "</gen:IntAttribute></genericAttribute>\n"
    "      <genericAttribute><gen:MeasureAttribute><gen:name>eaves</gen:name><gen:value uom=\"cm\">550</gen:value>"
    "</gen:MeasureAttribute></genericAttribute>\n"
    "      <boundary><con:GroundSurface gml:id=\"B3_G\"><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>"
    "<gml:Polygon gml:id=\"B3_G1\"><gml:exterior><gml:LinearRing><gml:posList srsDimension=\"3\">"
    "0 0 0 0 10 0 10 10 0 10 0 0 0 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    "</gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:GroundSurface></boundary>\n"
    "      <boundary><con:WallSurface gml:id=\"B3_W1\"><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>"
    "<gml:Polygon gml:id=\"B3_W1P\"><gml:exterior><gml:LinearRing><gml:posList>"
    "0 0 0 10 0 0 10 0 5 0 0 5 0 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    "</gml:surfaceMember></gml:MultiSurface></lod2MultiSurface>\n"
    "        <con:fillingSurface><con:WindowSurface gml:id=\"B3_WIN\"><lod3MultiSurface><gml:MultiSurface>"
    "<gml:surfaceMember><gml:Polygon gml:id=\"B3_WINP\"><gml:exterior><gml:LinearRing><gml:posList>"
    "4 0 2 6 0 2 6 0 3 4 0 3 4 0 2</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    "</gml:surfaceMember></gml:MultiSurface></lod3MultiSurface></con:WindowSurface></con:fillingSurface>\n"
    "      </con:WallSurface></boundary>\n"
    "      <boundary><con:WallSurface gml:id=\"B3_W2\"><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>"
    "<gml:Polygon gml:id=\"B3_W2P\"><gml:exterior><gml:LinearRing><gml:posList>"
    "10 0 0 10 10 0 10 10 5 10 0 5 10 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    "</gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:WallSurface></boundary>\n"
    "      <boundary><con:WallSurface gml:id=\"B3_W3\"><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>"
    "<gml:Polygon gml:id=\"B3_W3P\"><gml:exterior><gml:LinearRing><gml:posList>"
    "10 10 0 0 10 0 0 10 5 10 10 5 10 10 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    "</gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:WallSurface></boundary>\n"
    "      <boundary><con:WallSurface gml:id=\"B3_W4\"><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>"
    "<gml:Polygon gml:id=\"B3_W4P\"><gml:exterior><gml:LinearRing><gml:posList>"
    "0 10 0 0 0 0 0 0 5 0 10 5 0 10 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    "</gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:WallSurface></boundary>\n"
    "      <boundary><con:RoofSurface gml:id=\"B3_R1\"><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>"
    "<gml:Polygon gml:id=\"B3_R1P\"><gml:exterior><gml:LinearRing><gml:posList>"
    "0 0 5 10 0 5 10 5 8 0 5 8 0 0 5</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    "</gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:RoofSurface></boundary>\n"
    "      <boundary><con:RoofSurface gml:id=\"B3_R2\"><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>"
    "<gml:Polygon gml:id=\"B3_R2P\"><gml:exterior><gml:LinearRing><gml:posList>"
    "0 5 8 10 5 8 10 10 5 0 10 5 0 5 8</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    "</gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:RoofSurface></boundary>\n"
    "      <lod2Solid><gml:Solid gml:id=\"B3_S\"><gml:exterior><gml:Shell>\n"
    "        <gml:surfaceMember xlink:href=\"#B3_G1\"/><gml:surfaceMember xlink:href=\"#B3_W1P\"/>\n"
    "        <gml:surfaceMember xlink:href=\"#B3_W2P\"/><gml:surfaceMember xlink:href=\"#B3_W3P\"/>\n"
    "        <gml:surfaceMember xlink:href=\"#B3_W4P\"/><gml:surfaceMember xlink:href=\"#B3_R1P\"/>\n"
    "        <gml:surfaceMember xlink:href=\"#B3_R2P\"/>\n"
    "      </gml:Shell></gml:exterior></gml:Solid></lod2Solid>\n"
    "      <con:height><con:Height><con:highReference>highestRoofEdge</con:highReference>"
    "<con:lowReference>lowestGroundPoint</con:lowReference><con:status>measured</con:status>"
    "<con:value uom=\"m\">8.0</con:value></con:Height></con:height>\n"
    "      <bldg:function>1000</bldg:function>\n"
    "      <bldg:roofType>1030</bldg:roofType>\n"
    "      <bldg:storeysAboveGround>2</bldg:storeysAboveGround>\n"
    "      <bldg:address><Address><xalAddress><xAL:Address>"
    "<xAL:Country><xAL:NameElement xAL:NameType=\"Name\">Germany</xAL:NameElement></xAL:Country>"
    "<xAL:Locality xAL:Type=\"Town\"><xAL:NameElement xAL:NameType=\"Name\">Karlsruhe</xAL:NameElement></xAL:Locality>"
    "<xAL:Thoroughfare xAL:Type=\"Street\"><xAL:NameElement xAL:NameType=\"NameAndType\">Kaiserstrasse"
    "</xAL:NameElement><xAL:Number xAL:Type=\"Number\">12</xAL:Number></xAL:Thoroughfare>"
    "<xAL:PostCode><xAL:Identifier>76131</xAL:Identifier></xAL:PostCode>"
    "</xAL:Address></xalAddress></Address></bldg:address>\n"
    "      <bldg:consistsOfBuildingPart><bldg:BuildingPart gml:id=\"B3_P1\">\n"
    "        <lod1Solid><gml:Solid><gml:exterior><gml:Shell>\n"
    "          <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>"
    "10 0 0 10 4 0 14 4 0 14 0 0 10 0 "
    "0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>\n"
    "          <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>"
    "10 0 3 14 0 3 14 4 3 10 4 3 10 0 "
    "3</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>\n"
    "          <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>"
    "10 0 0 14 0 0 14 0 3 10 0 3 10 0 "
    "0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>\n"
    "          <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>"
    "14 0 0 14 4 0 14 4 3 14 0 3 14 0 "
    "0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>\n"
    "          <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>"
    "14 4 0 10 4 0 10 4 3 14 4 3 14 4 "
    "0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>\n"
    "          <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>"
    "10 4 0 10 0 0 10 0 3 10 4 3 10 4 "
    "0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>\n"
    "        </gml:Shell></gml:exterior></gml:Solid></lod1Solid>\n"
    "        <bldg:function>1010</bldg:function>\n"
    "      </bldg:BuildingPart></bldg:consistsOfBuildingPart>\n"
    "    </bldg:Building>\n"
    "  </cityObjectMember>\n"
    "</CityModel>\n";

/* ---- real files -------------------------------------------------------------------------- */

struct data_cfg {
    char lod2[4096], lod4[4096], plateau[4096];
    bool present;
};

static enum jm_status read_file(const char *path, struct collect *c, struct cm_info *info, struct err *e)
{
    memset(c, 0, sizeof *c);
    err_clear(e);
    return cm_read_citygml(path, collect_cb, c, info, e);
}

static void test_sig3d_lod2(void **state)
{
    const struct data_cfg *cfg = *state;
    if (!cfg->present)
        skip();
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(read_file(cfg->lod2, &c, &info, &e), JM_OK);
    assert_false(c.contract_broken);
    assert_string_equal(info.version, "2.0");
    assert_string_equal(info.srs, "EPSG:25832+5783");
    assert_int_equal(info.epsg_horizontal, 25832);
    assert_int_equal(info.epsg_vertical, 5783);
    assert_int_equal(c.n, 2);
    assert_int_equal(info.objects, 2);
    assert_int_equal(info.surfaces, 16);

    const struct seen *b = &c.objs[0];
    assert_string_equal(b->type, "Building");
    assert_string_equal(b->id, "GML_7b1a5a6f-ddad-4c3d-a507-3eb9ee0a8e68");
    assert_false(b->has_parent);
    assert_int_equal(b->nsurf, 7);
    assert_int_equal(sem(b, "RoofSurface"), 2);
    assert_int_equal(sem(b, "WallSurface"), 4);
    assert_int_equal(sem(b, "GroundSurface"), 1);
    assert_int_equal(b->lod[2], 7);
    /* the ground slab, first in the file: 458875 5438350 112, 4 points once the closing one
     * is dropped */
    assert_string_equal(b->first_id, "GML_d3981803-d4b0-4b5b-969c-53f657594757");
    assert_true(b->first[0] == 458875.0 && b->first[1] == 5438350.0 && b->first[2] == 112.0);
    assert_int_equal(b->first_ring, 4);
    assert_non_null(strstr(b->attrs, "\"name\":\"Example Building LOD2\""));
    assert_non_null(strstr(b->attrs, "\"function\":\"1000\""));
    assert_non_null(strstr(b->attrs, "\"yearOfConstruction\":1985"));
    assert_non_null(strstr(b->attrs, "\"roofType\":\"1030\""));
    assert_non_null(strstr(b->attrs, "\"measuredHeight\":5"));
    assert_non_null(strstr(b->attrs, "\"storeysAboveGround\":1"));
    assert_non_null(strstr(b->attrs, "\"storeyHeightsAboveGround\":[3]"));
    assert_non_null(strstr(b->attrs, "\"address\":{\"CountryName\":\"Germany\",\"LocalityName\":"
                                     "\"Eggenstein-Leopoldshafen\",\"ThoroughfareNumber\":\"1\",\"ThoroughfareName\":"
                                     "\"Hermann-von-Helmholtz-Platz\",\"PostalCodeNumber\":\"76344\"}"));

    const struct seen *t = &c.objs[1];
    assert_string_equal(t->type, "ReliefFeature");
    assert_int_equal(t->nsurf, 9);
    assert_int_equal(t->lod[2], 9);
    assert_int_equal(sem(t, "(none)"), 9);
    assert_int_equal(t->first_ring, 3);
    assert_true(t->first[0] == 458868.0 && t->first[1] == 5438362.0 && t->first[2] == 112.0);
    assert_non_null(strstr(t->attrs, "\"lod\":2"));
    collect_free(&c);
}

static void test_sig3d_lod4(void **state)
{
    const struct data_cfg *cfg = *state;
    if (!cfg->present)
        skip();
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(read_file(cfg->lod4, &c, &info, &e), JM_OK);
    assert_false(c.contract_broken);
    assert_int_equal(c.n, 4);
    assert_int_equal(info.surfaces, 998 + 9);
    const char *bid = "GML_7b1a5a6f-ddad-4c3d-a507-3eb9ee0a8e68";

    const struct seen *b = &c.objs[0];
    assert_string_equal(b->type, "Building");
    assert_int_equal(b->nsurf, 24);
    assert_int_equal(b->lod[4], 24);
    assert_int_equal(sem(b, "WallSurface"), 16);
    assert_int_equal(sem(b, "RoofSurface"), 4);
    assert_int_equal(sem(b, "GroundSurface"), 1);
    assert_int_equal(sem(b, "Window"), 2);
    assert_int_equal(sem(b, "Door"), 1);

    const struct seen *room = &c.objs[1];
    assert_string_equal(room->type, "Room");
    assert_string_equal(room->id, "");
    assert_true(room->has_parent);
    assert_string_equal(room->parent, bid);
    assert_int_equal(room->nsurf, 18);
    assert_int_equal(sem(room, "InteriorWallSurface"), 15);
    assert_int_equal(sem(room, "FloorSurface"), 1);
    assert_int_equal(sem(room, "CeilingSurface"), 2);

    const struct seen *chair = &c.objs[2];
    assert_string_equal(chair->type, "BuildingFurniture");
    assert_string_equal(chair->parent, bid); /* the room has no gml:id */
    assert_int_equal(chair->nsurf, 956);
    assert_int_equal(sem(chair, "(none)"), 956);
    assert_non_null(strstr(chair->attrs, "\"name\":\"Rocking Chair\""));
    assert_non_null(strstr(chair->attrs, "\"function\":\"1340\""));

    const struct seen *t = &c.objs[3];
    assert_string_equal(t->type, "ReliefFeature");
    assert_int_equal(t->lod[3], 9);
    /* the 9 gml:interior rings of the file: 3 in the building, 2 in the room, 4 in the chair */
    assert_int_equal(b->holes, 3);
    assert_int_equal(room->holes, 2);
    assert_int_equal(chair->holes, 4);
    collect_free(&c);
}

static void test_plateau_tokyo(void **state)
{
    const struct data_cfg *cfg = *state;
    if (!cfg->present)
        skip();
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(read_file(cfg->plateau, &c, &info, &e), JM_OK);
    assert_false(c.contract_broken);
    assert_string_equal(info.srs, "EPSG:6697");
    assert_int_equal(info.epsg_horizontal, 6697);
    assert_int_equal(info.epsg_vertical, 0);
    assert_int_equal(info.textures, 1);
    assert_int_equal(info.materials, 0);
    assert_int_equal(info.textures_missing, 0);
    assert_int_equal(c.n, 1);
    const struct seen *b = &c.objs[0];
    assert_string_equal(b->id, "BLD_77ca1a15-3b35-4386-8f86-152ed71c4c64");
    assert_int_equal(b->nsurf, 785);
    assert_int_equal(b->lod[0], 1);
    assert_int_equal(b->lod[1], 134);
    assert_int_equal(b->lod[2], 650);
    assert_int_equal(sem(b, "RoofSurface"), 279);
    assert_int_equal(sem(b, "WallSurface"), 370);
    assert_int_equal(sem(b, "GroundSurface"), 1);
    assert_int_equal(sem(b, "(none)"), 135);
    /* lod0RoofEdge comes first: latitude, longitude, height (JGD2011 geographic 3D) */
    assert_true(b->first[0] == 35.67894842882243 && b->first[1] == 139.71765053158802 && b->first[2] == 50.534);
    assert_non_null(strstr(b->attrs, "\"measuredHeight\":31.7"));
    assert_non_null(strstr(b->attrs, "\"建物ID\":\"13104-bldg-53\""));
    assert_non_null(
        strstr(b->attrs, "\"address\":{\"CountryName\":\"日本\",\"LocalityName\":\"東京都新宿区霞ヶ丘町\"}"));
    assert_non_null(strstr(b->attrs, "\"uro:buildingDetails\":{\"uro:buildingRoofEdgeArea\":\"2513.85520\""));
    assert_non_null(strstr(b->attrs, "\"uro:surveyYear\":\"2016\""));
    assert_non_null(strstr(b->attrs, "\"uro:extendedAttribute\":[{\"uro:key\":\"2\",\"uro:codeValue\":\"2\"},"
                                     "{\"uro:key\":\"105\",\"uro:codeValue\":\"2\"},"
                                     "{\"uro:key\":\"106\",\"uro:codeValue\":\"20\"}]"));
    collect_free(&c);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(read_file("/nonexistent/x.gml", &c, &info, &e), JM_ENOTFOUND);
    assert_non_null(strstr(e.msg, "/nonexistent/x.gml"));
    collect_free(&c);
}

/* Textures are looked for beside the file: one present, one missing, one URL. */
static void test_textures_beside_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/cg_tex_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char gml[256], sub[256], img[256];
    snprintf(gml, sizeof gml, "%s/model.gml", dir);
    snprintf(sub, sizeof sub, "%s/tex", dir);
    snprintf(img, sizeof img, "%s/tex/a b.jpg", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    FILE *f = fopen(img, "w");
    assert_non_null(f);
    fclose(f);
    f = fopen(gml, "w");
    assert_non_null(f);
    fputs(CG2_OPEN "<app:appearanceMember><app:Appearance>"
                   "<app:surfaceDataMember><app:ParameterizedTexture><app:imageURI>tex/a%20b.jpg</app:imageURI>"
                   "</app:ParameterizedTexture></app:surfaceDataMember>"
                   "<app:surfaceDataMember><app:ParameterizedTexture><app:imageURI>tex/missing.png</app:imageURI>"
                   "</app:ParameterizedTexture></app:surfaceDataMember>"
                   "<app:surfaceDataMember><app:GeoreferencedTexture><app:imageURI>https://example.org/x.png"
                   "</app:imageURI></app:GeoreferencedTexture></app:surfaceDataMember>"
                   "<app:surfaceDataMember><app:X3DMaterial><app:diffuseColor>1 0 0</app:diffuseColor>"
                   "</app:X3DMaterial></app:surfaceDataMember>"
                   "</app:Appearance></app:appearanceMember>" CG2_CLOSE,
          f);
    fclose(f);
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(read_file(gml, &c, &info, &e), JM_OK);
    assert_int_equal(info.textures, 3);
    assert_int_equal(info.materials, 1);
    assert_int_equal(info.textures_missing, 2);
    assert_string_equal(info.first_missing_texture, "tex/missing.png");
    collect_free(&c);
    /* in memory there is no folder: nothing is looked for */
    f = fopen(gml, "r");
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_int_equal(parse(text, &c, &info, &e), JM_OK);
    assert_int_equal(info.textures, 3);
    assert_int_equal(info.textures_missing, 0);
    collect_free(&c);
    unlink(img);
    rmdir(sub);
    unlink(gml);
    rmdir(dir);
}

/* ---- CityGML 3.0 ------------------------------------------------------------------------- */

static void test_citygml3_building(void **state)
{
    (void)state;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(citygml3_doc, &c, &info, &e), JM_OK);
    assert_false(c.contract_broken);
    assert_string_equal(info.version, "3.0");
    assert_string_equal(info.srs, "EPSG:25832");
    assert_int_equal(c.n, 2);
    const struct seen *b = &c.objs[0];
    assert_string_equal(b->type, "Building");
    assert_string_equal(b->id, "B3");
    assert_int_equal(b->nsurf, 8); /* the 7 of the solid, once, and the window */
    assert_int_equal(sem(b, "GroundSurface"), 1);
    assert_int_equal(sem(b, "WallSurface"), 4);
    assert_int_equal(sem(b, "RoofSurface"), 2);
    assert_int_equal(sem(b, "Window"), 1);
    assert_int_equal(b->lod[2], 7);
    assert_int_equal(b->lod[3], 1);
    assert_string_equal(b->first_id, "B3_G1");
    assert_non_null(strstr(b->attrs, "\"name\":\"Hand-made 3.0 building\""));
    assert_non_null(strstr(b->attrs, "\"creationDate\":\"2024-01-15T00:00:00\""));
    assert_non_null(strstr(b->attrs, "\"owner\":\"city\""));
    assert_non_null(strstr(b->attrs, "\"floors\":2"));
    assert_non_null(strstr(b->attrs, "\"eaves\":5.5"));
    assert_non_null(strstr(b->attrs, "\"height\":{\"highReference\":\"highestRoofEdge\""));
    assert_non_null(strstr(b->attrs, "\"value\":\"8.0\""));
    assert_non_null(strstr(b->attrs, "\"function\":\"1000\""));
    assert_non_null(strstr(b->attrs, "\"storeysAboveGround\":2"));
    assert_non_null(strstr(b->attrs, "\"address\":{\"CountryName\":\"Germany\",\"LocalityName\":\"Karlsruhe\","
                                     "\"ThoroughfareName\":\"Kaiserstrasse\",\"ThoroughfareNumber\":\"12\","
                                     "\"PostalCodeNumber\":\"76131\"}"));
    const struct seen *p = &c.objs[1];
    assert_string_equal(p->type, "BuildingPart");
    assert_string_equal(p->parent, "B3");
    assert_int_equal(p->nsurf, 6);
    assert_int_equal(p->lod[1], 6);
    assert_non_null(strstr(p->attrs, "\"function\":\"1010\""));
    collect_free(&c);
}

/* ---- geometry encodings ------------------------------------------------------------------ */

/* gml:pos sequences, gml:coordinates (with 2D tuples), srsDimension 2, OrientableSurface "-",
 * holes, Triangle and Rectangle patches. */
static void test_geometry_encodings(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER(
        "<bldg:Building gml:id=\"b\">"
        "<bldg:lod1MultiSurface><gml:MultiSurface>"
        "<gml:surfaceMember><gml:Polygon gml:id=\"pos\"><gml:exterior><gml:LinearRing>"
        "<gml:pos>0 0 1</gml:pos><gml:pos>1 0 1</gml:pos><gml:pos>1 1 1</gml:pos><gml:pos>0 0 "
        "1</gml:pos>"
        "</gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>"
        "<gml:surfaceMember><gml:Polygon gml:id=\"coords\"><gml:exterior><gml:LinearRing>"
        "<gml:coordinates>0,0,2 1, 0, 2\n1,1,2 0,0,2</gml:coordinates>"
        "</gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>"
        "<gml:surfaceMember><gml:Polygon gml:id=\"flat\" "
        "srsDimension=\"2\"><gml:exterior><gml:LinearRing>"
        "<gml:posList>5 5 6 5 6 6 5 "
        "5</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>"
        "<gml:surfaceMember><gml:OrientableSurface orientation=\"-\"><gml:baseSurface>"
        "<gml:Polygon gml:id=\"rev\"><gml:exterior>" RING(
            "0 0 3 1 0 3 1 1 3 0 1 3 0 0 3") "</gml:exterior>"
                                             "<gml:interior>" RING(
                                                 "0.2 0.2 3 0.4 0.2 3 0.4 0.4 3 0.2 "
                                                 "0.2 3") "</gml:interior></"
                                                          "gml:Polygon>"
                                                          "</gml:baseSurface></"
                                                          "gml:OrientableSurface></"
                                                          "gml:surfaceMember>"
                                                          "<gml:surfaceMember><gml:"
                                                          "TriangulatedSurface><gml:"
                                                          "trianglePatches>"
                                                          "<gml:Triangle><gml:"
                                                          "exterior>" RING("0 0 4 1 0 4 0 1 4 0 0 "
                                                                           "4") "</gml:exterior></"
                                                                                "gml:Triangle>"
                                                                                "</"
                                                                                "gml:"
                                                                                "trianglePatches></"
                                                                                "gml:"
                                                                                "TriangulatedSurfac"
                                                                                "e></"
                                                                                "gml:surfaceMember>"
                                                                                "<gml:"
                                                                                "surfaceMember><"
                                                                                "gml:Surface><gml:"
                                                                                "patches><gml:"
                                                                                "Rectangle><gml:"
                                                                                "exterior>" RING("0 0 5 1 0 5 1 "
                                                                                                 "1 5 0 1 5 0 0 "
                                                                                                 "5") "</"
                                                                                                      "gml:"
                                                                                                      "exterior>"
                                                                                                      "</"
                                                                                                      "gml:"
                                                                                                      "Rectangle"
                                                                                                      "></"
                                                                                                      "gml:"
                                                                                                      "patches><"
                                                                                                      "/gml:"
                                                                                                      "Surface>"
                                                                                                      "</"
                                                                                                      "gml:"
                                                                                                      "surfaceMe"
                                                                                                      "mber>"
                                                                                                      "</"
                                                                                                      "gml:"
                                                                                                      "MultiSurf"
                                                                                                      "ace></"
                                                                                                      "bldg:"
                                                                                                      "lod1Multi"
                                                                                                      "Surface>"
                                                                                                      "<bldg:"
                                                                                                      "lod1Terra"
                                                                                                      "inInterse"
                                                                                                      "ction><"
                                                                                                      "gml:"
                                                                                                      "MultiCurv"
                                                                                                      "e><gml:"
                                                                                                      "curveMemb"
                                                                                                      "er><gml:"
                                                                                                      "LineStrin"
                                                                                                      "g>"
                                                                                                      "<gml:"
                                                                                                      "posList>"
                                                                                                      "0 0 0 1 "
                                                                                                      "1 "
                                                                                                      "1</"
                                                                                                      "gml:"
                                                                                                      "posList><"
                                                                                                      "/gml:"
                                                                                                      "LineStrin"
                                                                                                      "g></"
                                                                                                      "gml:"
                                                                                                      "curveMemb"
                                                                                                      "er></"
                                                                                                      "gml:"
                                                                                                      "MultiCurv"
                                                                                                      "e>"
                                                                                                      "</"
                                                                                                      "bldg:"
                                                                                                      "lod1Terra"
                                                                                                      "inInterse"
                                                                                                      "ction>"
                                                                                                      "</"
                                                                                                      "bldg:"
                                                                                                      "Building"
                                                                                                      ">") CG2_CLOSE;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(doc, &c, &info, &e), JM_OK);
    assert_false(c.contract_broken);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.objs[0].nsurf, 6);
    assert_int_equal(c.objs[0].lod[1], 6);
    assert_int_equal(c.objs[0].holes, 1);
    assert_int_equal(c.objs[0].first_ring, 3);
    assert_true(c.objs[0].first[2] == 1.0);
    assert_string_equal(info.srs, "");
    collect_free(&c);
}

/* Checks the points of the surfaces of the geometry document one by one. */
struct points_check {
    int calls;
    double flat_z, coords_y1, rev_second_x, rev_hole_first_x;
    int rev_rings[2];
};

static enum jm_status points_cb(void *ctx, const struct cm_object *o, const struct cm_info *info, struct err *e)
{
    struct points_check *p = ctx;
    (void)info, (void)e;
    p->calls++;
    for (int i = 0; i < o->nsurfaces; i++) {
        const struct cm_surface *s = &o->surfaces[i];
        if (!s->id)
            continue;
        if (!strcmp(s->id, "flat"))
            p->flat_z = s->xyz[2];
        if (!strcmp(s->id, "coords"))
            p->coords_y1 = s->xyz[3 + 1];
        if (!strcmp(s->id, "rev")) {
            p->rev_rings[0] = s->ring_sizes[0];
            p->rev_rings[1] = s->ring_sizes[1];
            p->rev_second_x = s->xyz[3];                        /* reversed: 0 1, then 1 1 … */
            p->rev_hole_first_x = s->xyz[3 * s->ring_sizes[0]]; /* hole reversed: 0.4 0.4 first */
        }
    }
    return JM_OK;
}

static void test_orientation_and_points(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER(
        "<bldg:Building gml:id=\"b\"><bldg:lod1MultiSurface><gml:MultiSurface>"
        "<gml:surfaceMember><gml:Polygon gml:id=\"coords\"><gml:exterior><gml:LinearRing>"
        "<gml:coordinates>0,0,2 1,7,2 1,1,2 0,0,2</gml:coordinates></gml:LinearRing></gml:exterior></gml:Polygon>"
        "</gml:surfaceMember>"
        "<gml:surfaceMember><gml:Polygon gml:id=\"flat\"><gml:exterior><gml:LinearRing>"
        "<gml:posList srsDimension=\"2\">5 5 6 5 6 6 5 5</gml:posList></gml:LinearRing></gml:exterior>"
        "</gml:Polygon></gml:surfaceMember>"
        "<gml:surfaceMember><gml:OrientableSurface orientation=\"-\"><gml:baseSurface>"
        "<gml:Polygon gml:id=\"rev\"><gml:exterior>" RING(
            "0 0 3 1 0 3 1 1 3 0 1 3 0 0 3") "</gml:exterior>"
                                             "<gml:interior>" RING(
                                                 "0.2 0.2 3 0.4 0.2 3 0.4 0.4 3 0.2 0.2 3") "</gml:interior></"
                                                                                            "gml:Polygon>"
                                                                                            "</gml:baseSurface></"
                                                                                            "gml:OrientableSurface></"
                                                                                            "gml:surfaceMember>"
                                                                                            "</gml:MultiSurface></"
                                                                                            "bldg:lod1MultiSurface></"
                                                                                            "bldg:Building>") CG2_CLOSE;
    struct points_check p = {0};
    struct cm_info info;
    struct err e;
    err_clear(&e);
    assert_int_equal(cm_parse_citygml(doc, strlen(doc), "t", points_cb, &p, &info, &e), JM_OK);
    assert_int_equal(p.calls, 1);
    assert_true(p.coords_y1 == 7.0);
    assert_true(p.flat_z == 0.0);
    assert_int_equal(p.rev_rings[0], 4);
    assert_int_equal(p.rev_rings[1], 3);
    /* 0 0, 1 0, 1 1, 0 1 reversed is 0 1, 1 1, 1 0, 0 0 */
    assert_true(p.rev_second_x == 1.0);
    assert_true(p.rev_hole_first_x == 0.4);
}

/* The reverse of the SIG3D pattern: polygons written in the Solid, the thematic surfaces
 * refer to them (forward references included) — each polygon once, with its semantic. */
static void test_xlink_semantics_from_references(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER(
        "<bldg:Building gml:id=\"b\">"
        "<bldg:boundedBy><bldg:RoofSurface><bldg:lod2MultiSurface><gml:MultiSurface>"
        "<gml:surfaceMember xlink:href=\"#p1\"/></gml:MultiSurface></bldg:lod2MultiSurface></bldg:RoofSurface>"
        "</bldg:boundedBy>"
        "<bldg:lod2Solid><gml:Solid><gml:exterior><gml:CompositeSurface>" SM(POLY(
            "p1", "0 0 5 10 0 5 10 10 5 0 10 5 0 0 5")) "<gml:surfaceMember><gml:CompositeSurface "
                                                        "gml:id=\"walls\">" SM(POLY("p2", "0 0 0 10 0 0 10 0 5 "
                                                                                          "0 0 5 0 0 0"))
                                                            SM(POLY("p3", "10 0 0 10 10 0 10 10 5 10 0 5 10 0 "
                                                                          "0")) "</gml:CompositeSurface></"
                                                                                "gml:surfaceMember>" SM(POLY(
                                                                                    "p4", SQ0)) "</"
                                                                                                "gml:CompositeSurface>"
                                                                                                "</gml:exterior></"
                                                                                                "gml:Solid></"
                                                                                                "bldg:lod2Solid>"
                                                                                                "<bldg:boundedBy><"
                                                                                                "bldg:WallSurface><"
                                                                                                "bldg:"
                                                                                                "lod2MultiSurface "
                                                                                                "xlink:href=\"#"
                                                                                                "walls\"/></"
                                                                                                "bldg:WallSurface>"
                                                                                                "</bldg:boundedBy>"
                                                                                                "</bldg:Building>")
        CG2_CLOSE;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(doc, &c, &info, &e), JM_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.objs[0].nsurf, 4);
    assert_int_equal(sem(&c.objs[0], "RoofSurface"), 1);
    assert_int_equal(sem(&c.objs[0], "WallSurface"), 2);
    assert_int_equal(sem(&c.objs[0], "(none)"), 1);
    collect_free(&c);
}

/* Parts: their own objects, parent first, parent_id the building's id; sub-objects of parts. */
static void test_building_parts(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER(
        "<bldg:Building gml:id=\"main\"><gml:name>Main</gml:name>"
        "<bldg:consistsOfBuildingPart><bldg:BuildingPart gml:id=\"part1\">" MS(
            "bldg:lod2MultiSurface",
            SM(POLY("a",
                    SQ0))) "<bldg:outerBuildingInstallation><bldg:BuildingInstallation gml:id=\"chimney\">"
                           "<bldg:lod2Geometry><gml:MultiSurface>" SM(POLY(
                               "c",
                               SQ0)) "</gml:MultiSurface></bldg:lod2Geometry>"
                                     "</bldg:BuildingInstallation></bldg:outerBuildingInstallation>"
                                     "</bldg:BuildingPart></bldg:consistsOfBuildingPart>"
                                     "<bldg:consistsOfBuildingPart><bldg:BuildingPart gml:id=\"part2\">"
                                     "<bldg:lod1Solid><gml:Solid><gml:exterior><gml:CompositeSurface>"
                                     "<gml:surfaceMember xlink:href=\"#a\"/>" SM(POLY(
                                         "b",
                                         SQ0)) "</gml:CompositeSurface></gml:exterior></gml:Solid></bldg:lod1Solid>"
                                               "</bldg:BuildingPart></bldg:consistsOfBuildingPart>"
                                               "<bldg:consistsOfBuildingPart xlink:href=\"#elsewhere\"/>"
                                               "</bldg:Building>") MEMBER("<bldg:Building gml:id=\"next\"/>") CG2_CLOSE;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(doc, &c, &info, &e), JM_OK);
    assert_false(c.contract_broken);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.objs[0].id, "main");
    assert_false(c.objs[0].has_parent);
    assert_int_equal(c.objs[0].nsurf, 0);
    assert_non_null(strstr(c.objs[0].attrs, "\"consistsOfBuildingPart\":\"#elsewhere\""));
    assert_string_equal(c.objs[1].id, "part1");
    assert_string_equal(c.objs[1].type, "BuildingPart");
    assert_string_equal(c.objs[1].parent, "main");
    assert_int_equal(c.objs[1].nsurf, 1);
    assert_string_equal(c.objs[2].id, "chimney");
    assert_string_equal(c.objs[2].type, "BuildingInstallation");
    assert_string_equal(c.objs[2].parent, "part1");
    assert_string_equal(c.objs[3].id, "part2");
    assert_int_equal(c.objs[3].nsurf, 1); /* "a" stays with part1 */
    assert_string_equal(c.objs[4].id, "next");
    assert_false(c.objs[4].has_parent);
    assert_string_equal(c.objs[4].attrs, "{}");
    assert_int_equal(info.objects, 5);
    assert_int_equal(info.surfaces, 3);
    collect_free(&c);
    /* a part of a building without gml:id has no parent to name */
    static const char anonymous[] = CG2_OPEN MEMBER(
        "<bldg:Building><bldg:consistsOfBuildingPart><bldg:BuildingPart gml:id=\"p\"/></bldg:consistsOfBuildingPart>"
        "</bldg:Building>") CG2_CLOSE;
    assert_int_equal(parse(anonymous, &c, &info, &e), JM_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.objs[0].id, "");
    assert_string_equal(c.objs[1].id, "p");
    assert_false(c.objs[1].has_parent);
    collect_free(&c);
}

/* Other feature types, unknown top-level features, ADE features; TIN relief. */
static void test_other_features(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER(
        "<tran:Road gml:id=\"r\"><tran:trafficArea><tran:TrafficArea><tran:function>1</tran:function>" MS(
            "tran:lod2MultiSurface",
            SM(POLY("ta", SQ0))) "</tran:TrafficArea></tran:trafficArea>"
                                 "<tran:auxiliaryTrafficArea><tran:AuxiliaryTrafficArea>" MS(
                                     "tran:lod2MultiSurface",
                                     SM(POLY("ata",
                                             SQ0))) "</tran:AuxiliaryTrafficArea>"
                                                    "</tran:auxiliaryTrafficArea><tran:lod0Network><gml:CompositeCurve/"
                                                    "></tran:lod0Network></tran:Road>")
        MEMBER("<ade:Kiosk gml:id=\"k\"><ade:owner>me</ade:owner>" MS("ade:lod1MultiSurface",
                                                                      SM(POLY("kp", SQ0))) "</ade:Kiosk>")
            MEMBER("<dem:TINRelief gml:id=\"t\"><dem:lod>1</dem:lod><dem:tin><gml:TriangulatedSurface>"
                   "<gml:trianglePatches><gml:Triangle><gml:exterior>" RING(
                       "0 0 0 1 0 0 0 1 0 0 0 0") "</gml:exterior></gml:Triangle></gml:trianglePatches></"
                                                  "gml:TriangulatedSurface></dem:tin>"
                                                  "</dem:TINRelief>") CG2_CLOSE;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(doc, &c, &info, &e), JM_OK);
    assert_false(c.contract_broken);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.objs[0].type, "Road");
    assert_int_equal(sem(&c.objs[0], "TrafficArea"), 1);
    assert_int_equal(sem(&c.objs[0], "AuxiliaryTrafficArea"), 1);
    assert_string_equal(c.objs[1].type, "Kiosk");
    assert_int_equal(c.objs[1].lod[1], 1);
    assert_string_equal(c.objs[1].attrs, "{\"ade:owner\":\"me\"}");
    assert_string_equal(c.objs[2].type, "TINRelief");
    assert_int_equal(c.objs[2].lod[1], 1);
    collect_free(&c);
}

/* ---- attributes -------------------------------------------------------------------------- */

static void test_attributes(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER(
        "<bldg:Building gml:id=\"b\">"
        "<gml:name>One</gml:name><gml:name>Two</gml:name>"
        "<gml:description>A &lt;quoted&gt; \"text\"</gml:description>"
        "<core:creationDate>2020-02-02</core:creationDate>"
        "<gen:stringAttribute name=\"s\"><gen:value>text</gen:value></gen:stringAttribute>"
        "<gen:intAttribute name=\"i\"><gen:value> 42 </gen:value></gen:intAttribute>"
        "<gen:intAttribute name=\"bad\"><gen:value>4x2</gen:value></gen:intAttribute>"
        "<gen:doubleAttribute name=\"d\"><gen:value>2.5</gen:value></gen:doubleAttribute>"
        "<gen:dateAttribute name=\"day\"><gen:value>2001-01-01</gen:value></gen:dateAttribute>"
        "<gen:uriAttribute name=\"u\"><gen:value>http://x/y</gen:value></gen:uriAttribute>"
        "<gen:measureAttribute name=\"m\"><gen:value uom=\"ft\">10</gen:value></gen:measureAttribute>"
        "<gen:genericAttributeSet name=\"set\"><gen:stringAttribute name=\"in\"><gen:value>x</gen:value>"
        "</gen:stringAttribute><gen:intAttribute name=\"n\"><gen:value>1</gen:value></gen:intAttribute>"
        "</gen:genericAttributeSet>"
        "<gen:stringAttribute name=\"empty\"/>"
        "<bldg:class codeSpace=\"x\">1000</bldg:class>"
        "<bldg:function>31001_1000</bldg:function><bldg:function>31001_2000</bldg:function>"
        "<bldg:usage>1</bldg:usage>"
        "<bldg:yearOfConstruction>1901</bldg:yearOfConstruction>"
        "<bldg:yearOfDemolition>2099</bldg:yearOfDemolition>"
        "<bldg:measuredHeight uom=\"mm\">12500</bldg:measuredHeight>"
        "<bldg:storeysAboveGround>3</bldg:storeysAboveGround>"
        "<bldg:storeysBelowGround>1</bldg:storeysBelowGround>"
        "<bldg:storeyHeightsAboveGround uom=\"cm\">300 250 275</bldg:storeyHeightsAboveGround>"
        "<ade:info><ade:Info><ade:a>1</ade:a><ade:deep><ade:b>2</ade:b></ade:deep></ade:Info></ade:info>"
        "<ade:link xlink:href=\"http://example.org/thing\"/>"
        "<core:externalReference><core:informationSystem>http://is</core:informationSystem>"
        "<core:externalObject><core:name>obj-1</core:name></core:externalObject></core:externalReference>"
        "<ade:shape><gml:MultiSurface>" SM(POLY("hidden", SQ0)) "</gml:MultiSurface></ade:shape>"
                                                                "</bldg:Building>") CG2_CLOSE;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(doc, &c, &info, &e), JM_OK);
    assert_false(c.contract_broken);
    const char *a = c.objs[0].attrs;
    assert_non_null(strstr(a, "\"name\":[\"One\",\"Two\"]"));
    assert_non_null(strstr(a, "\"description\":\"A <quoted> \\\"text\\\"\""));
    assert_non_null(strstr(a, "\"creationDate\":\"2020-02-02\""));
    assert_non_null(strstr(a, "\"s\":\"text\""));
    assert_non_null(strstr(a, "\"i\":42"));
    assert_non_null(strstr(a, "\"bad\":\"4x2\""));
    assert_non_null(strstr(a, "\"d\":2.5"));
    assert_non_null(strstr(a, "\"day\":\"2001-01-01\""));
    assert_non_null(strstr(a, "\"u\":\"http://x/y\""));
    assert_non_null(strstr(a, "\"m\":3.048"));
    assert_non_null(strstr(a, "\"set\":{\"in\":\"x\",\"n\":1}"));
    assert_non_null(strstr(a, "\"empty\":null"));
    assert_non_null(strstr(a, "\"class\":\"1000\""));
    assert_non_null(strstr(a, "\"function\":[\"31001_1000\",\"31001_2000\"]"));
    assert_non_null(strstr(a, "\"usage\":\"1\""));
    assert_non_null(strstr(a, "\"yearOfConstruction\":1901"));
    assert_non_null(strstr(a, "\"yearOfDemolition\":2099"));
    assert_non_null(strstr(a, "\"measuredHeight\":12.5"));
    assert_non_null(strstr(a, "\"storeysAboveGround\":3"));
    assert_non_null(strstr(a, "\"storeysBelowGround\":1"));
    assert_non_null(strstr(a, "\"storeyHeightsAboveGround\":[3,2.5,2.75]"));
    assert_non_null(strstr(a, "\"ade:info\":{\"ade:a\":\"1\",\"ade:deep\":{\"ade:b\":\"2\"}}"));
    assert_non_null(strstr(a, "\"ade:link\":\"http://example.org/thing\""));
    assert_non_null(strstr(a, "\"externalReference\":{\"informationSystem\":\"http://is\","
                              "\"externalObject\":{\"name\":\"obj-1\"}}"));
    assert_non_null(strstr(a, "\"ade:shape\":\"(GML geometry not read)\""));
    assert_int_equal(c.objs[0].nsurf, 0);
    collect_free(&c);
}

/* Implicit geometry: a template with a gml:id moved by matrix and reference point, then
 * reused by a later object through xlink. */
struct implicit_check {
    int n;
    double first[2][3];
    int nsurf[2];
};

static enum jm_status implicit_cb(void *ctx, const struct cm_object *o, const struct cm_info *info, struct err *e)
{
    struct implicit_check *k = ctx;
    (void)info, (void)e;
    if (k->n < 2) {
        k->nsurf[k->n] = o->nsurfaces;
        if (o->nsurfaces)
            memcpy(k->first[k->n], o->surfaces[0].xyz + 3, sizeof k->first[0]); /* its second point */
    }
    k->n++;
    return JM_OK;
}

static void test_implicit_geometry(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER(
        "<veg:SolitaryVegetationObject gml:id=\"tree1\"><veg:species>oak</veg:species>"
        "<veg:height uom=\"m\">12</veg:height>"
        "<veg:lod2ImplicitRepresentation><core:ImplicitGeometry>"
        "<core:transformationMatrix>2 0 0 0 0 2 0 0 0 0 2 0 0 0 0 1</core:transformationMatrix>"
        "<core:relativeGMLGeometry><gml:MultiSurface gml:id=\"treeTemplate\">" SM(
            POLY("tp", "0 0 0 1 0 0 1 1 0 0 0 0")) "</gml:MultiSurface></core:relativeGMLGeometry>"
                                                   "<core:referencePoint><gml:Point><gml:pos>100 200 "
                                                   "10</gml:pos></gml:Point></core:referencePoint>"
                                                   "</core:ImplicitGeometry></veg:lod2ImplicitRepresentation></"
                                                   "veg:SolitaryVegetationObject>")
        MEMBER("<veg:SolitaryVegetationObject gml:id=\"tree2\">"
               "<veg:lod2ImplicitRepresentation><core:ImplicitGeometry>"
               "<core:relativeGMLGeometry xlink:href=\"#treeTemplate\"/>"
               "<core:referencePoint><gml:Point><gml:pos>300 400 20</gml:pos></gml:Point></core:referencePoint>"
               "</core:ImplicitGeometry></veg:lod2ImplicitRepresentation></veg:SolitaryVegetationObject>") CG2_CLOSE;
    struct implicit_check k = {0};
    struct cm_info info;
    struct err e;
    err_clear(&e);
    assert_int_equal(cm_parse_citygml(doc, sizeof doc - 1, "t", implicit_cb, &k, &info, &e), JM_OK);
    assert_int_equal(k.n, 2);
    assert_int_equal(k.nsurf[0], 1);
    assert_int_equal(k.nsurf[1], 1);
    /* (1 0 0) × 2 + (100 200 10); then unscaled + (300 400 20) */
    assert_true(k.first[0][0] == 102.0 && k.first[0][1] == 200.0 && k.first[0][2] == 10.0);
    assert_true(k.first[1][0] == 301.0 && k.first[1][1] == 400.0 && k.first[1][2] == 20.0);

    static const char missing[] = CG2_OPEN MEMBER(
        "<veg:SolitaryVegetationObject gml:id=\"t\"><veg:lod2ImplicitRepresentation><core:ImplicitGeometry>"
        "<core:relativeGMLGeometry xlink:href=\"#nowhere\"/><core:referencePoint><gml:Point><gml:pos>1 2 3</gml:pos>"
        "</gml:Point></core:referencePoint></core:ImplicitGeometry></veg:lod2ImplicitRepresentation>"
        "</veg:SolitaryVegetationObject>") CG2_CLOSE;
    expect_failure(missing, JM_EINPUT, "#nowhere");
}

/* ---- CRS names --------------------------------------------------------------------------- */

static enum jm_status srs_of(const char *name, struct cm_info *info, struct err *e)
{
    char doc[2048];
    snprintf(doc, sizeof doc,
             CG2_OPEN "<gml:boundedBy><gml:Envelope srsName=\"%s\"><gml:lowerCorner>0 0 0</gml:lowerCorner>"
                      "<gml:upperCorner>1 1 1</gml:upperCorner></gml:Envelope></gml:boundedBy>" CG2_CLOSE,
             name);
    struct collect c;
    enum jm_status st = parse(doc, &c, info, e);
    collect_free(&c);
    return st;
}

static void test_srs_names(void **state)
{
    (void)state;
    static const struct {
        const char *name, *srs;
        int h, v;
    } cases[] = {
        {"EPSG:25832", "EPSG:25832", 25832, 0},
        {"epsg:25833", "EPSG:25833", 25833, 0},
        {"urn:ogc:def:crs:EPSG::6697", "EPSG:6697", 6697, 0},
        {"urn:ogc:def:crs:EPSG:6.12:25832", "EPSG:25832", 25832, 0},
        {"urn:x-ogc:def:crs:EPSG:25832", "EPSG:25832", 25832, 0},
        {"urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::5783", "EPSG:25832+5783", 25832, 5783},
        {"http://www.opengis.net/def/crs/EPSG/0/25832", "EPSG:25832", 25832, 0},
        {"https://www.opengis.net/def/crs/EPSG/0/6697", "EPSG:6697", 6697, 0},
        {"https://www.opengis.net/def/crs-compound?1=http://www.opengis.net/def/crs/EPSG/0/25832"
         "&amp;2=http://www.opengis.net/def/crs/EPSG/0/7837",
         "EPSG:25832+7837", 25832, 7837},
        {"urn:adv:crs:ETRS89_UTM32*DE_DHHN92_NH", "EPSG:25832+5783", 25832, 5783},
        {"urn:adv:crs:DE_DHDN_3GK4*DE_DHHN92_NH", "EPSG:31468+5783", 31468, 5783},
        {"urn:adv:crs:ETRS89_UTM33", "EPSG:25833", 25833, 0},
        {"EPSG:7415", "EPSG:7415", 28992, 5709},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cm_info info;
        struct err e;
        if (srs_of(cases[i].name, &info, &e) != JM_OK)
            fail_msg("%s: %s", cases[i].name, e.msg);
        assert_string_equal(info.srs, cases[i].srs);
        assert_int_equal(info.epsg_horizontal, cases[i].h);
        assert_int_equal(info.epsg_vertical, cases[i].v);
    }
    static const char *const bad[] = {"urn:ogc:def:crs:OGC:1.3:CRS84",
                                      "EPSG:",
                                      "EPSG:abc",
                                      "foo",
                                      "urn:ogc:def:crs,crs:EPSG::1,crs:EPSG::2,crs:EPSG::3",
                                      "urn:adv:crs:ETRS89_UTM99",
                                      "http://www.opengis.net/def/crs/EPSG/0/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cm_info info;
        struct err e;
        assert_int_equal(srs_of(bad[i], &info, &e), JM_EINPUT);
        assert_non_null(strstr(e.msg, "unknown srsName"));
    }
}

static void test_srs_mixed(void **state)
{
    (void)state;
    /* the vertical part may complete the horizontal one; a different CRS is an error */
    static const char completes[] =
        CG2_OPEN "<gml:boundedBy><gml:Envelope srsName=\"EPSG:25832\"/></gml:boundedBy>" MEMBER(
            "<bldg:Building gml:id=\"b\"><bldg:lod1MultiSurface><gml:MultiSurface "
            "srsName=\"urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::5783\">" SM(
                POLY("p", SQ0)) "</gml:MultiSurface></bldg:lod1MultiSurface></bldg:Building>") CG2_CLOSE;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(completes, &c, &info, &e), JM_OK);
    assert_string_equal(info.srs, "EPSG:25832+5783");
    collect_free(&c);
    static const char differs[] =
        CG2_OPEN "<gml:boundedBy><gml:Envelope srsName=\"EPSG:25832\"/></gml:boundedBy>" MEMBER(
            "<bldg:Building gml:id=\"b\"><bldg:lod1MultiSurface><gml:MultiSurface srsName=\"EPSG:4326\">" SM(
                POLY("p", SQ0)) "</gml:MultiSurface></bldg:lod1MultiSurface></bldg:Building>") CG2_CLOSE;
    expect_failure(differs, JM_EINPUT, "one CRS per file");
}

/* ---- errors and safety ------------------------------------------------------------------- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

static void test_billion_laughs(void **state)
{
    (void)state;
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n<core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\" xmlns:gml=\"http://www.opengis.net/gml\""
        " xmlns:bldg=\"http://www.opengis.net/citygml/building/2.0\"><core:cityObjectMember><bldg:Building>"
        "<gml:name>&lol9;</gml:name></bldg:Building></core:cityObjectMember></core:CityModel>\n";
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_failure(doc, JM_EINPUT, "entity declarations are not accepted");
    assert_true(seconds_since(&t0) < 1.0);
}

/* XXE: the entity is refused before anything is read; /etc/passwd never shows anywhere. */
static void test_xxe(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "<?xml version=\"1.0\"?>\n<!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
        "<core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\" xmlns:gml=\"http://www.opengis.net/gml\""
        " xmlns:bldg=\"http://www.opengis.net/citygml/building/2.0\"><core:cityObjectMember><bldg:Building>"
        "<gml:name>&x;</gml:name></bldg:Building></core:cityObjectMember></core:CityModel>\n",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE m [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n"
        "<core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\"/>\n",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE m SYSTEM \"file:///etc/passwd\">\n"
        "<core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\" xmlns:gml=\"http://www.opengis.net/gml\""
        " xmlns:bldg=\"http://www.opengis.net/citygml/building/2.0\"><core:cityObjectMember><bldg:Building>"
        "<gml:name>&x;</gml:name></bldg:Building></core:cityObjectMember></core:CityModel>\n",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        struct collect c;
        struct cm_info info;
        struct err e;
        enum jm_status st = parse(docs[i], &c, &info, &e);
        assert_int_equal(st, JM_EINPUT);
        assert_null(strstr(e.msg, "root:"));
        for (int k = 0; k < c.n; k++)
            assert_null(strstr(c.objs[k].attrs, "root:"));
        collect_free(&c);
    }
}

static void test_truncated(void **state)
{
    (void)state;
    /* every cut before the building's end tag (the last 70 bytes close it and the model) */
    size_t len = strlen(citygml3_doc);
    for (size_t cut = 0; cut + 70 < len; cut += 37) {
        struct collect c;
        struct cm_info info;
        struct err e;
        memset(&c, 0, sizeof c);
        err_clear(&e);
        enum jm_status st = cm_parse_citygml(citygml3_doc, cut, "cut.gml", collect_cb, &c, &info, &e);
        assert_int_equal(st, JM_EINPUT);
        assert_false(c.contract_broken);
        assert_int_equal(c.n, 0); /* the only top-level object never ends */
        assert_true(strncmp(e.msg, "cut.gml:", 8) == 0);
        assert_non_null(strstr(e.msg, "XML error"));
        collect_free(&c);
    }
}

static void test_ring_not_closed(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER("<bldg:Building gml:id=\"open\">" MS(
        "bldg:lod2MultiSurface", SM(POLY("P1", "0 0 0 1 0 0 1 1 0 0 1 0"))) "</bldg:Building>") CG2_CLOSE;
    expect_failure(doc, JM_EINPUT, "object open, polygon P1: ring not closed");
    /* within 1e-9 relative is closed */
    static const char almost[] = CG2_OPEN MEMBER("<bldg:Building gml:id=\"ok\">" MS(
        "bldg:lod2MultiSurface",
        SM(POLY(
            "P2",
            "458875 5438350 112 458885 5438350 112 458885 5438360 112 458875.0000001 5438350 112"))) "</bldg:Building>")
        CG2_CLOSE;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(almost, &c, &info, &e), JM_OK);
    assert_int_equal(c.objs[0].first_ring, 3);
    collect_free(&c);
}

static void test_bad_geometry(void **state)
{
    (void)state;
    /* regression (fuzzing): an empty first ring, before any point was stored */
    expect_failure("<bldg:Building xmlns:bldg=\"http://www.opengis.net/citygml/building/2.0\" "
                   "xmlns:gml=\"http://www.opengis.net/gml\" gml:id=\"solo\"><bldg:lod0MultiSurface>"
                   "<gml:MultiSurface><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing/>"
                   "</gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></bldg:lod0MultiSurface>"
                   "</bldg:Building>",
                   JM_EINPUT, "a ring has 0 points");
    expect_failure(CG2_OPEN MEMBER("<bldg:Building gml:id=\"b\">" MS(
                       "bldg:lod2MultiSurface", SM(POLY("P", "0 0 0 1 0 0 0 0 0"))) "</bldg:Building>") CG2_CLOSE,
                   JM_EINPUT, "a closed ring needs at least 4");
    expect_failure(CG2_OPEN MEMBER("<bldg:Building gml:id=\"b\">" MS(
                       "bldg:lod2MultiSurface", SM(POLY("P", "0 0 0 1 0 0 1 1 0 0 0"))) "</bldg:Building>") CG2_CLOSE,
                   JM_EINPUT, "not a multiple");
    expect_failure(CG2_OPEN MEMBER("<bldg:Building gml:id=\"b\">" MS(
                       "bldg:lod2MultiSurface", SM(POLY("P", "0 0 0 1 0 0 1 1 0 0 0 nan"))) "</bldg:Building>")
                       CG2_CLOSE,
                   JM_EINPUT, "\"nan\" is not a coordinate");
    expect_failure(CG2_OPEN MEMBER("<bldg:Building gml:id=\"b\">" MS(
                       "bldg:lod2MultiSurface", SM("<gml:Polygon gml:id=\"P\"/>")) "</bldg:Building>") CG2_CLOSE,
                   JM_EINPUT, "polygon P has no exterior ring");
    expect_failure(CG2_OPEN MEMBER("<bldg:Building gml:id=\"b\">" MS(
                       "bldg:lod2MultiSurface", SM(POLY("P", "0 0 0 1 0 0 1 1 0 0 0 0"))) "</bldg:Building>")
                       MEMBER("<bldg:Building gml:id=\"c\"><bldg:lod2MultiSurface><gml:MultiSurface>"
                              "<gml:surfaceMember xlink:href=\"other.gml#P\"/></gml:MultiSurface>"
                              "</bldg:lod2MultiSurface></bldg:Building>") CG2_CLOSE,
                   JM_EINPUT, "does not point inside this file");
    expect_failure(CG2_OPEN MEMBER("<bldg:Building gml:id=\"b\"><bldg:lod2MultiSurface><gml:MultiSurface>"
                                   "<gml:surfaceMember><gml:Polygon><gml:exterior><gml:Ring/></gml:exterior>"
                                   "</gml:Polygon></gml:surfaceMember></gml:MultiSurface></bldg:lod2MultiSurface>"
                                   "</bldg:Building>") CG2_CLOSE,
                   JM_EINPUT, "gml:Ring");
    expect_failure(CG2_OPEN MEMBER("<dem:ReliefFeature gml:id=\"r\"><dem:reliefComponent><dem:TINRelief>"
                                   "<dem:tin/></dem:TINRelief></dem:reliefComponent></dem:ReliefFeature>") CG2_CLOSE,
                   JM_EINPUT, "without a LoD");
    expect_failure(CG2_OPEN MEMBER("<bldg:Building gml:id=\"b\"><bldg:lod2MultiSurface><gml:MultiSurface "
                                   "srsDimension=\"4\"/></bldg:lod2MultiSurface></bldg:Building>") CG2_CLOSE,
                   JM_EINPUT, "srsDimension \"4\"");
}

static void test_unknown_srs(void **state)
{
    (void)state;
    expect_failure(CG2_OPEN MEMBER("<bldg:Building gml:id=\"b\"><bldg:lod2MultiSurface><gml:MultiSurface "
                                   "srsName=\"urn:example:crs:mine\"/></bldg:lod2MultiSurface></bldg:Building>")
                       CG2_CLOSE,
                   JM_EINPUT, "unknown srsName \"urn:example:crs:mine\"");
}

static void test_depth_bomb(void **state)
{
    (void)state;
    static const char head[] = "<core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\">";
    static const char tail[] = "</core:CityModel>";
    size_t n = 10000, len = 0;
    char *doc = malloc(n * 7 + sizeof head + sizeof tail);
    assert_non_null(doc);
    memcpy(doc, head, sizeof head - 1);
    len = sizeof head - 1;
    for (size_t i = 0; i < n; i++) {
        memcpy(doc + len, "<a>", 3);
        len += 3;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(doc + len, "</a>", 4);
        len += 4;
    }
    memcpy(doc + len, tail, sizeof tail - 1);
    len += sizeof tail - 1;
    struct collect c;
    struct cm_info info;
    struct err e;
    memset(&c, 0, sizeof c);
    err_clear(&e);
    assert_int_equal(cm_parse_citygml(doc, len, "deep.gml", collect_cb, &c, &info, &e), JM_ELIMIT);
    assert_non_null(strstr(e.msg, "nested deeper than 256"));
    collect_free(&c);
    free(doc);
}

static void test_dangling_xlink(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER(
        "<bldg:Building gml:id=\"b\"><bldg:lod2Solid><gml:Solid><gml:exterior><gml:CompositeSurface>"
        "<gml:surfaceMember xlink:href=\"#GML_missing\"/></gml:CompositeSurface></gml:exterior></gml:Solid>"
        "</bldg:lod2Solid></bldg:Building>") CG2_CLOSE;
    expect_failure(doc, JM_EINPUT, "object b: xlink:href \"#GML_missing\" names no geometry");
    /* a polygon of an earlier top-level object cannot be referred to */
    static const char across[] = CG2_OPEN MEMBER(
        "<bldg:Building gml:id=\"b1\">" MS("bldg:lod2MultiSurface", SM(POLY("shared", SQ0))) "</bldg:Building>")
        MEMBER("<bldg:Building gml:id=\"b2\"><bldg:lod2MultiSurface><gml:MultiSurface>"
               "<gml:surfaceMember xlink:href=\"#shared\"/></gml:MultiSurface></bldg:lod2MultiSurface>"
               "</bldg:Building>") CG2_CLOSE;
    expect_failure(across, JM_EINPUT, "object b2: xlink:href \"#shared\"");
}

static void test_not_citygml(void **state)
{
    (void)state;
    expect_failure("<root><a/></root>", JM_EINPUT, "not CityGML");
    expect_failure("", JM_EINPUT, "XML error");
    expect_failure("<core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\">&bogus;</core:CityModel>",
                   JM_EINPUT, "XML error");
}

static void test_callback_stops(void **state)
{
    (void)state;
    static const char doc[] = CG2_OPEN MEMBER("<bldg:Building gml:id=\"1\"/>") MEMBER("<bldg:Building gml:id=\"2\"/>")
        MEMBER("<bldg:Building gml:id=\"3\"/>") CG2_CLOSE;
    struct collect c;
    struct cm_info info;
    struct err e;
    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    c.stop_status = JM_EDB;
    err_clear(&e);
    assert_int_equal(cm_parse_citygml(doc, sizeof doc - 1, "t", collect_cb, &c, &info, &e), JM_EDB);
    assert_int_equal(c.n, 2);
    assert_string_equal(e.msg, "stopped by the test");
    collect_free(&c);
}

static void test_caps(void **state)
{
    (void)state;
    /* one attribute text longer than the attribute cap */
    size_t big = (size_t)CM_MAX_ATTRIBUTES_BYTES + 100;
    const char *head = CG2_OPEN "<core:cityObjectMember><bldg:Building gml:id=\"b\"><gml:description>";
    const char *tail = "</gml:description></bldg:Building></core:cityObjectMember>" CG2_CLOSE;
    size_t hl = strlen(head), tl = strlen(tail);
    char *doc = malloc(hl + big + tl + 1);
    assert_non_null(doc);
    memcpy(doc, head, hl);
    memset(doc + hl, 'x', big);
    memcpy(doc + hl + big, tail, tl + 1);
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(doc, &c, &info, &e), JM_ELIMIT);
    collect_free(&c);
    /* many small attributes adding up past the cap */
    static const char item[] = "<ade:a>0123456789abcdef</ade:a>";
    size_t n = CM_MAX_ATTRIBUTES_BYTES / 20 + 10, len = 0, size = n * sizeof item + 4096;
    free(doc);
    doc = malloc(size);
    assert_non_null(doc);
    len += (size_t)snprintf(doc, size, "%s<core:cityObjectMember><bldg:Building gml:id=\"b\">", CG2_OPEN);
    for (size_t i = 0; i < n; i++) {
        memcpy(doc + len, item, sizeof item - 1);
        len += sizeof item - 1;
    }
    snprintf(doc + len, size - len, "</bldg:Building></core:cityObjectMember>%s", CG2_CLOSE);
    assert_int_equal(parse(doc, &c, &info, &e), JM_ELIMIT);
    assert_non_null(strstr(e.msg, "attributes exceed"));
    collect_free(&c);
    /* XML attribute bytes of one element */
    free(doc);
    big = (size_t)2 << 20;
    size = big + 4096;
    doc = malloc(size);
    assert_non_null(doc);
    len = (size_t)snprintf(doc, size, "%s<core:cityObjectMember><bldg:Building gml:id=\"", CG2_OPEN);
    memset(doc + len, 'i', big);
    len += big;
    snprintf(doc + len, size - len, "\"/></core:cityObjectMember>%s", CG2_CLOSE);
    assert_int_equal(parse(doc, &c, &info, &e), JM_ELIMIT);
    assert_non_null(strstr(e.msg, "bytes of XML attributes"));
    collect_free(&c);
    free(doc);
}

/* Many buildings in a row: all read, counts add up (the stores are reused). */
static void test_many_objects(void **state)
{
    (void)state;
    const char *one = MEMBER("<bldg:Building gml:id=\"x\"><gml:name>n</gml:name>"
                             "<bldg:lod2Solid><gml:Solid><gml:exterior><gml:CompositeSurface>"
                             "<gml:surfaceMember xlink:href=\"#p\"/></gml:CompositeSurface></gml:exterior></gml:Solid>"
                             "</bldg:lod2Solid><bldg:boundedBy><bldg:RoofSurface><bldg:lod2MultiSurface>"
                             "<gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id=\"p\"><gml:exterior>"
                             "<gml:LinearRing><gml:posList>" SQ0 "</gml:posList></gml:LinearRing></gml:exterior>"
                             "</gml:Polygon></gml:surfaceMember></gml:MultiSurface></bldg:lod2MultiSurface>"
                             "</bldg:RoofSurface></bldg:boundedBy></bldg:Building>");
    size_t n = 5000, ol = strlen(one), len = 0, size = n * ol + 4096;
    char *doc = malloc(size);
    assert_non_null(doc);
    len += (size_t)snprintf(doc, size, "%s", CG2_OPEN);
    for (size_t i = 0; i < n; i++) {
        memcpy(doc + len, one, ol);
        len += ol;
    }
    snprintf(doc + len, size - len, "%s", CG2_CLOSE);
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(doc, &c, &info, &e), JM_OK);
    assert_int_equal(info.objects, (long)n);
    assert_int_equal(info.surfaces, (long)n);
    assert_int_equal(sem(&c.objs[n - 1], "RoofSurface"), 1);
    collect_free(&c);
    free(doc);
}

/* Regression (found by fuzzing): an attribute whose value is its xlink:href used a pointer into
 * the tree's string buffer while copying it into that same buffer, which could move. Many
 * href-only attributes make the buffer grow while they are kept. */
static void test_href_attributes_survive_buffer_growth(void **state)
{
    (void)state;
    static const char item[] = "<ade:ref xlink:href=\"#a-rather-long-reference-to-somewhere-else-0123456789\"/>";
    size_t n = 400, len = 0, size = n * sizeof item + 4096;
    char *doc = malloc(size);
    assert_non_null(doc);
    len += (size_t)snprintf(doc, size, "%s<core:cityObjectMember><bldg:Building gml:id=\"b\">", CG2_OPEN);
    for (size_t i = 0; i < n; i++) {
        memcpy(doc + len, item, sizeof item - 1);
        len += sizeof item - 1;
    }
    snprintf(doc + len, size - len,
             "<bldg:consistsOfBuildingPart xlink:href=\"#p\"/></bldg:Building>"
             "</core:cityObjectMember>%s",
             CG2_CLOSE);
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(doc, &c, &info, &e), JM_OK);
    assert_false(c.contract_broken);
    assert_non_null(strstr(c.objs[0].attrs, "\"ade:ref\":[\"#a-rather-long-reference-to-somewhere-else-0123456789\","));
    assert_non_null(strstr(c.objs[0].attrs, "\"consistsOfBuildingPart\":\"#p\""));
    collect_free(&c);
    free(doc);
}

/* Coordinates and numeric attributes are read with '.' whatever LC_NUMERIC says. */
static void test_numbers_ignore_locale(void **state)
{
    (void)state;
    if (!test_set_comma_locale())
        skip();
    static const char doc[] =
        CG2_OPEN MEMBER("<bldg:Building gml:id=\"b\"><bldg:measuredHeight>12.5</bldg:measuredHeight>" MS(
            "bldg:lod1MultiSurface", SM(POLY("p", "0.5 0.25 1.5 10 0 1.5 10 10 1.5 0.5 0.25 1.5"))) "</bldg:Building>")
            CG2_CLOSE;
    struct collect c;
    struct cm_info info;
    struct err e;
    assert_int_equal(parse(doc, &c, &info, &e), JM_OK);
    assert_true(c.objs[0].first[0] == 0.5 && c.objs[0].first[1] == 0.25 && c.objs[0].first[2] == 1.5);
    assert_non_null(strstr(c.objs[0].attrs, "\"measuredHeight\":12.5"));
    collect_free(&c);
}

static bool join_path(char *out, size_t size, const char *dir, const char *file)
{
    int n = snprintf(out, size, "%s/%s", dir, file);
    return n > 0 && (size_t)n < size;
}

int main(void)
{
    static struct data_cfg cfg;
    const char *env = getenv("JUMEAU_SHARED_DATA");
    const char *dir = env && *env ? env : DEFAULT_DATA_DIR;
    if (!join_path(cfg.lod2, sizeof cfg.lod2, dir, LOD2_FILE) ||
        !join_path(cfg.lod4, sizeof cfg.lod4, dir, LOD4_FILE) ||
        !join_path(cfg.plateau, sizeof cfg.plateau, dir, PLATEAU_FILE)) {
        fprintf(stderr, "test_citygml_reader: JUMEAU_SHARED_DATA is too long\n");
        return 1;
    }
    cfg.present = access(cfg.lod2, R_OK) == 0 && access(cfg.lod4, R_OK) == 0 && access(cfg.plateau, R_OK) == 0;
    if (!cfg.present && env && *env) {
        fprintf(stderr, "test_citygml_reader: the CityGML files under %s (JUMEAU_SHARED_DATA) are missing\n", dir);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_sig3d_lod2, &cfg),
        cmocka_unit_test_prestate(test_sig3d_lod4, &cfg),
        cmocka_unit_test_prestate(test_plateau_tokyo, &cfg),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_textures_beside_file),
        cmocka_unit_test(test_citygml3_building),
        cmocka_unit_test(test_geometry_encodings),
        cmocka_unit_test(test_orientation_and_points),
        cmocka_unit_test(test_xlink_semantics_from_references),
        cmocka_unit_test(test_building_parts),
        cmocka_unit_test(test_other_features),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_implicit_geometry),
        cmocka_unit_test(test_srs_names),
        cmocka_unit_test(test_srs_mixed),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_xxe),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_ring_not_closed),
        cmocka_unit_test(test_bad_geometry),
        cmocka_unit_test(test_unknown_srs),
        cmocka_unit_test(test_depth_bomb),
        cmocka_unit_test(test_dangling_xlink),
        cmocka_unit_test(test_not_citygml),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_many_objects),
        cmocka_unit_test(test_href_attributes_survive_buffer_growth),
        cmocka_unit_test_teardown(test_numbers_ignore_locale, test_restore_c_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
