/* citygml_reader: CityGML 2.0 and 3.0 (1.0 too) read with expat, one top-level city object in
 * memory at a time (see citymodel.h for the contract, citygml_internal.h for the model).
 *
 * What is reported, and the decisions taken where the format leaves room:
 *
 * - Objects: every child of core:cityObjectMember (also gml:featureMember(s), wfs:member) is a
 *   top-level object, its type the element's local name whatever its namespace (ADE features
 *   included). Parts and sub-features are objects of their own with parent_id set: BuildingPart,
 *   BridgePart, TunnelPart, and what CityJSON too makes separate city objects — Room,
 *   BuildingFurniture, (Int)BuildingInstallation, their bridge and tunnel counterparts, 3.0
 *   BuildingRoom, Storey, BuildingUnit, constructive elements, Door/Window fillings,
 *   transportation sections and spaces. They are handed over when the top-level object ends,
 *   parent first, in the order they start. parent_id is the gml:id of the nearest enclosing
 *   object that has one (NULL when none has one: an empty name would match every object
 *   without a gml:id). A member that is only an xlink is ignored.
 * - Thematic surfaces (boundedBy / boundary: RoofSurface, WallSurface, …; openings Window and
 *   Door, 3.0 WindowSurface and DoorSurface reported as "Window" and "Door"; TrafficArea,
 *   AuxiliaryTrafficArea, Marking, water surfaces) give their polygons a semantic and are not
 *   objects; their own attributes (gml:name …) are not reported, the interface has no place for
 *   them.
 * - Geometry: lodX… properties of any namespace hold geometry of LoD X (curves, points,
 *   terrain intersections are skipped: only surfaces are reported). ReliefFeature: the
 *   triangles of each TINRelief component, with the component's dem:lod; mass-point, breakline
 *   and raster components are skipped. Each polygon is reported once, where it is written: an
 *   xlink:href to it (a Solid made of the boundedBy polygons, as in the SIG3D and PLATEAU files)
 *   adds nothing, but must resolve within the top-level object, and gives its semantic to a
 *   polygon that has none (the reverse pattern: boundedBy referring to Solid polygons).
 * - Attributes: gml:name, gml:description, gml:identifier under "name", "description",
 *   "identifier"; CityGML properties under their local names (codeSpace dropped); numbers for
 *   measuredHeight, storeysAbove/BelowGround, yearOfConstruction/Demolition, storeyHeights…
 *   (an array), heights of vegetation. Measures are in metres: a uom of mm, cm, dm, km, ft,
 *   [ft_i], [ft_us] or [in_i] is converted, any other uom is taken as metres. A value that
 *   does not parse as the expected number is kept as a string. Generic attributes (2.0
 *   gen:*Attribute with name=, 3.0 gen:*Attribute with gen:name) by their names with their
 *   types, sets as objects. Addresses as {"address": {leaf: text}} with the xAL leaf names
 *   (xAL 3 NameElement/Number/Identifier named after their parent: CountryName,
 *   ThoroughfareNumber, PostalCodeNumber …). Anything else (ADE, unknown) under
 *   "prefix:localName" with the prefix the file writes on the element (expat's namespace
 *   triplets give it, no map of declarations needed): text as a string, nested elements as
 *   an object (an element with one upper-case child, the GML property/object pattern, does
 *   not add a level); an empty element with xlink:href gives the href. Repeated names become
 *   arrays. XML attributes of attribute elements (codeSpace, uom once used) are not kept.
 * - Appearance: ParameterizedTexture and GeoreferencedTexture count as textures, X3DMaterial
 *   as materials; each app:imageURI is looked for beside the file (relative paths only; URLs
 *   and absolute paths count as missing). cm_parse_citygml has no folder: it does not look.
 * - CRS: srsName on any element; the first sets cm_info, a later one must name the same CRS
 *   (a name adding the vertical part to the same horizontal one completes it).
 *
 * Safety: no DTD processing — any entity declaration stops the reading ("entity declarations
 * are not accepted"), external entities are refused, parameter entities never parsed; depth
 * capped at CM_MAX_DEPTH, XML attribute bytes per element, attribute JSON per object, points
 * per top-level object; expat itself cannot allocate more than CG_MAX_XML_ALLOC at once, which
 * bounds a single huge token. Memory does not grow with the file: the read buffer is fixed
 * and the stores are emptied after each top-level object. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "citygml_internal.h"
#include "json_writer.h"
#include "parse.h"

#define CG_READ_CHUNK 65536
#define CG_NS_SEP '\x01'
#define CG_PATH_MAX 4096

struct cg_keyidx {
    const char *key;
    uint32_t idx;   /* node; for a group, the node of its first member */
    uint32_t pos;   /* group: where its members start in keys */
    uint32_t count; /* group: how many */
};

/* ---- small helpers shared with citygml_geometry.c ---------------------------------------- */

