/* tileset3d: quadtree of cell summaries -> tileset.json. See tileset3d.h. */
#include "tileset3d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "parse.h"
#include "tile_math.h"

#define DEG (M_PI / 180.0)
#define EARTH_CIRCUMFERENCE 40075016.685578488
#define EARTH_RADIUS 6378137.0

struct tileset3d_caps tileset3d_caps_default(void)
{
    struct tileset3d_caps c = {2000, 1000000};
    const char *f = getenv("JUMEAU_3DTILES_MAX_FEATURES"), *b = getenv("JUMEAU_3DTILES_MAX_BYTES");
    long v;
    if (f && parse_long(f, 1, 1000000, &v))
        c.max_features = v;
    if (b && parse_long(b, 1000, 1L << 30, &v))
        c.max_bytes = v;
    return c;
}

bool tileset3d_is_leaf(const struct tileset3d_caps *caps, int z, long count, long points)
{
    return z >= TILESET3D_MAX_ZOOM ||
           (count <= caps->max_features && points <= caps->max_bytes / TILESET3D_BYTES_PER_POINT);
}

/* The latitude (degrees) of Web Mercator row y (fractional) at zoom z. */
static double row_latitude(int z, double y)
{
    double n = M_PI - 2.0 * M_PI * y / ldexp(1.0, z);
    return atan(sinh(n)) / DEG;
}

/* Ground width of cell row y at zoom z, at its centre latitude (m). */
static double cell_width(int z, int64_t y)
{
    return EARTH_CIRCUMFERENCE / ldexp(1.0, z) * cos(row_latitude(z, (double)y + 0.5) * DEG);
}

double tileset3d_geometric_error(int z, int64_t y)
{
    return cell_width(z, y) / 16.0;
}

int tileset3d_top_zoom(double west, double south, double east, double north)
{
    int best = 0;
    for (int z = 0; z <= TILESET3D_MAX_ZOOM - TILESET3D_LEVELS_PER_FILE; z++) {
        int64_t x0, y0, x1, y1;
        tile_from_lonlat(west, north, z, &x0, &y0);
        tile_from_lonlat(east, south, z, &x1, &y1);
        if (x1 - x0 > 1 || y1 - y0 > 1)
            break;
        best = z;
    }
    return best;
}

/* ---- the levels of one file ----------------------------------------------------------- */

/* The summaries of one zoom level, sorted by x then y. */
struct level {
    struct tileset3d_bin *cells;
    int n;
};

static int bin_order(const void *a, const void *b)
{
    const struct tileset3d_bin *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return p->y < q->y ? -1 : p->y > q->y;
}

static void merge_into(struct tileset3d_bin *to, const struct tileset3d_bin *from)
{
    to->count += from->count;
    to->points += from->points;
    to->west = fmin(to->west, from->west), to->south = fmin(to->south, from->south);
    to->east = fmax(to->east, from->east), to->north = fmax(to->north, from->north);
    to->hmin = fmin(to->hmin, from->hmin), to->hmax = fmax(to->hmax, from->hmax);
}

/* Aggregates `bins` (at zoom `deep`) into the cells of zoom `z`, in `out` (bins long). */
static int aggregate(const struct tileset3d_bin *bins, int nbins, int deep, int z, struct tileset3d_bin *out)
{
    for (int i = 0; i < nbins; i++) {
        out[i] = bins[i];
        out[i].x = bins[i].x >> (deep - z);
        out[i].y = bins[i].y >> (deep - z);
    }
    qsort(out, (size_t)nbins, sizeof *out, bin_order);
    int n = 0;
    for (int i = 0; i < nbins; i++) {
        if (n > 0 && out[n - 1].x == out[i].x && out[n - 1].y == out[i].y)
            merge_into(&out[n - 1], &out[i]);
        else
            out[n++] = out[i];
    }
    return n;
}

static const struct tileset3d_bin *find(const struct level *l, int64_t x, int64_t y)
{
    struct tileset3d_bin key = {.x = x, .y = y};
    return bsearch(&key, l->cells, (size_t)l->n, sizeof key, bin_order);
}

static void write_region_array(struct jw *w, const double region[6]);

/* ---- writing ---------------------------------------------------------------------------- */

struct writer {
    const struct tileset3d_caps *caps;
    const struct level *levels; /* levels[i]: zoom first_z + i */
    int first_z, last_z;
    const char *base;
    struct jw *w;
    struct buf *refs;
};

/* The margin of a tile's region (metres): the error of its positions, float32 offsets from
 * its centre or 16-bit quantised over its extent (half a step of 1/65535 of a mesh at most
 * twice the cell's width), and a centimetre. */
static double region_margin(double width)
{
    return 0.01 + width * 1.6e-5;
}

/* The region [west, south, east, north, hmin, hmax] (radians, metres) around a summary,
 * widened by region_margin() of a tile `width` metres wide. */
