/* citygml_internal: what citygml_reader.c (XML driver, objects, attributes, appearance) and
 * citygml_geometry.c (GML geometry, coordinates, xlink references, implicit geometry, CRS
 * names) share. Nothing here is public: the interface is citymodel.h.
 *
 * Internals that cross the two files are named cg__*; the rest is static.
 *
 * Model. The reader walks the XML with expat and keeps a stack of frames, one per open
 * element; a frame's `kind` says what the element is to us (an object, a property holding
 * thematic surfaces, a polygon, an attribute, something skipped…) and the kind of the parent
 * decides the kind of a child (one handler per parent kind, in a table). Everything that
 * belongs to the current top-level city object — its parts and sub-objects, their
 * attributes, their polygons, the gml:id map and the pending xlink references — lives in the
 * reader's "tree" stores, which are emptied (capacity kept) when the object has been handed
 * over. Strings of the tree live in one buffer (`strs`) and are named by offsets, since the
 * buffer moves when it grows.
 *
 * Thread-safety: a reader is one call on one thread; nothing static is mutable. */
#ifndef JUMEAU_CITYGML_INTERNAL_H
#define JUMEAU_CITYGML_INTERNAL_H

#include <expat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "citymodel.h"
#include "err.h"

#define CG_NONE UINT32_MAX
#define CG_TOKEN_MAX 64                         /* one number of a posList, NUL included */
#define CG_LOCAL_MAX 64                         /* element names longer than this match no table */
#define CG_MAX_TREE_STRINGS ((size_t)256 << 20) /* ids, keys, values of one top-level object */
#define CG_MAX_TREE_OBJECTS (1 << 20)           /* parts and sub-objects of one top-level object */
#define CG_MAX_TREE_REFS (1 << 22)              /* xlink references inside one top-level object */
#define CG_MAX_TREE_IDS (1 << 22)               /* gml:ids of geometry inside one top-level object */
#define CG_MAX_TREE_NODES (1 << 21)             /* attribute nodes of one top-level object */
#define CG_MAX_TEMPLATE_POINTS (1 << 22)        /* implicit-geometry templates, whole file */
#define CG_MAX_ELEMENT_ATTR_BYTES (1 << 20)     /* XML attribute values of one element */
#define CG_MAX_XML_ALLOC ((size_t)64 << 20)     /* one allocation by expat: bounds a single token */

enum cg_ns { CG_NS_OTHER, CG_NS_CITYGML, CG_NS_GML, CG_NS_XLINK, CG_NS_XAL2, CG_NS_XAL3 };

/* An element or attribute name as expat gives it with namespace triplets
 * ("uri\1local\1prefix"): the pieces point into expat's string (valid during the callback). */
struct cg_name {
    enum cg_ns ns;
    const char *local;
    size_t local_len;
    const char *prefix; /* "" when the element has none */
    size_t prefix_len;
    char lname[CG_LOCAL_MAX]; /* the local name, NUL-terminated; "" when too long */
    char version[8];          /* CityGML namespaces: "2.0", "3.0", "1.0"; else "" */
};

enum cg_kind {
    K_SKIP,       /* ignored subtree */
    K_DOC,        /* the CityModel (or a foreign feature collection) */
    K_MEMBER,     /* cityObjectMember and the like: its child is a top-level object */
    K_OBJECT,     /* a city object (top-level, part or sub-object) */
    K_SUBCONT,    /* a property holding parts or sub-objects (consistsOfBuildingPart …) */
    K_TSCONT,     /* a property holding thematic surfaces (boundedBy, boundary, opening …) */
    K_TS,         /* a thematic surface or opening: its geometry gets a semantic */
    K_RELIEFCOMP, /* dem:reliefComponent */
    K_TIN,        /* dem:TINRelief inside a ReliefFeature: its triangles go to the feature */
    K_ATTR,       /* an attribute element (standard, ADE, unknown) */
    K_LODTEXT,    /* dem:lod: an integer that sets the LoD of relief geometry */
    K_GEN,        /* a generic attribute (2.0 gen:stringAttribute …, 3.0 gen:StringAttribute …) */
    K_GENWRAP,    /* 3.0 genericAttribute: holds one generic attribute */
    K_GEN_NAME,   /* 3.0 gen:name */
    K_GEN_VALUE,  /* gen:value */
    K_ADDR,       /* inside an address: leaves become members of the address object */
    K_APP,        /* inside an appearance */
    K_APP_URI,    /* app:imageURI */
    K_GEOMPROP,   /* lodXSolid, lodXMultiSurface … (or dem:tin, relativeGMLGeometry) */
    K_GEOM,       /* a GML aggregate: Solid, Shell, MultiSurface, OrientableSurface … */
    K_GMEMBER,    /* a GML member property: surfaceMember, baseSurface, exterior of a Solid … */
    K_POLY,       /* gml:Polygon, gml:Triangle, gml:PolygonPatch, gml:Rectangle */
    K_RINGPROP,   /* exterior / interior of a polygon */
    K_RING,       /* gml:LinearRing */
    K_COORDS,     /* gml:posList, gml:pos, gml:coordinates inside a ring */
    K_IMPLICIT,   /* core:ImplicitGeometry */
    K_IMP_MATRIX, /* its transformationMatrix */
    K_IMP_REFPT,  /* its referencePoint (and the gml:Point inside) */
    K_IMP_POS,    /* the referencePoint's gml:pos / gml:coordinates */
    K_COUNT
};