__attribute__((format(printf, 4, 0))) static enum jm_status fail_v(struct cg_reader *r, unsigned long line,
                                                                   enum jm_status code, const char *fmt, va_list ap)
{
    if (r->status)
        return r->status;
    char msg[ERR_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    err_set(r->e, code, "%s:%lu: %s", r->name, line, msg);
    r->status = code;
    if (r->xp)
        XML_StopParser(r->xp, XML_FALSE);
    return code;
}

enum jm_status cg__fail_at(struct cg_reader *r, unsigned long line, enum jm_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum jm_status st = fail_v(r, line, code, fmt, ap);
    va_end(ap);
    return st;
}

enum jm_status cg__fail(struct cg_reader *r, enum jm_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum jm_status st = fail_v(r, r->xp ? (unsigned long)XML_GetCurrentLineNumber(r->xp) : 0, code, fmt, ap);
    va_end(ap);
    return st;
}

const char *cg__str(const struct cg_reader *r, uint32_t off)
{
    return off == CG_NONE ? "" : r->strs.data + off;
}

const char *cg__obj_id(const struct cg_reader *r, int32_t obj)
{
    if (obj < 0 || (size_t)obj >= r->nobjs)
        return "-";
    const char *id = cg__str(r, r->objs[obj].id);
    return *id ? id : "(no gml:id)";
}

uint32_t cg__intern(struct cg_reader *r, const char *s, size_t n)
{
    size_t off = r->strs.len;
    if (off >= CG_MAX_TREE_STRINGS || !buf_append(&r->strs, s, n) || !buf_putc(&r->strs, '\0')) {
        cg__fail(r, JM_ELIMIT, "the identifiers and attributes of one city object exceed %zu bytes",
                 CG_MAX_TREE_STRINGS);
        return CG_NONE;
    }
    return (uint32_t)off;
}

bool cg__reserve(void **p, size_t *cap, size_t need, size_t elem, size_t max)
{
    if (need <= *cap)
        return true;
    if (need > max)
        return false;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    if (c > max)
        c = max;
    if (c > SIZE_MAX / elem)
        return false;
    void *q = realloc(*p, c * elem);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static bool same(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static enum cg_ns ns_of(const char *uri, size_t n, char version[8])
{
    static const char citygml[] = "http://www.opengis.net/citygml/";
    version[0] = '\0';
    if (n > sizeof citygml - 1 && memcmp(uri, citygml, sizeof citygml - 1) == 0) {
        size_t s = n;
        while (s > 0 && uri[s - 1] != '/')
            s--;
        if (n - s == 3 && isdigit((unsigned char)uri[s]) && uri[s + 1] == '.' && isdigit((unsigned char)uri[s + 2])) {
            memcpy(version, uri + s, 3);
            version[3] = '\0';
        }
        return CG_NS_CITYGML;
    }
    if (same(uri, n, "http://www.opengis.net/gml") || same(uri, n, "http://www.opengis.net/gml/3.2"))
        return CG_NS_GML;
    if (same(uri, n, "http://www.w3.org/1999/xlink"))
        return CG_NS_XLINK;
    if (same(uri, n, "urn:oasis:names:tc:ciq:xsdschema:xAL:2.0"))
        return CG_NS_XAL2;
    if (same(uri, n, "urn:oasis:names:tc:ciq:xal:3"))
        return CG_NS_XAL3;
    return CG_NS_OTHER;
}

/* Splits expat's "uri\1local\1prefix" (or a bare "local"). */
static void split_name(const char *el, struct cg_name *n)
{
    const char *a = strchr(el, CG_NS_SEP);
    n->ns = CG_NS_OTHER;
    n->version[0] = '\0';
    n->prefix = "";
    n->prefix_len = 0;
    if (!a) {
        n->local = el;
        n->local_len = strlen(el);
    } else {
        n->ns = ns_of(el, (size_t)(a - el), n->version);
        n->local = a + 1;
        const char *b = strchr(n->local, CG_NS_SEP);
        n->local_len = b ? (size_t)(b - n->local) : strlen(n->local);
        if (b) {
            n->prefix = b + 1;
            n->prefix_len = strlen(b + 1);
        }
    }
    if (n->local_len < CG_LOCAL_MAX) {
        memcpy(n->lname, n->local, n->local_len);
        n->lname[n->local_len] = '\0';
    } else {
        n->lname[0] = '\0';
    }
}

const char *cg__attr(const XML_Char **atts, enum cg_ns ns, const char *local)
{
    for (size_t i = 0; atts[i]; i += 2) {
        const char *name = atts[i], *sep = strchr(name, CG_NS_SEP);
        if (ns == CG_NS_OTHER) {
            if (!sep && strcmp(name, local) == 0)
                return atts[i + 1];
            continue;
        }
        if (!sep)
            continue;
        const char *l = sep + 1, *end = strchr(l, CG_NS_SEP);
        size_t ll = end ? (size_t)(end - l) : strlen(l);
        char version[8];
        if (same(l, ll, local) && ns_of(name, (size_t)(sep - name), version) == ns)
            return atts[i + 1];
    }
    return NULL;
}

static enum jm_status intern_attr(struct cg_reader *r, const XML_Char **atts, enum cg_ns ns, const char *local,
                                  uint32_t *out)
{
    const char *v = cg__attr(atts, ns, local);
    *out = CG_NONE;
    if (v && (*out = cg__intern(r, v, strlen(v))) == CG_NONE)
        return r->status;
    return JM_OK;
}

/* The text collected for the current element, without surrounding XML blanks. */
static const char *trimmed_text(const struct cg_reader *r, size_t *len)
{
    const char *s = buf_str(&r->text);
    size_t n = r->text.len;
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    *len = n;
    return s;
}

/* ---- the tree ---------------------------------------------------------------------------- */

static void tree_reset(struct cg_reader *r)
{
    buf_reset(&r->strs);
    r->nobjs = r->nnodes = r->npts = r->nrings = r->nsurfs = r->nrefs = 0;
    cg__idmap_reset(&r->ids);
}

/* A new attribute node under `parent` (-1: a root); -1 on failure (reported). */
static int32_t node_new(struct cg_reader *r, int32_t parent, uint32_t key)
{
    if (r->nnodes >= CG_MAX_TREE_NODES) {
        cg__fail(r, JM_ELIMIT, "one city object has more than %d attribute elements", CG_MAX_TREE_NODES);
        return -1;
    }
    if (!cg__reserve((void **)&r->nodes, &r->cap_nodes, r->nnodes + 1, sizeof *r->nodes, CG_MAX_TREE_NODES)) {
        cg__fail(r, JM_EINTERNAL, "out of memory");
        return -1;
    }
    int32_t i = (int32_t)r->nnodes++;
    r->nodes[i] = (struct cg_anode){.key = key, .val = CG_NONE, .first = -1, .last = -1, .next = -1, .type = N_PENDING};
    if (parent >= 0) {
        if (r->nodes[parent].last >= 0)
            r->nodes[r->nodes[parent].last].next = i;
        else
            r->nodes[parent].first = i;
        r->nodes[parent].last = i;
    }
    return i;
}

/* The key of an attribute element: the local name for CityGML and xAL elements and for
 * gml:name/description/identifier, else "prefix:local" as the file declares the prefix. */
static uint32_t intern_key(struct cg_reader *r, const struct cg_name *n)
{
    bool plain = n->ns == CG_NS_CITYGML || n->ns == CG_NS_XAL2 || n->ns == CG_NS_XAL3 ||
                 (n->ns == CG_NS_GML &&
                  (!strcmp(n->lname, "name") || !strcmp(n->lname, "description") || !strcmp(n->lname, "identifier")));
    if (plain || !n->prefix_len)
        return cg__intern(r, n->local, n->local_len);
    size_t off = r->strs.len;
    if (!buf_append(&r->strs, n->prefix, n->prefix_len) || !buf_putc(&r->strs, ':'))
        return cg__intern(r, "", 0); /* reports the cap */
    if (cg__intern(r, n->local, n->local_len) == CG_NONE)
        return CG_NONE;
    return (uint32_t)off;
}

static const double unit_factor[] = {[U_M] = 1.0,
                                     [U_MM] = 0.001,
                                     [U_CM] = 0.01,
                                     [U_DM] = 0.1,
                                     [U_KM] = 1000.0,
                                     [U_FT] = 0.3048,
                                     [U_FT_US] = 1200.0 / 3937.0,
                                     [U_IN] = 0.0254};

/* A uom ("m", "#m", "urn:ogc:def:uom:UCUM::[ft_i]", "urn:adv:uom:m" …) as a unit; anything
 * unknown is taken as metres. */
static uint8_t unit_of(const XML_Char **atts)
{
    static const struct {
        const char *name;
        uint8_t unit;
    } units[] = {{"mm", U_MM},       {"cm", U_CM},   {"dm", U_DM},     {"km", U_KM},   {"ft", U_FT},
                 {"[ft_i]", U_FT},   {"ft_i", U_FT}, {"foot", U_FT},   {"feet", U_FT}, {"[ft_us]", U_FT_US},
                 {"ft_us", U_FT_US}, {"in", U_IN},   {"[in_i]", U_IN}, {"inch", U_IN}};
    const char *uom = cg__attr(atts, CG_NS_OTHER, "uom");
    if (!uom)
        return U_M;
    const char *s = uom;
    for (const char *p = uom; *p; p++)
        if (*p == ':' || *p == '#' || *p == '/')
            s = p + 1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(s, units[i].name) == 0)
            return units[i].unit;
    return U_M;
}

/* Sets a leaf node from text, typed; counts the bytes against the object's cap. */
static enum jm_status set_value(struct cg_reader *r, int32_t obj, int32_t node, const char *s, size_t n, uint8_t vtype,
                                uint8_t unit)
{
    struct cg_obj *o = &r->objs[obj];
    o->attr_bytes += n + 8;
    if (o->attr_bytes > CM_MAX_ATTRIBUTES_BYTES)
        return cg__fail(r, JM_ELIMIT, "object %s: attributes exceed %d bytes", cg__obj_id(r, obj),
                        CM_MAX_ATTRIBUTES_BYTES);
    char tok[CG_TOKEN_MAX];
    bool short_text = n < sizeof tok;
    if (short_text) {
        memcpy(tok, s, n);
        tok[n] = '\0';
    }
    double d;
    long l;
    if (vtype != VT_STRING && n == 0) {
        r->nodes[node].type = N_NULL;
        return JM_OK;
    }
    if (vtype == VT_INT && short_text && parse_long(tok, LONG_MIN, LONG_MAX, &l)) {
        r->nodes[node].type = N_INT;
        r->nodes[node].inum = l;
        return JM_OK;
    }
    if ((vtype == VT_DOUBLE || vtype == VT_MEASURE) && short_text && parse_double(tok, &d)) {
        r->nodes[node].type = N_DOUBLE;
        r->nodes[node].num = d * (vtype == VT_MEASURE ? unit_factor[unit] : 1.0);
        return JM_OK;
    }
    bool list_ok = vtype == VT_NUMLIST;
    for (size_t i = 0; list_ok && i < n;) {
        size_t j = i;
        while (j < n && !isspace((unsigned char)s[j]))
            j++;
        list_ok = j - i < sizeof tok;
        if (list_ok) {
            memcpy(tok, s + i, j - i);
            tok[j - i] = '\0';
            list_ok = parse_double(tok, &d);
        }
        while (j < n && isspace((unsigned char)s[j]))
            j++;
        i = j;
    }
    uint32_t v = cg__intern(r, s, n);
    if (v == CG_NONE)
        return r->status;
    r->nodes[node].val = v;
    r->nodes[node].type = list_ok ? N_NUMLIST : N_STRING;
    r->nodes[node].num = unit_factor[unit];
    return JM_OK;
}

/* A leaf whose value is its xlink:href, already in the tree's strings (interning it again
 * could move the buffer under the pointer). */
static enum jm_status set_href(struct cg_reader *r, int32_t obj, int32_t node, uint32_t href)
{
    struct cg_obj *o = &r->objs[obj];
    o->attr_bytes += strlen(cg__str(r, href)) + 8;
    if (o->attr_bytes > CM_MAX_ATTRIBUTES_BYTES)
        return cg__fail(r, JM_ELIMIT, "object %s: attributes exceed %d bytes", cg__obj_id(r, obj),
                        CM_MAX_ATTRIBUTES_BYTES);
    r->nodes[node].type = N_STRING;
    r->nodes[node].val = href;
    return JM_OK;
}

/* ---- starting elements: one handler per kind of parent ----------------------------------- */

typedef enum jm_status (*child_fn)(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                   const struct cg_name *n, const XML_Char **atts);

enum role {
    R_ATTR,
    R_TSCONT,
    R_SUBCONT,
    R_RELIEFCOMP,
    R_ADDRESS,
    R_APPEARANCE,
    R_GEN,
    R_GENSET,
    R_GENWRAP,
    R_LOD,
    R_TIN,
    R_SKIP
};

/* Properties of city objects (CityGML namespaces, matched on the local name). */
static const struct prop {
    const char *name;
    uint8_t role;
    uint8_t vtype;
} props[] = {
    {"boundedBy", R_TSCONT, 0},
    {"boundary", R_TSCONT, 0},
    {"trafficArea", R_TSCONT, 0},
    {"auxiliaryTrafficArea", R_TSCONT, 0},
    {"marking", R_TSCONT, 0},
    {"consistsOfBuildingPart", R_SUBCONT, 0},
    {"consistsOfBridgePart", R_SUBCONT, 0},
    {"consistsOfTunnelPart", R_SUBCONT, 0},
    {"interiorRoom", R_SUBCONT, 0},
    {"interiorFurniture", R_SUBCONT, 0},
    {"outerBuildingInstallation", R_SUBCONT, 0},
    {"interiorBuildingInstallation", R_SUBCONT, 0},
    {"roomInstallation", R_SUBCONT, 0},
    {"outerBridgeInstallation", R_SUBCONT, 0},
    {"outerBridgeConstruction", R_SUBCONT, 0},
    {"interiorBridgeInstallation", R_SUBCONT, 0},
    {"interiorBridgeRoom", R_SUBCONT, 0},
    {"bridgeRoomInstallation", R_SUBCONT, 0},
    {"outerTunnelInstallation", R_SUBCONT, 0},
    {"interiorTunnelInstallation", R_SUBCONT, 0},
    {"interiorHollowSpace", R_SUBCONT, 0},
    {"hollowSpaceInstallation", R_SUBCONT, 0},
    {"buildingConstructiveElement", R_SUBCONT, 0},
    {"buildingInstallation", R_SUBCONT, 0},
    {"buildingRoom", R_SUBCONT, 0},
    {"buildingFurniture", R_SUBCONT, 0},
    {"buildingSubdivision", R_SUBCONT, 0},
    {"bridgeConstructiveElement", R_SUBCONT, 0},
    {"bridgeInstallation", R_SUBCONT, 0},
    {"bridgeRoom", R_SUBCONT, 0},
    {"bridgeFurniture", R_SUBCONT, 0},
    {"tunnelConstructiveElement", R_SUBCONT, 0},
    {"tunnelInstallation", R_SUBCONT, 0},
    {"hollowSpace", R_SUBCONT, 0},
    {"tunnelFurniture", R_SUBCONT, 0},
    {"section", R_SUBCONT, 0},
    {"intersection", R_SUBCONT, 0},
    {"trafficSpace", R_SUBCONT, 0},
    {"auxiliaryTrafficSpace", R_SUBCONT, 0},
    {"clearanceSpace", R_SUBCONT, 0},
    {"hole", R_SUBCONT, 0},
    {"filling", R_SUBCONT, 0},
    {"reliefComponent", R_RELIEFCOMP, 0},
    {"address", R_ADDRESS, 0},
    {"appearance", R_APPEARANCE, 0},
    {"stringAttribute", R_GEN, VT_STRING},
    {"intAttribute", R_GEN, VT_INT},
    {"doubleAttribute", R_GEN, VT_DOUBLE},
    {"dateAttribute", R_GEN, VT_STRING},
    {"uriAttribute", R_GEN, VT_STRING},
    {"measureAttribute", R_GEN, VT_MEASURE},
    {"genericAttributeSet", R_GENSET, 0},
    {"genericAttribute", R_GENWRAP, 0},
    {"lod", R_LOD, VT_INT},
    {"tin", R_TIN, 0},
    {"reliefPoints", R_SKIP, 0},
    {"ridgeOrValleyLines", R_SKIP, 0},
    {"breaklines", R_SKIP, 0},
    {"grid", R_SKIP, 0},
    {"measuredHeight", R_ATTR, VT_MEASURE},
    {"height", R_ATTR, VT_MEASURE},
    {"trunkDiameter", R_ATTR, VT_MEASURE},
    {"crownDiameter", R_ATTR, VT_MEASURE},
    {"storeysAboveGround", R_ATTR, VT_INT},
    {"storeysBelowGround", R_ATTR, VT_INT},
    {"yearOfConstruction", R_ATTR, VT_INT},
    {"yearOfDemolition", R_ATTR, VT_INT},
    {"storeyHeightsAboveGround", R_ATTR, VT_NUMLIST},
    {"storeyHeightsBelowGround", R_ATTR, VT_NUMLIST},
};

/* 3.0 generic attributes (inside genericAttribute). */
static const struct prop generics30[] = {
    {"StringAttribute", R_GEN, VT_STRING}, {"IntAttribute", R_GEN, VT_INT},
    {"DoubleAttribute", R_GEN, VT_DOUBLE}, {"DateAttribute", R_GEN, VT_STRING},
    {"UriAttribute", R_GEN, VT_STRING},    {"MeasureAttribute", R_GEN, VT_MEASURE},
    {"CodeAttribute", R_GEN, VT_STRING},   {"GenericAttributeSet", R_GENSET, 0},
};

/* Feature types that are objects of their own, and thematic surfaces: used when an unknown
 * property turns out to hold one. */
static const char *const subobject_types[] = {
    "BuildingPart",
    "BridgePart",
    "TunnelPart",
    "Room",
    "BuildingFurniture",
    "BuildingInstallation",
    "IntBuildingInstallation",
    "BuildingRoom",
    "BuildingConstructiveElement",
    "Storey",
    "BuildingUnit",
    "BridgeRoom",
    "BridgeFurniture",
    "BridgeInstallation",
    "IntBridgeInstallation",
    "BridgeConstructionElement",
    "BridgeConstructiveElement",
    "HollowSpace",
    "TunnelFurniture",
    "TunnelInstallation",
    "IntTunnelInstallation",
    "TunnelConstructiveElement",
};
static const char *const surface_types[] = {
    "RoofSurface",
    "WallSurface",
    "GroundSurface",
    "ClosureSurface",
    "OuterCeilingSurface",
    "OuterFloorSurface",
    "InteriorWallSurface",
    "CeilingSurface",
    "FloorSurface",
    "WindowSurface",
    "DoorSurface",
    "TrafficArea",
    "AuxiliaryTrafficArea",
    "Marking",
    "HoleSurface",
    "WaterSurface",
    "WaterGroundSurface",
    "WaterClosureSurface",
    "GenericThematicSurface",
};

static const struct prop *prop_find(const struct prop *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

static bool in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* "lod2Solid" → 2; -1 when the name is no LoD property. *skip: curves and points. */
static int lod_of(const char *s, bool *skip)
{
    if (strncmp(s, "lod", 3) != 0 || s[3] < '0' || s[3] > '4')
        return -1;
    const char *rest = s + 4;
    *skip = strstr(rest, "Curve") || strstr(rest, "TerrainIntersection") || strstr(rest, "Network") ||
            strstr(rest, "Point");
    return s[3] - '0';
}

static enum jm_status geomprop_start(struct cg_reader *r, struct cg_frame *f, int lod, const XML_Char **atts)
{
    if (lod < 0 || lod > 4)
        return cg__fail(r, JM_EINPUT, "object %s: geometry without a LoD (relief without dem:lod?)",
                        cg__obj_id(r, f->obj));
    f->kind = K_GEOMPROP;
    f->lod = (int8_t)lod;
    f->reverse = f->tmpl = false;
    f->dim = 3;
    return intern_attr(r, atts, CG_NS_XLINK, "href", &f->href);
}

static enum jm_status start_object(struct cg_reader *r, struct cg_frame *f, const struct cg_name *n,
                                   const XML_Char **atts, int32_t parent_obj)
{
    if (parent_obj < 0)
        tree_reset(r);
    if (r->nobjs >= CG_MAX_TREE_OBJECTS)
        return cg__fail(r, JM_ELIMIT, "object %s has more than %d parts and sub-objects", cg__obj_id(r, 0),
                        CG_MAX_TREE_OBJECTS);
    if (!cg__reserve((void **)&r->objs, &r->cap_objs, r->nobjs + 1, sizeof *r->objs, CG_MAX_TREE_OBJECTS))
        return cg__fail(r, JM_EINTERNAL, "out of memory");
    const char *id = cg__attr(atts, CG_NS_GML, "id");
    uint32_t ido = cg__intern(r, id ? id : "", id ? strlen(id) : 0);
    uint32_t type = ido == CG_NONE ? CG_NONE : cg__intern(r, n->local, n->local_len);
    if (type == CG_NONE)
        return r->status;
    int32_t idx = (int32_t)r->nobjs++;
    r->objs[idx] = (struct cg_obj){.id = ido, .type = type, .parent = parent_obj, .root = -1};
    int32_t root = node_new(r, -1, CG_NONE);
    if (root < 0)
        return r->status;
    r->nodes[root].type = N_OBJECT;
    r->objs[idx].root = root;
    f->kind = K_OBJECT;
    f->obj = idx;
    f->lod = -1;
    f->sem = CG_NONE;
    f->reverse = f->tmpl = false;
    f->dim = 3;
    return JM_OK;
}

static enum jm_status attr_start(struct cg_reader *r, int32_t parent_node, struct cg_frame *f, const struct cg_name *n,
                                 const XML_Char **atts, uint8_t vtype)
{
    uint32_t key = intern_key(r, n);
    if (key == CG_NONE)
        return r->status;
    f->node = node_new(r, parent_node, key);
    if (f->node < 0)
        return r->status;
    f->kind = K_ATTR;
    f->text = true;
    f->sub = vtype;
    f->unit = unit_of(atts);
    return intern_attr(r, atts, CG_NS_XLINK, "href", &f->href);
}

static enum jm_status container_start(struct cg_reader *r, struct cg_frame *f, const struct cg_name *n,
                                      const XML_Char **atts, uint8_t kind)
{
    f->kind = kind;
    enum jm_status st = intern_attr(r, atts, CG_NS_XLINK, "href", &f->href);
    if (!st && f->href != CG_NONE && (f->name = intern_key(r, n)) == CG_NONE)
        st = r->status;
    return st;
}

static enum jm_status ts_start(struct cg_reader *r, struct cg_frame *f, const struct cg_name *n)
{
    const char *sem = n->lname;
    if (strcmp(sem, "WindowSurface") == 0)
        sem = "Window";
    else if (strcmp(sem, "DoorSurface") == 0)
        sem = "Door";
    f->kind = K_TS;
    f->sem = *sem ? cg__intern(r, sem, strlen(sem)) : cg__intern(r, n->local, n->local_len);
    return f->sem == CG_NONE ? r->status : JM_OK;
}

static enum jm_status gen_start(struct cg_reader *r, int32_t parent_node, struct cg_frame *f, const XML_Char **atts,
                                const struct prop *p, bool named)
{
    const char *name = named ? cg__attr(atts, CG_NS_OTHER, "name") : NULL;
    uint32_t key = cg__intern(r, name ? name : "", name ? strlen(name) : 0);
    if (key == CG_NONE)
        return r->status;
    f->node = node_new(r, parent_node, key);
    if (f->node < 0)
        return r->status;
    f->kind = K_GEN;
    f->sub = p->vtype;
    if (p->role == R_GENSET)
        r->nodes[f->node].type = N_OBJECT;
    return JM_OK;
}

static enum jm_status skip_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                 const struct cg_name *n, const XML_Char **atts)
{
    (void)r, (void)parent, (void)f, (void)n, (void)atts;
    return JM_OK;
}

static enum jm_status doc_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                const struct cg_name *n, const XML_Char **atts)
{
    (void)r, (void)parent, (void)atts;
    const char *l = n->lname;
    if (!strcmp(l, "cityObjectMember") || !strcmp(l, "featureMember") || !strcmp(l, "featureMembers") ||
        !strcmp(l, "member"))
        f->kind = K_MEMBER;
    else if (n->ns == CG_NS_CITYGML && !strcmp(l, "appearanceMember"))
        f->kind = K_APP;
    return JM_OK;
}

static enum jm_status member_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                   const struct cg_name *n, const XML_Char **atts)
{
    (void)parent;
    if (n->ns == CG_NS_CITYGML && !strcmp(n->lname, "CityModel")) {
        f->kind = K_DOC;
        return JM_OK;
    }
    return start_object(r, f, n, atts, -1);
}