static void region_around(const struct tileset3d_bin *c, double width, double region[6])
{
    double margin = region_margin(width);
    double lat = (c->south + c->north) / 2 * DEG;
    double dlat = margin / EARTH_RADIUS, dlon = margin / (EARTH_RADIUS * fmax(cos(lat), 0.01));
    region[0] = fmax(c->west * DEG - dlon, -M_PI);
    region[1] = fmax(c->south * DEG - dlat, -M_PI / 2);
    region[2] = fmin(c->east * DEG + dlon, M_PI);
    region[3] = fmin(c->north * DEG + dlat, M_PI / 2);
    region[4] = c->hmin - margin;
    region[5] = c->hmax + margin;
}

static void write_region(struct jw *w, const struct tileset3d_bin *c, double width)
{
    double region[6];
    region_around(c, width, region);
    write_region_array(w, region);
}

static void add_ref(struct buf *refs, int z, int64_t x, int64_t y, bool external)
{
    if (!refs)
        return;
    struct tileset3d_ref r = {z, x, y, external};
    buf_append(refs, &r, sizeof r);
}

static void write_content(struct writer *wr, int z, const struct tileset3d_bin *c, bool external)
{
    char uri[160];
    snprintf(uri, sizeof uri, "%s%s/%d/%lld/%lld.%s", wr->base, external ? "tileset" : "content", z, (long long)c->x,
             (long long)c->y, external ? "json" : "glb");
    jw_key(wr->w, "content");
    jw_object_begin(wr->w);
    jw_kv_string(wr->w, "uri", uri);
    if (!external)
        jw_kv_int(wr->w, "group", 0);
    jw_object_end(wr->w);
    add_ref(wr->refs, z, c->x, c->y, external);
}

/* Writes cell `c` at zoom z and, unless it is a leaf or at the file's last level, its
 * children. */
static void write_tile(struct writer *wr, int z, const struct tileset3d_bin *c)
{
    struct jw *w = wr->w;
    bool leaf = tileset3d_is_leaf(wr->caps, z, c->count, c->points);
    jw_object_begin(w);
    write_region(w, c, cell_width(z, c->y));
    jw_kv_double(w, "geometricError", leaf ? 0.0 : tileset3d_geometric_error(z, c->y));
    jw_kv_string(w, "refine", "REPLACE");
    write_content(wr, z, c, !leaf && z == wr->last_z);
    if (!leaf && z < wr->last_z) {
        const struct level *below = &wr->levels[z + 1 - wr->first_z];
        jw_key(w, "children");
        jw_array_begin(w);
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++) {
                const struct tileset3d_bin *child = find(below, 2 * c->x + dx, 2 * c->y + dy);
                if (child)
                    write_tile(wr, z + 1, child);
            }
        jw_array_end(w);
    }
    jw_object_end(w);
}

static void write_header(struct jw *w, const struct tileset3d_dataset *ds, double error)
{
    jw_key(w, "asset");
    jw_object_begin(w);
    jw_kv_string(w, "version", "1.1");
    jw_kv_string(w, "generator", "jumeau");
    jw_object_end(w);
    if (ds) { /* 3D Tiles 1.1 group metadata: which collection a content's features are items of */
        jw_key(w, "schema");
        jw_raw(w, "{\"id\":\"jumeau\",\"classes\":{\"dataset\":{\"properties\":{"
                  "\"collection\":{\"type\":\"STRING\",\"description\":\"the OGC API collection of the features: "
                  "/collections/{collection}/items/{id}\"},"
                  "\"title\":{\"type\":\"STRING\"},\"licence\":{\"type\":\"STRING\"}}}}}");
        jw_key(w, "groups");
        jw_array_begin(w);
        jw_object_begin(w);
        jw_kv_string(w, "class", "dataset");
        jw_key(w, "properties");
        jw_object_begin(w);
        jw_kv_string(w, "collection", ds->collection);
        jw_kv_string(w, "title", ds->title ? ds->title : ds->collection);
        jw_kv_string(w, "licence", ds->licence ? ds->licence : "");
        jw_object_end(w);
        jw_object_end(w);
        jw_array_end(w);
    }
    jw_kv_double(w, "geometricError", error);
}