/* How an attribute's text becomes JSON. */
enum cg_vtype { VT_STRING, VT_INT, VT_DOUBLE, VT_MEASURE, VT_NUMLIST, VT_AUTO };

/* Units of measure we convert to metres (anything else is taken as metres). */
enum cg_unit { U_M, U_MM, U_CM, U_DM, U_KM, U_FT, U_FT_US, U_IN };

/* Coordinates elements. */
enum cg_coords { CO_POSLIST, CO_POS, CO_COORDINATES };

struct cg_frame {
    uint8_t kind;
    uint8_t sub;        /* K_ATTR/K_GEN*: cg_vtype; K_COORDS: cg_coords; K_RINGPROP: 1 = interior */
    int8_t lod;         /* geometry LoD in effect (-1 unknown); K_OBJECT/K_TIN: dem:lod */
    uint8_t dim;        /* srsDimension in effect (2 or 3) */
    bool reverse;       /* inside an OrientableSurface with orientation "-" (odd number) */
    bool has_child;     /* a child element started */
    bool text;          /* character data is collected into reader.text */
    bool tmpl;          /* inside relativeGMLGeometry: polygons are template-local */
    bool transparent;   /* K_ATTR: an object element that adds no level ("Height" in height) */
    uint8_t unit;       /* K_ATTR, K_GEN_VALUE: the uom, as a cg_unit */
    int32_t obj;        /* index of the object this element belongs to, -1 outside objects */
    int32_t node;       /* attribute node (K_ATTR, K_GEN …, K_ADDR), -1 none */
    uint32_t sem;       /* semantic name in strs, CG_NONE for none */
    uint32_t id;        /* gml:id in strs (geometry elements), CG_NONE */
    uint32_t name;      /* K_ADDR: local name; containers: property name; in strs */
    uint32_t href;      /* xlink:href in strs, CG_NONE */
    uint32_t surf0;     /* surfaces when the element started */
    uint32_t ref0;      /* references when the element started */
    uint32_t rings0;    /* rings when the element started */
    unsigned long line; /* line where the element started */
};

/* An object of the tree. */
struct cg_obj {
    uint32_t id, type; /* strs offsets */
    int32_t parent;    /* index in the tree, -1 for the top-level object */
    int32_t root;      /* its attribute object node */
    size_t attr_bytes; /* attribute text so far (capped by CM_MAX_ATTRIBUTES_BYTES) */
};

/* An attribute node: an object of children, or a value. */
enum cg_ntype { N_PENDING, N_OBJECT, N_STRING, N_INT, N_DOUBLE, N_NUMLIST, N_NULL, N_DELETED };

struct cg_anode {
    uint32_t key;              /* strs offset */
    uint32_t val;              /* N_STRING, N_NUMLIST: strs offset */
    int32_t first, last, next; /* children, in order */
    uint8_t type;              /* cg_ntype */
    double num;                /* N_DOUBLE */
    long long inum;            /* N_INT */
};

/* A polygon of the tree (or of the template store). */
struct cg_surf {
    size_t pt0;     /* first point (index of a point, not of a double) */
    uint32_t ring0; /* first ring size in the rings array */
    uint32_t nrings;
    uint32_t npts;
    int32_t obj;
    int8_t lod;
    uint32_t sem; /* strs offset or CG_NONE */
    uint32_t id;  /* strs offset or CG_NONE */
};

/* A pending xlink:href="#id" of geometry. */
struct cg_ref {
    uint32_t target; /* the id without '#', strs offset */
    uint32_t sem;    /* the semantic of the referring context, or CG_NONE */
    int32_t obj;
    unsigned long line;
};

/* gml:id → the polygons (and references) an element holds. */
struct cg_ident {
    uint32_t key, len, hash;
    uint32_t surf0, surf1, ref0, ref1;
    uint32_t slot;
    bool done; /* semantics were propagated through it already */
};

struct cg_idmap {
    struct cg_ident *ents;
    size_t n, cap;
    uint32_t *slots; /* entry index + 1, 0 = empty; size is a power of two */
    size_t nslots;
};