static enum jm_status object_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                   const struct cg_name *n, const XML_Char **atts)
{
    int32_t root = r->objs[parent->obj].root;
    const char *l = n->lname;
    if (n->ns == CG_NS_GML && !strcmp(l, "boundedBy"))
        return JM_OK; /* the envelope: its srsName is read, the rest skipped */
    if (n->ns != CG_NS_CITYGML)
        return attr_start(r, root, f, n, atts, VT_STRING);
    bool skip = false;
    int lod = lod_of(l, &skip);
    if (lod >= 0)
        return skip ? JM_OK : geomprop_start(r, f, lod, atts);
    const struct prop *p = prop_find(props, sizeof props / sizeof props[0], l);
    switch (p ? p->role : R_ATTR) {
    case R_TSCONT:
        return container_start(r, f, n, atts, K_TSCONT);
    case R_SUBCONT:
        return container_start(r, f, n, atts, K_SUBCONT);
    case R_RELIEFCOMP:
        return container_start(r, f, n, atts, K_RELIEFCOMP);
    case R_ADDRESS: {
        uint32_t key = cg__intern(r, "address", 7);
        f->node = key == CG_NONE ? -1 : node_new(r, root, key);
        if (f->node < 0)
            return r->status;
        r->nodes[f->node].type = N_OBJECT;
        f->kind = K_ADDR;
        return JM_OK;
    }
    case R_APPEARANCE:
        f->kind = K_APP;
        return JM_OK;
    case R_GEN:
    case R_GENSET:
        return gen_start(r, root, f, atts, p, true);
    case R_GENWRAP:
        f->kind = K_GENWRAP;
        f->node = root;
        return JM_OK;
    case R_LOD: {
        enum jm_status st = attr_start(r, root, f, n, atts, VT_INT);
        f->kind = K_LODTEXT;
        return st;
    }
    case R_TIN:
        return geomprop_start(r, f, parent->lod, atts);
    case R_SKIP:
        return JM_OK;
    default:
        return attr_start(r, root, f, n, atts, p ? p->vtype : VT_STRING);
    }
}