enum jm_status tileset3d_write(const struct tileset3d_dataset *ds, const struct tileset3d_caps *caps, int root_z,
                               int64_t root_x, int64_t root_y, int top_z, struct tileset3d_bin *bins, int nbins,
                               const char *base, struct buf *out, struct buf *refs, struct err *e)
{
    if (nbins <= 0)
        return err_set(e, JM_ENOTFOUND, "no 3D object in this tileset");
    int first = root_z < 0 ? top_z : root_z, last = first + TILESET3D_LEVELS_PER_FILE;
    struct level levels[TILESET3D_LEVELS_PER_FILE + 1];
    struct tileset3d_bin *cells = malloc(sizeof *cells * (size_t)nbins * (TILESET3D_LEVELS_PER_FILE + 1));
    if (!cells)
        return err_set(e, JM_EINTERNAL, "out of memory");
    for (int z = first; z <= last; z++) {
        struct level *l = &levels[z - first];
        l->cells = cells + (size_t)nbins * (size_t)(z - first);
        l->n = aggregate(bins, nbins, last, z, l->cells);
    }
    struct jw w;
    jw_init(&w, out);
    struct writer wr = {caps, levels, first, last, base, &w, refs};
    enum jm_status rc = JM_OK;
    jw_object_begin(&w);
    if (root_z >= 0) {
        const struct tileset3d_bin *root = find(&levels[0], root_x, root_y);
        if (!root) {
            rc = err_set(e, JM_ENOTFOUND, "no 3D object in tile %d/%lld/%lld", root_z, (long long)root_x,
                         (long long)root_y);
            goto out;
        }
        bool leaf = tileset3d_is_leaf(caps, root_z, root->count, root->points);
        write_header(&w, ds, leaf ? 0.0 : tileset3d_geometric_error(root_z, root->y));
        jw_key(&w, "root");
        write_tile(&wr, root_z, root);
    } else {
        /* the dataset root: no content of its own, an error above any of its children's */
        double region[6], error;
        tileset3d_root_summary(bins, nbins, top_z, region, &error);
        write_header(&w, ds, error);
        jw_key(&w, "root");
        jw_object_begin(&w);
        write_region_array(&w, region);
        jw_kv_double(&w, "geometricError", error);
        jw_kv_string(&w, "refine", "REPLACE");
        jw_key(&w, "children");
        jw_array_begin(&w);
        for (int i = 0; i < levels[0].n; i++)
            write_tile(&wr, top_z, &levels[0].cells[i]);
        jw_array_end(&w);
        jw_object_end(&w);
    }
    jw_object_end(&w);
    if (!jw_finish(&w) || (refs && refs->overflow))
        rc = err_set(e, JM_ELIMIT, "tileset.json: over the size cap");
out:
    free(cells);
    return rc;
}

void tileset3d_root_summary(const struct tileset3d_bin *bins, int nbins, int top_z, double region[6], double *error)
{
    struct tileset3d_bin all = bins[0];
    for (int i = 1; i < nbins; i++)
        merge_into(&all, &bins[i]);
    /* the margin of the widest top cell (at the equator): the root's region holds theirs */
    region_around(&all, EARTH_CIRCUMFERENCE / ldexp(1.0, top_z), region);
    /* above the error of any top cell: the bins' rows, brought up to the top zoom */
    double worst = 0;
    int deep = top_z + TILESET3D_LEVELS_PER_FILE;
    for (int i = 0; i < nbins; i++)
        worst = fmax(worst, tileset3d_geometric_error(top_z, bins[i].y >> (deep - top_z)));
    *error = 2 * worst;
}

static void write_region_array(struct jw *w, const double region[6])
{
    jw_key(w, "boundingVolume");
    jw_object_begin(w);
    jw_key(w, "region");
    jw_array_begin(w);
    for (int k = 0; k < 6; k++)
        jw_double(w, region[k]);
    jw_array_end(w);
    jw_object_end(w);
}

enum jm_status tileset3d_write_combined(const char *const *names, const double (*regions)[6], const double *errors,
                                        int n, const char *base, struct buf *out, struct err *e)
{
    if (n <= 0)
        return err_set(e, JM_ENOTFOUND, "no 3D dataset to show");
    double all[6] = {INFINITY, INFINITY, -INFINITY, -INFINITY, INFINITY, -INFINITY}, error = 0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 6; k++)
            all[k] = k == 0 || k == 1 || k == 4 ? fmin(all[k], regions[i][k]) : fmax(all[k], regions[i][k]);
        error = fmax(error, errors[i]);
    }
    error *= 2;
    struct jw w;
    jw_init(&w, out);
    jw_object_begin(&w);
    write_header(&w, NULL, error);
    jw_key(&w, "root");
    jw_object_begin(&w);
    write_region_array(&w, all);
    jw_kv_double(&w, "geometricError", error);
    jw_kv_string(&w, "refine", "ADD");
    jw_key(&w, "children");
    jw_array_begin(&w);
    for (int i = 0; i < n; i++) {
        char uri[512];
        snprintf(uri, sizeof uri, "%s%s/tileset.json", base, names[i]);
        jw_object_begin(&w);
        write_region_array(&w, regions[i]);
        jw_kv_double(&w, "geometricError", errors[i]);
        jw_key(&w, "content");
        jw_object_begin(&w);
        jw_kv_string(&w, "uri", uri);
        jw_object_end(&w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    jw_object_end(&w);
    if (!jw_finish(&w))
        return err_set(e, JM_ELIMIT, "tileset.json: over the size cap");
    return JM_OK;
}