/* Geometry with a gml:id inside relativeGMLGeometry, kept for the whole file so that later
 * implicit geometries can name it (template-local coordinates). */
struct cg_templates {
    struct buf strs;
    struct cg_idmap ids;
    double *xyz;
    size_t npts, cap_pts;
    int *rings;
    size_t nrings, cap_rings;
    struct cg_surf *surfs;
    size_t nsurfs, cap_surfs;
};

struct cg_reader {
    XML_Parser xp;
    const char *name; /* names the input in messages */
    const char *dir;  /* folder of the file (textures), or NULL */
    cm_object_fn on_object;
    void *ctx;
    struct cm_info *info;
    struct err *e;
    enum jm_status status; /* first failure; parsing stops at once */
    bool seen_citygml;
    bool srs_set;
    char srs_raw[256];       /* the last srsName seen, to skip parsing it again */
    struct cm_info own_info; /* when the caller passes no cm_info */

    struct cg_frame frames[CM_MAX_DEPTH + 1];
    int depth;       /* open frames */
    struct buf text; /* character data of the innermost text frame */

    /* the current top-level object and everything in it */
    struct buf strs;
    struct cg_obj *objs;
    size_t nobjs, cap_objs;
    struct cg_anode *nodes;
    size_t nnodes, cap_nodes;
    double *xyz;
    size_t npts, cap_pts;
    int *rings;
    size_t nrings, cap_rings;
    struct cg_surf *surfs;
    size_t nsurfs, cap_surfs;
    struct cg_ref *refs;
    size_t nrefs, cap_refs;
    struct cg_idmap ids;

    /* the polygon, ring and coordinates being read */
    size_t poly_ring0, poly_pt0, ring_pt0;
    char tok[CG_TOKEN_MAX];
    size_t toklen;
    double vals[3];
    int nvals;
    int coords_dim;
    bool after_comma; /* gml:coordinates: the last separator was a comma */

    /* the implicit geometry being read */
    double matrix[16];
    int nmatrix;
    double refpt[3];
    int nrefpt;
    struct cg_templates tmpl;

    /* scratch of the hand-over */
    struct cm_surface *out;
    size_t cap_out;
    uint32_t *order;
    size_t cap_order;
    struct buf json;
    struct cg_keyidx *keys;
    size_t nkeys, cap_keys;
};

/* citygml_reader.c */

/* Records the first failure (message "NAME:LINE: …") and stops the parser. Returns code. */
enum jm_status cg__fail(struct cg_reader *r, enum jm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at a given line (for what is found wrong after the element, as references). */
enum jm_status cg__fail_at(struct cg_reader *r, unsigned long line, enum jm_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The id of object `obj` for messages ("(no gml:id)" when it has none, "-" outside). */
const char *cg__obj_id(const struct cg_reader *r, int32_t obj);
/* Copies `s` (n bytes) and a NUL into the tree's strings; CG_NONE (and a failure) past the cap. */
uint32_t cg__intern(struct cg_reader *r, const char *s, size_t n);
const char *cg__str(const struct cg_reader *r, uint32_t off);
/* Grows *p (elements of `elem` bytes) to hold `need`; false past `max` or out of memory. */
bool cg__reserve(void **p, size_t *cap, size_t need, size_t elem, size_t max);
/* The value of attribute `local` in namespace class `ns` (CG_NS_OTHER: no namespace). */
const char *cg__attr(const XML_Char **atts, enum cg_ns ns, const char *local);

/* citygml_geometry.c */

/* Starts a child of a geometry frame (K_GEOMPROP, K_GEOM, K_GMEMBER, K_POLY, K_RINGPROP,
 * K_RING, K_IMPLICIT, K_IMP_REFPT): fills `f` (already a copy of the parent's inherited
 * fields). */
enum jm_status cg__geom_start(struct cg_reader *r, const struct cg_frame *parent, struct cg_frame *f,
                              const struct cg_name *n, const XML_Char **atts);
/* Ends a geometry frame (closes rings and polygons, records ids and references). */
enum jm_status cg__geom_end(struct cg_reader *r, struct cg_frame *f);
/* Coordinates text of a K_COORDS frame. */
enum jm_status cg__coords_text(struct cg_reader *r, const char *s, size_t n);
/* Resolves the tree's references: every one must name geometry of the tree; semantics of
 * referring thematic surfaces go to polygons that have none. */
enum jm_status cg__resolve_refs(struct cg_reader *r);

void cg__idmap_reset(struct cg_idmap *m);
void cg__idmap_cleanup(struct cg_idmap *m);
void cg__templates_cleanup(struct cg_templates *t);

/* Parses an srsName into EPSG codes and the short form for cm_info.srs ("EPSG:25832+5783");
 * false when the name is not understood. */
bool cg__parse_srs(const char *name, char *out, size_t out_size, int *horizontal, int *vertical);

#endif