static enum jm_status subcont_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                    const struct cg_name *n, const XML_Char **atts)
{
    return start_object(r, f, n, atts, parent->obj);
}

static enum jm_status tscont_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                   const struct cg_name *n, const XML_Char **atts)
{
    (void)parent, (void)atts;
    return ts_start(r, f, n);
}

static enum jm_status ts_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                               const struct cg_name *n, const XML_Char **atts)
{
    (void)parent;
    if (n->ns != CG_NS_CITYGML)
        return JM_OK;
    bool skip = false;
    int lod = lod_of(n->lname, &skip);
    if (lod >= 0)
        return skip ? JM_OK : geomprop_start(r, f, lod, atts);
    if (!strcmp(n->lname, "opening") || !strcmp(n->lname, "fillingSurface"))
        return container_start(r, f, n, atts, K_TSCONT);
    return JM_OK;
}

static enum jm_status reliefcomp_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                       const struct cg_name *n, const XML_Char **atts)
{
    (void)r, (void)parent, (void)atts;
    if (n->ns == CG_NS_CITYGML && !strcmp(n->lname, "TINRelief"))
        f->kind = K_TIN;
    return JM_OK;
}

static enum jm_status tin_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                const struct cg_name *n, const XML_Char **atts)
{
    if (n->ns != CG_NS_CITYGML)
        return JM_OK;
    if (!strcmp(n->lname, "lod")) {
        f->kind = K_LODTEXT;
        f->text = true;
    } else if (!strcmp(n->lname, "tin")) {
        return geomprop_start(r, f, parent->lod, atts);
    }
    return JM_OK;
}

/* The first child of an unknown property may show that it holds geometry, a sub-object or a
 * thematic surface: the property then becomes that, and its attribute node is dropped. */
static bool attr_converts(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f, const struct cg_name *n,
                          const XML_Char **atts, enum jm_status *st)
{
    struct cg_anode *node = &r->nodes[parent->node];
    if (n->ns == CG_NS_GML && isupper((unsigned char)n->local[0])) {
        const char *key = cg__str(r, node->key), *colon = strrchr(key, ':');
        bool skip = false;
        int lod = lod_of(colon ? colon + 1 : key, &skip);
        if (lod < 0) {
            /* geometry under a property that names no LoD: not read, said so */
            uint32_t v = cg__intern(r, "(GML geometry not read)", 23);
            node->type = N_STRING;
            node->val = v;
            *st = v == CG_NONE ? r->status : JM_OK;
            return true;
        }
        node->type = N_DELETED;
        parent->kind = K_GEOMPROP;
        parent->lod = f->lod = (int8_t)lod;
        parent->reverse = parent->tmpl = f->reverse = f->tmpl = false;
        parent->dim = f->dim = 3;
        *st = cg__geom_start(r, parent, f, n, atts);
        return true;
    }
    if (n->ns != CG_NS_CITYGML)
        return false;
    if (in_list(subobject_types, sizeof subobject_types / sizeof subobject_types[0], n->lname)) {
        node->type = N_DELETED;
        parent->kind = K_SUBCONT;
        *st = start_object(r, f, n, atts, parent->obj);
        return true;
    }
    if (in_list(surface_types, sizeof surface_types / sizeof surface_types[0], n->lname)) {
        node->type = N_DELETED;
        parent->kind = K_TSCONT;
        *st = ts_start(r, f, n);
        return true;
    }
    return false;
}

static enum jm_status attr_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                 const struct cg_name *n, const XML_Char **atts)
{
    enum jm_status st;
    bool first = !parent->has_child && r->nodes[parent->node].first < 0;
    if (first && !parent->transparent && r->nodes[parent->node].type == N_PENDING &&
        attr_converts(r, parent, f, n, atts, &st))
        return st;
    if (n->ns == CG_NS_GML && isupper((unsigned char)n->local[0]))
        return JM_OK; /* geometry inside attributes is not read (the property says so) */
    if (first && !parent->transparent && isupper((unsigned char)n->local[0])) {
        f->kind = K_ATTR;
        f->node = parent->node;
        f->transparent = true;
        f->text = true;
        f->sub = parent->sub;
        f->unit = parent->unit;
        return intern_attr(r, atts, CG_NS_XLINK, "href", &f->href);
    }
    return attr_start(r, parent->node, f, n, atts, VT_STRING);
}

static enum jm_status gen_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                const struct cg_name *n, const XML_Char **atts)
{
    if (n->ns != CG_NS_CITYGML)
        return JM_OK;
    const char *l = n->lname;
    const struct prop *p;
    if (!strcmp(l, "value") || !strcmp(l, "name")) {
        f->kind = l[0] == 'v' ? K_GEN_VALUE : K_GEN_NAME;
        f->node = parent->node;
        f->text = true;
        f->sub = parent->sub;
        f->unit = unit_of(atts);
    } else if (!strcmp(l, "genericAttribute")) {
        f->kind = K_GENWRAP;
        f->node = parent->node;
    } else if ((p = prop_find(props, sizeof props / sizeof props[0], l)) && (p->role == R_GEN || p->role == R_GENSET)) {
        return gen_start(r, parent->node, f, atts, p, true);
    }
    return JM_OK;
}

static enum jm_status genwrap_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                    const struct cg_name *n, const XML_Char **atts)
{
    const struct prop *p =
        n->ns == CG_NS_CITYGML ? prop_find(generics30, sizeof generics30 / sizeof generics30[0], n->lname) : NULL;
    return p ? gen_start(r, parent->node, f, atts, p, false) : JM_OK;
}

/* Address leaves; xAL 3 names its leaves generically, so they take their parent's name. */
static enum jm_status addr_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                 const struct cg_name *n, const XML_Char **atts)
{
    (void)atts;
    if (n->ns == CG_NS_GML || (n->ns == CG_NS_CITYGML && !strcmp(n->lname, "multiPoint")))
        return JM_OK;
    char key[CG_LOCAL_MAX * 2];
    const char *up = parent->name == CG_NONE ? "" : cg__str(r, parent->name), *l = n->lname;
    int w = 0;
    if (n->ns == CG_NS_XAL3 && !strcmp(l, "NameElement"))
        w = snprintf(key, sizeof key, "%sName", up);
    else if (n->ns == CG_NS_XAL3 && !strcmp(l, "Number"))
        w = snprintf(key, sizeof key, "%sNumber", up);
    else if (n->ns == CG_NS_XAL3 && !strcmp(l, "Identifier"))
        w = !strcmp(up, "PostCode") ? snprintf(key, sizeof key, "PostalCodeNumber")
                                    : snprintf(key, sizeof key, "%sIdentifier", up);
    else
        w = snprintf(key, sizeof key, "%.*s", (int)n->local_len, n->local);
    f->kind = K_ADDR;
    f->node = parent->node;
    f->text = true;
    f->name = cg__intern(r, key, w < 0 ? 0 : (size_t)w < sizeof key ? (size_t)w : sizeof key - 1);
    return f->name == CG_NONE ? r->status : JM_OK;
}

static enum jm_status app_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                const struct cg_name *n, const XML_Char **atts)
{
    (void)parent, (void)atts;
    const char *l = n->lname;
    f->kind = K_APP;
    if (n->ns != CG_NS_CITYGML)
        return JM_OK;
    if (!strcmp(l, "ParameterizedTexture") || !strcmp(l, "GeoreferencedTexture")) {
        r->info->textures++;
    } else if (!strcmp(l, "X3DMaterial")) {
        r->info->materials++;
    } else if (!strcmp(l, "imageURI")) {
        f->kind = K_APP_URI;
        f->text = true;
    }
    return JM_OK;
}

static enum jm_status geom_child(struct cg_reader *r, struct cg_frame *parent, struct cg_frame *f,
                                 const struct cg_name *n, const XML_Char **atts)
{
    return cg__geom_start(r, parent, f, n, atts);
}

static const child_fn child_start[K_COUNT] = {
    [K_SKIP] = skip_child,       [K_DOC] = doc_child,
    [K_MEMBER] = member_child,   [K_OBJECT] = object_child,
    [K_SUBCONT] = subcont_child, [K_TSCONT] = tscont_child,
    [K_TS] = ts_child,           [K_RELIEFCOMP] = reliefcomp_child,
    [K_TIN] = tin_child,         [K_ATTR] = attr_child,
    [K_LODTEXT] = skip_child,    [K_GEN] = gen_child,
    [K_GENWRAP] = genwrap_child, [K_GEN_NAME] = skip_child,
    [K_GEN_VALUE] = skip_child,  [K_ADDR] = addr_child,
    [K_APP] = app_child,         [K_APP_URI] = skip_child,
    [K_GEOMPROP] = geom_child,   [K_GEOM] = geom_child,
    [K_GMEMBER] = geom_child,    [K_POLY] = geom_child,
    [K_RINGPROP] = geom_child,   [K_RING] = geom_child,
    [K_COORDS] = skip_child,     [K_IMPLICIT] = geom_child,
    [K_IMP_MATRIX] = skip_child, [K_IMP_REFPT] = geom_child,
    [K_IMP_POS] = skip_child,
};

/* ---- ending elements --------------------------------------------------------------------- */

typedef enum jm_status (*end_fn)(struct cg_reader *r, struct cg_frame *f);

static enum jm_status emit_tree(struct cg_reader *r);

static enum jm_status object_end(struct cg_reader *r, struct cg_frame *f)
{
    if (r->objs[f->obj].parent >= 0)
        return JM_OK;
    enum jm_status st = cg__resolve_refs(r);
    if (!st)
        st = emit_tree(r);
    tree_reset(r);
    return st;
}

/* A container property given as an xlink only: kept as an attribute (the href). */
static enum jm_status container_end(struct cg_reader *r, struct cg_frame *f)
{
    if (f->has_child || f->href == CG_NONE || f->name == CG_NONE || f->obj < 0)
        return JM_OK;
    int32_t node = node_new(r, r->objs[f->obj].root, f->name);
    return node < 0 ? r->status : set_href(r, f->obj, node, f->href);
}

static enum jm_status attr_end(struct cg_reader *r, struct cg_frame *f)
{
    struct cg_anode *node = &r->nodes[f->node];
    if (node->type != N_PENDING)
        return JM_OK;
    if (node->first >= 0) {
        node->type = N_OBJECT;
        return JM_OK;
    }
    if (f->transparent && f->has_child)
        return JM_OK;
    size_t n;
    const char *s = trimmed_text(r, &n);
    if (!n && f->href != CG_NONE)
        return set_href(r, f->obj, f->node, f->href);
    return set_value(r, f->obj, f->node, s, n, f->sub, f->unit);
}

static enum jm_status lodtext_end(struct cg_reader *r, struct cg_frame *f)
{
    size_t n;
    const char *s = trimmed_text(r, &n);
    long lod = -1;
    char tok[8];
    if (n < sizeof tok) {
        memcpy(tok, s, n);
        tok[n] = '\0';
        if (!parse_long(tok, 0, 4, &lod))
            lod = -1;
    }
    if (lod < 0)
        return cg__fail(r, JM_EINPUT, "object %s: dem:lod \"%.*s\" is not 0 to 4", cg__obj_id(r, f->obj),
                        (int)(n > 32 ? 32 : n), s);
    r->frames[r->depth - 2].lod = (int8_t)lod;
    return f->node >= 0 ? set_value(r, f->obj, f->node, s, n, VT_INT, U_M) : JM_OK;
}

static enum jm_status gen_name_end(struct cg_reader *r, struct cg_frame *f)
{
    size_t n;
    const char *s = trimmed_text(r, &n);
    uint32_t key = cg__intern(r, s, n);
    if (key == CG_NONE)
        return r->status;
    r->nodes[f->node].key = key;
    return JM_OK;
}

static enum jm_status gen_value_end(struct cg_reader *r, struct cg_frame *f)
{
    size_t n;
    const char *s = trimmed_text(r, &n);
    if (r->nodes[f->node].type != N_PENDING)
        return JM_OK;
    return set_value(r, f->obj, f->node, s, n, f->sub, f->unit);
}

static enum jm_status gen_end(struct cg_reader *r, struct cg_frame *f)
{
    if (r->nodes[f->node].type == N_PENDING)
        r->nodes[f->node].type = N_NULL;
    return JM_OK;
}

static enum jm_status addr_end(struct cg_reader *r, struct cg_frame *f)
{
    size_t n;
    const char *s = trimmed_text(r, &n);
    if (!f->text || f->has_child || !n)
        return JM_OK;
    int32_t node = node_new(r, f->node, f->name);
    return node < 0 ? r->status : set_value(r, f->obj, node, s, n, VT_STRING, U_M);
}

/* A URI with a scheme ("http:", "file:"), which is not looked for beside the file. */
static bool has_scheme(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-'))
        i++;
    return i >= 2 && i < n && s[i] == ':';
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Is the texture file beside the CityGML file? (percent-escapes decoded, '\' read as '/') */
static bool texture_present(const struct cg_reader *r, const char *uri, size_t n)
{
    char path[CG_PATH_MAX];
    if (!n || has_scheme(uri, n) || uri[0] == '/' || uri[0] == '\\')
        return false;
    int w = snprintf(path, sizeof path, "%s/", r->dir);
    if (w < 0 || (size_t)w >= sizeof path)
        return false;
    size_t p = (size_t)w;
    for (size_t i = 0; i < n; i++) {
        char c = uri[i];
        if (c == '\\')
            c = '/';
        else if (c == '%' && i + 2 < n && hexval(uri[i + 1]) >= 0 && hexval(uri[i + 2]) >= 0) {
            c = (char)(hexval(uri[i + 1]) * 16 + hexval(uri[i + 2]));
            i += 2;
        }
        if (c == '\0' || p + 1 >= sizeof path)
            return false;
        path[p++] = c;
    }
    path[p] = '\0';
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static enum jm_status app_uri_end(struct cg_reader *r, struct cg_frame *f)
{
    (void)f;
    size_t n;
    const char *s = trimmed_text(r, &n);
    if (!r->dir || texture_present(r, s, n))
        return JM_OK;
    struct cm_info *info = r->info;
    if (!info->textures_missing++)
        snprintf(info->first_missing_texture, sizeof info->first_missing_texture, "%.*s",
                 (int)(n < sizeof info->first_missing_texture ? n : sizeof info->first_missing_texture - 1), s);
    return JM_OK;
}

static enum jm_status geom_end(struct cg_reader *r, struct cg_frame *f)
{
    return cg__geom_end(r, f);
}

static const end_fn end_fns[K_COUNT] = {
    [K_OBJECT] = object_end,
    [K_SUBCONT] = container_end,
    [K_TSCONT] = container_end,
    [K_RELIEFCOMP] = container_end,
    [K_ATTR] = attr_end,
    [K_LODTEXT] = lodtext_end,
    [K_GEN] = gen_end,
    [K_GEN_NAME] = gen_name_end,
    [K_GEN_VALUE] = gen_value_end,
    [K_ADDR] = addr_end,
    [K_APP_URI] = app_uri_end,
    [K_GEOMPROP] = geom_end,
    [K_GEOM] = geom_end,
    [K_GMEMBER] = geom_end,
    [K_POLY] = geom_end,
    [K_RINGPROP] = geom_end,
    [K_RING] = geom_end,
    [K_COORDS] = geom_end,
    [K_IMPLICIT] = geom_end,
    [K_IMP_MATRIX] = geom_end,
    [K_IMP_POS] = geom_end,
};

/* ---- handing objects over ---------------------------------------------------------------- */

static int cmp_key(const void *a, const void *b)
{
    const struct cg_keyidx *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int cmp_idx(const void *a, const void *b)
{
    const struct cg_keyidx *x = a, *y = b;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static bool push_key(struct cg_reader *r, struct cg_keyidx k)
{
    if (!cg__reserve((void **)&r->keys, &r->cap_keys, r->nkeys + 1, sizeof *r->keys, SIZE_MAX / 64))
        return false;
    r->keys[r->nkeys++] = k;
    return true;
}

static bool write_node(struct cg_reader *r, struct jw *w, int32_t node);

/* The members of an object node, in the order their names first appear; a name that appears
 * several times gives an array. */
static bool write_members(struct cg_reader *r, struct jw *w, int32_t node)
{
    size_t base = r->nkeys;
    bool ok = true;
    for (int32_t c = r->nodes[node].first; ok && c >= 0; c = r->nodes[c].next)
        if (r->nodes[c].type != N_DELETED)
            ok = push_key(r, (struct cg_keyidx){.key = cg__str(r, r->nodes[c].key), .idx = (uint32_t)c});
    size_t n = r->nkeys - base, groups = r->nkeys;
    if (ok && n > 1)
        qsort(r->keys + base, n, sizeof *r->keys, cmp_key);
    for (size_t i = 0; ok && i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(r->keys[base + j].key, r->keys[base + i].key) == 0)
            j++;
        struct cg_keyidx g = r->keys[base + i];
        g.pos = (uint32_t)(base + i);
        g.count = (uint32_t)(j - i);
        ok = push_key(r, g);
        i = j;
    }
    size_t end = r->nkeys;
    if (ok && end - groups > 1)
        qsort(r->keys + groups, end - groups, sizeof *r->keys, cmp_idx);
    ok = ok && jw_object_begin(w);
    for (size_t g = groups; ok && g < end; g++) {
        struct cg_keyidx grp = r->keys[g];
        ok = jw_key(w, grp.key);
        if (ok && grp.count == 1) {
            ok = write_node(r, w, (int32_t)r->keys[grp.pos].idx);
            continue;
        }
        ok = ok && jw_array_begin(w);
        for (uint32_t k = 0; ok && k < grp.count; k++)
            ok = write_node(r, w, (int32_t)r->keys[grp.pos + k].idx);
        ok = ok && jw_array_end(w);
    }
    ok = ok && jw_object_end(w);
    r->nkeys = base;
    return ok;
}

static bool write_numlist(struct jw *w, const char *s, double factor)
{
    bool ok = jw_array_begin(w);
    while (ok && *s) {
        while (isspace((unsigned char)*s))
            s++;
        size_t n = 0;
        while (s[n] && !isspace((unsigned char)s[n]))
            n++;
        char tok[CG_TOKEN_MAX];
        double d;
        if (n && n < sizeof tok) {
            memcpy(tok, s, n);
            tok[n] = '\0';
            ok = parse_double(tok, &d) && jw_double(w, d * factor);
        }
        s += n;
    }
    return ok && jw_array_end(w);
}

static bool write_node(struct cg_reader *r, struct jw *w, int32_t node)
{
    const struct cg_anode *a = &r->nodes[node];
    if (a->first >= 0 || a->type == N_OBJECT)
        return write_members(r, w, node);
    switch (a->type) {
    case N_STRING:
        return jw_string(w, cg__str(r, a->val));
    case N_INT:
        return jw_int(w, a->inum);
    case N_DOUBLE:
        return jw_double(w, a->num);
    case N_NUMLIST:
        return write_numlist(w, cg__str(r, a->val), a->num);
    default:
        return jw_null(w);
    }
}

static enum jm_status write_attributes(struct cg_reader *r, int32_t obj)
{
    struct jw w;
    buf_reset(&r->json);
    jw_init(&w, &r->json);
    r->nkeys = 0;
    if (write_members(r, &w, r->objs[obj].root) && jw_finish(&w))
        return JM_OK;
    if (r->json.overflow)
        return cg__fail(r, JM_ELIMIT, "object %s: attributes exceed %d bytes of JSON", cg__obj_id(r, obj),
                        CM_MAX_ATTRIBUTES_BYTES);
    if (jw_ok(&w))
        return cg__fail(r, JM_EINTERNAL, "out of memory writing the attributes of object %s", cg__obj_id(r, obj));
    return cg__fail(r, JM_ELIMIT, "object %s: attributes are nested deeper than %d levels", cg__obj_id(r, obj),
                    JW_MAX_DEPTH);
}

/* parent_id: the nearest enclosing object with a gml:id; NULL when none has one (an empty
 * name would match every object without a gml:id). */
static const char *parent_id(const struct cg_reader *r, int32_t obj)
{
    for (int32_t q = r->objs[obj].parent; q >= 0; q = r->objs[q].parent)
        if (*cg__str(r, r->objs[q].id))
            return cg__str(r, r->objs[q].id);
    return NULL;
}

/* Resolved tree → on_object per object, parent first; surfaces grouped by object with a
 * counting sort (order = [ends of each object's run | surface indices]). */
static enum jm_status emit_tree(struct cg_reader *r)
{
    size_t nobj = r->nobjs, ns = r->nsurfs;
    if (!cg__reserve((void **)&r->order, &r->cap_order, nobj + ns + 1, sizeof *r->order, SIZE_MAX / 8))
        return cg__fail(r, JM_EINTERNAL, "out of memory");
    uint32_t *end = r->order, *idx = r->order + nobj + 1;
    memset(end, 0, (nobj + 1) * sizeof *end);
    for (size_t s = 0; s < ns; s++)
        end[r->surfs[s].obj + 1]++;
    for (size_t o = 1; o <= nobj; o++)
        end[o] += end[o - 1];
    for (size_t s = 0; s < ns; s++)
        idx[end[r->surfs[s].obj]++] = (uint32_t)s;
    for (size_t o = 0; o < nobj; o++) {
        uint32_t b = o ? end[o - 1] : 0, e = end[o];
        if (!cg__reserve((void **)&r->out, &r->cap_out, e - b + 1, sizeof *r->out, SIZE_MAX / 64))
            return cg__fail(r, JM_EINTERNAL, "out of memory");
        for (uint32_t k = b; k < e; k++) {
            const struct cg_surf *s = &r->surfs[idx[k]];
            r->out[k - b] = (struct cm_surface){.xyz = r->xyz + 3 * s->pt0,
                                                .ring_sizes = r->rings + s->ring0,
                                                .nrings = (int)s->nrings,
                                                .lod = s->lod,
                                                .semantic = s->sem == CG_NONE ? NULL : cg__str(r, s->sem),
                                                .id = s->id == CG_NONE ? NULL : cg__str(r, s->id)};
        }
        enum jm_status st = write_attributes(r, (int32_t)o);
        if (st)
            return st;
        struct cm_object obj = {.id = cg__str(r, r->objs[o].id),
                                .type = cg__str(r, r->objs[o].type),
                                .parent_id = parent_id(r, (int32_t)o),
                                .attributes = buf_str(&r->json),
                                .surfaces = r->out,
                                .nsurfaces = (int)(e - b)};
        r->info->objects++;
        r->info->surfaces += e - b;
        st = r->on_object(r->ctx, &obj, r->info, r->e);
        if (st) {
            if (r->e && r->e->code == JM_OK)
                err_set(r->e, st, "%s: reading stopped at object %s", r->name, cg__obj_id(r, (int32_t)o));
            r->status = st;
            XML_StopParser(r->xp, XML_FALSE);
            return st;
        }
    }
    return JM_OK;
}

/* ---- expat callbacks --------------------------------------------------------------------- */

static enum jm_status note_srs(struct cg_reader *r, const char *name)
{
    struct cm_info *info = r->info;
    if (!*name || (r->srs_set && strcmp(name, r->srs_raw) == 0))
        return JM_OK;
    char shortform[sizeof info->srs];
    int h, v;
    if (!cg__parse_srs(name, shortform, sizeof shortform, &h, &v))
        return cg__fail(r, JM_EINPUT, "unknown srsName \"%s\"", name);
    bool completes = r->srs_set && h == info->epsg_horizontal && !info->epsg_vertical && v;
    if (r->srs_set && !completes) {
        if (h != info->epsg_horizontal || (v && v != info->epsg_vertical))
            return cg__fail(r, JM_EINPUT, "srsName \"%s\" differs from %s named before (one CRS per file)", name,
                            info->srs);
        return JM_OK;
    }
    memcpy(info->srs, shortform, sizeof info->srs);
    info->epsg_horizontal = h;
    info->epsg_vertical = v;
    snprintf(r->srs_raw, sizeof r->srs_raw, "%s", name);
    r->srs_set = true;
    return JM_OK;
}

/* Caps the XML attribute bytes of one element and notes its srsName. */
static enum jm_status check_attrs(struct cg_reader *r, const XML_Char **atts)
{
    size_t bytes = 0;
    const char *srs = NULL;
    for (size_t i = 0; atts[i]; i += 2) {
        bytes += strlen(atts[i + 1]);
        if (strcmp(atts[i], "srsName") == 0)
            srs = atts[i + 1];
    }
    if (bytes > CG_MAX_ELEMENT_ATTR_BYTES)
        return cg__fail(r, JM_ELIMIT, "an element carries more than %d bytes of XML attributes",
                        CG_MAX_ELEMENT_ATTR_BYTES);
    return srs ? note_srs(r, srs) : JM_OK;
}

static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    struct cg_reader *r = ud;
    if (r->status)
        return;
    if (r->depth >= CM_MAX_DEPTH) {
        cg__fail(r, JM_ELIMIT, "elements are nested deeper than %d", CM_MAX_DEPTH);
        return;
    }
    if (check_attrs(r, atts))
        return;
    struct cg_frame *f = &r->frames[r->depth], *parent = r->depth ? &r->frames[r->depth - 1] : NULL;
    if (parent && parent->kind == K_SKIP) {
        *f = *parent;
        r->depth++;
        return;
    }
    struct cg_name n;
    split_name(el, &n);
    if (n.ns == CG_NS_CITYGML) {
        r->seen_citygml = true;
        if (!r->info->version[0] && n.version[0])
            memcpy(r->info->version, n.version, sizeof n.version);
    }
    *f = (struct cg_frame){.kind = K_SKIP,
                           .lod = parent ? parent->lod : -1,
                           .dim = parent ? parent->dim : 3,
                           .reverse = parent && parent->reverse,
                           .tmpl = parent && parent->tmpl,
                           .obj = parent ? parent->obj : -1,
                           .node = -1,
                           .sem = parent ? parent->sem : CG_NONE,
                           .id = CG_NONE,
                           .name = CG_NONE,
                           .href = CG_NONE,
                           .surf0 = (uint32_t)r->nsurfs,
                           .ref0 = (uint32_t)r->nrefs,
                           .rings0 = (uint32_t)r->nrings,
                           .line = (unsigned long)XML_GetCurrentLineNumber(r->xp)};
    buf_reset(&r->text);
    if (!parent) {
        if (n.ns == CG_NS_CITYGML && strcmp(n.lname, "CityModel") != 0)
            start_object(r, f, &n, atts, -1); /* a lone feature as the document */
        else
            f->kind = K_DOC;
    } else {
        child_start[parent->kind](r, parent, f, &n, atts);
        parent->has_child = true;
    }
    r->depth++;
}

static void XMLCALL on_end(void *ud, const XML_Char *el)
{
    (void)el;
    struct cg_reader *r = ud;
    if (r->status || !r->depth)
        return;
    struct cg_frame *f = &r->frames[r->depth - 1];
    if (end_fns[f->kind])
        end_fns[f->kind](r, f);
    r->depth--;
    buf_reset(&r->text);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct cg_reader *r = ud;
    if (r->status || !r->depth)
        return;
    const struct cg_frame *f = &r->frames[r->depth - 1];
    if (f->kind == K_COORDS)
        cg__coords_text(r, s, (size_t)len);
    else if (f->text && !buf_append(&r->text, s, (size_t)len))
        cg__fail(r, JM_ELIMIT, "object %s: a text value is longer than %d bytes", cg__obj_id(r, f->obj),
                 CM_MAX_ATTRIBUTES_BYTES);
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_parameter, const XML_Char *value,
                                   int value_length, const XML_Char *base, const XML_Char *system_id,
                                   const XML_Char *public_id, const XML_Char *notation)
{
    (void)name, (void)is_parameter, (void)value, (void)value_length, (void)base, (void)system_id, (void)public_id,
        (void)notation;
    cg__fail(ud, JM_EINPUT, "entity declarations are not accepted");
}

static void XMLCALL on_skipped_entity(void *ud, const XML_Char *name, int is_parameter)
{
    (void)is_parameter;
    cg__fail(ud, JM_EINPUT, "entity reference \"%s\" is not accepted", name);
}

static int XMLCALL on_external_entity(XML_Parser p, const XML_Char *context, const XML_Char *base,
                                      const XML_Char *system_id, const XML_Char *public_id)
{
    (void)context, (void)base, (void)system_id, (void)public_id;
    cg__fail(XML_GetUserData(p), JM_EINPUT, "external entities are not accepted");
    return XML_STATUS_ERROR;
}

/* expat's allocations: none above CG_MAX_XML_ALLOC, which bounds one token (a tag, a name, an
 * attribute value) whatever the file holds. */
static void *xml_malloc(size_t n)
{
    return n > CG_MAX_XML_ALLOC ? NULL : malloc(n);
}

static void *xml_realloc(void *p, size_t n)
{
    return n > CG_MAX_XML_ALLOC ? NULL : realloc(p, n);
}

static const XML_Memory_Handling_Suite xml_memory = {xml_malloc, xml_realloc, free};

/* ---- the reader -------------------------------------------------------------------------- */

static void reader_free(struct cg_reader *r)
{
    if (!r)
        return;
    if (r->xp)
        XML_ParserFree(r->xp);
    buf_cleanup(&r->text);
    buf_cleanup(&r->strs);
    buf_cleanup(&r->json);
    free(r->objs);
    free(r->nodes);
    free(r->xyz);
    free(r->rings);
    free(r->surfs);
    free(r->refs);
    cg__idmap_cleanup(&r->ids);
    cg__templates_cleanup(&r->tmpl);
    free(r->out);
    free(r->order);
    free(r->keys);
    free(r);
}

static struct cg_reader *reader_new(const char *name, const char *dir, cm_object_fn on_object, void *ctx,
                                    struct cm_info *info, struct err *e)
{
    static const XML_Char sep[] = {CG_NS_SEP, '\0'};
    struct cg_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->name = name;
    r->dir = dir;
    r->on_object = on_object;
    r->ctx = ctx;
    r->info = info ? info : &r->own_info;
    r->e = e;
    memset(r->info, 0, sizeof *r->info);
    buf_init(&r->text, CM_MAX_ATTRIBUTES_BYTES);
    buf_init(&r->strs, CG_MAX_TREE_STRINGS + 4096);
    buf_init(&r->json, CM_MAX_ATTRIBUTES_BYTES);
    r->xp = XML_ParserCreate_MM(NULL, &xml_memory, sep);
    if (!r->xp) {
        reader_free(r);
        return NULL;
    }
    XML_SetUserData(r->xp, r);
    XML_SetReturnNSTriplet(r->xp, XML_TRUE);
    XML_SetParamEntityParsing(r->xp, XML_PARAM_ENTITY_PARSING_NEVER);
    XML_SetElementHandler(r->xp, on_start, on_end);
    XML_SetCharacterDataHandler(r->xp, on_text);
    XML_SetEntityDeclHandler(r->xp, on_entity_decl);
    XML_SetSkippedEntityHandler(r->xp, on_skipped_entity);
    XML_SetExternalEntityRefHandler(r->xp, on_external_entity);
    return r;
}

/* After XML_Parse failed: our own failure, or expat's ("FILE:LINE:COL: XML error: …"). */
static enum jm_status xml_failed(struct cg_reader *r)
{
    if (r->status)
        return r->status;
    enum XML_Error code = XML_GetErrorCode(r->xp);
    unsigned long line = (unsigned long)XML_GetCurrentLineNumber(r->xp);
    unsigned long col = (unsigned long)XML_GetCurrentColumnNumber(r->xp) + 1;
    r->status = code == XML_ERROR_NO_MEMORY ? JM_ELIMIT : JM_EINPUT;
    if (code == XML_ERROR_NO_MEMORY)
        err_set(r->e, r->status, "%s:%lu:%lu: XML error: a token is larger than %zu MiB (or memory ran out)", r->name,
                line, col, CG_MAX_XML_ALLOC >> 20);
    else
        err_set(r->e, r->status, "%s:%lu:%lu: XML error: %s", r->name, line, col, XML_ErrorString(code));
    return r->status;
}

static enum jm_status finish(struct cg_reader *r)
{
    if (r->status)
        return r->status;
    if (!r->seen_citygml)
        return err_set(r->e, JM_EINPUT, "%s: not CityGML (no CityGML 1.0, 2.0 or 3.0 namespace)", r->name);
    return JM_OK;
}

enum jm_status cm_parse_citygml(const char *data, size_t len, const char *name, cm_object_fn on_object, void *ctx,
                                struct cm_info *info, struct err *e)
{
    if (!on_object || (!data && len))
        return err_set(e, JM_EINTERNAL, "cm_parse_citygml: no callback or no data");
    struct cg_reader *r = reader_new(name ? name : "(memory)", NULL, on_object, ctx, info, e);
    if (!r)
        return err_set(e, JM_EINTERNAL, "out of memory");
    size_t off = 0;
    bool final = false;
    while (!final && !r->status) {
        size_t n = len - off < ((size_t)1 << 30) ? len - off : ((size_t)1 << 30);
        final = off + n == len;
        if (XML_Parse(r->xp, data ? data + off : "", (int)n, final) == XML_STATUS_ERROR)
            xml_failed(r);
        off += n;
    }
    enum jm_status st = finish(r);
    reader_free(r);
    return st;
}

enum jm_status cm_read_citygml(const char *path, cm_object_fn on_object, void *ctx, struct cm_info *info, struct err *e)
{
    char dir[CG_PATH_MAX];
    if (!path || !on_object)
        return err_set(e, JM_EINTERNAL, "cm_read_citygml: no path or no callback");
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if ((size_t)(slash - path) >= sizeof dir)
        return err_set(e, JM_EINPUT, "%s: the path is too long", path);
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, errno == ENOENT || errno == ENOTDIR ? JM_ENOTFOUND : JM_EENV, "%s: cannot open: %s", path,
                       strerror(errno));
    struct cg_reader *r = reader_new(path, dir, on_object, ctx, info, e);
    if (!r) {
        fclose(f);
        return err_set(e, JM_EINTERNAL, "out of memory");
    }
    bool final = false;
    while (!final && !r->status) {
        void *b = XML_GetBuffer(r->xp, CG_READ_CHUNK);
        if (!b) {
            xml_failed(r);
            break;
        }
        size_t n = fread(b, 1, CG_READ_CHUNK, f);
        if (ferror(f)) {
            err_set(e, JM_EINPUT, "%s: cannot read: %s", path, strerror(errno));
            r->status = JM_EINPUT;
            break;
        }
        final = feof(f) != 0;
        if (XML_ParseBuffer(r->xp, (int)n, final) == XML_STATUS_ERROR)
            xml_failed(r);
    }
    fclose(f);
    enum jm_status st = finish(r);
    reader_free(r);
    return st;
}
